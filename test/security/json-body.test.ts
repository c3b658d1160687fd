/** Issue 13, item 5 (generic body part): depth limit before parsing, unstorable text → 400, no 5xx, poisoning still refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';

const routes = (a: import('fastify').FastifyInstance) => void a.post('/echo', async (request) => ({ body: request.body }));
const post = (app: import('fastify').FastifyInstance, payload: string) =>
  app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

test('JSON nested deeper than JSON_MAX_DEPTH is 400 JSON_TOO_DEEP (6,000 levels included); at the limit it parses', async (t) => {
  const app = await build(t, { JSON_MAX_DEPTH: '32' }, { configure: routes });
  for (const depth of [33, 6000]) {
    const res = await post(app, `${'['.repeat(depth)}${']'.repeat(depth)}`);
    assert.equal(res.statusCode, 400, String(depth));
    assert.equal(res.json().code, 'JSON_TOO_DEEP');
    assert.equal(typeof res.json().requestId, 'string');
  }
  assert.equal((await post(app, `${'{"a":'.repeat(31)}[1]${'}'.repeat(31)}`)).statusCode, 200);
  // Brackets inside strings do not count.
  assert.equal((await post(app, JSON.stringify({ s: '['.repeat(100) + '\\"{{{' }))).statusCode, 200);
});

test('NUL characters and lone surrogates in values or keys are 400 JSON_UNSTORABLE_TEXT naming the field; a valid pair is fine', async (t) => {
  const app = await build(t, {}, { configure: routes });
  for (const [payload, field] of [
    ['{"name":"a\\u0000b"}', 'body.name'],
    ['{"list":["ok","\\ud800"]}', 'body.list.1'],
    ['{"x":"\\udc00z"}', 'body.x'],
    ['{"k\\u0000":1}', 'body (a key)'],
  ] as const) {
    const res = await post(app, payload);
    assert.equal(res.statusCode, 400, payload);
    assert.equal(res.json().code, 'JSON_UNSTORABLE_TEXT');
    assert.ok(res.json().message.startsWith(field), res.json().message);
  }
  const ok = await post(app, '{"emoji":"\\ud83d\\ude00","slash":"\\\\u0000 is text"}');
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().body.emoji, '😀');
});

test("Fastify's protections stay: prototype / constructor poisoning, bad and empty JSON are 400", async (t) => {
  const app = await build(t, {}, { configure: routes });
  for (const payload of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":', '']) {
    const res = await post(app, payload);
    assert.equal(res.statusCode, 400, payload);
    assert.equal(typeof res.json().requestId, 'string');
  }
});
