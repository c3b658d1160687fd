/**
 * Liveness and readiness for the platform.
 *  /live  – the event loop runs. Never checks dependencies: a liveness probe that does causes
 *           restart storms when a dependency blips.
 *  /ready – should this instance receive traffic? 503 while draining or a critical check fails.
 *           Results are shared and reused for HEALTH_CACHE_MS (registry.ts `cached()`); with
 *           OPS_DETAILS_PUBLIC off (production) each check shows only up/down.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CheckResultSchema as CheckResult, publicResult, summarize, type CheckResult as Result } from '../../health/registry.js';

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready'), Type.Literal('draining')]),
  checks: Type.Record(Type.String(), CheckResult),
});

const publicChecks = (results: Record<string, Result>) => Object.fromEntries(Object.entries(results).map(([k, r]) => [k, publicResult(r)]));

const probes: FastifyPluginAsyncTypebox = async (app) => {
  const detailed = app.config.OPS_DETAILS_PUBLIC;
  const live = { status: 'ok' as const };
  app.get(
    '/live',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: 200 whenever the event loop runs',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => live,
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: 200 when this instance should receive traffic',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const results = await app.health.cached();
      const checks = detailed ? results : publicChecks(results);
      if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining', checks });
      const ready = summarize(results) !== 'unhealthy';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );
};

export default probes;
