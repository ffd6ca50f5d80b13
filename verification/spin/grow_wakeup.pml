/* grow_wakeup.pml: Spin model of src/'s wake-up of sleeping waiters by a
 * grow: SlotPool::Resize() (its descriptor, AlertForGrow(), HelpResize(),
 * HelpUnits()), HelpGrowForWaiters() and FinishGrant();
 * SessionWaitQueue::AlertFirst(), Rearm(), Wait(), CommitGrant() and
 * PublishGrant(); InstanceCore::AwaitTicket(). Its waiters have no
 * deadline: only a change of their cell followed by a wake (a futex) gets
 * one out of its sleep, so a lost wake-up leaves it asleep for good.
 *
 * The pool starts full, its sessions held for good: the only room is what
 * the grow by K makes. Each atomic block is one atomic operation of src/
 * (of the pair, a cell, or the descriptor), all sequentially consistent.
 *  - The grower stores the grow's descriptor; reads the flag (the tickets'
 *    head and tail) once and alerts the first K tickets whose cell is
 *    ready or alerted, a cell CAS and then a wake each; makes the grow
 *    take effect (HelpResize(): one CAS of the pair that adds K units,
 *    unless a helper did); then decides the units for the tickets
 *    (HelpUnits()). With STALL_ANY it may stop for good before any step;
 *    with STALL right after its linearization point; with STALL_ALERTED
 *    right after its wake-up, before its linearization point.
 *  - CALLERS callers, each wanting one session, arrive at any moment. One
 *    that finds units, no ticket queued and no record takes a unit (a CAS
 *    of the pair); one that finds a record, or units and tickets queued,
 *    helps (HelpUnits()) and looks again; one that finds neither takes a
 *    ticket (a CAS of the pair) and waits on its cell.
 *  - With END, a session held since the start ends at any moment: its
 *    End finishes a grant record pending, then hands its slot to the head
 *    ticket (delivered and published in one step here, then a wake), or,
 *    with no ticket queued, frees it for a claim.
 *  - A waiter loops: it peeks its cell; committed or published: it helps
 *    the record to its end if it is its own, takes the slot (a grant's or
 *    an End's), and makes the grow serve the waiters before it returns
 *    (HelpGrowForWaiters(), from InstanceCore::WaitForSlot()); alerted:
 *    it re-arms the cell (a CAS back to ready) and looks again; ready: it
 *    calls HelpGrowForWaiters() (reads the descriptor, then the pair: a
 *    grow published and not in force is made to take effect, and a record,
 *    or units with tickets queued, are helped), and looks again if that
 *    did anything, else sleeps on the cell as it read it (a futex: it
 *    sleeps only if the cell still holds that value, and stays asleep
 *    until a wake of the cell).
 *  - HelpUnits(): finishes a pending grant record, or decides a unit for
 *    the head ticket (one CAS of the pair: the head steps on, a unit
 *    becomes the record), until no record is pending and no unit is left
 *    for a ticket. A record's finisher commits the cell (ready or alerted
 *    -> committed, a CAS that wakes nobody), publishes it (committed ->
 *    published, a CAS), wakes it, and ends the record (a CAS of the pair).
 *    Slots are not modelled (grow_claims.pml and resize_claims.pml have
 *    them): a committed cell stands for its slot.
 * Checked:
 *  - no waiter sleeps beside room: whenever no process can move (the
 *    grower stopped or returned, every other caller served or asleep), a
 *    sleeping waiter finds no free slot, and the grow not in force (a
 *    grower stopped before its linearization point, and before it woke
 *    anyone who would help it, made no room), or no unit and no record
 *    left;
 *  - nobody waits for the grower alone: then, once the grower has woken a
 *    waiter, the grow is in force;
 *  - nothing lost or made twice: then, with the grow in force, the
 *    sessions given out plus the units and the record left are K; without
 *    it, none was given out;
 *  - a waiter takes only its own grant, and once.
 * Mutants (each must be caught):
 *  - MUTANT_GROW_WAKES_NOBODY: no alert (src/'s kGrowWakesNobody): the
 *    waiters that slept before the grow sleep beside a grower that stopped
 *    after its linearization point;
 *  - MUTANT_ALERT_BEFORE_DESC: the alert before the descriptor's store: a
 *    waiter woken by it reads no grow and sleeps again;
 *  - MUTANT_SLEEP_IGNORES_GROW: a waiter sleeps without looking at the
 *    grow: one that took its ticket after the alert read the flag sleeps
 *    beside the room;
 *  - MUTANT_HELP_SKIPS_RESIZE: HelpGrowForWaiters() reads only the pair: a
 *    waiter woken before the grow took effect sleeps again, and the grower
 *    stops right after its linearization point;
 *  - MUTANT_ONLY_PUBLISHER_WAKES: a grant's finisher that finds the grant
 *    published by another ends the record without a wake (src/'s
 *    kOnlyPublisherWakes): a publisher stopped before its wake leaves its
 *    waiter asleep beside its grant;
 *  - MUTANT_RETURN_IGNORES_GROW (END): a waiter returns without making the
 *    grow serve the waiters (src/'s kReturnIgnoresGrow): the waiter the
 *    grower woke, served by the End, returns, and the other sleeps beside
 *    the grow's unit (STALL), or waits for the grower alone
 *    (STALL_ALERTED).
 * A documented limit (LIMIT_WAITER_STOPS: any caller may stop for good
 * too). A caller that stops alone holds nobody up (it passes); with the
 * grower stopped as well (it fails), a waiter the grower woke, or one that
 * made the grow take effect, stopped for good (in src/, off the
 * processor) leaves the waiters nobody else woke asleep beside the room,
 * or the grow waiting for them, until one of them or another caller runs.
 * Not modelled: deadlines, gates, the overflow list (AlertForGrow() wakes
 * its head; overflow.pml), shrinks, the ring's reuse of cells.
 */

#ifndef K
#define K 2 /* the grow's units */
#endif
#ifndef CALLERS
#define CALLERS 3
#endif
#define NONE 255
#define GID CALLERS /* the grower's id */

/* cell states */
#define READY 0
#define ALERTED 1
#define COMMITTED 2 /* kDelivered | kOpening: wakes nobody */
#define PUBLISHED 3
#define TAKEN 4

/* the descriptor */
bool desc;
/* the pair */
bool done; /* the grow in force (the debt word's epoch) */
byte units;
byte rec = NONE; /* a grant record: its ticket */
byte head;
byte tail;
/* the cells, one per ticket, and their futex sleepers */
byte cell[CALLERS];
bool asleep[CALLERS];
/* slots freed by an End (END) */
byte freeslots;
/* ghosts */
byte given; /* the grow's sessions given out: units taken, grants committed */
byte finished;
bool gstopped;
bool gwoke; /* the grower has woken a waiter */

/* The grower may stop for good before any step (STALL_ANY); so may a
 * woken waiter (LIMIT_WAITER_STOPS). */
#ifdef STALL_ANY
#define GSTOP :: me == GID -> gstopped = 1; goto stopped
#else
#define GSTOP
#endif
#ifdef LIMIT_WAITER_STOPS
#define WSTOP :: me != GID -> goto stopped
#else
#define WSTOP
#endif
#define MAYSTOP if GSTOP WSTOP :: true -> skip fi

inline wake(t) {
  MAYSTOP;
  asleep[t] = 0
}

/* HelpResize(): the grow's linearization point, once. */
inline help_resize() {
  MAYSTOP;
  atomic {
    if
    :: !done -> done = 1; units = units + K
    :: else -> skip
    fi
  }
}

/* FinishGrant() of the record of ticket rt (step: what the cell read
 * calls for). */
inline finish_grant(rt) {
  do
  :: MAYSTOP;
    atomic {
      if
      :: cell[rt] == READY || cell[rt] == ALERTED -> step = 1
      :: cell[rt] == COMMITTED -> step = 2
      :: cell[rt] == PUBLISHED || cell[rt] == TAKEN -> step = 3
      fi
    }
    if
    :: step == 1 ->
      /* MarkForGrant() reads the record; then CommitGrant() */
      MAYSTOP;
      if
      :: rec != rt -> break /* the record ended */
      :: else -> skip
      fi;
      MAYSTOP;
      atomic {
        if
        :: cell[rt] == READY || cell[rt] == ALERTED ->
          cell[rt] = COMMITTED; given++; assert(given <= K)
        :: else -> skip
        fi
      }
    :: step == 2 ->
      MAYSTOP;
      atomic {
        if
        :: cell[rt] == COMMITTED -> cell[rt] = PUBLISHED; step = 4
        :: else -> skip
        fi
      }
      if
      :: step == 4 -> wake(rt); woke = 1
      :: else -> skip
      fi
    :: step == 3 ->
#ifndef MUTANT_ONLY_PUBLISHER_WAKES
      /* the cell published by another finisher, which may have stopped
       * before its wake: wake it before the record ends */
      if
      :: !woke && cell[rt] == PUBLISHED -> wake(rt)
      :: else -> skip
      fi;
#endif
      MAYSTOP;
      atomic {
        if
        :: rec == rt -> rec = NONE
        :: else -> skip
        fi
      }
      break
    fi
  od;
  step = 0;
  woke = 0
}

/* HelpUnits(): rt is the record to finish, NONE after a decision, or
 * CALLERS when nothing is left to do. */
inline help_units() {
  do
  :: MAYSTOP;
    atomic {
      if
      :: rec != NONE -> rt = rec
      :: rec == NONE && units > 0 && head != tail ->
        /* the decision: the head ticket gets the record */
        rec = head; head++; units--; rt = NONE
      :: else -> rt = CALLERS
      fi
    }
    if
    :: rt == CALLERS -> break
    :: rt == NONE -> skip
    :: else -> finish_grant(rt)
    fi
  od;
  rt = 0
}

/* HelpGrowForWaiters(): acted tells whether it found anything. */
#define FOR_WAITERS (rec != NONE || (units > 0 && head != tail))
inline help_grow() {
  acted = 0;
#ifndef MUTANT_SLEEP_IGNORES_GROW
  MAYSTOP;
  ds = desc;
  MAYSTOP;
  atomic {
    /* the pair's read */
    if
#ifndef MUTANT_HELP_SKIPS_RESIZE
    :: ds && !done -> step = 1
#endif
    :: else -> step = (FOR_WAITERS -> 2 : 0)
    fi;
    ds = 0
  }
  if
  :: step == 1 ->
    step = 0;
    help_resize();
    MAYSTOP;
    atomic { step = (FOR_WAITERS -> 2 : 0) };
    acted = 1
  :: else -> skip
  fi;
  if
  :: step == 2 -> step = 0; help_units(); acted = 1
  :: else -> skip
  fi
#endif
}

/* AlertForGrow(): the flag read once, then the first K ready cells. */
inline alert_for_grow() {
  MAYSTOP;
  atomic { ah = head; at = tail };
  n = K;
  do
  :: ah != at && n > 0 ->
    MAYSTOP;
    atomic {
      if
      :: cell[ah] == READY || cell[ah] == ALERTED ->
        cell[ah] = ALERTED; won = 1; n--
      :: else -> skip
      fi
    }
    if
    :: won -> won = 0; wake(ah); gwoke = 1
    :: else -> skip
    fi;
    ah++
  :: else -> break
  od;
  ah = 0; at = 0; n = 0
}

proctype Caller(byte me) {
  byte t, c, step, rt, ah, at, n;
  bool acted, won, ds, woke;
  /* Begin: a unit, help, or a ticket */
  do
  :: MAYSTOP;
    atomic {
      if
      :: freeslots > 0 -> freeslots--; step = 1 /* a claim */
      :: freeslots == 0 && units > 0 && rec == NONE && head == tail ->
        units--; given++; assert(given <= K); step = 1
      :: freeslots == 0 && (rec != NONE || (units > 0 && head != tail)) ->
        step = 2
      :: freeslots == 0 && units == 0 && rec == NONE ->
        t = tail; tail++; step = 3
      fi
    }
    if
    :: step == 1 -> goto stopped
    :: step == 2 -> step = 0; help_units()
    :: step == 3 -> step = 0; break
    fi
  od;
  /* AwaitTicket() */
  do
  :: MAYSTOP;
    c = cell[t];
    if
    :: c == COMMITTED || c == PUBLISHED ->
      /* Take(): helps its own record while it is committed */
      do
      :: atomic { cell[t] == PUBLISHED -> cell[t] = TAKEN }; break
      :: atomic { cell[t] == COMMITTED && rec == t -> rt = t };
        finish_grant(rt)
      od;
#ifndef MUTANT_RETURN_IGNORES_GROW
      /* before it returns (InstanceCore::WaitForSlot()) */
      help_grow();
#endif
      goto stopped
    :: c == ALERTED ->
      /* Rearm() */
      MAYSTOP;
      atomic {
        if
        :: cell[t] == ALERTED -> cell[t] = READY
        :: else -> skip
        fi
      }
    :: c == READY ->
      help_grow();
      if
      :: acted -> acted = 0
      :: else ->
        /* Wait(): sleeps only on the value it read */
        MAYSTOP;
        atomic {
          if
          :: cell[t] == c -> asleep[t] = 1
          :: else -> skip
          fi
        }
end_sleep:
        !asleep[t]
      fi
    fi;
    c = 0
  od;
stopped:
  finished++
}

proctype Grower() {
  byte me = GID;
  byte t, c, step, rt, ah, at, n;
  bool acted, won, ds, woke;
#ifdef MUTANT_ALERT_BEFORE_DESC
  alert_for_grow();
  MAYSTOP;
  desc = 1;
#else
  MAYSTOP;
  desc = 1;
#ifndef MUTANT_GROW_WAKES_NOBODY
  alert_for_grow();
#endif
#endif
#ifdef STALL_ALERTED
  /* stops for good right after its wake-up, before it takes effect */
  gstopped = 1;
  goto stopped;
#endif
  help_resize();
#ifdef STALL
  /* stops for good right after its linearization point */
  gstopped = 1;
  goto stopped;
#endif
  help_units();
stopped:
  finished++
}

#ifdef END
/* The End of a session held since the start: it finishes a grant record
 * pending first (src/'s End finishes the records in flight before its
 * hand-off), then hands its slot to the head ticket (its CAS of the
 * pair), delivers and publishes it (one step here: the waiter has no
 * deadline, so its cell is ready or alerted) and wakes the waiter; with no
 * ticket queued it frees the slot. */
proctype Ender() {
  byte me = GID + 1;
  byte t, c, step, rt, ah, at, n;
  bool acted, won, ds, woke;
  do
  :: atomic {
      if
      :: rec != NONE -> rt = rec; step = 1
      :: rec == NONE && head != tail -> t = head; head++; step = 2
      :: rec == NONE && head == tail -> freeslots++; step = 3
      fi
    }
    if
    :: step == 1 -> step = 0; finish_grant(rt)
    :: step == 2 -> step = 0; break
    :: step == 3 -> goto stopped
    fi
  od;
  atomic {
    assert(cell[t] == READY || cell[t] == ALERTED);
    cell[t] = PUBLISHED
  }
  wake(t);
stopped:
  finished++
}
#endif

/* A record not yet committed: its unit is not given out yet. (One whose
 * finisher stopped after the commit has given its unit out: the waiter
 * takes the slot, helping the record if it is still committed.) */
#define LIVE_REC (rec != NONE && (cell[rec] == READY || cell[rec] == ALERTED))

/* Whenever no process can move. */
active proctype Watch() {
  byte i;
  timeout ->
  atomic {
    i = 0;
    do
    :: i < CALLERS ->
      /* never asleep through its own grant, nor beside room */
      assert(!asleep[i] || cell[i] == READY || cell[i] == ALERTED);
      assert(!asleep[i] || !done || (units == 0 && !LIVE_REC));
      assert(!asleep[i] || freeslots == 0);
      i++
    :: else -> break
    od;
    /* a waiter the grower woke made the grow take effect */
    assert(!gwoke || done);
    if
    :: done -> assert(given + units + (LIVE_REC -> 1 : 0) == K)
    :: else -> assert(given == 0 && units == 0)
    fi
  }
}

init {
  byte i;
  atomic {
    i = 0;
    do
    :: i < CALLERS -> run Caller(i); i++
    :: else -> break
    od;
    run Grower();
#ifdef END
    run Ender()
#endif
  }
}
