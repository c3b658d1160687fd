/**
 * GET /metrics – Prometheus text format (plugins/app/metrics.ts). Not registered when
 * METRICS_ENABLED=false. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`
 * (compared as SHA-256 digests with timingSafeEqual, like the admin token).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorRef } from '../../schemas/common.js';
import { HttpError } from '../../lib/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  if (!app.config.METRICS_ENABLED) return;
  const token = app.config.METRICS_TOKEN;
  const expected = token ? digest(token) : null;

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
        const header = request.headers.authorization ?? '';
        const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
        if (!given || !timingSafeEqual(digest(given), expected)) {
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
