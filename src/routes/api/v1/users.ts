/** PUT /api/v1/users/:id/role: make a user an admin, or back (admins and operators only). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorRef } from '../../../http/error-envelope.js';
import { HttpError } from '../../../http/errors.js';
import { User } from '../../../auth/schemas.js';

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/users/:id/role',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['auth'],
        summary: "Set a user's role (admin)",
        security: [{ bearerAuth: [] }],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ role: Type.Union([Type.Literal('user'), Type.Literal('admin')]) }, { additionalProperties: false }),
        response: { 200: User, 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      const user = await app.dbGuard(() => app.accounts.setRole(request.params.id, request.body.role));
      if (!user) throw new HttpError(404, `User ${request.params.id} not found`, { code: 'NOT_FOUND' });
      return user;
    },
  );
};

export default users;
