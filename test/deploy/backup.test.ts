/**
 * scripts/backup.sh and scripts/restore.sh against the machine's Postgres: a migrated database
 * with rows is dumped, dropped, recreated empty and restored, and every row (plus the migration
 * history) comes back identical. Also the refusals and failures an operator will meet.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, pgMigrationConnection } from '../../src/db/migrate.js';
import { createTempDatabase, needs, PG_URL } from '../helpers/services.js';

const root = join(import.meta.dirname, '..', '..');

function run(script: string, args: string[]) {
  const r = spawnSync(join(root, 'scripts', script), args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '' }, // no DATABASE_URL from the caller's environment
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The scripts need the PostgreSQL client tools; skip (or fail under REQUIRE_SERVICES=1) without them. */
function needsClientTools(t: TestContext): boolean {
  if (!spawnSync('pg_dump', ['--version']).error) return true;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('pg_dump is required (REQUIRE_SERVICES=1) but not installed');
  t.skip('PostgreSQL client tools (pg_dump, pg_restore, psql) not installed');
  return false;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Every row of every table in schema public, in a stable order. */
async function snapshot(url: string) {
  return withClient(url, async (c) => {
    const tables = (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
      (r) => r.t,
    );
    const out: Record<string, unknown[]> = {};
    for (const t of tables) out[t] = (await c.query(`SELECT * FROM "${t}" ORDER BY 1`)).rows;
    return out;
  });
}

test('backup.sh, drop, restore.sh: every row and the migration history come back', async (t) => {
  if (!needsClientTools(t) || !(await needs(t, 'postgres'))) return;
  const db = await createTempDatabase('railfast_backup');
  t.after(() => db.drop());
  const dir = mkdtempSync(join(tmpdir(), 'railfast-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const applied = await withClient(db.url, async (c) => {
    const r = await migrate(pgMigrationConnection(c));
    const rows: [string, string, string, string, string | null][] = [
      [randomUUID(), 'echo', '{"text":"héllo, wörld ✓"}', 'completed', 'key-1'],
      [randomUUID(), 'sleep', '{"ms":5}', 'queued', null],
      [randomUUID(), 'flaky', '{"failTimes":2,"nested":{"a":[1,2,3]}}', 'dead', 'key-3'],
    ];
    for (const [id, type, payload, status, key] of rows) {
      await c.query('INSERT INTO jobs (id, type, payload, status, idempotency_key, updated_at) VALUES ($1, $2, $3, $4, $5, now())', [
        id,
        type,
        payload,
        status,
        key,
      ]);
    }
    return r.applied;
  });
  assert.ok(applied.length >= 1, 'the migration runner applied the migrations');
  const before = await snapshot(db.url);
  assert.equal(before.jobs?.length, 3);
  // Counted, not fixed: a fork's own models and migrations add tables.
  const tables = Object.keys(before).length;
  const file = join(dir, 'nested', 'railfast.dump');

  const backup = run('backup.sh', [db.url, file]);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, new RegExp(`backup: wrote ${file} \\(\\d+ bytes, ${tables} tables with data\\)`));
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['railfast.dump'], 'no partial file left behind');

  await db.drop();
  await withClient(PG_URL, (c) => c.query(`CREATE DATABASE "${db.name}"`));
  assert.deepEqual(await snapshot(db.url), {}, 'the database is empty before the restore');

  const restore = run('restore.sh', [file, db.url]);
  assert.equal(restore.code, 0, restore.stderr);
  assert.match(restore.stdout, new RegExp(`restore: done: ${tables} tables in schema public; latest migration: ${applied.at(-1)}`));
  assert.deepEqual(await snapshot(db.url), before);

  // A database that has tables is only overwritten on request.
  const again = run('restore.sh', [file, db.url]);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr.trim(),
    `restore: ${db.url} already has ${tables} tables in schema public; pass --clean to replace them with the dump's contents`,
  );
  await withClient(db.url, (c) => c.query("UPDATE jobs SET status = 'failed'"));
  const clean = run('restore.sh', [file, db.url, '--clean']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(await snapshot(db.url), before);
});

test('backup.sh and restore.sh fail with a clear message and a non-zero exit', async (t) => {
  if (!needsClientTools(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'railfast-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string[], string][] = [
    ['backup.sh', [], 'backup: no database: pass a postgres:// URL as the first argument or set DATABASE_URL'],
    [
      'backup.sh',
      ['pglite:memory'],
      'backup: DATABASE_URL must be a postgres:// or postgresql:// URL, got "pglite:memory" (the embedded PGlite database has no pg_dump: copy its DATA_DIR instead)',
    ],
    ['restore.sh', [], 'restore: usage: scripts/restore.sh DUMP_FILE [DATABASE_URL] [--clean]'],
    ['restore.sh', [join(dir, 'missing.dump'), PG_URL], `restore: no readable dump at ${join(dir, 'missing.dump')}`],
    ['restore.sh', ['x.dump', PG_URL, '--force'], 'restore: unknown option --force (expected: DUMP_FILE [DATABASE_URL] [--clean])'],
  ];
  for (const [script, args, message] of cases) {
    const r = run(script, args);
    assert.equal(r.code, 1, `${script} ${args.join(' ')}`);
    assert.equal(r.stderr.trim(), message);
  }
  // Nothing listens on port 1: the dump fails, the password is masked, no file is left behind.
  const out = join(dir, 'unreachable.dump');
  const r = run('backup.sh', ['postgresql://postgres:hunter2@127.0.0.1:1/railfast', out]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^backup: dumping postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:1\/railfast with pg_dump/);
  assert.match(
    r.stderr.trim(),
    /backup: cannot reach the database: from outside Railway use the public URL \(DATABASE_PUBLIC_URL\), not \*\.railway\.internal$/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  assert.deepEqual(readdirSync(dir), []);
});
