/** User accounts and sign-in (src/auth): access tokens, refresh tokens, login limits. */
import { int, minLength, env, section } from '../fields.js';

export const auth = section('Accounts and sign-in', {
  JWT_SECRET: env(minLength(32).optional(), {
    doc: 'Signs access tokens, at least 32 characters. Unset in production: the service runs but the account routes answer 503 naming it; outside production a random per-boot secret is used (tokens do not survive a restart).',
    secret: true,
    essential: true,
  }),
  JWT_ACCESS_TTL_S: env(int(60, 86_400).prefault('900'), { doc: 'Lifetime of an access token, in seconds.' }),
  JWT_REFRESH_TTL_DAYS: env(int(1, 365).prefault('30'), { doc: 'Lifetime of a refresh token, in days (each refresh rotates it).' }),
  AUTH_LOGIN_MAX_PER_ACCOUNT: env(int(1).prefault('10'), { doc: 'Sign-in attempts per account (email) per AUTH_LOGIN_WINDOW_MS; more answer 429.' }),
  AUTH_LOGIN_MAX_PER_IP: env(int(1).prefault('30'), { doc: 'Sign-in and registration attempts per client IP per AUTH_LOGIN_WINDOW_MS; more answer 429.' }),
  AUTH_LOGIN_WINDOW_MS: env(int(1000).prefault('900000'), { doc: 'Window of the sign-in limits (default 15 minutes).' }),
});
