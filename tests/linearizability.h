// linearizability.h: a Wing-Gong search with Lowe's memoization, checking a
// recorded concurrent history of session calls against the sequential
// model of the contract.
//
// An operation has a call and a return stamp from one shared atomic clock
// (so stamp order is real-time order), a kind, its argument and its
// result. The history is linearizable when some order of all operations
// that respects real time (an op that returned before another was called
// comes first) gives, applied one by one to the sequential model, exactly
// the recorded results.
//
// The model (one instance, capacity `capacity`): a set of open sessions
// (the handles the history returned), and the stopped, unavailable and
// terminating flags. Calls on one session come from one thread, so sharing
// violations never arise.
//
// JetTerm is two operations here, as it is two steps in the core: kTerm
// sets the terminating flag (new Begin/Dup get TermInProgress, and so does
// an End on an open session), and kTermDrain force-ends every session
// still open. Between the two, the drain force-ends sessions one by one:
// an End (or a Dup from) a session may then already find it force-ended
// (InvalidSesid). The model allows that: after kTerm, an End or Dup whose
// recorded result is InvalidSesid on an open session closes it (its
// force-end is linearized just before).
#ifndef JETSESSION_TESTS_LINEARIZABILITY_H_
#define JETSESSION_TESTS_LINEARIZABILITY_H_

#include <cstdint>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "jetsession/error.h"

namespace jetsession::testing {

enum class OpKind {
  kBegin,
  kDup,
  kEnd,
  kStop,
  kUnavailable,
  kTerm,
  kTermDrain
};

struct Op {
  OpKind kind;
  std::uint64_t call;  // stamp before the call
  std::uint64_t ret;   // stamp after the return
  int arg = -1;        // session id (index into the history's handles)
  Error result;        // what the call returned
  int out = -1;        // session id it opened, on success
};

class LinearizabilityChecker {
 public:
  explicit LinearizabilityChecker(int capacity) : capacity_(capacity) {}

  // True when `history` (at most 64 operations, at most 64 session ids) is
  // linearizable.
  bool Check(const std::vector<Op>& history) {
    ops_ = &history;
    seen_.clear();
    return Search(0, State{});
  }

 private:
  struct State {
    std::uint64_t open = 0;  // bit per session id
    bool stopped = false;
    bool unavailable = false;
    bool terminating = false;
    bool operator<(const State& o) const {
      return std::tie(open, stopped, unavailable, terminating) <
             std::tie(o.open, o.stopped, o.unavailable, o.terminating);
    }
  };

  // The result the sequential model gives for `op` in `state`, applying it
  // to *next; false when the recorded result is not that.
  bool Apply(const Op& op, const State& state, State* next) const {
    *next = state;
    const int open = __builtin_popcountll(state.open);
    const auto open_error = [&]() {
      if (state.stopped) return Error::kClientRequestToStopJetService;
      if (state.unavailable) return Error::kInstanceUnavailable;
      if (state.terminating) return Error::kTermInProgress;
      if (open >= capacity_) return Error::kOutOfSessions;
      return Error::kSuccess;
    };
    switch (op.kind) {
      case OpKind::kBegin:
      case OpKind::kDup: {
        Error want = Error::kSuccess;
        if (op.kind == OpKind::kDup &&
            (state.open & (std::uint64_t{1} << op.arg)) == 0) {
          want = Error::kInvalidSesid;
        } else if (op.kind == OpKind::kDup && state.terminating &&
                   op.result == Error::kInvalidSesid) {
          // The drain force-ended the source first.
          next->open &= ~(std::uint64_t{1} << op.arg);
          return true;
        } else {
          want = open_error();
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) {
          next->open |= std::uint64_t{1} << op.out;
        }
        return true;
      }
      case OpKind::kEnd: {
        const std::uint64_t bit = std::uint64_t{1} << op.arg;
        Error want = Error::kSuccess;
        if ((state.open & bit) == 0) {
          want = Error::kInvalidSesid;
        } else if (state.terminating && op.result == Error::kInvalidSesid) {
          // The drain force-ended it first.
          next->open &= ~bit;
          return true;
        } else if (state.unavailable) {
          want = Error::kInstanceUnavailable;
        } else if (state.terminating) {
          want = Error::kTermInProgress;
        }
        if (want != op.result) return false;
        if (want == Error::kSuccess) next->open &= ~bit;
        return true;
      }
      case OpKind::kStop:
        next->stopped = true;
        return op.result == Error::kSuccess;
      case OpKind::kUnavailable:
        next->unavailable = true;
        return op.result == Error::kSuccess;
      case OpKind::kTerm:
        next->terminating = true;
        return op.result == Error::kSuccess;
      case OpKind::kTermDrain:
        if (!state.terminating) return false;
        next->open = 0;
        return op.result == Error::kSuccess;
    }
    return false;
  }

  bool Search(std::uint64_t done, const State& state) {
    const auto& ops = *ops_;
    const std::uint64_t all = ops.size() == 64
                                  ? ~std::uint64_t{0}
                                  : (std::uint64_t{1} << ops.size()) - 1;
    if (done == all) return true;
    if (!seen_.insert({done, state}).second) return false;  // Lowe's cache
    // The earliest return among the pending ops bounds which may go next.
    std::uint64_t min_ret = ~std::uint64_t{0};
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if ((done & (std::uint64_t{1} << i)) == 0 && ops[i].ret < min_ret) {
        min_ret = ops[i].ret;
      }
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if ((done & (std::uint64_t{1} << i)) != 0 || ops[i].call > min_ret) {
        continue;
      }
      State next;
      if (Apply(ops[i], state, &next) &&
          Search(done | (std::uint64_t{1} << i), next)) {
        return true;
      }
    }
    return false;
  }

  int capacity_;
  const std::vector<Op>* ops_ = nullptr;
  std::set<std::pair<std::uint64_t, State>> seen_;
};

}  // namespace jetsession::testing

#endif  // JETSESSION_TESTS_LINEARIZABILITY_H_
