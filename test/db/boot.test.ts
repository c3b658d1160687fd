/**
 * Boot the embedded mode as a real process: PGlite in a fresh DATA_DIR (initdb + migrations), then
 * the same directory again (data survived the restart). Boot-to-ready times go to the diagnostics
 * (spawn→ready includes loading the code with tsx; bootMs is the banner's own measure, config to
 * listening). Postgres boot (MIGRATE_ON_BOOT) is measured by db-fault.test.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type Proc } from '../helpers/process.js';
import { freePort } from '../helpers/services.js';

const FIXTURE = ['--import', 'tsx', 'test/fixtures/db-server.ts'];

async function boot(t: TestContext, env: Record<string, string>) {
  const t0 = performance.now();
  const p = await startProcess(
    FIXTURE,
    { HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'info', READINESS_DRAIN_DELAY_MS: '0', LOAD_SHEDDING_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', ...env },
    120_000, // a first PGlite initdb on a busy machine can take many seconds (the app allows 120 s: pluginTimeout)
  );
  t.after(() => p.child.kill('SIGKILL'));
  const spawnMs = Math.round(performance.now() - t0);
  const banner = p.logs.find((l) => String(l.msg).startsWith('ready: listening'))!;
  const base = `http://127.0.0.1:${p.port}`;
  assert.equal((await fetch(`${base}/ready`)).status, 200);
  return { p, base, spawnMs, bootMs: banner.bootMs as number, mode: (banner.components as Record<string, string>).database };
}

async function stop(p: Proc) {
  p.child.kill('SIGTERM');
  assert.equal(await p.exit, 0);
}

test('embedded PGlite under DATA_DIR: created and migrated at first boot, data survives a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'railfast-data-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await boot(t, { DATA_DIR: dataDir });
  assert.equal(first.mode, `pglite (${join(dataDir, 'pglite')})`);
  assert.ok(first.p.logs.some((l) => String(l.msg).startsWith('migrations applied: ')));
  assert.deepEqual(await (await fetch(`${first.base}/test/db`, { method: 'POST' })).json(), { jobs: 1 });
  await stop(first.p);

  const second = await boot(t, { DATA_DIR: dataDir });
  assert.deepEqual(await (await fetch(`${second.base}/test/db`)).json(), { jobs: 1 }, 'the row survived the restart');
  await second.p.waitForLog((l) => l.msg === 'migrations: database is up to date', 2000);
  await stop(second.p);
  t.diagnostic(`pglite fresh dir: spawn→ready ${first.spawnMs} ms (bootMs ${first.bootMs}); existing dir: spawn→ready ${second.spawnMs} ms (bootMs ${second.bootMs})`);
});
