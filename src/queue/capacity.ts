/**
 * Capacity limits without a COUNT per submit. Each bound (the global ones, each owner's quotas)
 * has an estimate: its last count, read at most once a second (one shared query however many
 * submits wait on it), plus the jobs admitted since. Completions are not subtracted, so between
 * counts the estimate only errs high: once it reaches the bound every submit counts again
 * (exactly what the bound needs), and the first count that finds room lets submits through.
 * Other processes' submits show up at the next count.
 */
const FRESH_MS = 1000;
/** Owners tracked at once; the oldest estimates are dropped past it (they are recounted if needed). */
const MAX_KEYS = 10_000;

interface Estimate {
  counted: number;
  countedAt: number;
  since: number;
  counting: Promise<void> | null;
}

export class Capacity {
  readonly #estimates = new Map<string, Estimate>();

  /** The estimate for `key` (`count` reads the truth, bounded by `limit`); exact when near `limit`. */
  async pending(key: string, limit: number, count: () => Promise<number>): Promise<number> {
    let e = this.#estimates.get(key);
    if (!e) {
      if (this.#estimates.size >= MAX_KEYS) this.#estimates.delete(this.#estimates.keys().next().value!);
      e = { counted: 0, countedAt: -Infinity, since: 0, counting: null };
      this.#estimates.set(key, e);
    }
    if (Date.now() - e.countedAt > FRESH_MS || e.counted + e.since + 1 > limit) await this.#recount(e, count);
    return e.counted + e.since;
  }

  /** A job was written: it counts against these bounds until their next count. */
  admitted(keys: string[]): void {
    for (const k of keys) {
      const e = this.#estimates.get(k);
      if (e) e.since++;
    }
  }

  /** The estimate for `key` as it stands (for stats), 0 when never counted. */
  peek(key: string): number {
    const e = this.#estimates.get(key);
    return e ? e.counted + e.since : 0;
  }

  /** A count made elsewhere (the health check). */
  set(key: string, n: number): void {
    this.#estimates.set(key, { counted: n, countedAt: Date.now(), since: 0, counting: null });
  }

  #recount(e: Estimate, count: () => Promise<number>): Promise<void> {
    e.counting ??= (async () => {
      const before = e.since;
      try {
        const n = await count();
        // Jobs admitted while the count ran may be missing from it: keep them (erring high is safe).
        e.since = Math.max(0, e.since - before);
        e.counted = n;
        e.countedAt = Date.now();
      } finally {
        e.counting = null;
      }
    })();
    return e.counting;
  }
}
