/**
 * Accepting a job: the promise behind a 202. In order:
 *   1. validate the type and payload (400 naming the field);
 *   2. an Idempotency-Key already used → that job (the caller answers 200), even after a restart;
 *   3. capacity: QUEUE_MAX_SIZE waiting jobs → 503 "Queue is at capacity", before any write
 *      (capacity.ts: no COUNT per submit);
 *   4. write the ledger row (intake.ts: concurrent submits share one INSERT). Only then may the
 *      caller say "accepted".
 * Every database call goes through `guard` (app.dbGuard): database down → 503 + Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import type { JobRegistry } from '../jobs/registry.js';
import { rowOf, type JobRow, type Ledger } from './ledger.js';
import type { Capacity } from './capacity.js';

export interface SubmitInput {
  type: string;
  payload?: unknown;
  priority?: number;
  delayMs?: number;
  maxAttempts?: number;
  idempotencyKey?: string;
}

/** Every database call made for an HTTP request goes through this (app.dbGuard: outage → 503). */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

export interface Accepted {
  job: JobRow;
  /** False for an idempotent replay (the job existed). */
  created: boolean;
}

export interface AcceptDeps {
  ledger: Ledger;
  registry: JobRegistry;
  guard: Guard;
  capacity: Capacity;
  maxAttempts: number;
  /** Writes the row (and hands it to the backend); `created` false when its Idempotency-Key was taken meanwhile. */
  write: (row: JobRow) => Promise<Accepted>;
}

/** Validate and build the row (steps 1 and 3 of the list above are the caller's or acceptJob's). */
export function newRow(deps: Pick<AcceptDeps, 'registry' | 'maxAttempts'>, input: SubmitInput): JobRow {
  const payload = input.payload ?? {};
  const errors = deps.registry.validate(input.type, payload);
  if (errors.length) throw new HttpError(400, `${errors[0]!.field} ${errors[0]!.message}`, { code: 'VALIDATION_FAILED', details: errors });
  const now = new Date();
  return rowOf(
    {
      id: randomUUID(),
      type: input.type,
      payload,
      priority: input.priority ?? 0,
      maxAttempts: input.maxAttempts ?? deps.maxAttempts,
      runAt: new Date(now.getTime() + (input.delayMs ?? 0)),
      idempotencyKey: input.idempotencyKey,
    },
    now,
  );
}

export async function acceptJob(deps: AcceptDeps, input: SubmitInput): Promise<Accepted> {
  const { ledger, guard, capacity } = deps;
  const row = newRow(deps, input);
  const key = input.idempotencyKey;
  if (key) {
    const existing = await guard(() => ledger.byIdempotencyKey(key));
    if (existing) return { job: existing, created: false };
  }
  await guard(() => capacity.admit());
  try {
    const accepted = await deps.write(row);
    if (!accepted.created) capacity.release();
    return accepted;
  } catch (err) {
    capacity.release();
    throw err;
  }
}
