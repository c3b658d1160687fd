/**
 * The database is the ledger: while it is down, POST /api/v1/jobs answers 503 + Retry-After
 * rather than accept a job it cannot keep, and jobs already accepted wait (their claim is
 * deferred, no attempt is spent) and complete once it is back. A Postgres of our own, stopped
 * crash-like and started again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs, throwawayPostgres } from '../helpers/services.js';
import { accept, buildQueueApp, submit, waitFor, waitStatus } from '../helpers/queue.js';

test('database down: POST 503 with Retry-After, accepted jobs complete after it returns', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const pg = await throwawayPostgres();
  const app = await buildQueueApp({ DATABASE_URL: pg.url, MIGRATE_ON_BOOT: 'true', DB_RECONNECT_MIN_MS: '100', DB_RECONNECT_MAX_MS: '500' }).catch(
    (err: unknown) => {
      pg.destroy();
      throw err;
    },
  );
  t.after(async () => {
    await app.close();
    pg.destroy();
  });

  const before = await accept(app, { type: 'echo', payload: { n: 1 } });
  await waitStatus(app, before, ['completed']);
  // Accepted, delayed past the outage: it must survive it.
  const delayed = await accept(app, { type: 'echo', payload: { n: 2 }, delayMs: 500 });

  pg.stop();
  const refused = await waitFor('POST to be refused', async () => {
    const res = await submit(app, { type: 'echo', payload: { n: 3 } });
    return res.statusCode === 503 ? res : null;
  });
  assert.equal(refused.json().code, 'DATABASE_UNAVAILABLE');
  assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After is set');
  assert.equal((await app.inject({ url: '/ready' })).statusCode, 503);
  await new Promise((r) => setTimeout(r, 1000)); // the delayed job comes due while the database is down

  pg.start();
  await waitFor('POST to be accepted again', async () => (await submit(app, { type: 'echo', payload: { n: 4 } })).statusCode === 202, 15_000, 100);
  const done = await waitStatus(app, delayed, ['completed'], 15_000);
  assert.equal(done.attempts, 1, 'the outage cost no attempt');
});
