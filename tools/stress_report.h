// stress_report.h: what every scenario of jetsession-stress shares: the
// violation report and the creation of an instance.
//
// Thread safety: any thread. Memory ordering: the count is relaxed (a
// figure for the summary, read after the threads are joined).
#ifndef JETSESSION_TOOLS_STRESS_REPORT_H_
#define JETSESSION_TOOLS_STRESS_REPORT_H_

#include <jetsession/jet.h>

#include <string>

namespace jetsession_stress {

// Counts a violation and prints the first 20 to stderr.
void Violation(const std::string& what);
// The same, about `instance`: the first 3 also print the instance's debug
// dump (jetsession::DebugString()).
void Violation(const std::string& what, JET_INSTANCE instance);

// The violations so far.
long Violations();

// A Running instance named `<prefix>-<index>` with MaxSessions `capacity`
// (and session tracking when `tracking`), or 0 (after a violation) when it
// cannot be made.
JET_INSTANCE MakeInstance(const char* prefix, int index, unsigned long capacity,
                          bool tracking = false);

}  // namespace jetsession_stress

#endif  // JETSESSION_TOOLS_STRESS_REPORT_H_
