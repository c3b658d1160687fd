/**
 * Liveness and readiness for the platform.
 *  /live  – the event loop runs. Never checks dependencies: a liveness probe that does causes
 *           restart storms when a dependency blips.
 *  /ready – should this instance receive traffic? 503 while draining or a critical check fails.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CheckResultSchema as CheckResult, summarize } from '../../health/registry.js';

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready'), Type.Literal('draining')]),
  checks: Type.Record(Type.String(), CheckResult),
});

const probes: FastifyPluginAsyncTypebox = async (app) => {
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
      const checks = await app.health.run();
      if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining', checks });
      const ready = summarize(checks) !== 'unhealthy';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );
};

export default probes;
