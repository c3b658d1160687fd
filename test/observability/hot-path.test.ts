/**
 * The per-request speed work keeps behaviour: request.log is created lazily but logs exactly what
 * a pino child would (request id bound, per-route level honoured), a level that is off does not
 * create it, the cached ISO timestamp is pino's isoTime, and the access line written by template
 * is byte for byte the line pino writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { LazyChildLogger } from '../../src/observability/lazy-logger.js';
import { createLogger, isoTime } from '../../src/observability/logger.js';
import { newRequestId } from '../../src/http/request-id.js';
import { accessLineWriter, type AccessFields } from '../../src/observability/access-line.js';
import { testConfig } from '../../src/config/load.js';
import { build, memoryLogger } from '../helpers/build.js';

test('LazyChildLogger: no child until something is logged at an enabled level; then the same line as pino.child', () => {
  const { logger, lines } = memoryLogger('info');
  let children = 0;
  const parent = Object.create(logger, {
    child: { value: (...args: Parameters<typeof logger.child>) => (children++, logger.child(...args)) },
  }) as FastifyBaseLogger;
  const lazy = new LazyChildLogger(parent, { requestId: 'r-1' }, {});
  assert.equal(lazy.level, 'info');
  lazy.debug('not written');
  lazy.trace({ a: 1 }, 'not written');
  assert.equal(children, 0);
  lazy.info({ a: 1 }, 'hello');
  lazy.warn('again');
  assert.equal(children, 1);
  assert.deepEqual(
    lines.map((l) => [l.level, l.requestId, l.msg, l.a]),
    [
      ['info', 'r-1', 'hello', 1],
      ['warn', 'r-1', 'again', undefined],
    ],
  );
  assert.equal(lazy.child({ sub: true }).level, 'info');
});

test('LazyChildLogger honours a per-route log level', () => {
  const { logger, lines } = memoryLogger('info');
  const lazy = new LazyChildLogger(logger as FastifyBaseLogger, { requestId: 'r-2' }, { level: 'debug' });
  assert.equal(lazy.level, 'debug');
  lazy.debug('written at debug');
  assert.deepEqual(lines.map((l) => [l.level, l.requestId, l.msg]), [['debug', 'r-2', 'written at debug']]);
});

test('request.log in a handler carries the request id; the access line is still one per request', async (t) => {
  const { logger, lines } = memoryLogger('info');
  const app = await build(t, {}, {
    logger,
    configure: (a) => {
      a.get('/api/test/log', { schema: { tags: ['test'], summary: 'logs' } }, async (request) => {
        request.log.info({ step: 1 }, 'handler says hi');
        return { ok: true };
      });
    },
  });
  await app.inject({ url: '/api/test/log', headers: { 'x-request-id': 'lazy-1' } });
  const mine = lines.filter((l) => l.requestId === 'lazy-1');
  assert.deepEqual(
    mine.map((l) => [l.msg, l.level]),
    [
      ['handler says hi', 'info'],
      ['request completed', 'info'],
    ],
  );
  assert.equal(mine[0]!.step, 1);
});

test('isoTime is pino.stdTimeFunctions.isoTime, formatted once per millisecond', () => {
  const ours = isoTime();
  const theirs = pino.stdTimeFunctions.isoTime();
  assert.match(ours, /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  assert.ok(Math.abs(Date.parse(ours.slice(9, -1)) - Date.parse(theirs.slice(9, -1))) < 1000);
  assert.equal(isoTime(), isoTime());
});

test('generated request ids are unique, and safe to forward: a second hop honours them unchanged', async (t) => {
  const ids = new Set(Array.from({ length: 10_000 }, () => newRequestId()));
  assert.equal(ids.size, 10_000);
  for (const id of [...ids].slice(0, 50)) assert.match(id, /^[0-9a-f]{12}-[0-9a-z]+$/);

  const app = await build(t);
  const own = (await app.inject('/live')).headers['x-request-id'] as string;
  assert.match(own, /^[0-9a-f]{12}-[0-9a-z]+$/);
  assert.equal((await app.inject({ url: '/live', headers: { 'x-request-id': own } })).headers['x-request-id'], own);
});

/** A logger like production's (our createLogger: level labels, base bindings, redaction), writing raw lines to memory. */
function rawLogger() {
  const raw: string[] = [];
  const stream = { write: (line: string) => void raw.push(line) };
  const config = testConfig({ LOG_LEVEL: 'info', RAILWAY_SERVICE_NAME: 'api "main"', RAILWAY_GIT_COMMIT_SHA: '0123456789abcdef' });
  return { logger: createLogger(config, stream), raw };
}

test('the access line written by template is byte for byte the line pino writes', () => {
  const { logger, raw } = rawLogger();
  const write = accessLineWriter(logger);
  assert.ok(write, 'our production logger takes the template path');
  const cases: [AccessFields, 'info' | 'warn', string][] = [
    [{ requestId: newRequestId(), method: 'GET', url: '/live', statusCode: 200, durationMs: 0.3 }, 'info', 'request completed'],
    [{ requestId: 'in"bound\\id', method: 'POST', url: '/api/v1/jobs?q="x"&u=\u00e9\u2028\n', statusCode: 503, durationMs: 12 }, 'info', 'request completed'],
    [{ requestId: 'r-3', method: 'GET', url: '/slow', statusCode: 200, durationMs: 2500.5, slowRequestMs: 1000 }, 'warn', 'slow request'],
  ];
  for (const [fields, level, msg] of cases) {
    raw.length = 0;
    logger[level]({ ...fields }, msg);
    write!(level, fields, msg);
    assert.equal(raw.length, 2);
    // Same millisecond almost always; compare everything but the timestamp's value.
    const [viaPino, viaTemplate] = raw.map((l) => l.replace(/"time":"[^"]+"/, '"time":"T"'));
    assert.equal(viaTemplate, viaPino);
    assert.equal(JSON.parse(viaTemplate!).url, fields.url);
  }
});

test('a logger that pino would format differently (mixin) gets no template; the app still logs one access line, through pino', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', mixin: () => ({ extra: 1 }), formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  assert.equal(accessLineWriter(logger), null);
  const app = await build(t, {}, { logger });
  await app.inject({ url: '/live', headers: { 'x-request-id': 'tmpl-1' } });
  assert.deepEqual(
    lines.filter((l) => l.requestId === 'tmpl-1').map((l) => [l.level, l.msg, l.method, l.url, l.statusCode, l.extra]),
    [['info', 'request completed', 'GET', '/live', 200, 1]],
  );
});
