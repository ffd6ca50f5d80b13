// Linearizability of recorded histories with run-time capacity changes
// (JetExtSetMaxSessions): small concurrent runs through the C API on one
// instance of ceiling 3 (JET_paramExtMaxSessionsCeiling) started with
// MaxSessions 1-3, each checked against the sequential model of the
// contract (linearizability.h, kExtSetMaxSessions: the capacity changes at
// the call's point, a grow hands its room to the queued waiters oldest
// first, a shrink below the number open ends nothing and is paid off by
// the Ends that follow; OutOfSessions only if at least the capacity then in
// force are open).
//
// Two kinds of histories, recorded as concurrency_linearizability_test.cc
// records the core's (a stamp from one shared clock before and after each
// call; the stamps are nanoseconds of steady_clock, the library's wait
// clock, since the history began, strictly increasing across threads, so a
// wait's deadline is a stamp too):
//  - random histories: 2 or 3 threads, 6 operations each, mixing Begin, Dup
//    of their own sessions, End, JetExtBeginSessionWait (timeouts of 0, 1
//    and 2 ms), JetExtGetSessionCount and JetExtSetMaxSessions (0..3, and
//    now and then 4, above the ceiling: InvalidParameter); in some, thread
//    0 stops the instance, makes it unavailable or terminates it (JetTerm:
//    the model's flag and drain-and-free) among its operations; each thread
//    ends what it holds at the end (recorded);
//  - queue histories: capacity 1, held by the controller (thread 0); 2 or 3
//    waiters queue one after the other, each seen queued (the statistics'
//    cWaiters) before the next starts, which pins their order
//    (Op::queued_by); then a racer Begins a few times while the controller
//    grows, shrinks and ends its session at random, and finally grows to
//    the ceiling: the model checks that the room of each grow and each End
//    went to the oldest waiter, and none to the racer while one waits.
//
// The first history that no sequential order explains is printed.
#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"
#include "linearizability.h"
#include "queue_history.h"

namespace jetsession::testing {
namespace {

using concurrency_test::Jitter;
using concurrency_test::NoLiveInstances;
using concurrency_test::SpinBarrier;
using concurrency_test::StressScale;
using concurrency_test::TestSeed;
using concurrency_test::ThreadGen;

constexpr int kCeiling = 3;
constexpr int kMaxThreads = 3;
constexpr int kOpsPerThread = 6;
// Waiting calls (timeout not 0) a thread makes in one history at most.
constexpr int kWaitsPerThread = 4;
static_assert(kMaxThreads * kWaitsPerThread <=
              LinearizabilityChecker::kMaxWaiters);
// One instance lives at a time: every history uses this name.
constexpr const char* kName = "resize-histories";

Error ToError(JET_ERR err) { return static_cast<Error>(err); }

// Creates and initializes the histories' instance with MaxSessions
// `capacity` and the ceiling kCeiling; 0 on failure (printed).
JET_INSTANCE CreateResizable(int capacity) {
  JET_INSTANCE inst = 0;
  JET_ERR err = JetCreateInstance(&inst, kName);
  if (err == JET_errSuccess) {
    err = JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                static_cast<JET_API_PTR>(capacity), nullptr);
  }
  if (err == JET_errSuccess) {
    err = JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                kCeiling, nullptr);
  }
  if (err == JET_errSuccess) err = JetInit(&inst);
  if (err != JET_errSuccess) {
    std::printf("setting up an instance of capacity %d: %d\n", capacity, err);
    if (inst != 0) JetTerm(inst);
    return 0;
  }
  return inst;
}

struct Outcome {
  int histories = 0;
  long ops = 0;
  long resizes = 0;  // JetExtSetMaxSessions calls recorded
  int violations = 0;
  long explored = 0;
  std::string first_history;
  WaitCounts waits;
};

// A waiting call that took this long blocked (stamps are nanoseconds).
constexpr std::uint64_t kBlockedNs = 20'000;

// Checks `history` (capacity `capacity` at the start) and adds it to `o`;
// the first one that is not linearizable is kept for the report.
void CheckHistory(std::vector<Op> history, int capacity, const char* kind,
                  Outcome* o) {
  if (history.size() > LinearizabilityChecker::kMaxOps) {
    ADD_FAILURE() << "a history of " << history.size() << " operations";
    return;
  }
  LinearizabilityChecker checker(capacity, kCeiling);
  const bool ok = checker.Check(history);
  ++o->histories;
  o->ops += static_cast<long>(history.size());
  o->explored += static_cast<long>(checker.explored());
  o->waits.Add(history, kBlockedNs);
  for (const Op& op : history) {
    o->resizes += op.kind == OpKind::kExtSetMaxSessions ? 1 : 0;
  }
  if (!ok && ++o->violations == 1) {
    char head[160];
    std::snprintf(head, sizeof(head),
                  "%s history %d (capacity %d at the start, ceiling %d):\n",
                  kind, o->histories, capacity, kCeiling);
    o->first_history = head + DescribeHistory(history);
  }
}

// One thread's part of a random history.
class Worker {
 public:
  Worker(JET_INSTANCE inst, int thread, HistoryClock* clock,
         std::atomic<int>* next_id, std::uint32_t seed)
      : inst_(inst),
        thread_(thread),
        clock_(clock),
        next_id_(next_id),
        gen_(std::seed_seq{seed}) {}

  std::vector<Op>& log() { return log_; }

  // kOpsPerThread operations (thread 0 makes `gate`, 1 stop, 2 unavailable,
  // 3 term, its operation number `gate_at`), then ends what it holds.
  void Run(SpinBarrier* start, int gate, int gate_at) {
    start->arrive_and_race();
    for (int i = 0; i < kOpsPerThread; ++i) {
      Jitter(gen_, 300);
      if (thread_ == 0 && gate != 0 && i == gate_at) {
        Gate(gate);
        continue;
      }
      const double r = absl::Uniform(gen_, 0.0, 1.0);
      if (r < 0.6) {
        // Open or end, 35/25.
        const bool open = mine_.empty() || (mine_.size() < 2 && r < 0.35);
        if (open) {
          Open();
        } else {
          End(absl::Uniform<std::size_t>(gen_, 0, mine_.size()));
        }
      } else if (r < 0.7) {
        Count();
      } else {
        Resize(absl::Bernoulli(gen_, 0.1)
                   ? kCeiling + 1
                   : absl::Uniform(absl::IntervalClosed, gen_, 0, kCeiling));
      }
    }
    // End what it holds: a waiter may wait for it. A session held by a
    // flag (InstanceUnavailable, TermInProgress) stays held: one try.
    while (!mine_.empty()) End(mine_.size() - 1);
  }

 private:
  template <class Call>
  void Record(Op op, Call&& call) {
    op.thread = thread_;
    op.call = clock_->Stamp();
    op.result = ToError(call());
    op.ret = clock_->Stamp();
    log_.push_back(op);
  }

  int Opened(JET_SESID sesid) {
    const int id = next_id_->fetch_add(1, std::memory_order_relaxed);
    if (id >= LinearizabilityChecker::kMaxSessionIds) {
      ADD_FAILURE() << "too many sessions in one history";
      return -1;
    }
    mine_.emplace_back(id, sesid);
    return id;
  }

  void Open() {
    Op op{};
    op.instance = 0;
    JET_SESID out = JET_sesidNil;
    const bool dup = !mine_.empty() && absl::Bernoulli(gen_, 0.25);
    const bool wait = waits_ < kWaitsPerThread && absl::Bernoulli(gen_, 0.35);
    if (dup) {
      op.kind = OpKind::kDup;
      op.arg = mine_.back().first;
      const JET_SESID source = mine_.back().second;
      Record(op, [&] { return JetDupSession(source, &out); });
    } else if (wait) {
      static constexpr unsigned long kTimeouts[] = {0, 1, 2};
      const unsigned long ms = kTimeouts[absl::Uniform(gen_, 0, 3)];
      op.kind = OpKind::kBeginWait;
      op.value = static_cast<long>(ms);
      if (ms != 0) ++waits_;
      // The deadline: this reading plus the timeout (the library reads the
      // clock after the call stamp, so its deadline is no earlier).
      const auto now = std::chrono::steady_clock::now();
      if (ms != 0) {
        op.deadline = clock_->Since(now) + ms * 1'000'000U;
      }
      Record(op, [&] { return JetExtBeginSessionWait(inst_, &out, ms); });
    } else {
      op.kind = OpKind::kBegin;
      Record(op,
             [&] { return JetBeginSession(inst_, &out, nullptr, nullptr); });
    }
    Op& recorded = log_.back();
    if (recorded.result == Error::kSuccess) recorded.out = Opened(out);
  }

  void End(std::size_t k) {
    const JET_SESID sesid = mine_[k].second;
    Op op{};
    op.kind = OpKind::kEnd;
    op.arg = mine_[k].first;
    Record(op, [&] { return JetEndSession(sesid, 0); });
    // Ended, gone with its instance (InvalidSesid), or held by a flag for
    // good: not this thread's to end any more.
    mine_.erase(mine_.begin() + static_cast<std::ptrdiff_t>(k));
  }

  void Count() {
    Op op{};
    op.kind = OpKind::kCount;
    op.instance = 0;
    unsigned long n = 0;
    Record(op, [&] { return JetExtGetSessionCount(inst_, &n); });
    if (log_.back().result == Error::kSuccess) {
      log_.back().value = static_cast<long>(n);
    }
  }

  void Resize(int n) {
    Op op{};
    op.kind = OpKind::kExtSetMaxSessions;
    op.instance = 0;
    op.value = n;
    Record(op, [&] {
      return JetExtSetMaxSessions(inst_, static_cast<unsigned long>(n));
    });
  }

  void Gate(int gate) {
    Op op{};
    op.instance = 0;
    if (gate == 3) {
      // JetTerm: the model's flag, then drain-and-free, both with the
      // call's stamps.
      op.kind = OpKind::kTerm;
      Record(op, [&] { return JetTerm(inst_); });
      if (log_.back().result == Error::kSuccess) {
        Op free = log_.back();
        free.kind = OpKind::kTermFree;
        log_.push_back(free);
      }
      return;
    }
    op.kind = gate == 1 ? OpKind::kStop : OpKind::kUnavailable;
    Record(op, [&] {
      return gate == 1 ? JetStopServiceInstance(inst_)
                       : JetExtSetInstanceUnavailable(inst_);
    });
  }

  const JET_INSTANCE inst_;
  const int thread_;
  HistoryClock* clock_;
  std::atomic<int>* next_id_;
  absl::BitGen gen_;
  std::vector<Op> log_;
  std::vector<std::pair<int, JET_SESID>> mine_;
  int waits_ = 0;
};

Outcome RunRandomHistories(int count, std::uint64_t seed) {
  Outcome outcome;
  absl::BitGen gen = ThreadGen(seed, 0);
  for (int h = 0; h < count; ++h) {
    const int capacity = absl::Uniform(absl::IntervalClosed, gen, 1, kCeiling);
    const int threads_n =
        absl::Uniform(absl::IntervalClosed, gen, 2, kMaxThreads);
    // none (most), stop, unavailable, term
    const double g = absl::Uniform(gen, 0.0, 1.0);
    const int gate = g < 0.7 ? 0 : g < 0.8 ? 1 : g < 0.9 ? 2 : 3;
    const int gate_at = absl::Uniform(gen, 0, kOpsPerThread);
    const JET_INSTANCE inst = CreateResizable(capacity);
    if (inst == 0) {
      ADD_FAILURE() << "no instance for history " << h;
      return outcome;
    }
    HistoryClock clock;
    std::atomic<int> next_id{0};
    std::vector<Worker> workers;
    workers.reserve(static_cast<std::size_t>(threads_n));
    for (int t = 0; t < threads_n; ++t) {
      workers.emplace_back(inst, t, &clock, &next_id,
                           absl::Uniform<std::uint32_t>(gen));
    }
    SpinBarrier start(threads_n);
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t) {
      threads.emplace_back([&, t] {
        workers[static_cast<std::size_t>(t)].Run(&start, gate, gate_at);
      });
    }
    for (auto& thread : threads) thread.join();
    // Not part of the history; InvalidInstance after a Term gate.
    const JET_ERR term = JetTerm(inst);
    EXPECT_TRUE(term == JET_errSuccess ||
                (gate == 3 && term == JET_errInvalidInstance))
        << "JetTerm after history " << h << ": " << term;
    std::vector<Op> history;
    for (Worker& w : workers) {
      history.insert(history.end(), w.log().begin(), w.log().end());
    }
    CheckHistory(std::move(history), capacity, "random", &outcome);
  }
  return outcome;
}

// Queue histories (see the top of the file).
constexpr int kMaxQueueWaiters = 3;
constexpr unsigned long kQueueDeadlineMs = 20;

Outcome RunQueueHistories(int count, std::uint64_t seed) {
  Outcome outcome;
  absl::BitGen gen = ThreadGen(seed, 0);
  for (int h = 0; h < count; ++h) {
    constexpr int kCapacity = 1;
    const int waiters =
        absl::Uniform(absl::IntervalClosed, gen, 2, kMaxQueueWaiters);
    const JET_INSTANCE inst = CreateResizable(kCapacity);
    if (inst == 0) {
      ADD_FAILURE() << "no instance for queue history " << h;
      return outcome;
    }
    HistoryClock clock;
    std::atomic<int> next_id{0};
    QueueHistory queue(waiters);
    const auto record = [&](int t, Op op, auto&& call) {
      op.thread = t;
      op.call = clock.Stamp();
      op.result = ToError(call());
      op.ret = clock.Stamp();
      queue.log(t).push_back(op);
      return op.result;
    };
    const auto end = [&](int t, int id, JET_SESID sesid) {
      Op op{};
      op.kind = OpKind::kEnd;
      op.arg = id;
      return record(t, op, [&] { return JetEndSession(sesid, 0); });
    };
    const auto opened = [&](int t) {
      Op& op = queue.log(t).back();
      if (op.result == Error::kSuccess) {
        op.out = next_id.fetch_add(1, std::memory_order_relaxed);
      }
      return op.out;
    };
    // The controller's session: the pool is full.
    JET_SESID held = JET_sesidNil;
    Op begin{};
    begin.kind = OpKind::kBegin;
    record(0, begin,
           [&] { return JetBeginSession(inst, &held, nullptr, nullptr); });
    int held_id = opened(0);
    queue.Start(
        gen,
        [&](int t, absl::BitGen& local) {
          Op op{};
          op.kind = OpKind::kBeginWait;
          op.value = static_cast<long>(kQueueDeadlineMs);
          op.deadline = clock.Since(std::chrono::steady_clock::now()) +
                        kQueueDeadlineMs * 1'000'000U;
          JET_SESID out = JET_sesidNil;
          record(t, op, [&] {
            return JetExtBeginSessionWait(inst, &out, kQueueDeadlineMs);
          });
          const int id = opened(t);
          if (id >= 0) {
            if (absl::Bernoulli(local, 0.5)) std::this_thread::yield();
            end(t, id, out);
          }
        },
        [&](int racer, absl::BitGen& local) {
          for (int k = 0; k < 4; ++k) {
            Op op{};
            op.kind = absl::Bernoulli(local, 0.5) ? OpKind::kBegin
                                                  : OpKind::kBeginWait;
            JET_SESID out = JET_sesidNil;
            record(racer, op, [&] {
              return op.kind == OpKind::kBegin
                         ? JetBeginSession(inst, &out, nullptr, nullptr)
                         : JetExtBeginSessionWait(inst, &out, 0);
            });
            const int id = opened(racer);
            if (id >= 0) end(racer, id, out);
            if (absl::Bernoulli(local, 0.3)) std::this_thread::yield();
          }
        });
    // The waiters, one after the other, each seen queued (the statistics'
    // cWaiters); then the racer.
    const auto queued = [&](int t) {
      JET_EXTSESSIONSTATS stats{};
      stats.cbStruct = sizeof(stats);
      return JetExtGetSessionStats(inst, &stats) == JET_errSuccess &&
             stats.cWaiters == static_cast<unsigned long>(t);
    };
    queue.LetGo(clock, std::chrono::milliseconds(kQueueDeadlineMs / 2), queued);
    // The controller: grows, shrinks and its End at random, then room for
    // everyone.
    int capacity = kCapacity;
    for (int step = 0; step < 4; ++step) {
      Jitter(gen, 2000);
      const int what = absl::Uniform(gen, 0, 3);
      if (what == 2 && held_id >= 0) {
        end(0, held_id, held);
        held_id = -1;
        continue;
      }
      capacity = what == 0 ? std::min(capacity + 1, kCeiling)
                           : std::max(capacity - 1, 0);
      Op op{};
      op.kind = OpKind::kExtSetMaxSessions;
      op.value = capacity;
      record(0, op, [&] {
        return JetExtSetMaxSessions(inst, static_cast<unsigned long>(capacity));
      });
    }
    Op grow{};
    grow.kind = OpKind::kExtSetMaxSessions;
    grow.value = kCeiling;
    record(0, grow, [&] { return JetExtSetMaxSessions(inst, kCeiling); });
    if (held_id >= 0) end(0, held_id, held);
    queue.Join();
    EXPECT_EQ(JetTerm(inst), JET_errSuccess);
    CheckHistory(queue.History(), kCapacity, "queue", &outcome);
  }
  return outcome;
}

void Report(const char* name, const Outcome& o,
            std::chrono::steady_clock::time_point begin) {
  std::printf(
      "%s: %d histories, %ld ops (%ld JetExtSetMaxSessions), %d not "
      "linearizable, %ld checker states, %s, %lld ms\n",
      name, o.histories, o.ops, o.resizes, o.violations, o.explored,
      o.waits.Describe().c_str(),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - begin)
              .count()));
  if (o.violations != 0) {
    std::printf("the first history that no sequential order explains:\n%s",
                o.first_history.c_str());
  }
  EXPECT_EQ(o.violations, 0) << o.first_history;
  EXPECT_TRUE(NoLiveInstances()) << "a history left an instance behind";
}

TEST(ResizeHistoriesTest, RandomHistoriesAreLinearizable) {
  const std::uint64_t seed = TestSeed("RandomHistoriesAreLinearizable");
  const auto begin = std::chrono::steady_clock::now();
  const Outcome o = RunRandomHistories(StressScale(3000), seed);
  Report("resize random", o, begin);
}

TEST(ResizeHistoriesTest, QueueHistoriesAreLinearizable) {
  const std::uint64_t seed = TestSeed("QueueHistoriesAreLinearizable");
  const auto begin = std::chrono::steady_clock::now();
  const Outcome o = RunQueueHistories(StressScale(1500), seed);
  Report("resize queue", o, begin);
}

// ---------------------------------------------------------------------------
// The model of kExtSetMaxSessions bites: hand-written histories that break
// the contract, each next to one that keeps it.
Op MakeOp(OpKind kind, std::uint64_t call, std::uint64_t ret, Error result,
          int out = -1, long value = 0, int arg = -1) {
  Op op{};
  op.kind = kind;
  op.call = call;
  op.ret = ret;
  op.result = result;
  op.out = out;
  op.value = value;
  op.arg = arg;
  return op;
}

constexpr Error kOk = Error::kSuccess;
constexpr Error kFull = Error::kOutOfSessions;

Op Resize(std::uint64_t call, std::uint64_t ret, long n, Error result = kOk) {
  return MakeOp(OpKind::kExtSetMaxSessions, call, ret, result, -1, n);
}
Op Begin(std::uint64_t call, std::uint64_t ret, Error result, int out = -1) {
  return MakeOp(OpKind::kBegin, call, ret, result, out);
}
Op End(std::uint64_t call, std::uint64_t ret, int session) {
  return MakeOp(OpKind::kEnd, call, ret, kOk, -1, 0, session);
}

TEST(ResizeHistoriesTest, CheckerKnowsRunTimeCapacity) {
  const auto ok = [](const std::vector<Op>& history, int capacity = 1) {
    return LinearizabilityChecker(capacity, kCeiling).Check(history);
  };
  // A grow: a Begin after it finds room.
  std::vector<Op> h = {Begin(0, 1, kOk, 0), Resize(2, 3, 2),
                       Begin(4, 5, kFull)};
  EXPECT_FALSE(ok(h));
  h.back() = Begin(4, 5, kOk, 1);
  EXPECT_TRUE(ok(h));
  // ... but one that overlaps the grow may come before it.
  h.back() = Begin(2, 5, kFull);
  EXPECT_TRUE(ok(h));
  // A shrink below the number open ends nothing, and the Ends pay off the
  // difference first: 2 open, capacity 1; after one End still 1 open.
  h = {Begin(0, 1, kOk, 0), Begin(2, 3, kOk, 1), Resize(4, 5, 1),
       Begin(6, 7, kOk, 2)};
  EXPECT_FALSE(ok(h, 2));
  h.back() = Begin(6, 7, kFull);
  EXPECT_TRUE(ok(h, 2));
  h.push_back(End(8, 9, 0));
  h.push_back(Begin(10, 11, kFull));
  EXPECT_TRUE(ok(h, 2));
  h.back() = Begin(10, 11, kOk, 2);
  EXPECT_FALSE(ok(h, 2));
  h.back() = End(10, 11, 1);
  h.push_back(Begin(12, 13, kOk, 2));
  EXPECT_TRUE(ok(h, 2));
  // The count sees the sessions a shrink left open.
  h = {Begin(0, 1, kOk, 0), Begin(2, 3, kOk, 1), Resize(4, 5, 0),
       MakeOp(OpKind::kCount, 6, 7, kOk, -1, 2)};
  EXPECT_TRUE(ok(h, 2));
  h.back().value = 0;
  EXPECT_FALSE(ok(h, 2));
  // Capacity 0: nothing opens.
  h = {Resize(0, 1, 0), Begin(2, 3, kOk, 0)};
  EXPECT_FALSE(ok(h));
  // The range: up to the ceiling (the capacity counts as one at least).
  h = {Resize(0, 1, kCeiling + 1, kOk)};
  EXPECT_FALSE(ok(h));
  h.back().result = Error::kInvalidParameter;
  EXPECT_TRUE(ok(h));
  h = {Resize(0, 1, kCeiling)};
  EXPECT_TRUE(ok(h));
  EXPECT_FALSE(LinearizabilityChecker(1, 0).Check(h));  // ceiling 1
  EXPECT_TRUE(LinearizabilityChecker(3, 0).Check(h));   // ceiling 3
  // The state checks: stopped, resizes; unavailable (even after a Stop)
  // and terminating, not; gone, InvalidInstance.
  h = {MakeOp(OpKind::kStop, 0, 1, kOk), Resize(2, 3, 2)};
  EXPECT_TRUE(ok(h));
  h.back().result = Error::kClientRequestToStopJetService;
  EXPECT_FALSE(ok(h));
  h = {MakeOp(OpKind::kStop, 0, 1, kOk),
       MakeOp(OpKind::kUnavailable, 2, 3, kOk),
       MakeOp(OpKind::kTerm, 4, 5, kOk), Resize(6, 7, kCeiling + 1)};
  EXPECT_FALSE(ok(h));
  h.back().result = Error::kInstanceUnavailable;
  EXPECT_TRUE(ok(h));
  h = {MakeOp(OpKind::kTerm, 0, 1, kOk), Resize(2, 3, 2, kOk)};
  EXPECT_FALSE(ok(h));
  h.back().result = Error::kTermInProgress;
  EXPECT_TRUE(ok(h));
  h.push_back(MakeOp(OpKind::kTermFree, 0, 1, kOk));
  EXPECT_FALSE(ok(h));  // freed before the resize was called
  h.back() = MakeOp(OpKind::kTermFree, 0, 5, kOk);
  EXPECT_TRUE(ok(h));
  h.push_back(Resize(6, 7, 1, Error::kInvalidInstance));
  EXPECT_TRUE(ok(h));
}

// Waiters and resizes: a grow hands its room to the queued waiters oldest
// first, before any later caller; an End after a shrink pays the
// difference off before it serves a waiter.
TEST(ResizeHistoriesTest, CheckerKnowsGrowsServeWaiters) {
  const auto wait = [](std::uint64_t call, std::uint64_t ret, Error result,
                       int out, std::uint64_t queued_by, long timeout = -1,
                       std::uint64_t deadline = 0) {
    Op op = MakeOp(OpKind::kBeginWait, call, ret, result, out, timeout);
    op.deadline = deadline;
    op.queued_by = queued_by;
    return op;
  };
  const auto ok = [](const std::vector<Op>& history) {
    return LinearizabilityChecker(1, kCeiling).Check(history);
  };
  // Capacity 1, full; a waiter seen queued at 3; a grow to 2 at [4, 5]; a
  // plain Begin after it: the room was the waiter's.
  std::vector<Op> h = {Begin(0, 1, kOk, 0), wait(2, 20, kOk, 1, 3),
                       Resize(4, 5, 2), Begin(6, 7, kFull)};
  EXPECT_TRUE(ok(h));
  h.back() = Begin(6, 7, kOk, 2);
  EXPECT_FALSE(ok(h));
  // Without the grow (or with a grow that leaves no room) the waiter is
  // never served.
  h = {Begin(0, 1, kOk, 0), wait(2, 20, kOk, 1, 3), Resize(4, 5, 1)};
  EXPECT_FALSE(ok(h));
  h.back() = Resize(4, 5, 2);
  EXPECT_TRUE(ok(h));
  // Two waiters, seen queued in order; a grow by one serves the first: the
  // second's Success (returned before the first's) has no room.
  h = {Begin(0, 1, kOk, 0), wait(2, 30, kOk, 1, 3), wait(4, 12, kOk, 2, 5),
       Resize(6, 7, 2)};
  EXPECT_FALSE(ok(h));
  h.back() = Resize(6, 7, 3);  // room for both
  EXPECT_TRUE(ok(h));
  // A shrink leaves 2 open of capacity 1; an End then leaves 1 open: no
  // room for a waiter, whose finite wait times out (OutOfSessions), not
  // served.
  h = {Begin(0, 1, kOk, 0), Begin(2, 3, kOk, 1), Resize(4, 5, 1),
       wait(6, 40, kFull, -1, 7, /*timeout=*/1, /*deadline=*/30), End(8, 9, 0)};
  EXPECT_TRUE(LinearizabilityChecker(2, kCeiling).Check(h));
  h[3].result = kOk;
  h[3].out = 2;
  EXPECT_FALSE(LinearizabilityChecker(2, kCeiling).Check(h));
  // A second End does leave room: it goes to the waiter.
  h.push_back(End(10, 11, 1));
  EXPECT_TRUE(LinearizabilityChecker(2, kCeiling).Check(h));
}

}  // namespace
}  // namespace jetsession::testing
