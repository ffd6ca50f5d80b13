// Capacity under concurrency (the contract's "Concurrency guarantees" 1 and
// 2): at least 8 threads on this 2-core machine (oversubscribed: preemption
// lands inside CAS loops) open and end sessions on instances of small,
// exact capacities.
//  - Exact capacity: a Begin or Dup (from any of a thread's own sessions)
//    linearized while fewer than MaxSessions are open succeeds, never
//    OutOfSessions.
//  - Never more than capacity: at no instant are more than MaxSessions open.
//  - No double issue, and the count is exact whenever no call is in flight.
//  - The race for the last m free slots has exactly m winners.
//
// Assertions are ones the contract implies for ANY linearizable
// implementation; no timing is asserted and sleeps never synchronize. Each
// test prints its op counts and its seed (JETSESSION_TEST_SEED=<seed>
// replays the random choices, not the interleaving).
#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyCapacityTest = ConcurrencyTest;

// T threads each hold at most k sessions; MaxSessions = T*k. At every
// instant at most T*k sessions are open, so a Begin/Dup must succeed: NO
// OutOfSessions, ever. Each thread opens up to a random level in
// [held, k] (Begin, or Dup of one of its own sessions), then ends a random
// number of them in random order.
void RunExactCapacity(std::uint64_t seed, int threads, int per_thread) {
  const unsigned long capacity = static_cast<unsigned long>(threads) *
                                 static_cast<unsigned long>(per_thread);
  ScopedInstance instance(capacity, "exact");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<long> opens{0};
  std::atomic<long> ends{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(per_thread),
                                 static_cast<std::uint64_t>(t));
    std::vector<JET_SESID> held;
    long my_opens = 0;
    long my_ends = 0;
    const auto end_at = [&](std::size_t k, const char* what) {
      const JET_ERR err = JetEndSession(held[k], 0);
      ++my_ends;
      failures.Expect(err == JET_errSuccess, [&] {
        return absl::StrFormat("k=%d thread %d: %s -> %s", per_thread, t, what,
                               ErrName(err));
      });
      SwapErase(held, k);
    };
    const int loops = StressScale(120000 / per_thread + 20000);
    for (int i = 0; i < loops; ++i) {
      const auto level =
          absl::Uniform<std::size_t>(absl::IntervalClosed, gen, held.size(),
                                     static_cast<std::size_t>(per_thread));
      while (held.size() < level) {
        JET_SESID s = JET_sesidNil;
        const bool dup = !held.empty() && absl::Bernoulli(gen, 0.3);
        const JET_ERR err =
            dup ? JetDupSession(held[Pick(gen, held.size())], &s)
                : JetBeginSession(instance.get(), &s, nullptr, nullptr);
        ++my_opens;
        if (!failures.Expect(err == JET_errSuccess, [&] {
              return absl::StrFormat(
                  "k=%d thread %d loop %d: %s with %zu held by me -> %s",
                  per_thread, t, i, dup ? "Dup" : "Begin", held.size(),
                  ErrName(err));
            })) {
          break;
        }
        held.push_back(s);
      }
      auto n_end =
          absl::Uniform<std::size_t>(absl::IntervalClosed, gen, 0, held.size());
      while (n_end-- > 0) end_at(Pick(gen, held.size()), "End");
    }
    while (!held.empty()) end_at(held.size() - 1, "final End");
    opens += my_opens;
    ends += my_ends;
  });
  ExpectDrained(
      failures, instance.get(), absl::StrFormat("k=%d: ", per_thread),
      absl::StrFormat(
          "[ExactCapacityNeverSpuriouslyFull] threads=%d k=%d MaxSessions=%lu: "
          "%ld Begin/Dup (all Success), %ld End",
          threads, per_thread, capacity, opens.load(), ends.load()));
}

// k = 1 makes every thread compete for the last free slot; k = 9 spreads
// the pool over three 32-slot words with a partial last word.
TEST_F(ConcurrencyCapacityTest, ExactCapacityNeverSpuriouslyFull) {
  const std::uint64_t seed = TestSeed("ExactCapacityNeverSpuriouslyFull");
  for (const int per_thread : {1, 3, 4, 9}) {
    RunExactCapacity(seed, ThreadCount(), per_thread);
  }
}

// ---------------------------------------------------------------------------
// Exact capacity through Dup: each thread Dups from its own sessions (a
// root and the Dups of Dups, any of which may end) on an instance of exact
// capacity T*(1+k): never OutOfSessions, never a sharing violation (no
// session is shared).
TEST_F(ConcurrencyCapacityTest, DupFromOwnSessionsNeverSpuriouslyFull) {
  const std::uint64_t seed = TestSeed("DupFromOwnSessionsNeverSpuriouslyFull");
  const int threads = ThreadCount();
  constexpr int kPerThread = 3;
  ScopedInstance instance(
      static_cast<unsigned long>(threads * (1 + kPerThread)), "dup-own");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<long> dups{0};
  std::atomic<long> ends{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    JET_SESID root = JET_sesidNil;
    failures.Expect(JetBeginSession(instance.get(), &root, nullptr, nullptr) ==
                        JET_errSuccess,
                    [] { return std::string("root Begin failed"); });
    std::vector<JET_SESID> mine{root};
    long my_dups = 0;
    long my_ends = 0;
    for (int i = 0; i < StressScale(200000); ++i) {
      if (mine.size() <= static_cast<std::size_t>(kPerThread) &&
          absl::Bernoulli(gen, 0.5)) {
        JET_SESID s = JET_sesidNil;
        const JET_ERR err = JetDupSession(mine[Pick(gen, mine.size())], &s);
        ++my_dups;
        if (failures.Expect(err == JET_errSuccess,
                            [&] { return "own Dup -> " + ErrName(err); })) {
          mine.push_back(s);
        }
      } else if (mine.size() > 1) {
        // Any of them, the root included: a Dup is a session like any.
        const std::size_t k = Pick(gen, mine.size());
        const JET_ERR err = JetEndSession(mine[k], 0);
        ++my_ends;
        failures.Expect(err == JET_errSuccess,
                        [&] { return "End -> " + ErrName(err); });
        SwapErase(mine, k);
      }
    }
    for (const JET_SESID s : mine) JetEndSession(s, 0);
    dups += my_dups;
    ends += my_ends;
  });
  ExpectDrained(failures, instance.get(), "",
                absl::StrFormat("[DupFromOwnSessionsNeverSpuriouslyFull] "
                                "threads=%d k=%d: %ld Dup, %ld End",
                                threads, kPerThread, dups.load(), ends.load()));
}

// ---------------------------------------------------------------------------
// Rounds separated by barriers: every thread opens some sessions (Begin or
// Dup) and ends some; at each barrier (no call in flight) the barrier's
// completion step checks that every handle ever issued in the test is new
// (a handle, even of an ended session, is never issued again: its copies
// must stay invalid) and that JetExtGetSessionCount equals the number open.
TEST_F(ConcurrencyCapacityTest, HandlesDistinctAndCountExactAtBarriers) {
  const std::uint64_t seed = TestSeed("HandlesDistinctAndCountExactAtBarriers");
  const int threads = ThreadCount();
  constexpr int kPerThread = 24;
  const int rounds = StressScale(2000);
  ScopedInstance instance(static_cast<unsigned long>(threads * kPerThread),
                          "distinct");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::vector<std::vector<JET_SESID>> held(static_cast<std::size_t>(threads));
  std::vector<std::vector<JET_SESID>> fresh(static_cast<std::size_t>(threads));
  std::unordered_set<JET_SESID> ever;  // touched only by completion steps
  long checks = 0;
  std::atomic<long> opens{0};
  std::atomic<long> ends{0};

  // Run on one thread once all have arrived; the barrier orders them after
  // every thread's calls of the phase and before the next phase.
  auto check_count = [&](const char* when) {
    const unsigned long count = SessionCount(instance.get());
    const std::size_t total = TotalHeld(held);
    if (count != total) {
      failures.Add(
          absl::StrFormat("after %s: count %lu, %zu open", when, count, total));
    }
    ++checks;
  };
  auto check_opened = [&]() noexcept {
    for (auto& mine : fresh) {
      for (const JET_SESID s : mine) {
        if (s == 0 || s == JET_sesidNil || !ever.insert(s).second) {
          failures.Add(absl::StrFormat("handle %#x issued twice (or 0/nil)",
                                       static_cast<std::uint64_t>(s)));
        }
      }
      mine.clear();
    }
    check_count("opening");
  };
  auto check_ended = [&]() noexcept { check_count("ending"); };
  std::barrier opened(threads, check_opened);
  std::barrier ended(threads, check_ended);

  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    auto& mine = held[static_cast<std::size_t>(t)];
    long my_opens = 0;
    long my_ends = 0;
    for (int round = 0; round < rounds; ++round) {
      const int n = absl::Uniform(absl::IntervalClosed, gen, 0,
                                  kPerThread - static_cast<int>(mine.size()));
      for (int i = 0; i < n; ++i) {
        JET_SESID s = JET_sesidNil;
        const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.5);
        const JET_ERR err =
            dup ? JetDupSession(mine[Pick(gen, mine.size())], &s)
                : JetBeginSession(instance.get(), &s, nullptr, nullptr);
        ++my_opens;
        if (failures.Expect(err == JET_errSuccess, [&] {
              return absl::StrFormat("round %d: %s -> %s", round,
                                     dup ? "Dup" : "Begin", ErrName(err));
            })) {
          mine.push_back(s);
          fresh[static_cast<std::size_t>(t)].push_back(s);
        }
      }
      opened.arrive_and_wait();
      // End a random subset (all of them in the last round).
      const bool last = round == rounds - 1;
      for (std::size_t i = mine.size(); i-- > 0;) {
        if (last || absl::Bernoulli(gen, 0.6)) {
          const JET_ERR err = JetEndSession(mine[i], 0);
          ++my_ends;
          failures.Expect(err == JET_errSuccess,
                          [&] { return "End -> " + ErrName(err); });
          SwapErase(mine, i);
        }
      }
      ended.arrive_and_wait();
    }
    opens += my_opens;
    ends += my_ends;
  });
  failures.Check();
  EXPECT_EQ(SessionCount(instance.get()), 0U);
  EXPECT_EQ(checks, 2L * rounds);
  std::printf(
      "[HandlesDistinctAndCountExactAtBarriers] threads=%d rounds=%d: %ld "
      "Begin/Dup, %ld End, %zu distinct handles, %ld barrier checks\n",
      threads, rounds, opens.load(), ends.load(), ever.size(), checks);
}

// ---------------------------------------------------------------------------
// "Full" is really full, churn form: 8+ threads race Begin/Dup/End on an
// instance of MaxSessions N, each holding up to `max_held`. Each thread
// increments a shared counter after a successful open returns and
// decrements it before calling End, so the counter never exceeds the
// number of sessions really open: it must never exceed N. Every attempt is
// a Success or OutOfSessions (leaving JET_sesidNil), nothing else.
struct Churn {
  const char* test;
  int capacity;
  std::size_t max_held;
  double dup_rate;  // of the opens made while holding a session
  int loops;        // per thread, before StressScale
};

void RunChurnAtCapacity(std::uint64_t seed, const Churn& churn) {
  const int threads = ThreadCount();
  const int n = churn.capacity;
  ScopedInstance instance(static_cast<unsigned long>(n), "full");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<int> open{0};
  std::atomic<int> max_open{0};
  std::atomic<long> attempts{0};
  std::atomic<long> successes{0};
  std::atomic<long> full{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(n),
                                 static_cast<std::uint64_t>(t));
    std::vector<JET_SESID> held;
    long my_attempts = 0;
    long my_successes = 0;
    long my_full = 0;
    const auto end_at = [&](std::size_t k) {
      open.fetch_sub(1, std::memory_order_acq_rel);
      const JET_ERR err = JetEndSession(held[k], 0);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "End -> " + ErrName(err); });
      SwapErase(held, k);
    };
    for (int i = 0; i < StressScale(churn.loops); ++i) {
      if (held.size() >= churn.max_held ||
          (!held.empty() && absl::Bernoulli(gen, 0.5))) {
        end_at(Pick(gen, held.size()));
        continue;
      }
      JET_SESID s = 0;
      const bool dup = !held.empty() && absl::Bernoulli(gen, churn.dup_rate);
      const JET_ERR err =
          dup ? JetDupSession(held.front(), &s)
              : JetBeginSession(instance.get(), &s, nullptr, nullptr);
      ++my_attempts;
      if (err == JET_errSuccess) {
        ++my_successes;
        const int now = open.fetch_add(1, std::memory_order_acq_rel) + 1;
        int seen = max_open.load(std::memory_order_relaxed);
        while (now > seen && !max_open.compare_exchange_weak(seen, now)) {
        }
        failures.Expect(now <= n, [&] {
          return absl::StrFormat("N=%d: %d sessions open at once", n, now);
        });
        held.push_back(s);
        continue;
      }
      if (err == JET_errOutOfSessions) ++my_full;
      failures.Expect(err == JET_errOutOfSessions && s == JET_sesidNil, [&] {
        return absl::StrFormat("N=%d: %s -> %s (*psesid %#x)", n,
                               dup ? "Dup" : "Begin", ErrName(err),
                               static_cast<std::uint64_t>(s));
      });
    }
    while (!held.empty()) end_at(held.size() - 1);
    attempts += my_attempts;
    successes += my_successes;
    full += my_full;
  });
  failures.Check(absl::StrFormat("N=%d: ", n).c_str());
  EXPECT_EQ(attempts.load(), successes.load() + full.load());
  EXPECT_LE(max_open.load(), n);
  EXPECT_EQ(SessionCount(instance.get()), 0U);
  std::printf(
      "[%s] threads=%d N=%d held<=%zu: %ld attempts = %ld Success + %ld "
      "OutOfSessions; max open seen %d\n",
      churn.test, threads, n, churn.max_held, attempts.load(), successes.load(),
      full.load(), max_open.load());
}

// Threads hold up to 2 sessions each (Begin, or Dup half the time).
TEST_F(ConcurrencyCapacityTest, FullIsReallyFull) {
  const std::uint64_t seed = TestSeed("FullIsReallyFull");
  for (const int capacity : {1, 3, 4}) {
    RunChurnAtCapacity(seed, {"FullIsReallyFull", capacity, 2, 0.5, 200000});
  }
}

// Capacity 3: threads Begin and End at once, holding at most one session
// each, so most Begins meet a full pool whose slots come and go.
TEST_F(ConcurrencyCapacityTest, NeverMoreThanCapacityOpen) {
  const std::uint64_t seed = TestSeed("NeverMoreThanCapacityOpen");
  RunChurnAtCapacity(seed, {"NeverMoreThanCapacityOpen", 3, 1, 0.0, 60000});
}

// ---------------------------------------------------------------------------
// "Full" is really full, exact form. Between rounds (no call in flight),
// exactly N - m of N slots are held; then all threads race one open each
// (Begin, or Dup of a held session that only that thread uses) while nobody
// ends anything. In any sequential order of those opens the first m succeed
// and the others find N open: exactly m Success, T - m OutOfSessions. A
// spurious full gives fewer winners; a double issue more.
struct LastSlotsRace {
  LastSlotsRace(JET_INSTANCE inst, int n, int t, std::uint64_t seed)
      : instance(inst),
        capacity(n),
        threads(t),
        sync(t),
        coordinator(ThreadGen(seed, 1000 + static_cast<std::uint64_t>(n))),
        results(static_cast<std::size_t>(t)),
        opened(static_cast<std::size_t>(t)) {}

  const JET_INSTANCE instance;
  const int capacity;
  const int threads;
  Failures failures;
  SpinBarrier sync;
  absl::BitGen coordinator;
  std::vector<JET_SESID> held;  // thread 0's between barriers; read in race
  std::vector<JET_ERR> results;
  std::vector<JET_SESID> opened;
  int m = 0;
  long winners = 0;
  long losers = 0;

  // One round on thread t: thread 0 sets up, all race one open each, thread
  // 0 tallies.
  void Round(int t, int round, absl::BitGen& gen) {
    const auto me = static_cast<std::size_t>(t);
    if (t == 0) SetUp();
    sync.arrive_and_race();
    JET_SESID s = JET_sesidNil;
    const bool dup = me < held.size() && absl::Bernoulli(gen, 0.5);
    Jitter(gen, 256);
    results[me] = dup ? JetDupSession(held[me], &s)
                      : JetBeginSession(instance, &s, nullptr, nullptr);
    opened[me] = s;
    sync.arrive_and_wait();
    if (t == 0) Tally(round);
    sync.arrive_and_wait();
  }

  // Thread 0, between barriers: exactly N - m open, m <= T, shuffled so that
  // the Dup sources change hands.
  void SetUp() {
    m = absl::Uniform(absl::IntervalClosed, coordinator, 0,
                      std::min(capacity, threads));
    while (static_cast<int>(held.size()) > capacity - m) {
      const std::size_t k = Pick(coordinator, held.size());
      failures.Expect(JetEndSession(held[k], 0) == JET_errSuccess,
                      [] { return std::string("setup End failed"); });
      SwapErase(held, k);
    }
    while (static_cast<int>(held.size()) < capacity - m) {
      JET_SESID s = JET_sesidNil;
      failures.Expect(
          JetBeginSession(instance, &s, nullptr, nullptr) == JET_errSuccess,
          [] { return std::string("setup Begin failed"); });
      held.push_back(s);
    }
    std::shuffle(held.begin(), held.end(), coordinator);
  }

  // Thread 0, after the race: m winners, the others OutOfSessions.
  void Tally(int round) {
    int won = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i] == JET_errSuccess) {
        ++won;
        held.push_back(opened[i]);
        continue;
      }
      failures.Expect(results[i] == JET_errOutOfSessions, [&] {
        return absl::StrFormat("N=%d round %d: open -> %s", capacity, round,
                               ErrName(results[i]));
      });
    }
    failures.Expect(won == m, [&] {
      return absl::StrFormat(
          "N=%d round %d: %d free slots, %d threads raced, %d won", capacity,
          round, m, threads, won);
    });
    winners += won;
    losers += threads - won;
    const unsigned long count = SessionCount(instance);
    failures.Expect(count == held.size(), [&] {
      return absl::StrFormat("N=%d: count %lu, %zu open", capacity, count,
                             held.size());
    });
  }
};

TEST_F(ConcurrencyCapacityTest, RaceForLastSlotsHasExactWinners) {
  const std::uint64_t seed = TestSeed("RaceForLastSlotsHasExactWinners");
  const int threads = ThreadCount();
  for (const int capacity : {1, 4, 33}) {
    ScopedInstance instance(static_cast<unsigned long>(capacity), "last");
    ASSERT_TRUE(instance.ok());
    const int rounds = StressScale(capacity == 33 ? 2000 : 6000);
    LastSlotsRace race(instance.get(), capacity, threads, seed);
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(capacity),
                                   static_cast<std::uint64_t>(t));
      for (int round = 0; round < rounds; ++round) race.Round(t, round, gen);
    });
    race.failures.Check(absl::StrFormat("N=%d: ", capacity).c_str());
    for (const JET_SESID s : race.held) EXPECT_EQ(JetEndSession(s, 0), 0);
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[RaceForLastSlotsHasExactWinners] threads=%d N=%d rounds=%d: %ld "
        "Success, %ld OutOfSessions\n",
        threads, capacity, rounds, race.winners, race.losers);
  }
}

}  // namespace
}  // namespace jetsession::concurrency_test
