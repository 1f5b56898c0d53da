#!/usr/bin/env bash
# Make a Docker engine available for Marquee's image builds and container tests.
#
#   deploy/local/docker-engine.sh start    use a running engine, or start our own
#   deploy/local/docker-engine.sh stop     stop the engine only if this script started it
#   deploy/local/docker-engine.sh status   say which engine answers (exit 0) or none (exit 3)
#
# If `docker info` already answers (a developer's own Docker Desktop / dockerd, or DOCKER_HOST),
# that engine is used and never touched. Otherwise, as root, this installs Debian's docker.io
# (dockerd 20.10), mmdebstrap and docker-compose 1.29 when missing and starts dockerd in the
# background on the default socket (/var/run/docker.sock) so that every client (docker CLI,
# testcontainers, docker-compose) finds it without DOCKER_HOST:
#   dockerd --iptables=false --ip=127.0.0.1 --storage-driver=overlay2
# --iptables=false: no NAT rules are written, so published ports go through docker-proxy and bind
# 127.0.0.1 only; containers reach each other on bridge/user networks, but cannot reach the outside
# (image builds use `docker build --network host` for apt).
#
# Environment:
#   MARQUEE_HOME               state folder, default <repo>/.marquee (log: $MARQUEE_HOME/docker/)
#   MARQUEE_DOCKER_DATA_ROOT   dockerd --data-root, default /var/lib/marquee-docker
#   MARQUEE_DOCKER_STORAGE     storage driver, default overlay2 (vfs works too, slowly)
#   MARQUEE_DOCKER_WAIT        seconds to wait for the engine to answer, default 60
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MARQUEE_HOME="${MARQUEE_HOME:-$REPO/.marquee}"
STATE_DIR="$MARQUEE_HOME/docker"
LOG="$STATE_DIR/dockerd.log"
PIDFILE="$STATE_DIR/dockerd.pid" # written by dockerd itself
MARKER="$STATE_DIR/started-by-marquee"
DATA_ROOT="${MARQUEE_DOCKER_DATA_ROOT:-/var/lib/marquee-docker}"
STORAGE="${MARQUEE_DOCKER_STORAGE:-overlay2}"
WAIT="${MARQUEE_DOCKER_WAIT:-60}"
SOCK=/var/run/docker.sock

say() { echo "docker-engine: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

engine_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

our_pid() {
  # Prints the pid of the dockerd this script started, if it is still alive.
  [[ -f "$MARKER" ]] || return 1
  local pid
  pid="$(sed -n 's/^pid=//p' "$MARKER" 2>/dev/null || true)"
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  echo "$pid"
}

install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  # Debian's docker.io ships its own 20.10 CLI; a newer client in /usr/local/bin wins on PATH and
  # negotiates the API version down (1.41) by itself, so both work.
  ((${#missing[@]} == 0)) && return 0
  say "installing ${missing[*]} from Debian (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE_DIR/apt.log" 2>&1; then
    apt-get update -q >>"$STATE_DIR/apt.log" 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$STATE_DIR/apt.log" 2>&1 \
      || { tail -20 "$STATE_DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed (log: $STATE_DIR/apt.log)"; }
  fi
  # --no-install-recommends skips some pieces dockerd needs at run time on a bare machine.
  local extra=()
  command -v containerd >/dev/null 2>&1 || extra+=(containerd)
  command -v runc >/dev/null 2>&1 || extra+=(runc)
  command -v docker-proxy >/dev/null 2>&1 || extra+=(docker.io)
  command -v tini >/dev/null 2>&1 || [[ -x /usr/sbin/docker-init ]] || extra+=(tini)
  if ((${#extra[@]})); then
    apt-get install -y -q "${extra[@]}" >>"$STATE_DIR/apt.log" 2>&1 || die "apt-get install ${extra[*]} failed"
  fi
}

start() {
  if engine_answers; then
    if our_pid >/dev/null; then say "marquee's dockerd (pid $(our_pid)) is running"; else say "using the Docker engine that already answers (not ours; stop will leave it alone)"; fi
    return 0
  fi
  if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != "unix://$SOCK" ]]; then
    die "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there; unset it to let this script start one, or start that engine"
  fi
  if [[ "$(id -u)" != 0 ]]; then
    if [[ -S "$SOCK" && ! -w "$SOCK" ]]; then
      die "an engine's socket $SOCK exists but $(id -un) may not use it: add yourself to its group ($(stat -c %G "$SOCK")) and log in again, or run tests without containers: MARQUEE_TEST_INFRA=local"
    fi
    die "no Docker engine answers and this script can only start one as root. Install and start Docker (Debian: apt-get install docker.io; or Docker Engine/Desktop), add yourself to the docker group, or run tests without containers: MARQUEE_TEST_INFRA=local"
  fi
  mkdir -p "$STATE_DIR" "$DATA_ROOT"
  install_missing
  if pid="$(our_pid)"; then
    say "dockerd pid $pid is alive but does not answer yet; waiting"
  else
    if pgrep -x dockerd >/dev/null 2>&1; then
      die "a dockerd we did not start is running (pid $(pgrep -x dockerd | tr '\n' ' ')) but 'docker info' gets no answer; fix or stop it first"
    fi
    # A socket left by a killed engine would make dockerd refuse to start.
    [[ -S "$SOCK" ]] && rm -f "$SOCK"
    say "starting dockerd (data-root $DATA_ROOT, storage $STORAGE, log $LOG)"
    {
      echo "---- $(date -u +%FT%TZ) docker-engine.sh start"
    } >>"$LOG"
    "$REPO/deploy/local/detach.sh" dockerd \
      --iptables=false --ip=127.0.0.1 --storage-driver="$STORAGE" \
      --data-root="$DATA_ROOT" --host="unix://$SOCK" --pidfile="$PIDFILE" \
      >>"$LOG" 2>&1 </dev/null &
    pid=$!
    printf 'pid=%s\nsocket=%s\ndata_root=%s\nstarted=%s\n' "$pid" "$SOCK" "$DATA_ROOT" "$(date -u +%FT%TZ)" >"$MARKER"
  fi
  local i
  for ((i = 0; i < WAIT * 2; i++)); do
    if engine_answers; then
      say "engine ready: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
      return 0
    fi
    if [[ ! -d "/proc/$pid" ]]; then
      tail -25 "$LOG" >&2 || true
      rm -f "$MARKER"
      die "dockerd exited during start-up (see $LOG). If overlay2 is not supported here, try MARQUEE_DOCKER_STORAGE=vfs"
    fi
    sleep 0.5
  done
  tail -25 "$LOG" >&2 || true
  die "dockerd (pid $pid) did not answer within ${WAIT}s (see $LOG)"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$MARKER"
    if engine_answers; then say "the running engine was not started by this script; leaving it alone"; else say "no marquee-started engine is running"; fi
    return 0
  fi
  say "stopping dockerd pid $pid (its containers stop with it)"
  kill -TERM "$pid"
  local i
  for ((i = 0; i < 60; i++)); do
    [[ -d "/proc/$pid" ]] || break
    sleep 0.5
  done
  if [[ -d "/proc/$pid" ]]; then
    say "dockerd did not exit within 30s; sending KILL"
    kill -KILL "$pid" || true
  fi
  rm -f "$MARKER" "$PIDFILE"
  say "stopped"
}

status() {
  if engine_answers; then
    local who="not started by marquee"
    our_pid >/dev/null && who="started by marquee, pid $(our_pid), log $LOG"
    echo "engine: running ($who)"
    docker version --format 'client {{.Client.Version}} (API {{.Client.APIVersion}}), server {{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || true
    echo "host: ${DOCKER_HOST:-unix://$SOCK}"
    return 0
  fi
  echo "engine: not running"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
