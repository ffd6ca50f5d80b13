/* shrink_records.pml: Spin model of a protocol for a shrink that holds
 * nobody up: the shrink half of a lock-free JetExtSetMaxSessions.
 * With HELPED it is src/'s shrink (SlotPool::Resize(), HelpShrink()): the
 * resizer publishes a descriptor (its units and the epoch it starts),
 * hints the word for that epoch, then adds the units and steps the epoch
 * in one step of G (its linearization point); a claim that finds the word
 * hinted for an epoch G has not reached does those steps itself, so no
 * claim record is needed (a claim whose hint was read before the shrink
 * looks again: src/'s claim CAS expects the word as read, whose version
 * the hint stepped); from there on, as below. STALL stops the resizer for
 * good right after its hint. MUTANT_HOLD (src/'s kShrinkHoldsClaims):
 * claims wait for the resizer instead of helping; with STALL, for ever.
 * Without HELPED it is the design with claim records, which src/ does not
 * have (grow_units.pml is the grow half; src/'s grow closes the words for
 * its whole run, as resize.pml models).
 *
 * The protocol. As in grow_units.pml, a word G beside the full flag holds
 * the debt D (units a shrink still owes), the shrink epoch, a sequence
 * number and at most one record (kind, slot), changed by CAS. A helper
 * step writes a control word (its state compared, with a tag: the
 * sequence number its record has or would have, on top of the generation
 * that src/ compares) or G, never a pool word: a pool word's bits are
 * written by their owners alone (a claim its bit, an End its free) and its
 * hint by the resizer alone, so a helper that wakes late harms nobody.
 *  - A shrink by k hints every word (the hint is 1 + the parity of the
 *    epoch it will start), then adds k to D and steps the epoch in one CAS
 *    of G: its linearization point (a pending record is no obstacle: a
 *    claim record's session began at its install, a payment's unit was
 *    taken there). It then pays the debt with free slots (as a claimer
 *    does, below) and, once D is 0, clears the hints. While D > 0 they
 *    stay: the claims in those words read G, one load more.
 *  - A claim in an unhinted word is src/'s fast path: one CAS of the word.
 *  - A claim in a hinted word reads G. A record: finish it, look again.
 *    D = 0 and the word's hint is the epoch's (no shrink on its way): a
 *    plain CAS of the word, which expects the hint read (a shrink hints
 *    the word again before its linearization point, and the CAS fails).
 *    Otherwise the claimer marks a free closed slot's control word
 *    (claiming, tag q = the sequence number read + 1) and settles the mark
 *    (below): with D = 0, the record's CAS of G is the claim's
 *    linearization point (the session begins there); the record is then
 *    finished by anyone (claiming -> granted, the record cleared), and the
 *    claimer sets its bit (a granted slot's bit is nobody else's to set)
 *    and opens the slot. With D > 0 the claimer pays a unit instead: a
 *    paymark, settled with D - 1, finished as reserved (its bit stays
 *    free: a reserved slot is known by its control word); then it looks
 *    again.
 *  - Settling a mark of tag q = the sequence number + 1 (anyone: the
 *    marker, or a prover that finds it): one CAS of G that installs its
 *    record if it still may (a claiming mark with D = 0, a paymark with
 *    D > 0 and its bit free), else only steps the sequence number. A mark
 *    of a passed tag that no record names is undone by anyone. So a marker
 *    that stops for good blocks nobody, and two callers never undo each
 *    other's marks for ever: a mark is undone without a record only after
 *    D went from 0 to more (a shrink) or back to 0 (the debt paid).
 *  - An End frees its bit, reads G and, with D > 0, pays a unit with its
 *    own slot: marks it paying (still open), installs its record (D - 1:
 *    the End takes effect there, its slot reserved from then on), and
 *    anyone marks it reserved and clears the record; with D = 0 (or none
 *    left at the install) it stores the slot closed. (An End that stores
 *    its slot closed whatever D would do no harm: the debt counts against
 *    the free slots, and a claimer pays with them first. The End pays so
 *    that the debt goes down as the sessions end, and no one Begin pays
 *    it all.)
 *  - A proof of "full" is one atomic step here (full_flag.pml checks the
 *    double collect; the step reads G as the promote's CAS would) taken
 *    with no record in G: the available slots are those with their bit
 *    free and a control word closed or marked (claiming or paymark: its
 *    settling makes it a session, or a paid unit, in the CAS that counts
 *    it); the answer is OutOfSessions when they are not more than D.
 *
 * Checked (ghosts: open, the sessions open, from a claim's CAS or a claim
 * record's install to the End's store or unit; cap, the capacity in force):
 *  - exact: every session begins with open < cap; every OutOfSessions
 *    answer finds open >= cap;
 *  - a claimer opens a slot only when its own record was installed;
 *  - nobody waits for the resizer: with STALL it stops for good right
 *    after its linearization point (with HELPED, after its hint, before
 *    that point; its word stays hinted, the debt unpaid by it), and every
 *    client still finishes (no invalid end state);
 *  - at rest: no record; available - D = cap - open; reserved + D =
 *    N - cap.
 * Mutants (each must be caught):
 *  - MUTANT_PLAIN_IN_NEXT: a claim in a word hinted for the next epoch is
 *    a plain CAS (no record): it can land after the shrink's linearization
 *    point;
 *  - MUTANT_HINTLESS_SHRINK: the shrink does not hint the words (a fast
 *    claim lands after its linearization point);
 *  - MUTANT_MARK_BLOCKS: a prover counts a mark as unavailable
 *    (OutOfSessions beside a marker that stopped);
 *  - MUTANT_SETTLE_ANY: settling installs a claiming mark's record
 *    whatever D (the check that D is still 0 left out).
 */

#ifndef N
#define N 3
#endif
#ifndef CAP0
#define CAP0 3
#endif
#ifndef K1
#define K1 1 /* the first shrink */
#endif
#ifndef K2
#define K2 0 /* a second shrink, 0: none */
#endif
#ifndef CLIENTS
#define CLIENTS 2
#endif
#ifndef HELD
#define HELD 2 /* clients 0..HELD-1 start with a session on slot c */
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#define NONE 255

/* control states */
#define CLOSED 0
#define OPEN 1     /* a session (bit free: pending, its End's window) */
#define RESERVED 2
#define CLAIMING 3 /* tag: the claim record's sequence number */
#define GRANTED 4  /* a claim record's session, not yet opened by its claimer */
#define PAYMARK 5  /* a free slot marked to pay a unit (tag) */
#define PAYING 6   /* an End's slot marked to pay a unit (tag; still open) */

/* record kinds */
#define RNONE 0
#define RCLAIM 1
#define RPAYFREE 2
#define RPAYEND 3

bit bits[N];
byte hint;     /* 0, or 1 + the parity of the epoch it is for */
byte ver;      /* the word's version (grows; no wrap in the model) */
byte ctl[N];
byte tag[N];
/* G */
byte D;
byte epoch;
byte seq;
byte rkind;
byte rslot;
/* ghosts */
/* the shrink's descriptor (HELPED): its units and the epoch it starts */
byte dk;
byte de;
byte cap = CAP0;
byte open = HELD;
byte finished;
bool resizer_done;

#define HINT_OF(e) (1 + ((e) % 2))
#define AVAILABLE(i) (bits[i] == 0 && \
  (ctl[i] == CLOSED || ctl[i] == CLAIMING || ctl[i] == PAYMARK))

/* Undoes the marks whose record never came (their tag has passed, and no
 * record names them). */
inline undo_dead_marks() {
  j = 0;
  do
  :: j < N ->
     atomic {
       if
       :: (ctl[j] == CLAIMING || ctl[j] == PAYMARK) && tag[j] <= seq &&
          !(rkind != RNONE && rslot == j && tag[j] == seq) ->
          ctl[j] = CLOSED
       :: else -> skip
       fi
     };
     j++
  :: else -> break
  od
}

/* Settles the mark on slot `m` if it is live (its tag the next sequence
 * number) and no record is pending: one CAS of G. */
inline settle(m) {
  atomic {
    if
    :: rkind == RNONE && tag[m] == seq + 1 && ctl[m] == CLAIMING ->
#ifdef MUTANT_SETTLE_ANY
       if
       :: true ->
#else
       if
       :: D == 0 ->
#endif
          /* the claim's linearization point */
          assert(open < cap); open++;
          rkind = RCLAIM; rslot = m
       :: else -> skip
       fi;
       seq++
    :: rkind == RNONE && tag[m] == seq + 1 && ctl[m] == PAYMARK ->
       if
       :: D > 0 && bits[m] == 0 -> D--; rkind = RPAYFREE; rslot = m
       :: else -> skip
       fi;
       seq++
    :: else -> skip
    fi
  }
}

/* Finishes the record read as (hk, hs, hq): the control word, then G. */
inline help(hk, hs, hq) {
  atomic {
    if
    :: hk == RCLAIM && ctl[hs] == CLAIMING && tag[hs] == hq -> ctl[hs] = GRANTED
    :: (hk == RPAYFREE && ctl[hs] == PAYMARK || hk == RPAYEND && ctl[hs] == PAYING) &&
       tag[hs] == hq -> ctl[hs] = RESERVED
    :: else -> skip
    fi
  };
  atomic {
    if
    :: rkind == hk && rslot == hs && seq == hq -> rkind = RNONE
    :: else -> skip
    fi
  }
}

/* Finishes the pending record, if any (read now). */
inline help_pending() {
  atomic { rq = seq; rk = rkind; rs = rslot };
  if
  :: rk != RNONE -> help(rk, rs, rq)
  :: else -> skip
  fi
}

/* The lowest free closed slot, or NONE (read now). */
inline find_free() {
  atomic {
    s = NONE; j = 0;
    do
    :: j < N ->
       if
       :: s == NONE && bits[j] == 0 && ctl[j] == CLOSED -> s = j
       :: else -> skip
       fi;
       j++
    :: else -> break
    od
  }
}

/* Marks free slot s with `kind` and the next tag, then settles the mark
 * (finishing any record in the way) until it is decided: installed
 * (`won`: the claim begun, or the unit paid; its record finished), or
 * passed by the sequence number without a record (undone). */
inline mark_and_settle(kind) {
  won = false;
  atomic {
    if
    :: ctl[s] == CLOSED && bits[s] == 0 -> ctl[s] = kind; tag[s] = seq + 1; mq = seq + 1
    :: else -> mq = NONE
    fi
  };
  if
  :: mq != NONE ->
     do
     :: atomic {
          won = (rkind != RNONE && rslot == s && seq == mq) ||
                (tag[s] == mq && (ctl[s] == GRANTED || ctl[s] == RESERVED));
          passed = !won && seq >= mq
        };
        if
        :: won -> rk = (kind == CLAIMING -> RCLAIM : RPAYFREE); help(rk, s, mq); break
        :: passed -> undo_dead_marks(); break /* passed: undone */
        :: else -> help_pending(); settle(s); help_pending()
        fi
     od
  :: else -> skip
  fi
}

/* src/'s HelpShrink(): hint the word for the descriptor's epoch, then add
 * its units and step the epoch in one CAS of G, each step only while the
 * shrink has not taken effect. */
inline help_shrink() {
  atomic {
    if
    :: epoch != de && hint != HINT_OF(de) -> hint = HINT_OF(de); ver++
    :: else -> skip
    fi
  };
  atomic {
    if
    :: epoch != de -> D = D + dk; epoch = de; cap = cap - dk
    :: else -> skip
    fi
  }
}

proctype Client(byte me) {
  byte mine = NONE, round = 0;
  byte s, j, r, rd, rq, rk, rs, re, wh, wv, mq;
  bool won, done, passed;
  if
  :: me < HELD -> mine = me
  :: else -> skip
  fi;
  do
  :: round >= ROUNDS && mine == NONE -> break
  :: mine != NONE ->
     /* End */
     s = mine;
     mine = NONE;
     atomic { bits[s] = 0; ver++ }; /* the free: pending, still open */
end_again:
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot };
     if
     :: rd == 0 -> atomic { ctl[s] = CLOSED; open-- }
     :: rd > 0 && rk != RNONE -> help(rk, rs, rq); goto end_again
     :: rd > 0 && rk == RNONE ->
        atomic { ctl[s] = PAYING; tag[s] = rq + 1 };
        atomic {
          if
          :: rkind == RNONE && seq == rq && D > 0 ->
             D--; seq = rq + 1; rkind = RPAYEND; rslot = s;
             open--; /* the End takes effect: its slot pays the unit */
             won = true
          :: else -> won = false
          fi
        };
        if
        :: won -> help(RPAYEND, s, rq + 1)
        :: else ->
           atomic { ctl[s] = OPEN }; /* unmarked: still open, not paid */
           goto end_again
        fi
     fi;
     round++
  :: round < ROUNDS && mine == NONE ->
     /* Begin */
begin_again:
     atomic { wh = hint; wv = ver };
     find_free();
     if
     :: wh == 0 && s != NONE ->
        /* the fast path: one CAS of the word */
        atomic {
          if
          :: hint == wh && ver == wv && bits[s] == 0 && ctl[s] == CLOSED ->
             bits[s] = 1; ctl[s] = OPEN; assert(open < cap); open++;
             mine = s
          :: else -> skip
          fi
        };
        if
        :: mine != NONE -> goto begun
        :: else -> goto begin_again
        fi
     :: wh == 0 && s == NONE -> goto prove
     :: else -> skip
     fi;
     /* a hinted word: read G */
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot; re = epoch };
#ifdef HELPED
     /* src/: a word hinted for an epoch G has not reached: the shrink is
      * about to take effect; help it (MUTANT_HOLD: wait for the resizer) */
     if
     :: wh != HINT_OF(re) ->
#ifdef MUTANT_HOLD
        (epoch != re);
#else
        help_shrink();
#endif
        goto begin_again
     :: else -> skip
     fi;
#endif
     if
     :: rk != RNONE -> help(rk, rs, rq); goto begin_again
     :: s == NONE -> goto prove
     :: else -> skip
     fi;
#ifdef MUTANT_PLAIN_IN_NEXT
     if
     :: rd == 0 ->
#else
     if
     :: rd == 0 && wh == HINT_OF(re) ->
#endif
        /* the epoch's own hint: a plain CAS expecting the hint read */
        atomic {
          if
          :: hint == wh && ver == wv && bits[s] == 0 && ctl[s] == CLOSED ->
             bits[s] = 1; ctl[s] = OPEN; assert(open < cap); open++; mine = s
          :: else -> skip
          fi
        };
        if
        :: mine != NONE -> goto begun
        :: else -> goto begin_again
        fi
     :: rd > 0 ->
        /* pay a unit with the free slot, then look again */
        mark_and_settle(PAYMARK);
        goto begin_again
     :: else ->
        /* a shrink on its way: a claim record */
        mark_and_settle(CLAIMING);
        if
        :: won ->
           /* the bit is ours alone to set; then open the slot */
           atomic { assert(bits[s] == 0); bits[s] = 1 };
           atomic { assert(ctl[s] == GRANTED && tag[s] == mq); ctl[s] = OPEN; mine = s };
           goto begun
        :: else -> goto begin_again
        fi
     fi;
prove:
     /* the proof, with no record in G: live marks settled, dead ones
      * undone first */
     help_pending();
     j = 0;
     do
     :: j < N -> settle(j); j++
     :: else -> break
     od;
     help_pending();
     undo_dead_marks();
     atomic {
       r = 0; j = 0;
       do
       :: j < N ->
#ifdef MUTANT_MARK_BLOCKS
          if :: bits[j] == 0 && ctl[j] == CLOSED -> r++ :: else -> skip fi;
#else
          if :: AVAILABLE(j) -> r++ :: else -> skip fi;
#endif
          j++
       :: else -> break
       od;
       if
       :: rkind == RNONE && r <= D -> assert(open >= cap); done = true
       :: else -> done = false
       fi
     };
     if
     :: done -> goto begun /* OutOfSessions */
     :: else -> goto begin_again
     fi;
begun:
     round++
  od;
  atomic { finished++ }
}

inline shrink(k) {
#if defined(HELPED)
  /* src/: the descriptor published, the word hinted, then the
   * linearization point, each helped by the claims (help_shrink()); with
   * STALL the resizer stops for good after the hint */
  atomic { dk = k; de = epoch + 1 };
  atomic {
    if
    :: epoch != de && hint != HINT_OF(de) -> hint = HINT_OF(de); ver++
    :: else -> skip
    fi
  };
#ifndef STALL
  help_shrink();
#endif
#else
#ifndef MUTANT_HINTLESS_SHRINK
  atomic { hint = HINT_OF(epoch + 1) };
#endif
  /* the linearization point: one CAS of G (a pending record is no
   * obstacle: a claim record's session began at its install, a unit's
   * payment too) */
  atomic { D = D + k; epoch++; cap = cap - k };
#endif
#ifndef STALL
  /* pay with free slots while there are some */
  do
  :: D == 0 -> break
  :: else ->
     help_pending();
     find_free();
     if
     :: s == NONE -> break /* none free: the sessions owe the rest */
     :: else -> mark_and_settle(PAYMARK)
     fi
  od;
  if
  :: D == 0 -> atomic { hint = 0; ver++ }
  :: else -> skip
  fi
#endif
}

proctype Resizer() {
  byte s, j, rq, rk, rs, mq;
  bool won, done, passed;
  shrink(K1);
#ifndef STALL
  if
  :: K2 > 0 -> shrink(K2)
  :: else -> skip
  fi;
#endif
  resizer_done = true
}

init {
  byte i, r, res;
  atomic {
    i = 0;
    do
    :: i < N ->
       if
       :: i < HELD -> bits[i] = 1; ctl[i] = OPEN
       :: else -> skip
       fi;
       i++
    :: else -> break
    od;
    run Resizer();
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od
  };
  (finished == CLIENTS);
#ifndef STALL
  (resizer_done);
#endif
  atomic {
    assert(rkind == RNONE);
    r = 0; res = 0; i = 0;
    do
    :: i < N ->
       if :: AVAILABLE(i) -> r++ :: else -> skip fi;
       if :: ctl[i] == RESERVED -> res++ :: else -> skip fi;
       i++
    :: else -> break
    od;
    assert(r - D == cap - open);
    assert(res + D == N - cap)
  }
}
