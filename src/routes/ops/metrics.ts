/**
 * GET /metrics – Prometheus text format (observability/metrics.plugin.ts), in the API and in the
 * worker process alike. Who may read it:
 *   - METRICS_TOKEN set: only `Authorization: Bearer <METRICS_TOKEN>` (constant-time compare, bearer-token.ts);
 *   - production without METRICS_TOKEN: not served on the public port at all (404); scrape the
 *     private METRICS_PORT listener instead (metrics-listener.ts);
 *   - elsewhere without METRICS_TOKEN: open (development, tests).
 * Not registered when METRICS_ENABLED=false.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorRef } from '../../http/error-envelope.js';
import { bearerToken, requireBearer } from '../../http/bearer-token.js';

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  const c = app.config;
  if (!c.METRICS_ENABLED) return;
  const token = c.METRICS_TOKEN;
  if (!token && c.NODE_ENV === 'production') {
    app.log.info(
      `metrics: GET /metrics is not served on the public port in production without METRICS_TOKEN${c.METRICS_PORT !== undefined ? ' (it is on METRICS_PORT)' : '; set METRICS_TOKEN or METRICS_PORT'}`,
    );
    return;
  }

  app.get(
    '/metrics',
    {
      ...(token ? { preHandler: requireBearer(bearerToken(token), 'metrics token', 'METRICS_TOKEN') } : {}),
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        description: token ? 'Requires `Authorization: Bearer <METRICS_TOKEN>`.' : 'Open outside production: set METRICS_TOKEN to require a bearer token.',
        ...(token ? { security: [{ bearerAuth: [] }] } : {}),
        response: {
          200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
          ...(token ? { 401: errorRef } : {}),
        },
      },
    },
    async (_request, reply) => {
      const body = await app.metrics.text();
      return reply.type(app.metrics.contentType).send(body);
    },
  );
};

export default metrics;
