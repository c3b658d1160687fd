// `npm run build:seed` (the image builds run it after `npm run build`): writes
// dist/pglite-seed.tar.gz, a PGlite data directory with initdb done and every migration applied.
// A fresh embedded database starts from it instead of running initdb in the app process, which
// would take ~830 MB of RSS at its peak (docs/ARCHITECTURE.md, performance). Without the seed the
// app still works and runs initdb itself.
import { writeFileSync } from 'node:fs';
import { buildPgliteSeed, PGLITE_SEED } from '../dist/db/pglite.js';
import { readMigrations } from '../dist/db/migrate.js';

const t0 = performance.now();
const seed = await buildPgliteSeed(await readMigrations());
writeFileSync(PGLITE_SEED, seed);
console.log(`wrote ${PGLITE_SEED} (${(seed.length / 1048576).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
