/* grow_units.pml: Spin model of a protocol for a grow that serves the
 * waiting callers without holding anybody up, with listed slots and pool
 * units: a design that src/ does not use (src/'s grow keeps its room as
 * units that claims take, grow_claims.pml; beside its shrink,
 * resize_claims.pml).
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
 *
 * A fresh-eyes review found six flaws in the protocol as stated above.
 * Each is a switch that makes the model faithful where it abstracted too
 * much, and fails; its fix is a switch that passes (SPIN_PART=design
 * check.sh runs both, as "open" and "fixed" rows):
 *  1. A pool record leaves the flag verified beside a claimable slot:
 *     src/ answers Begins and queues waiters from that flag (MONITOR: a
 *     monitor of "verified beside claimable room"; SRC_FLAG: src/'s flag
 *     paths). Fix FIX_POOLCLEAR: the decide CAS that picks the pool clears
 *     the flag and steps its epoch. (And src/'s search and collect read
 *     control words only under free bits: a claimable slot, its bit set,
 *     must be found some other way.)
 *  2. Stale helpers across grows: L[] is reused, and the 16-byte pair can
 *     come back bit for bit (TWO_GROWS with CAP2; ABA with LSEQ_ONLY: a
 *     grow, a shrink, a grow). Fix GROWSEQ: a grow number in G, compared
 *     by every pair CAS, and in a listed slot's control word, compared by
 *     the helper's control CAS.
 *  3. The ring of cells is reused (RING=R cells, laps): a helper that
 *     readies a cancelled cell before the record's last CAS makes the
 *     record read "taken" and lose the unit (READY_BEFORE_END). Fix:
 *     only the CAS that drops the record readies the cell (RING alone), or
 *     the decision comes from the slot (still listed: not delivered;
 *     FIX_CTLDECIDE).
 *  4. The proof of "full" in src/ is a candidate, two collects and a
 *     promote that may fail: a grow's linearization point between its read
 *     of the pair and its collects goes unseen (PROOF_SPLIT). Fix
 *     PROOF_FIX: the pair read again after the second collect, full only
 *     if it is unchanged (grow number included).
 *  5. A unit goes to the pool past a caller waiting in src/'s overflow
 *     list, which has no ticket (LISTGHOST with LISTED_CLIENT, a client
 *     that never finds its ticket's cell ready). Fix FIX_MAIL, which
 *     models the list (its lock, which only waiting callers take; the
 *     flag's listed and mailed bits, in the pair; the Ends' mailbox and
 *     their count, as overflow.pml has them) and keeps the list's units in
 *     G, so that no helper needs the lock or the mailbox's stack:
 *      - the decide ranks the list after the tickets and before the pool:
 *        with no ticket queued and the listed bit set, its CAS installs a
 *        mail record and sets the mailed bit (the list's head takes no
 *        ticket while a grant is on its way to the list);
 *      - the record's steps, by anyone: commit L[u] to the list (listed ->
 *        mailed, a CAS of its control word: the bit stays set, no session
 *        yet, no claim or proof counts it), then end the record by a CAS
 *        of the pair that counts the grant in G (mb + 1, u + 1); the
 *        winners of the decide and of the end wake the list's head
 *        (WakeHead(), which anyone may call). A mail record is never
 *        dropped: the list takes or gives back its grant;
 *      - the list's callers, under its lock, take the grants in order (the
 *        k-th decided for the k-th caller; an End's and a unit's are
 *        fungible): a unit's by mb - 1 (a CAS of the pair), then a mailed
 *        slot's control word -> open, found by a scan (only the lock's
 *        holder moves a slot out of mailed). A listed caller helps the
 *        list's record. The head that takes a grant and leaves callers
 *        listed clears the mailed bit only by a CAS that finds mb = 0 and
 *        no mail record. A caller that leaves by its deadline helps while
 *        a unit is left, then takes a grant if more are decided than
 *        callers ahead of it, else answers OutOfSessions. The last to leave
 *        clears the listed and mailed bits, waits for the Ends counted,
 *        helps the list's record to its end (none is decided after the
 *        clear) and ends every grant left again (to a ticket, or the pool);
 *      - a caller joins the list, as it takes a ticket, by a CAS of the
 *        pair that finds no unit left (else it helps), and so does the
 *        head's ticket CAS.
 *     Checked with it, besides the rest: no claim at all passes a caller
 *     listed before the claimer's call began, no End frees its slot beside
 *     a listed caller, a listed caller takes a grant only with no live
 *     ticket queued and fewer callers ahead of it than grants decided, one
 *     that leaves without one finds the capacity open and no more grants
 *     decided than callers ahead, and at rest nobody is listed and no
 *     grant is left. Like a ticket's waiter, a listed caller with no
 *     deadline sleeps beside a unit that nobody decides (HOLDER, STALL).
 *     Mutants of the fix (each must be caught): MUTANT_MAIL_SKIPS_LIST (the
 *     decide ignores the list), MUTANT_MAIL_BEFORE_TICKETS (the list before
 *     an older ticket), MUTANT_CLOSE_IGNORES_MAILREC (the last to leave
 *     gives the grants back without finishing the list's record: its
 *     grant is stranded), MUTANT_SETTLE_IGNORES_G (the mailed bit cleared
 *     beside a unit's grant: the head takes a ticket, and the grant is
 *     stranded), MUTANT_LISTED_LEAVE_IGNORES_UNITS (a listed caller's
 *     deadline answers OutOfSessions while a unit is left).
 *  6. (Argued, not modelled.) A shrink's debt must be in the same CAS as
 *     the grow's linearization point, so in the pair: see
 *     shrink_records.pml, where G holds it.
 * Costs the design must weigh: End's flag load becomes half of a 16-byte
 * atomic (a mixed-size access, or a 16-byte load); a waiter with no
 * deadline that nobody helps sleeps beside a stopped grower's room (a
 * timed wake, a few per second, would bound it); the list's taker scans
 * the control words for a mailed slot, and a leaving caller's reads of
 * the pair, the Ends' count and the mailbox must hold at one instant (the
 * model takes it as one step: the pair read again after, as PROOF_FIX).
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
byte gseq = 0;     /* GROWSEQ fix: the grow's number, in G */
byte lseq[N];      /* GROWSEQ fix: the grow that listed the slot (in its control word) */
#ifndef CAP2
#define CAP2 CAP1
#endif
#ifndef RING
#define RING MAXT /* the model's cells: one per ticket, never reused */
#endif
#define NOTYET 5
#define CI(t) ((t) % RING)
#define LAPOF(t) ((t) / RING)
/* ticket t's view of its cell: a later lap reads as TAKEN (the waiter took
 * it and readied the cell for the next lap, as src/ does) */
#define CS(t) (clap[CI(t)] == LAPOF(t) -> cell[CI(t)] : (clap[CI(t)] > LAPOF(t) -> TAKEN : NOTYET))
byte cell[RING];
byte clap[RING];
byte cslot[RING];
/* ghosts */
byte open = HELD;
bool cancelled[MAXT];
byte finished;
bool grown;
bool growerdone;
bool fullq[MAXT];
byte clk = 1;             /* LISTGHOST: calls' start order */
byte listedat[CLIENTS + 1]; /* when client c began to wait in the overflow list (0: not listed) */
#ifdef LISTED_CLIENT
/* its ticket's cell is never ready (held, or no cells): it waits in the
 * overflow list (FIX_MAIL: it joins it, and as its head takes a grant,
 * never a ticket; else it retries) */
#define NOCELL (me == LISTED_CLIENT)
#else
#define NOCELL false
#endif
bool artifact; /* LISTGHOST: an End freed beside a listed caller */
#ifdef FIX_MAIL
/* The overflow list and its mailbox (src/: Join, EnqueueHead, MailToHead,
 * TakeMail, SettleMailed, CloseList), with the list's units in G. */
#define MAILREC 253 /* G's record: the unit goes to the overflow list */
#define LISTEDT 252 /* (the waiting caller joined the list) */
#define MAILED 5    /* control state: a unit's grant for the list (its bit set, no session yet) */
bool listbit;       /* the flag's kListed: callers wait in the overflow list */
bool mailbit;       /* the flag's kMailed: a grant for the list is in the mailbox or on its way */
byte mb;            /* G: the list's units committed (MAILED) and not yet taken */
byte ovl[CLIENTS];  /* the list, under its lock lk (only waiting callers take it) */
byte ovn;
byte lk = NONE;
bit inbox[N];       /* the mailbox of the Ends' grants (src/: a stack) */
byte nbox;
byte pushing;       /* the Ends counted on their way to the mailbox */
byte mailg;         /* ghost: grants decided for the list, not yet taken or given back */
#endif
byte watch; /* PROOF_SPLIT ghosts: clients inside a proof's window */
byte seen;  /* ... that saw open >= cap at some instant of it */
#define SEEN if :: open >= cap -> seen = seen | watch :: else -> skip fi /* SRC_FLAG: the pool was full when ticket t was taken */
#define ANYCLAIMABLE (ctl[0] == CLAIMABLE || (N > 1 && ctl[1] == CLAIMABLE) || (N > 2 && ctl[2] == CLAIMABLE) || (N > 3 && ctl[3] == CLAIMABLE))
#ifdef MONITOR
/* wait_queue.pml's invariant, extended to claimable slots: a verified
 * flag never stands beside room (src/ answers Begins from it and queues
 * waiters on it) */
proctype Monitor() {
end_mon:
  atomic { verified && ANYCLAIMABLE && u == units -> assert(false) }
}
#endif

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

#ifdef FIX_MAIL
/* The list's helpers (the caller me, k a scratch variable). */
inline unlist() {
  k = 0;
  do
  :: k < ovn && ovl[k] != me -> k++
  :: k < ovn && ovl[k] == me ->
     do
     :: k + 1 < ovn -> ovl[k] = ovl[k + 1]; k++
     :: else -> break
     od;
     ovn--; ovl[ovn] = NONE; break
  :: k >= ovn -> assert(false)
  od;
  k = 0
}
inline position() {
  pos = 0;
  do
  :: ovl[pos] != me -> pos++
  :: else -> break
  od
}
/* any grant in the mailbox (a stack: any may be on top) */
inline pick_box(x) {
  if
  :: inbox[0] -> x = 0
  :: N > 1 && inbox[1] -> x = 1
  :: N > 2 && inbox[2] -> x = 2
  :: N > 3 && inbox[3] -> x = 3
  :: else -> assert(false)
  fi
}
/* any slot committed to the list (one counted in mb, or the one of a
 * record that has committed it and not yet ended) */
inline pick_mailed(x) {
  if
  :: ctl[0] == MAILED -> x = 0
  :: N > 1 && ctl[1] == MAILED -> x = 1
  :: N > 2 && ctl[2] == MAILED -> x = 2
  :: N > 3 && ctl[3] == MAILED -> x = 3
  :: else -> assert(false) /* mb counts a grant that is not there */
  fi
}
#endif

/* One step of the grow's units, from the pair as read (atomically) now.
 * `helped` is set when there was a unit left. */
#if defined(GROWSEQ) || defined(LSEQ_ONLY)
#define SEQOK (lseq[L[ru]] == rg)
#else
#define SEQOK true
#endif
#ifdef GROWSEQ
#define GSAME (gseq == rg && cap == rc && units == rn)
#else
#define GSAME (cap == rc && units == rn) /* the rest of the 16-byte pair */
#endif
inline unit_step() {
  atomic {
    helped = (u < units);
    ru = u;
    rg = gseq;
    rc = cap;
    rn = units;
    rr = rec;
    rt = head;
    rq = (head < tail)
#ifdef FIX_MAIL
    ; assert(!listbit || verified) /* the list only with the flag verified */
#endif
  };
  if
  :: !helped -> skip
#ifdef MUTANT_NO_RECORD
  :: helped && rq ->
     atomic { if :: head == rt && u == ru -> head++ :: else -> skip fi };
     atomic {
       if
       :: CS(rt) == READY -> assert(open < cap); open++; SEEN;
          assert(ctl[L[ru]] == LISTED);
          cell[CI(rt)] = DELIVERED; cslot[CI(rt)] = L[ru]
       :: else -> skip
       fi
     };
     atomic { if :: ctl[L[ru]] == LISTED -> ctl[L[ru]] = OPEN :: else -> skip fi };
     atomic { if :: CS(rt) == DELIVERED && ctl[cslot[CI(rt)]] == OPEN -> cell[CI(rt)] = PUBLISHED :: else -> skip fi };
     atomic { if :: u == ru -> u++ :: else -> skip fi }
  :: helped && !rq ->
     atomic { if :: ctl[L[ru]] == LISTED -> ctl[L[ru]] = CLAIMABLE :: else -> skip fi };
     atomic { if :: u == ru -> u++ :: else -> skip fi }
#else
  :: helped && rr == NONE ->
     /* decide: one CAS of the pair, expecting it as read */
     atomic {
       if
       :: u == ru && rec == NONE && head == rt && GSAME ->
#ifdef MUTANT_UNIT_SKIPS_QUEUE
          rec = POOLREC
#else
          if
#ifdef MUTANT_MAIL_BEFORE_TICKETS
          :: listbit -> rec = MAILREC; mailbit = true; mailg++
          :: !listbit && head < tail -> rec = head; head++
#else
          :: head < tail -> rec = head; head++
#endif
#ifdef FIX_MAIL
#ifndef MUTANT_MAIL_SKIPS_LIST
          /* callers in the overflow list come next: a record for the list
           * (the flag marked mailed in the same CAS) */
          :: head == tail && listbit -> rec = MAILREC; mailbit = true; mailg++
#endif
          :: else -> rec = POOLREC
#else
          :: else -> rec = POOLREC
#endif
#ifdef FIX_POOLCLEAR
             ; verified = false /* (src/: and a new epoch) */
#endif
          fi
#endif
       :: else -> skip
       fi
     }
  :: helped && rr == POOLREC ->
     atomic { if :: ctl[L[ru]] == LISTED && SEQOK -> ctl[L[ru]] = CLAIMABLE :: else -> skip fi };
     atomic { if :: u == ru && rec == POOLREC && GSAME -> u++; rec = NONE :: else -> skip fi }
#ifdef FIX_MAIL
  :: helped && rr == MAILREC ->
     /* the list's record: commit the slot to the list (listed -> mailed,
      * a CAS of its control word; a failed CAS: another helper did it),
      * then end the record, the grant counted in G (mb); the list's lock
      * holder takes it (TakeMail()) */
     atomic {
       if
       :: ctl[L[ru]] == LISTED && SEQOK ->
          assert(open < cap); open++; SEEN;
          ctl[L[ru]] = MAILED
       :: else -> skip
       fi
     };
     atomic { if :: u == ru && rec == MAILREC && GSAME -> u++; rec = NONE; mb++ :: else -> skip fi }
#endif
  :: helped && rr < MAXT ->
     /* a ticket's record: commit, open, publish, end the record */
     atomic {
       if
       :: CS(rr) == READY && SEQOK ->
          assert(open < cap); open++; SEEN;
          assert(ctl[L[ru]] == LISTED); /* no session, not claimable */
          cell[CI(rr)] = DELIVERED; cslot[CI(rr)] = L[ru]
       :: else -> skip
       fi
     };
     atomic {
       if
       :: CS(rr) == DELIVERED && cslot[CI(rr)] == L[ru] && ctl[L[ru]] == LISTED && SEQOK ->
          ctl[L[ru]] = OPEN
       :: else -> skip
       fi
     };
     atomic {
       if
       :: CS(rr) == DELIVERED && cslot[CI(rr)] == L[ru] && ctl[L[ru]] == OPEN ->
          cell[CI(rr)] = PUBLISHED
       :: else -> skip
       fi
     };
#ifdef READY_BEFORE_END
     /* a helper readies the cancelled cell before the record ends */
     atomic { if :: u == ru && rec == rr && CS(rr) == CANCELLED -> cell[CI(rr)] = READY; clap[CI(rr)] = LAPOF(rr) + 1 :: else -> skip fi };
#endif
     rdy = false;
     atomic {
       if
       :: u == ru && rec == rr && GSAME ->
          if
          :: CS(rr) == CANCELLED -> rdy = true;
#ifdef MUTANT_CANCEL_USES_UNIT
             u++;
#endif
             rec = NONE
#ifdef FIX_CTLDECIDE
          /* a cell in a later lap: the slot's control word tells whether
           * the unit was delivered (it left LISTED only by this record) */
          :: CS(rr) == TAKEN && ctl[L[ru]] == LISTED && SEQOK -> rec = NONE
          :: CS(rr) == PUBLISHED || (CS(rr) == TAKEN && !(ctl[L[ru]] == LISTED && SEQOK)) -> u++; rec = NONE
#else
          :: CS(rr) == PUBLISHED || CS(rr) == TAKEN -> u++; rec = NONE
#endif
          :: else -> skip /* not published yet: another helper is on it */
          fi
       :: else -> skip
       fi
     };
     /* the winner of the drop readies the cancelled cell for its next lap */
     if
     :: rdy -> atomic { assert(CS(rr) == CANCELLED); cell[CI(rr)] = READY; clap[CI(rr)] = LAPOF(rr) + 1 }
     :: else -> skip
     fi
#endif
  fi
}

proctype Client(byte me) {
  byte mine = NONE; /* the slot of the session held */
  byte round = 0;
  byte t, s, i, r, ru, rr, rt, start, c0, rg, rc, rn, mystart;
  bool helped, rq, waiting, rdy, oka, okb;
#ifdef FIX_MAIL
  byte pos, k; /* pos: callers ahead in the list */
  bool gbk;    /* ending a grant given back by CloseList */
#endif
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
end_free:
     atomic { bits[s] = 0 }; /* the free: the slot pending (still open) */
end_again:
#ifdef FIX_MAIL
     atomic { rq = verified; t = head; r = tail; oka = listbit };
#else
     atomic { rq = verified; t = head; r = tail };
#endif
     if
     :: !rq -> atomic { ctl[s] = CLOSED; open--;
#ifdef FIX_MAIL
          /* no caller is listed beside a free slot */
          i = 0;
          do :: i < CLIENTS -> assert(listedat[i] == 0); i++
             :: else -> break od
#endif
#ifdef LISTGHOST
          i = 0;
          do :: i < CLIENTS -> if :: listedat[i] != 0 -> artifact = true :: else -> skip fi; i++
             :: else -> break od
#endif
        }
#ifdef FIX_MAIL
     :: rq && t == r && !oka ->
        atomic { if :: verified && head == tail && !listbit -> verified = false :: else -> skip fi };
        goto end_again
     :: rq && t == r && oka ->
        /* MailToHead(): the bit back and the End counted; a CAS that needs
         * the list and no ticket marks the flag mailed (the grant decided);
         * the slot, still open, pushed for the list, and the count dropped */
        atomic { assert(bits[s] == 0); bits[s] = 1; pushing++ };
        atomic {
          if
          :: verified && head == tail && listbit -> mailbit = true; mailg++; oka = true
          :: else -> oka = false
          fi
        };
        if
        :: oka -> atomic { inbox[s] = 1; nbox++; pushing-- }
        :: else -> atomic { pushing--; bits[s] = 0 }; goto end_again
        fi
#else
     :: rq && t == r ->
        atomic { if :: verified && head == tail -> verified = false :: else -> skip fi };
        goto end_again
#endif
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
          :: CS(t) == READY ->
             cell[CI(t)] = DELIVERED; cslot[CI(t)] = s /* the session moves */
          :: else -> assert(CS(t) == CANCELLED);
             cell[CI(t)] = READY; clap[CI(t)] = LAPOF(t) + 1; /* readied by the taker */
             t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0 }; goto end_again
        :: else -> cell[CI(t)] = PUBLISHED
        fi
     fi;
#ifdef FIX_MAIL
     if
     :: gbk -> gbk = false; goto giveback
     :: else -> skip
     fi;
#endif
     round++
  :: round < ROUNDS && mine == NONE ->
     /* Begin (a waiting one when `waiting`) */
     start = tail;
     atomic { mystart = clk; clk++ };
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
#if defined(LISTGHOST) && defined(FIX_MAIL)
          /* no caller waiting in the overflow list since before this call
           * began is passed over by it (any claim: the list has its
           * mailbox) */
          i = 0;
          do :: i < CLIENTS -> assert(i == me || listedat[i] == 0 || listedat[i] >= mystart); i++
             :: else -> break od;
          listedat[me] = 0;
#elif defined(LISTGHOST)
          /* no caller waiting in the overflow list since before this call
           * began is passed over by it */
          /* only for a pool unit's slot (claimable), and only if no End
           * freed a slot beside a listed caller (src/ mails it to the list's
           * head: MailToHead(), which this model does not have) */
          if :: !waiting && ctl[s] == CLAIMABLE && !artifact -> i = 0;
                do :: i < CLIENTS -> assert(listedat[i] == 0 || listedat[i] >= mystart); i++
                   :: else -> break od
             :: else -> skip fi;
          listedat[me] = 0;
#endif
          bits[s] = 1; ctl[s] = OPEN; open++; SEEN; mine = s
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
#ifdef SRC_FLAG
     /* src/ Claim(): hint word full and the flag verified: full at once
      * (here even reading G with it: no unit left) */
     if
     :: !waiting ->
        atomic {
          if
          :: verified && u == units -> assert(open >= cap); t = NONE
          :: else -> t = 0
          fi
        };
        if
        :: t == NONE -> goto begun /* OutOfSessions from the flag */
        :: else -> skip
        fi
     :: else -> skip
     fi;
#endif
#ifdef PROOF_SPLIT
     /* the proof as src/ runs it: read the pair and publish a candidate;
      * the double collect (its instant: one step here); the promote CAS of
      * the pair, whose failure (a free cleared the candidate) src/ does not
      * hold against the proof */
     if
     :: !waiting ->
        atomic { rc = cap; rn = units; ru = u; rg = gseq; oka = (open >= cap);
                 watch = watch | (1 << me);
                 if :: oka -> seen = seen | (1 << me) :: else -> seen = seen & ~(1 << me) fi };
        if
        :: ru < rn -> goto begin_again /* a unit left: help */
        :: else -> skip
        fi;
        atomic { count_room(r); okb = (open >= cap) };
        if
        :: r != 0 -> goto begin_again
        :: else -> skip
        fi;
#ifdef PROOF_FIX
        /* re-read G after the collects: unchanged, or search again */
        atomic {
          if
#ifdef GROWSEQ
          :: cap == rc && units == rn && u == ru && gseq == rg -> t = NONE
#else
          :: cap == rc && units == rn && u == ru -> t = NONE
#endif
          :: else -> t = 0
          fi };
        if
        :: t == 0 -> goto begin_again
        :: else -> skip
        fi;
#endif
        atomic { assert(seen & (1 << me)); /* full at some instant of the proof */
                 watch = watch & ~(1 << me) };
        goto begun /* OutOfSessions */
     :: else -> skip
     fi;
#endif
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
#ifdef SRC_FLAG
     atomic {
       if
#ifdef FIX_MAIL
       :: verified && u == units && tail < MAXT && CS(tail) == READY && !listbit ->
#else
       :: verified && u == units && tail < MAXT && CS(tail) == READY ->
#endif
          t = tail; tail++; fullq[t] = (open >= cap);
#ifndef NO_QASSERT
          assert(open >= cap) /* queued only while full */
#else
          skip
#endif
       :: else -> t = NONE
       fi
     };
     if
     :: t != NONE -> goto queued
     :: else -> skip
     fi;
#endif
     atomic {
       count_room(r);
       i = 0;
       do
       :: i < N -> if :: bits[i] == 0 && ctl[i] == OPEN -> r++ :: else -> skip fi; i++
       :: else -> break
       od;
       if
#ifdef FIX_MAIL
       :: r == 0 && u == units && tail < MAXT && CS(tail) == READY && !NOCELL && !listbit ->
          assert(open >= cap);
          verified = true; t = tail; tail++; listedat[me] = 0
       :: r == 0 && u == units && tail < MAXT && (CS(tail) != READY || NOCELL || listbit) && lk == NONE ->
          /* Join(), under the list's lock: the flag verified and the list
           * bit set by one CAS of the pair (it reads G: no unit left), the
           * caller appended */
          assert(open >= cap);
          verified = true; listbit = true; ovl[ovn] = me; ovn++;
          listedat[me] = clk; clk++; t = LISTEDT
#else
       :: r == 0 && u == units && tail < MAXT && CS(tail) == READY && !NOCELL ->
          assert(open >= cap);
          verified = true; t = tail; tail++; listedat[me] = 0
       :: r == 0 && u == units && tail < MAXT && (CS(tail) != READY || NOCELL) ->
          /* src/: the cell is held, the caller joins the overflow list
           * (Join(): kListed, the flag verified); here it retries */
          verified = true; t = NONE;
          if :: listedat[me] == 0 -> listedat[me] = clk; clk++ :: else -> skip fi
#endif
       :: else -> t = NONE
       fi
     };
     if
     :: t == NONE -> goto begin_again
#ifdef FIX_MAIL
     :: t == LISTEDT -> goto listed
#endif
     :: else -> skip
     fi;
queued:
     /* wait for the cell */
     do
     :: atomic { CS(t) == PUBLISHED -> cell[CI(t)] = READY; clap[CI(t)] = LAPOF(t) + 1; mine = cslot[CI(t)] }; break
     :: rec == t -> unit_step() /* my own ticket in a record */
#ifdef TIMEOUTS
     :: CS(t) != PUBLISHED ->
        /* the deadline: leave */
leave_again:
        atomic { ru = u; rr = units; rt = head; i = open; c0 = cap };
        if
        :: rt > t ->
           /* taken: wait for the slot, helping a record of it */
           do
           :: atomic { CS(t) == PUBLISHED -> cell[CI(t)] = READY; clap[CI(t)] = LAPOF(t) + 1; mine = cslot[CI(t)] }; break
           :: rec == t -> unit_step()
           od;
           break
#ifndef MUTANT_LEAVE_IGNORES_UNITS
        :: rt <= t && ru < rr -> unit_step(); goto leave_again
#endif
        :: else ->
           atomic {
             if
             :: CS(t) == READY -> cell[CI(t)] = CANCELLED; cancelled[t] = true;
                assert(i >= c0) /* full at the read that decided */
             :: else -> skip
             fi
           };
           if
           :: cancelled[t] -> break /* OutOfSessions */
           :: else ->
              do
              :: atomic { CS(t) == PUBLISHED -> cell[CI(t)] = READY; clap[CI(t)] = LAPOF(t) + 1; mine = cslot[CI(t)] }; break
              :: rec == t -> unit_step()
              od;
              break
           fi
        fi
#endif
     od;
#ifdef FIX_MAIL
     goto begun;
listed:
     /* In the overflow list, asleep until one of these (the head's wake
      * word is bumped by a push, by a record's decide and end, and by a
      * change of head): the list's record in G, which any listed caller
      * helps; the head takes a grant, or a ticket when none is on its way
      * (EnqueueHead(): the ticket taken and the list left by one CAS of
      * the pair, which reads G: no unit left). */
     do
     :: rec == MAILREC -> unit_step()
     :: atomic { lk == NONE && ovl[0] == me && (nbox > 0 || mb > 0) -> lk = me; pos = 0 }; goto take
     :: atomic {
          lk == NONE && ovl[0] == me && !mailbit && u == units && !NOCELL &&
          tail < MAXT && CS(tail) == READY ->
          assert(verified && listbit && open >= cap);
          t = tail; tail++; unlist(); listedat[me] = 0;
          if :: ovn == 0 -> listbit = false :: else -> skip fi
        }; goto queued
#ifdef TIMEOUTS
     :: atomic { lk == NONE -> lk = me }; goto leavelist
#endif
     od;
take:
     /* TakeMail(), under the lock: the caller pos places behind the head
      * takes a grant, an End's from the mailbox or a unit's from G (they
      * are fungible); more are decided than callers ahead of it, and no
      * ticket is queued (the tickets came first) */
     if
     :: atomic { nbox > 0 ->
          check_fifo(tail); assert(pos < mailg);
          pick_box(i); inbox[i] = 0; nbox--; mine = i; mailg--;
          unlist(); listedat[me] = 0 }
     :: atomic { mb > 0 ->
          check_fifo(tail); assert(pos < mailg);
          mb--; mailg--; unlist(); listedat[me] = 0 };
        /* the slot's control word, by the lock's holder alone */
        atomic { pick_mailed(i); ctl[i] = OPEN; mine = i }
     fi;
     if
     :: ovn == 0 -> goto closelist
     :: else -> skip
     fi;
     /* SettleMailed(): the mailed bit cleared once no grant is left or on
      * its way (a CAS of the pair that finds no record for the list and no
      * unit's grant in G), set again if an End came meanwhile */
#ifdef MUTANT_SETTLE_IGNORES_G
     atomic { if :: nbox == 0 && pushing == 0 -> mailbit = false :: else -> skip fi };
#else
     atomic { if :: nbox == 0 && pushing == 0 && mb == 0 && rec != MAILREC -> mailbit = false :: else -> skip fi };
#endif
     atomic { if :: nbox != 0 || pushing != 0 -> mailbit = true :: else -> skip fi };
     atomic { lk = NONE };
     goto begun;
#ifdef TIMEOUTS
leavelist:
     /* A deadline, under the lock (TakeMail(pos, settle)): help while a
      * unit is left; then, once no End is on its way to the mailbox, take a
      * grant if more are decided than callers ahead, else leave the list
      * (OutOfSessions). */
     do
#ifndef MUTANT_LISTED_LEAVE_IGNORES_UNITS
     :: u < units -> unit_step()
     :: atomic {
          u == units && pushing == 0 ->
#else
     :: atomic {
          pushing == 0 ->
#endif
          position();
          if
          :: nbox + mb > pos -> oka = true
          :: else -> oka = false; assert(mailg <= pos);
             assert(open >= cap); /* full at the instant that decided */
             unlist(); listedat[me] = 0
          fi
        }; break
     od;
     if
     :: oka -> goto take
     :: !oka && ovn == 0 -> goto closelist
     :: else -> atomic { lk = NONE }; goto begun /* OutOfSessions */
     fi;
#endif
closelist:
     /* CloseList(), by the last to leave, under the lock: the list and
      * mailed bits cleared by one CAS; the Ends counted waited for (a few
      * steps each); a record for the list helped to its end (none is
      * decided after the clear); every grant left ended again (a free: to
      * a ticket, or to the pool) */
     atomic { listbit = false; mailbit = false };
     (pushing == 0);
#ifndef MUTANT_CLOSE_IGNORES_MAILREC
     do
     :: rec == MAILREC -> unit_step()
     :: else -> break
     od;
#endif
giveback:
     if
     :: atomic { nbox > 0 -> pick_box(i); inbox[i] = 0; nbox--; mailg--; s = i };
        gbk = true; goto end_free
     :: atomic { mb > 0 -> mb--; mailg-- };
        atomic { pick_mailed(i); ctl[i] = OPEN; s = i };
        gbk = true; goto end_free
     :: atomic { nbox == 0 && mb == 0 -> lk = NONE }; goto begun
     fi;
#endif
begun:
     round++
  od;
  atomic { finished++ }
}

proctype Grower() {
  byte i, n = 0, ru, rr, rt, r, rg, rc, rn;
  bool helped, rq, rdy;
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
#ifdef ABA
  do
  :: u < units -> unit_step()
  :: else -> break
  od;
  /* a shrink CAP1 -> CAP0 that finds room (simplified: it waits for a
   * free closed or claimable slot and reserves it in one step; no debt) */
  do
  :: atomic {
       i = 0; r = NONE;
       do
       :: i < N -> if :: r == NONE && ((bits[i] == 0 && ctl[i] == CLOSED) || ctl[i] == CLAIMABLE) -> r = i :: else -> skip fi; i++
       :: else -> break
       od;
       if
       :: r != NONE -> bits[r] = 1; ctl[r] = RESERVED; cap = CAP0; SEEN
       :: else -> skip
       fi
     };
     if
     :: r != NONE -> break
     :: else -> skip
     fi
  od;
  /* a grow CAP0 -> CAP1 again, listing into L[] */
  i = 0; n = 0;
  do
  :: n < K && i < N ->
     if
     :: ctl[i] == RESERVED -> atomic { ctl[i] = LISTED; lseq[i] = gseq + 1 }; L[n] = i; n++
     :: else -> skip
     fi;
     i++
  :: else -> break
  od;
  atomic { cap = CAP1; units = K; u = 0; rec = NONE; gseq++ };
  do
  :: u < units -> unit_step()
  :: else -> break
  od;
#endif
#ifdef TWO_GROWS
  /* a second JetExtSetMaxSessions: it first helps the units left, then
   * lists CAP2 - CAP1 reserved slots in L[] (the same array) and grows */
  do
  :: u < units -> unit_step()
  :: else -> break
  od;
  i = 0; n = 0;
  do
  :: n < CAP2 - CAP1 && i < N ->
     if
     :: ctl[i] == RESERVED -> atomic { ctl[i] = LISTED; lseq[i] = gseq + 1 }; L[n] = i; n++
     :: else -> skip
     fi;
     i++
  :: else -> break
  od;
  atomic { cap = CAP2; units = CAP2 - CAP1; u = 0; rec = NONE; gseq++ };
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
#ifdef FIX_MAIL
    i = 0;
    do
    :: i < CLIENTS -> ovl[i] = NONE; i++
    :: else -> break
    od;
    i = 0;
#endif
    run Grower();
#ifdef MONITOR
    run Monitor();
#endif
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od
  };
  /* at rest: every client finished (the grower may have stopped) */
  (finished == CLIENTS);
#ifdef FIX_MAIL
  /* nobody listed, and no grant left for the list: none of a unit (in G
   * or in its record), none of an End (in the mailbox or on its way) */
  assert(ovn == 0 && !listbit && !mailbit && lk == NONE);
  assert(mb == 0 && rec != MAILREC);
  assert(nbox == 0 && pushing == 0 && mailg == 0);
#endif
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
