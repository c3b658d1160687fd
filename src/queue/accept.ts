/**
 * Accepting a job: the promise behind a 202. In order:
 *   1. the payload's size (QUEUE_MAX_PAYLOAD_BYTES → 413), then type and payload (400 naming the
 *      field; over HTTP only public types exist), and the delay (QUEUE_MAX_DELAY_MS → 400);
 *   2. an Idempotency-Key (scoped to the submitter) already used → that job (the caller answers
 *      200), even after a restart, if the request is the same; a different request → 422;
 *   3. capacity, for clients: per-user quotas of waiting and of delayed jobs (429), then the
 *      global bounds (503): QUEUE_MAX_SIZE for immediate jobs, QUEUE_MAX_DELAYED for delayed ones,
 *      so jobs parked for later never starve jobs due now. Admins and ADMIN_TOKEN skip the quotas;
 *      jobs enqueued by code (a domain write) skip capacity altogether: refusing them would fail the
 *      write for a limit meant for clients;
 *   4. write the ledger row. Only then may the caller say "accepted".
 * Every database call goes through `guard` (app.dbGuard: outage → 503), except inside a caller's
 * transaction, where the caller owns retries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HttpError, ServiceUnavailableError } from '../http/errors.js';
import { isAdmin, principalKey, type Principal } from '../auth/principal.js';
import type { JobRegistry, JobServices } from '../jobs/registry.js';
import type { JobRow, NewJob } from './ledger.js';

export interface SubmitInput {
  type: string;
  payload?: unknown;
  priority?: number;
  delayMs?: number;
  maxAttempts?: number;
  idempotencyKey?: string;
}

/** Who asks: a client over HTTP (its principal), or our own code (optionally on behalf of a user). */
export type Origin = { from: 'http'; principal: Principal } | { from: 'code'; ownerId?: string | null };

/** Every database call made for an HTTP request goes through this (app.dbGuard: outage → 503). */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

/** The ledger calls accepting needs: the Ledger itself, or the same over a caller's transaction. */
export interface JobStore {
  insert(job: NewJob): Promise<JobRow>;
  get(id: string): Promise<JobRow | null>;
  byIdempotencyKey(key: string): Promise<JobRow | null>;
  countPending(opts: { ownerId?: string; delayed: boolean; limit: number }): Promise<number>;
}

export interface AcceptLimits {
  maxSize: number;
  maxDelayed: number;
  maxWaitingPerOwner: number;
  maxDelayedPerOwner: number;
  maxDelayMs: number;
  maxPayloadBytes: number;
  maxAttempts: number;
}

export interface Accepted {
  job: JobRow;
  /** False for an idempotent replay (the job existed). */
  created: boolean;
  /** Immediate jobs waiting before this one (bounded by maxSize); -1 when not counted. */
  waiting: number;
}

/** The stored form of an Idempotency-Key: scoped to who sent it, so two clients never share one. */
export const scopedKey = (origin: Origin, key: string): string =>
  `${origin.from === 'http' ? principalKey(origin.principal) : 'code'}/${key}`;

/** The key as its sender wrote it (the stored one minus its scope). */
export const clientKey = (stored: string | null): string | null => (stored === null ? null : stored.slice(stored.indexOf('/') + 1));

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Fingerprint of what a request asks for: bound to its Idempotency-Key. */
export function requestHash(input: SubmitInput, payload: unknown): string {
  const { type, priority, delayMs, maxAttempts } = input;
  return createHash('sha256').update(canonical({ type, payload, priority, delayMs, maxAttempts })).digest('base64url');
}

export async function acceptJob(
  deps: { store: JobStore; registry: JobRegistry; guard: Guard; limits: AcceptLimits; services: JobServices },
  input: SubmitInput,
  origin: Origin,
): Promise<Accepted> {
  const { store, guard, limits } = deps;
  const payload = input.payload ?? {};
  const bytes = Buffer.byteLength(JSON.stringify(payload) ?? '');
  if (bytes > limits.maxPayloadBytes) {
    throw new HttpError(413, `body.payload is ${bytes} bytes; at most ${limits.maxPayloadBytes} are accepted`, {
      code: 'PAYLOAD_TOO_LARGE',
      details: [{ field: 'body.payload', message: `must be at most ${limits.maxPayloadBytes} bytes as JSON` }],
    });
  }
  const errors = deps.registry.validate(input.type, payload, origin.from);
  if (origin.from === 'http' && (input.delayMs ?? 0) > limits.maxDelayMs) errors.push({ field: 'body.delayMs', message: `must be <= ${limits.maxDelayMs}` });
  if (errors.length) throw new HttpError(400, `${errors[0]!.field} ${errors[0]!.message}`, { code: 'VALIDATION_FAILED', details: errors });
  if (origin.from === 'http') await deps.registry.get(input.type)?.check?.(payload, deps.services);

  const key = input.idempotencyKey === undefined ? undefined : scopedKey(origin, input.idempotencyKey);
  const hash = key ? requestHash(input, payload) : undefined;
  if (key) {
    const existing = await guard(() => store.byIdempotencyKey(key));
    if (existing) return { job: sameRequest(existing, hash), created: false, waiting: -1 };
  }
  const ownerId = origin.from === 'http' ? (origin.principal.kind === 'user' ? origin.principal.id : null) : (origin.ownerId ?? null);
  const waiting = origin.from === 'http' ? await checkCapacity(store, guard, limits, input, origin.principal) : -1;

  const id = randomUUID();
  try {
    const job = await guard(() =>
      store.insert({
        id,
        type: input.type,
        payload,
        priority: input.priority ?? 0,
        maxAttempts: input.maxAttempts ?? limits.maxAttempts,
        runAt: new Date(Date.now() + (input.delayMs ?? 0)),
        idempotencyKey: key,
        requestHash: hash,
        ownerId,
      }),
    );
    return { job, created: true, waiting };
  } catch (err) {
    // 409: a retried insert of ours had committed, or the key was taken by a request that is still
    // being accepted (it was not there when we looked).
    if (!(err instanceof HttpError && err.statusCode === 409)) throw err;
    const mine = await guard(() => store.get(id));
    if (mine) return { job: mine, created: true, waiting };
    const other = key ? await guard(() => store.byIdempotencyKey(key)) : null;
    if (!other) throw err;
    sameRequest(other, hash);
    throw inProgress();
  }
}

export const inProgress = () =>
  new HttpError(409, 'A request with this Idempotency-Key is still in progress; retry shortly', { code: 'IDEMPOTENCY_KEY_IN_PROGRESS', retryAfter: 1 });

/** The job a replayed key names, when the request is the same one; 422 when it is not. */
function sameRequest(job: JobRow, hash: string | undefined): JobRow {
  if (job.requestHash && job.requestHash !== hash) {
    throw new HttpError(422, 'This Idempotency-Key was used for a different request; use a new key for a new request', {
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  }
  return job;
}

/** Quotas per user (429), then the global bounds (503); returns the immediate jobs waiting. */
async function checkCapacity(store: JobStore, guard: Guard, limits: AcceptLimits, input: SubmitInput, principal: Principal): Promise<number> {
  const delayed = (input.delayMs ?? 0) > 0;
  if (principal.kind === 'user' && !isAdmin(principal)) {
    const quota = delayed ? limits.maxDelayedPerOwner : limits.maxWaitingPerOwner;
    const mine = await guard(() => store.countPending({ ownerId: principal.id, delayed, limit: quota }));
    if (mine >= quota) {
      throw new HttpError(429, `You have ${quota} ${delayed ? 'delayed' : 'waiting'} jobs, the most allowed; wait for some to run or cancel some`, {
        code: delayed ? 'DELAYED_QUOTA_EXCEEDED' : 'QUEUE_QUOTA_EXCEEDED',
        retryAfter: delayed ? 60 : 5,
      });
    }
  }
  const bound = delayed ? limits.maxDelayed : limits.maxSize;
  const count = await guard(() => store.countPending({ delayed, limit: bound }));
  if (count >= bound) {
    throw delayed
      ? new ServiceUnavailableError('The queue holds as many delayed jobs as it may', 60, 'QUEUE_DELAYED_FULL')
      : new ServiceUnavailableError('Queue is at capacity', 5, 'QUEUE_FULL');
  }
  return delayed ? -1 : count;
}
