/**
 * Metrics with Prometheus names and types (observability/component-metrics.plugin.ts): after real
 * jobs of each outcome the job counters and the duration histogram moved by exactly what happened,
 * by job type; queue depth is read from the ledger at scrape time (fresh without any health check);
 * outbound calls are counted and timed by host; the output passes `promtool check metrics`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { accept, buildQueueApp, gate, waitFor, waitIdle, waitStatus } from '../helpers/queue.js';
import { find, parseProm, promtool, runPromtool, type Sample } from '../helpers/prom.js';

async function scrape(app: FastifyInstance) {
  const res = await app.inject('/metrics');
  assert.equal(res.statusCode, 200, res.body);
  return { text: res.body, ...parseProm(res.body) };
}
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) => find(samples, name, labels).reduce((a, s) => a + s.value, 0);

test('job counters and the duration histogram move with real jobs of each outcome, by type', async (t) => {
  const app = await buildQueueApp({ QUEUE_MAX_ATTEMPTS: '2' });
  t.after(() => app.close());
  await waitIdle(app);
  const before = await scrape(app);
  for (const [name, type] of [
    ['railfast_jobs_completed_total', 'counter'],
    ['railfast_jobs_failed_total', 'counter'],
    ['railfast_jobs_retried_total', 'counter'],
    ['railfast_jobs_dead_total', 'counter'],
    ['railfast_job_duration_seconds', 'histogram'],
    ['railfast_queue_jobs', 'gauge'],
    ['railfast_queue_running_jobs', 'gauge'],
    ['railfast_db_pool_connections', 'gauge'],
    ['railfast_db_breaker_state', 'gauge'],
    ['railfast_outbound_requests_total', 'counter'],
    ['railfast_build_info', 'gauge'],
  ]) assert.equal(before.types.get(name!), type, name);
  // Every registered type is there from the start, at 0: rate() works from the first scrape.
  assert.equal(find(before.samples, 'railfast_jobs_dead_total', { type: 'echo' }).length, 1);
  assert.equal(find(before.samples, 'component_stat').length, 0, 'the old catch-all gauge is gone');

  const ok = await accept(app, { type: 'echo', payload: { hello: 'metrics' } });
  const recovers = await accept(app, { type: 'flaky', payload: { failTimes: 1 } }); // fails once, then succeeds
  const dies = await accept(app, { type: 'flaky', payload: { failTimes: 5 } }); // fails twice: dead
  await waitStatus(app, ok, ['completed']);
  await waitStatus(app, recovers, ['completed']);
  await waitStatus(app, dies, ['dead']);
  const after = await scrape(app);

  const delta = (name: string, labels: Record<string, string>) => value(after.samples, name, labels) - value(before.samples, name, labels);
  assert.equal(delta('railfast_jobs_completed_total', { type: 'echo' }), 1);
  assert.equal(delta('railfast_jobs_completed_total', { type: 'flaky' }), 1);
  assert.equal(delta('railfast_jobs_failed_total', { type: 'flaky' }), 3, 'one failed attempt of the first flaky job, two of the second');
  assert.equal(delta('railfast_jobs_retried_total', { type: 'flaky' }), 2);
  assert.equal(delta('railfast_jobs_dead_total', { type: 'flaky' }), 1);
  assert.equal(delta('railfast_jobs_failed_total', { type: 'echo' }), 0);
  assert.equal(delta('railfast_job_duration_seconds_count', { type: 'echo', outcome: 'completed' }), 1);
  assert.equal(delta('railfast_job_duration_seconds_count', { type: 'flaky', outcome: 'completed' }), 1);
  assert.equal(delta('railfast_job_duration_seconds_count', { type: 'flaky', outcome: 'failed' }), 3);
  const buckets = find(after.samples, 'railfast_job_duration_seconds_bucket', { type: 'flaky', outcome: 'failed' });
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  assert.equal(buckets.at(-1)!.value, value(after.samples, 'railfast_job_duration_seconds_count', { type: 'flaky', outcome: 'failed' }));

  const bin = promtool(t);
  if (bin) runPromtool(bin, ['check', 'metrics'], after.text);
});

test('queue depth gauges are computed at scrape time, from the ledger', async (t) => {
  const app = await buildQueueApp();
  t.after(() => app.close());
  await waitIdle(app);
  const depth = async () => Object.fromEntries(find((await scrape(app)).samples, 'railfast_queue_jobs').map((s) => [s.labels.state, s.value]));
  const base = await depth();
  assert.deepEqual(Object.keys(base).sort(), ['active', 'delayed', 'retrying', 'waiting']);

  // Two delayed jobs: visible at the very next scrape, with no submit-time or health-check refresh in between.
  await accept(app, { type: 'echo', payload: {}, delayMs: 60_000 });
  await accept(app, { type: 'echo', payload: {}, delayMs: 60_000 });
  const busy = gate(app);
  const running = await accept(app, { type: 'gate', payload: {} });
  await waitStatus(app, running, ['active']);
  const during = await depth();
  assert.equal(during.delayed! - base.delayed!, 2);
  assert.equal(during.active! - base.active!, 1);
  assert.equal(value((await scrape(app)).samples, 'railfast_queue_running_jobs'), 1);

  // Finished or removed: the next scrape says so at once.
  await app.db.job.deleteMany({ where: { status: 'queued', runAt: { gt: new Date() } } });
  busy.open();
  await waitStatus(app, running, ['completed']);
  await waitFor('the gate job to end here', async () => app.queue.runner.running.size === 0);
  const afterwards = await depth();
  assert.equal(afterwards.delayed, 0);
  assert.equal(afterwards.active, base.active);
  assert.equal(value((await scrape(app)).samples, 'railfast_queue_running_jobs'), 0);
});

test('outbound calls: counted, and timed by target host and status class', async (t) => {
  const server = createServer((req, res) => res.writeHead(req.url === '/missing' ? 404 : 200).end('ok')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = await buildQueueApp();
  t.after(() => app.close());
  const before = await scrape(app);
  await (await app.outbound.request(`http://${host}/`)).text();
  await (await app.outbound.request(`http://${host}/missing`)).text();
  const after = await scrape(app);
  assert.equal(value(after.samples, 'railfast_outbound_requests_total') - value(before.samples, 'railfast_outbound_requests_total'), 2);
  assert.equal(value(after.samples, 'railfast_outbound_response_duration_seconds_count', { host, status_class: '2xx' }), 1);
  assert.equal(value(after.samples, 'railfast_outbound_response_duration_seconds_count', { host, status_class: '4xx' }), 1);
});
