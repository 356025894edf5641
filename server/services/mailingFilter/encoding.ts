import { AppError } from '../../errors';

/**
 * The character encoding of one CSV mailing (issue 12), for two different jobs:
 * - reading: the header names and the phone cells must be seen as the characters the operator typed, so that an
 *   en dash, a no-break space or a non-breaking hyphen between digits is a separator, not "Invalid character U+00E2";
 * - writing: every byte the filter does not change goes back exactly as it came, in the input's encoding.
 *
 * The 8-bit family (UTF-8 with or without BOM, Windows-1252, latin1) keeps the former design for the row structure:
 * bytes are read as latin1, one char per byte, so every delimiter, quote and line break (all ASCII, never part of a
 * multi-byte UTF-8 sequence) is found where it is, and the text round-trips byte for byte. Only the cells that are
 * read (phones, header names) are decoded, and only when they hold a non-ASCII byte, which keeps the hot path as it
 * was. UTF-16 (LE or BE, recognised by its BOM only: without one, a file of NULs is not worth guessing at) has
 * two-byte delimiters, so it is decoded whole into JS strings (UTF-16 code units, lossless even for an unpaired
 * surrogate) and encoded back the same way.
 *
 * Which of UTF-8 and Windows-1252: a UTF-8 BOM, or the first bytes (the first chunk, usually 64 KiB) holding a
 * non-ASCII sequence, decide for the whole mailing. A mailing that starts in pure ASCII is taken as UTF-8, and a
 * phone cell that is not valid UTF-8 later on is then read as Windows-1252 (a file whose only accents come late is
 * as likely to be either). Windows-1252 rather than plain latin1: Excel "CSV (separado por vírgulas)" on Windows
 * writes it, and its 0x96 is the en dash such files put between digits.
 */
export type MailingCharset = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Windows-1252's 0x80-0x9F (0 where undefined; the rest is latin1). By hand: Node's TextDecoder('windows-1252')
 * decodes as ISO-8859-1 in the versions we run, which leaves 0x96 (the en dash) a C1 control character.
 */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c,
  0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

function windows1252(latin1Text: string): string {
  let out = '';
  for (let i = 0; i < latin1Text.length; i++) {
    const c = latin1Text.charCodeAt(i);
    const mapped = c >= 0x80 && c <= 0x9f ? CP1252_HIGH[c - 0x80] : 0;
    out += mapped ? String.fromCharCode(mapped) : latin1Text[i];
  }
  return out;
}

/** Whether `bytes` is valid UTF-8, a sequence cut by the end of the buffer included (a chunk ends anywhere). */
function validUtf8Prefix(bytes: Buffer): boolean {
  // Cut back to the start of a possibly incomplete last sequence (at most 3 continuation bytes).
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc0) end -= back; // a lead byte: its sequence may be cut, judge the bytes before it
    break;
  }
  try {
    utf8Strict.decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

function hasHighByte(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return true;
  return false;
}

/** The mailing's encoding, decided on its first bytes; then the reader's text from each chunk, and bytes back. */
export class MailingEncoding {
  private decided: MailingCharset | undefined;
  /** Bytes before the decision (fewer than a BOM's length), or the odd byte of a UTF-16 chunk. */
  private carry: Buffer = Buffer.alloc(0);

  get charset(): MailingCharset {
    return this.decided ?? 'utf-8';
  }

  private get wide(): boolean {
    return this.decided === 'utf-16le' || this.decided === 'utf-16be';
  }

  /**
   * A byte reader's start (csvBytes.ts): decides the charset on the first bytes, at least 3 of them, as text() would
   * on the same bytes.
   */
  decideOn(firstBytes: Buffer): MailingCharset {
    if (this.decided === undefined) this.decided = MailingEncoding.sniff(firstBytes);
    return this.decided;
  }

  /** The 8-bit family (UTF-8, Windows-1252): one char of the reader's text per byte. */
  get eightBit(): boolean {
    return !this.wide;
  }

  /** The reader's text for the next chunk of bytes ('' while too few bytes have come to decide). */
  text(chunk: Buffer): string {
    let bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    if (this.decided === undefined) {
      if (bytes.length < 3) {
        this.carry = bytes;
        return '';
      }
      this.decided = MailingEncoding.sniff(bytes);
    }
    if (!this.wide) return bytes.toString('latin1');
    if (bytes.length % 2 === 1) {
      this.carry = bytes.subarray(bytes.length - 1);
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return this.decodeWide(bytes);
  }

  /** The text of the bytes still held at the end of the input. */
  end(): string {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (rest.length === 0) return '';
    if (this.decided === undefined) this.decided = MailingEncoding.sniff(rest);
    if (!this.wide) return rest.toString('latin1');
    if (rest.length % 2 === 0) return this.decodeWide(rest);
    throw new AppError('INVALID_CSV', 'the mailing is UTF-16 (it starts with a UTF-16 byte order mark) but has an odd number of bytes', 'body');
  }

  /** BOM first; else UTF-8 when the first non-ASCII bytes are valid UTF-8 (or there are none), else Windows-1252. */
  static sniff(bytes: Buffer): MailingCharset {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
    return !hasHighByte(bytes) || validUtf8Prefix(bytes) ? 'utf-8' : 'windows-1252';
  }

  private decodeWide(bytes: Buffer): string {
    if (this.decided === 'utf-16le') return bytes.toString('utf16le');
    const swapped = Buffer.from(bytes);
    swapped.swap16();
    return swapped.toString('utf16le');
  }

  /**
   * What a cell of the reader's text says (phone cells, header names). The 8-bit family's text is one char per byte:
   * a cell with a byte past ASCII is decoded; an ASCII cell (nearly every phone) is returned as it is.
   */
  cellText(cell: string): string {
    if (this.wide) return cell;
    let high = false;
    for (let i = 0; i < cell.length; i++) {
      if (cell.charCodeAt(i) >= 0x80) {
        high = true;
        break;
      }
    }
    if (!high) return cell;
    if (this.decided === 'windows-1252') return windows1252(cell);
    try {
      return utf8Strict.decode(Buffer.from(cell, 'latin1'));
    } catch {
      return windows1252(cell);
    }
  }

  /** Bytes of text the filter wrote in the reader's terms: the input's own bytes where the text came from it. */
  bytes(text: string): Buffer {
    if (!this.wide) return Buffer.from(text, 'latin1');
    const out = Buffer.from(text, 'utf16le');
    if (this.decided === 'utf-16be') out.swap16();
    return out;
  }
}
