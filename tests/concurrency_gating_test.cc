// State gating under concurrency (the contract's "Concurrency guarantees"
// 3 and "Stopping and terminating"): JetStopServiceInstance and
// JetExtSetInstanceUnavailable while at least 8 threads hammer
// Begin/Dup/End, alone and racing each other. Term under load is in
// concurrency_term_test.cc.
//
// A call that starts after the gating call returned (a flag stored with
// release after the return, loaded with acquire before the call) must get
// the gate's error. So must one that starts after any thread got the gate's
// error from an earlier call (the gate is permanent and every call
// linearizable). Each test prints its op counts and its seed.
#include <jetsession/jet.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyGatingTest = ConcurrencyTest;

// Sessions a worker holds at most; the instances have 2 per thread, so
// OutOfSessions happens too.
constexpr std::size_t kMaxHeld = 3;

// ---------------------------------------------------------------------------
// One gate. Stop: End keeps working and the count reaches 0. Unavailable:
// End fails too, the sessions stay open (the count equals what the threads
// hold) until JetTerm force-ends them.
enum class Gate { kStop, kUnavailable };

struct GateRound {
  GateRound(Gate g, JET_INSTANCE inst, int threads)
      : unavailable(g == Gate::kUnavailable),
        gate_error(unavailable ? JET_errInstanceUnavailable
                               : JET_errClientRequestToStopJetService),
        instance(inst),
        held(static_cast<std::size_t>(threads)) {}

  // The gating call; then `gated` (release: pairs with the workers'
  // acquire before each call).
  void Close() {
    const JET_ERR err = unavailable ? JetExtSetInstanceUnavailable(instance)
                                    : JetStopServiceInstance(instance);
    failures.Expect(err == JET_errSuccess,
                    [&] { return "gating call -> " + ErrName(err); });
    gated.store(true, std::memory_order_release);
  }

  // A Begin, or a Dup of one of `mine`: before the gate, Success,
  // OutOfSessions or the gate's error; after it, the gate's error.
  void Open(std::vector<JET_SESID>& mine, absl::BitGen& gen, bool after) {
    JET_SESID s = JET_sesidNil;
    const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.4);
    const JET_ERR err = dup ? JetDupSession(mine[Pick(gen, mine.size())], &s)
                            : JetBeginSession(instance, &s, nullptr, nullptr);
    if (err == gate_error) gate_seen.store(true, std::memory_order_release);
    const bool ok =
        after
            ? err == gate_error
            : IsOneOf(err, {JET_errSuccess, JET_errOutOfSessions, gate_error});
    failures.Expect(ok, [&] {
      return absl::StrFormat("%s%s -> %s (gate %s)", dup ? "Dup" : "Begin",
                             after ? " started after the gate" : "",
                             ErrName(err), ErrName(gate_error));
    });
    if (err == JET_errSuccess) mine.push_back(s);
  }

  // An End of one of `mine`: Stop never blocks End; after Unavailable, End
  // gets the gate's error.
  void End(std::vector<JET_SESID>& mine, absl::BitGen& gen, bool after) {
    const std::size_t k = Pick(gen, mine.size());
    const JET_ERR err = JetEndSession(mine[k], 0);
    if (unavailable && err == gate_error) {
      gate_seen.store(true, std::memory_order_release);
    }
    const bool ok = !unavailable ? err == JET_errSuccess
                    : after      ? err == gate_error
                                 : IsOneOf(err, {JET_errSuccess, gate_error});
    failures.Expect(ok, [&] {
      return absl::StrFormat("End%s (gate %s) -> %s",
                             after ? " after the gate" : "",
                             ErrName(gate_error), ErrName(err));
    });
    if (err == JET_errSuccess) SwapErase(mine, k);
  }

  // Worker t: stops after `ops_after` calls started after the gating call
  // returned.
  void Hammer(int t, absl::BitGen& gen, long ops_after) {
    auto& mine = held[static_cast<std::size_t>(t)];
    long my_after = 0;
    for (long after_return = 0; after_return < ops_after;) {
      // acquire: pairs with the release stores after the gating call and
      // after a call that returned the gate error.
      const bool returned = gated.load(std::memory_order_acquire);
      const bool after = returned || gate_seen.load(std::memory_order_acquire);
      if (returned) ++after_return;
      if (after) ++my_after;
      if (mine.size() < kMaxHeld &&
          (mine.empty() || absl::Bernoulli(gen, 0.55))) {
        Open(mine, gen, after);
      } else {
        End(mine, gen, after);
      }
      ops.fetch_add(1, std::memory_order_relaxed);
    }
    after_ops += my_after;
  }

  // Quiescent: the gate is permanent and idempotent; the held sessions are
  // still open (Unavailable) or can be ended (Stop); Term ends them all.
  void ExpectGateHolds(ScopedInstance& scoped) {
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(instance, &s, nullptr, nullptr), gate_error);
    EXPECT_EQ(s, JET_sesidNil);
    EXPECT_EQ(unavailable ? JetExtSetInstanceUnavailable(instance)
                          : JetStopServiceInstance(instance),
              JET_errSuccess);
    const std::size_t still_open = TotalHeld(held);
    EXPECT_EQ(SessionCount(instance), still_open);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        JET_SESID d = 0;
        EXPECT_EQ(JetDupSession(h, &d), gate_error);
        EXPECT_EQ(JetEndSession(h, 0),
                  unavailable ? gate_error : JET_errSuccess);
      }
    }
    EXPECT_EQ(SessionCount(instance), unavailable ? still_open : 0U);
    EXPECT_EQ(scoped.Terminate(), JET_errSuccess);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInvalidSesid);
      }
    }
  }

  const bool unavailable;
  const JET_ERR gate_error;
  const JET_INSTANCE instance;
  Failures failures;
  std::atomic<bool> gated{false};      // the gating call has returned
  std::atomic<bool> gate_seen{false};  // some call returned the gate error
  std::atomic<long> ops{0};
  std::atomic<long> after_ops{0};
  std::vector<std::vector<JET_SESID>> held;  // per thread
};

void RunGating(Gate gate, const char* test_name) {
  const std::uint64_t seed = TestSeed(test_name);
  const int threads = ThreadCount();
  constexpr int kRounds = 4;
  long total_ops = 0;
  long total_after = 0;
  for (int round = 0; round < kRounds; ++round) {
    ScopedInstance instance(static_cast<unsigned long>(2 * threads), "gate");
    ASSERT_TRUE(instance.ok());
    GateRound r(gate, instance.get(), threads);
    std::thread gater([&] {
      YieldUntil([&] { return r.ops.load() >= StressScale(100000); });
      r.Close();
    });
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      r.Hammer(t, gen, StressScale(20000));
    });
    gater.join();
    r.failures.Check(absl::StrFormat("round %d: ", round).c_str());
    const std::size_t still_open = TotalHeld(r.held);
    r.ExpectGateHolds(instance);
    total_ops += r.ops.load();
    total_after += r.after_ops.load();
    std::printf(
        "[%s] round %d: %ld ops, %ld of them started after the gate, %zu "
        "sessions open at the end\n",
        test_name, round, r.ops.load(), r.after_ops.load(), still_open);
  }
  std::printf("[%s] threads=%d: %ld ops in %d rounds (%ld after the gate)\n",
              test_name, threads, total_ops, kRounds, total_after);
}

TEST_F(ConcurrencyGatingTest, StopGating) {
  RunGating(Gate::kStop, "StopGating");
}

TEST_F(ConcurrencyGatingTest, UnavailableGating) {
  RunGating(Gate::kUnavailable, "UnavailableGating");
}

// ---------------------------------------------------------------------------
// JetStopServiceInstance and JetExtSetInstanceUnavailable raced against
// each other (two threads lined up in time) while the workers hammer
// Begin/Dup/End. ESE's check order puts "stopped" before "unavailable", and
// both flags are permanent, so, for a call that starts after:
//  - Stop returned, or any Begin/Dup got ClientRequestToStopJetService:
//    Begin/Dup get ClientRequestToStopJetService;
//  - SetUnavailable returned, or any call got InstanceUnavailable:
//    Begin/Dup get InstanceUnavailable or ClientRequestToStopJetService,
//    End gets InstanceUnavailable.
struct TwoGatesRound {
  TwoGatesRound(JET_INSTANCE inst, int threads)
      : instance(inst), held(static_cast<std::size_t>(threads)) {}

  // One gater, lined up in time with the other.
  void Close(bool unavailable) {
    YieldUntil([&] { return ops.load() >= StressScale(50000); });
    gaters.arrive_and_race();
    const JET_ERR err = unavailable ? JetExtSetInstanceUnavailable(instance)
                                    : JetStopServiceInstance(instance);
    failures.Expect(err == JET_errSuccess,
                    [&] { return "gating call -> " + ErrName(err); });
    // release: pairs with the workers' acquire loads.
    (unavailable ? unavailable_returned : stop_returned)
        .store(true, std::memory_order_release);
  }

  void Open(std::vector<JET_SESID>& mine, absl::BitGen& gen, bool stopped,
            bool broken) {
    JET_SESID s = JET_sesidNil;
    const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.4);
    const JET_ERR err = dup ? JetDupSession(mine[Pick(gen, mine.size())], &s)
                            : JetBeginSession(instance, &s, nullptr, nullptr);
    if (err == JET_errClientRequestToStopJetService) {
      stop_seen.store(true, std::memory_order_release);
    }
    if (err == JET_errInstanceUnavailable) {
      unavailable_seen.store(true, std::memory_order_release);
    }
    const bool ok = stopped ? err == JET_errClientRequestToStopJetService
                    : broken
                        ? IsOneOf(err, {JET_errInstanceUnavailable,
                                        JET_errClientRequestToStopJetService})
                        : IsOneOf(err, {JET_errSuccess, JET_errOutOfSessions,
                                        JET_errInstanceUnavailable,
                                        JET_errClientRequestToStopJetService});
    failures.Expect(ok, [&] {
      return absl::StrFormat("%s (stopped %d, unavailable %d) -> %s",
                             dup ? "Dup" : "Begin", stopped, broken,
                             ErrName(err));
    });
    if (err == JET_errSuccess) mine.push_back(s);
  }

  void End(std::vector<JET_SESID>& mine, absl::BitGen& gen, bool broken) {
    const std::size_t k = Pick(gen, mine.size());
    const JET_ERR err = JetEndSession(mine[k], 0);
    if (err == JET_errInstanceUnavailable) {
      unavailable_seen.store(true, std::memory_order_release);
    }
    failures.Expect(
        broken ? err == JET_errInstanceUnavailable
               : IsOneOf(err, {JET_errSuccess, JET_errInstanceUnavailable}),
        [&] {
          return absl::StrFormat("End (unavailable %d) -> %s", broken,
                                 ErrName(err));
        });
    if (err == JET_errSuccess) SwapErase(mine, k);
  }

  // Worker t: stops after `ops_after` calls started after both gates
  // returned.
  void Hammer(int t, absl::BitGen& gen, long ops_after) {
    auto& mine = held[static_cast<std::size_t>(t)];
    for (long after_both = 0; after_both < ops_after;) {
      // acquire: pairs with the release stores of the gaters and of the
      // calls that saw a gate.
      const bool stop_ret = stop_returned.load(std::memory_order_acquire);
      const bool unavailable_ret =
          unavailable_returned.load(std::memory_order_acquire);
      const bool stopped =
          stop_ret || stop_seen.load(std::memory_order_acquire);
      const bool broken =
          unavailable_ret || unavailable_seen.load(std::memory_order_acquire);
      if (stop_ret && unavailable_ret) ++after_both;
      ops.fetch_add(1, std::memory_order_relaxed);
      if (mine.size() < kMaxHeld &&
          (mine.empty() || absl::Bernoulli(gen, 0.55))) {
        Open(mine, gen, stopped, broken);
      } else {
        End(mine, gen, broken);
      }
    }
  }

  // Quiescent: both gates hold; Term ends the sessions left.
  void ExpectGatesHold(ScopedInstance& scoped) {
    EXPECT_EQ(SessionCount(instance), TotalHeld(held));
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(instance, &s, nullptr, nullptr),
              JET_errClientRequestToStopJetService);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInstanceUnavailable);
      }
    }
    EXPECT_EQ(scoped.Terminate(), JET_errSuccess);
    for (const auto& mine : held) {
      for (const JET_SESID h : mine) {
        EXPECT_EQ(JetEndSession(h, 0), JET_errInvalidSesid);
      }
    }
  }

  const JET_INSTANCE instance;
  Failures failures;
  SpinBarrier gaters{2};
  std::atomic<bool> stop_returned{false}, unavailable_returned{false};
  std::atomic<bool> stop_seen{false}, unavailable_seen{false};
  std::atomic<long> ops{0};
  std::vector<std::vector<JET_SESID>> held;  // per thread
};

TEST_F(ConcurrencyGatingTest, StopAndUnavailableRacingGates) {
  const std::uint64_t seed = TestSeed("StopAndUnavailableRacingGates");
  const int threads = ThreadCount();
  constexpr int kRounds = 6;
  long total_ops = 0;
  for (int round = 0; round < kRounds; ++round) {
    ScopedInstance instance(static_cast<unsigned long>(2 * threads), "gates");
    ASSERT_TRUE(instance.ok());
    TwoGatesRound r(instance.get(), threads);
    std::thread stopper([&] { r.Close(/*unavailable=*/false); });
    std::thread breaker([&] { r.Close(/*unavailable=*/true); });
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      r.Hammer(t, gen, StressScale(10000));
    });
    stopper.join();
    breaker.join();
    r.failures.Check(absl::StrFormat("round %d: ", round).c_str());
    r.ExpectGatesHold(instance);
    total_ops += r.ops.load();
  }
  std::printf(
      "[StopAndUnavailableRacingGates] threads=%d: %ld ops in %d "
      "rounds\n",
      threads, total_ops, kRounds);
}

}  // namespace
}  // namespace jetsession::concurrency_test
