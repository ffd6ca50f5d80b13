#!/usr/bin/env bash
# The test command: installs what is missing, then builds and passes every
# test and gate. CI runs exactly this (.ci/run). Stages:
#   release   gcc, -Werror, ctest (unit, concurrency, C99, consumer tests)
#   asan      clang AddressSanitizer + LeakSanitizer, ctest
#   ubsan     clang UndefinedBehaviorSanitizer, ctest
#   tsan      clang 14 ThreadSanitizer, ctest (every test)
#   tsan-gcc  gcc 12 ThreadSanitizer, ctest -L concurrency
#   tidy      clang-tidy clean on src/ and include/
#   format    clang-format clean
#   fuzz      the C API under libFuzzer + ASan + UBSan for 60 s (seed corpus
#             tests/fuzz/corpus; JETSESSION_FUZZ_SECONDS to change)
#   spin      the Spin model of the claim/free/full-flag protocol, and its
#             seeded mutants (which must be caught)
#   coverage  line coverage of src/ by every test (llvm-cov report printed)
#   bench     the ratio check (scripts/bench_check.sh), report only: timing
#             on a shared machine is noisy, so it never fails the run
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

declare -a summary=()
start_all=$SECONDS
current=""
current_start=0

# Printed on every exit: one line per stage run, the failing one included.
print_summary() {
  local rc=$?
  if [[ -n $current ]]; then
    summary+=("${current}: FAILED after $((SECONDS - current_start))s")
  fi
  echo
  echo "==== summary ===="
  if ((${#summary[@]} > 0)); then printf '%s\n' "${summary[@]}"; fi
  if ((rc == 0)); then
    echo "all stages passed in $((SECONDS - start_all))s"
  else
    echo "FAILED (exit ${rc}) after $((SECONDS - start_all))s"
  fi
}
trap print_summary EXIT

stage() {
  current=$1
  shift
  current_start=$SECONDS
  echo
  echo "==== ${current} (at $((SECONDS - start_all))s) ===="
  "$@"
  local took=$((SECONDS - current_start))
  summary+=("${current}: passed in ${took}s")
  echo "==== ${current}: passed in ${took}s ===="
  current=""
}

workflow() {
  cmake --workflow --preset "$1" --fresh
}

fuzz_run() {
  workflow fuzz
  local work
  work=$(mktemp -d)
  cp tests/fuzz/corpus/* "$work/"
  build/fuzz/tests/fuzz/jet_api_fuzzer "$work" \
    -max_total_time="${JETSESSION_FUZZ_SECONDS:-60}" -print_final_stats=1 \
    2>&1 | tail -n 12
  rm -rf "$work"
}

# Every C and C++ source that git tracks or would add (new files not yet
# committed included, ignored ones such as build/ excluded).
format_check() {
  git ls-files -z --cached --others --exclude-standard -- '*.h' '*.cc' '*.c' |
    while IFS= read -r -d '' f; do
      if [[ -f $f ]]; then printf '%s\0' "$f"; fi
    done | xargs -0 clang-format --dry-run -Werror
}

stage release workflow release
stage asan workflow asan
stage ubsan workflow ubsan
stage tsan workflow tsan
stage tsan-gcc workflow tsan-gcc
stage tidy workflow tidy
stage format format_check
stage fuzz fuzz_run
stage spin verification/spin/check.sh
stage coverage scripts/coverage.sh
stage bench-check scripts/bench_check.sh
