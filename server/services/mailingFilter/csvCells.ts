import type { CsvDelimiter } from '../../../plugin/contract/csv';
import { withNinthDigit } from '../../domain/phone';

/**
 * Edits of single cells in one CSV record's raw text, leaving every other byte of the record as it came: quoting,
 * spacing, the other fields' escapes (issue 12: a row with a blanked phone was re-serialized and lost the quotes of
 * every other field). The record is cut into fields as plugin/contract/csv.ts reads it, so a cell edited here is the
 * cell the filter judged.
 */

/** A change to one cell's raw text (quotes included, as it stands between its delimiters). */
export type CellEdit = (rawCell: string) => string;

/** A removed phone: the cell left empty, a quoted one as `""` so the row keeps its quoting style. */
export const blankCell: CellEdit = (rawCell) => (rawCell.charCodeAt(0) === QUOTE ? '""' : '');

/**
 * A legacy mobile given its ninth digit: the 9 goes in the cell's own spelling (domain/phone.ts withNinthDigit).
 * Digits are ASCII and never part of a quote escape or of a multi-byte character, so the raw cell can be edited as
 * it stands, quoted or not, in any of the 8-bit encodings.
 */
export const ninthDigitCell: CellEdit = (rawCell) => withNinthDigit(rawCell);

const QUOTE = 34;

/**
 * Where each field of `raw` starts and ends: [start0, end0, start1, end1, …], ends exclusive. A field starting with
 * `"` runs to its closing quote (`""` is an escaped quote) and then, literally, to the next delimiter; any other
 * field runs to the next delimiter. Line breaks inside quotes are part of the record, as in the reader.
 */
export function fieldBounds(raw: string, delimiter: CsvDelimiter): number[] {
  const bounds: number[] = [];
  let start = 0;
  for (;;) {
    let scanFrom = start;
    if (raw.charCodeAt(start) === QUOTE) {
      let i = start + 1;
      for (;;) {
        const quote = raw.indexOf('"', i);
        if (quote < 0) {
          i = raw.length;
          break;
        }
        if (raw.charCodeAt(quote + 1) === QUOTE) {
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      scanFrom = i;
    }
    const next = raw.indexOf(delimiter, scanFrom);
    const end = next < 0 ? raw.length : next;
    bounds.push(start, end);
    if (next < 0) return bounds;
    start = next + 1;
  }
}

/**
 * `raw` with the cells at the given field indexes changed by their edits, everything else untouched. A field index
 * past the record's last field (a short row) has nothing to edit: the cell was read as empty.
 */
export function editCells(raw: string, delimiter: CsvDelimiter, edits: ReadonlyMap<number, CellEdit>): string {
  const bounds = fieldBounds(raw, delimiter);
  let out = '';
  let copied = 0;
  const ordered = [...edits.keys()].sort((a, b) => a - b);
  for (const field of ordered) {
    if (2 * field >= bounds.length) break;
    const start = bounds[2 * field] as number;
    const end = bounds[2 * field + 1] as number;
    out += raw.slice(copied, start) + (edits.get(field) as CellEdit)(raw.slice(start, end));
    copied = end;
  }
  return out + raw.slice(copied);
}
