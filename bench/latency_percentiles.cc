// latency_percentiles: per-operation latency (p50, p99, p99.9) of Begin and
// End under contention, for jetsession and three peers; Google Benchmark
// reports means only, so this harness times every operation itself.
//
// Workload: as BM_Ring in contention_bench (a ring of 4 per thread, work 50
// between operations), for a fixed wall time per configuration. Each Begin
// (acquire) and End (release) is timed with steady_clock (clock_gettime
// through the vDSO, about 20 ns of the figure here: compare contenders, not
// absolute numbers); up to kMaxSamples per thread are kept.
//
// Output: a table on stdout and, with --json FILE, one JSON object per
// configuration in an array.
#include <jetsession/jet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "peer_pools.h"
#include "running_instance.h"
#include "spin.h"

namespace jetsession::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxSamples = 200000;
constexpr std::size_t kRing = 4;
constexpr std::uint32_t kCapacity = 30000;

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
};

Percentiles Summarize(std::vector<std::uint32_t>& ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  const auto at = [&](double q) {
    return static_cast<double>(
        ns[std::min(ns.size() - 1, static_cast<std::size_t>(
                                       q * static_cast<double>(ns.size())))]);
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  return p;
}

// Runs the ring on `threads` threads for `seconds`; acquire/release take and
// return a 64-bit handle.
template <class Acquire, class Release>
void Measure(const char* name, int threads, double seconds, Acquire acquire,
             Release release, std::string* json) {
  std::vector<std::vector<std::uint32_t>> begin_ns(threads);
  std::vector<std::vector<std::uint32_t>> end_ns(threads);
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& begins = begin_ns[t];
      auto& ends = end_ns[t];
      begins.reserve(kMaxSamples);
      ends.reserve(kMaxSamples);
      std::array<std::uint64_t, kRing> ring{};
      for (auto& h : ring) {
        while (!acquire(&h)) {
        }
      }
      ++ready;
      while (ready.load() < threads) std::this_thread::yield();
      std::size_t next = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        std::uint64_t& h = ring[next];
        next = (next + 1) % kRing;
        const auto t0 = Clock::now();
        release(h);
        const auto t1 = Clock::now();
        Spin(50);
        const auto t2 = Clock::now();
        while (!acquire(&h)) {
        }
        const auto t3 = Clock::now();
        if (ends.size() < kMaxSamples) {
          ends.push_back(static_cast<std::uint32_t>(
              std::chrono::nanoseconds(t1 - t0).count()));
          begins.push_back(static_cast<std::uint32_t>(
              std::chrono::nanoseconds(t3 - t2).count()));
        }
      }
      for (const std::uint64_t h : ring) release(h);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  std::vector<std::uint32_t> begins;
  std::vector<std::uint32_t> ends;
  for (int t = 0; t < threads; ++t) {
    begins.insert(begins.end(), begin_ns[t].begin(), begin_ns[t].end());
    ends.insert(ends.end(), end_ns[t].begin(), end_ns[t].end());
  }
  const Percentiles b = Summarize(begins);
  const Percentiles e = Summarize(ends);
  std::printf("%-22s %3d  %8.0f %8.0f %9.0f  %8.0f %8.0f %9.0f  %zu\n", name,
              threads, b.p50, b.p99, b.p999, e.p50, e.p99, e.p999,
              begins.size());
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "%s{\"contender\":\"%s\",\"threads\":%d,\"samples\":%zu,"
                "\"begin_p50_ns\":%.0f,\"begin_p99_ns\":%.0f,"
                "\"begin_p999_ns\":%.0f,\"end_p50_ns\":%.0f,"
                "\"end_p99_ns\":%.0f,\"end_p999_ns\":%.0f}",
                json->empty() ? "" : ",\n", name, threads, begins.size(), b.p50,
                b.p99, b.p999, e.p50, e.p99, e.p999);
  *json += buffer;
}

template <class Pool>
void MeasurePeer(int threads, double seconds, std::string* json) {
  Pool pool(kCapacity);
  Measure(
      Pool::kName, threads, seconds,
      [&](std::uint64_t* h) {
        std::uint32_t slot = 0;
        if (!pool.TryAcquire(&slot)) return false;
        *h = slot;
        return true;
      },
      [&](std::uint64_t h) { pool.Release(static_cast<std::uint32_t>(h)); },
      json);
}

}  // namespace
}  // namespace jetsession::bench

int main(int argc, char** argv) {
  using namespace jetsession::bench;  // NOLINT(google-build-using-namespace)
  const char* json_path = nullptr;
  double seconds = 0.2;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
      json_path = argv[++i];
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--json FILE]\n", argv[0]);
      return 2;
    }
  }
  const JET_INSTANCE inst = RunningInstance("latency", kCapacity);
  std::printf("%-22s %3s  %8s %8s %9s  %8s %8s %9s  %s\n", "contender", "thr",
              "begin50", "begin99", "begin99.9", "end50", "end99", "end99.9",
              "samples");
  std::string json;
  for (const int threads : {1, 2, 4, 8, 16}) {
    Measure(
        "jetsession_c_api", threads, seconds,
        [&](std::uint64_t* h) {
          JET_SESID s = JET_sesidNil;
          if (JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) {
            return false;
          }
          *h = s;
          return true;
        },
        [](std::uint64_t h) { JetEndSession(h, 0); }, &json);
    MeasurePeer<MutexFreeListPool>(threads, seconds, &json);
    MeasurePeer<CkStackPool>(threads, seconds, &json);
    MeasurePeer<CounterBitmapPool>(threads, seconds, &json);
    MeasurePeer<SpreadBitmapPool>(threads, seconds, &json);
  }
  JetTerm(inst);
  if (json_path != nullptr) {
    std::FILE* out = std::fopen(json_path, "w");
    if (out == nullptr) return 1;
    std::fprintf(out, "[\n%s\n]\n", json.c_str());
    std::fclose(out);
  }
  return 0;
}
