import { type Config, ConfigError, loadConfig } from './config';
import { boundHeapGrowth } from './infra/heap';
import { startServer } from './server';

async function main(): Promise<void> {
  // Everything this process writes (the embedded database and its WAL, dev-keys.json, spill files) is owner-only.
  process.umask(0o077);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  boundHeapGrowth(config.heapGrowingPercent);
  const server = await startServer(config);
  if (config.database.kind === 'embedded') {
    process.stdout.write(
      `\nHygiene server on ${server.url} (embedded database in ${config.database.dataDir}); operator API on ${server.operatorUrl}\n` +
        `Create a tenant, an admin and a dialer key:  npm run admin -- help\n\n`,
    );
  }
  // The first signal drains (server.ts, close(): requests in flight get SHUTDOWN_DRAIN_MS); a second one cuts.
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) {
      process.stdout.write(`${signal} again: exiting without waiting for requests in flight\n`);
      process.exit(1);
    }
    shuttingDown = true;
    process.stdout.write(`${signal}: shutting down (draining requests in flight for up to ${config.shutdownDrainMs} ms)\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
