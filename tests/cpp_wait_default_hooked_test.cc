// A C++ wait with a stop request on Instance(0) names the default instance
// once. A hook of the test builds (RegistryTestHooks::after_wait_named)
// runs between that naming and the rest of the call, and changes the
// default instance there: it creates one where there was none, or
// terminates the one named and creates another. The call must not wait on
// the new one (its JetTerm would not wait for the call's scope, and the
// call could return after that JetTerm): it answers InvalidParameter at
// once, as handle 0 with no default instance does. Built against the mutant
// kWaitNamesTwice (the wait names handle 0 again), the call waits on the
// new default instance until its deadline, and the test fails.
#include <jetsession/jet.h>
#include <jetsession/jetsession.h>

#include <atomic>
#include <chrono>
#include <stop_token>

#include "gtest/gtest.h"
#include "instance_registry.h"

namespace jetsession::internal {
namespace {

using std::chrono::milliseconds;

// What the hook does, once: the test sets it, the hook clears it.
std::atomic<void (*)()> once{nullptr};

void RunOnce() {
  if (void (*action)() = once.exchange(nullptr)) action();
}

// The new default instance has no room (MaxSessions 0): a call that waits
// on it waits until its deadline.
void CreateDefault() { EXPECT_EQ(JetInit(nullptr), JET_errSuccess); }

void ReplaceDefault() {
  EXPECT_EQ(JetTerm(0), JET_errSuccess);
  EXPECT_EQ(JetInit(nullptr), JET_errSuccess);
}

class CppWaitDefaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 0, nullptr),
        JET_errSuccess);
    // release: pairs with WaitScope's load of the hook.
    RegistryTestHooks::after_wait_named.store(&RunOnce,
                                              std::memory_order_release);
  }
  void TearDown() override {
    RegistryTestHooks::after_wait_named.store(nullptr,
                                              std::memory_order_release);
    once.store(nullptr);
    JetTerm(0);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
  }

  // Instance(0).BeginSession(500 ms, a token never stopped): its answer,
  // and in *took how long it took.
  static Error WaitOnHandleZero(std::chrono::steady_clock::duration* took) {
    Instance instance(0);
    std::stop_source source;
    const auto start = std::chrono::steady_clock::now();
    const Result<Session> got =
        instance.BeginSession(milliseconds(500), source.get_token());
    *took = std::chrono::steady_clock::now() - start;
    (void)instance.Release();  // TearDown() terminates the default instance
    return got.ok() ? Error::kSuccess : got.error();
  }
};

TEST_F(CppWaitDefaultTest, NoDefaultWhenNamedMeansNoWait) {
  once.store(&CreateDefault);
  std::chrono::steady_clock::duration took{};
  EXPECT_EQ(WaitOnHandleZero(&took), Error::kInvalidParameter)
      << "the call waited on a default instance created after it named none";
  EXPECT_EQ(once.load(), nullptr) << "the hook did not run";
  EXPECT_LT(took, milliseconds(400));
}

TEST_F(CppWaitDefaultTest, AFreedDefaultIsNotFollowed) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  once.store(&ReplaceDefault);
  std::chrono::steady_clock::duration took{};
  EXPECT_EQ(WaitOnHandleZero(&took), Error::kInvalidParameter)
      << "the call waited on the default instance that replaced the one it "
         "named";
  EXPECT_EQ(once.load(), nullptr) << "the hook did not run";
  EXPECT_LT(took, milliseconds(400));
}

}  // namespace
}  // namespace jetsession::internal
