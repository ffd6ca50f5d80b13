// White-box tests of SlotPool (src/slot_pool.h): capacity edges, the
// versioned words, generations, closure and succession of pools.
#include "slot_pool.h"

#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace jetsession::internal {
namespace {

using Pool = SlotPool<StdAtomics>;

constexpr auto kAlwaysCurrent = [] { return true; };

// Claims until the pool says something other than kClaimed.
std::vector<ClaimResult> ClaimAll(Pool& pool, ClaimStatus* last) {
  std::vector<ClaimResult> claimed;
  for (;;) {
    const ClaimResult r = pool.Claim(kAlwaysCurrent);
    if (r.status != ClaimStatus::kClaimed) {
      *last = r.status;
      return claimed;
    }
    claimed.push_back(r);
  }
}

// Ends the session on `slot` as End does: enter the call, then free.
void EndSlot(Pool& pool, std::uint32_t slot) {
  const std::uint64_t control = pool.LoadControl(slot);
  EXPECT_TRUE(pool.TryEnterCall(slot, control));
  pool.Free(slot, control);
}

class SlotPoolCapacityTest : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(SlotPoolCapacityTest, ClaimsExactlyCapacityThenFull) {
  const std::uint32_t capacity = GetParam();
  auto pool = Pool::Create(capacity);
  ASSERT_NE(pool, nullptr);
  pool->Reset(capacity, 0);
  ClaimStatus last{};
  const auto claimed = ClaimAll(*pool, &last);
  EXPECT_EQ(last, ClaimStatus::kFull);
  ASSERT_EQ(claimed.size(), capacity);
  EXPECT_EQ(pool->CountClaimed(), capacity);
  std::set<std::uint32_t> slots;
  for (const auto& r : claimed) {
    EXPECT_LT(r.slot, capacity);
    slots.insert(r.slot);
  }
  EXPECT_EQ(slots.size(), capacity) << "a slot was issued twice";
  if (capacity == 0) return;
  // Free one: exactly one more claim succeeds, on that slot.
  const ClaimResult victim = claimed[claimed.size() / 2];
  EndSlot(*pool, victim.slot);
  EXPECT_EQ(pool->CountClaimed(), capacity - 1);
  const ClaimResult again = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(again.status, ClaimStatus::kClaimed);
  EXPECT_EQ(again.slot, victim.slot);
  EXPECT_NE(again.gen, victim.gen);
  EXPECT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kFull);
}

INSTANTIATE_TEST_SUITE_P(Edges, SlotPoolCapacityTest,
                         ::testing::Values(0U, 1U, 2U, 31U, 32U, 33U, 63U, 64U,
                                           65U, 1000U, 30000U));

TEST(SlotPoolTest, SupportsTwoToTheTwentySlots) {
  constexpr std::uint32_t kCapacity = Pool::kMaxCapacity;
  auto pool = Pool::Create(kCapacity);
  ASSERT_NE(pool, nullptr);
  pool->Reset(kCapacity, 0);
  ClaimStatus last{};
  EXPECT_EQ(ClaimAll(*pool, &last).size(), kCapacity);
  EXPECT_EQ(last, ClaimStatus::kFull);
  EXPECT_EQ(Pool::Create(kCapacity + 1), nullptr);
}

TEST(SlotPoolTest, ResetWithSmallerCapacityReservesTheRest) {
  auto pool = Pool::Create(100);
  ASSERT_NE(pool, nullptr);
  pool->Reset(5, 0);
  ClaimStatus last{};
  EXPECT_EQ(ClaimAll(*pool, &last).size(), 5U);
  EXPECT_EQ(last, ClaimStatus::kFull);
  EXPECT_EQ(pool->CountClaimed(), 5U);
}

TEST(SlotPoolTest, GenerationGrowsOnEveryEndAndOldHandlesStopMatching) {
  auto pool = Pool::Create(1);
  ASSERT_NE(pool, nullptr);
  pool->Reset(1, 0);
  std::vector<std::uint32_t> old_gens;
  for (int i = 0; i < 1000; ++i) {
    const ClaimResult r = pool->Claim(kAlwaysCurrent);
    ASSERT_EQ(r.status, ClaimStatus::kClaimed);
    const std::uint64_t control = pool->LoadControl(r.slot);
    EXPECT_TRUE(Pool::Matches(control, r.gen));
    for (const std::uint32_t old : old_gens) {
      ASSERT_FALSE(Pool::Matches(control, old));
    }
    ASSERT_TRUE(pool->TryEnterCall(r.slot, control));
    pool->Free(r.slot, control);
    EXPECT_FALSE(Pool::Matches(pool->LoadControl(r.slot), r.gen));
    old_gens.push_back(r.gen);
  }
}

TEST(SlotPoolTest, BusyFlagSerializesCalls) {
  auto pool = Pool::Create(1);
  ASSERT_NE(pool, nullptr);
  pool->Reset(1, 0);
  const ClaimResult r = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(r.status, ClaimStatus::kClaimed);
  const std::uint64_t control = pool->LoadControl(r.slot);
  ASSERT_TRUE(pool->TryEnterCall(r.slot, control));
  // A second caller with the same (now stale) expectation fails.
  EXPECT_FALSE(pool->TryEnterCall(r.slot, control));
  EXPECT_NE(pool->LoadControl(r.slot) & Pool::kBusy, 0U);
  pool->ExitCall(r.slot, control);
  EXPECT_EQ(pool->LoadControl(r.slot), control);
}

TEST(SlotPoolTest, ClosedForBeginStopsClaimsButNotFrees) {
  auto pool = Pool::Create(64);
  ASSERT_NE(pool, nullptr);
  pool->Reset(64, 0);
  const ClaimResult r = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(r.status, ClaimStatus::kClaimed);
  ASSERT_TRUE(pool->CloseAll(Pool::kClosedForBegin, kAlwaysCurrent));
  EXPECT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kClosed);
  EndSlot(*pool, r.slot);
  EXPECT_EQ(pool->CountClaimed(), 0U);
}

TEST(SlotPoolTest, ForceEndAllEndsOpenSessions) {
  auto pool = Pool::Create(8);
  ASSERT_NE(pool, nullptr);
  pool->Reset(8, 0);
  const ClaimResult r = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(r.status, ClaimStatus::kClaimed);
  const ClaimResult ended = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(ended.status, ClaimStatus::kClaimed);
  EndSlot(*pool, ended.slot);
  ASSERT_TRUE(pool->CloseAll(Pool::kClosedForBegin, kAlwaysCurrent));
  EXPECT_EQ(pool->CountClaimed(), 1U);
  // JetTerm's drain force-ends the open one and leaves the freed one.
  const std::uint64_t freed_control = pool->LoadControl(ended.slot);
  pool->ForceEndAll();
  EXPECT_FALSE(Pool::Matches(pool->LoadControl(r.slot), r.gen));
  EXPECT_EQ(pool->LoadControl(r.slot) & (Pool::kOpen | Pool::kBusy), 0U);
  EXPECT_EQ(pool->LoadControl(ended.slot), freed_control);
}

TEST(SlotPoolTest, StaleRevalidationStopsClaimAndClosure) {
  auto pool = Pool::Create(8);
  ASSERT_NE(pool, nullptr);
  pool->Reset(8, 0);
  const auto stale = [] { return false; };
  EXPECT_EQ(pool->Claim(stale).status, ClaimStatus::kStale);
  EXPECT_FALSE(pool->CloseAll(Pool::kClosedForBegin, stale));
  EXPECT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kClaimed);
}

TEST(SlotPoolTest, ResetOpensANewIncarnationWithFreshHandles) {
  auto pool = Pool::Create(4);
  ASSERT_NE(pool, nullptr);
  pool->Reset(4, 0);
  const ClaimResult r = pool->Claim(kAlwaysCurrent);
  ASSERT_EQ(r.status, ClaimStatus::kClaimed);
  ASSERT_TRUE(pool->CloseAll(Pool::kClosedForBegin, kAlwaysCurrent));
  pool->ForceEndAll();
  pool->Reset(4, 0);
  EXPECT_EQ(pool->CountClaimed(), 0U);
  ClaimStatus last{};
  for (const auto& again : ClaimAll(*pool, &last)) {
    EXPECT_FALSE(again.slot == r.slot && again.gen == r.gen);
  }
  EXPECT_EQ(last, ClaimStatus::kFull);
}

TEST(SlotPoolTest, SuccessorContinuesGenerations) {
  auto small = Pool::Create(2);
  ASSERT_NE(small, nullptr);
  small->Reset(2, 0);
  const ClaimResult r = small->Claim(kAlwaysCurrent);
  ASSERT_EQ(r.status, ClaimStatus::kClaimed);
  ASSERT_TRUE(small->CloseAll(Pool::kClosedForBegin, kAlwaysCurrent));
  small->ForceEndAll();
  auto big = Pool::Create(64);
  ASSERT_NE(big, nullptr);
  big->Succeed(std::move(small));
  big->Reset(64, 0);
  EXPECT_FALSE(Pool::Matches(big->LoadControl(r.slot), r.gen));
  ClaimStatus last{};
  for (const auto& again : ClaimAll(*big, &last)) {
    EXPECT_FALSE(again.slot == r.slot && again.gen == r.gen);
  }
}

// The verified-full flag answers OutOfSessions from the hint word alone; a
// free on another thread (whose hint is elsewhere) must clear it, so the
// next claim finds that slot instead of trusting a stale proof.
TEST(SlotPoolTest, FullProofIsClearedByAFreeOnAnotherThread) {
  constexpr std::uint32_t kCapacity = 32 * 40;
  auto pool = Pool::Create(kCapacity);
  ASSERT_NE(pool, nullptr);
  pool->Reset(kCapacity, 0);
  ClaimStatus last{};
  const auto claimed = ClaimAll(*pool, &last);
  ASSERT_EQ(claimed.size(), kCapacity);
  ASSERT_EQ(last, ClaimStatus::kFull);
  // Proven full: further claims say full again (from the flag).
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kFull);
  }
  for (const std::uint32_t victim : {7U, 600U, kCapacity - 1}) {
    std::thread other([&] {
      for (const auto& r : claimed) {
        if (r.slot == victim) {
          EndSlot(*pool, r.slot);
        }
      }
    });
    other.join();
    const ClaimResult again = pool->Claim(kAlwaysCurrent);
    ASSERT_EQ(again.status, ClaimStatus::kClaimed) << victim;
    EXPECT_EQ(again.slot, victim);
    EXPECT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kFull);
  }
}

TEST(SlotPoolTest, ContextStorage) {
  auto pool = Pool::Create(1);
  ASSERT_NE(pool, nullptr);
  pool->set_context(0, 7, 9);
  EXPECT_EQ(pool->context(0), 7U);
  EXPECT_EQ(pool->context_thread(0), 9U);
}

TEST(SlotPoolTest, AtMost64BytesPerSlot) {
  EXPECT_LE(Pool::BytesPerSlot(), 64U);
}

}  // namespace
}  // namespace jetsession::internal
