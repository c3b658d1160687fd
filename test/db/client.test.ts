/**
 * The Prisma client through the database plugin, the same suite on pglite:memory and on a fresh
 * Postgres database (migrated at boot): every model round-trips, Prisma errors map to the envelope
 * through HTTP, and /health, /ready and /health/details report the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { JobStatus, Prisma } from '../../src/generated/prisma/client.js';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../helpers/config.js';
import { KINDS, type Kind } from '../helpers/db.js';
import { createTempDatabase, PG_URL } from '../helpers/services.js';

const TOKEN = 'test-admin-token-0123456789abcdef-XYZ';

/** Test-only routes: the jobs API arrives in another issue; these exercise the guard over HTTP. */
function routes(app: FastifyInstance) {
  app.post('/test/jobs', async (request, reply) => {
    const { key } = request.body as { key: string };
    const job = await app.dbGuard((db) => db.job.create({ data: { id: randomUUID(), type: 'test', payload: {}, idempotencyKey: key } }));
    return reply.code(201).send({ id: job.id });
  });
  app.delete('/test/jobs/:id', async (request) => {
    const { id } = request.params as { id: string };
    await app.dbGuard((db) => db.job.delete({ where: { id } }));
    return { deleted: id };
  });
  app.get('/test/boom', async () => app.dbGuard((db) => db.$queryRawUnsafe('SELECT 1/0 AS x')));
}

/** Whether the machine's Postgres answers (else the postgres suite skips, or fails under REQUIRE_SERVICES=1). */
async function postgresUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    return true;
  } catch {
    if (process.env.REQUIRE_SERVICES === '1') throw new Error('postgres is required (REQUIRE_SERVICES=1) but not reachable');
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * One app per backend for the whole suite (each app costs a PGlite load or a database): Postgres
 * gets a fresh database, migrated at boot and dropped after.
 */
async function dbApp(kind: Kind): Promise<{ app: FastifyInstance; close: () => Promise<void> } | null> {
  const base = { ADMIN_TOKEN: TOKEN }; // testConfig keeps load shedding off
  if (kind === 'pglite') {
    const app = await buildApp(testConfig(base), { configure: routes });
    await app.ready();
    return { app, close: () => app.close() };
  }
  if (!(await postgresUp())) return null;
  const temp = await createTempDatabase('railfast_db');
  try {
    const app = await buildApp(testConfig({ ...base, DATABASE_URL: temp.url, MIGRATE_ON_BOOT: 'true' }), { configure: routes });
    await app.ready();
    return { app, close: async () => (await app.close(), await temp.drop()) };
  } catch (err) {
    await temp.drop(); // a failing setup leaves no database behind
    throw err;
  }
}

for (const kind of KINDS) {
  describe(`database client on ${kind}`, () => {
    let shared: Awaited<ReturnType<typeof dbApp>> = null;
    before(async () => {
      shared = await dbApp(kind);
    });
    after(() => shared?.close());
    /** The suite's app, or null after skipping the test (no Postgres on this machine). */
    const appOrSkip = (t: { skip: (m: string) => void }) => {
      if (!shared) t.skip('postgres not reachable; start it to run this test');
      return shared?.app ?? null;
    };
    test('every model round-trips through the Prisma client', async (t) => {
      const app = appOrSkip(t);
      if (!app) return;
      const db = app.db;
      const id = randomUUID();
      const full = {
        id,
        type: 'email.send',
        payload: { to: 'a@example.com', list: [1, 2.5, { deep: true }], text: 'ünïcødé ✓', nothing: null },
        status: JobStatus.active,
        priority: -5,
        attempts: 2,
        maxAttempts: 7,
        runAt: new Date('2026-01-02T03:04:05.678Z'),
        result: { sent: true },
        lastError: 'timeout; retrying',
        idempotencyKey: `key-${id}`,
        requestHash: 'fingerprint',
        ownerId: randomUUID(),
        startedAt: new Date('2026-01-02T03:04:06.001Z'),
        finishedAt: new Date('2026-01-02T03:04:07.999Z'),
      };
      const created = await db.job.create({ data: full });
      const { createdAt, updatedAt, ...rest } = created;
      assert.deepEqual(rest, full);
      assert.ok(createdAt instanceof Date && updatedAt instanceof Date);
      assert.deepEqual(await db.job.findUniqueOrThrow({ where: { id } }), created);
      assert.deepEqual(await db.job.findUnique({ where: { idempotencyKey: `key-${id}` } }), created);

      // Defaults.
      const before = Date.now();
      const minimal = await db.job.create({ data: { id: randomUUID(), type: 'noop', payload: ['x'] } });
      assert.equal(minimal.status, JobStatus.queued);
      assert.deepEqual([minimal.priority, minimal.attempts, minimal.maxAttempts], [0, 0, 3]);
      assert.deepEqual([minimal.result, minimal.lastError, minimal.idempotencyKey, minimal.startedAt, minimal.finishedAt], [null, null, null, null, null]);
      assert.ok(Math.abs(minimal.runAt.getTime() - before) < 60_000);

      // Every enum value, @updatedAt, and JSON null.
      for (const status of Object.values(JobStatus)) {
        const row = await db.job.update({ where: { id: minimal.id }, data: { status, result: Prisma.JsonNull } });
        assert.equal(row.status, status);
        assert.equal(row.result, null);
        assert.ok(row.updatedAt >= minimal.updatedAt);
      }

      // The indexed queries the queue relies on.
      const due = await db.job.findMany({ where: { status: JobStatus.active, type: 'email.send', runAt: { lte: new Date('2030-01-01') } }, orderBy: { runAt: 'asc' } });
      assert.deepEqual(due.map((j) => j.id), [id]);

      // Interactive transactions commit and roll back.
      await assert.rejects(
        db.$transaction(async (tx) => {
          await tx.job.update({ where: { id }, data: { attempts: { increment: 1 } } });
          throw new Error('abort');
        }),
        { message: 'abort' },
      );
      assert.equal((await db.job.findUniqueOrThrow({ where: { id } })).attempts, 2);
      await db.$transaction(async (tx) => tx.job.update({ where: { id }, data: { attempts: { increment: 1 } } }));
      assert.equal((await db.job.findUniqueOrThrow({ where: { id } })).attempts, 3);

      await db.job.delete({ where: { id } });
      assert.equal(await db.job.findUnique({ where: { id } }), null);
    });

    test('through HTTP: unique violation → 409, missing record → 404, other database errors → 500 without internals', async (t) => {
      const app = appOrSkip(t);
      if (!app) return;
      const post = () => app.inject({ method: 'POST', url: '/test/jobs', payload: { key: `same-${kind}` } });
      const first = await post();
      assert.equal(first.statusCode, 201);

      const dup = await post();
      assert.equal(dup.statusCode, 409);
      assert.deepEqual(dup.json(), {
        statusCode: 409,
        error: 'Conflict',
        message: 'A record with this idempotency_key already exists',
        requestId: dup.headers['x-request-id'],
        code: 'CONFLICT',
        details: { fields: ['idempotency_key'] },
      });

      const missing = await app.inject({ method: 'DELETE', url: `/test/jobs/${randomUUID()}` });
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(
        { ...(missing.json() as object), requestId: undefined },
        { statusCode: 404, error: 'Not Found', message: 'Job not found', requestId: undefined, code: 'NOT_FOUND' },
      );

      const boom = await app.inject('/test/boom');
      assert.equal(boom.statusCode, 500);
      assert.equal(boom.json().message, 'Internal Server Error');
      assert.doesNotMatch(boom.body, /division|22012|SELECT/i);
      assert.equal(app.database.breakerState, 'closed', 'answers from the database are not breaker failures');
    });

    test('/ready, /health and /health/details report the database, its mode, pool and breaker', async (t) => {
      const app = appOrSkip(t);
      if (!app) return;
      const mode = kind === 'pglite' ? 'pglite (memory)' : 'postgres';
      assert.equal(app.database.mode, mode);
      assert.deepEqual(app.health.modes().database, mode);

      const ready = await app.inject('/ready');
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().checks.database.status, 'up');
      assert.equal(ready.json().checks.database.critical, true);

      const health = (await app.inject('/health')).json();
      assert.equal(health.components.database.status, 'up');
      assert.equal(health.components.database.mode, mode);
      assert.equal(typeof health.components.database.latencyMs, 'number');

      const details = await app.inject({ url: '/health/details', headers: { authorization: `Bearer ${TOKEN}` } });
      const stats = details.json().stats.database;
      assert.equal(stats.mode, mode);
      assert.equal(stats.available, true);
      assert.equal(stats.breaker.state, 'closed');
      assert.equal(stats.breaker.threshold, 10);
      assert.deepEqual(Object.keys(stats.pool).sort(), ['idle', 'max', 'total', 'waiting']);
      assert.equal(stats.pool.max, kind === 'pglite' ? 1 : 10);
      const order: string[] = details.json().shutdownOrder;
      assert.ok(order.includes('database'));
      for (const user of ['queue', 'workers', 'redis']) {
        if (order.includes(user)) assert.ok(order.indexOf(user) < order.indexOf('database'), `${user} closes before the database`);
      }
    });
  });
}
