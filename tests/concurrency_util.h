// concurrency_util.h: shared helpers of the concurrency tests.
#ifndef JETSESSION_TESTS_CONCURRENCY_UTIL_H_
#define JETSESSION_TESTS_CONCURRENCY_UTIL_H_

#include <jetsession/jet.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "absl/random/random.h"

namespace jetsession::testing {

// Threads per test: oversubscribed on purpose (this machine has 2 cores).
inline constexpr int kThreads = 8;

// Iterations are scaled down under ThreadSanitizer (several times slower)
// from this one constant.
#if defined(__SANITIZE_THREAD__)
inline constexpr int kScale = 2;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr int kScale = 2;
#else
inline constexpr int kScale = 1;
#endif
#else
inline constexpr int kScale = 1;
#endif

constexpr int Scaled(int iterations) { return iterations / kScale; }

// A deterministic per-thread generator: the seed is printed by the test.
inline absl::BitGen MakeGen(std::uint64_t seed, int thread) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed),
                    static_cast<std::uint32_t>(seed >> 32U),
                    static_cast<std::uint32_t>(thread)};
  return absl::BitGen(seq);
}

// Runs body(thread_index) on `threads` threads and joins them.
inline void RunThreads(int threads, const std::function<void(int)>& body) {
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back(body, t);
  for (auto& thread : pool) thread.join();
}

// An initialized instance that is terminated at scope exit.
class ScopedInstance {
 public:
  explicit ScopedInstance(unsigned long max_sessions,
                          const char* name = "concurrency") {
    if (JetCreateInstance(&handle_, name) != JET_errSuccess ||
        JetSetSystemParameter(&handle_, 0, JET_paramMaxSessions, max_sessions,
                              nullptr) != JET_errSuccess ||
        JetInit(&handle_) != JET_errSuccess) {
      handle_ = 0;
    }
  }
  ScopedInstance(const ScopedInstance&) = delete;
  ScopedInstance& operator=(const ScopedInstance&) = delete;
  ~ScopedInstance() { Terminate(); }

  JET_INSTANCE get() const { return handle_; }
  bool ok() const { return handle_ != 0; }
  JET_ERR Terminate() {
    const JET_ERR err = handle_ == 0 ? JET_errSuccess : JetTerm(handle_);
    handle_ = 0;
    return err;
  }

 private:
  JET_INSTANCE handle_ = 0;
};

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_CONCURRENCY_UTIL_H_
