/**
 * BullMQ backend: jobs live in Redis and any process running workers may take them.
 *
 * - BullMQ job id = ledger id, so adding a job twice (reconciler, retries after a blip) is a no-op.
 * - BullMQ never retries on its own (attempts: 1): the Runner decides, and a retry is
 *   `moveToDelayed(runAt)` + DelayedError, so the backoff follows the ledger's attempt count even
 *   when the Redis copy of a job is new (e.g. re-added after Redis lost its data).
 * - Connections: the Queue (producer, used in HTTP paths) fails fast when Redis is down
 *   (enableOfflineQueue: false); the Worker's connection retries forever (maxRetriesPerRequest:
 *   null), as BullMQ requires. maxStalledCount 2: a job interrupted twice (worker killed) is still
 *   retried; past that the ledger's lease recovers it anyway.
 */
import { createRequire } from 'node:module';
import type { Job, Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisHub } from '../../redis/redis-hub.js';
import { MAX_PRIORITY, type Backend, type QueueEntry, type RunFn } from '../backend.js';
import { settlesWithin, withTimeout } from '../../shared/timeout.js';

// BullMQ's CommonJS build (the package's `require` export): ~0.1 s less CPU on every boot with
// Redis than its ESM build, same API (docs/ARCHITECTURE.md, memory and boot).
const { DelayedError, Queue, Worker } = createRequire(import.meta.url)('bullmq') as typeof import('bullmq');

export interface BullOptions {
  queueName: string;
  prefix: string;
  concurrency: number;
  workers: boolean;
  /** A retry that could not be scheduled in Redis (it just went away) goes here instead. */
  onRetryLost: (entry: QueueEntry) => void;
}

/** Longest we wait on Redis to connect, pause or close: it may be unreachable. */
const REDIS_WAIT_MS = 3000;

/** Our priority (0..MAX, higher first) → BullMQ's (1 highest). Never 0: BullMQ would treat it as "no priority". */
const bullPriority = (p: number) => MAX_PRIORITY + 1 - Math.max(0, Math.min(MAX_PRIORITY, p));

export class BullBackend implements Backend {
  readonly name = 'bullmq' as const;
  #queue: BullQueue | undefined;
  #worker: BullWorker | undefined;
  #connections: Redis[] = [];
  /** Aborted when closing: from then on no connection of ours (or BullMQ's copies) reconnects. */
  readonly #closing = new AbortController();
  #lastError = 0;

  constructor(
    private readonly hub: RedisHub,
    private readonly run: RunFn,
    private readonly opts: BullOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    const producer = this.#connect('producer', 'queue');
    this.#queue = new Queue(this.opts.queueName, { connection: producer, prefix: this.opts.prefix });
    this.#queue.on('error', (err) => this.#onError('queue', err));
    const ready: Promise<unknown>[] = [this.#queue.waitUntilReady()];
    if (this.opts.workers) {
      this.#worker = new Worker(this.opts.queueName, (job, token) => this.#process(job, token), {
        connection: this.#connect('worker', 'worker'),
        prefix: this.opts.prefix,
        concurrency: this.opts.concurrency,
        maxStalledCount: 2,
      });
      this.#worker.on('error', (err) => this.#onError('worker', err));
      ready.push(this.#worker.waitUntilReady());
    }
    try {
      await withTimeout(REDIS_WAIT_MS, () => Promise.all(ready), `BullMQ not ready after ${REDIS_WAIT_MS} ms`);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  #connect(role: 'producer' | 'worker', name: string): Redis {
    const c = this.hub.connection(role, name, this.#closing.signal);
    if (!c) throw new Error('REDIS_URL is not set');
    c.on('error', () => {}); // the hub reports connection state; BullMQ reports its own errors
    this.#connections.push(c);
    return c;
  }

  /** BullMQ logs the same connection error many times a second while Redis is down: once per 10 s is enough. */
  #onError(source: string, err: Error) {
    if (Date.now() - this.#lastError < 10_000) return;
    this.#lastError = Date.now();
    this.log.warn({ err, source }, `bullmq ${source} error: ${err.message}`);
  }

  async #process(job: Job, token: string | undefined): Promise<void> {
    const outcome = await this.run(job.id!);
    // Retries wait in Redis; so does a job interrupted by shutdown (released), for any other worker.
    const retryAt =
      outcome.kind === 'retry'
        ? outcome.runAt.getTime()
        : outcome.kind === 'deferred'
          ? Date.now() + outcome.delayMs
          : outcome.kind === 'released'
            ? Date.now()
            : null;
    if (retryAt !== null) {
      try {
        await job.moveToDelayed(retryAt, token);
      } catch {
        this.opts.onRetryLost({ id: job.id!, type: job.name, priority: MAX_PRIORITY + 1 - (job.priority || MAX_PRIORITY + 1), runAt: new Date(retryAt) });
        return;
      }
      throw new DelayedError();
    }
    // completed, dead, skipped: the ledger has the truth; the Redis copy is removed.
  }

  async add(entries: QueueEntry[]): Promise<void> {
    if (!entries.length) return;
    const now = Date.now();
    const job = (e: QueueEntry) => ({
      name: e.type,
      data: {},
      opts: {
        jobId: e.id,
        priority: bullPriority(e.priority),
        delay: Math.max(0, e.runAt.getTime() - now),
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: true,
      },
    });
    // One job: Queue.add (one script call); addBulk builds a MULTI pipeline even for one.
    if (entries.length === 1) {
      const { name, data, opts } = job(entries[0]!);
      await this.#queue!.add(name, data, opts);
      return;
    }
    await this.#queue!.addBulk(entries.map(job));
  }

  holds(): boolean {
    return false;
  }

  async stopIntake(): Promise<void> {
    // Stop fetching; jobs already running finish (their processors are awaited by the Runner's drain).
    const worker = this.#worker;
    if (worker) await withTimeout(REDIS_WAIT_MS, () => worker.pause(true), 'pause').catch(() => {});
  }

  async close(): Promise<void> {
    // Redis may be gone (or go while we close): no more reconnecting, never wait on it for long,
    // and cut the sockets at the end regardless.
    this.#closing.abort();
    // BullMQ 5.81 turns a connection still starting when close() runs into an unhandled rejection
    // (taskforcesh/bullmq#3546): first let each finish starting, or fail now that none reconnects.
    const worker = this.#worker;
    const queue = this.#queue;
    await settlesWithin(REDIS_WAIT_MS, Promise.allSettled([queue?.waitUntilReady(), worker?.client, worker?.waitUntilReady()]));
    const steps: [string, () => Promise<unknown>][] = [
      // Forced: the Runner's drain has already waited for running jobs, and a job whose Redis copy
      // is left active is recovered as stalled and skipped (the ledger says it is done). A graceful
      // close waits on Redis, and when Redis goes away mid-close it never ends, nor does BullMQ's
      // lock-renewal timer, which then keeps the process alive.
      ['worker', async () => worker?.close(true)],
      ['queue', async () => queue?.close()],
    ];
    for (const [what, step] of steps) {
      await withTimeout(REDIS_WAIT_MS, step, `${what} close timed out`).catch((err: Error) => this.log.warn({ err }, `bullmq: ${err.message}`));
    }
    for (const c of this.#connections) c.disconnect();
    this.#connections = [];
  }

  async counts() {
    const c = await this.#queue!.getJobCounts('wait', 'prioritized', 'paused', 'delayed');
    return { waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0), delayed: c.delayed ?? 0 };
  }
}
