// Build-time guard: fail the image build when the Node running it does not satisfy package.json's
// engines.node, instead of failing later with an obscure error (Prisma 7 and @sentry/node refuse
// old Node minors, and builders like Nixpacks pin whatever their nixpkgs snapshot ships).
// Understands the forms used in engines fields: `>=20.19`, `^22.12`, `<23`, `20.x`, joined by
// spaces (and) and `||` (or).
import { readFileSync } from 'node:fs';

const parse = (v) => v.replace(/^v/, '').split('.').map((n) => (n === 'x' || n === '*' ? NaN : Number(n)));
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
    case '>=': return c >= 0;
    case '>': return c > 0;
    case '<=': return c <= 0;
    case '<': return c < 0;
    case '^': return version[0] === want[0] && c >= 0;
    case '~': return version[0] === want[0] && version[1] === (want[1] ?? version[1]) && c >= 0;
    default: return want.every((n, i) => Number.isNaN(n) || n === version[i]);
  }
}

const range = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines?.node;
const current = parse(process.versions.node);
if (range) {
  const ok = range.split('||').some((alt) => alt.trim().split(/\s+/).filter(Boolean).every((c) => satisfies(current, c)));
  if (!ok) {
    console.error(
      `Node ${process.versions.node} does not satisfy package.json engines.node "${range}". ` +
        'Use a matching base image (Dockerfile) or nixpkgs snapshot / NIXPACKS_NODE_VERSION (nixpacks.toml).',
    );
    process.exit(1);
  }
  console.log(`Node ${process.versions.node} satisfies engines.node "${range}"`);
}
