/**
 * Process helpers for the deploy simulation: bounded shell steps, long-running services, HTTP
 * polling and signal-driven stops. Every wait here has a deadline.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export type Env = Record<string, string>;

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

export interface ShOptions {
  cwd: string;
  env: Env;
  timeoutMs: number;
}

/** Run one build step through /bin/sh (as Docker's shell-form RUN does); throw with its output on failure. */
export function sh(command: string, opts: ShOptions): { output: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync('/bin/sh', ['-c', command], {
    cwd: opts.cwd,
    env: opts.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) throw new Error(`"${command}" could not run: ${r.error.message}\n${tail(output)}`);
  if (r.signal) throw new Error(`"${command}" killed by ${r.signal} (limit ${opts.timeoutMs} ms)\n${tail(output)}`);
  if (r.status !== 0) throw new Error(`"${command}" exited ${r.status}\n${tail(output)}`);
  return { output, ms: Math.round(performance.now() - t0) };
}

/** `sh` without blocking the event loop, so independent builds can run side by side. */
export async function shAsync(command: string, opts: ShOptions): Promise<{ output: string; ms: number }> {
  const t0 = performance.now();
  const s = startService(['/bin/sh', '-c', command], { cwd: opts.cwd, env: opts.env });
  const timer = setTimeout(() => s.child.kill('SIGKILL'), opts.timeoutMs);
  const r = await s.exited.finally(() => clearTimeout(timer));
  const output = s.output();
  if (r.signal) throw new Error(`"${command}" killed by ${r.signal} (limit ${opts.timeoutMs} ms)\n${tail(output)}`);
  if (r.code !== 0) throw new Error(`"${command}" exited ${r.code}\n${tail(output)}`);
  return { output, ms: Math.round(performance.now() - t0) };
}

/** Split a platform start command into argv. Start commands here are plain words, no shell. */
export function argv(command: string): string[] {
  if (/[$`|&;<>(){}\\'"*?]/.test(command))
    throw new Error(`start command needs a shell, which exec-form platforms do not provide: ${command}`);
  return command.trim().split(/\s+/);
}

export interface Service {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startService(args: string[], opts: { cwd: string; env: Env; uid?: number; gid?: number }): Service {
  const [cmd, ...rest] = args;
  const child = spawn(cmd!, rest, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, output: () => out, exited };
}

/** Poll `url` until it answers `status` (a redirect is a failure, as on Railway). */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  service?: Service,
): Promise<{ ms: number; body: unknown }> {
  const t0 = performance.now();
  let last = 'no answer';
  let dead: string | null = null;
  void service?.exited.then((e) => (dead = `process exited (code ${e.code}, signal ${e.signal})`));
  while (performance.now() - t0 < timeoutMs) {
    if (dead) break;
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      if (res.status === status) {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        return { ms: Math.round(performance.now() - t0), body };
      }
      last = `${res.status} ${text.slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(150);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${dead ?? `last: ${last}`})\n${tail(service?.output() ?? '')}`);
}

/** Send `signal` and wait for the exit, at most `timeoutMs`; SIGKILL (and throw) past it. */
export async function stop(service: Service, signal: NodeJS.Signals, timeoutMs: number) {
  const t0 = performance.now();
  if (service.child.exitCode !== null || service.child.signalCode !== null)
    throw new Error(`process already exited\n${tail(service.output())}`);
  service.child.kill(signal);
  const timer = sleep(timeoutMs).then(() => 'timeout' as const);
  const r = await Promise.race([service.exited, timer]);
  if (r === 'timeout') {
    service.child.kill('SIGKILL');
    await service.exited;
    throw new Error(`no exit within ${timeoutMs} ms of ${signal} (a platform would SIGKILL here)\n${tail(service.output())}`);
  }
  return { ...r, ms: Math.round(performance.now() - t0) };
}

/** Kill whatever is still running; for cleanup paths. */
export async function kill(service: Service | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGKILL');
  await Promise.race([service.exited, sleep(5000)]);
}

/** A spare port on 127.0.0.1 (one implementation, shared with the tests). */
export { freePort } from '../../test/helpers/services.js';

/** Remove a scratch tree; `rm -rf` is several times faster than fs.rmSync on tens of thousands of files. */
export function removeTree(dir: string): void {
  spawnSync('rm', ['-rf', '--', dir], { stdio: 'ignore', timeout: 120_000 });
}
