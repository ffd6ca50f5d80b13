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
  // What CallBesideAHeldResize() saw.
  struct Beside {
    bool returned = false;  // the call returned while the resize was held
    JET_ERR resize = JET_errSuccess - 1;
    JET_ERR call = JET_errSuccess - 1;
  };
  // Runs `call` on a thread beside a resize of the instance to 4 that the
  // hook holds, for at most `window`, then lets the resize go and waits
  // for both.
  template <class Call>
  Beside CallBesideAHeldResize(Call call, milliseconds window) {
    Beside seen;
    std::thread resizer(
        [this, &seen] { seen.resize = JetExtSetMaxSessions(instance_, 4); });
    while (!held.load()) std::this_thread::yield();
    std::atomic<bool> done{false};
    std::thread caller([&] {
      seen.call = call();
      done.store(true);
    });
    seen.returned = AwaitFlag(done, window);
    go.store(true);
    resizer.join();
    caller.join();
    return seen;
  }
  JET_INSTANCE instance_ = 0;
};

TEST_F(ResizeUnlockedTest, OtherCallsGoOnBesideAHeldResize) {
  JET_API_PTR during = 0;
  const Beside seen = CallBesideAHeldResize(
      [&] {
        // Another instance's life, and this one's parameter, sessions and
        // Stop.
        JET_INSTANCE b = 0;
        EXPECT_EQ(JetCreateInstance(&b, "resize-unlocked-other"),
                  JET_errSuccess);
        EXPECT_EQ(JetInit(&b), JET_errSuccess);
        EXPECT_EQ(JetTerm(b), JET_errSuccess);
        during = MaxSessionsOf(instance_);
        JET_SESID sesid = 0;
        EXPECT_EQ(JetBeginSession(instance_, &sesid, "", ""), JET_errSuccess);
        EXPECT_EQ(JetEndSession(sesid, 0), JET_errSuccess);
        return JetStopServiceInstance(instance_);
      },
      milliseconds(20000));
  EXPECT_TRUE(seen.returned) << "a call waited for the held resize";
  EXPECT_EQ(seen.call, JET_errSuccess);
  EXPECT_EQ(during, 2U);  // the held resize has not begun
  EXPECT_EQ(seen.resize, JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(instance_), 4U);
}

TEST_F(ResizeUnlockedTest, AResizeWaitsForTheOneBeforeIt) {
  // Observed for a while: it must not return while the first is held.
  const Beside seen = CallBesideAHeldResize(
      [this] { return JetExtSetMaxSessions(instance_, 6); }, milliseconds(200));
  EXPECT_FALSE(seen.returned) << "two resizes of one instance ran at once";
  EXPECT_EQ(seen.resize, JET_errSuccess);
  EXPECT_EQ(seen.call, JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(instance_), 6U);
}

TEST_F(ResizeUnlockedTest, TermWaitsForAHeldResize) {
  const Beside seen = CallBesideAHeldResize(
      [this] { return JetTerm(instance_); }, milliseconds(200));
  EXPECT_FALSE(seen.returned) << "JetTerm returned beside a resize in flight";
  EXPECT_EQ(seen.resize, JET_errSuccess);
  EXPECT_EQ(seen.call, JET_errSuccess);
  instance_ = 0;
}

}  // namespace
}  // namespace jetsession::internal
