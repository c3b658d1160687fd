/**
 * Loaded with `node --import` before anything else (every start path: npm scripts, Procfile,
 * railway.json, Dockerfile) so Sentry can hook modules before they load. With no SENTRY_DSN this
 * file does nothing, not even load the SDK.
 *
 * It runs before the config is validated: it reads the SENTRY_* variables itself with the same zod
 * fields (src/config/sections/sentry.ts). An invalid value is ignored here; the validation in
 * start.ts then stops the boot and names it.
 */
import { loadDotEnv } from './config/load.js';
import { loadSentry, sentryInitOptions, sentrySettings } from './observability/sentry.js';

loadDotEnv();
const settings = sentrySettings(process.env);
if (settings) {
  const Sentry = loadSentry();
  Sentry.init(sentryInitOptions(settings, Sentry));
}
