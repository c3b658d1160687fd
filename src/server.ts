/** Entry point: `node --max-semi-space-size=1 --import ./dist/instrument.js dist/server.js` (see Procfile, railway.json, Dockerfile). */
import { start } from './start.js';

await start();
