/**
 * `npm run docs:env`: regenerates the configuration docs from the config schema, so they cannot
 * drift: the README tables (between the env-table markers) and .env.example. Every variable's
 * text, default and handling come from its declaration (src/config/fields.ts `env()`), sections
 * from SECTIONS in src/config/schema.ts: a new section or variable needs no edit here.
 *
 * Two groups, in both files: the handful of variables a deployment sets ("essential"), then the
 * tuning knobs, by section, whose defaults are safe.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { composeEnvSchema, envSchema, SECTIONS } from '../src/config/schema.js';
import { envDoc, type EnvDoc, type EnvSection } from '../src/config/fields.js';

export interface DocVar {
  name: string;
  section: string;
  doc: EnvDoc;
  /** The default as it would be written in the environment, 'required', or null (unset). */
  def: string | null;
}

/** Parsing an empty environment gives each default; a variable the parse complains about is required. */
function defaults(schema: z.ZodObject): { values: Record<string, unknown>; required: Set<string> } {
  const result = schema.safeParse({});
  if (result.success) return { values: result.data, required: new Set() };
  const required = new Set(result.error.issues.map((i) => String(i.path[0])));
  const optionalised = schema.partial().safeParse({});
  return { values: optionalised.success ? optionalised.data : {}, required };
}

const asEnv = (v: unknown): string | null => (v === undefined ? null : Array.isArray(v) ? v.join(',') : String(v));

export function documentedVars(sections: readonly EnvSection[] = SECTIONS): DocVar[] {
  const { values, required } = defaults(sections === SECTIONS ? envSchema : composeEnvSchema(sections));
  const out: DocVar[] = [];
  for (const s of sections) {
    for (const [name, field] of Object.entries(s.fields)) {
      const doc = envDoc(field) ?? { doc: '' };
      if (doc.injected) continue;
      out.push({ name, section: s.title, doc, def: required.has(name) ? 'required' : asEnv((values as Record<string, unknown>)[name]) });
    }
  }
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const shownDefault = (v: DocVar) => (v.def === 'required' ? '**required**' : v.def !== null ? `\`${v.def}\`` : (v.doc.defaultText ?? 'unset'));

export function readmeTables(vars: DocVar[], sections: readonly EnvSection[] = SECTIONS): string {
  const row = (v: DocVar) => `| \`${v.name}\` | ${cell(shownDefault(v))} | ${cell(v.doc.doc)}${v.doc.secret ? ' Secret.' : ''} |`;
  const head = ['| variable | default | what it does |', '| --- | --- | --- |'];
  const lines = ['<!-- env-table:start -->', '**Set these** (on Railway: the service\'s Variables tab):', '', ...head, ...vars.filter((v) => v.doc.essential).map(row)];
  lines.push('', '**Tuning knobs**: every one has a safe default; change them when you have a reason.');
  for (const s of sections) {
    const rows = vars.filter((v) => v.section === s.title && !v.doc.essential);
    if (rows.length) lines.push('', `*${s.title}*`, '', ...head, ...rows.map(row));
  }
  lines.push('<!-- env-table:end -->');
  return lines.join('\n');
}

export function envExample(vars: DocVar[], sections: readonly EnvSection[] = SECTIONS): string {
  const lines = [
    '# railfast configuration. Copy to .env for local use (loaded when present, never required).',
    '# Invalid values stop the boot with a message naming the variable.',
    '# Generated from src/config/sections by `npm run docs:env`.',
  ];
  const entry = (v: DocVar) => {
    lines.push(`# ${v.doc.doc}${v.doc.defaultText && v.def === null ? ` Default: ${v.doc.defaultText}.` : ''}`);
    if (v.doc.hint) lines.push(`# ${v.doc.hint}`);
    lines.push(v.def === null || v.def === 'required' ? `# ${v.name}=` : `${v.name}=${v.def}`);
  };
  const heading = (title: string) => lines.push('', `# ── ${title} ${'─'.repeat(Math.max(4, 70 - title.length))}`);
  heading('Set these (the rest below are tuning knobs with safe defaults)');
  vars.filter((v) => v.doc.essential).forEach(entry);
  for (const s of sections) {
    const rows = vars.filter((v) => v.section === s.title && !v.doc.essential);
    if (!rows.length) continue;
    heading(s.title);
    rows.forEach(entry);
  }
  const aliases = sections.flatMap((s) => Object.keys(('aliases' in s && s.aliases) || {}));
  if (aliases.length) lines.push('', `# Old names still accepted: ${aliases.join(', ')}`);
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const vars = documentedVars();
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', readme.replace(/<!-- env-table:start -->[\s\S]*<!-- env-table:end -->/, readmeTables(vars)));
  writeFileSync('.env.example', envExample(vars));
  console.log(`documented ${vars.length} variables (${vars.filter((v) => v.doc.essential).length} to set) in README.md and .env.example`);
}
