// session_wait_queue.h: the mailboxes of the callers that wait for a
// session, one per ticket.
//
// The order of the waiters is not kept here but in the pool's full-flag
// word (SlotPool): a waiter takes ticket `tail` and an End that hands a
// slot over takes ticket `head`, each with a CAS on that word, so tickets
// are served in the order they were taken. This ring holds, for each ticket
// still in use, the cell through which the End hands the slot to the
// waiter (or learns that the waiter has gone).
//
// Cell of ticket t: cells_[t % kCells] (kCells = Policy::kWaitCells: 16384
// in the library), a 32-bit word, which is also what the waiter blocks on
// (a futex):
//
//   31  30    29     28     27       26..7       6..2   1..0
//   +--+-----+------+------+--------+-----------+------+-------+
//   |0 | held|moving| gated| opening| slot (20) | lap  | state |
//   +--+-----+------+------+--------+-----------+------+-------+
//
// lap = (t / kCells) % 32 names the round of the ring the cell is in, so a
// cell ready for ticket t is never taken for ticket t - kCells or
// t + kCells. States: kReady (the ticket's waiter waits, or has not come
// yet), kDelivered (the End put `slot` in it), kCancelled (the waiter left
// before a slot came), kAlerted (kReady, woken by a Stop, Unavailable or
// Term). A cell goes kReady -> kDelivered | kCancelled -> kReady of the next
// lap; the waiter takes a delivered slot and readies the cell, whoever
// takes a cancelled cell's ticket readies it. A delivery is two steps:
// Deliver() commits the slot to the waiter (kDelivered with `opening` set:
// from here the waiter can no longer cancel), the End then opens the slot's
// control word for it, and Publish() clears `opening`. The waiter takes the
// slot only once it is published, so the End's handle stays valid until
// the slot is the waiter's for good (see SlotPool::HandOver()). `gated`,
// set by Publish(), says that the End's head CAS found the pool's gate (a
// Stop, Unavailable or Term closed it for Begin): the grant is ordered
// after that flag, and the waiter ends the session again.
//
// Parked grants. A waiter that was handed a slot but that the scheduler
// has not run yet would hold its cell, and the caller that takes the
// ticket kCells later would find no room. That caller moves the published
// grant aside instead (TakeOver()): `moving` marks the cell while it copies
// the cell into the cell's parked word (Parked(t): the words after the
// cells in the same allocation), then it readies the cell for its own
// ticket. The waiter, finding its cell in another lap, takes the parked
// grant (TakeParked()). Each cell has one parked word, so a cell parks one
// grant at a time, and its lap runs at most one ahead of its oldest grant
// not yet taken: readying the cell for ticket t + 2 * kCells while the
// grant of ticket t is still parked would bring back t's lap (the
// library's ring has two laps in the ticket counter) under its waiter's
// eyes, so the cell is then `held` (ready but not for taking), the parked
// word marked kBlocked, and the waiter that takes the parked grant readies
// the cell (UnholdIfTaken(), TakeParked()).
//
// Sleepers. A thread sleeps on a cell only for its own ticket, in the
// ticket's lap: its waiter until the cell is delivered or alerted
// (AwaitTicket(), AwaitTaker() in InstanceCore), or while the delivery is
// opening or its grant is moving (Take()). A caller whose ticket's cell is
// not ready waits in the overflow list, not on the cell. So the writes that
// wake are Publish(), TakeOver() and AlertTicket(); those that ready a
// cell for a later lap (Skip(), ReadyNext(), UnholdIfTaken(),
// TakeParked()) and Cancel() change a cell nobody sleeps on, and make no
// system call.
//
// Thread safety: any thread. Progress: every operation is a bounded number
// of atomic steps or a CAS loop that fails only when another thread's RMW
// on the cell succeeded, except Wait(), which blocks (a futex) until its
// deadline, and Take() (and Cancel(), which may call it), which blocks
// until the End that committed a slot to the cell publishes it (two stores
// later) or the caller that moves it aside has parked it (two stores
// later). Invariant: a cell holds the lap of the oldest ticket that maps to
// it and is not yet done with it, or of the ticket after it when the older
// one's grant is parked; a held cell's lap bits name no ticket's cell (they
// are those of the lap after next); a parked word holds at most one grant,
// of the ticket kCells before the cell's lap; a cell with `opening` set is
// changed only by its End's Publish(), one with `moving` only by its mover,
// a `held` one only by the waiter whose grant is parked (TakeParked()) or,
// once that waiter has taken it, by the readier that held the cell
// (UnholdIfTaken()). Memory ordering: Publish() is a release store that the
// waiter's acquire loads pair with (it then reads the slot's control word
// the End opened before it); a mover acquires the published cell and
// releases the readied one, so the waiter that acquires it sees the parked
// word and the End's control word; the rest are noted where they are.
// Lifetime: allocated by the first waiter (Ensure()), freed with the pool.
#ifndef JETSESSION_SRC_SESSION_WAIT_QUEUE_H_
#define JETSESSION_SRC_SESSION_WAIT_QUEUE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "allocation_faults.h"
#include "atomics.h"

namespace jetsession::internal {

// The width of the ticket counters in the pool's flag word: 15 bits, unless
// the policy names fewer (Policy::kWaitTicketBits: the white-box tests and
// Relacy then go round the tickets as well as the ring).
template <class Policy>
constexpr std::uint32_t TicketBits() noexcept {
  if constexpr (requires { Policy::kWaitTicketBits; }) {
    return Policy::kWaitTicketBits;
  } else {
    return 15;
  }
}

template <class Policy>
class SessionWaitQueue {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  // Tickets are counted modulo kTickets in the flag word; kCells of them can
  // be unserved at once (a waiter beyond that waits for a cell first), and
  // a parked grant's ticket more per cell.
  static constexpr std::uint32_t kTicketBits = TicketBits<Policy>();
  static constexpr std::uint32_t kTickets = 1U << kTicketBits;
  static constexpr std::uint32_t kCells = Policy::kWaitCells;
  // The laps (5 bits) run on across the wrap of the tickets: the number of
  // laps in a round of tickets divides 32 or is a multiple of it.
  static_assert(kTicketBits <= 15);
  static_assert(kCells >= 2 && kTickets % kCells == 0 &&
                (32 % (kTickets / kCells) == 0 ||
                 (kTickets / kCells) % 32 == 0));

  static constexpr std::uint32_t kReady = 0;
  static constexpr std::uint32_t kDelivered = 1;
  static constexpr std::uint32_t kCancelled = 2;
  static constexpr std::uint32_t kAlerted = 3;
  static constexpr std::uint32_t kStateMask = 3;
  // Set with kDelivered between Deliver() and Publish().
  static constexpr std::uint32_t kOpening = 1U << 27;
  // Set by Publish() for a grant ordered after a flag.
  static constexpr std::uint32_t kGated = 1U << 28;
  // Set on a published cell while TakeOver() parks its grant.
  static constexpr std::uint32_t kMoving = 1U << 29;
  // Set on a cell readied for the next lap while the grant of the lap
  // before the current one is still parked (not for taking).
  static constexpr std::uint32_t kHeld = 1U << 30;
  // Set on a parked word whose cell is held: its taker readies the cell.
  static constexpr std::uint32_t kBlocked = 1U << 30;

  SessionWaitQueue() = default;
  SessionWaitQueue(const SessionWaitQueue&) = delete;
  SessionWaitQueue& operator=(const SessionWaitQueue&) = delete;
  ~SessionWaitQueue() {
    // relaxed: the pool is being destroyed; nobody waits.
    const std::unique_ptr<Atomic<std::uint32_t>[]> owned(
        cells_.load(std::memory_order_relaxed));
  }

  // The cells (and after them their parked words), allocated on first use;
  // nullptr when memory runs out (the next caller tries again).
  Atomic<std::uint32_t>* Ensure() noexcept {
    // acquire: pairs with the release CAS below.
    Atomic<std::uint32_t>* cells = cells_.load(std::memory_order_acquire);
    if (cells != nullptr) return cells;
    if (AllocationFaults::ShouldFail()) return nullptr;
    // nothrow: without memory the callers wait without a ticket (see
    // InstanceCore::QueueForSlot()); nothing throws.
    std::unique_ptr<Atomic<std::uint32_t>[]> fresh(
        new (std::nothrow) Atomic<std::uint32_t>[std::size_t{2} * kCells]);
    if (fresh == nullptr) return nullptr;
    for (std::uint32_t i = 0; i < kCells; ++i) {
      // relaxed: published by the CAS.
      fresh[i].store(ReadyFor(i), std::memory_order_relaxed);
      fresh[kCells + i].store(0, std::memory_order_relaxed);  // parked word
    }
    // acq_rel: release publishes the cells, acquire reads a winner's (and
    // ours is then freed).
    if (cells_.compare_exchange_strong(cells, fresh.get(),
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      return fresh.release();
    }
    return cells;
  }

  // Whether ticket t's cell is free for it (its previous ticket is done; an
  // alert may have marked it since).
  bool IsReadyFor(std::uint32_t t) const noexcept {
    // acquire: pairs with the release store that readied the cell.
    return (Cell(t).load(std::memory_order_acquire) | kAlerted) ==
           (ReadyFor(t) | kAlerted);
  }

  // The cell's value, for a waiter that blocks on it.
  std::uint32_t Peek(std::uint32_t t) const noexcept {
    // acquire: pairs with Publish() (the slot's control word, opened
    // before it, is then visible).
    return Cell(t).load(std::memory_order_acquire);
  }

  // Blocks while ticket t's cell holds `seen`, at most until `deadline`.
  void Wait(std::uint32_t t, std::uint32_t seen,
            typename Policy::WaitClock::time_point deadline) const noexcept {
    Policy::WaitWhile(Cell(t), seen, deadline);
  }

  // Commits `slot` to ticket t's waiter: true, unless its waiter cancelled
  // (the caller took the ticket, so it then readies the cell and goes on).
  // On true the waiter can no longer leave without the slot, and waits for
  // the caller's Publish(t, slot), which must follow.
  bool Deliver(std::uint32_t t, std::uint32_t slot) noexcept {
    auto& cell = Cell(t);
    // relaxed: a first guess for the CAS.
    std::uint32_t seen = cell.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint32_t state = seen & kStateMask;
      if (state == kCancelled) {
        if constexpr (Policy::kMutation != Mutation::kCancelledCellKept) {
          Skip(t);
        }
        return false;
      }
      // relaxed: the waiter reads nothing through this value (it waits for
      // Publish()'s release store); the CAS itself orders it against the
      // waiter's Cancel() CAS on the same cell.
      if (cell.compare_exchange_weak(seen, Delivered(t, slot) | kOpening,
                                     std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
        return true;
      }
    }
  }

  // Makes the slot committed by Deliver(t, slot) the waiter's to take, once
  // the caller opened its control word, and wakes the waiter. `gated`: the
  // grant is ordered after a Stop, Unavailable or Term (kGated).
  void Publish(std::uint32_t t, std::uint32_t slot, bool gated) noexcept {
    auto& cell = Cell(t);
    // release: pairs with the waiter's acquire loads (Take(), Cancel()): it
    // then sees the control word opened for it.
    cell.store(Delivered(t, slot) | (gated ? kGated : 0U),
               std::memory_order_release);
    Policy::WakeAll(cell);
  }

  // For the waiter of ticket t, whose cell showed `seen`: whether a slot
  // came to it (its cell delivered, or in another lap: the grant parked).
  static bool IsServed(std::uint32_t t, std::uint32_t seen) noexcept {
    return !OfLap(t, seen) || (seen & kStateMask) == kDelivered;
  }

  // For the waiter of ticket t, served (IsServed(t, seen)): takes the slot
  // and returns the cell as published (see SlotOf() and IsGated()). Blocks
  // while the End that committed the slot has not published it yet, or a
  // caller moves it aside (TakeOver()); then readies the cell for the next
  // lap, or takes the grant from the parked word.
  //
  // `help()` is called first while the cell is committed and not yet
  // published: it finishes a grow's grant recorded for the ticket (whose
  // finisher may have stopped) and returns true, or returns false when
  // the commit is an End's (which publishes in a few steps of its own).
  template <class Help = bool (*)()>
  std::uint32_t Take(std::uint32_t t, std::uint32_t seen,
                     Help&& help = NoHelp) noexcept {
    auto& cell = Cell(t);
    for (;;) {
      if (!OfLap(t, seen)) return TakeParked(t);
      if ((seen & (kOpening | kMoving)) != 0) {
        if ((seen & kOpening) == 0 || !help()) {
          Policy::WaitWhile(cell, seen, Policy::WaitClock::time_point::max());
        }
        // acquire: pairs with Publish() and with TakeOver()'s store.
        seen = cell.load(std::memory_order_acquire);
        continue;
      }
      const std::uint32_t published = seen;
      if (ReadyNext(t, seen)) return published;
      // A caller moved the grant aside meanwhile: `seen` is its mark.
    }
  }

  // For the taker of ticket t: if its waiter has left (cancelled), readies
  // the cell for the next lap and returns true (nothing is delivered).
  // Once cancelled, the cell changes only by its taker.
  bool SkipIfCancelled(std::uint32_t t) noexcept {
    // acquire: pairs with the waiter's Cancel() CAS.
    if ((Cell(t).load(std::memory_order_acquire) & kStateMask) != kCancelled) {
      return false;
    }
    if constexpr (Policy::kMutation != Mutation::kCancelledCellKept) {
      Skip(t);
    }
    return true;
  }

  // The waiter of ticket t leaves: true if it left before a slot came
  // (kCancelled now; the ticket's taker readies the cell), false if a slot
  // was delivered (*published: as Take()'s). Until its waiter has taken a
  // grant, a cell shows no other ticket's value in that ticket's lap (see
  // ReadyNext()), so the CAS cannot take another ticket's cell for t's.
  template <class Help = bool (*)()>
  bool Cancel(std::uint32_t t, std::uint32_t* published,
              Help&& help = NoHelp) noexcept {
    auto& cell = Cell(t);
    // acquire: as Peek().
    std::uint32_t seen = cell.load(std::memory_order_acquire);
    for (;;) {
      if (IsServed(t, seen)) {
        *published = Take(t, seen, help);
        return false;
      }
      // seq_cst: acquire sees a delivery that beat it (on failure too;
      // Take() then acquires its Publish()); seq_cst with the
      // IsCancelled() loads of the waiters that pass over left tickets
      // (SlotPool::PassOverLeftTickets(): of two waiters that cancel and
      // then look at each other's cell, one sees the other's cancel).
      if (cell.compare_exchange_weak(seen, Cancelled(t),
                                     std::memory_order_seq_cst,
                                     std::memory_order_acquire)) {
        return true;
      }
    }
  }

  // Take()'s and Cancel()'s default: no grant to help.
  static bool NoHelp() noexcept { return false; }

  // Whether ticket t's waiter left before a slot came (its cell cancelled
  // in t's lap: final until the ticket's taker readies it). seq_cst: with
  // Cancel()'s CAS; it also acquires it.
  bool IsCancelled(std::uint32_t t) const noexcept {
    return Cell(t).load(std::memory_order_seq_cst) == Cancelled(t);
  }

  // The waiter of ticket t saw an alert that was not for it: the cell is
  // made kReady again (unless a slot came meanwhile, which it then sees).
  void Rearm(std::uint32_t t, std::uint32_t seen) noexcept {
    // acquire: pairs with AlertTicket()'s release CAS: a Rearm() that
    // reads an alert of a Stop (its rewrite of an alerted cell) sees the
    // Stop's flag in the waiter's next read of the state; one that comes
    // first is overwritten by that alert. (A plain relaxed CAS let the
    // next state read pass it, and the Stop's alert find the cell still
    // alerted: a waiter asleep after the Stop; verification/spin's
    // WEAK_REARM.)
    Cell(t).compare_exchange_strong(seen, ReadyFor(t),
                                    std::memory_order_acquire);
  }

  // A ticket whose waiter cancelled (or, in a mutant, any ticket), taken
  // by someone who will not deliver to it: readies the cell.
  // Once cancelled, the cell changes only by its taker: a store. It wakes
  // nobody: nobody sleeps on a cancelled cell (see Sleepers above), so a
  // waiter or a free that passes over many left tickets makes no system
  // call for them.
  void Skip(std::uint32_t t) noexcept {
    const std::uint32_t grant = ParkedGrant(t);
    // release: pairs with the acquire loads of the next lap's users
    // (IsReadyFor(), TakeOver()).
    Cell(t).store(NextOrHeld(t, grant), std::memory_order_release);
    UnholdIfTaken(t, grant);
  }

  // For a caller that found ticket t's cell not ready, with t still the
  // tail: if the cell holds a slot published to ticket t - kCells, whose
  // waiter has not taken it yet, and the cell's parked word is free, moves
  // that grant to the parked word and readies the cell for t. True if it
  // did; false if the cell is held otherwise (a live waiter, a delivery in
  // flight, a grant already parked: the caller waits for the cell).
  bool TakeOver(std::uint32_t t) noexcept {
    auto& cell = Cell(t);
    auto& parked = Parked(t);
    // acquire: as Peek().
    std::uint32_t seen = cell.load(std::memory_order_acquire);
    const std::uint32_t before = (t + kTickets - kCells) % kTickets;
    if ((seen & kStateMask) != kDelivered || !OfLap(before, seen) ||
        (seen & (kOpening | kMoving)) != 0) {
      return false;
    }
    // acquire: pairs with TakeParked()'s exchange (a grant taken since is
    // read as such; a stale grant only sends the caller to wait).
    if (Policy::kMutation != Mutation::kParkOverParked &&
        parked.load(std::memory_order_acquire) != 0) {
      return false;
    }
    // acquire: reads Publish()'s release store (and the slot's control
    // word the End opened before it), which this thread passes on to the
    // waiter with its release store below. Fails if the waiter readied the
    // cell meanwhile, or another caller moves the grant.
    if (!cell.compare_exchange_strong(seen, seen | kMoving,
                                      std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      return false;
    }
    // relaxed: published by the release store that follows.
    parked.store(seen, std::memory_order_relaxed);
    // release: pairs with the acquire loads of the parked grant's waiter
    // (Take()) and of ticket t's caller (IsReadyFor()).
    cell.store(ReadyFor(t), std::memory_order_release);
    Policy::WakeAll(cell);
    return true;
  }

  // Marks the cells of tickets head..tail-1 whose waiter may be blocked,
  // and wakes them, so that they look at the instance state (Stop,
  // Unavailable, Term). The caller read head and tail after it set the
  // state's flag (see SlotPool::AlertWaiters()).
  void AlertTickets(std::uint32_t head, std::uint32_t tail) noexcept {
    // acquire: as Ensure().
    Atomic<std::uint32_t>* const cells = cells_.load(std::memory_order_acquire);
    if (cells == nullptr) return;
    for (std::uint32_t t = head; t != tail; t = (t + 1) % kTickets) {
      AlertCell(cells, t);
    }
  }

  // Marks and wakes the cells of the first `most` tickets of head..tail-1
  // whose waiter may be blocked (ready in their lap; a ticket left is
  // passed over), so that they look at a grow (SlotPool::AlertForGrow()).
  void AlertFirst(std::uint32_t head, std::uint32_t tail,
                  std::uint32_t most) noexcept {
    // acquire: as Ensure().
    Atomic<std::uint32_t>* const cells = cells_.load(std::memory_order_acquire);
    if (cells == nullptr) return;
    for (std::uint32_t t = head; t != tail && most != 0;
         t = (t + 1) % kTickets) {
      if (AlertCell(cells, t)) --most;
    }
  }

  // Marks the cell of ticket `t` and wakes it, if its waiter may be
  // blocked on it (ready in t's lap): a flag's alert (AlertTickets()), or
  // the stop request of the call that took `t` (StopRequest), which wakes
  // no other waiter. A ticket left meanwhile is no longer in its cell's
  // lap, unless the cell came round to it again: its next waiter then
  // re-arms the cell (InstanceCore::AwaitTicket()).
  void AlertTicket(std::uint32_t t) noexcept {
    // acquire: as Ensure(); a ticket named here was taken, so its cells
    // are allocated.
    Atomic<std::uint32_t>* const cells = cells_.load(std::memory_order_acquire);
    if (cells != nullptr) AlertCell(cells, t);
  }

  // A caller starts waiting (before it reads the instance state) or has
  // returned. seq_cst: Arrive() and the state read that follows it pair
  // with JetTerm's flag CAS and its reads of Callers() (a Dekker pair:
  // either the caller sees Terminating, or JetTerm waits for it).
  void Arrive() noexcept { callers_.fetch_add(1, std::memory_order_seq_cst); }
  // release: the caller's last steps happen-before a Callers() that reads 0
  // and AwaitNoCallers()'s return. The last caller to leave while JetTerm
  // waits for them (kDrainWaits) wakes it; the wake comes after the count
  // it changes, so the caller marks itself in leaving_ around both, and
  // its last step is that mark's drop.
  void Leave() noexcept {
    // relaxed: published by the release fetch_sub below.
    leaving_.fetch_add(1, std::memory_order_relaxed);
    if (callers_.fetch_sub(1, std::memory_order_release) ==
        (kDrainWaits | 1U)) {
      Policy::WakeAll(callers_);
    }
    // release: pairs with AwaitNoCallers()'s acquire load of leaving_.
    leaving_.fetch_sub(1, std::memory_order_release);
  }
  std::uint32_t Callers() const noexcept {
    return callers_.load(std::memory_order_seq_cst) & ~kDrainWaits;
  }
  // JetTerm's wait, with Terminating set: blocks (a futex on the count, not
  // a spin: a Term thread of higher priority on the waiters' processor
  // would keep them from leaving) until no caller is left. seq_cst: as
  // Callers() (the mark is a read of the count after the flag CAS).
  void AwaitNoCallers() noexcept {
    std::uint32_t c =
        callers_.fetch_or(kDrainWaits, std::memory_order_seq_cst) | kDrainWaits;
    while (c != kDrainWaits) {
      // Woken by Leave()'s WakeAll(); a change of the count ends it too.
      Policy::WaitWhile(callers_, c, Policy::WaitClock::time_point::max());
      // seq_cst: as above.
      c = callers_.load(std::memory_order_seq_cst);
    }
    // The callers that brought the count down may still be waking this
    // thread: a few steps each, with nothing to wake us when they end, so
    // sleep in short slices (a sleep, not a spin: a caller that this
    // thread's priority keeps off the processor still runs).
    // acquire: pairs with Leave()'s release drop (and, through the count's
    // release sequence, its rise is seen).
    for (std::uint32_t l = leaving_.load(std::memory_order_acquire); l != 0;
         l = leaving_.load(std::memory_order_acquire)) {
      Policy::WaitWhile(
          leaving_, l,
          Policy::WaitClock::now() +
              std::chrono::ceil<typename Policy::WaitClock::duration>(
                  std::chrono::microseconds(100)));
    }
    // relaxed: no caller is left to read the mark, and the next Term sets
    // it again.
    callers_.fetch_and(~kDrainWaits, std::memory_order_relaxed);
  }

  // A caller took its ticket (its place in the queue) and waits on it, or
  // has left that wait: what JetExtGetSessionStats reports as cWaiters. A
  // caller that is counted holds a ticket, so every free goes to it or to
  // an older ticket (first come, first served). release: pairs with
  // QueuedCallers(), whose reader then sees the ticket taken.
  void Queued() noexcept { queued_.fetch_add(1, std::memory_order_release); }
  void Unqueued() noexcept { queued_.fetch_sub(1, std::memory_order_release); }
  std::uint32_t QueuedCallers() const noexcept {
    // acquire: as Queued().
    return queued_.load(std::memory_order_acquire);
  }
  // At most 2 * kCells callers hold a ticket at once (per cell, a parked
  // grant's waiter and the ticket kCells after it).
  static_assert(2 * kCells <= 0xFFFF);

  static std::uint32_t StateOf(std::uint32_t cell) noexcept {
    return cell & kStateMask;
  }
  // The slot of a published cell.
  static std::uint32_t SlotOf(std::uint32_t cell) noexcept {
    return (cell >> kSlotShift) & kSlotMask;
  }
  // Whether a published cell's grant is ordered after a flag.
  static bool IsGated(std::uint32_t cell) noexcept {
    return (cell & kGated) != 0;
  }

  // ---- A grow's grants (SlotPool::FinishGrant()): each step may be made
  // by any thread, so each is a CAS that names ticket t's lap. ----

  // Where the grant of ticket t stands, by its cell `seen`.
  enum class Grant {
    kOpen,       // ready (or alerted) for t: nothing committed yet
    kCancelled,  // t's waiter left before a slot came
    kCommitted,  // a slot is committed, not yet published
    kDone,       // published, taken, or the cell is in another lap
  };
  static Grant GrantStateOf(std::uint32_t t, std::uint32_t seen) noexcept {
    if (!OfLap(t, seen)) return Grant::kDone;
    switch (seen & kStateMask) {
      case kReady:
      case kAlerted:
        return Grant::kOpen;
      case kCancelled:
        return Grant::kCancelled;
      default:
        return (seen & kOpening) != 0 ? Grant::kCommitted : Grant::kDone;
    }
  }

  // Commits `slot` to ticket t's waiter if the cell is still ready (or
  // alerted) for t: true when this call did. Unlike Deliver(), which only
  // the ticket's taker calls, a grant's finishers may wake late: the CAS
  // expects t's lap, so it never commits to a later ticket of the cell.
  bool CommitGrant(std::uint32_t t, std::uint32_t slot) noexcept {
    auto& cell = Cell(t);
    // relaxed: a first guess for the CAS.
    std::uint32_t seen = cell.load(std::memory_order_relaxed);
    while (GrantStateOf(t, seen) == Grant::kOpen) {
      // relaxed: as Deliver()'s (the waiter waits for the publication's
      // release).
      if (cell.compare_exchange_weak(seen, Delivered(t, slot) | kOpening,
                                     std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Publishes the grant committed to ticket t (the cell `seen`, committed
  // and opening), once its slot is opened, and wakes the waiter: a CAS, so
  // that of the finishers that reach it one publishes and the others find
  // it done. Returns whether this call published (and woke).
  bool PublishGrant(std::uint32_t t, std::uint32_t seen) noexcept {
    auto& cell = Cell(t);
    // release: as Publish()'s (the waiter then sees the slot opened).
    if (!cell.compare_exchange_strong(seen, seen & ~kOpening,
                                      std::memory_order_release,
                                      std::memory_order_relaxed)) {
      return false;
    }
    Policy::WakeAll(cell);
    return true;
  }

  // Wakes the waiter of ticket t if `seen`, its cell, is a grant published
  // in t's lap and not yet taken: the finisher that published it may have
  // stopped between its CAS and its wake (PublishGrant()), and once the
  // grant's record ends nobody else looks at the cell.
  void WakePublished(std::uint32_t t, std::uint32_t seen) noexcept {
    if (OfLap(t, seen) && (seen & kStateMask) == kDelivered &&
        (seen & (kOpening | kMoving)) == 0) {
      Policy::WakeAll(Cell(t));
    }
  }

 private:
  // AlertTicket() on the ring `cells`.
  // Returns whether it marked the cell.
  static bool AlertCell(Atomic<std::uint32_t>* cells,
                        std::uint32_t t) noexcept {
    auto& cell = cells[t % kCells];
    // relaxed: a first guess for the CAS.
    std::uint32_t seen = cell.load(std::memory_order_relaxed);
    // A cell already alerted (by a stop request, or a flag) is written
    // again: the waiter's Rearm() CAS and this one are then ordered on the
    // cell, and either this one marks the re-armed cell, or the Rearm()
    // reads this write. release: pairs with the waiter's acquire Peek()
    // and Rearm(), which then see the flag or the stop request marked
    // before this alert.
    bool alerted = false;
    while (OfLap(t, seen) &&
           ((seen & kStateMask) == kReady || (seen & kStateMask) == kAlerted) &&
           !(alerted = cell.compare_exchange_weak(seen, seen | kAlerted,
                                                  std::memory_order_release,
                                                  std::memory_order_relaxed))) {
    }
    // Only the waiter of a cell ready in its ticket's lap sleeps for the
    // state (see Sleepers above): a left ticket's cell (cancelled, or
    // readied for a later lap by a waiter passing over it meanwhile) and
    // a delivered one are not woken, so a ring full of left tickets costs
    // the alert no system call each.
    if (alerted) Policy::WakeAll(cell);
    return alerted;
  }

  static constexpr unsigned kLapShift = 2;
  static constexpr unsigned kSlotShift = 7;
  static constexpr std::uint32_t kLapMask = 31;
  static constexpr std::uint32_t kSlotMask = (1U << 20) - 1;

  static constexpr std::uint32_t LapOf(std::uint32_t t) noexcept {
    return ((t % kTickets) / kCells) % 32U;
  }
  static constexpr std::uint32_t ReadyFor(std::uint32_t t) noexcept {
    return LapOf(t) << kLapShift | kReady;
  }
  static constexpr std::uint32_t Delivered(std::uint32_t t,
                                           std::uint32_t slot) noexcept {
    return slot << kSlotShift | LapOf(t) << kLapShift | kDelivered;
  }
  static constexpr std::uint32_t Cancelled(std::uint32_t t) noexcept {
    return LapOf(t) << kLapShift | kCancelled;
  }

  // Whether `seen` is a value of ticket t's own lap in its cell (a held
  // cell is the next lap's, whatever its lap bits say).
  static bool OfLap(std::uint32_t t, std::uint32_t seen) noexcept {
    return ((seen >> kLapShift) & kLapMask) == LapOf(t) && (seen & kHeld) == 0;
  }

  // Readies ticket t's cell, which holds `seen` (t's, delivered), for
  // ticket t + kCells, with a CAS: false if the cell changed (`seen` is then
  // what it holds: a caller moves the grant aside, TakeOver()). If the
  // cell's parked word holds the grant of ticket t - kCells, ticket
  // t + kCells has that grant's lap, so the cell is held instead
  // (NextOrHeld(), UnholdIfTaken()).
  bool ReadyNext(std::uint32_t t, std::uint32_t& seen) noexcept {
    const std::uint32_t grant = ParkedGrant(t);
    // acq_rel: release as Skip()'s store; acquire, on failure too: as
    // Take()'s loads.
    if (!Cell(t).compare_exchange_strong(seen, NextOrHeld(t, grant),
                                         std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      return false;
    }
    UnholdIfTaken(t, grant);
    return true;
  }

  // The grant parked for ticket t's cell (of ticket t - kCells), or 0.
  // acquire: as TakeOver()'s. A grant parked for this cell was parked before
  // ticket t was taken (its caller acquired the readied cell, then took the
  // ticket with a CAS on the flag word), and the caller here took ticket t
  // from that word too (the waiter of t, or an End or a leaving waiter that
  // took it as head), so it is read here unless taken since.
  std::uint32_t ParkedGrant(std::uint32_t t) const noexcept {
    return Parked(t).load(std::memory_order_acquire);
  }
  // What readies ticket t's cell for t + kCells: the plain ready value, or,
  // with `grant` parked, the held one.
  static std::uint32_t NextOrHeld(std::uint32_t t,
                                  std::uint32_t grant) noexcept {
    const bool hold =
        grant != 0 && Policy::kMutation != Mutation::kReadyOverParked;
    return ReadyFor(t + kCells) | (hold ? kHeld : 0U);
  }
  // After the cell was readied with NextOrHeld(t, grant): marks the parked
  // word kBlocked, so that the grant's taker readies the cell
  // (TakeParked()); if the taker came first (the CAS fails: the word only
  // goes from the grant to 0 meanwhile), readies it here. Wakes nobody:
  // nobody sleeps on a cell readied for a later lap (see Sleepers above).
  void UnholdIfTaken(std::uint32_t t, std::uint32_t grant) noexcept {
    // acq_rel: release orders the held store before the mark, which
    // TakeParked()'s exchange acquires before it readies the cell.
    if ((NextOrHeld(t, grant) & kHeld) != 0 &&
        !Parked(t).compare_exchange_strong(grant, grant | kBlocked,
                                           std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
      // release: as Skip()'s.
      Cell(t).store(ReadyFor(t + kCells), std::memory_order_release);
    }
    WakeForMutant(t);
  }

  // The mutants that break the invariant of Sleepers above (a live ticket
  // skipped, a cell readied for a lap that a parked grant's waiter still
  // reads as its own) have waiters asleep on the cells they ready: they
  // wake them, so that their tests end.
  void WakeForMutant(std::uint32_t t) noexcept {
    if constexpr (Policy::kMutation == Mutation::kPassOverLiveTicket ||
                  Policy::kMutation == Mutation::kReadyOverParked ||
                  Policy::kMutation == Mutation::kParkOverParked) {
      Policy::WakeAll(Cell(t));
    }
  }

  // For the waiter of ticket t, whose cell has moved on: takes its parked
  // grant, and readies the cell for ticket t + 2 * kCells if it was held
  // for it.
  std::uint32_t TakeParked(std::uint32_t t) noexcept {
    // acq_rel: acquire pairs with UnholdIfTaken()'s mark (the held store is
    // then before this thread's store below); the grant itself was brought by
    // the acquire load of the moved cell.
    const std::uint32_t grant =
        Parked(t).exchange(0, std::memory_order_acq_rel);
    if ((grant & kBlocked) != 0) {
      // release: as ReadyNext()'s. Wakes nobody (see Sleepers above).
      Cell(t).store(ReadyFor(t + 2 * kCells), std::memory_order_release);
      WakeForMutant(t);
    }
    return grant & ~kBlocked;
  }

  Atomic<std::uint32_t>& Cell(std::uint32_t t) const noexcept {
    // acquire: as Ensure(); the caller made sure they exist.
    return cells_.load(std::memory_order_acquire)[t % kCells];
  }
  Atomic<std::uint32_t>& Parked(std::uint32_t t) const noexcept {
    // acquire: as Cell().
    return cells_.load(std::memory_order_acquire)[kCells + t % kCells];
  }

  Atomic<Atomic<std::uint32_t>*> cells_{nullptr};
  // Callers in BeginWait()/DupWait(), and kDrainWaits while JetTerm waits.
  static constexpr std::uint32_t kDrainWaits = 1U << 31U;
  Atomic<std::uint32_t> callers_{0};
  // Callers in Leave(), between their count's rise and their last step.
  Atomic<std::uint32_t> leaving_{0};
  Atomic<std::uint32_t> queued_{0};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SESSION_WAIT_QUEUE_H_
