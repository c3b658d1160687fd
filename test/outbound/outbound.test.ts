/**
 * Outbound HTTP client (src/outbound): circuit breaker per host, retries only for idempotent
 * requests and transient failures, Retry-After within a cap, timeouts, request id forwarding, and
 * the `http` job type. Every target is a local server on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from '../helpers/build.js';
import { freePort } from '../helpers/services.js';
import { httpReceiver, reply } from '../helpers/http-receiver.js';
import { accept, admin, ADMIN_TOKEN, buildQueueApp, waitStatus } from '../helpers/queue.js';
import { BreakerRegistry, type BreakerInfo } from '../../src/outbound/breakers.js';
import { HttpClient, type HttpClientOptions } from '../../src/outbound/http-client.js';
import { CircuitOpenError, UpstreamTimeoutError, UpstreamUnreachableError } from '../../src/outbound/errors.js';
import { backoffDelay, parseRetryAfter } from '../../src/outbound/retry.js';
import { hostAllowed } from '../../src/outbound/target-guard.js';
import { runWithRequestId } from '../../src/http/request-context.js';
import httpJob from '../../src/jobs/types/http.js';
import type { JobContext } from '../../src/jobs/registry.js';
import type { FastifyInstance } from 'fastify';

const ADMIN = 'a'.repeat(32);

function client(overrides: Partial<HttpClientOptions> & { threshold?: number; resetMs?: number } = {}) {
  const { threshold = 3, resetMs = 300, ...rest } = overrides;
  const breakers = new BreakerRegistry({ threshold, resetMs });
  return new HttpClient({ breakers, timeoutMs: 2000, retries: 0, maxDelayMs: 2000, baseDelayMs: 10, ...rest });
}

function record(breakers: BreakerRegistry) {
  const events: string[] = [];
  for (const e of ['open', 'half-open', 'close'] as const) breakers.on(e, (b: BreakerInfo) => events.push(`${e}:${b.host}`));
  return events;
}

test('breaker opens after the configured consecutive failures, fails fast, half-opens after the reset time and closes on success', async (t) => {
  const srv = await httpReceiver(reply(500, 'down'));
  t.after(() => srv.close());
  const http = client({ threshold: 3, resetMs: 300 });
  const host = `127.0.0.1:${srv.port}`;
  const events = record(http.breakers);

  for (let i = 1; i <= 3; i++) {
    const res = await http.request(`${srv.url}/x`);
    assert.equal(res.status, 500); // 5xx responses are returned, and counted against the host
    await res.body?.cancel();
  }
  assert.equal(http.breakers.info(host)?.state, 'open');
  assert.deepEqual(events, [`open:${host}`]);

  // Open: no call reaches the server.
  await assert.rejects(http.request(`${srv.url}/x`), (err: unknown) => {
    assert.ok(err instanceof CircuitOpenError);
    assert.equal(err.statusCode, 503);
    assert.equal(err.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(err.message, 'Upstream service unavailable, retry later');
    assert.equal(err.retryAfter, 1);
    assert.equal(err.host, host);
    return true;
  });
  assert.equal(srv.received.length, 3);
  assert.equal(http.stats.rejectedOpen, 1);

  // After the reset time one trial call goes through; the server has recovered, so it closes.
  await sleep(350);
  srv.respondWith(reply(200, 'back'));
  const res = await http.request(`${srv.url}/x`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'back');
  assert.equal(srv.received.length, 4);
  assert.deepEqual(events, [`open:${host}`, `half-open:${host}`, `close:${host}`]);
  assert.equal(http.breakers.info(host)?.state, 'closed');
  assert.equal(http.breakers.info(host)?.opens, 1);
});

test('a failed trial call in half-open re-opens the breaker; breakers are per host', async (t) => {
  const bad = await httpReceiver(reply(503));
  const good = await httpReceiver();
  t.after(() => Promise.all([bad.close(), good.close()]));
  const http = client({ threshold: 2, resetMs: 200 });
  for (let i = 0; i < 2; i++) await (await http.request(bad.url)).body?.cancel();
  await assert.rejects(http.request(bad.url), CircuitOpenError);
  // Another host is unaffected.
  assert.equal((await http.request(good.url)).status, 200);

  await sleep(250);
  const trial = await http.request(bad.url); // the trial reaches the server and fails
  assert.equal(trial.status, 503);
  assert.equal(bad.received.length, 3);
  assert.equal(http.breakers.info(`127.0.0.1:${bad.port}`)?.state, 'open');
  assert.equal(http.breakers.info(`127.0.0.1:${bad.port}`)?.opens, 2);
  await assert.rejects(http.request(bad.url), CircuitOpenError);
  assert.equal(bad.received.length, 3);
});

test('network errors and timeouts count as failures; 4xx do not', async (t) => {
  const port = await freePort(); // nothing listens here
  const http = client({ threshold: 2 });
  await assert.rejects(http.request(`http://127.0.0.1:${port}/`), (err: unknown) => {
    assert.ok(err instanceof UpstreamUnreachableError);
    assert.equal(err.statusCode, 502);
    assert.equal(err.message, 'Upstream service unreachable');
    assert.equal(err.reason, 'ECONNREFUSED');
    return true;
  });
  await assert.rejects(http.request(`http://127.0.0.1:${port}/`), UpstreamUnreachableError);
  await assert.rejects(http.request(`http://127.0.0.1:${port}/`), CircuitOpenError);

  const hang = await httpReceiver(() => {}); // never answers
  const notFound = await httpReceiver(reply(404));
  t.after(() => Promise.all([hang.close(), notFound.close()]));
  const t0 = performance.now();
  await assert.rejects(http.request(hang.url, { timeoutMs: 150 }), (err: unknown) => {
    assert.ok(err instanceof UpstreamTimeoutError);
    assert.equal(err.statusCode, 504);
    assert.equal(err.timeoutMs, 150);
    return true;
  });
  assert.ok(performance.now() - t0 < 2000, 'the per-call timeout bounds the call');
  assert.equal(http.breakers.info(`127.0.0.1:${hang.port}`)?.consecutiveFailures, 1);

  for (let i = 0; i < 5; i++) assert.equal((await http.request(notFound.url)).status, 404);
  assert.equal(http.breakers.info(`127.0.0.1:${notFound.port}`)?.state, 'closed');
  assert.equal(http.breakers.info(`127.0.0.1:${notFound.port}`)?.consecutiveFailures, 0);
});

test('retries idempotent requests on transient failures only', async (t) => {
  let n = 0;
  const flaky = await httpReceiver((_req, res) => void (++n <= 2 ? res.writeHead(503).end() : res.end('ok')));
  const srv500 = await httpReceiver(reply(500));
  const srv404 = await httpReceiver(reply(404));
  const always503 = await httpReceiver(reply(503));
  t.after(() => Promise.all([flaky.close(), srv500.close(), srv404.close(), always503.close()]));
  const http = client({ retries: 2, threshold: 100 });

  const ok = await http.request(flaky.url); // GET: 503, 503, 200
  assert.equal(ok.status, 200);
  assert.equal(ok.attempts, 3);
  assert.equal(flaky.received.length, 3);

  // 500 is not transient: no retry.
  assert.equal((await http.request(srv500.url)).status, 500);
  assert.equal(srv500.received.length, 1);
  // 4xx: no retry.
  assert.equal((await http.request(srv404.url, { method: 'PUT', body: 'x' })).status, 404);
  assert.equal(srv404.received.length, 1);

  // POST is not idempotent: never retried...
  const post = await http.request(always503.url, { method: 'POST', body: '{}' });
  assert.equal(post.status, 503);
  assert.equal(post.attempts, 1);
  assert.equal(always503.received.length, 1);
  // ...unless it carries an Idempotency-Key.
  const keyed = await http.request(always503.url, { method: 'POST', body: '{}', headers: { 'idempotency-key': 'k1' } });
  assert.equal(keyed.status, 503);
  assert.equal(keyed.attempts, 3);
  assert.equal(always503.received.length, 4);
  assert.equal(always503.received[3]!.body, '{}'); // the body is sent again
  // Retries exhausted on a GET: the last response comes back.
  const last = await http.request(always503.url);
  assert.equal(last.attempts, 3);
  assert.equal(always503.received.length, 7);
});

test('network errors are retried for idempotent methods, not for POST', async (t) => {
  let n = 0;
  const srv = await httpReceiver((_req, res) => void (++n === 1 ? res.socket?.destroy() : res.end('ok')));
  t.after(() => srv.close());
  const http = client({ retries: 2, threshold: 100 });
  const res = await http.request(srv.url);
  assert.equal(res.status, 200);
  assert.equal(res.attempts, 2);

  srv.respondWith((_req, res) => void res.socket?.destroy());
  const before = srv.received.length;
  await assert.rejects(http.request(srv.url, { method: 'POST', body: 'x' }), UpstreamUnreachableError);
  assert.equal(srv.received.length, before + 1);
});

test('429 honours Retry-After within the cap, and is not retried when Retry-After exceeds it', async (t) => {
  let n = 0;
  const limited = await httpReceiver((_req, res) => void (++n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.end('ok')));
  const longWait = await httpReceiver(reply(429, '', { 'retry-after': '120' }));
  t.after(() => Promise.all([limited.close(), longWait.close()]));
  const http = client({ retries: 2, maxDelayMs: 2000, baseDelayMs: 10 });

  const res = await http.request(limited.url);
  assert.equal(res.status, 200);
  const waited = limited.received[1]!.at - limited.received[0]!.at;
  assert.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);

  const t0 = Date.now();
  const res2 = await http.request(longWait.url);
  assert.equal(res2.status, 429);
  assert.equal(res2.attempts, 1);
  assert.equal(longWait.received.length, 1);
  assert.ok(Date.now() - t0 < 1000, 'did not wait for a Retry-After beyond the cap');
});

test('the caller signal ends the call and the wait between attempts, without counting against the host', async (t) => {
  const srv = await httpReceiver(reply(503));
  const hang = await httpReceiver(() => {});
  t.after(() => Promise.all([srv.close(), hang.close()]));
  const http = client({ retries: 5, baseDelayMs: 5000, maxDelayMs: 5000, threshold: 1 });
  const t0 = performance.now();
  await assert.rejects(http.request(srv.url, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
  assert.ok(performance.now() - t0 < 3000);

  const ac = new AbortController();
  const p = http.request(hang.url, { signal: ac.signal });
  await hang.waitFor(1);
  ac.abort(new Error('job cancelled'));
  await assert.rejects(p, { message: 'job cancelled' });
  assert.equal(http.breakers.info(`127.0.0.1:${hang.port}`)?.state, 'closed');
});

test('request id: explicit, from the request context, and from a real request through the app (POST body too)', async (t) => {
  const srv = await httpReceiver();
  t.after(() => srv.close());
  const http = client();
  await http.request(srv.url, { requestId: 'explicit-1' });
  await runWithRequestId('ctx-2', () => http.request(srv.url));
  await runWithRequestId('ctx-3', () => http.request(srv.url, { headers: { 'x-request-id': 'caller-set' } }));
  await http.request(srv.url);
  assert.deepEqual(
    srv.received.map((r) => r.headers['x-request-id']),
    ['explicit-1', 'ctx-2', 'caller-set', undefined],
  );

  const app = await build(
    t,
    {},
    {
      configure: (a) => {
        a.post('/api/test/call-out', async () => {
          await sleep(5);
          const res = await a.outbound.request(`${srv.url}/from-app`);
          return { status: res.status };
        });
      },
    },
  );
  // A real socket (not inject), and a body that arrives in two chunks: the context must survive parsing.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":'));
      await sleep(30);
      controller.enqueue(new TextEncoder().encode('1}'));
      controller.close();
    },
  });
  const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/test/call-out`, {
    method: 'POST',
    headers: { 'x-request-id': 'inbound-42', 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 200);
  const last = srv.received.at(-1)!;
  assert.equal(last.url, '/from-app');
  assert.equal(last.headers['x-request-id'], 'inbound-42');
  assert.match(String(last.headers['user-agent']), /^railfast\//);
});

test('breaker states in /health/details and /metrics', async (t) => {
  const srv = await httpReceiver(reply(502));
  t.after(() => srv.close());
  const app = await build(t, { ADMIN_TOKEN: ADMIN, OUTBOUND_BREAKER_THRESHOLD: '2', OUTBOUND_RETRIES: '0' });
  for (let i = 0; i < 2; i++) await (await app.outbound.request(srv.url)).body?.cancel();
  const host = `127.0.0.1:${srv.port}`;

  const details = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(details.statusCode, 200);
  const outbound = details.json().stats.outbound;
  assert.equal(outbound.requests, 2);
  assert.equal(outbound.breakers[host].state, 'open');
  assert.equal(outbound.breakers[host].consecutiveFailures, 2);
  assert.equal(outbound.breakers[host].lastError, 'HTTP 502');
  assert.ok(Date.parse(outbound.breakers[host].halfOpenAt) > Date.now());

  const metrics = await app.inject({ url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, new RegExp(`circuit_breaker_state\\{target="${host}"\\} 2`));
  assert.match(metrics.body, new RegExp(`circuit_breaker_opens_total\\{target="${host}"\\} 1`));
});

/** The context the Runner gives a handler: the app's services (no globals) plus the attempt's own. */
function jobCtx(app: FastifyInstance, jobId: string, signal = new AbortController().signal): JobContext {
  return { db: app.db, http: app.outbound, config: app.config, signal, attempt: 1, maxAttempts: 3, jobId, log: app.log };
}

test('http job: calls through the outbound client with the job id, fails on non-2xx, respects the host allow-list', async (t) => {
  const srv = await httpReceiver(
    (req, res) =>
      void (req.url === '/fail'
        ? res.writeHead(500).end('boom')
        : res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000))),
  );
  t.after(() => srv.close());
  // The stand-in target is on loopback, which the http job refuses unless OUTBOUND_ALLOW_PRIVATE names it.
  const app = await build(t, { OUTBOUND_RETRIES: '1', OUTBOUND_BREAKER_THRESHOLD: '50', OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });

  const result = (await httpJob.handler({ url: `${srv.url}/ok`, method: 'GET' }, jobCtx(app, 'job-1'))) as Record<string, unknown>;
  assert.equal(result.status, 200);
  assert.equal(result.attempts, 1);
  assert.equal(result.contentType, 'text/plain');
  assert.equal((result.body as string).length, 2048);
  const got = srv.received[0]!;
  assert.equal(got.method, 'GET');
  assert.equal(got.headers['x-request-id'], 'job-1');
  assert.equal(got.headers['idempotency-key'], 'job-1');

  await assert.rejects(httpJob.handler({ url: `${srv.url}/fail`, method: 'POST' }, jobCtx(app, 'job-2')), {
    message: `POST ${srv.url}/fail answered 500: boom`,
  });
  assert.equal(srv.received.filter((r) => r.url === '/fail').length, 1); // POST: not retried by the client

  srv.respondWith(
    (req, res) => void (req.url === '/moved' ? res.writeHead(302, { location: 'http://169.254.169.254/latest/' }).end() : res.end('x')),
  );
  await assert.rejects(httpJob.handler({ url: `${srv.url}/moved`, method: 'GET' }, jobCtx(app, 'job-5')), {
    message: `GET ${srv.url}/moved answered 302 (redirects are not followed)`,
  });

  const port = await freePort();
  // Which ports answer is not the submitter's to learn: the stored error is generic.
  await assert.rejects(httpJob.handler({ url: `http://127.0.0.1:${port}/`, method: 'GET' }, jobCtx(app, 'job-3')), {
    message: `GET http://127.0.0.1:${port}/: no answer`,
  });
});

test('http job: a refused target is a 400 at submission (nothing stored); a job that got in anyway calls nothing', async (t) => {
  const srv = await httpReceiver();
  t.after(() => srv.close());
  for (const env of [
    { NODE_ENV: 'production', CORS_ORIGINS: 'https://example.com', DEMO_JOBS: 'true' }, // host not in HTTP_JOB_ALLOWED_HOSTS
    { HTTP_JOB_ALLOWED_HOSTS: '*' }, // any host, but loopback without OUTBOUND_ALLOW_PRIVATE
  ]) {
    const app = await build(t, { ...env, ADMIN_TOKEN });
    const res = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: admin, payload: { type: 'http', payload: { url: `${srv.url}/` } } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'OUTBOUND_TARGET_REFUSED');
    assert.equal(res.json().message, 'The target URL is not allowed');
    assert.equal(await app.db.job.count(), 0);
    await assert.rejects(httpJob.handler({ url: `${srv.url}/`, method: 'GET' }, jobCtx(app, 'job-4')), {
      message: `GET ${srv.url}/: request failed`,
    });
  }
  assert.equal(srv.received.length, 0);

  assert.equal(hostAllowed(new URL('https://api.example.com/x'), ['*.example.com']), true);
  assert.equal(hostAllowed(new URL('https://example.com/x'), ['*.example.com']), false);
  assert.equal(hostAllowed(new URL('https://evilexample.com/x'), ['*.example.com']), false);
  assert.equal(hostAllowed(new URL('http://127.0.0.1:8080/x'), ['127.0.0.1:8080']), true);
  assert.equal(hostAllowed(new URL('http://127.0.0.1:8081/x'), ['127.0.0.1:8080']), false);
  assert.equal(hostAllowed(new URL('http://localhost:1/x'), ['LOCALHOST']), true);
});

test('backoff grows exponentially with jitter and stays under the cap; Retry-After parses seconds and dates', () => {
  // Half jitter: each delay lies between half the exponential step and the step.
  const within = (retry: number, base: number, cap: number, lo: number, hi: number) => {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(retry, base, cap);
      assert.ok(d >= lo && d <= hi, `retry ${retry}: ${d} not in [${lo}, ${hi}]`);
    }
  };
  within(1, 100, 10_000, 50, 100);
  within(3, 100, 10_000, 200, 400);
  within(20, 100, 1000, 500, 1000);
  assert.ok(new Set(Array.from({ length: 50 }, () => backoffDelay(3, 100, 10_000))).size > 1, 'jittered');
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('caller mistakes throw before the breaker and never count against the host', async (t) => {
  const srv = await httpReceiver();
  t.after(() => srv.close());
  const http = client({ threshold: 1 });
  await assert.rejects(http.request(srv.url, { method: 'GET', body: 'x' }), { message: 'GET request cannot have a body' });
  await assert.rejects(http.request('ftp://127.0.0.1/'), { message: 'outbound URL must be http(s), got "ftp:"' });
  assert.equal((await http.request(srv.url)).status, 200);
  assert.equal(http.breakers.info(`127.0.0.1:${srv.port}`)?.state, 'closed');
  assert.equal(http.breakers.info(`127.0.0.1:${srv.port}`)?.consecutiveFailures, 0);
});

test('http job end to end: submitted through the API, run by the queue; a failing target ends dead and raises an alert', async (t) => {
  const target = await httpReceiver((req, res) => void (req.url === '/ok' ? res.end('hello') : res.writeHead(503).end()));
  const hook = await httpReceiver();
  t.after(() => Promise.all([target.close(), hook.close()]));
  const app = await buildQueueApp({
    ALERT_WEBHOOK_URL: hook.url,
    OUTBOUND_RETRIES: '1',
    OUTBOUND_RETRY_MAX_DELAY_MS: '50',
    ALERT_JOB_DEAD_WINDOW_MS: '200',
    OUTBOUND_ALLOW_PRIVATE: `127.0.0.1:${target.port}`,
  });
  t.after(() => app.close());

  const id = await accept(app, { type: 'http', payload: { url: `${target.url}/ok` } });
  const done = await waitStatus(app, id, ['completed'], 30_000);
  assert.deepEqual(
    { ...(done.result as Record<string, unknown>), durationMs: 0 },
    {
      status: 200,
      attempts: 1,
      durationMs: 0,
      contentType: null,
      body: 'hello',
    },
  );
  const call = target.received.find((r) => r.url === '/ok')!;
  assert.equal(call.headers['x-request-id'], id);
  assert.equal(call.headers['idempotency-key'], id);

  const deadId = await accept(app, { type: 'http', payload: { url: `${target.url}/down`, method: 'GET' }, maxAttempts: 1 });
  const dead = await waitStatus(app, deadId, ['dead'], 30_000);
  assert.equal(dead.lastError, `GET ${target.url}/down answered 503`);
  assert.equal(target.received.filter((r) => r.url === '/down').length, 2); // GET: one client-level retry on 503
  await hook.waitFor(1, 10_000);
  const alert = hook.received.map((r) => JSON.parse(r.body)).find((a) => a.type === 'job.dead');
  assert.ok(alert, 'job.dead alert delivered');
  assert.equal(alert.details.sampleJobIds, deadId); // one summary per type and window
});
