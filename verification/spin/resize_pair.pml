/* resize_pair.pml: Spin model of a lock-free JetExtSetMaxSessions, the
 * shrink half (shrink_records.pml) and the grow half (grow_units.pml) on
 * one pair: a design that src/ does not have yet (there, Resize() closes
 * the words and Begins wait for it; resize.pml models that).
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
 * clients); and G's fields (D or units, u, the record's slot and kind, the
 * epoch's parity: about 50 bits at a ceiling of 30,000) leave some 14 bits
 * for seq and gseq, tags that a helper stalled across 2^7 settles would
 * find live again: G needs 128 bits, or tags bounded another way. STALL2
 * after a grow stops the resizer after it cleared the hints, not between
 * its linearization point and the clear.
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

#define HINT_OF(e) (1 + ((e) % 2))
#define ISMARK(c) ((c) == CLAIMING || (c) == PAYMARK)
#define AVAILABLE(i) ((bits[i] == 0 && ctl[i] == CLOSED) || ctl[i] == CLAIMABLE || \
  (ISMARK(ctl[i]) && (mfrom[i] == 1 || bits[i] == 0)))
#define SHRINKREC(k) ((k) == RCLAIM || (k) == RPAYFREE || (k) == RPAYEND)
#define GROWREC(k) ((k) == RTICKET || (k) == RPOOL)


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
       :: D == 0 -> assert(open < cap); open++; rkind = RCLAIM; rslot = m
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
          if
          :: head < tail -> rkind = RTICKET; rslot = head; head++
          :: else -> rkind = RPOOL; verified = false
          fi
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
  :: rk == RTICKET ->
     /* commit, open, publish, end the record */
     atomic {
       if
       :: cell[rs] == READY && ctl[L[ru]] == LISTED && tag[L[ru]] == rg ->
          assert(open < cap); open++;
          cell[rs] = DELIVERED; cslot[rs] = L[ru]
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
    :: hint == wh && ver == wv && bits[s] == 0 && CLAIM_CTL_OK(s) ->
       bits[s] = 1; CLAIM_OPEN(s); CLAIM_GHOST;
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
     atomic { bits[s] = 0; ver = VNEXT(ver) }; /* the free: pending, still open */
end_again:
     atomic { rd = D; rq = seq; rk = rkind; rs = rslot; rv = verified; t = head; r = tail };
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
     :: rd == 0 && !rv -> atomic { ctl[s] = CLOSED; open-- }
     :: rd == 0 && rv && t == r ->
        atomic { if :: verified && head == tail && D == 0 -> verified = false :: else -> skip fi };
        goto end_again
     :: rd == 0 && rv && t < r ->
        atomic { assert(bits[s] == 0); bits[s] = 1 }; /* the bit back */
        atomic {
          if
          :: head == t && D == 0 -> head++ /* took ticket t */
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
          :: else -> assert(cell[t] == CANCELLED); t = NONE
          fi
        };
        if
        :: t == NONE -> atomic { bits[s] = 0; ver = VNEXT(ver) }; goto end_again
        :: else -> cell[t] = PUBLISHED
        fi
     fi;
     round++;
     SCRATCH_RESET
  :: round < ROUNDS && mine == NONE ->
     /* Begin (a waiting one when `waiting`) */
     SCRATCH_RESET;
     start = tail;
begin_again:
     atomic { wh = hint; wv = ver };
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
                    if :: !waiting -> check_fifo(start) :: else -> skip fi };
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
                       if :: !waiting -> check_fifo(start) :: else -> skip fi };
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
          :: rkind == RNONE && u == units && r <= D -> assert(OOS_OK); done = true
          :: else -> done = false
          fi
        };
        if
        :: done -> goto begun /* OutOfSessions */
        :: else -> goto begin_again
        fi
     :: else -> skip
     fi;
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
       :: r == 0 && rkind == RNONE && u == units && tail < MAXT ->
          assert(OOS_OK); verified = true; t = tail; tail++
       :: else -> t = NONE
       fi
     };
     if
     :: t == NONE -> goto begin_again
     :: else -> skip
     fi;
     /* wait for the cell */
     do
     :: atomic { cell[t] == PUBLISHED -> take_cell(t) }; break
     :: atomic { rkind == RTICKET && rslot == t } -> unit_step() /* my ticket in a record */
#ifdef TIMEOUTS
     :: cell[t] != PUBLISHED ->
        /* the deadline: leave */
leave_again:
        atomic { ru = u; rn = units; rt = head; i0 = open; c0 = cap; rk = rkind };
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
                assert(i0 >= c0) /* full at the read that decided */
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
begun:
     round++;
     SCRATCH_RESET
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
    run Resizer();
    i = 0;
    do
    :: i < CLIENTS -> run Client(i); i++
    :: else -> break
    od
  };
  (finished == CLIENTS);
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
