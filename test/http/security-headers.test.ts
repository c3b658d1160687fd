/**
 * The security headers are @fastify/helmet's, computed once (src/http/security-headers.plugin.ts).
 * That shortcut is right only while @fastify/helmet, with our options, sends the same headers on
 * every response: these tests compare our app with @fastify/helmet registered the ordinary way,
 * across routes, methods, statuses and repeated requests, and fail if the library ever differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import { HELMET_OPTIONS } from '../../src/http/security-headers.plugin.js';
import { build } from '../helpers/build.js';

const OWN = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'x-request-id',
  'vary',
  'retry-after',
  'www-authenticate',
]);
const policy = (headers: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => !OWN.has(name) && !name.startsWith('ratelimit-') && !name.startsWith('access-control-')),
  );

test('our headers are exactly what @fastify/helmet sends, on every kind of response', async (t) => {
  const reference = Fastify({ logger: false });
  t.after(() => reference.close());
  await reference.register(helmet, HELMET_OPTIONS);
  reference.get('/live', async () => ({ status: 'ok' }));
  reference.post('/api/v1/jobs', async (_req, reply) => reply.code(400).send({ error: 'bad' }));
  const app = await build(t);

  const requests = [
    { method: 'GET' as const, url: '/live' },
    { method: 'GET' as const, url: '/live' },
    { method: 'GET' as const, url: '/no/such/route' },
    { method: 'POST' as const, url: '/api/v1/jobs', payload: '{"type":', headers: { 'content-type': 'application/json' } },
  ];
  const seen = new Set<string>();
  for (const r of requests) {
    const [ours, theirs] = [await app.inject(r), await reference.inject(r)];
    assert.deepEqual(policy(ours.headers), policy(theirs.headers), `${r.method} ${r.url} (${ours.statusCode})`);
    seen.add(JSON.stringify(policy(theirs.headers)));
  }
  // @fastify/helmet itself sent one and the same set every time: nothing per request to miss.
  assert.equal(seen.size, 1);
  const sample = policy((await app.inject('/live')).headers);
  assert.equal(sample['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
  assert.equal(sample['x-frame-options'], 'DENY');
  assert.ok(Object.keys(sample).length >= 10, JSON.stringify(sample));
});
