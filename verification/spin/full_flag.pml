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
 * Checked:
 *  - no double issue: a slot is never claimed by two clients at once;
 *  - exact full: a Begin that answers "full" saw, at some instant during
 *    its call, all slots claimed or freed by Ends still in flight (those
 *    Ends are linearized after the answer, see docs/design.md);
 *  - no deadlock (Spin's invalid end states): every client finishes.
 * Run: verification/spin/check.sh (the model, then its mutants, which
 * must fail: MUTANT_NO_CLEAR, a free that leaves the flag; MUTANT_ONE_
 * COLLECT, a proof from a single collect).
 */

#define N 2
#define CLIENTS 3
#define ROUNDS 2

/* pool words: occupied bit and version (frees); the full flag */
bit  occ[N];
byte ver[N];
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
  bool isfull;
  bool changed;
  do
  :: round < ROUNDS ->
     /* ---- Begin ---- */
     atomic { pending[me] = 1; sawfull[me] = 0; note_full() };
     got = 0; isfull = 0;
retry:
     /* search from the hint word (this client's own index) */
     i = me % N;
     atomic {
       if
       :: occ[i] == 0 -> occ[i] = 1; assert(owner[i] == 0); owner[i] = me + 1;
                         slot = i; got = 1
       :: else -> skip
       fi;
       note_full()
     };
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
       :: occ[i] == 0 -> occ[i] = 1; assert(owner[i] == 0); owner[i] = me + 1;
                         slot = i; got = 1
       :: else -> skip
       fi;
       note_full()
     };
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
     atomic { if :: occ[0] == 0 -> changed = 1 :: else -> sum1 = ver[0] fi };
     atomic { if :: occ[1] == 0 -> changed = 1 :: else -> sum1 = sum1 + ver[1] fi };
#ifndef MUTANT_ONE_COLLECT
     atomic { if :: occ[0] == 0 -> changed = 1 :: else -> sum2 = ver[0] fi };
     atomic { if :: occ[1] == 0 -> changed = 1 :: else -> sum2 = sum2 + ver[1] fi };
#else
     sum2 = sum1;
#endif
     if
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
next:
     skip
  :: else -> break
  od
}

/* Every step that changes occ[] or freeing re-evaluates the ghost. */

init {
  atomic {
    run Client(0);
    run Client(1);
    run Client(2)
  }
}
