import { createCipheriv, createHash, createHmac } from 'node:crypto';

/**
 * Keyed pseudonyms of phone numbers. A plain hash of a phone number can be reversed by brute force (Brazil has
 * under 10^12 possible numbers), so each number is encrypted under a 128-bit key held only by the server:
 * AES-128 of one block (the E.164 digits + a domain tag) is a keyed permutation, and the first 64 bits of it are
 * the pseudonym. Encrypting a whole batch as one ECB buffer costs one cipher call per batch instead of one
 * HMAC per number (measured 20x faster). Truncation to 64 bits makes collisions possible but rare: about
 * n²/2^65, i.e. 1e-5 for 20M numbers (docs/architecture.md).
 *
 * A pseudonym is (hi, lo) int32 pairs on the hot path (no BigInt allocation) and a signed 64-bit integer in SQL.
 */
const PHONE_TAG = 0x68796770; // "hygp"
const WATCH_TAG = 0x68796777; // "hygw"
/** Watch tokens keep 20 bits: each stands for ~1,000 of Brazil's ~10^9 numbers, so a token names no number. */
export const WATCH_TOKEN_BITS = 20;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('pseudonyms are packed for little-endian hosts (x86-64, arm64)');
}

function deriveKey(master: Buffer, label: string): Buffer {
  return createHash('sha256').update(master).update(label).digest().subarray(0, 16);
}

function ecb(key: Buffer, blocks: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  const out = cipher.update(blocks);
  // Int32Array views need 4-byte alignment; Node's pooled buffers do not promise it.
  return out.byteOffset % 4 === 0 ? out : Buffer.from(out);
}

/** One block per pseudonym of a batch: (lo, hi, tag, extra), the input of the keys derived from it. */
function blocksOf(numbers: PseudonymBatch, tag: number, extra: number): Buffer {
  const words = new Uint32Array(numbers.length * 4);
  for (let i = 0, w = 0; i < numbers.length; i++, w += 4) {
    words[w] = numbers.lo(i);
    words[w + 1] = numbers.hi(i);
    words[w + 2] = tag;
    words[w + 3] = extra;
  }
  return Buffer.from(words.buffer, 0, numbers.length * 16);
}

/** A batch of pseudonyms: block i's 64-bit value is (hi = words[4i + 1], lo = words[4i]). */
export class PseudonymBatch {
  readonly words: Int32Array;
  constructor(private readonly bytes: Buffer, readonly length: number) {
    this.words = new Int32Array(bytes.buffer, bytes.byteOffset, length * 4);
  }
  lo(i: number): number {
    return this.words[4 * i] as number;
  }
  hi(i: number): number {
    return this.words[4 * i + 1] as number;
  }
  bigint(i: number): bigint {
    return this.bytes.readBigInt64LE(16 * i);
  }
}

export class Pseudonymizer {
  private readonly phoneKey: Buffer;
  private readonly sourceKey: Buffer;
  private readonly watchKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 16) throw new Error('pseudonym key must be 16 bytes');
    this.phoneKey = deriveKey(masterKey, 'phone-pseudonym-v1');
    this.sourceKey = deriveKey(masterKey, 'source-pseudonym-v1');
    this.watchKey = deriveKey(masterKey, 'watch-token-v1');
  }

  /** Pseudonyms of valid E.164 digit numbers (e.g. 5511912345678), one cipher call for the whole batch. */
  phones(digits: ArrayLike<number>, count = digits.length): PseudonymBatch {
    // Packed through a Uint32Array view (little-endian hosts, checked below): 8x faster than writeUInt32LE.
    const words = new Uint32Array(count * 4);
    for (let i = 0, w = 0; i < count; i++, w += 4) {
      const value = digits[i] as number;
      const hi = Math.floor(value / 0x1_0000_0000);
      words[w] = value - hi * 0x1_0000_0000;
      words[w + 1] = hi;
      words[w + 2] = PHONE_TAG;
    }
    return new PseudonymBatch(ecb(this.phoneKey, Buffer.from(words.buffer, 0, count * 16)), count);
  }

  phone(digits: number): bigint {
    return this.phones([digits]).bigint(0);
  }

  /**
   * A tenant's source pseudonym in the shared history (server/domain/trust.ts): the evidence ledger groups a
   * tenant's marks under it, so rates and caps apply per tenant and the operator can quarantine a tenant, while
   * the database alone cannot name the tenant (the key stays with the server). Never 0, the legacy source.
   */
  source(tenantId: string): bigint {
    const value = createHmac('sha256', this.sourceKey).update(tenantId).digest().readBigInt64LE(0);
    return value === 0n ? 1n : value;
  }

  /**
   * Short, ambiguous tokens of numbers for "numbers:invalidated" pushes: a dialer learns the tokens of the
   * numbers it holds (POST /v1/watch-tokens) and, when a pushed token matches one, re-checks that number. The
   * server keeps no list of who holds what, and a pushed token does not reveal a number the dialer lacks.
   */
  watchTokens(numbers: PseudonymBatch): number[] {
    const out = ecb(this.watchKey, blocksOf(numbers, WATCH_TAG, 0));
    const tokens = new Array<number>(numbers.length);
    for (let i = 0; i < numbers.length; i++) tokens[i] = out.readUInt32LE(16 * i) >>> (32 - WATCH_TOKEN_BITS);
    return tokens;
  }

  /** The pseudonym batch of 64-bit pseudonyms already known (status changes). */
  static fromPseudonyms(values: readonly bigint[]): PseudonymBatch {
    const bytes = Buffer.alloc(values.length * 16);
    values.forEach((value, i) => {
      bytes.writeBigInt64LE(value, 16 * i);
    });
    return new PseudonymBatch(bytes, values.length);
  }
}
