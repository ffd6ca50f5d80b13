// jet_test_util.h: a fixture for the single-threaded contract tests.
//
// The registry is process-wide (one-instance/multi-instance mode, the
// parameter defaults), so every test terminates whatever it created and
// restores the process-wide parameters, whether it passed or not; the tests
// pass both one per process (ctest) and all in one process.
#ifndef JETSESSION_TESTS_JET_TEST_UTIL_H_
#define JETSESSION_TESTS_JET_TEST_UTIL_H_

#include <jetsession/jet.h>

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace jetsession::testing {

class JetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const JET_INSTANCE inst : created_) JetTerm(inst);
    created_.clear();
    // The default instance of one-instance mode, if a test made one.
    JetTerm(0);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16, nullptr),
        JET_errSuccess)
        << "an instance is still alive after the test";
  }

  // Remembers `inst` for termination at the end of the test.
  JET_INSTANCE Track(JET_INSTANCE inst) {
    created_.push_back(inst);
    return inst;
  }

  // A Created instance.
  JET_INSTANCE Created(const char* name) {
    JET_INSTANCE inst = 0;
    EXPECT_EQ(JetCreateInstance(&inst, name), JET_errSuccess);
    return Track(inst);
  }

  // A Running instance with `max_sessions`.
  JET_INSTANCE Running(const char* name, unsigned long max_sessions = 16) {
    JET_INSTANCE inst = Created(name);
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                    max_sessions, nullptr),
              JET_errSuccess);
    EXPECT_EQ(JetInit(&inst), JET_errSuccess);
    return inst;
  }

  // Opens a session, expecting success.
  static JET_SESID Begin(JET_INSTANCE inst) {
    JET_SESID sesid = JET_sesidNil;
    EXPECT_EQ(JetBeginSession(inst, &sesid, nullptr, nullptr), JET_errSuccess);
    return sesid;
  }

  // The process is in neither mode: no instance lives. (JetStopService has
  // no effect then; if an instance does live, TearDown frees it.)
  static void ExpectNeitherMode() {
    EXPECT_EQ(JetStopService(), JET_errInvalidParameter)
        << "expected no live instance";
  }

  // The process is in multi-instance mode (no side effect).
  static void ExpectMultiInstanceMode() {
    EXPECT_EQ(JetStopService(), JET_errRunningInMultiInstanceMode);
  }

  // The process is in one-instance mode.
  void ExpectOneInstanceMode() {
    JET_INSTANCE probe = 0;
    const JET_ERR err = JetCreateInstance(&probe, "one-instance-mode probe");
    EXPECT_EQ(err, JET_errRunningInOneInstanceMode);
    if (err == JET_errSuccess) Track(probe);
  }

  // The statistics of `inst`.
  static JET_EXTSESSIONSTATS Stats(JET_INSTANCE inst) {
    JET_EXTSESSIONSTATS stats{};
    stats.cbStruct = sizeof stats;
    EXPECT_EQ(JetExtGetSessionStats(inst, &stats), JET_errSuccess);
    return stats;
  }

  // Returns once `n` callers wait on `inst`.
  static void AwaitWaiters(JET_INSTANCE inst, unsigned long n) {
    while (Stats(inst).cWaiters != n) std::this_thread::yield();
  }

  // The session count of `inst`.
  static unsigned long Count(JET_INSTANCE inst) {
    unsigned long count = ~0UL;
    EXPECT_EQ(JetExtGetSessionCount(inst, &count), JET_errSuccess);
    return count;
  }

 private:
  std::vector<JET_INSTANCE> created_;
};

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_JET_TEST_UTIL_H_
