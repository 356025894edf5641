import { SpillBudget } from '../../server/services/mailingFilter/answer';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';

/**
 * Issue 10: malformed-row spill files reached 2.2× the input on disk with no per-tenant bound. Past
 * MAX_SPILL_BYTES_PER_TENANT the mailing fails with the bound named in its summary (the answer had started).
 */
const MAX_SPILL_BYTES = 64 * 1024;
const GOOD = '(11) 2345-6789';

/** A CSV whose first rows are kept (the answer starts), then `malformedRows` rows with a bad phone of ~120 bytes. */
function mailing(malformedRows: number): string {
  const kept = `Ana;${GOOD}\n`.repeat(100);
  const malformed = Array.from({ length: malformedRows }, (_v, i) => `${'n'.repeat(100)}${i};abc\n`).join('');
  return `nome;telefone\n${kept}${malformed}`;
}

describe('security: malformed rows held back per tenant', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let other: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false, env: { MAX_SPILL_BYTES_PER_TENANT: String(MAX_SPILL_BYTES) } });
    tenant = await buildTenant(server);
    other = await buildTenant(server);
    // Hygiene on: rows are judged (without it every row is kept, none is malformed).
    await tenant.campaign('c', true);
    await other.campaign('c', true);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when a mailing\'s malformed rows pass MAX_SPILL_BYTES_PER_TENANT, then it fails with the bound named in its summary, and the bytes are given back', async () => {
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', mailing(2000));
    expect(result.status).toBe(200);
    expect(result.summary.status).toBe('failed');
    expect(result.summary.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(result.summary.error!.message).toContain('MAX_SPILL_BYTES_PER_TENANT');
    // What was held back is still sent, never more than the bound.
    expect(Buffer.byteLength(result.malformed, 'latin1')).toBeLessThanOrEqual(MAX_SPILL_BYTES + 200);
    const record = await server.api().get(`/v1/mailings/${result.headers['x-mailing-id']}`).set('authorization', tenant.auth('dialer')).expect(200);
    expect(record.body.status).toBe('failed');

    // The failed mailing gave its bytes back: the same tenant's next mailing with a few malformed rows completes.
    const next = await filterCsvMailing(server, tenant.auth('dialer'), 'c', mailing(10));
    expect(next.summary.status).toBe('completed');
    expect(next.summary.counts.malformedRows).toBe(10);
    const elsewhere = await filterCsvMailing(server, other.auth('dialer'), 'c', mailing(100));
    expect(elsewhere.summary.status).toBe('completed');
  });

  it('when two mailings of one tenant are in flight, then the bound is on their sum, and another tenant keeps its own', () => {
    const budget = new SpillBudget(MAX_SPILL_BYTES);
    const first = budget.allowance('tenant-a');
    const second = budget.allowance('tenant-a');
    first.take(40 * 1024);
    expect(() => second.take(40 * 1024)).toThrow(/MAX_SPILL_BYTES_PER_TENANT/);
    budget.allowance('tenant-b').take(60 * 1024);
    first.release();
    expect(budget.heldBy('tenant-a')).toBe(0);
    second.take(40 * 1024);
    expect(budget.heldBy('tenant-a')).toBe(40 * 1024);
  });
});
