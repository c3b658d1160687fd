/** Alerts (src/alerts) and the health monitor that raises most of them. */
import { int, url, env, section } from '../fields.js';

export const alerts = section('Alerts and health monitor', {
  HEALTH_MONITOR_INTERVAL_MS: env(int(0).prefault('60000'), { doc: 'How often the health monitor runs every registered check; 0 = off.' }),
  HEALTH_ALERT_THRESHOLD: env(int(1, 1000).prefault('3'), {
    doc: 'Consecutive failed runs of a check before an alert (a recovery alert follows when it passes).',
  }),
  ALERT_WEBHOOK_URL: env(url(['https', 'http']).optional(), {
    doc: 'Generic webhook: every alert is POSTed as JSON (the URL is the credential).',
    secret: true,
  }),
  SLACK_WEBHOOK_URL: env(url(['https', 'http']).optional(), {
    doc: 'Slack incoming-webhook URL.',
    secret: true,
    essential: true,
  }),
  DISCORD_WEBHOOK_URL: env(url(['https', 'http']).optional(), { doc: 'Discord webhook URL.', secret: true }),
  ALERT_TIMEOUT_MS: env(int(100, 60_000).prefault('5000'), {
    doc: 'Deadline for one delivery to one sink; a slow sink never delays the others.',
  }),
  ALERT_RATE_LIMIT_MAX: env(int(1).prefault('10'), {
    doc: 'Alerts of one type delivered per ALERT_RATE_LIMIT_WINDOW_MS; the rest are counted, not sent.',
  }),
  ALERT_JOB_DEAD_WINDOW_MS: env(int(100, 3_600_000).prefault('60000'), {
    doc: 'Dead jobs are alerted as one summary per job type per window (count, sample ids, last error), not one alert per job.',
  }),
  ALERT_RATE_LIMIT_WINDOW_MS: env(int(1000).prefault('300000'), {
    doc: 'Window for ALERT_RATE_LIMIT_MAX.',
    defaultText: '300000 (5 minutes)',
  }),
});
