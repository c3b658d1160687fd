/** Demo job (delete freely): returns its payload. Useful to measure the queue itself. */
import { Type } from 'typebox';
import { defineJob } from '../registry.js';

export default defineJob({
  type: 'echo',
  public: true,
  demo: true,
  description: 'Returns its payload as the result',
  payload: Type.Unknown(),
  handler: async (payload) => payload,
});
