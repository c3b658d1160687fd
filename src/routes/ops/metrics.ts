/**
 * GET /metrics – Prometheus text format (observability/metrics.plugin.ts). Not registered when
 * METRICS_ENABLED=false. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time, like the admin token: bearer-token.ts).
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorRef } from '../../http/error-envelope.js';
import { bearerToken, requireBearer } from '../../http/bearer-token.js';


const metrics: FastifyPluginAsyncTypebox = async (app) => {
  if (!app.config.METRICS_ENABLED) return;
  const token = app.config.METRICS_TOKEN;

  app.get(
    '/metrics',
    {
      ...(token ? { preHandler: requireBearer(bearerToken(token), 'metrics token', 'METRICS_TOKEN') } : {}),
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        description: token ? 'Requires `Authorization: Bearer <METRICS_TOKEN>`.' : 'Open: set METRICS_TOKEN to require a bearer token.',
        ...(token ? { security: [{ bearerAuth: [] }] } : {}),
        response: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } },
          401: errorRef,
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
