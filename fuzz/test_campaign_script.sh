#!/usr/bin/env bash
# ctest fuzz.campaign_script: scripts/fuzz-campaign.sh adds a target's executions up to the goal
# across runs, does nothing once the goal is reached, keeps the corpus, and refuses bad options.
# Usage: test_campaign_script.sh <directory of the fuzzers>
set -uo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/soket-campaign-test.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
campaign() { scripts/fuzz-campaign.sh --no-build --bin "$bin" --dir "$dir" "$@" '^fuzz_eio_packet$'; }
ledger() { read -r done spent <"$dir/fuzz_eio_packet.executions" && echo "$done"; }

campaign --goal 3000 >"$dir/out1" 2>&1 || { cat "$dir/out1"; fail "first run"; }
first=$(ledger) || fail "no ledger after the first run"
((first >= 3000 && first < 4000)) || fail "first run: $first executions for a goal of 3000"
[[ -n $(ls -A "$dir/fuzz_eio_packet") ]] || fail "the corpus was not kept"

campaign --goal 3000 >"$dir/out2" 2>&1 || { cat "$dir/out2"; fail "second run"; }
grep -q "goal 3000 reached" "$dir/out2" || { cat "$dir/out2"; fail "second run ran again"; }
(($(ledger) == first)) || fail "second run changed the count"

campaign --goal 6000 >"$dir/out3" 2>&1 || { cat "$dir/out3"; fail "third run"; }
third=$(ledger)
((third >= 6000 && third < 7000)) || fail "third run: $third executions in all for a goal of 6000"
grep -q "fuzz_eio_packet .* $third executions" "$dir/out3" || { cat "$dir/out3"; fail "no total line"; }

# A ledger without its corpus (the count was made on another machine): reached, and reported.
mv "$dir/fuzz_eio_packet" "$dir/corpus-elsewhere"
campaign --goal 6000 >"$dir/out3b" 2>&1 || { cat "$dir/out3b"; fail "a ledger without a corpus"; }
grep -q "fuzz_eio_packet .* $third executions .* 0 files" "$dir/out3b" ||
  { cat "$dir/out3b"; fail "no total line for a ledger without a corpus"; }

scripts/fuzz-campaign.sh --no-build --bin "$bin" --goal -5 >/dev/null 2>&1
(($? == 2)) || fail "a negative goal was not refused with exit 2"
scripts/fuzz-campaign.sh --no-build --bin "$bin" --dir "$dir" no_such_target >/dev/null 2>&1
(($? == 2)) || fail "an unmatched target filter was not refused with exit 2"
# A fuzzer that stops on a report: the campaign fails and counts nothing for it.
mkdir -p "$dir/bin"
printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: heap-buffer-overflow (stand-in)"\nexit 1\n' \
  >"$dir/bin/fuzz_stand_in"
chmod +x "$dir/bin/fuzz_stand_in"
scripts/fuzz-campaign.sh --no-build --bin "$dir/bin" --dir "$dir" --goal 1000 >"$dir/out4" 2>&1
(($? == 1)) || { cat "$dir/out4"; fail "a fuzzer's report did not fail the campaign"; }
grep -q "heap-buffer-overflow (stand-in)" "$dir/out4" || { cat "$dir/out4"; fail "the report was not shown"; }
[[ ! -e $dir/fuzz_stand_in.executions ]] || fail "a failed run was counted"
# An interrupted fuzzer (libFuzzer exits 72 on SIGINT): what it ran counts, the campaign stops.
printf '#!/bin/sh\necho "stat::number_of_executed_units: 1234"\nexit 72\n' >"$dir/bin/fuzz_stand_in"
scripts/fuzz-campaign.sh --no-build --bin "$dir/bin" --dir "$dir" --goal 1000000 >"$dir/out5" 2>&1
(($? == 1)) || { cat "$dir/out5"; fail "an interrupted run did not stop the campaign"; }
read -r counted _ <"$dir/fuzz_stand_in.executions" || fail "an interrupted run was not counted"
((counted == 1234)) || fail "an interrupted run counted $counted, not 1234"
echo "campaign script: ok ($first, then $third executions)"
