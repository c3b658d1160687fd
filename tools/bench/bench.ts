/**
 * `npm run bench`: GET /live throughput of bare Fastify, our app with everything on (production
 * config, info logging) and our app with everything off, side by side in ONE run, so the ratios
 * are comparable even on a noisy shared machine (absolute numbers drift 20-30% between runs).
 *
 * Each target runs in its own process (tools/bench/bench-server.ts) on a spare 127.0.0.1 port, with
 * stdout (its logs) going to /dev/null; the load generator gets the other core. All targets are
 * started and warmed up first (our app needs a few seconds more than bare Fastify to reach its
 * JIT steady state); then short measuring windows take turns (bare, on, off, bare, on, off, ...,
 * and a last bare), one target under load at a time while the others sit idle.
 *
 * Why paired windows: this machine is a shared VM whose speed drifts by 30-50% over seconds, so
 * two targets measured a minute apart are not comparable, and even the best of several rounds
 * is decided by luck. Each window of a target is compared with the bare windows on either side
 * of it (a few seconds apart), and the run reports the median of those ratios: drift cancels,
 * and a run is reproducible to a few per cent. The best window per target is printed too. Besides
 * req/s and p99 it reports the server's CPU time per request (user + system from
 * /proc/<pid>/stat over each window).
 *
 * Load generator: wrk when installed (`apt-get install wrk`), else autocannon. autocannon parses
 * every response in JavaScript on the other core and becomes the bottleneck once a response
 * carries the dozen security headers: with it, 14 static headers alone halve bare Fastify's
 * measured req/s while wrk sees ~5%. Prefer wrk for the numbers; the CPU column is valid with both.
 *
 * Reading the numbers: every µs of work we add per request shows up as roughly 2 µs of server
 * CPU per request here (measured: a 10 µs busy loop added to bare Fastify's hook raised its cost
 * from ~18 to ~37 µs/req), because a slower server leaves wrk idle more often and each response
 * then pays for waking it (kernel time inside the socket write). So small cuts count double, and
 * the 12 static security headers alone (target `headers`) cost bare Fastify about 40% here.
 *
 * Services: "on" and "off" run as production does, on Postgres and Redis: a throwaway database on
 * the machine's Postgres (dropped afterwards) and the machine's Redis under a throwaway key prefix
 * (TEST_DATABASE_URL / TEST_REDIS_URL, defaults 127.0.0.1). Where one is not reachable they use
 * the embedded fallback instead, and the header line says so. BENCH_SERVICES=embedded forces the
 * fallbacks (PGlite in memory, no Redis) to measure the zero-config mode: it is slower on /live
 * (0.49 vs 0.57 of bare in one paired run), for reasons not yet found (see docs/ARCHITECTURE.md).
 *
 * Knobs (environment): BENCH_ROUNDS (10 windows per target), BENCH_DURATION_S (2, per window), BENCH_WARMUP_S (4),
 * BENCH_CONNECTIONS (50), BENCH_TARGETS (bare,on,off), BENCH_CPU_PROF=<dir> (write a
 * --cpu-prof profile of each target there), BENCH_SERVICES (machine | embedded), BENCH_ON_ENV /
 * BENCH_OFF_ENV ("KEY=value ...": extra settings for a target, to measure one feature at a time),
 * BENCH_COMPARE ("name=/path/to/checkout,...": another checkout's "on", e.g. the last release, as
 * an extra target in the same run; it needs its node_modules and generated client).
 * The whole run is bounded (about 1.5 min with the defaults): past BENCH_DEADLINE_S (240) everything
 * is killed and it exits 1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { createTempDatabase, freePort, PG_URL, reachable, REDIS_URL, tcpOpen } from '../../test/helpers/services.js';

/** bare, headers, on, off, or the name of a BENCH_COMPARE checkout (its "on"). */
type Mode = string;

interface Sample {
  rps: number;
  /** Server CPU time (user + system) per request, from /proc: robust to other load on the machine. */
  cpuUsPerReq: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Seconds from spawn to accepting connections. */
  bootS: number;
}

const env = process.env;
const ROUNDS = Number(env.BENCH_ROUNDS ?? 10);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 2);
const WARMUP_S = Number(env.BENCH_WARMUP_S ?? 4);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
/** BENCH_COMPARE="before=/path/to/checkout,...": the same "on" config served by another checkout (built, with node_modules), e.g. the last release, side by side in one run. */
const COMPARE = new Map(
  (env.BENCH_COMPARE ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), resolve(kv.slice(kv.indexOf('=') + 1))] as const),
);
const TARGETS = [...(env.BENCH_TARGETS ?? 'bare,on,off').split(',').map((s) => s.trim()), ...COMPARE.keys()] as Mode[];
const PROFILE_DIR = env.BENCH_CPU_PROF;
const DEADLINE_S = Number(env.BENCH_DEADLINE_S ?? 240);
const WRK = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error ? null : 'wrk';

const children = new Set<ChildProcess>();
const deadline = setTimeout(() => {
  process.stderr.write(`bench: deadline of ${DEADLINE_S} s passed, stopping\n`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}, DEADLINE_S * 1000);
deadline.unref();

const adminToken = randomBytes(24).toString('hex');
/** Production config with every protection on; logs at info to stdout, which goes to /dev/null. */
const ON_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_PRETTY: 'false',
  CORS_ORIGINS: 'https://app.example.com',
  ADMIN_TOKEN: adminToken,
  READINESS_DRAIN_DELAY_MS: '0',
  RATE_LIMIT_ENABLED: 'true',
  LOAD_SHEDDING_ENABLED: 'true',
  METRICS_ENABLED: 'true',
  DOCS_ENABLED: 'true',
};
/** The same app with everything that can be switched off switched off. */
const OFF_ENV: Record<string, string> = {
  ...ON_ENV,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_ENABLED: 'false',
  LOAD_SHEDDING_ENABLED: 'false',
  MAX_RSS_MB: '0',
  METRICS_ENABLED: 'false',
  DOCS_ENABLED: 'false',
};
/** BENCH_ON_ENV / BENCH_OFF_ENV="KEY=value KEY2=value": extra settings, to measure one feature at a time. */
const extra = (spec = '') => Object.fromEntries(spec.split(/\s+/).filter(Boolean).map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
/** DATABASE_URL / REDIS_URL of our targets: set by useServices() before any target starts. */
const serviceEnv: Record<string, string> = { DATABASE_URL: 'pglite:memory' };
const envFor = (mode: Mode): Record<string, string> =>
  mode === 'on' || COMPARE.has(mode)
    ? { ...ON_ENV, ...serviceEnv, ...extra(env.BENCH_ON_ENV) }
    : mode === 'off'
      ? { ...OFF_ENV, ...serviceEnv, ...extra(env.BENCH_OFF_ENV) }
      : {};
const isApp = (mode: Mode) => mode === 'on' || mode === 'off' || COMPARE.has(mode);

/**
 * Production's backing services for "on" and "off" where the machine has them (see the header).
 * Returns a description for the header line and the cleanup to run at the end.
 */
async function useServices(): Promise<{ label: string; cleanup: () => Promise<void> }> {
  const cleanups: (() => Promise<void>)[] = [];
  const labels: string[] = [];
  const embedded = env.BENCH_SERVICES === 'embedded';
  if (!embedded && (await reachable(PG_URL, 5432))) {
    const db = await createTempDatabase('railfast_bench');
    serviceEnv.DATABASE_URL = db.url;
    cleanups.push(db.drop);
    labels.push('postgres');
  } else labels.push('pglite (embedded)');
  if (!embedded && (await reachable(REDIS_URL, 6379))) {
    const prefix = `railfast_bench_${process.pid}`;
    Object.assign(serviceEnv, { REDIS_URL, REDIS_KEY_PREFIX: prefix });
    cleanups.push(async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });
    labels.push('redis');
  } else labels.push('no redis');
  return { label: labels.join(' + '), cleanup: async () => void (await Promise.allSettled(cleanups.map((c) => c()))) };
}


const V8_FLAGS = (JSON.parse(readFileSync('railway.json', 'utf8')) as { deploy: { startCommand: string } }).deploy.startCommand
  .split(/\s+/)
  .filter((a) => a.startsWith('--') && a !== '--import');

async function startTarget(mode: Mode): Promise<{ child: ChildProcess; port: number; bootS: number; stop: () => Promise<void> }> {
  const t0 = performance.now();
  const port = await freePort();
  // Our targets start like production (`--import` of the Sentry preload, which does nothing
  // without SENTRY_DSN), so BENCH_ON_ENV="SENTRY_DSN=http://k@127.0.0.1:9/1" measures Sentry too.
  // ... and with production's V8 flags (railway.json's startCommand, e.g. --max-semi-space-size).
  const nodeArgs = ['--import', 'tsx', ...(isApp(mode) ? [...V8_FLAGS, '--import', './src/instrument.ts'] : [])];
  if (PROFILE_DIR) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
  const cwd = COMPARE.get(mode) ?? process.cwd();
  const server = ['tools/bench/bench-server.ts', 'scripts/bench-server.ts'].find((f) => existsSync(join(cwd, f)))!;
  const child = spawn(process.execPath, [...nodeArgs, server, COMPARE.has(mode) ? 'on' : mode, String(port)], {
    cwd,
    env: { PATH: env.PATH ?? '', ...envFor(mode) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const until = Date.now() + 20_000;
  while (!(await tcpOpen('127.0.0.1', port, 300))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${mode} server did not start: ${stderr}`);
    }
    await sleep(100);
  }
  const stop = async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    children.delete(child);
  };
  return { child, port, bootS: (performance.now() - t0) / 1000, stop };
}

/** CPU seconds (user + system) used so far by process `pid`; NaN where /proc is unavailable. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after "(comm) ": indexes 11 and 12, in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

type LoadResult = Omit<Sample, 'cpuUsPerReq' | 'bootS'> & { requests: number };

async function load(url: string, seconds: number): Promise<LoadResult> {
  if (WRK) {
    const r = spawnSync(WRK, ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8', timeout: (seconds + 10) * 1000 });
    const out = r.stdout;
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const p99Ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : NaN;
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const errors = (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out) ?? [])
      .slice(1)
      .reduce((a, b) => a + Number(b), 0);
    return { rps, p99Ms, non2xx, errors, requests };
  }
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return { rps: r.requests.total / r.duration, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, requests: r.requests.total };
}

type Target = Awaited<ReturnType<typeof startTarget>> & { mode: Mode; url: string };

/** One measuring window on an already warm target. */
async function window(t: Target): Promise<Sample> {
  const cpu0 = cpuSeconds(t.child.pid);
  const s = await load(t.url, DURATION_S);
  const cpuUsPerReq = ((cpuSeconds(t.child.pid) - cpu0) * 1e6) / s.requests;
  return { rps: s.rps, p99Ms: s.p99Ms, cpuUsPerReq, non2xx: s.non2xx, errors: s.errors, bootS: t.bootS };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length === 0 ? NaN : a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

async function main() {
  const t0 = Date.now();
  const services = TARGETS.some(isApp) ? await useServices() : { label: '-', cleanup: async () => {} };
  process.stdout.write(
    `bench: GET /live, ${WRK ?? 'autocannon'}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up, then ${ROUNDS} paired windows of ${DURATION_S} s per target, ` +
      `node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; our targets on ${services.label}\n`,
  );
  if (!WRK) process.stdout.write('bench: wrk not found, using autocannon, which is client-bound here: expect lower ratios (see the header of tools/bench/bench.ts)\n');
  // bare first and last in every round: each other window is bracketed by two bare windows.
  const modes: Mode[] = ['bare', ...TARGETS.filter((m) => m !== 'bare')];
  const targets: Target[] = [];
  try {
    for (const mode of modes) {
      const t = await startTarget(mode);
      targets.push({ ...t, mode, url: `http://127.0.0.1:${t.port}/live` });
    }
    const samples = new Map<Mode, Sample[]>(modes.map((m) => [m, []]));
    // Non-2xx during the warm-up count too: the target is "zero non-2xx", not "zero once warm".
    const warm = new Map<Mode, Pick<Sample, 'non2xx' | 'errors'>>();
    for (const t of targets) {
      const w = await load(t.url, WARMUP_S);
      warm.set(t.mode, w);
      process.stdout.write(`  warm-up ${t.mode.padEnd(8)} ${fmt(w.rps)} req/s  non-2xx ${w.non2xx}  errors ${w.errors}  (boot ${fmt(t.bootS, 1)} s)\n`);
    }
    for (let round = 1; round <= ROUNDS + 1; round++) {
      // The extra last round measures bare only: it closes the bracket of the round before.
      for (const t of round > ROUNDS ? targets.slice(0, 1) : targets) {
        const s = await window(t);
        samples.get(t.mode)!.push(s);
        process.stdout.write(
          `  window ${String(round).padStart(2)} ${t.mode.padEnd(8)} ${fmt(s.rps)} req/s  p99 ${fmt(s.p99Ms, 1)} ms  cpu ${fmt(s.cpuUsPerReq, 1)} µs/req  non-2xx ${s.non2xx}  errors ${s.errors}\n`,
        );
      }
    }
    report(modes, samples, warm);
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await services.cleanup();
  }
  process.stdout.write(`\nbench: done in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}

function report(modes: Mode[], samples: Map<Mode, Sample[]>, warm: Map<Mode, Pick<Sample, 'non2xx' | 'errors'>>) {
  const windows = (m: Mode) => samples.get(m)!;
  const bare = windows('bare');
  /** Each window's req/s over the mean of the bare windows just before and just after it. */
  const paired = (m: Mode) => windows(m).map((s, i) => s.rps / ((bare[i]!.rps + bare[i + 1]!.rps) / 2));
  const pairedCpu = (m: Mode) => windows(m).map((s, i) => (bare[i]!.cpuUsPerReq + bare[i + 1]!.cpuUsPerReq) / 2 / s.cpuUsPerReq);
  const label: Record<Mode, string> = {
    bare: 'bare Fastify (logger off)',
    headers: 'bare Fastify + our security headers',
    on: 'railfast, everything on (production, info logs)',
    off: 'railfast, everything off',
    ...Object.fromEntries([...COMPARE].map(([name, dir]) => [name, `${name} (${dir}), everything on`])),
  };
  const head = ['target', 'req/s (median window)', 'req/s (best window)', 'ratio to bare (paired median)', 'ratio range', 'p99 ms (median)', 'server CPU µs/req (median)', 'CPU ratio (paired median)', 'non-2xx (all)', 'errors'];
  /** Over every window and the warm-up. */
  const count = (m: Mode, key: 'non2xx' | 'errors') => windows(m).reduce((a, s) => a + s[key], warm.get(m)![key]);
  process.stdout.write(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
  for (const m of modes) {
    const w = windows(m);
    const r = m === 'bare' ? [1] : paired(m);
    const row = [
      label[m],
      fmt(median(w.map((s) => s.rps))),
      fmt(Math.max(...w.map((s) => s.rps))),
      fmt(median(r), 2),
      m === 'bare' ? '-' : `${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}`,
      fmt(median(w.map((s) => s.p99Ms)), 1),
      fmt(median(w.map((s) => s.cpuUsPerReq)), 1),
      m === 'bare' ? '1.00' : fmt(median(pairedCpu(m)), 2),
      String(count(m, 'non2xx')),
      String(count(m, 'errors')),
    ];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
  }
  if (modes.includes('on')) {
    const ratio = median(paired('on'));
    const non2xx = count('on', 'non2xx');
    process.stdout.write(`\ntarget (everything on >= 0.50 of bare, paired median; zero non-2xx): ${ratio >= 0.5 && non2xx === 0 ? 'met' : 'NOT met'} (${fmt(ratio, 2)}, ${non2xx} non-2xx)\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
