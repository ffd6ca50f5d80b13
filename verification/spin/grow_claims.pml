/* grow_claims.pml: Spin model of a lock-free grow whose room stays in the
 * pair as a count of units until a caller takes it: the variant of
 * grow_units.pml's design that src/ has (docs/design.md, "The grow as
 * src/ has it"), which lists no slots before the grow and leaves no
 * claimable slots after it, so that it fits src/'s debt word.
 *
 * The pair: the full flag (verified, the tickets' tail and head) and G
 * (the grow's units left, at most one ticket record, its seq), changed by
 * one compare-exchange. The grow:
 *  - its linearization point is one CAS of the pair: the capacity grows by
 *    K and G counts K units; with no ticket queued it clears the verified
 *    flag (src/ would set the flag's spare state "units in G");
 *  - a caller that finds no free slot and a unit left, with no ticket
 *    queued, takes the unit by a CAS of the pair: its Begin takes effect
 *    there (its session counts as open from then on), and it then makes any
 *    reserved slot its own by a CAS of the slot's control word (reserved ->
 *    open; the slot's bit is already set). No record: nobody else needs to
 *    finish it, since the room is the caller's own session;
 *  - with a ticket queued, a unit goes to the head ticket: one CAS of the
 *    pair takes the head, a unit, and installs a record naming the ticket
 *    (seq + 1). Anyone finishes the record: it marks a reserved slot with
 *    the record's seq (reserved -> marked, a CAS of the control word),
 *    commits it to the ticket's cell (ready -> delivered, a CAS of the
 *    cell; a marker that loses undoes its mark, and a mark whose record
 *    has ended reads as reserved), opens it for the waiter (marked with
 *    the seq -> open), publishes the cell, and ends the record (a CAS of
 *    the pair that expects the record and its seq). A cell found cancelled
 *    (its waiter left on a read of the pair made before the unit came)
 *    drops the record and gives the unit back to G;
 *  - the grower finishes records and decides units while tickets are
 *    queued; so does every caller that finds a unit or a record where it
 *    would answer OutOfSessions or take a ticket, and a waiter whose
 *    ticket a record names or whose deadline passed. STALL stops the
 *    grower for good right after its linearization point, STALL_ANY at any
 *    step after it (in the middle of a record's steps too): nobody who
 *    does not wait may wait for it.
 * The rest is src/'s protocol at the level of grow_units.pml's steps: a
 * claim takes a free bit whose control word is closed (one CAS); the
 * proof that the pool is full is one step that also reads the pair (src/
 * reads the pair again after its second collect); a waiting caller takes
 * a ticket by a CAS of the pair that verifies the flag, on a proof that
 * found no pending slot (a slot whose End has freed its bit and not yet
 * stored); an End frees its bit, reads the pair, and with the flag
 * verified and a ticket queued takes its bit back and hands its slot to
 * the head ticket (a cancelled ticket passed over), else clears the flag
 * and stores closed. The cells are not reused (one per ticket).
 *
 * The run (defaults): 3 slots, capacity 1 grown to 2 (CAP1=3: to 3);
 * client 0 holds the one session and ends it, client 1 waits for a session
 * (with a deadline), client 2 begins without waiting; one round each.
 *
 * Checked (ghosts: open, the sessions open, a unit's taker counted from
 * its CAS, a ticket's grant from its commit; cap, the capacity in force):
 *  - exact: every session begins with open < cap; every OutOfSessions
 *    answer (a Begin's, or a waiter's whose deadline passed, at the read of
 *    the pair that decided it) finds open >= cap;
 *  - first come, first served: a caller gets a session by a claim or a
 *    unit only when no ticket taken before its call began is queued and
 *    live;
 *  - a slot has one owner: a claim finds its bit free, a unit's taker and
 *    a record's finisher find the slot reserved (or dead-marked), and the
 *    slot a waiter takes is open;
 *  - nobody waits for the grower (no invalid end state with STALL or
 *    STALL_ANY): every waiter here has a deadline, which may pass at any
 *    moment; one without (not modelled) may sleep beside the room of a
 *    grower that stopped before deciding its unit, as in grow_units.pml;
 *  - at rest: no record pending (unless the grower stopped inside one and
 *    nobody came after), the room (cap - open) is the free slots plus the
 *    units left, and the reserved slots (dead marks included) are
 *    N - cap plus the units left.
 * Mutants (each must be caught):
 *  - MUTANT_TAKE_PAST_TICKETS: a unit is taken with a ticket queued;
 *  - MUTANT_PROVER_IGNORES_RECORD: a proof answers full while a record
 *    is pending (the unit of a cancelled ticket is on its way back);
 *  - MUTANT_DROP_LOSES_UNIT: a dropped record does not give its unit back;
 *  - MUTANT_DECIDER_DELIVERS: no record: the decider delivers the unit
 *    itself (with STALL_ANY, a decider that stops after its commit leaves
 *    the ticket's waiter blocked: it cannot finish what nobody recorded);
 *  - MUTANT_LEAVE_IGNORES_UNITS: a waiter whose deadline passed answers
 *    OutOfSessions while a unit is left.
 * Found while writing the model (each fixed in it): a caller that decides
 * a unit must finish the record before it goes on (else a claim of a free
 * slot leaves the record, and its unit, pending at rest); and a waiter
 * whose cancel finds its cell committed by a record must help the record
 * to its publication (the grower may have stopped between the two).
 * Not modelled: shrinks (no slot turns reserved again, so a mark's seq is
 * not put to the test, and no payer leaves a reserved slot's bit free),
 * the overflow list, gates, and the ring's reuse of cells; see
 * grow_units.pml and resize_pair.pml for those.
 */

#ifndef N
#define N 3 /* slots */
#endif
#ifndef CAP0
#define CAP0 1 /* slots CAP0..N-1 start reserved */
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
#define WAITERS 1 /* clients HELD..HELD+WAITERS-1 wait, with deadlines */
#endif
#ifndef ROUNDS
#define ROUNDS 1 /* 2 goes past 6 GB */
#endif
#define K (CAP1 - CAP0)
#define MAXT 4
#define NONE 255
#define GID CLIENTS /* the grower's id */

/* control states */
#define CLOSED 0
#define OPEN 1 /* a session (with its bit free: pending, its End's window) */
#define RESERVED 2
#define MARKED 3 /* reserved, marked by a record's finisher (tag mtag) */

/* cell states */
#define READY 0
#define DELIVERED 1
#define PUBLISHED 2
#define CANCELLED 3
#define TAKEN 4

bit bits[N];
byte ctl[N];
byte mtag[N];
/* the pair */
bool verified;
byte tail;
byte head;
byte units;
byte rec = NONE; /* a ticket record: the ticket */
byte seq;
/* the cells, one per ticket */
byte cell[MAXT];
byte cslot[MAXT];
/* ghosts */
byte open = HELD;
byte cap = CAP0;
bool cancelled[MAXT];
byte finished;
bool gstopped;

/* A mark whose record has ended reads as reserved. */
#define DEADMARK(r) (ctl[r] == MARKED && (rec == NONE || seq != mtag[r]))
#define CONVERTIBLE(r) (ctl[r] == RESERVED || DEADMARK(r))

/* No live ticket taken before t0 (the tail when the call began) is still
 * queued. */
inline check_fifo(t0) {
  j = head;
  do
  :: j < t0 -> assert(cancelled[j]); j++
  :: else -> break
  od
}

/* The grower may stop for good before any step (STALL_ANY). */
#ifdef STALL_ANY
#define MAYSTOP if :: me == GID -> gstopped = 1; goto stopped :: true -> skip fi
#else
#define MAYSTOP skip
#endif

/* Decides a unit for the head ticket: one CAS of the pair. */
inline decide() {
  atomic {
    if
    :: rec == NONE && units > 0 && head < tail ->
#ifdef MUTANT_DECIDER_DELIVERS
      dt = head; head++; units--; own = 1
#else
      rec = head; head++; units--; seq++
#endif
    :: else -> skip
    fi
  }
}

#ifdef MUTANT_DECIDER_DELIVERS
/* The mutant's decider commits a reserved slot to ticket dt itself. */
inline deliver_own() {
  MAYSTOP;
  atomic {
    r = 0;
    do
    :: r < N && ctl[r] == RESERVED -> ctl[r] = MARKED; mtag[r] = 0; break
    :: r < N && ctl[r] != RESERVED -> r++
    :: r == N -> assert(false)
    od
  }
  MAYSTOP;
  atomic {
    if
    :: cell[dt] == READY ->
      assert(open < cap); open++;
      cell[dt] = DELIVERED; cslot[dt] = r; ctl[r] = OPEN; cell[dt] = PUBLISHED
    :: else -> ctl[r] = RESERVED; units++ /* back to G */
    fi
  }
  own = 0
}
#endif

/* Finishes the pending record, if any: each atomic block is one atomic
 * operation of src/ (the pair, a control word, or a cell). */
inline finish_record() {
  MAYSTOP;
  atomic { rt = rec; rs = seq }
  if
  :: rt == NONE -> skip
  :: else ->
    do
    :: MAYSTOP;
      atomic { cs = cell[rt]; r = cslot[rt] }
      if
      :: cs == CANCELLED ->
        MAYSTOP;
        atomic {
          if
          :: rec == rt && seq == rs ->
            rec = NONE;
#ifndef MUTANT_DROP_LOSES_UNIT
            units++
#endif
          :: else -> skip
          fi
        }
        break
      :: cs == READY ->
        /* mark a reserved slot with the record's seq */
        MAYSTOP;
        atomic {
          r = 0;
          do
          :: r < N && CONVERTIBLE(r) -> ctl[r] = MARKED; mtag[r] = rs; break
          :: r < N && !CONVERTIBLE(r) -> r++
          :: r == N -> break /* all marked by other finishers: look again */
          od
        }
        if
        :: r == N -> skip
        :: else ->
          MAYSTOP;
          atomic {
            if
            :: cell[rt] == READY ->
              /* the waiter's Begin takes effect at the commit */
              assert(open < cap); open++;
              cell[rt] = DELIVERED; cslot[rt] = r; won = 1
            :: else -> won = 0
            fi
          }
          if
          :: !won ->
            /* lost: undo the mark (it fails once the mark is dead and
             * taken, which is harmless) */
            MAYSTOP;
            atomic {
              if
              :: ctl[r] == MARKED && mtag[r] == rs -> ctl[r] = RESERVED
              :: else -> skip
              fi
            }
          :: else -> skip
          fi
        fi
        /* look at the cell again */
      :: cs == DELIVERED ->
        MAYSTOP;
        atomic {
          if
          :: ctl[r] == MARKED && mtag[r] == rs -> ctl[r] = OPEN
          :: else -> skip
          fi
        }
        MAYSTOP;
        atomic {
          if
          :: cell[rt] == DELIVERED ->
            /* after the open (this finisher's or another's) */
            assert(ctl[r] == OPEN); cell[rt] = PUBLISHED
          :: else -> skip
          fi
        }
      :: cs == PUBLISHED || cs == TAKEN ->
        MAYSTOP;
        atomic {
          if
          :: rec == rt && seq == rs -> rec = NONE
          :: else -> skip
          fi
        }
        break
      fi
    od
  fi
}

/* The caller of a unit makes a reserved slot its own. */
inline convert() {
  do
  :: atomic {
      r = 0;
      do
      :: r < N && CONVERTIBLE(r) ->
        assert(bits[r] == 1); ctl[r] = OPEN; got = r; break
      :: r < N && !CONVERTIBLE(r) -> r++
      :: r == N -> break
      od
    }
    if
    :: r < N -> break
    :: else ->
      /* every reserved slot is marked for a pending record: finish it */
      assert(rec != NONE); finish_record()
    fi
  od
}

#define STEP_CLAIMED 1
#define STEP_UNIT 2
#define STEP_HELP 3
#define STEP_TICKET 4
#define STEP_FULL 5
#define STEP_RETRY 6

/* A Begin (waiting or not): got is the slot, or NONE for OutOfSessions. */
inline begin(waits) {
  atomic { t0 = tail }
  got = NONE;
  do
  :: atomic {
      /* a claim: a free bit whose control word is closed */
      r = 0;
      do
      :: r < N && bits[r] == 0 && ctl[r] == CLOSED -> break
      :: r < N && !(bits[r] == 0 && ctl[r] == CLOSED) -> r++
      :: r == N -> break
      od;
      if
      :: r < N ->
        assert(open < cap); check_fifo(t0); open++;
        bits[r] = 1; ctl[r] = OPEN; got = r; step = STEP_CLAIMED
      :: else ->
        /* the proof, which reads the pair too */
        pend = 0;
        j = 0;
        do
        :: j < N -> pend = pend || (bits[j] == 0 && ctl[j] == OPEN); j++
        :: else -> break
        od;
        if
#ifndef MUTANT_PROVER_IGNORES_RECORD
        :: rec != NONE -> step = STEP_HELP
#endif
#ifdef MUTANT_TAKE_PAST_TICKETS
        :: rec == NONE && units > 0 ->
#else
        :: rec == NONE && units > 0 && head == tail ->
#endif
          assert(open < cap); check_fifo(t0); open++;
          units--; step = STEP_UNIT
        :: rec == NONE && units > 0 && head < tail -> step = STEP_HELP
        :: else ->
          if
          :: waits && !pend ->
            assert(tail < MAXT);
            verified = 1; mt = tail; tail++; step = STEP_TICKET
          :: waits && pend -> step = STEP_RETRY
          :: !waits -> assert(open >= cap); step = STEP_FULL
          fi
        fi
      fi
    }
    if
    :: step == STEP_CLAIMED -> break
    :: step == STEP_UNIT -> convert(); break
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record(); /* the record this caller installed, if any */
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
    :: step == STEP_FULL -> break
    :: step == STEP_RETRY -> skip
    :: step == STEP_TICKET -> await_ticket(); break
    fi
  od
}

/* A waiter with ticket mt: a grant, or its deadline (at any time, once),
 * after which it leaves unless a grant or room is on its way. */
inline await_ticket() {
  do
  :: atomic { cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt] };
    assert(ctl[got] == OPEN); goto granted
  :: true -> break /* the deadline passed */
  od;
  do
  :: atomic {
      if
      :: cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt];
        step = STEP_CLAIMED
      :: cell[mt] != PUBLISHED && head > mt ->
        step = STEP_HELP /* taken: a record or an End */
#ifndef MUTANT_LEAVE_IGNORES_UNITS
      :: cell[mt] != PUBLISHED && head <= mt && (rec != NONE || units > 0) ->
        step = STEP_HELP
#endif
      :: else ->
        /* the ticket was queued and no room was on its way: full */
        assert(open >= cap); step = STEP_FULL
      fi
    }
    if
    :: step == STEP_CLAIMED -> assert(ctl[got] == OPEN); break
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record(); /* the record this caller installed, if any */
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
      if
      :: head > mt && rec != mt -> /* an End's or a finished grant */
        atomic { cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt] };
        assert(ctl[got] == OPEN); break
      :: else -> skip
      fi
    :: step == STEP_FULL ->
      atomic {
        if
        :: cell[mt] == READY ->
          cell[mt] = CANCELLED; cancelled[mt] = 1; got = NONE
        :: else -> step = STEP_TICKET /* committed first: take it */
        fi
      }
      if
      :: step == STEP_FULL -> break
      :: else ->
        /* a record's commit: finish it (its finisher may have stopped) */
        finish_record();
        atomic { cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt] };
        assert(ctl[got] == OPEN); break
      fi
    fi
  od;
granted:
  skip
}

/* An End of the session on slot s. */
inline end_session(s) {
  atomic { bits[s] = 0 } /* the fetch_add: pending */
  do
  :: atomic {
      if
      :: verified && head < tail ->
        bits[s] = 1; et = head; head++; step = STEP_TICKET
      :: verified && head == tail -> verified = 0; step = STEP_FULL
      :: !verified -> step = STEP_FULL
      fi
    }
    if
    :: step == STEP_FULL -> atomic { ctl[s] = CLOSED; open-- }; break
    :: step == STEP_TICKET ->
      atomic {
        if
        :: cell[et] == READY -> cell[et] = DELIVERED; cslot[et] = s; step = 0
        :: else -> step = 1 /* cancelled: pass it over */
        fi
      }
      if
      :: step == 0 ->
        atomic { cell[et] = PUBLISHED }; break /* opened for the waiter */
      :: else -> atomic { bits[s] = 0 } /* free again, look again */
      fi
    fi
  od
}

proctype Client(byte me) {
  byte t0, j, r, got, step, mt, et, rt, rs, cs, dt, rounds, s = NONE;
  bool pend, own, won, waiter = (me >= HELD && me < HELD + WAITERS);
  if
  :: me < HELD -> s = me
  :: else -> skip
  fi;
  do
  :: rounds < ROUNDS ->
    if
    :: s != NONE -> end_session(s); s = NONE
    :: else ->
      begin(waiter);
      s = got
    fi;
    rounds++
  :: else -> break
  od;
stopped:
  finished++
}

proctype Grower() {
  byte me = GID;
  byte t0, j, r, got, step, mt, et, rt, rs, cs, dt;
  bool own, won;
  atomic {
    units = units + K; cap = cap + K;
    if :: head == tail -> verified = 0 :: else -> skip fi
  }
#ifdef STALL
  goto stopped;
#endif
  do
  :: atomic {
      if
      :: rec != NONE -> step = STEP_HELP
      :: rec == NONE && units > 0 && head < tail -> step = STEP_HELP
      :: else -> step = STEP_FULL
      fi
    }
    if
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record(); /* the record this caller installed, if any */
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
    :: else -> break
    fi
  od;
stopped:
  finished++
}

init {
  byte i;
  atomic {
    i = 0;
    do
    :: i < N ->
      if
      :: i < HELD -> bits[i] = 1; ctl[i] = OPEN
      :: i >= HELD && i < CAP0 -> bits[i] = 0; ctl[i] = CLOSED
      :: i >= CAP0 -> bits[i] = 1; ctl[i] = RESERVED
      fi;
      i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od;
    run Grower()
  }
  (finished == CLIENTS + 1);
  /* at rest */
  byte opened, free, reserved;
  i = 0;
  do
  :: i < N ->
    if
    :: ctl[i] == OPEN -> assert(bits[i] == 1); opened++
    :: ctl[i] == CLOSED -> assert(bits[i] == 0); free++
    :: ctl[i] == RESERVED || DEADMARK(i) -> assert(bits[i] == 1); reserved++
    :: ctl[i] == MARKED && !DEADMARK(i) -> assert(gstopped)
    fi;
    i++
  :: else -> break
  od;
  assert(rec == NONE || gstopped);
  if
  :: rec == NONE ->
    assert(opened == open);
    assert(cap - open == free + units);
    assert(reserved == N - cap + units)
  :: else -> skip
  fi
}
