#!/usr/bin/env bash
# Builds the Relacy checks of the real core (slot_pool_relacy.cc) and runs
# them: every model test must pass and every seeded mutant must fail; known
# defects of the core are reported without failing the check. Prints one
# line per run (verdict, schedules explored, seconds, search, role), then
# the build and run times, and exits 1 on an unexpected result. Needs
# relacy-dev (scripts/setup.sh installs it). An argument runs only the
# tests whose names contain it.
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
status=0
RELACY_LOG="${RELACY_LOG:-$work/relacy.log}" "$work/relacy_check" "$@" ||
  status=$?
echo "relacy: built in $((built - start)) s, ran in $((SECONDS - built)) s"
exit "$status"
