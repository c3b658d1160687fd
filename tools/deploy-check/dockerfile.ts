/**
 * A Dockerfile emulator for machines without a Docker engine. Each stage gets a directory that
 * stands for its filesystem root; the base image's contents (node, npm) come from this machine.
 * Instructions run in order: COPY really copies (from the .dockerignore-filtered context or from an
 * earlier stage) and fails when a source does not exist, RUN really runs through /bin/sh in the
 * WORKDIR with the stage's ENV and ARG defaults, and ENV/USER/CMD/HEALTHCHECK are recorded for the
 * runtime. Image-admin commands go through stubs on PATH: useradd/groupadd are only logged, chown
 * is applied with the uid/gid that stands for the image's USER (so the runtime can run unprivileged
 * with exactly the write access the image grants), and apt-get fails loudly rather than touch the host.
 * Deliberately strict: an instruction or form it cannot emulate faithfully is an error.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { copyEntry, copyFromContext, loadDockerignore } from './dockerignore.js';
import { shAsync, type Env } from './proc.js';

export interface Instruction {
  line: number;
  op: string;
  /** Leading `--flag=value` options (COPY --from, HEALTHCHECK --interval ...). */
  flags: Record<string, string>;
  /** The rest, verbatim (shell form). */
  text: string;
  /** Set when the rest is a JSON array (exec form). */
  json?: string[];
}

export interface StageSpec {
  name: string;
  base: string;
  instructions: Instruction[];
}

const KNOWN = new Set([
  'FROM',
  'WORKDIR',
  'COPY',
  'RUN',
  'ENV',
  'ARG',
  'USER',
  'EXPOSE',
  'HEALTHCHECK',
  'CMD',
  'ENTRYPOINT',
  'STOPSIGNAL',
  'LABEL',
]);

export function parseDockerfile(text: string): StageSpec[] {
  const stages: StageSpec[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      let next = lines[++i]!.trim();
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i]!.trim();
      line = `${line.slice(0, -1).trimEnd()} ${next}`;
    }
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const op = m[1]!.toUpperCase();
    if (!KNOWN.has(op)) throw new Error(`Dockerfile line ${start}: ${op} is not supported by the simulation`);
    let rest = m[2]!;
    const flags: Record<string, string> = {};
    let f: RegExpExecArray | null;
    while ((f = /^--([a-z-]+)=(\S+)\s*/.exec(rest))) {
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    const ins: Instruction = { line: start, op, flags, text: rest };
    if (rest.startsWith('[')) ins.json = JSON.parse(rest) as string[];
    if (op === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!fm) throw new Error(`Dockerfile line ${start}: cannot parse FROM ${rest}`);
      stages.push({ base: fm[1]!, name: fm[2] ?? String(stages.length), instructions: [] });
    } else if (!stages.length) {
      if (op !== 'ARG') throw new Error(`Dockerfile line ${start}: ${op} before the first FROM`);
    } else stages.at(-1)!.instructions.push(ins);
  }
  if (!stages.length) throw new Error('Dockerfile has no FROM');
  return stages;
}

export interface SimulatedImage {
  stages: string[];
  /** Host directory standing for the final image's WORKDIR. */
  workdir: string;
  containerWorkdir: string;
  env: Env;
  user: string | null;
  cmd: string[] | null;
  cmdIsExecForm: boolean;
  entrypoint: string[] | null;
  healthcheck: { flags: Record<string, string>; cmd: string[] } | null;
  exposed: string[];
  /** One line per instruction, as a build log. */
  log: string[];
}

interface StageState {
  root: string;
  workdir: string;
  env: Env;
  args: Env;
  user: string | null;
}

function parseEnv(text: string): Env {
  const out: Env = {};
  for (const m of text.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) out[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  if (!Object.keys(out).length) throw new Error(`only ENV KEY=value is supported, got "ENV ${text}"`);
  return out;
}

/** Stubs for commands that need root inside an image; chown maps the image user to `uid:gid`. */
function writeStubs(dir: string, uid?: number, gid?: number): void {
  mkdirSync(dir, { recursive: true });
  const chown =
    uid === undefined
      ? 'echo "[simulated] chown $*"'
      : `echo "[simulated] chown $* (as ${uid}:${gid})"\nflags=""\nwhile [ "\${1#-}" != "$1" ]; do flags="$flags $1"; shift; done\nshift\nexec /bin/chown $flags ${uid}:${gid} "$@"`;
  const stubs: Record<string, string> = {
    chown,
    useradd: 'echo "[simulated] useradd $*"',
    groupadd: 'echo "[simulated] groupadd $*"',
    'apt-get': 'echo "apt-get is not simulated: add the package to the simulation or avoid it" >&2; exit 1',
  };
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
}

/**
 * Copy a directory's contents as hard links (`cp -al`): fast for node_modules, and safe because later
 * steps only add or unlink files, never rewrite them in place.
 */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  const r = spawnSync('cp', ['-al', `${from}/.`, `${to}/`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to} failed: ${r.stderr}`);
}

export interface SimulateOptions {
  dockerfile: string;
  context: string;
  /** Scratch directory for the stages' roots. */
  workDir: string;
  /** Environment RUN steps inherit from "the base image": PATH to node/npm, HOME for npm's cache. */
  baseEnv: Env;
  /** Map the image's USER to this uid/gid (root only) so the runtime runs unprivileged. */
  runtimeUid?: number;
  runtimeGid?: number;
  stepTimeoutMs: number;
  onLog?: (line: string) => void;
}

export async function simulateDockerBuild(opts: SimulateOptions): Promise<SimulatedImage> {
  const specs = parseDockerfile(readFileSync(opts.dockerfile, 'utf8'));
  const filter = loadDockerignore(opts.context);
  const stubDir = join(opts.workDir, 'stub-bin');
  writeStubs(stubDir, opts.runtimeUid, opts.runtimeGid);
  const log: string[] = [];
  const say = (s: string) => (log.push(s), opts.onLog?.(s));
  const states = new Map<string, StageState>();
  let cur!: StageState;
  const image: Omit<SimulatedImage, 'workdir' | 'containerWorkdir' | 'env' | 'user'> = {
    stages: specs.map((s) => s.name),
    cmd: null,
    cmdIsExecForm: false,
    entrypoint: null,
    healthcheck: null,
    exposed: [],
    log,
  };
  const host = (p: string) => join(cur.root, p.startsWith('/') ? p : join(cur.workdir, p));

  for (const spec of specs) {
    const parent = states.get(spec.base);
    const root = mkdtempSync(join(opts.workDir, `stage-${spec.name}-`));
    chmodSync(root, 0o755);
    if (parent) {
      linkTree(parent.root, root);
      chmodSync(root, 0o755);
      cur = { root, workdir: parent.workdir, env: { ...parent.env }, args: {}, user: parent.user };
    } else cur = { root, workdir: '/', env: {}, args: {}, user: null };
    states.set(spec.name, cur);
    say(`FROM ${spec.base} AS ${spec.name}${parent ? ' (copy of that stage)' : ' (base image: node and npm from this machine)'}`);

    for (const ins of spec.instructions) {
      const where = `Dockerfile line ${ins.line}`;
      switch (ins.op) {
        case 'WORKDIR':
          cur.workdir = ins.text.startsWith('/') ? ins.text : join(cur.workdir, ins.text);
          mkdirSync(join(cur.root, cur.workdir), { recursive: true });
          break;
        case 'ENV':
          Object.assign(cur.env, parseEnv(ins.text));
          break;
        case 'ARG': {
          const [name, value] = ins.text.split('=', 2);
          if (value !== undefined) cur.args[name!] = value;
          break;
        }
        case 'USER':
          cur.user = ins.text;
          break;
        case 'EXPOSE':
          image.exposed.push(...ins.text.split(/\s+/));
          break;
        case 'STOPSIGNAL':
        case 'LABEL':
          break;
        case 'COPY': {
          const parts = ins.json ?? ins.text.split(/\s+/);
          const dest = parts.pop()!;
          if (!parts.length) throw new Error(`${where}: COPY needs a source and a destination`);
          const from = ins.flags.from;
          const src = from ? states.get(from) : undefined;
          if (from && !src) throw new Error(`${where}: COPY --from=${from}: no earlier stage of that name`);
          const toDir = dest.endsWith('/') || dest === '.' || parts.length > 1;
          for (const s of parts) {
            if (/[*?[]/.test(s)) throw new Error(`${where}: wildcards in COPY are not simulated (${s})`);
            const abs = src ? join(src.root, s.startsWith('/') ? s : join(src.workdir, s)) : join(opts.context, s);
            const label = src ? `stage "${from}"` : 'the build context';
            const rel = s.replace(/^\.\/?/, '').replace(/\/$/, '');
            if (!existsSync(abs) || (!src && rel && filter.excluded(rel))) {
              throw new Error(
                `${where}: COPY source "${s}" does not exist in ${label}${!src && existsSync(abs) ? ' (excluded by .dockerignore)' : ''}`,
              );
            }
            const target = host(dest);
            if (statSync(abs).isDirectory()) {
              if (src) linkTree(abs, target);
              const n = src ? '' : ` (${copyFromContext(opts.context, filter, rel || '.', target)} files)`;
              say(`COPY ${from ? `--from=${from} ` : ''}${s} -> ${dest}${n}`);
            } else {
              const file = toDir ? join(target, basename(abs)) : target;
              mkdirSync(toDir ? target : join(file, '..'), { recursive: true });
              copyEntry(abs, file);
              say(`COPY ${from ? `--from=${from} ` : ''}${s} -> ${dest}`);
            }
          }
          break;
        }
        case 'RUN': {
          if (ins.json) throw new Error(`${where}: exec-form RUN is not simulated`);
          const cmd = ins.text;
          if (cur.workdir !== '/' && new RegExp(`(^|[\\s=:'"])${cur.workdir}(/|\\s|$)`).test(cmd)) {
            throw new Error(`${where}: RUN uses the absolute path ${cur.workdir}; keep RUN commands relative to WORKDIR`);
          }
          const env = { ...opts.baseEnv, ...cur.args, ...cur.env, PATH: `${stubDir}:${opts.baseEnv.PATH ?? ''}` };
          const r = await shAsync(cmd, { cwd: join(cur.root, cur.workdir), env, timeoutMs: opts.stepTimeoutMs });
          say(`RUN ${cmd} (${r.ms} ms)`);
          for (const l of r.output.split('\n')) if (l.startsWith('[simulated]')) say(`    ${l}`);
          break;
        }
        case 'CMD':
          image.cmd = ins.json ?? ['/bin/sh', '-c', ins.text];
          image.cmdIsExecForm = Boolean(ins.json);
          break;
        case 'ENTRYPOINT':
          image.entrypoint = ins.json ?? ['/bin/sh', '-c', ins.text];
          break;
        case 'HEALTHCHECK': {
          const m = /^CMD\s+(.*)$/.exec(ins.text);
          if (!m) throw new Error(`${where}: only HEALTHCHECK [options] CMD ... is simulated`);
          const rest = m[1]!;
          image.healthcheck = { flags: ins.flags, cmd: rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest] };
          break;
        }
      }
    }
  }
  return { ...image, workdir: join(cur.root, cur.workdir), containerWorkdir: cur.workdir, env: cur.env, user: cur.user };
}
