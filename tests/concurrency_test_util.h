// concurrency_test_util.h: the one helper header of the concurrency tests
// (tests/concurrency_*_test.cc).
//
// - ThreadCount(): at least 8 threads, oversubscribed on purpose (this
//   machine has 2 cores: preemption in the middle of a CAS loop is the
//   interleaving that finds bugs).
// - StressScale(n): every iteration count, from ONE constant, kStressFactor
//   (raise it to soak), divided under ThreadSanitizer by ONE constant,
//   kTsanSlowdown, under AddressSanitizer by kAsanSlowdown, and by
//   JETSESSION_STRESS_DIVISOR where a build asks for it (coverage and
//   UBSan: lines and undefined behaviour, not interleavings).
// - TestSeed() / ThreadGen(): deterministic absl::BitGen per thread; the seed
//   is printed, and JETSESSION_TEST_SEED=<n> in the environment replays it.
// - Failures: a thread-safe collector of worker-thread failures (the first
//   few are reported, all are counted), so a broken invariant does not print
//   a million lines.
// - ScopedInstance / InstanceGuard: every instance a test creates is
//   terminated at scope exit. The process has ONE global registry, so a
//   leaked instance would change every later test (names, MaxInstances).
// - NoLiveInstances(): true when the registry holds no instance (probed via
//   the JET_paramMaxInstances rule), checked after each test by the fixture.
#ifndef JETSESSION_TESTS_CONCURRENCY_TEST_UTIL_H_
#define JETSESSION_TESTS_CONCURRENCY_TEST_UTIL_H_

#include <jetsession/error.h>
#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {

// ---- Sanitizer detection and scaling ---------------------------------------

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kUnderTsan = true;
#else
inline constexpr bool kUnderTsan = false;
#endif
#else
inline constexpr bool kUnderTsan = false;
#endif

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
#else
inline constexpr bool kUnderAsan = false;
#endif

// The one constant of the iteration counts: every loop, round and history
// count of the concurrency tests is StressScale(n), which multiplies by it.
// 1 in CI; raise it here, or build with -DJETSESSION_STRESS_FACTOR=<n>, to
// soak n times longer.
#ifndef JETSESSION_STRESS_FACTOR
#define JETSESSION_STRESS_FACTOR 1
#endif
inline constexpr int kStressFactor = JETSESSION_STRESS_FACTOR;
static_assert(kStressFactor >= 1, "JETSESSION_STRESS_FACTOR must be >= 1");

// The one constant that scales stress iterations down under TSan (which
// runs these loops about 4-10x slower; the barrier-bound races suffer most).
inline constexpr int kTsanSlowdown = 4;
// The same under ASan, which finds memory errors, not races: the histories'
// searches (CPU-bound, 2-3x slower there) need not run at full scale.
inline constexpr int kAsanSlowdown = 4;
// A build's own divisor (the coverage and UBSan builds: lines and undefined
// behaviour, not interleavings, which the release, ASan and TSan builds
// search at their scale).
#ifndef JETSESSION_STRESS_DIVISOR
#define JETSESSION_STRESS_DIVISOR 1
#endif
inline constexpr int kStressDivisor = JETSESSION_STRESS_DIVISOR;
static_assert(kStressDivisor >= 1, "JETSESSION_STRESS_DIVISOR must be >= 1");

// `iterations` scaled for the build: times kStressFactor, divided by
// kTsanSlowdown under TSan, kAsanSlowdown under ASan and kStressDivisor;
// never below 1 (nor above INT_MAX).
constexpr int StressScale(int iterations) {
  const long long scaled = static_cast<long long>(iterations) * kStressFactor /
                           (kUnderTsan ? kTsanSlowdown : 1) /
                           (kUnderAsan ? kAsanSlowdown : 1) / kStressDivisor;
  if (scaled < 1) return 1;
  return scaled > INT_MAX ? INT_MAX : static_cast<int>(scaled);
}

// ---- Threads ---------------------------------------------------------------

// Worker threads per test: at least 8, whatever the core count.
inline int ThreadCount() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::max(8, static_cast<int>(hw));
}

// A reusable sense-reversing spin barrier for `parties` threads. Spins a
// while, then yields (the machine is oversubscribed: a pure spin would
// starve the thread it waits for). arrive_and_wait() synchronizes-with
// every other party's arrival (acq_rel on the counter, release/acquire on
// the phase).
//
// arrive_and_race() also lines the parties up in time, for a race on one
// session: the last arriver sets a start instant a little ahead and every
// party spins on the clock until then. Plain barrier release is skewed by a
// thread's wake-up (measured here: 1-2 us, against a session call of
// 30-50 ns), so racers released by it almost never overlap.
class SpinBarrier {
 public:
  explicit SpinBarrier(int parties) : parties_(parties) {}
  SpinBarrier(const SpinBarrier&) = delete;
  SpinBarrier& operator=(const SpinBarrier&) = delete;
  SpinBarrier(SpinBarrier&&) = delete;
  SpinBarrier& operator=(SpinBarrier&&) = delete;
  ~SpinBarrier() = default;

  void arrive_and_wait() { Arrive(false); }

  void arrive_and_race() {
    Arrive(true);
    // relaxed: ordered by the phase_ acquire in Arrive().
    const std::int64_t start = start_ns_.load(std::memory_order_relaxed);
    while (NowNs() < start) {
    }
  }

 private:
  static std::int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void Arrive(bool race) {
    const unsigned phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
      // relaxed: both published by the release store of phase_.
      if (race) {
        start_ns_.store(NowNs() + kRaceLeadNs, std::memory_order_relaxed);
      }
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    for (int spins = 0; phase_.load(std::memory_order_acquire) == phase;
         ++spins) {
      if (spins > 2000) std::this_thread::yield();
    }
  }

  // Long enough for a spinning party to see the new phase, short enough
  // that the others rarely get preempted meanwhile.
  static constexpr std::int64_t kRaceLeadNs = 20'000;
  const int parties_;
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> phase_{0};
  std::atomic<std::int64_t> start_ns_{0};
};

// Runs body(thread_index) on `threads` threads and joins them all. The
// threads start their bodies together (a start barrier): without it, on 2
// cores a short body finishes before the last thread is even created, and
// the "concurrent" test runs its threads one after another.
inline void RunThreads(int threads, const std::function<void(int)>& body) {
  SpinBarrier start(threads);
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&start, &body, t] {
      start.arrive_and_wait();
      body(t);
    });
  }
  for (auto& thread : pool) thread.join();
}

// Spins 0..max_spins steps at random: shifts racers lined up by
// SpinBarrier::arrive_and_race() against each other by up to about a
// hundred nanoseconds, so that their calls overlap in every relative
// position (a session call takes 30-50 ns here).
inline void Jitter(absl::BitGen& gen, int max_spins = 64) {
  const int spins = absl::Uniform(absl::IntervalClosed, gen, 0, max_spins);
  for (volatile int i = 0; i < spins;) i = i + 1;
}

// Picks an index in [0, size).
inline std::size_t Pick(absl::BitGen& gen, std::size_t size) {
  return absl::Uniform<std::size_t>(gen, 0, size);
}

// Removes held[i] by moving the last element into its place.
template <class T>
void SwapErase(std::vector<T>& held, std::size_t i) {
  if (i + 1 != held.size()) held[i] = std::move(held.back());
  held.pop_back();
}

// The number of handles in `held` (one vector per thread).
template <class T>
std::size_t TotalHeld(const std::vector<std::vector<T>>& held) {
  std::size_t total = 0;
  for (const auto& mine : held) total += mine.size();
  return total;
}

// Waits (yielding) until `pred` holds. For "let the threads get going"
// before a Stop/Term, never as a substitute for a happens-before edge.
template <class Pred>
void YieldUntil(Pred pred) {
  while (!pred()) std::this_thread::yield();
}

// ---- Seeds -----------------------------------------------------------------

inline constexpr std::uint64_t kDefaultSeed = 0x6a65'7473'6573'7331ULL;

// The test's base seed: JETSESSION_TEST_SEED from the environment, else
// kDefaultSeed. Printed, so a failure can be replayed.
inline std::uint64_t TestSeed(const char* test_name) {
  std::uint64_t seed = kDefaultSeed;
  // getenv: on the test thread, before the workers start; nothing sets the
  // environment.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* env = std::getenv("JETSESSION_TEST_SEED")) {
    seed = std::strtoull(env, nullptr, 0);
  }
  std::printf("[%s] seed %llu (JETSESSION_TEST_SEED=%llu replays it)\n",
              test_name, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

// A generator for (seed, stream): deterministic given the seed (the
// interleaving is not, of course).
inline absl::BitGen ThreadGen(std::uint64_t seed, std::uint64_t stream) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed),
                    static_cast<std::uint32_t>(seed >> 32U),
                    static_cast<std::uint32_t>(stream),
                    static_cast<std::uint32_t>(stream >> 32U)};
  return absl::BitGen(seq);
}

// ---- Results ---------------------------------------------------------------

// "JET_errOutOfSessions(-1101)", for failure messages.
inline std::string ErrName(JET_ERR err) {
  return absl::StrFormat("%s(%d)",
                         std::string(ErrorName(static_cast<Error>(err))), err);
}

inline bool IsOneOf(JET_ERR err, std::initializer_list<JET_ERR> allowed) {
  return std::find(allowed.begin(), allowed.end(), err) != allowed.end();
}

// Collects failures from worker threads; Check() reports them on the test
// thread. std::mutex, not absl::Mutex: Debian's Abseil is not built with
// TSan.
class Failures {
 public:
  void Add(std::string what) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (messages_.size() < kKept) messages_.push_back(std::move(what));
    ++count_;
  }
  // Records `what()` when `ok` is false (the message is built only then).
  template <class Describe>
  bool Expect(bool ok, Describe what) {
    if (!ok) Add(what());
    return ok;
  }
  long count() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }
  // Reports the kept messages as test failures; false if there were any.
  bool Check(const char* where = "") {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& message : messages_) {
      ADD_FAILURE() << where << message;
    }
    EXPECT_EQ(count_, 0) << where << "failures in worker threads";
    return count_ == 0;
  }

 private:
  static constexpr std::size_t kKept = 12;
  std::mutex mutex_;
  std::vector<std::string> messages_;
  long count_ = 0;
};

// ---- Instances -------------------------------------------------------------

// A process-unique instance name: a leak in one test never turns into
// InstanceNameInUse in the next.
inline std::string UniqueName(const char* prefix) {
  static std::atomic<int> next{0};
  return absl::StrFormat("%s-%d", prefix, next.fetch_add(1));
}

// Creates, configures (MaxSessions and, when not 0, the ceiling
// JET_paramExtMaxSessionsCeiling) and initializes an instance; 0 on any
// failure (the failing step is printed).
inline JET_INSTANCE CreateRunning(const std::string& name,
                                  unsigned long max_sessions,
                                  unsigned long ceiling = 0) {
  JET_INSTANCE inst = 0;
  JET_ERR err = JetCreateInstance(&inst, name.c_str());
  if (err != JET_errSuccess) {
    std::printf("JetCreateInstance(%s): %d\n", name.c_str(), err);
    return 0;
  }
  err = JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, max_sessions,
                              nullptr);
  if (err != JET_errSuccess) {
    std::printf("JetSetSystemParameter(MaxSessions %lu): %d\n", max_sessions,
                err);
    JetTerm(inst);
    return 0;
  }
  if (ceiling != 0) {
    err = JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                ceiling, nullptr);
    if (err != JET_errSuccess) {
      std::printf("JetSetSystemParameter(ceiling %lu): %d\n", ceiling, err);
      JetTerm(inst);
      return 0;
    }
  }
  err = JetInit(&inst);
  if (err != JET_errSuccess) {
    std::printf("JetInit(%s): %d\n", name.c_str(), err);
    if (inst != 0) JetTerm(inst);
    return 0;
  }
  return inst;
}

// Terminates every instance handed to it at scope exit (JetTerm; an
// instance the test already terminated answers InvalidInstance, which is
// fine). Thread-safe Add().
class InstanceGuard {
 public:
  InstanceGuard() = default;
  InstanceGuard(const InstanceGuard&) = delete;
  InstanceGuard& operator=(const InstanceGuard&) = delete;
  ~InstanceGuard() { TerminateAll(); }

  JET_INSTANCE Add(JET_INSTANCE inst) {
    if (inst != 0) {
      const std::lock_guard<std::mutex> lock(mutex_);
      handles_.push_back(inst);
    }
    return inst;
  }
  void TerminateAll() {
    std::vector<JET_INSTANCE> handles;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      handles.swap(handles_);
    }
    for (const JET_INSTANCE inst : handles) {
      const JET_ERR err = JetTerm(inst);
      EXPECT_TRUE(err == JET_errSuccess || err == JET_errInvalidInstance)
          << "JetTerm at scope exit: " << err;
    }
  }

 private:
  std::mutex mutex_;
  std::vector<JET_INSTANCE> handles_;
};

// One running instance, terminated at scope exit (or by Terminate()).
class ScopedInstance {
 public:
  explicit ScopedInstance(unsigned long max_sessions,
                          const char* prefix = "concurrency")
      : handle_(CreateRunning(UniqueName(prefix), max_sessions)) {}
  ScopedInstance(const ScopedInstance&) = delete;
  ScopedInstance& operator=(const ScopedInstance&) = delete;
  ~ScopedInstance() {
    const JET_ERR err = Terminate();
    EXPECT_TRUE(err == JET_errSuccess || err == JET_errInvalidInstance)
        << "JetTerm at scope exit: " << err;
  }

  JET_INSTANCE get() const { return handle_; }
  bool ok() const { return handle_ != 0; }
  JET_ERR Terminate() {
    const JET_ERR err = handle_ == 0 ? JET_errSuccess : JetTerm(handle_);
    handle_ = 0;
    return err;
  }

 private:
  JET_INSTANCE handle_ = 0;
};

// The open-session count of `inst`, or ~0UL when the call fails.
inline unsigned long SessionCount(JET_INSTANCE inst) {
  unsigned long count = ~0UL;
  if (JetExtGetSessionCount(inst, &count) != JET_errSuccess) return ~0UL;
  return count;
}

// The end of a stress run: the workers' failures are reported (each
// prefixed with `where`), every session has ended (the count of `inst` is
// 0), and `report`, the run's figures, is printed as one line.
inline void ExpectDrained(Failures& failures, JET_INSTANCE inst,
                          const std::string& where, const std::string& report) {
  failures.Check(where.c_str());
  EXPECT_EQ(SessionCount(inst), 0U) << where << "sessions left open";
  std::printf("%s\n", report.c_str());
}

// True when no instance lives in the process. JET_paramMaxInstances can be
// changed only while no instance lives (else AlreadyInitialized), so: set
// it to another value, and back.
inline bool NoLiveInstances() {
  JET_API_PTR current = 0;
  if (JetGetSystemParameter(0, 0, JET_paramMaxInstances, &current, nullptr,
                            0) != JET_errSuccess) {
    return false;
  }
  const JET_API_PTR other = current == 1 ? 2 : current - 1;
  if (JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, other,
                            nullptr) != JET_errSuccess) {
    return false;
  }
  return JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, current,
                               nullptr) == JET_errSuccess;
}

// Base fixture: every test must leave the registry empty.
class ConcurrencyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(NoLiveInstances())
        << "the test left an instance alive in the process registry";
  }
};

}  // namespace jetsession::concurrency_test

#endif  // JETSESSION_TESTS_CONCURRENCY_TEST_UTIL_H_
