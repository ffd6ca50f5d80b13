// The contract's "Stopping and terminating": JetStopServiceInstance,
// JetStopService, JetExtSetInstanceUnavailable, JetTerm and JetTerm2.
#include <jetsession/jet.h>

#include <initializer_list>
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
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
}

TEST_F(JetStopTermTest, UnavailableIsPermanentForBeginDupAndEnd) {
  const JET_INSTANCE inst = Running("u");
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
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
}

TEST_F(JetStopTermTest, TermOfCreatedInstanceFreesIt) {
  const JET_INSTANCE inst = Created("c");
  EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetTerm(inst), JET_errInvalidInstance);
  Created("c");  // the name is free again
}

TEST_F(JetStopTermTest, TermOfRestoringInstanceFreesIt) {
  const JET_INSTANCE inst = Created("r");
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetTerm2(inst, JET_bitTermAbrupt), JET_errSuccess);
  EXPECT_EQ(JetExtEndRestore(inst), JET_errInvalidInstance);
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
