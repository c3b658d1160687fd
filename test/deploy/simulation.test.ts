/**
 * Deploy simulation: every command Railway and Nixpacks/Procfile platforms would run, run here on a
 * clean clone (scripts/deploy/clean-tree.ts), against a fresh Postgres database and a throwaway
 * Redis. Slow (two `npm ci`), so it runs only under `npm run test:deploy` (RUN_DEPLOY_SIMULATION=1).
 *   Docker:   the Dockerfile's stages (scripts/deploy/dockerfile.ts), railway.json's preDeployCommand,
 *             startCommand (/health 200 within healthcheckTimeout, HEALTHCHECK passes, SIGTERM → exit
 *             0 within drainingSeconds) and railway.worker.json's worker the same way.
 *   Nixpacks: nixpacks.toml's install and build phases, then the Procfile's release, web and worker
 *             lines with nothing but PORT, DATABASE_URL, REDIS_URL and PATH set.
 * DEPLOY_SIM_TREE=clone|worktree forces how the clean tree is made (default: clone when committed);
 * DEPLOY_SIM_REPO=<dir> simulates another checkout.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bootAndDrain } from '../../tools/deploy-check/boot.js';
import { cleanTree, type TreeMode } from '../../tools/deploy-check/clean-tree.js';
import type { SimulatedImage } from '../../tools/deploy-check/dockerfile.js';
import { readNixpacksPlan, runNixpacksPhases } from '../../tools/deploy-check/nixpacks.js';
import { argv, freePort, removeTree, sh, startService, type Env } from '../../tools/deploy-check/proc.js';
import { commandProblems, validateRailwayConfig, type RailwayConfig } from '../../tools/deploy-check/railway-config.js';
import { baseEnv, buildImage, runHealthcheck, runtimeIds } from '../../tools/deploy-check/simulate-docker-build.js';
import { createTempDatabase, needs, throwawayRedis } from '../helpers/services.js';

const enabled = process.env.RUN_DEPLOY_SIMULATION === '1';
const repo = process.env.DEPLOY_SIM_REPO ?? join(import.meta.dirname, '..', '..');
const PATH = baseEnv().PATH;

async function migrationsRecorded(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string }>(
      'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1',
    );
    return r.rows.map((x) => x.name);
  } finally {
    await c.end();
  }
}

/** A promise's outcome and duration, never rejecting (so a build can run while other steps do). */
function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  return p.then(
    (value) => ({ ok: true as const, value, ms: ms() }),
    (error: unknown) => ({ ok: false as const, error, ms: ms() }),
  );
}

/** Run a one-shot command (pre-deploy / release) the way the platform does: exec form, must exit 0. */
async function runOnce(command: string, cwd: string, env: Env, ids: { uid?: number; gid?: number } = {}) {
  const s = startService(argv(command), { cwd, env, ...ids });
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 120_000);
  const r = await s.exited.finally(() => clearTimeout(timer));
  assert.equal(r.code, 0, `${command} exited ${r.code ?? r.signal}:\n${s.output()}`);
  return s.output();
}

test(
  'deploy simulation: clean clone → build → pre-deploy migration → start → health → SIGTERM',
  { skip: enabled ? false : 'slow; run with `npm run test:deploy`', timeout: 15 * 60_000 },
  async (t) => {
    if (!(await needs(t, 'postgres')) || !(await needs(t, 'redis'))) return;
    const work = mkdtempSync(join(tmpdir(), 'railfast-deploy-sim-'));
    chmodSync(work, 0o755); // the image user (nobody here) must reach the tree
    t.after(() => removeTree(work));
    const railway = JSON.parse(readFileSync(join(repo, 'railway.json'), 'utf8')) as RailwayConfig;
    const worker = JSON.parse(readFileSync(join(repo, 'railway.worker.json'), 'utf8')) as RailwayConfig;
    const healthTimeoutMs = railway.deploy.healthcheckTimeout * 1000;
    const drainLimitMs = railway.deploy.drainingSeconds * 1000;

    const context = join(work, 'context');
    const tree = cleanTree(repo, context, (process.env.DEPLOY_SIM_TREE as TreeMode | undefined) ?? 'auto');
    t.diagnostic(`clean tree: ${tree.mode} of ${tree.commit.slice(0, 12)}, ${tree.files} files`);
    const migrationNames = readdirSync(join(context, 'prisma/migrations'))
      .filter((d) => existsSync(join(context, 'prisma/migrations', d, 'migration.sql')))
      .sort();

    // Nixpacks builds one image from the app directory: its own copy of the clean tree. Both builds
    // start now and run side by side (they are independent, and most of their time is npm ci).
    const app = join(work, 'nixpacks-app');
    sh(`cp -a '${context}/.' '${app}/'`, { cwd: work, env: { PATH }, timeoutMs: 60_000 });
    const dockerBuild = settle(buildImage(context, work));
    const nixLog: string[] = [];
    const nixBuild = settle(
      runNixpacksPhases(readNixpacksPlan(join(app, 'nixpacks.toml')), app, baseEnv(), 300_000, (l) => nixLog.push(l)),
    );

    const redis = await throwawayRedis();
    t.after(() => redis.kill());

    await t.test('railway.json and railway.worker.json: types Railway accepts, node started directly', () => {
      for (const c of [railway, worker]) {
        assert.deepEqual(validateRailwayConfig(c), []);
        assert.deepEqual(
          [c.deploy.startCommand, ...[c.deploy.preDeployCommand ?? []].flat()].flatMap((cmd) => commandProblems('command', cmd)),
          [],
        );
      }
    });

    let image: SimulatedImage | undefined;
    await t.test('Dockerfile: every stage builds on the clean clone and every COPY source exists', async () => {
      const r = await dockerBuild;
      if (!r.ok) throw r.error;
      image = r.value;
      t.diagnostic(`docker build: ${r.ms} ms`);
      for (const line of image.log) t.diagnostic(`  ${line}`);
      assert.ok(image.cmdIsExecForm, 'exec-form CMD');
      assert.deepEqual(image.cmd, argv(railway.deploy.startCommand), 'CMD = railway.json startCommand');
      assert.equal(image.entrypoint, null);
      assert.equal(image.env.NODE_ENV, 'production');
      assert.ok(image.user && image.user !== 'root', 'runs as a non-root user');
      assert.ok(existsSync(join(image.workdir, 'node_modules/@prisma/client')), 'runtime dependencies present');
      assert.ok(!existsSync(join(image.workdir, 'node_modules/tsx')), 'dev dependencies pruned');
    });

    // What a forker sets on Railway (README, "Set these"); without JWT_SECRET /health says degraded.
    const dockerEnv = (port: number, db: string): Env => ({
      ...image!.env,
      PATH,
      PORT: String(port),
      DATABASE_URL: db,
      REDIS_URL: redis.url,
      JWT_SECRET: 'a-deploy-test-jwt-secret-of-40-characters',
    });
    const skipUnlessBuilt = (c: TestContext) => (image ? false : (c.skip('the image did not build'), true));

    const dbA = await createTempDatabase('railfast_deploy');
    t.after(() => dbA.drop());
    await t.test('railway.json preDeployCommand migrates a fresh database (and is a no-op the second time)', async (c) => {
      if (skipUnlessBuilt(c)) return;
      for (let round = 0; round < 2; round++) {
        for (const cmd of [railway.deploy.preDeployCommand ?? []].flat()) {
          await runOnce(cmd, image!.workdir, { ...image!.env, PATH, DATABASE_URL: dbA.url }, runtimeIds());
        }
        assert.deepEqual(await migrationsRecorded(dbA.url), migrationNames);
      }
    });

    await t.test(
      'railway.json startCommand: /health 200 within healthcheckTimeout, HEALTHCHECK passes, SIGTERM → exit 0 within drainingSeconds',
      async (c) => {
        if (skipUnlessBuilt(c)) return;
        const port = await freePort();
        const env = dockerEnv(port, dbA.url);
        const r = await bootAndDrain({
          argv: argv(railway.deploy.startCommand),
          cwd: image!.workdir,
          env,
          port,
          healthPath: railway.deploy.healthcheckPath,
          healthTimeoutMs,
          drainLimitMs,
          ...runtimeIds(),
          whileUp: async (_s, base) => {
            runHealthcheck(image!, env);
            const version = (await (await fetch(`${base}/version`)).json()) as Record<string, unknown>;
            assert.equal(version.environment, 'production');
          },
        });
        t.diagnostic(`docker web: /health 200 after ${r.healthMs} ms; SIGTERM → exit ${r.exitCode} after ${r.drainMs} ms`);
        assert.equal((r.health as { status: string }).status, 'healthy');
        assert.equal(r.exitCode, 0, r.output);
      },
    );

    await t.test('railway.worker.json startCommand: /ready 200, SIGTERM → exit 0 within drainingSeconds', async (c) => {
      if (skipUnlessBuilt(c)) return;
      const port = await freePort();
      const r = await bootAndDrain({
        argv: argv(worker.deploy.startCommand),
        cwd: image!.workdir,
        env: dockerEnv(port, dbA.url),
        port,
        healthPath: worker.deploy.healthcheckPath,
        healthTimeoutMs: worker.deploy.healthcheckTimeout * 1000,
        drainLimitMs: worker.deploy.drainingSeconds * 1000,
        ...runtimeIds(),
      });
      t.diagnostic(
        `docker worker: ${worker.deploy.healthcheckPath} 200 after ${r.healthMs} ms; SIGTERM → exit ${r.exitCode} after ${r.drainMs} ms`,
      );
      assert.equal(r.exitCode, 0, r.output);
    });

    await t.test('Dockerfile image with no database configured: embedded database in ./data as the image user', async (c) => {
      if (skipUnlessBuilt(c)) return;
      const port = await freePort();
      const r = await bootAndDrain({
        argv: image!.cmd!,
        cwd: image!.workdir,
        env: { ...image!.env, PATH, PORT: String(port) },
        port,
        healthPath: '/health',
        healthTimeoutMs,
        drainLimitMs,
        ...runtimeIds(),
      });
      t.diagnostic(`docker web, PGlite: /health 200 after ${r.healthMs} ms; exit ${r.exitCode} after ${r.drainMs} ms`);
      assert.equal(r.exitCode, 0, r.output);
    });

    let built = false;
    await t.test('nixpacks.toml: install and build phases on the clean clone', async () => {
      const r = await nixBuild;
      for (const line of nixLog) t.diagnostic(`  nixpacks ${line}`);
      if (!r.ok) throw r.error;
      t.diagnostic(`nixpacks build: ${r.ms} ms`);
      assert.ok(existsSync(join(app, 'dist/server.js')));
      assert.ok(!existsSync(join(app, 'node_modules/tsx')), 'dev dependencies pruned');
      built = true;
    });

    const procfile = Object.fromEntries(
      readFileSync(join(app, 'Procfile'), 'utf8')
        .split('\n')
        .filter((l) => /^\w+:/.test(l))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    ) as Record<string, string>;
    const dbB = await createTempDatabase('railfast_deploy');
    t.after(() => dbB.drop());
    const only = (port: number): Env => ({ PATH, PORT: String(port), DATABASE_URL: dbB.url, REDIS_URL: redis.url });

    await t.test('Procfile release: migrates a fresh database with only DATABASE_URL set', async (c) => {
      if (!built) return void c.skip('the Nixpacks build failed');
      await runOnce(procfile.release!, app, { PATH, DATABASE_URL: dbB.url });
      assert.deepEqual(await migrationsRecorded(dbB.url), migrationNames);
    });

    for (const [line, path] of [
      ['web', railway.deploy.healthcheckPath],
      ['worker', worker.deploy.healthcheckPath],
    ] as const) {
      await t.test(`Procfile ${line}: only PORT, DATABASE_URL, REDIS_URL set; ${path} 200 in budget; SIGTERM → exit 0`, async (c) => {
        if (!built) return void c.skip('the Nixpacks build failed');
        const port = await freePort();
        const r = await bootAndDrain({
          argv: argv(procfile[line]!),
          cwd: app,
          env: only(port),
          port,
          healthPath: path,
          healthTimeoutMs,
          drainLimitMs,
        });
        t.diagnostic(`Procfile ${line}: ${path} 200 after ${r.healthMs} ms; SIGTERM → exit ${r.exitCode} after ${r.drainMs} ms`);
        assert.equal(r.exitCode, 0, r.output);
      });
    }
  },
);
