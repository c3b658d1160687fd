/**
 * Sentry inside the app (initialisation happens earlier, in src/instrument.ts; what is reported is
 * decided in sentry.ts):
 *   - errors that become 5xx responses are captured from an onError hook (unless tracing is on, in
 *     which case Sentry's Fastify integration does it), tagged with the request id;
 *   - jobs that end `dead` are reported (grouped per job type);
 *   - the drain flushes queued events, bounded by SENTRY_FLUSH_TIMEOUT_MS, after every other
 *     shutdown step (the queue and everything else that can still report something).
 * Without SENTRY_DSN this plugin does nothing and the SDK is never loaded.
 */
import fp from 'fastify-plugin';
import { FASTIFY_INTEGRATION, JOB_EVENT_TAG, loadSentry, shouldReport } from './sentry.js';

export default fp(
  async (app) => {
    const c = app.config;
    if (!c.SENTRY_DSN) return;
    const Sentry = loadSentry();
    const log = app.log.child({ component: 'sentry' });
    if (!Sentry.isInitialized()) {
      log.warn('SENTRY_DSN is set but Sentry is not initialised: start node with --import ./dist/instrument.js (see package.json "start")');
      return;
    }

    // With tracing on, Sentry's Fastify integration captures request errors itself (sentry.ts).
    if (!Sentry.getClient()?.getIntegrationByName(FASTIFY_INTEGRATION)) {
      // Callback style, and it runs only for requests that failed: nothing on the hot path.
      app.addHook('onError', (request, _reply, error, done) => {
        if (shouldReport(error, request)) {
          Sentry.withScope((scope) => {
            // The route pattern, not the URL: one Sentry transaction name per route.
            scope.setTransactionName(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`);
            Sentry.captureException(error, { mechanism: { handled: false, type: 'auto.function.fastify' } });
          });
        }
        done();
      });
    }

    // After every other shutdown step: closing components can still report something.
    app.lifecycle.afterShutdown('sentry', async () => {
      if (!(await Sentry.flush(c.SENTRY_FLUSH_TIMEOUT_MS))) {
        log.warn({ timeoutMs: c.SENTRY_FLUSH_TIMEOUT_MS }, 'sentry: events still unsent at the flush deadline');
      }
    });

    app.queue.on('dead', (job) => {
      Sentry.withScope((scope) => {
        // JOB_EVENT_TAG also tells beforeSend to drop any request in scope (sentry.ts scrubEvent).
        scope.setTags({ [JOB_EVENT_TAG]: job.id, job_type: job.type });
        scope.setContext('job', { id: job.id, type: job.type, attempts: job.attempt, maxAttempts: job.maxAttempts, error: job.error });
        scope.setFingerprint(['job-dead', job.type]);
        Sentry.captureMessage(`Job ${job.type} dead after ${job.attempt} attempt(s): ${job.error ?? 'unknown error'}`, 'error');
      });
    });
  },
  { name: 'sentry', dependencies: ['config', 'lifecycle', 'queue'] },
);
