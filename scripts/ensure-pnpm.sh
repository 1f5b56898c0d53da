#!/usr/bin/env bash
# Makes the pinned pnpm (package.json "packageManager") runnable as `pnpm` and prints nothing else.
# corepack is tried first; registry mirrors without signatures need COREPACK_INTEGRITY_KEYS=0,
# and where corepack cannot help at all we fall back to npm installing the same pinned version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
have="$(pnpm --version 2>/dev/null || true)"
if [ "$have" = "$want" ]; then exit 0; fi
export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
if command -v corepack >/dev/null 2>&1 && corepack enable pnpm >/dev/null 2>&1 \
  && (cd "$root" && corepack pnpm --version >/dev/null 2>&1) \
  && [ "$(cd "$root" && pnpm --version 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "corepack could not provide pnpm@$want; installing it with npm" >&2
npm install -g --silent "pnpm@$want" >&2
[ "$(pnpm --version)" = "$want" ] || { echo "pnpm@$want is not on PATH after install" >&2; exit 1; }
