// jetsession/error.h: the JET_err* codes as a C++ enum class.
//
// One error type is used throughout the C++ API: `Error`, whose values are
// exactly the JET_err* values of <jetsession/jet.h>, so a value converts to
// and from a JET_ERR with a static_cast and nothing is lost.
#ifndef JETSESSION_ERROR_H_
#define JETSESSION_ERROR_H_

#include <cstdint>
#include <string_view>

namespace jetsession {

enum class Error : std::int32_t {
  kSuccess = 0,
  kInvalidGrbit = -900,
  kRestoreInProgress = -506,
  kTermInProgress = -1000,
  kInvalidParameter = -1003,
  kOutOfMemory = -1011,
  kNotInitialized = -1029,
  kAlreadyInitialized = -1030,
  kInitInProgress = -1031,
  kTooManyActiveUsers = -1059,
  kRunningInOneInstanceMode = -1080,
  kRunningInMultiInstanceMode = -1081,
  kSystemParamsAlreadySet = -1082,
  kInstanceNameInUse = -1086,
  kInstanceUnavailable = -1090,
  kInvalidSesparamId = -1093,
  kOutOfSessions = -1101,
  kInvalidSesid = -1104,
  kInvalidInstance = -1115,
  kDirtyShutdown = -1116,
  kTooManyInstances = -1214,
  kClientRequestToStopJetService = -1329,
  kSessionSharingViolation = -1910,
  kSessionContextAlreadySet = -1912,
  kSessionContextNotSetByThisThread = -1913,
  kSessionInUse = -1914,
  // The C++ API only: a wait for a session ended by its std::stop_token
  // (Instance::BeginSession(timeout, stop_token)). Outside ESE's range.
  kWaitCancelled = -10001,
};

// The JET_err* name of `error` ("JET_errOutOfSessions"), or
// "JET_errUnknown" for a value that is not one of the enumerators.
std::string_view ErrorName(Error error) noexcept;

// The JET_ERR value of `error`.
constexpr std::int32_t ToJetErr(Error error) noexcept {
  return static_cast<std::int32_t>(error);
}

}  // namespace jetsession

#endif  // JETSESSION_ERROR_H_
