/**
 * Accepting a job: the promise behind a 202. In order:
 *   1. validate the type and payload (400 naming the field);
 *   2. an Idempotency-Key already used → that job (the caller answers 200), even after a restart;
 *   3. capacity: QUEUE_MAX_SIZE waiting jobs → 503 "Queue is at capacity", before any write;
 *   4. write the ledger row. Only then may the caller say "accepted".
 * Every database call goes through `guard` (app.dbGuard): database down → 503 + Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { HttpError, ServiceUnavailableError } from '../http/errors.js';
import type { JobRegistry } from '../jobs/registry.js';
import type { JobRow, Ledger } from './ledger.js';

export interface SubmitInput {
  type: string;
  payload?: unknown;
  priority?: number;
  delayMs?: number;
  maxAttempts?: number;
  idempotencyKey?: string;
  /** 'http': a client's submission (public types only); 'code' (default): enqueued by our code. */
  from?: 'http' | 'code';
}

/** Every database call made for an HTTP request goes through this (app.dbGuard: outage → 503). */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

export interface Accepted {
  job: JobRow;
  /** False for an idempotent replay (the job existed). */
  created: boolean;
  /** Waiting jobs counted before this one (bounded by maxSize). */
  waiting: number;
}

export async function acceptJob(
  deps: { ledger: Ledger; registry: JobRegistry; guard: Guard; maxSize: number; maxAttempts: number },
  input: SubmitInput,
): Promise<Accepted> {
  const { ledger, guard } = deps;
  const payload = input.payload ?? {};
  const errors = deps.registry.validate(input.type, payload, input.from);
  if (errors.length) throw new HttpError(400, `${errors[0]!.field} ${errors[0]!.message}`, { code: 'VALIDATION_FAILED', details: errors });

  const key = input.idempotencyKey;
  if (key) {
    const existing = await guard(() => ledger.byIdempotencyKey(key));
    if (existing) return { job: existing, created: false, waiting: -1 };
  }
  const waiting = await guard(() => ledger.countWaiting(deps.maxSize));
  if (waiting >= deps.maxSize) throw new ServiceUnavailableError('Queue is at capacity', 5, 'QUEUE_FULL');

  const id = randomUUID();
  try {
    const job = await guard(() =>
      ledger.insert({
        id,
        type: input.type,
        payload,
        priority: input.priority ?? 0,
        maxAttempts: input.maxAttempts ?? deps.maxAttempts,
        runAt: new Date(Date.now() + (input.delayMs ?? 0)),
        idempotencyKey: key,
      }),
    );
    return { job, created: true, waiting };
  } catch (err) {
    // 409: the key was taken by a concurrent request, or a retried insert of ours had committed.
    if (!(err instanceof HttpError && err.statusCode === 409)) throw err;
    const mine = await guard(() => ledger.get(id));
    if (mine) return { job: mine, created: true, waiting };
    const other = key ? await guard(() => ledger.byIdempotencyKey(key)) : null;
    if (!other) throw err;
    return { job: other, created: false, waiting };
  }
}
