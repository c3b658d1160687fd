/**
 * Alerts (src/alerts, plugins/app/alerts.ts, plugins/app/health-monitor.ts): payload shapes for the
 * generic webhook, Slack and Discord, sink isolation, the per-type rate limit, the health monitor's
 * threshold and recovery, and the events that raise alerts. Receivers are local HTTP servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, memoryLogger } from '../helpers/build.js';
import { publicConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/services.js';
import { httpReceiver, reply } from '../helpers/http-receiver.js';
import { Alerts } from '../../src/alerts/alerts.js';
import { HealthMonitor } from '../../src/alerts/health-monitor.js';
import { webhookSink } from '../../src/alerts/sinks.js';
import type { Alert } from '../../src/alerts/types.js';
import type { CheckResult } from '../../src/health/registry.js';

const ADMIN = 'a'.repeat(32);
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Poll `cond` every 20 ms; fail after `timeoutMs`. */
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

test('payload shapes: generic webhook, Slack and Discord each get their documented JSON', async (t) => {
  const hook = await httpReceiver();
  const slack = await httpReceiver();
  const discord = await httpReceiver(reply(204));
  t.after(() => Promise.all([hook.close(), slack.close(), discord.close()]));
  const app = await build(t, {
    ALERT_WEBHOOK_URL: `${hook.url}/alerts`,
    SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/x`,
    DISCORD_WEBHOOK_URL: `${discord.url}/api/webhooks/1/y`,
    RAILWAY_SERVICE_NAME: 'api',
    RAILWAY_ENVIRONMENT_NAME: 'staging',
    RAILWAY_REPLICA_ID: 'replica-7',
  });
  assert.deepEqual(app.alerts.sinks, ['log', 'webhook', 'slack', 'discord']);

  const deliveries = await app.alerts.raise({
    type: 'test.shape',
    severity: 'critical',
    title: 'Database unreachable',
    message: 'connect ECONNREFUSED',
    details: { check: 'database', failures: 3 },
  });
  assert.deepEqual(
    deliveries?.map((d) => [d.sink, d.ok]),
    [
      ['log', true],
      ['webhook', true],
      ['slack', true],
      ['discord', true],
    ],
  );

  for (const r of [hook, slack, discord]) {
    assert.equal(r.received.length, 1);
    assert.equal(r.received[0]!.method, 'POST');
    assert.equal(r.received[0]!.headers['content-type'], 'application/json');
  }
  assert.equal(hook.received[0]!.url, '/alerts');

  const generic = json(hook.received[0]!);
  assert.deepEqual(
    { ...generic, at: 'x' },
    {
      type: 'test.shape',
      severity: 'critical',
      title: 'Database unreachable',
      message: 'connect ECONNREFUSED',
      details: { check: 'database', failures: 3 },
      at: 'x',
      service: 'api',
      environment: 'staging',
      instance: 'replica-7',
    },
  );
  assert.ok(Math.abs(Date.parse(generic.at) - Date.now()) < 10_000);

  const s = json(slack.received[0]!);
  assert.equal(s.text, '🔴 [CRITICAL] Database unreachable');
  assert.equal(s.attachments.length, 1);
  assert.equal(s.attachments[0].color, '#d63232');
  assert.equal(s.attachments[0].text, 'connect ECONNREFUSED');
  assert.deepEqual(
    s.attachments[0].fields.map((f: { title: string; value: string }) => [f.title, f.value]),
    [
      ['check', 'database'],
      ['failures', '3'],
      ['type', 'test.shape'],
      ['service', 'api'],
      ['environment', 'staging'],
      ['instance', 'replica-7'],
    ],
  );
  assert.equal(typeof s.attachments[0].ts, 'number');

  const d = json(discord.received[0]!);
  assert.equal(d.content, '🔴 [CRITICAL] Database unreachable');
  assert.equal(d.embeds.length, 1);
  assert.equal(d.embeds[0].title, 'Database unreachable');
  assert.equal(d.embeds[0].description, 'connect ECONNREFUSED');
  assert.equal(d.embeds[0].color, 0xd63232);
  assert.equal(d.embeds[0].timestamp, generic.at);
  assert.deepEqual(d.embeds[0].fields[0], { name: 'check', value: 'database', inline: true });
  assert.deepEqual(d.allowed_mentions, { parse: [] });
});

test('sink isolation: a hanging sink, a 500 and an unreachable one do not stop the others', async (t) => {
  const hang = await httpReceiver(() => {}); // never answers
  const broken = await httpReceiver(reply(500));
  const good = await httpReceiver(reply(204));
  t.after(() => Promise.all([hang.close(), broken.close(), good.close()]));
  const { logger, lines } = memoryLogger('warn');
  const app = await build(
    t,
    {
      ALERT_WEBHOOK_URL: hang.url,
      SLACK_WEBHOOK_URL: broken.url,
      DISCORD_WEBHOOK_URL: good.url,
      ALERT_TIMEOUT_MS: '300',
      ADMIN_TOKEN: ADMIN,
    },
    { logger },
  );

  const t0 = performance.now();
  const deliveries = await app.alerts.raise({ type: 'test.isolation', severity: 'warning', title: 'isolation' });
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 3000, `bounded by the sink timeout, took ${elapsed} ms`);
  assert.deepEqual(
    deliveries?.map((d) => [d.sink, d.ok, d.error]),
    [
      ['log', true, undefined],
      ['webhook', false, 'timed out after 300 ms'],
      ['slack', false, 'answered 500'],
      ['discord', true, undefined],
    ],
  );
  assert.equal(good.received.length, 1);
  assert.ok(lines.some((l) => l.msg === 'alert sink webhook failed: timed out after 300 ms' && l.level === 'warn'));
  assert.ok(lines.some((l) => l.msg === 'alert sink slack failed: answered 500'));
  assert.ok(lines.some((l) => l.msg === 'alert [warning] isolation' && l.level === 'warn'));

  const stats = (app.health.stats() as Record<string, any>).alerts; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(stats.raised, 1);
  assert.deepEqual(stats.sinks.discord, { sent: 1, failed: 0 });
  assert.equal(stats.sinks.slack.failed, 1);
  assert.equal(stats.sinks.slack.lastError, 'answered 500');

  // An unreachable sink (nothing listening) is the same: logged, isolated.
  const port = await freePort();
  const alerts = new Alerts({
    sinks: [webhookSink(`http://127.0.0.1:${port}/`), webhookSink(good.url)],
    timeoutMs: 1000,
    rateLimit: { max: 10, windowMs: 60_000 },
    service: 's',
    environment: 'e',
    instance: 'i',
    log: app.log,
  });
  const r = await alerts.raise({ type: 'x', severity: 'info', title: 'x' });
  assert.deepEqual(
    r?.map((d) => d.ok),
    [false, true],
  );
  assert.equal(good.received.length, 2);
});

test('rate limit: at most N alerts per type per window; the next one says how many were suppressed', async (t) => {
  const hook = await httpReceiver();
  t.after(() => hook.close());
  let now = 1_000_000;
  const { logger, lines } = memoryLogger('warn');
  const alerts = new Alerts({
    sinks: [webhookSink(hook.url)],
    timeoutMs: 2000,
    rateLimit: { max: 10, windowMs: 5 * 60_000 },
    service: 's',
    environment: 'e',
    instance: 'i',
    log: logger,
    now: () => now,
  });
  const results = [];
  for (let i = 0; i < 13; i++) {
    results.push(await alerts.raise({ type: 'breaker.open', severity: 'warning', title: `open ${i}` }));
    now += 1000;
  }
  assert.equal(results.filter((r) => r !== null).length, 10);
  assert.equal(results.filter((r) => r === null).length, 3);
  assert.equal(hook.received.length, 10);
  // One log line for the suppression, not one per suppressed alert.
  assert.equal(lines.filter((l) => String(l.msg).startsWith('alerts of type "breaker.open" rate-limited')).length, 1);
  assert.equal(lines[0]!.msg, 'alerts of type "breaker.open" rate-limited (at most 10 per 300 s); further ones are counted, not sent');

  // Other types are counted separately.
  assert.notEqual(await alerts.raise({ type: 'job.dead', severity: 'warning', title: 'dead' }), null);

  // Once the oldest leave the window, alerts flow again and report the gap.
  now += 5 * 60_000;
  const next = await alerts.raise({ type: 'breaker.open', severity: 'warning', title: 'open again' });
  assert.notEqual(next, null);
  const last = JSON.parse(hook.received.at(-1)!.body) as Alert;
  assert.equal(last.title, 'open again');
  assert.equal(last.suppressed, 3);
  assert.deepEqual(alerts.stats(), { raised: 12, suppressed: 3, pending: 0, sinks: { webhook: { sent: 12, failed: 0 } } });
});

test('rate limit from config: ALERT_RATE_LIMIT_MAX per ALERT_RATE_LIMIT_WINDOW_MS', async (t) => {
  const hook = await httpReceiver();
  t.after(() => hook.close());
  const app = await build(t, { ALERT_WEBHOOK_URL: hook.url, ALERT_RATE_LIMIT_MAX: '2', ALERT_RATE_LIMIT_WINDOW_MS: '60000' });
  for (let i = 0; i < 4; i++) await app.alerts.raise({ type: 'same', severity: 'info', title: `n${i}` });
  assert.deepEqual(
    hook.received.map((r) => JSON.parse(r.body).title),
    ['n0', 'n1'],
  );
});

function results(map: Record<string, 'up' | 'down'>): Record<string, CheckResult> {
  return Object.fromEntries(
    Object.entries(map).map(([k, status]) => [
      k,
      { status, critical: k === 'db', latencyMs: 1, ...(status === 'down' ? { error: `${k} down` } : {}) },
    ]),
  );
}

test('health monitor logic: alert after N consecutive failures (once), recovery when it passes again', () => {
  const m = new HealthMonitor(3);
  assert.deepEqual(m.observe(results({ db: 'down', cache: 'up' }), 0), []);
  assert.deepEqual(m.observe(results({ db: 'down', cache: 'down' }), 1000), []);
  assert.deepEqual(m.observe(results({ db: 'up', cache: 'down' }), 2000), []); // db's run broken: counter resets
  assert.deepEqual(m.observe(results({ db: 'down', cache: 'down' }), 3000), [
    { kind: 'failing', name: 'cache', critical: false, failures: 3, error: 'cache down' },
  ]);
  assert.deepEqual(m.observe(results({ db: 'down', cache: 'down' }), 4000), []); // no repeat while still failing
  assert.deepEqual(m.observe(results({ db: 'down', cache: 'up' }), 5000), [
    { kind: 'failing', name: 'db', critical: true, failures: 3, error: 'db down' },
    { kind: 'recovered', name: 'cache', critical: false, downForMs: 4000 },
  ]);
  assert.deepEqual(m.snapshot(), { db: { consecutiveFailures: 3, alerting: true }, cache: { consecutiveFailures: 0, alerting: false } });
});

test('health monitor in the app: runs the registered checks, alerts after HEALTH_ALERT_THRESHOLD failures and on recovery', async (t) => {
  const hook = await httpReceiver();
  t.after(() => hook.close());
  let healthy = true;
  const app = await build(
    t,
    { ALERT_WEBHOOK_URL: hook.url, HEALTH_MONITOR_INTERVAL_MS: '40', HEALTH_ALERT_THRESHOLD: '3', ADMIN_TOKEN: ADMIN },
    {
      configure: (a) =>
        a.health.register({
          name: 'upstream',
          critical: true,
          check: async () => {
            if (!healthy) throw new Error('connection refused');
          },
        }),
    },
  );
  const mine = () => hook.received.map((r) => JSON.parse(r.body) as Alert).filter((a) => a.details?.check === 'upstream');
  // What /health/details shows under stats.healthMonitor (read directly: the route would run every check again).
  const monitorStats = async () => (app.health.stats() as Record<string, any>).healthMonitor; // eslint-disable-line @typescript-eslint/no-explicit-any

  // Generous: a run includes every registered check, and a cold database check can take seconds.
  await until('a few healthy runs', async () => (await monitorStats()).runs >= 3, 30_000);
  assert.equal(mine().length, 0);
  healthy = false;
  await until('failing alert', () => mine().length === 1, 30_000);
  const failing = mine()[0]!;
  assert.equal(failing.type, 'health.failing');
  assert.equal(failing.severity, 'critical');
  assert.equal(failing.title, 'Health check "upstream" failing (3 runs in a row)');
  assert.equal(failing.message, 'connection refused');
  assert.deepEqual(failing.details, { check: 'upstream', critical: true, failures: 3, error: 'connection refused' });

  // Still failing: no further alert.
  const before = (await monitorStats()).checks.upstream.consecutiveFailures;
  await until('three more failed runs', async () => (await monitorStats()).checks.upstream.consecutiveFailures >= before + 3, 30_000);
  assert.equal(mine().length, 1);

  healthy = true;
  await until('recovery alert', () => mine().length === 2, 30_000);
  const recovered = mine()[1]!;
  assert.equal(recovered.type, 'health.recovered');
  assert.equal(recovered.severity, 'info');
  assert.equal(recovered.title, 'Health check "upstream" recovered');
  assert.equal((await monitorStats()).checks.upstream.alerting, false);
});

test('events raise alerts: drain, breaker opening, job dead, memory high; counted in metrics', async (t) => {
  const hook = await httpReceiver();
  const failing = await httpReceiver(reply(503));
  t.after(() => Promise.all([hook.close(), failing.close()]));
  const app = await build(t, { ALERT_WEBHOOK_URL: hook.url, OUTBOUND_BREAKER_THRESHOLD: '2', OUTBOUND_RETRIES: '0', MAX_RSS_MB: '4096', ALERT_JOB_DEAD_WINDOW_MS: '300' });
  const alerts = () => hook.received.map((r) => JSON.parse(r.body) as Alert);

  for (let i = 0; i < 2; i++) await (await app.outbound.request(failing.url)).body?.cancel();
  await until('breaker alert', () => alerts().some((a) => a.type === 'breaker.open'));
  const b = alerts().find((a) => a.type === 'breaker.open')!;
  assert.equal(b.severity, 'warning');
  assert.equal(b.title, `Circuit breaker open for 127.0.0.1:${failing.port}`);
  assert.equal(b.details?.lastError, 'HTTP 503');

  // The work queue's event, as its runner emits it when a job exhausts its attempts (end to end in observability-outbound).
  // Aggregated per type and window: three dead jobs, one alert.
  for (const id of ['j1', 'j2', 'j3']) app.queue.emit('dead', { id, type: 'http', attempt: 3, maxAttempts: 3, error: 'GET http://x answered 500' });
  await until('job alert', () => alerts().some((a) => a.type === 'job.dead'));
  const j = alerts().find((a) => a.type === 'job.dead')!;
  assert.equal(j.title, '3 http job(s) dead within 0 s');
  assert.equal(j.message, 'Last error: GET http://x answered 500');
  assert.deepEqual(j.details, { jobType: 'http', count: 3, sampleJobIds: 'j1, j2, j3' });
  assert.equal(alerts().filter((a) => a.type === 'job.dead').length, 1);

  assert.ok(app.memoryGuard, 'memory guard on');
  app.memoryGuard.emit('high', { rssMb: 3700, limitMb: 4096, ratio: 3700 / 4096, overForMs: 0 });
  await until('memory alert', () => alerts().some((a) => a.type === 'memory.high'));
  const m = alerts().find((a) => a.type === 'memory.high')!;
  assert.equal(m.title, 'Memory at 90% of MAX_RSS_MB');
  assert.equal(m.severity, 'warning');

  app.lifecycle.startDrain('SIGTERM');
  await until('drain alert', () => alerts().some((a) => a.type === 'drain.started'));
  const d = alerts().find((a) => a.type === 'drain.started')!;
  assert.equal(d.severity, 'info');
  assert.equal(d.title, 'Instance draining (SIGTERM)');

  const metrics = await app.inject({ url: '/metrics' });
  assert.match(metrics.body, /alerts_total\{type="breaker.open",severity="warning",outcome="delivered"\} 1/);
  assert.match(metrics.body, /alerts_total\{type="job.dead",severity="warning",outcome="delivered"\} 1/);
});

test('a drain forced by a failure is critical, and the drain waits for the alert to be delivered', async (t) => {
  const hook = await httpReceiver(async (_req, res) => {
    await sleep(300); // a slow receiver: close() must still wait for it (bounded by ALERT_TIMEOUT_MS)
    res.end('ok');
  });
  t.after(() => hook.close());
  const app = await build(t, { ALERT_WEBHOOK_URL: hook.url, ALERT_TIMEOUT_MS: '3000' });
  app.lifecycle.requestShutdown('memory limit', 1);
  await app.close();
  const stats = app.alerts.stats() as { sinks: { webhook: { sent: number } } };
  assert.equal(stats.sinks.webhook.sent, 1);
  const a = JSON.parse(hook.received[0]!.body) as Alert;
  assert.equal(a.type, 'drain.started');
  assert.equal(a.severity, 'critical');
  assert.equal(a.title, 'Instance draining (memory limit)');
});

test('config: webhook URLs and the DSN are secrets (never echoed, never shown), bad values name the variable', () => {
  assert.throws(() => testConfig({ SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/secret' }), {
    message: 'Invalid configuration:\n  - SLACK_WEBHOOK_URL must be a URL starting with https:// or http://, got a value of 37 characters',
  });
  assert.throws(() => testConfig({ HEALTH_ALERT_THRESHOLD: '0', ALERT_TIMEOUT_MS: 'soon' }), {
    message:
      'Invalid configuration:\n  - HEALTH_ALERT_THRESHOLD must be an integer 1-1000, got "0"\n  - ALERT_TIMEOUT_MS must be an integer 100-60000, got "soon"',
  });
  const c = testConfig({
    ALERT_WEBHOOK_URL: 'https://alerts.example.com/hook?token=abc',
    SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret',
    DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/secret',
    SENTRY_DSN: 'https://key@o1.ingest.sentry.io/2',
  });
  const shown = publicConfig(c);
  for (const k of ['ALERT_WEBHOOK_URL', 'SLACK_WEBHOOK_URL', 'DISCORD_WEBHOOK_URL', 'SENTRY_DSN']) assert.equal(shown[k], '[set]', k);
  assert.equal(shown.HEALTH_MONITOR_INTERVAL_MS, 60000);
  assert.equal(shown.HEALTH_ALERT_THRESHOLD, 3);
  assert.equal(shown.ALERT_RATE_LIMIT_MAX, 10);
  assert.equal(shown.ALERT_RATE_LIMIT_WINDOW_MS, 300000);
  assert.equal(shown.OUTBOUND_BREAKER_THRESHOLD, 5);
  assert.equal(shown.SENTRY_TRACES_SAMPLE_RATE, 0);
});

test('user-controlled text is escaped for Slack (&, <, >: no <!channel>, no links) and Discord (markdown, @everyone)', async () => {
  const { slackPayload, discordPayload } = await import('../../src/alerts/sinks.js');
  const alert: Alert = {
    type: 'job.dead',
    severity: 'warning',
    title: '1 http job(s) dead',
    message: 'Last error: <!channel> see <https://evil.example|your bank> & @everyone **now** [x](https://evil.example)',
    details: { jobType: 'http' },
    at: new Date(0).toISOString(),
    service: 's',
    environment: 'e',
    instance: 'i',
  };
  const slack = JSON.stringify(slackPayload(alert));
  assert.ok(!slack.includes('<!channel>') && !slack.includes('<https://'), slack);
  assert.ok(slack.includes('&lt;!channel&gt;') && slack.includes('&amp;'));
  const discord = discordPayload(alert);
  const text = JSON.stringify(discord);
  assert.ok(!/@everyone/.test(text.replace(/\\u200b/g, '\u200b').replace('@\u200beveryone', '')), text);
  assert.ok(discord.embeds[0]!.description!.includes('\\*\\*now\\*\\*'));
  assert.ok(discord.embeds[0]!.description!.includes('\\[x\\]\\(https://evil.example\\)'));
  assert.deepEqual(discord.allowed_mentions, { parse: [] });
});
