/**
 * GET /metrics – Prometheus text format (plugins/app/metrics.ts). Not registered when
 * METRICS_ENABLED=false. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time, like the admin token: lib/bearer-token.ts).
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorRef } from '../../http/error-envelope.js';
import { bearerToken } from '../../http/bearer-token.js';
import { HttpError } from '../../http/errors.js';


const metrics: FastifyPluginAsyncTypebox = async (app) => {
  if (!app.config.METRICS_ENABLED) return;
  const token = app.config.METRICS_TOKEN;
  const expected = token ? bearerToken(token) : null;

  app.get(
    '/metrics',
    {
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
    async (request, reply) => {
      if (expected) {
        if (!expected.matches(request.headers.authorization)) {
          reply.header('www-authenticate', 'Bearer');
          throw new HttpError(401, 'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)', { code: 'UNAUTHORIZED' });
        }
      }
      const body = await app.metrics.text();
      return reply.type(app.metrics.contentType).send(body);
    },
  );
};

export default metrics;
