/**
 * `npm run db:migration -- <name>`: create prisma/migrations/<timestamp>_<name>/migration.sql for the
 * changes made to prisma/schema.prisma since the last commit.
 *
 * With Prisma's schema engine (it downloads on first use from binaries.prisma.sh, as on Railway and
 * most machines) the SQL is Prisma's own: `prisma migrate diff` between the committed schema and
 * the working one, no database needed. Where the engine cannot be downloaded, the folder is created
 * with a commented template and the message says what to write by hand; `npm test` then checks the
 * migration against schema.prisma (test/db/migrate.test.ts). Either way the migration is applied at
 * the next start on the embedded database, and by `npm run db:migrate` (Railway's pre-deploy) on
 * Postgres.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface NewMigrationIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface NewMigrationOptions {
  /** Repository root (default: the current directory). */
  root?: string;
  /** Runs the Prisma CLI; tests replace it. Returns the exit status and what it printed. */
  prisma?: (args: string[], cwd: string) => { status: number | null; stdout: string; stderr: string };
  now?: Date;
}

const runPrisma: NonNullable<NewMigrationOptions['prisma']> = (args, cwd) => {
  const env = { ...process.env };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY; // the stub used by `db:generate` cannot diff
  const prisma = fileURLToPath(new URL('../node_modules/.bin/prisma', import.meta.url));
  const r = spawnSync(prisma, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
};

const stamp = (d: Date) => d.toISOString().replace(/\D/g, '').slice(0, 14);

const TEMPLATE = (name: string) => `-- Migration ${name}: the SQL that brings the database from the last migration to prisma/schema.prisma.
-- Prisma's schema engine was not available to write it, so write it here by hand, e.g.
--   CREATE TABLE "things" ("id" UUID NOT NULL, "name" TEXT NOT NULL,
--     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "things_pkey" PRIMARY KEY ("id"));
--   CREATE INDEX "things_created_at_idx" ON "things"("created_at");
-- (the same SQL Prisma would write: see the earlier migrations in this folder and docs/GUIDE.md).
-- Then run \`npm test\`: it applies every migration to a fresh database and compares it with schema.prisma.
`;

export function newMigration(argv: string[], io: NewMigrationIo, options: NewMigrationOptions = {}): number {
  const root = options.root ?? process.cwd();
  const name = argv.find((a) => !a.startsWith('-'));
  if (!name || !/^[a-z0-9][a-z0-9_]*$/.test(name)) {
    io.err('db:migration: give the migration a name of lowercase letters, digits and "_", e.g. `npm run db:migration -- add_tags`');
    return 2;
  }
  const migrations = join(root, 'prisma', 'migrations');
  const folder = `${stamp(options.now ?? new Date())}_${name}`;
  if (readdirSync(migrations).some((f) => f.endsWith(`_${name}`))) {
    io.err(`db:migration: a migration named "${name}" already exists in prisma/migrations`);
    return 2;
  }

  // The schema as last committed is the "before"; without git history, diff from an empty database.
  const work = mkdtempSync(join(tmpdir(), 'railfast-migration-'));
  try {
    const committed = spawnSync('git', ['show', 'HEAD:prisma/schema.prisma'], { cwd: root, encoding: 'utf8' });
    const from = committed.status === 0 ? ['--from-schema', join(work, 'committed.prisma')] : ['--from-empty'];
    if (committed.status === 0) writeFileSync(join(work, 'committed.prisma'), committed.stdout);
    const diff = (options.prisma ?? runPrisma)(
      ['migrate', 'diff', ...from, '--to-schema', join(root, 'prisma', 'schema.prisma'), '--script'],
      root,
    );
    const target = join(migrations, folder);

    if (diff.status === 0) {
      if (/^\s*(--[^\n]*\n?)*\s*$/.test(diff.stdout) || /empty migration/i.test(diff.stdout)) {
        io.out('db:migration: prisma/schema.prisma has no changes since the last commit: nothing to migrate');
        return 0;
      }
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, 'migration.sql'), diff.stdout.endsWith('\n') ? diff.stdout : `${diff.stdout}\n`);
      io.out(`db:migration: wrote prisma/migrations/${folder}/migration.sql (Prisma's SQL for your schema changes)`);
    } else {
      const offline = /binaries\.prisma\.sh|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|schema engine|schema-engine/i.test(diff.stderr);
      if (!offline) {
        io.err(`db:migration: prisma migrate diff failed:\n${diff.stderr.trim() || diff.stdout.trim()}`);
        return 1;
      }
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, 'migration.sql'), TEMPLATE(name));
      io.err(
        "db:migration: Prisma's schema engine is not available here (it is downloaded from binaries.prisma.sh, which this machine cannot reach), " +
          'so it cannot write the SQL for you.',
      );
      io.out(
        `db:migration: created prisma/migrations/${folder}/migration.sql with a template: write the SQL by hand, then \`npm test\` checks it against schema.prisma`,
      );
    }
    io.out(
      'db:migration: next: `npm run db:generate` (the Prisma client), then start the app (the embedded database migrates at boot) or `npm run db:migrate` (Postgres)',
    );
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = newMigration(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) });
}
