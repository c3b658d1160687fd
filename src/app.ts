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
import { ErrorEnvelope } from './schemas/common.js';
import configPlugin from './plugins/app/config.js';
import helmet from './plugins/external/helmet.js';
import cors from './plugins/external/cors.js';
import lifecycle from './plugins/app/lifecycle.js';
import health from './plugins/app/health.js';
import errorHandler from './plugins/app/error-handler.js';
import requestLog from './plugins/app/request-log.js';
import adminAuth from './plugins/app/admin-auth.js';
import { registerRoutes } from './routes/index.js';

export interface BuildOptions {
  /** Logger to use instead of one built from config (tests pass one writing to memory). */
  logger?: Logger;
  /** Runs after every plugin and before the routes: tests and fixtures add routes or checks here. */
  configure?: (app: FastifyInstance) => void | Promise<void>;
}

export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (options.logger ?? createLogger(config)) as FastifyBaseLogger,
    logController: new AccessLog(config.SLOW_REQUEST_MS), // one access line per request
    genReqId,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Deliberate server timeouts: whole request, idle keep-alive (headers: below).
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // On close: finish in-flight requests, drop idle keep-alive sockets, 503 anything new.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.headersTimeout = config.HEADERS_TIMEOUT_MS;
  app.addSchema(ErrorEnvelope);

  await app.register(configPlugin, { config });

  await app.register(helmet);
  await app.register(cors);

  await app.register(lifecycle);
  await app.register(health);
  await app.register(errorHandler);
  await app.register(requestLog);
  await app.register(adminAuth);

  await options.configure?.(app);
  await registerRoutes(app);
  return app;
}
