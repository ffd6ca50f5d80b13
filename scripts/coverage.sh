#!/usr/bin/env bash
# Line coverage of src/ by every test (clang source-based coverage). The
# ubsan preset's build is instrumented for it, and its ctest run writes the
# profiles (build/ubsan/profiles). This builds and runs that preset, merges
# the profiles and prints the llvm-cov report for src/ (the total line
# coverage on the last line). --reuse: no build and no run, the report of
# the profiles that the last run of the preset wrote (scripts/test.sh runs
# the preset in its ubsan stage, which removes older profiles first).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/ubsan
if [[ ${1:-} != --reuse ]]; then
  rm -rf "$build/profiles"
  cmake --workflow --preset ubsan --fresh >/dev/null
fi
shopt -s nullglob
profiles=("$build"/profiles/*.profraw)
if ((${#profiles[@]} == 0)); then
  echo "coverage: no profiles in $build/profiles (run the ubsan preset)" >&2
  exit 1
fi
llvm-profdata-14 merge -sparse "${profiles[@]}" -o "$build/merged.profdata"
objects=()
for bin in "$build"/tests/*_test "$build"/jetsession-stress; do
  objects+=(-object "$bin")
done
llvm-cov-14 report "${objects[@]:1}" \
  -instr-profile="$build/merged.profdata" \
  -ignore-filename-regex='(tests|/usr)/' src/
