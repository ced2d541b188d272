#!/usr/bin/env bash
# Runs one libFuzzer target (ctest test fuzz.<name>) for $SOKET_FUZZ_SECONDS seconds (default 30)
# on a temporary copy of its seed corpus, so the repository is not modified. Crashes, leaks and
# UBSan reports make it fail; the crashing input is kept in <artifacts>/. Prints one summary line.
# For a long campaign: SOKET_FUZZ_RUNS=N stops after N executions (if the time is not up first),
# SOKET_FUZZ_KEEP=<dir> keeps the corpus in <dir>/<name>/ (seeded once, grown run after run), and
# SOKET_FUZZ_TIMEOUT=S raises the 10 s per input (a niced campaign on a busy machine can stall).
# Usage: run_target.sh <fuzzer> <seed corpus dir> <artifacts dir> [dictionary]
set -uo pipefail
fuzzer=$1 seeds=$2 artifacts=$3 dict=${4:-}
name=$(basename "$fuzzer")
seconds=${SOKET_FUZZ_SECONDS:-30}

work=$(mktemp -d "${TMPDIR:-/tmp}/soket-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
corpus_dir=$work/corpus
if [[ -n "${SOKET_FUZZ_KEEP:-}" ]]; then
  corpus_dir=$SOKET_FUZZ_KEEP/$name
  [[ -d "$corpus_dir" ]] || { mkdir -p "$corpus_dir" && cp -r "$seeds/." "$corpus_dir/"; }
else
  mkdir -p "$corpus_dir"
  [[ -d "$seeds" ]] && cp -r "$seeds/." "$corpus_dir/"
fi
seed_count=$(find "$corpus_dir" -type f | wc -l)

args=(-max_total_time="$seconds" -timeout="${SOKET_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len=65536
      -print_final_stats=1 -artifact_prefix="$artifacts/$name-")
[[ -n "$dict" ]] && args+=(-dict="$dict")
[[ -n "${SOKET_FUZZ_RUNS:-}" ]] && args+=(-runs="$SOKET_FUZZ_RUNS")
# ASan: leaks count; UBSan: any report aborts (the code is also built with -fno-sanitize-recover).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
# Stack traces with function names and lines, when a symbolizer is installed.
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]]; then
  for s in llvm-symbolizer-16 llvm-symbolizer; do
    if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
  done
fi

start=$SECONDS
"$fuzzer" "${args[@]}" "$corpus_dir" >"$work/log" 2>&1
status=$?
elapsed=$((SECONDS - start))
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)
corpus=$(find "$corpus_dir" -type f | wc -l)
if ((status == 0)); then result=ok; else result="FAILED (exit $status)"; fi
printf '%s: %s executions in %ss, corpus %s -> %s files, %s\n' \
  "$name" "${execs:-?}" "$elapsed" "$seed_count" "$corpus" "$result"
if ((status != 0)); then
  # The report: the sanitizer's or libFuzzer's own, without the progress lines.
  grep -v '^#[0-9]' "$work/log" | tail -60
fi
exit $status
