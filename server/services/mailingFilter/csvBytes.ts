import type { MailingCounts } from '../../../plugin/contract/protocol';
import { CsvReader, CsvRecordTooLongError, CsvSyntaxError, detectDelimiter, type CsvDelimiter } from '../../../plugin/contract/csv';
import { NEEDS_TEXT, parsePhoneBytes, PhoneError } from '../../domain/phone';
import { TimeSlice } from '../../infra/timeSlice';
import { emptyCounts } from '../mailings';
import { parsePhoneCell, type PhoneClassifier } from '../phoneClassifier';
import { csvLayout, CsvMailingWriter, csvReadError, emptyMailing, keptRowText, type CsvLayout, type MalformedCsvRow } from './csv';
import { MailingEncoding } from './encoding';
import { BATCH_ROWS, judgeRow, plainRow, plainRowPhones, type FilterOptions, type MailingOutput } from './rowJudge';

/**
 * The CSV filter on the mailing's bytes (docs/performance.md, "The CSV filter on bytes"): for the 8-bit encodings
 * (UTF-8, Windows-1252, latin1: every delimiter, quote, line break and digit is one ASCII byte that is never part of a
 * multi-byte character), records are cut and phone cells parsed where the bytes lie, and a kept row that the filter
 * does not change goes out as a copy of its bytes: no string per row, no joined text to encode again. Only the rows
 * the filter must look at as text (a phone to blank or to give its ninth digit, a malformed row, a cell with a byte
 * past ASCII or an escaped quote) are decoded, and then judged, edited and written by the same code as the text path
 * (csv.ts), so both paths answer the same bytes, counts and errors (test/services/csv-bytes.test.ts compares them).
 * UTF-16 mailings and order=best go through the text path.
 */

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** As CsvReader: the delimiter is detected on the first line, or on the first HEAD_LIMIT bytes if it is longer. */
const HEAD_LIMIT = 65536;
/**
 * The first size of the buffer that holds the body's bytes until their batch is filtered; it doubles when it must
 * (a big mailing's settles near one batch's bytes). Small: a 1k-row mailing is ~35 KiB, and every ArrayBuffer counts
 * towards V8's external-memory trigger for collections.
 */
const FIRST_BUFFER_BYTES = 1 << 14;
/** An unfinished record up to this long is scanned again whenever a piece comes (rescanAt). */
const RESCAN_BYTES = 1 << 16;

/** How a selected cell is written: bytes as they are, the inside of plain quotes, or only readable as text. */
const BARE = 0;
const QUOTED = 1;
/** `""` escapes in it, or text after its closing quote: its value comes from CsvReader.parseRecord. */
const COMPLEX = 2;

const E_EMPTY = -PhoneError.EMPTY;
const E_SHORT = -PhoneError.TOO_SHORT;
const E_NINTH = -PhoneError.MOBILE_MISSING_NINTH_DIGIT;

/**
 * Cuts records out of bytes exactly as CsvReader cuts them out of their latin1 text (bytes past `len` are never
 * read: the buffer behind them holds earlier, stale bytes): `"` opens a quoted field only at
 * a field's start, records end at \n, \r\n or a lone \r, blank lines are skipped but counted. Records are appended
 * to parallel arrays: record r is the bytes [starts[r], ends[r]) (no terminator), the next line starts at nexts[r]
 * (ends[r] when the input ended without a terminator), and it starts at line lines[r]; its selected cell k is the
 * bytes [cells[2(r·stride + k)], cells[2(r·stride + k) + 1]) of kind kinds[r·stride + k] (an empty range when the
 * record has fewer fields).
 */
export class ByteRecordScanner {
  count = 0;
  starts: Int32Array;
  ends: Int32Array;
  nexts: Int32Array;
  lines: Float64Array;
  cells: Int32Array;
  kinds: Uint8Array;
  /** After scan(): where the first record not complete in the window starts, and its line. */
  stop = 0;
  stopLine = 1;
  /** After record(): the line after its terminator. */
  private lineAfter = 1;
  readonly stride: number;
  /** Selected slots per field index (columns may repeat; most fields have none). */
  private readonly slotsOf: (number[] | undefined)[] = [];

  constructor(
    private readonly delimiter: number,
    columns: readonly number[],
    private readonly maxRecordLength: number,
    /** Records held before the arrays grow (a small mailing's are garbage as soon as it is filtered). */
    capacity = 256,
  ) {
    this.stride = columns.length;
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.nexts = new Int32Array(capacity);
    this.lines = new Float64Array(capacity);
    columns.forEach((column, slot) => {
      const slots = this.slotsOf[column];
      if (slots) slots.push(slot);
      else this.slotsOf[column] = [slot];
    });
    this.cells = new Int32Array(2 * capacity * Math.max(1, this.stride));
    this.kinds = new Uint8Array(capacity * Math.max(1, this.stride));
  }

  /**
   * Appends the records of buf[from, len) that end before len (all of them when `final`; then a quoted field left
   * open is a CsvSyntaxError), up to `limit` records. Throws CsvRecordTooLongError for a record past the limit,
   * once as many bytes of it are read; the records before it stay appended.
   */
  scan(buf: Uint8Array, from: number, len: number, line: number, final: boolean, limit = Number.POSITIVE_INFINITY): void {
    let i = from;
    let scanned = 0;
    while (i < len && scanned < limit) {
      const c = buf[i] as number;
      if (c === LF || c === CR) {
        // A blank line.
        if (c === CR && i + 1 === len && !final) break;
        i += c === CR && i + 1 < len && buf[i + 1] === LF ? 2 : 1;
        line++;
        continue;
      }
      if (!this.record(buf, i, i, len, line, final)) {
        // Its terminator may be \r\n with the \n still to come: one byte more than the record itself.
        if (len - i > this.maxRecordLength + 1) throw new CsvRecordTooLongError(line, this.maxRecordLength);
        break;
      }
      scanned++;
      i = this.nexts[this.count - 1] as number;
      line = this.lineAfter;
    }
    this.stop = i;
    this.stopLine = line;
  }

  /**
   * The first record of the input (the header), whose first field may start after a byte order mark at `fieldStart`.
   * False when more input is needed.
   */
  header(buf: Uint8Array, fieldStart: number, len: number, final: boolean): boolean {
    this.count = 0;
    if (fieldStart > 0) {
      if (!this.record(buf, 0, fieldStart, len, 1, final)) {
        if (len > this.maxRecordLength + 1) throw new CsvRecordTooLongError(1, this.maxRecordLength);
        return false;
      }
      this.stop = this.nexts[0] as number;
      this.stopLine = this.lineAfter;
      return true;
    }
    this.scan(buf, 0, len, 1, final, 1);
    return this.count === 1;
  }

  /** One record from `start`, its first field at `i`. False when the window ends before it does (and not final). */
  private record(buf: Uint8Array, start: number, i: number, len: number, line: number, final: boolean): boolean {
    const r = this.count;
    if (r === this.starts.length) this.grow();
    const recLine = line;
    const base = r * this.stride;
    const cells = this.cells;
    const kinds = this.kinds;
    for (let k = 0; k < this.stride; k++) {
      cells[2 * (base + k)] = start;
      cells[2 * (base + k) + 1] = start;
      kinds[base + k] = BARE;
    }
    const delimiter = this.delimiter;
    for (let field = 0; ; field++) {
      let cellStart = i;
      let cellEnd: number;
      let kind = BARE;
      if (i < len && buf[i] === QUOTE) {
        const quoteLine = line;
        i++;
        cellStart = i;
        let escaped = false;
        for (;;) {
          for (; i < len; i++) {
            const c = buf[i] as number;
            if (c === QUOTE) break;
            if (c === LF || (c === CR && (i + 1 === len || buf[i + 1] !== LF))) line++;
          }
          if (i >= len) {
            if (!final) return false;
            throw new CsvSyntaxError(`CSV: unterminated quoted field starting at line ${quoteLine}`, quoteLine);
          }
          // The byte after a quote decides: a second quote (an escaped one) or the field's end.
          if (i + 1 === len) {
            if (!final) return false;
            break;
          }
          if (buf[i + 1] !== QUOTE) break;
          escaped = true;
          i += 2;
        }
        cellEnd = i;
        i++;
        const after = i;
        for (; i < len; i++) {
          const c = buf[i] as number;
          if (c === delimiter || c === LF || c === CR) break;
        }
        if (escaped || i !== after) kind = COMPLEX;
        else kind = QUOTED;
      } else {
        for (; i < len; i++) {
          const c = buf[i] as number;
          if (c === delimiter || c === LF || c === CR) break;
        }
        cellEnd = i;
      }
      if (i >= len && !final) return false;
      const slots = this.slotsOf[field];
      if (slots !== undefined) {
        for (const k of slots) {
          cells[2 * (base + k)] = cellStart;
          cells[2 * (base + k) + 1] = cellEnd;
          kinds[base + k] = kind;
        }
      }
      if (i < len && buf[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (i - start > this.maxRecordLength) throw new CsvRecordTooLongError(recLine, this.maxRecordLength);
    let next = len;
    if (i < len) {
      if (buf[i] === LF) next = i + 1;
      else if (i + 1 < len) next = buf[i + 1] === LF ? i + 2 : i + 1;
      else if (final) next = i + 1;
      else return false;
    }
    this.starts[r] = start;
    this.ends[r] = i;
    this.nexts[r] = next;
    this.lines[r] = recLine;
    this.lineAfter = line + 1;
    this.count = r + 1;
    return true;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(from: T, length: number): T => {
      const to = new (from.constructor as new (n: number) => T)(length);
      to.set(from);
      return to;
    };
    this.starts = grown(this.starts, size);
    this.ends = grown(this.ends, size);
    this.nexts = grown(this.nexts, size);
    this.lines = grown(this.lines, size);
    this.cells = grown(this.cells, 2 * size * Math.max(1, this.stride));
    this.kinds = grown(this.kinds, size * Math.max(1, this.stride));
  }
}

/** Reads the body as bytes, pulling pieces when asked; what was read can be replayed to the text path. */
class ByteInput {
  private readonly iterator: AsyncIterator<Buffer | string>;
  readonly taken: Buffer[] = [];
  ended = false;
  /** A piece that came as a string (a caller's already-decoded text): the text path reads those. */
  sawText = false;

  constructor(input: AsyncIterable<Buffer | string>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** The last piece as it came. */
  lastCame: Buffer | string = '';

  /** The next piece as bytes, or undefined at the end. */
  async next(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    const result = await this.iterator.next();
    if (result.done) {
      this.ended = true;
      return undefined;
    }
    this.lastCame = result.value;
    if (typeof result.value === 'string') {
      this.sawText = true;
      return Buffer.from(result.value, 'latin1');
    }
    return result.value;
  }

  /** The pieces taken so far (as they came), then the rest of the input. */
  async *replay(pieces: readonly (Buffer | string)[]): AsyncGenerator<Buffer | string> {
    yield* pieces;
    if (this.ended) return;
    for (;;) {
      const result = await this.iterator.next();
      if (result.done) return;
      yield result.value;
    }
  }
}

/**
 * Filters a CSV mailing from its bytes. A UTF-16 mailing, one of fewer than 3 bytes, or an input whose first pieces
 * are strings goes to `textPath` instead, with the pieces read so far given back first (filterCsv sends order=best
 * there without calling this).
 */
export async function filterCsvBytes(
  input: AsyncIterable<Buffer | string>,
  output: MailingOutput,
  classifier: PhoneClassifier,
  options: FilterOptions,
  textPath: (input: AsyncIterable<Buffer | string>) => Promise<MailingCounts>,
): Promise<MailingCounts> {
  const source = new ByteInput(input);
  const encoding = new MailingEncoding();
  // The pieces as they came, until the charset is known (the text path gets them back if it must read them).
  const asCame: (Buffer | string)[] = [];
  let head: Buffer = Buffer.alloc(0);
  for (;;) {
    const piece = await source.next();
    if (piece === undefined) break;
    asCame.push(source.lastCame);
    head = head.length === 0 ? piece : Buffer.concat([head, piece]);
    if (source.sawText) break;
    // The same bytes the text path decides on (MailingEncoding.text: the first pieces up to 3 bytes).
    if (head.length >= 3 && encoding.decideOn(head)) break;
  }
  if (source.sawText || !encoding.eightBit || head.length < 3) return textPath(source.replay(asCame));
  const filter = new ByteCsvFilter(output, classifier, options, encoding);
  try {
    return await filter.run(head, source);
  } catch (error) {
    throw csvReadError(error);
  }
}

/** One mailing filtered from its bytes (filterCsvBytes). */
class ByteCsvFilter {
  private readonly counts = emptyCounts();
  private readonly writer: CsvMailingWriter;
  private readonly slice: TimeSlice;
  private layout!: CsvLayout;
  private scanner!: ByteRecordScanner;
  private delimiter: CsvDelimiter = ',';
  private eol: Buffer = Buffer.from('\n');
  /** Per batch, reused: each phone cell's digits or error, whether it is blank, and its ninth-digit mark. */
  private parsed = new Float64Array(0);
  private blank = new Uint8Array(0);
  private marks: Uint8Array | undefined;
  /** Per batch row: what goes out (0 nothing, 1 its bytes as they came, 2 texts[r]). */
  private actions = new Uint8Array(0);
  private readonly texts: string[] = [];
  /** Bytes added to every kept row before its line ending (the ninth-digit column, empty for a plain row). */
  private suffix: Buffer = Buffer.alloc(0);
  private readonly maxRecordLength: number;

  constructor(
    output: MailingOutput,
    private readonly classifier: PhoneClassifier,
    private readonly options: FilterOptions,
    private readonly encoding: MailingEncoding,
  ) {
    this.writer = new CsvMailingWriter(output, encoding, options.hygiene ? options.ninthDigitColumn : undefined);
    this.slice = new TimeSlice(options.sliceMs);
    this.maxRecordLength = options.maxRecordBytes ?? Number.POSITIVE_INFINITY;
  }

  async run(head: Buffer, source: ByteInput): Promise<MailingCounts> {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(FIRST_BUFFER_BYTES, head.length));
    this.length = head.copy(this.bytes);
    await this.readHeader(source);
    const scanner = this.scanner;
    let from = scanner.stop;
    let line = scanner.stopLine;
    // Records are scanned as the body's pieces come, up to a whole batch: the batches are the text path's (the same
    // rows in each, the answer begun after the same first one), and a batch goes out as soon as its last row is in.
    let scanAt = 0;
    for (;;) {
      if (this.length >= scanAt || source.ended) {
        // A failure past the batch's rows is not reached: the scan stops at BATCH_ROWS records.
        scanner.scan(this.bytes, from, this.length, line, source.ended, BATCH_ROWS - scanner.count);
        if (scanner.count === BATCH_ROWS) {
          await this.batch(this.bytes, 0, BATCH_ROWS);
          this.dropBefore(scanner.stop);
          scanner.count = 0;
          from = 0;
          line = scanner.stopLine;
          scanAt = 0;
          continue;
        }
        if (source.ended) break;
        from = scanner.stop;
        line = scanner.stopLine;
        scanAt = rescanAt(this.length, this.length - from);
      }
      const piece = await source.next();
      if (piece !== undefined) this.append(piece);
    }
    if (scanner.count > 0) await this.batch(this.bytes, 0, scanner.count);
    await this.writer.begin(this.layout);
    return this.counts;
  }

  /** The body's bytes not yet filtered: [0, length) of `bytes`, which grows as pieces come. */
  private bytes: Buffer = Buffer.alloc(0);
  private length = 0;

  private append(piece: Buffer): void {
    if (this.length + piece.length > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.length + piece.length));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.length += piece.copy(this.bytes, this.length);
  }

  /** Forgets the bytes before `offset` (a filtered batch): the rest moves to the front. */
  private dropBefore(offset: number): void {
    this.bytes.copyWithin(0, offset, this.length);
    this.length -= offset;
  }

  /** Reads until the header is whole and fixes the layout; the scanner then stops after the header. */
  private async readHeader(source: ByteInput): Promise<void> {
    // The delimiter: detected on the first non-blank line once it is whole (or the head is past HEAD_LIMIT).
    for (;;) {
      const lineEnd = firstLineEnd(this.bytes, this.length);
      if (lineEnd.complete || this.length > HEAD_LIMIT || source.ended) {
        this.delimiter = detectDelimiter(this.bytes.toString('latin1', lineEnd.start, lineEnd.end));
        break;
      }
      const piece = await source.next();
      if (piece !== undefined) this.append(piece);
    }
    const bytes = () => this.bytes;
    const bom = bytes()[0] === 0xef && bytes()[1] === 0xbb && bytes()[2] === 0xbf ? 3 : 0;
    const delimiterCode = this.delimiter.charCodeAt(0);
    const headerScanner = new ByteRecordScanner(delimiterCode, [], this.maxRecordLength, 1);
    let scanAt = 0;
    for (;;) {
      if (this.length >= scanAt || source.ended) {
        if (headerScanner.header(bytes(), bom, this.length, source.ended)) break;
        if (source.ended) throw emptyMailing();
        scanAt = rescanAt(this.length, this.length);
      }
      const piece = await source.next();
      if (piece !== undefined) this.append(piece);
    }
    const start = headerScanner.starts[0] as number;
    const end = headerScanner.ends[0] as number;
    const next = headerScanner.nexts[0] as number;
    const raw = bytes().toString('latin1', start, end);
    const fields = CsvReader.parseRecord(bom > 0 ? raw.slice(bom) : raw, this.delimiter);
    const lineEnding = next > end && bytes()[end] === CR ? '\r\n' : '\n';
    this.layout = csvLayout({ fields, raw, line: headerScanner.lines[0] as number }, this.delimiter, lineEnding, this.options.phoneColumns, this.encoding);
    this.eol = Buffer.from(lineEnding, 'latin1');
    const { phoneIndexes, dddIndex } = this.layout;
    this.scanner = new ByteRecordScanner(delimiterCode, dddIndex >= 0 ? [...phoneIndexes, dddIndex] : phoneIndexes, this.maxRecordLength);
    this.scanner.stop = next;
    this.scanner.stopLine = headerScanner.stopLine;
    if (this.options.hygiene && this.options.ninthDigitColumn !== undefined) this.suffix = Buffer.from(this.layout.delimiter, 'latin1');
  }

  /** Rows [first, first + rows) of the scanner: judged, counted, and the kept ones written. */
  private async batch(window: Buffer, first: number, rows: number): Promise<void> {
    await this.slice.turn();
    await this.writer.begin(this.layout);
    this.counts.totalRows += rows;
    if (this.actions.length < rows) this.actions = new Uint8Array(rows);
    const actions = this.actions;
    let malformed: MalformedCsvRow[] = [];
    if (!this.options.hygiene) {
      this.counts.keptRows += rows;
      actions.fill(1, 0, rows);
    } else {
      malformed = this.judge(window, first, rows);
    }
    await this.writeKept(window, first, rows);
    await this.writer.malformed(malformed);
    this.options.onProgress?.(this.counts);
  }

  /** Parses and classifies the batch's phone cells, then judges each row (judgeCsvBatch's rules, on bytes). */
  private judge(window: Buffer, first: number, rows: number): MalformedCsvRow[] {
    const { phoneIndexes, phoneNames } = this.layout;
    const width = phoneIndexes.length;
    const cellCount = rows * width;
    if (this.parsed.length < cellCount) {
      this.parsed = new Float64Array(cellCount);
      this.blank = new Uint8Array(cellCount);
    }
    if (this.options.ninthDigit && (this.marks?.length ?? 0) < cellCount) this.marks = new Uint8Array(cellCount);
    const marks = this.options.ninthDigit ? this.marks : undefined;
    const { parsed, blank } = this;
    const { cells, kinds, stride } = this.scanner;
    const hasDdd = this.layout.dddIndex >= 0;
    for (let r = 0; r < rows; r++) {
      const record = first + r;
      for (let k = 0; k < width; k++) {
        const slot = record * stride + k;
        const cell = r * width + k;
        const start = cells[2 * slot] as number;
        const end = cells[2 * slot + 1] as number;
        let value = kinds[slot] === COMPLEX ? NEEDS_TEXT : parsePhoneBytes(window, start, end);
        if (value === NEEDS_TEXT || (value === E_SHORT && hasDdd)) {
          const text = this.phoneText(window, record, k);
          blank[cell] = text === '' ? 1 : 0;
          value = parsePhoneCell(text, hasDdd ? this.cellValue(window, record, width).trim() : undefined, marks, cell);
        } else {
          blank[cell] = value === E_EMPTY && onlySpaces(window, start, end) ? 1 : 0;
          if (marks !== undefined) {
            const legacy = value === E_NINTH;
            if (legacy) value = parsePhoneBytes(window, start, end, true);
            marks[cell] = legacy ? 1 : 0;
          }
        }
        parsed[cell] = value;
      }
    }
    const verdicts = this.classifier.classifyParsedShared(parsed, cellCount);
    const counts = this.counts;
    const actions = this.actions;
    const malformed: MalformedCsvRow[] = [];
    const flagged = this.options.ninthDigitColumn !== undefined;
    let plainPhones = 0;
    let plainUnconfirmed = 0;
    let plainRows = 0;
    for (let r = 0; r < rows; r++) {
      const firstCell = r * width;
      const rowPhones = plainRowPhones(verdicts, blank, marks, firstCell, width);
      if (rowPhones > 0) {
        plainPhones += rowPhones;
        plainUnconfirmed += plainRow.unconfirmed;
        plainRows++;
        actions[r] = 1;
        continue;
      }
      // The row as the text path sees it: its phone cells decoded, judged and edited by the same code.
      const record = first + r;
      const phones: string[] = [];
      for (let k = 0; k < width; k++) phones.push(blank[firstCell + k] === 1 ? '' : this.phoneText(window, record, k));
      const raw = window.toString('latin1', this.scanner.starts[record], this.scanner.ends[record]);
      const verdict = judgeRow(phones, phoneNames, verdicts, firstCell, counts, marks);
      actions[r] = 0;
      if (verdict.kind === 'kept') {
        this.texts[r] = keptRowText(raw, verdict, this.layout, flagged);
        actions[r] = 2;
      } else if (verdict.kind === 'malformed') {
        malformed.push({ raw, line: this.scanner.lines[record] as number, reasons: verdict.reasons });
      }
    }
    counts.phonesTotal += plainPhones;
    counts.unconfirmedPhones += plainUnconfirmed;
    counts.keptRows += plainRows;
    counts.hygienized = counts.invalidPhones + counts.unconfirmedPhones;
    return malformed;
  }

  /**
   * The kept rows of the batch in one buffer: a row kept as it came is a copy of its bytes (runs of such rows whose
   * line ending is the mailing's, one copy), an edited row its text's bytes; each row ends with the header's line
   * ending, as the text path writes them.
   */
  private async writeKept(window: Buffer, first: number, rows: number): Promise<void> {
    const { starts, ends, nexts } = this.scanner;
    const { actions, texts, eol, suffix } = this;
    const eolIsLf = eol.length === 1;
    let size = 0;
    for (let r = 0; r < rows; r++) {
      if (actions[r] === 1) size += (ends[first + r] as number) - (starts[first + r] as number) + suffix.length + eol.length;
      else if (actions[r] === 2) size += (texts[r] as string).length + eol.length;
    }
    if (size === 0) return;
    const out = Buffer.allocUnsafeSlow(size);
    let at = 0;
    let runStart = -1;
    let runEnd = -1;
    for (let r = 0; r < rows; r++) {
      const action = actions[r];
      if (action === 0) continue;
      const record = first + r;
      const start = starts[record] as number;
      const end = ends[record] as number;
      if (action === 1) {
        const next = nexts[record] as number;
        // Its own line ending is the mailing's: it joins the run of bytes copied at once.
        if (suffix.length === 0 && next - end === eol.length && window[end] === (eolIsLf ? LF : CR)) {
          if (start !== runEnd) {
            if (runStart >= 0) at += window.copy(out, at, runStart, runEnd);
            runStart = start;
          }
          runEnd = next;
          continue;
        }
      }
      if (runStart >= 0) at += window.copy(out, at, runStart, runEnd);
      runStart = -1;
      runEnd = -1;
      if (action === 1) {
        at += window.copy(out, at, start, end);
        at += suffix.copy(out, at);
      } else {
        at += out.write(texts[r] as string, at, 'latin1');
        texts[r] = '';
      }
      at += eol.copy(out, at);
    }
    if (runStart >= 0) at += window.copy(out, at, runStart, runEnd);
    await this.writer.keptBytes(out);
  }

  /** Phone cell k of a record as the text path reads it: decoded, trimmed. */
  private phoneText(window: Buffer, record: number, k: number): string {
    return this.encoding.cellText(this.cellValue(window, record, k)).trim();
  }

  /** The value of selected cell k of a record, in the reader's (latin1) text, quotes removed. */
  private cellValue(window: Buffer, record: number, k: number): string {
    const scanner = this.scanner;
    const slot = record * scanner.stride + k;
    if (scanner.kinds[slot] === COMPLEX) {
      const column = k < this.layout.phoneIndexes.length ? (this.layout.phoneIndexes[k] as number) : this.layout.dddIndex;
      const fields = CsvReader.parseRecord(window.toString('latin1', scanner.starts[record], scanner.ends[record]), this.delimiter);
      return fields[column] ?? '';
    }
    return window.toString('latin1', scanner.cells[2 * slot], scanner.cells[2 * slot + 1]);
  }
}

/** Whether bytes [start, end) are all ASCII whitespace that String#trim removes (and parsePhoneBytes reads). */
function onlySpaces(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 32 && c !== 9 && c !== LF && c !== CR) return false;
  }
  return true;
}

/** The first non-blank line of bytes [0, length) (CsvReader detects the delimiter on it), and whether its end was seen. */
function firstLineEnd(bytes: Buffer, length: number): { start: number; end: number; complete: boolean } {
  let start = 0;
  while (start < length && (bytes[start] === LF || bytes[start] === CR)) start++;
  for (let end = start; end < length; end++) {
    if (bytes[end] === LF || bytes[end] === CR) return { start, end, complete: true };
  }
  return { start, end: length, complete: false };
}

/**
 * When to scan again a record that the bytes so far did not complete: at the next piece while it is short, and once
 * the bytes have grown by half of it when it is long, so that a long record trickled in small pieces is scanned a
 * bounded number of times over (a record is scanned from its start each time; MAX_RECORD_BYTES bounds its length).
 */
function rescanAt(length: number, incomplete: number): number {
  return incomplete <= RESCAN_BYTES ? length + 1 : length + (incomplete >> 1);
}
