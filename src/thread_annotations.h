// thread_annotations.h: clang's thread-safety annotations, from Abseil when
// the build has it, else empty.
//
// The library needs nothing of Abseil but these macros, which only feed
// clang's -Wthread-safety analysis: a project that pulls jetsession in with
// add_subdirectory and has no Abseil gets the same code, unchecked.
// JETSESSION_HAVE_ABSL is set by CMakeLists.txt when Abseil was found.
#ifndef JETSESSION_SRC_THREAD_ANNOTATIONS_H_
#define JETSESSION_SRC_THREAD_ANNOTATIONS_H_

#ifdef JETSESSION_HAVE_ABSL
#include "absl/base/thread_annotations.h"
#else
#define ABSL_LOCKABLE
#define ABSL_SCOPED_LOCKABLE
#define ABSL_EXCLUSIVE_LOCK_FUNCTION(...)
#define ABSL_UNLOCK_FUNCTION(...)
#define ABSL_EXCLUSIVE_LOCKS_REQUIRED(...)
#define ABSL_GUARDED_BY(x)
#define ABSL_PT_GUARDED_BY(x)
#define ABSL_LOCKS_EXCLUDED(...)
#define ABSL_LOCK_RETURNED(x)
#endif

#endif  // JETSESSION_SRC_THREAD_ANNOTATIONS_H_
