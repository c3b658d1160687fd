/**
 * Logging stays pino's own: request.log is Fastify's child logger carrying the request id, one
 * access line per request, ids safe to forward, and the buffered stdout of production loses no
 * line at exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { newRequestId } from '../../src/http/request-id.js';
import { build, memoryLogger } from '../helpers/build.js';

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
  await app.inject({ url: '/api/test/log', headers: { 'x-request-id': 'log-1' } });
  const mine = lines.filter((l) => l.requestId === 'log-1');
  assert.deepEqual(
    mine.map((l) => [l.msg, l.level]),
    [
      ['handler says hi', 'info'],
      ['request completed', 'info'],
    ],
  );
  assert.equal(mine[0]!.step, 1);
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


test('the production logger (buffered stdout) keeps the lines written just before process.exit', () => {
  const script = `
    const { createLogger } = await import('./src/observability/logger.ts');
    const { loadConfig } = await import('./src/config/load.ts');
    const log = createLogger(loadConfig({ NODE_ENV: 'production', LOG_PRETTY: 'false' }));
    for (let i = 0; i < 100; i++) log.info({ i }, 'line');
    process.exit(3);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 3, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; msg: string; level: string });
  assert.deepEqual(lines.map((l) => l.i), Array.from({ length: 100 }, (_, i) => i));
  assert.equal(lines[0]!.level, 'info');
});
