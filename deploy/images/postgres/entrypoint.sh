#!/bin/sh
# Starts PostgreSQL in the foreground; creates the cluster first when $PGDATA is empty, and runs
# /docker-entrypoint-initdb.d/*.sh once.
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
# As the official image does: /docker-entrypoint-initdb.d/*.sh run once, on a server listening only
# on its socket (compose mounts the role script there). The cluster predates the container, so a
# marker in $PGDATA says they ran.
marker="$PGDATA/.marquee-initdb-done"
if [ ! -e "$marker" ] && ls /docker-entrypoint-initdb.d/*.sh >/dev/null 2>&1; then
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  for script in /docker-entrypoint-initdb.d/*.sh; do
    echo "marquee-postgres: running $script" >&2
    POSTGRES_USER=postgres bash "$script"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  touch "$marker"
fi
exec postgres -D "$PGDATA" "$@"
