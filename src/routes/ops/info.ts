/**
 * What is running and how it is configured: /version, /config (secrets removed), /cors-debug.
 * With OPS_DETAILS_PUBLIC off (the production default) /config and /cors-debug need the admin
 * token (404 when ADMIN_TOKEN is unset, like every admin endpoint).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { publicConfig } from '../../config/load.js';
import { errorRef } from '../../http/error-envelope.js';
import { buildInfo } from '../../shared/build-info.js';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS, CORS_METHODS } from '../../http/cors-origins.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);

const Version = Type.Object({
  name: Type.String(),
  version: Type.String(),
  commit: NullableString,
  builtAt: NullableString,
  node: Type.String(),
  environment: Type.String(),
  railway: Type.Object({ environment: NullableString, deploymentId: NullableString, replicaId: NullableString, service: NullableString }),
  startedAt: Type.String(),
});

const CorsDebug = Type.Object({
  origin: NullableString,
  allowed: Type.Boolean(),
  matchedRule: NullableString,
  configuredOrigins: Type.Array(Type.String()),
  headers: Type.Record(Type.String(), Type.String()),
  preflightHeaders: Type.Record(Type.String(), Type.String()),
});

const info: FastifyPluginAsyncTypebox = async (app) => {
  const c = app.config;
  const build = buildInfo();
  const version = {
    name: build.name,
    version: build.version,
    commit: c.RAILWAY_GIT_COMMIT_SHA ?? build.commit,
    builtAt: build.builtAt,
    node: process.version,
    environment: c.RAILWAY_ENVIRONMENT_NAME ?? c.NODE_ENV,
    railway: {
      environment: c.RAILWAY_ENVIRONMENT_NAME ?? null,
      deploymentId: c.RAILWAY_DEPLOYMENT_ID ?? null,
      replicaId: c.RAILWAY_REPLICA_ID ?? null,
      service: c.RAILWAY_SERVICE_NAME ?? null,
    },
    startedAt: app.lifecycle.startedAt.toISOString(),
  };
  const safeConfig = publicConfig(c);
  const adminOnly = c.OPS_DETAILS_PUBLIC ? {} : { preHandler: app.verifyAdmin };
  const adminDoc = c.OPS_DETAILS_PUBLIC ? {} : { security: [{ bearerAuth: [] }] };

  app.get('/version', { schema: { tags: ['ops'], summary: 'Build and runtime version', response: { 200: Version } } }, async () => version);

  app.get(
    '/config',
    {
      ...adminOnly,
      schema: {
        tags: ['ops'],
        summary: 'Effective configuration, secrets removed and URL credentials masked',
        ...adminDoc,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), 401: errorRef, 404: errorRef },
      },
    },
    async () => safeConfig,
  );

  app.get(
    '/cors-debug',
    {
      ...adminOnly,
      schema: { tags: ['ops'], summary: 'How CORS treats this request\'s Origin', ...adminDoc, response: { 200: CorsDebug, 401: errorRef, 404: errorRef } },
    },
    async (request) => {
      const origin = request.headers.origin ?? null;
      const matchedRule = app.corsMatcher.match(origin ?? undefined);
      const allowed = matchedRule !== null;
      const headers: Record<string, string> = allowed && origin
        ? { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', ') }
        : {};
      const preflightHeaders: Record<string, string> = allowed && origin
        ? {
            'access-control-allow-origin': origin,
            vary: 'Origin',
            'access-control-allow-methods': CORS_METHODS.join(', '),
            'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
            'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
          }
        : {};
      return { origin, allowed, matchedRule, configuredOrigins: [...c.CORS_ORIGINS], headers, preflightHeaders };
    },
  );
};

export default info;
