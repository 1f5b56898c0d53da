#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory (the official image
# and marquee/postgres:local both run /docker-entrypoint-initdb.d/*.sh on a socket-only server):
# each service in MARQUEE_DB_SERVICES gets marquee_<svc> and its owner and application roles,
# through the same deploy/local/create-databases.sh that `./marquee up` runs.
set -euo pipefail
: "${MARQUEE_DB_SERVICES:?list the services with a database, e.g. "auth catalog"}"
export DATABASE_ADMIN_URL="postgresql:///postgres?host=/var/run/postgresql&user=${POSTGRES_USER:-postgres}"
# shellcheck disable=SC2086 # a word list on purpose
bash /usr/local/lib/marquee-db/create-databases.sh $MARQUEE_DB_SERVICES >/dev/null
