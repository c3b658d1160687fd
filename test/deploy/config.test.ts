/**
 * The deploy files agree with each other and with what the platforms accept, checked statically
 * (fast, part of `npm test`). The slow end-to-end proof is test/deploy-simulation.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { parseDockerfile } from '../../tools/deploy-check/dockerfile.js';
import { loadDockerignore } from '../../tools/deploy-check/dockerignore.js';
import { readNixpacksPlan } from '../../tools/deploy-check/nixpacks.js';
import { commandProblems, validateRailwayConfig, type RailwayConfig } from '../../tools/deploy-check/railway-config.js';

const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const railway = JSON.parse(read('railway.json')) as RailwayConfig;
const worker = JSON.parse(read('railway.worker.json')) as RailwayConfig;
const procfile = Object.fromEntries(
  read('Procfile')
    .split('\n')
    .filter((l) => /^\w+:/.test(l))
    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
) as Record<string, string>;
const preDeploy = (c: RailwayConfig) => [c.deploy.preDeployCommand ?? []].flat();

/** `node [--import ./dist/x.js] dist/y.js` → the TypeScript sources those compiled files come from. */
function sourcesOf(command: string): string[] {
  return command
    .split(/\s+/)
    .filter((w) => /^(\.\/)?dist\/.+\.js$/.test(w))
    .map((w) => w.replace(/^(\.\/)?dist\//, 'src/').replace(/\.js$/, '.ts'));
}

test('railway.json and railway.worker.json use only fields and types Railway accepts', () => {
  assert.deepEqual(validateRailwayConfig(railway), []);
  assert.deepEqual(validateRailwayConfig(worker), []);
  assert.equal((railway as unknown as Record<string, unknown>).$schema, 'https://railway.com/railway.schema.json');
});

test('the validator rejects what Railway rejects, with its message', () => {
  const bad = {
    deploy: { drainingSeconds: '10', restartPolicyType: 'on_failure', healthCheckPath: '/health' },
    build: { builder: 'DOCKER' },
  };
  assert.deepEqual(validateRailwayConfig(bad), [
    "build.builder: Invalid enum value. Expected 'RAILPACK' | 'DOCKERFILE' | 'NIXPACKS', received 'DOCKER'",
    'deploy.drainingSeconds: Expected number, received string',
    "deploy.restartPolicyType: Invalid enum value. Expected 'ON_FAILURE' | 'ALWAYS' | 'NEVER', received 'on_failure'",
    'deploy.healthCheckPath: not a Railway deploy setting',
  ]);
  assert.deepEqual(commandProblems('startCommand', 'npm start'), [
    'startCommand must start with "node" (got "npm"): npm/yarn/sh as PID 1 do not forward SIGTERM reliably',
  ]);
});

test('both services: Dockerfile builder, node started directly with Sentry preloaded, migrations before deploy', () => {
  for (const [name, c, entry, health] of [
    ['railway.json', railway, 'src/server.ts', '/health'],
    ['railway.worker.json', worker, 'src/worker.ts', '/ready'],
  ] as const) {
    assert.equal(c.build.builder, 'DOCKERFILE', name);
    assert.ok(existsSync(join(root, c.build.dockerfilePath!)), `${name}: dockerfilePath`);
    assert.deepEqual(commandProblems('startCommand', c.deploy.startCommand), [], name);
    assert.match(c.deploy.startCommand, /^node --max-semi-space-size=1 --import \.\/dist\/instrument\.js dist\/\w+\.js$/, name);
    assert.deepEqual(sourcesOf(c.deploy.startCommand), ['src/instrument.ts', entry], name);
    for (const src of sourcesOf(c.deploy.startCommand))
      assert.ok(existsSync(join(root, src)), `${name}: startCommand runs the build of ${src}, which does not exist`);
    assert.ok(Array.isArray(c.deploy.preDeployCommand), `${name}: preDeployCommand is an array`);
    for (const cmd of preDeploy(c)) {
      assert.deepEqual(commandProblems('preDeployCommand', cmd), [], name);
      for (const src of sourcesOf(cmd))
        assert.ok(existsSync(join(root, src)), `${name}: ${cmd} runs the build of ${src}, which does not exist`);
    }
    assert.equal(c.deploy.healthcheckPath, health, name);
    assert.ok(c.deploy.healthcheckTimeout >= 10 && c.deploy.healthcheckTimeout <= 300, name);
    assert.equal(c.deploy.restartPolicyType, 'ON_FAILURE', name);
    assert.equal(c.deploy.restartPolicyMaxRetries, 10, name);
  }
});

test('overlapSeconds and drainingSeconds fit the drain the app performs in production', () => {
  const prod = loadConfig({ NODE_ENV: 'production' });
  for (const c of [railway, worker]) {
    // SIGKILL comes drainingSeconds after SIGTERM; our drain ends by SHUTDOWN_TIMEOUT_MS at the latest
    // (it exits 1 itself past that). Keep >= 2 s for the process to flush logs and exit.
    assert.ok(
      c.deploy.drainingSeconds * 1000 >= prod.SHUTDOWN_TIMEOUT_MS + 2000,
      `drainingSeconds ${c.deploy.drainingSeconds} vs SHUTDOWN_TIMEOUT_MS ${prod.SHUTDOWN_TIMEOUT_MS}`,
    );
    // The old deployment keeps serving for overlapSeconds after the new one is live, and Railway
    // does not probe /ready during teardown: give the edge at least the readiness drain delay.
    assert.ok(
      c.deploy.overlapSeconds * 1000 >= prod.READINESS_DRAIN_DELAY_MS,
      `overlapSeconds ${c.deploy.overlapSeconds} vs READINESS_DRAIN_DELAY_MS ${prod.READINESS_DRAIN_DELAY_MS}`,
    );
  }
  assert.equal(railway.deploy.drainingSeconds, 15);
  assert.equal(railway.deploy.overlapSeconds, 5);
});

test('Procfile and nixpacks.toml start the same commands as the Railway configs', () => {
  assert.equal(procfile.web, railway.deploy.startCommand);
  assert.equal(procfile.worker, worker.deploy.startCommand);
  assert.equal(procfile.release, preDeploy(railway)[0]);
  for (const [k, v] of Object.entries(procfile)) assert.deepEqual(commandProblems(`Procfile ${k}`, v), []);
  const plan = readNixpacksPlan(join(root, 'nixpacks.toml'));
  assert.equal(plan.start, procfile.web);
  assert.equal(plan.variables.NODE_ENV, 'production');
  assert.ok(
    plan.install.some((c) => /^npm ci\b.*--include=dev/.test(c)),
    'install: npm ci including dev dependencies',
  );
  // Same steps as the Dockerfile's build stage (the provider's NPM_CONFIG_PRODUCTION=false would
  // otherwise keep dev dependencies through the prune).
  assert.deepEqual(plan.build, [
    'node scripts/check-node-version.mjs',
    'npm run db:generate',
    'npm run build',
    'npm run build:seed',
    'NPM_CONFIG_PRODUCTION= npm prune --omit=dev --ignore-scripts --no-audit --no-fund',
  ]);
  assert.ok(plan.nixPkgs.includes('openssl'), 'openssl for Prisma');
  const node = plan.nixPkgs.find((p) => /^nodejs_\d+$/.test(p));
  assert.equal(node, `nodejs_${read('.nvmrc').trim()}`, 'the Node line of .nvmrc');
  assert.equal(plan.variables.NIXPACKS_NODE_VERSION, node!.slice('nodejs_'.length));
});

test('Dockerfile: deps → build → runtime, the Node line of .nvmrc, non-root, exec-form CMD = startCommand, HEALTHCHECK', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  assert.deepEqual(
    stages.map((s) => s.name),
    ['deps', 'build', 'runtime'],
  );
  const runtime = stages[2]!;
  assert.equal(runtime.base, `node:${read('.nvmrc').trim()}-bookworm-slim`);
  const ops = (op: string) => runtime.instructions.filter((i) => i.op === op);
  assert.deepEqual(
    ops('CMD').map((i) => i.json),
    [railway.deploy.startCommand.split(' ')],
  );
  assert.equal(ops('ENTRYPOINT').length, 0, "Railway's startCommand replaces ENTRYPOINT; keep node as PID 1 via CMD");
  assert.deepEqual(
    ops('USER').map((i) => i.text),
    ['node'],
  );
  assert.ok(ops('ENV').some((i) => i.text === 'NODE_ENV=production'));
  // /live: served by the web and the worker service alike (one image, two services).
  assert.match(ops('HEALTHCHECK')[0]?.text ?? '', /\/live/);
  const deps = stages[0]!.instructions.map((i) => i.text);
  assert.ok(deps.includes('npm ci --ignore-scripts --no-audit --no-fund'));
  const build = stages[1]!.instructions.find((i) => i.op === 'RUN')!.text;
  assert.match(build, /npm run db:generate && npm run build && npm run build:seed && npm prune --omit=dev/);
});

test('.dockerignore keeps installed, generated and secret files out, and what the build needs in', () => {
  const ignore = loadDockerignore(root);
  for (const f of [
    'node_modules/x/index.js',
    'dist/server.js',
    'data/pg/PG_VERSION',
    '.env',
    '.env.production',
    '.git/HEAD',
    'src/generated/prisma/client.ts',
  ]) {
    assert.ok(ignore.excluded(f), `${f} should be excluded`);
  }
  for (const f of [
    'package.json',
    'package-lock.json',
    'src/server.ts',
    'prisma/schema.prisma',
    'prisma.config.ts',
    'scripts/no-schema-engine.sh',
    'scripts/build-info.mjs',
    'scripts/check-node-version.mjs',
    'tsconfig.json',
    'tsconfig.build.json',
    '.env.example',
  ]) {
    assert.ok(!ignore.excluded(f), `${f} must reach the build`);
  }
});

test('package-lock.json has an entry for every optional dependency it names (or npm ci fails)', () => {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      // npm resolves from the nearest node_modules upwards; hoisted to the top in practice.
      const candidates = [`${path ? `${path}/` : ''}node_modules/${dep}`, `node_modules/${dep}`];
      if (!candidates.some((c) => c in lock.packages)) missing.push(`${dep} (optional dependency of ${path || 'the root'})`);
    }
  }
  assert.deepEqual(
    missing,
    [],
    'npm ci: "Missing: <pkg> from lock file"; regenerate the lockfile where the registry has every platform package',
  );
});

test('Railway variables reach every log line and /version', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const env = {
    RAILWAY_SERVICE_NAME: 'api',
    RAILWAY_ENVIRONMENT_NAME: 'production',
    RAILWAY_DEPLOYMENT_ID: 'dep-1',
    RAILWAY_REPLICA_ID: 'rep-2',
    RAILWAY_GIT_COMMIT_SHA: '0123456789abcdef0123',
  };
  const log = createLogger(testConfig({ ...env, LOG_LEVEL: 'info' }), sink);
  log.info('hello');
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { service: line.service, env: line.env, deploymentId: line.deploymentId, replicaId: line.replicaId, commit: line.commit },
    { service: 'api', env: 'production', deploymentId: 'dep-1', replicaId: 'rep-2', commit: '0123456789ab' },
  );
  assert.equal(testConfig(env).TRUST_PROXY, 1);
});

test('one Node line ships: check-node-version passes here and fails loudly when a file disagrees', () => {
  const script = join(root, 'scripts/check-node-version.mjs');
  assert.equal(spawnSync(process.execPath, [script], { encoding: 'utf8' }).status, 0);
  const copy = mkdtempSync(join(tmpdir(), 'railfast-node-line-'));
  try {
    for (const f of ['package.json', '.nvmrc', 'nixpacks.toml']) writeFileSync(join(copy, f), read(f));
    writeFileSync(join(copy, 'Dockerfile'), read('Dockerfile').replace(/^FROM node:\d+/m, 'FROM node:20'));
    const r = spawnSync(process.execPath, [script, copy], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Dockerfile: FROM node:20-bookworm-slim is not Node \d+/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
