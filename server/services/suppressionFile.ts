import { parsePhone, parsePhoneFast } from '../domain/phone';
import { AppError } from '../errors';
import type { Refused } from './suppression';

/** Numbers handed to the writer at a time: one cipher call and one INSERT per batch. */
const BATCH = 10_000;
const MAX_REFUSALS_LISTED = 50;
const CELL_SEPARATOR = /[,;\t|]/;

/**
 * Reads a suppression file: a plain list (one number per line) or a CSV (`,` `;` tab or `|`), the number being the
 * first cell that reads as a Brazilian phone, so a "nome;telefone" export and a bare list both work. A first line
 * with no phone is a header; any other such line is refused (counted, the first ones listed by line, never the
 * text). Bytes past `maxBytes` stop the import with PAYLOAD_TOO_LARGE before anything more is read.
 */
export async function readPhoneLines(
  body: AsyncIterable<Buffer | string>,
  maxBytes: number,
  write: (digits: number[]) => Promise<void>,
): Promise<{ lines: number; refused: number; firstRefusals: Refused[] }> {
  let bytes = 0;
  let rest = '';
  let lineNumber = 0;
  let refused = 0;
  const firstRefusals: Refused[] = [];
  let pending: number[] = [];

  const take = async (line: string) => {
    lineNumber++;
    const text = line.trim();
    if (text === '') return;
    for (const cell of text.split(CELL_SEPARATOR)) {
      const digits = parsePhoneFast(cell.trim().replace(/^"|"$/g, ''));
      if (digits >= 0) {
        pending.push(digits);
        if (pending.length >= BATCH) {
          const batch = pending;
          pending = [];
          await write(batch);
        }
        return;
      }
    }
    if (lineNumber === 1) return; // a header
    refused++;
    if (firstRefusals.length < MAX_REFUSALS_LISTED) {
      const first = text.split(CELL_SEPARATOR)[0] ?? '';
      const parsed = parsePhone(first);
      firstRefusals.push({ at: lineNumber, code: parsed.ok ? 'NO_PHONE' : parsed.code, message: parsed.ok ? 'no phone in the line' : parsed.message });
    }
  };

  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `the file is larger than the limit of ${maxBytes} bytes`, 'body');
    const lines = (rest + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'))).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) await take(line);
  }
  if (rest) await take(rest);
  if (pending.length > 0) await write(pending);
  return { lines: lineNumber, refused, firstRefusals };
}
