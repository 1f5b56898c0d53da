#!/usr/bin/env bash
# Prints NATS_PASSWORD_<SERVICE>=... for every user deploy/images/nats/marquee-nats.conf names, from
# $MARQUEE_HOME/nats-passwords.env (mode 600), generating the missing ones: the local nats-server
# (infra.sh) and the services ./marquee starts read the same file. Rotate: delete it and restart.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
MARQUEE_HOME=${MARQUEE_HOME:-$REPO_ROOT/.marquee}
FILE="$MARQUEE_HOME/nats-passwords.env"

mkdir -p "$MARQUEE_HOME"
(umask 077 && touch "$FILE")
for var in $(grep -o '$NATS_PASSWORD_[A-Z0-9_]*' "$REPO_ROOT/deploy/images/nats/marquee-nats.conf" | tr -d '$' | sort -u); do
  # nats-server reads the value as config: a leading letter keeps it a string.
  grep -q "^$var=" "$FILE" || echo "$var=p$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$FILE"
done
cat "$FILE"
