#!/usr/bin/env bash
# Gives each service named its database and its two login roles, using psql as the superuser of
# DATABASE_ADMIN_URL (idempotent, safe to run concurrently):
#
#   deploy/local/create-databases.sh auth catalog interaction
#
#   marquee_<svc>_owner  owns database marquee_<svc>; the service migrates as it
#   marquee_<svc>_app    serves requests and consumers: no superuser, no BYPASSRLS, no CREATE
#                        (the service's owner grants it table privileges when it migrates)
#
# Passwords come from MARQUEE_DB_PASSWORD_<SVC>_OWNER and MARQUEE_DB_PASSWORD_<SVC>_APP (SVC in
# upper case), else MARQUEE_DB_PASSWORD; each run sets them, so the environment is the truth.
# A database made before this split (owned by another role) is handed to the owner with its tables.
#
# stdout: one line per service, "<svc> <app URL> <owner URL>" (DATABASE_ADMIN_URL with the role,
# password and database replaced). Exit codes: 0 ok; 1 PostgreSQL unreachable or a statement
# failed; 2 usage, a service name that is not [a-z][a-z0-9_]*, or a missing or unsafe password.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$SCRIPT_DIR/env.sh")"

log() { printf 'create-databases.sh: %s\n' "$*" >&2; }

if (($# == 0)); then
  echo "usage: $0 svc [svc...]   (creates marquee_<svc> and roles marquee_<svc>_owner, marquee_<svc>_app)" >&2
  exit 2
fi
# The password of role kind (OWNER|APP) of svc, checked to be safe in a URL unencoded.
password() {
  local var="MARQUEE_DB_PASSWORD_${1^^}_$2" value
  value=${!var:-${MARQUEE_DB_PASSWORD:-}}
  [[ -n "$value" ]] || { log "set $var or MARQUEE_DB_PASSWORD"; return 2; }
  [[ "$value" =~ ^[A-Za-z0-9._~-]+$ ]] || { log "$var must be [A-Za-z0-9._~-]+ (it goes into a URL)"; return 2; }
  printf '%s' "$value"
}
for svc in "$@"; do
  [[ "$svc" =~ ^[a-z][a-z0-9_]*$ ]] || { log "bad service name '$svc' (want [a-z][a-z0-9_]*)"; exit 2; }
  password "$svc" OWNER >/dev/null || exit 2
  password "$svc" APP >/dev/null || exit 2
done
command -v psql >/dev/null 2>&1 ||
  { log "psql not found; install the PostgreSQL client (Debian: apt-get install postgresql-client-15)"; exit 1; }

psql_admin() { PGCONNECT_TIMEOUT=5 psql "$DATABASE_ADMIN_URL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

if ! psql_admin -c 'select 1' >/dev/null 2>&1; then
  log "cannot connect to DATABASE_ADMIN_URL=$(printf '%s\n' "$DATABASE_ADMIN_URL" | sed -E 's#^([a-z]+://[^:@/]*):[^@/]*@#\1:***@#'); start it with deploy/local/infra.sh start"
  exit 1
fi

# DATABASE_ADMIN_URL with user:password and database (path) replaced, query string kept.
role_url() {
  local url=$DATABASE_ADMIN_URL user=$1 pass=$2 db=$3 scheme rest authority tail query=""
  scheme=${url%%://*}
  rest=${url#*://}
  authority=${rest%%[/?]*}
  tail=${rest#"$authority"}
  [[ "$tail" == *\?* ]] && query="?${tail#*\?}"
  printf '%s://%s:%s@%s/%s%s\n' "$scheme" "$user" "$pass" "${authority##*@}" "$db" "$query"
}

for svc in "$@"; do
  db="marquee_$svc" owner="marquee_${svc}_owner" app="marquee_${svc}_app"
  owner_pw=$(password "$svc" OWNER) app_pw=$(password "$svc" APP)
  # Values on stdin, not in argv, so passwords never show in the process list. They are
  # [A-Za-z0-9._~-]+ (checked above), safe as \set values. One lock for every run: CREATE ROLE and
  # CREATE DATABASE are not safe against a concurrent twin.
  {
    printf '\\set %s %s\n' db "$db" owner "$owner" app "$app" owner_pw "$owner_pw" app_pw "$app_pw"
    cat <<'SQL'
select pg_advisory_lock(hashtext('marquee.create-databases'));
select format('create role %I', r) from unnest(array[:'owner', :'app']) as r
 where not exists (select from pg_roles where rolname = r) \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password %L', :'owner', :'owner_pw') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password %L', :'app', :'app_pw') \gexec
select format('create database %I owner %I', :'db', :'owner')
 where not exists (select from pg_database where datname = :'db') \gexec
select format('alter database %I owner to %I', :'db', :'owner') \gexec
\connect :db
select pg_advisory_lock(hashtext('marquee.create-databases'));
revoke create on schema public from public;
select format('alter schema %I owner to %I', nspname, :'owner') from pg_namespace
 where nspname = 'drizzle' and nspowner <> (select oid from pg_roles where rolname = :'owner') \gexec
select format('alter table %I.%I owner to %I', schemaname, tablename, :'owner') from pg_tables
 where schemaname in ('public', 'drizzle') and tableowner <> :'owner' \gexec
select format('alter function %s owner to %I', p.oid::regprocedure, :'owner') from pg_proc p
 where p.pronamespace = 'public'::regnamespace and pg_get_userbyid(p.proowner) <> :'owner'
   and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e') \gexec
SQL
  } | psql_admin >/dev/null || { log "could not create the roles or database of $svc"; exit 1; }
  log "$db owned by $owner, served as $app"
  printf '%s %s %s\n' "$svc" "$(role_url "$app" "$app_pw" "$db")" "$(role_url "$owner" "$owner_pw" "$db")"
done
