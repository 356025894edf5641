'use strict';
/**
 * A hygiene server as a separate process, for the fault tests (SIGKILL, restart). Runs the TypeScript sources
 * through scripts/ts-register.js, so it needs no build and never runs a stale dist/.
 * Env: the server's own variables (see server/config.ts) plus TEST_SCHEMA, the PostgreSQL schema to use.
 * Prints "READY <url> <operator url>" on stdout once listening.
 */
require('../../scripts/ts-register');
const { loadConfig } = require('../../server/config');
const { openPostgres } = require('../../server/db/database');
const { startServer } = require('../../server/server');
const { createLogger } = require('../../server/logger');

async function run() {
  const config = loadConfig(process.env);
  if (config.database.kind !== 'postgres') throw new Error('server-process: DATABASE_URL is required');
  const db = await openPostgres({ url: config.database.url, schema: process.env.TEST_SCHEMA, poolSize: 5 });
  const server = await startServer(config, { db, logger: createLogger(config.logLevel) });
  process.stdout.write(`READY ${server.url} ${server.operatorUrl}\n`);
  const stop = () => server.close().then(() => db.close()).then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

run().catch((error) => {
  process.stderr.write(`server-process failed: ${error?.stack ? error.stack : error}\n`);
  process.exit(1);
});
