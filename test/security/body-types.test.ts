/** Issue 13, item 6: no coercion of body fields; query strings and path parameters still coerce. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { build } from '../helpers/build.js';

test('body fields are not coerced ("5", [5], true are not numbers); query strings and params still are', async (t) => {
  const app = await build(t, {}, {
    configure: (a) => {
      a.post(
        '/typed/:n',
        {
          schema: {
            params: Type.Object({ n: Type.Integer() }),
            querystring: Type.Object({ limit: Type.Optional(Type.Integer()) }),
            body: Type.Object({ delayMs: Type.Integer(), flag: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String()) }),
          },
        },
        async (request) => ({ params: request.params, query: request.query, body: request.body }),
      );
    },
  });
  for (const body of [{ delayMs: '5' }, { delayMs: [5] }, { delayMs: true }, { delayMs: 5, flag: 'true' }, { delayMs: 5, name: 7 }]) {
    const res = await app.inject({ method: 'POST', url: '/typed/1', payload: body });
    assert.equal(res.statusCode, 400, JSON.stringify(body));
    assert.equal(res.json().code, 'VALIDATION_FAILED');
    assert.match(res.json().message, /^body\./);
  }
  const ok = await app.inject({ method: 'POST', url: '/typed/7?limit=20', payload: { delayMs: 5, flag: true } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { params: { n: 7 }, query: { limit: 20 }, body: { delayMs: 5, flag: true } });
});
