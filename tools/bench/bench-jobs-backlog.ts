/**
 * The backlog-drain part of `npm run bench:jobs`: BENCH_BACKLOG (20,000) no-op (echo) jobs are
 * accepted by an app that runs no workers (RUN_WORKERS=false), which then closes; a worker
 * (role 'worker', QUEUE_CONCURRENCY as configured) starts on the backlog, and we time from its
 * ready to the last row completed (the database polled every 20 ms). On BullMQ the jobs wait in
 * Redis; on the local backend they wait in the ledger and the worker's boot reconcile picks them up.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../test/helpers/config.js';

export interface BacklogResult {
  backend: string;
  jobs: number;
  fillPerS: number;
  drainPerS: number;
  drainS: number;
}

export async function backlogDrain(opts: {
  backend: 'bullmq' | 'local';
  databaseUrl: string;
  redisUrl: string;
  jobs: number;
  env?: Record<string, string>;
}): Promise<BacklogResult> {
  const base = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: opts.databaseUrl,
    MIGRATE_ON_BOOT: 'true',
    REDIS_URL: opts.backend === 'bullmq' ? opts.redisUrl : undefined,
    REDIS_KEY_PREFIX: `bench-backlog-${randomBytes(3).toString('hex')}`,
    QUEUE_MAX_SIZE: String(opts.jobs * 2),
    RATE_LIMIT_ENABLED: 'false',
    LOAD_SHEDDING_ENABLED: 'false',
    CORS_ORIGINS: 'https://bench.example',
    DEMO_JOBS: 'true',
    ...opts.env,
  };
  const api = await buildApp(testConfig({ ...base, RUN_WORKERS: 'false' }));
  await api.ready();
  const t0 = performance.now();
  let next = 0;
  const submitter = async () => {
    while (next < opts.jobs) {
      next++;
      await api.queue.submit({ type: 'echo', payload: { n: next } }, { kind: 'operator' });
    }
  };
  await Promise.all(Array.from({ length: 200 }, submitter));
  const fillPerS = opts.jobs / ((performance.now() - t0) / 1000);
  await api.close();

  const db = new pg.Client({ connectionString: opts.databaseUrl });
  await db.connect();
  const done = async () => Number((await db.query(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('completed', 'dead')`)).rows[0].n);
  const worker = await buildApp(testConfig(base), { role: 'worker' });
  try {
    await worker.ready();
    const t1 = performance.now();
    const before = await done();
    let n = before;
    while (n < opts.jobs) {
      await new Promise((r) => setTimeout(r, 20));
      n = await done();
    }
    const drainS = (performance.now() - t1) / 1000;
    return {
      backend: opts.backend,
      jobs: opts.jobs,
      fillPerS: Math.round(fillPerS),
      drainPerS: Math.round((opts.jobs - before) / drainS),
      drainS: Math.round(drainS * 100) / 100,
    };
  } finally {
    await worker.close();
    await db.end();
  }
}

/** The anchor: BullMQ alone (no ledger) draining `jobs` no-op jobs with the same concurrency, on the same Redis. */
export async function bullmqAlone(opts: { redisUrl: string; jobs: number; concurrency: number }): Promise<number> {
  const { Queue, Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const prefix = `bench-anchor-${randomBytes(3).toString('hex')}`;
  const queue = new Queue('anchor', { connection: new Redis(opts.redisUrl), prefix });
  for (let i = 0; i < opts.jobs; i += 1000) {
    const n = Math.min(1000, opts.jobs - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { n: i + k }, opts: { removeOnComplete: true } })));
  }
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const t0 = performance.now();
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker('anchor', async () => {}, { connection, prefix, concurrency: opts.concurrency });
  worker.on('completed', () => ++done === opts.jobs && finish());
  await finished;
  const perS = opts.jobs / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return Math.round(perS);
}
