/**
 * Database configuration and the `npm run db:migrate` CLI: bad DATABASE_URL values are named
 * without their password, and the CLI's exit codes and progress lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';
import { databaseTarget, describeTarget } from '../../src/db/client.js';
import { main } from '../../src/db/migrate-cli.js';
import { readMigrations } from '../../src/db/migrate.js';
import { freePort, needs, createTempDatabase } from '../helpers/services.js';

const MESSAGE = 'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (or "pglite:memory")';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

test('a malformed DATABASE_URL is named, with the password masked', () => {
  assert.deepEqual(problems({ DATABASE_URL: 'postgres://admin:s3cret@db.example.com:99999/app' }), [`${MESSAGE}, got "postgres://****@db.example.com:99999/app"`]);
  assert.deepEqual(problems({ DATABASE_URL: 'mysql://admin:s3cret@db.example.com/app' }), [`${MESSAGE}, got "mysql://admin:****@db.example.com/app"`]);
  assert.deepEqual(problems({ DATABASE_URL: 'localhost:5432' }), [`${MESSAGE}, got "localhost:5432"`]);
  assert.deepEqual(problems({ DATABASE_POOL_MAX: '0' }), ['DATABASE_POOL_MAX must be an integer 1-1000, got "0"']);
  assert.deepEqual(problems({ MIGRATE_ON_BOOT: 'sure' }), ['MIGRATE_ON_BOOT must be true or false, got "sure"']);
});

test('DATABASE_URL selects the mode; tests default to pglite:memory', () => {
  const pgUrl = 'postgresql://u:p@db.internal:5432/app';
  assert.equal(describeTarget(databaseTarget(loadConfig({ DATABASE_URL: pgUrl }))), 'postgres');
  assert.equal(describeTarget(databaseTarget(loadConfig({ DATABASE_URL: 'postgres://db/app' }))), 'postgres');
  assert.equal(describeTarget(databaseTarget(loadConfig({}))), 'pglite (data/pglite)');
  assert.equal(describeTarget(databaseTarget(loadConfig({ DATA_DIR: '/var/lib/app' }))), 'pglite (/var/lib/app/pglite)');
  assert.equal(describeTarget(databaseTarget(testConfig())), 'pglite (memory)');
  const c = loadConfig({});
  assert.deepEqual(
    [c.DATABASE_POOL_MAX, c.DATABASE_CONNECT_TIMEOUT_MS, c.DATABASE_STATEMENT_TIMEOUT_MS, c.MIGRATE_ON_BOOT, c.DB_BREAKER_THRESHOLD, c.DB_BREAKER_RESET_MS, c.DB_RETRY_ATTEMPTS],
    [10, 5000, 10000, false, 10, 30000, 2],
  );
});

test('the service exits 1 at boot naming DATABASE_URL, without printing the password', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/server.ts'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: 'postgresql://admin:s3cret@db:notaport/app' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${MESSAGE.replace(/[()."/:]/g, '\\$&')}, got "postgresql://\\*\\*\\*\\*@db:notaport/app"`));
  assert.doesNotMatch(r.stderr + r.stdout, /s3cret/);
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

test('db:migrate: nothing to do without DATABASE_URL; 2 on bad input (masked); 3 when unreachable', async () => {
  let r = io();
  assert.equal(await main([], {}, r.io), 0);
  assert.deepEqual(r.out, ['migrate: DATABASE_URL is not set: nothing to do (the embedded PGlite database is migrated by the app at boot)']);

  r = io();
  assert.equal(await main([], { DATABASE_URL: 'postgres://admin:s3cret@db:99999/app' }, r.io), 2);
  assert.deepEqual(r.err, [`migrate: ${MESSAGE}, got "postgres://****@db:99999/app"`]);

  r = io();
  const port = await freePort();
  assert.equal(await main(['--wait=0'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/app` }, r.io), 3);
  assert.deepEqual(r.err, ['migrate: cannot connect: connection refused (ECONNREFUSED)', `migrate: database at 127.0.0.1:${port}/app unreachable for 0 s; giving up`]);
});

test('db:migrate against Postgres: applies, then reports up to date; a failing migration exits 1 naming it', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const temp = await createTempDatabase('railfast_cli');
  t.after(() => temp.drop());
  const count = (await readMigrations()).length;
  let r = io();
  assert.equal(await main([], { DATABASE_URL: temp.url }, r.io), 0, r.err.join('\n'));
  assert.match(r.out.at(-1)!, new RegExp(`^migrate: done: applied ${count}, already applied 0, in \\d+ ms$`));
  assert.ok(r.out.some((l) => /^migrate: applying migration \d+_init$/.test(l)));

  r = io();
  assert.equal(await main([], { DATABASE_URL: temp.url }, r.io), 0);
  assert.equal(r.out.at(-1), `migrate: database is up to date (${count} migration(s) applied)`);

  const dir = mkdtempSync(join(tmpdir(), 'railfast-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, '20990101000000_broken'));
  writeFileSync(join(dir, '20990101000000_broken', 'migration.sql'), 'ALTER TABLE missing ADD COLUMN x int;\n');
  r = io();
  assert.equal(await main([], { DATABASE_URL: temp.url }, r.io, dir), 1);
  assert.deepEqual(r.err.at(-1), 'migrate: migration "20990101000000_broken" failed: relation "missing" does not exist (SQLSTATE 42P01)');
});

test('db:migrate as a process: exit code and stderr', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/db/migrate-cli.ts'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgresql://u:s3cret@host:bad/db' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), `migrate: ${MESSAGE}, got "postgresql://****@host:bad/db"`);
});
