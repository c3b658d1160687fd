/** Alerts (src/alerts) and the health monitor that raises most of them. */
import { int, url } from '../fields.js';

export const alerts = {
  /** How often the health monitor runs every registered check; 0 = off. Default 60000. */
  HEALTH_MONITOR_INTERVAL_MS: int(0).prefault('60000'),
  /** Consecutive failed runs of a check before an alert (a recovery alert follows when it passes). Default 3. */
  HEALTH_ALERT_THRESHOLD: int(1, 1000).prefault('3'),
  /** Generic webhook: every alert is POSTed as JSON. A secret (the URL is the credential). Default unset. */
  ALERT_WEBHOOK_URL: url(['https', 'http']).optional(),
  /** Slack incoming-webhook URL. A secret. Default unset. */
  SLACK_WEBHOOK_URL: url(['https', 'http']).optional(),
  /** Discord webhook URL. A secret. Default unset. */
  DISCORD_WEBHOOK_URL: url(['https', 'http']).optional(),
  /** Deadline for one delivery to one sink; a slow sink never delays the others. Default 5000. */
  ALERT_TIMEOUT_MS: int(100, 60_000).prefault('5000'),
  /** Alerts of one type delivered per ALERT_RATE_LIMIT_WINDOW_MS; the rest are counted, not sent. Default 10. */
  ALERT_RATE_LIMIT_MAX: int(1).prefault('10'),
  /** Window for ALERT_RATE_LIMIT_MAX. Default 300000 (5 minutes). */
  ALERT_RATE_LIMIT_WINDOW_MS: int(1000).prefault('300000'),
};
