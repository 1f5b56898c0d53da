#!/usr/bin/env bash
# Local Zipkin server (traces; in-memory storage) run from its exec jar on Maven Central
# (io.zipkin:zipkin-server, classifier exec), resolved like kafka.sh resolves the Kafka jars.
#
#   deploy/local/zipkin.sh jar      resolve the jar into $MARQUEE_HOME/zipkin (skipped when present);
#                                   the last stdout line is the jar's path
#   deploy/local/zipkin.sh start    start it on 127.0.0.1:$ZIPKIN_PORT and wait until /health answers;
#                                   the last stdout line is the UI's URL
#   deploy/local/zipkin.sh stop     stop the server this script started (pid file), if any
#   deploy/local/zipkin.sh status   exit 0 when a Zipkin answers on the port
#
# Environment (all optional):
#   MARQUEE_HOME          cache/data root, default <repo>/.marquee (gitignored)
#   ZIPKIN_VERSION        default 3.5.1
#   ZIPKIN_PORT           HTTP port of the API, the UI and span intake, default 9411
#   ZIPKIN_HEAP_OPTS      default "-Xms64m -Xmx384m"
#   ZIPKIN_JVM_OPTS       other JVM flags, default "-XX:+UseSerialGC -XX:TieredStopAtLevel=1" (small and
#                         quick to start; a bench taking in thousands of spans a second may want C2, and
#                         a young generation that holds the ZIPKIN_MAX_SPANS live window: bench/zipkin.ts)
#   ZIPKIN_MAX_SPANS      spans kept in memory (the oldest traces go first), default 50000: within the
#                         default heap. 200000 did not fit in it: a fully sampled events bench left the
#                         server doing full collections back to back (57 of them, 30 s of GC in a 1-minute
#                         run) and answering 500
#   ZIPKIN_START_TIMEOUT  seconds to wait for /health, default 90
#   JAVA, MVN             java and mvn commands, default from PATH
#
# Services send spans to it with OTEL_TRACES_EXPORTER=zipkin and
# OTEL_EXPORTER_ZIPKIN_ENDPOINT=http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans (./marquee up --with-tracing).
# Exit codes: 0 ok; 1 failure (message on stderr); 2 usage; status: 1 when not answering.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
MARQUEE_HOME=${MARQUEE_HOME:-$REPO_ROOT/.marquee}
ZIPKIN_VERSION=${ZIPKIN_VERSION:-3.5.1}
ZIPKIN_PORT=${ZIPKIN_PORT:-9411}
ZIPKIN_HEAP_OPTS=${ZIPKIN_HEAP_OPTS:--Xms64m -Xmx384m}
ZIPKIN_JVM_OPTS=${ZIPKIN_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}
ZIPKIN_MAX_SPANS=${ZIPKIN_MAX_SPANS:-50000}
ZIPKIN_START_TIMEOUT=${ZIPKIN_START_TIMEOUT:-90}
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}

DIR="$MARQUEE_HOME/zipkin"
JAR="$DIR/zipkin-server-$ZIPKIN_VERSION-exec.jar"
LOG="$DIR/zipkin-$ZIPKIN_PORT.log"
PIDFILE="$DIR/zipkin-$ZIPKIN_PORT.pid"

log() { printf 'zipkin.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

need_java() {
  command -v "$JAVA" >/dev/null 2>&1 ||
    die "java not found; install a JRE 17+ (Debian: apt-get install openjdk-17-jre-headless) or set JAVA"
}

cmd_jar() {
  mkdir -p "$DIR"
  if [[ ! -s "$JAR" ]]; then
    exec 9>"$DIR/.jar.lock"
    flock 9
    if [[ ! -s "$JAR" ]]; then
      command -v "$MVN" >/dev/null 2>&1 || die "mvn not found; install Maven 3.8+ (Debian: apt-get install maven) or set MVN"
      log "resolving io.zipkin:zipkin-server:$ZIPKIN_VERSION (exec) from Maven Central into $DIR ..."
      local tmp="$DIR/tmp.$$"
      rm -rf "$tmp"
      # Maven checks the artifact against the repository's checksum; its output goes to stderr.
      if ! "$MVN" -q -B -C dependency:copy "-Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
        -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
        rm -rf "$tmp"
        die "mvn dependency:copy failed (see above); is Maven Central reachable?"
      fi
      mv "$tmp/zipkin-server-$ZIPKIN_VERSION-exec.jar" "$JAR"
      rm -rf "$tmp"
    fi
    exec 9>&-
  fi
  printf '%s\n' "$JAR"
}

answers() { curl -fsS --max-time 2 "http://127.0.0.1:$ZIPKIN_PORT/health" 2>/dev/null | grep -q '"UP"'; }

# Pid of the server this script started on this port, if it is still alive.
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-jar $JAR" || return 1
  printf '%s\n' "$pid"
}

ui_url() { printf 'http://127.0.0.1:%s/zipkin/\n' "$ZIPKIN_PORT"; }

cmd_start() {
  if answers; then
    log "a Zipkin already answers on 127.0.0.1:$ZIPKIN_PORT; using it"
    ui_url
    return 0
  fi
  need_java
  cmd_jar >/dev/null
  local pid
  if ! pid=$(our_pid); then
    if timeout 2 bash -c ">/dev/tcp/127.0.0.1/$ZIPKIN_PORT" 2>/dev/null; then
      die "port 127.0.0.1:$ZIPKIN_PORT is taken by something that is not Zipkin; set ZIPKIN_PORT"
    fi
    # shellcheck disable=SC2206 # ZIPKIN_HEAP_OPTS and ZIPKIN_JVM_OPTS are lists of JVM flags by design
    local jopts=($ZIPKIN_HEAP_OPTS $ZIPKIN_JVM_OPTS -Djava.awt.headless=true)
    printf '\n===== %s zipkin.sh start (port %s) =====\n' "$(date -u +%FT%TZ)" "$ZIPKIN_PORT" >>"$LOG"
    # Loopback only: the API has no authentication and spans carry request details.
    STORAGE_TYPE=mem MEM_MAX_SPANS="$ZIPKIN_MAX_SPANS" QUERY_PORT="$ZIPKIN_PORT" \
      nohup "$SCRIPT_DIR/detach.sh" "$JAVA" "${jopts[@]}" -jar "$JAR" "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$ZIPKIN_PORT" \
      </dev/null >>"$LOG" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
    log "started zipkin pid $pid; waiting up to ${ZIPKIN_START_TIMEOUT}s for 127.0.0.1:$ZIPKIN_PORT (log $LOG)"
  fi
  local deadline=$((SECONDS + ZIPKIN_START_TIMEOUT))
  until answers; do
    if ! our_pid >/dev/null; then
      rm -f "$PIDFILE"
      log "zipkin exited during start; last 30 lines of $LOG:"
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    ((SECONDS < deadline)) || { log "zipkin did not answer within ${ZIPKIN_START_TIMEOUT}s; see $LOG"; exit 1; }
    sleep 0.5
  done
  log "ready on 127.0.0.1:$ZIPKIN_PORT"
  ui_url
}

cmd_stop() {
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    return 0
  fi
  log "stopping zipkin pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

cmd_status() {
  if answers; then log "up on 127.0.0.1:$ZIPKIN_PORT"; return 0; fi
  log "down: nothing answers on 127.0.0.1:$ZIPKIN_PORT"
  return 1
}

case "${1:-}" in
  jar) cmd_jar ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 {jar|start|stop|status}" >&2
    exit 2
    ;;
esac
