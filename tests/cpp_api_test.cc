// The C++ RAII API: move-only Instance and Session, errors as values, no
// exceptions, lifetimes.
#include <jetsession/jetsession.h>

#include <type_traits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace jetsession {
namespace {

static_assert(!std::is_copy_constructible_v<Instance>);
static_assert(!std::is_copy_assignable_v<Instance>);
static_assert(std::is_nothrow_move_constructible_v<Instance>);
static_assert(std::is_nothrow_move_assignable_v<Instance>);
static_assert(!std::is_copy_constructible_v<Session>);
static_assert(!std::is_copy_assignable_v<Session>);
static_assert(std::is_nothrow_move_constructible_v<Session>);
static_assert(std::is_nothrow_move_assignable_v<Session>);
static_assert(noexcept(Instance::Create()));
static_assert(noexcept(std::declval<Instance&>().BeginSession()));
static_assert(noexcept(std::declval<Instance&>().Terminate()));
static_assert(noexcept(std::declval<Session&>().Dup()));
static_assert(noexcept(std::declval<Session&>().End()));
static_assert(noexcept(std::declval<Session&>().SetContext(1)));
static_assert(std::is_same_v<std::underlying_type_t<Error>, JET_ERR>);

unsigned long CountOf(const Instance& instance) {
  const Result<unsigned long> count = instance.SessionCount();
  EXPECT_TRUE(count.ok());
  return count.ok() ? *count : ~0UL;
}

TEST(CppApiTest, CreateBeginDupEnd) {
  Result<Instance> instance =
      Instance::Create({.name = "cpp", .max_sessions = 2});
  ASSERT_TRUE(instance.ok()) << ErrorName(instance.error());
  Result<Session> a = instance->BeginSession();
  ASSERT_TRUE(a.ok());
  Result<Session> b = a->Dup();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(CountOf(*instance), 2U);
  Result<Session> c = instance->BeginSession();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error(), Error::kOutOfSessions);
  EXPECT_EQ(ErrorName(c.error()), "JET_errOutOfSessions");
  EXPECT_EQ(b->End(), Error::kSuccess);
  EXPECT_FALSE(b->has_value());
  EXPECT_EQ(b->End(), Error::kInvalidSesid);
  EXPECT_EQ(CountOf(*instance), 1U);
}

TEST(CppApiTest, SessionEndsOnDestruction) {
  Result<Instance> instance = Instance::Create({.name = "raii"});
  ASSERT_TRUE(instance.ok());
  JET_SESID raw = JET_sesidNil;
  {
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    raw = s->handle();
    EXPECT_EQ(CountOf(*instance), 1U);
  }
  EXPECT_EQ(CountOf(*instance), 0U);
  EXPECT_EQ(JetEndSession(raw, 0), JET_errInvalidSesid);
}

TEST(CppApiTest, MovingTransfersOwnership) {
  Result<Instance> instance = Instance::Create({.name = "move"});
  ASSERT_TRUE(instance.ok());
  std::vector<Session> sessions;
  for (int i = 0; i < 3; ++i) {
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    sessions.push_back(std::move(*s));
    EXPECT_FALSE(s->has_value());  // moved-from is empty
  }
  EXPECT_EQ(CountOf(*instance), 3U);
  Session moved = std::move(sessions[0]);
  sessions[1] = std::move(moved);  // ends the session sessions[1] held
  EXPECT_EQ(CountOf(*instance), 2U);
  sessions.clear();
  EXPECT_EQ(CountOf(*instance), 0U);
  Instance other = std::move(*instance);
  EXPECT_FALSE(instance->has_value());
  EXPECT_TRUE(other.BeginSession().ok());
}

TEST(CppApiTest, InstanceTerminatesOnDestruction) {
  JET_INSTANCE raw = 0;
  JET_SESID session = JET_sesidNil;
  {
    Result<Instance> instance = Instance::Create({.name = "term"});
    ASSERT_TRUE(instance.ok());
    raw = instance->handle();
    session = instance->BeginSession()->Release();
  }
  EXPECT_EQ(JetEndSession(session, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetTerm(raw), JET_errInvalidInstance);
}

TEST(CppApiTest, SessionMayOutliveItsInstance) {
  Session survivor;
  {
    Result<Instance> instance = Instance::Create({.name = "outlive"});
    ASSERT_TRUE(instance.ok());
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    survivor = std::move(*s);
  }
  EXPECT_TRUE(survivor.has_value());
  EXPECT_EQ(survivor.End(), Error::kInvalidSesid);
  EXPECT_EQ(survivor.Dup().error(), Error::kInvalidSesid);
}  // the destructor's End fails harmlessly

TEST(CppApiTest, ContextsAndStop) {
  Result<Instance> instance = Instance::Create({.name = "ctx"});
  ASSERT_TRUE(instance.ok());
  Result<Session> s = instance->BeginSession();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->SetContext(0), Error::kInvalidParameter);
  EXPECT_EQ(s->SetContext(5), Error::kSuccess);
  EXPECT_EQ(s->End(), Error::kSessionInUse);
  EXPECT_TRUE(s->has_value());
  EXPECT_EQ(s->ResetContext(), Error::kSuccess);
  EXPECT_EQ(instance->Stop(), Error::kSuccess);
  EXPECT_EQ(instance->BeginSession().error(),
            Error::kClientRequestToStopJetService);
  EXPECT_EQ(s->End(), Error::kSuccess);
  EXPECT_EQ(instance->SetUnavailable(), Error::kSuccess);
}

TEST(CppApiTest, CreateReportsErrorsAsValues) {
  Result<Instance> first = Instance::Create({.name = "same"});
  ASSERT_TRUE(first.ok());
  Result<Instance> second = Instance::Create({.name = "same"});
  EXPECT_EQ(second.error(), Error::kInstanceNameInUse);
  Result<Instance> too_big =
      Instance::Create({.name = "big", .max_sessions = 30001});
  EXPECT_EQ(too_big.error(), Error::kInvalidParameter);
  // The failed create left nothing behind: the name is free.
  EXPECT_TRUE(Instance::Create({.name = "big"}).ok());
}

TEST(CppApiTest, TerminateWithGrbits) {
  Result<Instance> instance = Instance::Create({.name = "grbit"});
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ(instance->Terminate(0x100), Error::kInvalidGrbit);
  EXPECT_TRUE(instance->has_value());
  EXPECT_EQ(instance->Terminate(JET_bitTermDirty), Error::kDirtyShutdown);
  EXPECT_FALSE(instance->has_value());
  EXPECT_EQ(instance->Terminate(), Error::kInvalidInstance);
}

TEST(CppApiTest, EmptyObjectsFailCleanly) {
  const Instance empty;
  EXPECT_EQ(empty.BeginSession().error(), Error::kInvalidInstance);
  EXPECT_EQ(empty.Stop(), Error::kInvalidInstance);
  EXPECT_EQ(empty.SessionCount().error(), Error::kInvalidInstance);
  Session none;
  EXPECT_EQ(none.End(), Error::kInvalidSesid);
  EXPECT_EQ(none.Dup().error(), Error::kInvalidSesid);
  // Even in one-instance mode, an empty Instance never means the default.
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(empty.BeginSession().error(), Error::kInvalidInstance);
  EXPECT_EQ(JetTerm(0), JET_errSuccess);
}

}  // namespace
}  // namespace jetsession
