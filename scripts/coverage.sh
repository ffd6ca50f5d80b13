#!/usr/bin/env bash
# Line coverage of src/ by every test (clang source-based coverage): builds
# the coverage preset, runs ctest, merges the profiles and prints the
# llvm-cov report for src/ (and the total line coverage on the last line).
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf build/coverage/profiles
cmake --workflow --preset coverage --fresh >/dev/null
llvm-profdata-14 merge -sparse build/coverage/profiles/*.profraw \
  -o build/coverage/merged.profdata
objects=()
for bin in build/coverage/tests/*_test build/coverage/jetsession-stress; do
  objects+=(-object "$bin")
done
llvm-cov-14 report "${objects[@]:1}" \
  -instr-profile=build/coverage/merged.profdata \
  -ignore-filename-regex='(tests|/usr)/' src/
