/**
 * Issue 13, item 3: the client address cannot be spoofed through X-Forwarded-For. A real
 * listening app behind a simulated proxy hop (a loopback HTTP proxy that appends the address of
 * whoever connected to it, as Railway's edge does); the client forges the left-most entry.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from '../helpers/build.js';
import { loadConfig } from '../../src/config/load.js';

/** A one-hop reverse proxy to `target`; it appends `clientAddress` (what it saw as the client) to X-Forwarded-For. */
async function proxy(t: TestContext, target: number, clientAddress: string) {
  const server = createServer((req, res) => {
    const xff = req.headers['x-forwarded-for'];
    const headers = { ...req.headers, 'x-forwarded-for': xff ? `${String(xff)}, ${clientAddress}` : clientAddress };
    const upstream = httpRequest({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

async function behindProxy(t: TestContext, env: Record<string, string>) {
  const app = await build(t, { RATE_LIMIT_MAX: '5', ...env }, { configure: (a) => void a.get('/whoami', async (request) => ({ ip: request.ip })) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = await proxy(t, (app.server.address() as AddressInfo).port, '198.51.100.7');
  return `http://127.0.0.1:${port}`;
}

async function forgedFlood(base: string, n: number) {
  const statuses: number[] = [];
  const ips = new Set<string>();
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/whoami`, { headers: { 'x-forwarded-for': `10.${i}.${i}.${i}` } });
    statuses.push(res.status);
    if (res.status === 200) ips.add(((await res.json()) as { ip: string }).ip);
    else await res.body?.cancel();
  }
  return { statuses, ips };
}

for (const [name, env] of [
  ['on Railway by default (one hop)', { RAILWAY_ENVIRONMENT_NAME: 'production' }],
  ['TRUST_PROXY=1', { TRUST_PROXY: '1' }],
  ['TRUST_PROXY=<the proxy CIDR>', { TRUST_PROXY: '127.0.0.0/8,::1' }],
] as const) {
  test(`${name}: a forged left-most X-Forwarded-For through the proxy hop does not change the client address or the rate-limit key`, async (t) => {
    const base = await behindProxy(t, env);
    const { statuses, ips } = await forgedFlood(base, 8);
    assert.deepEqual([...ips], ['198.51.100.7'], 'the address the proxy saw, never the forged one');
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  });
}

test('TRUST_PROXY=true (every hop) is what lets a client rotate its address: shown for contrast', async (t) => {
  const base = await behindProxy(t, { TRUST_PROXY: 'true' });
  const { statuses } = await forgedFlood(base, 8);
  assert.ok(statuses.every((s) => s === 200), 'the left-most, client-written entry is the key');
});

test('TRUST_PROXY parses true/false, hop counts and address / CIDR lists', () => {
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, true);
  assert.equal(loadConfig({ TRUST_PROXY: 'off' }).TRUST_PROXY, false);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, 2);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, fd00::/8,loopback' }).TRUST_PROXY, ['10.0.0.0/8', 'fd00::/8', 'loopback']);
  assert.equal(loadConfig({}).TRUST_PROXY, false);
  assert.equal(loadConfig({ RAILWAY_ENVIRONMENT_NAME: 'staging' }).TRUST_PROXY, 1);
  assert.throws(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' }), /TRUST_PROXY must be/);
});
