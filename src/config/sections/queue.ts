import { bool, int, env, section } from '../fields.js';

export const queue = section(
  'Work queue and jobs',
  {
    RUN_WORKERS: env(bool().prefault('true'), { doc: 'Run job handlers in this process (the API); `npm run worker` always runs them.' }),
    QUEUE_CONCURRENCY: env(int(1, 1000).prefault('10'), {
      doc: 'Jobs handled at once per process. Handlers mostly wait on I/O; more slots also let claims and completions share a statement.',
    }),
    QUEUE_MAX_SIZE: env(int(1).prefault('100'), {
      doc: 'Jobs due now (queued, or awaiting a retry that is due) allowed to wait before POST /api/v1/jobs answers 503 QUEUE_FULL; delayed jobs have their own bound, QUEUE_MAX_DELAYED.',
    }),
    QUEUE_MAX_DELAYED: env(int(1).prefault('1000'), {
      doc: 'Delayed jobs (runAt in the future) allowed in the ledger before a delayed submission answers 503; they do not count towards QUEUE_MAX_SIZE, so they cannot starve immediate jobs.',
    }),
    QUEUE_MAX_WAITING_PER_OWNER: env(int(1).prefault('20'), {
      doc: 'Immediate jobs one user may have waiting before their next submission answers 429 (admins and ADMIN_TOKEN are exempt).',
    }),
    QUEUE_MAX_DELAYED_PER_OWNER: env(int(1).prefault('20'), {
      doc: 'Delayed jobs one user may have waiting before their next delayed submission answers 429 (admins and ADMIN_TOKEN are exempt).',
    }),
    QUEUE_MAX_DELAY_MS: env(int(0).prefault('86400000'), { doc: 'Longest `delayMs` a submission may ask for; longer answers 400.' }),
    QUEUE_MAX_PAYLOAD_BYTES: env(int(2).prefault('65536'), {
      doc: "Largest job payload (as JSON) accepted; larger answers 413 before anything is stored.",
    }),
    DEMO_JOBS: env(bool().optional(), {
      doc: 'Clients may submit the demo job types (echo, sleep, flaky, http). Jobs already accepted run either way.',
      defaultText: 'true outside production, else false',
    }),
    QUEUE_TIMEOUT_MS: env(int(1).prefault('60000'), { doc: "Per-attempt deadline; the handler's AbortSignal fires at it." }),
    QUEUE_MAX_ATTEMPTS: env(int(1, 100).prefault('3'), { doc: 'Attempts per job unless the request says otherwise (maxAttempts).' }),
    QUEUE_BACKOFF_MS: env(int(0).prefault('1000'), { doc: 'First retry delay; doubles per attempt, capped at 10 minutes.' }),
    QUEUE_LEASE_MS: env(int(300).prefault('30000'), {
      doc: 'How long an active job stays claimed without a heartbeat before another worker may take it over (crash recovery); also paces the heartbeat and the ledger sweep (a third of it).',
    }),
    JOB_RETENTION_DAYS: env(int(1, 3650).prefault('7'), {
      doc: 'Completed and dead jobs are deleted from the ledger after this many days.',
    }),
  },
  // Old names from the seed projects, still accepted when the new name is unset.
  { LOCAL_QUEUE_CONCURRENCY: 'QUEUE_CONCURRENCY', LOCAL_QUEUE_MAX_SIZE: 'QUEUE_MAX_SIZE', LOCAL_QUEUE_TIMEOUT_MS: 'QUEUE_TIMEOUT_MS' },
);
