/**
 * Enters the request context (request-context.ts) for every route except the ops endpoints,
 * so anything a handler calls, however deep, can read the request id (the outbound HTTP client
 * forwards it as X-Request-Id).
 *
 * Added per route (onRoute) instead of as a global hook: /live, /ready and /metrics sit on the hot
 * path and never call out, so they pay nothing. Must be registered before the routes.
 */
import fp from 'fastify-plugin';
import type { onRequestHookHandler } from 'fastify';
import { runWithRequestId } from './request-context.js';
import { isOpsRoute } from './ops-routes.js';

// Callback style and `run` around `done`: the rest of the lifecycle (body parsing, handler, and all
// they await) continues inside the context, and nothing is left behind on the socket's context.
const enter: onRequestHookHandler = (request, _reply, done) => runWithRequestId(request.id, done);

export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      if (isOpsRoute(route.url)) return;
      const existing = route.onRequest;
      route.onRequest = existing ? [enter, ...(Array.isArray(existing) ? existing : [existing])] : [enter];
    });
  },
  { name: 'request-context' },
);
