/**
 * How much a secret a person chose could be guessed, estimated the way a guesser would attack it: a character
 * costs log2 of the alphabet its classes imply (hex alone is 16 symbols; otherwise lowercase 26, uppercase 26,
 * digits 10, anything else 33), except a character a pattern predicts, which costs 1 bit:
 * - it continues a run (the same step as the two before it: "aaaa", "1234", "fedc");
 * - it ends a 4-character sequence already seen earlier in the token ("abcdabcd…", "pass1pass2…").
 *
 * Why not "distinct characters ≥ 16": a random 32-character hex token (openssl rand -hex 16, 128 bits) has only
 * 14 distinct characters on average and would fail it half the time, while "0123456789abcdef…" passes it. The
 * estimate above gives random tokens nearly their full entropy (runs and repeated 4-grams are rare in them:
 * ~1 character in 85 for hex) and patterned ones almost none. It is a floor against mistakes (a placeholder, a
 * word repeated to reach the length), not a proof of randomness: dictionary words are counted as random.
 */
export const MIN_SECRET_BITS = 128;

const HEX = /^(?:[0-9a-f]+|[0-9A-F]+)$/;

function alphabetSize(token: string): number {
  if (HEX.test(token)) return 16;
  let size = 0;
  if (/[a-z]/.test(token)) size += 26;
  if (/[A-Z]/.test(token)) size += 26;
  if (/[0-9]/.test(token)) size += 10;
  if (/[^a-zA-Z0-9]/.test(token)) size += 33;
  return size;
}

/** Estimated bits of entropy of `token` (see the head of this file). */
export function estimatedEntropyBits(token: string): number {
  if (token.length === 0) return 0;
  const randomCharBits = Math.log2(Math.max(2, alphabetSize(token)));
  const seenQuadgrams = new Set<string>();
  let bits = 0;
  for (let index = 0; index < token.length; index++) {
    const step = index >= 1 ? token.charCodeAt(index) - token.charCodeAt(index - 1) : Number.NaN;
    const previousStep = index >= 2 ? token.charCodeAt(index - 1) - token.charCodeAt(index - 2) : Number.NaN;
    const continuesRun = Math.abs(step) <= 1 && step === previousStep;
    const quadgram = index >= 3 ? token.slice(index - 3, index + 1) : '';
    const repeatsEarlier = quadgram !== '' && seenQuadgrams.has(quadgram);
    if (quadgram) seenQuadgrams.add(quadgram);
    bits += continuesRun || repeatsEarlier ? 1 : randomCharBits;
  }
  return Math.floor(bits);
}
