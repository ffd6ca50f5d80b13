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
