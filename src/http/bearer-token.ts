/**
 * `Authorization: Bearer <token>` checks, shared by the admin guard, /metrics and the rate
 * limiter's admin identity. Tokens are compared as SHA-256 digests with timingSafeEqual, so
 * neither the content nor the length of the expected token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

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
