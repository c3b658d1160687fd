/**
 * Plain parameterised SQL for hot paths (the job ledger), beside Prisma, which keeps the schema,
 * the migrations and every other query. One signature over three executors:
 *   - the pg Pool on Postgres: a `name` makes it a prepared statement, parsed and planned once per
 *     connection instead of on every call;
 *   - PGlite's own query API on the embedded database (names are ignored; it is in-process);
 *   - a Prisma transaction client (`$queryRawUnsafe`), so a caller can put the same statement
 *     inside its own `db.$transaction(...)`.
 * Rows come back as the driver parses them (timestamptz → Date, jsonb → value, int → number).
 */
import type pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

export interface SqlQuery {
  /** Prepared-statement name (Postgres); the same name must always carry the same text. */
  name?: string;
  text: string;
  values?: unknown[];
}

export type Sql = <R = Record<string, unknown>>(q: SqlQuery) => Promise<R[]>;

export function poolSql(pool: pg.Pool): Sql {
  return async <R>(q: SqlQuery) => (await pool.query(q as pg.QueryConfig)).rows as R[];
}

export function pgliteSql(get: () => Promise<PGlite>): Sql {
  return async <R>(q: SqlQuery) => ((await get()).query(q.text, q.values)).then((r) => r.rows as R[]);
}

/** Anything with Prisma's `$queryRawUnsafe`: the client or a transaction client. */
export interface RawQueryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export function prismaSql(tx: RawQueryable): Sql {
  return <R>(q: SqlQuery) => tx.$queryRawUnsafe<R[]>(q.text, ...(q.values ?? []));
}
