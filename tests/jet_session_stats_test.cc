// The contract's "Statistics": JetExtGetSessionStats, its checks and what
// each figure counts (the races are in concurrency_stats_test.cc).
#include <jetsession/jet.h>

#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"
#include "jetsession/instance.h"

namespace jetsession::testing {
namespace {

using JetSessionStatsTest = JetTest;
using std::chrono::milliseconds;

JET_EXTSESSIONSTATS Blank() {
  JET_EXTSESSIONSTATS stats{};
  stats.cbStruct = sizeof stats;
  return stats;
}

TEST_F(JetSessionStatsTest, TheChecksAndTheirOrder) {
  EXPECT_EQ(JetExtGetSessionStats(0x999999, nullptr), JET_errInvalidParameter);
  JET_EXTSESSIONSTATS small = Blank();
  small.cbStruct = sizeof small - 1;
  EXPECT_EQ(JetExtGetSessionStats(0x999999, &small), JET_errInvalidParameter);
  small.cbStruct = 0;
  EXPECT_EQ(JetExtGetSessionStats(0x999999, &small), JET_errInvalidParameter);
  JET_EXTSESSIONSTATS stats = Blank();
  EXPECT_EQ(JetExtGetSessionStats(0x999999, &stats), JET_errInvalidInstance);
  // No default instance lives.
  EXPECT_EQ(JetExtGetSessionStats(0, &stats), JET_errInvalidParameter);
  // A larger struct (room for later fields) is fine.
  struct Larger {
    JET_EXTSESSIONSTATS stats;
    unsigned long long later;
  } larger{};
  larger.stats.cbStruct = sizeof larger;
  const JET_INSTANCE inst = Running("stats-checks", 3);
  EXPECT_EQ(JetExtGetSessionStats(inst, &larger.stats), JET_errSuccess);
  EXPECT_EQ(larger.stats.cMaxSessions, 3U);
  EXPECT_EQ(larger.stats.cbStruct, sizeof larger);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtGetSessionStats(inst, &stats), JET_errInvalidInstance)
      << "a handle of an ended instance";
}

TEST_F(JetSessionStatsTest, BeforeJetInitEveryCountIsZero) {
  JET_INSTANCE inst = Created("stats-created");
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 7, nullptr),
            JET_errSuccess);
  const JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cMaxSessions, 7U);
  EXPECT_EQ(stats.cMaxSessionsCeiling, 7U);
  EXPECT_EQ(stats.cSessionsOpen, 0U);
  EXPECT_EQ(stats.cSessionsBegun, 0U);
  EXPECT_EQ(stats.cSessionsEnded, 0U);
  EXPECT_EQ(stats.cOutOfSessions, 0U);
  EXPECT_EQ(stats.cWaits, 0U);
}

TEST_F(JetSessionStatsTest, BeginsDupsEndsAndFullAnswersAreCounted) {
  const JET_INSTANCE inst = Running("stats-counts", 2);
  JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cMaxSessions, 2U);
  EXPECT_EQ(stats.cSessionsBegun, 0U);
  const JET_SESID a = Begin(inst);
  JET_SESID b = 0;
  ASSERT_EQ(JetDupSession(a, &b), JET_errSuccess);
  JET_SESID c = 0;
  EXPECT_EQ(JetBeginSession(inst, &c, nullptr, nullptr), JET_errOutOfSessions);
  EXPECT_EQ(JetDupSession(a, &c), JET_errOutOfSessions);
  stats = Stats(inst);
  EXPECT_EQ(stats.cSessionsOpen, 2U);
  EXPECT_EQ(stats.cSessionsBegun, 2U);
  EXPECT_EQ(stats.cSessionsEnded, 0U);
  EXPECT_EQ(stats.cOutOfSessions, 2U);
  EXPECT_EQ(stats.cWaits, 0U);
  EXPECT_EQ(stats.cWaiters, 0U);
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  // Failed calls count nothing.
  EXPECT_EQ(JetEndSession(a, 0), JET_errInvalidSesid);
  for (int i = 0; i < 5; ++i) {
    const JET_SESID s = Begin(inst);
    ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  stats = Stats(inst);
  EXPECT_EQ(stats.cSessionsOpen, 1U);
  EXPECT_EQ(stats.cSessionsBegun, 7U);
  EXPECT_EQ(stats.cSessionsEnded, 6U);
  EXPECT_EQ(stats.cOutOfSessions, 2U);
  ASSERT_EQ(JetEndSession(b, 0), JET_errSuccess);
  stats = Stats(inst);
  EXPECT_EQ(stats.cSessionsBegun, 7U);
  EXPECT_EQ(stats.cSessionsEnded, 7U);
}

TEST_F(JetSessionStatsTest, WaitsTimeoutsAndHandOffsAreCounted) {
  const JET_INSTANCE inst = Running("stats-waits", 1);
  const JET_SESID held = Begin(inst);
  JET_SESID s = 0;
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 30), JET_errOutOfSessions);
  JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cWaits, 1U);
  EXPECT_EQ(stats.cWaitTimeouts, 1U);
  EXPECT_EQ(stats.cOutOfSessions, 1U);
  EXPECT_GE(stats.cmsecWaitTotal, 25U);
  // A waiter served by an End: a Begin success, not a timeout.
  JET_ERR served = JET_errSuccess;
  std::thread waiter([&] {
    served = JetExtBeginSessionWait(inst, &s, JET_cmsecExtWaitForever);
  });
  AwaitWaiters(inst, 1);
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  waiter.join();
  ASSERT_EQ(served, JET_errSuccess);
  stats = Stats(inst);
  EXPECT_EQ(stats.cWaits, 2U);
  EXPECT_EQ(stats.cWaitTimeouts, 1U);
  EXPECT_EQ(stats.cOutOfSessions, 1U);
  EXPECT_EQ(stats.cWaiters, 0U);
  EXPECT_EQ(stats.cSessionsBegun, 2U);
  EXPECT_EQ(stats.cSessionsEnded, 1U);
  EXPECT_EQ(stats.cSessionsOpen, 1U);
  EXPECT_GE(stats.cmsecWaitTotal, 40U);
  ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
}

// A waiter that receives a session as the instance is stopped ends it again
// and answers the stop: neither a Begin nor an End in the figures.
TEST_F(JetSessionStatsTest, AStoppedWaiterCountsNoSession) {
  const JET_INSTANCE inst = Running("stats-stop", 1);
  const JET_SESID held = Begin(inst);
  JET_ERR result = JET_errSuccess;
  std::thread waiter([&] {
    JET_SESID s = 0;
    result = JetExtBeginSessionWait(inst, &s, JET_cmsecExtWaitForever);
  });
  AwaitWaiters(inst, 1);
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  waiter.join();
  EXPECT_EQ(result, JET_errClientRequestToStopJetService);
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  const JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cSessionsBegun, 1U);
  EXPECT_EQ(stats.cSessionsEnded, 1U);
  EXPECT_EQ(stats.cSessionsOpen, 0U);
  EXPECT_EQ(stats.cWaits, 1U);
  EXPECT_EQ(stats.cWaitTimeouts, 0U);
}

// Each JetInit starts the figures again, and a new instance on the same
// record does not inherit them.
TEST_F(JetSessionStatsTest, AnotherIncarnationStartsFromZero) {
  for (int round = 0; round < 3; ++round) {
    const JET_INSTANCE inst = Running("stats-again", 2);
    JET_EXTSESSIONSTATS stats = Stats(inst);
    EXPECT_EQ(stats.cSessionsBegun, 0U) << "round " << round;
    EXPECT_EQ(stats.cSessionsEnded, 0U) << "round " << round;
    EXPECT_EQ(stats.cOutOfSessions, 0U) << "round " << round;
    const JET_SESID a = Begin(inst);
    const JET_SESID b = Begin(inst);
    JET_SESID c = 0;
    EXPECT_EQ(JetBeginSession(inst, &c, nullptr, nullptr),
              JET_errOutOfSessions);
    ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
    stats = Stats(inst);
    EXPECT_EQ(stats.cSessionsBegun, 2U);
    EXPECT_EQ(stats.cSessionsEnded, 1U);
    EXPECT_EQ(stats.cOutOfSessions, 1U);
    // b is force-ended by JetTerm.
    (void)b;
    ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  }
}

TEST_F(JetSessionStatsTest, TheCppApiReportsDurations) {
  Result<Instance> inst = Instance::Create({"stats-cpp", 1});
  ASSERT_TRUE(inst.ok());
  Result<Session> s = inst->BeginSession();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(inst->BeginSession(milliseconds(20)).error(),
            Error::kOutOfSessions);
  const Result<SessionStats> stats = inst->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->max_sessions, 1U);
  EXPECT_EQ(stats->sessions_open, 1U);
  EXPECT_EQ(stats->sessions_begun, 1U);
  EXPECT_EQ(stats->waits, 1U);
  EXPECT_EQ(stats->wait_timeouts, 1U);
  EXPECT_GE(stats->wait_total, milliseconds(15));
  Instance empty;
  EXPECT_EQ(empty.Stats().error(), Error::kInvalidInstance);
}

}  // namespace
}  // namespace jetsession::testing
