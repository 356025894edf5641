// Fails fast, with the fix, when the real services the suite needs are not up.
const net = require('node:net');
const { rmSync } = require('node:fs');
const path = require('node:path');
const { testDatabaseUrl, testRedisUrl } = require('./urls');

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

module.exports = async () => {
  // Fault rows are collected afresh each run (see reliability.ts) and merged into docs/reliability.md at the end.
  rmSync(path.resolve(__dirname, '..', '..', 'test-artifacts', 'reliability.jsonl'), { force: true });
  const missing = [];
  if (!(await reachable(testDatabaseUrl))) missing.push(`PostgreSQL at ${testDatabaseUrl} (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`);
  if (!(await reachable(testRedisUrl))) missing.push(`Redis at ${testRedisUrl} (start it: redis-server --daemonize yes --port 6379)`);
  if (missing.length) throw new Error(`The tests need real services:\n  ${missing.join('\n  ')}`);
};
