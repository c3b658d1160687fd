/**
 * Graceful drain, wired to the process by close-with-grace (SIGTERM/SIGINT, uncaught errors,
 * a second signal forcing exit, one overall deadline):
 *   1. /ready flips to 503 so the platform stops routing to us;
 *   2. wait READINESS_DRAIN_DELAY_MS for the platform to notice;
 *   3. close the listener and let in-flight requests finish (Fastify close), closing keep-alive
 *      sockets as they go idle (responses during the drain also carry Connection: close);
 *   4. run the shutdown steps in reverse start order, then the after-shutdown ones (lifecycle.ts).
 * All of it within SHUTDOWN_TIMEOUT_MS; past it we log the step that hung and exit 1.
 */
import closeWithGrace from 'close-with-grace';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export function installDrain(app: FastifyInstance): void {
  const { SHUTDOWN_TIMEOUT_MS: deadline, READINESS_DRAIN_DELAY_MS: delay } = app.config;
  const log = app.log;
  let exitCode = 0;
  let reason = 'signal';

  const grace = closeWithGrace(
    {
      delay: deadline,
      logger: { error: (msg: unknown) => log.error(msg) },
      onSecondSignal: (signal: string) => log.fatal({ signal }, `second ${signal} during drain: exiting now`),
      onSecondError: (err: unknown) => log.fatal({ err }, 'second uncaught error during drain: exiting now'),
      onTimeout: () =>
        log.fatal(
          { step: app.lifecycle.current, timeoutMs: deadline },
          `shutdown timed out after ${deadline} ms; still waiting for "${app.lifecycle.current ?? 'unknown'}"`,
        ),
    },
    async ({ signal, err }: { signal?: string; err?: Error; manual?: boolean }) => {
      const t0 = performance.now();
      if (err) {
        exitCode = 1;
        reason = 'uncaught error';
        log.fatal({ err }, `uncaught error: ${err.message}; draining before exit`);
      } else if (signal) {
        reason = signal;
      }
      log.warn({ reason, drainDelayMs: delay, timeoutMs: deadline }, `drain started (${reason})`);
      app.lifecycle.startDrain(reason);
      if (delay > 0) {
        app.lifecycle.current = 'readiness-drain-delay';
        await sleep(delay);
      }
      app.lifecycle.current = 'http-server';
      // server.close() drops idle keep-alive sockets once; sockets whose in-flight request
      // finishes afterwards would hold the close open until the client's keep-alive expires.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
      }
      log.info({ durationMs: Math.round(performance.now() - t0), exitCode }, 'drain complete');
      if (exitCode !== 0) process.exit(exitCode);
    },
  );

  app.lifecycle.once('shutdown-requested', (why, code) => {
    exitCode = code;
    reason = why;
    void grace.close();
  });
}
