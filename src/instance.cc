#include "jetsession/instance.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <new>
#include <stop_token>
#include <vector>

#include "instance_registry.h"

namespace jetsession {
namespace {

internal::InstanceRegistry& Registry() noexcept {
  return internal::InstanceRegistry::Global();
}

}  // namespace

Result<Instance> Instance::Create(const InstanceOptions& options) noexcept {
  JET_INSTANCE handle = 0;
  Error error = Registry().CreateInstance(&handle, options.name.c_str());
  if (error != Error::kSuccess) return error;
  error = Registry().SetSystemParameter(&handle, 0, JET_paramMaxSessions,
                                        options.max_sessions);
  if (error == Error::kSuccess) {
    error =
        Registry().SetSystemParameter(&handle, 0, JET_paramExtSessionTracking,
                                      options.session_tracking ? 1 : 0);
  }
  if (error == Error::kSuccess) error = Registry().Init(&handle);
  if (error != Error::kSuccess) {
    // JetInit frees the instance itself when it fails; a parameter error
    // leaves it Created.
    if (handle != 0) Registry().Term(handle, JET_bitTermAbrupt);
    return error;
  }
  return Instance(handle);
}

void Instance::TermDroppingError() const noexcept {
  static_cast<void>(Registry().Term(handle_, JET_bitTermAbrupt));
}

// An empty Instance holds JET_instanceNil, which the registry would read as
// the default instance in one-instance mode: its calls fail here instead.

Result<Session> Instance::BeginSession() const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  JET_SESID handle = JET_sesidNil;
  const Error error = Registry().BeginSession(handle_, &handle);
  if (error != Error::kSuccess) return error;
  return Session(handle);
}

Result<Session> Instance::BeginSession(
    std::chrono::milliseconds timeout) const noexcept {
  return BeginSession(timeout, std::stop_token());
}

Result<Session> Instance::BeginSession(
    std::chrono::milliseconds timeout,
    const std::stop_token& stop) const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  if (timeout <= std::chrono::milliseconds::zero()) return BeginSession();
  // Lives until the call returns, after the callback is gone.
  internal::InstanceRegistry::WaitScope::Stop request;
  // Entered before the callback is registered, left after it is gone (its
  // destructor waits for a callback running on another thread): JetTerm
  // waits for this scope, so this call has returned before JetTerm does.
  // It names the instance once (handle 0: the default instance now), and
  // the callback and the wait use that name.
  const internal::InstanceRegistry::WaitScope scope(handle_);
  // The callback runs on the thread that requests the stop (or here, if it
  // was requested already): it marks the request, then wakes this call's
  // waiter alone, where it published that it sleeps.
  const std::stop_callback on_stop(
      stop, [&scope, &request] { scope.RequestStop(&request); });
  // A deadline that would overflow the clock is no deadline.
  const auto now = internal::WaitClock::now();
  const auto deadline =
      timeout >= std::chrono::duration_cast<std::chrono::milliseconds>(
                     internal::WaitClock::time_point::max() - now)
          ? internal::WaitClock::time_point::max()
          : now + timeout;
  JET_SESID handle = JET_sesidNil;
  const Error error = scope.BeginSessionWait(&handle, deadline, &request);
  if (error != Error::kSuccess) return error;
  return Session(handle);
}

Error Instance::Stop() const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  return Registry().StopServiceInstance(handle_);
}

Error Instance::SetUnavailable() const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  return Registry().SetUnavailable(handle_);
}

Error Instance::SetMaxSessions(unsigned long max_sessions) const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  return Registry().SetMaxSessions(handle_, max_sessions);
}

Result<unsigned long> Instance::SessionCount() const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  unsigned long count = 0;
  const Error error = Registry().GetSessionCount(handle_, &count);
  if (error != Error::kSuccess) return error;
  return count;
}

Result<SessionStats> Instance::Stats() const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  internal::SessionStatsData data;
  const Error error = Registry().GetSessionStats(handle_, &data);
  if (error != Error::kSuccess) return error;
  SessionStats stats;
  stats.max_sessions = data.capacity;
  stats.max_sessions_ceiling = data.ceiling;
  stats.sessions_open = data.open;
  stats.waiters = data.waiters;
  stats.sessions_begun = data.begun;
  stats.sessions_ended = data.ended;
  stats.out_of_sessions = data.out_of_sessions;
  stats.waits = data.waits;
  stats.wait_timeouts = data.wait_timeouts;
  stats.wait_total = std::chrono::microseconds(data.wait_micros);
  return stats;
}

Result<std::vector<OpenSessionInfo>> Instance::OpenSessions(
    std::chrono::milliseconds min_age) const noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  const auto age = static_cast<unsigned long>(std::clamp<std::int64_t>(
      min_age.count(), 0, std::numeric_limits<std::int64_t>::max()));
  std::vector<JET_EXTSESSIONINFO> raw;
  unsigned long total = 0;
  // Sessions may open between the calls: ask again with room for them.
  for (;;) {
    const Error error = Registry().GetOpenSessions(
        handle_, age, raw.data(), static_cast<unsigned long>(raw.size()),
        &total);
    if (error != Error::kSuccess) return error;
    if (total <= raw.size()) break;
    try {
      raw.resize(total + total / 4 + 4);
    } catch (const std::bad_alloc&) {
      return Error::kOutOfMemory;
    }
  }
  std::vector<OpenSessionInfo> sessions;
  try {
    sessions.reserve(total);
  } catch (const std::bad_alloc&) {
    return Error::kOutOfMemory;
  }
  for (unsigned long i = 0; i < total; ++i) {
    const JET_EXTSESSIONINFO& entry = raw[i];
    sessions.push_back(
        {entry.sesid,
         std::chrono::milliseconds(static_cast<std::int64_t>(entry.cmsecOpen)),
         entry.tidBegin, entry.context, entry.fInCall != 0});
  }
  return sessions;
}

Error Instance::Terminate(JET_GRBIT grbit) noexcept {
  if (!has_value()) return Error::kInvalidInstance;
  const Error error = Registry().Term(handle_, grbit);
  if (error != Error::kInvalidGrbit) handle_ = JET_instanceNil;
  return error;
}

}  // namespace jetsession
