// JetTerm of the default instance (handle 0), stopped between the two steps
// that free its record: the record's release and the clearing of the default
// handle (RegistryTestHooks, a hook of the test builds only). Calls made in
// that window must answer as one instant explains: handle 0 names no
// instance, and the instance's own handle names a freed one. Built against
// the mutant kDefaultClearedFirst (the two steps the other way round), the
// own handle still finds the instance terminating, and the test fails.
#include <jetsession/jet.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "instance_registry.h"

namespace jetsession::internal {
namespace {

// The answers of the calls made in the window, in the order they were made.
struct WindowAnswers {
  std::vector<JET_ERR> on_default;  // the calls on handle 0
  std::vector<JET_ERR> on_own;      // the same calls on the own handle
  int runs = 0;                     // times the hook ran
};

// Set by the test before its JetTerm, read by the hook on the Term's thread
// (0: the caller does not know the own handle).
JET_INSTANCE own_handle = 0;
WindowAnswers* answers = nullptr;

// Each lock-free call of the instance on `instance`, one answer each.
std::vector<JET_ERR> CallsOn(JET_INSTANCE instance) {
  std::vector<JET_ERR> errors;
  JET_SESID sesid = JET_sesidNil;
  errors.push_back(JetBeginSession(instance, &sesid, nullptr, nullptr));
  errors.push_back(JetExtBeginSessionWait(instance, &sesid, 0));
  unsigned long count = 0;
  errors.push_back(JetExtGetSessionCount(instance, &count));
  JET_EXTSESSIONSTATS stats{};
  stats.cbStruct = sizeof(stats);
  errors.push_back(JetExtGetSessionStats(instance, &stats));
  unsigned long listed = 0;
  errors.push_back(JetExtGetOpenSessions(instance, 0, nullptr, 0, &listed));
  return errors;
}

// The hook: another thread makes the calls on handle 0, then on the own
// handle, while JetTerm waits between its two steps.
void CallInWindow() {
  ++answers->runs;
  std::thread caller([] {
    answers->on_default = CallsOn(0);
    if (own_handle != 0) answers->on_own = CallsOn(own_handle);
  });
  caller.join();
}

class DefaultInstanceTermTest : public ::testing::Test {
 protected:
  void SetUp() override {
    answers = &answers_;
    // release: pairs with FreeLocked()'s acquire load of the hook.
    RegistryTestHooks::between_release_and_clear.store(
        &CallInWindow, std::memory_order_release);
  }
  void TearDown() override {
    // release: as above.
    RegistryTestHooks::between_release_and_clear.store(
        nullptr, std::memory_order_release);
    answers = nullptr;
  }

  WindowAnswers answers_;
};

// Handle 0 answers InvalidParameter (no default instance) and the own handle
// InvalidInstance (freed), for every call: the instance is gone at one
// instant, for both handles.
TEST_F(DefaultInstanceTermTest, BothHandlesFindTheInstanceGone) {
  JET_INSTANCE instance = 0;
  ASSERT_EQ(JetInit(&instance), JET_errSuccess);  // the default instance
  ASSERT_NE(instance, JET_INSTANCE{0});
  own_handle = instance;
  JET_SESID open = JET_sesidNil;
  ASSERT_EQ(JetBeginSession(0, &open, nullptr, nullptr), JET_errSuccess);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  ASSERT_EQ(answers_.runs, 1);
  const std::vector<JET_ERR> none(answers_.on_default.size(),
                                  JET_errInvalidParameter);
  EXPECT_EQ(answers_.on_default, none) << "calls on handle 0";
  const std::vector<JET_ERR> freed(answers_.on_own.size(),
                                   JET_errInvalidInstance);
  EXPECT_EQ(answers_.on_own, freed) << "calls on the own handle";
}

// The same through JetInit(NULL), whose handle the caller never sees: the
// calls on handle 0 still find no default instance in the window.
TEST_F(DefaultInstanceTermTest, HandleZeroFindsNoneAfterJetInitNull) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  own_handle = 0;
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  ASSERT_EQ(answers_.runs, 1);
  const std::vector<JET_ERR> none(answers_.on_default.size(),
                                  JET_errInvalidParameter);
  EXPECT_EQ(answers_.on_default, none) << "calls on handle 0";
}

}  // namespace
}  // namespace jetsession::internal
