/**
 * `app.queue`: the WorkQueue (src/queue/work-queue.ts) with the job types from src/jobs/types.
 *
 *   app.queue.on('dead', (job) => alert(job))   // retries exhausted: hook alerting here
 *   app.queue.on('completed' | 'failed' | 'backend', ...)
 *
 * Workers run here when RUN_WORKERS is true (default) or in the worker process (`npm run worker`).
 * Drain: as soon as the drain starts no new job is started; the shutdown step "workers" waits for
 * the running ones until shortly before SHUTDOWN_TIMEOUT_MS, then "queue" closes the backend,
 * before Redis and the database close (handlers run in reverse registration order).
 */
import fp from 'fastify-plugin';
import { loadJobTypes } from '../jobs/registry.js';
import { Ledger } from './ledger.js';
import { WorkQueue } from './work-queue.js';

declare module 'fastify' {
  interface FastifyInstance {
    queue: WorkQueue;
  }
}

export interface QueuePluginOptions {
  /** 'worker': the worker-only process; always runs handlers. */
  role?: 'api' | 'worker';
}

/** Time kept back from SHUTDOWN_TIMEOUT_MS for the steps after the workers (queue, Redis, database). */
const reserveMs = (timeout: number) => Math.min(2000, Math.floor(timeout / 4));

export default fp<QueuePluginOptions>(
  async (app, opts) => {
    const c = app.config;
    const workers = opts.role === 'worker' || c.RUN_WORKERS;
    const queue = new WorkQueue(
      new Ledger(app.db, app.sql),
      await loadJobTypes({ demoJobs: c.DEMO_JOBS ?? c.NODE_ENV !== 'production' }),
      app.redis,
      (fn) => app.dbGuard(() => fn()),
      {
        services: { db: app.db, http: app.outbound, config: c },
        concurrency: c.QUEUE_CONCURRENCY,
        maxSize: c.QUEUE_MAX_SIZE,
        maxDelayed: c.QUEUE_MAX_DELAYED,
        maxWaitingPerOwner: c.QUEUE_MAX_WAITING_PER_OWNER,
        maxDelayedPerOwner: c.QUEUE_MAX_DELAYED_PER_OWNER,
        maxDelayMs: c.QUEUE_MAX_DELAY_MS,
        maxPayloadBytes: c.QUEUE_MAX_PAYLOAD_BYTES,
        timeoutMs: c.QUEUE_TIMEOUT_MS,
        maxAttempts: c.QUEUE_MAX_ATTEMPTS,
        backoffMs: c.QUEUE_BACKOFF_MS,
        leaseMs: c.QUEUE_LEASE_MS,
        retentionDays: c.JOB_RETENTION_DAYS,
        workers,
        queueName: 'jobs',
        prefix: c.REDIS_KEY_PREFIX,
      },
      app.log.child({ component: 'queue' }),
    );
    app.decorate('queue', queue);

    const describe = () =>
      `${queue.backend === 'bullmq' ? 'bullmq' : 'local (in-process)'}, ${workers ? `${c.QUEUE_CONCURRENCY} workers` : 'no workers here'}`;
    app.health.register({ name: 'queue', critical: false, timeoutMs: 1500, mode: describe, check: () => queue.details() });
    app.health.addStats('queue', () => queue.stats());

    await queue.start();

    let drainStartedAt: number | null = null;
    app.lifecycle.on('drain', () => {
      drainStartedAt = Date.now();
      void queue.stopIntake();
    });
    app.lifecycle.onShutdown('queue', () => queue.close());
    app.lifecycle.onShutdown('workers', () =>
      queue.drain((drainStartedAt ?? Date.now()) + c.SHUTDOWN_TIMEOUT_MS - reserveMs(c.SHUTDOWN_TIMEOUT_MS)),
    );
  },
  { name: 'queue', dependencies: ['config', 'lifecycle', 'health', 'database', 'redis', 'outbound'] },
);
