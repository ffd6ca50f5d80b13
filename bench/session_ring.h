// session_ring.h: the benchmarks' Begin+End loop in the engine's shape.
//
// Each benchmark thread keeps a ring of kRing open sessions; an iteration
// ends the oldest session of the ring, spins `work` iterations (a stand-in
// for the engine's work between session calls), and opens a new one: one
// open+End pair. items_processed counts pairs.
//
// Thread safety: each benchmark thread runs its own ring.
#ifndef JETSESSION_BENCH_SESSION_RING_H_
#define JETSESSION_BENCH_SESSION_RING_H_

#include <jetsession/jet.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "benchmark/benchmark.h"
#include "spin.h"

namespace jetsession::bench {

inline constexpr int kRing = 4;

// The ring loop: `open(&s)` opens a session (a Begin or a Dup); `what`
// names the open call in the error of a failure.
template <class Open>
void RunSessionRing(std::int64_t work, benchmark::State& state, Open open,
                    const char* what) {
  std::array<JET_SESID, kRing> ring{};
  ring.fill(JET_sesidNil);
  for (auto& s : ring) {
    if (open(&s) != JET_errSuccess) {
      state.SkipWithError(what);
      break;
    }
  }
  std::size_t next = 0;
  if (!state.error_occurred()) {
    for (auto _ : state) {
      JET_SESID& s = ring[next];
      next = (next + 1) % kRing;
      if (JetEndSession(s, 0) != JET_errSuccess) {
        state.SkipWithError("end failed");
        break;
      }
      Spin(work);
      if (open(&s) != JET_errSuccess) {
        state.SkipWithError(what);
        break;
      }
    }
  }
  for (const JET_SESID s : ring) {
    if (s != JET_sesidNil) JetEndSession(s, 0);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace jetsession::bench

#endif  // JETSESSION_BENCH_SESSION_RING_H_
