/**
 * Rate limiting (plugins/external/rate-limit.ts): 429 in the error envelope with Retry-After and
 * RateLimit-* headers, ops endpoints exempt, admin identity keyed apart from the IP, the tighter
 * POST /api/v1/jobs limit, counters shared by two instances through Redis, and still enforced in
 * memory once Redis is gone.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/build.js';
import { needs, REDIS_URL, throwawayRedis } from '../helpers/services.js';

const ADMIN_TOKEN = 'a'.repeat(40);
const prefix = () => `rltest_${process.pid}_${randomBytes(4).toString('hex')}`;

/** A cheap API route to spend the limit on. */
function withPing(app: FastifyInstance) {
  app.get(
    '/api/test/ping',
    { schema: { tags: ['test'], summary: 'test route', response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
    async () => ({ ok: true }),
  );
}

/** Boot waits up to 2 s for Redis; on a loaded machine the connection can come a little later. */
async function waitUp(app: FastifyInstance) {
  const until = Date.now() + 10_000;
  while (app.redis.status !== 'up' && Date.now() < until) await sleep(50);
  assert.equal(app.redis.status, 'up');
}

const ping = (app: FastifyInstance, headers: Record<string, string> = {}) => app.inject({ url: '/api/test/ping', headers });

async function buildLimited(t: TestContext, env: Record<string, string> = {}) {
  return build(t, { RATE_LIMIT_MAX: '3', ADMIN_TOKEN, ...env }, { configure: withPing });
}

test('429 after the limit, in the error envelope, with Retry-After and RateLimit-* headers', async (t) => {
  const app = await buildLimited(t);
  for (let i = 1; i <= 3; i++) {
    const res = await ping(app);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['ratelimit-limit'], '3');
    assert.equal(res.headers['ratelimit-remaining'], String(3 - i));
    assert.ok(Number(res.headers['ratelimit-reset']) > 0 && Number(res.headers['ratelimit-reset']) <= 60);
  }
  const res = await ping(app, { 'x-request-id': 'rl-4' });
  assert.equal(res.statusCode, 429);
  assert.equal(res.headers['ratelimit-limit'], '3');
  assert.equal(res.headers['ratelimit-remaining'], '0');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${res.headers['retry-after']}`);
  assert.equal(res.headers['ratelimit-reset'], res.headers['retry-after']);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'requestId', 'statusCode']);
  assert.equal(body.statusCode, 429);
  assert.equal(body.error, 'Too Many Requests');
  assert.equal(body.code, 'RATE_LIMITED');
  assert.equal(body.requestId, 'rl-4');
  assert.match(body.message, /^Rate limit exceeded: at most 3 requests per 60 s; retry in (1 minute|\d+ seconds?)$/);
});

test('the probes (/live, /ready, /metrics) are never rate limited; /health and the other ops endpoints count like any route', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_MAX: '2' });
  for (const url of ['/live', '/ready', '/metrics', '/live', '/ready', '/metrics', '/live']) {
    const res = await app.inject(url);
    // (/ready may be 503 on a machine too loaded for the health checks' timeouts.)
    assert.ok([200, 503].includes(res.statusCode), `${url}: ${res.statusCode}`);
    assert.equal(res.headers['ratelimit-limit'], undefined, url);
  }
  const details = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(details.statusCode, 200);
  assert.equal(details.headers['ratelimit-limit'], '2', 'admin identity has its own bucket');
  assert.equal(details.json().stats.rateLimit.store, 'memory');
  // A flood of /health is limited like the API: same bucket per client.
  assert.ok([200, 503].includes((await app.inject('/health')).statusCode));
  assert.equal((await ping(app)).statusCode, 200);
  const limited = await app.inject('/health');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'RATE_LIMITED');
  assert.equal((await app.inject('/config')).statusCode, 429);
});

test('unmatched URLs count against the same per-client limit: a path scan gets 429, not endless 404s', async (t) => {
  const app = await buildLimited(t);
  assert.equal((await ping(app)).statusCode, 200);
  for (const [i, url] of ['/nope', '/api/v1/nope'].entries()) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['ratelimit-remaining'], String(3 - 2 - i));
  }
  const res = await app.inject({ url: '/wp-login.php', headers: { 'x-request-id': 'rl-404' } });
  assert.equal(res.statusCode, 429);
  assert.ok(Number(res.headers['retry-after']) >= 1);
  assert.equal(res.json().code, 'RATE_LIMITED');
  assert.equal(res.json().requestId, 'rl-404');
  // The same client's API calls are over the limit too (one counter), ops endpoints are not.
  assert.equal((await ping(app)).statusCode, 429);
  assert.equal((await app.inject('/live')).statusCode, 200);
});

test('with rate limiting off, unmatched URLs are plain 404s', async (t) => {
  const app = await build(t, { RATE_LIMIT_ENABLED: 'false' });
  for (let i = 0; i < 5; i++) {
    const res = await app.inject('/nope');
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['ratelimit-limit'], undefined);
  }
});

test('a valid admin token is its own client; an invalid one counts against the IP', async (t) => {
  const app = await buildLimited(t, { RATE_LIMIT_MAX: '2' });
  assert.equal((await ping(app)).statusCode, 200);
  assert.equal((await ping(app)).statusCode, 200);
  assert.equal((await ping(app)).statusCode, 429);
  assert.equal((await ping(app, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' })).statusCode, 429);
  const admin = await ping(app, { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(admin.statusCode, 200);
  assert.equal(admin.headers['ratelimit-remaining'], '1');
  // Another IP is another client.
  assert.equal((await app.inject({ url: '/api/test/ping', remoteAddress: '10.1.2.3' })).statusCode, 200);
});

test('X-Forwarded-For decides the client only when TRUST_PROXY is on', async (t) => {
  const trusted = await buildLimited(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY: 'true' });
  assert.equal((await ping(trusted, { 'x-forwarded-for': '203.0.113.1' })).statusCode, 200);
  assert.equal((await ping(trusted, { 'x-forwarded-for': '203.0.113.1' })).statusCode, 429);
  assert.equal((await ping(trusted, { 'x-forwarded-for': '203.0.113.2' })).statusCode, 200);

  const untrusted = await buildLimited(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY: 'false' });
  assert.equal((await ping(untrusted, { 'x-forwarded-for': '203.0.113.1' })).statusCode, 200);
  assert.equal((await ping(untrusted, { 'x-forwarded-for': '203.0.113.2' })).statusCode, 429);
});

test('POST /api/v1/jobs has its own, tighter limit', async (t) => {
  const token = 'test-admin-token-0123456789abcdef';
  const app = await build(t, { RATE_LIMIT_MAX: '100', RATE_LIMIT_JOBS_MAX: '2', ADMIN_TOKEN: token }, { configure: withPing });
  // Invalid bodies: the limit is checked before anything else, so no job is created.
  const post = () =>
    app.inject({ method: 'POST', url: '/api/v1/jobs', headers: { authorization: `Bearer ${token}` }, payload: { type: 'no-such-type', payload: {} } });
  const first = await post();
  assert.equal(first.statusCode, 400);
  assert.equal(first.headers['ratelimit-limit'], '2');
  assert.equal((await post()).statusCode, 400);
  const limited = await post();
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'RATE_LIMITED');
  // The rest of the API still has the global limit (and did not count the POSTs).
  const other = await ping(app);
  assert.equal(other.statusCode, 200);
  assert.equal(other.headers['ratelimit-limit'], '100');
  assert.equal(other.headers['ratelimit-remaining'], '99');
});

test('two instances on the same Redis share the counters', async (t) => {
  if (!(await needs(t, 'redis'))) return;
  const env = { RATE_LIMIT_MAX: '4', REDIS_URL, REDIS_KEY_PREFIX: prefix() };
  const a = await buildLimited(t, env);
  const b = await buildLimited(t, env);
  await waitUp(a);
  await waitUp(b);
  assert.equal((await ping(a)).statusCode, 200);
  assert.equal((await ping(b)).statusCode, 200);
  assert.equal((await ping(a)).statusCode, 200);
  const fourth = await ping(b);
  assert.equal(fourth.statusCode, 200);
  assert.equal(fourth.headers['ratelimit-remaining'], '0');
  assert.equal((await ping(a)).statusCode, 429);
  assert.equal((await ping(b)).statusCode, 429);
  const details = await a.inject({ url: '/health/details', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(details.json().stats.rateLimit.store, 'redis');
  // The counters live under this deployment's REDIS_KEY_PREFIX, apart from any other app's.
  const keys = await a.redis.client!.keys(`${env.REDIS_KEY_PREFIX}:ratelimit:*`);
  assert.ok(keys.includes(`${env.REDIS_KEY_PREFIX}:ratelimit:127.0.0.1`), `keys: ${keys.join(', ')}`);
});

test('Redis stops: no request fails, the limit is still enforced in memory; Redis back: shared again', async (t) => {
  if (!(await needs(t, 'redis'))) return;
  const redis = await throwawayRedis();
  t.after(() => redis.kill());
  const app = await buildLimited(t, { RATE_LIMIT_MAX: '3', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix() });
  await waitUp(app);
  assert.equal((await ping(app)).statusCode, 200); // counted in Redis

  await redis.kill();
  // Right after the kill: whether or not the client has noticed yet, every answer is 200 or 429.
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await ping(app)).statusCode);
  assert.deepEqual(statuses, [200, 200, 200]); // a fresh counter in memory
  assert.equal((await ping(app)).statusCode, 429);

  // And once the client knows Redis is down, memory keeps enforcing.
  const until = Date.now() + 5000;
  while (app.redis.status === 'up' && Date.now() < until) await sleep(50);
  assert.notEqual(app.redis.status, 'up');
  const after = await ping(app);
  assert.equal(after.statusCode, 429);
  assert.equal(after.json().code, 'RATE_LIMITED');

  // Redis returns (empty): counting moves back to it without a restart.
  await redis.start();
  const back = Date.now() + 10_000;
  while (app.redis.status !== 'up' && Date.now() < back) await sleep(50);
  assert.equal(app.redis.status, 'up');
  const shared = await ping(app);
  assert.equal(shared.statusCode, 200);
  assert.equal(shared.headers['ratelimit-remaining'], '2');
  const details = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(details.json().stats.rateLimit.store, 'redis');
  // The queue moves back to BullMQ on its own schedule: let it land before the app closes, so the
  // close does not race the backend's start (BullMQ's own race there: src/queue/backends/bullmq.ts).
  const switched = Date.now() + 10_000;
  while (app.queue.backend !== 'bullmq' && Date.now() < switched) await sleep(50);
  assert.equal(app.queue.backend, 'bullmq');
});
