/**
 * Deadlines, from cockatiel's timeout policy: the one way to bound anything that could hang (a
 * health check, a PING, a close step, an alert delivery). Timers never keep the process alive.
 */
import { TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Run `fn` with a signal that fires after `ms` (or when `parent` aborts); at that point reject with
 * TimeoutError(message) (or the parent's reason), even when `fn` ignores its signal.
 */
export async function withTimeout<T>(
  ms: number,
  fn: (signal: AbortSignal) => Promise<T> | T,
  message = `timed out after ${ms} ms`,
  parent?: AbortSignal,
): Promise<T> {
  try {
    return await timeout(ms, TimeoutStrategy.Aggressive)
      .dangerouslyUnref()
      .execute(({ signal }) => fn(signal), parent);
  } catch (err) {
    if (err instanceof TaskCancelledError) throw parent?.aborted ? parent.reason : new TimeoutError(message);
    throw err;
  }
}

/** Wait for `promise` at most `ms`: true when it settled (either way) in time, false when the wait ran out. Never rejects. */
export function settlesWithin(ms: number, promise: Promise<unknown>): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return withTimeout(ms, () => settled).catch(() => false);
}
