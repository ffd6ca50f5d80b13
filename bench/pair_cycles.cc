// pair_cycles: the cost of one Begin+End pair on one thread, in TSC cycles,
// for jetsession's C API and each peer pool, measured so that this shared
// machine's slow spells do not count.
//
// The workload is contention_bench's ring at 1 thread (a ring of 4: end the
// oldest, spin `work` iterations, begin a new one). The time of each batch
// of --batch pairs is read with rdtsc; a contender's figure is the 5th
// percentile of --batches batch times, divided by the batch size, and the
// lowest such figure over --rounds rounds (the contenders run in a new
// random order each round). Slowness from outside (another tenant, a
// frequency drop, an interrupt) only ever adds time, so a low percentile
// estimates the contender's own cost; Google Benchmark's mean over a run
// moves with those spells by up to 40% here. A small change to the fast
// path (a few instructions) shows as a repeatable change of a fraction of a
// cycle. TSC cycles tick at the nominal frequency, whatever the core's
// clock: compare contenders of one run, not runs of different machines.
//
//   build/release/bench/pair_cycles --work=0,50
#include <jetsession/jet.h>
#include <x86intrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "peer_pools.h"
#include "running_instance.h"
#include "spin.h"

ABSL_FLAG(std::string, work, "0,50", "spin iterations between End and Begin");
ABSL_FLAG(int, batch, 200, "pairs per timed batch");
ABSL_FLAG(int, batches, 3000, "timed batches per contender and round");
ABSL_FLAG(int, rounds, 6, "rounds (a contender's figure: its best round)");
ABSL_FLAG(std::string, json, "",
          "also write {work: {contender: cycles}} to this file");

namespace jetsession::bench {
namespace {

constexpr std::uint32_t kCapacity = 30000;
constexpr std::size_t kRing = 4;

// One contender: its name and a function that runs `pairs` ring steps.
struct Contender {
  const char* name;
  bool exact_peer;  // one of the peers the 1-thread target names
  std::function<void(std::int64_t work, int pairs)> run;
};

// The ring over any contender: `acquire(Handle*)` claims (true on
// success, retried otherwise), `release(Handle)` gives back. The ring's 4
// handles are claimed once, here.
template <class Handle, class Acquire, class Release>
Contender RingContender(const char* name, bool exact_peer, Acquire acquire,
                        Release release) {
  auto ring = std::make_shared<std::array<Handle, kRing>>();
  for (auto& h : *ring) {
    while (!acquire(&h)) {
    }
  }
  auto next = std::make_shared<std::size_t>(0);
  return {name, exact_peer,
          [ring, next, acquire, release](std::int64_t work, int pairs) {
            for (int i = 0; i < pairs; ++i) {
              Handle& h = (*ring)[*next];
              *next = (*next + 1) % kRing;
              release(h);
              Spin(work);
              while (!acquire(&h)) {
              }
            }
          }};
}

// A bare peer pool.
template <class Pool>
Contender PeerContender(bool exact_peer) {
  auto pool = std::make_shared<Pool>(kCapacity);
  return RingContender<std::uint32_t>(
      Pool::kName, exact_peer,
      [pool](std::uint32_t* h) { return pool->TryAcquire(h); },
      [pool](std::uint32_t h) { pool->Release(h); });
}

// jetsession's C API, on an instance with kCapacity sessions.
Contender JetContender() {
  const JET_INSTANCE inst = RunningInstance("pair_cycles", kCapacity);
  return RingContender<JET_SESID>(
      "jetsession_c_api", false,
      [inst](JET_SESID* s) {
        return JetBeginSession(inst, s, nullptr, nullptr) == JET_errSuccess;
      },
      [](JET_SESID s) { JetEndSession(s, 0); });
}

// The 5th percentile of `batches` batch times, in TSC cycles per pair.
double LowPercentileCycles(const Contender& c, std::int64_t work, int batch,
                           int batches) {
  std::vector<std::uint64_t> ticks(static_cast<std::size_t>(batches));
  c.run(work, batch);  // warm the caches and the branch predictors
  for (auto& t : ticks) {
    const std::uint64_t start = __rdtsc();
    c.run(work, batch);
    t = __rdtsc() - start;
  }
  const std::size_t k = ticks.size() / 20;
  std::nth_element(ticks.begin(), ticks.begin() + static_cast<long>(k),
                   ticks.end());
  return static_cast<double>(ticks[k]) / batch;
}

int Main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<std::int64_t> works;
  for (const auto piece : absl::StrSplit(absl::GetFlag(FLAGS_work), ',')) {
    std::int64_t w = 0;
    if (!absl::SimpleAtoi(piece, &w) || w < 0) {
      std::fprintf(stderr, "pair_cycles: bad --work entry\n");
      return 2;
    }
    works.push_back(w);
  }
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
  const int batches = std::max(20, absl::GetFlag(FLAGS_batches));
  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));

  std::vector<Contender> contenders = {
      JetContender(),
      PeerContender<MutexFreeListPool>(true),
      PeerContender<BoostStackPool>(true),
      PeerContender<TbbQueuePool>(true),
      PeerContender<MoodycamelPool>(true),
      PeerContender<CkStackPool>(true),
      PeerContender<CounterBitmapPool>(true),
      PeerContender<SpreadBitmapPool>(false),
  };
  std::mt19937 shuffle_rng(std::random_device{}());
  std::string json = "{";
  for (const std::int64_t work : works) {
    std::vector<double> best(contenders.size(), 1e300);
    std::vector<std::size_t> order(contenders.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (int r = 0; r < rounds; ++r) {
      std::shuffle(order.begin(), order.end(), shuffle_rng);
      for (const std::size_t i : order) {
        best[i] = std::min(
            best[i], LowPercentileCycles(contenders[i], work, batch, batches));
      }
    }
    const double jet = best[0];
    std::printf(
        "work %lld: TSC cycles per Begin+End pair, 1 thread "
        "(5th percentile of %d batches of %d, best of %d rounds)\n",
        static_cast<long long>(work), batches, batch, rounds);
    std::size_t best_peer = 0;
    for (std::size_t i = 0; i < contenders.size(); ++i) {
      std::printf("  %-22s %7.1f   jetsession / it %.2fx\n", contenders[i].name,
                  best[i], best[i] / jet);
      if (contenders[i].exact_peer &&
          (best_peer == 0 || best[i] < best[best_peer])) {
        best_peer = i;
      }
    }
    std::printf("  jetsession / best exact peer (%s): %.2fx (target 0.80x)\n",
                contenders[best_peer].name, best[best_peer] / jet);
    absl::StrAppend(&json, json.size() > 1 ? ", " : "", "\"", work, "\": {");
    for (std::size_t i = 0; i < contenders.size(); ++i) {
      absl::StrAppend(&json, i > 0 ? ", " : "", "\"", contenders[i].name,
                      "\": ", absl::StrFormat("%.2f", best[i]));
    }
    absl::StrAppend(&json, "}");
  }
  json += "}\n";
  const std::string path = absl::GetFlag(FLAGS_json);
  if (!path.empty()) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr || std::fputs(json.c_str(), f) < 0 ||
        std::fclose(f) != 0) {
      std::fprintf(stderr, "pair_cycles: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace jetsession::bench

int main(int argc, char** argv) { return jetsession::bench::Main(argc, argv); }
