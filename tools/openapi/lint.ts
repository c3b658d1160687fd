/**
 * `npm run openapi:lint`: writes the OpenAPI document (document.ts) to a temporary file and lints
 * it with Redocly's recommended ruleset (@redocly/cli). Exits non-zero on any error; warnings are
 * printed. test/openapi/lint.test.ts runs this in the test suite (and so in CI).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOpenapiDocument } from './document.js';

const dir = mkdtempSync(join(tmpdir(), 'railfast-openapi-'));
try {
  const file = join(dir, 'openapi.json');
  await writeOpenapiDocument(file);
  const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
  const run = spawnSync(process.execPath, [cli, 'lint', '--extends=recommended', '--format=stylish', file], {
    encoding: 'utf8',
    // No telemetry, no update check: CI has no business calling out.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
  });
  process.stdout.write(run.stdout.replace(/^\s*[╔║╚].*\n/gm, '')); // drop the Node.js version banner
  process.stderr.write(run.stderr.replace(/^\s*[╔║╚].*\n/gm, ''));
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
