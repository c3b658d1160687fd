/**
 * One in-memory embedded database per test process, emptied for each app that uses it: loading
 * PGlite costs about a second of CPU, emptying its tables milliseconds. Apps built by the helpers
 * with the default DATABASE_URL (pglite:memory) get it through buildApp's `database` option, so
 * they start as on a new database without each loading its own.
 */
import { after } from 'node:test';
import type { DatabaseHandle } from '../../src/db/client.js';
import { openDatabase } from '../../src/db/client.js';
import { testConfig } from './config.js';

let shared: Promise<DatabaseHandle> | undefined;
// Closed once the test file is done, so nothing keeps its process alive.
after(async () => {
  const db = shared;
  shared = undefined;
  if (db) await (await db).close();
});

export async function emptyMemoryDatabase(): Promise<DatabaseHandle> {
  const handle = await (shared ??= openDatabase(testConfig()));
  const tables = await handle.db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  );
  if (tables.length) await handle.db.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t.name}"`).join(', ')} CASCADE`);
  return handle;
}

/** The shared database for `env`, or undefined when the test chose its own DATABASE_URL. */
export const sharedDatabaseFor = async (env: Record<string, string | undefined>) =>
  env.DATABASE_URL === undefined ? emptyMemoryDatabase() : undefined;
