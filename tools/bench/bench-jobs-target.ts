/**
 * The processes `npm run bench:jobs` measures (see bench-jobs.ts): each target in its own
 * process(es) with its own throwaway database and Redis key prefix, its CPU time from /proc, its
 * ledger counts, and the HTTP load (wrk when installed, else autocannon) posting echo jobs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createTempDatabase, freePort, REDIS_URL, tcpOpen } from '../../test/helpers/services.js';

export const WRK = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error ? null : 'wrk';
const env = process.env;
const BODY = JSON.stringify({ type: 'echo', payload: { hello: 'world' } });

export interface Proc {
  child: ChildProcess;
  stop: () => Promise<void>;
}
export const children = new Set<ChildProcess>();

async function spawnServer(args: string[], procEnv: Record<string, string>, port: number): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { PATH: env.PATH ?? '', ...procEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const until = Date.now() + 60_000;
  while (!(await tcpOpen('127.0.0.1', port, 300))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not start: ${stderr}`);
    }
    await sleep(100);
  }
  const stop = async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(killer);
    children.delete(child);
  };
  return { child, stop };
}

export interface Target {
  name: string;
  url: string;
  procs: Proc[];
  db: pg.Client;
  cleanup: () => Promise<void>;
}

export async function startTarget(name: string, appEnv: Record<string, string>): Promise<Target> {
  const database = await createTempDatabase('railfast_benchjobs');
  const prefix = `bench-jobs-${name}-${randomBytes(3).toString('hex')}`;
  const services = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const port = await freePort();
  const procs: Proc[] = [];
  if (name === 'raw') procs.push(await spawnServer(['tools/bench/bench-jobs-raw.ts', String(port)], services, port));
  else {
    const fullEnv = { ...appEnv, ...services, PORT: String(port), HOST: '127.0.0.1' };
    procs.push(
      await spawnServer(
        ['--import', './src/instrument.ts', 'tools/bench/bench-server.ts', 'on', String(port)],
        { ...fullEnv, ...(name === 'split' ? { RUN_WORKERS: 'false' } : {}) },
        port,
      ),
    );
    if (name === 'split') {
      const workerPort = await freePort();
      procs.push(
        await spawnServer(['--import', './src/instrument.ts', 'src/worker.ts'], { ...fullEnv, PORT: String(workerPort) }, workerPort),
      );
    }
  }
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  return {
    name,
    url: `http://127.0.0.1:${port}/api/v1/jobs`,
    procs,
    db,
    cleanup: async () => {
      for (const p of procs.reverse()) await p.stop();
      await db.end();
      await database.drop();
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** CPU seconds (user + system) used so far by the target's processes. */
export const cpuSeconds = (t: Target) =>
  t.procs.reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);

export async function counts(t: Target): Promise<{ rows: number; done: number }> {
  const r = await t.db.query(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE status IN ('completed', 'dead'))::int AS done FROM jobs`,
  );
  return r.rows[0];
}

let luaScript: string | undefined;
export async function load(
  url: string,
  seconds: number,
  connections: number,
  token: string,
): Promise<{ requests: number; non2xx: number; errors: number; p99Ms: number }> {
  if (WRK) {
    luaScript ??= join(mkdtempSync(join(tmpdir(), 'bench-jobs-')), 'post.lua');
    writeFileSync(
      luaScript,
      `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\n`,
    );
    const r = spawnSync(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', luaScript, url], {
      encoding: 'utf8',
      timeout: (seconds + 10) * 1000,
    });
    const out = r.stdout;
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const errors = (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out) ?? [])
      .slice(1)
      .reduce((a, b) => a + Number(b), 0);
    return {
      requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
      non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
      errors,
      p99Ms: p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : NaN,
    };
  }
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  return { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, p99Ms: r.latency.p99 };
}
