// The Dockerfile's build stage runs this after `npm prune --omit=dev`, from WORKDIR: it leaves in
// node_modules only what the app can load at run time (the runtime stage copies the result).
//   node scripts/prune-runtime.mjs [--dry-run] [root]
// Why not npm alone: npm keeps optional peers (the prisma CLI and typescript, optional peers of
// @prisma/client, ~250 MB with what they pull in), and `npm uninstall --no-save prisma` removes
// them with npm 11 but not with npm 10, the npm the official node:22 image ships.
// Every rule is checked rather than trusted: a removed package still named by an import or require
// in the kept code fails the build, and so does a generated Prisma client naming no query compiler.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
const nm = join(root, 'node_modules');
const readPkg = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

// Hard dependencies that only build tools load, with the entry points that load them:
// @sentry/node depends on its bundler plugins (webpack/vite/rollup/esbuild plugins and the
// `sentry` CLI, ~24 MB), imported only by its `@sentry/node/<bundler>` exports, for build configs.
const UNUSED = {
  '@sentry/bundler-plugins': ['@sentry/node/build/esm/bundler-plugin', '@sentry/node/build/cjs/bundler-plugin'],
};
// Packages a kept file requires inside try/catch and works without (debug: terminal colours).
const OPTIONAL_REQUIRE = new Set(['supports-color']);
// Browser bundles the app serves as files (Swagger UI's page), never loaded by Node.
const SERVED_TO_BROWSERS = new Set(['@fastify/swagger-ui/static']);
// Files and package-root folders no running code reads (the usual node-prune / modclean lists,
// without the risky ones such as `assets` or `images`); licence files stay.
const STRIP_FILE = /\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i;
const KEEP_FILE = /^(licen[cs]e|notice|copying)/i;
const STRIP_ROOT_FILE = /^(eslint\.config\.[cm]?js|\.eslintrc.*|tsconfig.*\.json)$/;
const STRIP_DIR = new Set([
  'test',
  'tests',
  '__tests__',
  'docs',
  'doc',
  'example',
  'examples',
  '.github',
  'coverage',
  'benchmark',
  'benchmarks',
]);

const removed = { unreachable: 0, unused: 0, prisma: 0, files: 0 };
const sizeOf = (p) => {
  const s = lstatSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, e) => n + sizeOf(join(p, e)), 0) : s.size;
};
function remove(p, rule) {
  removed[rule] += sizeOf(p);
  if (!dryRun) rmSync(p, { recursive: true, force: true });
}

// 1. Packages reachable from package.json's dependencies through dependencies, optionalDependencies
//    and required peers (Node's lookup: ./node_modules, then each parent's); optional peers only
//    when something else needs them. Everything else goes.
function resolveFrom(dir, name) {
  for (let d = dir; ; d = dirname(d)) {
    const c = join(d, 'node_modules', name);
    if (existsSync(join(c, 'package.json'))) return c;
    if (d === root || d === dirname(d)) return null;
  }
}
const reached = new Set([root]);
for (const queue = [root]; queue.length;) {
  const dir = queue.pop();
  const p = readPkg(dir);
  const peers = Object.keys(p.peerDependencies ?? {}).filter((n) => !p.peerDependenciesMeta?.[n]?.optional);
  for (const name of [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}), ...peers]) {
    const d = name in UNUSED ? null : resolveFrom(dir, name);
    if (d && !reached.has(d)) {
      reached.add(d);
      queue.push(d);
    }
  }
}
const kept = [];
const goneNames = new Set();
function walk(modules) {
  if (!existsSync(modules)) return;
  for (const e of readdirSync(modules)) {
    if (e.startsWith('.')) continue;
    const dirs = e.startsWith('@') ? readdirSync(join(modules, e)).map((s) => join(modules, e, s)) : [join(modules, e)];
    for (const d of dirs) {
      if (!existsSync(join(d, 'package.json'))) continue;
      if (reached.has(d)) {
        kept.push(d);
        walk(join(d, 'node_modules'));
      } else {
        goneNames.add(relative(modules, d));
        remove(d, 'unreachable');
      }
    }
  }
}
walk(nm);
for (const entry of Object.values(UNUSED).flat()) if (existsSync(join(nm, entry))) remove(join(nm, entry), 'unused');

// 2. Prisma's query compilers: @prisma/client ships one per database and per build (fast, small),
//    ~3.5 MB each; the generated client imports exactly one (schema.prisma's provider and
//    compilerBuild), so keep the files dist/generated names.
const runtimeDir = join(nm, '@prisma/client/runtime');
const generated = join(root, 'dist/generated/prisma/internal/class.js');
const named = new Set(
  [...(existsSync(generated) ? readFileSync(generated, 'utf8') : '').matchAll(/@prisma\/client\/runtime\/(query_compiler_[\w.-]+)/g)].map(
    (m) => m[1],
  ),
);
if (!named.size) throw new Error(`${relative(root, generated)} names no Prisma query compiler: update scripts/prune-runtime.mjs`);
for (const f of readdirSync(runtimeDir).filter((f) => f.startsWith('query_compiler_') && !named.has(f)))
  remove(join(runtimeDir, f), 'prisma');

// 3. Source maps, type declarations, docs and test folders of the kept packages.
function strip(dir, atPackageRoot) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules') continue; // nested packages are walked on their own
      if (atPackageRoot && STRIP_DIR.has(e.name)) remove(p, 'files');
      else strip(p, false);
    } else if ((STRIP_FILE.test(e.name) && !KEEP_FILE.test(e.name)) || (atPackageRoot && STRIP_ROOT_FILE.test(e.name))) remove(p, 'files');
  }
}
for (const d of kept) strip(d, true);

// npm's hidden lockfile describes the tree before these removals; .bin links may now dangle.
if (!dryRun) {
  rmSync(join(nm, '.package-lock.json'), { force: true });
  const bin = join(nm, '.bin');
  for (const l of existsSync(bin) ? readdirSync(bin) : []) if (!existsSync(join(bin, l))) rmSync(join(bin, l));
}

// Guard: every kept JavaScript file that imports or requires a removed package's name still
// resolves it (another copy, or a Node builtin of the same name such as `buffer`).
const names = [...goneNames]
  .filter((n) => !OPTIONAL_REQUIRE.has(n))
  .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
  .join('|');
const importsGone = new RegExp(`(?:require\\(|import\\(|from)\\s*["'](${names})(?:/[^"']*)?["']`, 'g');
const offenders = [];
function scan(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SERVED_TO_BROWSERS.has(relative(nm, p))) scan(p);
    } else if (/\.[cm]?js$/.test(e.name)) {
      for (const [, name] of readFileSync(p, 'utf8').matchAll(importsGone)) {
        if (!isBuiltin(name) && !resolveFrom(dir, name)) offenders.push(`${relative(root, p)} loads ${name}`);
      }
    }
  }
}
if (names && !dryRun) [join(root, 'dist'), nm].forEach(scan);
const mb = (n) => (n / 1048576).toFixed(1);
console.log(
  `prune-runtime${dryRun ? ' (dry run)' : ''}: ${goneNames.size} unreachable packages ${mb(removed.unreachable)} MB, ` +
    `build-tool entry points ${mb(removed.unused)} MB, ` +
    `unused Prisma query compilers ${mb(removed.prisma)} MB, maps/types/docs/tests ${mb(removed.files)} MB; kept ${kept.length} packages`,
);
if (offenders.length) {
  console.error(`prune-runtime: removed packages are still loaded:\n  ${[...new Set(offenders)].join('\n  ')}`);
  process.exit(1);
}
