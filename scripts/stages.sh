# stages.sh: the stage runner and the stages shared by scripts/test.sh and
# scripts/verify.sh (sourced, not run). Each stage prints its banner and
# time; a summary of every stage run, the failing one included, is printed
# on exit.

# The presets leave parallelism to the environment: build and test on
# every core unless the caller says otherwise.
: "${CMAKE_BUILD_PARALLEL_LEVEL:=$(nproc)}"
: "${CTEST_PARALLEL_LEVEL:=$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL CTEST_PARALLEL_LEVEL

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

# The ubsan preset, whose build is also instrumented for source coverage:
# its test run writes the profiles that scripts/coverage.sh --reuse reports
# (older ones removed first).
ubsan_run() {
  rm -rf build/ubsan/profiles
  workflow ubsan
}

# Runs the command "$2..." and prints the second, counted from "$1" (a
# $SECONDS value), at which it finished; returns the command's status.
timed_part() {
  local start=$1 rc=0
  shift
  "$@" || rc=$?
  echo "(done at $((SECONDS - start)) s)"
  return "$rc"
}

# The Spin and Relacy checks side by side: three parts (Spin base, Spin
# resize, Relacy on one process a core), each single-threaded per process,
# sharing the cores, so the stage takes about their total CPU over the
# cores. Their logs are printed one after the other once all are done;
# fails if any failed.
models_run() {
  local logs spin resize relacy spin_rc=0 resize_rc=0 relacy_rc=0 start
  logs=$(mktemp -d)
  start=$SECONDS
  # Spin in two parts (resize.pml apart), beside Relacy, whose check.sh
  # builds once and spreads its runs over one process a core: no part waits
  # alone on one core at the end.
  # Each part's log ends with the second of the stage at which it finished.
  timed_part "$start" env SPIN_PART=base verification/spin/check.sh \
    >"$logs/spin.log" 2>&1 &
  spin=$!
  timed_part "$start" env SPIN_PART=resize verification/spin/check.sh \
    >"$logs/resize.log" 2>&1 &
  resize=$!
  timed_part "$start" verification/relacy/check.sh >"$logs/relacy.log" 2>&1 &
  relacy=$!
  wait "$spin" || spin_rc=$?
  wait "$resize" || resize_rc=$?
  wait "$relacy" || relacy_rc=$?
  echo "---- spin: full_flag.pml, wait_queue.pml (exit ${spin_rc}) ----"
  cat "$logs/spin.log"
  echo "---- spin: resize.pml, grow_wakeup.pml (exit ${resize_rc}) ----"
  cat "$logs/resize.log"
  echo "---- relacy (exit ${relacy_rc}) ----"
  cat "$logs/relacy.log"
  rm -rf "$logs"
  ((spin_rc == 0 && resize_rc == 0 && relacy_rc == 0))
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
  # The RESP parser of examples/kvserver.
  work=$(mktemp -d)
  cp tests/fuzz/resp_corpus/* "$work/"
  build/fuzz/tests/fuzz/resp_parser_fuzzer "$work" \
    -max_total_time="${RESP_FUZZ_SECONDS:-5}" -print_final_stats=1 \
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

# Runs the concurrency-labelled tests (the suites, the linearizability
# histories and mutants, the short stress runs) of the built preset $1.
concurrency_run() {
  ctest --preset "$1" -L concurrency --output-on-failure
}

# Runs jetsession-stress of the built preset $1 on each scenario for
# STRESS_SECONDS (default $2), with its progress lines and op counts shown.
stress_show() {
  local seconds=${STRESS_SECONDS:-$2}
  for scenario in churn mixed lifecycle wait resize; do
    "build/$1/jetsession-stress" --threads=8 --instances=3 \
      --seconds="$seconds" --seed="$RANDOM" --scenario="$scenario"
  done
}
