/**
 * Worker-only entry point: `node --max-semi-space-size=1 --import ./dist/instrument.js dist/worker.js` (`npm run worker`).
 * Same config, plugins and drain as the API, but it always runs job handlers and serves only
 * /live, /ready and /metrics on PORT (for the platform's health check): no public API. Run it as a second
 * service from the same repo to scale job processing apart from the API (set RUN_WORKERS=false on
 * the API service if it should only accept jobs).
 */
import { start } from './start.js';

await start({ role: 'worker' });
