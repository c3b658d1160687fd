/**
 * Abuse and overload protection: rate limiting (plugins/external/rate-limit.ts), load shedding
 * (plugins/external/under-pressure.ts) and the memory guard (plugins/app/memory-guard.ts).
 * 0 switches a threshold off where noted.
 */
import { bool, int, num } from '../fields.js';

export const protection = {
  /** Per-client rate limiting on every route, and on unmatched URLs (404s), except the ops endpoints. Default true. */
  RATE_LIMIT_ENABLED: bool().prefault('true'),
  /** Requests per client (admin token identity, else IP) per window, all routes together. Default 100. */
  RATE_LIMIT_MAX: int(1).prefault('100'),
  /** Rate-limit window. Default 60000. */
  RATE_LIMIT_WINDOW_MS: int(1000).prefault('60000'),
  /** Tighter limit for POST /api/v1/jobs (each call writes a ledger row and enqueues), per window. Default 20. */
  RATE_LIMIT_JOBS_MAX: int(1).prefault('20'),

  /** Answer 503 + Retry-After on API routes while the process is overloaded (ops endpoints keep answering). Default true. */
  LOAD_SHEDDING_ENABLED: bool().prefault('true'),
  /** Shed when the mean event-loop delay over a sample exceeds this; 0 = off. Default 1000. */
  SHED_MAX_EVENT_LOOP_DELAY_MS: int(0).prefault('1000'),
  /** Shed when event-loop utilisation (0-1) over the last sample exceeds this; 0 = off. Default 0.98. */
  SHED_MAX_EVENT_LOOP_UTILIZATION: num(0, 1).prefault('0.98'),
  /** Shed when the V8 heap in use exceeds this many MB; 0 = off. Default 0. */
  SHED_MAX_HEAP_MB: int(0).prefault('0'),
  /** Shed when the resident set exceeds this many MB (set it below MAX_RSS_MB); 0 = off. Default 0. */
  SHED_MAX_RSS_MB: int(0).prefault('0'),
  /**
   * How often the load-shedding metrics are sampled; at least 50 (the event-loop histogram has a
   * 10 ms resolution, and an empty sample reads as an infinite delay). Default 1000.
   */
  SHED_SAMPLE_INTERVAL_MS: int(50).prefault('1000'),
  /** Retry-After (seconds) on a shed request. Default 10. */
  SHED_RETRY_AFTER_S: int(1).prefault('10'),

  /**
   * Memory guard: RSS above this many MB for longer than MEMORY_GUARD_GRACE_MS drains the instance
   * and exits 1 so the platform restarts it (PM2's max_memory_restart); 0 = off. Default 1024.
   */
  MAX_RSS_MB: int(0).prefault('1024'),
  /** How long RSS may stay above MAX_RSS_MB before the restart (short spikes are tolerated). Default 30000. */
  MEMORY_GUARD_GRACE_MS: int(0).prefault('30000'),
};
