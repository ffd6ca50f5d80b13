// contention_bench: jetsession against the peer pools, same workload, same
// binary, same run.
//
// What it measures (BM_Ring): each thread keeps a ring of 4 open sessions;
// an iteration ends (releases) the oldest, spins `work` iterations and
// begins (acquires) a new one: one pair. items_processed counts pairs, so
// pairs/s is the throughput of all threads together (real time). jetsession
// runs its full C API (handle validation, instance state, in-call flag);
// the peers run their bare pools (see peer_pools.h). Capacity 30000.
//
// How the harness distorts it: the spin is Spin() of spin.h (about one
// cycle an iteration); thread start, the first 4 acquisitions and the final
// releases are outside the timed loop; with more threads than the machine's
// 2 cores, preemption inside a peer's critical section (the mutex) or
// between a peer's read and CAS is part of what is measured, as it is for a
// real engine. A peer that reports "empty" spuriously is retried, which
// counts against it.
//
// Also here: Dup+End and C++ API variants, Begin at fixed pool fill, the
// cost of OutOfSessions at 100% fill, and Stop/Term latency under load.
#include <jetsession/jetsession.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "instance_registry.h"
#include "peer_pools.h"
#include "running_instance.h"
#include "spin.h"

namespace jetsession::bench {
namespace {

constexpr std::uint32_t kCapacity = 30000;
constexpr std::size_t kRing = 4;

// An initialized instance with kCapacity sessions, for the life of the
// process (shared by every benchmark thread).
JET_INSTANCE SharedInstance() {
  static const JET_INSTANCE kInstance =
      RunningInstance("contention", kCapacity);
  return kInstance;
}

// Contenders: Acquire() returns false when the pool says no; the ring
// retries (a peer may say no spuriously; jetsession never does below
// capacity). The jetsession contenders look the shared instance up once,
// when the thread starts, and keep its handle, as an engine keeps its
// JET_INSTANCE: SharedInstance() is not inlined (its first-use set-up is
// large), so calling it at each Begin put a call and a guard check on
// jetsession's path that the peers' inlined Shared() does not pay.
struct JetCApi {
  static constexpr const char* kName = "jetsession_c_api";
  using Handle = JET_SESID;
  Handle anchor = JET_sesidNil;
  JET_INSTANCE instance = SharedInstance();
  bool Acquire(Handle* h) const {
    return JetBeginSession(instance, h, nullptr, nullptr) == JET_errSuccess;
  }
  static void Release(Handle h) { JetEndSession(h, 0); }
};

struct JetDup {
  static constexpr const char* kName = "jetsession_dup";
  using Handle = JET_SESID;
  Handle anchor = JET_sesidNil;  // each thread dups from its own session
  bool Acquire(Handle* h) const {
    return JetDupSession(anchor, h) == JET_errSuccess;
  }
  static void Release(Handle h) { JetEndSession(h, 0); }
};

struct JetCppApi {
  static constexpr const char* kName = "jetsession_cpp_api";
  using Handle = Session;
  Handle anchor;
  JET_INSTANCE instance = SharedInstance();
  bool Acquire(Handle* h) const {
    // Borrows the shared instance without owning it.
    Instance borrowed(instance);
    Result<Session> s = borrowed.BeginSession();
    borrowed.Release();
    if (!s.ok()) return false;
    *h = std::move(*s);
    return true;
  }
  static void Release(Handle& h) { h.End(); }
};

template <class Pool>
struct Peer {
  static constexpr const char* kName = Pool::kName;
  using Handle = std::uint32_t;
  Handle anchor = 0;
  static Pool& Shared() {
    static Pool pool(kCapacity);
    return pool;
  }
  static bool Acquire(Handle* h) { return Shared().TryAcquire(h); }
  static void Release(Handle h) { Shared().Release(h); }
};

template <class C>
void AcquireRetrying(const C& contender, typename C::Handle* h) {
  while (!contender.Acquire(h)) {
  }
}

template <class C>
void BM_Ring(benchmark::State& state) {
  const std::int64_t work = state.range(0);
  C contender;
  if constexpr (std::is_same_v<C, JetDup>) {
    JetBeginSession(SharedInstance(), &contender.anchor, nullptr, nullptr);
  }
  std::array<typename C::Handle, kRing> ring{};
  for (auto& h : ring) AcquireRetrying(contender, &h);
  std::size_t next = 0;
  for (auto _ : state) {
    typename C::Handle& h = ring[next];
    next = (next + 1) % kRing;
    C::Release(h);
    Spin(work);
    AcquireRetrying(contender, &h);
  }
  for (auto& h : ring) C::Release(h);
  if constexpr (std::is_same_v<C, JetDup>) C::Release(contender.anchor);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(C::kName);
}

#define JETSESSION_RING_BENCHMARK_(contender) \
  BENCHMARK_TEMPLATE(BM_Ring, contender)      \
      ->ArgName("work")                       \
      ->Arg(0)                                \
      ->Arg(50)                               \
      ->Arg(500)                              \
      ->ThreadRange(1, 32)                    \
      ->MeasureProcessCPUTime()               \
      ->UseRealTime()

JETSESSION_RING_BENCHMARK_(JetCApi);
JETSESSION_RING_BENCHMARK_(Peer<MutexFreeListPool>);
JETSESSION_RING_BENCHMARK_(Peer<BoostStackPool>);
JETSESSION_RING_BENCHMARK_(Peer<TbbQueuePool>);
JETSESSION_RING_BENCHMARK_(Peer<MoodycamelPool>);
JETSESSION_RING_BENCHMARK_(Peer<CkStackPool>);
JETSESSION_RING_BENCHMARK_(Peer<CounterBitmapPool>);
JETSESSION_RING_BENCHMARK_(Peer<SpreadBitmapPool>);

// The jetsession variants, at work 50 and the thread counts the targets use.
#define JETSESSION_VARIANT_BENCHMARK_(contender) \
  BENCHMARK_TEMPLATE(BM_Ring, contender)         \
      ->ArgName("work")                          \
      ->Arg(50)                                  \
      ->Threads(1)                               \
      ->Threads(2)                               \
      ->Threads(16)                              \
      ->UseRealTime()

JETSESSION_VARIANT_BENCHMARK_(JetDup);
JETSESSION_VARIANT_BENCHMARK_(JetCppApi);

// Begin+End (work 50) on an instance whose pool is held at `fill` percent
// of 30000 by sessions opened before the timed loop, spread over the whole
// pool as an engine's long-lived sessions would be. One thread.
void BM_JetAtFill(benchmark::State& state) {
  const auto fill = static_cast<std::uint32_t>(state.range(0));
  const JET_INSTANCE inst = RunningInstance("fill", kCapacity);
  std::vector<JET_SESID> all(kCapacity);
  for (auto& s : all) JetBeginSession(inst, &s, nullptr, nullptr);
  // Keep session i when (i * fill) mod 100 < fill: fill% of them, spread.
  std::uint32_t held = 0;
  for (std::uint32_t i = 0; i < kCapacity; ++i) {
    if (i * fill % 100 < fill && held < kCapacity * fill / 100) {
      ++held;
    } else {
      JetEndSession(all[i], 0);
    }
  }
  std::array<JET_SESID, kRing> ring{};
  for (auto& s : ring) JetBeginSession(inst, &s, nullptr, nullptr);
  std::size_t next = 0;
  for (auto _ : state) {
    JET_SESID& s = ring[next];
    next = (next + 1) % kRing;
    JetEndSession(s, 0);
    Spin(50);
    if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) {
      state.SkipWithError("begin failed below capacity");
      break;
    }
  }
  JetTerm(inst);  // force-ends the ring and the held sessions
  state.SetItemsProcessed(state.iterations());
  state.counters["held"] = held;
}
BENCHMARK(BM_JetAtFill)
    ->ArgName("fill")
    ->Arg(0)
    ->Arg(50)
    ->Arg(90)
    ->Arg(99)
    ->UseRealTime();

// The cost of an OutOfSessions answer when the pool is full.
void BM_JetOutOfSessionsAtFull(benchmark::State& state) {
  const JET_INSTANCE inst = RunningInstance("full", kCapacity);
  JET_SESID s = JET_sesidNil;
  for (std::uint32_t i = 0; i < kCapacity; ++i) {
    JetBeginSession(inst, &s, nullptr, nullptr);
  }
  for (auto _ : state) {
    if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errOutOfSessions) {
      state.SkipWithError("expected OutOfSessions");
      break;
    }
  }
  JetTerm(inst);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JetOutOfSessionsAtFull)->UseRealTime();

// Stop and Term latency while `hammers` threads run Begin/Dup/End on the
// instance: each iteration builds a fresh instance and its hammering
// threads (untimed), then times JetStopServiceInstance and JetTerm.
void BM_JetStopTermUnderLoad(benchmark::State& state) {
  const auto hammers = static_cast<int>(state.range(0));
  double stop_total = 0;
  for (auto _ : state) {
    const JET_INSTANCE inst = RunningInstance("stopterm", 1000);
    std::atomic<bool> done{false};
    std::atomic<int> running{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < hammers; ++t) {
      threads.emplace_back([&] {
        std::array<JET_SESID, kRing> ring{};
        std::size_t next = 0;
        ++running;
        while (!done.load(std::memory_order_relaxed)) {
          JET_SESID& s = ring[next];
          next = (next + 1) % kRing;
          if (s != JET_sesidNil) JetEndSession(s, 0);
          if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) {
            s = JET_sesidNil;
          }
        }
      });
    }
    while (running.load() < hammers) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto t0 = std::chrono::steady_clock::now();
    JetStopServiceInstance(inst);
    const auto t1 = std::chrono::steady_clock::now();
    JetTerm(inst);
    const auto t2 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t2 - t1).count());
    stop_total += std::chrono::duration<double>(t1 - t0).count();
    done = true;
    for (auto& t : threads) t.join();
  }
  state.counters["stop_us"] = benchmark::Counter(
      stop_total * 1e6 / static_cast<double>(state.iterations()));
  state.SetLabel("time = JetTerm; stop_us = JetStopServiceInstance");
}
BENCHMARK(BM_JetStopTermUnderLoad)
    ->ArgName("hammers")
    ->Arg(1)
    ->Arg(2)
    ->Arg(8)
    ->Arg(32)
    ->Iterations(20)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// JetTerm latency while `loopers` threads keep calling one kind of call:
// Begin (kind 0) on the instance, or End (1), SetSessionContext (2) or
// JetGetSystemParameter (3) through one session held with a context set (so
// End answers SessionInUse and SetSessionContext SessionContextAlreadySet
// until Term sets Terminating, and all three TermInProgress after). JetTerm
// waits for the calls in flight on the instance's sessions, so a call that took
// the session after Terminating would hold it up; the End and context rows must
// stay within a small constant of the Begin row. Each iteration builds a fresh
// instance and its threads (untimed) and times JetTerm; max_us is the slowest
// Term.
void BM_JetTermWhileLooping(benchmark::State& state) {
  const auto kind = static_cast<int>(state.range(0));
  const auto loopers = static_cast<int>(state.range(1));
  double max_seconds = 0;
  for (auto _ : state) {
    const JET_INSTANCE inst = RunningInstance("termloop", 64);
    JET_SESID held = JET_sesidNil;
    JetBeginSession(inst, &held, nullptr, nullptr);
    JetSetSessionContext(held, 1);
    std::atomic<bool> done{false};
    std::atomic<int> running{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < loopers; ++t) {
      threads.emplace_back([&] {
        running.fetch_add(1, std::memory_order_relaxed);
        // relaxed: a stop signal; the join orders the rest.
        while (!done.load(std::memory_order_relaxed)) {
          if (kind == 0) {
            JET_SESID s = JET_sesidNil;
            if (JetBeginSession(inst, &s, nullptr, nullptr) == JET_errSuccess) {
              JetEndSession(s, 0);
            }
          } else if (kind == 1) {
            JetEndSession(held, 0);
          } else if (kind == 2) {
            JetSetSessionContext(held, 2);
          } else {
            JET_API_PTR value = 0;
            JetGetSystemParameter(inst, held, JET_paramMaxSessions, &value,
                                  nullptr, 0);
          }
        }
      });
    }
    while (running.load(std::memory_order_relaxed) < loopers) {
      std::this_thread::yield();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto t0 = std::chrono::steady_clock::now();
    JetTerm(inst);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    state.SetIterationTime(took);
    max_seconds = std::max(max_seconds, took);
    done.store(true, std::memory_order_relaxed);
    for (auto& t : threads) t.join();
  }
  state.counters["max_us"] = benchmark::Counter(max_seconds * 1e6);
  static constexpr const char* kKinds[] = {"Begin", "End on the held session",
                                           "SetSessionContext on it",
                                           "JetGetSystemParameter through it"};
  state.SetLabel(kKinds[kind]);
}
BENCHMARK(BM_JetTermWhileLooping)
    ->ArgNames({"call", "loopers"})
    ->ArgsProduct({{0, 1, 2, 3}, {1, 3}})
    ->Iterations(50)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace jetsession::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  using jetsession::internal::InstanceRegistry;
  benchmark::AddCustomContext("bytes_per_slot",
                              std::to_string(InstanceRegistry::BytesPerSlot()));
  benchmark::AddCustomContext(
      "bytes_per_instance_record",
      std::to_string(InstanceRegistry::BytesPerInstanceRecord()));
  benchmark::AddCustomContext("bytes_per_instance_30000",
                              std::to_string(InstanceRegistry::BytesPerInstance(
                                  jetsession::bench::kCapacity)));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
