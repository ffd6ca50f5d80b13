// Lifetimes through the C API: calls that race the end of one instance and
// the start of the next on the same record, and calls on the default
// instance (handle 0) racing JetInit(NULL) / JetTerm(0). Each test counts
// answers that no sequential order allows and expects none; built against a
// mutant library with the defect put back (tests/CMakeLists.txt), the same
// test must report them.
#include <jetsession/jet.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

// Callers racing the thread that ends and starts instances: more than the
// cores, so that callers are preempted inside their calls, between a
// handle check and a read of the record (the interleaving that finds these
// defects).
constexpr int kCallers = 4;

// Answers of the racing callers, counted by kind.
struct Tally {
  std::atomic<long> calls{0};
  std::atomic<long> impossible{0};
  std::atomic<long> success{0};

  void Count(bool possible, bool succeeded) {
    // relaxed: statistics, read after the threads are joined.
    calls.fetch_add(1, std::memory_order_relaxed);
    if (!possible) impossible.fetch_add(1, std::memory_order_relaxed);
    if (succeeded) success.fetch_add(1, std::memory_order_relaxed);
  }
};

// JetBeginSession(0) and JetExtGetSessionCount(0) while another thread
// runs JetInit(NULL) / JetTerm(0) in a loop. JetInit(NULL) creates and
// initializes the default instance in one call, and 0 is not an instance
// handle: no sequential order lets either call answer NotInitialized or
// InvalidInstance. The allowed answers: Success, InvalidParameter (no
// default instance), TermInProgress, OutOfSessions.
TEST(ConcurrencyLifetimeTest, DefaultInstanceCallsRacingInitAndTerm) {
  const int cycles = StressScale(200000);
  std::atomic<bool> done{false};
  Tally begins;
  Tally counts;
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      // acquire: pairs with the release store after the last cycle.
      while (!done.load(std::memory_order_acquire)) {
        if (t % 2 == 0) {
          JET_SESID s = JET_sesidNil;
          const JET_ERR err = JetBeginSession(0, &s, nullptr, nullptr);
          begins.Count(
              err == JET_errSuccess || err == JET_errInvalidParameter ||
                  err == JET_errTermInProgress || err == JET_errOutOfSessions,
              err == JET_errSuccess);
          if (err == JET_errSuccess) JetEndSession(s, 0);
        } else {
          unsigned long n = 0;
          const JET_ERR err = JetExtGetSessionCount(0, &n);
          counts.Count(err == JET_errSuccess ||
                           err == JET_errInvalidParameter ||
                           err == JET_errTermInProgress,
                       err == JET_errSuccess);
        }
      }
    });
  }
  int inits = 0;
  for (int i = 0; i < cycles; ++i) {
    if (JetInit(nullptr) == JET_errSuccess) ++inits;
    JetTerm(0);
  }
  // release: pairs with the callers' acquire loads.
  done.store(true, std::memory_order_release);
  for (auto& t : callers) t.join();
  std::printf("%s\n",
              absl::StrFormat("%d JetInit(NULL)/JetTerm(0) cycles; "
                              "Begin(0): %d calls, %d successes; "
                              "count(0): %d calls, %d successes",
                              inits, begins.calls.load(), begins.success.load(),
                              counts.calls.load(), counts.success.load())
                  .c_str());
  EXPECT_EQ(inits, cycles);
  EXPECT_EQ(begins.impossible.load(), 0) << "impossible Begin(0) answers";
  EXPECT_EQ(counts.impossible.load(), 0) << "impossible count(0) answers";
}

// JetExtGetSessionCount on the handle of an instance that never had a
// session, while its record is terminated and re-created by instances that
// open five sessions each: it answers 0 (or InvalidInstance /
// TermInProgress once the instance is ending), never another
// incarnation's count.
TEST(ConcurrencyLifetimeTest, CountNeverReportsTheNextIncarnation) {
  const int cycles = StressScale(400000);
  std::atomic<JET_INSTANCE> empty{0};
  std::atomic<bool> done{false};
  Tally counts;
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&] {
      // acquire: pairs with the release stores below.
      while (!done.load(std::memory_order_acquire)) {
        const JET_INSTANCE instance = empty.load(std::memory_order_acquire);
        if (instance == 0) continue;
        unsigned long n = 99;
        const JET_ERR err = JetExtGetSessionCount(instance, &n);
        counts.Count((err == JET_errSuccess && n == 0) ||
                         err == JET_errInvalidInstance ||
                         err == JET_errTermInProgress,
                     err == JET_errSuccess);
      }
    });
  for (int i = 0; i < cycles; ++i) {
    JET_INSTANCE quiet = 0;
    ASSERT_EQ(JetCreateInstance(&quiet, "lifetime"), JET_errSuccess);
    ASSERT_EQ(JetInit(&quiet), JET_errSuccess);
    // release: pairs with the caller's acquire load.
    empty.store(quiet, std::memory_order_release);
    JetTerm(quiet);
    JET_INSTANCE busy = 0;
    ASSERT_EQ(JetCreateInstance(&busy, "lifetime"), JET_errSuccess);
    ASSERT_EQ(JetInit(&busy), JET_errSuccess);
    for (int k = 0; k < 5; ++k) {
      JET_SESID s = JET_sesidNil;
      ASSERT_EQ(JetBeginSession(busy, &s, nullptr, nullptr), JET_errSuccess);
    }
    JetTerm(busy);
  }
  done.store(true, std::memory_order_release);
  for (auto& t : callers) t.join();
  std::printf("%s\n", absl::StrFormat(
                          "%d cycles; count: %d calls, %d successes", cycles,
                          counts.calls.load(), counts.success.load())
                          .c_str());
  EXPECT_EQ(counts.impossible.load(), 0) << "counts of another incarnation";
}

// A session held by a call that cannot end it (a parameter call through
// the session, looping on another thread) after JetStopServiceInstance or
// JetExtSetInstanceUnavailable returned, or while JetTerm waits for that
// call: Dup and End on the session answer the state error, in ESE's order,
// never SessionSharingViolation (only a holder that is an End, on an
// unavailable or terminating instance, turns the answer into the sharing
// violation). Found by the outside review of a rule that answered the
// sharing violation first for every busy session.
TEST(ConcurrencyLifetimeTest, StateErrorsComeFirstWhileANonEndCallHolds) {
  const int calls = StressScale(200000);
  for (const bool unavailable : {false, true}) {
    JET_INSTANCE instance = 0;
    ASSERT_EQ(JetCreateInstance(&instance, "held"), JET_errSuccess);
    ASSERT_EQ(JetInit(&instance), JET_errSuccess);
    JET_SESID s = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(instance, &s, nullptr, nullptr), JET_errSuccess);
    ASSERT_EQ(unavailable ? JetExtSetInstanceUnavailable(instance)
                          : JetStopServiceInstance(instance),
              JET_errSuccess);
    std::atomic<bool> done{false};
    std::thread holder([&] {
      // acquire: pairs with the release store below.
      while (!done.load(std::memory_order_acquire)) {
        JET_API_PTR value = 0;
        JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr, 0);
      }
    });
    const JET_ERR expected = unavailable ? JET_errInstanceUnavailable
                                         : JET_errClientRequestToStopJetService;
    long wrong = 0;
    for (int i = 0; i < calls; ++i) {
      JET_SESID d = JET_sesidNil;
      if (JetDupSession(s, &d) != expected) ++wrong;
      if (unavailable && JetEndSession(s, 0) != expected) ++wrong;
    }
    done.store(true, std::memory_order_release);
    holder.join();
    EXPECT_EQ(wrong, 0) << (unavailable ? "after Unavailable" : "after Stop");
    JetTerm(instance);
  }
}

// One thread ends its session on an instance of MaxSessions 1 while another
// calls on the same handle (a parameter call through the session) until it
// answers InvalidSesid, then begins. InvalidSesid says that the End took
// effect; the only slot is then free, and no sequential order lets the
// Begin answer OutOfSessions. (Once an End stored the stale generation
// before it freed the bit: a call in between saw the handle stale while the
// pool still looked full.)
TEST(ConcurrencyLifetimeTest, AnEndedHandleMeansAFreeSlot) {
  const int rounds = StressScale(100000);
  JET_INSTANCE instance = 0;
  ASSERT_EQ(JetCreateInstance(&instance, "one slot"), JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(&instance, JET_sesidNil, JET_paramMaxSessions,
                                  1, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetInit(&instance), JET_errSuccess);
  std::atomic<JET_SESID> handed{JET_sesidNil};
  std::atomic<int> acknowledged{-1};
  std::atomic<bool> stop{false};  // the observer has seen enough
  long full_after_stale = 0;
  long wrong = 0;
  std::thread ender([&] {
    // acquire: pairs with the observer's release store of `stop`.
    for (int r = 0; r < rounds && !stop.load(std::memory_order_acquire); ++r) {
      JET_SESID s = JET_sesidNil;
      if (JetBeginSession(instance, &s, nullptr, nullptr) != JET_errSuccess) {
        ++wrong;  // the observer ended its session: the slot is free
      }
      // release: pairs with the observer's acquire exchange.
      handed.store(s, std::memory_order_release);
      // The observer's call may hold the session: then End answers the
      // sharing violation, and ends it on a later try.
      JET_ERR end = JET_errSuccess;
      while ((end = JetEndSession(s, 0)) == JET_errSessionSharingViolation) {
      }
      if (end != JET_errSuccess) ++wrong;
      // acquire: pairs with the observer's release store of the round.
      while (acknowledged.load(std::memory_order_acquire) != r &&
             !stop.load(std::memory_order_acquire)) {
        std::this_thread::yield();
      }
    }
  });
  // A defect shows in many rounds (the mutant: nearly all); 20 suffice.
  for (int r = 0; r < rounds && full_after_stale < 20; ++r) {
    JET_SESID s = JET_sesidNil;
    // acquire: pairs with the ender's release store.
    while ((s = handed.exchange(JET_sesidNil, std::memory_order_acquire)) ==
           JET_sesidNil) {
      std::this_thread::yield();
    }
    JET_ERR answer = JET_errSuccess;
    do {
      JET_API_PTR value = 0;
      answer =
          JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr, 0);
      if (answer == JET_errSuccess) std::this_thread::yield();  // not ended
    } while (answer == JET_errSuccess ||
             answer == JET_errSessionSharingViolation);
    if (answer != JET_errInvalidSesid) ++wrong;
    JET_SESID mine = JET_sesidNil;
    const JET_ERR begin = JetBeginSession(instance, &mine, nullptr, nullptr);
    if (begin == JET_errOutOfSessions) ++full_after_stale;
    if (begin == JET_errSuccess) JetEndSession(mine, 0);
    // release: the round's calls are done.
    acknowledged.store(r, std::memory_order_release);
  }
  // release: pairs with the ender's acquire loads.
  stop.store(true, std::memory_order_release);
  ender.join();
  EXPECT_EQ(full_after_stale, 0) << "OutOfSessions after InvalidSesid";
  EXPECT_EQ(wrong, 0);
  JetTerm(instance);
}

}  // namespace
}  // namespace jetsession::concurrency_test
