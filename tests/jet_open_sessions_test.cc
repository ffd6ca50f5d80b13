// The contract's "open-session reports": JET_paramExtSessionTracking and
// JetExtGetOpenSessions, case by case.
#include <jetsession/jet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"
#include "jetsession/instance.h"

namespace jetsession::testing {
namespace {

using JetOpenSessionsTest = JetTest;
using std::chrono::milliseconds;

// A Running instance with tracking `on`.
JET_INSTANCE Tracked(JetTest& test, const char* name, unsigned long max,
                     unsigned long on = 1) {
  (void)test;
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, name), JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, max, nullptr),
            JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, on, nullptr),
      JET_errSuccess);
  EXPECT_EQ(JetInit(&inst), JET_errSuccess);
  return inst;
}

std::vector<JET_EXTSESSIONINFO> List(JET_INSTANCE inst, unsigned long min_age,
                                     unsigned long room, unsigned long* total) {
  std::vector<JET_EXTSESSIONINFO> info(room);
  EXPECT_EQ(JetExtGetOpenSessions(inst, min_age, info.data(), room, total),
            JET_errSuccess);
  info.resize(std::min<unsigned long>(room, *total));
  return info;
}

TEST_F(JetOpenSessionsTest, TheParameterFollowsMaxSessionsRules) {
  JET_API_PTR value = 99;
  EXPECT_EQ(JetGetSystemParameter(0, 0, JET_paramExtSessionTracking, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 0U) << "the default is 0";
  EXPECT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtSessionTracking, 2,
                                  nullptr),
            JET_errInvalidParameter);
  // The process-wide default, which a new instance takes.
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtSessionTracking, 1,
                                  nullptr),
            JET_errSuccess);
  JET_INSTANCE inst = Created("tracking-param");
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtSessionTracking, 0,
                                  nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramExtSessionTracking, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 1U);
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, 7, nullptr),
      JET_errInvalidParameter);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  // Running: only its own value.
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, 1, nullptr),
      JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, 0, nullptr),
      JET_errAlreadyInitialized);
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking, 5, nullptr),
      JET_errAlreadyInitialized);
}

TEST_F(JetOpenSessionsTest, TheChecksAndTheirOrder) {
  unsigned long n = 0;
  JET_EXTSESSIONINFO one{};
  EXPECT_EQ(JetExtGetOpenSessions(0x999999, 0, &one, 1, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetExtGetOpenSessions(0x999999, 0, nullptr, 1, &n),
            JET_errInvalidParameter);
  EXPECT_EQ(JetExtGetOpenSessions(0x999999, 0, nullptr, 0, &n),
            JET_errInvalidInstance);
  EXPECT_EQ(JetExtGetOpenSessions(0, 0, nullptr, 0, &n),
            JET_errInvalidParameter)
      << "no default instance";
  const JET_INSTANCE created = Created("open-created");
  n = 99;
  EXPECT_EQ(JetExtGetOpenSessions(created, 0, nullptr, 0, &n), JET_errSuccess);
  EXPECT_EQ(n, 0U);
  const JET_INSTANCE inst = Running("open-checks", 2);
  const JET_SESID s = Begin(inst);
  n = 0;
  EXPECT_EQ(JetExtGetOpenSessions(inst, 0, nullptr, 0, &n), JET_errSuccess);
  EXPECT_EQ(n, 1U) << "the count of all, with no room for any";
  ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtGetOpenSessions(inst, 0, nullptr, 0, &n),
            JET_errInvalidInstance);
}

TEST_F(JetOpenSessionsTest, WithoutTrackingOnlyAgeZeroSelects) {
  const JET_INSTANCE inst = Running("open-untracked", 4);
  const JET_SESID a = Begin(inst);
  const JET_SESID b = Begin(inst);
  ASSERT_EQ(JetSetSessionContext(b, 77), JET_errSuccess);
  unsigned long total = 0;
  std::vector<JET_EXTSESSIONINFO> info = List(inst, 0, 4, &total);
  ASSERT_EQ(total, 2U);
  for (const JET_EXTSESSIONINFO& e : info) {
    EXPECT_TRUE(e.sesid == a || e.sesid == b);
    EXPECT_EQ(e.cmsecOpen, 0U);
    EXPECT_EQ(e.tidBegin, 0U);
    EXPECT_EQ(e.fInCall, 0);
    EXPECT_EQ(e.context, e.sesid == b ? 77U : 0U);
  }
  EXPECT_NE(info[0].sesid, info[1].sesid);
  List(inst, 1, 4, &total);
  EXPECT_EQ(total, 0U);
  ASSERT_EQ(JetResetSessionContext(b), JET_errSuccess);
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  ASSERT_EQ(JetEndSession(b, 0), JET_errSuccess);
}

TEST_F(JetOpenSessionsTest, OldestFirstWithAgesThreadsAndTheThreshold) {
  const JET_INSTANCE inst = Tracked(*this, "open-tracked", 8);
  const JET_SESID oldest = Begin(inst);
  std::this_thread::sleep_for(milliseconds(120));
  JET_SESID middle = 0;
  std::thread other([&] { middle = Begin(inst); });
  other.join();
  std::this_thread::sleep_for(milliseconds(120));
  const JET_SESID youngest = Begin(inst);
  unsigned long total = 0;
  std::vector<JET_EXTSESSIONINFO> info = List(inst, 0, 8, &total);
  ASSERT_EQ(total, 3U);
  EXPECT_EQ(info[0].sesid, oldest);
  EXPECT_EQ(info[1].sesid, middle);
  EXPECT_EQ(info[2].sesid, youngest);
  EXPECT_GE(info[0].cmsecOpen, 230U);
  EXPECT_LT(info[0].cmsecOpen, 5000U);
  EXPECT_GE(info[1].cmsecOpen, 110U);
  EXPECT_LT(info[2].cmsecOpen, 100U);
  const auto me = static_cast<unsigned long long>(gettid());
  EXPECT_EQ(info[0].tidBegin, me);
  EXPECT_NE(info[1].tidBegin, me) << "began on another thread";
  EXPECT_NE(info[1].tidBegin, 0U);
  EXPECT_EQ(info[2].tidBegin, me);
  // The threshold, and room for fewer than all: the oldest, and the count
  // of all.
  info = List(inst, 100, 8, &total);
  ASSERT_EQ(total, 2U);
  EXPECT_EQ(info[0].sesid, oldest);
  EXPECT_EQ(info[1].sesid, middle);
  info = List(inst, 0, 1, &total);
  EXPECT_EQ(total, 3U);
  ASSERT_EQ(info.size(), 1U);
  EXPECT_EQ(info[0].sesid, oldest);
  List(inst, 60000, 8, &total);
  EXPECT_EQ(total, 0U);
  // An ended session is gone; a Dup begins now.
  ASSERT_EQ(JetEndSession(oldest, 0), JET_errSuccess);
  JET_SESID dup = 0;
  ASSERT_EQ(JetDupSession(middle, &dup), JET_errSuccess);
  info = List(inst, 0, 8, &total);
  ASSERT_EQ(total, 3U);
  EXPECT_EQ(info[0].sesid, middle);
  EXPECT_EQ(info[2].cmsecOpen < 100U, true);
  EXPECT_TRUE(info[1].sesid == youngest || info[1].sesid == dup);
  for (const JET_SESID s : {middle, youngest, dup}) {
    ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
}

// A session handed to a waiter began on the waiter's thread, at the
// hand-off.
TEST_F(JetOpenSessionsTest, AHandedOffSessionBeganOnTheWaitersThread) {
  const JET_INSTANCE inst = Tracked(*this, "open-handoff", 1);
  const JET_SESID held = Begin(inst);
  JET_SESID got = 0;
  unsigned long long waiter_tid = 0;
  std::thread waiter([&] {
    waiter_tid = static_cast<unsigned long long>(gettid());
    EXPECT_EQ(JetExtBeginSessionWait(inst, &got, JET_cmsecExtWaitForever),
              JET_errSuccess);
  });
  AwaitWaiters(inst, 1);
  std::this_thread::sleep_for(milliseconds(150));
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  waiter.join();
  unsigned long total = 0;
  const std::vector<JET_EXTSESSIONINFO> info = List(inst, 0, 2, &total);
  ASSERT_EQ(total, 1U);
  EXPECT_EQ(info[0].sesid, got);
  EXPECT_EQ(info[0].tidBegin, waiter_tid);
  EXPECT_LT(info[0].cmsecOpen, 100U) << "it began at the hand-off";
  ASSERT_EQ(JetEndSession(got, 0), JET_errSuccess);
}

// A call in flight shows; the report takes no busy flag.
TEST_F(JetOpenSessionsTest, ACallInFlightShows) {
  const JET_INSTANCE inst = Tracked(*this, "open-in-call", 2);
  const JET_SESID src = Begin(inst);
  const JET_SESID other = Begin(inst);
  // A Dup that waits holds its source for the length of the wait.
  std::thread dup([&] {
    JET_SESID s = 0;
    EXPECT_EQ(JetExtDupSessionWait(src, &s, 200), JET_errOutOfSessions);
  });
  unsigned long total = 0;
  bool seen = false;
  for (int i = 0; i < 1000 && !seen; ++i) {
    for (const JET_EXTSESSIONINFO& e : List(inst, 0, 2, &total)) {
      if (e.sesid == src && e.fInCall != 0) seen = true;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  dup.join();
  EXPECT_TRUE(seen);
  for (const JET_EXTSESSIONINFO& e : List(inst, 0, 2, &total)) {
    EXPECT_EQ(e.fInCall, 0);
  }
  ASSERT_EQ(JetEndSession(src, 0), JET_errSuccess);
  ASSERT_EQ(JetEndSession(other, 0), JET_errSuccess);
}

TEST_F(JetOpenSessionsTest, TheCppApiReturnsAVector) {
  Result<Instance> inst = Instance::Create(
      {.name = "open-cpp", .max_sessions = 40, .session_tracking = true});
  ASSERT_TRUE(inst.ok());
  std::vector<Session> sessions;
  for (int i = 0; i < 30; ++i) {
    Result<Session> s = inst->BeginSession();
    ASSERT_TRUE(s.ok());
    sessions.push_back(std::move(*s));
  }
  Result<std::vector<OpenSessionInfo>> open = inst->OpenSessions();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 30U);
  for (std::size_t i = 1; i < open->size(); ++i) {
    EXPECT_GE((*open)[i - 1].open_for, (*open)[i].open_for) << "oldest first";
  }
  EXPECT_EQ((*open)[0].thread_id, static_cast<unsigned long long>(gettid()));
  open = inst->OpenSessions(milliseconds(60000));
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  Instance empty;
  EXPECT_EQ(empty.OpenSessions().error(), Error::kInvalidInstance);
}

}  // namespace
}  // namespace jetsession::testing
