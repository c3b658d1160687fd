/**
 * Error tracking (Sentry). Read twice: by src/instrument.ts, before anything else loads and
 * before the full config is validated (it parses just these fields with `sentrySchema`), and by the
 * composed schema so a bad value still fails boot with the usual message.
 */
import { z } from 'zod';
import { int, num, str, url } from '../fields.js';

export const sentry = {
  /** Sentry DSN; error tracking is off when unset. Default unset. */
  SENTRY_DSN: url(['https', 'http']).optional(),
  /** Environment name shown in Sentry. Default RAILWAY_ENVIRONMENT_NAME, else NODE_ENV. */
  SENTRY_ENVIRONMENT: str().optional(),
  /** Share of requests traced (0-1); 0 keeps error capture only, which is cheap. Default 0. */
  SENTRY_TRACES_SAMPLE_RATE: num(0, 1).prefault('0'),
  /** Longest the drain waits for queued events to reach Sentry. Default 2000. */
  SENTRY_FLUSH_TIMEOUT_MS: int(0, 60_000).prefault('2000'),
};

/** Just the Sentry fields, plus the variables the release and environment derive from. */
export const sentrySchema = z.object({
  ...sentry,
  NODE_ENV: z.string().optional(),
  RAILWAY_ENVIRONMENT_NAME: z.string().optional(),
  RAILWAY_GIT_COMMIT_SHA: z.string().optional(),
});
