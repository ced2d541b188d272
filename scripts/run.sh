#!/usr/bin/env bash
# Installs everything, builds soket and starts it with the simulated village of the course's final
# task (street lamps per alley, light sensors, greenhouses). Open the dashboard URL it prints.
# Extra arguments go to `soket serve` (e.g. --http-port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release --target soket

exec build/release/src/soket/cli/soket serve --config config/village.toml --simulate "$@"
