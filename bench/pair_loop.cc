// pair_loop: N Begin+End pairs on one thread through the C API (a ring of
// 4), for instruction counts under valgrind --tool=callgrind, which are
// repeatable where times are not. Run it with N and 2N: the difference of
// the totals over N is the cost of one pair, start-up excluded.
//   valgrind --tool=callgrind build/release/bench/pair_loop 100000
#include <jetsession/jet.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "running_instance.h"

int main(int argc, char** argv) {
  const long pairs = argc > 1 ? std::atol(argv[1]) : 100000;
  const JET_INSTANCE inst =
      jetsession::bench::RunningInstance("pair_loop", 30000);
  std::array<JET_SESID, 4> ring{};
  for (auto& s : ring) JetBeginSession(inst, &s, nullptr, nullptr);
  for (long i = 0; i < pairs; ++i) {
    JET_SESID& s = ring[static_cast<std::size_t>(i) % ring.size()];
    if (JetEndSession(s, 0) != JET_errSuccess ||
        JetBeginSession(inst, &s, nullptr, nullptr) != JET_errSuccess) {
      std::fprintf(stderr, "pair_loop: pair %ld failed\n", i);
      return 1;
    }
  }
  return JetTerm(inst) == JET_errSuccess ? 0 : 1;
}
