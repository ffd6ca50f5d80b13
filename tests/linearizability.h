// linearizability.h: a Wing-Gong search with Lowe's memoization, checking a
// recorded concurrent history of session and instance calls against the
// sequential model of the contract.
//
// An operation has a call and a return stamp from one shared atomic clock
// (so stamp order is real-time order), a kind, its arguments and its
// result. The history is linearizable when some order of all operations
// that respects real time (an op that returned before another was called
// comes first) gives, applied one by one to the sequential model, exactly
// the recorded results.
//
// The model: instances by id (the order in which the history created
// them), each with a lifecycle (not yet created, Created, Running, gone),
// its stopped / unavailable / terminating flags, its MaxSessions and its
// open sessions (a bit per session id the history handed out, plus a count
// of anonymous sessions that the history never names again); the run mode
// (none, one-instance, multi-instance), the default instance and the
// process-wide MaxSessions default. Handles of a gone instance never come
// back (InvalidInstance); the handle 0 (kDefaultInstance) resolves to the
// default instance in one-instance mode and is InvalidParameter otherwise.
// The checks of each call come in the contract's order.
//
// Two set-ups: LinearizabilityChecker(capacity) is one Running instance
// (id 0), the core's histories; Registry(default_capacity) is an empty
// process, the histories through the C API, whose first operations create
// instances.
//
// JetTerm is two operations here, as it is two steps in the library: kTerm
// sets the terminating flag (new Begin/Dup and the count get
// TermInProgress, and so does an End on an open session), and kTermDrain
// (the core's Drain(): the instance stays, terminating) or kTermFree (the
// registry's JetTerm: the instance is gone afterwards) force-ends every
// session still open. Between the two, the drain force-ends sessions one by
// one: an End (or a Dup from) a session may then already find it
// force-ended (InvalidSesid). The model allows that: after kTerm, an End or
// Dup whose recorded result is InvalidSesid on an open session closes it
// (its force-end is linearized just before). A recorded JetTerm gives both
// operations the call's stamps; the model orders the flag first.
//
// Session sharing: "while a call on session s is in flight on one thread,
// a call on s from another thread returns SessionSharingViolation" (the
// contract's Threads section). The model accepts that answer for a Dup or
// an End, with no effect, whenever a call on the same session by another
// thread (Op::thread) overlaps it in real time, whatever the state. The
// contract's check tables put the state errors before the sharing check,
// but while the other call is in flight its outcome is unknown: it may be
// an End that takes effect before a Stop/Unavailable/Term flag that this
// call saw, and then no state error fits any order (the session was gone
// after the flag), while the sharing violation, a real-time answer, does.
// (The model does not know when exactly a call holds the session: this
// accepts a little more than the library allows, never less.)
//
// JetExtGetSessionCount is exact only while no Begin/Dup/End on that
// instance is in flight (the contract): a count that overlaps such a call
// (or one whose instance the history cannot tell) has its answer checked,
// its number not.
//
// Waiting for a session (JetExtBeginSessionWait / JetExtDupSessionWait,
// kBeginWait / kDupWait; Op::value is the timeout: 0 no wait, the plain
// call exactly; > 0 finite; < 0 forever). A wait is not one atomic step:
// the model keeps, per instance, a FIFO queue of waiters (the history's
// waiting operations, numbered in history order) and each waiting
// operation is explained by one of these sequences of steps, every step
// inside the operation's window [call, ret]:
//
//   claim            the plain Begin/Dup (any answer but OutOfSessions);
//   enqueue, grant, return
//                    enqueue: the pool is full (MaxSessions open), no
//                    Stop/Unavailable/Term flag: the waiter joins the tail
//                    of its instance's queue. grant: an End (one step with
//                    it) whose session would be freed while waiters are
//                    queued hands it to the head waiter instead: the
//                    waiter's session (Op::out) is open from that step on,
//                    the count unchanged. return: Success if no flag was
//                    set at the grant, whatever is set by the return; with
//                    a flag set at the grant (gated), the waiter ends the
//                    session again (it goes to the next waiter, or is
//                    freed) and answers the flag's error (the library's
//                    Accept());
//   [enqueue,] timeout
//                    finite waits only, placed after Op::deadline (every
//                    operation that returned before the deadline comes
//                    first): leaves the queue, then claims once: Success
//                    if a slot is free and no waiter is queued, else
//                    OutOfSessions (exact: a timed-out wait answers
//                    OutOfSessions only if the pool was full at a point
//                    after its deadline); or a flag's error;
//   enqueue, gated   a flag is set: the waiter leaves the queue and
//                    answers the flag's error (ESE's order).
//
// First come, first served follows: a plain or waiting Begin/Dup claims
// (and a timed-out waiter's last claim succeeds) only while no waiter is
// queued on the instance, and the grants go in queue order. JetTerm's
// drain (kTermDrain, kTermFree, and the force-ends it explains) comes only
// after every waiter of the instance has left (JetTerm2 returns after
// every waiter returned). The queue is part of the memoized state.
//
// A blocked waiter shows nothing until it returns, so its enqueue may be
// placed anywhere in its window where the pool is full: a history of calls
// and returns alone can always explain a later waiter served first by
// putting the earlier one's enqueue after it. What pins a waiter's place
// is an observation: Op::queued_by, a stamp before which the harness saw
// the waiter hold its ticket (the core's TicketsTaken() grew by one while
// it was the only caller that could queue). A pinned waiter's enqueue is
// its first step and comes before every operation called after
// queued_by; so is FIFO checked: an End after the pin must hand its
// session to the pinned waiter (or to one queued before it), and no Begin
// called after the pin gets a session while it waits.
//
// Capacity at run time (JetExtSetMaxSessions, kExtSetMaxSessions; Op::value
// is the new capacity). Each instance has a ceiling besides its capacity:
// LinearizabilityChecker(capacity, ceiling) gives instance 0 both (the
// ceiling counts as at least the capacity); an instance that a history
// initializes gets the capacity it is initialized with as its ceiling (the
// histories set no JET_paramExtMaxSessionsCeiling). Checks in the
// contract's order: the handle (InvalidInstance / InvalidParameter),
// Unavailable -> InstanceUnavailable, Terminating -> TermInProgress,
// Created -> NotInitialized (Restoring is not modelled), a value above the
// ceiling (or negative) -> InvalidParameter; else Success, stopped or not:
// the capacity is the value from that point on, and the room it gives
// (capacity - open, when positive) goes to the waiters queued on the
// instance, oldest first, one session each (grants, as an End's). A shrink
// below the number open ends nothing: Begin answers OutOfSessions while
// open >= capacity, and an End hands its session to a waiter only if it
// leaves fewer than the capacity open (the sessions that end pay off the
// difference first).
#ifndef JETSESSION_TESTS_LINEARIZABILITY_H_
#define JETSESSION_TESTS_LINEARIZABILITY_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "jetsession/error.h"

namespace jetsession::testing {

// The histories' clock: nanoseconds of steady_clock (the library's
// WaitClock) since the history began, strictly increasing across threads
// (a CAS on the last stamp), so that stamp order is real-time order and a
// wait's deadline (a WaitClock instant) is a stamp too: a stamp is never
// below the clock's reading before it was taken, so an operation whose ret
// stamp is below a deadline returned before that deadline.
class HistoryClock {
 public:
  std::uint64_t Since(std::chrono::steady_clock::time_point t) const {
    return t <= base_
               ? 0
               : static_cast<std::uint64_t>(
                     std::chrono::duration_cast<std::chrono::nanoseconds>(t -
                                                                          base_)
                         .count());
  }
  std::uint64_t Stamp() {
    const std::uint64_t now = Since(std::chrono::steady_clock::now());
    // relaxed: a first guess; the CAS decides.
    std::uint64_t last = last_.load(std::memory_order_relaxed);
    std::uint64_t next = 0;
    do {
      next = std::max(now, last + 1);
      // acq_rel: one total order of stamps (pairs with the other threads'
      // stamp CAS): each stamp is above every one taken before it.
    } while (!last_.compare_exchange_weak(last, next, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return next;
  }

 private:
  const std::chrono::steady_clock::time_point base_ =
      std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> last_{0};
};

enum class OpKind {
  kBegin,           // instance; out: session id (-1: anonymous)
  kDup,             // arg: source session id; out: session id
  kEnd,             // arg: session id
  kStop,            // instance (JetStopServiceInstance)
  kUnavailable,     // instance (JetExtSetInstanceUnavailable)
  kTerm,            // instance: JetTerm's first step, the terminating flag
  kTermDrain,       // instance: the core's Drain(): force-ends every session
  kTermFree,        // instance (an id): JetTerm's second step, drain and free
  kCreate,          // out: instance id (JetCreateInstance, every history's
                    // instances share one name)
  kSetMaxSessions,  // instance, value (JetSetSystemParameter)
  kInit,            // instance (JetInit(&handle))
  kInitDefault,     // out: instance id; value 0: JetInit(NULL),
                    // 1: JetInit(&x) with x == 0
  kSetDefaultMaxSessions,  // value (JetSetSystemParameter(NULL, ...))
  kCount,                  // instance; value: the count, on success
  kBeginWait,  // instance; value: the timeout (0, > 0 finite, < 0 none);
               // deadline; out: session id (JetExtBeginSessionWait)
  kDupWait,    // arg: source session id; value, deadline, out as kBeginWait
               // (JetExtDupSessionWait)
  kExtSetMaxSessions,  // instance, value: the new capacity
                       // (JetExtSetMaxSessions)
};

// The instance "id" of the handle 0: the default instance.
inline constexpr int kDefaultInstance = -2;

struct Op {
  OpKind kind;
  std::uint64_t call;  // stamp before the call
  std::uint64_t ret;   // stamp after the return
  int arg = -1;        // session id (index into the history's handles)
  Error result;        // what the call returned
  int out = -1;        // session id or instance id it opened, on success
  int thread = -1;     // the thread that made the call (-1: unknown)
  int instance = 0;    // instance id, or kDefaultInstance
  long value = 0;      // a parameter's value, the count, or the timeout
  // A finite wait's deadline: a stamp no later than the instant the
  // library's deadline passed (so a timeout is placed after every operation
  // whose ret stamp is below it). On the recorder's clock: the tests make
  // their stamps nanoseconds of steady_clock.
  std::uint64_t deadline = 0;
  // A wait seen queued (see "Waiting" above): 0, or a stamp before which
  // the waiter had taken its place in the queue.
  std::uint64_t queued_by = 0;
};

class LinearizabilityChecker {
 public:
  static constexpr int kMaxOps = 128;
  static constexpr int kMaxSessionIds = 64;
  static constexpr int kMaxInstances = 8;
  static constexpr int kMaxWaiters = 16;  // waiting operations (value != 0)

  // One instance (id 0), Running with MaxSessions `capacity` and the
  // ceiling max(`ceiling`, `capacity`) (JET_paramExtMaxSessionsCeiling).
  explicit LinearizabilityChecker(int capacity, int ceiling = 0) {
    initial_.mode = kModeMulti;
    initial_.instances[0].life = kRunning;
    initial_.instances[0].capacity = static_cast<std::uint16_t>(capacity);
    initial_.instances[0].ceiling =
        static_cast<std::uint16_t>(std::max(capacity, ceiling));
  }

  // A process with no instance, whose MaxSessions default is
  // `default_capacity`.
  static LinearizabilityChecker Registry(int default_capacity) {
    LinearizabilityChecker checker(0);
    checker.initial_ = State{};
    checker.initial_.default_capacity =
        static_cast<std::uint16_t>(default_capacity);
    return checker;
  }

  // True when `history` (at most kMaxOps operations, kMaxSessionIds
  // session ids, kMaxInstances instances, kMaxWaiters waiting operations)
  // is linearizable.
  bool Check(const std::vector<Op>& history) {
    if (history.size() > kMaxOps) return false;
    ops_ = &history;
    if (!Prepare()) return false;
    seen_.clear();
    return Search(Mask{}, initial_);
  }

  // States explored by the last Check() (its cost).
  std::size_t explored() const { return seen_.size(); }

 private:
  enum : std::uint8_t { kAbsent, kCreated, kRunning, kGone };
  enum : std::uint8_t { kStopped = 1, kUnavailable = 2, kTerminating = 4 };
  enum : std::uint8_t { kModeNone, kModeOne, kModeMulti };

  struct Instance {
    std::uint64_t open = 0;       // bit per session id
    std::uint16_t anonymous = 0;  // anonymous sessions open
    std::uint16_t capacity = 0;
    std::uint8_t life = kAbsent;
    std::uint8_t flags = 0;
    // The largest capacity kExtSetMaxSessions may set (set when the
    // instance starts running). Also fills what would be padding: states
    // compare by bytes.
    std::uint16_t ceiling = 0;
  };
  // A waiter's phase (the low bits of State::waiter[w]; the instance it
  // waits on is in the bits from kWaiterShift). kGated: granted while a
  // flag was set.
  enum : std::uint8_t {
    kIdle = 0,
    kQueued = 1,
    kGranted = 2,
    kGated = 3,
    kPhase = 3
  };
  static constexpr int kWaiterShift = 4;

  struct State {
    std::array<Instance, kMaxInstances> instances{};
    // Per waiter: phase | instance << kWaiterShift (0 while idle or done).
    std::array<std::uint8_t, kMaxWaiters> waiter{};
    // The queue, oldest first: waiter numbers, `queued` of them.
    std::array<std::uint8_t, kMaxWaiters> queue{};
    std::int8_t default_instance = -1;
    std::uint8_t mode = kModeNone;
    std::uint16_t default_capacity = 0;
    std::uint8_t queued = 0;
    std::uint8_t pad[3] = {};
    bool operator==(const State& o) const {
      return std::memcmp(this, &o, sizeof(State)) == 0;
    }
  };
  static_assert(std::has_unique_object_representations_v<State>);

  struct Mask {
    std::uint64_t w[2] = {0, 0};
    bool Has(std::size_t i) const {
      return ((w[i / 64] >> (i % 64)) & 1U) != 0;
    }
    Mask With(std::size_t i) const {
      Mask m = *this;
      m.w[i / 64] |= std::uint64_t{1} << (i % 64);
      return m;
    }
  };
  struct Key {
    Mask done;
    State state;
    bool operator==(const Key& o) const {
      return done.w[0] == o.done.w[0] && done.w[1] == o.done.w[1] &&
             state == o.state;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      // FNV-1a over the bytes, then a final mix.
      std::uint64_t h = 0xcbf29ce484222325ULL;
      const auto mix = [&h](const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) {
          h = (h ^ b[i]) * 0x100000001b3ULL;
        }
      };
      mix(&k.done, sizeof(k.done));
      mix(&k.state, sizeof(k.state));
      h ^= h >> 31U;
      return static_cast<std::size_t>(h);
    }
  };

  static int Open(const Instance& inst) {
    return __builtin_popcountll(inst.open) + inst.anonymous;
  }

  static bool Overlap(const Op& a, const Op& b) {
    return a.call < b.ret && b.call < a.ret;
  }

  static bool IsBeginLike(OpKind kind) {
    return kind == OpKind::kBegin || kind == OpKind::kBeginWait;
  }
  static bool Waits(const Op& op) {
    return (op.kind == OpKind::kBeginWait || op.kind == OpKind::kDupWait) &&
           op.value != 0;
  }

  // Per-op facts that do not depend on the order: which sharing
  // violations an overlap explains, which counts are exact, the waiters'
  // numbers. False when the history has too many waiters.
  bool Prepare() {
    const auto& ops = *ops_;
    const std::size_t n = ops.size();
    share_ok_.assign(n, false);
    exact_.assign(n, true);
    waiter_of_.assign(n, -1);
    waiter_op_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (!Waits(ops[i])) continue;
      if (waiter_op_.size() == kMaxWaiters) return false;
      waiter_of_[i] = static_cast<int>(waiter_op_.size());
      waiter_op_.push_back(i);
    }
    // The instance each session id was opened on, where the history tells
    // (a Begin on the handle 0 does not): -1 unknown.
    std::vector<int> origin(kMaxSessionIds + 1, -1);
    for (int pass = 0; pass < 4; ++pass) {
      for (const Op& op : ops) {
        if (op.out < 0 || op.out >= kMaxSessionIds) continue;
        if (IsBeginLike(op.kind) && op.instance >= 0) {
          origin[op.out] = op.instance;
        } else if ((op.kind == OpKind::kDup || op.kind == OpKind::kDupWait) &&
                   op.arg >= 0) {
          origin[op.out] = origin[op.arg];
        }
      }
    }
    const auto on_session = [](const Op& op) {
      return op.kind == OpKind::kDup || op.kind == OpKind::kEnd ||
             op.kind == OpKind::kDupWait;
    };
    for (std::size_t i = 0; i < n; ++i) {
      const Op& a = ops[i];
      if (on_session(a)) {
        for (std::size_t j = 0; j < n && !share_ok_[i]; ++j) {
          const Op& b = ops[j];
          share_ok_[i] = j != i && on_session(b) && b.arg == a.arg &&
                         (b.thread != a.thread || a.thread < 0) &&
                         Overlap(a, b);
        }
      }
      if (a.kind == OpKind::kCount) {
        for (std::size_t j = 0; j < n && exact_[i]; ++j) {
          const Op& b = ops[j];
          if (!Overlap(a, b)) continue;
          int on = -3;  // the instance b works on; -1 unknown
          if (IsBeginLike(b.kind)) {
            on = b.instance >= 0 ? b.instance : -1;
          } else if (on_session(b)) {
            on = b.arg >= 0 && b.arg < kMaxSessionIds ? origin[b.arg] : -1;
          } else {
            continue;
          }
          if (on == -1 || a.instance < 0 || on == a.instance) {
            exact_[i] = false;
          }
        }
      }
    }
    return true;
  }

  // Resolves an instance handle as the contract does: *index, or the
  // error.
  static Error Resolve(const State& state, int instance, int* index) {
    if (instance == kDefaultInstance) {
      if (state.mode != kModeOne || state.default_instance < 0) {
        return Error::kInvalidParameter;
      }
      *index = state.default_instance;
      return Error::kSuccess;
    }
    if (instance < 0 || instance >= kMaxInstances) {
      return Error::kInvalidInstance;
    }
    const std::uint8_t life = state.instances[instance].life;
    if (life == kAbsent || life == kGone) return Error::kInvalidInstance;
    *index = instance;
    return Error::kSuccess;
  }

  // The instance that holds session `id` open, or -1.
  static int Holder(const State& state, int id) {
    if (id < 0 || id >= kMaxSessionIds) return -1;
    for (int i = 0; i < kMaxInstances; ++i) {
      if ((state.instances[i].open >> id) & 1U) return i;
    }
    return -1;
  }

  // Begin's state checks (after the handle), in ESE's order.
  static Error BeginStateError(const Instance& inst) {
    if ((inst.flags & kStopped) != 0) {
      return Error::kClientRequestToStopJetService;
    }
    if ((inst.flags & kUnavailable) != 0) return Error::kInstanceUnavailable;
    if ((inst.flags & kTerminating) != 0) return Error::kTermInProgress;
    if (inst.life == kCreated) return Error::kNotInitialized;
    return Error::kSuccess;
  }

  static bool AnyLive(const State& state) {
    for (const Instance& inst : state.instances) {
      if (inst.life == kCreated || inst.life == kRunning) return true;
    }
    return false;
  }

  // A new instance `out` in `life`, with the default capacity: false when
  // `out` names no free instance id.
  static bool Creates(const State& state, State* next, int out,
                      std::uint8_t life) {
    if (out < 0 || out >= kMaxInstances ||
        state.instances[out].life != kAbsent) {
      return false;
    }
    Instance& inst = next->instances[out];
    inst.life = life;
    inst.capacity = state.default_capacity;
    return true;
  }

  // Opens a session (id `out`, or anonymous) on instance `index`.
  static bool Opens(State* next, int index, int out) {
    Instance& inst = next->instances[index];
    if (out >= kMaxSessionIds) return false;
    if (out < 0) {
      ++inst.anonymous;
    } else {
      inst.open |= std::uint64_t{1} << out;
    }
    return true;
  }

  // ---- The waiters' queue ----

  static int PhaseOf(const State& state, int w) {
    return state.waiter[w] & kPhase;
  }
  static int InstanceOfWaiter(const State& state, int w) {
    return state.waiter[w] >> kWaiterShift;
  }
  // The oldest waiter queued on instance `index`, or -1.
  static int Head(const State& state, int index) {
    for (int q = 0; q < state.queued; ++q) {
      if (InstanceOfWaiter(state, state.queue[q]) == index) {
        return state.queue[q];
      }
    }
    return -1;
  }
  // Whether a waiter on instance `index` is queued or holds a session
  // handed to it that it has not taken yet (JetTerm waits for those).
  static bool HasWaiters(const State& state, int index) {
    for (std::uint8_t b : state.waiter) {
      if ((b & kPhase) != kIdle && (b >> kWaiterShift) == index) return true;
    }
    return false;
  }
  static void Dequeue(State* state, int w) {
    int to = 0;
    for (int q = 0; q < state->queued; ++q) {
      if (state->queue[q] != w) state->queue[to++] = state->queue[q];
    }
    for (int q = to; q < state->queued; ++q) state->queue[q] = 0;
    state->queued = static_cast<std::uint8_t>(to);
  }

  // The session of waiter `w` (its Op::out on Success, else anonymous, as
  // it will end it again).
  void OpenFor(State* state, int w, int index) const {
    const Op& op = (*ops_)[waiter_op_[w]];
    Instance& inst = state->instances[index];
    if (op.result == Error::kSuccess && op.out >= 0 &&
        op.out < kMaxSessionIds) {
      inst.open |= std::uint64_t{1} << op.out;
    } else {
      ++inst.anonymous;
    }
  }

  // A session of instance `index` was just closed, or its capacity grew:
  // while fewer than the capacity are open, the room goes to the oldest
  // waiter queued there, one session each (the grants); what is left is
  // free. (Fewer than the capacity open with a waiter queued happens only
  // here: a waiter queues on a full pool, a claim does not jump the queue,
  // and a shrink leaves the pool full.) After a shrink below the number
  // open, a session closed while the capacity or more are still open pays
  // off the difference: no grant.
  void HandOver(State* state, int index) const {
    for (;;) {
      const Instance& inst = state->instances[index];
      if (Open(inst) >= inst.capacity) return;
      const int w = Head(*state, index);
      if (w < 0) return;
      Dequeue(state, w);
      const bool gated = BeginStateError(inst) != Error::kSuccess;
      state->waiter[w] = static_cast<std::uint8_t>((gated ? kGated : kGranted) |
                                                   (index << kWaiterShift));
      OpenFor(state, w, index);
    }
  }

  // Whether ops[i] is one of the answers a waiter may end with.
  static bool WaitAnswer(Error e) {
    return e == Error::kSuccess || e == Error::kOutOfSessions ||
           e == Error::kClientRequestToStopJetService ||
           e == Error::kInstanceUnavailable || e == Error::kTermInProgress;
  }

  // The claim of a Begin/Dup (waiting or not) ops[i] in `state`, applied
  // to *next: false when the recorded result is not the model's.
  // OutOfSessions (a full pool, or waiters queued: first come, first
  // served) fits only with `full_ok`.
  bool Claims(std::size_t i, const State& state, State* next,
              bool full_ok) const {
    const Op& op = (*ops_)[i];
    *next = state;
    int index = -1;
    Error want = Error::kSuccess;
    if (IsBeginLike(op.kind)) {
      want = Resolve(state, op.instance, &index);
    } else {
      if (op.result == Error::kSessionSharingViolation && share_ok_[i]) {
        return true;  // see "Session sharing" above
      }
      index = Holder(state, op.arg);
      if (index < 0) return op.result == Error::kInvalidSesid;
      Instance& inst = next->instances[index];
      if ((inst.flags & kTerminating) != 0 &&
          op.result == Error::kInvalidSesid) {
        // The drain force-ended the source first (after the waiters left).
        if (HasWaiters(state, index)) return false;
        inst.open &= ~(std::uint64_t{1} << op.arg);
        return true;
      }
    }
    if (want == Error::kSuccess) {
      const Instance& inst = state.instances[index];
      want = BeginStateError(inst);
      if (want == Error::kSuccess &&
          (Open(inst) >= inst.capacity || Head(state, index) >= 0)) {
        want = Error::kOutOfSessions;
      }
    }
    if (want != op.result) return false;
    if (want == Error::kOutOfSessions) return full_ok;
    return want != Error::kSuccess || Opens(next, index, op.out);
  }

  // The instance a waiting ops[i] would queue on now, or -1.
  static int WaitTarget(const Op& op, const State& state) {
    int index = -1;
    if (op.kind == OpKind::kBeginWait) {
      if (Resolve(state, op.instance, &index) != Error::kSuccess) return -1;
    } else {
      index = Holder(state, op.arg);
    }
    return index;
  }

  // Explores the steps of waiting ops[i] (waiter w) from `state`:
  // true when one of them leads to a linearization. `min_ret` bounds what
  // may go next (see Search()).
  bool WaitSteps(std::size_t i, const Mask& done, const State& state,
                 std::uint64_t min_ret) {
    const Op& op = (*ops_)[i];
    const int w = waiter_of_[i];
    // A timeout may go next: a finite wait whose deadline came before
    // every pending return.
    const bool timeout_ok = op.value > 0 && op.deadline <= min_ret;
    State next;
    switch (PhaseOf(state, w)) {
      case kIdle: {
        // A claim: its answer (OutOfSessions only after the deadline). A
        // pinned waiter queued first (see "Waiting").
        if (op.queued_by == 0 && Claims(i, state, &next, timeout_ok) &&
            Search(done.With(i), next)) {
          return true;
        }
        // The enqueue: the pool full, no flag.
        if (!WaitAnswer(op.result) ||
            (op.result == Error::kOutOfSessions && op.value < 0)) {
          return false;
        }
        if (op.kind == OpKind::kDupWait &&
            op.result == Error::kSessionSharingViolation) {
          return false;
        }
        const int index = WaitTarget(op, state);
        if (index < 0) return false;
        const Instance& inst = state.instances[index];
        if (BeginStateError(inst) != Error::kSuccess ||
            Open(inst) < inst.capacity) {
          return false;
        }
        next = state;
        next.waiter[w] =
            static_cast<std::uint8_t>(kQueued | (index << kWaiterShift));
        next.queue[next.queued++] = static_cast<std::uint8_t>(w);
        return Search(done, next);
      }
      case kQueued: {
        const int index = InstanceOfWaiter(state, w);
        next = state;
        Dequeue(&next, w);
        next.waiter[w] = 0;
        const Instance& inst = next.instances[index];
        Error want = BeginStateError(inst);
        if (want != Error::kSuccess) {
          // Gated (or a gate seen by the timeout's claim).
          return want == op.result && Search(done.With(i), next);
        }
        if (!timeout_ok) return false;
        // Timed out: the last claim.
        want = Open(inst) >= inst.capacity || Head(next, index) >= 0
                   ? Error::kOutOfSessions
                   : Error::kSuccess;
        if (want != op.result) return false;
        if (want == Error::kSuccess && !Opens(&next, index, op.out)) {
          return false;
        }
        return Search(done.With(i), next);
      }
      case kGranted:
      case kGated: {
        // Takes the session handed to it, unless a flag was set when it
        // was granted: then it ends it again and answers the flag's error.
        // A grant made before the flag is the waiter's, whatever is set
        // by the time it returns (the grant, and the End that made it, are
        // ordered before the flag).
        const int index = InstanceOfWaiter(state, w);
        next = state;
        next.waiter[w] = 0;
        Instance& inst = next.instances[index];
        const Error want = PhaseOf(state, w) == kGated ? BeginStateError(inst)
                                                       : Error::kSuccess;
        if (want != op.result) return false;
        if (want != Error::kSuccess) {
          if (inst.anonymous == 0) return false;
          --inst.anonymous;        // OpenFor() made it anonymous
          HandOver(&next, index);  // to the next waiter, room permitting
        }
        return Search(done.With(i), next);
      }
    }
    return false;
  }

  // The result the sequential model gives for ops[i] in `state`, applying
  // it to *next; false when the recorded result is not that.
  bool Apply(std::size_t i, const State& state, State* next) const {
    const Op& op = (*ops_)[i];
    *next = state;
    int index = -1;
    switch (op.kind) {
      case OpKind::kBegin:
      case OpKind::kDup:
      case OpKind::kBeginWait:  // value 0: the plain call (waits: WaitSteps)
      case OpKind::kDupWait:
        return Claims(i, state, next, /*full_ok=*/true);
      case OpKind::kEnd: {
        if (op.result == Error::kSessionSharingViolation && share_ok_[i]) {
          return true;
        }
        index = Holder(state, op.arg);
        if (index < 0) return op.result == Error::kInvalidSesid;
        Instance& inst = next->instances[index];
        const std::uint64_t bit = std::uint64_t{1} << op.arg;
        Error want = Error::kSuccess;
        if ((inst.flags & kTerminating) != 0 &&
            op.result == Error::kInvalidSesid) {
          // The drain force-ended it first (after the waiters left).
          if (HasWaiters(state, index)) return false;
          inst.open &= ~bit;
          return true;
        }
        if ((inst.flags & kUnavailable) != 0) {
          want = Error::kInstanceUnavailable;
        } else if ((inst.flags & kTerminating) != 0) {
          want = Error::kTermInProgress;
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) {
          inst.open &= ~bit;
          HandOver(next, index);  // to the oldest waiter, if any
        }
        return true;
      }
      case OpKind::kStop:
      case OpKind::kUnavailable:
      case OpKind::kTerm: {
        Error want = Resolve(state, op.instance, &index);
        if (want == Error::kSuccess &&
            (state.instances[index].flags & kTerminating) != 0) {
          want = Error::kTermInProgress;
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) {
          next->instances[index].flags |= op.kind == OpKind::kStop ? kStopped
                                          : op.kind == OpKind::kUnavailable
                                              ? kUnavailable
                                              : kTerminating;
        }
        return true;
      }
      case OpKind::kTermDrain:
      case OpKind::kTermFree: {
        if (op.instance < 0 || op.instance >= kMaxInstances) return false;
        Instance& inst = next->instances[op.instance];
        if ((inst.flags & kTerminating) == 0 ||
            (inst.life != kCreated && inst.life != kRunning) ||
            HasWaiters(state, op.instance)) {
          return false;
        }
        inst.open = 0;
        inst.anonymous = 0;
        if (op.kind == OpKind::kTermFree) {
          inst.life = kGone;
          if (next->default_instance == op.instance) {
            next->default_instance = -1;
          }
          if (!AnyLive(*next)) next->mode = kModeNone;
        }
        return op.result == Error::kSuccess;
      }
      case OpKind::kCreate: {
        Error want = Error::kSuccess;
        if (state.mode == kModeOne) {
          want = Error::kRunningInOneInstanceMode;
        } else if (AnyLive(state)) {
          want = Error::kInstanceNameInUse;  // one name for all
        }
        if (want != op.result) return false;
        if (want != Error::kSuccess) return true;
        if (!Creates(state, next, op.out, kCreated)) return false;
        next->mode = kModeMulti;
        return true;
      }
      case OpKind::kSetMaxSessions:
      case OpKind::kInit: {
        Error want = Resolve(state, op.instance, &index);
        if (want == Error::kSuccess) {
          const Instance& inst = state.instances[index];
          if ((inst.flags & kTerminating) != 0) {
            want = Error::kTermInProgress;
          } else if (inst.life == kRunning) {
            want =
                op.kind == OpKind::kSetMaxSessions && op.value == inst.capacity
                    ? Error::kSuccess
                    : Error::kAlreadyInitialized;
          }
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) {
          Instance& inst = next->instances[index];
          if (op.kind == OpKind::kInit) {
            inst.life = kRunning;
            inst.ceiling = std::max(inst.ceiling, inst.capacity);
          } else {
            inst.capacity = static_cast<std::uint16_t>(op.value);
          }
        }
        return true;
      }
      case OpKind::kExtSetMaxSessions: {
        Error want = Resolve(state, op.instance, &index);
        if (want == Error::kSuccess) {
          const Instance& inst = state.instances[index];
          if ((inst.flags & kUnavailable) != 0) {
            want = Error::kInstanceUnavailable;
          } else if ((inst.flags & kTerminating) != 0) {
            want = Error::kTermInProgress;
          } else if (inst.life == kCreated) {
            want = Error::kNotInitialized;
          } else if (op.value < 0 || op.value > inst.ceiling) {
            want = Error::kInvalidParameter;
          }
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) {
          next->instances[index].capacity =
              static_cast<std::uint16_t>(op.value);
          HandOver(next, index);  // the new room to the waiters first
        }
        return true;
      }
      case OpKind::kInitDefault: {
        Error want = Error::kSuccess;
        if (state.mode == kModeOne) {
          want = Error::kAlreadyInitialized;
        } else if (state.mode == kModeMulti && op.value == 0) {
          want = Error::kRunningInMultiInstanceMode;
        }
        if (want != op.result) return false;
        if (want != Error::kSuccess) return true;
        if (!Creates(state, next, op.out, kRunning)) return false;
        next->instances[op.out].ceiling = next->instances[op.out].capacity;
        if (state.mode == kModeNone) {
          next->mode = kModeOne;
          next->default_instance = static_cast<std::int8_t>(op.out);
        }
        return true;
      }
      case OpKind::kSetDefaultMaxSessions:
        next->default_capacity = static_cast<std::uint16_t>(op.value);
        return op.result == Error::kSuccess;
      case OpKind::kCount: {
        Error want = Resolve(state, op.instance, &index);
        if (want == Error::kSuccess &&
            (state.instances[index].flags & kTerminating) != 0) {
          want = Error::kTermInProgress;
        }
        if (want != op.result) return false;
        if (want != Error::kSuccess || !exact_[i]) return true;
        const Instance& inst = state.instances[index];
        return op.value == (inst.life == kRunning ? Open(inst) : 0);
      }
    }
    return false;
  }

  bool Search(const Mask& done, const State& state) {
    const auto& ops = *ops_;
    const std::size_t n = ops.size();
    // The earliest return among the pending ops bounds which may go next;
    // a pinned waiter not yet queued, its pin (see "Waiting").
    std::uint64_t min_ret = ~std::uint64_t{0};
    bool pending = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!done.Has(i)) {
        pending = true;
        min_ret = std::min(min_ret, ops[i].ret);
        const int w = waiter_of_[i];
        if (w >= 0 && ops[i].queued_by != 0 && PhaseOf(state, w) == kIdle) {
          min_ret = std::min(min_ret, ops[i].queued_by);
        }
      }
    }
    if (!pending) return true;
    if (!seen_.insert(Key{done, state}).second) return false;  // Lowe
    for (std::size_t i = 0; i < n; ++i) {
      if (done.Has(i) || ops[i].call > min_ret) continue;
      if (waiter_of_[i] >= 0) {
        if (WaitSteps(i, done, state, min_ret)) return true;
        continue;
      }
      State next;
      if (Apply(i, state, &next) && Search(done.With(i), next)) return true;
    }
    return false;
  }

  State initial_;
  const std::vector<Op>* ops_ = nullptr;
  std::vector<bool> share_ok_;
  std::vector<bool> exact_;
  std::vector<int> waiter_of_;          // op index -> waiter, or -1
  std::vector<std::size_t> waiter_op_;  // waiter -> op index
  std::unordered_set<Key, KeyHash> seen_;
};

// What the waiting calls of histories did (value != 0), for the tests'
// reports: how many, how many took at least `blocked_ns` (stamps in
// nanoseconds: they blocked), and of those, how many were served, timed
// out (OutOfSessions) or woken by a flag.
struct WaitCounts {
  long calls = 0;
  long blocked = 0;
  long served = 0;
  long timed_out = 0;
  long woken = 0;

  void Add(const std::vector<Op>& history, std::uint64_t blocked_ns) {
    for (const Op& op : history) {
      if ((op.kind != OpKind::kBeginWait && op.kind != OpKind::kDupWait) ||
          op.value == 0) {
        continue;
      }
      ++calls;
      if (op.ret - op.call < blocked_ns) continue;
      ++blocked;
      if (op.result == Error::kSuccess) {
        ++served;
      } else if (op.result == Error::kOutOfSessions) {
        ++timed_out;
      } else {
        ++woken;
      }
    }
  }
  std::string Describe() const {
    char text[200];
    std::snprintf(text, sizeof(text),
                  "%ld waiting calls, %ld blocked (%ld served, %ld timed "
                  "out, %ld woken by a flag)",
                  calls, blocked, served, timed_out, woken);
    return text;
  }
};

// A history, one operation a line in call order, for failure reports.
inline std::string DescribeHistory(const std::vector<Op>& history) {
  static constexpr const char* kNames[] = {"Begin",
                                           "Dup",
                                           "End",
                                           "Stop",
                                           "Unavailable",
                                           "Term",
                                           "TermDrain",
                                           "TermFree",
                                           "Create",
                                           "SetMaxSessions",
                                           "Init",
                                           "InitDefault",
                                           "SetDefaultMaxSessions",
                                           "Count",
                                           "BeginWait",
                                           "DupWait",
                                           "ExtSetMaxSessions"};
  std::vector<Op> sorted = history;
  std::sort(sorted.begin(), sorted.end(),
            [](const Op& a, const Op& b) { return a.call < b.call; });
  std::string text;
  for (const Op& op : sorted) {
    char line[200];
    std::snprintf(line, sizeof(line),
                  "  [%4llu,%4llu] t%d %-14s inst=%d arg=%d value=%ld -> "
                  "%s out=%d\n",
                  static_cast<unsigned long long>(op.call),
                  static_cast<unsigned long long>(op.ret), op.thread,
                  kNames[static_cast<int>(op.kind)], op.instance, op.arg,
                  op.value, std::string(ErrorName(op.result)).c_str(), op.out);
    text += line;
    if (op.deadline != 0 || op.queued_by != 0) {
      std::snprintf(line, sizeof(line),
                    "                  deadline=%llu queued_by=%llu\n",
                    static_cast<unsigned long long>(op.deadline),
                    static_cast<unsigned long long>(op.queued_by));
      text += line;
    }
  }
  return text;
}

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_LINEARIZABILITY_H_
