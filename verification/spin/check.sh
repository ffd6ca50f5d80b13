#!/usr/bin/env bash
# Model-checks full_flag.pml exhaustively: safety (assertions, invalid end
# states) of the claim/free/full-flag protocol with 3 clients, then with 2
# clients and a concurrent Stop, and progress (no non-progress cycle: some
# Begin or End always returns) with the Stop; then each seeded mutant, which
# must produce an error. Prints states and verdicts; exits 1 if the model
# fails or a mutant passes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# $1: "safety" or "progress"; the rest: -D flags for spin. Prints
# "errors N, states S".
run() {
  local mode=$1
  shift
  spin "$@" -a "$here/full_flag.pml" >/dev/null
  if [[ $mode == safety ]]; then
    gcc -O2 -DSAFETY -w -o pan pan.c
    ./pan -m1000000 2>&1
  else
    gcc -O2 -DNP -DCOLLAPSE -w -o pan pan.c
    ./pan -l -m1000000 2>&1
  fi | awk '/errors:/ {e=$NF} /states, stored/ {s=$1}
    END {printf "errors %s, states %s\n", e, s}'
}
expect_pass() {  # $1: label, the rest: run's arguments
  local label=$1
  shift
  local result
  result=$(run "$@")
  echo "$label: $result"
  [[ $result == "errors 0,"* ]] || { echo "$label FAILED"; exit 1; }
}
expect_caught() {
  local label=$1
  shift
  local result
  result=$(run "$@")
  echo "$label: $result"
  [[ $result != "errors 0,"* ]] || { echo "$label was NOT caught"; exit 1; }
}
expect_pass "model, 3 clients (safety)" safety
expect_pass "model, 2 clients + Stop (safety)" safety -DWITH_STOP
expect_pass "model, 3 clients (progress)" progress
expect_pass "model, 2 clients + Stop (progress)" progress -DWITH_STOP
expect_caught "mutant MUTANT_NO_CLEAR" safety -DMUTANT_NO_CLEAR
expect_caught "mutant MUTANT_ONE_COLLECT" safety -DMUTANT_ONE_COLLECT
expect_caught "mutant MUTANT_IGNORE_CLOSED" safety -DWITH_STOP \
  -DMUTANT_IGNORE_CLOSED
expect_caught "mutant MUTANT_RETRY_FOREVER" progress -DMUTANT_RETRY_FOREVER
echo "spin: model verified (safety and progress), 4 of 4 mutants caught"
