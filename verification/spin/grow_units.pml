/* grow_units.pml: Spin model of a protocol for a grow that serves the
 * waiting callers without holding anybody up. It is the design of the part
 * of a lock-free JetExtSetMaxSessions that src/ does not have yet (there,
 * Resize() closes the words, and Begins wait for it: docs/design.md, "Not
 * lock-free during a resize"); resize.pml models what src/ does.
 *
 * The protocol. The pool's full flag and a second word G form one 16-byte
 * pair, changed by one compare-exchange (cmpxchg16b): the flag holds the
 * full state and the tickets (tail, head), G the capacity in force and the
 * grow's room, counted in units. Only owners write the pool words (a claim
 * its bit, an End its free): every step that a helper may do writes a
 * control word (compared with its generation, which never wraps) or the
 * pair, so a helper stalled for as long as it likes can do no harm when it
 * wakes. The grow:
 *  - before its linearization point, lists k reserved slots (L[], written
 *    by the grower alone: reserved -> listed, bit set; nobody else touches
 *    a listed slot until G counts its unit);
 *  - its linearization point is one CAS of the pair: the capacity grows by
 *    k and G counts k units, the next one u = 0;
 *  - each unit then goes, in order, to the oldest queued ticket or, with
 *    none queued, to the pool. One CAS of the pair records the decision
 *    (a ticket: the head taken, the record names it; the pool: a pool
 *    record), then the record's steps are done by whoever comes: a
 *    ticket's record commits slot L[u] to the ticket's cell (ready ->
 *    delivered), opens the slot for the waiter (listed -> open) and
 *    publishes the cell; a pool record makes the slot claimable (listed ->
 *    claimable: its bit stays set, and a claim takes it by a CAS of its
 *    control word). A last CAS of the pair ends the record: the unit is
 *    used (u + 1), or, when the ticket's waiter had cancelled its cell, the
 *    record is dropped and the same unit goes to the next ticket or the
 *    pool;
 *  - the grower does these steps, and so does every caller that finds the
 *    pool full while a unit is left (a prover helps instead of answering
 *    OutOfSessions, and a queuing caller instead of taking a ticket), and a
 *    waiter that finds its own ticket in a record, or that leaves while a
 *    unit is left. So the grower may stop for good after its
 *    linearization point (STALL): nobody waits for it.
 * Everything else is the protocol of src/ as wait_queue.pml models it, at
 * the level of its steps: a claim takes a free bit whose control word is
 * closed (one CAS), or a claimable slot (one CAS of its control word); a
 * proof that the pool is full is one atomic step (full_flag.pml checks the
 * double collect that makes it one instant; here the step also reads G,
 * as the promote's CAS of the pair does); a waiting caller takes a ticket
 * only with the flag verified, in the CAS that verifies it, and only on a
 * proof that found no pending slot (a slot whose End has freed its bit
 * and not yet stored: that End read the flag before it was set); an End frees
 * its bit, reads the pair, and with the flag verified hands its slot to
 * the head ticket (the bit taken back, the head taken, the cell committed,
 * the slot opened for the waiter, the cell published), passes over a
 * cancelled ticket, or clears the flag and frees; a waiter whose deadline
 * passed (TIMEOUTS) reads the pair, waits for a slot if its ticket was
 * taken, helps while a unit is left, and else cancels its cell (a slot
 * committed first is taken instead).
 *
 * Checked (ghosts: open, the sessions open, a delivered grant counted from
 * its commit; cap, the capacity in force):
 *  - exact: every session begins with open < cap (a claim, a claimable
 *    slot's claim, a unit's commit); an End's hand-off moves its session;
 *    every OutOfSessions answer (a Begin's, or a waiter's whose deadline
 *    passed, at the read that decided it) finds open >= cap;
 *  - first come, first served: a caller that is not waiting gets a session
 *    only when no ticket taken before its call began is still queued and
 *    live (not taken by a hand-off or a unit, not cancelled);
 *  - nobody waits for the grower: with STALL it stops after its
 *    linearization point, and every caller still returns (no invalid end
 *    state); without TIMEOUTS no waiter is left blocked. One exception,
 *    shown by HOLDER (client 0 keeps its session until every other client
 *    has finished) with STALL and without TIMEOUTS: a waiter queued
 *    before the linearization point that nobody else comes to help sleeps
 *    until its deadline (it blocks on its cell, which only a unit's record
 *    changes), though room is there; with a deadline (TIMEOUTS) it leaves,
 *    helps, and gets the unit;
 *  - at rest: no unit left, the room (cap - open) is the free closed slots
 *    and the claimable ones, and the reserved slots are N - cap.
 * Mutants (each must be caught):
 *  - MUTANT_PROVER_IGNORES_UNITS: a proof answers full while a unit is
 *    left (with the grower stalled, the room is never seen);
 *  - MUTANT_UNIT_SKIPS_QUEUE: a unit goes to the pool with tickets queued;
 *  - MUTANT_NO_RECORD: a helper decides ticket or pool from its own read
 *    and acts on it, with no record in G (two helpers: the slot goes to a
 *    ticket and to the pool);
 *  - MUTANT_CANCEL_USES_UNIT: a cancelled cell uses up the unit;
 *  - MUTANT_LEAVE_IGNORES_UNITS: a waiter whose deadline passed cancels
 *    while a unit is left (it answers OutOfSessions beside room that is
 *    on its way to it).
 */

#ifndef N
#define N 3 /* slots */
#endif
#ifndef CAP0
#define CAP0 1 /* the capacity before the grow: slots CAP0..N-1 reserved */
#endif
#ifndef CAP1
#define CAP1 2 /* the grow's target */
#endif
#ifndef CLIENTS
#define CLIENTS 3
#endif
#ifndef HELD
#define HELD 1 /* clients 0..HELD-1 start with a session on slot c */
#endif
#ifndef WAITERS
#define WAITERS 1 /* clients HELD..HELD+WAITERS-1 wait; the others do not */
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#define K (CAP1 - CAP0)
#define MAXT 6 /* tickets */
#define NONE 255
#define POOLREC 254

/* control states */
#define CLOSED 0
#define OPEN 1 /* a session (with its bit free: pending, its End's window) */
#define RESERVED 2
#define LISTED 3
#define CLAIMABLE 4

/* cell states */
#define READY 0
#define DELIVERED 1
#define PUBLISHED 2
#define CANCELLED 3
#define TAKEN 4

bit bits[N];
byte ctl[N];
/* the pair: flag (verified, tail, head) and G (cap, units, u, rec) */
bool verified;
byte tail;
byte head;
byte cap = CAP0;
byte units;
byte u;
byte rec = NONE;
byte L[K + 1];
byte cell[MAXT];
byte cslot[MAXT];
/* ghosts */
byte open = HELD;
bool cancelled[MAXT];
byte finished;
bool grown;
bool growerdone;

inline count_room(r) {
  r = 0;
  i = 0;
  do
  :: i < N ->
     if
     :: (bits[i] == 0 && ctl[i] == CLOSED) || ctl[i] == CLAIMABLE -> r++
     :: else -> skip
     fi;
     i++
  :: else -> break
  od
}

/* no live ticket below `before` is still queued (head passed it, or its
 * waiter cancelled) */
inline check_fifo(before) {
  i = head;
  do
  :: i < before -> assert(cancelled[i]); i++
  :: else -> break
  od
}

/* One step of the grow's units, from the pair as read (atomically) now.
 * `helped` is set when there was a unit left. */
inline unit_step() {
  atomic {
    helped = (u < units);
    ru = u;
    rr = rec;
    rt = head;
    rq = (head < tail)
  };
  if
  :: !helped -> skip
#ifdef MUTANT_NO_RECORD
  :: helped && rq ->
     atomic { if :: head == rt && u == ru -> head++ :: else -> skip fi };
     atomic {
       if
       :: cell[rt] == READY -> assert(open < cap); open++;
          assert(ctl[L[ru]] == LISTED);
          cell[rt] = DELIVERED; cslot[rt] = L[ru]
       :: else -> skip
       fi
     };
     atomic { if :: ctl[L[ru]] == LISTED -> ctl[L[ru]] = OPEN :: else -> skip fi };
     atomic { if :: cell[rt] == DELIVERED && ctl[cslot[rt]] == OPEN -> cell[rt] = PUBLISHED :: else -> skip fi };
     atomic { if :: u == ru -> u++ :: else -> skip fi }
  :: helped && !rq ->
     atomic { if :: ctl[L[ru]] == LISTED -> ctl[L[ru]] = CLAIMABLE :: else -> skip fi };
     atomic { if :: u == ru -> u++ :: else -> skip fi }
#else
  :: helped && rr == NONE ->
     /* decide: one CAS of the pair, expecting it as read */
     atomic {
       if
       :: u == ru && rec == NONE && head == rt ->
#ifdef MUTANT_UNIT_SKIPS_QUEUE
          rec = POOLREC
#else
          if
          :: head < tail -> rec = head; head++
          :: else -> rec = POOLREC
          fi
#endif
       :: else -> skip
       fi
     }
  :: helped && rr == POOLREC ->
     atomic { if :: ctl[L[ru]] == LISTED -> ctl[L[ru]] = CLAIMABLE :: else -> skip fi };
     atomic { if :: u == ru && rec == POOLREC -> u++; rec = NONE :: else -> skip fi }
  :: helped && rr < MAXT ->
     /* a ticket's record: commit, open, publish, end the record */
     atomic {
       if
       :: cell[rr] == READY ->
          assert(open < cap); open++;
          assert(ctl[L[ru]] == LISTED); /* no session, not claimable */
          cell[rr] = DELIVERED; cslot[rr] = L[ru]
       :: else -> skip
       fi
     };
     atomic {
       if
       :: cell[rr] == DELIVERED && cslot[rr] == L[ru] && ctl[L[ru]] == LISTED ->
          ctl[L[ru]] = OPEN
       :: else -> skip
       fi
     };
     atomic {
       if
       :: cell[rr] == DELIVERED && cslot[rr] == L[ru] && ctl[L[ru]] == OPEN ->
          cell[rr] = PUBLISHED
       :: else -> skip
       fi
     };
     atomic {
       if
       :: u == ru && rec == rr ->
          if
          :: cell[rr] == CANCELLED ->
#ifdef MUTANT_CANCEL_USES_UNIT
             u++;
#endif
             rec = NONE
          :: cell[rr] == PUBLISHED || cell[rr] == TAKEN -> u++; rec = NONE
          :: else -> skip /* not published yet: another helper is on it */
          fi
       :: else -> skip
       fi
     }
#endif
  fi
}

proctype Client(byte me) {
  byte mine = NONE; /* the slot of the session held */
  byte round = 0;
  byte t, s, i, r, ru, rr, rt, start, c0;
  bool helped, rq, waiting;
  if
  :: me < HELD -> mine = me
  :: else -> skip
  fi;
  waiting = (me >= HELD && me < HELD + WAITERS);
  do
  :: round >= ROUNDS && mine == NONE -> break
  :: mine != NONE -> /* a session is always ended, rounds or not */
#ifdef HOLDER
     if
     :: me == 0 -> (finished == CLIENTS - 1) /* the holder ends last */
     :: else -> skip
     fi;
#endif
     /* End */
     s = mine;
     mine = NONE;
     atomic { bits[s] = 0 }; /* the free: the slot pending (still open) */
end_again:
     atomic { rq = verified; t = head; r = tail };
     if
     :: !rq -> atomic { ctl[s] = CLOSED; open-- }
     :: rq && t == r ->
        atomic { if :: verified && head == tail -> verified = false :: else -> skip fi };
        goto end_again
     :: rq && t < r ->
        atomic { assert(bits[s] == 0); bits[s] = 1 }; /* the bit back */
        atomic {
          if
          :: head == t -> head++ /* took ticket t */
          :: else -> t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0 }; goto end_again
        :: else -> skip
        fi;
        atomic {
          if
          :: cell[t] == READY ->
             cell[t] = DELIVERED; cslot[t] = s /* the session moves */
          :: else -> assert(cell[t] == CANCELLED); t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0 }; goto end_again
        :: else -> cell[t] = PUBLISHED
        fi
     fi;
     round++
  :: round < ROUNDS && mine == NONE ->
     /* Begin (a waiting one when `waiting`) */
     start = tail;
begin_again:
     atomic {
       /* a free closed slot, or a claimable one */
       s = NONE;
       i = 0;
       do
       :: i < N ->
          if
          :: s == NONE &&
             ((bits[i] == 0 && ctl[i] == CLOSED) || ctl[i] == CLAIMABLE) -> s = i
          :: else -> skip
          fi;
          i++
       :: else -> break
       od;
       if
       :: s != NONE ->
          assert(open < cap);
          check_fifo(start);
          bits[s] = 1; ctl[s] = OPEN; open++; mine = s
       :: else -> skip
       fi
     };
     if
     :: mine != NONE -> goto begun
     :: else -> skip
     fi;
     /* the pool was full at that step: help a unit if one is left */
     unit_step();
     if
     :: helped -> goto begin_again
     :: else -> skip
     fi;
     if
     :: !waiting ->
        /* the proof: full at one instant that also reads G */
        atomic {
          count_room(r);
#ifdef MUTANT_PROVER_IGNORES_UNITS
          if
          :: r == 0 -> assert(open >= cap); t = NONE
          :: else -> t = 0
          fi
#else
          if
          :: r == 0 && u == units -> assert(open >= cap); t = NONE
          :: else -> t = 0
          fi
#endif
        };
        if
        :: t == 0 -> goto begin_again
        :: else -> goto begun /* OutOfSessions */
        fi
     :: else -> skip
     fi;
     /* a waiting caller: verify and take a ticket in one CAS of the pair.
      * A proof that counted a pending slot (its End between the free and
      * the store) is not promoted (src/: kPromotePendingProof): the caller
      * proves again. */
     atomic {
       count_room(r);
       i = 0;
       do
       :: i < N -> if :: bits[i] == 0 && ctl[i] == OPEN -> r++ :: else -> skip fi; i++
       :: else -> break
       od;
       if
       :: r == 0 && u == units && tail < MAXT ->
          assert(open >= cap);
          verified = true; t = tail; tail++
       :: else -> t = NONE
       fi
     };
     if
     :: t == NONE -> goto begin_again
     :: else -> skip
     fi;
     /* wait for the cell */
     do
     :: atomic { cell[t] == PUBLISHED -> cell[t] = TAKEN; mine = cslot[t] }; break
     :: rec == t -> unit_step() /* my own ticket in a record */
#ifdef TIMEOUTS
     :: cell[t] != PUBLISHED ->
        /* the deadline: leave */
leave_again:
        atomic { ru = u; rr = units; rt = head; i = open; c0 = cap };
        if
        :: rt > t ->
           /* taken: wait for the slot, helping a record of it */
           do
           :: atomic { cell[t] == PUBLISHED -> cell[t] = TAKEN; mine = cslot[t] }; break
           :: rec == t -> unit_step()
           od;
           break
#ifndef MUTANT_LEAVE_IGNORES_UNITS
        :: rt <= t && ru < rr -> unit_step(); goto leave_again
#endif
        :: else ->
           atomic {
             if
             :: cell[t] == READY -> cell[t] = CANCELLED; cancelled[t] = true;
                assert(i >= c0) /* full at the read that decided */
             :: else -> skip
             fi
           };
           if
           :: cancelled[t] -> break /* OutOfSessions */
           :: else ->
              do
              :: atomic { cell[t] == PUBLISHED -> cell[t] = TAKEN; mine = cslot[t] }; break
              :: rec == t -> unit_step()
              od;
              break
           fi
        fi
#endif
     od;
begun:
     round++
  od;
  atomic { finished++ }
}

proctype Grower() {
  byte i, n = 0, ru, rr, rt, r;
  bool helped, rq;
  /* list K reserved slots (the grower alone writes them) */
  i = 0;
  do
  :: n < K && i < N ->
     if
     :: ctl[i] == RESERVED -> ctl[i] = LISTED; L[n] = i; n++
     :: else -> skip
     fi;
     i++
  :: else -> break
  od;
  /* the linearization point: one CAS of the pair */
  atomic { cap = CAP1; units = K; u = 0; rec = NONE; grown = true };
#ifndef STALL
  do
  :: u < units -> unit_step()
  :: else -> break
  od;
#endif
  growerdone = true
}

init {
  byte i, r, j;
  atomic {
    i = 0;
    do
    :: i < N ->
       if
       :: i < HELD -> bits[i] = 1; ctl[i] = OPEN
       :: i >= CAP0 -> bits[i] = 1; ctl[i] = RESERVED
       :: else -> skip
       fi;
       i++
    :: else -> break
    od;
    run Grower();
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od
  };
  /* at rest: every client finished (the grower may have stopped) */
  (finished == CLIENTS);
#ifndef STALL
  (growerdone);
  atomic {
    assert(u == units);
    r = 0; j = 0;
    do
    :: j < N ->
       if
       :: (bits[j] == 0 && ctl[j] == CLOSED) || ctl[j] == CLAIMABLE -> r++
       :: else -> skip
       fi;
       j++
    :: else -> break
    od;
    assert(r == cap - open);
    r = 0; j = 0;
    do
    :: j < N -> if :: ctl[j] == RESERVED -> r++ :: else -> skip fi; j++
    :: else -> break
    od;
    assert(r == N - cap)
  }
#endif
}
