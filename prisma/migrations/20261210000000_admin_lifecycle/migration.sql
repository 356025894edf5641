-- Admin lifecycle and tenant offboarding (issue 10, docs/security.md): an admin can be disabled, every session of
-- an admin ends when its token version moves (sign out everywhere, password change), and the operator can disable
-- a tenant (its keys and admins are refused).

-- AlterTable
ALTER TABLE "admin_users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3),
ADD COLUMN "token_version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "disabled_at" TIMESTAMPTZ(3);
