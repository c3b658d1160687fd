/**
 * How jobs come in: a client's submission (HTTP), code's enqueue, and enqueue inside a caller's
 * transaction. Each goes through acceptJob (accept.ts) and, once the ledger row is committed, to
 * `handOff` (the WorkQueue's backend). A job enqueued inside a transaction is handed off after the
 * commit when the transaction is `transaction()`; otherwise (a plain app.db.$transaction, or a
 * crash in between) the reconciler's next sweep picks it up.
 */
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import type { JobRegistry, JobServices } from '../jobs/registry.js';
import { acceptJob, inProgress, scopedKey, type AcceptLimits, type Guard, type JobStore, type Origin, type SubmitInput } from './accept.js';
import { rowOf, type JobRow, type Ledger, type NewJob } from './ledger.js';
import { prismaSql } from '../db/sql.js';
import { HttpError } from '../http/errors.js';

/** A caller's interactive transaction (the `tx` of `app.db.$transaction(async (tx) => ...)`). */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export type Submitted = { job: JobRow; created: boolean };

export interface IntakeDeps {
  ledger: Ledger;
  /** The ledger outside transactions: group commit (which also hands the job to the backend) and estimated counts (work-queue.ts). */
  store: JobStore;
  registry: JobRegistry;
  guard: Guard;
  /** The database (its transactions) and what the job definitions' submission checks need (JobDefinition.check). */
  services: JobServices;
  limits: AcceptLimits;
  /** Give committed jobs to the backend (failures are the reconciler's to fix). */
  handOff: (jobs: JobRow[]) => Promise<void>;
  /** Immediate jobs waiting, as counted by the last client submission. */
  onWaiting: (n: number) => void;
}

/**
 * The ledger calls of acceptJob, made through a caller's transaction: the same prepared INSERT as
 * the group commit (ON CONFLICT DO NOTHING, so a taken key does not abort the caller's
 * transaction; acceptJob gets the 409 it expects) and the same counts.
 */
const storeOver = (tx: Tx, ledger: Ledger): JobStore => {
  const sql = prismaSql(tx);
  return {
    insert: async (job: NewJob) => {
      const row = rowOf(job);
      if (!(await ledger.insertMany([row], sql)).has(row.id))
        throw new HttpError(409, 'A record with this idempotency_key already exists', { code: 'CONFLICT' });
      return row;
    },
    get: (id) => tx.job.findUnique({ where: { id } }),
    byIdempotencyKey: (key) => tx.job.findUnique({ where: { idempotencyKey: key } }),
    countPending: (o) => ledger.countPending(o, sql),
  };
};

export class Intake {
  /** Idempotency keys (scoped) of submissions being accepted in this process right now. */
  readonly #inFlight = new Set<string>();
  /** Jobs written inside a transaction() still open, to hand off once it commits. */
  readonly #staged = new WeakMap<object, JobRow[]>();

  constructor(private readonly deps: IntakeDeps) {}

  submit(input: SubmitInput, principal: Principal): Promise<Submitted> {
    return this.#accept(input, { from: 'http', principal });
  }

  async enqueue(input: SubmitInput, opts: { tx?: Tx; ownerId?: string | null } = {}): Promise<Submitted> {
    const origin: Origin = { from: 'code', ownerId: opts.ownerId };
    if (!opts.tx) return this.#accept(input, origin);
    const { registry, limits } = this.deps;
    // Inside the caller's transaction: no guard (the caller owns retries; a failed statement has
    // aborted the transaction anyway).
    const { job, created } = await acceptJob(
      { store: storeOver(opts.tx, this.deps.ledger), registry, guard: (fn) => fn(), limits, services: this.deps.services },
      input,
      origin,
    );
    if (created) this.#staged.get(opts.tx)?.push(job);
    return { job, created };
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    let staged: JobRow[] = [];
    const result = await this.deps.services.db.$transaction(async (tx) => {
      staged = [];
      this.#staged.set(tx, staged);
      return fn(tx);
    });
    if (staged.length) await this.deps.handOff(staged);
    return result;
  }

  /** Accept (accept.ts: validate, idempotency, capacity, ledger write), then hand to the backend. */
  async #accept(input: SubmitInput, origin: Origin): Promise<Submitted> {
    // A second request with a key this process is still accepting: 409 (across processes the
    // unique index on the key tells, see acceptJob).
    const key = input.idempotencyKey === undefined ? undefined : scopedKey(origin, input.idempotencyKey);
    if (key && this.#inFlight.has(key)) throw inProgress();
    if (key) this.#inFlight.add(key);
    try {
      const { store, registry, guard, limits, services } = this.deps;
      // The store's insert commits the row with concurrent ones and hands them all to the backend
      // (group-commit.ts); if the backend cannot take them, the reconciler will.
      const { job, created, waiting } = await acceptJob({ store, registry, guard, limits, services }, input, origin);
      if (created && waiting >= 0) this.deps.onWaiting(waiting + 1);
      return { job, created };
    } finally {
      if (key) this.#inFlight.delete(key);
    }
  }
}
