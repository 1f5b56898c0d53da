#!/usr/bin/env bash
# Prometheus for a local Marquee (Debian's `prometheus` package), scraping every service's /metrics.
#
#   deploy/local/prometheus.sh start NAME=HOST:PORT...   write the scrape config (one job per service),
#                                                        install the package when missing (as root),
#                                                        start Prometheus and print its URL on stdout
#   deploy/local/prometheus.sh stop                      stop the Prometheus this script started
#
# Its config, recording rules, data and log live under $MARQUEE_HOME/prometheus/; it listens on
# 127.0.0.1:$PROMETHEUS_PORT (9090) and scrapes every $PROMETHEUS_SCRAPE_INTERVAL (5s).
# Exit codes: 0 ok; 1 not installed and cannot install, or did not become ready; 2 usage.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
export MARQUEE_HOME=${MARQUEE_HOME:-$REPO_ROOT/.marquee}
HOME_DIR="$MARQUEE_HOME/prometheus"
PORT=${PROMETHEUS_PORT:-9090}
INTERVAL=${PROMETHEUS_SCRAPE_INTERVAL:-5s}

log() { printf 'prometheus.sh: %s\n' "$*" >&2; }

ensure_installed() {
  command -v prometheus >/dev/null && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's prometheus package"
    # The package's own service is not wanted: this script runs Prometheus with Marquee's config.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >&2; }
  fi
  command -v prometheus >/dev/null || { log "prometheus is not installed: apt-get install prometheus"; exit 1; }
}

write_config() {
  mkdir -p "$HOME_DIR/data"
  cat >"$HOME_DIR/rules.yml" <<'EOF'
groups:
  - name: marquee
    rules:
      - record: marquee:cache_hit_ratio:rate5m
        expr: sum by (service, cache) (rate(cache_requests_total{result="hit"}[5m])) / sum by (service, cache) (rate(cache_requests_total[5m]))
      - record: marquee:outbox_publish_rate:rate1m
        expr: sum by (service, topic) (rate(outbox_events_published_total[1m]))
EOF
  {
    echo "global:"
    echo "  scrape_interval: $INTERVAL"
    echo "  evaluation_interval: $INTERVAL"
    echo "rule_files: [rules.yml]"
    echo "scrape_configs:"
    local target name
    for target in "$@"; do
      name=${target%%=*}
      [[ "$name" =~ ^[a-z][a-z0-9_-]*$ && "$target" == *=*:* ]] || { log "bad target '$target' (NAME=HOST:PORT)"; exit 2; }
      echo "  - job_name: $name"
      echo "    static_configs: [{ targets: ['${target#*=}'] }]"
    done
  } >"$HOME_DIR/prometheus.yml"
}

cmd_start() {
  [ $# -gt 0 ] || { log "usage: prometheus.sh start NAME=HOST:PORT..."; exit 2; }
  ensure_installed
  write_config "$@"
  local pidf="$HOME_DIR/prometheus.pid" url="http://127.0.0.1:$PORT"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    # Already ours: reload so it scrapes the services running now.
    kill -HUP "$(cat "$pidf")"
  else
    "$SCRIPT_DIR/detach.sh" prometheus --config.file="$HOME_DIR/prometheus.yml" --storage.tsdb.path="$HOME_DIR/data" \
      --web.listen-address="127.0.0.1:$PORT" --storage.tsdb.retention.time=7d \
      >>"$HOME_DIR/prometheus.log" 2>&1 </dev/null &
    echo $! >"$pidf"
  fi
  local deadline=$((SECONDS + 30))
  until curl -fsS "$url/-/ready" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$pidf")" 2>/dev/null; then
      log "prometheus exited; last log lines:"; tail -n 20 "$HOME_DIR/prometheus.log" >&2; exit 1
    fi
    [ $SECONDS -lt $deadline ] || { log "prometheus not ready on :$PORT; see $HOME_DIR/prometheus.log"; exit 1; }
    sleep 0.3
  done
  echo "$url"
}

cmd_stop() {
  local pidf="$HOME_DIR/prometheus.pid" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  *) log "usage: prometheus.sh start NAME=HOST:PORT... | stop"; exit 2 ;;
esac
