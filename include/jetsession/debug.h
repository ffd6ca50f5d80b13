// jetsession/debug.h: a human-readable dump of an instance's session state,
// for debugging (in the spirit of Linux's sbitmap_show()).
//
// The format is NOT stable: it may change in any release. Do not parse it.
//
// Thread safety: may be called from any thread, at any time, with any
// handle (a stale one gives a line saying so).
// Progress: lock-free while the instance runs; one pass over its pool.
#ifndef JETSESSION_DEBUG_H_
#define JETSESSION_DEBUG_H_

#include <string>

#include "jetsession/instance.h"
#include "jetsession/jet.h"

namespace jetsession {

// The instance's state word decoded (generation, lifecycle, flags, closure
// marks, tracking), its capacity and the room allocated, a resize's state
// (debt, grow units, a grant pending, the reserved count), the full flag
// (state, queue head and tail), the callers waiting, the Ends handing a
// slot over, the statistics, and a map of the pool: per word its version
// and closed bit, per slot one character:
//   .  free          o  open          b  open, a call in flight
//   p  pending (open, its bit already freed: an End or hand-off in flight)
//   c  claimed, not yet open          r  reserved (out of use after a shrink)
//   e  f  g  marked by an End's payment, a free slot's payment, a grant
//   x  at or past the ceiling
// Each value is read at its own instant: a dump taken while calls run may
// show states that never held together. Empty on allocation failure.
std::string DebugString(JET_INSTANCE instance) noexcept;
std::string DebugString(const Instance& instance) noexcept;

}  // namespace jetsession

#endif  // JETSESSION_DEBUG_H_
