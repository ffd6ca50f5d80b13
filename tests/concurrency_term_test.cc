// JetTerm under load (the contract's "Stopping and terminating"): at least
// 8 threads hammer Begin/Dup/End, the session contexts and the parameter
// calls through a session on an instance while another thread terminates
// it and starts the next one under the same name, many rounds. Every
// result must be one the contract allows for that call at that point
// against the Term (a call that starts after JetTerm returned, or after
// some call saw the termination, reads a flag stored with release after
// that and loaded with acquire before the call). The test prints its op
// counts and its seed.
#include <jetsession/jet.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyTermTest = ConcurrencyTest;

// Sessions a thread opens on the next instance at most.
constexpr std::size_t kNextPerThread = 2;

// Where a call stands against the JetTerm of the current instance: before
// it was seen, after some call saw the instance terminating or gone, after
// JetTerm returned. kNext counts the Begins on the next instance.
enum Phase : std::size_t { kBefore, kSeen, kAfter, kNext };

bool AllowedIn(Phase phase, JET_ERR err, std::initializer_list<JET_ERR> before,
               std::initializer_list<JET_ERR> seen,
               std::initializer_list<JET_ERR> after) {
  return IsOneOf(err, phase == kAfter ? after : phase == kSeen ? seen : before);
}

struct Held {
  JET_SESID sesid;
  bool context;  // this thread set a context on it
};

// What one round shares: the instance being terminated, the flags that
// order the calls against its Term, and the next instance.
struct TermRound {
  TermRound(JET_INSTANCE instance, int threads)
      : cur(instance),
        on_next(static_cast<std::size_t>(threads)),
        all_cur(static_cast<std::size_t>(threads)) {}

  const JET_INSTANCE cur;
  std::atomic<bool> termed{false};     // JetTerm(cur) returned
  std::atomic<bool> term_seen{false};  // a call saw cur terminating/gone
  std::atomic<JET_INSTANCE> next{0};
  std::atomic<long> ops{0};
  std::vector<std::vector<JET_SESID>> on_next;  // per thread
  std::vector<std::vector<JET_SESID>> all_cur;  // every handle, per thread
  std::array<std::atomic<long>, 4> phases{};    // ops by Phase
};

// One worker thread's calls in one round. Each call checks its answer
// against the phase it started in.
class TermWorker {
 public:
  TermWorker(TermRound& r, Failures& failures, unsigned long capacity,
             int round, int t, std::vector<Held>& mine, absl::BitGen& gen)
      : r_(r),
        failures_(failures),
        capacity_(capacity),
        round_(round),
        mine_(mine),
        mine_next_(r.on_next[static_cast<std::size_t>(t)]),
        mine_all_(r.all_cur[static_cast<std::size_t>(t)]),
        gen_(gen),
        ctx_(0x1000 + static_cast<JET_API_PTR>(t)) {
    for (const Held& h : mine_) mine_all_.push_back(h.sesid);
  }

  // Stops after `ops_after_next` calls that started once the next instance
  // was published (so after JetTerm(cur) returned).
  void Run(long ops_after_next) {
    for (long after_next = 0; after_next < ops_after_next;) {
      // acquire: pairs with the release stores after JetTerm returned and
      // after a call saw the termination.
      const bool after = r_.termed.load(std::memory_order_acquire);
      const bool seen = after || r_.term_seen.load(std::memory_order_acquire);
      phase_ = after ? kAfter : seen ? kSeen : kBefore;
      const JET_INSTANCE nxt = r_.next.load(std::memory_order_acquire);
      if (nxt != 0) ++after_next;
      r_.phases[phase_].fetch_add(1, std::memory_order_relaxed);
      r_.ops.fetch_add(1, std::memory_order_relaxed);
      Step(absl::Uniform(gen_, 0, 12), nxt);
    }
  }

 private:
  void Step(int op, JET_INSTANCE nxt) {
    if (nxt != 0 && op == 11) {
      if (mine_next_.size() < kNextPerThread) BeginOnNext(nxt);
    } else if (op <= 2 || (mine_.empty() && op <= 5)) {
      Begin();
    } else if (mine_.empty()) {
      return;
    } else if (op <= 4) {
      Dup(mine_[Pick(gen_, mine_.size())].sesid);
    } else if (op <= 6) {
      End(Pick(gen_, mine_.size()));
    } else if (op >= 9) {
      Parameter(mine_[Pick(gen_, mine_.size())].sesid, /*get=*/op == 9);
    } else {
      Context(mine_[Pick(gen_, mine_.size())]);
    }
  }

  // Every answer that says the instance is terminating or gone.
  void Note(JET_ERR err) {
    if (IsOneOf(err, {JET_errTermInProgress, JET_errInvalidInstance,
                      JET_errInvalidSesid})) {
      r_.term_seen.store(true, std::memory_order_release);
    }
  }

  template <class... Args>
  void Expect(bool ok, const absl::FormatSpec<Args...>& format,
              const Args&... args) {
    failures_.Expect(ok, [&] {
      static constexpr std::array<const char*, 3> kWhen = {
          "", " after Term was seen", " after Term returned"};
      return absl::StrFormat("round %d%s: ", round_, kWhen[phase_]) +
             absl::StrFormat(format, args...);
    });
  }

  // The next instance never sees a stale call: a Begin on it succeeds.
  void BeginOnNext(JET_INSTANCE nxt) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(nxt, &s, nullptr, nullptr);
    r_.phases[kNext].fetch_add(1, std::memory_order_relaxed);
    Expect(err == JET_errSuccess, "Begin on the next instance -> %s",
           ErrName(err));
    if (err == JET_errSuccess) mine_next_.push_back(s);
  }

  void Begin() {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetBeginSession(r_.cur, &s, nullptr, nullptr);
    Note(err);
    Expect(AllowedIn(phase_, err,
                     {JET_errSuccess, JET_errOutOfSessions,
                      JET_errTermInProgress, JET_errInvalidInstance},
                     {JET_errTermInProgress, JET_errInvalidInstance},
                     {JET_errInvalidInstance}),
           "Begin -> %s", ErrName(err));
    if (err == JET_errSuccess) Keep(s);
  }

  void Dup(JET_SESID src) {
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = JetDupSession(src, &s);
    Note(err);
    Expect(AllowedIn(phase_, err,
                     {JET_errSuccess, JET_errOutOfSessions,
                      JET_errTermInProgress, JET_errInvalidSesid},
                     {JET_errTermInProgress, JET_errInvalidSesid},
                     {JET_errInvalidSesid}),
           "Dup -> %s", ErrName(err));
    if (err == JET_errSuccess) Keep(s);
  }

  void Keep(JET_SESID s) {
    mine_.push_back({s, false});
    mine_all_.push_back(s);
  }

  // A context set by this thread blocks End (SessionInUse).
  void End(std::size_t k) {
    const JET_ERR err = JetEndSession(mine_[k].sesid, 0);
    Note(err);
    const JET_ERR blocked =
        mine_[k].context ? JET_errSessionInUse : JET_errSuccess;
    Expect(AllowedIn(phase_, err,
                     {blocked, JET_errTermInProgress, JET_errInvalidSesid},
                     {JET_errTermInProgress, JET_errInvalidSesid},
                     {JET_errInvalidSesid}),
           "End%s -> %s", mine_[k].context ? " (context set)" : "",
           ErrName(err));
    if (err == JET_errSuccess || err == JET_errInvalidSesid) {
      SwapErase(mine_, k);
    }
  }

  // Parameter calls through a session: they take the registry lock and
  // hold the session's in-call flag, which JetTerm waits for without the
  // lock. Get has no state check (jet.h); Set checks terminating before the
  // AlreadyInitialized rule.
  void Parameter(JET_SESID h, bool get) {
    JET_API_PTR value = 0;
    JET_ERR err = JET_errSuccess;
    bool ok = false;
    if (get) {
      err =
          JetGetSystemParameter(0, h, JET_paramMaxSessions, &value, nullptr, 0);
      ok = phase_ == kAfter
               ? err == JET_errInvalidSesid
               : (err == JET_errSuccess && value == capacity_) ||
                     IsOneOf(err, {JET_errTermInProgress, JET_errInvalidSesid});
    } else {
      JET_INSTANCE zero = 0;
      err = JetSetSystemParameter(&zero, h, JET_paramMaxSessions, capacity_,
                                  nullptr);
      ok = AllowedIn(
          phase_, err,
          {JET_errSuccess, JET_errTermInProgress, JET_errInvalidSesid},
          {JET_errTermInProgress, JET_errInvalidSesid}, {JET_errInvalidSesid});
    }
    Note(err);
    Expect(ok,
           "%sSystemParameter(MaxSessions) through a session -> %s (value "
           "%lu)",
           get ? "Get" : "Set", ErrName(err),
           static_cast<unsigned long>(value));
  }

  // SetSessionContext and ResetSessionContext answer TermInProgress once
  // Term has set Terminating (they never hold Term up), and InvalidSesid
  // once it has ended the session.
  void Context(Held& h) {
    const JET_ERR err = h.context ? JetResetSessionContext(h.sesid)
                                  : JetSetSessionContext(h.sesid, ctx_);
    Note(err);
    Expect(
        AllowedIn(phase_, err,
                  {JET_errSuccess, JET_errTermInProgress, JET_errInvalidSesid},
                  {JET_errTermInProgress, JET_errInvalidSesid},
                  {JET_errInvalidSesid}),
        "%s -> %s", h.context ? "Reset" : "SetContext", ErrName(err));
    if (err == JET_errSuccess) h.context = !h.context;
  }

  TermRound& r_;
  Failures& failures_;
  const unsigned long capacity_;
  const int round_;
  std::vector<Held>& mine_;  // open on cur, carried over from the last round
  std::vector<JET_SESID>& mine_next_;
  std::vector<JET_SESID>& mine_all_;
  absl::BitGen& gen_;
  const JET_API_PTR ctx_;
  Phase phase_ = kBefore;
};

// Quiescent after a round: every handle of the terminated instance is
// invalid, the next instance is new and holds exactly what its own threads
// opened (a stale Begin never lands in it, a stale End never frees its
// slots). Its sessions become the threads' held ones for the next round.
bool ExpectRoundIsolated(int round, TermRound& r,
                         std::vector<std::vector<Held>>& held) {
  for (const auto& mine_all : r.all_cur) {
    for (const JET_SESID s : mine_all) {
      JET_SESID d = 0;
      EXPECT_EQ(JetEndSession(s, 0), JET_errInvalidSesid);
      EXPECT_EQ(JetDupSession(s, &d), JET_errInvalidSesid);
    }
  }
  JET_SESID s = 0;
  EXPECT_EQ(JetBeginSession(r.cur, &s, nullptr, nullptr),
            JET_errInvalidInstance);
  EXPECT_EQ(JetTerm(r.cur), JET_errInvalidInstance);
  const JET_INSTANCE nxt = r.next.load();
  if (nxt == 0) {
    ADD_FAILURE() << "round " << round << ": no next instance";
    return false;
  }
  EXPECT_NE(nxt, r.cur) << "a new instance reused a terminated handle";
  EXPECT_EQ(SessionCount(nxt), TotalHeld(r.on_next))
      << "round " << round << ": a stale call landed in the next instance";
  for (std::size_t t = 0; t < held.size(); ++t) {
    held[t].clear();
    for (const JET_SESID h : r.on_next[t]) held[t].push_back({h, false});
  }
  return true;
}

// The last instance, after all the rounds' stale calls: it takes exactly
// its capacity, then answers OutOfSessions.
void ExpectFillsToCapacity(JET_INSTANCE inst, unsigned long capacity) {
  unsigned long open = SessionCount(inst);
  ASSERT_LE(open, capacity);
  for (; open < capacity; ++open) {
    JET_SESID s = JET_sesidNil;
    ASSERT_EQ(JetBeginSession(inst, &s, nullptr, nullptr), JET_errSuccess)
        << open << " of " << capacity << " open";
  }
  JET_SESID extra = JET_sesidNil;
  EXPECT_EQ(JetBeginSession(inst, &extra, nullptr, nullptr),
            JET_errOutOfSessions);
  EXPECT_EQ(SessionCount(inst), capacity);
}

// Each round: the terminator waits until the workers are going, terms the
// current instance and, right after Term returns, creates the next one
// under the SAME name (Term freed the name; the registry likely reuses the
// record) while stale calls on the old handles are still in flight; the
// workers open sessions on the new instance as well.
TEST_F(ConcurrencyTermTest, TermWhileHammering) {
  const std::uint64_t seed = TestSeed("TermWhileHammering");
  const int threads = ThreadCount();
  const int rounds = StressScale(80) < 6 ? 6 : StressScale(80);
  const std::string name = UniqueName("term");
  InstanceGuard guard;
  // Each thread holds up to 2 on the next instance, so Begin on it never
  // gets OutOfSessions; on the current one it holds up to 4 (2 carried
  // over + 2 more), so OutOfSessions happens there.
  const auto capacity = static_cast<unsigned long>(kNextPerThread * threads);
  JET_INSTANCE cur = guard.Add(CreateRunning(name, capacity));
  ASSERT_NE(cur, 0U);
  std::vector<std::vector<Held>> held(static_cast<std::size_t>(threads));
  std::array<long, 4> phase_ops{};
  Failures failures;
  for (int round = 0; round < rounds; ++round) {
    TermRound r(cur, threads);
    std::thread terminator([&] {
      YieldUntil([&] { return r.ops.load() >= StressScale(20000); });
      const JET_ERR err = JetTerm(r.cur);
      failures.Expect(err == JET_errSuccess,
                      [&] { return "JetTerm -> " + ErrName(err); });
      r.termed.store(true, std::memory_order_release);
      const JET_INSTANCE fresh = guard.Add(CreateRunning(name, capacity));
      failures.Expect(fresh != 0, [] {
        return std::string("the next instance (same name) failed");
      });
      r.next.store(fresh, std::memory_order_release);
    });
    RunThreads(threads, [&](int t) {
      absl::BitGen gen = ThreadGen(seed + static_cast<std::uint64_t>(round),
                                   static_cast<std::uint64_t>(t));
      TermWorker(r, failures, capacity, round, t,
                 held[static_cast<std::size_t>(t)], gen)
          .Run(StressScale(4000));
    });
    terminator.join();
    const bool isolated = ExpectRoundIsolated(round, r, held);
    for (std::size_t i = 0; i < phase_ops.size(); ++i) {
      phase_ops[i] += r.phases[i].load();
    }
    const bool clean =
        failures.Check(absl::StrFormat("round %d: ", round).c_str());
    if (!isolated || !clean) break;
    cur = r.next.load();
  }
  std::printf(
      "[TermWhileHammering] threads=%d rounds=%d: %ld ops (%ld before Term "
      "was seen, %ld while terminating, %ld after Term returned), %ld Begin "
      "on the next instance\n",
      threads, rounds,
      phase_ops[kBefore] + phase_ops[kSeen] + phase_ops[kAfter],
      phase_ops[kBefore], phase_ops[kSeen], phase_ops[kAfter],
      phase_ops[kNext]);
  if (HasFailure()) return;  // the guard terminates what is left
  ExpectFillsToCapacity(cur, capacity);
  EXPECT_EQ(JetTerm(cur), JET_errSuccess);
}

}  // namespace
}  // namespace jetsession::concurrency_test
