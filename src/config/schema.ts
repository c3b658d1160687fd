/**
 * The one schema for every environment variable the service reads, composed from one section
 * per concern (src/config/sections). Keys are the environment variable names so `.env.example`,
 * the README table and `/config` line up 1:1. Defaults are strings because they go through the
 * same parsing as real input (`prefault`).
 */
import { z } from 'zod';
import { server } from './sections/server.js';
import { security } from './sections/security.js';
import { lifecycle } from './sections/lifecycle.js';
import { platform } from './sections/platform.js';
import { protection } from './sections/protection.js';
import { observability } from './sections/observability.js';
import { redis } from './sections/redis.js';
import { queue, QUEUE_ALIASES } from './sections/queue.js';
import { sentry } from './sections/sentry.js';
import { outbound } from './sections/outbound.js';
import { alerts } from './sections/alerts.js';
import { database } from './sections/database.js';

export const envSchema = z.object({ ...server, ...security, ...lifecycle, ...platform, ...redis, ...queue, ...protection, ...observability, ...sentry, ...outbound, ...alerts, ...database });

/** Variables whose values are secret: never logged, never shown by /config, never echoed in errors. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['SENTRY_DSN', 'ALERT_WEBHOOK_URL', 'SLACK_WEBHOOK_URL', 'DISCORD_WEBHOOK_URL', 'METRICS_TOKEN', 'ADMIN_TOKEN']);
/** Variables holding URLs whose credentials must be masked wherever they are shown. */
export const URL_KEYS: ReadonlySet<string> = new Set<string>(['REDIS_URL', 'DATABASE_URL']);

/** Deprecated variable names still accepted: alias → name; loadConfig copies an alias when its name is unset. */
export const ENV_ALIASES: Readonly<Record<string, string>> = { ...QUEUE_ALIASES };
