// `npm start` and `npm run worker`: rebuild only when a source is newer than the last build, then
// run the entry point in this very process. npm's script shell execs us (`exec node …` in
// package.json), so a SIGTERM or SIGINT sent to npm reaches the app's own drain and nothing is
// left running afterwards. Railway, Docker and the Procfile start `node … dist/server.js`
// directly and never come here.
//
// Stale = dist/build-info.json (written last by `npm run build`) is missing or older than any file
// or directory (a deleted file changes its directory) under src/ and prisma/, or the package and
// TypeScript config files.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const STAMP = join(ROOT, 'dist/build-info.json');
const INPUTS = ['src', 'prisma', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const entry = process.argv[2] === 'worker' ? 'worker' : 'server';

function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  let newest = st.mtimeMs;
  if (st.isDirectory()) for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function stale() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return 'no build yet';
  }
  const changed = INPUTS.find((p) => newestMtime(join(ROOT, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** `npm run build` in its own process group, so a signal stops the whole build (npm, sh, tsc) and us. */
function build() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', detached: true });
    const stop = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', stop).off('SIGINT', stop);
      if (code !== 0) process.exit(signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : (code ?? 1));
      resolve();
    });
  });
}

const reason = stale();
if (reason) {
  console.error(`start: ${reason}: building`);
  await build();
} else {
  console.error('start: dist/ is up to date');
}
// The same order as `node --import ./dist/instrument.js dist/<entry>.js`: Sentry before the app.
await import('../dist/instrument.js');
await import(`../dist/${entry}.js`);
