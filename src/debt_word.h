// The debt word of a slot pool: the second word of the pair that holds the
// full flag (SlotPool::full_), written only by compare-exchanges of the
// whole pair.
//
//   63..48   47..44   43..32   31..17        16..15        14..0
//   +--------+--------+--------+-------------+-------------+---------+
//   | seq    | epoch  | owed   | record slot | record kind | units   |
//   +--------+--------+--------+-------------+-------------+---------+
//
// units: reservations a shrink still owes (at most the ceiling, below
// 2^15). epoch: the shrinks that have taken effect, modulo 16; a
// shrink adds its units and steps the epoch in one CAS of the pair, its
// linearization point (SlotPool::HelpShrink()). The record names the one
// payment whose unit is taken and whose slot may not be marked reserved yet:
// kind kPayEnd, an End that paid with its own slot (SlotPool::PayDebt()), or
// kind kPayFree, a free slot paid by a claimer or the resizer
// (SlotPool::PayWithFreeSlot()), and its slot (below 2^15); or kind kNone.
// seq steps by one with every record installed, modulo 2^16; a payer tags
// the slot's control word with the seq its record will have
// (SlotPool::kMarkPaying, kMarkPayFree), so that a helper converts the slot
// of this record and of no other. Clearing a record leaves seq as it is, and
// only a shrink steps the epoch. owed: the callers in the overflow list for
// whom no grant is decided yet (at most kOwedMax); the flag's kListed bit
// says that it is not 0, and every CAS of the pair keeps the two so
// (SlotPool::Join(), EnqueueHead(), MailToHead(), LeaveUnowed()).
//
// Thread safety: plain values; SlotPool reads and writes them atomically.
// Progress, Invariant, Memory ordering, Lifetime: see SlotPool (the pair).
#ifndef JETSESSION_SRC_DEBT_WORD_H_
#define JETSESSION_SRC_DEBT_WORD_H_

#include <cstdint>

namespace jetsession::internal {

struct DebtWordBits {
  enum class Kind : std::uint32_t { kNone = 0, kPayEnd = 1, kPayFree = 2 };

  static constexpr unsigned kKindShift = 15;
  static constexpr unsigned kSlotShift = 17;
  static constexpr unsigned kOwedShift = 32;
  static constexpr unsigned kEpochShift = 44;
  static constexpr unsigned kSeqShift = 48;
  // Slots and units are below this.
  static constexpr std::uint32_t kSlots = 1U << 15U;
  static constexpr std::uint64_t kUnitsMask = (1ULL << kKindShift) - 1U;
  static constexpr std::uint64_t kKindMask = 3ULL << kKindShift;
  static constexpr std::uint64_t kSlotMask = std::uint64_t{kSlots - 1U}
                                             << kSlotShift;
  static constexpr std::uint64_t kOwedMask = 0xFFFULL << kOwedShift;
  static constexpr std::uint32_t kOwedMax = 0xFFF;
  static constexpr std::uint64_t kOwedOne = 1ULL << kOwedShift;
  static constexpr std::uint64_t kRecordMask = kKindMask | kSlotMask;
  static constexpr std::uint64_t kEpochMask = 0xFULL << kEpochShift;
  static constexpr std::uint32_t kEpochs = 16;
  static constexpr std::uint64_t kSeqOne = 1ULL << kSeqShift;
  static constexpr std::uint32_t kSeqMask = 0xFFFF;

  static constexpr std::uint32_t Units(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>(d & kUnitsMask);
  }
  static constexpr Kind KindOf(std::uint64_t d) noexcept {
    return static_cast<Kind>((d & kKindMask) >> kKindShift);
  }
  static constexpr bool HasRecord(std::uint64_t d) noexcept {
    return (d & kKindMask) != 0;
  }
  static constexpr std::uint32_t SlotOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>((d & kSlotMask) >> kSlotShift);
  }
  static constexpr std::uint32_t SeqOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>(d >> kSeqShift);
  }
  static constexpr std::uint32_t OwedOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>((d & kOwedMask) >> kOwedShift);
  }
  static constexpr std::uint32_t EpochOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>((d & kEpochMask) >> kEpochShift);
  }
  // `d` after a shrink by `units`: the units added, the epoch stepped.
  static constexpr std::uint64_t Shrunk(std::uint64_t d,
                                        std::uint32_t units) noexcept {
    return ((d & ~kEpochMask) + units) |
           ((std::uint64_t{(EpochOf(d) + 1U) % kEpochs}) << kEpochShift);
  }
  // The seq that the next record installed on `d` gets.
  static constexpr std::uint32_t NextSeq(std::uint64_t d) noexcept {
    return (SeqOf(d) + 1U) & kSeqMask;
  }
  // `d` (no record in it, a unit owed) after a payment of `kind` with
  // `slot`: the unit taken, the payment's record installed, seq stepped.
  static constexpr std::uint64_t Paid(std::uint64_t d, std::uint32_t slot,
                                      Kind kind = Kind::kPayEnd) noexcept {
    return ((d & kUnitsMask) - 1U) | (d & (kOwedMask | kEpochMask)) |
           (static_cast<std::uint64_t>(kind) << kKindShift) |
           (std::uint64_t{slot} << kSlotShift) |
           (std::uint64_t{NextSeq(d)} << kSeqShift);
  }
  // `d` with its seq and epoch alone: no units, no record, none owed.
  static constexpr std::uint64_t Lasting(std::uint64_t d) noexcept {
    return d & (kEpochMask | ~(kSeqOne - 1U));
  }
  // `d` with its record cleared.
  static constexpr std::uint64_t Cleared(std::uint64_t d) noexcept {
    return d & ~kRecordMask;
  }
};

static_assert(DebtWordBits::Units(DebtWordBits::Paid(5, 7)) == 4);
static_assert(DebtWordBits::SlotOf(DebtWordBits::Paid(5, 7)) == 7);
static_assert(DebtWordBits::KindOf(DebtWordBits::Paid(5, 7)) ==
              DebtWordBits::Kind::kPayEnd);
static_assert(DebtWordBits::SeqOf(DebtWordBits::Paid(
                  DebtWordBits::kSeqOne * 0xFFFF + 1, (1U << 15U) - 1U)) == 0);
static_assert(DebtWordBits::SlotOf(DebtWordBits::Paid(1, (1U << 15U) - 1U)) ==
              (1U << 15U) - 1U);
static_assert(DebtWordBits::OwedOf(DebtWordBits::Paid(
                  DebtWordBits::kOwedOne * DebtWordBits::kOwedMax + 1,
                  (1U << 15U) - 1U)) == DebtWordBits::kOwedMax);
static_assert(DebtWordBits::OwedOf(DebtWordBits::Cleared(
                  DebtWordBits::Paid(DebtWordBits::kOwedOne * 3 + 1, 7))) == 3);
static_assert(DebtWordBits::Lasting(DebtWordBits::kOwedOne * 5 +
                                    DebtWordBits::kSeqOne) ==
              DebtWordBits::kSeqOne);
static_assert(DebtWordBits::KindOf(
                  DebtWordBits::Paid(5, 7, DebtWordBits::Kind::kPayFree)) ==
              DebtWordBits::Kind::kPayFree);
static_assert(DebtWordBits::Cleared(DebtWordBits::Paid(5, 7)) ==
              (4 | DebtWordBits::kSeqOne));
static_assert(DebtWordBits::EpochOf(DebtWordBits::Paid(
                  DebtWordBits::Shrunk(DebtWordBits::kEpochMask, 3), 7)) == 0);
static_assert(DebtWordBits::Units(DebtWordBits::Shrunk(
                  DebtWordBits::Shrunk(DebtWordBits::kSeqOne * 9 + 2, 3), 4)) ==
              9);
static_assert(DebtWordBits::Lasting(DebtWordBits::Shrunk(
                  DebtWordBits::Paid(DebtWordBits::kSeqOne + 5, 7), 1)) ==
              ((1ULL << DebtWordBits::kEpochShift) |
               (DebtWordBits::kSeqOne * 2)));

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_DEBT_WORD_H_
