/**
 * `npm run bench:jobs`: echo jobs per second through each queue backend, submit → completed.
 *
 * In one process: the app (production-like config, logs off, rate limit and load shedding off)
 * gets BENCH_JOBS echo jobs through POST /api/v1/jobs (app.inject, BENCH_INFLIGHT requests in
 * flight), and we time from the first submission to the last `completed` event. Every job is
 * written to the ledger, claimed, run and recorded, exactly as in production; only the network
 * hop is left out.
 *
 * Knobs (environment): BENCH_JOBS (2000), BENCH_INFLIGHT (50), BENCH_BACKENDS (local,bullmq),
 * BENCH_CONCURRENCY (3,10: QUEUE_CONCURRENCY values to try), BENCH_DATABASE_URL (default: a fresh
 * database on the machine's Postgres at 127.0.0.1:5432, dropped afterwards; "pglite:memory" works
 * too), BENCH_REDIS_URL (redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../test/helpers/config.js';

const env = process.env;
const JOBS = Number(env.BENCH_JOBS ?? 2000);
const INFLIGHT = Number(env.BENCH_INFLIGHT ?? 50);
const BACKENDS = (env.BENCH_BACKENDS ?? 'local,bullmq').split(',').map((s) => s.trim());
const CONCURRENCY = (env.BENCH_CONCURRENCY ?? '3,10').split(',').map(Number);
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Jobs are submitted as the operator: no per-user quotas, as for automation. */
const ADMIN_TOKEN = `bench-${randomBytes(16).toString('hex')}`;

async function tempDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (env.BENCH_DATABASE_URL) return { url: env.BENCH_DATABASE_URL, drop: async () => {} };
  const name = `railfast_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    url: PG_ADMIN_URL.replace(/\/postgres$/, `/${name}`),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Submit `n` echo jobs with at most INFLIGHT requests at once; resolves when all are accepted. */
async function submitAll(app: FastifyInstance, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { type: 'echo', payload: { n: next } },
      });
      if (res.statusCode !== 202) throw new Error(`submit failed: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(INFLIGHT, n) }, worker));
}

async function run(backend: string, concurrency: number, databaseUrl: string) {
  const app = await buildApp(
    testConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_BOOT: 'true',
      REDIS_URL: backend === 'bullmq' ? REDIS_URL : undefined,
      REDIS_KEY_PREFIX: `bench-${randomBytes(3).toString('hex')}`,
      QUEUE_CONCURRENCY: String(concurrency),
      QUEUE_MAX_SIZE: String(JOBS * 2),
      ADMIN_TOKEN,
      DEMO_JOBS: 'true',
      RATE_LIMIT_ENABLED: 'false',
      LOAD_SHEDDING_ENABLED: 'false',
      CORS_ORIGINS: 'https://bench.example',
    }),
  );
  await app.ready();
  try {
    if (app.queue.backend !== backend) throw new Error(`wanted backend ${backend}, got ${app.queue.backend}`);
    let completed = 0;
    let done: () => void = () => {};
    app.queue.on('completed', () => {
      completed++;
      if (completed === target) done();
    });
    // Warm-up: JIT, pools, prepared paths.
    let target = 100;
    let finished = new Promise<void>((r) => (done = r));
    await submitAll(app, target);
    await finished;

    completed = 0;
    target = JOBS;
    finished = new Promise<void>((r) => (done = r));
    const t0 = performance.now();
    await submitAll(app, JOBS);
    const submittedMs = performance.now() - t0;
    await finished;
    const totalMs = performance.now() - t0;
    return { backend, concurrency, jobs: JOBS, acceptedPerS: Math.round(JOBS / (submittedMs / 1000)), completedPerS: Math.round(JOBS / (totalMs / 1000)) };
  } finally {
    await app.close();
  }
}

const results = [];
for (const backend of BACKENDS) {
  for (const concurrency of CONCURRENCY) {
    const db = await tempDatabase();
    try {
      const r = await run(backend, concurrency, db.url);
      results.push(r);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    } finally {
      await db.drop();
    }
  }
}
console.table(results);
