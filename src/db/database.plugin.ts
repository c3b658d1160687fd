/**
 * The database plugin: `app.db` (a PrismaClient, same API on Postgres and PGlite) and
 * `app.dbGuard` (how routes must call it).
 *
 *   app.dbGuard<T>(fn: (db: Db) => Promise<T>, options?: { retry?: boolean }): Promise<T>
 *
 *   const job = await app.dbGuard((db) => db.job.create({ data }));
 *
 * - Runs `fn` through the database circuit breaker and a bounded retry (DB_RETRY_ATTEMPTS, short
 *   exponential backoff with jitter) for transient errors only: connection refused/reset/terminated,
 *   57P01 admin shutdown, 40001 serialization failure, 40P01 deadlock. `fn` may therefore run more
 *   than once: make it a single statement or one `db.$transaction(...)`; pass `{ retry: false }` for
 *   anything that must not be repeated (a retried transaction is fine: it rolled back).
 * - Database down (the background monitor knows it, the breaker is open, or the call failed with a
 *   connection error / timeout): throws `ServiceUnavailableError('Database unavailable, retry later',
 *   retryAfterSeconds)` with code `DATABASE_UNAVAILABLE` (503 + Retry-After), fast: when the DB is
 *   known to be down `fn` is not called at all.
 * - Prisma errors become HttpErrors: P2002 unique violation → 409 `CONFLICT` (details.fields),
 *   P2025 record not found → 404 `NOT_FOUND`; any other database error → 500 with no internals
 *   (logged by the error handler). HttpErrors thrown inside `fn` pass through untouched.
 * - Outside HTTP (queue workers, scripts) the same errors are thrown; check `err.statusCode`.
 *
 * `app.database` exposes the state: `mode` ('postgres' | 'pglite (<dir>)' | 'pglite (memory)'),
 * `available` (false while the monitor knows the DB is down) and `breakerState`.
 *
 * Boot: the embedded database (PGlite on disk) is migrated here; Postgres only with
 * MIGRATE_ON_BOOT=true (otherwise Railway's pre-deploy `npm run db:migrate` does it). A failing
 * migration stops the boot naming the migration. Postgres being unreachable does not: the process
 * starts, /ready says why it is not ready, and the monitor reconnects (and then migrates) in the
 * background. The connection pool closes in the drain after everything that uses it.
 */
import fp from 'fastify-plugin';
import { openDatabase, type DatabaseHandle, type Db } from './client.js';
import type { Sql } from './sql.js';
import { DbGuard, type BreakerState, type GuardCallOptions } from './guard.js';
import { DbMonitor } from './monitor.js';
import { isConnectionError } from './errors.js';

export type { Db } from './client.js';
export type DbGuardFn = <T>(fn: (db: Db) => Promise<T>, options?: GuardCallOptions) => Promise<T>;

export interface DatabaseState {
  readonly mode: string;
  readonly available: boolean;
  readonly breakerState: BreakerState;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** Plain SQL on the same database, for hot paths only (src/db/sql.ts); everything else uses `db`. */
    sql: Sql;
    dbGuard: DbGuardFn;
    database: DatabaseState;
  }
}

/** PGlite is in-process: a slow first load (cold template, busy machine) is not an outage. */
const PGLITE_CHECK_TIMEOUT_MS = 30_000;

export interface DatabasePluginOptions {
  /** Use this database instead of opening one from the config (embedding the app, tests); its owner closes it. */
  database?: DatabaseHandle;
}

export default fp<DatabasePluginOptions>(
  async (app, opts) => {
    const c = app.config;
    const log = app.log.child({ component: 'database' });
    // Set when Postgres was unreachable at boot with MIGRATE_ON_BOOT: migrate before declaring it up.
    let pendingMigration = false;

    const owned = !opts.database;
    const handle =
      opts.database ??
      (await openDatabase(c, {
        migrationLog: log,
        onConnectionError: (err) => {
          log.warn({ reason: err.message }, 'an idle database connection was closed; checking the database');
          monitor.suspect();
        },
      }).catch((err: unknown) => {
        log.fatal({ err }, (err as Error).message);
        throw err;
      }));

    const runMigrations = async () => {
      const result = await handle.migrate(log);
      log.info(
        { applied: result.applied, total: result.total, durationMs: result.durationMs },
        result.applied.length ? `migrations applied: ${result.applied.join(', ')}` : 'migrations: database is up to date',
      );
    };

    const monitor: DbMonitor = new DbMonitor({
      minDelayMs: c.DB_RECONNECT_MIN_MS,
      maxDelayMs: c.DB_RECONNECT_MAX_MS,
      log,
      ping: async () => {
        await handle.ping();
        if (!pendingMigration) return;
        try {
          await runMigrations();
          pendingMigration = false;
        } catch (err) {
          if (isConnectionError(err)) throw err; // gone again: keep reconnecting
          log.fatal({ err }, `${(err as Error).message}; shutting down`);
          app.lifecycle.requestShutdown('migration failed', 1);
          throw err;
        }
      },
      onRecovered: () => guard.resetBreaker(),
    });
    const guard: DbGuard = new DbGuard({
      threshold: c.DB_BREAKER_THRESHOLD,
      resetMs: c.DB_BREAKER_RESET_MS,
      retryAttempts: c.DB_RETRY_ATTEMPTS,
      retryBaseMs: c.DB_RETRY_BASE_MS,
      monitor,
      log,
    });
    app.lifecycle.onShutdown('database', async () => {
      monitor.stop();
      if (owned) await handle.close();
    });

    const kind = handle.target.kind;
    try {
      if (kind === 'pglite') {
        await runMigrations();
      } else if (kind === 'postgres') {
        try {
          await handle.ping();
          if (c.MIGRATE_ON_BOOT) await runMigrations();
          log.info({ mode: handle.mode }, 'database connected');
        } catch (err) {
          if (!isConnectionError(err) && (err as Error).name === 'MigrationError') throw err;
          pendingMigration = c.MIGRATE_ON_BOOT;
          monitor.markDown(err);
          log.warn({ reason: monitor.lastError }, 'starting without the database: /ready answers 503 until it is reachable');
        }
      }
      // pglite:memory comes from a migrated template and opens on first use.
    } catch (err) {
      if (owned) await handle.close().catch(() => {});
      monitor.stop();
      log.fatal({ err }, (err as Error).message);
      throw err;
    }

    app.decorate('db', handle.db);
    app.decorate('sql', handle.sql);
    app.decorate('dbGuard', ((fn, options) => guard.run(() => fn(handle.db), options)) as DbGuardFn);
    app.decorate('database', {
      mode: handle.mode,
      get available() {
        return monitor.available;
      },
      get breakerState() {
        return guard.breakerState;
      },
    } satisfies DatabaseState);

    app.health.register({
      name: 'database',
      critical: true,
      timeoutMs: kind === 'postgres' ? undefined : PGLITE_CHECK_TIMEOUT_MS,
      mode: () => handle.mode,
      check: async () => {
        await monitor.check();
        return { breaker: guard.breakerState };
      },
    });
    if (kind === 'postgres') {
      // Postgres is migrated by the pre-deploy step: until it has run, this version must not get
      // traffic. Once none is pending, none can become pending while this process runs.
      let pending: string[] | null = null;
      app.health.register({
        name: 'migrations',
        critical: true,
        check: async () => {
          if (pending === null || pending.length > 0) pending = await handle.pending();
          if (pending.length > 0) {
            throw new Error(
              `${pending.length} migration(s) pending (${pending.join(', ')}): run \`npm run db:migrate\` (on Railway, the pre-deploy command)`,
            );
          }
          return { pending: 0 };
        },
      });
    }
    app.health.addStats('database', () => ({
      mode: handle.mode,
      pool: handle.stats(),
      breaker: guard.stats(),
      ...monitor.snapshot(),
    }));
  },
  { name: 'database', dependencies: ['config', 'lifecycle', 'health'] },
);
