/**
 * The operations endpoints: probes, health, metrics and build/config info. They must answer
 * while the service is being abused or overloaded (a platform health check that gets 429 or 503
 * restarts or de-routes a healthy instance), so rate limiting and load shedding exempt them.
 * Matched against the route pattern (routeOptions.url), never the raw URL.
 */
export const OPS_ROUTES: ReadonlySet<string> = new Set([
  '/live',
  '/ready',
  '/health',
  '/health/details',
  '/metrics',
  '/version',
  '/config',
  '/cors-debug',
]);

/** True for an ops route pattern; a trailing slash is ignored (the router ignores it too). */
export function isOpsRoute(url: string | undefined): boolean {
  if (!url) return false;
  return OPS_ROUTES.has(url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url);
}

/** Where Swagger UI, its static assets and the OpenAPI document live (openapi/swagger-ui.plugin.ts). */
export const DOCS_PREFIX = '/docs';

/** True for the docs page, its assets and the document: rate limited in a bucket of their own. */
export function isDocsRoute(url: string | undefined): boolean {
  return !!url && (url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`));
}
