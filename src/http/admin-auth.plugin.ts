/**
 * `app.verifyAdmin`: preHandler for admin endpoints. No ADMIN_TOKEN configured → 404 (the
 * endpoint does not exist for this deployment); wrong or missing bearer token → 401.
 * Tokens are compared in constant time (bearer-token.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, unauthorized } from './bearer-token.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    verifyAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** True once verifyAdmin accepted the request's token. */
    isAdmin?: boolean;
  }
}

export default fp(
  async (app) => {
    const token = app.config.ADMIN_TOKEN;
    const expected = token ? bearerToken(token) : null;

    app.decorate('verifyAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!expected) throw new HttpError(404, `Route ${request.method} ${request.url.split('?')[0]} not found`);
      if (!expected.matches(request.headers.authorization)) throw unauthorized(reply, 'admin token', 'ADMIN_TOKEN');
      request.isAdmin = true;
    });
  },
  { name: 'admin-auth', dependencies: ['config'] },
);
