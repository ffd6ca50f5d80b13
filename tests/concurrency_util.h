// concurrency_util.h: the fixed thread count, iteration scale and seeded
// generators of concurrency_stress_test.cc and
// concurrency_linearizability_test.cc, on top of concurrency_test_util.h
// (whose RunThreads and ScopedInstance they use).
#ifndef JETSESSION_TESTS_CONCURRENCY_UTIL_H_
#define JETSESSION_TESTS_CONCURRENCY_UTIL_H_

#include <jetsession/jet.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "concurrency_test_util.h"

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

// Threads started together, and instances terminated at scope exit: the
// helpers of concurrency_test_util.h.
using concurrency_test::RunThreads;
using concurrency_test::ScopedInstance;

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_CONCURRENCY_UTIL_H_
