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

stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "==== ${name} ===="
  "$@"
  local took=$((SECONDS - start))
  summary+=("${name}: passed in ${took}s")
  echo "==== ${name}: passed in ${took}s ===="
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

format_check() {
  git ls-files '*.h' '*.cc' '*.c' | xargs clang-format --dry-run -Werror
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

echo
echo "==== summary ===="
printf '%s\n' "${summary[@]}"
echo "all stages passed in $((SECONDS - start_all))s"
