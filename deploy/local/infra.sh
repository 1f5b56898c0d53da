#!/usr/bin/env bash
# Local infrastructure for Marquee: PostgreSQL, Redis, NATS (JetStream) and Kafka.
#
#   deploy/local/infra.sh start    use what already answers, start what is missing, then Kafka;
#                                  prints the env.sh export line on stdout:
#                                    eval "$(deploy/local/infra.sh start)"
#   deploy/local/infra.sh stop     stop only what this script (or kafka.sh) started
#   deploy/local/infra.sh status   exit 0 when all four answer
#
# Where to connect comes from deploy/local/env.sh (DATABASE_ADMIN_URL, REDIS_URL, NATS_URL,
# KAFKA_BROKERS). A service whose URL points at this machine and does not answer is started if
# its program is installed; a non-local URL is only checked, never started.
# What this script started is recorded in $MARQUEE_HOME/run/ (postgres.debian, postgres.private,
# redis.pid, nats.pid); `stop` acts only on those, never on the machine's own services.
#
# Exit codes: 0 ok; 1 something is unreachable and could not be started (stderr says what to
# install or set); 2 usage.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
export MARQUEE_HOME=${MARQUEE_HOME:-$REPO_ROOT/.marquee}
RUN="$MARQUEE_HOME/run"
LOGS="$MARQUEE_HOME/logs"
eval "$("$SCRIPT_DIR/env.sh")"

log() { printf 'infra.sh: %s\n' "$*" >&2; }
FAILED=()
fail() { log "$2"; FAILED+=("$1"); } # fail NAME MESSAGE

# --- URL helpers ---------------------------------------------------------------------------
# url_host URL / url_port URL DEFAULT: host and port of scheme://[user[:pass]@]host[:port][/...]
url_authority() {
  local rest=${1#*://}
  rest=${rest%%[/?]*}
  printf '%s\n' "${rest##*@}"
}
url_host() {
  local a
  a=$(url_authority "$1")
  if [[ "$a" == \[* ]]; then a=${a#[}; printf '%s\n' "${a%%]*}"; else printf '%s\n' "${a%%:*}"; fi
}
url_port() {
  local a
  a=$(url_authority "$1")
  a=${a##*]}
  if [[ "$a" == *:* && -n "${a##*:}" ]]; then printf '%s\n' "${a##*:}"; else printf '%s\n' "$2"; fi
}
# A URL as it may be printed: a password in it becomes ***.
redact() { printf '%s\n' "$1" | sed -E 's#^([a-z]+://[^:@/]*):[^@/]*@#\1:***@#'; }
is_local() { [[ "$1" == 127.0.0.1 || "$1" == localhost || "$1" == ::1 ]]; }
port_open() { timeout 2 bash -c ">/dev/tcp/$1/$2" 2>/dev/null; }

# alive PIDFILE PATTERN: pid in PIDFILE is running and its command line contains PATTERN.
alive() {
  local pid
  [[ -f "$1" ]] || return 1
  pid=$(cat "$1")
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# stop_pid PIDFILE PATTERN NAME: SIGTERM, wait up to 20 s, then SIGKILL.
stop_pid() {
  local pid i
  if alive "$1" "$2"; then
    pid=$(cat "$1")
    log "stopping $3 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$3 still alive; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}

# wait_for SECONDS CHECK...: poll CHECK until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# --- PostgreSQL ----------------------------------------------------------------------------
PG_HOST=$(url_host "$DATABASE_ADMIN_URL")
PG_PORT=$(url_port "$DATABASE_ADMIN_URL" 5432)
PG_PRIVATE="$MARQUEE_HOME/postgres"

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 2 -d "$DATABASE_ADMIN_URL"
  else
    port_open "$PG_HOST" "$PG_PORT"
  fi
}

pg_bin() { # newest installed PostgreSQL bin dir holding $1
  local p
  # Debian's /usr/bin wrappers need a cluster; the real programs live in /usr/lib/postgresql/N/bin.
  p=$(find /usr/lib/postgresql/*/bin -maxdepth 1 -name "$1" 2>/dev/null | sort -V | tail -n1)
  [[ -n "$p" ]] || p=$(command -v "$1" 2>/dev/null) || return 1
  dirname "$(readlink -f "$p")"
}

# Run as the postgres user when we are root (the server refuses to run as root).
as_pg() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  if pg_up; then
    log "PostgreSQL answers at $PG_HOST:$PG_PORT"
    return 0
  fi
  if ! is_local "$PG_HOST"; then
    fail postgres "PostgreSQL does not answer at DATABASE_ADMIN_URL=$(redact "$DATABASE_ADMIN_URL") (not local: not starting anything)"
    return 0
  fi
  # 1) A Debian cluster on that port that is down.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver name port status
    while read -r ver name port status _; do
      if [[ "$port" == "$PG_PORT" && "$status" == down* ]]; then
        log "starting the Debian PostgreSQL cluster $ver/$name on port $PG_PORT"
        if pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start; then
          mkdir -p "$RUN"
          printf '%s %s\n' "$ver" "$name" >"$RUN/postgres.debian"
          wait_for 30 pg_up || fail postgres "PostgreSQL cluster $ver/$name started but does not answer on $PG_PORT"
        else
          fail postgres "pg_ctlcluster $ver $name start failed"
        fi
        return 0
      fi
    done < <(pg_lsclusters -h 2>/dev/null)
  fi
  # 2) A private cluster under $MARQUEE_HOME/postgres.
  local bin
  if ! bin=$(pg_bin initdb); then
    fail postgres "PostgreSQL is not running on $PG_HOST:$PG_PORT and not installed: apt-get install postgresql-15 (or set DATABASE_ADMIN_URL)"
    return 0
  fi
  if ((EUID == 0)) && ! id postgres >/dev/null 2>&1; then
    fail postgres "running as root without a 'postgres' user to run the server as: useradd --system postgres (or run as a normal user)"
    return 0
  fi
  mkdir -p "$PG_PRIVATE" "$RUN"
  ((EUID == 0)) && chown postgres: "$PG_PRIVATE"
  if [[ ! -f "$PG_PRIVATE/data/PG_VERSION" ]]; then
    log "creating a private PostgreSQL cluster in $PG_PRIVATE/data ($bin)"
    as_pg "$bin/initdb" -D "$PG_PRIVATE/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_PRIVATE/initdb.log" 2>&1 ||
      as_pg "$bin/initdb" -D "$PG_PRIVATE/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_PRIVATE/initdb.log" 2>&1 ||
      { tail -n 20 "$PG_PRIVATE/initdb.log" >&2; fail postgres "initdb failed; see $PG_PRIVATE/initdb.log"; return 0; }
  fi
  log "starting the private PostgreSQL cluster on 127.0.0.1:$PG_PORT (log $PG_PRIVATE/postgres.log)"
  if as_pg "$bin/pg_ctl" -D "$PG_PRIVATE/data" -l "$PG_PRIVATE/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_PRIVATE" start >&2; then
    printf '%s\n' "$bin" >"$RUN/postgres.private"
    wait_for 30 pg_up || fail postgres "private PostgreSQL started but does not answer on $PG_PORT"
  else
    tail -n 20 "$PG_PRIVATE/postgres.log" >&2 || true
    fail postgres "private PostgreSQL did not start; see $PG_PRIVATE/postgres.log"
  fi
}

stop_postgres() {
  if [[ -f "$RUN/postgres.debian" ]]; then
    local ver name
    read -r ver name <"$RUN/postgres.debian"
    log "stopping the Debian PostgreSQL cluster $ver/$name (started by infra.sh)"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop || log "pg_ctlcluster stop failed (already down?)"
    rm -f "$RUN/postgres.debian"
  fi
  if [[ -f "$RUN/postgres.private" ]]; then
    local bin
    bin=$(cat "$RUN/postgres.private")
    log "stopping the private PostgreSQL cluster in $PG_PRIVATE/data"
    as_pg "$bin/pg_ctl" -D "$PG_PRIVATE/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed (already down?)"
    rm -f "$RUN/postgres.private"
  fi
}

# --- Redis ---------------------------------------------------------------------------------
REDIS_HOST=$(url_host "$REDIS_URL")
REDIS_PORT=$(url_port "$REDIS_URL" 6379)

redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 3 redis-cli -u "$REDIS_URL" ping 2>/dev/null)" == PONG ]]
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"; printf "PING\r\n" >&3; read -r l <&3; [[ "$l" == +PONG* ]]' _ "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
  fi
}

start_redis() {
  if redis_up; then
    log "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  if ! is_local "$REDIS_HOST"; then
    fail redis "Redis does not answer at REDIS_URL=$(redact "$REDIS_URL") (not local: not starting anything)"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    fail redis "Redis is not running on $REDIS_HOST:$REDIS_PORT and not installed: apt-get install redis-server (or set REDIS_URL)"
    return 0
  fi
  mkdir -p "$MARQUEE_HOME/redis" "$LOGS" "$RUN"
  log "starting redis-server on 127.0.0.1:$REDIS_PORT (log $LOGS/redis.log)"
  # No persistence: local Redis holds caches and rate-limit buckets only.
  if redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$MARQUEE_HOME/redis" --logfile "$LOGS/redis.log" --pidfile "$RUN/redis.pid" &&
    wait_for 20 redis_up; then
    return 0
  fi
  tail -n 20 "$LOGS/redis.log" >&2 || true
  fail redis "redis-server did not answer on $REDIS_PORT; see $LOGS/redis.log"
}

# --- NATS ----------------------------------------------------------------------------------
NATS_HOST=$(url_host "$NATS_URL")
NATS_PORT=$(url_port "$NATS_URL" 4222)

# A NATS server greets every connection with "INFO {...}".
nats_up() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"; read -r l <&3; [[ "$l" == INFO* ]]' _ "$NATS_HOST" "$NATS_PORT" 2>/dev/null
}

start_nats() {
  if nats_up; then
    log "NATS answers at $NATS_HOST:$NATS_PORT"
    return 0
  fi
  if ! is_local "$NATS_HOST"; then
    fail nats "NATS does not answer at NATS_URL=$(redact "$NATS_URL") (not local: not starting anything)"
    return 0
  fi
  local bin
  if ! bin=$(command -v nats-server 2>/dev/null || ls /usr/sbin/nats-server 2>/dev/null); then
    fail nats "NATS is not running on $NATS_HOST:$NATS_PORT and not installed: apt-get install nats-server (or set NATS_URL)"
    return 0
  fi
  mkdir -p "$MARQUEE_HOME/nats" "$LOGS" "$RUN"
  log "starting nats-server with JetStream and one user per service on 127.0.0.1:$NATS_PORT (log $LOGS/nats.log)"
  # The users' passwords come from the environment (deploy/local/nats-passwords.sh keeps them).
  (
    set -a
    eval "$("$SCRIPT_DIR/nats-passwords.sh")"
    exec nohup "$SCRIPT_DIR/detach.sh" "$bin" -c "$REPO_ROOT/deploy/images/nats/marquee-nats.conf" -a 127.0.0.1 -p "$NATS_PORT" \
      -js -sd "$MARQUEE_HOME/nats" -l "$LOGS/nats.log" -P "$RUN/nats.pid" </dev/null >>"$LOGS/nats.out" 2>&1
  ) &
  if wait_for 20 nats_up; then
    return 0
  fi
  tail -n 20 "$LOGS/nats.log" "$LOGS/nats.out" >&2 || true
  fail nats "nats-server did not answer on $NATS_PORT; see $LOGS/nats.log"
}

# --- Kafka ---------------------------------------------------------------------------------
KAFKA_FIRST=${KAFKA_BROKERS%%,*}
KAFKA_HOST_=$(url_host "kafka://$KAFKA_FIRST")
KAFKA_PORT_=$(url_port "kafka://$KAFKA_FIRST" 9092)

start_kafka() {
  if is_local "$KAFKA_HOST_"; then
    KAFKA_PORT=$KAFKA_PORT_ "$SCRIPT_DIR/kafka.sh" start || fail kafka "Kafka did not start (see above)"
  elif port_open "$KAFKA_HOST_" "$KAFKA_PORT_"; then
    log "Kafka answers at $KAFKA_FIRST"
  else
    fail kafka "Kafka does not answer at KAFKA_BROKERS=$KAFKA_BROKERS (not local: not starting anything)"
  fi
}

# " (started by infra.sh)" when pid file $1 in $RUN is a live $2.
owner() { if alive "$RUN/$1" "$2"; then echo " (started by infra.sh)"; fi; }

# --- commands ------------------------------------------------------------------------------
cmd_start() {
  start_postgres
  start_redis
  start_nats
  start_kafka
  if ((${#FAILED[@]})); then
    log "FAILED: ${FAILED[*]}"
    exit 1
  fi
  local mine
  mine=$(find "$RUN" -maxdepth 1 -type f -printf '%f ' 2>/dev/null || true)
  [[ -f "$MARQUEE_HOME/kafka/kafka.pid" ]] && mine+="kafka/kafka.pid"
  log "all up; started by infra.sh/kafka.sh: ${mine:-nothing} (markers in $RUN)"
  "$SCRIPT_DIR/env.sh"
}

cmd_stop() {
  if is_local "$KAFKA_HOST_"; then KAFKA_PORT=$KAFKA_PORT_ "$SCRIPT_DIR/kafka.sh" stop; fi
  stop_pid "$RUN/nats.pid" nats-server NATS
  stop_pid "$RUN/redis.pid" redis-server Redis
  stop_postgres
  log "stopped what infra.sh started; services it found running are left alone"
}

cmd_status() {
  local ok=0
  if pg_up; then log "postgres up   $PG_HOST:$PG_PORT$([[ -f $RUN/postgres.debian || -f $RUN/postgres.private ]] && echo ' (started by infra.sh)')"; else log "postgres DOWN $PG_HOST:$PG_PORT"; ok=1; fi
  if redis_up; then log "redis    up   $REDIS_HOST:$REDIS_PORT$(owner redis.pid redis-server)"; else log "redis    DOWN $REDIS_HOST:$REDIS_PORT"; ok=1; fi
  if nats_up; then log "nats     up   $NATS_HOST:$NATS_PORT$(owner nats.pid nats-server)"; else log "nats     DOWN $NATS_HOST:$NATS_PORT"; ok=1; fi
  if is_local "$KAFKA_HOST_"; then
    KAFKA_PORT=$KAFKA_PORT_ "$SCRIPT_DIR/kafka.sh" status || ok=1
  elif port_open "$KAFKA_HOST_" "$KAFKA_PORT_"; then log "kafka    up   $KAFKA_FIRST"; else log "kafka    DOWN $KAFKA_FIRST"; ok=1; fi
  return "$ok"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 {start|stop|status}" >&2
    exit 2
    ;;
esac
