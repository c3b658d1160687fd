#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh (pg_dump custom format) or a plain .sql dump.
#
#   scripts/restore.sh DUMP_FILE [DATABASE_URL] [--clean]
#
# DATABASE_URL defaults to the environment variable. Into an empty database it just restores.
# Into a database that already has tables it refuses unless --clean is given, which drops the
# dump's objects first (plain .sql: the whole public schema) and replaces them. Everything runs in
# one transaction: on any error nothing changes and the exit code is non-zero.
# Stop the app's writers first (scale the service to 0 or pause it) so nothing is written meanwhile.
set -euo pipefail

die() { echo "restore: $*" >&2; exit 1; }
mask() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:****@#' <<<"$1"; }

clean=0
positional=()
for arg in "$@"; do
  case "$arg" in
    --clean) clean=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) die "unknown option $arg (expected: DUMP_FILE [DATABASE_URL] [--clean])" ;;
    *) positional+=("$arg") ;;
  esac
done
file="${positional[0]:-}"
url="${positional[1]:-${DATABASE_URL:-}}"

[[ -n "$file" ]] || die "usage: scripts/restore.sh DUMP_FILE [DATABASE_URL] [--clean]"
[[ -f "$file" && -r "$file" ]] || die "no readable dump at $file"
[[ -n "$url" ]] || die "no database: pass a postgres:// URL after the file or set DATABASE_URL"
[[ "$url" =~ ^postgres(ql)?:// ]] || die "DATABASE_URL must be a postgres:// or postgresql:// URL, got \"$(mask "$url")\""
command -v psql >/dev/null || die "psql not found: install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)"

if ! tables=$(psql "$url" -X -A -t -q -c "select count(*) from pg_tables where schemaname = 'public'" 2>&1); then
  echo "$tables" >&2
  die "cannot query $(mask "$url"): check the URL (from outside Railway use DATABASE_PUBLIC_URL)"
fi
if [[ "$tables" != "0" && $clean -eq 0 ]]; then
  die "$(mask "$url") already has $tables tables in schema public; pass --clean to replace them with the dump's contents"
fi

format=sql
[[ "$(head -c 5 "$file")" == "PGDMP" ]] && format=custom
echo "restore: loading $file ($format format) into $(mask "$url")$([[ $clean -eq 1 ]] && echo ', replacing existing objects')"

if [[ $format == custom ]]; then
  command -v pg_restore >/dev/null || die "pg_restore not found: install the PostgreSQL client tools"
  opts=(--no-owner --no-acl --single-transaction --exit-on-error)
  [[ $clean -eq 1 ]] && opts+=(--clean --if-exists)
  pg_restore "${opts[@]}" --dbname="$url" "$file" || die "pg_restore failed (output above); the transaction was rolled back, nothing changed"
else
  pre=()
  [[ $clean -eq 1 ]] && pre=(-c "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
  psql "$url" -X -q --set ON_ERROR_STOP=1 --single-transaction "${pre[@]}" -f "$file" >/dev/null ||
    die "psql failed (output above); the transaction was rolled back, nothing changed"
fi

after=$(psql "$url" -X -A -t -q -c "select count(*) from pg_tables where schemaname = 'public'")
latest=$(psql "$url" -X -A -t -q -c "select coalesce(max(migration_name), 'none') from _prisma_migrations where finished_at is not null" 2>/dev/null || echo "no _prisma_migrations table")
echo "restore: done: $after tables in schema public; latest migration: $latest"
