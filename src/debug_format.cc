#include "debug_format.h"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

#include "instance_registry.h"
#include "jetsession/debug.h"
#include "jetsession/instance.h"

namespace jetsession::internal {
namespace {

using Core = InstanceCore<StdAtomics>;
using Pool = Core::Pool;

// printf into a std::string.
[[gnu::format(printf, 2, 3)]] void Append(std::string* out, const char* format,
                                          ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n > 0) out->append(line, std::min<std::size_t>(n, sizeof line - 1));
}

const char* LifecycleName(std::uint64_t lifecycle) {
  switch (lifecycle) {
    case Core::kCreated:
      return "Created";
    case Core::kRestoring:
      return "Restoring";
    case Core::kRunning:
      return "Running";
    default:
      return "Free";
  }
}

const char* FlagStateName(unsigned state) {
  switch (state) {
    case 1:
      return "candidate";
    case 2:
      return "verified";
    case 3:
      return "verified+grow-units";
    default:
      return "none";
  }
}

// One character per slot (see jetsession/debug.h).
char SlotChar(bool bit, std::uint64_t control, bool beyond) {
  if (beyond) return 'x';
  if (!Pool::IsOpen(control)) {
    switch ((control & Pool::kMarkMask) >> Pool::kMarkShift) {
      case 0:
        break;
      case 1:
        return 'e';
      case 2:
        return 'f';
      default:
        return 'g';
    }
    if (Pool::IsReserved(control)) return 'r';
    return bit ? 'c' : '.';
  }
  if (!bit) return 'p';
  return Pool::InCall(control) ? 'b' : 'o';
}

}  // namespace

void FormatDebug(Core& core, const InstanceRef& ref, std::string* out) {
  std::uint64_t state = 0;
  const Pool* const pool = core.DebugPool(&state);
  Append(out,
         "jetsession instance %#llx (this format is not stable)\n"
         "state: %#llx gen=%llu %s%s%s%s tracking=%s closed=[%s%s%s]\n",
         static_cast<unsigned long long>(MakeInstanceHandle(ref)),
         static_cast<unsigned long long>(state),
         static_cast<unsigned long long>(Core::GenOf(state)),
         LifecycleName(Core::LifecycleOf(state)),
         (state & Core::kStopped) != 0 ? " stopped" : "",
         (state & Core::kUnavailable) != 0 ? " unavailable" : "",
         (state & Core::kTerminating) != 0 ? " terminating" : "",
         (state & Core::kTracking) != 0 ? "on" : "off",
         (state & Core::kStopClosed) != 0 ? " stop" : "",
         (state & Core::kUnavailableClosed) != 0 ? " unavailable" : "",
         (state & Core::kTermClosed) != 0 ? " term" : "");
  if (pool == nullptr) return;
  const Pool::FlagView flag = pool->DebugFlag();
  Append(out,
         "capacity=%u ceiling=%u allocated=%u words=%u debt=%u "
         "grow_units=%u grant_pending=%s reserved=%u\n"
         "full flag: %s%s%s%s%s epoch=%u head=%u tail=%u queued=%u\n"
         "waiting callers=%u ends handing over=%u\n",
         pool->capacity(), pool->ceiling(), pool->allocated(),
         pool->ActiveWords(), pool->Debt(), pool->GrowUnitsLeft(),
         pool->GrantPending() ? "yes" : "no", pool->Reserved(),
         FlagStateName(flag.state), flag.gated ? " gated" : "",
         flag.end_gated ? " end-gated" : "", flag.listed ? " listed" : "",
         flag.mailed ? " mailed" : "", flag.epoch, flag.head, flag.tail,
         pool->QueuedTickets(), pool->waiters().Callers(), pool->Handing());
  SessionStatsData stats;
  if (core.Stats(Core::GenOf(state), &stats) == Error::kSuccess) {
    Append(out,
           "stats: open=%u begun=%llu ended=%llu out_of_sessions=%llu "
           "waits=%llu timeouts=%llu wait_ms=%llu\n",
           stats.open, static_cast<unsigned long long>(stats.begun),
           static_cast<unsigned long long>(stats.ended),
           static_cast<unsigned long long>(stats.out_of_sessions),
           static_cast<unsigned long long>(stats.waits),
           static_cast<unsigned long long>(stats.wait_timeouts),
           static_cast<unsigned long long>(stats.wait_micros / 1000U));
  }
  out->append(
      "slots: . free, o open, b in a call, p pending, c claimed, r reserved, "
      "e/f/g marked (End's payment, a free slot's payment, a grant), x past "
      "the ceiling\n");
  for (std::uint32_t w = 0; w < pool->ActiveWords(); ++w) {
    const std::uint64_t word = pool->DebugWord(w);
    Append(out, "  word %4u v%-10u %s h%u ", w, Pool::VersionOf(word),
           (word & Pool::kClosedForBegin) != 0 ? "closed" : "open  ",
           Pool::HintOf(word));
    for (std::uint32_t b = 0; b < Pool::kSlotsPerWord; ++b) {
      const std::uint32_t slot = w * Pool::kSlotsPerWord + b;
      out->push_back(SlotChar(((word >> b) & 1U) != 0, pool->LoadControl(slot),
                              slot >= pool->ceiling()));
    }
    out->push_back('\n');
  }
}

}  // namespace jetsession::internal

namespace jetsession {

std::string DebugString(JET_INSTANCE instance) noexcept {
  std::string out;
  try {
    const Error error =
        internal::InstanceRegistry::Global().DebugDump(instance, &out);
    if (error != Error::kSuccess) {
      out = "jetsession instance ";
      internal::Append(&out, "%#llx: %s\n",
                       static_cast<unsigned long long>(instance),
                       ErrorName(error).data());
    }
  } catch (const std::bad_alloc&) {
    out.clear();
  }
  return out;
}

std::string DebugString(const Instance& instance) noexcept {
  return DebugString(instance.handle());
}

}  // namespace jetsession
