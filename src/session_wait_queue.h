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
// in the library, 64 KiB), a 32-bit word, which is also what
// the waiter blocks on (a futex):
//
//   31..29  28     27       26..7       6..2   1..0
//   +------+------+--------+-----------+------+-------+
//   | 0    | gated| opening| slot (20) | lap  | state |
//   +------+------+--------+-----------+------+-------+
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
// set by Publish(), says that the End found the pool's closure for Begin
// (a Stop, Unavailable or Term) complete after its commit: the grant is
// ordered after that flag, and the waiter ends the session again.
//
// Thread safety: any thread. Progress: every operation is a bounded number
// of atomic steps, except Wait(), which blocks (a futex) until its deadline,
// and AwaitPublished(), which blocks until the End that committed a slot to
// the cell publishes it (two stores later). Invariant: a cell holds the lap
// of the oldest ticket that maps to it and is not yet done with it; a cell
// with `opening` set is changed only by its End's Publish(). Memory
// ordering: Publish() is a release store that the waiter's acquire loads
// pair with (it then reads the slot's control word the End opened before
// it); the rest are noted where they are.
// Lifetime: allocated by the first waiter (Ensure()), freed with the pool.
#ifndef JETSESSION_SRC_SESSION_WAIT_QUEUE_H_
#define JETSESSION_SRC_SESSION_WAIT_QUEUE_H_

#include <cstdint>
#include <memory>
#include <new>

#include "allocation_faults.h"
#include "atomics.h"

namespace jetsession::internal {

template <class Policy>
class SessionWaitQueue {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  // Tickets are counted modulo kTickets in the flag word; kCells of them can
  // be in use at once (a waiter beyond that waits for a cell first).
  static constexpr std::uint32_t kTicketBits = 15;
  static constexpr std::uint32_t kTickets = 1U << kTicketBits;
  static constexpr std::uint32_t kCells = Policy::kWaitCells;
  // The laps (5 bits) run on across the wrap of the tickets: the number of
  // laps in a round of tickets divides 32 or is a multiple of it.
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

  SessionWaitQueue() = default;
  SessionWaitQueue(const SessionWaitQueue&) = delete;
  SessionWaitQueue& operator=(const SessionWaitQueue&) = delete;
  ~SessionWaitQueue() {
    // relaxed: the pool is being destroyed; nobody waits.
    const std::unique_ptr<Atomic<std::uint32_t>[]> owned(
        cells_.load(std::memory_order_relaxed));
  }

  // The cells, allocated on first use; nullptr when memory runs out (the
  // next caller tries again).
  Atomic<std::uint32_t>* Ensure() noexcept {
    // acquire: pairs with the release CAS below.
    Atomic<std::uint32_t>* cells = cells_.load(std::memory_order_acquire);
    if (cells != nullptr) return cells;
    if (AllocationFaults::ShouldFail()) return nullptr;
    // nothrow: without memory the callers wait without a ticket (see
    // InstanceCore::QueueForSlot()); nothing throws.
    std::unique_ptr<Atomic<std::uint32_t>[]> fresh(
        new (std::nothrow) Atomic<std::uint32_t>[kCells]);
    if (fresh == nullptr) return nullptr;
    for (std::uint32_t i = 0; i < kCells; ++i) {
      // relaxed: published by the CAS.
      fresh[i].store(ReadyFor(i), std::memory_order_relaxed);
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
          // release: pairs with the acquire of the next lap's users.
          cell.store(ReadyFor(t + kCells), std::memory_order_release);
          Policy::WakeAll(cell);
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
    // release: pairs with the waiter's acquire loads (AwaitPublished(),
    // Cancel()): it then sees the control word opened for it.
    cell.store(Delivered(t, slot) | (gated ? kGated : 0U),
               std::memory_order_release);
    Policy::WakeAll(cell);
  }

  // For the waiter of ticket t whose cell showed `seen`, delivered: blocks
  // until the slot is published (the End is between its Deliver() and its
  // Publish()), and returns the published cell.
  std::uint32_t AwaitPublished(std::uint32_t t,
                               std::uint32_t seen) const noexcept {
    while ((seen & kOpening) != 0) {
      Policy::WaitWhile(Cell(t), seen, Policy::WaitClock::time_point::max());
      // acquire: pairs with Publish().
      seen = Cell(t).load(std::memory_order_acquire);
    }
    return seen;
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
      Release(t);
    }
    return true;
  }

  // The waiter of ticket t leaves: true if it left before a slot came
  // (kCancelled now; the ticket's taker readies the cell), false if a slot
  // was delivered (*published: the cell once published, see SlotOf() and
  // IsGated(); the cell is readied for the next lap).
  bool Cancel(std::uint32_t t, std::uint32_t* published) noexcept {
    auto& cell = Cell(t);
    // acquire: as Peek().
    std::uint32_t seen = cell.load(std::memory_order_acquire);
    for (;;) {
      if ((seen & kStateMask) == kDelivered) {
        *published = AwaitPublished(t, seen);
        Release(t);
        return false;
      }
      // seq_cst: acquire sees a delivery that beat it (on failure too;
      // AwaitPublished() then acquires its Publish()); seq_cst with the
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

  // Whether ticket t's waiter left before a slot came (its cell cancelled
  // in t's lap: final until the ticket's taker readies it). seq_cst: with
  // Cancel()'s CAS; it also acquires it.
  bool IsCancelled(std::uint32_t t) const noexcept {
    return Cell(t).load(std::memory_order_seq_cst) == Cancelled(t);
  }

  // The waiter of ticket t took the slot delivered to it: the cell is free
  // for ticket t + kCells.
  void Release(std::uint32_t t) noexcept {
    auto& cell = Cell(t);
    // release: pairs with IsReadyFor() of the next lap's waiter.
    cell.store(ReadyFor(t + kCells), std::memory_order_release);
    Policy::WakeAll(cell);
  }

  // The waiter of ticket t saw an alert that was not for it: the cell is
  // made kReady again (unless a slot came meanwhile, which it then sees).
  void Rearm(std::uint32_t t, std::uint32_t seen) noexcept {
    // acquire: pairs with AlertTickets()' release CAS: a Rearm() that
    // reads an alert of a Stop (its rewrite of an alerted cell) sees the
    // Stop's flag in the waiter's next read of the state; one that comes
    // first is overwritten by that alert. (A plain relaxed CAS let the
    // next state read pass it, and the Stop's alert find the cell still
    // alerted: a waiter asleep after the Stop; verification/spin's
    // WEAK_REARM.)
    Cell(t).compare_exchange_strong(seen, ReadyFor(t),
                                    std::memory_order_acquire);
  }

  // A ticket whose waiter cancelled, taken by someone who will not deliver
  // to it: readies the cell.
  void Skip(std::uint32_t t) noexcept { Release(t); }

  // Marks the cells of tickets head..tail-1 whose waiter may be blocked,
  // and wakes them, so that they look at the instance state (Stop,
  // Unavailable, Term). The caller read head and tail after it set the
  // state's flag (see SlotPool::AlertWaiters()).
  void AlertTickets(std::uint32_t head, std::uint32_t tail) noexcept {
    // acquire: as Ensure().
    Atomic<std::uint32_t>* const cells = cells_.load(std::memory_order_acquire);
    if (cells == nullptr) return;
    for (std::uint32_t t = head; t != tail; t = (t + 1) % kTickets) {
      auto& cell = cells[t % kCells];
      // relaxed: a first guess for the CAS.
      std::uint32_t seen = cell.load(std::memory_order_relaxed);
      // A cell already alerted (by a stop request) is written again: the
      // waiter's Rearm() CAS and this one are then ordered on the cell,
      // and either this one marks the re-armed cell, or the Rearm() reads
      // this write. release: pairs with the waiter's acquire Peek() and
      // Rearm(), which then see the flag set before this alert.
      while (
          ((seen & kStateMask) == kReady || (seen & kStateMask) == kAlerted) &&
          !cell.compare_exchange_weak(seen, seen | kAlerted,
                                      std::memory_order_release,
                                      std::memory_order_relaxed)) {
      }
      Policy::WakeAll(cell);
    }
  }

  // A caller starts waiting (before it reads the instance state) or has
  // returned. seq_cst: Arrive() and the state read that follows it pair
  // with JetTerm's flag CAS and its reads of Callers() (a Dekker pair:
  // either the caller sees Terminating, or JetTerm waits for it).
  void Arrive() noexcept { callers_.fetch_add(1, std::memory_order_seq_cst); }
  // release: the caller's last steps happen-before a Callers() that reads 0.
  void Leave() noexcept { callers_.fetch_sub(1, std::memory_order_release); }
  std::uint32_t Callers() const noexcept {
    return callers_.load(std::memory_order_seq_cst);
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
  // At most kCells callers hold a ticket at once.
  static_assert(kCells <= 0xFFFF);

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

 private:
  static constexpr unsigned kLapShift = 2;
  static constexpr unsigned kSlotShift = 7;
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

  Atomic<std::uint32_t>& Cell(std::uint32_t t) const noexcept {
    // acquire: as Ensure(); the caller made sure they exist.
    return cells_.load(std::memory_order_acquire)[t % kCells];
  }

  Atomic<Atomic<std::uint32_t>*> cells_{nullptr};
  Atomic<std::uint32_t> callers_{0};
  Atomic<std::uint16_t> queued_{0};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SESSION_WAIT_QUEUE_H_
