// The contract's "Sessions" and "Threads and session contexts": the
// Begin/Dup/End check-order table row by row and in pairs, exact capacity,
// stale and garbage handles, contexts.
#include <jetsession/jet.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "jet_test_util.h"

namespace jetsession::testing {
namespace {

using JetSessionTest = JetTest;

// Begin's result on `inst`, checking that a failure leaves *psesid nil.
JET_ERR TryBegin(JET_INSTANCE inst) {
  JET_SESID s = 12345;
  const JET_ERR err = JetBeginSession(inst, &s, "user", "password");
  if (err != JET_errSuccess) {
    EXPECT_EQ(s, JET_sesidNil);
  } else {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  return err;
}

JET_ERR TryDup(JET_SESID src) {
  JET_SESID s = 12345;
  const JET_ERR err = JetDupSession(src, &s);
  if (err != JET_errSuccess) {
    EXPECT_EQ(s, JET_sesidNil);
  } else {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
  return err;
}

TEST_F(JetSessionTest, NullOutputBeatsEverything) {
  EXPECT_EQ(JetBeginSession(0x999999, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetBeginSession(0, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(JET_sesidNil, nullptr), JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(0x777, nullptr), JET_errInvalidParameter);
  // Every state row, and a full instance, lose to a NULL psesid.
  const JET_INSTANCE full = Running("full", 1);
  const JET_SESID src = Begin(full);
  EXPECT_EQ(JetBeginSession(full, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(src, nullptr), JET_errInvalidParameter);
  const JET_INSTANCE created = Created("created");
  EXPECT_EQ(JetBeginSession(created, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  ASSERT_EQ(JetExtBeginRestore(created), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(created, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  const JET_INSTANCE inst = Running("a");
  const JET_SESID other = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(inst, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(other, nullptr), JET_errInvalidParameter);
  ASSERT_EQ(JetExtSetInstanceUnavailable(full), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(full, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(src, nullptr), JET_errInvalidParameter);
  // A terminated instance and its sessions.
  const JET_INSTANCE gone = Running("gone");
  const JET_SESID gone_session = Begin(gone);
  ASSERT_EQ(JetTerm(gone), JET_errSuccess);
  EXPECT_EQ(JetBeginSession(gone, nullptr, nullptr, nullptr),
            JET_errInvalidParameter);
  EXPECT_EQ(JetDupSession(gone_session, nullptr), JET_errInvalidParameter);
  EXPECT_EQ(Count(full), 1U);
  EXPECT_EQ(Count(inst), 1U);
}

TEST_F(JetSessionTest, BeginIgnoresUserAndPassword) {
  const JET_INSTANCE inst = Running("a");
  const char* const names[] = {nullptr, "", "user", "a much longer user name"};
  for (const char* user : names) {
    for (const char* password : names) {
      JET_SESID s = JET_sesidNil;
      ASSERT_EQ(JetBeginSession(inst, &s, user, password), JET_errSuccess);
      EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
    }
  }
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, BeginStateRowsInOrder) {
  // Created -> NotInitialized; Restoring -> RestoreInProgress.
  JET_INSTANCE created = Created("created");
  EXPECT_EQ(TryBegin(created), JET_errNotInitialized);
  ASSERT_EQ(JetExtBeginRestore(created), JET_errSuccess);
  EXPECT_EQ(TryBegin(created), JET_errRestoreInProgress);
  // Stopped beats Restoring.
  ASSERT_EQ(JetStopServiceInstance(created), JET_errSuccess);
  EXPECT_EQ(TryBegin(created), JET_errClientRequestToStopJetService);

  // Unavailable beats Created; stopped beats unavailable.
  JET_INSTANCE fresh = Created("fresh");
  ASSERT_EQ(JetExtSetInstanceUnavailable(fresh), JET_errSuccess);
  EXPECT_EQ(TryBegin(fresh), JET_errInstanceUnavailable);
  ASSERT_EQ(JetStopServiceInstance(fresh), JET_errSuccess);
  EXPECT_EQ(TryBegin(fresh), JET_errClientRequestToStopJetService);

  // Running: stopped, then unavailable, in that order.
  const JET_INSTANCE running = Running("running");
  EXPECT_EQ(TryBegin(running), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(running), JET_errSuccess);
  EXPECT_EQ(TryBegin(running), JET_errInstanceUnavailable);
  ASSERT_EQ(JetStopServiceInstance(running), JET_errSuccess);
  EXPECT_EQ(TryBegin(running), JET_errClientRequestToStopJetService);
}

TEST_F(JetSessionTest, BeginStatePairs) {
  // Created: stopped beats Created.
  const JET_INSTANCE stopped_created = Created("stopped-created");
  ASSERT_EQ(JetStopServiceInstance(stopped_created), JET_errSuccess);
  EXPECT_EQ(TryBegin(stopped_created), JET_errClientRequestToStopJetService);
  // Restoring: unavailable beats Restoring.
  const JET_INSTANCE restoring = Created("restoring");
  ASSERT_EQ(JetExtBeginRestore(restoring), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(restoring), JET_errSuccess);
  EXPECT_EQ(TryBegin(restoring), JET_errInstanceUnavailable);
  // Stopped AND unavailable, set in the other order: still stopped first.
  const JET_INSTANCE both = Running("both");
  ASSERT_EQ(JetStopServiceInstance(both), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(both), JET_errSuccess);
  EXPECT_EQ(TryBegin(both), JET_errClientRequestToStopJetService);
  // Unavailable beats OutOfSessions; stopped beats both.
  const JET_INSTANCE full = Running("full", 2);
  const JET_SESID a = Begin(full);
  const JET_SESID b = Begin(full);
  EXPECT_EQ(TryBegin(full), JET_errOutOfSessions);
  EXPECT_EQ(TryDup(a), JET_errOutOfSessions);
  ASSERT_EQ(JetExtSetInstanceUnavailable(full), JET_errSuccess);
  EXPECT_EQ(TryBegin(full), JET_errInstanceUnavailable);
  EXPECT_EQ(TryDup(b), JET_errInstanceUnavailable);
  ASSERT_EQ(JetStopServiceInstance(full), JET_errSuccess);
  EXPECT_EQ(TryBegin(full), JET_errClientRequestToStopJetService);
  EXPECT_EQ(TryDup(a), JET_errClientRequestToStopJetService);
  EXPECT_EQ(Count(full), 2U);
}

TEST_F(JetSessionTest, InvalidInstanceBeatsEveryStateRow) {
  // A terminated handle whose instance had been stopped, made unavailable
  // and filled: only InvalidInstance remains.
  const JET_INSTANCE inst = Running("t", 1);
  Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(TryBegin(inst), JET_errInvalidInstance);
}

TEST_F(JetSessionTest, DupStatePairs) {
  // Dup's state rows are Begin's, on the instance that owns src.
  const JET_INSTANCE inst = Running("a", 4);
  const JET_INSTANCE other = Running("b", 4);
  const JET_SESID src = Begin(inst);
  const JET_SESID ended = Begin(inst);
  ASSERT_EQ(JetEndSession(ended, 0), JET_errSuccess);
  ASSERT_EQ(JetStopServiceInstance(other), JET_errSuccess);
  // The other instance's state does not matter.
  EXPECT_EQ(TryDup(src), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(TryDup(src), JET_errInstanceUnavailable);
  // An invalid src beats the state rows of its (former) instance.
  EXPECT_EQ(TryDup(ended), JET_errInvalidSesid);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(TryDup(src), JET_errClientRequestToStopJetService);
  EXPECT_EQ(TryDup(ended), JET_errInvalidSesid);
  // A Dup lands on src's instance.
  const JET_INSTANCE third = Running("c", 4);
  const JET_SESID s3 = Begin(third);
  JET_SESID copy = JET_sesidNil;
  ASSERT_EQ(JetDupSession(s3, &copy), JET_errSuccess);
  EXPECT_EQ(Count(third), 2U);
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(Count(other), 0U);
}

TEST_F(JetSessionTest, StateRowsBeatOutOfSessions) {
  const JET_INSTANCE inst = Running("full", 1);
  const JET_SESID s = Begin(inst);
  EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions);
  EXPECT_EQ(TryDup(s), JET_errOutOfSessions);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(TryBegin(inst), JET_errClientRequestToStopJetService);
  EXPECT_EQ(TryDup(s), JET_errClientRequestToStopJetService);
}

TEST_F(JetSessionTest, InstanceHandleRowsComeBeforeState) {
  JET_INSTANCE inst = Created("a");
  const JET_INSTANCE stale = inst;
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(TryBegin(stale), JET_errInvalidInstance);
  EXPECT_EQ(TryBegin(0), JET_errInvalidParameter);
  EXPECT_EQ(TryBegin(JET_instanceNil), JET_errInvalidParameter);
}

TEST_F(JetSessionTest, ExactCapacity) {
  for (const unsigned long capacity :
       {1UL, 2UL, 3UL, 31UL, 32UL, 33UL, 63UL, 64UL, 65UL, 100UL, 1000UL}) {
    SCOPED_TRACE(capacity);
    const JET_INSTANCE inst = Running("cap", capacity);
    std::vector<JET_SESID> open;
    // Fill with Begin and Dup alternately: both count against one limit.
    open.push_back(Begin(inst));
    while (open.size() < capacity) {
      JET_SESID s = JET_sesidNil;
      if (open.size() % 2 == 0) {
        ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess);
      } else {
        ASSERT_EQ(JetDupSession(open.front(), &s), JET_errSuccess);
      }
      open.push_back(s);
    }
    EXPECT_EQ(Count(inst), capacity);
    EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions);
    EXPECT_EQ(TryDup(open.front()), JET_errOutOfSessions);
    // End frees a slot at once, for Begin and for Dup; each slot in turn.
    for (std::size_t i = 0; i < open.size(); ++i) {
      ASSERT_EQ(JetEndSession(open[i], 0), JET_errSuccess);
      if (i % 2 == 0 || capacity == 1) {
        open[i] = Begin(inst);
      } else {
        ASSERT_EQ(JetDupSession(open[0], &open[i]), JET_errSuccess);
      }
      ASSERT_EQ(TryBegin(inst), JET_errOutOfSessions);
    }
    EXPECT_EQ(Count(inst), capacity);
    for (const JET_SESID s : open) {
      ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
    }
    EXPECT_EQ(Count(inst), 0U);
    ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  }
}

TEST_F(JetSessionTest, FullThirtyThousand) {
  const JET_INSTANCE inst = Running("big", 30000);
  std::vector<JET_SESID> open;
  std::set<JET_SESID> distinct;
  for (int i = 0; i < 30000; ++i) {
    open.push_back(Begin(inst));
    // "No double issue"; handles are never 0 or nil (both are never open).
    ASSERT_TRUE(distinct.insert(open.back()).second) << i;
    ASSERT_NE(open.back(), JET_SESID{0});
    ASSERT_NE(open.back(), JET_sesidNil);
  }
  EXPECT_EQ(TryBegin(inst), JET_errOutOfSessions);
  EXPECT_EQ(Count(inst), 30000U);
  for (const JET_SESID s : open) ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, DupRows) {
  const JET_INSTANCE inst = Running("a", 3);
  const JET_SESID src = Begin(inst);
  // src not open: never issued, ended, garbage, 0, nil.
  const JET_SESID ended = Begin(inst);
  ASSERT_EQ(JetEndSession(ended, 0), JET_errSuccess);
  for (const JET_SESID bad :
       {ended, JET_SESID{0}, JET_sesidNil, JET_SESID{0xdeadbeef},
        JET_SESID{src + (1ULL << 40U)}}) {
    EXPECT_EQ(TryDup(bad), JET_errInvalidSesid) << bad;
  }
  // Dup works and copies no state: the context stays on src only.
  ASSERT_EQ(JetSetSessionContext(src, 5), JET_errSuccess);
  JET_SESID copy = JET_sesidNil;
  ASSERT_EQ(JetDupSession(src, &copy), JET_errSuccess);
  EXPECT_NE(copy, src);
  EXPECT_NE(copy, JET_SESID{0});
  EXPECT_NE(copy, JET_sesidNil);
  // No context on the copy: Reset finds none, Set is not AlreadySet.
  EXPECT_EQ(JetResetSessionContext(copy),
            JET_errSessionContextNotSetByThisThread);
  EXPECT_EQ(JetSetSessionContext(copy, 6), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(copy), JET_errSuccess);
  EXPECT_EQ(JetEndSession(copy, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(src, 0), JET_errSessionInUse);
  ASSERT_EQ(JetResetSessionContext(src), JET_errSuccess);
  // Unavailable: Dup's state row.
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(TryDup(src), JET_errInstanceUnavailable);
}

TEST_F(JetSessionTest, EndRows) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  // grbit is ignored: any value ends the session.
  for (const JET_GRBIT grbit :
       {JET_GRBIT{1}, JET_GRBIT{2}, JET_GRBIT{4}, JET_GRBIT{8}, JET_GRBIT{0x10},
        JET_GRBIT{0x80000000U}, JET_GRBIT{0x12345678U}}) {
    const JET_SESID u = Begin(inst);
    EXPECT_EQ(JetEndSession(u, grbit), JET_errSuccess) << grbit;
    EXPECT_EQ(JetEndSession(u, 0), JET_errInvalidSesid) << grbit;
  }
  // ... and does not change which error a failing End returns.
  const JET_SESID t = Begin(inst);
  EXPECT_EQ(JetEndSession(t, 0xFFFFFFFF), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0xFFFFFFFF), JET_errInvalidSesid);
  EXPECT_EQ(JetEndSession(t, 0), JET_errInvalidSesid);
  // Context set -> SessionInUse.
  ASSERT_EQ(JetSetSessionContext(s, 1), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
  // Unavailable beats SessionInUse; InvalidSesid beats unavailable.
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(s, JET_bitTermDirty), JET_errInstanceUnavailable);
  EXPECT_EQ(JetEndSession(t, 0), JET_errInvalidSesid);
  EXPECT_EQ(Count(inst), 1U);
}

TEST_F(JetSessionTest, EndWithContextSetIsInUseUntilReset) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetSetSessionContext(s, 0x1234), JET_errSuccess);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
  }
  EXPECT_EQ(Count(inst), 1U);  // still open
  JET_SESID copy = JET_sesidNil;
  ASSERT_EQ(JetDupSession(s, &copy), JET_errSuccess);  // still usable
  ASSERT_EQ(JetResetSessionContext(s), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(JetEndSession(copy, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, EndWorksAfterStop) {
  const JET_INSTANCE inst = Running("a");
  const JET_SESID s = Begin(inst);
  const JET_SESID t = Begin(inst);
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  ASSERT_EQ(JetSetSessionContext(t, 3), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSessionInUse);
  ASSERT_EQ(JetResetSessionContext(t), JET_errSuccess);
  EXPECT_EQ(JetEndSession(t, 0), JET_errSuccess);
  EXPECT_EQ(Count(inst), 0U);
}

TEST_F(JetSessionTest, StaleHandlesStayInvalidAcrossSlotReuse) {
  const JET_INSTANCE inst = Running("one", 1);
  std::vector<JET_SESID> old;
  for (int i = 0; i < 5000; ++i) {
    const JET_SESID s = Begin(inst);
    ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
    old.push_back(s);
  }
  const JET_SESID live = Begin(inst);  // the same slot, reused again
  for (const JET_SESID s : old) {
    ASSERT_NE(s, live);
    ASSERT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    ASSERT_EQ(TryDup(s), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(s, 9), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(JetEndSession(live, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, StaleHandlesAcrossManySlots) {
  // Random Begin/Dup/End on a small pool; every handle ever ended is kept
  // and must stay invalid, and never equal a live one.
  const JET_INSTANCE inst = Running("many", 4);
  absl::BitGen gen(std::seed_seq{11});
  std::vector<JET_SESID> live;
  std::vector<JET_SESID> ended;
  std::set<JET_SESID> ever;
  for (int step = 0; step < 20000; ++step) {
    const bool open =
        live.empty() || (live.size() < 4 && absl::Bernoulli(gen, 0.5));
    if (open) {
      JET_SESID s = JET_sesidNil;
      if (!live.empty() && absl::Bernoulli(gen, 0.5)) {
        const JET_SESID src =
            live[absl::Uniform<std::size_t>(gen, 0, live.size())];
        ASSERT_EQ(JetDupSession(src, &s), JET_errSuccess);
      } else {
        ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess);
      }
      // A new handle: never one issued before.
      ASSERT_TRUE(ever.insert(s).second) << "handle reissued at step " << step;
      live.push_back(s);
    } else {
      const std::size_t i = absl::Uniform<std::size_t>(gen, 0, live.size());
      ASSERT_EQ(JetEndSession(live[i], 0), JET_errSuccess);
      ended.push_back(live[i]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (!ended.empty()) {
      // A random stale handle, checked now, while its slot may be in use.
      const JET_SESID old =
          ended[absl::Uniform<std::size_t>(gen, 0, ended.size())];
      ASSERT_EQ(JetEndSession(old, 0), JET_errInvalidSesid);
      ASSERT_EQ(TryDup(old), JET_errInvalidSesid);
    }
    ASSERT_EQ(Count(inst), live.size());
  }
  ASSERT_GT(ended.size(), 5000U);
  for (const JET_SESID old : ended) {
    ASSERT_EQ(JetEndSession(old, 0), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(old, 1), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(old), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), live.size());
  for (const JET_SESID s : live) EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, StaleHandleSurvivesTwoToThe24Reuses) {
  // contract: "after a session ends, its handle and every copy of it stay
  // invalid (InvalidSesid) even when the slot is reused, for at least 2^24
  // reuses of that slot". One slot: every Begin reuses it.
  const JET_INSTANCE inst = Running("gen", 1);
  const JET_SESID first = Begin(inst);
  ASSERT_EQ(JetEndSession(first, 0), JET_errSuccess);
  constexpr std::uint32_t kReuses = std::uint32_t{1} << 24U;
  for (std::uint32_t i = 1; i <= kReuses; ++i) {
    JET_SESID s = JET_sesidNil;
    if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess ||
        s == first) {
      FAIL() << "reuse " << i << ": begin failed or reissued the first handle";
    }
    // The stale handle must not reach the session now in its slot.
    if (JetEndSession(first, 0) != JET_errInvalidSesid ||
        JetEndSession(s, 0) != JET_errSuccess) {
      FAIL() << "reuse " << i << ": the stale handle ended a live session";
    }
  }
  const JET_SESID last = Begin(inst);
  EXPECT_EQ(JetEndSession(first, 0), JET_errInvalidSesid);
  EXPECT_EQ(TryDup(first), JET_errInvalidSesid);
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(JetEndSession(last, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, GarbageSesidsAreInvalid) {
  const JET_INSTANCE inst = Running("a", 8);
  const JET_SESID live = Begin(inst);
  absl::BitGen gen(std::seed_seq{7});
  for (int i = 0; i < 5000; ++i) {
    const auto garbage = absl::Uniform<JET_SESID>(gen);
    if (garbage == live) continue;
    ASSERT_EQ(JetEndSession(garbage, 0), JET_errInvalidSesid) << garbage;
    ASSERT_EQ(TryDup(garbage), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(garbage, 1), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(garbage), JET_errInvalidSesid);
    // Random values that share the low or the high half of the live
    // handle: plausible-looking handles.
    const JET_SESID low_half =
        (garbage & ~JET_SESID{0xFFFFFFFF}) | (live & JET_SESID{0xFFFFFFFF});
    const JET_SESID high_half =
        (live & ~JET_SESID{0xFFFFFFFF}) | (garbage & JET_SESID{0xFFFFFFFF});
    const JET_SESID low_16 = (garbage & ~JET_SESID{0xFFFF}) | (live & 0xFFFF);
    for (const JET_SESID near : {low_half, high_half, low_16}) {
      if (near == live) continue;
      ASSERT_EQ(JetEndSession(near, 0), JET_errInvalidSesid) << near;
      ASSERT_EQ(TryDup(near), JET_errInvalidSesid) << near;
      ASSERT_EQ(JetSetSessionContext(near, 1), JET_errInvalidSesid) << near;
    }
  }
  // Near misses of the live handle: each single bit flipped.
  for (unsigned bit = 0; bit < 64; ++bit) {
    const JET_SESID near = live ^ (JET_SESID{1} << bit);
    ASSERT_EQ(JetEndSession(near, 0), JET_errInvalidSesid) << bit;
    ASSERT_EQ(TryDup(near), JET_errInvalidSesid) << bit;
    ASSERT_EQ(JetSetSessionContext(near, 1), JET_errInvalidSesid) << bit;
    ASSERT_EQ(JetResetSessionContext(near), JET_errInvalidSesid) << bit;
    // (A flip may give 0 or nil, which the parameter calls take for "no
    // session".)
    if (near == 0 || near == JET_sesidNil) continue;
    JET_API_PTR value = 0;
    ASSERT_EQ(JetGetSystemParameter(inst, near, JET_paramMaxSessions, &value,
                                    nullptr, 0),
              JET_errInvalidSesid)
        << bit;
  }
  // The live handle is the only one that works.
  ASSERT_EQ(JetSetSessionContext(live, 1), JET_errSuccess);
  ASSERT_EQ(JetResetSessionContext(live), JET_errSuccess);
  for (const JET_SESID nil : {JET_SESID{0}, JET_sesidNil}) {
    EXPECT_EQ(JetEndSession(nil, 0), JET_errInvalidSesid);
    EXPECT_EQ(TryDup(nil), JET_errInvalidSesid);
    EXPECT_EQ(JetSetSessionContext(nil, 1), JET_errInvalidSesid);
    EXPECT_EQ(JetResetSessionContext(nil), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), 1U);
  EXPECT_EQ(JetEndSession(live, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, GarbageSesidsWithNoInstanceAlive) {
  // Neither mode, nothing alive: still InvalidSesid, never a crash.
  absl::BitGen gen(std::seed_seq{99});
  for (int i = 0; i < 2000; ++i) {
    const auto garbage = absl::Uniform<JET_SESID>(gen);
    ASSERT_EQ(JetEndSession(garbage, 0), JET_errInvalidSesid);
    ASSERT_EQ(TryDup(garbage), JET_errInvalidSesid);
    ASSERT_EQ(JetSetSessionContext(garbage, 1), JET_errInvalidSesid);
    ASSERT_EQ(JetResetSessionContext(garbage), JET_errInvalidSesid);
  }
  // Small values too: plausible slot indexes.
  for (JET_SESID small = 0; small < 4096; ++small) {
    ASSERT_EQ(JetEndSession(small, 0), JET_errInvalidSesid);
  }
  ExpectNeitherMode();
}

TEST_F(JetSessionTest, HandlesOfTerminatedInstancesAreInvalid) {
  JET_INSTANCE inst = Running("t", 4);
  const JET_SESID s = Begin(inst);
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  // A new instance, likely on the same record and slots.
  const JET_INSTANCE next = Running("t", 4);
  const JET_SESID fresh = Begin(next);
  EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
  EXPECT_EQ(TryDup(s), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(s, 1), JET_errInvalidSesid);
  EXPECT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
  EXPECT_EQ(Count(next), 1U);
  EXPECT_EQ(JetEndSession(fresh, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, HandlesOfManyTerminatedInstancesAreInvalid) {
  std::vector<JET_SESID> old;
  for (int round = 0; round < 300; ++round) {
    const JET_INSTANCE inst = Running("again", 2);
    old.push_back(Begin(inst));
    old.push_back(Begin(inst));
    const JET_ERR term =
        round % 2 == 0 ? JetTerm(inst) : JetTerm2(inst, JET_bitTermDirty);
    ASSERT_EQ(term, round % 2 == 0 ? JET_errSuccess : JET_errDirtyShutdown);
  }
  const JET_INSTANCE inst = Running("again", 2);
  const JET_SESID live = Begin(inst);
  for (const JET_SESID s : old) {
    ASSERT_NE(s, live);
    ASSERT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
    ASSERT_EQ(TryDup(s), JET_errInvalidSesid);
  }
  EXPECT_EQ(Count(inst), 1U);
}

TEST_F(JetSessionTest, ContextRules) {
  const JET_INSTANCE inst = Running("ctx");
  const JET_SESID s = Begin(inst);
  // InvalidSesid first, then the argument.
  EXPECT_EQ(JetSetSessionContext(JET_sesidNil, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(0, ~JET_API_PTR{0}), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(s, 0), JET_errInvalidParameter);
  EXPECT_EQ(JetSetSessionContext(s, ~JET_API_PTR{0}), JET_errInvalidParameter);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  ASSERT_EQ(JetSetSessionContext(s, 42), JET_errSuccess);
  EXPECT_EQ(JetSetSessionContext(s, 43), JET_errSessionContextAlreadySet);
  EXPECT_EQ(JetSetSessionContext(s, 42), JET_errSessionContextAlreadySet);
  // Another thread: cannot reset, sees AlreadySet, cannot End (InUse),
  // but can Dup (a context blocks End only).
  std::thread other([&] {
    EXPECT_EQ(JetResetSessionContext(s),
              JET_errSessionContextNotSetByThisThread);
    EXPECT_EQ(JetSetSessionContext(s, 44), JET_errSessionContextAlreadySet);
    EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
    EXPECT_EQ(TryDup(s), JET_errSuccess);
  });
  other.join();
  EXPECT_EQ(JetResetSessionContext(s), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  // Set on one thread, reset by the same thread, ended by another.
  std::thread setter([&] {
    EXPECT_EQ(JetSetSessionContext(s, 7), JET_errSuccess);
    EXPECT_EQ(JetResetSessionContext(s), JET_errSuccess);
  });
  setter.join();
  std::thread ender([&] { EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess); });
  ender.join();
}

TEST_F(JetSessionTest, ContextValues) {
  const JET_INSTANCE inst = Running("ctx");
  const JET_SESID s = Begin(inst);
  // Every value but 0 and ~0 is a context.
  for (const JET_API_PTR ctx :
       {JET_API_PTR{1}, JET_API_PTR{2}, ~JET_API_PTR{0} - 1,
        JET_API_PTR{1} << 63U, static_cast<JET_API_PTR>(s),
        reinterpret_cast<JET_API_PTR>(&inst)}) {
    ASSERT_EQ(JetSetSessionContext(s, ctx), JET_errSuccess) << ctx;
    ASSERT_EQ(JetResetSessionContext(s), JET_errSuccess) << ctx;
  }
  // Refused values leave no context behind.
  EXPECT_EQ(JetSetSessionContext(s, 0), JET_errInvalidParameter);
  EXPECT_EQ(JetSetSessionContext(s, ~JET_API_PTR{0}), JET_errInvalidParameter);
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  // With a context set, the argument check still comes first.
  ASSERT_EQ(JetSetSessionContext(s, 3), JET_errSuccess);
  // contract: "ctx 0 or ~0 -> InvalidParameter; a context already set (by
  // any thread) -> SessionContextAlreadySet", in that order.
  EXPECT_EQ(JetSetSessionContext(s, 0), JET_errInvalidParameter);
  EXPECT_EQ(JetSetSessionContext(s, ~JET_API_PTR{0}), JET_errInvalidParameter);
  ASSERT_EQ(JetResetSessionContext(s), JET_errSuccess);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  // Ended: the context calls see InvalidSesid first.
  EXPECT_EQ(JetSetSessionContext(s, 0), JET_errInvalidSesid);
  EXPECT_EQ(JetSetSessionContext(s, 5), JET_errInvalidSesid);
  EXPECT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
}

TEST_F(JetSessionTest, ContextSetByAnotherThread) {
  const JET_INSTANCE inst = Running("ctx");
  const JET_SESID s = Begin(inst);
  std::thread setter(
      [&] { EXPECT_EQ(JetSetSessionContext(s, 77), JET_errSuccess); });
  setter.join();
  // This thread did not set it.
  EXPECT_EQ(JetResetSessionContext(s), JET_errSessionContextNotSetByThisThread);
  EXPECT_EQ(JetSetSessionContext(s, 78), JET_errSessionContextAlreadySet);
  EXPECT_EQ(JetEndSession(s, 0), JET_errSessionInUse);
  // Other work on s goes on (a set context does not stop other threads).
  EXPECT_EQ(TryDup(s), JET_errSuccess);
  EXPECT_EQ(Count(inst), 1U);
  // Term force-ends it anyway (checked in jet_stop_term_test too).
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetResetSessionContext(s), JET_errInvalidSesid);
}

TEST_F(JetSessionTest, SessionsMoveBetweenThreads) {
  const JET_INSTANCE inst = Running("move");
  JET_SESID s = JET_sesidNil;
  std::thread a([&] { s = Begin(inst); });
  a.join();
  JET_SESID d = JET_sesidNil;
  std::thread b([&] { EXPECT_EQ(JetDupSession(s, &d), JET_errSuccess); });
  b.join();
  std::thread c([&] {
    EXPECT_EQ(JetEndSession(d, 0), JET_errSuccess);
    EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  });
  c.join();
  EXPECT_EQ(Count(inst), 0U);
}

// A Dup of `src`, which must succeed.
JET_SESID DupOf(JET_SESID src) {
  JET_SESID s = JET_sesidNil;
  EXPECT_EQ(JetDupSession(src, &s), JET_errSuccess);
  return s;
}

// JetExtGetSessionSlot ("Per-session resources").
TEST_F(JetSessionTest, SessionSlotsAreDistinctAndBelowMaxSessions) {
  for (const unsigned long capacity : {1UL, 5UL, 63UL, 64UL, 65UL, 100UL}) {
    const std::string name = "slots-" + std::to_string(capacity);
    const JET_INSTANCE inst = Running(name.c_str(), capacity);
    std::set<unsigned long> slots;
    std::vector<JET_SESID> open;
    for (unsigned long i = 0; i < capacity; ++i) {
      const JET_SESID s =
          i % 2 == 0 || open.empty() ? Begin(inst) : DupOf(open.back());
      unsigned long slot = ~0UL;
      ASSERT_EQ(JetExtGetSessionSlot(s, &slot), JET_errSuccess);
      EXPECT_LT(slot, capacity);
      slots.insert(slot);
      open.push_back(s);
    }
    EXPECT_EQ(slots.size(), capacity) << "capacity " << capacity;
    for (const JET_SESID s : open)
      ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  }
}

TEST_F(JetSessionTest, SessionSlotIsFixedForTheSessionsLife) {
  const JET_INSTANCE inst = Running("fixed", 8);
  const JET_SESID kept = Begin(inst);
  unsigned long slot = ~0UL;
  ASSERT_EQ(JetExtGetSessionSlot(kept, &slot), JET_errSuccess);
  for (int round = 0; round < 100; ++round) {
    const JET_SESID a = Begin(inst);
    const JET_SESID b = DupOf(kept);
    unsigned long other = ~0UL;
    ASSERT_EQ(JetExtGetSessionSlot(a, &other), JET_errSuccess);
    EXPECT_NE(other, slot);
    ASSERT_EQ(JetEndSession(a, 0), JET_errSuccess);
    ASSERT_EQ(JetEndSession(b, 0), JET_errSuccess);
    unsigned long again = ~0UL;
    ASSERT_EQ(JetExtGetSessionSlot(kept, &again), JET_errSuccess);
    EXPECT_EQ(again, slot);
  }
  ASSERT_EQ(JetEndSession(kept, 0), JET_errSuccess);
}

TEST_F(JetSessionTest, SessionSlotOfAnythingButAnOpenSessionIsInvalidSesid) {
  const JET_INSTANCE inst = Running("invalid", 2);
  const JET_SESID s = Begin(inst);
  unsigned long slot = 7;
  // Only a NULL output comes before InvalidSesid ("Sessions": as for every
  // call that takes a session handle).
  for (const JET_SESID bad :
       {JET_SESID{0}, JET_sesidNil, JET_SESID{0x777}, JET_SESID{0x123456789}}) {
    EXPECT_EQ(JetExtGetSessionSlot(bad, &slot), JET_errInvalidSesid);
    EXPECT_EQ(JetExtGetSessionSlot(bad, nullptr), JET_errInvalidParameter);
  }
  EXPECT_EQ(slot, 7UL) << "written on failure";
  EXPECT_EQ(JetExtGetSessionSlot(s, nullptr), JET_errInvalidParameter);
  ASSERT_EQ(JetEndSession(s, 0), JET_errSuccess);
  EXPECT_EQ(JetExtGetSessionSlot(s, &slot), JET_errInvalidSesid);
  EXPECT_EQ(JetExtGetSessionSlot(s, nullptr), JET_errInvalidParameter);
  // The slot reused by another session: the old handle stays invalid.
  const JET_SESID next = Begin(inst);
  EXPECT_EQ(JetExtGetSessionSlot(s, &slot), JET_errInvalidSesid);
  // Stopped and unavailable instances: the session is still open.
  ASSERT_EQ(JetStopServiceInstance(inst), JET_errSuccess);
  EXPECT_EQ(JetExtGetSessionSlot(next, &slot), JET_errSuccess);
  ASSERT_EQ(JetExtSetInstanceUnavailable(inst), JET_errSuccess);
  EXPECT_EQ(JetExtGetSessionSlot(next, &slot), JET_errSuccess);
  // Force-ended by JetTerm.
  ASSERT_EQ(JetTerm(inst), JET_errSuccess);
  EXPECT_EQ(JetExtGetSessionSlot(next, &slot), JET_errInvalidSesid);
}

TEST_F(JetSessionTest, SessionSlotIsNotACallOnTheSession) {
  // A Dup that waits holds its source (another call on it gets
  // SessionSharingViolation); the slot is still read.
  const JET_INSTANCE inst = Running("held", 1);
  const JET_SESID src = Begin(inst);
  unsigned long slot = ~0UL;
  ASSERT_EQ(JetExtGetSessionSlot(src, &slot), JET_errSuccess);
  std::atomic<bool> waited{false};
  std::thread waiter([&] {
    JET_SESID d = JET_sesidNil;
    EXPECT_EQ(JetExtDupSessionWait(src, &d, 300), JET_errOutOfSessions);
    waited.store(true);
  });
  // Looked for until the waiting Dup returns (however late its thread
  // starts on a loaded machine).
  JET_SESID d = JET_sesidNil;
  bool seen_held = false;
  while (!seen_held && !waited.load()) {
    seen_held = JetDupSession(src, &d) == JET_errSessionSharingViolation;
    if (!seen_held) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  unsigned long during = ~0UL;
  EXPECT_EQ(JetExtGetSessionSlot(src, &during), JET_errSuccess);
  EXPECT_EQ(during, slot);
  waiter.join();
  EXPECT_TRUE(seen_held) << "the waiting Dup was not seen holding its source";
  // A session handed to a waiter has the ended session's slot.
  JET_SESID handed = JET_sesidNil;
  std::thread next([&] {
    EXPECT_EQ(JetExtBeginSessionWait(inst, &handed, JET_cmsecExtWaitForever),
              JET_errSuccess);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(JetEndSession(src, 0), JET_errSuccess);
  next.join();
  unsigned long handed_slot = ~0UL;
  EXPECT_EQ(JetExtGetSessionSlot(handed, &handed_slot), JET_errSuccess);
  EXPECT_EQ(handed_slot, slot);
  EXPECT_EQ(JetEndSession(handed, 0), JET_errSuccess);
}

}  // namespace
}  // namespace jetsession::testing
