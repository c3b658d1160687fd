/**
 * build(t): an app from test config (silent logs, embedded services), closed after the test.
 * Pass env overrides exactly as they would appear in the environment.
 */
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { testConfig } from './config.js';
import { sharedDatabaseFor } from './memory-db.js';

export async function build(t: TestContext, env: Record<string, string | undefined> = {}, options: BuildOptions = {}) {
  const app = await buildApp(testConfig(env), { database: await sharedDatabaseFor(env), ...options });
  t.after(() => app.close());
  await app.ready();
  return app;
}

/** A pino logger that keeps every line in memory, for asserting on logs. */
export function memoryLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level, formatters: { level: (label) => ({ level: label }) } }, stream);
  return { logger, lines };
}
