/**
 * Resilience without a live database: the guard (breaker, retry, fail-fast, error mapping) with a
 * stubbed ping, and a whole app pointed at a Postgres port nobody listens on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DbGuard } from '../../src/db/guard.js';
import { DbMonitor } from '../../src/db/monitor.js';
import { HttpError, ServiceUnavailableError } from '../../src/http/errors.js';
import { build, memoryLogger } from '../helpers/build.js';
import { freePort } from '../helpers/services.js';

const quiet = { info() {}, warn() {}, error() {} };
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
const prismaError = (code: string, meta: Record<string, unknown> = {}) => Object.assign(new Error(`prisma ${code}`), { code, meta });

function setup(opts: { threshold?: number; resetMs?: number; attempts?: number; pingOk?: () => boolean } = {}) {
  let pings = 0;
  const monitor = new DbMonitor({
    minDelayMs: 50,
    maxDelayMs: 200,
    log: quiet,
    ping: async () => {
      pings += 1;
      if (!(opts.pingOk?.() ?? true)) throw refused();
    },
    onRecovered: () => guard.resetBreaker(),
  });
  const guard: DbGuard = new DbGuard({ threshold: opts.threshold ?? 3, resetMs: opts.resetMs ?? 300, retryAttempts: opts.attempts ?? 2, retryBaseMs: 1, monitor, log: quiet });
  return { monitor, guard, pings: () => pings };
}

/** fn failing with `errors` in turn, then returning 'ok'; counts calls. */
function script(...errors: unknown[]) {
  const fn = async () => {
    fn.calls += 1;
    const e = errors.shift();
    if (e) throw e;
    return 'ok';
  };
  fn.calls = 0;
  return fn;
}

test('transient errors are retried (connection reset, 40001/40P01 conflicts); others are not', async (t) => {
  const { guard, monitor } = setup({ threshold: 10 });
  t.after(() => monitor.stop());
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read', errno: -104 });
  let fn = script(reset);
  assert.equal(await guard.run(fn), 'ok');
  assert.equal(fn.calls, 2);

  fn = script(prismaError('P2034'), Object.assign(new Error('deadlock detected'), { code: '40P01', severity: 'ERROR' }));
  assert.equal(await guard.run(fn), 'ok');
  assert.equal(fn.calls, 3);

  fn = script(prismaError('P2002', { target: ['idempotency_key'] }));
  await assert.rejects(guard.run(fn), (err: unknown) => err instanceof HttpError && err.statusCode === 409 && err.code === 'CONFLICT');
  assert.equal(fn.calls, 1, 'a unique violation is not retried');

  fn = script(prismaError('P2025', { modelName: 'Job' }));
  await assert.rejects(guard.run(fn), { statusCode: 404, message: 'Job not found', code: 'NOT_FOUND' });

  const other = new Error('syntax error');
  fn = script(other);
  await assert.rejects(guard.run(fn), (err) => err === other, 'other errors pass through for the error handler (500)');

  fn = script(reset);
  await assert.rejects(guard.run(fn, { retry: false }), ServiceUnavailableError);
  assert.equal(fn.calls, 1, 'retry: false runs fn once');

  // Timeouts answer 503 but are not retried: each retry would wait as long again.
  fn = script(new Error('timeout exceeded when trying to connect'), prismaError('P2024'));
  await assert.rejects(guard.run(fn), { statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
  assert.equal(fn.calls, 1);
  fn = script(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' }));
  await assert.rejects(guard.run(fn), { statusCode: 503 });
  assert.equal(fn.calls, 1);

  fn = script(reset, reset, reset, reset);
  await assert.rejects(guard.run(fn), { statusCode: 503, message: 'Database unavailable, retry later', code: 'DATABASE_UNAVAILABLE', retryAfter: 1 });
  assert.equal(fn.calls, 3, 'DB_RETRY_ATTEMPTS=2: three calls in all');
  assert.equal(monitor.available, true, 'the ping still succeeds: one bad connection is not an outage');
});

test('the breaker opens after DB_BREAKER_THRESHOLD consecutive failures, fails fast, then half-opens and closes', async (t) => {
  const { guard, monitor } = setup({ threshold: 3, resetMs: 300, attempts: 0 });
  t.after(() => monitor.stop());
  const failing = script(refused(), refused(), refused(), refused());
  for (let i = 0; i < 3; i++) await assert.rejects(guard.run(failing), { statusCode: 503 });
  assert.equal(guard.breakerState, 'open');
  assert.equal(guard.stats().opens, 1);

  const t0 = performance.now();
  const skipped = script();
  await assert.rejects(guard.run(skipped), (err: unknown) => err instanceof ServiceUnavailableError && err.retryAfter === 1);
  assert.equal(skipped.calls, 0, 'open breaker: fn is not called');
  assert.ok(performance.now() - t0 < 50);

  // Unique violations are answers from a healthy database: they do not count.
  const answered = setup({ threshold: 2, attempts: 0 });
  t.after(() => answered.monitor.stop());
  for (let i = 0; i < 5; i++) await assert.rejects(answered.guard.run(script(prismaError('P2002'))), { statusCode: 409 });
  assert.equal(answered.guard.breakerState, 'closed');

  await sleep(350);
  assert.equal(await guard.run(script()), 'ok', 'half-open trial succeeds');
  assert.equal(guard.breakerState, 'closed');
});

test('while the monitor knows the database is down, calls fail fast with Retry-After; recovery resets the breaker', async (t) => {
  let up = false;
  const { guard, monitor, pings } = setup({ threshold: 1, resetMs: 60_000, attempts: 0, pingOk: () => up });
  t.after(() => monitor.stop());
  await assert.rejects(guard.run(script(refused())), { statusCode: 503 });
  assert.equal(guard.breakerState, 'open');
  await sleep(20);
  assert.equal(monitor.available, false, 'the failed call made the monitor ping, which failed');
  assert.equal(monitor.lastError, 'connection refused (ECONNREFUSED)');

  const fn = script();
  await assert.rejects(guard.run(fn), (err: unknown) => err instanceof ServiceUnavailableError && err.retryAfter! >= 1);
  assert.equal(fn.calls, 0);

  up = true;
  const before = pings();
  for (let i = 0; i < 40 && !monitor.available; i++) await sleep(25); // background reconnect (50-200 ms)
  assert.equal(monitor.available, true);
  assert.ok(pings() > before);
  assert.equal(guard.breakerState, 'closed', 'a fresh breaker once the database is back, not 60 s later');
  assert.equal(await guard.run(script()), 'ok');
});

test('an app whose Postgres is unreachable boots: /live 200, /ready and /health 503 with the reason, DB routes 503 fast, others work', async (t) => {
  const port = await freePort();
  const { logger, lines } = memoryLogger('debug');
  const app = await build(
    t,
    { DATABASE_URL: `postgresql://app:s3cret-pw@127.0.0.1:${port}/app`, MIGRATE_ON_BOOT: 'true', ADMIN_TOKEN: 'test-admin-token-0123456789abcdef-XYZ' },
    { logger, configure: (a) => void a.get('/test/db', async () => ({ jobs: await a.dbGuard((db) => db.job.count()) })) },
  );
  assert.equal((await app.inject('/live')).statusCode, 200);
  assert.equal((await app.inject('/version')).statusCode, 200);

  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().status, 'not_ready');
  assert.equal(ready.json().checks.database.error, 'database unreachable: connection refused (ECONNREFUSED)');

  const health = await app.inject('/health');
  assert.equal(health.statusCode, 503);
  assert.equal(health.json().status, 'unhealthy');
  assert.equal(health.json().components.database.mode, 'postgres');

  const t0 = performance.now();
  const res = await app.inject('/test/db');
  const ms = performance.now() - t0;
  assert.equal(res.statusCode, 503);
  assert.ok(Number(res.headers['retry-after']) >= 1);
  assert.deepEqual({ ...(res.json() as object), requestId: undefined }, {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'Database unavailable, retry later',
    requestId: undefined,
    code: 'DATABASE_UNAVAILABLE',
  });
  assert.ok(ms < 1000, `503 after ${ms} ms`);

  const stats = (await app.inject({ url: '/health/details', headers: { authorization: 'Bearer test-admin-token-0123456789abcdef-XYZ' } })).json().stats.database;
  assert.equal(stats.available, false);
  assert.equal(stats.lastError, 'connection refused (ECONNREFUSED)');
  assert.equal(typeof stats.nextReconnectInMs, 'number');

  assert.ok(lines.some((l) => l.msg === 'starting without the database: /ready answers 503 until it is reachable'));
  assert.doesNotMatch(JSON.stringify(lines), /s3cret-pw/);
});
