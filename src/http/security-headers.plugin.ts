/**
 * Security headers on every response (404s and errors included), as @fastify/helmet computes them.
 *
 * @fastify/helmet recomputes the same headers on every request (its hooks rebuild helmet's
 * middleware chain, CSP parsing included), which costs more than the rest of a simple request put
 * together (docs/ARCHITECTURE.md, performance). With our options the headers never change between
 * requests, so @fastify/helmet runs once at boot, on a private Fastify instance, through its public
 * API; the headers it sets are then set on every response by one synchronous hook.
 * test/http/security-headers.test.ts fails if @fastify/helmet starts sending anything else.
 *
 * This is a JSON API, so the content-security policy is the strictest one; the docs routes
 * replace it with the relaxed policy Swagger UI needs (openapi/swagger-ui.plugin.ts). Per-request
 * values (CSP nonces) would need @fastify/helmet registered directly instead.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import fp from 'fastify-plugin';

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
  // Same answer as the policy's frame-ancestors 'none' for browsers that only know this header.
  frameguard: { action: 'deny' },
};

/** Headers that describe the probe's own response, not security policy. */
const NOT_HELMET = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/** Run @fastify/helmet once with `options` and return the headers it sets. */
export async function helmetHeaders(options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(helmet, options);
    probe.get('/', async () => '');
    const res = await probe.inject('/');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (!NOT_HELMET.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return headers;
  } finally {
    await probe.close();
  }
}

/** Computed once per process (the options are constant; tests build many apps). */
let headers: Promise<Record<string, string>> | undefined;

/** The headers every response carries; also written by the answers given before routing (edge.ts). */
export const securityHeaderValues = (): Promise<Record<string, string>> => (headers ??= helmetHeaders());

export default fp(
  async (app) => {
    const values = await securityHeaderValues();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(values);
      done();
    });
  },
  { name: 'security-headers' },
);
