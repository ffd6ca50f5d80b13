// peer_pools.h: the session pools an engine author would otherwise use,
// behind one interface, for the contention benchmarks.
//
// Each pool hands out slot indices 0..capacity-1: TryAcquire() claims one
// (false when the pool says it is empty/full), Release() gives it back. They
// are bare pools: no instance state, no handle validation, no in-call flag,
// which jetsession's full C API does on top of its pool, so a ratio against
// them is jetsession's whole Begin+End against their claim+release alone.
//
// Thread safety: TryAcquire() and Release() may be called from any number
// of threads at once. Progress: as the underlying peer (the mutex pool
// blocks; the others are lock-free, with moodycamel and the spread bitmap
// not linearizable). Lifetime: a pool must outlive its users.
#ifndef JETSESSION_BENCH_PEER_POOLS_H_
#define JETSESSION_BENCH_PEER_POOLS_H_

#include <concurrentqueue/concurrentqueue.h>
#include <tbb/concurrent_queue.h>

#include <atomic>
#include <bit>
#include <boost/lockfree/stack.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ck_stack_pool.h"

namespace jetsession::bench {

// ESE's shape: a lock and a free list.
class MutexFreeListPool {
 public:
  static constexpr const char* kName = "mutex_freelist";
  explicit MutexFreeListPool(std::uint32_t capacity) {
    free_.reserve(capacity);
    for (std::uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
  }
  bool TryAcquire(std::uint32_t* slot) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return false;
    *slot = free_.back();
    free_.pop_back();
    return true;
  }
  void Release(std::uint32_t slot) {
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(slot);
  }

 private:
  std::mutex mutex_;
  std::vector<std::uint32_t> free_;
};

// boost.lockfree stack as a free list (tagged index against ABA).
class BoostStackPool {
 public:
  static constexpr const char* kName = "boost_lockfree_stack";
  explicit BoostStackPool(std::uint32_t capacity) : stack_(capacity) {
    for (std::uint32_t i = 0; i < capacity; ++i) stack_.bounded_push(i);
  }
  bool TryAcquire(std::uint32_t* slot) { return stack_.pop(*slot); }
  void Release(std::uint32_t slot) { stack_.bounded_push(slot); }

 private:
  boost::lockfree::stack<std::uint32_t> stack_;
};

// TBB concurrent_queue as a free list.
class TbbQueuePool {
 public:
  static constexpr const char* kName = "tbb_concurrent_queue";
  explicit TbbQueuePool(std::uint32_t capacity) {
    for (std::uint32_t i = 0; i < capacity; ++i) queue_.push(i);
  }
  bool TryAcquire(std::uint32_t* slot) { return queue_.try_pop(*slot); }
  void Release(std::uint32_t slot) { queue_.push(slot); }

 private:
  tbb::concurrent_queue<std::uint32_t> queue_;
};

// moodycamel ConcurrentQueue as a free list (per-producer sub-queues; may
// report empty while items exist).
class MoodycamelPool {
 public:
  static constexpr const char* kName = "moodycamel_queue";
  explicit MoodycamelPool(std::uint32_t capacity) : queue_(capacity) {
    for (std::uint32_t i = 0; i < capacity; ++i) queue_.enqueue(i);
  }
  bool TryAcquire(std::uint32_t* slot) { return queue_.try_dequeue(*slot); }
  void Release(std::uint32_t slot) { queue_.enqueue(slot); }

 private:
  moodycamel::ConcurrentQueue<std::uint32_t> queue_;
};

// Concurrency Kit ck_stack (MPMC pop with a generation counter, CAS2),
// through the C shim in ck_stack_pool.c.
class CkStackPool {
 public:
  static constexpr const char* kName = "ck_stack";
  explicit CkStackPool(std::uint32_t capacity)
      : pool_(JetBenchCkStackCreate(capacity)) {}
  CkStackPool(const CkStackPool&) = delete;
  CkStackPool& operator=(const CkStackPool&) = delete;
  ~CkStackPool() { JetBenchCkStackDestroy(pool_); }
  bool TryAcquire(std::uint32_t* slot) {
    return JetBenchCkStackAcquire(pool_, slot) != 0;
  }
  void Release(std::uint32_t slot) { JetBenchCkStackRelease(pool_, slot); }

 private:
  JetBenchCkStack* pool_;
};

// The literal reading of "an atomic state word plus a bitmap": a global CAS
// quota counter (exact) and a bitmap claim scanned from a per-thread hint.
class CounterBitmapPool {
 public:
  static constexpr const char* kName = "counter_bitmap";
  explicit CounterBitmapPool(std::uint32_t capacity)
      : capacity_(capacity),
        words_((capacity + 63) / 64),
        bits_(std::make_unique<std::atomic<std::uint64_t>[]>(words_)) {
    for (std::uint32_t i = 0; i < words_; ++i) {
      const std::uint32_t first = i * 64;
      const std::uint32_t usable = capacity - first;
      bits_[i] = usable >= 64 ? 0 : ~((std::uint64_t{1} << usable) - 1);
    }
  }
  bool TryAcquire(std::uint32_t* slot) {
    std::uint32_t used = used_.load(std::memory_order_relaxed);
    do {
      if (used == capacity_) return false;
    } while (!used_.compare_exchange_weak(
        used, used + 1, std::memory_order_acquire, std::memory_order_relaxed));
    thread_local std::uint32_t hint = 0;
    for (std::uint32_t n = 0;; ++n) {
      const std::uint32_t i = (hint + n) % words_;
      std::uint64_t w = bits_[i].load(std::memory_order_relaxed);
      while (~w != 0) {
        const std::uint64_t bit = std::uint64_t{1} << std::countr_one(w);
        if (bits_[i].compare_exchange_weak(w, w | bit,
                                           std::memory_order_acquire)) {
          hint = i;
          *slot = i * 64 + static_cast<std::uint32_t>(std::countr_zero(bit));
          return true;
        }
      }
    }
  }
  void Release(std::uint32_t slot) {
    bits_[slot / 64].fetch_and(~(std::uint64_t{1} << (slot % 64)),
                               std::memory_order_release);
    used_.fetch_sub(1, std::memory_order_release);
  }

 private:
  const std::uint32_t capacity_;
  const std::uint32_t words_;
  alignas(64) std::atomic<std::uint32_t> used_{0};
  alignas(64) std::unique_ptr<std::atomic<std::uint64_t>[]> bits_;
};

// A spread bitmap like the Linux sbitmap: one word a cache line, per-thread
// start hint, claim by fetch_or, one pass: fast, but it may say "full" while
// bits are free (not exact), so it is the ceiling exactness must stay near.
class SpreadBitmapPool {
 public:
  static constexpr const char* kName = "spread_bitmap";
  explicit SpreadBitmapPool(std::uint32_t capacity)
      : words_((capacity + 63) / 64), lines_(std::make_unique<Line[]>(words_)) {
    for (std::uint32_t i = 0; i < words_; ++i) {
      const std::uint32_t usable = capacity - i * 64;
      lines_[i].bits = usable >= 64 ? 0 : ~((std::uint64_t{1} << usable) - 1);
    }
  }
  bool TryAcquire(std::uint32_t* slot) {
    thread_local std::uint32_t hint = static_cast<std::uint32_t>(
        std::hash<std::thread::id>()(std::this_thread::get_id()));
    for (std::uint32_t n = 0; n < words_; ++n) {
      const std::uint32_t i = (hint + n) % words_;
      std::atomic<std::uint64_t>& word = lines_[i].bits;
      std::uint64_t w = word.load(std::memory_order_relaxed);
      if (~w == 0) continue;
      const std::uint64_t bit = std::uint64_t{1} << std::countr_one(w);
      if ((word.fetch_or(bit, std::memory_order_acquire) & bit) == 0) {
        hint = i;
        *slot = i * 64 + static_cast<std::uint32_t>(std::countr_zero(bit));
        return true;
      }
    }
    return false;  // possibly spurious
  }
  void Release(std::uint32_t slot) {
    lines_[slot / 64].bits.fetch_and(~(std::uint64_t{1} << (slot % 64)),
                                     std::memory_order_release);
  }

 private:
  struct alignas(64) Line {
    std::atomic<std::uint64_t> bits{0};
  };
  const std::uint32_t words_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace jetsession::bench

#endif  // JETSESSION_BENCH_PEER_POOLS_H_
