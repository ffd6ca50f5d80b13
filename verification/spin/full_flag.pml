/* full_flag.pml: Spin model of jetsession's claim/free protocol and its
 * exact "full" answer (src/slot_pool.h: TryWord with OpenClaimed and
 * GiveBack, FullIsVerified, ProveFull, Collect, Free + ClearFull, CloseAll,
 * ForceEndAll, Reset), and of the instance lifecycle around one pool
 * (src/instance_core.h: Begin's validation, ClaimIn and its still_current()
 * revalidation, End's hold and state re-read, SetFlag, Drain, Release,
 * Create, Init).
 *
 * The pool has N = 2 words of one slot each (a word's 32 slots are one
 * bit here). Each slot has a control word: a generation and a state (not
 * open; open; open and held by its End; and not open after ForceEndAll, a
 * ghost distinction: the code cannot tell it from the first). Every
 * statement between labels is one atomic step, as each C++ atomic
 * operation is; all of them are sequentially consistent (the C++ code uses
 * seq_cst for the Dekker pairs, acq_rel or weaker elsewhere;
 * WEAK_RESET_LOAD below is the one place where a weaker read is modelled).
 * Each client runs Begin (claim) and, on success, End (free), in rounds.
 *
 * The steps:
 *  - a claim, TryWord(i): (1) the word load, its closed and free checks
 *    and the revalidation (still_current(): the state's generation is
 *    still the one the Begin validated); [(1b) with PRECHECK_PENDING only,
 *    see below: the slot's control word, and no CAS if it is open;] (2)
 *    the CAS, expecting the word loaded in (1), version included (on
 *    failure, back to (1)), then the re-check of the generation: if it is
 *    gone (the CAS succeeded in the next incarnation, which only a wrap of
 *    the word's version allows), the bit goes back (4) and the claim
 *    answers kStale (InvalidInstance) without reading the control word;
 *    (3) OpenClaimed(): the slot's control word, read now that the bit is
 *    ours; not open: its store, open (the Begin succeeds); open: the slot
 *    is pending (see End), the bit goes back (4), the call remembers it
 *    (the word then has no other candidate bit) and loads the word again;
 *    (4) GiveBack(): the word fetch_add (bit free, version bumped), then
 *    ClearFull(). When the hint word has no claimable bit, a verified flag
 *    answers "full";
 *  - End: (1) the hold (busy, by End), the state re-read (Terminating
 *    refuses) and Free()'s fetch_add: the bit free, the version bumped.
 *    The slot is now pending: bit free, control word open and held by its
 *    End; (2) ClearFull(); (3) the control store of the next generation:
 *    the End takes effect (a call on its handle would now find the session
 *    ended), and the slot becomes claimable;
 *  - ProveFull(words): a candidate flag, two Collects, the revalidation
 *    (lifecycle runs), then the promote-or-clear CAS. A Collect reads each
 *    word (closed: stop) and, for a free bit, the slot's control word in a
 *    step of its own: not open means claimable (changed: search again),
 *    open means pending, and its control value goes into the pending sum.
 *    Full when neither collect stopped and both read the same word sum (a
 *    word's value, 2 * version + bit, only grows) and the same pending sum;
 *    the candidate is then promoted to verified only if the first collect
 *    saw no pending slot, else cleared (the answer is this call's alone: a
 *    pending slot becomes claimable by a plain store, which clears no
 *    flag).
 *
 * PRECHECK_PENDING, the claim's pre-CAS filter (src/slot_pool.h has it:
 * TryWord() and TryClaimAtHint() pass over a slot whose control word is
 * open). Without it (the model without PRECHECK_PENDING, run as a mutant)
 * a claim takes a pending slot's bit and gives it back after (3). The bit then stays set after the pending End's store, until
 * the give-back, though no session holds the slot: a proof that collects
 * in that window counts it as claimed and answers "full" (and may promote
 * the flag, which later Begins answer from until the give-back's
 * ClearFull), with a slot free of any session. Lifecycle trace, 3
 * clients, generation 1 with one word: C2 opens the slot and its End frees
 * the bit (pending); C1 claims the bit and reads the control word open;
 * C2's End stores and returns; C0 begins, finds the word full, and its two
 * collects see C1's bit: OutOfSessions, no session open (C1 then gives the
 * bit back). The exact-full check below catches it in the default
 * configuration and in the lifecycle with 3 clients or with 2 clients of
 * 2 rounds (1.3*10^5 to 1.7*10^5 states; 7*10^6 with 2 -> 1 words; not
 * with 2 clients and a Stop). Such a history is still linearizable when
 * C1's Begin later succeeds (it can be ordered before C0's answer); when
 * a fourth client takes the slot after the give-back, so that C1 answers
 * OutOfSessions rightly, no order explains C0's answer. Second,
 * lock-freedom: while an End stalls in its pending window, two claimers
 * can give the bit back in turn forever, each give-back bumping the
 * version between the other's two collects (a non-progress cycle, found
 * by a bitstate search of the lifecycle with 3 clients; check.sh runs it
 * with SPIN_LARGE=1). PRECHECK_PENDING models a fix: step (1b) reads the
 * slot's control word before the CAS as a filter only (open: pending, no
 * CAS), and (3) still opens from the value read after the CAS. Then a
 * claim finds its slot pending after its CAS only if the word's version
 * wrapped between (1b) and the CAS (asserted: never without WRAP): short
 * of a wrap, every claimed bit is opened and no give-back happens.
 * check.sh verifies the model with PRECHECK_PENDING, and checks that the
 * claim without it is caught.
 *
 * Configurations (check.sh runs each, with PRECHECK_PENDING):
 *  - default: one incarnation with 2 active words and 3 clients of 2
 *    rounds; each client's hint word is its index. The progress run is
 *    reduced: client 2 runs one round (-DONE_ROUND=1); with 2 rounds it
 *    takes minutes (check.sh runs it with SPIN_LARGE=1);
 *  - WITH_STOP: 2 clients of 2 rounds and a Stopper
 *    (JetStopServiceInstance sets the state's flag, closes each word for
 *    Begin, and returns; a Begin checks the state first, and its claim
 *    fails on a closed word);
 *  - LIFECYCLE: incarnations on one instance record and one pool. The
 *    first (generation 1) has WORDS_A active words (default 1: word 1 is
 *    inactive, reserved and closed, as Reset leaves it); an Owner runs,
 *    at any point, JetTerm (Terminating set, active words closed,
 *    ForceEndAll: it waits until no End holds a slot and no claimed slot
 *    is unopened, then ends every open session, its control word to the
 *    next generation and its bit left claimed; Release) and Create + Init
 *    of generation 3 with WORDS_B active words (default 2) on the same
 *    pool: Reset (active_words_, every word rewritten with a bumped
 *    version, the flag moved to a new epoch, none, by an RMW; the control
 *    words are kept), then Running published. CLIENTS (3) clients of
 *    ROUNDS (1) rounds each validate whatever generation is live at their
 *    Begin (the handle they hold), read active_words_ in a later step (so
 *    a client may hold a stale `words` and a generation that is gone), and
 *    search from any active word (the thread hint). Every claim, before
 *    and after its CAS, and the promote of a full proof re-check the
 *    generation (still_current); a stale caller answers InvalidInstance
 *    (kStale, or its kFull re-read). The progress run has 2 clients of 2
 *    rounds (with 3 clients it takes minutes: check.sh runs it with
 *    SPIN_LARGE=1);
 *  - WRAP (with LIFECYCLE): the claim CAS compares the word's version
 *    modulo VMOD (2), as the code's 29-bit version wraps after 2^29 frees.
 *    A client that validated generation 1 and loaded word 0 then finds, at
 *    its CAS, the value it expects again after JetTerm, Reset's bump and
 *    one more free of the word: its CAS succeeds in generation 3, and the
 *    re-check after it gives the bit back. With 3 clients every statement
 *    is reached, the give-back of a slot found pending after a wrap
 *    included (with VMOD 4, 3 clients of one round never wrap a word).
 *    The exact-full check and the verified-flag monitor stay on, with two
 *    exceptions, both the wrap's: (a) the collects sum the
 *    unwrapped versions (ver[] is kept whole; only the CAS compares it
 *    modulo VMOD), so the model assumes, as the code does, that no word
 *    wraps between one prover's two collects, and does not explore the
 *    proofs such a wrap would fool; (b) a give-back that a wrap caused (a
 *    stale caller's; with PRECHECK_PENDING, a pending slot's) leaves a bit
 *    set that no session holds, for the few steps up to its ClearFull: a
 *    "full" answer whose call overlapped such a window, and a verified
 *    flag while one is open, are excused (the ghost `giving`).
 *
 * Checked:
 *  - no double issue: a claim never opens a slot while a session holds it
 *    (a pending slot's session is still open);
 *  - a Begin that succeeds opens a session of the generation it
 *    validated, still live at its open (so no client holds a session of
 *    an incarnation that is gone, nor one the next incarnation counts);
 *  - without WRAP, the re-check after the CAS never finds the generation
 *    gone; with PRECHECK_PENDING and without WRAP, no claim finds its slot
 *    pending after its CAS (assertions);
 *  - no session lost (Monitor, at every state; and End's store asserts
 *    that the slot is still pending and its own): a session stays open,
 *    its control word open with the generation of its handle, until its
 *    own End takes effect or ForceEndAll ends it;
 *  - exact full: a Begin that answers "full" while the generation it
 *    validated is still live (ClaimIn's re-read: OutOfSessions) saw, at
 *    some instant during its call with that incarnation live, every active
 *    slot taken: open (or held by its End: pending), or its bit set and
 *    either a force-ended session's (until Reset) or a claim's whose
 *    claimer has not read the control word open (it will open the slot: a
 *    Begin that succeeds is linearized there). A bit whose claimer found
 *    the slot pending and will give it back counts only while that End
 *    has not taken effect. An End that has taken effect excuses nothing;
 *  - the verified flag (Monitor, at every state): while an incarnation is
 *    live, a verified flag was promoted by a prover of that incarnation and
 *    no active slot is claimable (bit free, control word not open); so a
 *    stale prover's proof is never visible to the next incarnation;
 *  - no claim after Stop returned (WITH_STOP);
 *  - no deadlock (Spin's invalid end states): every process finishes
 *    (ForceEndAll's wait included);
 *  - progress (pan -l, non-progress cycles): no cycle of steps in which no
 *    Begin or End returns (the label progress_call), i.e. lock-freedom.
 *
 * Seeded mutants (check.sh; each must produce an error):
 *  MUTANT_NO_CLEAR, a free that leaves the flag; MUTANT_ONE_COLLECT, a
 *  proof from a single collect; MUTANT_IGNORE_CLOSED (WITH_STOP), a claim
 *  in a closed word; MUTANT_RETRY_FOREVER (progress), a proof that never
 *  concludes; MUTANT_STALE_PROOF (LIFECYCLE), a promote without the
 *  revalidation: a client that validated
 *  generation 1 and read words = 1 proves word 0 full after the re-create
 *  and verifies the new incarnation's flag while word 1 is free;
 *  MUTANT_STALE_BEFORE_FREE, the End's control store (the End takes
 *  effect) first, then the fetch_add and ClearFull: a Begin proves "full"
 *  while an End has taken effect and its bit is still set (caught by the
 *  exact-full check); MUTANT_CLAIM_PENDING, a claim does not skip a pending
 *  slot (no filter) and opens it at the next generation (caught as a
 *  double issue); MUTANT_PROMOTE_PENDING, a proof that counted a pending
 *  slot is promoted: the End's store then makes the slot claimable under a
 *  verified flag (caught by the monitor); MUTANT_NO_RECHECK_AFTER_CLAIM
 *  (LIFECYCLE, WRAP), no re-check after the CAS: a client that validated
 *  generation 1 and loaded word 0 claims it after JetTerm, Reset and one
 *  more free, in generation 3, and opens it (caught: its Begin succeeds
 *  on a generation that is gone).
 *  MUTANT_RESET_STORE (LIFECYCLE): Reset moves the flag with a load and a
 *  later store instead of an RMW. Under sequential consistency it is
 *  harmless (no error): a prover whose revalidation passed published its
 *  candidate before the Release, so Reset's load sees it or a later value
 *  and the store puts the flag past its epoch. With WEAK_RESET_LOAD,
 *  Reset's relaxed load may read any flag value not older than the newest
 *  one that happens-before it (ghost floors below); then the store can move
 *  the epoch back, a later candidate recreates a stale prover's candidate,
 *  and the stale promote succeeds: an error (4 clients, FIXED_HINT; the
 *  run is a random-order bitstate search; check.sh runs it only with
 *  SPIN_WEAK=1). Example (C++-consistent: nothing that
 *  happens-before Reset's load wrote the flag): C0 holds word 0 of
 *  generation 1; C3 publishes candidate 1|1, C2 candidate 2|1, collects
 *  word 0 full twice and revalidates (generation 1); JetTerm and Release;
 *  Reset's load reads its own last value 0|0 and stores 1|0; C1 (generation
 *  1, words 1, saw word 0 full before it was closed) publishes candidate
 *  2|1; C2's promote CAS succeeds: generation 3 goes Running with a
 *  verified flag and no slot claimed. (A relaxed or acquire load may read
 *  0|0 there; an RMW always reads the newest value.)
 *
 * Abstracted away: the real epoch arithmetic (NextEpoch(f) = (f | 3) + 1,
 * 62 bits) is an epoch modulo EPOCHS (16; 64 with WEAK_RESET_LOAD); a
 * failed candidate CAS (kChanged, search again) is folded into the
 * candidate step, which reads and writes the flag at once (so progress
 * does not cover that retry; each such failure means another flag RMW
 * succeeded); versions, generations and sums are bytes (they stay far
 * below 256 in the runs check.sh verifies); a control word's value is 4 *
 * generation + open/busy (the "by End" bit is left out); the claim CAS and
 * the re-check after it are one step (the generation cannot move in
 * between: the Release that moves it follows ForceEndAll, which waits for
 * the claimed, unopened slot); OpenClaimed()'s load and store are one step
 * (nobody else writes a claimed control word that is not open); with
 * PRECHECK_PENDING and without WRAP, the CAS and OpenClaimed() are one
 * step too (in between the slot is claimed and not open, which only
 * ForceEndAll, waiting, and the collects, counting the bit as after the
 * open, can see, and OpenClaimed() finds it not open, as asserted); End's
 * hold, state re-read and fetch_add are one step (ForceEndAll waits for
 * the held slot either way); TryWord's load and revalidation are one step
 * (a Term or Reset in between would change the word first, failing the
 * CAS, short of a wrap, which the stale branch then covers); after a
 * failed claim CAS the word is loaded again in a later step (the code
 * goes on from the value the CAS read); a Snapshot's pending count is left
 * out (equal word sums mean the same free bits, so the same count; the
 * first collect's count is nonzero exactly when its pending sum is, every
 * control value being nonzero); ForceEndAll waits until every active slot
 * is settled, then ends all open sessions in one step (while Terminating,
 * only the stores of pending Ends and the opens of claims made before
 * the closure write a control word, and ForceEndAll waits for both: new
 * Ends are refused, claims fail on the closed words); Release and Create
 * are one step (no call tells them apart); a full answer's ClaimIn
 * re-read and its assertion are one step. Not modelled: TryClaimAtHint
 * (Begin's fast path: the same filter and CAS; after the CAS it compares
 * the control word with the filter's read, which Reset()'s move of every
 * slot's generation makes a re-check of the incarnation), the pass-over of words with a
 * free bit (Claim(): it only reorders the search), the closure help of
 * Settled() and the closure marks, Dup, the session-context calls and
 * every call on a session other than End (their holds), the counts, and
 * Stop/Unavailable in the lifecycle runs.
 *
 * Not covered: more than one slot per word and the reserved bits of a
 * partly used word (so TryWord's search past a pending slot to another
 * free bit of its word); more than two words; more than one re-create, or
 * a re-create on a new pool (Init's Succeed path); weak memory orders
 * other than Reset's flag load (use Relacy, verification/relacy, for the
 * real code's orders); counts of clients and rounds beyond those above.
 */

#define N 2               /* allocated pool words, one slot each */

#ifdef LIFECYCLE
#define LIFE 1
#ifndef CLIENTS
#define CLIENTS 3
#endif
#ifndef ROUNDS
#define ROUNDS 1
#endif
#ifndef WORDS_A
#define WORDS_A 1         /* active words of generation 1 */
#endif
#ifndef WORDS_B
#define WORDS_B 2         /* ... of generation 3, on the same pool */
#endif
#ifndef FIXED_HINT        /* FIXED_HINT: the client's index, as below */
#define ANY_HINT
#endif
#else
#define LIFE 0
#define WORDS_A N
#ifdef WITH_STOP
#define CLIENTS 2         /* a Stopper runs beside them */
#else
#define CLIENTS 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#endif
/* ONE_ROUND: that many of the last clients run one round only */
#ifndef ONE_ROUND
#define ONE_ROUND 0
#endif
#define ROUNDS_OF(me) (me < CLIENTS - ONE_ROUND -> ROUNDS : 1)

/* A claim needs a free bit in a word not closed for Begin; the mutant
 * MUTANT_IGNORE_CLOSED claims in closed words too (must fail). */
#ifdef MUTANT_IGNORE_CLOSED
#define CLAIMABLE(i) 1
#else
#define CLAIMABLE(i) (!closed[i])
#endif

#ifdef WEAK_RESET_LOAD
/* What happens-before Reset's flag load, for the flag's epochs (which only
 * grow until that Reset): a thread's floor is the newest epoch it read or
 * wrote; a word RMW (claim CAS, free fetch_add: release; later RMWs of the
 * word continue its release sequence) carries the writer's floor, and an
 * acquire of the word (a claim, a collect, CloseAll, ForceEndAll, Reset's
 * load) takes it. Synchronization through the state word (Settled's
 * closure marks) and through the slots' control words (Free's release
 * store, ForceEndAll's reads) is left out: that only lets the load read
 * older values (an over-approximation; the counterexample was checked by
 * hand). */
#define EPOCHS 64
byte cl_floor[CLIENTS];
byte word_floor[N];
byte owner_floor;
#define SEE_FLAG cl_floor[me] = flag_epoch
#define SEE_WORD(i) \
  if :: word_floor[i] > cl_floor[me] -> cl_floor[me] = word_floor[i] \
     :: else -> skip fi
#define PUT_WORD(i) \
  if :: cl_floor[me] > word_floor[i] -> word_floor[i] = cl_floor[me] \
     :: else -> skip fi
#define OWNER_SEES(i) \
  if :: word_floor[i] > owner_floor -> owner_floor = word_floor[i] \
     :: else -> skip fi
#else
#define EPOCHS 16
#define SEE_FLAG skip
#define SEE_WORD(i) skip
#define PUT_WORD(i) skip
#define OWNER_SEES(i) skip
#endif

#ifdef WRAP
/* The word's version as the claim CAS compares it: modulo VMOD (the code's
 * 29 bits wrap after 2^29 frees); ver[] itself is kept unwrapped, and the
 * collects sum it so (see the header). */
#ifndef VMOD
#define VMOD 2
#endif
#define WRAPS 1
#define VERV(i) (ver[i] % VMOD)
#else
#define WRAPS 0
#define VERV(i) ver[i]
#endif
/* The claim CAS and OpenClaimed() in one step, where nothing can tell
 * (see the header) */
#if defined(PRECHECK_PENDING) && !defined(WRAP) && \
    !defined(MUTANT_CLAIM_PENDING)
#define CLAIM_STEP_BEGIN atomic {
#define CLAIM_STEP_END }
#define SET_CLM(i) skip   /* the ghost would only grow the state count */
#else
#define CLAIM_STEP_BEGIN
#define CLAIM_STEP_END
#define SET_CLM(i) clm[i] = me + 1
#endif
/* WRAP excuses the give-backs that need a wrap (see the header) */
#ifdef WRAP
#define GB_EXCUSE (giving > 0)
#else
#define GB_EXCUSE 0
#endif
/* a pending slot's give-back: counted only with PRECHECK_PENDING, where
 * it needs a wrap too */
#ifdef PRECHECK_PENDING
#define GIVING_PENDING_IN assert(WRAPS); giving++
#define GIVING_PENDING_OUT giving--
#else
#define GIVING_PENDING_IN skip
#define GIVING_PENDING_OUT skip
#endif

/* ---- shared state ---- */
/* pool words: claimed bit (an inactive word's reserved bits count as
 * claimed), closed-for-Begin bit, version (bumped by frees and Reset); the
 * word's value, as a collect sums it, is 2 * version + claimed bit (it
 * only grows, as the real word does) */
bit  occ[N];
bit  closed[N];
byte ver[N];
/* slot control words: the state and the generation (bumped when a session
 * ends: by its End's store, or by ForceEndAll) */
#define C_IDLE   0        /* not open (fresh, or stored by an End) */
#define C_OPEN   1        /* open, no call in flight */
#define C_HELD   2        /* open and held by its End (busy, by End); with
                             the bit free: the slot is "pending" */
#define C_FORCED 3        /* not open, stored by ForceEndAll (a ghost
                             distinction: the code reads it as C_IDLE) */
byte ctl[N];
byte cgen[N];
#define IS_OPEN(i) (ctl[i] == C_OPEN || ctl[i] == C_HELD)
/* the control word's value, as a collect sums it: generation, open, busy */
#define CTLVAL(i) (cgen[i] * 4 + (ctl[i] == C_HELD -> 3 : 2))
byte nactive = WORDS_A;   /* active_words_ */
byte flag_epoch;          /* the full flag: epoch (mod EPOCHS) ... */
byte flag_state;          /* ... and state: 0 none, 1 candidate, 2 verified */
/* the instance state word */
byte gen = 1;             /* generation: 1, then 3 after Release + Create */
bit  running = 1;         /* lifecycle Running (else Free or Created) */
bit  stopped;             /* a flag that refuses Begin: Stop or Terminating */
bit  terming;             /* Terminating: refuses End too (EndError) */
bit  stop_returned;       /* ghost: JetStopServiceInstance has returned */

/* ghosts */
byte flag_gen = 1;        /* generation whose prover promoted the flag */
byte owner[N];            /* client+1 whose session is open on the slot
                             (from its claim until its End takes effect or
                             ForceEndAll ends it) */
byte ogen[N];             /* ... and the generation of its handle */
byte clm[N];              /* client+1 whose claim CAS set the bit and who
                             has not yet read the slot's control word (left
                             0 where the CAS and the open are one step) */
byte giving;              /* give-backs in flight, from the step that
                             decides one (the re-check after the CAS finds
                             the generation gone; with PRECHECK_PENDING,
                             also the control word read finds the slot
                             pending) to the end of its ClearFull; WRAP
                             excuses them */
bool inbegin[CLIENTS];    /* a Begin is in flight ... */
byte callgen[CLIENTS];    /* ... on the generation it validated ... */
bool sawfull[CLIENTS];    /* ... and saw that incarnation live and full
                             (or, WRAP, a give-back in flight) */

/* A slot is taken while a session holds it: it is pending (open, held by
 * its End, which has not taken effect), or its bit is set and either the
 * control word is not one an End stored (open; or a force-ended session's,
 * whose bit stays claimed until Reset) or a claimer that has not yet read
 * the control word holds the bit (a not-open control word is then opened
 * by that claimer; a stale claimer's bit, WRAP, is excused). A bit that
 * its claimer will give back, found pending, counts only while that slot
 * stays pending. Claimable: bit free, control not open. */
#define TAKEN(i) \
  (ctl[i] == C_HELD || (occ[i] && (ctl[i] != C_IDLE || clm[i] != 0)))
#define FREE_CLAIMABLE(i) (!occ[i] && !IS_OPEN(i))
/* every active slot of the live incarnation is taken (N == 2) */
#define ALL_TAKEN (TAKEN(0) && (nactive < 2 || TAKEN(1)))

/* Re-evaluates the ghost: in a Begin's first step, and in every claim and
 * End step (a claim is what makes a slot taken; ForceEndAll leaves a slot
 * taken, and the Begins of a new incarnation start after it is
 * published). */
inline note_full() {
  d_step {
    k = 0;
    do
    :: k < CLIENTS ->
       if
       :: inbegin[k] && callgen[k] == gen && running &&
          (ALL_TAKEN || GB_EXCUSE) ->
          sawfull[k] = 1
       :: else -> skip
       fi;
       k++
    :: else -> break
    od
  }
}

/* One Collect over `words` words into (sum, csum): the sum of the word
 * values, and of the control values of the pending slots (bit free,
 * control open), or changed (a free bit whose slot is claimable), or
 * closed; it stops at the first claimable slot or closed word. The word
 * and the slot's control word are two loads, two steps. */
inline collect(sum, csum) {
  i = 0;
  do
  :: atomic {
       i < words && !changed && !isclosed ->
       SEE_WORD(i);
       if
       :: closed[i] -> isclosed = 1
       :: else -> sum = sum + 2 * ver[i] + occ[i];
                  if :: occ[i] -> i++ :: else -> fr = 1 fi
       fi
     };
     if
     :: fr ->
        atomic {   /* the control word of the free bit's slot */
          if
          :: IS_OPEN(i) -> csum = csum + CTLVAL(i)   /* pending */
          :: else -> changed = 1                     /* claimable */
          fi;
          fr = 0; i++
        }
     :: else -> skip
     fi
  :: else -> break
  od
}

/* ClearFull: a candidate or verified flag moves to the next epoch, none. */
inline clear_full() {
  atomic {
    if
    :: flag_state != 0 -> flag_epoch = (flag_epoch + 1) % EPOCHS;
                          flag_state = 0
    :: else -> skip
    fi;
    SEE_FLAG
  }
}

proctype Client(byte me) {
  byte round = 0;
  byte k;
  byte g;         /* the generation this Begin validated */
  byte words;     /* the active word count it read */
  byte n;
  byte slot;
  byte i;
  byte cand;
  byte wv;        /* TryWord: the version of the word it loaded */
  byte hg;        /* the generation of the handle it holds */
  byte sum1;      /* ProveFull: the two collects' word sums ... */
  byte sum2;
  byte csum1;     /* ... and pending-control sums */
  byte csum2;
  bool got;
  bool fr;
  bool pend;      /* TryWord: its word's bit was found pending */
  bool isclosed;
  bool isstale;
  bool isfull;
  bool changed;
  /* Dead locals are reset where they die, to keep the state space small. */
  do
  :: round < ROUNDS_OF(me) ->
     /* ---- Begin: LoadState, IsLive, BeginError ---- */
     atomic {
       if
       :: running && !stopped ->
          g = gen; callgen[me] = g; inbegin[me] = 1; sawfull[me] = 0;
#if !LIFE
          words = N;
#endif
          note_full()
       :: else -> goto refused   /* InvalidInstance or a state error */
       fi
     };
#if LIFE
     words = nactive;   /* active_words_ (relaxed): maybe a later value */
#endif
retry:
     /* search from the hint word, then the others in turn */
#ifdef ANY_HINT
     if :: i = 0 :: i = 1 % words fi; n = 0;
#else
     i = me % words; n = 0;
#endif
     do
     :: n < words ->
        /* TryWord(i): (1) the word load, the closed and free checks and the
         * revalidation (still_current(): the state's generation is still
         * g) in one step; after a give-back of a pending slot (pend), the
         * word's one bit is no candidate (the code remembers it), so the
         * word has none ... */
try_load:
        atomic {
          SEE_WORD(i);
          if
          :: occ[i] == 0 && CLAIMABLE(i) && gen == g && !pend ->
             wv = VERV(i); got = 1
          :: occ[i] == 0 && CLAIMABLE(i) && gen != g ->
             isstale = 1; inbegin[me] = 0; pend = 0;
             goto refused   /* ClaimIn: InvalidInstance */
          :: closed[i] && !CLAIMABLE(i) ->
             isclosed = 1; inbegin[me] = 0; pend = 0;
             goto refused   /* ClaimIn: the state error */
          :: else ->   /* no free bit, or only the one found pending */
             pend = 0; goto word_done
          fi
        };
#if defined(PRECHECK_PENDING) && !defined(MUTANT_CLAIM_PENDING)
        /* ... (1b) the proposed fix: the slot's control word before the
         * CAS, as a filter only (open: the slot is pending, no CAS, and
         * the word has no other bit) ... */
        atomic {
          if
          :: IS_OPEN(i) -> got = 0; wv = 0; goto word_done
          :: else -> skip
          fi
        };
#endif
        /* ... (2) the claim CAS, expecting the loaded word (its version
         * modulo VMOD with WRAP), and the re-check of the generation (the
         * mutant MUTANT_NO_RECHECK_AFTER_CLAIM drops it: must fail); then
         * (3) OpenClaimed(): the control word, read now that the bit is
         * ours, and, if not open, its store (open); open means the slot is
         * pending (its End freed the bit and has not yet stored), and the
         * bit goes back (pend: the word's one bit is then no candidate).
         * (2) and (3) are one step where nothing can tell (CLAIM_STEP_*,
         * see the header) ... */
        CLAIM_STEP_BEGIN
        atomic {
          if
          :: occ[i] == 0 && CLAIMABLE(i) && VERV(i) == wv ->
             SEE_WORD(i); occ[i] = 1; PUT_WORD(i); SET_CLM(i); wv = 0;
             assert(!stop_returned);   /* no claim after Stop returned */
#ifndef MUTANT_NO_RECHECK_AFTER_CLAIM
             if
             :: gen != g ->   /* a stale caller's bit: give it back */
                assert(WRAPS);   /* only a wrap lets its CAS succeed */
                got = 0; isstale = 1; inbegin[me] = 0; giving++;
                note_full(); goto give_back
             :: else -> skip
             fi;
#endif
             note_full()
          :: else -> got = 0; wv = 0; goto try_load   /* the CAS failed */
          fi
        };
        atomic {
          if
#ifndef MUTANT_CLAIM_PENDING
          :: IS_OPEN(i) -> got = 0; pend = 1; clm[i] = 0; GIVING_PENDING_IN
#else
          :: IS_OPEN(i) -> cgen[i] = cgen[i] + 1   /* NextGen */
#endif
          :: else -> skip
          fi;
          if
          :: got ->
             assert(owner[i] == 0);   /* no double issue */
             assert(gen == g);   /* a Begin that succeeds opens a session
                                    of the generation it validated, still
                                    live */
             owner[i] = me + 1; ctl[i] = C_OPEN; ogen[i] = cgen[i];
             hg = cgen[i]; clm[i] = 0; slot = i; inbegin[me] = 0
          :: else -> skip
          fi;
          note_full();
          if
          :: got -> goto claimed
          :: else -> skip
          fi
        }
        CLAIM_STEP_END;
give_back:
        /* ... (4) GiveBack() (pending or stale): the fetch_add (bit free,
         * version bumped), then ClearFull; then a stale caller answers
         * kStale (ClaimIn: InvalidInstance), and after a pending slot the
         * word is loaded again */
        atomic {
          SEE_WORD(i); occ[i] = 0; ver[i] = ver[i] + 1; PUT_WORD(i);
          clm[i] = 0
        };
        atomic {
          clear_full();
          if
          :: isstale -> giving--; goto refused
          :: else -> GIVING_PENDING_OUT; goto try_load
          fi
        };
word_done:
        /* the hint word has no claimable bit: a verified flag answers */
        atomic {
          if
          :: n == 0 && flag_state == 2 -> SEE_FLAG; isfull = 1; goto answered
          :: else -> if :: n == 0 -> SEE_FLAG :: else -> skip fi
          fi;
          i = (i + 1) % words; n++
        }
     :: else -> break
     od;
     /* ProveFull(words): candidate, two collects, revalidation, promote */
     atomic {
       i = 0; SEE_FLAG;
       if
       :: flag_state == 2 -> isfull = 1; goto answered
       :: else -> flag_epoch = (flag_epoch + 1) % EPOCHS; flag_state = 1;
                  cand = flag_epoch; SEE_FLAG
       fi
     };
     collect(sum1, csum1);
#ifndef MUTANT_ONE_COLLECT
     collect(sum2, csum2);
#else
     sum2 = sum1; csum2 = csum1;
#endif
#ifdef MUTANT_RETRY_FOREVER
     changed = 1;  /* a proof that never concludes: must fail progress */
#endif
#if LIFE && !defined(MUTANT_STALE_PROOF)
     /* a full proof is promoted only if still_current() (a no-op while the
      * generation never moves, so only in the lifecycle runs) */
     atomic {
       if
       :: !changed && !isclosed && sum1 == sum2 && csum1 == csum2 &&
          gen != g -> isstale = 1
       :: else -> skip
       fi
     };
#endif
     /* the promote or clear CAS, expecting this call's candidate: verified
      * only if the first collect saw no pending slot (the mutant
      * MUTANT_PROMOTE_PENDING promotes anyway: must fail) */
     atomic {
       if
       :: flag_epoch == cand && flag_state == 1 ->
          if
          :: !changed && !isclosed && !isstale && sum1 == sum2 &&
#ifndef MUTANT_PROMOTE_PENDING
             csum1 == 0 &&
#endif
             csum1 == csum2 ->
             flag_state = 2; flag_gen = g
          :: else -> flag_epoch = (flag_epoch + 1) % EPOCHS; flag_state = 0
          fi
       :: else -> skip
       fi;
       SEE_FLAG; cand = 0; i = 0;
       if
       :: isclosed || isstale ->
          inbegin[me] = 0; sum1 = 0; sum2 = 0; csum1 = 0; csum2 = 0;
          goto refused
       :: !isclosed && !isstale && !changed && sum1 == sum2 &&
          csum1 == csum2 ->
          sum1 = 0; sum2 = 0; csum1 = 0; csum2 = 0; isfull = 1; goto answered
       :: else ->   /* search again */
          sum1 = 0; sum2 = 0; csum1 = 0; csum2 = 0; changed = 0
       fi
     };
     goto retry;
claimed:
     i = 0; n = 0; got = 0;
     /* ---- End: the hold and the state re-read (one step with the first
      * step of Free), then Free ---- */
#ifndef MUTANT_STALE_BEFORE_FREE
     atomic {   /* the hold, the re-read, and the fetch_add: bit free,
                   version bumped; the slot is pending */
       if
       :: ctl[slot] == C_OPEN && cgen[slot] == hg && !terming ->
          SEE_WORD(slot); occ[slot] = 0; ver[slot] = ver[slot] + 1;
          PUT_WORD(slot); ctl[slot] = C_HELD;
          note_full()
       :: else ->   /* refused by Terminating, or force-ended by JetTerm */
          assert(LIFE); hg = 0; slot = 0; goto ended
       fi
     };
     /* ClearFull (the mutant MUTANT_NO_CLEAR drops it: must fail) */
#ifndef MUTANT_NO_CLEAR
     clear_full();
#endif
     atomic {   /* the control store (NextGen): the End takes effect */
       assert(ctl[slot] == C_HELD && owner[slot] == me + 1);
       ctl[slot] = C_IDLE; cgen[slot] = cgen[slot] + 1; owner[slot] = 0;
       ogen[slot] = 0; hg = 0; slot = 0;
       note_full()
     };
#else
     /* the mutant: the hold, the re-read and the control store first (the
      * End takes effect while its bit is still set), then the fetch_add,
      * then ClearFull */
     atomic {
       if
       :: ctl[slot] == C_OPEN && cgen[slot] == hg && !terming ->
          ctl[slot] = C_IDLE; cgen[slot] = cgen[slot] + 1; owner[slot] = 0;
          ogen[slot] = 0; hg = 0;
          note_full()
       :: else ->
          assert(LIFE); hg = 0; slot = 0; goto ended
       fi
     };
     atomic {
       SEE_WORD(slot); occ[slot] = 0; ver[slot] = ver[slot] + 1;
       PUT_WORD(slot); slot = 0;
       note_full()
     };
#ifndef MUTANT_NO_CLEAR
     clear_full();
#endif
#endif
ended:
     round++;
     goto next;
answered:   /* ClaimIn's re-read (seq_cst): OutOfSessions if still g */
     atomic {
       assert(!isfull || gen != g || sawfull[me]);
       inbegin[me] = 0; isfull = 0; i = 0; n = 0
     };
     round++;
     goto next;
refused:   /* a state error, InvalidInstance (also kStale) */
     isclosed = 0; isstale = 0; i = 0; n = 0;
     round++;
next:
progress_call:  /* a Begin or an End returned */
     atomic { g = 0; words = 0 }
  :: else -> break
  od
}

/* JetStopServiceInstance: the flag, then every word closed for Begin,
 * then it returns. */
proctype Stopper() {
  atomic { stopped = 1 };
  atomic { closed[0] = 1 };
  atomic { closed[1] = 1 };
  atomic { stop_returned = 1 }
}

#if LIFE
/* ForceEndAll's wait: a slot is settled when no End holds it (pending)
 * and it is not claimed and not open (a claim not yet opened, or an End of
 * MUTANT_STALE_BEFORE_FREE between its store and its fetch_add; a slot of
 * generation 1 is never C_FORCED before this wait) */
#define SETTLED(j) (ctl[j] != C_HELD && !(occ[j] && ctl[j] == C_IDLE))

/* The owner: JetTerm of generation 1 (SetFlag(Terminating) and its
 * closure, Drain's ForceEndAll, Release), then Create and Init of
 * generation 3 with WORDS_B active words on the same pool: Reset, then the
 * Running state published. */
proctype Owner() {
  byte j;
  byte e;
  atomic { stopped = 1; terming = 1 };
  /* CloseAll of the active words */
  j = 0;
  do
  :: j < WORDS_A -> atomic { closed[j] = 1; OWNER_SEES(j); j++ }
  :: else -> break
  od;
  /* ForceEndAll: waits until no End holds a slot, then every open session
   * ends (its control word to the next generation); its bit stays
   * claimed */
  atomic {
    SETTLED(0) && (WORDS_A < 2 || SETTLED(1)) ->
    j = 0;
    do
    :: j < WORDS_A ->
       OWNER_SEES(j);
       if
       :: occ[j] && ctl[j] == C_OPEN ->
          ctl[j] = C_FORCED; cgen[j] = cgen[j] + 1; owner[j] = 0;
          ogen[j] = 0
       :: else -> skip
       fi;
       j++
    :: else -> break
    od
  };
  /* Release (generation + 1, Free), then Create (+ 1, Created) */
  atomic {
    gen = gen + 2; running = 0; stopped = 0; terming = 0
  };
  /* Init: Reset(capacity): active_words_, then each word rewritten with
   * its version bumped (free if active, else reserved and closed) ... */
  nactive = WORDS_B;
  j = 0;
  do
  :: j < N ->
     atomic {
       OWNER_SEES(j);
       ver[j] = ver[j] + 1;
       occ[j] = (j < WORDS_B -> 0 : 1);
       closed[j] = (j < WORDS_B -> 0 : 1);
       j++
     }
  :: else -> break
  od;
  /* ... then the flag to the next epoch, none */
#ifdef MUTANT_RESET_STORE
  /* a load, then a store of NextEpoch(loaded) */
#ifdef WEAK_RESET_LOAD
  atomic {   /* a relaxed load: any epoch from the floor to the newest */
    e = owner_floor;
    do
    :: e != flag_epoch -> e = (e + 1) % EPOCHS
    :: break
    od
  };
#else
  e = flag_epoch;
#endif
  atomic { flag_epoch = (e + 1) % EPOCHS; flag_state = 0 };
#else
  /* one RMW (the CAS loop): epochs only grow */
  atomic { flag_epoch = (flag_epoch + 1) % EPOCHS; flag_state = 0 };
#endif
  atomic { running = 1 }   /* Publish: Running */
}
#endif

/* The monitor, at every state:
 *  - the verified flag (left out with NO_MONITOR, then only the
 *    OutOfSessions assertion judges it): while an incarnation is live, a
 *    verified flag comes from a proof of that incarnation and no active
 *    slot is claimable (bit free, control not open); WRAP excuses it while
 *    a give-back is in flight (see the header);
 *  - no session lost: a slot whose session a client opened stays open
 *    (C_OPEN, or C_HELD by its End), with the generation of the client's
 *    handle, until that End takes effect (or ForceEndAll ends it). */
#ifndef NO_MONITOR
#define FLAG_BAD (running && flag_state == 2 && !GB_EXCUSE && \
  (flag_gen != gen || FREE_CLAIMABLE(0) || \
   (nactive > 1 && FREE_CLAIMABLE(1))))
#else
#define FLAG_BAD 0
#endif
#define LOST(i) (owner[i] != 0 && (!IS_OPEN(i) || cgen[i] != ogen[i]))

active proctype Monitor() {
end_mon:
  atomic {
    FLAG_BAD || LOST(0) || LOST(1) ->
    assert(!FLAG_BAD); assert(!LOST(0) && !LOST(1))
  }
}

init {
  byte k;
  atomic {
#if LIFE
    occ[1] = (1 < WORDS_A -> 0 : 1);   /* word 1 inactive: reserved ... */
    closed[1] = (1 < WORDS_A -> 0 : 1);   /* ... and closed */
    run Owner();
#endif
#ifdef WITH_STOP
    run Stopper();
#endif
    k = 0;
    do
    :: k < CLIENTS -> run Client(k); k++
    :: else -> break
    od
  }
}
