/**
 * `app.outbound`: the HTTP client for calling other services (src/outbound/http-client.ts), with
 * one circuit breaker per target host. Breaker states appear in /health/details (stats
 * "outbound") and in metrics (circuit_breaker_state, circuit_breaker_opens_total); a breaker
 * opening is logged and raises an alert (alerts.plugin.ts listens to `app.outbound.breakers`).
 * Job handlers get the same client as `ctx.http` (the queue plugin passes it to the Runner).
 */
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { buildInfo } from '../shared/build-info.js';
import { BreakerRegistry, type BreakerState } from './breakers.js';
import { HttpClient } from './http-client.js';
import { TargetGuard } from './target-guard.js';

declare module 'fastify' {
  interface FastifyInstance {
    outbound: HttpClient;
  }
}

const STATE_CODE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 2 };

export default fp(
  async (app) => {
    const c = app.config;
    const breakers = new BreakerRegistry({ threshold: c.OUTBOUND_BREAKER_THRESHOLD, resetMs: c.OUTBOUND_BREAKER_RESET_MS });
    const { name, version } = buildInfo();
    // The `http` job takes URLs from API clients: outside production any host, in production only
    // the hosts listed (server-side request forgery: internal services, cloud metadata...), and
    // never a non-public address unless OUTBOUND_ALLOW_PRIVATE names it (target-guard.ts).
    const jobAllowedHosts = c.HTTP_JOB_ALLOWED_HOSTS ?? (c.NODE_ENV === 'production' ? [] : ['*']);
    const guard = new TargetGuard({ allowedHosts: jobAllowedHosts, allowPrivate: c.OUTBOUND_ALLOW_PRIVATE ?? [] });
    const client = new HttpClient({
      guard,
      breakers,
      timeoutMs: c.OUTBOUND_TIMEOUT_MS,
      retries: c.OUTBOUND_RETRIES,
      maxDelayMs: c.OUTBOUND_RETRY_MAX_DELAY_MS,
      userAgent: `${name}/${version}`,
    });
    app.decorate('outbound', client);

    const log = app.log.child({ component: 'outbound' });
    breakers.on('open', (b) =>
      log.warn(
        b,
        `circuit breaker for ${b.host} opened after ${breakers.threshold} consecutive failures (${b.lastError}); failing fast until ${b.halfOpenAt}`,
      ),
    );
    breakers.on('half-open', (b) => log.info(b, `circuit breaker for ${b.host} half-open: letting one trial call through`));
    breakers.on('close', (b) => log.info(b, `circuit breaker for ${b.host} closed: calls flow again`));

    app.health.addStats('outbound', () => ({ ...client.stats, breakers: breakers.snapshot() }));

    const registers = [app.metrics.registry];
    new Gauge({
      name: 'circuit_breaker_state',
      help: 'Outbound circuit breaker per target host: 0 closed, 1 half-open, 2 open',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const b of Object.values(breakers.snapshot())) this.set({ target: b.host }, STATE_CODE[b.state]);
      },
    });
    const opens = new Counter({
      name: 'circuit_breaker_opens_total',
      help: 'Times an outbound circuit breaker opened',
      labelNames: ['target'],
      registers,
    });
    breakers.on('open', (b) => opens.inc({ target: b.host }));
  },
  { name: 'outbound', dependencies: ['config', 'lifecycle', 'health', 'metrics'] },
);
