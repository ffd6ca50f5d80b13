// JetExtSetMaxSessions resizes outside the registry's lock. A hook of the
// test builds (RegistryTestHooks::inside_resize) holds a resizing thread
// inside its resize, as a thread that the scheduler keeps off the processor
// there: the parameter and lifecycle calls of the instance and of another
// go on meanwhile, a second resize of the same instance waits for the
// first, and JetTerm of the instance waits for it.
#include <jetsession/jet.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "instance_registry.h"

namespace jetsession::internal {
namespace {

using std::chrono::milliseconds;

// The first resize that reaches the hook stops there until `go`.
std::atomic<bool> held{false};
std::atomic<bool> go{false};

void HoldTheFirst() {
  if (held.exchange(true)) return;
  while (!go.load()) std::this_thread::yield();
}

// Waits until `flag` is set or `limit` has passed; returns the flag.
bool AwaitFlag(const std::atomic<bool>& flag, milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!flag.load() && std::chrono::steady_clock::now() < end) {
    std::this_thread::yield();
  }
  return flag.load();
}

JET_API_PTR MaxSessionsOf(JET_INSTANCE instance) {
  JET_API_PTR value = 0;
  EXPECT_EQ(JetGetSystemParameter(instance, 0, JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errSuccess);
  return value;
}

class ResizeUnlockedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(JetCreateInstance(&instance_, "resize-unlocked"), JET_errSuccess);
    ASSERT_EQ(
        JetSetSystemParameter(&instance_, 0, JET_paramMaxSessions, 2, nullptr),
        JET_errSuccess);
    ASSERT_EQ(JetSetSystemParameter(&instance_, 0,
                                    JET_paramExtMaxSessionsCeiling, 8, nullptr),
              JET_errSuccess);
    ASSERT_EQ(JetInit(&instance_), JET_errSuccess);
    held.store(false);
    go.store(false);
    // release: pairs with SetMaxSessions()'s load of the hook.
    RegistryTestHooks::inside_resize.store(&HoldTheFirst,
                                           std::memory_order_release);
  }
  void TearDown() override {
    RegistryTestHooks::inside_resize.store(nullptr, std::memory_order_release);
    go.store(true);
    JetTerm(instance_);
  }
  // Starts a resize of the instance to `n` that the hook holds.
  std::thread StartHeldResize(unsigned long n, JET_ERR* answer) {
    std::thread resizer(
        [this, n, answer] { *answer = JetExtSetMaxSessions(instance_, n); });
    while (!held.load()) std::this_thread::yield();
    return resizer;
  }
  JET_INSTANCE instance_ = 0;
};

TEST_F(ResizeUnlockedTest, OtherCallsGoOnBesideAHeldResize) {
  JET_ERR resized = JET_errSuccess - 1;
  std::thread resizer = StartHeldResize(4, &resized);
  std::atomic<bool> done{false};
  JET_API_PTR during = 0;
  std::thread other([&] {
    // Another instance's life, and this one's parameter, sessions and Stop.
    JET_INSTANCE b = 0;
    EXPECT_EQ(JetCreateInstance(&b, "resize-unlocked-other"), JET_errSuccess);
    EXPECT_EQ(JetInit(&b), JET_errSuccess);
    EXPECT_EQ(JetTerm(b), JET_errSuccess);
    during = MaxSessionsOf(instance_);
    JET_SESID sesid = 0;
    EXPECT_EQ(JetBeginSession(instance_, &sesid, "", ""), JET_errSuccess);
    EXPECT_EQ(JetEndSession(sesid, 0), JET_errSuccess);
    EXPECT_EQ(JetStopServiceInstance(instance_), JET_errSuccess);
    done.store(true);
  });
  const bool went_on = AwaitFlag(done, milliseconds(20000));
  go.store(true);
  resizer.join();
  other.join();
  EXPECT_TRUE(went_on) << "a call waited for the held resize";
  EXPECT_EQ(during, 2U);  // the held resize has not begun
  EXPECT_EQ(resized, JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(instance_), 4U);
}

TEST_F(ResizeUnlockedTest, AResizeWaitsForTheOneBeforeIt) {
  JET_ERR first = JET_errSuccess - 1;
  std::thread resizer = StartHeldResize(4, &first);
  std::atomic<bool> second_done{false};
  JET_ERR second = JET_errSuccess - 1;
  std::thread later([&] {
    second = JetExtSetMaxSessions(instance_, 6);
    second_done.store(true);
  });
  // Observed for a while: it must not return while the first is held.
  const bool passed = AwaitFlag(second_done, milliseconds(200));
  go.store(true);
  resizer.join();
  later.join();
  EXPECT_FALSE(passed) << "two resizes of one instance ran at once";
  EXPECT_EQ(first, JET_errSuccess);
  EXPECT_EQ(second, JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(instance_), 6U);
}

TEST_F(ResizeUnlockedTest, TermWaitsForAHeldResize) {
  JET_ERR resized = JET_errSuccess - 1;
  std::thread resizer = StartHeldResize(4, &resized);
  std::atomic<bool> termed{false};
  JET_ERR term = JET_errSuccess - 1;
  std::thread terminator([&] {
    term = JetTerm(instance_);
    termed.store(true);
  });
  const bool passed = AwaitFlag(termed, milliseconds(200));
  go.store(true);
  resizer.join();
  terminator.join();
  EXPECT_FALSE(passed) << "JetTerm returned beside a resize in flight";
  EXPECT_EQ(resized, JET_errSuccess);
  EXPECT_EQ(term, JET_errSuccess);
  instance_ = 0;
}

}  // namespace
}  // namespace jetsession::internal
