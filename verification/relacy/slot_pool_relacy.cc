// slot_pool_relacy: the real SlotPool and InstanceCore code under Relacy,
// 2 threads: NoSpuriousFull over every schedule (exhaustive), the others
// over kIterations random schedules each (their retry and drain loops make
// the full schedule tree unbounded).
// Every atomic operation of the core is a Relacy scheduling point with its
// memory order (relacy_policy.h), so Relacy also checks the orders: a
// plain (rl::var) variable that two threads reach without a happens-before
// edge is a data race, which it reports.
//
// Tests (the model must pass every schedule):
//   NoSpuriousFull  capacity 2, two threads claim once each: both succeed,
//                   with distinct slots.
//   NoDoubleIssue   capacity 1, two threads claim and free twice: never two
//                   holders at once (a ghost count).
//   HandOff         capacity 1, two threads claim, write and read a plain
//                   per-slot payload, and free, twice: the claim's acquire
//                   orders each owner after the previous one (no race).
//   StopGating      InstanceCore: a Begin races a Stop; if the Begin
//                   succeeds, the Stop's thread, once Stop returned, counts
//                   its session (no Begin ordered after the Stop).
//   EndGating       InstanceCore: an End races an Unavailable; an End that
//                   starts after the Unavailable returned fails.
//   TermDrain       InstanceCore: an End races a Term (flag, then drain):
//                   the session ends exactly once (its generation moves by
//                   one), and the drain ends.
// Mutants (each must fail the test named with it), selected through the
// policy (src/atomics.h, Mutation):
//   kSpuriousFull   NoSpuriousFull  a claim that loses a CAS race says full
//   kClaimByStore   NoDoubleIssue   a claim by load + store
//   kRelaxedClaim   HandOff         relaxed where acquire is needed
//   kIgnoreClosed   StopGating      the state checked outside the claim
//   kNoEndRecheck   EndGating       End skips its re-check after the hold
// Exit status 0 when the model passes and every mutant fails; the failing
// schedules go to $RELACY_LOG (default /dev/null). argv[1], when given,
// runs only the tests whose names contain it. Build with
// -fno-sized-deallocation: Relacy replaces operator new and the unsized
// operator delete only, and a sized delete would free its memory with free().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "relacy_policy.h"  // the core, then Relacy

namespace jv = jetsession::verification;
namespace ji = jetsession::internal;
using jetsession::Error;

constexpr int kIterations = 100000;  // per random-schedule test

// Where Relacy writes its reports (RELACY_LOG, default /dev/null); opened
// once, before any simulation.
std::ofstream& Log() {
  static std::ofstream log([] {
    const char* path = std::getenv("RELACY_LOG");
    return std::string(path != nullptr ? path : "/dev/null");
  }());
  return log;
}

// Claim, then free as End does (enter the call, then free).
template <class Pool>
void EndSlot(Pool* pool, std::uint32_t slot) {
  const std::uint64_t control = pool->LoadControl(slot);
  RL_ASSERT(pool->TryEnterCall(slot, control));
  pool->Free(slot, control);
}

template <ji::Mutation kM>
struct NoSpuriousFull : rl::test_suite<NoSpuriousFull<kM>, 2> {
  using Pool = ji::SlotPool<jv::RelacyPolicy<kM>>;
  // Raw: Relacy abandons a failing iteration without after(); the pool of
  // such an iteration is leaked, never freed twice.
  Pool* pool = nullptr;
  rl::var<std::uint32_t> slot[2];
  void before() {
    pool = Pool::Create(2).release();
    pool->Reset(2, 0);
  }
  void thread(unsigned index) {
    const auto r = pool->Claim([] { return true; });
    RL_ASSERT(r.status == ji::ClaimStatus::kClaimed);
    slot[index]($) = r.slot;
  }
  void after() {
    RL_ASSERT(slot[0]($) != slot[1]($));
    std::unique_ptr<Pool> owner(pool);
  }
};

template <ji::Mutation kM>
struct NoDoubleIssue : rl::test_suite<NoDoubleIssue<kM>, 2> {
  using Pool = ji::SlotPool<jv::RelacyPolicy<kM>>;
  Pool* pool = nullptr;  // raw: see NoSpuriousFull
  rl::atomic<int> holders;
  void before() {
    pool = Pool::Create(1).release();
    pool->Reset(1, 0);
    holders($) = 0;
  }
  void thread(unsigned) {
    for (int i = 0; i < 2; ++i) {
      const auto r = pool->Claim([] { return true; });
      if (r.status != ji::ClaimStatus::kClaimed) {
        RL_ASSERT(r.status == ji::ClaimStatus::kFull);
        continue;
      }
      RL_ASSERT(holders($).fetch_add(1, rl::mo_relaxed) == 0);
      holders($).fetch_sub(1, rl::mo_relaxed);
      EndSlot(pool, r.slot);
    }
  }
  void after() { std::unique_ptr<Pool> owner(pool); }
};

template <ji::Mutation kM>
struct HandOff : rl::test_suite<HandOff<kM>, 2> {
  using Pool = ji::SlotPool<jv::RelacyPolicy<kM>>;
  Pool* pool = nullptr;       // raw: see NoSpuriousFull
  rl::var<unsigned> payload;  // plain data of the session on slot 0
  void before() {
    pool = Pool::Create(1).release();
    pool->Reset(1, 0);
    payload($) = 0;
  }
  void thread(unsigned index) {
    for (int i = 0; i < 2; ++i) {
      const auto r = pool->Claim([] { return true; });
      if (r.status != ji::ClaimStatus::kClaimed) continue;
      payload($) = index;  // the owner's work on its session
      RL_ASSERT(payload($) == index);
      EndSlot(pool, r.slot);
    }
  }
  void after() { std::unique_ptr<Pool> owner(pool); }
};

// An initialized InstanceCore of capacity `capacity` (raw: see
// NoSpuriousFull), with its incarnation's generation.
template <class Core>
Core* NewRunningCore(std::uint32_t capacity, std::uint64_t* gen) {
  Core* core = jv::NewObject<Core>();
  *gen = core->Create();
  RL_ASSERT(core->Init(capacity) == Error::kSuccess);
  return core;
}

template <ji::Mutation kM>
struct StopGating : rl::test_suite<StopGating<kM>, 2> {
  using Core = ji::InstanceCore<jv::RelacyPolicy<kM>>;
  Core* core = nullptr;
  std::uint64_t gen = 0;
  rl::var<bool> begun;
  rl::var<std::uint32_t> counted_after_stop;
  void before() {
    core = NewRunningCore<Core>(2, &gen);
    begun($) = false;
    counted_after_stop($) = 0;
  }
  void thread(unsigned index) {
    if (index == 0) {
      ji::OpenedSession opened;
      begun($) = core->Begin(gen, &opened) == Error::kSuccess;
    } else {
      core->SetFlag(Core::kStopped);
      counted_after_stop($) = core->Count();
    }
  }
  void after() {
    // A Begin that succeeded was ordered before the Stop: the Stop's
    // thread, after Stop returned, sees its session.
    RL_ASSERT(!begun($) || counted_after_stop($) == 1);
    jv::DeleteObject(core);
  }
};

template <ji::Mutation kM>
struct EndGating : rl::test_suite<EndGating<kM>, 2> {
  using Core = ji::InstanceCore<jv::RelacyPolicy<kM>>;
  Core* core = nullptr;
  std::uint64_t gen = 0;
  ji::OpenedSession session;
  rl::atomic<bool> unavailable_returned;
  void before() {
    core = NewRunningCore<Core>(1, &gen);
    RL_ASSERT(core->Begin(gen, &session) == Error::kSuccess);
    unavailable_returned($) = false;
  }
  void thread(unsigned index) {
    if (index == 0) {
      const bool after_unavailable =
          unavailable_returned($).load(rl::mo_seq_cst);
      const Error error = core->End(session.slot, session.gen);
      RL_ASSERT(!after_unavailable || error == Error::kInstanceUnavailable);
    } else {
      core->SetFlag(Core::kUnavailable);
      unavailable_returned($).store(true, rl::mo_seq_cst);
    }
  }
  void after() { jv::DeleteObject(core); }
};

template <ji::Mutation kM>
struct TermDrain : rl::test_suite<TermDrain<kM>, 2> {
  using Core = ji::InstanceCore<jv::RelacyPolicy<kM>>;
  Core* core = nullptr;
  std::uint64_t gen = 0;
  ji::OpenedSession session;
  rl::var<int> end_result;  // an Error (rl::var needs an integer)
  void before() {
    core = NewRunningCore<Core>(1, &gen);
    RL_ASSERT(core->Begin(gen, &session) == Error::kSuccess);
    end_result($) = 0;
  }
  void thread(unsigned index) {
    if (index == 0) {
      end_result($) = static_cast<int>(core->End(session.slot, session.gen));
    } else {
      core->SetFlag(Core::kTerminating);
      core->Drain();
    }
  }
  void after() {
    const auto e = static_cast<Error>(static_cast<int>(end_result($)));
    RL_ASSERT(e == Error::kSuccess || e == Error::kTermInProgress ||
              e == Error::kInvalidSesid);
    // Ended exactly once, by the End or by the drain: the handle is stale,
    // and another End on it says so.
    RL_ASSERT(core->End(session.slot, session.gen) == Error::kInvalidSesid);
    jv::DeleteObject(core);
  }
};

// Only the tests whose names contain this (argv[1]), when given.
const char* g_filter = nullptr;

template <class Test>
bool Run(const char* name, bool expect_pass, bool exhaustive = false) {
  if (g_filter != nullptr &&
      std::string(name).find(g_filter) == std::string::npos) {
    return true;
  }
  rl::test_params params;
  // Exhaustive where the schedule space is finite and small (no spin-wait
  // loop in it); random schedules elsewhere: the drain's and the pool's
  // retry loops make the full tree of the other tests unbounded.
  params.search_type = exhaustive ? rl::sched_full : rl::sched_random;
  params.iteration_count = kIterations;
  params.output_history = false;
  // A file stream, not a string stream: Relacy replaces the allocator while
  // it runs, and a string stream that grows then frees a buffer it did not
  // allocate ("double free or corruption"). The failing schedule of a
  // mutant goes to the log.
  params.output_stream = &Log();
  params.progress_stream = &Log();
  const bool passed = rl::simulate<Test>(params);
  std::printf("%-32s %-6s after %6llu schedules (%s%s)\n", name,
              passed ? "passed" : "FAILED",
              static_cast<unsigned long long>(params.stop_iteration),
              expect_pass ? "model" : "mutant: must fail",
              exhaustive ? ", exhaustive" : ", random");
  std::fflush(stdout);
  return passed == expect_pass;
}

int main(int argc, char** argv) {
  if (argc > 1) g_filter = argv[1];
  using M = ji::Mutation;
  int wrong = 0;
  const auto expect = [&wrong](bool ok) { wrong += ok ? 0 : 1; };
  expect(Run<NoSpuriousFull<M::kNone>>("NoSpuriousFull", true, true));
  expect(Run<NoDoubleIssue<M::kNone>>("NoDoubleIssue", true));
  expect(Run<HandOff<M::kNone>>("HandOff", true));
  expect(Run<StopGating<M::kNone>>("StopGating", true));
  expect(Run<EndGating<M::kNone>>("EndGating", true));
  expect(Run<TermDrain<M::kNone>>("TermDrain", true));
  expect(Run<NoSpuriousFull<M::kSpuriousFull>>("NoSpuriousFull[spurious-full]",
                                               false));
  expect(Run<NoDoubleIssue<M::kClaimByStore>>("NoDoubleIssue[claim-by-store]",
                                              false));
  expect(Run<HandOff<M::kRelaxedClaim>>("HandOff[relaxed-claim]", false));
  expect(Run<StopGating<M::kIgnoreClosed>>("StopGating[ignore-closed]", false));
  expect(Run<EndGating<M::kNoEndRecheck>>("EndGating[no-end-recheck]", false));
  std::printf("relacy: %s\n", wrong == 0
                                  ? "model verified, 5 of 5 mutants caught"
                                  : "UNEXPECTED RESULT");
  return wrong == 0 ? 0 : 1;
}
