import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';

const ORIGINS = 'https://app.example.com,https://*.preview.example.com';

test('an exact origin is allowed and reflected', async (t) => {
  const app = await build(t, { CORS_ORIGINS: ORIGINS });
  const res = await app.inject({ url: '/live', headers: { origin: 'https://app.example.com' } });
  assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(String(res.headers.vary), /Origin/);
});

test('a wildcard entry matches subdomains but not the apex or look-alikes', async (t) => {
  const app = await build(t, { CORS_ORIGINS: ORIGINS });
  const allowed = await app.inject({ url: '/live', headers: { origin: 'https://pr-42.preview.example.com' } });
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://pr-42.preview.example.com');
  for (const origin of ['https://preview.example.com', 'https://evil-preview.example.com.attacker.io', 'http://pr-42.preview.example.com']) {
    const res = await app.inject({ url: '/live', headers: { origin } });
    assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
  }
});

test('a rejected origin gets no CORS headers (the response itself still works)', async (t) => {
  const app = await build(t, { CORS_ORIGINS: ORIGINS });
  const res = await app.inject({ url: '/live', headers: { origin: 'https://attacker.io' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});

test('"*" allows any origin outside production', async (t) => {
  const app = await build(t, { CORS_ORIGINS: '*' });
  const res = await app.inject({ url: '/live', headers: { origin: 'http://localhost:5173' } });
  assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:5173');
});

test('preflight answers 204 with methods, headers and max-age', async (t) => {
  const app = await build(t, { CORS_ORIGINS: ORIGINS });
  const res = await app.inject({
    method: 'OPTIONS',
    url: '/api/v1/jobs',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(String(res.headers['access-control-allow-methods']), /POST/);
  assert.match(String(res.headers['access-control-allow-headers']), /Idempotency-Key/);
  assert.equal(res.headers['access-control-max-age'], '600');
});

test('/cors-debug explains the decision and predicts exactly the headers the browser gets', async (t) => {
  const app = await build(t, { CORS_ORIGINS: ORIGINS });
  const origin = 'https://x.preview.example.com';
  const debug = (await app.inject({ url: '/cors-debug', headers: { origin } })).json();
  assert.equal(debug.origin, origin);
  assert.equal(debug.allowed, true);
  assert.equal(debug.matchedRule, 'https://*.preview.example.com');
  assert.deepEqual(debug.configuredOrigins, ORIGINS.split(','));

  const actual = await app.inject({ url: '/live', headers: { origin } });
  for (const [name, value] of Object.entries(debug.headers as Record<string, string>)) {
    assert.equal(actual.headers[name], value, name);
  }
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/live',
    headers: { origin, 'access-control-request-method': 'GET' },
  });
  for (const [name, value] of Object.entries(debug.preflightHeaders as Record<string, string>)) {
    assert.equal(String(preflight.headers[name]).replace(/,\s*/g, ', '), value, name);
  }

  const rejected = (await app.inject({ url: '/cors-debug', headers: { origin: 'https://nope.io' } })).json();
  assert.deepEqual([rejected.allowed, rejected.matchedRule, rejected.headers], [false, null, {}]);
});
