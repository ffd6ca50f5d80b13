// Linearizability of recorded histories through the C API across instance
// lifetimes: one thread (the controller, the test's main thread) runs
// instance lifecycles on one registry record (JetCreateInstance +
// JET_paramMaxSessions + JetInit, then JetTerm, two or three times a
// history, with a MaxSessions that changes every time, from {1, 2, 3, 33,
// 40}: one pool word or two, so the record's pool is reused with more or
// fewer active words), while three worker threads call JetBeginSession and
// JetExtGetSessionCount on the current and on ended instances' handles, and
// JetEndSession / JetDupSession on their own and on each other's sessions,
// of the current and of ended incarnations. A second kind of history does
// the same with the default instance: JetInit(NULL) or JetInit(&0),
// JetTerm(0) or JetTerm(handle), and the handle 0 in JetBeginSession and
// JetExtGetSessionCount. The modes never mix in one history, and every
// history leaves no instance behind (the registry is process-global).
//
// Each history is checked against the sequential model of the contract
// (linearizability.h: instances by handle with their lifecycle, capacity
// and sessions, the run mode and the default instance; JetTerm as two
// steps, the flag and the drain-and-free; counts exact only while no
// Begin/Dup/End on their instance is in flight). A worker may repeat a
// call on one handle many times in a row (a "hammer", to stand in a call's
// window while the controller ends and starts instances); a run of equal
// answers that change nothing in the model (a failing Begin, a count) is
// recorded as one operation spanning the run, which is sound: the run is
// explained by any one of its calls' points.
//
// Two things stand in for preemption, which on its own lands in a call's
// window of a few instructions once in hundreds of thousands of histories:
// the controller stalls a worker now and then with a signal, wherever it
// is (StallSignal), and half of the multi-instance histories (a tenth
// under ThreadSanitizer) hunt a stale full proof (Worker::Hunt()): a
// worker hammers Begin on a full one-word instance, the controller stalls
// it, ends the instance and fills the first word of a two-word successor
// on the same record, then Begins once more on that full word.
//
// Workers also wait for sessions (JetExtBeginSessionWait on an instance
// they pick, JetExtDupSessionWait on a session they pick) with a timeout
// of 0 (the plain call), 1 ms, 2 ms or none: every instance ends in a
// JetTerm, which wakes its waiters (TermInProgress), so no wait outlives
// its history. The stamps are nanoseconds of steady_clock (the library's
// wait clock) since the history began, strictly increasing (Board::Stamp),
// so a wait's deadline is a stamp: its call's clock reading plus the
// timeout (the library reads the clock after it, so its deadline is no
// earlier). The model (linearizability.h, "Waiting for a session"): a
// waiter queues only on a full instance, is served by an End in queue
// order, times out with OutOfSessions only if full after its deadline, and
// answers a Stop, Unavailable or Term that comes while it waits.
//
// Built against a mutant library (tests/CMakeLists.txt,
// jetsession_add_mutant_test) with one of the lifetime defects (Mutation in
// src/atomics.h) put back, the same tests must fail: each stops at its first
// non-linearizable history and prints how many histories it took, and the
// history.
#include <jetsession/jet.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"
#include "linearizability.h"

namespace jetsession::testing {
namespace {

using concurrency_test::Jitter;
using concurrency_test::NoLiveInstances;
using concurrency_test::StressScale;
using concurrency_test::TestSeed;
using concurrency_test::ThreadGen;

constexpr int kWorkers = 3;
// Operations a worker records per history (a hammer run counts once).
constexpr int kWorkerOps = 8;
// Calls in one hammer run at most, and in the hunt's (see Worker::Hunt(),
// which ends as the controller ends the instance, or after kHuntLimit).
constexpr int kHammerCalls = 200;
constexpr int kHuntCalls = 1 << 24;
constexpr std::chrono::microseconds kHuntLimit(concurrency_test::kUnderTsan
                                                   ? 5000
                                                   : 1000);
// Waiting calls (timeout not 0) a worker makes in one history at most.
constexpr int kWaitsPerWorker = 5;
static_assert(kWorkers * kWaitsPerWorker <=
              LinearizabilityChecker::kMaxWaiters);
// The share of multi-instance histories that hunt a stale full proof (see
// Worker::Hunt()): they wait for a thread to run, spin and stall, which
// costs most under ThreadSanitizer.
constexpr double kHuntShare = concurrency_test::kUnderTsan ? 0.1 : 0.5;
// How long a stalled thread stalls (see StallSignal).
constexpr long kStallNs = concurrency_test::kUnderTsan ? 1'000'000 : 200'000;
// Capacities: one pool word (1-3) or two (33, 40); the record's pool grows
// to two words on the first 33/40 and is reused from then on, with one or
// two active words.
constexpr std::array<unsigned long, 5> kCapacities = {1, 2, 3, 33, 40};
// The record's name (one instance lives at a time).
constexpr const char* kName = "lifecycle-histories";
constexpr unsigned long kLibraryDefaultMaxSessions = 16;

enum class Kind { kMultiInstance, kDefaultInstance };

struct Outcome {
  int histories = 0;
  long ops = 0;
  int violations = 0;
  long explored = 0;        // checker states, summed
  int first_violation = 0;  // 1-based history number of the first one
  std::string first_history;
  WaitCounts waits;
};

// What the controller and the workers share during one history.
struct Board {
  // The last stamp, in nanoseconds since `base` (see Stamp()).
  std::atomic<std::uint64_t> clock{0};
  std::chrono::steady_clock::time_point base;
  // Instance handles by id, published by `instance_count` (release); 0 for
  // a default instance initialized by JetInit(NULL) (no handle known).
  std::array<std::atomic<JET_INSTANCE>, LinearizabilityChecker::kMaxInstances>
      instances{};
  std::atomic<int> instance_count{0};
  // Session handles by id, 0 until published (release).
  std::array<std::atomic<JET_SESID>, LinearizabilityChecker::kMaxSessionIds>
      sessions{};
  std::atomic<int> next_session{0};
  std::atomic<bool> controller_done{false};
  // The controller's operations so far, and about how many it will make:
  // each worker operation waits for a step drawn at random, so that they
  // spread over the controller's lifecycles.
  std::atomic<int> step{0};
  int total_steps = 0;
  // Workers that have started the history: the controller starts when all
  // have (a woken thread takes microseconds to run).
  std::atomic<int> awake{0};
  // The step each worker waits for, -1 while it does not wait. After each
  // step the controller waits until no worker waits for a step it has
  // reached (on 2 shared cores a worker may not run for a long time): each
  // worker call starts right after its step and races the next ones.
  std::array<std::atomic<int>, kWorkers + 1> waiting_for{};
  // The hunt for a stale full proof: the step at which the hunter (worker
  // 1) starts hammering Begin on the first instance (-1: no hunt), whether
  // it hammers now, and whether the controller has ended the instance.
  int hunt_step = -1;
  std::array<std::atomic<bool>, kWorkers + 1> hunting{};
  std::atomic<bool> hunt_over{false};
  Kind kind = Kind::kMultiInstance;

  // Nanoseconds from the history's start to `t` (0 before it).
  std::uint64_t Since(std::chrono::steady_clock::time_point t) const {
    return t <= base ? 0
                     : static_cast<std::uint64_t>(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(
                               t - base)
                               .count());
  }

  // The clock's reading, or one above the last stamp if that is more: one
  // clock for all threads, stamp order is real-time order, and a stamp is
  // never below the clock's reading before it was taken.
  std::uint64_t Stamp() {
    const std::uint64_t now = Since(std::chrono::steady_clock::now());
    // relaxed: a first guess; the CAS decides.
    std::uint64_t last = clock.load(std::memory_order_relaxed);
    std::uint64_t next = 0;
    do {
      next = std::max(now, last + 1);
      // acq_rel: one total order of stamps (pairs with the other threads'
      // stamp CAS): each stamp is above every one taken before it.
    } while (!clock.compare_exchange_weak(last, next, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return next;
  }

  void Reset(Kind k) {
    // relaxed: published to the workers by the start barrier.
    clock.store(0, std::memory_order_relaxed);
    base = std::chrono::steady_clock::now();
    for (auto& i : instances) i.store(0, std::memory_order_relaxed);
    instance_count.store(0, std::memory_order_relaxed);
    for (auto& s : sessions) s.store(0, std::memory_order_relaxed);
    next_session.store(0, std::memory_order_relaxed);
    controller_done.store(false, std::memory_order_relaxed);
    step.store(0, std::memory_order_relaxed);
    awake.store(0, std::memory_order_relaxed);
    for (auto& w : waiting_for) w.store(-1, std::memory_order_relaxed);
    for (auto& w : hunting) w.store(false, std::memory_order_relaxed);
    hunt_over.store(false, std::memory_order_relaxed);
    hunt_step = -1;
    kind = k;
  }
};

Error ToError(JET_ERR err) { return static_cast<Error>(err); }

// SIGUSR1 stalls the thread it interrupts for kStallNs, wherever it is: in
// the middle of a library call, between a handle check and a read of the
// record, for as long as the controller needs to end an instance and start
// the next on the same record. The way a preemption would, only on
// purpose (a call's window is a few instructions; an idle machine
// preempts a thread every few milliseconds). Installed while a
// HistoryRunner lives.
extern "C" void StallHandler(int /*signal*/) {
  timespec stall{0, kStallNs};
  nanosleep(&stall, nullptr);  // async-signal-safe
}

class StallSignal {
 public:
  StallSignal() {
    struct sigaction action {};
    action.sa_handler = StallHandler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &action, &previous_);
  }
  StallSignal(const StallSignal&) = delete;
  StallSignal& operator=(const StallSignal&) = delete;
  ~StallSignal() { sigaction(SIGUSR1, &previous_, nullptr); }

  static void Stall(std::thread& thread) {
    pthread_kill(thread.native_handle(), SIGUSR1);
  }

 private:
  struct sigaction previous_ {};
};

// One worker thread's part of a history.
class Worker {
 public:
  Worker(Board* board, int thread, std::uint64_t seed)
      : board_(board), thread_(thread), gen_(ThreadGen(seed, thread)) {}

  std::vector<Op>& log() { return log_; }

  void Run() {
    log_.clear();
    mine_.clear();
    recorded_ = 0;
    waits_ = 0;
    // The steps to wait for, one per operation, spread over the history.
    targets_.clear();
    for (int k = 0; k < kWorkerOps; ++k) {
      targets_.push_back(
          absl::Uniform(absl::IntervalClosed, gen_, 0, board_->total_steps));
    }
    std::sort(targets_.begin(), targets_.end());
    // relaxed: a count; the controller only waits for it.
    board_->awake.fetch_add(1, std::memory_order_relaxed);
    if (board_->hunt_step >= 0 && thread_ == 1) Hunt();
    while (recorded_ < kWorkerOps) {
      WaitForAStep();
      // acquire: pairs with the controller's release stores.
      const int instances =
          board_->instance_count.load(std::memory_order_acquire);
      if (instances == 0 && board_->kind == Kind::kMultiInstance) {
        if (board_->controller_done.load(std::memory_order_acquire)) break;
        std::this_thread::yield();
        continue;
      }
      const double r = absl::Uniform(gen_, 0.0, 1.0);
      const bool wait = waits_ < kWaitsPerWorker && absl::Bernoulli(gen_, 0.2);
      if (r < 0.45) {
        if (wait) {
          BeginWait(PickInstance(instances));
        } else {
          Begin(PickInstance(instances));
        }
      } else if (r < 0.6) {
        Count(PickInstance(instances));
      } else if (r < 0.85) {
        End(PickSession());
      } else if (wait) {
        DupWait(PickSession());
      } else {
        Dup(PickSession());
      }
    }
  }

 private:
  // Waits until the controller reaches a step drawn at random from those
  // ahead (or is done): spreads the calls over its lifecycles.
  void WaitForAStep() {
    const int target =
        targets_[static_cast<std::size_t>(std::min(recorded_, kWorkerOps - 1))];
    auto& waiting = board_->waiting_for[static_cast<std::size_t>(thread_)];
    // relaxed: a hint to the controller, which only waits on it.
    waiting.store(target, std::memory_order_relaxed);
    for (int spins = 0;
         board_->step.load(std::memory_order_acquire) < target &&
         !board_->controller_done.load(std::memory_order_acquire);
         ++spins) {
      if (spins % 32 == 31) std::this_thread::yield();
    }
    waiting.store(-1, std::memory_order_relaxed);
    Jitter(gen_, 100);
  }

  // The hunt for a stale full proof (worker 1 only: one thread that spins
  // leaves a core to the controller): once the first instance is full
  // (MaxSessions 1-3, one pool word), hammers Begin on it until the
  // controller has terminated it (or the answer changes). The controller
  // stalls the hunter wherever it is, ends the instance, starts the next
  // one on the same record with two pool words (MaxSessions 40) and fills
  // the first word. A Begin stalled after it read the ended incarnation's
  // word count and before its full proof must not prove the new pool full
  // (kStaleProof): the controller's next Begin, on the full first word,
  // would answer OutOfSessions with 32 of 40 open.
  void Hunt() {
    // Spins a while first: the controller reaches the step within
    // microseconds, and a yield may give the core away for milliseconds.
    for (int spins = 0;
         board_->step.load(std::memory_order_acquire) < board_->hunt_step &&
         !board_->controller_done.load(std::memory_order_acquire);
         ++spins) {
      if (spins > 20000) std::this_thread::yield();
    }
    auto& hunting = board_->hunting[static_cast<std::size_t>(thread_)];
    // relaxed: the controller waits on it, and stalls us.
    hunting.store(true, std::memory_order_relaxed);
    Op op{};
    op.kind = OpKind::kBegin;
    op.instance = 0;
    const JET_INSTANCE handle = HandleOf(0);
    // Until the controller has ended the instance, or for kHuntLimit (the
    // controller may not run meanwhile: then this hunt is lost). Never a
    // yield: a stall signal that comes in a system call lands there, not
    // in a library call.
    const auto deadline = std::chrono::steady_clock::now() + kHuntLimit;
    int asked = 0;
    Repeat(
        op, kHuntCalls,
        [handle](JET_SESID* out, long*) {
          return JetBeginSession(handle, out, nullptr, nullptr);
        },
        [&] {
          // relaxed: only ends the run.
          return board_->hunt_over.load(std::memory_order_relaxed) ||
                 (++asked % 64 == 0 &&
                  std::chrono::steady_clock::now() > deadline);
        });
    hunting.store(false, std::memory_order_relaxed);
  }

  // An instance id (a handle of the current instance, mostly, or of an
  // ended one), or kDefaultInstance for the handle 0.
  int PickInstance(int instances) {
    if (board_->kind == Kind::kDefaultInstance) {
      if (instances == 0 || absl::Bernoulli(gen_, 0.6)) {
        return kDefaultInstance;
      }
      const int id = absl::Uniform(gen_, 0, instances);
      // A default instance of JetInit(NULL): its handle is unknown.
      return board_->instances[id].load(std::memory_order_relaxed) == 0
                 ? kDefaultInstance
                 : id;
    }
    return absl::Bernoulli(gen_, 0.7) ? instances - 1
                                      : absl::Uniform(gen_, 0, instances);
  }

  JET_INSTANCE HandleOf(int id) const {
    return id == kDefaultInstance
               ? 0
               : board_->instances[id].load(std::memory_order_relaxed);
  }

  // One of this thread's sessions, or (sometimes) any published one; -1
  // when there is none.
  int PickSession() {
    if (!mine_.empty() && absl::Bernoulli(gen_, 0.7)) {
      return mine_[absl::Uniform<std::size_t>(gen_, 0, mine_.size())];
    }
    // relaxed: an index; the handle's own load orders it.
    const int issued = board_->next_session.load(std::memory_order_relaxed);
    if (issued == 0) return -1;
    const int id = absl::Uniform(gen_, 0, issued);
    // acquire: pairs with the release store of the handle.
    return board_->sessions[id].load(std::memory_order_acquire) != 0 ? id : -1;
  }

  JET_SESID SessionOf(int id) const {
    return board_->sessions[id].load(std::memory_order_acquire);
  }

  void Record(const Op& op) {
    log_.push_back(op);
    ++recorded_;
  }

  void Opened(Op* op, JET_SESID sesid) {
    if (op->result != Error::kSuccess) return;
    op->out = board_->next_session.fetch_add(1, std::memory_order_relaxed);
    if (op->out >= LinearizabilityChecker::kMaxSessionIds) {
      ADD_FAILURE() << "too many sessions in one history";
      op->out = LinearizabilityChecker::kMaxSessionIds - 1;
      return;
    }
    // release: pairs with the acquire loads of the other workers.
    board_->sessions[op->out].store(sesid, std::memory_order_release);
    mine_.push_back(op->out);
  }

  // `call()` once, or up to `calls` times while it answers the same and
  // has no effect (a failing Begin, a count): such a run is one operation
  // (see the top of the file). A different answer ends the run and is the
  // next operation (every call that may have had an effect is recorded).
  // A run takes a stamp after every kStampEvery-th call only (the shared
  // clock is a contended line): the run's operation spans its first call
  // and the last call stamped, and a call that answers differently gets
  // the last stamp taken as its call stamp (earlier than its start, which
  // only widens its interval) and one right after it.
  // `stop()`, asked before each call after the first, ends the run early.
  template <class Call, class Stop = bool (*)()>
  void Repeat(
      Op op, int calls, Call&& call, Stop stop = [] { return false; }) {
    static constexpr int kStampEvery = 16;
    op.thread = thread_;
    const bool opens = op.kind == OpKind::kBegin || op.kind == OpKind::kDup;
    std::uint64_t before = board_->Stamp();
    for (int k = 0; k < calls; ++k) {
      if (k > 0 && stop()) {
        op.ret = board_->Stamp();
        break;
      }
      JET_SESID out = JET_sesidNil;
      long value = 0;
      const Error result = ToError(call(&out, &value));
      if (k > 0 && result == op.result && value == op.value &&
          (result != Error::kSuccess || !opens)) {
        // The same answer, with no effect: the run goes on.
        if (k % kStampEvery == 0) before = op.ret = board_->Stamp();
        continue;
      }
      const std::uint64_t after = board_->Stamp();
      if (k > 0) Record(op);
      op.call = before;
      op.ret = after;
      op.result = result;
      op.value = value;
      op.out = -1;
      if (opens) Opened(&op, out);
      if (k > 0 || (result == Error::kSuccess && opens)) break;
      before = after;
    }
    Record(op);
  }

  int HammerCalls() { return absl::Bernoulli(gen_, 0.3) ? kHammerCalls : 1; }

  void Begin(int instance) {
    Op op{};
    op.kind = OpKind::kBegin;
    op.instance = instance;
    const JET_INSTANCE handle = HandleOf(instance);
    Repeat(op, HammerCalls(), [handle](JET_SESID* out, long*) {
      return JetBeginSession(handle, out, nullptr, nullptr);
    });
  }

  void Count(int instance) {
    Op op{};
    op.kind = OpKind::kCount;
    op.instance = instance;
    const JET_INSTANCE handle = HandleOf(instance);
    Repeat(op, HammerCalls(), [handle](JET_SESID*, long* value) {
      unsigned long n = 0;
      const JET_ERR err = JetExtGetSessionCount(handle, &n);
      *value = err == JET_errSuccess ? static_cast<long>(n) : 0;
      return err;
    });
  }

  void End(int id) {
    if (id < 0) return;
    Op op{};
    op.kind = OpKind::kEnd;
    op.arg = id;
    const JET_SESID sesid = SessionOf(id);
    Repeat(op, 1,
           [sesid](JET_SESID*, long*) { return JetEndSession(sesid, 0); });
    const Error result = log_.empty() ? Error::kSuccess : log_.back().result;
    if (result != Error::kInstanceUnavailable &&
        result != Error::kTermInProgress &&
        result != Error::kSessionSharingViolation) {
      std::erase(mine_, id);
    }
  }

  // JetExtBeginSessionWait (instance id >= kDefaultInstance) or
  // JetExtDupSessionWait (session `id`, with `dup`), with a timeout of 0,
  // 1 ms, 2 ms or none: one operation.
  void Wait(bool dup, int id) {
    static constexpr unsigned long kTimeouts[] = {0, 1, 2,
                                                  JET_cmsecExtWaitForever};
    const unsigned long ms = kTimeouts[absl::Uniform(gen_, 0, 4)];
    Op op{};
    op.kind = dup ? OpKind::kDupWait : OpKind::kBeginWait;
    op.thread = thread_;
    op.value = ms == JET_cmsecExtWaitForever ? -1 : static_cast<long>(ms);
    if (ms != 0) ++waits_;
    JET_INSTANCE handle = 0;
    JET_SESID source = JET_sesidNil;
    if (dup) {
      op.arg = id;
      source = SessionOf(id);
    } else {
      op.instance = id;
      handle = HandleOf(id);
    }
    // The deadline: this reading plus the timeout (the library reads the
    // clock after the call stamp, so its deadline is no earlier).
    const auto now = std::chrono::steady_clock::now();
    if (op.value > 0) {
      op.deadline =
          board_->Since(now) + static_cast<std::uint64_t>(ms) * 1'000'000U;
    }
    JET_SESID out = JET_sesidNil;
    op.call = board_->Stamp();
    const JET_ERR err = dup ? JetExtDupSessionWait(source, &out, ms)
                            : JetExtBeginSessionWait(handle, &out, ms);
    op.ret = board_->Stamp();
    op.result = ToError(err);
    Opened(&op, out);
    Record(op);
  }

  void BeginWait(int instance) { Wait(false, instance); }

  void DupWait(int id) {
    if (id >= 0) Wait(true, id);
  }

  void Dup(int id) {
    if (id < 0) return;
    Op op{};
    op.kind = OpKind::kDup;
    op.arg = id;
    const JET_SESID sesid = SessionOf(id);
    Repeat(op, 1, [sesid](JET_SESID* out, long*) {
      return JetDupSession(sesid, out);
    });
  }

  Board* board_;
  int thread_;
  absl::BitGen gen_;
  std::vector<Op> log_;
  std::vector<int> mine_;
  std::vector<int> targets_;
  int recorded_ = 0;
  int waits_ = 0;  // waiting calls (timeout not 0) in this history
};

// Runs histories of one kind on persistent worker threads; the calling
// thread is the controller (thread 0 of the histories).
class HistoryRunner {
 public:
  explicit HistoryRunner(std::uint64_t seed)
      : gen_(ThreadGen(seed, 0)), start_(kWorkers + 1), end_(kWorkers + 1) {
    for (int w = 0; w < kWorkers; ++w) {
      workers_.emplace_back(&board_, w + 1, seed);
    }
    for (int w = 0; w < kWorkers; ++w) {
      threads_.emplace_back([this, w] {
        for (;;) {
          start_.arrive_and_wait();
          // relaxed: ordered by the barrier.
          if (quit_.load(std::memory_order_relaxed)) return;
          workers_[static_cast<std::size_t>(w)].Run();
          end_.arrive_and_wait();
        }
      });
    }
  }
  HistoryRunner(const HistoryRunner&) = delete;
  HistoryRunner& operator=(const HistoryRunner&) = delete;
  ~HistoryRunner() {
    quit_.store(true, std::memory_order_relaxed);
    start_.arrive_and_wait();
    for (auto& t : threads_) t.join();
    // Back to the library's default for the tests that follow.
    JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions,
                          kLibraryDefaultMaxSessions, nullptr);
  }

  // Runs up to `count` histories of `kind`; with `stop_at_violation`,
  // stops at the first that is not linearizable.
  Outcome Run(Kind kind, int count, bool stop_at_violation) {
    Outcome outcome;
    for (int h = 0; h < count; ++h) {
      const bool linearizable = RunOne(kind, &outcome);
      ++outcome.histories;
      if (!linearizable) {
        if (++outcome.violations == 1) outcome.first_violation = h + 1;
        if (stop_at_violation) break;
      }
    }
    return outcome;
  }

 private:
  struct Incarnation {
    int id;
    JET_INSTANCE handle;  // 0: the default instance by JetInit(NULL)
    bool live;
  };

  void Record(const Op& op) { log_.push_back(op); }

  // A call of the controller as one operation.
  template <class Call>
  Op Controlled(Op op, Call&& call) {
    op.thread = 0;
    op.call = board_.Stamp();
    op.result = ToError(call());
    op.ret = board_.Stamp();
    Record(op);
    Stepped();
    return op;
  }

  // One controller operation more: workers waiting for it go.
  void Stepped() {
    // release: pairs with the workers' acquire loads.
    const int step = board_.step.fetch_add(1, std::memory_order_release) + 1;
    if (quiet_) return;
    if (step == stall_step_) {
      StallSignal::Stall(threads_[absl::Uniform<std::size_t>(
          gen_, 0, static_cast<std::size_t>(kWorkers))]);
    }
    // For a while at most: on a loaded machine a worker may not run for
    // milliseconds, and its call then comes later in the history.
    WaitAWhile(
        [&] {
          for (const auto& waiting : board_.waiting_for) {
            const int target = waiting.load(std::memory_order_relaxed);
            if (target >= 0 && target <= step) return false;
          }
          return true;
        },
        std::chrono::microseconds(kStallNs / 1000));
    Jitter(gen_, 300);
  }

  void Publish(int id, JET_INSTANCE handle) {
    board_.instances[id].store(handle, std::memory_order_relaxed);
    // release: the workers read the handle after their acquire load.
    board_.instance_count.store(id + 1, std::memory_order_release);
  }

  void Pause(int max_spins) {
    Jitter(gen_, max_spins);
    if (absl::Bernoulli(gen_, 0.2)) std::this_thread::yield();
  }

  // JetTerm as the model's two steps: the flag, then drain-and-free.
  void Term(Incarnation* inc, bool by_default_handle) {
    Op op{};
    op.kind = OpKind::kTerm;
    op.instance = by_default_handle ? kDefaultInstance : inc->id;
    op.thread = 0;
    op.call = board_.Stamp();
    const JET_ERR err = JetTerm(by_default_handle ? 0 : inc->handle);
    op.ret = board_.Stamp();
    op.result = ToError(err);
    Record(op);
    if (err == JET_errSuccess) {
      op.kind = OpKind::kTermFree;
      op.instance = inc->id;
      Record(op);
      inc->live = false;
    }
    Stepped();
  }

  // Opens `n` anonymous sessions on `inc`, one operation each (one step
  // for all: workers do not wait for each).
  void Fill(const Incarnation& inc, int n) {
    for (int k = 0; k < n; ++k) {
      Op op{};
      op.kind = OpKind::kBegin;
      op.instance = inc.id;
      op.thread = 0;
      JET_SESID sesid = JET_sesidNil;
      op.call = board_.Stamp();
      op.result =
          ToError(JetBeginSession(inc.handle, &sesid, nullptr, nullptr));
      op.ret = board_.Stamp();
      Record(op);
    }
    Stepped();
  }

  // Workers hammering Begin in the hunt (see Worker::Hunt()).
  int Hunting() const {
    int n = 0;
    for (const auto& h : board_.hunting) {
      n += h.load(std::memory_order_relaxed) ? 1 : 0;
    }
    return n;
  }

  // Waits until `done()` or for at most about `limit`, yielding (a
  // spinning wait would take the core from the thread it waits for), or,
  // with `spin_first`, spinning for the first half: for a thread that is
  // running already, so that the caller is running too when it is done.
  template <class Done>
  static void WaitAWhile(Done&& done, std::chrono::microseconds limit,
                         bool spin_first = false) {
    const auto start = std::chrono::steady_clock::now();
    while (!done()) {
      const auto waited = std::chrono::steady_clock::now() - start;
      if (waited >= limit) return;
      if (!spin_first || waited >= limit / 2) std::this_thread::yield();
    }
  }

  unsigned long PickCapacity(unsigned long previous) {
    for (;;) {
      const unsigned long c =
          kCapacities[absl::Uniform<std::size_t>(gen_, 0, kCapacities.size())];
      if (c != previous) return c;
    }
  }

  void MultiInstanceScript(std::vector<Incarnation>* incs) {
    unsigned long previous = 0;
    for (int k = 0; k < count_; ++k) {
      // The hunt: a full one-word incarnation, then a two-word one.
      const bool hunt_ended = hunt_ && k == 0;
      const bool hunt_next = hunt_ && k == 1;
      const unsigned long capacity = hunt_ended  ? hunt_capacity_
                                     : hunt_next ? 40
                                                 : PickCapacity(previous);
      previous = capacity;
      Op op{};
      op.kind = OpKind::kCreate;
      op.out = k;
      JET_INSTANCE handle = 0;
      op = Controlled(op, [&] { return JetCreateInstance(&handle, kName); });
      if (op.result != Error::kSuccess) return;
      incs->push_back({k, handle, true});
      Publish(k, handle);
      if (!hunt_ && absl::Bernoulli(gen_, 0.3)) Pause(2000);  // Created
      if (!hunt_ && absl::Bernoulli(gen_, 0.05)) {
        Term(&incs->back(), false);  // never initialized
        continue;
      }
      op = Op{};
      op.kind = OpKind::kSetMaxSessions;
      op.instance = k;
      op.value = static_cast<long>(capacity);
      Controlled(op, [&] {
        return JetSetSystemParameter(&handle, 0, JET_paramMaxSessions, capacity,
                                     nullptr);
      });
      op = Op{};
      op.kind = OpKind::kInit;
      op.instance = k;
      Controlled(op, [&] { return JetInit(&handle); });
      if (hunt_ended) {
        // Full (its one word), then stall the hunter hammering Begin on
        // it, wherever it is, and end it.
        Fill(incs->back(), static_cast<int>(capacity));
        WaitAWhile([&] { return Hunting() > 0; },
                   std::chrono::microseconds(kStallNs / 1000),
                   /*spin_first=*/true);
        Pause(500);
        // From the stall to the end of the first word's fill, as fast as
        // it goes: the stalled Begins must resume after it.
        quiet_ = true;
        for (int w = 0; w < kWorkers; ++w) {
          if (board_.hunting[static_cast<std::size_t>(w + 1)].load(
                  std::memory_order_relaxed)) {
            StallSignal::Stall(threads_[static_cast<std::size_t>(w)]);
          }
        }
        Term(&incs->back(), false);
        board_.hunt_over.store(true, std::memory_order_relaxed);
        continue;
      }
      if (hunt_next) {
        // The first word full, then, once the stalled Begins have
        // returned, one Begin more: it starts on the full first word.
        Fill(incs->back(), 32);
        quiet_ = false;
        WaitAWhile([&] { return Hunting() == 0; },
                   std::chrono::microseconds(20 * kStallNs / 1000));
        Fill(incs->back(), 1);
        Term(&incs->back(), false);
        continue;
      }
      const double gate = absl::Uniform(gen_, 0.0, 1.0);
      if (gate < 0.15) {
        Pause(3000);
        op = Op{};
        op.kind = gate < 0.08 ? OpKind::kStop : OpKind::kUnavailable;
        op.instance = k;
        Controlled(op, [&] {
          return gate < 0.08 ? JetStopServiceInstance(handle)
                             : JetExtSetInstanceUnavailable(handle);
        });
      }
      Pause(4000);
      Term(&incs->back(), false);
    }
  }

  void DefaultInstanceScript(std::vector<Incarnation>* incs) {
    unsigned long previous = 0;
    for (int k = 0; k < count_; ++k) {
      const unsigned long capacity = PickCapacity(previous);
      previous = capacity;
      Op op{};
      op.kind = OpKind::kSetDefaultMaxSessions;
      op.value = static_cast<long>(capacity);
      Controlled(op, [&] {
        return JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, capacity,
                                     nullptr);
      });
      default_capacity_ = capacity;
      Pause(2000);
      // JetInit(NULL), or JetInit(&x) with x == 0, which writes the handle.
      const bool with_handle = absl::Bernoulli(gen_, 0.5);
      op = Op{};
      op.kind = OpKind::kInitDefault;
      op.out = k;
      op.value = with_handle ? 1 : 0;
      JET_INSTANCE handle = 0;
      op = Controlled(op,
                      [&] { return JetInit(with_handle ? &handle : nullptr); });
      if (op.result != Error::kSuccess) return;
      incs->push_back({k, handle, true});
      Publish(k, handle);
      Pause(4000);
      Term(&incs->back(), handle == 0 || absl::Bernoulli(gen_, 0.5));
    }
  }

  // One history: true when it is linearizable.
  bool RunOne(Kind kind, Outcome* outcome) {
    board_.Reset(kind);
    log_.clear();
    const unsigned long initial_default = default_capacity_;
    std::vector<Incarnation> incs;
    count_ = absl::Uniform(absl::IntervalClosed, gen_, 2, 3);
    hunt_ = kind == Kind::kMultiInstance && absl::Bernoulli(gen_, kHuntShare);
    hunt_capacity_ = absl::Uniform(absl::IntervalClosed, gen_, 1UL, 3UL);
    // Create, parameter, Init and the Begins that fill it (one step): the
    // step at which the first instance is full.
    if (hunt_) board_.hunt_step = 4;
    board_.total_steps =
        count_ * (kind == Kind::kMultiInstance ? 4 : 3) + (hunt_ ? 3 : 0);
    // Now and then a worker is stalled at a random step, wherever it is.
    stall_step_ =
        absl::Bernoulli(gen_, 0.25)
            ? absl::Uniform(absl::IntervalClosed, gen_, 1, board_.total_steps)
            : -1;
    start_.arrive_and_wait();
    while (board_.awake.load(std::memory_order_relaxed) < kWorkers) {
      std::this_thread::yield();
    }
    if (kind == Kind::kMultiInstance) {
      MultiInstanceScript(&incs);
    } else {
      DefaultInstanceScript(&incs);
    }
    board_.controller_done.store(true, std::memory_order_release);
    end_.arrive_and_wait();
    // Nothing stays behind, whatever happened (not part of the history).
    for (const Incarnation& inc : incs) {
      if (!inc.live) continue;
      if (JetTerm(inc.handle) != JET_errSuccess) JetTerm(0);
    }
    std::vector<Op> history = log_;
    for (Worker& w : workers_) {
      history.insert(history.end(), w.log().begin(), w.log().end());
    }
    if (history.size() > LinearizabilityChecker::kMaxOps) {
      ADD_FAILURE() << "a history of " << history.size() << " operations";
      return true;
    }
    auto checker =
        LinearizabilityChecker::Registry(static_cast<int>(initial_default));
    const bool ok = checker.Check(history);
    outcome->ops += static_cast<long>(history.size());
    outcome->explored += static_cast<long>(checker.explored());
    outcome->waits.Add(history, /*blocked_ns=*/20'000);
    if (show_ > outcome->histories) {
      std::printf("history %d (%s):\n%s", outcome->histories + 1,
                  ok ? "linearizable" : "NOT linearizable",
                  DescribeHistory(history).c_str());
    }
    if (!ok && outcome->violations == 0) {
      outcome->first_history = DescribeHistory(history);
    }
    return ok;
  }

  Board board_;
  absl::BitGen gen_;
  std::vector<Worker> workers_;
  std::vector<std::thread> threads_;
  std::barrier<> start_;
  std::barrier<> end_;
  std::atomic<bool> quit_{false};
  std::vector<Op> log_;
  unsigned long default_capacity_ = kLibraryDefaultMaxSessions;
  StallSignal stall_signal_;
  int count_ = 0;      // incarnations in this history
  bool hunt_ = false;  // this history hunts a stale full proof
  unsigned long hunt_capacity_ = 1;
  int stall_step_ = -1;  // the step after which a worker is stalled
  bool quiet_ = false;   // steps neither wait for workers nor pause
  // JETSESSION_SHOW_HISTORIES=n prints the first n histories.
  int show_ = [] {
    const char* env = std::getenv("JETSESSION_SHOW_HISTORIES");
    return env == nullptr ? 0 : std::atoi(env);
  }();
};

// Histories per test: 20000 in release, fewer under ThreadSanitizer.
int HistoryCount() {
  if (const char* env = std::getenv("JETSESSION_LIFECYCLE_HISTORIES")) {
    return std::atoi(env);
  }
  return StressScale(20000);
}

void RunAndExpectLinearizable(Kind kind, const char* name) {
  const std::uint64_t seed = TestSeed(name);
  const auto begin = std::chrono::steady_clock::now();
  Outcome o;
  {
    HistoryRunner runner(seed);
    o = runner.Run(kind, HistoryCount(), /*stop_at_violation=*/true);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - begin)
                      .count();
  std::printf(
      "%s: %d histories, %ld ops, %d not linearizable (first after %d "
      "histories), %ld checker states, %s, %lld ms\n",
      name, o.histories, o.ops, o.violations, o.first_violation, o.explored,
      o.waits.Describe().c_str(), static_cast<long long>(ms));
  if (o.violations != 0) {
    std::printf("the first history that no sequential order explains:\n%s",
                o.first_history.c_str());
  }
  EXPECT_EQ(o.violations, 0);
  EXPECT_TRUE(NoLiveInstances()) << "a history left an instance behind";
}

// Instances created, initialized and terminated on one record while
// workers call on current and ended instances and sessions.
TEST(LifecycleHistoriesTest, MultiInstanceLifetimesAreLinearizable) {
  RunAndExpectLinearizable(Kind::kMultiInstance, "multi-instance");
}

// The default instance (JetInit(NULL) / JetTerm(0), handle 0) started and
// ended while workers call with the handle 0 and with its handles.
TEST(LifecycleHistoriesTest, DefaultInstanceLifetimesAreLinearizable) {
  RunAndExpectLinearizable(Kind::kDefaultInstance, "default-instance");
}

// The model bites on lifetimes: histories that no sequential order
// explains, each next to one that is explained.
TEST(LifecycleHistoriesTest, CheckerKnowsLifetimes) {
  const auto ok = [](const std::vector<Op>& history) {
    return LinearizabilityChecker::Registry(16).Check(history);
  };
  const auto op = [](OpKind kind, std::uint64_t call, std::uint64_t ret,
                     Error result, int instance = 0, int out = -1,
                     long value = 0, int arg = -1) {
    Op o{};
    o.kind = kind;
    o.call = call;
    o.ret = ret;
    o.result = result;
    o.instance = instance;
    o.out = out;
    o.value = value;
    o.arg = arg;
    return o;
  };
  constexpr Error kOk = Error::kSuccess;
  // Instance 0 (capacity 1) with one session, terminated; instance 1
  // (capacity 2) created on the same record.
  std::vector<Op> base = {
      op(OpKind::kCreate, 0, 1, kOk, 0, 0),
      op(OpKind::kSetMaxSessions, 2, 3, kOk, 0, -1, 1),
      op(OpKind::kInit, 4, 5, kOk, 0),
      op(OpKind::kBegin, 6, 7, kOk, 0, 0),
      op(OpKind::kTerm, 8, 9, kOk, 0),
      op(OpKind::kTermFree, 8, 9, kOk, 0),
      op(OpKind::kCreate, 10, 11, kOk, 0, 1),
      op(OpKind::kSetMaxSessions, 12, 13, kOk, 1, -1, 2),
      op(OpKind::kInit, 14, 15, kOk, 1),
  };
  EXPECT_TRUE(ok(base));
  // A Begin on the ended instance's handle: InvalidInstance, never a
  // session of the next one.
  auto h = base;
  h.push_back(op(OpKind::kBegin, 16, 17, Error::kInvalidInstance, 0));
  EXPECT_TRUE(ok(h));
  h.back().result = kOk;
  h.back().out = 1;
  EXPECT_FALSE(ok(h));
  // The old session is gone with its instance.
  h = base;
  h.push_back(op(OpKind::kEnd, 16, 17, kOk, 0, -1, 0, 0));
  EXPECT_FALSE(ok(h));
  h.back().result = Error::kInvalidSesid;
  EXPECT_TRUE(ok(h));
  // The count of the ended instance: InvalidInstance, not the next one's.
  h = base;
  h.push_back(op(OpKind::kBegin, 16, 17, kOk, 1, 1));
  h.push_back(op(OpKind::kCount, 18, 19, kOk, 0, -1, 1));
  EXPECT_FALSE(ok(h));
  h.back().result = Error::kInvalidInstance;
  h.back().value = 0;
  EXPECT_TRUE(ok(h));
  // ... but a count that overlaps the Term may come before it (1 open).
  h = base;
  h.push_back(op(OpKind::kCount, 8, 10, kOk, 0, -1, 1));
  EXPECT_TRUE(ok(h));
  h.back().value = 0;  // never 0 open on instance 0 while it ran
  EXPECT_FALSE(ok(h));
  // A Begin on instance 1 that answers OutOfSessions with 1 of 2 open.
  h = base;
  h.push_back(op(OpKind::kBegin, 16, 17, kOk, 1, -1));
  h.push_back(op(OpKind::kBegin, 18, 19, Error::kOutOfSessions, 1));
  EXPECT_FALSE(ok(h));
  h.back().result = kOk;
  EXPECT_TRUE(ok(h));
  // Created, not initialized: NotInitialized; overlapping the Init: either.
  h = base;
  h.push_back(op(OpKind::kBegin, 11, 12, Error::kNotInitialized, 1));
  EXPECT_TRUE(ok(h));
  h.back() = op(OpKind::kBegin, 16, 17, Error::kNotInitialized, 1);
  EXPECT_FALSE(ok(h));
  h.back() = op(OpKind::kBegin, 13, 16, Error::kNotInitialized, 1);
  EXPECT_TRUE(ok(h));
  // Between the flag and the free: TermInProgress; after: InvalidInstance.
  h = base;
  h.push_back(op(OpKind::kBegin, 7, 10, Error::kTermInProgress, 0));
  EXPECT_TRUE(ok(h));
  h.back() = op(OpKind::kBegin, 10, 11, Error::kTermInProgress, 0);
  EXPECT_FALSE(ok(h));

  // The default instance: JetInit(NULL) makes it Running at once, and the
  // handle 0 is InvalidParameter outside one-instance mode.
  std::vector<Op> d = {
      op(OpKind::kSetDefaultMaxSessions, 0, 1, kOk, 0, -1, 2),
      op(OpKind::kInitDefault, 2, 5, kOk, 0, 0),
      op(OpKind::kTerm, 8, 11, kOk, kDefaultInstance),
      op(OpKind::kTermFree, 8, 11, kOk, 0),
  };
  EXPECT_TRUE(ok(d));
  h = d;
  h.push_back(
      op(OpKind::kBegin, 3, 4, Error::kNotInitialized, kDefaultInstance));
  EXPECT_FALSE(ok(h));  // Created is never seen through the handle 0
  h.back().result = Error::kInvalidParameter;
  EXPECT_TRUE(ok(h));
  h.back() =
      op(OpKind::kBegin, 9, 10, Error::kInvalidInstance, kDefaultInstance);
  EXPECT_FALSE(ok(h));  // 0 is never an invalid instance
  h.back().result = Error::kTermInProgress;
  EXPECT_TRUE(ok(h));
  h.back().result = Error::kInvalidParameter;
  EXPECT_TRUE(ok(h));
  h.back() = op(OpKind::kBegin, 6, 7, kOk, kDefaultInstance, 0);
  h.push_back(op(OpKind::kBegin, 6, 7, kOk, kDefaultInstance, 1));
  h.push_back(op(OpKind::kCount, 7, 8, kOk, kDefaultInstance, -1, 2));
  EXPECT_TRUE(ok(h));
  h.push_back(
      op(OpKind::kBegin, 8, 9, Error::kOutOfSessions, kDefaultInstance));
  EXPECT_TRUE(ok(h));  // capacity 2, from the process default
  h.back().result = kOk;
  EXPECT_FALSE(ok(h));
}

}  // namespace
}  // namespace jetsession::testing
