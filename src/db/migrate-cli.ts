/**
 * `npm run db:migrate` (node dist/db/migrate-cli.js): apply pending migrations to DATABASE_URL.
 * This is Railway's preDeployCommand, so it runs from the production image with plain node.
 *
 *   exit 0  up to date (or nothing to do: DATABASE_URL unset means the embedded PGlite, which the
 *           app migrates itself at boot)
 *   exit 1  a migration failed (its name and the database's error are printed) or the history
 *           records an earlier failed attempt
 *   exit 2  invalid configuration (DATABASE_URL malformed; the password is never printed)
 *   exit 3  the database stayed unreachable for --wait seconds (default 30)
 *
 * Options: --wait=<seconds> how long to keep retrying an unreachable database.
 */
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { z } from 'zod';
import { loadDotEnv } from '../config/load.js';
import { database, PGLITE_MEMORY } from '../config/sections/database.js';
import { maskUrl } from '../shared/mask.js';
import { describeDbError, isConnectionError } from './errors.js';
import { backoffDelay } from '../shared/backoff.js';
import { DEFAULT_MIGRATIONS_DIR, MigrationError, migrate, pgMigrationConnection, readMigrations, type MigrationLog } from './migrate.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const schema = z.object({
  DATABASE_URL: database.fields.DATABASE_URL,
  DATABASE_CONNECT_TIMEOUT_MS: database.fields.DATABASE_CONNECT_TIMEOUT_MS,
});

/** Run the CLI; resolves to the exit code. Exported for tests (no process.exit here). */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo = stdio,
  dir = DEFAULT_MIGRATIONS_DIR,
): Promise<number> {
  const waitArg = argv.find((a) => a.startsWith('--wait='));
  const waitSeconds = waitArg ? Number(waitArg.slice('--wait='.length)) : 30;
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    io.err(`migrate: --wait must be a number of seconds >= 0, got "${waitArg}"`);
    return 2;
  }

  const input = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      io.err(`migrate: ${key} ${issue.message}, got ${JSON.stringify(maskUrl(String(input[key] ?? '')))}`);
    }
    return 2;
  }
  const { DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: connectTimeout } = parsed.data;
  if (!url || url === PGLITE_MEMORY) {
    io.out('migrate: DATABASE_URL is not set: nothing to do (the embedded PGlite database is migrated by the app at boot)');
    return 0;
  }

  const migrations = await readMigrations(dir);
  const where = describeUrl(url);
  io.out(`migrate: ${migrations.length} migration(s) in ${dir}; target ${where}`);

  const client = await connect(url, connectTimeout, waitSeconds, io);
  if (!client) {
    io.err(`migrate: database at ${where} unreachable for ${waitSeconds} s; giving up`);
    return 3;
  }
  const log: MigrationLog = {
    info: (_obj, msg) => io.out(`migrate: ${msg}`),
    warn: (_obj, msg) => io.err(`migrate: warning: ${msg}`),
  };
  try {
    const result = await migrate(pgMigrationConnection(client), { migrations, log });
    io.out(
      result.applied.length
        ? `migrate: done: applied ${result.applied.length}, already applied ${result.skipped}, in ${result.durationMs} ms`
        : `migrate: database is up to date (${result.total} migration(s) applied)`,
    );
    return 0;
  } catch (err) {
    if (err instanceof MigrationError) {
      io.err(`migrate: ${err.message}`);
      return 1;
    }
    if (isConnectionError(err)) {
      io.err(`migrate: lost the database connection: ${describeDbError(err)}`);
      return 3;
    }
    io.err(`migrate: ${(err as Error).message}`);
    return 1;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Connect, retrying with backoff (1 s → 5 s) for up to waitSeconds: the database may be starting. */
async function connect(url: string, timeoutMs: number, waitSeconds: number, io: CliIo): Promise<pg.Client | null> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const delay = backoffDelay(attempt, { initialMs: 1000, maxMs: 5000 });
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'railfast-migrate' });
    client.on('error', () => {}); // reported by the query that fails
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      const reason = describeDbError(err);
      if (!isConnectionError(err)) {
        // Wrong password, unknown database...: waiting will not help.
        io.err(`migrate: cannot connect: ${reason}`);
        return null;
      }
      if (Date.now() + delay > deadline) {
        io.err(`migrate: cannot connect: ${reason}`);
        return null;
      }
      io.out(`migrate: database not reachable yet (${reason}); attempt ${attempt}, retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

/** host:port/db for logs, never the credentials. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

// Run when executed directly (not when imported by tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  loadDotEnv();
  process.exitCode = await main(process.argv.slice(2), process.env);
}
