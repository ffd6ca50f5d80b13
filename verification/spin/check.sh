#!/usr/bin/env bash
# Model-checks full_flag.pml exhaustively, then each seeded mutant, which
# must produce an assertion violation. Prints states and verdicts; exits 1
# if the model fails or a mutant passes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
run() {  # $1: extra -D flag or empty; prints "errors N, states S"
  spin ${1:+"$1"} -a "$here/full_flag.pml" >/dev/null
  gcc -O2 -DSAFETY -w -o pan pan.c
  ./pan -m1000000 2>&1 | awk '/errors:/ {e=$NF} /states, stored/ {s=$1}
    END {printf "errors %s, states %s\n", e, s}'
}
model=$(run "")
echo "model: $model"
[[ $model == "errors 0,"* ]] || { echo "model check FAILED"; exit 1; }
for mutant in MUTANT_NO_CLEAR MUTANT_ONE_COLLECT; do
  result=$(run "-D$mutant")
  echo "$mutant: $result"
  [[ $result != "errors 0,"* ]] || { echo "$mutant was NOT caught"; exit 1; }
done
echo "spin: model verified, 2 of 2 mutants caught"
