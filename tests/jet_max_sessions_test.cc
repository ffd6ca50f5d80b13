// The contract's "Capacity at run time": JetExtSetMaxSessions and
// Instance::SetMaxSessions, case by case: the checks and their order, the
// capacity reported everywhere, growing and shrinking exactly, the slots, the
// waiters served by a grow (oldest first) and kept waiting by a shrink, and a
// later incarnation starting from MaxSessions again.
#include <jetsession/jet.h>
#include <jetsession/jetsession.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

static_assert(noexcept(JetExtSetMaxSessions(0, 0)));
static_assert(std::is_same_v<decltype(JetExtSetMaxSessions(0, 0)), JET_ERR>);
static_assert(noexcept(std::declval<const Instance&>().SetMaxSessions(1)));
static_assert(
    std::is_same_v<decltype(std::declval<const Instance&>().SetMaxSessions(1)),
                   Error>);

// A waiter's timeout: generous, so that only a defect makes one run out (a
// waiter that a defect leaves without its session fails after it, never
// hangs the test).
constexpr unsigned long kWaitMs = 10'000;
// How long a poll for a state that a correct library reaches at once may
// take before the test gives up.
constexpr auto kPollLimit = std::chrono::seconds(10);

// JET_paramMaxSessions of `inst` (the capacity in force).
JET_API_PTR MaxSessionsOf(JET_INSTANCE inst) {
  JET_API_PTR value = ~JET_API_PTR{0};
  EXPECT_EQ(
      JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &value, nullptr, 0),
      JET_errSuccess);
  return value;
}

// JET_paramExtMaxSessionsCeiling of `inst` (the effective ceiling).
JET_API_PTR CeilingOf(JET_INSTANCE inst) {
  JET_API_PTR value = ~JET_API_PTR{0};
  EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramExtMaxSessionsCeiling,
                                  &value, nullptr, 0),
            JET_errSuccess);
  return value;
}

// The slot of open session `s`.
unsigned long SlotOf(JET_SESID s) {
  unsigned long slot = ~0UL;
  EXPECT_EQ(JetExtGetSessionSlot(s, &slot), JET_errSuccess);
  return slot;
}

// Begins sessions on `inst` until one answers OutOfSessions (at most
// `limit`), appends them to `open` and returns how many succeeded. Every
// failure must be OutOfSessions.
unsigned long BeginUntilFull(JET_INSTANCE inst, std::vector<JET_SESID>* open,
                             unsigned long limit = 64) {
  for (unsigned long n = 0; n <= limit; ++n) {
    JET_SESID s = 0;
    const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
    if (err != JET_errSuccess) {
      EXPECT_EQ(err, JET_errOutOfSessions);
      EXPECT_EQ(s, JET_sesidNil);
      return n;
    }
    open->push_back(s);
  }
  ADD_FAILURE() << "more than " << limit << " Begins succeeded";
  return limit + 1;
}

// As BeginUntilFull, with JetDupSession of `source`.
unsigned long DupUntilFull(JET_SESID source, std::vector<JET_SESID>* open,
                           unsigned long limit = 64) {
  for (unsigned long n = 0; n <= limit; ++n) {
    JET_SESID s = 0;
    const JET_ERR err = JetDupSession(source, &s);
    if (err != JET_errSuccess) {
      EXPECT_EQ(err, JET_errOutOfSessions);
      return n;
    }
    open->push_back(s);
  }
  ADD_FAILURE() << "more than " << limit << " Dups succeeded";
  return limit + 1;
}

// Ends every session of `open` and empties it.
void EndAll(std::vector<JET_SESID>* open) {
  for (const JET_SESID s : *open)
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  open->clear();
}

// The slots of `open` are all below `ceiling` and distinct.
void ExpectDistinctSlotsBelow(const std::vector<JET_SESID>& open,
                              unsigned long ceiling) {
  std::set<unsigned long> slots;
  for (const JET_SESID s : open) {
    const unsigned long slot = SlotOf(s);
    EXPECT_LT(slot, ceiling);
    EXPECT_TRUE(slots.insert(slot).second) << "slot " << slot << " twice";
  }
}

// A thread in JetExtBeginSessionWait (or JetExtDupSessionWait on `source`).
class Waiter {
 public:
  Waiter(JET_INSTANCE inst, unsigned long cmsec)
      : thread_([this, inst, cmsec] {
          result_ = JetExtBeginSessionWait(inst, &sesid_, cmsec);
          done_.store(true);
        }) {}
  Waiter(JET_SESID source, unsigned long cmsec, bool /*dup*/)
      : thread_([this, source, cmsec] {
          result_ = JetExtDupSessionWait(source, &sesid_, cmsec);
          done_.store(true);
        }) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  ~Waiter() {
    if (thread_.joinable()) thread_.join();
  }

  JET_ERR Join() {
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  bool done() const { return done_.load(); }
  // After Join().
  JET_SESID sesid() const { return sesid_; }
  std::thread& thread() { return thread_; }

 private:
  std::atomic<bool> done_{false};
  JET_ERR result_ = 1;
  JET_SESID sesid_ = JET_sesidNil;
  std::thread thread_;  // last: starts once the fields above are set
};

// Parks a thread in a signal handler, where it takes no step of its own
// until Unpark(): a waiter parked there cannot return from its wait, so a
// JetTerm2 started meanwhile stays in flight (it returns only after every
// waiter has returned), which makes "terminating" a state a test can look
// at.
class ThreadParker {
 public:
  ThreadParker() {
    EXPECT_EQ(pipe(fds_), 0);
    read_fd_.store(fds_[0]);
    parked_.store(false);
    unparked_.store(false);
    struct sigaction action {};
    action.sa_handler = &Handler;
    sigemptyset(&action.sa_mask);
    EXPECT_EQ(sigaction(SIGUSR1, &action, &old_), 0);
  }
  ThreadParker(const ThreadParker&) = delete;
  ThreadParker& operator=(const ThreadParker&) = delete;
  ~ThreadParker() {
    Unpark();
    sigaction(SIGUSR1, &old_, nullptr);
    close(fds_[0]);
    close(fds_[1]);
  }

  // Returns once `thread` runs the handler (false if it never does).
  bool Park(std::thread& thread) {
    if (pthread_kill(thread.native_handle(), SIGUSR1) != 0) return false;
    const auto limit = Clock::now() + kPollLimit;
    while (!parked_.load()) {
      if (Clock::now() > limit) return false;
      std::this_thread::yield();
    }
    return true;
  }

  // Lets the parked thread go on; returns once it left the handler.
  void Unpark() {
    if (!parked_.load() || released_) return;
    released_ = true;
    const char byte = 1;
    EXPECT_EQ(write(fds_[1], &byte, 1), 1);
    const auto limit = Clock::now() + kPollLimit;
    while (!unparked_.load() && Clock::now() < limit) {
      std::this_thread::yield();
    }
    EXPECT_TRUE(unparked_.load());
  }

 private:
  static void Handler(int /*signal*/) {
    const int saved = errno;
    parked_.store(true);
    char byte = 0;
    while (read(read_fd_.load(), &byte, 1) < 0 && errno == EINTR) {
    }
    unparked_.store(true);
    errno = saved;
  }

  static_assert(std::atomic<bool>::is_always_lock_free);
  static_assert(std::atomic<int>::is_always_lock_free);
  static inline std::atomic<bool> parked_{false};
  static inline std::atomic<bool> unparked_{false};
  static inline std::atomic<int> read_fd_{-1};
  int fds_[2] = {-1, -1};
  bool released_ = false;
  struct sigaction old_ {};
};

class JetMaxSessionsTest : public JetTest {
 protected:
  void TearDown() override {
    JetTest::TearDown();
    // The process-wide ceiling, if a test set it (0: none).
    EXPECT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling,
                                    0, nullptr),
              JET_errSuccess);
  }

  // A Running instance with MaxSessions `max_sessions` and the ceiling
  // parameter `ceiling`.
  JET_INSTANCE Running(const char* name, unsigned long max_sessions,
                       unsigned long ceiling) {
    JET_INSTANCE inst = Created(name);
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions,
                                    max_sessions, nullptr),
              JET_errSuccess);
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                    ceiling, nullptr),
              JET_errSuccess);
    EXPECT_EQ(JetInit(&inst), JET_errSuccess);
    return inst;
  }
  using JetTest::Running;

  // True once exactly `n` callers wait on `inst` (false after kPollLimit).
  static bool WaitersReach(JET_INSTANCE inst, unsigned long n) {
    const auto limit = Clock::now() + kPollLimit;
    while (Stats(inst).cWaiters != n) {
      if (Clock::now() > limit) return false;
      std::this_thread::yield();
    }
    return true;
  }

  // Queues a JetExtBeginSessionWait on `inst` behind the `queued` callers
  // already waiting: returns once it is queued.
  static std::unique_ptr<Waiter> QueueWaiter(JET_INSTANCE inst,
                                             unsigned long queued) {
    auto waiter = std::make_unique<Waiter>(inst, kWaitMs);
    EXPECT_TRUE(WaitersReach(inst, queued + 1))
        << "the waiter did not queue (done: " << waiter->done() << ")";
    return waiter;
  }

  // Two callers waiting on one instance, `first` queued ahead of `second`.
  struct TwoWaiters {
    std::unique_ptr<Waiter> first;
    std::unique_ptr<Waiter> second;
  };

  // Queues two JetExtBeginSessionWait callers on `inst`, where none waits
  // yet, one after the other (QueueWaiter()).
  static TwoWaiters QueueTwoWaiters(JET_INSTANCE inst) {
    TwoWaiters waiters;
    waiters.first = QueueWaiter(inst, 0);
    waiters.second = QueueWaiter(inst, 1);
    return waiters;
  }
};

// ---- The checks and their order --------------------------------------------

TEST_F(JetMaxSessionsTest, HandleChecks) {
  // Neither mode: 0 and nil name no instance.
  EXPECT_EQ(JetExtSetMaxSessions(0, 1), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(JET_instanceNil, 1), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(0x999999, 1), JET_errInvalidInstance);
  EXPECT_EQ(JetExtSetMaxSessions(0x999999, 99999), JET_errInvalidInstance)
      << "the handle comes before the value";
  // Multi-instance mode: still no default instance.
  const JET_INSTANCE inst = Running("max-handles", 4);
  ExpectMultiInstanceMode();
  EXPECT_EQ(JetExtSetMaxSessions(0, 1), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(JET_instanceNil, 1), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(0, 99999), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(0x999999, 1), JET_errInvalidInstance);
  EXPECT_EQ(MaxSessionsOf(inst), 4U) << "no call above changed it";
  // A terminated instance's handle, also once a new instance took its name.
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 1), JET_errInvalidInstance);
  const JET_INSTANCE next = Running("max-handles", 4);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 1), JET_errInvalidInstance);
  EXPECT_EQ(MaxSessionsOf(next), 4U) << "the stale handle reached the new one";
  EXPECT_EQ(JetExtSetMaxSessions(next, 2), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(next), 2U);
}

TEST_F(JetMaxSessionsTest, OneInstanceModeZeroAndNilNameTheDefaultInstance) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  ExpectOneInstanceMode();
  EXPECT_EQ(MaxSessionsOf(0), 16U);
  EXPECT_EQ(JetExtSetMaxSessions(0, 3), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(0), 3U);
  EXPECT_EQ(MaxSessionsOf(JET_instanceNil), 3U);
  EXPECT_EQ(Stats(0).cMaxSessions, 3U);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(0, &open), 3U);
  EXPECT_EQ(JetExtSetMaxSessions(JET_instanceNil, 5), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(JET_instanceNil, &open), 2U);
  // The default instance's ceiling is its MaxSessions at JetInit: 16.
  EXPECT_EQ(CeilingOf(0), 16U);
  EXPECT_EQ(JetExtSetMaxSessions(0, 17), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(0, 16), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(0, &open), 11U);
  ExpectDistinctSlotsBelow(open, 16);
  EndAll(&open);
  ASSERT_EQ(JetTerm(0), JET_errSuccess);
  ExpectNeitherMode();
  EXPECT_EQ(JetExtSetMaxSessions(0, 1), JET_errInvalidParameter);
  // JetInit(&x) with x 0 makes the default instance too and writes its
  // handle: that handle and 0 name the same instance.
  JET_INSTANCE x = 0;
  ASSERT_EQ(JetInit(&x), JET_errSuccess);
  ExpectOneInstanceMode();
  EXPECT_EQ(JetExtSetMaxSessions(x, 2), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(0), 2U);
  EXPECT_EQ(JetExtSetMaxSessions(0, 1), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(x), 1U);
  EXPECT_EQ(BeginUntilFull(x, &open), 1U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, ACreatedInstanceAnswersNotInitialized) {
  JET_INSTANCE inst = Created("max-created");
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 4, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 2), JET_errNotInitialized);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 4), JET_errNotInitialized);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 99999), JET_errNotInitialized)
      << "NotInitialized comes before the ceiling";
  EXPECT_EQ(JetExtSetMaxSessions(inst, ~0UL), JET_errNotInitialized);
  // A stop is no check of its own.
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 2), JET_errNotInitialized);
  // Nothing changed: the parameter is still settable and JetInit uses it.
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(Stats(inst).cMaxSessions, 4U);
  JET_INSTANCE other = Created("max-created-2");
  ASSERT_EQ(JetSetSystemParameter(&other, 0, JET_paramMaxSessions, 3, nullptr),
            JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(other, 1), JET_errNotInitialized);
  ASSERT_EQ(JetInit(&other), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(other), 3U);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(other, &open), 3U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, ARestoringInstanceAnswersRestoreInProgress) {
  JET_INSTANCE inst = Created("max-restoring");
  ASSERT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 4, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetExtBeginRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 2), JET_errRestoreInProgress);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 99999), JET_errRestoreInProgress)
      << "RestoreInProgress comes before the ceiling";
  EXPECT_EQ(JetExtSetMaxSessions(inst, ~0UL), JET_errRestoreInProgress);
  // Back to Created.
  ASSERT_EQ(JetExtEndRestore(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 2), JET_errNotInitialized);
  ASSERT_EQ(JetInit(&inst), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 2U);
}

TEST_F(JetMaxSessionsTest, UnavailableComesBeforeTheOtherStates) {
  // Running.
  const JET_INSTANCE running = Running("max-unavailable", 4, 8);
  const JET_SESID held = Begin(running);
  ASSERT_EQ(JetExtSetInstanceUnavailable(running), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(running, 2), JET_errInstanceUnavailable);
  EXPECT_EQ(JetExtSetMaxSessions(running, 8), JET_errInstanceUnavailable);
  EXPECT_EQ(JetExtSetMaxSessions(running, 99999), JET_errInstanceUnavailable)
      << "InstanceUnavailable comes before the ceiling";
  EXPECT_EQ(MaxSessionsOf(running), 4U) << "a refused call changed it";
  EXPECT_EQ(Stats(running).cMaxSessions, 4U);
  EXPECT_EQ(SlotOf(held), SlotOf(held));
  // Running, stopped and unavailable.
  const JET_INSTANCE stopped = Running("max-unavailable-stopped", 4, 8);
  ASSERT_EQ(JetStopServiceInstance(stopped), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(stopped), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(stopped, 2), JET_errInstanceUnavailable);
  // Created.
  const JET_INSTANCE created = Created("max-unavailable-created");
  ASSERT_EQ(JetExtSetInstanceUnavailable(created), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(created, 2), JET_errInstanceUnavailable)
      << "InstanceUnavailable comes before NotInitialized";
  // Restoring.
  const JET_INSTANCE restoring = Created("max-unavailable-restoring");
  ASSERT_EQ(JetExtBeginRestore(restoring), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(restoring), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(restoring, 2), JET_errInstanceUnavailable)
      << "InstanceUnavailable comes before RestoreInProgress";
}

// JetTerm2 on `inst` (capacity 1, full) while a waiter is parked (see
// ThreadParker), after `before_term` (if any): `probe` runs while the Term
// is in flight.
void WhileTerminating(JET_INSTANCE inst, JET_ERR (*before_term)(JET_INSTANCE),
                      const std::function<void()>& probe) {
  JET_SESID held = 0;
  ASSERT_EQ(JetBeginSession(inst, &held, nullptr, nullptr), JET_errSuccess);
  Waiter waiter(inst, kWaitMs);
  // After the waiter: destroyed first, so that an early return unparks the
  // waiter before joining it.
  ThreadParker parker;
  const auto limit = Clock::now() + kPollLimit;
  for (;;) {
    JET_EXTSESSIONSTATS stats{};
    stats.cbStruct = sizeof stats;
    ASSERT_EQ(JetExtGetSessionStats(inst, &stats), JET_errSuccess);
    if (stats.cWaiters == 1) break;
    ASSERT_LT(Clock::now(), limit) << "the waiter did not queue";
    std::this_thread::yield();
  }
  ASSERT_TRUE(parker.Park(waiter.thread()));
  if (before_term != nullptr) {
    ASSERT_EQ(before_term(inst), JET_errSuccess);
  }
  std::atomic<JET_ERR> term_result{1};
  std::thread term([&] { term_result = JetTerm2(inst, JET_bitTermAbrupt); });
  // Terminating: JetExtGetSessionCount answers TermInProgress (whatever the
  // stop and unavailable flags are).
  unsigned long count = 0;
  JET_ERR seen = JET_errSuccess;
  while ((seen = JetExtGetSessionCount(inst, &count)) == JET_errSuccess &&
         Clock::now() < limit) {
    std::this_thread::yield();
  }
  EXPECT_EQ(seen, JET_errTermInProgress)
      << "JetTerm2 did not stay in flight while a waiter had not returned";
  if (seen == JET_errTermInProgress) probe();
  parker.Unpark();
  const JET_ERR waited = waiter.Join();
  term.join();
  EXPECT_EQ(term_result.load(), JET_errSuccess);
  EXPECT_NE(waited, JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 1), JET_errInvalidInstance);
}

// While JetTerm2 runs on `inst` (see WhileTerminating()),
// JetExtSetMaxSessions answers `expected`, whatever the value.
void ExpectAnswerWhileTerminating(JET_INSTANCE inst,
                                  JET_ERR (*before_term)(JET_INSTANCE),
                                  JET_ERR expected) {
  WhileTerminating(inst, before_term, [&] {
    EXPECT_EQ(JetExtSetMaxSessions(inst, 1), expected);
    EXPECT_EQ(JetExtSetMaxSessions(inst, 0), expected);
    EXPECT_EQ(JetExtSetMaxSessions(inst, 99999), expected)
        << "the state comes before the ceiling";
  });
}

TEST_F(JetMaxSessionsTest, ATerminatingInstanceAnswersTermInProgress) {
  ExpectAnswerWhileTerminating(Running("max-terminating", 1, 4), nullptr,
                               JET_errTermInProgress);
}

TEST_F(JetMaxSessionsTest, AStoppedTerminatingInstanceAnswersTermInProgress) {
  ExpectAnswerWhileTerminating(Running("max-terminating-stopped", 1, 4),
                               JetStopServiceInstance, JET_errTermInProgress);
}

TEST_F(JetMaxSessionsTest, UnavailableComesBeforeTerminating) {
  ExpectAnswerWhileTerminating(Running("max-terminating-unavailable", 1, 4),
                               JetExtSetInstanceUnavailable,
                               JET_errInstanceUnavailable);
}

TEST_F(JetMaxSessionsTest,
       ParameterCallsOnATerminatingInstanceAnswerTermInProgress) {
  // "new calls get TermInProgress": every parameter call made on the
  // instance, whatever the parameter or its value, the unknown ids and the
  // process-wide JET_paramMaxInstances included.
  JET_INSTANCE inst = Running("max-terminating-params", 1, 4);
  WhileTerminating(inst, nullptr, [&] {
    JET_API_PTR value = 12345;
    for (const unsigned long id :
         {static_cast<unsigned long>(JET_paramMaxSessions),
          static_cast<unsigned long>(JET_paramMaxInstances),
          static_cast<unsigned long>(JET_paramExtMaxSessionsCeiling),
          static_cast<unsigned long>(JET_paramExtSessionTracking), 999UL}) {
      EXPECT_EQ(JetGetSystemParameter(inst, 0, id, &value, nullptr, 0),
                JET_errTermInProgress)
          << "get " << id;
      EXPECT_EQ(JetSetSystemParameter(&inst, 0, id, 1, nullptr),
                JET_errTermInProgress)
          << "set " << id;
    }
    EXPECT_EQ(value, 12345U) << "a refused get wrote its output";
    EXPECT_EQ(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, nullptr,
                                    nullptr, 0),
              JET_errInvalidParameter)
        << "a NULL output comes first";
  });
}

// ---- The ceiling ------------------------------------------------------------

TEST_F(JetMaxSessionsTest, TheCeilingBoundsTheCapacity) {
  const JET_INSTANCE inst = Running("max-ceiling", 4, 10);
  EXPECT_EQ(CeilingOf(inst), 10U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 10), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 10U);
  std::vector<unsigned long> above = {11, 12, 30000, 30001, ~0UL};
  if (sizeof(unsigned long) > 4) {
    // Not cut to 32 bits: 2^32 + 2 is not 2.
    above.push_back((1UL << 16U << 16U) + 2U);
  }
  for (const unsigned long n : above) {
    EXPECT_EQ(JetExtSetMaxSessions(inst, n), JET_errInvalidParameter) << n;
    EXPECT_EQ(MaxSessionsOf(inst), 10U) << "a refused " << n << " changed it";
  }
  // Every capacity up to the ceiling, down and up again.
  for (unsigned long n = 11; n-- > 0;) {
    EXPECT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess) << n;
    EXPECT_EQ(MaxSessionsOf(inst), n);
  }
  for (unsigned long n = 0; n <= 10; ++n) {
    EXPECT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess) << n;
    EXPECT_EQ(Stats(inst).cMaxSessions, n);
  }
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(inst, &open), 10U);
  ExpectDistinctSlotsBelow(open, 10);
  EXPECT_EQ(CeilingOf(inst), 10U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, ACeilingBelowMaxSessionsCountsAsMaxSessions) {
  const JET_INSTANCE inst = Running("max-low-ceiling", 10, 4);
  EXPECT_EQ(CeilingOf(inst), 10U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 11), JET_errInvalidParameter);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 4), JET_errSuccess);
  EXPECT_EQ(CeilingOf(inst), 10U) << "the ceiling moved with the capacity";
  EXPECT_EQ(JetExtSetMaxSessions(inst, 10), JET_errSuccess);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(inst, &open), 10U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, WithoutACeilingMaxSessionsAtJetInitIsTheCeiling) {
  const JET_INSTANCE inst = Running("max-no-ceiling", 10);
  EXPECT_EQ(CeilingOf(inst), 10U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 4), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(CeilingOf(inst), 10U) << "the ceiling moved with the capacity";
  const JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cMaxSessions, 4U);
  EXPECT_EQ(stats.cMaxSessionsCeiling, 10U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 11), JET_errInvalidParameter);
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 10), JET_errSuccess);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(inst, &open), 10U);
  ExpectDistinctSlotsBelow(open, 10);
  EndAll(&open);
}

// ---- The capacity, as every call reports it ---------------------------------

TEST_F(JetMaxSessionsTest, TheNewCapacityIsReportedEverywhere) {
  JET_INSTANCE inst = Running("max-reported", 3, 8);
  JET_INSTANCE other = Running("max-reported-other", 3, 8);
  const JET_SESID s = Begin(inst);
  for (const unsigned long n : {6UL, 2UL, 8UL, 0UL, 5UL}) {
    SCOPED_TRACE(n);
    ASSERT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess);
    EXPECT_EQ(MaxSessionsOf(inst), n);
    // Through a session: the session's instance.
    JET_API_PTR value = 0;
    EXPECT_EQ(
        JetGetSystemParameter(0, s, JET_paramMaxSessions, &value, nullptr, 0),
        JET_errSuccess);
    EXPECT_EQ(value, n);
    const JET_EXTSESSIONSTATS stats = Stats(inst);
    EXPECT_EQ(stats.cMaxSessions, n);
    EXPECT_EQ(stats.cMaxSessionsCeiling, 8U);
    EXPECT_EQ(stats.cSessionsOpen, 1U);
    EXPECT_EQ(CeilingOf(inst), 8U);
    // The Running rule: only the value in force is accepted.
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, n, nullptr),
              JET_errSuccess);
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 3, nullptr),
              JET_errAlreadyInitialized)
        << "the value at JetInit is no longer the one in force";
    EXPECT_EQ(
        JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, n + 1, nullptr),
        JET_errAlreadyInitialized);
    EXPECT_EQ(
        JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 30001, nullptr),
        JET_errAlreadyInitialized)
        << "AlreadyInitialized before the range check";
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, s, JET_paramMaxSessions, n, nullptr),
        JET_errSuccess);
    EXPECT_EQ(
        JetSetSystemParameter(nullptr, s, JET_paramMaxSessions, n + 1, nullptr),
        JET_errAlreadyInitialized);
    // The ceiling parameter keeps its effective value.
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, 8,
                                    nullptr),
              JET_errSuccess);
    EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling, 9,
                                    nullptr),
              JET_errAlreadyInitialized);
    if (n != 8) {
      EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramExtMaxSessionsCeiling,
                                      n, nullptr),
                JET_errAlreadyInitialized)
          << "the capacity in force is not the ceiling";
    }
    // Neither another instance nor the process default moved.
    EXPECT_EQ(MaxSessionsOf(other), 3U);
    EXPECT_EQ(Stats(other).cMaxSessions, 3U);
    EXPECT_EQ(MaxSessionsOf(0), 16U) << "the process default";
  }
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // An instance created afterwards takes the default, not a resized value.
  const JET_INSTANCE fresh = Created("max-reported-fresh");
  EXPECT_EQ(MaxSessionsOf(fresh), 16U);
}

TEST_F(JetMaxSessionsTest, AResizeEndsNoSessionAndCountsNothing) {
  const JET_INSTANCE inst = Running("max-counts", 4, 8);
  std::vector<JET_SESID> open;
  ASSERT_EQ(BeginUntilFull(inst, &open), 4U);
  JET_EXTSESSIONSTATS before = Stats(inst);
  EXPECT_EQ(before.cOutOfSessions, 1U);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 1), JET_errSuccess);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 0), JET_errSuccess);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 8), JET_errSuccess);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  JET_EXTSESSIONSTATS after = Stats(inst);
  EXPECT_EQ(after.cSessionsOpen, 4U);
  EXPECT_EQ(after.cSessionsBegun, before.cSessionsBegun);
  EXPECT_EQ(after.cSessionsEnded, before.cSessionsEnded);
  EXPECT_EQ(after.cOutOfSessions, before.cOutOfSessions);
  EXPECT_EQ(after.cWaits, 0U);
  EXPECT_EQ(after.cWaiters, 0U);
  EXPECT_EQ(after.cMaxSessions, 2U);
  EndAll(&open);
  after = Stats(inst);
  EXPECT_EQ(after.cSessionsBegun, 4U);
  EXPECT_EQ(after.cSessionsEnded, 4U);
  EXPECT_EQ(after.cSessionsOpen, 0U);
}

// ---- Growing and shrinking, exactly -----------------------------------------

TEST_F(JetMaxSessionsTest, GrowingOpensRoomAtOnce) {
  const JET_INSTANCE inst = Running("max-grow", 2, 7);
  std::vector<JET_SESID> open;
  ASSERT_EQ(BeginUntilFull(inst, &open), 2U);
  JET_SESID s = 0;
  EXPECT_EQ(JetDupSession(open[0], &s), JET_errOutOfSessions);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 5), JET_errSuccess);
  // Exactly 5 - 2 more: one by Dup, the others by Begin.
  ASSERT_EQ(JetDupSession(open[0], &s), JET_errSuccess);
  open.push_back(s);
  EXPECT_EQ(BeginUntilFull(inst, &open), 2U);
  EXPECT_EQ(DupUntilFull(open[0], &open), 0U);
  EXPECT_EQ(Count(inst), 5U);
  // From full to the ceiling.
  ASSERT_EQ(JetExtSetMaxSessions(inst, 7), JET_errSuccess);
  EXPECT_EQ(DupUntilFull(open[1], &open), 2U);
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  EXPECT_EQ(Count(inst), 7U);
  ExpectDistinctSlotsBelow(open, 7);
  // Setting the capacity in force opens nothing.
  ASSERT_EQ(JetExtSetMaxSessions(inst, 7), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  // A grow from below the open count opens only the room above it.
  ASSERT_EQ(JetExtSetMaxSessions(inst, 3), JET_errSuccess);
  ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
  open.pop_back();
  ASSERT_EQ(JetExtSetMaxSessions(inst, 7), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(inst, &open), 1U);
  EXPECT_EQ(Count(inst), 7U);
  ExpectDistinctSlotsBelow(open, 7);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, ShrinkingBelowTheOpenCountEndsNothing) {
  const JET_INSTANCE inst = Running("max-shrink", 6, 6);
  std::vector<JET_SESID> open;
  for (int i = 0; i < 5; ++i) open.push_back(Begin(inst));
  ASSERT_EQ(JetSetSessionContext(open[0], 0x42), JET_errSuccess);
  std::vector<unsigned long> slots;
  for (const JET_SESID s : open) slots.push_back(SlotOf(s));
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  // Nothing ended, nothing invalidated.
  EXPECT_EQ(Count(inst), 5U);
  EXPECT_EQ(Stats(inst).cSessionsEnded, 0U);
  for (std::size_t i = 0; i < open.size(); ++i) {
    EXPECT_EQ(SlotOf(open[i]), slots[i]) << "session " << i;
  }
  JET_EXTSESSIONINFO info[8] = {};
  unsigned long listed = 0;
  ASSERT_EQ(JetExtGetOpenSessions(inst, 0, info, 8, &listed), JET_errSuccess);
  ASSERT_EQ(listed, 5U);
  for (unsigned long i = 0; i < listed; ++i) {
    EXPECT_NE(std::find(open.begin(), open.end(), info[i].sesid), open.end());
    EXPECT_EQ(info[i].context, info[i].sesid == open[0] ? 0x42U : 0U);
  }
  EXPECT_EQ(JetResetSessionContext(open[0]), JET_errSuccess);
  EXPECT_EQ(JetSetSessionContext(open[4], 0x43), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(open[4]), JET_errSuccess);
  JET_API_PTR value = 0;
  EXPECT_EQ(JetGetSystemParameter(0, open[3], JET_paramMaxSessions, &value,
                                  nullptr, 0),
            JET_errSuccess);
  EXPECT_EQ(value, 2U);
  // Full until fewer than 2 are open: Begin, Dup and the waits with no time.
  const auto expect_full = [&] {
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
              JET_errOutOfSessions);
    EXPECT_EQ(JetDupSession(open[0], &s), JET_errOutOfSessions);
    EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 0), JET_errOutOfSessions);
    EXPECT_EQ(JetExtDupSessionWait(open[0], &s, 0), JET_errOutOfSessions);
  };
  expect_full();
  // The Ends pay off the difference: with 4, 3, then 2 open, still full.
  while (open.size() > 2) {
    SCOPED_TRACE(::testing::Message() << open.size() - 1 << " open");
    const JET_SESID last = open.back();
    open.pop_back();
    ASSERT_EQ(JetEndSession(last, 0), JET_errSuccess);
    EXPECT_EQ(JetEndSession(last, 0), JET_errInvalidSesid);
    EXPECT_EQ(Count(inst), open.size());
    expect_full();
  }
  // With 1 open: room for exactly one more.
  ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
  open.pop_back();
  EXPECT_EQ(BeginUntilFull(inst, &open), 1U);
  expect_full();
  EXPECT_EQ(Count(inst), 2U);
  EXPECT_EQ(Stats(inst).cSessionsEnded, 4U);
  EndAll(&open);
  EXPECT_EQ(BeginUntilFull(inst, &open), 2U);
  EndAll(&open);
}

// With k open and capacity n, exactly max(0, n - k) Begins (or Dups)
// succeed.
TEST_F(JetMaxSessionsTest, ExactAtRest) {
  constexpr unsigned long kCeiling = 8;
  const JET_INSTANCE inst = Running("max-exact", kCeiling, kCeiling);
  for (unsigned long k = 0; k <= kCeiling; ++k) {
    for (unsigned long n = 0; n <= kCeiling; ++n) {
      SCOPED_TRACE(::testing::Message() << k << " open, capacity " << n);
      ASSERT_EQ(JetExtSetMaxSessions(inst, kCeiling), JET_errSuccess);
      std::vector<JET_SESID> held;
      for (unsigned long i = 0; i < k; ++i) held.push_back(Begin(inst));
      ASSERT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess);
      const unsigned long room = n > k ? n - k : 0;
      std::vector<JET_SESID> more;
      EXPECT_EQ(BeginUntilFull(inst, &more), room);
      EXPECT_EQ(Count(inst), std::max(k, n));
      EndAll(&more);
      if (k > 0) {
        EXPECT_EQ(DupUntilFull(held[0], &more), room);
        EndAll(&more);
      }
      EndAll(&held);
    }
  }
}

// Full at capacity 8, shrunk to n, then the sessions end one by one: after
// each End a Begin (and a Dup) succeeds exactly when fewer than n are open.
TEST_F(JetMaxSessionsTest, ExactAsTheEndsPayOffAShrink) {
  constexpr unsigned long kCeiling = 8;
  const JET_INSTANCE inst = Running("max-debt", kCeiling, kCeiling);
  for (unsigned long n = 0; n <= kCeiling; ++n) {
    for (const bool oldest_first : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "capacity " << n);
      ASSERT_EQ(JetExtSetMaxSessions(inst, kCeiling), JET_errSuccess);
      std::vector<JET_SESID> open;
      ASSERT_EQ(BeginUntilFull(inst, &open), kCeiling);
      ASSERT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess);
      if (oldest_first) std::reverse(open.begin(), open.end());
      while (!open.empty()) {
        ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
        open.pop_back();
        SCOPED_TRACE(::testing::Message() << open.size() << " open");
        const bool room = open.size() < n;
        JET_SESID probe = 0;
        const JET_ERR err = JetBeginSession(inst, &probe, nullptr, nullptr);
        EXPECT_EQ(err, room ? JET_errSuccess : JET_errOutOfSessions);
        if (err == JET_errSuccess) {
          EXPECT_EQ(JetEndSession(probe, 0), JET_errSuccess);
        }
        if (!open.empty()) {
          const JET_ERR dup = JetDupSession(open[0], &probe);
          EXPECT_EQ(dup, room ? JET_errSuccess : JET_errOutOfSessions);
          if (dup == JET_errSuccess) {
            EXPECT_EQ(JetEndSession(probe, 0), JET_errSuccess);
          }
        }
      }
      EXPECT_EQ(BeginUntilFull(inst, &open), n);
      EndAll(&open);
    }
  }
}

TEST_F(JetMaxSessionsTest, CapacityZeroRefusesEveryBegin) {
  JET_INSTANCE inst = Running("max-zero", 3, 3);
  const JET_SESID held = Begin(inst);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 0), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 0U);
  EXPECT_EQ(Stats(inst).cMaxSessions, 0U);
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  EXPECT_EQ(JetDupSession(held, &s), JET_errOutOfSessions);
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 1), JET_errOutOfSessions);
  EXPECT_EQ(JetExtDupSessionWait(held, &s, 1), JET_errOutOfSessions);
  // The session open before the shrink still works, and ends.
  EXPECT_LT(SlotOf(held), 3U);
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 1), JET_errOutOfSessions);
  EXPECT_EQ(Count(inst), 0U);
  EXPECT_EQ(JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, 0, nullptr),
            JET_errSuccess);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 1), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(inst, &open), 1U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, AnInstanceInitializedWithCapacityZeroCanGrow) {
  const JET_INSTANCE inst = Running("max-zero-init", 0, 2);
  EXPECT_EQ(MaxSessionsOf(inst), 0U);
  EXPECT_EQ(CeilingOf(inst), 2U);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  EXPECT_EQ(BeginUntilFull(inst, &open), 2U);
  ExpectDistinctSlotsBelow(open, 2);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 3), JET_errInvalidParameter);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, AStoppedInstanceCanBeResized) {
  const JET_INSTANCE inst = Running("max-stopped", 2, 5);
  const JET_SESID a = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 4), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(Stats(inst).cMaxSessions, 4U);
  // Its Begins still answer the stop, with room or without.
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetDupSession(a, &s), JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetExtBeginSessionWait(inst, &s, 1),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 6), JET_errInvalidParameter)
      << "the ceiling still applies";
  EXPECT_EQ(MaxSessionsOf(inst), 4U);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 0), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(inst), 0U);
  EXPECT_LT(SlotOf(a), 5U);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
  EXPECT_EQ(JetExtSetMaxSessions(inst, 5), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr),
            JET_errClientRequestToStopJetService);
  EXPECT_EQ(Count(inst), 0U);
}

// ---- Slots and cycles
// --------------------------------------------------------

// Random Begins, Dups, Ends and resizes against a model: every answer is the
// exact one, and the slots stay below the ceiling, distinct, and fixed for
// each session's life.
TEST_F(JetMaxSessionsTest, RandomResizesStayExactAndKeepTheSlots) {
  constexpr unsigned long kCeiling = 70;  // more than two pool words
  const JET_INSTANCE inst = Running("max-random", 20, kCeiling);
  constexpr unsigned kSeed = 20240611;
  std::mt19937 gen(kSeed);
  unsigned long capacity = 20;
  std::map<JET_SESID, unsigned long> open;  // session -> slot
  std::set<unsigned long> slots;
  const auto opened = [&](JET_SESID s) {
    const unsigned long slot = SlotOf(s);
    EXPECT_LT(slot, kCeiling);
    EXPECT_TRUE(slots.insert(slot).second) << "slot " << slot << " twice";
    open.emplace(s, slot);
  };
  const auto pick = [&] {
    auto it = open.begin();
    std::advance(it, static_cast<long>(gen() % open.size()));
    return it;
  };
  for (int step = 0; step < 5000 && !HasFailure(); ++step) {
    SCOPED_TRACE(::testing::Message()
                 << "seed " << kSeed << ", step " << step << ", " << open.size()
                 << " open, capacity " << capacity);
    const unsigned op = gen() % 10;
    const bool room = open.size() < capacity;
    JET_SESID s = 0;
    if (op < 3 || (op < 5 && open.empty())) {
      const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
      EXPECT_EQ(err, room ? JET_errSuccess : JET_errOutOfSessions);
      if (err == JET_errSuccess) opened(s);
    } else if (op < 5) {
      const JET_ERR err = JetDupSession(pick()->first, &s);
      EXPECT_EQ(err, room ? JET_errSuccess : JET_errOutOfSessions);
      if (err == JET_errSuccess) opened(s);
    } else if (op < 8) {
      if (open.empty()) continue;
      const auto it = pick();
      EXPECT_EQ(JetEndSession(it->first, 0), JET_errSuccess);
      slots.erase(it->second);
      open.erase(it);
    } else if (op == 8) {
      capacity = gen() % (kCeiling + 1);
      EXPECT_EQ(JetExtSetMaxSessions(inst, capacity), JET_errSuccess);
      EXPECT_EQ(MaxSessionsOf(inst), capacity);
      for (const auto& [sesid, slot] : open) EXPECT_EQ(SlotOf(sesid), slot);
    } else {
      EXPECT_EQ(JetExtSetMaxSessions(inst, kCeiling + 1 + gen() % 100),
                JET_errInvalidParameter);
      const JET_EXTSESSIONSTATS stats = Stats(inst);
      EXPECT_EQ(stats.cMaxSessions, capacity) << "a refused resize changed it";
      EXPECT_EQ(stats.cMaxSessionsCeiling, kCeiling);
    }
    EXPECT_EQ(Count(inst), open.size());
  }
  for (const auto& [sesid, slot] : open) {
    EXPECT_EQ(JetEndSession(sesid, 0), JET_errSuccess);
  }
}

TEST_F(JetMaxSessionsTest, RepeatedGrowShrinkCyclesStayExact) {
  constexpr unsigned long kCeiling = 40;
  const JET_INSTANCE inst = Running("max-cycles", 10, kCeiling);
  std::vector<JET_SESID> open;
  unsigned long long begun = 0;
  unsigned long long ended = 0;
  for (unsigned long cycle = 0; cycle < 30; ++cycle) {
    SCOPED_TRACE(::testing::Message() << "cycle " << cycle);
    // Grow to the ceiling and fill it.
    ASSERT_EQ(JetExtSetMaxSessions(inst, kCeiling), JET_errSuccess);
    const std::size_t before = open.size();
    EXPECT_EQ(BeginUntilFull(inst, &open), kCeiling - before);
    begun += open.size() - before;
    ExpectDistinctSlotsBelow(open, kCeiling);
    // Shrink, end all but `keep`, and count the room left.
    const unsigned long n = (cycle * 7) % (kCeiling + 1);
    const unsigned long keep = (cycle * 3) % (kCeiling / 2);
    ASSERT_EQ(JetExtSetMaxSessions(inst, n), JET_errSuccess);
    while (open.size() > keep) {
      ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
      open.pop_back();
      ++ended;
    }
    const std::size_t at = open.size();
    EXPECT_EQ(BeginUntilFull(inst, &open), n > keep ? n - keep : 0);
    begun += open.size() - at;
    const JET_EXTSESSIONSTATS stats = Stats(inst);
    EXPECT_EQ(stats.cMaxSessions, n);
    EXPECT_EQ(stats.cMaxSessionsCeiling, kCeiling);
    EXPECT_EQ(stats.cSessionsOpen, open.size());
    EXPECT_EQ(stats.cSessionsBegun, begun);
    EXPECT_EQ(stats.cSessionsEnded, ended);
    EXPECT_EQ(MaxSessionsOf(inst), n);
    EXPECT_EQ(CeilingOf(inst), kCeiling);
    ExpectDistinctSlotsBelow(open, kCeiling);
  }
  EndAll(&open);
}

// ---- Waiters -------------------------------------------------------------

TEST_F(JetMaxSessionsTest, GrowingServesTheOldestWaiterFirst) {
  const JET_INSTANCE inst = Running("max-waiters", 1, 3);
  const JET_SESID held = Begin(inst);
  const auto [first, second] = QueueTwoWaiters(inst);
  ASSERT_FALSE(HasFailure());
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions)
      << "full: a plain Begin does not wait";
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  // The new room is the first waiter's, returned or not.
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions)
      << "a plain Begin took the room of a waiter";
  ASSERT_EQ(first->Join(), JET_errSuccess);
  EXPECT_FALSE(second->done()) << "the second waiter did not keep waiting";
  EXPECT_EQ(Stats(inst).cWaiters, 1U);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions);
  ASSERT_EQ(JetExtSetMaxSessions(inst, 3), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errOutOfSessions)
      << "a plain Begin took the room of a waiter";
  ASSERT_EQ(second->Join(), JET_errSuccess);
  EXPECT_EQ(Stats(inst).cWaiters, 0U);
  EXPECT_EQ(Count(inst), 3U);
  std::vector<JET_SESID> all = {held, first->sesid(), second->sesid()};
  ExpectDistinctSlotsBelow(all, 3);
  EXPECT_EQ(BeginUntilFull(inst, &all), 0U);
  EndAll(&all);
}

TEST_F(JetMaxSessionsTest, GrowingByOneServesTheWaitersInTheirOrder) {
  constexpr unsigned long kWaiters = 4;
  const JET_INSTANCE inst = Running("max-order", 1, 1 + kWaiters);
  const JET_SESID held = Begin(inst);
  std::vector<std::unique_ptr<Waiter>> waiters;
  for (unsigned long i = 0; i < kWaiters; ++i) {
    waiters.push_back(QueueWaiter(inst, i));
    ASSERT_FALSE(HasFailure()) << "waiter " << i;
  }
  std::vector<JET_SESID> all = {held};
  for (unsigned long i = 0; i < kWaiters; ++i) {
    ASSERT_EQ(JetExtSetMaxSessions(inst, 2 + i), JET_errSuccess);
    ASSERT_EQ(waiters[i]->Join(), JET_errSuccess) << "waiter " << i;
    all.push_back(waiters[i]->sesid());
    for (unsigned long j = i + 1; j < kWaiters; ++j) {
      EXPECT_FALSE(waiters[j]->done())
          << "waiter " << j << " returned at grow " << i;
    }
    EXPECT_EQ(Stats(inst).cWaiters, kWaiters - 1 - i);
  }
  EXPECT_EQ(Count(inst), 1 + kWaiters);
  ExpectDistinctSlotsBelow(all, 1 + kWaiters);
  EndAll(&all);
}

// Plain Begins that start while two callers wait, and keep trying across the
// grows, get none of the new room.
TEST_F(JetMaxSessionsTest, APlainBeginDoesNotTakeTheRoomAheadOfTheWaiters) {
  const JET_INSTANCE inst = Running("max-overtake", 1, 3);
  const JET_SESID held = Begin(inst);
  const auto [first, second] = QueueTwoWaiters(inst);
  ASSERT_FALSE(HasFailure());
  struct Hammer {
    std::atomic<bool> stop{false};
    std::atomic<long> attempts{0};
    std::atomic<long> other_errors{0};
    std::vector<JET_SESID> taken;  // read after join
    std::thread thread;
    ~Hammer() {
      stop.store(true);
      if (thread.joinable()) thread.join();
    }
    // Returns once `n` more Begins were tried.
    bool AwaitAttempts(long n) const {
      const long target = attempts.load() + n;
      const auto limit = Clock::now() + kPollLimit;
      while (attempts.load() < target) {
        if (Clock::now() > limit) return false;
        std::this_thread::yield();
      }
      return true;
    }
  } hammer;
  hammer.thread = std::thread([&] {
    while (!hammer.stop.load()) {
      JET_SESID s = 0;
      const JET_ERR err = JetBeginSession(inst, &s, nullptr, nullptr);
      if (err == JET_errSuccess) {
        hammer.taken.push_back(s);
      } else if (err != JET_errOutOfSessions) {
        hammer.other_errors.fetch_add(1);
      }
      hammer.attempts.fetch_add(1);
    }
  });
  ASSERT_TRUE(hammer.AwaitAttempts(100));
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  const JET_ERR first_result = first->Join();
  ASSERT_TRUE(hammer.AwaitAttempts(100));
  ASSERT_EQ(JetExtSetMaxSessions(inst, 3), JET_errSuccess);
  const JET_ERR second_result = second->Join();
  ASSERT_TRUE(hammer.AwaitAttempts(100));
  hammer.stop.store(true);
  hammer.thread.join();
  EXPECT_EQ(first_result, JET_errSuccess);
  EXPECT_EQ(second_result, JET_errSuccess);
  EXPECT_TRUE(hammer.taken.empty())
      << hammer.taken.size() << " plain Begins took room meant for waiters";
  EXPECT_EQ(hammer.other_errors.load(), 0);
  EXPECT_EQ(Count(inst), 3U);
  std::vector<JET_SESID> all = hammer.taken;
  all.push_back(held);
  if (first_result == JET_errSuccess) all.push_back(first->sesid());
  if (second_result == JET_errSuccess) all.push_back(second->sesid());
  EndAll(&all);
}

TEST_F(JetMaxSessionsTest, GrowingServesAWaitingDup) {
  const JET_INSTANCE inst = Running("max-dup-waiter", 1, 2);
  const JET_SESID held = Begin(inst);
  Waiter dup(held, kWaitMs, /*dup=*/true);
  ASSERT_TRUE(WaitersReach(inst, 1));
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  ASSERT_EQ(dup.Join(), JET_errSuccess);
  EXPECT_NE(dup.sesid(), held);
  EXPECT_EQ(Count(inst), 2U);
  std::vector<JET_SESID> all = {held, dup.sesid()};
  ExpectDistinctSlotsBelow(all, 2);
  EndAll(&all);
}

TEST_F(JetMaxSessionsTest, AShrinkKeepsTheWaitersWaiting) {
  const JET_INSTANCE inst = Running("max-shrink-waiter", 3, 3);
  std::vector<JET_SESID> open;
  ASSERT_EQ(BeginUntilFull(inst, &open), 3U);
  const auto waiter = QueueWaiter(inst, 0);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(JetExtSetMaxSessions(inst, 1), JET_errSuccess);
  EXPECT_EQ(Stats(inst).cWaiters, 1U);
  // The Ends pay off the shrink first: with 2, then 1 open (capacity 1), the
  // waiter keeps waiting.
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
    open.pop_back();
    EXPECT_EQ(Stats(inst).cWaiters, 1U)
        << open.size() << " open, capacity 1: the waiter was served";
    EXPECT_FALSE(waiter->done());
  }
  // With none open, the last End's slot is the waiter's.
  ASSERT_EQ(JetEndSession(open.back(), 0), JET_errSuccess);
  open.pop_back();
  ASSERT_EQ(waiter->Join(), JET_errSuccess);
  EXPECT_EQ(Count(inst), 1U);
  open.push_back(waiter->sesid());
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  EndAll(&open);
}

TEST_F(JetMaxSessionsTest, AWaiterKeptWaitingByAShrinkTimesOut) {
  const JET_INSTANCE inst = Running("max-shrink-timeout", 1, 2);
  const JET_SESID held = Begin(inst);
  Waiter waiter(inst, 1000);
  // Queued (or, on a very slow machine, already timed out: the answers
  // below are the same).
  const auto limit = Clock::now() + kPollLimit;
  while (Stats(inst).cWaiters != 1 && !waiter.done() && Clock::now() < limit) {
    std::this_thread::yield();
  }
  ASSERT_EQ(JetExtSetMaxSessions(inst, 0), JET_errSuccess);
  // Nothing open, capacity 0: the End's slot is nobody's.
  ASSERT_EQ(JetEndSession(held, 0), JET_errSuccess);
  EXPECT_EQ(waiter.Join(), JET_errOutOfSessions);
  EXPECT_EQ(waiter.sesid(), JET_sesidNil);
  const JET_EXTSESSIONSTATS stats = Stats(inst);
  EXPECT_EQ(stats.cWaitTimeouts, 1U);
  EXPECT_EQ(stats.cWaiters, 0U);
  EXPECT_EQ(stats.cSessionsOpen, 0U);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetMaxSessionsTest, AGrowAfterAShrinkServesOnlyTheRoomAboveTheOpen) {
  const JET_INSTANCE inst = Running("max-shrink-grow", 2, 4);
  std::vector<JET_SESID> open;
  ASSERT_EQ(BeginUntilFull(inst, &open), 2U);
  const auto [first, second] = QueueTwoWaiters(inst);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(JetExtSetMaxSessions(inst, 0), JET_errSuccess);
  // Back to the open count: still no room.
  ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
  EXPECT_EQ(Stats(inst).cWaiters, 2U);
  EXPECT_FALSE(first->done());
  // One above it: the first waiter's.
  ASSERT_EQ(JetExtSetMaxSessions(inst, 3), JET_errSuccess);
  ASSERT_EQ(first->Join(), JET_errSuccess);
  open.push_back(first->sesid());
  EXPECT_EQ(Stats(inst).cWaiters, 1U);
  EXPECT_FALSE(second->done());
  // Full at 3: an End hands its slot to the second waiter.
  ASSERT_EQ(JetEndSession(open.front(), 0), JET_errSuccess);
  open.erase(open.begin());
  ASSERT_EQ(second->Join(), JET_errSuccess);
  open.push_back(second->sesid());
  EXPECT_EQ(Count(inst), 3U);
  ExpectDistinctSlotsBelow(open, 4);
  EXPECT_EQ(BeginUntilFull(inst, &open), 0U);
  EndAll(&open);
}

// ---- Later incarnations ---------------------------------------------------

TEST_F(JetMaxSessionsTest, ANewIncarnationStartsFromMaxSessions) {
  for (unsigned long round = 0; round < 3; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    const JET_INSTANCE inst = Running("max-again", 3, 8);
    EXPECT_EQ(MaxSessionsOf(inst), 3U);
    EXPECT_EQ(CeilingOf(inst), 8U);
    std::vector<JET_SESID> open;
    EXPECT_EQ(BeginUntilFull(inst, &open), 3U);
    ASSERT_EQ(JetExtSetMaxSessions(inst, 7 - round), JET_errSuccess);
    EXPECT_EQ(BeginUntilFull(inst, &open), 4U - round);
    // Shrunk below the open count when it ends.
    ASSERT_EQ(JetExtSetMaxSessions(inst, 1), JET_errSuccess);
    ASSERT_EQ(JetTerm2(inst, JET_bitTermComplete), JET_errSuccess);
    EXPECT_EQ(JetExtSetMaxSessions(inst, 3), JET_errInvalidInstance);
    for (const JET_SESID s : open) {
      unsigned long slot = 0;
      EXPECT_EQ(JetExtGetSessionSlot(s, &slot), JET_errInvalidSesid);
    }
  }
  // An instance that took MaxSessions from the process default.
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 5, nullptr),
            JET_errSuccess);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(::testing::Message() << "default, round " << round);
    JET_INSTANCE inst = Created("max-again-default");
    ASSERT_EQ(JetInit(&inst), JET_errSuccess);
    EXPECT_EQ(MaxSessionsOf(inst), 5U);
    std::vector<JET_SESID> open;
    EXPECT_EQ(BeginUntilFull(inst, &open), 5U);
    ASSERT_EQ(JetExtSetMaxSessions(inst, 2), JET_errSuccess);
    EXPECT_EQ(MaxSessionsOf(0), 5U) << "the process default moved";
    ASSERT_EQ(JetTerm2(inst, JET_bitTermAbrupt), JET_errSuccess);
  }
}

TEST_F(JetMaxSessionsTest, ANewDefaultInstanceStartsFromMaxSessions) {
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  ASSERT_EQ(JetExtSetMaxSessions(0, 2), JET_errSuccess);
  std::vector<JET_SESID> open;
  EXPECT_EQ(BeginUntilFull(0, &open), 2U);
  ASSERT_EQ(JetTerm2(0, JET_bitTermAbrupt), JET_errSuccess);
  ASSERT_EQ(JetInit(nullptr), JET_errSuccess);
  EXPECT_EQ(MaxSessionsOf(0), 16U);
  EXPECT_EQ(CeilingOf(0), 16U);
  open.clear();
  EXPECT_EQ(BeginUntilFull(0, &open), 16U);
  EndAll(&open);
}

// ---- The C++ API: Instance::SetMaxSessions ---------------------------------

using CppMaxSessionsTest = JetMaxSessionsTest;

TEST_F(CppMaxSessionsTest, SetMaxSessionsShrinksAndGrowsUpToTheCeiling) {
  Result<Instance> inst =
      Instance::Create({.name = "cpp-max", .max_sessions = 4});
  ASSERT_TRUE(inst.ok()) << ErrorName(inst.error());
  EXPECT_EQ(inst->SetMaxSessions(5), Error::kInvalidParameter)
      << "without a ceiling, MaxSessions is the ceiling";
  EXPECT_EQ(inst->SetMaxSessions(2), Error::kSuccess);
  Result<SessionStats> stats = inst->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->max_sessions, 2U);
  EXPECT_EQ(stats->max_sessions_ceiling, 4U);
  std::vector<Session> sessions;
  const auto begin_until_full = [&] {
    unsigned long n = 0;
    for (; n < 10; ++n) {
      Result<Session> s = inst->BeginSession();
      if (!s.ok()) {
        EXPECT_EQ(s.error(), Error::kOutOfSessions);
        break;
      }
      sessions.push_back(std::move(*s));
    }
    return n;
  };
  EXPECT_EQ(begin_until_full(), 2U);
  EXPECT_EQ(sessions[0].Dup().error(), Error::kOutOfSessions);
  EXPECT_EQ(inst->SetMaxSessions(4), Error::kSuccess);
  EXPECT_EQ(begin_until_full(), 2U);
  // Shrunk below the open count: every session stays.
  EXPECT_EQ(inst->SetMaxSessions(1), Error::kSuccess);
  std::set<std::uint32_t> slots;
  for (const Session& s : sessions) {
    const Result<std::uint32_t> slot = s.Slot();
    ASSERT_TRUE(slot.ok());
    EXPECT_LT(*slot, 4U);
    EXPECT_TRUE(slots.insert(*slot).second);
  }
  EXPECT_EQ(*inst->SessionCount(), 4U);
  while (sessions.size() > 1) {
    EXPECT_EQ(sessions.back().End(), Error::kSuccess);
    sessions.pop_back();
    EXPECT_EQ(inst->BeginSession().error(), Error::kOutOfSessions)
        << sessions.size() << " open, capacity 1";
  }
  EXPECT_EQ(sessions.back().End(), Error::kSuccess);
  sessions.pop_back();
  EXPECT_EQ(begin_until_full(), 1U);
  EXPECT_EQ(MaxSessionsOf(inst->handle()), 1U);
}

TEST_F(CppMaxSessionsTest, TheProcessWideCeilingLetsAnInstanceGrow) {
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling,
                                  10, nullptr),
            JET_errSuccess);
  Result<Instance> inst =
      Instance::Create({.name = "cpp-max-ceiling", .max_sessions = 2});
  ASSERT_TRUE(inst.ok()) << ErrorName(inst.error());
  Result<SessionStats> stats = inst->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->max_sessions, 2U);
  EXPECT_EQ(stats->max_sessions_ceiling, 10U);
  EXPECT_EQ(inst->SetMaxSessions(11), Error::kInvalidParameter);
  EXPECT_EQ(inst->SetMaxSessions(10), Error::kSuccess);
  std::vector<Session> sessions;
  std::set<std::uint32_t> slots;
  for (int i = 0; i < 10; ++i) {
    Result<Session> s = inst->BeginSession();
    ASSERT_TRUE(s.ok()) << i << ": " << ErrorName(s.error());
    const Result<std::uint32_t> slot = s->Slot();
    ASSERT_TRUE(slot.ok());
    EXPECT_LT(*slot, 10U);
    EXPECT_TRUE(slots.insert(*slot).second);
    sessions.push_back(std::move(*s));
  }
  EXPECT_EQ(inst->BeginSession().error(), Error::kOutOfSessions);
}

TEST_F(CppMaxSessionsTest, TheErrorsOfSetMaxSessions) {
  const Instance empty;
  EXPECT_EQ(empty.SetMaxSessions(1), Error::kInvalidInstance);
  Result<Instance> created =
      Instance::Create({.name = "cpp-max-errors", .max_sessions = 2});
  ASSERT_TRUE(created.ok());
  Instance inst = std::move(*created);
  EXPECT_EQ(created->SetMaxSessions(1), Error::kInvalidInstance)
      << "a moved-from Instance";
  EXPECT_EQ(inst.SetMaxSessions(3), Error::kInvalidParameter);
  EXPECT_EQ(inst.Stop(), Error::kSuccess);
  EXPECT_EQ(inst.SetMaxSessions(1), Error::kSuccess)
      << "a stopped instance can be resized";
  EXPECT_EQ(inst.BeginSession().error(), Error::kClientRequestToStopJetService);
  EXPECT_EQ(inst.SetUnavailable(), Error::kSuccess);
  EXPECT_EQ(inst.SetMaxSessions(1), Error::kInstanceUnavailable);
  EXPECT_EQ(inst.Terminate(), Error::kSuccess);
  EXPECT_EQ(inst.SetMaxSessions(1), Error::kInvalidInstance);
  // A handle no longer live.
  Result<Instance> ended =
      Instance::Create({.name = "cpp-max-stale", .max_sessions = 2});
  ASSERT_TRUE(ended.ok());
  const JET_INSTANCE handle = ended->Release();
  ASSERT_EQ(JetTerm(handle), JET_errSuccess);
  Instance stale(handle);
  EXPECT_EQ(stale.SetMaxSessions(1), Error::kInvalidInstance);
  stale.Release();
  // Created (not initialized), then Restoring.
  JET_INSTANCE raw = 0;
  ASSERT_EQ(JetCreateInstance(&raw, "cpp-max-created"), JET_errSuccess);
  const Instance owned(Track(raw));
  EXPECT_EQ(owned.SetMaxSessions(1), Error::kNotInitialized);
  ASSERT_EQ(JetExtBeginRestore(raw), JET_errSuccess);
  EXPECT_EQ(owned.SetMaxSessions(1), Error::kRestoreInProgress);
  ASSERT_EQ(JetExtEndRestore(raw), JET_errSuccess);
}

TEST_F(CppMaxSessionsTest, AGrowServesAWaitingBeginSession) {
  ASSERT_EQ(JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling, 2,
                                  nullptr),
            JET_errSuccess);
  Result<Instance> inst =
      Instance::Create({.name = "cpp-max-wait", .max_sessions = 1});
  ASSERT_TRUE(inst.ok()) << ErrorName(inst.error());
  Result<Session> held = inst->BeginSession();
  ASSERT_TRUE(held.ok());
  Result<Session> got = Error::kInvalidParameter;
  std::thread waiter([&] { got = inst->BeginSession(milliseconds(kWaitMs)); });
  const auto limit = Clock::now() + kPollLimit;
  for (;;) {
    const Result<SessionStats> stats = inst->Stats();
    if (!stats.ok() || stats->waiters == 1 || Clock::now() > limit) break;
    std::this_thread::yield();
  }
  EXPECT_EQ(inst->SetMaxSessions(2), Error::kSuccess);
  waiter.join();
  ASSERT_TRUE(got.ok()) << ErrorName(got.error());
  EXPECT_EQ(*inst->SessionCount(), 2U);
  EXPECT_EQ(inst->BeginSession().error(), Error::kOutOfSessions);
}

}  // namespace
}  // namespace jetsession::testing
