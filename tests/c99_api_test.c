/*
 * c99_api_test: the C API from strict C99 (-std=c99 -pedantic-errors): the
 * header's types, constants and signatures as C sees them, then the session
 * life cycle through every call. Prints each mismatch and returns nonzero
 * if there was any.
 */
#include <jetsession/jet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Compile-time checks in C99: a negative array size is an error. */
#define C99_STATIC_CHECK(name, cond) typedef char name[(cond) ? 1 : -1]
C99_STATIC_CHECK(err_is_4_bytes, sizeof(JET_ERR) == 4);
C99_STATIC_CHECK(err_is_signed, (JET_ERR)-1 < 0);
C99_STATIC_CHECK(grbit_is_4_bytes, sizeof(JET_GRBIT) == 4);
C99_STATIC_CHECK(grbit_is_unsigned, (JET_GRBIT)-1 > 0);
C99_STATIC_CHECK(sesid_is_pointer_sized, sizeof(JET_SESID) == sizeof(void*));
C99_STATIC_CHECK(sesid_is_unsigned, (JET_SESID)-1 > 0);
C99_STATIC_CHECK(instance_is_pointer_sized,
                 sizeof(JET_INSTANCE) == sizeof(void*));
C99_STATIC_CHECK(instance_is_unsigned, (JET_INSTANCE)-1 > 0);
C99_STATIC_CHECK(instance_nil, JET_instanceNil == UINTPTR_MAX);
C99_STATIC_CHECK(sesid_nil, JET_sesidNil == UINTPTR_MAX);
C99_STATIC_CHECK(param_max_sessions, JET_paramMaxSessions == 5);
C99_STATIC_CHECK(param_max_instances, JET_paramMaxInstances == 104);
C99_STATIC_CHECK(term_bits,
                 JET_bitTermComplete == 1 && JET_bitTermAbrupt == 2 &&
                     JET_bitTermStopBackup == 4 && JET_bitTermDirty == 8);
C99_STATIC_CHECK(
    error_values,
    JET_errSuccess == 0 && JET_errInvalidGrbit == -900 &&
        JET_errRestoreInProgress == -506 && JET_errTermInProgress == -1000 &&
        JET_errInvalidParameter == -1003 && JET_errOutOfMemory == -1011 &&
        JET_errNotInitialized == -1029 && JET_errAlreadyInitialized == -1030 &&
        JET_errInitInProgress == -1031 && JET_errTooManyActiveUsers == -1059 &&
        JET_errRunningInOneInstanceMode == -1080 &&
        JET_errRunningInMultiInstanceMode == -1081 &&
        JET_errSystemParamsAlreadySet == -1082 &&
        JET_errInstanceNameInUse == -1086 &&
        JET_errInstanceUnavailable == -1090 &&
        JET_errInvalidSesparamId == -1093 && JET_errOutOfSessions == -1101 &&
        JET_errInvalidSesid == -1104 && JET_errInvalidInstance == -1115 &&
        JET_errDirtyShutdown == -1116 && JET_errTooManyInstances == -1214 &&
        JET_errClientRequestToStopJetService == -1329 &&
        JET_errSessionSharingViolation == -1910 &&
        JET_errSessionContextAlreadySet == -1912 &&
        JET_errSessionContextNotSetByThisThread == -1913 &&
        JET_errSessionInUse == -1914);

static int fails = 0;

/* Compares a call's result with the expected one; counts mismatches. */
#define CHECK(e, want)                                                 \
  do {                                                                 \
    JET_ERR r_ = (e);                                                  \
    if (r_ != (want)) {                                                \
      printf("FAIL line %d: %s = %d want %d\n", __LINE__, #e, (int)r_, \
             (int)(want));                                             \
      fails++;                                                         \
    }                                                                  \
  } while (0)

/* Checks a condition; counts mismatches. */
#define EXPECT(cond)                                 \
  do {                                               \
    if (!(cond)) {                                   \
      printf("FAIL line %d: %s\n", __LINE__, #cond); \
      fails++;                                       \
    }                                                \
  } while (0)

/* The exact types: a pointer to a different type does not convert without
 * a cast, a constraint violation that -pedantic-errors makes an error. */
static void CheckTypesAndSignatures(void) {
  int32_t* err = (JET_ERR*)0;
  uintptr_t* ptr = (JET_API_PTR*)0;
  JET_API_PTR* inst = (JET_INSTANCE*)0;
  JET_API_PTR* ses = (JET_SESID*)0;
  uint32_t* grbit = (JET_GRBIT*)0;
  JET_ERR (*create)(JET_INSTANCE*, const char*) = JetCreateInstance;
  JET_ERR(*set)
  (JET_INSTANCE*, JET_SESID, unsigned long, JET_API_PTR, const char*) =
      JetSetSystemParameter;
  JET_ERR(*get)
  (JET_INSTANCE, JET_SESID, unsigned long, JET_API_PTR*, char*, unsigned long) =
      JetGetSystemParameter;
  JET_ERR (*init)(JET_INSTANCE*) = JetInit;
  JET_ERR(*begin)
  (JET_INSTANCE, JET_SESID*, const char*, const char*) = JetBeginSession;
  JET_ERR (*dup)(JET_SESID, JET_SESID*) = JetDupSession;
  JET_ERR (*end)(JET_SESID, JET_GRBIT) = JetEndSession;
  JET_ERR (*set_context)(JET_SESID, JET_API_PTR) = JetSetSessionContext;
  JET_ERR (*reset_context)(JET_SESID) = JetResetSessionContext;
  JET_ERR (*stop)(void) = JetStopService;
  JET_ERR (*stop_instance)(JET_INSTANCE) = JetStopServiceInstance;
  JET_ERR (*term)(JET_INSTANCE) = JetTerm;
  JET_ERR (*term2)(JET_INSTANCE, JET_GRBIT) = JetTerm2;
  JET_ERR (*begin_restore)(JET_INSTANCE) = JetExtBeginRestore;
  JET_ERR (*end_restore)(JET_INSTANCE) = JetExtEndRestore;
  JET_ERR (*unavailable)(JET_INSTANCE) = JetExtSetInstanceUnavailable;
  JET_ERR (*count)(JET_INSTANCE, unsigned long*) = JetExtGetSessionCount;
  JET_ERR (*slot_of)(JET_SESID, unsigned long*) = JetExtGetSessionSlot;
  JET_ERR (*stats)(JET_INSTANCE, JET_EXTSESSIONSTATS*) = JetExtGetSessionStats;
  (void)stats;
  (void)err;
  (void)ptr;
  (void)inst;
  (void)ses;
  (void)grbit;
  (void)create;
  (void)set;
  (void)get;
  (void)init;
  (void)begin;
  (void)dup;
  (void)end;
  (void)set_context;
  (void)reset_context;
  (void)stop;
  (void)stop_instance;
  (void)term;
  (void)term2;
  (void)begin_restore;
  (void)end_restore;
  (void)unavailable;
  (void)count;
  (void)slot_of;
}

/* A multi-instance life cycle. */
static void MultiInstance(void) {
  JET_INSTANCE inst = 0;
  JET_INSTANCE other = 0;
  JET_SESID s[5];
  JET_SESID d = 0;
  JET_SESID e = 0;
  JET_API_PTR value = 0;
  unsigned long n = 99;
  int i;

  CHECK(JetCreateInstance(NULL, "a"), JET_errInvalidParameter);
  CHECK(JetCreateInstance(&inst, "a"), JET_errSuccess);
  EXPECT(inst != 0 && inst != JET_instanceNil);
  CHECK(JetCreateInstance(&other, "a"), JET_errInstanceNameInUse);
  CHECK(JetInit(NULL), JET_errRunningInMultiInstanceMode);
  CHECK(JetStopService(), JET_errRunningInMultiInstanceMode);

  /* Parameters on a Created instance. */
  CHECK(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 30001, NULL),
        JET_errInvalidParameter);
  CHECK(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 4, NULL),
        JET_errSuccess);
  CHECK(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, NULL, 0),
        JET_errSuccess);
  EXPECT(value == 4);
  CHECK(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, NULL, NULL, 0),
        JET_errInvalidParameter);
  CHECK(JetGetSystemParameter(inst, 0, 12345UL, &value, NULL, 0),
        JET_errInvalidParameter);
  CHECK(JetBeginSession(inst, &s[0], 0, 0), JET_errNotInitialized);
  EXPECT(s[0] == JET_sesidNil);

  /* Restore extension. */
  CHECK(JetExtEndRestore(inst), JET_errInvalidParameter);
  CHECK(JetExtBeginRestore(inst), JET_errSuccess);
  CHECK(JetInit(&inst), JET_errRestoreInProgress);
  CHECK(JetBeginSession(inst, &s[0], 0, 0), JET_errRestoreInProgress);
  CHECK(JetExtEndRestore(inst), JET_errSuccess);

  /* Running. */
  CHECK(JetInit(&inst), JET_errSuccess);
  CHECK(JetInit(&inst), JET_errAlreadyInitialized);
  CHECK(JetExtBeginRestore(inst), JET_errAlreadyInitialized);
  CHECK(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 4, NULL),
        JET_errSuccess);
  CHECK(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 5, NULL),
        JET_errAlreadyInitialized);
  CHECK(JetBeginSession(inst, NULL, 0, 0), JET_errInvalidParameter);
  CHECK(JetBeginSession(0, &s[0], 0, 0), JET_errInvalidParameter);
  for (i = 0; i < 4; i++) {
    CHECK(JetBeginSession(inst, &s[i], "user", "password"), JET_errSuccess);
    EXPECT(s[i] != 0 && s[i] != JET_sesidNil);
  }
  CHECK(JetBeginSession(inst, &s[4], 0, 0), JET_errOutOfSessions);
  EXPECT(s[4] == JET_sesidNil);
  CHECK(JetExtGetSessionCount(inst, &n), JET_errSuccess);
  EXPECT(n == 4);
  for (i = 0; i < 4; i++) {
    unsigned long slot = 99;
    CHECK(JetExtGetSessionSlot(s[i], &slot), JET_errSuccess);
    EXPECT(slot < 4);
  }
  CHECK(JetGetSystemParameter(0, s[1], JET_paramMaxSessions, &value, NULL, 0),
        JET_errSuccess);
  EXPECT(value == 4);
  {
    JET_EXTSESSIONSTATS stats;
    memset(&stats, 0, sizeof stats);
    stats.cbStruct = sizeof stats;
    CHECK(JetExtGetSessionStats(inst, &stats), JET_errSuccess);
    EXPECT(stats.cMaxSessions == 4 && stats.cSessionsOpen == 4);
    EXPECT(stats.cSessionsBegun == 4 && stats.cSessionsEnded == 0);
    EXPECT(stats.cOutOfSessions == 1);
    stats.cbStruct = 4;
    CHECK(JetExtGetSessionStats(inst, &stats), JET_errInvalidParameter);
  }

  /* End and Dup. */
  CHECK(JetEndSession(s[0], 0), JET_errSuccess);
  CHECK(JetEndSession(s[0], 0), JET_errInvalidSesid);
  CHECK(JetDupSession(s[0], &d), JET_errInvalidSesid);
  EXPECT(d == JET_sesidNil);
  CHECK(JetDupSession(s[1], NULL), JET_errInvalidParameter);
  CHECK(JetDupSession(s[1], &d), JET_errSuccess);
  e = 0;
  CHECK(JetDupSession(s[1], &e), JET_errOutOfSessions);
  EXPECT(e == JET_sesidNil);

  /* Contexts. */
  CHECK(JetSetSessionContext(d, 0), JET_errInvalidParameter);
  CHECK(JetSetSessionContext(d, ~(JET_API_PTR)0), JET_errInvalidParameter);
  CHECK(JetResetSessionContext(d), JET_errSessionContextNotSetByThisThread);
  CHECK(JetSetSessionContext(d, 42), JET_errSuccess);
  CHECK(JetSetSessionContext(d, 43), JET_errSessionContextAlreadySet);
  CHECK(JetEndSession(d, 0), JET_errSessionInUse);
  CHECK(JetResetSessionContext(d), JET_errSuccess);
  CHECK(JetEndSession(d, 0xFFFFFFFFu), JET_errSuccess);

  /* Stop. */
  CHECK(JetStopServiceInstance(inst), JET_errSuccess);
  CHECK(JetStopServiceInstance(inst), JET_errSuccess);
  CHECK(JetBeginSession(inst, &s[0], 0, 0),
        JET_errClientRequestToStopJetService);
  CHECK(JetDupSession(s[1], &d), JET_errClientRequestToStopJetService);
  CHECK(JetEndSession(s[1], 0), JET_errSuccess);

  /* Unavailable, on a second instance. */
  CHECK(JetCreateInstance(&other, "b"), JET_errSuccess);
  CHECK(JetInit(&other), JET_errSuccess);
  CHECK(JetBeginSession(other, &e, 0, 0), JET_errSuccess);
  CHECK(JetExtSetInstanceUnavailable(other), JET_errSuccess);
  CHECK(JetBeginSession(other, &d, 0, 0), JET_errInstanceUnavailable);
  CHECK(JetDupSession(e, &d), JET_errInstanceUnavailable);
  CHECK(JetEndSession(e, 0), JET_errInstanceUnavailable);
  CHECK(JetTerm2(other, JET_bitTermDirty), JET_errDirtyShutdown);
  CHECK(JetEndSession(e, 0), JET_errInvalidSesid);

  /* Term. */
  CHECK(JetTerm2(inst, 0x10), JET_errInvalidGrbit);
  CHECK(JetTerm2(inst, 0x80000000u), JET_errInvalidGrbit);
  CHECK(JetTerm(inst), JET_errSuccess);
  CHECK(JetEndSession(s[2], 0), JET_errInvalidSesid);
  CHECK(JetSetSessionContext(s[3], 1), JET_errInvalidSesid);
  CHECK(JetTerm(inst), JET_errInvalidInstance);
  CHECK(JetBeginSession(inst, &s[0], 0, 0), JET_errInvalidInstance);
  CHECK(JetExtGetSessionCount(inst, &n), JET_errInvalidInstance);
  CHECK(JetStopServiceInstance(inst), JET_errInvalidInstance);

  /* No instance left. */
  CHECK(JetBeginSession(0, &s[0], 0, 0), JET_errInvalidParameter);
  CHECK(JetTerm(JET_instanceNil), JET_errInvalidParameter);
  CHECK(JetStopService(), JET_errInvalidParameter);
}

/* The one-instance mode. */
static void OneInstance(void) {
  JET_INSTANCE inst = 0;
  JET_INSTANCE x = 0;
  JET_SESID s = 0;
  JET_SESID t = 0;
  JET_API_PTR value = 0;

  /* The process default MaxSessions applies to the default instance. */
  CHECK(JetSetSystemParameter(NULL, 0, JET_paramMaxSessions, 2, NULL),
        JET_errSuccess);
  CHECK(JetInit(&inst), JET_errSuccess);
  EXPECT(inst != 0 && inst != JET_instanceNil);
  CHECK(JetInit(NULL), JET_errAlreadyInitialized);
  x = JET_instanceNil;
  CHECK(JetInit(&x), JET_errAlreadyInitialized);
  CHECK(JetCreateInstance(&x, "x"), JET_errRunningInOneInstanceMode);
  CHECK(JetGetSystemParameter(JET_instanceNil, 0, JET_paramMaxSessions, &value,
                              NULL, 0),
        JET_errSuccess);
  EXPECT(value == 2);
  CHECK(JetBeginSession(0, &s, 0, 0), JET_errSuccess);
  CHECK(JetBeginSession(JET_instanceNil, &t, 0, 0), JET_errSuccess);
  CHECK(JetDupSession(s, &x), JET_errOutOfSessions);
  CHECK(JetEndSession(t, 0), JET_errSuccess);
  CHECK(JetStopService(), JET_errSuccess);
  CHECK(JetBeginSession(inst, &t, 0, 0), JET_errClientRequestToStopJetService);
  CHECK(JetTerm2(0, JET_bitTermDirty), JET_errDirtyShutdown);
  CHECK(JetEndSession(s, 0), JET_errInvalidSesid);
  CHECK(JetStopService(), JET_errInvalidParameter);

  /* Back to neither mode; restore the default. */
  CHECK(JetSetSystemParameter(NULL, 0, JET_paramMaxSessions, 16, NULL),
        JET_errSuccess);
  CHECK(JetInit(NULL), JET_errSuccess);
  CHECK(JetTerm(0), JET_errSuccess);
}

int main(void) {
  CheckTypesAndSignatures();
  MultiInstance();
  OneInstance();
  CHECK(JetSetSystemParameter(NULL, 0, JET_paramMaxInstances, 16, NULL),
        JET_errSuccess);
  printf("%d failures\n", fails);
  return fails != 0;
}
