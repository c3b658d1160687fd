/**
 * `npm start` and `npm run dev` stop completely on SIGTERM and SIGINT sent to npm itself (what a
 * process manager or `kill <pid>` does): the app drains and exits, and no node process is left
 * running, reparented. Real processes, each stopped by its pid. `npm start` with an up-to-date
 * build (npm test builds first) does not rebuild.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../helpers/services.js';

/** Every descendant of `pid` (from /proc), so we can check each one is gone afterwards. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

async function runAndStop(script: string, signal: NodeJS.Signals) {
  const port = await freePort();
  const npm = spawn('npm', ['run', script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      PORT: String(port),
      DATABASE_URL: 'pglite:memory',
      LOG_PRETTY: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(npm, 'exit');
  let tree: number[] = [];
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      assert.ok(npm.exitCode === null && i < 1800, `npm run ${script} did not come up:\n${output}`);
      await sleep(100);
    }
    tree = descendants(npm.pid!);
    assert.ok(tree.length > 0);
    npm.kill(signal);
    const [code] = await exited;
    // Whatever is still running a moment after npm exited was left behind.
    for (let i = 0; i < 50 && tree.some(alive); i++) await sleep(100);
    assert.deepEqual(tree.filter(alive), [], `left running after npm run ${script} exited (${code}) on ${signal}`);
    assert.match(output, /drain complete/);
    return output;
  } finally {
    for (const pid of [npm.pid!, ...tree]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`npm start stops completely on ${signal}`, async () => {
    const output = await runAndStop('start', signal);
    assert.match(output, /start: dist\/ is up to date/, 'an up-to-date build is not rebuilt');
  });

  test(`npm run dev stops completely on ${signal}`, async () => {
    await runAndStop('dev', signal);
  });
}
