// The pool's 16-byte pair (src/atomic_pair.h): the compare-exchange of both
// words, the load of both, and the halves' own operations on the same
// memory, alone and racing each other (ThreadSanitizer sees the halves'
// 8-byte operations and the 16-byte ones as atomic accesses).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "atomic_pair.h"

namespace jetsession::internal {
namespace {

TEST(AtomicPairTest, CompareExchangeReplacesBothWordsOrReportsThem) {
  AtomicPair<> pair;
  PairValue expected{0, 0};
  EXPECT_TRUE(pair.compare_exchange(expected, PairValue{1, 2}));
  EXPECT_EQ(pair.first().load(), 1U);
  EXPECT_EQ(pair.second().load(), 2U);

  // Either word differing fails, and reports the pair as it is.
  expected = PairValue{1, 3};
  EXPECT_FALSE(pair.compare_exchange(expected, PairValue{7, 7}));
  EXPECT_EQ(expected, (PairValue{1, 2}));
  expected = PairValue{0, 2};
  EXPECT_FALSE(pair.compare_exchange(expected, PairValue{7, 7}));
  EXPECT_EQ(expected, (PairValue{1, 2}));
  EXPECT_EQ(pair.load(), (PairValue{1, 2}));
}

TEST(AtomicPairTest, TheHalvesAreTheWordsOfThePair) {
  AtomicPair<> pair;
  pair.first().store(~0ULL);
  pair.second().fetch_add(5);
  EXPECT_EQ(pair.load(), (PairValue{~0ULL, 5}));
  PairValue expected{~0ULL, 5};
  EXPECT_TRUE(pair.compare_exchange(expected, PairValue{4, 1ULL << 63U}));
  EXPECT_EQ(pair.first().load(), 4U);
  EXPECT_EQ(pair.second().load(), 1ULL << 63U);
}

// Threads add to both words by 16-byte compare-exchanges while others add
// to one word by the half's fetch_add, and a reader checks that every load
// of the pair is a value some instant had: no step is lost, and the
// 16-byte steps keep the words in step.
TEST(AtomicPairTest, MixedSizeStepsLoseNothing) {
  constexpr int kSteps = 20000;
  AtomicPair<> pair;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kSteps; ++i) {
        PairValue p{pair.first().load(std::memory_order_relaxed),
                    pair.second().load(std::memory_order_relaxed)};
        while (
            !pair.compare_exchange(p, PairValue{p.first + 1, p.second + 1})) {
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kSteps; ++i) {
      pair.first().fetch_add(1ULL << 32U, std::memory_order_seq_cst);
    }
  });
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const PairValue p = pair.load();
      // The low halves move together; the first word's high half is the
      // other thread's count.
      EXPECT_EQ(p.first & 0xFFFF'FFFFULL, p.second);
    }
  });
  for (auto& thread : threads) thread.join();
  stop.store(true);
  reader.join();
  EXPECT_EQ(pair.load(), (PairValue{(std::uint64_t{kSteps} << 32U) + 2 * kSteps,
                                    2 * std::uint64_t{kSteps}}));
}

}  // namespace
}  // namespace jetsession::internal
