/**
 * The promise "a 202 is never lost", on real processes (dist/server.js, dist/worker.js):
 *  - crash: local backend (Postgres ledger), 20 sleep jobs accepted, SIGKILL, start again:
 *    all 20 complete (and an Idempotency-Key still finds its job after the restart);
 *  - worker mode and SIGTERM (BullMQ, Postgres): an API with RUN_WORKERS=false accepts,
 *    `dist/worker.js` runs the jobs and serves only /live and /ready; SIGTERM with active jobs:
 *    they finish, the rest stay queued in the ledger and in Redis, exit 0, shutdown steps in order;
 *    the next worker completes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startProcess, type Proc } from '../helpers/process.js';
import { createTempDatabase, needs, REDIS_URL } from '../helpers/services.js';
import { ADMIN_TOKEN, uniquePrefix, waitFor } from '../helpers/queue.js';

const BASE_ENV = {
  LOG_LEVEL: 'info',
  READINESS_DRAIN_DELAY_MS: '0',
  RATE_LIMIT_ENABLED: 'false',
  LOAD_SHEDDING_ENABLED: 'false',
  ADMIN_TOKEN,
  // Production mode: the demo job types are off unless switched on.
  DEMO_JOBS: 'true',
};
const BOOT_MS = 30_000;

type JobBody = { id: string; status: string; attempts: number };

async function post(p: Proc, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${p.port}/api/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JobBody };
}

async function getJob(p: Proc, id: string): Promise<JobBody> {
  const res = await fetch(`http://127.0.0.1:${p.port}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status}`);
  return (await res.json()) as JobBody;
}

async function statuses(p: Proc, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await getJob(p, id)).status));
}

function stop(p: Proc | undefined) {
  if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

const shutdownSteps = (p: Proc) =>
  p.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('shutdown: closed ')).map((l) => l.handler as string);

test('crash: 20 accepted sleep jobs, SIGKILL, restart: all 20 complete', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const db = await createTempDatabase('railfast_crash');
  const procs: Proc[] = [];
  t.after(async () => {
    procs.forEach(stop);
    await db.drop();
  });
  // Local backend (no REDIS_URL); a short lease so the jobs running at the crash are taken over soon.
  const env = { ...BASE_ENV, DATABASE_URL: db.url, MIGRATE_ON_BOOT: 'true', QUEUE_CONCURRENCY: '3', QUEUE_LEASE_MS: '1500' };

  const first = await startProcess(['dist/server.js'], env, BOOT_MS);
  procs.push(first);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await post(first, { type: 'sleep', payload: { ms: 600 } });
    assert.equal(res.status, 202);
    ids.push(res.body.id);
  }
  const keyed = await post(first, { type: 'echo', payload: { k: 1 } }, { 'idempotency-key': 'crash-test-key' });
  assert.equal(keyed.status, 202);
  await waitFor('a job to be running', async () => (await statuses(first, ids)).includes('active'));
  first.child.kill('SIGKILL');
  await first.exit;

  const second = await startProcess(['dist/server.js'], env, BOOT_MS);
  procs.push(second);
  await waitFor(
    'all 20 jobs to complete after the restart',
    async () => (await statuses(second, ids)).every((s) => s === 'completed'),
    30_000,
    200,
  );
  const replay = await post(second, { type: 'echo', payload: { k: 1 } }, { 'idempotency-key': 'crash-test-key' });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.id, keyed.body.id);
  second.child.kill('SIGTERM');
  assert.equal(await second.exit, 0);
});

test('worker mode and SIGTERM: the API accepts (RUN_WORKERS=false), the worker runs jobs, drains on SIGTERM, the next worker finishes', async (t) => {
  if (!(await needs(t, 'postgres')) || !(await needs(t, 'redis'))) return;
  const db = await createTempDatabase('railfast_worker');
  const prefix = uniquePrefix('worker');
  const queue = new Queue('jobs', { connection: { url: REDIS_URL } as never, prefix });
  const procs: Proc[] = [];
  t.after(async () => {
    procs.forEach(stop);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await db.drop();
  });
  const env = { ...BASE_ENV, DATABASE_URL: db.url, MIGRATE_ON_BOOT: 'true', REDIS_URL, REDIS_KEY_PREFIX: prefix, QUEUE_CONCURRENCY: '2' };

  const api = await startProcess(['dist/server.js'], { ...env, RUN_WORKERS: 'false' }, BOOT_MS);
  procs.push(api);
  const worker = await startProcess(['dist/worker.js'], env, BOOT_MS);
  procs.push(worker);

  // The worker process: probes only, and its banner names the backend.
  const at = (path: string) => fetch(`http://127.0.0.1:${worker.port}${path}`).then((r) => r.status);
  assert.equal(await at('/live'), 200);
  assert.equal(await at('/ready'), 200);
  assert.equal(await at('/api/v1/jobs/00000000-0000-0000-0000-000000000000'), 404);
  assert.equal(await at('/health'), 404);
  assert.ok(worker.logs.some((l) => (l.components as Record<string, string> | undefined)?.queue?.startsWith('bullmq')), 'banner names the backend');

  // Six jobs through the API; the worker runs two at a time.
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await post(api, { type: 'sleep', payload: { ms: 1500 } })).body.id);
  const active = await waitFor('two jobs running', async () => {
    const s = await statuses(api, ids);
    return s.filter((x) => x === 'active').length === 2 ? ids.filter((_, i) => s[i] === 'active') : null;
  });

  // SIGTERM with active jobs: they finish, exit 0, shutdown steps in order.
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exit, 0);
  assert.deepEqual(
    shutdownSteps(worker).filter((s) => ['workers', 'queue', 'redis', 'database'].includes(s)),
    ['workers', 'queue', 'redis', 'database'],
  );
  assert.ok(worker.logs.some((l) => l.msg === 'queue: running jobs finished'), 'the drain waited for the running jobs');
  const after = await Promise.all(ids.map((id) => getJob(api, id)));
  // Jobs may have moved on between our last look and the signal: judge by what the ledger says now.
  for (const id of active) assert.equal(after[ids.indexOf(id)]!.status, 'completed', 'the jobs running at SIGTERM finished before exit');
  const rest = after.filter((j) => j.status !== 'completed');
  assert.ok(rest.length >= 2, `most jobs were still waiting (${rest.length})`);
  for (const j of rest) assert.deepEqual([j.status, j.attempts], ['queued', 0], 'the others were never started');
  const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
  assert.equal((counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0), rest.length, 'and they are still in Redis');

  // The next worker finishes them.
  const next = await startProcess(['dist/worker.js'], env, BOOT_MS);
  procs.push(next);
  await waitFor('the rest to complete', async () => (await statuses(api, ids)).every((s) => s === 'completed'), 20_000, 100);

  for (const p of [api, next]) p.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all([api.exit, next.exit]), [0, 0]);
});
