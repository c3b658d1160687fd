/**
 * On Postgres with migrations not applied: /ready says how many are pending and what to run, and no
 * route answers a bare 500 for a missing table; once the migrations run, the instance is ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import { needs, tempDatabase } from '../helpers/services.js';
import { TEST_JWT_SECRET, TEST_PASSWORD } from '../helpers/auth.js';
import { main } from '../../src/db/migrate-cli.js';
import { readMigrations } from '../../src/db/migrate.js';

test('pending migrations: /ready 503 naming the count and the command, 503 instead of 500 on the API, ready once migrated', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const url = await tempDatabase(t, 'railfast_pending');
  const app = await build(t, { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false' });
  const count = (await readMigrations()).length;

  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 503);
  const check = ready.json().checks.migrations;
  assert.equal(check.status, 'down');
  assert.match(check.error, new RegExp(`^${count} migration\\(s\\) pending \\(.*\\): run \`npm run db:migrate\``));

  const register = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'x@example.com', password: TEST_PASSWORD },
  });
  assert.equal(register.statusCode, 503, register.body);
  assert.equal(register.json().code, 'SCHEMA_OUT_OF_DATE');
  assert.ok(Number(register.headers['retry-after']) > 0);

  const out: string[] = [];
  assert.equal(await main([], { DATABASE_URL: url }, { out: (l) => out.push(l), err: (l) => out.push(l) }), 0, out.join('\n'));
  // Health results may be cached for a moment: poll, bounded.
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await app.inject('/ready')).statusCode;
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 200);
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'x@example.com', password: TEST_PASSWORD } }))
      .statusCode,
    201,
  );
});
