/* wait_queue.pml: Spin model of waiting for a session (src/slot_pool.h:
 * Enqueue, Free's flag load after its fetch_add, AfterFreeWhileFull,
 * ReclaimBit, HandOver; src/session_wait_queue.h: Deliver, Cancel; and
 * src/instance_core.h: QueueForSlot, AwaitTicket).
 *
 * N slots, each a bit (claimed), a version (frees of it) and a control
 * state: closed, open (a session or a waiter's session), or ended-pending
 * (open and held by its End: with the bit free, the slot is pending, and
 * claims and proofs treat it as open). The full flag is one word: state
 * (none, candidate, verified), epoch, tail and head (the tickets). Every
 * statement in an atomic block is one C++ atomic operation; all are
 * sequentially consistent (the C++ code's orders on this path are seq_cst
 * for the Dekker pairs and release/acquire for the cells).
 *
 * A client runs rounds of: Begin (a claim of a claimable slot: bit free,
 * control closed; else a proof: a candidate, two collects, the promote),
 * and when the proof answers full, a wait: a ticket taken only on a
 * verified flag (else Begin again), then its cell: delivered (the session
 * is its own), or, with TIMEOUTS, a cancel at any moment; then End: the
 * fetch_add (the slot pending), the flag load, and when the flag is set
 * the slow path: no tickets, clear the flag; tickets, take the bit back,
 * take the head ticket, open the slot for it and deliver, or pass a
 * cancelled ticket over and try the next, or with none left free the bit
 * again and look at the flag again; then the control store unless the
 * slot was handed over or closed already.
 *
 * Checked:
 *  - no slot has two owners, and no more than N sessions are owned
 *    (assertions at every ownership change);
 *  - no lost wake-up: without TIMEOUTS every waiter must be served, so a
 *    waiter blocked at the end, when every other client has finished and
 *    ended its sessions, is an invalid end state;
 *  - nothing stranded: when every client has finished, every slot is
 *    free and closed (a waiter that timed out as a slot was handed to it
 *    left that slot to the next ticket or the pool);
 *  - a verified flag never stands beside a free slot (a monitor): no slot
 *    is claimable (bit free, control closed) while the flag says
 *    verified. So a ticket is only ever taken while no slot is free;
 *  - timeouts: a waiter that cancels (TIMEOUTS) claims once more, and
 *    answers OutOfSessions only from a proof (verified, or a promoted
 *    double collect), whose exactness full_flag.pml checks. (Answering at
 *    the cancel instead is not exact: a free that found the ticket already
 *    taken by another free, which is still on its way to the cell, frees
 *    its slot; this model found that.)
 *
 * Mutants (each must be caught):
 *  - MUTANT_ENQUEUE_ANY: a ticket is taken whatever the flag says;
 *  - MUTANT_LOAD_BEFORE_FREE: End reads the flag before its fetch_add;
 *  - MUTANT_NO_RECLAIM: the hand-off delivers the slot without taking its
 *    bit back (the bit stays free, a claim takes it too);
 *  - MUTANT_DROP_ON_CANCEL: a hand-off whose waiter left keeps the slot
 *    (it neither passes it on nor frees it);
 *  - MUTANT_CLOSE_BEFORE_CLEAR: a hand-off that finds no ticket left
 *    closes the slot before it frees the bit again, while the flag may
 *    still say verified: a waiter queues (and times out) with a slot free.
 *    (The first version of src/ did this; this model found it.)
 */

#ifndef N
#define N 1
#endif
#ifndef CLIENTS
#define CLIENTS 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#define TICKETS (CLIENTS * ROUNDS + 1)
/* The flag's epoch (32 bits in src/, which no proof outlives) is modelled
 * exactly by the candidate's prover: a prover runs one proof at a time, so
 * its promote finds its own id only on its own candidate (any change of the
 * flag since, a clear or another candidate, replaced it). */
#define NONE 255

#define F_NONE 0
#define F_CAND 1
#define F_VERIFIED 2

#define C_CLOSED 0
#define C_OPEN 1
#define C_ENDING 2

#define CELL_READY 0
#define CELL_DELIVERED 1
#define CELL_CANCELLED 2
#define CELL_DONE 3

byte claimed[N];
byte ver[N];
byte ctl[N];
byte owner[N];

byte fstate = F_NONE;
byte cand = NONE;
byte tail = 0;
byte head = 0;

byte cell[TICKETS];
byte cslot[TICKETS];

byte finished = 0;

/* Every slot claimed or pending (bit set, or ended-pending): none is free
 * of a session. */
#define NONE_FREE_1(i) (claimed[i] == 1 || ctl[i] == C_ENDING)
#if N == 1
#define NONE_FREE NONE_FREE_1(0)
#else
#define NONE_FREE (NONE_FREE_1(0) && NONE_FREE_1(1))
#endif

inline take(i, id) {
  assert(owner[i] == NONE);
  owner[i] = id
}

proctype Client(byte id) {
  byte r = 0;
  byte i;
  byte mine;
  byte t;
  byte h;
  byte s1;
  byte s2;
  bit isfull;
  bit pend;
  bit queued;
  bit retried;
  bit got;
  bit ok;
  bit handed;

  do
  :: r < ROUNDS ->
    retried = 0;
begin:
    mine = NONE;
    /* The claim: a slot with its bit free and its control word closed
     * (the pre-CAS filter passes over a pending slot). */
    i = 0;
    do
    :: i < N ->
       atomic {
         if
         :: claimed[i] == 0 && ctl[i] == C_CLOSED ->
            claimed[i] = 1; ctl[i] = C_OPEN; mine = i
         :: else -> skip
         fi
       }
       if
       :: mine != NONE -> break
       :: else -> i++
       fi
    :: else -> break
    od;
    if
    :: mine != NONE -> take(mine, id); goto work
    :: else -> skip
    fi;
    /* ProveFull(): verified answers at once. */
    atomic {
      if
      :: fstate == F_VERIFIED -> isfull = 1
      :: fstate == F_NONE -> fstate = F_CAND; cand = id; isfull = 0
      :: fstate == F_CAND -> goto begin   /* another prover: look again */
      fi
    }
    if
    :: isfull -> goto queue
    :: else -> skip
    fi;
    /* Two collects: each word (claimable: search again; pending: noted). */
    isfull = 1; pend = 0; s1 = 0; s2 = 0;
    i = 0;
    do
    :: i < N ->
       atomic {
         s1 = s1 + 2 * ver[i] + claimed[i];
         if
         :: claimed[i] == 0 && ctl[i] == C_CLOSED -> isfull = 0
         :: claimed[i] == 0 && ctl[i] != C_CLOSED -> pend = 1
         :: else -> skip
         fi
       }
       i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < N ->
       atomic {
         s2 = s2 + 2 * ver[i] + claimed[i];
         if
         :: claimed[i] == 0 && ctl[i] == C_CLOSED -> isfull = 0
         :: else -> skip
         fi
       }
       i++
    :: else -> break
    od;
    if
    :: s1 != s2 -> isfull = 0
    :: else -> skip
    fi;
    atomic {
      if
      :: fstate == F_CAND && cand == id ->
         if
         :: isfull && !pend -> fstate = F_VERIFIED
         :: else -> fstate = F_NONE
         fi;
         cand = NONE
      :: else -> skip
      fi
    }
    if
    :: !isfull -> goto begin
    :: else -> skip
    fi;
queue:
    if
    :: retried -> r++; goto next   /* OutOfSessions after the deadline */
    :: else -> skip
    fi;
    /* Enqueue(): a ticket only on a verified flag. */
    atomic {
#ifdef MUTANT_ENQUEUE_ANY
      if
      :: true ->
#else
      if
      :: fstate == F_VERIFIED ->
#endif
         t = tail; tail++; queued = 1
      :: else -> queued = 0
      fi
    }
    if
    :: !queued -> goto begin
    :: else -> skip
    fi;
    /* AwaitTicket(): delivered, or (TIMEOUTS) a cancel. */
    if
    :: atomic {
         cell[t] == CELL_DELIVERED -> mine = cslot[t]; cell[t] = CELL_DONE;
         take(mine, id)
       }
#ifdef TIMEOUTS
    :: atomic {
         if
         :: cell[t] == CELL_READY ->
            cell[t] = CELL_CANCELLED; mine = NONE
         :: else ->
            mine = cslot[t]; cell[t] = CELL_DONE; take(mine, id)
         fi
       }
       if
       :: mine == NONE -> retried = 1; goto begin   /* one more claim */
       :: else -> skip
       fi
#endif
    fi;
work:
    /* End: the session ends (its owner lets go), then Free(). */
    owner[mine] = NONE;
#ifdef MUTANT_LOAD_BEFORE_FREE
    atomic { isfull = (fstate != F_NONE) }
    atomic { claimed[mine] = 0; ver[mine]++; ctl[mine] = C_ENDING }
#else
    atomic { claimed[mine] = 0; ver[mine]++; ctl[mine] = C_ENDING }
    atomic { isfull = (fstate != F_NONE) }
#endif
    handed = 0;
    if
    :: isfull ->
slow:
       /* AfterFreeWhileFull() */
       atomic {
         if
         :: tail == head ->
            if
            :: fstate != F_NONE -> fstate = F_NONE; cand = NONE
            :: else -> skip
            fi;
            got = 0
         :: else -> got = 1
         fi
       }
       if
       :: !got -> goto endfree
       :: else -> skip
       fi;
#ifdef MUTANT_NO_RECLAIM
       ok = 1;
#else
       atomic {
         if
         :: claimed[mine] == 0 -> claimed[mine] = 1; ok = 1
         :: else -> ok = 0
         fi
       }
#endif
       if
       :: !ok -> goto endfree
       :: else -> skip
       fi;
handover:
       atomic {
         if
         :: tail != head -> h = head; head++; got = 1
         :: else -> got = 0
         fi
       }
       if
       :: !got ->
          /* No waiter took it: the bit freed again with the slot pending
           * (closed only after the flag is dealt with), flag again. */
#ifdef MUTANT_CLOSE_BEFORE_CLEAR
          ctl[mine] = C_CLOSED;
#else
          ctl[mine] = C_ENDING;
#endif
          atomic { claimed[mine] = 0; ver[mine]++ }
          atomic { isfull = (fstate != F_NONE) }
          goto slow
       :: else -> skip
       fi;
       ctl[mine] = C_OPEN;
       atomic {
         if
         :: cell[h] == CELL_READY ->
            cell[h] = CELL_DELIVERED; cslot[h] = mine; handed = 1
         :: else -> cell[h] = CELL_DONE; handed = 0   /* cancelled */
         fi
       }
       if
       :: handed -> goto endfree
#ifdef MUTANT_DROP_ON_CANCEL
       :: else -> handed = 1; goto endfree   /* the slot stays claimed */
#else
       :: else -> ctl[mine] = C_CLOSED; goto handover
#endif
       fi
    :: else -> skip
    fi;
endfree:
    if
    :: !handed -> ctl[mine] = C_CLOSED
    :: else -> skip
    fi;
    r++;
next:
    skip
  :: else -> break
  od;
  finished++
}

/* The verified flag and a claimable slot never stand together. */
#ifndef NO_MONITOR
active proctype Monitor() {
end_monitor:
  do
  :: atomic { fstate == F_VERIFIED && !NONE_FREE -> assert(false) }
  od
}
#endif

init {
  byte k = 0;
  do
  :: k < N -> owner[k] = NONE; k++
  :: else -> break
  od;
  atomic {
    k = 0;
    do
    :: k < CLIENTS -> run Client(k); k++
    :: else -> break
    od
  };
  /* Nothing stranded: once every client has ended its sessions, every slot
   * is free and closed, and no flag says full. */
  finished == CLIENTS;
  k = 0;
  do
  :: k < N ->
     assert(claimed[k] == 0 && ctl[k] == C_CLOSED && owner[k] == NONE); k++
  :: else -> break
  od;
  assert(fstate != F_VERIFIED)
}
