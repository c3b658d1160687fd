/**
 * Cursor pagination, newest first, for every list endpoint: a page of `limit` items and an opaque
 * `nextCursor` naming the last item's (createdAt, id); the next page holds what sorts after it.
 * A cursor this API did not hand out answers 400, never 500.
 */
import { Type, type TSchema } from 'typebox';
import { HttpError } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;

/** Query-string fields of every list endpoint. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE, description: 'Items per page' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

/** The response shape of a list endpoint. */
export const Page = <T extends TSchema>(item: T, title: string) =>
  Type.Object(
    { items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }) },
    { title },
  );

export interface Cursor {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (row: Cursor): string => Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');

/** The position a cursor names; 400 when it is not one this API returned. */
export function decodeCursor(cursor: string): Cursor {
  const [iso = '', id = '', extra] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso);
  const t = createdAt.getTime();
  // Only dates the database can hold (the year range of a Postgres timestamptz we ever write).
  if (extra !== undefined || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(t) || createdAt.getUTCFullYear() < 1970 || createdAt.getUTCFullYear() > 9999) {
    throw new HttpError(400, 'querystring.cursor is not a cursor this API returned', { code: 'VALIDATION_FAILED' });
  }
  return { createdAt, id };
}

/** Given up to `limit + 1` rows newest first, the page and the cursor to the next one. */
export function toPage<T extends Cursor>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
