// Where a claim goes: the search's spreading of threads over the pool
// (SlotPool::Claim(), MoveOn(), HintAfterFree()), white-box. Where a claim
// lands never changes whether it succeeds; these tests check that threads
// part where they would otherwise share a word, and that the spreading
// never misses a free slot.
#include <cstdint>
#include <thread>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "slot_pool.h"

namespace jetsession::internal {
namespace {

using Policy = WrappedPolicy<ClaimHookAtomic>;
using Pool = SlotPool<Policy>;
constexpr std::uint32_t kWord = Pool::kSlotsPerWord;
constexpr auto kAlwaysCurrent = [] { return true; };

// A pool of `words` open words.
std::unique_ptr<Pool> OpenPool(std::uint32_t words) {
  auto pool = Pool::Create(words * kWord);
  pool->Reset(words * kWord, 0);
  return pool;
}

// Claims one slot; the claim must succeed.
std::uint32_t ClaimOne(Pool& pool) {
  const ClaimResult r = pool.Claim(kAlwaysCurrent);
  EXPECT_EQ(r.status, ClaimStatus::kClaimed);
  return r.slot;
}

// Claims every slot of word `index` (its hint before each claim).
void FillWord(Pool& pool, std::uint32_t index) {
  for (std::uint32_t i = 0; i < kWord; ++i) {
    Policy::SetHint(index);
    EXPECT_EQ(ClaimOne(pool) / kWord, index);
  }
}

// Ends the session on `slot` as End does: enter the call, then free.
void EndSlot(Pool& pool, std::uint32_t slot) {
  const std::uint64_t control = pool.LoadControl(slot);
  EXPECT_TRUE(pool.TryEnterCall(slot, control));
  pool.Free(slot, control);
}

// Makes the next claim CAS fail once, as another thread's claim in the
// same word would.
void LoseNextClaimCas() {
  ClaimHook::before = [](std::atomic<std::uint64_t>& word,
                         std::uint64_t /*expected*/) {
    word.fetch_or(1ULL << (kWord - 1));  // another thread claims bit 31
  };
}

// Runs `body` on a fresh thread: its hint is its own, and so is its pass-over
// count (ThreadId() % kSpreadWays).
template <class Body>
void OnFreshThread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST(ClaimSpreadTest, AFullHintWordPassesOverWordsWithAFreeBit) {
  OnFreshThread([] {
    const auto passes =
        static_cast<std::uint32_t>(Policy::ThreadId() % Pool::kSpreadWays);
    auto pool = OpenPool(Pool::kSpreadWays + 2);
    FillWord(*pool, 0);
    Policy::SetHint(0);
    EXPECT_EQ(ClaimOne(*pool) / kWord, 1 + passes);
    EXPECT_EQ(Policy::PeekHint(), 1 + passes);
  });
}

TEST(ClaimSpreadTest, APassedOverWordIsTakenWhenNoneFollows) {
  OnFreshThread([] {
    auto pool = OpenPool(3);
    FillWord(*pool, 0);
    FillWord(*pool, 2);
    Policy::SetHint(0);
    // Word 1 has the only free bits, whatever the thread's pass-over count.
    for (std::uint32_t i = 0; i < kWord; ++i) {
      EXPECT_EQ(ClaimOne(*pool) / kWord, 1U);
    }
    EXPECT_EQ(pool->Claim(kAlwaysCurrent).status, ClaimStatus::kFull);
  });
}

TEST(ClaimSpreadTest, ALostCasMovesTheHintToTheNextWordWithAFreeBit) {
  auto pool = OpenPool(4);
  FillWord(*pool, 1);
  Policy::SetHint(0);
  LoseNextClaimCas();
  EXPECT_EQ(ClaimOne(*pool) / kWord, 0U);  // the claim itself stays
  EXPECT_FALSE(ClaimHook::before) << "the CAS was not lost";
  EXPECT_EQ(Policy::PeekHint(), 2U);  // word 1 is full
}

TEST(ClaimSpreadTest, ALostCasKeepsTheHintWhenNoOtherWordHasAFreeBit) {
  auto pool = OpenPool(3);
  FillWord(*pool, 1);
  FillWord(*pool, 2);
  Policy::SetHint(0);
  LoseNextClaimCas();
  EXPECT_EQ(ClaimOne(*pool) / kWord, 0U);
  EXPECT_EQ(Policy::PeekHint(), 0U);
}

TEST(ClaimSpreadTest, TheFastPathsLostCasSendsTheNextClaimOn) {
  auto pool = OpenPool(4);
  FillWord(*pool, 1);
  Policy::SetHint(0);
  LoseNextClaimCas();
  EXPECT_EQ(pool->TryClaimAtHint(kAlwaysCurrent).outcome,
            Pool::HintClaim::kContended);
  Pool::MarkContended();
  EXPECT_GE(Policy::PeekHint(), 4U) << "the fast path must decline now";
  EXPECT_EQ(ClaimOne(*pool) / kWord, 2U);
  EXPECT_EQ(Policy::PeekHint(), 2U);
}

TEST(ClaimSpreadTest, AFreeElsewhereKeepsAHintWordThatHasAFreeBit) {
  auto pool = OpenPool(3);
  Policy::SetHint(2);
  const std::uint32_t far = ClaimOne(*pool);
  ASSERT_EQ(far / kWord, 2U);
  Policy::SetHint(0);
  EndSlot(*pool, far);
  EXPECT_EQ(Policy::PeekHint(), 0U);
}

TEST(ClaimSpreadTest, AFreeElsewherePointsAFullHintWordAtTheFreedWord) {
  auto pool = OpenPool(3);
  Policy::SetHint(2);
  const std::uint32_t far = ClaimOne(*pool);
  FillWord(*pool, 0);
  EndSlot(*pool, far);
  EXPECT_EQ(Policy::PeekHint(), 2U);
  EXPECT_EQ(ClaimOne(*pool), far);  // the next Begin finds the freed bit
}

TEST(ClaimSpreadTest, AFullHintWordSendsTheSearchToAFreedBit) {
  auto pool = OpenPool(3);
  FillWord(*pool, 0);
  FillWord(*pool, 2);
  Policy::SetHint(1);
  std::uint32_t last = 0;
  for (std::uint32_t i = 0; i < kWord; ++i) last = ClaimOne(*pool);
  ASSERT_EQ(last / kWord, 1U);  // every slot is taken
  EndSlot(*pool, last);
  Policy::SetHint(0);  // full: the search goes on and finds the freed bit
  EXPECT_EQ(ClaimOne(*pool), last);
  EXPECT_EQ(Policy::PeekHint(), 1U);
}

}  // namespace
}  // namespace jetsession::internal
