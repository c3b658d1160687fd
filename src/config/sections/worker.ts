/** The worker-only process (`npm run worker`, src/worker.ts). */
import { int, env, section } from '../fields.js';

export const worker = section('Worker process', {
  WORKER_PORT: env(int(1, 65535).optional(), {
    doc: "Port of the worker process's probes (/live, /ready).",
    defaultText: 'PORT (each service or container has its own); `npm run worker` sets PORT + 1 so it runs beside `npm start`',
  }),
});
