/**
 * The same behavioural suite against both backends: local (p-queue, no REDIS_URL) and BullMQ (the
 * machine's Redis, a unique key prefix per run). Each backend gets one app with concurrency 1
 * (priority, capacity, retries, timeout, delay, idempotency run one after the other on it) and one
 * with concurrency 3 for the concurrency cap.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { needs, REDIS_URL } from '../helpers/services.js';
import { accept, admin, buildQueueApp, gate, submit, waitFor, waitIdle, waitStatus } from '../helpers/queue.js';
import type { JobEvent } from '../../src/queue/runner.js';

const BACKENDS = [
  { name: 'local', env: {} },
  { name: 'bullmq', env: { REDIS_URL } },
] as const;

for (const backend of BACKENDS) {
  test(`queue behaviour (${backend.name})`, async (t) => {
    if (backend.name === 'bullmq' && !(await needs(t, 'redis'))) return;
    const app = await buildQueueApp({ ...backend.env, QUEUE_CONCURRENCY: '1', QUEUE_MAX_SIZE: '3' });
    t.after(() => app.close());
    assert.equal(app.queue.backend, backend.name);
    const busy = gate(app);
    const events: { kind: string; ev: JobEvent }[] = [];
    for (const kind of ['completed', 'failed', 'dead'] as const) app.queue.on(kind, (ev) => events.push({ kind, ev }));
    const eventsFor = (id: string, kind: string) => events.filter((e) => e.ev.id === id && e.kind === kind);

    await t.test('echo: 202 + Location, runs once, result is the payload', async () => {
      const res = await submit(app, { type: 'echo', payload: { hello: 'world' } });
      assert.equal(res.statusCode, 202);
      const body = res.json();
      assert.equal(res.headers.location, `/api/v1/jobs/${body.id}`);
      assert.equal(body.status, 'queued');
      const done = await waitStatus(app, body.id, ['completed']);
      assert.deepEqual(done.result, { hello: 'world' });
      assert.equal(done.attempts, 1);
      assert.equal(eventsFor(body.id, 'completed').length, 1);
    });

    await t.test('capacity: beyond QUEUE_MAX_SIZE waiting jobs, 503 "Queue is at capacity" + Retry-After, nothing written', async () => {
      busy.reset();
      const blocker = await accept(app, { type: 'gate', payload: {} });
      await waitStatus(app, blocker, ['active']);
      for (let i = 0; i < 3; i++) await accept(app, { type: 'echo', payload: { i } });
      const before = await app.db.job.count();
      const res = await submit(app, { type: 'echo', payload: { i: 3 } });
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '5');
      assert.equal(res.json().message, 'Queue is at capacity');
      assert.equal(res.json().code, 'QUEUE_FULL');
      assert.equal(await app.db.job.count(), before, 'no ledger row for a rejected job');
      busy.open();
      await waitIdle(app);
    });

    await t.test('priority: higher priority runs first', async () => {
      busy.reset();
      const blocker = await accept(app, { type: 'gate', payload: {} });
      await waitStatus(app, blocker, ['active']);
      const ids = new Map<string, number>();
      for (const priority of [1, 10, 5]) ids.set(await accept(app, { type: 'echo', payload: { priority }, priority }), priority);
      busy.open();
      await waitIdle(app);
      const order = events.filter((e) => e.kind === 'completed' && ids.has(e.ev.id)).map((e) => ids.get(e.ev.id));
      assert.deepEqual(order, [10, 5, 1]);
    });

    await t.test('retry then success: flaky fails twice, succeeds on attempt 3', async () => {
      const id = await accept(app, { type: 'flaky', payload: { failTimes: 2 } });
      const done = await waitStatus(app, id, ['completed']);
      assert.equal(done.attempts, 3);
      assert.deepEqual(done.result, { succeededOnAttempt: 3 });
      assert.equal(done.lastError, 'flaky: attempt 2 fails (failTimes 2)');
      assert.deepEqual(eventsFor(id, 'failed').map((e) => e.ev.attempt), [1, 2]);
    });

    await t.test('exhaustion: dead after maxAttempts, one dead event; admin retry puts it back', async () => {
      const id = await accept(app, { type: 'flaky', payload: { failTimes: 5 }, maxAttempts: 2 });
      const dead = await waitStatus(app, id, ['dead']);
      assert.equal(dead.attempts, 2);
      assert.equal(dead.lastError, 'flaky: attempt 2 fails (failTimes 5)');
      const deadEvents = eventsFor(id, 'dead');
      assert.equal(deadEvents.length, 1);
      assert.deepEqual(deadEvents[0]!.ev, { id, type: 'flaky', attempt: 2, maxAttempts: 2, error: 'flaky: attempt 2 fails (failTimes 5)' });

      const retried = await app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/retry`, headers: admin });
      assert.equal(retried.statusCode, 200);
      assert.equal(retried.json().status, 'queued');
      assert.equal(retried.json().attempts, 0);
      await waitFor('the retried job to die again', async () => eventsFor(id, 'dead').length === 2);
      assert.equal((await waitStatus(app, id, ['dead'])).attempts, 2);
    });

    await t.test('delay: a delayed job does not start before its runAt', async () => {
      const submittedAt = Date.now();
      const id = await accept(app, { type: 'echo', payload: {}, delayMs: 600 });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await waitStatus(app, id, ['queued'], 100)).status, 'queued');
      const done = await waitStatus(app, id, ['completed'], 5000);
      assert.ok(done.runAt.getTime() >= submittedAt + 600, 'runAt is at least delayMs after the submission');
      assert.ok(done.startedAt!.getTime() >= done.runAt.getTime(), `started ${done.startedAt!.toISOString()} before runAt ${done.runAt.toISOString()}`);
    });

    await t.test('idempotency: the same key returns the same job with 200', async () => {
      const headers = { 'idempotency-key': `key-${backend.name}-${Date.now()}` };
      const first = await submit(app, { type: 'echo', payload: { n: 1 } }, headers);
      assert.equal(first.statusCode, 202);
      const again = await submit(app, { type: 'echo', payload: { n: 1 } }, headers);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().id, first.json().id);
      assert.equal(again.headers.location, first.headers.location);
      await waitIdle(app);
      assert.equal(eventsFor(first.json().id, 'completed').length, 1);
    });

    await checkStats(t, app, backend.name);
    if (backend.name === 'bullmq') await checkRedis(t, app);
  });

  test(`queue concurrency cap and timeout (${backend.name})`, async (t) => {
    if (backend.name === 'bullmq' && !(await needs(t, 'redis'))) return;
    const app = await buildQueueApp({ ...backend.env, QUEUE_CONCURRENCY: '3', QUEUE_MAX_SIZE: '20', QUEUE_TIMEOUT_MS: '1000' });
    t.after(() => app.close());

    await t.test('never more than QUEUE_CONCURRENCY jobs at once', async () => {
      let max = 0;
      const sampler = setInterval(() => (max = Math.max(max, app.queue.runner.running.size)), 2);
      try {
        for (let i = 0; i < 9; i++) await accept(app, { type: 'sleep', payload: { ms: 150 } });
        await waitIdle(app);
      } finally {
        clearInterval(sampler);
      }
      assert.equal(max, 3, 'three jobs ran at once, never more');
      assert.equal(await app.db.job.count({ where: { status: 'completed' } }), 9);
    });

    await t.test('timeout: the handler is aborted at QUEUE_TIMEOUT_MS and the attempt fails', async () => {
      const id = await accept(app, { type: 'sleep', payload: { ms: 10_000 }, maxAttempts: 1 });
      const dead = await waitStatus(app, id, ['dead']);
      assert.equal(dead.lastError, 'Timed out after 1000 ms');
      assert.equal(dead.attempts, 1);
    });
  });
}

async function checkStats(t: TestContext, app: FastifyInstance, backend: string) {
  await t.test('/health/details has the queue block', async () => {
    const res = await app.inject({ url: '/health/details', headers: admin });
    const queue = res.json().stats.queue;
    assert.equal(queue.backend, backend);
    assert.equal(queue.concurrency, 1);
    assert.equal(queue.active, 0);
    assert.equal(queue.waiting, 0);
    assert.equal(typeof queue.completed, 'number');
    assert.ok(queue.failed >= 2);
    assert.ok(queue.successRate > 0 && queue.successRate < 1);
    assert.equal(queue.redis, backend === 'bullmq' ? 'up' : 'disabled');
    assert.equal(res.json().checks.queue.status, 'up');
    assert.match(res.json().checks.queue.mode, backend === 'bullmq' ? /^bullmq/ : /^local/);
  });
}

async function checkRedis(t: TestContext, app: FastifyInstance) {
  await t.test('redis: PING check up, cache entries live in Redis with a TTL', async () => {
    const health = (await app.inject({ url: '/health' })).json();
    assert.equal(health.components.redis.status, 'up');
    assert.equal(app.cache.store, 'redis');
    const probe = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await app.cache.set('answer', { n: 42 }, 5000);
      const key = `${app.config.REDIS_KEY_PREFIX}:cache:answer`;
      assert.equal(await probe.get(key), '{"n":42}');
      const ttl = await probe.pttl(key);
      assert.ok(ttl > 0 && ttl <= 5000, `PTTL ${ttl}`);
      assert.deepEqual(await app.cache.get('answer'), { n: 42 });
      await app.cache.del('answer');
      assert.equal(await probe.exists(key), 0);
    } finally {
      probe.disconnect();
    }
  });
}
