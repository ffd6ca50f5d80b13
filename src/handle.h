// handle.h: the layout of instance and session handles.
//
// Instance handle (JET_INSTANCE, 64 bits):
//
//   63..16                      15..0
//   +---------------------------+------------------------+
//   | incarnation generation(48)| record index + 1       |
//   +---------------------------+------------------------+
//
// Session handle (JET_SESID, 64 bits):
//
//   63..34                 33..14              13..0
//   +----------------------+-------------------+------------------------+
//   | slot generation (30) | slot index (20)   | record index + 1       |
//   +----------------------+-------------------+------------------------+
//
// The low field is 1..kMaxRecords (at most 10240 < 2^14 - 1), so no handle
// is 0 or all ones (JET_instanceNil / JET_sesidNil), and a value whose low
// field is out of range decodes as invalid. Generations grow, so a handle
// of an ended instance or session never names a later one (instance: 2^48
// incarnations per record; session: 2^30 reuses per slot).
#ifndef JETSESSION_SRC_HANDLE_H_
#define JETSESSION_SRC_HANDLE_H_

#include <cstdint>

#include "jetsession/jet.h"

namespace jetsession::internal {

static_assert(sizeof(JET_API_PTR) == 8, "jetsession needs 64-bit handles");

// Upper bound of JET_paramMaxInstances, and so of live records.
inline constexpr std::uint32_t kMaxRecords = 10240;

inline constexpr unsigned kInstanceGenShift = 16;
inline constexpr std::uint64_t kInstanceIndexMask = 0xFFFF;
inline constexpr unsigned kSessionSlotShift = 14;
inline constexpr unsigned kSessionGenShift = 34;
inline constexpr std::uint64_t kSessionIndexMask = 0x3FFF;
inline constexpr std::uint64_t kSessionSlotMask = 0xFFFFF;

struct InstanceRef {
  std::uint32_t index;  // record index
  std::uint64_t gen;    // incarnation generation
};

struct SessionRef {
  std::uint32_t index;  // record index
  std::uint32_t slot;   // slot index in the record's pool
  std::uint32_t gen;    // low 30 bits of the slot generation
};

constexpr JET_INSTANCE MakeInstanceHandle(InstanceRef ref) noexcept {
  return static_cast<JET_INSTANCE>((ref.gen << kInstanceGenShift) |
                                   (ref.index + 1U));
}

// False for 0, JET_instanceNil and any value no instance could have had.
constexpr bool DecodeInstanceHandle(JET_INSTANCE handle,
                                    InstanceRef* ref) noexcept {
  const std::uint64_t low = handle & kInstanceIndexMask;
  const std::uint64_t gen = handle >> kInstanceGenShift;
  if (low == 0 || low > kMaxRecords || gen == 0) return false;
  *ref = {static_cast<std::uint32_t>(low - 1), gen};
  return true;
}

constexpr JET_SESID MakeSessionHandle(SessionRef ref) noexcept {
  return static_cast<JET_SESID>((std::uint64_t{ref.gen} << kSessionGenShift) |
                                (std::uint64_t{ref.slot} << kSessionSlotShift) |
                                (ref.index + 1U));
}

// MakeSessionHandle() for Begin's fast path, with each field in place
// after at most one shift: the record's index field is that of `instance`,
// a live handle (so its index + 1 fits kSessionIndexMask), and the
// generation comes as `control_low`, the low 32 bits of the claimed slot's
// control word, whose kControlGenShift low bits are clear.
inline constexpr unsigned kControlGenShift = 2;
static_assert(kSessionGenShift == 32 + kControlGenShift);
constexpr JET_SESID MakeSessionHandleFast(JET_INSTANCE instance,
                                          std::uint64_t slot,
                                          std::uint32_t control_low) noexcept {
  return static_cast<JET_SESID>((std::uint64_t{control_low} << 32U) |
                                (slot << kSessionSlotShift) |
                                (instance & kInstanceIndexMask));
}

// False for 0, JET_sesidNil and any value no session could have had.
constexpr bool DecodeSessionHandle(JET_SESID handle, SessionRef* ref) noexcept {
  // The index field minus one: out of range (as an unsigned) for 0 too.
  const auto index =
      static_cast<std::uint32_t>(handle & kSessionIndexMask) - 1U;
  if (index >= kMaxRecords) return false;
  *ref = {index,
          static_cast<std::uint32_t>((handle >> kSessionSlotShift) &
                                     kSessionSlotMask),
          static_cast<std::uint32_t>(handle >> kSessionGenShift)};
  return true;
}

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_HANDLE_H_
