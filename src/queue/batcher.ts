/**
 * Group commit: calls made in the same turn of the event loop (and those arriving while earlier
 * batches are in flight) run as one batch: one statement, one commit, one round trip. A batch
 * starts at the next setImmediate, so a lone call waits no more than one loop turn; at most
 * `maxInFlight` batches run at once (each holds a pool connection) and the rest gather for the
 * next. `run` answers per item, in order (an Error fails that item alone); if it throws, every
 * item of that batch gets the error.
 */
export interface BatcherOptions {
  maxBatch: number;
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

export class Batcher<I, O> {
  #pending: Pending<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly opts: BatcherOptions,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.opts.maxInFlight || !this.#pending.length) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight >= this.opts.maxInFlight || !this.#pending.length) return;
    const batch = this.#pending.splice(0, this.opts.maxBatch);
    this.#inFlight++;
    this.#schedule(); // more than maxBatch waiting: the next batch may start beside this one
    try {
      const out = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const o = out[i]!;
        if (o instanceof Error) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
  }
}
