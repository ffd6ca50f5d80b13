// atomic_pair.h: two 64-bit words that change together, by one 16-byte
// compare-exchange.
//
// AtomicPair<Half> is the real library's pair (StdAtomics::AtomicPair), its
// halves of type Half (the policy's Atomic<std::uint64_t>: std::atomic, or
// a test's hooked subclass of it, of the same 8 bytes): the pool keeps its
// full flag in the first word and the debt word in the second, so that a
// step that changes both (a shrink's debt and the flag's owing bit, a
// payment of the last unit) is one atomic step, while the frees keep
// reading the flag alone, with one 8-byte load as before.
//
// Every write of either word is a 16-byte compare-exchange, even one that
// changes a single word (compare_exchange_first(), store_second(), ...):
// only loads take a half alone (first(), second() are const). x86-64 makes
// an aligned 8-byte load atomic against `lock cmpxchg16b`, but Intel asks
// for locked operations of one size on one location, and ThreadSanitizer
// runs 16-byte atomics as a plain read and write under a lock of its own,
// which an 8-byte RMW of a half does not take: beside it, such an RMW
// would lose updates (the pool's reserved count went wrong under TSan when
// the flag kept its 8-byte compare-exchanges).
//
// Thread safety: every member may be called from any number of threads at
// once.
// Progress: the loads are wait-free; compare_exchange() and load() are one
// `lock cmpxchg16b` each (wait-free); the one-word operations are
// lock-free loops of it, which fail back to the caller only when their own
// word is not as expected.
// Invariant: the pair is 16 bytes, aligned to 16: the 16-byte operations
// and the 8-byte loads of either half address the same memory.
// Memory ordering: every write is a sequentially consistent
// read-modify-write (a locked instruction: a full barrier, in one total
// order with every other RMW of the pair); the halves' loads take the order
// their caller names. Mixed sizes are not covered by the C++ memory model;
// GCC and Clang compile the builtin to `lock cmpxchg16b` with -mcx16 (which
// CMakeLists.txt sets), and ThreadSanitizer sees the 8-byte loads and the
// 16-byte operations as atomic accesses. Relacy, which has no mixed sizes,
// runs the core over a pair that loads a half through a load of both
// (verification/relacy/relacy_policy.h).
// Lifetime: the owner's; no member allocates.
#ifndef JETSESSION_SRC_ATOMIC_PAIR_H_
#define JETSESSION_SRC_ATOMIC_PAIR_H_

#include <atomic>
#include <bit>
#include <cstdint>

namespace jetsession::internal {

// A value of the pair: the first word (the lower address) and the second.
struct PairValue {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  friend bool operator==(const PairValue&, const PairValue&) = default;
};

// A compare-exchange of one word of `pair` (`word`: &PairValue::first or
// &PairValue::second) that leaves the other as it is: false, with the word
// as found in `expected`, only when this word differs from `expected`. A
// compare-exchange of the whole pair does it, so that no RMW ever writes a
// half alone (see above). Any pair type with compare_exchange(PairValue&,
// PairValue) and load_halves() serves: AtomicPair, and the model
// checker's pair (verification/relacy/relacy_policy.h).
template <class Pair>
bool CompareExchangeWord(Pair& pair, std::uint64_t PairValue::*word,
                         std::uint64_t& expected, std::uint64_t desired) {
  // relaxed: a first guess of the pair; the compare-exchange is the read.
  PairValue want = pair.load_halves(std::memory_order_relaxed);
  for (;;) {
    want.*word = expected;
    PairValue put = want;
    put.*word = desired;
    if (pair.compare_exchange(want, put)) return true;
    if (want.*word != expected) {
      expected = want.*word;
      return false;
    }
  }
}

// Writes one word of `pair`, whatever it held, by CompareExchangeWord().
template <class Pair>
void StoreWord(Pair& pair, std::uint64_t PairValue::*word,
               std::uint64_t desired) {
  // relaxed: a first guess of the word; the compare-exchange is the read.
  std::uint64_t seen = pair.load_halves(std::memory_order_relaxed).*word;
  while (!CompareExchangeWord(pair, word, seen, desired)) {
  }
}

template <class Half = std::atomic<std::uint64_t>>
class alignas(16) AtomicPair {
  static_assert(sizeof(Half) == 8, "a half is one 8-byte word");
  static_assert(alignof(Half) == 8, "a half is aligned as one");

 public:
  AtomicPair() = default;
  AtomicPair(const AtomicPair&) = delete;
  AtomicPair& operator=(const AtomicPair&) = delete;
  ~AtomicPair() = default;

  // 8-byte loads of either word (never written alone: see above).
  const Half& first() const noexcept { return first_; }
  const Half& second() const noexcept { return second_; }

  // Replaces the pair with `desired` if it holds `expected`; otherwise
  // writes the pair as found into `expected`. One sequentially consistent
  // read-modify-write either way (never fails spuriously).
  bool compare_exchange(PairValue& expected, PairValue desired) noexcept {
    const Wide want = Join(expected);
    const Wide seen =
        __sync_val_compare_and_swap(Storage(), want, Join(desired));
    if (seen == want) return true;
    expected = Split(seen);
    return false;
  }

  // A compare-exchange of the first (second) word that leaves the other as
  // it is: false, with the word as found in `expected`, only when this word
  // differs from `expected`. seq_cst, never spurious.
  bool compare_exchange_first(std::uint64_t& expected,
                              std::uint64_t desired) noexcept {
    return CompareExchangeWord(*this, &PairValue::first, expected, desired);
  }
  bool compare_exchange_second(std::uint64_t& expected,
                               std::uint64_t desired) noexcept {
    return CompareExchangeWord(*this, &PairValue::second, expected, desired);
  }
  // Writes one word, whatever it held (an exchange; seq_cst).
  void store_first(std::uint64_t desired) noexcept {
    StoreWord(*this, &PairValue::first, desired);
  }
  void store_second(std::uint64_t desired) noexcept {
    StoreWord(*this, &PairValue::second, desired);
  }

  // Both words at one instant: a compare-exchange that puts back what it
  // finds (a write of the line, so meant for the slow paths).
  PairValue load() const noexcept {
    // relaxed: a first guess for the compare-exchange, which is the read.
    const Wide guess = Join(load_halves(std::memory_order_relaxed));
    return Split(__sync_val_compare_and_swap(Storage(), guess, guess));
  }

  // Both words by two 8-byte loads, each with `order`: not one instant,
  // so a first guess for a compare-exchange, which checks it.
  PairValue load_halves(std::memory_order order) const noexcept {
    return PairValue{first_.load(order), second_.load(order)};
  }

 private:
  // The builtin's operand. __extension__: a GCC and Clang type that
  // -Wpedantic would name.
  __extension__ using Wide = unsigned __int128;

  static Wide Join(PairValue v) noexcept {
    // Little-endian: the first word at the lower address is the low half.
    static_assert(std::endian::native == std::endian::little);
    return (Wide{v.second} << 64U) | v.first;
  }
  static PairValue Split(Wide w) noexcept {
    return PairValue{static_cast<std::uint64_t>(w),
                     static_cast<std::uint64_t>(w >> 64U)};
  }
  Wide* Storage() const noexcept {
    // The two atomics, 8 bytes each and lock-free, are the 16 bytes of the
    // object (checked below): the builtin addresses them as one operand.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast)
    return reinterpret_cast<Wide*>(const_cast<AtomicPair*>(this));
  }

  Half first_{0};
  Half second_{0};
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(AtomicPair<>) == 16, "the two words, nothing else");
static_assert(alignof(AtomicPair<>) == 16, "cmpxchg16b's alignment");

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_ATOMIC_PAIR_H_
