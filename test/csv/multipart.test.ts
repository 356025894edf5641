import {
  MultipartReader,
  boundaryFromContentType,
  closingBoundary,
  newBoundary,
  partHeader,
  type MultipartPartStart,
} from '../../plugin/contract/multipart';
import { prng } from '../../plugin/contract/prng';

interface ReadPart extends MultipartPartStart {
  body: Buffer;
}

/** Reads `body` fed in pieces of the given sizes (cycled); returns the parts and the number of onData calls per part. */
function readParts(boundary: string, body: Buffer, sizes: readonly number[] | (() => number)): { parts: ReadPart[]; dataCalls: number[] } {
  const parts: ReadPart[] = [];
  const dataCalls: number[] = [];
  let pieces: Buffer[] = [];
  let current: MultipartPartStart | undefined;
  const reader = new MultipartReader(boundary, {
    onPartStart(p) {
      expect(current).toBeUndefined();
      current = p;
      pieces = [];
      dataCalls.push(0);
    },
    onData(chunk) {
      expect(current).toBeDefined();
      expect(chunk.length).toBeGreaterThan(0);
      pieces.push(Buffer.from(chunk));
      dataCalls[dataCalls.length - 1]! += 1;
    },
    onPartEnd() {
      expect(current).toBeDefined();
      parts.push({ ...(current as MultipartPartStart), body: Buffer.concat(pieces) });
      current = undefined;
    },
  });
  let i = 0;
  let k = 0;
  while (i < body.length) {
    const size = typeof sizes === 'function' ? sizes() : (sizes[k++ % sizes.length] as number);
    reader.push(body.subarray(i, i + size));
    i += size;
  }
  reader.end();
  expect(current).toBeUndefined();
  return { parts, dataCalls };
}

/** Writes parts the way the server does: partHeader before each body, closingBoundary at the end. */
function writeParts(boundary: string, parts: ReadonlyArray<{ name: string; contentType: string; body: Buffer }>): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, idx) => {
    out.push(Buffer.from(partHeader(boundary, p.name, p.contentType, idx === 0), 'latin1'));
    out.push(p.body);
  });
  out.push(Buffer.from(closingBoundary(boundary), 'latin1'));
  return Buffer.concat(out);
}


const B = 'hyg-0123456789abcdef01234567';

/** Bodies full of near-misses: the boundary text without the leading CRLF, with a wrong suffix, a prefix of it at the very end, etc. */
const KEPT = Buffer.from(
  'nome;telefone\r\n' +
    'JOS\u00c9;11999990000\r\n' +
    `meio--${B}\r\n` + // mid-line, not preceded by CRLF
    `x\n--${B}\r\n` + // LF only before it
    `y\r\n--${B}X\r\n` + // longer boundary
    `z\r\n--${B}-x\r\n` + // one dash only
    `w\r\n--${B} \tjunk\r\n` + // padding then not CRLF
    `v\r\n--${B.slice(0, 10)}\r\n` + // boundary prefix
    '\u00e7\u00e3o\u00ff\u0080\r\n' +
    `\r\n--${B.slice(0, -1)}`, // ends with an incomplete delimiter-like tail
  'latin1',
);
const MALFORMED = Buffer.from('linha;ruim;"aberta\r\n', 'latin1');
const SUMMARY = Buffer.from(JSON.stringify({ kept: 2, malformed: 1, removed: { blocklist: 3 } }), 'latin1');

const PARTS = [
  { name: 'kept', contentType: 'text/csv; charset=latin1', body: KEPT },
  { name: 'malformed', contentType: 'text/csv; charset=latin1', body: MALFORMED },
  { name: 'summary', contentType: 'application/json', body: SUMMARY },
];

function expectSameParts(parts: ReadPart[]): void {
  expect(parts.map((p) => p.name)).toEqual(['kept', 'malformed', 'summary']);
  parts.forEach((p, i) => {
    const want = PARTS[i]!;
    expect(p.contentType).toBe(want.contentType);
    expect(p.headers['content-disposition']).toBe(`attachment; name="${want.name}"`);
    expect(p.body.equals(want.body)).toBe(true);
  });
}

describe('multipart writer helpers', () => {
  it('when a boundary is generated, then it is hyg- plus 24 hex chars and differs each time', () => {
    const a = newBoundary();
    expect(a).toMatch(/^hyg-[0-9a-f]{24}$/);
    expect(newBoundary()).not.toBe(a);
  });

  it('when part headers are written, then the first has no leading CRLF and the others do', () => {
    expect(partHeader('b1', 'kept', 'text/csv', true)).toBe(
      '--b1\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; name="kept"\r\n\r\n',
    );
    expect(partHeader('b1', 'summary', 'application/json', false)).toBe(
      '\r\n--b1\r\nContent-Type: application/json\r\nContent-Disposition: attachment; name="summary"\r\n\r\n',
    );
    expect(closingBoundary('b1')).toBe('\r\n--b1--\r\n');
  });

  it('when a part name or content type would break the header, then partHeader throws', () => {
    expect(() => partHeader('b', 'a"b', 'text/csv', true)).toThrow();
    expect(() => partHeader('b', 'a\r\nX: y', 'text/csv', true)).toThrow();
    expect(() => partHeader('b', 'kept', 'text/csv\r\nX: y', true)).toThrow();
    expect(() => partHeader('', 'kept', 'text/csv', true)).toThrow();
  });

  it('when the Content-Type carries a boundary, then boundaryFromContentType extracts it (quoted or not)', () => {
    expect(boundaryFromContentType(`multipart/mixed; boundary=${B}`)).toBe(B);
    expect(boundaryFromContentType(`Multipart/Mixed;charset=x;BOUNDARY="${B}"`)).toBe(B);
    expect(boundaryFromContentType('multipart/mixed; boundary="with space"; x=1')).toBe('with space');
    expect(boundaryFromContentType('multipart/mixed; boundary=abc; x=1')).toBe('abc');
  });

  it('when the Content-Type is not multipart or has no boundary, then boundaryFromContentType returns undefined', () => {
    expect(boundaryFromContentType('text/csv; boundary=abc')).toBeUndefined();
    expect(boundaryFromContentType('multipart/mixed')).toBeUndefined();
    expect(boundaryFromContentType('multipart/mixed; charset=utf-8')).toBeUndefined();
    expect(boundaryFromContentType('multipart/mixed; boundary=')).toBeUndefined();
    expect(boundaryFromContentType('multipart/mixed; boundary=' + 'x'.repeat(71))).toBeUndefined();
  });
});

describe('MultipartReader', () => {
  const body = writeParts(B, PARTS);

  it('when the body is read in one chunk, then the parts come back identical', () => {
    expectSameParts(readParts(B, body, [body.length]).parts);
  });

  it.each([1, 3, 7, 64])('when the body is read in chunks of %i bytes, then the parts come back identical', (size) => {
    expectSameParts(readParts(B, body, [size]).parts);
  });

  it('when the body is read in random chunk sizes, then the parts come back identical', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      expectSameParts(readParts(B, body, () => 1 + Math.floor(rnd() * (rnd() < 0.5 ? 8 : 200))).parts);
    }
  });

  it('when the body is split in two at every position, then the parts come back identical', () => {
    for (let k = 1; k < body.length; k++) expectSameParts(readParts(B, body, [k, body.length]).parts);
  });

  it('when boundary-like text inside a body is not a full delimiter line, then it stays data', () => {
    const { parts } = readParts(B, body, [5]);
    expect(parts[0]!.body.toString('latin1')).toContain(`y\r\n--${B}X\r\n`);
    expect(parts[0]!.body.toString('latin1')).toContain(`w\r\n--${B} \tjunk\r\n`);
    expect(parts[0]!.body.subarray(-B.length - 3).toString('latin1')).toBe(`\r\n--${B.slice(0, -1)}`);
  });

  it('when a part is large, then its data is delivered while streaming, not buffered to the end', () => {
    const big = Buffer.alloc(1 << 20, 0x61);
    const data = writeParts(B, [{ name: 'kept', contentType: 'text/csv', body: big }]);
    let delivered = 0;
    let maxPending = 0;
    let pushed = 0;
    const reader = new MultipartReader(B, {
      onPartStart() {},
      onData(chunk) {
        delivered += chunk.length;
      },
      onPartEnd() {},
    });
    for (let i = 0; i < data.length; i += 65536) {
      const chunk = data.subarray(i, i + 65536);
      reader.push(chunk);
      pushed += chunk.length;
      if (pushed < data.length) maxPending = Math.max(maxPending, pushed - delivered);
    }
    reader.end();
    expect(delivered).toBe(big.length);
    // Only the part header plus less than one delimiter's worth of bytes is ever held back.
    expect(maxPending).toBeLessThan(200);
  });

  it('when there are a preamble, transport padding and an epilogue, then they are ignored', () => {
    const text =
      'this is a preamble\r\n' +
      `--${B}  \t\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; name="a"\r\n\r\nbody-a` +
      `\r\n--${B}\r\n\r\nno headers` +
      `\r\n--${B}--\r\nepilogue --${B}\r\n`;
    const { parts } = readParts(B, Buffer.from(text, 'latin1'), [2]);
    expect(parts.map((p) => [p.name, p.contentType, p.body.toString('latin1')])).toEqual([
      ['a', 'text/plain', 'body-a'],
      ['', 'text/plain', 'no headers'],
    ]);
  });

  it('when a part has extra headers, then they are exposed lower-cased and trimmed', () => {
    const text =
      `--${B}\r\nContent-Type:  text/csv \r\nX-Rows: 42\r\ncontent-disposition: attachment; filename="k.csv"; name=kept\r\n\r\n` +
      `x\r\n--${B}--`;
    const { parts } = readParts(B, Buffer.from(text, 'latin1'), [text.length]);
    expect(parts[0]).toMatchObject({ name: 'kept', contentType: 'text/csv', headers: { 'x-rows': '42' } });
    expect(parts[0]!.body.toString()).toBe('x');
  });

  it('when a part body is empty, then onPartStart and onPartEnd are still called', () => {
    const data = writeParts(B, [
      { name: 'kept', contentType: 'text/csv', body: Buffer.alloc(0) },
      { name: 'summary', contentType: 'application/json', body: Buffer.from('{}') },
    ]);
    for (const size of [1, 4, data.length]) {
      const { parts } = readParts(B, data, [size]);
      expect(parts.map((p) => [p.name, p.body.toString()])).toEqual([
        ['kept', ''],
        ['summary', '{}'],
      ]);
    }
  });

  it('when the body is truncated anywhere before the closing boundary, then end() throws', () => {
    const closeAt = body.length - closingBoundary(B).length + `\r\n--${B}--`.length; // just after "--B--"
    for (const cut of [0, 1, 10, 60, Math.floor(body.length / 2), body.length - 20, closeAt - 1]) {
      const reader = new MultipartReader(B, { onPartStart() {}, onData() {}, onPartEnd() {} });
      reader.push(body.subarray(0, cut));
      expect(() => reader.end()).toThrow(/^multipart: truncated body/);
    }
    const reader = new MultipartReader(B, { onPartStart() {}, onData() {}, onPartEnd() {} });
    reader.push(body.subarray(0, closeAt));
    expect(() => reader.end()).not.toThrow();
  });

  it('when the body uses a different boundary, then nothing is read and end() reports truncation', () => {
    const other = writeParts(newBoundary(), PARTS);
    const seen: string[] = [];
    const reader = new MultipartReader(B, { onPartStart: (p) => seen.push(p.name), onData() {}, onPartEnd() {} });
    reader.push(other);
    expect(seen).toEqual([]);
    expect(() => reader.end()).toThrow(/multipart: truncated body/);
  });

  it('when a freshly generated boundary is used end to end, then the parts come back identical', () => {
    const b = newBoundary();
    const data = writeParts(b, PARTS);
    const ct = `multipart/mixed; boundary=${b}`;
    const rnd = prng(7);
    const { parts } = readParts(boundaryFromContentType(ct) as string, data, () => 1 + Math.floor(rnd() * 100));
    expect(parts.map((p) => p.name)).toEqual(['kept', 'malformed', 'summary']);
    expect(parts.map((p) => p.body.equals(PARTS[parts.indexOf(p)]!.body))).toEqual([true, true, true]);
  });
});
