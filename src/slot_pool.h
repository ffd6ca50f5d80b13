// slot_pool.h: the fixed-capacity atomic bitmap pool that sessions come from.
//
// SlotPool<Policy> hands out slot indices with exact capacity and no shared
// counter: a claim is one CAS on a 64-bit pool word that holds 32 slot bits,
// a version and a "closed for Begin" bit, so the instance's state (stopped,
// unavailable, terminating) is checked by the same CAS that claims. Each
// slot has a control word (generation, open, busy) that validates session
// handles and serializes the calls made on one session.
//
// Thread safety: every member may be called from any number of threads at
// once, except Reset() and Succeed() (the owner, while the pool is closed
// and no call is in flight), Resize() (the owner, on a Running incarnation
// with no Term in flight) and the constructor and destructor.
//
// Progress: Claim(), TryClaimAtHint(), TryEnterCall(), ExitCall() and
// CloseAll() are lock-free: a failed CAS always means that another
// thread's RMW on the same word succeeded. A resize holds nobody up: a
// claim that finds its hints helps it take effect (HelpResize()), a
// shrink's debt is paid by the claims themselves (PayWithSlot()), and a
// grow's units are taken by the claims (TakeUnit()) or decided for the
// waiters by anyone (HelpUnits(), FinishGrant()), in steps any thread may
// finish.
// OpenClaimed() is a load and a CAS; Free() is one fetch_add and a store,
// plus, with the flag set,
// FreeWhileFull(): a debt payment, a hand-off to the queued tickets, or
// AfterFreeWhileFull()'s lock-free loop that clears the flag.
// AwaitEndHolds() blocks on the Ends in flight (their few steps). ForceEndAll()
// blocks until the calls in flight on the pool's slots have returned (JetTerm
// may block): a few yields, then short sleeps (DrainPause()).
//
// Invariant: a slot bit is set in its word from the Claim() of the slot to
// the Free() of the session opened on it (and for a reserved slot, see the
// pool word layout). The session stays open, held by
// its End, until the End's last step: Free() frees the bit first and only
// then stores the next generation into the control word. In between, the
// slot is "pending": its bit is free and its control word open and held by
// an End. A claimer that finds the slot it claimed pending, or finds after
// its CAS that the incarnation it validated is gone, gives the bit back
// (GiveBack()) without touching the control word. So nobody writes a
// pending slot's control word but its End, and the next claimer opens a
// slot with a plain store.
//
// Memory ordering: a claim's CAS (acq_rel) synchronizes with the fetch_add
// that freed the bit (seq_cst), so everything the last owner of a slot did
// happens-before its next claim. A thread that sees a closed bit (acquire)
// sees the instance-state change that made the closer close it, and one
// that reads a word value written by Reset() sees the generation change
// that preceded it.
//
// Lifetime: a pool is type-stable: it is never freed while the process can
// still reach it (the registry keeps retired pools), so a call that raced
// with JetTerm reads live memory and fails its CAS, never a freed word.
//
// Capacity: exact. Claim() reports kFull only after a double collect proved
// that, at one instant between the two passes, every slot was claimed or
// pending (open, held by its End).
#ifndef JETSESSION_SRC_SLOT_POOL_H_
#define JETSESSION_SRC_SLOT_POOL_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>

#include "allocation_faults.h"
#include "atomics.h"
#include "debt_word.h"
#include "session_overflow_list.h"
#include "session_wait_queue.h"

namespace jetsession::internal {

enum class ClaimStatus {
  kClaimed,  // slot and gen are valid: the caller owns an open session
  kFull,     // all `capacity` slots were claimed at one instant
  kClosed,   // a word carried a closed-for-begin bit
  kStale,    // the revalidation callback said the incarnation changed
};

// Who frees a slot (SlotPool::Free()): an End, ordered before any flag
// that refuses End (it re-read the state after its hold), or another free
// (a waiter's give-back of a session it does not answer, a claimer's
// give-back, a grow). The flags' gates apply to them differently
// (SlotPool::IsGated()).
enum class FreedBy { kEnd, kOther };

struct ClaimResult {
  ClaimStatus status;
  std::uint32_t slot;
  std::uint32_t gen;  // low kHandleGenBits of the slot's generation
};

// A policy of the tests' builds that may reach into a pool
// (SlotPool::SetGenerationForTest()).
template <class Policy>
concept HasTestAccess = Policy::kTestAccess;

template <class Policy = StdAtomics>
class alignas(64) SlotPool {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  using WaitQueue = SessionWaitQueue<Policy>;
  using OverflowList = SessionOverflowList<Policy>;

  // Pool word layout (64 bits):
  //
  //   63..35          34..33    32        31..0
  //   +---------------+---------+---------+---------------+
  //   | version (29)  | hint (2)| closed  | slot bits (32)|
  //   |               |         | Begin   | 1 = claimed   |
  //   +---------------+---------+---------+---------------+
  //
  // The version grows by one on every free, every Reset() and every change
  // of the hint: a word that reads the same value twice was not freed in
  // between (up to 2^29 frees), which is what the exact-full double
  // collect relies on. It sits at the top so that a free is one fetch_add
  // of (one version - the slot's bit): the bit is set, so the subtraction
  // clears it, and the version's carry out of bit 63 is dropped (it wraps
  // modulo 2^29). Bits of slots at or past the ceiling are set for good; a
  // slot below it that the capacity leaves out of use is reserved: its
  // control word marked (IsReserved()), and its bit set, except for a
  // moment after a free slot paid a shrink's debt (PayWithSlot()), or
  // for good if its payer stopped or the pool was closed meanwhile. The
  // hint is 0 while no debt is owed and no resize runs; DebtHint(e) on
  // every word from just before the resize that starts debt epoch e takes
  // effect until no debt is left and the resizer clears it (claims read
  // the debt word first; one that finds the epoch before e helps the
  // resize take effect, HelpResize(); then they pay a debt with free slots
  // before they claim one; End does not look at the hint). Resize()
  // writes the hints, and so do the helpers of a resize, DebtHint(e) only,
  // until it takes effect.
  // The closed bit only ever gets set during an incarnation; Reset() clears
  // it for the next one. End needs no closed bit: it checks the instance
  // state after it holds the session (see InstanceCore::End()).
  static constexpr std::uint32_t kSlotsPerWord = 32;
  static constexpr std::uint64_t kSlotBits = 0xFFFF'FFFFULL;
  static constexpr unsigned kVersionShift = 35;
  static constexpr std::uint64_t kVersionOne = 1ULL << kVersionShift;
  static constexpr std::uint64_t kVersionMask = ~(kVersionOne - 1U);
  static constexpr std::uint64_t kClosedForBegin = 1ULL << 32U;
  static constexpr unsigned kHintShift = 33;
  static constexpr std::uint64_t kHintMask = 3ULL << kHintShift;
  // The hint (1 or 2, by the parity of the debt epoch `epoch`) while a
  // shrink's debt may be owed: claims read the debt word.
  static constexpr std::uint64_t DebtHint(std::uint32_t epoch) noexcept {
    return (1ULL + (epoch & 1U)) << kHintShift;
  }
  static constexpr bool IsDebtHint(std::uint64_t word) noexcept {
    return (word & kHintMask) != 0;
  }
  static_assert(kVersionShift == kHintShift + 2);
  // The word bits that stop Begin's fast claim.
  static constexpr std::uint64_t kNoFastClaim = kClosedForBegin | kHintMask;
  // What Free() adds to a word to clear slot bit b and bump the version,
  // by b: one table load instead of building 1 << b and subtracting it.
  static constexpr std::array<std::uint64_t, kSlotsPerWord> kFreeDelta = [] {
    std::array<std::uint64_t, kSlotsPerWord> delta{};
    for (std::uint32_t b = 0; b < kSlotsPerWord; ++b) {
      delta[b] = kVersionOne - (1ULL << b);
    }
    return delta;
  }();

  // Slot control word layout (64 bits):
  //
  //   63       62..60  59..44          43..2                 1      0
  //   +--------+-------+---------------+---------------------+------+------+
  //   | by End | mark  | gen high / tag| generation low (42) | open | busy |
  //   +--------+-------+---------------+---------------------+------+------+
  //
  // The generation grows by one each time a session on the slot ends (End or
  // JetTerm's force-end); a handle carries its low kHandleGenBits, so a stale
  // handle stays invalid for 2^30 reuses of its slot. Unmarked (mark 0), bits
  // 2..59 are the generation (an End's one add carries into bits 44..59).
  // Marked, bits 44..59 are the mark's tag, and the generation's high part
  // has been moved to the pool's gen_carry_ first (MoveHighPart()). The
  // marks, each tagged with the seq of the record its payment installs in
  // the debt word: kMarkPaying, set by an End that pays a shrink's debt
  // with its slot (PayDebt(), on its open word); kMarkPayFree, set by a
  // claimer or the resizer that pays with a free slot (PayWithSlot(), on
  // a closed word, with busy: no claim opens it). Apart from that mark,
  // busy is set only while
  // open: it is the in-call flag of the session. "by End" is set with busy
  // when the call in flight is an End (the only call that may end the
  // session), so that another call on the session knows whether the holder
  // may be ordered before a flag it has seen (InstanceCore::Enter()). It
  // sits at the top, out of the low 32 bits that End's fast check compares.
  // Busy without open marks a reserved slot (see Resize()): its word bit is
  // set and no session is on it; its generation is that of its next session.
  static constexpr std::uint64_t kBusy = 1;
  static constexpr std::uint64_t kOpen = 2;
  static constexpr std::uint64_t kByEnd = 1ULL << 63U;
  static constexpr std::uint64_t kEndHold = kBusy | kByEnd;
  static constexpr unsigned kGenShift = 2;
  static constexpr unsigned kGenLowBits = 42;
  static constexpr unsigned kTagShift = kGenShift + kGenLowBits;
  static constexpr std::uint64_t kTagMask = 0xFFFFULL << kTagShift;
  static constexpr unsigned kMarkShift = 60;
  static constexpr std::uint64_t kMarkMask = 7ULL << kMarkShift;
  static constexpr std::uint64_t kMarkPaying = 1ULL << kMarkShift;
  static constexpr std::uint64_t kMarkPayFree = 2ULL << kMarkShift;
  static constexpr std::uint64_t kMarkGrant = 3ULL << kMarkShift;
  static_assert(kTagShift + 16 == kMarkShift);
  static constexpr bool IsMarked(std::uint64_t control) noexcept {
    return (control & kMarkMask) != 0;
  }
  static constexpr std::uint32_t TagOf(std::uint64_t control) noexcept {
    return static_cast<std::uint32_t>((control & kTagMask) >> kTagShift);
  }
  // Reserved: no session, no mark; out of use until a grow.
  static constexpr bool IsReserved(std::uint64_t control) noexcept {
    return (control & (kOpen | kBusy | kMarkMask)) == kBusy;
  }
  // A free slot's control word as a claim opens it: nobody's.
  static constexpr bool IsClosedPlain(std::uint64_t control) noexcept {
    return (control & (kOpen | kBusy | kMarkMask)) == 0;
  }
  static constexpr bool IsPayFreeMark(std::uint64_t control) noexcept {
    return (control & kMarkMask) == kMarkPayFree;
  }
  static constexpr unsigned kHandleGenBits = 30;
  static constexpr std::uint32_t kHandleGenMask = (1U << kHandleGenBits) - 1U;

  // How many words with a free bit a search passes over, at most, after a
  // full hint word: up to kSpreadWays threads settle in different words
  // (see Claim()).
  static constexpr std::uint32_t kSpreadWays = 8;

  // Set in a thread's hint when Begin's fast path lost its CAS
  // (MarkContended()): the hint is then out of any pool's range, and Claim()
  // moves on (MoveOn()).
  static constexpr std::uint32_t kContendedHint = 1U << 31U;

  // The largest capacity the core supports (slot indices fit 20 bits).
  static constexpr std::uint32_t kMaxCapacity = 1U << 20U;

  // A pool with room for `allocated` slots (at most kMaxCapacity), all
  // closed; Reset() opens it. nullptr when memory runs out.
  //
  // One allocation: the pool words lie below the pool object, word i at
  // `this - (i + 1)` cache lines, and the slots above it, slot j at
  // `this + sizeof(SlotPool) + j * sizeof(Slot)`. Both are at fixed offsets
  // from the pool pointer, so reaching a word or a slot costs no load of an
  // array pointer (one dependent load less on Begin and End).
  static std::unique_ptr<SlotPool> Create(std::uint32_t allocated) noexcept {
    if (allocated > kMaxCapacity || AllocationFaults::ShouldFail()) {
      return nullptr;
    }
    const std::uint32_t words = WordsFor(allocated);
    const std::size_t below = BytesBelow(words);
    // nothrow: the library reports OutOfMemory, it does not throw.
    void* const block =
        ::operator new(BytesFor(allocated), kAlignment, std::nothrow);
    if (block == nullptr) return nullptr;
    // The analyzer does not follow the destroying operator delete below,
    // which frees `block` (LeakSanitizer checks it in the asan preset).
    // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks)
    std::unique_ptr<SlotPool> pool(::new (static_cast<char*>(block) + below)
                                       SlotPool(words));
    for (std::uint32_t i = 0; i < words; ++i) {
      // relaxed: the pool is not shared yet; it is published by the
      // instance-state release store in InstanceCore::Publish().
      pool->WordAt(i).store(kSlotBits | kClosedForBegin,
                            std::memory_order_relaxed);
    }
    return pool;
  }

  // Destroys the pool and frees its one allocation (whose start depends on
  // allocated_words_, read before the destructor runs).
  static void operator delete(SlotPool* pool,
                              std::destroying_delete_t /*tag*/) noexcept {
    const std::size_t below = BytesBelow(pool->allocated_words_);
    char* const block = pool->Base() - below;
    pool->~SlotPool();
    ::operator delete(block, kAlignment);
  }

  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;
  ~SlotPool() {
    for (std::uint32_t i = 0; i < allocated_words_; ++i) {
      WordLine(i).~PaddedWord();
    }
    for (std::uint32_t j = 0; j < allocated(); ++j) SlotRef(j).~Slot();
  }

  // Makes this (new, larger) pool the successor of `older`: each slot
  // continues `older`'s generation, so no handle issued from `older`
  // validates here, and `older` is kept alive by this pool. Owner only,
  // before the pool is published.
  void Succeed(std::unique_ptr<SlotPool> older) noexcept {
    for (std::uint32_t i = 0; i < older->allocated(); ++i) {
      // relaxed: both pools are closed and quiescent (owner-side, under the
      // registry lock); published by the instance-state release store.
      const std::uint64_t c =
          older->SlotRef(i).control.load(std::memory_order_relaxed);
      SlotRef(i).control.store(NextGen(c), std::memory_order_relaxed);
    }
    retired_ = std::move(older);
  }

  // Slots this pool has room for.
  std::uint32_t allocated() const noexcept { return allocated_slots_; }
  // The capacity in force, at one instant of the call: that of the last
  // resize whose linearization point has passed. A resize takes effect at
  // the CAS of the pair (HelpResize(), maybe by a helper) and the resizer
  // stores capacity_ after it, so a capacity_ stored before the last
  // resize published (its epoch tells) is that resize's old capacity
  // while the debt word's epoch has not reached the resize's, and the old
  // one plus or less its units once it has.
  std::uint32_t capacity() const noexcept {
    for (;;) {
      // seq_cst, all four: in the order of the owner's stores of resize_
      // and capacity_ and of the pair's CAS that makes a resize take
      // effect; the descriptor read again after the rest, so that the
      // three reads fall while `desc` stands.
      const std::uint64_t desc = resize_.load(std::memory_order_seq_cst);
      const std::uint64_t c = capacity_.load(std::memory_order_seq_cst);
      const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
      if (resize_.load(std::memory_order_seq_cst) != desc) continue;
      const auto stored = static_cast<std::uint32_t>(c);
      if constexpr (Policy::kMutation == Mutation::kCapacityAsStored) {
        return stored;
      }
      // Stored after the resize of `desc` took effect, or the resize has
      // not taken effect at the read of `d` (no resize runs until its
      // resizer has stored capacity_).
      if (CapacityEpoch(c) == ResizeEpoch(desc) ||
          DebtWordBits::EpochOf(d) !=
              ResizeEpoch(desc) % DebtWordBits::kEpochs) {
        return stored;
      }
      return IsGrow(desc) ? stored + ResizeUnits(desc)
                          : stored - ResizeUnits(desc);
    }
  }
  std::uint32_t ceiling() const noexcept {
    // relaxed: see the field.
    return ceiling_.load(std::memory_order_relaxed);
  }

  // Opens the pool for a new incarnation with `capacity` (<= allocated())
  // usable slots, every slot free, and the word flags `closed` (0, or
  // kClosedForBegin for an instance stopped before JetInit), for the
  // instance's incarnation `gen`. Only the owner calls this, while every
  // word is closed and no session is open; a racing stale call fails its
  // CAS because every word's version moves on.
  void Reset(std::uint32_t capacity, std::uint64_t closed,
             std::uint32_t ceiling = 0, std::uint64_t gen = 1) noexcept {
    ceiling = std::max(ceiling, capacity);
    // Every word that a capacity up to the ceiling uses is active: a claim
    // searches them all, and finds the slots that the capacity leaves out
    // reserved (their bits set).
    const std::uint32_t active = WordsFor(ceiling);
    // relaxed: published by the instance-state release store that follows.
    capacity_.store(CapacityWord(capacity), std::memory_order_relaxed);
    // relaxed: as capacity_.
    ceiling_.store(ceiling, std::memory_order_relaxed);
    active_words_.store(active, std::memory_order_relaxed);
    // No debt, no record; seq and the epoch go on, so that a payer stalled
    // across this Reset() fails its CAS of the debt word (as a claimer
    // fails its CAS of a pool word), and the last shrink (which took
    // effect before its Resize() returned) reads as done to a helper
    // stalled across it (HelpResize()). seq_cst (an RMW of the pair, as
    // every write of it is).
    full_.value.store_second(
        DebtWordBits::Lasting(DebtWord().load(std::memory_order_seq_cst)));
    // relaxed, both: as capacity_ (no End runs while the owner resets).
    reserved_.store(ceiling - capacity, std::memory_order_relaxed);
    clearing_.store(0, std::memory_order_relaxed);
    // relaxed: as capacity_ (no hand-off runs while the owner resets).
    incarnation_.store(gen, std::memory_order_relaxed);
    // Every slot's generation moves on, before the words are rewritten: a
    // claimer whose CAS takes a bit of the new incarnation (it was stalled
    // across this Reset and a wrap of the word's version) reads, after its
    // CAS, a control word other than the one it read before
    // (TryClaimAtHint()). No session is open and no End is in flight.
    std::uint64_t gen_sum = 0;
    for (std::uint32_t j = 0; j < allocated(); ++j) {
      auto& control = SlotRef(j).control;
      // relaxed load: the owner wrote it last, or a call it waited for.
      std::uint64_t next = NextGen(control.load(std::memory_order_relaxed));
      // The slots from the capacity to the ceiling start reserved.
      if (j >= capacity && j < ceiling) next |= kBusy;
      // release: pairs with the acquire read of the fast path's claim
      // before its incarnation check (a claimer that reads this value sees
      // the state change that preceded the Reset); ordered before the
      // words' release stores below, which a claimer's CAS acquires. Stale
      // callers' CASes expect an open word and fail, so no RMW is lost.
      control.store(next, std::memory_order_release);
      gen_sum += GenOfControl(next);  // modulo 2^64, as ScanSlots()'s sum
      // relaxed: read only after a control load that shows an open session
      // of this incarnation (ReadOpen()), which this store precedes.
      SlotRef(j).stamp.store(0, std::memory_order_relaxed);
    }
    // relaxed, both: published by the instance-state release store that
    // follows (no End runs while the owner resets, so the carry stands).
    gen_base_.store(gen_sum + gen_carry_.load(std::memory_order_relaxed),
                    std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < allocated_words_; ++i) {
      auto& word = WordAt(i);
      // acquire: pairs with the acq_rel CAS of the last writer; orders the
      // read of the old version.
      const std::uint64_t old = word.load(std::memory_order_acquire);
      const std::uint64_t version = (old + kVersionOne) & kVersionMask;
      std::uint64_t fresh = version | BitsFrom(i, capacity);
      fresh |= i < active ? closed : kClosedForBegin;
      // release: pairs with the acquire loads in Claim()/CloseAll(); a stale
      // caller that reads this value also sees the instance generation bump
      // that preceded the reset, so its revalidation fails.
      word.store(fresh, std::memory_order_release);
    }
    // A new epoch, by an RMW: a stale prover of an earlier incarnation may
    // still run (its caller validated a generation that is gone), and its
    // promote CAS must fail on any value this writes (see ProveFull()).
    // seq_cst: pairs with ProveFull()'s CASes; the flag is published with
    // the words by the instance-state release store that follows.
    auto& flag = Flag();
    // relaxed: a first guess for the CAS, which re-reads it.
    std::uint64_t f = flag.load(std::memory_order_relaxed);
    // The tickets of waiters that left (cancelled, never taken by a free)
    // are dropped: nobody waits now (JetTerm waited for them to leave).
    for (std::uint32_t t = HeadOf(f); t != TailOf(f);
         t = (t + 1) % WaitQueue::kTickets) {
      waiters_.Skip(t);
    }
    // Nobody is listed (JetTerm waited for every waiter), and the grants
    // left in the mailbox were force-ended with the sessions. relaxed:
    // published with the flag.
    mail_.store(0, std::memory_order_relaxed);
    // No debt is owed in the new incarnation, and it is closed for Begin
    // (both gates: no End of it can come before the flag) only if it starts
    // closed.
    const std::uint64_t gate = closed != 0 ? kGates : 0;
    const auto fresh_flag = [gate](std::uint64_t old) {
      return ((WithHead(NextEpoch(old), TailOf(old)) | kFullNone) &
              ~(kOwing | kGates | kListed | kMailed)) |
             gate;
    };
    if constexpr (Policy::kMutation == Mutation::kStaleProof) {
      // An unconditional write (seq_cst, an RMW of the pair).
      full_.value.store_first(fresh_flag(f));
    } else {
      while (!FlagCas(f, fresh_flag(f))) {
      }
    }
  }

  // Claims a free slot and opens a session on it. `still_current()` is
  // called after each word load, before each CAS and after each CAS that
  // succeeds (see TryWord()); it returns false once
  // the instance incarnation the caller validated is gone (kStale).
  //
  // Search from the calling thread's hint word. When the hint word is full,
  // a verified "full" flag answers at once (a few cache lines: the hint
  // word, the flag, and the caller's state re-check). Otherwise the search
  // goes on through the words, but passes over the first few that have a
  // free bit, a number fixed per thread (kSpreadWays): when free slots are
  // scarce and lie together, threads whose hint words filled up would all
  // stop at the first word with a free bit and share its cache line on
  // every Begin and End; this way each settles in a word of its own (its
  // hint then follows its claims and frees there). If the search passes
  // over a word and finds none further on, it goes back to the first word
  // it passed over, so a free slot is never missed. When no word has a
  // claimable bit, ProveFull() decides: full, closed, or search again.
  template <class Revalidate>
  ClaimResult Claim(Revalidate&& still_current) noexcept {
    // relaxed: see the field.
    const std::uint32_t words = active_words_.load(std::memory_order_relaxed);
    // The hint is usually this pool's own word index: skip the division.
    std::uint32_t start = Policy::Hint();
    auto pass_over =
        static_cast<std::uint32_t>(Policy::ThreadId() % kSpreadWays);
    if (start >= words) [[unlikely]] {
      const bool contended = (start & kContendedHint) != 0;
      start = (start & ~kContendedHint) % words;
      if (contended) {
        // Begin's fast path lost its CAS on the hint word: move on.
        start = MoveOn(start, words);
        pass_over = 0;
      }
    }
    ClaimResult result{};
    for (;;) {
      std::uint32_t index = start;
      std::uint32_t first_passed = words;  // none yet
      for (std::uint32_t n = 0; n < words; ++n) {
        if (n > 0 && pass_over > 0 && HasFreeBit(index)) {
          if (first_passed == words) first_passed = index;
          --pass_over;
        } else {
          if (TryWord(index, words, still_current, &result)) {
            return result;
          }
          if (n == 0 && FullIsVerified()) return {ClaimStatus::kFull, 0, 0};
        }
        index = index + 1 == words ? 0 : index + 1;
      }
      if (first_passed != words) {
        start = first_passed;  // search again, passing over none
        pass_over = 0;
        continue;
      }
      // No free slot: a grow unit left may be this claim's.
      switch (TakeUnit(still_current, &result)) {
        case Unit::kTaken:
          return result;
        case Unit::kHelped:
          continue;  // the waiters' units or a record dealt with: again
        case Unit::kNone:
          break;
      }
      switch (ProveFull(words, still_current)) {
        case Proof::kFull:
          return {ClaimStatus::kFull, 0, 0};
        case Proof::kClosed:
          return {ClaimStatus::kClosed, 0, 0};
        case Proof::kStale:
          return {ClaimStatus::kStale, 0, 0};
        case Proof::kChanged:
          break;  // a slot was freed meanwhile: search again
      }
    }
  }

  // What TryClaimAtHint() did.
  enum class HintClaim {
    kClaimed,    // it opened the session on `slot`
    kDeclined,   // nothing: the hint word is out of range, closed or full,
                 // or the incarnation changed before the CAS
    kContended,  // nothing: the CAS lost, another thread works in the hint
                 // word; the caller calls MarkContended()
    kGiveBack,   // it claimed `slot`'s bit and may not keep it (the
                 // incarnation changed after the CAS, or the slot is
                 // pending): the caller calls GiveBackAt(*given, slot)
  };
  struct HintResult {
    HintClaim outcome;
    // kClaimed, kGiveBack: the slot whose bit it took (in 64 bits, as the
    // handle and the addresses use it).
    std::size_t slot;
    // kClaimed: the low 32 bits of the slot's control word before it was
    // opened: the generation's low kHandleGenBits above kGenShift clear
    // bits, which is the session handle's generation field, in place after
    // one shift (MakeSessionHandleFast()).
    std::uint32_t control_low;
    // kGiveBack: the slot's control word, from which GiveBackAt() finds the
    // pool: the fast path holds that address anyway, where keeping the
    // pool's would cost it a register.
    Atomic<std::uint64_t>* given;
  };

  // Begin's fast path: one try on the calling thread's hint word, with the
  // same CAS and checks as TryWord(). After kDeclined and kGiveBack (once
  // the bit is given back), Claim() decides. The give-back is the caller's
  // so that the fast path makes no call, and saves no registers.
  template <class Revalidate>
  [[gnu::always_inline]] HintResult TryClaimAtHint(
      Revalidate&& still_current) noexcept {
    const std::uint32_t index = Policy::PeekHint();
    // relaxed: see the field.
    if (index >= active_words_.load(std::memory_order_relaxed)) {
      return {HintClaim::kDeclined, 0, 0, nullptr};
    }
    auto& word = WordAt(index);
    // acquire: as in TryWord().
    std::uint64_t w = word.load(std::memory_order_acquire);
    // w + 1 turns the trailing ones of w (the claimed low slots) to zeros
    // and its lowest zero (the lowest free slot) to one. Its low 32 bits
    // are 0 only when every slot bit is set; otherwise nothing carries out
    // of them, its trailing zeros count the free slot's bit, and
    // w | (w + 1) is w with that slot claimed.
    const std::uint64_t lowest_free = w + 1;
    if ((w & kNoFastClaim) != 0 ||
        static_cast<std::uint32_t>(lowest_free) == 0) {
      return {HintClaim::kDeclined, 0, 0, nullptr};
    }
    if constexpr (Policy::kMutation != Mutation::kNone) {
      // The mutants live in TryWord().
      return {HintClaim::kDeclined, 0, 0, nullptr};
    }
    // In 64 bits: the slot's address and handle need no widening then.
    const std::size_t slot =
        std::size_t{index} * kSlotsPerWord +
        static_cast<std::size_t>(std::countr_zero(lowest_free));
    // The slot's control word, read before the incarnation check, so that
    // the check vouches for the read: a value written in a later
    // incarnation (by Reset() or by a call of that incarnation, all release
    // stores) would make the check fail. A pending slot is not claimed
    // (see TryWord()): Claim() decides. Busy is never set on a slot that is
    // not open; testing it too lets the handle take the generation from the
    // control word as it is (HintResult::control_low).
    auto& control_word = SlotRef(slot).control;
    // acquire: pairs with the release stores of Reset(), OpenClaimed(),
    // ExitCall() and Free(); the incarnation check must follow it.
    const std::uint64_t control = control_word.load(std::memory_order_acquire);
    if ((control & (kOpen | kBusy)) != 0 || !still_current()) [[unlikely]] {
      return {HintClaim::kDeclined, 0, 0, nullptr};
    }
    // acq_rel: as in TryWord() (acquire pairs with Free()'s fetch_add,
    // release with ForceEndAll()'s reads).
    if (!word.compare_exchange_strong(w, w | lowest_free,
                                      std::memory_order_acq_rel,
                                      std::memory_order_relaxed)) {
      return {HintClaim::kContended, 0, 0, nullptr};
    }
    // The control word again, now that the bit is ours: unchanged since the
    // read before the CAS, it is that of a free slot of the incarnation the
    // caller validated, and the claim opens it from that read. Changed, the
    // CAS succeeded across a wrap of the word's version (2^29 frees of the
    // word while this thread stood between its read and its CAS): the slot
    // was reused meanwhile (its generation moved on, it may be pending), or
    // the record went on to another incarnation (Reset() moved every
    // generation before it rewrote the words, and the CAS acquired a word
    // value written after that). Either way the bit is given back. This
    // compare stands for TryWord()'s re-check of the incarnation and
    // OpenClaimed()'s read, in one load of a line the claim writes next.
    // acquire: pairs with the release stores of Free() and Reset()'s
    // publication (through the CAS).
    if (control_word.load(std::memory_order_acquire) != control) [[unlikely]] {
      return {HintClaim::kGiveBack, slot, 0, &control_word};
    }
    // release: pairs with the acquire in LoadControl() of calls on the new
    // handle.
    control_word.store(control | kOpen, std::memory_order_release);
    // The busy and open bits were checked clear before the CAS, and the
    // word is unchanged since.
    return {HintClaim::kClaimed, slot, static_cast<std::uint32_t>(control),
            nullptr};
  }

  // Marks the calling thread's hint as contended: its next Claim() moves on
  // from the hint word (MoveOn()). Cold, for Begin's fast path, which calls
  // nothing itself.
  [[gnu::noinline, gnu::cold]] static void MarkContended() noexcept {
    Policy::SetHint(Policy::PeekHint() | kContendedHint);
  }

  // Loads slot's control word. acquire: pairs with the release store of
  // ExitCall(), OpenClaimed() and Free() and the CAS of ForceEndAll(): the
  // caller sees the session state the last holder left.
  std::uint64_t LoadControl(std::uint32_t slot) const noexcept {
    return SlotRef(slot).control.load(std::memory_order_acquire);
  }

  // Slot's control word, for the claim's pending filter. relaxed: a filter
  // only (the claim re-reads it after its CAS); the claimer's acquire load
  // of the pool word, which saw the bit freed, already orders it after the
  // freeing End's earlier writes, so it sees the session open (pending) or
  // the End's store, never an older value.
  std::uint64_t PeekControl(std::uint32_t slot) const noexcept {
    return SlotRef(slot).control.load(std::memory_order_relaxed);
  }

  // The control word, read in the single total order of seq_cst operations
  // (see InstanceCore::Enter()).
  std::uint64_t LoadControlSeqCst(std::uint32_t slot) const noexcept {
    return SlotRef(slot).control.load(std::memory_order_seq_cst);
  }

  // True when control word `control` is that of an open session whose
  // handle carries `gen`.
  static bool Matches(std::uint64_t control, std::uint32_t gen) noexcept {
    return (control & kOpen) != 0 &&
           (static_cast<std::uint32_t>(control >> kGenShift) &
            kHandleGenMask) == gen;
  }

  // True when control word `control` is that of an open session whose
  // handle carries `gen`, and no call is in flight on it: its low 32 bits
  // (the handle's 30 generation bits, open, busy) are compared at once.
  static bool IsOpenIdle(std::uint64_t control, std::uint32_t gen) noexcept {
    return static_cast<std::uint32_t>(control) == ((gen << kGenShift) | kOpen);
  }

  // Sets the busy flag (and, for an End, `hold` kEndHold: busy and "by
  // End") if the control word still equals `control` (open, not busy).
  // False when it changed: reload and decide again.
  bool TryEnterCall(std::uint32_t slot, std::uint64_t control,
                    std::uint64_t hold = kBusy) noexcept {
    // seq_cst: acquire pairs with the release in ExitCall() of the previous
    // call on the session (its context writes are visible to this call);
    // seq_cst because it is the first half of End's Dekker pair with
    // InstanceCore::SetFlag() (hold the session, then read the state / set
    // the flag, then ForceEndAll() reads the control words).
    return SlotRef(slot).control.compare_exchange_strong(
        control, control | hold, std::memory_order_seq_cst,
        std::memory_order_relaxed);
  }

  // Clears the busy flag set by TryEnterCall(control); the caller did not
  // free the slot, so nobody else writes the control word meanwhile.
  void ExitCall(std::uint32_t slot, std::uint64_t control) noexcept {
    // release: pairs with the acquire of the next TryEnterCall() and of
    // ForceEndAll(): publishes this call's context writes.
    SlotRef(slot).control.store(control & ~kBusy, std::memory_order_release);
  }

  // Ends the session that holds `slot` (the caller entered the call with
  // control word `control` and decided that the End succeeds): frees the
  // word bit, then makes every handle of the session stale. The closed bit
  // does not stop it (End works after Stop; Unavailable and Term were
  // checked by the caller after it entered the call).
  //
  // The order is what makes the End one step to everybody else: until the
  // control store, a call on the handle finds the session held (a sharing
  // violation) and no claimer keeps the slot (OpenClaimed() sees it open), so
  // the End takes effect at that store, when the slot is already free for
  // the next Begin. (With the store first, a call on the handle could learn
  // that the session ended while its bit still made the pool look full.)
  void Free(std::uint32_t slot, std::uint64_t control,
            FreedBy by = FreedBy::kEnd) noexcept {
    auto& control_word = SlotRef(slot).control;
    if constexpr (Policy::kMutation == Mutation::kEndStaleBeforeFree) {
      control_word.store(NextGen(control), std::memory_order_release);
      Policy::Yield();  // widen the window between the two steps
    }
    FreeWordBit(slot);
    const std::uint64_t f = LoadFlagAfterFree();
    if ((f & kFreeSlowMask) != 0) [[unlikely]] {
      // The pool was (nearly) proven full, callers wait, or a shrink left a
      // debt: out of line, with nothing left to do here after it.
      FreeWhileFull(slot, control, f, by);
      return;
    }
    FinishFree(slot, control, true);
  }

  // Free() when the flag was set after the fetch_add: a debt is paid with
  // the slot (PayDebt()), or the flag no longer holds, or the slot goes to
  // the oldest waiter (AfterFreeWhileFull()).
  //
  // It is counted in handing_ while it runs: a hand-off stores control
  // words that are open and not busy (a waiter's session before it is
  // published, a pending slot), which JetTerm's ForceEndAll() does not
  // wait for, so JetTerm waits for the count instead (Handing()). The count
  // is taken while the End still holds its slot busy, so a ForceEndAll()
  // that saw the slot busy, or later, sees it.
  [[gnu::noinline, gnu::cold]] void FreeWhileFull(std::uint32_t slot,
                                                  std::uint64_t control,
                                                  std::uint64_t f,
                                                  FreedBy by) noexcept {
    CountedHandOff([&] {
      bool store = false;
      if ((f & kOwing) == 0 || !PayDebt(slot, &control, &f)) {
        store = (f & kFullStateMask) == kFullNone ||
                AfterFreeWhileFull(slot, f, EndedControl(control), by);
      }
      FinishFree(slot, control, store);
    });
  }

  // Runs `step`, a free's work after it found the flag set, counted in
  // handing_ and hand_offs_.
  template <class Step>
  void CountedHandOff(Step&& step) noexcept {
    // seq_cst: before the stores that drop the hold (ForceEndAll()'s
    // seq_cst loads and Handing() then see it).
    handing_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst: read by the stats reader around its scan (ScanSlots()): a
    // hand-off that began and ended between its two reads of Handing()
    // still shows here.
    hand_offs_.fetch_add(1, std::memory_order_seq_cst);
    step();
    // release: the hand-off's last writes happen-before a Handing() of 0.
    handing_.fetch_sub(1, std::memory_order_release);
  }

  // One step of JetTerm's wait for another thread's few steps (a call in
  // flight on a slot, a hand-off): a yield for the first kDrainYields steps
  // of the wait (`*pauses` counts them), then short sleeps (Policy::Nap(),
  // 100 us). A sleep past that, not a yield: a yield gives the processor
  // only to threads of the caller's priority, so a JetTerm thread of a
  // higher priority would keep the thread it waits for off a processor
  // they share.
  static void DrainPause(int* pauses) noexcept {
    if (++*pauses <= kDrainYields) {
      Policy::Yield();
    } else {
      Policy::Nap();
    }
  }

  // Frees in their hand-off now (see FreeWhileFull()).
  std::uint32_t Handing() const noexcept {
    // seq_cst: as FreeWhileFull().
    return handing_.load(std::memory_order_seq_cst);
  }
  // Payers of a shrink's debt in their payment now (clearing_): JetTerm
  // waits for them, as for Handing().
  std::uint32_t Payers() const noexcept {
    // seq_cst: the second read of the Dekker pair with PayWithSlot() (its
    // count, then its read of the closed bit).
    return clearing_.load(std::memory_order_seq_cst);
  }
  // Hand-offs ever started (FreeWhileFull() calls): a figure for the stats
  // reader, which compares two reads.
  std::uint64_t HandOffs() const noexcept {
    // seq_cst: as FreeWhileFull().
    return hand_offs_.load(std::memory_order_seq_cst);
  }

  // ---- For the debug dump (jetsession::DebugString()): plain reads, each
  // at its own instant. ----
  struct FlagView {
    unsigned state;  // 0 none, 1 candidate, 2 verified
    std::uint32_t head;
    std::uint32_t tail;
    std::uint32_t epoch;
    bool gated;      // the Stop's gate (MarkClosedForBegin())
    bool end_gated;  // the gate of Unavailable or Term
    bool listed;     // callers wait in the overflow list
    bool mailed;     // a grant for the list's head is in the mailbox or on
                     // its way
  };
  FlagView DebugFlag() const noexcept {
    // seq_cst: as every other read of the flag.
    const std::uint64_t f = Flag().load(std::memory_order_seq_cst);
    return {static_cast<unsigned>(f & kFullStateMask),
            HeadOf(f),
            TailOf(f),
            static_cast<std::uint32_t>(f >> kEpochShift),
            (f & kGate) != 0,
            (f & kEndGate) != 0,
            (f & kListed) != 0,
            (f & kMailed) != 0};
  }
  std::uint32_t ActiveWords() const noexcept {
    // relaxed: see the field.
    return active_words_.load(std::memory_order_relaxed);
  }
  std::uint64_t DebugWord(std::uint32_t index) const noexcept {
    // acquire: as CountClaimed().
    return WordAt(index).load(std::memory_order_acquire);
  }
  static std::uint32_t VersionOf(std::uint64_t word) noexcept {
    return static_cast<std::uint32_t>(word >> kVersionShift);
  }
  static std::uint32_t HintOf(std::uint64_t word) noexcept {
    return static_cast<std::uint32_t>((word & kHintMask) >> kHintShift);
  }
  static bool IsOpen(std::uint64_t control) noexcept {
    return (control & kOpen) != 0;
  }

  // Stores the tracking stamp of the session just opened on `slot` by the
  // calling thread (its opener: a Begin after its claim, a waiter that took
  // a delivered session).
  void StoreStamp(std::uint32_t slot, std::uint64_t stamp) noexcept {
    // release: pairs with ReadOpen()'s acquire load.
    SlotRef(slot).stamp.store(stamp, std::memory_order_release);
  }

  // What ReadOpen() saw of an open session.
  struct OpenView {
    std::uint64_t control;  // open; busy when a call is in flight
    std::uint64_t stamp;    // as stored by StoreStamp(), maybe of another
                            // session (see SessionStamp::IsFor())
    std::uintptr_t context;
  };

  // Reads the session open on `slot`, if any, as it was at one instant: the
  // control word is read before and after the stamp and the context, and the
  // reads are made again until both control reads agree. A stamp of another
  // generation is left for the caller to judge. False when no session is
  // open on the slot. Lock-free (a retry means a call on the session ran).
  bool ReadOpen(std::uint32_t slot, OpenView* view) const noexcept {
    const Slot& s = SlotRef(slot);
    // acquire: pairs with the release stores that open, end and release a
    // session (OpenClaimed(), Free(), HandOver(), ExitCall()).
    std::uint64_t before = s.control.load(std::memory_order_acquire);
    for (;;) {
      if ((before & kOpen) == 0) return false;
      // acquire: pairs with StoreStamp().
      view->stamp = s.stamp.load(std::memory_order_acquire);
      // acquire: the context is written under the busy flag, whose release
      // (ExitCall()) the control loads acquire.
      view->context = s.context.load(std::memory_order_acquire);
      // Marked paying by its End: the End ended the session at its unit,
      // and its record says so until the mark (as PayingSession()).
      // seq_cst: in the order of the payers' unit CAS.
      const std::uint64_t debt =
          IsPayingMark(before) ? DebtWord().load(std::memory_order_seq_cst) : 0;
      // acquire: as the first load; the same value means the session and
      // its busy flag did not change in between (a call that ran wholly in
      // between left the context it set, which held at its release).
      const std::uint64_t after = s.control.load(std::memory_order_acquire);
      if (after == before) {
        if (Paid(debt, slot, before)) return false;
        view->control = before;
        return true;
      }
      before = after;
    }
  }

  // The handle generation (low kHandleGenBits) of a control word.
  static std::uint32_t HandleGenOf(std::uint64_t control) noexcept {
    return static_cast<std::uint32_t>(GenOfControl(control)) & kHandleGenMask;
  }
  static bool InCall(std::uint64_t control) noexcept {
    return (control & kBusy) != 0;
  }
  // The generation of a control word (the handle has its low
  // kHandleGenBits): bits 2..59 unmarked; marked, the low part only (the
  // high part is in gen_carry_).
  static constexpr std::uint64_t GenOfControl(std::uint64_t control) noexcept {
    return IsMarked(control)
               ? (control >> kGenShift) & ((1ULL << kGenLowBits) - 1U)
               : (control & ~(kByEnd | kMarkMask)) >> kGenShift;
  }

  // One pass over the slots for the stats: *ended_steps is the number of
  // generation steps since Reset() (each End makes one; so does a waiter
  // that ends a session it received, see InstanceCore::Accept()), and *open
  // the number of control words open. Each slot is read once; the caller
  // re-reads the instance state to know that they were of its incarnation.
  void ScanSlots(std::uint64_t* ended_steps,
                 std::uint32_t* open) const noexcept {
    // A pass that a move of a generation's high part overlapped (between
    // its word and gen_carry_, MoveHighPart()) is made again: a few steps
    // of a payer, once per 2^42 sessions on a slot. With no move under way
    // at the first two reads (every one begun then had ended) and none
    // begun by the last, none overlapped the pass.
    // A payer stopped inside a split (descheduled) is waited for with a
    // few yields, then short sleeps, not a spin.
    for (int pauses = 0;;) {
      std::uint32_t begun = 0;
      if (!QuietSplits(&begun)) {
        DrainPause(&pauses);
        continue;
      }
      ScanSlotsOnce(ended_steps, open);
      if (!SplitsSince(begun)) return;
    }
  }
  void ScanSlotsOnce(std::uint64_t* ended_steps,
                     std::uint32_t* open) const noexcept {
    // seq_cst: between the reads of the move counts.
    std::uint64_t gen_sum = gen_carry_.load(std::memory_order_seq_cst);
    std::uint32_t opened = 0;
    for (std::uint32_t j = 0; j < allocated(); ++j) {
      // acquire: pairs with the release stores that open and end sessions
      // (OpenClaimed(), Free(), HandOver()): a generation step seen here
      // makes the counts its thread kept before it visible to the caller's
      // later reads (a waiter's phantom count comes before its Free()).
      const std::uint64_t c =
          SlotRef(j).control.load(std::memory_order_acquire);
      gen_sum += GenOfControl(c);
      opened += IsOpen(c) ? 1U : 0U;
    }
    // relaxed: see the field; the caller's state re-read validates it.
    *ended_steps = gen_sum - gen_base_.load(std::memory_order_relaxed);
    *open = opened;
  }

  // Free()'s steps after the fetch_add and the flag: the control store
  // (unless `store` is false: a waiter got the slot, or the hand-off closed
  // it already) and the hint.
  [[gnu::always_inline]] void FinishFree(std::uint32_t slot,
                                         std::uint64_t control,
                                         bool store) noexcept {
    auto& control_word = SlotRef(slot).control;
    if constexpr (Policy::kMutation == Mutation::kClaimPendingSlot ||
                  Policy::kMutation == Mutation::kPromotePendingProof) {
      Policy::Yield();  // widen the window in which the slot is pending
    }
    if (Policy::kMutation != Mutation::kEndStaleBeforeFree && store) {
      // A store: nobody else writes a pending slot's control word (a
      // claimer passes it over, or, if its CAS took the bit across a wrap
      // of the word's version, gives it back; TryEnterCall expects it idle;
      // ForceEndAll waits for busy to clear). It clears no full flag: a proof
      // that counted this slot pending was never promoted (ProveFull()).
      // release: pairs with the acquire of OpenClaimed() and of a stale
      // caller's LoadControl().
      control_word.store(EndedControl(control), std::memory_order_release);
    }
    const std::uint32_t freed_word = slot / kSlotsPerWord;
    if (Policy::PeekHint() != freed_word) [[unlikely]] {
      HintAfterFree(freed_word);
    }
  }

  // The hint of a thread that freed a slot outside its hint word: kept
  // while its word has a free bit (a thread that moved on after contention
  // stays where it went, see MoveOn(), even as its older sessions end in
  // the word it left), else pointed at the freed word, where the thread's
  // next Begin finds the bit it freed instead of searching (free slots
  // spread thinly over a nearly full pool make that search long).
  [[gnu::noinline, gnu::cold]] void HintAfterFree(
      std::uint32_t freed_word) const noexcept {
    const std::uint32_t hint = Policy::PeekHint();
    // relaxed: see the field.
    if (hint < active_words_.load(std::memory_order_relaxed) &&
        HasFreeBit(hint)) {
      return;
    }
    Policy::SetHint(freed_word);
  }

  // Frees the bit of `slot`, which the caller holds: one RMW, no loop (the
  // bit is set, so adding (kVersionOne - bit) clears it and bumps the
  // version; the closed bit is kept). seq_cst: release pairs with the
  // acquire of the next claim of the bit (the whole session happens-before
  // it); it is also the first half of the Dekker pair with ProveFull() and
  // Enqueue() (free, then read the flag / set the flag, then read the
  // words).
  void FreeWordBit(std::uint32_t slot) noexcept {
    WordAt(slot / kSlotsPerWord)
        .fetch_add(kFreeDelta[slot % kSlotsPerWord], std::memory_order_seq_cst);
  }

  // The flag, read by every free after its word fetch_add. seq_cst: the
  // second half of the free side of the Dekker pair.
  std::uint64_t LoadFlagAfterFree() const noexcept {
    return Flag().load(std::memory_order_seq_cst);
  }

  // Frees the bit of `slot`, whose control word the caller does not own
  // (a claimer's give-back), and keeps the flag true.
  void FreeBit(std::uint32_t slot) noexcept {
    FreeWordBit(slot);
    const std::uint64_t f = LoadFlagAfterFree();
    if ((f & kFullStateMask) != kFullNone) [[unlikely]] {
      AfterFreeWhileFull(slot, f, kControlUnknown, FreedBy::kOther);
    }
  }

  // The ended control word for AfterFreeWhileFull() when the caller does not
  // own the slot's control word (it reads it once it holds the bit again).
  static constexpr std::uint64_t kControlUnknown = ~std::uint64_t{0};

  // After a free that found the flag set (`f`, read after the word
  // fetch_add): a candidate or verified flag no longer holds, unless callers
  // wait, whom the freed slot goes to. Returns true when the caller still
  // stores `ended` (the slot's control word once its session ended) into
  // the control word; false when this did (or handed the slot over).
  //
  // With waiters queued (their tickets in the flag), the freed bit is
  // taken back, the oldest waiter's ticket is taken (head + 1) and the slot
  // is opened for it and delivered to its cell; a waiter that has left (a
  // cancelled cell) passes the slot on to the next ticket, and when no
  // ticket is left the bit is freed again and the flag looked at again.
  // The freed bit is free for this thread to take back: its control word is
  // still open (the End's pending window), which every claim passes over.
  // A free that finds no waiter clears the flag (a loop, because a prover
  // may promote a candidate meanwhile).
  [[gnu::noinline, gnu::cold]] bool AfterFreeWhileFull(std::uint32_t slot,
                                                       std::uint64_t f,
                                                       std::uint64_t ended,
                                                       FreedBy by) noexcept {
    auto& control_word = SlotRef(slot).control;
    // A give-back's caller stores nothing: once a hand-off has written the
    // control word (a waiter that left, or none), its final store is ours.
    const bool caller_stores = ended != kControlUnknown;
    bool written = false;
    const auto done = [&]() noexcept {
      if (caller_stores) return true;
      if (written) {
        // release: pairs with OpenClaimed()'s acquire of a later claim.
        control_word.store(ended, std::memory_order_release);
      }
      return false;
    };
    for (;;) {
      const bool listed =
          (f & kListed) != 0 && Policy::kMutation != Mutation::kEndIgnoresList;
      if (Policy::kMutation == Mutation::kFreeSkipsQueue ||
          (!listed && (!HasWaiters(f) || waiters_.Ensure() == nullptr))) {
        // seq_cst: pairs with ProveFull()'s promote and Enqueue(). Cleared
        // before the slot becomes claimable (the caller's store of `ended`
        // after this): a claim or proof in between finds it pending.
        if ((f & kFullStateMask) == kFullNone ||
            FlagCas(f, NextEpoch(f) | kFullNone)) {
          return done();
        }
        continue;
      }
      if (!ReclaimBit(slot)) return done();  // a claim took it: none free
      if (ended == kControlUnknown) {
        // A give-back while a debt is owed: the slot is left free, for the
        // claims to pay with (a waiter's session would go beyond the
        // capacity).
        if ((f & kOwing) != 0) {
          FreeWordBit(slot);
          return false;
        }
        // A give-back: the control word is ours to open now, unless the
        // slot is pending (an End's window: its End serves the waiters),
        // reserved or marked by a payer. It is made pending by a CAS (a
        // payer may mark a free slot meanwhile, PayWithSlot()), so that it
        // is this thread's to write until its last store.
        // acquire: pairs with the release stores of Free() and Reset().
        ended = control_word.load(std::memory_order_acquire);
        // relaxed: no handle names this generation; the fetch_add or the
        // delivery that follows publishes it.
        if (!IsClosedPlain(ended) ||
            !control_word.compare_exchange_strong(ended, ended | kOpen,
                                                  std::memory_order_relaxed)) {
          FreeWordBit(slot);
          return false;
        }
      }
      written = true;
      if (HandOver(slot, ended, by)) return false;
      // No waiter took it: its bit is free again and the slot pending until
      // `ended` is stored, once the flag is dealt with; look at it again.
      f = LoadFlagAfterFree();
    }
  }

  // With the flag owing (a shrink's debt): pays one unit of the debt with
  // `slot`, whose bit this End has just freed (the slot is pending, its
  // control word still open, so no claim takes it), and reserves it. The
  // bit is taken back before the unit is: the End's session is still open
  // then, so the slot is never free while the debt counts it, and no
  // claim can take a free slot that a debt owes (Resize()). The End marks
  // its control word paying, tagged with the seq that its record will
  // have (MarkPaying()), then takes the unit and installs its record in
  // one CAS of the pair: the End takes effect there, and from then on its
  // slot stands for the unit (its bit set), so that another End that finds
  // no debt left may free its own slot for a Begin. Until the slot is
  // marked reserved (which makes the handle stale), a call on the handle
  // finds the session held by the End, and IsOpenSession() finds the
  // record and answers that it ended. One record at a time: a payer that
  // finds another's finishes that payment first (FinishRecord()). True
  // when paid (the slot reserved, with the session's ended generation);
  // false when no debt is left (the bit is freed again, the mark undone,
  // and *f is the flag read after that) or a claim took the bit (only
  // across a wrap of the word's version; *f is left as it was). *control,
  // the session's open control word as the End entered it, loses the
  // generation's high part if MarkPaying() moved it to gen_carry_.
  bool PayDebt(std::uint32_t slot, std::uint64_t* control,
               std::uint64_t* f) noexcept {
    // seq_cst: read after the flag, in the order of Resize()'s RMWs.
    if (UnitsOwed() == 0 || !ReclaimBit(slot)) return false;
    // seq_cst: counted before the unit is taken (JetTerm waits for the
    // count to drop: Payers()).
    clearing_.fetch_add(1, std::memory_order_seq_cst);
    auto& own = SlotRef(slot).control;
    // acquire: the End holds it (or, for a waiter's session that no handle
    // names, nobody else writes it): its own last value.
    std::uint64_t c = own.load(std::memory_order_acquire);
    // seq_cst, both: read in the order of the pair's RMWs (no units: not
    // paid); a first guess for the pair's CAS, which re-reads it.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      const std::uint64_t d = p.second;
      if (UnitsOf(d) == 0) {
        if (IsMarked(c)) {
          // The mark undone: no record of this slot has its tag, and none
          // will. release: pairs with the acquire loads of IsOpenSession()
          // and ReadOpen().
          own.store(c & ~(kMarkMask | kTagMask), std::memory_order_release);
        }
        // release: nothing to publish but the count.
        clearing_.fetch_sub(1, std::memory_order_release);
        FreeWordBit(slot);
        *f = LoadFlagAfterFree();
        return false;
      }
      if (DebtWordBits::HasRecord(d)) {
        FinishRecord(d);
        // seq_cst: as above.
        p.second = DebtWord().load(std::memory_order_seq_cst);
        continue;
      }
      c = MarkPaying(slot, c, DebtWordBits::NextSeq(d), control);
      // The unit, the record and, for the last unit, the owing bit's clear
      // in one step. seq_cst (the pair's CAS): with the other RMWs of the
      // pair and against IsOpenSession()'s load (the End takes effect
      // here).
      const PairValue paid = WithDebt(p.first, DebtWordBits::Paid(d, slot));
      if (full_.value.compare_exchange(p, paid)) {
        FinishRecord(paid.second);
        break;
      }
    }
    // release: nothing to publish but the count (the mark is published by
    // its own release).
    clearing_.fetch_sub(1, std::memory_order_release);
    return true;
  }

  // Marks `slot`'s control word `c` (open: the paying End's session, held
  // or, for a waiter's session no handle names, not held) paying with tag
  // `tag`, and returns the marked word. A word marked already gets the new
  // tag. An unmarked word whose generation has a high part (2^42 sessions
  // on the slot) first has it moved to gen_carry_ (MoveHighPart()).
  // *control loses it too.
  std::uint64_t MarkPaying(std::uint32_t slot, std::uint64_t c,
                           std::uint32_t tag, std::uint64_t* control) noexcept {
    auto& own = SlotRef(slot).control;
    if (!IsMarked(c) && (c & kTagMask) != 0) {
      // The End holds the word: nobody else writes it, so the CAS holds.
      while (!MoveHighPart(own, &c)) {
      }
      *control &= ~kTagMask;
    }
    const std::uint64_t marked = (c & ~(kMarkMask | kTagMask)) | kMarkPaying |
                                 (std::uint64_t{tag} << kTagShift);
    // seq_cst: before the pair's CAS that installs the record with this
    // tag (a helper that reads the record then reads this mark), and
    // in the order of IsOpenSession()'s loads. Only the End writes its
    // word until its record is installed.
    own.store(marked, std::memory_order_seq_cst);
    return marked;
  }

  // Moves the generation's high part of unmarked control word *c (nonzero)
  // into gen_carry_: clears it from the word by a CAS, then adds it to the
  // carry, between the two counts that ScanSlots() reads (so that the
  // stats' sum of generations never mixes a word and a carry from either
  // side of a move). False when the word was not *c (*c is its value).
  bool MoveHighPart(Atomic<std::uint64_t>& control, std::uint64_t* c) noexcept {
    const std::uint64_t high = (*c & kTagMask) >> kTagShift;
    BeginSplit();
    // seq_cst: in the order of the count's RMWs and the stats' loads.
    const bool moved = control.compare_exchange_strong(
        *c, *c & ~kTagMask, std::memory_order_seq_cst);
    if (moved) {
      // seq_cst: read by ScanSlots() between the counts' reads.
      gen_carry_.fetch_add(high << kGenLowBits, std::memory_order_seq_cst);
      *c &= ~kTagMask;
    }
    EndSplit();
    return moved;
  }

  // A change in two steps that the readers must see whole (a high part's
  // move: its word, then gen_carry_; a reserved bit's set: its word, then
  // reserved_) runs between BeginSplit() and EndSplit(). A reader makes
  // its pass between QuietSplits() and SplitsSince(): with no split under
  // way at the first (every one begun had ended) and none begun by the
  // second, none overlapped the pass.
  void BeginSplit() noexcept {
    // seq_cst: begun before the first step (a reader's last load).
    splits_begun_.fetch_add(1, std::memory_order_seq_cst);
    Policy::InsideSplit();
  }
  void EndSplit() noexcept {
    // seq_cst: ended after the second step (a reader's first loads).
    splits_done_.fetch_add(1, std::memory_order_seq_cst);
  }
  // True when no split is under way; *begun is the count to compare.
  bool QuietSplits(std::uint32_t* begun) const noexcept {
    // seq_cst, both: in the order of the splits' counts and steps.
    const std::uint32_t done = splits_done_.load(std::memory_order_seq_cst);
    *begun = splits_begun_.load(std::memory_order_seq_cst);
    return *begun == done;
  }
  bool SplitsSince(std::uint32_t begun) const noexcept {
    // seq_cst: after the pass's loads.
    return splits_begun_.load(std::memory_order_seq_cst) != begun;
  }

  // Finishes the payment recorded in debt word `d` (a payer's record is in
  // it): marks the payer's slot reserved, with the ended session's
  // generation, unless that is done (by the payer or another helper), then
  // clears the record and counts the reserved slot, once (the CAS that
  // clears it). The mark comes first, so a record cleared means a handle
  // that reads stale.
  void FinishRecord(std::uint64_t d) noexcept {
    if (DebtWordBits::KindOf(d) == DebtWordBits::Kind::kGrant) {
      FinishGrant(d);
      return;
    }
    const std::uint32_t slot = DebtWordBits::SlotOf(d);
    const bool free_slot =
        DebtWordBits::KindOf(d) == DebtWordBits::Kind::kPayFree;
    auto& control = SlotRef(slot).control;
    // acquire: pairs with the release CAS of another helper's mark and
    // with the payer's mark.
    std::uint64_t c = control.load(std::memory_order_acquire);
    // Until the mark, the control word is the payer's session, open and
    // marked paying with the record's seq: held by its End, or, for a
    // waiter that ends again a session it received
    // (InstanceCore::EndPhantom()), not held at all, since no handle of it
    // was given out. After the mark it is reserved under the next
    // generation. A free slot's payment (kPayFree) marked a closed word
    // pay-free with the record's seq; reserved, it keeps its generation
    // (that of its next session). A grow unit's taker converts the slot
    // only once it reads reserved, after this CAS; a CAS against a changed
    // word fails.
    constexpr std::uint64_t kMarkable =
        Policy::kMutation == Mutation::kMarkOnlyHeld ? kOpen | kByEnd : kOpen;
    std::uint64_t reserved = 0;
    if (free_slot) {
      if (IsPayFreeMark(c) && TagOf(c) == DebtWordBits::SeqOf(d)) {
        reserved = (c & ~(kMarkMask | kTagMask)) | kBusy;
      }
    } else if ((c & kMarkable) == kMarkable && Paid(d, slot, c)) {
      reserved = NextGen(c) | kBusy;
    }
    if (reserved != 0) {
      // release: pairs with the acquire loads of Resize() (which may later
      // release the slot), of ForceEndAll(), of IsOpenSession() and of
      // another helper. relaxed on failure: the mark is done.
      control.compare_exchange_strong(c, reserved, std::memory_order_release,
                                      std::memory_order_relaxed);
    }
    const std::uint64_t record = d & DebtWordBits::kRecordMask;
    const std::uint32_t seq = DebtWordBits::SeqOf(d);
    while ((d & DebtWordBits::kRecordMask) == record &&
           DebtWordBits::SeqOf(d) == seq) {
      // seq_cst: with the other RMWs of the debt word; a load of it that
      // reads the record gone synchronizes with this CAS (release), and so
      // sees the mark above.
      if (full_.value.compare_exchange_second(d, DebtWordBits::Cleared(d))) {
        if (free_slot) {
          // Its bit is free: set it, once, by the helper that cleared the
          // record (a reserved slot's bit is nobody's to claim).
          SetReservedBit(slot);
        } else {
          // release: pairs with CountClaimed()'s acquire load.
          reserved_.fetch_add(1, std::memory_order_release);
        }
        return;
      }
    }
  }

  // Sets the free bit of reserved `slot` (paid with while free, then
  // marked reserved: FinishRecord()), so that claims and proofs pass over
  // it by its bit, and counts it in reserved_: whoever sets a reserved
  // slot's bit counts it, so a reserved slot is counted exactly when its
  // bit is set (a claim that read the slot free before a payer's mark
  // never sets it: Settle() bumps the word first). Called by a payer
  // counted in clearing_ (JetTerm waits for it), which leaves the bit free
  // when the word is closed for Begin (JetTerm may reset the pool next:
  // the count must not land after that), and with `even_closed` by a
  // grant's marker (MarkForGrant(), which JetTerm waits for as well).
  // Leaves the bit as it is once the slot is no longer reserved. The CAS
  // expects the word as read before the control word was checked:
  // Reset() rewrites the word, so a CAS after it fails.
  void SetReservedBit(std::uint32_t slot, bool even_closed = false) noexcept {
    auto& word = WordAt(slot / kSlotsPerWord);
    const std::uint64_t bit = 1ULL << (slot % kSlotsPerWord);
    const std::uint64_t refuse = even_closed ? bit : bit | kClosedForBegin;
    // seq_cst: after this payer's count in clearing_ (JetTerm closes the
    // words, then reads the count).
    std::uint64_t w = word.load(std::memory_order_seq_cst);
    for (;;) {
      if ((w & refuse) != 0) return;
      // acquire: pairs with FinishRecord()'s release CAS.
      if (!IsReserved(SlotRef(slot).control.load(std::memory_order_acquire))) {
        return;
      }
      BeginSplit();
      // acq_rel: as a claim's CAS (the bit is set, the slot's history
      // happens-before a later release of it).
      const bool set = word.compare_exchange_strong(
          w, w | bit, std::memory_order_acq_rel, std::memory_order_acquire);
      if (set) {
        // release: pairs with CountClaimed()'s acquire load.
        reserved_.fetch_add(1, std::memory_order_release);
      }
      EndSplit();
      if (set) return;
    }
  }

  // ---- Paying a shrink's debt with free slots (see Resize()). ----

  // Pays one unit of the debt with free `slot` of word `index`, whose
  // control word read `c` (after the debt word): closed and nobody's, or
  // marked pay-free by another payer. Returns once its mark is settled: the
  // unit paid (by this thread or a helper) or the mark undone.
  void PayWithSlot(std::uint32_t index, std::uint32_t slot,
                   std::uint64_t c) noexcept {
    AsCountedPayer(index, [&] { MarkAndSettle(slot, c); });
  }

  // FinishRecord() of record `d` by a claimer in word `index` (it may set
  // a reserved slot's bit).
  void FinishRecordCounted(std::uint32_t index, std::uint64_t d) noexcept {
    AsCountedPayer(index, [&] { FinishRecord(d); });
  }

  // Runs a claimer's payment step `step`, counted in clearing_, and only
  // while word `index` is open for Begin (JetTerm waits for the count; a
  // payer of a stopped pool leaves the rest to the Ends).
  template <class Step>
  void AsCountedPayer(std::uint32_t index, Step&& step) noexcept {
    // seq_cst: counted before the word's closed bit is read (the Dekker
    // pair with JetTerm's CloseAll(), then its read of the count).
    clearing_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst: as above.
    if ((WordAt(index).load(std::memory_order_seq_cst) & kClosedForBegin) ==
        0) {
      step();
    }
    // release: the payment's writes happen-before a count of 0.
    clearing_.fetch_sub(1, std::memory_order_release);
  }

  // PayWithSlot()'s steps: marks the slot pay-free with the tag of the
  // debt word's next record (a dead mark is tagged anew), then settles it.
  void MarkAndSettle(std::uint32_t slot, std::uint64_t c) noexcept {
    auto& control = SlotRef(slot).control;
    for (;;) {
      // seq_cst: after the control word's read (FIX_PEEKAFTER in
      // resize_pair.pml is for the claim; here a mark's liveness is read).
      const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
      if (DebtWordBits::HasRecord(d)) {
        FinishRecord(d);
        // acquire: as the first read.
        c = control.load(std::memory_order_acquire);
        continue;
      }
      if (DebtWordBits::Units(d) == 0) {
        // No debt left: a mark found is killed and undone (Settle()).
        if (IsPayFreeMark(c)) Settle(slot, c);
        return;
      }
      const std::uint32_t tag = DebtWordBits::NextSeq(d);
      if (IsPayFreeMark(c) && TagOf(c) == tag) {
        Settle(slot, c);  // live: settle it
        return;
      }
      if (!IsClosedPlain(c) && !IsPayFreeMark(c)) return;  // taken meanwhile
      if (IsClosedPlain(c) && (c & kTagMask) != 0) {
        // A generation with a high part (2^42 sessions on the slot): moved
        // to gen_carry_ first, so that the tag can take its place.
        if (!MoveHighPart(control, &c)) continue;
      }
      // A closed word, or a dead mark (its tag passed with no record of
      // it: the debt word was read after it), tagged anew.
      const std::uint64_t marked = (c & ~(kMarkMask | kTagMask)) | kBusy |
                                   kMarkPayFree |
                                   (std::uint64_t{tag} << kTagShift);
      // seq_cst: before the settle's CAS of the pair (a helper that reads
      // the record then reads this mark). On failure c is the new value.
      if (control.compare_exchange_strong(c, marked,
                                          std::memory_order_seq_cst)) {
        Settle(slot, marked);
        return;
      }
    }
  }

  // Settles pay-free mark `marked` on `slot` (its tag the seq the next
  // record gets, or passed): in one CAS of the pair, installs its record
  // and takes a unit if the debt owes one, else steps seq, which kills the
  // mark; then finishes the record, or undoes a dead mark. Anyone may
  // settle a mark: a payer that stops between its mark and its settle
  // holds nobody up, and no two callers undo each other's marks for ever
  // (a mark dies only when seq passes its tag).
  void Settle(std::uint32_t slot, std::uint64_t marked) noexcept {
    const std::uint32_t tag = TagOf(marked);
    // seq_cst, both: read in the order of the pair's RMWs; a first guess
    // for the pair's CAS.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      const std::uint64_t d = p.second;
      if (DebtWordBits::HasRecord(d)) {
        FinishRecord(d);
        if (DebtWordBits::KindOf(d) == DebtWordBits::Kind::kPayFree &&
            DebtWordBits::SlotOf(d) == slot && DebtWordBits::SeqOf(d) == tag) {
          return;  // this mark's own record: paid
        }
        // seq_cst: as above.
        p = full_.value.load_halves(std::memory_order_seq_cst);
        continue;
      }
      if (DebtWordBits::NextSeq(d) != tag) break;  // passed: dead
      // A unit is paid only with a slot whose bit is free after the mark:
      // its word's version is bumped first, so that a claim CAS that read
      // the word before the mark (and may have seen the slot closed)
      // fails, and one that reads it after sees the mark. A bit set (a
      // claim that got there first gives it back) kills the mark.
      bool pay = false;
      if (DebtWordBits::Units(d) != 0) {
        pay = BumpIfFree(slot, &p, marked);
        if (p.second != d) continue;  // the debt word moved on: again
      }
      const PairValue next =
          pay ? WithDebt(p.first, DebtWordBits::Paid(
                                      d, slot, DebtWordBits::Kind::kPayFree))
              : PairValue{p.first,
                          DebtWordBits::WithSeq(d, DebtWordBits::NextSeq(d))};
      // seq_cst (the pair's CAS): with the other RMWs of the pair.
      if (full_.value.compare_exchange(p, next)) {
        if (pay) {
          FinishRecord(next.second);
          return;
        }
        break;  // killed
      }
    }
    // Dead: undone, unless it is no longer this mark (paid and marked
    // reserved by a helper, or undone and marked anew). release: pairs
    // with the claims' acquire loads of the control word.
    std::uint64_t expected = marked;
    SlotRef(slot).control.compare_exchange_strong(
        expected, marked & ~(kMarkMask | kTagMask | kBusy),
        std::memory_order_release, std::memory_order_relaxed);
  }

  // Bumps the version of `slot`'s word if its bit is free: true when done.
  // *p (the pair read by Settle()) is read again afterwards, and `marked`
  // must still be the slot's control word.
  bool BumpIfFree(std::uint32_t slot, PairValue* p,
                  std::uint64_t marked) noexcept {
    auto& word = WordAt(slot / kSlotsPerWord);
    const std::uint64_t bit = 1ULL << (slot % kSlotsPerWord);
    // seq_cst: after the mark (a claim that reads the word after the bump
    // reads the mark after that).
    std::uint64_t w = word.load(std::memory_order_seq_cst);
    bool bumped = false;
    while ((w & bit) == 0) {
      // seq_cst: with the claims' CASes and the frees' fetch_adds.
      if (word.compare_exchange_weak(w, w + kVersionOne,
                                     std::memory_order_seq_cst)) {
        bumped = true;
        break;
      }
    }
    // seq_cst, both: after the bump, for the pair's CAS.
    *p = full_.value.load_halves(std::memory_order_seq_cst);
    // acquire: the mark must still stand (a helper may have finished it).
    return bumped &&
           SlotRef(slot).control.load(std::memory_order_acquire) == marked;
  }

  // One step of paying the debt in word `index` (hinted for it), read
  // as `w` before the caller read the debt word (no record, units owed):
  // pays with its first free slot whose control word is closed or
  // pay-free marked. False when it has none.
  bool PayInWord(std::uint32_t index, std::uint64_t w) noexcept {
    for (auto free_bits = static_cast<std::uint32_t>(~w & kSlotBits);
         free_bits != 0; free_bits &= free_bits - 1U) {
      const std::uint32_t slot =
          index * kSlotsPerWord +
          static_cast<std::uint32_t>(std::countr_zero(free_bits));
      // acquire: pairs with the release stores of Free() and the marks;
      // after the debt word's load (the caller's).
      const std::uint64_t c = LoadControl(slot);
      if (IsClosedPlain(c) || IsPayFreeMark(c)) {
        PayWithSlot(index, slot, c);
        return true;
      }
    }
    return false;
  }

  // True when the session of `slot` whose handle carries `gen` is open at an
  // instant of the call (JetExtGetSessionSlot): one load of the control
  // word, or three when an End holds the session. A paying End takes effect
  // at its unit (PayDebt()), before its slot is marked; the debt word's
  // record says so until the mark is done. Wait-free.
  bool IsOpenSession(std::uint32_t slot, std::uint32_t gen) const noexcept {
    const auto& control = SlotRef(slot).control;
    // acquire: pairs with the release stores that open and end a session.
    const std::uint64_t held = control.load(std::memory_order_acquire);
    if (!Matches(held, gen)) return false;
    // Not marked paying: no payment of it has taken effect.
    if (!IsPayingMark(held)) return true;
    if constexpr (Policy::kMutation == Mutation::kSlotIgnoresPayer) {
      return true;
    }
    std::uint64_t again = 0;
    switch (PayingSession(slot, held, &again)) {
      case HeldSession::kOpen:
        return true;
      case HeldSession::kEnded:
        return false;
      case HeldSession::kChanged:
        // Still matching: the End let go or tagged its mark anew, so the
        // session was open at this read.
        return Matches(again, gen);
    }
    return false;
  }

  static constexpr bool IsPayingMark(std::uint64_t control) noexcept {
    return (control & kMarkMask) == kMarkPaying;
  }

  // What PayingSession() found.
  enum class HeldSession {
    kOpen,     // open at the debt word's read: the payment not yet made
    kEnded,    // the End's payment took effect: the session has ended
    kChanged,  // the control word changed since `held` (in *again)
  };

  // For `held`, the control word of `slot` just read, open and marked
  // paying by its End (PayDebt()): whether that End's payment has taken
  // effect. Reads the debt word, then the control word again. A paying End
  // takes effect at the CAS that installs its record, before its slot is
  // marked reserved; the record, which names its slot and its mark's tag,
  // stays until that mark. So with the control word unchanged, the session
  // had ended at the debt word's read if the record names it, and was open
  // there otherwise (a record cleared before the read was cleared after
  // the mark, which the second read would see). Wait-free: two loads.
  HeldSession PayingSession(std::uint32_t slot, std::uint64_t held,
                            std::uint64_t* again) const noexcept {
    // seq_cst: in the order of the payers' unit CAS (PayDebt()): before it,
    // the session was open at this load (the control word below still
    // reads it); after it, the record or its clearing (which follows the
    // mark) is read.
    const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
    // acquire: pairs with the release stores that open and end a session;
    // after the debt load.
    *again = SlotRef(slot).control.load(std::memory_order_acquire);
    if (*again != held) return HeldSession::kChanged;
    return Paid(d, slot, held) ? HeldSession::kEnded : HeldSession::kOpen;
  }

  // The pair with flag `flag` and debt word `debt`, the flag's owing bit
  // set exactly when `debt` owes units: every step of the pair that
  // changes the units writes both through this.
  static PairValue WithDebt(std::uint64_t flag, std::uint64_t debt) noexcept {
    return PairValue{UnitsOf(debt) != 0 ? flag | kOwing : flag & ~kOwing, debt};
  }

  // Clears (sets) `bits` of the flag, leaving the rest as it is.
  void ClearFlagBits(std::uint64_t bits) noexcept {
    auto& flag = Flag();
    // seq_cst: every RMW of the flag is (the frees' Dekker pair).
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    while ((f & bits) != 0 && !FlagCas(f, f & ~bits)) {
    }
  }
  void SetFlagBits(std::uint64_t bits) noexcept {
    auto& flag = Flag();
    // seq_cst: as ClearFlagBits().
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    while ((f & bits) != bits && !FlagCas(f, f | bits)) {
    }
  }

  // Under the list's lock: the grants decided for the list's callers and
  // not yet taken, in the mailbox or on their way to it (the callers less
  // those owed one; the lock holds the callers still).
  std::uint32_t GrantsDecided() const noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // seq_cst: with MailToHead()'s CAS of the pair, which decides a grant.
    return DecidedIn(PairValue{0, DebtWord().load(std::memory_order_seq_cst)});
  }
  // Under the list's lock: the grants decided for the list's callers in
  // pair `p` (its debt word's count of callers owed one).
  std::uint32_t DecidedIn(const PairValue& p) const noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    return overflow_.Size() - DebtWordBits::OwedOf(p.second);
  }
  // Pair `p` (one caller at least owed a grant) with one caller fewer
  // owed, kListed cleared with the last: every such step keeps the bit
  // saying that the count is not 0.
  static PairValue OneFewerOwed(PairValue p) noexcept {
    p.second -= DebtWordBits::kOwedOne;
    if (DebtWordBits::OwedOf(p.second) == 0) p.first &= ~kListed;
    return p;
  }

  // Pushes the grant of `slot` onto the mailbox (MailToHead()).
  void PushMail(std::uint32_t slot, bool gated) noexcept {
    const std::uint32_t entry = (slot + 1U) | (gated ? kMailGated : 0U);
    auto& link = SlotRef(slot).context_thread;
    // relaxed: a first guess for the CAS.
    std::uint32_t top = mail_.load(std::memory_order_relaxed);
    do {
      // relaxed: published by the release CAS below.
      link.store(top, std::memory_order_relaxed);
      // release: pairs with PopMail()'s acquire load. seq_cst would order
      // it against MailIdle()'s load too: the count's seq_cst drop after it
      // does that.
    } while (!mail_.compare_exchange_weak(top, entry, std::memory_order_release,
                                          std::memory_order_relaxed));
  }

  // Sets the capacity to `capacity` (at most ceiling()). Owner only: one
  // resize at a time (InstanceCore::LockResize()), on a Running
  // incarnation. Stop, Unavailable and Term's flag may come beside it
  // (HelpUnits() stops at their gates, the payments at their closed
  // words); Term drains only once it has returned.
  //
  // A resize by k publishes its descriptor (the debt epoch it starts, k,
  // and whether it grows), hints every active word for that epoch, then
  // applies k to the debt word, steps the epoch and sets the flag's owing
  // bit as the debt word owes, in one CAS of the pair: its linearization
  // point (the capacity in force is the ceiling less the reserved slots
  // and the debt, plus the grow units). A claim that finds a word hinted
  // for an epoch the debt word has not reached does the same steps
  // (HelpResize()), so nobody waits for the resizer.
  //
  // A shrink owes its units, less the grow units left (cancelled first).
  // From then on a claim in a hinted word reads the debt word and, while
  // units are owed, pays them with free slots (PayWithSlot()) before it
  // claims one; every free pays a unit with its slot (PayDebt()); a proof
  // counts the free slots against the debt (ProveFull()). The shrink pays
  // with the free slots it finds; what the open sessions owe, their Ends
  // pay.
  //
  // A grow cancels up to k of the debt and adds the rest to the debt word
  // as grow units: room that is in no slot yet. Its CAS clears a verified
  // flag, or, with callers waiting (tickets, the overflow list), sets it to
  // kFullUnits: the frees still hand their slots to the waiters, and the
  // claims that find no free slot decide the units for the waiters first
  // (HelpUnits()), oldest first. A claim that finds no free slot, no
  // waiter and a unit left takes the unit by a CAS of the pair, its
  // linearization point, and then makes a reserved slot its own
  // (TakeUnit()). The grower decides the units for the waiters too and
  // returns; what is left the claims take.
  //
  // Either clears the hints afterwards if no debt is left (a claim in a
  // hinted word reads the debt word first; one in a clear word does not).
  // Every change of a hint bumps the word's version (a word only grows,
  // as ProveFull() needs, and a claim CAS that expects the word as it was
  // before fails).
  void Resize(std::uint32_t capacity) noexcept {
    // relaxed: the owner wrote them.
    const auto old =
        static_cast<std::uint32_t>(capacity_.load(std::memory_order_relaxed));
    const std::uint32_t words = active_words_.load(std::memory_order_relaxed);
    if (capacity == old) return;
    const bool grow = capacity > old;
    // relaxed: only the owner writes it.
    const std::uint64_t last = resize_.load(std::memory_order_relaxed);
    // seq_cst: before the hints (a helper that reads a hint of this
    // epoch reads this descriptor or a later one).
    resize_.store(
        ResizeDescriptor(ResizeEpoch(last) + 1U,
                         grow ? capacity - old : old - capacity, grow),
        std::memory_order_seq_cst);
    if (grow && Policy::kGrowAlertsWaiters &&
        Policy::kMutation != Mutation::kGrowWakesNobody) {
      AlertForGrow(capacity - old);
    }
    HelpResize(words, /*resizer=*/true);
    // seq_cst: read by capacity() in the order of the pair's CAS.
    capacity_.store(CapacityWord(capacity), std::memory_order_seq_cst);
    if (grow) {
      Policy::AfterGrowTakesEffect();
      HelpUnits();
    } else {
      Policy::AfterShrinkTakesEffect();
      PayFreeSlots(words);
      if constexpr (Policy::kMutation == Mutation::kShrinkForgetsDebt) {
        // The mutant drops what the open sessions owe.
        TakeDebt(DebtWordBits::kUnitsMask);
      }
    }
    // seq_cst: in the order of the pair's RMWs (the debt only grows by a
    // shrink, which is this thread's, and its helpers', all done).
    if (UnitsOwed() == 0) SetHints(words, 0);
  }

  // A resize's descriptor (resize_): the debt epoch it starts (counted
  // without a wrap, 32 bits), whether it grows, and its units.
  static constexpr std::uint64_t kDescGrow = 1ULL << 31U;
  static constexpr std::uint64_t ResizeDescriptor(std::uint32_t epoch,
                                                  std::uint32_t units,
                                                  bool grow) noexcept {
    return (std::uint64_t{epoch} << 32U) | units | (grow ? kDescGrow : 0);
  }
  static constexpr std::uint32_t ResizeEpoch(std::uint64_t desc) noexcept {
    return static_cast<std::uint32_t>(desc >> 32U);
  }
  static constexpr std::uint32_t ResizeUnits(std::uint64_t desc) noexcept {
    return static_cast<std::uint32_t>(desc & ~kDescGrow) &
           static_cast<std::uint32_t>(DebtWordBits::kUnitsMask);
  }
  static constexpr bool IsGrow(std::uint64_t desc) noexcept {
    return (desc & kDescGrow) != 0;
  }
  // capacity_'s value for `capacity`, stored by the owner: the capacity,
  // and the epoch of the last resize published.
  std::uint64_t CapacityWord(std::uint32_t capacity) const noexcept {
    // relaxed: only the owner writes it.
    const std::uint64_t desc = resize_.load(std::memory_order_relaxed);
    return (std::uint64_t{ResizeEpoch(desc)} << 32U) | capacity;
  }
  static constexpr std::uint32_t CapacityEpoch(std::uint64_t c) noexcept {
    return static_cast<std::uint32_t>(c >> 32U);
  }

  // True when the resize of descriptor `desc` has taken effect (or a later
  // one has been published, which it did before): read after whatever the
  // caller read before. While `desc` stands, the debt word's epoch is its
  // epoch or the one before.
  bool ResizeDone(std::uint64_t desc) const noexcept {
    // seq_cst: in the order of the pair's RMWs.
    return ResizeDone(desc, DebtWord().load(std::memory_order_seq_cst));
  }
  // The same, with the debt word `d` read by the caller.
  bool ResizeDone(std::uint64_t desc, std::uint64_t d) const noexcept {
    // seq_cst: after `d`, in the order of the owner's descriptor store.
    return DebtWordBits::EpochOf(d) ==
               ResizeEpoch(desc) % DebtWordBits::kEpochs ||
           resize_.load(std::memory_order_seq_cst) != desc;
  }

  // Makes the last resize published take effect, if it has not: hints
  // every active word for its epoch, then applies its units and steps the
  // epoch in one CAS of the pair (WithDebt() sets the owing bit as the
  // debt word owes). Run by the resizer and by every claim or proof that
  // finds a word hinted for an epoch the debt word has not reached, so
  // nobody waits for a resizer that stopped. A helper that wakes late
  // harms nothing: each step re-reads the descriptor and the epoch after
  // the value it changes, a hint's CAS expects the word as read (the
  // word's version steps with every change, and the resize's hints all
  // land before the pair's CAS), and the pair's CAS expects the epoch
  // before the resize's. Lock-free: a failed CAS means another thread's
  // RMW of the same word succeeded.
  //
  // A shrink never takes effect beside a pending grant: a grant's unit has
  // left the debt word and its session begins only at the commit, so a
  // shrink in between would owe too little (verification/spin/
  // resize_claims.pml, SHRINK_BESIDE_GRANT). Resizes run one at a time, a
  // grow returns only once HelpUnits() found no record, and no grant is
  // decided after that without a new grow: a grant needs units and a
  // caller waiting, and none starts to wait while units are left (a ticket
  // or a place in the list is taken only on a verified flag, which no proof
  // promotes with units left, and a grow's CAS moves the flag's epoch).
  void HelpResize(std::uint32_t words, bool resizer) noexcept {
    // seq_cst: after the hint that sent the caller here.
    const std::uint64_t desc = resize_.load(std::memory_order_seq_cst);
    const std::uint64_t hint = DebtHint(ResizeEpoch(desc));
    if (resizer || Policy::kMutation != Mutation::kHelpSkipsHints) {
      for (std::uint32_t i = 0; i < words; ++i) {
        if (!SetHint(i, hint, [&] { return ResizeDone(desc); })) return;
        if (resizer && i == 0) Policy::AfterShrinkHintsAWord();
      }
    }
    // seq_cst, both: a first guess for the pair's CAS.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    // The flag's epoch steps too (its full state stays when the resize
    // leaves no grow units: a shrink leaves a full pool full, and so does
    // a grow that only cancels debt, since a verified flag saw no free
    // slot), so that the pair never reads the same across a resize: a
    // helper stalled before this CAS across 16 resizes (the debt word's
    // epoch wraps) would otherwise find the pair as it read it, and apply
    // units nobody asked for. A prover whose candidate this moves fails
    // its promote, as when a free clears it.
    for (;;) {
      // The epoch read with the pair, the descriptor after it.
      if (ResizeDone(desc, p.second)) return;
      if (!resizer) Policy::BeforeHelpTakesEffect();
      // seq_cst (the pair's CAS): with the payers' RMWs of the pair; the
      // linearization point of the resize.
      if (full_.value.compare_exchange(p, Resized(p, desc))) return;
    }
  }

  // The pair `p` after the resize of descriptor `desc` took effect.
  static PairValue Resized(const PairValue& p, std::uint64_t desc) noexcept {
    constexpr std::uint64_t kStep =
        Policy::kMutation == Mutation::kHelpKeepsFlagEpoch ? 0 : kEpochOne;
    const std::uint32_t units = ResizeUnits(desc);
    const std::uint64_t d =
        DebtWordBits::Resized(p.second, units, IsGrow(desc));
    std::uint64_t f = p.first + kStep;
    if (DebtWordBits::GrowUnits(d) != 0) {
      // Room that no proof saw: a verified flag no longer holds, and a
      // candidate must fail its promote. With callers waiting, the frees
      // still go to them (kFullUnits keeps the queue), and the units are
      // decided for them before any claim takes one.
      if constexpr (Policy::kMutation != Mutation::kGrowLeavesFullFlag) {
        f = WithState(f, Queued(f) ? kFullUnits : kFullNone);
      }
    } else if ((f & kFullStateMask) == kFullUnits) {
      // A shrink took the last grow units: the callers still wait on a
      // full pool.
      f = WithState(f, kFullVerified);
    }
    return WithDebt(f, d);
  }

  // Sets the hint of the first `words` words to `hint` (one of the values
  // above): Resize() (and a shrink's helpers, through SetHint()).
  void SetHints(std::uint32_t words, std::uint64_t hint) noexcept {
    for (std::uint32_t i = 0; i < words; ++i) {
      SetHint(i, hint, [] { return false; });
    }
  }

  // Sets the hint of word `index` to `hint` by a CAS that also bumps the
  // word's version (frees and claims change the word meanwhile), unless
  // `stop()`, asked after every read of the word that shows another hint,
  // says to leave it: false then.
  template <class Stop>
  bool SetHint(std::uint32_t index, std::uint64_t hint, Stop&& stop) noexcept {
    auto& word = WordAt(index);
    // seq_cst: a first guess for the CAS, before the check.
    std::uint64_t w = word.load(std::memory_order_seq_cst);
    while ((w & kHintMask) != hint) {
      if (stop()) return false;
      // seq_cst: release pairs with the claims' acquire loads (a claimer
      // that sees the hint waits or reads the debt word); a claim CAS that
      // expects the word as it was fails.
      if (word.compare_exchange_weak(w, ((w & ~kHintMask) | hint) + kVersionOne,
                                     std::memory_order_seq_cst)) {
        break;
      }
    }
    return true;
  }

  // A shrink's payments with the free slots of every word, one pass, until
  // no debt is left (as any claim in a hinted word pays). Slots freed
  // behind the pass are paid with by their Ends or the next claims.
  void PayFreeSlots(std::uint32_t words) noexcept {
    for (std::uint32_t i = 0; i < words; ++i) {
      for (;;) {
        // seq_cst: the word first, then the debt word (as a claim).
        const std::uint64_t w = WordAt(i).load(std::memory_order_seq_cst);
        // seq_cst: in the order of the pair's RMWs.
        const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
        if (DebtWordBits::HasRecord(d)) {
          FinishRecord(d);
          continue;
        }
        if (DebtWordBits::Units(d) == 0) return;
        if ((w & kClosedForBegin) != 0 || !PayInWord(i, w)) break;
      }
    }
  }

  // ---- A grow's units (see Resize()). ----

  // Whether flag `f` has callers waiting for a slot: tickets queued or
  // callers listed (its state is then kFullVerified or kFullUnits).
  static bool Queued(std::uint64_t f) noexcept {
    return HasWaiters(f) || (f & kListed) != 0;
  }
  static std::uint64_t WithState(std::uint64_t f,
                                 std::uint64_t state) noexcept {
    return (f & ~kFullStateMask) | state;
  }
  // Flag `f`, after a step that leaves `units` grow units, in the state
  // its queue and the units call for: kFullUnits with callers waiting and
  // units left, kFullVerified with callers waiting alone (every unit went
  // to one of them, so the pool is full again), else kFullNone.
  static std::uint64_t AfterDecide(std::uint64_t f,
                                   std::uint32_t units) noexcept {
    if (!Queued(f)) return WithState(f, kFullNone);
    return WithState(f, units != 0 ? kFullUnits : kFullVerified);
  }

  // Decides the grow units for the callers that wait, oldest first: the
  // head ticket gets a grant record (FinishGrant() delivers it), else the
  // overflow list gets a mail (DecideForList()); a record found pending is
  // finished first. Returns once no record is pending and no unit is left
  // for a waiter: none left, nobody waits, or a gate is set (after a
  // Stop's gate a grant would be gated; the waiters leave on the flag, and
  // the units stay for the pool). Lock-free: a round finishes a record,
  // or makes a CAS of the pair that fails only when another thread's RMW
  // of the pair succeeded. Called by the grower, by a claim that finds
  // units and waiters (TakeUnit()), by a waiter that leaves, and by JetTerm
  // (FinishRecords()); each is counted where JetTerm waits for it.
  void HelpUnits() noexcept {
    for (;;) {
      // seq_cst, both: in the order of the pair's RMWs; a first guess for
      // the CAS below.
      PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
      const std::uint64_t d = p.second;
      if (DebtWordBits::HasRecord(d)) {
        FinishRecord(d);
        continue;
      }
      if (DebtWordBits::GrowUnits(d) == 0 || (p.first & kGates) != 0 ||
          !Queued(p.first)) {
        return;
      }
      if (!HasWaiters(p.first)) {
        DecideForList(p);
        continue;
      }
      const std::uint32_t ticket = HeadOf(p.first);
      const std::uint64_t granted = DebtWordBits::Granted(d, ticket);
      const PairValue next{AfterDecide(WithHead(p.first, ticket + 1),
                                       DebtWordBits::GrowUnits(granted)),
                           granted};
      // seq_cst (the pair's CAS): in the tickets' order (the frees' head
      // CASes) and with the claims' unit CASes; the grant's decision.
      if (full_.value.compare_exchange(p, next)) FinishGrant(granted);
    }
  }

  // Wakes the callers that a grow of `units` would serve, before it takes
  // effect (Resize(), after its descriptor): the first `units` tickets
  // still waiting, and the overflow list's head. A woken waiter that finds
  // the grow published or in force makes it serve the waiters
  // (HelpGrowForWaiters()) before it sleeps again, so a resizer that stops
  // for good after this holds no waiter up: stopped before it, it made no
  // room. A caller that starts to wait after this reads the descriptor
  // before it sleeps.
  void AlertForGrow(std::uint32_t units) noexcept {
    // seq_cst: after the descriptor's store, in the order of the flag's
    // RMWs (a ticket taken after this read reads the descriptor).
    const std::uint64_t f = Flag().load(std::memory_order_seq_cst);
    if (HasWaiters(f)) waiters_.AlertFirst(HeadOf(f), TailOf(f), units);
    if ((f & kListed) != 0) overflow_.WakeHead();
  }

  // For a waiter about to sleep: a grow published and not yet in force is
  // made to take effect (HelpResize()), and the units and records left for
  // the waiters are decided and finished (HelpUnits()). True when it found
  // either: the caller looks at its cell again. `any_record` false (a
  // waiter that returns, InstanceCore::WaitForSlot()): a payment's record
  // alone concerns no waiter, and is left to its payer and the claims.
  bool HelpGrowForWaiters(bool any_record = true) noexcept {
    // seq_cst: after the caller's cell read, with the descriptor's store.
    const std::uint64_t desc = resize_.load(std::memory_order_seq_cst);
    // seq_cst, both: in the order of the pair's RMWs.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    bool acted = false;
    if (IsGrow(desc) && !ResizeDone(desc, p.second)) {
      // relaxed: see the field.
      HelpResize(active_words_.load(std::memory_order_relaxed),
                 /*resizer=*/false);
      // seq_cst, both: as above.
      p = full_.value.load_halves(std::memory_order_seq_cst);
      acted = true;
    }
    // HelpUnits()'s own work: a record, or units for callers queued.
    const bool record = DebtWordBits::HasRecord(p.second) &&
                        (any_record || DebtWordBits::KindOf(p.second) ==
                                           DebtWordBits::Kind::kGrant);
    if (record || (UnitsForWaiters(p) && Queued(p.first))) {
      HelpUnits();
      acted = true;
    }
    return acted;
  }

  // Finishes the grant recorded in debt word `d` (kind kGrant): a grow
  // unit decided for the waiter of the record's ticket. Marks a reserved
  // slot kMarkGrant with the record's seq, or finds one marked so
  // (MarkForGrant()), commits it to the ticket's cell
  // (WaitQueue::CommitGrant()), opens the committed slot for the waiter (a
  // CAS from the mark), publishes the cell, and ends the record (a CAS of
  // the pair that expects it). A cell found cancelled (its waiter left on
  // a read of the pair made before the decision) drops the record and
  // gives its unit back. Anyone may do any step: each is a CAS that
  // expects the value the step before left, tagged with the record's seq
  // or the ticket's lap, so a finisher that wakes late changes nothing.
  // The waiter's grant takes effect at the commit. A mark is never undone:
  // one that no commit took dies with its record (the debt word's record
  // no longer has its tag), and then counts as reserved (IsConvertible()).
  void FinishGrant(std::uint64_t d) noexcept {
    const std::uint32_t ticket = DebtWordBits::SlotOf(d);
    const std::uint32_t seq = DebtWordBits::SeqOf(d);
    bool woke = false;  // this call published the grant and woke its waiter
    for (;;) {
      // seq_cst: after the record's read (a cell still ready here was not
      // cancelled before the record was read).
      const std::uint32_t cell = waiters_.Peek(ticket);
      const auto outcome = waiters_.GrantStateOf(ticket, cell);
      if (outcome == WaitQueue::Grant::kOpen) {
        // Not committed: commit a slot (or find the cell cancelled).
        std::uint32_t slot = 0;
        if (!MarkForGrant(d, &slot)) return;  // the record ended
        // A commit that fails leaves the mark: it dies with the record.
        waiters_.CommitGrant(ticket, slot);
        continue;
      }
      if (outcome == WaitQueue::Grant::kCancelled) {
        // seq_cst, both: a first guess for the CAS.
        PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
        while (IsRecord(p.second, d)) {
          const std::uint64_t back = DebtWordBits::GrantDropped(p.second);
          // seq_cst (the pair's CAS): the unit back, the queue as it is.
          if (full_.value.compare_exchange(
                  p,
                  PairValue{AfterDecide(p.first, DebtWordBits::GrowUnits(back)),
                            back})) {
            // Only the CAS that dropped the record readies the cell (a
            // later finisher must not find it ready for the ticket).
            waiters_.SkipIfCancelled(ticket);
            return;
          }
        }
        return;
      }
      if (outcome == WaitQueue::Grant::kCommitted) {
        OpenGrant(WaitQueue::SlotOf(cell), seq);
        woke = waiters_.PublishGrant(ticket, cell) || woke;
        continue;
      }
      // Published (or taken, or the cell gone on to a later lap): end it.
      // A grant that another finisher published, and its waiter has not
      // taken yet, is woken first: that finisher may have stopped between
      // its publication and its wake, and the waiter may sleep since
      // before the commit (verification/spin/grow_wakeup.pml).
      if (!woke && Policy::kMutation != Mutation::kOnlyPublisherWakes) {
        waiters_.WakePublished(ticket, cell);
      }
      EndRecord(d);
      return;
    }
  }

  // Whether debt word `d` still holds the record of `record` (the same
  // kind, slot or ticket, and seq).
  static bool IsRecord(std::uint64_t d, std::uint64_t record) noexcept {
    return (d & DebtWordBits::kRecordMask) ==
               (record & DebtWordBits::kRecordMask) &&
           DebtWordBits::SeqOf(d) == DebtWordBits::SeqOf(record);
  }
  // Clears the record of `record`, if it is still there.
  void EndRecord(std::uint64_t record) noexcept {
    // seq_cst: a first guess for the CAS.
    std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
    while (IsRecord(d, record)) {
      // seq_cst: with the other RMWs of the pair.
      if (full_.value.compare_exchange_second(d, DebtWordBits::Cleared(d))) {
        return;
      }
    }
  }

  // Whether the word bit of `slot` is set now.
  bool HasBit(std::uint32_t slot) const noexcept {
    // seq_cst: in the order of the words' RMWs, after the control word's
    // read (MarkForGrant()).
    return (WordAt(slot / kSlotsPerWord).load(std::memory_order_seq_cst) &
            (1ULL << (slot % kSlotsPerWord))) != 0;
  }

  // A reserved slot marked for the grant of seq `seq`: kMarkGrant, busy,
  // tagged with the seq; not open, so nobody takes it for a session.
  static constexpr bool IsGrantMark(std::uint64_t control) noexcept {
    return (control & kMarkMask) == kMarkGrant;
  }
  // A marked control word's reserved form: the mark and tag gone, busy.
  static constexpr std::uint64_t Unmarked(std::uint64_t control) noexcept {
    return (control & ~(kMarkMask | kTagMask)) | kBusy;
  }
  // Whether `control` may be taken for a grow unit: reserved, or marked for
  // a grant whose record has ended (a dead mark: its maker's commit failed,
  // or it woke after the record ended). `d` is the debt word read after it.
  static bool IsConvertible(std::uint64_t control, std::uint64_t d) noexcept {
    if (IsReserved(control)) return true;
    return IsGrantMark(control) &&
           !(DebtWordBits::KindOf(d) == DebtWordBits::Kind::kGrant &&
             DebtWordBits::SeqOf(d) == TagOf(control));
  }

  // For the grant recorded in debt word `record`: finds a slot marked for
  // it already (another finisher's), or marks a reserved one for it
  // (a dead mark counts as reserved); true with *slot. False when the
  // record has ended. Lock-free: with no slot found, the units left are
  // fewer than the reserved slots that pending records hold, so the
  // record is finished (it is the one), or a CAS failed because another
  // thread's succeeded.
  bool MarkForGrant(std::uint64_t record, std::uint32_t* slot) noexcept {
    const std::uint32_t seq = DebtWordBits::SeqOf(record);
    // relaxed: written by Reset() only.
    const std::uint32_t ceiling = ceiling_.load(std::memory_order_relaxed);
    for (;;) {
      for (std::uint32_t j = 0; j < ceiling; ++j) {
        auto& control = SlotRef(j).control;
        // seq_cst: with the pair's RMWs (a mark's liveness is read after
        // it).
        std::uint64_t c = control.load(std::memory_order_seq_cst);
        for (;;) {
          // seq_cst: after the control word.
          const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
          if (!IsRecord(d, record)) return false;
          if (IsGrantMark(c) && TagOf(c) == seq) {
            *slot = j;  // marked for this grant: commit it
            return true;
          }
          if (!IsConvertible(c, d)) break;
          if (IsReserved(c) && !HasBit(j) &&
              Policy::kMutation != Mutation::kGrantSkipsBit) {
            // A payer left the bit free (it has yet to set it, or its word
            // is closed): set and counted first, so that the grant's slot
            // holds its bit before any finisher can publish it.
            SetReservedBit(j, /*even_closed=*/true);
            // seq_cst: as the first read.
            c = control.load(std::memory_order_seq_cst);
            continue;
          }
          if (!IsMarked(c) && (c & kTagMask) != 0) {
            // A generation with a high part: moved out first.
            if (!MoveHighPart(control, &c)) continue;
          }
          const std::uint64_t mark = (Unmarked(c) & ~kMarkMask) | kMarkGrant |
                                     (std::uint64_t{seq} << kTagShift);
          // seq_cst: before the commit (a helper that reads the cell reads
          // this mark after it).
          if (control.compare_exchange_strong(c, mark,
                                              std::memory_order_seq_cst)) {
            *slot = j;
            return true;
          }
        }
      }
    }
  }

  // Opens `slot`, committed to a waiter and marked for the grant of seq
  // `seq`, for that waiter: a CAS from the mark. Its bit is set (the mark
  // was made on a slot with its bit: MarkForGrant()), so the thread whose
  // CAS succeeds only takes the slot out of the reserved count, as one
  // change in two steps for the count. Another finisher may publish the
  // session, and its End free the bit, as soon as the CAS is made: the
  // opener touches no bit after it.
  void OpenGrant(std::uint32_t slot, std::uint32_t seq) noexcept {
    auto& control = SlotRef(slot).control;
    // acquire: pairs with the mark's CAS.
    std::uint64_t c = control.load(std::memory_order_acquire);
    if (!IsGrantMark(c) || TagOf(c) != seq) return;  // opened already
    BeginSplit();
    // release: pairs with the waiter's acquire of the control word (through
    // the cell's publication, which follows).
    if (control.compare_exchange_strong(
            c, (c & ~(kMarkMask | kTagMask | kBusy)) | kOpen,
            std::memory_order_release, std::memory_order_relaxed)) {
      Policy::AfterGrantOpens();
      // release: pairs with CountClaimed()'s acquire load.
      reserved_.fetch_sub(1, std::memory_order_release);
    }
    EndSplit();
  }

  // A reserved slot just made a session's by its converter, which hands
  // the session out only after this: its bit is set if a payer left it
  // free (a reserved slot is counted exactly when its bit is set), else it
  // leaves the reserved count, as one change in two steps for the count.
  void Unreserve(std::uint32_t slot) noexcept {
    BeginSplit();
    if (Policy::kMutation == Mutation::kUnreserveKeepsBit ||
        !SetFreeBit(WordAt(slot / kSlotsPerWord),
                    1ULL << (slot % kSlotsPerWord))) {
      // release: pairs with CountClaimed()'s acquire load.
      reserved_.fetch_sub(1, std::memory_order_release);
    }
    EndSplit();
  }

  // A grow unit for the overflow list (pair `p`: units left, no ticket, a
  // caller owed a grant): one CAS of the pair takes the unit, counts one
  // caller fewer owed and sets kMailed, as a free's mail does
  // (MailToHead()); then a reserved slot is opened for the list and
  // pushed to the mailbox. The listed callers wait for the push as for an
  // End's.
  void DecideForList(PairValue p) noexcept {
    const std::uint64_t d = DebtWordBits::UnitTaken(p.second);
    PairValue next = OneFewerOwed(PairValue{p.first | kMailed, d});
    next.first = AfterDecide(next.first, DebtWordBits::GrowUnits(d));
    // seq_cst (the pair's CAS): with MailToHead()'s and the list's.
    if (!full_.value.compare_exchange(p, next)) return;
    const std::uint32_t slot = ConvertReserved(kOpen);
    PushMail(slot, /*gated=*/false);
    overflow_.WakeHead();
  }

  // Makes a reserved slot a session's (control word `open`: kOpen) and
  // returns it: for a grow unit already taken, so one is there (the units
  // never exceed the reserved slots; a slot marked for a live grant or
  // paid by a pending record is finished first).
  std::uint32_t ConvertReserved(std::uint64_t open) noexcept {
    // relaxed: written by Reset() only.
    const std::uint32_t ceiling = ceiling_.load(std::memory_order_relaxed);
    for (;;) {
      for (std::uint32_t j = 0; j < ceiling; ++j) {
        auto& control = SlotRef(j).control;
        // seq_cst: as MarkForGrant().
        std::uint64_t c = control.load(std::memory_order_seq_cst);
        // seq_cst: after the control word.
        while (IsConvertible(c, DebtWord().load(std::memory_order_seq_cst))) {
          // A dead mark's tag holds no generation bits (MarkForGrant()
          // moved them out); a reserved word keeps its high part.
          const std::uint64_t opened =
              (c & ~(kMarkMask | kBusy | (IsMarked(c) ? kTagMask : 0))) | open;
          // release: pairs with the acquire loads of the session's calls
          // (through the Begin's return or the mailbox's push).
          if (control.compare_exchange_strong(c, opened,
                                              std::memory_order_release,
                                              std::memory_order_relaxed)) {
            Unreserve(j);
            return j;
          }
        }
      }
      // Every reserved slot is marked for a live grant or paid by a pending
      // record: finish it, then look again.
      // seq_cst: in the order of the pair's RMWs.
      const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
      if (DebtWordBits::HasRecord(d)) FinishRecord(d);
    }
  }

  // What TakeUnit() did.
  enum class Unit {
    kNone,    // no grow unit for a claim: the proof decides
    kTaken,   // *result is the caller's session, on a slot a unit opened
    kHelped,  // a record or the waiters' units were dealt with: again
  };

  // For a claim that found no free slot: takes a grow unit when one is
  // left, no caller waits and no record is pending, by a CAS of the pair
  // (the Begin's linearization point), then makes a reserved slot the
  // session's (ConvertReserved()). A pending record is finished and the
  // units are decided for the waiters first (HelpUnits()). Counted in
  // clearing_, and only while word 0 is open for Begin (JetTerm waits for
  // the count; a claim of a closed pool answers from its words).
  template <class Revalidate>
  Unit TakeUnit(Revalidate& still_current, ClaimResult* result) noexcept {
    // seq_cst: a look before the count, in the order of the pair's RMWs.
    const std::uint64_t look = DebtWord().load(std::memory_order_seq_cst);
    if (DebtWordBits::GrowUnits(look) == 0 &&
        DebtWordBits::KindOf(look) != DebtWordBits::Kind::kGrant) {
      return Unit::kNone;
    }
    Unit unit = Unit::kNone;
    AsCountedPayer(0, [&] {
      // seq_cst, both: a first guess for the CAS.
      PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
      for (;;) {
        const std::uint64_t d = p.second;
        if (DebtWordBits::KindOf(d) == DebtWordBits::Kind::kGrant ||
            (DebtWordBits::GrowUnits(d) != 0 && Queued(p.first) &&
             Policy::kMutation != Mutation::kTakePastWaiters)) {
          HelpUnits();
          unit = Unit::kHelped;
          return;
        }
        if (DebtWordBits::GrowUnits(d) == 0 || (p.first & kGates) != 0) {
          return;
        }
        if (DebtWordBits::HasRecord(d)) {
          FinishRecord(d);
          unit = Unit::kHelped;
          return;
        }
        // The pair read after the incarnation's check stands for it: a
        // Reset() since rewrote both words, and the CAS fails.
        if (!still_current()) {
          *result = {ClaimStatus::kStale, 0, 0};
          unit = Unit::kTaken;
          return;
        }
        // The flag keeps its state, unless it says kFullUnits with nobody
        // waiting any more (the frees served the queue): then none.
        const std::uint64_t taken = DebtWordBits::UnitTaken(d);
        const std::uint64_t f =
            (p.first & kFullStateMask) == kFullUnits
                ? AfterDecide(p.first, DebtWordBits::GrowUnits(taken))
                : p.first;
        // seq_cst (the pair's CAS): with the grow's, the decisions' and
        // the gates' CASes; the Begin's linearization point.
        if (full_.value.compare_exchange(p, PairValue{f, taken})) break;
      }
      const std::uint32_t slot = ConvertReserved(kOpen);
      // acquire: the word it opened.
      const std::uint64_t c =
          SlotRef(slot).control.load(std::memory_order_acquire);
      *result = {ClaimStatus::kClaimed, slot,
                 static_cast<std::uint32_t>(c >> kGenShift) & kHandleGenMask};
      unit = Unit::kTaken;
    });
    return unit;
  }

  // Finishes every record pending (JetTerm, before it force-ends the
  // sessions: a grant marks a slot busy until its record ends).
  void FinishRecords() noexcept {
    for (;;) {
      // seq_cst: in the order of the pair's RMWs.
      const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
      if (!DebtWordBits::HasRecord(d)) return;
      FinishRecord(d);
    }
  }

  // Test builds only (a policy with kTestAccess): gives free `slot` the
  // generation `gen` (below 2^58), so that a test can reach the
  // generations that take a high part (2^42 and more).
  void SetGenerationForTest(std::uint32_t slot, std::uint64_t gen) noexcept
      requires HasTestAccess<Policy> {
    // relaxed: the test's thread alone runs on the pool.
    SlotRef(slot).control.store(gen << kGenShift, std::memory_order_relaxed);
  }

  // Debt owed now (the units a shrink could not reserve yet).
  std::uint32_t Debt() const noexcept {
    // relaxed: a figure for reports.
    return UnitsOf(DebtWord().load(std::memory_order_relaxed));
  }
  // Grow units left now (room a grow added that no caller has yet).
  std::uint32_t GrowUnitsLeft() const noexcept {
    // relaxed: a figure for reports.
    return DebtWordBits::GrowUnits(DebtWord().load(std::memory_order_relaxed));
  }
  // Slots counted as reserved now (out of use: bits set, no session).
  std::uint32_t Reserved() const noexcept {
    // relaxed: a figure for reports.
    return reserved_.load(std::memory_order_relaxed);
  }
  // Whether a grow's grant to a waiter is decided and not yet finished.
  bool GrantPending() const noexcept {
    // seq_cst: in the order of the pair's RMWs (a test's schedule reads it).
    return DebtWordBits::KindOf(DebtWord().load(std::memory_order_seq_cst)) ==
           DebtWordBits::Kind::kGrant;
  }

  // Takes the bit of `slot` back after this thread freed it: false when a
  // claim took it meanwhile (only across a wrap of the word's version, as
  // claims pass over a pending slot).
  bool ReclaimBit(std::uint32_t slot) noexcept {
    auto& word = WordAt(slot / kSlotsPerWord);
    const std::uint64_t bit = 1ULL << (slot % kSlotsPerWord);
    // relaxed: a first guess for the CAS.
    std::uint64_t w = word.load(std::memory_order_relaxed);
    while ((w & bit) == 0) {
      // acq_rel: as a claim's CAS.
      if (word.compare_exchange_weak(w, w | bit, std::memory_order_acq_rel,
                                     std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // With the bit of `slot` held and its session ended (`ended`, a closed
  // control word): delivers it to the oldest waiter and opens it for that
  // waiter. True when a waiter got it; false when none is left: the bit is
  // freed again with the slot pending (its control word open, as during an
  // End), so that no claim takes it and no proof counts it free until the
  // caller has dealt with the flag, which may still say verified, and
  // stored `ended`. The control word changes only after a delivery has
  // committed the slot to a waiter (Deliver(), which the waiter can no
  // longer cancel), or, when it is closed, to make the slot pending: an
  // End's handle stays valid while the End passes over tickets whose
  // waiters left, or that leave as they are served, and until its own last
  // store. So no call sees its session ended while the slot is neither free
  // nor a waiter's (a Begin then answers full, the slot being still the
  // End's), and a waiter that times out as it is served either has the
  // slot or left before the End's handle went stale.
  bool HandOver(std::uint32_t slot, std::uint64_t ended, FreedBy by) noexcept {
    auto& flag = Flag();
    auto& control_word = SlotRef(slot).control;
    // seq_cst: with Enqueue()'s CAS.
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    for (;;) {
      if (!HasWaiters(f) && (f & kListed) != 0 &&
          Policy::kMutation != Mutation::kEndIgnoresList) {
        if (MailToHead(slot, ended, by, &f)) return true;
        continue;
      }
      if (!HasWaiters(f)) {
        // relaxed: the control word is this thread's while it holds the
        // bit; open already (the End's pending window, or a delivery whose
        // waiter left), or reserved (a grow releases it while claims are
        // held off), it stays as it is.
        if ((control_word.load(std::memory_order_relaxed) & (kOpen | kBusy)) ==
            0) {
          // relaxed: no handle names this generation; the fetch_add that
          // follows publishes it.
          control_word.store(ended | kOpen, std::memory_order_relaxed);
        }
        FreeWordBit(slot);
        return false;
      }
      // A grow's grant decided for an older ticket and not yet delivered
      // (its finisher may have stopped): delivered first, so that no
      // later ticket is served before it is.
      if (Policy::kMutation != Mutation::kEndSkipsGrant && GrantPending()) {
        FinishRecords();
        f = flag.load(std::memory_order_seq_cst);
        continue;
      }
      const std::uint32_t ticket = HeadOf(f);
      // seq_cst: the tickets' order.
      if (!FlagCas(f, WithHead(f, ticket + 1))) {
        continue;
      }
      // A waiter that left before its ticket came: passed over, the slot
      // untouched.
      if (waiters_.SkipIfCancelled(ticket)) {
        f = flag.load(std::memory_order_seq_cst);
        continue;
      }
      if constexpr (Policy::kMutation == Mutation::kOpenBeforeDeliver) {
        // relaxed: the mutant's early store (the End's handle goes stale
        // before the waiter is committed), published by Publish() below.
        control_word.store(ended | kOpen, std::memory_order_relaxed);
        Policy::Yield();  // widen the window before the commit
      }
      if (!waiters_.Deliver(ticket, slot)) {
        // The waiter left as it was served: the control word is untouched
        // (the End's handle still valid), and the slot goes to the next
        // ticket.
        f = flag.load(std::memory_order_seq_cst);
        continue;
      }
      // The grant is decided at the head CAS, in the tickets' order: it is
      // gated (ordered after a Stop, Unavailable or Term, whose waiter then
      // ends the session again and answers the flag's error) when the value
      // that CAS replaced carries a gate that applies to this free
      // (IsGated()), else ordered before the flag. So a later ticket's
      // grant is never made before the gate while an earlier one's is made
      // after it, however the two frees' commits interleave.
      const bool gated = Policy::kMutation == Mutation::kGateAfterCommit
                             ? IsGated(LoadFlagAfterFree(), by)
                             : IsGated(f, by);
      // The slot is the waiter's now (it can no longer cancel): the End's
      // handle goes stale at this store, which opens the next generation
      // for the waiter, who takes it once it is published. relaxed: the
      // control word is this thread's until Publish(), whose release store
      // the waiter acquires.
      control_word.store(ended | kOpen, std::memory_order_relaxed);
      waiters_.Publish(ticket, slot, gated);
      return true;
    }
  }

  // Frees the bit of `slot`, claimed by this thread and then found pending
  // (OpenClaimed()) or of an incarnation that is not the caller's (the
  // re-check after the CAS): as Free() without the control store, which is
  // not the claimer's to make. A free like any other, so it clears the full
  // flag (a prover may have counted the bit set while it was ours).
  [[gnu::noinline, gnu::cold]] void GiveBack(std::uint32_t slot) noexcept {
    FreeBit(slot);
  }

  // GiveBack() of `slot`, whose control word is `control`, in the pool that
  // holds it (SlotRef() undone).
  [[gnu::noinline, gnu::cold]] static void GiveBackAt(
      Atomic<std::uint64_t>& control, std::size_t slot) noexcept {
    static_assert(offsetof(Slot, control) == 0);
    char* const slot_base = reinterpret_cast<char*>(&control);
    auto* const pool = std::launder(reinterpret_cast<SlotPool*>(
        slot_base - sizeof(SlotPool) - slot * sizeof(Slot)));
    pool->FreeBit(static_cast<std::uint32_t>(slot));
  }

  // What Enqueue() did.
  enum class Enqueued {
    kQueued,    // *ticket is the caller's place in the queue
    kNotFull,   // the flag is not verified: claim again
    kNoRoom,    // *ticket's cell is still in use by an older ticket (a
                // live waiter, or a grant that cannot be parked): wait in
                // the overflow list (Join()), not on the cell
    kNoMemory,  // the cells could not be allocated
    kListed,    // callers wait in the overflow list: join it (Join())
  };

  // Queues the calling thread for the next freed slot. Only on a verified
  // flag, in the same CAS that takes the ticket, so that a waiter is queued
  // only while the pool is full and every free after that sees the ticket
  // (a free reads the flag after its fetch_add: the Dekker pair with this
  // CAS, so no free is missed and no slot stays free while a ticket is
  // waiting). seq_cst, as ProveFull().
  Enqueued Enqueue(std::uint32_t* ticket) noexcept {
    auto& flag = Flag();
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    for (;;) {
      if ((f & kFullStateMask) != kFullVerified) return Enqueued::kNotFull;
      // Callers wait in the overflow list: this one joins it, behind them.
      if ((f & kListed) != 0 &&
          Policy::kMutation != Mutation::kNewcomerIgnoresList) {
        return Enqueued::kListed;
      }
      // The cells are allocated once, by the first caller that queues.
      if (waiters_.Ensure() == nullptr) return Enqueued::kNoMemory;
      *ticket = TailOf(f);
      if (!waiters_.IsReadyFor(*ticket)) {
        // The cell may hold the ticket itself, taken (and delivered to)
        // since `f` was read: only a tail that still reads the same proves
        // that an older ticket holds the cell. Then ticket `tail` was not
        // yet taken when the cell was read (the tail only grows), so the
        // cell is not ready for it. seq_cst: as above; after the cell's
        // acquire load.
        const std::uint64_t again = flag.load(std::memory_order_seq_cst);
        if (TailOf(again) != *ticket) {
          f = again;
          continue;
        }
        // The older ticket's grant may only wait for its waiter to run:
        // moved aside, it frees the cell for this ticket.
        if (waiters_.TakeOver(*ticket)) {
          f = again;
          continue;
        }
        return Enqueued::kNoRoom;
      }
      if (FlagCas(f, WithTail(f, *ticket + 1))) {
        return Enqueued::kQueued;
      }
    }
  }

  // Called by a waiter that cancelled its ticket: passes over the tickets
  // at the head of the queue whose waiters left, as a free does
  // (HandOver()), up to the first whose waiter is still there. Without it,
  // the tickets that waiters leave while no End comes would stay in the
  // ring until one does, and fill it. A ticket whose cell reads cancelled
  // stays so until its taker readies it, so the head CAS that follows
  // takes a ticket whose waiter left (or fails: a free or another waiter
  // took it). Of two waiters that cancel and then look at each other's
  // cell, one sees the other's cancel (seq_cst both sides, see
  // WaitQueue::Cancel()), so no left ticket stays at the head once every
  // waiter before it has left.
  void PassOverLeftTickets() noexcept {
    auto& flag = Flag();
    // seq_cst: the tickets' order (as HandOver()).
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    while (HasWaiters(f)) {
      const std::uint32_t ticket = HeadOf(f);
      if (Policy::kMutation != Mutation::kPassOverLiveTicket &&
          !waiters_.IsCancelled(ticket)) {
        return;
      }
      // seq_cst: as HandOver()'s.
      if (!FlagCas(f, WithHead(f, ticket + 1))) {
        continue;
      }
      if constexpr (Policy::kMutation == Mutation::kPassOverLiveTicket) {
        // The mutant drops a live waiter's ticket too.
        if (!waiters_.SkipIfCancelled(ticket)) waiters_.Skip(ticket);
      } else {
        waiters_.SkipIfCancelled(ticket);  // cancelled, as checked above
      }
      // seq_cst: as above.
      f = flag.load(std::memory_order_seq_cst);
    }
  }

  // ---- Past the ring's limit: the overflow list and the mailbox. ----
  //
  // A caller that finds the next ticket's cell held (or no cells) joins the
  // overflow list, under its lock (Join(), which counts it owed and sets
  // kListed, with the flag verified). The debt word counts the callers of
  // the list owed a grant (none decided for them yet), and kListed says
  // that they are not 0. While kListed is set every newcomer joins the list
  // too (Enqueue() answers kListed), and only its head takes a ticket
  // (EnqueueHead()). A free that finds the flag verified, no ticket
  // outstanding and kListed set may not free its slot (a newcomer's claim
  // would jump the list): it mails it to the list (MailToHead()), and its
  // CAS counts one caller fewer owed. The grants go to the callers in the
  // order of the list, so the first ones listed are those with a grant
  // decided, and the others are owed: a free never mails more grants than
  // the list has callers, and one that finds every caller served frees its
  // slot. Begin, Dup and End never take the lock.

  OverflowList& overflow() noexcept ABSL_LOCK_RETURNED(overflow_) {
    return overflow_;
  }

  // The most callers the list counts owed a grant: the debt word's field
  // holds kOwedMax, unless the policy names fewer (Policy::kOwedMax: the
  // white-box tests fill it with a few callers).
  static constexpr std::uint32_t kOwedMax = [] {
    if constexpr (requires { Policy::kOwedMax; }) {
      static_assert(Policy::kOwedMax <= DebtWordBits::kOwedMax);
      return Policy::kOwedMax;
    } else {
      return DebtWordBits::kOwedMax;
    }
  }();

  enum class Joined {
    kListed,   // `node` is in the list
    kNotFull,  // the flag is not verified: claim again
    kRoom,     // the next ticket's cell is ready: Enqueue() again
    kCrowded,  // kOwedMax callers are owed a grant: wait, then again
  };

  // Under the list's lock: appends `node`, counted owed and kListed set,
  // when the flag is verified and the next ticket has no cell ready (or
  // kListed is set). The CAS fails if the tail moved since the flag read,
  // and so since the cell read: a tail unchanged around that read proves
  // that an older ticket holds the cell (as in Enqueue()).
  Joined Join(typename OverflowList::Node* node) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // seq_cst: as Enqueue() (the Dekker pair with the frees); a first
    // guess for the CAS of the pair, which is the read.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      const std::uint64_t f = p.first;
      if ((f & kFullStateMask) != kFullVerified) return Joined::kNotFull;
      if ((f & kListed) == 0 && HasRoom(TailOf(f))) return Joined::kRoom;
      if (DebtWordBits::OwedOf(p.second) >= kOwedMax) return Joined::kCrowded;
      // seq_cst (the pair's CAS): as above.
      if (full_.value.compare_exchange(
              p, PairValue{f | kListed, p.second + DebtWordBits::kOwedOne})) {
        overflow_.Append(node);
        return Joined::kListed;
      }
    }
  }

  // Under the list's lock, by the list's head `node`: takes the next ticket
  // into *ticket, and leaves the list in the same CAS, one caller fewer
  // owed (kListed cleared with the last). kNoRoom: the cell is still held,
  // or a grant is on its way to the head (kMailed); kNoMemory: no cells.
  // With kMailed clear no grant is decided for the list, so the head is
  // owed, and so is every caller behind it. While kListed is set only the
  // list's head takes tickets, and the flag stays verified (no free clears
  // it while kListed is set).
  Enqueued EnqueueHead(typename OverflowList::Node* node,
                       std::uint32_t* ticket) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // seq_cst: as Enqueue(); a first guess for the CAS of the pair.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      const std::uint64_t f = p.first;
      if ((f & kMailed) != 0) return Enqueued::kNoRoom;
      if (waiters_.Ensure() == nullptr) return Enqueued::kNoMemory;
      *ticket = TailOf(f);
      if (!HasRoom(*ticket)) return Enqueued::kNoRoom;
      const std::uint32_t owed = DebtWordBits::OwedOf(p.second);
      if (owed == 0) return Enqueued::kNoRoom;  // a grant is decided for it
      // seq_cst (the pair's CAS): as Enqueue().
      if (full_.value.compare_exchange(
              p, OneFewerOwed(PairValue{WithTail(f, *ticket + 1), p.second}))) {
        overflow_.Remove(node);
        return Enqueued::kQueued;
      }
    }
  }

  // Under the list's lock, by the caller of `node` that leaves the list
  // with no grant (TakeMail() found none owed to it): counts it no longer
  // owed, in one CAS of the pair that finds no more grants decided for the
  // list (the callers of the list less those owed) than callers ahead of
  // it, the leaver's linearization point. False: a grant was decided for
  // it since (take it, TakeMail()).
  bool LeaveUnowed(const typename OverflowList::Node* node,
                   bool flagged) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // seq_cst: a first guess for the CAS of the pair, which is the read.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      if (DebtWordBits::OwedOf(p.second) == 0 ||
          !overflow_.HasAhead(node, DecidedIn(p)) || UnitsForWaiters(p) ||
          (!flagged && (p.first & kGates) != 0)) {
        return false;
      }
      // seq_cst: with the frees' CAS in MailToHead().
      if (full_.value.compare_exchange(p, OneFewerOwed(p))) return true;
    }
  }

  // Whether pair `p` holds room on its way to the callers that wait: grow
  // units that the waiters get before anyone else (no gate set: after
  // one, the units stay for the pool and the waiters leave on the flag),
  // or a grant record not yet finished (its unit goes to its ticket or
  // back). A waiter that leaves helps them (HelpUnits()) before it
  // answers OutOfSessions.
  static bool UnitsForWaiters(const PairValue& p) noexcept {
    return DebtWordBits::KindOf(p.second) == DebtWordBits::Kind::kGrant ||
           (DebtWordBits::GrowUnits(p.second) != 0 && (p.first & kGates) == 0);
  }
  // The pair at one instant (a 16-byte compare-exchange: a slow path's).
  PairValue PairNow() const noexcept { return full_.value.load(); }

  // For the waiter of `ticket`, whose cell is committed and not yet
  // published: finishes the grow's grant recorded for it, if that is what
  // committed it, and returns true; false when the commit is an End's.
  bool HelpGrantTo(std::uint32_t ticket) noexcept {
    // seq_cst: in the order of the pair's RMWs (a grant's record ends only
    // after its publication).
    const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
    if (DebtWordBits::KindOf(d) != DebtWordBits::Kind::kGrant ||
        DebtWordBits::SlotOf(d) != ticket) {
      return false;
    }
    FinishGrant(d);
    return true;
  }

  // Whether `ticket`'s cell is ready for it (moving aside a published grant
  // of the lap before, if that is all that holds it).
  bool HasRoom(std::uint32_t ticket) noexcept {
    return waiters_.Ensure() != nullptr &&
           (waiters_.IsReadyFor(ticket) || waiters_.TakeOver(ticket));
  }

  // A free (HandOver()) that found no ticket outstanding and a caller of
  // the list owed a grant (*f, kListed): its slot, whose bit it holds, goes
  // to the list through the mailbox. The free marks the flag (kMailed) and
  // counts one caller fewer owed (kListed cleared with the last) with a CAS
  // of the pair that needs one owed and no ticket: from that CAS on the
  // head takes no ticket until it has a grant, so no later ticket is served
  // before the head. The grant is decided at that CAS, for the first caller
  // owed, gated as a hand-off's (IsGated() of the value it replaced). Then
  // the slot is opened for it (the End's handle goes stale), pushed, and
  // the callers sleeping on the head word woken (a caller owed this grant
  // may wait for the push, TakeMail()). False (*f the flag as read last):
  // nobody is owed a grant any more, or a ticket was taken meanwhile.
  bool MailToHead(std::uint32_t slot, std::uint64_t ended, FreedBy by,
                  std::uint64_t* f) noexcept {
    // seq_cst: a first guess for the CAS of the pair, which is the read.
    PairValue p{*f, DebtWord().load(std::memory_order_seq_cst)};
    for (;;) {
      const std::uint64_t seen = p.first;
      if ((seen & kListed) == 0 || HasWaiters(seen) ||
          (seen & kFullStateMask) < kFullVerified) {
        *f = seen;
        return false;
      }
      // kListed says that the count is not 0 (every CAS keeps them so); the
      // mutant mails without counting (kListed then stays until the list
      // closes, a grant per free, owed or not).
      PairValue next{seen | kMailed, p.second};
      if constexpr (Policy::kMutation == Mutation::kMailPastCallers) {
        if (DebtWordBits::OwedOf(p.second) != 0) {
          next.second -= DebtWordBits::kOwedOne;
        }
      } else {
        next = OneFewerOwed(next);
      }
      // seq_cst (the pair's CAS): with the ticket CASes, Join(),
      // LeaveUnowed(), SettleMailed() and GrantsDecided().
      if (full_.value.compare_exchange(p, next)) break;
    }
    const bool gated = IsGated(p.first, by);
    // relaxed: the control word is this thread's until the push, whose
    // release CAS PopMail() acquires.
    SlotRef(slot).control.store(ended | kOpen, std::memory_order_relaxed);
    Policy::AfterMailDecided();
    PushMail(slot, gated);
    overflow_.WakeHead();
    return true;
  }

  // Under the list's lock: takes a grant from the mailbox (its slot, and
  // whether it is gated). False: the mailbox is empty. One taker at a time
  // (the lock), so a pop's CAS never meets its own slot pushed again.
  bool PopMail(std::uint32_t* slot, bool* gated) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // acquire: pairs with PushMail()'s release CAS (the link, and the
    // control word opened before it).
    std::uint32_t top = mail_.load(std::memory_order_acquire);
    while (top != 0) {
      const std::uint32_t s = (top & ~kMailGated) - 1U;
      auto& link = SlotRef(s).context_thread;
      // relaxed: written before the push that the load above acquired.
      const auto next =
          static_cast<std::uint32_t>(link.load(std::memory_order_relaxed));
      // acquire: as above (a failure reads a newer push).
      if (mail_.compare_exchange_weak(top, next, std::memory_order_acquire,
                                      std::memory_order_acquire)) {
        // relaxed: the session has no context, so no context thread.
        link.store(0, std::memory_order_relaxed);
        *slot = s;
        *gated = (top & kMailGated) != 0;
        return true;
      }
    }
    return false;
  }

  // What TakeMail() found.
  enum class Mail {
    kTaken,     // *slot is the caller's grant
    kNone,      // no grant is decided for the caller
    kOnItsWay,  // one is, not yet pushed: wait on the head word, then again
  };

  // Under the list's lock, by the caller of `node`, `position` places
  // behind the list's head (0: the head): takes the grant owed to it. The
  // grants are owed in the order they were decided: the k-th of those still in
  // the mailbox or on their way to it belongs to the k-th caller of the list
  // (the callers with a grant decided are the first ones listed, and a
  // caller leaves only with its grant, or owed none). Grants are fungible
  // but for the gate: one decided before a Stop's gate (ungated) belongs to
  // its caller whatever the state is by now. After the Stop's gate every
  // decision is gated, so the ungated grants are the first ones decided:
  // the caller takes an ungated grant if more than `position` of them are
  // in the mailbox, and otherwise a gated one once every grant decided is
  // in hand (none ungated can still come). The mailbox is a stack and a
  // free pushes a few steps after its decision, so the caller pops every
  // grant and sets it aside (chained through the slots' links, the ungated
  // and the gated apart), then reads how many grants are decided
  // (GrantsDecided(): a grant is pushed after its decision, so those set
  // aside are among them). The grants it does not take go back. (After
  // Unavailable's or Term's gate an End's grant stays ungated: the caller
  // waits for the Ends ordered before that flag before it answers its
  // error, InstanceCore::LeaveList() and AcceptGrant().) It never waits:
  // kOnItsWay when its grant may be one not yet pushed (the free pushes,
  // then bumps the head word).
  // The position is compared with the grants set aside and decided
  // (HasAhead(), which walks no further than those), never counted whole.
  Mail TakeMail(const typename OverflowList::Node* node, std::uint32_t* slot,
                bool* gated) noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    if constexpr (Policy::kMutation == Mutation::kHeadTakesTopMail) {
      if (overflow_.IsHead(node) && PopMail(slot, gated)) return Mail::kTaken;
    }
    std::uint32_t aside[2] = {0, 0};  // [gated]: slot + 1 of the last, 0: none
    std::uint32_t count[2] = {0, 0};  // [gated]: how many set aside
    std::uint32_t s = 0;
    bool g = false;
    while (PopMail(&s, &g)) {
      // relaxed: the link is this thread's (the slot left the mailbox).
      SlotRef(s).context_thread.store(aside[g], std::memory_order_relaxed);
      aside[g] = s + 1U;
      ++count[g];
    }
    const std::uint32_t decided = GrantsDecided();
    int take = -1;  // which chain to take from, -1: none
    Mail found = Mail::kTaken;
    if (!overflow_.HasAhead(node, count[0])) {  // count[0] > position
      take = 0;
    } else if (overflow_.HasAhead(node, decided)) {  // decided <= position
      found = Mail::kNone;
    } else if (count[0] + count[1] == decided) {
      take = 1;  // every grant decided is here, and more than `position`
    } else {
      found = Mail::kOnItsWay;
    }
    if (take >= 0) {
      const std::uint32_t t = aside[take] - 1U;
      // relaxed: as above.
      aside[take] = static_cast<std::uint32_t>(
          SlotRef(t).context_thread.load(std::memory_order_relaxed));
      // relaxed: the session has no context, so no context thread.
      SlotRef(t).context_thread.store(0, std::memory_order_relaxed);
      *slot = t;
      *gated = take == 1;
    }
    for (int k = 0; k < 2; ++k) {
      while (aside[k] != 0) {
        const std::uint32_t back = aside[k] - 1U;
        // relaxed: as above.
        aside[k] = static_cast<std::uint32_t>(
            SlotRef(back).context_thread.load(std::memory_order_relaxed));
        PushMail(back, k == 1);
      }
    }
    return found;
  }

  // Under the list's lock, by a caller that took a grant and leaves callers
  // listed: clears kMailed once no grant is decided for the list (none in
  // the mailbox or on its way), by a CAS of the pair that a decision
  // meanwhile fails (only the lock's holder takes tickets while kListed is
  // set).
  void SettleMailed() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    // seq_cst: a first guess for the CAS of the pair, which is the read.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    while ((p.first & kMailed) != 0 && DecidedIn(p) == 0) {
      // seq_cst (the pair's CAS): with MailToHead()'s.
      if (full_.value.compare_exchange(
              p, PairValue{p.first & ~kMailed, p.second})) {
        return;
      }
    }
  }

  // Under the list's lock, by the last caller to leave the list (its node
  // removed): clears kMailed (and kListed, clear already: nobody is owed a
  // grant). No grant is left in the mailbox or on its way to it: a free
  // decides a grant only for a caller owed one, and a caller with a grant
  // decided takes it before it leaves (it waits for its push, TakeMail()).
  void CloseList() noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(overflow_) {
    ClearFlagBits(kListed | kMailed);
  }

  // Callers in the overflow list now (takes the list's lock).
  std::uint32_t ListedCallers() noexcept {
    overflow_.Lock();
    const std::uint32_t n = overflow_.Size();
    overflow_.Unlock();
    return n;
  }

  // For the waiter of live `ticket` (neither served nor cancelled): whether
  // a free or a grow has taken it (the head is past it) and so is on its
  // way to its cell, where its commit cannot fail while the waiter stays.
  // False: the ticket is still queued, and the flag read holds the proof
  // that the pool is full (tickets are taken only under a verified flag,
  // and while one is queued every free goes to a ticket). seq_cst: in the
  // tickets' order (HandOver()'s head CAS): a free that found no ticket left
  // and freed its slot read the flag after the head CAS that passed this
  // ticket, so a read that finds the ticket queued comes before that free.
  bool IsTicketTaken(std::uint32_t ticket) const noexcept {
    return IsTicketTakenIn(Flag().load(std::memory_order_seq_cst), ticket);
  }
  // The same, by flag value `f`.
  static bool IsTicketTakenIn(std::uint64_t f, std::uint32_t ticket) noexcept {
    const std::uint32_t head = HeadOf(f);
    return TicketsFrom(head, ticket) >= TicketsFrom(head, TailOf(f));
  }
  // Whether a Stop, Unavailable or Term has set its gate in the flag.
  bool Gated() const noexcept {
    // seq_cst: in the order of the gates' CAS.
    return (Flag().load(std::memory_order_seq_cst) & kGates) != 0;
  }

  WaitQueue& waiters() noexcept { return waiters_; }
  const WaitQueue& waiters() const noexcept { return waiters_; }

  // Tickets taken and not yet served or skipped by a free: the callers that
  // wait now, and those that left (timed out or woken by a flag) whose
  // ticket no free has reached yet. relaxed: a figure for reports.
  std::uint32_t QueuedTickets() const noexcept {
    const std::uint64_t f = Flag().load(std::memory_order_relaxed);
    return TicketsFrom(HeadOf(f), TailOf(f));
  }
  // Tickets taken, modulo WaitQueue::kTickets (the tail). relaxed: a
  // figure for tests.
  std::uint32_t TicketsTaken() const noexcept {
    return TailOf(Flag().load(std::memory_order_relaxed));
  }

  // Wakes every waiter, which then reads the instance state (Stop,
  // Unavailable, Term); called after the state's flag CAS. The waiters
  // that hold a ticket hold one of head..tail-1 as read here, or took it
  // after this load (their ticket CAS comes later in the seq_cst order),
  // so their read of the state after it (AwaitTicket()) sees the flag. A
  // ticket below head is being served: its delivery wakes the waiter. A
  // caller that waits for a cell sleeps in 5 ms slices and reads the state
  // after each.
  void AlertWaiters() noexcept {
    // seq_cst: pairs with Enqueue()'s ticket CAS (above).
    const std::uint64_t f = Flag().load(std::memory_order_seq_cst);
    waiters_.AlertTickets(HeadOf(f), TailOf(f));
    // The listed callers (each sleeps on its node, the head on the head
    // word): the lock orders this after every Join() before it, and a
    // Join() after it reads the state after its node is in (see
    // InstanceCore::AwaitListed()).
    overflow_.Lock();
    overflow_.AlertAll();
    overflow_.Unlock();
  }

  // Session context storage; read and written only by the thread that holds
  // the slot's busy flag, so relaxed suffices: TryEnterCall() (acquire) and
  // ExitCall() (release) order them.
  std::uintptr_t context(std::uint32_t slot) const noexcept {
    return SlotRef(slot).context.load(std::memory_order_relaxed);
  }
  std::uintptr_t context_thread(std::uint32_t slot) const noexcept {
    return SlotRef(slot).context_thread.load(std::memory_order_relaxed);
  }
  void set_context(std::uint32_t slot, std::uintptr_t context,
                   std::uintptr_t thread) noexcept {
    SlotRef(slot).context.store(context, std::memory_order_relaxed);
    SlotRef(slot).context_thread.store(thread, std::memory_order_relaxed);
  }

  // The gates that a closure sets (MarkClosedForBegin()): the Stop's
  // (`stop`), Unavailable's or Term's (`refuses_end`).
  static constexpr std::uint64_t GatesFor(bool stop,
                                          bool refuses_end) noexcept {
    return (stop ? kGate : 0) | (refuses_end ? kEndGate : 0);
  }

  // Records that every active word of incarnation `gen` is closed for
  // Begin (after CloseAll() returned true): sets `gates` in the flag (kGate
  // for a Stop, kEndGate for Unavailable or Term), the instant the flag
  // takes effect for the hand-off (HandOver() reads it in the value its
  // head CAS replaces). A closer
  // stalled past the next Reset() reads that Reset's flag and incarnation
  // (the incarnation is stored before Reset()'s flag CAS), or its CAS
  // fails on the new epoch, so it never gates the next incarnation.
  // seq_cst: in the order of the flag's RMWs (the head CASes); every claim
  // that succeeded before a word's closure comes before it too (the CASes
  // that closed the words are sequenced before it).
  void MarkClosedForBegin(std::uint64_t gen, std::uint64_t gates) noexcept {
    auto& flag = Flag();
    // seq_cst: as above.
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    // relaxed: the incarnation that Reset() stored before the flag CAS
    // this load may have read from (the CAS releases, the load acquires).
    while ((f & gates) != gates &&
           incarnation_.load(std::memory_order_relaxed) == gen &&
           !FlagCas(f, f | gates)) {
    }
  }

  // Waits until every End that holds its session now (busy, "by End") has
  // let go: its last store (the free's, a hand-off's, or the refusal's).
  // An End that reaches its free re-read the state before the flag that
  // refuses End (Unavailable, Term), so once a thread that saw that flag
  // returns from this, every such End's head CAS (HandOver()) comes before
  // the thread's next read of the flag. Blocks for a few steps of each
  // such End (as JetTerm's drain does): a few yields, then short sleeps
  // (DrainPause()), so that a caller with a higher priority than the End's
  // thread lets it run. An End of a session whose context is set lets go
  // without a free or a hand-off: it is not waited for. seq_cst loads: the
  // hold CAS of an End ordered before the flag precedes the caller's state
  // read, which precedes these.
  void AwaitEndHolds() const noexcept {
    // relaxed: written by Reset() only.
    const std::uint32_t ceiling = ceiling_.load(std::memory_order_relaxed);
    for (std::uint32_t slot = 0; slot < ceiling; ++slot) {
      const auto& control = SlotRef(slot).control;
      // seq_cst: see above.
      const std::uint64_t c = control.load(std::memory_order_seq_cst);
      if ((c & (kOpen | kEndHold)) != (kOpen | kEndHold)) continue;
      // Written only by a holder of the session; the load above read this
      // End's hold, which came after the release of that holder's call.
      if (context(slot) != 0) continue;
      // seq_cst: as above; the End's last store is a release.
      for (int pauses = 0; control.load(std::memory_order_seq_cst) == c;) {
        DrainPause(&pauses);
      }
    }
  }

  // Whether a grant whose head CAS replaced flag value `f` is gated: by the
  // Stop's gate always, by Unavailable's or Term's only when no End made it
  // (the mutant kEndsGatedByEndFlags: always).
  static bool IsGated(std::uint64_t f, FreedBy by) noexcept {
    constexpr bool kAny = Policy::kMutation == Mutation::kEndsGatedByEndFlags;
    const std::uint64_t gates = kAny || by != FreedBy::kEnd ? kGates : kGate;
    return (f & gates) != 0;
  }

  // Sets `flags` (closed bits) on every active word unless `still_current()`
  // says the incarnation changed (then returns false, having closed a
  // prefix of this incarnation's words only).
  template <class Revalidate>
  bool CloseAll(std::uint64_t flags, Revalidate&& still_current) noexcept {
    // relaxed: see the field.
    const std::uint32_t words = active_words_.load(std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < words; ++i) {
      auto& word = WordAt(i);
      // acquire: the revalidation load must follow this load.
      std::uint64_t w = word.load(std::memory_order_acquire);
      while ((w & flags) != flags) {
        if (!still_current()) return false;
        // acq_rel: release pairs with the acquire loads of Claim()/Free()
        // callers, who then read the instance state this closure follows;
        // acquire pairs with the claim CAS (ForceEndAll() sees its bit).
        if (word.compare_exchange_weak(w, w | flags, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
          break;
        }
      }
    }
    return true;
  }

  // JetTerm's drain: with every word closed for Begin (CloseAll) and the
  // instance flagged Terminating, waits for each claimed slot to be opened
  // by its Begin or freed by its End, and for every call in flight to
  // leave, then force-ends every open session. Blocks.
  void ForceEndAll() noexcept {
    // relaxed: the owner wrote them (Reset() runs on the owner's side).
    const std::uint32_t words = active_words_.load(std::memory_order_relaxed);
    // Sessions may be open on any slot below the ceiling (a shrink leaves
    // them where they are).
    const std::uint32_t ceiling = ceiling_.load(std::memory_order_relaxed);
    int pauses = 0;
    for (std::uint32_t i = 0; i < words; ++i) {
      auto& word = WordAt(i);
      for (std::uint32_t b = 0; b < kSlotsPerWord; ++b) {
        const std::uint32_t slot = i * kSlotsPerWord + b;
        if (slot >= ceiling) return;
        auto& control = SlotRef(slot).control;
        for (;;) {
          // seq_cst, both: the second half of the Dekker pair with End and
          // the session calls (they hold busy, then read the state; we set
          // Terminating, then read here): a call that did not see the flag
          // is seen busy here, or its effect is. Acquire also pairs with
          // ExitCall()'s release and with the claim CAS and the free fetch_add.
          const std::uint64_t w = word.load(std::memory_order_seq_cst);
          std::uint64_t c = control.load(std::memory_order_seq_cst);
          // No session: reserved (an End may have paid), or marked for a
          // grow's grant whose record has ended (FinishRecords() ran, and
          // no grant is decided after the gate). A payer's mark (busy) is
          // settled in a few steps of the payer's.
          if (IsReserved(c) || IsGrantMark(c)) break;
          const bool claimed = ((w >> b) & 1U) != 0;
          if ((c & kBusy) != 0 || (claimed && (c & kOpen) == 0)) {
            // A call is in flight on the slot, or a Begin has claimed it and
            // not yet opened it, or an End has closed it and not yet freed
            // the bit: each finishes in a few steps of its own.
            DrainPause(&pauses);
            continue;
          }
          if (!claimed) break;
          // acq_rel: release pairs with the acquire in TryEnterCall(): a
          // stale caller that reads the new generation fails validation.
          // Nobody else writes an open, not busy control word of a closed
          // pool but a session call, which then fails on the Terminating
          // flag and restores it: retry on failure.
          if (control.compare_exchange_strong(c, NextGen(c),
                                              std::memory_order_acq_rel,
                                              std::memory_order_relaxed)) {
            // Only now is the slot ours: clearing the context before the
            // CAS would race with a context call that enters in between
            // (it would find its own context gone). Nobody reads it now:
            // the handle is stale and the word is closed.
            set_context(slot, 0, 0);
            break;
          }
        }
      }
    }
  }

  // Sessions open now: exact whenever no claim or free is in flight. The
  // caller re-reads the instance state afterwards to know that the words
  // were those of the incarnation it validated (see InstanceCore::Count()).
  //
  // A payer's reserved bit and a grow unit's slot change a word bit and
  // the reserved count in two steps (splits), which the count sees whole.
  std::uint32_t CountClaimed() const noexcept {
    // relaxed: see the field (a stale value is caught as the words are).
    const std::uint32_t words = active_words_.load(std::memory_order_relaxed);
    for (int pauses = 0;;) {
      // A reserved bit set meanwhile (its word, then reserved_) is counted
      // whole or not at all; a payer stopped inside that split is waited
      // for with a few yields, then short sleeps.
      std::uint32_t splits = 0;
      if (!QuietSplits(&splits)) {
        DrainPause(&pauses);
        continue;
      }
      std::uint32_t count = 0;
      for (std::uint32_t i = 0; i < words; ++i) {
        // acquire: pairs with the release stores of Reset() and the RMWs
        // of the payers and the grow units' takers; the caller's state
        // re-read must not move above it (a word of a later incarnation
        // then shows as a generation change).
        const std::uint64_t w = WordAt(i).load(std::memory_order_acquire);
        count += static_cast<std::uint32_t>(
            std::popcount((w & kSlotBits) & ~ReservedBits(i)));
      }
      // acquire: as the words (the payers and the takers change it).
      const std::uint32_t reserved = reserved_.load(std::memory_order_acquire);
      // seq_cst (inside): after the reads above (they are acquire loads).
      if (SplitsSince(splits)) continue;
      return count > reserved ? count - reserved : 0;
    }
  }

  // Bytes of memory that each slot costs, word and control included.
  static constexpr std::size_t BytesPerSlot() noexcept {
    return sizeof(Slot) + sizeof(PaddedWord) / kSlotsPerWord;
  }

  // Bytes of the one allocation of a pool with room for `allocated` slots
  // (rounded up to whole words): the words, the slots and the pool object.
  static constexpr std::size_t BytesFor(std::uint32_t allocated) noexcept {
    const std::uint32_t words = WordsFor(allocated);
    return BytesBelow(words) + sizeof(SlotPool) +
           std::size_t{words} * kSlotsPerWord * sizeof(Slot);
  }

 private:
  // One pool word a cache line: two threads claiming in different words
  // never share a line.
  struct alignas(64) PaddedWord {
    Atomic<std::uint64_t> value{0};
  };
  // The "full" flag and the debt word, one pair (Policy::AtomicPair)
  // alone on its cache line: the flag is read on every free (shared,
  // read-mostly until the pool is full) and written only around a full
  // pool or a debt; the debt word only by shrinks and their payers.
  struct alignas(64) PaddedPair {
    typename Policy::template AtomicPair<Atomic<std::uint64_t>> value;
  };
  // A slot's control word and session context. 32 bytes: the slots of one
  // word (one thread's working set, through its hint) share lines.
  struct alignas(32) Slot {
    Atomic<std::uint64_t> control{0};
    Atomic<std::uintptr_t> context{0};
    Atomic<std::uintptr_t> context_thread{0};
    // JET_paramExtSessionTracking's stamp (session_tracking.h); 0: none.
    Atomic<std::uint64_t> stamp{0};
  };

  static constexpr std::align_val_t kAlignment{64};

  explicit SlotPool(std::uint32_t words) noexcept
      : allocated_words_(words), allocated_slots_(words * kSlotsPerWord) {
    for (std::uint32_t i = 0; i < words; ++i) {
      ::new (static_cast<void*>(Base() - (i + 1) * sizeof(PaddedWord)))
          PaddedWord();
    }
    for (std::uint32_t j = 0; j < allocated(); ++j) {
      ::new (static_cast<void*>(Base() + sizeof(SlotPool) + j * sizeof(Slot)))
          Slot();
    }
  }

  // The pool object's address as bytes: the words and slots are placed
  // around it (see Create()). Const members reach the atomics through it.
  char* Base() const noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast)
    return const_cast<char*>(reinterpret_cast<const char*>(this));
  }
  PaddedWord& WordLine(std::uint32_t index) const noexcept {
    return *std::launder(reinterpret_cast<PaddedWord*>(
        Base() - sizeof(PaddedWord) - std::size_t{index} * sizeof(PaddedWord)));
  }
  Atomic<std::uint64_t>& WordAt(std::uint32_t index) const noexcept {
    return WordLine(index).value;
  }
  Slot& SlotRef(std::size_t slot) const noexcept {
    return *std::launder(reinterpret_cast<Slot*>(Base() + sizeof(SlotPool) +
                                                 slot * sizeof(Slot)));
  }

  // Bytes of the words, which lie below the pool object in its allocation.
  static constexpr std::size_t BytesBelow(std::uint32_t words) noexcept {
    return std::size_t{words} * sizeof(PaddedWord);
  }

  static constexpr std::uint32_t WordsFor(std::uint32_t slots) noexcept {
    return slots == 0 ? 1 : (slots + kSlotsPerWord - 1) / kSlotsPerWord;
  }

  // Slot bits of word `index` that lie at or past the ceiling: set for good.
  std::uint64_t ReservedBits(std::uint32_t index) const noexcept {
    // relaxed: see the field.
    return BitsFrom(index, ceiling_.load(std::memory_order_relaxed));
  }
  // Slot bits of word `index` of the slots numbered `first_slot` or more.
  static std::uint64_t BitsFrom(std::uint32_t index,
                                std::uint32_t first_slot) noexcept {
    const std::uint64_t first = std::uint64_t{index} * kSlotsPerWord;
    if (first >= first_slot) return kSlotBits;
    const std::uint64_t usable = first_slot - first;
    return usable >= kSlotsPerWord ? 0 : kSlotBits & ~((1ULL << usable) - 1U);
  }

  // Control word after the session of `control` ends: generation + 1, not
  // open, not busy, not held by an End, unmarked.
  static constexpr std::uint64_t NextGen(std::uint64_t control) noexcept {
    return ((GenOfControl(control) + 1U) << kGenShift) & ~(kByEnd | kMarkMask);
  }

  // NextGen() of `control` when it is that of an open session with no call
  // in flight (generation | kOpen), as every End enters it: one add. The
  // generation would carry into the mark after 2^58 sessions on one slot.
  static constexpr std::uint64_t EndedControl(std::uint64_t control) noexcept {
    return control + ((1ULL << kGenShift) - kOpen);
  }
  static_assert(EndedControl((7ULL << kGenShift) | kOpen) ==
                NextGen((7ULL << kGenShift) | kOpen));

  // The "full" flag: a proof that the pool was full, kept valid by every
  // free clearing it (see ProveFull()), and the queue of the callers that
  // wait for a session (see Enqueue()):
  //
  //   63..37  36     35     34        33     32..18  17..3   2      1..0
  //   +-------+------+------+---------+------+-------+-------+------+------+
  //   | epoch |mailed|listed| end gate| gate | head  | tail  | owing| state|
  //   +-------+------+------+---------+------+-------+-------+------+------+
  //
  // tail is the next waiter's ticket, head the next ticket a freed slot goes
  // to (both modulo 2^15); tail != head only while the state is verified.
  // listed: callers wait in the overflow list with no grant decided for
  // them (the debt word's owed count is not 0: set by a caller that joins
  // it, with the state verified, cleared by the CAS that leaves none owed);
  // mailed: a grant for the list's head is in the mailbox or on its way
  // (MailToHead()).
  // owing: a shrink left a debt: set exactly while the debt word owes
  // units (the pair changes both in one step), and every free looks at it
  // (PayDebt()). The gates say that the incarnation is
  // closed for Begin (MarkClosedForBegin()): gate by a Stop, end gate by
  // Unavailable or Term. A grant whose head CAS replaced a value with the
  // gate set is gated; so is one with the end gate set, unless an End made
  // it (IsGated()): an End that reaches its hand-off read the state before
  // the flags that refuse End, so it is ordered before them. Each is set
  // once per incarnation, cleared by Reset() only; no free's fast path
  // looks at them.
  static constexpr std::uint64_t kFullNone = 0;
  static constexpr std::uint64_t kFullCandidate = 1;
  static constexpr std::uint64_t kFullVerified = 2;
  // Verified, with grow units in the debt word that are decided for the
  // callers waiting before any claim takes one (Resize()).
  static constexpr std::uint64_t kFullUnits = 3;
  static constexpr std::uint64_t kFullStateMask = 3;
  static constexpr std::uint64_t kOwing = 4;
  // The flag bits that send a free to FreeWhileFull().
  static constexpr std::uint64_t kFreeSlowMask = kFullStateMask | kOwing;

  // The debt word (DebtWord(), the pair's second word): the units a shrink
  // still owes, at most one payer's record, and the records' seq
  // (src/debt_word.h).
  static constexpr std::uint32_t UnitsOf(std::uint64_t debt) noexcept {
    return DebtWordBits::Units(debt);
  }
  // True when debt word `debt` records the session of `slot`, whose control
  // word is `control`, as paid: its End took effect at the record's
  // install, and its slot is not yet marked reserved. The End tagged its
  // control word with the seq of that record before installing it, and
  // only it installs records of its slot.
  static constexpr bool Paid(std::uint64_t debt, std::uint32_t slot,
                             std::uint64_t control) noexcept {
    return (control & kMarkMask) == kMarkPaying &&
           DebtWordBits::KindOf(debt) == DebtWordBits::Kind::kPayEnd &&
           DebtWordBits::SlotOf(debt) == slot &&
           DebtWordBits::SeqOf(debt) == TagOf(control);
  }
  // Units owed now, read in the order of the debt word's RMWs.
  std::uint32_t UnitsOwed() const noexcept {
    // seq_cst: with the payers' and Resize()'s RMWs.
    return UnitsOf(DebtWord().load(std::memory_order_seq_cst));
  }
  static constexpr unsigned kTailShift = 3;
  static constexpr unsigned kHeadShift = 18;
  static constexpr std::uint64_t kGate = 1ULL << 33U;
  static constexpr std::uint64_t kEndGate = 1ULL << 34U;
  static constexpr std::uint64_t kGates = kGate | kEndGate;
  static constexpr std::uint64_t kListed = 1ULL << 35U;
  static constexpr std::uint64_t kMailed = 1ULL << 36U;
  static constexpr unsigned kEpochShift = 37;
  static constexpr std::uint64_t kTicketMask = WaitQueue::kTickets - 1U;
  static constexpr std::uint64_t kEpochOne = 1ULL << kEpochShift;
  static std::uint64_t NextEpoch(std::uint64_t flag) noexcept {
    return (flag & ~kFullStateMask) + kEpochOne;
  }
  static std::uint32_t TailOf(std::uint64_t flag) noexcept {
    return static_cast<std::uint32_t>((flag >> kTailShift) & kTicketMask);
  }
  static std::uint32_t HeadOf(std::uint64_t flag) noexcept {
    return static_cast<std::uint32_t>((flag >> kHeadShift) & kTicketMask);
  }
  static bool HasWaiters(std::uint64_t flag) noexcept {
    return TailOf(flag) != HeadOf(flag);
  }
  // How many tickets lie from ticket `from` up to (not including) `to`, the
  // counters running modulo WaitQueue::kTickets.
  static std::uint32_t TicketsFrom(std::uint32_t from,
                                   std::uint32_t to) noexcept {
    return (to - from) % WaitQueue::kTickets;
  }
  static std::uint64_t WithTail(std::uint64_t flag, std::uint32_t t) noexcept {
    return (flag & ~(kTicketMask << kTailShift)) |
           ((std::uint64_t{t} & kTicketMask) << kTailShift);
  }
  static std::uint64_t WithHead(std::uint64_t flag, std::uint32_t h) noexcept {
    return (flag & ~(kTicketMask << kHeadShift)) |
           ((std::uint64_t{h} & kTicketMask) << kHeadShift);
  }

  enum class Proof { kFull, kClosed, kChanged, kStale };

  // Sets `bit` in `word` if it is clear; false when it was set.
  static bool SetFreeBit(Atomic<std::uint64_t>& word,
                         std::uint64_t bit) noexcept {
    // seq_cst: a first guess for the CAS, in the frees' order.
    std::uint64_t w = word.load(std::memory_order_seq_cst);
    while ((w & bit) == 0) {
      // seq_cst: with the frees' fetch_adds.
      if (word.compare_exchange_weak(w, w | bit, std::memory_order_seq_cst)) {
        return true;
      }
    }
    return false;
  }

  // Takes up to `most` units of the debt (as many as are owed), leaving a
  // payer's record as it is, and clears the flag's owing bit with the last
  // unit, in one step of the pair; returns the units owed before (0: none
  // owed, nothing taken).
  std::uint32_t TakeDebt(std::uint32_t most) noexcept {
    // seq_cst, both: read in the order of the pair's RMWs (no units: none
    // taken); a first guess for the pair's CAS.
    PairValue p = full_.value.load_halves(std::memory_order_seq_cst);
    for (;;) {
      const std::uint32_t units = UnitsOf(p.second);
      if (units == 0) return 0;
      const PairValue less =
          WithDebt(p.first, p.second - std::min(units, most));
      // seq_cst (the pair's CAS): with the payers' RMWs of the pair.
      if (full_.value.compare_exchange(p, less)) return units;
    }
  }

  // Tries to claim a free bit of word `index`. True when `*result` is final
  // (claimed, closed or stale); false when the word has no free bit. (The
  // steps marked "mutant hook" are the production step itself unless a
  // Mutation is compiled in, see the end of the class.)
  template <class Revalidate>
  bool TryWord(std::uint32_t index, std::uint32_t words,
               Revalidate& still_current, ClaimResult* result) noexcept {
    auto& word = WordAt(index);
    // acquire: pairs with the free fetch_add and the release stores of
    // Reset(); the revalidation load below must not move above it.
    std::uint64_t w = word.load(kClaimLoadOrder);
    std::uint32_t pending = 0;  // bits this call claimed and gave back
    bool contended = false;     // a CAS of this call failed
    for (;;) {
      if (IsClosedForClaim(w)) {  // mutant hook
        *result = {ClaimStatus::kClosed, 0, 0};
        return true;
      }
      if (IsDebtHint(w) && Policy::kMutation != Mutation::kClaimIgnoresDebt)
          [[unlikely]] {
        // A shrink's debt may be owed: the debt word decides, read after
        // the word (a later shrink hints the word anew before it takes
        // effect, so the claim CAS below, which expects `w`, fails across
        // one).
        // seq_cst: in the order of the pair's RMWs.
        const std::uint64_t d = DebtWord().load(std::memory_order_seq_cst);
        if ((w & kHintMask) != DebtHint(DebtWordBits::EpochOf(d))) {
          // Hinted for an epoch that is not the debt word's: a shrink is
          // about to take effect (or took effect since `w` was read).
          if (!still_current()) {
            *result = {ClaimStatus::kStale, 0, 0};
            return true;
          }
          if constexpr (Policy::kMutation == Mutation::kShrinkHoldsClaims) {
            // The mutant waits for the resizer instead of helping it.
            // seq_cst: as in HelpResize().
            while (!ResizeDone(resize_.load(std::memory_order_seq_cst))) {
              Policy::Yield();
            }
          } else {
            HelpResize(words, /*resizer=*/false);
          }
          // acquire: as the first load.
          w = word.load(std::memory_order_acquire);
          continue;
        }
        if (DebtWordBits::HasRecord(d) || DebtWordBits::Units(d) != 0) {
          if (!still_current()) {
            *result = {ClaimStatus::kStale, 0, 0};
            return true;
          }
          if (DebtWordBits::HasRecord(d)) {
            FinishRecordCounted(index, d);
          } else if (!PayInWord(index, w)) {
            return false;  // nothing here to pay with: the proof decides
          }
          // acquire: as the first load.
          w = word.load(std::memory_order_acquire);
          continue;
        }
      }
      const auto free_bits = static_cast<std::uint32_t>(~w & kSlotBits);
      if (free_bits == 0) return false;
      if (!still_current()) {
        *result = {ClaimStatus::kStale, 0, 0};
        return true;
      }
      // The lowest free bit, but not one found pending in this call: its End
      // may be stalled, and claiming it again would only give it back again.
      const std::uint32_t candidates = free_bits & ~pending;
      if (candidates == 0) return false;
      const std::uint64_t bit = 1ULL << std::countr_zero(candidates);
      const std::uint32_t slot =
          index * kSlotsPerWord +
          static_cast<std::uint32_t>(std::countr_zero(bit));
      // The slot's control word, before the CAS: a pending slot (its End
      // freed the bit and has not yet made the handle stale) is passed
      // over without a CAS. Claiming it would set a bit that no session
      // holds once the End's store lands, until the claimer gave it back:
      // a proof in between would answer a spurious full, and claimers that
      // give back a stalled End's bit in turn keep the version moving, so
      // that no proof concludes. The read is a filter only: the claim
      // opens from the read after the CAS (OpenClaimed()).
      const std::uint64_t early_read = PeekControl(slot);
      if (IsPayFreeMark(early_read)) [[unlikely]] {
        // A payer's mark with no debt left (it stopped, or is about to
        // undo it): killed and undone, or paid with if a debt came.
        PayWithSlot(index, slot, early_read);
        // acquire: as the first load.
        w = word.load(std::memory_order_acquire);
        continue;
      }
      if (IsPendingForClaim(early_read)) {  // mutant hook
        pending |= static_cast<std::uint32_t>(bit);
        continue;
      }
      if (ClaimCas(word, &w, bit)) {  // mutant hook
        // The incarnation again, after the CAS: the check before it and the
        // CAS are two steps. A caller stalled between them across JetTerm,
        // a re-create on this pool and 2^29 frees of the word (its version
        // wraps back to `w`) has just claimed a bit of the next
        // incarnation: it gives the bit back untouched (the slot's control
        // word is not read or written) and answers kStale. The CAS acquired
        // a value of the next incarnation's words, which follows the state
        // change before its Reset(), so this load sees the new generation.
        if (kRecheckAfterClaim && !still_current()) [[unlikely]] {
          GiveBack(slot);
          *result = {ClaimStatus::kStale, 0, 0};
          return true;
        }
        std::uint32_t gen = 0;
        if (OpenClaimed(slot, early_read, &gen)) {
          Policy::SetHint(contended ? MoveOn(index, words) : index);
          *result = {ClaimStatus::kClaimed, slot, gen};
          return true;
        }
        GiveBack(slot);
        pending |= static_cast<std::uint32_t>(bit);
        // acquire: as the first load.
        w = word.load(std::memory_order_acquire);
        continue;
      }
      contended = true;
      if constexpr (kLostCasAnswersFull) {  // mutant hook
        *result = {ClaimStatus::kFull, 0, 0};
        return true;
      }
    }
  }

  // The claim CAS of TryWord(): sets `bit` in `word` if it still holds *w;
  // on failure, *w is the word's current value.
  // *w is written on failure (the CAS's expected value); the analyzer sees
  // the claim-by-store mutant's branch, which only reads it.
  // NOLINTNEXTLINE(readability-non-const-parameter)
  bool ClaimCas(Atomic<std::uint64_t>& word, std::uint64_t* w,
                std::uint64_t bit) noexcept {
    if constexpr (Policy::kMutation == Mutation::kClaimByStore) {
      std::this_thread::yield();  // widen the window of the lost update
      word.store(*w | bit, std::memory_order_release);
      return true;
    } else {
      if constexpr (kLostCasAnswersFull) {
        std::this_thread::yield();  // widen the window of the lost race
      }
      // acq_rel: acquire pairs with the fetch_add in Free() that freed the
      // bit (the previous owner is done with the slot); release pairs with
      // the loads of ForceEndAll(), which must see the bit.
      constexpr bool kRelaxed = Policy::kMutation == Mutation::kRelaxedClaim;
      return word.compare_exchange_weak(
          *w, *w | bit,
          kRelaxed ? std::memory_order_relaxed : std::memory_order_acq_rel,
          kRelaxed ? std::memory_order_relaxed : std::memory_order_acquire);
    }
  }

  // Where a thread whose claim found word `index` contended (a CAS lost)
  // goes next: the first word after it that has a free bit, or `index` if
  // no other word has one. Two threads that share a word move each other's
  // cache line on every Begin and End; the loser of a CAS moves on, so
  // threads that met in a word part. Only a lost CAS leads here, once a
  // Begin at most twice: the loads of full words it may pass are paid by
  // contended Begins, not by every Begin.
  [[gnu::noinline]] std::uint32_t MoveOn(std::uint32_t index,
                                         std::uint32_t words) const noexcept {
    std::uint32_t next = index;
    for (std::uint32_t n = 1; n < words; ++n) {
      next = next + 1 == words ? 0 : next + 1;
      if (HasFreeBit(next)) return next;
    }
    return index;
  }

  // True when word `index` is open for Begin and has a free bit (claimable
  // or pending): a word the search may pass over.
  bool HasFreeBit(std::uint32_t index) const noexcept {
    // relaxed: a hint for the search only; the claim re-reads the word.
    const std::uint64_t w = WordAt(index).load(std::memory_order_relaxed);
    return (w & kNoFastClaim) == 0 && (~w & kSlotBits) != 0;
  }

  // True when a completed proof says the pool is full and no free has
  // happened since (every Free() clears the flag before it returns).
  bool FullIsVerified() const noexcept {
    // seq_cst: pairs with the seq_cst clear in AfterFreeWhileFull() and the
    // promote in ProveFull(); the caller re-reads the instance state (seq_cst).
    return (Flag().load(std::memory_order_seq_cst) & kFullStateMask) ==
           kFullVerified;
  }

  // What one pass of the proof read: the sum of the active words, the
  // number and the sum of the control words of the pending slots (free
  // bit, open and held by its End: see Free()), and the number of free
  // slots that a word hinted for a debt leaves available (closed, or
  // marked by a payer: their payment is still to come). Sums modulo 2^64.
  struct Snapshot {
    std::uint64_t words = 0;
    std::uint64_t pending_controls = 0;
    std::uint32_t pending = 0;
    std::uint32_t available = 0;
  };

  // One pass of the proof into *seen; kChanged as soon as a free bit's slot
  // is claimable, kClosed when a word is closed for Begin.
  Proof Collect(std::uint32_t words, Snapshot* seen) const noexcept {
    *seen = {};
    for (std::uint32_t i = 0; i < words; ++i) {
      // seq_cst: the second half of the prover side of the Dekker pair
      // (after the candidate is published).
      const std::uint64_t w = WordAt(i).load(std::memory_order_seq_cst);
      if ((w & kClosedForBegin) != 0) return Proof::kClosed;
      const bool hinted = IsDebtHint(w);
      seen->words += w;
      for (auto free_bits = static_cast<std::uint32_t>(~w & kSlotBits);
           free_bits != 0; free_bits &= free_bits - 1U) {
        const std::uint32_t slot =
            i * kSlotsPerWord +
            static_cast<std::uint32_t>(std::countr_zero(free_bits));
        // seq_cst: read in the same single order as the words.
        const std::uint64_t c =
            SlotRef(slot).control.load(std::memory_order_seq_cst);
        if ((c & kOpen) == 0) {
          // Reserved (its payer has yet to set the bit), or marked for a
          // grow's grant (the debt word's record says so until the mark
          // is opened): out of use.
          if (IsReserved(c) || IsGrantMark(c)) continue;
          // Free: available against the debt in a hinted word, where the
          // claims pay with it; claimable in another (a mark there has no
          // debt left to pay: the claim undoes it).
          if (!hinted) return Proof::kChanged;
          ++seen->available;
          continue;
        }
        seen->pending_controls += c;
        ++seen->pending;
      }
    }
    return Proof::kFull;
  }

  // Exact "full": publishes a candidate flag, then collects every word
  // twice. Full only when neither collect finds a claimable slot and both
  // read the same Snapshot. Every word only grows: its version (top 30
  // bits) grows by one on every free, which outweighs the bit the free
  // clears, and a claim only sets bits. So an equal word sum means that
  // every word read the same in both collects and kept that value in
  // between (while fewer than 2^29 frees happen in the whole pool between
  // the two collects, the growth stays below 2^64). The same free bits
  // were then read twice, and a pending slot's control word only moves to
  // higher generations, so an equal sum of them means each read the same
  // twice and kept it. At the instant between the collects every slot was
  // claimed or pending, and a pending slot's session was still open: its
  // End had not yet taken effect (see Free()).
  //
  // The candidate then becomes verified, if no slot was pending: later
  // claims that find their hint word full answer from it. It stays true
  // because every Free() clears the flag after its word fetch_add (seq_cst
  // both sides: a free either precedes the candidate, and the collects see
  // it, or follows it, and clears it). A pending slot becomes claimable by
  // a plain store, which clears nothing, so a proof that counted one
  // answers this call only.
  //
  // A proof belongs to the incarnation the caller validated, and only that
  // one may see it: `words` was read in it, and the pool may since have been
  // Reset() for the next incarnation on the same record. So before the
  // promote, `still_current()` re-reads the instance state (seq_cst). If it
  // still shows the caller's generation, the collects read only words of
  // that incarnation (a word written by a later Reset() would, through its
  // release store and the collect's acquire, make the generation bump
  // visible to the re-read); and a Reset() between the re-read and the
  // promote moves the flag to a new epoch by an RMW, so the promote CAS,
  // which expects this call's candidate, fails. Epochs only grow along the
  // flag's modification order, so the candidate never reappears. See
  // docs/design.md, "A proof never outlives its incarnation".
  template <class Revalidate>
  Proof ProveFull(std::uint32_t words, Revalidate& still_current) noexcept {
    auto& flag = Flag();
    // seq_cst: see above.
    std::uint64_t f = flag.load(std::memory_order_seq_cst);
    if ((f & kFullStateMask) == kFullVerified) return Proof::kFull;
    // Grow units for the callers waiting: the claim decides them first
    // (TakeUnit()); the queue's state stays.
    if ((f & kFullStateMask) == kFullUnits) return Proof::kChanged;
    const std::uint64_t candidate = NextEpoch(f) | kFullCandidate;
    if (!FlagCas(f, candidate)) {
      // Another prover or a free got there first: look again.
      return Proof::kChanged;
    }
    Snapshot first;
    Snapshot second;
    // seq_cst, both: the debt word before the first collect and after the
    // second, in the single order of the words' loads.
    const std::uint64_t debt_before =
        DebtWord().load(std::memory_order_seq_cst);
    Proof proof = Collect(words, &first);
    if (proof == Proof::kFull) proof = Collect(words, &second);
    const std::uint64_t debt_after = DebtWord().load(std::memory_order_seq_cst);
    if (proof == Proof::kFull &&
        (first.words != second.words ||
         first.pending_controls != second.pending_controls ||
         first.pending != second.pending || debt_before != debt_after ||
         second.available > DebtWordBits::Units(debt_after) ||
         DebtWordBits::GrowUnits(debt_after) != 0 ||
         DebtWordBits::KindOf(debt_after) == DebtWordBits::Kind::kGrant)) {
      proof = Proof::kChanged;
    }
    // A slot available in a hinted word keeps the flag a candidate: its
    // payment, or a free of it, clears nothing.
    bool pending = first.pending != 0 || second.available != 0;
    if constexpr (Policy::kMutation != Mutation::kStaleProof) {
      if (proof == Proof::kFull && !still_current()) proof = Proof::kStale;
    }
    if constexpr (Policy::kMutation == Mutation::kPromotePendingProof) {
      pending = false;
    }
    std::uint64_t expected = candidate;
    const std::uint64_t next =
        proof == Proof::kFull && !pending
            ? (candidate & ~kFullStateMask) | kFullVerified
            : NextEpoch(candidate) | kFullNone;
    // seq_cst: pairs with AfterFreeWhileFull() and Reset(); failure means a
    // free cleared the candidate (this call's own proof stays intact) or a
    // Reset() started the next incarnation (the caller is stale).
    FlagCas(expected, next);
    return proof;
  }

  // Opens the session on a slot just claimed; *gen is its handle
  // generation. The control word is read now that the bit is ours, never
  // before the claim: the claim CAS compares only the pool word, whose
  // 29-bit version wraps, so a value read before it could be 2^29 frees of
  // the word old and revive an ended generation. Not open (the usual
  // case): nobody else writes a claimed control word that is not open
  // (TryEnterCall and ForceEndAll need it open or wait; a stale caller's
  // CAS expects an open value), so a store opens it. Open: the slot is
  // pending (its End freed the bit and has not yet made the handle stale,
  // see Free()): false, and the caller gives the bit back (GiveBack()). The
  // claim's filter before the CAS passes over pending slots, so this
  // happens only when the CAS succeeded across a wrap of the word's
  // version. `early_read` (that filter's read) is used by a mutant only.
  bool OpenClaimed(std::uint32_t slot,
                   [[maybe_unused]] std::uint64_t early_read,
                   std::uint32_t* gen) noexcept {
    auto& control_word = SlotRef(slot).control;
    // acquire: pairs with the release store of the slot's last End.
    std::uint64_t control = control_word.load(std::memory_order_acquire);
    if constexpr (Policy::kMutation == Mutation::kOpenFromStaleRead) {
      control = early_read;
    }
    if ((control & kOpen) != 0) {
      if constexpr (Policy::kMutation != Mutation::kClaimPendingSlot) {
        return false;
      }
      control = NextGen(control);  // the mutant opens the pending slot
      // release: as below.
      control_word.store(control | kOpen, std::memory_order_release);
    } else if constexpr (Policy::kMutation == Mutation::kOpenFromStaleRead) {
      // release: as below (the mutant opens from its stale read).
      control_word.store(control | kOpen, std::memory_order_release);
    } else if (!IsClosedPlain(control) ||
               // release: pairs with the acquire in LoadControl() of calls
               // on the new handle. A CAS: a payer may mark a free slot
               // (PayWithSlot()) between the load and here.
               !control_word.compare_exchange_strong(
                   control, control | kOpen, std::memory_order_release,
                   std::memory_order_relaxed)) {
      return false;  // reserved or marked: not a free slot
    }
    *gen = static_cast<std::uint32_t>(control >> kGenShift) & kHandleGenMask;
    return true;
  }

  // ---- Mutant hooks: each is the production step when kMutation is kNone.
  // The claim's first load of a word (acquire; kRelaxedClaim: relaxed).
  static constexpr std::memory_order kClaimLoadOrder =
      Policy::kMutation == Mutation::kRelaxedClaim ? std::memory_order_relaxed
                                                   : std::memory_order_acquire;
  // Whether the claim re-checks the incarnation after its CAS.
  static constexpr bool kRecheckAfterClaim =
      Policy::kMutation != Mutation::kNoRecheckAfterClaim;
  // Whether a lost claim CAS answers "full" (kSpuriousFull).
  static constexpr bool kLostCasAnswersFull =
      Policy::kMutation == Mutation::kSpuriousFull;
  // Whether word value `w` stops a claim (kIgnoreClosed: never, after a
  // yield that widens the window of a closure).
  static bool IsClosedForClaim(std::uint64_t w) noexcept {
    if constexpr (Policy::kMutation == Mutation::kIgnoreClosed) {
      std::this_thread::yield();
      return false;
    }
    return (w & kClosedForBegin) != 0;
  }
  // Whether the control word read before the claim CAS shows the slot
  // pending (kClaimPendingSlot: never; kOpenFromStaleRead widens the window
  // between the read, which it opens from, and the CAS).
  static bool IsPendingForClaim(std::uint64_t early_read) noexcept {
    if constexpr (Policy::kMutation == Mutation::kClaimPendingSlot) {
      return false;
    }
    if constexpr (Policy::kMutation == Mutation::kOpenFromStaleRead) {
      Policy::Yield();
    }
    // Pending (open), reserved, or marked by a payer.
    return (early_read & (kOpen | kBusy)) != 0;
  }

  // The flag (first) and the debt word (second): see kFullStateMask and
  // kDebtUnits.
  PaddedPair full_;
  // Loads of either word are 8-byte loads (Flag(), DebtWord()); every RMW
  // of either is a 16-byte compare-exchange of the pair (FlagCas(),
  // compare_exchange_second(), compare_exchange()): see atomic_pair.h.
  const auto& Flag() const noexcept { return full_.value.first(); }
  const auto& DebtWord() const noexcept { return full_.value.second(); }
  // The flag's compare-exchange: seq_cst (the pair's), never spurious.
  bool FlagCas(std::uint64_t& expected, std::uint64_t desired) noexcept {
    return full_.value.compare_exchange_first(expected, desired);
  }
  // The waiters' cells (their order is in the flag).
  WaitQueue waiters_;
  // Frees in FreeWhileFull() now.
  Atomic<std::uint32_t> handing_{0};
  // The overflow list (its own lock) and the mailbox (a stack of grants for
  // the list's callers: slot + 1, kMailGated, linked through the slots'
  // context_thread words while they sit there; MailToHead()).
  OverflowList overflow_;
  Atomic<std::uint32_t> mail_{0};
  static constexpr std::uint32_t kMailGated = 1U << 31U;
  // Slots below the ceiling that the capacity leaves out (IsReserved()).
  Atomic<std::uint32_t> reserved_{0};
  // Payers, grow units' takers and grants' finishers between counting
  // themselves and their last step (JetTerm waits for them: Payers()).
  Atomic<std::uint32_t> clearing_{0};
  // The last resize's descriptor (ResizeDescriptor()): written by the
  // owner before the resize's hints, read by its helpers (HelpResize()).
  // Its epoch, modulo 16, is the debt word's once the resize took effect;
  // 0 (epoch 0, the debt word's at the start) before any resize. Never
  // reset: the last resize took effect before any Reset().
  Atomic<std::uint64_t> resize_{0};
  static constexpr int kDrainYields = 16;
  // The incarnation the pool was Reset() for (MarkClosedForBegin()).
  Atomic<std::uint64_t> incarnation_{0};
  // The largest capacity this incarnation may be given (at most
  // allocated()); written by Reset() only, as active_words_.
  Atomic<std::uint32_t> ceiling_{0};
  // FreeWhileFull() calls ever made (never reset: only differences count).
  Atomic<std::uint64_t> hand_offs_{0};
  // The sum (modulo 2^64) of the slots' generations just after Reset(), for
  // ScanSlots(). Written by Reset() only, as active_words_.
  Atomic<std::uint64_t> gen_base_{0};
  // The generations' high parts that payers moved out of the control
  // words they marked (MoveHighPart()), in generation steps, modulo 2^64:
  // part of ScanSlots()'s sum. Never reset (gen_base_ takes it in).
  Atomic<std::uint64_t> gen_carry_{0};
  // Changes in two steps begun and ended (BeginSplit()).
  Atomic<std::uint32_t> splits_begun_{0};
  Atomic<std::uint32_t> splits_done_{0};
  // Pools this one replaced, kept alive (type-stable storage: a stale call
  // may still read them).
  std::unique_ptr<SlotPool> retired_;
  const std::uint32_t allocated_words_;
  // allocated_words_ * kSlotsPerWord, kept so that End's bound check on a
  // handle's slot is a load and a compare.
  const std::uint32_t allocated_slots_;
  // Written by Reset() only, before the instance-state release store that
  // publishes the incarnation; relaxed loads by callers who acquired that
  // state. Atomic because a stale caller may read them during a Reset().
  Atomic<std::uint32_t> active_words_{1};
  // The capacity (CapacityWord(): with the epoch of the last shrink
  // published when it was stored): written by Reset() as active_words_,
  // and by Resize() (owner-side, seq_cst) once a shrink took effect, or
  // while a grow has the words closed to claims. capacity() reads the
  // capacity in force from it, resize_ and the debt word. Claims do not
  // read it (the reserved slots and the debt stand for it).
  Atomic<std::uint64_t> capacity_{0};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SLOT_POOL_H_
