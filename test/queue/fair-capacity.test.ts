/**
 * Fair queue capacity: per-user quotas for waiting and for delayed jobs (429 + Retry-After),
 * admins and ADMIN_TOKEN exempt; a maximum delay (400); delayed jobs have their own global bound
 * and never use up QUEUE_MAX_SIZE, so they cannot starve jobs due now (503 + Retry-After); a job
 * payload size limit checked before anything is stored (413). Workers off: nothing leaves the queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signUp, TEST_JWT_SECRET } from '../helpers/auth.js';
import { buildQueueApp, submit } from '../helpers/queue.js';

const env = { JWT_SECRET: TEST_JWT_SECRET, RUN_WORKERS: 'false' };
const now = { type: 'echo', payload: {} };
const later = { type: 'echo', payload: {}, delayMs: 3_600_000 };

test('per-user quotas: waiting and delayed apart, 429 with Retry-After, other users and admins unaffected', async (t) => {
  const app = await buildQueueApp({ ...env, QUEUE_MAX_WAITING_PER_OWNER: '2', QUEUE_MAX_DELAYED_PER_OWNER: '3' });
  t.after(() => app.close());
  const [ann, ben] = [await signUp(app), await signUp(app)];

  for (let i = 0; i < 2; i++) assert.equal((await submit(app, now, ann.headers)).statusCode, 202);
  const full = await submit(app, now, ann.headers);
  assert.equal(full.statusCode, 429);
  assert.equal(full.json().code, 'QUEUE_QUOTA_EXCEEDED');
  assert.equal(full.headers['retry-after'], '5');
  assert.match(full.json().message, /You have 2 waiting jobs/);

  // Delayed jobs have their own quota: Ann may still park 3 for later.
  const delayed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await submit(app, later, ann.headers);
    assert.equal(res.statusCode, 202);
    delayed.push(res.json().id);
  }
  const parked = await submit(app, later, ann.headers);
  assert.equal(parked.statusCode, 429);
  assert.equal(parked.json().code, 'DELAYED_QUOTA_EXCEEDED');
  assert.ok(Number(parked.headers['retry-after']) > 0);

  // Cancelling one frees its place.
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${delayed[0]}`, headers: ann.headers })).statusCode, 200);
  assert.equal((await submit(app, later, ann.headers)).statusCode, 202);

  assert.equal((await submit(app, now, ben.headers)).statusCode, 202, 'quotas are per user');
  for (let i = 0; i < 3; i++) assert.equal((await submit(app, now)).statusCode, 202, 'ADMIN_TOKEN is exempt');
});

test('delayed jobs cannot starve immediate ones: each has its own global bound (503 + Retry-After)', async (t) => {
  const app = await buildQueueApp({ ...env, QUEUE_MAX_SIZE: '2', QUEUE_MAX_DELAYED: '3' });
  t.after(() => app.close());
  for (let i = 0; i < 3; i++) assert.equal((await submit(app, later)).statusCode, 202);
  const noRoom = await submit(app, later);
  assert.equal(noRoom.statusCode, 503);
  assert.equal(noRoom.json().code, 'QUEUE_DELAYED_FULL');
  assert.ok(Number(noRoom.headers['retry-after']) > 0);

  // The queue is full of delayed jobs, yet jobs due now are accepted up to QUEUE_MAX_SIZE.
  for (let i = 0; i < 2; i++) assert.equal((await submit(app, now)).statusCode, 202);
  const full = await submit(app, now);
  assert.equal(full.statusCode, 503);
  assert.equal(full.json().code, 'QUEUE_FULL');
  assert.equal(full.headers['retry-after'], '5');
});

test('QUEUE_MAX_DELAY_MS: a longer delay is 400 naming the field', async (t) => {
  const app = await buildQueueApp({ ...env, QUEUE_MAX_DELAY_MS: '60000' });
  t.after(() => app.close());
  const res = await submit(app, { ...now, delayMs: 60_001 });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'VALIDATION_FAILED');
  assert.equal(res.json().message, 'body.delayMs must be <= 60000');
  assert.equal((await submit(app, { ...now, delayMs: 60_000 })).statusCode, 202);
  // The default is 24 hours.
  const dflt = await buildQueueApp(env);
  t.after(() => dflt.close());
  assert.equal((await submit(dflt, { ...now, delayMs: 7 * 86_400_000 })).json().message, 'body.delayMs must be <= 86400000');
});

test('QUEUE_MAX_PAYLOAD_BYTES: a larger payload is 413 and nothing is stored', async (t) => {
  const app = await buildQueueApp({ ...env, QUEUE_MAX_PAYLOAD_BYTES: '100' });
  t.after(() => app.close());
  const before = await app.db.job.count();
  const res = await submit(app, { type: 'echo', payload: { text: 'x'.repeat(200) } });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().code, 'PAYLOAD_TOO_LARGE');
  assert.match(res.json().message, /^body\.payload is 211 bytes; at most 100 are accepted$/);
  assert.equal(await app.db.job.count(), before);
  assert.equal((await submit(app, { type: 'echo', payload: { text: 'x'.repeat(50) } })).statusCode, 202);
});
