// stop_request.h: the stop request of one waiting call (the C++ API's
// std::stop_token), and where that call's waiter sleeps, so that a request
// wakes that waiter alone.
//
// A waiter sleeps on one of three words: the cell of its ticket (the
// queue's ring, session_wait_queue.h), its node's wake word in the
// overflow list (which, for a call with a stop request, is this object's
// wake word), or the list's head word (the list's head, and the callers
// past the list's limit). Before it looks at the request it publishes
// which (Publish*()); the request's callback marks the request, then reads
// what was published and wakes that word (InstanceCore::RequestStop()).
//
// Thread safety: one waiter publishes and reads the request; any thread
// requests. Progress: wait-free (single loads and stores).
// Invariant: `where_` names the place of the waiter's last publication
// (kNowhere before the first), and a ticket named there is one the waiter
// took. Memory ordering: the publication and the request's mark are
// seq_cst stores, each followed by a seq_cst load of the other word (a
// Dekker pair): either the waiter's load sees the request, or the
// requester's load sees the place, whose wake comes after the mark, so the
// waiter's next look at the request (after the wake) sees it. The wake
// word is changed as the overflow list's are (SessionOverflowList::Bump()).
// Lifetime: the waiting call's (the C++ API keeps it on its stack, from
// before its std::stop_callback is registered to after it is destroyed,
// so the callback never touches it after the call returns).
#ifndef JETSESSION_SRC_STOP_REQUEST_H_
#define JETSESSION_SRC_STOP_REQUEST_H_

#include <cstdint>

#include "atomics.h"

namespace jetsession::internal {

template <class Policy>
class StopRequest {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  // Where the waiter sleeps: nowhere yet, on the cell of a ticket (the
  // ticket in the low bits), or listed (its wake word or the head word).
  enum class Place : std::uint8_t { kNowhere, kTicket, kListed };

  // The requester: marks the request. seq_cst: the first half of its
  // Dekker pair, with Where()'s load after it.
  void Mark() noexcept {
    // seq_cst: pairs with the waiter's Requested() after its Publish*().
    requested_.store(true, std::memory_order_seq_cst);
  }
  // The waiter: whether the request is marked. seq_cst: after its last
  // Publish*(), the second half of its Dekker pair.
  bool Requested() const noexcept {
    // seq_cst: pairs with Mark().
    return requested_.load(std::memory_order_seq_cst);
  }

  // The waiter: it will sleep on the cell of `ticket` (before it looks at
  // the request, AwaitTicket()).
  void PublishTicket(std::uint32_t ticket) noexcept {
    Publish(kTicketTag | ticket);
  }
  // The waiter: it will sleep listed, on WakeWord() or on the list's head
  // word (before it looks at the request, AwaitListed()).
  void PublishListed() noexcept { Publish(kListedTag); }

  // The requester, after Mark(): where the waiter sleeps, and its ticket
  // for kTicket.
  Place Where(std::uint32_t* ticket) const noexcept {
    // seq_cst: the second half of the requester's Dekker pair (after
    // Mark()), with Publish()'s store.
    const std::uint64_t where =
        where_.load(Policy::kMutation == Mutation::kStopPlaceRelaxed
                        ? std::memory_order_relaxed
                        : std::memory_order_seq_cst);
    *ticket = static_cast<std::uint32_t>(where);
    if ((where & kTicketTag) != 0) return Place::kTicket;
    if ((where & kListedTag) != 0) return Place::kListed;
    return Place::kNowhere;
  }

  // The word a listed waiter that is not the head sleeps on (its node's,
  // see SessionOverflowList::Node), which the requester changes
  // (SessionOverflowList::Bump()).
  Atomic<std::uint32_t>& WakeWord() noexcept { return wake_; }

 private:
  static constexpr std::uint64_t kTicketTag = std::uint64_t{1} << 32;
  static constexpr std::uint64_t kListedTag = std::uint64_t{1} << 33;

  void Publish(std::uint64_t where) noexcept {
    // seq_cst: the first half of the waiter's Dekker pair, with
    // Requested() after it; pairs with Where().
    where_.store(where, Policy::kMutation == Mutation::kStopPlaceRelaxed
                            ? std::memory_order_relaxed
                            : std::memory_order_seq_cst);
  }

  Atomic<bool> requested_{false};
  Atomic<std::uint64_t> where_{0};
  Atomic<std::uint32_t> wake_{0};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_STOP_REQUEST_H_
