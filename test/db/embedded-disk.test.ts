/**
 * The embedded database on disk, as a real process: a row committed before SIGKILL is there after a
 * restart (PostgreSQL's WAL, with our smaller memory settings, keeps committed rows), and a
 * DATA_DIR the process cannot write stops the boot with one line naming DATA_DIR and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../helpers/process.js';
import { TEST_JWT_SECRET, TEST_PASSWORD } from '../helpers/auth.js';

test('embedded database: a row committed before SIGKILL survives the restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'railfast-durable-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false', LOAD_SHEDDING_ENABLED: 'false' };
  const account = { email: `durable-${process.pid}@example.com`, password: TEST_PASSWORD };

  const first = await startProcess(['dist/server.js'], env, 120_000);
  t.after(() => first.child.kill('SIGKILL'));
  const reg = await fetch(`http://127.0.0.1:${first.port}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  assert.equal(reg.status, 201, await reg.clone().text());
  first.child.kill('SIGKILL'); // no drain, no checkpoint: only what was committed counts
  await first.exit;

  const second = await startProcess(['dist/server.js'], env, 120_000);
  t.after(async () => {
    second.child.kill('SIGTERM');
    await second.exit;
  });
  const login = await fetch(`http://127.0.0.1:${second.port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  assert.equal(login.status, 200, await login.clone().text());
});

test('a DATA_DIR the process cannot write stops the boot with one line naming DATA_DIR and the fix', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the app as another user');
  const root = mkdtempSync(join(tmpdir(), 'railfast-rootvol-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const volume = join(root, 'data');
  mkdirSync(volume); // root-owned, as a platform mounts a volume
  chmodSync(root, 0o755);
  chmodSync(volume, 0o755);
  const r = spawnSync(process.execPath, ['dist/server.js'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '3999', DATA_DIR: volume },
    uid: 65534, // nobody
    gid: 65534,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^DATA_DIR is not writable .*RAILWAY_RUN_UID=0.*DATABASE_URL/);
});
