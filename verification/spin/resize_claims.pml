/* resize_claims.pml: Spin model of a lock-free resize on src/'s pair: the
 * grow of grow_claims.pml (its room kept in G as units until a caller
 * takes it; a unit for a ticket goes through a grant record that anyone
 * finishes) beside src/'s shrink (a debt in the same amount field of G,
 * paid by free slots through pay-free records and by Ends with their own
 * slots through pay-End records). One record of any kind at a time.
 *
 * The pair: F (verified, owing, the tickets' tail and head) and G (the
 * amount; one record: its kind, its slot or ticket; the seq), changed by
 * one compare-exchange. The amount is the debt while F's owing bit is
 * set, else the grow's units: never both. The resizer runs one resize at
 * a time (src/'s resize lock): a shrink by KS and then a grow by KG, or
 * (GROW_FIRST) a grow and then a shrink.
 *  - The shrink's linearization point is one CAS of the pair: it cancels
 *    the units left first (units -= min(units, KS)) and the rest becomes
 *    a debt (owing set). The CAS expects no grant record: the resizer
 *    finishes a pending one first. A payment record may be pending beside
 *    it. The resizer then pays the debt with the free slots it finds, as
 *    a claimer does.
 *  - The grow's linearization point is one CAS of the pair: it cancels
 *    the debt first and the rest becomes units (with no ticket queued it
 *    clears the verified flag). A payment record may be pending beside it
 *    (its unit was taken before the CAS): no unit is taken or decided
 *    while a record is pending, so the payment is finished first. The
 *    resizer then helps as grow_claims.pml's grower does (NOHELP: it does
 *    not, and the next resize follows at once).
 *  - A free slot pays a unit (src/'s PayInWord(), MarkAndSettle(),
 *    Settle(), FinishRecord(), SetReservedBit()): the payer reads the
 *    slot's control word and the pair, marks the control word pay-free
 *    with the tag NextSeq (a CAS that expects the word as read: closed, or
 *    a mark with another tag; a mark found with the tag is settled as it
 *    is), and settles the mark by one CAS of the pair that takes a unit,
 *    installs the record {pay-free, slot} and steps the seq to the tag
 *    when a unit is owed, else steps the seq (the mark dies and is
 *    undone). Anyone finishes the record: marks the slot reserved (from
 *    pay-free with the record's seq), clears the record, and the helper
 *    whose CAS cleared it sets the slot's bit if the slot is still
 *    reserved and its bit free. So a reserved slot's bit may be free for
 *    a while, or for good if that helper stops.
 *  - An End that finds the owing bit pays with its own slot (src/'s
 *    PayDebt()): takes its bit back, marks its control word paying with
 *    the tag NextSeq, and takes a unit and installs the record {pay-End,
 *    slot} in one CAS of the pair, where the End takes effect; anyone
 *    finishes the record (paying with the record's seq -> reserved, then
 *    the record cleared). With no debt left the End undoes its mark,
 *    frees its bit again and reads the flag again. An End hands its slot
 *    to a ticket only with the owing bit clear (its CAS of the pair
 *    expects the flag as read).
 *  - A caller that finds no free slot and a unit, with no ticket queued
 *    and no record, takes the unit by a CAS of the pair (its Begin takes
 *    effect there) and converts a reserved slot (or one whose grant mark
 *    is dead): it claims the slot's bit if a payer left it free (a pool
 *    word's RMW), then takes the control word (reserved -> open). A grant
 *    record's finisher claims the bit the same way before it marks the
 *    slot. A bit claimed for a slot that another caller took meanwhile
 *    stays set, which is right either way (the slot is a session, or
 *    reserved with its bit set).
 *  - Grant records as in grow_claims.pml; a dropped one gives its unit
 *    back to G, where it cancels a unit of debt if one is owed.
 *  - A claim is one step: a free bit whose control word is closed, taken
 *    only with no debt (src/'s claim in a word hinted for a debt reads G,
 *    and a CAS that read the word before a shrink fails on the version
 *    the hint steps). The proof is one step that also reads the pair: it
 *    counts the free slots, closed or marked pay-free, as available,
 *    helps a pending record, and answers full when no record is pending,
 *    no unit is left and at most the debt's units are available. A waiter
 *    pays with any available slot before it takes a ticket; a Begin that
 *    does not wait pays only while more slots are available than owed.
 * Each atomic block is one atomic operation of src/ (a pair CAS, a
 * control word's CAS, a pool word's RMW, a cell's CAS). Reads are folded
 * into the operation that follows them where nothing between can change
 * its outcome: a claim's or a taker's reads of control words beside its
 * pool word's RMW (any free of the slot steps the word's version), a
 * payer's read of the slot beside its read of the pair, and the liveness
 * of a grant mark (a read of the pair) beside the control word's CAS that
 * takes or marks the slot (a dead mark comes alive only when the seq
 * wraps). The bump of the pool word's version and the settle's CAS of the
 * pair are one step (no claim takes a marked slot in this model).
 *
 * The run (defaults): 3 slots, capacity 2 shrunk to 1 and grown to 2
 * (CAP0, KS, KG); client 0 holds slot 0 and ends it, client 1 waits for a
 * session (with a deadline), client 2 begins without waiting; slot 1 is
 * free, slot 2 reserved; one round each. GROW_FIRST with CAP0=1: capacity
 * 1 grown to 2 and shrunk to 1.
 *
 * Checked (ghosts: open, the sessions open, a unit's taker counted from
 * its CAS, a ticket's grant from its commit or from its End's hand-off, a
 * paying End's session ended at its unit; cap, the capacity in force):
 *  - exact: every session begins with open < cap (a hand-off with
 *    open <= cap, the End's session ending there); every OutOfSessions
 *    answer (a Begin's proof, a waiter's deadline) finds open >= cap;
 *  - first come, first served: a caller gets a session by a claim or a
 *    unit only when no ticket taken before its call began is queued and
 *    live;
 *  - a slot has one owner: a claim finds its bit free, an End finds its
 *    bit set (its fetch_add would carry into the next bit), a unit's
 *    taker and a grant's finisher find the slot reserved (or dead-marked),
 *    a payment's finisher finds the mark with the record's seq, and the
 *    slot a waiter takes is open with its bit set;
 *  - nobody waits for the resizer (no invalid end state with STALL: it
 *    stops for good right after its second linearization point, or
 *    STALL_ANY: at any step after its first);
 *  - at rest: no record pending (unless the resizer stopped inside one and
 *    nobody came after), the owing bit set only with an amount, every open
 *    slot's bit set, every reserved slot's bit set unless the resizer
 *    stopped, slots = open + reserved + free, cap - open = free + units -
 *    debt, and reserved = N - cap + units - debt (so that
 *    cap = N - reserved - debt + units).
 * Mutants (each must be caught):
 *  - the five of grow_claims.pml (MUTANT_TAKE_PAST_TICKETS,
 *    MUTANT_PROVER_IGNORES_RECORD, MUTANT_DROP_LOSES_UNIT,
 *    MUTANT_DECIDER_DELIVERS with STALL_ANY, MUTANT_LEAVE_IGNORES_UNITS);
 *  - MUTANT_GROW_KEEPS_DEBT: the grow does not cancel the debt first (the
 *    amount becomes its units, the debt dropped);
 *  - MUTANT_TAKE_MARKED: a unit's taker converts a slot still marked
 *    paying or pay-free (not yet reserved);
 *  - MUTANT_TAKER_SKIPS_BIT: a unit's taker converts a reserved slot whose
 *    bit a payer left free without claiming the bit;
 *  - MUTANT_SHRINK_IGNORES_UNITS: the shrink makes its whole amount a debt
 *    and drops the units left (GROW_FIRST);
 *  - MUTANT_GRANT_SKIPS_BIT: a grant's finisher marks a reserved slot
 *    whose bit a payer left free without claiming the bit, and sets it
 *    only after its CAS that opens the slot for the waiter (src/'s
 *    kGrantSkipsBit): another finisher publishes the slot in between, and
 *    the waiter takes a session whose bit is free.
 * Found while writing the model: the shrink's CAS must not land beside a
 * pending grant record (SHRINK_BESIDE_GRANT drops the rule and fails with
 * GROW_FIRST and NOHELP: the record's unit is taken from G before the
 * shrink, the shrink cancels only the units left, and the waiter's Begin,
 * which takes effect at the commit after the shrink, finds open = cap).
 * So a shrink finishes a pending grant record first, as a payer does; a
 * grow may land beside a payment record, whose unit it does not need.
 * Stale helpers without the resizes' number: with the seq taken modulo 1
 * (constant) or 2 every configuration here passes, so none of these runs
 * puts the seq to the test (a helper stalled across its record's end and
 * a wrap needs more records in flight than one round of three clients
 * makes); the model neither shows that the seq and the mark tags suffice
 * nor finds a schedule where a wrap matters. SEQMOD sets the modulus.
 * Not modelled: the hints and the shrinks' epoch (the claim is one step),
 * the claim's bit given back after it peeks at a pay-free mark, the
 * generations and the reserved count (a taker or a finisher that sets a
 * reserved slot's bit must count it as SetReservedBit() does, or the
 * session count is off), the overflow list, gates, the ring's reuse of
 * cells, and a waiter with no deadline.
 */

#ifndef N
#define N 3 /* slots */
#endif
#ifndef CAP0
#define CAP0 2 /* slots CAP0..N-1 start reserved */
#endif
#ifndef KS
#define KS 1 /* the shrink */
#endif
#ifndef KG
#define KG 1 /* the grow */
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
#define ROUNDS 1
#endif
#ifndef SEQMOD
#define SEQMOD 16 /* the record seq's modulus (src/: 2^16) */
#endif
#define NEXTSEQ(s) (((s) + 1) % SEQMOD)
#define MAXT 4
#define NONE 255
#define GID CLIENTS /* the resizer's id */

/* control states */
#define CLOSED 0
#define OPEN 1 /* a session (with its bit free: pending, its End's window) */
#define RESERVED 2
#define MARKED 3 /* reserved, marked by a grant record's finisher (tag) */
#define PAYING 4 /* open, marked by its End, which pays with it (tag) */
#define PAYFREE 5 /* free, marked by a payer of the debt (tag) */

/* record kinds (src/'s DebtWordBits::Kind, and the spare value 3) */
#define KNONE 0
#define KPAYEND 1
#define KPAYFREE 2
#define KGRANT 3

/* cell states */
#define READY 0
#define DELIVERED 1
#define PUBLISHED 2
#define CANCELLED 3
#define TAKEN 4

bit bits[N];
byte ctl[N];
byte mtag[N]; /* the tag of a mark (0 when unmarked) */
/* the pair: F (verified, owing, tail, head) and G (amount, record, seq) */
bool verified;
bool owing; /* F's owing bit: the amount is a debt; clear: a grow's units */
byte tail;
byte head;
byte amt;
byte rk; /* the record's kind */
byte rx; /* its slot (a payment) or its ticket (a grant) */
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

#define UNITS (owing -> 0 : amt)
#define DEBT (owing -> amt : 0)

/* A grant mark is live while its record is pending (the record of kind
 * grant with the mark's tag as its seq); a dead one reads as reserved. */
#define DEADMARK(r) (ctl[r] == MARKED && !(rk == KGRANT && seq == mtag[r]))
#define CONVERTIBLE(r) (ctl[r] == RESERVED || DEADMARK(r))
#ifdef MUTANT_TAKE_MARKED
#define TAKEABLE(r) (CONVERTIBLE(r) || ctl[r] == PAYING || ctl[r] == PAYFREE)
#else
#define TAKEABLE(r) CONVERTIBLE(r)
#endif
/* A free slot that a payer may pay with (closed, or marked pay-free). */
#define AVAIL(r) (bits[r] == 0 && (ctl[r] == CLOSED || ctl[r] == PAYFREE))
#define CLAIMABLE(r) (bits[r] == 0 && ctl[r] == CLOSED)

/* One unit of the amount taken: a grow's unit, or a unit of debt paid; the
 * last clears the owing bit in the same CAS. */
inline take_unit() {
  amt--;
  if
  :: amt == 0 -> owing = 0
  :: else -> skip
  fi
}

/* One unit given back to G: it cancels a unit of debt, if any. */
inline give_unit() {
  if
  :: owing -> take_unit()
  :: else -> amt++
  fi
}

/* No live ticket taken before t0 (the tail when the call began) is still
 * queued. */
inline check_fifo(t0) {
  j = head;
  do
  :: j < t0 -> assert(cancelled[j]); j++
  :: else -> break
  od
}

/* The resizer may stop for good before any step (STALL_ANY). */
#ifdef STALL_ANY
#define MAYSTOP if :: me == GID -> gstopped = 1; goto stopped :: true -> skip fi
#else
#define MAYSTOP skip
#endif

/* Decides a unit for the head ticket: one CAS of the pair. */
inline decide() {
  atomic {
    if
    :: rk == KNONE && UNITS > 0 && head < tail ->
#ifdef MUTANT_DECIDER_DELIVERS
      dt = head; head++; amt--; own = 1
#else
      rk = KGRANT; rx = head; head++; amt--; seq = NEXTSEQ(seq)
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
    fr = 0;
    do
    :: fr < N && CONVERTIBLE(fr) ->
      bits[fr] = 1; ctl[fr] = MARKED; mtag[fr] = 0; break
    :: fr < N && !CONVERTIBLE(fr) -> fr++
    :: fr == N -> assert(false)
    od
  }
  MAYSTOP;
  atomic {
    if
    :: cell[dt] == READY ->
      assert(open < cap); open++;
      cell[dt] = DELIVERED; cslot[dt] = fr; ctl[fr] = OPEN; mtag[fr] = 0;
      cell[dt] = PUBLISHED
    :: else -> ctl[fr] = RESERVED; mtag[fr] = 0; give_unit()
    fi
  }
  own = 0
}
#endif

/* The mutant's grant opener remembers whether its CAS opened the slot. */
#ifdef MUTANT_GRANT_SKIPS_BIT
#define OPENED(v) fwon = v
#else
#define OPENED(v) skip
#endif

/* Finishes the pending record, if any: each atomic block is one atomic
 * operation of src/ (the pair, a control word, a pool word, or a cell). */
inline finish_record() {
  MAYSTOP;
  atomic { fk = rk; fx = rx; fs = seq }
  if
  :: fk == KNONE -> skip
  :: fk == KPAYEND ->
    /* the End's slot: paying with the record's seq -> reserved */
    MAYSTOP;
    atomic {
      if
      :: ctl[fx] == PAYING && mtag[fx] == fs -> ctl[fx] = RESERVED; mtag[fx] = 0
      :: else -> skip
      fi
    }
    MAYSTOP;
    atomic {
      if
      :: rk == KPAYEND && rx == fx && seq == fs -> rk = KNONE
      :: else -> skip
      fi
    }
  :: fk == KPAYFREE ->
    /* the free slot: pay-free with the record's seq -> reserved, its bit
     * free; the helper whose CAS clears the record sets the bit */
    MAYSTOP;
    atomic {
      if
      :: ctl[fx] == PAYFREE && mtag[fx] == fs -> ctl[fx] = RESERVED; mtag[fx] = 0
      :: else -> skip
      fi
    }
    MAYSTOP;
    atomic {
      if
      :: rk == KPAYFREE && rx == fx && seq == fs -> rk = KNONE; fwon = 1
      :: else -> fwon = 0
      fi
    }
    if
    :: fwon ->
      /* SetReservedBit(): the pool word's CAS expects the word read before
       * the control word was (any free of the slot steps its version) */
      MAYSTOP;
      atomic {
        if
        :: bits[fx] == 0 && ctl[fx] == RESERVED -> bits[fx] = 1
        :: else -> skip
        fi
      }
    :: else -> skip
    fi
  :: fk == KGRANT ->
    do
    :: MAYSTOP;
      atomic { cs = cell[fx]; fr = cslot[fx] }
      if
      :: cs == CANCELLED ->
        MAYSTOP;
        atomic {
          if
          :: rk == KGRANT && rx == fx && seq == fs ->
            rk = KNONE;
#ifndef MUTANT_DROP_LOSES_UNIT
            give_unit()
#else
            skip
#endif
          :: else -> skip
          fi
        }
        break
      :: cs == READY ->
        /* a reserved slot: its bit claimed if a payer left it free (a
         * pool word's CAS), then marked with the record's seq (a control
         * word's CAS) */
        MAYSTOP;
        atomic {
          fr = 0;
          do
          :: fr < N && CONVERTIBLE(fr) -> break
          :: fr < N && !CONVERTIBLE(fr) -> fr++
          :: fr == N -> break /* all marked by other finishers: look again */
          od;
#ifndef MUTANT_GRANT_SKIPS_BIT
          if
          :: fr < N && bits[fr] == 0 -> bits[fr] = 1
          :: else -> skip
          fi
#endif
        }
        if
        :: fr == N -> skip
        :: else ->
          MAYSTOP;
          atomic {
            if
            :: CONVERTIBLE(fr) -> ctl[fr] = MARKED; mtag[fr] = fs; fwon = 1
            :: else -> fwon = 0
            fi
          }
          if
          :: fwon ->
            MAYSTOP;
            atomic {
              if
              :: cell[fx] == READY ->
                /* the waiter's Begin takes effect at the commit */
                assert(open < cap); open++;
                cell[fx] = DELIVERED; cslot[fx] = fr; fwon = 1
              :: else -> fwon = 0
              fi
            }
            if
            :: !fwon ->
              /* lost: undo the mark (it fails once the mark is dead and
               * taken, which is harmless) */
              MAYSTOP;
              atomic {
                if
                :: ctl[fr] == MARKED && mtag[fr] == fs ->
                  ctl[fr] = RESERVED; mtag[fr] = 0
                :: else -> skip
                fi
              }
            :: else -> skip
            fi
          :: else -> skip
          fi
        fi
        /* look at the cell again */
      :: cs == DELIVERED ->
        MAYSTOP;
        atomic {
          if
          :: ctl[fr] == MARKED && mtag[fr] == fs ->
            ctl[fr] = OPEN; mtag[fr] = 0; OPENED(1)
          :: else -> OPENED(0)
          fi
        }
#ifdef MUTANT_GRANT_SKIPS_BIT
        /* the mutant's opener sets the bit a payer left free after its
         * open (src/'s kGrantSkipsBit): another finisher may
         * publish the slot in between */
        if
        :: fwon ->
          MAYSTOP;
          atomic {
            if
            :: bits[fr] == 0 -> bits[fr] = 1
            :: else -> skip
            fi
          }
        :: else -> skip
        fi;
#endif
        MAYSTOP;
        atomic {
          if
          :: cell[fx] == DELIVERED ->
            /* after the open (this finisher's or another's) */
            assert(ctl[fr] == OPEN); cell[fx] = PUBLISHED
          :: else -> skip
          fi
        }
      :: cs == PUBLISHED || cs == TAKEN ->
        MAYSTOP;
        atomic {
          if
          :: rk == KGRANT && rx == fx && seq == fs -> rk = KNONE
          :: else -> skip
          fi
        }
        break
      fi
    od
  fi;
  atomic { fk = 0; fx = 0; fs = 0; cs = 0; fr = 0; fwon = 0 } /* dead */
}

/* Settles pay-free mark ptag on slot pr (src/'s Settle()): finishes any
 * record first; installs the mark's record and takes a unit in one CAS of
 * the pair when a unit is owed and the mark's tag is the next seq, else
 * steps the seq (which kills the mark); a dead mark is undone. */
inline settle() {
  sdone = 0;
  do
  :: MAYSTOP;
    atomic { sk = rk; sx = rx; ss = seq; sa = amt; so = owing }
    if
    :: sk != KNONE ->
      finish_record();
      if
      :: sk == KPAYFREE && sx == pr && ss == ptag -> sdone = 1; break /* paid */
      :: else -> skip
      fi
    :: sk == KNONE && NEXTSEQ(ss) != ptag -> break /* dead */
    :: sk == KNONE && NEXTSEQ(ss) == ptag ->
      /* (the bump of the pool word's version if the bit is free, and the
       * pair's CAS, in one step: no claim takes a marked slot here) */
      MAYSTOP;
      atomic {
        if
        :: rk == KNONE && seq == ss && amt == sa && owing == so ->
          if
          :: so && bits[pr] == 0 && ctl[pr] == PAYFREE && mtag[pr] == ptag ->
            take_unit(); rk = KPAYFREE; rx = pr; seq = ptag; step = 1
          :: else -> seq = NEXTSEQ(seq); step = 2 /* killed */
          fi
        :: else -> step = 0 /* the pair moved on: again */
        fi
      }
      if
      :: step == 1 -> finish_record(); sdone = 1; break
      :: step == 2 -> break
      :: step == 0 -> skip
      fi
    fi
  od;
  if
  :: !sdone ->
    MAYSTOP;
    atomic {
      if
      :: ctl[pr] == PAYFREE && mtag[pr] == ptag -> ctl[pr] = CLOSED; mtag[pr] = 0
      :: else -> skip
      fi
    }
  :: else -> skip
  fi;
  atomic { sk = 0; sx = 0; ss = 0; sa = 0; so = 0; sdone = 0 } /* dead */
}

/* Pays one unit of the debt with a free slot (src/'s PayInWord() and
 * MarkAndSettle()): reads a free slot's control word and then the pair;
 * marks the slot pay-free with the tag of the next record (a CAS that
 * expects the control word as read: closed, or a mark with another tag),
 * or settles a mark found with that tag. */
inline pay_free() {
  MAYSTOP;
  atomic {
    pr = 0;
    do
    :: pr < N && AVAIL(pr) -> break
    :: pr < N && !AVAIL(pr) -> pr++
    :: pr == N -> break
    od;
    if
    :: pr < N -> pc = ctl[pr]; pt = mtag[pr]
    :: else -> skip
    fi;
    pk = rk; pa = DEBT; ptag = NEXTSEQ(seq)
  }
  if
  :: pr == N -> skip /* none: look again */
  :: pr < N && pk != KNONE -> finish_record()
  :: pr < N && pk == KNONE && pa == 0 ->
    /* no debt left: a mark found is killed and undone */
    if
    :: pc == PAYFREE -> ptag = pt; settle()
    :: else -> skip
    fi
  :: pr < N && pk == KNONE && pa > 0 ->
    if
    :: pc == PAYFREE && pt == ptag -> settle()
    :: else ->
      MAYSTOP;
      atomic {
        if
        :: ctl[pr] == pc && mtag[pr] == pt ->
          ctl[pr] = PAYFREE; mtag[pr] = ptag; won = 1
        :: else -> won = 0
        fi
      }
      if
      :: won -> settle()
      :: else -> skip
      fi
    fi
  fi;
  atomic { pr = 0; pc = 0; pt = 0; pk = 0; pa = 0; ptag = 0; won = 0 } /* dead */
}

/* The caller of a unit makes a reserved slot its own: claims its bit if a
 * payer left it free (a pool word's CAS), then takes the slot by a CAS of
 * its control word (reserved -> open); a bit claimed for a slot that
 * another took meanwhile stays set (the slot is someone's, or reserved
 * with its bit set). */
inline convert() {
  do
  :: atomic {
      r = 0;
      do
      :: r < N && TAKEABLE(r) -> break
      :: r < N && !TAKEABLE(r) -> r++
      :: r == N -> break
      od;
#ifndef MUTANT_TAKER_SKIPS_BIT
      if
      :: r < N && bits[r] == 0 -> bits[r] = 1
      :: else -> skip
      fi
#endif
    }
    if
    :: r < N ->
      atomic {
        if
        :: TAKEABLE(r) -> ctl[r] = OPEN; mtag[r] = 0; got = r; won = 1
        :: else -> won = 0
        fi
      }
      if
      :: won -> break
      :: else -> skip
      fi
    :: else ->
      /* every reserved slot is marked for a pending record: finish it */
      assert(rk != KNONE); finish_record()
    fi
  od;
  atomic { r = 0; won = 0 } /* dead */
}

#define STEP_CLAIMED 1
#define STEP_UNIT 2
#define STEP_HELP 3
#define STEP_TICKET 4
#define STEP_FULL 5
#define STEP_RETRY 6
#define STEP_PAY 7

/* Counts the available slots (avail) and the pending ones (pend). */
inline collect() {
  avail = 0;
  pend = 0;
  j = 0;
  do
  :: j < N ->
    if
    :: AVAIL(j) -> avail++
    :: else -> skip
    fi;
    pend = pend || (bits[j] == 0 && (ctl[j] == OPEN || ctl[j] == PAYING));
    j++
  :: else -> break
  od
}

/* A Begin (waiting or not): got is the slot, or NONE for OutOfSessions. */
inline begin(waits) {
  atomic { t0 = tail }
  got = NONE;
  do
  :: atomic {
      /* a claim: a free bit whose control word is closed, with no debt
       * (in a word hinted for a debt the claim reads G first, and its CAS
       * fails if a shrink hints the word after its read) */
      r = 0;
      do
      :: r < N && CLAIMABLE(r) -> break
      :: r < N && !CLAIMABLE(r) -> r++
      :: r == N -> break
      od;
      if
      :: r < N && DEBT == 0 ->
        assert(open < cap); check_fifo(t0); open++;
        bits[r] = 1; ctl[r] = OPEN; got = r; step = STEP_CLAIMED
      :: else ->
        /* the proof, which reads the pair too: full when no record is
         * pending, no unit is left and at most the debt's units of slots
         * are free; a waiter pays with any free slot before its ticket */
        collect();
        if
#ifndef MUTANT_PROVER_IGNORES_RECORD
        :: rk != KNONE -> step = STEP_HELP
#endif
        :: rk == KNONE && (avail > DEBT || (waits && avail > 0)) ->
          step = STEP_PAY
        :: else ->
          if
#ifdef MUTANT_TAKE_PAST_TICKETS
          :: rk == KNONE && UNITS > 0 ->
#else
          :: rk == KNONE && UNITS > 0 && head == tail ->
#endif
            assert(open < cap); check_fifo(t0); open++;
            amt--; step = STEP_UNIT
          :: rk == KNONE && UNITS > 0 && head < tail -> step = STEP_HELP
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
      fi
    }
    if
    :: step == STEP_CLAIMED -> break
    :: step == STEP_UNIT -> convert(); break
    :: step == STEP_PAY -> pay_free()
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
  od;
  atomic { t0 = 0; r = 0; step = 0; avail = 0; pend = 0; mt = 0 } /* dead */
}

/* A waiter with ticket mt: a grant, or its deadline (at any time, once),
 * after which it leaves unless a grant or room is on its way. */
inline await_ticket() {
  do
  :: atomic { cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt] };
    assert(ctl[got] == OPEN && bits[got] == 1); goto granted
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
      :: cell[mt] != PUBLISHED && head <= mt && (rk != KNONE || UNITS > 0) ->
        step = STEP_HELP
#endif
      :: else ->
        /* the ticket was queued and no room was on its way: full */
        assert(open >= cap); step = STEP_FULL
      fi
    }
    if
    :: step == STEP_CLAIMED -> assert(ctl[got] == OPEN && bits[got] == 1); break
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record(); /* the record this caller installed, if any */
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
      if
      :: head > mt && !(rk == KGRANT && rx == mt) ->
        /* an End's or a finished grant */
        atomic { cell[mt] == PUBLISHED -> cell[mt] = TAKEN; got = cslot[mt] };
        assert(ctl[got] == OPEN && bits[got] == 1); break
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
        assert(ctl[got] == OPEN && bits[got] == 1); break
      fi
    fi
  od;
granted:
  skip
}

/* An End that found the owing bit pays with its own slot s (src/'s
 * PayDebt()): takes its bit back, marks its control word paying with the
 * next seq, and takes a unit and installs its record in one CAS of the
 * pair (the End takes effect there); with no debt left it undoes the mark
 * and frees its bit again (ended stays 0). */
inline pay_end(s) {
  ended = 0;
  atomic {
    /* UnitsOwed(), then ReclaimBit() */
    if
    :: owing -> bits[s] = 1; won = 1
    :: else -> won = 0
    fi
  }
  if
  :: won ->
    do
    :: atomic { ek = rk; es = seq; ea = amt; eo = owing }
      if
      :: !eo ->
        atomic {
          if
          :: ctl[s] == PAYING -> ctl[s] = OPEN; mtag[s] = 0
          :: else -> skip
          fi
        }
        atomic { bits[s] = 0 };
        break
      :: eo && ek != KNONE -> finish_record()
      :: eo && ek == KNONE ->
        atomic { ctl[s] = PAYING; mtag[s] = NEXTSEQ(es) }
        atomic {
          if
          :: rk == KNONE && seq == es && amt == ea && owing == eo ->
            take_unit(); rk = KPAYEND; rx = s; seq = NEXTSEQ(seq);
            open--; ended = 1
          :: else -> skip
          fi
        }
        if
        :: ended -> finish_record(); break
        :: else -> skip
        fi
      fi
    od
  :: else -> skip
  fi;
  atomic { ek = 0; es = 0; ea = 0; eo = 0; won = 0 } /* dead */
}

/* An End of the session on slot s. */
inline end_session(s) {
  /* the fetch_add: pending (a free bit here would carry into the next) */
  atomic { assert(bits[s] == 1); bits[s] = 0 }
  do
  :: atomic {
      if
      :: owing -> step = STEP_PAY
      :: !owing && verified && head < tail ->
        /* the hand-off: the End ends and the head ticket's Begin takes
         * effect here */
        assert(open <= cap);
        bits[s] = 1; et = head; head++; step = STEP_TICKET
      :: !owing && verified && head == tail -> verified = 0; step = STEP_FULL
      :: !owing && !verified -> step = STEP_FULL
      fi
    }
    if
    :: step == STEP_FULL -> atomic { ctl[s] = CLOSED; open-- }; break
    :: step == STEP_PAY ->
      pay_end(s);
      if
      :: ended -> break
      :: else -> skip /* no debt left: the flag read again */
      fi
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
  od;
  atomic { et = 0; step = 0; ended = 0 } /* dead */
}

proctype Client(byte me) {
  byte t0, j, r, got, step, mt, et, fk, fx, fs, cs, fr, dt, rounds, s = NONE;
  byte pr, pc, pt, pk, pa, ptag, sk, sx, ss, sa, ek, es, ea, avail;
  bool pend, own, won, fwon, sdone, so, eo, ended;
  bool waiter = (me >= HELD && me < HELD + WAITERS);
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

/* The shrink's linearization point: one CAS of the pair. The units left
 * are cancelled first, the rest becomes a debt. The CAS expects no grant
 * record: a pending one is finished first (SHRINK_BESIDE_GRANT drops that
 * rule). */
inline shrink() {
  do
  :: atomic {
#ifndef SHRINK_BESIDE_GRANT
      if
      :: rk == KGRANT -> step = STEP_HELP
      :: else -> step = STEP_FULL
      fi;
#else
      step = STEP_FULL;
#endif
      if
      :: step == STEP_FULL ->
        if
#ifdef MUTANT_SHRINK_IGNORES_UNITS
        :: owing -> amt = amt + KS
        :: !owing -> amt = KS; owing = 1
#else
        :: owing -> amt = amt + KS
        :: !owing && amt >= KS -> amt = amt - KS
        :: !owing && amt < KS -> amt = KS - amt; owing = 1
#endif
        fi;
        cap = cap - KS
      :: else -> skip
      fi
    }
    if
    :: step == STEP_HELP -> finish_record()
    :: else -> break
    fi
  od
}

/* The grow's linearization point: one CAS of the pair. The debt is
 * cancelled first, the rest becomes units. */
inline grow() {
  atomic {
    if
#ifdef MUTANT_GROW_KEEPS_DEBT
    :: owing -> amt = KG; owing = 0
#else
    :: owing && amt > KG -> amt = amt - KG
    :: owing && amt <= KG -> amt = KG - amt; owing = 0
#endif
    :: !owing -> amt = amt + KG
    fi;
    cap = cap + KG;
    if :: head == tail -> verified = 0 :: else -> skip fi
  }
}

proctype Resizer() {
  byte me = GID;
  byte t0, j, r, got, step, mt, et, fk, fx, fs, cs, fr, dt;
  byte pr, pc, pt, pk, pa, ptag, sk, sx, ss, sa, avail;
  bool pend, own, won, fwon, sdone, so;
#ifdef GROW_FIRST
  grow();
#else
  shrink();
#endif
  MAYSTOP;
#if defined(GROW_FIRST) && !defined(NOHELP)
  /* the grow's help: records finished, units decided for tickets */
  do
  :: atomic {
      if
      :: rk != KNONE -> step = STEP_HELP
      :: rk == KNONE && UNITS > 0 && head < tail -> step = STEP_HELP
      :: else -> step = STEP_FULL
      fi
    }
    if
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record();
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
    :: else -> break
    fi
  od;
#endif
#ifdef GROW_FIRST
  MAYSTOP;
  shrink();
#else
  /* the shrink's pass: the free slots pay the debt */
  do
  :: atomic { collect(); step = (rk != KNONE -> STEP_HELP : (DEBT > 0 && avail > 0 -> STEP_PAY : STEP_FULL)) }
    if
    :: step == STEP_HELP -> finish_record()
    :: step == STEP_PAY -> pay_free()
    :: else -> break
    fi
  od;
  MAYSTOP;
  grow();
#endif
#ifdef STALL
  goto stopped;
#endif
  MAYSTOP;
#ifdef GROW_FIRST
  /* the shrink's pass */
  do
  :: atomic { collect(); step = (rk != KNONE -> STEP_HELP : (DEBT > 0 && avail > 0 -> STEP_PAY : STEP_FULL)) }
    if
    :: step == STEP_HELP -> finish_record()
    :: step == STEP_PAY -> pay_free()
    :: else -> break
    fi
  od;
#elif !defined(NOHELP)
  /* the grow's help */
  do
  :: atomic {
      if
      :: rk != KNONE -> step = STEP_HELP
      :: rk == KNONE && UNITS > 0 && head < tail -> step = STEP_HELP
      :: else -> step = STEP_FULL
      fi
    }
    if
    :: step == STEP_HELP ->
      finish_record();
      decide();
      finish_record();
#ifdef MUTANT_DECIDER_DELIVERS
      if :: own -> deliver_own() :: else -> skip fi
#endif
    :: else -> break
    fi
  od;
#endif
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
    run Resizer()
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
    :: ctl[i] == RESERVED || DEADMARK(i) ->
      /* a payer that stopped may leave a reserved slot's bit free */
      assert(bits[i] == 1 || gstopped); reserved++
    :: ctl[i] == PAYFREE -> assert(gstopped && bits[i] == 0); free++
    :: ctl[i] == PAYING -> assert(false) /* clients do not stop */
    :: ctl[i] == MARKED && !DEADMARK(i) -> assert(gstopped)
    fi;
    i++
  :: else -> break
  od;
  assert(rk == KNONE || gstopped);
  assert(!owing || amt > 0);
  if
  :: rk == KNONE ->
    assert(opened == open);
    assert(cap - open == free + UNITS - DEBT);
    assert(reserved == N - cap + UNITS - DEBT)
  :: else -> skip
  fi
}
