/**
 * Accounts and authentication.
 *   app.accounts          register / login / refresh / logout (accounts.ts)
 *   app.authenticate      preHandler: a valid access token (JWT, @fastify/jwt) or ADMIN_TOKEN;
 *                         sets request.principal (auth/principal.ts), else 401
 *   app.requireAdmin      preHandler: authenticate, then 403 unless the principal is an admin
 *
 * Access tokens are short-lived JWTs signed with JWT_SECRET. Without JWT_SECRET in production the
 * service still boots (a first deploy must come up and answer /health): the account routes answer
 * 503 naming the variable and /health reports auth as not configured; ADMIN_TOKEN keeps working.
 * Outside production a random per-boot secret is used, with a warning.
 */
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, unauthorized } from '../http/bearer-token.js';
import { HttpError, ServiceUnavailableError } from '../http/errors.js';
import { isAdmin, type Principal } from './principal.js';
import { Accounts } from './accounts.js';
import { RefreshTokens } from './refresh-tokens.js';
import { loginLimiter } from './login-limiter.js';

interface AccessClaims {
  sub: string;
  role: 'user' | 'admin';
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    accounts: Accounts;
    authenticate: PreHandler;
    requireAdmin: PreHandler;
    /** Throws 503 naming JWT_SECRET when accounts are not configured (production without it). */
    requireAccounts: () => void;
  }
  interface FastifyRequest {
    /** Who made the request, once app.authenticate accepted it. */
    principal: Principal | null;
  }
}

export default fp(
  async (app) => {
    const c = app.config;
    const log = app.log.child({ component: 'auth' });
    const production = c.NODE_ENV === 'production';
    let secret = c.JWT_SECRET;
    if (!secret && !production) {
      secret = randomBytes(32).toString('hex');
      log.warn('JWT_SECRET is not set: signing access tokens with a random per-boot secret (they stop working at the next restart)');
    } else if (!secret) {
      log.warn('JWT_SECRET is not set: the account routes answer 503 until it is (ADMIN_TOKEN still works)');
    }
    const configured = Boolean(secret);
    // Signs and verifies nothing useful when not configured; registered anyway so the app has one shape.
    await app.register(jwt, { secret: secret ?? randomBytes(32).toString('hex'), sign: { expiresIn: c.JWT_ACCESS_TTL_S } });

    const accounts = new Accounts({
      db: app.db,
      refreshTokens: new RefreshTokens(app.db, c.JWT_REFRESH_TTL_DAYS),
      limit: loginLimiter(app.redis, `${c.REDIS_KEY_PREFIX}:login:`, {
        perAccount: c.AUTH_LOGIN_MAX_PER_ACCOUNT,
        perIp: c.AUTH_LOGIN_MAX_PER_IP,
        windowMs: c.AUTH_LOGIN_WINDOW_MS,
      }),
      signAccess: (user) => app.jwt.sign({ sub: user.id, role: user.role }),
      accessTtlS: c.JWT_ACCESS_TTL_S,
      log,
    });
    app.decorate('accounts', accounts);
    app.decorate('requireAccounts', () => {
      if (!configured) throw new ServiceUnavailableError('Accounts are not configured: set JWT_SECRET (at least 32 characters)', 60, 'AUTH_NOT_CONFIGURED');
    });

    const operator = c.ADMIN_TOKEN ? bearerToken(c.ADMIN_TOKEN) : null;
    app.decorateRequest('principal', null);

    const authenticate: PreHandler = async (request, reply) => {
      const header = request.headers.authorization;
      if (operator?.matches(header)) {
        request.principal = { kind: 'operator' };
        return;
      }
      if (!configured || !header?.startsWith('Bearer ')) throw unauthorized(reply, 'access token', 'access token');
      try {
        const claims = app.jwt.verify<AccessClaims>(header.slice(7).trim());
        request.principal = { kind: 'user', id: claims.sub, role: claims.role === 'admin' ? 'admin' : 'user' };
      } catch {
        throw unauthorized(reply, 'access token', 'access token');
      }
    };
    app.decorate('authenticate', authenticate);
    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      await authenticate(request, reply);
      if (!isAdmin(request.principal!)) throw new HttpError(403, 'This needs an admin account', { code: 'FORBIDDEN' });
    });

    app.health.register({
      name: 'auth',
      critical: false,
      mode: () => (c.JWT_SECRET ? 'accounts (JWT)' : configured ? 'accounts (per-boot secret)' : 'not configured (JWT_SECRET unset)'),
      check: async () => {
        if (!configured) throw new Error('not configured: set JWT_SECRET');
      },
    });
  },
  { name: 'auth', dependencies: ['config', 'health', 'database', 'redis'] },
);
