import {
  CsvReader,
  CsvSyntaxError,
  detectDelimiter,
  formatCsvField,
  formatCsvRow,
  parseCsvRecord,
  type CsvDelimiter,
  type CsvRow,
} from '../../plugin/contract/csv';
import { prng } from '../../plugin/contract/prng';

const BOM = '\u00EF\u00BB\u00BF'; // UTF-8 BOM bytes as decoded with 'latin1'

function readChunks(chunks: readonly string[], options?: { delimiter?: CsvDelimiter }): { rows: CsvRow[]; reader: CsvReader } {
  const reader = new CsvReader(options);
  const rows: CsvRow[] = [];
  for (const c of chunks) rows.push(...reader.push(c));
  rows.push(...reader.end());
  return { rows, reader };
}

function read(text: string, options?: { delimiter?: CsvDelimiter }): CsvRow[] {
  return readChunks([text], options).rows;
}

function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}


describe('CsvReader basics', () => {
  it('when a simple ;-delimited file is read, then each record has its fields, raw text and line', () => {
    const rows = read('nome;telefone\nJOSE;11999990000\nMARIA;21988887777\n');
    expect(rows).toEqual([
      { fields: ['nome', 'telefone'], raw: 'nome;telefone', line: 1 },
      { fields: ['JOSE', '11999990000'], raw: 'JOSE;11999990000', line: 2 },
      { fields: ['MARIA', '21988887777'], raw: 'MARIA;21988887777', line: 3 },
    ]);
  });

  it('when push() is called, then it returns only the records the chunk completed and the first is the header', () => {
    const reader = new CsvReader();
    expect(reader.push('a;b\n1;')).toEqual([{ fields: ['a', 'b'], raw: 'a;b', line: 1 }]);
    expect(reader.push('2\n3;4')).toEqual([{ fields: ['1', '2'], raw: '1;2', line: 2 }]);
    expect(reader.end()).toEqual([{ fields: ['3', '4'], raw: '3;4', line: 3 }]);
  });

  it('when the last record has no line terminator, then end() returns it; with a terminator end() returns nothing', () => {
    const r1 = new CsvReader();
    expect(r1.push('a,b\n1,2')).toHaveLength(1);
    expect(r1.end()).toEqual([{ fields: ['1', '2'], raw: '1,2', line: 2 }]);
    const r2 = new CsvReader();
    expect(r2.push('a,b\n1,2\n')).toHaveLength(2);
    expect(r2.end()).toEqual([]);
  });

  it('when the input is empty or only blank lines, then there are no records', () => {
    expect(read('')).toEqual([]);
    expect(read('\n\r\n\r\n')).toEqual([]);
    expect(readChunks([]).rows).toEqual([]);
  });

  it('when end() was called, then push() throws and a second end() returns nothing', () => {
    const reader = new CsvReader();
    reader.push('a;b');
    expect(reader.end()).toHaveLength(1);
    expect(reader.end()).toEqual([]);
    expect(() => reader.push('x')).toThrow(/after end/);
  });

  it('when fields are empty or the record ends with a delimiter, then the empty fields are kept', () => {
    expect(read('a;;b;\n;\n;;\n').map((r) => r.fields)).toEqual([['a', '', 'b', ''], ['', ''], ['', '', '']]);
    expect(read('a;"";\n', { delimiter: ';' }).map((r) => r.fields)).toEqual([['a', '', '']]);
    expect(read('a;b;', { delimiter: ';' }).map((r) => r.fields)).toEqual([['a', 'b', '']]);
  });
});

describe('CsvReader RFC 4180 quoting', () => {
  it('when quoted fields contain delimiters, quotes and line breaks, then values are unescaped and raw is exact', () => {
    const text = 'id;obs;fone\r\n1;"a;b";"say ""hi"""\r\n2;"line1\r\nline2\nline3";x\r\n3;"";""""\r\n';
    const rows = read(text);
    expect(rows).toEqual([
      { fields: ['id', 'obs', 'fone'], raw: 'id;obs;fone', line: 1 },
      { fields: ['1', 'a;b', 'say "hi"'], raw: '1;"a;b";"say ""hi"""', line: 2 },
      { fields: ['2', 'line1\r\nline2\nline3', 'x'], raw: '2;"line1\r\nline2\nline3";x', line: 3 },
      { fields: ['3', '', '"'], raw: '3;"";""""', line: 6 },
    ]);
  });

  it('when a quote appears in the middle of an unquoted field, then it is taken literally', () => {
    const rows = read('a;b\nO"BRIEN;5" polegadas\nx"y"z;"ok"\n');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['O"BRIEN', '5" polegadas'],
      ['x"y"z', 'ok'],
    ]);
  });

  it('when text follows a closing quote, then it is appended literally up to the delimiter', () => {
    expect(read('a;b\n"abc"def;"x"" y"z"w\n').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['abcdef', 'x" yz"w'],
    ]);
  });

  it('when lines end with \\n, \\r\\n or a lone \\r, then each is one line end', () => {
    const expected = [['a', 'b'], ['1', '2'], ['3', '4']];
    expect(read('a,b\n1,2\n3,4').map((r) => r.fields)).toEqual(expected);
    expect(read('a,b\r\n1,2\r\n3,4\r\n').map((r) => r.fields)).toEqual(expected);
    expect(read('a,b\r1,2\r3,4\r').map((r) => r.fields)).toEqual(expected);
    const mixed = read('a,b\r1,2\r\n3,4\n');
    expect(mixed.map((r) => r.fields)).toEqual(expected);
    expect(mixed.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('when a lone \\r sits inside a \\n-terminated file, then it still ends a record', () => {
    const rows = read('a;b\n1;2\r3;4\n\r\r5;6\n');
    expect(rows.map((r) => [r.line, r.raw])).toEqual([
      [1, 'a;b'],
      [2, '1;2'],
      [3, '3;4'],
      [6, '5;6'],
    ]);
  });

  it('when blank lines appear anywhere, then they are skipped but still counted in line numbers', () => {
    const rows = read('\n\r\nh1;h2\n\n1;2\r\n\r\n\r\n3;4\n\n');
    expect(rows.map((r) => [r.line, r.fields])).toEqual([
      [3, ['h1', 'h2']],
      [5, ['1', '2']],
      [8, ['3', '4']],
    ]);
  });

  it('when a line holds only whitespace or only a delimiter, then it is a record, not a blank line', () => {
    expect(read('a;b\n \n;\n').map((r) => r.fields)).toEqual([['a', 'b'], [' '], ['', '']]);
  });

  it('when a record spans several physical lines, then the following records carry the right line numbers', () => {
    const rows = read('h;obs\n1;"a\nb\r\nc\rd"\n2;x\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 6]);
  });

  it('when the input uses \\n or \\r\\n, then lineEnding reports what the first record used', () => {
    expect(readChunks(['a;b\n1;2\n']).reader.lineEnding).toBe('\n');
    expect(readChunks(['a;b\r\n1;2\r\n']).reader.lineEnding).toBe('\r\n');
    expect(readChunks(['a;b\r', '\n1;2\r\n']).reader.lineEnding).toBe('\r\n');
    expect(readChunks(['"a\nx";b\r\n1;2\n']).reader.lineEnding).toBe('\r\n');
    expect(readChunks(['a;b']).reader.lineEnding).toBe('\n');
    expect(new CsvReader().lineEnding).toBe('\n');
  });
});

describe('CsvReader errors', () => {
  it('when a quoted field is never closed, then end() throws CsvSyntaxError with the line of the opening quote', () => {
    const reader = new CsvReader();
    reader.push('a;b\n1;2\n3;"unterminated\nmore text\n');
    let err: unknown;
    try {
      reader.end();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect(err).toBeInstanceOf(Error);
    expect((err as CsvSyntaxError).line).toBe(3);
    expect((err as CsvSyntaxError).message).toMatch(/unterminated quoted field.*line 3/);
  });

  it('when the unclosed quote follows a multi-line record, then the error line counts the embedded line breaks', () => {
    const reader = new CsvReader({ delimiter: ';' });
    reader.push('h;o\n1;"x\r\ny"\n\n2;"open');
    expect(() => reader.end()).toThrow(expect.objectContaining({ name: 'CsvSyntaxError', line: 5 }));
    // The line is the one where the unterminated quote opens, even inside a record started earlier.
    const reader2 = new CsvReader({ delimiter: ';' });
    expect(reader2.push('h;o;p\n1;"x\ny";"open\nstill open\n')).toHaveLength(1);
    expect(() => reader2.end()).toThrow(expect.objectContaining({ name: 'CsvSyntaxError', line: 3 }));
  });

  it('when the quote is unclosed in a file fed in 1-char chunks, then the same error is thrown', () => {
    const reader = new CsvReader();
    for (const c of 'a,b\n"x\n,y') reader.push(c);
    expect(() => reader.end()).toThrow(CsvSyntaxError);
  });
});

describe('CsvReader BOM', () => {
  it('when the file starts with a UTF-8 BOM, then raw keeps it and the first header field does not', () => {
    const rows = read(BOM + 'nome;fone\nJOSE;1\n');
    expect(rows[0]).toEqual({ fields: ['nome', 'fone'], raw: BOM + 'nome;fone', line: 1 });
    expect(rows[1]).toEqual({ fields: ['JOSE', '1'], raw: 'JOSE;1', line: 2 });
  });

  it('when the BOM is followed by a quoted header field, then the field is still parsed as quoted', () => {
    const rows = read(BOM + '"nome","fone"\r\n"a",1\r\n');
    expect(rows[0]).toEqual({ fields: ['nome', 'fone'], raw: BOM + '"nome","fone"', line: 1 });
    expect(rows[1]?.fields).toEqual(['a', '1']);
  });

  it('when the BOM arrives split over 1-char chunks, then it is still recognised', () => {
    const text = BOM + 'a;b\n1;2\n';
    const { rows } = readChunks(chunked(text, 1), { delimiter: ';' });
    expect(rows[0]).toEqual({ fields: ['a', 'b'], raw: BOM + 'a;b', line: 1 });
    expect(readChunks(chunked(text, 1)).rows).toEqual(rows);
  });

  it('when the input was decoded as UTF-16 (U+FEFF), then that BOM is handled the same way', () => {
    expect(read('\uFEFFa,b\n')[0]).toEqual({ fields: ['a', 'b'], raw: '\uFEFFa,b', line: 1 });
  });

  it('when BOM bytes appear later in the file, then they are ordinary data', () => {
    expect(read('a;b\n' + BOM + 'x;y\n')[1]?.fields).toEqual([BOM + 'x', 'y']);
  });
});

describe('delimiter detection', () => {
  it('when the header has more of one candidate, then detectDelimiter picks it', () => {
    expect(detectDelimiter('nome;cpf;telefone')).toBe(';');
    expect(detectDelimiter('nome,cpf,telefone')).toBe(',');
    expect(detectDelimiter('nome\tcpf\ttelefone')).toBe('\t');
    expect(detectDelimiter('nome|cpf|telefone')).toBe('|');
    expect(detectDelimiter('nome;valor,centavos;fone')).toBe(';');
  });

  it('when candidates appear inside quotes, then they are not counted', () => {
    expect(detectDelimiter('"a,b,c,d";"e,f";g')).toBe(';');
    expect(detectDelimiter('"x;y;z",w')).toBe(',');
  });

  it('when there is no candidate, then the default is a comma; on a tie ; wins', () => {
    expect(detectDelimiter('telefone')).toBe(',');
    expect(detectDelimiter('')).toBe(',');
    expect(detectDelimiter('a;b,c')).toBe(';');
  });

  it('when no delimiter is given, then the reader detects it from the header (also in tiny chunks, after blank lines)', () => {
    const text = '\r\n\nnome\ttelefone\nJOSE\t1199\n';
    for (const size of [1, 2, 5, 1000]) {
      const { rows, reader } = readChunks(chunked(text, size));
      expect(reader.delimiter).toBe('\t');
      expect(rows.map((r) => r.fields)).toEqual([['nome', 'telefone'], ['JOSE', '1199']]);
    }
  });

  it('when the header is the only line and has no terminator, then detection happens at end()', () => {
    const reader = new CsvReader();
    expect(reader.push('a|b|c')).toEqual([]);
    expect(reader.delimiter).toBeUndefined();
    expect(reader.end()).toEqual([{ fields: ['a', 'b', 'c'], raw: 'a|b|c', line: 1 }]);
    expect(reader.delimiter).toBe('|');
  });

  it('when the first line is huge and has no terminator, then reading starts after 64 KiB instead of buffering everything', () => {
    const line = 'campo|'.repeat(400_000); // 2.4 MB, no line break
    const reader = new CsvReader();
    let pushed = 0;
    const t0 = Date.now();
    for (const c of chunked(line, 100)) {
      reader.push(c);
      pushed += c.length;
      if (reader.delimiter !== undefined) break;
    }
    expect(reader.delimiter).toBe('|');
    expect(pushed).toBeLessThanOrEqual(65536 + 100);
    for (const c of chunked(line.slice(pushed), 100)) reader.push(c);
    const rows = reader.end();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.fields).toHaveLength(400_001);
    expect(rows[0]?.raw).toBe(line);
  });

  it('when a delimiter is given, then it is used even if another one is more frequent', () => {
    const { rows, reader } = readChunks(['a,b;c,d\n'], { delimiter: ';' });
    expect(reader.delimiter).toBe(';');
    expect(rows[0]?.fields).toEqual(['a,b', 'c,d']);
  });
});

/** A deliberately nasty input: quotes, escaped quotes, line breaks of all kinds inside and outside quotes, blank lines, BOM, latin1 bytes. */
const TRICKY =
  BOM +
  '"id";nome;obs\r\n' +
  '1;"JOS\u00c9 ""ZÉ""";"a;b\r\nc"\r\n' +
  '\r\n' +
  '2;O"BRIEN;"x""\r"\n' +
  '3;"";""""\r' +
  '4;"abc"def;\n' +
  '\n' +
  '5;"\r\n";\u00e7\u00e3o\r\n' +
  '6;"fim"';

const TRICKY_EXPECTED: CsvRow[] = [
  { fields: ['id', 'nome', 'obs'], raw: BOM + '"id";nome;obs', line: 1 },
  { fields: ['1', 'JOS\u00c9 "ZÉ"', 'a;b\r\nc'], raw: '1;"JOS\u00c9 ""ZÉ""";"a;b\r\nc"', line: 2 },
  { fields: ['2', 'O"BRIEN', 'x"\r'], raw: '2;O"BRIEN;"x""\r"', line: 5 },
  { fields: ['3', '', '"'], raw: '3;"";""""', line: 7 },
  { fields: ['4', 'abcdef', ''], raw: '4;"abc"def;', line: 8 },
  { fields: ['5', '\r\n', '\u00e7\u00e3o'], raw: '5;"\r\n";\u00e7\u00e3o', line: 10 },
  { fields: ['6', 'fim'], raw: '6;"fim"', line: 12 },
];

describe('chunking', () => {
  it('when the tricky input is read in one chunk, then the records are the expected ones', () => {
    const { rows, reader } = readChunks([TRICKY]);
    expect(rows).toEqual(TRICKY_EXPECTED);
    expect(reader.delimiter).toBe(';');
    expect(reader.lineEnding).toBe('\r\n');
  });

  it('when the input is split in two at every possible position, then the records are identical', () => {
    for (let k = 0; k <= TRICKY.length; k++) {
      const { rows, reader } = readChunks([TRICKY.slice(0, k), TRICKY.slice(k)]);
      expect({ k, rows }).toEqual({ k, rows: TRICKY_EXPECTED });
      expect(reader.lineEnding).toBe('\r\n');
    }
  });

  it('when the input is split in three at every pair of positions, then the records are identical', () => {
    for (let a = 0; a <= TRICKY.length; a++) {
      for (let b = a; b <= TRICKY.length; b++) {
        const { rows } = readChunks([TRICKY.slice(0, a), TRICKY.slice(a, b), TRICKY.slice(b)]);
        if (JSON.stringify(rows) !== JSON.stringify(TRICKY_EXPECTED)) {
          expect({ a, b, rows }).toEqual({ a, b, rows: TRICKY_EXPECTED });
        }
      }
    }
  });

  it('when the input is fed one character at a time (and with a known delimiter), then the records are identical', () => {
    expect(readChunks(chunked(TRICKY, 1)).rows).toEqual(TRICKY_EXPECTED);
    expect(readChunks(chunked(TRICKY, 1), { delimiter: ';' }).rows).toEqual(TRICKY_EXPECTED);
  });

  it('when a \\r\\n pair is split between chunks, then it is one line end and not a blank line', () => {
    const { rows } = readChunks(['a;b\r', '\n1;2\r', '\n', '3;4']);
    expect(rows.map((r) => [r.line, r.raw])).toEqual([
      [1, 'a;b'],
      [2, '1;2'],
      [3, '3;4'],
    ]);
  });

  it('when a quoted field spans thousands of chunks, then it is read correctly in linear time', () => {
    const big = 'x'.repeat(1000) + '""' + '\n'.repeat(10);
    const value = big.repeat(2000); // ~2 MB
    const text = 'h;v\n1;"' + value + '";z\n2;y\n';
    const t0 = Date.now();
    const { rows } = readChunks(chunked(text, 512));
    const ms = Date.now() - t0;
    expect(rows).toHaveLength(3);
    expect(rows[1]?.fields[1]).toBe(value.split('""').join('"'));
    expect(rows[1]?.raw).toBe('1;"' + value + '";z');
    expect(rows[2]?.line).toBe(3 + 10 * 2000);
    expect(ms).toBeLessThan(3000); // quadratic behaviour would take minutes
  });

  it('when an unquoted line is longer than many chunks, then it is read correctly', () => {
    const long = 'y'.repeat(100_000);
    const { rows } = readChunks(chunked(`a;b\n${long};${long}\n`, 333), { delimiter: ';' });
    expect(rows[1]?.fields).toEqual([long, long]);
    expect(rows[1]?.raw).toBe(`${long};${long}`);
  });
});

describe('raw text and writing back', () => {
  it('when raw records are joined with their line ending, then the input is reproduced byte for byte (minus blank lines)', () => {
    const text = 'a;b\r\n"x\r\ny";"q""q"\r\n\u00ff\u0080;"\u00e9"\r\n';
    const { rows, reader } = readChunks(chunked(text, 3));
    expect(rows.map((r) => r.raw + reader.lineEnding).join('')).toBe(text);
    const bytes = Buffer.from(text, 'latin1');
    expect(Buffer.from(rows.map((r) => r.raw + reader.lineEnding).join(''), 'latin1').equals(bytes)).toBe(true);
  });

  it('when a raw record is parsed again, then it gives the same fields', () => {
    for (const row of TRICKY_EXPECTED.slice(1)) {
      expect(read(row.raw, { delimiter: ';' })[0]?.fields).toEqual(row.fields);
    }
  });

  it('when the fields are written with formatCsvRow, then reading them back gives the same fields', () => {
    for (const row of TRICKY_EXPECTED) {
      for (const d of [';', ',', '\t', '|'] as const) {
        expect(read(formatCsvRow(row.fields, d) + '\n', { delimiter: d })[0]?.fields).toEqual(row.fields);
      }
    }
  });

  it('when formatCsvField gets a value that needs quoting, then it quotes and escapes it, else leaves it alone', () => {
    expect(formatCsvField('JOSE', ';')).toBe('JOSE');
    expect(formatCsvField('', ';')).toBe('');
    expect(formatCsvField('a,b', ';')).toBe('a,b');
    expect(formatCsvField('a,b', ',')).toBe('"a,b"');
    expect(formatCsvField('a;b', ';')).toBe('"a;b"');
    expect(formatCsvField('a\tb', '\t')).toBe('"a\tb"');
    expect(formatCsvField('a|b', '|')).toBe('"a|b"');
    expect(formatCsvField('say "hi"', ';')).toBe('"say ""hi"""');
    expect(formatCsvField('O"BRIEN', ';')).toBe('"O""BRIEN"');
    expect(formatCsvField('l1\nl2', ';')).toBe('"l1\nl2"');
    expect(formatCsvField('l1\rl2', ';')).toBe('"l1\rl2"');
    expect(formatCsvField(' lead', ';')).toBe('" lead"');
    expect(formatCsvField('trail ', ';')).toBe('"trail "');
    expect(formatCsvField(BOM + 'x', ';')).toBe('"' + BOM + 'x"');
    expect(formatCsvField('S\u00c3O PAULO', ';')).toBe('S\u00c3O PAULO');
  });

  it('when formatCsvRow writes a single empty field, then it writes "" so the record is not a blank line', () => {
    expect(formatCsvRow([''], ';')).toBe('""');
    expect(formatCsvRow(['', ''], ';')).toBe(';');
    expect(formatCsvRow([], ';')).toBe('');
    expect(formatCsvRow(['a', 'b;c', ''], ';')).toBe('a;"b;c";');
    expect(read('h\n' + formatCsvRow([''], ';') + '\n', { delimiter: ';' })[1]?.fields).toEqual(['']);
  });
});

describe('property: random CSVs round-trip', () => {
  const ALPHABET = ['a', 'Z', '9', ' ', '"', '""', ';', ',', '\t', '|', '\n', '\r', '\r\n', '\u00e9', '\u00e7', '\u00c3', '\u00ff', '\u0080', '\u00ef', '\u00bb', '\u00bf', 'x"y'];

  function randomField(rnd: () => number): string {
    const r = rnd();
    if (r < 0.1) return '';
    if (r < 0.2) return String(Math.floor(rnd() * 1e11)); // phone-like
    const n = 1 + Math.floor(rnd() * 8);
    let s = '';
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)] as string;
    return s;
  }

  it('when random records are written with formatCsvRow and read back in random chunks, then the fields are identical', () => {
    const delimiters: CsvDelimiter[] = [';', ',', '\t', '|'];
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const d = delimiters[Math.floor(rnd() * 4)] as CsvDelimiter;
      const eol = rnd() < 0.5 ? '\n' : '\r\n';
      const cols = 1 + Math.floor(rnd() * 6);
      const nrows = 1 + Math.floor(rnd() * 30);
      const records: string[][] = [];
      // A plain header so that detection finds the delimiter (cols - 1 occurrences, none elsewhere).
      records.push(Array.from({ length: cols }, (_, i) => `col${i}`));
      for (let r = 0; r < nrows; r++) records.push(Array.from({ length: cols }, () => randomField(rnd)));
      const withBom = rnd() < 0.2;
      const text = (withBom ? BOM : '') + records.map((f) => formatCsvRow(f, d)).join(eol) + (rnd() < 0.5 ? eol : '');

      const chunks: string[] = [];
      for (let p = 0; p < text.length; ) {
        const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 4 : 64));
        chunks.push(text.slice(p, p + size));
        p += size;
      }
      const { rows, reader } = readChunks(chunks, cols > 1 ? undefined : { delimiter: d });
      const ctx = { seed, d, eol };
      expect({ ...ctx, fields: rows.map((x) => x.fields) }).toEqual({ ...ctx, fields: records });
      expect(reader.delimiter).toBe(d);
      if (rows.length > 1) expect(reader.lineEnding).toBe(eol);
      // raw is each record's exact text
      expect(rows.map((x) => x.raw).join(eol)).toBe(text.slice(0, text.length - (text.endsWith(eol) ? eol.length : 0)));
    }
  });
});

/** Reads in column-selective mode and gives the records back as full-mode-like tuples for comparison. */
function readSelected(chunks: readonly string[], columns: readonly number[], options?: { delimiter?: CsvDelimiter }): { raw: string; line: number; values: string[] }[] {
  const reader = new CsvReader({ ...options, columns });
  for (const c of chunks) expect(reader.push(c)).toEqual([]);
  expect(reader.end()).toEqual([]);
  expect(reader.columnsCount).toBeGreaterThanOrEqual(0);
  const { raws, lines, values } = reader.takeColumns();
  expect(reader.columnsCount).toBe(0);
  expect(lines).toHaveLength(raws.length);
  expect(values).toHaveLength(raws.length * columns.length);
  return raws.map((raw, r) => ({ raw, line: lines[r] as number, values: values.slice(r * columns.length, (r + 1) * columns.length) }));
}

function expectedSelected(rows: readonly CsvRow[], columns: readonly number[]): { raw: string; line: number; values: string[] }[] {
  return rows.map((row) => ({ raw: row.raw, line: row.line, values: columns.map((c) => row.fields[c] ?? '') }));
}

describe('column-selective mode', () => {
  const SELECTIONS: number[][] = [[0], [1], [2], [2, 0], [0, 1, 2], [1, 1], [3], [0, 5, 2], []];

  it('when the tricky input is split in two at every position, then raw, line and selected values match the full mode', () => {
    for (const columns of SELECTIONS) {
      const expected = expectedSelected(TRICKY_EXPECTED, columns);
      for (let k = 0; k <= TRICKY.length; k++) {
        const got = readSelected([TRICKY.slice(0, k), TRICKY.slice(k)], columns);
        if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ columns, k, got }).toEqual({ columns, k, got: expected });
      }
      expect(readSelected(chunked(TRICKY, 1), columns, { delimiter: ';' })).toEqual(expected);
    }
  });

  it('when columns are selected after the header, then the later records go to takeColumns and match the full mode', () => {
    for (let k = 1; k <= TRICKY.length; k++) {
      const reader = new CsvReader();
      const first = reader.push(TRICKY.slice(0, k));
      if (first.length === 0) continue;
      reader.selectColumns([2, 0]);
      expect(reader.push(TRICKY.slice(k))).toEqual([]);
      expect(reader.end()).toEqual([]);
      const { raws, lines, values } = reader.takeColumns();
      const got = [
        ...expectedSelected(first, [2, 0]),
        ...raws.map((raw, r) => ({ raw, line: lines[r] as number, values: values.slice(r * 2, r * 2 + 2) })),
      ];
      expect({ k, got }).toEqual({ k, got: expectedSelected(TRICKY_EXPECTED, [2, 0]) });
    }
  });

  it('when selectColumns(null) is called, then full records come back', () => {
    const reader = new CsvReader({ columns: [0] });
    reader.push('a;b\n1;2\n');
    reader.selectColumns(null);
    expect(reader.push('3;4\n')).toEqual([{ fields: ['3', '4'], raw: '3;4', line: 3 }]);
    expect(reader.takeColumns()).toEqual({ raws: ['a;b', '1;2'], lines: [1, 2], values: ['a', '1'] });
    expect(() => reader.selectColumns([-1])).toThrow(RangeError);
  });

  it('when a raw record is parsed with parseCsvRecord, then it gives the fields of the full mode', () => {
    for (const row of TRICKY_EXPECTED.slice(1)) expect(parseCsvRecord(row.raw, ';')).toEqual(row.fields);
    // A data record that starts like a BOM keeps it (only the header's BOM is special).
    expect(parseCsvRecord(BOM + 'x;y', ';')).toEqual([BOM + 'x', 'y']);
    expect(parseCsvRecord('a;', ';')).toEqual(['a', '']);
    expect(parseCsvRecord('""', ';')).toEqual(['']);
    expect(parseCsvRecord('"x\r\ny";"q\rz"', ';')).toEqual(['x\r\ny', 'q\rz']);
  });
});

describe('property: random CSVs, column-selective mode', () => {
  it('when random CSVs are read in both modes, then raw, line and selected values are identical, and parseCsvRecord(raw) gives the fields', () => {
    const ALPHABET = ['a', 'Z', '9', ' ', '"', '""', ';', ',', '\t', '|', '\n', '\r', '\r\n', '\u00e9', '\u00ef', '\u00bb', '\u00bf', 'x"y'];
    const delimiters: CsvDelimiter[] = [';', ',', '\t', '|'];
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const d = delimiters[Math.floor(rnd() * 4)] as CsvDelimiter;
      const eol = rnd() < 0.5 ? '\n' : '\r\n';
      const cols = 1 + Math.floor(rnd() * 6);
      const nrows = 1 + Math.floor(rnd() * 30);
      const records: string[][] = [Array.from({ length: cols }, (_, i) => `col${i}`)];
      for (let r = 0; r < nrows; r++) {
        // Some records shorter or longer than the header.
        const width = rnd() < 0.1 ? 1 + Math.floor(rnd() * (cols + 2)) : cols;
        records.push(
          Array.from({ length: width }, () => {
            const x = rnd();
            if (x < 0.1) return '';
            if (x < 0.5) return String(Math.floor(rnd() * 1e11));
            let s = '';
            for (let i = 0, n = 1 + Math.floor(rnd() * 6); i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)] as string;
            return s;
          }),
        );
      }
      const text = (rnd() < 0.2 ? BOM : '') + records.map((f) => formatCsvRow(f, d)).join(eol) + (rnd() < 0.5 ? eol : '');
      const chunks: string[] = [];
      for (let p = 0; p < text.length; ) {
        const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 4 : 64));
        chunks.push(text.slice(p, p + size));
        p += size;
      }
      const columns = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => Math.floor(rnd() * (cols + 1)));
      const options = cols > 1 ? undefined : { delimiter: d };
      const full = readChunks(chunks, options).rows;
      const got = readSelected(chunks, columns, options);
      expect({ seed, columns, got }).toEqual({ seed, columns, got: expectedSelected(full, columns) });
      for (const row of full.slice(1)) expect({ seed, raw: row.raw, fields: parseCsvRecord(row.raw, d) }).toEqual({ seed, raw: row.raw, fields: row.fields });
    }
  });
});
