/* c99_api_test: the C API from strict C99 (-std=c99 -pedantic-errors). */
#include <jetsession/jet.h>
#include <stdio.h>
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
int main(void) {
  int fails = 0;
  JET_INSTANCE inst = 0;
  JET_SESID s[5], d;
  unsigned long n;
  int i;
  CHECK(JetCreateInstance(&inst, "a"), JET_errSuccess);
  CHECK(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 4, NULL),
        JET_errSuccess);
  CHECK(JetBeginSession(inst, &s[0], 0, 0), JET_errNotInitialized);
  CHECK(JetInit(&inst), JET_errSuccess);
  for (i = 0; i < 4; i++)
    CHECK(JetBeginSession(inst, &s[i], 0, 0), JET_errSuccess);
  CHECK(JetBeginSession(inst, &s[4], 0, 0), JET_errOutOfSessions);
  CHECK(JetExtGetSessionCount(inst, &n), JET_errSuccess);
  if (n != 4) {
    printf("count %lu\n", n);
    fails++;
  }
  CHECK(JetEndSession(s[0], 0), JET_errSuccess);
  CHECK(JetEndSession(s[0], 0), JET_errInvalidSesid);
  CHECK(JetDupSession(s[1], &d), JET_errSuccess);
  {
    JET_SESID e;
    CHECK(JetDupSession(s[1], &e), JET_errOutOfSessions);
    if (e != JET_sesidNil) fails++;
  }
  CHECK(JetSetSessionContext(d, 42), JET_errSuccess);
  CHECK(JetEndSession(d, 0), JET_errSessionInUse);
  CHECK(JetResetSessionContext(d), JET_errSuccess);
  CHECK(JetEndSession(d, 0), JET_errSuccess);
  CHECK(JetStopServiceInstance(inst), JET_errSuccess);
  CHECK(JetBeginSession(inst, &s[0], 0, 0),
        JET_errClientRequestToStopJetService);
  CHECK(JetEndSession(s[1], 0), JET_errSuccess);
  CHECK(JetTerm2(inst, 0x100), JET_errInvalidGrbit);
  CHECK(JetTerm(inst), JET_errSuccess);
  CHECK(JetEndSession(s[2], 0), JET_errInvalidSesid);
  CHECK(JetTerm(inst), JET_errInvalidInstance);
  CHECK(JetBeginSession(0, &s[0], 0, 0), JET_errInvalidParameter);
  inst = 0;
  CHECK(JetInit(&inst), JET_errSuccess);
  CHECK(JetCreateInstance(&d, "x"), JET_errRunningInOneInstanceMode);
  CHECK(JetBeginSession(0, &s[0], 0, 0), JET_errSuccess);
  CHECK(JetStopService(), JET_errSuccess);
  CHECK(JetTerm2(0, JET_bitTermDirty), JET_errDirtyShutdown);
  CHECK(JetEndSession(s[0], 0), JET_errInvalidSesid);
  CHECK(JetStopService(), JET_errInvalidParameter);
  printf("%d failures\n", fails);
  return fails != 0;
}
