#!/bin/sh
# Starts PostgreSQL in the foreground; creates the cluster first when $PGDATA is empty.
# Extra arguments go to postgres (e.g. -c fsync=on). --init-only: create the cluster and exit.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "marquee-postgres: initdb in $PGDATA" >&2
  initdb -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$PGDATA/postgresql.conf" <<'CONF'
# --- marquee test image ---
listen_addresses = '*'
port = 5432
unix_socket_directories = '/var/run/postgresql'
max_connections = 300
# Test image: a killed container loses nothing (the kernel keeps the writes); only a host crash
# could. Never use these settings for data you keep.
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
CONF
  cat >"$PGDATA/pg_hba.conf" <<'HBA'
# marquee test image: trust everyone (the port is published on 127.0.0.1 only)
local all all trust
host  all all all trust
HBA
fi
[ "${1:-}" = "--init-only" ] && exit 0
exec postgres -D "$PGDATA" "$@"
