import { createServer } from 'node:net';
import { Client } from 'pg';
import Redis from 'ioredis';
import { applyMigrations } from '../server/db/migrate';
import { json } from './http';

export const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export const databaseUrl = (name: string) => `postgresql://postgres@127.0.0.1:5432/${name}`;

/** A database of the bench's own, with the project's migrations applied (the server would apply them too). */
export async function createDatabase(name: string): Promise<Client> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const client = new Client({ connectionString: databaseUrl(name) });
  // DROP DATABASE … WITH (FORCE) at clean-up terminates this session if it is still open: not an error then.
  client.on('error', () => undefined);
  await client.connect();
  await applyMigrations(
    async (sql) => void (await client.query(sql)),
    async (sql, params) => (await client.query(sql, params as unknown[])).rows,
  );
  return client;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Deletes the bench's Redis keys (its own prefix only). */
export async function dropRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export type BenchTenant = { slug: string; dialerKey: string; adminToken: string; campaign: string };

/**
 * A tenant made through the operator API (on its own listener, `operatorUrl`), with a dialer key, a signed-in admin
 * and a hygiene-enabled campaign on the public `url`.
 */
export async function createTenant(url: string, operatorUrl: string, operatorToken: string, slug: string, campaign: string): Promise<BenchTenant> {
  await json(operatorUrl, 'POST', '/v1/operator/tenants', operatorToken, { slug, name: `Bench ${slug}` });
  const email = `admin@${slug}.bench`;
  const password = 'bench-password-0123456789';
  await json(operatorUrl, 'POST', `/v1/operator/tenants/${slug}/admins`, operatorToken, { email, name: 'Bench admin', password });
  const { key } = await json<{ key: string }>(operatorUrl, 'POST', `/v1/operator/tenants/${slug}/dialer-keys`, operatorToken, { name: 'bench dialer' });
  const { token } = await json<{ token: string }>(url, 'POST', '/v1/auth/login', undefined, { email, password });
  await addCampaign(url, { dialerKey: key, adminToken: token }, campaign);
  return { slug, dialerKey: key, adminToken: token, campaign };
}

export async function addCampaign(url: string, tenant: { dialerKey: string; adminToken: string }, campaign: string): Promise<void> {
  await json(url, 'POST', '/v1/campaigns', tenant.dialerKey, { id: campaign, name: campaign });
  await json(url, 'PUT', `/v1/campaigns/${campaign}/hygiene`, tenant.adminToken, { enabled: true });
}

/** A port free on 127.0.0.1 right now, for a server or a balancer the bench starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
