/**
 * Error tracking (Sentry). Read twice: by src/instrument.ts, before anything else loads and
 * before the full config is validated (it parses just these fields with `sentrySchema`), and by the
 * composed schema so a bad value still fails boot with the usual message.
 */
import { z } from 'zod';
import { int, num, str, url, env, section } from '../fields.js';

export const sentry = section('Sentry', {
  SENTRY_DSN: env(url(['https', 'http']).optional(), {
    doc: 'Sentry DSN; error tracking is off when unset.',
    secret: true,
    essential: true,
  }),
  SENTRY_ENVIRONMENT: env(str().optional(), {
    doc: 'Environment name shown in Sentry.',
    defaultText: 'RAILWAY_ENVIRONMENT_NAME, else NODE_ENV',
  }),
  SENTRY_TRACES_SAMPLE_RATE: env(num(0, 1).prefault('0'), {
    doc: 'Share of requests traced (0-1); 0 keeps error capture only, which is cheap; above 0 costs ~45 MB RSS and ~1.5 s of boot CPU.',
  }),
  SENTRY_FLUSH_TIMEOUT_MS: env(int(0, 60_000).prefault('2000'), { doc: 'Longest the drain waits for queued events to reach Sentry.' }),
});

/** Just the Sentry fields, plus the variables the release and environment derive from. */
export const sentrySchema = z.object({
  ...sentry.fields,
  NODE_ENV: z.string().optional(),
  RAILWAY_ENVIRONMENT_NAME: z.string().optional(),
  RAILWAY_GIT_COMMIT_SHA: z.string().optional(),
});
