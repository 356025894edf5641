import fc from 'fast-check';
import { parseCsvRecord, type CsvDelimiter } from '../../plugin/contract/csv';
import { blankCell, editCells, fieldBounds, ninthDigitCell } from '../../server/services/mailingFilter/csvCells';
import { MailingEncoding } from '../../server/services/mailingFilter/encoding';

/**
 * Issue 12: a kept row changes only in the cells the filter edits. fieldBounds must cut a record exactly where the
 * reader does, or an edit would land in the wrong cell; the property below ties the two together.
 */
const unquote = (rawCell: string) => {
  if (rawCell.charCodeAt(0) !== 34) return rawCell;
  const close = (() => {
    for (let i = 1; i < rawCell.length; i++) {
      if (rawCell[i] !== '"') continue;
      if (rawCell[i + 1] === '"') i++;
      else return i;
    }
    return rawCell.length;
  })();
  return rawCell.slice(1, close).replaceAll('""', '"') + rawCell.slice(close + 1);
};

describe('cell edits of a CSV record', () => {
  const cell = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'ab 1;,|\tç'.split('')), maxLength: 6 }),
    fc.string({ unit: fc.constantFrom(...'ab 1;,|"\r\nç'.split('')), maxLength: 6 }).map((value) => `"${value.replaceAll('"', '""')}"`),
    fc.string({ unit: fc.constantFrom(...'ab"'.split('')), maxLength: 3 }).map((value) => `"x"${value.replaceAll('"', '')}`),
  );

  it.each([';', ',', '\t', '|'] as CsvDelimiter[])('when a record with %j is cut by fieldBounds, then each cell is the field the reader reads', (delimiter) => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        // Cells holding the delimiter unquoted would be two fields: the reader's answer is the reference either way.
        const raw = cells.join(delimiter);
        const bounds = fieldBounds(raw, delimiter);
        const sliced: string[] = [];
        for (let k = 0; k < bounds.length; k += 2) sliced.push(unquote(raw.slice(bounds[k], bounds[k + 1])));
        expect(sliced).toEqual(parseCsvRecord(raw, delimiter));
      }),
      { numRuns: 300 },
    );
  });

  it('when a cell is blanked or given its ninth digit, then every other byte of the record is unchanged', () => {
    const raw = '1;"Maria José";"11 98765-4321"; (21) 8765-4321 ;"a ""b"";c"';
    expect(editCells(raw, ';', new Map([[2, blankCell]]))).toBe('1;"Maria José";""; (21) 8765-4321 ;"a ""b"";c"');
    expect(editCells(raw, ';', new Map([[3, ninthDigitCell]]))).toBe('1;"Maria José";"11 98765-4321"; (21) 98765-4321 ;"a ""b"";c"');
    expect(editCells('a;b', ';', new Map([[5, blankCell]]))).toBe('a;b');
  });
});

describe('the mailing encoding', () => {
  it.each([
    ['UTF-8 with BOM', Buffer.from('\ufeffa;b\n', 'utf8'), 'utf-8'],
    ['UTF-8 without BOM', Buffer.from('nome;telefone\nJosé;11 2345–6789\n', 'utf8'), 'utf-8'],
    ['ASCII', Buffer.from('telefone\n11 2345-6789\n'), 'utf-8'],
    ['Windows-1252', Buffer.from('nome;telefone\nJos\xe9;11 2345\x966789\n', 'latin1'), 'windows-1252'],
    ['UTF-16 LE', Buffer.from('\ufefftelefone\r\n', 'utf16le'), 'utf-16le'],
    ['UTF-16 BE', Buffer.from('\ufefftelefone\r\n', 'utf16le').swap16(), 'utf-16be'],
  ])('when a mailing is %s, then it is detected as such', (_name, bytes, charset) => {
    expect(MailingEncoding.sniff(bytes)).toBe(charset);
  });

  it('when a UTF-8 sequence is cut by the end of the first chunk, then the mailing is still UTF-8', () => {
    const bytes = Buffer.from('telefone\n11 2345–', 'utf8');
    expect(MailingEncoding.sniff(bytes.subarray(0, bytes.length - 1))).toBe('utf-8');
  });

  it('when UTF-16 arrives in chunks cut inside a code unit and a surrogate pair, then the text and the bytes back are exact', () => {
    const text = '\ufeffnome;telefone\r\nJoão 😀;11 2345‑6789\r\n';
    for (const swap of [false, true]) {
      const bytes = Buffer.from(text, 'utf16le');
      if (swap) bytes.swap16();
      const encoding = new MailingEncoding();
      let read = '';
      for (let at = 0; at < bytes.length; at += 3) read += encoding.text(bytes.subarray(at, at + 3));
      read += encoding.end();
      expect(read).toBe(text);
      expect(encoding.bytes(read).equals(bytes)).toBe(true);
    }
  });

  it('when a phone cell of an undecided (ASCII so far) mailing is not valid UTF-8, then it is read as Windows-1252', () => {
    const encoding = new MailingEncoding();
    encoding.text(Buffer.from('telefone\n'));
    expect(encoding.cellText(Buffer.from([0x31, 0x31, 0x96, 0x32]).toString('latin1'))).toBe('11–2');
    expect(encoding.cellText(Buffer.from('11\u00a02', 'utf8').toString('latin1'))).toBe('11\u00a02');
  });
});
