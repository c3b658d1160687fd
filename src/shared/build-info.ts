/**
 * What is running: package name/version, and the commit and build time written by
 * scripts/build-info.mjs at build. RAILWAY_GIT_COMMIT_SHA wins when Railway provides it.
 */
import { readFileSync } from 'node:fs';

export interface BuildInfo {
  name: string;
  version: string;
  /** SPDX identifier from package.json, e.g. MIT. */
  license: string | null;
  commit: string | null;
  builtAt: string | null;
}

function readJson(url: URL): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

let cached: BuildInfo | undefined;

/** Read once; src/shared and dist/shared both sit two levels below package.json. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const pkg = readJson(new URL('../../package.json', import.meta.url));
  const built = readJson(new URL('../build-info.json', import.meta.url));
  cached = {
    name: String(pkg.name ?? 'app'),
    version: String(pkg.version ?? '0.0.0'),
    license: typeof pkg.license === 'string' ? pkg.license : null,
    commit: typeof built.commit === 'string' ? built.commit : null,
    builtAt: typeof built.builtAt === 'string' ? built.builtAt : null,
  };
  return cached;
}
