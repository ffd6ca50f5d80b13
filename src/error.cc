#include "jetsession/error.h"

#include <string_view>

namespace jetsession {

std::string_view ErrorName(Error error) noexcept {
  switch (error) {
#define JETSESSION_ERROR_NAME_(name) \
  case Error::k##name:               \
    return "JET_err" #name;
    JETSESSION_ERROR_NAME_(Success)
    JETSESSION_ERROR_NAME_(InvalidGrbit)
    JETSESSION_ERROR_NAME_(RestoreInProgress)
    JETSESSION_ERROR_NAME_(TermInProgress)
    JETSESSION_ERROR_NAME_(InvalidParameter)
    JETSESSION_ERROR_NAME_(OutOfMemory)
    JETSESSION_ERROR_NAME_(NotInitialized)
    JETSESSION_ERROR_NAME_(AlreadyInitialized)
    JETSESSION_ERROR_NAME_(InitInProgress)
    JETSESSION_ERROR_NAME_(TooManyActiveUsers)
    JETSESSION_ERROR_NAME_(RunningInOneInstanceMode)
    JETSESSION_ERROR_NAME_(RunningInMultiInstanceMode)
    JETSESSION_ERROR_NAME_(SystemParamsAlreadySet)
    JETSESSION_ERROR_NAME_(InstanceNameInUse)
    JETSESSION_ERROR_NAME_(InstanceUnavailable)
    JETSESSION_ERROR_NAME_(InvalidSesparamId)
    JETSESSION_ERROR_NAME_(OutOfSessions)
    JETSESSION_ERROR_NAME_(InvalidSesid)
    JETSESSION_ERROR_NAME_(InvalidInstance)
    JETSESSION_ERROR_NAME_(DirtyShutdown)
    JETSESSION_ERROR_NAME_(TooManyInstances)
    JETSESSION_ERROR_NAME_(ClientRequestToStopJetService)
    JETSESSION_ERROR_NAME_(SessionSharingViolation)
    JETSESSION_ERROR_NAME_(SessionContextAlreadySet)
    JETSESSION_ERROR_NAME_(SessionContextNotSetByThisThread)
    JETSESSION_ERROR_NAME_(SessionInUse)
#undef JETSESSION_ERROR_NAME_
    case Error::kWaitCancelled:
      return "JET_errExtWaitCancelled";
  }
  return "JET_errUnknown";
}

}  // namespace jetsession
