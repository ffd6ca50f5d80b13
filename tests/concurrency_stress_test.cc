// Concurrency tests of the C API, oversubscribed (8 threads on 2 cores):
// exact capacity, distinct handles and exact counts at barriers, stale
// handles after reuse, stop/unavailable gating, Term under load, and two
// threads racing on one session. Each prints its op count.
#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_util.h"
#include "gtest/gtest.h"

namespace jetsession::testing {
namespace {

constexpr std::uint64_t kSeed = 0x6a657473657373ULL;

// Collects failures from worker threads; the test asserts on it at the end.
class Failures {
 public:
  void Add(const std::string& what) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (messages_.size() < 10) messages_.push_back(what);
    ++count_;
  }
  void Expect(bool ok, const std::string& what) {
    if (!ok) Add(what);
  }
  void Check() {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& message : messages_) ADD_FAILURE() << message;
    EXPECT_EQ(count_, 0);
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> messages_;
  long count_ = 0;
};

// T threads each hold at most k sessions of an instance of capacity T*k:
// a Begin or Dup may never see OutOfSessions, whatever the interleaving.
TEST(ConcurrencyStressTest, ExactCapacityNeverSpuriouslyFull) {
  constexpr int kPerThread = 3;
  ScopedInstance instance(kThreads * kPerThread);
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<long> ops{0};
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  RunThreads(kThreads, [&](int t) {
    absl::BitGen gen = MakeGen(kSeed, t);
    std::vector<JET_SESID> held;
    long local = 0;
    for (int i = 0; i < Scaled(60000); ++i) {
      const bool grow =
          held.empty() || (static_cast<int>(held.size()) < kPerThread &&
                           absl::Bernoulli(gen, 0.55));
      if (grow) {
        JET_SESID s = JET_sesidNil;
        const bool dup = !held.empty() && absl::Bernoulli(gen, 0.3);
        const JET_ERR err =
            dup ? JetDupSession(held.front(), &s)
                : JetBeginSession(instance.get(), &s, nullptr, nullptr);
        failures.Expect(err == JET_errSuccess,
                        absl::StrFormat("thread %d op %d: %s got %d", t, i,
                                        dup ? "dup" : "begin", err));
        if (err == JET_errSuccess) held.push_back(s);
      } else {
        const auto k = absl::Uniform<std::size_t>(gen, 0, held.size());
        const JET_ERR err = JetEndSession(held[k], 0);
        failures.Expect(err == JET_errSuccess,
                        absl::StrFormat("thread %d: end got %d", t, err));
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
      }
      ++local;
    }
    for (const JET_SESID s : held) JetEndSession(s, 0);
    ops += local;
  });
  failures.Check();
  unsigned long count = 1;
  EXPECT_EQ(JetExtGetSessionCount(instance.get(), &count), JET_errSuccess);
  EXPECT_EQ(count, 0U);
  std::printf("ExactCapacityNeverSpuriouslyFull: %ld ops\n", ops.load());
}

// Capacity 3, 8 threads: the number of sessions open (counted by the
// threads themselves) never exceeds 3, and every attempt either opens a
// session or says OutOfSessions.
TEST(ConcurrencyStressTest, NeverMoreThanCapacityOpen) {
  constexpr int kCapacity = 3;
  ScopedInstance instance(kCapacity);
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<int> open{0};
  std::atomic<long> ops{0};
  std::atomic<long> full{0};
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < Scaled(30000); ++i) {
      JET_SESID s = JET_sesidNil;
      const JET_ERR err = JetBeginSession(instance.get(), &s, nullptr, nullptr);
      if (err == JET_errOutOfSessions) {
        ++full;
        continue;
      }
      failures.Expect(err == JET_errSuccess,
                      absl::StrFormat("thread %d: begin got %d", t, err));
      if (err != JET_errSuccess) continue;
      const int now = open.fetch_add(1) + 1;
      failures.Expect(now <= kCapacity,
                      absl::StrFormat("%d sessions open at once", now));
      open.fetch_sub(1);
      failures.Expect(JetEndSession(s, 0) == JET_errSuccess, "end failed");
      ops += 2;
    }
  });
  failures.Check();
  std::printf("NeverMoreThanCapacityOpen: %ld ops, %ld OutOfSessions\n",
              ops.load(), full.load());
}

// Rounds separated by barriers: every thread opens sessions; at the
// barrier all handles are distinct and the count is exact; then all end.
TEST(ConcurrencyStressTest, HandlesDistinctAndCountExactAtBarriers) {
  constexpr int kPerThread = 40;
  constexpr int kRounds = 30;
  ScopedInstance instance(kThreads * kPerThread);
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::vector<std::vector<JET_SESID>> handles(kThreads);
  std::barrier opened(kThreads + 1);
  std::barrier checked(kThreads + 1);
  std::barrier ended(kThreads + 1);
  std::barrier recounted(kThreads + 1);
  std::thread checker([&] {
    for (int round = 0; round < kRounds; ++round) {
      opened.arrive_and_wait();
      std::set<JET_SESID> distinct;
      std::size_t total = 0;
      for (const auto& mine : handles) {
        distinct.insert(mine.begin(), mine.end());
        total += mine.size();
      }
      failures.Expect(distinct.size() == total, "a handle was issued twice");
      unsigned long count = 0;
      JetExtGetSessionCount(instance.get(), &count);
      failures.Expect(count == total,
                      absl::StrFormat("count %lu, %zu open", count, total));
      checked.arrive_and_wait();
      ended.arrive_and_wait();
      JetExtGetSessionCount(instance.get(), &count);
      failures.Expect(count == 0,
                      absl::StrFormat("count %lu after end", count));
      recounted.arrive_and_wait();
    }
  });
  RunThreads(kThreads, [&](int t) {
    absl::BitGen gen = MakeGen(kSeed, t);
    for (int round = 0; round < kRounds; ++round) {
      const int n = absl::Uniform(gen, 1, kPerThread + 1);
      for (int i = 0; i < n; ++i) {
        JET_SESID s = JET_sesidNil;
        const JET_ERR err =
            handles[t].empty() || absl::Bernoulli(gen, 0.5)
                ? JetBeginSession(instance.get(), &s, nullptr, nullptr)
                : JetDupSession(handles[t].back(), &s);
        failures.Expect(err == JET_errSuccess,
                        absl::StrFormat("open got %d", err));
        if (err == JET_errSuccess) handles[t].push_back(s);
      }
      opened.arrive_and_wait();
      checked.arrive_and_wait();
      for (const JET_SESID s : handles[t]) {
        failures.Expect(JetEndSession(s, 0) == JET_errSuccess, "end failed");
      }
      handles[t].clear();
      ended.arrive_and_wait();
      recounted.arrive_and_wait();
    }
  });
  checker.join();
  failures.Check();
}

// Slots of a small pool are reused thousands of times; every ended handle,
// kept by its thread, is rejected by every call, always.
TEST(ConcurrencyStressTest, StaleHandlesRejectedAfterReuse) {
  ScopedInstance instance(4);
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<long> ops{0};
  RunThreads(kThreads, [&](int t) {
    std::vector<JET_SESID> stale;
    long local = 0;
    for (int i = 0; i < Scaled(20000); ++i) {
      JET_SESID s = JET_sesidNil;
      const JET_ERR err = JetBeginSession(instance.get(), &s, nullptr, nullptr);
      if (err != JET_errSuccess) {
        failures.Expect(err == JET_errOutOfSessions,
                        absl::StrFormat("begin got %d", err));
        continue;
      }
      failures.Expect(JetEndSession(s, 0) == JET_errSuccess, "end failed");
      if (stale.size() < 64) {
        stale.push_back(s);
      } else {
        stale[static_cast<std::size_t>(i) % stale.size()] = s;
      }
      const JET_SESID old =
          stale[static_cast<std::size_t>(i * 7) % stale.size()];
      JET_SESID dup = 0;
      failures.Expect(JetEndSession(old, 0) == JET_errInvalidSesid,
                      absl::StrFormat("thread %d: stale end accepted", t));
      failures.Expect(JetDupSession(old, &dup) == JET_errInvalidSesid &&
                          dup == JET_sesidNil,
                      "stale dup accepted");
      failures.Expect(JetSetSessionContext(old, 1) == JET_errInvalidSesid,
                      "stale context accepted");
      local += 5;
    }
    ops += local;
  });
  failures.Check();
  std::printf("StaleHandlesRejectedAfterReuse: %ld ops\n", ops.load());
}

// Stop (or Unavailable) while 8 threads hammer Begin/Dup/End: a Begin or
// Dup that starts after the gating call returned never succeeds.
void CheckGating(bool unavailable) {
  ScopedInstance instance(64);
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<bool> gated{false};
  std::atomic<bool> stop{false};
  std::atomic<long> ops{0};
  const JET_ERR want_begin = unavailable ? JET_errInstanceUnavailable
                                         : JET_errClientRequestToStopJetService;
  std::thread gater([&] {
    while (ops.load() < Scaled(20000)) std::this_thread::yield();
    const JET_ERR err = unavailable
                            ? JetExtSetInstanceUnavailable(instance.get())
                            : JetStopServiceInstance(instance.get());
    failures.Expect(err == JET_errSuccess, "gating call failed");
    gated.store(true, std::memory_order_release);
    while (ops.load() < Scaled(20000) * 3) std::this_thread::yield();
    stop = true;
  });
  RunThreads(kThreads, [&](int t) {
    std::vector<JET_SESID> held;
    int i = 0;
    while (!stop.load()) {
      const bool after = gated.load(std::memory_order_acquire);
      JET_SESID s = JET_sesidNil;
      const JET_ERR err =
          held.empty() || (i & 1) != 0
              ? JetBeginSession(instance.get(), &s, nullptr, nullptr)
              : JetDupSession(held.back(), &s);
      if (after) {
        failures.Expect(
            err == want_begin,
            absl::StrFormat("thread %d: open after gating: %d", t, err));
      }
      if (err == JET_errSuccess) held.push_back(s);
      if (held.size() > 3 || (after && !held.empty())) {
        // End works after Stop; after Unavailable it fails (and may already
        // fail before the gating call returns).
        const JET_ERR end = JetEndSession(held.front(), 0);
        const bool end_ok = end == JET_errSuccess ||
                            (unavailable && end == JET_errInstanceUnavailable);
        failures.Expect(end_ok, absl::StrFormat("end got %d", end));
        if (end == JET_errSuccess || unavailable) held.erase(held.begin());
      }
      ++ops;
      ++i;
    }
    if (!unavailable) {
      for (const JET_SESID s : held) {
        failures.Expect(JetEndSession(s, 0) == JET_errSuccess,
                        "end after stop failed");
      }
    }
  });
  gater.join();
  failures.Check();
  if (!unavailable) {
    unsigned long count = 1;
    EXPECT_EQ(JetExtGetSessionCount(instance.get(), &count), JET_errSuccess);
    EXPECT_EQ(count, 0U);
  }
  std::printf("%s gating: %ld ops\n", unavailable ? "Unavailable" : "Stop",
              ops.load());
}

TEST(ConcurrencyStressTest, StopGating) { CheckGating(false); }

TEST(ConcurrencyStressTest, UnavailableGating) { CheckGating(true); }

// Term while 8 threads hammer Begin/Dup/End/contexts, over several rounds
// on fresh instances: every result is one the contract allows, Term
// returns Success, every handle is invalid afterwards, and no stale call
// lands in the next round's instance (its count is exactly its own).
TEST(ConcurrencyStressTest, TermWhileHammering) {
  constexpr int kRounds = 12;
  std::atomic<long> ops{0};
  for (int round = 0; round < kRounds; ++round) {
    JET_INSTANCE inst = 0;
    ASSERT_EQ(JetCreateInstance(&inst, "term"), JET_errSuccess);
    ASSERT_EQ(
        JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
    ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    Failures failures;
    std::atomic<bool> termed{false};
    std::atomic<long> round_ops{0};
    std::vector<std::vector<JET_SESID>> all(kThreads);
    std::thread terminator([&] {
      while (round_ops.load() < Scaled(5000)) std::this_thread::yield();
      failures.Expect(JetTerm(inst) == JET_errSuccess, "term failed");
      termed.store(true, std::memory_order_release);
    });
    RunThreads(kThreads, [&](int t) {
      absl::BitGen gen = MakeGen(kSeed + static_cast<std::uint64_t>(round), t);
      std::vector<JET_SESID>& held = all[t];
      while (!termed.load(std::memory_order_acquire) ||
             absl::Bernoulli(gen, 0.9)) {
        const bool after = termed.load(std::memory_order_acquire);
        const int op = absl::Uniform(gen, 0, 5);
        JET_SESID s = JET_sesidNil;
        JET_ERR err = JET_errSuccess;
        if (op <= 1 || held.empty()) {
          err = op == 1 && !held.empty()
                    ? JetDupSession(held.back(), &s)
                    : JetBeginSession(inst, &s, nullptr, nullptr);
          if (err == JET_errSuccess) held.push_back(s);
          const bool allowed =
              after
                  ? err == JET_errInvalidInstance || err == JET_errInvalidSesid
                  : err == JET_errSuccess || err == JET_errOutOfSessions ||
                        err == JET_errTermInProgress ||
                        err == JET_errInvalidInstance ||
                        err == JET_errInvalidSesid;
          failures.Expect(allowed, absl::StrFormat("open got %d%s", err,
                                                   after ? " after term" : ""));
        } else if (op == 2) {
          err = JetSetSessionContext(held.back(), 7);
          if (err == JET_errSuccess) err = JetResetSessionContext(held.back());
          failures.Expect(after ? err == JET_errInvalidSesid
                                : err == JET_errSuccess ||
                                      err == JET_errTermInProgress ||
                                      err == JET_errInvalidSesid,
                          absl::StrFormat("context got %d", err));
        } else {
          err = JetEndSession(held.front(), 0);
          failures.Expect(after ? err == JET_errInvalidSesid
                                : err == JET_errSuccess ||
                                      err == JET_errTermInProgress ||
                                      err == JET_errInvalidSesid,
                          absl::StrFormat("end got %d", err));
          held.erase(held.begin());
        }
        ++round_ops;
      }
    });
    terminator.join();
    // Every handle of the round is invalid now.
    for (const auto& held : all) {
      for (const JET_SESID s : held) {
        EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
      }
    }
    JET_SESID s = JET_sesidNil;
    EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
              JET_errInvalidInstance);
    EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
    failures.Check();
    ops += round_ops.load();
  }
  // The next instance (likely on the same record) starts empty and exact.
  ScopedInstance next(5);
  ASSERT_TRUE(next.ok());
  unsigned long count = 1;
  EXPECT_EQ(JetExtGetSessionCount(next.get(), &count), JET_errSuccess);
  EXPECT_EQ(count, 0U);
  std::vector<JET_SESID> mine(5);
  for (auto& s : mine) {
    EXPECT_EQ(JetBeginSession(next.get(), &s, nullptr, nullptr),
              JET_errSuccess);
  }
  JET_SESID extra = JET_sesidNil;
  EXPECT_EQ(JetBeginSession(next.get(), &extra, nullptr, nullptr),
            JET_errOutOfSessions);
  std::printf("TermWhileHammering: %ld ops over %d rounds\n", ops.load(),
              kRounds);
}

// Several threads end the same session at once: exactly one wins; the
// others get SessionSharingViolation or InvalidSesid. The same for
// concurrent SetSessionContext: at most one Success per session.
TEST(ConcurrencyStressTest, RacesOnOneSessionHaveOneWinner) {
  ScopedInstance instance(4);
  ASSERT_TRUE(instance.ok());
  constexpr int kRacers = 4;
  Failures failures;
  const int rounds = Scaled(3000);
  std::atomic<JET_SESID> target{JET_sesidNil};
  std::atomic<int> wins{0};
  std::atomic<int> context_wins{0};
  std::barrier sync(kRacers + 1);
  std::thread driver([&] {
    for (int r = 0; r < rounds; ++r) {
      JET_SESID s = JET_sesidNil;
      failures.Expect(JetBeginSession(instance.get(), &s, nullptr, nullptr) ==
                          JET_errSuccess,
                      "begin failed");
      target = s;
      sync.arrive_and_wait();  // racers set contexts
      sync.arrive_and_wait();
      failures.Expect(context_wins.exchange(0) == 1,
                      "not exactly one context Success");
      // Clear whatever context is set (it was set by some racer).
      sync.arrive_and_wait();  // racers reset theirs, then race End
      sync.arrive_and_wait();
      failures.Expect(wins.exchange(0) == 1, "not exactly one End Success");
    }
  });
  RunThreads(kRacers, [&](int t) {
    for (int r = 0; r < rounds; ++r) {
      sync.arrive_and_wait();
      const JET_SESID s = target.load();
      JET_ERR err = JetSetSessionContext(s, static_cast<JET_API_PTR>(t + 1));
      bool mine = err == JET_errSuccess;
      if (mine) ++context_wins;
      failures.Expect(mine || err == JET_errSessionContextAlreadySet ||
                          err == JET_errSessionSharingViolation,
                      absl::StrFormat("set context got %d", err));
      sync.arrive_and_wait();
      if (mine) {
        failures.Expect(JetResetSessionContext(s) == JET_errSuccess,
                        "reset by the setter failed");
      }
      sync.arrive_and_wait();
      err = JetEndSession(s, 0);
      if (err == JET_errSuccess) ++wins;
      failures.Expect(err == JET_errSuccess || err == JET_errInvalidSesid ||
                          err == JET_errSessionSharingViolation,
                      absl::StrFormat("end got %d", err));
      sync.arrive_and_wait();
    }
  });
  driver.join();
  failures.Check();
  std::printf("RacesOnOneSessionHaveOneWinner: %d rounds x %d racers\n", rounds,
              kRacers);
}

// A context set on thread A blocks End from thread B (SessionInUse) but
// not B's other calls; only A can reset it.
TEST(ConcurrencyStressTest, ContextsAcrossThreads) {
  ScopedInstance instance(4);
  ASSERT_TRUE(instance.ok());
  JET_SESID s = JET_sesidNil;
  ASSERT_EQ(JetBeginSession(instance.get(), &s, nullptr, nullptr),
            JET_errSuccess);
  std::thread a(
      [&] { EXPECT_EQ(JetSetSessionContext(s, 99), JET_errSuccess); });
  a.join();
  std::thread b([&] {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
    JET_SESID d = JET_sesidNil;
    EXPECT_EQ(JetDupSession(s, &d), JET_errSuccess);
    EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
    EXPECT_EQ(JetResetSessionContext(s),
              JET_errSessionContextNotSetByThisThread);
  });
  b.join();
  // Thread A has exited; a new thread is another thread.
  std::thread c([&] {
    EXPECT_EQ(JetResetSessionContext(s),
              JET_errSessionContextNotSetByThisThread);
  });
  c.join();
}

// Threads create, use and terminate their own instances at once.
TEST(ConcurrencyStressTest, ManyInstancesInParallel) {
  Failures failures;
  std::atomic<long> ops{0};
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < Scaled(300); ++i) {
      const std::string name = absl::StrFormat("parallel-%d", t);
      JET_INSTANCE inst = 0;
      JET_ERR err = JetCreateInstance(&inst, name.c_str());
      failures.Expect(err == JET_errSuccess,
                      absl::StrFormat("create got %d", err));
      if (err != JET_errSuccess) continue;
      failures.Expect(JetInit(&inst) == JET_errSuccess, "init failed");
      JET_SESID s = JET_sesidNil;
      failures.Expect(
          JetBeginSession(inst, &s, nullptr, nullptr) == JET_errSuccess,
          "begin failed");
      failures.Expect(JetTerm(inst) == JET_errSuccess, "term failed");
      failures.Expect(JetEndSession(s, 0) == JET_errInvalidSesid,
                      "session survived term");
      ops += 5;
    }
  });
  failures.Check();
  std::printf("ManyInstancesInParallel: %ld ops\n", ops.load());
}

}  // namespace
}  // namespace jetsession::testing
