#!/usr/bin/env bash
# Installs the Debian packages that tests need and the npm registry cannot give: Prometheus (prometheus,
# promtool) for the dashboard and scrape-config proofs under test/grafana, and Chromium (/usr/bin/chromium),
# which playwright-core drives headless for the run UI's end-to-end tests under test/ui. Idempotent (does nothing when
# every package is already installed), quiet and non-interactive; safe to run before every test run.
set -euo pipefail

packages=(prometheus chromium fonts-liberation)

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
# Another install on this machine may hold dpkg's lock for a while: wait for it rather than fail.
lock_wait=(-o DPkg::Lock::Timeout=300)
$sudo apt-get "${lock_wait[@]}" update -qq >/dev/null
# --no-install-recommends: prometheus recommends the node exporter and other daemons the tests never use,
# chromium a desktop's worth of fonts, sandbox helpers and drivers that headless runs do without.
$sudo apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
