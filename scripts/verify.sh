#!/usr/bin/env bash
# The verification command: only the evidence that the core is correct
# (docs/verification.md explains each method and records its figures).
# Installs what is missing first. Stages:
#   stress-tsan  tsan preset: the concurrency suites, the linearizability
#                histories and mutants (ctest -L concurrency), then
#                jetsession-stress for STRESS_SECONDS (default 20) on each
#                scenario, printing its op counts
#   stress-asan  the same under the asan preset
#   models       side by side: the real core under Relacy and its seeded
#                mutants; the Spin models (claims and the full flag,
#                waiting, resizing) and their seeded mutants
#   fuzz         libFuzzer on the C API for JETSESSION_FUZZ_SECONDS (60)
#   coverage     line coverage of src/ by every test (the ubsan preset,
#                built and run for it)
# scripts/test.sh (the CI command) runs all of these too, among its gates.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# shellcheck source=scripts/stages.sh
source scripts/stages.sh

# Builds preset $1, runs its concurrency-labelled tests, then the stress
# tool on each scenario with its output shown.
stress_run() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
  concurrency_run "$1"
  stress_show "$1" 20
}

stage stress-tsan stress_run tsan
stage stress-asan stress_run asan
stage models models_run
stage fuzz fuzz_run
stage coverage scripts/coverage.sh
