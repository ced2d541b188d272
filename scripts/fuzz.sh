#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang-16, ASan + UBSan) and runs each one for
# SECONDS seconds (default 30) on a temporary copy of its seed corpus in fuzz/corpus/, two at a
# time. Fails on any crash, leak, UBSan report or broken round trip; prints one summary line per
# target (executions, corpus size, result) and ctest's summary. See docs/fuzzing.md.
# Usage: scripts/fuzz.sh [SECONDS] [ctest -R regex]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
filter=${2:-}
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

echo "== build (fuzz) =="
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

echo "== fuzz: every target for ${seconds}s, two at a time =="
args=(--preset fuzz -j 2)
[[ -n "$filter" ]] && args+=(-R "$filter")
SOKET_FUZZ_SECONDS=$seconds ctest "${args[@]}"
