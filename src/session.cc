#include "jetsession/session.h"

#include <utility>

#include "instance_registry.h"

namespace jetsession {
namespace {

internal::InstanceRegistry& Registry() noexcept {
  return internal::InstanceRegistry::Global();
}

}  // namespace

void Session::EndDroppingError() const noexcept {
  static_cast<void>(Registry().EndSession(handle_));
}

Error Session::End() noexcept {
  const Error error = Registry().EndSession(handle_);
  if (error == Error::kSuccess) handle_ = JET_sesidNil;
  return error;
}

Result<Session> Session::Dup() const noexcept {
  JET_SESID handle = JET_sesidNil;
  const Error error = Registry().DupSession(handle_, &handle);
  if (error != Error::kSuccess) return error;
  return Session(handle);
}

Error Session::SetContext(JET_API_PTR context) const noexcept {
  return Registry().SetSessionContext(handle_, context);
}

Error Session::ResetContext() const noexcept {
  return Registry().ResetSessionContext(handle_);
}

}  // namespace jetsession
