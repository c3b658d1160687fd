/**
 * Metrics of the components (queue and jobs, database, outbound calls, cache, memory), registered
 * after them on `app.metrics.registry`. Each reads a component's public surface only: the queue's
 * events and stats(), the database handle's pool stats and breaker state, the outbound client's
 * counts, the cache's counts; levels are computed at scrape time (collect), never cached.
 *
 *   railfast_jobs_completed_total{type}            jobs whose handler succeeded
 *   railfast_jobs_failed_total{type}               failed attempts (retried or not)
 *   railfast_jobs_retried_total{type}              failed attempts with another attempt scheduled
 *   railfast_jobs_dead_total{type}                 jobs given up (attempts exhausted, invalid payload, unknown type)
 *   railfast_job_duration_seconds{type,outcome}    handler run time per attempt (outcome completed | failed)
 *   railfast_queue_jobs{state}                     ledger jobs waiting | delayed | retrying | active (all processes)
 *   railfast_queue_running_jobs                    handlers running in this process
 *   railfast_queue_backend{backend}                1 for the backend in use (bullmq | local)
 *   railfast_db_up, railfast_db_breaker_state, railfast_db_pool_connections{state}, railfast_db_pool_waiting_requests,
 *   railfast_db_pool_max_connections               (the limit: dashboards show use against it)
 *   railfast_outbound_*                            outbound-metrics.ts
 *   railfast_cache_requests_total{result}          hit | miss
 *   railfast_memory_limit_bytes                    MAX_RSS_MB (alerts compare process_resident_memory_bytes with it)
 */
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Db } from '../db/client.js';
import { withTimeout } from '../shared/timeout.js';
import { outboundMetrics } from './outbound-metrics.js';
import { countFrom } from './prom-helpers.js';

/** 0 closed, 1 half-open, 2 open (same codes as circuit_breaker_state). */
const BREAKER_CODE: Record<string, number> = { closed: 0, 'half-open': 1, halfOpen: 1, open: 2, isolated: 2 };
const JOB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const DEPTH_TIMEOUT_MS = 2000;

export default fp(
  async (app) => {
    if (!app.config.METRICS_ENABLED) return;
    const registers = [app.metrics.registry];
    const queue = app.queue;

    // Jobs: counters by type, from the queue's events (emitted in the process that ran the attempt).
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['type'], registers });
    const completed = counter('railfast_jobs_completed_total', 'Jobs whose handler succeeded, by job type');
    const failed = counter('railfast_jobs_failed_total', 'Failed job attempts (a retry is scheduled or the job is dead), by job type');
    const retried = counter('railfast_jobs_retried_total', 'Failed job attempts with another attempt scheduled, by job type');
    const dead = counter('railfast_jobs_dead_total', 'Jobs given up: attempts exhausted, invalid payload or unknown type, by job type');
    const duration = new Histogram({
      name: 'railfast_job_duration_seconds',
      help: 'Job handler run time per attempt, by job type and outcome (completed | failed)',
      labelNames: ['type', 'outcome'],
      buckets: JOB_BUCKETS,
      registers,
    });
    for (const c of [completed, failed, retried, dead]) for (const type of queue.registry.types) c.inc({ type }, 0);
    queue.on('completed', (e) => {
      completed.inc({ type: e.type });
      if (e.durationMs !== undefined) duration.observe({ type: e.type, outcome: 'completed' }, e.durationMs / 1000);
    });
    queue.on('failed', (e) => {
      failed.inc({ type: e.type });
      retried.inc({ type: e.type });
      if (e.durationMs !== undefined) duration.observe({ type: e.type, outcome: 'failed' }, e.durationMs / 1000);
    });
    queue.on('dead', (e) => {
      dead.inc({ type: e.type });
      // Dead after its handler failed (not an invalid payload or an unknown type): that attempt failed too.
      if (e.durationMs !== undefined) {
        failed.inc({ type: e.type });
        duration.observe({ type: e.type, outcome: 'failed' }, e.durationMs / 1000);
      }
    });

    // Queue depth from the ledger, at scrape time: every process sees the same numbers.
    new Gauge({
      name: 'railfast_queue_jobs',
      help: 'Jobs in the ledger by state: waiting (due now), delayed (not due yet), retrying (awaiting another attempt), active (running)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const counts = await withTimeout(DEPTH_TIMEOUT_MS, () => app.dbGuard((db) => countByState(db, new Date()), { retry: false }), 'queue depth timed out')
          .catch((err: Error) => {
            app.log.debug({ err }, `metrics: queue depth unavailable: ${err.message}`);
            return null;
          });
        // Database unreachable: no samples (absent, not 0, so an empty queue is never faked).
        if (counts) for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'railfast_queue_running_jobs',
      help: 'Job handlers running in this process',
      registers,
      collect() {
        this.set(queue.runner.running.size);
      },
    });
    new Gauge({
      name: 'railfast_queue_backend',
      help: 'The queue backend in use: 1 for bullmq (Redis) or local (in-process)',
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        this.set({ backend: queue.backend }, 1);
      },
    });

    // Database.
    const dbStats = () => app.health.stats().database as { pool?: { total: number; idle: number; waiting: number; max: number } } | undefined;
    new Gauge({
      name: 'railfast_db_up',
      help: '1 when the database answers its health pings, else 0',
      registers,
      collect() {
        this.set(app.database.available ? 1 : 0);
      },
    });
    new Gauge({
      name: 'railfast_db_breaker_state',
      help: 'Database circuit breaker: 0 closed, 1 half-open, 2 open',
      registers,
      collect() {
        this.set(BREAKER_CODE[String(app.database.breakerState)] ?? 2);
      },
    });
    new Gauge({
      name: 'railfast_db_pool_connections',
      help: 'Database pool connections by state (idle | busy)',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = dbStats()?.pool;
        if (!pool) return;
        this.set({ state: 'idle' }, pool.idle);
        this.set({ state: 'busy' }, Math.max(0, pool.total - pool.idle));
      },
    });
    new Gauge({
      name: 'railfast_db_pool_waiting_requests',
      help: 'Queries waiting for a free pool connection',
      registers,
      collect() {
        this.set(dbStats()?.pool?.waiting ?? 0);
      },
    });
    new Gauge({
      name: 'railfast_db_pool_max_connections',
      help: 'Size limit of the database pool (DATABASE_POOL_MAX; 1 for the embedded database)',
      registers,
      collect() {
        const max = dbStats()?.pool?.max;
        if (max !== undefined) this.set(max);
      },
    });

    outboundMetrics(app.outbound, registers, (close) => app.addHook('onClose', async () => close()));

    countFrom({ name: 'railfast_cache_requests_total', help: 'Cache lookups by result (hit | miss)', labelNames: ['result'], registers }, () => {
      const s = app.cache.stats() as { hits: number; misses: number };
      return [
        [{ result: 'hit' }, s.hits],
        [{ result: 'miss' }, s.misses],
      ];
    });

    if (app.config.MAX_RSS_MB > 0) {
      new Gauge({
        name: 'railfast_memory_limit_bytes',
        help: 'MAX_RSS_MB in bytes: above it (for MAX_RSS_GRACE_MS) the instance restarts itself',
        registers,
      }).set(app.config.MAX_RSS_MB * 1024 * 1024);
    }
  },
  { name: 'component-metrics', dependencies: ['metrics', 'health', 'database', 'outbound', 'cache', 'queue'] },
);

type JobState = 'waiting' | 'delayed' | 'retrying' | 'active';

/** Two indexed counts over (status, run_at): pending and running jobs only, never the finished history. */
async function countByState(db: Db, now: Date): Promise<Record<JobState, number>> {
  const [groups, delayed] = await Promise.all([
    db.job.groupBy({ by: ['status'], where: { status: { in: ['queued', 'failed', 'active'] } }, _count: { _all: true } }),
    db.job.count({ where: { status: 'queued', runAt: { gt: now } } }),
  ]);
  const n = (s: string) => groups.find((g) => g.status === s)?._count._all ?? 0;
  return { waiting: n('queued') - delayed, delayed, retrying: n('failed'), active: n('active') };
}
