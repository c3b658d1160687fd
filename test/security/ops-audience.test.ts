/**
 * Issue 13, items 1 and 2: ops endpoints by audience (production defaults), the health cache, and
 * credentials masked wherever a value is shown or logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import { createLogger } from '../../src/observability/logger.js';
import { maskPath, maskText, maskUrl } from '../../src/shared/mask.js';
import { publicConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';

const ADMIN_TOKEN = 'ops-audience-admin-token-0123456789abcdef';
const PROD = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

test('production: /live, /ready and the /health summary are public and show only up/down; /config, /cors-debug, /health/details need the admin token', async (t) => {
  const app = await build(t, { ...PROD, ADMIN_TOKEN }, {
    configure: (a) =>
      a.health.register({
        name: 'cache-server',
        critical: false,
        mode: () => 'redis (10.1.2.3:6390) ./data/path',
        check: async () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:6390');
        },
      }),
  });
  assert.equal((await app.inject('/live')).statusCode, 200);
  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 200);
  const health = await app.inject('/health');
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().status, 'degraded');
  assert.deepEqual(Object.keys(health.json().components['cache-server']).sort(), ['latencyMs', 'status']);
  for (const res of [ready, health]) {
    assert.ok(!res.body.includes('10.1.2.3'), 'no host on a public endpoint');
    assert.ok(!res.body.includes('ECONNREFUSED'), 'no raw error on a public endpoint');
    assert.ok(!res.body.includes('./data'), 'no path on a public endpoint');
  }
  for (const url of ['/config', '/cors-debug', '/health/details']) {
    const anonymous = await app.inject(url);
    assert.equal(anonymous.statusCode, 401, url);
    assert.equal(anonymous.json().code, 'UNAUTHORIZED');
    assert.equal((await app.inject({ url, headers: admin })).statusCode, 200, url);
  }
  // The admin view keeps the detail.
  const details = (await app.inject({ url: '/health/details', headers: admin })).json();
  assert.equal(details.checks['cache-server'].error, 'connect ECONNREFUSED 10.1.2.3:6390');
  // /docs stays on by default, and can be switched off.
  assert.equal((await app.inject('/docs/json')).statusCode, 200);
});

test('production without ADMIN_TOKEN: /config, /cors-debug and /health/details do not exist (404); DOCS_ENABLED=false removes /docs', async (t) => {
  const app = await build(t, { ...PROD, DOCS_ENABLED: 'false' });
  for (const url of ['/config', '/cors-debug', '/health/details', '/docs', '/docs/json']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 404, url);
    assert.equal(typeof res.json().requestId, 'string');
  }
});

test('OPS_DETAILS_PUBLIC=true in production opens /config and /cors-debug and shows modes and errors again', async (t) => {
  const app = await build(t, { ...PROD, OPS_DETAILS_PUBLIC: 'true' });
  assert.equal((await app.inject('/config')).statusCode, 200);
  assert.equal((await app.inject('/cors-debug')).statusCode, 200);
  assert.equal(typeof (await app.inject('/health')).json().components.database.mode, 'string');
});

test('a flood of /health and /ready shares one run of the checks per HEALTH_CACHE_MS', async (t) => {
  let runs = 0;
  const app = await build(t, { HEALTH_CACHE_MS: '60000', RATE_LIMIT_MAX: '1000' }, {
    configure: (a) =>
      a.health.register({
        name: 'counted',
        critical: true,
        check: async () => {
          runs++;
        },
      }),
  });
  const before = runs;
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => app.inject(i % 2 ? '/health' : '/ready')));
  assert.ok(answers.every((r) => r.statusCode === 200));
  assert.equal(runs - before, 1, 'one run for 50 concurrent probes');
  await app.inject('/health');
  assert.equal(runs - before, 1, 'and reused afterwards within the window');
  // The admin view always runs the checks.
});

test('mask: userinfo, credential-like query parameters and fragments', () => {
  assert.equal(maskUrl('postgres://u@h/db?password=s3cret&sslmode=require'), 'postgres://****@h/db?password=****&sslmode=require');
  assert.equal(maskUrl('redis://h:6379/7?password=s3cret'), 'redis://h:6379/7?password=****');
  assert.equal(maskUrl('redis://default:s3cret@h:6379'), 'redis://default:****@h:6379');
  assert.equal(maskUrl('https://x.example/a?sig=1&b=2&X-Amz-Signature=3&api_key=4&access_token=5#token=6'), 'https://x.example/a?sig=****&b=2&X-Amz-Signature=****&api_key=****&access_token=****#****');
  assert.equal(maskUrl('pglite:memory'), 'pglite:memory');
  assert.equal(maskPath('/api/v1/things?token=abc&page=2&secret=x'), '/api/v1/things?token=****&page=2&secret=****');
  assert.equal(
    maskText('connect to postgres://app:s3cret@db.internal:5432/x failed (password=hunter2, Authorization: Bearer eyJ.abc)'),
    'connect to postgres://app:****@db.internal:5432/x failed (password=****, Authorization: Bearer ****)',
  );
});

test('/config masks query-string passwords; the access line masks the query string; error logs mask URLs', async (t) => {
  const env = { DATABASE_URL: 'pglite:memory', REDIS_URL: 'redis://127.0.0.1:1/7?password=s3cretRedis', ALERT_WEBHOOK_URL: undefined };
  const shown = JSON.stringify(publicConfig(testConfig(env)));
  assert.ok(!shown.includes('s3cretRedis'), shown);
  assert.ok(shown.includes('password=****'));

  // The production logger (its error serializer masks), writing to memory.
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(testConfig({ LOG_LEVEL: 'info' }), {
    write: (chunk: string) => {
      for (const l of chunk.split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
    },
  });
  const app = await build(t, {}, {
    logger,
    configure: (a) => {
      a.get('/leaky', async () => {
        throw new Error('driver said: cannot reach postgres://app:s3cretDb@10.0.0.1/db?password=s3cretQuery');
      });
    },
  });
  await app.inject('/live?token=s3cretToken&x=1');
  const access = lines.find((l) => String(l.url).startsWith('/live'));
  assert.equal(access?.url, '/live?token=****&x=1');
  const res = await app.inject('/leaky');
  assert.equal(res.statusCode, 500);
  const all = JSON.stringify(lines);
  for (const secret of ['s3cretToken', 's3cretDb', 's3cretQuery']) assert.ok(!all.includes(secret), `${secret} logged`);
});
