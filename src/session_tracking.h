// session_tracking.h: the stamp that JET_paramExtSessionTracking makes a
// session's opener store in its slot (when and on which OS thread it
// began), and the coarse clock and thread id it is made of.
//
// Stamp layout (64 bits, one word of the slot):
//
//   63..29              28..7          6..0
//   +-------------------+--------------+-----------------+
//   | ms (35 bits)      | OS tid (22)  | generation (7)  |
//   +-------------------+--------------+-----------------+
//
// ms is CLOCK_MONOTONIC_COARSE in milliseconds, modulo 2^35 (about 397
// days): an age is a difference modulo 2^35, exact for sessions younger
// than that. The OS thread id fits 22 bits on Linux (PID_MAX_LIMIT is 2^22)
// and is never 0, so a stamp is never 0 (Reset() zeroes the stamps: "none").
// The generation's low 7 bits tie the stamp to the session that wrote it:
// a reader that finds another generation knows that the session's opener
// has not stamped it yet (a Begin between its claim and its stamp, or a
// session handed to a waiter that has not taken it yet).
//
// Thread safety: the functions are pure or read thread-local state.
// Progress: wait-free (a clock read, a thread-local read; the first call
// on a thread asks the kernel for its id).
// Lifetime: the cached thread id lives as long as its thread.
#ifndef JETSESSION_SRC_SESSION_TRACKING_H_
#define JETSESSION_SRC_SESSION_TRACKING_H_

#include <unistd.h>

#include <cstdint>
#include <ctime>

namespace jetsession::internal {

struct SessionStamp {
  static constexpr unsigned kTidShift = 7;
  static constexpr unsigned kMsShift = 29;
  static constexpr std::uint64_t kGenMask = (1ULL << kTidShift) - 1U;
  static constexpr std::uint64_t kTidMask = (1ULL << 22U) - 1U;
  static constexpr std::uint64_t kMsMask = (1ULL << 35U) - 1U;

  static std::uint64_t Make(std::uint64_t ms, std::uint32_t tid,
                            std::uint64_t gen) noexcept {
    return ((ms & kMsMask) << kMsShift) |
           ((std::uint64_t{tid} & kTidMask) << kTidShift) | (gen & kGenMask);
  }
  // True when `stamp` was written for the session of generation `gen`.
  static bool IsFor(std::uint64_t stamp, std::uint64_t gen) noexcept {
    return stamp != 0 && (stamp & kGenMask) == (gen & kGenMask);
  }
  static std::uint32_t TidOf(std::uint64_t stamp) noexcept {
    return static_cast<std::uint32_t>((stamp >> kTidShift) & kTidMask);
  }
  // Milliseconds from the stamp to `now_ms` (CoarseMillis()).
  static std::uint64_t AgeOf(std::uint64_t stamp,
                             std::uint64_t now_ms) noexcept {
    return (now_ms - (stamp >> kMsShift)) & kMsMask;
  }
};

// CLOCK_MONOTONIC_COARSE in milliseconds (a few ns through the vDSO; its
// resolution is the kernel tick, 1 to 4 ms).
inline std::uint64_t CoarseMillis() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000U +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000000U;
}

// The calling thread's OS thread id (gettid()), asked once per thread.
// Constant-initialized and initial-exec (see atomics.h's hint): one
// %fs-relative load, no guard and no __tls_get_addr call.
struct OsThread {
  static std::uint32_t Id() noexcept {
    std::uint32_t id = id_;
    if (id == 0) [[unlikely]] {
      id = static_cast<std::uint32_t>(gettid());
      id_ = id;
    }
    return id;
  }

 private:
  [[gnu::tls_model(
      "initial-exec")]] static inline thread_local std::uint32_t id_ = 0;
};
inline std::uint32_t OsThreadId() noexcept { return OsThread::Id(); }

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SESSION_TRACKING_H_
