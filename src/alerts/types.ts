/** What an alert is, independent of where it is sent. */

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertInput {
  /**
   * Stable kind, e.g. "health.failing", "breaker.open", "job.dead". Rate limiting counts per type;
   * receivers can route on it.
   */
  type: string;
  severity: Severity;
  /** One line, shown as the headline. */
  title: string;
  /** Optional longer text. */
  message?: string;
  /** Small flat facts (check name, host, job id...), shown as fields. */
  details?: Record<string, string | number | boolean | null>;
}

/** An alert as delivered: the input plus where and when. */
export interface Alert extends AlertInput {
  at: string;
  service: string;
  environment: string;
  /** Which replica raised it (RAILWAY_REPLICA_ID, else the host name). */
  instance: string;
  /** Alerts of this type dropped by the rate limit since the last one delivered. */
  suppressed?: number;
}

export interface Sink {
  readonly name: string;
  /** Deliver one alert; reject on failure. `signal` fires at the sink timeout. */
  send(alert: Alert, signal: AbortSignal): Promise<void>;
}
