/**
 * docs/GUIDE.md, followed as a user would, in a scratch copy of the repository: the model appended
 * to schema.prisma, `npm run db:migration` (the SQL from the guide where Prisma's engine cannot be
 * downloaded), the Prisma client regenerated, the route, job and test files written exactly as the
 * guide shows them. Then the guide's test passes, the migrations match schema.prisma, and the
 * files touched are the guide's five: no central list was edited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { newMigration } from '../../tools/new-migration.js';
import { migrate, pgliteMigrationConnection } from '../../src/db/migrate.js';
import { openEmptyMemoryPglite } from '../../src/db/pglite.js';
import { schemaDifferences } from '../helpers/db.js';

/** The guide's code blocks that name their file on the first line (`// path` or `-- path`). */
function guideFiles(): Map<string, string> {
  const md = readFileSync('docs/GUIDE.md', 'utf8');
  const files = new Map<string, string>();
  for (const m of md.matchAll(/```\w+\n((?:\/\/|--) (\S+)\n[\s\S]*?)```/g)) files.set(m[2]!, m[1]!);
  return files;
}

test('a user following docs/GUIDE.md adds a model, a migration, a route, a job and a test: it works, and only those files changed', async (t) => {
  const files = guideFiles();
  const paths = [...files.keys()];
  assert.deepEqual(paths, [
    'prisma/schema.prisma',
    'prisma/migrations/<timestamp>_add_bookmarks/migration.sql',
    'src/routes/api/v1/bookmarks.ts',
    'src/jobs/types/bookmark-host.ts',
    'test/bookmarks/bookmarks.test.ts',
  ]);

  const root = mkdtempSync(join(tmpdir(), 'railfast-guide-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const p of ['src', 'prisma', 'scripts', 'tools', 'test/helpers', 'package.json', 'tsconfig.json', 'prisma.config.ts', '.gitignore']) {
    cpSync(p, join(root, p), { recursive: true, filter: (src) => !src.includes('src/generated') });
  }
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'), 'dir');
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: root, encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'the template');

  // 1. The model, and the other side of the relation in model User.
  const schema = join(root, 'prisma', 'schema.prisma');
  appendFileSync(schema, `\n${files.get('prisma/schema.prisma')}`);
  writeFileSync(schema, readFileSync(schema, 'utf8').replace('  notes         Note[]\n', '  notes         Note[]\n  bookmarks     Bookmark[]\n'));

  // 2. The migration: the command, then the guide's SQL where it could only write a template.
  const out: string[] = [];
  assert.equal(newMigration(['add_bookmarks'], { out: (l) => out.push(l), err: (l) => out.push(l) }, { root }), 0, out.join('\n'));
  const folder = readdirSync(join(root, 'prisma', 'migrations')).find((f) => f.endsWith('_add_bookmarks'))!;
  const migration = join(root, 'prisma', 'migrations', folder, 'migration.sql');
  if (readFileSync(migration, 'utf8').includes('write it here by hand')) writeFileSync(migration, files.get('prisma/migrations/<timestamp>_add_bookmarks/migration.sql')!);
  const generate = spawnSync(join(root, 'node_modules', '.bin', 'prisma'), ['generate'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: './scripts/no-schema-engine.sh' },
  });
  assert.equal(generate.status, 0, generate.stderr);

  // 3-5. Route, job and test, as the guide shows them.
  for (const p of ['src/routes/api/v1/bookmarks.ts', 'src/jobs/types/bookmark-host.ts', 'test/bookmarks/bookmarks.test.ts']) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), files.get(p)!);
  }

  // A test run of its own (without NODE_TEST_CONTEXT it reports in TAP, not to this runner).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/bookmarks/bookmarks.test.ts'], { cwd: root, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /# pass 1/);

  // The template's own check holds: every migration applies and the result matches schema.prisma.
  const db = await openEmptyMemoryPglite();
  t.after(() => db.close());
  await migrate(pgliteMigrationConnection(db), { dir: join(root, 'prisma', 'migrations') });
  const query = async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows;
  assert.deepEqual(await schemaDifferences(query, schema), []);

  // Files touched: the guide's, and nothing else (src/generated is not committed).
  const changed = git('status', '--porcelain', '--untracked-files=all')
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3))
    .sort();
  assert.deepEqual(changed, [`prisma/migrations/${folder}/migration.sql`, 'prisma/schema.prisma', 'src/jobs/types/bookmark-host.ts', 'src/routes/api/v1/bookmarks.ts', 'test/bookmarks/bookmarks.test.ts']);
});
