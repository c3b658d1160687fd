/**
 * Accounts: registration, sign-in, token refresh and sign-out, over the users and refresh_tokens
 * tables. No Fastify here; auth.plugin.ts exposes it as `app.accounts` and the routes call it.
 *
 * Sign-in answers the same generic failure for an unknown email and a wrong password, after the
 * same work (a decoy argon2 check), and every attempt is logged with its outcome, the account id
 * when known and the client IP, never the password.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/client.js';
import { HttpError } from '../http/errors.js';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { LimitCheck } from './login-limiter.js';

export interface PublicUser {
  id: string;
  email: string;
  role: 'user' | 'admin';
  createdAt: string;
}

export interface Session {
  user: PublicUser;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
}

export interface AccountsOptions {
  db: Db;
  refreshTokens: RefreshTokens;
  limit: LimitCheck;
  /** Signs an access token for a user. */
  signAccess: (user: { id: string; role: 'user' | 'admin' }) => string;
  accessTtlS: number;
  log: FastifyBaseLogger;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const toPublic = (u: { id: string; email: string; role: 'user' | 'admin'; createdAt: Date }): PublicUser => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});

const INVALID_CREDENTIALS = () => new HttpError(401, 'Invalid email or password', { code: 'INVALID_CREDENTIALS' });
const INVALID_REFRESH = () => new HttpError(401, 'Invalid or expired refresh token', { code: 'INVALID_REFRESH_TOKEN' });
const tooMany = (retryAfter: number) =>
  new HttpError(429, 'Too many sign-in attempts, retry later', { code: 'LOGIN_RATE_LIMITED', retryAfter });

export class Accounts {
  constructor(private readonly o: AccountsOptions) {}

  async register(emailInput: string, password: string, ip: string): Promise<Session> {
    const retryAfter = await this.o.limit(null, ip);
    if (retryAfter) throw tooMany(retryAfter);
    const email = normalizeEmail(emailInput);
    const passwordHash = await hashPassword(password);
    try {
      const user = await this.o.db.user.create({ data: { email, passwordHash } });
      this.o.log.info({ event: 'register', accountId: user.id, ip }, 'account created');
      return this.#session(user);
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw new HttpError(409, 'An account with this email already exists', { code: 'EMAIL_TAKEN' });
      throw err;
    }
  }

  async login(emailInput: string, password: string, ip: string): Promise<Session> {
    const email = normalizeEmail(emailInput);
    const retryAfter = await this.o.limit(email, ip);
    if (retryAfter) {
      this.o.log.warn({ event: 'login', outcome: 'rate-limited', ip }, 'sign-in refused: too many attempts');
      throw tooMany(retryAfter);
    }
    const user = await this.o.db.user.findUnique({ where: { email } });
    const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDecoy(password);
    if (!user || !ok) {
      this.o.log.warn({ event: 'login', outcome: user ? 'wrong-password' : 'unknown-account', accountId: user?.id ?? null, ip }, 'sign-in failed');
      throw INVALID_CREDENTIALS();
    }
    this.o.log.info({ event: 'login', outcome: 'success', accountId: user.id, ip }, 'signed in');
    return this.#session(user);
  }

  async refresh(token: string): Promise<Session> {
    const outcome = await this.o.refreshTokens.rotate(token);
    if (!outcome.ok) {
      if (outcome.reason === 'reused') this.o.log.warn({ event: 'refresh', outcome: 'reused' }, 'refresh token reused: its family is revoked');
      throw INVALID_REFRESH();
    }
    const user = await this.o.db.user.findUnique({ where: { id: outcome.userId } });
    if (!user) throw INVALID_REFRESH();
    return { ...this.#access(user), refreshToken: outcome.token };
  }

  logout(token: string): Promise<void> {
    return this.o.refreshTokens.revoke(token);
  }

  async me(userId: string): Promise<PublicUser | null> {
    const user = await this.o.db.user.findUnique({ where: { id: userId } });
    return user && toPublic(user);
  }

  async setRole(userId: string, role: 'user' | 'admin'): Promise<PublicUser | null> {
    const { count } = await this.o.db.user.updateMany({ where: { id: userId }, data: { role } });
    return count ? this.me(userId) : null;
  }

  async #session(user: { id: string; email: string; role: 'user' | 'admin'; createdAt: Date }): Promise<Session> {
    return { ...this.#access(user), refreshToken: await this.o.refreshTokens.issue(user.id) };
  }

  #access(user: { id: string; email: string; role: 'user' | 'admin'; createdAt: Date }): Omit<Session, 'refreshToken'> {
    return { user: toPublic(user), accessToken: this.o.signAccess(user), expiresIn: this.o.accessTtlS };
  }
}
