/**
 * The real services integration tests talk to.
 *  - The machine's Postgres and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, defaults 127.0.0.1).
 *    When one is missing the tests that need it skip, unless REQUIRE_SERVICES=1 (set by .ci/run),
 *    in which case they fail: CI must never go green by skipping.
 *  - Throwaway instances on spare ports for tests that stop or kill a service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, readdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env.REQUIRE_SERVICES === '1';

/** Whether something accepts TCP connections on host:port (within timeoutMs). */
export function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Whether the service at `url` accepts TCP connections. */
export async function reachable(url: string, defaultPort: number) {
  const u = new URL(url);
  return tcpOpen(u.hostname, Number(u.port || defaultPort));
}

/**
 * Resolve true when the service is there. When it is not: skip the test (fresh machine without
 * services) or, under REQUIRE_SERVICES=1, fail it.
 */
export async function needs(t: TestContext, service: 'postgres' | 'redis'): Promise<boolean> {
  const ok = service === 'postgres' ? await reachable(PG_URL, 5432) : await reachable(REDIS_URL, 6379);
  if (ok) return true;
  if (REQUIRED) throw new Error(`${service} is required (REQUIRE_SERVICES=1) but not reachable`);
  t.skip(`${service} not reachable; start it to run this test`);
  return false;
}

/** A fresh, uniquely named database on the machine's Postgres; dropped by drop(). */
export async function createTempDatabase(prefix = 'railfast_test'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A fresh database for one test, dropped after it whatever happens in between: the drop is
 * registered before any other setup step can fail.
 */
export async function tempDatabase(t: TestContext, prefix = 'railfast_test'): Promise<string> {
  const db = await createTempDatabase(prefix);
  t.after(db.drop);
  return db.url;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} not up after ${timeoutMs} ms`);
}

/** A redis-server of our own on a spare port: kill() simulates a crash, start() brings it back empty. */
export async function throwawayRedis() {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const api = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor('redis', () => tcpOpen('127.0.0.1', port), 5000);
    },
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await api.start();
  return api;
}

/** A Postgres cluster of our own on a spare port (initdb'd in a temp dir), run as the postgres user. */
export async function throwawayPostgres() {
  const major = readdirSync('/usr/lib/postgresql').sort().pop();
  const bin = `/usr/lib/postgresql/${major}/bin`;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'railfast-pg-'));
  chmodSync(dir, 0o777);
  const asPg = (cmd: string) => {
    const r = spawnSync('su', ['postgres', '-s', '/bin/bash', '-c', cmd], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr || r.stdout}`);
  };
  asPg(`${bin}/initdb -D ${dir}/data -A trust -U postgres >/dev/null`);
  const ctl = (action: string) =>
    asPg(`${bin}/pg_ctl -D ${dir}/data -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1" -w -l ${dir}/log ${action}`);
  const api = {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start: () => ctl('start'),
    /** Crash-like stop. */
    stop: () => ctl('-m immediate stop'),
    destroy() {
      try {
        ctl('-m immediate stop');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  api.start();
  return api;
}
