/**
 * One access line per request, written from Fastify's own LogController (no extra hook on the
 * hot path). Fastify's default writes two lines ("incoming request" + "request completed");
 * we write one, at warn level when the request took longer than SLOW_REQUEST_MS.
 *
 * Speed (measured with `npm run bench`, the access line was the single largest per-request cost):
 * - the line is written for the root logger, with `requestId` as a field, rather than through the
 *   request's child logger, so no per-request logger is created (see lib/lazy-logger.ts);
 * - it skips redaction: redaction walks every top-level key of every line against wildcard paths
 *   (`*.password` ...), about 13 µs per line here, and the access line's keys (requestId, method,
 *   url, statusCode, durationMs) can never match a redaction path, so the output is the same;
 * - it is formatted by a template into the bytes pino would write (lib/access-line.ts), about
 *   1 µs less than pino's generic serialiser; with a logger configured so that pino would change
 *   the line, it goes through pino (a child without redaction).
 * Error lines still go through the request logger and are redacted.
 */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { accessLineWriter, type AccessFields, type AccessLineWriter } from './access-line.js';

export class AccessLog extends LogController {
  #root: Logger | null;
  /** The template writer (lib/access-line.ts); null when pino must format the line. */
  #line: AccessLineWriter | null;
  /** pino without redaction: only where the template cannot be used. */
  #access: FastifyBaseLogger | null;

  /** `logger`: the app's root logger; without it lines go through each request's logger. */
  constructor(
    private readonly slowMs: number,
    logger?: FastifyBaseLogger,
  ) {
    super({ requestIdLogLabel: 'requestId' });
    this.#root = (logger as Logger | undefined) ?? null;
    this.#line = this.#root && accessLineWriter(this.#root);
    this.#access = this.#root && !this.#line ? (this.#root.child({}, { redact: { paths: [] } } as object) as FastifyBaseLogger) : null;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    if (error) {
      reply.log.error({ method: request.method, url: request.url, statusCode: reply.statusCode, durationMs, err: error }, 'request errored');
      return;
    }
    const slow = durationMs > this.slowMs;
    const level = slow ? 'warn' : 'info';
    const msg = slow ? 'slow request' : 'request completed';
    if (this.#root === null) {
      const line = { method: request.method, url: request.url, statusCode: reply.statusCode, durationMs };
      reply.log[level](slow ? { ...line, slowRequestMs: this.slowMs } : line, msg);
      return;
    }
    if (!this.#root.isLevelEnabled(level)) return;
    const fields: AccessFields = { requestId: request.id, method: request.method, url: request.url, statusCode: reply.statusCode, durationMs };
    if (slow) fields.slowRequestMs = this.slowMs;
    if (this.#line !== null) this.#line(level, fields, msg);
    else this.#access![level](fields, msg);
  }
}
