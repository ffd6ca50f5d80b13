#!/usr/bin/env bash
# The main command: installs what is missing, builds the release preset and
# runs the benchmark suite with short defaults (about 2 minutes here):
#   contention_bench     jetsession against the peer pools, 1-32 threads
#   fill_pattern_bench   near full (99%), by where the free slots lie
#   begin_end_bench      jetsession alone, C and C++ API (and any other
#                        bench/*_bench.cc)
#   saturated_wait_bench waiting for a session at full, against blocking
#                        pools (3 runs of 0.2 s per row, about 1 minute)
#   latency_percentiles  p50/p99/p99.9 of Begin and End
#   pair_loop            instructions per Begin+End pair under callgrind
#   ratio_rounds.py      the 1-thread ratio over short paired rounds
#   pair_cycles          1-thread cycles per pair, slow spells filtered out
# then prints the pairs/s table and every target ratio, and draws
# throughput.png, latency.png, stopterm.png and wait.png. Everything lands in
# build/release/bench-results/ (Google Benchmark JSON included).
# Extra arguments go to contention_bench (e.g. --benchmark_min_time=0.2).
# SATURATED_WAIT_ARGS (default: 3 runs of 0.2 s) replaces the arguments of
# saturated_wait_bench.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

out=build/release/bench-results
mkdir -p "$out"
# No figure of an earlier run may reach the report.
rm -f "$out/rounds.json" "$out/pair_cycles.json"
bin=build/release/bench

echo "==== contention_bench ===="
# Each benchmark: a 20 ms warm-up, then 3 runs of at least 50 ms, the runs
# of all benchmarks interleaved in random order (so that a slow minute on
# this shared machine, or the CPU's ramp at the start, does not land on one
# contender); the report reads the median of the 3 (and, for the 2-thread
# ratio to the best exact peer, the worst of them: every run is in the JSON).
"$bin/contention_bench" --benchmark_min_time=0.05 \
  --benchmark_min_warmup_time=0.02 --benchmark_repetitions=3 \
  --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$out/contention_bench.json" \
  --benchmark_out_format=json "$@"

echo "==== fill_pattern_bench ===="
# Near full, by where the free slots lie: 5 runs each, interleaved, every
# run kept (the report reads the worst of them, not only the median).
"$bin/fill_pattern_bench" --benchmark_min_time=0.1 \
  --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$out/fill_pattern_bench.json" \
  --benchmark_out_format=json | grep -v -e '_mean ' -e '_stddev ' -e '_cv '

# Every other Google Benchmark binary (bench/*_bench.cc), e.g.
# begin_end_bench: jetsession alone through the C and the C++ API.
for b in "$bin"/*_bench; do
  name=$(basename "$b")
  [[ -x $b && $name != contention_bench && $name != fill_pattern_bench &&
     $name != saturated_wait_bench ]] || continue
  echo "==== ${name} ===="
  "$b" --benchmark_min_time=0.05 --benchmark_out="$out/${name}.json" \
    --benchmark_out_format=json
done

if [[ -x $bin/saturated_wait_bench ]]; then
  echo "==== saturated_wait_bench ===="
  # Waiting at full: capacity 4 and 64, 2x and 4x as many threads; each row
  # is one timed run of the workers (--wait_seconds), repeated, the rows
  # interleaved; the report reads the medians and sums the overtakes.
  read -ra wait_args <<<"${SATURATED_WAIT_ARGS:-"--wait_seconds=0.2 \
--benchmark_repetitions=3"}"
  "$bin/saturated_wait_bench" "${wait_args[@]}" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/saturated_wait_bench.json" \
    --benchmark_out_format=json
fi

echo "==== latency_percentiles ===="
"$bin/latency_percentiles" --seconds 0.1 --json "$out/latency.json"

echo "==== instructions per pair (callgrind) ===="
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin/pair_loop" "$1" 2>&1 | awk '/refs:/ {gsub(",", "", $4); print $4}'
}
small=$(count 100000)
large=$(count 200000)
echo $(((large - small) / 100000)) | tee "$out/instructions.txt"

echo "==== 1 thread, paired rounds ===="
python3 scripts/ratio_rounds.py --rounds 11 --markdown "$out/rounds.md" \
  --json "$out/rounds.json"

echo "==== 1 thread, cycles per pair (rdtsc, low percentile) ===="
"$bin/pair_cycles" --work=0,50 --json="$out/pair_cycles.json" |
  tee "$out/pair_cycles.txt"

echo "==== report ===="
python3 scripts/bench_report.py --results "$out"
echo "results, JSON and plots: $out/"
