// stress_watchdog.h: the watchdog of the stress scenarios that block
// (waiting, resizing): it aborts the run when no round ends for a minute (a
// call that never returns), after printing what the scenario asks for.
//
// Thread safety: Kick() from any thread; one watching thread of its own.
// Progress: the watching thread polls every 100 ms. Memory ordering: Kick()
// stores a time stamp (relaxed: nothing is read with it); the destructor's
// release store of `done_` pairs with the thread's acquire load. Lifetime:
// the thread is joined by the destructor.
#ifndef JETSESSION_TOOLS_STRESS_WATCHDOG_H_
#define JETSESSION_TOOLS_STRESS_WATCHDOG_H_

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace jetsession_stress {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // `what`: the violation's description; `dump`: called after it is
  // printed, before the abort (may be empty).
  Watchdog(std::string what, std::function<void()> dump)
      : what_(std::move(what)),
        dump_(std::move(dump)),
        thread_([this] { Watch(); }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    // release: pairs with the thread's acquire load.
    done_.store(true, std::memory_order_release);
    thread_.join();
  }

  // A round ended: the minute starts again.
  void Kick() {
    // relaxed: a time stamp; nothing else is read with it.
    since_.store(Clock::now().time_since_epoch().count(),
                 std::memory_order_relaxed);
  }

 private:
  void Watch() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      // acquire: pairs with the release store of the destructor.
      if (done_.load(std::memory_order_acquire)) return;
      // relaxed: see Kick().
      const Clock::time_point since(
          Clock::duration(since_.load(std::memory_order_relaxed)));
      if (Clock::now() - since < std::chrono::seconds(60)) continue;
      std::fprintf(stderr, "VIOLATION: %s\n", what_.c_str());
      if (dump_) dump_();
      std::abort();
    }
  }

  const std::string what_;
  const std::function<void()> dump_;
  std::atomic<Clock::rep> since_{Clock::now().time_since_epoch().count()};
  std::atomic<bool> done_{false};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace jetsession_stress

#endif  // JETSESSION_TOOLS_STRESS_WATCHDOG_H_
