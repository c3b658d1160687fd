/**
 * Redis is optional and never critical: configured but unreachable, the app runs on the fallbacks;
 * the queue's config accepts the old LOCAL_QUEUE_* names. (Redis up: queue-behaviour.test.ts;
 * REDIS_URL unset: jobs-api.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, publicConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/services.js';
import { admin, buildQueueApp } from '../helpers/queue.js';

test('config: queue defaults, LOCAL_QUEUE_* aliases, REDIS_URL validation and masking', () => {
  const d = testConfig();
  assert.deepEqual(
    [d.QUEUE_CONCURRENCY, d.QUEUE_MAX_SIZE, d.QUEUE_TIMEOUT_MS, d.QUEUE_MAX_ATTEMPTS, d.JOB_RETENTION_DAYS, d.RUN_WORKERS, d.REDIS_URL],
    [10, 100, 60000, 3, 7, true, undefined],
  );
  const aliased = testConfig({ LOCAL_QUEUE_CONCURRENCY: '7', LOCAL_QUEUE_MAX_SIZE: '9', LOCAL_QUEUE_TIMEOUT_MS: '1234' });
  assert.deepEqual([aliased.QUEUE_CONCURRENCY, aliased.QUEUE_MAX_SIZE, aliased.QUEUE_TIMEOUT_MS], [7, 9, 1234]);
  assert.equal(testConfig({ LOCAL_QUEUE_CONCURRENCY: '7', QUEUE_CONCURRENCY: '2' }).QUEUE_CONCURRENCY, 2, 'the new name wins');
  assert.throws(
    () => loadConfig({ QUEUE_CONCURRENCY: '0' }),
    (err: ConfigError) => err.problems.includes('QUEUE_CONCURRENCY must be an integer 1-1000, got "0"'),
  );
  assert.throws(
    () => loadConfig({ REDIS_URL: 'http://cache:6379' }),
    (err: ConfigError) => err.problems.includes('REDIS_URL must be a URL starting with redis:// or rediss://, got "http://cache:6379"'),
  );
  const masked = publicConfig(testConfig({ REDIS_URL: 'redis://default:hunter2@cache.railway.internal:6379' }));
  assert.equal(masked.REDIS_URL, 'redis://default:****@cache.railway.internal:6379');
});

test('redis configured but unreachable: /ready 200, /health degraded, local queue, memory cache', async (t) => {
  const port = await freePort(); // nothing listens there
  const app = await buildQueueApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
  t.after(() => app.close());

  assert.equal(app.redis.status, 'down');
  assert.equal(app.queue.backend, 'local');
  assert.equal((await app.inject({ url: '/ready' })).statusCode, 200);
  const health = await app.inject({ url: '/health' });
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().status, 'degraded');
  assert.equal(health.json().components.redis.status, 'down');
  assert.ok(health.json().components.redis.error, 'the reason is given');

  assert.equal(app.cache.store, 'memory');
  await app.cache.set('k', { v: 1 }, 1000);
  assert.deepEqual(await app.cache.get('k'), { v: 1 });
  await app.cache.del('k');
  assert.equal(await app.cache.get('k'), undefined);

  const details = (await app.inject({ url: '/health/details', headers: admin })).json();
  assert.equal(details.stats.queue.redis, 'down');
  assert.equal(details.stats.queue.backend, 'local');
});
