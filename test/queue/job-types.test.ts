/**
 * Public and internal job types: only a definition that says `public: true` can be submitted over
 * HTTP; an internal type reads like an unknown one. The demo types follow DEMO_JOBS (on outside
 * production, off in production unless set), and switching them off only closes the API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { defineJob, JobRegistry } from '../../src/jobs/registry.js';
import { buildQueueApp, submit, waitStatus } from '../helpers/queue.js';

const internal = (type: string) => defineJob({ type, description: 'test: internal', payload: Type.Object({}), handler: async () => ({ ran: true }) });

test('an internal type: 400 over HTTP, same message as an unknown type; code can enqueue it', async (t) => {
  const app = await buildQueueApp();
  t.after(() => app.close());
  app.queue.registry.add(internal('secret-sauce'));

  const res = await submit(app, { type: 'secret-sauce', payload: {} });
  assert.equal(res.statusCode, 400);
  const err = res.json();
  assert.equal(err.code, 'VALIDATION_FAILED');
  assert.equal(err.details[0].field, 'body.type');
  assert.equal(err.message, 'body.type must be one of echo, flaky, http, sleep, got "secret-sauce"');
  const unknown = (await submit(app, { type: 'nope', payload: {} })).json();
  assert.equal(unknown.message, 'body.type must be one of echo, flaky, http, sleep, got "nope"');
  assert.equal(await app.db.job.count({ where: { type: 'secret-sauce' } }), 0);

  const { job } = await app.queue.enqueue({ type: 'secret-sauce', payload: {} });
  assert.deepEqual((await waitStatus(app, job.id, ['completed'])).result, { ran: true });
});

test('DEMO_JOBS=false: demo types are not submittable, demo jobs already in the ledger still run', async (t) => {
  const app = await buildQueueApp({ DEMO_JOBS: 'false' });
  t.after(() => app.close());
  const res = await submit(app, { type: 'echo', payload: {} });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().message, 'body.type no job type can be submitted here, got "echo"');

  const inFlight = await app.db.job.create({ data: { id: randomUUID(), type: 'echo', payload: { kept: 1 } } });
  await app.queue.reconcile(true);
  assert.deepEqual((await waitStatus(app, inFlight.id, ['completed'])).result, { kept: 1 });
});

test('demo types: public outside production, off in production unless DEMO_JOBS=true', async (t) => {
  const demo = defineJob({ type: 'demo', public: true, demo: true, description: 'test', payload: Type.Object({}), handler: async () => null });
  const pub = defineJob({ type: 'pub', public: true, description: 'test', payload: Type.Object({}), handler: async () => null });
  const on = new JobRegistry({ demoJobs: true }).add(demo).add(pub).add(internal('int'));
  const off = new JobRegistry({ demoJobs: false }).add(demo).add(pub).add(internal('int'));
  assert.deepEqual(on.publicTypes, ['demo', 'pub']);
  assert.deepEqual(off.publicTypes, ['pub']);
  assert.equal(off.submittable('int'), false);

  for (const [env, expected] of [
    [{ NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'production', DEMO_JOBS: 'true' }, true],
  ] as const) {
    const app = await buildQueueApp({ ...env, JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters!!' });
    t.after(() => app.close());
    assert.equal(app.queue.registry.submittable('echo'), expected, JSON.stringify(env));
  }
});

test('a handler gets the app services in its context: db, http, config, plus its attempt', async (t) => {
  const app = await buildQueueApp();
  t.after(() => app.close());
  let seen: Record<string, unknown> = {};
  app.queue.registry.add(
    defineJob({
      type: 'ctx-probe',
      description: 'test: records its context',
      payload: Type.Object({}),
      handler: async (_p, ctx) => {
        seen = { ...ctx };
        return { users: await ctx.db.user.count() };
      },
    }),
  );
  const { job } = await app.queue.enqueue({ type: 'ctx-probe', payload: {} });
  const done = await waitStatus(app, job.id, ['completed']);
  assert.deepEqual(done.result, { users: await app.db.user.count() });
  assert.equal(seen.db, app.db);
  assert.equal(seen.http, app.outbound);
  assert.equal(seen.config, app.config);
  assert.equal(seen.jobId, job.id);
  assert.deepEqual([seen.attempt, seen.maxAttempts], [1, 3]);
  assert.ok(seen.signal instanceof AbortSignal && seen.log);
});
