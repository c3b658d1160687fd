/**
 * Run the service as a real process (for signal, drain and crash tests) and read its JSON logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './services.js';

export interface Proc {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  stderr: string[];
  exit: Promise<number | null>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * Spawn `node [...args]` with env (PORT defaults to a free one), and resolve once it logs that it
 * is listening.
 * `args` is e.g. ['dist/server.js'] or ['--import', 'tsx', 'test/fixtures/slow-server.ts'].
 */
export async function startProcess(args: string[], env: Record<string, string>, readyTimeoutMs = 60_000): Promise<Proc> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, args, {
    // No memory guard or RSS shedding unless a test asks: fixtures run under tsx with an in-memory
    // database (~500 MB), far above a production process and the 512 MB-instance defaults.
    env: { PATH: process.env.PATH ?? '', LOG_PRETTY: 'false', NODE_ENV: 'production', MAX_RSS_MB: '0', SHED_MAX_RSS_MB: '0', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchProcess(child, port, readyTimeoutMs);
}

/**
 * Run an npm script's command line as `npm run` would (through sh), without npm in between.
 * The shell and node run in a process group of their own, and `child.kill` ends the whole group.
 */
export async function startScript(script: string, env: Record<string, string>, readyTimeoutMs = 60_000): Promise<Proc> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn('sh', ['-c', script], {
    env: { PATH: process.env.PATH ?? '', LOG_PRETTY: 'false', NODE_ENV: 'production', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  child.kill = (signal?: NodeJS.Signals | number) => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  return watchProcess(child, port, readyTimeoutMs);
}

async function watchProcess(child: ChildProcess, port: string, readyTimeoutMs: number): Promise<Proc> {
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        line = { msg: raw };
      }
      logs.push(line);
      for (const w of [...waiters]) if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`log line not seen in ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs);
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exit.then((code) => reject(new Error(`process exited (${code}) before the log line; stderr: ${stderr.join('')}`)));
    });
  };

  try {
    await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('ready: listening'), readyTimeoutMs);
  } catch (err) {
    child.kill('SIGKILL'); // never leave a half-booted server behind
    throw err;
  }
  return { child, port: Number(port), logs, stderr, exit, waitForLog };
}
