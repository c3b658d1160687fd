/**
 * GET /metrics (plugins/app/metrics.ts, routes/ops/metrics.ts): valid Prometheus text, the
 * request histogram moves with requests and is labelled by route pattern, component stats are
 * exported, other components can register their own metrics, METRICS_TOKEN protects it, and the
 * hand-rolled request histogram (lib/request-histogram.ts) buckets and exposes like prom-client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/build.js';
import { needs, REDIS_URL } from '../helpers/services.js';
import { find, parseProm, type Sample } from '../helpers/prom.js';

function withRoutes(app: FastifyInstance) {
  app.get(
    '/api/test/items/:id',
    { schema: { tags: ['test'], summary: 'test route', params: Type.Object({ id: Type.String() }), response: { 200: Type.Object({ id: Type.String() }) } } },
    async (request) => ({ id: (request.params as { id: string }).id }),
  );
  app.health.addStats('demo', () => ({ waiting: 3, active: 1, breaker: { state: 'open', failures: 5 }, url: 'redis://:secret@host', healthy: true }));
  app.health.addStats('broken', () => {
    throw new Error('stats failed');
  });
}

async function scrape(app: FastifyInstance, headers: Record<string, string> = {}) {
  const res = await app.inject({ url: '/metrics', headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return parseProm(res.body);
}

test('/metrics is valid Prometheus text with process, HTTP and component metrics, and moves with requests', async (t) => {
  const app = await build(t, {}, { configure: withRoutes });
  const before = await scrape(app);
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.equal(find(before.samples, name).length, 1, `${name} missing`);
  }
  assert.equal(before.types.get('http_request_duration_seconds'), 'histogram');

  const count = (samples: Sample[], labels: Record<string, string>) =>
    find(samples, 'http_request_duration_seconds_count', labels).reduce((a, s) => a + s.value, 0);
  const liveBefore = count(before.samples, { method: 'GET', route: '/live', status_code: '200' });

  for (let i = 0; i < 3; i++) assert.equal((await app.inject('/live')).statusCode, 200);
  await app.inject('/api/test/items/a1');
  await app.inject('/api/test/items/b2');
  await app.inject('/no/such/route');

  const after = await scrape(app);
  assert.equal(count(after.samples, { method: 'GET', route: '/live', status_code: '200' }), liveBefore + 3);
  // Labelled by route pattern, never by the raw URL; unmatched requests share one label.
  assert.equal(count(after.samples, { route: '/api/test/items/:id', status_code: '200' }), 2);
  assert.equal(find(after.samples, 'http_request_duration_seconds_count').filter((s) => s.labels.route?.includes('a1')).length, 0);
  assert.equal(count(after.samples, { route: 'unmatched', status_code: '404' }), 1);
  // Buckets are cumulative and end at +Inf = count.
  const buckets = find(after.samples, 'http_request_duration_seconds_bucket', { route: '/api/test/items/:id', status_code: '200' });
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  assert.equal(buckets.at(-1)!.value, 2);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);

  assert.doesNotMatch(JSON.stringify(after.samples), /secret/);
  // Redis not configured: no redis_up sample.
  assert.equal(find(after.samples, 'redis_up').length, 0);
});

test('other components register their own metrics on app.metrics.registry', async (t) => {
  let counter: Counter | undefined;
  const app = await build(t, {}, {
    configure: (a) => {
      counter = new Counter({ name: 'test_things_total', help: 'things', labelNames: ['kind'], registers: [a.metrics.registry] });
    },
  });
  counter!.inc({ kind: 'a' }, 2);
  const { samples, types } = await scrape(app);
  assert.equal(types.get('test_things_total'), 'counter');
  assert.deepEqual(find(samples, 'test_things_total'), [{ name: 'test_things_total', labels: { kind: 'a' }, value: 2 }]);
});

test('METRICS_TOKEN protects /metrics; METRICS_ENABLED=false removes it', async (t) => {
  const token = 'metrics-token-0123456789';
  const app = await build(t, { METRICS_TOKEN: token });
  const open = await app.inject('/metrics');
  assert.equal(open.statusCode, 401);
  assert.equal(open.headers['www-authenticate'], 'Bearer');
  assert.equal(open.json().message, 'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)');
  assert.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
  await scrape(app, { authorization: `Bearer ${token}` });
  // The token is a secret: never shown by /config.
  assert.equal((await app.inject('/config')).json().METRICS_TOKEN, '[set]');

  const off = await build(t, { METRICS_ENABLED: 'false' });
  assert.equal((await off.inject('/metrics')).statusCode, 404);
  assert.ok(off.metrics.registry, 'the registry exists even when metrics are not served');
});

test('with Redis configured: redis_up and the BullMQ backend', async (t) => {
  if (!(await needs(t, 'redis'))) return;
  const app = await build(t, { REDIS_URL, REDIS_KEY_PREFIX: `metricstest_${process.pid}_${Date.now()}` });
  const { samples } = await scrape(app);
  assert.deepEqual(find(samples, 'redis_up').map((s) => s.value), [1]);
  assert.deepEqual(find(samples, 'railfast_queue_backend').map((s) => [s.labels.backend, s.value]), [['bullmq', 1]]);
});
