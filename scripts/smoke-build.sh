#!/usr/bin/env bash
# Runs the built CLI (dist/, no tsx preloaded, default export conditions) on a TypeScript flow in a
# CommonJS user project that has flowtel in its node_modules: what a user gets from `npx flowtel run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
cp "$root/test/cli/fixtures/cjs-project/package.json" "$root/test/cli/fixtures/cjs-project/flow.ts" "$project/"
mkdir -p "$project/node_modules"
ln -s "$root" "$project/node_modules/flowtel"
cd "$project"
out=$(OTEL_TRACES_EXPORTER=none OTEL_LOGS_EXPORTER=none OTEL_METRICS_EXPORTER=none FLOWTEL_ALERTING=off \
  node "$root/dist/cli/bin.js" run flow.ts --param name=ci)
echo "$out"
grep -q 'flow cjs-hello Completed' <<<"$out"
echo "smoke: the built CLI ran a TypeScript flow from a CommonJS project"
