/**
 * Memory guard (lib/memory-guard.ts, plugins/app/memory-guard.ts): RSS above MAX_RSS_MB for longer
 * than the grace period flips readiness and asks for a drain with exit code 1; the 90% warning and
 * the events alerting hooks into; and, as a real process, exit code 1 after a graceful drain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MemoryGuard, type MemoryReading } from '../../src/lifecycle/memory-guard.js';
import { build, memoryLogger } from '../helpers/build.js';
import { startProcess } from '../helpers/process.js';
import { freePort } from '../helpers/services.js';

const MB = 1024 * 1024;

test('MemoryGuard: high at 90%, over, recovered within the grace period, limit after it (once)', () => {
  let rss = 100 * MB;
  let now = 0;
  const guard = new MemoryGuard({ limitMb: 200, graceMs: 1000, readRss: () => rss, now: () => now });
  const events: string[] = [];
  for (const e of ['high', 'over', 'recovered', 'limit'] as const) guard.on(e, (m: MemoryReading) => events.push(`${e}:${m.rssMb}:${m.overForMs}`));

  guard.check();
  rss = 181 * MB; // 90.5%
  guard.check();
  guard.check(); // no repeat while it stays high
  rss = 201 * MB;
  now = 100;
  guard.check();
  now = 600;
  rss = 150 * MB; // back under the limit (and under 85%: the 90% warning re-arms)
  guard.check();
  rss = 250 * MB;
  now = 1000;
  guard.check();
  now = 1999;
  guard.check();
  assert.equal(guard.tripped, false);
  now = 2000;
  guard.check();
  assert.equal(guard.tripped, true);
  now = 5000;
  guard.check(); // stopped: nothing more
  assert.deepEqual(events, ['high:181:0', 'over:201:0', 'recovered:150:0', 'high:250:0', 'over:250:0', 'limit:250:1000']);
});

test('over MAX_RSS_MB for the grace period: readiness flips and a drain with exit code 1 is requested', async (t) => {
  const { logger, lines } = memoryLogger();
  // Any process is above 1 MB of RSS.
  const app = await build(t, { MAX_RSS_MB: '1', MEMORY_GUARD_GRACE_MS: '200' }, { logger });
  // The guard's timer is unref'd (it must not keep a process alive): keep this test's loop alive.
  const keepAlive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keepAlive));
  const requested = once(app.lifecycle, 'shutdown-requested', { signal: AbortSignal.timeout(5000) });
  const [reason, exitCode] = (await requested) as [string, number];
  assert.equal(reason, 'memory limit');
  assert.equal(exitCode, 1);
  assert.equal(app.memoryGuard?.tripped, true);
  assert.equal(app.lifecycle.draining, true);
  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().status, 'draining');
  const msgs = lines.filter((l) => l.component === 'memory-guard').map((l) => `${l.level} ${String(l.msg).replace(/\d+(\.\d+)?/g, 'N')}`);
  assert.deepEqual(msgs, [
    'warn memory high: RSS N MB is N% of MAX_RSS_MB (N MB)',
    'warn memory over the limit: RSS N MB > MAX_RSS_MB (N MB); restarting if it stays there for N ms',
    'error memory limit: RSS N MB above MAX_RSS_MB (N MB) for N ms; draining and exiting N so the platform restarts the instance',
  ]);
});

test('MAX_RSS_MB=0 switches the guard off', async (t) => {
  const app = await build(t, { MAX_RSS_MB: '0' });
  assert.equal(app.memoryGuard, null);
});

test('real process: the memory limit drains gracefully and exits 1', async (t) => {
  const proc = await startProcess(['--import', 'tsx', 'src/server.ts'], {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: 'pglite:memory',
    CORS_ORIGINS: 'https://app.example.com',
    READINESS_DRAIN_DELAY_MS: '0',
    // Any process is above 1 MB; the guard starts once the app is ready, so the drain is installed.
    MAX_RSS_MB: '1',
    MEMORY_GUARD_GRACE_MS: '1000',
  }, 60_000);
  t.after(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  const code = await Promise.race([proc.exit, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  assert.equal(code, 1);
  const limit = proc.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('memory limit: RSS'));
  assert.ok(limit, 'no "memory limit" line');
  assert.ok(proc.logs.some((l) => l.msg === 'drain started (memory limit)'), 'no drain line');
  assert.ok(proc.logs.some((l) => l.msg === 'drain complete' && l.exitCode === 1), 'drain did not complete');
});
