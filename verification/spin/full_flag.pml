/* full_flag.pml: Spin model of jetsession's claim/free protocol and its
 * exact "full" answer (src/slot_pool.h: TryWord, FullIsVerified,
 * ProveFull, Collect, Free + ClearFull, CloseAll, ForceEndAll, Reset), and
 * of the instance lifecycle around one pool (src/instance_core.h: Begin's
 * validation, ClaimIn and its still_current() revalidation, SetFlag,
 * Drain, Release, Create, Init).
 *
 * The pool has N = 2 words of one slot each (a word's 32 slots are one
 * bit here). Every statement between labels is one atomic step, as each
 * C++ atomic operation is; all of them are sequentially consistent (the
 * C++ code uses seq_cst for the Dekker pairs, acq_rel or weaker elsewhere;
 * WEAK_RESET_LOAD below is the one place where a weaker read is modelled).
 * Each client runs Begin (claim) and, on success, End (free), ROUNDS times.
 *
 * Configurations (check.sh runs each):
 *  - default: one incarnation with 2 active words, 3 clients, 2 rounds;
 *    each client's hint word is its index;
 *  - WITH_STOP: 2 clients and a Stopper (JetStopServiceInstance sets the
 *    state's flag, closes each word for Begin, and returns; a Begin checks
 *    the state first, and its claim fails on a closed word);
 *  - LIFECYCLE: incarnations on one instance record and one pool. The
 *    first (generation 1) has WORDS_A active words (default 1: word 1 is
 *    inactive, reserved and closed, as Reset leaves it); an Owner runs,
 *    at any point, JetTerm (Terminating set, active words closed, open
 *    sessions force-ended with their bits left claimed, Release) and
 *    Create + Init of generation 3 with WORDS_B active words (default 2)
 *    on the same pool: Reset (active_words_, every word rewritten with a
 *    bumped version, the flag moved to a new epoch, none, by an RMW), then
 *    Running published. CLIENTS (3) clients of ROUNDS (1) rounds each
 *    validate whatever generation is live at their Begin (the handle they
 *    hold), read active_words_ in a later step (so a client may hold a
 *    stale `words` and a generation that is gone), and search from any
 *    active word (the thread hint). Every claim CAS, and the promote of a
 *    full proof (the fix of issue 10), re-checks the generation
 *    (still_current); a stale caller answers InvalidInstance (kStale, or
 *    its kFull re-read).
 *
 * Checked:
 *  - no double issue: a slot is never claimed by two clients at once;
 *  - exact full: a Begin that answers "full" while the generation it
 *    validated is still live (ClaimIn's re-read: OutOfSessions) saw, at
 *    some instant during its call with that incarnation live, all of its
 *    active slots claimed or freed by Ends still in flight (those Ends are
 *    linearized after the answer, see docs/design.md);
 *  - the verified flag (Monitor, at every state): while an incarnation is
 *    live, a verified flag was promoted by a prover of that incarnation and
 *    all its active slots are claimed or freed by Ends in flight; so a
 *    stale prover's proof is never visible to the next incarnation;
 *  - no claim after Stop returned (WITH_STOP);
 *  - no deadlock (Spin's invalid end states): every process finishes;
 *  - progress (pan -l, non-progress cycles): no cycle of steps in which no
 *    Begin or End returns (the label progress_call), i.e. lock-freedom.
 *
 * Seeded mutants (check.sh; each must produce an error):
 *  MUTANT_NO_CLEAR, a free that leaves the flag; MUTANT_ONE_COLLECT, a
 *  proof from a single collect; MUTANT_IGNORE_CLOSED (WITH_STOP), a claim
 *  in a closed word; MUTANT_RETRY_FOREVER (progress), a proof that never
 *  concludes; MUTANT_STALE_PROOF (LIFECYCLE), a promote without the
 *  revalidation (the code before issue 10): a client that validated
 *  generation 1 and read words = 1 proves word 0 full after the re-create
 *  and verifies the new incarnation's flag while word 1 is free.
 *  MUTANT_RESET_STORE (LIFECYCLE): Reset moves the flag with a load and a
 *  later store instead of an RMW. Under sequential consistency it is
 *  harmless (no error): a prover whose revalidation passed published its
 *  candidate before the Release, so Reset's load sees it or a later value
 *  and the store puts the flag past its epoch. With WEAK_RESET_LOAD,
 *  Reset's relaxed load may read any flag value not older than the newest
 *  one that happens-before it (ghost floors below); then the store can move
 *  the epoch back, a later candidate recreates a stale prover's candidate,
 *  and the stale promote succeeds: an error (4 clients, FIXED_HINT; the
 *  run is a random-order bitstate search, about 6*10^6 states; check.sh
 *  runs it only with SPIN_WEAK=1). Example (C++-consistent: nothing that
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
 * succeeded); versions are bytes; a claim's CAS and the opening of its
 * session are one step, and so are End's hold, state re-read,
 * control-word store and fetch_add (so ForceEndAll never has to wait);
 * TryWord's load, revalidation and CAS are one step (a Term or Reset in
 * between would change the word, failing the CAS); Release and Create
 * are one step (no call tells them apart); a full answer's ClaimIn re-read
 * and its assertion are one step. Not modelled: the closure help of
 * Settled() and the closure marks, Dup, the session-context calls,
 * EnterCall/ExitCall, the counts, and Stop/Unavailable in the lifecycle
 * runs.
 *
 * Not covered: more than one slot per word and the reserved bits of a
 * partly used word; more than two words; more than one re-create, or a
 * re-create on a new pool (Init's Succeed path); weak memory orders other
 * than Reset's flag load (use Relacy, verification/relacy, for the real
 * code's orders); counts of clients and rounds beyond those above.
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
#define ROUNDS 2
#endif

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
 * closure marks) is left out: that only lets the load read older values
 * (an over-approximation; the counterexample was checked by hand). */
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

/* ---- shared state ---- */
/* pool words: claimed bit (an inactive word's reserved bits count as
 * claimed), closed-for-Begin bit, version (bumped by frees and Reset) */
bit  occ[N];
bit  closed[N];
byte ver[N];
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
byte owner[N];            /* client+1 whose open session holds the slot */
byte freeing;             /* Ends of the live incarnation that freed their
                             bit and have not returned */
bool pending[CLIENTS];    /* a Begin is in flight ... */
byte callgen[CLIENTS];    /* ... on the generation it validated ... */
bool sawfull[CLIENTS];    /* ... and saw that incarnation live and full */

/* every active slot of the live incarnation is claimed or freed by an End
 * still in flight (N == 2) */
#define ALL_TAKEN (occ[0] + (nactive > 1 -> occ[1] : 0) + freeing >= nactive)

/* Every step that changes occ[], freeing or the generation re-evaluates
 * the ghost. */
inline note_full() {
  d_step {
    k = 0;
    do
    :: k < CLIENTS ->
       if
       :: pending[k] && callgen[k] == gen && running && ALL_TAKEN ->
          sawfull[k] = 1
       :: else -> skip
       fi;
       k++
    :: else -> break
    od
  }
}

/* TryWord(i): the word load, the closed check, the revalidation
 * (still_current(): the state's generation is still g) and the claim CAS
 * in one step. */
inline try_word(i) {
  atomic {
    SEE_WORD(i);
    if
    :: occ[i] == 0 && CLAIMABLE(i) && gen == g ->
       occ[i] = 1; assert(owner[i] == 0); owner[i] = me + 1; PUT_WORD(i);
       assert(!stop_returned);  /* no claim after Stop returned */
       slot = i; got = 1
    :: occ[i] == 0 && CLAIMABLE(i) && gen != g -> isstale = 1
    :: closed[i] && !CLAIMABLE(i) -> isclosed = 1
    :: else -> skip   /* full */
    fi;
    note_full()
  }
}

/* One Collect over `words` words: the sum of their versions, or changed
 * (a free bit), or closed; it stops at the first word that is not full. */
inline collect(sum) {
  i = 0;
  do
  :: atomic {
       i < words && !changed && !isclosed ->
       SEE_WORD(i);
       if
       :: closed[i] -> isclosed = 1
       :: !closed[i] && occ[i] == 0 -> changed = 1
       :: !closed[i] && occ[i] == 1 -> sum = sum + ver[i]
       fi;
       i++
     }
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
  byte sum1;
  byte sum2;
  bool got;
  bool isclosed;
  bool isstale;
  bool isfull;
  bool changed;
  /* Dead locals are reset where they die, to keep the state space small. */
  do
  :: round < ROUNDS ->
     /* ---- Begin: LoadState, IsLive, BeginError ---- */
     atomic {
       if
       :: running && !stopped ->
          g = gen; callgen[me] = g; pending[me] = 1; sawfull[me] = 0;
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
        try_word(i);
        if
        :: got -> goto claimed
        :: isclosed -> goto refused   /* ClaimIn: the state error */
        :: isstale -> goto refused    /* ClaimIn: InvalidInstance */
        :: else -> skip
        fi;
        /* the hint word is full: a verified flag answers */
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
     collect(sum1);
#ifndef MUTANT_ONE_COLLECT
     collect(sum2);
#else
     sum2 = sum1;
#endif
#ifdef MUTANT_RETRY_FOREVER
     changed = 1;  /* a proof that never concludes: must fail progress */
#endif
#if LIFE && !defined(MUTANT_STALE_PROOF)
     /* a full proof is promoted only if still_current() (a no-op while the
      * generation never moves, so only in the lifecycle runs) */
     atomic {
       if
       :: !changed && !isclosed && sum1 == sum2 && gen != g -> isstale = 1
       :: else -> skip
       fi
     };
#endif
     /* the promote or clear CAS, expecting this call's candidate */
     atomic {
       if
       :: flag_epoch == cand && flag_state == 1 ->
          if
          :: !changed && !isclosed && !isstale && sum1 == sum2 ->
             flag_state = 2; flag_gen = g
          :: else -> flag_epoch = (flag_epoch + 1) % EPOCHS; flag_state = 0
          fi
       :: else -> skip
       fi;
       SEE_FLAG; cand = 0; i = 0;
       if
       :: isclosed || isstale -> sum1 = 0; sum2 = 0; goto refused
       :: !isclosed && !isstale && !changed && sum1 == sum2 ->
          sum1 = 0; sum2 = 0; isfull = 1; goto answered
       :: else -> sum1 = 0; sum2 = 0; changed = 0   /* search again */
       fi
     };
     goto retry;
claimed:
     atomic { pending[me] = 0; i = 0; n = 0; got = 0 };
     /* ---- End: the hold, the state re-read, Free's control store and
      * fetch_add (freeing counts it until the End returns) ---- */
     atomic {
       if
       :: owner[slot] == me + 1 && !terming ->
          owner[slot] = 0; occ[slot] = 0; ver[slot] = ver[slot] + 1;
          SEE_WORD(slot); PUT_WORD(slot); freeing++;
          note_full()
       :: else ->   /* refused by Terminating, or force-ended by JetTerm */
          assert(LIFE); slot = 0; goto ended
       fi
     };
     /* ClearFull (the mutant MUTANT_NO_CLEAR drops it: must fail) */
#ifndef MUTANT_NO_CLEAR
     clear_full();
#endif
     atomic {   /* the End returns */
       if
       :: gen == g -> freeing--
       :: else -> skip   /* the incarnation ended: Release reset the ghost */
       fi;
       slot = 0;
       note_full()
     };
ended:
     round++;
     goto next;
answered:   /* ClaimIn's re-read (seq_cst): OutOfSessions if still g */
     atomic {
       assert(!isfull || gen != g || sawfull[me]);
       pending[me] = 0; isfull = 0; i = 0; n = 0
     };
     round++;
     goto next;
refused:   /* a state error, InvalidInstance (also kStale) */
     atomic {
       pending[me] = 0; isclosed = 0; isstale = 0; i = 0; n = 0
     };
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
  /* ForceEndAll: every open session ends; its bit stays claimed */
  atomic {
    j = 0;
    do
    :: j < WORDS_A -> owner[j] = 0; OWNER_SEES(j); j++
    :: else -> break
    od
  };
  /* Release (generation + 1, Free), then Create (+ 1, Created) */
  atomic {
    gen = gen + 2; running = 0; stopped = 0; terming = 0; freeing = 0
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

/* The verified flag's invariant: while an incarnation is live, a verified
 * flag comes from a proof of that incarnation and every active slot is
 * claimed or freed by an End in flight. NO_MONITOR leaves it out (then
 * only the OutOfSessions assertion judges). */
#ifndef NO_MONITOR
active proctype Monitor() {
end_mon:
  atomic {
    running && flag_state == 2 && (flag_gen != gen || !ALL_TAKEN) ->
    assert(false)
  }
}
#endif

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
