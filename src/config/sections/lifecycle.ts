import { int } from '../fields.js';

export const lifecycle = {
  /** Upper bound for the whole graceful drain, from signal to exit; past it the process exits 1. */
  SHUTDOWN_TIMEOUT_MS: int(100).prefault('10000'),
  /** How long /ready answers 503 before the listener closes; unset → 3000 in production, else 0. */
  READINESS_DRAIN_DELAY_MS: int(0).optional(),
};
