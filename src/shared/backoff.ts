/**
 * Exponential backoff and retries, from cockatiel: the one schedule behind every retry and
 * reconnect (database calls, Redis reconnects, outbound calls, job retries, the migration CLI).
 */
import { ExponentialBackoff, handleWhen, halfJitterGenerator, noJitterGenerator, retry } from 'cockatiel';

export interface BackoffOptions {
  /** The first delay; each next one doubles. */
  initialMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Spread clients that failed together: a random half of each delay is jitter. Default false. */
  jitter?: boolean;
}

/** The delay before retry `n` (1-based): initialMs · 2^(n-1), capped at maxMs. */
export function backoffDelay(n: number, o: BackoffOptions): number {
  // Once the cap is reached every further step is the cap: no need to walk the whole schedule.
  const capSteps = Math.ceil(Math.log2(Math.max(1, o.maxMs / Math.max(1, o.initialMs)))) + 1;
  const steps = Math.min(Math.max(0, n - 1), capSteps);
  let b = new ExponentialBackoff({ initialDelay: o.initialMs, maxDelay: o.maxMs, generator: o.jitter ? halfJitterGenerator : noJitterGenerator }).next();
  for (let i = 0; i < steps; i++) b = b.next(undefined);
  return b.duration;
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first try. */
  retries: number;
  /** Which errors are worth another try (default: all). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, delayMs: number) => void;
}

/** Run `fn`, trying again after a backoff delay when it fails with a retryable error. */
export function retrying<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const policy = retry(
    handleWhen((err) => o.retryable?.(err) ?? true),
    {
      maxAttempts: o.retries,
      backoff: new ExponentialBackoff({ initialDelay: o.initialMs, maxDelay: o.maxMs, generator: o.jitter ? halfJitterGenerator : noJitterGenerator }),
    },
  );
  if (o.onRetry) policy.onRetry((r) => 'error' in r && o.onRetry!(r.error, r.delay));
  return policy.execute(() => fn());
}
