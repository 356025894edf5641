import { Pool } from 'pg';
import { buildTenant } from '../support/factories';
import { startTestServer, testDatabaseUrl, type TestServer } from '../support/harness';
import { dumpSchema } from '../support/dump';
import { memoryLogger } from '../support/logs';
import { filterCsvMailing } from '../support/mailing';

/**
 * Right party and LGPD (docs/privacy.md): CPFs and the dialers' contact ids are stored only as tenant-keyed
 * pseudonyms. Nothing in any column of any table, nor in the logs, spells them, and the same CPF (or contact id)
 * in two tenants leaves unrelated stored values: the database cannot link one person across tenants.
 */
const CPF = '529.982.247-25';
const CPF_SPELLINGS = ['52998224725', '529.982.247-25', '529982247', '982.247'];
const CONTACT_ID = 'lead-secret-7731';
const PHONE = '(11) 98765-1234';

describe('right party: no CPF or contact id in clear, no cross-tenant link', () => {
  let server: TestServer;
  let logs: ReturnType<typeof memoryLogger>;

  beforeAll(async () => {
    logs = memoryLogger();
    server = await startTestServer({ redis: false, logger: logs.logger });
  });
  afterAll(() => server.stop());

  test('when two tenants report right party for the same CPF and contact id on the same phone, then the dump holds neither and their stored values share nothing', async () => {
    const tenants = [await buildTenant(server), await buildTenant(server)];
    for (const [i, tenant] of tenants.entries()) {
      await tenant.campaign('cobranca', true);
      const response = await server
        .api()
        .post('/v1/outcomes')
        .set('authorization', tenant.auth('dialer'))
        .send({
          outcomes: [
            { callId: `cpf-${i}`, campaignId: 'cobranca', phone: PHONE, code: 'cpc', cpf: CPF },
            { callId: `id-${i}`, campaignId: 'cobranca', phone: PHONE, code: 'wrong party', contactId: CONTACT_ID },
          ],
        })
        .expect(200);
      expect(response.body.accepted).toBe(2);
      const mailing = await filterCsvMailing(server, tenant.auth('dialer'), 'cobranca', `cpf;telefone\r\n${CPF};${PHONE}\r\n${CONTACT_ID};${PHONE}\r\n`, { order: 'best' });
      expect(mailing.summary.counts).toMatchObject({ rightPartyQualified: 1, rightPartyNotQualified: 1 });
    }

    const dump = await dumpSchema(server.schema);
    expect(dump.tables.get('right_party_states')).toBe(4);
    const hits = dump.cells.filter((cell) => [...CPF_SPELLINGS, CONTACT_ID].some((secret) => cell.value.includes(secret) || cell.value.replace(/\D/g, '').includes('52998224725')));
    expect(hits).toEqual([]);
    for (const secret of [...CPF_SPELLINGS, CONTACT_ID]) expect(logs.text()).not.toContain(secret);

    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    try {
      const rows = await pool.query<{ tenant_id: string; pair: string; contact: string }>(`SELECT tenant_id::text, pair::text, contact::text FROM "${server.schema}".right_party_states`);
      const byTenant = (tenantId: string) => rows.rows.filter((row) => row.tenant_id === tenantId);
      const [first, second] = tenants.map((tenant) => byTenant(tenant.id));
      expect(first).toHaveLength(2);
      expect(second).toHaveLength(2);
      // Same CPF, same contact id, same phone: no stored value of one tenant appears in the other's rows.
      const valuesOf = (rowsOfTenant: typeof first) => new Set(rowsOfTenant!.flatMap((row) => [row.pair, row.contact]));
      const shared = [...valuesOf(first)].filter((value) => valuesOf(second).has(value));
      expect(shared).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
