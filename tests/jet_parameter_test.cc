// The contract's "Parameters": JET_paramMaxSessions, JET_paramMaxInstances,
// unknown parameters, the sesid rule and NULL outputs.
#include <jetsession/jet.h>

#include <string>
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

TEST_F(JetParameterTest, ProcessDefaultRange) {
  JET_INSTANCE zero = 0;
  JET_INSTANCE nil = JET_instanceNil;
  for (JET_INSTANCE* const target :
       {static_cast<JET_INSTANCE*>(nullptr), &zero, &nil}) {
    EXPECT_EQ(
        JetSetSystemParameter(target, 0, JET_paramMaxSessions, 30001, nullptr),
        JET_errInvalidParameter);
    EXPECT_EQ(JetSetSystemParameter(target, 0, JET_paramMaxSessions,
                                    ~JET_API_PTR{0}, nullptr),
              JET_errInvalidParameter);
    EXPECT_EQ(GetMaxSessions(0), 16U);  // unchanged
    EXPECT_EQ(
        JetSetSystemParameter(target, 0, JET_paramMaxSessions, 30000, nullptr),
        JET_errSuccess);
    EXPECT_EQ(GetMaxSessions(0), 30000U);
    EXPECT_EQ(
        JetSetSystemParameter(target, 0, JET_paramMaxSessions, 0, nullptr),
        JET_errSuccess);
    EXPECT_EQ(GetMaxSessions(JET_instanceNil), 0U);
    EXPECT_EQ(
        JetSetSystemParameter(target, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
  }
  ExpectNeitherMode();  // setting the default created no instance
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
  for (int i = 0; i < 100; ++i) {
    JET_SESID s = 0;
    ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
              JET_errOutOfSessions);
    ASSERT_EQ(s, JET_sesidNil);
  }
  EXPECT_EQ(Count(inst), 0U);
  // The state rows still come first.
  JET_SESID s = 0;
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  JET_INSTANCE created = Created("zero-created");
  ASSERT_EQ(
      JetSetSystemParameter(&created, 0, JET_paramMaxSessions, 0, nullptr),
      JET_errSuccess);
  EXPECT_EQ(JetBeginSession(created, &s, nullptr, nullptr),
            JET_errNotInitialized);
}

TEST_F(JetParameterTest, MaxSessionsZeroAsProcessDefault) {
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 0, nullptr),
            JET_errSuccess);
  JET_INSTANCE inst = Created("zero");
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  // JetInit(&nil) makes an instance after the change too.
  JET_INSTANCE unnamed = 0;
  ASSERT_EQ(JetInit(&unnamed), JET_errSuccess);
  Track(unnamed);
  EXPECT_EQ(JetBeginSession(unnamed, &s, nullptr, nullptr),
            JET_errOutOfSessions);
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
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                  ~JET_API_PTR{0}, nullptr),
            JET_errAlreadyInitialized);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 0, nullptr),
            JET_errAlreadyInitialized);
  EXPECT_EQ(GetMaxSessions(inst), 7U);
  // The limit in force is still 7.
  std::vector<JET_SESID> open;
  for (int i = 0; i < 7; ++i) open.push_back(Begin(inst));
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  // Stopped or unavailable, the instance is still Running for this rule.
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 7, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 8, nullptr),
            JET_errAlreadyInitialized);
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
  // "used by instances created afterwards": an instance created before the
  // change keeps its value through JetInit.
  JET_INSTANCE init_before = before;
  ASSERT_EQ(JetInit(&init_before), JET_errSuccess);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 16; ++i) open.push_back(Begin(before));
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(before, &s, nullptr, nullptr),
            JET_errOutOfSessions);
  JET_INSTANCE init_after = after;
  ASSERT_EQ(JetInit(&init_after), JET_errSuccess);
  for (int i = 0; i < 5; ++i) open.push_back(Begin(after));
  EXPECT_EQ(JetBeginSession(after, &s, nullptr, nullptr), JET_errOutOfSessions);
}

TEST_F(JetParameterTest, MaxInstancesDefaultLimitsLiveInstances) {
  std::vector<JET_INSTANCE> live;
  for (int i = 0; i < 16; ++i) {
    const std::string name = "i" + std::to_string(i);
    live.push_back(Created(name.c_str()));
  }
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "seventeenth"), JET_errTooManyInstances);
  // JetInit(&nil) in multi-instance mode creates an instance too.
  inst = 0;
  const JET_ERR err = JetInit(&inst);
  if (err == JET_errSuccess) Track(inst);
  EXPECT_EQ(err, JET_errTooManyInstances);
  ASSERT_EQ(JetTerm(live.back()), JET_errSuccess);
  Created("seventeenth");
}

TEST_F(JetParameterTest, MaxInstancesRaisedAllowsMore) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 20, nullptr),
      JET_errSuccess);
  for (int i = 0; i < 20; ++i) {
    const std::string name = "i" + std::to_string(i);
    Created(name.c_str());
  }
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "twenty-first"), JET_errTooManyInstances);
  // Live instances: the same value is fine, another is not.
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 20, nullptr),
      JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16, nullptr),
      JET_errAlreadyInitialized);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 21, nullptr),
      JET_errAlreadyInitialized);
}

TEST_F(JetParameterTest, MaxInstancesUpperBoundIsExact) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 10240, nullptr),
      JET_errSuccess);
  std::vector<JET_INSTANCE> live;
  for (int i = 0; i < 10240; ++i) {
    const std::string name = "i" + std::to_string(i);
    JET_INSTANCE inst = 0;
    ASSERT_EQ(JetCreateInstance(&inst, name.c_str()), JET_errSuccess) << i;
    live.push_back(Track(inst));
  }
  JET_INSTANCE inst = 0;
  EXPECT_EQ(JetCreateInstance(&inst, "one too many"), JET_errTooManyInstances);
  // All of them are real instances.
  JET_INSTANCE first = live.front();
  ASSERT_EQ(JetInit(&first), JET_errSuccess);
  JET_INSTANCE last = live.back();
  ASSERT_EQ(JetInit(&last), JET_errSuccess);
  EXPECT_EQ(JetEndSession(Begin(live.back()), 0), JET_errSuccess);
}

TEST_F(JetParameterTest, MaxInstancesInOneInstanceMode) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  // The default instance lives: "While any instance lives".
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16, nullptr),
      JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 5, nullptr),
      JET_errAlreadyInitialized);
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxInstances, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 16U);
}

TEST_F(JetParameterTest, MaxInstancesWithNilTarget) {
  JET_INSTANCE zero = 0;
  JET_INSTANCE nil = JET_instanceNil;
  JET_API_PTR value = 0;
  EXPECT_EQ(JetSetSystemParameter(&zero, 0, JET_paramMaxInstances, 7, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetGetSystemParameter(JET_instanceNil, 0, JET_paramMaxInstances,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 7U);
  EXPECT_EQ(
      JetSetSystemParameter(&nil, 0, JET_paramMaxInstances, 10241, nullptr),
      JET_errInvalidParameter);
  EXPECT_EQ(JetSetSystemParameter(&nil, 0, JET_paramMaxInstances,
                                  ~JET_API_PTR{0}, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxInstances, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 7U);
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
  // contract: "While any instance lives: the same value -> Success,
  // another -> AlreadyInitialized." The contract orders this before the
  // range check only for MaxSessions; the literal reading of "another" takes
  // in out-of-range values too.
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

// JET_paramExtMaxSessionsCeiling: MaxSessions' setting rules, read as
// max(ceiling, MaxSessions); JetInit allocates room for it.
TEST_F(JetParameterTest, MaxSessionsCeiling) {
  JET_API_PTR value = 0;
  EXPECT_EQ(JetGetSystemParameter(0, 0, JET_paramExtMaxSessionsCeiling, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 16U) << "no ceiling set: MaxSessions";
  EXPECT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling,
                                  30001, nullptr),
            JET_errInvalidParameter);
  JET_INSTANCE inst = Created("ceiling");
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                  30001, nullptr),
            JET_errInvalidParameter);
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 10, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, 4,
                                  nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramExtMaxSessionsCeiling,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 10U) << "a ceiling below MaxSessions counts as MaxSessions";
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                  3000, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramExtMaxSessionsCeiling,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 3000U);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                  3000, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, 20,
                                  nullptr),
            JET_errAlreadyInitialized);
  // The capacity is MaxSessions; the ceiling is reported beside it, and the
  // slots stay below it.
  JET_EXTSESSIONSTATS stats{};
  stats.cbStruct = sizeof stats;
  ASSERT_EQ(JetExtGetSessionStats(inst, &stats), JET_errSuccess);
  EXPECT_EQ(stats.cMaxSessions, 10U);
  EXPECT_EQ(stats.cMaxSessionsCeiling, 3000U);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 10; ++i) {
    JET_SESID s = 0;
    ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess);
    unsigned long slot = 0;
    ASSERT_EQ(JetExtGetSessionSlot(s, &slot), JET_errSuccess);
    EXPECT_LT(slot, 3000U);
    open.push_back(s);
  }
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  for (const JET_SESID o : open) {
    ASSERT_EQ(JetEndSession(o, 0), JET_errSuccess);
  }
  // The process default, which new instances take.
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling,
                                  64, nullptr),
            JET_errSuccess);
  JET_INSTANCE other = Created("ceiling-default");
  EXPECT_EQ(JetGetSystemParameter(other, 0, JET_paramExtMaxSessionsCeiling,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 64U);
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling, 0,
                                  nullptr),
            JET_errSuccess);
}

TEST_F(JetParameterTest, UnknownParameter) {
  JET_INSTANCE inst = Running("a");
  JET_API_PTR value = 0;
  for (const unsigned long id :
       {0UL, 1UL, 4UL, 6UL, 103UL, 105UL, 10000UL, 10003UL, ~0UL}) {
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

TEST_F(JetParameterTest, UnknownParameterInEveryMode) {
  JET_API_PTR value = 0;
  // Neither mode, one-instance mode (0 is the default instance there).
  EXPECT_EQ(JetSetSystemParameter(nullptr, 0, 6, 1, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetGetSystemParameter(0, 0, 6, &value, nullptr, 0),
            JET_errInvalidParameter);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  JET_INSTANCE zero = 0;
  EXPECT_EQ(JetSetSystemParameter(&zero, 0, 6, 1, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(
      JetGetSystemParameter(JET_instanceNil, 0, 104 + 1, &value, nullptr, 0),
      JET_errInvalidParameter);
  // Through a session.
  const JET_SESID s = Begin(0);
  EXPECT_EQ(JetSetSystemParameter(nullptr, s, 7, 1, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetGetSystemParameter(0, s, 7, &value, nullptr, 0),
            JET_errInvalidParameter);
}

TEST_F(JetParameterTest, NullOutputFirst) {
  EXPECT_EQ(
      JetGetSystemParameter(0, 0, JET_paramMaxSessions, nullptr, nullptr, 0),
      JET_errInvalidParameter);
  // Even with a garbage sesid: only a NULL output is reported before it.
  EXPECT_EQ(JetGetSystemParameter(0, 12345, JET_paramMaxSessions, nullptr,
                                  nullptr, 0),
            JET_errInvalidParameter);
  // And with a live instance and an open session.
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxSessions, nullptr, nullptr, 0),
      JET_errInvalidParameter);
  EXPECT_EQ(
      JetGetSystemParameter(inst, s, JET_paramMaxSessions, nullptr, nullptr, 0),
      JET_errInvalidParameter);
  EXPECT_EQ(JetGetSystemParameter(inst, s, JET_paramMaxInstances, nullptr,
                                  nullptr, 0),
            JET_errInvalidParameter);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Stale sesid: still the NULL output first.
  EXPECT_EQ(
      JetGetSystemParameter(inst, s, JET_paramMaxSessions, nullptr, nullptr, 0),
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
  EXPECT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, JET_sesidNil, JET_paramMaxSessions, 16,
                                  nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetSetSystemParameter(&inst, JET_sesidNil, JET_paramMaxSessions, 9,
                                  nullptr),
            JET_errAlreadyInitialized);
  // contract: "gets JET_errInvalidSesid before any other check": a bad
  // sesid beats a bad paramid, a bad value, a bad instance handle.
  JET_INSTANCE garbage_instance = 0x5555;
  JET_INSTANCE zero = 0;
  for (const JET_SESID bad : {ended, JET_SESID{12345}}) {
    EXPECT_EQ(JetSetSystemParameter(&inst, bad, 9999, 1, nullptr),
              JET_errInvalidSesid);
    EXPECT_EQ(JetGetSystemParameter(inst, bad, 9999, &value, nullptr, 0),
              JET_errInvalidSesid);
    EXPECT_EQ(
        JetSetSystemParameter(&inst, bad, JET_paramMaxSessions, 30001, nullptr),
        JET_errInvalidSesid);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, bad, JET_paramMaxInstances, 0, nullptr),
        JET_errInvalidSesid);
    EXPECT_EQ(JetSetSystemParameter(&garbage_instance, bad,
                                    JET_paramMaxSessions, 16, nullptr),
              JET_errInvalidSesid);
    EXPECT_EQ(JetGetSystemParameter(garbage_instance, bad, JET_paramMaxSessions,
                                    &value, nullptr, 0),
              JET_errInvalidSesid);
    EXPECT_EQ(
        JetSetSystemParameter(&zero, bad, JET_paramMaxSessions, 16, nullptr),
        JET_errInvalidSesid);
    EXPECT_EQ(JetGetSystemParameter(JET_instanceNil, bad, JET_paramMaxInstances,
                                    &value, nullptr, 0),
              JET_errInvalidSesid);
  }
  // The process default did not change through any of it.
  EXPECT_EQ(GetMaxSessions(0), 16U);
}

TEST_F(JetParameterTest, SesidOfATerminatedInstance) {
  const JET_INSTANCE inst = Running("a", 4);
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  const JET_INSTANCE next = Running("a", 4);
  JET_INSTANCE target = next;
  JET_API_PTR value = 0;
  EXPECT_EQ(
      JetGetSystemParameter(next, s, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errInvalidSesid);
  EXPECT_EQ(JetSetSystemParameter(&target, s, JET_paramMaxSessions, 4, nullptr),
            JET_errInvalidSesid);
}

TEST_F(JetParameterTest, SesidOverridesANilOrNullTarget) {
  JET_INSTANCE inst = Running("running", 4);
  const JET_SESID s = Begin(inst);
  JET_API_PTR value = 0;
  // Without the session, 0 would read the process default (16).
  ASSERT_EQ(
      JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 4U);
  ASSERT_EQ(JetGetSystemParameter(JET_instanceNil, s, JET_paramMaxSessions,
                                  &value, nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 4U);
  // Without the session, NULL would set the process default; with it, the
  // call reaches the Running instance and another value is refused.
  EXPECT_EQ(JetSetSystemParameter(nullptr, s, JET_paramMaxSessions, 9, nullptr),
            JET_errAlreadyInitialized);
  JET_INSTANCE zero = 0;
  EXPECT_EQ(JetSetSystemParameter(&zero, s, JET_paramMaxSessions, 9, nullptr),
            JET_errAlreadyInitialized);
  EXPECT_EQ(GetMaxSessions(0), 16U);  // the process default is untouched
  // A session of a stopped instance is still open and still selects it.
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  ASSERT_EQ(JetGetSystemParameter(0x4242, s, JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 4U);
  // MaxInstances is process-wide: reachable through a session as well.
  ASSERT_EQ(
      JetGetSystemParameter(0, s, JET_paramMaxInstances, &value, nullptr, 0),
      JET_errSuccess);
  EXPECT_EQ(value, 16U);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, s, JET_paramMaxInstances, 16, nullptr),
      JET_errSuccess);
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, s, JET_paramMaxInstances, 17, nullptr),
      JET_errAlreadyInitialized);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
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
