/**
 * Loads and validates configuration once, at boot. Everything else reads the frozen object this
 * returns and never touches process.env (tests build apps from plain objects the same way).
 */
import { existsSync } from 'node:fs';
import { invalidCorsRule } from '../http/cors-origins.js';
import { maskUrl } from '../shared/mask.js';
import type { z } from 'zod';
import { envDoc } from './fields.js';
import { ENV_ALIASES, envSchema, SECRET_KEYS, URL_KEYS } from './schema.js';

type Parsed = ReturnType<typeof envSchema.parse>;

export type AppConfig = Readonly<
  Omit<Parsed, 'LOG_PRETTY' | 'TRUST_PROXY' | 'CORS_ORIGINS' | 'READINESS_DRAIN_DELAY_MS' | 'OPS_DETAILS_PUBLIC'> & {
    LOG_PRETTY: boolean;
    /** Fastify's trustProxy: every hop (true), none (false), a hop count, or proxy addresses / CIDRs. */
    TRUST_PROXY: boolean | number | readonly string[];
    CORS_ORIGINS: readonly string[];
    READINESS_DRAIN_DELAY_MS: number;
    OPS_DETAILS_PUBLIC: boolean;
    /** True when Railway's injected variables are present. */
    ON_RAILWAY: boolean;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function shown(key: string, raw: string, field: z.ZodType | undefined): string {
  const doc = field && envDoc(field);
  if (SECRET_KEYS.has(key) || doc?.secret) return `a value of ${raw.length} characters`;
  return JSON.stringify(URL_KEYS.has(key) || doc?.credentialsUrl ? maskUrl(raw) : raw);
}

/**
 * Parse `env` into an AppConfig. Empty strings count as unset (platform dashboards often leave
 * blank variables behind). Throws ConfigError listing every bad variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, schema: z.ZodObject = envSchema): AppConfig {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') input[k] = v;
  for (const [alias, name] of Object.entries(ENV_ALIASES)) if (input[name] === undefined && input[alias] !== undefined) input[name] = input[alias];

  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'config');
      if (input[key] === undefined) return `${key} is required`;
      return `${key} ${issue.message}, got ${shown(key, input[key], schema.shape[key] as z.ZodType | undefined)}`;
    });
    throw new ConfigError(problems);
  }
  const c = result.data as Parsed;
  const production = c.NODE_ENV === 'production';
  const onRailway = Boolean(c.RAILWAY_ENVIRONMENT_NAME ?? c.RAILWAY_DEPLOYMENT_ID);
  const config = {
    ...c,
    ON_RAILWAY: onRailway,
    LOG_PRETTY: c.LOG_PRETTY ?? (Boolean(process.stdout.isTTY) && !production),
    // Railway's edge is one proxy hop: trusting more lets a client choose its own address.
    TRUST_PROXY: c.TRUST_PROXY ?? (onRailway ? 1 : false),
    CORS_ORIGINS: c.CORS_ORIGINS ?? (production ? [] : ['*']),
    READINESS_DRAIN_DELAY_MS: c.READINESS_DRAIN_DELAY_MS ?? (production ? 3000 : 0),
    OPS_DETAILS_PUBLIC: c.OPS_DETAILS_PUBLIC ?? !production,
  };

  // Rules that involve more than one variable.
  const problems: string[] = [];
  for (const rule of config.CORS_ORIGINS) {
    const why = invalidCorsRule(rule);
    if (why) problems.push(`CORS_ORIGINS ${why}`);
  }
  if (production && config.CORS_ORIGINS.includes('*')) {
    problems.push('CORS_ORIGINS must list explicit origins in production ("*" is only allowed outside production), got "*"');
  }
  if (config.READINESS_DRAIN_DELAY_MS >= config.SHUTDOWN_TIMEOUT_MS) {
    problems.push(
      `READINESS_DRAIN_DELAY_MS must be less than SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS}), got "${config.READINESS_DRAIN_DELAY_MS}"`,
    );
  }
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    problems.push(
      `HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS}), got "${config.HEADERS_TIMEOUT_MS}"`,
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Load `.env` into process.env when present; real environment variables win. Never required. */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/** The config as safe to show: secrets removed, URL credentials (userinfo, credential parameters, fragments) masked. */
export function publicConfig(config: AppConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (SECRET_KEYS.has(k)) {
      out[k] = v === undefined ? null : '[set]';
    } else if (typeof v === 'string' && (URL_KEYS.has(k) || v.includes('://'))) {
      out[k] = maskUrl(v);
    } else if (Array.isArray(v)) {
      out[k] = v.map((item: unknown) => (typeof item === 'string' && item.includes('://') ? maskUrl(item) : item));
    } else {
      out[k] = v ?? null;
    }
  }
  return out;
}
