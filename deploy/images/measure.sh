#!/usr/bin/env bash
# Measures the images: cold build, warm rebuild, and container start-to-ready per image.
#
#   deploy/images/measure.sh [--no-cold] [--runs N]     prints a report on stdout
#
# cold build   build.sh with MARQUEE_IMAGES_FORCE=1 in a fresh MARQUEE_HOME: mmdebstrap again,
#              docker build --no-cache, Kafka jars and the Node tarball fetched again (Maven's
#              ~/.m2 and apt's host cache are not cleared). It re-tags marquee/*:local.
# warm rebuild build.sh again with nothing changed (hash tags exist: skipped).
# start-to-ready  from `docker run` until the service answers a real request, the same probes as
#              the tests (SELECT 1, PING, NATS connect+flush, Kafka metadata with a controller),
#              median of N runs (default 3); Kafka also after SIGKILL + start; node: `docker run
#              --rm marquee/node:local node -e 0` until it exits; all four in parallel through
#              startInfraContainers().
# Needs the engine (deploy/local/docker-engine.sh start) and pnpm install done (pg, kafkajs...).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MARQUEE_HOME="${MARQUEE_HOME:-$REPO/.marquee}"
COLD=1
RUNS=3
while (($#)); do
  case "$1" in
    --no-cold) COLD=0 ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "usage: $0 [--no-cold] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done

timeout 15 docker info >/dev/null 2>&1 || { echo "measure: no Docker engine answers; run deploy/local/docker-engine.sh start" >&2; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

echo "# Marquee images: build and start-to-ready"
echo "date:    $(date -u +%FT%TZ)"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "engine:  $(docker version --format 'dockerd {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' 2>/dev/null), storage $(docker info --format '{{.Driver}}' 2>/dev/null)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at start (other work on the machine slows every number)"
echo

if ((COLD)); then
  cold_home="$(mktemp -d "${TMPDIR:-/tmp}/marquee-cold.XXXXXX")"
  echo "## cold build (fresh MARQUEE_HOME, MARQUEE_IMAGES_FORCE=1)"
  t0=$(now_ms)
  if ! MARQUEE_HOME="$cold_home" MARQUEE_IMAGES_FORCE=1 "$HERE/build.sh" 2>"$cold_home/build.err" >/dev/null; then
    cat "$cold_home/build.err" >&2
    echo "measure: cold build failed" >&2
    exit 1
  fi
  t1=$(now_ms)
  grep -E '^images: [a-z]+: built' "$cold_home/build.err" | sed -E 's/^images: ([a-z]+): built (\S+) in (.*)$/  \1: \3  (\2)/'
  echo "  total: $(secs $((t1 - t0)))s (includes Kafka jar resolution and the Node tarball fetch)"
  rm -rf "$cold_home"
  echo
fi

echo "## warm rebuild (nothing changed)"
t0=$(now_ms)
"$HERE/build.sh" >/dev/null 2>&1
t1=$(now_ms)
echo "  total: $(secs $((t1 - t0)))s for all six"
echo

echo "## image sizes"
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^marquee/[a-z]+:local ' | sed 's/^/  /'
echo

echo "## start-to-ready (median of $RUNS; docker run -> service answers)"
script="$(mktemp "${TMPDIR:-/tmp}/marquee-measure.XXXXXX.mts")"
trap 'rm -f "$script"' EXIT
cat >"$script" <<EOF
import { execFileSync } from 'node:child_process';
import { freePort, startInfraContainers, sweepLeftoverContainers, waitUntilReady, type InfraService } from '$REPO/packages/platform-testing/src/containers.ts';

const runs = $RUNS;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number) => (ms / 1000).toFixed(2) + 's';
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const labels = ['--label', 'marquee.test=1', '--label', 'marquee.test.run=measure'];

async function once(service: InfraService): Promise<{ ready: number; restart?: number }> {
  const p = await freePort();
  const spec: Record<InfraService, { args: string[]; endpoint: string | string[] }> = {
    postgres: { args: ['-p', \`127.0.0.1:\${p}:5432\`], endpoint: \`postgres://postgres@127.0.0.1:\${p}/postgres\` },
    redis: { args: ['-p', \`127.0.0.1:\${p}:6379\`], endpoint: \`redis://127.0.0.1:\${p}\` },
    nats: { args: ['-p', \`127.0.0.1:\${p}:4222\`], endpoint: \`nats://127.0.0.1:\${p}\` },
    kafka: {
      args: ['-p', \`127.0.0.1:\${p}:\${p}\`, '-e', \`KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:\${p},CONTROLLER://127.0.0.1:9093\`,
        '-e', \`KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:\${p}\`],
      endpoint: [\`127.0.0.1:\${p}\`],
    },
  };
  const t0 = Date.now();
  const id = docker('run', '-d', ...labels, ...spec[service].args, \`marquee/\${service}:local\`);
  try {
    await waitUntilReady(service, spec[service].endpoint, 180_000);
    const ready = Date.now() - t0;
    let restart: number | undefined;
    if (service === 'kafka') {
      const t1 = Date.now();
      docker('kill', id);
      docker('start', id);
      await waitUntilReady(service, spec[service].endpoint, 180_000);
      restart = Date.now() - t1;
    }
    return { ready, restart };
  } finally {
    docker('rm', '-f', '-v', id);
  }
}

await sweepLeftoverContainers();
for (const service of ['postgres', 'redis', 'nats', 'kafka'] as InfraService[]) {
  const ready: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(service);
    ready.push(r.ready);
    if (r.restart !== undefined) restart.push(r.restart);
  }
  console.log(\`  \${service}: \${fmt(median(ready))}  (runs: \${ready.map(fmt).join(' ')})\`);
  if (restart.length) console.log(\`  kafka after SIGKILL + start: \${fmt(median(restart))}  (runs: \${restart.map(fmt).join(' ')})\`);
}
const node: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = Date.now();
  docker('run', '--rm', ...labels, 'marquee/node:local', 'node', '-e', '0');
  node.push(Date.now() - t0);
}
console.log(\`  node (run node -e 0 to exit): \${fmt(median(node))}  (runs: \${node.map(fmt).join(' ')})\`);
const all: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = Date.now();
  const infra = await startInfraContainers({ label: 'measure' });
  all.push(Date.now() - t0);
  await infra.stop();
}
console.log(\`  all four in parallel (startInfraContainers): \${fmt(median(all))}  (runs: \${all.map(fmt).join(' ')})\`);
EOF
(cd "$REPO" && node --import @marquee/platform-runtime/register "$script")
echo
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at end"
