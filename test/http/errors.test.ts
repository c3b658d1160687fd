import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { build, memoryLogger } from '../helpers/build.js';
import { ServiceUnavailableError } from '../../src/http/errors.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { testConfig } from '../helpers/config.js';

function routes(app: FastifyInstance) {
  app.post('/echo', { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Optional(Type.Integer()) }) } }, async (req) => req.body);
  app.get('/boom', async () => {
    throw new Error('password=hunter2 at db.internal:5432');
  });
  app.get('/unavailable', async () => {
    throw new ServiceUnavailableError('Database unavailable, retry later', 7);
  });
}

const envelopeKeys = (body: Record<string, unknown>) => Object.keys(body).sort();

test('malformed JSON → 400 envelope with the request id', async (t) => {
  const app = await build(t, {}, { configure: routes });
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' }, payload: '{"name":' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), {
    statusCode: 400,
    error: 'Bad Request',
    message: "Body is not valid JSON but content-type is set to 'application/json'",
    requestId: 'req-1',
    code: 'FST_ERR_CTP_INVALID_JSON_BODY',
  });
});

test('schema validation → 400 naming the field, with details', async (t) => {
  const app = await build(t, {}, { configure: routes });
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { count: 1 } });
  assert.equal(res.statusCode, 400);
  const body = res.json();
  assert.equal(body.message, "body.name must have required property 'name'");
  assert.equal(body.code, 'VALIDATION_FAILED');
  assert.deepEqual(body.details, [{ field: 'body.name', message: "must have required property 'name'" }]);
});

test('body over BODY_LIMIT_BYTES → 413 envelope', async (t) => {
  const app = await build(t, { BODY_LIMIT_BYTES: '100' }, { configure: routes });
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x'.repeat(200) } });
  assert.equal(res.statusCode, 413);
  assert.deepEqual(envelopeKeys(res.json()), ['code', 'error', 'message', 'requestId', 'statusCode']);
  assert.equal(res.json().message, 'Request body is too large');
});

test('unknown route → 404 envelope', async (t) => {
  const app = await build(t);
  const res = await app.inject('/does/not/exist?x=1');
  assert.equal(res.statusCode, 404);
  assert.deepEqual(res.json(), { statusCode: 404, error: 'Not Found', message: 'Route GET /does/not/exist not found', requestId: res.headers['x-request-id'] });
});

test('unknown error → 500 without internals, logged with stack and request id', async (t) => {
  const { logger, lines } = memoryLogger();
  const app = await build(t, {}, { configure: routes, logger });
  const res = await app.inject({ url: '/boom', headers: { 'x-request-id': 'req-500' } });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error', requestId: 'req-500' });
  assert.doesNotMatch(res.body, /hunter2|db\.internal|at /);
  const logged = lines.find((l) => l.msg === 'request failed: password=**** at db.internal:5432');
  assert.ok(logged, 'error logged');
  assert.equal(logged.requestId, 'req-500');
  assert.match(String((logged.err as { stack: string }).stack), /Error: password=hunter2/);
});

test('ServiceUnavailableError → 503 with Retry-After and its message', async (t) => {
  const app = await build(t, {}, { configure: routes });
  const res = await app.inject('/unavailable');
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '7');
  assert.equal(res.json().message, 'Database unavailable, retry later');
  assert.equal(res.json().code, 'SERVICE_UNAVAILABLE');
});

test('one access line per request with status and duration; slow requests warn', async (t) => {
  const { logger, lines } = memoryLogger();
  const app = await build(t, { SLOW_REQUEST_MS: '30' }, {
    logger,
    configure: (a) => {
      a.get('/slow', async () => new Promise((r) => setTimeout(() => r({ ok: true }), 60)));
    },
  });
  await app.inject({ url: '/live', headers: { 'x-request-id': 'fast-1', authorization: 'Bearer do-not-log-me' } });
  await app.inject({ url: '/slow', headers: { 'x-request-id': 'slow-1' } });
  const fast = lines.filter((l) => l.requestId === 'fast-1');
  assert.equal(fast.length, 1);
  assert.deepEqual([fast[0]!.msg, fast[0]!.level, fast[0]!.statusCode, fast[0]!.method, fast[0]!.url], ['request completed', 'info', 200, 'GET', '/live']);
  assert.equal(typeof fast[0]!.durationMs, 'number');
  const slow = lines.filter((l) => l.requestId === 'slow-1');
  assert.equal(slow.length, 1);
  assert.deepEqual([slow[0]!.msg, slow[0]!.level, slow[0]!.slowRequestMs], ['slow request', 'warn', 30]);
  assert.doesNotMatch(JSON.stringify(lines), /do-not-log-me/);
});

test('secret-named fields are redacted in logs', () => {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  const log = createLogger(testConfig({ LOG_LEVEL: 'info' }), sink);
  log.info({ user: { password: 'p4ss' }, headers: { authorization: 'Bearer abc' }, token: 'tok' }, 'x');
  assert.doesNotMatch(out.join(''), /p4ss|Bearer abc|"tok"/);
  assert.equal((out.join('').match(/\[redacted\]/g) ?? []).length, 3);
});
