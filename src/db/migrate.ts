/**
 * Our Prisma-compatible migration runner (Prisma's own `migrate deploy` needs a native engine that
 * cannot be downloaded everywhere; see docs and notes). It applies the pending
 * `prisma/migrations/<timestamp>_<name>/migration.sql` files in name order and records each in
 * `_prisma_migrations` with the same table, columns and values Prisma writes, so either tool
 * accepts the other's history:
 *   - id: random UUID, checksum: hex SHA-256 of migration.sql, migration_name: the folder name,
 *     started_at / finished_at: timestamps, applied_steps_count: 1, logs / rolled_back_at: NULL.
 *   - a row with finished_at NULL and rolled_back_at NULL is a failed attempt (Prisma's P3009):
 *     we refuse to continue until someone resolves it, exactly like `prisma migrate deploy`.
 * Each migration runs in its own transaction together with its history row, so a failing one leaves
 * nothing behind (stricter than Prisma, which records the failure): the error names the migration
 * and carries the database's message. A consequence: a migration must not contain statements that
 * cannot run in a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE used in the same file).
 * The whole run holds the advisory lock Prisma Migrate uses (72707369), so replicas booting at once
 * and a concurrent `prisma migrate deploy` wait for each other instead of racing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** Same directory from src/db (tsx) and dist/db (compiled). */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/** Prisma Migrate's advisory lock key: sharing it makes our runner and `prisma migrate deploy` exclusive. */
export const MIGRATION_LOCK_KEY = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** One database session: the advisory lock belongs to it, so everything must run through it. */
export interface MigrationConnection {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Run a multi-statement script and then the history insert, atomically. */
  applyAtomically(script: string, record: { sql: string; params: unknown[] }): Promise<void>;
  /** Take the migration lock (waiting while another runner holds it); resolve to its release. */
  lock(onWait: () => void): Promise<() => Promise<void>>;
}

export interface MigrateOptions {
  dir?: string;
  /** Already-read migrations (skips reading `dir`). */
  migrations?: Migration[];
  log?: MigrationLog;
}

export interface MigrateResult {
  /** Names applied by this run, in order. */
  applied: string[];
  /** Migrations that were already in the history. */
  skipped: number;
  total: number;
  durationMs: number;
}

/** A failed migration: `migration` names it, `message` carries the database's error. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`migration "${migration}" failed: ${reason}`, { cause });
    this.name = 'MigrationError';
  }
}

const silent: MigrationLog = { info: () => {}, warn: () => {} };

export const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/** The migration folders under `dir`, sorted by name (their timestamp prefix), as Prisma reads them. */
export async function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      let sql: string;
      try {
        sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      } catch {
        throw new MigrationError(name, `${join(dir, name, 'migration.sql')} is missing`);
      }
      return { name, sql, checksum: checksum(sql) };
    }),
  );
}

/** Prisma's own DDL for the history table (schema engine, postgres flavour). */
const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const RECORD = `INSERT INTO "_prisma_migrations"
  (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
  VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`;

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Apply every pending migration. Throws MigrationError naming the migration that failed. */
export async function migrate(conn: MigrationConnection, options: MigrateOptions = {}): Promise<MigrateResult> {
  const t0 = performance.now();
  const log = options.log ?? silent;
  const migrations = options.migrations ?? (await readMigrations(options.dir));
  let warned = false;
  const release = await conn.lock(() => {
    if (!warned) log.info({}, 'waiting for the migration lock (another instance is migrating)');
    warned = true;
  });
  try {
    await conn.query(CREATE_HISTORY);
    const rows = await conn.query<HistoryRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        failed.migration_name,
        'an earlier attempt failed and is recorded in _prisma_migrations; fix the database, then run ' +
          `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` (or delete that row) and deploy again`,
      );
    }
    const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]));
    const local = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!local.has(name))
        log.warn({ migration: name }, `migration ${name} is applied to the database but missing from the migrations folder`);
    }

    const done: string[] = [];
    for (const m of migrations) {
      const recorded = applied.get(m.name);
      if (recorded !== undefined) {
        if (recorded !== m.checksum)
          log.warn({ migration: m.name }, `migration ${m.name} was modified after it was applied (checksum differs)`);
        continue;
      }
      const started = performance.now();
      log.info({ migration: m.name }, `applying migration ${m.name}`);
      try {
        await conn.applyAtomically(m.sql, { sql: RECORD, params: [randomUUID(), m.checksum, m.name, new Date()] });
      } catch (err) {
        throw new MigrationError(m.name, dbMessage(err), err);
      }
      done.push(m.name);
      log.info({ migration: m.name, durationMs: Math.round(performance.now() - started) }, `applied migration ${m.name}`);
    }
    return {
      applied: done,
      skipped: migrations.length - done.length,
      total: migrations.length,
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    await release();
  }
}

/**
 * Names of `migrations` the database has not applied yet (a read: no lock). A database without
 * the history table has applied none.
 */
export async function pendingMigrations(query: MigrationConnection['query'], migrations: Migration[]): Promise<string[]> {
  const [history] = await query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!history?.present) return migrations.map((m) => m.name);
  const rows = await query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
}

/** "relation "jobs" already exists (42P07)": the database's words plus the SQLSTATE. */
function dbMessage(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const msg = e?.message ?? String(err);
  return e?.code && /^[0-9A-Z]{5}$/.test(e.code) ? `${msg} (SQLSTATE ${e.code})` : msg;
}

/** Minimal shape of a pg.Client (avoids importing pg's types into callers). */
interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A pg client (one session) as a MigrationConnection. The script goes to the server as one
 * simple-protocol query between BEGIN and COMMIT: no client-side splitting on ";" (which breaks
 * `$$` bodies and literals) and nothing half-applied on failure.
 */
export function pgMigrationConnection(client: PgClientLike, lockTimeoutMs = 120_000): MigrationConnection {
  const query = async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[];
  return {
    query,
    async applyAtomically(script, record) {
      await client.query('BEGIN');
      try {
        await client.query(script);
        await client.query(record.sql, record.params);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    },
    async lock(onWait) {
      const deadline = Date.now() + lockTimeoutMs;
      for (;;) {
        const [row] = await query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_KEY]);
        if (row?.ok) break;
        if (Date.now() > deadline)
          throw new Error(`timed out after ${lockTimeoutMs} ms waiting for the migration lock (held by another instance)`);
        onWait();
        await sleep(200);
      }
      return async () => {
        await query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      };
    },
  };
}

/** Minimal shape of a PGlite instance. */
interface PgliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  transaction<T>(
    fn: (tx: { exec(sql: string): Promise<unknown>; query(sql: string, params?: unknown[]): Promise<unknown> }) => Promise<T>,
  ): Promise<T>;
}

/** PGlite has one session per instance (advisory locks would be re-entrant): serialize runners in-process. */
const pgliteLocks = new WeakMap<object, Promise<void>>();

/** A PGlite instance as a MigrationConnection; scripts run through PGlite's own exec, not the Prisma adapter. */
export function pgliteMigrationConnection(db: PgliteLike): MigrationConnection {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
    applyAtomically: (script, record) =>
      db.transaction(async (tx) => {
        await tx.exec(script);
        await tx.query(record.sql, record.params);
      }),
    async lock(onWait) {
      const previous = pgliteLocks.get(db);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const chained = (previous ?? Promise.resolve()).then(() => mine);
      pgliteLocks.set(db, chained);
      if (previous) {
        onWait();
        await previous;
      }
      return async () => {
        release();
        if (pgliteLocks.get(db) === chained) pgliteLocks.delete(db);
      };
    },
  };
}
