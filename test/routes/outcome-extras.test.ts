import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { cpfDigits, isValidCpf } from '../../server/domain/cpf';
import type { AcceptedCall } from '../../server/services/outcomeExtensions';
import { callKey } from '../../server/services/outcomes';

/**
 * The optional fields of an outcome (contact id, CPF, call facts) and the extension point that features built on
 * the tabulations (right party, the short-call meter) read them from.
 */
describe('outcome extras', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const seen: { tenantId: string; calls: AcceptedCall[] }[] = [];
  let failNext = false;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    server.services.outcomes.extend({
      async apply(tx, tenantId, calls) {
        // Writes inside the batch's transaction: a failure here must roll the whole batch back.
        await tx.$queryRawUnsafe('SELECT 1');
        if (failNext) {
          failNext = false;
          throw new Error('extension failed');
        }
        seen.push({ tenantId, calls: [...calls] });
      },
    });
    tenant = await buildTenant(server);
    await tenant.campaign('ext', true);
  });
  afterAll(() => server.stop());

  const send = (outcomes: unknown[]) => server.api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes });

  test('CPF check digits are verified and any usual spelling is read', () => {
    expect(isValidCpf('52998224725')).toBe(true);
    expect(isValidCpf('52998224726')).toBe(false);
    expect(isValidCpf('11111111111')).toBe(false);
    expect(cpfDigits('529.982.247-25')).toBe('52998224725');
    expect(cpfDigits('529.982.247-2X')).toBeNull();
  });

  test('when an outcome carries contact id, CPF and call facts, then the extension gets them once, normalized', async () => {
    seen.length = 0;
    const item = {
      callId: 'x-1',
      campaignId: 'ext',
      phone: '(11) 98765-4321',
      code: 'sip:486',
      contactId: 'lead-77',
      cpf: '529.982.247-25',
      call: { answered: false, ringSeconds: 12, talkSeconds: 0, accessCode: '+55 (11) 3003-0000' },
    };
    const first = await send([item]).expect(200);
    expect(first.body.accepted).toBe(1);
    const again = await send([item]).expect(200);
    expect(again.body.duplicates).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.tenantId).toBe(tenant.id);
    expect(seen[0]!.calls).toEqual([
      expect.objectContaining({
        code: 'sip:486',
        outcome: 'neutral',
        contactId: 'lead-77',
        cpf: '52998224725',
        call: { answered: false, ringSeconds: 12, talkSeconds: 0, accessCode: '551130030000' },
      }),
    ]);
  });

  test('when an extra field is wrong, then only that item is refused, naming the field', async () => {
    seen.length = 0;
    const base = { campaignId: 'ext', phone: '11987654321', code: 'sip:404' };
    const response = await send([
      { ...base, callId: 'bad-cpf', cpf: '123.456.789-00' },
      { ...base, callId: 'bad-talk', call: { talkSeconds: -1 } },
      { ...base, callId: 'bad-answered', call: { answered: 'yes' } },
      { ...base, callId: 'bad-code', call: { accessCode: 'abc' } },
      { ...base, callId: 'bad-call', call: 'short' },
      { ...base, callId: 'good' },
    ]).expect(200);
    expect(response.body.accepted).toBe(1);
    const fields = response.body.results.filter((r: { status: string }) => r.status === 'rejected').map((r: { error: { field: string; code: string } }) => `${r.error.field} ${r.error.code}`);
    expect(fields).toEqual([
      'outcomes[0].cpf INVALID_CPF',
      'outcomes[1].call.talkSeconds VALIDATION_FAILED',
      'outcomes[2].call.answered VALIDATION_FAILED',
      'outcomes[3].call.accessCode VALIDATION_FAILED',
      'outcomes[4].call VALIDATION_FAILED',
    ]);
    expect(seen.flatMap((entry) => entry.calls.map((call) => call.code))).toEqual(['sip:404']);
  });

  test('when a call was first counted with its key stored hyphenated (before keys became 32 hex digits), then reporting it again is a duplicate', async () => {
    seen.length = 0;
    const digest = callKey(tenant.id, 'upgrade-1');
    const hyphenated = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20)}`;
    // As the receipts of earlier versions were written: the key's text with hyphens, in the same batch as other calls.
    await server.db.prisma.$executeRawUnsafe(`INSERT INTO call_receipts (call_key, received_at) VALUES ($1::uuid, now())`, hyphenated);
    const base = { campaignId: 'ext', phone: '11987650001', code: 'sip:404' };
    const response = await send([{ ...base, callId: 'upgrade-1' }, { ...base, callId: 'upgrade-2' }]).expect(200);
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted']);
    expect(seen.flatMap((entry) => entry.calls.map((call) => call.callKey))).toEqual([callKey(tenant.id, 'upgrade-2')]);
  });

  test('when an extension fails inside the transaction, then nothing of the batch is counted and a retry counts it once', async () => {
    seen.length = 0;
    failNext = true;
    const item = { callId: 'rollback-1', campaignId: 'ext', phone: '11987650000', code: 'sip:404' };
    await send([item]).expect(500);
    const retry = await send([item]).expect(200);
    expect(retry.body.accepted).toBe(1);
    expect(seen).toHaveLength(1);
  });
});
