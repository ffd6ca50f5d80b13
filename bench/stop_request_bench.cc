// stop_request_bench: the cost of one stop request among many waiting
// calls.
//
// What it measures (BM_StopRequest<pool>/waiters:N): a pool with its one
// session held, and N threads each waiting for a session with no deadline
// and a std::stop_token of its own. An iteration requests the stop of one
// waiter (std::stop_source::request_stop(), which runs the waiter's stop
// callback on the requesting thread) and times that call alone (manual
// time): the time the requester spends, and so the time a server that
// cancels one client's wait loses. Then, untimed, it joins the cancelled
// waiter and starts a new one in its place, and waits until all N wait
// again. jetsession waits in Instance::BeginSession(timeout, stop_token);
// the peer, what an engine author would write instead, is a free count
// under a std::mutex and a std::condition_variable_any, waited on with
// wait(lock, stop_token, predicate), the standard library's stoppable
// wait. Reported per iteration: the request's wall time (manual time) and,
// as a counter, its CPU time on the requesting thread (cpu_us).
//
// How the harness distorts it: the N threads oversubscribe the machine's
// cores, so a request may find a woken thread running on the other core;
// the untimed restart between requests leaves every waiter asleep before
// the next request (the peer's herd, woken by the last request, included).
#include <benchmark/benchmark.h>
#include <jetsession/jetsession.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace {

double ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 +
         static_cast<double>(t.tv_nsec) / 1e3;
}

// jetsession: an instance of one session, held by the benchmark.
class JetsessionPool {
 public:
  JetsessionPool() {
    auto instance = jetsession::Instance::Create(
        {.name = "stop_request_bench", .max_sessions = 1});
    if (!instance.ok()) Fail("Instance::Create");
    instance_ = std::move(*instance);
    auto held = instance_.BeginSession();
    if (!held.ok()) Fail("BeginSession");
    held_ = std::move(*held);
  }
  // Waits until stopped; must end with kWaitCancelled.
  void Wait(const std::stop_token& stop) {
    const auto result = instance_.BeginSession(std::chrono::hours(1), stop);
    if (result.ok() || result.error() != jetsession::Error::kWaitCancelled) {
      Fail("BeginSession(timeout, stop)");
    }
  }
  unsigned long Waiting() {
    const auto stats = instance_.Stats();
    return stats.ok() ? stats->waiters : 0;
  }

 private:
  [[noreturn]] static void Fail(const char* what) {
    std::fprintf(stderr, "stop_request_bench: %s failed\n", what);
    std::exit(1);
  }
  jetsession::Instance instance_;
  jetsession::Session held_;
};

// The peer: a free count (0: its one session held) under a mutex and a
// std::condition_variable_any, waited on with a stop_token.
class CondvarPool {
 public:
  void Wait(const std::stop_token& stop) {
    std::unique_lock<std::mutex> lock(mutex_);
    ++waiting_;
    const bool got = ready_.wait(lock, stop, [this] { return free_ > 0; });
    --waiting_;
    if (got) std::abort();  // nothing is ever freed
  }
  unsigned long Waiting() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any ready_;
  int free_ = 0;
  unsigned long waiting_ = 0;
};

template <class Pool>
void BM_StopRequest(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Pool pool;
  std::vector<std::stop_source> sources(n);
  std::vector<std::thread> waiters(n);
  const auto start = [&](std::size_t i) {
    sources[i] = std::stop_source();
    waiters[i] = std::thread(
        [&pool, token = sources[i].get_token()] { pool.Wait(token); });
  };
  const auto await_all = [&] {
    while (pool.Waiting() != n) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  };
  for (std::size_t i = 0; i < n; ++i) start(i);
  await_all();
  double cpu_us = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    const double cpu0 = ThreadCpuMicros();
    const auto t0 = std::chrono::steady_clock::now();
    sources[next].request_stop();
    const auto t1 = std::chrono::steady_clock::now();
    cpu_us += ThreadCpuMicros() - cpu0;
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    waiters[next].join();
    start(next);
    await_all();
    next = (next + 1) % n;
  }
  state.counters["cpu_us"] =
      benchmark::Counter(cpu_us, benchmark::Counter::kAvgIterations);
  for (std::size_t i = 0; i < n; ++i) {
    sources[i].request_stop();
    waiters[i].join();
  }
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgName("waiters")->Arg(200)->Arg(2000);
  b->UseManualTime()->Iterations(50)->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_StopRequest, JetsessionPool)
    ->Name("BM_StopRequest<jetsession>")
    ->Apply(Args);
BENCHMARK_TEMPLATE(BM_StopRequest, CondvarPool)
    ->Name("BM_StopRequest<condvar_any>")
    ->Apply(Args);

}  // namespace

BENCHMARK_MAIN();
