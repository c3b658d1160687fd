/**
 * Issue 13, items 7 and 10: every layer answers in the envelope (router errors, Node's parser,
 * timeouts), logged and counted; header and request timeouts fire close to their settings.
 * Over a real listening server: these answers happen below Fastify's inject.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { build, memoryLogger } from '../helpers/build.js';

async function listening(t: TestContext, env: Record<string, string> = {}) {
  const { logger, lines } = memoryLogger();
  const app = await build(t, env, {
    logger,
    configure: (a) => {
      a.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
      a.post('/items', async () => ({ ok: true }));
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, lines, port, base: `http://127.0.0.1:${port}` };
}

/** Write `data` on a raw socket and collect what comes back until the server closes it. */
function raw(port: number, data: string, opts: { keepOpen?: boolean } = {}): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - t0 }));
    socket.on('connect', () => socket.write(data));
    if (!opts.keepOpen) socket.on('connect', () => socket.end());
    setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 20 s'));
    }, 20_000).unref();
  });
}

function parse(text: string) {
  const [head, body] = text.split('\r\n\r\n') as [string, string];
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

function assertEnvelope(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) {
  assert.equal(res.status, status);
  assert.equal(res.body.statusCode, status);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(res.body.requestId, res.headers['x-request-id']);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
}

test('router errors: an over-long path parameter (414) and an undecodable URL (400) get the envelope, security headers, a log line and the rate limit', async (t) => {
  const { lines, base } = await listening(t, { RATE_LIMIT_MAX: '3' });
  const long = await fetch(`${base}/items/${'a'.repeat(300)}`);
  const res414 = { status: long.status, headers: Object.fromEntries(long.headers), body: (await long.json()) as Record<string, unknown> };
  assertEnvelope(res414, 414);
  assert.equal(res414.body.code, 'FST_ERR_MAX_PARAM_LENGTH');
  assert.equal(res414.headers['ratelimit-limit'], '3');
  assert.ok(lines.some((l) => l.requestId === res414.body.requestId && l.statusCode === 414), 'access line written');

  const bad = await fetch(`${base}/items/%E0%A4%A`);
  const res400 = { status: bad.status, headers: Object.fromEntries(bad.headers), body: (await bad.json()) as Record<string, unknown> };
  assertEnvelope(res400, 400);
  assert.equal(res400.body.code, 'FST_ERR_BAD_URL');

  // Over the limit: 429, in the envelope, from the same layer.
  await fetch(`${base}/items/${'b'.repeat(300)}`);
  const limited = await fetch(`${base}/items/${'c'.repeat(300)}`);
  assert.equal(limited.status, 429);
  assert.equal(((await limited.json()) as { code: string }).code, 'RATE_LIMITED');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /http_edge_responses_total\{status_code="414",layer="router"\} 2/);
  assert.match(metrics, /http_edge_responses_total\{status_code="429",layer="router"\} 1/);
});

test("Node's parser: a malformed request (400) and oversized headers (431) are answered in the envelope with security headers and logged", async (t) => {
  const { port, lines } = await listening(t);
  const malformed = parse((await raw(port, 'GET /live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')).text);
  assertEnvelope(malformed, 400);
  assert.equal(malformed.body.code, 'BAD_REQUEST');
  const huge = parse((await raw(port, `GET /live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).text);
  assertEnvelope(huge, 431);
  assert.equal(huge.body.code, 'HEADERS_TOO_LARGE');
  assert.ok(lines.some((l) => l.requestId === huge.body.requestId && l.statusCode === 431));
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /http_edge_responses_total\{status_code="431",layer="socket"\} 1/);
});

test('headers timeout: a client that never finishes its headers gets 408 within about a second of HEADERS_TIMEOUT_MS, not after the 30 s sweep', async (t) => {
  const { port } = await listening(t, { HEADERS_TIMEOUT_MS: '1500', REQUEST_TIMEOUT_MS: '3000' });
  const { text, closedAfterMs } = await raw(port, 'GET /live HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', { keepOpen: true });
  const res = parse(text);
  assertEnvelope(res, 408);
  assert.equal(res.body.code, 'REQUEST_TIMEOUT');
  assert.ok(closedAfterMs >= 1400 && closedAfterMs < 1500 + 2500, `closed after ${closedAfterMs} ms`);
});

test('request timeout: a body that never completes gets 408 within about a second of REQUEST_TIMEOUT_MS', async (t) => {
  const { port } = await listening(t, { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
  const { text, closedAfterMs } = await raw(port, 'POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":', { keepOpen: true });
  assert.ok(closedAfterMs >= 1900 && closedAfterMs < 2000 + 2500, `closed after ${closedAfterMs} ms`);
  if (text) assert.equal(parse(text).status, 408);
});

test('a request arriving while the app closes gets 503 in the envelope (request id, security headers, Retry-After)', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const app = await build(t, { READINESS_DRAIN_DELAY_MS: '0' }, { configure: (a) => void a.get('/slow', async () => held.then(() => ({ ok: true }))) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  // A kept-alive connection with a slow request in flight stays open while the app closes.
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.on('connect', r));
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => (text += d));
  socket.on('error', () => {});
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  const closing = app.close();
  await new Promise((r) => setTimeout(r, 200));
  // Pipelined behind the slow one: reaches the router after close began.
  socket.write('GET /live HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  release();
  await closing;
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
  const second = text.slice(text.indexOf('HTTP/1.1', 10));
  const res = parse(second);
  assertEnvelope(res, 503);
  assert.equal(res.body.code, 'SHUTTING_DOWN');
  assert.equal(res.headers['retry-after'], '1');
});
