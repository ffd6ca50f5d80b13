// JetExtGetOpenSessions under concurrency (the contract's "open-session
// reports"): while threads begin, dup, set contexts on, hand over and end
// sessions, every entry listed is one session as it was at one instant: a
// context that its own thread set on it (or none), an OS thread id of one
// of the workers, no session twice, no more than the capacity, oldest
// first.
#include <jetsession/jet.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyOpenSessionsTest = ConcurrencyTest;

// The context a worker sets on a session: tied to the handle, so that a
// reader can tell a context of this session from another's.
JET_API_PTR ContextFor(JET_SESID s) { return (s * 2654435761U) | 1U; }

TEST_F(ConcurrencyOpenSessionsTest, EveryEntryIsOneSessionAtOneInstant) {
  const std::uint64_t seed = TestSeed("EveryEntryIsOneSessionAtOneInstant");
  const int threads = ThreadCount() + 1;
  const unsigned long capacity = 6;
  const JET_INSTANCE inst = [&] {
    JET_INSTANCE i = 0;
    EXPECT_EQ(JetCreateInstance(&i, UniqueName("open").c_str()),
              JET_errSuccess);
    EXPECT_EQ(
        JetSetSystemParameter(&i, 0, JET_paramMaxSessions, capacity, nullptr),
        JET_errSuccess);
    EXPECT_EQ(
        JetSetSystemParameter(&i, 0, JET_paramExtSessionTracking, 1, nullptr),
        JET_errSuccess);
    EXPECT_EQ(JetInit(&i), JET_errSuccess);
    return i;
  }();
  Failures failures;
  std::mutex tids_mutex;
  std::set<unsigned long long> tids;
  std::atomic<bool> done{false};
  long listed = 0;
  long reads = 0;
  std::thread reader([&] {
    std::vector<JET_EXTSESSIONINFO> info(capacity + 2);
    while (!done.load(std::memory_order_acquire)) {
      unsigned long total = 0;
      const JET_ERR err = JetExtGetOpenSessions(
          inst, 0, info.data(), static_cast<unsigned long>(info.size()),
          &total);
      if (!failures.Expect(err == JET_errSuccess,
                           [&] { return "list: " + ErrName(err); })) {
        return;
      }
      ++reads;
      failures.Expect(total <= capacity, [&] {
        return absl::StrFormat("%lu listed, capacity %lu", total, capacity);
      });
      std::set<JET_SESID> seen;
      std::set<unsigned long long> known;
      {
        const std::lock_guard<std::mutex> lock(tids_mutex);
        known = tids;
      }
      for (unsigned long i = 0; i < total && i < info.size(); ++i) {
        const JET_EXTSESSIONINFO& e = info[i];
        ++listed;
        failures.Expect(seen.insert(e.sesid).second,
                        [&] { return "a session listed twice"; });
        failures.Expect(e.context == 0 || e.context == ContextFor(e.sesid),
                        [&] {
                          return absl::StrFormat(
                              "context %#x is not the session's",
                              static_cast<unsigned long long>(e.context));
                        });
        failures.Expect(known.count(e.tidBegin) == 1, [&] {
          return absl::StrFormat("tid %llu is no worker's", e.tidBegin);
        });
        failures.Expect(e.fInCall == 0 || e.fInCall == 1,
                        [&] { return "fInCall not 0 or 1"; });
        if (i > 0) {
          failures.Expect(info[i - 1].cmsecOpen >= e.cmsecOpen,
                          [&] { return "not oldest first"; });
        }
        failures.Expect(e.cmsecOpen < 60000, [&] {
          return absl::StrFormat("age %llu ms", e.cmsecOpen);
        });
      }
    }
  });
  RunThreads(threads, [&](int t) {
    {
      const std::lock_guard<std::mutex> lock(tids_mutex);
      tids.insert(static_cast<unsigned long long>(gettid()));
    }
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    std::vector<JET_SESID> mine;
    for (int i = 0; i < StressScale(8000); ++i) {
      const std::size_t op = Pick(gen, 5);
      if (op == 0 && !mine.empty()) {
        const std::size_t k = Pick(gen, mine.size());
        // A context on, then off: its End needs it reset.
        if (JetSetSessionContext(mine[k], ContextFor(mine[k])) ==
            JET_errSuccess) {
          Jitter(gen, 200);
          failures.Expect(JetResetSessionContext(mine[k]) == JET_errSuccess,
                          [&] { return "reset context"; });
        }
        continue;
      }
      if (op == 1 && !mine.empty()) {
        const std::size_t k = Pick(gen, mine.size());
        failures.Expect(JetEndSession(mine[k], 0) == JET_errSuccess,
                        [&] { return "End"; });
        SwapErase(mine, k);
        continue;
      }
      JET_SESID s = 0;
      const JET_ERR err =
          op == 2 && !mine.empty()
              ? JetDupSession(mine[Pick(gen, mine.size())], &s)
              : JetExtBeginSessionWait(
                    inst, &s, static_cast<unsigned long>(Pick(gen, 2)));
      if (err == JET_errSuccess) mine.push_back(s);
      if (mine.size() > 2) {
        failures.Expect(JetEndSession(mine.front(), 0) == JET_errSuccess,
                        [&] { return "End"; });
        SwapErase(mine, 0);
      }
    }
    for (const JET_SESID s : mine) JetEndSession(s, 0);
  });
  done.store(true, std::memory_order_release);
  reader.join();
  unsigned long total = 99;
  EXPECT_EQ(JetExtGetOpenSessions(inst, 0, nullptr, 0, &total), JET_errSuccess);
  EXPECT_EQ(total, 0U);
  EXPECT_EQ(JetTerm(inst), JET_errSuccess);
  failures.Check();
  std::printf(
      "[EveryEntryIsOneSessionAtOneInstant] threads=%d reads=%ld "
      "entries=%ld\n",
      threads, reads, listed);
}

}  // namespace
}  // namespace jetsession::concurrency_test
