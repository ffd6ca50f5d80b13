// session_overflow_list.h: the callers that wait for a session with no
// place in the ring of cells (SessionWaitQueue), in the order they came.
//
// A caller that finds the cell of the next ticket held (more callers wait,
// or left tickets behind a live one, than the ring has cells) or the cells
// not allocated joins this list instead; while the list is not empty every
// newcomer joins it too (the full flag's kListed bit, SlotPool). Only the
// list's head takes a ticket, or receives a session through the pool's
// mailbox (SlotPool::MailToHead()). Begin, Dup and End never take the
// list's lock: only waiters do, and only past the ring's limit.
//
// Thread safety: Lock()/Unlock() bracket every list operation (Append(),
// Remove(), IsHead(), Empty(), AlertAll()); WakeHead(), HeadWord() and
// Bump() may be called by anyone at any time.
//
// Progress: the list's operations block on its lock (a futex), held for a
// few pointer stores at a time. WakeHead() is one fetch_add and a wake.
//
// Invariant: a node is in the list from Append() to Remove(), both by its
// own waiter; the order is the order of Append().
//
// Memory ordering: the lock's acquire exchange and release exchange order
// every list access; a node's wake word and the head word are bumped by
// release RMWs and read by acquire loads before the futex wait on them.
//
// Lifetime: nodes live on their waiters' stacks; a waiter removes its node
// before it returns, and nobody touches a node outside the lock. Its wake
// word, bumped under the lock, is the node's own or, for a C++ wait with a
// stop request, the request's (which its callback bumps without the lock).
#ifndef JETSESSION_SRC_SESSION_OVERFLOW_LIST_H_
#define JETSESSION_SRC_SESSION_OVERFLOW_LIST_H_

#include <cstdint>

#include "thread_annotations.h"

namespace jetsession::internal {

template <class Policy>
class ABSL_LOCKABLE SessionOverflowList {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  // A waiter's place in the list.
  struct Node {
    // The node's wake word: bumped when the node becomes the head and on
    // an alert (a flag); its waiter sleeps on it while it is not the head.
    // It is `own` unless the waiter has a stop request, whose word it is
    // then (StopRequest::WakeWord(): the request bumps it, and it lives as
    // long as the request's callback may run).
    Atomic<std::uint32_t> own{0};
    Atomic<std::uint32_t>* wake = &own;
    Node* prev = nullptr;
    Node* next = nullptr;
  };

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    std::uint32_t c = kUnlocked;
    // acquire: pairs with Unlock()'s release exchange.
    if (lock_.compare_exchange_strong(c, kLocked, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      return;
    }
    // acquire: as above; marks the lock contended.
    if (c != kContended)
      c = lock_.exchange(kContended, std::memory_order_acquire);
    while (c != kUnlocked) {
      Policy::WaitWhile(lock_, kContended,
                        Policy::WaitClock::time_point::max());
      // acquire: as above.
      c = lock_.exchange(kContended, std::memory_order_acquire);
    }
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    // release: pairs with Lock()'s acquire RMWs.
    if (lock_.exchange(kUnlocked, std::memory_order_release) == kContended) {
      Policy::WakeAll(lock_);
    }
  }

  void Append(Node* node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    node->prev = tail_;
    node->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = node;
    } else {
      head_ = node;
    }
    tail_ = node;
    ++size_;
  }

  // Removes `node`; wakes the new head when `node` was the head.
  void Remove(Node* node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    if (node->prev != nullptr) {
      node->prev->next = node->next;
    } else {
      head_ = node->next;
      if (head_ != nullptr) Wake(head_);
    }
    if (node->next != nullptr) {
      node->next->prev = node->prev;
    } else {
      tail_ = node->prev;
    }
    node->prev = node->next = nullptr;
    --size_;
  }

  bool IsHead(const Node* node) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return head_ == node;
  }
  bool Empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return head_ == nullptr;
  }
  // Whether `node` is the only one left.
  bool IsLast(const Node* node) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return head_ == node && tail_ == node;
  }
  std::uint32_t Size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return size_;
  }
  // Whether at least `k` nodes are ahead of `node`. Walks at most k nodes:
  // a leaver compares its place with the grants decided for the list,
  // usually none or a few, so the callers that leave a long list at once
  // (a Stop) do not each walk it.
  bool HasAhead(const Node* node, std::uint32_t k) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    const Node* p = node;
    for (std::uint32_t n = 0; n < k; ++n) {
      p = p->prev;
      if (p == nullptr) return false;
    }
    return true;
  }

  // Wakes every node and the head (Stop, Unavailable, Term): each waiter
  // then reads what it waits for.
  void AlertAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    for (Node* n = head_; n != nullptr; n = n->next) Wake(n);
    WakeHead();
  }

  // The head's wake word: bumped by every grant mailed to the head
  // (SlotPool::MailToHead()) and by AlertAll().
  Atomic<std::uint32_t>& HeadWord() noexcept { return head_word_; }
  void WakeHead() noexcept { Bump(head_word_); }

  // Changes wake word `word` (a node's, the head word, or a stop request's,
  // StopRequest::WakeWord()) and wakes the thread that sleeps on it.
  static void Bump(Atomic<std::uint32_t>& word) noexcept {
    // release: pairs with the sleeper's acquire load of the word before it
    // reads what the word guards (the mailbox, its place, its request) and
    // sleeps.
    word.fetch_add(1, std::memory_order_release);
    Policy::WakeAll(word);
  }

 private:
  static void Wake(Node* node) noexcept { Bump(*node->wake); }

  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;

  Atomic<std::uint32_t> lock_{kUnlocked};
  Atomic<std::uint32_t> head_word_{0};
  Node* head_ ABSL_GUARDED_BY(this) = nullptr;
  Node* tail_ ABSL_GUARDED_BY(this) = nullptr;
  std::uint32_t size_ ABSL_GUARDED_BY(this) = 0;
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_SESSION_OVERFLOW_LIST_H_
