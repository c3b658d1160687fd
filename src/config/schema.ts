/**
 * The one schema for every environment variable the service reads, composed from one section
 * per concern (src/config/sections). Keys are the environment variable names so `.env.example`,
 * the README tables and `/config` line up 1:1, and each variable carries its documentation and
 * handling (config/fields.ts `env()`): add a section to SECTIONS and it is validated, documented
 * (`npm run docs:env`), masked and redacted with no other list to edit. Defaults are strings
 * because they go through the same parsing as real input (`prefault`).
 */
import { z } from 'zod';
import { envDoc, type EnvDoc, type EnvSection } from './fields.js';
import { server } from './sections/server.js';
import { security } from './sections/security.js';
import { auth } from './sections/auth.js';
import { lifecycle } from './sections/lifecycle.js';
import { database } from './sections/database.js';
import { redis } from './sections/redis.js';
import { queue } from './sections/queue.js';
import { worker } from './sections/worker.js';
import { protection } from './sections/protection.js';
import { observability } from './sections/observability.js';
import { sentry } from './sections/sentry.js';
import { outbound } from './sections/outbound.js';
import { alerts } from './sections/alerts.js';
import { platform } from './sections/platform.js';

/** In documentation order. */
export const SECTIONS = [server, security, auth, lifecycle, database, redis, queue, worker, protection, observability, sentry, outbound, alerts, platform] as const;

type Fields<S> = S extends EnvSection<infer F> ? F : never;
type AllFields = Fields<(typeof SECTIONS)[number]>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** One object schema from `sections` (a fork's tests can compose extra sections the same way). */
export const composeEnvSchema = <F extends Record<string, z.ZodType>>(sections: readonly EnvSection[]) =>
  z.object(Object.assign({}, ...sections.map((s) => s.fields)) as F);

export const envSchema = composeEnvSchema<UnionToIntersection<AllFields>>(SECTIONS);

/** Every variable's documentation, by name. */
export const ENV_DOCS: ReadonlyMap<string, EnvDoc> = new Map(
  Object.entries(envSchema.shape).map(([name, field]) => [name, envDoc(field as z.ZodType) ?? { doc: '' }]),
);

/** Variables whose values are secret: never logged, never shown by /config, never echoed in errors. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([...ENV_DOCS].filter(([, d]) => d.secret).map(([k]) => k));
/** Variables holding URLs whose credentials must be masked wherever they are shown. */
export const URL_KEYS: ReadonlySet<string> = new Set([...ENV_DOCS].filter(([, d]) => d.credentialsUrl).map(([k]) => k));

/** Deprecated variable names still accepted: alias → name; loadConfig copies an alias when its name is unset. */
export const ENV_ALIASES: Readonly<Record<string, string>> = Object.assign({}, ...SECTIONS.map((s) => ('aliases' in s ? s.aliases : {})));
