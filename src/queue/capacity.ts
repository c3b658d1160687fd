/**
 * QUEUE_MAX_SIZE without a COUNT per submit. The waiting count is read at most once a second (one
 * shared query however many submits wait on it); in between, each admitted job adds one to it.
 * Completions are not subtracted, so between counts the figure only errs high: once it reaches
 * the limit every submit counts again (exactly what the limit needs), and the first count that
 * finds room lets submits through again. Other processes' submits show up at the next count.
 */
import { ServiceUnavailableError } from '../http/errors.js';

const FRESH_MS = 1000;

export class Capacity {
  #counted = 0;
  #countedAt = -Infinity;
  #since = 0;
  #counting: Promise<void> | null = null;

  constructor(
    private readonly count: () => Promise<number>,
    private readonly maxSize: number,
  ) {}

  /** Waiting jobs as far as this process knows (last count plus the jobs admitted since). */
  get waiting(): number {
    return this.#counted + this.#since;
  }

  /** Room for one more job, or 503 QUEUE_FULL. Call before writing the job; `release` if the write failed. */
  async admit(): Promise<void> {
    if (Date.now() - this.#countedAt > FRESH_MS || this.waiting + 1 > this.maxSize) await this.recount();
    if (this.waiting >= this.maxSize) throw new ServiceUnavailableError('Queue is at capacity', 5, 'QUEUE_FULL');
    this.#since++;
  }

  release(): void {
    this.#since = Math.max(0, this.#since - 1);
  }

  /** A fresh count (shared by every caller that asks while one is running). */
  recount(): Promise<void> {
    this.#counting ??= (async () => {
      const before = this.#since;
      try {
        const n = await this.count();
        // Jobs admitted while the count ran may be missing from it: keep them (erring high is safe).
        this.#since = Math.max(0, this.#since - before);
        this.#counted = n;
        this.#countedAt = Date.now();
      } finally {
        this.#counting = null;
      }
    })();
    return this.#counting;
  }

  /** A count made elsewhere (the health check). */
  set(n: number): void {
    this.#counted = n;
    this.#since = 0;
    this.#countedAt = Date.now();
  }
}
