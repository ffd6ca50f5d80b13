/* resize.pml: Spin model of capacity at run time (src/slot_pool.h: Resize,
 * Reserve, Release, ReleaseReserved, PayDebt and its payer record,
 * TakeDebt, AddDebt, Free's flag load after its fetch_add, the claims'
 * wait on the resizing hint, CountClaimed's sequence count; and
 * JetExtGetSessionSlot against a paying End).
 *
 * N slots in one word: each a bit (set: claimed, or reserved) and a control
 * state: closed, open (a session; with its bit free, pending: held by its
 * End between the free and its last store), reserved (busy without open:
 * the capacity leaves it out) or releasing (a grow frees it as an End
 * does: open under a generation no handle names). The control word also
 * has a generation, bumped by every open (a handle names one). The word
 * also has the resizing hint (src/'s kHintResizing, a bit here) and a
 * version (bumped by every free and by the reopening; src/ bumps it at the
 * closing too, which changes the word anyway), which a claim's CAS
 * compares. The flag's owing bit, the debt
 * word, the payers' count (clearing) and the reserved count are words of
 * their own. The debt word holds the debt (units owed) and the payer
 * record: NONE, or the slot of the one End whose unit is taken and whose
 * slot is not yet known to be marked reserved (src/ also has the End mark
 * its control word paying, still open, before its CAS, with a tag that is
 * the record's sequence number, and the helpers and the check compare the
 * tag; the model needs neither: a recorded slot stays reserved until a
 * grow, which waits for every payer and helper in flight, so no later
 * session on the slot meets a reader of the record, and the mark, which
 * changes nothing but the tag, reads open to everybody until the
 * record's install).
 * Every statement in an atomic block is one C++ atomic operation (one
 * statement may read or write both parts of the debt word); all are
 * sequentially consistent (the code's orders on these paths are seq_cst,
 * or release/acquire for the reserved count; Relacy checks weaker orders).
 *
 * CLIENTS clients; client c starts holding HELD sessions (c < HELD) and
 * runs ROUNDS rounds: End the session it holds, if any, else Begin. Begin:
 * read the word; wait while it is resizing (TryWord()); pick a free bit
 * whose control word is closed (the claim's filter: pending, reserved and
 * releasing slots are passed over) and CAS it into the word (fails if the
 * word changed since the read: retry); then re-read the control word and
 * open it, or give the bit back (a free that pays no debt). With no free
 * closed slot, the answer is OutOfSessions, decided at one instant (the
 * double collect, checked by full_flag.pml, proves such an instant).
 * End: the fetch_add (bit free, the slot pending), the flag load, and when
 * owing: the debt load; with debt, take the bit back, count itself in
 * clearing, then read the debt word, as many times as it takes:
 *  - no debt: free the bit again (not paid);
 *  - a record: help that payment: read the recorded slot's control word;
 *    if it is open, CAS it to reserved (the CAS compares with the state and
 *    generation read: it fails once the payer or another helper marked
 *    it); then clear the record with a CAS that expects the slot read (its
 *    winner counts the reservation: the reserved count, once per unit);
 *    read again;
 *  - no record: one CAS on the debt word as read takes a unit and records
 *    its own slot (it fails if the debt or the record changed since the
 *    read: read again). The End takes effect there: its slot is reserved
 *    from then on, and the mark only shows it.
 * After its unit: mark its slot reserved (a CAS from open; it fails if a
 * helper marked it), clear its record if it is still there (the winner
 * counts the reservation), uncount. (The owing bit changes with the debt,
 * in the same step: the flag and the debt word are one pair.) An End that took no
 * unit: the control store (the session ends there).
 *
 * The resizer runs CAPS: capacities in turn. Resize: the sequence count
 * (odd), every word closed (resizing), the capacity stored (its
 * linearization point), then a shrink by k: debt += k and owing set in one
 * step, then passes over a snapshot of the word: a pending slot
 * is waited for (another pass), a reserved one skipped, a closed one gets
 * a unit and its bit (a CAS that must find it free); until the debt is paid
 * (owing cleared) or no slot was pending. A grow by k: cancel up to k of
 * the debt (owing cleared when none is left); if more room is needed, wait
 * for clearing to drop, then release reserved slots: releasing, bit freed,
 * closed. Then the word reopened (resizing cleared, version bumped), the
 * sequence count (even). The resizer's units (taken, and given back when
 * the slot's bit was taken meanwhile) and the grow's cancel leave the
 * payer record as it is.
 *
 * Checked (ghosts: sess[i], a session holds slot i, from its claim's CAS to
 * its End's last store; open = their number; cap, the capacity in force):
 *  - exact: a claim that keeps its slot finds open < cap at its CAS; an
 *    OutOfSessions answer finds open >= cap;
 *  - no slot has two sessions (a claim's CAS takes a free bit);
 *  - at rest (every process finished): the bits set are the sessions and
 *    the reserved slots; the reserved count is the number of reserved
 *    slots; reserved + debt = N - cap; a slot is free only when no debt is
 *    owed; the owing bit is set exactly when a debt is owed; no payer is
 *    recorded; the count (bits set - reserved count) is exact;
 *  - JetExtGetSessionSlot (OBSERVER: a process that asks on the handle of
 *    client 0's first session, slot 0 at generation 0; a ghost notes the
 *    instant that session ends: its unit, or its End's control store).
 *    Three reads: the control word (noting whether the session had ended
 *    then), the payer record, the control word again. Invalid if the first
 *    read is not that open session; if the second differs from the first,
 *    Success only if it is still that open session (in src/, a busy bit
 *    may differ; the model has none, so the answer is then Invalid); if
 *    they agree, Invalid if the record names slot 0, else Success (a
 *    record cleared before the second read was cleared after the mark,
 *    which the second read would show). Success implies the session had
 *    not ended when the call began; Invalid implies it has ended by the
 *    answer;
 *  - the count read while only the resizer runs (COUNTER: a process that
 *    reads the sequence count, the word and the reserved count, and again
 *    the sequence count, retrying across a resize) equals the sessions
 *    when no client is in a call (the clients then wait: COUNTER only with
 *    HELD sessions and no rounds).
 *
 * Mutants (each must be caught):
 *  - MUTANT_SHRINK_FORGETS_DEBT: a shrink drops the debt it could not
 *    reserve (src/'s kShrinkForgetsDebt);
 *  - MUTANT_STALE_RESERVE: the shrink's pass does not skip a slot reserved
 *    since its snapshot of the word (an End paid with it), and sets the bit
 *    without checking it is free: reserved twice (a defect of the first
 *    version of src/, found by a stress test);
 *  - MUTANT_GROW_NO_WAIT: a grow releases reserved slots without waiting
 *    for the payers in flight: one that took its unit before the cancel
 *    marks its slot reserved after the pass (the grow falls short; a
 *    defect of the first version, found by a stress test);
 *  - MUTANT_NO_CLOSURE: the resize does not close the word: claims run
 *    through it;
 *  - MUTANT_FREE_IGNORES_OWING: a free does not look at the owing bit
 *    (the debt is paid only by the resizer's pass);
 *  - MUTANT_COUNT_NO_SEQ: the count does not retry across a resize;
 *  - MUTANT_SLOT_NO_RECORD: JetExtGetSessionSlot reads the control word
 *    only (Success when open): a call that begins between a paying End's
 *    unit and its mark answers Success for a session that has ended;
 *  - MUTANT_CLEAR_BEFORE_MARK: a helper clears the record without marking
 *    the slot: a call that reads no record, then the slot still open,
 *    answers Success for a session that has ended (a helper runs only when
 *    a second End pays while the first's record is there);
 *  - MUTANT_PAYER_CLEAR_BEFORE_MARK: the payer clears its record before it
 *    marks its slot: the same.
 */

#ifndef N
#define N 3
#endif
#ifndef CLIENTS
#define CLIENTS 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#ifndef HELD
#define HELD 2
#endif
#ifndef CAP0
#define CAP0 3
#endif
/* The resizer's capacities, in turn (up to 3; NONE ends the list). */
#ifndef CAP1
#define CAP1 1
#endif
#ifndef CAP2
#define CAP2 3
#endif
#ifndef CAP3
#define CAP3 NONE
#endif
#define NONE 255

#define C_CLOSED 0
#define C_OPEN 1
#define C_RESERVED 2
#define C_RELEASING 3

byte bits[N];   /* the word's slot bits */
byte ver = 0;   /* the word's version (modulo 256: no wrap in these runs) */
bit resizing = 0;
byte ctl[N];
byte gen[N];    /* the control word's generation: bumped by every open */
bit sess[N];    /* ghost: a session holds the slot */
byte open = 0;  /* ghost: sessions */
byte cap = CAP0;

bit owing = 0;
byte debt = 0;
byte payer = NONE;  /* the debt word's payer record: a slot, or NONE */
byte clearing = 0;
byte reserved = 0;  /* the reserved count (reserved_) */
byte seq = 0;       /* the resizes' sequence count */
byte done = 0;      /* processes finished */

#ifdef OBSERVER
bit first_ended = 0;  /* ghost: client 0's first session (slot 0) ended */
#define PROCS (CLIENTS + 2)
/* Client 0's first session ends (in its End's round 1). */
#define END_FIRST if :: me == 0 && r == 1 -> first_ended = 1 :: else -> skip fi
#else
#define PROCS (CLIENTS + 1)
#define END_FIRST skip
#endif

/* The flag and the debt word are one pair (src/atomic_pair.h): a step
 * that changes the debt sets or clears the owing bit with it. */
#define OWING_FROM_DEBT if :: debt == 0 -> owing = 0 :: else -> owing = 1 fi

/* Helps the payment recorded for slot p: marks the slot reserved if it is
 * still open (a CAS that compares with the state and generation read: it
 * fails once the payer or another helper marked it), then clears the
 * record (a CAS that expects p; its winner counts the reservation). The
 * slot stays reserved while the helper is counted in clearing (a grow
 * waits for the count before it releases a slot), so no later session
 * reopens it. MUTANT_CLEAR_BEFORE_MARK: the clear alone. */
inline help(p) {
#ifndef MUTANT_CLEAR_BEFORE_MARK
  atomic { c = ctl[p]; g = gen[p] };
  if
  :: c == C_OPEN ->
    atomic {
      if
      :: ctl[p] == C_OPEN && gen[p] == g -> ctl[p] = C_RESERVED
      :: else -> skip
      fi
    }
  :: else -> skip
  fi;
#endif
  atomic {
    if
    :: payer == p -> payer = NONE; reserved++
    :: else -> skip
    fi
  }
}

/* A claim's answer: OutOfSessions only with the capacity reached. */
inline full_answer() {
  assert(open >= cap)
}

proctype Client(byte me) {
  byte held = NONE;
  byte r = 0;
  byte i, c, v, snap, pick, d, p, g;
  bit paid, took;
  if
  :: me < HELD -> held = me
  :: else -> skip
  fi;
  do
  :: r == ROUNDS -> break
  :: else ->
    r++;
    if
    :: held != NONE ->
      /* End of the session on slot `held`: the fetch_add. */
      atomic { bits[held] = 0; ver++ };
#ifdef MUTANT_FREE_IGNORES_OWING
      c = 0;
#else
      atomic { c = owing };
#endif
      paid = 0;
      if
      :: c ->
        atomic { d = debt };
        if
        :: d > 0 ->
          /* ReclaimBit: claims pass a pending slot over, so the bit is
           * still free. */
          atomic { assert(bits[held] == 0); bits[held] = 1 };
          atomic { clearing++ };
          took = 0;
          do
          :: true ->
            /* The debt and the record, one word. */
            atomic { d = debt; p = payer };
            if
            :: d == 0 -> break
            :: d != 0 && p != NONE -> help(p)
            :: d != 0 && p == NONE ->
              /* The unit and the record (a CAS on the word as read): the
               * End takes effect here (its slot reserved from then on; the
               * mark below, or a helper's, only shows it). */
              atomic {
                if
                :: debt == d && payer == NONE ->
                  debt--; OWING_FROM_DEBT; payer = held; took = 1;
                  sess[held] = 0; open--; END_FIRST
                :: else -> skip
                fi
              };
              if
              :: took -> break
              :: else -> skip
              fi
            fi
          od;
          p = NONE; g = 0;  /* (fewer states) */
          if
          :: took ->
            /* Mark the slot reserved (a CAS from its own session's open:
             * fails if a helper marked it; the slot cannot be released and
             * reopened while this End is counted in clearing), then clear
             * the record if it is still there (the winner counts the
             * reservation). */
#ifdef MUTANT_PAYER_CLEAR_BEFORE_MARK
            atomic {
              if
              :: payer == held -> payer = NONE; reserved++
              :: else -> skip
              fi
            };
#endif
            atomic {
              if
              :: ctl[held] == C_OPEN -> ctl[held] = C_RESERVED
              :: else -> assert(ctl[held] == C_RESERVED)
              fi
            };
#ifndef MUTANT_PAYER_CLEAR_BEFORE_MARK
            atomic {
              if
              :: payer == held -> payer = NONE; reserved++
              :: else -> skip
              fi
            };
#endif
            paid = 1
          :: else ->
            atomic { bits[held] = 0; ver++ }
          fi;
          atomic { clearing-- }
        :: else -> skip
        fi
      :: else -> skip
      fi;
      if
      :: !paid ->
        atomic { ctl[held] = C_CLOSED; sess[held] = 0; open--; END_FIRST }
      :: else -> skip
      fi;
      held = NONE
    :: else ->
      /* Begin. */
claim:
      atomic {
        snap = 0;
        for (i : 0 .. N - 1) { if :: bits[i] -> snap = snap | (1 << i) :: else -> skip fi };
        v = ver
      };
#ifndef MUTANT_NO_CLOSURE
      (resizing == 0);  /* wait while a resize runs (re-read after) */
      atomic {
        if
        :: v != ver || resizing -> goto claim
        :: else -> skip
        fi
      };
#endif
      /* The lowest free bit whose control word is closed (the filter). */
      pick = NONE;
      for (i : 0 .. N - 1) {
        if
        :: pick == NONE && (snap & (1 << i)) == 0 ->
          atomic { c = ctl[i] };
          if
          :: c == C_CLOSED -> pick = i
          :: else -> skip
          fi
        :: else -> skip
        fi
      };
      if
      :: pick == NONE ->
        /* No claimable slot in the snapshot: the proof decides at one
         * instant (full_flag.pml), or the word changed: claim again. */
        atomic {
          c = 0;  /* free slots now claimable (their End has finished) */
          for (i : 0 .. N - 1) {
            if
            :: bits[i] == 0 && ctl[i] == C_CLOSED -> c++
            :: else -> skip
            fi
          };
          if
          :: v == ver && (resizing == 0) && c == 0 ->
            full_answer()
          :: else -> goto claim
          fi
        }
      :: else ->
        /* The CAS: the word as it was read (bits, version, resizing). */
        atomic {
          if
          :: v == ver && bits[pick] == 0 &&
#ifndef MUTANT_NO_CLOSURE
             resizing == 0 &&
#endif
             true ->
            bits[pick] = 1;
            /* A claim keeps its slot only if the control word is still
             * closed after the CAS (checked below, after which it opens):
             * the session begins at the CAS. */
            if
            :: ctl[pick] == C_CLOSED ->
              assert(open < cap);
              assert(sess[pick] == 0);
              sess[pick] = 1; open++
            :: else -> skip
            fi
          :: else -> goto claim
          fi
        };
        atomic {
          if
          :: sess[pick] && ctl[pick] == C_CLOSED ->
            ctl[pick] = C_OPEN; gen[pick]++; held = pick
          :: else ->
            /* Give the bit back (a free; it pays no debt). */
            bits[pick] = 0; ver++
          fi
        }
      fi
    fi
  od;
  /* Every session left open is checked at rest. */
  atomic { done++ }
}

inline resize_to(n) {
  atomic { seq++ };
#ifndef MUTANT_NO_CLOSURE
  atomic { resizing = 1 };
#endif
  atomic { old = cap; cap = n };
  if
  :: n < old ->
    /* Reserve(old - n). */
    atomic { debt = debt + (old - n); OWING_FROM_DEBT };
    do
    :: true ->
      pending = 0;
      atomic {
        snap = 0;
        for (i : 0 .. N - 1) { if :: bits[i] -> snap = snap | (1 << i) :: else -> skip fi }
      };
      for (i : 0 .. N - 1) {
        if
        :: (snap & (1 << i)) == 0 && !stop ->
          atomic { d = debt };
          if
          :: d == 0 -> stop = 1
          :: else ->
            atomic { c = ctl[i] };
            if
            :: c == C_OPEN -> pending = 1
#ifndef MUTANT_STALE_RESERVE
            :: c == C_RESERVED -> skip
#endif
            :: else ->
              atomic {
                if
                :: debt > 0 -> debt--; OWING_FROM_DEBT; took = 1
                :: else -> took = 0
                fi
              };
              if
              :: !took -> stop = 1
              :: else ->
                atomic {
                  if
#ifdef MUTANT_STALE_RESERVE
                  :: true -> bits[i] = 1; took = 1  /* a fetch_or */
#else
                  :: bits[i] == 0 -> bits[i] = 1; took = 1
                  :: else -> took = 0
#endif
                  fi
                };
                if
                :: took ->
                  atomic { reserved++ };
                  atomic { ctl[i] = C_RESERVED }
                :: else -> atomic { debt++; OWING_FROM_DEBT }
                fi
              fi
            fi
          fi
        :: else -> skip
        fi
      };
      if
      :: stop -> break
      :: else -> skip
      fi;
      atomic { d = debt };
      if
      :: d == 0 -> break
      :: else -> skip
      fi;
#ifdef MUTANT_SHRINK_FORGETS_DEBT
      if
      :: !pending -> atomic { debt = 0; OWING_FROM_DEBT }; break
      :: else -> skip
      fi;
#endif
      if
      :: !pending -> break
      :: else -> skip
      fi
    od;
    stop = 0
  :: n > old ->
    /* Release(n - old). */
    k = n - old;
    atomic {
      if
      :: debt < k -> c = debt
      :: else -> c = k
      fi;
      debt = debt - c;
      OWING_FROM_DEBT
    };
    k = k - c;
    if
    :: k > 0 ->
#ifndef MUTANT_GROW_NO_WAIT
      (clearing == 0);
#endif
      for (i : 0 .. N - 1) {
        if
        :: k > 0 ->
          atomic { c = ctl[i] };
          if
          :: c == C_RESERVED ->
            k--;
            atomic { reserved-- };
            atomic { ctl[i] = C_RELEASING };
            atomic { bits[i] = 0; ver++ };
            atomic { ctl[i] = C_CLOSED }
          :: else -> skip
          fi
        :: else -> skip
        fi
      }
    :: else -> skip
    fi
  :: else -> skip
  fi;
#ifndef MUTANT_NO_CLOSURE
  atomic { resizing = 0; ver++ };
#endif
  atomic { seq++ }
}

proctype Resizer() {
  byte old, i, c, d, k, snap;
  bit pending, took, stop;
  if :: CAP1 != NONE -> resize_to(CAP1) :: else -> skip fi;
  if :: CAP2 != NONE -> resize_to(CAP2) :: else -> skip fi;
  if :: CAP3 != NONE -> resize_to(CAP3) :: else -> skip fi;
  atomic { done++ }
}

#ifdef OBSERVER
/* JetExtGetSessionSlot on the handle of client 0's first session (slot 0,
 * generation 0). Success: the session is open (it had not ended when the
 * call began); Invalid: it has ended (by the answer). */
proctype Observer() {
  byte c1, g1, c2, g2, pr;
  bit ended_at_start;
  atomic {
    c1 = ctl[0]; g1 = gen[0]; ended_at_start = first_ended;
    if
    :: c1 == C_OPEN && g1 == 0 -> skip
    :: else -> assert(first_ended); goto answered  /* Invalid */
    fi
  };
#ifdef MUTANT_SLOT_NO_RECORD
  assert(!ended_at_start);  /* Success */
#else
  atomic { pr = payer };
  atomic {
    c2 = ctl[0]; g2 = gen[0];
    if
    :: c2 != c1 || g2 != g1 ->
      if
      :: c2 == C_OPEN && g2 == g1 -> assert(!ended_at_start)  /* Success */
      :: else -> assert(first_ended)  /* Invalid */
      fi
    :: else ->
      if
      :: pr == 0 -> assert(first_ended)  /* Invalid: slot 0 is the payer */
      :: else -> assert(!ended_at_start)  /* Success */
      fi
    fi
  };
#endif
answered:
  atomic { done++ }
}
#endif

#ifdef COUNTER
/* JetExtGetSessionCount while only the resizer runs (no client calls). */
proctype Counter() {
  byte s1, s2, n, rsv, i;
  do
  :: true ->
    atomic { s1 = seq };
    if
#ifndef MUTANT_COUNT_NO_SEQ
    :: s1 % 2 == 1 -> skip  /* a resize runs: wait, read again */
#endif
    :: else ->
      n = 0;
      for (i : 0 .. N - 1) { atomic { n = n + bits[i] } };
      atomic { rsv = reserved };
      atomic { s2 = seq };
      if
#ifndef MUTANT_COUNT_NO_SEQ
      :: s2 != s1 -> skip
#endif
      :: else -> assert(n - rsv == open); break
      fi
    fi
  od
}
#endif

init {
  byte i;
  byte sessions = 0;
  byte set = 0;
  byte rs = 0;
  byte fr = 0;
  /* Capacity CAP0: slots CAP0.. reserved; clients below HELD hold slot
   * c (their own). */
  atomic {
    for (i : 0 .. N - 1) {
      if
      :: i >= CAP0 -> bits[i] = 1; ctl[i] = C_RESERVED; reserved++
      :: i < HELD -> bits[i] = 1; ctl[i] = C_OPEN; sess[i] = 1; sessions++
      :: else -> ctl[i] = C_CLOSED
      fi
    };
    open = sessions;
    for (i : 0 .. CLIENTS - 1) { run Client(i) };
    run Resizer();
#ifdef OBSERVER
    run Observer();
#endif
#ifdef COUNTER
    run Counter();
#endif
  };
  (done == PROCS);
  /* At rest. */
  atomic {
    for (i : 0 .. N - 1) {
      set = set + bits[i];
      if :: ctl[i] == C_RESERVED -> rs++; assert(bits[i] == 1) :: else -> skip fi;
      if :: sess[i] -> assert(bits[i] == 1 && ctl[i] == C_OPEN) :: else -> skip fi;
      if :: bits[i] == 0 -> fr++; assert(ctl[i] == C_CLOSED) :: else -> skip fi
    };
    assert(set == open + rs);
    assert(reserved == rs);
    assert(rs + debt == N - cap);
    assert(fr == 0 || debt == 0);
    assert(owing == (debt != 0));
    assert(payer == NONE);
    assert(set - reserved == open)
  }
}
