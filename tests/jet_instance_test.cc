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
  // contract: "Any other failure (for example OutOfMemory ...) frees the
  // instance and sets *pinstance to 0" is said of a Created instance; for a
  // stale handle the contract does not say what *pinstance holds, so either
  // reading is accepted here.
  EXPECT_TRUE(inst == stale || inst == 0) << inst;
  // contract: "JetInit on a stale handle does not create an instance": the
  // process is still in neither mode.
  ExpectNeitherMode();
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
}

TEST_F(JetInstanceTest, InitOnGarbageHandleCreatesNothing) {
  absl::BitGen gen(std::seed_seq{3});
  for (int i = 0; i < 100; ++i) {
    JET_INSTANCE garbage = absl::Uniform<JET_INSTANCE>(gen);
    if (garbage == 0 || garbage == JET_instanceNil) continue;
    ASSERT_EQ(JetInit(&garbage), JET_errInvalidInstance);
  }
  ExpectNeitherMode();
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(0, &s, nullptr, nullptr), JET_errInvalidParameter);
}

TEST_F(JetInstanceTest, InitOnStaleHandleInOneInstanceMode) {
  JET_INSTANCE stale = Created("a");
  ASSERT_EQ(JetTerm(stale), JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  JET_INSTANCE inst = stale;
  // Not 0/nil: a handle naming no live instance, whatever the mode.
  EXPECT_EQ(JetInit(&inst), JET_errInvalidInstance);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(stale, &s, nullptr, nullptr),
            JET_errInvalidInstance);
  ExpectOneInstanceMode();
}

TEST_F(JetInstanceTest, InitKeepsTheHandleWhenTheInstanceStays) {
  JET_INSTANCE inst = Running("a");
  const JET_INSTANCE handle = inst;
  // Running -> AlreadyInitialized; the instance stays and still works.
  EXPECT_EQ(JetInit(&inst), JET_errAlreadyInitialized);
  EXPECT_EQ(inst, handle);
  const JET_SESID s = Begin(handle);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Restoring -> RestoreInProgress; the instance stays.
  JET_INSTANCE restoring = Created("r");
  const JET_INSTANCE restoring_handle = restoring;
  ASSERT_EQ(JetExtBeginRestore(restoring), JET_errSuccess);
  EXPECT_EQ(JetInit(&restoring), JET_errRestoreInProgress);
  EXPECT_EQ(restoring, restoring_handle);
  EXPECT_EQ(Count(restoring_handle), 0U);
  EXPECT_EQ(JetExtEndRestore(restoring_handle), JET_errSuccess);
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
  // contract: "at most one unnamed instance lives at a time" (and JetInit
  // of nil makes "a new unnamed instance": the contract names no error for
  // the clash; JetCreateInstance's InstanceNameInUse is the literal one).
  const JET_ERR err = JetInit(&another);
  if (err == JET_errSuccess) Track(another);
  EXPECT_EQ(err, JET_errInstanceNameInUse);
}

TEST_F(JetInstanceTest, InitOfNilInMultiInstanceModeWhenFull) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 2, nullptr),
      JET_errSuccess);
  Created("a");
  Created("b");
  JET_INSTANCE inst = 0;
  // contract: "JetInit(&x) with x equal to 0 or JET_instanceNil creates and
  // initializes a new unnamed instance ... in multi-instance mode as one more
  // instance": creation is bounded as JetCreateInstance's is.
  const JET_ERR err = JetInit(&inst);
  if (err == JET_errSuccess) Track(inst);
  EXPECT_EQ(err, JET_errTooManyInstances);
}

TEST_F(JetInstanceTest, ModesFollowTheLiveInstances) {
  // Neither -> multi -> neither -> one -> neither -> multi.
  ExpectNeitherMode();
  const JET_INSTANCE a = Created("a");
  ExpectMultiInstanceMode();
  JET_INSTANCE b = 0;
  ASSERT_EQ(JetInit(&b), JET_errSuccess);  // one more instance
  Track(b);
  ExpectMultiInstanceMode();
  ASSERT_EQ(JetTerm(a), JET_errSuccess);
  ExpectMultiInstanceMode();  // b still lives
  ASSERT_EQ(JetTerm(b), JET_errSuccess);
  ExpectNeitherMode();
  JET_INSTANCE def = JET_instanceNil;
  ASSERT_EQ(JetInit(&def), JET_errSuccess);
  ExpectOneInstanceMode();
  // Terminating the default instance by its own handle frees it too.
  ASSERT_EQ(JetTerm(def), JET_errSuccess);
  ExpectNeitherMode();
  Created("multi");
  ExpectMultiInstanceMode();
}

TEST_F(JetInstanceTest, OneInstanceModeBeatsTooManyAndNameInUse) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
      JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  // The default instance is unnamed and the limit is reached: still
  // RunningInOneInstanceMode, the second check of the order.
  for (const char* name : {static_cast<const char*>(nullptr), "", "x"}) {
    JET_INSTANCE inst = 0;
    EXPECT_EQ(JetCreateInstance(&inst, name), JET_errRunningInOneInstanceMode);
  }
}

TEST_F(JetInstanceTest, NamesAreComparedExactly) {
  Created("name");
  // contract: "the name equals that of a live instance" -> the comparison is
  // plain equality: another case or a prefix is another name.
  Created("Name");
  Created("nam");
  Created("name ");
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "name"), JET_errInstanceNameInUse);
  EXPECT_EQ(JetCreateInstance(&inst, "Name"), JET_errInstanceNameInUse);
  // A name compared by content, not by pointer.
  char copy[] = "name";
  EXPECT_EQ(JetCreateInstance(&inst, copy), JET_errInstanceNameInUse);
}

TEST_F(JetInstanceTest, UnnamedNameFreedByTerm) {
  const JET_INSTANCE unnamed = Created("");
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, nullptr), JET_errInstanceNameInUse);
  ASSERT_EQ(JetTerm(unnamed), JET_errSuccess);
  Created(nullptr);
  EXPECT_EQ(JetCreateInstance(&inst, ""), JET_errInstanceNameInUse);
}

TEST_F(JetInstanceTest, NilHandlesNameTheDefaultInEveryListedCall) {
  // contract: "In one-instance mode, the instance handle 0 or
  // JET_instanceNil passed to JetBeginSession, JetSetSystemParameter,
  // JetGetSystemParameter, JetStopServiceInstance, JetTerm and JetTerm2
  // means the default instance."
  for (const JET_INSTANCE nil : {JET_INSTANCE{0}, JET_instanceNil}) {
    SCOPED_TRACE(nil);
    JET_INSTANCE def = 0;
    ASSERT_EQ(JetInit(&def), JET_errSuccess);
    // Begin.
    JET_SESID s = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(nil, &s, "user", "password"), JET_errSuccess);
    EXPECT_EQ(Count(def), 1U);
    // Get: the default instance's value.
    JET_API_PTR value = 0;
    EXPECT_EQ(
        JetGetSystemParameter(nil, 0, JET_paramMaxSessions, &value, nullptr, 0),
        JET_errSuccess);
    EXPECT_EQ(value, 16U);
    // Set: the default instance runs, so another value is refused, which
    // shows that the call reached the instance, not the process default.
    JET_INSTANCE target = nil;
    EXPECT_EQ(
        JetSetSystemParameter(&target, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
    target = nil;
    EXPECT_EQ(
        JetSetSystemParameter(&target, 0, JET_paramMaxSessions, 3, nullptr),
        JET_errAlreadyInitialized);
    // StopServiceInstance.
    EXPECT_EQ(JetStopServiceInstance(nil), JET_errSuccess);
    JET_SESID t = 0;
    EXPECT_EQ(JetBeginSession(def, &t, nullptr, nullptr),
              JET_errClientRequestToStopJetService);
    // Term.
    ASSERT_EQ(JetTerm(nil), JET_errSuccess);
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    EXPECT_EQ(JetTerm(def), JET_errInvalidInstance);
    ExpectNeitherMode();
    // Term2, with each valid grbit.
    for (const JET_GRBIT grbit :
         {JET_GRBIT{0}, JET_GRBIT{JET_bitTermComplete},
          JET_GRBIT{JET_bitTermAbrupt}, JET_GRBIT{JET_bitTermStopBackup}}) {
      ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
      EXPECT_EQ(JetTerm2(nil, grbit), JET_errSuccess) << grbit;
      ExpectNeitherMode();
    }
    ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
    EXPECT_EQ(JetTerm2(nil, JET_bitTermDirty), JET_errDirtyShutdown);
    ExpectNeitherMode();
  }
}

TEST_F(JetInstanceTest, ProcessDefaultInOneInstanceMode) {
  // contract: "With pinstance NULL (or *pinstance 0/nil outside
  // one-instance mode) it sets the process-wide default": pinstance NULL sets
  // the default in one-instance mode too, and leaves the running default
  // instance alone.
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 3, nullptr),
            JET_errSuccess);
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 16U);  // the default instance's
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  // Neither mode: 0 reads the process default.
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 3U);
  // The next default instance is created with it.
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  for (int i = 0; i < 3; ++i) Begin(0);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(0, &s, nullptr, nullptr), JET_errOutOfSessions);
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

TEST_F(JetInstanceTest, NilHandlesOutsideOneInstanceModeInEveryCall) {
  // contract: "0/nil outside one-instance mode -> JET_errInvalidParameter";
  // "Unknown handles get the errors of the next section" (the extensions).
  // Parameter calls are left out: there 0/nil names the process default.
  const auto check_all = [](JET_INSTANCE nil) {
    SCOPED_TRACE(nil);
    JET_SESID s = 12345;
    EXPECT_EQ(JetBeginSession(nil, &s, nullptr, nullptr),
              JET_errInvalidParameter);
    EXPECT_EQ(s, JET_sesidNil);
    EXPECT_EQ(JetStopServiceInstance(nil), JET_errInvalidParameter);
    EXPECT_EQ(JetTerm(nil), JET_errInvalidParameter);
    for (const JET_GRBIT grbit :
         {JET_GRBIT{0}, JET_GRBIT{JET_bitTermComplete},
          JET_GRBIT{JET_bitTermAbrupt}, JET_GRBIT{JET_bitTermDirty}}) {
      EXPECT_EQ(JetTerm2(nil, grbit), JET_errInvalidParameter) << grbit;
    }
    EXPECT_EQ(JetExtBeginRestore(nil), JET_errInvalidParameter);
    EXPECT_EQ(JetExtEndRestore(nil), JET_errInvalidParameter);
    EXPECT_EQ(JetExtSetInstanceUnavailable(nil), JET_errInvalidParameter);
    unsigned long count = 0;
    EXPECT_EQ(JetExtGetSessionCount(nil, &count), JET_errInvalidParameter);
  };
  // Neither mode.
  check_all(0);
  check_all(JET_instanceNil);
  ExpectNeitherMode();
  // Multi-instance mode, with a Created and a Running instance.
  const JET_INSTANCE created = Created(nullptr);
  const JET_INSTANCE running = Running("r");
  check_all(0);
  check_all(JET_instanceNil);
  // Neither instance was touched.
  JET_SESID s = JET_sesidNil;
  EXPECT_EQ(JetBeginSession(created, &s, nullptr, nullptr),
            JET_errNotInitialized);
  s = Begin(running);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
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
  for (int i = 0; i < 2000; ++i) {
    JET_INSTANCE inst = 0;
    // Alternately a named instance, a default instance (one-instance mode)
    // and an unnamed one made by JetInit(&nil).
    if (i % 3 == 0) {
      ASSERT_EQ(JetCreateInstance(&inst, "cycle"), JET_errSuccess);
      ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    } else {
      inst = i % 3 == 1 ? 0 : JET_instanceNil;
      ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    }
    ASSERT_NE(inst, 0U);
    ASSERT_NE(inst, JET_instanceNil);
    ASSERT_TRUE(seen.insert(inst).second) << "handle reused at " << i;
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
    ASSERT_EQ(JetExtEndRestore(garbage), JET_errInvalidInstance);
    ASSERT_EQ(JetExtSetInstanceUnavailable(garbage), JET_errInvalidInstance);
    ASSERT_EQ(JetTerm2(garbage, JET_bitTermComplete), JET_errInvalidInstance);
    ASSERT_EQ(JetTerm2(garbage, JET_bitTermDirty), JET_errInvalidInstance);
    JET_INSTANCE set = garbage;
    ASSERT_EQ(JetSetSystemParameter(&set, 0, JET_paramMaxSessions, 16, nullptr),
              JET_errInvalidInstance);
  }
  // Near misses of the live handle: each single bit flipped, and random
  // values sharing its low or high half.
  for (unsigned bit = 0; bit < 64; ++bit) {
    const JET_INSTANCE near = live ^ (JET_INSTANCE{1} << bit);
    if (near == 0 || near == JET_instanceNil) continue;
    JET_SESID s = 0;
    ASSERT_EQ(JetBeginSession(near, &s, nullptr, nullptr),
              JET_errInvalidInstance)
        << bit;
    ASSERT_EQ(JetStopServiceInstance(near), JET_errInvalidInstance) << bit;
    ASSERT_EQ(JetExtSetInstanceUnavailable(near), JET_errInvalidInstance)
        << bit;
    ASSERT_EQ(JetTerm(near), JET_errInvalidInstance) << bit;
  }
  for (int i = 0; i < 2000; ++i) {
    const auto bits = absl::Uniform<JET_INSTANCE>(gen);
    for (const JET_INSTANCE near :
         {(bits & ~JET_INSTANCE{0xFFFFFFFF}) | (live & 0xFFFFFFFF),
          (live & ~JET_INSTANCE{0xFFFFFFFF}) | (bits & 0xFFFFFFFF),
          (bits & ~JET_INSTANCE{0xFFFF}) | (live & 0xFFFF)}) {
      if (near == live || near == 0 || near == JET_instanceNil) continue;
      JET_SESID s = 0;
      ASSERT_EQ(JetBeginSession(near, &s, nullptr, nullptr),
                JET_errInvalidInstance)
          << near;
      ASSERT_EQ(JetStopServiceInstance(near), JET_errInvalidInstance) << near;
      ASSERT_EQ(JetExtSetInstanceUnavailable(near), JET_errInvalidInstance)
          << near;
      ASSERT_EQ(JetTerm2(near, JET_bitTermDirty), JET_errInvalidInstance)
          << near;
    }
  }
  // The live instance was not touched by any of it.
  EXPECT_EQ(Count(live), 0U);
  const JET_SESID s = Begin(live);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
}

TEST_F(JetInstanceTest, GarbageHandlesInEveryMode) {
  // contract: "A handle that is not 0/nil and names no live instance
  // (garbage, or terminated) -> JET_errInvalidInstance", in any mode.
  const auto check = [] {
    for (const JET_INSTANCE garbage :
         {JET_INSTANCE{1}, JET_INSTANCE{2}, JET_INSTANCE{0x1234},
          JET_instanceNil - 1, JET_INSTANCE{1} << 63U}) {
      SCOPED_TRACE(garbage);
      JET_SESID s = 0;
      EXPECT_EQ(JetBeginSession(garbage, &s, nullptr, nullptr),
                JET_errInvalidInstance);
      EXPECT_EQ(JetStopServiceInstance(garbage), JET_errInvalidInstance);
      EXPECT_EQ(JetTerm(garbage), JET_errInvalidInstance);
      unsigned long count = 0;
      EXPECT_EQ(JetExtGetSessionCount(garbage, &count), JET_errInvalidInstance);
      JET_API_PTR value = 0;
      EXPECT_EQ(JetGetSystemParameter(garbage, 0, JET_paramMaxSessions, &value,
                                      nullptr, 0),
                JET_errInvalidInstance);
    }
  };
  check();  // neither mode
  ExpectNeitherMode();
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  check();  // one-instance mode
  ExpectOneInstanceMode();
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  Created("m");
  check();  // multi-instance mode
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

TEST_F(JetInstanceTest, RestoreRoundTripsAndStaleHandles) {
  JET_INSTANCE inst = Created("r");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
    EXPECT_EQ(JetExtBeginRestore(inst), JET_errRestoreInProgress);
    ASSERT_EQ(JetExtEndRestore(inst), JET_errSuccess);
    // Created again: not Restoring.
    EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidParameter);
  }
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtBeginRestore(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetExtSetInstanceUnavailable(inst), JET_errInvalidInstance);
  unsigned long count = 0;
  EXPECT_EQ(JetExtGetSessionCount(inst, &count), JET_errInvalidInstance);
}

TEST_F(JetInstanceTest, RestoreOfTheDefaultInstance) {
  JET_INSTANCE def = 0;
  ASSERT_EQ(JetInit(&def), JET_errSuccess);
  // contract: "JetExtBeginRestore on an instance that is not in state
  // Created returns JET_errAlreadyInitialized (running)".
  EXPECT_EQ(JetExtBeginRestore(def), JET_errAlreadyInitialized);
  EXPECT_EQ(JetExtEndRestore(def), JET_errInvalidParameter);
}

TEST_F(JetInstanceTest, SessionCount) {
  const JET_INSTANCE inst = Running("n", 5);
  // Not in the contract; jet.h: "pcSessions NULL -> InvalidParameter".
  EXPECT_EQ(JetExtGetSessionCount(inst, nullptr), JET_errInvalidParameter);
  JET_INSTANCE restoring = Created("restoring");
  ASSERT_EQ(JetExtBeginRestore(restoring), JET_errSuccess);
  EXPECT_EQ(Count(restoring), 0U);
  EXPECT_EQ(Count(Created("created")), 0U);
  JET_SESID s[5];
  for (int i = 0; i < 5; ++i) {
    s[i] = Begin(inst);
    EXPECT_EQ(Count(inst), static_cast<unsigned long>(i + 1));
  }
  // Failed calls change nothing.
  JET_SESID extra = 0;
  EXPECT_EQ(JetBeginSession(inst, &extra, nullptr, nullptr),
            JET_errOutOfSessions);
  EXPECT_EQ(JetDupSession(s[0], &extra), JET_errOutOfSessions);
  EXPECT_EQ(Count(inst), 5U);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(JetEndSession(s[i], 0), JET_errSuccess);
    EXPECT_EQ(JetEndSession(s[i], 0), JET_errInvalidSesid);
    EXPECT_EQ(Count(inst), static_cast<unsigned long>(4 - i));
  }
  // A stopped instance still counts its open sessions.
  const JET_SESID a = Begin(inst);
  const JET_SESID b = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(Count(inst), 2U);
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 1U);
  ASSERT_EQ(JetEndSession(b, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

}  // namespace
}  // namespace jetsession::testing
