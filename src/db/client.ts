/**
 * The client factory: one PrismaClient API over two engines.
 *   DATABASE_URL=postgres://…   → @prisma/adapter-pg over a pg Pool we own (size, connect and
 *                                  statement timeouts from config)
 *   DATABASE_URL unset          → PGlite stored in <DATA_DIR>/pglite (survives restarts)
 *   DATABASE_URL=pglite:memory  → throwaway in-memory PGlite from a migrated template (tests);
 *                                  loaded on first use, so an app that never queries pays nothing
 * Callers get a DatabaseHandle: the client plus ping / migrate / stats / close, and never need to
 * know which engine is underneath. Each engine's driver is imported only when that engine is used
 * (pg and its adapter, or PGlite and its adapter): the other one would only cost memory.
 */
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import type { AppConfig } from '../config/load.js';
import { PGLITE_MEMORY } from '../config/sections/database.js';
import {
  migrate,
  pendingMigrations,
  pgliteMigrationConnection,
  pgMigrationConnection,
  readMigrations,
  type MigrateResult,
  type MigrationLog,
} from './migrate.js';
import { pgliteSql, poolSql, type Sql } from './sql.js';

/** The Prisma client every mode returns (Postgres via @prisma/adapter-pg, PGlite via its adapter). */
export type Db = PrismaClient;

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string } | { kind: 'memory' };

export function databaseTarget(config: Pick<AppConfig, 'DATABASE_URL' | 'DATA_DIR'>): DatabaseTarget {
  if (config.DATABASE_URL === PGLITE_MEMORY) return { kind: 'memory' };
  if (config.DATABASE_URL) return { kind: 'postgres', url: config.DATABASE_URL };
  return { kind: 'pglite', dir: join(config.DATA_DIR, 'pglite') };
}

/** "postgres", "pglite (./data/pglite)" or "pglite (memory)": for the banner and /health. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'postgres') return 'postgres';
  if (target.kind === 'memory') return 'pglite (memory)';
  return `pglite (${target.dir})`;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface DatabaseHandle {
  readonly db: Db;
  /** Plain SQL on the same database (pg Pool / PGlite), for hot paths: see sql.ts. */
  readonly sql: Sql;
  readonly target: DatabaseTarget;
  readonly mode: string;
  /** `SELECT 1` on a fresh connection (or PGlite); rejects with the driver's error. */
  ping(): Promise<void>;
  /** Apply pending migrations (see migrate.ts); throws MigrationError naming the failed one. */
  migrate(log?: MigrationLog): Promise<MigrateResult>;
  /** Names of the migrations not applied yet. */
  pending(): Promise<string[]>;
  stats(): PoolStats;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A pooled connection died while idle (server restart, network): the pool dropped it; we get told. */
  onConnectionError?: (err: Error) => void;
  /** Where migration files live (tests); default prisma/migrations. */
  migrationsDir?: string;
  migrationLog?: MigrationLog;
}

type Config = Pick<
  AppConfig,
  'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_MAX' | 'DATABASE_CONNECT_TIMEOUT_MS' | 'DATABASE_STATEMENT_TIMEOUT_MS'
>;

/**
 * Build the handle. Postgres: nothing connects here (the pool opens connections on demand, so a
 * database that is down at boot does not stop the process). PGlite on disk: opened here.
 */
export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const target = databaseTarget(config);
  if (target.kind === 'postgres') return openPostgres(target.url, config, options);
  return openPglite(target, options);
}

async function openPostgres(url: string, config: Config, options: OpenOptions): Promise<DatabaseHandle> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  const pool = new pg.Pool({
    connectionString: url,
    max: config.DATABASE_POOL_MAX,
    // Bounds both opening a connection and waiting for a free one: no request hangs on a dead database.
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    application_name: 'railfast',
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    // Client-side backstop for a server that stops answering without closing the socket.
    query_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS + 5_000,
  });
  // Without a listener an idle connection dying (Postgres restart) would crash the process.
  pool.on('error', (err) => options.onConnectionError?.(err));
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  const target: DatabaseTarget = { kind: 'postgres', url };
  let closed = false;

  return {
    db,
    sql: poolSql(pool),
    target,
    mode: describeTarget(target),
    // A connection of its own rather than one from the pool: a saturated pool means "busy", and
    // must not read as "database unreachable" (the health check skips the ping while queries succeed).
    async ping() {
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
        application_name: 'railfast-ping',
      });
      client.on('error', () => {}); // reported by connect/query
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
    },
    async migrate(log) {
      // A session of its own: the advisory lock lives on it, and migrations get no statement timeout.
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
        application_name: 'railfast-migrate',
      });
      client.on('error', () => {}); // surfaced by the failing query instead
      await client.connect();
      try {
        return await migrate(pgMigrationConnection(client), { dir: options.migrationsDir, log: log ?? options.migrationLog });
      } finally {
        await client.end().catch(() => {});
      }
    },
    async pending() {
      return pendingMigrations(async (sql, params) => (await pool.query(sql, params)).rows, await readMigrations(options.migrationsDir));
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: config.DATABASE_POOL_MAX }),
    async close() {
      if (closed) return;
      closed = true;
      await db.$disconnect().catch(() => {});
      await pool.end();
    },
  };
}

async function openPglite(target: Exclude<DatabaseTarget, { kind: 'postgres' }>, options: OpenOptions): Promise<DatabaseHandle> {
  const [{ openMigratedMemoryPglite, openPgliteDir }, { PrismaPGlite }] = await Promise.all([
    import('./pglite.js'),
    import('pglite-prisma-adapter'),
  ]);
  let instance: Promise<PGlite> | null = null;
  const get = (): Promise<PGlite> => {
    if (!instance) {
      instance =
        target.kind === 'memory'
          ? readMigrations(options.migrationsDir).then((m) => openMigratedMemoryPglite(m, options.migrationLog))
          : openPgliteDir(resolve(target.dir)).catch((err: unknown) => {
              throw new Error(`cannot open the embedded database in ${target.dir}: ${(err as Error).message}`, { cause: err });
            });
      instance.catch(() => (instance = null)); // let a later call try again
    }
    return instance;
  };
  // On disk: open now, so a broken data directory fails the boot rather than the first request.
  if (target.kind === 'pglite') await get();

  // Connects lazily: Prisma calls connect() on the first query.
  const adapter = {
    provider: 'postgres' as const,
    adapterName: 'pglite-prisma-adapter',
    connect: async () => new PrismaPGlite(await get()).connect(),
    connectToShadowDb: async () => new PrismaPGlite(await get()).connectToShadowDb(),
  };
  const db = new PrismaClient({ adapter: adapter as unknown as PrismaPGlite });
  let closed = false;

  return {
    db,
    sql: pgliteSql(get),
    target,
    mode: describeTarget(target),
    async ping() {
      await (await get()).query('SELECT 1');
    },
    async migrate(log) {
      return migrate(pgliteMigrationConnection(await get()), { dir: options.migrationsDir, log: log ?? options.migrationLog });
    },
    async pending() {
      const db = await get();
      return pendingMigrations(
        async (sql, params) => (await db.query(sql, params)).rows as never,
        await readMigrations(options.migrationsDir),
      );
    },
    // One in-process connection; queries queue inside PGlite.
    stats: () => ({ total: instance ? 1 : 0, idle: instance ? 1 : 0, waiting: 0, max: 1 }),
    async close() {
      if (closed) return;
      closed = true;
      await db.$disconnect().catch(() => {});
      const pending = instance;
      if (pending) await (await pending.catch(() => null))?.close();
    },
  };
}
