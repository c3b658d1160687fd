/**
 * Knows whether the database is reachable, and while it is not, keeps trying to reconnect in the
 * background with exponential backoff and jitter (DB_RECONNECT_MIN_MS → DB_RECONNECT_MAX_MS).
 *
 * It flips to "down" only on evidence from a ping (a failed query alone may be one bad pooled
 * connection): callers that see a connection error call `suspect()`, which pings at once.
 * While down, the guard fails fast without touching the pool; traffic and health checks may still
 * `nudge()` an early ping (at most one per DB_RECONNECT_MIN_MS), so recovery is noticed within about
 * a second under load instead of waiting out a 30 s backoff step.
 */
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import { describeDbError } from './errors.js';

export interface MonitorLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface MonitorOptions {
  /** Resolve when the database answers (and is usable, e.g. migrated); reject otherwise. */
  ping: () => Promise<void>;
  minDelayMs: number;
  maxDelayMs: number;
  log: MonitorLog;
  /** Called after a down → up transition (the guard resets its breaker here). */
  onRecovered?: (downForMs: number) => void;
  /** Called on an up → down transition. */
  onDown?: (reason: string) => void;
  /** A successful query within this window makes a health check skip its own ping. */
  freshMs?: number;
}

export class DbMonitor {
  #available = true;
  #lastError: string | null = null;
  #downSince: number | null = null;
  #lastOkAt = 0;
  #lastProbeAt = 0;
  #attempts = 0;
  #nextAttemptAt = 0;
  #backoff: IBackoff<unknown> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<boolean> | null = null;
  #stopped = false;
  readonly #o: MonitorOptions;
  readonly #factory: ExponentialBackoff<unknown>;

  constructor(options: MonitorOptions) {
    this.#o = options;
    this.#factory = new ExponentialBackoff({
      initialDelay: options.minDelayMs,
      maxDelay: options.maxDelayMs,
      generator: halfJitterGenerator,
    });
  }

  get available(): boolean {
    return this.#available;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** Seconds a client should wait before retrying (Retry-After): until our next reconnect attempt. */
  retryAfterSeconds(): number {
    if (this.#available) return 1;
    const ms = Math.max(this.#nextAttemptAt - Date.now(), 1000);
    return Math.ceil(Math.min(ms, this.#o.maxDelayMs) / 1000);
  }

  snapshot() {
    return {
      available: this.#available,
      lastError: this.#lastError,
      downSince: this.#downSince === null ? null : new Date(this.#downSince).toISOString(),
      reconnectAttempts: this.#attempts,
      nextReconnectInMs: this.#available || !this.#nextAttemptAt ? null : Math.max(0, this.#nextAttemptAt - Date.now()),
    };
  }

  /** A query just succeeded. */
  noteSuccess(): void {
    this.#lastOkAt = Date.now();
  }

  /** Ping now unless a ping is already running (then share it). Resolves true when reachable. */
  probe(): Promise<boolean> {
    if (this.#inflight) return this.#inflight;
    this.#lastProbeAt = Date.now();
    const run = this.#o
      .ping()
      .then(
        () => {
          this.#markUp();
          return true;
        },
        (err: unknown) => {
          this.#markDown(err);
          return false;
        },
      )
      .finally(() => {
        this.#inflight = null;
      });
    this.#inflight = run;
    return run;
  }

  /** Something failed in a way that may mean the database is gone: check now, in the background. */
  suspect(): void {
    if (!this.#stopped) void this.probe();
  }

  /** While down: allow an early ping, at most one per minDelayMs (traffic-driven recovery). */
  nudge(): void {
    if (!this.#available && !this.#stopped && Date.now() - this.#lastProbeAt >= this.#o.minDelayMs) void this.probe();
  }

  /** For the health check: resolve when reachable (recent success counts), reject with the reason. */
  async check(): Promise<void> {
    if (this.#available && Date.now() - this.#lastOkAt < (this.#o.freshMs ?? 1000)) return;
    if (!(await this.probe())) throw new Error(`database unreachable: ${this.#lastError ?? 'unknown error'}`);
  }

  /** Record that the database is down and start reconnecting (used at boot when the first ping fails). */
  markDown(err: unknown): void {
    this.#markDown(err);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #markUp(): void {
    this.#lastOkAt = Date.now();
    this.#lastError = null;
    if (this.#available) return;
    const downFor = Date.now() - (this.#downSince ?? Date.now());
    this.#available = true;
    this.#downSince = null;
    this.#attempts = 0;
    this.#backoff = null;
    this.#nextAttemptAt = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#o.log.info({ downForMs: downFor }, `database reachable again after ${downFor} ms`);
    this.#o.onRecovered?.(downFor);
  }

  #markDown(err: unknown): void {
    this.#lastError = describeDbError(err);
    if (this.#available) {
      this.#available = false;
      this.#downSince = Date.now();
      this.#o.log.error({ err, reason: this.#lastError }, `database unreachable (${this.#lastError}); reconnecting in the background`);
      this.#o.onDown?.(this.#lastError);
    }
    this.#schedule();
  }

  /** Next background attempt, unless one is already scheduled. */
  #schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#backoff = this.#backoff ? this.#backoff.next(undefined) : this.#factory.next();
    const delay = this.#backoff.duration;
    this.#nextAttemptAt = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#attempts += 1;
      void this.probe().then((ok) => {
        if (!ok)
          this.#o.log.warn({ attempt: this.#attempts, reason: this.#lastError }, `database reconnect attempt ${this.#attempts} failed`);
      });
    }, delay);
    // Never keep the process alive just to reconnect.
    this.#timer.unref();
  }
}
