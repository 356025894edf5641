import { openPostgres, type Database } from '../../server/db/database';
import { loadByCopy, loadByKeyset, StatusCopyReader } from '../../server/services/statusLoad';
import { StatusTable, splitPseudonym } from '../../server/services/statusTable';
import { dropSchema, testDatabaseUrl, uniqueId } from '../support/harness';

type Row = { pseudonym: bigint; status: number; version: bigint };

/** A binary COPY stream of (pseudonym int8, status int2, status_version int8) rows, as PostgreSQL writes it. */
function copyStream(rows: readonly Row[], extension = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(19 + extension.length);
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').copy(header, 0);
  header.writeInt32BE(0, 11);
  header.writeInt32BE(extension.length, 15);
  extension.copy(header, 19);
  const body = Buffer.alloc(rows.length * 32);
  rows.forEach((row, i) => {
    const at = i * 32;
    body.writeInt16BE(3, at);
    body.writeInt32BE(8, at + 2);
    body.writeBigInt64BE(row.pseudonym, at + 6);
    body.writeInt32BE(2, at + 14);
    body.writeInt16BE(row.status, at + 18);
    body.writeInt32BE(8, at + 20);
    body.writeBigInt64BE(row.version, at + 24);
  });
  return Buffer.concat([header, body, Buffer.from([0xff, 0xff])]);
}

const sampleRows = (count: number): Row[] =>
  Array.from({ length: count }, (_unused, i) => ({
    pseudonym: BigInt.asIntN(64, BigInt(i) * 0x9e3779b97f4a7c15n - 0x7fff_ffff_0000_0000n),
    status: 1 + (i % 3),
    // Versions past 2^32: the reader joins the two halves without a BigInt.
    version: 5_000_000_000n + BigInt(i),
  }));

function expectTableHolds(table: StatusTable, rows: readonly Row[]): void {
  expect(table.size).toBe(rows.length);
  for (const row of rows) {
    const { hi, lo } = splitPseudonym(row.pseudonym);
    expect(table.get(hi, lo)).toBe(row.status);
  }
}

describe('StatusCopyReader', () => {
  it('when the stream is cut into chunks of any size, then every row lands in the table once', () => {
    const rows = sampleRows(200);
    const stream = copyStream(rows, Buffer.from('ext'));
    for (const size of [1, 2, 3, 7, 19, 31, 32, 33, 64, 1000, stream.length]) {
      const table = new StatusTable(4);
      const reader = new StatusCopyReader(table);
      for (let at = 0; at < stream.length; at += size) reader.feed(stream.subarray(at, at + size));
      expect(reader.finish()).toBe(rows.length);
      expectTableHolds(table, rows);
    }
  });

  it('when a newer version was set before an older row arrives, then the newer status stays', () => {
    const table = new StatusTable();
    const [row] = sampleRows(1) as [Row];
    const { hi, lo } = splitPseudonym(row.pseudonym);
    table.set(hi, lo, 2, Number(row.version) + 1);
    const reader = new StatusCopyReader(table);
    reader.feed(copyStream([{ ...row, status: 1 }]));
    reader.finish();
    expect(table.get(hi, lo)).toBe(2);
  });

  it('when the stream stops before its trailer, or is not a COPY of those three columns, then the load fails', () => {
    const stream = copyStream(sampleRows(3));
    const truncated = new StatusCopyReader(new StatusTable());
    truncated.feed(stream.subarray(0, stream.length - 2));
    expect(() => truncated.finish()).toThrow(/without its trailer/);
    expect(() => new StatusCopyReader(new StatusTable()).feed(Buffer.from('not a copy stream at all'))).toThrow(/not a binary COPY/);
    const wrongLayout = Buffer.from(stream);
    wrongLayout.writeInt32BE(4, 19 + 14); // status as an int4
    expect(() => new StatusCopyReader(new StatusTable()).feed(wrongLayout)).toThrow(/row layout/);
  });
});

describe('start-up load on PostgreSQL', () => {
  const schema = uniqueId('status_load');
  let db: Database;

  beforeAll(async () => {
    db = await openPostgres({ url: testDatabaseUrl, schema, poolSize: 3 });
  });

  afterAll(async () => {
    await db.close();
    await dropSchema(schema);
  });

  it('when the history holds clean and non-clean rows on both sides of zero, then the binary COPY loads exactly what the keyset pages load', async () => {
    const rows = sampleRows(3000);
    const clean = Array.from({ length: 1000 }, (_unused, i) => ({ pseudonym: BigInt.asIntN(64, BigInt(i) * 0x51_7cc1_b727_220an + 17n), status: 0, version: 0n }));
    await db.runScript(
      `INSERT INTO number_history (pseudonym, status, status_version) VALUES ${[...rows, ...clean].map((row) => `(${row.pseudonym}, ${row.status}, ${row.version})`).join(', ')}`,
    );
    const byCopy = new StatusTable(4);
    const byKeyset = new StatusTable(4);
    expect(await loadByCopy(db.copyOut!, byCopy)).toBe(rows.length);
    expect(await loadByKeyset(db.prisma, byKeyset)).toBe(rows.length);
    expectTableHolds(byCopy, rows);
    expectTableHolds(byKeyset, rows);
    for (const row of clean) {
      const { hi, lo } = splitPseudonym(row.pseudonym);
      expect(byCopy.get(hi, lo)).toBe(0);
    }
  });
});
