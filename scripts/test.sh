#!/usr/bin/env bash
# Installs everything, builds soket (optimised, then with ASan + UBSan) and runs every test suite:
# unit tests, integration tests with the official clients, browser tests and a benchmark smoke run;
# then the multi-threaded code's tests under ThreadSanitizer (preset tsan: its filter picks them)
# and a short run of every fuzz target (scripts/fuzz.sh, clang-16 with ASan + UBSan).
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# A fresh clone elsewhere still hits the compiler cache.
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=5G

jobs=$(nproc)
status=0
for preset in dev asan tsan; do
  echo "== build ($preset) =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done
# A test that fails in the parallel run is run once more, alone. If it passes then, the run stays
# green but the test is named as flaky, here and at the end, with why it failed the first time:
# a timing-sensitive test starved by its neighbours is not a broken product, and a real fault fails
# both times.
flaky=()
run_tests() {
  local preset=$1 temp="build/$1/Testing/Temporary"
  echo "== tests ($preset) =="
  ctest --preset "$preset" -j "$jobs" && return 0
  [[ -s "$temp/LastTestsFailed.log" ]] || return 1
  cp "$temp/LastTestsFailed.log" "$temp/FirstRunFailed.log"
  python3 scripts/failure_digest.py "build/$preset" > "$temp/FirstRunDigest.txt" || true
  echo "== tests ($preset): the failed ones once more, alone =="
  ctest --preset "$preset" -j 1 --rerun-failed || return 1
  while IFS=: read -r _ name; do flaky+=("$preset $name"); done < "$temp/FirstRunFailed.log"
  echo "== flaky ($preset): failed in the parallel run, passed alone; the first run's digest: =="
  cat "$temp/FirstRunDigest.txt"
}
for preset in dev asan tsan; do
  run_tests "$preset" || status=1
done
# Every fuzz target for 30 s (two at a time: about 4.5 min for the 18 targets).
scripts/fuzz.sh 30 || status=1
# A failed run ends with what failed and why, not only ctest's list of names.
if [[ $status -ne 0 ]]; then
  python3 scripts/failure_digest.py build/dev build/asan build/tsan build/fuzz || true
fi
for name in "${flaky[@]}"; do
  echo "== flaky: $name (failed in the parallel run, passed alone; see its digest above)"
done
exit $status
