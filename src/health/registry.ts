/**
 * Health registry. Components add checks (`app.health.register`) and stats providers
 * (`app.health.addStats`); /ready, /health and /health/details only read from here, so a new
 * component shows up everywhere without touching the routes.
 */
import { Type } from 'typebox';
import { maskText } from '../shared/mask.js';
import { withTimeout } from '../shared/timeout.js';

export interface HealthCheck {
  name: string;
  /** A critical check failing makes /ready and /health 503; a non-critical one only "degraded". */
  critical: boolean;
  /** A check that has not answered by then counts as failed. */
  timeoutMs?: number;
  /** Current mode for banners and /health, e.g. "postgres" or "pglite (./data)". */
  mode?: () => string;
  /** Resolve (optionally with details) when healthy; throw when not. */
  check: () => Promise<Record<string, unknown> | void>;
}

export interface CheckResult {
  status: 'up' | 'down';
  critical: boolean;
  latencyMs: number;
  mode?: string;
  error?: string;
  details?: Record<string, unknown>;
}

const DEFAULT_TIMEOUT_MS = 2000;

export interface HealthRegistryOptions {
  /** How long one run's results are reused by `cached()`; 0 = only calls in flight are shared. */
  cacheMs?: number;
  now?: () => number;
}

export class HealthRegistry {
  #checks: HealthCheck[] = [];
  #stats = new Map<string, () => unknown>();
  readonly #cacheMs: number;
  readonly #now: () => number;
  #last: { at: number; results: Promise<Record<string, CheckResult>> } | undefined;

  constructor(opts: HealthRegistryOptions = {}) {
    this.#cacheMs = opts.cacheMs ?? 0;
    this.#now = opts.now ?? Date.now;
  }

  register(check: HealthCheck): void {
    if (this.#checks.some((c) => c.name === check.name)) throw new Error(`health check "${check.name}" registered twice`);
    this.#checks.push(check);
    this.#last = undefined;
  }

  addStats(name: string, provider: () => unknown): void {
    this.#stats.set(name, provider);
  }

  /** name → mode, for the boot banner. */
  modes(): Record<string, string> {
    return Object.fromEntries(this.#checks.map((c) => [c.name, c.mode?.() ?? 'on']));
  }

  /**
   * The probes' view (/ready, /health): concurrent callers share one run, and its results are
   * reused for `cacheMs`, so a flood of probes costs at most one database round trip per window.
   */
  cached(): Promise<Record<string, CheckResult>> {
    const now = this.#now();
    const last = this.#last;
    // A run still in flight has at = its start; it is shared however long it takes.
    if (last && (last.at === -1 || now - last.at < this.#cacheMs)) return last.results;
    const entry = { at: -1, results: this.run() };
    this.#last = entry;
    void entry.results.then(() => {
      entry.at = this.#now();
    });
    return entry.results;
  }

  /** Run every check now (the admin view and the health monitor). */
  async run(): Promise<Record<string, CheckResult>> {
    const results = await Promise.all(this.#checks.map((c) => runOne(c)));
    return Object.fromEntries(this.#checks.map((c, i) => [c.name, results[i]!]));
  }

  stats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, provider] of this.#stats) {
      try {
        out[name] = provider();
      } catch (err) {
        out[name] = { error: (err as Error).message };
      }
    }
    return out;
  }
}

async function runOne(c: HealthCheck): Promise<CheckResult> {
  const t0 = performance.now();
  const base = { critical: c.critical, ...(c.mode ? { mode: c.mode() } : {}) };
  try {
    const details = await withTimeout(c.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => c.check());
    return { status: 'up', ...base, latencyMs: elapsed(t0), ...(details ? { details } : {}) };
  } catch (err) {
    return { status: 'down', ...base, latencyMs: elapsed(t0), error: maskText((err as Error).message || String(err)) };
  }
}

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

/** Overall status: unhealthy if a critical check is down, degraded if any other is. */
export function summarize(results: Record<string, CheckResult>): 'healthy' | 'degraded' | 'unhealthy' {
  let status: 'healthy' | 'degraded' | 'unhealthy' = 'healthy';
  for (const r of Object.values(results)) {
    if (r.status === 'down') {
      if (r.critical) return 'unhealthy';
      status = 'degraded';
    }
  }
  return status;
}

/** A check as the public sees it (production /ready and /health): no modes, hosts, paths or error texts. */
export function publicResult(r: CheckResult): PublicCheckResult {
  return { status: r.status, critical: r.critical, latencyMs: r.latencyMs };
}

export type PublicCheckResult = Pick<CheckResult, 'status' | 'critical' | 'latencyMs'>;

/** A check's result as the ops routes show it. */
export const CheckResultSchema = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  critical: Type.Boolean(),
  latencyMs: Type.Number(),
  mode: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
