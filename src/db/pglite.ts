/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process): the embedded default.
 *
 * On disk (`<DATA_DIR>/pglite`) the database survives restarts; creating it runs initdb once (a
 * few seconds), reopening is faster.
 *
 * In memory (`pglite:memory`, throwaway: demos and tests) a fresh initdb each time would cost
 * seconds, so we keep a migrated *template*: built once, dumped to a tarball, cached in this process
 * and on disk in os.tmpdir() under a key made from the PGlite version and the migration checksums,
 * and loaded with `new PGlite({ loadDataDir })`. A changed migration changes the key, so a stale
 * template is never used.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { migrate, pgliteMigrationConnection, type Migration, type MigrationLog } from './migrate.js';

/** Open (creating on first use) a PGlite database stored in `dir`. */
export async function openPgliteDir(dir: string): Promise<PGlite> {
  mkdirSync(dir, { recursive: true });
  const db = new PGlite(dir);
  await db.waitReady;
  return db;
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
    const db = new PGlite({ loadDataDir: await blob, relaxedDurability: true });
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
    const fresh = new PGlite();
    await fresh.waitReady;
    return fresh;
  });
}
