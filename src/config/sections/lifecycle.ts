import { int, env, section } from '../fields.js';

export const lifecycle = section('Shutdown', {
  SHUTDOWN_TIMEOUT_MS: env(int(100).prefault('10000'), {
    doc: 'Upper bound for the whole graceful drain, from signal to exit; past it the process exits 1.',
  }),
  READINESS_DRAIN_DELAY_MS: env(int(0).optional(), {
    doc: 'How long /ready answers 503 before the listener closes; unset → 3000 in production, else 0.',
  }),
});
