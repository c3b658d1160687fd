/**
 * Outbound HTTP metrics.
 *   railfast_outbound_requests_total, _retries_total, _failures_total, _rejected_total: the calls made
 *       through app.outbound (HttpClient.stats: logical calls, retried attempts, calls that got no
 *       usable response, calls refused by an open breaker).
 *   railfast_outbound_response_duration_seconds{host,status_class}: every HTTP exchange of this
 *       process that got a response (app.outbound, alert webhooks, anything on fetch/undici), time
 *       to the response headers, from undici's diagnostics channels (a documented, stable surface:
 *       no wrapper around fetch). At most MAX_HOSTS host labels; the rest share "other".
 */
import diagnostics from 'node:diagnostics_channel';
import { Histogram, type Registry } from 'prom-client';
import type { HttpClient } from '../outbound/http-client.js';
import { countFrom } from './prom-helpers.js';

const MAX_HOSTS = 50;
const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface UndiciRequest {
  origin?: string | URL;
}

export function outboundMetrics(client: HttpClient, registers: Registry[], onClose: (close: () => void) => void): void {
  const stat = (key: keyof HttpClient['stats']) => () => [[{}, client.stats[key]]] as [Record<string, string>, number][];
  countFrom({ name: 'railfast_outbound_requests_total', help: 'Outbound calls made through app.outbound', registers }, stat('requests'));
  countFrom({ name: 'railfast_outbound_retries_total', help: 'Outbound attempts repeated after a transient failure', registers }, stat('retries'));
  countFrom({ name: 'railfast_outbound_failures_total', help: 'Outbound calls that got no usable response (timeout, unreachable, breaker open)', registers }, stat('failures'));
  countFrom({ name: 'railfast_outbound_rejected_total', help: 'Outbound calls refused at once because the target host breaker was open', registers }, stat('rejectedOpen'));

  const duration = new Histogram({
    name: 'railfast_outbound_response_duration_seconds',
    help: 'Outbound HTTP exchanges that got a response: time to the response headers, by target host and status class',
    labelNames: ['host', 'status_class'],
    buckets: BUCKETS,
    registers,
  });
  const started = new WeakMap<object, number>();
  const hosts = new Set<string>();
  const hostLabel = (origin: UndiciRequest['origin']) => {
    let host = 'unknown';
    try {
      host = new URL(String(origin)).host;
    } catch {
      /* keep "unknown" */
    }
    if (hosts.has(host)) return host;
    if (hosts.size >= MAX_HOSTS) return 'other';
    hosts.add(host);
    return host;
  };
  const onCreate = (msg: unknown) => started.set((msg as { request: object }).request, performance.now());
  const onHeaders = (msg: unknown) => {
    const { request, response } = msg as { request: UndiciRequest; response: { statusCode: number } };
    const t0 = started.get(request);
    if (t0 === undefined) return;
    started.delete(request);
    duration.observe({ host: hostLabel(request.origin), status_class: `${Math.floor(response.statusCode / 100)}xx` }, (performance.now() - t0) / 1000);
  };
  diagnostics.subscribe('undici:request:create', onCreate);
  diagnostics.subscribe('undici:request:headers', onHeaders);
  onClose(() => {
    diagnostics.unsubscribe('undici:request:create', onCreate);
    diagnostics.unsubscribe('undici:request:headers', onHeaders);
  });
}
