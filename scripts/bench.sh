#!/usr/bin/env bash
# The main command: installs what is missing, builds the release preset and
# runs every benchmark with short defaults, printing the results and writing
# Google Benchmark JSON to build/release/bench-results/. Extra arguments go
# to every benchmark binary (e.g. --benchmark_filter=CApi).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release
cmake --build --preset release

out=build/release/bench-results
mkdir -p "$out"
shopt -s nullglob
for bin in build/release/bench/*_bench; do
  name=$(basename "$bin")
  echo "==== ${name} ===="
  "$bin" --benchmark_min_time=0.05 \
    --benchmark_out="$out/${name}.json" --benchmark_out_format=json "$@"
done
echo "JSON results: $out/"
