#!/usr/bin/env bash
# Back up the Postgres database to one compressed file (pg_dump custom format: restore it with
# scripts/restore.sh, selectively with pg_restore, or inspect it with `pg_restore --list`).
#
#   scripts/backup.sh [DATABASE_URL] [OUTPUT_FILE]
#
# DATABASE_URL defaults to the environment variable. From a laptop use Railway's public URL (the
# Postgres service's DATABASE_PUBLIC_URL): *.railway.internal only resolves inside Railway.
# OUTPUT_FILE defaults to backups/railfast-<UTC timestamp>.dump. Exits non-zero on any failure and
# never leaves a partial file behind. Needs pg_dump of the server's major version or newer.
set -euo pipefail

die() { echo "backup: $*" >&2; exit 1; }
mask() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:****@#' <<<"$1"; }

case "${1:-}" in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac

url="${1:-${DATABASE_URL:-}}"
out="${2:-backups/railfast-$(date -u +%Y%m%dT%H%M%SZ).dump}"

[[ -n "$url" ]] || die "no database: pass a postgres:// URL as the first argument or set DATABASE_URL"
[[ "$url" =~ ^postgres(ql)?:// ]] || die "DATABASE_URL must be a postgres:// or postgresql:// URL, got \"$(mask "$url")\" (the embedded PGlite database has no pg_dump: copy its DATA_DIR instead)"
command -v pg_dump >/dev/null || die "pg_dump not found: install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)"

mkdir -p "$(dirname "$out")"
partial="$out.partial"
trap 'rm -f "$partial"' EXIT
echo "backup: dumping $(mask "$url") with $(pg_dump --version)"

if ! errors=$(pg_dump --format=custom --compress=6 --no-owner --no-acl --file="$partial" --dbname="$url" 2>&1); then
  echo "$errors" >&2
  case "$errors" in
    *"server version mismatch"*) die "pg_dump is older than the server: use the server's major version (e.g. docker run --rm postgres:17 pg_dump ...)" ;;
    *"password authentication failed"*) die "authentication failed: check the user and password in the URL" ;;
    *"Connection refused"*|*"could not translate host name"*|*"timeout expired"*) die "cannot reach the database: from outside Railway use the public URL (DATABASE_PUBLIC_URL), not *.railway.internal" ;;
    *) die "pg_dump failed (output above); nothing was written to $out" ;;
  esac
fi

mv "$partial" "$out"
trap - EXIT
tables=$(pg_restore --list "$out" | grep -c ' TABLE DATA ' || true)
echo "backup: wrote $out ($(wc -c <"$out" | tr -d ' ') bytes, ${tables} tables with data)"
