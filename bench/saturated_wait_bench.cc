// saturated_wait_bench: waiting for a session when every session is taken.
//
// What it measures (BM_SaturatedWait): a pool of `capacity` sessions (4 or
// 64) and `threads` workers (2x and 4x the capacity, so at any moment most
// of them wait). Each worker loops: wait for a session, hold it for Spin(50)
// (spin.h), end it. jetsession waits in JetExtBeginSessionWait with
// JET_cmsecExtWaitForever and ends with JetEndSession (its full C API); the
// peers are what an engine author would write instead: a std::mutex +
// std::condition_variable pool, tbb::concurrent_bounded_queue of slot ids
// (blocking pop, push back), and std::counting_semaphore + an atomic bitmap.
// One benchmark iteration runs the workers for a fixed wall time (0.5 s,
// --wait_seconds=S) and reports, as counters:
//   pairs_per_s      completed wait+end pairs of all workers, per second
//   wait_p50_us ...  percentiles of the wait: the wall time from just before
//                    the wait call to its return, over every call
//   wait_max_us      the longest wait
//   max_over_mean    the longest wait over the mean wait
//   waited           calls that waited (see below)
//   overtaken        waiters overtaken beyond the tolerance (see below)
//   overtaken_raw    waiters overtaken by the raw stamp order
//   min_share        the pairs of the worker that completed fewest, over
//                    the mean pairs per worker (0: a worker starved)
//
// Overtakes. One counter hands out stamps (a fetch_add) to two kinds of
// event: a worker's arrival, taken immediately before its wait call, and an
// End, taken immediately before the release call; steady_clock is read just
// before and just after each. The holder of a slot writes its End stamp into
// the slot's note before releasing it; the slot's next receiver reads it:
// the End that fed its grant (none for a slot's first grant). A call
// *waited* if the End that fed it took its stamp after the call's arrival
// stamp (no slot it got was free when it arrived). A waiter w is overtaken
// if some call v was fed by an End that
//   - took its stamp more than kToleranceNs after w's arrival stamp (the
//     slot was released while w waited),
//   - had returned before the End that fed w took its stamp (the two
//     releases certainly happened in that order),
// and v itself arrived more than kToleranceNs after w's arrival stamp. A
// first-come-first-served pool must then have given v's slot to w or to an
// earlier waiter. The tolerance covers w's arrival window (from its stamp to
// its entry in the pool's queue, well under 1 us of running code): a waiter
// preempted there for longer is counted as overtaken, as the harness cannot
// tell it from a pool that let a later caller go first (--wait_preemption
// counts those that were not preempted during the call). overtaken_raw
// reads the stamps alone: a waiter overtaken by a later arrival fed by an
// End with a lower stamp; it also counts the stamp windows (a thread
// preempted between its stamp and the event), which no pool causes. The same
// measure is applied to every pool.
//
// How the harness distorts it: every pair takes two stamps on one shared
// counter and five steady_clock reads, and appends two records to the
// worker's vectors, for every pool alike; thread start-up is outside the
// timed run; the workers oversubscribe this machine's 2 cores (8 to 256
// threads), so the scheduler's wake-up latency is much of what is measured,
// as it is for a real engine whose server threads wait for a session.
#include <jetsession/jet.h>
#include <sys/resource.h>
#include <tbb/concurrent_queue.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "handle.h"
#include "running_instance.h"
#include "spin.h"

namespace jetsession::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kHoldSpin = 50;
constexpr std::int64_t kToleranceNs = 10'000;
// Slot ids are below this for every pool here (jetsession's slot index, the
// peers' 0..capacity-1).
constexpr std::uint32_t kMaxSlots = 4096;

double g_seconds = 0.5;     // --wait_seconds
bool g_preemption = false;  // --wait_preemption

std::int64_t NanosOf(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "saturated_wait_bench: %s\n", what);
  std::abort();
}

// jetsession: waits in JetExtBeginSessionWait with no limit.
class JetWaitPool {
 public:
  static constexpr const char* kName = "jetsession_wait";
  using Handle = JET_SESID;
  explicit JetWaitPool(std::uint32_t capacity)
      : instance_(RunningInstance("saturated_wait", capacity)) {}
  JetWaitPool(const JetWaitPool&) = delete;
  JetWaitPool& operator=(const JetWaitPool&) = delete;
  ~JetWaitPool() { JetTerm(instance_); }
  Handle Acquire() {
    JET_SESID s = JET_sesidNil;
    if (JetExtBeginSessionWait(instance_, &s, JET_cmsecExtWaitForever) !=
        JET_errSuccess) {
      Fail("JetExtBeginSessionWait failed");
    }
    return s;
  }
  void Release(Handle s) { JetEndSession(s, 0); }
  static std::uint32_t SlotOf(Handle s) {
    internal::SessionRef ref{};
    if (!internal::DecodeSessionHandle(s, &ref)) Fail("bad session handle");
    return ref.slot;
  }

 private:
  const JET_INSTANCE instance_;
};

// The hand-written pool: lock, wait on the condition variable while no slot
// is free, take one; release: lock, put it back, unlock, notify one.
class MutexCondvarPool {
 public:
  static constexpr const char* kName = "mutex_condvar";
  using Handle = std::uint32_t;
  explicit MutexCondvarPool(std::uint32_t capacity) {
    free_.reserve(capacity);
    for (std::uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
  }
  Handle Acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    nonempty_.wait(lock, [this] { return !free_.empty(); });
    const Handle slot = free_.back();
    free_.pop_back();
    return slot;
  }
  void Release(Handle slot) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(slot);
    }
    nonempty_.notify_one();
  }
  static std::uint32_t SlotOf(Handle slot) { return slot; }

 private:
  std::mutex mutex_;
  std::condition_variable nonempty_;
  std::vector<Handle> free_;
};

// TBB's blocking bounded queue holding the free slot ids.
class TbbBoundedQueuePool {
 public:
  static constexpr const char* kName = "tbb_bounded_queue";
  using Handle = std::uint32_t;
  explicit TbbBoundedQueuePool(std::uint32_t capacity) {
    queue_.set_capacity(capacity);
    for (std::uint32_t i = 0; i < capacity; ++i) {
      queue_.push(static_cast<int>(i));
    }
  }
  Handle Acquire() {
    int slot = 0;
    queue_.pop(slot);
    return static_cast<Handle>(slot);
  }
  void Release(Handle slot) { queue_.push(static_cast<int>(slot)); }
  static std::uint32_t SlotOf(Handle slot) { return slot; }

 private:
  tbb::concurrent_bounded_queue<int> queue_;
};

// A counting semaphore of the free slots, and a bitmap (one word: capacity
// at most 64) of which slots are taken.
class SemaphoreBitmapPool {
 public:
  static constexpr const char* kName = "semaphore_bitmap";
  using Handle = std::uint32_t;
  explicit SemaphoreBitmapPool(std::uint32_t capacity)
      : free_(static_cast<std::ptrdiff_t>(capacity)),
        taken_(capacity >= 64 ? 0 : ~((std::uint64_t{1} << capacity) - 1)) {
    if (capacity > 64) Fail("semaphore_bitmap holds at most 64 slots");
  }
  Handle Acquire() {
    free_.acquire();
    // The semaphore's count says a bit is clear (a release clears its bit
    // before it releases the semaphore).
    // relaxed: a first guess; the CAS below reads the word again.
    std::uint64_t w = taken_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t bit = std::uint64_t{1} << std::countr_one(w);
      // acquire: pairs with the release fetch_and of the slot's last holder
      // in Release(), so its use of the slot happens before ours.
      if (taken_.compare_exchange_weak(w, w | bit, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return static_cast<Handle>(std::countr_zero(bit));
      }
    }
  }
  void Release(Handle slot) {
    // release: pairs with the acquire CAS of the slot's next holder in
    // Acquire().
    taken_.fetch_and(~(std::uint64_t{1} << slot), std::memory_order_release);
    free_.release();
  }
  static std::uint32_t SlotOf(Handle slot) { return slot; }

 private:
  std::counting_semaphore<> free_;
  alignas(64) std::atomic<std::uint64_t> taken_;
};

// What a worker records of one grant and of one End.
struct Grant {
  std::int64_t arrival;    // its arrival stamp
  std::int64_t fed_by;     // the stamp of the End that fed it, -1 for none
  std::int64_t before_ns;  // steady_clock just before the arrival stamp
  std::int64_t after_ns;   // steady_clock just after it
  // With --wait_preemption: involuntary context switches during the call
  // (getrusage before and after it), else 0.
  std::int64_t preempted;
};
struct EndRecord {
  std::int64_t stamp;
  std::int64_t before_ns;  // steady_clock just before the End's stamp
  std::int64_t after_ns;   // steady_clock just after the release returned
};
struct Worker {
  std::vector<Grant> grants;
  std::vector<EndRecord> ends;
  std::vector<std::int64_t> wait_ns;
};

// Per slot: the stamp of its last End. Written by the slot's holder before
// it releases the slot and read by the slot's next receiver: the pool's
// hand-off orders the two, as it orders any use of the slot.
struct alignas(64) SlotNote {
  std::int64_t end_stamp = -1;
};

struct Outcome {
  double seconds = 0;
  std::size_t pairs = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  double max_over_mean = 0;
  std::size_t waited = 0;
  std::size_t overtaken = 0;
  std::size_t overtaken_raw = 0;
  std::size_t overtaken_unpreempted = 0;
  double min_share = 0;
};

double Percentile(const std::vector<std::int64_t>& sorted, double q) {
  const auto i =
      static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return static_cast<double>(sorted[std::min(sorted.size() - 1, i)]) / 1e3;
}

// Counts the waiters and the overtaken waiters (see the file comment);
// `stamps` is the number of stamps handed out.
void CountOvertakes(const std::vector<Grant>& grants,
                    const std::vector<EndRecord>& ends, std::int64_t stamps,
                    Outcome* out) {
  std::vector<const EndRecord*> end_of(static_cast<std::size_t>(stamps),
                                       nullptr);
  for (const EndRecord& e : ends) {
    end_of[static_cast<std::size_t>(e.stamp)] = &e;
  }
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  // When the End that fed a grant took its stamp, and when it had returned
  // (never, for a slot's first grant).
  const auto fed_stamped_ns = [&](const Grant* g) {
    return g->fed_by < 0
               ? kNever
               : end_of[static_cast<std::size_t>(g->fed_by)]->before_ns;
  };
  const auto fed_returned_ns = [&](const Grant* g) {
    return g->fed_by < 0
               ? kNever
               : end_of[static_cast<std::size_t>(g->fed_by)]->after_ns;
  };
  std::vector<const Grant*> all;
  std::vector<const Grant*> waiters;
  all.reserve(grants.size());
  for (const Grant& g : grants) {
    all.push_back(&g);
    // Waited: the End that fed it took its stamp after the caller's.
    if (g.fed_by > g.arrival) waiters.push_back(&g);
  }
  out->waited = waiters.size();

  // Raw: in the order of the feeding Ends' stamps, a waiter is overtaken if
  // a grant fed earlier arrived later. Fed-by stamps are unique but for -1.
  std::sort(all.begin(), all.end(), [](const Grant* a, const Grant* b) {
    return a->fed_by < b->fed_by;
  });
  std::int64_t latest_arrival = -1;
  for (const Grant* g : all) {
    if (g->fed_by > g->arrival && latest_arrival > g->arrival) {
      ++out->overtaken_raw;
    }
    latest_arrival = std::max(latest_arrival, g->arrival);
  }

  // Beyond the tolerance: w is overtaken by v if v's feeding End returned
  // before w's feeding End took its stamp, and both v's arrival and v's
  // feeding End's stamp came more than kToleranceNs after w's arrival stamp.
  // So v takes part only through min(v's arrival, its End's stamp), and only
  // once its End has returned: a sweep in the order of the waiters' feeding
  // End stamps, over the grants in the order of their feeding End returns.
  std::sort(all.begin(), all.end(), [&](const Grant* a, const Grant* b) {
    return fed_returned_ns(a) < fed_returned_ns(b);
  });
  std::sort(waiters.begin(), waiters.end(),
            [&](const Grant* a, const Grant* b) {
              return fed_stamped_ns(a) < fed_stamped_ns(b);
            });
  std::int64_t latest = kNever;
  std::size_t next = 0;
  for (const Grant* w : waiters) {
    for (; next < all.size() && fed_returned_ns(all[next]) < fed_stamped_ns(w);
         ++next) {
      latest = std::max(
          latest, std::min(all[next]->before_ns, fed_stamped_ns(all[next])));
    }
    if (latest > w->after_ns + kToleranceNs) {
      ++out->overtaken;
      if (w->preempted == 0) ++out->overtaken_unpreempted;
    }
  }
}

template <class Pool>
Outcome RunSaturated(std::uint32_t capacity, int threads, double seconds) {
  Pool pool(capacity);
  std::vector<SlotNote> notes(kMaxSlots);
  std::vector<Worker> workers(static_cast<std::size_t>(threads));
  alignas(64) std::atomic<std::int64_t> stamps{0};
  alignas(64) std::atomic<bool> go{false};
  alignas(64) std::atomic<bool> stop{false};
  std::vector<std::thread> pool_threads;
  pool_threads.reserve(workers.size());
  for (Worker& worker : workers) {
    pool_threads.emplace_back([&pool, &notes, &stamps, &go, &stop, &worker] {
      worker.grants.reserve(1 << 14);
      worker.ends.reserve(1 << 14);
      worker.wait_ns.reserve(1 << 14);
      // acquire: pairs with the release store of `go` below (nothing is
      // published through it; the start is a gate only).
      go.wait(false, std::memory_order_acquire);
      // relaxed: a stop signal; the join publishes the records.
      while (!stop.load(std::memory_order_relaxed)) {
        const Clock::time_point arrived = Clock::now();
        // seq_cst: only the counter's modification order is read (it pairs
        // with no load); seq_cst keeps the stamp before the pool's own
        // atomic operations that follow it.
        const std::int64_t arrival =
            stamps.fetch_add(1, std::memory_order_seq_cst);
        const Clock::time_point stamped = Clock::now();
        rusage before{};
        if (g_preemption) getrusage(RUSAGE_THREAD, &before);
        const typename Pool::Handle h = pool.Acquire();
        const Clock::time_point granted = Clock::now();
        rusage after{};
        if (g_preemption) getrusage(RUSAGE_THREAD, &after);
        const std::uint32_t slot = Pool::SlotOf(h);
        if (slot >= kMaxSlots) Fail("slot id out of range");
        worker.grants.push_back({arrival, notes[slot].end_stamp,
                                 NanosOf(arrived), NanosOf(stamped),
                                 after.ru_nivcsw - before.ru_nivcsw});
        worker.wait_ns.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(granted -
                                                                 arrived)
                .count());
        Spin(kHoldSpin);
        const Clock::time_point ending = Clock::now();
        // seq_cst: as the arrival stamp; it stays before the release.
        const std::int64_t end = stamps.fetch_add(1, std::memory_order_seq_cst);
        notes[slot].end_stamp = end;
        pool.Release(h);
        worker.ends.push_back({end, NanosOf(ending), NanosOf(Clock::now())});
      }
    });
  }
  const Clock::time_point start = Clock::now();
  // release: pairs with the workers' acquire wait on `go`.
  go.store(true, std::memory_order_release);
  go.notify_all();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  // relaxed: a stop signal (see the workers' load).
  stop.store(true, std::memory_order_relaxed);
  for (std::thread& t : pool_threads) t.join();
  Outcome out;
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<Grant> grants;
  std::vector<EndRecord> ends;
  std::vector<std::int64_t> waits;
  for (Worker& w : workers) {
    grants.insert(grants.end(), w.grants.begin(), w.grants.end());
    ends.insert(ends.end(), w.ends.begin(), w.ends.end());
    waits.insert(waits.end(), w.wait_ns.begin(), w.wait_ns.end());
  }
  out.pairs = ends.size();
  std::size_t fewest = out.pairs;
  for (const Worker& w : workers) fewest = std::min(fewest, w.ends.size());
  out.min_share = static_cast<double>(fewest) * static_cast<double>(threads) /
                  static_cast<double>(std::max<std::size_t>(out.pairs, 1));
  if (!waits.empty()) {
    std::sort(waits.begin(), waits.end());
    out.p50_us = Percentile(waits, 0.50);
    out.p99_us = Percentile(waits, 0.99);
    out.p999_us = Percentile(waits, 0.999);
    out.max_us = static_cast<double>(waits.back()) / 1e3;
    double total = 0;
    for (const std::int64_t ns : waits) total += static_cast<double>(ns);
    const double mean = total / static_cast<double>(waits.size());
    out.max_over_mean = mean > 0 ? static_cast<double>(waits.back()) / mean : 0;
  }
  // relaxed: every worker has been joined.
  CountOvertakes(grants, ends, stamps.load(std::memory_order_relaxed), &out);
  return out;
}

template <class Pool>
void BM_SaturatedWait(benchmark::State& state) {
  const auto capacity = static_cast<std::uint32_t>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  Outcome out;
  for (auto _ : state) {
    out = RunSaturated<Pool>(capacity, threads, g_seconds);
    state.SetIterationTime(out.seconds);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(out.pairs));
  state.counters["pairs_per_s"] =
      benchmark::Counter(static_cast<double>(out.pairs) / out.seconds);
  state.counters["wait_p50_us"] = benchmark::Counter(out.p50_us);
  state.counters["wait_p99_us"] = benchmark::Counter(out.p99_us);
  state.counters["wait_p999_us"] = benchmark::Counter(out.p999_us);
  state.counters["wait_max_us"] = benchmark::Counter(out.max_us);
  state.counters["max_over_mean"] = benchmark::Counter(out.max_over_mean);
  state.counters["waited"] =
      benchmark::Counter(static_cast<double>(out.waited));
  state.counters["overtaken"] =
      benchmark::Counter(static_cast<double>(out.overtaken));
  state.counters["overtaken_raw"] =
      benchmark::Counter(static_cast<double>(out.overtaken_raw));
  state.counters["min_share"] = benchmark::Counter(out.min_share);
  if (g_preemption) {
    state.counters["overtaken_unpreempted"] =
        benchmark::Counter(static_cast<double>(out.overtaken_unpreempted));
  }
  state.SetLabel(Pool::kName);
}

#define JETSESSION_SATURATED_BENCHMARK_(pool) \
  BENCHMARK_TEMPLATE(BM_SaturatedWait, pool)  \
      ->ArgNames({"capacity", "threads"})     \
      ->Args({4, 8})                          \
      ->Args({4, 16})                         \
      ->Args({64, 128})                       \
      ->Args({64, 256})                       \
      ->Iterations(1)                         \
      ->UseManualTime()                       \
      ->Unit(benchmark::kMillisecond)

JETSESSION_SATURATED_BENCHMARK_(JetWaitPool);
JETSESSION_SATURATED_BENCHMARK_(MutexCondvarPool);
JETSESSION_SATURATED_BENCHMARK_(TbbBoundedQueuePool);
JETSESSION_SATURATED_BENCHMARK_(SemaphoreBitmapPool);

}  // namespace
}  // namespace jetsession::bench

int main(int argc, char** argv) {
  // --wait_seconds=S: the wall time of each run (Google Benchmark's own
  // flags do not set it: each benchmark is one iteration of one run).
  // --wait_preemption: also count the overtaken waiters that were not
  // involuntarily preempted during their wait call (two getrusage calls a
  // wait, a few microseconds each here: a diagnostic, not for timings).
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char kFlag[] = "--wait_seconds=";
    if (std::strncmp(argv[i], kFlag, sizeof(kFlag) - 1) == 0) {
      jetsession::bench::g_seconds = std::atof(argv[i] + sizeof(kFlag) - 1);
    } else if (std::strcmp(argv[i], "--wait_preemption") == 0) {
      jetsession::bench::g_preemption = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("wait_seconds",
                              std::to_string(jetsession::bench::g_seconds));
  benchmark::AddCustomContext("hold_spin",
                              std::to_string(jetsession::bench::kHoldSpin));
  benchmark::AddCustomContext("wait_preemption",
                              jetsession::bench::g_preemption ? "1" : "0");
  benchmark::AddCustomContext("tolerance_ns",
                              std::to_string(jetsession::bench::kToleranceNs));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
