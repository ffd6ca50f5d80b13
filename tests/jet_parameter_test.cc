// The contract's "Parameters": JET_paramMaxSessions, JET_paramMaxInstances,
// unknown parameters, the sesid rule and NULL outputs.
#include <jetsession/jet.h>

#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetParameterTest = JetTest;

JET_API_PTR GetMaxSessions(JET_INSTANCE inst) {
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  return value;
}

TEST_F(JetParameterTest, MaxSessionsDefaultsTo16) {
  const JET_INSTANCE inst = Running("a");
  EXPECT_EQ(GetMaxSessions(inst), 16U);
  EXPECT_EQ(GetMaxSessions(0), 16U);  // the process default
  std::vector<JET_SESID> open;
  for (int i = 0; i < 16; ++i) open.push_back(Begin(inst));
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
}

TEST_F(JetParameterTest, MaxSessionsRange) {
  JET_INSTANCE inst = Created("a");
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 30001, nullptr),
      JET_errInvalidParameter);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                  ~JET_API_PTR{0}, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 30001, nullptr),
      JET_errInvalidParameter);
  EXPECT_EQ(GetMaxSessions(inst), 16U);
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 30000, nullptr),
      JET_errSuccess);
  EXPECT_EQ(GetMaxSessions(inst), 30000U);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 0, nullptr),
            JET_errSuccess);
  EXPECT_EQ(GetMaxSessions(inst), 0U);
}

TEST_F(JetParameterTest, MaxSessionsTakesEffectAtInit) {
  JET_INSTANCE inst = Created("a");
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 2, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 3, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  for (int i = 0; i < 3; ++i) Begin(inst);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  EXPECT_EQ(Count(inst), 3U);
}

TEST_F(JetParameterTest, MaxSessionsZeroRefusesEveryBegin) {
  const JET_INSTANCE inst = Running("zero", 0);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  EXPECT_EQ(s, JET_sesidNil);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetParameterTest, MaxSessionsOnRunningInstance) {
  JET_INSTANCE inst = Running("a", 7);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 7, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 8, nullptr),
            JET_errAlreadyInitialized);
  // contract: "On a Running instance the AlreadyInitialized rule comes
  // first, whatever the value."
  EXPECT_EQ(
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 30001, nullptr),
      JET_errAlreadyInitialized);
  EXPECT_EQ(GetMaxSessions(inst), 7U);
}

TEST_F(JetParameterTest, ProcessDefaultAppliesToLaterInstances) {
  const JET_INSTANCE before = Created("before");
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 5, nullptr),
            JET_errSuccess);
  EXPECT_EQ(GetMaxSessions(before), 16U);
  const JET_INSTANCE after = Created("after");
  EXPECT_EQ(GetMaxSessions(after), 5U);
  // *pinstance 0 or nil outside one-instance mode: the process default too.
  JET_INSTANCE zero = 0;
  ASSERT_EQ(JetSetSystemParameter(&zero, 0, JET_paramMaxSessions, 6, nullptr),
            JET_errSuccess);
  JET_INSTANCE nil = JET_instanceNil;
  EXPECT_EQ(GetMaxSessions(0), 6U);
  ASSERT_EQ(JetSetSystemParameter(&nil, 0, JET_paramMaxSessions, 4, nullptr),
            JET_errSuccess);
  EXPECT_EQ(GetMaxSessions(JET_instanceNil), 4U);
  EXPECT_EQ(GetMaxSessions(Created("later")), 4U);
}

TEST_F(JetParameterTest, MaxInstances) {
  JET_API_PTR value = 0;
  ASSERT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxInstances, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 16U);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 0, nullptr),
      JET_errInvalidParameter);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 10241, nullptr),
      JET_errInvalidParameter);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 10240, nullptr),
      JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
      JET_errSuccess);
  JET_INSTANCE inst = Created("a");
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
      JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxInstances, 2, nullptr),
            JET_errAlreadyInitialized);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 0, nullptr),
      JET_errAlreadyInitialized);
  ASSERT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxInstances, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 1U);
  JET_INSTANCE other = 0;
  EXPECT_EQ(JetCreateInstance(&other, "b"), JET_errTooManyInstances);
}

TEST_F(JetParameterTest, UnknownParameter) {
  JET_INSTANCE inst = Running("a");
  JET_API_PTR value = 0;
  for (const unsigned long id : {0UL, 1UL, 4UL, 6UL, 103UL, 105UL, ~0UL}) {
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, id, 1, nullptr),
              JET_errInvalidParameter)
        << id;
    EXPECT_EQ(JetSetSystemParameter(nullptr, 0, id, 1, nullptr),
              JET_errInvalidParameter)
        << id;
    EXPECT_EQ(JetGetSystemParameter(inst, 0, id, &value, nullptr, 0),
              JET_errInvalidParameter)
        << id;
  }
}

TEST_F(JetParameterTest, NullOutputFirst) {
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxSessions, nullptr, nullptr, 0),
      JET_errInvalidParameter);
  // Even with a garbage sesid: only a NULL output is reported before it.
  EXPECT_EQ(JetGetSystemParameter(0, 12345, JET_paramMaxSessions, nullptr,
                                  nullptr, 0),
            JET_errInvalidParameter);
}

TEST_F(JetParameterTest, SzParamIsIgnored) {
  JET_INSTANCE inst = Created("a");
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 9, "100"),
            JET_errSuccess);
  char buffer[4] = {'x', 'y', 'z', '\0'};
  JET_API_PTR value = 0;
  EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, buffer,
                                  sizeof(buffer)),
            JET_errSuccess);
  EXPECT_EQ(value, 9U);
}

TEST_F(JetParameterTest, SesidMustBeAnOpenSession) {
  JET_INSTANCE inst = Running("a");
  JET_API_PTR value = 0;
  const JET_SESID ended = Begin(inst);
  ASSERT_EQ(JetEndSession(ended, 0), JET_errSuccess);
  for (const JET_SESID bad : {ended, JET_SESID{12345}, JET_SESID{1}}) {
    EXPECT_EQ(
        JetSetSystemParameter(&inst, bad, JET_paramMaxSessions, 16, nullptr),
        JET_errInvalidSesid);
    EXPECT_EQ(JetGetSystemParameter(inst, bad, JET_paramMaxSessions, &value,
                                    nullptr, 0),
              JET_errInvalidSesid);
  }
  // 0 and nil mean "no session".
  EXPECT_EQ(JetGetSystemParameter(inst, JET_sesidNil, JET_paramMaxSessions,
                                  &value, nullptr, 0),
            JET_errSuccess);
}

TEST_F(JetParameterTest, SesidSelectsItsOwnInstance) {
  JET_INSTANCE running = Running("running", 4);
  JET_INSTANCE created = Created("created");
  const JET_SESID s = Begin(running);
  JET_API_PTR value = 0;
  // The call applies to the session's instance, whatever instance says.
  ASSERT_EQ(JetGetSystemParameter(created, s, JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 4U);
  EXPECT_EQ(
      JetSetSystemParameter(&created, s, JET_paramMaxSessions, 9, nullptr),
      JET_errAlreadyInitialized);
  EXPECT_EQ(JetSetSystemParameter(nullptr, s, JET_paramMaxSessions, 4, nullptr),
            JET_errSuccess);
  JET_INSTANCE garbage = 777;
  EXPECT_EQ(JetGetSystemParameter(garbage, s, JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(&garbage, s, JET_paramMaxSessions, 4, nullptr),
      JET_errSuccess);
  EXPECT_EQ(GetMaxSessions(created), 16U);
}

TEST_F(JetParameterTest, InstanceHandleErrors) {
  JET_INSTANCE garbage = 0x123456789ULL;
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetSetSystemParameter(&garbage, 0, JET_paramMaxSessions, 4, nullptr),
      JET_errInvalidInstance);
  EXPECT_EQ(JetGetSystemParameter(garbage, 0, JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errInvalidInstance);
  JET_INSTANCE stale = Created("stale");
  ASSERT_EQ(JetTerm(stale), JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&stale, 0, JET_paramMaxSessions, 4, nullptr),
            JET_errInvalidInstance);
}

}  // namespace
}  // namespace jetsession::testing
