// begin_end_bench: Begin+End throughput of jetsession, the engine's shape.
//
// What it measures: each benchmark thread keeps a ring of 4 open sessions on
// one shared instance (MaxSessions 30000); one iteration ends the oldest
// session, spins `work` iterations (a stand-in for the engine's work between
// session calls), and begins a new one: one Begin+End pair. items_processed
// counts pairs, so Google Benchmark reports pairs/s (real time, all threads).
// BM_CppApiBeginEnd does the same through jetsession::Instance/Session (the
// RAII layer's cost on top of the C call); BM_DupEnd replaces Begin by
// JetDupSession of a root session the thread keeps open (Dup validates the
// source and holds its in-call flag around the claim).
//
// How the harness distorts it: the spin is a volatile-counter loop whose
// cost depends on the compiler and the CPU (about 0.3 ns an iteration
// here); thread start-up and the first Begins of the ring are outside the
// timed loop; with more threads than cores (4 and up on this 2-core
// machine) the OS scheduler's time slices are part of what is measured, as
// they are for a real engine. Absolute times move from run to run on this
// shared machine: compare ratios within one run.
#include <jetsession/jetsession.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "benchmark/benchmark.h"
#include "running_instance.h"
#include "session_ring.h"
#include "spin.h"

namespace {

using jetsession::bench::kRing;
using jetsession::bench::RunSessionRing;
using jetsession::bench::Spin;

JET_INSTANCE g_instance = 0;

void BM_CApiBeginEnd(benchmark::State& state) {
  RunSessionRing(
      state.range(0), state,
      [](JET_SESID* s) {
        return JetBeginSession(g_instance, s, nullptr, nullptr);
      },
      "begin failed");
}
BENCHMARK(BM_CApiBeginEnd)
    ->ArgName("work")
    ->Arg(0)
    ->Arg(50)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->Threads(16)
    ->UseRealTime();

// The same through the C++ RAII API (Session objects end on assignment).
void BM_CppApiBeginEnd(benchmark::State& state) {
  const std::int64_t work = state.range(0);
  // Borrows the benchmark's instance: released, not terminated, at the end.
  jetsession::Instance instance(g_instance);
  std::array<jetsession::Session, kRing> ring;
  for (auto& s : ring) {
    auto opened = instance.BeginSession();
    if (!opened.ok()) {
      state.SkipWithError("begin failed");
      instance.Release();
      return;
    }
    s = std::move(*opened);
  }
  std::size_t next = 0;
  for (auto _ : state) {
    jetsession::Session& s = ring[next];
    next = (next + 1) % kRing;
    if (s.End() != jetsession::Error::kSuccess) {
      state.SkipWithError("end failed");
      break;
    }
    Spin(work);
    auto fresh = instance.BeginSession();
    if (!fresh.ok()) {
      state.SkipWithError("begin failed");
      break;
    }
    s = std::move(*fresh);
  }
  for (auto& s : ring) s = jetsession::Session();
  instance.Release();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CppApiBeginEnd)
    ->ArgName("work")
    ->Arg(0)
    ->Arg(50)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->UseRealTime();

// Dup+End pairs: each thread keeps one root session and a ring of 4 Dups of
// it; an iteration ends the oldest Dup, spins `work`, and Dups the root.
void BM_DupEnd(benchmark::State& state) {
  JET_SESID root = JET_sesidNil;
  if (JetBeginSession(g_instance, &root, nullptr, nullptr) != JET_errSuccess) {
    state.SkipWithError("begin failed");
    return;
  }
  RunSessionRing(
      state.range(0), state,
      [root](JET_SESID* s) { return JetDupSession(root, s); }, "dup failed");
  JetEndSession(root, 0);
}
BENCHMARK(BM_DupEnd)
    ->ArgName("work")
    ->Arg(0)
    ->Arg(50)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_instance = jetsession::bench::RunningInstance("bench", 30000);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return JetTerm(g_instance) == JET_errSuccess ? 0 : 1;
}
