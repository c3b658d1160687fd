/**
 * What a platform builds from: the repository as committed, never this machine's node_modules,
 * dist or data. `clone` is `git clone` of HEAD. `worktree` copies the files a commit of the working
 * tree would contain (tracked plus untracked-but-not-ignored), for iterating before committing.
 * `auto` clones when the tree is clean (CI on a fresh clone) and copies the working tree otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { copyEntry } from './dockerignore.js';

export type TreeMode = 'auto' | 'clone' | 'worktree';

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function cleanTree(
  repo: string,
  dest: string,
  mode: TreeMode = 'auto',
): { mode: 'clone' | 'worktree'; commit: string; files: number } {
  const commit = git(repo, 'rev-parse', 'HEAD').trim();
  const dirty = git(repo, 'status', '--porcelain').trim() !== '';
  const use = mode === 'auto' ? (dirty ? 'worktree' : 'clone') : mode;
  if (use === 'clone') {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repo, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { mode: use, commit, files: git(dest, 'ls-files').split('\n').filter(Boolean).length };
  }
  const files = git(repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  let n = 0;
  for (const f of new Set(files)) {
    const from = join(repo, f);
    if (!existsSync(from) || lstatSync(from).isDirectory()) continue; // deleted, or a submodule
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    copyEntry(from, join(dest, f));
    n++;
  }
  return { mode: use, commit, files: n };
}
