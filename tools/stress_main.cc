// jetsession-stress: random mixes of the C API across many threads, with
// the contract's invariants checked as it goes.
//
//   jetsession-stress --threads=8 --seconds=30 --seed=1 --max_sessions=64
//                     --instances=2 --scenario=mixed
//
// Scenarios:
//   churn     Begin/Dup/End/contexts only: the capacity is threads * 4 +
//             --max_sessions, and no thread holds more than 4 sessions, so
//             any OutOfSessions is spurious (a violation).
//   mixed     churn, plus a controller thread that, per round, Stops, marks
//             Unavailable or Terminates a random instance while the workers
//             run, then re-creates it.
//   lifecycle a controller Terms one of --instances instances after another
//             and re-creates it at once, so that the same record (and, when
//             big enough, the same pool) serves the next incarnation, with a
//             new MaxSessions each time (0..200, smaller or larger, often
//             just around a multiple of 32, a pool word). The workers call
//             Begin, Dup, End, the context calls, JetExtGetSessionCount and
//             JetGetSystemParameter with current handles, with stale ones
//             (earlier incarnations' instance handles, ended and force-ended
//             session handles) and with garbage (random, 0, ~0), and check
//             each result against what was known before and after the call
//             (see lifecycle::Era): after the Term returned, InvalidInstance
//             / InvalidSesid only; a count or MaxSessions read is that of
//             the handle's own incarnation. After each re-create the
//             controller fills the new instance while the stale callers
//             still hammer the record: no worker can open a session on it
//             then, so it knows the exact count, and exactly MaxSessions
//             Begins/Dups must succeed (an OutOfSessions before is
//             spurious), the next must get OutOfSessions, the count must be
//             exact; then it ends some and fills again. It sleeps briefly
//             in the fills (most often once the previous incarnation's pool
//             words are full again), so that workers preempted in the middle
//             of a call on the old incarnation go on against the new one;
//             the workers run at a lower priority (nice +10) for the same
//             reason. --max_sessions is not used.
//   wait      waiting opens (JetExtBeginSessionWait, JetExtDupSessionWait)
//             on instances of 1..3 sessions shared by more workers, with
//             deadlines, while a controller stops, marks unavailable or
//             terminates one of them in the middle of each round: see
//             stress_wait.cc for what it checks. --max_sessions is not used.
//   resize    workers Begin, Dup and End (and wait with short timeouts) on
//             instances of ceiling --ceiling while a resizer thread sets
//             their capacity (JetExtSetMaxSessions) to random values in
//             0..ceiling without pause; every round ends at a barrier where
//             the exact count and capacity are checked: see stress_resize.cc.
//             --max_sessions is not used.
// Invariants checked (churn, mixed): no handle is issued twice among open
// sessions (each thread's handles are distinct from everyone's, checked at
// every round's barrier); the session count equals the sessions the threads
// hold at each barrier; an ended handle is rejected (InvalidSesid) by End, Dup
// and the context calls, even after its slot is reused; no Begin/Dup that
// starts after Stop/Unavailable/Term returned succeeds; no spurious
// OutOfSessions.
// A progress line each second (ops/s, violations); op counts at the end;
// exit status 1 on any violation. The same --seed gives the same random
// choices (thread interleavings still vary).
#include <jetsession/jet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "stress_report.h"
#include "stress_resize.h"
#include "stress_wait.h"

ABSL_FLAG(int, threads, 8, "worker threads");
ABSL_FLAG(double, seconds, 10, "how long to run");
ABSL_FLAG(std::uint64_t, seed, 1, "seed of every random choice");
ABSL_FLAG(int, max_sessions, 16,
          "capacity margin: MaxSessions = threads * 4 + this");
ABSL_FLAG(int, instances, 2, "instances the workers share");
ABSL_FLAG(std::string, scenario, "mixed",
          "churn, mixed, lifecycle, wait or resize");
ABSL_FLAG(int, wake_bound_ms, 2000,
          "wait: how long after a gate returned a waiter may still wait");
ABSL_FLAG(int, ceiling, 64,
          "resize: the instances' ceiling (JET_paramExtMaxSessionsCeiling), "
          "1..30000");

namespace {

constexpr int kPerThread = 4;
constexpr int kRoundMillis = 100;

std::atomic<long> g_ops{0};
using jetsession_stress::Violation;
using jetsession_stress::Violations;

// One shared instance and its gating state.
struct Slot {
  std::atomic<JET_INSTANCE> handle{0};
  // Set (release) once a Stop/Unavailable/Term on `handle` has returned.
  std::atomic<JET_INSTANCE> gated{0};
};

JET_INSTANCE MakeInstance(int index, unsigned long capacity) {
  return jetsession_stress::MakeInstance("stress", index, capacity);
}

struct Held {
  JET_SESID sesid;
  int instance;
};

class Worker {
 public:
  Worker(int id, std::uint64_t seed, std::vector<Slot>* slots)
      : id_(id),
        gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U),
                           static_cast<std::uint32_t>(id)}),
        slots_(slots) {}

  // Runs random operations until `stop` is set.
  void Round(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_acquire)) Step();
  }

  // Ends every session this worker holds (before the barrier check).
  void EndAll() {
    for (const Held& h : held_) End(h);
    held_.clear();
  }

  const std::vector<Held>& held() const { return held_; }

 private:
  void Step() {
    const int op = absl::Uniform(gen_, 0, 10);
    if (op < 4 || held_.empty()) {
      Open(op == 1 && !held_.empty());
    } else if (op < 7) {
      const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
      End(held_[k]);
      held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (op < 9) {
      Context();
    } else {
      Stale();
    }
    ++g_ops;
  }

  void Open(bool dup) {
    if (held_.size() >= kPerThread) return;
    const int index =
        dup ? held_.back().instance
            : absl::Uniform(gen_, 0, static_cast<int>(slots_->size()));
    Slot& slot = (*slots_)[static_cast<std::size_t>(index)];
    const JET_INSTANCE inst = slot.handle.load(std::memory_order_acquire);
    // Observed before the call: a gating call on `inst` had returned.
    const bool gated = slot.gated.load(std::memory_order_acquire) == inst;
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = dup ? JetDupSession(held_.back().sesid, &s)
                            : JetBeginSession(inst, &s, nullptr, nullptr);
    if (err == JET_errSuccess) {
      if (gated) {
        Violation(
            absl::StrFormat("thread %d: open succeeded after gating", id_),
            inst);
      }
      held_.push_back({s, index});
    } else if (err == JET_errOutOfSessions) {
      Violation(absl::StrFormat("thread %d: spurious OutOfSessions", id_),
                inst);
    }
  }

  void End(const Held& h) {
    JET_ERR err = JetEndSession(h.sesid, 0);
    if (err == JET_errSessionInUse) {
      JetResetSessionContext(h.sesid);
      err = JetEndSession(h.sesid, 0);
    }
    // Only a handle that is really gone is a stale handle (an End refused
    // by an unavailable instance leaves the session open until its Term).
    if (err != JET_errSuccess && err != JET_errInvalidSesid) return;
    if (ended_.size() < 512) {
      ended_.push_back(h.sesid);
    } else {
      ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())] = h.sesid;
    }
  }

  void Context() {
    if (held_.empty()) return;
    const Held& h = held_[absl::Uniform<std::size_t>(gen_, 0, held_.size())];
    const JET_ERR set = JetSetSessionContext(h.sesid, 42);
    if (set != JET_errSuccess) return;
    const JET_ERR reset = JetResetSessionContext(h.sesid);
    // TermInProgress: a Term of the instance started between (the context
    // calls answer it without taking the session); InvalidSesid: the Term
    // force-ended the session between.
    if (reset != JET_errSuccess && reset != JET_errTermInProgress &&
        reset != JET_errInvalidSesid) {
      Violation(absl::StrFormat("reset by the setting thread: %d", reset));
    }
  }

  void Stale() {
    if (ended_.empty()) return;
    const JET_SESID old =
        ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())];
    JET_SESID d = 0;
    if (JetEndSession(old, 0) != JET_errInvalidSesid ||
        JetDupSession(old, &d) != JET_errInvalidSesid ||
        JetSetSessionContext(old, 1) != JET_errInvalidSesid) {
      Violation(
          absl::StrFormat("thread %d: an ended handle was accepted", id_));
    }
  }

  int id_;
  absl::BitGen gen_;
  std::vector<Slot>* slots_;
  std::vector<Held> held_;
  std::vector<JET_SESID> ended_;
};

// ---- Scenario lifecycle
// ------------------------------------------------------

namespace lifecycle {

using Clock = std::chrono::steady_clock;

enum Call {
  kBegin,
  kDup,
  kEnd,
  kSetContext,
  kResetContext,
  kGetCount,
  kGetParam,
};
constexpr int kCallCount = kGetParam + 1;
constexpr std::array<const char*, kCallCount> kCallNames = {
    "JetBeginSession",      "JetDupSession",          "JetEndSession",
    "JetSetSessionContext", "JetResetSessionContext", "JetExtGetSessionCount",
    "JetGetSystemParameter"};

// The handle a worker's call was given: of an incarnation not known to be
// terminated when the call started (it may race the Term), known stale (the
// Term had returned, or the session had ended), or garbage.
enum Kind { kLive, kStale, kGarbage };
constexpr int kKindCount = kGarbage + 1;

// What a violation was, for the summary.
enum Finding {
  kSpuriousFull,  // the checker got OutOfSessions below MaxSessions
  kOverCapacity,  // a Begin/Dup beyond MaxSessions succeeded
  kCheckerOther,  // another wrong answer to the checker
  kCountOfStale,  // JetExtGetSessionCount: Success after the Term
                  // returned, or a count above the incarnation's MaxSessions
  kWorkerOther,   // another wrong answer to a worker
  kSetupFailed,   // create/init/term failed
  kFindingCount
};
constexpr std::array<const char*, kFindingCount> kFindingNames = {
    "spurious OutOfSessions (checker, exact count known)",
    "open beyond MaxSessions (checker)",
    "other wrong result to the checker",
    "JetExtGetSessionCount on a stale handle: Success / count > MaxSessions",
    "other wrong result to a worker",
    "instance set-up or JetTerm failed"};

constexpr unsigned long kMaxMaxSessions = 200;
constexpr std::size_t kNoStall = ~std::size_t{0};
constexpr std::size_t kHeldPerThread = 4;

const char* ErrName(JET_ERR err) {
  switch (err) {
    case JET_errSuccess:
      return "Success";
    case JET_errOutOfSessions:
      return "OutOfSessions";
    case JET_errInvalidSesid:
      return "InvalidSesid";
    case JET_errInvalidInstance:
      return "InvalidInstance";
    case JET_errInvalidParameter:
      return "InvalidParameter";
    case JET_errTermInProgress:
      return "TermInProgress";
    case JET_errNotInitialized:
      return "NotInitialized";
    case JET_errSessionSharingViolation:
      return "SessionSharingViolation";
    case JET_errSessionInUse:
      return "SessionInUse";
    case JET_errSessionContextAlreadySet:
      return "SessionContextAlreadySet";
    case JET_errSessionContextNotSetByThisThread:
      return "SessionContextNotSetByThisThread";
    case JET_errClientRequestToStopJetService:
      return "ClientRequestToStopJetService";
    case JET_errInstanceUnavailable:
      return "InstanceUnavailable";
    default:
      return "another error";
  }
}

// One incarnation of a lane's instance. Immutable once published; kept
// until the end of the run (workers read it through pointers).
struct Incarnation {
  int lane;
  std::uint64_t index;  // 0, 1, 2... on its lane; Terms come in this order
  JET_INSTANCE handle;
  unsigned long max_sessions;
};

// One instance name ("lifecycle-<lane>") and its incarnations.
struct Lane {
  // Where workers Begin: the newest incarnation that passed its check; after
  // its Term it stays here (stale) until the next one has been checked.
  std::atomic<const Incarnation*> open{nullptr};
  // The newest incarnation (maybe under check: workers only query it).
  std::atomic<const Incarnation*> newest{nullptr};
  // Incarnations with an index below these: JetTerm was called / returned.
  std::atomic<std::uint64_t> term_started{0};
  std::atomic<std::uint64_t> terminated{0};
};

struct Shared {
  Shared(int lane_count, std::uint64_t run_seed)
      : lanes(static_cast<std::size_t>(lane_count)), seed(run_seed) {}

  std::vector<Lane> lanes;
  // Incarnations that were open to the workers: mostly terminated, some
  // live (a ring; the instance handles of the stale calls).
  std::array<std::atomic<const Incarnation*>, 64> opened{};
  std::atomic<std::uint64_t> opened_next{0};
  // Session handles known ended (End returned Success, or their instance's
  // Term returned) before they were stored here.
  std::array<std::atomic<JET_SESID>, 256> ended{};
  std::atomic<std::uint64_t> ended_next{0};
  std::atomic<bool> stop{false};
  // The lane the controller Terms next.
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> cycle{0};
  const Clock::time_point start = Clock::now();
  const std::uint64_t seed;

  std::array<std::atomic<long>, kFindingCount> findings{};
  std::mutex first_mutex;
  std::array<std::uint64_t, kFindingCount> first_cycle{};
  std::array<double, kFindingCount> first_seconds{};

  double Elapsed() const {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  bool Dead(const Incarnation& inc) const {
    // acquire: pairs with the controller's store after JetTerm returned.
    return lanes[static_cast<std::size_t>(inc.lane)].terminated.load(
               std::memory_order_acquire) > inc.index;
  }
  bool TermStarted(const Incarnation& inc) const {
    // seq_cst: the controller stores it (seq_cst) before it calls JetTerm;
    // a call whose return precedes this load not seeing it ended before
    // the Term began.
    return lanes[static_cast<std::size_t>(inc.lane)].term_started.load(
               std::memory_order_seq_cst) > inc.index;
  }

  void PublishEnded(JET_SESID sesid) {
    const std::uint64_t n = ended_next.fetch_add(1, std::memory_order_relaxed);
    ended[n % ended.size()].store(sesid, std::memory_order_release);
  }
  JET_SESID AnyEnded(std::size_t pick) const {
    return ended[pick % ended.size()].load(std::memory_order_acquire);
  }

  void Report(Finding finding, const std::string& what) {
    const long n = ++findings[finding];
    const std::uint64_t c = cycle.load(std::memory_order_relaxed);
    const double t = Elapsed();
    if (n == 1) {
      const std::lock_guard<std::mutex> lock(first_mutex);
      first_cycle[finding] = c;
      first_seconds[finding] = t;
    }
    Violation(absl::StrFormat("lifecycle seed=%u cycle %u t=%.3fs: %s", seed, c,
                              t, what));
  }
};

std::string Describe(const Incarnation& inc) {
  return absl::StrFormat(
      "lane %d incarnation %u (instance handle %#x, MaxSessions %lu)", inc.lane,
      inc.index, inc.handle, inc.max_sessions);
}

// When a call on a handle of an incarnation ran, relative to its Term.
enum class Era {
  kLive,    // it returned before JetTerm was called: the instance ran
  kRacing,  // it may have overlapped the Term
  kDead,    // it started after JetTerm returned
};

const char* EraName(Era era) {
  switch (era) {
    case Era::kLive:
      return "before its Term";
    case Era::kRacing:
      return "racing its Term";
    default:
      return "after its Term returned";
  }
}

// Legal results: `live` when the call ran before the Term; those and
// `racing` when it may have overlapped it; only `dead` after it.
bool Legal(Era era, JET_ERR err, std::initializer_list<JET_ERR> live,
           std::initializer_list<JET_ERR> racing,
           std::initializer_list<JET_ERR> dead) {
  auto in = [err](std::initializer_list<JET_ERR> set) {
    return std::find(set.begin(), set.end(), err) != set.end();
  };
  switch (era) {
    case Era::kLive:
      return in(live);
    case Era::kRacing:
      return in(live) || in(racing);
    default:
      return in(dead);
  }
}

using Counts =
    std::array<std::atomic<long>, std::size_t{kCallCount} * kKindCount>;

std::size_t Index(Call call, Kind kind) {
  return static_cast<std::size_t>(call) * kKindCount +
         static_cast<std::size_t>(kind);
}

class Worker {
 public:
  Worker(int id, Shared* shared)
      : id_(id),
        gen_(std::seed_seq{static_cast<std::uint32_t>(shared->seed),
                           static_cast<std::uint32_t>(shared->seed >> 32U),
                           static_cast<std::uint32_t>(id), 0x11feU}),
        shared_(shared) {}

  void Run() {
#ifdef __linux__
    // Workers run 10 nice levels below the controller (a tenth of its CFS
    // weight): when there are more threads than cores, the controller's
    // cycles are not starved, and when it wakes it preempts a worker at
    // once, perhaps in the middle of a call on the record it reuses next.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, tid);
    if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + 10, 19));
#endif
    while (!shared_->stop.load(std::memory_order_acquire)) Step();
  }

  long Ops() const {
    long total = 0;
    for (const auto& c : counts_) total += c.load(std::memory_order_relaxed);
    return total;
  }
  long Straddled(Call call) const {
    return straddled_[call].load(std::memory_order_relaxed);
  }
  long CountOf(Call call, Kind kind) const {
    return counts_[Index(call, kind)].load(std::memory_order_relaxed);
  }

 private:
  struct Held {
    JET_SESID sesid;
    const Incarnation* inc;
  };

  // One call, by weight out of 64. The parameter calls take the registry's
  // lock (as JetTerm and JetInit do): they are rare (1/512 of the calls
  // here, 1/128 of the stale and garbage session calls), or the controller
  // would spend its time waiting for preempted workers that hold it.
  void Step() {
    const int op = absl::Uniform(gen_, 0, 64);
    if (op < 12) {
      BeginOn(*OpenOf(RandomLane()));
    } else if (op < 16) {
      BeginOn(*AnyIncarnation());
    } else if (op < 19) {
      BeginGarbage();
    } else if (op < 26) {
      Dup();
    } else if (op < 36) {
      EndHeld();
    } else if (op < 41) {
      Context();
    } else if (op < 50) {
      StaleSession();
    } else if (op < 54) {
      GarbageSession();
    } else if (op < 63 || absl::Uniform(gen_, 0, 8) != 0) {
      Query(/*count=*/true);
    } else if (absl::Uniform(gen_, 0, 2) == 0) {
      Query(/*count=*/false);
    } else {
      ParamBySession();
    }
  }

  // A call on `inc` that started before its Term had returned and returned
  // after the next incarnation on its record was created (and maybe
  // filled): the calls that can carry a stale decision into it.
  void NoteStraddle(Call call, const Incarnation& inc, bool dead) {
    if (dead) return;
    const Lane& lane = shared_->lanes[static_cast<std::size_t>(inc.lane)];
    if (lane.newest.load(std::memory_order_acquire)->index > inc.index) {
      straddled_[call].fetch_add(1, std::memory_order_relaxed);
    }
  }

  void Tally(Call call, Kind kind) {
    // relaxed: a statistic, read by the progress line and at the end.
    counts_[Index(call, kind)].fetch_add(1, std::memory_order_relaxed);
  }

  // Half the time the lane the controller Terms next, so that most stale
  // calls meet the record being reused, however many instances there are.
  Lane& RandomLane() {
    const std::size_t k =
        absl::Uniform(gen_, 0, 2) == 0
            ? shared_->next.load(std::memory_order_relaxed)
            : absl::Uniform<std::size_t>(gen_, 0, shared_->lanes.size());
    return shared_->lanes[k];
  }
  static const Incarnation* OpenOf(const Lane& lane) {
    // acquire: pairs with the controller's release store.
    return lane.open.load(std::memory_order_acquire);
  }
  // An incarnation that was open to the workers, most likely terminated.
  const Incarnation* AnyIncarnation() {
    const auto k = absl::Uniform<std::size_t>(gen_, 0, shared_->opened.size());
    const Incarnation* inc = shared_->opened[k].load(std::memory_order_acquire);
    return inc != nullptr ? inc : OpenOf(RandomLane());
  }

  Era EraAfter(const Incarnation& inc, bool dead) const {
    if (dead) return Era::kDead;
    return shared_->TermStarted(inc) ? Era::kRacing : Era::kLive;
  }

  void Bad(Call call, const std::string& on, Era era, JET_ERR err,
           const std::string& more = "") {
    shared_->Report(kWorkerOther,
                    absl::StrFormat("thread %d: %s on %s, %s, returned %s "
                                    "(%d)%s",
                                    id_, kCallNames[call], on, EraName(era),
                                    ErrName(err), err, more));
  }

  void Retire(std::size_t k) {
    Remember(held_[k].sesid);
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(k));
  }
  void Remember(JET_SESID sesid) {
    if (ended_.size() < 256) {
      ended_.push_back(sesid);
    } else {
      ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())] = sesid;
    }
    if (absl::Uniform(gen_, 0, 4) == 0) shared_->PublishEnded(sesid);
  }

  // JetBeginSession on a handle of `inc`, current or stale.
  void BeginOn(const Incarnation& inc) {
    if (held_.size() >= kHeldPerThread) {
      EndHeld();
      return;
    }
    const bool dead = shared_->Dead(inc);
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(inc.handle, &s, nullptr, nullptr);
    const Era era = EraAfter(inc, dead);
    Tally(kBegin, dead ? kStale : kLive);
    NoteStraddle(kBegin, inc, dead);
    if (!Legal(era, err, {JET_errSuccess, JET_errOutOfSessions},
               {JET_errTermInProgress, JET_errInvalidInstance},
               {JET_errInvalidInstance})) {
      Bad(kBegin, Describe(inc), era, err);
    }
    if (err != JET_errSuccess) return;
    if (era == Era::kDead) {
      // The session is somewhere it should not be: end it, or the checker
      // of that record's next incarnation reports it too.
      JetEndSession(s, 0);
      return;
    }
    held_.push_back({s, &inc});
  }

  void BeginGarbage() {
    const int pick = absl::Uniform(gen_, 0, 4);
    const JET_INSTANCE h = pick == 0   ? 0
                           : pick == 1 ? JET_instanceNil
                                       : GarbageValue(pick == 3);
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(h, &s, nullptr, nullptr);
    Tally(kBegin, kGarbage);
    const JET_ERR want =
        pick < 2 ? JET_errInvalidParameter : JET_errInvalidInstance;
    if (err != want) {
      shared_->Report(
          kWorkerOther,
          absl::StrFormat("thread %d: JetBeginSession on garbage "
                          "instance handle %#x returned %s (%d), "
                          "not %s",
                          id_, h, ErrName(err), err, ErrName(want)));
      if (err == JET_errSuccess) JetEndSession(s, 0);
    }
  }

  // A value no handle had: random, or random above the low 16 bits of a
  // known handle (the record field, so that it reaches a real record).
  std::uint64_t GarbageValue(bool near_known) {
    const auto r = absl::Uniform<std::uint64_t>(gen_);
    if (!near_known) return r;
    const Incarnation* inc = AnyIncarnation();
    return (r << 16U) | (inc->handle & 0xFFFFU);
  }

  void Dup() {
    if (held_.empty()) {
      BeginOn(*OpenOf(RandomLane()));
      return;
    }
    const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
    const Held h = held_[k];
    const bool dead = shared_->Dead(*h.inc);
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetDupSession(h.sesid, &s);
    const Era era = EraAfter(*h.inc, dead);
    Tally(kDup, dead ? kStale : kLive);
    if (!Legal(era, err, {JET_errSuccess, JET_errOutOfSessions},
               {JET_errTermInProgress, JET_errInvalidSesid},
               {JET_errInvalidSesid})) {
      Bad(kDup, "a session of " + Describe(*h.inc), era, err);
    }
    if (err == JET_errInvalidSesid) {
      Retire(k);
    } else if (err == JET_errSuccess) {
      if (era == Era::kDead) {
        JetEndSession(s, 0);
      } else {
        held_.push_back({s, h.inc});
        if (held_.size() > kHeldPerThread) EndHeld();
      }
    }
  }

  void EndHeld() {
    if (held_.empty()) return;
    const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
    const Held h = held_[k];
    const bool dead = shared_->Dead(*h.inc);
    const JET_ERR err = JetEndSession(h.sesid, 0);
    const Era era = EraAfter(*h.inc, dead);
    Tally(kEnd, dead ? kStale : kLive);
    if (!Legal(era, err, {JET_errSuccess},
               {JET_errTermInProgress, JET_errInvalidSesid},
               {JET_errInvalidSesid})) {
      Bad(kEnd, "a session of " + Describe(*h.inc), era, err);
    }
    // TermInProgress: still open until the Term force-ends it.
    if (err == JET_errSuccess || err == JET_errInvalidSesid || dead) Retire(k);
  }

  void Context() {
    if (held_.empty()) return;
    const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
    const Held h = held_[k];
    bool dead = shared_->Dead(*h.inc);
    const JET_ERR set = JetSetSessionContext(h.sesid, 0x5eed);
    Era era = EraAfter(*h.inc, dead);
    Tally(kSetContext, dead ? kStale : kLive);
    if (!Legal(era, set, {JET_errSuccess},
               {JET_errTermInProgress, JET_errInvalidSesid},
               {JET_errInvalidSesid})) {
      Bad(kSetContext, "a session of " + Describe(*h.inc), era, set);
    }
    if (set != JET_errSuccess) {
      if (set == JET_errInvalidSesid || dead) Retire(k);
      return;
    }
    dead = shared_->Dead(*h.inc);
    const JET_ERR reset = JetResetSessionContext(h.sesid);
    era = EraAfter(*h.inc, dead);
    Tally(kResetContext, dead ? kStale : kLive);
    if (!Legal(era, reset, {JET_errSuccess},
               {JET_errTermInProgress, JET_errInvalidSesid},
               {JET_errInvalidSesid})) {
      Bad(kResetContext, "a session of " + Describe(*h.inc), era, reset);
    }
    if (reset == JET_errInvalidSesid || dead) Retire(k);
  }

  // The calls on a session handle that must all answer InvalidSesid.
  void MustBeInvalid(JET_SESID s, Kind kind, const char* what) {
    JET_SESID d = JET_sesidNil;
    JET_API_PTR value = 0;
    // The parameter call (which takes the registry's lock) 1 time in 128.
    const int call =
        absl::Uniform(gen_, 0, 128) == 0 ? 4 : absl::Uniform(gen_, 0, 4);
    const bool nil = s == 0 || s == JET_sesidNil;
    JET_ERR err = JET_errInvalidSesid;
    Call which = kEnd;
    switch (call) {
      case 0:
        err = JetEndSession(s, 0);
        break;
      case 1:
        which = kDup;
        err = JetDupSession(s, &d);
        break;
      case 2:
        which = kSetContext;
        err = JetSetSessionContext(s, 0x5eed);
        break;
      case 3:
        which = kResetContext;
        err = JetResetSessionContext(s);
        break;
      default:
        // 0 and nil mean "no session" here: not a session handle.
        if (nil) return;
        which = kGetParam;
        err = JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr,
                                    0);
        break;
    }
    Tally(which, kind);
    if (err != JET_errInvalidSesid) {
      shared_->Report(
          kWorkerOther,
          absl::StrFormat("thread %d: %s on %s session handle "
                          "%#x returned %s (%d), not InvalidSesid",
                          id_, kCallNames[which], what, s, ErrName(err), err));
      if (which == kDup && err == JET_errSuccess) JetEndSession(d, 0);
      if (which == kSetContext && err == JET_errSuccess) {
        JetResetSessionContext(s);
      }
    }
  }

  void StaleSession() {
    JET_SESID s = 0;
    if (!ended_.empty() && absl::Uniform(gen_, 0, 2) == 0) {
      s = ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())];
    } else {
      s = shared_->AnyEnded(absl::Uniform<std::size_t>(gen_));
    }
    if (s == 0) return;
    MustBeInvalid(s, kStale, "an ended");
  }

  void GarbageSession() {
    const int pick = absl::Uniform(gen_, 0, 4);
    JET_SESID s = 0;
    if (pick == 1) {
      s = JET_sesidNil;
    } else if (pick == 2) {
      s = absl::Uniform<std::uint64_t>(gen_);
    } else if (pick == 3) {
      // Above a real record index (a session's low 14 bits): random slot
      // and generation.
      const Incarnation* inc = AnyIncarnation();
      s = (absl::Uniform<std::uint64_t>(gen_) << 14U) | (inc->handle & 0x3FFFU);
    }
    MustBeInvalid(s, kGarbage, "a garbage");
  }

  // JetExtGetSessionCount (count) or JetGetSystemParameter(MaxSessions) on
  // the newest incarnation (maybe under check), an older one, or garbage.
  void Query(bool count) {
    const int pick = absl::Uniform(gen_, 0, 10);
    if (pick >= 7) {
      QueryGarbage(count, pick);
      return;
    }
    const Incarnation& inc =
        pick < 4 ? *RandomLane().newest.load(std::memory_order_acquire)
                 : *AnyIncarnation();
    const bool dead = shared_->Dead(inc);
    unsigned long n = 0;
    JET_API_PTR value = 0;
    const JET_ERR err =
        count ? JetExtGetSessionCount(inc.handle, &n)
              : JetGetSystemParameter(inc.handle, 0, JET_paramMaxSessions,
                                      &value, nullptr, 0);
    const Era era = EraAfter(inc, dead);
    const Call call = count ? kGetCount : kGetParam;
    Tally(call, dead ? kStale : kLive);
    NoteStraddle(call, inc, dead);
    const bool legal = Legal(era, err, {JET_errSuccess},
                             {JET_errTermInProgress, JET_errInvalidInstance},
                             {JET_errInvalidInstance});
    if (count) {
      if (!legal || (err == JET_errSuccess && n > inc.max_sessions)) {
        shared_->Report(
            err == JET_errSuccess ? kCountOfStale : kWorkerOther,
            absl::StrFormat("thread %d: JetExtGetSessionCount on %s, %s, "
                            "returned %s (%d) with count %lu",
                            id_, Describe(inc), EraName(era), ErrName(err), err,
                            n));
      }
    } else if (!legal || (err == JET_errSuccess && value != inc.max_sessions)) {
      Bad(kGetParam, Describe(inc), era, err,
          absl::StrFormat(" with MaxSessions %u", value));
    }
  }

  void QueryGarbage(bool count, int pick) {
    const JET_INSTANCE h = pick == 7 ? 0
                           : pick == 8
                               ? JET_instanceNil
                               : GarbageValue(absl::Uniform(gen_, 0, 2) == 0);
    unsigned long n = 0;
    JET_API_PTR value = 0;
    const JET_ERR err = count
                            ? JetExtGetSessionCount(h, &n)
                            : JetGetSystemParameter(h, 0, JET_paramMaxSessions,
                                                    &value, nullptr, 0);
    Tally(count ? kGetCount : kGetParam, kGarbage);
    // 0 and nil outside one-instance mode: InvalidParameter for an instance
    // call; the process-wide default for a parameter.
    const JET_ERR want = pick == 9 ? JET_errInvalidInstance
                         : count   ? JET_errInvalidParameter
                                   : JET_errSuccess;
    if (err != want) {
      shared_->Report(
          kWorkerOther,
          absl::StrFormat("thread %d: %s on garbage instance "
                          "handle %#x returned %s (%d), not %s",
                          id_, kCallNames[count ? kGetCount : kGetParam], h,
                          ErrName(err), err, ErrName(want)));
    }
  }

  // JetGetSystemParameter(MaxSessions) through a held session: the
  // session's instance, whatever the instance handle says.
  void ParamBySession() {
    if (held_.empty()) {
      Query(false);
      return;
    }
    const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
    const Held h = held_[k];
    const bool dead = shared_->Dead(*h.inc);
    JET_API_PTR value = 0;
    const JET_INSTANCE other =
        absl::Uniform(gen_, 0, 2) == 0 ? 0 : AnyIncarnation()->handle;
    const JET_ERR err = JetGetSystemParameter(
        other, h.sesid, JET_paramMaxSessions, &value, nullptr, 0);
    const Era era = EraAfter(*h.inc, dead);
    Tally(kGetParam, dead ? kStale : kLive);
    if (!Legal(era, err, {JET_errSuccess},
               {JET_errTermInProgress, JET_errInvalidSesid},
               {JET_errInvalidSesid}) ||
        (err == JET_errSuccess && value != h.inc->max_sessions)) {
      Bad(kGetParam, "a session of " + Describe(*h.inc), era, err,
          absl::StrFormat(" with MaxSessions %u", value));
    }
    if (err == JET_errInvalidSesid || dead) Retire(k);
  }

  int id_;
  absl::BitGen gen_;
  Shared* shared_;
  std::vector<Held> held_;
  std::vector<JET_SESID> ended_;
  Counts counts_{};
  std::array<std::atomic<long>, kCallCount> straddled_{};
};

// Terms and re-creates the lanes' instances, and checks each new
// incarnation's exact capacity while the workers hammer its record with
// stale handles.
class Controller {
 public:
  explicit Controller(Shared* shared)
      : shared_(shared),
        gen_(std::seed_seq{static_cast<std::uint32_t>(shared->seed),
                           static_cast<std::uint32_t>(shared->seed >> 32U),
                           0xc0U}),
        kept_(shared->lanes.size()) {}

  // Creates and checks every lane's first incarnation. False on failure.
  bool Start() {
    for (std::size_t i = 0; i < shared_->lanes.size(); ++i) {
      const Incarnation* inc = Create(static_cast<int>(i), 0, 0);
      if (inc == nullptr) return false;
      Check(*inc, kMaxMaxSessions);
      Open(*inc);
    }
    return true;
  }

  // One cycle: Term a random lane's instance while the workers use it,
  // re-create it (the same record), check it, open it. False on failure.
  bool Cycle() {
    const auto lane_index =
        absl::Uniform<std::size_t>(gen_, 0, shared_->lanes.size());
    // relaxed: a hint to the workers.
    shared_->next.store(lane_index, std::memory_order_relaxed);
    Lane& lane = shared_->lanes[lane_index];
    const Incarnation& old = *lane.newest.load(std::memory_order_relaxed);
    Pause();
    // seq_cst: see Shared::TermStarted().
    lane.term_started.store(old.index + 1, std::memory_order_seq_cst);
    const JET_ERR err = JetTerm(old.handle);
    lane.terminated.store(old.index + 1, std::memory_order_seq_cst);
    if (err != JET_errSuccess) {
      shared_->Report(kSetupFailed,
                      absl::StrFormat("JetTerm on %s returned %s (%d)",
                                      Describe(old), ErrName(err), err));
      return false;
    }
    // The checker's sessions left open on it are force-ended now.
    for (const JET_SESID s : kept_[lane_index]) {
      const JET_ERR end = JetEndSession(s, 0);
      ++calls_[kEnd];
      if (end != JET_errInvalidSesid) {
        shared_->Report(
            kCheckerOther,
            absl::StrFormat("checker: JetEndSession on a session of %s "
                            "after its Term returned: %s (%d), not "
                            "InvalidSesid",
                            Describe(old), ErrName(end), end));
      }
      shared_->PublishEnded(s);
    }
    kept_[lane_index].clear();
    const Incarnation* inc =
        Create(static_cast<int>(lane_index), old.index + 1, old.handle);
    if (inc == nullptr) return false;
    Check(*inc, old.max_sessions);
    Open(*inc);
    shared_->cycle.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Terms every lane's instance (workers stopped).
  void Finish() {
    for (auto& lane : shared_->lanes) {
      const Incarnation* inc = lane.newest.load(std::memory_order_relaxed);
      if (inc == nullptr) continue;
      const JET_ERR err = JetTerm(inc->handle);
      if (err != JET_errSuccess) {
        shared_->Report(kSetupFailed,
                        absl::StrFormat("final JetTerm on %s returned %s",
                                        Describe(*inc), ErrName(err)));
      }
    }
  }

  void PrintSummary() const {
    std::printf(
        "lifecycle: %llu re-creates (same record reused %llu times), "
        "MaxSessions %lu..%lu, %llu crossings of a multiple of 32\n"
        "  exact-capacity checks: %llu incarnations (%llu fills), %llu "
        "Begin/Dup with the exact count known below MaxSessions "
        "(spurious-full checks), %llu OutOfSessions confirmed at "
        "MaxSessions, %llu count checks\n"
        "  checker calls:",
        static_cast<unsigned long long>(recreates_),
        static_cast<unsigned long long>(reused_), min_max_, max_max_,
        static_cast<unsigned long long>(crossings_),
        static_cast<unsigned long long>(checks_),
        static_cast<unsigned long long>(fills_),
        static_cast<unsigned long long>(checked_opens_),
        static_cast<unsigned long long>(full_confirmed_),
        static_cast<unsigned long long>(count_checks_));
    for (int c = 0; c < kCallCount; ++c) {
      if (calls_[c] != 0) {
        std::printf(" %s %llu", kCallNames[c],
                    static_cast<unsigned long long>(calls_[c]));
      }
    }
    std::printf("\n");
  }

 private:
  // MaxSessions of a new incarnation: small, around a multiple of 32 (the
  // pool's word), or anything in 0..200.
  unsigned long PickMax() {
    const int kind = absl::Uniform(gen_, 0, 10);
    long m = 0;
    if (kind < 3) {
      m = absl::Uniform(gen_, 0, 10);
    } else if (kind < 6) {
      m = 32L * absl::Uniform(gen_, 1, 7) + absl::Uniform(gen_, -1, 2);
    } else {
      m = absl::Uniform<long>(gen_, 0, static_cast<long>(kMaxMaxSessions) + 1);
    }
    return static_cast<unsigned long>(
        std::clamp<long>(m, 0, static_cast<long>(kMaxMaxSessions)));
  }

  // Lets the workers run on the instance before its Term: at once, a few
  // yields, or a short sleep.
  void Pause() {
    if (absl::Uniform(gen_, 0, 4) != 0) Stall();
  }

  // Sleeps a little, once or a few times: each time a worker of this core
  // runs meanwhile (perhaps one preempted in the middle of a call on an
  // earlier incarnation of the record under check, which then goes on in
  // this one), and when the controller wakes (it has the higher priority)
  // it preempts one, perhaps in the middle of a call.
  void Stall() {
    for (int i = absl::Uniform(gen_, 1, 5); i > 0; --i) {
      std::this_thread::sleep_for(
          std::chrono::microseconds(absl::Uniform(gen_, 5, 50)));
    }
  }

  const Incarnation* Create(int lane, std::uint64_t index,
                            JET_INSTANCE previous) {
    const unsigned long m = PickMax();
    const std::string name = absl::StrFormat("lifecycle-%d", lane);
    JET_INSTANCE h = 0;
    JET_ERR err = JetCreateInstance(&h, name.c_str());
    if (err == JET_errSuccess) {
      err = JetSetSystemParameter(&h, 0, JET_paramMaxSessions, m, nullptr);
    }
    if (err == JET_errSuccess) err = JetInit(&h);
    if (err != JET_errSuccess) {
      shared_->Report(kSetupFailed,
                      absl::StrFormat("re-creating lane %d (MaxSessions %lu) "
                                      "failed: %s (%d)",
                                      lane, m, ErrName(err), err));
      return nullptr;
    }
    if (previous != 0) {
      ++recreates_;
      // The record index is the handle's low 16 bits (src/handle.h): a
      // statistic only, to show that the scenario reuses records.
      if ((h & 0xFFFFU) == (previous & 0xFFFFU)) ++reused_;
      const unsigned long before = prev_max_[static_cast<std::size_t>(lane)];
      if ((before + 31) / 32 != (m + 31) / 32) ++crossings_;
    }
    prev_max_[static_cast<std::size_t>(lane)] = m;
    min_max_ = std::min(min_max_, m);
    max_max_ = std::max(max_max_, m);
    incarnations_.push_back({lane, index, h, m});
    const Incarnation* inc = &incarnations_.back();
    // release: pairs with the workers' acquire loads.
    shared_->lanes[static_cast<std::size_t>(lane)].newest.store(
        inc, std::memory_order_release);
    return inc;
  }

  void Open(const Incarnation& inc) {
    shared_->lanes[static_cast<std::size_t>(inc.lane)].open.store(
        &inc, std::memory_order_release);
    const std::uint64_t n =
        shared_->opened_next.fetch_add(1, std::memory_order_relaxed);
    shared_->opened[n % shared_->opened.size()].store(
        &inc, std::memory_order_release);
  }

  void CheckerBad(Finding finding, const Incarnation& inc,
                  const std::string& what, std::size_t held) {
    unsigned long count = 0;
    const JET_ERR err = JetExtGetSessionCount(inc.handle, &count);
    shared_->Report(
        finding,
        absl::StrFormat("checker on %s, holding %u sessions (nobody else "
                        "can open one on it): %s; JetExtGetSessionCount: "
                        "%s, %lu",
                        Describe(inc), held, what, ErrName(err), count));
  }

  // A place to stall in a fill from `from` to `target` sessions: most often
  // where a pool word has just become full (the checker's hint word is then
  // full, and its claim asks the pool's "full" flag, which a stale prover
  // may have set).
  std::size_t StallPoint(std::size_t from, std::size_t target) {
    if (target >= 32 && absl::Uniform(gen_, 0, 2) == 0) {
      return 32 * absl::Uniform<std::size_t>(absl::IntervalClosed, gen_, 1,
                                             target / 32);
    }
    return absl::Uniform<std::size_t>(absl::IntervalClosed, gen_, from, target);
  }

  // Opens sessions (Begin, or Dup of one it holds) until it holds `target`;
  // sleeps once when it holds `stall_at`.
  bool Fill(const Incarnation& inc, std::vector<JET_SESID>* open,
            std::size_t target, std::size_t stall_at, const char* phase) {
    ++fills_;
    while (open->size() < target) {
      if (open->size() == stall_at) Stall();
      const bool dup = !open->empty() && absl::Uniform(gen_, 0, 4) == 0;
      JET_SESID s = JET_sesidNil;
      const JET_ERR err =
          dup ? JetDupSession(
                    (*open)[absl::Uniform<std::size_t>(gen_, 0, open->size())],
                    &s)
              : JetBeginSession(inc.handle, &s, nullptr, nullptr);
      ++calls_[dup ? kDup : kBegin];
      ++checked_opens_;
      if (err != JET_errSuccess) {
        CheckerBad(err == JET_errOutOfSessions ? kSpuriousFull : kCheckerOther,
                   inc,
                   absl::StrFormat("%s: %s number %u of MaxSessions %lu "
                                   "returned %s (%d)",
                                   phase, kCallNames[dup ? kDup : kBegin],
                                   open->size() + 1, inc.max_sessions,
                                   ErrName(err), err),
                   open->size());
        return false;
      }
      open->push_back(s);
    }
    return true;
  }

  // At MaxSessions: one more Begin (and Dup) must get OutOfSessions.
  bool ExpectFull(const Incarnation& inc, std::vector<JET_SESID>* open) {
    for (int i = 0; i < (open->empty() ? 1 : 2); ++i) {
      JET_SESID s = JET_sesidNil;
      const JET_ERR err =
          i == 0
              ? JetBeginSession(inc.handle, &s, nullptr, nullptr)
              : JetDupSession(
                    (*open)[absl::Uniform<std::size_t>(gen_, 0, open->size())],
                    &s);
      ++calls_[i == 0 ? kBegin : kDup];
      if (err == JET_errOutOfSessions) continue;
      CheckerBad(err == JET_errSuccess ? kOverCapacity : kCheckerOther, inc,
                 absl::StrFormat("%s at MaxSessions returned %s (%d), not "
                                 "OutOfSessions",
                                 kCallNames[i == 0 ? kBegin : kDup],
                                 ErrName(err), err),
                 open->size());
      if (err == JET_errSuccess) open->push_back(s);
      return false;
    }
    ++full_confirmed_;
    return true;
  }

  // The count and the parameter are exact: only the checker opens sessions.
  bool ExpectCount(const Incarnation& inc, std::size_t held) {
    ++count_checks_;
    unsigned long n = 0;
    JET_API_PTR value = 0;
    const JET_ERR count = JetExtGetSessionCount(inc.handle, &n);
    const JET_ERR param = JetGetSystemParameter(
        inc.handle, 0, JET_paramMaxSessions, &value, nullptr, 0);
    ++calls_[kGetCount];
    ++calls_[kGetParam];
    if (count == JET_errSuccess && n == held && param == JET_errSuccess &&
        value == inc.max_sessions) {
      return true;
    }
    shared_->Report(kCheckerOther,
                    absl::StrFormat("checker on %s, holding %u sessions: "
                                    "JetExtGetSessionCount %s, %lu; "
                                    "JetGetSystemParameter(MaxSessions) %s, %u",
                                    Describe(inc), held, ErrName(count), n,
                                    ErrName(param), value));
    return false;
  }

  // Exact capacity of a fresh incarnation, with stale callers on its record.
  //
  // `before`: MaxSessions of the record's previous incarnation. A Begin on
  // it that was preempted while it searched that pool's words (`before`
  // slots, whole words) and resumes once the same words are full again in
  // this incarnation finds them full: the first fill stalls right there
  // (most often), when the earlier words are full and later ones are not.
  void Check(const Incarnation& inc, unsigned long before) {
    ++checks_;
    std::vector<JET_SESID> open;
    const std::size_t m = inc.max_sessions;
    const std::size_t words_before =
        32 * std::max<std::size_t>(1, (before + 31) / 32);
    const std::size_t first_stall =
        words_before < m && absl::Uniform(gen_, 0, 4) != 0 ? words_before
                                                           : StallPoint(0, m);
    bool ok = Fill(inc, &open, m, first_stall, "fill") &&
              ExpectFull(inc, &open) && ExpectCount(inc, open.size());
    for (int round = absl::Uniform(gen_, 1, 4); ok && m > 0 && round > 0;
         --round) {
      // End some (at random, or the newest, which keeps the first words
      // full), then fill again, stalling now and then.
      if (absl::Uniform(gen_, 0, 2) == 0) {
        std::shuffle(open.begin(), open.end(), gen_);
      }
      const auto k = absl::Uniform<std::size_t>(absl::IntervalClosed, gen_, 1,
                                                open.size());
      for (std::size_t i = 0; i < k && ok; ++i) {
        const JET_SESID s = open.back();
        const JET_ERR err = JetEndSession(s, 0);
        ++calls_[kEnd];
        if (err != JET_errSuccess) {
          CheckerBad(kCheckerOther, inc,
                     absl::StrFormat("JetEndSession on its own session "
                                     "returned %s (%d)",
                                     ErrName(err), err),
                     open.size());
          ok = false;
          break;
        }
        open.pop_back();
        shared_->PublishEnded(s);
      }
      ok = ok && ExpectCount(inc, open.size());
      const std::size_t stall = absl::Uniform(gen_, 0, 3) == 0
                                    ? StallPoint(open.size(), m)
                                    : kNoStall;
      ok = ok && Fill(inc, &open, m, stall, "refill") &&
           ExpectFull(inc, &open) && ExpectCount(inc, open.size());
    }
    if (ok &&
        std::set<JET_SESID>(open.begin(), open.end()).size() != open.size()) {
      CheckerBad(kCheckerOther, inc, "a session handle was issued twice",
                 open.size());
      ok = false;
    }
    // Leave them open (to be force-ended by the next Term), or end them.
    const auto lane = static_cast<std::size_t>(inc.lane);
    if (ok && absl::Uniform(gen_, 0, 2) == 0) {
      kept_[lane] = std::move(open);
      return;
    }
    for (const JET_SESID s : open) {
      const JET_ERR err = JetEndSession(s, 0);
      ++calls_[kEnd];
      if (ok && err != JET_errSuccess) {
        CheckerBad(kCheckerOther, inc,
                   absl::StrFormat("JetEndSession on its own session "
                                   "returned %s (%d)",
                                   ErrName(err), err),
                   open.size());
        ok = false;
      }
      shared_->PublishEnded(s);
    }
  }

  Shared* shared_;
  absl::BitGen gen_;
  // Every incarnation of the run (stable addresses: workers point to them).
  std::deque<Incarnation> incarnations_;
  // Per lane: the checker's sessions left open on the newest incarnation.
  std::vector<std::vector<JET_SESID>> kept_;
  std::array<unsigned long, 16> prev_max_{};
  std::array<std::uint64_t, kCallCount> calls_{};
  std::uint64_t recreates_ = 0;
  std::uint64_t reused_ = 0;
  std::uint64_t crossings_ = 0;
  std::uint64_t checks_ = 0;
  std::uint64_t fills_ = 0;
  std::uint64_t checked_opens_ = 0;
  std::uint64_t full_confirmed_ = 0;
  std::uint64_t count_checks_ = 0;
  unsigned long min_max_ = kMaxMaxSessions;
  unsigned long max_max_ = 0;
};

long TotalOps(const std::vector<std::unique_ptr<Worker>>& workers) {
  long total = 0;
  for (const auto& w : workers) total += w->Ops();
  return total;
}

int Run(int threads, double seconds, std::uint64_t seed, int instances) {
  std::printf(
      "jetsession-stress: threads=%d seconds=%g seed=%llu instances=%d "
      "scenario=lifecycle\n",
      threads, seconds, static_cast<unsigned long long>(seed), instances);
  std::fflush(stdout);
  Shared shared(instances, seed);
  Controller controller(&shared);
  if (!controller.Start()) return 1;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(t, &shared));
  }
  for (auto& w : workers) pool.emplace_back([&w] { w->Run(); });

  auto last_report = Clock::now();
  long last_ops = 0;
  while (shared.Elapsed() < seconds) {
    if (!controller.Cycle()) break;
    const auto now = Clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      const long ops = TotalOps(workers);
      std::printf(
          "[%5.1fs] cycle %llu: %.2f M ops/s, %ld ops, %ld violations\n",
          shared.Elapsed(),
          static_cast<unsigned long long>(shared.cycle.load()),
          static_cast<double>(ops - last_ops) /
              std::chrono::duration<double>(now - last_report).count() / 1e6,
          ops, Violations());
      std::fflush(stdout);
      last_report = now;
      last_ops = ops;
    }
  }
  shared.stop.store(true, std::memory_order_release);
  for (auto& t : pool) t.join();
  controller.Finish();

  controller.PrintSummary();
  std::printf(
      "  worker calls, by handle: current (its Term had not returned when "
      "the call began) / stale (Term returned, or session ended) / "
      "garbage:\n");
  for (int c = 0; c < kCallCount; ++c) {
    std::array<long, kKindCount> by_kind{};
    for (const auto& w : workers) {
      for (int k = 0; k < kKindCount; ++k) {
        by_kind[static_cast<std::size_t>(k)] +=
            w->CountOf(static_cast<Call>(c), static_cast<Kind>(k));
      }
    }
    std::printf("    %-24s %12ld %12ld %12ld\n", kCallNames[c], by_kind[0],
                by_kind[1], by_kind[2]);
  }
  long begins = 0;
  long counts = 0;
  for (const auto& w : workers) {
    begins += w->Straddled(kBegin);
    counts += w->Straddled(kGetCount);
  }
  std::printf(
      "  stale calls that straddled a Term and re-create (began before the "
      "Term returned, returned after the next incarnation on the record was "
      "created): %ld JetBeginSession, %ld JetExtGetSessionCount\n",
      begins, counts);
  for (int f = 0; f < kFindingCount; ++f) {
    const long n = shared.findings[f].load();
    if (n == 0) continue;
    std::printf("  VIOLATIONS %s: %ld, first at cycle %llu, %.3f s\n",
                kFindingNames[f], n,
                static_cast<unsigned long long>(shared.first_cycle[f]),
                shared.first_seconds[f]);
  }
  std::printf("jetsession-stress: %ld ops in %llu cycles, %ld violations\n",
              TotalOps(workers),
              static_cast<unsigned long long>(shared.cycle.load()),
              Violations());
  return Violations() == 0 ? 0 : 1;
}

}  // namespace lifecycle

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("random mixes of the jetsession C API");
  absl::ParseCommandLine(argc, argv);
  const int threads = absl::GetFlag(FLAGS_threads);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const std::uint64_t seed = absl::GetFlag(FLAGS_seed);
  const int instances = absl::GetFlag(FLAGS_instances);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const int ceiling = absl::GetFlag(FLAGS_ceiling);
  if (threads < 1 || instances < 1 || instances > 16 || ceiling < 1 ||
      ceiling > 30000 ||
      (scenario != "churn" && scenario != "mixed" && scenario != "lifecycle" &&
       scenario != "wait" && scenario != "resize")) {
    std::fprintf(stderr, "bad flags (see --help)\n");
    return 2;
  }
  if (scenario == "lifecycle") {
    return lifecycle::Run(threads, seconds, seed, instances);
  }
  if (scenario == "wait") {
    return jetsession_stress::RunWaitScenario(
        threads, seconds, seed, instances, absl::GetFlag(FLAGS_wake_bound_ms));
  }
  if (scenario == "resize") {
    return jetsession_stress::RunResizeScenario(
        threads, seconds, seed, instances, static_cast<unsigned long>(ceiling));
  }
  const auto capacity = static_cast<unsigned long>(
      threads * kPerThread + absl::GetFlag(FLAGS_max_sessions));
  std::printf(
      "jetsession-stress: threads=%d seconds=%g seed=%llu "
      "capacity=%lu instances=%d scenario=%s\n",
      threads, seconds, static_cast<unsigned long long>(seed), capacity,
      instances, scenario.c_str());

  std::vector<Slot> slots(static_cast<std::size_t>(instances));
  for (int i = 0; i < instances; ++i) {
    slots[static_cast<std::size_t>(i)].handle = MakeInstance(i, capacity);
  }
  std::vector<Worker> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) workers.emplace_back(t, seed, &slots);

  absl::BitGen control(std::seed_seq{static_cast<std::uint32_t>(seed)});
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  long last_ops = 0;
  int round = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
             .count() < seconds) {
    ++round;
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    for (auto& w : workers) {
      pool.emplace_back([&w, &stop] { w.Round(stop); });
    }
    // Mixed: gate one instance mid-round.
    int gated_index = -1;
    int action = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(kRoundMillis / 2));
    if (scenario == "mixed") {
      gated_index = absl::Uniform(control, 0, instances);
      action = absl::Uniform(control, 0, 3);
      Slot& slot = slots[static_cast<std::size_t>(gated_index)];
      const JET_INSTANCE inst = slot.handle.load();
      const JET_ERR err = action == 0   ? JetStopServiceInstance(inst)
                          : action == 1 ? JetExtSetInstanceUnavailable(inst)
                                        : JetTerm(inst);
      if (err != JET_errSuccess) Violation("a gating call failed");
      slot.gated.store(inst, std::memory_order_release);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kRoundMillis / 2));
    stop.store(true, std::memory_order_release);
    for (auto& t : pool) t.join();

    // Barrier check: handles distinct; counts exact (before ending).
    std::set<JET_SESID> distinct;
    std::vector<unsigned long> expected(static_cast<std::size_t>(instances));
    std::size_t total = 0;
    for (const auto& w : workers) {
      for (const Held& h : w.held()) {
        distinct.insert(h.sesid);
        ++expected[static_cast<std::size_t>(h.instance)];
        ++total;
      }
    }
    if (distinct.size() != total) Violation("a handle was issued twice");
    for (int i = 0; i < instances; ++i) {
      Slot& slot = slots[static_cast<std::size_t>(i)];
      unsigned long count = 0;
      const JET_INSTANCE inst = slot.handle.load();
      // Terminated, or unavailable (its Ends fail): no count to compare.
      if (i == gated_index && action != 0) continue;
      if (JetExtGetSessionCount(inst, &count) != JET_errSuccess ||
          count != expected[static_cast<std::size_t>(i)]) {
        Violation(absl::StrFormat("instance %d: count %lu, threads hold %lu", i,
                                  count,
                                  expected[static_cast<std::size_t>(i)]));
      }
    }
    for (auto& w : workers) w.EndAll();
    // Re-create the gated instance (stopped/unavailable ones are replaced).
    if (gated_index >= 0) {
      Slot& slot = slots[static_cast<std::size_t>(gated_index)];
      if (action != 2) JetTerm(slot.handle.load());
      slot.handle.store(MakeInstance(gated_index, capacity),
                        std::memory_order_release);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      const long ops = g_ops.load();
      std::printf("[%5.1fs] round %d: %.2f M ops/s, %ld ops, %ld violations\n",
                  std::chrono::duration<double>(now - start).count(), round,
                  static_cast<double>(ops - last_ops) /
                      std::chrono::duration<double>(now - last_report).count() /
                      1e6,
                  ops, Violations());
      std::fflush(stdout);
      last_report = now;
      last_ops = ops;
    }
  }
  for (auto& slot : slots) JetTerm(slot.handle.load());
  std::printf("jetsession-stress: %ld ops in %d rounds, %ld violations\n",
              g_ops.load(), round, Violations());
  return Violations() == 0 ? 0 : 1;
}
