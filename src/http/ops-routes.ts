/**
 * The operations endpoints: probes, health, metrics and build/config info. They must answer
 * while the service is overloaded (a platform health check that gets 503 restarts or de-routes a
 * healthy instance), so load shedding exempts them all. Rate limiting exempts only the probes the
 * platform and the scraper call (PROBE_ROUTES): the others count against the client's usual limit,
 * so flooding /health or /config is no cheaper than flooding the API (and /health is cached).
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

/** Called by the platform (liveness, readiness) and the metrics scraper: never rate limited. */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/live', '/ready', '/metrics']);

const normalise = (url: string) => (url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url);

/** True for an ops route pattern; a trailing slash is ignored (the router ignores it too). */
export function isOpsRoute(url: string | undefined): boolean {
  return url ? OPS_ROUTES.has(normalise(url)) : false;
}

/** True for a probe route pattern (PROBE_ROUTES). */
export function isProbeRoute(url: string | undefined): boolean {
  return url ? PROBE_ROUTES.has(normalise(url)) : false;
}

/** Where Swagger UI, its static assets and the OpenAPI document live (openapi/swagger-ui.plugin.ts). */
export const DOCS_PREFIX = '/docs';

/** True for the docs page, its assets and the document: rate limited in a bucket of their own. */
export function isDocsRoute(url: string | undefined): boolean {
  return !!url && (url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`));
}
