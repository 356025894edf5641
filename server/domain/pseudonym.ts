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

/** Each number (E.164 digits) as one block (lo, hi, phone tag, 0) encrypted under `key`: a batch of pseudonyms. */
function phoneBatch(key: Buffer, digits: ArrayLike<number>, count: number): PseudonymBatch {
  // Packed through a Uint32Array view (little-endian hosts, checked above): 8x faster than writeUInt32LE.
  const words = new Uint32Array(count * 4);
  for (let i = 0, w = 0; i < count; i++, w += 4) {
    const value = digits[i] as number;
    const hi = Math.floor(value / 0x1_0000_0000);
    words[w] = value - hi * 0x1_0000_0000;
    words[w + 1] = hi;
    words[w + 2] = PHONE_TAG;
  }
  return new PseudonymBatch(ecb(key, Buffer.from(words.buffer, 0, count * 16)), count);
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
  private readonly contactKey: Buffer;
  private readonly tenantListKey: Buffer;
  private readonly tenantListKeys = new Map<string, Buffer>();

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 16) throw new Error('pseudonym key must be 16 bytes');
    this.phoneKey = deriveKey(masterKey, 'phone-pseudonym-v1');
    this.sourceKey = deriveKey(masterKey, 'source-pseudonym-v1');
    this.watchKey = deriveKey(masterKey, 'watch-token-v1');
    this.contactKey = deriveKey(masterKey, 'tenant-contact-v1');
    this.tenantListKey = deriveKey(masterKey, 'tenant-list-v1');
  }

  /** Pseudonyms of valid E.164 digit numbers (e.g. 5511912345678), one cipher call for the whole batch. */
  phones(digits: ArrayLike<number>, count = digits.length): PseudonymBatch {
    return phoneBatch(this.phoneKey, digits, count);
  }

  /**
   * Pseudonyms of a tenant's own suppression entries (services/suppression.ts): the same batch construction as
   * phones() under a key of the tenant's own (HMAC of the tenant id under a key derived from the server's), so its
   * lists match neither the pool nor another tenant's, at the cost of one cipher call per mailing batch.
   */
  tenantPhones(tenantId: string, digits: ArrayLike<number>, count = digits.length): PseudonymBatch {
    let key = this.tenantListKeys.get(tenantId);
    if (!key) {
      key = createHmac('sha256', this.tenantListKey).update(tenantId).digest().subarray(0, 16);
      if (this.tenantListKeys.size >= 10_000) this.tenantListKeys.clear();
      this.tenantListKeys.set(tenantId, key);
    }
    return phoneBatch(key, digits, count);
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

  /**
   * Tenant-keyed pseudonyms of a tenant's contacts (CPFs, the dialer's contact ids) and contact–phone pairs, for the
   * right-party states (server/services/rightParty.ts). The key is derived from the server's key and the tenant id,
   * so the same CPF in two tenants gives unrelated values: the database cannot link a person across tenants, and
   * without the server's key it cannot test a guessed CPF (11 digits is a small space, like a phone number).
   */
  forTenant(tenantId: string): TenantPseudonyms {
    return new TenantPseudonyms(createHmac('sha256', this.contactKey).update(tenantId).digest());
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

/** One tenant's keyed pseudonyms (Pseudonymizer.forTenant): HMAC-SHA256 under the tenant's key, first 64 bits. */
export class TenantPseudonyms {
  constructor(private readonly key: Buffer) {}

  /** A contact, by its key text (domain/rightParty.ts contactKeyText: "cpf:<11 digits>" or "id:<contact id>"). */
  contact(keyText: string): bigint {
    return createHmac('sha256', this.key).update('c\u0000').update(keyText).digest().readBigInt64LE(0);
  }

  /** A contact–phone pair: the phone (E.164 digits) is bound under the tenant's key too, so no global phone pseudonym links pairs across tenants. */
  pair(contact: bigint, digits: number): bigint {
    return createHmac('sha256', this.key).update(`p\u0000${contact}\u0000${digits}`).digest().readBigInt64LE(0);
  }
}
