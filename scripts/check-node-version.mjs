// Build-time guard (Dockerfile and nixpacks.toml run it first; `npm run check:node` by hand):
//  1. one Node line ships everywhere: .nvmrc names the major (e.g. 22), and the Dockerfile's
//     `FROM node:<major>-…` images and nixpacks.toml's NIXPACKS_NODE_VERSION / nodejs_<major> must
//     name the same one, and package.json engines.node must admit it: a mismatch fails loudly;
//  2. the Node running the build satisfies engines.node (Prisma 7 and @sentry/node refuse old
//     minors, and builders like Nixpacks pin whatever their nixpkgs snapshot ships).
// engines.node stays wider than the shipped line (>=20.19) so CI and development on Node 20 keep
// working; a build on another major than the shipped one only gets a notice.
// Understands the forms used in engines fields: `>=20.19`, `^22.12`, `<23`, `20.x`, joined by
// spaces (and) and `||` (or). Optional argument: the project root (tests).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const parse = (v) =>
  v
    .replace(/^v/, '')
    .split('.')
    .map((n) => (n === 'x' || n === '*' ? NaN : Number(n)));
const cmp = (a, b) => {
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = Number.isNaN(b[i]) ? x : (b[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

function satisfies(version, comparator) {
  const m = /^(>=|<=|>|<|\^|~|=)?\s*v?([\dx*]+(?:\.[\dx*]+){0,2})$/.exec(comparator);
  if (!m) throw new Error(`unsupported engines comparator "${comparator}"`);
  const [, op = '=', raw] = m;
  const want = parse(raw);
  const c = cmp(version, want);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return version[0] === want[0] && c >= 0;
    case '~':
      return version[0] === want[0] && version[1] === (want[1] ?? version[1]) && c >= 0;
    default:
      return want.every((n, i) => Number.isNaN(n) || n === version[i]);
  }
}

const root = process.argv[2] ? resolve(process.argv[2]) : new URL('..', import.meta.url).pathname;
const read = (f) => readFileSync(join(root, f), 'utf8');
const admits = (range, version) =>
  range.split('||').some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => satisfies(version, c)),
  );
const range = JSON.parse(read('package.json')).engines?.node;

// 1. The shipped line, the same in every file that ships.
const shipped = read('.nvmrc').trim().replace(/^v/, '').split('.')[0];
const problems = [];
if (!/^\d+$/.test(shipped)) problems.push(`.nvmrc must name a Node major (e.g. 22), got "${read('.nvmrc').trim()}"`);
for (const [, tag] of read('Dockerfile').matchAll(/^FROM\s+node:(\S+)/gm)) {
  if (tag.split(/[.-]/)[0] !== shipped) problems.push(`Dockerfile: FROM node:${tag} is not Node ${shipped}`);
}
const nix = read('nixpacks.toml');
const nixVersion = /^NIXPACKS_NODE_VERSION\s*=\s*['"](\d+)/m.exec(nix)?.[1];
const nixPkg = /^nixPkgs\s*=.*nodejs_(\d+)/m.exec(nix)?.[1];
if (nixVersion !== shipped) problems.push(`nixpacks.toml: NIXPACKS_NODE_VERSION is ${nixVersion ?? 'missing'}, not ${shipped}`);
if (nixPkg !== shipped) problems.push(`nixpacks.toml: nixPkgs has nodejs_${nixPkg ?? '?'}, not nodejs_${shipped}`);
if (range && !admits(range, [Number(shipped), 99, 0])) problems.push(`package.json engines.node "${range}" does not admit Node ${shipped}`);
if (problems.length) {
  console.error(`Node versions disagree (.nvmrc says the images ship Node ${shipped}):\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}

// 2. The Node running this build.
const current = parse(process.versions.node);
if (range) {
  const ok = admits(range, current);
  if (!ok) {
    console.error(
      `Node ${process.versions.node} does not satisfy package.json engines.node "${range}". ` +
        'Use a matching base image (Dockerfile) or nixpkgs snapshot / NIXPACKS_NODE_VERSION (nixpacks.toml).',
    );
    process.exit(1);
  }
  console.log(`Node ${process.versions.node} satisfies engines.node "${range}"`);
}
if (String(current[0]) !== shipped) console.log(`note: building on Node ${current[0]}; the images ship Node ${shipped} (.nvmrc)`);
