/**
 * Rate limiting with @fastify/rate-limit.
 *
 * - Global: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS per client on every route.
 * - Costly routes get their own, tighter limit from COSTLY_ROUTES below (matched by method and
 *   route pattern when the route is registered, so route files need no change). A route that sets
 *   `config: { rateLimit: {...} }` itself keeps its own setting.
 * - Ops endpoints (lib/ops-routes.ts) are exempt: `config.rateLimit = false`, so no hook at all
 *   runs for them (GET /live pays nothing for rate limiting).
 * - Client key: the admin identity when a valid admin token is presented (a hash, never the
 *   token), otherwise the client IP (`request.ip`, from X-Forwarded-For when TRUST_PROXY is on;
 *   IPv6 grouped per /64 as the plugin does by default).
 * - Store: Redis when Redis is up (replicas share counters), memory when it is not. The plugin's
 *   own `redis` option binds one ioredis client for the life of the app and fails (or, with
 *   skipOnError, silently stops limiting) when Redis goes away, so SwitchingStore below picks the
 *   store per call from `app.redis` status and falls back to memory on any Redis error. While on
 *   memory each replica counts on its own; counters do not carry over between the two stores.
 * - 429s go through our error handler: the error envelope, plus Retry-After and the draft-7
 *   `RateLimit-Limit/Remaining/Reset` headers the plugin sets.
 */
import { createRequire } from 'node:module';
import rateLimit, { normalizeIP, type FastifyRateLimitStore, type RateLimitPluginOptions } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { bearerToken } from './bearer-token.js';
import { HttpError } from './errors.js';
import { isOpsRoute } from './ops-routes.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;
interface Store extends FastifyRateLimitStore {
  read?(key: string, cb: Callback, timeWindow: number, max: number): void;
}
// The plugin's two stores, used as they are; the package has no `exports` map, so deep paths are public.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => Store;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key?: string,
) => Store;

export type RateLimitStoreKind = 'redis' | 'memory';

/** Tracks which store is in use and logs each switch once (not once per request). */
class StoreState {
  kind: RateLimitStoreKind = 'memory';
  constructor(private readonly log: FastifyBaseLogger) {}
  use(kind: RateLimitStoreKind, reason?: string): void {
    if (kind === this.kind) return;
    this.kind = kind;
    if (kind === 'redis') this.log.info({ store: kind }, 'rate limiting: counters in redis (shared by replicas)');
    else this.log.warn({ store: kind, reason }, `rate limiting: counters in memory (per replica): ${reason ?? 'redis unavailable'}`);
  }
}

/**
 * A store that delegates every call to Redis while it is up and to memory otherwise; a Redis
 * error on a call falls back to memory for that call, so a request never fails because Redis did.
 */
class SwitchingStore implements Store {
  constructor(
    private readonly local: Store,
    private readonly remote: () => Store | null,
    private readonly state: StoreState,
  ) {}

  incr(key: string, cb: Callback, timeWindow: number, max: number): void {
    this.#call('incr', key, cb, timeWindow, max);
  }

  read(key: string, cb: Callback, timeWindow: number, max: number): void {
    this.#call('read', key, cb, timeWindow, max);
  }

  #call(method: 'incr' | 'read', key: string, cb: Callback, timeWindow: number, max: number): void {
    const remote = this.remote();
    if (!remote) {
      this.state.use('memory', 'redis is not up');
      return this.local[method]!(key, cb, timeWindow, max);
    }
    remote[method]!(
      key,
      (err, result) => {
        if (err) {
          this.state.use('memory', err.message);
          return this.local[method]!(key, cb, timeWindow, max);
        }
        this.state.use('redis');
        cb(null, result);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): Store {
    let remoteChild: Store | undefined;
    return new SwitchingStore(
      this.local.child(routeOptions),
      () => {
        const root = this.remote();
        if (!root) return null;
        remoteChild ??= root.child(routeOptions);
        return remoteChild;
      },
      this.state,
    );
  }
}


export default fp(
  async (app: FastifyInstance) => {
    const c = app.config;
    if (!c.RATE_LIMIT_ENABLED) return;

    /** Routes whose every call is expensive: their own limit per window (POST /api/v1/jobs writes + enqueues). */
    const COSTLY_ROUTES: Record<string, number> = { 'POST /api/v1/jobs': c.RATE_LIMIT_JOBS_MAX };

    // Must run before @fastify/rate-limit's own onRoute hook, which reads config.rateLimit.
    app.addHook('onRoute', (route) => {
      if (route.config?.rateLimit !== undefined) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (isOpsRoute(route.url)) {
        route.config = { ...route.config, rateLimit: false };
        return;
      }
      const max = methods.map((m) => COSTLY_ROUTES[`${m} ${route.url}`]).find((n) => n !== undefined);
      if (max !== undefined) route.config = { ...route.config, rateLimit: { max, timeWindow: c.RATE_LIMIT_WINDOW_MS } };
    });

    const state = new StoreState(app.log.child({ component: 'rate-limit' }));
    const prefix = `${c.REDIS_KEY_PREFIX}:ratelimit:`;
    let redisRoot: Store | undefined;
    const remote = (): Store | null => {
      const hub = app.redis;
      if (!hub.up || !hub.client) return null;
      redisRoot ??= new RedisStore(false, false, hub.client, prefix);
      return redisRoot;
    };
    class Switching extends SwitchingStore {
      constructor() {
        super(new LocalStore(false, false, 10_000), remote, state);
      }
    }

    const admin = c.ADMIN_TOKEN ? bearerToken(c.ADMIN_TOKEN) : null;
    const adminKey = admin ? `admin:${admin.fingerprint}` : '';
    const windowS = Math.round(c.RATE_LIMIT_WINDOW_MS / 1000);

    const options: RateLimitPluginOptions = {
      global: true,
      max: c.RATE_LIMIT_MAX,
      timeWindow: c.RATE_LIMIT_WINDOW_MS,
      store: Switching,
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
      store: remote() ? 'redis' : 'memory',
      max: c.RATE_LIMIT_MAX,
      windowMs: c.RATE_LIMIT_WINDOW_MS,
      costlyRoutes: COSTLY_ROUTES,
    }));
  },
  { name: 'rate-limit', dependencies: ['config', 'health', 'redis'] },
);
