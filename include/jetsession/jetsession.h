// jetsession/jetsession.h: the whole C++ API (Instance, Session, Error,
// Result) in one include.
#ifndef JETSESSION_JETSESSION_H_
#define JETSESSION_JETSESSION_H_

#include "jetsession/debug.h"     // IWYU pragma: export
#include "jetsession/error.h"     // IWYU pragma: export
#include "jetsession/instance.h"  // IWYU pragma: export
#include "jetsession/jet.h"       // IWYU pragma: export
#include "jetsession/result.h"    // IWYU pragma: export
#include "jetsession/session.h"   // IWYU pragma: export

#endif  // JETSESSION_JETSESSION_H_
