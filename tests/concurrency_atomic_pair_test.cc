// The pool's 16-byte pair (src/atomic_pair.h): the compare-exchange of both
// words, the load of both, the one-word writes and the halves' 8-byte
// loads, alone and racing each other. Under ThreadSanitizer, whose 16-byte
// atomics run under a lock of its own, the race below lost updates when the
// one-word writes were 8-byte RMWs of a half.
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

TEST(AtomicPairTest, OneWordWritesLeaveTheOtherWord) {
  AtomicPair<> pair;
  pair.store_first(~0ULL);
  pair.store_second(5);
  EXPECT_EQ(pair.load(), (PairValue{~0ULL, 5}));
  std::uint64_t expected = 4;
  EXPECT_FALSE(pair.compare_exchange_first(expected, 9));
  EXPECT_EQ(expected, ~0ULL);
  EXPECT_TRUE(pair.compare_exchange_first(expected, 9));
  expected = 5;
  EXPECT_TRUE(pair.compare_exchange_second(expected, 1ULL << 63U));
  EXPECT_EQ(pair.first().load(), 9U);
  EXPECT_EQ(pair.second().load(), 1ULL << 63U);
}

// Two threads add to both words by 16-byte compare-exchanges while a third
// adds to the first word's high half by one-word compare-exchanges, and a
// reader checks that every load of the pair is a value some instant had:
// no step is lost, and the 16-byte steps keep the words in step.
TEST(AtomicPairTest, OneWordAndTwoWordStepsLoseNothing) {
  constexpr std::uint64_t kSteps = 200000;
  AtomicPair<> pair;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t i = 0; i < kSteps; ++i) {
        PairValue p{pair.first().load(std::memory_order_relaxed),
                    pair.second().load(std::memory_order_relaxed)};
        while (
            !pair.compare_exchange(p, PairValue{p.first + 1, p.second + 1})) {
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (std::uint64_t i = 0; i < kSteps; ++i) {
      std::uint64_t f = pair.first().load(std::memory_order_relaxed);
      while (!pair.compare_exchange_first(f, f + (1ULL << 32U))) {
      }
    }
  });
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const PairValue p = pair.load();
      // The low halves move together; the first word's high half is the
      // third thread's count.
      EXPECT_EQ(p.first & 0xFFFF'FFFFULL, p.second);
    }
  });
  for (auto& thread : threads) thread.join();
  stop.store(true);
  reader.join();
  EXPECT_EQ(pair.load(), (PairValue{(kSteps << 32U) + 2 * kSteps, 2 * kSteps}));
}

}  // namespace
}  // namespace jetsession::internal
