// stress_report.cc: see stress_report.h.
#include "stress_report.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_format.h"
#include "jetsession/debug.h"

namespace jetsession_stress {
namespace {

std::atomic<long> g_violations{0};
std::mutex g_report_mutex;

}  // namespace

void Violation(const std::string& what) {
  // relaxed: a count for the summary.
  const long n = g_violations.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n <= 20) {
    const std::lock_guard<std::mutex> lock(g_report_mutex);
    std::fprintf(stderr, "VIOLATION: %s\n", what.c_str());
  }
}

void Violation(const std::string& what, JET_INSTANCE instance) {
  Violation(what);
  // relaxed: as Violation().
  if (g_violations.load(std::memory_order_relaxed) <= 3) {
    const std::string dump = jetsession::DebugString(instance);
    const std::lock_guard<std::mutex> lock(g_report_mutex);
    std::fprintf(stderr, "%s", dump.c_str());
  }
}

long Violations() {
  // relaxed: as Violation().
  return g_violations.load(std::memory_order_relaxed);
}

JET_INSTANCE MakeInstance(const char* prefix, int index, unsigned long capacity,
                          bool tracking) {
  JET_INSTANCE inst = 0;
  const std::string name = absl::StrFormat("%s-%d", prefix, index);
  if (JetCreateInstance(&inst, name.c_str()) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramMaxSessions, capacity,
                            nullptr) != JET_errSuccess ||
      JetSetSystemParameter(&inst, 0, JET_paramExtSessionTracking,
                            tracking ? 1 : 0, nullptr) != JET_errSuccess ||
      JetInit(&inst) != JET_errSuccess) {
    Violation("cannot create an instance");
    return 0;
  }
  return inst;
}

}  // namespace jetsession_stress
