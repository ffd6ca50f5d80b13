#!/usr/bin/env bash
# Builds the Relacy checks of the real core (slot_pool_relacy.cc) and runs
# them: every model test must pass and every seeded mutant must fail. Prints
# one line per test (schedules explored) and exits 1 otherwise. Needs
# relacy-dev (scripts/setup.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# -w: Relacy's own headers warn a lot. -fno-sized-deallocation: Relacy
# replaces operator new and the unsized operator delete only.
g++ -std=c++20 -O1 -fno-sized-deallocation -w \
  -I"$root/src" -I"$root/include" -I"$root/verification/relacy" \
  "$root/verification/relacy/slot_pool_relacy.cc" "$root/src/error.cc" \
  -o "$work/relacy_check"
RELACY_LOG="$work/relacy.log" "$work/relacy_check"
