// The C++ RAII API: move-only Instance and Session, errors as values, no
// exceptions, lifetimes.
#include <jetsession/jetsession.h>

#include <chrono>
#include <stop_token>
#include <thread>
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
static_assert(std::is_nothrow_destructible_v<Instance>);
static_assert(std::is_nothrow_destructible_v<Session>);
static_assert(std::is_nothrow_default_constructible_v<Instance>);
static_assert(std::is_nothrow_default_constructible_v<Session>);
static_assert(noexcept(Instance::Create(InstanceOptions{})));
static_assert(noexcept(std::declval<const Instance&>().BeginSession()));
static_assert(noexcept(std::declval<const Instance&>().Stop()));
static_assert(noexcept(std::declval<const Instance&>().SetUnavailable()));
static_assert(noexcept(std::declval<const Instance&>().SessionCount()));
static_assert(noexcept(std::declval<Instance&>().Terminate(JET_bitTermDirty)));
static_assert(noexcept(std::declval<Instance&>().Release()));
static_assert(noexcept(std::declval<const Session&>().Dup()));
static_assert(noexcept(std::declval<const Session&>().SetContext(1)));
static_assert(noexcept(std::declval<const Session&>().ResetContext()));
static_assert(noexcept(std::declval<Session&>().Release()));
static_assert(noexcept(ErrorName(Error::kSuccess)));
static_assert(noexcept(std::declval<Result<Session>&>().ok()));
static_assert(noexcept(std::declval<Result<Session>&>().error()));
static_assert(noexcept(std::declval<Result<Session>&>().value()));
// Errors are values: the calls return Error or Result<T>.
static_assert(std::is_same_v<decltype(Instance::Create()), Result<Instance>>);
static_assert(std::is_same_v<decltype(std::declval<Instance&>().BeginSession()),
                             Result<Session>>);
static_assert(
    std::is_same_v<decltype(std::declval<Session&>().Dup()), Result<Session>>);
static_assert(std::is_same_v<decltype(std::declval<Session&>().End()), Error>);
static_assert(std::is_same_v<decltype(std::declval<Instance&>().SessionCount()),
                             Result<unsigned long>>);

// Terminates the default instance (one-instance mode) at scope exit, also
// when an assertion fails.
struct DefaultInstanceGuard {
  DefaultInstanceGuard() = default;
  DefaultInstanceGuard(const DefaultInstanceGuard&) = delete;
  DefaultInstanceGuard& operator=(const DefaultInstanceGuard&) = delete;
  ~DefaultInstanceGuard() { JetTerm(0); }
};

// Every test leaves no instance alive: RAII must have terminated
// everything. Checked after each test (MaxInstances can be set to another
// value only while no instance lives), then the default is restored.
class CppApiTest : public ::testing::Test {
 protected:
  void TearDown() override {
    JetTerm(0);  // a default instance left by a failed test
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 1, nullptr),
        JET_errSuccess)
        << "an instance outlived the test";
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16, nullptr),
        JET_errSuccess);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 16, nullptr),
        JET_errSuccess);
  }
};

unsigned long CountOf(const Instance& instance) {
  const Result<unsigned long> count = instance.SessionCount();
  EXPECT_TRUE(count.ok());
  return count.ok() ? *count : ~0UL;
}

TEST_F(CppApiTest, CreateBeginDupEnd) {
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

TEST_F(CppApiTest, BeginSessionWaitsForAFreedSession) {
  using std::chrono::milliseconds;
  Result<Instance> instance =
      Instance::Create({.name = "cpp-wait", .max_sessions = 1});
  ASSERT_TRUE(instance.ok());
  Result<Session> held = instance->BeginSession();
  ASSERT_TRUE(held.ok());
  // Full: a wait times out with kOutOfSessions; no timeout is no wait.
  Result<Session> timed_out = instance->BeginSession(milliseconds(10));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error(), Error::kOutOfSessions);
  EXPECT_EQ(instance->BeginSession(milliseconds(0)).error(),
            Error::kOutOfSessions);
  // An End hands its session to the waiter.
  std::thread ender([&] {
    std::this_thread::sleep_for(milliseconds(10));
    EXPECT_EQ(held->End(), Error::kSuccess);
  });
  Result<Session> got = instance->BeginSession(milliseconds(60'000));
  ender.join();
  ASSERT_TRUE(got.ok()) << ErrorName(got.error());
  EXPECT_EQ(CountOf(*instance), 1U);
}

TEST_F(CppApiTest, AStopTokenEndsAWaitOnTheDefaultInstance) {
  // Instance(0) names the default instance: its stop callback wakes that
  // instance's waiters, not nobody (a waiter would see its request only at
  // its deadline).
  using std::chrono::milliseconds;
  const DefaultInstanceGuard guard;
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 1, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  JET_SESID held = JET_sesidNil;
  ASSERT_EQ(JetBeginSession(0, &held, nullptr, nullptr), JET_errSuccess);
  Instance instance(0);
  std::stop_source source;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(10));
    source.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const Result<Session> waited =
      instance.BeginSession(milliseconds(60'000), source.get_token());
  const auto waited_for = std::chrono::steady_clock::now() - start;
  stopper.join();
  (void)instance.Release();  // the guard terminates it
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error(), Error::kWaitCancelled);
  EXPECT_LT(waited_for, std::chrono::seconds(30))
      << "the request did not wake the waiter: its deadline ended the wait";
  EXPECT_EQ(JetEndSession(held, 0), JET_errSuccess);
}

TEST_F(CppApiTest, AStopTokenEndsTheWait) {
  using std::chrono::milliseconds;
  Result<Instance> instance =
      Instance::Create({.name = "cpp-stop-token", .max_sessions = 1});
  ASSERT_TRUE(instance.ok());
  Result<Session> held = instance->BeginSession();
  ASSERT_TRUE(held.ok());
  std::stop_source source;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(10));
    source.request_stop();
  });
  Result<Session> waited =
      instance->BeginSession(milliseconds(60'000), source.get_token());
  stopper.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error(), Error::kWaitCancelled);
  EXPECT_EQ(ErrorName(waited.error()), "JET_errExtWaitCancelled");
  const auto waits = [&] {
    const Result<SessionStats> stats = instance->Stats();
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? stats->waits : 0;
  };
  EXPECT_EQ(waits(), 1U);
  // A stop requested before the call ends a wait at once, and the call is
  // not counted as a wait; with room there is no wait, and the session is
  // given.
  EXPECT_EQ(
      instance->BeginSession(milliseconds(60'000), source.get_token()).error(),
      Error::kWaitCancelled);
  EXPECT_EQ(waits(), 1U);
  EXPECT_EQ(held->End(), Error::kSuccess);
  EXPECT_TRUE(
      instance->BeginSession(milliseconds(60'000), source.get_token()).ok());
  EXPECT_EQ(CountOf(*instance), 0U);
}

TEST_F(CppApiTest, SessionEndsOnDestruction) {
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

TEST_F(CppApiTest, MovingTransfersOwnership) {
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
  // The value of a temporary Result moves out.
  const Instance taken = *Instance::Create({.name = "move-temporary"});
  EXPECT_TRUE(taken.has_value());
}

TEST_F(CppApiTest, InstanceTerminatesOnDestruction) {
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

TEST_F(CppApiTest, SessionMayOutliveItsInstance) {
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

TEST_F(CppApiTest, ContextsAndStop) {
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

TEST_F(CppApiTest, CreateReportsErrorsAsValues) {
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

TEST_F(CppApiTest, TerminateWithGrbits) {
  Result<Instance> instance = Instance::Create({.name = "grbit"});
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ(instance->Terminate(0x100), Error::kInvalidGrbit);
  EXPECT_TRUE(instance->has_value());
  EXPECT_EQ(instance->Terminate(JET_bitTermDirty), Error::kDirtyShutdown);
  EXPECT_FALSE(instance->has_value());
  EXPECT_EQ(instance->Terminate(), Error::kInvalidInstance);
}

TEST_F(CppApiTest, EmptyObjectsFailCleanly) {
  const Instance empty;
  EXPECT_EQ(empty.BeginSession().error(), Error::kInvalidInstance);
  EXPECT_EQ(empty.Stop(), Error::kInvalidInstance);
  EXPECT_EQ(empty.SessionCount().error(), Error::kInvalidInstance);
  Session none;
  EXPECT_EQ(none.End(), Error::kInvalidSesid);
  EXPECT_EQ(none.Dup().error(), Error::kInvalidSesid);
  // Even in one-instance mode, an empty Instance never means the default.
  // (Not in the contract nor in instance.h: an empty Instance holds
  // JET_instanceNil, which the C API would take for the default instance.)
  const DefaultInstanceGuard guard;
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(empty.BeginSession().error(), Error::kInvalidInstance);
  EXPECT_EQ(JetTerm(0), JET_errSuccess);
}

TEST_F(CppApiTest, CreateInOneInstanceModeIsAnError) {
  const DefaultInstanceGuard guard;
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  const Result<Instance> instance = Instance::Create({.name = "multi"});
  EXPECT_FALSE(instance.ok());
  EXPECT_EQ(instance.error(), Error::kRunningInOneInstanceMode);
  EXPECT_EQ(ErrorName(instance.error()), "JET_errRunningInOneInstanceMode");
}

TEST_F(CppApiTest, CreateHonoursMaxSessions) {
  for (const unsigned long max : {0UL, 1UL, 5UL}) {
    Result<Instance> instance =
        Instance::Create({.name = "max", .max_sessions = max});
    ASSERT_TRUE(instance.ok()) << ErrorName(instance.error());
    std::vector<Session> open;
    for (unsigned long i = 0; i < max; ++i) {
      Result<Session> s = instance->BeginSession();
      ASSERT_TRUE(s.ok()) << ErrorName(s.error());
      open.push_back(std::move(*s));
    }
    const Result<Session> extra = instance->BeginSession();
    EXPECT_EQ(extra.error(), Error::kOutOfSessions) << max;
    if (!open.empty()) {
      EXPECT_EQ(open.front().Dup().error(), Error::kOutOfSessions);
    }
    EXPECT_EQ(CountOf(*instance), max);
  }
}

TEST_F(CppApiTest, CreateDefaultsAreUnnamedAnd16Sessions) {
  Result<Instance> instance = Instance::Create();
  ASSERT_TRUE(instance.ok()) << ErrorName(instance.error());
  // The unnamed instance: a second one is refused, NULL or "".
  EXPECT_EQ(Instance::Create().error(), Error::kInstanceNameInUse);
  JET_INSTANCE raw = 0;
  EXPECT_EQ(JetCreateInstance(&raw, nullptr), JET_errInstanceNameInUse);
  std::vector<Session> open;
  for (int i = 0; i < 16; ++i) {
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    open.push_back(std::move(*s));
  }
  EXPECT_EQ(instance->BeginSession().error(), Error::kOutOfSessions);
}

TEST_F(CppApiTest, CreateBoundedByMaxInstances) {
  ASSERT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 2, nullptr),
      JET_errSuccess);
  {
    Result<Instance> a = Instance::Create({.name = "a"});
    Result<Instance> b = Instance::Create({.name = "b"});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(Instance::Create({.name = "c"}).error(),
              Error::kTooManyInstances);
  }
  EXPECT_EQ(
      JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16, nullptr),
      JET_errSuccess)
      << "an instance outlived its Instance object";
}

TEST_F(CppApiTest, OutlivingSessionDoesNotTouchALaterInstance) {
  Session survivor;
  {
    Result<Instance> instance =
        Instance::Create({.name = "first", .max_sessions = 1});
    ASSERT_TRUE(instance.ok());
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    survivor = std::move(*s);
  }
  // A new instance, likely on the same memory, with a session open.
  Result<Instance> next =
      Instance::Create({.name = "first", .max_sessions = 1});
  ASSERT_TRUE(next.ok());
  Result<Session> live = next->BeginSession();
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(survivor.Dup().error(), Error::kInvalidSesid);
  EXPECT_EQ(survivor.SetContext(3), Error::kInvalidSesid);
  EXPECT_EQ(survivor.ResetContext(), Error::kInvalidSesid);
  { const Session dying = std::move(survivor); }  // its End fails harmlessly
  EXPECT_EQ(CountOf(*next), 1U);
  EXPECT_EQ(live->End(), Error::kSuccess);
}

TEST_F(CppApiTest, SessionWithContextStaysOpenUntilTerminate) {
  Result<Instance> instance = Instance::Create({.name = "ctx"});
  ASSERT_TRUE(instance.ok());
  JET_SESID raw = JET_sesidNil;
  {
    Result<Session> s = instance->BeginSession();
    ASSERT_TRUE(s.ok());
    raw = s->handle();
    ASSERT_EQ(s->SetContext(9), Error::kSuccess);
  }  // session.h: "a session whose context is still set stays open"
  EXPECT_EQ(CountOf(*instance), 1U);
  EXPECT_EQ(instance->Terminate(), Error::kSuccess);
  EXPECT_FALSE(instance->has_value());
  // Terminate force-ended it.
  EXPECT_EQ(JetResetSessionContext(raw), JET_errInvalidSesid);
  EXPECT_EQ(JetEndSession(raw, 0), JET_errInvalidSesid);
}

TEST_F(CppApiTest, AdoptAndReleaseRawHandles) {
  JET_INSTANCE raw = 0;
  ASSERT_EQ(JetCreateInstance(&raw, "adopted"), JET_errSuccess);
  ASSERT_EQ(JetInit(&raw), JET_errSuccess);
  JET_SESID raw_session = JET_sesidNil;
  {
    const Instance adopted(raw);
    EXPECT_EQ(adopted.handle(), raw);
    EXPECT_TRUE(adopted.has_value());
    Result<Session> s = adopted.BeginSession();
    ASSERT_TRUE(s.ok());
    raw_session = s->Release();
    EXPECT_FALSE(s->has_value());
    EXPECT_EQ(CountOf(adopted), 1U);  // Release did not end it
    Session readopted(raw_session);
    EXPECT_EQ(readopted.End(), Error::kSuccess);
    EXPECT_EQ(CountOf(adopted), 0U);
  }  // terminates raw
  EXPECT_EQ(JetTerm(raw), JET_errInvalidInstance);
  // Release leaves the instance alive, to be terminated by hand.
  Result<Instance> instance = Instance::Create({.name = "released"});
  ASSERT_TRUE(instance.ok());
  const JET_INSTANCE released = instance->Release();
  EXPECT_FALSE(instance->has_value());
  EXPECT_EQ(JetTerm(released), JET_errSuccess);
}

TEST_F(CppApiTest, MoveAssignTerminatesTheOldInstance) {
  Result<Instance> a = Instance::Create({.name = "a"});
  Result<Instance> b = Instance::Create({.name = "b"});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  const JET_INSTANCE old = a->handle();
  *a = std::move(*b);
  EXPECT_FALSE(b->has_value());
  EXPECT_EQ(JetTerm(old), JET_errInvalidInstance);
  EXPECT_TRUE(a->has_value());
  EXPECT_EQ(CountOf(*a), 0U);
}

TEST_F(CppApiTest, EveryErrorHasItsNameThroughResults) {
  Result<Instance> instance = Instance::Create({.name = "names"});
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ(instance.error(), Error::kSuccess);  // ok(): kSuccess
  ASSERT_EQ(instance->SetUnavailable(), Error::kSuccess);
  const Result<Session> s = instance->BeginSession();
  EXPECT_EQ(s.error(), Error::kInstanceUnavailable);
  EXPECT_EQ(ErrorName(s.error()), "JET_errInstanceUnavailable");
  EXPECT_EQ(ToJetErr(s.error()), JET_errInstanceUnavailable);
}

}  // namespace
}  // namespace jetsession
