/**
 * Swagger UI at /docs (the document itself: /docs/json, /docs/yaml) via @fastify/swagger-ui.
 * Off with DOCS_ENABLED=false.
 *
 * Registered after our app plugins, not with the other external plugins: Fastify binds a route
 * to the error handler that exists when the route is added, and the docs routes must answer
 * 429/404 with our error envelope like every other route.
 *
 * CSP: the API sends the strictest policy (default-src 'none', http/security-headers.plugin.ts), which
 * would blank the UI. `staticCSP` makes swagger-ui replace it, in its own encapsulated onSend
 * hook, on the docs routes only, with the least the UI needs (its own scripts and styles, inline
 * style attributes, data: images, fetching /docs/json from the same origin).
 *
 * Caching (so reloading the page costs next to nothing and never meets the rate limit, which
 * gives the docs a bucket of their own: http/rate-limit.plugin.ts): the page links its assets with
 * `?v=<build>`, and an asset asked for with the current build's `v` is `immutable` for a year; the
 * page itself and the document are revalidated (ETag, 304) so a deploy shows at once.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { DOCS_PREFIX } from '../http/ops-routes.js';
import { buildInfo } from '../shared/build-info.js';

export { DOCS_PREFIX };
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Assets asked for without the current version (an old page, a hand-typed URL): cached briefly. */
const SHORT = 'public, max-age=300';
const REVALIDATE = 'no-cache';

export const DOCS_CSP = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

/** This build plus the UI's files as installed (size and mtime): a new build or an upgraded UI is a new version. */
function assetVersion(): string {
  const { version, commit, builtAt } = buildInfo();
  const hash = createHash('sha256').update(`${version}|${commit}|${builtAt}`);
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
    for (const f of readdirSync(dir).sort()) {
      const st = statSync(join(dir, f));
      hash.update(`|${f}:${st.size}:${st.mtimeMs}`);
    }
  } catch {
    // Layout changed: the build alone versions the assets.
  }
  return hash.digest('hex').slice(0, 12);
}

export default fp(
  async (app: FastifyInstance) => {
    if (!app.config.DOCS_ENABLED) return;
    const version = assetVersion();
    const staticPrefix = `${DOCS_PREFIX}/static/`;
    // Encapsulated: these hooks see the docs routes only.
    await app.register(async (docs) => {
      docs.addHook('onSend', async (request, reply, payload) => {
        const url = request.routeOptions.url ?? '';
        if (url.startsWith(staticPrefix)) {
          reply.header('cache-control', (request.query as { v?: string }).v === version ? IMMUTABLE : SHORT);
          return payload;
        }
        reply.header('cache-control', REVALIDATE);
        if ((url === DOCS_PREFIX || url === `${DOCS_PREFIX}/`) && typeof payload === 'string' && reply.statusCode === 200) {
          // Version every asset link of the page: `./static/x.js` → `./static/x.js?v=<build>`.
          return payload.replace(/((?:href|src)="[^"]*\/static\/[^"?]+)"/g, `$1?v=${version}"`);
        }
        return payload;
      });
      // Imported only when docs are on: nothing of the UI is loaded otherwise.
      await docs.register((await import('@fastify/swagger-ui')).default, {
        routePrefix: DOCS_PREFIX,
        staticCSP: DOCS_CSP,
        uiConfig: { docExpansion: 'list', deepLinking: true, displayRequestDuration: true, tryItOutEnabled: false },
      });
    });
  },
  { name: 'swagger-ui', dependencies: ['config', 'swagger', 'error-handler'] },
);
