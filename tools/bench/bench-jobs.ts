/**
 * `npm run bench:jobs`: railfast's job pipeline over HTTP against the raw pipeline
 * (tools/bench/bench-jobs-raw.ts: Fastify + one pg INSERT + one BullMQ add per request, a BullMQ
 * worker updating the row), side by side in one run, on the machine's Postgres and Redis.
 *
 * Targets, each its own process(es), own throwaway database and Redis key prefix:
 *   raw      the raw pipeline;
 *   railfast the app (tools/bench/bench-server.ts "on"): production config, info logs to
 *            /dev/null, every protection on except the rate limits (raised) and load shedding
 *            (off), so that capacity is what is measured; workers in the same process;
 *   split    the same with RUN_WORKERS=false and a worker process (src/worker.ts) beside it.
 * Windows take turns (raw, railfast, split, raw, ..., and a last raw) under the same load: wrk
 * when installed, else autocannon, BENCH_CONNECTIONS (50) connections posting echo jobs for
 * BENCH_DURATION_S (5) s. After each window the bench waits until every accepted row is completed.
 * Per window:
 *   accepted/s   202s per second of load;
 *   completed/s  rows completed from the window's start until the last one completed, per second;
 *   during load  share of the accepted jobs that completed before the load stopped;
 *   drain/s      the backlog left at the end of the load, per second until it is gone;
 *   p99          submit latency; CPU/job: server CPU (all its processes, /proc) per completed job.
 * Ratios are each window over the mean of the raw windows just before and after it (drift on a
 * shared machine cancels); the table shows their median and range.
 *
 * Then the backlog drain (tools/bench/bench-jobs-backlog.ts): BENCH_BACKLOG (20,000) jobs waiting,
 * a worker starts, jobs/s until all are completed; on BullMQ and on the local backend.
 *
 * Knobs: BENCH_ROUNDS (3), BENCH_DURATION_S (5), BENCH_CONNECTIONS (50), BENCH_TARGETS
 * (raw,railfast,split), BENCH_BACKLOG (20000; 0 skips), BENCH_BACKLOG_BACKENDS (bullmq,local),
 * BENCH_APP_ENV ("KEY=value ...": extra settings for railfast and split, e.g. QUEUE_CONCURRENCY=20).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTempDatabase, REDIS_URL } from '../../test/helpers/services.js';
import { children, counts, cpuSeconds, load, startTarget, WRK, type Target } from './bench-jobs-target.js';
import { backlogDrain, bullmqAlone, type BacklogResult } from './bench-jobs-backlog.js';

const env = process.env;
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
const TARGETS = (env.BENCH_TARGETS ?? 'raw,railfast,split').split(',').map((s) => s.trim());
const BACKLOG = Number(env.BENCH_BACKLOG ?? 20_000);
const BACKLOG_BACKENDS = (env.BENCH_BACKLOG_BACKENDS ?? 'bullmq,local').split(',').map((s) => s.trim()) as ('bullmq' | 'local')[];
const extra = (spec = '') =>
  Object.fromEntries(
    spec
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]),
  );

const APP_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_PRETTY: 'false',
  CORS_ORIGINS: 'https://app.example.com',
  ADMIN_TOKEN: randomBytes(24).toString('hex'),
  MIGRATE_ON_BOOT: 'true',
  DEMO_JOBS: 'true',
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_MAX: '100000000',
  RATE_LIMIT_JOBS_MAX: '100000000',
  LOAD_SHEDDING_ENABLED: 'false',
  QUEUE_MAX_SIZE: '1000000',
  ...extra(env.BENCH_APP_ENV),
};

interface Sample {
  acceptedPerS: number;
  completedPerS: number;
  duringLoad: number;
  drainPerS: number;
  p99Ms: number;
  cpuMsPerJob: number;
  non2xx: number;
  errors: number;
}

async function window(t: Target, seconds = DURATION_S): Promise<Sample> {
  const c0 = await counts(t);
  const cpu0 = cpuSeconds(t);
  const t0 = performance.now();
  const l = await load(t.url, seconds, CONNECTIONS, APP_ENV.ADMIN_TOKEN!);
  const tLoad = performance.now();
  const c1 = await counts(t);
  let c = c1;
  const until = Date.now() + 120_000;
  while (c.done < c.rows && Date.now() < until) {
    await sleep(20);
    c = await counts(t);
  }
  const tEnd = performance.now();
  const accepted = c1.rows - c0.rows;
  const completed = c.done - c0.done;
  const s: Sample = {
    acceptedPerS: accepted / ((tLoad - t0) / 1000),
    completedPerS: completed / ((tEnd - t0) / 1000),
    duringLoad: accepted ? (c1.done - c0.done) / accepted : NaN,
    drainPerS: c1.rows - c1.done > 0 ? (c1.rows - c1.done) / Math.max(0.02, (tEnd - tLoad) / 1000) : NaN,
    p99Ms: l.p99Ms,
    cpuMsPerJob: ((cpuSeconds(t) - cpu0) * 1000) / Math.max(1, completed),
    non2xx: l.non2xx,
    errors: l.errors,
  };
  await t.db.query('TRUNCATE jobs'); // every round starts on an empty table
  return s;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';
const median = (xs: number[]) => {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  return a.length === 0 ? NaN : a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}-${fmt(Math.max(...xs), d)}`;

async function loadRounds(names: string[], targets: Target[], samples: Map<string, Sample[]>) {
  try {
    for (const n of names) targets.push(await startTarget(n, APP_ENV));
    for (const t of targets) {
      const w = await window(t, 3);
      process.stdout.write(`  warm-up ${t.name.padEnd(9)} ${fmt(w.acceptedPerS)} accepted/s, non-2xx ${w.non2xx}\n`);
    }
    for (let round = 1; round <= ROUNDS + 1; round++) {
      for (const t of round > ROUNDS ? targets.slice(0, 1) : targets) {
        const s = await window(t);
        samples.get(t.name)!.push(s);
        process.stdout.write(
          `  round ${round} ${t.name.padEnd(9)} accepted ${fmt(s.acceptedPerS)}/s  completed ${fmt(s.completedPerS)}/s  during load ${fmt(s.duringLoad * 100)}%  ` +
            `drain ${fmt(s.drainPerS)}/s  p99 ${fmt(s.p99Ms, 1)} ms  cpu ${fmt(s.cpuMsPerJob, 2)} ms/job  non-2xx ${s.non2xx}  errors ${s.errors}\n`,
        );
      }
    }
  } finally {
    for (const t of targets) await t.cleanup().catch((err: Error) => process.stderr.write(`cleanup ${t.name}: ${err.message}\n`));
  }
  report(names, samples);
}

async function main() {
  const t0 = Date.now();
  process.stdout.write(
    `bench:jobs  ${new Date().toISOString()}  ${WRK ?? 'autocannon'}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s, ` +
      `node ${process.version}, ${cpus().length} cpus, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; app env extra: ${env.BENCH_APP_ENV ?? '-'}\n`,
  );
  const names = ['raw', ...TARGETS.filter((n) => n !== 'raw')];
  const targets: Target[] = [];
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  if (ROUNDS > 0) await loadRounds(names, targets, samples);

  if (BACKLOG > 0) await backlogs();
  process.stdout.write(`\nbench:jobs done in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}

/** The backlog drain per backend, each beside an anchor run of BullMQ alone just before it. */
async function backlogs() {
  const appEnv = extra(env.BENCH_APP_ENV);
  const concurrency = Number(appEnv.QUEUE_CONCURRENCY ?? 10);
  const rows: (BacklogResult & { anchor: number })[] = [];
  for (const backend of BACKLOG_BACKENDS) {
    const anchor = await bullmqAlone({ redisUrl: REDIS_URL, jobs: BACKLOG, concurrency });
    const database = await createTempDatabase('railfast_benchjobs');
    try {
      const r = await backlogDrain({ backend, databaseUrl: database.url, redisUrl: REDIS_URL, jobs: BACKLOG, env: appEnv });
      rows.push({ ...r, anchor });
      process.stdout.write(
        `  backlog ${backend.padEnd(7)} ${fmt(r.jobs)} jobs: filled at ${fmt(r.fillPerS)}/s, drained ${fmt(r.drainPerS)}/s; BullMQ alone ${fmt(anchor)}/s\n`,
      );
    } finally {
      await database.drop();
    }
  }
  process.stdout.write(
    `\n| backend | backlog | drain jobs/s | BullMQ alone, same moment | ratio | target ≥ 5,000/s |\n|---|---|---|---|---|---|\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.backend} | ${fmt(r.jobs)} | ${fmt(r.drainPerS)} | ${fmt(r.anchor)} | ${fmt(r.drainPerS / r.anchor, 2)} | ${r.drainPerS >= 5000 ? 'met' : 'NOT met'} |\n`,
    );
  }
}

function report(names: string[], samples: Map<string, Sample[]>) {
  const raw = samples.get('raw')!;
  const paired = (n: string, key: keyof Sample) => samples.get(n)!.map((s, i) => s[key] / ((raw[i]![key] + raw[i + 1]![key]) / 2));
  const head = [
    'target',
    'accepted/s',
    'completed/s',
    'completed during load',
    'drain/s',
    'p99 ms',
    'CPU ms/job',
    'accepted ratio',
    'completed ratio',
    'CPU ratio',
    'non-2xx',
  ];
  process.stdout.write(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
  for (const n of names) {
    const w = samples.get(n)!;
    const col = (key: keyof Sample, d = 0) =>
      range(
        w.map((s) => s[key]),
        d,
      );
    const ratio = (key: keyof Sample) => (n === 'raw' ? '1.00' : `${fmt(median(paired(n, key)), 2)} (${range(paired(n, key), 2)})`);
    const row = [
      n,
      col('acceptedPerS'),
      col('completedPerS'),
      `${range(w.map((s) => s.duringLoad * 100))}%`,
      col('drainPerS'),
      col('p99Ms', 1),
      col('cpuMsPerJob', 2),
      ratio('acceptedPerS'),
      ratio('completedPerS'),
      ratio('cpuMsPerJob'),
      String(w.reduce((a, s) => a + s.non2xx + s.errors, 0)),
    ];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:jobs failed: ${(err as Error).stack ?? String(err)}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
