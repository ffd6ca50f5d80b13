// The contract's "Stopping and terminating": JetStopServiceInstance,
// JetStopService, JetExtSetInstanceUnavailable, JetTerm and JetTerm2.
#include <jetsession/jet.h>

#include <initializer_list>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetStopTermTest = JetTest;

TEST_F(JetStopTermTest, StopIsPermanentIdempotentAndKeepsSessions) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetDupSession(s, &t), JET_errClientRequestToStopJetService);
  // Open sessions stay valid: contexts work, End works.
  EXPECT_EQ(JetSetSessionContext(s, 5), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSuccess);
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Still stopped with no session open.
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
}

TEST_F(JetStopTermTest, StopBeforeInitStaysAfterInit) {
  JET_INSTANCE inst = Created("a");
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
}

TEST_F(JetStopTermTest, StopOfEveryState) {
  // Restoring, then Created again, then Running: stopped throughout.
  JET_INSTANCE inst = Created("r");
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  ASSERT_EQ(JetExtEndRestore(inst), JET_errSuccess);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  // Unavailable and stopped: Stop still succeeds.
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
}

TEST_F(JetStopTermTest, StopHandleErrors) {
  const JET_INSTANCE stale = Created("s");
  ASSERT_EQ(JetTerm(stale), JET_errSuccess);
  EXPECT_EQ(JetStopServiceInstance(stale), JET_errInvalidInstance);
  EXPECT_EQ(JetStopServiceInstance(0xABCDEF), JET_errInvalidInstance);
  EXPECT_EQ(JetStopServiceInstance(0), JET_errInvalidParameter);
  EXPECT_EQ(JetStopServiceInstance(JET_instanceNil), JET_errInvalidParameter);
}

TEST_F(JetStopTermTest, StopOfOneInstanceLeavesTheOthers) {
  const JET_INSTANCE a = Running("a");
  const JET_INSTANCE b = Running("b");
  const JET_SESID sb = Begin(b);
  ASSERT_EQ(JetStopServiceInstance(a), JET_errSuccess);
  JET_SESID t = JET_sesidNil;
  ASSERT_EQ(JetDupSession(sb, &t), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(Begin(b), 0), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(a, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
}

TEST_F(JetStopTermTest, StopServiceModes) {
  EXPECT_EQ(JetStopService(), JET_errInvalidParameter);
  const JET_INSTANCE multi = Running("multi");
  EXPECT_EQ(JetStopService(), JET_errRunningInMultiInstanceMode);
  ASSERT_EQ(JetTerm(multi), JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  const JET_SESID s = Begin(0);
  EXPECT_EQ(JetStopService(), JET_errSuccess);
  EXPECT_EQ(JetStopService(), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(0, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(t, JET_sesidNil);
  t = 0;
  EXPECT_EQ(JetDupSession(s, &t), JET_errClientRequestToStopJetService);
  EXPECT_EQ(t, JET_sesidNil);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Permanent: the default instance stays stopped with no session open.
  EXPECT_EQ(JetBeginSession(JET_instanceNil, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  // Back to no instance.
  EXPECT_EQ(JetStopService(), JET_errInvalidParameter);
  // A new default instance is not stopped.
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(JetEndSession(Begin(0), 0), JET_errSuccess);
}

TEST_F(JetStopTermTest, StopServiceWithCreatedInstancesOnly) {
  // Multi-instance mode starts at JetCreateInstance, before any JetInit.
  const JET_INSTANCE created = Created("c");
  EXPECT_EQ(JetStopService(), JET_errRunningInMultiInstanceMode);
  // And it stopped nothing.
  JET_INSTANCE inst = created;
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(Begin(created), 0), JET_errSuccess);
}

TEST_F(JetStopTermTest, UnavailableIsPermanentForBeginDupAndEnd) {
  const JET_INSTANCE inst = Running("u");
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  // The contract gives no result for a second JetExtSetInstanceUnavailable
  // ("fatal error: permanent"); only its effects are checked.
  (void)JetExtSetInstanceUnavailable(inst);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errInstanceUnavailable);
  EXPECT_EQ(JetDupSession(s, &t), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInstanceUnavailable);
  EXPECT_EQ(Count(inst), 1U);
  // Term still frees it.
  EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
}

TEST_F(JetStopTermTest, UnavailableBlocksEndEvenAfterStop) {
  const JET_INSTANCE inst = Running("u");
  const JET_SESID s = Begin(inst);
  const JET_SESID ctx = Begin(inst);
  ASSERT_EQ(JetSetSessionContext(ctx, 4), JET_errSuccess);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  // End: InvalidSesid, then InstanceUnavailable, before SessionInUse.
  EXPECT_EQ(JetEndSession(s, 0), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(ctx, 0), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(JET_sesidNil, 0), JET_errInvalidSesid);
  // Begin/Dup: stopped first.
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetDupSession(s, &t), JET_errClientRequestToStopJetService);
  EXPECT_EQ(Count(inst), 2U);
}

TEST_F(JetStopTermTest, UnavailableCreatedInstance) {
  const JET_INSTANCE inst = Created("c");
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errInstanceUnavailable);
  EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetInstanceUnavailable(inst), JET_errInvalidInstance);
}

TEST_F(JetStopTermTest, UnavailableLeavesOtherInstances) {
  const JET_INSTANCE a = Running("a");
  const JET_INSTANCE b = Running("b");
  const JET_SESID sb = Begin(b);
  ASSERT_EQ(JetExtSetInstanceUnavailable(a), JET_errSuccess);
  JET_SESID t = JET_sesidNil;
  ASSERT_EQ(JetDupSession(sb, &t), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(sb, 0), JET_errSuccess);
}

TEST_F(JetStopTermTest, TermIsTerm2Abrupt) {
  // JetTerm and JetTerm2(JET_bitTermAbrupt) give the same result in every
  // single-threaded situation.
  for (int form = 0; form < 2; ++form) {
    SCOPED_TRACE(form);
    const auto term = [form](JET_INSTANCE inst) {
      return form == 0 ? JetTerm(inst) : JetTerm2(inst, JET_bitTermAbrupt);
    };
    EXPECT_EQ(term(0), JET_errInvalidParameter);
    EXPECT_EQ(term(JET_instanceNil), JET_errInvalidParameter);
    EXPECT_EQ(term(0x777), JET_errInvalidInstance);
    const JET_INSTANCE created = Created("c");
    EXPECT_EQ(term(created), JET_errSuccess);
    EXPECT_EQ(term(created), JET_errInvalidInstance);
    const JET_INSTANCE running = Running("r");
    const JET_SESID s = Begin(running);
    ASSERT_EQ(JetSetSessionContext(s, 1), JET_errSuccess);
    EXPECT_EQ(term(running), JET_errSuccess);
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    EXPECT_EQ(term(running), JET_errInvalidInstance);
    ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
    Begin(0);
    EXPECT_EQ(term(JET_instanceNil), JET_errSuccess);
    ExpectNeitherMode();
  }
}

TEST_F(JetStopTermTest, TermForceEndsOpenSessions) {
  const JET_INSTANCE inst = Running("t", 10);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 10; ++i) open.push_back(Begin(inst));
  ASSERT_EQ(JetSetSessionContext(open[3], 9), JET_errSuccess);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  for (const JET_SESID s : open) {
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    JET_SESID d = 0;
    EXPECT_EQ(JetDupSession(s, &d), JET_errInvalidSesid);
    EXPECT_EQ(JetSetSessionContext(s, 1), JET_errInvalidSesid);
  }
  // Every handle of the instance is invalid, and a second Term says so.
  JET_SESID t = 0;
  EXPECT_EQ(JetBeginSession(inst, &t, nullptr, nullptr),
            JET_errInvalidInstance);
  unsigned long count = 0;
  EXPECT_EQ(JetExtGetSessionCount(inst, &count), JET_errInvalidInstance);
  EXPECT_EQ(JetStopServiceInstance(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermComplete), JET_errInvalidInstance);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermDirty), JET_errInvalidInstance);
  JET_INSTANCE init = inst;
  EXPECT_EQ(JetInit(&init), JET_errInvalidInstance);
  JET_INSTANCE set = inst;
  EXPECT_EQ(JetSetSystemParameter(&set, 0, JET_paramMaxSessions, 16, nullptr),
            JET_errInvalidInstance);
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errInvalidInstance);
  EXPECT_EQ(JetExtBeginRestore(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidInstance);
  EXPECT_EQ(JetExtSetInstanceUnavailable(inst), JET_errInvalidInstance);
  // The session handles, in the parameter calls too.
  for (const JET_SESID s : open) {
    EXPECT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
    EXPECT_EQ(
        JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr, 0),
        JET_errInvalidSesid);
  }
  // The freed instance does not count against MaxInstances, and its slots
  // are not held: a new instance of the same name fills to its limit.
  const JET_INSTANCE next = Running("t", 10);
  for (int i = 0; i < 10; ++i) Begin(next);
  EXPECT_EQ(JetBeginSession(next, &t, nullptr, nullptr), JET_errOutOfSessions);
  for (const JET_SESID s : open) {
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(next), 10U);
}

TEST_F(JetStopTermTest, TermLeavesOtherInstancesAlone) {
  const JET_INSTANCE a = Running("a", 3);
  const JET_INSTANCE b = Running("b", 3);
  const JET_SESID sa = Begin(a);
  const JET_SESID sb = Begin(b);
  ASSERT_EQ(JetSetSessionContext(sb, 2), JET_errSuccess);
  ASSERT_EQ(JetTerm(a), JET_errSuccess);
  EXPECT_EQ(JetEndSession(sa, 0), JET_errInvalidSesid);
  EXPECT_EQ(Count(b), 1U);
  EXPECT_EQ(JetResetSessionContext(sb), JET_errSuccess);
  JET_SESID d = JET_sesidNil;
  EXPECT_EQ(JetDupSession(sb, &d), JET_errSuccess);
  EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(sb, 0), JET_errSuccess);
  ExpectMultiInstanceMode();
}

TEST_F(JetStopTermTest, TermForceEndsAFullInstanceWithContextsFromThreads) {
  const JET_INSTANCE inst = Running("full", 64);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 64; ++i) open.push_back(Begin(inst));
  // Contexts set by this thread and by another one.
  for (int i = 0; i < 64; i += 2) {
    ASSERT_EQ(JetSetSessionContext(open[i], 100 + i), JET_errSuccess);
  }
  std::thread other([&] {
    for (int i = 1; i < 64; i += 4) {
      EXPECT_EQ(JetSetSessionContext(open[i], 200 + i), JET_errSuccess);
    }
  });
  other.join();
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermComplete), JET_errSuccess);
  for (const JET_SESID s : open) {
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    EXPECT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
  }
}

TEST_F(JetStopTermTest, TermOfCreatedInstanceFreesIt) {
  const JET_INSTANCE inst = Created("c");
  EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
  ExpectNeitherMode();
  Created("c");  // the name is free again
}

TEST_F(JetStopTermTest, DirtyTermOfCreatedInstance) {
  const JET_INSTANCE inst = Created("c");
  // contract: "A Created (never initialized) instance is simply freed" and
  // "with JET_bitTermDirty it does the same and returns
  // JET_errDirtyShutdown": which result a dirty Term of a Created instance
  // gives is not settled, so either is accepted; it must be freed.
  const JET_ERR err = JetTerm2(inst, JET_bitTermDirty);
  EXPECT_TRUE(err == JET_errDirtyShutdown || err == JET_errSuccess) << err;
  EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
  ExpectNeitherMode();
}

TEST_F(JetStopTermTest, TermFreesMaxInstancesRoom) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
      JET_errSuccess);
  for (int i = 0; i < 50; ++i) {
    const JET_INSTANCE inst = Running("only");
    JET_INSTANCE another = 0;
    ASSERT_EQ(JetCreateInstance(&another, "second"), JET_errTooManyInstances);
    ASSERT_EQ(i % 2 == 0 ? JetTerm(inst) : JetTerm2(inst, JET_bitTermDirty),
              i % 2 == 0 ? JET_errSuccess : JET_errDirtyShutdown);
  }
}

TEST_F(JetStopTermTest, TermOfRestoringInstanceFreesIt) {
  const JET_INSTANCE inst = Created("r");
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermAbrupt), JET_errSuccess);
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidInstance);
}

TEST_F(JetStopTermTest, EveryValidGrbitCombination) {
  // contract: grbits "other than the four above -> InvalidGrbit"; any
  // combination of the four is valid; JET_bitTermDirty -> DirtyShutdown.
  for (JET_GRBIT grbit = 0; grbit < 16; ++grbit) {
    SCOPED_TRACE(grbit);
    const JET_INSTANCE inst = Running("g");
    const JET_SESID s = Begin(inst);
    const JET_ERR want =
        (grbit & JET_bitTermDirty) != 0 ? JET_errDirtyShutdown : JET_errSuccess;
    EXPECT_EQ(JetTerm2(inst, grbit), want);
    EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    EXPECT_EQ(JetTerm2(inst, grbit), JET_errInvalidInstance);
    ExpectNeitherMode();
  }
}

TEST_F(JetStopTermTest, EveryInvalidGrbitBit) {
  const JET_INSTANCE inst = Running("g");
  const JET_SESID s = Begin(inst);
  for (unsigned bit = 4; bit < 32; ++bit) {
    const JET_GRBIT extra = JET_GRBIT{1} << bit;
    ASSERT_EQ(JetTerm2(inst, extra), JET_errInvalidGrbit) << bit;
    ASSERT_EQ(JetTerm2(inst, extra | JET_bitTermAbrupt), JET_errInvalidGrbit)
        << bit;
    ASSERT_EQ(JetTerm2(inst, extra | JET_bitTermDirty), JET_errInvalidGrbit)
        << bit;
  }
  // Nothing happened to the instance or its session.
  EXPECT_EQ(Count(inst), 1U);
  JET_SESID d = JET_sesidNil;
  ASSERT_EQ(JetDupSession(s, &d), JET_errSuccess);
  EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // In one-instance mode, through 0: the default instance stays too.
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(JetTerm2(0, 0x10), JET_errInvalidGrbit);
  EXPECT_EQ(JetTerm2(JET_instanceNil, 0x80000000U), JET_errInvalidGrbit);
  ExpectOneInstanceMode();
  EXPECT_EQ(JetEndSession(Begin(0), 0), JET_errSuccess);
}

TEST_F(JetStopTermTest, Grbits) {
  const JET_INSTANCE inst = Running("g");
  for (const JET_GRBIT bad :
       {0x10U, 0x20U, 0x80000000U, 0xFFFFFFFFU, JET_bitTermDirty | 0x100U}) {
    EXPECT_EQ(JetTerm2(inst, bad), JET_errInvalidGrbit) << bad;
  }
  EXPECT_EQ(Count(inst), 0U);  // still alive
  EXPECT_EQ(JetTerm2(inst, JET_bitTermComplete | JET_bitTermStopBackup),
            JET_errSuccess);
  for (const JET_GRBIT good : std::initializer_list<JET_GRBIT>{
           0U, JET_bitTermComplete, JET_bitTermAbrupt, JET_bitTermStopBackup,
           JET_bitTermComplete | JET_bitTermAbrupt | JET_bitTermStopBackup}) {
    const JET_INSTANCE another = Running("g");
    EXPECT_EQ(JetTerm2(another, good), JET_errSuccess) << good;
  }
}

TEST_F(JetStopTermTest, DirtyTermReturnsDirtyShutdownAndFrees) {
  const JET_INSTANCE inst = Running("d");
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermDirty), JET_errDirtyShutdown);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
  const JET_INSTANCE both = Running("d");
  EXPECT_EQ(JetTerm2(both, JET_bitTermDirty | JET_bitTermComplete),
            JET_errDirtyShutdown);
}

TEST_F(JetStopTermTest, TermOfStoppedAndUnavailableInstances) {
  const JET_INSTANCE stopped = Running("s");
  const JET_SESID a = Begin(stopped);
  ASSERT_EQ(JetStopServiceInstance(stopped), JET_errSuccess);
  EXPECT_EQ(JetTerm(stopped), JET_errSuccess);
  EXPECT_EQ(JetEndSession(a, 0), JET_errInvalidSesid);
  const JET_INSTANCE unavailable = Running("u");
  ASSERT_EQ(JetExtSetInstanceUnavailable(unavailable), JET_errSuccess);
  EXPECT_EQ(JetTerm(unavailable), JET_errSuccess);
}

TEST_F(JetStopTermTest, LastTermReturnsToNeitherMode) {
  const JET_INSTANCE a = Running("a");
  const JET_INSTANCE b = Running("b");
  ASSERT_EQ(JetTerm(a), JET_errSuccess);
  EXPECT_EQ(JetInit(nullptr), JET_errRunningInMultiInstanceMode);
  ASSERT_EQ(JetTerm(b), JET_errSuccess);
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  Created("multi-again");
}

}  // namespace
}  // namespace jetsession::testing
