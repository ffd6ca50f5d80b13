// debug_format.h: the text of jetsession::DebugString() for one instance
// record (debug_format.cc). The format is not stable.
//
// Thread safety: reads only (atomic loads, each at its own instant), from
// any thread. Lifetime: the core's pool is type-stable, so a dump that
// races JetTerm reads live memory.
#ifndef JETSESSION_SRC_DEBUG_FORMAT_H_
#define JETSESSION_SRC_DEBUG_FORMAT_H_

#include <string>

#include "handle.h"
#include "instance_core.h"

namespace jetsession::internal {

// Appends the dump of `core` (the record of `ref`) to *out. May throw
// std::bad_alloc (the caller catches it).
void FormatDebug(InstanceCore<StdAtomics>& core, const InstanceRef& ref,
                 std::string* out);

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_DEBUG_FORMAT_H_
