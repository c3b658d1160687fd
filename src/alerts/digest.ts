/**
 * Dead-job alerts, aggregated: one alert per job type per window instead of one per job, so a
 * client that submits a thousand failing jobs causes one message, not a thousand. The first dead
 * job of a type opens the window; when it closes, one summary is raised (count, a few job ids,
 * the last error); the drain flushes what is open.
 */
export interface DeadJob {
  id: string;
  type: string;
  attempt: number;
  error?: string | null;
}

export interface Digest {
  jobType: string;
  count: number;
  sampleJobIds: string[];
  lastError: string | null;
  windowMs: number;
}

const SAMPLE_IDS = 5;

export class DeadJobDigest {
  readonly #open = new Map<string, { digest: Digest; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly emit: (digest: Digest) => void,
  ) {}

  add(job: DeadJob): void {
    let entry = this.#open.get(job.type);
    if (!entry) {
      const digest: Digest = { jobType: job.type, count: 0, sampleJobIds: [], lastError: null, windowMs: this.windowMs };
      const timer = setTimeout(() => this.#close(job.type), this.windowMs);
      timer.unref();
      entry = { digest, timer };
      this.#open.set(job.type, entry);
    }
    entry.digest.count++;
    if (entry.digest.sampleJobIds.length < SAMPLE_IDS) entry.digest.sampleJobIds.push(job.id);
    entry.digest.lastError = job.error ?? null;
  }

  /** Raise every open digest now (the drain). */
  flush(): void {
    for (const type of [...this.#open.keys()]) this.#close(type);
  }

  #close(type: string): void {
    const entry = this.#open.get(type);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#open.delete(type);
    this.emit(entry.digest);
  }
}
