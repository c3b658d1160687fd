/**
 * `app.alerts`: operator alerts (src/alerts) to the log and to the webhooks configured
 * (ALERT_WEBHOOK_URL, SLACK_WEBHOOK_URL, DISCORD_WEBHOOK_URL). Besides the health monitor
 * (health-monitor.plugin.ts), alerts are raised here for:
 *   drain.started   the drain began (info for a deploy's SIGTERM, critical for a crash or the memory limit)
 *   breaker.open    an outbound circuit breaker opened (breaker.closed when it recovers)
 *   job.dead        jobs exhausted their attempts: one summary per job type per ALERT_JOB_DEAD_WINDOW_MS (digest.ts)
 *   memory.high     RSS reached 90% of MAX_RSS_MB (the memory guard's 'high' event)
 * Deliveries still in flight (e.g. the drain alert) are awaited, bounded, after every other shutdown
 * step (`afterShutdown`), since closing components can still raise alerts.
 */
import { hostname } from 'node:os';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { Alerts } from './alerts.js';
import { DeadJobDigest } from './digest.js';
import { maskText } from '../shared/mask.js';
import { discordSink, logSink, slackSink, webhookSink } from './sinks.js';
import type { Sink } from './types.js';
import { buildInfo } from '../shared/build-info.js';

declare module 'fastify' {
  interface FastifyInstance {
    alerts: Alerts;
  }
}

/** Drain reasons that are routine (a deploy, a restart, a test closing the app). */
const ROUTINE_DRAIN = new Set(['SIGTERM', 'SIGINT', 'closing', 'signal']);

export default fp(
  async (app) => {
    const c = app.config;
    const log = app.log.child({ component: 'alerts' });
    const sinks: Sink[] = [logSink(log)];
    if (c.ALERT_WEBHOOK_URL) sinks.push(webhookSink(c.ALERT_WEBHOOK_URL));
    if (c.SLACK_WEBHOOK_URL) sinks.push(slackSink(c.SLACK_WEBHOOK_URL));
    if (c.DISCORD_WEBHOOK_URL) sinks.push(discordSink(c.DISCORD_WEBHOOK_URL));

    const alerts = new Alerts({
      sinks,
      timeoutMs: c.ALERT_TIMEOUT_MS,
      rateLimit: { max: c.ALERT_RATE_LIMIT_MAX, windowMs: c.ALERT_RATE_LIMIT_WINDOW_MS },
      service: c.RAILWAY_SERVICE_NAME ?? buildInfo().name,
      environment: c.RAILWAY_ENVIRONMENT_NAME ?? c.NODE_ENV,
      instance: c.RAILWAY_REPLICA_ID ?? hostname(),
      log,
    });
    app.decorate('alerts', alerts);
    app.health.addStats('alerts', () => alerts.stats());
    app.lifecycle.afterShutdown('alerts', () => alerts.flush(c.ALERT_TIMEOUT_MS));

    app.lifecycle.on('drain', (reason) => {
      const routine = ROUTINE_DRAIN.has(reason);
      void alerts.raise({
        type: 'drain.started',
        severity: routine ? 'info' : 'critical',
        title: `Instance draining (${reason})`,
        message: routine
          ? 'Graceful shutdown: a deploy, restart or scale-down.'
          : 'Graceful shutdown forced by a failure; the platform restarts the instance.',
        details: { reason },
      });
    });

    const { breakers } = app.outbound;
    breakers.on('open', (b) => {
      void alerts.raise({
        type: 'breaker.open',
        severity: 'warning',
        title: `Circuit breaker open for ${b.host}`,
        message: `${breakers.threshold} consecutive failures (last: ${b.lastError}); calls fail fast until ${b.halfOpenAt}.`,
        details: { host: b.host, lastError: b.lastError ?? null, halfOpenAt: b.halfOpenAt ?? null },
      });
    });
    breakers.on('close', (b) => {
      void alerts.raise({
        type: 'breaker.closed',
        severity: 'info',
        title: `Circuit breaker closed for ${b.host}`,
        details: { host: b.host },
      });
    });

    // Job errors quote what the job met (URLs, answers): masked here, escaped per sink (sinks.ts).
    const deadJobs = new DeadJobDigest(c.ALERT_JOB_DEAD_WINDOW_MS, (d) => {
      const seconds = Math.round(d.windowMs / 1000);
      void alerts.raise({
        type: 'job.dead',
        severity: 'warning',
        title: `${d.count} ${d.jobType} job(s) dead within ${seconds} s`,
        ...(d.lastError ? { message: `Last error: ${maskText(d.lastError)}` } : {}),
        details: { jobType: d.jobType, count: d.count, sampleJobIds: d.sampleJobIds.join(', ') },
      });
    });
    app.queue.on('dead', (job) => deadJobs.add(job));
    app.lifecycle.onShutdown('dead-job-alerts', () => deadJobs.flush());

    app.memoryGuard?.on('high', (m) => {
      void alerts.raise({
        type: 'memory.high',
        severity: 'warning',
        title: `Memory at ${Math.round(m.ratio * 100)}% of MAX_RSS_MB`,
        message: `RSS ${m.rssMb} MB of ${m.limitMb} MB; above the limit for longer than the grace period the instance restarts.`,
        details: { rssMb: m.rssMb, limitMb: m.limitMb },
      });
    });

    const counter = new Counter({
      name: 'alerts_total',
      help: 'Alerts raised, by type, severity and outcome (delivered to the sinks, or suppressed by the rate limit)',
      labelNames: ['type', 'severity', 'outcome'],
      registers: [app.metrics.registry],
    });
    alerts.on('delivered', (a) => counter.inc({ type: a.type, severity: a.severity, outcome: 'delivered' }));
    alerts.on('suppressed', (a) => counter.inc({ type: a.type, severity: a.severity, outcome: 'suppressed' }));
  },
  { name: 'alerts', dependencies: ['config', 'lifecycle', 'health', 'metrics', 'outbound', 'memory-guard', 'queue'] },
);
