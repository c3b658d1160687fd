/**
 * The owned resource, on the embedded database and on real Postgres: full CRUD for the owner,
 * 404 for everyone else, cursor pagination across pages, validation, and who may do what.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { build } from '../helpers/build.js';
import { needs, tempDatabase } from '../helpers/services.js';
import { signUp, TEST_JWT_SECRET } from '../helpers/auth.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function appFor(t: Parameters<typeof build>[0], kind: 'embedded' | 'postgres'): Promise<FastifyInstance | null> {
  const env = { JWT_SECRET: TEST_JWT_SECRET, ADMIN_TOKEN, RATE_LIMIT_ENABLED: 'false' };
  if (kind === 'embedded') return build(t, env);
  if (!(await needs(t, 'postgres'))) return null;
  return build(t, { ...env, DATABASE_URL: await tempDatabase(t, 'railfast_notes'), MIGRATE_ON_BOOT: 'true' });
}

for (const kind of ['embedded', 'postgres'] as const) {
  test(`${kind}: the owner creates, reads, changes and deletes a note; another user gets 404 for each`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const [ann, ben] = [await signUp(app), await signUp(app)];
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/notes',
      headers: ann.headers,
      payload: { title: 'Groceries', body: 'eggs flour milk' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const note = created.json();
    assert.equal(created.headers.location, `/api/v1/notes/${note.id}`);
    assert.equal(note.title, 'Groceries');

    const url = `/api/v1/notes/${note.id}`;
    assert.equal((await app.inject({ url, headers: ann.headers })).json().body, 'eggs flour milk');
    const changed = await app.inject({ method: 'PATCH', url, headers: ann.headers, payload: { body: 'eggs' } });
    assert.equal(changed.statusCode, 200);
    assert.deepEqual([changed.json().title, changed.json().body], ['Groceries', 'eggs']);

    for (const req of [
      { method: 'GET' as const, url },
      { method: 'PATCH' as const, url, payload: { title: 'mine now' } },
      { method: 'DELETE' as const, url },
    ]) {
      const res: LightMyRequestResponse = await app.inject({ ...req, headers: ben.headers });
      assert.equal(res.statusCode, 404, `${req.method} by another user`);
      assert.equal(res.json().message, `Note ${note.id} not found`);
    }
    assert.deepEqual((await app.inject({ url: '/api/v1/notes', headers: ben.headers })).json().items, []);
    // Admins (here the operator) see everyone's.
    assert.equal((await app.inject({ url, headers: operator })).statusCode, 200);

    assert.equal((await app.inject({ method: 'DELETE', url, headers: ann.headers })).statusCode, 204);
    assert.equal((await app.inject({ url, headers: ann.headers })).statusCode, 404);
  });

  test(`${kind}: cursor pagination walks every note once, newest first, and rejects a forged cursor`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const [me, other] = [await signUp(app), await signUp(app)];
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (await app.inject({ method: 'POST', url: '/api/v1/notes', headers: me.headers, payload: { title: `n${i}`, body: '' } })).json().id,
      );
      await app.inject({ method: 'POST', url: '/api/v1/notes', headers: other.headers, payload: { title: `other ${i}`, body: '' } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await app.inject({ url: `/api/v1/notes?limit=3${q}`, headers: me.headers })).json() as {
        items: { id: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());

    for (const bad of ['nonsense', Buffer.from('+275760-09-13T00:00:00.001Z|00000000-0000-4000-8000-000000000000').toString('base64url')]) {
      const res: LightMyRequestResponse = await app.inject({ url: `/api/v1/notes?cursor=${bad}`, headers: me.headers });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().message, 'querystring.cursor is not a cursor this API returned');
    }
  });
}

test('strangers get 401, the operator cannot own notes, bodies are validated strictly', async (t) => {
  const app = await appFor(t, 'embedded');
  if (!app) return;
  assert.equal((await app.inject({ url: '/api/v1/notes' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/notes', payload: { title: 't', body: 'b' } })).statusCode, 401);
  const byOperator = await app.inject({ method: 'POST', url: '/api/v1/notes', headers: operator, payload: { title: 't', body: 'b' } });
  assert.equal(byOperator.statusCode, 403);

  const me = await signUp(app);
  const bad = async (payload: unknown) =>
    (await app.inject({ method: 'POST', url: '/api/v1/notes', headers: me.headers, payload: payload as object })).json();
  assert.equal((await bad({ title: '', body: 'b' })).code, 'VALIDATION_FAILED');
  assert.equal((await bad({ title: 't', body: 'b', ownerId: me.user.id })).message, 'body.ownerId must NOT have additional properties');
  assert.equal((await bad({ title: 't' })).message, "body.body must have required property 'body'");
  const emptyPatch = await app.inject({
    method: 'PATCH',
    url: '/api/v1/notes/00000000-0000-4000-8000-000000000000',
    headers: me.headers,
    payload: {},
  });
  assert.equal(emptyPatch.statusCode, 400);
  assert.equal((await app.inject({ url: '/api/v1/notes/not-a-uuid', headers: me.headers })).statusCode, 400);
});
