/**
 * A fork adds a model: `npm run db:migration -- <name>` creates the migration (Prisma's SQL where
 * its engine can be downloaded, a template and a clear message where it cannot), and the
 * template's own checks hold for the new model: every migration applies to a fresh database, and
 * the result matches schema.prisma.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMigration } from '../../tools/new-migration.js';
import { migrate, pgliteMigrationConnection } from '../../src/db/migrate.js';
import { openEmptyMemoryPglite } from '../../src/db/pglite.js';
import { schemaDifferences } from '../helpers/db.js';

const THING = `
/// A fork's own model.
model Thing {
  id        String   @id @default(uuid()) @db.Uuid
  name      String
  ownerId   String   @map("owner_id") @db.Uuid
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
  owner     User     @relation(fields: [ownerId], references: [id], onDelete: Cascade)

  @@index([createdAt])
  @@map("things")
}
`;
/** What a user writes by hand when the engine is not available (what Prisma would write). */
const THING_SQL = `CREATE TABLE "things" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "owner_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "things_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "things_created_at_idx" ON "things"("created_at");
ALTER TABLE "things" ADD CONSTRAINT "things_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

/** A scratch copy of prisma/ in a git repository whose last commit is the template's schema. */
function scratchRepo(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'railfast-fork-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync('prisma', join(root, 'prisma'), { recursive: true });
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: root, encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'template');
  return root;
}

const io = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
};

test('a throwaway model and its migration: created by db:migration, applied to a fresh database, matching schema.prisma', async (t) => {
  const root = scratchRepo(t);
  appendFileSync(join(root, 'prisma', 'schema.prisma'), THING);
  writeFileSync(
    join(root, 'prisma', 'schema.prisma'),
    readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8').replace(
      '  notes         Note[]\n',
      '  notes         Note[]\n  things        Thing[]\n',
    ),
  );
  const before = readdirSync(join(root, 'prisma', 'migrations'));

  // The real Prisma CLI: on this machine its engine cannot be downloaded, elsewhere it writes the SQL.
  const r = io();
  assert.equal(newMigration(['add_things'], r.io, { root }), 0, r.lines.join('\n'));
  const created = readdirSync(join(root, 'prisma', 'migrations')).filter((f) => !before.includes(f));
  assert.equal(created.length, 1);
  assert.match(created[0]!, /^\d{14}_add_things$/);
  const file = join(root, 'prisma', 'migrations', created[0]!, 'migration.sql');
  if (readFileSync(file, 'utf8').includes('write it here by hand')) {
    assert.ok(
      r.lines.some((l) => /schema engine is not available here/.test(l)),
      r.lines.join('\n'),
    );
    assert.ok(r.lines.some((l) => /write the SQL by hand, then `npm test` checks it/.test(l)));
    writeFileSync(file, THING_SQL);
  }

  const db = await openEmptyMemoryPglite();
  t.after(() => db.close());
  const result = await migrate(pgliteMigrationConnection(db), { dir: join(root, 'prisma', 'migrations') });
  assert.equal(result.applied.length, before.filter((f) => /^\d/.test(f)).length + 1);
  const query = async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows;
  assert.deepEqual(await schemaDifferences(query, join(root, 'prisma', 'schema.prisma')), []);

  // And the check catches a migration that does not match: a column the schema does not have.
  await db.exec('ALTER TABLE "things" ADD COLUMN "colour" TEXT');
  assert.deepEqual(await schemaDifferences(query, join(root, 'prisma', 'schema.prisma')), ['things.colour is not in schema.prisma']);
});

test("db:migration writes Prisma's SQL when the engine answers, says when nothing changed, and checks the name", (t) => {
  const root = scratchRepo(t);
  const prisma = (sql: string) => () => ({ status: 0, stdout: sql, stderr: '' });
  let r = io();
  assert.equal(newMigration(['add_things'], r.io, { root, prisma: prisma(THING_SQL), now: new Date('2027-01-02T03:04:05Z') }), 0);
  assert.equal(readFileSync(join(root, 'prisma', 'migrations', '20270102030405_add_things', 'migration.sql'), 'utf8'), THING_SQL);
  assert.deepEqual(
    r.lines[0],
    "db:migration: wrote prisma/migrations/20270102030405_add_things/migration.sql (Prisma's SQL for your schema changes)",
  );

  r = io();
  assert.equal(newMigration(['nothing'], r.io, { root, prisma: prisma('-- This is an empty migration.\n') }), 0);
  assert.deepEqual(r.lines, ['db:migration: prisma/schema.prisma has no changes since the last commit: nothing to migrate']);

  for (const bad of [[], ['Add Things'], ['add_things']]) {
    r = io();
    assert.equal(newMigration(bad, r.io, { root, prisma: prisma(THING_SQL) }), 2, bad.join());
  }
});
