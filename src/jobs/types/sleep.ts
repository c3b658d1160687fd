/** Demo job (delete freely): waits `ms`, giving up as soon as its signal fires (timeout, shutdown). */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { defineJob } from '../registry.js';

export default defineJob({
  type: 'sleep',
  public: true,
  demo: true,
  description: 'Waits for `ms` milliseconds; honours the abort signal',
  payload: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 3_600_000 }) }, { additionalProperties: false }),
  handler: async ({ ms }, { signal }) => {
    await sleep(ms, undefined, { signal });
    return { sleptMs: ms };
  },
});
