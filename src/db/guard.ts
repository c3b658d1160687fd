/**
 * DbGuard: how every database call made for a request runs (exposed as `app.dbGuard`).
 *
 *   monitor says down ──► 503 at once (fn never runs)
 *   circuit breaker (cockatiel, DB_BREAKER_THRESHOLD consecutive infrastructure failures → open for
 *   DB_BREAKER_RESET_MS, then one trial call half-open)
 *     └─ retry (transient errors only, DB_RETRY_ATTEMPTS, exponential backoff with jitter from
 *        DB_RETRY_BASE_MS, capped at 1 s; stops early once the monitor knows the database is down)
 *          └─ fn(db)
 *
 * Only infrastructure failures (no connection, timeouts) count against the breaker; an answer from
 * the database, even an error such as a unique violation, counts as a success. Errors leave as:
 * database unavailable → ServiceUnavailableError (503 + Retry-After); P2002 → 409; P2025 → 404;
 * anything else unchanged (the error handler makes it a 500 without internals).
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IsolatedCircuitError,
  circuitBreaker,
  halfJitterGenerator,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import { breakerStateName, type BreakerState } from '../shared/circuit-state.js';
import { isConnectionError, isInfrastructureFailure, isTransient, toHttpError, unavailable } from './errors.js';
import type { DbMonitor, MonitorLog } from './monitor.js';

export type { BreakerState };

export interface GuardOptions {
  threshold: number;
  resetMs: number;
  retryAttempts: number;
  retryBaseMs: number;
  monitor: DbMonitor;
  log: MonitorLog;
}

export interface GuardCallOptions {
  /** Retry transient errors (default true). Pass false when `fn` must not run twice. */
  retry?: boolean;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class DbGuard {
  readonly #o: GuardOptions;
  readonly #retry: RetryPolicy;
  #breaker!: CircuitBreakerPolicy;
  #openedAt = 0;
  #opens = 0;

  constructor(options: GuardOptions) {
    this.#o = options;
    this.#retry = retry(
      handleWhen((err) => isTransient(err) && options.monitor.available),
      {
        maxAttempts: options.retryAttempts,
        backoff: new ExponentialBackoff({ initialDelay: options.retryBaseMs, maxDelay: 1000, generator: halfJitterGenerator }),
      },
    );
    // A connection error on a retried call may mean the database is gone: let the monitor check.
    this.#retry.onRetry((r) => {
      if ('error' in r && isConnectionError(r.error)) options.monitor.suspect();
    });
    this.resetBreaker();
  }

  get breakerState(): BreakerState {
    return breakerStateName(this.#breaker.state);
  }

  stats() {
    return {
      state: this.breakerState,
      threshold: this.#o.threshold,
      resetMs: this.#o.resetMs,
      opens: this.#opens,
      openedAt: this.#breaker.state === CircuitState.Open ? new Date(this.#openedAt).toISOString() : null,
    };
  }

  /** A fresh, closed breaker: used at start and when the monitor sees the database come back. */
  resetBreaker(): void {
    const wasOpen = this.#breaker && this.#breaker.state !== CircuitState.Closed;
    const b = circuitBreaker(handleWhen(isInfrastructureFailure), {
      halfOpenAfter: this.#o.resetMs,
      breaker: new ConsecutiveBreaker(this.#o.threshold),
    });
    b.onBreak(() => {
      this.#openedAt = Date.now();
      this.#opens += 1;
      this.#o.log.error(
        { threshold: this.#o.threshold, resetMs: this.#o.resetMs },
        `database circuit breaker opened after ${this.#o.threshold} consecutive failures`,
      );
      this.#o.monitor.suspect();
    });
    b.onHalfOpen(() => this.#o.log.info({}, 'database circuit breaker half-open: trying one call'));
    b.onReset(() => this.#o.log.info({}, 'database circuit breaker closed'));
    this.#breaker = b;
    if (wasOpen) this.#o.log.info({}, 'database circuit breaker closed (database reachable again)');
  }

  async run<T>(fn: () => Promise<T>, options: GuardCallOptions = {}): Promise<T> {
    const { monitor } = this.#o;
    if (!monitor.available) {
      monitor.nudge();
      throw unavailable(monitor.retryAfterSeconds());
    }
    let outcome: Outcome<T>;
    try {
      outcome = await this.#breaker.execute(async (): Promise<Outcome<T>> => {
        try {
          const value = options.retry === false ? await fn() : await this.#retry.execute(() => fn());
          return { ok: true, value };
        } catch (error) {
          if (isInfrastructureFailure(error)) throw error; // counted by the breaker
          return { ok: false, error }; // the database answered: not a breaker failure
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        throw unavailable(Math.max(this.#openedAt + this.#o.resetMs - Date.now(), 1000) / 1000, err);
      }
      if (isConnectionError(err)) monitor.suspect();
      throw unavailable(monitor.available ? 1 : monitor.retryAfterSeconds(), err);
    }
    if (outcome.ok) {
      monitor.noteSuccess();
      return outcome.value;
    }
    throw toHttpError(outcome.error);
  }
}
