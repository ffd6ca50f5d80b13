// atomic_pair.h: two 64-bit atomic words that change together, by one
// 16-byte compare-exchange, or one at a time.
//
// AtomicPair<Half> is the real library's pair (StdAtomics::AtomicPair), its
// halves of type Half (the policy's Atomic<std::uint64_t>: std::atomic, or
// a test's hooked subclass of it, of the same 8 bytes): the pool
// keeps its full flag in the first word and the debt word in the second,
// so that a step that changes both (a shrink's debt and the flag's owing
// bit, a payment of the last unit) is one atomic step, while the frees
// keep reading the flag alone, with one 8-byte load as before.
//
// Thread safety: every member may be called from any number of threads at
// once.
// Progress: first(), second() and their operations are those of
// std::atomic<std::uint64_t>; compare_exchange() and load() are one
// `lock cmpxchg16b` each on x86-64 (wait-free).
// Invariant: the pair is 16 bytes, aligned to 16: the 16-byte operations
// and the 8-byte operations on either half address the same memory.
// Memory ordering: compare_exchange() and load() are sequentially
// consistent read-modify-writes (a locked instruction: a full barrier, in
// one total order with every other locked or seq_cst operation on the
// pair). The halves' operations take the order their caller names. Mixed
// sizes are not covered by the C++ memory model; x86-64 makes a locked
// 16-byte compare-exchange and an aligned 8-byte access to either half
// atomic with respect to each other, and GCC and Clang compile the builtin
// to that instruction with -mcx16 (which CMakeLists.txt sets), and
// ThreadSanitizer sees both as atomic accesses. Relacy, which has no mixed
// sizes, runs the core over a pair that emulates the halves' operations
// with 16-byte ones (verification/relacy/relacy_policy.h).
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

template <class Half = std::atomic<std::uint64_t>>
class alignas(16) AtomicPair {
  static_assert(sizeof(Half) == 8, "a half is one 8-byte word");
  static_assert(alignof(Half) == 8, "a half is aligned as one");

 public:
  AtomicPair() = default;
  AtomicPair(const AtomicPair&) = delete;
  AtomicPair& operator=(const AtomicPair&) = delete;
  ~AtomicPair() = default;

  Half& first() noexcept { return first_; }
  const Half& first() const noexcept { return first_; }
  Half& second() noexcept { return second_; }
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

  // Both words at one instant: a compare-exchange that puts back what it
  // finds (a write of the line, so meant for the slow paths).
  PairValue load() const noexcept {
    // relaxed, both: a first guess for the compare-exchange, which is the
    // read.
    const Wide guess = Join(PairValue{first_.load(std::memory_order_relaxed),
                                      second_.load(std::memory_order_relaxed)});
    return Split(__sync_val_compare_and_swap(Storage(), guess, guess));
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
