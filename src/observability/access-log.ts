/**
 * One access line per request, written through Fastify's LogController (its documented way to
 * customise request logging) instead of Fastify's default two ("incoming request" + "request
 * completed"): at info level, or warn when the request took longer than SLOW_REQUEST_MS. The line
 * goes through the request's own logger, so it carries the request id and the usual redaction, and
 * its URL has credential-like query parameters masked.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { maskPath } from '../shared/mask.js';

export class AccessLog extends LogController {
  constructor(private readonly slowMs: number) {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    // The query string may carry credentials (`?token=`): masked like everywhere else (shared/mask.ts).
    const line = { method: request.method, url: maskPath(request.url), statusCode: reply.statusCode, durationMs };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (durationMs > this.slowMs) reply.log.warn({ ...line, slowRequestMs: this.slowMs }, 'slow request');
    else reply.log.info(line, 'request completed');
  }
}
