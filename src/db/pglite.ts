/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process): the embedded default.
 *
 * On disk (`<DATA_DIR>/pglite`) the database survives restarts; creating it runs initdb once (a
 * few seconds), reopening is faster.
 *
 * A fresh data directory starts from the seed the image build made (scripts/pglite-seed.mjs:
 * initdb + migrations, dumped to dist/pglite-seed.tar.gz) when there is one: running initdb in
 * process takes ~830 MB of RSS at its peak, loading the seed ~300 MB (docs/ARCHITECTURE.md).
 * Without a seed, initdb runs in a child process (pglite-init.ts), so its memory is given back.
 *
 * In memory (`pglite:memory`, throwaway: demos and tests) a fresh initdb each time would cost
 * seconds, so we keep a migrated *template*: built once, dumped to a tarball, cached in this process
 * and on disk in os.tmpdir() under a key made from the PGlite version and the migration checksums,
 * and loaded with `new PGlite({ loadDataDir })`. A changed migration changes the key, so a stale
 * template is never used.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { dataDirProblem } from './data-dir.js';
import { migrate, pgliteMigrationConnection, type Migration, type MigrationLog } from './migrate.js';

/**
 * PostgreSQL's memory settings sized for one small in-process service instead of its defaults
 * (shared_buffers 128 MB, which PGlite's WebAssembly heap keeps resident once touched): -110 MB
 * of RSS on an existing database (docs/ARCHITECTURE.md). PGlite's own defaults come first.
 */
export const PGLITE_START_PARAMS = [
  ...PGlite.defaultStartParams,
  ...['shared_buffers=16MB', 'wal_buffers=1MB', 'temp_buffers=1MB', 'work_mem=2MB', 'maintenance_work_mem=16MB'].flatMap((s) => ['-c', s]),
];

/** Where the build puts the seed (dist/pglite-seed.tar.gz); absent under tsx or before `npm run build:seed`. */
export const PGLITE_SEED = fileURLToPath(new URL('../pglite-seed.tar.gz', import.meta.url));

/** Open (creating on first use, from the seed when there is one) a PGlite database stored in `dir`. */
export async function openPgliteDir(dir: string): Promise<PGlite> {
  const problem = dataDirProblem(dir);
  if (problem) throw new Error(problem);
  const seed = existsSync(join(dir, 'PG_VERSION')) ? null : await readFile(PGLITE_SEED).catch(() => null);
  if (!seed && !existsSync(join(dir, 'PG_VERSION'))) await initdbInChild(dir);
  const db = new PGlite(dir, { startParams: PGLITE_START_PARAMS, ...(seed ? { loadDataDir: new Blob([seed]) } : {}) });
  await db.waitReady;
  return db;
}

/** Run pglite-init in a child process (see there why); from sources (tsx) with tsx. */
async function initdbInChild(dir: string): Promise<void> {
  const script = fileURLToPath(new URL(`./pglite-init${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script, dir] : [script, dir];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${stderr.trim()}`);
}

/** The seed: a new database with every migration applied, gzipped (scripts/pglite-seed.mjs writes it to PGLITE_SEED). */
export async function buildPgliteSeed(migrations: Migration[]): Promise<Uint8Array> {
  const db = new PGlite({ startParams: PGLITE_START_PARAMS });
  try {
    await migrate(pgliteMigrationConnection(db), { migrations });
    return new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await db.close();
  }
}

function pgliteVersion(): string {
  try {
    const pkg = join(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..', 'package.json');
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const gzipAsync = promisify(gzip);

/** Uncompressed tarballs by template key, shared by every app in this process (a plain tar loads faster than a gzipped one). */
const templates = new Map<string, Promise<Blob>>();

/**
 * A new in-memory PGlite loaded from the template `name` (cached in memory, then on disk), which
 * `build` creates on a cold cache. The first caller in a process with a cold cache gets the very
 * instance `build` made (after it was dumped), saving one load.
 */
async function fromTemplate(name: string, build: () => Promise<PGlite>, retry = true): Promise<PGlite> {
  const file = join(tmpdir(), `railfast-pglite-${name}.tgz`);
  let blob = templates.get(name);
  if (!blob) {
    const onDisk = await readFile(file).catch(() => null);
    if (onDisk) {
      blob = Promise.resolve().then(() => new Blob([gunzipSync(onDisk)])); // a corrupt file fails the load below
      templates.set(name, blob);
    } else {
      let resolve!: (b: Blob) => void;
      let reject!: (e: unknown) => void;
      blob = new Promise<Blob>((res, rej) => ((resolve = res), (reject = rej)));
      blob.catch(() => {}); // a failure is reported to the caller below; waiters get it too
      templates.set(name, blob);
      try {
        const db = await build();
        const dump = await db.dumpDataDir('none');
        resolve(dump);
        await publish(file, dump);
        return db;
      } catch (err) {
        templates.delete(name);
        reject(err);
        throw err;
      }
    }
  }
  try {
    // In memory nothing is durable anyway: skip the per-query filesystem sync.
    const db = new PGlite({ loadDataDir: await blob, relaxedDurability: true, startParams: PGLITE_START_PARAMS });
    await db.waitReady;
    return db;
  } catch (err) {
    // A corrupt or incompatible cached tarball: forget it and build afresh.
    templates.delete(name);
    await unlink(file).catch(() => {});
    if (!retry) throw err;
    return fromTemplate(name, build, false);
  }
}

/** Write the gzipped template atomically (processes may race to write it; rename never leaves half a file). Best effort. */
async function publish(file: string, dump: Blob): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}`;
  try {
    await writeFile(tmp, await gzipAsync(new Uint8Array(await dump.arrayBuffer())));
    await rename(tmp, file);
  } catch {
    await unlink(tmp).catch(() => {});
  }
}

function templateKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** A throwaway in-memory database with every migration applied (fast after the first one). */
export function openMigratedMemoryPglite(migrations: Migration[], log?: MigrationLog): Promise<PGlite> {
  const key = templateKey({ v: pgliteVersion(), m: migrations.map((m) => [m.name, m.checksum]) });
  return fromTemplate(`migrated-${key}`, async () => {
    const db = await openEmptyMemoryPglite();
    await migrate(pgliteMigrationConnection(db), { migrations, log });
    return db;
  });
}

/** A throwaway in-memory database with nothing in it (the migrated template starts here; runner tests). */
export function openEmptyMemoryPglite(): Promise<PGlite> {
  return fromTemplate(`empty-${templateKey({ v: pgliteVersion() })}`, async () => {
    const fresh = new PGlite({ startParams: PGLITE_START_PARAMS });
    await fresh.waitReady;
    return fresh;
  });
}
