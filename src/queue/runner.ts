/**
 * Runs one attempt of one job, the same way for every backend:
 *   claim the ledger row → validate → call the handler with an AbortSignal (timeout, shutdown)
 *   → record completed / retry-at / dead in the ledger → tell the backend what to do next.
 *
 * Backends deliver job ids only; everything else comes from the claimed ledger row, so a job
 * re-delivered after it finished (a Redis blip, a reconcile race) is noticed and skipped, and a
 * job already running in this process is never started twice.
 */
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay, retrying } from '../shared/backoff.js';
import { settlesWithin, withTimeout } from '../shared/timeout.js';
import type { JobRegistry, JobServices } from '../jobs/registry.js';
import type { ClaimedJob, Ledger } from './ledger.js';

export type Outcome =
  | { kind: 'completed' }
  | { kind: 'retry'; runAt: Date }
  | { kind: 'dead' }
  /** Interrupted by shutdown; back to queued in the ledger. */
  | { kind: 'released' }
  /** Nothing to do here: finished already, unknown, or held by another worker. */
  | { kind: 'skipped'; reason: string }
  /** The ledger could not be reached to claim the job: deliver it again after `delayMs`. */
  | { kind: 'deferred'; delayMs: number };

export interface JobEvent {
  id: string;
  type: string;
  attempt: number;
  maxAttempts: number;
  error?: string;
  /** For `failed`: when the next attempt is due. */
  retryAt?: Date;
  /** How long the handler ran in this attempt (absent when no handler ran: invalid payload, unknown type). */
  durationMs?: number;
}

export interface RunnerOptions {
  /** Handed to every handler in its JobContext (database, outbound HTTP client, config). */
  services: JobServices;
  timeoutMs: number;
  backoffMs: number;
  leaseMs: number;
}

const MAX_BACKOFF_MS = 10 * 60_000;
const DEFER_MS = 2000;
const UNKNOWN_TYPE_GRACE_MS = 60 * 60_000;

/** Delay before attempt `attempt + 1`: backoffMs, 2×, 4×, ... capped at 10 minutes. */
export const backoff = (baseMs: number, attempt: number) => backoffDelay(attempt, { initialMs: baseMs, maxMs: MAX_BACKOFF_MS });

class Shutdown extends Error {}

export class Runner extends EventEmitter<{ completed: [JobEvent]; failed: [JobEvent]; dead: [JobEvent] }> {
  /** Jobs whose handler runs in this process, whichever backend delivered them (at most QUEUE_CONCURRENCY). */
  readonly running = new Map<string, AbortController>();
  /**
   * Jobs whose handler finished and whose completion is being written (batched with others). The
   * backend's slot is free already: a slot never waits on the ledger's commit, which on a busy
   * database is most of a short job's time. Until written they count as held here (no second
   * delivery runs them, the heartbeat keeps their lease, the drain waits for them).
   */
  readonly recording = new Set<string>();
  readonly counts = { completed: 0, failed: 0, dead: 0 };
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly registry: JobRegistry,
    private readonly opts: RunnerOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    super();
  }

  /** True while `id` runs here or its completion is being written. */
  holds(id: string): boolean {
    return this.running.has(id) || this.recording.has(id);
  }

  /** Jobs running or being recorded here. */
  get busy(): number {
    return this.running.size + this.recording.size;
  }

  async run(id: string): Promise<Outcome> {
    if (this.holds(id)) return { kind: 'skipped', reason: 'already running here' };
    const controller = new AbortController();
    this.running.set(id, controller); // before the first await: no second delivery can slip in
    try {
      let row: ClaimedJob | null;
      try {
        row = await this.ledger.claim(id, this.opts.leaseMs);
      } catch (err) {
        this.log.warn({ err, jobId: id }, 'queue: cannot claim job (database unavailable?), will retry');
        return { kind: 'deferred', delayMs: DEFER_MS };
      }
      if (!row) return { kind: 'skipped', reason: 'finished, unknown or held by another worker' };
      return await this.#attempt(row, controller);
    } finally {
      this.running.delete(id);
      this.#checkIdle();
    }
  }

  #checkIdle(): void {
    if (this.busy === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  async #attempt(row: ClaimedJob, controller: AbortController): Promise<Outcome> {
    const event = { id: row.id, type: row.type, attempt: row.attempts, maxAttempts: row.maxAttempts };
    const log = this.log.child({ jobId: row.id, jobType: row.type, attempt: row.attempts });
    const definition = this.registry.get(row.type);
    if (!definition) {
      // During a rolling deploy an older worker may meet a type only the new version knows: hand
      // the job back (no attempt spent) for a worker that has it; a type nobody knows for an hour
      // was removed, and the job is dead.
      if (Date.now() - row.createdAt.getTime() > UNKNOWN_TYPE_GRACE_MS) return this.#die(row, event, `Unknown job type "${row.type}"`, log);
      await this.#record(() => this.ledger.release(row.id), log);
      log.warn(`no handler for job type "${row.type}" in this process; left for another worker`);
      return { kind: 'skipped', reason: 'unknown type here' };
    }
    const invalid = this.registry.validate(row.type, row.payload);
    if (invalid.length) return this.#die(row, event, `Invalid payload: ${invalid.map((e) => `${e.field} ${e.message}`).join('; ')}`, log);

    const t0 = performance.now();
    try {
      // The deadline (or shutdown, through `controller`) ends the attempt even if the handler ignores its signal.
      const { timeoutMs } = this.opts;
      const result = await withTimeout(
        timeoutMs,
        (signal) =>
          definition.handler(row.payload as never, {
            ...this.opts.services,
            signal,
            attempt: row.attempts,
            maxAttempts: row.maxAttempts,
            jobId: row.id,
            log,
          }),
        `Timed out after ${timeoutMs} ms`,
        controller.signal,
      );
      const durationMs = performance.now() - t0;
      // Written in the background (see `recording`); not recorded after a few tries (database
      // gone), the row stays active and the job runs again once its lease expires.
      this.recording.add(row.id);
      void this.#record(() => this.ledger.complete(row.id, result), log).then((recorded) => {
        this.recording.delete(row.id);
        if (recorded) {
          this.counts.completed++;
          log.debug({ durationMs: Math.round(durationMs) }, 'job completed');
          this.emit('completed', { ...event, durationMs });
        }
        this.#checkIdle();
      });
      return { kind: 'completed' };
    } catch (err) {
      const reason = err as Error;
      if (reason instanceof Shutdown) {
        await this.#record(() => this.ledger.release(row.id), log);
        log.warn('job interrupted by shutdown; back to queued');
        return { kind: 'released' };
      }
      const message = (reason?.message || String(reason)).slice(0, 2000);
      const durationMs = performance.now() - t0;
      this.counts.failed++;
      if (row.attempts >= row.maxAttempts) return this.#die(row, { ...event, durationMs }, message, log);
      const runAt = new Date(Date.now() + backoff(this.opts.backoffMs, row.attempts));
      await this.#record(() => this.ledger.scheduleRetry(row.id, message, runAt), log);
      log.warn({ error: message, retryAt: runAt }, `job attempt ${row.attempts}/${row.maxAttempts} failed: ${message}`);
      this.emit('failed', { ...event, error: message, retryAt: runAt, durationMs });
      return { kind: 'retry', runAt };
    }
  }

  async #die(row: ClaimedJob, event: JobEvent, error: string, log: FastifyBaseLogger): Promise<Outcome> {
    await this.#record(() => this.ledger.dead(row.id, error), log);
    this.counts.dead++;
    log.error({ error }, `job dead after ${row.attempts} attempt(s): ${error}`);
    this.emit('dead', { ...event, error });
    return { kind: 'dead' };
  }

  /** Ledger writes after the handler ran: a few quick retries through a database blip. */
  async #record(write: () => Promise<unknown>, log: FastifyBaseLogger): Promise<boolean> {
    try {
      await retrying(write, { retries: 3, initialMs: 250, maxMs: 2000 });
      return true;
    } catch (err) {
      log.error({ err }, 'queue: could not record the job state in the ledger');
      return false;
    }
  }

  /** Ids of the jobs running here (for the heartbeat). */
  get ids(): string[] {
    return [...this.running.keys(), ...this.recording];
  }

  /** Resolves when nothing runs here any more, or after `timeoutMs`; true when idle. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.busy === 0) return true;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    return settlesWithin(Math.max(0, timeoutMs), idle);
  }

  /** Abort every running job; each goes back to queued in the ledger. */
  interruptAll(): void {
    for (const c of this.running.values()) c.abort(new Shutdown('shutting down'));
  }
}
