#!/usr/bin/env bash
# Builds the Relacy checks of the real core (slot_pool_relacy.cc) and runs
# them: every model test must pass and every seeded mutant must fail; known
# defects of the core are reported without failing the check. Prints one
# line per run (verdict, schedules explored, seconds, search, role), then
# the build and run times, and exits 1 on an unexpected result. Needs
# relacy-dev (scripts/setup.sh installs it). An argument runs only the
# tests whose names contain it. RELACY_SHARDS (default: the number of
# cores) processes share the runs; failing schedules go to
# $RELACY_LOG.<shard> when RELACY_LOG is set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
# -w: Relacy's own headers warn a lot. -fno-sized-deallocation: Relacy
# replaces operator new and the unsized operator delete only.
g++ -std=c++20 -O1 -fno-sized-deallocation -w \
  -I"$root/src" -I"$root/include" -I"$root/verification/relacy" \
  "$root/verification/relacy/slot_pool_relacy.cc" "$root/src/error.cc" \
  -o "$work/relacy_check"
built=$SECONDS
# The runs are spread over RELACY_SHARDS processes (default: one a core),
# each the k-th of every n runs; their lines are printed shard by shard,
# then one verdict for all.
shards=${RELACY_SHARDS:-$(nproc)}
log=${RELACY_LOG:-$work/relacy.log}
declare -a pids=()
for ((k = 0; k < shards; k++)); do
  RELACY_SHARD="$k/$shards" RELACY_LOG="$log.$k" \
    "$work/relacy_check" "$@" >"$work/shard$k.out" 2>&1 &
  pids+=($!)
done
status=0
for ((k = 0; k < shards; k++)); do
  wait "${pids[k]}" || status=1
done
wrong=0 caught=0 mutants=0 defects=0
for ((k = 0; k < shards; k++)); do
  grep -v '^relacy shard: ' "$work/shard$k.out" || true
  summary=$(grep '^relacy shard: ' "$work/shard$k.out" || true)
  if [[ $summary =~ ^relacy\ shard:\ (model\ verified|UNEXPECTED\ RESULT)\ \(([0-9]+)\ of\ ([0-9]+)\ mutants\ caught\;\ ([0-9]+)\ known ]]; then
    [[ ${BASH_REMATCH[1]} == "model verified" ]] || wrong=1
    caught=$((caught + BASH_REMATCH[2]))
    mutants=$((mutants + BASH_REMATCH[3]))
    defects=$((defects + BASH_REMATCH[4]))
  else
    echo "relacy: shard $k/$shards printed no verdict"
    wrong=1
  fi
done
if ((wrong != 0)); then status=1; fi
verdict="model verified"
if ((status != 0)); then verdict="UNEXPECTED RESULT"; fi
plural=s
if ((defects == 1)); then plural=""; fi
echo "relacy: ${verdict} (${caught} of ${mutants} mutants caught;" \
  "${defects} known defect${plural} reproduced)"
echo "relacy: built in $((built - start)) s, ran in $((SECONDS - built)) s" \
  "(${shards} shards)"
exit "$status"
