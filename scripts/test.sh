#!/usr/bin/env bash
# The test command: installs what is missing, then builds and passes every
# test and gate. CI runs exactly this (.ci/run). Stages:
#   release   gcc, -Werror, ctest (unit, concurrency, C99, consumer tests)
#   asan      clang AddressSanitizer + LeakSanitizer, ctest
#   ubsan     clang UndefinedBehaviorSanitizer, ctest (the build is also
#             instrumented for coverage: the run writes the profiles)
#   tsan      clang 14 ThreadSanitizer, ctest (every test)
#             (the sanitizer stages leave out the tests of the seeded
#             mutants, JETSESSION_BUILD_MUTANTS=OFF: release runs those)
#   stress-*  jetsession-stress of the asan and tsan builds, 6 s on each
#             scenario (STRESS_SECONDS), its op counts printed
#   kvserver  jetsession-kv (examples/kvserver) under real clients, the
#             binaries of the release, asan and tsan stages: scripts/loadtest.sh
#             --short (redis-benchmark at 200 clients on each session core,
#             and 2 s of each correctness check on each build: nothing lost,
#             exact session and connection counts, shutdown under 1000
#             clients)
#   tsan-gcc  gcc 12 ThreadSanitizer, ctest -L concurrency
#   tidy      clang-tidy clean on src/ and include/
#   format    clang-format clean
#   fuzz      the C API under libFuzzer + ASan + UBSan for 60 s (seed corpus
#             tests/fuzz/corpus; JETSESSION_FUZZ_SECONDS to change), and the
#             key-value server's RESP parser for 5 s (RESP_FUZZ_SECONDS)
#   models    side by side (each is single-threaded):
#             - the Spin models of the claim/free/full-flag protocol, Stop
#               gating, waiting and resizing, safety and progress, and their
#               seeded mutants (which must be caught);
#             - the real core under Relacy: model tests over every schedule
#               or 100000 random ones, and its seeded mutants (caught)
#   coverage  line coverage of src/ by every test (llvm-cov report printed),
#             from the ubsan stage's profiles
#   bench     the ratio check (scripts/bench_check.sh), report only: timing
#             on a shared machine is noisy, so it never fails the run
# scripts/verify.sh runs only the verification stages (stress, histories,
# Relacy, Spin, fuzzing, coverage).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# shellcheck source=scripts/stages.sh
source scripts/stages.sh

stage release workflow release
stage asan workflow asan
stage stress-asan stress_show asan 6
stage ubsan ubsan_run
stage tsan workflow tsan
stage stress-tsan stress_show tsan 6
stage kvserver scripts/loadtest.sh --short
stage tsan-gcc workflow tsan-gcc
stage tidy workflow tidy
stage format format_check
stage fuzz fuzz_run
stage models models_run
stage coverage scripts/coverage.sh --reuse
stage bench-check scripts/bench_check.sh
