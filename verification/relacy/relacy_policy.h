// relacy_policy.h: the atomics policy that runs the production core
// (src/slot_pool.h, src/instance_core.h) under the Relacy race detector.
//
// RlAtomic<T> gives the std::atomic member functions the core uses, each
// forwarding to rl::atomic with Relacy's debug info, so every atomic
// operation of the real code is a scheduling point Relacy explores, with its
// memory order mapped one to one.
#ifndef JETSESSION_VERIFICATION_RELACY_RELACY_POLICY_H_
#define JETSESSION_VERIFICATION_RELACY_RELACY_POLICY_H_

// The core's headers come first: relacy.hpp defines std::memory_order_*
// names as macros, which must not reach the production code.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <thread>

#include "atomics.h"
#include "instance_core.h"
#include "slot_pool.h"

namespace jetsession::verification {

// Plain new and delete for the tests' own objects: relacy.hpp turns `new`
// and `delete` into macros that route through its checked allocator, and a
// core allocated one way and freed the other corrupted the heap. These
// templates are read before the macros exist, so they keep the real ones.
template <class T>
T* NewObject() {
  return new T();  // NOLINT(cppcoreguidelines-owning-memory)
}
template <class T>
void DeleteObject(T* object) {
  delete object;  // NOLINT(cppcoreguidelines-owning-memory)
}

}  // namespace jetsession::verification

// Relacy last (a block of its own, so that include sorting keeps it last).
#include <relacy/relacy.hpp>  // NOLINT(llvm-include-order)

namespace jetsession::verification {

inline rl::memory_order Map(std::memory_order mo) {
  switch (mo) {
    case std::memory_order::relaxed:  // scoped names: not Relacy's macros
      return rl::mo_relaxed;
    case std::memory_order::consume:
    case std::memory_order::acquire:
      return rl::mo_acquire;
    case std::memory_order::release:
      return rl::mo_release;
    case std::memory_order::acq_rel:
      return rl::mo_acq_rel;
    default:
      return rl::mo_seq_cst;
  }
}

// Whether compare_exchange_weak may fail spuriously, as Relacy models it
// (every weak CAS of an atomic is then a branch point of the tree
// searches until one has failed). Set per run, before rl::simulate() (see
// slot_pool_relacy.cc, Plan); default true. A spurious failure only
// repeats an iteration of the loop around the CAS, and it multiplies the
// trees of the owner's long phases (32 claims) some 30-fold, so the tree
// searches run without it: a weak CAS then behaves as a strong one, which
// still fails whenever another thread changed the value.
inline bool& SpuriousCasFailures() {
  static bool on = true;
  return on;
}

template <class T>
class RlAtomic {
 public:
  RlAtomic() { a_($).store(T(), rl::mo_relaxed); }
  RlAtomic(T value) { a_($).store(value, rl::mo_relaxed); }  // NOLINT
  // Not copyable (declared, never defined: relacy.hpp makes `delete` a
  // macro, so `= delete` cannot be written after it).
  RlAtomic(const RlAtomic&);
  RlAtomic& operator=(const RlAtomic&);

  T load(std::memory_order mo) const { return a_($).load(Map(mo)); }
  void store(T value, std::memory_order mo) { a_($).store(value, Map(mo)); }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo) {
    if (!SpuriousCasFailures()) {
      return compare_exchange_strong(expected, desired, mo);
    }
    return a_($).compare_exchange_weak(expected, desired, Map(mo));
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo,
                             std::memory_order failure) {
    if (!SpuriousCasFailures()) {
      return compare_exchange_strong(expected, desired, mo, failure);
    }
    return a_($).compare_exchange_weak(expected, desired, Map(mo),
                                       Map(failure));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo) {
    return a_($).compare_exchange_strong(expected, desired, Map(mo));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo,
                               std::memory_order failure) {
    return a_($).compare_exchange_strong(expected, desired, Map(mo),
                                         Map(failure));
  }
  T fetch_add(T value, std::memory_order mo) {
    return a_($).fetch_add(value, Map(mo));
  }
  T fetch_sub(T value, std::memory_order mo) {
    return a_($).fetch_sub(value, Map(mo));
  }
  T fetch_or(T value, std::memory_order mo) {
    return a_($).fetch_or(value, Map(mo));
  }
  T fetch_and(T value, std::memory_order mo) {
    return a_($).fetch_and(value, Map(mo));
  }
  T exchange(T value, std::memory_order mo) {
    return a_($).exchange(value, Map(mo));
  }

 private:
  mutable rl::atomic<T> a_;
};

}  // namespace jetsession::verification

namespace jetsession::internal {
// Relacy prints the values of the atomics it reports.
inline std::ostream& operator<<(std::ostream& out, const PairValue& v) {
  return out << v.first << ':' << v.second;
}
}  // namespace jetsession::internal

namespace jetsession::verification {

// The policy's AtomicPair: one rl::atomic of both words. Relacy has no
// mixed sizes, so a half's load (first(), second()) loads the pair, and a
// one-word write is AtomicPair's loop of 16-byte compare-exchanges that
// keeps the other word (CompareExchangeWord(), StoreWord()).
class RlAtomicPair {
  using PairValue = internal::PairValue;
  using Word = std::uint64_t PairValue::*;

 public:
  // One word, for loads only (as AtomicPair's halves).
  class Half {
   public:
    Half(const RlAtomicPair* pair, Word word) : pair_(pair), word_(word) {}
    Half(const Half&);
    Half& operator=(const Half&);
    std::uint64_t load(std::memory_order mo) const {
      return pair_->a_($).load(Map(mo)).*word_;
    }

   private:
    const RlAtomicPair* pair_;
    Word word_;
  };

  RlAtomicPair() { a_($).store(PairValue{}, rl::mo_relaxed); }
  RlAtomicPair(const RlAtomicPair&);
  RlAtomicPair& operator=(const RlAtomicPair&);

  const Half& first() const { return first_; }
  const Half& second() const { return second_; }
  bool compare_exchange(PairValue& expected, PairValue desired) {
    return a_($).compare_exchange_strong(expected, desired, rl::mo_seq_cst);
  }
  bool compare_exchange_first(std::uint64_t& expected, std::uint64_t desired) {
    return internal::CompareExchangeWord(*this, &PairValue::first, expected,
                                         desired);
  }
  bool compare_exchange_second(std::uint64_t& expected, std::uint64_t desired) {
    return internal::CompareExchangeWord(*this, &PairValue::second, expected,
                                         desired);
  }
  void store_first(std::uint64_t desired) {
    internal::StoreWord(*this, &PairValue::first, desired);
  }
  void store_second(std::uint64_t desired) {
    internal::StoreWord(*this, &PairValue::second, desired);
  }
  PairValue load() const { return a_($).load(rl::mo_seq_cst); }
  // Both words (one load here: Relacy's pair is one atomic).
  PairValue load_halves(std::memory_order mo) const {
    return a_($).load(Map(mo));
  }

 private:
  mutable rl::atomic<PairValue> a_;
  Half first_{this, &PairValue::first};
  Half second_{this, &PairValue::second};
};

// The waits' clock (RelacyPolicy::WaitClock): model time, in milliseconds,
// held in an atomic of the test (Use(), in before(); tests that never wait
// need none). It stands still unless a test moves it: by Set() (a test
// thread that sets a later time lets every timed wait's deadline pass at
// that step, a nondeterministic point of the schedule), or by a step per
// read (Use(time, now, step): each now() adds `step`, so that a thread
// times out after a fixed number of its own reads, and the 5 ms slices of
// a caller waiting for a cell end).
//
// The time is an atomic, not a ghost, because its passing is a real-time
// event: what happened before the time passed (an End that returned) is
// visible to a thread that reads the later time (as on multi-copy-atomic
// hardware). With a plain ghost the model let a waiter whose deadline
// passed after an End returned still read that End's slot as pending.
//
// A read is a spin-wait point (rl::yield: a free switch for the tree
// searches). The core reads the clock once per round of each of its
// waiting loops, and one of them spins without blocking: QueueForSlot()
// claims again while the flag is not verified and the pool is full, which
// lasts while an End is between its free and its control store (the slot
// pending); without the yield, a tree search runs that loop to its depth
// limit and reports a livelock.
struct ModelClock {
  using duration = std::chrono::milliseconds;
  using rep = std::int64_t;
  using period = duration::period;
  using time_point = std::chrono::time_point<ModelClock, duration>;
  static constexpr bool is_steady = true;
  static time_point now() {
    rl::yield(1, $);
    rl::atomic<rep>& time = *Time();
    // acquire: pairs with Set() (what happened before the time passed);
    // acq_rel: the same, for a stepping clock.
    const rep t = Step() == 0
                      ? time($).load(rl::mo_acquire)
                      : time($).fetch_add(Step(), rl::mo_acq_rel) + Step();
    return time_point(duration(t));
  }
  // The test's clock, its time now and what each read adds (before()).
  static void Use(rl::atomic<rep>& time, rep now = 0, rep step = 0) {
    Time() = &time;
    time($).store(now, rl::mo_relaxed);  // before the threads start
    Step() = step;
  }
  static void SetStep(rep step) { Step() = step; }
  // The time passes to `now`. release: pairs with now()'s acquire.
  static void Set(rep now) { (*Time())($).store(now, rl::mo_release); }
  // The time now, without a read (no step, no yield): for deadlines.
  static rep Peek() { return (*Time())($).load(rl::mo_relaxed); }
  static time_point At(rep ms) { return time_point(duration(ms)); }

 private:
  static rl::atomic<rep>*& Time() {
    static rl::atomic<rep>* time = nullptr;
    return time;
  }
  static rep& Step() {
    static rep step = 0;
    return step;
  }
};

template <internal::Mutation kM = internal::Mutation::kNone>
struct RelacyPolicy {
  template <class T>
  using Atomic = RlAtomic<T>;
  template <class Half>
  using AtomicPair = RlAtomicPair;
  static constexpr internal::Mutation kMutation = kM;
  // A step of a spin-wait (ForceEndAll() waiting for a call in flight, and
  // the mutants' widened windows): counted per thread, for the tests that
  // bound how long JetTerm's drain waits (ResetYields() in before()).
  static void Yield() {
    ++YieldCounts()[rl::thread_index() % 8];
    rl::yield(1, $);
  }
  static unsigned Yields(unsigned thread) { return YieldCounts()[thread % 8]; }
  static void ResetYields() {
    for (unsigned& count : YieldCounts()) count = 0;
  }
  static std::uintptr_t ThreadId() { return rl::thread_index() + 1; }
  // Waiting for a session: model time (ModelClock) and a futex that never
  // misses a change of its word.
  using WaitClock = ModelClock;
  // A small ring, so that the tests' tickets go round it.
  static constexpr std::uint32_t kWaitCells = 4;
  // Blocks while `word` holds `expected` and the deadline has not passed:
  // a spin, one clock read (a spin-wait yield) a round, so the tree
  // searches switch away for free and a waiter that nothing ever wakes
  // spins to the depth limit (a livelock, reported as a failure). Not
  // counted in Yields(), which are the drain's. No spurious wake-up.
  static void WaitWhile(Atomic<std::uint32_t>& word, std::uint32_t expected,
                        WaitClock::time_point deadline) {
    // relaxed: a futex's own read of the word orders nothing; the caller
    // re-reads the cell (acquire, WaitQueue::Peek()) once this returns. A
    // load after a yield reads the latest value (Relacy), so a change ends
    // the spin.
    while (word.load(std::memory_order::relaxed) == expected &&
           WaitClock::now() < deadline) {
    }
  }
  // Nothing: the waits above see the change of the word itself (a missing
  // wake after a change is not modelled; one with no change is a hang).
  // The model never runs out of memory, so no waiter sleeps without a
  // cell; a sleep is a step of the schedule.
  static void SleepUntil(WaitClock::time_point /*deadline*/) { Yield(); }
  // A sleep is a step that lets the others run; it reads no clock (a
  // stepping model clock would move).
  static void Nap() { Yield(); }
  static void AfterShrinkHintsAWord() {}
  static void AfterShrinkTakesEffect() {}
  static void BeforeHelpTakesEffect() {}
  static constexpr bool kGrowAlertsWaiters = true;
  static void AfterGrowTakesEffect() {}
  static void AfterGrantOpens() {}
  static void AfterMailDecided() {}
  static void InsideSplit() {}
  static void WakeAll(Atomic<std::uint32_t>& /*word*/) {}
  // The thread's hint word, kept across schedules (a plain static): tests
  // whose pool has more than one word set it (SetHint(0)) at the start of
  // every thread and in before().
  static std::uint32_t& Hint() {
    static std::uint32_t hints[8] = {};
    return hints[rl::thread_index() % 8];
  }
  static std::uint32_t PeekHint() { return Hint(); }
  static void SetHint(std::uint32_t index) { Hint() = index; }

 private:
  // Ghost state outside Relacy's memory model (plain statics, one per
  // Relacy thread, reset by the tests): it must be reset before each
  // schedule, or schedules stop being independent (and a tree search
  // finds its replay non-deterministic).
  static unsigned (&YieldCounts())[8] {
    static unsigned counts[8] = {};
    return counts;
  }
};

}  // namespace jetsession::verification

#endif  // JETSESSION_VERIFICATION_RELACY_RELACY_POLICY_H_
