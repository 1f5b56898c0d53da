#!/usr/bin/env bash
# Prints the connection settings of the local infrastructure as one export line, keeping any
# value already set in the environment:
#
#   eval "$(deploy/local/env.sh)"
#
# KAFKA_BROKERS       comma-separated host:port list   default 127.0.0.1:${KAFKA_PORT:-9092}
# DATABASE_ADMIN_URL  PostgreSQL superuser URL          default postgres://postgres@127.0.0.1:5432/postgres
# REDIS_URL           Redis URL                          default redis://127.0.0.1:6379
# NATS_URL            NATS URL                           default nats://127.0.0.1:4222
set -euo pipefail

KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}
DATABASE_ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}

# %q quotes anything a shell would mangle (passwords with & or $ in a URL).
printf 'export KAFKA_BROKERS=%q DATABASE_ADMIN_URL=%q REDIS_URL=%q NATS_URL=%q\n' \
  "$KAFKA_BROKERS" "$DATABASE_ADMIN_URL" "$REDIS_URL" "$NATS_URL"
