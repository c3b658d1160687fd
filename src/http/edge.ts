/**
 * The answers given before a route runs, in the one envelope (error-envelope.ts) with the request
 * id and the security headers, logged and counted like every other answer:
 *   - `frameworkErrors`: the router's own errors (a URL that cannot be decoded → 400, a route
 *     parameter longer than maxParamLength → 414). Fastify builds a request and reply for them but
 *     runs no onRequest hook, so the headers are set here; they are rate limited like a 404.
 *   - `clientErrorHandler`: what Node's HTTP parser and its timers reject before Fastify has a
 *     request (a malformed request line → 400, headers over the size limit → 431, headers or
 *     request not received in time → 408). Only a socket exists: the answer is written to it and
 *     the connection closed, as Node does by default.
 * And the server timeouts: Node enforces headersTimeout and requestTimeout only when it sweeps its
 * connections, every `connectionsCheckingInterval` (30 s by default), so a 15 s headers timeout
 * fired after up to 45 s. The sweep runs often enough here for them to fire within about a second.
 */
import { STATUS_CODES, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { AppConfig } from '../config/load.js';
import { envelope, sendError } from './error-envelope.js';
import type { HttpError } from './errors.js';
import { newRequestId, REQUEST_ID_HEADER } from './request-id.js';

/** Node's sweep interval for the configured timeouts: at most 1 s, and at most a quarter of the shortest. */
export function connectionsCheckingInterval(c: Pick<AppConfig, 'HEADERS_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS'>): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(c.HEADERS_TIMEOUT_MS, c.REQUEST_TIMEOUT_MS) / 4)));
}

export function serverTimeouts(c: AppConfig): ServerOptions {
  return {
    headersTimeout: c.HEADERS_TIMEOUT_MS,
    requestTimeout: c.REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: connectionsCheckingInterval(c),
  };
}

/**
 * TRUST_PROXY as Fastify's trustProxy. A hop count becomes "trust the nearest `hops` addresses":
 * Fastify's own number option trusts no hop at all (it cannot check who the peer is), but behind a
 * platform edge (Railway) every public connection comes through that one proxy.
 */
export function trustProxyOption(value: AppConfig['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return typeof value === 'boolean' ? value : [...value];
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface EdgeOptions {
  /** The security headers (security-headers.plugin.ts computes them once per process). */
  securityHeaders: Record<string, string>;
  /** Counts an answer given here (status code), e.g. a metrics counter. Set once the app exists. */
  count?: (statusCode: number, where: 'router' | 'socket') => void;
  /** The rate limiter's preHandler (rate-limit.plugin.ts), when rate limiting is on. */
  rateLimit?: Hook;
}

/**
 * `http_edge_responses_total{status_code, layer}`: the answers given here. They never reach the
 * per-route histogram (no onResponse hook runs for them), so they are counted on their own.
 */
export function edgeCounter(registry: Registry): NonNullable<EdgeOptions['count']> {
  const counter = new Counter({
    name: 'http_edge_responses_total',
    help: "Answers given before a route runs: router errors (layer router) and Node's parser or timeouts (layer socket)",
    labelNames: ['status_code', 'layer'],
    registers: [registry],
  });
  return (statusCode, layer) => counter.inc({ status_code: statusCode, layer });
}

const MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is malformed (a percent-escape that does not decode)',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is longer than allowed',
  FST_ERR_ASYNC_CONSTRAINT: 'The request could not be routed',
};

/** Fastify's `frameworkErrors` option, reading `edge` at call time (the limiter exists only later). */
export function frameworkErrors(edge: EdgeOptions) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(edge.securityHeaders);
    reply.header(REQUEST_ID_HEADER, request.id);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 400;
    if (edge.rateLimit) {
      try {
        await edge.rateLimit(request, reply);
      } catch (limited) {
        const e = limited as HttpError;
        edge.count?.(e.statusCode, 'router');
        return sendError(reply, envelope(request, e.statusCode, e.message, { code: e.code }), e.retryAfter);
      }
    }
    edge.count?.(status, 'router');
    request.log.info({ code: error.code, statusCode: status }, `request rejected by the router: ${error.code}`);
    return sendError(reply, envelope(request, status, MESSAGES[error.code] ?? (STATUS_CODES[status] ?? 'Bad Request'), { code: error.code }));
  };
}

const SOCKET_ANSWERS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in time', 'REQUEST_TIMEOUT'],
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large', 'HEADERS_TOO_LARGE'],
};

/** Fastify's `clientErrorHandler` (`this` is the Fastify instance). */
export function clientErrorHandler(edge: EdgeOptions) {
  return function (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
    // A reset or closed connection: nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message, code] = SOCKET_ANSWERS[err.code ?? ''] ?? [400, 'The request is malformed', 'BAD_REQUEST'];
    const requestId = newRequestId();
    edge.count?.(status, 'socket');
    this.log.info({ requestId, statusCode: status, code, reason: err.code, remoteAddress: socket.remoteAddress }, `request rejected before routing: ${message}`);
    if (socket.writable) {
      const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message, requestId, code });
      const headers = {
        ...edge.securityHeaders,
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        [REQUEST_ID_HEADER]: requestId,
        connection: 'close',
      };
      const head = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
    }
    socket.destroy();
  };
}
