/**
 * /health – summary for people and uptime monitors (200 healthy/degraded, 503 unhealthy). Results
 *           are shared and reused for HEALTH_CACHE_MS; with OPS_DETAILS_PUBLIC off (production)
 *           each component shows only up/down: no modes (hosts, paths) and no error texts.
 * /health/details – everything an operator needs, behind the admin token, credentials masked.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorRef } from '../../http/error-envelope.js';
import { CheckResultSchema as CheckResult, summarize } from '../../health/registry.js';
import { buildInfo } from '../../shared/build-info.js';
import { maskDeep } from '../../shared/mask.js';

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  draining: Type.Boolean(),
  memory: Type.Object({ rssMb: Type.Number(), heapUsedMb: Type.Number(), heapTotalMb: Type.Number() }),
  components: Type.Record(
    Type.String(),
    Type.Object({ status: Type.String(), mode: Type.Optional(Type.String()), latencyMs: Type.Number(), error: Type.Optional(Type.String()) }),
  ),
});

const Details = Type.Object({
  status: Type.String(),
  draining: Type.Boolean(),
  drainReason: Type.Union([Type.String(), Type.Null()]),
  checks: Type.Record(Type.String(), CheckResult),
  shutdownOrder: Type.Array(Type.String()),
  stats: Type.Record(Type.String(), Type.Unknown()),
  process: Type.Record(Type.String(), Type.Unknown()),
});

const health: FastifyPluginAsyncTypebox = async (app) => {
  const { version } = buildInfo();
  const detailed = app.config.OPS_DETAILS_PUBLIC;

  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Service health summary',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const checks = await app.health.cached();
      const status = summarize(checks);
      const mem = process.memoryUsage();
      const components = Object.fromEntries(
        Object.entries(checks).map(([name, r]) => [
          name,
          detailed ? { status: r.status, mode: r.mode, latencyMs: r.latencyMs, error: r.error } : { status: r.status, latencyMs: r.latencyMs },
        ]),
      );
      return reply.code(status === 'unhealthy' ? 503 : 200).send({
        status,
        version,
        uptimeSeconds: Math.round(process.uptime()),
        draining: app.lifecycle.draining,
        memory: { rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed), heapTotalMb: mb(mem.heapTotal) },
        components,
      });
    },
  );

  app.get(
    '/health/details',
    {
      preHandler: app.verifyAdmin,
      schema: {
        tags: ['ops'],
        summary: 'Every check with timings, shutdown order and component stats (admin)',
        security: [{ bearerAuth: [] }],
        response: { 200: Details, 401: errorRef, 404: errorRef },
      },
    },
    async () => {
      const checks = await app.health.run();
      const mem = process.memoryUsage();
      // Drivers quote their URLs in errors and stats: credentials masked on the way out.
      return maskDeep({
        status: summarize(checks),
        draining: app.lifecycle.draining,
        drainReason: app.lifecycle.drainReason,
        checks,
        shutdownOrder: app.lifecycle.shutdownOrder,
        stats: app.health.stats(),
        process: {
          pid: process.pid,
          node: process.version,
          uptimeSeconds: Math.round(process.uptime()),
          rssMb: mb(mem.rss),
          heapUsedMb: mb(mem.heapUsed),
          externalMb: mb(mem.external),
        },
      });
    },
  );
};

export default health;
