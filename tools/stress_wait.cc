// stress_wait.cc: jetsession-stress --scenario=wait.
//
// --instances instances of 1..3 sessions each (a new capacity at every
// re-create) are shared by --threads workers, each of which holds up to 2
// sessions, so that most opens wait. A worker opens with
// JetExtBeginSessionWait (no limit when it holds nothing, else 0, 1, 5 or
// 30 ms) or, holding a session, JetExtDupSessionWait on it (0, 1 or 5 ms),
// and ends a session it holds. Rounds of 100 ms: in the middle of each, the
// controller stops, marks unavailable or terminates one instance (three
// rounds in four), while waiters wait on it; at the end the workers end
// what they hold and the controller checks every instance that still runs,
// then re-creates the gated one.
//
// Checked:
// - never more sessions open than the capacity (each worker counts its
//   sessions up after it got them and down before it ends them);
// - no open that began after the gate returned succeeds;
// - a state error (stopped, unavailable, terminating, invalid instance)
//   only from an instance that a gate has begun on;
// - a timed-out wait waited its full time, and a wait without limit never
//   times out;
// - a waiter is woken by the gate: no wait without limit returns later than
//   --wake_bound_ms after the Stop, Unavailable or Term returned (and
//   JetTerm returns only after its waiters left; a round that does not end
//   within a minute aborts the run);
// - nothing lost, after each round, on every instance still running: the
//   count is 0, exactly capacity Begins succeed, a wait then times out
//   (OutOfSessions), and a waiter without limit is handed the session of
//   the next End.
#include "stress_wait.h"

#include <jetsession/jet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
using std::chrono::milliseconds;

constexpr int kRoundMillis = 100;
constexpr std::size_t kMaxHeld = 2;
constexpr unsigned long kMaxCapacity = 3;

long Millis(Clock::duration d) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(d).count());
}

enum Gate { kNoGate, kStop, kUnavailable, kTerm };
constexpr const char* kGateNames[] = {"none", "Stop", "Unavailable", "Term"};

// One instance of the round. `handle` and `capacity` change only between
// rounds (no worker runs then).
struct Target {
  std::atomic<JET_INSTANCE> handle{0};
  unsigned long capacity = 0;
  // Sessions the workers hold on it.
  std::atomic<long> open{0};
  // The handle a gate began on (release, before the gate's call) and the
  // handle whose gate returned (release, after `gated_at`).
  std::atomic<JET_INSTANCE> gating{0};
  std::atomic<JET_INSTANCE> gated{0};
  std::atomic<Clock::rep> gated_at{0};
};

bool IsStateError(JET_ERR err) {
  return err == JET_errClientRequestToStopJetService ||
         err == JET_errInstanceUnavailable || err == JET_errTermInProgress ||
         err == JET_errInvalidInstance;
}

// What the workers saw, for the summary.
struct Tally {
  long opens = 0;
  long granted = 0;
  long granted_after_1ms = 0;
  long timed_out = 0;
  long state_errors = 0;
  long dups = 0;
  long woken_by_gate = 0;
  long max_wake_ms = 0;

  void Add(const Tally& o) {
    opens += o.opens;
    granted += o.granted;
    granted_after_1ms += o.granted_after_1ms;
    timed_out += o.timed_out;
    state_errors += o.state_errors;
    dups += o.dups;
    woken_by_gate += o.woken_by_gate;
    max_wake_ms = std::max(max_wake_ms, o.max_wake_ms);
  }
};

class Worker {
 public:
  Worker(int id, std::uint64_t seed, std::vector<Target>* targets,
         int wake_bound_ms)
      : id_(id),
        gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U),
                           static_cast<std::uint32_t>(id)}),
        targets_(targets),
        wake_bound_ms_(wake_bound_ms) {}

  // Runs until `stop` is set, then ends what it holds.
  void Round(const std::atomic<bool>& stop) {
    // acquire: pairs with the controller's release store of `stop`.
    while (!stop.load(std::memory_order_acquire)) {
      if (held_.empty() ||
          (held_.size() < kMaxHeld && absl::Bernoulli(gen_, 0.45))) {
        Open();
      } else {
        const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
        End(held_[k]);
        held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    for (const Held& h : held_) End(h);
    held_.clear();
  }

  const Tally& tally() const { return tally_; }

 private:
  struct Held {
    JET_SESID sesid;
    std::size_t target;
  };

  void Open() {
    const bool dup = !held_.empty() && absl::Bernoulli(gen_, 0.3);
    const std::size_t index =
        dup ? held_.back().target
            : absl::Uniform<std::size_t>(gen_, 0, targets_->size());
    Target& t = (*targets_)[index];
    // acquire: pairs with the controller's release stores.
    const JET_INSTANCE inst = t.handle.load(std::memory_order_acquire);
    const bool gated_before = t.gated.load(std::memory_order_acquire) == inst;
    const bool gate_began_before =
        t.gating.load(std::memory_order_acquire) == inst;
    // Without limit only while holding nothing (a holder always ends what
    // it holds, so such a wait is served or woken by a gate).
    static constexpr unsigned long kHolding[] = {0, 1, 5, 30};
    const unsigned long timeout =
        held_.empty() && absl::Bernoulli(gen_, 0.3)
            ? JET_cmsecExtWaitForever
            : kHolding[absl::Uniform<std::size_t>(gen_, 0, dup ? 3 : 4)];
    JET_SESID s = JET_sesidNil;
    const auto start = Clock::now();
    const JET_ERR err =
        dup ? JetExtDupSessionWait(held_.back().sesid, &s, timeout)
            : JetExtBeginSessionWait(inst, &s, timeout);
    const auto end = Clock::now();
    ++tally_.opens;
    if (dup) ++tally_.dups;
    const std::string what = absl::StrFormat(
        "thread %d, %s(timeout %lu) on instance %zu after %ld ms", id_,
        dup ? "JetExtDupSessionWait" : "JetExtBeginSessionWait", timeout, index,
        Millis(end - start));
    if (err == JET_errSuccess) {
      ++tally_.granted;
      if (end - start > milliseconds(1)) ++tally_.granted_after_1ms;
      if (gated_before) Violation(what + ": succeeded after the gate", inst);
      // relaxed: the count down before an End happens-before the count up
      // after a Begin that gets its slot (the library's release/acquire on
      // the slot), so the two are in that order in the count's modification
      // order, and the count never exceeds the sessions open.
      const long open = t.open.fetch_add(1, std::memory_order_relaxed) + 1;
      if (open > static_cast<long>(t.capacity)) {
        Violation(absl::StrFormat("%s: %ld sessions open, capacity %lu", what,
                                  open, t.capacity),
                  inst);
      }
      held_.push_back({s, index});
      return;
    }
    if (err == JET_errOutOfSessions) {
      ++tally_.timed_out;
      if (timeout == JET_cmsecExtWaitForever) {
        Violation(what + ": OutOfSessions without a time limit", inst);
      } else if (end - start < milliseconds(timeout)) {
        Violation(what + ": timed out early", inst);
      }
      return;
    }
    // acquire: pairs with the controller's release store before its gate.
    const bool gate_began = t.gating.load(std::memory_order_acquire) == inst;
    const bool source_gone = dup && err == JET_errInvalidSesid;
    if (!(IsStateError(err) || source_gone) || !gate_began) {
      Violation(absl::StrFormat("%s: error %d", what, err), inst);
      return;
    }
    ++tally_.state_errors;
    if (timeout != JET_cmsecExtWaitForever || gate_began_before) return;
    // A waiter the gate woke: how long after the gate returned it did (0
    // when it returned before the gate did).
    ++tally_.woken_by_gate;
    // acquire: pairs with the release store after `gated_at`.
    if (t.gated.load(std::memory_order_acquire) != inst) return;
    // relaxed: ordered by the acquire load above.
    const Clock::time_point at(
        Clock::duration(t.gated_at.load(std::memory_order_relaxed)));
    const long late = std::max(0L, Millis(end - at));
    tally_.max_wake_ms = std::max(tally_.max_wake_ms, late);
    if (late > wake_bound_ms_) {
      Violation(absl::StrFormat("%s: returned %ld ms after the gate returned",
                                what, late),
                inst);
    }
  }

  void End(const Held& h) {
    Target& t = (*targets_)[h.target];
    // relaxed: see Open().
    t.open.fetch_sub(1, std::memory_order_relaxed);
    const JET_ERR err = JetEndSession(h.sesid, 0);
    if (err == JET_errSuccess) return;
    // Force-ended by a Term, or refused by an unavailable or terminating
    // instance: only once a gate has begun on it.
    // acquire: pairs with the controller's release store before its gate.
    const JET_INSTANCE inst = t.handle.load(std::memory_order_acquire);
    if (t.gating.load(std::memory_order_acquire) != inst ||
        (err != JET_errInvalidSesid && err != JET_errInstanceUnavailable &&
         err != JET_errTermInProgress)) {
      Violation(
          absl::StrFormat("thread %d: JetEndSession: error %d", id_, err));
    }
  }

  int id_;
  absl::BitGen gen_;
  std::vector<Target>* targets_;
  int wake_bound_ms_;
  std::vector<Held> held_;
  Tally tally_;
};

// After a round, on an instance that still runs and that no worker uses:
// the count is 0, exactly capacity Begins succeed, a wait times out, and a
// waiter is handed the session of the next End.
void CheckNothingLost(std::size_t index, const Target& t) {
  const JET_INSTANCE inst = t.handle.load(std::memory_order_relaxed);
  const std::string where =
      absl::StrFormat("instance %zu (capacity %lu)", index, t.capacity);
  unsigned long count = ~0UL;
  if (JetExtGetSessionCount(inst, &count) != JET_errSuccess || count != 0) {
    Violation(
        absl::StrFormat("%s: %lu sessions open after the round", where, count),
        inst);
    return;
  }
  std::vector<JET_SESID> held;
  for (unsigned long i = 0; i < t.capacity; ++i) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
    if (err != JET_errSuccess) {
      Violation(absl::StrFormat("%s: Begin %lu of the fill: error %d", where,
                                i + 1, err),
                inst);
      break;
    }
    held.push_back(s);
  }
  JET_SESID extra = JET_sesidNil;
  if (held.size() == t.capacity) {
    const JET_ERR err = JetExtBeginSessionWait(inst, &extra, 2);
    if (err != JET_errOutOfSessions) {
      Violation(
          absl::StrFormat("%s: a wait on the full pool: error %d", where, err),
          inst);
    }
  }
  if (!held.empty() && held.size() == t.capacity) {
    JET_SESID handed = JET_sesidNil;
    JET_ERR waited = JET_errSuccess;
    std::thread waiter([&] {
      waited = JetExtBeginSessionWait(inst, &handed, JET_cmsecExtWaitForever);
    });
    std::this_thread::sleep_for(milliseconds(1));
    if (JetEndSession(held.back(), 0) != JET_errSuccess) {
      Violation(where + ": an End of the fill failed", inst);
    }
    held.pop_back();
    waiter.join();
    if (waited != JET_errSuccess) {
      Violation(absl::StrFormat("%s: the waiter got error %d", where, waited),
                inst);
    } else {
      held.push_back(handed);
    }
  }
  for (const JET_SESID s : held) {
    if (JetEndSession(s, 0) != JET_errSuccess) {
      Violation(where + ": an End of the fill failed", inst);
    }
  }
}

// The controller's reads while the workers run: on every instance, the
// statistics (no figure goes back on one handle, begun >= ended, open
// within the capacity), the open-session report (no more sessions than the
// capacity, oldest first) and, now and then, the debug dump. Each call may
// find its instance gated meanwhile: an error then is not a violation.
class ReportPoller {
 public:
  explicit ReportPoller(std::size_t targets) : last_(targets) {}

  void PollUntil(std::vector<Target>& targets, Clock::time_point until) {
    while (Clock::now() < until) {
      for (std::size_t i = 0; i < targets.size(); ++i) Poll(i, targets[i]);
      ++polls_;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  long polls() const { return polls_; }

 private:
  struct Last {
    JET_INSTANCE handle = 0;
    JET_EXTSESSIONSTATS stats{};
  };

  void Poll(std::size_t index, const Target& t) {
    // relaxed: the handle changes only between rounds.
    const JET_INSTANCE inst = t.handle.load(std::memory_order_relaxed);
    JET_EXTSESSIONSTATS now{};
    now.cbStruct = sizeof now;
    if (JetExtGetSessionStats(inst, &now) != JET_errSuccess) return;
    Last& last = last_[index];
    if (last.handle != inst) last = {inst, JET_EXTSESSIONSTATS{}};
    const JET_EXTSESSIONSTATS& before = last.stats;
    if (now.cSessionsBegun < before.cSessionsBegun ||
        now.cSessionsEnded < before.cSessionsEnded ||
        now.cOutOfSessions < before.cOutOfSessions ||
        now.cWaits < before.cWaits ||
        now.cWaitTimeouts < before.cWaitTimeouts ||
        now.cmsecWaitTotal < before.cmsecWaitTotal) {
      Violation(
          absl::StrFormat("instance %zu: a statistic went back (begun %llu -> "
                          "%llu, ended %llu -> %llu)",
                          index, before.cSessionsBegun, now.cSessionsBegun,
                          before.cSessionsEnded, now.cSessionsEnded),
          inst);
    }
    if (now.cSessionsEnded > now.cSessionsBegun ||
        now.cSessionsOpen > t.capacity) {
      Violation(absl::StrFormat("instance %zu: begun %llu, ended %llu, open "
                                "%lu, capacity %lu",
                                index, now.cSessionsBegun, now.cSessionsEnded,
                                now.cSessionsOpen, t.capacity),
                inst);
    }
    last.stats = now;
    JET_EXTSESSIONINFO info[4]{};
    unsigned long total = 0;
    if (JetExtGetOpenSessions(inst, 0, info, 4, &total) == JET_errSuccess) {
      bool ordered = true;
      for (unsigned long k = 1; k < std::min(total, 4UL); ++k) {
        ordered = ordered && info[k - 1].cmsecOpen >= info[k].cmsecOpen;
      }
      if (total > t.capacity || !ordered) {
        Violation(absl::StrFormat("instance %zu: %lu open sessions listed "
                                  "(capacity %lu)%s",
                                  index, total, t.capacity,
                                  ordered ? "" : ", not oldest first"),
                  inst);
      }
    }
    if (polls_ % 64 == 0) {
      const std::string dump = jetsession::DebugString(inst);
      if (dump.empty()) Violation("an empty debug dump", inst);
    }
  }

  std::vector<Last> last_;
  long polls_ = 0;
};

}  // namespace

int RunWaitScenario(int threads, double seconds, std::uint64_t seed,
                    int instances, int wake_bound_ms) {
  std::printf(
      "jetsession-stress: threads=%d seconds=%g seed=%llu instances=%d "
      "scenario=wait (capacity 1..%lu, wake bound %d ms)\n",
      threads, seconds, static_cast<unsigned long long>(seed), instances,
      kMaxCapacity, wake_bound_ms);
  std::fflush(stdout);
  absl::BitGen control(std::seed_seq{static_cast<std::uint32_t>(seed)});
  std::vector<Target> targets(static_cast<std::size_t>(instances));
  for (std::size_t i = 0; i < targets.size(); ++i) {
    targets[i].capacity = absl::Uniform(control, 1UL, kMaxCapacity + 1);
    targets[i].handle.store(MakeInstance("stress-wait", static_cast<int>(i),
                                         targets[i].capacity, i % 2 == 0),
                            std::memory_order_relaxed);
  }
  std::vector<Worker> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(t, seed, &targets, wake_bound_ms);
  }
  Watchdog watchdog(
      "a round did not finish in 60 s (a waiter or JetTerm hangs)", nullptr);
  long gates[4] = {};
  long checks = 0;
  const auto start = Clock::now();
  auto last_report = start;
  int round = 0;
  ReportPoller poller(targets.size());
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    ++round;
    watchdog.Kick();
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    for (auto& w : workers) {
      pool.emplace_back([&w, &stop] { w.Round(stop); });
    }
    poller.PollUntil(targets, Clock::now() + milliseconds(kRoundMillis / 2));
    const auto gated_index =
        absl::Uniform<std::size_t>(control, 0, targets.size());
    const auto gate = static_cast<Gate>(absl::Uniform(control, 0, 4));
    Target& g = targets[gated_index];
    const JET_INSTANCE inst = g.handle.load(std::memory_order_relaxed);
    if (gate != kNoGate) {
      // release: pairs with the workers' acquire loads.
      g.gating.store(inst, std::memory_order_release);
      const JET_ERR err = gate == kStop ? JetStopServiceInstance(inst)
                          : gate == kUnavailable
                              ? JetExtSetInstanceUnavailable(inst)
                              : JetTerm(inst);
      if (err != JET_errSuccess) {
        Violation(absl::StrFormat("%s: error %d", kGateNames[gate], err));
      }
      // relaxed: published by the release store of `gated`.
      g.gated_at.store(Clock::now().time_since_epoch().count(),
                       std::memory_order_relaxed);
      // release: pairs with the workers' acquire loads.
      g.gated.store(inst, std::memory_order_release);
    }
    ++gates[gate];
    std::this_thread::sleep_for(milliseconds(kRoundMillis / 2));
    // release: pairs with the workers' acquire loads.
    stop.store(true, std::memory_order_release);
    for (auto& t : pool) t.join();

    for (std::size_t i = 0; i < targets.size(); ++i) {
      Target& t = targets[i];
      // relaxed: every worker has been joined.
      if (t.open.load(std::memory_order_relaxed) != 0) {
        Violation(absl::StrFormat("instance %zu: the workers' count is %ld", i,
                                  t.open.load(std::memory_order_relaxed)));
      }
      if (i == gated_index && gate != kNoGate) continue;
      CheckNothingLost(i, t);
      ++checks;
    }
    if (gate != kNoGate) {
      if (gate != kTerm) JetTerm(inst);
      g.capacity = absl::Uniform(control, 1UL, kMaxCapacity + 1);
      g.open.store(0, std::memory_order_relaxed);
      g.handle.store(MakeInstance("stress-wait", static_cast<int>(gated_index),
                                  g.capacity, gated_index % 2 == 0),
                     std::memory_order_relaxed);
    }
    const auto now = Clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      Tally sum;
      for (const auto& w : workers) sum.Add(w.tally());
      std::printf(
          "[%5.1fs] round %d: %ld opens, %ld granted (%ld after more than "
          "1 ms), %ld timed out, %ld state errors, %ld violations\n",
          std::chrono::duration<double>(now - start).count(), round, sum.opens,
          sum.granted, sum.granted_after_1ms, sum.timed_out, sum.state_errors,
          Violations());
      std::fflush(stdout);
      last_report = now;
    }
  }
  for (auto& t : targets) JetTerm(t.handle.load(std::memory_order_relaxed));
  Tally sum;
  for (const auto& w : workers) sum.Add(w.tally());
  std::printf(
      "  opens %ld (of them Dups %ld): granted %ld (%ld after more than 1 "
      "ms), timed out %ld, state errors %ld; waiters without limit woken by "
      "a gate %ld, the latest %ld ms after it returned\n",
      sum.opens, sum.dups, sum.granted, sum.granted_after_1ms, sum.timed_out,
      sum.state_errors, sum.woken_by_gate, sum.max_wake_ms);
  std::printf(
      "  gates: Stop %ld, Unavailable %ld, Term %ld, none %ld; "
      "nothing-lost checks %ld, report polls %ld\n",
      gates[kStop], gates[kUnavailable], gates[kTerm], gates[kNoGate], checks,
      poller.polls());
  std::printf("jetsession-stress: %ld opens in %d rounds, %ld violations\n",
              sum.opens, round, Violations());
  return Violations() == 0 ? 0 : 1;
}

}  // namespace jetsession_stress
