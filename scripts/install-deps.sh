#!/usr/bin/env bash
# Installs everything soket needs to build, run and test on Debian 12: Debian packages (apt) and the
# npm packages pinned in package-lock.json. Safe to run again; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-client-15 libspdlog-dev libcli11-dev libtomlplusplus-dev libcrypt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  redis-server libhiredis-dev libmsgpuck-dev haproxy zlib1g-dev libssl-dev openssl
  clang-16 libclang-rt-16-dev libfuzzer-16-dev
  nodejs npm
  python3 python3-socketio python3-websocket python3-requests python3-msgpack
  chromium
  netcat-openbsd util-linux procps iproute2
  doxygen
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from a non-Debian repack that already provides npm; do not fight it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: the official socket.io client (served and used in tests) and friends.
# A stamp with the lock file's hash: npm itself may touch node_modules/.package-lock.json, so
# modification times alone can miss a changed lock file.
npm_ci_if_changed() {
  local dir=$1
  local stamp="$dir/node_modules/.soket-lock-sha256"
  local hash
  hash=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ ! -d "$dir/node_modules" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    echo "$hash" >"$stamp"
  fi
}
npm_ci_if_changed .
# The Node socket.io reference app of the benchmarks (bench/node).
if [[ -f bench/node/package-lock.json ]]; then npm_ci_if_changed bench/node; fi
# The dashboard's packages (TypeScript, esbuild, socket.io-client, uPlot, playwright-core).
npm_ci_if_changed web
