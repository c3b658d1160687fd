import { z } from 'zod';
import { bool, int, str } from '../fields.js';

/** The one non-URL value DATABASE_URL accepts: a throwaway in-memory PGlite (tests, demos). */
export const PGLITE_MEMORY = 'pglite:memory';

/** postgres:// or postgresql:// with a host, or `pglite:memory`. */
const databaseUrl = () =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    if (s === PGLITE_MEMORY) return s;
    try {
      const u = new URL(s);
      if ((u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname) return s;
    } catch {
      // fall through to the message below
    }
    ctx.addIssue({ code: 'custom', message: `must be a URL starting with postgres:// or postgresql:// (or "${PGLITE_MEMORY}")` });
    return z.NEVER;
  });

export const database = {
  /** Postgres connection URL; unset → embedded PGlite stored under DATA_DIR; `pglite:memory` → throwaway in-memory PGlite. */
  DATABASE_URL: databaseUrl().optional(),
  /** Directory for local state; the embedded database lives in `<DATA_DIR>/pglite` (default ./data). */
  DATA_DIR: str().prefault('./data'),
  /** Maximum Postgres connections in this process's pool (default 10). */
  DATABASE_POOL_MAX: int(1, 1000).prefault('10'),
  /** Give up opening a Postgres connection (or waiting for a free one) after this long (default 5000). */
  DATABASE_CONNECT_TIMEOUT_MS: int(100).prefault('5000'),
  /** Postgres `statement_timeout` for app queries, not migrations (default 10000). */
  DATABASE_STATEMENT_TIMEOUT_MS: int(100).prefault('10000'),
  /** Apply pending migrations at boot on Postgres too (the embedded database always migrates at boot; default false). */
  MIGRATE_ON_BOOT: bool().prefault('false'),
  /** Consecutive database failures (connection errors, timeouts) that open the circuit breaker (default 10). */
  DB_BREAKER_THRESHOLD: int(1).prefault('10'),
  /** How long the open breaker fails fast before letting a trial call through (default 30000). */
  DB_BREAKER_RESET_MS: int(100).prefault('30000'),
  /** Retries of a database call after a transient error (connection reset, 57P01, 40001, 40P01; default 2). */
  DB_RETRY_ATTEMPTS: int(0, 10).prefault('2'),
  /** First retry delay; doubles per attempt, with jitter, up to 1 s (default 100). */
  DB_RETRY_BASE_MS: int(1, 10_000).prefault('100'),
  /** First background reconnect delay while the database is down; doubles with jitter (default 1000). */
  DB_RECONNECT_MIN_MS: int(10).prefault('1000'),
  /** Cap of the background reconnect delay (default 30000). */
  DB_RECONNECT_MAX_MS: int(10).prefault('30000'),
};
