/* full_flag.pml: Spin model of jetsession's claim/free protocol and its
 * exact "full" answer (src/slot_pool.h: TryWord, FullIsVerified,
 * ProveFull, Free + ClearFull).
 *
 * Two pool words of one slot each (capacity 2), three clients; each client
 * runs Begin (claim) and, on success, End (free), twice. Every statement
 * between labels is one atomic step, as each C++ atomic operation is; all
 * of them are sequentially consistent here (the C++ code uses seq_cst for
 * the Dekker pair, acq_rel elsewhere).
 *
 * With WITH_STOP, two clients and a Stopper: JetStopServiceInstance sets
 * the state's flag, closes each word for Begin, and returns; a Begin
 * checks the state first, and its claim fails on a closed word.
 *
 * Checked:
 *  - no double issue: a slot is never claimed by two clients at once;
 *  - exact full: a Begin that answers "full" saw, at some instant during
 *    its call, all slots claimed or freed by Ends still in flight (those
 *    Ends are linearized after the answer, see docs/design.md);
 *  - no claim after Stop returned (WITH_STOP);
 *  - no deadlock (Spin's invalid end states): every client finishes;
 *  - progress (pan -l, non-progress cycles): no cycle of steps in which no
 *    Begin or End returns (the label progress_call), i.e. lock-freedom.
 * Run: verification/spin/check.sh (the model, then its mutants, which
 * must fail: MUTANT_NO_CLEAR, a free that leaves the flag; MUTANT_ONE_
 * COLLECT, a proof from a single collect; MUTANT_IGNORE_CLOSED, a claim in
 * a closed word; MUTANT_RETRY_FOREVER, a proof that never concludes).
 */

#define N 2
#ifdef WITH_STOP
#define CLIENTS 2         /* a Stopper runs beside them */
#else
#define CLIENTS 3
#endif
#define ROUNDS 2

/* A claim needs a free bit in a word not closed for Begin; the mutant
 * MUTANT_IGNORE_CLOSED claims in closed words too (must fail). */
#ifdef MUTANT_IGNORE_CLOSED
#define CLAIMABLE(i) 1
#else
#define CLAIMABLE(i) (!closed[i])
#endif

/* pool words: occupied bit and version (frees); the full flag */
bit  occ[N];
bit  closed[N];           /* closed for Begin (Stop) */
byte ver[N];
bit  stopped;             /* the instance state's stop flag */
bit  stop_returned;       /* ghost: JetStopServiceInstance has returned */
byte flag_epoch;
byte flag_state;          /* 0 none, 1 candidate, 2 verified */

/* ghosts */
byte owner[N];            /* client+1 owning the slot, 0 when free */
byte freeing;             /* Ends that freed and have not returned */
bool pending[CLIENTS];    /* a Begin is in flight */
bool sawfull[CLIENTS];    /* ... and saw claimed + freeing >= N */

inline note_full() {
  d_step {
    k = 0;
    do
    :: k < CLIENTS ->
       if
       :: pending[k] && (occ[0] + occ[1] + freeing >= N) -> sawfull[k] = 1
       :: else -> skip
       fi;
       k++
    :: else -> break
    od
  }
}

proctype Client(byte me) {
  byte round = 0;
  byte k;
  byte slot;
  byte i;
  byte f_epoch;
  byte cand;
  byte sum1;
  byte sum2;
  bool got;
  bool isclosed;
  bool isfull;
  bool changed;
  do
  :: round < ROUNDS ->
     /* ---- Begin ---- */
     atomic { pending[me] = 1; sawfull[me] = 0; note_full() };
     got = 0; isfull = 0; isclosed = 0;
     if
     :: stopped -> goto refused   /* BeginError: the state says stopped */
     :: else -> skip
     fi;
retry:
     /* search from the hint word (this client's own index) */
     i = me % N;
     atomic {
       if
       :: occ[i] == 0 && CLAIMABLE(i) ->
          occ[i] = 1; assert(owner[i] == 0); owner[i] = me + 1;
          assert(!stop_returned);  /* no claim after Stop returned */
          slot = i; got = 1
       :: closed[i] && !CLAIMABLE(i) -> isclosed = 1
       :: else -> skip
       fi;
       note_full()
     };
     if
     :: isclosed -> goto refused
     :: else -> skip
     fi;
     if
     :: got -> goto claimed
     :: else -> skip
     fi;
     /* hint word full: a verified flag answers */
     if
     :: flag_state == 2 -> isfull = 1; goto answered
     :: else -> skip
     fi;
     i = (me + 1) % N;
     atomic {
       if
       :: occ[i] == 0 && CLAIMABLE(i) ->
          occ[i] = 1; assert(owner[i] == 0); owner[i] = me + 1;
          assert(!stop_returned);  /* no claim after Stop returned */
          slot = i; got = 1
       :: closed[i] && !CLAIMABLE(i) -> isclosed = 1
       :: else -> skip
       fi;
       note_full()
     };
     if
     :: isclosed -> goto refused
     :: else -> skip
     fi;
     if
     :: got -> goto claimed
     :: else -> skip
     fi;
     /* ProveFull: candidate, two collects, promote */
     atomic {
       if
       :: flag_state == 2 -> isfull = 1
       :: else -> flag_epoch = (flag_epoch + 1) % 16; flag_state = 1;
                  cand = flag_epoch
       fi
     };
     if
     :: isfull -> goto answered
     :: else -> skip
     fi;
     changed = 0;
     atomic { if :: closed[0] -> isclosed = 1 :: occ[0] == 0 -> changed = 1 :: else -> sum1 = ver[0] fi };
     atomic { if :: closed[1] -> isclosed = 1 :: occ[1] == 0 -> changed = 1 :: else -> sum1 = sum1 + ver[1] fi };
#ifndef MUTANT_ONE_COLLECT
     atomic { if :: closed[0] -> isclosed = 1 :: occ[0] == 0 -> changed = 1 :: else -> sum2 = ver[0] fi };
     atomic { if :: closed[1] -> isclosed = 1 :: occ[1] == 0 -> changed = 1 :: else -> sum2 = sum2 + ver[1] fi };
#else
     sum2 = sum1;
#endif
#ifdef MUTANT_RETRY_FOREVER
     changed = 1;  /* a proof that never concludes: must fail progress */
#endif
     if
     :: isclosed ->
        atomic {  /* the proof fails: drop the candidate, report closed */
          if
          :: flag_epoch == cand && flag_state == 1 ->
             flag_epoch = (flag_epoch + 1) % 16; flag_state = 0
          :: else -> skip
          fi
        };
        goto refused
     :: !changed && sum1 == sum2 ->
        atomic {
          if
          :: flag_epoch == cand && flag_state == 1 -> flag_state = 2
          :: else -> skip
          fi
        };
        isfull = 1; goto answered
     :: else ->
        atomic {
          if
          :: flag_epoch == cand && flag_state == 1 ->
             flag_epoch = (flag_epoch + 1) % 16; flag_state = 0
          :: else -> skip
          fi
        };
        goto retry
     fi;
claimed:
     atomic { pending[me] = 0 };
     /* ---- End ---- */
     atomic {
       assert(owner[slot] == me + 1);
       owner[slot] = 0; occ[slot] = 0; ver[slot] = ver[slot] + 1;
       freeing++;
       note_full()
     };
     /* ClearFull (the mutant MUTANT_NO_CLEAR drops it: must fail) */
#ifndef MUTANT_NO_CLEAR
     do
     :: atomic {
          if
          :: flag_state != 0 -> flag_epoch = (flag_epoch + 1) % 16;
                                flag_state = 0
          :: else -> skip
          fi
        };
        break
     od;
#endif
     atomic { freeing--; note_full() };  /* the End returns */
     round++;
     goto next;
answered:
     atomic { assert(!isfull || sawfull[me]); pending[me] = 0 };
     round++;
     goto next;
refused:   /* a state error: ClientRequestToStopJetService */
     atomic { pending[me] = 0 };
     round++;
next:
progress_call:  /* a Begin or an End returned */
     skip
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

/* Every step that changes occ[] or freeing re-evaluates the ghost. */

init {
  atomic {
#ifdef WITH_STOP
    run Stopper();
    run Client(0);
    run Client(1)
#else
    run Client(0);
    run Client(1);
    run Client(2)
#endif
  }
}
