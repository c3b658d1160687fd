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
