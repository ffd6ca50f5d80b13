// mutex.h: a std::mutex with thread-safety annotations.
//
// The registry's lock. std::mutex rather than absl::Mutex because Debian's
// prebuilt Abseil is not built with ThreadSanitizer, which then reports
// false races inside absl::Mutex; the annotations keep clang's
// -Wthread-safety analysis on the fields it guards.
#ifndef JETSESSION_SRC_MUTEX_H_
#define JETSESSION_SRC_MUTEX_H_

#include <mutex>

#include "thread_annotations.h"

namespace jetsession::internal {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mutex_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex)
      : mutex_(mutex) {
    mutex_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->Unlock(); }

 private:
  Mutex* const mutex_;
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_MUTEX_H_
