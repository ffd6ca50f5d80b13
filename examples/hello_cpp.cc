// hello_cpp: the same lifecycle through the C++ RAII API.
#include <jetsession/jetsession.h>

#include <cstdio>
#include <utility>
#include <vector>

int main() {
  using jetsession::Error;
  auto instance =
      jetsession::Instance::Create({.name = "hello_cpp", .max_sessions = 3});
  if (!instance.ok()) {
    std::printf("create: %s\n",
                std::string(jetsession::ErrorName(instance.error())).c_str());
    return 1;
  }
  std::vector<jetsession::Session> sessions;
  for (;;) {
    auto session = instance->BeginSession();
    if (!session.ok()) {
      // Exact capacity: the fourth Begin is the first to fail.
      std::printf("after %zu sessions: %s\n", sessions.size(),
                  std::string(jetsession::ErrorName(session.error())).c_str());
      if (session.error() != Error::kOutOfSessions) return 1;
      break;
    }
    sessions.push_back(std::move(*session));
  }
  if (sessions.size() != 3) return 1;
  sessions.pop_back();  // ends on destruction
  auto copy = sessions.front().Dup();
  if (!copy.ok()) return 1;
  const auto count = instance->SessionCount();
  std::printf("open sessions: %lu\n", count.ok() ? *count : 0UL);
  return count.ok() && *count == 3 ? 0 : 1;
}  // sessions end, then the instance terminates
