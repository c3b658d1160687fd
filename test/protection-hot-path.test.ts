/**
 * The per-request speed work keeps behaviour: request.log is created lazily but logs exactly what
 * a pino child would (request id bound, per-route level honoured), a level that is off does not
 * create it, and the cached ISO timestamp is pino's isoTime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { LazyChildLogger } from '../src/lib/lazy-logger.js';
import { isoTime } from '../src/logger.js';
import { newRequestId } from '../src/lib/request-id.js';
import { build, memoryLogger } from './helpers/build.js';

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
