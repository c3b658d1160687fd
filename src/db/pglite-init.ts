/**
 * initdb for a fresh embedded database, in a short-lived process of its own: openPgliteDir runs
 * it when the build made no seed (`npm start` or `npm run dev` on a fresh clone). initdb inside
 * PGlite peaks at ~830 MB of RSS and a WebAssembly heap never shrinks, so in the app's own process
 * that memory would stay for its whole life; here it goes back to the OS when this process exits.
 * Usage: node dist/db/pglite-init.js <dir>
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_START_PARAMS } from './pglite.js';

const db = new PGlite(process.argv[2]!, { startParams: PGLITE_START_PARAMS });
await db.waitReady;
await db.close();
