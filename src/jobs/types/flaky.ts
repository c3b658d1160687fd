/**
 * Demo job (delete freely): fails its first `failTimes` attempts, then succeeds. Shows retries with
 * backoff and, with failTimes >= maxAttempts, the dead-letter state. Counting on `ctx.attempt`
 * (kept in the ledger) rather than in memory makes it behave the same across restarts.
 */
import { Type } from 'typebox';
import { defineJob } from '../registry.js';

export default defineJob({
  type: 'flaky',
  public: true,
  demo: true,
  description: 'Fails the first `failTimes` attempts, then succeeds',
  payload: Type.Object({ failTimes: Type.Integer({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }),
  handler: async ({ failTimes }, { attempt }) => {
    if (attempt <= failTimes) throw new Error(`flaky: attempt ${attempt} fails (failTimes ${failTimes})`);
    return { succeededOnAttempt: attempt };
  },
});
