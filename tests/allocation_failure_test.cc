// Allocation failures (injected through src/allocation_faults.h): every
// allocation the library makes fails cleanly with JET_errOutOfMemory, frees
// what the call made, and leaves the process able to go on (LeakSanitizer,
// in the asan preset, checks that nothing leaks).
#include <jetsession/jet.h>
#include <jetsession/jetsession.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "allocation_faults.h"
#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using internal::AllocationFaults;

// A capacity larger than any pool this process made before, so that the
// JetInit that uses it must allocate (a record's pool is reused when it is
// large enough). Grows with each call; the other tests here use less.
unsigned long FreshCapacity() {
  static unsigned long next = 20000;
  next += 100;
  return next;
}

class AllocationFailureTest : public JetTest {
 protected:
  void TearDown() override {
    AllocationFaults::Disarm();
    JetTest::TearDown();
  }
};

TEST_F(AllocationFailureTest, InitFailureFreesTheInstanceAndZeroesTheHandle) {
  JET_INSTANCE inst = 0;
  ASSERT_EQ(JetCreateInstance(&inst, "oom"), JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                  FreshCapacity(), nullptr),
            JET_errSuccess);
  const JET_INSTANCE old = inst;
  AllocationFaults::Arm(0, 1);  // the pool
  EXPECT_EQ(JetInit(&inst), JET_errOutOfMemory);
  EXPECT_EQ(inst, 0U);
  // The instance is gone: its handle is stale, its name free, and the
  // process is in neither mode again.
  EXPECT_EQ(JetTerm(old), JET_errInvalidInstance);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  // A later JetCreateInstance + JetInit succeeds.
  const JET_INSTANCE again = Running("oom", 100);
  EXPECT_EQ(Count(again), 0U);
}

TEST_F(AllocationFailureTest, InitOfNilFailureLeavesNoDefaultInstance) {
  // A capacity no pool of this process had yet, so JetInit must allocate
  // (a record's pool is reused when it is large enough).
  const auto need_new_pool = [] {
    ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions,
                                    FreshCapacity(), nullptr),
              JET_errSuccess);
  };
  for (const JET_INSTANCE nil : {JET_INSTANCE{0}, JET_instanceNil}) {
    need_new_pool();
    JET_INSTANCE inst = nil;
    AllocationFaults::Arm(1, 1);  // the name succeeds, the pool fails
    EXPECT_EQ(JetInit(&inst), JET_errOutOfMemory);
    EXPECT_EQ(inst, 0U);
    AllocationFaults::Disarm();
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(0, &s, nullptr, nullptr),
              JET_errInvalidParameter);
    Created("multi");  // neither mode: multi-instance mode is possible
    TearDown();
  }
  need_new_pool();
  AllocationFaults::Arm(1, 1);
  EXPECT_EQ(JetInit(nullptr), JET_errOutOfMemory);
  AllocationFaults::Disarm();
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
}

TEST_F(AllocationFailureTest, CreateFailuresLeaveNothingBehind) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 200, nullptr),
      JET_errSuccess);
  // 150 instances, each on a record never used before: before each create,
  // one injected failure (the name, whose table grows) must give
  // OutOfMemory and change nothing.
  for (int i = 0; i < 150; ++i) {
    const std::string name = "i" + std::to_string(i);
    JET_INSTANCE inst = 0;
    AllocationFaults::Arm(0, 1);
    ASSERT_EQ(JetCreateInstance(&inst, name.c_str()), JET_errOutOfMemory);
    ASSERT_EQ(inst, 0U);
    AllocationFaults::Disarm();
    ASSERT_EQ(JetCreateInstance(&inst, name.c_str()), JET_errSuccess) << i;
    Track(inst);
  }
}

TEST_F(AllocationFailureTest, CppCreateReportsOutOfMemory) {
  AllocationFaults::Arm(1, 1);  // the name succeeds, the pool fails
  Result<Instance> instance =
      Instance::Create({.name = "cpp-oom", .max_sessions = FreshCapacity()});
  EXPECT_EQ(instance.error(), Error::kOutOfMemory);
  AllocationFaults::Disarm();
  EXPECT_TRUE(Instance::Create({.name = "cpp-oom"}).ok());
}

TEST_F(AllocationFailureTest, LargerPoolFailureKeepsTheRecordUsable) {
  // A record whose pool must grow at the next JetInit: the growth fails,
  // the instance is freed, and the record serves the next instance.
  JET_INSTANCE small = Running("grow", 2);
  ASSERT_EQ(JetTerm(small), JET_errSuccess);
  JET_INSTANCE big = Created("grow");
  const unsigned long capacity = FreshCapacity();
  ASSERT_EQ(
      JetSetSystemParameter(&big, 0, JET_paramMaxSessions, capacity, nullptr),
      JET_errSuccess);
  AllocationFaults::Arm(0, 1);
  EXPECT_EQ(JetInit(&big), JET_errOutOfMemory);
  EXPECT_EQ(big, 0U);
  const JET_INSTANCE ok = Running("grow", capacity);
  std::vector<JET_SESID> open;
  for (unsigned long i = 0; i < capacity; ++i) open.push_back(Begin(ok));
  JET_SESID extra = 0;
  EXPECT_EQ(JetBeginSession(ok, &extra, nullptr, nullptr),
            JET_errOutOfSessions);
}

}  // namespace
// The waiters' queue is allocated by an instance's first waiter; when that
// fails, the waits still answer as the contract says (never OutOfMemory):
// a timeout after its time, a session when one ends meanwhile.
TEST_F(AllocationFailureTest, WaitsWithoutMemoryForTheQueueStillWait) {
  const JET_INSTANCE inst = Running("oom-wait", FreshCapacity());
  std::vector<JET_SESID> held;
  for (;;) {
    JET_SESID s = JET_sesidNil;
    if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) break;
    held.push_back(s);
  }
  ASSERT_FALSE(held.empty());
  AllocationFaults::Arm(0, 1000000);  // every allocation fails
  JET_SESID s = JET_sesidNil;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 20), JET_errOutOfSessions);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(20));
  std::thread ender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(JetEndSession(held.back(), 0), JET_errSuccess);
  });
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 5000), JET_errSuccess);
  ender.join();
  held.back() = s;
  // A Stop wakes such a waiter too (within its slice).
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  });
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, JET_cmsecExtWaitForever),
            JET_errClientRequestToStopJetService);
  stopper.join();
  AllocationFaults::Disarm();
  for (const JET_SESID h : held) EXPECT_EQ(JetEndSession(h, 0), JET_errSuccess);
}

}  // namespace jetsession::testing
