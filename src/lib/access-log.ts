/**
 * One access line per request, written from Fastify's own LogController (no extra hook on the
 * hot path). Fastify's default writes two lines ("incoming request" + "request completed");
 * we write one, at warn level when the request took longer than SLOW_REQUEST_MS.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  constructor(private readonly slowMs: number) {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, durationMs };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (durationMs > this.slowMs) reply.log.warn({ ...line, slowRequestMs: this.slowMs }, 'slow request');
    else reply.log.info(line, 'request completed');
  }
}
