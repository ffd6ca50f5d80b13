// session_stats.h: the counters behind JetExtGetSessionStats that the slow
// paths keep (OutOfSessions answers, waits, sessions a waiter received and
// handed back), and the high-water marks that keep the reported counts from
// going backwards.
//
// Begin and End keep no counter: the sessions begun and ended are derived
// from the slots' generations and open flags (InstanceCore::Stats()). The
// counters here are touched only by calls that answer OutOfSessions or
// wait, and by the stats reader.
//
// Thread safety: every member may be called from any thread, except Reset()
// (the owner, before the incarnation is published).
//
// Progress: the AddWhileWaiting() calls are one fetch_add; AddOutOfSessions()
// and Raise() are lock-free CAS loops (a failed CAS means another thread's
// RMW on the word succeeded).
//
// Invariant: each word holds the low 8 bits of the incarnation generation it
// counts for (its tag) and a 56-bit count. Add() and Raise() change a word
// only while its tag is the caller's, so a call that outlived its
// incarnation (a plain Begin is not waited for by JetTerm) never counts into
// the next one on the record; it would need to stall across 256
// incarnations to alias.
//
// Memory ordering: the RMWs are seq_cst, as are the reads: the stats reader
// orders them against its reads of the slots (see InstanceCore::Stats()).
//
// Lifetime: part of the InstanceCore; reused by every incarnation of the
// record, Reset() at each JetInit.
#ifndef JETSESSION_SRC_SESSION_STATS_H_
#define JETSESSION_SRC_SESSION_STATS_H_

#include <array>
#include <cstdint>

namespace jetsession::internal {

template <class Policy>
class SessionCounters {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  enum Counter : unsigned {
    kWaits,         // calls that waited (counted as they start to)
    kWaitTimeouts,  // waits that ended with OutOfSessions
    kWaitMicros,    // time spent waiting, microseconds
    kPhantoms,      // sessions a waiter held and ended again (a flag came
                    // first): generation steps that are no End
    kInFlight,      // waits under way: from just before their count in
                    // kWaits to their last step on the slots (the stats
                    // reader's unsure waiters; the pool's count of callers
                    // would include a caller of an earlier incarnation on
                    // the record)
    kEndedMark,     // the highest cSessionsEnded reported
    kBegunMark,     // the highest cSessionsBegun reported
    kCounters,
  };

  static constexpr unsigned kTagShift = 56;
  static constexpr std::uint64_t kCountMask = (1ULL << kTagShift) - 1U;

  static std::uint64_t TagOf(std::uint64_t gen) noexcept {
    return (gen & 0xFFU) << kTagShift;
  }

  // Zeroes every counter for the incarnation `gen`. Owner only, before the
  // incarnation is published (its release store orders these).
  void Reset(std::uint64_t gen) noexcept {
    const std::uint64_t tag = TagOf(gen);
    for (auto& word : counters_) {
      // relaxed: published by the instance-state release store.
      word.value.store(tag, std::memory_order_relaxed);
    }
    for (auto& word : out_of_sessions_) {
      // relaxed: as above.
      word.value.store(tag, std::memory_order_relaxed);
    }
  }

  // Adds `n` to `counter`, for a caller counted in the pool's waiters
  // (between Arrive() and Leave()): JetTerm waits for it, so the word is of
  // its incarnation and one fetch_add does (the tag is left as it is).
  void AddWhileWaiting(Counter counter, std::uint64_t n) noexcept {
    // seq_cst: pairs with the stats reader's loads (ReadFrom()), ordered
    // against its reads of the slots and waiters around them.
    counters_[counter].value.fetch_add(n, std::memory_order_seq_cst);
  }
  // Takes back `n` that the same caller added (kInFlight): the count
  // stays at least 0, so the tag is left as it is.
  void SubWhileWaiting(Counter counter, std::uint64_t n) noexcept {
    // seq_cst: as AddWhileWaiting().
    counters_[counter].value.fetch_sub(n, std::memory_order_seq_cst);
  }

  // An OutOfSessions answer: on one of several lines, by thread, so that
  // threads answering it at once on a full pool do not share one. A plain
  // Begin or Dup may have outlived its incarnation (JetTerm does not wait
  // for it): the tag is checked in the CAS.
  void AddOutOfSessions(std::uint64_t gen) noexcept {
    AddTo(OutOfSessionsLine(), gen, 1);
  }
  // The same by a caller counted in the waiters (see AddWhileWaiting()).
  void AddOutOfSessionsWhileWaiting() noexcept {
    // seq_cst: as AddWhileWaiting().
    OutOfSessionsLine().fetch_add(1, std::memory_order_seq_cst);
  }

  // The count of `counter` for incarnation `gen` (0 once the word belongs
  // to another incarnation).
  std::uint64_t Read(Counter counter, std::uint64_t gen) const noexcept {
    return ReadFrom(counters_[counter].value, gen);
  }

  std::uint64_t ReadOutOfSessions(std::uint64_t gen) const noexcept {
    std::uint64_t sum = 0;
    for (const auto& word : out_of_sessions_) sum += ReadFrom(word.value, gen);
    return sum;
  }

  // Raises the mark `counter` of incarnation `gen` to at least `value` and
  // writes the mark (value or more) to *mark. False when the word belongs
  // to another incarnation: the caller's is gone (a JetTerm and a JetInit
  // on the record came after its last check), and so is its report.
  bool Raise(Counter counter, std::uint64_t gen, std::uint64_t value,
             std::uint64_t* mark) noexcept {
    auto& word = counters_[counter].value;
    const std::uint64_t tag = TagOf(gen);
    // seq_cst: the marks are read and raised in one order by all readers.
    std::uint64_t seen = word.load(std::memory_order_seq_cst);
    for (;;) {
      if ((seen & ~kCountMask) != tag) return false;
      if ((seen & kCountMask) >= value) {
        *mark = seen & kCountMask;
        return true;
      }
      // seq_cst: as the load.
      if (word.compare_exchange_weak(seen, tag | (value & kCountMask),
                                     std::memory_order_seq_cst)) {
        *mark = value;
        return true;
      }
    }
  }

 private:
  static constexpr unsigned kStripes = 8;

  Atomic<std::uint64_t>& OutOfSessionsLine() noexcept {
    return out_of_sessions_[Policy::ThreadId() % kStripes].value;
  }

  static void AddTo(Atomic<std::uint64_t>& word, std::uint64_t gen,
                    std::uint64_t n) noexcept {
    const std::uint64_t tag = TagOf(gen);
    // relaxed: a first guess for the CAS, which re-reads it.
    std::uint64_t seen = word.load(std::memory_order_relaxed);
    for (;;) {
      if ((seen & ~kCountMask) != tag) return;  // a later incarnation's
      // seq_cst: pairs with the stats reader's loads (ReadFrom()), ordered
      // against the slot and waiter reads around them.
      if (word.compare_exchange_weak(seen, tag | ((seen + n) & kCountMask),
                                     std::memory_order_seq_cst,
                                     std::memory_order_relaxed)) {
        return;
      }
    }
  }

  static std::uint64_t ReadFrom(const Atomic<std::uint64_t>& word,
                                std::uint64_t gen) noexcept {
    // seq_cst: pairs with AddTo()'s CAS.
    const std::uint64_t seen = word.load(std::memory_order_seq_cst);
    return (seen & ~kCountMask) == TagOf(gen) ? seen & kCountMask : 0;
  }

  // One counter a cache line: the slow paths of different threads (a
  // waiter's count, another's timeout) do not share one.
  struct alignas(64) Line {
    Atomic<std::uint64_t> value{0};
  };
  std::array<Line, kCounters> counters_{};
  std::array<Line, kStripes> out_of_sessions_{};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SESSION_STATS_H_
