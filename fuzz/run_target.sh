#!/usr/bin/env bash
# Runs one libFuzzer target (ctest test fuzz.<name>) for $SOKET_FUZZ_SECONDS seconds (default 30)
# on a temporary copy of its seed corpus, so the repository is not modified. Crashes, leaks and
# UBSan reports make it fail; the crashing input is kept in <artifacts>/. Prints one summary line.
# Usage: run_target.sh <fuzzer> <seed corpus dir> <artifacts dir> [dictionary]
set -uo pipefail
fuzzer=$1 seeds=$2 artifacts=$3 dict=${4:-}
name=$(basename "$fuzzer")
seconds=${SOKET_FUZZ_SECONDS:-30}

work=$(mktemp -d "${TMPDIR:-/tmp}/soket-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
[[ -d "$seeds" ]] && cp -r "$seeds/." "$work/corpus/"
seed_count=$(find "$work/corpus" -type f | wc -l)

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
      -print_final_stats=1 -artifact_prefix="$artifacts/$name-")
[[ -n "$dict" ]] && args+=(-dict="$dict")
# ASan: leaks count; UBSan: any report aborts (the code is also built with -fno-sanitize-recover).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

"$fuzzer" "${args[@]}" "$work/corpus" >"$work/log" 2>&1
status=$?
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
corpus=$(find "$work/corpus" -type f | wc -l)
if ((status == 0)); then result=ok; else result="FAILED (exit $status)"; fi
printf '%s: %s executions in %ss, corpus %s -> %s files, %s\n' \
  "$name" "${execs:-?}" "$seconds" "$seed_count" "$corpus" "$result"
if ((status != 0)); then
  # The report: the sanitizer's or libFuzzer's own, without the progress lines.
  grep -v '^#[0-9]' "$work/log" | tail -60
fi
exit $status
