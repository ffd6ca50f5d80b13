// jet_api.cc: the C API of <jetsession/jet.h>, a thin layer that converts
// and forwards every call to the registry (src/instance_registry.h), where
// all logic lives. Every function is noexcept and total: any input gives a
// JET_ERR.
#include "instance_registry.h"
#include "jetsession/error.h"
#include "jetsession/jet.h"

namespace {

jetsession::internal::InstanceRegistry& Registry() noexcept {
  return jetsession::internal::InstanceRegistry::Global();
}

JET_ERR ToJet(jetsession::Error error) noexcept {
  return jetsession::ToJetErr(error);
}

}  // namespace

extern "C" {

JET_ERR JET_API JetCreateInstance(JET_INSTANCE* pinstance,
                                  const char* szInstanceName) noexcept {
  return ToJet(Registry().CreateInstance(pinstance, szInstanceName));
}

JET_ERR JET_API JetSetSystemParameter(JET_INSTANCE* pinstance, JET_SESID sesid,
                                      unsigned long paramid, JET_API_PTR lParam,
                                      const char* /*szParam*/) noexcept {
  return ToJet(
      Registry().SetSystemParameter(pinstance, sesid, paramid, lParam));
}

JET_ERR JET_API JetGetSystemParameter(JET_INSTANCE instance, JET_SESID sesid,
                                      unsigned long paramid,
                                      JET_API_PTR* plParam, char* /*szParam*/,
                                      unsigned long /*cbMax*/) noexcept {
  return ToJet(
      Registry().GetSystemParameter(instance, sesid, paramid, plParam));
}

JET_ERR JET_API JetInit(JET_INSTANCE* pinstance) noexcept {
  return ToJet(Registry().Init(pinstance));
}

JET_ERR JET_API JetBeginSession(JET_INSTANCE instance, JET_SESID* psesid,
                                const char* /*szUserName*/,
                                const char* /*szPassword*/) noexcept {
  return ToJet(Registry().BeginSession(instance, psesid));
}

JET_ERR JET_API JetDupSession(JET_SESID sesid, JET_SESID* psesid) noexcept {
  return ToJet(
      jetsession::internal::InstanceRegistry::DupSession(sesid, psesid));
}

JET_ERR JET_API JetEndSession(JET_SESID sesid, JET_GRBIT /*grbit*/) noexcept {
  return ToJet(jetsession::internal::InstanceRegistry::EndSession(sesid));
}

JET_ERR JET_API JetSetSessionContext(JET_SESID sesid,
                                     JET_API_PTR ulContext) noexcept {
  return ToJet(jetsession::internal::InstanceRegistry::SetSessionContext(
      sesid, ulContext));
}

JET_ERR JET_API JetResetSessionContext(JET_SESID sesid) noexcept {
  return ToJet(
      jetsession::internal::InstanceRegistry::ResetSessionContext(sesid));
}

JET_ERR JET_API JetStopService(void) noexcept {
  return ToJet(Registry().StopService());
}

JET_ERR JET_API JetStopServiceInstance(JET_INSTANCE instance) noexcept {
  return ToJet(Registry().StopServiceInstance(instance));
}

JET_ERR JET_API JetTerm(JET_INSTANCE instance) noexcept {
  return ToJet(Registry().Term(instance, JET_bitTermAbrupt));
}

JET_ERR JET_API JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit) noexcept {
  return ToJet(Registry().Term(instance, grbit));
}

JET_ERR JET_API JetExtBeginRestore(JET_INSTANCE instance) noexcept {
  return ToJet(Registry().BeginRestore(instance));
}

JET_ERR JET_API JetExtEndRestore(JET_INSTANCE instance) noexcept {
  return ToJet(Registry().EndRestore(instance));
}

JET_ERR JET_API JetExtSetInstanceUnavailable(JET_INSTANCE instance) noexcept {
  return ToJet(Registry().SetUnavailable(instance));
}

JET_ERR JET_API JetExtGetSessionCount(JET_INSTANCE instance,
                                      unsigned long* pcSessions) noexcept {
  return ToJet(Registry().GetSessionCount(instance, pcSessions));
}

JET_ERR JET_API JetExtGetSessionStats(JET_INSTANCE instance,
                                      JET_EXTSESSIONSTATS* pstats) noexcept {
  return ToJet(Registry().GetSessionStats(instance, pstats));
}

JET_ERR JET_API JetExtGetOpenSessions(JET_INSTANCE instance,
                                      unsigned long cmsecMinAge,
                                      JET_EXTSESSIONINFO* rgInfo,
                                      unsigned long cInfoMax,
                                      unsigned long* pcInfo) noexcept {
  return ToJet(Registry().GetOpenSessions(instance, cmsecMinAge, rgInfo,
                                          cInfoMax, pcInfo));
}

JET_ERR JET_API JetExtBeginSessionWait(JET_INSTANCE instance, JET_SESID* psesid,
                                       unsigned long cmsecTimeout) noexcept {
  return ToJet(Registry().BeginSessionWait(instance, psesid, cmsecTimeout));
}

// cSessions: the contract's name (ESE's Hungarian style), as in jet.h.
// NOLINTBEGIN(readability-identifier-naming)
JET_ERR JET_API JetExtSetMaxSessions(JET_INSTANCE instance,
                                     unsigned long cSessions) noexcept {
  return ToJet(Registry().SetMaxSessions(instance, cSessions));
}
// NOLINTEND(readability-identifier-naming)

JET_ERR JET_API JetExtGetSessionSlot(JET_SESID sesid,
                                     unsigned long* piSlot) noexcept {
  return ToJet(
      jetsession::internal::InstanceRegistry::GetSessionSlot(sesid, piSlot));
}

JET_ERR JET_API JetExtDupSessionWait(JET_SESID sesid, JET_SESID* psesid,
                                     unsigned long cmsecTimeout) noexcept {
  return ToJet(jetsession::internal::InstanceRegistry::DupSessionWait(
      sesid, psesid, cmsecTimeout));
}

}  // extern "C"
