// stress_resize.cc: jetsession-stress --scenario=resize.
//
// --instances instances with a ceiling of --ceiling sessions
// (JET_paramExtMaxSessionsCeiling) are shared by --threads workers, each of
// which holds up to 4 sessions: it opens with JetBeginSession, JetDupSession
// on a session it holds, JetExtBeginSessionWait (0, 1 or 2 ms) or
// JetExtDupSessionWait (0 or 1 ms), and ends a session it holds. A resizer
// thread meanwhile calls JetExtSetMaxSessions without pause, each time on a
// random instance with a random capacity in 0..ceiling (0, the ceiling, one
// around the open count, or any), and now and then with one above the
// ceiling. Rounds of 1 to 3000 steps a worker: at the end of each, every
// thread (the resizer too) meets at a barrier, and the checkpoint runs while
// they wait there, the workers still holding their sessions.
//
// Checked while the threads run:
// - the slot of a session (JetExtGetSessionSlot) is below the ceiling, the
//   same for its whole life, and no other open session on its instance has
//   it (the opener registers the slot after the open succeeded, the ender
//   unregisters it before the End);
// - every End of a held session succeeds, and every open answers Success
//   or OutOfSessions;
// - no OutOfSessions while the capacity is above all the workers can hold
//   (threads * 4) and no resize of the instance overlapped the call;
// - JetExtSetMaxSessions succeeds up to the ceiling and answers
//   InvalidParameter above it, and JetGetSystemParameter(MaxSessions) then
//   reads the capacity in force (only the resizer sets it).
// Checked at each checkpoint, on every instance (no call in flight): the
// count, the statistics (open, capacity, ceiling, begun - ended, no waiter)
// and both parameters are exact; each held session still has its slot;
// exactly max(0, capacity - held) more Begins or Dups succeed, then a
// Begin, a wait and a Dup answer OutOfSessions; ending those leaves the
// count as it was. At the end: the workers end all they hold (every End
// succeeds), the count is 0, and after a final resize to c (random, then
// the ceiling) exactly c Begins or Dups succeed. A round that does not end
// within a minute (a call that never returns) aborts the run.
#include "stress_resize.h"

#include <jetsession/jet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "jetsession/debug.h"
#include "stress_report.h"
#include "stress_watchdog.h"

namespace jetsession_stress {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeld = 4;
constexpr JET_SESID kNoSession = JET_sesidNil;
// The steps a worker takes in a round (one picked at random per round).
constexpr int kRoundSteps[] = {1, 10, 100, 1000, 3000};

// One instance. `handle`, `ceiling` and `owner` are set before the threads
// start.
struct Target {
  JET_INSTANCE handle = 0;
  unsigned long ceiling = 0;
  // Odd while a JetExtSetMaxSessions on it is in flight: the resizer adds
  // 1 before the call and 1 after it returned.
  std::atomic<std::uint64_t> resizes{0};
  // The capacity set by the last JetExtSetMaxSessions (stored while
  // `resizes` is odd).
  std::atomic<unsigned long> capacity{0};
  // Per slot: the open session that has it, or kNoSession.
  std::unique_ptr<std::atomic<JET_SESID>[]> owner;
};

struct Held {
  JET_SESID sesid = kNoSession;
  std::size_t target = 0;
  unsigned long slot = ~0UL;
  // The slot is registered in Target::owner under this session.
  bool registered = false;
};

// Reads and registers the slot of `h.sesid`, just opened: a violation when
// it cannot be read, is not below the ceiling, or another open session of
// the instance has it.
void Register(Target& t, Held* h, const std::string& who) {
  const JET_ERR err = JetExtGetSessionSlot(h->sesid, &h->slot);
  if (err != JET_errSuccess) {
    Violation(absl::StrFormat("%s: JetExtGetSessionSlot of a new session: "
                              "error %d",
                              who, err),
              t.handle);
    return;
  }
  if (h->slot >= t.ceiling) {
    Violation(
        absl::StrFormat("%s: slot %lu, ceiling %lu", who, h->slot, t.ceiling),
        t.handle);
    return;
  }
  JET_SESID other = kNoSession;
  // acquire: pairs with the release store of Unregister(). The session
  // that had the slot before was unregistered before its End, which
  // happens-before the open that got the slot again (the library's
  // release/acquire on the slot), so this sees kNoSession unless another
  // open session has the slot.
  if (!t.owner[h->slot].compare_exchange_strong(other, h->sesid,
                                                std::memory_order_acquire)) {
    Violation(absl::StrFormat("%s: session %#x got slot %lu, which open "
                              "session %#x has",
                              who, h->sesid, h->slot, other),
              t.handle);
    return;
  }
  h->registered = true;
}

// Before the End of a held session: its slot is the one it got; unregisters
// it.
void Unregister(Target& t, const Held& h, const std::string& who) {
  unsigned long slot = ~0UL;
  const JET_ERR err = JetExtGetSessionSlot(h.sesid, &slot);
  if (err != JET_errSuccess || (h.slot < t.ceiling && slot != h.slot)) {
    Violation(absl::StrFormat("%s: JetExtGetSessionSlot of held session %#x: "
                              "error %d, slot %lu (it got slot %lu)",
                              who, h.sesid, err, slot, h.slot),
              t.handle);
  }
  // release: pairs with the acquire of Register().
  if (h.registered) {
    t.owner[h.slot].store(kNoSession, std::memory_order_release);
  }
}

// Ends a held session: a violation when the End fails.
void EndHeld(Target& t, const Held& h, const std::string& who) {
  Unregister(t, h, who);
  const JET_ERR err = JetEndSession(h.sesid, 0);
  if (err != JET_errSuccess) {
    Violation(absl::StrFormat("%s: JetEndSession of held session %#x: "
                              "error %d",
                              who, h.sesid, err),
              t.handle);
  }
}

// What the workers did, for the summary.
struct Tally {
  long ops = 0;
  // Opens by kind: JetBeginSession, JetDupSession, JetExtBeginSessionWait,
  // JetExtDupSessionWait.
  std::array<long, 4> opens{};
  long granted = 0;
  long out_of_sessions = 0;
  // Opens at a capacity above the bound with no resize overlapping, where
  // an OutOfSessions is a violation.
  long checked = 0;
  long ends = 0;

  long Opens() const { return opens[0] + opens[1] + opens[2] + opens[3]; }

  void Add(const Tally& o) {
    ops += o.ops;
    for (std::size_t k = 0; k < opens.size(); ++k) opens[k] += o.opens[k];
    granted += o.granted;
    out_of_sessions += o.out_of_sessions;
    checked += o.checked;
    ends += o.ends;
  }
};

class Worker {
 public:
  Worker(int id, std::uint64_t seed, std::vector<Target>* targets,
         unsigned long bound)
      : gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U),
                           static_cast<std::uint32_t>(id), 0x5e51U}),
        targets_(targets),
        bound_(bound),
        who_(absl::StrFormat("thread %d", id)) {}

  void Steps(int n) {
    for (int i = 0; i < n; ++i) Step();
  }

  // Ends every session it holds.
  void EndAll() {
    for (const Held& h : held_) End(h);
    held_.clear();
  }

  const std::vector<Held>& held() const { return held_; }
  const Tally& tally() const { return tally_; }

 private:
  enum Kind { kBegin, kDup, kBeginWait, kDupWait };

  void Step() {
    ++tally_.ops;
    if (held_.empty() ||
        (held_.size() < kMaxHeld && absl::Bernoulli(gen_, 0.5))) {
      Open();
      return;
    }
    const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
    End(held_[k]);
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(k));
  }

  void Open() {
    const int pick = absl::Uniform(gen_, 0, 20);
    Kind kind = pick < 8    ? kBegin
                : pick < 12 ? kDup
                : pick < 17 ? kBeginWait
                            : kDupWait;
    if (held_.empty() && kind == kDup) kind = kBegin;
    if (held_.empty() && kind == kDupWait) kind = kBeginWait;
    const bool dup = kind == kDup || kind == kDupWait;
    const std::size_t source =
        dup ? absl::Uniform<std::size_t>(gen_, 0, held_.size()) : 0;
    const std::size_t index =
        dup ? held_[source].target
            : absl::Uniform<std::size_t>(gen_, 0, targets_->size());
    Target& t = (*targets_)[index];
    const unsigned long timeout =
        kind == kBeginWait ? absl::Uniform(gen_, 0UL, 3UL)
        : kind == kDupWait ? absl::Uniform(gen_, 0UL, 2UL)
                           : 0;
    // seq_cst: with the resizer's adds around its call, equal even values
    // before and after mean that no resize of the instance overlapped the
    // call, and the capacity read between is the one in force throughout.
    const std::uint64_t before = t.resizes.load(std::memory_order_seq_cst);
    const unsigned long capacity = t.capacity.load(std::memory_order_seq_cst);
    JET_SESID s = kNoSession;
    JET_ERR err = JET_errSuccess;
    switch (kind) {
      case kBegin:
        err = JetBeginSession(t.handle, &s, nullptr, nullptr);
        break;
      case kDup:
        err = JetDupSession(held_[source].sesid, &s);
        break;
      case kBeginWait:
        err = JetExtBeginSessionWait(t.handle, &s, timeout);
        break;
      case kDupWait:
        err = JetExtDupSessionWait(held_[source].sesid, &s, timeout);
        break;
    }
    const std::uint64_t after = t.resizes.load(std::memory_order_seq_cst);
    ++tally_.opens[kind];
    const bool checked =
        before == after && before % 2 == 0 && capacity > bound_;
    if (checked) ++tally_.checked;
    static constexpr const char* kNames[] = {"JetBeginSession", "JetDupSession",
                                             "JetExtBeginSessionWait",
                                             "JetExtDupSessionWait"};
    if (err == JET_errSuccess) {
      ++tally_.granted;
      Held h;
      h.sesid = s;
      h.target = index;
      Register(
          t, &h,
          absl::StrFormat("%s, %s on instance %zu", who_, kNames[kind], index));
      held_.push_back(h);
      return;
    }
    if (err != JET_errOutOfSessions) {
      Violation(absl::StrFormat("%s: %s(timeout %lu) on instance %zu: "
                                "error %d",
                                who_, kNames[kind], timeout, index, err),
                t.handle);
      return;
    }
    ++tally_.out_of_sessions;
    if (!checked) return;
    Violation(
        absl::StrFormat("%s: %s(timeout %lu) on instance %zu: "
                        "OutOfSessions at capacity %lu (no resize "
                        "during the call), with at most %lu sessions "
                        "open",
                        who_, kNames[kind], timeout, index, capacity, bound_),
        t.handle);
  }

  void End(const Held& h) {
    ++tally_.ends;
    EndHeld((*targets_)[h.target], h, who_);
  }

  absl::BitGen gen_;
  std::vector<Target>* targets_;
  // The most sessions the workers can have open (or opening, or ending).
  unsigned long bound_;
  std::string who_;
  std::vector<Held> held_;
  Tally tally_;
};

// The resizer: JetExtSetMaxSessions without pause.
class Resizer {
 public:
  Resizer(std::uint64_t seed, std::vector<Target>* targets)
      : gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U), 0x2e512eU}),
        targets_(targets) {}

  // Resizes until `done()`.
  template <class Done>
  void Run(Done done) {
    while (!done()) {
      Once();
      if (absl::Bernoulli(gen_, 0.5)) std::this_thread::yield();
    }
  }

  long resizes() const { return resizes_; }
  long grows() const { return grows_; }
  long shrinks() const { return shrinks_; }
  long invalid() const { return invalid_; }

 private:
  void Once() {
    const auto index = absl::Uniform<std::size_t>(gen_, 0, targets_->size());
    Target& t = (*targets_)[index];
    // relaxed: only this thread stores it (outside the checkpoints).
    const unsigned long old = t.capacity.load(std::memory_order_relaxed);
    const std::string who = absl::StrFormat("resizer, instance %zu", index);
    if (absl::Uniform(gen_, 0, 64) == 0) {
      const unsigned long above =
          t.ceiling + absl::Uniform(absl::IntervalClosed, gen_, 1UL, 3UL);
      const JET_ERR err = JetExtSetMaxSessions(t.handle, above);
      ++invalid_;
      if (err != JET_errInvalidParameter) {
        Violation(absl::StrFormat("%s: JetExtSetMaxSessions(%lu), ceiling "
                                  "%lu: error %d, not InvalidParameter",
                                  who, above, t.ceiling, err),
                  t.handle);
      }
      CheckCapacity(t, old, who);
      return;
    }
    unsigned long capacity = 0;
    switch (absl::Uniform(gen_, 0, 8)) {
      case 0:
        break;
      case 1:
        capacity = t.ceiling;
        break;
      case 2:
      case 3: {
        // Around the open count, where a shrink leaves a debt or not.
        unsigned long open = 0;
        JetExtGetSessionCount(t.handle, &open);
        const long near = static_cast<long>(open) + absl::Uniform(gen_, -2, 3);
        capacity = static_cast<unsigned long>(
            std::clamp(near, 0L, static_cast<long>(t.ceiling)));
        break;
      }
      default:
        capacity = absl::Uniform(absl::IntervalClosed, gen_, 0UL, t.ceiling);
        break;
    }
    // seq_cst: see Worker::Open().
    t.resizes.fetch_add(1, std::memory_order_seq_cst);
    const JET_ERR err = JetExtSetMaxSessions(t.handle, capacity);
    if (err == JET_errSuccess) {
      t.capacity.store(capacity, std::memory_order_seq_cst);
    }
    t.resizes.fetch_add(1, std::memory_order_seq_cst);
    ++resizes_;
    if (err != JET_errSuccess) {
      Violation(absl::StrFormat("%s: JetExtSetMaxSessions(%lu), ceiling %lu: "
                                "error %d",
                                who, capacity, t.ceiling, err),
                t.handle);
      return;
    }
    if (capacity > old) ++grows_;
    if (capacity < old) ++shrinks_;
    CheckCapacity(t, capacity, who);
  }

  // JetGetSystemParameter(MaxSessions) reads the capacity last set.
  static void CheckCapacity(const Target& t, unsigned long expected,
                            const std::string& who) {
    JET_API_PTR value = 0;
    const JET_ERR err = JetGetSystemParameter(t.handle, 0, JET_paramMaxSessions,
                                              &value, nullptr, 0);
    if (err != JET_errSuccess || value != expected) {
      Violation(absl::StrFormat("%s: JetGetSystemParameter(MaxSessions): "
                                "error %d, %u, after a resize to %lu",
                                who, err, value, expected),
                t.handle);
    }
  }

  absl::BitGen gen_;
  std::vector<Target>* targets_;
  long resizes_ = 0;
  long grows_ = 0;
  long shrinks_ = 0;
  long invalid_ = 0;
};

// The checks with no call in flight on the instances.
class Checker {
 public:
  Checker(std::uint64_t seed, std::vector<Target>* targets)
      : gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U), 0xc4ecU}),
        targets_(targets) {}

  // Every worker waits at the barrier, holding its sessions.
  void Checkpoint(const std::vector<Worker>& workers) {
    ++checkpoints_;
    std::vector<std::vector<Held>> held(targets_->size());
    for (const Worker& w : workers) {
      for (const Held& h : w.held()) held[h.target].push_back(h);
    }
    for (std::size_t i = 0; i < targets_->size(); ++i) {
      Check(i, held[i], absl::StrFormat("checkpoint %ld", checkpoints_));
    }
  }

  // The workers have ended their sessions: the count is 0, and after a
  // resize to c (random, then the ceiling) exactly c sessions open.
  void Final() {
    for (std::size_t i = 0; i < targets_->size(); ++i) {
      Target& t = (*targets_)[i];
      Check(i, {}, "at the end");
      for (const unsigned long capacity :
           {absl::Uniform(absl::IntervalClosed, gen_, 0UL, t.ceiling),
            t.ceiling}) {
        const JET_ERR err = JetExtSetMaxSessions(t.handle, capacity);
        if (err != JET_errSuccess) {
          Violation(absl::StrFormat("instance %zu: the final "
                                    "JetExtSetMaxSessions(%lu): error %d",
                                    i, capacity, err),
                    t.handle);
          continue;
        }
        // relaxed: no other thread runs.
        t.capacity.store(capacity, std::memory_order_relaxed);
        Check(i, {},
              absl::StrFormat("after the final resize to %lu", capacity));
      }
    }
  }

  long checkpoints() const { return checkpoints_; }
  long opened() const { return opened_; }
  long over_capacity() const { return over_capacity_; }

 private:
  // Instance `index`, on which exactly `held` are open.
  void Check(std::size_t index, const std::vector<Held>& held,
             const std::string& when) {
    Target& t = (*targets_)[index];
    const JET_INSTANCE inst = t.handle;
    // relaxed: the barrier (or the joins) ordered the resizer's stores.
    const unsigned long capacity = t.capacity.load(std::memory_order_relaxed);
    const std::string where = absl::StrFormat(
        "%s, instance %zu (capacity %lu, ceiling %lu, %zu held)", when, index,
        capacity, t.ceiling, held.size());
    if (held.size() > capacity) ++over_capacity_;
    ExpectCount(inst, held.size(), where);
    JET_EXTSESSIONSTATS stats{};
    stats.cbStruct = sizeof stats;
    const JET_ERR err = JetExtGetSessionStats(inst, &stats);
    if (err != JET_errSuccess || stats.cMaxSessions != capacity ||
        stats.cMaxSessionsCeiling != t.ceiling ||
        stats.cSessionsOpen != held.size() || stats.cWaiters != 0 ||
        stats.cSessionsBegun - stats.cSessionsEnded != held.size()) {
      Violation(absl::StrFormat("%s: JetExtGetSessionStats: error %d, "
                                "capacity %lu, ceiling %lu, open %lu, "
                                "waiters %lu, begun %llu, ended %llu",
                                where, err, stats.cMaxSessions,
                                stats.cMaxSessionsCeiling, stats.cSessionsOpen,
                                stats.cWaiters, stats.cSessionsBegun,
                                stats.cSessionsEnded),
                inst);
    }
    JET_API_PTR max = 0;
    JET_API_PTR ceiling = 0;
    const JET_ERR max_err =
        JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &max, nullptr, 0);
    const JET_ERR ceiling_err = JetGetSystemParameter(
        inst, 0, JET_paramExtMaxSessionsCeiling, &ceiling, nullptr, 0);
    if (max_err != JET_errSuccess || max != capacity ||
        ceiling_err != JET_errSuccess || ceiling != t.ceiling) {
      Violation(absl::StrFormat("%s: JetGetSystemParameter: MaxSessions "
                                "error %d, %u; ceiling error %d, %u",
                                where, max_err, max, ceiling_err, ceiling),
                inst);
    }
    for (const Held& h : held) {
      unsigned long slot = ~0UL;
      // acquire: as Register().
      if (JetExtGetSessionSlot(h.sesid, &slot) != JET_errSuccess ||
          (h.registered &&
           (slot != h.slot ||
            t.owner[slot].load(std::memory_order_acquire) != h.sesid))) {
        Violation(absl::StrFormat("%s: held session %#x: slot %lu (it got "
                                  "slot %lu)",
                                  where, h.sesid, slot, h.slot),
                  inst);
      }
    }
    Fill(t, held, where);
    ExpectCount(inst, held.size(), where + ", after the fill ended");
  }

  // Exactly max(0, capacity - held) more opens, then OutOfSessions; then
  // ends them.
  void Fill(Target& t, const std::vector<Held>& held,
            const std::string& where) {
    const unsigned long capacity = t.capacity.load(std::memory_order_relaxed);
    const std::size_t expected =
        capacity > held.size() ? capacity - held.size() : 0;
    std::vector<Held> fill;
    // A Dup's source: one of the fill, or a held session.
    auto source = [&]() {
      const std::size_t n = fill.size() + held.size();
      const auto k = absl::Uniform<std::size_t>(gen_, 0, n);
      return k < fill.size() ? fill[k].sesid : held[k - fill.size()].sesid;
    };
    bool ok = true;
    for (;;) {
      const bool dup =
          (!fill.empty() || !held.empty()) && absl::Bernoulli(gen_, 0.3);
      JET_SESID s = kNoSession;
      const JET_ERR err = dup ? JetDupSession(source(), &s)
                              : JetBeginSession(t.handle, &s, nullptr, nullptr);
      const char* call = dup ? "JetDupSession" : "JetBeginSession";
      if (err == JET_errSuccess) {
        Held h;
        h.sesid = s;
        Register(t, &h, where);
        fill.push_back(h);
        ++opened_;
        if (fill.size() > expected) {
          Violation(absl::StrFormat("%s: %s %zu of the fill succeeded, "
                                    "beyond the capacity",
                                    where, call, fill.size()),
                    t.handle);
          ok = false;
          break;
        }
        continue;
      }
      if (err != JET_errOutOfSessions) {
        Violation(absl::StrFormat("%s: %s %zu of the fill: error %d", where,
                                  call, fill.size() + 1, err),
                  t.handle);
        ok = false;
      } else if (fill.size() < expected) {
        Violation(absl::StrFormat("%s: %s %zu of the fill: OutOfSessions, "
                                  "%zu expected to succeed",
                                  where, call, fill.size() + 1, expected),
                  t.handle);
        ok = false;
      }
      break;
    }
    if (ok) {
      // At capacity: a wait (0 or 1 ms), and a Dup, answer OutOfSessions.
      JET_SESID s = kNoSession;
      const unsigned long timeout = absl::Uniform(gen_, 0UL, 2UL);
      const JET_ERR wait = JetExtBeginSessionWait(t.handle, &s, timeout);
      JET_ERR dup = JET_errOutOfSessions;
      auto keep = [&](JET_SESID opened) {
        Held h;
        h.sesid = opened;
        Register(t, &h, where);
        fill.push_back(h);
      };
      if (wait == JET_errSuccess) keep(s);
      if (!fill.empty() || !held.empty()) {
        dup = JetDupSession(source(), &s);
        if (dup == JET_errSuccess) keep(s);
      }
      if (wait != JET_errOutOfSessions || dup != JET_errOutOfSessions) {
        Violation(absl::StrFormat("%s: at capacity, JetExtBeginSessionWait"
                                  "(%lu): error %d, JetDupSession: error %d",
                                  where, timeout, wait, dup),
                  t.handle);
      }
    }
    ExpectCount(t.handle, held.size() + fill.size(), where + ", filled");
    for (const Held& h : fill) EndHeld(t, h, where + ", the fill");
  }

  static void ExpectCount(JET_INSTANCE inst, std::size_t expected,
                          const std::string& where) {
    unsigned long count = ~0UL;
    const JET_ERR err = JetExtGetSessionCount(inst, &count);
    if (err != JET_errSuccess || count != expected) {
      Violation(absl::StrFormat("%s: JetExtGetSessionCount: error %d, %lu "
                                "sessions, %zu open",
                                where, err, count, expected),
                inst);
    }
  }

  absl::BitGen gen_;
  std::vector<Target>* targets_;
  long checkpoints_ = 0;
  long opened_ = 0;
  long over_capacity_ = 0;
};

JET_INSTANCE MakeResizable(int index, unsigned long ceiling,
                           unsigned long capacity) {
  JET_INSTANCE inst = 0;
  const std::string name = absl::StrFormat("stress-resize-%d", index);
  if (JetCreateInstance(&inst, name.c_str()) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, ceiling,
                            nullptr) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, capacity,
                            nullptr) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking,
                            index % 2 == 0 ? 1 : 0,
                            nullptr) != JET_errSuccess ||
      JetInit(&inst) != JET_errSuccess) {
    Violation("cannot create an instance");
    return 0;
  }
  return inst;
}

}  // namespace

int RunResizeScenario(int threads, double seconds, std::uint64_t seed,
                      int instances, unsigned long ceiling) {
  const unsigned long bound = static_cast<unsigned long>(threads) * kMaxHeld;
  std::printf(
      "jetsession-stress: threads=%d seconds=%g seed=%llu instances=%d "
      "scenario=resize (ceiling %lu, the workers hold at most %lu)\n",
      threads, seconds, static_cast<unsigned long long>(seed), instances,
      ceiling, bound);
  std::fflush(stdout);
  absl::BitGen control(std::seed_seq{static_cast<std::uint32_t>(seed),
                                     static_cast<std::uint32_t>(seed >> 32U)});
  std::vector<Target> targets(static_cast<std::size_t>(instances));
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Target& t = targets[i];
    t.ceiling = ceiling;
    const unsigned long capacity =
        absl::Uniform(absl::IntervalClosed, control, 0UL, ceiling);
    t.capacity.store(capacity, std::memory_order_relaxed);
    t.owner = std::make_unique<std::atomic<JET_SESID>[]>(ceiling);
    for (unsigned long k = 0; k < ceiling; ++k) {
      t.owner[k].store(kNoSession, std::memory_order_relaxed);
    }
    t.handle = MakeResizable(static_cast<int>(i), ceiling, capacity);
    if (t.handle == 0) return 1;
  }
  std::vector<Worker> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(t, seed, &targets, bound);
  }
  Resizer resizer(seed, &targets);
  Checker checker(seed, &targets);
  Watchdog watchdog(
      "a round did not end in 60 s (a call never returns)", [&targets] {
        for (const Target& t : targets) {
          std::fprintf(stderr, "%s", jetsession::DebugString(t.handle).c_str());
        }
      });

  // Written by the barrier's completion, read by the threads after it.
  // relaxed: the barrier orders them.
  std::atomic<int> steps{kRoundSteps[2]};
  std::atomic<bool> stop{false};
  // Workers done with their steps this round (the resizer stops then).
  std::atomic<int> arrived{0};
  int round = 0;
  const auto start = Clock::now();
  auto last_report = start;
  long last_ops = 0;
  auto checkpoint = [&]() noexcept {
    ++round;
    checker.Checkpoint(workers);
    watchdog.Kick();
    arrived.store(0, std::memory_order_relaxed);
    steps.store(kRoundSteps[absl::Uniform<std::size_t>(control, 0,
                                                       std::size(kRoundSteps))],
                std::memory_order_relaxed);
    const auto now = Clock::now();
    if (now - start >= std::chrono::duration<double>(seconds)) {
      stop.store(true, std::memory_order_relaxed);
    }
    if (now - last_report >= std::chrono::seconds(1)) {
      Tally sum;
      for (const Worker& w : workers) sum.Add(w.tally());
      std::printf(
          "[%5.1fs] round %d: %.2f M ops/s, %ld ops, %ld resizes, %ld "
          "violations\n",
          std::chrono::duration<double>(now - start).count(), round,
          static_cast<double>(sum.ops - last_ops) /
              std::chrono::duration<double>(now - last_report).count() / 1e6,
          sum.ops, resizer.resizes(), Violations());
      std::fflush(stdout);
      last_report = now;
      last_ops = sum.ops;
    }
  };
  std::barrier sync(threads + 1, checkpoint);
  std::vector<std::thread> pool;
  for (Worker& w : workers) {
    pool.emplace_back([&w, &steps, &stop, &arrived, &sync] {
      for (;;) {
        w.Steps(steps.load(std::memory_order_relaxed));
        // release: pairs with the resizer's acquire load.
        arrived.fetch_add(1, std::memory_order_release);
        sync.arrive_and_wait();
        if (stop.load(std::memory_order_relaxed)) break;
      }
      w.EndAll();
    });
  }
  pool.emplace_back([&] {
    for (;;) {
      resizer.Run([&] {
        // acquire: pairs with the workers' release adds.
        return arrived.load(std::memory_order_acquire) >= threads;
      });
      sync.arrive_and_wait();
      if (stop.load(std::memory_order_relaxed)) break;
    }
  });
  for (auto& t : pool) t.join();
  checker.Final();
  for (const Target& t : targets) JetTerm(t.handle);

  Tally sum;
  for (const Worker& w : workers) sum.Add(w.tally());
  std::printf(
      "  opens %ld (Begin %ld, Dup %ld, BeginWait %ld, DupWait %ld): granted "
      "%ld, OutOfSessions %ld; %ld opens at a capacity above %lu with no "
      "resize overlapping (never OutOfSessions); Ends %ld\n",
      sum.Opens(), sum.opens[0], sum.opens[1], sum.opens[2], sum.opens[3],
      sum.granted, sum.out_of_sessions, sum.checked, bound, sum.ends);
  std::printf(
      "  resizes %ld (grown %ld, shrunk %ld), above the ceiling %ld; "
      "checkpoints %ld (%ld instance checks with more held than the "
      "capacity), %ld sessions opened by the fills\n",
      resizer.resizes(), resizer.grows(), resizer.shrinks(), resizer.invalid(),
      checker.checkpoints(), checker.over_capacity(), checker.opened());
  std::printf(
      "jetsession-stress: %ld ops and %ld resizes in %d rounds, %ld "
      "violations\n",
      sum.ops, resizer.resizes(), round, Violations());
  return Violations() == 0 ? 0 : 1;
}

}  // namespace jetsession_stress
