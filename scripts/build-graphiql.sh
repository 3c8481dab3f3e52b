#!/usr/bin/env bash
# Build the offline GraphiQL bundle into src/syncgql/static/graphiql/assets/.
#
# Needs node >= 18 and npm. Idempotent and fast when nothing changed: `npm ci` runs only when
# package-lock.json changed since the last install, and the build only when the lock file, the
# entry file or the build config changed since the last build (a stamp file records their hash).
# Usage: scripts/build-graphiql.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
front="$root/frontend/graphiql"
out="$root/src/syncgql/static/graphiql/assets"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-graphiql: '$tool' is not installed (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
  fi
done

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; fi

lock_hash="$(sha256sum "$front/package-lock.json" | cut -d' ' -f1)"
install_stamp="$front/node_modules/.syncgql-install-stamp"
if [[ $force == 1 || ! -f "$install_stamp" || "$(cat "$install_stamp")" != "$lock_hash" ]]; then
  echo "build-graphiql: npm ci in frontend/graphiql"
  (cd "$front" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$install_stamp"
fi

build_hash="$(cat "$front/package-lock.json" "$front/build.mjs" "$front"/src/* | sha256sum | cut -d' ' -f1)"
build_stamp="$out/.build-stamp"
if [[ $force == 0 && -f "$build_stamp" && -f "$out/manifest.json" \
      && "$(cat "$build_stamp")" == "$build_hash" ]]; then
  echo "build-graphiql: assets are up to date ($out)"
  exit 0
fi

(cd "$front" && node build.mjs "$out")
echo "$build_hash" >"$build_stamp"
