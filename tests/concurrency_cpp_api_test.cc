// Concurrency tests of the C++ RAII API (jetsession::Instance, Session,
// Result, Error): the spirit of the C API's concurrency tests through the
// objects, at least 8 threads on 2 cores.
//
// The C++ API's thread-safety rules (instance.h, session.h) shape them:
// Instance::BeginSession(), Stop(), SetUnavailable() and SessionCount() may
// race on one Instance, but destroying or terminating an Instance needs its
// owner to be its only user, so the Instance outlives the threads that use
// it (Stop and SetUnavailable race instead of Term). A Session object is
// used by one thread at a time, but may move between threads; it may
// outlive its Instance.
#include <jetsession/jetsession.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyCppApiTest = ConcurrencyTest;

std::string Name(Error error) { return std::string(ErrorName(error)); }

// Instance::Create with a unique name.
Result<Instance> MakeInstance(const char* prefix, unsigned long max_sessions) {
  return Instance::Create(
      {.name = UniqueName(prefix), .max_sessions = max_sessions});
}

unsigned long CountOf(const Instance& instance) {
  const Result<unsigned long> count = instance.SessionCount();
  return count.ok() ? *count : ~0UL;
}

// ---------------------------------------------------------------------------
// T threads each hold at most k Session objects of one Instance with
// MaxSessions T*k, and end them in all the ways the API offers: End(),
// destruction (erase), move-assignment over a held Session (which ends the
// old one first). BeginSession() and Dup() never give kOutOfSessions, every
// End() succeeds and empties its Session, and the count is 0 at the end.
TEST_F(ConcurrencyCppApiTest, RaiiChurnAtExactCapacity) {
  const std::uint64_t seed = TestSeed("RaiiChurnAtExactCapacity");
  const int threads = ThreadCount();
  constexpr int kPerThread = 4;
  Result<Instance> instance = MakeInstance(
      "cpp-churn", static_cast<unsigned long>(threads * kPerThread));
  ASSERT_TRUE(instance.ok()) << Name(instance.error());
  Failures failures;
  std::array<std::atomic<long>, 5> ops{};  // begin, dup, End(), dtor, assign
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    std::vector<Session> held;
    std::array<long, 5> mine{};
    for (int i = 0; i < StressScale(300000); ++i) {
      const int op = absl::Uniform(gen, 0, 6);
      if (held.size() < kPerThread && (held.empty() || op <= 2)) {
        const bool dup = !held.empty() && op == 2;
        Result<Session> opened =
            dup ? held[Pick(gen, held.size())].Dup() : instance->BeginSession();
        ++mine[dup ? 1 : 0];
        if (failures.Expect(opened.ok(), [&] {
              return absl::StrFormat("%s -> %s", dup ? "Dup" : "BeginSession",
                                     Name(opened.error()));
            })) {
          failures.Expect(opened->has_value(), [] {
            return std::string("an ok Result holds an empty Session");
          });
          held.push_back(std::move(*opened));
        }
      } else if (op == 3 && !held.empty()) {
        Session& s = held[Pick(gen, held.size())];
        const Error err = s.End();
        ++mine[2];
        failures.Expect(err == Error::kSuccess && !s.has_value(), [&] {
          return absl::StrFormat("End() -> %s (has_value %d)", Name(err),
                                 s.has_value());
        });
        // An ended Session is empty: End() again is kInvalidSesid.
        const Error again = s.End();
        failures.Expect(again == Error::kInvalidSesid,
                        [&] { return "End() again -> " + Name(again); });
        held.erase(held.begin() +
                   static_cast<std::ptrdiff_t>(&s - held.data()));
      } else if (op == 4 && held.size() >= 2) {
        // Move-assign one held Session over another: the target's session
        // ends, the source becomes empty.
        const std::size_t to = Pick(gen, held.size());
        std::size_t from = Pick(gen, held.size() - 1);
        if (from >= to) ++from;
        held[to] = std::move(held[from]);
        failures.Expect(!held[from].has_value() && held[to].has_value(),
                        [] { return std::string("move left a bad state"); });
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(from));
        ++mine[4];
      } else if (!held.empty()) {
        held.erase(held.begin() +
                   static_cast<std::ptrdiff_t>(Pick(gen, held.size())));
        ++mine[3];
      }
    }
    mine[3] += static_cast<long>(held.size());
    held.clear();  // destructors end the rest
    for (std::size_t k = 0; k < ops.size(); ++k) ops[k] += mine[k];
  });
  failures.Check();
  EXPECT_EQ(CountOf(*instance), 0U);
  std::printf(
      "[RaiiChurnAtExactCapacity] threads=%d k=%d: %ld BeginSession, %ld "
      "Dup, %ld End(), %ld ended by destructor, %ld by move-assignment\n",
      threads, kPerThread, ops[0].load(), ops[1].load(), ops[2].load(),
      ops[3].load(), ops[4].load());
}

// ---------------------------------------------------------------------------
// Instance::Stop() (or SetUnavailable()) from the main thread while the
// workers churn Session objects. A BeginSession() or Dup() that starts
// after Stop() returned (or after any call got the gate's error) gets the
// gate's error. After Stop, End() still works and the count reaches 0;
// after SetUnavailable, End() fails and keeps the handle, the destructor
// drops the error, and the Instance's destruction (JetTerm) ends them. The
// Instance lives until the workers have joined.
void RunCppGating(bool unavailable, const char* test_name) {
  const std::uint64_t seed = TestSeed(test_name);
  const int threads = ThreadCount();
  const Error gate_error = unavailable ? Error::kInstanceUnavailable
                                       : Error::kClientRequestToStopJetService;
  constexpr int kRounds = 3;
  constexpr std::size_t kMaxHeld = 3;
  const long kOpsAfterGate = StressScale(20000);
  long total_ops = 0;
  for (int round = 0; round < kRounds; ++round) {
    Result<Instance> instance =
        MakeInstance("cpp-gate", static_cast<unsigned long>(2 * threads));
    ASSERT_TRUE(instance.ok()) << Name(instance.error());
    Failures failures;
    std::atomic<bool> gated{false};
    std::atomic<bool> gate_seen{false};
    std::atomic<long> ops{0};
    std::vector<std::vector<Session>> left(static_cast<std::size_t>(threads));
    std::thread gater([&] {
      YieldUntil([&] { return ops.load() >= StressScale(100000); });
      const Error err =
          unavailable ? instance->SetUnavailable() : instance->Stop();
      failures.Expect(err == Error::kSuccess,
                      [&] { return "gate -> " + Name(err); });
      // release: pairs with the workers' acquire before each call.
      gated.store(true, std::memory_order_release);
    });
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      std::vector<Session>& held = left[static_cast<std::size_t>(t)];
      // Each thread stops after kOpsAfterGate calls started after Stop().
      for (long after_return = 0; after_return < kOpsAfterGate;) {
        // acquire: pairs with the release stores after Stop() returned and
        // after a call got the gate's error.
        const bool returned = gated.load(std::memory_order_acquire);
        const bool after =
            returned || gate_seen.load(std::memory_order_acquire);
        after_return += returned;
        ops.fetch_add(1, std::memory_order_relaxed);
        if (held.size() < kMaxHeld &&
            (held.empty() || absl::Bernoulli(gen, 0.55))) {
          const bool dup = !held.empty() && absl::Bernoulli(gen, 0.4);
          Result<Session> opened = dup ? held[Pick(gen, held.size())].Dup()
                                       : instance->BeginSession();
          const Error err = opened.error();
          if (err == gate_error) {
            gate_seen.store(true, std::memory_order_release);
          }
          failures.Expect(
              after ? err == gate_error
                    : (err == Error::kSuccess || err == Error::kOutOfSessions ||
                       err == gate_error),
              [&] {
                return absl::StrFormat("%s%s -> %s", dup ? "Dup" : "Begin",
                                       after ? " after the gate" : "",
                                       Name(err));
              });
          if (opened.ok()) held.push_back(std::move(*opened));
        } else {
          const std::size_t k = Pick(gen, held.size());
          const Error err = held[k].End();
          if (unavailable) {
            if (err == gate_error) {
              gate_seen.store(true, std::memory_order_release);
            }
            failures.Expect(after
                                ? err == gate_error
                                : (err == Error::kSuccess || err == gate_error),
                            [&] { return "End() -> " + Name(err); });
            failures.Expect(
                held[k].has_value() == (err != Error::kSuccess), [] {
                  return std::string("a failed End() dropped its handle");
                });
          } else {
            failures.Expect(err == Error::kSuccess,
                            [&] { return "End() after Stop -> " + Name(err); });
          }
          if (err == Error::kSuccess) {
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
          }
        }
      }
    });
    gater.join();
    failures.Check(absl::StrFormat("round %d: ", round).c_str());
    std::size_t still = 0;
    for (const auto& held : left) still += held.size();
    EXPECT_EQ(CountOf(*instance), still);
    Result<Session> late = instance->BeginSession();
    EXPECT_EQ(late.error(), gate_error);
    // Some sessions are ended by their destructors now, the rest (if any)
    // outlive the Instance.
    std::vector<Session> survivors;
    for (auto& held : left) {
      if (!held.empty()) {
        survivors.push_back(std::move(held.back()));
        held.pop_back();
      }
      held.clear();
    }
    EXPECT_EQ(CountOf(*instance), unavailable ? still : survivors.size());
    *instance = Instance();  // JetTerm, by the only user
    for (Session& s : survivors) {
      EXPECT_EQ(s.End(), Error::kInvalidSesid);
      EXPECT_TRUE(s.has_value());
    }
    survivors.clear();  // destructors of sessions of a dead instance: harmless
    total_ops += ops.load();
  }
  std::printf("[%s] threads=%d: %ld ops in %d rounds\n", test_name, threads,
              total_ops, kRounds);
}

TEST_F(ConcurrencyCppApiTest, StopRacesRaiiSessions) {
  RunCppGating(false, "StopRacesRaiiSessions");
}

TEST_F(ConcurrencyCppApiTest, SetUnavailableRacesRaiiSessions) {
  RunCppGating(true, "SetUnavailableRacesRaiiSessions");
}

// ---------------------------------------------------------------------------
// Session objects move between threads: producers open them (BeginSession or
// Dup of their own root) and push them through a queue; consumers Dup some
// and end everything (End() or destruction). Every call succeeds (capacity
// covers the queue bound), and the count is exact once all have joined.
TEST_F(ConcurrencyCppApiTest, SessionsMoveBetweenThreads) {
  const std::uint64_t seed = TestSeed("SessionsMoveBetweenThreads");
  const int threads = ThreadCount();
  const int producers = threads / 2;
  constexpr std::size_t kQueueBound = 32;
  // Open at once: the queue, one root per producer, one session + one Dup
  // per consumer in hand, one in a producer's hand before it is queued.
  const auto capacity = static_cast<unsigned long>(
      kQueueBound + static_cast<std::size_t>(threads) * 2 + 2);
  Result<Instance> instance = MakeInstance("cpp-move", capacity);
  ASSERT_TRUE(instance.ok()) << Name(instance.error());
  Failures failures;
  std::mutex mutex;
  std::deque<Session> queue;  // guarded by mutex
  std::atomic<int> producing{producers};
  std::atomic<long> moved{0}, dups{0};
  const int per_producer = StressScale(100000);
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    if (t < producers) {
      Result<Session> root = instance->BeginSession();
      failures.Expect(root.ok(),
                      [&] { return "root -> " + Name(root.error()); });
      for (int i = 0; i < per_producer && root.ok(); ++i) {
        Result<Session> s =
            absl::Bernoulli(gen, 0.5) ? root->Dup() : instance->BeginSession();
        if (!failures.Expect(s.ok(), [&] {
              return "producer open -> " + Name(s.error());
            })) {
          continue;
        }
        for (;;) {
          {
            const std::lock_guard<std::mutex> lock(mutex);
            if (queue.size() < kQueueBound) {
              queue.push_back(std::move(*s));
              break;
            }
          }
          std::this_thread::yield();
        }
      }
      producing.fetch_sub(1);
      return;
    }
    long my_moved = 0, my_dups = 0;
    for (;;) {
      std::optional<Session> s;
      {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!queue.empty()) {
          s.emplace(std::move(queue.front()));
          queue.pop_front();
        }
      }
      if (!s) {
        if (producing.load() == 0) {
          const std::lock_guard<std::mutex> lock(mutex);
          if (queue.empty()) break;
        }
        std::this_thread::yield();
        continue;
      }
      ++my_moved;
      if (absl::Bernoulli(gen, 0.3)) {
        Result<Session> d = s->Dup();
        ++my_dups;
        failures.Expect(d.ok(),
                        [&] { return "consumer Dup -> " + Name(d.error()); });
      }  // d ends here, by its destructor
      // A context round trip from the consumer: the session is this
      // thread's now.
      const Error set = s->SetContext(0x5e7);
      const Error reset = s->ResetContext();
      failures.Expect(set == Error::kSuccess && reset == Error::kSuccess, [&] {
        return absl::StrFormat("consumer context: %s, %s", Name(set),
                               Name(reset));
      });
      if (absl::Bernoulli(gen, 0.5)) {
        const Error err = s->End();
        failures.Expect(err == Error::kSuccess,
                        [&] { return "consumer End() -> " + Name(err); });
      }
    }  // the rest end by destruction
    moved += my_moved;
    dups += my_dups;
  });
  failures.Check();
  EXPECT_EQ(CountOf(*instance), 0U);
  EXPECT_EQ(moved.load(), static_cast<long>(producers) * per_producer);
  std::printf(
      "[SessionsMoveBetweenThreads] %d producers, %d consumers: %ld Sessions "
      "moved across threads, %ld Dup by consumers\n",
      producers, threads - producers, moved.load(), dups.load());
}

// ---------------------------------------------------------------------------
// Exactly m winners through BeginSession(): between rounds N - m of N
// slots are held; all threads race one BeginSession() each; nobody ends
// anything meanwhile; so exactly m get a Session and the rest
// kOutOfSessions.
TEST_F(ConcurrencyCppApiTest, BeginSessionRaceHasExactWinners) {
  const std::uint64_t seed = TestSeed("BeginSessionRaceHasExactWinners");
  const int threads = ThreadCount();
  constexpr int kCapacity = 5;
  const int rounds = StressScale(3000);
  Result<Instance> instance = MakeInstance("cpp-exact", kCapacity);
  ASSERT_TRUE(instance.ok()) << Name(instance.error());
  Failures failures;
  SpinBarrier sync(threads);
  std::vector<Session> held;  // thread 0 only, between barriers
  std::vector<std::optional<Result<Session>>> results(
      static_cast<std::size_t>(threads));
  absl::BitGen coordinator = ThreadGen(seed, 99);
  int m = 0;
  long winners = 0;
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    for (int round = 0; round < rounds; ++round) {
      if (t == 0) {
        m = absl::Uniform(absl::IntervalClosed, coordinator, 0, kCapacity);
        while (static_cast<int>(held.size()) > kCapacity - m) held.pop_back();
        while (static_cast<int>(held.size()) < kCapacity - m) {
          Result<Session> s = instance->BeginSession();
          failures.Expect(s.ok(), [] { return std::string("setup failed"); });
          if (s.ok()) held.push_back(std::move(*s));
        }
      }
      sync.arrive_and_race();
      Jitter(gen);
      results[static_cast<std::size_t>(t)].emplace(instance->BeginSession());
      sync.arrive_and_wait();
      if (t == 0) {
        int won = 0;
        for (auto& r : results) {
          if (r->ok()) {
            ++won;
            held.push_back(std::move(**r));
          } else {
            failures.Expect(r->error() == Error::kOutOfSessions, [&] {
              return "racing BeginSession -> " + Name(r->error());
            });
          }
          r.reset();
        }
        failures.Expect(won == m, [&] {
          return absl::StrFormat("round %d: %d free, %d won", round, m, won);
        });
        winners += won;
        failures.Expect(CountOf(*instance) == held.size(), [] {
          return std::string("count differs from the sessions held");
        });
      }
      sync.arrive_and_wait();
    }
  });
  failures.Check();
  held.clear();
  EXPECT_EQ(CountOf(*instance), 0U);
  std::printf(
      "[BeginSessionRaceHasExactWinners] threads=%d N=%d rounds=%d: %ld "
      "winners, %ld kOutOfSessions\n",
      threads, kCapacity, rounds, winners,
      static_cast<long>(rounds) * threads - winners);
}

// ---------------------------------------------------------------------------
// Threads create, use and destroy their own Instances at once (each the only
// user of its Instance), with Sessions that sometimes outlive their
// Instance: those get kInvalidSesid from End() and Dup(), and their
// destructors are harmless. Instances also move to another thread, which
// destroys them.
TEST_F(ConcurrencyCppApiTest, InstancesCreatedAndDestroyedInParallel) {
  const std::uint64_t seed = TestSeed("InstancesCreatedAndDestroyedInParallel");
  const int threads = ThreadCount();
  Failures failures;
  std::mutex mutex;
  std::vector<Instance> handoff;  // guarded by mutex
  std::atomic<long> created{0}, outlived{0}, handed{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    long my_created = 0, my_outlived = 0, my_handed = 0;
    for (int i = 0; i < StressScale(4000); ++i) {
      std::vector<Session> outliving;
      bool handed_over = false;
      {
        Result<Instance> instance =
            Instance::Create({.name = absl::StrFormat("cpp-par-%d-%d", t, i),
                              .max_sessions = 4});
        if (!failures.Expect(instance.ok(), [&] {
              return "Create -> " + Name(instance.error());
            })) {
          continue;
        }
        ++my_created;
        std::vector<Session> held;
        for (int k = 0; k < 3; ++k) {
          Result<Session> s =
              held.empty() ? instance->BeginSession() : held.back().Dup();
          if (failures.Expect(s.ok(),
                              [&] { return "open -> " + Name(s.error()); })) {
            held.push_back(std::move(*s));
          }
        }
        failures.Expect(CountOf(*instance) == held.size(), [] {
          return std::string("own instance: count differs");
        });
        if (absl::Bernoulli(gen, 0.5)) {
          outliving.push_back(std::move(held.back()));
          held.pop_back();
        }
        held.clear();  // ended by destructors, instance alive
        failures.Expect(CountOf(*instance) == outliving.size(), [] {
          return std::string("destructors did not end the sessions");
        });
        if (absl::Bernoulli(gen, 0.25)) {
          // Hand the Instance to whichever thread comes next (a few at
          // most: 8 own + 4 handed stay under MaxInstances 16).
          const std::lock_guard<std::mutex> lock(mutex);
          if (handoff.size() < 4) {
            handoff.push_back(std::move(*instance));
            handed_over = true;
            ++my_handed;
          }
        }
        // Destroy one handed-over Instance (maybe another thread's).
        std::optional<Instance> other;
        {
          const std::lock_guard<std::mutex> lock(mutex);
          if (!handoff.empty() && absl::Bernoulli(gen, 0.5)) {
            other.emplace(std::move(handoff.back()));
            handoff.pop_back();
          }
        }
      }  // the Instance (if still here) terminates: JetTerm
      for (Session& s : outliving) {
        // Terminated here: kInvalidSesid. Handed over: the instance lives
        // or is being terminated by another thread right now.
        const Result<Session> d = s.Dup();
        const Error err = s.End();
        const auto racing = [](Error e) {
          return e == Error::kSuccess || e == Error::kInvalidSesid ||
                 e == Error::kTermInProgress || e == Error::kOutOfSessions;
        };
        failures.Expect(handed_over ? racing(d.error()) && racing(err) &&
                                          err != Error::kOutOfSessions
                                    : d.error() == Error::kInvalidSesid &&
                                          err == Error::kInvalidSesid,
                        [&] {
                          return absl::StrFormat(
                              "outliving session%s: Dup %s, End %s",
                              handed_over ? " (handed over)" : "",
                              Name(d.error()), Name(err));
                        });
        ++my_outlived;
      }
    }
    created += my_created;
    outlived += my_outlived;
    handed += my_handed;
  });
  handoff.clear();
  failures.Check();
  std::printf(
      "[InstancesCreatedAndDestroyedInParallel] threads=%d: %ld Instances, "
      "%ld handed to another thread, %ld Sessions outliving or racing their "
      "Instance's end\n",
      threads, created.load(), handed.load(), outlived.load());
}

}  // namespace
}  // namespace jetsession::concurrency_test
