/**
 * Fault tests on a real listening server against a Postgres cluster of our own (on a spare port),
 * stopped the way a crash stops it (`pg_ctl -m immediate`) and started again:
 *   - running server: /ready 503 within 2 s, DB routes 503 fast with Retry-After, /live 200, no
 *     crash; back → ready within 5 s, same process;
 *   - boot while Postgres is down: the process starts, then becomes ready (and migrates) once it is up.
 * The measured times go to the test's diagnostics (the report quotes them).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startProcess, type Proc } from '../helpers/process.js';
import { freePort, needs, throwawayPostgres } from '../helpers/services.js';

const FIXTURE = ['--import', 'tsx', 'test/fixtures/db-server.ts'];

/** One throwaway cluster for the file (initdb costs seconds); each test gets its own database on it. */
let cluster: Awaited<ReturnType<typeof throwawayPostgres>> | null = null;
after(() => cluster?.destroy());

async function freshCluster(name: string) {
  cluster ??= await throwawayPostgres();
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return { cluster, url: cluster.url.replace(/\/postgres$/, `/${name}`) };
}

async function server(t: TestContext, databaseUrl: string): Promise<{ p: Proc; base: string; spawnToReadyMs: number }> {
  const t0 = performance.now();
  const p = await startProcess(FIXTURE, {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_BOOT: 'true',
    LOG_LEVEL: 'info',
    READINESS_DRAIN_DELAY_MS: '0',
    // Not what these tests are about, and a freshly started process on a busy machine can trip them.
    LOAD_SHEDDING_ENABLED: 'false',
    RATE_LIMIT_ENABLED: 'false',
    // These tests read the reason from /ready; production hides error texts from the public by default.
    OPS_DETAILS_PUBLIC: 'true',
  });
  t.after(() => p.child.kill('SIGKILL'));
  return { p, base: `http://127.0.0.1:${p.port}`, spawnToReadyMs: Math.round(performance.now() - t0) };
}

/** Poll `url` until it answers `status`; resolve the elapsed ms, or fail after `withinMs`. */
async function until(url: string, status: number, withinMs: number): Promise<number> {
  const t0 = performance.now();
  let last = 0;
  while (performance.now() - t0 < withinMs) {
    last = await fetch(url).then((r) => r.status, () => 0);
    if (last === status) return Math.round(performance.now() - t0);
    await sleep(50);
  }
  throw new Error(`${url} still answered ${last} after ${withinMs} ms (wanted ${status})`);
}

test('Postgres dies under a running server and comes back: 503 fast, ready again without a restart', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const { cluster, url } = await freshCluster('running');
  const { p, base, spawnToReadyMs } = await server(t, url);

  assert.equal((await fetch(`${base}/ready`)).status, 200);
  assert.deepEqual(await (await fetch(`${base}/test/db`)).json(), { jobs: 0 });

  cluster.stop();
  const failoverMs = await until(`${base}/ready`, 503, 2000);
  const ready = (await (await fetch(`${base}/ready`)).json()) as { checks: { database: { error: string } } };
  assert.match(ready.checks.database.error, /^database unreachable: /);

  const t0 = performance.now();
  const res = await fetch(`${base}/test/db`);
  const dbRouteMs = Math.round(performance.now() - t0);
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  const body = (await res.json()) as { message: string; code: string };
  assert.equal(body.message, 'Database unavailable, retry later');
  assert.equal(body.code, 'DATABASE_UNAVAILABLE');
  assert.ok(dbRouteMs < 1000, `DB route answered 503 after ${dbRouteMs} ms`);
  assert.equal((await fetch(`${base}/live`)).status, 200);

  cluster.start();
  const recoveryMs = await until(`${base}/ready`, 200, 5000);
  assert.deepEqual(await (await fetch(`${base}/test/db`)).json(), { jobs: 0 });

  assert.equal(p.child.exitCode, null, 'still the same process');
  assert.equal(p.logs.filter((l) => String(l.msg).startsWith('ready: listening')).length, 1, 'no restart');
  await p.waitForLog((l) => String(l.msg).startsWith('database reachable again after'), 2000);
  t.diagnostic(`postgres mode: spawn→ready ${spawnToReadyMs} ms (bootMs ${p.logs.find((l) => l.bootMs)?.bootMs}); stop→/ready 503 ${failoverMs} ms; DB route 503 in ${dbRouteMs} ms; start→/ready 200 ${recoveryMs} ms`);
});

test('a server booted while Postgres is down starts, then becomes ready and migrates once it is up', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const { cluster, url } = await freshCluster('late');
  cluster.stop();

  const { p, base, spawnToReadyMs } = await server(t, url);
  assert.equal((await fetch(`${base}/live`)).status, 200);
  const ready = await fetch(`${base}/ready`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as { checks: { database: { error: string } } }).checks.database.error, 'database unreachable: connection refused (ECONNREFUSED)');
  assert.equal((await fetch(`${base}/test/db`)).status, 503);

  cluster.start();
  const recoveryMs = await until(`${base}/ready`, 200, 5000);
  assert.deepEqual(await (await fetch(`${base}/test/db`)).json(), { jobs: 0 }, 'migrated after reconnecting');
  await p.waitForLog((l) => String(l.msg).startsWith('migrations applied: '), 2000); // logs are written asynchronously
  assert.equal(p.child.exitCode, null);
  t.diagnostic(`boot with postgres down: spawn→listening ${spawnToReadyMs} ms; start→/ready 200 ${recoveryMs} ms`);
});
