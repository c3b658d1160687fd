/**
 * Issue 13, item 8: the SSRF-safe outbound path. A loopback HTTP server stands in for every target
 * that is actually called; other addresses are only checked (refused before any connection), and
 * "a name that resolves to ..." uses an injected resolver, never the network.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BreakerRegistry } from '../../src/outbound/breakers.js';
import { HttpClient } from '../../src/outbound/http-client.js';
import { OutboundTargetRefusedError, TargetGuard, type Resolver } from '../../src/outbound/target-guard.js';
import { build } from '../helpers/build.js';

async function loopbackTarget(t: TestContext, answer: (req: IncomingMessage) => [number, Record<string, string>, string] = () => [200, {}, 'ok']) {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    const [status, headers, body] = answer(req);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, seen };
}

/** Names resolve from this table only. */
const hosts =
  (table: Record<string, string[]>): Resolver =>
  async (name) => {
    const list = table[name];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

function client(guard: TargetGuard) {
  return new HttpClient({ breakers: new BreakerRegistry({ threshold: 5, resetMs: 1000 }), timeoutMs: 5000, retries: 0, maxDelayMs: 10, guard });
}

async function refused(p: Promise<unknown>, reason: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof OutboundTargetRefusedError, String(err));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'OUTBOUND_TARGET_REFUSED');
    assert.equal(err.message, 'The target URL is not allowed', 'generic for the submitter');
    assert.match(err.reason, reason, 'the detail is kept for the log');
    return true;
  });
}

test('loopback, private, link-local / metadata, CGNAT, unique-local and IPv4-mapped targets are refused, literal or by name', async () => {
  const guard = new TargetGuard({
    allowedHosts: ['*'],
    allowPrivate: [],
    resolve: hosts({ 'internal.example': ['127.0.0.1'], 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'public.example': ['93.184.216.34'] }),
  });
  for (const [url, why] of [
    ['http://127.0.0.1:8080/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['http://100.64.0.1/', /carrierGradeNat/],
    ['http://10.1.2.3/', /private/],
    ['http://192.168.1.1/', /private/],
    ['http://[fd00::1]/', /uniqueLocal/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://internal.example/', /internal\.example resolves to 127\.0\.0\.1/],
    ['http://mixed.example/', /10\.0\.0\.5/],
    ['http://nowhere.example/', /does not resolve/],
    ['ftp://public.example/', /scheme/],
  ] as const) {
    await refused(guard.check(url), why);
  }
  assert.equal((await guard.check('https://public.example/x')).address, '93.184.216.34');
});

test('the allow-list: a bare host never opens a private address; a CIDR or an exact host:port does, only that port', async (t) => {
  const target = await loopbackTarget(t);
  const resolve = hosts({ 'svc.internal': ['127.0.0.1'] });
  const bareHost = new TargetGuard({ allowedHosts: ['svc.internal'], allowPrivate: [], resolve });
  await refused(bareHost.check(`http://svc.internal:${target.port}/`), /loopback/);

  const hostPort = new TargetGuard({ allowedHosts: ['svc.internal'], allowPrivate: [`svc.internal:${target.port}`], resolve });
  const res = await client(hostPort).request(`http://svc.internal:${target.port}/hello`, { guarded: true });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  await refused(hostPort.check(`http://svc.internal:${target.port + 1}/`), /loopback/);
  await refused(hostPort.check('http://other.internal/'), /not in HTTP_JOB_ALLOWED_HOSTS/);

  const cidr = new TargetGuard({ allowedHosts: ['*'], allowPrivate: ['127.0.0.0/8'], resolve });
  assert.equal((await client(cidr).request(`http://127.0.0.1:${target.port}/`, { guarded: true })).status, 200);
});

test('the call connects to the address that was checked, not to what the name resolves to later (no DNS rebinding)', async (t) => {
  const target = await loopbackTarget(t);
  let lookups = 0;
  // First answer: the allowed loopback target; any later lookup would say the metadata address.
  const guard = new TargetGuard({
    allowedHosts: ['*'],
    allowPrivate: ['127.0.0.1/32'],
    resolve: async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]),
  });
  // `.invalid` never resolves through the system resolver: reaching the server proves the pinned address was used.
  const res = await client(guard).request(`http://rebind.invalid:${target.port}/pinned`, { guarded: true });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.equal(lookups, 1);
  assert.equal(target.seen.at(-1)?.headers.host, `rebind.invalid:${target.port}`);
});

test('a guarded call follows no redirect (here to the metadata address)', async (t) => {
  const target = await loopbackTarget(t, () => [302, { location: 'http://169.254.169.254/latest/meta-data/' }, '']);
  const guard = new TargetGuard({ allowedHosts: ['*'], allowPrivate: ['127.0.0.1/32'] });
  const res = await client(guard).request(`http://127.0.0.1:${target.port}/`, { guarded: true, redirect: 'follow' });
  assert.equal(res.status, 302);
  assert.equal(target.seen.length, 1);
});

test('app.outbound.checkTarget: 400 OUTBOUND_TARGET_REFUSED for a refused target (production, any host allowed); allowed ones pass', async (t) => {
  const target = await loopbackTarget(t);
  const app = await build(t, { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com', HTTP_JOB_ALLOWED_HOSTS: '*', OUTBOUND_ALLOW_PRIVATE: `127.0.0.1:${target.port}` });
  await assert.rejects(app.outbound.checkTarget('http://127.0.0.1:9/'), { statusCode: 400, code: 'OUTBOUND_TARGET_REFUSED', message: 'The target URL is not allowed' });
  await assert.rejects(app.outbound.checkTarget('http://169.254.169.254/'), { code: 'OUTBOUND_TARGET_REFUSED' });
  await app.outbound.checkTarget(`http://127.0.0.1:${target.port}/`);
  const prodDefault = await build(t, { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' });
  await assert.rejects(prodDefault.outbound.checkTarget('https://example.com/'), { code: 'OUTBOUND_TARGET_REFUSED' });
});
