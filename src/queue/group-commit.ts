/**
 * Group commit of submits: the rows of every submit that arrives while the loop turns (or while
 * earlier batches are in flight) go to the ledger in one multi-row INSERT, one commit, and then to
 * the backend in one add. Each submit is answered only after both, so a 202 still means "the
 * ledger row is committed".
 *
 * A row that did not come back from the INSERT was ours already (the guard retried a batch whose
 * first try had committed) or conflicts on its Idempotency-Key (another submit, maybe in the same
 * batch, took it): that submit alone gets a 409, which acceptJob resolves as it does a unique
 * violation.
 */
import { HttpError } from '../http/errors.js';
import type { QueueEntry } from './backend.js';
import { Batcher } from './batcher.js';
import type { Guard } from './accept.js';
import type { JobRow, Ledger } from './ledger.js';
import { toEntry } from './reconciler.js';

export class GroupCommit {
  readonly #batcher: Batcher<JobRow, JobRow>;

  constructor(
    private readonly ledger: Ledger,
    private readonly guard: Guard,
    /** Hand created jobs to the backend (never throws: the reconciler covers a backend that failed). */
    private readonly enqueue: (entries: QueueEntry[]) => Promise<void>,
  ) {
    this.#batcher = new Batcher((rows) => this.#write(rows), { maxBatch: 500, maxInFlight: 4 });
  }

  write(row: JobRow): Promise<JobRow> {
    return this.#batcher.push(row);
  }

  async #write(rows: JobRow[]): Promise<(JobRow | Error)[]> {
    const inserted = await this.guard(() => this.ledger.insertMany(rows));
    const missing = rows.filter((r) => !inserted.has(r.id));
    const ours = missing.length ? await this.guard(() => this.ledger.existing(missing.map((r) => r.id))) : new Set<string>();
    const written = rows.filter((r) => inserted.has(r.id) || ours.has(r.id));
    await this.enqueue(written.map(toEntry));
    return rows.map((r) =>
      inserted.has(r.id) || ours.has(r.id)
        ? r
        : new HttpError(409, 'A record with this idempotency_key already exists', { code: 'CONFLICT' }),
    );
  }
}
