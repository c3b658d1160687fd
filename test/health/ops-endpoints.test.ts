import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from '../helpers/build.js';

const TOKEN = 'test-admin-token-0123456789abcdef-XYZ';

test('GET /live answers ok without checking dependencies', async (t) => {
  const app = await build(t);
  app.health.register({ name: 'broken', critical: true, check: async () => { throw new Error('down'); } });
  const res = await app.inject('/live');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
});

test('GET /ready is 200 with per-check detail, 503 when a critical check fails', async (t) => {
  const app = await build(t);
  let up = true;
  app.health.register({ name: 'thing', critical: true, check: async () => { if (!up) throw new Error('thing is down'); } });
  let res = await app.inject('/ready');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'ready');
  assert.equal(body.checks.thing.status, 'up');
  assert.equal(body.checks.thing.critical, true);
  assert.equal(typeof body.checks.thing.latencyMs, 'number');

  up = false;
  res = await app.inject('/ready');
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().status, 'not_ready');
  assert.equal(res.json().checks.thing.error, 'thing is down');
});

test('a non-critical failure leaves /ready 200 and makes /health degraded', async (t) => {
  const app = await build(t);
  app.health.register({ name: 'cache', critical: false, mode: () => 'memory', check: async () => { throw new Error('cache offline'); } });
  assert.equal((await app.inject('/ready')).statusCode, 200);
  const res = await app.inject('/health');
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'degraded');
  assert.deepEqual(res.json().components.cache, { status: 'down', mode: 'memory', latencyMs: res.json().components.cache.latencyMs, error: 'cache offline' });
});

test('a check that hangs counts as failed after its timeout', async (t) => {
  const app = await build(t);
  app.health.register({ name: 'slow', critical: true, timeoutMs: 100, check: () => new Promise(() => {}) });
  const res = await app.inject('/ready');
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().checks.slow.status, 'down');
  assert.equal(res.json().checks.slow.error, 'timed out after 100 ms');
});

test('GET /ready is 503 from the moment a drain starts', async (t) => {
  const app = await build(t);
  assert.equal((await app.inject('/ready')).statusCode, 200);
  app.lifecycle.startDrain('SIGTERM');
  const res = await app.inject('/ready');
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().status, 'draining');
  assert.equal((await app.inject('/live')).statusCode, 200);
});

test('GET /health summarises status, version, uptime, memory and components', async (t) => {
  const app = await build(t);
  const res = await app.inject('/health');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'healthy');
  assert.equal(body.version, '0.1.0');
  assert.equal(typeof body.uptimeSeconds, 'number');
  assert.ok(body.memory.rssMb > 0 && body.memory.heapUsedMb > 0);
  assert.equal(typeof body.components, 'object');

  app.health.register({ name: 'critical-thing', critical: true, check: async () => { throw new Error('gone'); } });
  const down = await app.inject('/health');
  assert.equal(down.statusCode, 503);
  assert.equal(down.json().status, 'unhealthy');
});

test('GET /health/details is 404 without ADMIN_TOKEN configured', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().message, 'Route GET /health/details not found');
});

test('GET /health/details needs the bearer token', async (t) => {
  const app = await build(t, { ADMIN_TOKEN: TOKEN }, {
    configure: (a) => {
      // A component registering a shutdown step and stats, as a plugin would.
      a.lifecycle.onShutdown('example-resource', () => {});
      a.health.addStats('example', () => ({ size: 3 }));
    },
  });
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
    const res = await app.inject({ url: '/health/details', headers: authorization ? { authorization } : {} });
    assert.equal(res.statusCode, 401, String(authorization));
    assert.equal(res.json().message, 'A valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
  }
  const res = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'healthy');
  assert.equal(body.draining, false);
  assert.equal(body.shutdownOrder[0], 'example-resource');
  assert.deepEqual(body.stats.example, { size: 3 });
  assert.equal(body.process.node, process.version);
});

test('GET /version', async (t) => {
  const app = await build(t, { RAILWAY_GIT_COMMIT_SHA: 'abc123', RAILWAY_ENVIRONMENT_NAME: 'staging', RAILWAY_REPLICA_ID: 'r1' });
  const body = (await app.inject('/version')).json();
  assert.equal(body.name, 'railfast');
  assert.equal(body.version, '0.1.0');
  assert.equal(body.commit, 'abc123');
  assert.equal(body.environment, 'staging');
  assert.equal(body.railway.replicaId, 'r1');
  assert.equal(body.node, process.version);
  assert.ok(!Number.isNaN(Date.parse(body.startedAt)));
});

test('GET /config shows effective config and no secret value can appear', async (t) => {
  const secrets = { ADMIN_TOKEN: 'zzTOPSECRETadminTOKEN0123456789abcdef' };
  const app = await build(t, { ...secrets, PORT: '4321' });
  const res = await app.inject('/config');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.PORT, 4321);
  assert.equal(body.ADMIN_TOKEN, '[set]');
  for (const value of Object.values(secrets)) assert.ok(!res.body.includes(value), 'secret leaked');
});

test('request ids: a safe inbound X-Request-Id is honoured, an unsafe one replaced', async (t) => {
  const app = await build(t);
  const ok = await app.inject({ url: '/live', headers: { 'x-request-id': 'abc-123.XYZ:9' } });
  assert.equal(ok.headers['x-request-id'], 'abc-123.XYZ:9');
  const bad = await app.inject({ url: '/nope', headers: { 'x-request-id': 'evil id\n{"level":"fatal"}' } });
  assert.match(String(bad.headers['x-request-id']), /^[0-9a-f]{12}-[0-9a-z]+$/);
  assert.equal(bad.json().requestId, bad.headers['x-request-id']);
});

test('helmet security headers are present', async (t) => {
  const app = await build(t);
  const res = await app.inject('/live');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
  await sleep(0);
});
