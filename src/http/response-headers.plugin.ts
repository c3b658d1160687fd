/**
 * Echo the request id (see request-id.ts) on every response, including errors, so a client
 * can quote it; during a drain, ask clients to close the connection. The access line itself is written by observability/access-log.ts.
 */
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id.js';

export default fp(
  async (app) => {
    // Callback style: on the hot path an async hook costs a promise per request for nothing.
    const lifecycle = app.lifecycle;
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      // While draining, tell clients and proxies not to reuse this connection.
      if (lifecycle.draining) reply.header('connection', 'close');
      done();
    });
  },
  { name: 'response-headers', dependencies: ['lifecycle'] },
);
