/**
 * What every operation of the OpenAPI document gets without its route saying so, derived from
 * the route itself (so a new route needs nothing):
 *   - operationId from method and path: POST /api/v1/jobs → createJob, GET /api/v1/jobs → listJobs,
 *     GET /api/v1/jobs/{id} → getJob, POST /api/v1/jobs/{id}/retry → retryJob,
 *     PUT /api/v1/users/{id}/role → setUserRole, POST /api/v1/auth/login → authLogin,
 *     GET /health/details → getHealthDetails. A route's own `schema.operationId` wins.
 *   - tags: the first path segment after /api/vN (`ops` for the root endpoints), unless declared.
 *   - security: `[]` on public operations; on protected ones the schemes that are really
 *     accepted, from the guard the route uses (app.authenticate: a user JWT or the admin token;
 *     app.requireAdmin: an admin's JWT or the admin token; app.verifyAdmin: the admin token;
 *     /metrics: the metrics token). A route marks itself protected with any `security` entry
 *     (the guard may be a hook of its plugin, which the route options do not show).
 */
export const SCHEMES = {
  userJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /api/v1/auth/login or /auth/refresh' },
  adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN: the operator token (admin endpoints; also accepted wherever a user token is)' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (GET /metrics)' },
} as const;

export type SchemeName = keyof typeof SCHEMES;
export type Security = Partial<Record<SchemeName, string[]>>[];

export interface Guards {
  authenticate?: unknown;
  requireAdmin?: unknown;
  verifyAdmin?: unknown;
}

const API_PREFIX = /^\/api\/v\d+(?=\/|$)/;
const VERB: Record<string, string> = { get: 'get', post: 'create', put: 'set', patch: 'update', delete: 'delete', head: 'head', options: 'options' };

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
const camel = (s: string) => {
  const p = pascal(s);
  return p[0]!.toLowerCase() + p.slice(1);
};
const singular = (s: string) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.endsWith('s') && !s.endsWith('ss') ? s.slice(0, -1) : s);
const isParam = (seg: string) => seg.startsWith(':') || seg.startsWith('{');
const paramName = (seg: string) => seg.replace(/^[:{]|}$/g, '');

/** A readable, stable operationId for `method url` (Fastify `:param` or OpenAPI `{param}` paths). */
export function operationIdFor(method: string, url: string): string {
  const m = method.toLowerCase();
  const api = API_PREFIX.test(url);
  const segs = url.replace(API_PREFIX, '').split('/').filter(Boolean);
  const params = segs.filter(isParam);
  const words = segs.filter((s) => !isParam(s));
  if (segs.length === 0) return `${m}Root`;
  if (params.length === 0) {
    if (api && segs.length === 1 && segs[0]!.endsWith('s')) {
      if (m === 'get') return `list${pascal(segs[0]!)}`;
      if (m === 'post') return `create${pascal(singular(segs[0]!))}`;
    }
    if (m === 'post' && segs.length >= 2) return camel(segs.join('-')); // an action: /auth/login → authLogin
    return `${m}${pascal(segs.join('-'))}`;
  }
  const [resource, param, action, ...rest] = segs;
  if (resource && !isParam(resource) && param && isParam(param) && params.length === 1 && rest.length === 0) {
    const noun = pascal(singular(resource));
    if (action === undefined) return `${VERB[m] ?? m}${noun}`;
    return m === 'post' ? `${camel(action)}${noun}` : `${VERB[m] ?? m}${noun}${pascal(action)}`;
  }
  return `${m}${pascal(words.join('-'))}${params.map((p) => `By${pascal(paramName(p))}`).join('')}`;
}

/** The tag of a route that declares none: its first path segment after /api/vN, or `ops`. */
export function tagFor(url: string): string {
  if (!API_PREFIX.test(url)) return 'ops';
  return url.replace(API_PREFIX, '').split('/').find((s) => s && !isParam(s)) ?? 'api';
}

const hooksOf = (route: { preHandler?: unknown; onRequest?: unknown; preValidation?: unknown }) =>
  [route.onRequest, route.preValidation, route.preHandler].flatMap((h) => (Array.isArray(h) ? h : h ? [h] : []));

/** The security requirement of one operation (see the header comment). */
export function securityFor(
  url: string,
  declared: unknown,
  route: { preHandler?: unknown; onRequest?: unknown; preValidation?: unknown },
  guards: Guards,
): Security {
  const hooks = hooksOf(route);
  const uses = (fn: unknown) => fn !== undefined && hooks.includes(fn);
  if (uses(guards.verifyAdmin)) return [{ adminToken: [] }];
  if (uses(guards.requireAdmin) || uses(guards.authenticate)) return [{ userJwt: [] }, { adminToken: [] }];
  if (!Array.isArray(declared) || declared.length === 0) return [];
  // Declared protected, guard not visible on the route (a plugin-level hook).
  const named = declared.flatMap((d) => Object.keys(d as object)).filter((k): k is SchemeName => k in SCHEMES);
  if (named.length) return named.map((k) => ({ [k]: [] }));
  if (url === '/metrics') return [{ metricsToken: [] }];
  if (!API_PREFIX.test(url)) return [{ adminToken: [] }];
  return [{ userJwt: [] }, { adminToken: [] }];
}
