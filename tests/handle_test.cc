// Tests of the handle layout (src/handle.h).
#include "handle.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace jetsession::internal {
namespace {

TEST(HandleTest, InstanceRoundTripsAndIsNeverNil) {
  for (const std::uint32_t index : {0U, 1U, 63U, kMaxRecords - 1}) {
    for (const std::uint64_t gen : {1ULL, 2ULL, (1ULL << 48U) - 1}) {
      const JET_INSTANCE handle = MakeInstanceHandle({index, gen});
      EXPECT_NE(handle, 0U);
      EXPECT_NE(handle, JET_instanceNil);
      InstanceRef ref{};
      ASSERT_TRUE(DecodeInstanceHandle(handle, &ref));
      EXPECT_EQ(ref.index, index);
      EXPECT_EQ(ref.gen, gen);
    }
  }
}

TEST(HandleTest, TheFastSessionHandleIsTheSessionHandle) {
  for (const std::uint32_t index : {0U, 1U, kMaxRecords - 1}) {
    for (const std::uint64_t instance_gen : {1ULL, (1ULL << 48U) - 1}) {
      const JET_INSTANCE instance = MakeInstanceHandle({index, instance_gen});
      for (const std::uint32_t slot : {0U, 29999U, (1U << 20U) - 1}) {
        for (const std::uint32_t gen : {0U, 1U, (1U << 30U) - 1}) {
          const std::uint32_t control_low = gen << kControlGenShift;
          EXPECT_EQ(MakeSessionHandleFast(instance, slot, control_low),
                    MakeSessionHandle({index, slot, gen}));
        }
      }
    }
  }
}

TEST(HandleTest, SessionRoundTripsAndIsNeverNil) {
  for (const std::uint32_t index : {0U, kMaxRecords - 1}) {
    for (const std::uint32_t slot : {0U, 29999U, (1U << 20U) - 1}) {
      for (const std::uint32_t gen : {0U, 1U, (1U << 30U) - 1}) {
        const JET_SESID handle = MakeSessionHandle({index, slot, gen});
        EXPECT_NE(handle, 0U);
        EXPECT_NE(handle, JET_sesidNil);
        SessionRef ref{};
        ASSERT_TRUE(DecodeSessionHandle(handle, &ref));
        EXPECT_EQ(ref.index, index);
        EXPECT_EQ(ref.slot, slot);
        EXPECT_EQ(ref.gen, gen);
      }
    }
  }
}

TEST(HandleTest, NilAndOutOfRangeDecodeAsInvalid) {
  InstanceRef iref{};
  SessionRef sref{};
  EXPECT_FALSE(DecodeInstanceHandle(0, &iref));
  EXPECT_FALSE(DecodeInstanceHandle(JET_instanceNil, &iref));
  EXPECT_FALSE(DecodeInstanceHandle(kMaxRecords + 1, &iref));
  EXPECT_FALSE(DecodeInstanceHandle(1, &iref));  // generation 0
  EXPECT_FALSE(DecodeSessionHandle(0, &sref));
  EXPECT_FALSE(DecodeSessionHandle(JET_sesidNil, &sref));
  EXPECT_FALSE(DecodeSessionHandle(kMaxRecords + 1, &sref));
}

}  // namespace
}  // namespace jetsession::internal
