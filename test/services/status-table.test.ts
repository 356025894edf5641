import { StatusTable, splitPseudonym } from '../../server/services/statusTable';

describe('StatusTable', () => {
  it('when statuses are set and the table grows, then every pseudonym keeps its status and unknown ones read clean', () => {
    const table = new StatusTable(4);
    const keys = Array.from({ length: 5000 }, (_v, i) => splitPseudonym(BigInt(i) * 0x9e3779b97f4a7c15n - 3n));
    keys.forEach((key, i) => {
      table.set(key.hi, key.lo, 1 + (i % 2), i + 1);
    });
    keys.forEach((key, i) => {
      expect(table.get(key.hi, key.lo)).toBe(1 + (i % 2));
    });
    expect(table.size).toBe(5000);
    const unknown = splitPseudonym(123456789n);
    expect(table.get(unknown.hi, unknown.lo)).toBe(0);
  });

  it('when an older version arrives after a newer one (a poll read before a local commit), then the newer status stays', () => {
    const table = new StatusTable();
    const { hi, lo } = splitPseudonym(-42n);
    table.set(hi, lo, 1, 10);
    table.set(hi, lo, 2, 12);
    table.set(hi, lo, 1, 11);
    expect(table.get(hi, lo)).toBe(2);
    table.set(hi, lo, 0, 13);
    expect(table.get(hi, lo)).toBe(0);
  });
});

describe('StatusTable sizing', () => {
  it('when room is reserved for n numbers, then n inserts never grow the table, and it is at most 3/4 full', () => {
    const count = 3000;
    const table = new StatusTable(4);
    table.reserve(count);
    const reserved = table.byteLength;
    expect(count / (reserved / 17)).toBeLessThanOrEqual(0.75);
    expect(count / (reserved / 17)).toBeGreaterThan(0.75 / 2);
    for (let i = 0; i < count; i++) {
      const { hi, lo } = splitPseudonym(BigInt.asIntN(64, BigInt(i) * 0x9e3779b97f4a7c15n));
      table.set(hi, lo, 1, i);
    }
    expect(table.byteLength).toBe(reserved);
    expect(StatusTable.capacityFor(count) * 17).toBe(reserved);
  });

  it('when pseudonyms arrive in ascending order (the start-up load), then lookups find each one and misses read clean', () => {
    const table = new StatusTable(2);
    const keys = Array.from({ length: 4000 }, (_v, i) => splitPseudonym(-(1n << 63n) + BigInt(i) * 4_611_686_018_427_387n));
    keys.forEach((key, i) => {
      table.set(key.hi, key.lo, 1 + (i % 3), i);
    });
    keys.forEach((key, i) => {
      expect(table.get(key.hi, key.lo)).toBe(1 + (i % 3));
    });
    const { hi, lo } = splitPseudonym(12_345n);
    expect(table.get(hi, lo)).toBe(0);
  });
});
