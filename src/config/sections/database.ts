import { z } from 'zod';
import { bool, int, str, env, section } from '../fields.js';

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

export const database = section('Database (Postgres via Prisma, or embedded PGlite)', {
  DATABASE_URL: env(databaseUrl().optional(), {
    doc: 'Postgres connection URL; unset → embedded PGlite stored under DATA_DIR; `pglite:memory` → throwaway in-memory PGlite.',
    credentialsUrl: true,
    essential: true,
    hint: 'On Railway: DATABASE_URL=${{Postgres.DATABASE_URL}}',
  }),
  DATA_DIR: env(str().prefault('./data'), { doc: 'Directory for local state; the embedded database lives in `<DATA_DIR>/pglite`.' }),
  DATABASE_POOL_MAX: env(int(1, 1000).prefault('10'), { doc: "Maximum Postgres connections in this process's pool." }),
  DATABASE_CONNECT_TIMEOUT_MS: env(int(100).prefault('5000'), {
    doc: 'Give up opening a Postgres connection (or waiting for a free one) after this long.',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: env(int(100).prefault('10000'), { doc: 'Postgres `statement_timeout` for app queries, not migrations.' }),
  MIGRATE_ON_BOOT: env(bool().prefault('false'), {
    doc: 'Apply pending migrations at boot on Postgres too (the embedded database always migrates at boot).',
  }),
  DB_BREAKER_THRESHOLD: env(int(1).prefault('10'), {
    doc: 'Consecutive database failures (connection errors, timeouts) that open the circuit breaker.',
  }),
  DB_BREAKER_RESET_MS: env(int(100).prefault('30000'), {
    doc: 'How long the open breaker fails fast before letting a trial call through.',
  }),
  DB_RETRY_ATTEMPTS: env(int(0, 10).prefault('2'), {
    doc: 'Retries of a database call after a transient error (connection reset, 57P01, 40001, 40P01).',
  }),
  DB_RETRY_BASE_MS: env(int(1, 10_000).prefault('100'), { doc: 'First retry delay; doubles per attempt, with jitter, up to 1 s.' }),
  DB_RECONNECT_MIN_MS: env(int(10).prefault('1000'), {
    doc: 'First background reconnect delay while the database is down; doubles with jitter.',
  }),
  DB_RECONNECT_MAX_MS: env(int(10).prefault('30000'), { doc: 'Cap of the background reconnect delay.' }),
});
