import { invalid } from '../errors';

/**
 * Keyset pagination of the lists that grow with use (campaigns, mailings, dialer keys): `limit` rows after the row
 * an opaque cursor names, ordered by creation time then id, so a page never skips or repeats a row when rows are
 * added meanwhile. A list answer keeps its own field (`campaigns`, `mailings`, `keys`) and adds `next`: the cursor
 * of the following page, or null on the last one.
 */
export type PageRequest = { limit: number; cursor?: string };

export type Page<T> = { items: T[]; next: string | null };

type Keyed = { createdAt: Date; id: string };

/** The cursor of a row: its creation time and id, base64url (opaque to clients). */
export const encodeCursor = (row: Keyed) => Buffer.from(`${row.createdAt.toISOString()}|${row.id}`, 'utf8').toString('base64url');

/** The row a cursor names; a cursor that is not one of ours is VALIDATION_FAILED on `cursor`. */
export function decodeCursor(cursor: string): Keyed {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) throw invalid('cursor', 'must be the "next" of a previous page');
  return { createdAt, id };
}

/** Prisma `where` and `orderBy` for the page after `cursor`, oldest first ('asc') or newest first ('desc'). */
export function keyset(page: PageRequest, direction: 'asc' | 'desc') {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const beyond = direction === 'asc' ? 'gt' : 'lt';
  return {
    where: after ? { OR: [{ createdAt: { [beyond]: after.createdAt } }, { createdAt: after.createdAt, id: { [beyond]: after.id } }] } : {},
    orderBy: [{ createdAt: direction }, { id: direction }],
    take: page.limit + 1,
  };
}

/** Cuts the extra row fetched by `keyset` off and makes the `next` cursor from the last row shown. */
export function pageOf<Row extends Keyed>(rows: Row[], page: PageRequest): Page<Row> {
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > page.limit && last ? encodeCursor(last) : null };
}
