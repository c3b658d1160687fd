/**
 * The Docker build context: which files of a tree `COPY` can see, per .dockerignore.
 * Semantics as Docker documents them: patterns are Go filepath.Match globs plus `**`, relative to
 * the context root (a leading `/` is ignored); a pattern that matches a directory excludes
 * everything below it; `!pattern` re-includes; the last matching line wins.
 */
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

interface Rule {
  negate: boolean;
  re: RegExp;
  text: string;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface ContextFilter {
  rules: readonly Rule[];
  /** True when `relPath` (posix, relative to the context root) is excluded from the context. */
  excluded(relPath: string): boolean;
}

export function loadDockerignore(contextDir: string): ContextFilter {
  const file = join(contextDir, '.dockerignore');
  const rules: Rule[] = [];
  if (existsSync(file)) {
    for (let line of readFileSync(file, 'utf8').split('\n')) {
      line = line.trim();
      if (!line || line.startsWith('#')) continue;
      const negate = line.startsWith('!');
      const text = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      rules.push({ negate, re: globToRegExp(text), text });
    }
  }
  return {
    rules,
    excluded(relPath: string) {
      const parts = relPath.split('/');
      let out = false;
      for (const rule of rules) {
        // A rule matches the path itself or any directory above it.
        for (let n = 1; n <= parts.length; n++) {
          if (rule.re.test(parts.slice(0, n).join('/'))) {
            out = !rule.negate;
            break;
          }
        }
      }
      return out;
    },
  };
}

/** Could an exception rule re-include something below the excluded directory `relDir`? */
function mayReinclude(filter: ContextFilter, relDir: string): boolean {
  return filter.rules.some((r) => r.negate && (r.text.startsWith(`${relDir}/`) || r.text.includes('**')));
}

/** Copy one file or symlink, keeping the mode (COPY keeps the executable bit). */
function copyEntry(from: string, to: string): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else {
    copyFileSync(from, to);
    chmodSync(to, st.mode & 0o7777);
  }
}

/**
 * Copy the part of `srcDir` (a path inside the context, `rel` from its root) that the context
 * contains into `destDir`. Returns the number of files copied.
 */
export function copyFromContext(contextDir: string, filter: ContextFilter, rel: string, destDir: string): number {
  let count = 0;
  const walk = (relDir: string, dest: string) => {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(join(contextDir, relDir))) {
      const relPath = relDir ? `${relDir}/${name}` : name;
      const abs = join(contextDir, relPath);
      const isDir = lstatSync(abs).isDirectory();
      if (filter.excluded(relPath) && !(isDir && mayReinclude(filter, relPath))) continue;
      if (isDir) walk(relPath, join(dest, name));
      else {
        copyEntry(abs, join(dest, name));
        count++;
      }
    }
  };
  walk(rel === '.' ? '' : rel, destDir);
  return count;
}

export { copyEntry };
