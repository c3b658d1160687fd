import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadDotEnv, publicConfig } from '../../src/config/load.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults with an empty environment', () => {
  const c = loadConfig({});
  assert.equal(c.PORT, 3000);
  assert.equal(c.HOST, '::');
  assert.equal(c.NODE_ENV, 'development');
  assert.equal(c.LOG_LEVEL, 'info');
  assert.equal(c.BODY_LIMIT_BYTES, 1048576);
  assert.equal(c.SHUTDOWN_TIMEOUT_MS, 10000);
  assert.equal(c.READINESS_DRAIN_DELAY_MS, 0);
  assert.deepEqual(c.CORS_ORIGINS, ['*']);
  assert.equal(c.ADMIN_TOKEN, undefined);
  assert.equal(c.TRUST_PROXY, false);
  assert.ok(Object.isFrozen(c));
});

test('production defaults: no wildcard CORS, a readiness drain delay, proxy trusted on Railway', () => {
  const c = loadConfig({ NODE_ENV: 'production', RAILWAY_ENVIRONMENT_NAME: 'production' });
  assert.deepEqual(c.CORS_ORIGINS, []);
  assert.equal(c.READINESS_DRAIN_DELAY_MS, 3000);
  assert.equal(c.TRUST_PROXY, 1, 'exactly the platform proxy hop');
  assert.equal(c.ON_RAILWAY, true);
  assert.equal(loadConfig({ NODE_ENV: 'production' }).TRUST_PROXY, false);
});

test('empty strings count as unset', () => {
  assert.equal(loadConfig({ PORT: '', LOG_LEVEL: '' }).PORT, 3000);
});

const cases: [Record<string, string>, string][] = [
  [{ PORT: 'notaport' }, 'PORT must be an integer 1-65535, got "notaport"'],
  [{ PORT: '70000' }, 'PORT must be an integer 1-65535, got "70000"'],
  [{ PORT: '3000.5' }, 'PORT must be an integer 1-65535, got "3000.5"'],
  [{ NODE_ENV: 'prod' }, 'NODE_ENV must be one of development, production, test, got "prod"'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  [{ BODY_LIMIT_BYTES: '0' }, 'BODY_LIMIT_BYTES must be an integer 1-1073741824, got "0"'],
  [{ SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS must be an integer >= 100, got "soon"'],
  [{ READINESS_DRAIN_DELAY_MS: '-1' }, 'READINESS_DRAIN_DELAY_MS must be an integer >= 0, got "-1"'],
  [{ SLOW_REQUEST_MS: 'x' }, 'SLOW_REQUEST_MS must be an integer >= 1, got "x"'],
  [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be true, false, a hop count, or a comma list of addresses / CIDRs, got "maybe"'],
  [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY must be true, false, a hop count, or a comma list of addresses / CIDRs, got "10.0.0.0/33"'],
  [{ ADMIN_TOKEN: 'short-secret' }, 'ADMIN_TOKEN must be at least 32 characters, got a value of 12 characters'],
  [{ CORS_ORIGINS: 'example.com' }, 'CORS_ORIGINS entry "example.com" must be "*", an origin like https://app.example.com, or https://*.example.com'],
  [{ NODE_ENV: 'production', CORS_ORIGINS: '*' }, 'CORS_ORIGINS must list explicit origins in production ("*" is only allowed outside production), got "*"'],
  [{ SHUTDOWN_TIMEOUT_MS: '1000', READINESS_DRAIN_DELAY_MS: '1000' }, 'READINESS_DRAIN_DELAY_MS must be less than SHUTDOWN_TIMEOUT_MS (1000), got "1000"'],
  [{ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' }, 'HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS (5000), got "6000"'],
];

for (const [env, message] of cases) {
  test(`rejects ${JSON.stringify(env)}`, () => {
    assert.deepEqual(problemsOf(env), [message]);
  });
}

test('every bad variable is reported at once', () => {
  assert.deepEqual(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' }), [
    'PORT must be an integer 1-65535, got "x"',
    'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "y"',
  ]);
});

test('the process exits 1 naming the bad variable, without printing secrets', () => {
  const r = spawnSync(process.execPath, ['dist/server.js'], {
    env: { PATH: process.env.PATH, PORT: 'notaport', ADMIN_TOKEN: 'tiny-secret-value' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PORT must be an integer 1-65535, got "notaport"/);
  assert.match(r.stderr, /ADMIN_TOKEN must be at least 32 characters, got a value of 17 characters/);
  assert.doesNotMatch(r.stderr + r.stdout, /tiny-secret-value/);
});

test('.env is loaded when present and real environment variables win', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'railfast-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '.env');
  writeFileSync(file, 'RAILFAST_TEST_FROM_FILE=file\nRAILFAST_TEST_BOTH=file\n');
  process.env.RAILFAST_TEST_BOTH = 'real';
  t.after(() => {
    delete process.env.RAILFAST_TEST_FROM_FILE;
    delete process.env.RAILFAST_TEST_BOTH;
  });
  assert.equal(loadDotEnv(file), true);
  assert.equal(process.env.RAILFAST_TEST_FROM_FILE, 'file');
  assert.equal(process.env.RAILFAST_TEST_BOTH, 'real');
  assert.equal(loadDotEnv(join(dir, 'missing.env')), false);
});

test('publicConfig removes secrets and masks URL credentials', () => {
  const token = 'a'.repeat(20) + 'SECRETTOKENVALUE1234';
  const c = loadConfig({ ADMIN_TOKEN: token });
  const shown = publicConfig(c);
  assert.equal(shown.ADMIN_TOKEN, '[set]');
  assert.doesNotMatch(JSON.stringify(shown), /SECRETTOKENVALUE1234/);
});
