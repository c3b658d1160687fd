/**
 * Group commit and batched claims/completions (src/queue/batcher.ts, group-commit.ts, ledger.ts): the
 * batching building blocks alone, the ledger's batch statements on both engines (PGlite and
 * Postgres), and the app with batches that mix outcomes: one job failing, one insert conflicting
 * on its Idempotency-Key, priorities and delays. Nothing here depends on timing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Batcher } from '../../src/queue/batcher.js';
import { Capacity } from '../../src/queue/capacity.js';
import { rowOf, type JobRow } from '../../src/queue/ledger.js';
import type { JobEvent } from '../../src/queue/runner.js';
import { needs, REDIS_URL, tempDatabase } from '../helpers/services.js';
import { accept, buildQueueApp, gate, submit, waitFor, waitIdle, waitStatus } from '../helpers/queue.js';

test('Batcher: one batch per loop turn, answers in order, failures per item or per batch', async () => {
  const calls: number[][] = [];
  const b = new Batcher<number, number>(
    async (items) => {
      calls.push(items);
      if (items.includes(-1)) throw new Error('whole batch failed');
      return items.map((i) => (i === 13 ? new Error('item 13 failed') : i * 2));
    },
    { maxBatch: 3, maxInFlight: 1 },
  );
  const first = [1, 2, 13, 4].map((i) =>
    b.push(i).then(
      (v) => ({ v }),
      (e: Error) => ({ e: e.message }),
    ),
  );
  assert.deepEqual(await Promise.all(first), [{ v: 2 }, { v: 4 }, { e: 'item 13 failed' }, { v: 8 }]);
  assert.deepEqual(calls, [[1, 2, 13], [4]], 'maxBatch splits; the rest waits for the batch in flight');
  const second = await Promise.allSettled([b.push(5), b.push(-1)]);
  assert.deepEqual(
    second.map((s) => s.status),
    ['rejected', 'rejected'],
    'a failing batch fails every item in it',
  );
  assert.equal(await b.push(6), 12, 'the next batch is unaffected');
});

test('Capacity: one COUNT for many submits far from a bound, a COUNT for each at it; bounds apart', async () => {
  let waiting = 0;
  let counts = 0;
  const cap = new Capacity();
  const count = async () => (counts++, waiting);
  const admit = async (key = 'due:*', limit = 5) => {
    if ((await cap.pending(key, limit, count)) >= limit) throw new Error('full');
    cap.admitted([key]);
  };
  for (let i = 0; i < 3; i++) await admit();
  assert.equal(counts, 1, 'counted once, then estimated');
  assert.equal(cap.peek('due:*'), 3);
  waiting = 5;
  await admit();
  await admit(); // the estimate (5) reaches the bound: from here every submit counts
  assert.equal(counts, 1);
  await assert.rejects(admit(), /full/);
  assert.equal(counts, 2);
  waiting = 2; // jobs finished meanwhile: the next count finds room
  await admit();
  assert.equal(counts, 3);
  await admit('due:owner-1'); // another bound has its own estimate
  assert.equal(cap.peek('due:owner-1'), 3, 'its count (2) plus the job admitted');
});

const ENGINES = [
  { name: 'pglite', env: {} as Record<string, string> },
  { name: 'postgres + bullmq', env: { REDIS_URL } as Record<string, string> },
] as const;

async function engineApp(
  t: TestContext,
  engine: (typeof ENGINES)[number],
  env: Record<string, string> = {},
): Promise<FastifyInstance | null> {
  let extra: Record<string, string> = {};
  if (engine.name !== 'pglite') {
    if (!(await needs(t, 'postgres')) || !(await needs(t, 'redis'))) return null;
    extra = { DATABASE_URL: await tempDatabase(t, 'railfast_batching'), MIGRATE_ON_BOOT: 'true' };
  }
  const app = await buildQueueApp({ ...engine.env, ...extra, ...env });
  t.after(() => app.close());
  return app;
}

const newRow = (over: Partial<JobRow> = {}): JobRow => ({
  ...rowOf({ id: randomUUID(), type: 'echo', payload: { n: 1 }, priority: 0, maxAttempts: 3, runAt: new Date() }),
  ...over,
});

for (const engine of ENGINES) {
  test(`ledger batch statements (${engine.name})`, async (t) => {
    const app = await engineApp(t, engine, { RUN_WORKERS: 'false' });
    if (!app) return;
    const ledger = app.queue.ledger;
    const taken = newRow({ idempotencyKey: `k-${randomUUID()}` });
    assert.deepEqual([...(await ledger.insertMany([taken]))], [taken.id]);

    await t.test(
      'one insert of a batch conflicts on its Idempotency-Key (with a row, and within the batch): the others go in',
      async () => {
        const key = `k-${randomUUID()}`;
        const rows = [
          newRow(),
          newRow({ idempotencyKey: taken.idempotencyKey }),
          newRow({ idempotencyKey: key }),
          newRow({ idempotencyKey: key }),
          newRow({ payload: { s: 'it\'s "quoted" {x}' } }),
        ];
        const inserted = await ledger.insertMany(rows);
        assert.deepEqual([...inserted].sort(), [rows[0]!.id, rows[2]!.id, rows[4]!.id].sort());
        assert.deepEqual((await ledger.get(rows[4]!.id))?.payload, { s: 'it\'s "quoted" {x}' });
        assert.equal((await ledger.byIdempotencyKey(key))?.id, rows[2]!.id);
        // The same batch again (a retry after its commit was not acknowledged): nothing new, all found.
        assert.equal((await ledger.insertMany(rows)).size, 0);
        assert.equal((await ledger.existing(rows.map((r) => r.id))).size, 3);
      },
    );

    await t.test('inside a caller transaction: the row commits with it and is gone with a rollback', async () => {
      const ok = await app.queue.transaction(async (tx) =>
        app.queue.enqueue({ type: 'echo', payload: { n: 1 } }, { tx, ownerId: randomUUID() }),
      );
      assert.equal(ok.created, true);
      assert.equal((await ledger.get(ok.job.id))?.ownerId, ok.job.ownerId);
      let id = '';
      await assert.rejects(
        app.queue.transaction(async (tx) => {
          id = (await app.queue.enqueue({ type: 'echo', payload: { n: 2 } }, { tx })).job.id;
          assert.ok(await tx.job.findUnique({ where: { id } }), 'visible inside the transaction');
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await ledger.get(id), null);
    });

    await t.test('claims made together: each pending job once, finished and unknown ones null', async () => {
      const [a, b, c] = [newRow(), newRow(), newRow()];
      await ledger.insertMany([a, b, c]);
      await ledger.claim(c.id, 30_000);
      await ledger.complete(c.id, { done: true });
      const claims = await Promise.all([
        ledger.claim(a.id, 30_000),
        ledger.claim(b.id, 30_000),
        ledger.claim(c.id, 30_000),
        ledger.claim(randomUUID(), 30_000),
      ]);
      assert.deepEqual(
        claims.map((r) => r?.id ?? null),
        [a.id, b.id, null, null],
      );
      assert.deepEqual(
        claims.slice(0, 2).map((r) => r!.attempts),
        [1, 1],
      );
      assert.equal(await ledger.claim(a.id, 30_000), null, 'held: the lease is fresh');
      await Promise.all([ledger.complete(a.id, { r: 'a' }), ledger.complete(b.id, null)]);
      const [ra, rb, rc] = await Promise.all([a, b, c].map((r) => ledger.get(r.id)));
      assert.deepEqual([ra!.status, rb!.status, rc!.status], ['completed', 'completed', 'completed']);
      assert.deepEqual([ra!.result, rc!.result], [{ r: 'a' }, { done: true }]);
      assert.ok(ra!.finishedAt && ra!.startedAt);
    });
  });

  test(`batched submits through the app (${engine.name})`, async (t) => {
    const app = await engineApp(t, engine, { QUEUE_CONCURRENCY: '1', QUEUE_MAX_SIZE: '100' });
    if (!app) return;
    const busy = gate(app);
    const events: { kind: string; ev: JobEvent }[] = [];
    for (const kind of ['completed', 'failed', 'dead'] as const) app.queue.on(kind, (ev) => events.push({ kind, ev }));

    await t.test('a batch where one job fails: it retries and dies alone, the rest complete', async () => {
      const bodies = [
        ...Array.from({ length: 8 }, (_, n) => ({ type: 'echo', payload: { n } })),
        { type: 'flaky', payload: { failTimes: 9 }, maxAttempts: 2 },
      ];
      const res = await Promise.all(bodies.map((b) => submit(app, b)));
      assert.deepEqual(
        res.map((r) => r.statusCode),
        bodies.map(() => 202),
      );
      const ids = res.map((r) => r.json().id as string);
      const dead = await waitStatus(app, ids.at(-1)!, ['dead']);
      assert.equal(dead.attempts, 2);
      for (const id of ids.slice(0, -1)) assert.equal((await waitStatus(app, id, ['completed'])).attempts, 1);
      assert.equal(events.filter((e) => e.kind === 'failed' && e.ev.id === dead.id).length, 1);
    });

    await t.test(
      'two submits with one Idempotency-Key in one go: one job; the second is told it is in progress, then replayed',
      async () => {
        const headers = { 'idempotency-key': `batch-${randomUUID()}` };
        const body = { type: 'echo', payload: { n: 1 } };
        const res = await Promise.all([
          submit(app, body, headers),
          submit(app, { type: 'echo', payload: { n: 2 } }),
          submit(app, body, headers),
        ]);
        assert.deepEqual(res.map((r) => r.statusCode).sort(), [202, 202, 409]);
        assert.equal(res.find((r) => r.statusCode === 409)!.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS');
        const first = res.find((r, i) => i !== 1 && r.statusCode === 202)!.json();
        assert.equal(await app.db.job.count({ where: { idempotencyKey: { endsWith: headers['idempotency-key'] } } }), 1);
        const replay = await submit(app, body, headers);
        assert.equal(replay.statusCode, 200);
        assert.equal(replay.json().id, first.id);
        await waitIdle(app);
        assert.equal(events.filter((e) => e.kind === 'completed' && e.ev.id === first.id).length, 1);
      },
    );

    await t.test('priorities and delays in one batch: higher first, the delayed one not before its runAt', async () => {
      busy.reset();
      const blocker = await accept(app, { type: 'gate', payload: {} });
      await waitStatus(app, blocker, ['active']);
      const bodies = [1, 10, 5].map((priority) => ({ type: 'echo', payload: { priority }, priority }));
      const res = await Promise.all([
        ...bodies.map((b) => submit(app, b)),
        submit(app, { type: 'echo', payload: {}, priority: 100, delayMs: 300 }),
      ]);
      const ids = new Map(res.slice(0, 3).map((r, i) => [r.json().id as string, bodies[i]!.priority]));
      busy.open();
      await waitIdle(app);
      const order = events.filter((e) => e.kind === 'completed' && ids.has(e.ev.id)).map((e) => ids.get(e.ev.id));
      assert.deepEqual(order, [10, 5, 1]);
      const delayed = await waitStatus(app, res[3]!.json().id, ['completed']);
      assert.ok(delayed.startedAt!.getTime() >= delayed.runAt.getTime(), 'started at or after runAt');
    });

    await waitFor('all settled', async () => app.queue.runner.running.size === 0);
  });
}
