/** GET /api/v1/me: the signed-in user. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorRef } from '../../../http/error-envelope.js';
import { HttpError } from '../../../http/errors.js';
import { User } from '../../../auth/schemas.js';

const me: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: [{ userJwt: [] }, { adminToken: [] }],
        response: { 200: User, 401: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const principal = request.principal!;
      if (principal.kind !== 'user') throw new HttpError(404, 'The admin token is not an account; sign in as a user', { code: 'NOT_FOUND' });
      const user = await app.dbGuard(() => app.accounts.me(principal.id));
      if (!user) throw new HttpError(404, 'Account not found', { code: 'NOT_FOUND' });
      return user;
    },
  );
};

export default me;
