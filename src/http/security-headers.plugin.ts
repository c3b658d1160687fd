/**
 * Security headers from @fastify/helmet, computed once at boot instead of on every request.
 *
 * Why: @fastify/helmet runs two onRequest hooks per request (one async) and rebuilds helmet's
 * whole middleware chain (parsing the CSP directives included) every time; with our options the
 * resulting headers never change between requests. Measured on GET /live it alone cost about half
 * of bare Fastify's throughput (shared/notes/baselines.md). So @fastify/helmet stays the source of
 * the header values: at boot it runs once, with our options, on a private Fastify instance; the
 * headers it sets are captured and then set on every response by one synchronous onRequest hook.
 * Same headers on every route (404s and errors included), a fraction of the cost.
 *
 * This is a JSON API, so the content-security policy is the strictest one; the docs routes
 * replace it with the relaxed policy Swagger UI needs (plugins/external/swagger-ui.ts).
 * Per-request values (CSP nonces) are not used; if they ever are, go back to registering
 * @fastify/helmet directly.
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

/** Run @fastify/helmet once and return the headers it sets. */
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

/** Computed once per process (the options are constant); tests build many apps. */
let defaultHeaders: Promise<Record<string, string>> | undefined;

export default fp(
  async (app) => {
    defaultHeaders ??= helmetHeaders();
    const headers = await defaultHeaders;
    // Callback style, no allocation: a promise per request would cost more than the headers.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
