// Capacity at run time under concurrency (JetExtSetMaxSessions; the
// contract's "Capacity at run time" and "Concurrency guarantees"): at least
// 8 threads on this 2-core machine open and end sessions while capacities
// change under them.
//  - No double issue across resizes: no two open sessions share a slot
//    (JetExtGetSessionSlot), every slot is below the ceiling, every session
//    ends exactly once with Success; afterwards the count is 0 and the
//    instance takes exactly the capacity set last.
//  - Exact capacity across resizes: while every capacity set is at least
//    the most that can be open, no Begin or Dup answers OutOfSessions; at
//    quiescent checkpoints, exactly max(0, n - open) Begins succeed after a
//    resize to n, and the workers' racing opens stop exactly at the
//    capacity in force; a resize racing Ends leaves exactly
//    max(0, n - open) room once all have returned.
//  - The count is exact while only a resize is in flight (the contract
//    relaxes it for Begin, Dup and End in flight only).
//  - Calls ordered after a resize see its capacity (JetGetSystemParameter
//    and JetExtGetSessionStats on the resizing thread).
//  - Waiters and resizes: waiters are served as capacity grows (nothing is
//    lost), and a grow hands its room to the waiters first, oldest first.
//  - Stop, Unavailable and Term racing resizes: every resize answers
//    Success, InvalidParameter (above the ceiling) or the documented state
//    error; JetTerm completes.
//
// No timing is asserted: sleeps and yields never synchronize, deadlines only
// bound a hang. Each test prints its op counts and its seed
// (JETSESSION_TEST_SEED=<seed> replays the random choices, not the
// interleaving).
#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyResizeTest = ConcurrencyTest;

// A deadline no served waiter comes near: reaching it means a lost wake-up
// (or a grow whose room did not reach the waiters).
constexpr unsigned long kHangMs = 20'000;

// The capacity in force as JetGetSystemParameter(JET_paramMaxSessions)
// reads it, or ~0UL when the call fails.
unsigned long MaxSessionsOf(JET_INSTANCE inst) {
  JET_API_PTR value = 0;
  if (JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, nullptr,
                            0) != JET_errSuccess) {
    return ~0UL;
  }
  return static_cast<unsigned long>(value);
}

JET_EXTSESSIONSTATS StatsOf(JET_INSTANCE inst, JET_ERR* err) {
  JET_EXTSESSIONSTATS stats{};
  stats.cbStruct = sizeof(stats);
  *err = JetExtGetSessionStats(inst, &stats);
  return stats;
}

// Resizes `inst` to `n` and checks that the calls that follow on this
// thread see it: JetGetSystemParameter(JET_paramMaxSessions) and the
// statistics' cMaxSessions. Only for a thread that is the only one to
// resize `inst`. False (and a failure recorded) if not.
bool ResizeAndSee(JET_INSTANCE inst, unsigned long n, Failures& failures,
                  const char* where) {
  const JET_ERR err = JetExtSetMaxSessions(inst, n);
  if (!failures.Expect(err == JET_errSuccess, [&] {
        return absl::StrFormat("%s: JetExtSetMaxSessions(%lu) -> %s", where, n,
                               ErrName(err));
      })) {
    return false;
  }
  const unsigned long param = MaxSessionsOf(inst);
  JET_ERR stats_err = JET_errSuccess;
  const JET_EXTSESSIONSTATS stats = StatsOf(inst, &stats_err);
  return failures.Expect(
      param == n && stats_err == JET_errSuccess && stats.cMaxSessions == n,
      [&] {
        return absl::StrFormat(
            "%s: after JetExtSetMaxSessions(%lu): JET_paramMaxSessions reads "
            "%lu, stats -> %s with cMaxSessions %lu",
            where, n, param, ErrName(stats_err), stats.cMaxSessions);
      });
}

// Which open session holds each slot (0: none): a session that opens claims
// its slot here and must find it free; one about to end gives it back
// (before its End: the End's free happens-before the slot's next claim).
class SlotTable {
 public:
  explicit SlotTable(unsigned long ceiling)
      : ceiling_(ceiling), owners_(ceiling) {}

  // Session `s` has just opened: its slot is below the ceiling and held by
  // no other open session. Writes its slot to *slot (~0UL when there is
  // none to give back).
  bool Claim(JET_SESID s, unsigned long* slot, Failures& failures,
             const char* what) {
    *slot = ~0UL;
    unsigned long i = ~0UL;
    const JET_ERR err = JetExtGetSessionSlot(s, &i);
    if (!failures.Expect(err == JET_errSuccess && i < ceiling_, [&] {
          return absl::StrFormat(
              "%s: JetExtGetSessionSlot(%#x) -> %s, slot %lu (ceiling %lu)",
              what, static_cast<std::uint64_t>(s), ErrName(err), i, ceiling_);
        })) {
      return false;
    }
    // acq_rel: pairs with Release()'s CAS, ordered before the End that freed
    // the slot, which happens-before the Begin that claimed it again.
    const JET_SESID before = owners_[i].exchange(s, std::memory_order_acq_rel);
    if (!failures.Expect(before == 0, [&] {
          return absl::StrFormat(
              "%s: session %#x got slot %lu, still held by open session %#x%s",
              what, static_cast<std::uint64_t>(s), i,
              static_cast<std::uint64_t>(before),
              before == s ? " (the same handle issued twice)" : "");
        })) {
      return false;
    }
    *slot = i;
    return true;
  }

  // Session `s` (on `slot`, ~0UL: none) is about to be ended.
  void Release(JET_SESID s, unsigned long slot, Failures& failures) {
    if (slot == ~0UL) return;
    JET_SESID expected = s;
    // acq_rel: see Claim().
    const bool mine = owners_[slot].compare_exchange_strong(
        expected, 0, std::memory_order_acq_rel);
    failures.Expect(mine, [&] {
      return absl::StrFormat("slot %lu of session %#x was taken by %#x", slot,
                             static_cast<std::uint64_t>(s),
                             static_cast<std::uint64_t>(expected));
    });
  }

 private:
  const unsigned long ceiling_;
  std::vector<std::atomic<JET_SESID>> owners_;
};

struct Held {
  JET_SESID sesid;
  unsigned long slot;
};

// Ends held[i] (giving its slot back first): Success expected.
void EndHeld(std::vector<Held>& held, std::size_t i, SlotTable& slots,
             Failures& failures, const char* what) {
  slots.Release(held[i].sesid, held[i].slot, failures);
  const JET_ERR err = JetEndSession(held[i].sesid, 0);
  failures.Expect(err == JET_errSuccess, [&] {
    return absl::StrFormat("%s: End(%#x) -> %s", what,
                           static_cast<std::uint64_t>(held[i].sesid),
                           ErrName(err));
  });
  SwapErase(held, i);
}

// After every session ended: the count is 0, and after a resize to `c`
// exactly `c` Begins succeed (on distinct slots), then OutOfSessions.
void ExpectTakesExactly(JET_INSTANCE inst, unsigned long c,
                        unsigned long ceiling, const std::string& where) {
  EXPECT_EQ(SessionCount(inst), 0U) << where << "sessions left open";
  ASSERT_EQ(JetExtSetMaxSessions(inst, c), JET_errSuccess) << where;
  EXPECT_EQ(MaxSessionsOf(inst), c) << where;
  Failures failures;
  SlotTable slots(ceiling);
  std::vector<Held> held;
  for (unsigned long k = 0; k < c; ++k) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
    EXPECT_EQ(err, JET_errSuccess)
        << where << "Begin " << k + 1 << " of capacity " << c;
    if (err != JET_errSuccess) break;
    unsigned long slot = ~0UL;
    slots.Claim(s, &slot, failures, "final Begin");
    held.push_back({s, slot});
  }
  JET_SESID extra = 0;
  EXPECT_EQ(JetBeginSession(inst, &extra, nullptr, nullptr),
            JET_errOutOfSessions)
      << where << "Begin past capacity " << c;
  EXPECT_EQ(extra, JET_sesidNil) << where;
  EXPECT_EQ(SessionCount(inst), held.size()) << where;
  while (!held.empty()) {
    EndHeld(held, held.size() - 1, slots, failures, "final End");
  }
  failures.Check(where.c_str());
  EXPECT_EQ(SessionCount(inst), 0U) << where;
}

// ---------------------------------------------------------------------------
// Churn while one thread resizes continually. Workers Begin (or Dup one of
// their own) and End, each holding up to `per_thread`, until the resizer has
// made its resizes (at least `loops` operations each); the resizer sets
// capacities drawn from [low, high] (high <= the ceiling) and checks that it
// reads back each one. Throughout: every open session's slot is below the
// ceiling and no other open session's (so no handle is issued twice while
// open), every End succeeds, every failed open is OutOfSessions with
// JET_sesidNil (and with `never_full`, none fails at all).
struct ChurnSetup {
  const char* test;
  unsigned long ceiling;
  unsigned long low;  // the capacities the resizer draws from
  unsigned long high;
  std::size_t per_thread;
  bool never_full;
  int resizes;  // before StressScale
  int loops;    // per worker at least, before StressScale
};

void RunResizeChurn(std::uint64_t seed, int workers, const ChurnSetup& setup) {
  InstanceGuard guard;
  const JET_INSTANCE inst = guard.Add(
      CreateRunning(UniqueName("resize-churn"), setup.low, setup.ceiling));
  ASSERT_NE(inst, 0U);
  Failures failures;
  SlotTable slots(setup.ceiling);
  std::atomic<bool> resizing{true};
  std::atomic<long> opens{0};
  std::atomic<long> full{0};
  std::atomic<long> ends{0};
  long resizes = 0;
  unsigned long last = setup.low;
  RunThreads(workers + 1, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    if (t == workers) {
      // The resizer; the workers churn until it is done.
      for (int r = 0; r < StressScale(setup.resizes); ++r) {
        const auto n = absl::Uniform<unsigned long>(absl::IntervalClosed, gen,
                                                    setup.low, setup.high);
        if (!ResizeAndSee(inst, n, failures, setup.test)) break;
        last = n;
        ++resizes;
        Jitter(gen, 1000);
      }
      // relaxed: a stop signal; the join orders the rest.
      resizing.store(false, std::memory_order_relaxed);
      return;
    }
    std::vector<Held> held;
    long my_opens = 0;
    long my_full = 0;
    long my_ends = 0;
    for (int i = 0; i < StressScale(setup.loops) ||
                    resizing.load(std::memory_order_relaxed);
         ++i) {
      if (!held.empty() &&
          (held.size() >= setup.per_thread || absl::Bernoulli(gen, 0.5))) {
        EndHeld(held, Pick(gen, held.size()), slots, failures, "churn");
        ++my_ends;
        continue;
      }
      JET_SESID s = 0;
      const bool dup = !held.empty() && absl::Bernoulli(gen, 0.3);
      const JET_ERR err =
          dup ? JetDupSession(held[Pick(gen, held.size())].sesid, &s)
              : JetBeginSession(inst, &s, nullptr, nullptr);
      if (err == JET_errSuccess) {
        ++my_opens;
        unsigned long slot = ~0UL;
        slots.Claim(s, &slot, failures, dup ? "Dup" : "Begin");
        held.push_back({s, slot});
        continue;
      }
      ++my_full;
      failures.Expect(
          err == JET_errOutOfSessions && s == JET_sesidNil && !setup.never_full,
          [&] {
            return absl::StrFormat(
                "thread %d holding %zu: %s -> %s (*psesid %#x)%s", t,
                held.size(), dup ? "Dup" : "Begin", ErrName(err),
                static_cast<std::uint64_t>(s),
                setup.never_full ? "; every capacity set allows all open" : "");
          });
    }
    while (!held.empty()) {
      EndHeld(held, held.size() - 1, slots, failures, "final churn End");
      ++my_ends;
    }
    opens += my_opens;
    full += my_full;
    ends += my_ends;
  });
  failures.Check(absl::StrFormat("[%s] ", setup.test).c_str());
  EXPECT_EQ(opens.load(), ends.load()) << "every session ends once";
  EXPECT_EQ(MaxSessionsOf(inst), last) << "the last capacity set";
  absl::BitGen gen = ThreadGen(seed, 1000);
  ExpectTakesExactly(
      inst,
      absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0, setup.ceiling),
      setup.ceiling, absl::StrFormat("[%s] at the end: ", setup.test));
  std::printf(
      "[%s] workers=%d ceiling=%lu capacities %lu..%lu: %ld opens, %ld "
      "OutOfSessions, %ld ends, %ld resizes\n",
      setup.test, workers, setup.ceiling, setup.low, setup.high, opens.load(),
      full.load(), ends.load(), resizes);
}

// Capacities anywhere in [0, ceiling], on a pool of two words (ceiling 40):
// shrinks below the number open, grows past it, capacity 0.
TEST_F(ConcurrencyResizeTest, ChurnWhileResizingKeepsSlotsDistinct) {
  const std::uint64_t seed = TestSeed("ChurnWhileResizingKeepsSlotsDistinct");
  RunResizeChurn(seed, ThreadCount(),
                 {"ChurnWhileResizingKeepsSlotsDistinct", 40, 0, 40, 5, false,
                  100000, 20000});
}

// Exact capacity across resizes: workers hold at most k each, T*k in all,
// and every capacity set is at least T*k: no Begin or Dup may answer
// OutOfSessions, resize or not (its caller holds fewer than k, so fewer
// than T*k are open at its linearization point).
TEST_F(ConcurrencyResizeTest, NeverSpuriouslyFullWhileResizing) {
  const std::uint64_t seed = TestSeed("NeverSpuriouslyFullWhileResizing");
  const int workers = ThreadCount();
  constexpr std::size_t kPerThread = 3;
  const unsigned long most = static_cast<unsigned long>(workers) * kPerThread;
  RunResizeChurn(seed, workers,
                 {"NeverSpuriouslyFullWhileResizing", most + 16, most,
                  most + 16, kPerThread, true, 100000, 20000});
}

// ---------------------------------------------------------------------------
// The count is exact whenever no Begin, Dup or End is in flight (the
// contract, JetExtGetSessionCount): a resize in flight is none of them. The
// main thread holds k sessions (k changes between rounds); a resizer sets
// capacities anywhere in [0, ceiling] (below k, above it, 0) while counter
// threads read the count: every count is k.
TEST_F(ConcurrencyResizeTest, CountExactWhileResizing) {
  const std::uint64_t seed = TestSeed("CountExactWhileResizing");
  constexpr unsigned long kCeiling = 40;
  constexpr int kCounters = 3;
  const int rounds = StressScale(40);
  const int resizes_per_round = StressScale(2000);
  InstanceGuard guard;
  const JET_INSTANCE inst =
      guard.Add(CreateRunning(UniqueName("resize-count"), kCeiling, kCeiling));
  ASSERT_NE(inst, 0U);
  Failures failures;
  absl::BitGen gen = ThreadGen(seed, 1000);
  std::vector<JET_SESID> held;
  long counts = 0;
  long wrong = 0;
  int rounds_run = 0;
  // Stops at the first round with a wrong count (the report names it).
  for (int round = 0; round < rounds && failures.count() == 0; ++round) {
    ++rounds_run;
    // k open, no call in flight: grow to the ceiling, then Begin or End.
    ASSERT_EQ(JetExtSetMaxSessions(inst, kCeiling), JET_errSuccess);
    const auto k =
        absl::Uniform<std::size_t>(absl::IntervalClosed, gen, 0, kCeiling);
    while (held.size() < k) {
      JET_SESID s = JET_sesidNil;
      ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess);
      held.push_back(s);
    }
    while (held.size() > k) {
      ASSERT_EQ(JetEndSession(held.back(), 0), JET_errSuccess);
      held.pop_back();
    }
    std::atomic<bool> resizing{true};
    std::atomic<long> round_counts{0};
    std::atomic<long> round_wrong{0};
    RunThreads(kCounters + 1, [&](int t) {
      absl::BitGen my_gen =
          ThreadGen(seed, static_cast<std::uint64_t>(round) * 8U +
                              static_cast<unsigned>(t));
      if (t == kCounters) {
        for (int r = 0; r < resizes_per_round; ++r) {
          const JET_ERR err = JetExtSetMaxSessions(
              inst, absl::Uniform<unsigned long>(absl::IntervalClosed, my_gen,
                                                 0, kCeiling));
          failures.Expect(err == JET_errSuccess,
                          [&] { return "resize -> " + ErrName(err); });
        }
        resizing.store(false, std::memory_order_relaxed);
        return;
      }
      long my_counts = 0;
      long my_wrong = 0;
      while (resizing.load(std::memory_order_relaxed)) {
        unsigned long count = ~0UL;
        const JET_ERR err = JetExtGetSessionCount(inst, &count);
        ++my_counts;
        if (err != JET_errSuccess || count != k) {
          ++my_wrong;
          failures.Add(absl::StrFormat(
              "round %d: JetExtGetSessionCount -> %s, count %lu with %zu open "
              "(no Begin/Dup/End in flight; a resize in flight)",
              round, ErrName(err), count, k));
          break;  // one report per counter
        }
        Jitter(my_gen, 200);
      }
      round_counts += my_counts;
      round_wrong += my_wrong;
    });
    counts += round_counts.load();
    wrong += round_wrong.load();
  }
  for (const JET_SESID s : held) EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  failures.Check();
  EXPECT_EQ(SessionCount(inst), 0U);
  std::printf(
      "[CountExactWhileResizing] %d rounds of %d, %d resizes each: %ld "
      "counts, %ld wrong\n",
      rounds_run, rounds, resizes_per_round, counts, wrong);
}

// ---------------------------------------------------------------------------
// A resize racing Ends leaves the capacity exact. Each round, at rest: the
// pool filled (one word of 32 slots), then about half of the sessions
// ended, so that free slots and open ones alternate at random, and the
// capacity set to c0 (0..32, often below the k open: a debt). Then, racing
// (two threads: this machine has two cores), one thread ends j of the k
// sessions while the other resizes to c1 (a shrink, mostly: the Ends pay
// its debt while it reserves the free slots). Once all have returned, the
// capacity is c1 and k - j are open, whatever the order: exactly max(0, c1 - (k
// - j)) Begins succeed, then OutOfSessions.
TEST_F(ConcurrencyResizeTest, ResizeRacingEndsLeavesExactRoom) {
  const std::uint64_t seed = TestSeed("ResizeRacingEndsLeavesExactRoom");
  constexpr unsigned long kCeiling = 32;
  const int rounds = StressScale(40000);
  InstanceGuard guard;
  const JET_INSTANCE inst =
      guard.Add(CreateRunning(UniqueName("resize-ends"), kCeiling, kCeiling));
  ASSERT_NE(inst, 0U);
  Failures failures;
  SpinBarrier sync(2);
  // Written by thread 0 (the coordinator and the ender) between barriers.
  std::vector<JET_SESID> to_end;
  std::vector<JET_SESID> kept;
  unsigned long c0 = 0;
  unsigned long c1 = 0;
  bool stop = false;
  int rounds_run = 0;
  long shrunk_below_open = 0;
  RunThreads(2, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    for (;;) {
      if (t == 0) stop = stop || rounds_run == rounds;
      if (t == 0 && !stop) {
        // At rest: sessions open here and there, capacity c0.
        failures.Expect(JetExtSetMaxSessions(inst, kCeiling) == JET_errSuccess,
                        [] { return std::string("setup grow failed"); });
        kept.clear();
        to_end.clear();
        for (unsigned long i = 0; i < kCeiling; ++i) {
          JET_SESID s = JET_sesidNil;
          const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
          if (!failures.Expect(err == JET_errSuccess, [&] {
                return "setup Begin -> " + ErrName(err);
              })) {
            continue;
          }
          const int what = absl::Uniform(gen, 0, 4);
          if (what >= 2) {
            JetEndSession(s, 0);  // a free slot
          } else {
            (what == 0 ? to_end : kept).push_back(s);
          }
        }
        c0 = absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0,
                                          kCeiling);
        c1 = absl::Bernoulli(gen, 0.7)
                 ? absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0,
                                                c0 / 2)
                 : absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0,
                                                kCeiling);
        failures.Expect(JetExtSetMaxSessions(inst, c0) == JET_errSuccess,
                        [] { return std::string("setup resize failed"); });
        shrunk_below_open += c0 < to_end.size() + kept.size() ? 1 : 0;
      }
      sync.arrive_and_race();
      if (stop) return;  // written before the barrier
      if (t == 1) {
        const JET_ERR err = JetExtSetMaxSessions(inst, c1);
        failures.Expect(err == JET_errSuccess,
                        [&] { return "racing resize -> " + ErrName(err); });
      } else {
        // The resize takes a microsecond or so: the Ends spread over it.
        Jitter(gen, 1500);
        for (const JET_SESID s : to_end) {
          Jitter(gen, 100);
          const JET_ERR err = JetEndSession(s, 0);
          failures.Expect(err == JET_errSuccess,
                          [&] { return "racing End -> " + ErrName(err); });
        }
      }
      sync.arrive_and_wait();
      if (t != 0) continue;
      const std::size_t open = kept.size();
      const std::size_t want = c1 > open ? c1 - open : 0;
      std::vector<JET_SESID> extra;
      JET_ERR err = JET_errSuccess;
      while (extra.size() <= kCeiling) {
        JET_SESID s = JET_sesidNil;
        err = JetBeginSession(inst, &s, nullptr, nullptr);
        if (err != JET_errSuccess) break;
        extra.push_back(s);
      }
      const unsigned long count = SessionCount(inst);
      // The pool is not to be trusted after a wrong round: stop there.
      stop = !failures.Expect(
          err == JET_errOutOfSessions && extra.size() == want &&
              count == open + extra.size(),
          [&] {
            return absl::StrFormat(
                "round %d: %zu open at capacity %lu; %zu Ends raced "
                "JetExtSetMaxSessions(%lu); then %zu Begins succeeded before "
                "%s (want %zu), and the count was %lu (want %zu)",
                rounds_run, open + to_end.size(), c0, to_end.size(), c1,
                extra.size(), ErrName(err), want, count, open + extra.size());
          });
      ++rounds_run;
      for (const JET_SESID s : extra) JetEndSession(s, 0);
      for (const JET_SESID s : kept) JetEndSession(s, 0);
    }
  });
  if (failures.Check()) {
    EXPECT_EQ(SessionCount(inst), 0U);
  }
  std::printf(
      "[ResizeRacingEndsLeavesExactRoom] %d rounds of %d, ceiling %lu: %ld "
      "started below the number open\n",
      rounds_run, rounds, kCeiling, shrunk_below_open);
}

// ---------------------------------------------------------------------------
// Quiescent checkpoints. Rounds of four phases, separated by a barrier of
// the workers and the main thread:
//   1. main: resizes to n (drawn from [0, ceiling]) while the workers hold
//      their sessions; the count is what they hold; exactly
//      max(0, n - open) more Begins succeed, then OutOfSessions; ends them.
//   2. workers: end a random subset of their sessions (all Success).
//   3. main: notes the number open, o (and checks the count).
//   4. workers: open up to a random level each (Begin or Dup), racing, with
//      no End meanwhile; every failure is OutOfSessions.
// After phase 4 (main, at the next checkpoint): no End ran in phase 4, so
// the number open only grew: never past max(o, n), and if any open failed,
// exactly max(o, n) (a failure saw n open, or o >= n). With o >= n no open
// succeeded: shrinking below the number open is paid off first.
TEST_F(ConcurrencyResizeTest, QuiescentCheckpointsAreExact) {
  const std::uint64_t seed = TestSeed("QuiescentCheckpointsAreExact");
  const int workers = ThreadCount();
  constexpr unsigned long kCeiling = 40;
  constexpr int kPerThread = 6;
  const int rounds = StressScale(1500);
  InstanceGuard guard;
  const JET_INSTANCE inst =
      guard.Add(CreateRunning(UniqueName("resize-checkpoints"), 8, kCeiling));
  ASSERT_NE(inst, 0U);
  Failures failures;
  SlotTable slots(kCeiling);
  SpinBarrier sync(workers + 1);
  std::vector<std::vector<Held>> held(static_cast<std::size_t>(workers));
  // Per worker, per round: whether one of its opens answered OutOfSessions.
  std::vector<std::atomic<bool>> saw_full(static_cast<std::size_t>(workers));
  absl::BitGen main_gen = ThreadGen(seed, 1000);
  std::atomic<long> worker_opens{0};
  long extra_opens = 0;
  long rounds_full = 0;
  long rounds_shrunk = 0;  // o > n: shrunk below the number open
  unsigned long n = 8;
  std::size_t before_opens = 0;  // o

  // Phase 1 and the check of the previous phase 4 (main thread).
  const auto checkpoint = [&](int round) {
    const std::size_t open = TotalHeld(held);
    if (round > 0) {
      bool any_full = false;
      for (auto& f : saw_full) {
        // relaxed: ordered by the barrier.
        any_full |= f.exchange(false, std::memory_order_relaxed);
      }
      const std::size_t bound = std::max<std::size_t>(before_opens, n);
      failures.Expect(open <= bound && (!any_full || open == bound), [&] {
        return absl::StrFormat(
            "round %d: capacity %lu, %zu open before the racing opens, %zu "
            "after%s",
            round, n, before_opens, open,
            any_full ? ", and some answered OutOfSessions" : "");
      });
      rounds_full += any_full ? 1 : 0;
    }
    n = absl::Uniform<unsigned long>(absl::IntervalClosed, main_gen, 0,
                                     kCeiling);
    rounds_shrunk += n < open ? 1 : 0;
    ResizeAndSee(inst, n, failures, "checkpoint");
    const unsigned long count = SessionCount(inst);
    failures.Expect(count == open, [&] {
      return absl::StrFormat("round %d: count %lu after the resize, %zu open",
                             round, count, open);
    });
    std::vector<Held> extra;
    JET_ERR err = JET_errSuccess;
    while (extra.size() <= kCeiling) {
      JET_SESID s = JET_sesidNil;
      err = JetBeginSession(inst, &s, nullptr, nullptr);
      if (err != JET_errSuccess) break;
      unsigned long slot = ~0UL;
      slots.Claim(s, &slot, failures, "checkpoint Begin");
      extra.push_back({s, slot});
    }
    const std::size_t want = n > open ? n - open : 0;
    failures.Expect(err == JET_errOutOfSessions && extra.size() == want, [&] {
      return absl::StrFormat(
          "round %d: capacity %lu with %zu open: %zu Begins succeeded, then "
          "%s (want %zu, then OutOfSessions)",
          round, n, open, extra.size(), ErrName(err), want);
    });
    extra_opens += static_cast<long>(extra.size());
    while (!extra.empty()) {
      EndHeld(extra, extra.size() - 1, slots, failures, "checkpoint End");
    }
  };

  RunThreads(workers + 1, [&](int t) {
    if (t == workers) {
      for (int round = 0; round < rounds; ++round) {
        checkpoint(round);
        sync.arrive_and_wait();  // phase 2: the workers end
        sync.arrive_and_wait();
        before_opens = TotalHeld(held);  // phase 3
        const unsigned long count = SessionCount(inst);
        failures.Expect(count == before_opens, [&] {
          return absl::StrFormat("round %d: count %lu after the Ends, %zu open",
                                 round, count, before_opens);
        });
        sync.arrive_and_race();  // phase 4: the workers open
        sync.arrive_and_wait();
      }
      checkpoint(rounds);
      return;
    }
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    auto& mine = held[static_cast<std::size_t>(t)];
    long my_opens = 0;
    for (int round = 0; round < rounds; ++round) {
      sync.arrive_and_wait();
      for (std::size_t i = mine.size(); i-- > 0;) {
        if (absl::Bernoulli(gen, 0.4)) {
          EndHeld(mine, i, slots, failures, "worker End");
        }
      }
      sync.arrive_and_wait();
      sync.arrive_and_race();
      const int level = absl::Uniform(
          absl::IntervalClosed, gen, static_cast<int>(mine.size()), kPerThread);
      while (static_cast<int>(mine.size()) < level) {
        JET_SESID s = JET_sesidNil;
        const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.3);
        const JET_ERR err =
            dup ? JetDupSession(mine[Pick(gen, mine.size())].sesid, &s)
                : JetBeginSession(inst, &s, nullptr, nullptr);
        if (err == JET_errSuccess) {
          ++my_opens;
          unsigned long slot = ~0UL;
          slots.Claim(s, &slot, failures, dup ? "worker Dup" : "worker Begin");
          mine.push_back({s, slot});
          continue;
        }
        failures.Expect(err == JET_errOutOfSessions && s == JET_sesidNil, [&] {
          return absl::StrFormat("worker %s -> %s", dup ? "Dup" : "Begin",
                                 ErrName(err));
        });
        saw_full[static_cast<std::size_t>(t)].store(true,
                                                    std::memory_order_relaxed);
        break;  // full, and nobody ends in this phase
      }
      sync.arrive_and_wait();
    }
    worker_opens += my_opens;
  });
  for (auto& mine : held) {
    while (!mine.empty()) EndHeld(mine, mine.size() - 1, slots, failures, "");
  }
  failures.Check();
  ExpectTakesExactly(inst, kCeiling / 2, kCeiling, "at the end: ");
  std::printf(
      "[QuiescentCheckpointsAreExact] workers=%d rounds=%d ceiling=%lu: %ld "
      "worker opens, %ld checkpoint opens, %ld rounds whose racing opens "
      "filled the pool, %ld resizes below the number open\n",
      workers, rounds, kCeiling, worker_opens.load(), extra_opens, rounds_full,
      rounds_shrunk);
}

// ---------------------------------------------------------------------------
// Waiters and resizes: the pool starts full (the main thread holds its
// capacity); waiter threads call JetExtBeginSessionWait with a deadline no
// served waiter comes near (and now and then a plain Begin), hold what they
// get a moment and end it, while a resizer grows and shrinks the capacity
// between 0 and the ceiling until every waiter is done. Every wait must
// end with Success: whenever the capacity exceeds the number open, the room
// goes to a waiter (a lost one waits to its deadline: OutOfSessions).
// Afterwards nothing is lost: no waiter is counted, the count is 0, and
// the instance takes exactly the capacity set last.
TEST_F(ConcurrencyResizeTest, WaitersServedWhileResizing) {
  const std::uint64_t seed = TestSeed("WaitersServedWhileResizing");
  constexpr unsigned long kCeiling = 8;
  constexpr unsigned long kInitial = 2;
  const int waiters = ThreadCount() - 2;
  const int rounds = StressScale(4000);
  InstanceGuard guard;
  const JET_INSTANCE inst = guard.Add(
      CreateRunning(UniqueName("resize-waiters"), kInitial, kCeiling));
  ASSERT_NE(inst, 0U);
  Failures failures;
  SlotTable slots(kCeiling);
  std::vector<Held> main_held;
  for (unsigned long k = 0; k < kInitial; ++k) {
    JET_SESID s = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess);
    unsigned long slot = ~0UL;
    slots.Claim(s, &slot, failures, "main Begin");
    main_held.push_back({s, slot});
  }
  std::atomic<int> running{waiters};
  std::atomic<long> served{0};
  std::atomic<long> plain{0};
  long resizes = 0;
  RunThreads(waiters + 1, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    if (t == waiters) {
      // The resizer; a third of the time it lets the waiters run first.
      while (running.load(std::memory_order_acquire) > 0) {
        const auto n = absl::Uniform<unsigned long>(absl::IntervalClosed, gen,
                                                    0, kCeiling);
        if (!ResizeAndSee(inst, n, failures, "resizer")) break;
        ++resizes;
        Jitter(gen, 8000);
        if (absl::Bernoulli(gen, 0.3)) std::this_thread::yield();
      }
      return;
    }
    std::vector<Held> mine;
    long my_served = 0;
    long my_plain = 0;
    for (int r = 0; r < rounds; ++r) {
      JET_SESID s = JET_sesidNil;
      if (absl::Bernoulli(gen, 0.2)) {
        const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
        if (!failures.Expect(
                err == JET_errSuccess ||
                    (err == JET_errOutOfSessions && s == JET_sesidNil),
                [&] { return "plain Begin -> " + ErrName(err); }) ||
            err != JET_errSuccess) {
          continue;
        }
        ++my_plain;
      } else {
        const JET_ERR err = JetExtBeginSessionWait(inst, &s, kHangMs);
        if (!failures.Expect(err == JET_errSuccess, [&] {
              return absl::StrFormat("waiter %d round %d not served: %s", t, r,
                                     ErrName(err));
            })) {
          continue;
        }
        ++my_served;
      }
      unsigned long slot = ~0UL;
      slots.Claim(s, &slot, failures, "waiter");
      mine.push_back({s, slot});
      for (int y = absl::Uniform(gen, 0, 3); y > 0; --y) {
        std::this_thread::yield();
      }
      EndHeld(mine, 0, slots, failures, "waiter End");
    }
    served += my_served;
    plain += my_plain;
    // release: the resizer stops after the last waiter's calls.
    running.fetch_sub(1, std::memory_order_release);
  });
  while (!main_held.empty()) {
    EndHeld(main_held, main_held.size() - 1, slots, failures, "main End");
  }
  failures.Check();
  JET_ERR err = JET_errSuccess;
  const JET_EXTSESSIONSTATS stats = StatsOf(inst, &err);
  EXPECT_EQ(err, JET_errSuccess);
  EXPECT_EQ(stats.cWaiters, 0U) << "a waiter counted after all returned";
  EXPECT_EQ(stats.cSessionsOpen, 0U);
  absl::BitGen gen = ThreadGen(seed, 1000);
  ExpectTakesExactly(
      inst,
      absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0, kCeiling),
      kCeiling, "at the end: ");
  std::printf(
      "[WaitersServedWhileResizing] waiters=%d rounds=%d ceiling=%lu: %ld "
      "waits served, %ld plain Begins succeeded, %ld resizes, stats: %llu "
      "waits, %llu timeouts\n",
      waiters, rounds, kCeiling, served.load(), plain.load(), resizes,
      stats.cWaits, stats.cWaitTimeouts);
}

// Growing hands the new room to the waiters first, oldest first. Capacity 1,
// held by the main thread; K waiters queue one after the other (each seen
// queued, the statistics' cWaiters, before the next starts, so their order
// is known). Then the main thread shrinks to 0 and back to 1 now and then
// (no room: nobody is served, a plain Begin still finds the pool full), and
// grows the capacity in random steps: after a grow of m, a plain Begin
// answers OutOfSessions (the m new slots went to the waiters), and the
// waiters served so far are exactly the oldest ones.
TEST_F(ConcurrencyResizeTest, GrowServesWaitersOldestFirst) {
  const std::uint64_t seed = TestSeed("GrowServesWaitersOldestFirst");
  constexpr int kWaiters = 4;
  constexpr unsigned long kCeiling = 1 + kWaiters;
  const int rounds = StressScale(300);
  absl::BitGen gen = ThreadGen(seed, 0);
  Failures failures;
  long grows = 0;
  for (int round = 0; round < rounds; ++round) {
    InstanceGuard guard;
    const JET_INSTANCE inst =
        guard.Add(CreateRunning(UniqueName("resize-fifo"), 1, kCeiling));
    ASSERT_NE(inst, 0U);
    JET_SESID held = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(inst, &held, nullptr, nullptr), JET_errSuccess);
    // served[k]: waiter k has returned (with its result in results[k]).
    std::vector<std::atomic<bool>> returned(kWaiters);
    std::vector<JET_ERR> results(kWaiters, JET_errSuccess);
    std::vector<JET_SESID> sessions(kWaiters, JET_sesidNil);
    std::atomic<bool> release{false};
    std::vector<std::thread> threads;
    bool queued_in_order = true;
    for (int k = 0; k < kWaiters; ++k) {
      threads.emplace_back([&, k] {
        JET_SESID s = JET_sesidNil;
        results[static_cast<std::size_t>(k)] =
            JetExtBeginSessionWait(inst, &s, kHangMs);
        sessions[static_cast<std::size_t>(k)] = s;
        // release: publishes results[k] and sessions[k].
        returned[static_cast<std::size_t>(k)].store(true,
                                                    std::memory_order_release);
        // Holds its session until the round is over.
        YieldUntil([&] { return release.load(std::memory_order_acquire); });
        if (results[static_cast<std::size_t>(k)] == JET_errSuccess) {
          const JET_ERR err = JetEndSession(s, 0);
          failures.Expect(err == JET_errSuccess,
                          [&] { return "waiter End -> " + ErrName(err); });
        }
      });
      // Waiter k is queued (it holds a ticket) before waiter k + 1 starts.
      JET_ERR err = JET_errSuccess;
      YieldUntil([&] {
        const JET_EXTSESSIONSTATS stats = StatsOf(inst, &err);
        return err != JET_errSuccess ||
               stats.cWaiters >= static_cast<unsigned long>(k + 1) ||
               returned[static_cast<std::size_t>(k)].load(
                   std::memory_order_acquire);
      });
      const bool back =
          returned[static_cast<std::size_t>(k)].load(std::memory_order_acquire);
      if (err != JET_errSuccess || back) {
        failures.Add(absl::StrFormat(
            "round %d: waiter %d %s before a grow (stats: %s)", round, k,
            back ? "returned " + ErrName(results[static_cast<std::size_t>(k)])
                 : std::string("not seen queued"),
            ErrName(err)));
        queued_in_order = false;
        break;
      }
    }
    const auto served_count = [&] {
      int n = 0;
      for (auto& r : returned) n += r.load(std::memory_order_acquire) ? 1 : 0;
      return n;
    };
    const auto plain_begin_is_full = [&](const char* when) {
      JET_SESID s = JET_sesidNil;
      const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
      if (err == JET_errSuccess) JetEndSession(s, 0);
      failures.Expect(err == JET_errOutOfSessions, [&] {
        return absl::StrFormat(
            "round %d: a plain Begin %s while waiters wait -> %s", round, when,
            ErrName(err));
      });
    };
    int granted = 0;
    while (queued_in_order && granted < kWaiters) {
      const unsigned long capacity = 1 + static_cast<unsigned long>(granted);
      if (absl::Bernoulli(gen, 0.3)) {
        // No room either way: the held session and the waiters served fill
        // the capacity again.
        failures.Expect(JetExtSetMaxSessions(inst, 0) == JET_errSuccess,
                        [] { return std::string("shrink to 0 failed"); });
        plain_begin_is_full("at capacity 0");
        failures.Expect(JetExtSetMaxSessions(inst, capacity) == JET_errSuccess,
                        [] { return std::string("regrow failed"); });
        plain_begin_is_full("after a regrow to the number open");
      }
      const int step =
          absl::Uniform(absl::IntervalClosed, gen, 1, kWaiters - granted);
      failures.Expect(JetExtSetMaxSessions(
                          inst, capacity + static_cast<unsigned long>(step)) ==
                          JET_errSuccess,
                      [] { return std::string("grow failed"); });
      ++grows;
      plain_begin_is_full("after a grow");
      granted += step;
      YieldUntil([&] { return served_count() >= granted; });
      // The oldest `granted` waiters, served; the others still waiting.
      for (int k = 0; k < kWaiters; ++k) {
        const bool back = returned[static_cast<std::size_t>(k)].load(
            std::memory_order_acquire);
        const JET_ERR result =
            back ? results[static_cast<std::size_t>(k)] : JET_errSuccess;
        failures.Expect(back == (k < granted) && result == JET_errSuccess, [&] {
          return absl::StrFormat(
              "round %d: after growing to %lu, waiter %d (queued %d-th) %s "
              "(%s); the oldest %d should have been served",
              round, capacity + static_cast<unsigned long>(step), k, k + 1,
              back ? "returned" : "still waits", ErrName(result), granted);
        });
      }
    }
    if (granted < kWaiters) {
      // After a failure: room for every waiter, so that none waits on.
      JetExtSetMaxSessions(inst, kCeiling);
    }
    release.store(true, std::memory_order_release);
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(JetEndSession(held, 0), JET_errSuccess);
    EXPECT_EQ(SessionCount(inst), 0U);
    if (failures.count() != 0) break;
  }
  failures.Check();
  std::printf(
      "[GrowServesWaitersOldestFirst] rounds=%d waiters=%d: %ld grows, each "
      "served exactly the oldest waiters\n",
      rounds, kWaiters, grows);
}

// ---------------------------------------------------------------------------
// Stop, Unavailable and Term racing resizes. Each round: an instance of
// ceiling 6; two resizers call JetExtSetMaxSessions with values in
// [0, ceiling + 1] (the last one above the ceiling); three workers Begin,
// wait (JetExtBeginSessionWait: no wait, 1 ms, or no deadline) and End;
// the main thread now and then stops the instance and/or makes it
// unavailable, then terminates it. Every resize answers Success,
// InvalidParameter (above the ceiling) or the state error of a flag that
// had been set by the time it returned (a Stop never fails a resize), and:
//   - after JetExtSetInstanceUnavailable returned: InstanceUnavailable (or
//     InvalidInstance once the instance is gone);
//   - after JetTerm returned: InvalidInstance.
// No Begin or wait called after a gate returned succeeds; JetTerm returns
// Success (so every waiter has returned), and afterwards every call on the
// instance answers InvalidInstance.
TEST_F(ConcurrencyResizeTest, GatesRacingResizes) {
  const std::uint64_t seed = TestSeed("GatesRacingResizes");
  constexpr unsigned long kCeiling = 6;
  constexpr int kResizers = 2;
  constexpr int kWorkers = 3;
  const int rounds = StressScale(250);
  // Gates: a bit set before the call (started) and after it (returned).
  enum : unsigned { kStop = 1, kUnavailable = 2, kTerm = 4 };
  Failures failures;
  long resizes = 0;
  long resize_state_errors = 0;
  long waits = 0;
  for (int round = 0; round < rounds; ++round) {
    absl::BitGen gen = ThreadGen(seed, 1000U + static_cast<unsigned>(round));
    const JET_INSTANCE inst = CreateRunning(
        UniqueName("resize-gates"),
        absl::Uniform<unsigned long>(absl::IntervalClosed, gen, 0, kCeiling),
        kCeiling);
    ASSERT_NE(inst, 0U);
    std::atomic<unsigned> started{0};
    std::atomic<unsigned> returned{0};
    std::atomic<bool> over{false};
    std::atomic<long> round_resizes{0};
    std::atomic<long> round_state_errors{0};
    std::atomic<long> round_waits{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kResizers + kWorkers; ++t) {
      threads.emplace_back([&, t] {
        absl::BitGen my_gen =
            ThreadGen(seed, static_cast<std::uint64_t>(round) * 16U +
                                static_cast<std::uint64_t>(t));
        long my_resizes = 0;
        long my_state_errors = 0;
        long my_waits = 0;
        std::vector<JET_SESID> mine;
        // acquire: pairs with the main thread's release stores.
        while (!over.load(std::memory_order_acquire)) {
          const unsigned before = returned.load(std::memory_order_acquire);
          if (t < kResizers) {
            const auto n = absl::Uniform<unsigned long>(
                absl::IntervalClosed, my_gen, 0, kCeiling + 1);
            const JET_ERR err = JetExtSetMaxSessions(inst, n);
            const unsigned after = started.load(std::memory_order_acquire);
            ++my_resizes;
            std::vector<JET_ERR> allowed;
            if ((before & kTerm) != 0) {
              allowed = {JET_errInvalidInstance};
            } else if ((before & kUnavailable) != 0) {
              allowed = {JET_errInstanceUnavailable, JET_errInvalidInstance};
            } else {
              allowed = {n > kCeiling ? JET_errInvalidParameter
                                      : JET_errSuccess};
              if ((after & kUnavailable) != 0) {
                allowed.push_back(JET_errInstanceUnavailable);
              }
              if ((after & kTerm) != 0) {
                allowed.push_back(JET_errTermInProgress);
                allowed.push_back(JET_errInvalidInstance);
              }
            }
            my_state_errors +=
                err != JET_errSuccess && err != JET_errInvalidParameter ? 1 : 0;
            failures.Expect(
                std::find(allowed.begin(), allowed.end(), err) != allowed.end(),
                [&] {
                  return absl::StrFormat(
                      "round %d: JetExtSetMaxSessions(%lu) -> %s; gates "
                      "returned before it %#x, started by its return %#x",
                      round, n, ErrName(err), before, after);
                });
            Jitter(my_gen, 2000);
            continue;
          }
          // A worker.
          if (!mine.empty() &&
              (mine.size() >= 2 || absl::Bernoulli(my_gen, 0.5))) {
            const std::size_t i = Pick(my_gen, mine.size());
            const JET_ERR err = JetEndSession(mine[i], 0);
            failures.Expect(
                IsOneOf(err, {JET_errSuccess, JET_errInstanceUnavailable,
                              JET_errTermInProgress, JET_errInvalidSesid}),
                [&] { return "End -> " + ErrName(err); });
            if (err == JET_errSuccess || err == JET_errInvalidSesid) {
              SwapErase(mine, i);
            } else {
              mine.clear();  // held by the flag for good: Term ends them
            }
            continue;
          }
          JET_SESID s = JET_sesidNil;
          JET_ERR err = JET_errSuccess;
          const int how = absl::Uniform(my_gen, 0, 3);
          if (how == 0) {
            err = JetBeginSession(inst, &s, nullptr, nullptr);
          } else {
            ++my_waits;
            err = JetExtBeginSessionWait(
                inst, &s, how == 1 ? 1UL : JET_cmsecExtWaitForever);
          }
          failures.Expect(
              IsOneOf(err, {JET_errSuccess, JET_errOutOfSessions,
                            JET_errClientRequestToStopJetService,
                            JET_errInstanceUnavailable, JET_errTermInProgress,
                            JET_errInvalidInstance}) &&
                  (err != JET_errOutOfSessions || how != 2) &&
                  (err != JET_errSuccess || before == 0),
              [&] {
                return absl::StrFormat(
                    "round %d: %s -> %s; gates returned before it %#x", round,
                    how == 0 ? "Begin" : "BeginWait", ErrName(err), before);
              });
          if (err == JET_errSuccess) mine.push_back(s);
        }
        round_resizes += my_resizes;
        round_state_errors += my_state_errors;
        round_waits += my_waits;
      });
    }
    const auto gate = [&](unsigned which, JET_ERR want, auto&& call) {
      Jitter(gen, 20000);
      if (absl::Bernoulli(gen, 0.3)) std::this_thread::yield();
      started.fetch_or(which, std::memory_order_release);
      const JET_ERR err = call();
      EXPECT_EQ(err, want) << "round " << round << " gate " << which;
      returned.fetch_or(which, std::memory_order_release);
    };
    if (absl::Bernoulli(gen, 0.4)) {
      gate(kStop, JET_errSuccess, [&] { return JetStopServiceInstance(inst); });
    }
    if (absl::Bernoulli(gen, 0.3)) {
      gate(kUnavailable, JET_errSuccess,
           [&] { return JetExtSetInstanceUnavailable(inst); });
    }
    gate(kTerm, JET_errSuccess, [&] { return JetTerm(inst); });
    over.store(true, std::memory_order_release);
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(JetExtSetMaxSessions(inst, 1), JET_errInvalidInstance);
    unsigned long count = 0;
    EXPECT_EQ(JetExtGetSessionCount(inst, &count), JET_errInvalidInstance);
    resizes += round_resizes.load();
    resize_state_errors += round_state_errors.load();
    waits += round_waits.load();
    if (failures.count() != 0) break;
  }
  failures.Check();
  std::printf(
      "[GatesRacingResizes] rounds=%d: %ld resizes (%ld answered a state "
      "error), %ld waits\n",
      rounds, resizes, resize_state_errors, waits);
}

}  // namespace
}  // namespace jetsession::concurrency_test
