import fc from 'fast-check';
import { CsvReader, CsvSyntaxError, formatCsvRow, type CsvRow } from '../../plugin/contract/csv';
import { closingBoundary, MultipartReader, newBoundary, partHeader } from '../../plugin/contract/multipart';
import { PhoneError, parsePhone, parsePhoneFast } from '../../server/domain/phone';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';

/**
 * Issue 10: property-based tests of what parses attacker-chosen input: the phone parser, the CSV and multipart
 * readers, and the JSON bodies of the main routes. Bounded runs (fast-check's shrinking names a failing input).
 */
const RUNS = 200;

/** Splits `text` at the given cut points (any positions, sorted and deduplicated). */
function chunked<T extends string | Buffer>(text: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(text.slice(from, point) as T);
    from = point;
  }
  pieces.push(text.slice(from) as T);
  return pieces;
}

describe('properties: the phone parser', () => {
  const phoneish = fc.string({ unit: fc.constantFrom(...'0123456789 +-()./9x\t'.split('')), maxLength: 24 });

  it('when any text is parsed as a phone, then it never throws, and the answer is an E.164 +55 number or a known error code, the fast path agreeing', () => {
    fc.assert(
      fc.property(fc.oneof(phoneish, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 })), (raw) => {
        const parsed = parsePhone(raw);
        if (parsed.ok) expect(parsed.e164).toMatch(/^\+55\d{10,11}$/);
        else expect(Object.keys(PhoneError)).toContain(parsed.code);
        expect(parsePhoneFast(raw) >= 0).toBe(parsed.ok);
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('properties: the CSV reader', () => {
  // Every character the reader treats specially, and a latin1 letter.
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ';', '"', '\r', '\n', ' ', '\t', 'é', ','), maxLength: 8 });
  const records = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });
  const read = (pieces: string[], options?: ConstructorParameters<typeof CsvReader>[0]) => {
    const reader = new CsvReader(options);
    const rows: CsvRow[] = [];
    for (const piece of pieces) rows.push(...reader.push(piece));
    rows.push(...reader.end());
    return rows;
  };

  it('when records are written and read back in chunks cut anywhere, then every field comes back as written', () => {
    fc.assert(
      fc.property(records, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (rows, cuts, eol) => {
        const text = rows.map((fields) => formatCsvRow(fields, ';')).join(eol) + eol;
        const got = read(chunked(text, cuts), { delimiter: ';' });
        expect(got.map((row) => row.fields)).toEqual(rows);
      }),
      { numRuns: RUNS },
    );
  });

  it('when any text is read, with or without a record limit, then the reader returns rows or a CsvSyntaxError, and the cut points change nothing', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ';', ',', '"', '\r', '\n', ' ', '\u00EF', '\u00BB', '\u00BF', '\uFEFF'), maxLength: 60 });
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), (input, cuts, limit) => {
        const options = limit === undefined ? undefined : { maxRecordLength: limit };
        const outcome = (pieces: string[]) => {
          try {
            return read(pieces, options).map((row) => [row.fields, row.raw, row.line]);
          } catch (error) {
            expect(error).toBeInstanceOf(CsvSyntaxError);
            return 'syntax error';
          }
        };
        const whole = outcome([input]);
        // A record limit is checked as pieces pile up, so only the verdict (not where it was found) must agree.
        if (whole === 'syntax error' || limit !== undefined) expect(typeof outcome(chunked(input, cuts))).toBe(typeof whole);
        else expect(outcome(chunked(input, cuts))).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties: the multipart reader', () => {
  // Bodies full of near-delimiters: CRLF, dashes, and the start of the boundary itself.
  const body = fc.array(fc.constantFrom('\r\n', '--', '\r', '\n', 'hyg-', 'x', ' ', '\r\n--hyg'), { maxLength: 12 }).map((parts) => parts.join(''));

  it('when parts are written and read back in chunks cut anywhere, then each part comes back whole with its name', () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (bodies, cuts) => {
        const boundary = newBoundary();
        const text = bodies.map((content, index) => partHeader(boundary, `p${index}`, 'text/csv', index === 0) + content).join('') + closingBoundary(boundary);
        const parts: { name: string; data: Buffer[] }[] = [];
        const reader = new MultipartReader(boundary, {
          onPartStart: (part) => parts.push({ name: part.name, data: [] }),
          onData: (chunk) => parts[parts.length - 1]!.data.push(Buffer.from(chunk)),
          onPartEnd: () => undefined,
        });
        for (const piece of chunked(Buffer.from(text, 'latin1'), cuts)) reader.push(piece);
        reader.end();
        expect(parts.map((part) => [part.name, Buffer.concat(part.data).toString('latin1')])).toEqual(bodies.map((content, index) => [`p${index}`, content]));
      }),
      { numRuns: RUNS },
    );
  });

  it('when any bytes are read, then the reader parts them or throws an Error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) => {
        const reader = new MultipartReader('hyg-b', { onPartStart: () => undefined, onData: () => undefined, onPartEnd: () => undefined });
        try {
          for (const piece of chunked(Buffer.from(bytes), cuts)) reader.push(piece);
          reader.end();
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties: JSON bodies of the main routes', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
    await tenant.campaign('c', false);
  });

  afterAll(async () => {
    await server.stop();
  });

  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', '\u0000', 'sip:404', '11 98765-4321', 'c', 'x'.repeat(300)));
  const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const outcomeItem = fc.record(
    { callId: scalar, campaignId: scalar, phone: scalar, code: scalar, occurredAt: fc.oneof(scalar, fc.date({ noInvalidDate: true }).map((date) => date.toISOString())) },
    { requiredKeys: [] },
  );
  const anyJson = fc.jsonValue({ maxDepth: 3 });

  /** The property every route keeps: no 5xx, and a 4xx is our error body naming the field. */
  async function expectClientError(response: { status: number; body: unknown }) {
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400) {
      const error = (response.body as { error?: { code?: string; field?: string; message?: string } }).error;
      expect(typeof error?.code).toBe('string');
      expect(typeof error?.field).toBe('string');
      expect(error!.message!.startsWith(`${error!.field}: `)).toBe(true);
    }
  }

  const send = (method: 'post' | 'put', path: string, credential: 'admin' | 'dialer', body: unknown) =>
    server.api()[method](path).set('authorization', tenant.auth(credential)).set('content-type', 'application/json').send(JSON.stringify(body));

  it('when POST /v1/outcomes gets any JSON, then it answers 200 with per-item verdicts or a 4xx naming the field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ outcomes: fc.oneof(anyJson, fc.array(fc.oneof(outcomeItem, anyJson), { maxLength: 6 })) })), async (body) => {
        const response = await send('post', '/v1/outcomes', 'dialer', body);
        await expectClientError(response);
        if (response.status === 200) {
          for (const item of response.body.results as { status: string; error?: { field: string } }[]) {
            if (item.status === 'rejected') expect(item.error!.field).toMatch(/^outcomes\[\d+\]/);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('when POST /v1/campaigns gets any JSON, then it answers 201 or a 4xx naming the field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ id: scalar, name: scalar }, { requiredKeys: [] })), async (body) => {
        await expectClientError(await send('post', '/v1/campaigns', 'dialer', body));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('when PUT /v1/tabulations/:code and the hygiene switch get any JSON, then they answer 2xx or a 4xx naming the field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ outcome: scalar, enabled: fc.oneof(scalar, fc.boolean()) }, { requiredKeys: [] })), fc.string({ minLength: 1, maxLength: 10 }), async (body, code) => {
        await expectClientError(await send('put', `/v1/tabulations/${encodeURIComponent(code)}`, 'admin', body));
        await expectClientError(await send('put', '/v1/campaigns/c/hygiene', 'admin', body));
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
