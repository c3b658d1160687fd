/**
 * Sentry: the real service as a process, with SENTRY_DSN pointing at a local HTTP server standing
 * in for Sentry's ingest endpoint. Asserts what is reported (5xx with the request id, dead jobs,
 * uncaught errors flushed during the drain) and what never is (404, 400, deliberate 503).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from '../helpers/process.js';
import { freePort } from '../helpers/services.js';
import { httpReceiver, type Received } from '../helpers/http-receiver.js';
import { sentrySettings, shouldReport } from '../../src/observability/sentry.js';
import { HttpError, ServiceUnavailableError } from '../../src/http/errors.js';

const FIXTURE = ['--import', 'tsx', '--import', './src/instrument.ts', 'test/fixtures/sentry-server.ts'];

/** Compiling the app with tsx on a loaded 2-core machine can take well over the helper's default 15 s. */
const BOOT_TIMEOUT_MS = 60_000;

type SentryEvent = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The `event` items of the envelopes received (an envelope is newline-separated JSON: header, then item header / payload pairs). */
function events(received: Received[]): SentryEvent[] {
  const out: SentryEvent[] = [];
  for (const r of received) {
    const lines = r.body.split('\n').filter(Boolean);
    for (let i = 1; i + 1 < lines.length; i += 2) {
      if ((JSON.parse(lines[i]!) as { type?: string }).type === 'event') out.push(JSON.parse(lines[i + 1]!) as SentryEvent);
    }
  }
  return out;
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** A fake ingest endpoint and the service started against it; both cleaned up after the test. */
async function serviceWithSentry(t: TestContext, env: Record<string, string> = {}) {
  const ingest = await httpReceiver((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  t.after(() => ingest.close());
  const port = await freePort();
  const p = await startProcess(
    FIXTURE,
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: 'pglite:memory',
      READINESS_DRAIN_DELAY_MS: '0',
      LOG_LEVEL: 'info',
      // Not what is tested here; on a loaded machine the first requests after boot would be shed.
      LOAD_SHEDDING_ENABLED: 'false',
      SENTRY_DSN: `http://public@127.0.0.1:${ingest.port}/1`,
      ...env,
    },
    BOOT_TIMEOUT_MS,
  );
  t.after(() => {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });
  return { ingest, p, base: `http://127.0.0.1:${p.port}` };
}

test('an envelope arrives for a 500 (tagged with the request id) and none for 404, 400 or a deliberate 503; dead jobs and crashes too', async (t) => {
  const { ingest, p, base } = await serviceWithSentry(t, { SENTRY_ENVIRONMENT: 'ci', RAILWAY_GIT_COMMIT_SHA: 'abcdef1234567890abcdef' });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }));

  // Not reported: the client's mistakes and deliberate back-pressure.
  assert.equal((await get('/nope')).status, 404);
  assert.equal((await get('/test/bad')).status, 400);
  assert.equal((await get('/test/busy')).status, 503);
  // Reported.
  const boom = await get('/test/boom?token=s3cretQueryToken&page=1', { 'x-request-id': 'sentry-test-500', authorization: 'Bearer do-not-send-me' });
  assert.equal(boom.status, 500);

  await until('the 500 event', () => events(ingest.received).length >= 1);
  const all = events(ingest.received);
  assert.equal(all.length, 1, `only the 500 is reported, got: ${all.map((e) => e.exception?.values?.[0]?.value ?? e.message).join(', ')}`);
  const e = all[0]!;
  assert.equal(e.exception.values[0].type, 'Error');
  assert.equal(e.exception.values[0].value, 'boom from the test route');
  assert.equal(e.exception.values[0].mechanism.type, 'auto.function.fastify');
  assert.equal(e.tags.request_id, 'sentry-test-500');
  assert.equal(e.environment, 'ci');
  assert.equal(e.release, 'railfast@0.1.0+abcdef123456');
  assert.equal(e.request?.headers?.authorization, undefined);
  // The light setup (tracing off) still attaches the request, through Node's own HTTP channels.
  assert.equal(e.request?.method, 'GET');
  assert.match(e.request?.url ?? '', /\/test\/boom\?/);
  assert.ok(!e.sdk.integrations.includes('Express') && !e.sdk.integrations.includes('ProcessSession'), `light integration set: ${e.sdk.integrations}`);
  assert.ok(!JSON.stringify(e).includes('s3cretQueryToken'), 'credential-like query parameters are masked');
  const envelopeUrl = ingest.received.find((r) => r.body.includes('boom from the test route'))!.url;
  assert.match(envelopeUrl, /^\/api\/1\/envelope\/\?.*sentry_key=public/);

  // A job that ends dead.
  // Submitted with headers (embedded mode runs the job in the request's context): none of them reach the event.
  assert.equal((await fetch(`${base}/test/dead`, { method: 'POST', headers: { 'x-submitter-secret': 'from-the-submitter' } })).status, 200);
  await until('the dead-job event', () => events(ingest.received).length >= 2);
  const dead = events(ingest.received)[1]!;
  assert.equal(dead.message, 'Job http dead after 3 attempt(s): GET http://x answered 500');
  assert.equal(dead.level, 'error');
  assert.deepEqual({ job_id: dead.tags.job_id, job_type: dead.tags.job_type }, { job_id: 'job-123', job_type: 'http' });
  assert.deepEqual(dead.fingerprint, ['job-dead', 'http']);
  assert.equal(dead.request, undefined, 'a job event carries no request');
  assert.ok(!JSON.stringify(dead).includes('from-the-submitter'));

  // An uncaught exception: captured, then the drain flushes it before the process exits 1.
  assert.equal((await get('/test/crash')).status, 200);
  const code = await Promise.race([p.exit, sleep(15_000, 'timeout', { ref: false })]);
  assert.equal(code, 1);
  const crash = events(ingest.received).find((ev) => ev.exception?.values?.[0]?.value === 'crash outside a request');
  assert.ok(crash, 'the crash reached Sentry before exit');
  assert.equal(crash.exception.values[0].mechanism.handled, false);
  assert.ok(
    p.logs.some((l) => l.msg === 'shutdown: closed sentry'),
    'the flush ran as a shutdown step',
  );
  assert.equal(events(ingest.received).length, 3);
});

test('with tracing on, the Sentry Fastify integration captures the 500 (and still not the 404)', async (t) => {
  const { ingest, base } = await serviceWithSentry(t, { SENTRY_TRACES_SAMPLE_RATE: '1' });
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/test/boom`, { headers: { 'x-request-id': 'traced-500' } })).status, 500);
  await until('the 500 event', () => events(ingest.received).length >= 1);
  await sleep(300); // room for a wrongly reported 404 to arrive too
  const all = events(ingest.received);
  assert.equal(all.length, 1);
  assert.equal(all[0]!.exception.values[0].value, 'boom from the test route');
  assert.equal(all[0]!.tags.request_id, 'traced-500');
  assert.equal(all[0]!.transaction, 'GET /test/boom');
});

test('no SENTRY_DSN: no settings (instrument.ts loads nothing); the filter reports 5xx only, minus deliberate 503s', () => {
  assert.equal(sentrySettings({}), null);
  assert.equal(sentrySettings({ SENTRY_DSN: '' }), null);
  assert.equal(sentrySettings({ SENTRY_DSN: 'not a url' }), null); // boot validation reports it
  assert.deepEqual(
    sentrySettings({
      SENTRY_DSN: 'https://k@o1.ingest.sentry.io/2',
      NODE_ENV: 'production',
      RAILWAY_ENVIRONMENT_NAME: 'prod',
      SENTRY_TRACES_SAMPLE_RATE: '0.2',
    }),
    {
      dsn: 'https://k@o1.ingest.sentry.io/2',
      environment: 'prod',
      release: sentrySettings({ SENTRY_DSN: 'https://k@o1.ingest.sentry.io/2' })!.release,
      tracesSampleRate: 0.2,
    },
  );
  assert.equal(sentrySettings({ SENTRY_DSN: 'https://k@o1.ingest.sentry.io/2' })!.tracesSampleRate, undefined);

  const req = { id: 'r1' };
  assert.equal(shouldReport(new Error('x'), req), true);
  assert.equal(shouldReport(new HttpError(502, 'bad gateway'), req), true);
  assert.equal(shouldReport(Object.assign(new Error('x'), { statusCode: 404 }), req), false);
  assert.equal(shouldReport(new HttpError(400, 'bad'), req), false);
  assert.equal(shouldReport(new HttpError(429, 'slow down', { retryAfter: 5 }), req), false);
  assert.equal(shouldReport(new ServiceUnavailableError('db down'), req), false);
});
