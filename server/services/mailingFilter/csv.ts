import type { MailingCounts, MalformedReason } from '../../../plugin/contract/protocol';
import { CsvReader, CsvRecordTooLongError, CsvSyntaxError, formatCsvField, type CsvColumns, type CsvDelimiter, type CsvRow } from '../../../plugin/contract/csv';
import { AppError } from '../../errors';
import { emptyCounts } from '../mailings';
import { detectDddColumn, type PhoneClassifier } from '../phoneClassifier';
import { blankCell, editCells, ninthDigitCell, type CellEdit } from './csvCells';
import { MailingEncoding } from './encoding';
import { TimeSlice } from '../../infra/timeSlice';
import { resolveContactColumn } from './bestOrder';
import { filterCsvBytes } from './csvBytes';
import { BATCH_ROWS, describeReasons, judgeRow, MAX_COLUMNS, plainRow, plainRowPhones, resolveColumns, type FilterOptions, type MailingOutput, type RowVerdict } from './rowJudge';

/**
 * The CSV filter, the hot path of the product (docs/performance.md). UTF-8 and Windows-1252 mailings are read as
 * bytes (csvBytes.ts), which answers what the text path below answers; UTF-16 and order=best take the text path,
 * in four steps per batch of BATCH_ROWS rows:
 *   CsvMailingReader  bytes → the header, then batches holding only each row's raw text and its phone/DDD cells
 *   batchVerdicts     the batch's phone cells → one verdict each (one classifier call per batch)
 *   judgeCsvBatch     verdicts → rows kept (compacted in place), dropped, or set apart as malformed; the counts
 *   CsvMailingWriter  kept rows out as one string per batch, malformed rows with the header and a reason column
 * The encoding is detected per mailing (encoding.ts): phone cells and header names are read as the characters they
 * are, every other byte goes back out as it came in; in a kept row only the cells the filter changes (an invalid
 * phone blanked, a legacy mobile given its ninth digit) differ (csvCells.ts).
 */
export async function filterCsv(input: AsyncIterable<Buffer | string>, output: MailingOutput, classifier: PhoneClassifier, options: FilterOptions): Promise<MailingCounts> {
  // order=best reorders the kept rows' text; UTF-16 has two-byte delimiters: both read the mailing as text.
  if (options.order) return filterCsvText(input, output, classifier, options);
  return filterCsvBytes(input, output, classifier, options, (replayed) => filterCsvText(replayed, output, classifier, options));
}

/** The text path of filterCsv: every record a string (csvBytes.ts answers the same from the bytes, faster). */
export async function filterCsvText(input: AsyncIterable<Buffer | string>, output: MailingOutput, classifier: PhoneClassifier, options: FilterOptions): Promise<MailingCounts> {
  const counts = emptyCounts();
  const encoding = new MailingEncoding();
  const reader = new CsvMailingReader(options.phoneColumns, options.maxRecordBytes, encoding);
  const writer = new CsvMailingWriter(output, encoding, options.hygiene ? options.ninthDigitColumn : undefined);
  // One mark per phone cell of a batch: which ones the classifier read with their ninth digit added (reused).
  let marks: Uint8Array | undefined;
  // order=best (bestOrder.ts): the contact column is found and the reason column named once the header is read.
  const order = options.hygiene ? options.order : undefined;
  let contactIndex = -1;
  const slice = new TimeSlice(options.sliceMs);
  const prepareOrder = (layout: CsvLayout) => {
    if (!order || contactIndex >= 0) return;
    contactIndex = resolveContactColumn(layout.header.fields.map((name) => encoding.cellText(name)), order.request.contactColumn);
    writer.headerSuffix = order.csvHeaderSuffix(layout.delimiter);
  };
  for await (const batch of reader.batches(input)) {
    await slice.turn();
    const layout = reader.layout!;
    prepareOrder(layout);
    // The answer (a 200) starts only with the first batch: a syntax error or an oversized body found while the
    // first BATCH_ROWS rows are read (all of most mailings) is still a plain 4xx instead of an error in a summary.
    await writer.begin(layout);
    const rowCount = batch.raws.length;
    counts.totalRows += rowCount;
    if (!options.hygiene) {
      counts.keptRows += rowCount;
      await writer.kept(batch.raws, rowCount);
      continue;
    }
    if (options.ninthDigit && (marks?.length ?? 0) < rowCount * layout.phoneIndexes.length) marks = new Uint8Array(rowCount * layout.phoneIndexes.length);
    const { phones, verdicts } = batchVerdicts(batch, layout, classifier, encoding, marks);
    const judged = judgeCsvBatch(batch, phones, verdicts, layout, counts, marks, options.ninthDigitColumn);
    if (order) await order.orderCsvRows(batch.raws, judged.keptCount, layout, contactIndex, counts, (text) => encoding.cellText(text));
    await writer.kept(batch.raws, judged.keptCount);
    await writer.malformed(judged.malformed);
    options.onProgress?.(counts);
  }
  prepareOrder(reader.layout!);
  await writer.begin(reader.layout!);
  return counts;
}

/** What the header tells: how the file is written and where the phone cells (and a DDD column, if any) are. */
export type CsvLayout = {
  header: CsvRow;
  delimiter: CsvDelimiter;
  lineEnding: '\n' | '\r\n';
  phoneIndexes: number[];
  phoneNames: string[];
  /** A column holding the DDD of local numbers, or -1. */
  dddIndex: number;
  /** Values per row in the reader's column-selective mode: the phone cells, then the DDD cell if any. */
  stride: number;
};

/** The layout a header gives (both CSV paths). */
export function csvLayout(header: CsvRow, delimiter: CsvDelimiter, lineEnding: '\n' | '\r\n', phoneColumns: readonly string[] | undefined, encoding: MailingEncoding): CsvLayout {
  if (header.fields.length > MAX_COLUMNS) {
    throw new AppError('VALIDATION_FAILED', `line 1: the header has ${header.fields.length} columns, more than the limit of ${MAX_COLUMNS}`, 'body');
  }
  // Names as written (a UTF-8 "Célular" or a UTF-16 header read right); phoneNames stay in the reader's text for output.
  const names = header.fields.map((name) => encoding.cellText(name));
  const phoneIndexes = resolveColumns(names, phoneColumns, 'phoneColumns');
  const dddIndex = detectDddColumn(names);
  return {
    header,
    delimiter,
    lineEnding,
    phoneIndexes,
    phoneNames: phoneIndexes.map((index) => header.fields[index] as string),
    dddIndex,
    stride: phoneIndexes.length + (dddIndex >= 0 ? 1 : 0),
  };
}

/** A reader's error as the answer names it (both CSV paths): the line, and the limit of a record too long. */
export function csvReadError(error: unknown): unknown {
  if (error instanceof CsvRecordTooLongError) {
    return new AppError('PAYLOAD_TOO_LARGE', `line ${error.line}: the record is longer than the limit of ${error.limit} bytes (MAX_RECORD_BYTES)`, 'body');
  }
  if (error instanceof CsvSyntaxError) return new AppError('INVALID_CSV', `line ${error.line}: ${error.message}`, 'body');
  return error;
}

export const emptyMailing = () => new AppError('INVALID_CSV', 'the mailing is empty: a header line is required', 'body');

/**
 * Reads the mailing: the header (which fixes the layout), then rows in batches of BATCH_ROWS as parallel arrays
 * (CsvReader's column-selective mode): only the phone and DDD cells are materialized; a row whose fields are all
 * needed (an invalid phone to blank) is parsed again by the judge.
 */
export class CsvMailingReader {
  private readonly reader: CsvReader;
  layout: CsvLayout | undefined;
  /** Rows waiting for a batch; the reader appends the rows it reads in column-selective mode. */
  private pending: CsvColumns = { raws: [], lines: [], values: [] };

  constructor(
    private readonly phoneColumns: readonly string[] | undefined,
    maxRecordBytes?: number,
    private readonly encoding: MailingEncoding = new MailingEncoding(),
  ) {
    this.reader = new CsvReader(maxRecordBytes === undefined ? undefined : { maxRecordLength: maxRecordBytes });
  }

  /** Whole batches as they fill up, then the last partial one; never an empty batch. */
  async *batches(input: AsyncIterable<Buffer | string>): AsyncGenerator<CsvColumns> {
    try {
      for await (const chunk of input) {
        this.take(this.reader.push(typeof chunk === 'string' ? chunk : this.encoding.text(chunk)));
        yield* this.fullBatches();
      }
      this.take(this.reader.push(this.encoding.end()));
      this.take(this.reader.end());
      yield* this.fullBatches();
    } catch (error) {
      throw csvReadError(error);
    }
    if (!this.layout) throw emptyMailing();
    this.reader.takeColumns();
    if (this.pending.raws.length > 0) yield this.pending;
  }

  /**
   * Rows the reader parsed in full: the header, then the rows after it in the header's chunk, which join the
   * pending arrays as the column-selective mode would have stored them.
   */
  private take(rows: CsvRow[]): void {
    for (const row of rows) {
      if (!this.layout) {
        this.layout = this.layoutOf(row);
        const selected = this.layout.dddIndex >= 0 ? [...this.layout.phoneIndexes, this.layout.dddIndex] : this.layout.phoneIndexes;
        this.reader.selectColumns(selected);
        this.reader.takeColumns(this.pending);
        continue;
      }
      const { phoneIndexes, dddIndex, stride } = this.layout;
      this.pending.raws.push(row.raw);
      this.pending.lines.push(row.line);
      for (let k = 0; k < stride; k++) {
        const index = k < phoneIndexes.length ? (phoneIndexes[k] as number) : dddIndex;
        this.pending.values.push(row.fields[index] ?? '');
      }
    }
  }

  private layoutOf(header: CsvRow): CsvLayout {
    // Both are known once the header's line is read: the delimiter is detected on it, the line ending ends it.
    return csvLayout(header, this.reader.delimiter ?? ',', this.reader.lineEnding, this.phoneColumns, this.encoding);
  }

  /** Cuts whole batches off the pending rows; the rest stays pending and the reader keeps appending to it. */
  private *fullBatches(): Generator<CsvColumns> {
    const stride = this.layout?.stride ?? 0;
    while (this.pending.raws.length >= BATCH_ROWS) {
      const batch = this.pending;
      this.pending =
        batch.raws.length === BATCH_ROWS
          ? { raws: [], lines: [], values: [] }
          : { raws: batch.raws.slice(BATCH_ROWS), lines: batch.lines.slice(BATCH_ROWS), values: batch.values.slice(BATCH_ROWS * stride) };
      batch.raws.length = BATCH_ROWS;
      batch.lines.length = BATCH_ROWS;
      batch.values.length = BATCH_ROWS * stride;
      this.reader.takeColumns(this.pending);
      yield batch;
    }
  }
}

/**
 * The batch's phone cells, trimmed, row r's at [r * width, (r + 1) * width), with the row's DDD beside each one
 * when the mailing has a DDD column, and their verdicts. The verdicts live in the classifier's shared buffer:
 * they are valid until its next call, so a batch is judged before the next one is classified.
 */
export function batchVerdicts(
  batch: CsvColumns,
  layout: CsvLayout,
  classifier: PhoneClassifier,
  encoding: MailingEncoding = new MailingEncoding(),
  ninthDigitMarks?: Uint8Array,
): { phones: string[]; verdicts: Int8Array } {
  const { values } = batch;
  const rowCount = batch.raws.length;
  const width = layout.phoneIndexes.length;
  const cellCount = rowCount * width;
  if (layout.dddIndex < 0) {
    // values has the same layout as phones: decode and trim in place (both return the same string when there is nothing to do).
    for (let cell = 0; cell < cellCount; cell++) values[cell] = encoding.cellText(values[cell] as string).trim();
    return { phones: values, verdicts: classifier.classifyShared(values, undefined, ninthDigitMarks) };
  }
  const phones = new Array<string>(cellCount);
  const ddds = new Array<string>(cellCount);
  for (let row = 0, cell = 0; row < rowCount; row++) {
    const base = row * layout.stride;
    const ddd = (values[base + width] as string).trim();
    for (let k = 0; k < width; k++, cell++) {
      phones[cell] = encoding.cellText(values[base + k] as string).trim();
      ddds[cell] = ddd;
    }
  }
  return { phones, verdicts: classifier.classifyShared(phones, ddds, ninthDigitMarks) };
}

export type MalformedCsvRow = { raw: string; line: number; reasons: MalformedReason[] };

/**
 * Judges every row of the batch and counts it. Kept rows are compacted in place at the front of `batch.raws` (a
 * row with a cell to change is rewritten there, that cell only), so the writer sends `raws[0, keptCount)` with one
 * join. `ninthDigitMarks` (from the classifier) marks the cells read with their ninth digit added; with
 * `ninthDigitColumn` every kept row gains a last cell naming its upgraded phone columns.
 */
export function judgeCsvBatch(
  batch: CsvColumns,
  phones: readonly string[],
  verdicts: Int8Array,
  layout: CsvLayout,
  counts: MailingCounts,
  ninthDigitMarks?: Uint8Array,
  ninthDigitColumn?: string,
): { keptCount: number; malformed: MalformedCsvRow[] } {
  const { raws, lines } = batch;
  const width = layout.phoneIndexes.length;
  const malformed: MalformedCsvRow[] = [];
  const flagSuffix = ninthDigitColumn === undefined ? undefined : layout.delimiter;
  let keptCount = 0;
  // Counts of the rows that take the fast path, added once at the end (judgeRow counts the others itself).
  let plainPhones = 0;
  let plainUnconfirmed = 0;
  let plainRows = 0;
  const blank = blankCells(phones);
  for (let row = 0; row < raws.length; row++) {
    const first = row * width;
    const raw = raws[row] as string;
    const rowPhones = plainRowPhones(verdicts, blank, ninthDigitMarks, first, width);
    if (rowPhones > 0) {
      plainPhones += rowPhones;
      plainUnconfirmed += plainRow.unconfirmed;
      plainRows++;
      raws[keptCount++] = flagSuffix === undefined ? raw : raw + flagSuffix;
      continue;
    }
    const verdict = judgeRow(phones.slice(first, first + width), layout.phoneNames, verdicts, first, counts, ninthDigitMarks);
    if (verdict.kind === 'kept') raws[keptCount++] = keptRowText(raw, verdict, layout, ninthDigitColumn !== undefined);
    else if (verdict.kind === 'malformed') malformed.push({ raw, line: lines[row] as number, reasons: verdict.reasons });
  }
  counts.phonesTotal += plainPhones;
  counts.unconfirmedPhones += plainUnconfirmed;
  counts.keptRows += plainRows;
  counts.hygienized = counts.invalidPhones + counts.unconfirmedPhones;
  return { keptCount, malformed };
}

/** 1 where a phone cell is blank (nothing to judge), for plainRowPhones. */
function blankCells(phones: readonly string[]): Uint8Array {
  const blank = new Uint8Array(phones.length);
  for (let cell = 0; cell < phones.length; cell++) if (phones[cell] === '') blank[cell] = 1;
  return blank;
}

/**
 * A kept row that judgeRow had to look at, as it goes out (both CSV paths): its removed phones blanked and its
 * upgraded ones given their ninth digit, each in its own cell only, then with `flagged` the cell naming the upgraded
 * columns.
 */
export function keptRowText(raw: string, verdict: RowVerdict, layout: CsvLayout, flagged: boolean): string {
  let out = raw;
  if (verdict.removed.length > 0 || verdict.upgraded.length > 0) {
    const edits = new Map<number, CellEdit>();
    for (const k of verdict.removed) edits.set(layout.phoneIndexes[k] as number, blankCell);
    for (const k of verdict.upgraded) edits.set(layout.phoneIndexes[k] as number, ninthDigitCell);
    out = editCells(raw, layout.delimiter, edits);
  }
  if (flagged) out += layout.delimiter + formatCsvField(verdict.upgraded.map((k) => layout.phoneNames[k] as string).join(' '), layout.delimiter);
  return out;
}

/** Sends the kept rows and the malformed ones (the header first, with a hygiene_error column) to the output. */
export class CsvMailingWriter {
  private layout: CsvLayout | undefined;
  private malformedHeaderWritten = false;

  constructor(
    private readonly output: MailingOutput,
    private readonly encoding: MailingEncoding = new MailingEncoding(),
    /** An extra last column of kept rows (FilterOptions.ninthDigitColumn): its name joins the header. */
    private readonly ninthDigitColumn?: string,
  ) {}

  /** Extra header fields after the ninth-digit column (order=best's reason column, bestOrder.ts), delimiter first. */
  headerSuffix = '';

  /** Starts the answer with the header line; once. */
  async begin(layout: CsvLayout): Promise<void> {
    if (this.layout) return;
    this.layout = layout;
    await this.output.begin();
    const extra = this.ninthDigitColumn === undefined ? '' : layout.delimiter + formatCsvField(this.ninthDigitColumn, layout.delimiter);
    await this.output.kept(this.encoding.bytes(layout.header.raw + extra + this.headerSuffix + layout.lineEnding));
  }

  /** `raws[0, count)`, in one piece. */
  async kept(raws: string[], count: number): Promise<void> {
    if (count === 0) return;
    const eol = this.layout!.lineEnding;
    raws.length = count;
    await this.output.kept(this.encoding.bytes(raws.join(eol) + eol));
  }

  /** Kept rows already in the mailing's bytes, line endings included (csvBytes.ts). */
  async keptBytes(bytes: Buffer): Promise<void> {
    if (bytes.length > 0) await this.output.kept(bytes);
  }

  async malformed(rows: readonly MalformedCsvRow[]): Promise<void> {
    if (rows.length === 0) return;
    const { header, delimiter, lineEnding: eol } = this.layout!;
    let text = '';
    if (!this.malformedHeaderWritten) {
      text += header.raw + delimiter + 'hygiene_error' + eol;
      this.malformedHeaderWritten = true;
    }
    for (const row of rows) text += row.raw + delimiter + formatCsvField(`linha ${row.line}: ${describeReasons(row.reasons)}`, delimiter) + eol;
    await this.output.malformed(this.encoding.bytes(text));
  }
}
