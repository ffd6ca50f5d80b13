// The contract's "Waiting for a session": JetExtBeginSessionWait and
// JetExtDupSessionWait, case by case (the races are in
// concurrency_wait_test.cc, the queue's order in session_wait_order_test.cc).
#include <jetsession/jet.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetSessionWaitTest = JetTest;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// JetExtBeginSessionWait's result; a failure must leave *psesid nil.
JET_ERR BeginWait(JET_INSTANCE inst, JET_SESID* s, unsigned long cmsec) {
  *s = 12345;
  const JET_ERR err = JetExtBeginSessionWait(inst, s, cmsec);
  if (err != JET_errSuccess) {
    EXPECT_EQ(*s, JET_sesidNil);
  }
  return err;
}

TEST_F(JetSessionWaitTest, TheChecksAndTheirOrderAreJetBeginSessions) {
  EXPECT_EQ(JetExtBeginSessionWait(0x999999, nullptr, 10),
            JET_errInvalidParameter);
  JET_SESID s = 0;
  EXPECT_EQ(BeginWait(0x999999, &s, 10), JET_errInvalidInstance);
  EXPECT_EQ(BeginWait(JET_instanceNil, &s, 10), JET_errInvalidParameter);
  const JET_INSTANCE created = Created("wait-created");
  EXPECT_EQ(BeginWait(created, &s, 10), JET_errNotInitialized);
  const JET_INSTANCE stopped = Running("wait-stopped", 1);
  ASSERT_EQ(JetStopServiceInstance(stopped), JET_errSuccess);
  EXPECT_EQ(BeginWait(stopped, &s, JET_cmsecExtWaitForever),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetExtDupSessionWait(JET_sesidNil, &s, 10), JET_errInvalidSesid);
  EXPECT_EQ(JetExtDupSessionWait(0x777, nullptr, 10), JET_errInvalidParameter);
}

TEST_F(JetSessionWaitTest, BelowFullItIsJetBeginSession) {
  const JET_INSTANCE inst = Running("wait-room", 2);
  JET_SESID a = 0;
  JET_SESID b = 0;
  ASSERT_EQ(BeginWait(inst, &a, JET_cmsecExtWaitForever), JET_errSuccess);
  ASSERT_EQ(JetExtDupSessionWait(a, &b, JET_cmsecExtWaitForever),
            JET_errSuccess);
  EXPECT_EQ(Count(inst), 2U);
  EXPECT_EQ(JetEndSession(a, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(b, 0), JET_errSuccess);
}

TEST_F(JetSessionWaitTest, ZeroTimeoutIsThePlainCall) {
  const JET_INSTANCE inst = Running("wait-zero", 1);
  const JET_SESID held = Begin(inst);
  JET_SESID s = 0;
  EXPECT_EQ(BeginWait(inst, &s, 0), JET_errOutOfSessions);
  EXPECT_EQ(JetExtDupSessionWait(held, &s, 0), JET_errOutOfSessions);
  EXPECT_EQ(s, JET_sesidNil);
  EXPECT_EQ(JetEndSession(held, 0), JET_errSuccess);
}

TEST_F(JetSessionWaitTest, ATimedOutWaitAnswersOutOfSessionsAfterItsTime) {
  const JET_INSTANCE inst = Running("wait-timeout", 1);
  const JET_SESID held = Begin(inst);
  JET_SESID s = 0;
  const auto start = Clock::now();
  EXPECT_EQ(BeginWait(inst, &s, 30), JET_errOutOfSessions);
  EXPECT_GE(Clock::now() - start, milliseconds(30));
  // The pool is as it was: the held session ends, and its slot is free.
  EXPECT_EQ(JetEndSession(held, 0), JET_errSuccess);
  EXPECT_EQ(BeginWait(inst, &s, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
}

TEST_F(JetSessionWaitTest, AnEndHandsItsSlotToTheWaiter) {
  const JET_INSTANCE inst = Running("wait-handoff", 1);
  const JET_SESID held = Begin(inst);
  std::atomic<JET_ERR> result{1};
  JET_SESID got = 0;
  std::thread waiter([&] {
    result = JetExtBeginSessionWait(inst, &got, JET_cmsecExtWaitForever);
  });
  // The waiter may not have queued yet: either way it gets the session.
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  waiter.join();
  ASSERT_EQ(result.load(), JET_errSuccess);
  EXPECT_NE(got, held);
  EXPECT_EQ(Count(inst), 1U);
  // The old handle is stale, the new one works.
  EXPECT_EQ(JetEndSession(held, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(got, 7), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(got), JET_errSuccess);
  EXPECT_EQ(JetEndSession(got, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionWaitTest, ADupThatWaitsHoldsItsSource) {
  const JET_INSTANCE inst = Running("wait-dup", 2);
  const JET_SESID src = Begin(inst);
  const JET_SESID other = Begin(inst);
  std::atomic<JET_ERR> result{1};
  JET_SESID dup = 0;
  std::thread waiter([&] {
    result = JetExtDupSessionWait(src, &dup, JET_cmsecExtWaitForever);
  });
  // While it waits, src is held: another call on it is a sharing
  // violation (and before the Dup takes it, End finds it idle: then the
  // test cannot tell, so it looks until it sees the hold).
  JET_ERR seen = JET_errSuccess;
  for (int i = 0; i < 1000 && seen != JET_errSessionSharingViolation; ++i) {
    seen = JetSetSessionContext(src, 1);
    if (seen == JET_errSuccess) {
      ASSERT_EQ(JetResetSessionContext(src), JET_errSuccess);
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(seen, JET_errSessionSharingViolation);
  EXPECT_EQ(JetEndSession(src, 0), JET_errSessionSharingViolation);
  ASSERT_EQ(JetEndSession(other, 0), JET_errSuccess);
  waiter.join();
  ASSERT_EQ(result.load(), JET_errSuccess);
  EXPECT_EQ(Count(inst), 2U);
  EXPECT_EQ(JetEndSession(dup, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(src, 0), JET_errSuccess);
}

// Stop, Unavailable and Term each wake every waiter with their error; JetTerm
// returns only after the waiters have.
void ExpectFlagWakesWaiters(JetTest& test, const char* name,
                            JET_ERR (*flag)(JET_INSTANCE), JET_ERR expected,
                            bool flag_is_term) {
  JET_INSTANCE inst = 0;
  ASSERT_EQ(JetCreateInstance(&inst, name), JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 1, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  if (!flag_is_term) (void)test;
  JET_SESID held = 0;
  ASSERT_EQ(JetBeginSession(inst, &held, nullptr, nullptr), JET_errSuccess);
  constexpr int kWaiters = 6;
  std::atomic<int> returned{0};
  std::vector<JET_ERR> results(kWaiters, 1);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      JET_SESID s = 0;
      results[static_cast<std::size_t>(i)] =
          i % 2 == 0 ? JetExtBeginSessionWait(inst, &s, JET_cmsecExtWaitForever)
                     : JetExtDupSessionWait(held, &s, JET_cmsecExtWaitForever);
      returned.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(flag(inst), JET_errSuccess);
  // JetTerm returns only after the waiters' last step in the library; that
  // is seen white-box (session_wait_handoff_test.cc,
  // TermReturnsOnlyAfterEveryWaitersLastStep): here a waiter's thread may
  // still be between its call's return and its next instruction.
  for (auto& t : waiters) t.join();
  EXPECT_EQ(returned.load(), kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    const JET_ERR r = results[static_cast<std::size_t>(i)];
    // A Dup that found its source held by another Dup answers the sharing
    // violation at once.
    if (i % 2 == 1 && r == JET_errSessionSharingViolation) continue;
    // A thread slow to start may call after JetTerm has returned: the
    // handles are stale then.
    if (flag_is_term &&
        (r == JET_errInvalidInstance || r == JET_errInvalidSesid)) {
      continue;
    }
    EXPECT_EQ(r, expected) << "waiter " << i;
  }
  if (!flag_is_term) {
    EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  }
}

TEST_F(JetSessionWaitTest, StopWakesEveryWaiter) {
  ExpectFlagWakesWaiters(*this, "wait-stop", JetStopServiceInstance,
                         JET_errClientRequestToStopJetService, false);
}

TEST_F(JetSessionWaitTest, UnavailableWakesEveryWaiter) {
  ExpectFlagWakesWaiters(*this, "wait-unavailable",
                         JetExtSetInstanceUnavailable,
                         JET_errInstanceUnavailable, false);
}

TEST_F(JetSessionWaitTest, TermWakesEveryWaiterAndWaitsForThem) {
  ExpectFlagWakesWaiters(
      *this, "wait-term", [](JET_INSTANCE i) { return JetTerm(i); },
      JET_errTermInProgress, true);
}

TEST_F(JetSessionWaitTest, ManyWaitersTimingOutAtOnceLoseNothing) {
  const JET_INSTANCE inst = Running("wait-many-timeouts", 2);
  const JET_SESID a = Begin(inst);
  const JET_SESID b = Begin(inst);
  constexpr int kWaiters = 24;
  std::atomic<int> timed_out{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      JET_SESID s = 0;
      if (JetExtBeginSessionWait(inst, &s, 20) == JET_errOutOfSessions) {
        timed_out.fetch_add(1);
      }
    });
  }
  for (auto& t : waiters) t.join();
  EXPECT_EQ(timed_out.load(), kWaiters);
  // The tickets they left behind are passed over: each End's slot still
  // reaches the next caller.
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  JET_SESID c = 0;
  EXPECT_EQ(BeginWait(inst, &c, 1000), JET_errSuccess);
  ASSERT_EQ(JetEndSession(b, 0), JET_errSuccess);
  JET_SESID d = 0;
  EXPECT_EQ(JetBeginSession(inst, &d, nullptr, nullptr), JET_errSuccess);
  EXPECT_EQ(Count(inst), 2U);
  EXPECT_EQ(JetEndSession(c, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
}

TEST_F(JetSessionWaitTest, AWaiterUsesLittleCpu) {
  const JET_INSTANCE inst = Running("wait-cpu", 1);
  const JET_SESID held = Begin(inst);
  const std::clock_t cpu_before = std::clock();
  JET_SESID s = 0;
  EXPECT_EQ(BeginWait(inst, &s, 300), JET_errOutOfSessions);
  const double cpu_ms =
      1000.0 * static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC;
  // A property of the call (it blocks), not a timing of this machine: a
  // spinning waiter would use about 300 ms.
  EXPECT_LT(cpu_ms, 100.0);
  EXPECT_EQ(JetEndSession(held, 0), JET_errSuccess);
}

}  // namespace
}  // namespace jetsession::testing
