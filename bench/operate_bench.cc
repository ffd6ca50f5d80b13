// operate_bench: what operating a running instance costs (the contract's
// "Statistics and open-session reports").
//
// What it measures:
//  - BM_BeginEndTracking/tracking:{0,1}: Begin+End pairs as begin_end_bench's
//    ring (session_ring.h: 4 sessions a thread, 50 spins between the calls) on
//    an instance with JET_paramExtSessionTracking off and on, at 1 and 2
//    threads: the price of a stamp (a coarse clock read and a store) and of
//    Begin's slower path that stamps. Compare the two rows of a run.
//  - BM_SessionStats/open:N: one JetExtGetSessionStats on an instance of
//    30,000 slots with N sessions open (one pass over the slots).
//  - BM_OpenSessions/open:N: one JetExtGetOpenSessions (tracking on, room
//    for 64 entries) on the same kind of instance.
//
// How the harness distorts it: the spin is a volatile-counter loop; the
// report calls run with no other thread busy, so they show the pass alone
// (with callers running, each of them may also wait for a control word to
// hold still). Absolute times move from run to run on this shared machine:
// compare ratios within one run.
#include <jetsession/jet.h>

#include <array>
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "session_ring.h"

namespace {

using jetsession::bench::RunSessionRing;

// A Running instance with `max` sessions and tracking `tracking`.
JET_INSTANCE Instance(const char* name, unsigned long max,
                      unsigned long tracking) {
  JET_INSTANCE inst = 0;
  if (JetCreateInstance(&inst, name) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, max, nullptr) !=
          JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, tracking,
                            nullptr) != JET_errSuccess ||
      JetInit(&inst) != JET_errSuccess) {
    return 0;
  }
  return inst;
}

JET_INSTANCE g_untracked = 0;
JET_INSTANCE g_tracked = 0;

void BM_BeginEndTracking(benchmark::State& state) {
  const JET_INSTANCE inst = state.range(0) != 0 ? g_tracked : g_untracked;
  RunSessionRing(
      50, state,
      [inst](JET_SESID* s) {
        return JetBeginSession(inst, s, nullptr, nullptr);
      },
      "begin failed");
}
BENCHMARK(BM_BeginEndTracking)
    ->ArgName("tracking")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// An instance of 30,000 slots (tracking on) with `open` sessions open for
// the length of the benchmark.
template <class Call>
void RunReport(benchmark::State& state, Call call) {
  const auto open = static_cast<std::size_t>(state.range(0));
  const JET_INSTANCE inst = Instance("operate-report", 30000, 1);
  if (inst == 0) {
    state.SkipWithError("instance");
    return;
  }
  std::vector<JET_SESID> sessions(open, JET_sesidNil);
  for (auto& s : sessions) {
    if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) {
      state.SkipWithError("begin failed");
      break;
    }
  }
  for (auto _ : state) {
    if (!state.error_occurred() && call(inst) != JET_errSuccess) {
      state.SkipWithError("report failed");
      break;
    }
  }
  JetTerm(inst);
  state.SetItemsProcessed(state.iterations());
}

void BM_SessionStats(benchmark::State& state) {
  RunReport(state, [](JET_INSTANCE inst) {
    JET_EXTSESSIONSTATS stats{};
    stats.cbStruct = sizeof stats;
    const JET_ERR err = JetExtGetSessionStats(inst, &stats);
    benchmark::DoNotOptimize(stats);
    return err;
  });
}
BENCHMARK(BM_SessionStats)->ArgName("open")->Arg(0)->Arg(100)->Arg(30000);

void BM_OpenSessions(benchmark::State& state) {
  RunReport(state, [](JET_INSTANCE inst) {
    std::array<JET_EXTSESSIONINFO, 64> info{};
    unsigned long total = 0;
    const JET_ERR err = JetExtGetOpenSessions(
        inst, 0, info.data(), static_cast<unsigned long>(info.size()), &total);
    benchmark::DoNotOptimize(info);
    return err;
  });
}
BENCHMARK(BM_OpenSessions)->ArgName("open")->Arg(0)->Arg(100)->Arg(30000);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_untracked = Instance("operate-untracked", 30000, 0);
  g_tracked = Instance("operate-tracked", 30000, 1);
  if (g_untracked == 0 || g_tracked == 0) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
