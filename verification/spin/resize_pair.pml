/* resize_pair.pml: Spin model of a lock-free JetExtSetMaxSessions, the
 * shrink half (shrink_records.pml) and the grow half (grow_units.pml) on
 * one pair: a design that src/ does not use (its listed slots and pool
 * units do not fit src/'s debt word; src/'s grow beside its shrink is
 * resize_claims.pml's).
 *
 * The pair. The full flag (verified, the tickets' head and tail) and a word
 * G change together, by one 16-byte CAS. G holds:
 *  - D, the debt (units a shrink still owes), or `units`, the room a grow
 *    still hands out (never both: a grow cancels the debt at its
 *    linearization point, and resizes run one at a time);
 *  - u, the next unit of the grow;
 *  - at most one record: a claim, a payment (of a free or claimable slot,
 *    or of an End's slot), a ticket's unit or a pool unit;
 *  - seq, the sequence number that tags the marks of the shrink half;
 *  - epoch, the shrinks' number (its parity names a word's hint);
 *  - gseq, the resizes' number (it tags a listed slot's control word, and
 *    every CAS of a grow record compares it).
 * The capacity in force is a ghost here; src/ derives it from G.
 *
 * The rule both halves keep: a step that any thread may do for another
 * writes only a control word (compared with its state and a tag) or the
 * pair, never a pool word's bits. A claim writes its own bit, an End its
 * own free, the resizer the hints and the bits of reserved slots (which
 * nobody else may claim).
 *
 * The merge adds to the two halves:
 *  - A grow's linearization point cancels the debt first: D -= min(D, k),
 *    and the rest of k becomes units. The grower lists that many reserved
 *    slots before, sets the bits of those that a payment left free (a
 *    reserved slot is the resizer's), and its CAS expects D as read (a
 *    payment meanwhile makes it list one more and try again). Once D is
 *    0 it clears the hints.
 *  - A pending record of either half is finished before a unit is decided
 *    (one record at a time); a shrink's linearization point does not wait
 *    for one.
 *  - A claimable slot (a pool unit: its bit set, found through G in src/)
 *    is claimed through a mark settled in G, as a claim in a hinted word:
 *    with D = 0 a claim, with D > 0 a unit paid (a later shrink may find
 *    claimable slots left). Its mark remembers that origin, and an undo
 *    restores it.
 *  - An End with D > 0 pays with its slot; with D = 0 and the flag
 *    verified it hands its slot to the oldest ticket, as src/ does.
 *  - A waiting caller takes a ticket only with no slot available and no
 *    record or unit pending (with D > 0 it pays the free slots first, as
 *    any claim in a hinted word does).
 *
 * The resizer runs a script of two resizes (OP1, K1; OP2, K2: SHRINK or
 * GROW by k, OP2 = 0 for none). STALL1 stops it for good right after the
 * first one's linearization point, STALL2 after the second's: nobody may
 * wait for it.
 *
 * Checked (ghosts: open, the sessions open; cap, the capacity in force):
 *  - exact: every session begins with open < cap; every OutOfSessions
 *    answer (a Begin's, or a waiter's whose deadline passed) finds
 *    open >= cap;
 *  - first come, first served: a caller that is not waiting gets a
 *    session only when no ticket taken before its call began is still
 *    queued and live;
 *  - nobody waits for the resizer: every client returns (no invalid end
 *    state), the resizer stopped or not;
 *  - at rest: no record, no unit left; the available slots less D are
 *    cap - open; the reserved slots and D are N - cap.
 * Mutants (each must be caught):
 *  - MUTANT_GROW_KEEPS_DEBT: the grow's linearization point leaves the
 *    debt and hands out all k units (the capacity counts the units twice);
 *  - MUTANT_GROW_STALE_DEBT: the grow's CAS does not expect D as read (a
 *    payment between the listing and the CAS);
 *  - MUTANT_CLAIMABLE_PLAIN: a claimable slot is claimed by a plain CAS of
 *    its control word, whatever D (a shrink after a grow);
 *  - MUTANT_UNIT_PAST_RECORD: a unit is decided while a shrink record is
 *    pending.
 *
 * The steps above are atomic where the halves had them so: a claim reads
 * the control word in its CAS of the pool word, a mark reads the bit, a
 * settle reads the bit. src/ cannot: its claim is a CAS of the pool word
 * alone, followed by OpenClaimed()'s look at the control word (a store of
 * open unless the slot is pending), a mark is a CAS of the control word
 * alone, a settle a CAS of G alone. SRC_SPLIT models them so (the ghost
 * counts a claim from its word CAS and uncounts a give-back), and a
 * fresh-eyes review found four flaws with it, each a failing row of
 * check.sh, and their fixes, which pass together with two clients (three
 * clients go past 16 GB):
 *  1. The hint's set and clear leave the word as it was: a fast claim that
 *     read the word before the shrink lands after it on a slot a payment
 *     reserved (its bit free). Fix FIX_HINTVER: setting or clearing a
 *     hint steps the word's version.
 *  2. A payment between the claimer's peek of the control word and its
 *     read of G reserves the slot without touching the word; the plain
 *     CAS then succeeds on it. Fix: FIX_OPENCAS (the open is a CAS
 *     closed -> open, else the bit is given back; the model makes both
 *     opens CASes, and argues, not checks, that with FIX_HINTVER the fast
 *     path on an unhinted word may keep its store) and
 *     FIX_PEEKAFTER (the peek comes after the read of G: a payment after
 *     that read needs a new shrink, whose hint fails the CAS).
 *  3. A mark's tag taken from G at the mark (a CAS of the control word
 *     cannot read G) makes a claim decided before the shrink a live mark
 *     after it, on the slot a plain claimer takes; the claimer may stop
 *     holding the bit the mark's record granted. Fix FIX_MARKTAG: the tag
 *     is the sequence number read with G, plus one.
 *  4. The grow lists a reserved slot whose bit a claimer holds for a
 *     moment (flaw 2's path) and leaves the bit to it; the give-back
 *     leaves a claimable slot with its bit free, and its session's End
 *     would borrow into the word. Fixed by the fixes of 1 and 2 (no claim
 *     CAS can land on a reserved slot).
 * Argued, not shown: a grow that cancels a debt must step the sequence
 * number (FIX_GROWSEQ: marks made for the debt die; the schedule needs four
 * clients). STALL2 after a grow stops the resizer after it cleared the
 * hints, not between its linearization point and the clear.
 * The tags' widths (SEQM, GSEQM, VERM below), with the fixes and two
 * clients: seq modulo 1, 2 or 3 passes (two clients cannot show what seq
 * is for: its flaws needed three); the word's version modulo 2 or 3 fails
 * (a claim CAS that read the word before a shrink lands after the version
 * came round again), so a version must not wrap while a claimer stalls;
 * with two grows, gseq modulo 1 fails and modulo 2 passes. A bitstate
 * search of the fixes with three clients found no error in 5.33 x 10^9
 * states (not a proof: the hash was saturated).
 *
 * Gating (GATES=1: JetStopServiceInstance; GATES=2:
 * JetExtSetInstanceUnavailable, or Term, whose end gate also refuses End).
 * A Stop process, at any moment, sets the state flag, closes the pool
 * word (its closed bit, which every claim CAS compares), sets the gate in
 * the pair (its linearization point) and returns. The design:
 *  - Begin reads the state first, and every load of the word reads its
 *    closed bit: on either, it helps the closure (word closed, then gate)
 *    and answers the flag's error; a proof that finds the word closed
 *    answers nothing (the next load answers the flag's error), so every
 *    OutOfSessions of a Begin comes before the gate;
 *  - a settle (the CAS of G that makes a claim record) refuses a claim
 *    mark when the pair has a gate (either: a claim is no End): the mark
 *    passes without a record, as with D > 0, and its claimer loads the
 *    word again (closed: the flag's error). A claim record settled before
 *    the gate is a session ordered before it: anyone finishes it after the
 *    gate, and its claimer answers Success. A payment's settle, an End's
 *    payment and a resize go on after a Stop;
 *  - a unit decided after a gate (either: a grow is no End) goes to the
 *    pool, never to a ticket: its slot becomes claimable, which no claim
 *    takes any more (a claimable slot is claimed through a settle). The
 *    decide clears the verified flag only with no ticket queued (the
 *    queued waiters leave on the flag; GATES=2: an End ordered before the
 *    flag still hands its slot to them). A unit decided to a ticket before
 *    the gate is an ungated grant: the waiter takes it (Success). At rest
 *    every unit is decided (the resizer's loop goes on after the gate), so
 *    "at rest" is what it is without gates: no record, no unit left, the
 *    available slots less D are cap - open, the reserved ones and D are
 *    N - cap (sessions whose End the end gate refused count as open);
 *  - an End's hand-off is gated as in src/ (IsGated(): from the value its
 *    head CAS replaced; the Stop's gate always, the end gate only for a
 *    free that is not an End's); the waiter ends a gated grant again (a
 *    free that is not an End's: a payment, a gated hand-off, or the pool)
 *    and answers the flag's error. GATES=2: an End holds its session and
 *    reads the state again (on the flag it lets go: refused, the session
 *    stays open); a waiter that leaves on the flag, or gives a gated grant
 *    back, first waits until no End holds a session (AwaitEndHolds());
 *  - a waiter with a ticket leaves on the flag (its alert, or its own
 *    state read): it helps the closure (the gate set), GATES=2 waits for
 *    the Ends, then reads the flag: a ticket taken waits for its grant
 *    (gated or not); else it cancels (a grant committed first is taken
 *    instead) and answers the flag's error. A waiter whose deadline passes
 *    reads the state first (on the flag: the same path).
 * Checked (ghosts): every claim's linearization point (word CAS, settle)
 * comes before the gate, in a call that began before the flag's call
 * returned (lpafter, late); a waiter's Success holds a grant decided before
 * the gate, or by an End ordered before the end gate (dafter); no waiter
 * answers the flag's error while a later ticket holds a grant ordered
 * before the flag (ungated, stoperr); GATES=2: an End ordered before the
 * flag never passes by a ticket taken before its state check whose waiter
 * answers the flag's error (skipped, uerr, as wait_queue.pml); a Begin's
 * OutOfSessions comes before the gate; every client returns (no invalid
 * end state); at rest, as above. A timed-out waiter's OutOfSessions must
 * be exact at its state read (fullat: the order src/'s Leave() gives it)
 * or at its flag read.
 * A flaw found with it (an "open" row of check.sh, beside its fix):
 *  G1. A grow linearizes; a waiter's deadline reads the state (no flag;
 *      the grow's unit is room); a Stop sets the gate; the unit goes to
 *      the pool; the waiter's flag read finds no unit left and its ticket
 *      not taken: it cancels and answers OutOfSessions, though room was
 *      there from its deadline on. Fix FIX_LEAVEGATE: the flag read (of
 *      the pair) that finds a gate takes the flag's path (GATES=2: the
 *      Ends awaited, the flag read again), and answers the flag's error or
 *      takes its grant.
 * Mutants of the gating (each must be caught): MUTANT_UNIT_UNGATED (a
 * unit decided to a ticket after the gate, ungated), MUTANT_SETTLE_UNGATED
 * (a claim record settled after the gate), MUTANT_HANDOFF_UNGATED (an
 * End's hand-off after the Stop's gate published ungated),
 * MUTANT_END_GRANT_GATED (GATES=2: an End's grant gated by the end gate),
 * MUTANT_NO_AWAIT_ENDS (GATES=2: a waiter leaves on the flag without
 * waiting for the Ends in flight). Two more switches are not caught by
 * the configurations run: MUTANT_WAIT_IGNORES_FLAG (a waiter blind to the
 * flag: with one holder, an End always comes to it with a gated grant)
 * and MUTANT_LEAVE_BEFORE_GATE (it needs two waiters across the Stop, as
 * wait_queue.pml's kLeaveBeforeGate does).
 *
 * The overflow list (LIST: grow_units.pml's FIX_MAIL on the pair): client
 * LISTED_CLIENT (default: the first waiter) never finds its ticket's cell
 * ready and waits in the list, which has no ticket. The decide ranks the
 * list after the tickets and before the pool: with no ticket queued and
 * the listed bit set, its CAS installs a mail record (RMAIL) and sets the
 * mailed bit; any helper commits L[u] to the list (listed -> MAILED,
 * counted open) and ends the record by a CAS of the pair that counts the
 * grant in G (mb). An End with D = 0, the flag verified, no ticket and the
 * listed bit mails its slot (MailToHead(): the bit back, the End counted,
 * a CAS of the pair that needs the list, no ticket and no debt, the push);
 * with D > 0 it pays first. The list's callers, under its lock, take the
 * grants in order (an End's and a unit's are fungible); the head clears
 * the mailed bit only with mb = 0 and no mail record; a caller whose
 * deadline passes helps while a unit is left; the last to leave clears
 * the bits, waits for the Ends counted, finishes the list's record and
 * ends the grants left again (through the End's path: a payment, a
 * hand-off or the pool). Checked as grow_units.pml checks it: no claim
 * passes a caller listed before the claimer's call began (listedat), no
 * End frees its slot to the pool beside a listed caller, a listed caller
 * takes a grant only with no live ticket queued and fewer callers ahead
 * than grants decided, one that leaves without one finds the pool full,
 * and at rest nobody is listed and no grant is left. Mutants (from
 * grow_units.pml): MUTANT_MAIL_SKIPS_LIST, MUTANT_SETTLE_IGNORES_G,
 * MUTANT_CLOSE_IGNORES_MAILREC, MUTANT_LISTED_LEAVE_IGNORES_UNITS. LIST
 * with GATES is not modelled (the list's callers on a flag: it refuses to
 * compile).
 */

#ifndef N
#define N 3
#endif
#ifndef CAP0
#define CAP0 2
#endif
#define SHRINK 1
#define GROW 2
#ifndef OP1
#define OP1 SHRINK
#endif
#ifndef K1
#define K1 1
#endif
#ifndef OP2
#define OP2 GROW
#endif
#ifndef K2
#define K2 1
#endif
#ifndef CLIENTS
#define CLIENTS 2
#endif
#ifndef HELD
#define HELD 1 /* clients 0..HELD-1 start with a session on slot c */
#endif
#ifndef WAITERS
#define WAITERS 0 /* clients HELD..HELD+WAITERS-1 wait; the others do not */
#endif
#ifndef ROUNDS
#define ROUNDS 1
#endif
#ifdef STALL1
#define ST1 true
#else
#define ST1 false
#endif
#ifdef STALL2
#define ST2 true
#else
#define ST2 false
#endif
#define MAXT 4 /* tickets (a cell each, never reused: grow_units.pml checks the ring) */
#define KMAX 3 /* listed slots */
#define NONE 255

/* The tags' widths. G's sequence number, the resizes' number and the pool
 * word's version count modulo SEQM, GSEQM and VERM when those are defined
 * (src/ keeps them in a few bits each; see the layout in docs/design.md),
 * else modulo 256 (a byte; no run comes near it). Comparisons are
 * equalities: a mark is live when its tag is the sequence number's next
 * value. */
#ifdef SEQM
#define SNEXT(x) (((x) + 1) % SEQM)
#else
#define SNEXT(x) ((x) + 1)
#endif
#ifdef GSEQM
#define GNEXT(x) (((x) + 1) % GSEQM)
#else
#define GNEXT(x) ((x) + 1)
#endif
#ifdef VERM
#define VNEXT(x) (((x) + 1) % VERM)
#else
#define VNEXT(x) ((x) + 1)
#endif

/* control states */
#define CLOSED 0
#define OPEN 1      /* a session (bit free: pending, its End's window) */
#define RESERVED 2  /* bit set, or free after a payment */
#define CLAIMING 3  /* a claim's mark (tag) */
#define GRANTED 4   /* a claim record's session, not yet opened */
#define PAYMARK 5   /* a free or claimable slot marked to pay a unit (tag) */
#define PAYING 6    /* an End's slot marked to pay a unit (tag; still open) */
#define LISTED 7    /* a reserved slot listed by a grow (tag: its gseq) */
#define CLAIMABLE 8 /* a pool unit: bit set, claimed through a mark */

/* record kinds */
#define RNONE 0
#define RCLAIM 1
#define RPAYFREE 2
#define RPAYEND 3
#define RTICKET 4 /* rslot: the ticket */
#define RPOOL 5

/* cell states */
#define READY 0
#define DELIVERED 1
#define PUBLISHED 2
#define CANCELLED 3

bit bits[N];
byte hint;      /* 0, or 1 + the parity of the epoch it is for */
byte ver;       /* the word's version */
byte ctl[N];
byte tag[N];
bit mfrom[N];   /* a mark's origin: 0 a free closed slot, 1 a claimable one */
/* the pair: the flag ... */
bool verified;
byte head;
byte tail;
/* ... and G */
byte D;
byte units;
byte u;
byte rkind;
byte rslot;
byte seq;
byte epoch;
byte gseq;
byte L[KMAX];
byte cell[MAXT];
byte cslot[MAXT];
/* ghosts */
byte cap = CAP0;
byte open = HELD;
bool cancelled[MAXT];
byte finished;
bool resizer_done;
byte gtrans; /* SRC_SPLIT: claims between their word CAS and OpenClaimed */
#ifdef STRICT_OOS
#define OOS_OK (open - gtrans >= cap)
#else
#define OOS_OK (open >= cap)
#endif

#ifdef LIST
#ifdef GATES
#error "LIST with GATES: the list's callers on a flag are not modelled here"
#endif
/* LIST (grow_units.pml's FIX_MAIL): the overflow list, its lock (only
 * waiting callers take it), the flag's listed and mailed bits (in the
 * pair), the Ends' mailbox and their count, and the list's units in G
 * (mb). */
#define RMAIL 6     /* record: the unit goes to the overflow list */
#define MAILED 9    /* control state: a unit's grant for the list (bit set, counted, no session yet) */
#define LISTEDT 252 /* (the waiting caller joined the list) */
#ifndef LISTED_CLIENT
#define LISTED_CLIENT HELD /* its ticket's cell is never ready: it joins the list */
#endif
bool listbit;       /* the flag's kListed */
bool mailbit;       /* the flag's kMailed */
byte mb;            /* G: the list's units committed (MAILED) and not yet taken */
byte ovl[CLIENTS];  /* the list, under its lock lk */
byte ovn;
byte lk = NONE;
bit inbox[N];       /* the mailbox of the Ends' grants (src/: a stack) */
byte nbox;
byte pushing;       /* the Ends counted on their way to the mailbox */
/* ghosts */
byte mailg;         /* grants decided for the list, not yet taken or given back */
byte clk = 1;       /* calls' start order */
byte listedat[CLIENTS]; /* when client c began to wait in the list (0: not listed) */
#endif

#ifdef GATES
/* GATES: the instance's state flag, the pool word's closed-for-Begin bit
 * and the pair's gate (GATES=1: a Stop, kGate; GATES=2: Unavailable or
 * Term, kEndGate, which refuses End too and does not gate an End's grant). */
bool stopped;       /* the state flag (read by Begin first, and by waiters) */
bool wclosed;       /* the pool word's closed bit (every claim CAS compares it) */
bool gate;          /* the pair's gate bit (kGate, or kEndGate with GATES=2) */
bool cgate[MAXT];   /* the cell's gated mark (Publish(ticket, slot, gated)) */
/* ghosts */
bool stop_done;     /* the flag's call returned */
bool dafter[MAXT];  /* ticket t's grant was decided after the gate and no
                     * End ordered before it made it (the contract's order) */
bool ungated[MAXT]; /* ticket t was granted a session ordered before the flag */
bool stoperr[MAXT]; /* ticket t's waiter answered the flag's error */
bool lpafter[N];    /* the claim record on slot s was settled after the gate */
#if GATES == 2
bool held[N];       /* an End holds slot s's session: from its hold to its last store */
bool skipped[MAXT]; /* a ticket an End ordered before the flag passed by */
bool uerr[MAXT];    /* ... whose waiter answered the flag's error */
#endif
#endif

#define HINT_OF(e) (1 + ((e) % 2))
#define ISMARK(c) ((c) == CLAIMING || (c) == PAYMARK)
#define AVAILABLE(i) ((bits[i] == 0 && ctl[i] == CLOSED) || ctl[i] == CLAIMABLE || \
  (ISMARK(ctl[i]) && (mfrom[i] == 1 || bits[i] == 0)))
#define SHRINKREC(k) ((k) == RCLAIM || (k) == RPAYFREE || (k) == RPAYEND)
#ifdef LIST
#define GROWREC(k) ((k) == RTICKET || (k) == RPOOL || (k) == RMAIL)
#else
#define GROWREC(k) ((k) == RTICKET || (k) == RPOOL)
#endif


/* SRC_SPLIT (review): src/'s claim is one CAS of the pool word (bits,
 * version, hint), which cannot compare the slot's control word; the control
 * word is read after it (OpenClaimed()): src/ today stores open unless the
 * slot is open (pending), FIX_OPENCAS makes it a CAS closed -> open, else the
 * bit is given back. A mark is a CAS of the control word, which cannot
 * compare the pool word's bit; a settle is a CAS of G, which cannot either.
 * The ghost counts the claim from its word CAS (its linearization point if
 * it keeps the slot); a give-back uncounts it. */
#ifdef SRC_SPLIT
#define CLAIM_CTL_OK(s) true
#define CLAIM_OPEN(s) skip
#define CLAIM_GHOST wcok = (open < cap); open++; gtrans++
#define MARK_BIT_OK(s) true
#define SETTLE_BIT_OK(m) true
#ifdef FIX_OPENCAS
#define OC_COND (ctl[mine] == CLOSED)
#else
#define OC_COND (ctl[mine] != OPEN)
#endif
#define OPEN_CLAIMED() \
  if \
  :: mine != NONE -> \
     atomic { \
       if \
       :: OC_COND -> assert(ctl[mine] == CLOSED); assert(wcok); ctl[mine] = OPEN; gtrans-- \
       :: else -> bits[mine] = 0; ver = VNEXT(ver); open--; gtrans--; mine = NONE \
       fi \
     } \
  :: else -> skip \
  fi
#else
#define CLAIM_CTL_OK(s) (ctl[s] == CLOSED)
#define CLAIM_OPEN(s) ctl[s] = OPEN
#define CLAIM_GHOST assert(open < cap); open++
#define MARK_BIT_OK(s) (bits[s] == 0)
#define SETTLE_BIT_OK(m) (bits[m] == 0)
#define OPEN_CLAIMED() skip
#endif

#ifdef FIX_HINTVER
#define HINT_VER ver = VNEXT(ver) /* the resizer's hint CAS steps the word's version */
#else
#define HINT_VER skip
#endif

/* FIX_MARKTAG (review): a mark is a CAS of the control word; it cannot
 * read G's sequence number in the same step: its tag is the one its caller
 * read with G (rq + 1). FIX_GROWSEQ: a grow whose linearization point
 * cancels debt steps the sequence number (marks made for the debt, or
 * before the shrink, die). */
#ifdef FIX_MARKTAG
#define MARK_TAG tag[s] = SNEXT(rq); mq = SNEXT(rq)
#else
#define MARK_TAG tag[s] = SNEXT(seq); mq = SNEXT(seq)
#endif
#ifdef FIX_GROWSEQ
#define GROW_SEQ if :: rd > 0 -> seq = SNEXT(seq) :: else -> skip fi
#else
#define GROW_SEQ skip
#endif

/* no live ticket below `before` is still queued */
inline check_fifo(before) {
  j = head;
  do
  :: j < before -> assert(cancelled[j]); j++
  :: else -> break
  od
}

#ifdef LIST
#define NOCELL (me == LISTED_CLIENT)
/* no caller waiting in the list since before this call began is passed
 * over by a claim (the list has its mailbox) */
#define LIST_CLAIM_CHECK ; j = 0; \
  do :: j < CLIENTS -> assert(j == me || listedat[j] == 0 || listedat[j] >= mystart); j++ \
     :: else -> break od; j = 0
/* no End frees its slot beside a listed caller */
#define LIST_FREE_CHECK ; j = 0; \
  do :: j < CLIENTS -> assert(listedat[j] == 0); j++ :: else -> break od; j = 0
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
/* any slot committed to the list */
inline pick_mailed(x) {
  if
  :: ctl[0] == MAILED -> x = 0
  :: N > 1 && ctl[1] == MAILED -> x = 1
  :: N > 2 && ctl[2] == MAILED -> x = 2
  :: N > 3 && ctl[3] == MAILED -> x = 3
  :: else -> assert(false) /* mb counts a grant that is not there */
  fi
}
#else
#define NOCELL false
#define LIST_CLAIM_CHECK
#define LIST_FREE_CHECK
#endif

#ifdef GATES
/* Settled(): a caller that saw the flag (or the word closed) helps the
 * closure, the word closed then the gate set (one CAS of the pair), before
 * it answers the flag's error, or (a waiter) before it reads its place. */
inline help_closure() {
  atomic { wclosed = true };
  atomic { gate = true }
}
/* Ticket t's waiter answers the flag's error: no later ticket holds a
 * grant ordered before the flag (and, GATES=2, no End ordered before the
 * flag passed this ticket by). */
inline stop_error(t) {
  atomic {
    stoperr[t] = true;
#if GATES == 2
    assert(!skipped[t]); uerr[t] = true;
#endif
    j = t + 1;
    do
    :: j < MAXT -> assert(!ungated[j]); j++
    :: else -> break
    od;
    j = 0
  }
}
/* The grant to ticket t is decided (the CAS of the pair that takes the
 * head): `mark`, the gated mark it publishes; `after`, the ghost: the
 * contract orders it after the flag. An ungated one: no earlier waiter
 * answered the flag's error. */
inline grant_decided(t, mark, after) {
  cgate[t] = mark; dafter[t] = after
}
/* The grant is committed to ticket t's cell (the waiter can no longer
 * cancel): an ungated one, no earlier waiter answered the flag's error. */
inline grant_committed(t) {
  if
  :: !dafter[t] ->
     ungated[t] = true;
     j = 0;
     do
     :: j < t -> assert(!stoperr[j]); j++
     :: else -> break
     od;
     j = 0
  :: else -> skip
  fi
}
#if GATES == 2
/* AwaitEndHolds(): until no End holds a session, slot by slot. */
inline await_end_holds() {
#ifndef MUTANT_NO_AWAIT_ENDS
  j = 0;
  do
  :: j < N -> !held[j]; j++
  :: else -> break
  od;
  j = 0
#else
  skip
#endif
}
/* An End ordered before the flag whose slot went to ticket `bound` (or
 * its successor, gated), or to the pool (bound NONE): every ticket taken
 * before its state check and before `bound` was passed by, and must not
 * answer the flag's error. */
inline end_outcome(bound) {
  j = 0;
  do
  :: j < endtail && j < bound -> assert(!uerr[j]); skipped[j] = true; j++
  :: else -> break
  od;
  j = 0
}
#endif
/* the claim CAS of the pool word compares its closed bit */
#define WORD_OPEN (!wclosed)
/* a claim's linearization point: not after the gate, not in a call that
 * began after the flag's call returned */
#define GATE_CLAIM_CHECK ; assert(!gate && !late)
/* a claim record's claimer answers Success: its settle came before the
 * gate, and its call began before the flag's call returned */
#define REC_SUCCESS_CHECK(x) ; assert(!lpafter[x] && !late); lpafter[x] = false
/* an OutOfSessions answer is ordered before the gate */
#define GATE_OOS_CHECK ; assert(!gate)
#if GATES == 2
#ifdef MUTANT_END_GRANT_GATED
#define HANDOFF_MARK gate
#else
#define HANDOFF_MARK (gate && !byend) /* the end gate gates no End's grant */
#endif
#define HANDOFF_AFTER (gate && !byend)
#else
#ifdef MUTANT_HANDOFF_UNGATED
#define HANDOFF_MARK false
#else
#define HANDOFF_MARK gate
#endif
#define HANDOFF_AFTER gate
#endif
#ifdef MUTANT_SETTLE_UNGATED
#define SETTLE_GATE_OK true
#else
#define SETTLE_GATE_OK (!gate) /* a settle refuses a claim record after the gate */
#endif
#else
#define WORD_OPEN true
#define GATE_CLAIM_CHECK
#define REC_SUCCESS_CHECK(x)
#define GATE_OOS_CHECK
#define SETTLE_GATE_OK true
#endif

/* Undoes the marks whose record never came (their tag has passed, and no
 * record names them): back to their origin. */
inline undo_dead_marks() {
  j = 0;
  do
  :: j < N ->
     atomic {
       if
       :: ISMARK(ctl[j]) && tag[j] != SNEXT(seq) &&
          !(SHRINKREC(rkind) && rslot == j && tag[j] == seq) ->
          if
          :: mfrom[j] == 1 -> ctl[j] = CLAIMABLE
          :: else -> ctl[j] = CLOSED
          fi
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
    :: rkind == RNONE && tag[m] == SNEXT(seq) && ctl[m] == CLAIMING ->
       if
       :: D == 0 && SETTLE_GATE_OK -> assert(open < cap); open++; rkind = RCLAIM; rslot = m
#ifdef GATES
          ; lpafter[m] = gate
#endif
       :: else -> skip
       fi;
       seq = SNEXT(seq)
    :: rkind == RNONE && tag[m] == SNEXT(seq) && ctl[m] == PAYMARK ->
       if
       :: D > 0 && (mfrom[m] == 1 || SETTLE_BIT_OK(m)) -> D--; rkind = RPAYFREE; rslot = m
       :: else -> skip
       fi;
       seq = SNEXT(seq)
    :: else -> skip
    fi
  }
}

/* Finishes the shrink record read as (hk, hs, hq): the control word, then
 * G. */
inline help_shrink(hk, hs, hq) {
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

/* One step of the grow's units, from the pair as read now; `helped` is
 * set when a record or a unit was pending. */
inline unit_step() {
  atomic {
    ru = u; rn = units; rg = gseq; rk = rkind; rs = rslot; rq = seq;
    rt = head; helped = (u < units || rkind != RNONE)
  };
  if
  :: SHRINKREC(rk) -> help_shrink(rk, rs, rq)
  :: rk == RNONE && ru < rn ->
     /* decide: one CAS of the pair, expecting it as read */
     atomic {
       if
#ifdef MUTANT_UNIT_PAST_RECORD
       :: u == ru && head == rt && gseq == rg && units == rn ->
#else
       :: u == ru && rkind == RNONE && head == rt && gseq == rg && units == rn ->
#endif
#ifdef GATES
          /* after the gate (either gate: a grow is no End) a unit goes to
           * the pool, never to a ticket; the flag stays verified while
           * tickets are queued (their waiters leave on the flag) */
          if
#ifdef MUTANT_UNIT_UNGATED
          :: head < tail -> grant_decided(head, false, gate);
#else
          :: head < tail && !gate -> grant_decided(head, false, false);
#endif
             rkind = RTICKET; rslot = head; head++
          :: else -> rkind = RPOOL;
             if :: head == tail -> verified = false :: else -> skip fi
          fi
#elif defined(LIST)
          /* the overflow list after the tickets and before the pool: a
           * record for the list, the flag marked mailed in the same CAS */
          if
          :: head < tail -> rkind = RTICKET; rslot = head; head++
#ifndef MUTANT_MAIL_SKIPS_LIST
          :: head == tail && listbit -> rkind = RMAIL; mailbit = true; mailg++
#endif
          :: else -> rkind = RPOOL; verified = false
          fi
#else
          if
          :: head < tail -> rkind = RTICKET; rslot = head; head++
          :: else -> rkind = RPOOL; verified = false
          fi
#endif
       :: else -> skip
       fi
     }
  :: rk == RPOOL ->
     atomic {
       if
       :: ctl[L[ru]] == LISTED && tag[L[ru]] == rg -> ctl[L[ru]] = CLAIMABLE
       :: else -> skip
       fi
     };
     atomic {
       if
       :: u == ru && rkind == RPOOL && gseq == rg -> u++; rkind = RNONE
       :: else -> skip
       fi
     }
#ifdef LIST
  :: rk == RMAIL ->
     /* the list's record: commit the slot to the list (listed -> mailed,
      * a CAS of its control word), then end the record, the grant counted
      * in G (mb); the list's lock holder takes it */
     atomic {
       if
       :: ctl[L[ru]] == LISTED && tag[L[ru]] == rg -> assert(open < cap); open++; ctl[L[ru]] = MAILED
       :: else -> skip
       fi
     };
     atomic {
       if
       :: u == ru && rkind == RMAIL && gseq == rg -> u++; rkind = RNONE; mb++
       :: else -> skip
       fi
     }
#endif
  :: rk == RTICKET ->
     /* commit, open, publish, end the record */
     atomic {
       if
       :: cell[rs] == READY && ctl[L[ru]] == LISTED && tag[L[ru]] == rg ->
          assert(open < cap); open++;
          cell[rs] = DELIVERED; cslot[rs] = L[ru]
#ifdef GATES
          ; grant_committed(rs)
#endif
       :: else -> skip
       fi
     };
     atomic {
       if
       :: cell[rs] == DELIVERED && cslot[rs] == L[ru] && ctl[L[ru]] == LISTED &&
          tag[L[ru]] == rg -> ctl[L[ru]] = OPEN
       :: else -> skip
       fi
     };
     atomic {
       if
       :: cell[rs] == DELIVERED && cslot[rs] == L[ru] && ctl[L[ru]] == OPEN ->
          cell[rs] = PUBLISHED
       :: else -> skip
       fi
     };
     atomic {
       if
       :: u == ru && rkind == RTICKET && rslot == rs && gseq == rg ->
          if
          :: cell[rs] == CANCELLED -> rkind = RNONE /* the unit goes on */
          :: cell[rs] == PUBLISHED -> u++; rkind = RNONE
          :: else -> skip /* not published yet: another helper is on it */
          fi
       :: else -> skip
       fi
     }
  :: else -> skip
  fi
}

/* Finishes the pending record, if any. */
inline help_pending() {
  atomic { rq = seq; rk = rkind; rs = rslot };
  if
  :: SHRINKREC(rk) -> help_shrink(rk, rs, rq)
  :: GROWREC(rk) -> unit_step()
  :: else -> skip
  fi
}

/* The lowest free closed slot, or NONE; and a claimable one, or NONE. */
inline find_free() {
  atomic {
    s = NONE; c = NONE; j = 0;
    do
    :: j < N ->
       if
       :: s == NONE && bits[j] == 0 && ctl[j] == CLOSED -> s = j
       :: c == NONE && ctl[j] == CLAIMABLE -> c = j
       :: else -> skip
       fi;
       j++
    :: else -> break
    od
  }
}

/* Marks slot s (free closed, or claimable when `fromc`) with `kind` and the
 * next tag, then settles the mark (finishing any record in the way) until
 * it is decided: installed (`won`, its record finished), or passed by the
 * sequence number without a record (undone). */
inline mark_and_settle(kind, fromc) {
  won = false;
  atomic {
    if
    :: (!fromc && ctl[s] == CLOSED && MARK_BIT_OK(s)) || (fromc && ctl[s] == CLAIMABLE) ->
       ctl[s] = kind; MARK_TAG; mfrom[s] = fromc
    :: else -> mq = NONE
    fi
  };
  if
  :: mq != NONE ->
     do
     :: atomic {
          won = (rkind != RNONE && SHRINKREC(rkind) && rslot == s && seq == mq) ||
                (tag[s] == mq && (ctl[s] == GRANTED || ctl[s] == RESERVED));
          passed = !won && SNEXT(seq) != mq
        };
        if
        :: won -> rk = (kind == CLAIMING -> RCLAIM : RPAYFREE); help_shrink(rk, s, mq); break
        :: passed -> undo_dead_marks(); break
        :: else -> help_pending(); settle(s); help_pending()
        fi
     od
  :: else -> skip
  fi
}

/* Takes the session a published cell holds: the waiter sets the slot's bit
 * if a payment had left it free (the bit is its own now). */
inline take_cell(t) {
  cell[t] = READY; mine = cslot[t];
  if :: bits[mine] == 0 -> bits[mine] = 1; ver = VNEXT(ver) :: else -> skip fi
}

/* The claim of free slot s by one CAS of the word, which expects it as
 * read (its hint and version); then to `begun`, or to `begin_again` when
 * the CAS failed or the claim was given back. */
inline word_claim() {
  atomic {
    if
    :: hint == wh && ver == wv && bits[s] == 0 && CLAIM_CTL_OK(s) && WORD_OPEN ->
       bits[s] = 1; CLAIM_OPEN(s); CLAIM_GHOST GATE_CLAIM_CHECK LIST_CLAIM_CHECK;
       if :: !waiting -> check_fifo(start) :: else -> skip fi;
       mine = s
    :: else -> skip
    fi
  };
  OPEN_CLAIMED();
  if
  :: mine != NONE -> goto begun
  :: else -> goto begin_again
  fi
}

/* A waiter whose ticket was taken waits for its grant, helping a record
 * that names its ticket. */
inline await_grant(t) {
  do
  :: atomic { cell[t] == PUBLISHED -> take_cell(t) }; break
  :: atomic { rkind == RTICKET && rslot == t } -> unit_step()
  od
}

/* Resets the scratch values between calls (fewer states, same behaviour). */
#define SCRATCH_RESET d_step { s = 0; c = 0; j = 0; r = 0; rd = 0; rq = 0; rk = 0; rs = 0; re = 0; \
  ru = 0; rn = 0; rg = 0; rt = 0; wh = 0; wv = 0; mq = 0; t = 0; start = 0; i0 = 0; c0 = 0; \
  won = false; done = false; passed = false; helped = false; rv = false }

proctype Client(byte me) {
  byte mine = NONE, round = 0;
  byte s, c, j, r, rd, rq, rk, rs, re, ru, rn, rg, rt, wh, wv, mq, t, start, i0, c0;
  bool won, done, passed, helped, waiting, rv, wcok;
#ifdef LIST
  byte pos, k, x, mystart;
  bool ol, gbk; /* gbk: ending a grant given back by CloseList */
#endif
#ifdef GATES
  bool late, sterr, giveback, byend, fullat;
#if GATES == 2
  byte endtail;
#endif
#endif
  if
  :: me < HELD -> mine = me
  :: else -> skip
  fi;
  waiting = (me >= HELD && me < HELD + WAITERS);
  do
  :: round >= ROUNDS && mine == NONE -> break
  :: mine != NONE ->
     SCRATCH_RESET;
     /* End */
     s = mine;
     mine = NONE;
#ifdef GATES
     byend = !giveback; giveback = false; /* an End's free, or a waiter's give-back */
#if GATES == 2
     if
     :: byend ->
        /* the hold (busy, by End), then the state re-read (a Dekker pair
         * with the flag): on the flag the End lets go, the session open */
        held[s] = true;
        atomic {
          if
          :: stopped -> held[s] = false; sterr = true
          :: else -> sterr = false; endtail = tail
          fi
        };
        if
        :: sterr -> sterr = false; goto end_done /* refused */
        :: else -> skip
        fi
     :: else -> await_end_holds() /* a give-back waits for the Ends before the flag */
     fi;
#endif
#endif
#ifdef LIST
end_free:
#endif
     atomic { bits[s] = 0; ver = VNEXT(ver) }; /* the free: pending, still open */
end_again:
#ifdef LIST
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot; rv = verified; t = head; r = tail; ol = listbit };
#else
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot; rv = verified; t = head; r = tail };
#endif
     if
     :: rd > 0 && rk != RNONE -> help_pending(); goto end_again
     :: rd > 0 && rk == RNONE ->
        atomic { ctl[s] = PAYING; tag[s] = SNEXT(rq) };
        atomic {
          if
          :: rkind == RNONE && seq == rq && D > 0 ->
             D--; seq = SNEXT(rq); rkind = RPAYEND; rslot = s;
             open--; /* the End takes effect: its slot pays the unit */
             won = true
          :: else -> won = false
          fi
        };
        if
        :: won -> help_shrink(RPAYEND, s, SNEXT(rq))
        :: else -> atomic { ctl[s] = OPEN }; goto end_again
        fi
#if defined(GATES) && GATES == 2
     :: rd == 0 && !rv -> atomic { ctl[s] = CLOSED; open--; if :: byend -> end_outcome(NONE) :: else -> skip fi }
#else
     :: rd == 0 && !rv -> atomic { ctl[s] = CLOSED; open-- LIST_FREE_CHECK }
#endif
#ifdef LIST
     :: rd == 0 && rv && t == r && !ol ->
        atomic { if :: verified && head == tail && D == 0 && !listbit -> verified = false :: else -> skip fi };
        goto end_again
     :: rd == 0 && rv && t == r && ol ->
        /* MailToHead(): the bit back and the End counted; a CAS of the
         * pair that needs the list, no ticket and no debt marks the flag
         * mailed (the grant decided); the slot, still open, pushed for
         * the list, and the count dropped */
        atomic { assert(bits[s] == 0); bits[s] = 1; pushing++ };
        atomic {
          if
          :: verified && head == tail && listbit && D == 0 -> mailbit = true; mailg++; ol = true
          :: else -> ol = false
          fi
        };
        if
        :: ol -> atomic { inbox[s] = 1; nbox++; pushing-- }
        :: else -> atomic { pushing--; bits[s] = 0; ver = VNEXT(ver) }; goto end_again
        fi
#else
     :: rd == 0 && rv && t == r ->
        atomic { if :: verified && head == tail && D == 0 -> verified = false :: else -> skip fi };
        goto end_again
#endif
     :: rd == 0 && rv && t < r ->
        atomic { assert(bits[s] == 0); bits[s] = 1 }; /* the bit back */
        atomic {
          if
          :: head == t && D == 0 -> head++ /* took ticket t */
#ifdef GATES
             ; grant_decided(t, HANDOFF_MARK, HANDOFF_AFTER) /* gated from the value it replaced */
#endif
          :: else -> t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0; ver = VNEXT(ver) }; goto end_again
        :: else -> skip
        fi;
        atomic {
          if
          :: cell[t] == READY -> cell[t] = DELIVERED; cslot[t] = s /* the session moves */
#ifdef GATES
             ; grant_committed(t)
#endif
          :: else -> assert(cell[t] == CANCELLED); t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0; ver = VNEXT(ver) }; goto end_again
#if defined(GATES) && GATES == 2
        :: else -> atomic { cell[t] = PUBLISHED; if :: byend -> if :: cgate[t] -> end_outcome(t + 1) :: else -> end_outcome(t) fi :: else -> skip fi }
#else
        :: else -> cell[t] = PUBLISHED
#endif
        fi
     fi;
#ifdef LIST
     if
     :: gbk -> gbk = false; goto giveback
     :: else -> skip
     fi;
#endif
#ifdef GATES
end_done:
#if GATES == 2
     held[s] = false; endtail = 0; /* the End's last store */
#endif
     byend = false;
#endif
     round++;
     SCRATCH_RESET
  :: round < ROUNDS && mine == NONE ->
     /* Begin (a waiting one when `waiting`) */
     SCRATCH_RESET;
     start = tail;
#ifdef LIST
     atomic { mystart = clk; clk++ };
#endif
#ifdef GATES
     /* the state first: the flag's error (the closure helped first) */
     atomic { late = stop_done; sterr = stopped };
     if
     :: sterr -> sterr = false; help_closure(); goto begun
     :: else -> skip
     fi;
#endif
begin_again:
#ifdef GATES
     /* the word's load: closed, the flag's error (the closure helped) */
     atomic { wh = hint; wv = ver; sterr = wclosed };
     if
     :: sterr -> sterr = false; help_closure(); goto begun
     :: else -> skip
     fi;
#else
     atomic { wh = hint; wv = ver };
#endif
     find_free();
     if
     :: wh == 0 && s != NONE ->
        /* the fast path: one CAS of the word */
        word_claim()
     :: else -> skip
     fi;
     /* read G */
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot; re = epoch };
     if
     :: rk != RNONE -> help_pending(); goto begin_again
     :: else -> skip
     fi;
     if
     :: s != NONE && wh != 0 && rd == 0 && wh == HINT_OF(re) ->
        /* the epoch's own hint: a plain CAS expecting the hint read */
#ifdef FIX_PEEKAFTER
        /* review: the filter's peek of the control word after the read of G */
        if :: ctl[s] != CLOSED -> goto begin_again :: else -> skip fi;
#endif
        word_claim()
     :: s != NONE && wh != 0 && rd > 0 ->
        mark_and_settle(PAYMARK, 0); /* pay a unit with the free slot */
        goto begin_again
     :: s != NONE && wh != 0 && rd == 0 && wh != HINT_OF(re) ->
        /* a shrink on its way: a claim record */
        mark_and_settle(CLAIMING, 0);
        if
        :: won ->
           atomic { assert(bits[s] == 0); bits[s] = 1 };
           atomic { assert(ctl[s] == GRANTED && tag[s] == mq); ctl[s] = OPEN; mine = s;
                    if :: !waiting -> check_fifo(start) :: else -> skip fi REC_SUCCESS_CHECK(s) LIST_CLAIM_CHECK };
           goto begun
        :: else -> goto begin_again
        fi
     :: s == NONE && c != NONE ->
        /* a claimable slot (a pool unit): through a mark, as D says */
        s = c;
#ifdef MUTANT_CLAIMABLE_PLAIN
        atomic {
          if
          :: ctl[s] == CLAIMABLE -> ctl[s] = OPEN; assert(open < cap); open++; mine = s
          :: else -> skip
          fi
        };
        if
        :: mine != NONE -> goto begun
        :: else -> goto begin_again
        fi;
#endif
        if
        :: rd > 0 -> mark_and_settle(PAYMARK, 1); goto begin_again
        :: else ->
           mark_and_settle(CLAIMING, 1);
           if
           :: won ->
              atomic { assert(ctl[s] == GRANTED && tag[s] == mq && bits[s] == 1);
                       ctl[s] = OPEN; mine = s;
                       if :: !waiting -> check_fifo(start) :: else -> skip fi REC_SUCCESS_CHECK(s) LIST_CLAIM_CHECK };
              goto begun
           :: else -> goto begin_again
           fi
        fi
     :: else -> skip /* nothing free: prove */
     fi;
     /* the proof, with no record in G: live marks settled, dead ones
      * undone, units helped first */
     help_pending();
     j = 0;
     do
     :: j < N -> settle(j); j++
     :: else -> break
     od;
     help_pending();
     undo_dead_marks();
     unit_step();
     if
     :: helped -> goto begin_again
     :: else -> skip
     fi;
     if
     :: !waiting ->
        atomic {
          r = 0; j = 0;
          do
          :: j < N -> if :: AVAILABLE(j) -> r++ :: else -> skip fi; j++
          :: else -> break
          od;
          if
          :: rkind == RNONE && u == units && r <= D && WORD_OPEN -> assert(OOS_OK) GATE_OOS_CHECK; done = true
          :: else -> done = false
          fi
        };
        if
        :: done -> goto begun /* OutOfSessions */
        :: else -> goto begin_again
        fi
     :: else -> skip
     fi;
#ifdef GATES
     /* QueueForSlot(): the state before the ticket */
     atomic { sterr = stopped };
     if
     :: sterr -> sterr = false; help_closure(); goto begun
     :: else -> skip
     fi;
#endif
     /* a waiting caller: verify and take a ticket in one CAS of the pair,
      * on a proof that found nothing available and no slot pending */
     atomic {
       r = 0; j = 0;
       do
       :: j < N ->
          if :: AVAILABLE(j) || (bits[j] == 0 && (ctl[j] == OPEN || ctl[j] == PAYING)) -> r++
          :: else -> skip fi;
          j++
       :: else -> break
       od;
       if
#ifdef LIST
       :: r == 0 && rkind == RNONE && u == units && tail < MAXT && !NOCELL && !listbit ->
          assert(OOS_OK); verified = true; t = tail; tail++
       :: r == 0 && rkind == RNONE && u == units && (NOCELL || listbit) && lk == NONE ->
          /* Join(), under the list's lock: the flag verified and the list
           * bit set by one CAS of the pair (no unit or record in G), the
           * caller appended */
          assert(OOS_OK);
          verified = true; listbit = true; ovl[ovn] = me; ovn++;
          listedat[me] = clk; clk++; t = LISTEDT
#else
       :: r == 0 && rkind == RNONE && u == units && tail < MAXT ->
          assert(OOS_OK); verified = true; t = tail; tail++
#endif
       :: else -> t = NONE
       fi
     };
     if
     :: t == NONE -> goto begin_again
#ifdef LIST
     :: t == LISTEDT -> goto listed
#endif
     :: else -> skip
     fi;
#ifdef LIST
queued:
#endif
     /* wait for the cell */
     do
     :: atomic { cell[t] == PUBLISHED -> take_cell(t) }; break
     :: atomic { rkind == RTICKET && rslot == t } -> unit_step() /* my ticket in a record */
#ifdef GATES
#ifndef MUTANT_WAIT_IGNORES_FLAG
     :: stopped -> goto leave_state /* the flag's alert, or its own state read */
#endif
#endif
#ifdef TIMEOUTS
     :: cell[t] != PUBLISHED ->
        /* the deadline: leave */
leave_again:
#ifdef GATES
        /* Leave(): the state first (ghost fullat: the pool full then) */
        atomic { sterr = stopped; fullat = (open >= cap) };
        if
        :: sterr -> sterr = false; goto leave_state
        :: else -> skip
        fi;
        atomic { ru = u; rn = units; rt = head; i0 = open; c0 = cap; rk = rkind; sterr = gate };
#ifdef FIX_LEAVEGATE
        /* the flag read finds the gate: the flag's path (the Ends in
         * flight waited for, the flag read again) */
        if
        :: sterr -> sterr = false; goto leave_state
        :: else -> skip
        fi;
#endif
        sterr = false;
#else
        atomic { ru = u; rn = units; rt = head; i0 = open; c0 = cap; rk = rkind };
#endif
        if
        :: rt > t ->
           /* taken: wait for the slot, helping a record of it */
           await_grant(t);
           break
        :: rt <= t && (ru < rn || rk != RNONE) -> unit_step(); goto leave_again
        :: else ->
           atomic {
             if
             :: cell[t] == READY -> cell[t] = CANCELLED; cancelled[t] = true;
#ifdef GATES
                /* full at the state read (its answer's order) or at the
                 * flag read */
                assert(fullat || i0 >= c0); fullat = false
#else
                assert(i0 >= c0) /* full at the read that decided */
#endif
             :: else -> skip
             fi
           };
           if
           :: cancelled[t] -> break /* OutOfSessions */
           :: else ->
              await_grant(t);
              break
           fi
        fi
#endif
     od;
#ifdef LIST
     goto begun;
listed:
     /* In the overflow list, asleep until one of these: the list's record
      * in G, which any listed caller helps; the head takes a grant, or a
      * ticket when none is on its way (EnqueueHead(): the ticket taken and
      * the list left by one CAS of the pair, which finds no unit or record
      * in G). */
     do
     :: atomic { rkind == RMAIL } -> unit_step()
     :: atomic { lk == NONE && ovl[0] == me && (nbox > 0 || mb > 0) -> lk = me; pos = 0 }; goto take
     :: atomic {
          lk == NONE && ovl[0] == me && !mailbit && rkind == RNONE && u == units && !NOCELL &&
          tail < MAXT ->
          assert(verified && listbit && OOS_OK);
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
      * live ticket is queued (the tickets came first) */
     if
     :: atomic { nbox > 0 ->
          check_fifo(tail); assert(pos < mailg);
          pick_box(x); inbox[x] = 0; nbox--; mine = x; mailg--;
          unlist(); listedat[me] = 0 }
     :: atomic { mb > 0 ->
          check_fifo(tail); assert(pos < mailg);
          mb--; mailg--; unlist(); listedat[me] = 0 };
        /* the slot's control word, by the lock's holder alone */
        atomic { pick_mailed(x); ctl[x] = OPEN; mine = x }
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
     atomic { if :: nbox == 0 && pushing == 0 && mb == 0 && rkind != RMAIL -> mailbit = false :: else -> skip fi };
#endif
     atomic { if :: nbox != 0 || pushing != 0 -> mailbit = true :: else -> skip fi };
     atomic { lk = NONE };
     goto begun;
#ifdef TIMEOUTS
leavelist:
     /* A deadline, under the lock: help while a unit is left; then, once
      * no End is on its way to the mailbox, take a grant if more are
      * decided than callers ahead, else leave the list (OutOfSessions). */
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
          :: nbox + mb > pos -> ol = true
          :: else -> ol = false; assert(mailg <= pos);
             assert(OOS_OK); /* full at the instant that decided */
             unlist(); listedat[me] = 0
          fi
        }; break
     od;
     if
     :: ol -> goto take
     :: !ol && ovn == 0 -> goto closelist
     :: else -> atomic { lk = NONE }; goto begun /* OutOfSessions */
     fi;
#endif
closelist:
     /* CloseList(), by the last to leave, under the lock: the list and
      * mailed bits cleared by one CAS; the Ends counted waited for (a few
      * steps each); a record for the list helped to its end (none is
      * decided after the clear); every grant left ended again (a free: to
      * a ticket, to the pool, or a payment) */
     atomic { listbit = false; mailbit = false };
     (pushing == 0);
#ifndef MUTANT_CLOSE_IGNORES_MAILREC
     do
     :: rkind == RMAIL -> unit_step()
     :: else -> break
     od;
#endif
giveback:
     if
     :: atomic { nbox > 0 -> pick_box(x); inbox[x] = 0; nbox--; mailg--; s = x };
        gbk = true; goto end_free
     :: atomic { mb > 0 -> mb--; mailg-- };
        atomic { pick_mailed(x); ctl[x] = OPEN; s = x };
        gbk = true; goto end_free
     :: atomic { nbox == 0 && mb == 0 -> lk = NONE }; goto begun
     fi;
#endif
#ifdef GATES
     goto accept;
leave_state:
     /* Leave() on the flag: the closure helped (the gate set) before the
      * flag read, so every ticket taken after that read is granted gated
      * (GATES=2: and the Ends in flight waited for) */
#ifndef MUTANT_LEAVE_BEFORE_GATE
     help_closure();
#endif
#if GATES == 2
     await_end_holds();
#endif
     atomic { rt = head };
     if
     :: rt > t -> await_grant(t) /* taken: the grant comes */
     :: else ->
        atomic {
          if
          :: cell[t] == READY -> cell[t] = CANCELLED; cancelled[t] = true
          :: else -> skip
          fi
        };
        if
        :: cancelled[t] -> stop_error(t); goto begun /* the flag's error */
        :: else -> await_grant(t) /* a grant committed first */
        fi
     fi;
#ifdef MUTANT_LEAVE_BEFORE_GATE
     help_closure();
#endif
accept:
     /* Accept(): a gated grant is ended again (the End branch, as a
      * give-back), and the flag's error answered */
     if
     :: mine != NONE && cgate[t] -> stop_error(t); giveback = true
     :: mine != NONE && !cgate[t] -> assert(!dafter[t] && !late)
     :: else -> skip
     fi;
#endif
begun:
     round++;
     SCRATCH_RESET
#ifdef GATES
     ; d_step { late = false; fullat = false }
#endif
  od;
  atomic { finished++ }
}

inline shrink(k, st) {
  atomic { hint = HINT_OF(epoch + 1); HINT_VER };
  /* the linearization point: one CAS of G */
  atomic { D = D + k; epoch++; cap = cap - k };
  if :: st -> goto stalled :: else -> skip fi;
  /* pay with free or claimable slots while there are some */
  do
  :: D == 0 -> break
  :: else ->
     help_pending();
     find_free();
     if
     :: s != NONE -> mark_and_settle(PAYMARK, 0)
     :: s == NONE && c != NONE -> s = c; mark_and_settle(PAYMARK, 1)
     :: else -> break /* none: the sessions owe the rest */
     fi
  od;
  if
  :: D == 0 -> atomic { hint = 0; HINT_VER }
  :: else -> skip
  fi
}

inline grow(k, st) {
  n = 0;
  do
  :: atomic { rd = D };
     need = k - (rd < k -> rd : k);
     /* list `need` reserved slots (the resizer's alone), setting the bits
      * that a payment left free; a payment whose record is pending has
      * not marked its slot reserved yet: finish it first (reserved + D =
      * N - cap, so there are enough once no record is pending) */
     help_pending();
     j = 0;
     do
     :: n < need && j < N ->
        atomic {
          if
          :: ctl[j] == RESERVED ->
             if :: bits[j] == 0 -> bits[j] = 1; ver = VNEXT(ver) :: else -> skip fi;
             ctl[j] = LISTED; tag[j] = GNEXT(gseq); L[n] = j; n++
          :: else -> skip
          fi
        };
        j++
     :: else -> break
     od;
     if
     :: n < need -> goto relist
     :: else -> skip
     fi;
     /* the linearization point: one CAS of the pair */
     atomic {
#ifdef MUTANT_GROW_STALE_DEBT
       if
       :: true ->
#else
       if
       :: D == rd ->
#endif
#ifdef MUTANT_GROW_KEEPS_DEBT
          units = k; u = 0;
#else
          units = need; u = 0; D = rd - (k - need); GROW_SEQ;
#endif
          gseq = GNEXT(gseq); cap = cap + k; done = true
       :: else -> done = false
       fi
     };
     if
     :: done -> break
     :: else -> skip
     fi;
relist:
     skip
  od;
  if
  :: D == 0 -> atomic { hint = 0; HINT_VER }
  :: else -> skip
  fi;
  if :: st -> goto stalled :: else -> skip fi;
  do
  :: u < units -> unit_step()
  :: else -> break
  od;
  help_pending()
}

proctype Resizer() {
  byte s, c, j, n, need, rd, rq, rk, rs, mq, ru, rn, rg, rt;
  bool won, done, passed, helped;
  if
  :: OP1 == SHRINK -> shrink(K1, ST1)
  :: else -> grow(K1, ST1)
  fi;
  if
  :: OP2 == SHRINK -> shrink(K2, ST2)
  :: OP2 == GROW -> grow(K2, ST2)
  :: else -> skip
  fi;
  resizer_done = true;
stalled:
  skip
}

#ifdef GATES
/* JetStopServiceInstance (GATES=1) or JetExtSetInstanceUnavailable
 * (GATES=2), at any moment: the state flag, the word closed (CloseAll()),
 * the gate set in the pair (MarkClosedForBegin(): the linearization
 * point), then it returns. Its alert of the waiters is the waiter's guard
 * on the flag (wait_queue.pml checks the alert). */
proctype Stop() {
  stopped = true;
  atomic { wclosed = true };
  atomic { gate = true };
  stop_done = true
}
#endif

init {
  byte i, r, res;
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
#ifdef LIST
    i = 0;
    do
    :: i < CLIENTS -> ovl[i] = NONE; i++
    :: else -> break
    od;
#endif
    run Resizer();
#ifdef GATES
    run Stop();
#endif
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od
  };
  (finished == CLIENTS);
#ifdef GATES
  (stop_done);
#endif
#ifdef LIST
  /* nobody listed, and no grant left for the list: none of a unit (in G
   * or in its record), none of an End (in the mailbox or on its way) */
  assert(ovn == 0 && !listbit && !mailbit && lk == NONE);
  assert(mb == 0 && rkind != RMAIL);
  assert(nbox == 0 && pushing == 0 && mailg == 0);
#endif
#if !defined(STALL1) && !defined(STALL2)
  (resizer_done);
  atomic {
    assert(rkind == RNONE && u == units);
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
#endif
}
