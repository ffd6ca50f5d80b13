// The debt word of a slot pool: the second word of the pair that holds the
// full flag (SlotPool::full_), written only by compare-exchanges of the
// whole pair.
//
//   63     62..48  47..44   43..32   31..17        16..15        14..0
//   +------+-------+--------+--------+-------------+-------------+--------+
//   | grow | seq   | epoch  | owed   | record slot | record kind | amount |
//   +------+-------+--------+--------+-------------+-------------+--------+
//
// amount (below 2^15, at most the ceiling): with `grow` clear, the units a
// shrink still owes (the debt, Units()); with `grow` set, the units of room
// a grow has added and nobody has taken yet (GrowUnits()): never both, and
// `grow` is set only with an amount. epoch: the resizes that have taken
// effect, modulo 16; a resize applies its units and steps the epoch in one
// CAS of the pair, its linearization point (SlotPool::HelpResize()): a
// shrink cancels grow units first and owes the rest, a grow cancels the
// debt first and adds the rest as grow units. The record names the one
// step whose unit is taken and which is not finished yet: kind kPayEnd, an
// End that paid with its own slot (SlotPool::PayDebt()); kind kPayFree, a
// free slot paid by a claimer or the resizer (SlotPool::PayWithSlot()),
// with its slot (below 2^15); kind kGrant, a grow unit decided for the
// waiter of a ticket (SlotPool::HelpUnits()), with the ticket (below
// 2^15); or kind kNone. seq steps by one with every record installed,
// modulo 2^15; a payer or a grant's finisher tags the slot's control word
// with the seq of its record (SlotPool::kMarkPaying, kMarkPayFree,
// kMarkGrant), so that a helper converts the slot of this record and of
// no other. Clearing a record leaves seq as it is, and only a resize
// steps the epoch. owed: the callers in the overflow list for
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
  enum class Kind : std::uint32_t {
    kNone = 0,
    kPayEnd = 1,
    kPayFree = 2,
    kGrant = 3
  };

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
  static constexpr std::uint32_t kSeqMask = 0x7FFF;
  static constexpr std::uint64_t kSeqField = std::uint64_t{kSeqMask}
                                             << kSeqShift;
  static constexpr std::uint64_t kGrow = 1ULL << 63U;

  // The amount, debt or grow units.
  static constexpr std::uint32_t Amount(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>(d & kUnitsMask);
  }
  // The units a shrink still owes (0 while grow units are left).
  static constexpr std::uint32_t Units(std::uint64_t d) noexcept {
    return (d & kGrow) != 0 ? 0 : Amount(d);
  }
  // The units of room a grow added that nobody has taken yet.
  static constexpr std::uint32_t GrowUnits(std::uint64_t d) noexcept {
    return (d & kGrow) != 0 ? Amount(d) : 0;
  }
  // `d` with amount `amount`, grow units if `grow` (a debt otherwise).
  static constexpr std::uint64_t WithAmount(std::uint64_t d,
                                            std::uint32_t amount,
                                            bool grow) noexcept {
    return (d & ~(kUnitsMask | kGrow)) | amount |
           (grow && amount != 0 ? kGrow : 0);
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
    return static_cast<std::uint32_t>(d >> kSeqShift) & kSeqMask;
  }
  static constexpr std::uint32_t OwedOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>((d & kOwedMask) >> kOwedShift);
  }
  static constexpr std::uint32_t EpochOf(std::uint64_t d) noexcept {
    return static_cast<std::uint32_t>((d & kEpochMask) >> kEpochShift);
  }
  // `d` with its epoch stepped.
  static constexpr std::uint64_t EpochStepped(std::uint64_t d) noexcept {
    return (d & ~kEpochMask) |
           ((std::uint64_t{(EpochOf(d) + 1U) % kEpochs}) << kEpochShift);
  }
  // `d` after a resize by `units`, a grow's (`grow`) or a shrink's: the
  // units net out against what `d` holds (a grow cancels the debt first,
  // a shrink the grow units left), and what is left is owed (below 0) or
  // grow units (above); the epoch stepped.
  static constexpr std::uint64_t Resized(std::uint64_t d, std::uint32_t units,
                                         bool grow) noexcept {
    const std::int64_t room =
        std::int64_t{GrowUnits(d)} - Units(d) +
        (grow ? std::int64_t{units} : -std::int64_t{units});
    return WithAmount(EpochStepped(d),
                      static_cast<std::uint32_t>(room >= 0 ? room : -room),
                      room > 0);
  }
  // The seq that the next record installed on `d` gets.
  static constexpr std::uint32_t NextSeq(std::uint64_t d) noexcept {
    return (SeqOf(d) + 1U) & kSeqMask;
  }
  // `d` with seq `seq`.
  static constexpr std::uint64_t WithSeq(std::uint64_t d,
                                         std::uint32_t seq) noexcept {
    return (d & ~kSeqField) | (std::uint64_t{seq & kSeqMask} << kSeqShift);
  }
  // `d` (no record, grow units left) after one unit is taken by a claim.
  static constexpr std::uint64_t UnitTaken(std::uint64_t d) noexcept {
    return WithAmount(d, GrowUnits(d) - 1U, true);
  }
  // `d` (no record, grow units left) after one unit is decided for the
  // waiter of `ticket`: the unit taken, its record installed, seq stepped.
  static constexpr std::uint64_t Granted(std::uint64_t d,
                                         std::uint32_t ticket) noexcept {
    return WithSeq(WithAmount(d, GrowUnits(d) - 1U, true), NextSeq(d)) |
           (static_cast<std::uint64_t>(Kind::kGrant) << kKindShift) |
           (std::uint64_t{ticket} << kSlotShift);
  }
  // `d` with its grant record dropped and its unit given back.
  static constexpr std::uint64_t GrantDropped(std::uint64_t d) noexcept {
    return WithAmount(Cleared(d), GrowUnits(d) + 1U, true);
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
    return d & (kEpochMask | kSeqField);
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
                  DebtWordBits::kSeqOne * 0x7FFF + 1, (1U << 15U) - 1U)) == 0);
static_assert(DebtWordBits::Paid(DebtWordBits::kSeqOne * 0x7FFF + 1, 3) <
              DebtWordBits::kGrow);
static_assert(DebtWordBits::GrowUnits(DebtWordBits::Resized(5, 7, true)) == 2);
static_assert(DebtWordBits::Units(DebtWordBits::Resized(5, 7, true)) == 0);
static_assert(DebtWordBits::Units(DebtWordBits::Resized(5, 3, true)) == 2);
static_assert(DebtWordBits::Resized(5, 5, true) ==
              (1ULL << DebtWordBits::kEpochShift));
static_assert(DebtWordBits::Units(DebtWordBits::Resized(
                  DebtWordBits::Resized(0, 2, true), 5, false)) == 3);
static_assert(DebtWordBits::GrowUnits(DebtWordBits::Resized(
                  DebtWordBits::Resized(0, 5, true), 2, false)) == 3);
static_assert(DebtWordBits::Resized(DebtWordBits::Resized(0, 2, true), 2,
                                    false) ==
              (2ULL << DebtWordBits::kEpochShift));
static_assert(DebtWordBits::KindOf(DebtWordBits::Granted(
                  DebtWordBits::Resized(0, 2, true), 9)) ==
              DebtWordBits::Kind::kGrant);
static_assert(DebtWordBits::SlotOf(DebtWordBits::Granted(
                  DebtWordBits::Resized(0, 2, true), 9)) == 9);
static_assert(DebtWordBits::GrowUnits(DebtWordBits::Granted(
                  DebtWordBits::Resized(0, 1, true), 9)) == 0);
static_assert(DebtWordBits::GrowUnits(DebtWordBits::GrantDropped(
                  DebtWordBits::Granted(DebtWordBits::Resized(0, 1, true),
                                        9))) == 1);
static_assert(DebtWordBits::UnitTaken(DebtWordBits::Resized(0, 1, true)) ==
              (1ULL << DebtWordBits::kEpochShift));
static_assert(DebtWordBits::SeqOf(DebtWordBits::WithSeq(DebtWordBits::kGrow | 1,
                                                        0x7FFF)) == 0x7FFF);
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
                  DebtWordBits::Resized(DebtWordBits::kEpochMask, 3, false),
                  7)) == 0);
static_assert(DebtWordBits::Units(DebtWordBits::Resized(
                  DebtWordBits::Resized(DebtWordBits::kSeqOne * 9 + 2, 3,
                                        false),
                  4, false)) == 9);
static_assert(DebtWordBits::Lasting(DebtWordBits::Resized(
                  DebtWordBits::Paid(DebtWordBits::kSeqOne + 5, 7), 1,
                  false)) == ((1ULL << DebtWordBits::kEpochShift) |
                              (DebtWordBits::kSeqOne * 2)));

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_DEBT_WORD_H_
