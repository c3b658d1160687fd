/**
 * One access line per request, written from Fastify's own LogController (no extra hook on the
 * hot path). Fastify's default writes two lines ("incoming request" + "request completed");
 * we write one, at warn level when the request took longer than SLOW_REQUEST_MS.
 *
 * Speed (measured with `npm run bench`, the access line was the single largest per-request cost):
 * the line is written through a child of the root logger made once at boot, with `requestId` as
 * a field, rather than through the request's child logger, so no per-request logger is created
 * (see lib/lazy-logger.ts) and the line skips redaction. Redaction walks every top-level key of
 * every line against wildcard paths (`*.password` ...); the access line's keys (requestId,
 * method, url, statusCode, durationMs) can never match a redaction path, so the output is the
 * same. Error lines still go through the request logger and are redacted.
 */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  #access: FastifyBaseLogger | null;

  /** `logger`: the app's root logger; without it lines go through each request's logger. */
  constructor(
    private readonly slowMs: number,
    logger?: FastifyBaseLogger,
  ) {
    super({ requestIdLogLabel: 'requestId' });
    this.#access = logger ? (logger.child({}, { redact: { paths: [] } } as object) as FastifyBaseLogger) : null;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    if (error) {
      reply.log.error({ method: request.method, url: request.url, statusCode: reply.statusCode, durationMs, err: error }, 'request errored');
      return;
    }
    const log = this.#access;
    if (log === null) {
      const line = { method: request.method, url: request.url, statusCode: reply.statusCode, durationMs };
      if (durationMs > this.slowMs) reply.log.warn({ ...line, slowRequestMs: this.slowMs }, 'slow request');
      else reply.log.info(line, 'request completed');
      return;
    }
    if (durationMs > this.slowMs) {
      log.warn(
        { requestId: request.id, method: request.method, url: request.url, statusCode: reply.statusCode, durationMs, slowRequestMs: this.slowMs },
        'slow request',
      );
    } else {
      log.info({ requestId: request.id, method: request.method, url: request.url, statusCode: reply.statusCode, durationMs }, 'request completed');
    }
  }
}
