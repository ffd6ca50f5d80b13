// White-box tests of InstanceCore (src/instance_core.h): the state machine
// driven directly from C++, without the registry or the C layer, including
// capacities past the C API's 30000.
#include "instance_core.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

using Core = InstanceCore<StdAtomics>;

TEST(InstanceCoreTest, LifecycleAndStateErrors) {
  Core core;
  const std::uint64_t gen = core.Create();
  OpenedSession s;
  EXPECT_EQ(core.Begin(gen, &s), Error::kNotInitialized);
  EXPECT_EQ(core.Begin(gen + 1, &s), Error::kInvalidInstance);
  core.SetLifecycle(Core::kRestoring);
  EXPECT_EQ(core.Begin(gen, &s), Error::kRestoreInProgress);
  core.SetLifecycle(Core::kCreated);
  ASSERT_EQ(core.Init(4), Error::kSuccess);
  ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
  EXPECT_EQ(CountOf(core, gen), 1U);
  core.SetFlag(Core::kStopped);
  EXPECT_NE(core.LoadState() & Core::kStopClosed, 0U);
  OpenedSession t;
  EXPECT_EQ(core.Begin(gen, &t), Error::kClientRequestToStopJetService);
  EXPECT_EQ(core.Dup(s.slot, s.gen, &t), Error::kClientRequestToStopJetService);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kInvalidSesid);
  Terminate(core);
  EXPECT_EQ(core.Begin(gen, &t), Error::kInvalidInstance);
}

TEST(InstanceCoreTest, UnavailableBlocksEndAndTermForceEnds) {
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession s;
  ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
  core.SetFlag(Core::kUnavailable);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kInstanceUnavailable);
  OpenedSession t;
  EXPECT_EQ(core.Begin(gen, &t), Error::kInstanceUnavailable);
  EXPECT_EQ(CountOf(core, gen), 1U);
  Terminate(core);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kInvalidSesid);
}

TEST(InstanceCoreTest, StopBeforeInitClosesThePoolAtInit) {
  Core core;
  const std::uint64_t gen = core.Create();
  core.SetFlag(Core::kStopped);
  ASSERT_EQ(core.Init(8), Error::kSuccess);
  OpenedSession s;
  EXPECT_EQ(core.Begin(gen, &s), Error::kClientRequestToStopJetService);
  EXPECT_NE(core.LoadState() & Core::kStopClosed, 0U);
  Terminate(core);
}

TEST(InstanceCoreTest, ContextsAndSharing) {
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession s;
  ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 0), Error::kInvalidParameter);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 5), Error::kSuccess);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 6),
            Error::kSessionContextAlreadySet);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kSessionInUse);
  std::uint64_t control = 0;
  ASSERT_EQ(core.EnterCall(s.slot, s.gen, &control), Error::kSuccess);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kSessionSharingViolation);
  EXPECT_EQ(core.ResetContext(s.slot, s.gen), Error::kSessionSharingViolation);
  core.ExitCall(s.slot, control);
  EXPECT_EQ(core.ResetContext(s.slot, s.gen), Error::kSuccess);
  EXPECT_EQ(core.ResetContext(s.slot, s.gen),
            Error::kSessionContextNotSetByThisThread);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  Terminate(core);
}

TEST(InstanceCoreTest, OneMillionSessionsThenOutOfSessions) {
  constexpr std::uint32_t kCapacity = SlotPool<>::kMaxCapacity;
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(kCapacity), Error::kSuccess);
  OpenedSession s;
  for (std::uint32_t i = 0; i < kCapacity; ++i) {
    ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess) << i;
  }
  EXPECT_EQ(core.Begin(gen, &s), Error::kOutOfSessions);
  EXPECT_EQ(CountOf(core, gen), kCapacity);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
  Terminate(core);
}

TEST(InstanceCoreTest, HandlesOfEarlierIncarnationsStayInvalidAfterGrowth) {
  Core core;
  std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(3), Error::kSuccess);
  std::vector<OpenedSession> old(3);
  for (auto& s : old) ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
  Terminate(core);
  // Same capacity: the pool is reused; then a larger one replaces it.
  for (const std::uint32_t capacity : {3U, 500U}) {
    gen = core.Create();
    ASSERT_EQ(core.Init(capacity), Error::kSuccess);
    OpenedSession fresh;
    for (std::uint32_t i = 0; i < capacity; ++i) {
      ASSERT_EQ(core.Begin(gen, &fresh), Error::kSuccess);
    }
    for (const auto& s : old) {
      EXPECT_EQ(core.End(s.slot, s.gen), Error::kInvalidSesid);
      OpenedSession d;
      EXPECT_EQ(core.Dup(s.slot, s.gen, &d), Error::kInvalidSesid);
    }
    EXPECT_EQ(CountOf(core, gen), capacity);
    Terminate(core);
  }
}

}  // namespace
}  // namespace jetsession::internal
