/**
 * Accounts and authentication, on the embedded database and on real Postgres: register, login,
 * refresh (rotation and reuse), logout, expired and tampered tokens, the sign-in limits, the
 * generic failure, attempt logging, roles, and production without JWT_SECRET.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { build, memoryLogger } from '../helpers/build.js';
import { needs, tempDatabase } from '../helpers/services.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const PASSWORD = 'correct horse battery staple';

type Kind = 'embedded' | 'postgres';

async function appFor(
  t: Parameters<typeof build>[0],
  kind: Kind,
  env: Record<string, string> = {},
  logger?: ReturnType<typeof memoryLogger>['logger'],
) {
  const base = { JWT_SECRET: SECRET, ADMIN_TOKEN, RATE_LIMIT_ENABLED: 'false', ...env };
  if (kind === 'postgres') {
    if (!(await needs(t, 'postgres'))) return null;
    const url = await tempDatabase(t, 'railfast_auth');
    return build(t, { ...base, DATABASE_URL: url, MIGRATE_ON_BOOT: 'true' }, logger ? { logger } : {});
  }
  return build(t, base, logger ? { logger } : {});
}

const post = (app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/api/v1/auth/${url}`, payload: payload as object, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const kind of ['embedded', 'postgres'] as const) {
  test(`${kind}: register, me, refresh with rotation, reuse revokes the sign-in, logout`, async (t) => {
    const app = await appFor(t, kind);
    if (!app) return;
    const reg = await post(app, 'register', { email: 'Ada@Example.com', password: PASSWORD });
    assert.equal(reg.statusCode, 201, reg.body);
    const session = reg.json();
    assert.equal(session.user.email, 'ada@example.com');
    assert.equal(session.user.role, 'user');
    assert.equal(session.expiresIn, 900);

    const me = await app.inject({ url: '/api/v1/me', headers: bearer(session.accessToken) });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().id, session.user.id);

    const again = await post(app, 'register', { email: 'ada@example.com', password: PASSWORD });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'EMAIL_TAKEN');

    const r1 = await post(app, 'refresh', { refreshToken: session.refreshToken });
    assert.equal(r1.statusCode, 200, r1.body);
    const second = r1.json().refreshToken;
    assert.notEqual(second, session.refreshToken);
    // The first token was exchanged: presenting it again is a reuse, and revokes the whole sign-in.
    const reuse = await post(app, 'refresh', { refreshToken: session.refreshToken });
    assert.equal(reuse.statusCode, 401);
    assert.equal(reuse.json().code, 'INVALID_REFRESH_TOKEN');
    assert.equal((await post(app, 'refresh', { refreshToken: second })).statusCode, 401, 'the family is revoked');

    const login = (await post(app, 'login', { email: 'ada@example.com', password: PASSWORD })).json();
    assert.equal((await post(app, 'logout', { refreshToken: login.refreshToken })).statusCode, 204);
    assert.equal((await post(app, 'refresh', { refreshToken: login.refreshToken })).statusCode, 401);
    assert.equal((await post(app, 'refresh', { refreshToken: 'made-up' })).statusCode, 401);
  });

  test(`${kind}: a wrong password and an unknown email get the same answer; attempts are logged without the password`, async (t) => {
    const { logger, lines } = memoryLogger('info');
    const app = await appFor(t, kind, {}, logger);
    if (!app) return;
    const user = (await post(app, 'register', { email: 'bob@example.com', password: PASSWORD })).json().user;
    const wrong = await post(app, 'login', { email: 'bob@example.com', password: 'not the password at all' });
    const unknown = await post(app, 'login', { email: 'nobody@example.com', password: 'not the password at all' });
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().message, 'Invalid email or password');
      assert.equal(res.json().code, 'INVALID_CREDENTIALS');
    }
    assert.equal((await post(app, 'login', { email: 'BOB@example.com', password: PASSWORD })).statusCode, 200);
    const attempts = lines.filter((l) => l.event === 'login').map((l) => [l.outcome, l.accountId, typeof l.ip]);
    assert.deepEqual(attempts, [
      ['wrong-password', user.id, 'string'],
      ['unknown-account', null, 'string'],
      ['success', user.id, 'string'],
    ]);
    assert.ok(!JSON.stringify(lines).includes('not the password'), 'no password in any log line');
  });
}

test('sign-in attempts are limited per account and per IP, with Retry-After', async (t) => {
  const app = await appFor(t, 'embedded', { AUTH_LOGIN_MAX_PER_ACCOUNT: '3', AUTH_LOGIN_MAX_PER_IP: '5' });
  if (!app) return;
  await post(app, 'register', { email: 'carol@example.com', password: PASSWORD }, { 'x-forwarded-for': '203.0.113.9' });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push((await post(app, 'login', { email: 'carol@example.com', password: 'wrong password, wrong' })).statusCode);
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  const limited = await post(app, 'login', { email: 'carol@example.com', password: PASSWORD });
  assert.equal(limited.statusCode, 429, 'even the right password waits out the window');
  assert.equal(limited.json().code, 'LOGIN_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) > 0);
  // Per IP: the same client trying other accounts is stopped too (register counted once above).
  const other = await post(app, 'login', { email: 'someone-else@example.com', password: PASSWORD });
  assert.equal(other.statusCode, 429);
});

test('tampered, expired and foreign tokens are 401; the admin token is an operator, not an account', async (t) => {
  const app = await appFor(t, 'embedded');
  if (!app) return;
  const session = (await post(app, 'register', { email: 'dan@example.com', password: PASSWORD })).json() as {
    accessToken: string;
    user: { id: string };
  };
  const [head, body = '', sig = ''] = session.accessToken.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'admin' })).toString(
    'base64url',
  );
  const expired = app.jwt.sign({ sub: session.user.id, role: 'user' }, { expiresIn: 1 });
  await sleep(1100);
  for (const token of [`${head}.${forged}.${sig}`, `${head}.${body}.${sig.slice(0, -2)}xx`, expired, 'not-a-jwt']) {
    const res: Awaited<ReturnType<FastifyInstance['inject']>> = await app.inject({ url: '/api/v1/me', headers: bearer(token) });
    assert.equal(res.statusCode, 401, token);
    assert.equal(res.json().code, 'UNAUTHORIZED');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
  }
  assert.equal((await app.inject({ url: '/api/v1/me' })).statusCode, 401);
  const operator = await app.inject({ url: '/api/v1/me', headers: bearer(ADMIN_TOKEN) });
  assert.equal(operator.statusCode, 404);
});

test('roles: a user cannot change roles (403); the operator can make a user admin, whose next token says so', async (t) => {
  const app = await appFor(t, 'embedded');
  if (!app) return;
  const eve = (await post(app, 'register', { email: 'eve@example.com', password: PASSWORD })).json();
  const role = (token: string, id: string, value: string) =>
    app.inject({ method: 'PUT', url: `/api/v1/users/${id}/role`, payload: { role: value }, headers: bearer(token) });
  const denied = await role(eve.accessToken, eve.user.id, 'admin');
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.json().code, 'FORBIDDEN');
  assert.equal((await role(ADMIN_TOKEN, eve.user.id, 'admin')).json().role, 'admin');
  const refreshed = (await post(app, 'refresh', { refreshToken: eve.refreshToken })).json();
  assert.equal(refreshed.user.role, 'admin');
  assert.equal((await role(refreshed.accessToken, eve.user.id, 'user')).statusCode, 200);
  assert.equal((await role(ADMIN_TOKEN, '00000000-0000-4000-8000-000000000000', 'admin')).statusCode, 404);
});

test('production without JWT_SECRET: boots, account routes answer 503 naming it, /health shows auth not configured', async (t) => {
  const app = await build(t, { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com', ADMIN_TOKEN });
  const res = await post(app, 'register', { email: 'fay@example.com', password: PASSWORD });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().code, 'AUTH_NOT_CONFIGURED');
  assert.match(res.json().message, /JWT_SECRET/);
  assert.ok(Number(res.headers['retry-after']) > 0);
  const health = (await app.inject('/health')).json();
  assert.equal(health.components.auth.status, 'down');
  assert.equal((await app.inject('/ready')).statusCode, 200, 'auth is not critical: the deploy still goes live');
  // The operator token still works where it is accepted.
  assert.equal((await app.inject({ url: '/api/v1/me', headers: bearer(ADMIN_TOKEN) })).statusCode, 404);
});

test('outside production without JWT_SECRET: a per-boot secret, with a warning', async (t) => {
  const { logger, lines } = memoryLogger('warn');
  const app = await build(t, {}, { logger });
  assert.ok(lines.some((l) => /JWT_SECRET is not set: signing access tokens with a random per-boot secret/.test(String(l.msg))));
  const session = await post(app, 'register', { email: 'gus@example.com', password: PASSWORD });
  assert.equal(session.statusCode, 201);
  assert.equal((await app.inject({ url: '/api/v1/me', headers: bearer(session.json().accessToken) })).statusCode, 200);
});

test('JWT_SECRET shorter than 32 characters stops the boot naming it', async () => {
  const { loadConfig, ConfigError } = await import('../../src/config/load.js');
  assert.throws(
    () => loadConfig({ JWT_SECRET: 'short' }),
    (err: unknown) =>
      err instanceof ConfigError && /JWT_SECRET must be at least 32 characters, got a value of 5 characters/.test(err.message),
  );
});
