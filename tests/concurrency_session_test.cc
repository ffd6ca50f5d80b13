// Concurrency tests of the session C API (<jetsession/jet.h>) against the
// contract's "Concurrency guarantees", "Sessions", "Threads and session
// contexts" and "Stopping and terminating": at least 8 threads on this
// 2-core machine (oversubscribed: preemption lands inside CAS loops).
//
// Every assertion is one the contract implies for ANY linearizable
// implementation; a test never asserts timing, and sleeps never synchronize
// (threads wait on atomics or barriers). Where a check needs "this call
// started after that one returned", the first thread publishes a flag with
// release after the call returned and the second reads it with acquire
// before it starts its call. Each test prints its op counts ("stress op
// counts") and its seed; JETSESSION_TEST_SEED=<seed> replays the random
// choices (not the interleaving).
#include <jetsession/jet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdio>
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

using ConcurrencySessionTest = ConcurrencyTest;

// Picks an index in [0, size).
std::size_t Pick(absl::BitGen& gen, std::size_t size) {
  return absl::Uniform<std::size_t>(gen, 0, size);
}

// Removes held[i] by swapping with the last element.
template <class T>
void SwapErase(std::vector<T>& held, std::size_t i) {
  held[i] = held.back();
  held.pop_back();
}

// ---------------------------------------------------------------------------
// Exact capacity (guarantee 1).
// T threads each hold at most k sessions; MaxSessions = T*k. At every
// instant at most T*k sessions are open, so a Begin/Dup linearized while
// fewer than T*k are open must succeed: NO OutOfSessions, ever. k = 1 makes
// every thread compete for the last free slot; k = 9 spreads the pool over
// three 32-slot words with a partial last word.
TEST_F(ConcurrencySessionTest, ExactCapacityNeverSpuriouslyFull) {
  const std::uint64_t seed = TestSeed("ExactCapacityNeverSpuriouslyFull");
  const int threads = ThreadCount();
  for (const int per_thread : {1, 4, 9}) {
    const auto capacity = static_cast<unsigned long>(threads * per_thread);
    ScopedInstance instance(capacity, "exact");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::atomic<long> begins{0}, dups{0}, ends{0}, full{0};
    RunThreads(threads, [&](int t) {
      absl::BitGen gen =
          ThreadGen(seed + static_cast<std::uint64_t>(per_thread),
                    static_cast<std::uint64_t>(t));
      std::vector<JET_SESID> held;
      long my_begins = 0, my_dups = 0, my_ends = 0, my_full = 0;
      const int loops = StressScale(120000 / per_thread + 20000);
      for (int i = 0; i < loops; ++i) {
        // Open up to a random level in [held, k], Begin or Dup (from one of
        // this thread's sessions) at random.
        const auto level =
            absl::Uniform<std::size_t>(absl::IntervalClosed, gen, held.size(),
                                       static_cast<std::size_t>(per_thread));
        while (held.size() < level) {
          JET_SESID s = JET_sesidNil;
          const bool dup = !held.empty() && absl::Bernoulli(gen, 0.3);
          const JET_ERR err =
              dup ? JetDupSession(held[Pick(gen, held.size())], &s)
                  : JetBeginSession(instance.get(), &s, nullptr, nullptr);
          ++(dup ? my_dups : my_begins);
          if (err == JET_errOutOfSessions) ++my_full;
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
        // End a random number of them, in random order.
        auto n_end = absl::Uniform<std::size_t>(absl::IntervalClosed, gen, 0,
                                                held.size());
        while (n_end-- > 0) {
          const std::size_t k = Pick(gen, held.size());
          const JET_ERR err = JetEndSession(held[k], 0);
          ++my_ends;
          failures.Expect(err == JET_errSuccess, [&] {
            return absl::StrFormat("k=%d thread %d: End -> %s", per_thread, t,
                                   ErrName(err));
          });
          SwapErase(held, k);
        }
      }
      for (const JET_SESID s : held) {
        const JET_ERR err = JetEndSession(s, 0);
        ++my_ends;
        failures.Expect(err == JET_errSuccess, [&] {
          return absl::StrFormat("final End -> %s", ErrName(err));
        });
      }
      begins += my_begins;
      dups += my_dups;
      ends += my_ends;
      full += my_full;
    });
    failures.Check(absl::StrFormat("k=%d: ", per_thread).c_str());
    EXPECT_EQ(full.load(), 0) << "spurious OutOfSessions, k=" << per_thread;
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[ExactCapacityNeverSpuriouslyFull] threads=%d k=%d MaxSessions=%lu: "
        "%ld Begin, %ld Dup, %ld End, %ld OutOfSessions\n",
        threads, per_thread, capacity, begins.load(), dups.load(), ends.load(),
        full.load());
  }
}

// ---------------------------------------------------------------------------
// No double issue (guarantee 2) and the exact count at quiescent points.
// Rounds separated by barriers: every thread opens some sessions (Begin or
// Dup) and ends some; at each barrier (no call in flight) the barrier's
// completion step checks that every handle ever issued in the test is new
// (a handle, even of an ended session, is never issued again: its copies
// must stay invalid) and that JetExtGetSessionCount equals the number open.
TEST_F(ConcurrencySessionTest, HandlesDistinctAndCountExactAtBarriers) {
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
  std::atomic<long> opens{0}, ends{0};

  // Runs on one thread once all have arrived; the barrier orders it after
  // every thread's calls of the phase and before the next phase.
  auto check_opened = [&]() noexcept {
    std::size_t total = 0;
    for (int t = 0; t < threads; ++t) {
      for (const JET_SESID s : fresh[t]) {
        if (s == 0 || s == JET_sesidNil || !ever.insert(s).second) {
          failures.Add(absl::StrFormat("handle %#x issued twice (or 0/nil)",
                                       static_cast<std::uint64_t>(s)));
        }
      }
      fresh[t].clear();
      total += held[t].size();
    }
    const unsigned long count = SessionCount(instance.get());
    if (count != total) {
      failures.Add(
          absl::StrFormat("after opening: count %lu, %zu open", count, total));
    }
    ++checks;
  };
  auto check_ended = [&]() noexcept {
    std::size_t total = 0;
    for (int t = 0; t < threads; ++t) total += held[t].size();
    const unsigned long count = SessionCount(instance.get());
    if (count != total) {
      failures.Add(
          absl::StrFormat("after ending: count %lu, %zu open", count, total));
    }
    ++checks;
  };
  std::barrier opened(threads, check_opened);
  std::barrier ended(threads, check_ended);

  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    auto& mine = held[static_cast<std::size_t>(t)];
    long my_opens = 0, my_ends = 0;
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
          failures.Expect(err == JET_errSuccess, [&] {
            return absl::StrFormat("End -> %s", ErrName(err));
          });
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
// "Full" is really full, churn form. MaxSessions N in {1, 3, 4}; 8+ threads
// race Begin/Dup/End. Each thread increments a shared counter after a
// successful open returns and decrements it before calling End, so the
// counter never exceeds the number of sessions really open: it must never
// exceed N. Every attempt is a success or OutOfSessions, nothing else.
TEST_F(ConcurrencySessionTest, FullIsReallyFull) {
  const std::uint64_t seed = TestSeed("FullIsReallyFull");
  const int threads = ThreadCount();
  for (const int capacity : {1, 3, 4}) {
    ScopedInstance instance(static_cast<unsigned long>(capacity), "full");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::atomic<int> open{0};
    std::atomic<int> max_open{0};
    std::atomic<long> attempts{0}, successes{0}, full{0};
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(capacity),
                                   static_cast<std::uint64_t>(t));
      std::vector<JET_SESID> held;
      long my_attempts = 0, my_successes = 0, my_full = 0;
      for (int i = 0; i < StressScale(200000); ++i) {
        if (held.size() < 2 && (held.empty() || absl::Bernoulli(gen, 0.5))) {
          JET_SESID s = 0;
          const bool dup = !held.empty() && absl::Bernoulli(gen, 0.5);
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
            failures.Expect(now <= capacity, [&] {
              return absl::StrFormat("N=%d: %d sessions open at once", capacity,
                                     now);
            });
            held.push_back(s);
          } else {
            if (err == JET_errOutOfSessions) ++my_full;
            failures.Expect(err == JET_errOutOfSessions, [&] {
              return absl::StrFormat("N=%d: %s -> %s", capacity,
                                     dup ? "Dup" : "Begin", ErrName(err));
            });
            failures.Expect(s == JET_sesidNil, [&] {
              return std::string("failed open left *psesid != nil");
            });
          }
        } else {
          const std::size_t k = Pick(gen, held.size());
          open.fetch_sub(1, std::memory_order_acq_rel);
          const JET_ERR err = JetEndSession(held[k], 0);
          failures.Expect(err == JET_errSuccess, [&] {
            return absl::StrFormat("End -> %s", ErrName(err));
          });
          SwapErase(held, k);
        }
      }
      for (const JET_SESID s : held) {
        open.fetch_sub(1, std::memory_order_acq_rel);
        failures.Expect(JetEndSession(s, 0) == JET_errSuccess,
                        [] { return std::string("final End failed"); });
      }
      attempts += my_attempts;
      successes += my_successes;
      full += my_full;
    });
    failures.Check(absl::StrFormat("N=%d: ", capacity).c_str());
    EXPECT_EQ(attempts.load(), successes.load() + full.load());
    EXPECT_LE(max_open.load(), capacity);
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[FullIsReallyFull] threads=%d N=%d: %ld attempts = %ld Success + %ld "
        "OutOfSessions; max open seen %d\n",
        threads, capacity, attempts.load(), successes.load(), full.load(),
        max_open.load());
  }
}

// ---------------------------------------------------------------------------
// "Full" is really full, exact form. Between rounds (no call in flight),
// exactly N - m of N slots are held; then all threads race one open each
// (Begin, or Dup of a held session that only that thread uses) while nobody
// ends anything. In any sequential order of those opens the first m succeed
// and the others find N open: exactly m Success, T - m OutOfSessions. A
// spurious full gives fewer winners; a double issue more.
TEST_F(ConcurrencySessionTest, RaceForLastSlotsHasExactWinners) {
  const std::uint64_t seed = TestSeed("RaceForLastSlotsHasExactWinners");
  const int threads = ThreadCount();
  for (const int capacity : {1, 4, 33}) {
    ScopedInstance instance(static_cast<unsigned long>(capacity), "last");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    const int rounds = StressScale(capacity == 33 ? 2000 : 6000);
    SpinBarrier sync(threads);
    std::vector<JET_SESID> held;  // thread 0 between barriers; read in race
    std::vector<JET_ERR> results(static_cast<std::size_t>(threads));
    std::vector<JET_SESID> opened(static_cast<std::size_t>(threads));
    long winners = 0, losers = 0;
    absl::BitGen coordinator = ThreadGen(seed, 1000 + capacity);
    int m = 0;
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(capacity),
                                   static_cast<std::uint64_t>(t));
      for (int round = 0; round < rounds; ++round) {
        if (t == 0) {
          // Set up exactly N - m open sessions, m <= T.
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
            failures.Expect(JetBeginSession(instance.get(), &s, nullptr,
                                            nullptr) == JET_errSuccess,
                            [] { return std::string("setup Begin failed"); });
            held.push_back(s);
          }
          // Shuffle so that the Dup sources change hands.
          std::shuffle(held.begin(), held.end(), coordinator);
        }
        sync.arrive_and_race();
        JET_SESID s = JET_sesidNil;
        const bool dup = static_cast<std::size_t>(t) < held.size() &&
                         absl::Bernoulli(gen, 0.5);
        Jitter(gen, 256);
        results[static_cast<std::size_t>(t)] =
            dup ? JetDupSession(held[static_cast<std::size_t>(t)], &s)
                : JetBeginSession(instance.get(), &s, nullptr, nullptr);
        opened[static_cast<std::size_t>(t)] = s;
        sync.arrive_and_wait();
        if (t == 0) {
          int won = 0;
          for (int i = 0; i < threads; ++i) {
            const JET_ERR err = results[static_cast<std::size_t>(i)];
            if (err == JET_errSuccess) {
              ++won;
              held.push_back(opened[static_cast<std::size_t>(i)]);
            } else {
              failures.Expect(err == JET_errOutOfSessions, [&] {
                return absl::StrFormat("N=%d round %d: open -> %s", capacity,
                                       round, ErrName(err));
              });
            }
          }
          failures.Expect(won == m, [&] {
            return absl::StrFormat(
                "N=%d round %d: %d free slots, %d threads raced, %d won",
                capacity, round, m, threads, won);
          });
          winners += won;
          losers += threads - won;
          const unsigned long count = SessionCount(instance.get());
          failures.Expect(count == held.size(), [&] {
            return absl::StrFormat("N=%d: count %lu, %zu open", capacity, count,
                                   held.size());
          });
        }
        sync.arrive_and_wait();
      }
    });
    failures.Check(absl::StrFormat("N=%d: ", capacity).c_str());
    for (const JET_SESID s : held) EXPECT_EQ(JetEndSession(s, 0), 0);
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[RaceForLastSlotsHasExactWinners] threads=%d N=%d rounds=%d: %ld "
        "Success, %ld OutOfSessions\n",
        threads, capacity, rounds, winners, losers);
  }
}

// ---------------------------------------------------------------------------
// Generation tags. Threads churn Begin/End on a tiny pool (MaxSessions 2
// and 4), so every slot is reused many thousand times, often by another
// thread at the very moment a stale handle of it is tried. Every ended
// handle (the thread's own, kept in a ring, and other threads', published
// on a shared board after their End returned) gets InvalidSesid from End,
// Dup, SetSessionContext and ResetSessionContext, always; a failed Dup
// leaves JET_sesidNil.
TEST_F(ConcurrencySessionTest, StaleHandlesRejectedAfterReuse) {
  const std::uint64_t seed = TestSeed("StaleHandlesRejectedAfterReuse");
  const int threads = ThreadCount();
  for (const int capacity : {2, 4}) {
    ScopedInstance instance(static_cast<unsigned long>(capacity), "stale");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    constexpr std::size_t kBoard = 64;
    constexpr std::size_t kRing = 16;
    std::array<std::atomic<JET_SESID>, kBoard> board;
    for (auto& entry : board) entry.store(JET_sesidNil);
    std::atomic<long> cycles{0}, probes{0}, full{0};
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(capacity),
                                   static_cast<std::uint64_t>(t));
      std::array<JET_SESID, kRing> ring;
      ring.fill(JET_sesidNil);
      long my_cycles = 0, my_probes = 0, my_full = 0;
      auto probe = [&](JET_SESID old, const char* whose) {
        JET_SESID out = 0;
        const JET_ERR end = JetEndSession(old, 0);
        const JET_ERR dup = JetDupSession(old, &out);
        const JET_ERR set = JetSetSessionContext(old, 0x5e55);
        const JET_ERR reset = JetResetSessionContext(old);
        ++my_probes;
        failures.Expect(
            end == JET_errInvalidSesid && dup == JET_errInvalidSesid &&
                out == JET_sesidNil && set == JET_errInvalidSesid &&
                reset == JET_errInvalidSesid,
            [&] {
              return absl::StrFormat(
                  "N=%d thread %d, %s stale handle %#x: End %s, "
                  "Dup %s (out %#x), SetContext %s, Reset %s",
                  capacity, t, whose, static_cast<std::uint64_t>(old),
                  ErrName(end), ErrName(dup), static_cast<std::uint64_t>(out),
                  ErrName(set), ErrName(reset));
            });
        if (dup == JET_errSuccess) JetEndSession(out, 0);
      };
      for (int i = 0; i < StressScale(100000); ++i) {
        JET_SESID s = JET_sesidNil;
        const JET_ERR err =
            JetBeginSession(instance.get(), &s, nullptr, nullptr);
        if (err != JET_errSuccess) {
          ++my_full;
          failures.Expect(err == JET_errOutOfSessions, [&] {
            return absl::StrFormat("Begin -> %s", ErrName(err));
          });
          continue;
        }
        // Use it a little (valid calls), sometimes from a Dup as well.
        JET_SESID d = JET_sesidNil;
        const bool with_dup = absl::Bernoulli(gen, 0.25);
        const JET_ERR dup_err =
            with_dup ? JetDupSession(s, &d) : JET_errSuccess;
        failures.Expect(
            dup_err == JET_errSuccess || dup_err == JET_errOutOfSessions,
            [&] { return "Dup -> " + ErrName(dup_err); });
        const JET_ERR set = JetSetSessionContext(s, 0xc0ffee);
        const JET_ERR reset = JetResetSessionContext(s);
        failures.Expect(set == JET_errSuccess && reset == JET_errSuccess, [&] {
          return absl::StrFormat("live session: SetContext %s, Reset %s",
                                 ErrName(set), ErrName(reset));
        });
        const JET_ERR end = JetEndSession(s, 0);
        failures.Expect(end == JET_errSuccess,
                        [&] { return "End -> " + ErrName(end); });
        ring[static_cast<std::size_t>(i) % kRing] = s;
        board[Pick(gen, kBoard)].store(s, std::memory_order_release);
        if (with_dup && dup_err == JET_errSuccess) {
          failures.Expect(JetEndSession(d, 0) == JET_errSuccess,
                          [] { return std::string("End of Dup failed"); });
          board[Pick(gen, kBoard)].store(d, std::memory_order_release);
        }
        ++my_cycles;
        probe(ring[Pick(gen, kRing)], "own");
        // acquire: pairs with the release store above (of another thread):
        // its End returned before the handle was published.
        probe(board[Pick(gen, kBoard)].load(std::memory_order_acquire),
              "published");
      }
      cycles += my_cycles;
      probes += my_probes;
      full += my_full;
    });
    failures.Check(absl::StrFormat("N=%d: ", capacity).c_str());
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[StaleHandlesRejectedAfterReuse] threads=%d N=%d: %ld Begin/End "
        "cycles (~%ld reuses a slot), %ld stale probes x 4 calls, %ld "
        "OutOfSessions\n",
        threads, capacity, cycles.load(), cycles.load() / capacity,
        probes.load(), full.load());
  }
}

// ---------------------------------------------------------------------------
// State gating (guarantee 3) for JetStopServiceInstance and
// JetExtSetInstanceUnavailable, while threads hammer Begin/Dup/End.
//
// A call that starts after the gating call returned (flag set with release
// after the return, read with acquire before the call) must get the gate's
// error. So must one that starts after any thread got the gate's error from
// an earlier call (the gate is permanent and every call linearizable).
// Stop: End keeps working and the count reaches 0. Unavailable: End fails
// too, the sessions stay open (the count equals what the threads hold) until
// JetTerm force-ends them.
enum class Gate { kStop, kUnavailable };

void RunGating(Gate gate, const char* test_name) {
  const std::uint64_t seed = TestSeed(test_name);
  const int threads = ThreadCount();
  const bool unavailable = gate == Gate::kUnavailable;
  const JET_ERR gate_error = unavailable ? JET_errInstanceUnavailable
                                         : JET_errClientRequestToStopJetService;
  constexpr int kRounds = 4;
  constexpr std::size_t kMaxHeld = 3;
  const long kOpsAfterGate = StressScale(20000);
  long total_ops = 0, total_after = 0;
  for (int round = 0; round < kRounds; ++round) {
    // 2 per thread: with up to 3 held each, OutOfSessions happens too.
    ScopedInstance instance(static_cast<unsigned long>(2 * threads), "gate");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::atomic<bool> gated{false};      // the gating call has returned
    std::atomic<bool> gate_seen{false};  // some call returned the gate error
    std::atomic<long> ops{0}, after_ops{0};
    std::vector<std::vector<JET_SESID>> held(static_cast<std::size_t>(threads));

    std::thread gater([&] {
      YieldUntil([&] { return ops.load() >= StressScale(100000); });
      const JET_ERR err = unavailable
                              ? JetExtSetInstanceUnavailable(instance.get())
                              : JetStopServiceInstance(instance.get());
      failures.Expect(err == JET_errSuccess,
                      [&] { return "gating call -> " + ErrName(err); });
      // release: pairs with the workers' acquire before each call.
      gated.store(true, std::memory_order_release);
    });

    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      auto& mine = held[static_cast<std::size_t>(t)];
      long my_after = 0;
      // Each thread stops after kOpsAfterGate calls that started after the
      // gating call returned.
      for (long my_after_return = 0; my_after_return < kOpsAfterGate;) {
        // acquire: pairs with the release stores after the gating call and
        // after a call that returned the gate error.
        const bool returned = gated.load(std::memory_order_acquire);
        const bool after =
            returned || gate_seen.load(std::memory_order_acquire);
        my_after_return += returned;
        if (after) ++my_after;
        const bool open = mine.size() < kMaxHeld &&
                          (mine.empty() || absl::Bernoulli(gen, 0.55));
        if (open) {
          JET_SESID s = JET_sesidNil;
          const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.4);
          const JET_ERR err =
              dup ? JetDupSession(mine[Pick(gen, mine.size())], &s)
                  : JetBeginSession(instance.get(), &s, nullptr, nullptr);
          if (err == gate_error) {
            gate_seen.store(true, std::memory_order_release);
          }
          if (after) {
            failures.Expect(err == gate_error, [&] {
              return absl::StrFormat(
                  "%s started after the gate -> %s (want %s)",
                  dup ? "Dup" : "Begin", ErrName(err), ErrName(gate_error));
            });
          } else {
            failures.Expect(
                IsOneOf(err,
                        {JET_errSuccess, JET_errOutOfSessions, gate_error}),
                [&] {
                  return absl::StrFormat("%s -> %s", dup ? "Dup" : "Begin",
                                         ErrName(err));
                });
          }
          if (err == JET_errSuccess) mine.push_back(s);
        } else {
          const std::size_t k = Pick(gen, mine.size());
          const JET_ERR err = JetEndSession(mine[k], 0);
          if (unavailable) {
            if (err == gate_error) {
              gate_seen.store(true, std::memory_order_release);
            }
            failures.Expect(after ? err == gate_error
                                  : IsOneOf(err, {JET_errSuccess, gate_error}),
                            [&] {
                              return absl::StrFormat(
                                  "End%s -> %s", after ? " after the gate" : "",
                                  ErrName(err));
                            });
          } else {
            failures.Expect(err == JET_errSuccess, [&] {
              return "End (Stop never blocks End) -> " + ErrName(err);
            });
          }
          if (err == JET_errSuccess) SwapErase(mine, k);
        }
        ops.fetch_add(1, std::memory_order_relaxed);
      }
      after_ops += my_after;
    });
    gater.join();
    failures.Check(absl::StrFormat("round %d: ", round).c_str());

    // Quiescent now. The gate is permanent and idempotent.
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(instance.get(), &s, nullptr, nullptr),
              gate_error);
    EXPECT_EQ(s, JET_sesidNil);
    EXPECT_EQ(unavailable ? JetExtSetInstanceUnavailable(instance.get())
                          : JetStopServiceInstance(instance.get()),
              JET_errSuccess);
    std::size_t still_open = 0;
    for (const auto& mine : held) still_open += mine.size();
    EXPECT_EQ(SessionCount(instance.get()), still_open);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        JET_SESID d = 0;
        EXPECT_EQ(JetDupSession(h, &d), gate_error);
        EXPECT_EQ(JetEndSession(h, 0),
                  unavailable ? gate_error : JET_errSuccess);
      }
    }
    EXPECT_EQ(SessionCount(instance.get()), unavailable ? still_open : 0U);
    EXPECT_EQ(instance.Terminate(), JET_errSuccess);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInvalidSesid);
      }
    }
    total_ops += ops.load();
    total_after += after_ops.load();
    std::printf(
        "[%s] round %d: %ld ops, %ld of them started after the gate, %zu "
        "sessions open at the end\n",
        test_name, round, ops.load(), after_ops.load(), still_open);
  }
  std::printf("[%s] threads=%d: %ld ops in %d rounds (%ld after the gate)\n",
              test_name, threads, total_ops, kRounds, total_after);
}

TEST_F(ConcurrencySessionTest, StopGating) {
  RunGating(Gate::kStop, "StopGating");
}

TEST_F(ConcurrencySessionTest, UnavailableGating) {
  RunGating(Gate::kUnavailable, "UnavailableGating");
}

// ---------------------------------------------------------------------------
// JetTerm while threads hammer Begin/Dup/End/SetSessionContext/
// ResetSessionContext and the parameter calls through a session on the
// instance, over many rounds. Each round:
//  - every result is one the contract allows for that call in that phase
//    (before Term was seen; after some call saw TermInProgress or the
//    instance gone; after JetTerm returned);
//  - right after Term returns, the main thread creates the next round's
//    instance under the SAME name (Term freed the name; the registry likely
//    reuses the record), while stale calls on the old handles are still in
//    flight, and the workers open sessions on the new instance; after the
//    round the new instance's count is exactly what its own threads hold: a
//    stale Begin never lands in it, a stale End never frees its slots.
TEST_F(ConcurrencySessionTest, TermWhileHammering) {
  const std::uint64_t seed = TestSeed("TermWhileHammering");
  const int threads = ThreadCount();
  const int rounds = StressScale(80) < 6 ? 6 : StressScale(80);
  constexpr std::size_t kNextPerThread = 2;
  const long kOpsAfterNext = StressScale(4000);
  const std::string name = UniqueName("term");
  InstanceGuard guard;
  // Capacity: each thread holds up to 2 on the next instance, so Begin on
  // it never gets OutOfSessions; on the current one it holds up to 4 (2
  // carried over + 2 more), so OutOfSessions happens there.
  const auto capacity = static_cast<unsigned long>(kNextPerThread * threads);
  JET_INSTANCE cur = guard.Add(CreateRunning(name, capacity));
  ASSERT_NE(cur, 0U);

  struct Held {
    JET_SESID sesid;
    bool context;  // this thread set a context on it
  };
  std::vector<std::vector<Held>> held(static_cast<std::size_t>(threads));
  long total_ops = 0, total_after = 0, total_next = 0;
  std::array<long, 4> phase_ops{};  // [before, seen, after, next]
  Failures failures;

  for (int round = 0; round < rounds; ++round) {
    std::atomic<bool> termed{false};     // JetTerm(cur) returned
    std::atomic<bool> term_seen{false};  // a call saw cur terminating/gone
    std::atomic<JET_INSTANCE> next{0};
    std::atomic<long> ops{0};
    std::vector<std::vector<JET_SESID>> on_next(
        static_cast<std::size_t>(threads));
    std::vector<std::vector<JET_SESID>> all_cur(
        static_cast<std::size_t>(threads));
    std::array<std::atomic<long>, 4> phases{};

    std::thread terminator([&] {
      YieldUntil([&] { return ops.load() >= StressScale(20000); });
      const JET_ERR err = JetTerm(cur);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "JetTerm -> " + ErrName(err); });
      termed.store(true, std::memory_order_release);
      const JET_INSTANCE fresh = guard.Add(CreateRunning(name, capacity));
      failures.Expect(fresh != 0, [] {
        return std::string("the next instance (same name) failed");
      });
      next.store(fresh, std::memory_order_release);
    });

    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      auto& mine = held[static_cast<std::size_t>(t)];
      auto& mine_next = on_next[static_cast<std::size_t>(t)];
      auto& mine_all = all_cur[static_cast<std::size_t>(t)];
      for (const Held& h : mine) mine_all.push_back(h.sesid);
      const std::uintptr_t ctx = 0x1000 + static_cast<std::uintptr_t>(t);
      // Each thread stops after kOpsAfterNext calls that started once the
      // next instance was published (so after JetTerm(cur) returned).
      for (long after_next = 0; after_next < kOpsAfterNext;) {
        // acquire: pairs with the release stores after JetTerm returned and
        // after a call saw the termination.
        const bool after = termed.load(std::memory_order_acquire);
        const bool seen = after || term_seen.load(std::memory_order_acquire);
        // Where this op stands against the Term, for failure messages.
        const char* const when = after  ? " after Term returned"
                                 : seen ? " after Term was seen"
                                        : "";
        const JET_INSTANCE nxt = next.load(std::memory_order_acquire);
        after_next += nxt != 0;
        phases[after  ? 2
               : seen ? 1
                      : 0]
            .fetch_add(1, std::memory_order_relaxed);
        ops.fetch_add(1, std::memory_order_relaxed);
        const int op = absl::Uniform(gen, 0, 12);
        auto note = [&](JET_ERR err) {
          if (err == JET_errTermInProgress || err == JET_errInvalidInstance ||
              err == JET_errInvalidSesid) {
            term_seen.store(true, std::memory_order_release);
          }
        };
        if (nxt != 0 && op == 11) {
          if (mine_next.size() >= kNextPerThread) continue;
          JET_SESID s = JET_sesidNil;
          const JET_ERR err = JetBeginSession(nxt, &s, nullptr, nullptr);
          phases[3].fetch_add(1, std::memory_order_relaxed);
          if (failures.Expect(err == JET_errSuccess, [&] {
                return "Begin on the next instance -> " + ErrName(err);
              })) {
            mine_next.push_back(s);
          }
        } else if (op <= 2 || (mine.empty() && op <= 5)) {
          JET_SESID s = JET_sesidNil;
          const JET_ERR err = JetBeginSession(cur, &s, nullptr, nullptr);
          note(err);
          const bool ok =
              after  ? err == JET_errInvalidInstance
              : seen ? IsOneOf(err,
                               {JET_errTermInProgress, JET_errInvalidInstance})
                     : IsOneOf(err,
                               {JET_errSuccess, JET_errOutOfSessions,
                                JET_errTermInProgress, JET_errInvalidInstance});
          failures.Expect(ok, [&] {
            return absl::StrFormat("round %d: Begin%s -> %s", round, when,
                                   ErrName(err));
          });
          if (err == JET_errSuccess) {
            mine.push_back({s, false});
            mine_all.push_back(s);
          }
        } else if (!mine.empty() && op <= 4) {
          const Held& src = mine[Pick(gen, mine.size())];
          JET_SESID s = JET_sesidNil;
          const JET_ERR err = JetDupSession(src.sesid, &s);
          note(err);
          const bool ok =
              after ? err == JET_errInvalidSesid
              : seen
                  ? IsOneOf(err, {JET_errTermInProgress, JET_errInvalidSesid})
                  : IsOneOf(err, {JET_errSuccess, JET_errOutOfSessions,
                                  JET_errTermInProgress, JET_errInvalidSesid});
          failures.Expect(ok, [&] {
            return absl::StrFormat("round %d: Dup%s -> %s", round, when,
                                   ErrName(err));
          });
          if (err == JET_errSuccess) {
            mine.push_back({s, false});
            mine_all.push_back(s);
          }
        } else if (!mine.empty() && op <= 6) {
          const std::size_t k = Pick(gen, mine.size());
          const JET_ERR err = JetEndSession(mine[k].sesid, 0);
          note(err);
          const JET_ERR blocked =
              mine[k].context ? JET_errSessionInUse : JET_errSuccess;
          const bool ok =
              after ? err == JET_errInvalidSesid
              : seen
                  ? IsOneOf(err, {JET_errTermInProgress, JET_errInvalidSesid})
                  : IsOneOf(err, {blocked, JET_errTermInProgress,
                                  JET_errInvalidSesid});
          failures.Expect(ok, [&] {
            return absl::StrFormat("round %d: End%s%s -> %s", round,
                                   mine[k].context ? " (context set)" : "",
                                   when, ErrName(err));
          });
          if (err == JET_errSuccess || err == JET_errInvalidSesid) {
            SwapErase(mine, k);
          }
        } else if (!mine.empty() && op >= 9) {
          // Parameter calls through a session: they take the registry lock
          // and hold the session's in-call flag, which JetTerm waits for
          // without the lock. Get has no state check (jet.h); Set checks
          // terminating before the AlreadyInitialized rule.
          const JET_SESID h = mine[Pick(gen, mine.size())].sesid;
          JET_ERR err = JET_errSuccess;
          JET_API_PTR value = 0;
          bool ok = false;
          const bool get = op == 9;
          if (get) {
            err = JetGetSystemParameter(0, h, JET_paramMaxSessions, &value,
                                        nullptr, 0);
            ok = after ? err == JET_errInvalidSesid
                       : (err == JET_errSuccess && value == capacity) ||
                             IsOneOf(err, {JET_errTermInProgress,
                                           JET_errInvalidSesid});
          } else {
            JET_INSTANCE zero = 0;
            err = JetSetSystemParameter(&zero, h, JET_paramMaxSessions,
                                        capacity, nullptr);
            ok = after  ? err == JET_errInvalidSesid
                 : seen ? IsOneOf(err,
                                  {JET_errTermInProgress, JET_errInvalidSesid})
                        : IsOneOf(err, {JET_errSuccess, JET_errTermInProgress,
                                        JET_errInvalidSesid});
          }
          note(err);
          failures.Expect(ok, [&] {
            return absl::StrFormat(
                "round %d: %sSystemParameter(MaxSessions) through a "
                "session%s -> %s (value %lu)",
                round, get ? "Get" : "Set", when, ErrName(err),
                static_cast<unsigned long>(value));
          });
        } else if (!mine.empty()) {
          Held& h = mine[Pick(gen, mine.size())];
          // SetSessionContext and ResetSessionContext answer TermInProgress
          // once Term has set Terminating (they never hold Term up), and
          // InvalidSesid once it has ended the session.
          JET_ERR err = JET_errSuccess;
          bool ok = false;
          const char* call = h.context ? "Reset" : "SetContext";
          if (!h.context) {
            err = JetSetSessionContext(h.sesid, ctx);
            ok = after  ? err == JET_errInvalidSesid
                 : seen ? IsOneOf(err,
                                  {JET_errTermInProgress, JET_errInvalidSesid})
                        : IsOneOf(err, {JET_errSuccess, JET_errTermInProgress,
                                        JET_errInvalidSesid});
            if (err == JET_errSuccess) h.context = true;
          } else {
            err = JetResetSessionContext(h.sesid);
            ok = after  ? err == JET_errInvalidSesid
                 : seen ? IsOneOf(err,
                                  {JET_errTermInProgress, JET_errInvalidSesid})
                        : IsOneOf(err, {JET_errSuccess, JET_errTermInProgress,
                                        JET_errInvalidSesid});
            if (err == JET_errSuccess) h.context = false;
          }
          if (err == JET_errInvalidSesid) {
            term_seen.store(true, std::memory_order_release);
          }
          failures.Expect(ok, [&] {
            return absl::StrFormat("round %d: %s%s -> %s", round, call,
                                   after ? " after Term returned" : "",
                                   ErrName(err));
          });
        }
      }
    });
    terminator.join();

    // Quiescent. Every handle of the old instance is invalid.
    for (const auto& mine_all : all_cur) {
      for (const JET_SESID s : mine_all) {
        JET_SESID d = 0;
        EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
        EXPECT_EQ(JetDupSession(s, &d), JET_errInvalidSesid);
      }
    }
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(cur, &s, nullptr, nullptr),
              JET_errInvalidInstance);
    EXPECT_EQ(JetTerm(cur), JET_errInvalidInstance);
    const JET_INSTANCE nxt = next.load();
    ASSERT_NE(nxt, 0U);
    EXPECT_NE(nxt, cur) << "a new instance reused a terminated handle";
    // The next instance holds exactly what its own threads opened.
    std::size_t opened = 0;
    for (const auto& mine : on_next) opened += mine.size();
    const unsigned long count = SessionCount(nxt);
    EXPECT_EQ(count, opened)
        << "round " << round << ": a stale call landed in the next instance";
    // Its sessions are this thread's held ones for the next round.
    for (int t = 0; t < threads; ++t) {
      held[static_cast<std::size_t>(t)].clear();
      for (const JET_SESID h : on_next[static_cast<std::size_t>(t)]) {
        held[static_cast<std::size_t>(t)].push_back({h, false});
      }
    }
    cur = nxt;
    total_ops += ops.load();
    for (std::size_t i = 0; i < phases.size(); ++i) phase_ops[i] += phases[i];
    total_after += phases[2].load();
    total_next += phases[3].load();
    if (!failures.Check(absl::StrFormat("round %d: ", round).c_str())) break;
  }
  EXPECT_EQ(JetTerm(cur), JET_errSuccess);
  std::printf(
      "[TermWhileHammering] threads=%d rounds=%d: %ld ops (%ld before Term "
      "was seen, %ld while terminating, %ld after Term returned), %ld Begin "
      "on the next instance\n",
      threads, rounds, total_ops, phase_ops[0], phase_ops[1], total_after,
      total_next);
}

// ---------------------------------------------------------------------------
// Several threads call the same function on the same session at the same
// instant (released by a spin barrier), many rounds:
//  - JetEndSession: exactly one Success; the others InvalidSesid (after the
//    winner) or SessionSharingViolation (during it).
//  - JetSetSessionContext: at most one Success; the others
//    SessionContextAlreadySet (only if one succeeded) or
//    SessionSharingViolation; only the winner's reset succeeds.
//  - JetDupSession from one source: Success or SessionSharingViolation, at
//    least one Success; the count is exactly 1 + the Dups that succeeded.
//  - End racing Dup on one session: the count after is consistent with the
//    results (a Dup that succeeded was linearized before the End).
// The rule "two calls on one session never both proceed" means that of the
// racers the one holding the session proceeds; a rejected call needs
// another call in flight, so a round with no winner is a violation.
TEST_F(ConcurrencySessionTest, TwoThreadsRaceOnOneSession) {
  const std::uint64_t seed = TestSeed("TwoThreadsRaceOnOneSession");
  for (const int racers : {2, 4, 8}) {
    const int rounds = StressScale(racers == 8   ? 800
                                   : racers == 4 ? 2000
                                                 : 3000);
    ScopedInstance instance(static_cast<unsigned long>(racers + 2), "race");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    SpinBarrier sync(racers);
    std::atomic<JET_SESID> target{JET_sesidNil};
    std::vector<JET_ERR> results(static_cast<std::size_t>(racers));
    std::vector<JET_SESID> outs(static_cast<std::size_t>(racers));
    std::array<long, 4> violations{};  // per phase, counted by thread 0
    std::array<long, 4> invalid{};
    long mixed_dup_wins = 0;
    std::atomic<int> ctx_winner{-1};

    auto begin_target = [&] {
      JET_SESID s = JET_sesidNil;
      failures.Expect(JetBeginSession(instance.get(), &s, nullptr, nullptr) ==
                          JET_errSuccess,
                      [] { return std::string("Begin of the target failed"); });
      target.store(s, std::memory_order_relaxed);  // published by the barrier
    };
    auto expect_count = [&](unsigned long want, const char* phase) {
      const unsigned long count = SessionCount(instance.get());
      failures.Expect(count == want, [&] {
        return absl::StrFormat("%d racers, %s: count %lu, want %lu", racers,
                               phase, count, want);
      });
    };

    RunThreads(racers, [&](int t) {
      const auto me = static_cast<std::size_t>(t);
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(racers),
                                   static_cast<std::uint64_t>(t));
      for (int round = 0; round < rounds; ++round) {
        // Phase 0: End x racers.
        if (t == 0) begin_target();
        sync.arrive_and_race();
        JET_SESID s = target.load(std::memory_order_relaxed);
        Jitter(gen);
        results[me] = JetEndSession(s, 0);
        sync.arrive_and_wait();
        if (t == 0) {
          int wins = 0;
          for (const JET_ERR err : results) {
            wins += err == JET_errSuccess;
            violations[0] += err == JET_errSessionSharingViolation;
            invalid[0] += err == JET_errInvalidSesid;
            failures.Expect(IsOneOf(err, {JET_errSuccess, JET_errInvalidSesid,
                                          JET_errSessionSharingViolation}),
                            [&] { return "racing End -> " + ErrName(err); });
          }
          failures.Expect(wins == 1, [&] {
            return absl::StrFormat("%d racers: %d of the racing Ends won",
                                   racers, wins);
          });
          if (wins == 0) JetEndSession(s, 0);
          expect_count(0, "after racing Ends");
          // Phase 1 setup.
          begin_target();
          ctx_winner.store(-1, std::memory_order_relaxed);
        }
        sync.arrive_and_race();

        // Phase 1: SetSessionContext x racers, then resets.
        s = target.load(std::memory_order_relaxed);
        Jitter(gen);
        results[me] =
            JetSetSessionContext(s, 0x100 + static_cast<JET_API_PTR>(t));
        sync.arrive_and_wait();
        if (t == 0) {
          int wins = 0;
          bool already = false;
          for (std::size_t i = 0; i < results.size(); ++i) {
            const JET_ERR err = results[i];
            if (err == JET_errSuccess) {
              ++wins;
              ctx_winner.store(static_cast<int>(i), std::memory_order_relaxed);
            }
            already |= err == JET_errSessionContextAlreadySet;
            violations[1] += err == JET_errSessionSharingViolation;
            failures.Expect(
                IsOneOf(err, {JET_errSuccess, JET_errSessionContextAlreadySet,
                              JET_errSessionSharingViolation}),
                [&] { return "racing SetSessionContext -> " + ErrName(err); });
          }
          failures.Expect(wins <= 1 && (!already || wins == 1), [&] {
            return absl::StrFormat(
                "%d racers: %d SetSessionContext won (AlreadySet seen: %d)",
                racers, wins, already);
          });
          // With a context set, End is refused.
          if (wins == 1) {
            const JET_ERR err = JetEndSession(s, 0);
            failures.Expect(err == JET_errSessionInUse, [&] {
              return "End with a context set -> " + ErrName(err);
            });
          }
        }
        sync.arrive_and_race();
        // Everybody resets at once: only the setter may succeed.
        const int winner = ctx_winner.load(std::memory_order_relaxed);
        Jitter(gen);
        results[me] = JetResetSessionContext(s);
        sync.arrive_and_wait();
        if (t == 0) {
          for (std::size_t i = 0; i < results.size(); ++i) {
            const JET_ERR err = results[i];
            const bool is_winner = static_cast<int>(i) == winner;
            failures.Expect(
                is_winner
                    ? IsOneOf(err,
                              {JET_errSuccess, JET_errSessionSharingViolation})
                    : IsOneOf(err, {JET_errSessionContextNotSetByThisThread,
                                    JET_errSessionSharingViolation}),
                [&] {
                  return absl::StrFormat("racing Reset by %s -> %s",
                                         is_winner ? "the setter" : "another",
                                         ErrName(err));
                });
          }
        }
        sync.arrive_and_wait();
        // The setter retries alone if its reset was refused for sharing.
        if (t == winner && results[me] == JET_errSessionSharingViolation) {
          const JET_ERR err = JetResetSessionContext(s);
          failures.Expect(err == JET_errSuccess,
                          [&] { return "lone Reset -> " + ErrName(err); });
        }
        sync.arrive_and_wait();
        if (t == 0) {
          const JET_ERR err = JetEndSession(s, 0);
          failures.Expect(err == JET_errSuccess, [&] {
            return "End after the resets -> " + ErrName(err);
          });
          begin_target();
        }
        sync.arrive_and_race();

        // Phase 2: Dup x racers from one source.
        s = target.load(std::memory_order_relaxed);
        outs[me] = JET_sesidNil;
        Jitter(gen);
        results[me] = JetDupSession(s, &outs[me]);
        sync.arrive_and_wait();
        if (t == 0) {
          int wins = 0;
          std::unordered_set<JET_SESID> distinct{s};
          for (std::size_t i = 0; i < results.size(); ++i) {
            const JET_ERR err = results[i];
            violations[2] += err == JET_errSessionSharingViolation;
            if (err == JET_errSuccess) {
              ++wins;
              failures.Expect(distinct.insert(outs[i]).second, [] {
                return std::string("racing Dups issued one handle twice");
              });
            } else {
              failures.Expect(err == JET_errSessionSharingViolation &&
                                  outs[i] == JET_sesidNil,
                              [&] { return "racing Dup -> " + ErrName(err); });
            }
          }
          failures.Expect(wins >= 1, [&] {
            return absl::StrFormat("%d racers: no racing Dup won", racers);
          });
          expect_count(1 + static_cast<unsigned long>(wins),
                       "after racing Dups");
          for (std::size_t i = 0; i < results.size(); ++i) {
            if (results[i] == JET_errSuccess) JetEndSession(outs[i], 0);
          }
          JetEndSession(s, 0);
          expect_count(0, "after the Dups ended");
          begin_target();
        }
        sync.arrive_and_race();

        // Phase 3: half the racers End, half Dup, the same session.
        s = target.load(std::memory_order_relaxed);
        outs[me] = JET_sesidNil;
        const bool ender = (t % 2) == 0;
        Jitter(gen);
        results[me] = ender ? JetEndSession(s, 0) : JetDupSession(s, &outs[me]);
        sync.arrive_and_wait();
        if (t == 0) {
          int end_wins = 0, dup_wins = 0;
          for (std::size_t i = 0; i < results.size(); ++i) {
            const JET_ERR err = results[i];
            const bool is_end = (i % 2) == 0;
            violations[3] += err == JET_errSessionSharingViolation;
            invalid[3] += err == JET_errInvalidSesid;
            failures.Expect(IsOneOf(err, {JET_errSuccess, JET_errInvalidSesid,
                                          JET_errSessionSharingViolation}),
                            [&] {
                              return absl::StrFormat("mixed race: %s -> %s",
                                                     is_end ? "End" : "Dup",
                                                     ErrName(err));
                            });
            if (err == JET_errSuccess) ++(is_end ? end_wins : dup_wins);
          }
          failures.Expect(end_wins <= 1, [] {
            return std::string("two Ends of one session succeeded");
          });
          mixed_dup_wins += dup_wins;
          expect_count(static_cast<unsigned long>(1 - end_wins + dup_wins),
                       "after End racing Dup");
          for (std::size_t i = 0; i < results.size(); ++i) {
            if ((i % 2) == 1 && results[i] == JET_errSuccess) {
              JetEndSession(outs[i], 0);
            }
          }
          if (end_wins == 0) JetEndSession(s, 0);
          expect_count(0, "after the mixed race");
        }
        sync.arrive_and_wait();
      }
    });
    failures.Check(absl::StrFormat("%d racers: ", racers).c_str());
    std::printf(
        "[TwoThreadsRaceOnOneSession] racers=%d rounds=%d (x4 phases, %ld "
        "calls): End race %ld SharingViolation + %ld InvalidSesid; "
        "SetContext race %ld SharingViolation; Dup race %ld "
        "SharingViolation; End-vs-Dup race %ld SharingViolation, %ld "
        "InvalidSesid, %ld Dup won\n",
        racers, rounds, static_cast<long>(rounds) * racers * 5, violations[0],
        invalid[0], violations[1], violations[2], violations[3], invalid[3],
        mixed_dup_wins);
  }
}

// ---------------------------------------------------------------------------
// JetDupSession under contention.
// Part A: each thread Dups from its own sessions (a root and the Dups of
// Dups) on an instance of exact capacity T*(1+k): never OutOfSessions,
// never a sharing violation (no session is shared).
// Part B: all threads Dup from ONE shared root at once, each holding up to
// k of the Dups; capacity 1 + T*k: every Dup is Success or
// SessionSharingViolation (never OutOfSessions), and a refused Dup leaves
// JET_sesidNil. Every handle is distinct; the counts are exact at the end.
TEST_F(ConcurrencySessionTest, DupUnderContention) {
  const std::uint64_t seed = TestSeed("DupUnderContention");
  const int threads = ThreadCount();
  constexpr int kPerThread = 3;
  {
    ScopedInstance instance(
        static_cast<unsigned long>(threads * (1 + kPerThread)), "dup-own");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::atomic<long> dups{0}, ends{0};
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
      JET_SESID root = JET_sesidNil;
      failures.Expect(JetBeginSession(instance.get(), &root, nullptr,
                                      nullptr) == JET_errSuccess,
                      [] { return std::string("root Begin failed"); });
      std::vector<JET_SESID> mine{root};
      long my_dups = 0, my_ends = 0;
      for (int i = 0; i < StressScale(200000); ++i) {
        if (mine.size() < 1 + kPerThread && absl::Bernoulli(gen, 0.5)) {
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
    failures.Check("own roots: ");
    EXPECT_EQ(SessionCount(instance.get()), 0U);
    std::printf(
        "[DupUnderContention] own roots, threads=%d: %ld Dup, %ld End\n",
        threads, dups.load(), ends.load());
  }
  {
    ScopedInstance instance(
        static_cast<unsigned long>(1 + threads * kPerThread), "dup-shared");
    ASSERT_TRUE(instance.ok());
    JET_SESID root = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(instance.get(), &root, nullptr, nullptr),
              JET_errSuccess);
    Failures failures;
    std::atomic<long> wins{0}, refused{0};
    std::vector<std::vector<JET_SESID>> held(static_cast<std::size_t>(threads));
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + 1, static_cast<std::uint64_t>(t));
      auto& mine = held[static_cast<std::size_t>(t)];
      long my_wins = 0, my_refused = 0;
      for (int i = 0; i < StressScale(200000); ++i) {
        if (mine.size() < kPerThread && absl::Bernoulli(gen, 0.6)) {
          JET_SESID s = 0;
          const JET_ERR err = JetDupSession(root, &s);
          if (err == JET_errSuccess) {
            ++my_wins;
            mine.push_back(s);
          } else {
            ++my_refused;
            failures.Expect(
                err == JET_errSessionSharingViolation && s == JET_sesidNil,
                [&] { return "shared-root Dup -> " + ErrName(err); });
          }
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
    failures.Check("shared root: ");
    std::unordered_set<JET_SESID> distinct{root};
    std::size_t open = 1;
    for (const auto& mine : held) {
      for (const JET_SESID s : mine) {
        EXPECT_TRUE(distinct.insert(s).second) << "handle issued twice";
        ++open;
      }
    }
    EXPECT_EQ(SessionCount(instance.get()), open);
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
}

// ---------------------------------------------------------------------------
// Session contexts across threads, in pairs of threads running at once:
// A sets a context; B's End gets SessionInUse, B's SetSessionContext gets
// SessionContextAlreadySet, B's reset SessionContextNotSetByThisThread, B's
// Dup works (a context does not stop other threads' calls); A's reset
// succeeds; then B ends the session (sessions move between threads between
// calls). The roles swap every round. Then: a context set by a thread that
// has exited stays foreign to every later thread, even one that reuses its
// OS thread id.
TEST_F(ConcurrencySessionTest, ContextsAcrossThreads) {
  TestSeed("ContextsAcrossThreads");
  const int threads = ThreadCount();
  const int pairs = threads / 2;
  const int rounds = StressScale(4000);
  ScopedInstance instance(static_cast<unsigned long>(2 * pairs), "context");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::vector<std::unique_ptr<SpinBarrier>> syncs;
  for (int p = 0; p < pairs; ++p)
    syncs.push_back(std::make_unique<SpinBarrier>(2));
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
  failures.Check();
  EXPECT_EQ(SessionCount(instance.get()), 0U);

  // A thread that exited: its context is nobody else's. Such a session is
  // stuck for good (nobody can reset it); JetTerm force-ends it.
  const int exits = StressScale(200);
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
  std::printf(
      "[ContextsAcrossThreads] %d pairs x %d rounds: %ld checked calls; %d "
      "contexts left by exited threads\n",
      pairs, rounds, calls.load(), exits);
}

// ---------------------------------------------------------------------------
// Threads create, initialize, use and terminate their own instances at
// once (distinct names), with JET_paramMaxInstances lowered to 4:
//  - Create gets Success or TooManyInstances (never InstanceNameInUse);
//  - a counter incremented after Create returns and decremented before
//    Term is called never exceeds MaxInstances;
//  - each thread's own instance has exactly the sessions it opened;
//  - handles of terminated instances (published by their threads after
//    JetTerm returned) get InvalidInstance from every thread, although
//    their records are being reused by other threads' new instances.
TEST_F(ConcurrencySessionTest, ManyInstancesInParallel) {
  const std::uint64_t seed = TestSeed("ManyInstancesInParallel");
  const int threads = ThreadCount();
  constexpr JET_API_PTR kMaxInstances = 4;
  JET_API_PTR saved = 0;
  ASSERT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxInstances, &saved, nullptr, 0),
      JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances,
                                  kMaxInstances, nullptr),
            JET_errSuccess);
  Failures failures;
  std::atomic<int> live{0};
  std::atomic<int> max_live{0};
  std::atomic<long> created{0}, too_many{0}, stale_probes{0}, sessions{0};
  constexpr std::size_t kBoard = 32;
  std::array<std::atomic<JET_INSTANCE>, kBoard> dead;
  for (auto& entry : dead) entry.store(JET_instanceNil);
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    long my_created = 0, my_too_many = 0, my_probes = 0, my_sessions = 0;
    for (int i = 0; i < StressScale(4000); ++i) {
      // A stale instance handle: InvalidInstance, never a session in
      // whatever instance now lives on its record.
      // acquire: pairs with the release store after its JetTerm returned.
      const JET_INSTANCE old =
          dead[Pick(gen, kBoard)].load(std::memory_order_acquire);
      if (old != JET_instanceNil) {
        JET_SESID s = 0;
        const JET_ERR err = JetBeginSession(old, &s, nullptr, nullptr);
        unsigned long count = 0;
        const JET_ERR count_err = JetExtGetSessionCount(old, &count);
        const JET_ERR stop_err = JetStopServiceInstance(old);
        ++my_probes;
        failures.Expect(err == JET_errInvalidInstance &&
                            count_err == JET_errInvalidInstance &&
                            stop_err == JET_errInvalidInstance,
                        [&] {
                          return absl::StrFormat(
                              "terminated instance %#x: Begin %s, Count %s, "
                              "Stop %s",
                              static_cast<std::uint64_t>(old), ErrName(err),
                              ErrName(count_err), ErrName(stop_err));
                        });
        if (err == JET_errSuccess) JetEndSession(s, 0);
      }
      const std::string name = absl::StrFormat("many-%d-%d", t, i);
      JET_INSTANCE inst = 0;
      JET_ERR err = JetCreateInstance(&inst, name.c_str());
      if (err == JET_errTooManyInstances) {
        ++my_too_many;
        std::this_thread::yield();
        continue;
      }
      if (!failures.Expect(err == JET_errSuccess,
                           [&] { return "Create -> " + ErrName(err); })) {
        continue;
      }
      ++my_created;
      const int now = live.fetch_add(1, std::memory_order_acq_rel) + 1;
      int seen = max_live.load(std::memory_order_relaxed);
      while (now > seen && !max_live.compare_exchange_weak(seen, now)) {
      }
      failures.Expect(now <= static_cast<int>(kMaxInstances), [&] {
        return absl::StrFormat("%d instances live at once", now);
      });
      err = JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 3, nullptr);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "MaxSessions -> " + ErrName(err); });
      err = JetInit(&inst);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "Init -> " + ErrName(err); });
      const int n = absl::Uniform(absl::IntervalClosed, gen, 0, 3);
      std::vector<JET_SESID> mine;
      for (int k = 0; k < n; ++k) {
        JET_SESID s = JET_sesidNil;
        err = mine.empty() ? JetBeginSession(inst, &s, nullptr, nullptr)
                           : JetDupSession(mine.back(), &s);
        if (failures.Expect(err == JET_errSuccess,
                            [&] { return "open -> " + ErrName(err); })) {
          mine.push_back(s);
        }
      }
      my_sessions += static_cast<long>(mine.size());
      const unsigned long count = SessionCount(inst);
      failures.Expect(count == mine.size(), [&] {
        return absl::StrFormat("own instance: count %lu, opened %zu", count,
                               mine.size());
      });
      // Keep it alive a while (Begin/End churn, a yield), so that several
      // instances live at once and MaxInstances is reached.
      const int churn = absl::Uniform(absl::IntervalClosed, gen, 0, 200);
      for (int k = 0; k < churn && mine.size() < 3; ++k) {
        JET_SESID s = JET_sesidNil;
        err = JetBeginSession(inst, &s, nullptr, nullptr);
        const JET_ERR end = err == JET_errSuccess ? JetEndSession(s, 0) : err;
        failures.Expect(err == JET_errSuccess && end == JET_errSuccess, [&] {
          return absl::StrFormat("own instance churn: Begin %s, End %s",
                                 ErrName(err), ErrName(end));
        });
        if ((k % 64) == 63) std::this_thread::yield();
      }
      std::this_thread::yield();
      if (!mine.empty() && absl::Bernoulli(gen, 0.5)) {
        err = JetEndSession(mine.back(), 0);
        failures.Expect(err == JET_errSuccess,
                        [&] { return "End -> " + ErrName(err); });
        mine.pop_back();
      }
      live.fetch_sub(1, std::memory_order_acq_rel);
      err = JetTerm(inst);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "Term -> " + ErrName(err); });
      for (const JET_SESID s : mine) {
        err = JetEndSession(s, 0);
        failures.Expect(err == JET_errInvalidSesid,
                        [&] { return "End after Term -> " + ErrName(err); });
      }
      dead[Pick(gen, kBoard)].store(inst, std::memory_order_release);
    }
    created += my_created;
    too_many += my_too_many;
    stale_probes += my_probes;
    sessions += my_sessions;
  });
  failures.Check();
  EXPECT_LE(max_live.load(), static_cast<int>(kMaxInstances));
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, saved, nullptr),
      JET_errSuccess)
      << "an instance outlived the test";
  std::printf(
      "[ManyInstancesInParallel] threads=%d MaxInstances=%lu: %ld instances "
      "created/used/terminated, %ld sessions, %ld TooManyInstances, %ld "
      "stale-handle probes x 3 calls, max live seen %d\n",
      threads, static_cast<unsigned long>(kMaxInstances), created.load(),
      sessions.load(), too_many.load(), stale_probes.load(), max_live.load());
}

// ---------------------------------------------------------------------------
// The instance lifecycle calls raced by all threads at once, each round:
//  - JetCreateInstance with one name (the unnamed one, spelled NULL or "",
//    or a named one): exactly one Success, the others InstanceNameInUse;
//  - JetInit of that Created instance: exactly one Success, the others
//    AlreadyInitialized (their copy of the handle untouched);
//  - JetTerm of it, with sessions open: exactly one Success, the others
//    TermInProgress (while it runs) or InvalidInstance (after).
TEST_F(ConcurrencySessionTest, InstanceLifecycleRacesHaveOneWinner) {
  const std::uint64_t seed = TestSeed("InstanceLifecycleRacesHaveOneWinner");
  const int threads = ThreadCount();
  const int rounds = StressScale(800);
  Failures failures;
  SpinBarrier sync(threads);
  std::vector<JET_ERR> results(static_cast<std::size_t>(threads));
  std::vector<JET_INSTANCE> handles(static_cast<std::size_t>(threads));
  std::atomic<JET_INSTANCE> shared{0};
  long name_in_use = 0, already = 0, term_in_progress = 0, term_invalid = 0;
  auto tally = [&](const char* what, int round,
                   std::initializer_list<JET_ERR> losers) {
    int wins = 0;
    for (const JET_ERR err : results) {
      wins += err == JET_errSuccess;
      failures.Expect(err == JET_errSuccess || IsOneOf(err, losers), [&] {
        return absl::StrFormat("round %d: racing %s -> %s", round, what,
                               ErrName(err));
      });
    }
    failures.Expect(wins == 1, [&] {
      return absl::StrFormat("round %d: %d racing %s won", round, wins, what);
    });
    return wins;
  };
  RunThreads(threads, [&](int t) {
    const auto me = static_cast<std::size_t>(t);
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    for (int round = 0; round < rounds; ++round) {
      const bool unnamed = (round % 2) == 0;
      const char* name = unnamed ? ((t % 2) == 0 ? nullptr : "") : "same-name";
      handles[me] = 0;
      sync.arrive_and_race();
      Jitter(gen);
      results[me] = JetCreateInstance(&handles[me], name);
      sync.arrive_and_wait();
      if (t == 0) {
        tally("Create", round, {JET_errInstanceNameInUse});
        JET_INSTANCE winner = 0;
        for (std::size_t i = 0; i < results.size(); ++i) {
          if (results[i] == JET_errSuccess) {
            // Keep one; terminate any extra (a bug already reported).
            if (winner == 0) {
              winner = handles[i];
            } else {
              JetTerm(handles[i]);
            }
          } else {
            name_in_use += results[i] == JET_errInstanceNameInUse;
          }
        }
        shared.store(winner, std::memory_order_relaxed);
      }
      sync.arrive_and_race();
      Jitter(gen);
      JET_INSTANCE mine = shared.load(std::memory_order_relaxed);
      const JET_INSTANCE before = mine;
      results[me] = JetInit(&mine);
      failures.Expect(results[me] == JET_errSuccess || mine == before, [&] {
        return std::string("a losing JetInit changed its handle");
      });
      sync.arrive_and_wait();
      const JET_INSTANCE inst = shared.load(std::memory_order_relaxed);
      if (t == 0) {
        tally("Init", round, {JET_errAlreadyInitialized});
        for (const JET_ERR err : results) {
          already += err == JET_errAlreadyInitialized;
        }
        // Sessions open for the Term race.
        JET_SESID s = 0, d = 0;
        failures.Expect(
            JetBeginSession(inst, &s, nullptr, nullptr) == JET_errSuccess &&
                JetDupSession(s, &d) == JET_errSuccess,
            [] { return std::string("sessions on the raced instance"); });
      }
      sync.arrive_and_race();
      Jitter(gen);
      results[me] = JetTerm(inst);
      sync.arrive_and_wait();
      if (t == 0) {
        const int wins = tally("Term", round,
                               {JET_errTermInProgress, JET_errInvalidInstance});
        for (const JET_ERR err : results) {
          term_in_progress += err == JET_errTermInProgress;
          term_invalid += err == JET_errInvalidInstance;
        }
        if (wins == 0) JetTerm(inst);  // leave no instance behind
      }
      sync.arrive_and_wait();
    }
  });
  failures.Check();
  std::printf(
      "[InstanceLifecycleRacesHaveOneWinner] threads=%d rounds=%d: Create "
      "losers %ld InstanceNameInUse; Init losers %ld AlreadyInitialized; Term "
      "losers %ld TermInProgress + %ld InvalidInstance\n",
      threads, rounds, name_in_use, already, term_in_progress, term_invalid);
}

// ---------------------------------------------------------------------------
// JetStopServiceInstance and JetExtSetInstanceUnavailable raced against
// each other (two threads lined up in time) while the workers hammer
// Begin/Dup/End. ESE's check order puts "stopped" before "unavailable", and
// both flags are permanent, so, for a call that starts after:
//  - Stop returned, or any Begin/Dup got ClientRequestToStopJetService:
//    Begin/Dup get ClientRequestToStopJetService;
//  - SetUnavailable returned, or any call got InstanceUnavailable:
//    Begin/Dup get InstanceUnavailable or ClientRequestToStopJetService,
//    End gets InstanceUnavailable.
TEST_F(ConcurrencySessionTest, StopAndUnavailableRacingGates) {
  const std::uint64_t seed = TestSeed("StopAndUnavailableRacingGates");
  const int threads = ThreadCount();
  constexpr int kRounds = 6;
  constexpr std::size_t kMaxHeld = 3;
  const long kOpsAfterGates = StressScale(10000);
  long total_ops = 0;
  for (int round = 0; round < kRounds; ++round) {
    ScopedInstance instance(static_cast<unsigned long>(2 * threads), "gates");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::atomic<bool> stop_returned{false}, unavailable_returned{false};
    std::atomic<bool> stop_seen{false}, unavailable_seen{false};
    std::atomic<long> ops{0};
    std::vector<std::vector<JET_SESID>> held(static_cast<std::size_t>(threads));
    SpinBarrier gaters(2);
    auto gate = [&](bool unavailable) {
      YieldUntil([&] { return ops.load() >= StressScale(50000); });
      gaters.arrive_and_race();
      const JET_ERR err = unavailable
                              ? JetExtSetInstanceUnavailable(instance.get())
                              : JetStopServiceInstance(instance.get());
      failures.Expect(err == JET_errSuccess,
                      [&] { return "gating call -> " + ErrName(err); });
      // release: pairs with the workers' acquire loads.
      (unavailable ? unavailable_returned : stop_returned)
          .store(true, std::memory_order_release);
    };
    std::thread stopper(gate, false);
    std::thread breaker(gate, true);
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      auto& mine = held[static_cast<std::size_t>(t)];
      for (long after_both = 0; after_both < kOpsAfterGates;) {
        // acquire: pairs with the release stores of the gaters and of the
        // calls that saw a gate.
        const bool stopped = stop_returned.load(std::memory_order_acquire) ||
                             stop_seen.load(std::memory_order_acquire);
        const bool broken =
            unavailable_returned.load(std::memory_order_acquire) ||
            unavailable_seen.load(std::memory_order_acquire);
        after_both += stop_returned.load(std::memory_order_acquire) &&
                      unavailable_returned.load(std::memory_order_acquire);
        ops.fetch_add(1, std::memory_order_relaxed);
        if (mine.size() < kMaxHeld &&
            (mine.empty() || absl::Bernoulli(gen, 0.55))) {
          JET_SESID s = JET_sesidNil;
          const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.4);
          const JET_ERR err =
              dup ? JetDupSession(mine[Pick(gen, mine.size())], &s)
                  : JetBeginSession(instance.get(), &s, nullptr, nullptr);
          if (err == JET_errClientRequestToStopJetService) {
            stop_seen.store(true, std::memory_order_release);
          }
          if (err == JET_errInstanceUnavailable) {
            unavailable_seen.store(true, std::memory_order_release);
          }
          const bool ok =
              stopped  ? err == JET_errClientRequestToStopJetService
              : broken ? IsOneOf(err, {JET_errInstanceUnavailable,
                                       JET_errClientRequestToStopJetService})
                       : IsOneOf(err, {JET_errSuccess, JET_errOutOfSessions,
                                       JET_errInstanceUnavailable,
                                       JET_errClientRequestToStopJetService});
          failures.Expect(ok, [&] {
            return absl::StrFormat("%s (stopped %d, unavailable %d) -> %s",
                                   dup ? "Dup" : "Begin", stopped, broken,
                                   ErrName(err));
          });
          if (err == JET_errSuccess) mine.push_back(s);
        } else {
          const std::size_t k = Pick(gen, mine.size());
          const JET_ERR err = JetEndSession(mine[k], 0);
          if (err == JET_errInstanceUnavailable) {
            unavailable_seen.store(true, std::memory_order_release);
          }
          failures.Expect(broken ? err == JET_errInstanceUnavailable
                                 : IsOneOf(err, {JET_errSuccess,
                                                 JET_errInstanceUnavailable}),
                          [&] {
                            return absl::StrFormat("End (unavailable %d) -> %s",
                                                   broken, ErrName(err));
                          });
          if (err == JET_errSuccess) SwapErase(mine, k);
        }
      }
    });
    stopper.join();
    breaker.join();
    failures.Check(absl::StrFormat("round %d: ", round).c_str());
    std::size_t still = 0;
    for (const auto& mine : held) still += mine.size();
    EXPECT_EQ(SessionCount(instance.get()), still);
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(instance.get(), &s, nullptr, nullptr),
              JET_errClientRequestToStopJetService);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInstanceUnavailable);
      }
    }
    EXPECT_EQ(instance.Terminate(), JET_errSuccess);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInvalidSesid);
      }
    }
    total_ops += ops.load();
  }
  std::printf(
      "[StopAndUnavailableRacingGates] threads=%d: %ld ops in %d "
      "rounds\n",
      threads, total_ops, kRounds);
}

}  // namespace
}  // namespace jetsession::concurrency_test
