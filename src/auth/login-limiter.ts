/**
 * Sign-in attempt limits, per account (email) and per client IP, counted in Redis when it is up
 * (shared by replicas) and in memory otherwise, with the same counters as the request rate limits
 * (http/rate-limit-store.ts). Always on, whatever RATE_LIMIT_ENABLED says: it is what makes
 * guessing passwords slow.
 */
import { createHash } from 'node:crypto';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { RedisHub } from '../redis/redis-hub.js';
import { switchingStore } from '../http/rate-limit-store.js';

export interface LoginLimits {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

/** Seconds until the caller may try again, or 0 when this attempt is allowed. */
export type LimitCheck = (email: string | null, ip: string) => Promise<number>;

export function loginLimiter(hub: RedisHub, prefix: string, limits: LoginLimits): LimitCheck {
  const Store = switchingStore(hub, prefix, { onSwitch: () => {} });
  const store: FastifyRateLimitStore = new Store();
  const incr = (key: string) =>
    new Promise<{ current: number; ttl: number }>((resolve, reject) =>
      store.incr(key, (err, result) => (err || !result ? reject(err ?? new Error('no result')) : resolve(result)), limits.windowMs, Number.MAX_SAFE_INTEGER),
    );
  return async (email, ip) => {
    const checks = [incr(`ip:${ip}`).then((r) => ({ ...r, max: limits.perIp }))];
    // The email is hashed: counters in Redis are no place for addresses.
    if (email) checks.push(incr(`account:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`).then((r) => ({ ...r, max: limits.perAccount })));
    const over = (await Promise.all(checks)).filter((r) => r.current > r.max);
    return over.length ? Math.max(1, Math.ceil(Math.max(...over.map((r) => r.ttl)) / 1000)) : 0;
  };
}
