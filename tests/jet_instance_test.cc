// The contract's "Instances and run modes", the restore extension and
// JetExtGetSessionCount, one rule at a time.
#include <jetsession/jet.h>

#include <set>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetInstanceTest = JetTest;

TEST_F(JetInstanceTest, CreateChecksInOrder) {
  // NULL pinstance first, even in one-instance mode.
  EXPECT_EQ(JetCreateInstance(nullptr, "x"), JET_errInvalidParameter);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(JetCreateInstance(nullptr, "x"), JET_errInvalidParameter);
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "x"), JET_errRunningInOneInstanceMode);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  // TooManyInstances before InstanceNameInUse.
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
      JET_errSuccess);
  Created("only");
  EXPECT_EQ(JetCreateInstance(&inst, "only"), JET_errTooManyInstances);
  EXPECT_EQ(JetCreateInstance(&inst, "other"), JET_errTooManyInstances);
}

TEST_F(JetInstanceTest, CreateGivesCreatedStateAndMultiInstanceMode) {
  const JET_INSTANCE inst = Created("a");
  EXPECT_NE(inst, 0U);
  EXPECT_NE(inst, JET_instanceNil);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errNotInitialized);
  // Multi-instance mode: JetInit(NULL) refuses.
  EXPECT_EQ(JetInit(nullptr), JET_errRunningInMultiInstanceMode);
}

TEST_F(JetInstanceTest, NamesAreUniqueAmongLiveInstances) {
  JET_INSTANCE inst = 0;
  Created("a");
  EXPECT_EQ(JetCreateInstance(&inst, "a"), JET_errInstanceNameInUse);
  Created("b");
  // NULL and "" are the same name: the unnamed instance.
  Created(nullptr);
  EXPECT_EQ(JetCreateInstance(&inst, ""), JET_errInstanceNameInUse);
  EXPECT_EQ(JetCreateInstance(&inst, nullptr), JET_errInstanceNameInUse);
  // A terminated instance's name is free again.
  const JET_INSTANCE c = Created("c");
  ASSERT_EQ(JetTerm(c), JET_errSuccess);
  Created("c");
}

TEST_F(JetInstanceTest, MaxInstancesBoundsLiveInstances) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 3, nullptr),
      JET_errSuccess);
  Created("1");
  Created("2");
  const JET_INSTANCE third = Created("3");
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "4"), JET_errTooManyInstances);
  ASSERT_EQ(JetTerm(third), JET_errSuccess);
  Created("4");
}

TEST_F(JetInstanceTest, InitMovesCreatedToRunning) {
  JET_INSTANCE inst = Created("a");
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(JetInit(&inst), JET_errAlreadyInitialized);
}

TEST_F(JetInstanceTest, InitOnRestoringKeepsTheInstance) {
  JET_INSTANCE inst = Created("a");
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetInit(&inst), JET_errRestoreInProgress);
  EXPECT_NE(inst, 0U);  // not freed
  ASSERT_EQ(JetExtEndRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetInit(&inst), JET_errSuccess);
}

TEST_F(JetInstanceTest, InitOnStaleHandleCreatesNothing) {
  JET_INSTANCE inst = Created("a");
  const JET_INSTANCE stale = inst;
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetInit(&inst), JET_errInvalidInstance);
  EXPECT_EQ(inst, stale);
  // No instance was created: the process is in neither mode, so a default
  // instance can still be made.
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
}

TEST_F(JetInstanceTest, InitOfNilMakesTheDefaultInstanceInOneInstanceMode) {
  for (const JET_INSTANCE nil : {JET_INSTANCE{0}, JET_instanceNil}) {
    JET_INSTANCE inst = nil;
    ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    EXPECT_NE(inst, 0U);
    EXPECT_NE(inst, JET_instanceNil);
    // One-instance mode: no more instances; 0 and nil name the default.
    JET_INSTANCE other = 0;
    EXPECT_EQ(JetCreateInstance(&other, "x"), JET_errRunningInOneInstanceMode);
    JET_INSTANCE again = nil;
    EXPECT_EQ(JetInit(&again), JET_errAlreadyInitialized);
    EXPECT_EQ(JetInit(nullptr), JET_errAlreadyInitialized);
    EXPECT_EQ(JetInit(&inst), JET_errAlreadyInitialized);
    JET_SESID a = JET_sesidNil;
    JET_SESID b = JET_sesidNil;
    EXPECT_EQ(JetBeginSession(0, &a, nullptr, nullptr), JET_errSuccess);
    EXPECT_EQ(JetBeginSession(JET_instanceNil, &b, nullptr, nullptr),
              JET_errSuccess);
    EXPECT_EQ(Count(inst), 2U);
    ASSERT_EQ(JetTerm(nil), JET_errSuccess);
    // Back to neither mode: a multi-instance instance can be made.
    Created("multi");
    TearDown();
  }
}

TEST_F(JetInstanceTest, InitOfNullMakesTheDefaultInstance) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(JetInit(nullptr), JET_errAlreadyInitialized);
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetInit(&inst), JET_errAlreadyInitialized);
  const JET_SESID s = Begin(0);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(JetTerm(0), JET_errSuccess);
  // Neither mode again: JetInit(NULL) works once more.
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
}

TEST_F(JetInstanceTest, InitOfNilInMultiInstanceModeAddsAnUnnamedInstance) {
  Created("a");
  JET_INSTANCE inst = 0;
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  Track(inst);
  EXPECT_NE(inst, 0U);
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Still multi-instance mode, and the unnamed name is taken.
  EXPECT_EQ(JetInit(nullptr), JET_errRunningInMultiInstanceMode);
  JET_INSTANCE unnamed = 0;
  EXPECT_EQ(JetCreateInstance(&unnamed, ""), JET_errInstanceNameInUse);
  JET_INSTANCE another = JET_instanceNil;
  // contract: "at most one unnamed instance lives at a time".
  EXPECT_EQ(JetInit(&another), JET_errInstanceNameInUse);
}

TEST_F(JetInstanceTest, NilHandlesMeanTheDefaultOnlyInOneInstanceMode) {
  JET_SESID s = 0;
  // Neither mode.
  EXPECT_EQ(JetBeginSession(0, &s, nullptr, nullptr), JET_errInvalidParameter);
  EXPECT_EQ(JetStopServiceInstance(JET_instanceNil), JET_errInvalidParameter);
  EXPECT_EQ(JetTerm(0), JET_errInvalidParameter);
  EXPECT_EQ(JetTerm2(JET_instanceNil, JET_bitTermComplete),
            JET_errInvalidParameter);
  // Multi-instance mode.
  const JET_INSTANCE inst = Running("a");
  EXPECT_EQ(JetBeginSession(JET_instanceNil, &s, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(s, JET_sesidNil);
  EXPECT_EQ(JetStopServiceInstance(0), JET_errInvalidParameter);
  EXPECT_EQ(JetTerm(0), JET_errInvalidParameter);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetInstanceTest, NilHandlesNameTheDefaultInstance) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 16, nullptr),
      JET_errSuccess);
  JET_INSTANCE zero = 0;
  // The default instance runs: another MaxSessions is refused there.
  EXPECT_EQ(JetSetSystemParameter(&zero, 0, JET_paramMaxSessions, 3, nullptr),
            JET_errAlreadyInitialized);
  EXPECT_EQ(JetGetSystemParameter(JET_instanceNil, 0, JET_paramMaxSessions,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 16U);
  const JET_SESID s = Begin(JET_instanceNil);
  EXPECT_EQ(JetStopServiceInstance(0), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(0, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetTerm2(JET_instanceNil, JET_bitTermComplete), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
}

TEST_F(JetInstanceTest, HandlesAreNeverReusedAfterTerm) {
  std::set<JET_INSTANCE> seen;
  for (int i = 0; i < 200; ++i) {
    JET_INSTANCE inst = 0;
    ASSERT_EQ(JetCreateInstance(&inst, "cycle"), JET_errSuccess);
    EXPECT_NE(inst, 0U);
    EXPECT_NE(inst, JET_instanceNil);
    EXPECT_TRUE(seen.insert(inst).second) << "handle reused";
    ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  }
  // Every freed handle is invalid now, even with a new instance alive.
  Running("cycle");
  for (const JET_INSTANCE old : seen) {
    JET_SESID s = 0;
    ASSERT_EQ(JetBeginSession(old, &s, nullptr, nullptr),
              JET_errInvalidInstance);
  }
}

TEST_F(JetInstanceTest, GarbageHandlesAreInvalidInstances) {
  const JET_INSTANCE live = Running("a");
  absl::BitGen gen(std::seed_seq{42});
  for (int i = 0; i < 2000; ++i) {
    JET_INSTANCE garbage = absl::Uniform<JET_INSTANCE>(gen);
    if (garbage == 0 || garbage == JET_instanceNil || garbage == live) {
      continue;
    }
    JET_SESID s = 0;
    unsigned long count = 0;
    JET_API_PTR value = 0;
    ASSERT_EQ(JetBeginSession(garbage, &s, nullptr, nullptr),
              JET_errInvalidInstance);
    ASSERT_EQ(s, JET_sesidNil);
    ASSERT_EQ(JetStopServiceInstance(garbage), JET_errInvalidInstance);
    ASSERT_EQ(JetExtGetSessionCount(garbage, &count), JET_errInvalidInstance);
    ASSERT_EQ(JetGetSystemParameter(garbage, 0, JET_paramMaxSessions, &value,
                                    nullptr, 0),
              JET_errInvalidInstance);
    ASSERT_EQ(JetTerm(garbage), JET_errInvalidInstance);
    JET_INSTANCE init = garbage;
    ASSERT_EQ(JetInit(&init), JET_errInvalidInstance);
    ASSERT_EQ(JetExtBeginRestore(garbage), JET_errInvalidInstance);
    ASSERT_EQ(JetExtSetInstanceUnavailable(garbage), JET_errInvalidInstance);
  }
  EXPECT_EQ(Count(live), 0U);
}

TEST_F(JetInstanceTest, RestoreExtension) {
  JET_INSTANCE inst = Created("r");
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidParameter);
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetExtBeginRestore(inst), JET_errRestoreInProgress);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
            JET_errRestoreInProgress);
  ASSERT_EQ(JetExtEndRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errNotInitialized);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  EXPECT_EQ(JetExtBeginRestore(inst), JET_errAlreadyInitialized);
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidParameter);
  EXPECT_EQ(JetExtBeginRestore(0), JET_errInvalidParameter);
}

TEST_F(JetInstanceTest, SessionCount) {
  const JET_INSTANCE inst = Running("n", 5);
  EXPECT_EQ(JetExtGetSessionCount(inst, nullptr), JET_errInvalidParameter);
  EXPECT_EQ(Count(Created("created")), 0U);
  JET_SESID s[5];
  for (int i = 0; i < 5; ++i) {
    s[i] = Begin(inst);
    EXPECT_EQ(Count(inst), static_cast<unsigned long>(i + 1));
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(JetEndSession(s[i], 0), JET_errSuccess);
    EXPECT_EQ(Count(inst), static_cast<unsigned long>(4 - i));
  }
}

}  // namespace
}  // namespace jetsession::testing
