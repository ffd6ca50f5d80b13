// mutex_session_pool.cc: the baseline session core, a std::mutex +
// std::condition_variable pool of slots (see session_pool.h), the shape of
// a typical connection pool.
//
// Begin takes a free slot under the mutex, or waits on the condition
// variable until one is freed, the deadline passes or Stop is called; End
// gives the slot back and wakes one waiter. Waiting is not first come,
// first served: a woken waiter competes with callers that just arrived.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "info_line.h"
#include "session_pool.h"

namespace kvserver {
namespace {

class MutexSessionPool final : public SessionPool {
 public:
  explicit MutexSessionPool(unsigned long capacity) : capacity_(capacity) {
    free_.reserve(capacity);
    for (unsigned long slot = capacity; slot > 0; --slot) {
      free_.push_back(slot - 1);
    }
  }

  Lease Begin(std::chrono::milliseconds wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return Lease::Refused(Outcome::kStopped);
    if (free_.empty()) {
      if (wait.count() == 0) {
        ++out_of_sessions_;
        return Lease::Refused(Outcome::kBusy);
      }
      ++waits_;
      ++waiters_;
      const auto start = std::chrono::steady_clock::now();
      const bool woken = freed_.wait_until(
          lock, start + wait, [this] { return stopped_ || !free_.empty(); });
      --waiters_;
      wait_ms_total_ += static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start)
              .count());
      if (stopped_) return Lease::Refused(Outcome::kStopped);
      if (!woken) {
        ++wait_timeouts_;
        ++out_of_sessions_;
        return Lease::Refused(Outcome::kBusy);
      }
    }
    const unsigned long slot = free_.back();
    free_.pop_back();
    ++begun_;
    return Lease::Granted(slot, slot);
  }

  void End(const Lease& lease) override {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(lease.slot);
      ++ended_;
    }
    freed_.notify_one();
  }

  void Stop() override {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    freed_.notify_all();
  }

  void Term() override {}

  unsigned long capacity() const override { return capacity_; }
  std::string_view name() const override { return "mutex"; }

  void AppendInfo(std::string* out) const override {
    const std::lock_guard<std::mutex> lock(mu_);
    AppendField("sessions_open", capacity_ - free_.size(), out);
    AppendField("waiters", waiters_, out);
    AppendField("sessions_begun", begun_, out);
    AppendField("sessions_ended", ended_, out);
    AppendField("out_of_sessions", out_of_sessions_, out);
    AppendField("waits", waits_, out);
    AppendField("wait_timeouts", wait_timeouts_, out);
    AppendField("wait_ms_total", wait_ms_total_, out);
  }

 private:
  const unsigned long capacity_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  // Guarded by mu_:
  std::vector<unsigned long> free_;
  bool stopped_ = false;
  unsigned long waiters_ = 0;
  std::uint64_t begun_ = 0;
  std::uint64_t ended_ = 0;
  std::uint64_t out_of_sessions_ = 0;
  std::uint64_t waits_ = 0;
  std::uint64_t wait_timeouts_ = 0;
  std::uint64_t wait_ms_total_ = 0;
};

}  // namespace

std::unique_ptr<SessionPool> MakeMutexSessionPool(unsigned long sessions) {
  return std::make_unique<MutexSessionPool>(sessions);
}

}  // namespace kvserver
