// jetsession::DebugString(): the dump says what the instance is (its format
// is not stable, so only its facts are checked, not its layout).
#include <jetsession/jet.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "jet_test_util.h"
#include "jetsession/debug.h"

namespace jetsession::testing {
namespace {

using DebugStringTest = JetTest;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(DebugStringTest, ARunningInstanceWithSessionsWaitersAndAFlag) {
  const JET_INSTANCE inst = Running("debug-running", 3);
  const JET_SESID a = Begin(inst);
  const JET_SESID b = Begin(inst);
  ASSERT_EQ(JetSetSessionContext(b, 5), JET_errSuccess);
  std::string dump = DebugString(inst);
  EXPECT_TRUE(Has(dump, "Running")) << dump;
  EXPECT_TRUE(Has(dump, "capacity=3")) << dump;
  EXPECT_TRUE(Has(dump, "full flag: none")) << dump;
  EXPECT_TRUE(Has(dump, "not stable")) << dump;
  EXPECT_TRUE(Has(dump, "begun=2")) << dump;
  // Two open sessions, one free slot, the rest of the word beyond the
  // capacity.
  EXPECT_TRUE(Has(dump, "oo.xxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) << dump;
  // The word's hint: no resize runs.
  EXPECT_TRUE(Has(dump, " h0 ")) << dump;
  const JET_SESID c = Begin(inst);
  JET_SESID d = 0;
  std::thread waiter([&] {
    EXPECT_EQ(JetExtBeginSessionWait(inst, &d, JET_cmsecExtWaitForever),
              JET_errSuccess);
  });
  AwaitWaiters(inst, 1);
  while (!Has(DebugString(inst), "queued=1")) std::this_thread::yield();
  dump = DebugString(inst);
  EXPECT_TRUE(Has(dump, "full flag: verified")) << dump;
  EXPECT_TRUE(Has(dump, "waiting callers=1")) << dump;
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  waiter.join();
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  dump = DebugString(inst);
  EXPECT_TRUE(Has(dump, " stopped")) << dump;
  EXPECT_TRUE(Has(dump, " gated epoch=")) << dump;
  EXPECT_TRUE(Has(dump, "closed=[ stop]")) << dump;
  EXPECT_TRUE(Has(dump, " closed ")) << dump;
  ASSERT_EQ(JetResetSessionContext(b), JET_errSuccess);
  for (const JET_SESID s : {b, c, d}) {
    ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  dump = DebugString(inst);
  EXPECT_TRUE(Has(dump, " gated end-gated epoch=")) << dump;
}

TEST_F(DebugStringTest, CreatedStaleAndInvalidHandles) {
  const JET_INSTANCE created = Created("debug-created");
  const std::string dump = DebugString(created);
  EXPECT_TRUE(Has(dump, "Created")) << dump;
  EXPECT_FALSE(Has(dump, "capacity=")) << dump;
  const JET_INSTANCE gone = Running("debug-gone", 1);
  ASSERT_EQ(JetTerm(gone), JET_errSuccess);
  EXPECT_TRUE(Has(DebugString(gone), "JET_errInvalidInstance"));
  EXPECT_TRUE(Has(DebugString(0x999999), "JET_errInvalidInstance"));
  EXPECT_TRUE(Has(DebugString(0), "JET_errInvalidParameter"));
}

}  // namespace
}  // namespace jetsession::testing
