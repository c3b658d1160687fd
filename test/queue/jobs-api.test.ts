/**
 * The /api/v1/jobs contract: validation messages naming the field, 404s, the cache on finished
 * jobs, admin listing with cursors, admin retry rules. Local backend (no Redis needed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { accept, admin, buildQueueApp, row, submit, waitFor, waitStatus } from '../helpers/queue.js';

test('jobs API', async (t) => {
  const app = await buildQueueApp({ QUEUE_MAX_SIZE: '50' });
  t.after(() => app.close());

  await t.test('no REDIS_URL: no redis check, local queue, memory cache', async () => {
    const health = (await app.inject({ url: '/health' })).json();
    assert.equal(health.components.redis, undefined);
    assert.match(health.components.queue.mode, /^local/);
    assert.equal(app.redis.status, 'disabled');
    assert.equal(app.cache.store, 'memory');
  });

  await t.test('400 names the field: unknown type, invalid payload, bad options', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ type: 'nope' }, 'body.type', 'must be one of '],
      [{ type: 'sleep', payload: { ms: 'soon' } }, 'body.payload.ms', 'must be integer'],
      [{ type: 'sleep', payload: {} }, 'body.payload.ms', 'is required'],
      [{ type: 'sleep', payload: { ms: 1, extra: true } }, 'body.payload.extra', 'is not allowed'],
      [{ type: 'flaky' }, 'body.payload.failTimes', 'is required'],
      [{ type: 'echo', priority: 5000 }, 'body.priority', 'must be <= 1000'],
      [{ type: 'echo', maxAttempts: 0 }, 'body.maxAttempts', 'must be >= 1'],
      [{ type: 'echo', delayMs: -1 }, 'body.delayMs', 'must be >= 0'],
      [{ payload: {} }, 'body.type', 'must have required property \'type\''],
    ];
    for (const [body, field, message] of cases) {
      const res = await submit(app, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      const err = res.json();
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.equal(err.details[0].field, field, JSON.stringify(body));
      assert.ok(err.details[0].message.startsWith(message), `${JSON.stringify(body)}: ${err.details[0].message}`);
      assert.equal(err.message, `${field} ${err.details[0].message}`);
    }
    const unknown = (await submit(app, { type: 'nope' })).json();
    assert.match(unknown.message, /^body\.type must be one of .*echo.*, got "nope"$/);
    assert.equal(await app.db.job.count(), 0, 'nothing was written');
  });

  await t.test('GET: 404 for an unknown id, 400 for a malformed one', async () => {
    const id = randomUUID();
    const res = await app.inject({ url: `/api/v1/jobs/${id}`, headers: admin });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().message, `Job ${id} not found`);
    const bad = await app.inject({ url: '/api/v1/jobs/not-a-uuid', headers: admin });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().details[0].field, 'params.id');
  });

  await t.test('GET: a finished job is served from the cache', async () => {
    const blocked = await accept(app, { type: 'echo', payload: {}, delayMs: 60_000 });
    const pending = await app.inject({ url: `/api/v1/jobs/${blocked}`, headers: admin });
    const again = await app.inject({ url: `/api/v1/jobs/${blocked}`, headers: admin });
    assert.deepEqual([pending.headers['x-cache'], again.headers['x-cache']], ['miss', 'miss'], 'unfinished jobs are never cached');
    const id = await accept(app, { type: 'echo', payload: { x: 1 } });
    await waitStatus(app, id, ['completed']);
    const first = await app.inject({ url: `/api/v1/jobs/${id}`, headers: admin });
    const second = await app.inject({ url: `/api/v1/jobs/${id}`, headers: admin });
    assert.equal(first.headers['x-cache'], 'miss');
    assert.equal(second.headers['x-cache'], 'hit');
    assert.deepEqual(second.json(), first.json());
    assert.deepEqual(second.json().result, { x: 1 });
  });

  await t.test('list (admin): token required, newest first, cursor paging, status filter', async () => {
    assert.equal((await app.inject({ url: '/api/v1/jobs' })).statusCode, 401);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await accept(app, { type: 'echo', payload: { i }, delayMs: 60_000 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await app.inject({ url: `/api/v1/jobs?status=queued&limit=2${q}`, headers: admin });
      assert.equal(res.statusCode, 200);
      const page = res.json() as { items: { id: string; status: string }[]; nextCursor: string | null };
      assert.ok(page.items.length <= 2);
      for (const item of page.items) assert.equal(item.status, 'queued');
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    const queued = await app.db.job.findMany({ where: { status: 'queued' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    assert.deepEqual(seen, queued.map((r) => r.id));
    assert.deepEqual(seen.slice(0, 5), [...ids].reverse());
    assert.equal(pages, Math.ceil(queued.length / 2));
    const bad = await app.inject({ url: '/api/v1/jobs?cursor=garbage', headers: admin });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().message, 'querystring.cursor is not a cursor this API returned');
    const badStatus = await app.inject({ url: '/api/v1/jobs?status=lost', headers: admin });
    assert.equal(badStatus.statusCode, 400);
  });

  await t.test('retry (admin): 404 unknown, 409 unless dead', async () => {
    const unknown = randomUUID();
    const res404 = await app.inject({ method: 'POST', url: `/api/v1/jobs/${unknown}/retry`, headers: admin });
    assert.equal(res404.statusCode, 404);
    const id = await accept(app, { type: 'echo', payload: {} });
    await waitStatus(app, id, ['completed']);
    const res409 = await app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/retry`, headers: admin });
    assert.equal(res409.statusCode, 409);
    assert.equal(res409.json().message, `Job ${id} is completed; only dead jobs can be retried`);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/retry` })).statusCode, 401);
  });

  await t.test('OpenAPI documents every jobs route with tags, summary and error responses', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { tags: string[]; summary: string; responses: Record<string, unknown> }>> };
    const routes = [
      ['/api/v1/jobs', 'post', ['202', '200', '400', '401', '409', '413', '422', '429', '503']],
      ['/api/v1/jobs', 'get', ['200', '401']],
      ['/api/v1/jobs/{id}', 'get', ['200', '401', '404']],
      ['/api/v1/jobs/{id}', 'delete', ['200', '401', '404', '409']],
      ['/api/v1/jobs/{id}/retry', 'post', ['200', '404', '409']],
    ] as const;
    for (const [path, method, statuses] of routes) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.deepEqual(op.tags, ['jobs']);
      assert.ok(op.summary);
      assert.deepEqual((op as { security?: unknown }).security, [{ bearerAuth: [] }], `${method.toUpperCase()} ${path} names its security`);
      for (const s of statuses) assert.ok(op.responses[s], `${method.toUpperCase()} ${path} documents ${s}`);
    }
  });

  await t.test('a job whose type this process does not know: handed back, dead once an hour old', async () => {
    const ghost = (createdAt: Date) => app.db.job.create({ data: { id: randomUUID(), type: 'ghost', payload: {}, createdAt } });
    const fresh = await ghost(new Date());
    const stale = await ghost(new Date(Date.now() - 2 * 3_600_000));
    await app.queue.reconcile(true);
    const dead = await waitStatus(app, stale.id, ['dead']);
    assert.equal(dead.lastError, 'Unknown job type "ghost"');
    // Claimed (updated) and handed back (queued again, no attempt spent).
    const back = await waitFor('the fresh one to be tried and handed back', async () => {
      const r = await row(app, fresh.id);
      return r && r.status === 'queued' && r.updatedAt > fresh.updatedAt ? r : null;
    });
    assert.deepEqual([back?.status, back?.attempts], ['queued', 0], 'left for a worker that knows the type');
    await app.db.job.delete({ where: { id: fresh.id } });
  });

  await t.test('purge: completed and dead jobs older than JOB_RETENTION_DAYS go, everything else stays', async () => {
    const day = 86_400_000;
    const old = new Date(Date.now() - 8 * day); // default retention: 7 days
    const recent = new Date(Date.now() - 6 * day);
    const make = (status: 'completed' | 'dead' | 'queued', finishedAt: Date | null) =>
      app.db.job.create({ data: { id: randomUUID(), type: 'echo', payload: {}, status, finishedAt, runAt: new Date(Date.now() + day) } });
    const gone = [await make('completed', old), await make('dead', old)];
    const kept = [await make('completed', recent), await make('dead', recent), await make('queued', null)];
    assert.equal(await app.queue.purge(), 2);
    assert.equal(await app.db.job.count({ where: { id: { in: gone.map((r) => r.id) } } }), 0);
    assert.equal(await app.db.job.count({ where: { id: { in: kept.map((r) => r.id) } } }), 3);
  });
});
