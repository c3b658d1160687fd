/**
 * Turns periodic health-check results into transitions worth an alert: a check that failed
 * `threshold` runs in a row is "failing" (once, not on every run after), and a failing check that
 * passes again has "recovered". One bad run is noise; `threshold` in a row is an outage.
 */
import type { CheckResult } from '../health/registry.js';

export type Transition =
  | { kind: 'failing'; name: string; critical: boolean; failures: number; error: string }
  | { kind: 'recovered'; name: string; critical: boolean; downForMs: number };

interface CheckState {
  failures: number;
  /** When the first of the current run of failures happened. */
  since: number | null;
  alerted: boolean;
}

export class HealthMonitor {
  readonly #threshold: number;
  readonly #state = new Map<string, CheckState>();

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  observe(results: Record<string, CheckResult>, now: number = Date.now()): Transition[] {
    const out: Transition[] = [];
    for (const [name, r] of Object.entries(results)) {
      const s = this.#state.get(name) ?? { failures: 0, since: null, alerted: false };
      this.#state.set(name, s);
      if (r.status === 'down') {
        s.failures++;
        s.since ??= now;
        if (s.failures >= this.#threshold && !s.alerted) {
          s.alerted = true;
          out.push({ kind: 'failing', name, critical: r.critical, failures: s.failures, error: r.error ?? 'unknown error' });
        }
      } else {
        if (s.alerted) out.push({ kind: 'recovered', name, critical: r.critical, downForMs: now - (s.since ?? now) });
        s.failures = 0;
        s.since = null;
        s.alerted = false;
      }
    }
    return out;
  }

  /** name → consecutive failures and whether an alert is out, for /health/details. */
  snapshot(): Record<string, { consecutiveFailures: number; alerting: boolean }> {
    return Object.fromEntries([...this.#state].map(([name, s]) => [name, { consecutiveFailures: s.failures, alerting: s.alerted }]));
  }
}
