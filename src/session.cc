#include "jetsession/session.h"

#include <utility>

#include "instance_registry.h"

namespace jetsession {

void Session::EndDroppingError() const noexcept {
  static_cast<void>(internal::InstanceRegistry::EndSession(handle_));
}

Error Session::End() noexcept {
  const Error error = internal::InstanceRegistry::EndSession(handle_);
  if (error == Error::kSuccess) handle_ = JET_sesidNil;
  return error;
}

Result<Session> Session::Dup() const noexcept {
  JET_SESID handle = JET_sesidNil;
  const Error error = internal::InstanceRegistry::DupSession(handle_, &handle);
  if (error != Error::kSuccess) return error;
  return Session(handle);
}

Error Session::SetContext(JET_API_PTR context) const noexcept {
  return internal::InstanceRegistry::SetSessionContext(handle_, context);
}

Error Session::ResetContext() const noexcept {
  return internal::InstanceRegistry::ResetSessionContext(handle_);
}

Result<std::uint32_t> Session::Slot() const noexcept {
  unsigned long slot = 0;
  const Error error =
      internal::InstanceRegistry::GetSessionSlot(handle_, &slot);
  if (error != Error::kSuccess) return error;
  return static_cast<std::uint32_t>(slot);
}

}  // namespace jetsession
