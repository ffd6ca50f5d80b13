// Races on one session (the contract's "Sessions" and "Threads and session
// contexts"): several threads call on the same session at once (End, Dup,
// the session context), Dups from one shared session under contention,
// and contexts set and reset across threads. A session is used by one
// thread at a time: two calls on it never both proceed, and the one that
// is refused gets SessionSharingViolation. Each test prints its op counts
// and its seed.
#include <jetsession/jet.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyOneSessionTest = ConcurrencyTest;

// ---------------------------------------------------------------------------
// `racers` threads call the same function on the same session at the same
// instant (SpinBarrier::arrive_and_race() and Jitter()); thread 0 sets up
// the session before each race and tallies the results after it.
class OneSessionRace {
 public:
  OneSessionRace(JET_INSTANCE instance, int racers, Failures& failures)
      : instance_(instance),
        racers_(racers),
        failures_(failures),
        sync_(racers),
        results_(static_cast<std::size_t>(racers)),
        outs_(static_cast<std::size_t>(racers)) {}

  void Round(int t, absl::BitGen& gen) {
    RaceEnds(t, gen);
    RaceSetContexts(t, gen);
    RaceResetContexts(t, gen);
    RaceDups(t, gen);
    RaceEndsAgainstDups(t, gen);
    // The racers leave the round together, as they leave each tally: the
    // End race starts from here.
    sync_.arrive_and_wait();
  }

  void Print(int rounds) const {
    std::printf(
        "[TwoThreadsRaceOnOneSession] racers=%d rounds=%d (x5 races, %ld "
        "calls): End race %ld SharingViolation + %ld InvalidSesid; "
        "SetContext race %ld SharingViolation; Dup race %ld "
        "SharingViolation; End-vs-Dup race %ld SharingViolation, %ld "
        "InvalidSesid, %ld Dup won\n",
        racers_, rounds, static_cast<long>(rounds) * racers_ * 5,
        violations_[0], invalid_[0], violations_[1], violations_[2],
        violations_[3], invalid_[3], mixed_dup_wins_);
  }

 private:
  // Lines the racers up, then each makes `call` on the target; returns
  // once all have.
  template <class Call>
  void Race(int t, absl::BitGen& gen, Call call) {
    sync_.arrive_and_race();
    // relaxed: published by the barrier.
    const JET_SESID s = target_.load(std::memory_order_relaxed);
    Jitter(gen);
    results_[static_cast<std::size_t>(t)] = call(s);
    sync_.arrive_and_wait();
  }

  void BeginTarget() {
    JET_SESID s = JET_sesidNil;
    failures_.Expect(
        JetBeginSession(instance_, &s, nullptr, nullptr) == JET_errSuccess,
        [] { return std::string("Begin of the target failed"); });
    target_.store(s, std::memory_order_relaxed);  // published by the barrier
  }

  void ExpectCount(unsigned long want, const char* phase) {
    const unsigned long count = SessionCount(instance_);
    failures_.Expect(count == want, [&] {
      return absl::StrFormat("%d racers, %s: count %lu, want %lu", racers_,
                             phase, count, want);
    });
  }

  // Checks each racer's result against `allowed` and counts race `r`'s
  // sharing violations and InvalidSesid; returns the racers that won.
  std::vector<std::size_t> Tally(std::size_t r, const char* what,
                                 std::initializer_list<JET_ERR> allowed) {
    std::vector<std::size_t> winners;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      const JET_ERR err = results_[i];
      if (err == JET_errSuccess) winners.push_back(i);
      if (err == JET_errSessionSharingViolation) ++violations_[r];
      if (err == JET_errInvalidSesid) ++invalid_[r];
      failures_.Expect(err == JET_errSuccess || IsOneOf(err, allowed), [&] {
        return absl::StrFormat("racer %zu of %d: %s -> %s", i, racers_, what,
                               ErrName(err));
      });
    }
    return winners;
  }

  // Exactly one End wins; the others get InvalidSesid (after the winner) or
  // SessionSharingViolation (during it). A rejected call needs another call
  // in flight, so a round with no winner is a violation.
  void RaceEnds(int t, absl::BitGen& gen) {
    if (t == 0) BeginTarget();
    Race(t, gen, [](JET_SESID s) { return JetEndSession(s, 0); });
    if (t != 0) return;
    const std::size_t wins =
        Tally(0, "racing End",
              {JET_errInvalidSesid, JET_errSessionSharingViolation})
            .size();
    failures_.Expect(wins == 1, [&] {
      return absl::StrFormat("%d racers: %zu of the racing Ends won", racers_,
                             wins);
    });
    if (wins == 0) JetEndSession(target_.load(std::memory_order_relaxed), 0);
    ExpectCount(0, "after racing Ends");
  }

  // Exactly one SetSessionContext wins (the racer holding the session);
  // the others get SessionContextAlreadySet (after it) or
  // SessionSharingViolation. With the context set, End is refused.
  void RaceSetContexts(int t, absl::BitGen& gen) {
    if (t == 0) {
      BeginTarget();
      ctx_winner_.store(-1, std::memory_order_relaxed);
    }
    Race(t, gen, [t](JET_SESID s) {
      return JetSetSessionContext(s, 0x100 + static_cast<JET_API_PTR>(t));
    });
    if (t != 0) return;
    const std::vector<std::size_t> winners = Tally(
        1, "racing SetSessionContext",
        {JET_errSessionContextAlreadySet, JET_errSessionSharingViolation});
    failures_.Expect(winners.size() == 1, [&] {
      return absl::StrFormat("%d racers: %zu SetSessionContext won", racers_,
                             winners.size());
    });
    if (winners.size() == 1) {
      ctx_winner_.store(static_cast<int>(winners[0]),
                        std::memory_order_relaxed);
      const JET_ERR err =
          JetEndSession(target_.load(std::memory_order_relaxed), 0);
      failures_.Expect(err == JET_errSessionInUse, [&] {
        return "End with a context set -> " + ErrName(err);
      });
    }
  }

  // Everybody resets at once: only the setter may succeed, and it retries
  // alone if its reset was refused for sharing. Then the session ends.
  void RaceResetContexts(int t, absl::BitGen& gen) {
    Race(t, gen, [](JET_SESID s) { return JetResetSessionContext(s); });
    const int winner = ctx_winner_.load(std::memory_order_relaxed);
    if (t == 0) {
      for (std::size_t i = 0; i < results_.size(); ++i) {
        const JET_ERR err = results_[i];
        const bool is_winner = static_cast<int>(i) == winner;
        failures_.Expect(
            is_winner
                ? IsOneOf(err, {JET_errSuccess, JET_errSessionSharingViolation})
                : IsOneOf(err, {JET_errSessionContextNotSetByThisThread,
                                JET_errSessionSharingViolation}),
            [&] {
              return absl::StrFormat("racing Reset by %s -> %s",
                                     is_winner ? "the setter" : "another",
                                     ErrName(err));
            });
      }
    }
    sync_.arrive_and_wait();
    const JET_SESID s = target_.load(std::memory_order_relaxed);
    if (t == winner && results_[static_cast<std::size_t>(t)] ==
                           JET_errSessionSharingViolation) {
      const JET_ERR err = JetResetSessionContext(s);
      failures_.Expect(err == JET_errSuccess,
                       [&] { return "lone Reset -> " + ErrName(err); });
    }
    sync_.arrive_and_wait();
    if (t == 0) {
      const JET_ERR err = JetEndSession(s, 0);
      failures_.Expect(err == JET_errSuccess, [&] {
        return "End after the resets -> " + ErrName(err);
      });
    }
  }

  // Dups from one source: Success or SessionSharingViolation (leaving
  // JET_sesidNil), at least one Success, distinct handles; the count is
  // exactly 1 + the Dups that succeeded.
  void RaceDups(int t, absl::BitGen& gen) {
    if (t == 0) BeginTarget();
    JET_SESID& out = outs_[static_cast<std::size_t>(t)];
    Race(t, gen, [&out](JET_SESID s) {
      out = JET_sesidNil;
      return JetDupSession(s, &out);
    });
    if (t != 0) return;
    const JET_SESID s = target_.load(std::memory_order_relaxed);
    const std::vector<std::size_t> winners =
        Tally(2, "racing Dup", {JET_errSessionSharingViolation});
    const auto wins = static_cast<unsigned long>(winners.size());
    std::unordered_set<JET_SESID> distinct{s};
    for (const std::size_t i : winners) distinct.insert(outs_[i]);
    for (std::size_t i = 0; i < results_.size(); ++i) {
      failures_.Expect(
          results_[i] == JET_errSuccess || outs_[i] == JET_sesidNil,
          [] { return std::string("a refused Dup left a handle"); });
    }
    failures_.Expect(distinct.size() == 1 + wins, [] {
      return std::string("racing Dups issued one handle twice");
    });
    failures_.Expect(wins >= 1, [&] {
      return absl::StrFormat("%d racers: no racing Dup won", racers_);
    });
    ExpectCount(1 + wins, "after racing Dups");
    for (const std::size_t i : winners) JetEndSession(outs_[i], 0);
    JetEndSession(s, 0);
    ExpectCount(0, "after the Dups ended");
  }

  // Half the racers End, half Dup the same session: at most one End wins,
  // and the count after is consistent with the results (a Dup that
  // succeeded was linearized before the End).
  void RaceEndsAgainstDups(int t, absl::BitGen& gen) {
    if (t == 0) BeginTarget();
    JET_SESID& out = outs_[static_cast<std::size_t>(t)];
    const bool ender = (t % 2) == 0;
    Race(t, gen, [&out, ender](JET_SESID s) {
      out = JET_sesidNil;
      return ender ? JetEndSession(s, 0) : JetDupSession(s, &out);
    });
    if (t != 0) return;
    int end_wins = 0;
    int dup_wins = 0;
    for (const std::size_t i :
         Tally(3, "End or Dup in the mixed race",
               {JET_errInvalidSesid, JET_errSessionSharingViolation})) {
      ++((i % 2) == 0 ? end_wins : dup_wins);
    }
    failures_.Expect(end_wins <= 1, [] {
      return std::string("two Ends of one session succeeded");
    });
    mixed_dup_wins_ += dup_wins;
    ExpectCount(1UL - static_cast<unsigned long>(end_wins) +
                    static_cast<unsigned long>(dup_wins),
                "after End racing Dup");
    for (std::size_t i = 1; i < results_.size(); i += 2) {
      if (results_[i] == JET_errSuccess) JetEndSession(outs_[i], 0);
    }
    if (end_wins == 0)
      JetEndSession(target_.load(std::memory_order_relaxed), 0);
    ExpectCount(0, "after the mixed race");
  }

  const JET_INSTANCE instance_;
  const int racers_;
  Failures& failures_;
  SpinBarrier sync_;
  std::atomic<JET_SESID> target_{JET_sesidNil};
  std::atomic<int> ctx_winner_{-1};
  std::vector<JET_ERR> results_;
  std::vector<JET_SESID> outs_;
  std::array<long, 4> violations_{};  // per race, counted by thread 0
  std::array<long, 4> invalid_{};
  long mixed_dup_wins_ = 0;
};

TEST_F(ConcurrencyOneSessionTest, TwoThreadsRaceOnOneSession) {
  const std::uint64_t seed = TestSeed("TwoThreadsRaceOnOneSession");
  for (const int racers : {2, 4, 8}) {
    const int rounds = StressScale(racers == 8   ? 800
                                   : racers == 4 ? 2000
                                                 : 3000);
    ScopedInstance instance(static_cast<unsigned long>(racers + 2), "race");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    OneSessionRace race(instance.get(), racers, failures);
    RunThreads(racers, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(racers),
                                   static_cast<std::uint64_t>(t));
      for (int round = 0; round < rounds; ++round) race.Round(t, gen);
    });
    failures.Check(absl::StrFormat("%d racers: ", racers).c_str());
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    race.Print(rounds);
  }
}

// ---------------------------------------------------------------------------
// JetDupSession under contention: all threads Dup from ONE shared root at
// once, each holding up to k of the Dups; capacity 1 + T*k: every Dup is
// Success or SessionSharingViolation (never OutOfSessions), and a refused
// Dup leaves JET_sesidNil. Every handle is distinct; the count is exact at
// the end. (Dups from each thread's own sessions, at exact capacity:
// DupFromOwnSessionsNeverSpuriouslyFull in concurrency_capacity_test.cc.)
TEST_F(ConcurrencyOneSessionTest, DupUnderContention) {
  const std::uint64_t seed = TestSeed("DupUnderContention");
  const int threads = ThreadCount();
  constexpr int kPerThread = 3;
  ScopedInstance instance(static_cast<unsigned long>(1 + threads * kPerThread),
                          "dup-shared");
  ASSERT_TRUE(instance.ok());
  JET_SESID root = JET_sesidNil;
  ASSERT_EQ(JetBeginSession(instance.get(), &root, nullptr, nullptr),
            JET_errSuccess);
  Failures failures;
  std::atomic<long> wins{0};
  std::atomic<long> refused{0};
  std::vector<std::vector<JET_SESID>> held(static_cast<std::size_t>(threads));
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    auto& mine = held[static_cast<std::size_t>(t)];
    long my_wins = 0;
    long my_refused = 0;
    for (int i = 0; i < StressScale(200000); ++i) {
      if (mine.size() < static_cast<std::size_t>(kPerThread) &&
          absl::Bernoulli(gen, 0.6)) {
        JET_SESID s = 0;
        const JET_ERR err = JetDupSession(root, &s);
        if (err == JET_errSuccess) {
          ++my_wins;
          mine.push_back(s);
          continue;
        }
        ++my_refused;
        failures.Expect(
            err == JET_errSessionSharingViolation && s == JET_sesidNil,
            [&] { return "shared-root Dup -> " + ErrName(err); });
      } else if (!mine.empty()) {
        const std::size_t k = Pick(gen, mine.size());
        const JET_ERR err = JetEndSession(mine[k], 0);
        failures.Expect(err == JET_errSuccess,
                        [&] { return "End -> " + ErrName(err); });
        SwapErase(mine, k);
      }
    }
    wins += my_wins;
    refused += my_refused;
  });
  failures.Check();
  std::unordered_set<JET_SESID> distinct{root};
  for (const auto& mine : held) {
    for (const JET_SESID s : mine) {
      EXPECT_TRUE(distinct.insert(s).second) << "handle issued twice";
    }
  }
  EXPECT_EQ(SessionCount(instance.get()), 1 + TotalHeld(held));
  for (const auto& mine : held) {
    for (const JET_SESID s : mine) EXPECT_EQ(JetEndSession(s, 0), 0);
  }
  EXPECT_EQ(JetEndSession(root, 0), JET_errSuccess);
  EXPECT_EQ(SessionCount(instance.get()), 0U);
  EXPECT_GT(wins.load(), 0);
  std::printf(
      "[DupUnderContention] shared root, threads=%d: %ld Dup Success, %ld "
      "SessionSharingViolation\n",
      threads, wins.load(), refused.load());
}

// ---------------------------------------------------------------------------
// Session contexts across threads, in pairs of threads running at once:
// A sets a context; B's End gets SessionInUse, B's SetSessionContext gets
// SessionContextAlreadySet, B's reset SessionContextNotSetByThisThread, B's
// Dup works (a context does not stop other threads' calls); A's reset
// succeeds; then B ends the session (sessions move between threads between
// calls). The roles swap every round.
void ContextPairs(int pairs, int rounds) {
  ScopedInstance instance(static_cast<unsigned long>(2 * pairs), "context");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::vector<std::unique_ptr<SpinBarrier>> syncs;
  syncs.reserve(static_cast<std::size_t>(pairs));
  for (int p = 0; p < pairs; ++p) {
    syncs.push_back(std::make_unique<SpinBarrier>(2));
  }
  std::vector<std::atomic<JET_SESID>> shared(static_cast<std::size_t>(pairs));
  std::atomic<long> calls{0};
  RunThreads(2 * pairs, [&](int t) {
    const int pair = t / 2;
    SpinBarrier& sync = *syncs[static_cast<std::size_t>(pair)];
    std::atomic<JET_SESID>& slot = shared[static_cast<std::size_t>(pair)];
    long my_calls = 0;
    auto expect = [&](JET_ERR got, JET_ERR want, const char* what) {
      ++my_calls;
      failures.Expect(got == want, [&] {
        return absl::StrFormat("pair %d thread %d: %s -> %s, want %s", pair, t,
                               what, ErrName(got), ErrName(want));
      });
    };
    for (int round = 0; round < rounds; ++round) {
      const bool setter = (t % 2) == (round % 2);
      if (setter) {
        JET_SESID s = JET_sesidNil;
        expect(JetBeginSession(instance.get(), &s, nullptr, nullptr),
               JET_errSuccess, "Begin");
        expect(JetSetSessionContext(s, 0xabc0 + static_cast<JET_API_PTR>(t)),
               JET_errSuccess, "SetSessionContext by A");
        slot.store(s, std::memory_order_relaxed);  // the barrier publishes
      }
      sync.arrive_and_wait();
      const JET_SESID s = slot.load(std::memory_order_relaxed);
      if (!setter) {
        expect(JetEndSession(s, 0), JET_errSessionInUse, "End by B");
        expect(JetSetSessionContext(s, 0x77), JET_errSessionContextAlreadySet,
               "SetSessionContext by B");
        expect(JetResetSessionContext(s),
               JET_errSessionContextNotSetByThisThread, "Reset by B");
        JET_SESID d = JET_sesidNil;
        expect(JetDupSession(s, &d), JET_errSuccess, "Dup by B");
        expect(JetEndSession(d, 0), JET_errSuccess, "End of B's Dup");
      }
      sync.arrive_and_wait();
      if (setter) {
        expect(JetResetSessionContext(s), JET_errSuccess, "Reset by A");
        expect(JetResetSessionContext(s),
               JET_errSessionContextNotSetByThisThread, "second Reset by A");
      }
      sync.arrive_and_wait();
      if (!setter) {
        expect(JetEndSession(s, 0), JET_errSuccess, "End by B after reset");
        expect(JetSetSessionContext(s, 0x99), JET_errInvalidSesid,
               "SetSessionContext on the ended session");
      }
      sync.arrive_and_wait();
    }
    calls += my_calls;
  });
  ExpectDrained(failures, instance.get(), "",
                absl::StrFormat(
                    "[ContextsAcrossThreads] %d pairs x %d rounds: %ld checked "
                    "calls",
                    pairs, rounds, calls.load()));
}

// A context set by a thread that has exited is nobody else's, not even a
// later thread's that reuses its OS thread id. Such a session is stuck for
// good (nobody can reset it); JetTerm force-ends it.
void ContextsOfExitedThreads(int exits) {
  ScopedInstance stuck(static_cast<unsigned long>(exits), "context-exit");
  ASSERT_TRUE(stuck.ok());
  std::vector<JET_SESID> stuck_sessions;
  for (int i = 0; i < exits; ++i) {
    JET_SESID s = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(stuck.get(), &s, nullptr, nullptr),
              JET_errSuccess);
    stuck_sessions.push_back(s);
    std::thread([&] { EXPECT_EQ(JetSetSessionContext(s, 5), 0); }).join();
    std::thread([&] {
      EXPECT_EQ(JetResetSessionContext(s),
                JET_errSessionContextNotSetByThisThread);
      EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
    }).join();
    EXPECT_EQ(JetResetSessionContext(s),
              JET_errSessionContextNotSetByThisThread);
    EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
  }
  EXPECT_EQ(SessionCount(stuck.get()), static_cast<unsigned long>(exits));
  EXPECT_EQ(stuck.Terminate(), JET_errSuccess);
  for (const JET_SESID s : stuck_sessions) {
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
  }
  std::printf("[ContextsAcrossThreads] %d contexts left by exited threads\n",
              exits);
}

TEST_F(ConcurrencyOneSessionTest, ContextsAcrossThreads) {
  TestSeed("ContextsAcrossThreads");
  ContextPairs(ThreadCount() / 2, StressScale(4000));
  ContextsOfExitedThreads(StressScale(200));
}

}  // namespace
}  // namespace jetsession::concurrency_test
