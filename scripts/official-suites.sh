#!/usr/bin/env bash
# Runs the official over-the-wire test suites of the Socket.IO project against soket's conformance
# servers (examples/engineio-conformance, examples/socketio-conformance):
#   eio4  socketio/engine.io-protocol  test-suite/                         (Engine.IO v4)
#   sio5  socketio/socket.io-protocol  test-suite/                         (Socket.IO v5)
#   eio3  socketio/socket.io           docs/engine.io-protocol/v3-test-suite (Engine.IO v3, allowEIO3)
#
# The suites are not part of this repository. Give a checkout of each repository with
# --engineio-protocol/--socketio-protocol/--socketio DIR, or let the script clone them from GitHub
# (needs network access to github.com; they are cached in .cache/official-suites/).
# Each suite is copied to a temporary directory, pointed at a free port and given its npm packages
# (ws 8.16.0: the ws 8.5.0 the socket.io suite pins can lose a frame when two arrive in one read).
#
# Usage: scripts/official-suites.sh [--build-dir build/dev] [--only eio4,sio5,eio3] [--<repo> DIR]...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_dir=build/dev
only=eio4,sio5,eio3
declare -A checkout=()
while (($#)); do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --engineio-protocol) checkout[engine.io-protocol]=$(realpath "$2"); shift 2 ;;
    --socketio-protocol) checkout[socket.io-protocol]=$(realpath "$2"); shift 2 ;;
    --socketio) checkout[socket.io]=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "official-suites: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

repository_dir() {
  local name=$1
  if [[ -n ${checkout[$name]:-} ]]; then
    echo "${checkout[$name]}"
    return
  fi
  local cached=$root/.cache/official-suites/$name
  if [[ ! -d $cached/.git ]]; then
    mkdir -p "$(dirname "$cached")"
    echo "official-suites: cloning github.com/socketio/$name into $cached" >&2
    if ! git clone -q --depth 1 "https://github.com/socketio/$name.git" "$cached" >&2; then
      echo "official-suites: cannot clone socketio/$name; pass --${name//./} DIR with a checkout" >&2
      exit 2
    fi
  fi
  echo "$cached"
}

# A free port below the ephemeral range (32768+), where outgoing connections could take it.
free_port() {
  /usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randint(20000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
}

wait_for_port() {
  local port=$1
  for _ in $(seq 1 100); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "official-suites: the server did not listen on port $port" >&2
  return 1
}

cmake --build "$build_dir" --target engineio-conformance socketio-conformance >/dev/null

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

declare -A result=()
run_suite() {
  local key=$1 repo=$2 subdir=$3 server=$4
  shift 4
  local source
  source=$(repository_dir "$repo")/$subdir
  [[ -f $source/test-suite.js ]] || { echo "official-suites: no test-suite.js in $source" >&2; exit 2; }
  local dir=$work/$key
  cp -r "$source" "$dir"
  rm -rf "$dir/node_modules"
  local port
  port=$(free_port)
  sed -i "s/localhost:3000/localhost:$port/g" "$dir/test-suite.js"
  echo "== $key: $repo/$subdir against $server on port $port"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null &&
    npm install --no-audit --no-fund --loglevel=error ws@8.16.0 >/dev/null)
  "$build_dir/examples/$server/$server" --host 127.0.0.1 --port "$port" "$@" >"$dir/server.log" 2>&1 &
  server_pid=$!
  wait_for_port "$port"
  if (cd "$dir" && npx mocha --exit test-suite.js); then result[$key]=passed; else result[$key]=FAILED; fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

IFS=, read -r -a wanted <<<"$only"
for key in "${wanted[@]}"; do
  case $key in
    eio4) run_suite eio4 engine.io-protocol test-suite engineio-conformance ;;
    sio5) run_suite sio5 socket.io-protocol test-suite socketio-conformance ;;
    eio3) run_suite eio3 socket.io docs/engine.io-protocol/v3-test-suite engineio-conformance --allow-eio3 ;;
    *) echo "official-suites: unknown suite '$key' (eio4, sio5, eio3)" >&2; exit 2 ;;
  esac
done

status=0
echo "== official suites"
for key in "${wanted[@]}"; do
  echo "  $key: ${result[$key]}"
  [[ ${result[$key]} == passed ]] || status=1
done
exit $status
