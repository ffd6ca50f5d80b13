// queue_history.h: the threads of a queue history, a recorded history whose
// waiters are seen queued one after the other, so that the checker knows
// their order (Op::queued_by, linearizability.h "Waiting for a session").
// The core's queue histories (concurrency_linearizability_test.cc) and the
// C API's with resizes (concurrency_resize_histories_test.cc) run on it.
//
// Thread 0 is the controller (the caller), threads 1..waiters() the
// waiters (one wait each) and thread racer() the racer, each with its log.
// The controller lets the waiters go one after the other, each pinned (a
// stamp) once it is seen queued, then any waiter not started yet (unpinned)
// and the racer.
#ifndef JETSESSION_TESTS_QUEUE_HISTORY_H_
#define JETSESSION_TESTS_QUEUE_HISTORY_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "linearizability.h"
#include "poll_until.h"

namespace jetsession::testing {

class QueueHistory {
 public:
  explicit QueueHistory(int waiters)
      : waiters_(waiters),
        logs_(static_cast<std::size_t>(waiters + 2)),
        go_(static_cast<std::size_t>(waiters + 2)),
        pins_(static_cast<std::size_t>(waiters + 1), 0) {}
  QueueHistory(const QueueHistory&) = delete;
  QueueHistory& operator=(const QueueHistory&) = delete;

  int waiters() const { return waiters_; }
  int racer() const { return waiters_ + 1; }

  // The log of thread `t`, written by that thread only.
  std::vector<Op>& log(int t) { return logs_[static_cast<std::size_t>(t)]; }

  // Starts the waiters, then the racer, each with a generator of its own
  // seeded from `gen` (in that order): once let go, waiter t runs
  // `wait(t, local)` and the racer `race(racer(), local)`.
  template <class Wait, class Race>
  void Start(absl::BitGen& gen, Wait wait, Race race) {
    for (int t = 1; t <= waiters_; ++t) {
      const auto thread_seed = absl::Uniform<std::uint32_t>(gen);
      threads_.emplace_back([this, t, thread_seed, wait] {
        absl::BitGen local(std::seed_seq{thread_seed});
        AwaitGo(t);
        wait(t, local);
      });
    }
    const auto racer_seed = absl::Uniform<std::uint32_t>(gen);
    threads_.emplace_back([this, racer_seed, race] {
      absl::BitGen local(std::seed_seq{racer_seed});
      AwaitGo(racer());
      race(racer(), local);
    });
  }

  // The controller's part: lets the waiters go one after the other, each
  // pinned (a stamp of `clock`) once `queued(t)` says that the first t are
  // queued; the first not seen queued within `patience` ends the pinning.
  // Then lets every thread not started yet go (unpinned), and the racer.
  template <class Queued>
  void LetGo(HistoryClock& clock, std::chrono::steady_clock::duration patience,
             Queued queued) {
    for (int t = 1; t <= waiters_; ++t) {
      // release: pairs with the waiter's acquire load.
      go_[static_cast<std::size_t>(t)].store(true, std::memory_order_release);
      if (!PollUntil(patience, [&] { return queued(t); })) break;
      pins_[static_cast<std::size_t>(t)] = clock.Stamp();
    }
    for (int t = 1; t <= racer(); ++t) {
      go_[static_cast<std::size_t>(t)].store(true, std::memory_order_release);
    }
  }

  // Waits for the waiters and the racer to return.
  void Join() {
    for (auto& thread : threads_) thread.join();
  }

  // After Join(): the history, every thread's log, each waiter's wait with
  // its pin.
  std::vector<Op> History() {
    std::vector<Op> history;
    for (auto& log : logs_) {
      for (Op& op : log) {
        if (op.kind == OpKind::kBeginWait && op.thread >= 1 &&
            op.thread <= waiters_) {
          op.queued_by = pins_[static_cast<std::size_t>(op.thread)];
        }
      }
      history.insert(history.end(), log.begin(), log.end());
    }
    return history;
  }

 private:
  void AwaitGo(int t) const {
    // acquire: pairs with the controller's release store.
    while (!go_[static_cast<std::size_t>(t)].load(std::memory_order_acquire)) {
      std::this_thread::yield();
    }
  }

  const int waiters_;
  std::vector<std::vector<Op>> logs_;
  // go_[t]: thread t may start (release by the controller, acquire).
  std::vector<std::atomic<bool>> go_;
  // pins_[t]: the stamp at which waiter t was seen queued, or 0.
  std::vector<std::uint64_t> pins_;
  std::vector<std::thread> threads_;
};

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_QUEUE_HISTORY_H_
