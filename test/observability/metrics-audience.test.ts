/**
 * Who can read /metrics (routes/ops/metrics.ts, observability/metrics-listener.ts): in production a
 * stranger cannot, with or without METRICS_TOKEN; the private METRICS_PORT listener serves only
 * /metrics, under the same token rule; the worker process serves /metrics too, under the same rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/build.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const PROD = { NODE_ENV: 'production', HOST: '127.0.0.1', RATE_LIMIT_ENABLED: 'false' };

async function listen(app: FastifyInstance): Promise<{ api: string; metrics: string | null }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const priv = app.metrics.privateAddress();
  return { api: `http://127.0.0.1:${port}`, metrics: priv ? `http://127.0.0.1:${priv.port}` : null };
}

test('production without METRICS_TOKEN: not on the public port; the private METRICS_PORT serves it', async (t) => {
  const app = await build(t, { ...PROD, METRICS_PORT: '0' });
  const { api, metrics } = await listen(app);
  const stranger = await fetch(`${api}/metrics`);
  assert.equal(stranger.status, 404);
  assert.doesNotMatch(await stranger.text(), /process_cpu|railfast_/);
  assert.ok(metrics, 'the private listener is up');
  assert.notEqual(metrics, api);
  const scrape = await fetch(`${metrics}/metrics`);
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(await scrape.text(), /^railfast_jobs_completed_total\{type="echo"\} \d+$/m);
  // It serves nothing else: not the API, not the probes.
  for (const path of ['/live', '/api/v1/jobs', '/metrics/../config']) {
    const res = await fetch(`${metrics}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(((await res.json()) as { statusCode: number }).statusCode, 404);
  }
  assert.equal((await fetch(`${metrics}/metrics`, { method: 'POST' })).status, 405);
});

test('production with METRICS_TOKEN: a stranger gets 401 on both ports; the token reads it', async (t) => {
  const app = await build(t, { ...PROD, METRICS_TOKEN: TOKEN, METRICS_PORT: '0' });
  const { api, metrics } = await listen(app);
  for (const base of [api, metrics!]) {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', TOKEN, `Basic ${TOKEN}`]) {
      const res = await fetch(`${base}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, `${base} ${authorization}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.doesNotMatch(await res.text(), /railfast_|process_/);
    }
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200, base);
    assert.match(await ok.text(), /^http_request_duration_seconds_bucket/m);
  }
});

test('no METRICS_PORT: no second listener; a METRICS_PORT that cannot be bound fails the boot', async (t) => {
  const app = await build(t, { ...PROD, METRICS_TOKEN: TOKEN, METRICS_PORT: '0' });
  const taken = app.metrics.privateAddress()!.port;
  const none = await build(t, { ...PROD, METRICS_TOKEN: TOKEN });
  assert.equal(none.metrics.privateAddress(), null);
  await assert.rejects(build(t, { ...PROD, METRICS_PORT: String(taken) }), new RegExp(`METRICS_PORT ${taken}: .*EADDRINUSE`));
});

test('the worker process serves /metrics (job metrics included) under the same token rule', async (t) => {
  const open = await build(t, {}, { role: 'worker' });
  const res = await open.inject('/metrics');
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /^# TYPE railfast_jobs_completed_total counter$/m);
  assert.match(res.body, /^# TYPE railfast_job_duration_seconds histogram$/m);
  assert.equal((await open.inject('/api/v1/jobs')).statusCode, 404, 'still no API in the worker');

  const guarded = await build(t, { ...PROD, METRICS_TOKEN: TOKEN }, { role: 'worker' });
  assert.equal((await guarded.inject('/metrics')).statusCode, 401);
  assert.equal((await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
  const hidden = await build(t, PROD, { role: 'worker' });
  assert.equal((await hidden.inject('/metrics')).statusCode, 404);
});
