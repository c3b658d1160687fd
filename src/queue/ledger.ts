/**
 * The durable job ledger (table `jobs`): the source of truth for every job. Queue backends only
 * carry job ids; whatever happens to them (Redis wiped, process killed), the ledger says what is
 * still to do, and the reconciler puts it back on a backend.
 *
 * Status: queued → active → completed | failed (an attempt failed, retry scheduled at run_at)
 * → active → ... → dead (attempts exhausted). queued/failed → cancelled (DELETE by its owner or an
 * admin; a backend entry that comes up later is skipped by the claim). An `active` row is claimed by a worker while its
 * `updated_at` is fresher than the lease (the worker touches it while the handler runs); a stale
 * active row belongs to a worker that died and may be claimed again.
 */
import type { Db } from '../db/client.js';
import type { Sql } from '../db/sql.js';
import type { Job, JobStatus } from '../generated/prisma/client.js';
import { Batcher } from './batcher.js';

export type JobRow = Job;

const PENDING: JobStatus[] = ['queued', 'failed'];

export interface NewJob {
  id: string;
  type: string;
  payload: unknown;
  priority: number;
  maxAttempts: number;
  runAt: Date;
  /** Scoped to the submitter (accept.ts: scopedKey). */
  idempotencyKey?: string;
  /** Fingerprint of the request that carried the idempotency key (accept.ts: requestHash). */
  requestHash?: string;
  /** The submitting user; null for ADMIN_TOKEN and for code without an owner. */
  ownerId?: string | null;
}

/** What a worker needs of a claimed job (the claim's RETURNING list: keep the two in step). */
export type ClaimedJob = Pick<JobRow, 'id' | 'type' | 'payload' | 'attempts' | 'maxAttempts' | 'createdAt'>;
const CLAIM_RETURNING = `id, type, payload, attempts, max_attempts AS "maxAttempts", created_at AS "createdAt"`;

/**
 * Claims and completions commit without waiting for the WAL flush (synchronous_commit off for that
 * one transaction): only a crash of the database server itself can lose the last few hundred
 * milliseconds of them, and then the job simply runs again (the claim reverts to pending, or the
 * completed row to an active one whose lease expires): the at-least-once delivery that holds
 * anyway. Inserts (the 202's promise), retries and dead rows keep the synchronous commit. Measured
 * (docs/ARCHITECTURE.md): 2-3× the claim + complete rate on this machine, whose commits wait on disk.
 */
const ASYNC_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

/**
 * The columns an insert writes, in ONE place: [column, Postgres type, value]. A new column is one
 * line here (and in rowOf); the statement below is built from this list.
 */
const INSERT_COLUMNS: [string, string, (r: JobRow) => unknown][] = [
  ['id', 'uuid', (r) => r.id],
  ['type', 'text', (r) => r.type],
  ['payload', 'jsonb', (r) => JSON.stringify(r.payload ?? null)],
  ['priority', 'int4', (r) => r.priority],
  ['max_attempts', 'int4', (r) => r.maxAttempts],
  ['run_at', 'timestamptz', (r) => r.runAt],
  ['idempotency_key', 'text', (r) => r.idempotencyKey],
  ['request_hash', 'text', (r) => r.requestHash],
  ['owner_id', 'uuid', (r) => r.ownerId],
  ['created_at', 'timestamptz', (r) => r.createdAt],
  ['updated_at', 'timestamptz', (r) => r.updatedAt],
];
// One statement for 1..n rows (arrays, one per column), so it is prepared once. Any conflict (an
// Idempotency-Key taken, or a retried batch whose first try committed) skips the row: the caller
// looks at which ids came back.
const INSERT_SQL = `INSERT INTO jobs (${INSERT_COLUMNS.map((c) => c[0]).join(', ')}) SELECT * FROM unnest(${INSERT_COLUMNS.map((c, i) => `$${i + 1}::${c[1]}[]`).join(', ')}) ON CONFLICT DO NOTHING RETURNING id`;

/** The ledger row a new job becomes (what the insert writes plus the columns' defaults). */
export function rowOf(job: NewJob, now = new Date()): JobRow {
  return {
    id: job.id,
    type: job.type,
    payload: (job.payload ?? null) as JobRow['payload'],
    status: 'queued',
    priority: job.priority,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    runAt: job.runAt,
    result: null,
    lastError: null,
    idempotencyKey: job.idempotencyKey ?? null,
    requestHash: job.requestHash ?? null,
    ownerId: job.ownerId ?? null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
  };
}

/** Batch sizes: big enough that a burst is a few statements, small enough to keep each short. */
const BATCH = { maxBatch: 500, maxInFlight: 4 };

export class Ledger {
  readonly #claims: Batcher<{ id: string; leaseMs: number }, ClaimedJob | null>;
  readonly #completions: Batcher<{ id: string; result: unknown }, void>;

  /**
   * `sql` runs the hot path (insert, claim, complete, count) as plain prepared statements; Prisma
   * (`db`) does everything else.
   */
  constructor(
    readonly db: Db,
    readonly sql: Sql,
  ) {
    this.#claims = new Batcher((items) => this.#claimMany(items), BATCH);
    this.#completions = new Batcher((items) => this.#completeMany(items), BATCH);
  }

  /**
   * Insert rows in one statement (on `sql`, or a transaction's, see prismaSql); returns the ids
   * actually inserted (a row whose Idempotency-Key or id exists already is skipped).
   */
  async insertMany(rows: JobRow[], sql: Sql = this.sql): Promise<Set<string>> {
    const values = INSERT_COLUMNS.map(([, , get]) => rows.map(get));
    const out = await sql<{ id: string }>({ name: 'jobs_insert', text: INSERT_SQL, values });
    return new Set(out.map((r) => r.id));
  }

  /** Ids among `ids` that exist (after a retried batch: which of ours did commit). */
  async existing(ids: string[]): Promise<Set<string>> {
    const out = await this.sql<{ id: string }>({
      name: 'jobs_existing',
      text: 'SELECT id FROM jobs WHERE id = ANY($1::uuid[])',
      values: [ids],
    });
    return new Set(out.map((r) => r.id));
  }

  /**
   * Pending jobs (queued or awaiting a retry) that are due now, or (`delayed`) due later; only
   * `ownerId`'s when given. Counted up to `limit` so the cost is bounded (the indexes on
   * (status, run_at) and (owner_id, status, run_at) answer it). `sql`: a caller's transaction.
   */
  async countPending(opts: { ownerId?: string; delayed: boolean; limit: number }, sql: Sql = this.sql): Promise<number> {
    const owner = opts.ownerId !== undefined;
    const text =
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM jobs WHERE status IN ('queued', 'failed') AND run_at ${opts.delayed ? '>' : '<='} $2` +
      `${owner ? ' AND owner_id = $3' : ''} LIMIT $1) t`;
    const values = [opts.limit, new Date(), ...(owner ? [opts.ownerId] : [])];
    const [row] = await sql<{ n: number }>({ name: `jobs_count_${opts.delayed ? 'later' : 'due'}${owner ? '_owner' : ''}`, text, values });
    return row?.n ?? 0;
  }

  /** A queued, delayed or retry-waiting job → cancelled. Null when it is not pending (or does not exist). */
  async cancel(id: string): Promise<JobRow | null> {
    const rows = await this.db.job.updateManyAndReturn({
      where: { id, status: { in: PENDING } },
      data: { status: 'cancelled', finishedAt: new Date() },
    });
    return rows[0] ?? null;
  }

  get(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id } });
  }

  byIdempotencyKey(key: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { idempotencyKey: key } });
  }

  /**
   * Take the job for one attempt: only if it is pending, or active with an expired lease.
   * Returns the row after the claim (attempts already incremented), or null when someone else
   * holds it or it is finished. Claims made together go to the database as one UPDATE.
   */
  claim(id: string, leaseMs: number): Promise<ClaimedJob | null> {
    return this.#claims.push({ id, leaseMs });
  }

  async #claimMany(items: { id: string; leaseMs: number }[]): Promise<(ClaimedJob | null)[]> {
    const now = new Date();
    const text =
      `UPDATE jobs SET status = 'active', attempts = attempts + 1, started_at = $2, updated_at = $2 FROM ${ASYNC_COMMIT} ` +
      `WHERE id = ANY($1::uuid[]) AND (status IN ('queued', 'failed') OR (status = 'active' AND updated_at < $3)) RETURNING ${CLAIM_RETURNING}`;
    const stale = new Date(now.getTime() - items[0]!.leaseMs);
    const rows = await this.sql<ClaimedJob>({ name: 'jobs_claim', text, values: [items.map((i) => i.id), now, stale] });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((i) => byId.get(i.id) ?? null);
  }

  /** Record the result; completions made together are one UPDATE. */
  complete(id: string, result: unknown): Promise<void> {
    return this.#completions.push({ id, result });
  }

  async #completeMany(items: { id: string; result: unknown }[]): Promise<void[]> {
    const text =
      `UPDATE jobs AS j SET status = 'completed', result = x.result, finished_at = $3, updated_at = $3 ` +
      `FROM unnest($1::uuid[], $2::jsonb[]) AS x(id, result), ${ASYNC_COMMIT} WHERE j.id = x.id`;
    const values = [items.map((i) => i.id), items.map((i) => JSON.stringify(i.result ?? null)), new Date()];
    await this.sql({ name: 'jobs_complete', text, values });
    return items.map(() => undefined);
  }

  /** The attempt failed and another is due at `runAt`. */
  scheduleRetry(id: string, error: string, runAt: Date) {
    return this.db.job.update({ where: { id }, data: { status: 'failed', lastError: error, runAt } });
  }

  dead(id: string, error: string) {
    return this.db.job.update({ where: { id }, data: { status: 'dead', lastError: error, finishedAt: new Date() } });
  }

  /** Interrupted by shutdown: back to queued, and the interrupted attempt does not count. */
  release(id: string) {
    return this.db.job.updateMany({
      where: { id, status: 'active' },
      data: { status: 'queued', attempts: { decrement: 1 }, startedAt: null },
    });
  }

  /** Heartbeat: keep the lease of the jobs this process is running. */
  touch(ids: string[]) {
    return this.db.job.updateMany({ where: { id: { in: ids }, status: 'active' }, data: { updatedAt: new Date() } });
  }

  /**
   * Jobs some backend should hold: pending ones (only those untouched since `pendingBefore`, when
   * given) and active ones whose lease expired; only those due before `dueBefore`, when given.
   * Oldest due first.
   */
  reconcilable(opts: {
    leaseMs: number;
    pendingBefore?: Date;
    dueBefore?: Date;
    limit: number;
    /** Keyset paging: rows after this one in (runAt, id) order. */
    after?: Pick<JobRow, 'runAt' | 'id'>;
  }): Promise<JobRow[]> {
    const staleActive = new Date(Date.now() - opts.leaseMs);
    const { after } = opts;
    return this.db.job.findMany({
      where: {
        OR: [
          { status: { in: PENDING }, ...(opts.pendingBefore ? { updatedAt: { lt: opts.pendingBefore } } : {}) },
          { status: 'active', updatedAt: { lt: staleActive } },
        ],
        ...(opts.dueBefore ? { runAt: { lt: opts.dueBefore } } : {}),
        ...(after ? { AND: [{ OR: [{ runAt: { gt: after.runAt } }, { runAt: after.runAt, id: { gt: after.id } }] }] } : {}),
      },
      orderBy: [{ runAt: 'asc' }, { id: 'asc' }],
      take: opts.limit,
    });
  }

  /** Newest first; `cursor` is the opaque value a previous page returned. */
  async list(opts: { status?: JobStatus; limit: number; cursor?: string }): Promise<{ items: JobRow[]; nextCursor: string | null }> {
    const after = opts.cursor ? decodeCursor(opts.cursor) : null;
    const rows = await this.db.job.findMany({
      where: {
        ...(opts.status ? { status: opts.status } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: opts.limit + 1,
    });
    const items = rows.slice(0, opts.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor(last) : null };
  }

  /** A dead job gets a fresh set of attempts. Null when the job is not dead (or does not exist). */
  async revive(id: string): Promise<JobRow | null> {
    const rows = await this.db.job.updateManyAndReturn({
      where: { id, status: 'dead' },
      data: { status: 'queued', attempts: 0, runAt: new Date(), finishedAt: null, startedAt: null },
    });
    return rows[0] ?? null;
  }

  /** Delete finished rows older than `before`; returns how many. */
  async purge(before: Date): Promise<number> {
    const { count } = await this.db.job.deleteMany({
      where: { status: { in: ['completed', 'dead', 'cancelled'] }, finishedAt: { lt: before } },
    });
    return count;
  }
}

export function encodeCursor(row: Pick<JobRow, 'createdAt' | 'id'>): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  return { createdAt, id };
}
