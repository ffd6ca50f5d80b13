// The contract's "Header, types and constants" and "Functions (exact
// signatures)": every type, value and signature of jet.h, and the C++ Error
// enum that mirrors the error codes.
#include <jetsession/jet.h>
#include <jetsession/jetsession.h>

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "gtest/gtest.h"

namespace {

static_assert(std::is_same_v<JET_ERR, std::int32_t>);
static_assert(std::is_same_v<JET_API_PTR, std::uintptr_t>);
static_assert(std::is_same_v<JET_INSTANCE, JET_API_PTR>);
static_assert(std::is_same_v<JET_SESID, JET_API_PTR>);
static_assert(std::is_same_v<JET_GRBIT, std::uint32_t>);
// Sizes and signedness, spelled out.
static_assert(sizeof(JET_ERR) == 4 && std::is_signed_v<JET_ERR>);
static_assert(sizeof(JET_GRBIT) == 4 && std::is_unsigned_v<JET_GRBIT>);
static_assert(sizeof(JET_API_PTR) == sizeof(void*) &&
              std::is_unsigned_v<JET_API_PTR>);
static_assert(sizeof(JET_INSTANCE) == sizeof(void*) &&
              std::is_unsigned_v<JET_INSTANCE>);
static_assert(sizeof(JET_SESID) == sizeof(void*) &&
              std::is_unsigned_v<JET_SESID>);
// The nil handles have the handle types and all bits set.
static_assert(std::is_same_v<decltype(JET_instanceNil), JET_INSTANCE>);
static_assert(std::is_same_v<decltype(JET_sesidNil), JET_SESID>);
static_assert(JET_instanceNil == UINTPTR_MAX);
static_assert(JET_sesidNil == UINTPTR_MAX);

// contract: "Error codes (`#define`, value in parentheses)": every name is a
// macro, usable by the preprocessor, with the contract's value.
#if !defined(JET_API) || !defined(JET_instanceNil) ||                   \
    !defined(JET_sesidNil) || !defined(JET_paramMaxSessions) ||         \
    !defined(JET_paramMaxInstances) || !defined(JET_bitTermComplete) || \
    !defined(JET_bitTermAbrupt) || !defined(JET_bitTermStopBackup) ||   \
    !defined(JET_bitTermDirty) || !defined(JET_errSuccess)
#error "a constant of the contract is not a #define"
#endif
#if JET_paramMaxSessions != 5 || JET_paramMaxInstances != 104 || \
    JET_bitTermComplete != 1 || JET_bitTermAbrupt != 2 ||        \
    JET_bitTermStopBackup != 4 || JET_bitTermDirty != 8
#error "a constant of the contract has the wrong value in #if"
#endif
#if JET_errSuccess != 0 || JET_errInvalidGrbit != -900 ||                   \
    JET_errRestoreInProgress != -506 || JET_errTermInProgress != -1000 ||   \
    JET_errInvalidParameter != -1003 || JET_errOutOfMemory != -1011 ||      \
    JET_errNotInitialized != -1029 || JET_errAlreadyInitialized != -1030 || \
    JET_errInitInProgress != -1031 || JET_errTooManyActiveUsers != -1059 || \
    JET_errRunningInOneInstanceMode != -1080 ||                             \
    JET_errRunningInMultiInstanceMode != -1081 ||                           \
    JET_errSystemParamsAlreadySet != -1082 ||                               \
    JET_errInstanceNameInUse != -1086 ||                                    \
    JET_errInstanceUnavailable != -1090 ||                                  \
    JET_errInvalidSesparamId != -1093 || JET_errOutOfSessions != -1101 ||   \
    JET_errInvalidSesid != -1104 || JET_errInvalidInstance != -1115 ||      \
    JET_errDirtyShutdown != -1116 || JET_errTooManyInstances != -1214 ||    \
    JET_errClientRequestToStopJetService != -1329 ||                        \
    JET_errSessionSharingViolation != -1910 ||                              \
    JET_errSessionContextAlreadySet != -1912 ||                             \
    JET_errSessionContextNotSetByThisThread != -1913 ||                     \
    JET_errSessionInUse != -1914
#error "an error code of the contract is missing or has the wrong value"
#endif
static_assert(JET_instanceNil == ~static_cast<JET_INSTANCE>(0));
static_assert(JET_sesidNil == ~static_cast<JET_SESID>(0));
static_assert(JET_paramMaxSessions == 5);
static_assert(JET_paramMaxInstances == 104);
static_assert(JET_bitTermComplete == 0x1);
static_assert(JET_bitTermAbrupt == 0x2);
static_assert(JET_bitTermStopBackup == 0x4);
static_assert(JET_bitTermDirty == 0x8);

// The signatures, exactly (noexcept: the C++ view of a C function that never
// throws).
static_assert(std::is_same_v<decltype(&JetCreateInstance),
                             JET_ERR (*)(JET_INSTANCE*, const char*) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetSetSystemParameter),
                   JET_ERR (*)(JET_INSTANCE*, JET_SESID, unsigned long,
                               JET_API_PTR, const char*) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetGetSystemParameter),
                   JET_ERR (*)(JET_INSTANCE, JET_SESID, unsigned long,
                               JET_API_PTR*, char*, unsigned long) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetInit), JET_ERR (*)(JET_INSTANCE*) noexcept>);
static_assert(std::is_same_v<decltype(&JetBeginSession),
                             JET_ERR (*)(JET_INSTANCE, JET_SESID*, const char*,
                                         const char*) noexcept>);
static_assert(std::is_same_v<decltype(&JetDupSession),
                             JET_ERR (*)(JET_SESID, JET_SESID*) noexcept>);
static_assert(std::is_same_v<decltype(&JetEndSession),
                             JET_ERR (*)(JET_SESID, JET_GRBIT) noexcept>);
static_assert(std::is_same_v<decltype(&JetSetSessionContext),
                             JET_ERR (*)(JET_SESID, JET_API_PTR) noexcept>);
static_assert(std::is_same_v<decltype(&JetResetSessionContext),
                             JET_ERR (*)(JET_SESID) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetStopService), JET_ERR (*)() noexcept>);
static_assert(std::is_same_v<decltype(&JetStopServiceInstance),
                             JET_ERR (*)(JET_INSTANCE) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetTerm), JET_ERR (*)(JET_INSTANCE) noexcept>);
static_assert(std::is_same_v<decltype(&JetTerm2),
                             JET_ERR (*)(JET_INSTANCE, JET_GRBIT) noexcept>);
static_assert(std::is_same_v<decltype(&JetExtBeginRestore),
                             JET_ERR (*)(JET_INSTANCE) noexcept>);
static_assert(std::is_same_v<decltype(&JetExtEndRestore),
                             JET_ERR (*)(JET_INSTANCE) noexcept>);
static_assert(std::is_same_v<decltype(&JetExtSetInstanceUnavailable),
                             JET_ERR (*)(JET_INSTANCE) noexcept>);
static_assert(
    std::is_same_v<decltype(&JetExtGetSessionCount),
                   JET_ERR (*)(JET_INSTANCE, unsigned long*) noexcept>);

// Every function is extern "C" with exactly the contract's signature: a
// redeclaration with C language linkage is ill-formed if the header's
// declaration has C++ linkage or another type.
extern "C" {
JET_ERR JET_API JetCreateInstance(JET_INSTANCE* pinstance,
                                  const char* szInstanceName) noexcept;
JET_ERR JET_API JetSetSystemParameter(JET_INSTANCE* pinstance, JET_SESID sesid,
                                      unsigned long paramid, JET_API_PTR lParam,
                                      const char* szParam) noexcept;
JET_ERR JET_API JetGetSystemParameter(JET_INSTANCE instance, JET_SESID sesid,
                                      unsigned long paramid,
                                      JET_API_PTR* plParam, char* szParam,
                                      unsigned long cbMax) noexcept;
JET_ERR JET_API JetInit(JET_INSTANCE* pinstance) noexcept;
JET_ERR JET_API JetBeginSession(JET_INSTANCE instance, JET_SESID* psesid,
                                const char* szUserName,
                                const char* szPassword) noexcept;
JET_ERR JET_API JetDupSession(JET_SESID sesid, JET_SESID* psesid) noexcept;
JET_ERR JET_API JetEndSession(JET_SESID sesid, JET_GRBIT grbit) noexcept;
JET_ERR JET_API JetSetSessionContext(JET_SESID sesid,
                                     JET_API_PTR ulContext) noexcept;
JET_ERR JET_API JetResetSessionContext(JET_SESID sesid) noexcept;
JET_ERR JET_API JetStopService(void) noexcept;
JET_ERR JET_API JetStopServiceInstance(JET_INSTANCE instance) noexcept;
JET_ERR JET_API JetTerm(JET_INSTANCE instance) noexcept;
JET_ERR JET_API JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit) noexcept;
JET_ERR JET_API JetExtBeginRestore(JET_INSTANCE instance) noexcept;
JET_ERR JET_API JetExtEndRestore(JET_INSTANCE instance) noexcept;
JET_ERR JET_API JetExtSetInstanceUnavailable(JET_INSTANCE instance) noexcept;
JET_ERR JET_API JetExtGetSessionCount(JET_INSTANCE instance,
                                      unsigned long* pcSessions) noexcept;
}  // extern "C"

// "never throws": every call is noexcept in C++.
static_assert(noexcept(JetCreateInstance(nullptr, nullptr)));
static_assert(noexcept(JetSetSystemParameter(nullptr, 0, 0, 0, nullptr)));
static_assert(noexcept(JetGetSystemParameter(0, 0, 0, nullptr, nullptr, 0)));
static_assert(noexcept(JetInit(nullptr)));
static_assert(noexcept(JetBeginSession(0, nullptr, nullptr, nullptr)));
static_assert(noexcept(JetDupSession(0, nullptr)));
static_assert(noexcept(JetEndSession(0, 0)));
static_assert(noexcept(JetSetSessionContext(0, 0)));
static_assert(noexcept(JetResetSessionContext(0)));
static_assert(noexcept(JetStopService()));
static_assert(noexcept(JetStopServiceInstance(0)));
static_assert(noexcept(JetTerm(0)));
static_assert(noexcept(JetTerm2(0, 0)));
static_assert(noexcept(JetExtBeginRestore(0)));
static_assert(noexcept(JetExtEndRestore(0)));
static_assert(noexcept(JetExtSetInstanceUnavailable(0)));
static_assert(noexcept(JetExtGetSessionCount(0, nullptr)));
static_assert(noexcept(jetsession::ErrorName(jetsession::Error::kSuccess)));

// The C++ Error enum mirrors the codes, value for value (compile time).
static_assert(
    std::is_same_v<std::underlying_type_t<jetsession::Error>, std::int32_t>);
#define JETSESSION_SAME_(name)                                           \
  static_assert(                                                         \
      jetsession::ToJetErr(jetsession::Error::k##name) == JET_err##name, \
      "Error::k" #name " != JET_err" #name);                             \
  static_assert(static_cast<JET_ERR>(jetsession::Error::k##name) ==      \
                JET_err##name)
JETSESSION_SAME_(Success);
JETSESSION_SAME_(InvalidGrbit);
JETSESSION_SAME_(RestoreInProgress);
JETSESSION_SAME_(TermInProgress);
JETSESSION_SAME_(InvalidParameter);
JETSESSION_SAME_(OutOfMemory);
JETSESSION_SAME_(NotInitialized);
JETSESSION_SAME_(AlreadyInitialized);
JETSESSION_SAME_(InitInProgress);
JETSESSION_SAME_(TooManyActiveUsers);
JETSESSION_SAME_(RunningInOneInstanceMode);
JETSESSION_SAME_(RunningInMultiInstanceMode);
JETSESSION_SAME_(SystemParamsAlreadySet);
JETSESSION_SAME_(InstanceNameInUse);
JETSESSION_SAME_(InstanceUnavailable);
JETSESSION_SAME_(InvalidSesparamId);
JETSESSION_SAME_(OutOfSessions);
JETSESSION_SAME_(InvalidSesid);
JETSESSION_SAME_(InvalidInstance);
JETSESSION_SAME_(DirtyShutdown);
JETSESSION_SAME_(TooManyInstances);
JETSESSION_SAME_(ClientRequestToStopJetService);
JETSESSION_SAME_(SessionSharingViolation);
JETSESSION_SAME_(SessionContextAlreadySet);
JETSESSION_SAME_(SessionContextNotSetByThisThread);
JETSESSION_SAME_(SessionInUse);
#undef JETSESSION_SAME_

struct Code {
  JET_ERR value;
  jetsession::Error error;
  std::string_view name;
  JET_ERR expected;
};

// Every error of the contract's table: the macro, the Error enumerator, its
// name, and the value the contract gives.
constexpr Code kCodes[] = {
#define JETSESSION_CODE_(name, value) \
  { JET_err##name, jetsession::Error::k##name, "JET_err" #name, value }
    JETSESSION_CODE_(Success, 0),
    JETSESSION_CODE_(InvalidGrbit, -900),
    JETSESSION_CODE_(RestoreInProgress, -506),
    JETSESSION_CODE_(TermInProgress, -1000),
    JETSESSION_CODE_(InvalidParameter, -1003),
    JETSESSION_CODE_(OutOfMemory, -1011),
    JETSESSION_CODE_(NotInitialized, -1029),
    JETSESSION_CODE_(AlreadyInitialized, -1030),
    JETSESSION_CODE_(InitInProgress, -1031),
    JETSESSION_CODE_(TooManyActiveUsers, -1059),
    JETSESSION_CODE_(RunningInOneInstanceMode, -1080),
    JETSESSION_CODE_(RunningInMultiInstanceMode, -1081),
    JETSESSION_CODE_(SystemParamsAlreadySet, -1082),
    JETSESSION_CODE_(InstanceNameInUse, -1086),
    JETSESSION_CODE_(InstanceUnavailable, -1090),
    JETSESSION_CODE_(InvalidSesparamId, -1093),
    JETSESSION_CODE_(OutOfSessions, -1101),
    JETSESSION_CODE_(InvalidSesid, -1104),
    JETSESSION_CODE_(InvalidInstance, -1115),
    JETSESSION_CODE_(DirtyShutdown, -1116),
    JETSESSION_CODE_(TooManyInstances, -1214),
    JETSESSION_CODE_(ClientRequestToStopJetService, -1329),
    JETSESSION_CODE_(SessionSharingViolation, -1910),
    JETSESSION_CODE_(SessionContextAlreadySet, -1912),
    JETSESSION_CODE_(SessionContextNotSetByThisThread, -1913),
    JETSESSION_CODE_(SessionInUse, -1914),
#undef JETSESSION_CODE_
};

TEST(JetConstantsTest, ErrorValuesAreTheContracts) {
  for (const Code& code : kCodes) {
    EXPECT_EQ(code.value, code.expected) << code.name;
    EXPECT_EQ(jetsession::ToJetErr(code.error), code.expected) << code.name;
    EXPECT_EQ(jetsession::ErrorName(code.error), code.name);
  }
}

TEST(JetConstantsTest, ErrorCodesAreDistinct) {
  for (const Code& a : kCodes) {
    for (const Code& b : kCodes) {
      if (&a != &b) {
        EXPECT_NE(a.value, b.value) << a.name << " and " << b.name;
        EXPECT_NE(jetsession::ErrorName(a.error),
                  jetsession::ErrorName(b.error));
      }
    }
  }
}

TEST(JetConstantsTest, ErrorNameOfEachEnumerator) {
  // Spelled out once more, name by name, independent of the table above.
  using jetsession::Error;
  using jetsession::ErrorName;
  EXPECT_EQ(ErrorName(Error::kSuccess), "JET_errSuccess");
  EXPECT_EQ(ErrorName(Error::kInvalidGrbit), "JET_errInvalidGrbit");
  EXPECT_EQ(ErrorName(Error::kRestoreInProgress), "JET_errRestoreInProgress");
  EXPECT_EQ(ErrorName(Error::kTermInProgress), "JET_errTermInProgress");
  EXPECT_EQ(ErrorName(Error::kInvalidParameter), "JET_errInvalidParameter");
  EXPECT_EQ(ErrorName(Error::kOutOfMemory), "JET_errOutOfMemory");
  EXPECT_EQ(ErrorName(Error::kNotInitialized), "JET_errNotInitialized");
  EXPECT_EQ(ErrorName(Error::kAlreadyInitialized), "JET_errAlreadyInitialized");
  EXPECT_EQ(ErrorName(Error::kInitInProgress), "JET_errInitInProgress");
  EXPECT_EQ(ErrorName(Error::kTooManyActiveUsers), "JET_errTooManyActiveUsers");
  EXPECT_EQ(ErrorName(Error::kRunningInOneInstanceMode),
            "JET_errRunningInOneInstanceMode");
  EXPECT_EQ(ErrorName(Error::kRunningInMultiInstanceMode),
            "JET_errRunningInMultiInstanceMode");
  EXPECT_EQ(ErrorName(Error::kSystemParamsAlreadySet),
            "JET_errSystemParamsAlreadySet");
  EXPECT_EQ(ErrorName(Error::kInstanceNameInUse), "JET_errInstanceNameInUse");
  EXPECT_EQ(ErrorName(Error::kInstanceUnavailable),
            "JET_errInstanceUnavailable");
  EXPECT_EQ(ErrorName(Error::kInvalidSesparamId), "JET_errInvalidSesparamId");
  EXPECT_EQ(ErrorName(Error::kOutOfSessions), "JET_errOutOfSessions");
  EXPECT_EQ(ErrorName(Error::kInvalidSesid), "JET_errInvalidSesid");
  EXPECT_EQ(ErrorName(Error::kInvalidInstance), "JET_errInvalidInstance");
  EXPECT_EQ(ErrorName(Error::kDirtyShutdown), "JET_errDirtyShutdown");
  EXPECT_EQ(ErrorName(Error::kTooManyInstances), "JET_errTooManyInstances");
  EXPECT_EQ(ErrorName(Error::kClientRequestToStopJetService),
            "JET_errClientRequestToStopJetService");
  EXPECT_EQ(ErrorName(Error::kSessionSharingViolation),
            "JET_errSessionSharingViolation");
  EXPECT_EQ(ErrorName(Error::kSessionContextAlreadySet),
            "JET_errSessionContextAlreadySet");
  EXPECT_EQ(ErrorName(Error::kSessionContextNotSetByThisThread),
            "JET_errSessionContextNotSetByThisThread");
  EXPECT_EQ(ErrorName(Error::kSessionInUse), "JET_errSessionInUse");
}

// Not in the contract: error.h documents "JET_errUnknown" for a value that
// is not an enumerator.
TEST(JetConstantsTest, UnknownErrorHasAName) {
  EXPECT_EQ(jetsession::ErrorName(static_cast<jetsession::Error>(12345)),
            "JET_errUnknown");
}

TEST(JetConstantsTest, JetApiIsEmpty) {
  // JET_API expands to nothing: "JET_ERR JET_API f(...)" declares f.
#define JETSESSION_STRINGIZE_(x) #x
#define JETSESSION_EXPAND_(x) JETSESSION_STRINGIZE_(x)
  EXPECT_STREQ(JETSESSION_EXPAND_(JET_API), "");
#undef JETSESSION_EXPAND_
#undef JETSESSION_STRINGIZE_
}

}  // namespace
