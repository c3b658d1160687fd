/**
 * The migration runner, the same suite on in-memory PGlite and on a fresh Postgres database:
 * empty → migrated → no-op, Prisma-shaped history, two runners at once, failures, and the
 * hand-written migration against schema.prisma.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MigrationError, readMigrations, type MigrationLog } from '../../src/db/migrate.js';
import { closeSharedPglite, freshDb, KINDS, schemaDifferences } from '../helpers/db.js';

after(closeSharedPglite);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function memoryLog() {
  const lines: string[] = [];
  const log: MigrationLog = { info: (_o, msg) => lines.push(msg), warn: (_o, msg) => lines.push(`warn: ${msg}`) };
  return { log, lines };
}

/** A migrations folder of our own: name → SQL. */
function migrationsDir(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'railfast-migrations-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  return dir;
}

for (const kind of KINDS) {
  describe(`migrations on ${kind}`, () => {
    test('apply to an empty database in order, record them as Prisma does, then do nothing', async (t) => {
      const db = await freshDb(t, kind);
      if (!db) return;
      const migrations = await readMigrations();
      assert.ok(migrations.length >= 1);
      const { log, lines } = memoryLog();

      const first = await migrate(await db.session(), { migrations, log });
      assert.deepEqual(first.applied, migrations.map((m) => m.name));
      assert.equal(first.skipped, 0);
      assert.deepEqual(lines, migrations.flatMap((m) => [`applying migration ${m.name}`, `applied migration ${m.name}`]));

      const rows = await db.query<Record<string, unknown>>('SELECT * FROM "_prisma_migrations" ORDER BY started_at');
      assert.equal(rows.length, migrations.length);
      for (const [i, row] of rows.entries()) {
        const m = migrations[i]!;
        const file = readFileSync(`prisma/migrations/${m.name}/migration.sql`);
        assert.equal(row.migration_name, m.name);
        assert.equal(row.checksum, createHash('sha256').update(file).digest('hex'));
        assert.match(String(row.id), UUID);
        assert.equal(row.applied_steps_count, 1);
        assert.equal(row.logs, null);
        assert.equal(row.rolled_back_at, null);
        assert.ok(row.started_at instanceof Date && row.finished_at instanceof Date);
        assert.ok((row.finished_at as Date) >= (row.started_at as Date));
      }

      const second = await migrate(await db.session(), { migrations });
      assert.deepEqual(second.applied, []);
      assert.equal(second.skipped, migrations.length);
      assert.equal((await db.query('SELECT 1 FROM "_prisma_migrations"')).length, migrations.length);
    });

    test('the migrated database matches prisma/schema.prisma (tables, columns, types, nullability, defaults, enums, indexes)', async (t) => {
      const db = await freshDb(t, kind);
      if (!db) return;
      await migrate(await db.session());
      assert.deepEqual(await schemaDifferences(db.query), []);
    });

    test('two runners started at once apply each migration exactly once', async (t) => {
      const db = await freshDb(t, kind);
      if (!db) return;
      const dir = migrationsDir(t, {
        '20260101000000_slow': 'CREATE TABLE a (id int PRIMARY KEY);\nSELECT pg_sleep(0.4);\n',
        '20260101000001_next': 'CREATE TABLE b (id int PRIMARY KEY);\n',
      });
      const one = memoryLog();
      const two = memoryLog();
      const [s1, s2] = [await db.session(), await db.session()];
      const migrations = await readMigrations(dir);
      const [r1, r2] = await Promise.all([migrate(s1, { migrations, log: one.log }), migrate(s2, { migrations, log: two.log })]);
      assert.deepEqual([...r1.applied, ...r2.applied].sort(), ['20260101000000_slow', '20260101000001_next']);
      assert.ok(r1.applied.length === 0 || r2.applied.length === 0, 'one runner did all the work');
      assert.ok([...one.lines, ...two.lines].includes('waiting for the migration lock (another instance is migrating)'));
      const rows = await db.query<{ migration_name: string; n: number }>(
        'SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY migration_name ORDER BY 1',
      );
      assert.deepEqual(rows, [
        { migration_name: '20260101000000_slow', n: 1 },
        { migration_name: '20260101000001_next', n: 1 },
      ]);
    });

    test('a failing migration stops the run, names the migration and the database error, and leaves nothing behind', async (t) => {
      const db = await freshDb(t, kind);
      if (!db) return;
      const files: Record<string, string> = {
        // A $$ body and a ';' inside a literal: the script must reach the server whole.
        '20260101000000_ok': "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x;y');\nCREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n",
        '20260101000001_bad': 'CREATE TABLE b (id int PRIMARY KEY);\nINSERT INTO nope VALUES (1);\n',
        '20260101000002_later': 'CREATE TABLE c (id int PRIMARY KEY);\n',
      };
      const dir = migrationsDir(t, files);
      await assert.rejects(migrate(await db.session(), { dir }), (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.equal(err.migration, '20260101000001_bad');
        assert.equal(err.message, 'migration "20260101000001_bad" failed: relation "nope" does not exist (SQLSTATE 42P01)');
        return true;
      });
      const tables = await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      assert.deepEqual(tables.map((r) => r.t), ['_prisma_migrations', 'a'], 'b rolled back, c never ran');
      assert.deepEqual((await db.query<{ n: number }>('SELECT one() AS n'))[0], { n: 1 });
      const names = await db.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
      assert.deepEqual(names.map((r) => r.migration_name), ['20260101000000_ok']);

      // Fixed and deployed again: carries on where it stopped.
      writeFileSync(join(dir, '20260101000001_bad', 'migration.sql'), 'CREATE TABLE b (id int PRIMARY KEY);\n');
      const again = await migrate(await db.session(), { dir });
      assert.deepEqual(again.applied, ['20260101000001_bad', '20260101000002_later']);
    });

    test('refuses to continue past a failed attempt recorded in the history, like prisma migrate deploy', async (t) => {
      const db = await freshDb(t, kind);
      if (!db) return;
      const dir = migrationsDir(t, { '20260101000000_a': 'CREATE TABLE a (id int);\n' });
      await migrate(await db.session(), { dir, migrations: [] }); // creates the history table only
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, 'x', '20260101000000_a', now(), 0)`,
        ['00000000-0000-4000-8000-000000000000'],
      );
      await assert.rejects(migrate(await db.session(), { dir }), {
        name: 'MigrationError',
        message:
          'migration "20260101000000_a" failed: an earlier attempt failed and is recorded in _prisma_migrations; fix the database, ' +
          'then run `prisma migrate resolve --rolled-back 20260101000000_a` (or delete that row) and deploy again',
      });
    });
  });
}

test('readMigrations names a migration folder without migration.sql', async (t) => {
  const dir = migrationsDir(t, { '20260101000000_a': 'SELECT 1;' });
  mkdirSync(join(dir, '20260101000001_empty'));
  await assert.rejects(readMigrations(dir), { name: 'MigrationError', message: `migration "20260101000001_empty" failed: ${join(dir, '20260101000001_empty', 'migration.sql')} is missing` });
});

test('the migrations folder is laid out as Prisma expects', () => {
  assert.equal(
    readFileSync('prisma/migrations/migration_lock.toml', 'utf8'),
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
  );
});
