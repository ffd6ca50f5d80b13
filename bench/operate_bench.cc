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
//  - BM_SetMaxSessionsUnderLoad/background:N: one JetExtSetMaxSessions on an
//    instance of ceiling 1024, alternately shrinking it to 512 and growing
//    it back to 1024, while N threads run Begin+End pairs on it without
//    pause (50 spins between the calls; a Begin that meets a resize under
//    way helps it take effect, and a shrink's debt is paid by the Begins
//    and Ends that follow). Counters: the background pairs per second
//    while the resizes ran (pairs_per_s_resizing) and, in the same run,
//    right after them without resizes (pairs_per_s_quiet, over as long a
//    window, at most 0.1 s), and their ratio (resizing_over_quiet).
//
// How the harness distorts it: the spin is a volatile-counter loop; the
// report calls run with no other thread busy, so they show the pass alone
// (with callers running, each of them may also wait for a control word to
// hold still). Absolute times move from run to run on this shared machine:
// compare ratios within one run. The resize row's background threads share
// the 2 cores with the resizing thread: with 3 of them the pairs counted
// include the scheduler's time slices.
#include <jetsession/jet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "session_ring.h"
#include "spin.h"

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

// Background Begin+End pairs for BM_SetMaxSessionsUnderLoad: each thread
// publishes its own count of pairs (one cache line each).
class PairLoad {
 public:
  PairLoad(JET_INSTANCE inst, int threads)
      : inst_(inst), counts_(static_cast<std::size_t>(threads)) {
    for (auto& count : counts_) {
      threads_.emplace_back([this, &count] { Run(&count.pairs); });
    }
    // acquire: pairs with the threads' release adds.
    while (running_.load(std::memory_order_acquire) < threads) {
      std::this_thread::yield();
    }
  }
  PairLoad(const PairLoad&) = delete;
  PairLoad& operator=(const PairLoad&) = delete;
  ~PairLoad() {
    // relaxed: a stop signal; the joins order the rest.
    done_.store(true, std::memory_order_relaxed);
    for (auto& t : threads_) t.join();
  }

  // Pairs done by all the threads so far.
  std::uint64_t Pairs() const {
    std::uint64_t total = 0;
    // relaxed: a figure; each count only grows.
    for (const auto& c : counts_) {
      total += c.pairs.load(std::memory_order_relaxed);
    }
    return total;
  }
  // A Begin or an End failed.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Count {
    std::atomic<std::uint64_t> pairs{0};
  };

  void Run(std::atomic<std::uint64_t>* pairs) {
    // release: pairs with the constructor's acquire load.
    running_.fetch_add(1, std::memory_order_release);
    std::uint64_t n = 0;
    // relaxed: see the destructor.
    while (!done_.load(std::memory_order_relaxed)) {
      JET_SESID s = JET_sesidNil;
      if (JetBeginSession(inst_, &s, nullptr, nullptr) != JET_errSuccess) {
        failed_.store(true, std::memory_order_relaxed);
        return;
      }
      jetsession::bench::Spin(50);
      if (JetEndSession(s, 0) != JET_errSuccess) {
        failed_.store(true, std::memory_order_relaxed);
        return;
      }
      // relaxed: a figure, read by Pairs().
      pairs->store(++n, std::memory_order_relaxed);
    }
  }

  JET_INSTANCE inst_;
  std::vector<Count> counts_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  std::atomic<bool> done_{false};
  std::atomic<bool> failed_{false};
};

void BM_SetMaxSessionsUnderLoad(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  constexpr unsigned long kCeiling = 1024;
  constexpr unsigned long kShrunk = 512;
  JET_INSTANCE inst = 0;
  if (JetCreateInstance(&inst, "operate-resize") != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, kCeiling,
                            nullptr) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, kCeiling,
                            nullptr) != JET_errSuccess ||
      JetInit(&inst) != JET_errSuccess) {
    state.SkipWithError("instance");
    return;
  }
  double resizing = 0;
  double quiet = 0;
  {
    PairLoad load(inst, static_cast<int>(state.range(0)));
    const std::uint64_t before = load.Pairs();
    const auto start = Clock::now();
    unsigned long next = kShrunk;
    for (auto _ : state) {
      if (JetExtSetMaxSessions(inst, next) != JET_errSuccess) {
        state.SkipWithError("resize failed");
        break;
      }
      next = next == kShrunk ? kCeiling : kShrunk;
    }
    const auto end = Clock::now();
    const std::uint64_t during = load.Pairs();
    // Untimed: back to the full capacity, then a window without resizes.
    JetExtSetMaxSessions(inst, kCeiling);
    const auto window =
        std::min<Clock::duration>(end - start, std::chrono::milliseconds(100));
    const std::uint64_t quiet_before = load.Pairs();
    const auto quiet_start = Clock::now();
    std::this_thread::sleep_for(window);
    const std::uint64_t quiet_after = load.Pairs();
    const auto quiet_end = Clock::now();
    resizing = static_cast<double>(during - before) /
               std::chrono::duration<double>(end - start).count();
    quiet = static_cast<double>(quiet_after - quiet_before) /
            std::chrono::duration<double>(quiet_end - quiet_start).count();
    if (load.failed()) state.SkipWithError("a background Begin or End failed");
  }
  JetTerm(inst);
  state.SetItemsProcessed(state.iterations());
  state.counters["pairs_per_s_resizing"] = benchmark::Counter(resizing);
  state.counters["pairs_per_s_quiet"] = benchmark::Counter(quiet);
  state.counters["resizing_over_quiet"] =
      benchmark::Counter(quiet > 0 ? resizing / quiet : 0);
  state.SetLabel("time = one JetExtSetMaxSessions, 1024 <-> 512");
}
BENCHMARK(BM_SetMaxSessionsUnderLoad)
    ->ArgName("background")
    ->Arg(1)
    ->Arg(3)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

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
