/**
 * The app factory. Plugins are registered in dependency order: each one only uses what was
 * registered before it (fastify-plugin's `dependencies` checks that), and shutdown steps run in the
 * reverse order (src/lifecycle). Then every file under src/routes is loaded by @fastify/autoload.
 * buildApp never listens and never installs signal handlers: start.ts does that, tests use inject.
 */
import { fileURLToPath } from 'node:url';
import autoload from '@fastify/autoload';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppConfig } from './config/load.js';
import type { DatabaseHandle } from './db/client.js';
import { createLogger } from './observability/logger.js';
import { AccessLog } from './observability/access-log.js';
import { genReqId } from './http/request-id.js';
import { strictBodySchemaController } from './http/validation.js';
import { ErrorEnvelopeSchema } from './http/error-envelope.js';
import config from './config/config.plugin.js';
import lifecycle from './lifecycle/lifecycle.plugin.js';
import health from './health/health.plugin.js';
import metrics from './observability/metrics.plugin.js';
import responseHeaders from './http/response-headers.plugin.js';
import securityHeaders, { securityHeaderValues } from './http/security-headers.plugin.js';
import { clientErrorHandler, edgeCounter, frameworkErrors, serverTimeouts, trustProxyOption, type EdgeOptions } from './http/edge.js';
import cors from './http/cors.plugin.js';
import requestContext from './http/request-context.plugin.js';
import redis from './redis/redis.plugin.js';
import rateLimit from './http/rate-limit.plugin.js';
import errorHandler from './http/error-handler.plugin.js';
import jsonBody from './http/json-body.plugin.js';
import adminAuth from './http/admin-auth.plugin.js';
import database from './db/database.plugin.js';
import cache from './cache/cache.plugin.js';
import outbound from './outbound/outbound.plugin.js';
import memoryGuard from './lifecycle/memory-guard.plugin.js';
import queue from './queue/queue.plugin.js';
import componentMetrics from './observability/component-metrics.plugin.js';
import alerts from './alerts/alerts.plugin.js';
import healthMonitor from './alerts/health-monitor.plugin.js';
import sentry from './observability/sentry.plugin.js';
import loadShedding from './http/load-shedding.plugin.js';

export interface BuildOptions {
  /** Logger to use instead of one built from config (tests pass one writing to memory). */
  logger?: Logger;
  /** Runs after every plugin and before the routes: tests and fixtures add routes or checks here. */
  configure?: (app: FastifyInstance) => void | Promise<void>;
  /** 'worker': the worker-only process (src/worker.ts): job handlers and /live, /ready; no public API. */
  role?: 'api' | 'worker';
  /** A database to use instead of opening one from the config (embedding the app, tests); its owner closes it. */
  database?: DatabaseHandle;
}

const ROUTES_DIR = fileURLToPath(new URL('./routes', import.meta.url));
// From TypeScript sources (tests, `npm run dev`, both under tsx) @fastify/autoload must be told it
// may import .ts files: it recognises tsx only when preloaded with -r, not with --import.
if (import.meta.url.endsWith('.ts')) process.env.FASTIFY_AUTOLOAD_TYPESCRIPT ??= '1';

export async function buildApp(appConfig: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logger = (options.logger ?? createLogger(appConfig)) as FastifyBaseLogger;
  // Answers given before a route runs (router errors, Node's parser and timeouts): http/edge.ts.
  const edge: EdgeOptions = { securityHeaders: await securityHeaderValues() };
  const app = Fastify({
    loggerInstance: logger,
    logController: new AccessLog(appConfig.SLOW_REQUEST_MS),
    genReqId,
    bodyLimit: appConfig.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(appConfig.TRUST_PROXY),
    // Deliberate server timeouts: headers, whole request (swept often enough to fire on time), idle keep-alive.
    http: serverTimeouts(appConfig),
    requestTimeout: appConfig.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: appConfig.KEEP_ALIVE_TIMEOUT_MS,
    frameworkErrors: frameworkErrors(edge),
    clientErrorHandler: clientErrorHandler(edge),
    // On close: finish in-flight requests, drop idle keep-alive sockets; anything new gets 503 in
    // the envelope from response-headers.plugin.ts (Fastify's own return503OnClosing has no request id).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    // The first boot of the embedded database (initdb + migrations) can take longer than the default 10 s.
    pluginTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Query strings and path parameters coerce ("5" → 5); bodies do not (http/validation.ts).
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    schemaController: strictBodySchemaController(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(ErrorEnvelopeSchema);

  await app.register(config, { config: appConfig });
  await app.register(lifecycle);
  await app.register(health);
  await app.register(metrics);
  edge.count = edgeCounter(app.metrics.registry);

  // Backing services, each with its fallback.
  await app.register(database, { database: options.database });
  await app.register(redis);

  // The request edge: ids and headers on every response, CORS, error envelope, rate limits, auth.
  await app.register(responseHeaders);
  await app.register(securityHeaders);
  await app.register(cors);
  await app.register(requestContext);
  await app.register(rateLimit);
  if (app.hasDecorator('rateLimit')) edge.rateLimit = app.rateLimit();
  await app.register(errorHandler);
  await app.register(jsonBody);
  await app.register(adminAuth);
  // The worker process serves no account routes and no documents: it does not even load JWT or
  // Swagger (plugins imported here, on demand, rather than at the top).
  if (options.role !== 'worker') await app.register(import('./auth/auth.plugin.js'));

  // Work: cache, outbound calls, the job queue.
  await app.register(cache);
  await app.register(outbound);
  await app.register(memoryGuard);
  await app.register(queue, { role: options.role });
  await app.register(componentMetrics);

  // Watching it all: alerts, the health monitor, Sentry; then load shedding, which starts sampling
  // only now so the heavy boot work above is not read as overload.
  await app.register(alerts);
  await app.register(healthMonitor);
  await app.register(sentry);
  await app.register(loadShedding);

  if (options.role !== 'worker') {
    await app.register(import('./openapi/swagger.plugin.js'));
    await app.register(import('./openapi/swagger-ui.plugin.js'));
  }
  await options.configure?.(app);
  await app.register(autoload, {
    dir: ROUTES_DIR,
    // Ops endpoints (routes/ops) live at the root; every other folder is a path prefix (api/v1).
    dirNameRoutePrefix: (_parent, folder) => (folder === 'ops' ? false : folder),
    ignorePattern: /\.schema\.(ts|js)$/,
    // The worker process answers only the platform's probes and /metrics.
    ...(options.role === 'worker' ? { matchFilter: (path: string) => /[/\\]ops[/\\](probes|metrics)\.(ts|js)$/.test(path) } : {}),
  });
  return app;
}
