/**
 * The documentation cannot drift from the config schema: every variable the service reads is
 * listed in .env.example and in the README's configuration table, and nothing else is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { envSchema } from '../../src/config/schema.js';
import { documentedVars } from '../../tools/env-docs.js';

const keys = Object.keys(envSchema.shape).filter((k) => !k.startsWith('RAILWAY_'));

test('.env.example lists every variable of the config schema, and only those', () => {
  const text = readFileSync('.env.example', 'utf8');
  const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  for (const k of keys) assert.ok(listed.includes(k), `${k} missing from .env.example`);
  const aliases = ['LOCAL_QUEUE_CONCURRENCY', 'LOCAL_QUEUE_MAX_SIZE', 'LOCAL_QUEUE_TIMEOUT_MS'];
  for (const k of listed) assert.ok(keys.includes(k) || aliases.includes(k), `.env.example lists ${k}, which the schema does not know`);
});

test('README documents every variable and the two quick-start commands', () => {
  const text = readFileSync('README.md', 'utf8');
  for (const k of keys) assert.match(text, new RegExp(`\\| \`${k}\` \\|`), `${k} missing from the README table`);
  assert.match(text, /npm install && npm start/);
  assert.match(text, /npm install && npm test/);
});

test('.ci/run runs the README test command', () => {
  assert.match(readFileSync('.ci/run', 'utf8'), /npm test/);
});

test('the README splits the few variables to set from the tuning knobs, and shows required ones as required', () => {
  const text = readFileSync('README.md', 'utf8');
  const table = text.slice(text.indexOf('<!-- env-table:start -->'), text.indexOf('<!-- env-table:end -->'));
  const essentials = documentedVars().filter((v) => v.doc.essential);
  assert.ok(essentials.length >= 6 && essentials.length <= 14, `${essentials.length} variables to set`);
  const knobs = table.indexOf('**Tuning knobs**');
  for (const v of documentedVars()) {
    const at = table.indexOf(`| \`${v.name}\` |`);
    assert.ok(at > 0, v.name);
    assert.equal(at < knobs, Boolean(v.doc.essential), `${v.name} in the wrong group`);
    if (v.def === 'required') assert.match(table.slice(at, table.indexOf('\n', at)), /\*\*required\*\*/);
  }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'CORS_ORIGINS', 'SENTRY_DSN', 'LOG_LEVEL']) {
    assert.ok(essentials.some((v) => v.name === name), `${name} is one to set`);
  }
});

test('a new config section with a required variable: validated, documented and filled in for tests without a second list', async () => {
  const { env, minLength, section } = await import('../../src/config/fields.js');
  const { composeEnvSchema, SECTIONS } = await import('../../src/config/schema.js');
  const { loadConfig, ConfigError } = await import('../../src/config/load.js');
  const { readmeTables, envExample } = await import('../../tools/env-docs.js');
  const notes = section('Note signing', {
    NOTES_SIGNING_KEY: env(minLength(32), { doc: 'Signs shared note links.', secret: true, testValue: 'k'.repeat(32) }),
  });
  const sections = [...SECTIONS, notes];
  const schema = composeEnvSchema(sections);

  assert.throws(
    () => loadConfig({}, schema),
    (err: unknown) => err instanceof ConfigError && err.problems.length === 1 && err.problems[0] === 'NOTES_SIGNING_KEY is required',
  );
  assert.throws(() => loadConfig({ NOTES_SIGNING_KEY: 'short' }, schema), /NOTES_SIGNING_KEY must be at least 32 characters, got a value of 5 characters/);
  assert.equal((loadConfig({ NOTES_SIGNING_KEY: 'k'.repeat(32) }, schema) as unknown as Record<string, string>).NOTES_SIGNING_KEY, 'k'.repeat(32));

  const vars = documentedVars(sections);
  const mine = vars.find((v) => v.name === 'NOTES_SIGNING_KEY')!;
  assert.equal(mine.def, 'required');
  assert.match(readmeTables(vars, sections), /\*Note signing\*[\s\S]*\| `NOTES_SIGNING_KEY` \| \*\*required\*\* \| Signs shared note links\. Secret\. \|/);
  assert.match(envExample(vars, sections), /# ── Note signing ─+\n# Signs shared note links\.\n# NOTES_SIGNING_KEY=\n/);
});
