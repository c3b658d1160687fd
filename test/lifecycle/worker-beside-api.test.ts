/**
 * `npm start` and `npm run worker` side by side on one machine (development): `npm run worker`
 * gives the worker its own port (WORKER_PORT, else PORT + 1), both answer their probes, and the
 * worker runs the jobs the API accepts. With the embedded database a worker would share one process's database: it
 * refuses to start, saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startProcess, startScript, type Proc } from '../helpers/process.js';
import { freePort, needs, tempDatabase } from '../helpers/services.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

test('API and worker on one machine in development: separate ports, jobs flow from one to the other', async (t) => {
  if (!(await needs(t, 'postgres'))) return;
  const url = await tempDatabase(t, 'railfast_beside');
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL: url,
    MIGRATE_ON_BOOT: 'true',
    ADMIN_TOKEN,
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'info',
  };
  const procs: Proc[] = [];
  t.after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exit));
  });
  const api = await startProcess(['dist/server.js'], { ...env, RUN_WORKERS: 'false' });
  procs.push(api);
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const worker = await startScript(scripts.worker!, env);
  procs.push(worker);

  assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port + 1}/ready`)).status, 200, 'the worker listens on PORT + 1');
  assert.equal((await fetch(`http://127.0.0.1:${port + 1}/api/v1/jobs`)).status, 404, 'the worker serves no API');

  const res = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ type: 'echo', payload: { hello: 'worker' } }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  let status = '';
  for (let i = 0; i < 100 && status !== 'completed'; i++) {
    const job = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as { status: string };
    status = job.status;
    if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'completed');
});

test('a worker on the embedded database refuses to start, naming DATABASE_URL', () => {
  const r = spawnSync(process.execPath, ['dist/worker.js'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: '/nonexistent-never-created' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /The worker process needs DATABASE_URL \(Postgres\): the embedded database can only be used by one process/);
});
