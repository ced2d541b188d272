#!/usr/bin/env bash
# A long fuzzing campaign: each target runs on its persistent corpus (DIR/<fuzzer>/, seeded once
# from fuzz/corpus/) until its executions there add up to GOAL, JOBS targets at a time, the one
# with the most time left first. A target's total so far is kept in DIR/<fuzzer>.executions
# ("<executions> <seconds>"), so a campaign can be stopped (Ctrl-C: what ran counts) and
# continued. A run that stops on a report (crash, leak, UBSan, broken round trip) adds nothing and
# fails the campaign; its input is kept in build/fuzz/fuzz/artifacts/ (next to --bin). After
# fixing a target's code, delete its .executions file: the count is for the code as it is now.
# See docs/fuzzing.md.
# Usage: scripts/fuzz-campaign.sh [--goal N] [--jobs J] [--max-seconds S] [--dir DIR]
#                                 [--no-build] [--bin DIR] [NAME_REGEX]
# (--bin: where the fuzzers are, default build/fuzz/fuzz/bin; --no-build: do not build them)
set -euo pipefail
cd "$(dirname "$0")/.."

goal=10000000 jobs=2 max_seconds=86400 dir=$PWD/build/fuzz/campaign build=1 filter=.
bin=$PWD/build/fuzz/fuzz/bin
while (($#)); do
  case $1 in
    --goal) goal=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --dir) dir=$(realpath -m "$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    --bin) bin=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz-campaign.sh: unknown option $1" >&2; exit 2 ;;
    *) filter=$1; shift ;;
  esac
done
for n in "$goal" "$jobs" "$max_seconds"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "fuzz-campaign.sh: not a positive number: $n" >&2; exit 2; }
done

if ((build)); then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$(nproc)"
fi
artifacts=$(dirname "$bin")/artifacts
mkdir -p "$dir"

# One target: run it for what is left of the goal and add what it did to its ledger.
run_one() {
  local fuzzer=$1 name=${1#fuzz_} ledger=$dir/$1.executions done=0 spent=0
  [[ -f $ledger ]] && read -r done spent <"$ledger"
  local left=$((goal - done))
  if ((left <= 0)); then
    echo "$fuzzer: $done executions already, goal $goal reached"
    return 0
  fi
  local dict=$PWD/fuzz/dict/$name.dict
  [[ -f $dict ]] || dict=""
  local out status
  out=$(SOKET_FUZZ_SECONDS=$max_seconds SOKET_FUZZ_RUNS=$left SOKET_FUZZ_KEEP=$dir \
        SOKET_FUZZ_TIMEOUT=${SOKET_FUZZ_TIMEOUT:-30} \
        fuzz/run_target.sh "$bin/$fuzzer" "fuzz/corpus/$name" "$artifacts" "$dict")
  status=$?
  echo "$out"
  # 72: libFuzzer was interrupted (SIGINT, Ctrl-C); what it ran until then counts.
  ((status == 0 || status == 72)) || return 255  # 255 makes xargs stop handing out targets
  local execs seconds
  execs=$(sed -n 's/^[^:]*: \([0-9]*\) executions in \([0-9]*\)s.*/\1/p' <<<"${out%%$'\n'*}")
  seconds=$(sed -n 's/^[^:]*: \([0-9]*\) executions in \([0-9]*\)s.*/\2/p' <<<"${out%%$'\n'*}")
  [[ -n $execs ]] || { echo "$fuzzer: no execution count in its summary" >&2; return 255; }
  echo "$((done + execs)) $((spent + seconds))" >"$ledger"
  echo "$fuzzer: $((done + execs)) of $goal executions in all"
  ((status == 0)) || { echo "$fuzzer: interrupted"; return 255; }
}
export -f run_one
export goal dir bin artifacts max_seconds

# The most time left first (from each ledger's rate; targets without one are taken as slowest).
mapfile -t targets < <(
  for f in "$bin"/fuzz_*; do
    fuzzer=$(basename "$f")
    [[ $fuzzer =~ $filter ]] || continue
    done=0 spent=0
    [[ -f $dir/$fuzzer.executions ]] && read -r done spent <"$dir/$fuzzer.executions"
    if ((done > 0)); then echo "$(((goal - done) * spent / done)) $fuzzer"; else echo "999999999 $fuzzer"; fi
  done | sort -rn | cut -d' ' -f2)
((${#targets[@]})) || { echo "fuzz-campaign.sh: no fuzzer in $bin matches '$filter'" >&2; exit 2; }

echo "== fuzz campaign: ${#targets[@]} targets to $goal executions each, $jobs at a time, corpora in $dir =="
status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {} || status=1

echo "== totals =="
for fuzzer in "${targets[@]}"; do
  done=0 spent=0
  [[ -f $dir/$fuzzer.executions ]] && read -r done spent <"$dir/$fuzzer.executions"
  files=0  # a ledger may come without its corpus (counted on another machine)
  [[ -d $dir/$fuzzer ]] && files=$(find "$dir/$fuzzer" -type f | wc -l)
  printf '%-22s %12s executions %7ss  corpus %5s files\n' "$fuzzer" "$done" "$spent" "$files"
done
exit $status
