// The contract's "Sessions" and "Threads and session contexts": the
// Begin/Dup/End check-order table row by row and in pairs, exact capacity,
// stale and garbage handles, contexts.
#include <jetsession/jet.h>

#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetSessionTest = JetTest;

// Begin's result on `inst`, checking that a failure leaves *psesid nil.
JET_ERR TryBegin(JET_INSTANCE inst) {
  JET_SESID s = 12345;
  const JET_ERR err = JetBeginSession(inst, &s, "user", "password");
  if (err != JET_errSuccess) {
    EXPECT_EQ(s, JET_sesidNil);
  } else {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  return err;
}

JET_ERR TryDup(JET_SESID src) {
  JET_SESID s = 12345;
  const JET_ERR err = JetDupSession(src, &s);
  if (err != JET_errSuccess) {
    EXPECT_EQ(s, JET_sesidNil);
  } else {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  return err;
}

TEST_F(JetSessionTest, NullOutputBeatsEverything) {
  EXPECT_EQ(JetBeginSession(0x999999, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetBeginSession(0, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(JET_sesidNil, nullptr), JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(0x777, nullptr), JET_errInvalidParameter);
  const JET_INSTANCE inst = Running("a");
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
}

TEST_F(JetSessionTest, BeginStateRowsInOrder) {
  // Created -> NotInitialized; Restoring -> RestoreInProgress.
  JET_INSTANCE created = Created("created");
  EXPECT_EQ(TryBegin(created), JET_errNotInitialized);
  ASSERT_EQ(JetExtBeginRestore(created), JET_errSuccess);
  EXPECT_EQ(TryBegin(created), JET_errRestoreInProgress);
  // Stopped beats Restoring.
  ASSERT_EQ(JetStopServiceInstance(created), JET_errSuccess);
  EXPECT_EQ(TryBegin(created), JET_errClientRequestToStopJetService);

  // Unavailable beats Created; stopped beats unavailable.
  JET_INSTANCE fresh = Created("fresh");
  ASSERT_EQ(JetExtSetInstanceUnavailable(fresh), JET_errSuccess);
  EXPECT_EQ(TryBegin(fresh), JET_errInstanceUnavailable);
  ASSERT_EQ(JetStopServiceInstance(fresh), JET_errSuccess);
  EXPECT_EQ(TryBegin(fresh), JET_errClientRequestToStopJetService);

  // Running: stopped, then unavailable, in that order.
  const JET_INSTANCE running = Running("running");
  EXPECT_EQ(TryBegin(running), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(running), JET_errSuccess);
  EXPECT_EQ(TryBegin(running), JET_errInstanceUnavailable);
  ASSERT_EQ(JetStopServiceInstance(running), JET_errSuccess);
  EXPECT_EQ(TryBegin(running), JET_errClientRequestToStopJetService);
}

TEST_F(JetSessionTest, StateRowsBeatOutOfSessions) {
  const JET_INSTANCE inst = Running("full", 1);
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions);
  EXPECT_EQ(TryDup(s), JET_errOutOfSessions);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(TryBegin(inst), JET_errClientRequestToStopJetService);
  EXPECT_EQ(TryDup(s), JET_errClientRequestToStopJetService);
}

TEST_F(JetSessionTest, InstanceHandleRowsComeBeforeState) {
  JET_INSTANCE inst = Created("a");
  const JET_INSTANCE stale = inst;
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(TryBegin(stale), JET_errInvalidInstance);
  EXPECT_EQ(TryBegin(0), JET_errInvalidParameter);
  EXPECT_EQ(TryBegin(JET_instanceNil), JET_errInvalidParameter);
}

TEST_F(JetSessionTest, ExactCapacity) {
  for (const unsigned long capacity : {1UL, 2UL, 31UL, 32UL, 33UL, 100UL}) {
    const JET_INSTANCE inst = Running("cap", capacity);
    std::vector<JET_SESID> open;
    for (unsigned long i = 0; i < capacity; ++i) open.push_back(Begin(inst));
    EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions) << capacity;
    EXPECT_EQ(Count(inst), capacity);
    // End frees the slot at once.
    ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
    open.pop_back();
    EXPECT_EQ(TryDup(open.empty() ? Begin(inst) : open.front()),
              open.empty() ? JET_errOutOfSessions : JET_errSuccess);
    ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  }
}

TEST_F(JetSessionTest, FullThirtyThousand) {
  const JET_INSTANCE inst = Running("big", 30000);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 30000; ++i) open.push_back(Begin(inst));
  EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions);
  EXPECT_EQ(Count(inst), 30000U);
  for (const JET_SESID s : open) ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, DupRows) {
  const JET_INSTANCE inst = Running("a", 3);
  const JET_SESID src = Begin(inst);
  // src not open: never issued, ended, garbage, 0, nil.
  const JET_SESID ended = Begin(inst);
  ASSERT_EQ(JetEndSession(ended, 0), JET_errSuccess);
  for (const JET_SESID bad :
       {ended, JET_SESID{0}, JET_sesidNil, JET_SESID{0xdeadbeef},
        JET_SESID{src + (1ULL << 40U)}}) {
    EXPECT_EQ(TryDup(bad), JET_errInvalidSesid) << bad;
  }
  // Dup works and copies no state: the context stays on src only.
  ASSERT_EQ(JetSetSessionContext(src, 5), JET_errSuccess);
  JET_SESID copy = JET_sesidNil;
  ASSERT_EQ(JetDupSession(src, &copy), JET_errSuccess);
  EXPECT_NE(copy, src);
  EXPECT_EQ(JetEndSession(copy, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(src, 0), JET_errSessionInUse);
  ASSERT_EQ(JetResetSessionContext(src), JET_errSuccess);
  // Unavailable: Dup's state row.
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(TryDup(src), JET_errInstanceUnavailable);
}

TEST_F(JetSessionTest, EndRows) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  // grbit is ignored.
  const JET_SESID t = Begin(inst);
  EXPECT_EQ(JetEndSession(t, 0xFFFFFFFF), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errInvalidSesid);
  // Context set -> SessionInUse.
  ASSERT_EQ(JetSetSessionContext(s, 1), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
  // Unavailable beats SessionInUse; InvalidSesid beats unavailable.
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(t, 0), JET_errInvalidSesid);
  EXPECT_EQ(Count(inst), 1U);
}

TEST_F(JetSessionTest, EndWorksAfterStop) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  const JET_SESID t = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  ASSERT_EQ(JetSetSessionContext(t, 3), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSessionInUse);
  ASSERT_EQ(JetResetSessionContext(t), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, StaleHandlesStayInvalidAcrossSlotReuse) {
  const JET_INSTANCE inst = Running("one", 1);
  std::vector<JET_SESID> old;
  for (int i = 0; i < 5000; ++i) {
    const JET_SESID s = Begin(inst);
    ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
    old.push_back(s);
  }
  const JET_SESID live = Begin(inst);  // the same slot, reused again
  for (const JET_SESID s : old) {
    ASSERT_NE(s, live);
    ASSERT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    ASSERT_EQ(TryDup(s), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(s, 9), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(JetEndSession(live, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, GarbageSesidsAreInvalid) {
  const JET_INSTANCE inst = Running("a", 8);
  const JET_SESID live = Begin(inst);
  absl::BitGen gen(std::seed_seq{7});
  for (int i = 0; i < 5000; ++i) {
    const auto garbage = absl::Uniform<JET_SESID>(gen);
    if (garbage == live) continue;
    ASSERT_EQ(JetEndSession(garbage, 0), JET_errInvalidSesid) << garbage;
    ASSERT_EQ(TryDup(garbage), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(garbage, 1), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(garbage), JET_errInvalidSesid);
    // Near misses of a live handle: other generation, slot or record.
    for (const int bit : {1, 13, 14, 20, 34, 50, 63}) {
      const JET_SESID near =
          live ^ (JET_SESID{1} << static_cast<unsigned>(bit));
      ASSERT_EQ(JetEndSession(near, 0), JET_errInvalidSesid) << bit;
    }
  }
  for (const JET_SESID nil : {JET_SESID{0}, JET_sesidNil}) {
    EXPECT_EQ(JetEndSession(nil, 0), JET_errInvalidSesid);
    EXPECT_EQ(JetSetSessionContext(nil, 1), JET_errInvalidSesid);
    EXPECT_EQ(JetResetSessionContext(nil), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), 1U);
}

TEST_F(JetSessionTest, HandlesOfTerminatedInstancesAreInvalid) {
  JET_INSTANCE inst = Running("t", 4);
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  // A new instance, likely on the same record and slots.
  const JET_INSTANCE next = Running("t", 4);
  const JET_SESID fresh = Begin(next);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
  EXPECT_EQ(TryDup(s), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(s, 1), JET_errInvalidSesid);
  EXPECT_EQ(Count(next), 1U);
  EXPECT_EQ(JetEndSession(fresh, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, ContextRules) {
  const JET_INSTANCE inst = Running("ctx");
  const JET_SESID s = Begin(inst);
  // InvalidSesid first, then the argument.
  EXPECT_EQ(JetSetSessionContext(JET_sesidNil, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(s, 0), JET_errInvalidParameter);
  EXPECT_EQ(JetSetSessionContext(s, ~JET_API_PTR{0}), JET_errInvalidParameter);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  ASSERT_EQ(JetSetSessionContext(s, 42), JET_errSuccess);
  EXPECT_EQ(JetSetSessionContext(s, 43), JET_errSessionContextAlreadySet);
  EXPECT_EQ(JetSetSessionContext(s, 42), JET_errSessionContextAlreadySet);
  // Another thread: cannot reset, sees AlreadySet, cannot End (InUse),
  // but can Dup (a context blocks End only).
  std::thread other([&] {
    EXPECT_EQ(JetResetSessionContext(s),
              JET_errSessionContextNotSetByThisThread);
    EXPECT_EQ(JetSetSessionContext(s, 44), JET_errSessionContextAlreadySet);
    EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
    EXPECT_EQ(TryDup(s), JET_errSuccess);
  });
  other.join();
  EXPECT_EQ(JetResetSessionContext(s), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  // Set on one thread, reset by the same thread, ended by another.
  std::thread setter([&] {
    EXPECT_EQ(JetSetSessionContext(s, 7), JET_errSuccess);
    EXPECT_EQ(JetResetSessionContext(s), JET_errSuccess);
  });
  setter.join();
  std::thread ender([&] { EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess); });
  ender.join();
}

TEST_F(JetSessionTest, SessionsMoveBetweenThreads) {
  const JET_INSTANCE inst = Running("move");
  JET_SESID s = JET_sesidNil;
  std::thread a([&] { s = Begin(inst); });
  a.join();
  JET_SESID d = JET_sesidNil;
  std::thread b([&] { EXPECT_EQ(JetDupSession(s, &d), JET_errSuccess); });
  b.join();
  std::thread c([&] {
    EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  });
  c.join();
  EXPECT_EQ(Count(inst), 0U);
}

}  // namespace
}  // namespace jetsession::testing
