/**
 * What a queue backend does. Two implementations: BullMQ (Redis; shared by every process) and
 * local (p-queue in this process). Backends carry job ids only; the ledger holds the job itself,
 * and the Runner decides what happens after each attempt.
 */
import type { Outcome } from './runner.js';

export interface QueueEntry {
  id: string;
  type: string;
  /** Higher runs sooner. */
  priority: number;
  /** Not before this time (delayed jobs, retries). */
  runAt: Date;
}

export type BackendName = 'bullmq' | 'local';

export interface Backend {
  readonly name: BackendName;
  /** Connect / start consuming. Throws when it cannot (the caller stays on the other backend). */
  start(): Promise<void>;
  /** Add jobs; adding one the backend already holds is a no-op (BullMQ: job id = ledger id). */
  add(entries: QueueEntry[]): Promise<void>;
  /** True when the backend is known to hold `id` (local only; BullMQ's add is idempotent). */
  holds(id: string): boolean;
  /** Stop starting jobs; the ones running carry on (the Runner tracks them). */
  stopIntake(): Promise<void>;
  /** Release everything (connections, timers). Call after stopIntake and after running jobs ended. */
  close(): Promise<void>;
  /** Live counts for /health/details. */
  counts(): Promise<{ waiting: number; delayed: number }>;
}

export type RunFn = (id: string) => Promise<Outcome>;

/** Priorities accepted by the API: 0 (default) to MAX_PRIORITY, higher first. */
export const MAX_PRIORITY = 1000;

/** setTimeout's limit (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
