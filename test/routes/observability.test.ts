import { randomInt } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, uniqueId, type TestServer } from '../support/harness';
import { memoryLogger } from '../support/logs';
import { filterCsvMailing } from '../support/mailing';

/**
 * Issue 11: the access log (one line per request, route templates, never phones) and the Prometheus metrics
 * an operator scrapes from /metrics after real traffic.
 */

/** Prometheus text → {"name{label=\"v\",…}": value}; labels as exposed (prom-client orders them as declared). */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

/** A valid mobile number of São Paulo with random subscriber digits, so its digits can be looked for in the log. */
const randomMobile = () => `119${String(randomInt(10_000_000, 99_999_999))}`;

describe('access log and metrics', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let logs: ReturnType<typeof memoryLogger>;
  let campaign: string;
  const phones = Array.from({ length: 6 }, randomMobile);
  const scrape = () => server.operatorApi().get('/metrics').set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`);

  beforeAll(async () => {
    logs = memoryLogger();
    server = await startTestServer({ logger: logs.logger });
    tenant = await buildTenant(server);
    campaign = await tenant.campaign(uniqueId('camp-obs'), true);
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('after outcomes (HTTP and socket), a mailing, a check and refused sign-ins', () => {
    let mailing: Awaited<ReturnType<typeof filterCsvMailing>>;
    let socketAccepted = 0;

    beforeAll(async () => {
      const prefix = uniqueId('call');
      const first = await tenant.report([
        { callId: `${prefix}-1`, campaignId: campaign, phone: phones[0]!, code: 'sip:404' },
        { callId: `${prefix}-2`, campaignId: campaign, phone: `(${phones[1]!.slice(0, 2)}) ${phones[1]!.slice(2, 7)}-${phones[1]!.slice(7)}`, code: 'sip:486' },
        { callId: `${prefix}-3`, campaignId: campaign, phone: '12345', code: 'sip:404' },
      ]);
      expect(first).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
      expect(await tenant.report([{ callId: `${prefix}-1`, campaignId: campaign, phone: phones[0]!, code: 'sip:404' }])).toMatchObject({ duplicates: 1 });

      const socket = connect(server.url, { auth: { token: tenant.dialerKey }, transports: ['websocket'], reconnection: false });
      try {
        const ack = (await socket.timeout(10_000).emitWithAck('outcomes:report', {
          outcomes: [{ callId: `${prefix}-s1`, campaignId: campaign, phone: `+55 ${phones[2]}`, code: 'q850:1' }],
        })) as { ok: boolean; result: { accepted: number } };
        expect(ack.ok).toBe(true);
        socketAccepted = ack.result.accepted;
      } finally {
        socket.close();
      }

      mailing = await filterCsvMailing(server, tenant.auth('dialer'), campaign, `nome;telefone\nAna;${phones[3]}\nBia;${phones[4]}\nCaio;not a phone\n`);
      expect(mailing.status).toBe(200);
      await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones: [phones[5]] }).expect(200);

      // Sign-in attempts are limited per address (30 a minute, services/loginGuard.ts): the 31st is a 429.
      let refused = 0;
      for (let attempt = 0; attempt < 32; attempt++) {
        const response = await server.api().post('/v1/auth/login').send({ email: `nobody-${attempt}@example.com`, password: 'wrong password' });
        if (response.status === 429) refused++;
      }
      expect(refused).toBeGreaterThan(0);
    });

    it('when /metrics is called without the operator token or with a tenant credential, then 401', async () => {
      await server.operatorApi().get('/metrics').expect(401);
      const response = await server.operatorApi().get('/metrics').set('authorization', tenant.auth('admin')).expect(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    });

    it('when /metrics is scraped, then latency, ingest, mailing rows, quota refusals, status index, pool and dependency series are there with plausible values', async () => {
      const response = await scrape().expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      const series = parseExposition(response.text);
      const value = (name: string) => series.get(name);

      expect(value('hygiene_http_request_duration_seconds_count{method="POST",route="/v1/outcomes",status_class="2xx"}')).toBe(2);
      expect(value('hygiene_http_request_duration_seconds_count{method="POST",route="/v1/campaigns/:campaignId/mailings",status_class="2xx"}')).toBe(1);
      expect(value('hygiene_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/outcomes",status_class="2xx"}')).toBe(2);
      const outcomeSeconds = value('hygiene_http_request_duration_seconds_sum{method="POST",route="/v1/outcomes",status_class="2xx"}')!;
      expect(outcomeSeconds).toBeGreaterThan(0);
      expect(outcomeSeconds).toBeLessThan(30);

      expect(value('hygiene_outcomes_total{result="accepted",transport="http"}')).toBe(2);
      expect(value('hygiene_outcomes_total{result="duplicate",transport="http"}')).toBe(1);
      expect(value('hygiene_outcomes_total{result="rejected",transport="http"}')).toBe(1);
      expect(value('hygiene_outcomes_total{result="accepted",transport="socket"}')).toBe(socketAccepted);
      expect(socketAccepted).toBe(1);

      expect(value('hygiene_mailing_rows_total{verdict="kept"}')).toBe(mailing.summary.counts.keptRows);
      expect(value('hygiene_mailing_rows_total{verdict="dropped"}')).toBe(mailing.summary.counts.droppedRows);
      expect(value('hygiene_mailing_rows_total{verdict="malformed"}')).toBe(1);
      expect(mailing.summary.counts.keptRows).toBe(2);

      expect(value('hygiene_quota_refusals_total{route="/v1/auth/login"}')).toBeGreaterThanOrEqual(1);
      expect(value('hygiene_http_request_duration_seconds_count{method="POST",route="/v1/auth/login",status_class="4xx"}')).toBeGreaterThanOrEqual(11);

      expect(value('hygiene_status_index_numbers')).toBe(server.services.statusIndex.table.size);
      const lag = value('hygiene_status_index_lag_seconds')!;
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(5); // polled every 200 ms in tests

      const total = value('hygiene_pg_pool_connections{state="total"}')!;
      expect(total).toBeGreaterThanOrEqual(1);
      expect(total).toBeLessThanOrEqual(5); // the harness's pool size
      expect(value('hygiene_pg_pool_connections{state="idle"}')).toBeLessThanOrEqual(total);
      expect(value('hygiene_pg_pool_connections{state="waiting"}')).toBeGreaterThanOrEqual(0);

      expect(value('hygiene_dependency_up{dependency="database"}')).toBe(1);
      expect(value('hygiene_dependency_up{dependency="redis"}')).toBe(1);
      expect(value('hygiene_process_resident_memory_bytes')).toBeGreaterThan(0);

      // Labels hold templates and classes: no campaign id, tenant id or phone digits.
      for (const secret of [campaign, tenant.id, ...phones.map((phone) => phone.slice(3))]) expect(response.text).not.toContain(secret);
    });

    it('when the requests are logged, then each has one access line with method, route template, status, duration, tenant and request id', () => {
      const access = logs.lines().filter((line) => line.msg === 'request');
      const outcomes = access.filter((line) => line.route === '/v1/outcomes');
      expect(outcomes).toHaveLength(2);
      for (const line of outcomes) {
        expect(line).toEqual({ level: 30, msg: 'request', requestId: expect.any(String), method: 'POST', route: '/v1/outcomes', status: 200, durationMs: expect.any(Number), tenantId: tenant.id });
      }
      const mailingLine = access.find((line) => line.route === '/v1/campaigns/:campaignId/mailings');
      expect(mailingLine).toMatchObject({ method: 'POST', status: 200, tenantId: tenant.id, requestId: mailing.headers['x-request-id'] });
      expect(access.find((line) => line.route === '/v1/auth/login' && line.status === 429)).toMatchObject({ method: 'POST' });
      expect(access.find((line) => line.route === '/v1/auth/login')).not.toHaveProperty('tenantId');
      // Never the raw path (the campaign id is in it) nor a query string.
      expect(access.filter((line) => String(line.route).includes(campaign))).toEqual([]);
    });

    it('when outcomes, a mailing and a check carried phones, then no log line holds their digits in any spelling', () => {
      const text = logs.text();
      expect(text.length).toBeGreaterThan(0);
      for (const phone of phones) {
        const subscriber = phone.slice(2); // the 9 digits after the DDD, as every spelling holds them
        expect([phone, text.includes(subscriber), text.includes(`${subscriber.slice(0, 5)}-${subscriber.slice(5)}`)]).toEqual([phone, false, false]);
      }
    });
  });

  it('when a request matches no route, then its access line and metric say "(unmatched)", not its path', async () => {
    const path = `/v1/no-such-route/${phones[0]}`;
    await server.api().get(path).expect(404);
    const line = logs.lines().find((entry) => entry.msg === 'request' && entry.status === 404 && entry.method === 'GET');
    expect(line).toMatchObject({ route: '(unmatched)' });
    expect(logs.text()).not.toContain(phones[0]!.slice(2));
    const series = parseExposition((await scrape().expect(200)).text);
    expect(series.get('hygiene_http_request_duration_seconds_count{method="GET",route="(unmatched)",status_class="4xx"}')).toBeGreaterThanOrEqual(1);
  });
});
