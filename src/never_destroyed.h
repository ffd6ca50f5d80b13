// never_destroyed.h: static storage whose value is never destroyed.
//
// NeverDestroyed<T> holds a T that is constant-initialized (value-
// initialized by a constexpr constructor, so a T that is all zero lands in
// zero-filled storage) and whose destructor never runs: at exit, other
// threads may still be inside a call that reads it. (Abseil's NoDestructor
// does the same; Debian 12's Abseil predates it.)
//
// Thread safety, progress and memory ordering: those of T; this wrapper
// adds no shared state. Lifetime: the value lives until the process ends.
#ifndef JETSESSION_SRC_NEVER_DESTROYED_H_
#define JETSESSION_SRC_NEVER_DESTROYED_H_

namespace jetsession::internal {

template <class T>
class NeverDestroyed {
 public:
  constexpr NeverDestroyed() : value() {}
  // Deliberately empty: the value is not destroyed.
  // NOLINTNEXTLINE(modernize-use-equals-default)
  ~NeverDestroyed() {}
  NeverDestroyed(const NeverDestroyed&) = delete;
  NeverDestroyed& operator=(const NeverDestroyed&) = delete;
  NeverDestroyed(NeverDestroyed&&) = delete;
  NeverDestroyed& operator=(NeverDestroyed&&) = delete;

  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access)
  T& get() noexcept { return value; }

 private:
  // A union member: its destructor is not called by the union's.
  union {
    T value;
  };
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_NEVER_DESTROYED_H_
