// Memory accounting: the byte counts that the benchmarks report (against
// their memory target) add up, and stay within 64 bytes a session.
#include <cstddef>
#include <cstdint>

#include "gtest/gtest.h"
#include "instance_registry.h"
#include "slot_pool.h"

namespace jetsession::internal {
namespace {

using Registry = InstanceRegistry;
using Pool = SlotPool<StdAtomics>;

TEST(MemoryAccountingTest, AnInstanceIsItsRecordAndItsPool) {
  for (const std::uint32_t sessions : {1U, 16U, 30000U}) {
    EXPECT_EQ(Registry::BytesPerInstance(sessions),
              Registry::BytesPerInstanceRecord() + Pool::BytesFor(sessions))
        << sessions;
  }
}

TEST(MemoryAccountingTest, AtMost64BytesASessionAllIncluded) {
  constexpr std::uint32_t kSessions = 30000;
  const std::size_t bytes = Registry::BytesPerInstance(kSessions);
  // Every slot's own bytes are counted...
  EXPECT_GE(bytes, Registry::BytesPerInstanceRecord() +
                       std::size_t{kSessions} * Registry::BytesPerSlot());
  // ...and the whole instance stays within the target.
  EXPECT_LE(bytes, std::size_t{kSessions} * 64);
}

}  // namespace
}  // namespace jetsession::internal
