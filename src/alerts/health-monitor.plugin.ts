/**
 * Health monitor: runs every registered health check each HEALTH_MONITOR_INTERVAL_MS (0 = off)
 * and alerts when one has failed HEALTH_ALERT_THRESHOLD runs in a row, and again when it recovers
 * (src/alerts/health-monitor.ts). Nobody has to be polling /health for an outage to be noticed.
 *
 * Runs never overlap (a slow run delays the next), the timer does not keep the process alive, and
 * the monitor stops as soon as the drain starts: checks of components being closed would fail and
 * alert for nothing.
 */
import fp from 'fastify-plugin';
import { HealthMonitor } from './health-monitor.js';

export default fp(
  async (app) => {
    const { HEALTH_MONITOR_INTERVAL_MS: intervalMs, HEALTH_ALERT_THRESHOLD: threshold } = app.config;
    if (intervalMs <= 0) return;
    const monitor = new HealthMonitor(threshold);
    const log = app.log.child({ component: 'health-monitor' });
    let timer: NodeJS.Timeout | undefined;
    let runs = 0;

    const tick = async () => {
      try {
        const transitions = monitor.observe(await app.health.run());
        runs++;
        for (const t of transitions) {
          if (t.kind === 'failing') {
            void app.alerts.raise({
              type: 'health.failing',
              severity: t.critical ? 'critical' : 'warning',
              title: `Health check "${t.name}" failing (${t.failures} runs in a row)`,
              message: t.error,
              details: { check: t.name, critical: t.critical, failures: t.failures, error: t.error },
            });
          } else {
            void app.alerts.raise({
              type: 'health.recovered',
              severity: 'info',
              title: `Health check "${t.name}" recovered`,
              message: `Down for about ${Math.round(t.downForMs / 1000)} s.`,
              details: { check: t.name, critical: t.critical, downForMs: t.downForMs },
            });
          }
        }
      } catch (err) {
        log.error({ err }, 'health monitor run failed');
      }
      if (timer) timer = setTimeout(tick, intervalMs).unref();
    };
    const stop = () => {
      clearTimeout(timer);
      timer = undefined;
    };

    app.health.addStats('healthMonitor', () => ({ intervalMs, threshold, runs, checks: monitor.snapshot() }));
    // Start once every check is registered (components register theirs as they load).
    app.addHook('onReady', async () => {
      if (!app.lifecycle.draining) timer = setTimeout(tick, intervalMs).unref();
    });
    app.lifecycle.on('drain', stop);
    app.lifecycle.onShutdown('health-monitor', stop);
  },
  { name: 'health-monitor', dependencies: ['config', 'lifecycle', 'health', 'alerts'] },
);
