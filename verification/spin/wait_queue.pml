/* wait_queue.pml: Spin model of waiting for a session (src/slot_pool.h:
 * Enqueue, Free's flag load after its fetch_add, AfterFreeWhileFull,
 * ReclaimBit, HandOver, AlertWaiters; src/session_wait_queue.h: Deliver,
 * Cancel, Rearm, AlertAll; and src/instance_core.h: QueueForSlot,
 * AwaitTicket, Accept, SetFlag).
 *
 * N slots, each a bit (claimed), a version (frees of it) and a control
 * state: closed, open (a session or a waiter's session), or ended-pending
 * (open and held by its End: with the bit free, the slot is pending, and
 * claims and proofs treat it as open). The full flag is one word: state
 * (none, candidate, verified), epoch, tail and head (the tickets). With
 * WITH_STOP, the instance's stopped flag, the word's closed-for-Begin bit
 * and a Stop process. Every statement in an atomic block is one C++ atomic
 * operation; all are sequentially consistent (the C++ code's orders on this
 * path are seq_cst for the Dekker pairs and release/acquire for the cells;
 * Relacy checks the weaker orders).
 *
 * A client runs rounds of one call each: Begin (with WITH_STOP, first the
 * state: stopped answers the state error; then a claim of a claimable slot:
 * bit free, control closed, word not closed (a closed word answers the
 * state error); else a proof: a candidate, two collects, the promote), and
 * when the proof answers full, a wait: the state again (stopped: the state
 * error), a ticket taken only on a verified flag (else Begin again), then
 * AwaitTicket: peek at the cell (delivered: the session is its own, to
 * Accept); with WITH_STOP read the state (stopped: leave); a cell seen
 * alerted is re-armed and peeked again; else block until the cell changes
 * (with TIMEOUTS the deadline may end the block at any moment: leave).
 * Leaving (Leave()) reads the flag: a ticket that a hand-off took (head
 * past it) is waited for, its grant published and Accepted; else (WITH_STOP)
 * the state is read, then the cancel CAS; if a slot was committed first,
 * the waiter waits for its publication and Accepts it; else it passes over
 * the tickets at the head whose waiters left (its own among them, when no
 * live ticket is before it) and answers the state error, or OutOfSessions
 * after a timeout. Accept (WITH_STOP):
 * a grant whose End read the word closed after its commit is ended again
 * (a full End: the slot goes to the next ticket) and answers the state
 * error; else Success. End: the fetch_add (the slot
 * pending), the flag load, and when the flag is set the slow path: no
 * tickets, clear the flag; tickets, take the bit back, take the head
 * ticket, commit the slot to its cell (a ready or alerted one; the waiter
 * can no longer cancel), then open the slot for it (the End's handle goes
 * stale) and publish the cell, or pass a cancelled ticket over (the
 * control word untouched) and try the next, or with none left free
 * the bit again and look at the flag again; then the control store unless
 * the slot was handed over or closed already.
 *
 * Stop (WITH_STOP, as SetFlag + AlertWaiters): sets the stopped flag,
 * closes the word for Begin (its linearization point), alerts every cell
 * that is ready (one CAS per cell, those of tickets not yet taken too, as
 * AlertAll() goes over the whole ring), and returns. With HOLDER, client 0
 * keeps a session it got (not one it gives back) until the Stop has
 * returned and every other client has finished: nothing but the Stop's
 * alert can then wake a waiter. With WAKER, a WakeWaiters() (a caller's
 * stop request, std::stop_token) alerts every ready cell once, without a
 * flag, at any moment: its waiters find no flag and re-arm their cells.
 *
 * Checked:
 *  - no slot has two owners, and no more than N sessions are owned
 *    (assertions at every ownership change);
 *  - an End is one step to the waiter it serves: a waiter cancels only
 *    before the End that took its ticket made its own handle stale (ghost
 *    stale[t]; after that the End took effect, as a grant to t);
 *  - no lost wake-up: without TIMEOUTS every waiter must be served or (Stop)
 *    alerted, so a waiter blocked at the end (and, with HOLDER, the holder
 *    waiting for it) is an invalid end state;
 *  - nothing stranded: when every client has finished (and the Stop has
 *    returned), every slot is free and closed and the flag not verified (a
 *    waiter that timed out or was stopped as a slot was handed to it left
 *    that slot to the next ticket or the pool);
 *  - a verified flag never stands beside a free slot (a monitor): no slot
 *    is claimable (bit free, control closed) while the flag says
 *    verified. So a ticket is only ever taken while no slot is free;
 *  - first come, first served (ghosts: served[t], set when a hand-off takes
 *    ticket t, i.e. the slot is assigned to it; start, the tickets taken
 *    when a call started):
 *    . tickets are served in order: when a slot is delivered to ticket t,
 *      every earlier ticket was served already or its waiter had left
 *      (cancelled);
 *    . no later caller gets ahead of a waiter: when a claim succeeds, no
 *      ticket taken before the claimer's call started is still queued
 *      (not served) and live (not cancelled). A waiter counts as served
 *      once an End took its ticket: a second End may free its slot to a
 *      newcomer while the first is on its way to the cell (both get a
 *      session; the waiter's was assigned first). FIFO_STRICT checks
 *      more than the contract asks, and holds too: no claim succeeds while
 *      any queued ticket is live, whenever the claimer's call started;
 *  - Stop (WITH_STOP): a call that starts after the Stop returned does not
 *    succeed; a waiter answers Success only with a slot granted before the
 *    Stop closed the word (ghost: dstop[t], what the End serving t found
 *    of the closure at its head CAS: Publish()'s gated mark; src/ reads
 *    the gate bit in the flag value that CAS replaces, set once every word
 *    is closed, and the model has one word), so its success is ordered
 *    before the Stop; a waiter keeps a slot whose End returned before the
 *    Stop began (ghost: kept[t]); no waiter answers the Stop's error while
 *    a later ticket holds an ungated grant (ghosts ungated[], stoperr[]);
 *    a waiter that leaves on the Stop helps the closure before its flag
 *    read; every waiter returns (above). (The schedule that the ghosts
 *    ungated and stoperr are for, two Ends serving two waiters across the
 *    Stop, needs 2 slots and 4 clients: beyond this model's size, over 120
 *    million states; Relacy's StopBetweenFrees and the white-box schedules
 *    of session_wait_handoff_test.cc play it.)
 *  - Unavailable (WITH_UNAVAIL, with WITH_STOP: the flag process sets
 *    Unavailable, which refuses End too; its gate, the end gate, does not
 *    gate an End's grant, only a waiter's give-back): an End holds its
 *    session (held[]), re-reads the state and, on the flag, lets go (the
 *    session stays open); a waiter that leaves on the flag, or gives a
 *    gated grant back, first waits until no End holds a session. An End
 *    that passed its state check is ordered before the flag: it never
 *    passes by a ticket taken before that check (its slot to the pool, to
 *    a later ticket, or gated) whose waiter answers the flag's error
 *    (ghosts skipped[], uerr[], checked at both events);
 *  - timeouts: a waiter whose deadline passed (TIMEOUTS) answers
 *    OutOfSessions only if no slot was free at its flag read (ghost
 *    fullread), where it found its ticket still queued. (Cancelling
 *    without that read is not exact: a free that found the ticket already
 *    taken by another free, which is still on its way to the cell, frees
 *    its slot; this model found that.) A waiter that leaves decides its
 *    answer (the state error, or OutOfSessions) while it still holds its
 *    place: no hand-off has passed over its ticket to serve a later one
 *    (ghosts passed[t], overtaken[t]); an answer decided after that
 *    orders the waiter after one that came later. It never claims: a
 *    slot it claimed beside a grant on its way would be held by nobody
 *    until it gave one back;
 *
 * Mutants (each must be caught):
 *  - MUTANT_ENQUEUE_ANY: a ticket is taken whatever the flag says (the
 *    registration without its re-check that the pool is still full: lost
 *    wake-up);
 *  - MUTANT_LOAD_BEFORE_FREE: End reads the flag before its fetch_add (the
 *    free side of that Dekker pair);
 *  - MUTANT_NO_RECLAIM: the hand-off delivers the slot without taking its
 *    bit back (the bit stays free, a claim takes it too);
 *  - MUTANT_DROP_ON_CANCEL: a hand-off whose waiter left keeps the slot
 *    (it neither passes it on nor frees it);
 *  - MUTANT_TIMEOUT_DROPS_SLOT: a waiter whose deadline passed and that
 *    finds a slot delivered drops it (answers the timeout);
 *  - MUTANT_LEAVE_IGNORES_TAKER: a waiter that leaves cancels without
 *    looking whether a hand-off took its ticket (src/'s
 *    kLeaveIgnoresTaker): beside the slot of a second free that found no
 *    ticket left, a timed-out waiter answers OutOfSessions;
 *  - MUTANT_LEAVE_STATE_AFTER_CANCEL: a waiter that leaves reads the state
 *    after its cancel (src/'s kStateAfterCancel): a hand-off in
 *    between passes over its ticket to serve a later one, a Stop follows,
 *    and the waiter answers the Stop's error, decided after that;
 *  - MUTANT_CLOSE_BEFORE_CLEAR: a hand-off that finds no ticket left
 *    closes the slot before it frees the bit again, while the flag may
 *    still say verified: a waiter queues (and times out) with a slot free.
 *    (The first version of src/ did this; this model found it.)
 *  - MUTANT_HANDOFF_NO_QUEUE: a free that finds tickets clears the flag
 *    and frees its slot (Relacy's kFreeSkipsQueue): the slot is free
 *    while a ticket is queued (a timed-out waiter answers beside it, the
 *    ghost fullread), and a newcomer can claim it past the waiter;
 *  - MUTANT_HANDOFF_TAIL: the hand-off serves the newest ticket instead of
 *    the oldest;
 *  - MUTANT_PASS_LIVE: a waiter that leaves passes over the head ticket
 *    without looking whether its waiter left (src/'s kPassOverLiveTicket):
 *    a live waiter loses its place (a claim gets past it, and when it
 *    leaves it finds its ticket taken and waits for a grant that never
 *    comes);
 *  - MUTANT_STOP_NO_ALERT: Stop sets its flag but wakes nobody (Relacy's
 *    kNoWaiterAlert; with HOLDER);
 *  - MUTANT_ALERT_BEFORE_FLAG: Stop alerts before it sets its flag (a
 *    waiter woken reads the state, finds nothing, re-arms and sleeps);
 *  - MUTANT_NO_STATE_RECHECK: a waiter blocks on its cell without reading
 *    the state after taking its ticket (only after a wake-up), so a cell
 *    alerted before it took the ticket never wakes it;
 *  - MUTANT_ACCEPT_NO_RECHECK: Accept does not re-read the state (Relacy's
 *    kAcceptIgnoresState): the waiter keeps a session delivered after the
 *    Stop;
 *  - MUTANT_ACCEPT_STATE_AT_ACCEPT: Accept gives the slot back whenever
 *    it finds the stopped flag, even for a grant made before the Stop
 *    (Relacy's kAcceptStateAtAccept);
 *  - MUTANT_NO_AWAIT_ENDS, MUTANT_END_GRANT_GATED, MUTANT_ENDS_GATED
 *    (WITH_UNAVAIL): a waiter that leaves on Unavailable does not wait for
 *    the Ends in flight; an End's grant is gated by the end gate; both
 *    (src/'s kEndsGatedByEndFlags): an End ordered before the flag leaves
 *    its slot to the pool, or grants it gated, while a waiter answers the
 *    flag's error;
 *  - MUTANT_OPEN_BEFORE_DELIVER: the hand-off opens the slot for the
 *    waiter (the End's handle stale) before the delivery commits it
 *    (Relacy's kOpenBeforeDeliver): the waiter cancels in between, after
 *    its End took effect.
 *
 * Weak memory, outside this model's sequential consistency:
 *  - MUTANT_ALERT_BEFORE_FLAG is also what the relaxed alert CAS of
 *    SessionWaitQueue::AlertAll() allows in C++: the waiter's acquire Peek
 *    that reads a relaxed RMW synchronizes with nothing, so its seq_cst
 *    state load may miss the flag (the design's "release CAS" forbids it);
 *  - WEAK_REARM (with WAKER, WITH_STOP, HOLDER): the waiter's re-arm (a
 *    relaxed CAS) is passed by its next state load, as C++ allows (and
 *    ARMv8: a store-exclusive, then load-acquires), while the Stop's
 *    relaxed load of the cell reads the alert before the re-arm and skips
 *    the cell: the store-buffering shape. The model then finds a waiter
 *    asleep after the Stop (an invalid end state): a lost wake-up in src/
 *    unless AlertAll()'s access to every cell and Rearm() are seq_cst
 *    RMWs (or fenced). Not run by check.sh.
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
#define CELL_ALERTED 4
#define CELL_OPENING 5

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

/* The instance (WITH_STOP): the stopped flag, the word closed for Begin. */
bit stopped = 0;
bit wclosed = 0;
/* WITH_UNAVAIL: the flag is Unavailable (it refuses End too, and its gate
 * is the end gate, which does not gate an End's grant); held[i]: an End
 * holds slot i's session (busy, by End), from its hold to its last store;
 * ghosts: the tickets taken when an End passed its state check (endtail),
 * a ticket an End ordered before the flag passed by (its slot went to the
 * pool or to a later ticket: skipped), a waiter that answered the flag's
 * error (uerr). */
bit unavail = 0;
bit held[N];
bit skipped[TICKETS];
bit uerr[TICKETS];

/* Ghosts: ticket t taken by a hand-off; delivered after the stopped flag;
 * the Stop returned. */
bit served[TICKETS];
bit dstop[TICKETS];
/* Ghost: the End that took ticket t made its own handle stale (opened the
 * slot's control word for the waiter): its End took effect, as a grant to
 * t, so t's waiter must get the slot. */
bit stale[TICKETS];
/* Ghost: the End that served ticket t returned before the Stop began. */
bit kept[TICKETS];
/* Ghosts: a hand-off found ticket t cancelled and passed over it; then a
 * later ticket was served (t's waiter lost its place). */
bit passed[TICKETS];
bit overtaken[TICKETS];
/* Ghosts (WITH_STOP): ticket t was committed a grant ordered before the
 * Stop (ungated); t's waiter answered the Stop's error. First come, first
 * served across the Stop: no waiter answers the Stop's error while a later
 * ticket holds an ungated grant (checked at both events). */
bit ungated[TICKETS];
bit stoperr[TICKETS];
bit stop_started = 0;
bit stop_done = 0;

byte finished = 0;

/* Every slot claimed or pending (bit set, or ended-pending): none is free
 * of a session. */
#define NONE_FREE_1(i) (claimed[i] == 1 || ctl[i] == C_ENDING)
#if N == 1
#define NONE_FREE NONE_FREE_1(0)
#else
#define NONE_FREE (NONE_FREE_1(0) && NONE_FREE_1(1))
#endif

/* The claim's FIFO check covers the tickets taken before its call started
 * (FIFO_STRICT: every ticket taken, which the contract does not ask). */
#ifdef FIFO_STRICT
#define FIFO_CLAIM_BOUND tail
#else
#define FIFO_CLAIM_BOUND start
#endif

/* A ticket whose waiter is still there and not served. */
#define LIVE(t) (!served[t] && cell[t] != CELL_CANCELLED)

/* The waiter of ticket t answers the Stop's error. */
inline stop_error(t) {
  skip;
#ifdef WITH_UNAVAIL
  /* No End ordered before the flag passed this waiter by. */
  assert(!skipped[t]);
  uerr[t] = 1;
#endif
#ifndef NO_STOP_ORDER
  stoperr[t] = 1;
  k = t + 1;
  do
  :: k < TICKETS -> assert(!ungated[k]); k++
  :: else -> break
  od;
  k = 0
#endif
}

/* AwaitEndHolds() (WITH_UNAVAIL): waits until no End holds a session, slot
 * by slot (each held one until its End's last store). */
inline await_end_holds() {
  skip;
#if defined(WITH_UNAVAIL) && !defined(MUTANT_ENDS_GATED) && \
    !defined(MUTANT_NO_AWAIT_ENDS)
  k = 0;
  do
  :: k < N -> !held[k]; k++
  :: else -> break
  od;
  k = 0
#endif
}

/* The outcome of an End ordered before the flag (WITH_UNAVAIL), whose slot
 * went to ticket `bound`'s waiter (bound: that ticket, or the next one when
 * the grant is gated) or, with bound = NONE, to the pool: every ticket
 * taken before the End's state check and before `bound` was passed by, and
 * must not answer the flag's error. */
inline end_outcome(bound) {
  skip;
#ifdef WITH_UNAVAIL
  k = 0;
  do
  :: k < endtail && k < bound -> assert(!uerr[k]); skipped[k] = 1; k++
  :: else -> break
  od;
  k = 0
#endif
}

inline take(i, id) {
  assert(owner[i] == NONE);
  owner[i] = id
}

/* PassOverLeftTickets(): a waiter that cancelled its ticket passes over
 * the tickets at the head whose waiters left, as a hand-off does, up to the
 * first whose waiter is still there (the cell check and the head CAS in one
 * step: a cancelled cell stays so until its taker readies it, and a head
 * that moved fails the CAS). MUTANT_PASS_LIVE passes over the head ticket
 * whatever its waiter does. */
inline pass_over() {
  more = 1;
  do
  :: more ->
     atomic {
       if
#ifdef MUTANT_PASS_LIVE
       :: head < tail ->
          if
          :: cell[head] == CELL_CANCELLED ->
             served[head] = 1; cell[head] = CELL_DONE; passed[head] = 1
          :: else -> skip
          fi;
          head++
#else
       :: head < tail && cell[head] == CELL_CANCELLED ->
          /* Taken as a hand-off takes a cancelled ticket. */
          served[head] = 1; cell[head] = CELL_DONE; passed[head] = 1;
          head++
#endif
       :: else -> more = 0
       fi
     }
  :: else -> break
  od
}

proctype Client(byte id) {
  byte r = 0;
  byte i;
  byte k;
  byte mine;
  byte t;
  byte h;
  byte s1;
  byte s2;
  byte start;
  byte seen;
  bit late;
  bit gate;
  bit isfull;
  bit pend;
  bit queued;
  bit retried;
  bit got;
  bit ok;
  bit handed;
  bit woke;
  bit giveback;
  bit early;
  bit left;
  bit more;
  bit taken;     /* Leave()'s flag read: a hand-off took the ticket */
  bit byend;     /* the free is an End's (not a give-back) */
  byte endtail;  /* ghost: the tickets taken at the End's state check */
  byte bnd;      /* ghost: the first ticket an End's outcome did not pass */
  bit fullread;  /* ghost: no slot was free at that read */

  do
  :: atomic {
       /* The call starts: the ghosts, and (WITH_STOP) Begin's state. */
       r < ROUNDS -> retried = 0; giveback = 0;
       start = tail;
       late = stop_done; gate = stopped
     };
    if
    :: gate -> r++; goto next   /* the state error */
    :: else -> skip
    fi;
begin:
    mine = NONE;
    /* The claim: a slot with its bit free and its control word closed
     * (the pre-CAS filter passes over a pending slot), in a word not
     * closed for Begin (a closed word: the state error). */
    i = 0;
    do
    :: i < N ->
       atomic {
         if
         :: wclosed -> gate = 1
         :: !wclosed && claimed[i] == 0 && ctl[i] == C_CLOSED ->
            claimed[i] = 1; ctl[i] = C_OPEN; mine = i;
            take(mine, id);
            /* A call that began after the Stop returned fails. */
            assert(!late);
            /* Nobody queued before this call started is passed over. */
            k = 0;
            do
            :: k < FIFO_CLAIM_BOUND ->
               assert(served[k] || cell[k] == CELL_CANCELLED); k++
            :: else -> break
            od;
            k = 0
         :: else -> skip
         fi
       }
       if
       :: mine != NONE || gate -> break
       :: else -> i++
       fi
    :: else -> break
    od;
    if
    :: mine != NONE -> goto work
    :: mine == NONE && gate -> r++; goto next
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
#ifdef WITH_STOP
    /* QueueForSlot(): the state before each Enqueue(). */
    gate = stopped;
    if
    :: gate -> r++; goto next
    :: else -> skip
    fi;
#endif
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
    woke = 0;
await:
    /* AwaitTicket(): peek (a delivered slot is taken, the cell readied). */
    atomic {
      seen = cell[t];
      if
      :: seen == CELL_DELIVERED ->
         mine = cslot[t]; cell[t] = CELL_DONE; take(mine, id)
      :: else -> skip
      fi
    }
    if
    :: mine != NONE -> goto accept
    :: else -> skip
    fi;
#ifdef WITH_STOP
    /* The state, before every block. */
#ifdef MUTANT_NO_STATE_RECHECK
    if
    :: woke -> gate = stopped
    :: else -> skip
    fi;
#else
    if
    :: early -> early = 0   /* read before the re-arm (WEAK_REARM) */
    :: else -> gate = stopped
    fi;
#endif
    if
    :: gate -> goto leave
    :: else -> skip
    fi;
#endif
    if
    :: seen == CELL_ALERTED ->
       /* A wake-up that was not for it: Rearm(), look again. */
#ifdef WEAK_REARM
       /* The next state load passes the re-arm (a relaxed CAS): done
        * first. */
       gate = stopped; early = 1;
#endif
       atomic {
         if
         :: cell[t] == CELL_ALERTED -> cell[t] = CELL_READY
         :: else -> skip
         fi
       }
       goto await
    :: else -> skip
    fi;
    /* Wait(): blocks while the cell holds what it saw. */
    if
    :: cell[t] != seen -> woke = 1; goto await
#ifdef TIMEOUTS
    :: gate = 0; retried = 1; goto leave   /* the deadline */
#endif
    fi;
leave:
#if defined(WITH_STOP) && !defined(MUTANT_LEAVE_STATE_AFTER_CANCEL)
    /* Leave(): the state first, read while the ticket is live: the answer
     * is decided while the waiter still holds its place. On the flag, the
     * waiter helps the closure (Settled(): the gate set) before the flag
     * read, so every ticket taken after that read is granted gated. */
    gate = stopped;
    assert(!gate || !overtaken[t]);
    if
    :: gate -> wclosed = 1; await_end_holds()
    :: else -> skip
    fi;
#endif
    /* The flag read. A ticket a hand-off took (head past it) is that
     * hand-off's to serve: the waiter waits for the grant. Otherwise the
     * ticket is queued at this read, where the pool must be full (the
     * ghost fullread: a timed-out waiter's OutOfSessions is exact). */
    atomic {
      taken = (t < head);
      fullread = NONE_FREE
    }
#ifndef MUTANT_LEAVE_IGNORES_TAKER
    if
    :: taken -> goto grant
    :: else -> skip
    fi;
#endif
    /* Cancel(): cancelled, unless a slot was committed first. A waiter
     * leaves only before its End's handle goes stale: that End took effect
     * as a grant to this ticket. */
    atomic {
      if
      :: cell[t] == CELL_READY || cell[t] == CELL_ALERTED ->
         assert(!stale[t]);
         cell[t] = CELL_CANCELLED; mine = NONE; left = 1
      :: else -> left = 0
      fi
    }
    if
    :: !left -> goto grant
    :: else -> skip
    fi;
    pass_over();
#if defined(WITH_STOP) && defined(MUTANT_LEAVE_STATE_AFTER_CANCEL)
    gate = stopped;
    assert(!gate || !overtaken[t]);
#endif
    if
    :: gate -> stop_error(t); r++; goto next   /* the state error */
    :: else ->
       /* OutOfSessions (a timeout), exact at the flag read. */
       assert(fullread);
       r++; goto next
    fi;
grant:
    /* Take(): the slot is taken once its End published it. */
    atomic {
      cell[t] == CELL_DELIVERED ->
      mine = cslot[t]; cell[t] = CELL_DONE;
#ifdef MUTANT_TIMEOUT_DROPS_SLOT
      if
      :: retried -> mine = NONE   /* the timeout answered, the slot lost */
      :: else -> take(mine, id)
      fi
#else
      take(mine, id)
#endif
    }
    if
    :: mine == NONE -> r++; goto next
    :: else -> goto accept
    fi;
accept:
#ifdef WITH_STOP
    /* Accept(): a grant gated by the Stop (its End read the word closed)
     * is ended again. */
#ifdef MUTANT_ACCEPT_STATE_AT_ACCEPT
    gate = stopped;
#else
    gate = dstop[t];
#endif
#ifndef MUTANT_ACCEPT_NO_RECHECK
    if
    :: gate ->
       assert(!kept[t]); stop_error(t); giveback = 1;
       await_end_holds(); goto work
    :: else -> skip
    fi;
#endif
#endif
    /* Success: the slot came before the Stop's flag, and the call began
     * before the Stop returned. */
    assert(!dstop[t] && !late);
work:
#ifdef HOLDER
    /* Client 0 keeps its session until the Stop returned and everyone
     * else finished. */
    if
    :: id == 0 && !giveback -> (stop_done && finished == CLIENTS - 1)
    :: else -> skip
    fi;
#endif
    byend = !giveback;
#ifdef WITH_UNAVAIL
    /* End: the hold, then the state re-read (a Dekker pair with the
     * flag): on Unavailable it lets go and the session stays open. */
    if
    :: byend ->
       held[mine] = 1;
       atomic {
         if
         :: unavail -> held[mine] = 0; gate = 1
         :: else -> gate = 0; endtail = tail
         fi
       }
       if
       :: gate -> r++; goto next   /* refused: the session stays open */
       :: else -> skip
       fi
    :: else -> skip
    fi;
#endif
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
#ifdef MUTANT_HANDOFF_NO_QUEUE
         :: true ->
#else
         :: tail == head ->
#endif
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
       /* HandOver(): the head ticket (CAS head + 1). */
       atomic {
         if
         :: tail != head ->
#ifdef MUTANT_HANDOFF_TAIL
            h = tail - 1;
            do
            :: served[h] -> h--
            :: else -> break
            od;
#else
            h = head;
#endif
            served[h] = 1;
            /* The grant's gate: the closure as the head CAS finds it (the
             * gate bit of the flag word it replaces). */
#if defined(WITH_UNAVAIL) && !defined(MUTANT_ENDS_GATED) && \
    !defined(MUTANT_END_GRANT_GATED)
            /* The end gate does not gate an End's grant. */
            dstop[h] = wclosed && !byend;
#else
            dstop[h] = wclosed;
#endif
            do
            :: head < tail && served[head] -> head++
            :: else -> break
            od;
            got = 1
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
#ifdef MUTANT_OPEN_BEFORE_DELIVER
       /* The slot opened for the waiter (the End's handle stale) before
        * the delivery commits it. */
       atomic { ctl[mine] = C_OPEN; stale[h] = 1 };
#endif
       /* Deliver(): commits the slot to a ready (or alerted) cell (the
        * waiter can no longer cancel); a cancelled one is readied and the
        * next ticket tried. */
       atomic {
         if
         :: cell[h] != CELL_CANCELLED ->
#ifdef MUTANT_OPEN_BEFORE_DELIVER
            cell[h] = CELL_DELIVERED;
#else
            cell[h] = CELL_OPENING;
#endif
            cslot[h] = mine; handed = 1;
            /* Tickets are served in order. */
            k = 0;
            do
            :: k < h ->
               assert(!LIVE(k));
               if
               :: passed[k] -> overtaken[k] = 1
               :: else -> skip
               fi;
               k++
            :: else -> break
            od;
            k = 0
         :: else -> cell[h] = CELL_DONE; passed[h] = 1; handed = 0
         fi
       }
       if
       :: handed ->
#ifndef MUTANT_OPEN_BEFORE_DELIVER
          /* The End opens the slot for the waiter (its handle goes
           * stale), then Publish(). */
          atomic {
            ctl[mine] = C_OPEN; stale[h] = 1;
#ifdef WITH_UNAVAIL
            held[mine] = 0;   /* the End's last store */
            if
            /* A gated grant is no grant: its waiter ends it again. */
            :: byend ->
               bnd = h;
               if
               :: dstop[h] -> bnd++
               :: else -> skip
               fi;
               end_outcome(bnd)
            :: else -> skip
            fi;
#endif
#if defined(WITH_STOP) && !defined(NO_STOP_ORDER)
            if
            :: !dstop[h] ->
               /* An ungated grant: no earlier waiter answered the Stop. */
               ungated[h] = 1;
               k = 0;
               do
               :: k < h -> assert(!stoperr[k]); k++
               :: else -> break
               od;
               k = 0
            :: else -> skip
            fi
#endif
          };
          cell[h] = CELL_DELIVERED;
#endif
          goto endfree
#ifdef MUTANT_DROP_ON_CANCEL
       :: else -> handed = 1; goto endfree   /* the slot stays claimed */
#else
       :: else ->
          /* The control word untouched (the End's handle valid). */
          goto handover
#endif
       fi
    :: else -> skip
    fi;
endfree:
    if
    :: !handed ->
       atomic {
         ctl[mine] = C_CLOSED;
#ifdef WITH_UNAVAIL
         held[mine] = 0;   /* the End's last store */
         if
         :: byend -> end_outcome(NONE)
         :: else -> skip
         fi
#endif
       }
    :: else -> kept[h] = !stop_started   /* the End returns */
    fi;
    r++;
next:
    skip
  :: else -> break
  od;
  finished++
}

#ifdef WAKER
/* WakeWaiters() (a stop request of some caller's std::stop_token): every
 * ready cell alerted, without a flag; its waiter re-arms the cell. */
proctype Waker() {
  byte k = 0;
  do
  :: k < TICKETS ->
     atomic {
       if
       :: cell[k] == CELL_READY -> cell[k] = CELL_ALERTED
       :: else -> skip
       fi;
       k++
     }
  :: else -> break
  od
}
#endif

#ifdef WITH_STOP
/* JetStopServiceInstance: SetFlag(kStopped): the flag, the closure of the
 * word (the Stop's linearization point), then AlertWaiters(): every ready
 * cell marked alerted (a CAS each) and woken. */
proctype Stop() {
  byte k = 0;
  stop_started = 1;
#ifndef MUTANT_ALERT_BEFORE_FLAG
#ifdef WITH_UNAVAIL
  atomic { stopped = 1; unavail = 1 };
#else
  stopped = 1;
#endif
  wclosed = 1;
#endif
#ifndef MUTANT_STOP_NO_ALERT
  do
  :: k < TICKETS ->
     atomic {
       if
       :: cell[k] == CELL_READY -> cell[k] = CELL_ALERTED
       :: else -> skip
       fi;
       k++
     }
  :: else -> break
  od;
#endif
#ifdef MUTANT_ALERT_BEFORE_FLAG
  stopped = 1;
  wclosed = 1;
#endif
  stop_done = 1
}
#endif

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
    od;
#ifdef WITH_STOP
    run Stop();
#endif
#ifdef WAKER
    run Waker()
#endif
  };
  /* Nothing stranded: once every client has ended its sessions (and the
   * Stop returned), every slot is free and closed, and no flag says
   * full. */
  finished == CLIENTS;
#ifdef WITH_STOP
  stop_done;
#endif
  k = 0;
  do
  :: k < N ->
#ifdef WITH_UNAVAIL
     /* A session whose End the flag refused stays open. */
     assert(owner[k] != NONE ||
            (claimed[k] == 0 && ctl[k] == C_CLOSED));
#else
     assert(claimed[k] == 0 && ctl[k] == C_CLOSED && owner[k] == NONE);
#endif
     k++
  :: else -> break
  od;
#ifdef WITH_UNAVAIL
  /* (Sessions the flag kept open may keep the pool full.) */
  assert(fstate != F_VERIFIED || NONE_FREE)
#else
  assert(fstate != F_VERIFIED)
#endif
}
