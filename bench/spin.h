// spin.h: the stand-in for an engine's work between session calls, shared
// by every benchmark so that every contender spins through the same code.
//
// Spin(n) runs n iterations of a loop on a register (about one cycle an
// iteration: 500 iterations take about 160 ns here). The compiler cannot
// drop it (an empty asm statement "changes" the counter) and it touches no
// memory. It replaced a volatile-counter loop, whose counter lives on the
// stack: there, the cost of the same 50 or 500 iterations moved by up to
// 40 ns depending on the code layout around it (each contender's template
// got its own inlined copy at its own alignment, and the store-forwarding
// of the counter interacted with the stack slots the contender's calls had
// just written), so the "work" was not the same work for every contender.
// Out of line and cache-line aligned: one copy, one cost.
#ifndef JETSESSION_BENCH_SPIN_H_
#define JETSESSION_BENCH_SPIN_H_

#include <cstdint>

namespace jetsession::bench {

[[gnu::noinline, gnu::aligned(64)]] inline void Spin(std::int64_t work) {
  for (std::int64_t i = 0; i < work; ++i) asm volatile("" : "+r"(i));
}

}  // namespace jetsession::bench

#endif  // JETSESSION_BENCH_SPIN_H_
