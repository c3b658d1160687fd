/**
 * MemoryGuard: watches the resident set size against a limit. Pure (no Fastify): the plugin
 * (lifecycle/memory-guard.plugin.ts) turns its events into a log line, an alert hook and a drain.
 *
 * Events, each emitted on a transition only (never once per sample):
 *   high      RSS reached HIGH_RATIO (90%) of the limit  (re-armed once it falls below 85%)
 *   over      RSS went above the limit; the grace period starts
 *   limit     RSS stayed above the limit for the whole grace period (emitted once; the guard stops)
 *   recovered RSS fell back below the limit within the grace period
 */
import { EventEmitter } from 'node:events';

export const HIGH_RATIO = 0.9;
const REARM_RATIO = 0.85;
const MB = 1024 * 1024;

export interface MemoryReading {
  rssMb: number;
  limitMb: number;
  /** rss / limit */
  ratio: number;
  /** How long RSS has been above the limit (0 when it is not). */
  overForMs: number;
}

export interface MemoryGuardOptions {
  limitMb: number;
  graceMs: number;
  /** Sampling interval; default a quarter of the grace period, between 50 ms and 1 s. */
  intervalMs?: number;
  /** Injected in tests. */
  readRss?: () => number;
  now?: () => number;
}

export class MemoryGuard extends EventEmitter<{ high: [MemoryReading]; over: [MemoryReading]; limit: [MemoryReading]; recovered: [MemoryReading] }> {
  readonly limitMb: number;
  readonly graceMs: number;
  readonly intervalMs: number;
  #readRss: () => number;
  #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #overSince: number | null = null;
  #high = false;
  #tripped = false;
  #last: MemoryReading | null = null;

  constructor(opts: MemoryGuardOptions) {
    super();
    this.limitMb = opts.limitMb;
    this.graceMs = opts.graceMs;
    this.intervalMs = opts.intervalMs ?? Math.min(1000, Math.max(50, Math.floor(opts.graceMs / 4)));
    this.#readRss = opts.readRss ?? (() => process.memoryUsage.rss());
    this.#now = opts.now ?? Date.now;
  }

  get tripped(): boolean {
    return this.#tripped;
  }

  start(): void {
    if (this.#timer || this.limitMb <= 0) return;
    this.#timer = setInterval(() => this.check(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sample; called by the timer (and directly by tests). */
  check(): MemoryReading {
    const now = this.#now();
    const rssMb = Math.round((this.#readRss() / MB) * 10) / 10;
    const ratio = rssMb / this.limitMb;
    const over = rssMb > this.limitMb;
    const justOver = over && this.#overSince === null;
    if (justOver) this.#overSince = now;
    const reading: MemoryReading = { rssMb, limitMb: this.limitMb, ratio, overForMs: over ? now - this.#overSince! : 0 };
    this.#last = reading;
    if (this.#tripped) return reading;

    if (!this.#high && ratio >= HIGH_RATIO) {
      this.#high = true;
      this.emit('high', reading);
    } else if (this.#high && ratio < REARM_RATIO) {
      this.#high = false;
    }

    if (over) {
      if (justOver) this.emit('over', reading);
      if (reading.overForMs >= this.graceMs) {
        this.#tripped = true;
        this.stop();
        this.emit('limit', reading);
      }
    } else if (this.#overSince !== null) {
      this.#overSince = null;
      this.emit('recovered', reading);
    }
    return reading;
  }

  stats(): Record<string, unknown> {
    return {
      limitMb: this.limitMb,
      graceMs: this.graceMs,
      rssMb: this.#last?.rssMb ?? null,
      overForMs: this.#last?.overForMs ?? 0,
      tripped: this.#tripped,
    };
  }
}
