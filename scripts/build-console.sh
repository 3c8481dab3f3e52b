#!/usr/bin/env bash
# Build the operations console into src/syncgql/static/console/assets/.
#
# Like build-graphiql.sh: `npm ci` only when package-lock.json changed, the build only when its
# inputs changed (a stamp records their hash). Before building, the operation types are
# regenerated from schema.graphql by GraphQL Code Generator and the console is type-checked.
# Usage: scripts/build-console.sh [--force] [--check]
#   --check  fail (exit 1) when the committed src/generated/graphql.ts differs from what
#            codegen makes of today's schema.graphql and operations (CI's drift check).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
front="$root/frontend/console"
out="$root/src/syncgql/static/console/assets"
generated="$front/src/generated/graphql.ts"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-console: '$tool' is not installed (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
  fi
done

force=0
check=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --check) check=1 ;;
    *) echo "build-console: unknown option $arg (use --force, --check)" >&2; exit 2 ;;
  esac
done

lock_hash="$(sha256sum "$front/package-lock.json" | cut -d' ' -f1)"
install_stamp="$front/node_modules/.syncgql-install-stamp"
if [[ $force == 1 || ! -f "$install_stamp" || "$(cat "$install_stamp")" != "$lock_hash" ]]; then
  echo "build-console: npm ci in frontend/console"
  (cd "$front" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$install_stamp"
fi

# Inputs of codegen and of the bundle; one hash decides whether anything needs doing.
inputs_hash="$(cd "$front" && cat "$root/schema.graphql" package-lock.json build.mjs codegen.ts \
  tsconfig.json $(find src -type f | sort) | sha256sum | cut -d' ' -f1)"
build_stamp="$out/.build-stamp"
if [[ $force == 0 && -f "$build_stamp" && -f "$out/manifest.json" \
      && "$(cat "$build_stamp")" == "$inputs_hash" ]]; then
  echo "build-console: assets and generated types are up to date ($out)"
  exit 0
fi

if [[ $check == 1 ]]; then
  fresh="$(mktemp -d)"
  trap 'rm -rf "$fresh"' EXIT
  cp "$generated" "$fresh/committed.ts"
  # The local bins, not npx: the Node that scripts/run installs from PyPI ships node and npm only.
  (cd "$front" && ./node_modules/.bin/graphql-codegen --config codegen.ts --silent)
  if ! cmp -s "$generated" "$fresh/committed.ts"; then
    cp "$generated" "$fresh/regenerated.ts"
    cp "$fresh/committed.ts" "$generated"  # leave the tree as it was
    echo "build-console: frontend/console/src/generated/graphql.ts is out of date with" >&2
    echo "schema.graphql or src/operations.graphql; run scripts/build-console.sh and commit it:" >&2
    diff -u "$fresh/committed.ts" "$fresh/regenerated.ts" | head -n 40 >&2 || true
    exit 1
  fi
else
  (cd "$front" && ./node_modules/.bin/graphql-codegen --config codegen.ts --silent)
fi
(cd "$front" && ./node_modules/.bin/tsc --noEmit)
(cd "$front" && node build.mjs "$out")
# Hash again: codegen may have rewritten src/generated (a drift fixed without --check).
inputs_hash="$(cd "$front" && cat "$root/schema.graphql" package-lock.json build.mjs codegen.ts \
  tsconfig.json $(find src -type f | sort) | sha256sum | cut -d' ' -f1)"
echo "$inputs_hash" >"$build_stamp"
