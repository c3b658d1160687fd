/**
 * Alerts: rate-limited per type, delivered to every sink at once. Each delivery has its own
 * deadline and its failure is only logged: a hanging or failing sink never delays or breaks the
 * others, nor the code that raised the alert (raise() never rejects and callers do not await it).
 *
 * Rate limit: at most `max` alerts of one type per `windowMs` (sliding window). The rest are
 * counted and the next alert of that type delivered says how many were suppressed; the first
 * suppression in a window is logged so the silence is visible.
 */
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Alert, AlertInput, Sink } from './types.js';
import { settlesWithin, withTimeout } from '../shared/timeout.js';

export interface AlertsOptions {
  sinks: Sink[];
  /** Deadline for one delivery to one sink. */
  timeoutMs: number;
  rateLimit: { max: number; windowMs: number };
  service: string;
  environment: string;
  instance: string;
  log: FastifyBaseLogger;
  now?: () => number;
}

export interface Delivery {
  sink: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

interface SinkStats {
  sent: number;
  failed: number;
  lastError?: string;
  lastErrorAt?: string;
}

export class Alerts extends EventEmitter<{ delivered: [Alert, Delivery[]]; suppressed: [AlertInput] }> {
  readonly #opts: AlertsOptions;
  readonly #now: () => number;
  /** type → timestamps of the alerts delivered within the window. */
  readonly #recent = new Map<string, number[]>();
  /** type → alerts dropped since the last one delivered. */
  readonly #suppressed = new Map<string, number>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #sinkStats: Record<string, SinkStats> = {};
  #raised = 0;
  #suppressedTotal = 0;

  constructor(opts: AlertsOptions) {
    super();
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    for (const s of opts.sinks) this.#sinkStats[s.name] = { sent: 0, failed: 0 };
  }

  get sinks(): string[] {
    return this.#opts.sinks.map((s) => s.name);
  }

  /**
   * Deliver `input` to every sink unless its type is over the rate limit. Resolves with each sink's
   * outcome (null when suppressed); never rejects.
   */
  raise(input: AlertInput): Promise<Delivery[] | null> {
    const now = this.#now();
    if (!this.#admit(input, now)) return Promise.resolve(null);
    const suppressed = this.#suppressed.get(input.type) ?? 0;
    this.#suppressed.delete(input.type);
    const { service, environment, instance } = this.#opts;
    const alert: Alert = {
      ...input,
      at: new Date(now).toISOString(),
      service,
      environment,
      instance,
      ...(suppressed ? { suppressed } : {}),
    };
    this.#raised++;
    const delivery = Promise.all(this.#opts.sinks.map((sink) => this.#deliver(sink, alert))).then((results) => {
      this.emit('delivered', alert, results);
      return results;
    });
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
    return delivery;
  }

  /** Wait for deliveries in flight, at most `timeoutMs` (the drain calls this). */
  async flush(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    await settlesWithin(timeoutMs, Promise.allSettled([...this.#pending]));
  }

  stats(): Record<string, unknown> {
    return {
      raised: this.#raised,
      suppressed: this.#suppressedTotal,
      pending: this.#pending.size,
      sinks: this.#sinkStats,
    };
  }

  #admit(input: AlertInput, now: number): boolean {
    const { max, windowMs } = this.#opts.rateLimit;
    const recent = (this.#recent.get(input.type) ?? []).filter((t) => t > now - windowMs);
    if (recent.length < max) {
      recent.push(now);
      this.#recent.set(input.type, recent);
      return true;
    }
    this.#recent.set(input.type, recent);
    const count = (this.#suppressed.get(input.type) ?? 0) + 1;
    this.#suppressed.set(input.type, count);
    this.#suppressedTotal++;
    if (count === 1) {
      this.#opts.log.warn(
        { alertType: input.type, max, windowMs },
        `alerts of type "${input.type}" rate-limited (at most ${max} per ${Math.round(windowMs / 1000)} s); further ones are counted, not sent`,
      );
    }
    this.emit('suppressed', input);
    return false;
  }

  async #deliver(sink: Sink, alert: Alert): Promise<Delivery> {
    const t0 = performance.now();
    const { timeoutMs } = this.#opts;
    const stats = this.#sinkStats[sink.name]!;
    try {
      await withTimeout(timeoutMs, (signal) => sink.send(alert, signal));
      stats.sent++;
      return { sink: sink.name, ok: true, durationMs: Math.round(performance.now() - t0) };
    } catch (err) {
      const error = (err as Error).message || String(err);
      stats.failed++;
      stats.lastError = error;
      stats.lastErrorAt = new Date().toISOString();
      this.#opts.log.warn({ sink: sink.name, alertType: alert.type, error }, `alert sink ${sink.name} failed: ${error}`);
      return { sink: sink.name, ok: false, durationMs: Math.round(performance.now() - t0), error };
    }
  }
}
