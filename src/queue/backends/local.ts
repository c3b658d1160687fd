/**
 * In-process backend (p-queue): used when Redis is not configured or not reachable. Delayed jobs
 * and retries wait on timers; the ledger still holds every job, so a crash loses nothing (the
 * reconciler re-enqueues on the next boot).
 */
import PQueue from 'p-queue';
import type { FastifyBaseLogger } from 'fastify';
import { MAX_TIMER_MS, type Backend, type QueueEntry, type RunFn } from '../backend.js';

export interface LocalOptions {
  concurrency: number;
  /** False for a producer-only process: jobs stay in the ledger for a worker process to take. */
  workers: boolean;
  isRunning: (id: string) => boolean;
  /** Where a retry goes once this backend was stopped by a switch (the queue's current backend). */
  forward: (entry: QueueEntry) => void;
}

export class LocalBackend implements Backend {
  readonly name = 'local' as const;
  readonly #pq: PQueue;
  readonly #queued = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(
    private readonly run: RunFn,
    private readonly opts: LocalOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#pq = new PQueue({ concurrency: opts.concurrency });
  }

  async start(): Promise<void> {}

  async add(entries: QueueEntry[]): Promise<void> {
    for (const e of entries) this.#enqueue(e);
  }

  holds(id: string): boolean {
    return this.#queued.has(id) || this.#timers.has(id);
  }

  #enqueue(e: QueueEntry, afterAttempt = false): void {
    if (this.#stopped && afterAttempt) return this.opts.forward(e);
    if (!this.opts.workers || this.#stopped || this.holds(e.id) || this.opts.isRunning(e.id)) return;
    const delay = e.runAt.getTime() - Date.now();
    if (delay > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(e.id);
        this.#enqueue({ ...e, runAt: new Date(0) });
      }, Math.min(delay, MAX_TIMER_MS));
      this.#timers.set(e.id, timer);
      return;
    }
    this.#queued.add(e.id);
    this.#pq.add(() => this.#exec(e), { priority: e.priority }).catch((err: unknown) => this.log.error({ err, jobId: e.id }, 'local queue: job crashed'));
  }

  async #exec(e: QueueEntry): Promise<void> {
    this.#queued.delete(e.id);
    const outcome = await this.run(e.id);
    if (outcome.kind === 'retry') this.#enqueue({ ...e, runAt: outcome.runAt }, true);
    else if (outcome.kind === 'deferred') this.#enqueue({ ...e, runAt: new Date(Date.now() + outcome.delayMs) }, true);
  }

  async stopIntake(): Promise<void> {
    this.#stopped = true;
    this.#pq.clear();
    this.#queued.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  async close(): Promise<void> {
    await this.stopIntake();
  }

  async counts() {
    return { waiting: this.#pq.size, delayed: this.#timers.size };
  }
}
