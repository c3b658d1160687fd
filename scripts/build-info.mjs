// Writes dist/build-info.json ({commit, builtAt}) for GET /version. The commit comes from
// SOURCE_COMMIT / RAILWAY_GIT_COMMIT_SHA when a build platform provides it, else from git, else null.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

const commit = process.env.SOURCE_COMMIT || process.env.RAILWAY_GIT_COMMIT_SHA || gitCommit();
mkdirSync('dist', { recursive: true });
writeFileSync('dist/build-info.json', JSON.stringify({ commit, builtAt: new Date().toISOString() }) + '\n');
