/**
 * The private metrics listener (METRICS_PORT): a bare HTTP server that answers GET /metrics and
 * nothing else, for Prometheus on a private network (Railway: `<service>.railway.internal:<port>`,
 * never exposed by the platform's proxy). Same token rule as the public route: with METRICS_TOKEN
 * set it needs `Authorization: Bearer <METRICS_TOKEN>`.
 *
 * Plain node:http, not a second Fastify instance: one route, no body, no plugins; its few error
 * answers use the same JSON envelope (statusCode, error, message, requestId).
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { bearerToken } from '../http/bearer-token.js';

export interface MetricsListener {
  address(): AddressInfo;
  close(): Promise<void>;
}

interface Options {
  port: number;
  host: string;
  token: string | undefined;
  metrics: { text(): Promise<string>; contentType: string };
  log: FastifyBaseLogger;
}

function fail(res: ServerResponse, statusCode: number, message: string, requestId: string): void {
  const body = JSON.stringify({ statusCode, error: STATUS_CODES[statusCode], message, requestId });
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId }).end(body);
}

export async function metricsListener(opts: Options): Promise<MetricsListener> {
  const expected = opts.token ? bearerToken(opts.token) : null;
  const log = opts.log.child({ component: 'metrics-listener' });
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return fail(res, 404, `Route ${req.method} ${path} not found`, requestId);
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'Only GET /metrics is served here', requestId);
    if (expected && !expected.matches(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return fail(res, 401, 'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)', requestId);
    }
    opts.metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': opts.metrics.contentType, 'x-request-id': requestId }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => {
        log.error({ err }, `metrics: collecting failed: ${err.message}`);
        fail(res, 500, 'Collecting metrics failed', requestId);
      },
    );
  });
  server.keepAliveTimeout = 65_000; // longer than a scrape interval: Prometheus keeps its connection
  server.listen(opts.port, opts.host);
  await once(server, 'listening').catch((err: Error) => {
    throw new Error(`METRICS_PORT ${opts.port}: ${err.message}`, { cause: err });
  });
  const address = server.address() as AddressInfo;
  log.info({ listen: `${address.address}:${address.port}` }, `metrics: private listener on port ${address.port} (GET /metrics${expected ? ', bearer token' : ''})`);
  return {
    address: () => address,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
