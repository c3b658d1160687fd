/**
 * Retry decisions for outbound calls, kept pure so they are easy to test and to read:
 *  - only idempotent requests are retried (repeating a POST could charge a card twice), unless the
 *    caller says otherwise or sends an Idempotency-Key;
 *  - only transient failures: network errors, timeouts, 502/503/504, and 429;
 *  - delay: exponential backoff with jitter (shared/backoff.ts), or the server's Retry-After when
 *    it sends one and it is within the cap (a longer one is respected by not retrying at all).
 */
import { backoffDelay as exponential } from '../shared/backoff.js';

/** RFC 9110 idempotent methods. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Statuses worth another attempt: the upstream (or a proxy before it) says "not now". */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Delay before retry number `retry` (1-based): base·2^(retry-1) capped at `maxMs`, half of it jitter. */
export const backoffDelay = (retry: number, baseMs: number, maxMs: number): number => exponential(retry, { initialMs: baseMs, maxMs, jitter: true });

/** Retry-After (delta-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before the next attempt after a retryable response, or null when we should not wait:
 * Retry-After longer than `maxMs`.
 */
export function delayAfterResponse(res: Response, retry: number, baseMs: number, maxMs: number): number | null {
  const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
  if (retryAfter === undefined) return backoffDelay(retry, baseMs, maxMs);
  return retryAfter <= maxMs ? retryAfter : null;
}
