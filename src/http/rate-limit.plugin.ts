/**
 * Rate limiting with @fastify/rate-limit.
 *
 * - Global: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS per client on every route.
 * - Costly routes get their own, tighter limit from COSTLY_ROUTES below (matched by method and
 *   route pattern when the route is registered, so route files need no change). A route that sets
 *   `config: { rateLimit: {...} }` itself keeps its own setting.
 * - The probes (/live, /ready, /metrics: ops-routes.ts PROBE_ROUTES) are exempt:
 *   `config.rateLimit = false`, so no hook at all runs for them (GET /live pays nothing for rate
 *   limiting). The other ops endpoints (/health, /config...) count like any route.
 * - The docs (Swagger UI's page, its static assets, the document) get a generous limit of their
 *   own, per route: one page load is about 8 requests, and an API client's budget must not blank
 *   the page (nor the page spend the API budget). Assets are cacheable (swagger-ui.plugin.ts).
 * - Client key: the admin identity when a valid admin token is presented (a hash, never the
 *   token), otherwise the client IP (`request.ip`, from X-Forwarded-For when TRUST_PROXY is on;
 *   IPv6 grouped per /64 as the plugin does by default).
 * - Store: Redis when Redis is up (replicas share counters), memory when it is not
 *   (rate-limit-store.ts).
 * - 429s go through our error handler: the error envelope, plus Retry-After and the draft-7
 *   `RateLimit-Limit/Remaining/Reset` headers the plugin sets.
 */
import rateLimit, { normalizeIP, type RateLimitPluginOptions } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from './bearer-token.js';
import { HttpError } from './errors.js';
import { isDocsRoute, isProbeRoute } from './ops-routes.js';
import { switchingStore } from './rate-limit-store.js';

export default fp(
  async (app: FastifyInstance) => {
    const c = app.config;
    if (!c.RATE_LIMIT_ENABLED) return;

    /** Routes whose every call is expensive: their own limit per window (POST /api/v1/jobs writes + enqueues). */
    const COSTLY_ROUTES: Record<string, number> = { 'POST /api/v1/jobs': c.RATE_LIMIT_JOBS_MAX };
    const docsMax = Math.max(1000, c.RATE_LIMIT_MAX * 10);

    // Must run before @fastify/rate-limit's own onRoute hook, which reads config.rateLimit.
    app.addHook('onRoute', (route) => {
      if (route.config?.rateLimit !== undefined) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (isProbeRoute(route.url)) {
        route.config = { ...route.config, rateLimit: false };
        return;
      }
      if (isDocsRoute(route.url)) {
        route.config = { ...route.config, rateLimit: { max: docsMax, timeWindow: c.RATE_LIMIT_WINDOW_MS } };
        return;
      }
      const max = methods.map((m) => COSTLY_ROUTES[`${m} ${route.url}`]).find((n) => n !== undefined);
      if (max !== undefined) route.config = { ...route.config, rateLimit: { max, timeWindow: c.RATE_LIMIT_WINDOW_MS } };
    });

    const log = app.log.child({ component: 'rate-limit' });
    let store: 'redis' | 'memory' = 'memory';
    const Store = switchingStore(app.redis, `${c.REDIS_KEY_PREFIX}:ratelimit:`, {
      onSwitch(kind, reason) {
        store = kind;
        if (kind === 'redis') log.info({ store: kind }, 'rate limiting: counters in redis (shared by replicas)');
        else log.warn({ store: kind, reason }, `rate limiting: counters in memory (per replica): ${reason ?? 'redis unavailable'}`);
      },
    });

    const admin = c.ADMIN_TOKEN ? bearerToken(c.ADMIN_TOKEN) : null;
    const adminKey = admin ? `admin:${admin.fingerprint}` : '';
    const windowS = Math.round(c.RATE_LIMIT_WINDOW_MS / 1000);

    const options: RateLimitPluginOptions = {
      global: true,
      max: c.RATE_LIMIT_MAX,
      timeWindow: c.RATE_LIMIT_WINDOW_MS,
      store: Store,
      enableDraftSpec: true,
      keyGenerator: (request) => {
        if (admin?.matches(request.headers.authorization)) return adminKey;
        return normalizeIP(request.ip);
      },
      errorResponseBuilder: (_request, ctx) =>
        new HttpError(ctx.statusCode, `Rate limit exceeded: at most ${ctx.max} requests per ${windowS} s; retry in ${ctx.after}`, {
          code: 'RATE_LIMITED',
          retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)),
        }),
    };
    await app.register(rateLimit, options);

    app.health.addStats('rateLimit', () => ({
      store,
      max: c.RATE_LIMIT_MAX,
      windowMs: c.RATE_LIMIT_WINDOW_MS,
      costlyRoutes: COSTLY_ROUTES,
    }));
  },
  { name: 'rate-limit', dependencies: ['config', 'health', 'redis'] },
);
