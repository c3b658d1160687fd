/**
 * `Authorization: Bearer <token>`: the one check and the one 401, shared by the admin guard,
 * /metrics and the rate limiter's admin identity. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length of the expected token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export interface BearerToken {
  /** True when the header carries exactly this token. */
  matches(authorization: string | undefined): boolean;
  /** A short, non-reversible id for the token (e.g. a rate-limit key); never the token itself. */
  readonly fingerprint: string;
}

export function bearerToken(token: string): BearerToken {
  const expected = sha256(token);
  return {
    fingerprint: expected.toString('hex').slice(0, 16),
    matches(authorization) {
      if (!authorization?.startsWith('Bearer ')) return false;
      const given = authorization.slice(7).trim();
      return given !== '' && timingSafeEqual(sha256(given), expected);
    },
  };
}

/** The 401 for a missing or wrong bearer token, e.g. unauthorized(reply, 'admin token', 'ADMIN_TOKEN'). */
export function unauthorized(reply: FastifyReply, what: string, placeholder: string): HttpError {
  reply.header('www-authenticate', 'Bearer');
  return new HttpError(401, `A valid ${what} is required (Authorization: Bearer <${placeholder}>)`, { code: 'UNAUTHORIZED' });
}

/** A preHandler that lets through only requests carrying `token` (described as in unauthorized()). */
export function requireBearer(token: BearerToken, what: string, placeholder: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!token.matches(request.headers.authorization)) throw unauthorized(reply, what, placeholder);
  };
}
