// jetsession/result.h: a value or an Error, never an exception.
//
// Result<T> holds either a T (ok()) or a non-success Error. Reading value()
// of a Result that holds an error is a precondition violation (checked by
// assert in debug builds); check ok() or error() first.
#ifndef JETSESSION_RESULT_H_
#define JETSESSION_RESULT_H_

#include <cassert>
#include <utility>
#include <variant>

#include "jetsession/error.h"

namespace jetsession {

template <class T>
class [[nodiscard]] Result {
 public:
  // Holds `value`. Implicit, so that a function returns a T or an Error.
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(T value) noexcept : state_(std::move(value)) {}
  // Holds `error`, which must not be Error::kSuccess.
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Error error) noexcept : state_(error) {
    assert(error != Error::kSuccess);
  }

  bool ok() const noexcept { return std::holds_alternative<T>(state_); }
  // Error::kSuccess when ok(), else the error held.
  Error error() const noexcept {
    return ok() ? Error::kSuccess : std::get<Error>(state_);
  }

  T& value() & noexcept {
    assert(ok());
    return *std::get_if<T>(&state_);
  }
  const T& value() const& noexcept {
    assert(ok());
    return *std::get_if<T>(&state_);
  }
  T&& value() && noexcept {
    assert(ok());
    return std::move(*std::get_if<T>(&state_));
  }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  // Moves the value out of a temporary: std::move(*Instance::Create()).
  T&& operator*() && noexcept { return std::move(*this).value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace jetsession

#endif  // JETSESSION_RESULT_H_
