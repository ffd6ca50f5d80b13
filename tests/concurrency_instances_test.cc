// Instances and handle lifetimes under concurrency: stale session handles
// after their slots were reused many thousand times, many instances
// created, used and terminated at once, and the instance lifecycle calls
// raced by all threads. At least 8 threads on this 2-core machine. A handle
// of an ended session or a terminated instance stays invalid for good,
// whatever now lives on its slot or record. Each test prints its op counts
// and its seed. (Races of one instance's end with the next incarnation on
// the same record: concurrency_lifetime_test.cc and
// concurrency_lifecycle_histories_test.cc.)
#include <jetsession/jet.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyInstancesTest = ConcurrencyTest;

// ---------------------------------------------------------------------------
// Generation tags. Threads churn Begin/End on a tiny pool (MaxSessions 2
// and 4), so every slot is reused many thousand times, often by another
// thread at the very moment a stale handle of it is tried. Every ended
// handle (the thread's own, kept in a ring, and other threads', published
// on a shared board after their End returned) gets InvalidSesid from End,
// Dup, SetSessionContext and ResetSessionContext, always; a failed Dup
// leaves JET_sesidNil.
constexpr std::size_t kBoard = 64;
constexpr std::size_t kRing = 16;

// The four session calls on an ended handle.
void ExpectStale(Failures& failures, JET_SESID old, const char* whose) {
  JET_SESID out = 0;
  const JET_ERR end = JetEndSession(old, 0);
  const JET_ERR dup = JetDupSession(old, &out);
  const JET_ERR set = JetSetSessionContext(old, 0x5e55);
  const JET_ERR reset = JetResetSessionContext(old);
  failures.Expect(
      end == JET_errInvalidSesid && dup == JET_errInvalidSesid &&
          out == JET_sesidNil && set == JET_errInvalidSesid &&
          reset == JET_errInvalidSesid,
      [&] {
        return absl::StrFormat(
            "%s stale handle %#x: End %s, Dup %s (out %#x), SetContext %s, "
            "Reset %s",
            whose, static_cast<std::uint64_t>(old), ErrName(end), ErrName(dup),
            static_cast<std::uint64_t>(out), ErrName(set), ErrName(reset));
      });
  if (dup == JET_errSuccess) JetEndSession(out, 0);
}

// A session used a little (valid calls, sometimes from a Dup as well) and
// ended; its handles go to `ring` and the shared `board`. False when the
// instance was full.
bool UseAndEnd(JET_INSTANCE instance, Failures& failures, absl::BitGen& gen,
               JET_SESID& ring_entry,
               std::array<std::atomic<JET_SESID>, kBoard>& board) {
  JET_SESID s = JET_sesidNil;
  const JET_ERR err = JetBeginSession(instance, &s, nullptr, nullptr);
  if (err != JET_errSuccess) {
    failures.Expect(err == JET_errOutOfSessions,
                    [&] { return "Begin -> " + ErrName(err); });
    return false;
  }
  JET_SESID d = JET_sesidNil;
  const bool with_dup = absl::Bernoulli(gen, 0.25);
  const JET_ERR dup_err = with_dup ? JetDupSession(s, &d) : JET_errSuccess;
  failures.Expect(IsOneOf(dup_err, {JET_errSuccess, JET_errOutOfSessions}),
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
  ring_entry = s;
  board[Pick(gen, kBoard)].store(s, std::memory_order_release);
  if (with_dup && dup_err == JET_errSuccess) {
    failures.Expect(JetEndSession(d, 0) == JET_errSuccess,
                    [] { return std::string("End of Dup failed"); });
    board[Pick(gen, kBoard)].store(d, std::memory_order_release);
  }
  return true;
}

TEST_F(ConcurrencyInstancesTest, StaleHandlesRejectedAfterReuse) {
  const std::uint64_t seed = TestSeed("StaleHandlesRejectedAfterReuse");
  const int threads = ThreadCount();
  for (const int capacity : {2, 4}) {
    ScopedInstance instance(static_cast<unsigned long>(capacity), "stale");
    ASSERT_TRUE(instance.ok());
    Failures failures;
    std::array<std::atomic<JET_SESID>, kBoard> board;
    for (auto& entry : board) entry.store(JET_sesidNil);
    std::atomic<long> cycles{0};
    std::atomic<long> full{0};
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(capacity),
                                   static_cast<std::uint64_t>(t));
      std::array<JET_SESID, kRing> ring{};
      ring.fill(JET_sesidNil);
      long my_cycles = 0;
      long my_full = 0;
      for (int i = 0; i < StressScale(100000); ++i) {
        if (!UseAndEnd(instance.get(), failures, gen,
                       ring[static_cast<std::size_t>(i) % kRing], board)) {
          ++my_full;
          continue;
        }
        ++my_cycles;
        ExpectStale(failures, ring[Pick(gen, kRing)], "own");
        // acquire: pairs with the release store in UseAndEnd() (of another
        // thread): its End returned before the handle was published.
        ExpectStale(failures,
                    board[Pick(gen, kBoard)].load(std::memory_order_acquire),
                    "published");
      }
      cycles += my_cycles;
      full += my_full;
    });
    ExpectDrained(
        failures, instance.get(), absl::StrFormat("N=%d: ", capacity),
        absl::StrFormat(
            "[StaleHandlesRejectedAfterReuse] threads=%d N=%d: %ld Begin/End "
            "cycles (~%ld reuses a slot), %ld stale probes x 4 calls, %ld "
            "OutOfSessions",
            threads, capacity, cycles.load(), cycles.load() / capacity,
            2 * cycles.load(), full.load()));
  }
}

// ---------------------------------------------------------------------------
// Threads create, initialize, use and terminate their own instances at
// once, with JET_paramMaxInstances lowered to 4. Each thread reuses one
// name (its own), which JetTerm must free at once:
//  - Create gets Success or TooManyInstances (never InstanceNameInUse);
//  - a counter incremented after Create returns and decremented before
//    Term is called never exceeds MaxInstances;
//  - each thread's own instance has exactly the sessions it opened, and
//    they are invalid after its Term;
//  - handles of terminated instances (published by their threads after
//    JetTerm returned) get InvalidInstance from every thread, although
//    their records are being reused by other threads' new instances.
constexpr JET_API_PTR kMaxInstances = 4;

struct InstanceBoard {
  InstanceBoard() {
    for (auto& entry : dead) entry.store(JET_instanceNil);
  }

  Failures failures;
  std::atomic<int> live{0};
  std::atomic<int> max_live{0};
  std::atomic<long> created{0};
  std::atomic<long> too_many{0};
  std::atomic<long> probes{0};
  std::atomic<long> sessions{0};
  std::array<std::atomic<JET_INSTANCE>, 32> dead;  // terminated handles
};

// A terminated instance's handle: InvalidInstance, never a session in
// whatever instance now lives on its record.
void ExpectDead(Failures& failures, JET_INSTANCE old) {
  JET_SESID s = 0;
  const JET_ERR err = JetBeginSession(old, &s, nullptr, nullptr);
  unsigned long count = 0;
  const JET_ERR count_err = JetExtGetSessionCount(old, &count);
  const JET_ERR stop_err = JetStopServiceInstance(old);
  failures.Expect(err == JET_errInvalidInstance &&
                      count_err == JET_errInvalidInstance &&
                      stop_err == JET_errInvalidInstance,
                  [&] {
                    return absl::StrFormat(
                        "terminated instance %#x: Begin %s, Count %s, Stop %s",
                        static_cast<std::uint64_t>(old), ErrName(err),
                        ErrName(count_err), ErrName(stop_err));
                  });
  if (err == JET_errSuccess) JetEndSession(s, 0);
}

// Opens 0-2 sessions on a fresh instance, checks its count, keeps it alive
// a while (Begin/End churn, a yield, so that several instances live at
// once and MaxInstances is reached), maybe ends one; returns the rest.
std::vector<JET_SESID> UseOwnInstance(JET_INSTANCE inst, Failures& failures,
                                      absl::BitGen& gen) {
  std::vector<JET_SESID> mine;
  const int n = absl::Uniform(absl::IntervalClosed, gen, 0, 3);
  for (int k = 0; k < n; ++k) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = mine.empty()
                            ? JetBeginSession(inst, &s, nullptr, nullptr)
                            : JetDupSession(mine.back(), &s);
    if (failures.Expect(err == JET_errSuccess,
                        [&] { return "open -> " + ErrName(err); })) {
      mine.push_back(s);
    }
  }
  const unsigned long count = SessionCount(inst);
  failures.Expect(count == mine.size(), [&] {
    return absl::StrFormat("own instance: count %lu, opened %zu", count,
                           mine.size());
  });
  const int churn = absl::Uniform(absl::IntervalClosed, gen, 0, 200);
  for (int k = 0; k < churn && mine.size() < 3; ++k) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
    const JET_ERR end = err == JET_errSuccess ? JetEndSession(s, 0) : err;
    failures.Expect(err == JET_errSuccess && end == JET_errSuccess, [&] {
      return absl::StrFormat("own instance churn: Begin %s, End %s",
                             ErrName(err), ErrName(end));
    });
    if ((k % 64) == 63) std::this_thread::yield();
  }
  std::this_thread::yield();
  if (!mine.empty() && absl::Bernoulli(gen, 0.5)) {
    const JET_ERR err = JetEndSession(mine.back(), 0);
    failures.Expect(err == JET_errSuccess,
                    [&] { return "End -> " + ErrName(err); });
    mine.pop_back();
  }
  return mine;
}

// One life of thread t's instance, named `name`.
void OneInstanceLife(InstanceBoard& b, const std::string& name,
                     absl::BitGen& gen) {
  JET_INSTANCE inst = 0;
  JET_ERR err = JetCreateInstance(&inst, name.c_str());
  if (err == JET_errTooManyInstances) {
    ++b.too_many;
    std::this_thread::yield();
    return;
  }
  if (!b.failures.Expect(err == JET_errSuccess, [&] {
        return absl::StrFormat("Create(%s) -> %s", name, ErrName(err));
      })) {
    return;
  }
  ++b.created;
  const int now = b.live.fetch_add(1, std::memory_order_acq_rel) + 1;
  int seen = b.max_live.load(std::memory_order_relaxed);
  while (now > seen && !b.max_live.compare_exchange_weak(seen, now)) {
  }
  b.failures.Expect(now <= static_cast<int>(kMaxInstances), [&] {
    return absl::StrFormat("%d instances live at once", now);
  });
  err = JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 3, nullptr);
  b.failures.Expect(err == JET_errSuccess,
                    [&] { return "MaxSessions -> " + ErrName(err); });
  err = JetInit(&inst);
  b.failures.Expect(err == JET_errSuccess,
                    [&] { return "Init -> " + ErrName(err); });
  const std::vector<JET_SESID> mine = UseOwnInstance(inst, b.failures, gen);
  b.sessions += static_cast<long>(mine.size());
  b.live.fetch_sub(1, std::memory_order_acq_rel);
  err = JetTerm(inst);
  b.failures.Expect(err == JET_errSuccess,
                    [&] { return "Term -> " + ErrName(err); });
  for (const JET_SESID s : mine) {
    err = JetEndSession(s, 0);
    b.failures.Expect(err == JET_errInvalidSesid,
                      [&] { return "End after Term -> " + ErrName(err); });
  }
  // release: pairs with the acquire load before ExpectDead().
  b.dead[Pick(gen, b.dead.size())].store(inst, std::memory_order_release);
}

TEST_F(ConcurrencyInstancesTest, ManyInstancesInParallel) {
  const std::uint64_t seed = TestSeed("ManyInstancesInParallel");
  const int threads = ThreadCount();
  const std::string prefix = UniqueName("many");
  JET_API_PTR saved = 0;
  ASSERT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxInstances, &saved, nullptr, 0),
      JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances,
                                  kMaxInstances, nullptr),
            JET_errSuccess);
  InstanceBoard b;
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    const std::string name = absl::StrFormat("%s-%d", prefix, t);
    for (int i = 0; i < StressScale(4000); ++i) {
      // acquire: pairs with the release store after its JetTerm returned.
      const JET_INSTANCE old =
          b.dead[Pick(gen, b.dead.size())].load(std::memory_order_acquire);
      if (old != JET_instanceNil) {
        ExpectDead(b.failures, old);
        ++b.probes;
      }
      OneInstanceLife(b, name, gen);
    }
  });
  b.failures.Check();
  EXPECT_LE(b.max_live.load(), static_cast<int>(kMaxInstances));
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, saved, nullptr),
      JET_errSuccess)
      << "an instance outlived the test";
  std::printf(
      "[ManyInstancesInParallel] threads=%d MaxInstances=%lu: %ld instances "
      "created/used/terminated, %ld sessions, %ld TooManyInstances, %ld "
      "stale-handle probes x 3 calls, max live seen %d\n",
      threads, static_cast<unsigned long>(kMaxInstances), b.created.load(),
      b.sessions.load(), b.too_many.load(), b.probes.load(), b.max_live.load());
}

// ---------------------------------------------------------------------------
// The instance lifecycle calls raced by all threads at once, each round:
//  - JetCreateInstance with one name (the unnamed one, spelled NULL or "",
//    or a named one): exactly one Success, the others InstanceNameInUse;
//  - JetInit of that Created instance: exactly one Success, the others
//    AlreadyInitialized (their copy of the handle untouched);
//  - JetTerm of it, with sessions open: exactly one Success, the others
//    TermInProgress (while it runs) or InvalidInstance (after).
class LifecycleRace {
 public:
  explicit LifecycleRace(int threads)
      : sync_(threads),
        results_(static_cast<std::size_t>(threads)),
        handles_(static_cast<std::size_t>(threads)) {}

  void Round(int t, int round, absl::BitGen& gen) {
    const auto me = static_cast<std::size_t>(t);
    const bool unnamed = (round % 2) == 0;
    const char* name = unnamed ? ((t % 2) == 0 ? nullptr : "") : "same-name";
    handles_[me] = 0;
    Race(gen, [&] { results_[me] = JetCreateInstance(&handles_[me], name); });
    if (t == 0) TallyCreates(round);
    Race(gen, [&] {
      JET_INSTANCE mine = shared_.load(std::memory_order_relaxed);
      const JET_INSTANCE before = mine;
      results_[me] = JetInit(&mine);
      failures.Expect(results_[me] == JET_errSuccess || mine == before, [] {
        return std::string("a losing JetInit changed its handle");
      });
    });
    const JET_INSTANCE inst = shared_.load(std::memory_order_relaxed);
    if (t == 0) TallyInits(round, inst);
    Race(gen, [&] { results_[me] = JetTerm(inst); });
    if (t == 0) TallyTerms(round, inst);
    sync_.arrive_and_wait();
  }

  void Print(int threads, int rounds) const {
    std::printf(
        "[InstanceLifecycleRacesHaveOneWinner] threads=%d rounds=%d: Create "
        "losers %ld InstanceNameInUse; Init losers %ld AlreadyInitialized; "
        "Term losers %ld TermInProgress + %ld InvalidInstance\n",
        threads, rounds, name_in_use_, already_, term_in_progress_,
        term_invalid_);
  }

  Failures failures;

 private:
  template <class Call>
  void Race(absl::BitGen& gen, Call call) {
    sync_.arrive_and_race();
    Jitter(gen);
    call();
    sync_.arrive_and_wait();
  }

  // Exactly one Success, the others one of `losers`.
  int Tally(const char* what, int round,
            std::initializer_list<JET_ERR> losers) {
    int wins = 0;
    for (const JET_ERR err : results_) {
      if (err == JET_errSuccess) ++wins;
      failures.Expect(err == JET_errSuccess || IsOneOf(err, losers), [&] {
        return absl::StrFormat("round %d: racing %s -> %s", round, what,
                               ErrName(err));
      });
    }
    failures.Expect(wins == 1, [&] {
      return absl::StrFormat("round %d: %d racing %s won", round, wins, what);
    });
    return wins;
  }

  void TallyCreates(int round) {
    Tally("Create", round, {JET_errInstanceNameInUse});
    JET_INSTANCE winner = 0;
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (results_[i] != JET_errSuccess) {
        if (results_[i] == JET_errInstanceNameInUse) ++name_in_use_;
      } else if (winner == 0) {
        winner = handles_[i];
      } else {
        JetTerm(handles_[i]);  // an extra winner, already reported
      }
    }
    shared_.store(winner, std::memory_order_relaxed);  // the barrier publishes
  }

  // Sessions open for the Term race.
  void TallyInits(int round, JET_INSTANCE inst) {
    Tally("Init", round, {JET_errAlreadyInitialized});
    for (const JET_ERR err : results_) {
      if (err == JET_errAlreadyInitialized) ++already_;
    }
    JET_SESID s = 0;
    JET_SESID d = 0;
    failures.Expect(
        JetBeginSession(inst, &s, nullptr, nullptr) == JET_errSuccess &&
            JetDupSession(s, &d) == JET_errSuccess,
        [] { return std::string("sessions on the raced instance"); });
  }

  void TallyTerms(int round, JET_INSTANCE inst) {
    const int wins =
        Tally("Term", round, {JET_errTermInProgress, JET_errInvalidInstance});
    for (const JET_ERR err : results_) {
      if (err == JET_errTermInProgress) ++term_in_progress_;
      if (err == JET_errInvalidInstance) ++term_invalid_;
    }
    if (wins == 0) JetTerm(inst);  // leave no instance behind
  }

  SpinBarrier sync_;
  std::vector<JET_ERR> results_;
  std::vector<JET_INSTANCE> handles_;
  std::atomic<JET_INSTANCE> shared_{0};
  long name_in_use_ = 0, already_ = 0, term_in_progress_ = 0, term_invalid_ = 0;
};

TEST_F(ConcurrencyInstancesTest, InstanceLifecycleRacesHaveOneWinner) {
  const std::uint64_t seed = TestSeed("InstanceLifecycleRacesHaveOneWinner");
  const int threads = ThreadCount();
  const int rounds = StressScale(800);
  LifecycleRace race(threads);
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    for (int round = 0; round < rounds; ++round) race.Round(t, round, gen);
  });
  race.failures.Check();
  race.Print(threads, rounds);
}

}  // namespace
}  // namespace jetsession::concurrency_test
