/**
 * Load shedding (plugins/external/under-pressure.ts): with the event loop really blocked, API
 * routes answer 503 + Retry-After in the error envelope while /live keeps answering 200; once the
 * loop is free again, API routes answer normally. No dependency check is wired in: a database
 * outage must not shed requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/build.js';

function withPing(app: FastifyInstance) {
  app.get(
    '/api/test/ping',
    { schema: { tags: ['test'], summary: 'test route', response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
    async () => ({ ok: true }),
  );
}

/** Keep the event loop blocked most of the time: 80 ms of busy work every 100 ms. */
function blockEventLoop(): () => void {
  const timer = setInterval(() => {
    const end = performance.now() + 80;
    while (performance.now() < end);
  }, 100);
  return () => clearInterval(timer);
}

test('event loop blocked: API routes get 503 + Retry-After, /live keeps answering; then recovery', async (t) => {
  const app = await build(
    t,
    {
      LOAD_SHEDDING_ENABLED: 'true',
      SHED_MAX_EVENT_LOOP_DELAY_MS: '30',
      SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
      SHED_SAMPLE_INTERVAL_MS: '50',
      SHED_RETRY_AFTER_S: '7',
      RATE_LIMIT_MAX: '100000',
    },
    { configure: withPing },
  );
  // Boot work (schema compilation at ready) may still show in the first sample: wait it out.
  const ready = Date.now() + 5000;
  while ((await app.inject('/api/test/ping')).statusCode !== 200 && Date.now() < ready) await sleep(25);
  assert.equal((await app.inject('/api/test/ping')).statusCode, 200);

  const unblock = blockEventLoop();
  t.after(unblock);
  let shed: Awaited<ReturnType<FastifyInstance['inject']>> | undefined;
  let liveWhileShedding = 0;
  const until = Date.now() + 10_000;
  while (Date.now() < until && (!shed || liveWhileShedding < 3)) {
    const res = await app.inject({ url: '/api/test/ping', headers: { 'x-request-id': 'shed-1' } });
    if (res.statusCode === 503) {
      shed ??= res;
      const live = await app.inject('/live');
      assert.equal(live.statusCode, 200, '/live must answer while shedding');
      if (app.isUnderPressure()) liveWhileShedding++;
    } else {
      assert.equal(res.statusCode, 200);
    }
    await sleep(10);
  }
  unblock();
  assert.ok(shed, 'no request was shed within 10 s of blocking the event loop');
  assert.ok(liveWhileShedding >= 3, '/live was not exercised while under pressure');
  assert.equal(shed.headers['retry-after'], '7');
  assert.equal(shed.headers['x-request-id'], 'shed-1');
  assert.deepEqual(shed.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'The server is overloaded, retry later',
    requestId: 'shed-1',
    code: 'OVERLOADED',
    details: { pressure: 'eventLoopDelay' },
  });

  // Free again: API requests are served within a few samples.
  const back = Date.now() + 5000;
  let last = 0;
  while (Date.now() < back) {
    last = (await app.inject('/api/test/ping')).statusCode;
    if (last === 200) break;
    await sleep(25);
  }
  assert.equal(last, 200);
});

test('no dependency check is wired into load shedding: a down component does not shed', async (t) => {
  const app = await build(t, { LOAD_SHEDDING_ENABLED: 'true', SHED_SAMPLE_INTERVAL_MS: '50' }, {
    configure: (a) => {
      withPing(a);
      a.health.register({ name: 'always-down', critical: true, check: async () => Promise.reject(new Error('down for the test')) });
    },
  });
  await sleep(200); // a few samples
  assert.equal(app.isUnderPressure(), false);
  assert.equal((await app.inject('/api/test/ping')).statusCode, 200);
  assert.equal((await app.inject('/ready')).statusCode, 503); // readiness, not shedding, reports it
});

test('LOAD_SHEDDING_ENABLED=false registers nothing', async (t) => {
  const app = await build(t, { LOAD_SHEDDING_ENABLED: 'false' });
  assert.equal(app.hasDecorator('isUnderPressure'), false);
});
