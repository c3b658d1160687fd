/**
 * Echo the request id (see lib/request-id.ts) on every response, including errors, so a client
 * can quote it. The access line itself is written by lib/access-log.ts.
 */
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../../lib/request-id.js';

export default fp(
  async (app) => {
    // Callback style: on the hot path an async hook costs a promise per request for nothing.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
  },
  { name: 'request-log' },
);
