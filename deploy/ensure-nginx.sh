#!/usr/bin/env bash
# Installs Debian's nginx when no nginx binary is on this machine (CI and the team machines run as root with
# Debian's packages reachable). The deployment smoke test (test/deploy/smoke.test.ts) then runs its own nginx
# under a temp folder; the system service is never started: a policy-rc.d that refuses service starts is put
# in place for the install when the machine has none (Debian's postinst would otherwise start nginx on :80).
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx is missing and this is not root: install it with 'apt-get install -y nginx-light' (or nginx)" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
placed_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  placed_policy=yes
fi
cleanup() { if [ "$placed_policy" = yes ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
echo "installing nginx (Debian package)"
# A package list is needed only when the package is unknown to apt (a new machine): update once, then retry.
# nginx-light is bookworm's small build; on later Debian releases it is gone and plain nginx is the same thing.
if ! install nginx-light 2>/dev/null && ! install nginx 2>/dev/null; then
  apt-get update -qq
  install nginx-light || install nginx
fi
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
