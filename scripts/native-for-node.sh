#!/usr/bin/env bash
# Prints the path of better-sqlite3's addon built for the Node.js in folder $1 (as printed by
# scripts/node-from-registry.sh), building it once into the cache with that Node's own headers: the
# machine's ~/.npmrc points `nodedir` at Node 20's, and an addon built against those does not load
# under Node 24 (NODE_MODULE_VERSION mismatch).
set -euo pipefail
home="${1:?usage: native-for-node.sh <node folder>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
package="$root/node_modules/better-sqlite3"
cache="${FLOWTEL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flowtel-node}"
version="$(node -p "require('$package/package.json').version")"
abi="$("$home/bin/node" -p process.versions.modules)"
addon="$cache/better-sqlite3-$version-abi$abi/better_sqlite3.node"
if [[ ! -f "$addon" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "$package/." "$work"
  rm -rf "$work/build"
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  (cd "$work" && PATH="$home/bin:$PATH" npm_config_nodedir="$home" \
    "$home/bin/node" "$gyp" rebuild --release --nodedir="$home" --jobs=2 >&2)
  mkdir -p "$(dirname "$addon")"
  cp "$work/build/Release/better_sqlite3.node" "$addon"
fi
echo "$addon"
