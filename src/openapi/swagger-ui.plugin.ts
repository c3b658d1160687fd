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
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export const DOCS_PREFIX = '/docs';

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

export default fp(
  async (app: FastifyInstance) => {
    if (!app.config.DOCS_ENABLED) return;
    // Imported only when docs are on: nothing of the UI is loaded otherwise.
    await app.register((await import('@fastify/swagger-ui')).default, {
      routePrefix: DOCS_PREFIX,
      staticCSP: DOCS_CSP,
      uiConfig: { docExpansion: 'list', deepLinking: true, displayRequestDuration: true },
    });
  },
  { name: 'swagger-ui', dependencies: ['config', 'swagger', 'error-handler'] },
);
