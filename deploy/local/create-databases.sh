#!/usr/bin/env bash
# Creates the database marquee_<svc> for each service named, unless it exists (idempotent, safe
# to run concurrently), using psql as the superuser of DATABASE_ADMIN_URL.
#
#   deploy/local/create-databases.sh auth catalog interaction
#
# stdout: one line per service, "<svc> <database URL>" (DATABASE_ADMIN_URL with the database
# replaced by marquee_<svc>). Exit codes: 0 ok; 1 PostgreSQL unreachable or a create failed;
# 2 usage or a service name that is not [a-z][a-z0-9_]*.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$SCRIPT_DIR/env.sh")"

log() { printf 'create-databases.sh: %s\n' "$*" >&2; }

if (($# == 0)); then
  echo "usage: $0 svc [svc...]   (creates marquee_<svc> for each)" >&2
  exit 2
fi
for svc in "$@"; do
  [[ "$svc" =~ ^[a-z][a-z0-9_]*$ ]] || { log "bad service name '$svc' (want [a-z][a-z0-9_]*)"; exit 2; }
done
command -v psql >/dev/null 2>&1 ||
  { log "psql not found; install the PostgreSQL client (Debian: apt-get install postgresql-client-15)"; exit 1; }

psql_admin() { PGCONNECT_TIMEOUT=5 psql "$DATABASE_ADMIN_URL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

if ! psql_admin -c 'select 1' >/dev/null 2>&1; then
  log "cannot connect to DATABASE_ADMIN_URL=$DATABASE_ADMIN_URL; start it with deploy/local/infra.sh start"
  exit 1
fi

# DATABASE_ADMIN_URL with its database (path) replaced, query string kept.
db_url() {
  local url=$DATABASE_ADMIN_URL db=$1 scheme rest authority tail query=""
  scheme=${url%%://*}
  rest=${url#*://}
  authority=${rest%%[/?]*}
  tail=${rest#"$authority"}
  [[ "$tail" == *\?* ]] && query="?${tail#*\?}"
  printf '%s://%s/%s%s\n' "$scheme" "$authority" "$db" "$query"
}

exists() { [[ "$(psql_admin -c "select 1 from pg_database where datname = '$1'")" == 1 ]]; }

for svc in "$@"; do
  db="marquee_$svc"
  if exists "$db"; then
    log "$db exists"
  elif psql_admin -c "create database \"$db\"" 2>/dev/null; then
    log "$db created"
  elif exists "$db"; then
    log "$db exists (created concurrently)"
  else
    psql_admin -c "create database \"$db\"" || true
    log "could not create $db"
    exit 1
  fi
  printf '%s %s\n' "$svc" "$(db_url "$db")"
done
