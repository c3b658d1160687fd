/**
 * Accounts: POST /api/v1/auth/register, /login, /refresh, /logout. Public routes; the sign-in
 * attempt limits (per account and per IP) and the generic failure message live in src/auth.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorRef } from '../../../http/error-envelope.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../../auth/passwords.js';
import { Session } from '../../../auth/schemas.js';

const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] });
const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, examples: ['correct horse battery staple'] });
const RefreshToken = Type.String({ minLength: 1, maxLength: 200, description: 'The refreshToken of the last sign-in or refresh' });

const Credentials = Type.Object({ email: Email, password: Password }, { additionalProperties: false });

const auth: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['auth'];

  app.post(
    '/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account and sign in',
        body: Credentials,
        response: { 201: Session, 400: errorRef, 409: errorRef, 429: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      app.requireAccounts();
      const { email, password } = request.body;
      // Not retried: a retry after a commit would report the new account as taken.
      const session = await app.dbGuard(() => app.accounts.register(email, password, request.ip), { retry: false });
      return reply.code(201).send(session);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password',
        description: 'Unknown email and wrong password get the same 401. Attempts are limited per account and per IP (429 + Retry-After).',
        body: Credentials,
        response: { 200: Session, 400: errorRef, 401: errorRef, 429: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      app.requireAccounts();
      const { email, password } = request.body;
      return app.dbGuard(() => app.accounts.login(email, password, request.ip));
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new session (the old token stops working)',
        description: 'Presenting a refresh token that was already exchanged revokes every token of its sign-in.',
        body: Type.Object({ refreshToken: RefreshToken }, { additionalProperties: false }),
        response: { 200: Session, 400: errorRef, 401: errorRef, 503: errorRef },
      },
    },
    async (request) => {
      app.requireAccounts();
      return app.dbGuard(() => app.accounts.refresh(request.body.refreshToken), { retry: false });
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'Sign out: revoke the refresh token and every token of its sign-in',
        body: Type.Object({ refreshToken: RefreshToken }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Signed out' }), 400: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      app.requireAccounts();
      await app.dbGuard(() => app.accounts.logout(request.body.refreshToken));
      return reply.code(204).send(null);
    },
  );
};

export default auth;
