/**
 * nixpacks.toml, read the way Nixpacks' Node provider uses it, and its install/build phases run on
 * this machine. The parser covers the TOML this file needs (tables, strings, numbers, booleans,
 * string arrays over several lines) and rejects anything else, so an unsimulated setting cannot
 * slip through unnoticed.
 */
import { readFileSync } from 'node:fs';
import { shAsync, type Env } from './proc.js';

type Value = string | number | boolean | string[];
export type Toml = Record<string, Record<string, Value>>;

function parseValue(raw: string, where: string): Value {
  raw = raw.trim();
  if (/^'[^']*'$/.test(raw)) return raw.slice(1, -1);
  if (/^"(?:[^"\\]|\\.)*"$/.test(raw)) return JSON.parse(raw) as string;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const items = raw.slice(1, -1).match(/'[^']*'|"(?:[^"\\]|\\.)*"|[^,\s]+/g) ?? [];
    return items.map((item) => {
      const v = parseValue(item, where);
      if (typeof v !== 'string') throw new Error(`${where}: only arrays of strings are supported`);
      return v;
    });
  }
  throw new Error(`${where}: unsupported TOML value ${raw}`);
}

/** Strip a `#` comment that is not inside a string. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}

export function parseToml(text: string): Toml {
  const out: Toml = { '': {} };
  let table = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `nixpacks.toml line ${i + 1}`;
    let line = stripComment(lines[i]!).trim();
    if (!line) continue;
    const t = /^\[([\w.-]+)\]$/.exec(line);
    if (t) {
      table = t[1]!;
      out[table] ??= {};
      continue;
    }
    // An array may continue over several lines until its closing bracket.
    while (/=\s*\[/.test(line) && !line.endsWith(']') && i + 1 < lines.length) line += ` ${stripComment(lines[++i]!).trim()}`;
    const kv = /^([\w-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new Error(`${where}: cannot parse "${line}"`);
    out[table]![kv[1]!] = parseValue(kv[2]!.replace(/,\s*\]$/, ']'), where);
  }
  return out;
}

export interface NixpacksPlan {
  variables: Env;
  nixPkgs: string[];
  nixpkgsArchive: string | null;
  install: string[];
  build: string[];
  start: string;
}

const ALLOWED: Record<string, string[]> = {
  '': ['providers'],
  variables: ['*'],
  'phases.setup': ['nixPkgs', 'nixpkgsArchive', 'nixLibs'],
  'phases.install': ['cmds'],
  'phases.build': ['cmds'],
  start: ['cmd'],
};

export function readNixpacksPlan(file: string): NixpacksPlan {
  const toml = parseToml(readFileSync(file, 'utf8'));
  for (const [table, keys] of Object.entries(toml)) {
    const allowed = ALLOWED[table];
    if (!allowed) throw new Error(`nixpacks.toml: [${table}] is not simulated`);
    for (const k of Object.keys(keys))
      if (!allowed.includes('*') && !allowed.includes(k)) throw new Error(`nixpacks.toml: ${table}.${k} is not simulated`);
  }
  const strings = (v: Value | undefined, name: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`nixpacks.toml: ${name} must be an array of strings`);
    return v;
  };
  const start = toml.start?.cmd;
  if (typeof start !== 'string') throw new Error('nixpacks.toml: [start] cmd is required (otherwise Nixpacks runs `npm run start`)');
  const variables: Env = {};
  for (const [k, v] of Object.entries(toml.variables ?? {})) variables[k] = String(v);
  return {
    variables,
    nixPkgs: strings(toml['phases.setup']?.nixPkgs, 'phases.setup.nixPkgs'),
    nixpkgsArchive: (toml['phases.setup']?.nixpkgsArchive as string | undefined) ?? null,
    install: strings(toml['phases.install']?.cmds, 'phases.install.cmds'),
    build: strings(toml['phases.build']?.cmds, 'phases.build.cmds'),
    start,
  };
}

/** Variables Nixpacks' Node provider sets before ours (ours win). */
export const NODE_PROVIDER_VARIABLES: Env = { NODE_ENV: 'production', NPM_CONFIG_PRODUCTION: 'false', CI: 'true' };

/** Run the install then build phases in `appDir` as Nixpacks would (it builds in /app with the app copied in). */
export async function runNixpacksPhases(
  plan: NixpacksPlan,
  appDir: string,
  baseEnv: Env,
  stepTimeoutMs: number,
  onLog?: (s: string) => void,
) {
  const env: Env = {
    ...baseEnv,
    ...NODE_PROVIDER_VARIABLES,
    ...plan.variables,
    PATH: `${appDir}/node_modules/.bin:${baseEnv.PATH ?? ''}`,
  };
  for (const [phase, cmds] of [
    ['install', plan.install],
    ['build', plan.build],
  ] as const) {
    for (const cmd of cmds) {
      const r = await shAsync(cmd, { cwd: appDir, env, timeoutMs: stepTimeoutMs });
      onLog?.(`${phase}: ${cmd} (${r.ms} ms)`);
    }
  }
  return { runtimeEnv: { ...NODE_PROVIDER_VARIABLES, ...plan.variables } };
}
