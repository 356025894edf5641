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
