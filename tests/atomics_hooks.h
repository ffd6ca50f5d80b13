// atomics_hooks.h: atomics policies for white-box tests that play a
// schedule deterministically: an action runs inside a call of the core, just
// before one of its compare-exchanges, as another thread's steps would.
#ifndef JETSESSION_TESTS_ATOMICS_HOOKS_H_
#define JETSESSION_TESTS_ATOMICS_HOOKS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <type_traits>
#include <utility>

#include "atomics.h"

namespace jetsession::internal {

// The pool's pair (AtomicPair) over hooked halves: its compare-exchanges
// and stores run the halves' hooks as the same operation of one word would:
// compare_exchange_first() and store_first() as the first word's,
// compare_exchange_second(), store_second() and compare_exchange() of both
// (the debt word with the flag) as the second word's. So a schedule can
// stop a thread around a step of the flag or of the debt word, which the
// pair changes by 16-byte steps. Halves without hooks (std::atomic) leave
// it as it is.
template <class Half>
struct HookedPair : AtomicPair<Half> {
  using Base = AtomicPair<Half>;
  bool compare_exchange(PairValue& expected, PairValue desired) noexcept {
    return Hooked(Second(), expected.second,
                  [&] { return Base::compare_exchange(expected, desired); });
  }
  bool compare_exchange_first(std::uint64_t& expected,
                              std::uint64_t desired) noexcept {
    return Hooked(First(), expected, [&] {
      return Base::compare_exchange_first(expected, desired);
    });
  }
  bool compare_exchange_second(std::uint64_t& expected,
                               std::uint64_t desired) noexcept {
    return Hooked(Second(), expected, [&] {
      return Base::compare_exchange_second(expected, desired);
    });
  }
  void store_first(std::uint64_t desired) noexcept {
    BeforeStore(First());
    Base::store_first(desired);
  }
  void store_second(std::uint64_t desired) noexcept {
    BeforeStore(Second());
    Base::store_second(desired);
  }

 private:
  // The hooks take the word as the std::atomic it derives from.
  Half& First() noexcept { return const_cast<Half&>(this->first()); }
  Half& Second() noexcept { return const_cast<Half&>(this->second()); }
  template <class Cas>
  static bool Hooked(Half& word, std::uint64_t expected, Cas cas) noexcept {
    if constexpr (requires { typename Half::HookType; }) {
      using Hook = typename Half::HookType;
      Hook::Before(word, expected);
      const bool done = cas();
      if constexpr (requires(std::atomic<std::uint64_t> & w) {
                      Hook::After(w, done);
                    }) {
        Hook::After(word, done);
      }
      return done;
    } else {
      return cas();
    }
  }
  static void BeforeStore(Half& word) noexcept {
    if constexpr (requires { typename Half::HookType; }) {
      using Hook = typename Half::HookType;
      if constexpr (requires(std::atomic<std::uint64_t> & w) {
                      Hook::BeforeStore(w);
                    }) {
        Hook::BeforeStore(word);
      }
    }
  }
};

// The blocking waits begun by the policies that count them
// (WaitCountingAtomics). A schedule that grows the pool beside queued
// waiters starts the grow only once they sleep (AwaitWaitsBegun()): a
// waiter not yet asleep finds the grow published and serves the waiters
// itself before it sleeps (SlotPool::HelpGrowForWaiters()), which is not
// the schedule it plays.
inline std::atomic<int> g_waits_begun{0};

// StdAtomics whose blocking waits are counted in g_waits_begun first.
struct WaitCountingAtomics : StdAtomics {
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        WaitClock::time_point deadline) noexcept {
    g_waits_begun.fetch_add(1);
    StdAtomics::WaitWhile(word, expected, deadline);
  }
};

// Waits until `n` counted waits have begun since g_waits_begun read
// `before`, or 5 s have passed; returns whether they have.
inline bool AwaitWaitsBegun(int before, int n) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (g_waits_begun.load() - before < n &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  return g_waits_begun.load() - before >= n;
}

// StdAtomics with atomics of the class template `A` and `kMutation` M;
// with `kAlerts` false, a grow wakes no waiter (StdAtomics::
// kGrowAlertsWaiters), so a schedule can keep the waiters asleep through
// it, as woken waiters that stay descheduled would be.
template <template <class> class A, Mutation M = Mutation::kNone,
          bool kAlerts = true>
struct WrappedPolicy : WaitCountingAtomics {
  template <class T>
  using Atomic = A<T>;
  template <class Half>
  using AtomicPair = HookedPair<Half>;
  static constexpr Mutation kMutation = M;
  static constexpr bool kGrowAlertsWaiters = kAlerts;
};

// std::atomic whose compare-exchanges first call Hook::Before(*this,
// expected), and whose stores first call Hook::BeforeStore(*this) when the
// hook has one.
template <class T, class Hook>
struct BeforeCasAtomic : std::atomic<T> {
  using HookType = Hook;
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  // Out of line: inlined into SlotPool::Reset(), GCC's -Wstringop-overflow
  // takes the pool's trailing slot array for a region of size 0.
  [[gnu::noinline]] void store(
      T desired, std::memory_order order = std::memory_order_seq_cst) noexcept {
    if constexpr (requires(std::atomic<T> & word) {
                    Hook::BeforeStore(word);
                  }) {
      Hook::BeforeStore(*this);
    }
    std::atomic<T>::store(desired, order);
  }
  template <class... Orders>
  bool compare_exchange_strong(T& expected, T desired,
                               Orders... orders) noexcept {
    Hook::Before(*this, expected);
    const bool done =
        std::atomic<T>::compare_exchange_strong(expected, desired, orders...);
    After(done);
    return done;
  }
  template <class... Orders>
  bool compare_exchange_weak(T& expected, T desired,
                             Orders... orders) noexcept {
    Hook::Before(*this, expected);
    const bool done =
        std::atomic<T>::compare_exchange_weak(expected, desired, orders...);
    After(done);
    return done;
  }

 private:
  // Hook::After(word, done) after the compare-exchange, when the hook has
  // one.
  void After(bool done) noexcept {
    if constexpr (requires(std::atomic<T> & word) {
                    Hook::After(word, done);
                  }) {
      Hook::After(*this, done);
    }
  }
};

// Runs an action just before the next compare-exchange of a 64-bit word
// (the claim: the first one a Begin makes), with the word and the value the
// claim expects.
struct ClaimHook {
  static inline std::function<void(std::atomic<std::uint64_t>&, std::uint64_t)>
      before;
  template <class T>
  static void Before(std::atomic<T>& word, T expected) noexcept {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (before) {
        const auto action = std::move(before);
        before = nullptr;
        action(word, expected);
      }
    }
  }
};
template <class T>
using ClaimHookAtomic = BeforeCasAtomic<T, ClaimHook>;

// Runs an action just before the next compare-exchange (`before`) or the
// next store (`before_store`) of a 32-bit word (a waiter's cell) made by
// thread `on`: an End's delivery CAS, which commits its slot to the waiter,
// and its publication (SessionWaitQueue::Deliver() and Publish()). Set
// `on` before other threads start; the actions are read by that thread
// only.
struct CellHook {
  static inline std::thread::id on;
  static inline std::function<void()> before;
  static inline std::function<void()> before_store;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {
    if constexpr (std::is_same_v<T, std::uint32_t>) Run(before);
  }
  template <class T>
  static void BeforeStore(std::atomic<T>& /*word*/) noexcept {
    if constexpr (std::is_same_v<T, std::uint32_t>) Run(before_store);
  }

 private:
  static void Run(std::function<void()>& hook) noexcept {
    if (std::this_thread::get_id() == on && hook) {
      const auto action = std::move(hook);
      hook = nullptr;
      action();
    }
  }
};
template <class T>
using CellHookAtomic = BeforeCasAtomic<T, CellHook>;

// std::atomic whose fetch_sub first calls Hook::BeforeSub(). (Used on the
// waiters' count: a waiter's Leave() is its last step in the core.)
template <class T, class Hook>
struct BeforeSubAtomic : std::atomic<T> {
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  T fetch_sub(T arg, std::memory_order order) noexcept {
    Hook::template BeforeSub<T>();
    return std::atomic<T>::fetch_sub(arg, order);
  }
};

// Runs `before` (with the caller's thread id) just before every fetch_sub
// of a 32-bit word, on every thread. Set it before other threads start and
// clear it after they are joined.
struct SubHook {
  static inline std::function<void(std::thread::id)> before;
  template <class T>
  static void BeforeSub() noexcept {
    if constexpr (std::is_same_v<T, std::uint32_t>) {
      if (before) before(std::this_thread::get_id());
    }
  }
};
template <class T>
using SubHookAtomic = BeforeSubAtomic<T, SubHook>;

// std::atomic whose fetch_add on a 64-bit word first calls AddHook::before
// (on the thread that set it: the hook is thread-local), except within the
// hook itself. (The statistics' counters are such words.)
struct AddHook {
  static inline thread_local std::function<void()> before;
  static inline thread_local bool inside = false;
};
template <class T>
struct AddHookAtomic : std::atomic<T> {
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  T fetch_add(T arg, std::memory_order order) noexcept {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (AddHook::before && !AddHook::inside) {
        AddHook::inside = true;
        AddHook::before();
        AddHook::inside = false;
      }
    }
    return std::atomic<T>::fetch_add(arg, order);
  }
};

// Runs `before` just before every compare-exchange of a 64-bit word made by
// thread `on`, except those made by `before` itself. Set `on` before other
// threads start; `before` is read by that thread only.
struct EveryCasHook {
  static inline std::thread::id on;
  static inline std::function<void()> before;
  static inline bool inside = false;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (std::this_thread::get_id() == on && before && !inside) {
        inside = true;
        before();
        inside = false;
      }
    }
  }
};
template <class T>
using EveryCasHookAtomic = BeforeCasAtomic<T, EveryCasHook>;

// Runs `after(value)` just after each successful compare-exchange of a
// 64-bit word made by thread `on`, with the value it wrote, until `after`
// returns true (it is then dropped). Set `on` and `after` before that thread
// starts; `after` is read by that thread only.
struct AfterCasHook {
  static inline std::thread::id on;
  static inline std::function<bool(std::uint64_t)> after;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {}
  template <class T>
  static void After(std::atomic<T>& word, bool done) noexcept {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (done && std::this_thread::get_id() == on && after &&
          after(word.load(std::memory_order_relaxed))) {
        after = nullptr;
      }
    }
  }
};
template <class T>
using AfterCasHookAtomic = BeforeCasAtomic<T, AfterCasHook>;

// Calls `each(thread, after)` just before (after = false) and just after
// (after = true) every compare-exchange of a 32-bit word (a waiter's cell),
// on every thread, except those made inside `each` itself. Set it before
// other threads start and clear it after they are joined; `each` picks the
// steps it plays by thread.
struct EveryCellCasHook {
  static inline std::function<void(std::thread::id, bool)> each;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {
    Run<T>(false);
  }
  template <class T>
  static void After(std::atomic<T>& /*word*/, bool /*done*/) noexcept {
    Run<T>(true);
  }

 private:
  template <class T>
  static void Run(bool after) noexcept {
    static thread_local bool inside = false;
    if constexpr (std::is_same_v<T, std::uint32_t>) {
      if (each && !inside) {
        inside = true;
        each(std::this_thread::get_id(), after);
        inside = false;
      }
    }
  }
};
template <class T>
using EveryCellCasHookAtomic = BeforeCasAtomic<T, EveryCellCasHook>;

// Calls `each(thread, wide)` just before every compare-exchange, of a 64-bit
// word (wide) or a 32-bit one (a waiter's cell), on every thread, except
// those made inside `each` itself. Set it before other threads start and
// clear it after they are joined; `each` picks the steps it plays by thread
// and width.
// `each_store(thread)`, when set, runs just before every store to a 32-bit
// word (a waiter's cell), on the same terms.
struct EveryCasAnyWidthHook {
  static inline std::function<void(std::thread::id, bool)> each;
  static inline std::function<void(std::thread::id)> each_store;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {
    if (each && !Inside()) {
      Inside() = true;
      each(std::this_thread::get_id(), std::is_same_v<T, std::uint64_t>);
      Inside() = false;
    }
  }
  template <class T>
  static void BeforeStore(std::atomic<T>& /*word*/) noexcept {
    if constexpr (std::is_same_v<T, std::uint32_t>) {
      if (each_store && !Inside()) {
        Inside() = true;
        each_store(std::this_thread::get_id());
        Inside() = false;
      }
    }
  }

 private:
  static bool& Inside() noexcept {
    static thread_local bool inside = false;
    return inside;
  }
};
template <class T>
using EveryCasAnyWidthHookAtomic = BeforeCasAtomic<T, EveryCasAnyWidthHook>;

}  // namespace jetsession::internal

#endif  // JETSESSION_TESTS_ATOMICS_HOOKS_H_
