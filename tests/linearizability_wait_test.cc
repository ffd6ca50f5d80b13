// The linearizability checker's model of waiting for a session
// (linearizability.h, "Waiting for a session"), on hand-written histories:
// each history that breaks the contract (a later waiter served first, a
// Begin that jumps the queue, a timeout that answers OutOfSessions beside a
// free slot or before its deadline, a session taken after a Stop, a drain
// before the waiters left) is rejected, next to a correct one that is
// accepted. No threads: the recorded concurrent histories that use this
// model are those of concurrency_linearizability_test.cc and
// concurrency_lifecycle_histories_test.cc.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "jetsession/error.h"
#include "linearizability.h"

namespace jetsession::testing {
namespace {

constexpr Error kOk = Error::kSuccess;
constexpr Error kFull = Error::kOutOfSessions;
constexpr long kForever = -1;

Op Begin(std::uint64_t call, std::uint64_t ret, Error result, int out) {
  Op op{};
  op.kind = OpKind::kBegin;
  op.call = call;
  op.ret = ret;
  op.result = result;
  op.out = out;
  return op;
}

Op End(std::uint64_t call, std::uint64_t ret, int session, Error result = kOk) {
  Op op{};
  op.kind = OpKind::kEnd;
  op.call = call;
  op.ret = ret;
  op.arg = session;
  op.result = result;
  return op;
}

// A waiting Begin of `timeout` (kForever: none; > 0: finite, its deadline
// at the stamp `deadline`), seen queued before `queued_by` (0: not seen).
Op Wait(std::uint64_t call, std::uint64_t ret, Error result, int out,
        long timeout = kForever, std::uint64_t deadline = 0,
        std::uint64_t queued_by = 0) {
  Op op{};
  op.kind = OpKind::kBeginWait;
  op.call = call;
  op.ret = ret;
  op.result = result;
  op.out = out;
  op.value = timeout;
  op.deadline = deadline;
  op.queued_by = queued_by;
  return op;
}

Op Flag(OpKind kind, std::uint64_t call, std::uint64_t ret) {
  Op op{};
  op.kind = kind;
  op.call = call;
  op.ret = ret;
  op.result = kOk;
  return op;
}

bool Linearizable(int capacity, const std::vector<Op>& history) {
  return LinearizabilityChecker(capacity).Check(history);
}

// Capacity 1, session 0 open; W1 queues (seen queued by 4), then W2
// (seen by 7); the End of session 0 must go to W1.
TEST(LinearizabilityWaitTest, GrantsGoInQueueOrder) {
  const std::vector<Op> fifo = {
      Begin(0, 1, kOk, 0),
      Wait(2, 12, kOk, 1, kForever, 0, /*queued_by=*/4),
      Wait(5, 20, kOk, 2, kForever, 0, /*queued_by=*/7),
      End(10, 11, 0),  // hands session 0's slot to W1
      End(13, 14, 1),  // W1 ends: to W2
  };
  EXPECT_TRUE(Linearizable(1, fifo));

  // Not first come, first served: the later waiter W2 is served by the
  // first End while W1, queued before W2 called, still waits.
  std::vector<Op> h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 20, kOk, 1, kForever, 0, /*queued_by=*/4),
      Wait(5, 12, kOk, 2, kForever, 0, /*queued_by=*/7),
      End(10, 11, 0),
      End(13, 14, 2),  // W2 ends: to W1
  };
  EXPECT_FALSE(Linearizable(1, h));
  // Without the pins the same calls and returns are explained: W1 may
  // have queued only after W2 was served (a blocked call shows nothing).
  h[1].queued_by = 0;
  h[2].queued_by = 0;
  EXPECT_TRUE(Linearizable(1, h));
  // W2's pin alone does not order them either; W1's does.
  h[1].queued_by = 4;
  EXPECT_FALSE(Linearizable(1, h));
}

// No Begin that starts after a waiter queued gets a session while it waits.
TEST(LinearizabilityWaitTest, NoBeginJumpsTheQueue) {
  // W1 queued by 4; session 0 ends at [10, 11]; a plain Begin after the
  // End gets the session, and W1 times out with the pool full.
  std::vector<Op> h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 40, kFull, -1, 5, /*deadline=*/30, /*queued_by=*/4),
      End(10, 11, 0),
      Begin(12, 13, kOk, 1),
  };
  EXPECT_FALSE(Linearizable(1, h));
  // The Begin answers OutOfSessions and W1 gets the session: fine.
  h[1].result = kOk;
  h[1].out = 2;
  h[3] = Begin(12, 13, kFull, -1);
  EXPECT_TRUE(Linearizable(1, h));
  // Not seen queued, W1 may have queued after that Begin: the same calls
  // and returns are explained.
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 40, kFull, -1, 5, /*deadline=*/30),
      End(10, 11, 0),
      Begin(12, 13, kOk, 1),
  };
  EXPECT_TRUE(Linearizable(1, h));
  // A waiting Begin that calls after W1 queued does not get the session
  // first either (it queues behind W1).
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 30, kOk, 1, kForever, 0, /*queued_by=*/4),
      Wait(5, 12, kOk, 2, /*timeout=*/0),  // no wait: the plain call
      End(8, 9, 0),
  };
  EXPECT_FALSE(Linearizable(1, h));
  h[2].result = kFull;
  h[2].out = -1;
  EXPECT_TRUE(Linearizable(1, h));
}

// A timed-out wait answers OutOfSessions only if the pool was full at a
// point after its deadline.
TEST(LinearizabilityWaitTest, TimeoutsAreExact) {
  // Capacity 1: session 0 ends at [10, 11], before W's deadline (20);
  // nothing takes the slot, yet W answers OutOfSessions at 30.
  std::vector<Op> h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 30, kFull, -1, 5, /*deadline=*/20),
      End(10, 11, 0),
  };
  EXPECT_FALSE(Linearizable(1, h));
  // ... with W seen queued: the End hands it the session: not OutOfSessions.
  h[1].queued_by = 4;
  EXPECT_FALSE(Linearizable(1, h));
  h[1].result = kOk;
  h[1].out = 1;
  EXPECT_TRUE(Linearizable(1, h));
  // The End overlaps the deadline: the timeout may come before it.
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 30, kFull, -1, 5, /*deadline=*/20),
      End(19, 25, 0),
  };
  EXPECT_TRUE(Linearizable(1, h));
  // ... not once the End returned before the deadline stamp.
  h[2] = End(18, 19, 0);
  EXPECT_FALSE(Linearizable(1, h));
  // Another Begin took the slot: the pool is full after the deadline.
  h.push_back(Begin(21, 22, kOk, 1));
  EXPECT_TRUE(Linearizable(1, h));
  // A wait that answers OutOfSessions before its deadline, on a full pool.
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 15, kFull, -1, 5, /*deadline=*/20),
  };
  EXPECT_FALSE(Linearizable(1, h));
  h[1].ret = 21;
  EXPECT_TRUE(Linearizable(1, h));
  // A wait with no limit never answers OutOfSessions.
  h[1].value = kForever;
  EXPECT_FALSE(Linearizable(1, h));
}

// Nothing is lost: a waiter served needs an End (or a free slot) in its
// window.
TEST(LinearizabilityWaitTest, AServedWaiterNeedsAFreedSlot) {
  std::vector<Op> h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 10, kOk, 1),
  };
  EXPECT_FALSE(Linearizable(1, h));
  EXPECT_TRUE(Linearizable(2, h));  // a slot free: served at once
  h.push_back(End(5, 6, 0));
  EXPECT_TRUE(Linearizable(1, h));
  // One End serves one waiter.
  h.push_back(Wait(3, 11, kOk, 2));
  EXPECT_FALSE(Linearizable(1, h));
}

// Stop, Unavailable and Term wake the waiters with their error; a session
// handed over after the flag is not taken.
TEST(LinearizabilityWaitTest, FlagsEndTheWait) {
  std::vector<Op> h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 10, Error::kClientRequestToStopJetService, -1),
      Flag(OpKind::kStop, 5, 6),
  };
  EXPECT_TRUE(Linearizable(1, h));
  h[1].result = Error::kInstanceUnavailable;  // not the flag that was set
  EXPECT_FALSE(Linearizable(1, h));
  // A waiter queued by 3 takes a session handed by an End called after
  // the Stop returned: not allowed (the library's Accept() looks at the
  // state and ends it again).
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 20, kOk, 1, kForever, 0, /*queued_by=*/3),
      Flag(OpKind::kStop, 5, 6),
      End(7, 8, 0),
  };
  EXPECT_FALSE(Linearizable(1, h));
  h[1].result = Error::kClientRequestToStopJetService;
  h[1].out = -1;
  EXPECT_TRUE(Linearizable(1, h));
  // ... and the End that overlaps the Stop may hand it over before it.
  h[3] = End(4, 8, 0);
  h[1].result = kOk;
  h[1].out = 1;
  EXPECT_TRUE(Linearizable(1, h));
  // Term: the waiter answers TermInProgress, and leaves before the drain
  // (JetTerm waits for it); not before the flag.
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 8, Error::kTermInProgress, -1, kForever, 0, /*queued_by=*/3),
      Flag(OpKind::kTerm, 4, 5),
      Flag(OpKind::kTermDrain, 6, 9),
  };
  EXPECT_TRUE(Linearizable(1, h));
  h[1].ret = 3;
  h[1].queued_by = 0;
  EXPECT_FALSE(Linearizable(1, h));
  // A waiter that holds a session handed to it before the flag: the drain
  // force-ends it after the waiter took it.
  h = {
      Begin(0, 1, kOk, 0),
      Wait(2, 8, kOk, 1, kForever, 0, /*queued_by=*/3),
      End(4, 5, 0),
      Flag(OpKind::kTerm, 6, 7),
      Flag(OpKind::kTermDrain, 6, 9),
      End(10, 11, 1, Error::kInvalidSesid),
  };
  EXPECT_TRUE(Linearizable(1, h));
}

// A grant made before a flag is the waiter's: an End that returned Success
// before Unavailable (or a Stop) was called handed its session to the
// waiter queued then, who answers Success whenever it returns; answering
// the flag's error there is rejected. An End that overlaps Unavailable and
// succeeds is ordered before it (a later one is refused); one that
// overlaps a Stop may come after it, its grant gated.
TEST(LinearizabilityWaitTest, AGrantBeforeAFlagIsTheWaiters) {
  for (const OpKind flag : {OpKind::kUnavailable, OpKind::kStop}) {
    const Error error = flag == OpKind::kStop
                            ? Error::kClientRequestToStopJetService
                            : Error::kInstanceUnavailable;
    std::vector<Op> h = {
        Begin(0, 1, kOk, 0),
        Wait(2, 10, kOk, 1, kForever, 0, /*queued_by=*/3),
        End(4, 5, 0),
        Flag(flag, 6, 7),
    };
    EXPECT_TRUE(Linearizable(1, h));
    h[1].result = error;
    h[1].out = -1;
    EXPECT_FALSE(Linearizable(1, h))
        << "a waiter answered the flag's error after an End before it";
    // The End overlaps the flag and succeeds: ordered before Unavailable
    // (which refuses End); after a Stop it may come (its grant gated).
    h[2] = End(4, 8, 0);
    EXPECT_EQ(Linearizable(1, h), flag == OpKind::kStop);
    h[1].result = kOk;
    h[1].out = 1;
    EXPECT_TRUE(Linearizable(1, h));
  }
}

// A waiting Dup: queued like a Begin, on its source's instance; another
// call on the source meanwhile gets SessionSharingViolation.
TEST(LinearizabilityWaitTest, DupWaits) {
  Op begin0 = Begin(0, 1, kOk, 0);
  begin0.thread = 0;
  Op begin1 = Begin(0, 1, kOk, 1);
  begin1.thread = 1;
  Op dup{};
  dup.kind = OpKind::kDupWait;
  dup.call = 2;
  dup.ret = 10;
  dup.arg = 0;
  dup.result = kOk;
  dup.out = 2;
  dup.value = kForever;
  dup.thread = 0;
  Op end1 = End(5, 6, 1);
  end1.thread = 1;
  EXPECT_TRUE(Linearizable(2, {begin0, begin1, dup, end1}));
  EXPECT_FALSE(Linearizable(2, {begin0, begin1, dup}));
  Op other = End(3, 4, 0, Error::kSessionSharingViolation);
  other.thread = 1;
  EXPECT_TRUE(Linearizable(2, {begin0, begin1, dup, end1, other}));
}

}  // namespace
}  // namespace jetsession::testing
