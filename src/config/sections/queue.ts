import { bool, int } from '../fields.js';

export const queue = {
  /** Run job handlers in this process (the API); `npm run worker` always runs them. Default true. */
  RUN_WORKERS: bool().prefault('true'),
  /** Jobs handled at once per process. Default 3. */
  QUEUE_CONCURRENCY: int(1, 1000).prefault('3'),
  /** Jobs allowed to wait (queued, delayed or awaiting a retry) before POST /api/v1/jobs answers 503. Default 100. */
  QUEUE_MAX_SIZE: int(1).prefault('100'),
  /** Per-attempt deadline; the handler's AbortSignal fires at it. Default 60000. */
  QUEUE_TIMEOUT_MS: int(1).prefault('60000'),
  /** Attempts per job unless the request says otherwise (maxAttempts). Default 3. */
  QUEUE_MAX_ATTEMPTS: int(1, 100).prefault('3'),
  /** First retry delay; doubles per attempt, capped at 10 minutes. Default 1000. */
  QUEUE_BACKOFF_MS: int(0).prefault('1000'),
  /**
   * How long an active job stays claimed without a heartbeat before another worker may take it over
   * (crash recovery); also paces the heartbeat and the ledger sweep (a third of it). Default 30000.
   */
  QUEUE_LEASE_MS: int(300).prefault('30000'),
  /** Completed and dead jobs are deleted from the ledger after this many days. Default 7. */
  JOB_RETENTION_DAYS: int(1, 3650).prefault('7'),
};

/** Old names from the seed projects, still accepted: alias → name (used only when the name is unset). */
export const QUEUE_ALIASES: Readonly<Record<string, string>> = {
  LOCAL_QUEUE_CONCURRENCY: 'QUEUE_CONCURRENCY',
  LOCAL_QUEUE_MAX_SIZE: 'QUEUE_MAX_SIZE',
  LOCAL_QUEUE_TIMEOUT_MS: 'QUEUE_TIMEOUT_MS',
};
