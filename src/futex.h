// futex.h: blocking on a 32-bit atomic, with a deadline.
//
// C++20's std::atomic::wait() has no timeout, and a caller of
// JetExtBeginSessionWait has one. On Linux this is the futex system call on
// the atomic's storage (as libstdc++'s own atomic::wait does); elsewhere a
// short sleep between loads, which keeps the same contract at a higher
// wake-up latency.
//
// Thread safety: any thread may wait or wake.
// Progress: FutexWait() blocks until the value differs from `expected`, a
// wake, the deadline, or a spurious wake-up; callers re-check in a loop.
// Memory ordering: none; the caller's atomic loads carry it.
#ifndef JETSESSION_SRC_FUTEX_H_
#define JETSESSION_SRC_FUTEX_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#endif

namespace jetsession::internal {

using WaitClock = std::chrono::steady_clock;

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// Blocks while `word` holds `expected`, at most until `deadline`.
inline void FutexWait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                      WaitClock::time_point deadline) noexcept {
  const auto left = deadline - WaitClock::now();
  if (left <= WaitClock::duration::zero()) return;
#if defined(__linux__)
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  timespec relative{};
  relative.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  relative.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  // The futex reads the word's storage (an atomic<uint32_t> is its value).
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  auto* const address = reinterpret_cast<std::uint32_t*>(&word);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg)
  syscall(SYS_futex, address, FUTEX_WAIT_PRIVATE, expected, &relative, nullptr,
          0);
#else
  (void)expected;
  (void)word;
  std::this_thread::sleep_for(
      std::min<WaitClock::duration>(left, std::chrono::milliseconds(1)));
#endif
}

// Wakes every thread blocked in FutexWait() on `word`.
inline void FutexWakeAll(std::atomic<std::uint32_t>& word) noexcept {
#if defined(__linux__)
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  auto* const address = reinterpret_cast<std::uint32_t*>(&word);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg)
  syscall(SYS_futex, address, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr,
          0);
#else
  (void)word;
#endif
}

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_FUTEX_H_
