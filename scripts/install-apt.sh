#!/usr/bin/env bash
# Installs the Debian packages that tests need and the npm registry cannot give: Prometheus (prometheus,
# promtool) for the dashboard and scrape-config proofs under test/grafana. Idempotent (does nothing when
# every package is already installed), quiet and non-interactive; safe to run before every test run.
set -euo pipefail

packages=(prometheus)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=''
[[ $(id -u) -ne 0 ]] && sudo='sudo'
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# --no-install-recommends: prometheus recommends the node exporter and other daemons the tests never use.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
