// stress_resize.h: the `resize` scenario of jetsession-stress
// (stress_resize.cc).
#ifndef JETSESSION_TOOLS_STRESS_RESIZE_H_
#define JETSESSION_TOOLS_STRESS_RESIZE_H_

#include <cstdint>

namespace jetsession_stress {

// Runs the scenario (see stress_resize.cc) and returns the exit status: 0,
// or 1 on any violation. `ceiling`: the instances' ceiling
// (JET_paramExtMaxSessionsCeiling), the largest capacity they are given.
int RunResizeScenario(int threads, double seconds, std::uint64_t seed,
                      int instances, unsigned long ceiling);

}  // namespace jetsession_stress

#endif  // JETSESSION_TOOLS_STRESS_RESIZE_H_
