/**
 * Database fixtures for the data-layer tests: the same suite runs against the machine's Postgres
 * (a fresh database per test, dropped after) and against in-memory PGlite.
 */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { pgliteMigrationConnection, pgMigrationConnection, type MigrationConnection } from '../../src/db/migrate.js';
import { openEmptyMemoryPglite } from '../../src/db/pglite.js';
import { createTempDatabase, needs } from './services.js';

export type Kind = 'pglite' | 'postgres';
export const KINDS: Kind[] = ['pglite', 'postgres'];

export interface FreshDb {
  /** A new session on the database (PGlite has one session: every call shares it). */
  session(): Promise<MigrationConnection>;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Postgres only: the database's URL (for apps and the CLI). */
  url?: string;
}

let shared: Promise<PGlite> | null = null;

/** Close the PGlite instance freshDb shares within a test file (call from a top-level `after`). */
export async function closeSharedPglite(): Promise<void> {
  const db = shared;
  shared = null;
  if (db) await (await db).close();
}

/**
 * An empty database of `kind`, cleaned up after the test; null when the test was skipped.
 * PGlite: one instance per test file, emptied for each test (loading an instance costs about a
 * second of CPU; dropping the schema costs milliseconds).
 */
export async function freshDb(t: TestContext, kind: Kind): Promise<FreshDb | null> {
  if (kind === 'pglite') {
    shared ??= openEmptyMemoryPglite();
    const db = await shared;
    await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP TYPE IF EXISTS "JobStatus";');
    const conn = pgliteMigrationConnection(db);
    return { session: async () => conn, query: async (sql, params) => (await db.query(sql, params)).rows as never };
  }
  if (!(await needs(t, 'postgres'))) return null;
  const temp = await createTempDatabase('railfast_db');
  const clients: pg.Client[] = [];
  t.after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await temp.drop();
  });
  const open = async () => {
    const c = new pg.Client({ connectionString: temp.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const admin = await open();
  return {
    url: temp.url,
    session: async () => pgMigrationConnection(await open()),
    query: async (sql, params) => (await admin.query(sql, params)).rows as never,
  };
}

// ---- schema.prisma vs the migrated database --------------------------------------------------

interface FieldSpec {
  column: string;
  nullable: boolean;
  hasDefault: boolean;
  /** information_schema data_type (udt_name for enums). */
  type: string;
  precision?: number;
  unique: boolean;
}

export interface ModelSpec {
  model: string;
  table: string;
  fields: FieldSpec[];
  indexes: string[][];
}

const SCALARS: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  Json: 'jsonb',
  Decimal: 'numeric',
  Bytes: 'bytea',
  DateTime: 'timestamp without time zone',
};
const NATIVE: Record<string, string> = { Uuid: 'uuid', Timestamptz: 'timestamp with time zone', Timestamp: 'timestamp without time zone', Text: 'text' };

/**
 * A deliberately small reader of schema.prisma (scalar and enum fields, @map/@@map, @default,
 * @updatedAt, @unique, @@index, @db.*): enough to check a hand-written migration against it.
 */
export function readPrismaSchema(path = 'prisma/schema.prisma'): { models: ModelSpec[]; enums: Record<string, string[]> } {
  const src = readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '');
  const enums: Record<string, string[]> = {};
  for (const m of src.matchAll(/enum\s+(\w+)\s*\{([^}]*)\}/g)) enums[m[1]!] = m[2]!.split(/\s+/).filter(Boolean);
  const models: ModelSpec[] = [];
  const modelNames = new Set([...src.matchAll(/model\s+(\w+)\s*\{/g)].map((m) => m[1]!));
  for (const m of src.matchAll(/model\s+(\w+)\s*\{([^}]*)\}/g)) {
    const body = m[2]!;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? m[1]!;
    const fields: FieldSpec[] = [];
    const columnOf = new Map<string, string>();
    for (const line of body.split('\n').map((l) => l.trim())) {
      const f = /^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!f || line.startsWith('@@')) continue;
      const [, name, type, mod, attrs] = f as unknown as [string, string, string, string | undefined, string];
      // Relation fields (another model, or a list of them) are not columns.
      if (modelNames.has(type) || mod === '[]') continue;
      const column = /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? name;
      columnOf.set(name, column);
      const native = /@db\.(\w+)(?:\((\d+)\))?/.exec(attrs);
      const isEnum = type in enums;
      fields.push({
        column,
        nullable: mod === '?',
        // uuid(), cuid(), nanoid() and ulid() are generated by Prisma's client: no database default.
        hasDefault: /@default\((?!(uuid|cuid|nanoid|ulid)\()/.test(attrs),
        type: isEnum ? type : native ? (NATIVE[native[1]!] ?? native[1]!.toLowerCase()) : (SCALARS[type] ?? type),
        precision: type === 'DateTime' ? Number(native?.[2] ?? 3) : undefined,
        unique: /@unique\b/.test(attrs) || /@id\b/.test(attrs),
      });
    }
    const indexes = [...body.matchAll(/@@index\(\[([^\]]+)\]/g)].map((i) => i[1]!.split(',').map((s) => columnOf.get(s.trim()) ?? s.trim()));
    models.push({ model: m[1]!, table, fields, indexes });
  }
  return { models, enums };
}

/** Every difference between schema.prisma and the database, as readable lines (empty = match). */
export async function schemaDifferences(query: FreshDb['query'], schemaPath?: string): Promise<string[]> {
  const { models, enums } = readPrismaSchema(schemaPath);
  const problems: string[] = [];
  for (const [name, values] of Object.entries(enums)) {
    const rows = await query<{ label: string }>(
      'SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder',
      [name],
    );
    const got = rows.map((r) => r.label);
    if (JSON.stringify(got) !== JSON.stringify(values)) problems.push(`enum ${name}: expected ${values.join(',')}, got ${got.join(',') || 'nothing'}`);
  }
  for (const model of models) {
    const cols = await query<{ column_name: string; is_nullable: string; column_default: string | null; data_type: string; udt_name: string; datetime_precision: number | null }>(
      `SELECT column_name, is_nullable, column_default, data_type, udt_name, datetime_precision
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
      [model.table],
    );
    if (!cols.length) {
      problems.push(`table ${model.table} (model ${model.model}) is missing`);
      continue;
    }
    const byName = new Map(cols.map((c) => [c.column_name, c]));
    for (const f of model.fields) {
      const c = byName.get(f.column);
      byName.delete(f.column);
      const where = `${model.table}.${f.column}`;
      if (!c) {
        problems.push(`${where} is missing`);
        continue;
      }
      const type = c.data_type === 'USER-DEFINED' ? c.udt_name : c.data_type;
      if (type !== f.type) problems.push(`${where}: type ${type}, schema says ${f.type}`);
      if ((c.is_nullable === 'YES') !== f.nullable) problems.push(`${where}: nullable=${c.is_nullable}, schema says ${f.nullable ? 'optional' : 'required'}`);
      if ((c.column_default !== null) !== f.hasDefault) problems.push(`${where}: default ${c.column_default ?? 'none'}, schema ${f.hasDefault ? 'has one' : 'has none'}`);
      if (f.precision !== undefined && c.datetime_precision !== f.precision) problems.push(`${where}: precision ${c.datetime_precision}, schema says ${f.precision}`);
    }
    for (const extra of byName.keys()) problems.push(`${model.table}.${extra} is not in schema.prisma`);

    const idx = await query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`, [model.table]);
    const defs = idx.map((i) => i.indexdef.replace(/"/g, ''));
    for (const f of model.fields.filter((x) => x.unique)) {
      if (!defs.some((d) => d.startsWith('CREATE UNIQUE INDEX') && d.endsWith(`(${f.column})`))) problems.push(`${model.table}.${f.column}: no unique index`);
    }
    for (const cols2 of model.indexes) {
      if (!defs.some((d) => d.endsWith(`(${cols2.join(', ')})`))) problems.push(`${model.table}: no index on (${cols2.join(', ')})`);
    }
  }
  return problems;
}
