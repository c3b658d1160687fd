/**
 * `npm run bench:footprint`: memory and boot time of every way the template runs, in one run,
 * beside a bare Fastify + Prisma + pg baseline (footprint-baseline.mjs), so a change that adds
 * weight shows up as a wider gap.
 *
 * Each target is the built app, started with railway.json's startCommand flags (as Railway starts
 * it), in a process of its own with NODE_ENV=production: embedded fresh (a new DATA_DIR: initdb +
 * migrations), embedded existing (the same DATA_DIR again), Postgres, Postgres + Redis,
 * the worker process, Postgres + Redis with a SENTRY_DSN pointing at a local stub. For each:
 *   boot   spawn → first `GET /ready` 200 (polled every 20 ms)
 *   idle   VmRSS from /proc/<pid>/status, IDLE_S (10) seconds after /ready
 *   peak   VmHWM (the kernel's high-water mark of RSS) at the same moment
 * Then a second pass records which heavy packages each mode loaded (footprint-probe.mjs), and a
 * third the RSS each package costs imported alone in a fresh node (footprint-modules.mjs).
 *
 * Services: the machine's Postgres (a throwaway database, migrated with `npm run db:migrate`'s
 * command, dropped afterwards) and Redis under a throwaway key prefix (TEST_DATABASE_URL /
 * TEST_REDIS_URL). Knobs: FOOTPRINT_IDLE_S (10), FOOTPRINT_TARGETS (comma list of names),
 * FOOTPRINT_NODE_ARGS (extra node flags for the app targets, to try V8 flags), FOOTPRINT_ENV
 * ("K=v ...": extra environment for the app targets, e.g. MALLOC_ARENA_MAX=2), FOOTPRINT_MODULES=0
 * (skip the module passes). Targets (issue 15) are printed beside the numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTempDatabase, freePort, PG_URL, reachable, REDIS_URL } from '../../test/helpers/services.js';

const ROOT = resolve(import.meta.dirname, '../..');
const IDLE_S = Number(process.env.FOOTPRINT_IDLE_S ?? 10);
const NODE_ARGS = (process.env.FOOTPRINT_NODE_ARGS ?? '').split(' ').filter(Boolean);
const EXTRA_ENV = Object.fromEntries(
  (process.env.FOOTPRINT_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const ONLY = process.env.FOOTPRINT_TARGETS?.split(',').filter(Boolean);
/** Node's flags exactly as railway.json starts the app (V8 flags included), so the bench measures what ships. */
const APP = (JSON.parse(readFileSync(join(ROOT, 'railway.json'), 'utf8')) as { deploy: { startCommand: string } }).deploy.startCommand
  .split(/\s+/)
  .slice(1, -1);

interface Target {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Issue 15's limits, MB / ms, where it sets one. */
  idleMax?: number;
  peakMax?: number;
  bootMax?: number;
  probe?: boolean;
}

interface Result {
  bootMs: number;
  bootCpuMs: number;
  idleMb: number;
  peakMb: number;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const mb = (kb: number) => Math.round(kb / 1024);

/** CPU time (user + system) the process has used so far, ms: boot cost that holds on a busy machine. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Math.round(((Number(f[11]) + Number(f[12])) * 1000) / 100);
}

function procStatus(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function ready(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Start a target, wait for /ready, measure; `probeOut` turns on the module probe instead. */
async function run(t: Target, probeOut?: string): Promise<Result> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    WORKER_PORT: String(port),
    // As the Dockerfile and nixpacks.toml set it (FOOTPRINT_ENV=MALLOC_ARENA_MAX=8 measures without).
    ...(t.name === 'baseline' ? {} : { MALLOC_ARENA_MAX: '1' }),
    ...(t.name === 'baseline' ? {} : EXTRA_ENV),
    ...t.env,
    ...(probeOut ? { FOOTPRINT_MODULES_OUT: probeOut } : {}),
  };
  const pre = probeOut ? ['--import', './tools/bench/footprint-probe.mjs'] : [];
  const nodeArgs = t.name === 'baseline' ? [] : NODE_ARGS;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...pre, ...t.args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const deadline = Date.now() + 120_000;
    while (!(await ready(port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${t.name} did not become ready:\n${stderr}`);
      await sleep(20);
    }
    const bootMs = Math.round(performance.now() - t0);
    const bootCpuMs = cpuMs(child.pid!);
    if (probeOut) return { bootMs, bootCpuMs, idleMb: 0, peakMb: 0 };
    await sleep(IDLE_S * 1000);
    const s = procStatus(child.pid!);
    return { bootMs, bootCpuMs, idleMb: mb(s.rss), peakMb: mb(s.hwm) };
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
}

/** A stand-in Sentry ingest: accepts envelopes and answers 200, so the SDK runs as in production. */
async function sentryStub(): Promise<{ dsn: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { dsn: `http://public@127.0.0.1:${port}/1`, server };
}

const HEAVY = [
  '@sentry/node',
  'bullmq',
  'ioredis',
  '@electric-sql/pglite',
  'pglite-prisma-adapter',
  'pg',
  '@prisma/adapter-pg',
  '@prisma/client',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'prom-client',
  '@fastify/jwt',
  '@node-rs/argon2',
  'pino-pretty',
  '@opentelemetry/api',
];

async function main() {
  if (!(await reachable(PG_URL, 5432)) || !(await reachable(REDIS_URL, 6379))) {
    throw new Error(`bench:footprint needs Postgres (${PG_URL}) and Redis (${REDIS_URL})`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'railfast-footprint-'));
  const temp = await createTempDatabase('railfast_footprint');
  const stub = await sentryStub();
  try {
    const m = spawnSync(process.execPath, ['dist/db/migrate-cli.js'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: temp.url },
      encoding: 'utf8',
    });
    if (m.status !== 0) throw new Error(`migrations failed: ${m.stderr}`);
    const pg = { DATABASE_URL: temp.url };
    const redis = { ...pg, REDIS_URL, REDIS_KEY_PREFIX: `footprint-${process.pid}` };
    const all: Target[] = [
      { name: 'baseline', args: ['tools/bench/footprint-baseline.mjs'], env: pg },
      { name: 'embedded fresh', args: [...APP, 'dist/server.js'], env: { DATA_DIR: join(dataDir, 'a') }, peakMax: 400, probe: true },
      {
        name: 'embedded existing',
        args: [...APP, 'dist/server.js'],
        env: { DATA_DIR: join(dataDir, 'a') },
        idleMax: 250,
        peakMax: 400,
        bootMax: 2000,
      },
      { name: 'postgres', args: [...APP, 'dist/server.js'], env: pg, probe: true },
      { name: 'postgres+redis', args: [...APP, 'dist/server.js'], env: redis, idleMax: 120, bootMax: 1000, probe: true },
      { name: 'worker', args: [...APP, 'dist/worker.js'], env: redis, idleMax: 120, probe: true },
      {
        name: 'postgres+redis+sentry',
        args: [...APP, 'dist/server.js'],
        env: { ...redis, SENTRY_DSN: stub.dsn },
        idleMax: 150,
        probe: true,
      },
    ];
    const targets = all.filter((t) => !ONLY || ONLY.includes(t.name));

    log(
      `bench:footprint — node ${process.version}, idle measured ${IDLE_S} s after /ready${NODE_ARGS.length ? `, node ${NODE_ARGS.join(' ')}` : ''}`,
    );
    const rows: string[] = [];
    for (const t of targets) {
      log(`  running ${t.name}…`);
      const r = await run(t);
      const verdict = (v: number, max?: number) => (max === undefined ? '' : v <= max ? ` ≤ ${max} ok` : ` > ${max} MISSED`);
      rows.push(
        `| ${t.name} | ${r.bootMs} ms${verdict(r.bootMs, t.bootMax)} | ${r.bootCpuMs} ms | ${r.idleMb} MB${verdict(r.idleMb, t.idleMax)} | ${r.peakMb} MB${verdict(r.peakMb, t.peakMax)} |`,
      );
      log(`    boot ${r.bootMs} ms (${r.bootCpuMs} ms CPU), idle ${r.idleMb} MB, peak ${r.peakMb} MB`);
    }
    console.log('\n| target | boot to /ready | CPU used by then | idle RSS | peak RSS |\n|---|---|---|---|---|');
    console.log(rows.join('\n'));

    if (process.env.FOOTPRINT_MODULES === '0') return;
    log('\n  which heavy packages each mode loads…');
    console.log('\n| target | heavy packages loaded |\n|---|---|');
    for (const t of targets.filter((x) => x.probe)) {
      const out = join(dataDir, `modules-${t.name.replace(/\W/g, '_')}.json`);
      await run({ ...t, env: { ...t.env, DATA_DIR: join(dataDir, 'probe') } }, out);
      const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
      console.log(`| ${t.name} | ${HEAVY.filter((h) => loaded.includes(h)).join(', ') || '—'} |`);
    }
    log('  each package imported alone in a fresh node…');
    console.log('\n| package | RSS added when imported alone |\n|---|---|');
    const modules = [
      'fastify',
      ...HEAVY.filter((h) => h !== '@prisma/client'),
      './dist/generated/prisma/client.js',
      'zod',
      'typebox',
      'pino',
      '@fastify/helmet',
      '@fastify/rate-limit',
    ];
    for (const spec of modules) {
      const r = spawnSync(process.execPath, ['tools/bench/footprint-modules.mjs', spec], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) {
        console.log(`| ${spec} | failed: ${r.stderr.split('\n')[0]} |`);
        continue;
      }
      const { before, after } = JSON.parse(r.stdout) as { before: number; after: number };
      console.log(
        `| ${spec === './dist/generated/prisma/client.js' ? 'Prisma client (generated + runtime)' : spec} | +${Math.round((after - before) / 1048576)} MB |`,
      );
    }
  } finally {
    stub.server.close();
    await temp.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
