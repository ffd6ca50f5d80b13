// jet.h compiles as C++17 (the contract: "compiles as C99 and as C++17 or
// later") and its functions are usable from it.
#include <jetsession/jet.h>

#include <type_traits>

static_assert(std::is_same_v<JET_ERR, int32_t>);
static_assert(JET_instanceNil == ~static_cast<JET_INSTANCE>(0));

int main() {
  JET_SESID sesid = JET_sesidNil;
  const JET_ERR err =
      JetBeginSession(JET_instanceNil, &sesid, nullptr, nullptr);
  return err == JET_errInvalidParameter && sesid == JET_sesidNil ? 0 : 1;
}
