// jetsession-stress: random mixes of the C API across many threads, with
// the contract's invariants checked as it goes.
//
//   jetsession-stress --threads=8 --seconds=30 --seed=1 --max_sessions=64
//                     --instances=2 --scenario=mixed
//
// Scenarios:
//   churn   Begin/Dup/End/contexts only: the capacity is threads * 4 +
//           --max_sessions, and no thread holds more than 4 sessions, so any
//           OutOfSessions is spurious (a violation).
//   mixed   churn, plus a controller thread that, per round, Stops, marks
//           Unavailable or Terminates a random instance while the workers
//           run, then re-creates it.
// Invariants checked: no handle is issued twice among open sessions (each
// thread's handles are distinct from everyone's, checked at every round's
// barrier); the session count equals the sessions the threads hold at each
// barrier; an ended handle is rejected (InvalidSesid) by End, Dup and the
// context calls, even after its slot is reused; no Begin/Dup that starts
// after Stop/Unavailable/Term returned succeeds; no spurious OutOfSessions.
// A progress line each second (ops/s, violations); exit status 1 on any
// violation. The same --seed gives the same random choices (thread
// interleavings still vary).
#include <jetsession/jet.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"

ABSL_FLAG(int, threads, 8, "worker threads");
ABSL_FLAG(double, seconds, 10, "how long to run");
ABSL_FLAG(std::uint64_t, seed, 1, "seed of every random choice");
ABSL_FLAG(int, max_sessions, 16,
          "capacity margin: MaxSessions = threads * 4 + this");
ABSL_FLAG(int, instances, 2, "instances the workers share");
ABSL_FLAG(std::string, scenario, "mixed", "churn or mixed");

namespace {

constexpr int kPerThread = 4;
constexpr int kRoundMillis = 100;

std::atomic<long> g_ops{0};
std::atomic<long> g_violations{0};
std::mutex g_report_mutex;

void Violation(const std::string& what) {
  const long n = ++g_violations;
  if (n <= 20) {
    const std::lock_guard<std::mutex> lock(g_report_mutex);
    std::fprintf(stderr, "VIOLATION: %s\n", what.c_str());
  }
}

// One shared instance and its gating state.
struct Slot {
  std::atomic<JET_INSTANCE> handle{0};
  // Set (release) once a Stop/Unavailable/Term on `handle` has returned.
  std::atomic<JET_INSTANCE> gated{0};
};

JET_INSTANCE MakeInstance(int index, unsigned long capacity) {
  JET_INSTANCE inst = 0;
  const std::string name = absl::StrFormat("stress-%d", index);
  if (JetCreateInstance(&inst, name.c_str()) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, capacity,
                            nullptr) != JET_errSuccess ||
      JetInit(&inst) != JET_errSuccess) {
    Violation("cannot create an instance");
    return 0;
  }
  return inst;
}

struct Held {
  JET_SESID sesid;
  int instance;
};

class Worker {
 public:
  Worker(int id, std::uint64_t seed, std::vector<Slot>* slots)
      : id_(id),
        gen_(std::seed_seq{static_cast<std::uint32_t>(seed),
                           static_cast<std::uint32_t>(seed >> 32U),
                           static_cast<std::uint32_t>(id)}),
        slots_(slots) {}

  // Runs random operations until `stop` is set.
  void Round(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_acquire)) Step();
  }

  // Ends every session this worker holds (before the barrier check).
  void EndAll() {
    for (const Held& h : held_) End(h);
    held_.clear();
  }

  const std::vector<Held>& held() const { return held_; }

 private:
  void Step() {
    const int op = absl::Uniform(gen_, 0, 10);
    if (op < 4 || held_.empty()) {
      Open(op == 1 && !held_.empty());
    } else if (op < 7) {
      const auto k = absl::Uniform<std::size_t>(gen_, 0, held_.size());
      End(held_[k]);
      held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (op < 9) {
      Context();
    } else {
      Stale();
    }
    ++g_ops;
  }

  void Open(bool dup) {
    if (held_.size() >= kPerThread) return;
    const int index =
        dup ? held_.back().instance
            : absl::Uniform(gen_, 0, static_cast<int>(slots_->size()));
    Slot& slot = (*slots_)[static_cast<std::size_t>(index)];
    const JET_INSTANCE inst = slot.handle.load(std::memory_order_acquire);
    // Observed before the call: a gating call on `inst` had returned.
    const bool gated = slot.gated.load(std::memory_order_acquire) == inst;
    JET_SESID s = JET_sesidNil;
    const JET_ERR err = dup ? JetDupSession(held_.back().sesid, &s)
                            : JetBeginSession(inst, &s, nullptr, nullptr);
    if (err == JET_errSuccess) {
      if (gated) {
        Violation(
            absl::StrFormat("thread %d: open succeeded after gating", id_));
      }
      held_.push_back({s, index});
    } else if (err == JET_errOutOfSessions) {
      Violation(absl::StrFormat("thread %d: spurious OutOfSessions", id_));
    }
  }

  void End(const Held& h) {
    JET_ERR err = JetEndSession(h.sesid, 0);
    if (err == JET_errSessionInUse) {
      JetResetSessionContext(h.sesid);
      err = JetEndSession(h.sesid, 0);
    }
    // Only a handle that is really gone is a stale handle (an End refused
    // by an unavailable instance leaves the session open until its Term).
    if (err != JET_errSuccess && err != JET_errInvalidSesid) return;
    if (ended_.size() < 512) {
      ended_.push_back(h.sesid);
    } else {
      ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())] = h.sesid;
    }
  }

  void Context() {
    if (held_.empty()) return;
    const Held& h = held_[absl::Uniform<std::size_t>(gen_, 0, held_.size())];
    const JET_ERR set = JetSetSessionContext(h.sesid, 42);
    if (set != JET_errSuccess) return;
    const JET_ERR reset = JetResetSessionContext(h.sesid);
    // InvalidSesid: a Term of the instance force-ended the session between.
    if (reset != JET_errSuccess && reset != JET_errInvalidSesid) {
      Violation(absl::StrFormat("reset by the setting thread: %d", reset));
    }
  }

  void Stale() {
    if (ended_.empty()) return;
    const JET_SESID old =
        ended_[absl::Uniform<std::size_t>(gen_, 0, ended_.size())];
    JET_SESID d = 0;
    if (JetEndSession(old, 0) != JET_errInvalidSesid ||
        JetDupSession(old, &d) != JET_errInvalidSesid ||
        JetSetSessionContext(old, 1) != JET_errInvalidSesid) {
      Violation(
          absl::StrFormat("thread %d: an ended handle was accepted", id_));
    }
  }

  int id_;
  absl::BitGen gen_;
  std::vector<Slot>* slots_;
  std::vector<Held> held_;
  std::vector<JET_SESID> ended_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("random mixes of the jetsession C API");
  absl::ParseCommandLine(argc, argv);
  const int threads = absl::GetFlag(FLAGS_threads);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const std::uint64_t seed = absl::GetFlag(FLAGS_seed);
  const int instances = absl::GetFlag(FLAGS_instances);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (threads < 1 || instances < 1 || instances > 16 ||
      (scenario != "churn" && scenario != "mixed")) {
    std::fprintf(stderr, "bad flags (see --help)\n");
    return 2;
  }
  const auto capacity = static_cast<unsigned long>(
      threads * kPerThread + absl::GetFlag(FLAGS_max_sessions));
  std::printf(
      "jetsession-stress: threads=%d seconds=%g seed=%llu "
      "capacity=%lu instances=%d scenario=%s\n",
      threads, seconds, static_cast<unsigned long long>(seed), capacity,
      instances, scenario.c_str());

  std::vector<Slot> slots(static_cast<std::size_t>(instances));
  for (int i = 0; i < instances; ++i) {
    slots[static_cast<std::size_t>(i)].handle = MakeInstance(i, capacity);
  }
  std::vector<Worker> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) workers.emplace_back(t, seed, &slots);

  absl::BitGen control(std::seed_seq{static_cast<std::uint32_t>(seed)});
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  long last_ops = 0;
  int round = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
             .count() < seconds) {
    ++round;
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    for (auto& w : workers) {
      pool.emplace_back([&w, &stop] { w.Round(stop); });
    }
    // Mixed: gate one instance mid-round.
    int gated_index = -1;
    int action = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(kRoundMillis / 2));
    if (scenario == "mixed") {
      gated_index = absl::Uniform(control, 0, instances);
      action = absl::Uniform(control, 0, 3);
      Slot& slot = slots[static_cast<std::size_t>(gated_index)];
      const JET_INSTANCE inst = slot.handle.load();
      const JET_ERR err = action == 0   ? JetStopServiceInstance(inst)
                          : action == 1 ? JetExtSetInstanceUnavailable(inst)
                                        : JetTerm(inst);
      if (err != JET_errSuccess) Violation("a gating call failed");
      slot.gated.store(inst, std::memory_order_release);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kRoundMillis / 2));
    stop.store(true, std::memory_order_release);
    for (auto& t : pool) t.join();

    // Barrier check: handles distinct; counts exact (before ending).
    std::set<JET_SESID> distinct;
    std::vector<unsigned long> expected(static_cast<std::size_t>(instances));
    std::size_t total = 0;
    for (const auto& w : workers) {
      for (const Held& h : w.held()) {
        distinct.insert(h.sesid);
        ++expected[static_cast<std::size_t>(h.instance)];
        ++total;
      }
    }
    if (distinct.size() != total) Violation("a handle was issued twice");
    for (int i = 0; i < instances; ++i) {
      Slot& slot = slots[static_cast<std::size_t>(i)];
      unsigned long count = 0;
      const JET_INSTANCE inst = slot.handle.load();
      // Terminated, or unavailable (its Ends fail): no count to compare.
      if (i == gated_index && action != 0) continue;
      if (JetExtGetSessionCount(inst, &count) != JET_errSuccess ||
          count != expected[static_cast<std::size_t>(i)]) {
        Violation(absl::StrFormat("instance %d: count %lu, threads hold %lu", i,
                                  count,
                                  expected[static_cast<std::size_t>(i)]));
      }
    }
    for (auto& w : workers) w.EndAll();
    // Re-create the gated instance (stopped/unavailable ones are replaced).
    if (gated_index >= 0) {
      Slot& slot = slots[static_cast<std::size_t>(gated_index)];
      if (action != 2) JetTerm(slot.handle.load());
      slot.handle.store(MakeInstance(gated_index, capacity),
                        std::memory_order_release);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      const long ops = g_ops.load();
      std::printf("[%5.1fs] round %d: %.2f M ops/s, %ld ops, %ld violations\n",
                  std::chrono::duration<double>(now - start).count(), round,
                  static_cast<double>(ops - last_ops) /
                      std::chrono::duration<double>(now - last_report).count() /
                      1e6,
                  ops, g_violations.load());
      std::fflush(stdout);
      last_report = now;
      last_ops = ops;
    }
  }
  for (auto& slot : slots) JetTerm(slot.handle.load());
  std::printf("jetsession-stress: %ld ops in %d rounds, %ld violations\n",
              g_ops.load(), round, g_violations.load());
  return g_violations.load() == 0 ? 0 : 1;
}
