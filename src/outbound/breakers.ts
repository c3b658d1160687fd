/**
 * One circuit breaker per target host (cockatiel): after `threshold` consecutive failures
 * (network error, timeout, 5xx) calls to that host fail fast for `resetMs`; then one trial call is
 * let through (half-open) and its outcome closes or re-opens the breaker. A struggling upstream
 * gets room to recover, and our requests stop queueing behind its timeouts.
 *
 * Events (for logs, alerts and metrics): 'open', 'half-open', 'close', each with the host's
 * BreakerInfo. The number of hosts is capped (the `http` job can name any URL): past the cap the
 * oldest closed breaker is forgotten.
 */
import { EventEmitter } from 'node:events';
import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';

import { breakerStateName, type BreakerState } from '../shared/circuit-state.js';

export type { BreakerState };

export interface BreakerInfo {
  host: string;
  state: BreakerState;
  /** Failures in a row so far (resets on success). */
  consecutiveFailures: number;
  /** Times this breaker has opened since the process started. */
  opens: number;
  /** While open: when a trial call will be allowed (ISO time). */
  halfOpenAt?: string;
  /** The failure that opened it last. */
  lastError?: string;
}

interface Entry {
  host: string;
  policy: CircuitBreakerPolicy;
  counter: ConsecutiveBreaker;
  opens: number;
  openedAt: number | null;
  lastError?: string;
}

export interface BreakerOptions {
  threshold: number;
  resetMs: number;
  /** Most hosts tracked at once. Default 500. */
  maxHosts?: number;
}

/** A 5xx response counts as a failure; everything else that comes back is the upstream working. */
const failedResponse = (r: unknown) => r instanceof Response && r.status >= 500;

function describe(reason: unknown): string {
  if (reason && typeof reason === 'object') {
    if ('error' in reason) return (reason.error as Error)?.message ?? String(reason.error);
    if ('value' in reason && reason.value instanceof Response) return `HTTP ${reason.value.status}`;
  }
  return 'unknown';
}

export class BreakerRegistry extends EventEmitter<{ open: [BreakerInfo]; 'half-open': [BreakerInfo]; close: [BreakerInfo] }> {
  readonly threshold: number;
  readonly resetMs: number;
  readonly #maxHosts: number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: BreakerOptions) {
    super();
    this.threshold = opts.threshold;
    this.resetMs = opts.resetMs;
    this.#maxHosts = opts.maxHosts ?? 500;
  }

  /** The breaker policy for `host` (host or host:port), created on first use. */
  policy(host: string): CircuitBreakerPolicy {
    return this.#entry(host).policy;
  }

  /** Seconds until a trial call is allowed (for Retry-After); 0 when not open. */
  retryAfterSeconds(host: string): number {
    const e = this.#entries.get(host);
    if (!e?.openedAt) return 0;
    return Math.max(1, Math.ceil((e.openedAt + this.resetMs - Date.now()) / 1000));
  }

  info(host: string): BreakerInfo | undefined {
    const e = this.#entries.get(host);
    return e && this.#info(e);
  }

  /** host → BreakerInfo, for /health/details and metrics. */
  snapshot(): Record<string, BreakerInfo> {
    return Object.fromEntries([...this.#entries.values()].map((e) => [e.host, this.#info(e)]));
  }

  #info(e: Entry): BreakerInfo {
    const state = breakerStateName(e.policy.state);
    return {
      host: e.host,
      state,
      consecutiveFailures: e.counter.state,
      opens: e.opens,
      ...(state === 'open' && e.openedAt ? { halfOpenAt: new Date(e.openedAt + this.resetMs).toISOString() } : {}),
      ...(e.lastError ? { lastError: e.lastError } : {}),
    };
  }

  #entry(host: string): Entry {
    const found = this.#entries.get(host);
    if (found) return found;
    if (this.#entries.size >= this.#maxHosts) this.#evictOne();

    const counter = new ConsecutiveBreaker(this.threshold);
    const policy = circuitBreaker(handleAll.orWhenResult(failedResponse), { halfOpenAfter: this.resetMs, breaker: counter });
    const entry: Entry = { host, policy, counter, opens: 0, openedAt: null };
    policy.onBreak((reason) => {
      entry.opens++;
      entry.openedAt = Date.now();
      entry.lastError = describe(reason);
      this.emit('open', this.#info(entry));
    });
    policy.onHalfOpen(() => this.emit('half-open', this.#info(entry)));
    policy.onReset(() => {
      entry.openedAt = null;
      this.emit('close', this.#info(entry));
    });
    this.#entries.set(host, entry);
    return entry;
  }

  #evictOne(): void {
    for (const [host, e] of this.#entries) {
      if (e.policy.state === CircuitState.Closed) {
        this.#entries.delete(host);
        return;
      }
    }
    const oldest = this.#entries.keys().next().value;
    if (oldest !== undefined) this.#entries.delete(oldest);
  }
}
