/**
 * The OpenAPI document as clients use it (tools/openapi/): Redocly's recommended lint finds no
 * error (`npm run openapi:lint`), and openapi-typescript generates types from it that a small,
 * strictly type-checked client uses by operationId and component name (wrong uses must not compile).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOpenapiDocument } from '../../tools/openapi/document.js';

const require = createRequire(import.meta.url);
const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('npm run openapi:lint: Redocly recommended rules, zero errors', () => {
  const run = node(['--import', 'tsx', 'tools/openapi/lint.ts']);
  const out = run.stdout + run.stderr;
  assert.equal(run.status, 0, out);
  assert.match(out, /Your API description is valid/, out);
  assert.doesNotMatch(out, /\d+ errors?\b/, out);
});

test('openapi-typescript generates a client that type-checks by operationId and component name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'railfast-client-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = join(dir, 'openapi.json');
  await writeOpenapiDocument(doc);
  const gen = node([join(process.cwd(), 'node_modules/openapi-typescript/bin/cli.js'), doc, '-o', join(dir, 'api.d.ts')]);
  assert.equal(gen.status, 0, gen.stdout + gen.stderr);

  writeFileSync(
    join(dir, 'client.ts'),
    `import type { components, operations, paths } from './api.js';
type Job = components['schemas']['Job'];
type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
type CreateJob = operations['createJob'];
type Body = NonNullable<CreateJob['requestBody']>['content']['application/json'];
type Accepted = CreateJob['responses'][202]['content']['application/json'];
type Page = operations['listNotes']['responses'][200]['content']['application/json'];

export const body: Body = { type: 'echo', payload: { message: 'hello' }, priority: 1 };
export const accepted = (job: Accepted): Job => job;
export const status = (job: Job): string => job.status;
export const error: ErrorEnvelope = { statusCode: 404, error: 'Not Found', message: 'Job x not found', requestId: 'r1' };
export const next = (page: Page): string | null | undefined => page.nextCursor;
export type Retry = operations['retryJob']['parameters']['path']['id'];
export type Location = CreateJob['responses'][202]['headers']['Location'];
export const url: keyof paths = '/api/v1/jobs/{id}';
// @ts-expect-error priority is a number
export const wrong: Body = { type: 'echo', priority: 'high' };
`,
  );
  const tsc = node([
    require.resolve('typescript/bin/tsc'),
    '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    join(dir, 'client.ts'),
  ]);
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
