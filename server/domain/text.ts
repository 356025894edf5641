/**
 * Text PostgreSQL cannot store as sent. A NUL (U+0000) is refused by every text column ("invalid byte sequence
 * for encoding UTF8: 0x00"), so it used to fail a whole statement, a whole outcome batch with it. An unpaired
 * UTF-16 surrogate (JSON allows "\ud800") has no UTF-8 form: the driver writes U+FFFD instead, so the stored value
 * differs from the one sent and a lookup by the sent value misses. Both are refused at the edge, per field (and per
 * item in a batch), by the one check below: `dbSafeText` (server/http/validate.ts) for the zod schemas, and the
 * outcome items' own field check.
 */

// One scan for the common case (plain text); the precise checks run only when something suspicious is there.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL (which PostgreSQL text refuses) is the point.
const SUSPECT = /[\u0000\ud800-\udfff]/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the database cannot store `text` as it is, or undefined when it can. */
export function unstorableTextProblem(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined;
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `must not contain a NUL character (\\u0000, at position ${nul})`;
  const surrogate = UNPAIRED_SURROGATE.exec(text);
  if (surrogate) return `must not contain an unpaired UTF-16 surrogate (\\u${surrogate[0].charCodeAt(0).toString(16)}, at position ${surrogate.index}): it is not valid Unicode`;
  return undefined;
}
