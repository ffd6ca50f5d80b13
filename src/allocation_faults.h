// allocation_faults.h: test-only injection of allocation failures.
//
// Every allocation the library makes (pools at JetInit, instance names at
// JetCreateInstance, the waiters' ring at an instance's first wait) first
// asks ShouldFail(), so that tests can prove that each failure path reports
// JET_errOutOfMemory (the ring's: the callers wait without a place in the
// queue) and leaks nothing. Production code never arms it; the check is one
// relaxed load on paths that allocate anyway (never on Begin/Dup/End).
//
// Thread safety: any thread may arm or check. Progress: wait-free.
// Invariant: at most `count` checks fail after an Arm(skip, count).
// Memory ordering: relaxed; a test arms it before the call it targets, on
// the same thread. Lifetime: static, for the process.
#ifndef JETSESSION_SRC_ALLOCATION_FAULTS_H_
#define JETSESSION_SRC_ALLOCATION_FAULTS_H_

#include <atomic>

namespace jetsession::internal {

class AllocationFaults {
 public:
  // The next `count` allocations after `skip` successful ones fail.
  static void Arm(int skip, int count) noexcept {
    // relaxed: see the file comment.
    Skip().store(skip, std::memory_order_relaxed);
    Fail().store(count, std::memory_order_relaxed);
  }
  static void Disarm() noexcept { Arm(0, 0); }

  // True when the allocation about to be made must fail.
  static bool ShouldFail() noexcept {
    // relaxed: see the file comment.
    if (Fail().load(std::memory_order_relaxed) == 0) return false;
    if (Skip().load(std::memory_order_relaxed) > 0) {
      Skip().fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    return Fail().fetch_sub(1, std::memory_order_relaxed) > 0;
  }

 private:
  // Allocations to let through before failing, then allocations to fail.
  static std::atomic<int>& Skip() noexcept {
    static std::atomic<int> skip{0};
    return skip;
  }
  static std::atomic<int>& Fail() noexcept {
    static std::atomic<int> fail{0};
    return fail;
  }
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_ALLOCATION_FAULTS_H_
