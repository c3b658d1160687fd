/**
 * Retry decisions for outbound calls, kept pure so they are easy to test and to read:
 *  - only idempotent requests are retried (repeating a POST could charge a card twice), unless the
 *    caller says otherwise or sends an Idempotency-Key;
 *  - only transient failures: network errors, timeouts, 502/503/504, and 429;
 *  - delay: exponential backoff with jitter, or the server's Retry-After when it sends one and it
 *    is within the cap (a longer one is respected by not retrying at all).
 */

/** RFC 9110 idempotent methods. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Statuses worth another attempt: the upstream (or a proxy before it) says "not now". */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Delay before retry number `retry` (1-based): the exponential step base·2^(retry-1), capped at
 * `maxMs`, of which a random half is jitter ("equal jitter": spread out, never zero), so clients
 * that failed together do not retry in lockstep.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

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
