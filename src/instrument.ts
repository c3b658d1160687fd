/**
 * Loaded with `node --import` before anything else so that error tracking can instrument
 * modules as they load. Sentry is wired here by the observability layer; with no SENTRY_DSN this
 * file does nothing.
 */
export {};
