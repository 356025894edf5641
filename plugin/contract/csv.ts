/**
 * Streaming CSV reader/writer for mailings (RFC 4180 plus the lenient bits Excel users expect).
 *
 * Input is a sequence of JS strings decoded with 'latin1', so every byte maps to exactly one
 * UTF-16 code unit and `raw` round-trips the original bytes whatever the file's real encoding.
 * Chunks may be split anywhere (mid-line, mid-quote, between \r and \n).
 *
 * Rules:
 * - fields separated by the delimiter; records end at \n, \r\n or a lone \r;
 * - a field that *starts* with `"` is quoted: it may contain delimiters and line breaks, `""` is a
 *   literal quote; text between the closing quote and the next delimiter is appended literally;
 * - a `"` anywhere else in an unquoted field is literal (lenient, like Excel);
 * - empty lines are skipped (not returned, but counted in `line`);
 * - a UTF-8 BOM at the very start of the input (as latin1 "\u00EF\u00BB\u00BF", or U+FEFF) stays in the
 *   header's `raw` but is not part of its first field.
 *
 * Hot path: per record one indexOf for the line end, one bounded indexOf for `"` in the line, and
 * String#split when there is none. Records with quotes go through a charCodeAt state machine (no
 * per-character string building: values are sliced). A record that spans chunks is kept as a list of
 * pieces and joined once, so a huge quoted field fed in many chunks stays linear.
 */

export type CsvDelimiter = ',' | ';' | '\t' | '|';

export interface CsvRow {
  /** Parsed field values (quotes removed, `""` unescaped). */
  fields: string[];
  /** The record's exact text, without its line terminator. */
  raw: string;
  /** 1-based physical line where the record starts. */
  line: number;
}

/**
 * Records read in column-selective mode (see CsvReader.selectColumns), as parallel arrays: record r has raw text
 * `raws[r]`, line `lines[r]`, and the values of the selected columns at `values[r * width + k]` (k-th selected
 * column, `width` = number of selected columns; '' when the record has fewer fields).
 */
export interface CsvColumns {
  raws: string[];
  lines: number[];
  values: string[];
}

export class CsvSyntaxError extends Error {
  line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/** A record longer than the reader's `maxRecordLength`: refused as soon as that much of it is read. */
export class CsvRecordTooLongError extends CsvSyntaxError {
  constructor(
    line: number,
    readonly limit: number,
  ) {
    super(`CSV: the record starting at line ${line} is longer than ${limit} bytes`, line);
    this.name = 'CsvRecordTooLongError';
  }
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const BOM_LATIN1 = '\u00EF\u00BB\u00BF';
const BOM_UTF16 = 0xfeff;
/** Start parsing after this much input even if the first line is not complete yet (delimiter detection). */
const HEAD_LIMIT = 65536;

// Parser states.
const REC_START = 0; // at the start of a record, nothing pending
const FIELD_START = 1; // at the start of a field inside a record
const UNQUOTED = 2; // inside an unquoted field
const QUOTED = 3; // inside a quoted field
const QUOTE_SEEN = 4; // inside a quoted field, just read a `"` (closing quote or first half of `""`)
const AFTER_QUOTE = 5; // quoted field closed; any text up to the delimiter is literal

/** Most frequent of `;` `,` `\t` `|` outside double quotes; ties prefer that order; none → `,`. */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  let semi = 0;
  let comma = 0;
  let tab = 0;
  let pipe = 0;
  let inQuotes = false;
  for (let i = 0; i < headerLine.length; i++) {
    const c = headerLine.charCodeAt(i);
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes) {
      if (c === 59) semi++;
      else if (c === 44) comma++;
      else if (c === TAB) tab++;
      else if (c === 124) pipe++;
    }
  }
  let best: CsvDelimiter = ',';
  let n = 0;
  if (semi > n) { best = ';'; n = semi; }
  if (comma > n) { best = ','; n = comma; }
  if (tab > n) { best = '\t'; n = tab; }
  if (pipe > n) { best = '|'; n = pipe; }
  return best;
}

function bomLength(text: string): number {
  if (text.charCodeAt(0) === BOM_UTF16) return 1;
  return text.startsWith(BOM_LATIN1) ? 3 : 0;
}

export class CsvReader {
  private delim: CsvDelimiter | undefined;
  private delimCode = 0;
  private eol: '\n' | '\r\n' = '\n';
  private eolKnown = false;

  private started = false;
  private ended = false;
  /** Start of the input, buffered until the delimiter can be detected and a BOM recognised. */
  private head: string[] = [];
  private headLength = 0;
  /** A non-blank character has been seen in the buffered head. */
  private headNonBlank = false;

  private state = REC_START;
  /** Physical line at the current parse position. */
  private line = 1;
  private recLine = 1;
  private quoteLine = 1;
  private fields: string[] = [];
  /** Raw text of the current record from earlier chunks, and its total length. */
  private rawParts: string[] = [];
  private rawPartsLength = 0;
  /** Longest record accepted (characters = bytes, input being latin1); a longer one throws CsvRecordTooLongError. */
  private readonly maxRecordLength: number;
  /** Value of the current field from earlier chunks. */
  private fieldParts: string[] = [];
  /** The previous chunk ended with a record-terminating \r (a leading \n in the next one belongs to it). */
  private pendingCR = false;
  /** The previous chunk ended with a \r inside a quoted field (line counting needs the next char). */
  private quotedCR = false;

  /** Column-selective mode: the selected columns, their distinct indexes ascending, and where each one goes. */
  private columns: readonly number[] | undefined;
  private wanted: number[] = [];
  private slotOf: number[] = [];
  private picked: string[] = [];
  /** The selected columns are strictly ascending: values are appended as they are found. */
  private inOrder = false;
  private sink: CsvColumns = { raws: [], lines: [], values: [] };

  /**
   * `columns`: start in column-selective mode (see selectColumns), the header included.
   */
  constructor(options?: { delimiter?: CsvDelimiter; columns?: readonly number[]; maxRecordLength?: number }) {
    this.maxRecordLength = options?.maxRecordLength ?? Number.POSITIVE_INFINITY;
    if (options?.delimiter !== undefined) this.setDelimiter(options.delimiter);
    if (options?.columns !== undefined) this.selectColumns(options.columns);
  }

  /**
   * Column-selective mode for the records parsed from now on (typically called once the header has been read;
   * records already returned or parsed from an earlier chunk are not affected). push() and end() then return no
   * records: each record's raw text, line and the values of `columns` (0-based field indexes, any order, repeats
   * allowed) are appended to the arrays returned by takeColumns(), and unselected fields are not materialized.
   * `null` goes back to full records.
   */
  selectColumns(columns: readonly number[] | null): void {
    if (columns === null) {
      this.columns = undefined;
      return;
    }
    for (const c of columns) if (!Number.isInteger(c) || c < 0) throw new RangeError(`CsvReader: bad column index ${c}`);
    this.columns = columns.slice();
    this.wanted = [...new Set(columns)].sort((a, b) => a - b);
    // A Map, not indexOf per column: a header of 100k selected columns made this quadratic (17 s).
    const slotOfColumn = new Map(this.wanted.map((column, slot) => [column, slot]));
    this.slotOf = columns.map((c) => slotOfColumn.get(c) as number);
    this.picked = this.wanted.map(() => '');
    this.inOrder = this.wanted.length === columns.length && this.wanted.every((c, k) => c === columns[k]);
  }

  /**
   * Records gathered in column-selective mode since the previous call. Later records are appended to `next`
   * (default: new empty arrays), which lets a caller keep one set of arrays for records from both modes.
   */
  takeColumns(next?: CsvColumns): CsvColumns {
    const taken = this.sink;
    this.sink = next ?? { raws: [], lines: [], values: [] };
    return taken;
  }

  /** Number of records waiting in takeColumns(). */
  get columnsCount(): number {
    return this.sink.raws.length;
  }

  /**
   * Parses one record's raw text (as CsvRow.raw, read with `delimiter`) into all its fields, exactly as the reader
   * did (no BOM handling: a BOM only belongs to the header).
   */
  static parseRecord(raw: string, delimiter: CsvDelimiter): string[] {
    const reader = new CsvReader({ delimiter });
    reader.started = true;
    const out: CsvRow[] = [];
    if (raw.length > 0) reader.parse(raw, 0, out);
    if (out.length === 0) out.push(...reader.end());
    else if (reader.state !== REC_START) throw new Error('CsvReader.parseRecord: more than one record');
    return out.length === 1 ? (out[0] as CsvRow).fields : [''];
  }

  /** Selective mode, a record without any quote: only the wanted fields are sliced out of `raw`. */
  private pickRaw(raw: string, line: number): void {
    const sink = this.sink;
    sink.raws.push(raw);
    sink.lines.push(line);
    const wanted = this.wanted;
    const inOrder = this.inOrder;
    const picked = inOrder ? sink.values : this.picked;
    const delimiter = this.delim as CsvDelimiter;
    const n = wanted.length;
    let pos = 0; // start of field j
    let j = 0;
    let u = 0;
    while (u < n) {
      const target = wanted[u] as number;
      while (j < target) {
        const p = raw.indexOf(delimiter, pos);
        if (p < 0) break;
        pos = p + 1;
        j++;
      }
      if (j < target) break;
      const p = raw.indexOf(delimiter, pos);
      if (p < 0) {
        if (inOrder) picked.push(raw.slice(pos));
        else picked[u] = raw.slice(pos);
        u++;
        break;
      }
      if (inOrder) picked.push(raw.slice(pos, p));
      else picked[u] = raw.slice(pos, p);
      u++;
      pos = p + 1;
      j++;
    }
    if (inOrder) {
      for (; u < n; u++) picked.push('');
      return;
    }
    for (; u < n; u++) picked[u] = '';
    this.emitPicked();
  }

  /** Selective mode, a record parsed in full (quotes, or spanning chunks). */
  private pickFields(fields: string[], raw: string, line: number): void {
    const sink = this.sink;
    sink.raws.push(raw);
    sink.lines.push(line);
    const wanted = this.wanted;
    for (let u = 0; u < wanted.length; u++) this.picked[u] = fields[wanted[u] as number] ?? '';
    this.emitPicked();
  }

  private emitPicked(): void {
    const values = this.sink.values;
    const slotOf = this.slotOf;
    const picked = this.picked;
    for (let k = 0; k < slotOf.length; k++) values.push(picked[slotOf[k] as number] as string);
  }

  /** The delimiter in use: the configured one, or the detected one once the header has been seen. */
  get delimiter(): CsvDelimiter | undefined {
    return this.delim;
  }

  /** Line terminator of the first record ('\n' until known; a lone '\r' is reported as '\r\n'). */
  get lineEnding(): '\n' | '\r\n' {
    return this.eol;
  }

  /** Feed a chunk; returns the complete records it finished (the first one is the header). */
  push(chunk: string): CsvRow[] {
    if (this.ended) throw new Error('CsvReader: push() after end()');
    const out: CsvRow[] = [];
    if (chunk.length === 0) return out;
    if (!this.started) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (!this.headReady(chunk)) return out;
      const text = this.head.join('');
      this.head = [];
      this.start(text, out);
      return out;
    }
    this.parse(chunk, 0, out);
    return out;
  }

  /** End of input; returns the last record if any. Throws CsvSyntaxError on an unterminated quoted field. */
  end(): CsvRow[] {
    const out: CsvRow[] = [];
    if (this.ended) return out;
    this.ended = true;
    if (!this.started) {
      const text = this.head.join('');
      this.head = [];
      if (text.length === 0) return out;
      this.start(text, out);
    }
    const state = this.state;
    if (state === REC_START) return out;
    if (state === QUOTED) {
      throw new CsvSyntaxError(
        `CSV: unterminated quoted field starting at line ${this.quoteLine}`,
        this.quoteLine,
      );
    }
    // FIELD_START (trailing delimiter), UNQUOTED, QUOTE_SEEN (closing quote at EOF), AFTER_QUOTE.
    const fields = this.fields;
    fields.push(this.fieldParts.join(''));
    if (this.columns !== undefined) this.pickFields(fields, this.rawParts.join(''), this.recLine);
    else out.push({ fields, raw: this.rawParts.join(''), line: this.recLine });
    this.fields = [];
    this.fieldParts = [];
    this.rawParts = [];
    this.rawPartsLength = 0;
    this.state = REC_START;
    return out;
  }

  private setDelimiter(delimiter: CsvDelimiter): void {
    this.delim = delimiter;
    this.delimCode = delimiter.charCodeAt(0);
  }

  /**
   * Enough input to start: 3 chars (BOM) with a known delimiter, else a complete first non-blank
   * line (or HEAD_LIMIT chars). Only the newly pushed chunk is scanned.
   */
  private headReady(chunk: string): boolean {
    if (this.delim !== undefined) return this.headLength >= 3;
    if (this.headLength > HEAD_LIMIT) return true;
    for (let p = 0; p < chunk.length; p++) {
      const c = chunk.charCodeAt(p);
      const isBreak = c === LF || c === CR;
      if (this.headNonBlank && isBreak) return true;
      if (!isBreak) this.headNonBlank = true;
    }
    return false;
  }

  private start(text: string, out: CsvRow[]): void {
    this.started = true;
    if (this.delim === undefined) {
      // Detect from the first non-blank physical line.
      let p = 0;
      while (p < text.length) {
        const c = text.charCodeAt(p);
        if (c !== LF && c !== CR) break;
        p++;
      }
      let lineEnd = text.length;
      const lf = text.indexOf('\n', p);
      if (lf >= 0) lineEnd = lf;
      const cr = text.indexOf('\r', p);
      if (cr >= 0 && cr < lineEnd) lineEnd = cr;
      this.setDelimiter(detectDelimiter(text.slice(p, lineEnd)));
    }
    const bom = bomLength(text);
    if (bom > 0) {
      // The header goes through the general path: raw starts at 0, the first field after the BOM.
      this.state = FIELD_START;
      this.recLine = 1;
    }
    this.parse(text, bom, out);
  }

  private parse(text: string, i: number, out: CsvRow[]): void {
    const len = text.length;
    const delimiterCode = this.delimCode;
    const delimiter = this.delim as CsvDelimiter;
    const selective = this.columns !== undefined;
    let state = this.state;
    let line = this.line;
    let recLine = this.recLine;
    let fields = this.fields;
    let recStart = 0; // start of the current record's raw text in this chunk
    let segStart = i; // start of the not-yet-copied part of the current field
    let fieldValue = ''; // current field's value so far in this chunk (before segStart)

    // Record ends are found with one indexOf per record (always needed, so never wasted work):
    // normally for '\n' ('\r\n' is recognised by the '\r' before it); in a chunk without any '\n'
    // (old Mac files) for '\r'. Lone '\r's inside a '\n'-terminated line are found by searching
    // the line itself, which is bounded. No search result is cached: V8's optimizing compiler
    // treats String#indexOf as pure and may evaluate it ahead of the `if` guarding it, which
    // turns a "refresh the cached position when stale" pattern into a rescan per field.
    const hasLF = text.indexOf('\n', i) >= 0;
    const hasCR = text.indexOf('\r', i) >= 0;
    const term = hasLF ? '\n' : '\r';

    if (this.quotedCR) {
      this.quotedCR = false;
      if (text.charCodeAt(0) !== LF) line++;
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }

    while (i < len) {
      let recordEnd: number; // position of the terminator that ends the record (or blank line)
      if (state === REC_START) {
        let nl = text.indexOf(term, i);
        if (nl < 0) nl = len;
        recordEnd = nl;
        if (hasLF && recordEnd > i && text.charCodeAt(recordEnd - 1) === CR) recordEnd--; // \r\n (or a \r ending the chunk)
        let raw = text.slice(i, recordEnd);
        if (hasLF && hasCR) {
          const c = raw.indexOf('\r'); // a lone \r ends the record earlier
          if (c >= 0) {
            recordEnd = i + c;
            raw = raw.slice(0, c);
          }
        }
        if (raw.length > this.maxRecordLength) throw new CsvRecordTooLongError(line, this.maxRecordLength);
        if (recordEnd === i) {
          // Blank line: skip it (counted below).
        } else if (recordEnd < len && raw.indexOf('"') < 0) {
          // Fast path: a complete record without any quote.
          if (selective) this.pickRaw(raw, line);
          else out.push({ fields: raw.split(delimiter), raw, line });
          if (!this.eolKnown) {
            this.eolKnown = true;
            this.eol = text.charCodeAt(recordEnd) === CR ? '\r\n' : '\n';
          }
        } else {
          // General path: the record contains a quote or continues in the next chunk.
          state = FIELD_START;
          recStart = i;
          recLine = line;
          segStart = i;
          recordEnd = -1;
        }
      } else {
        recordEnd = -1;
      }

      if (recordEnd < 0) {
        // General state machine, one charCodeAt loop per field; runs until the record ends
        // (e >= 0) or the chunk does.
        while (i < len) {
          if (state === FIELD_START) {
            if (text.charCodeAt(i) === QUOTE) {
              state = QUOTED;
              this.quoteLine = line;
              i++;
              segStart = i;
              continue;
            }
            state = UNQUOTED;
            segStart = i;
          }
          if (state === UNQUOTED || state === AFTER_QUOTE) {
            let t = i;
            for (; t < len; t++) {
              const c = text.charCodeAt(t);
              if (c === delimiterCode || (c <= CR && (c === LF || c === CR))) break;
            }
            if (t === len) { i = len; break; }
            let v = text.slice(segStart, t);
            if (fieldValue.length !== 0) { v = fieldValue + v; fieldValue = ''; }
            if (this.fieldParts.length !== 0) {
              this.fieldParts.push(v);
              v = this.fieldParts.join('');
              this.fieldParts = [];
            }
            fields.push(v);
            if (text.charCodeAt(t) === delimiterCode) {
              i = t + 1;
              segStart = i;
              state = FIELD_START;
              continue;
            }
            recordEnd = t;
            break;
          }
          if (state === QUOTED) {
            // Up to the next quote, counting line breaks inside the field.
            let t = i;
            for (; t < len; t++) {
              const c = text.charCodeAt(t);
              if (c === QUOTE) break;
              if (c <= CR) {
                if (c === LF) line++;
                else if (c === CR) {
                  if (t + 1 === len) this.quotedCR = true; // decided by the next chunk's first char
                  else if (text.charCodeAt(t + 1) !== LF) line++; // lone \r; for \r\n the \n counts
                }
              }
            }
            if (t === len) { i = len; break; }
            if (t !== segStart) fieldValue = fieldValue.length === 0 ? text.slice(segStart, t) : fieldValue + text.slice(segStart, t);
            i = t + 1;
            segStart = i;
            state = QUOTE_SEEN;
            continue;
          }
          // QUOTE_SEEN
          if (text.charCodeAt(i) === QUOTE) {
            // `""`: keep the second quote as the start of the next segment.
            segStart = i;
            i++;
            state = QUOTED;
          } else {
            segStart = i;
            state = AFTER_QUOTE;
          }
        }

        if (recordEnd < 0) break; // chunk ended inside the record

        // Record ended at terminator e.
        let raw = text.slice(recStart, recordEnd);
        if (this.rawParts.length !== 0) {
          this.rawParts.push(raw);
          raw = this.rawParts.join('');
          this.rawParts = [];
          this.rawPartsLength = 0;
        }
        if (raw.length > this.maxRecordLength) throw new CsvRecordTooLongError(recLine, this.maxRecordLength);
        if (selective) this.pickFields(fields, raw, recLine);
        else out.push({ fields, raw, line: recLine });
        fields = [];
        state = REC_START;
        if (!this.eolKnown) {
          this.eolKnown = true;
          this.eol = text.charCodeAt(recordEnd) === CR ? '\r\n' : '\n';
        }
      }

      // Consume the terminator at e.
      if (text.charCodeAt(recordEnd) === CR) {
        if (recordEnd + 1 < len) i = text.charCodeAt(recordEnd + 1) === LF ? recordEnd + 2 : recordEnd + 1;
        else { i = len; this.pendingCR = true; }
      } else {
        i = recordEnd + 1;
      }
      line++;
    }

    if (state !== REC_START) {
      // The chunk ended inside a record: carry its pieces over.
      const piece = fieldValue + text.slice(segStart, len);
      if (piece.length !== 0) this.fieldParts.push(piece);
      this.rawParts.push(text.slice(recStart, len));
      this.rawPartsLength += len - recStart;
      // Checked as the pieces pile up, so a record without an end never holds more than the limit plus one chunk.
      if (this.rawPartsLength > this.maxRecordLength) throw new CsvRecordTooLongError(recLine, this.maxRecordLength);
    }
    this.state = state;
    this.line = line;
    this.recLine = recLine;
    this.fields = fields;
  }
}

/** Quote a field when needed: delimiter, quote, CR, LF, leading/trailing space or tab, or a leading BOM. */
export function formatCsvField(value: string, delimiter: CsvDelimiter): string {
  const n = value.length;
  if (n === 0) return value;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  let needs =
    first === SPACE || first === TAB || last === SPACE || last === TAB ||
    value.indexOf(delimiter) >= 0 ||
    value.indexOf('\n') >= 0 ||
    value.indexOf('\r') >= 0 ||
    bomLength(value) > 0;
  const hasQuote = value.indexOf('"') >= 0;
  if (hasQuote) needs = true;
  if (!needs) return value;
  return '"' + (hasQuote ? value.split('"').join('""') : value) + '"';
}

/**
 * One record, without a line terminator. A record made of a single empty field is written as `""`
 * so it does not read back as a (skipped) blank line.
 */
export function formatCsvRow(fields: readonly string[], delimiter: CsvDelimiter): string {
  if (fields.length === 1 && fields[0] === '') return '""';
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) out += delimiter;
    out += formatCsvField(fields[i] as string, delimiter);
  }
  return out;
}

/** All the fields of one record's raw text (CsvRow.raw, or CsvColumns.raws[r]), exactly as CsvReader read them. */
export function parseCsvRecord(raw: string, delimiter: CsvDelimiter): string[] {
  return CsvReader.parseRecord(raw, delimiter);
}
