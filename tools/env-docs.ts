/**
 * Regenerates the configuration docs from the config schema's section files, so they cannot
 * drift: the README table (between the env-table markers) and .env.example.
 *   npm run docs:env
 * Each variable's doc is the /** comment above it in src/config/sections/<section>.ts and its
 * default is the `.prefault('…')` value (or "unset" / what the comment says for derived defaults).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const SECTIONS: [file: string, title: string][] = [
  ['server', 'Server'],
  ['security', 'Security'],
  ['lifecycle', 'Shutdown'],
  ['database', 'Database (Postgres via Prisma, or embedded PGlite)'],
  ['redis', 'Redis'],
  ['queue', 'Work queue and jobs'],
  ['protection', 'Rate limiting, load shedding, memory guard'],
  ['observability', 'Metrics and API docs'],
  ['sentry', 'Sentry'],
  ['outbound', 'Outbound HTTP calls'],
  ['alerts', 'Alerts and health monitor'],
];

/** Railway reference-variable hints, shown in .env.example under the variable. */
const HINTS: Record<string, string> = {
  DATABASE_URL: 'On Railway: DATABASE_URL=${{Postgres.DATABASE_URL}}',
  REDIS_URL: 'On Railway: REDIS_URL=${{Redis.REDIS_URL}}',
};

interface Var {
  name: string;
  doc: string;
  def: string | null;
}

function parse(file: string): Var[] {
  const src = readFileSync(`src/config/sections/${file}.ts`, 'utf8');
  const out: Var[] = [];
  const re = /\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*\n\s*([A-Z][A-Z0-9_]+):\s*([^\n]*(?:\n\s+\.[^\n]*)*)/g;
  for (const m of src.matchAll(re)) {
    const doc = m[1]!
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .filter(Boolean)
      .join(' ');
    const def = /\.prefault\((?:'([^']*)'|String\(([^)]*)\))\)/.exec(m[3]!);
    out.push({ name: m[2]!, doc, def: def ? (def[1] ?? String(eval(def[2]!))) : null });
  }
  return out;
}

const sections = SECTIONS.map(([file, title]) => ({ title, vars: parse(file) }));

const clean = (doc: string) => doc.replace(/\s*Default[^.]*\.?\s*$/i, '').replace(/\s*\(default[^)]*\)/i, '').trim();

// README table
const rows = sections.flatMap((s) => s.vars.map((v) => `| \`${v.name}\` | ${v.def === null ? 'unset' : `\`${v.def}\``} | ${v.doc.replace(/\|/g, '\\|')} |`));
const table = ['<!-- env-table:start -->', '| variable | default | what it does |', '| --- | --- | --- |', ...rows, '<!-- env-table:end -->'].join('\n');
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', readme.replace(/<!-- env-table:start -->[\s\S]*<!-- env-table:end -->/, table));

// .env.example
const lines = [
  '# railfast configuration. Copy to .env for local use (loaded when present, never required).',
  '# Every variable is optional; the value shown is the default, and commented-out ones are unset',
  '# or derived. Invalid values stop the boot with a message naming the variable.',
  '# Generated from src/config/sections by `npm run docs:env`.',
];
for (const s of sections) {
  lines.push('', `# ── ${s.title} ${'─'.repeat(Math.max(4, 70 - s.title.length))}`);
  for (const v of s.vars) {
    lines.push(`# ${clean(v.doc)}`);
    if (HINTS[v.name]) lines.push(`# ${HINTS[v.name]}`);
    lines.push(v.def === null ? `# ${v.name}=` : `${v.name}=${v.def}`);
  }
}
lines.push('', '# Old names still accepted: LOCAL_QUEUE_CONCURRENCY, LOCAL_QUEUE_MAX_SIZE, LOCAL_QUEUE_TIMEOUT_MS');
writeFileSync('.env.example', lines.join('\n') + '\n');
console.log(`documented ${rows.length} variables in README.md and .env.example`);
