#!/usr/bin/env bash
# Model-checks grow_units.pml: the design of a grow that serves the waiting
# callers without holding anybody up (not the code in src/; see the model's
# header). Safety (assertions and invalid end states) in each
# configuration, the grower running on or stopping for good after its
# linearization point (STALL), with and without deadlines (TIMEOUTS); the
# one configuration where a waiter sleeps beside room (HOLDER + STALL, no
# deadline: the documented limit) must end in an invalid end state; then
# each seeded mutant, which must be caught. Prints states and verdicts;
# exits 1 if a configuration fails or a mutant passes. About 4 minutes on
# this machine; SPIN_LARGE=1 adds 2 rounds per client (55.8 M states, about
# 8 minutes more, 8 GB of memory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# The arguments: -D flags for spin. Prints "errors N, states S [first error]".
run() {
  rm -f pan pan.c
  if ! spin "$@" -a "$here/grow_units.pml" >spin.out 2>&1; then
    echo "spin failed: $(head -c 300 spin.out)"
    return
  fi
  gcc "${opt:--O1}" -DSAFETY -DCOLLAPSE -DMEMLIM=8000 -w -o pan pan.c
  ./pan -m3000000 2>&1 |
    awk '/errors:/ {e=$NF} /states, stored/ {s=$1}
      /^pan:1: / && k == "" {k=$0; sub(/^pan:1: /, "", k); sub(/ \(at depth.*/, "", k)}
      END {printf "errors %s, states %s%s\n", e, s, (k == "" ? "" : " [" k "]")}'
}
expect_pass() {  # $1: label, the rest: run's arguments
  local label=$1 result
  shift
  result=$(run "$@")
  echo "$label: $result"
  [[ $result == "errors 0,"* ]] || { echo "$label FAILED"; exit 1; }
}
caught=0
# $1: what the first error must contain, $2: label, the rest: run's arguments.
expect_error() {
  local what=$1 label=$2 result
  shift 2
  result=$(opt=-O0 run "$@")
  echo "$label: $result"
  [[ $result != "spin failed"* ]] || exit 1
  [[ $result != "errors 0,"* ]] || { echo "$label: NO error"; exit 1; }
  [[ $result == *"$what"* ]] || { echo "$label: not by $what"; exit 1; }
}
expect_caught() {
  expect_error "$@"
  caught=$((caught + 1))
}
one=-DROUNDS=1
expect_pass "1 -> 2, holder, waiter, newcomer" $one
expect_pass "the same, grower stalls" $one -DSTALL
expect_pass "the same, deadlines" $one -DTIMEOUTS
expect_pass "the same, deadlines, grower stalls" $one -DTIMEOUTS -DSTALL
expect_pass "1 -> 3 (two units)" $one -DCAP1=3
expect_pass "1 -> 3, grower stalls, deadlines" $one -DCAP1=3 -DSTALL \
  -DTIMEOUTS
expect_pass "1 -> 2, two waiters" $one -DWAITERS=2
expect_pass "1 -> 2, two waiters, deadlines" $one -DWAITERS=2 -DTIMEOUTS
expect_pass "1 -> 3, two waiters, deadlines, grower stalls" $one -DCAP1=3 \
  -DWAITERS=2 -DTIMEOUTS -DSTALL
expect_pass "long-held session (HOLDER)" $one -DHOLDER
expect_pass "HOLDER, grower stalls, deadlines" $one -DHOLDER -DSTALL \
  -DTIMEOUTS
expect_error "invalid end state" \
  "HOLDER, grower stalls, no deadline (a waiter sleeps: the limit)" $one \
  -DHOLDER -DSTALL
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "1 -> 2, holder, waiter, newcomer, 2 rounds" -DROUNDS=2
fi
expect_caught "open>=cap" "mutant MUTANT_PROVER_IGNORES_UNITS" $one -DSTALL \
  -DMUTANT_PROVER_IGNORES_UNITS
expect_caught "cancelled" "mutant MUTANT_UNIT_SKIPS_QUEUE" $one \
  -DMUTANT_UNIT_SKIPS_QUEUE
expect_caught "" "mutant MUTANT_NO_RECORD" $one -DMUTANT_NO_RECORD
expect_caught "" "mutant MUTANT_CANCEL_USES_UNIT" $one -DTIMEOUTS \
  -DMUTANT_CANCEL_USES_UNIT
expect_caught "i>=c0" "mutant MUTANT_LEAVE_IGNORES_UNITS" $one -DTIMEOUTS \
  -DSTALL -DMUTANT_LEAVE_IGNORES_UNITS
echo "spin (grow_units.pml, a design): the grow's units verified (exact," \
  "first come first served, nobody waits for the grower but a sleeping" \
  "waiter with no deadline), $caught of $caught mutants caught"
