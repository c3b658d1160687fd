/**
 * The embedded database's directory must be writable. A volume mounted at DATA_DIR is usually
 * root-owned (Railway mounts them so) while the image runs as `node`: start.ts stops the boot with
 * this one line and the fix instead of PGlite's bare EACCES (docs/DEPLOY.md, volumes).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';

/** Null when `dir` exists (created if need be) and is writable; otherwise one line naming DATA_DIR and the fix. */
export function dataDirProblem(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
    const uid = process.getuid?.();
    return (
      `DATA_DIR is not writable (${code} on ${dir}, running as uid ${uid}): make the volume writable by uid ${uid} ` +
      '(on Railway: set RAILWAY_RUN_UID=0 on the service; elsewhere: chown the volume), or set DATABASE_URL to use Postgres (docs/DEPLOY.md)'
    );
  }
}
