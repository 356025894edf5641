import type { TestServer } from './harness';
import { uniqueId } from './harness';


/** A tenant with one admin (signed in) and one dialer key, all with unique ids. */
export async function buildTenant(server: TestServer, overrides: { slug?: string; name?: string } = {}) {
  const slug = overrides.slug ?? uniqueId('tenant').toLowerCase().replace(/_/g, '-');
  const services = server.services;
  const tenant = await services.tenants.createTenant({ slug, name: overrides.name ?? `Tenant ${slug}` });
  const adminEmail = `admin@${slug}.example`;
  const adminPassword = 'correct horse battery staple';
  await services.tenants.createAdmin(tenant.id, { email: adminEmail, name: 'Admin', password: adminPassword });
  const login = await server.api().post('/v1/auth/login').send({ email: adminEmail, password: adminPassword }).expect(200);
  const key = await services.tenants.createDialerKey(tenant.id, 'discador', 'test');
  const adminToken = login.body.token as string;
  const dialerKey = key.key;
  const auth = (credential: 'admin' | 'dialer') => `Bearer ${credential === 'admin' ? adminToken : dialerKey}`;
  return {
    id: tenant.id,
    slug,
    adminEmail,
    adminPassword,
    adminToken,
    dialerKey,
    auth,
    /** Registers a campaign (as the dialer) and switches its hygiene (as an admin). */
    async campaign(externalId: string, hygiene: boolean) {
      await server.api().post('/v1/campaigns').set('authorization', auth('dialer')).send({ id: externalId, name: externalId }).expect(201);
      if (hygiene) {
        await server.api().put(`/v1/campaigns/${encodeURIComponent(externalId)}/hygiene`).set('authorization', auth('admin')).send({ enabled: true }).expect(200);
      }
      return externalId;
    },
    /** Reports outcomes as the dialer; returns the batch result. */
    async report(outcomes: Array<{ callId: string; campaignId: string; phone: string; code: string; occurredAt?: string }>) {
      const response = await server.api().post('/v1/outcomes').set('authorization', auth('dialer')).send({ outcomes }).expect(200);
      return response.body as { accepted: number; duplicates: number; rejected: number; results: Array<Record<string, unknown>> };
    },
  };
}

export type BuiltTenant = Awaited<ReturnType<typeof buildTenant>>;

/** n invalid outcomes for one phone, with distinct call ids. */
export function invalidOutcomes(prefix: string, campaignId: string, phone: string, count: number, code = 'sip:404') {
  return Array.from({ length: count }, (_v, i) => ({ callId: `${prefix}-${i}`, campaignId, phone, code }));
}
