/**
 * Abuse and overload protection: rate limiting (http/rate-limit.plugin.ts), load shedding
 * (http/load-shedding.plugin.ts) and the memory guard (lifecycle/memory-guard.plugin.ts).
 * 0 switches a threshold off where noted.
 */
import { bool, int, num, env, section } from '../fields.js';

export const protection = section('Rate limiting, load shedding, memory guard', {
  RATE_LIMIT_ENABLED: env(bool().prefault('true'), {
    doc: 'Per-client rate limiting on every route, and on unmatched URLs (404s), except the probes (`/live`, `/ready`, `/metrics`).',
  }),
  RATE_LIMIT_MAX: env(int(1).prefault('100'), {
    doc: 'Requests per client (admin token identity, else IP) per window, all routes together.',
  }),
  RATE_LIMIT_WINDOW_MS: env(int(1000).prefault('60000'), { doc: 'Rate-limit window.' }),
  RATE_LIMIT_JOBS_MAX: env(int(1).prefault('20'), {
    doc: 'Tighter limit for POST /api/v1/jobs (each call writes a ledger row and enqueues), per window.',
  }),
  LOAD_SHEDDING_ENABLED: env(bool().prefault('true'), {
    doc: 'Answer 503 + Retry-After on API routes while the process is overloaded (ops endpoints keep answering).',
  }),
  SHED_MAX_EVENT_LOOP_DELAY_MS: env(int(0).prefault('1000'), {
    doc: 'Shed when the mean event-loop delay over a sample exceeds this; 0 = off.',
  }),
  SHED_MAX_EVENT_LOOP_UTILIZATION: env(num(0, 1).prefault('0.98'), {
    doc: 'Shed when event-loop utilisation (0-1) over the last sample exceeds this; 0 = off.',
  }),
  SHED_MAX_HEAP_MB: env(int(0).prefault('0'), { doc: 'Shed when the V8 heap in use exceeds this many MB; 0 = off.' }),
  SHED_MAX_RSS_MB: env(int(0).prefault('420'), {
    doc: 'Shed when the resident set exceeds this many MB (set it below MAX_RSS_MB); 0 = off. The default suits a 512 MB instance (docs/RUNBOOK.md, memory).',
  }),
  SHED_SAMPLE_INTERVAL_MS: env(int(50).prefault('1000'), {
    doc: 'How often the load-shedding metrics are sampled; at least 50 (the event-loop histogram has a 10 ms resolution, and an empty sample reads as an infinite delay).',
  }),
  SHED_RETRY_AFTER_S: env(int(1).prefault('10'), { doc: 'Retry-After (seconds) on a shed request.' }),
  MAX_RSS_MB: env(int(0).prefault('460'), {
    doc: "Memory guard: RSS above this many MB for longer than MEMORY_GUARD_GRACE_MS drains the instance and exits 1 so the platform restarts it (PM2's max_memory_restart); 0 = off. The default suits a 512 MB instance: raise both limits with the service's memory (docs/RUNBOOK.md, memory).",
  }),
  MEMORY_GUARD_GRACE_MS: env(int(0).prefault('30000'), {
    doc: 'How long RSS may stay above MAX_RSS_MB before the restart (short spikes are tolerated).',
  }),
});
