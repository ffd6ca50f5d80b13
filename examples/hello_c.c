/* hello_c: an engine's session lifecycle through the C API. */
#include <jetsession/jet.h>
#include <stdio.h>

static int Check(const char* what, JET_ERR err, JET_ERR want) {
  if (err != want) {
    printf("%s: got %d, want %d\n", what, (int)err, (int)want);
    return 1;
  }
  return 0;
}

int main(void) {
  JET_INSTANCE inst = 0;
  JET_SESID sessions[3];
  JET_SESID extra = JET_sesidNil;
  unsigned long count = 0;
  int failures = 0;
  int i;

  failures += Check("create", JetCreateInstance(&inst, "hello_c"), 0);
  failures +=
      Check("param",
            JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 3, NULL), 0);
  failures += Check("init", JetInit(&inst), 0);
  for (i = 0; i < 3; ++i) {
    failures +=
        Check("begin", JetBeginSession(inst, &sessions[i], NULL, NULL), 0);
  }
  failures += Check("full", JetBeginSession(inst, &extra, NULL, NULL),
                    JET_errOutOfSessions);
  failures += Check("count", JetExtGetSessionCount(inst, &count), 0);
  failures += Check("end", JetEndSession(sessions[0], 0), 0);
  failures += Check("dup", JetDupSession(sessions[1], &extra), 0);
  failures +=
      Check("stale", JetEndSession(sessions[0], 0), JET_errInvalidSesid);
  failures += Check("stop", JetStopServiceInstance(inst), 0);
  failures += Check("stopped", JetDupSession(sessions[1], &sessions[0]),
                    JET_errClientRequestToStopJetService);
  failures += Check("term", JetTerm(inst), 0);
  failures += Check("after term", JetEndSession(extra, 0), JET_errInvalidSesid);
  printf("hello_c: %lu sessions at full, %d failures\n", count, failures);
  return failures == 0 ? 0 : 1;
}
