/* overflow.pml: Spin model of the overflow list (src/slot_pool.h: Join,
 * EnqueueHead, MailToHead, TakeMail, SettleMailed, CloseList, HandOver's
 * branch for listed callers; src/session_overflow_list.h; and
 * src/instance_core.h: AwaitListed, LeaveList, Unlist): first come, first
 * served past the ring's limit. V is the flag's kListed bit, U the debt
 * word's owed count, G the flag's kMailed bit, the mailbox mail_.
 *
 * The ring of cells serves tickets in order, but a ticket holds its cell
 * until it is done, so a caller that finds the cell of the tail held has
 * no place in the ring. Here such callers join an overflow list (a FIFO
 * under a mutex: only waiters take it, never Begin, Dup or End), and the
 * flag word gains two bits:
 *  - V, "a caller of the overflow list is owed a grant" (U, the callers
 *    owed, is not 0; V and U change together, one CAS of the pair): a
 *    caller that joins the list counts itself owed and sets V (a CAS that
 *    needs the flag verified, like a ticket); while V is set, no newcomer
 *    takes a ticket: it joins the list. Only the head of the list takes a
 *    ticket (leaving the list in the same CAS, owed no more). A caller
 *    that leaves the list with no grant counts itself owed no more in a
 *    CAS that finds at most as many grants decided (the callers less U)
 *    as callers ahead of it (LeaveUnowed()).
 *  - G, "a grant for the head of the list is in the mailbox or on its
 *    way": an End that finds the flag verified, no ticket outstanding and
 *    V set may not free its slot (a newcomer's claim would jump the list):
 *    it sets G and counts one caller fewer owed with a CAS that needs V
 *    set and no ticket outstanding (else it looks at the flag again),
 *    opens the slot as a grant and pushes it onto the mailbox (a stack of
 *    slots). While G is set the head takes no ticket: it waits for the
 *    mailbox. A caller takes a grant decided before the Stop's gate if
 *    the mailbox holds more of them than callers ahead, a gated one only
 *    once every grant decided (the callers less U) is in the mailbox (the
 *    mailbox is a stack: any grant may be on top); with its grant decided
 *    and not yet pushed it lets go of the mutex and waits. A caller that
 *    pops a grant and leaves others clears G when no grant is decided,
 *    in one step (a CAS of the pair, which a decision fails).
 *  - The last member to leave the list (served, or timed out) clears V and
 *    G in one CAS (V is clear by then: nobody is owed). No grant is left
 *    in the mailbox or on its way: a grant is decided only for a caller
 *    owed one, who takes it before it leaves.
 *
 * The ring is abstracted: one cell, at most one ticket outstanding, and a
 * hand-off (head CAS, commit, publish) is one step (wait_queue.pml checks
 * the ring itself). The wake-ups are abstracted too: a blocked waiter is a
 * guard on the state it waits for (the code must wake the list's head on
 * a push, on a cell readied while V is set, and on a change of head).
 * Every statement in an atomic block is one C++ atomic operation, except
 * the list's updates, which are under the mutex. A proof of full is one
 * step (full_flag.pml checks it).
 *
 * CLIENTS clients, client 0 holding a session at the start, each running
 * ROUNDS rounds: End the session it holds, else Begin and wait (client
 * PLAIN: Begin without waiting). With TIMEOUTS a waiter may leave at any
 * moment.
 *
 * Checked:
 *  - first come, first served: a grant (a hand-off to a ticket, a pop from
 *    the mailbox) goes to the live waiter that arrived first; a claim that
 *    succeeds finds no live waiter that arrived before its call started
 *    (ghosts arr, arrof[], live[]; a waiter arrives at its ticket CAS or
 *    at its CAS that joins the list);
 *  - no lost wake-up: without TIMEOUTS a waiter blocked at the end is an
 *    invalid end state;
 *  - exact: a waiter that times out finds no free slot at that moment;
 *  - the verified flag never stands beside a free slot (monitor), V only
 *    with the flag verified;
 *  - a caller that takes a grant made after the gate (and so answers the
 *    Stop's error) leaves no grant made before the gate in the mailbox or
 *    on its way beyond one for each caller ahead of it (ghost owed): such
 *    a grant is its own;
 *  - no grant owed is lost: the grants decided and not yet taken (ghost
 *    mailed) are owed to the callers of the list in order, so a caller
 *    that leaves the list without one (a time-out, the Stop) has at least
 *    as many callers ahead of it as there are such grants, and a caller
 *    that takes one has fewer live waiters older than it than such grants,
 *    all of them ahead of it in the list (first come, first served among
 *    the grants' owners);
 *  - no more grants than callers: the grants decided and not yet taken
 *    never outnumber the callers of the list (monitor), and V says that U
 *    is not 0;
 *  - nothing stranded: at the end every slot is free and closed, the flag
 *    clear, the mailbox empty, nobody listed.
 *
 * Mutants (each must be caught):
 *  - MUTANT_END_IGNORES_V: an End with no ticket outstanding frees its
 *    slot whatever V says;
 *  - MUTANT_PUSH_WITHOUT_G: the End's CAS before its push leaves G as it
 *    is;
 *  - MUTANT_NEWCOMER_IGNORES_V: a newcomer takes a ticket while V is set;
 *  - MUTANT_CLEAR_G_ON_EMPTY: G is cleared once the mailbox is empty,
 *    whatever grants are decided and not yet pushed;
 *  - MUTANT_PUSH_UNGATED (WITH_STOP): an End's push ignores the gate;
 *  - MUTANT_FLAG_LEAVE_IGNORES_MAILBOX (WITH_STOP): the head woken by the
 *    Stop answers its error without looking at the mailbox.
 *  - MUTANT_HEAD_TAKES_TOP (WITH_STOP, N=2): the head takes the grant on
 *    top of the mailbox, gated or not.
 *  - MUTANT_LEAVER_IGNORES_MAIL (N=2): a caller behind the head that
 *    leaves the list answers without looking at the mailbox.
 *  - MUTANT_MAIL_PAST_CALLERS (N=2): an End mails its slot whatever the
 *    grants already decided (V set while the list is not empty, U not
 *    looked at): one listed caller, two grants.
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
#ifndef PLAIN
#define PLAIN 255
#endif
#ifndef HELD
#define HELD 1
#endif
#define NONE 255
#define MBOX 254

#define C_CLOSED 0
#define C_OPEN 1
#define C_PEND 2 /* open and held by its End, its bit free */

#define CELL_READY 0
#define CELL_WAIT 1
#define CELL_DELIV 2
#define CELL_CANC 3

bit claimed[N];
byte ctl[N];
byte owner[N];
bit inbox[N]; /* a grant in the mailbox */
byte nbox;

/* The flag word. */
bit fver;
byte ftail;
byte fhead;
bit fV;
byte fU; /* the debt word's owed count */
bit fG;

/* The ring's one cell. */
byte cst;
byte cown = NONE;
byte cslot;

/* The overflow list, under the mutex lk. */
byte ovl[CLIENTS];
byte ovn;
byte lk = NONE;

/* WITH_STOP: the instance's stopped state (words closed for Begin), the
 * flag's gate, and the Stop's return. */
bit stopped;
bit fgate;
bit stopdone;
bit bgated[N]; /* the grant in the mailbox was made after the gate */
bit cgated;    /* the grant in the cell was made after the gate */
bit bmade[N];  /* ghost: the grant in the mailbox was made after the Stop returned */
bit cmade;     /* ghost: the same, of the grant in the cell */

/* Ghosts. */
byte arr;
byte owed; /* grants decided before the gate, in the mailbox or on their way */
byte mailed; /* grants decided, in the mailbox or on their way */
bit ungated[CLIENTS]; /* took a grant made before the gate */
bit stoperr[CLIENTS]; /* waited, and answered the Stop's error */
byte arrof[CLIENTS];
bit live[CLIENTS];
byte finished;

#define CLAIMABLE(i) (claimed[i] == 0 && ctl[i] == C_CLOSED)
#if N == 1
#define NONE_FREE (!CLAIMABLE(0))
#else
#define NONE_FREE (!CLAIMABLE(0) && !CLAIMABLE(1))
#endif

#if N == 1
#define UNGATED_IN_BOX ((inbox[0] && !bgated[0]) -> 1 : 0)
#else
#define UNGATED_IN_BOX (((inbox[0] && !bgated[0]) -> 1 : 0) + \
                        ((inbox[1] && !bgated[1]) -> 1 : 0))
#endif

#define NEXT(t) (((t) + 1) % 4)

inline noolder(w) {
  k = 0;
  do
  :: k < CLIENTS -> assert(k == w || !live[k] || arrof[k] > arrof[w]); k++
  :: else -> break
  od;
  k = 0
}

inline nobefore(start) {
  k = 0;
  do
  :: k < CLIENTS -> assert(k == id || !live[k] || arrof[k] >= start); k++
  :: else -> break
  od;
  k = 0
}

/* Waiter w, pos places behind the list's head, takes one of the grants
 * decided: it is among the first callers of the list, those the grants
 * were decided for (pos < mailed), and was served at that decision. */
inline fairtake(w) {
  assert(pos < mailed && !live[w])
}

/* The position of id in the list (pos). */
inline position() {
  pos = 0;
  do
  :: ovl[pos] != id -> pos++
  :: else -> break
  od
}

/* TakeMail(pos) for a caller pos places behind the list's head that
 * leaves it: ok = 1, a grant is its own and in hand (an ungated one, more
 * of them than callers ahead, or every grant decided is in the mailbox);
 * ok = 0, none is decided for it (no more decided, the callers less U,
 * than callers ahead); ok = 2, its grant is decided and not yet pushed. */
#ifdef MUTANT_LEAVER_IGNORES_MAIL
#define SETTLES(p) (p == 0) /* the mutant's callers behind the head: none */
#else
#define SETTLES(p) 1
#endif
inline settle() {
  atomic {
    if
    :: !SETTLES(pos) -> ok = 0; assert(mailed <= pos)
    :: SETTLES(pos) && UNGATED_IN_BOX > pos -> ok = 1
    :: SETTLES(pos) && UNGATED_IN_BOX <= pos && ovn - fU <= pos ->
       ok = 0; assert(mailed <= pos)
    :: SETTLES(pos) && UNGATED_IN_BOX <= pos && ovn - fU > pos &&
       nbox == ovn - fU -> ok = 1
    :: SETTLES(pos) && UNGATED_IN_BOX <= pos && ovn - fU > pos &&
       nbox != ovn - fU -> ok = 2
    fi
  }
}

/* LeaveUnowed(pos): a caller pos places behind the list's head that leaves
 * it with no grant counts itself owed no more, if no more grants are
 * decided than callers ahead of it (the callers less those owed); ok = 1:
 * one was decided since, take it. */
inline unowed() {
#ifdef MUTANT_LEAVER_IGNORES_MAIL
  if
  :: pos > 0 && fU > 0 -> fU--; ok = 0
  :: pos > 0 && fU == 0 -> ok = 0
  :: pos == 0 && (ovn - fU > pos || fU == 0) -> ok = 1
  :: pos == 0 && !(ovn - fU > pos || fU == 0) -> fU--; ok = 0
  fi;
#else
  if
  :: ovn - fU > pos || fU == 0 -> ok = 1
  :: else -> fU--; ok = 0
  fi;
#endif
  if
  :: ok == 0 && fU == 0 -> fV = 0
  :: else -> skip
  fi
}

inline arrive() {
  arrof[id] = arr; arr++; live[id] = 1; ungated[id] = 0; stoperr[id] = 0
}

/* A waiter answers the Stop's error: no later waiter keeps a grant made
 * before the gate. */
inline answer_stop() {
  stoperr[id] = 1;
  k = 0;
  do
  :: k < CLIENTS -> assert(k == id || !ungated[k] || arrof[k] < arrof[id]); k++
  :: else -> break
  od;
  k = 0
}
/* A waiter takes a grant made before the gate: no earlier waiter answered
 * the Stop's error. */
inline take_ungated() {
  ungated[id] = 1;
  k = 0;
  do
  :: k < CLIENTS -> assert(k == id || !stoperr[k] || arrof[k] > arrof[id]); k++
  :: else -> break
  od;
  k = 0
}

inline unlist() {
  k = 0;
  do
  :: k < ovn && ovl[k] != id -> k++
  :: k < ovn && ovl[k] == id ->
     do
     :: k + 1 < ovn -> ovl[k] = ovl[k + 1]; k++
     :: else -> break
     od;
     ovn--; ovl[ovn] = NONE; break
  :: k >= ovn -> assert(false)
  od;
  k = 0
}

inline lock() {
  atomic { lk == NONE -> lk = id }
}
inline unlock() {
  assert(lk == id); lk = NONE
}

proctype Client(byte id) {
  byte r = 0;
  byte mine = NONE;
  byte fs;
  byte ret;
  byte start;
  byte k;
  byte i;
  byte i2;
  byte pos; /* callers ahead in the list */
  bit lver;
  byte lt;
  byte lh;
  bit lV;
  bit lG;
  byte lc;
  byte ok;
  byte handed;
  byte gb = NONE; /* a gated grant to give back */
  bit late;
  bit se;
  bit gg;
  bit gm; /* ghost: the push's decision came after the Stop returned */

  if
  :: id < HELD -> mine = id
  :: else -> skip
  fi;
next:
  if
  :: r >= ROUNDS && mine == NONE -> goto done
  :: r < ROUNDS && mine != NONE -> r++; fs = mine; mine = NONE; ret = 0; goto dofree
  :: r >= ROUNDS && mine != NONE -> fs = mine; mine = NONE; ret = 0; goto dofree
  :: r < ROUNDS && mine == NONE -> r++; goto call
  fi;

call:
  atomic { start = arr; late = stopdone };
begin:
  /* The claim, or a proof that the pool is full. */
  atomic {
    i = 0;
    do
    :: stopped -> se = 1; break /* a word closed for Begin */
    :: !stopped && i < N && CLAIMABLE(i) ->
       claimed[i] = 1; ctl[i] = C_OPEN; owner[i] = id; mine = i;
       nobefore(start);
       assert(!late);
       break
    :: !stopped && i < N && !CLAIMABLE(i) -> i++
    :: !stopped && i >= N ->
       /* Full; the flag verified only when no slot is pending (an End
        * that read the flag clear is between its free and its store). */
       i = 0;
       do
       :: i < N && ctl[i] == C_PEND && claimed[i] == 0 -> break
       :: i < N && !(ctl[i] == C_PEND && claimed[i] == 0) -> i++
       :: i >= N -> fver = 1; break
       od;
       break
    od
  };
  if
  :: mine != NONE -> goto next
  :: se -> se = 0; goto next /* the state error */
  :: else -> skip
  fi;
  if
  :: id == PLAIN -> goto next /* OutOfSessions */
  :: else -> skip
  fi;

queue:
  /* The state before each ticket (QueueForSlot()). */
  if
  :: stopped -> goto next /* the state error, before waiting */
  :: else -> skip
  fi;
  atomic { lver = fver; lt = ftail; lh = fhead; lV = fV; lG = fG; lc = cst };
  if
  :: lver == 0 -> goto begin
#ifdef MUTANT_NEWCOMER_IGNORES_V
  :: lver == 1 && lc == CELL_READY ->
#else
  :: lver == 1 && lV == 0 && lc == CELL_READY ->
#endif
     atomic {
       if
       :: fver == lver && ftail == lt && fhead == lh && fV == lV &&
          fG == lG && cst == CELL_READY ->
          cst = CELL_WAIT; cown = id; ftail = NEXT(ftail); arrive(); ok = 1
       :: else -> ok = 0
       fi
     };
     if
     :: ok -> goto ring
     :: else -> goto queue
     fi
  :: else -> skip
  fi;
  /* Join the list. */
  lock();
  atomic {
    if
    :: fver == 0 -> ok = 0
    :: fver == 1 && fV == 0 && cst == CELL_READY -> ok = 2
    :: else -> fV = 1; fU++; ovl[ovn] = id; ovn++; arrive(); ok = 1
    fi
  };
  unlock();
  if
  :: ok == 0 -> goto begin
  :: ok == 2 -> goto queue
  :: else -> skip
  fi;

listed:
  if
#ifdef TIMEOUTS
  :: goto leavelist
#endif
  :: stopped -> goto leaveflag
  :: ovl[0] == id && (nbox > 0 || (fG == 0 && cst == CELL_READY)) -> skip
  fi;
  lock();
  if
#ifdef MUTANT_HEAD_TAKES_TOP
  :: ovl[0] == id && nbox > 0 -> pos = 0; goto pop
#else
  :: ovl[0] == id && (UNGATED_IN_BOX > 0 || (nbox > 0 && nbox == ovn - fU)) ->
     pos = 0; goto pop
#endif
  :: else -> skip
  fi;
  /* The head takes a ticket, and leaves the list in the same CAS. */
  atomic {
    if
    :: ovl[0] == id && fG == 0 && cst == CELL_READY ->
       assert(fver == 1 && fV == 1);
#ifndef MUTANT_MAIL_PAST_CALLERS
       assert(fU == ovn);
#endif
       cst = CELL_WAIT; cown = id; ftail = NEXT(ftail);
       unlist();
       fU--;
       if
       :: fU == 0 -> fV = 0
       :: else -> skip
       fi;
       ok = 1
    :: else -> ok = 0
    fi
  };
  unlock();
  if
  :: ok -> goto ring
  :: else -> goto listed
  fi;

pop:
  /* TakeMail(pos): the mailbox is a stack and a free pushes a few steps
   * after its decision, so any grant in it may be on top (i chosen at
   * random). The caller pos places behind the head takes a grant decided
   * before the gate if more than pos are in the mailbox; a gated one only
   * once no pusher is on its way (the pushers' count read after the pops:
   * one step here). */
  atomic {
#ifndef MUTANT_HEAD_TAKES_TOP
    assert(UNGATED_IN_BOX > pos || nbox == ovn - fU);
#endif
    assert(nbox > pos);
#if N == 1
    i = 0;
#else
    if
    :: inbox[0] -> i = 0
    :: inbox[1] -> i = 1
    fi;
#endif
#ifndef MUTANT_HEAD_TAKES_TOP
    if
    :: UNGATED_IN_BOX > pos ->
       /* an ungated one */
       k = 0;
       do
       :: k < N && inbox[k] && !bgated[k] -> i = k; break
       :: k < N && !(inbox[k] && !bgated[k]) -> k++
       :: k >= N -> break
       od
    :: else ->
       /* a gated one (the ungated are the callers' ahead) */
       k = 0;
       do
       :: k < N && inbox[k] && bgated[k] -> i = k; break
       :: k < N && !(inbox[k] && bgated[k]) -> k++
       :: k >= N -> break
       od
    fi;
    k = 0;
#endif
    /* A caller that takes a gated grant answers the Stop's error: no grant
     * decided before the gate is left beyond those of the callers ahead. */
    assert(!bgated[i] || owed <= pos);
    if
    :: !bgated[i] -> owed--
    :: else -> skip
    fi;
    fairtake(id);
    mailed--;
    inbox[i] = 0; nbox--;
    live[id] = 0;
    assert(owner[i] == MBOX); owner[i] = id; mine = i;
    if
    :: bgated[i] -> gb = i; mine = NONE; bgated[i] = 0
    :: else -> assert(!bmade[i]); take_ungated()
    fi;
    unlist()
  };
  if
  :: ovn == 0 -> goto lastout
  :: else -> skip
  fi;
  /* Others wait: G stays set only while a grant is left or on its way
   * (SettleMailed(): a CAS of the pair, which a decision fails). */
  atomic {
    if
#ifdef MUTANT_CLEAR_G_ON_EMPTY
    :: nbox == 0 -> fG = 0
#else
    :: ovn - fU == 0 -> fG = 0
#endif
    :: else -> skip
    fi
  };
  unlock();
  goto gated;

leaveflag:
  /* Woken by the Stop: the gate first (Settled()), then the grant owed to
   * this caller is taken, if more grants are in the mailbox or on their
   * way than callers ahead of it; else the Stop's error. */
  fgate = 1;
  lock();
  position();
#ifdef MUTANT_FLAG_LEAVE_IGNORES_MAILBOX
  if
  :: pos == 0 -> goto flagout
  :: else -> skip
  fi;
#endif
  /* TakeMail(pos, settle): the answer holds at one instant. */
flagsettle:
  settle();
  if
  :: ok == 1 -> goto pop
  :: ok == 2 -> unlock(); lock(); position(); goto flagsettle
  :: else -> skip
  fi;
  atomic {
    unowed();
    if
    :: ok == 0 -> unlist(); live[id] = 0; answer_stop()
    :: else -> skip
    fi
  };
  if
  :: ok -> goto flagsettle
  :: else -> goto flagleft
  fi;
flagout:
  /* (the mutant's head: owed no more, whatever the mailbox holds) */
  atomic {
    if
    :: fU > 0 -> fU--
    :: else -> skip
    fi;
    if
    :: fU == 0 -> fV = 0
    :: else -> skip
    fi;
    unlist(); live[id] = 0; answer_stop()
  };
flagleft:
  if
  :: ovn == 0 -> goto lastout
  :: else -> unlock(); goto next
  fi;

gated:
  /* A grant made after the gate is ended again (a free: it goes to the
   * next waiter), and the Stop's error answered. */
  if
  :: gb != NONE -> fs = gb; ret = 2; goto freebit
  :: else -> goto next
  fi;

leavelist:
  /* A time-out: as leaveflag, OutOfSessions for none owed. */
  lock();
  position();
timesettle:
  settle();
  if
  :: ok == 1 -> goto pop
  :: ok == 2 -> unlock(); lock(); position(); goto timesettle
  :: else -> skip
  fi;
  atomic {
    unowed();
    if
    :: ok == 0 ->
       unlist(); live[id] = 0;
       /* Exact: the timeout finds no free slot. */
       assert(NONE_FREE)
    :: else -> skip
    fi
  };
  if
  :: ok -> goto timesettle
  :: else -> skip
  fi;
  if
  :: ovn == 0 -> goto lastout
  :: else -> unlock(); goto next /* OutOfSessions */
  fi;

lastout:
  /* The last member: V (clear already, nobody owed) and G cleared in one
   * CAS. Nothing is left in the mailbox or on its way: a grant is decided
   * only for a caller owed one, who takes it before it leaves. */
  atomic {
#ifndef MUTANT_MAIL_PAST_CALLERS
    assert(fV == 0 && fU == 0);
#endif
    fV = 0; fG = 0
  };
  unlock();
  goto gated;

ring:
  if
  :: atomic {
       cst == CELL_DELIV && cown == id ->
       cst = CELL_READY; cown = NONE; mine = cslot; assert(owner[mine] == id);
       if
       :: cgated -> gb = mine; mine = NONE
       :: else -> assert(!cmade); take_ungated()
       fi
     };
     goto gated
  :: stopped ->
     fgate = 1;
     atomic {
       if
       :: cst == CELL_WAIT && cown == id ->
          cst = CELL_CANC; live[id] = 0; answer_stop(); ok = 1
       :: else -> ok = 0
       fi
     };
     if
     :: ok ->
        atomic {
          if
          :: fhead != ftail && cst == CELL_CANC && cown == id ->
             fhead = NEXT(fhead); cst = CELL_READY; cown = NONE
          :: else -> skip
          fi
        };
        goto next
     :: else -> goto ring
     fi
#ifdef TIMEOUTS
  :: atomic {
       if
       :: cst == CELL_WAIT && cown == id ->
          cst = CELL_CANC; live[id] = 0; assert(NONE_FREE); ok = 1
       :: else -> ok = 0
       fi
     };
     if
     :: ok ->
        /* Pass over its own ticket at the head. */
        atomic {
          if
          :: fhead != ftail && cst == CELL_CANC && cown == id ->
             fhead = NEXT(fhead); cst = CELL_READY; cown = NONE
          :: else -> skip
          fi
        };
        goto next /* OutOfSessions */
     :: else -> goto ring
     fi
#endif
  fi;

dofree:
  /* End (or a give-back): the fetch_add frees the bit; the slot is
   * pending, held by its End, until the last store. */
  atomic {
    assert(owner[fs] == id);
    owner[fs] = NONE; claimed[fs] = 0; ctl[fs] = C_PEND
  };
  goto flagread;
freebit:
  atomic { owner[fs] = NONE; claimed[fs] = 0; ctl[fs] = C_PEND };
flagread:
  atomic { lver = fver; lt = ftail; lh = fhead; lV = fV; lG = fG };
  if
  :: lver == 0 -> ctl[fs] = C_CLOSED; goto freed
  :: lver == 1 && lt != lh ->
     atomic { assert(claimed[fs] == 0); claimed[fs] = 1 };
handoff:
     atomic {
       if
       :: fhead == ftail -> handed = 2
       :: fhead != ftail && cst == CELL_CANC ->
          fhead = NEXT(fhead); cst = CELL_READY; cown = NONE; handed = 0
       :: fhead != ftail && cst == CELL_WAIT ->
          noolder(cown); live[cown] = 0;
          cst = CELL_DELIV; cslot = fs; fhead = NEXT(fhead); cgated = fgate;
          cmade = stopdone;
          ctl[fs] = C_OPEN; owner[fs] = cown; handed = 1
       fi
     };
     if
     :: handed == 0 -> goto handoff
     :: handed == 1 -> goto freed
     :: else -> claimed[fs] = 0; goto flagread
     fi
#ifdef MUTANT_END_IGNORES_V
  :: lver == 1 && lt == lh ->
#else
  :: lver == 1 && lt == lh && lV == 0 ->
#endif
     atomic {
       if
       :: fver == lver && ftail == lt && fhead == lh && fV == lV &&
          fG == lG -> fver = 0; ok = 1
       :: else -> ok = 0
       fi
     };
     if
     :: ok -> ctl[fs] = C_CLOSED; goto freed
     :: else -> goto flagread
     fi
#ifndef MUTANT_END_IGNORES_V
  :: lver == 1 && lt == lh && lV == 1 ->
     atomic { assert(claimed[fs] == 0); claimed[fs] = 1 };
     atomic {
       if
       :: fver == lver && ftail == lt && fhead == lh && fV == 1 &&
          fG == lG ->
#ifndef MUTANT_PUSH_WITHOUT_G
          fG = 1;
#endif
#ifdef MUTANT_MAIL_PAST_CALLERS
          if
          :: fU > 0 -> fU--
          :: else -> skip
          fi;
#else
          /* The grant is decided for the first caller owed, which no live
           * waiter is older than: it is served here. */
          assert(fU > 0 && fU <= ovn);
          i2 = ovl[ovn - fU];
          noolder(i2);
          live[i2] = 0;
          i2 = 0;
          fU--;
          if
          :: fU == 0 -> fV = 0
          :: else -> skip
          fi;
#endif
          gm = stopdone;
#ifdef MUTANT_PUSH_UNGATED
          gg = 0; ok = 1;
#else
          gg = fgate; ok = 1;
#endif
          if
          :: !gg -> owed++
          :: else -> skip
          fi;
          mailed++
       :: else -> ok = 0
       fi
     };
     if
     :: ok ->
        atomic {
          ctl[fs] = C_OPEN; owner[fs] = MBOX; inbox[fs] = 1; nbox++;
          bgated[fs] = gg; bmade[fs] = gm
        };
        goto freed
     :: else -> claimed[fs] = 0; goto flagread
     fi
#endif
  fi;
freed:
  if
  :: ret == 2 -> atomic { gb = NONE; ret = 0; answer_stop() }; goto next
  :: else -> goto next
  fi;

done:
  finished++
}

#ifdef WITH_STOP
active proctype Stop() {
  stopped = 1; /* the state, and every word closed for Begin */
  fgate = 1;   /* the gate */
  stopdone = 1
}
#endif

active proctype Monitor() {
end_monitor:
  do
  :: atomic { fver == 1 && !NONE_FREE -> assert(false) }
  :: atomic { fV == 1 && fver == 0 -> assert(false) }
  :: atomic { mailed > ovn -> assert(mailed <= ovn) }
#ifndef MUTANT_MAIL_PAST_CALLERS
  :: atomic { (fV == 1) != (fU > 0) -> assert(false) }
#endif
  od
}

init {
  byte k;
  atomic {
    k = 0;
    do
    :: k < N -> owner[k] = NONE; k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < CLIENTS -> ovl[k] = NONE; k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < HELD -> claimed[k] = 1; ctl[k] = C_OPEN; owner[k] = k; k++
    :: else -> break
    od;
    k = 0;
    do
    :: k < CLIENTS -> run Client(k); k++
    :: else -> break
    od
  };
  finished == CLIENTS;
  k = 0;
  do
  :: k < N -> assert(claimed[k] == 0 && ctl[k] == C_CLOSED && owner[k] == NONE); k++
  :: else -> break
  od;
  assert(fver == 0 && fV == 0 && fU == 0 && fG == 0 && nbox == 0 && ovn == 0 &&
         fhead == ftail)
}
