import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';

describe('POST /v1/numbers/check and /v1/watch-tokens', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const DEAD = '11 98765-4321';
  const SUSPECT = '21 3456-7890';
  const ALIVE = '(11) 2345-6789';

  beforeAll(async () => {
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '3' } });
    tenant = await buildTenant(server);
    await tenant.campaign('c', true);
    await tenant.report([...invalidOutcomes('d', 'c', DEAD, 3), ...invalidOutcomes('s', 'c', SUSPECT, 1)]);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when phones are checked, then each gets its verdict in order, malformed ones with code and message, and nothing is recorded', async () => {
    const before = await server.db.prisma.mailing.count();
    const response = await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones: [DEAD, SUSPECT, ALIVE, '20 3456-7890', ' +55 11 98765-4321 '] }).expect(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body).toEqual({
      results: [
        { status: 'invalid' },
        // "Não confirmado" shows only in mailing counts: a check reads only what filtering would do (issue 9).
        { status: 'clean' },
        { status: 'clean' },
        { status: 'malformed', code: 'INVALID_DDD', message: expect.stringMatching(/DDD 20/) },
        { status: 'invalid' },
      ],
    });
    expect(await server.db.prisma.mailing.count()).toBe(before);
  });

  it.each([
    [{}, 'phones', 'must be an array of phone strings'],
    [{ phones: [] }, 'phones', 'must not be empty'],
    [{ phones: ['11 98765-4321', 5] }, 'phones.1', 'must be a string'],
    [{ phones: ['1'.repeat(65)] }, 'phones.0', 'must be at most 64 characters'],
  ])('when the body is %j, then 400 VALIDATION_FAILED names %s', async (body, field, message) => {
    const response = await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send(body).expect(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field, message: `${field}: ${message}` });
  });

  it('when watch tokens are asked, then valid spellings of one number share a token and malformed phones get null', async () => {
    const response = await server.api().post('/v1/watch-tokens').set('authorization', tenant.auth('dialer')).send({ phones: [DEAD, '+55 (11) 98765-4321', 'abc'] }).expect(200);
    const [a, b, c] = response.body.tokens as (number | null)[];
    expect(a).toBe(b);
    expect(typeof a).toBe('number');
    expect(c).toBeNull();
  });
});
