/**
 * Jobs with owners, on the embedded database and on real Postgres: submitting needs a signed-in
 * user or ADMIN_TOKEN; a job is visible to its owner and to admins (404 for anyone else); the list
 * shows a user their own jobs; DELETE cancels a queued or delayed job; Idempotency-Keys are scoped
 * to the submitter and bound to the request (422 for another body, 409 while the first is in flight).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { needs, tempDatabase } from '../helpers/services.js';
import { signUp, TEST_JWT_SECRET, TEST_PASSWORD, type TestSession } from '../helpers/auth.js';
import { admin, buildQueueApp, submit, waitStatus } from '../helpers/queue.js';

async function appFor(t: TestContext, kind: 'embedded' | 'postgres', env: Record<string, string> = {}): Promise<FastifyInstance | null> {
  const base = { JWT_SECRET: TEST_JWT_SECRET, ...env };
  if (kind === 'postgres' && !(await needs(t, 'postgres'))) return null;
  const extra = kind === 'postgres' ? { DATABASE_URL: await tempDatabase(t, 'railfast_jobs'), MIGRATE_ON_BOOT: 'true' } : {};
  const app = await buildQueueApp({ ...base, ...extra });
  t.after(() => app.close());
  return app;
}

/** A user promoted to admin (an operator sets the role; the next sign-in carries it). */
async function signUpAdmin(app: FastifyInstance): Promise<TestSession> {
  const s = await signUp(app);
  const promoted = await app.inject({ method: 'PUT', url: `/api/v1/users/${s.user.id}/role`, headers: admin, payload: { role: 'admin' } });
  assert.equal(promoted.statusCode, 200, promoted.body);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: s.user.email, password: TEST_PASSWORD } });
  const accessToken = login.json().accessToken as string;
  return { ...s, accessToken, headers: { authorization: `Bearer ${accessToken}` } };
}

const later = { type: 'echo', payload: {}, delayMs: 3_600_000 };

for (const kind of ['embedded', 'postgres'] as const) {
  test(`${kind}: submitting needs a user or ADMIN_TOKEN; the owner and admins see a job, others get 404`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/jobs', payload: { type: 'echo', payload: {} } });
    assert.equal(anonymous.statusCode, 401);
    assert.equal((await app.inject({ url: '/api/v1/jobs' })).statusCode, 401);

    const [ann, ben, boss] = [await signUp(app), await signUp(app), await signUpAdmin(app)];
    const mine = await submit(app, { type: 'echo', payload: { hi: 1 } }, ann.headers);
    assert.equal(mine.statusCode, 202, mine.body);
    assert.equal(mine.json().ownerId, ann.user.id);
    const ops = await submit(app, { type: 'echo', payload: {} });
    assert.equal(ops.json().ownerId, null, 'ADMIN_TOKEN jobs have no owner');

    const url = `/api/v1/jobs/${mine.json().id}`;
    await waitStatus(app, mine.json().id, ['completed']);
    for (const [who, headers, status] of [
      ['owner', ann.headers, 200],
      ['owner again (cached)', ann.headers, 200],
      ['another user', ben.headers, 404],
      ['admin user', boss.headers, 200],
      ['operator', admin, 200],
    ] as const) {
      const res: LightMyRequestResponse = await app.inject({ url, headers });
      assert.equal(res.statusCode, status, who);
    }
    assert.equal((await app.inject({ url, headers: ben.headers })).json().message, `Job ${mine.json().id} not found`, 'even from the cache');
    assert.equal((await app.inject({ url: `/api/v1/jobs/${ops.json().id}`, headers: ann.headers })).statusCode, 404, "an operator's job");
  });

  test(`${kind}: the list shows a user their own jobs across pages; admins see everyone's`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const [ann, ben] = [await signUp(app), await signUp(app)];
    const annIds: string[] = [];
    for (let i = 0; i < 5; i++) annIds.push((await submit(app, { ...later, payload: { i } }, ann.headers)).json().id);
    const benId = (await submit(app, later, ben.headers)).json().id as string;

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: LightMyRequestResponse = await app.inject({ url: `/api/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: ann.headers });
      assert.equal(res.statusCode, 200);
      const page = res.json() as { items: { id: string; ownerId: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, [...annIds].reverse());
    assert.equal(pages, 3);

    const all = (await app.inject({ url: '/api/v1/jobs?limit=100', headers: admin })).json().items.map((i: { id: string }) => i.id);
    assert.ok(all.includes(benId) && annIds.every((id) => all.includes(id)));
    const bad = await app.inject({ url: '/api/v1/jobs?cursor=garbage', headers: ann.headers });
    assert.equal(bad.statusCode, 400);
  });

  test(`${kind}: DELETE cancels a queued or delayed job (owner or admin); 409 once it ran; a cancelled job never runs`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const [ann, ben] = [await signUp(app), await signUp(app)];
    const delayed = (await submit(app, later, ann.headers)).json().id as string;
    const url = `/api/v1/jobs/${delayed}`;
    assert.equal((await app.inject({ method: 'DELETE', url, headers: ben.headers })).statusCode, 404, "another user's job");
    const cancelled = await app.inject({ method: 'DELETE', url, headers: ann.headers });
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().status, 'cancelled');
    const again = await app.inject({ method: 'DELETE', url, headers: ann.headers });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'JOB_NOT_CANCELLABLE');

    // Due soon, cancelled before its time: the backend's entry comes up and is skipped.
    const soon = (await submit(app, { type: 'echo', payload: {}, delayMs: 300 }, ann.headers)).json().id as string;
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${soon}`, headers: admin })).statusCode, 200, 'an admin may cancel');
    await new Promise((r) => setTimeout(r, 600));
    const row = await app.db.job.findUnique({ where: { id: soon } });
    assert.deepEqual([row?.status, row?.attempts], ['cancelled', 0]);

    const done = (await submit(app, { type: 'echo', payload: {} }, ann.headers)).json().id as string;
    await waitStatus(app, done, ['completed']);
    const late = await app.inject({ method: 'DELETE', url: `/api/v1/jobs/${done}`, headers: ann.headers });
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().message, `Job ${done} is completed; only queued or delayed jobs can be cancelled`);
  });

  test(`${kind}: Idempotency-Key is scoped to the submitter and bound to the request`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const [ann, ben] = [await signUp(app), await signUp(app)];
    const key = { 'idempotency-key': 'order-42' };
    const body = { type: 'echo', payload: { a: 1, b: [1, 2] }, delayMs: 60_000 };
    const first = await submit(app, body, { ...ann.headers, ...key });
    assert.equal(first.statusCode, 202);
    assert.equal(first.json().idempotencyKey, 'order-42');
    // Same request (keys in another order): the same job.
    const replay = await submit(app, { delayMs: 60_000, payload: { b: [1, 2], a: 1 }, type: 'echo' }, { ...ann.headers, ...key });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().id, first.json().id);
    // Another request under the same key: 422, and no job.
    const before = await app.db.job.count();
    const reused = await submit(app, { ...body, payload: { a: 2 } }, { ...ann.headers, ...key });
    assert.equal(reused.statusCode, 422);
    assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await submit(app, { ...body, delayMs: 1000 }, { ...ann.headers, ...key })).statusCode, 422, 'options count too');
    assert.equal(await app.db.job.count(), before);
    // Another user's identical key is theirs: a new job, not Ann's.
    const bens = await submit(app, body, { ...ben.headers, ...key });
    assert.equal(bens.statusCode, 202);
    assert.notEqual(bens.json().id, first.json().id);

    // While the first request with a key is still being accepted, a second one gets 409.
    const ledger = app.queue.ledger;
    const insertMany = ledger.insertMany.bind(ledger);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    ledger.insertMany = async (...args: Parameters<typeof insertMany>) => {
      entered();
      await held;
      return insertMany(...args);
    };
    t.after(() => (ledger.insertMany = insertMany));
    const slowKey = { ...ann.headers, 'idempotency-key': 'slow-1' };
    const slow = submit(app, later, slowKey);
    await inside;
    const racing = await submit(app, later, slowKey);
    assert.equal(racing.statusCode, 409);
    assert.equal(racing.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS');
    assert.ok(racing.headers['retry-after']);
    release();
    assert.equal((await slow).statusCode, 202);
    ledger.insertMany = insertMany;
    assert.equal((await submit(app, later, slowKey)).statusCode, 200, 'once done: the original job');
  });
}

test('postgres: two processes, one Idempotency-Key at the same moment: one job, the other request 409 (the unique index decides)', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const env = { JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: await tempDatabase(t, 'railfast_jobs'), MIGRATE_ON_BOOT: 'true' };
  const a = await buildQueueApp(env);
  t.after(() => a.close());
  const b = await buildQueueApp(env);
  t.after(() => b.close());
  const headers = { 'idempotency-key': 'twice' };

  // A has checked the key (unused) and is about to write; B gets there first.
  const insertMany = a.queue.ledger.insertMany.bind(a.queue.ledger);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  a.queue.ledger.insertMany = async (...args: Parameters<typeof insertMany>) => {
    entered();
    await held;
    return insertMany(...args);
  };
  const first = submit(a, later, headers);
  await inside;
  const second = await submit(b, later, headers);
  assert.equal(second.statusCode, 202);
  release();
  const late = await first;
  assert.equal(late.statusCode, 409);
  assert.equal(late.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS');
  a.queue.ledger.insertMany = insertMany;
  const again = await submit(a, later, headers);
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().id, second.json().id);
  assert.equal(await a.db.job.count(), 1);
});
