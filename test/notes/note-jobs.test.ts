/**
 * Jobs from domain writes, on the embedded database and on real Postgres: writing a note enqueues
 * the internal `note-stats` job in the same transaction; its handler writes the word count through
 * ctx.db. A rolled-back transaction leaves no job; a process that dies between the commit and the
 * hand-off to the backend loses nothing: the next one's reconciler runs the job.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../helpers/config.js';
import { needs, tempDatabase } from '../helpers/services.js';
import { signUp, TEST_JWT_SECRET } from '../helpers/auth.js';
import { queueEnv, submit, waitFor, waitStatus } from '../helpers/queue.js';

type Kind = 'embedded' | 'postgres';

/** Where a test's database lives, so a second app can open the same one (a restart). */
async function databaseEnv(t: TestContext, kind: Kind): Promise<Record<string, string | undefined> | null> {
  if (kind === 'postgres') {
    if (!(await needs(t, 'postgres'))) return null;
    return { DATABASE_URL: await tempDatabase(t, 'railfast_notejobs'), MIGRATE_ON_BOOT: 'true' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'railfast-notejobs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { DATABASE_URL: undefined, DATA_DIR: dir };
}

async function start(dbEnv: Record<string, string | undefined>, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(queueEnv({ JWT_SECRET: TEST_JWT_SECRET, ...dbEnv, ...env })));
  await app.ready();
  return app;
}

const noteStats = (app: FastifyInstance, noteId: string) => app.db.job.findMany({ where: { type: 'note-stats', payload: { equals: { noteId } } } });

for (const kind of ['embedded', 'postgres'] as const) {
  test(`${kind}: writing a note enqueues note-stats in the same transaction; its handler stores the word count`, async (t) => {
    const dbEnv = await databaseEnv(t, kind);
    if (!dbEnv) return;
    const app = await start(dbEnv);
    t.after(() => app.close());
    const ann = await signUp(app);

    const created = await app.inject({ method: 'POST', url: '/api/v1/notes', headers: ann.headers, payload: { title: 'Groceries', body: 'eggs flour  milk' } });
    assert.equal(created.statusCode, 201);
    const id = created.json().id as string;
    const [job] = await noteStats(app, id);
    assert.ok(job, 'the job row exists once the note does');
    assert.equal(job.ownerId, ann.user.id);
    await waitStatus(app, job.id, ['completed']);
    const read = await app.inject({ url: `/api/v1/notes/${id}`, headers: ann.headers });
    assert.equal(read.json().wordCount, 4);

    const patched = await app.inject({ method: 'PATCH', url: `/api/v1/notes/${id}`, headers: ann.headers, payload: { body: 'just eggs' } });
    assert.equal(patched.statusCode, 200);
    await waitFor('the new count', async () => (await app.db.note.findUnique({ where: { id } }))?.wordCount === 3);
    assert.equal((await noteStats(app, id)).length, 2);

    // Internal: clients cannot submit it, but they see their own in the jobs list.
    assert.equal((await submit(app, { type: 'note-stats', payload: { noteId: id } }, ann.headers)).statusCode, 400);
    const mine = (await app.inject({ url: '/api/v1/jobs', headers: ann.headers })).json().items as { type: string }[];
    assert.deepEqual(
      mine.map((j) => j.type),
      ['note-stats', 'note-stats'],
    );
  });

  test(`${kind}: a rolled-back write leaves neither the note nor its job`, async (t) => {
    const dbEnv = await databaseEnv(t, kind);
    if (!dbEnv) return;
    const app = await start(dbEnv);
    t.after(() => app.close());
    const ann = await signUp(app);
    const before = await app.db.job.count();
    let noteId = '';
    await assert.rejects(
      app.queue.transaction(async (tx) => {
        const note = await tx.note.create({ data: { ownerId: ann.user.id, title: 't', body: 'b' } });
        noteId = note.id;
        await app.queue.enqueue({ type: 'note-stats', payload: { noteId } }, { tx });
        assert.equal(await tx.job.count(), before + 1, 'inside the transaction the job is there');
        throw new Error('the domain write fails after the enqueue');
      }),
      /the domain write fails/,
    );
    assert.equal(await app.db.job.count(), before);
    assert.equal(await app.db.note.count({ where: { id: noteId } }), 0);
    // An invalid job fails the write too: nothing half-done.
    await assert.rejects(
      app.queue.transaction(async (tx) => {
        await tx.note.create({ data: { ownerId: ann.user.id, title: 't', body: 'b' } });
        await app.queue.enqueue({ type: 'note-stats', payload: { noteId: 'not-a-uuid' } }, { tx });
      }),
      { statusCode: 400 },
    );
    assert.equal(await app.db.note.count({ where: { ownerId: ann.user.id } }), 0);
  });

  test(`${kind}: committed but never handed off (the process died): the reconciler of the next process runs the job`, async (t) => {
    const dbEnv = await databaseEnv(t, kind);
    if (!dbEnv) return;
    // First process: no workers, and the write goes through a plain transaction (no hand-off).
    const first = await start(dbEnv, { RUN_WORKERS: 'false' });
    const ann = await signUp(first);
    const note = await first.db.$transaction(async (tx) => {
      const n = await tx.note.create({ data: { ownerId: ann.user.id, title: 'Lost', body: 'one two three four five' } });
      await first.queue.enqueue({ type: 'note-stats', payload: { noteId: n.id } }, { tx });
      return n;
    });
    const [job] = await noteStats(first, note.id);
    assert.equal(job?.status, 'queued');
    await first.close();

    const second = await start(dbEnv);
    t.after(() => second.close());
    await waitStatus(second, job!.id, ['completed']);
    assert.equal((await second.db.note.findUnique({ where: { id: note.id } }))?.wordCount, 6);
  });
}
