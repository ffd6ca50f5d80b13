// spin.h: the stand-in for an engine's work between session calls, shared
// by every benchmark so that every contender spins through the same code.
//
// Spin(n) runs n iterations of a loop on a register, about one cycle an
// iteration; it touches no memory (a counter on the stack would make its
// cost depend on the code around it), and it is out of line and cache-line
// aligned, so that every contender runs one copy at one cost.
#ifndef JETSESSION_BENCH_SPIN_H_
#define JETSESSION_BENCH_SPIN_H_

#include <cstdint>

namespace jetsession::bench {

[[gnu::noinline, gnu::aligned(64)]] inline void Spin(std::int64_t work) {
  for (std::int64_t i = 0; i < work; ++i) asm volatile("" : "+r"(i));
}

}  // namespace jetsession::bench

#endif  // JETSESSION_BENCH_SPIN_H_
