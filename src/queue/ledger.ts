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
import { Prisma, type Job, type JobStatus } from '../generated/prisma/client.js';

export type JobRow = Job;

const PENDING: JobStatus[] = ['queued', 'failed'];
const json = (v: unknown) => (v === undefined || v === null ? Prisma.JsonNull : (v as Prisma.InputJsonValue));

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

/** A Prisma client or a caller's interactive transaction: what insertJob and countPendingJobs need. */
export type JobClient = Pick<Db, 'job'>;

/** The ledger row of `job`, written through `client` (app.db, or a caller's transaction). */
export function insertJob(client: JobClient, job: NewJob): Promise<JobRow> {
  return client.job.create({
    data: {
      id: job.id,
      type: job.type,
      payload: json(job.payload),
      priority: job.priority,
      maxAttempts: job.maxAttempts,
      runAt: job.runAt,
      idempotencyKey: job.idempotencyKey ?? null,
      requestHash: job.requestHash ?? null,
      ownerId: job.ownerId ?? null,
    },
  });
}

/**
 * Pending jobs (queued or awaiting a retry) that are due now, or (`delayed`) due later; only
 * `ownerId`'s when given. Counted up to `limit` so the cost is bounded.
 */
export function countPendingJobs(client: JobClient, opts: { ownerId?: string; delayed: boolean; limit: number }): Promise<number> {
  const now = new Date();
  return client.job.count({
    where: { status: { in: PENDING }, runAt: opts.delayed ? { gt: now } : { lte: now }, ...(opts.ownerId ? { ownerId: opts.ownerId } : {}) },
    take: opts.limit,
  });
}

export class Ledger {
  constructor(readonly db: Db) {}

  insert(job: NewJob): Promise<JobRow> {
    return insertJob(this.db, job);
  }

  countPending(opts: { ownerId?: string; delayed: boolean; limit: number }): Promise<number> {
    return countPendingJobs(this.db, opts);
  }

  /** A queued, delayed or retry-waiting job → cancelled. Null when it is not pending (or does not exist). */
  async cancel(id: string): Promise<JobRow | null> {
    const rows = await this.db.job.updateManyAndReturn({ where: { id, status: { in: PENDING } }, data: { status: 'cancelled', finishedAt: new Date() } });
    return rows[0] ?? null;
  }

  get(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id } });
  }

  byIdempotencyKey(key: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { idempotencyKey: key } });
  }

  /** Jobs waiting (queued, delayed, or awaiting a retry), counted up to `limit` so the cost is bounded. */
  countWaiting(limit: number): Promise<number> {
    // COUNT over a LIMITed subquery: the index on (status, run_at) answers it without reading rows.
    return this.db.job.count({ where: { status: { in: PENDING } }, take: limit });
  }

  /**
   * Take the job for one attempt: only if it is pending, or active with an expired lease.
   * Returns the row after the claim (attempts already incremented), or null when someone else
   * holds it or it is finished.
   */
  async claim(id: string, leaseMs: number): Promise<JobRow | null> {
    const now = new Date();
    const rows = await this.db.job.updateManyAndReturn({
      where: {
        id,
        OR: [{ status: { in: PENDING } }, { status: 'active', updatedAt: { lt: new Date(now.getTime() - leaseMs) } }],
      },
      data: { status: 'active', attempts: { increment: 1 }, startedAt: now, updatedAt: now },
    });
    return rows[0] ?? null;
  }

  complete(id: string, result: unknown) {
    const now = new Date();
    return this.db.job.update({ where: { id }, data: { status: 'completed', result: json(result), finishedAt: now } });
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
  reconcilable(opts: { leaseMs: number; pendingBefore?: Date; dueBefore?: Date; limit: number }): Promise<JobRow[]> {
    const staleActive = new Date(Date.now() - opts.leaseMs);
    return this.db.job.findMany({
      where: {
        OR: [
          { status: { in: PENDING }, ...(opts.pendingBefore ? { updatedAt: { lt: opts.pendingBefore } } : {}) },
          { status: 'active', updatedAt: { lt: staleActive } },
        ],
        ...(opts.dueBefore ? { runAt: { lt: opts.dueBefore } } : {}),
      },
      orderBy: [{ runAt: 'asc' }],
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
    const { count } = await this.db.job.deleteMany({ where: { status: { in: ['completed', 'dead', 'cancelled'] }, finishedAt: { lt: before } } });
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
