/**
 * Redis lost while running, with a redis-server of our own: submit, kill it, keep submitting,
 * bring it back (empty). Every accepted job ends completed, none runs twice, and new jobs go back
 * to BullMQ within 10 s of Redis returning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { defineJob } from '../../src/jobs/registry.js';
import { needs, throwawayRedis } from '../helpers/services.js';
import { buildQueueApp, submit, waitFor } from '../helpers/queue.js';

test('redis lost and back while jobs flow: nothing lost, nothing twice, back on BullMQ', async (t) => {
  if (!(await needs(t, 'redis'))) return;
  const redis = await throwawayRedis();
  const app = await buildQueueApp({ REDIS_URL: redis.url, QUEUE_CONCURRENCY: '3', QUEUE_MAX_SIZE: '10000', QUEUE_LEASE_MS: '3000' }).catch(
    async (err: unknown) => {
      await redis.kill();
      throw err;
    },
  );
  t.after(async () => {
    await app.close();
    await redis.kill();
  });

  // A job type that counts its runs per job id.
  const runs = new Map<string, number>();
  app.queue.registry.add(
    defineJob({
      type: 'count',
      description: 'test: counts runs',
      public: true,
      payload: Type.Object({}),
      handler: async (_p, { jobId }) => {
        runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
        await sleep(60); // slower than submissions: a backlog exists at each switch
        return null;
      },
    }),
  );
  const backends: string[] = [];
  app.queue.on('backend', (b) => backends.push(b));
  assert.equal(app.queue.backend, 'bullmq');

  // Submit continuously in the background through the whole outage.
  const accepted: string[] = [];
  const refused: string[] = [];
  let submitting = true;
  const submitter = (async () => {
    while (submitting) {
      const res = await submit(app, { type: 'count', payload: {} });
      if (res.statusCode === 202) accepted.push(res.json().id);
      else refused.push(`${res.statusCode} ${res.body}`);
      await sleep(5);
    }
  })();

  const progress = () => `accepted ${accepted.length}, refused ${refused.length}: ${refused.slice(0, 2).join('; ')}`;
  await waitFor('some jobs on BullMQ', async () => accepted.length >= 20, 30_000).catch((err: Error) => assert.fail(`${err.message}; ${progress()}`));
  await redis.kill();
  await waitFor('the switch to the local backend', async () => app.queue.backend === 'local', 5000);
  const beforeOutage = accepted.length;
  await waitFor('jobs accepted during the outage', async () => accepted.length >= beforeOutage + 20);

  await redis.start();
  const back = Date.now();
  await waitFor('the switch back to BullMQ', async () => app.queue.backend === 'bullmq', 10_000, 50);
  assert.ok(Date.now() - back < 10_000, 'back on BullMQ within 10 s');
  const afterReturn = accepted.length;
  await waitFor('jobs accepted after Redis returned', async () => accepted.length >= afterReturn + 20);
  submitting = false;
  await submitter;

  assert.deepEqual(refused, [], 'the database was up: every submission is accepted');
  await waitFor(
    'every accepted job to complete',
    async () => (await app.db.job.count({ where: { id: { in: accepted }, status: 'completed' } })) === accepted.length,
    20_000,
    100,
  );
  const twice = [...runs].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no job ran twice');
  assert.equal(accepted.filter((id) => runs.get(id) === 1).length, accepted.length, 'every accepted job ran exactly once');
  assert.deepEqual(backends, ['local', 'bullmq']);
  assert.equal(app.queue.backend, 'bullmq');
});
