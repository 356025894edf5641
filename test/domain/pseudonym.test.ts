import { createCipheriv, createHash } from 'node:crypto';
import { Pseudonymizer, WATCH_TOKEN_BITS } from '../../server/domain/pseudonym';

const MASTER = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

/** Reference: the documented construction, written the slow, obvious way. */
function referencePseudonym(master: Buffer, e164: number): bigint {
  const key = createHash('sha256').update(master).update('phone-pseudonym-v1').digest().subarray(0, 16);
  const block = Buffer.alloc(16);
  block.writeUInt32LE(e164 % 2 ** 32, 0);
  block.writeUInt32LE(Math.floor(e164 / 2 ** 32), 4);
  block.writeUInt32LE(0x68796770, 8);
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return cipher.update(block).readBigInt64LE(0);
}

describe('pseudonyms', () => {
  const pseudonymizer = new Pseudonymizer(MASTER);
  const numbers = [5511987654321, 552134567890, 5599999999999, 551120000000, 5511912345678];

  it('when a batch is pseudonymized, then each value equals the documented AES-128 construction (so stored histories stay valid)', () => {
    const batch = pseudonymizer.phones(numbers);
    numbers.forEach((n, i) => {
      expect(batch.bigint(i)).toBe(referencePseudonym(MASTER, n));
    });
  });

  it('when a batch has thousands of numbers, then the packed fast path still matches the reference for every one', () => {
    const many = Array.from({ length: 5000 }, (_v, i) => 5511900000000 + i * 7919);
    const batch = pseudonymizer.phones(many);
    const sample = [0, 1, 2499, 4998, 4999];
    for (const i of sample) expect(batch.bigint(i)).toBe(referencePseudonym(MASTER, many[i]!));
    expect(new Set(many.map((_n, i) => batch.bigint(i))).size).toBe(many.length);
  });

  it('when the key differs, then the pseudonyms differ (a plain hash would not)', () => {
    const other = new Pseudonymizer(Buffer.from('ff0102030405060708090a0b0c0d0e0f', 'hex'));
    expect(other.phone(numbers[0]!)).not.toBe(pseudonymizer.phone(numbers[0]!));
  });

  it('when two tenants report, then their source pseudonyms differ, are stable, and never the legacy source 0', () => {
    const a = pseudonymizer.source('tenant-a');
    const b = pseudonymizer.source('tenant-b');
    expect(a).not.toBe(b);
    expect(pseudonymizer.source('tenant-a')).toBe(a);
    expect(a).not.toBe(0n);
    expect(new Pseudonymizer(Buffer.from('ff0102030405060708090a0b0c0d0e0f', 'hex')).source('tenant-a')).not.toBe(a);
  });

  it('when watch tokens are made, then they are 20-bit, stable and shared by many numbers across the space', () => {
    const tokens = pseudonymizer.watchTokens(pseudonymizer.phones(numbers));
    for (const token of tokens) expect(token).toBeGreaterThanOrEqual(0);
    for (const token of tokens) expect(token).toBeLessThan(2 ** WATCH_TOKEN_BITS);
    expect(pseudonymizer.watchTokens(pseudonymizer.phones(numbers))).toEqual(tokens);
    const many = Array.from({ length: 200_000 }, (_v, i) => 5511900000000 + i);
    const distinct = new Set(pseudonymizer.watchTokens(pseudonymizer.phones(many))).size;
    expect(distinct).toBeLessThan(many.length); // collisions exist by design: a token names no single number
  });
});
