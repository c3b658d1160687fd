/**
 * Field types Railway's config-as-code parser accepts (docs.railway.com/config-as-code/reference).
 * Its parser is strict about types: `"drainingSeconds": "10"` fails the deploy with
 * `deploy.drainingSeconds: Expected number, received string` (railwayapp/docs#1243). Unknown keys
 * are reported too: a misspelt field is silently ignored by the platform, which is worse.
 */
type Check = (v: unknown) => string | null;

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const expected = (want: string, v: unknown) => `Expected ${want}, received ${typeName(v)}`;

const str: Check = (v) => (typeof v === 'string' ? null : expected('string', v));
const nullableStr: Check = (v) => (v === null || typeof v === 'string' ? null : expected('string', v));
const bool: Check = (v) => (typeof v === 'boolean' ? null : expected('boolean', v));
const obj: Check = (v) => (typeName(v) === 'object' ? null : expected('object', v));
const int =
  (min: number): Check =>
  (v) =>
    typeof v !== 'number' ? expected('number', v) : !Number.isInteger(v) || v < min ? `Expected an integer >= ${min}, received ${v}` : null;
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v !== 'string'
      ? expected('string', v)
      : values.includes(v)
        ? null
        : `Invalid enum value. Expected ${values.map((x) => `'${x}'`).join(' | ')}, received '${v}'`;
const strArray: Check = (v) =>
  !Array.isArray(v) ? expected('array', v) : v.every((x) => typeof x === 'string') ? null : 'Expected an array of strings';
const strOrStrArray: Check = (v) => (typeof v === 'string' ? null : strArray(v));

export const BUILD_FIELDS: Record<string, Check> = {
  builder: oneOf('RAILPACK', 'DOCKERFILE', 'NIXPACKS'),
  buildCommand: nullableStr,
  watchPatterns: strArray,
  dockerfilePath: str,
  nixpacksConfigPath: str,
  nixpacksPlan: obj,
  railpackVersion: str,
  buildEnvironment: str,
};

export const DEPLOY_FIELDS: Record<string, Check> = {
  startCommand: nullableStr,
  preDeployCommand: strOrStrArray,
  healthcheckPath: str,
  healthcheckTimeout: int(1),
  restartPolicyType: oneOf('ON_FAILURE', 'ALWAYS', 'NEVER'),
  restartPolicyMaxRetries: int(0),
  numReplicas: int(1),
  overlapSeconds: int(0),
  drainingSeconds: int(0),
  cronSchedule: str,
  sleepApplication: bool,
  region: str,
  multiRegionConfig: obj,
  requiredMountPath: str,
  runtime: str,
  limitOverride: obj,
};

function checkSection(section: string, value: unknown, fields: Record<string, Check>, problems: string[]) {
  if (value === undefined) return;
  if (typeName(value) !== 'object') return void problems.push(`${section}: ${expected('object', value)}`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const check = fields[k];
    if (!check) problems.push(`${section}.${k}: not a Railway ${section} setting`);
    else {
      const why = check(v);
      if (why) problems.push(`${section}.${k}: ${why}`);
    }
  }
}

/** Problems with a parsed railway.json, each as `path: reason`; empty when Railway would accept it. */
export function validateRailwayConfig(config: unknown): string[] {
  const problems: string[] = [];
  if (typeName(config) !== 'object') return [`config: ${expected('object', config)}`];
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (!['$schema', 'build', 'deploy', 'environments'].includes(k)) problems.push(`${k}: not a Railway config section`);
  if (
    c.$schema !== undefined &&
    c.$schema !== 'https://railway.com/railway.schema.json' &&
    c.$schema !== 'https://railway.app/railway.schema.json'
  ) {
    problems.push(`$schema: expected https://railway.com/railway.schema.json, received ${JSON.stringify(c.$schema)}`);
  }
  checkSection('build', c.build, BUILD_FIELDS, problems);
  checkSection('deploy', c.deploy, DEPLOY_FIELDS, problems);
  if (c.environments !== undefined) {
    if (typeName(c.environments) !== 'object') problems.push(`environments: ${expected('object', c.environments)}`);
    else
      for (const [env, v] of Object.entries(c.environments as Record<string, unknown>)) {
        const e = (v ?? {}) as Record<string, unknown>;
        checkSection(`environments.${env}.build`, e.build, BUILD_FIELDS, problems);
        checkSection(`environments.${env}.deploy`, e.deploy, DEPLOY_FIELDS, problems);
      }
  }
  return problems;
}

export interface RailwayConfig {
  build: { builder: string; dockerfilePath?: string; watchPatterns?: string[] };
  deploy: {
    startCommand: string;
    preDeployCommand?: string[] | string;
    healthcheckPath: string;
    healthcheckTimeout: number;
    restartPolicyType: string;
    restartPolicyMaxRetries: number;
    overlapSeconds: number;
    drainingSeconds: number;
  };
}

/** Start/pre-deploy commands must run node directly: npm as PID 1 does not pass SIGTERM on. */
export function commandProblems(name: string, command: string): string[] {
  const problems: string[] = [];
  const first = command.trim().split(/\s+/)[0];
  if (first !== 'node')
    problems.push(`${name} must start with "node" (got "${first}"): npm/yarn/sh as PID 1 do not forward SIGTERM reliably`);
  if (/[$`|&;<>]/.test(command))
    problems.push(`${name} uses shell syntax, but Railway runs Dockerfile start commands in exec form (no shell)`);
  return problems;
}
