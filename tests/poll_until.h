// poll_until.h: a test's look for a condition that another thread brings
// about, until it holds or a time limit passes. A loaded machine may start
// that thread late, so a test that expects progress looks until it sees it,
// never once after a fixed delay.
#ifndef JETSESSION_TESTS_POLL_UNTIL_H_
#define JETSESSION_TESTS_POLL_UNTIL_H_

#include <chrono>
#include <thread>

namespace jetsession {

// Calls `condition` until it returns true or `limit` has passed, yielding
// in between; returns its last answer.
template <class Condition>
bool PollUntil(std::chrono::steady_clock::duration limit, Condition condition) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) return condition();
    std::this_thread::yield();
  }
  return true;
}

}  // namespace jetsession

#endif  // JETSESSION_TESTS_POLL_UNTIL_H_
