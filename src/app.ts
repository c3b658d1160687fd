/**
 * The app factory. Layers, in order:
 *   1. config                      (validated object, app.config)
 *   2. third-party plugins         (plugins/external: helmet, cors, ...)
 *   3. our infrastructure plugins  (plugins/app: lifecycle, health, errors, logging, auth, ...)
 *   4. routes                      (routes/: ops endpoints at the root, the API under /api/v1)
 * buildApp never listens and never installs signal handlers: server.ts does that, tests use inject.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppConfig } from './config/index.js';
import { createLogger } from './logger.js';
import { genReqId } from './lib/request-id.js';
import { AccessLog } from './lib/access-log.js';
import { lazyChildLogger } from './lib/lazy-logger.js';
import { ErrorEnvelope } from './schemas/common.js';
import configPlugin from './plugins/app/config.js';
import helmet from './plugins/external/helmet.js';
import cors from './plugins/external/cors.js';
import rateLimit from './plugins/external/rate-limit.js';
import underPressure from './plugins/external/under-pressure.js';
import swagger from './plugins/external/swagger.js';
import swaggerUi from './plugins/external/swagger-ui.js';
import lifecycle from './plugins/app/lifecycle.js';
import health from './plugins/app/health.js';
import sentry from './plugins/app/sentry.js';
import alerts from './plugins/app/alerts.js';
import outbound from './plugins/app/outbound.js';
import healthMonitor from './plugins/app/health-monitor.js';
import requestContext from './plugins/app/request-context.js';
import errorHandler from './plugins/app/error-handler.js';
import requestLog from './plugins/app/request-log.js';
import adminAuth from './plugins/app/admin-auth.js';
import database from './plugins/app/database.js';
import metrics from './plugins/app/metrics.js';
import memoryGuard from './plugins/app/memory-guard.js';
import redis from './plugins/app/redis.js';
import cache from './plugins/app/cache.js';
import queue from './plugins/app/queue.js';
import { registerRoutes } from './routes/index.js';

export interface BuildOptions {
  /** Logger to use instead of one built from config (tests pass one writing to memory). */
  logger?: Logger;
  /** Runs after every plugin and before the routes: tests and fixtures add routes or checks here. */
  configure?: (app: FastifyInstance) => void | Promise<void>;
  /** 'worker': the worker-only process (src/worker.ts): job handlers and /live, /ready; no public API. */
  role?: 'api' | 'worker';
}

export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logger = (options.logger ?? createLogger(config)) as FastifyBaseLogger;
  const app = Fastify({
    loggerInstance: logger,
    logController: new AccessLog(config.SLOW_REQUEST_MS, logger), // one access line per request
    childLoggerFactory: lazyChildLogger, // request.log is created on first use (lib/lazy-logger.ts)
    genReqId,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Deliberate server timeouts: whole request, idle keep-alive (headers: below).
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // On close: finish in-flight requests, drop idle keep-alive sockets, 503 anything new.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Default 10 s is too short for a first embedded-database initdb (+ migrations) on a small instance.
    pluginTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.headersTimeout = config.HEADERS_TIMEOUT_MS;
  app.addSchema(ErrorEnvelope);

  await app.register(configPlugin, { config });

  await app.register(helmet);
  await app.register(cors);
  await app.register(rateLimit);
  await app.register(swagger);

  await app.register(lifecycle);
  await app.register(health);
  await app.register(sentry); // early: its shutdown step (flush) runs last
  await app.register(alerts); // early: its shutdown step (deliveries in flight) runs late
  await app.register(outbound);
  await app.register(healthMonitor);
  await app.register(requestContext);
  await app.register(errorHandler);
  await app.register(requestLog);
  await app.register(adminAuth);
  await app.register(database);
  await app.register(metrics);
  await app.register(memoryGuard);
  await app.register(redis);
  await app.register(cache);
  await app.register(queue, { role: options.role });

  await app.register(underPressure); // late: boot work is not sampled as pressure, and shed replies get the request id
  if (options.role !== 'worker') await app.register(swaggerUi); // after the error handler: see plugins/external/swagger-ui.ts
  await options.configure?.(app);
  await registerRoutes(app, options.role);
  return app;
}
