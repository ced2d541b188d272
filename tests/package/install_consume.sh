#!/usr/bin/env bash
# package.install_consume: see CMakeLists.txt. Usage: install_consume.sh BUILD_DIR SOURCE_DIR NODE
set -euo pipefail
build=$1 source=$2 node=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/soket-package.XXXXXX")
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
prefix=$work/prefix

echo "== cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/soket include/soket/version.hpp include/soket/socketio/server.hpp \
         lib/libsoket_socketio.a lib/cmake/soket/soketConfig.cmake lib/pkgconfig/soket.pc; do
  [[ -e $prefix/$f ]] || { echo "FAIL: $f was not installed"; exit 1; }
done
"$prefix/bin/soket" --version | grep -qx "soket [0-9]*\.[0-9]*\.[0-9]*" ||
  { echo "FAIL: soket --version: $("$prefix/bin/soket" --version)"; exit 1; }

echo "== examples/standalone with find_package(soket)"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cp -r "$source/examples/standalone" "$work/standalone"  # outside the tree, as a user's project
cmake -S "$work/standalone" -B "$work/standalone/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" >/dev/null
cmake --build "$work/standalone/build" >/dev/null

echo "== a program built with pkg-config"
cat >"$work/codec.cpp" <<'CPP'
#include <cstdio>
#include "soket/socketio/packet.hpp"
#include "soket/version.hpp"
int main() {
  soket::socketio::Packet packet;
  packet.type = soket::socketio::PacketType::event;
  packet.data = boost::json::array{"hello", 1};
  auto frames = soket::socketio::encode(packet, soket::socketio::Parser::json).frames;
  std::printf("%s %s\n", soket::version, frames.at(0).bytes->c_str());
}
CPP
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
c++ "$work/codec.cpp" -o "$work/codec" $(pkg-config --cflags --libs soket)
out=$("$work/codec")
[[ $out == *' 42["hello",1]' ]] || { echo "FAIL: the pkg-config program printed: $out"; exit 1; }
echo "$out"

echo "== the standalone server with the official client"
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 12000))
  "$work/standalone/build/rooms-server" "$port" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    grep -q "listening on" "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "listening on" "$work/server.log" && break
  server_pid=
done
[[ -n $server_pid ]] || { echo "FAIL: rooms-server did not start: $(cat "$work/server.log")"; exit 1; }
NODE_PATH=$source/node_modules "$node" "$source/tests/package/rooms_client.mjs" "http://127.0.0.1:$port"
kill "$server_pid"
wait "$server_pid" || { echo "FAIL: rooms-server exited with $? on SIGTERM"; exit 1; }
server_pid=
echo "ok"
