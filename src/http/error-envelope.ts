/**
 * The one error body every layer answers with, its OpenAPI schema, and the helpers that build and
 * send it (the error handler, the 404 handler and load shedding all use these).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/** The error body's schema (OpenAPI and response serialisation). */
export const ErrorEnvelopeSchema = Type.Object(
  {
    statusCode: Type.Integer({ examples: [503] }),
    error: Type.String({ examples: ['Service Unavailable'] }),
    message: Type.String({ examples: ['Database unavailable, retry later'] }),
    requestId: Type.String(),
    code: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
);

export const errorRef = Type.Ref('ErrorEnvelope');

export interface ErrorEnvelope {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
  code?: string;
  details?: unknown;
}

export function envelope(request: FastifyRequest, statusCode: number, message: string, extra: { code?: string; details?: unknown } = {}): ErrorEnvelope {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    requestId: request.id,
    ...(extra.code ? { code: extra.code } : {}),
    ...(extra.details !== undefined ? { details: extra.details } : {}),
  };
}

export function sendError(reply: FastifyReply, body: ErrorEnvelope, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

