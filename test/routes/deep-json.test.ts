import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterJsonMailing } from '../support/mailing';
import { recordFault } from '../support/reliability';

/**
 * Issue "Faults: lose nothing", defect 2: one JSON contact nested 10,000 levels deep used to fail the serialization
 * of its whole 4,096-contact batch (JSON.stringify recursion), so the batch was lost and the summary miscounted.
 * Now that contact alone comes back apart (TOO_DEEP, with its line) and every other contact is judged as usual.
 */
const CONTACTS = 5_000;
const DEEP_AT = 10; // 1-based line (NDJSON) or position (JSON array)
const deepValue = '['.repeat(10_000) + ']'.repeat(10_000);

function contactLines(): string[] {
  return Array.from({ length: CONTACTS }, (_v, i) =>
    i + 1 === DEEP_AT ? `{"nome":"Fundo","telefone":"11987654321","x":${deepValue}}` : JSON.stringify({ nome: `Contato ${i}`, telefone: `(11) 9${String(1000_0000 + i)}` }),
  );
}

describe('a deeply nested JSON contact', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
    await tenant.campaign('on', true);
    await tenant.campaign('off', false);
  });

  afterAll(async () => {
    await server.stop();
  });

  it.each([
    ['a JSON array', 'on', 'application/json'],
    ['NDJSON', 'on', 'application/x-ndjson'],
    ['NDJSON', 'off', 'application/x-ndjson'],
  ])('when one contact of %s (campaign hygiene %s) is nested 10,000 levels deep, then only it comes back apart as TOO_DEEP with its line and every other contact is kept and counted', async (format, campaign, contentType) => {
    const lines = contactLines();
    const body = contentType === 'application/json' ? `[${lines.join(',')}]` : lines.join('\n') + '\n';
    const result = await filterJsonMailing(server, tenant.auth('dialer'), campaign, body, contentType);
    expect(result.status).toBe(200);
    const summary = result.lines.at(-1) as { summary: { status: string; error?: unknown; counts: Record<string, number> } };
    expect(summary.summary.error).toBeUndefined();
    expect(summary.summary).toMatchObject({ status: 'completed', counts: { totalRows: CONTACTS, keptRows: CONTACTS - 1, malformedRows: 1, droppedRows: 0 } });
    const kept = result.lines.filter((line) => 'kept' in line);
    const malformed = result.lines.filter((line) => 'malformed' in line);
    expect(kept).toHaveLength(CONTACTS - 1);
    expect(malformed).toEqual([{ malformed: null, reasons: [{ column: '*', code: 'TOO_DEEP', message: expect.stringMatching(new RegExp(`^line ${DEEP_AT}: `)) }] }]);
    // The contacts around it went out in order, untouched.
    expect(kept[DEEP_AT - 2]).toEqual({ kept: { nome: `Contato ${DEEP_AT - 2}`, telefone: `(11) 9${String(1000_0000 + DEEP_AT - 2)}` } });
    expect(kept[DEEP_AT - 1]).toEqual({ kept: { nome: `Contato ${DEEP_AT}`, telefone: `(11) 9${String(1000_0000 + DEEP_AT)}` } });
    const stored = await server.api().get(`/v1/mailings/${(summary.summary as unknown as { id: string }).id}`).set('authorization', tenant.auth('admin')).expect(200);
    expect(stored.body).toMatchObject({ status: 'completed', counts: { totalRows: CONTACTS, keptRows: CONTACTS - 1, malformedRows: 1 } });
    recordFault({
      fault: `one contact nested 10,000 levels deep (${format}, hygiene ${campaign})`,
      load: `${CONTACTS.toLocaleString('en')} contacts in one mailing (batches of 4,096)`,
      sent: CONTACTS,
      counted: kept.length + malformed.length,
      lost: CONTACTS - kept.length - malformed.length,
      doubled: 0,
      clientSaw: `200, completed: ${kept.length} kept, the deep one apart (TOO_DEEP, line ${DEEP_AT})`,
      recoveryMs: null,
    });
  });

  it('when contacts are nested up to the limit, then they are kept whole', async () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    // Depth 100 = the contact object plus 99 levels of arrays inside it.
    const body = `{"telefone":"11987654321","x":${nested(99)}}\n{"telefone":"11912345678","x":${nested(100)}}\n`;
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'on', body, 'application/x-ndjson');
    expect(result.status).toBe(200);
    expect(result.lines.map((line) => Object.keys(line)[0])).toEqual(['kept', 'malformed', 'summary']);
    expect(JSON.stringify(result.lines[0])).toContain(nested(99));
  });
});
