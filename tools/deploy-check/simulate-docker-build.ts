/**
 * Build the Dockerfile without a Docker engine and boot the result, on a clean copy of the repo.
 *
 *   node --import tsx scripts/simulate-docker-build.ts [--clone | --worktree] [--keep] [--repo=DIR]
 *
 * Runs every stage's instructions in order (scripts/deploy/dockerfile.ts): fails if a COPY source
 * does not exist at that point or a RUN step fails. Then starts the image's CMD the way Railway
 * would (PORT only, no DATABASE_URL: the embedded database in ./data, as the unprivileged image
 * user when this runs as root), requires /health 200 within railway.json's healthcheckTimeout,
 * runs the image's HEALTHCHECK, sends SIGTERM and requires exit 0 within drainingSeconds.
 * The full deploy simulation with Postgres, Redis, Nixpacks and the Procfile is
 * test/deploy-simulation.test.ts (`npm run test:deploy`).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootAndDrain } from './boot.js';
import { cleanTree, type TreeMode } from './clean-tree.js';
import { simulateDockerBuild, type SimulatedImage } from './dockerfile.js';
import { argv as splitArgv, freePort, removeTree, sh, type Env } from './proc.js';
import type { RailwayConfig } from './railway-config.js';

const NOBODY = 65534;

/** Environment the image's base layer gives RUN steps here: node/npm on PATH, npm's cache and config in HOME. */
export function baseEnv(): { PATH: string; HOME: string } {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
}

/** uid/gid to run the image's USER as: nobody when we are root, else ourselves (already unprivileged). */
export function runtimeIds(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

export function buildImage(context: string, workDir: string, onLog?: (s: string) => void): Promise<SimulatedImage> {
  const stages = join(workDir, 'stages');
  mkdirSync(stages, { recursive: true });
  return simulateDockerBuild({
    dockerfile: join(context, 'Dockerfile'),
    context,
    workDir: stages,
    baseEnv: baseEnv(),
    ...(() => {
      const ids = runtimeIds();
      return { runtimeUid: ids.uid, runtimeGid: ids.gid };
    })(),
    stepTimeoutMs: 240_000,
    onLog,
  });
}

/** Run the image's HEALTHCHECK command against the running container; throws unless it exits 0. */
export function runHealthcheck(image: SimulatedImage, env: Env): void {
  if (!image.healthcheck) throw new Error('the Dockerfile has no HEALTHCHECK');
  const [cmd, ...args] = image.healthcheck.cmd;
  const quoted = [cmd!, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  sh(quoted, { cwd: image.workdir, env, timeoutMs: 10_000 });
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const mode: TreeMode = args.has('--clone') ? 'clone' : args.has('--worktree') ? 'worktree' : 'auto';
  const repoArg = [...args].find((a) => a.startsWith('--repo='));
  const repo = resolve(repoArg ? repoArg.slice('--repo='.length) : join(import.meta.dirname, '..', '..'));
  const railway = JSON.parse(readFileSync(join(repo, 'railway.json'), 'utf8')) as RailwayConfig;
  const work = mkdtempSync(join(tmpdir(), 'railfast-docker-sim-'));
  chmodSync(work, 0o755);
  const t0 = performance.now();
  try {
    const context = join(work, 'context');
    const tree = cleanTree(repo, context, mode);
    console.log(`context: ${tree.mode} of ${tree.commit.slice(0, 12)} (${tree.files} files)`);
    const image = await buildImage(context, work, (l) => console.log(`  ${l}`));
    console.log(
      `built in ${Math.round((performance.now() - t0) / 1000)} s; CMD ${JSON.stringify(image.cmd)}, USER ${image.user}, ENV ${JSON.stringify(image.env)}`,
    );

    const start = splitArgv(railway.deploy.startCommand);
    if (!image.cmdIsExecForm || JSON.stringify(image.cmd) !== JSON.stringify(start)) {
      throw new Error(`Dockerfile CMD ${JSON.stringify(image.cmd)} differs from railway.json startCommand ${JSON.stringify(start)}`);
    }
    const port = await freePort();
    const env: Env = { ...image.env, PATH: baseEnv().PATH, PORT: String(port) };
    const r = await bootAndDrain({
      argv: image.cmd!,
      cwd: image.workdir,
      env,
      port,
      healthPath: railway.deploy.healthcheckPath,
      healthTimeoutMs: railway.deploy.healthcheckTimeout * 1000,
      drainLimitMs: railway.deploy.drainingSeconds * 1000,
      ...runtimeIds(),
      whileUp: async () => runHealthcheck(image, env),
    });
    console.log(`${railway.deploy.healthcheckPath} 200 after ${r.healthMs} ms: ${JSON.stringify(r.health)}`);
    console.log(`HEALTHCHECK exit 0; SIGTERM -> exit ${r.exitCode ?? r.exitSignal} in ${r.drainMs} ms`);
    if (r.exitCode !== 0) throw new Error(`expected exit 0 after SIGTERM\n${r.output}`);
    console.log(`docker build simulation OK in ${Math.round((performance.now() - t0) / 1000)} s`);
  } finally {
    if (args.has('--keep')) console.log(`kept ${work}`);
    else removeTree(work);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: Error) => {
    console.error(`docker build simulation FAILED: ${err.message}`);
    process.exit(1);
  });
}
