// fill_pattern_bench: throughput near a full pool, by where the free slots
// lie, for jetsession and the bitmap peers.
//
// Each run starts from a fresh pool of 30000 slots holding 29700 sessions
// (99%) laid out by a pattern, or none (the empty pool, the reference):
//   packed  opened by one thread at start-up, in one go: the 300 free slots
//           lie together, in a handful of neighbouring words;
//   spread  every 100th slot free;
//   tail    opened by 8 threads in turn (each thread its own batch, one
//           after the other), then the 300 newest ended.
// Then the benchmark threads run the ring of contention_bench: each keeps 4
// sessions, ends the oldest, spins 50, begins a new one. items_processed
// counts pairs (real time). The report divides each run's pairs/s by the
// median pairs/s of the empty pool at the same thread count, and prints the
// minimum and the median of those ratios: the failure near full is
// bimodal (where the threads happen to start), and a median can hide it.
//
// The peers get the same patterns: the CAS counter+bitmap (exact) and the
// spread bitmap (sbitmap-like, not exact), from peer_pools.h.
#include <jetsession/jet.h>

#include <array>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "peer_pools.h"
#include "running_instance.h"
#include "spin.h"

namespace jetsession::bench {
namespace {

constexpr std::uint32_t kCapacity = 30000;
constexpr std::uint32_t kHeld = 29700;
constexpr std::size_t kRing = 4;
constexpr int kOpeners = 8;  // the tail pattern's opening threads

enum Pattern : std::int64_t { kEmpty, kPacked, kSpread, kTail };

// Sessions (or slots) held for the pattern, in the order they were opened.
// `open(n)` opens n in the calling thread and returns them; `close(h)` ends
// one.
template <class Handle, class Open, class Close>
void Lay(Pattern pattern, Open open, Close close) {
  switch (pattern) {
    case kEmpty:
      return;
    case kPacked:
      open(kHeld);
      return;
    case kSpread: {
      const std::vector<Handle> all = open(kCapacity);
      for (std::size_t i = 0; i < all.size();
           i += kCapacity / (kCapacity - kHeld))
        close(all[i]);
      return;
    }
    case kTail: {
      std::vector<Handle> order;
      for (int t = 0; t < kOpeners; ++t) {
        std::vector<Handle> batch;
        std::thread opener([&] { batch = open(kCapacity / kOpeners); });
        opener.join();
        order.insert(order.end(), batch.begin(), batch.end());
      }
      for (std::size_t i = kHeld; i < order.size(); ++i) close(order[i]);
      return;
    }
  }
}

// jetsession through the C API, on a fresh instance per run.
struct JetFill {
  static constexpr const char* kName = "jetsession_c_api";
  using Handle = JET_SESID;
  static inline JET_INSTANCE instance = 0;
  static void SetUp(Pattern pattern) {
    instance = RunningInstance("fill-pattern", kCapacity);
    Lay<Handle>(
        pattern,
        [](std::uint32_t n) {
          std::vector<Handle> opened(n);
          for (Handle& s : opened)
            JetBeginSession(instance, &s, nullptr, nullptr);
          return opened;
        },
        [](Handle s) { JetEndSession(s, 0); });
  }
  static void TearDown() { JetTerm(instance); }  // force-ends what is held
  static bool Acquire(Handle* h) {
    return JetBeginSession(instance, h, nullptr, nullptr) == JET_errSuccess;
  }
  static void Release(Handle h) { JetEndSession(h, 0); }
};

// A bitmap peer, on a fresh pool per run.
template <class Pool>
struct PeerFill {
  static constexpr const char* kName = Pool::kName;
  using Handle = std::uint32_t;
  static inline std::unique_ptr<Pool> pool;
  static void SetUp(Pattern pattern) {
    pool = std::make_unique<Pool>(kCapacity);
    Lay<Handle>(
        pattern,
        [](std::uint32_t n) {
          std::vector<Handle> opened(n);
          for (Handle& s : opened) {
            while (!pool->TryAcquire(&s)) {
            }
          }
          return opened;
        },
        [](Handle s) { pool->Release(s); });
  }
  static void TearDown() { pool.reset(); }
  static bool Acquire(Handle* h) { return pool->TryAcquire(h); }
  static void Release(Handle h) { pool->Release(h); }
};

template <class C>
void SetUpPattern(const benchmark::State& state) {
  C::SetUp(static_cast<Pattern>(state.range(0)));
}

template <class C>
void TearDownPattern(const benchmark::State& /*state*/) {
  C::TearDown();
}

template <class C>
void BM_Fill(benchmark::State& state) {
  std::array<typename C::Handle, kRing> ring{};
  for (auto& h : ring) {
    while (!C::Acquire(&h)) {
    }
  }
  std::size_t next = 0;
  for (auto _ : state) {
    typename C::Handle& h = ring[next];
    next = (next + 1) % kRing;
    C::Release(h);
    Spin(50);
    while (!C::Acquire(&h)) {
    }
  }
  for (auto& h : ring) C::Release(h);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(C::kName);
}

#define JETSESSION_FILL_BENCHMARK_(contender) \
  BENCHMARK_TEMPLATE(BM_Fill, contender)      \
      ->Setup(SetUpPattern<contender>)        \
      ->Teardown(TearDownPattern<contender>)  \
      ->ArgName("pattern")                    \
      ->DenseRange(kEmpty, kTail)             \
      ->Threads(2)                            \
      ->Threads(8)                            \
      ->Threads(16)                           \
      ->UseRealTime()

JETSESSION_FILL_BENCHMARK_(JetFill);
JETSESSION_FILL_BENCHMARK_(PeerFill<CounterBitmapPool>);
JETSESSION_FILL_BENCHMARK_(PeerFill<SpreadBitmapPool>);

}  // namespace
}  // namespace jetsession::bench

BENCHMARK_MAIN();
