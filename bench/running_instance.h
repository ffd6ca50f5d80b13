// running_instance.h: the benchmarks' set-up of an instance: created, its
// JET_paramMaxSessions set, initialized.
//
// Thread safety: as JetCreateInstance/JetInit (any thread). Lifetime: the
// instance lives until the caller terminates it (most benchmarks keep it
// for the life of the process).
#ifndef JETSESSION_BENCH_RUNNING_INSTANCE_H_
#define JETSESSION_BENCH_RUNNING_INSTANCE_H_

#include <jetsession/jet.h>

#include <cstdio>
#include <cstdlib>

namespace jetsession::bench {

// A Running instance named `name` with `max_sessions` sessions. A benchmark
// measures nothing without it, so a failure ends the process, with the
// error.
inline JET_INSTANCE RunningInstance(const char* name,
                                    unsigned long max_sessions) {
  JET_INSTANCE inst = 0;
  JET_ERR err = JetCreateInstance(&inst, name);
  if (err == JET_errSuccess) {
    err = JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, max_sessions,
                                nullptr);
  }
  if (err == JET_errSuccess) err = JetInit(&inst);
  if (err != JET_errSuccess) {
    std::fprintf(stderr,
                 "cannot set up the benchmark instance \"%s\" "
                 "(%lu sessions): error %ld\n",
                 name, max_sessions, static_cast<long>(err));
    std::exit(1);
  }
  return inst;
}

}  // namespace jetsession::bench

#endif  // JETSESSION_BENCH_RUNNING_INSTANCE_H_
