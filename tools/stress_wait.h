// stress_wait.h: the `wait` scenario of jetsession-stress (stress_wait.cc).
#ifndef JETSESSION_TOOLS_STRESS_WAIT_H_
#define JETSESSION_TOOLS_STRESS_WAIT_H_

#include <cstdint>

namespace jetsession_stress {

// Runs the scenario (see stress_wait.cc) and returns the exit status: 0, or
// 1 on any violation. `wake_bound_ms`: how long after a Stop, Unavailable or
// Term returned a waiter may still be in its call.
int RunWaitScenario(int threads, double seconds, std::uint64_t seed,
                    int instances, int wake_bound_ms);

}  // namespace jetsession_stress

#endif  // JETSESSION_TOOLS_STRESS_WAIT_H_
