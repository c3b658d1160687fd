/**
 * One error envelope for every error the API returns:
 *   { statusCode, error, message, requestId, details? }
 * 4xx keep their message (it tells the client what to fix); 5xx say only what we chose to say
 * (HttpError) or "Internal Server Error", never an internal message or stack.
 */
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { maskText } from '../shared/mask.js';
import { envelope, sendError, type ErrorEnvelope } from './error-envelope.js';

type AnyError = FastifyError & Partial<Pick<HttpError, 'details' | 'retryAfter'>>;

function toEnvelope(error: AnyError, request: FastifyRequest): ErrorEnvelope {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (error.validation) {
    const details = error.validation.map((v) => ({
      field: fieldOf(error.validationContext, v.instancePath, v.params),
      message: v.message ?? 'is invalid',
    }));
    const first = details[0];
    const message = first ? `${first.field} ${first.message}` : error.message;
    return envelope(request, 400, message, { code: 'VALIDATION_FAILED', details });
  }
  if (error instanceof HttpError) return envelope(request, status, error.message, { code: error.code, details: error.details });
  if (status >= 500) return envelope(request, status, STATUS_CODES[status] ?? 'Internal Server Error');
  // Fastify's own 4xx (bad JSON, body too large, unsupported media type): safe, helpful messages.
  return envelope(request, status, maskText(error.message), { code: error.code });
}

/** "body.payload.ms", "querystring.limit" – the field a client has to fix. */
function fieldOf(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const parts = [context ?? 'body', ...instancePath.split('/').filter(Boolean)];
  if (typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  return parts.join('.');
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: AnyError, request, reply) => {
      const body = toEnvelope(error, request);
      if (body.statusCode >= 500) {
        request.log.error({ err: error }, `request failed: ${maskText(error.message)}`);
      } else {
        request.log.debug({ err: error }, `request rejected: ${body.message}`);
      }
      return sendError(reply, body, error.retryAfter);
    });

    // Once the app closes, a request that still arrives (on a kept-alive connection) gets 503 in the
    // envelope, with the headers the hooks before this one set. This replaces Fastify's
    // return503OnClosing, whose fixed body has no request id and no security headers.
    let closing = false;
    app.addHook('preClose', (done) => {
      closing = true;
      done();
    });
    app.addHook('onRequest', (request, reply, done) => {
      if (!closing) return done();
      reply.header('connection', 'close');
      sendError(reply, envelope(request, 503, 'The server is shutting down, retry', { code: 'SHUTTING_DOWN' }), 1);
    });

    // @fastify/rate-limit hooks routes only. Unmatched URLs count against the same per-client limit
    // (its documented way: the limiter as the 404 handler's preHandler); otherwise requesting random
    // paths would be an unlimited way to load the server.
    const limit = app.hasDecorator('rateLimit') ? { preHandler: app.rateLimit() } : {};
    app.setNotFoundHandler(limit, (request, reply) =>
      sendError(reply, envelope(request, 404, `Route ${request.method} ${request.url.split('?')[0]} not found`)),
    );
  },
  { name: 'error-handler', dependencies: ['config'] },
);
