/**
 * The OpenAPI document as a deployment serves it at /docs/json, built without listening or any
 * service: an app on the in-memory database, every optional route switched on (admin and metrics
 * tokens set). Used by `npm run openapi:lint` and by the client-generation test.
 */
import { writeFileSync } from 'node:fs';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ENV_DOCS } from '../../src/config/schema.js';

/** What a production-like document needs: a public domain (servers) and every token-guarded route. */
export const DOCUMENT_ENV: Record<string, string> = {
  RAILWAY_PUBLIC_DOMAIN: 'railfast-production.up.railway.app',
  ADMIN_TOKEN: 'openapi-admin-token-0123456789abcdef',
  METRICS_TOKEN: 'openapi-metrics-token-0123456789',
};

export async function openapiDocument(env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const required = Object.fromEntries([...ENV_DOCS].filter(([, d]) => d.testValue !== undefined).map(([k, d]) => [k, d.testValue!]));
  const config = loadConfig({ ...required, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: 'pglite:memory', LOAD_SHEDDING_ENABLED: 'false', ...DOCUMENT_ENV, ...env });
  const app = await buildApp(config);
  try {
    await app.ready();
    const res = await app.inject('/docs/json');
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}: ${res.body}`);
    return res.json() as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

export async function writeOpenapiDocument(path: string, env?: Record<string, string>): Promise<void> {
  writeFileSync(path, `${JSON.stringify(await openapiDocument(env), null, 2)}\n`);
}
