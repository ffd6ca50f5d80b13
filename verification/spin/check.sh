#!/usr/bin/env bash
# Model-checks full_flag.pml, wait_queue.pml, overflow.pml and resize.pml
# exhaustively,
# with PRECHECK_PENDING (the claim's pre-CAS filter that skips a pending
# slot, as src/ has it): safety
# (assertions, the monitor of the verified flag and of open sessions,
# invalid end states) of the claim/free/full-flag protocol, in which an End
# frees its bit, clears the flag and only then stores the next generation
# (the slot is pending in between), and a claim reads the slot's control
# word after its CAS, re-checks the generation, and gives the bit back when
# the slot is pending or the caller stale, with 3 clients of 2 rounds,
# then with 2 clients and a concurrent Stop, and progress (no non-progress
# cycle: some Begin or End always returns) of both (the first reduced to
# 2, 2 and 1 rounds); then the lifecycle (JetTerm and a re-create on the
# same pool while clients, some holding a generation and word count that
# are gone, claim and prove): safety with 3 clients (1 -> 2 active words,
# and 2 -> 1) and with 2 clients of 2 rounds, progress with the latter,
# and safety with 3 clients where the word's version wraps (WRAP: a stale
# client's CAS succeeds in the next incarnation); then each seeded mutant,
# which must produce an error, among them the claim without the filter: a
# Begin answers "full" while a claimer's bit, found pending and not yet
# given back, covers a slot no session holds. Prints states and verdicts;
# exits 1 if the model fails or a mutant passes.
#
# SPIN_LARGE=1 adds the progress runs left out (minutes more, and GBs of
# memory: 4.5 for the lifecycle here): 3 clients of 2 rounds, and the
# lifecycle with 3 clients; and the livelock of the claim without the
# filter (a bitstate search, lifecycle with 3 clients: two claimers give a
# pending slot's bit back in turn while its End stalls, and no call
# returns); and the wait queue with a Stop and 3 clients (8M states, 1 GB),
# and with Unavailable and timeouts (32M states, a minute).
#
# SPIN_PART=design runs only the models of a lock-free resize
# (shrink_records.pml, grow_claims.pml, resize_claims.pml: src/'s shrink
# and grow; grow_units.pml, resize_pair.pml: a design with listed slots
# and pool units that src/ does not use; about 41 minutes, up to 16 GB of
# memory, before resize_pair.pml's rows of gating and of the overflow
# list, which were run one by one, not as part of a whole run), but for
# the rows that the resize part runs as models of src/ (as_part below).
#
# SPIN_WEAK=1 adds two runs (about a minute more): MUTANT_RESET_STORE under
# sequential consistency, which passes (harmless there, see the model's
# header), and with WEAK_RESET_LOAD (Reset's relaxed load may read an older
# epoch), which must be caught (4 clients: a bitstate search).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# $1: "safety", "progress", "search" (safety, bitstate, a random order
# of processes and transitions with a fixed seed: it finds an error, it
# cannot prove there is none) or "livelock" (progress, bitstate, assertions
# ignored: it finds a non-progress cycle, it cannot prove there is none);
# the rest: -D flags for spin. Prints "errors N, states S".
# pan is compiled with ${opt} (-O1; the mutant runs, which mostly stop
# within thousands of states, take -O0: the compile is most of their time).
run() {
  local mode=$1 opt=${opt:--O1}
  shift
  rm -f pan pan.c
  # A model that does not compile is a failure of every kind of run (a pan
  # left from the run before must not answer for it).
  if ! spin "$@" -a "$here/${model:-full_flag.pml}" >spin.out 2>&1; then
    echo "spin failed: $(head -c 300 spin.out)"
    return
  fi
  case $mode in
    safety)
      gcc "$opt" -DSAFETY -w -o pan pan.c
      ./pan -m1000000 2>&1
      ;;
    progress)
      gcc "$opt" -DNP -w -o pan pan.c
      ./pan -l -m1000000 2>&1
      ;;
    search)
      gcc "$opt" -DSAFETY -DBITSTATE -DP_RAND -DT_RAND -w -o pan pan.c
      ./pan -m1000000 -w30 -RS2 2>&1
      ;;
    livelock)
      gcc "$opt" -DNP -DBITSTATE -w -o pan pan.c
      ./pan -l -A -m1000000 -w30 2>&1
      ;;
    big)  # safety, for state spaces of a few 10^8 states (16 GB at most)
      gcc "$opt" -DSAFETY -DCOLLAPSE -DMEMLIM=16000 -w -o pan pan.c
      ./pan -m3000000 -w29 2>&1
      ;;
    bfs)  # safety, breadth-first: the shortest trail to an error
      gcc "$opt" -DSAFETY -DBFS -DCOLLAPSE -DMEMLIM=5000 -w -o pan pan.c
      ./pan -m3000000 2>&1
      ;;
  esac | awk '/errors:/ {e=$NF} /states, stored/ {s=$1}
    /reached -DMEMLIM bound/ {m=1}
    /^pan:1: / && k == "" {k=$0; sub(/^pan:1: /, "", k); sub(/ \(at depth.*/, "", k)}
    END {if (m && e == 0) e = "incomplete (out of memory)"
      printf "errors %s, states %s%s\n", e, s, (k == "" ? "" : " [" k "]")}'
}
expect_pass() {  # $1: label, the rest: run's arguments
  in_part || return 0
  local label=$1
  shift
  local result
  result=$(run "$@")
  echo "$label: $result"
  [[ $result != "spin failed"* ]] || exit 1
  [[ $result == "errors 0,"* ]] || { echo "$label FAILED"; exit 1; }
}
caught=0  # mutant runs caught so far (a run not caught exits)
# SPIN_PART=resize runs only resize.pml's and grow_wakeup.pml's runs,
# SPIN_PART=base all the others (scripts/stages.sh runs the two parts side
# by side); unset, both. The models of the lock-free resize: only
# SPIN_PART=design runs them, but for the rows marked as_part=resize.
is_design() {
  [[ ${model:-full_flag.pml} == shrink_records.pml ||
    ${model:-full_flag.pml} == grow_units.pml ||
    ${model:-full_flag.pml} == grow_claims.pml ||
    ${model:-full_flag.pml} == resize_claims.pml ||
    ${model:-full_flag.pml} == resize_pair.pml ]]
}
# The models of src/'s resizing that the resize part runs.
is_resize() {
  [[ ${model:-full_flag.pml} == resize.pml ||
    ${model:-full_flag.pml} == grow_wakeup.pml ]]
}
in_part() {
  # A design model run as a model of src/ (as_part=resize): src/'s shrink.
  if [[ -n ${as_part:-} ]]; then
    [[ ${SPIN_PART:-all} == "$as_part" || ${SPIN_PART:-all} == all ]]
    return
  fi
  case ${SPIN_PART:-all} in
    resize) is_resize ;;
    design) is_design ;;
    base) ! is_resize && ! is_design ;;
    *) ! is_design ;;
  esac
}
# A mutant run must find an error; its first error must contain $1 (which
# check caught it; "" for any).
expect_caught_by() {
  in_part || return 0
  local what=$1 label=$2
  shift 2
  local result
  result=$(opt=-O0 run "$@")
  echo "$label: $result"
  [[ $result != "spin failed"* ]] || exit 1
  [[ $result != *incomplete* ]] || { echo "$label: search incomplete"; exit 1; }
  [[ $result != "errors 0,"* ]] || { echo "$label was NOT caught"; exit 1; }
  [[ $result == *"$what"* ]] ||
    { echo "$label was caught, but not by: $what"; exit 1; }
  caught=$((caught + 1))
}
expect_caught() {  # $1: label, the rest: run's arguments
  expect_caught_by "" "$@"
}
fix=-DPRECHECK_PENDING
expect_pass "model, 3 clients x 2 rounds (safety)" safety $fix
expect_pass "model, 2 clients + Stop (safety)" safety $fix -DWITH_STOP
expect_pass "model, 3 clients, 2+2+1 rounds (progress)" progress $fix \
  -DONE_ROUND=1
expect_pass "model, 2 clients + Stop (progress)" progress $fix -DWITH_STOP
expect_pass "lifecycle, 3 clients, 1 -> 2 words (safety)" safety $fix \
  -DLIFECYCLE
expect_pass "lifecycle, 3 clients, 2 -> 1 words (safety)" safety $fix \
  -DLIFECYCLE -DWORDS_A=2 -DWORDS_B=1
expect_pass "lifecycle, 2 clients x 2 rounds, 1 -> 2 words (safety)" safety \
  $fix -DLIFECYCLE -DCLIENTS=2 -DROUNDS=2
expect_pass "lifecycle, 2 clients x 2 rounds, 1 -> 2 words (progress)" \
  progress $fix -DLIFECYCLE -DCLIENTS=2 -DROUNDS=2
expect_pass "lifecycle + version wrap, 3 clients, 1 -> 2 words (safety)" \
  safety $fix -DLIFECYCLE -DWRAP
expect_caught "mutant MUTANT_NO_CLEAR" safety $fix -DMUTANT_NO_CLEAR
expect_caught "mutant MUTANT_ONE_COLLECT" safety $fix -DMUTANT_ONE_COLLECT
expect_caught "mutant MUTANT_IGNORE_CLOSED" safety $fix -DWITH_STOP \
  -DMUTANT_IGNORE_CLOSED
expect_caught "mutant MUTANT_RETRY_FOREVER" progress $fix \
  -DMUTANT_RETRY_FOREVER
expect_caught "mutant MUTANT_STALE_PROOF (lifecycle, verified-flag monitor)" \
  safety $fix -DLIFECYCLE -DMUTANT_STALE_PROOF
expect_caught \
  "mutant MUTANT_STALE_PROOF (lifecycle, OutOfSessions check only)" safety \
  $fix -DLIFECYCLE -DMUTANT_STALE_PROOF -DNO_MONITOR
expect_caught "mutant MUTANT_STALE_BEFORE_FREE" safety $fix \
  -DMUTANT_STALE_BEFORE_FREE
expect_caught "mutant MUTANT_CLAIM_PENDING" safety $fix -DMUTANT_CLAIM_PENDING
expect_caught "mutant MUTANT_PROMOTE_PENDING" safety $fix \
  -DMUTANT_PROMOTE_PENDING
expect_caught "mutant MUTANT_NO_RECHECK_AFTER_CLAIM (lifecycle + wrap)" \
  safety $fix -DLIFECYCLE -DWRAP -DMUTANT_NO_RECHECK_AFTER_CLAIM
expect_caught "mutant: no pre-CAS pending filter, spurious full (lifecycle)" \
  safety -DLIFECYCLE -DNO_MONITOR
expect_caught "mutant: no pre-CAS pending filter, spurious full (model)" safety
# Waiting for a session (wait_queue.pml): no lost wake-up (an invalid end
# state), no verified flag beside a free slot (a monitor), one owner per
# slot, nothing stranded, first come first served (tickets served in order;
# no claim past a live ticket taken before the claimer's call started), with
# and without timeouts; with a Stop: every waiter returns (HOLDER: only the
# Stop's alert can wake it; WAKER: a stop request's alert comes first), no
# success for a call that began after the Stop returned, none with a slot
# delivered after the Stop's flag; and its mutants.
model=wait_queue.pml
expect_pass "wait queue, 1 slot, 2 clients x 2 rounds (safety)" safety \
  -DCLIENTS=2 -DROUNDS=2
expect_pass "wait queue, 1 slot, 3 clients (safety)" safety -DCLIENTS=3 \
  -DROUNDS=1
expect_pass "wait queue, 1 slot, 2 clients x 2 rounds, timeouts (safety)" \
  safety -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS
expect_pass "wait queue, 1 slot, 3 clients, timeouts (safety)" safety \
  -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS
expect_pass "wait queue, 1 slot, 3 clients, timeouts, strict FIFO (safety)" \
  safety -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS -DFIFO_STRICT
expect_pass "wait queue, 2 slots, 3 clients, timeouts (safety)" safety -DN=2 \
  -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS
expect_pass "wait queue + Stop, 2 clients x 2 rounds (safety)" safety \
  -DWITH_STOP -DCLIENTS=2 -DROUNDS=2
expect_pass "wait queue + Stop, 2 clients x 2 rounds, timeouts (safety)" \
  safety -DWITH_STOP -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS
# (Without the ghosts ungated and stoperr: 19M states instead of 36M; the
# order across the Stop is checked by the runs above.)
expect_pass "wait queue + Stop, holder, 3 clients (safety)" safety \
  -DWITH_STOP -DHOLDER -DCLIENTS=3 -DROUNDS=1 -DNO_STOP_ORDER
expect_pass "wait queue + Stop, holder, stop request, 2 x 2 (safety)" safety \
  -DWITH_STOP -DHOLDER -DWAKER -DCLIENTS=2 -DROUNDS=2
# Unavailable (WITH_UNAVAIL: the flag refuses End too): an End ordered
# before it (it passed its state check) never passes by a ticket taken
# before that check whose waiter then answers the flag's error (ghosts
# skipped, uerr); its three mutants: no wait for the Ends in flight, an
# End's grant gated by the end gate, both (src/'s kEndsGatedByEndFlags).
expect_pass "wait queue + Unavailable, 2 clients x 2 rounds (safety)" safety \
  -DWITH_STOP -DWITH_UNAVAIL -DCLIENTS=2 -DROUNDS=2
expect_pass "wait queue + Unavailable, holder, 2 x 2 (safety)" safety \
  -DWITH_STOP -DWITH_UNAVAIL -DHOLDER -DCLIENTS=2 -DROUNDS=2 -DNO_STOP_ORDER
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "wait queue + Unavailable, 2 x 2, timeouts (safety)" safety \
    -DWITH_STOP -DWITH_UNAVAIL -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS
fi
for m in MUTANT_NO_AWAIT_ENDS MUTANT_END_GRANT_GATED MUTANT_ENDS_GATED; do
  expect_caught_by "skipped[t]" "mutant $m (an End before Unavailable lost)" \
    safety -DWITH_STOP -DWITH_UNAVAIL -DCLIENTS=2 -DROUNDS=2 "-D$m"
done
expect_caught_by "invalid end state" "mutant MUTANT_ENQUEUE_ANY (lost wake-up)" \
  safety -DCLIENTS=2 -DROUNDS=2 -DMUTANT_ENQUEUE_ANY
expect_caught "mutant MUTANT_LOAD_BEFORE_FREE" safety -DCLIENTS=2 -DROUNDS=2 \
  -DMUTANT_LOAD_BEFORE_FREE
expect_caught "mutant MUTANT_NO_RECLAIM" safety -DCLIENTS=2 -DROUNDS=2 \
  -DMUTANT_NO_RECLAIM
expect_caught "mutant MUTANT_CLOSE_BEFORE_CLEAR" safety -DCLIENTS=2 \
  -DROUNDS=2 -DTIMEOUTS -DMUTANT_CLOSE_BEFORE_CLEAR
# (A grant made before the Stop and given back: the waiter answers the
# Stop's error while a later ticket keeps its grant, found by the ghost
# stoperr before the ghost kept.)
expect_caught_by "stoperr" \
  "mutant MUTANT_ACCEPT_STATE_AT_ACCEPT (a grant before the Stop given back)" \
  safety -DWITH_STOP -DCLIENTS=2 -DROUNDS=2 -DMUTANT_ACCEPT_STATE_AT_ACCEPT
expect_caught_by "stale" \
  "mutant MUTANT_OPEN_BEFORE_DELIVER (a waiter leaves after its End took effect)" \
  safety -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS -DMUTANT_OPEN_BEFORE_DELIVER
expect_caught_by "claimed[k]==0" "mutant MUTANT_DROP_ON_CANCEL (stranded)" \
  safety -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS -DMUTANT_DROP_ON_CANCEL
expect_caught_by "claimed[k]==0" \
  "mutant MUTANT_TIMEOUT_DROPS_SLOT (stranded)" safety -DCLIENTS=2 \
  -DROUNDS=2 -DTIMEOUTS -DMUTANT_TIMEOUT_DROPS_SLOT
expect_caught_by "fullread" \
  "mutant MUTANT_LEAVE_IGNORES_TAKER (OutOfSessions beside a free slot)" \
  safety -DN=2 -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS -DMUTANT_LEAVE_IGNORES_TAKER
expect_caught_by "overtaken[t]" \
  "mutant MUTANT_LEAVE_STATE_AFTER_CANCEL (decided after being passed over)" \
  safety -DWITH_STOP -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS \
  -DMUTANT_LEAVE_STATE_AFTER_CANCEL
expect_caught_by "fullread" \
  "mutant MUTANT_HANDOFF_NO_QUEUE (a slot free beside a queued waiter)" \
  safety -DCLIENTS=2 -DROUNDS=2 -DTIMEOUTS -DMUTANT_HANDOFF_NO_QUEUE
expect_caught_by "!(served[k])" \
  "mutant MUTANT_HANDOFF_TAIL (tickets out of order)" safety -DCLIENTS=3 \
  -DROUNDS=1 -DMUTANT_HANDOFF_TAIL
# (Strict FIFO finds it in 0.1M states; the contract's, with 2 rounds, in
# 5.4M.)
# (The live waiter whose ticket is passed over finds it taken when it
# leaves, and waits for a grant that never comes: found before a claim
# past it.)
expect_caught_by "invalid end state" \
  "mutant MUTANT_PASS_LIVE (a leaving waiter passes over a live one)" \
  safety -DCLIENTS=3 -DROUNDS=1 -DTIMEOUTS -DFIFO_STRICT -DMUTANT_PASS_LIVE
expect_caught_by "invalid end state" \
  "mutant MUTANT_STOP_NO_ALERT (a waiter asleep)" safety -DWITH_STOP \
  -DHOLDER -DCLIENTS=3 -DROUNDS=1 -DMUTANT_STOP_NO_ALERT
expect_caught_by "invalid end state" \
  "mutant MUTANT_ALERT_BEFORE_FLAG (a waiter asleep)" safety -DWITH_STOP \
  -DHOLDER -DCLIENTS=3 -DROUNDS=1 -DMUTANT_ALERT_BEFORE_FLAG
expect_caught_by "invalid end state" \
  "mutant MUTANT_NO_STATE_RECHECK (a waiter asleep)" safety -DWITH_STOP \
  -DHOLDER -DCLIENTS=3 -DROUNDS=1 -DMUTANT_NO_STATE_RECHECK
expect_caught_by "dstop[t]" \
  "mutant MUTANT_ACCEPT_NO_RECHECK (a session after the Stop)" safety \
  -DWITH_STOP -DCLIENTS=2 -DROUNDS=2 -DMUTANT_ACCEPT_NO_RECHECK
# Capacity at run time (resize.pml): exact claims and full answers while a
# resizer shrinks and grows (the debt paid by Ends, which record their
# payment and help the one recorded; reserved slots released), the
# bookkeeping at rest, the count across a resize, and JetExtGetSessionSlot
# on the handle of a session whose End pays a debt (OBSERVER; one round a
# client, each End: two rounds take minutes): with one payer, and with two
# (3 -> 0, a debt of 2: the second helps the first).
model=resize.pml
expect_pass "resize, 2 clients x 2 rounds, 3 -> 1 -> 3 (safety)" safety
expect_pass "resize, 2 clients x 2 rounds, 2 -> 3 -> 0 -> 2 (safety)" \
  safety -DCAP0=2 -DCAP1=3 -DCAP2=0 -DCAP3=2
expect_pass "resize, count across resizes (safety)" safety -DCOUNTER \
  -DROUNDS=0
expect_caught "mutant MUTANT_SHRINK_FORGETS_DEBT" safety \
  -DMUTANT_SHRINK_FORGETS_DEBT
expect_caught_by "reserved==rs" "mutant MUTANT_STALE_RESERVE (reserved twice)" \
  safety -DMUTANT_STALE_RESERVE
expect_caught "mutant MUTANT_GROW_NO_WAIT (a grow short of a payer's unit)" \
  safety -DMUTANT_GROW_NO_WAIT
expect_caught "mutant MUTANT_NO_CLOSURE" safety -DMUTANT_NO_CLOSURE
expect_caught "mutant MUTANT_FREE_IGNORES_OWING" safety \
  -DMUTANT_FREE_IGNORES_OWING
expect_caught "mutant MUTANT_COUNT_NO_SEQ" safety -DCOUNTER -DROUNDS=0 \
  -DMUTANT_COUNT_NO_SEQ
expect_pass "resize + GetSessionSlot, 2 x 1 round, 3 -> 1 -> 3 (safety)" \
  safety -DOBSERVER -DROUNDS=1
expect_pass "resize + GetSessionSlot, 2 payers, 3 -> 0 -> 3 (safety)" safety \
  -DOBSERVER -DROUNDS=1 -DCAP1=0
expect_caught_by "ended_at_start" \
  "mutant MUTANT_SLOT_NO_RECORD (Success after the End took effect)" safety \
  -DOBSERVER -DROUNDS=1 -DMUTANT_SLOT_NO_RECORD
expect_caught_by "ended_at_start" \
  "mutant MUTANT_CLEAR_BEFORE_MARK (a helper's clear, 2 payers)" safety \
  -DOBSERVER -DROUNDS=1 -DCAP1=0 -DMUTANT_CLEAR_BEFORE_MARK
expect_caught_by "ended_at_start" \
  "mutant MUTANT_PAYER_CLEAR_BEFORE_MARK (the payer's clear)" safety \
  -DOBSERVER -DROUNDS=1 -DMUTANT_PAYER_CLEAR_BEFORE_MARK
# The grow's wake-up of waiters with no deadline (grow_wakeup.pml, src/'s
# AlertForGrow(), HelpGrowForWaiters(), the grant's publication and the
# waiter's help as it returns): no waiter sleeps beside the room of a
# grower that stops for good at any step, or waits for it alone once it
# woke someone, with two callers (a grow by 2, and by 1 where one of them
# stays asleep), and with an End that serves the waiter the grow woke (the
# grower stopped after its linearization point, or after its wake-up and
# before it); each mutant leaves one asleep beside the room, or waiting for
# the grower. LIMIT_WAITER_STOPS shows the documented limit: a caller that
# stops alone holds nobody up; with the grower stopped too, it can.
model=grow_wakeup.pml
gw="-DCALLERS=2"
expect_pass "grow wake-up, 2 callers, grow by 2, the grower stops" safety \
  $gw -DSTALL_ANY
expect_pass "grow wake-up, 2 callers, grow by 1, the grower stops" safety \
  $gw -DK=1 -DSTALL_ANY
expect_pass "grow wake-up, 2 callers, a caller stops" safety $gw \
  -DLIMIT_WAITER_STOPS
expect_pass "grow wake-up, an End serves the woken waiter, grower stopped" \
  safety $gw -DK=1 -DEND -DSTALL
expect_pass "grow wake-up, an End serves the woken waiter, before effect" \
  safety $gw -DK=1 -DEND -DSTALL_ALERTED
for m in MUTANT_GROW_WAKES_NOBODY MUTANT_ALERT_BEFORE_DESC \
  MUTANT_SLEEP_IGNORES_GROW MUTANT_HELP_SKIPS_RESIZE; do
  expect_caught_by "asleep" "mutant $m (asleep beside the room)" safety \
    $gw -DSTALL_ANY -D$m
done
expect_caught_by "asleep" \
  "mutant MUTANT_ONLY_PUBLISHER_WAKES (asleep beside its published grant)" \
  safety $gw -DSTALL_ANY -DMUTANT_ONLY_PUBLISHER_WAKES
expect_caught_by "asleep" \
  "mutant MUTANT_RETURN_IGNORES_GROW (asleep beside the room)" safety $gw \
  -DK=1 -DEND -DSTALL -DMUTANT_RETURN_IGNORES_GROW
expect_caught_by "gwoke" \
  "mutant MUTANT_RETURN_IGNORES_GROW (waits for the grower alone)" safety \
  $gw -DK=1 -DEND -DSTALL_ALERTED -DMUTANT_RETURN_IGNORES_GROW
expect_caught_by "assertion violated" \
  "limit: the grower and a woken or helping caller both stop" safety $gw \
  -DSTALL_ANY -DLIMIT_WAITER_STOPS
# src/'s shrink (shrink_records.pml with HELPED, in the resize part): the
# descriptor published, the words hinted for the new epoch, then the debt
# added and the epoch stepped (the linearization point), each step helped
# by a claim that finds a word hinted for an epoch G has not reached;
# claims in a hinted word pay the debt with free slots through marks
# settled by one CAS of G, Ends pay it with theirs, a proof counts free and
# marked slots against it; no claim record. Exact, and nobody waits for a
# resizer that stops for good after its hint (STALL); resize.pml's shrink
# is the closed one src/ had before (its grow is src/'s).
as_part=resize
model=shrink_records.pml
expect_pass "src shrink 3 -> 2, two sessions held" big -DROUNDS=1 -DHELPED
expect_pass "src shrink 3 -> 2, two held, the resizer stops" big -DROUNDS=1 \
  -DHELPED -DSTALL
expect_pass "src shrink 3 -> 1, none held, the resizer stops" big -DROUNDS=1 \
  -DHELPED -DHELD=0 -DK1=2 -DSTALL
expect_pass "src shrink 3 -> 2 -> 1, two sessions held" big -DROUNDS=1 \
  -DHELPED -DK2=1
expect_pass "src shrink 3 -> 2, two held, 2 rounds, the resizer stops" big \
  -DHELPED -DSTALL
expect_caught_by "invalid end state" \
  "mutant MUTANT_HOLD (kShrinkHoldsClaims: claims wait, no help)" big \
  -DROUNDS=1 -DHELPED -DHELD=0 -DK1=2 -DSTALL -DMUTANT_HOLD
expect_caught_by "open>=cap" "mutant MUTANT_MARK_BLOCKS (src shrink)" big \
  -DROUNDS=1 -DHELPED -DCLIENTS=3 -DHELD=0 -DK1=2 -DMUTANT_MARK_BLOCKS
as_part=
# Past the ring's limit (overflow.pml, in the base part): the overflow list,
# its flag bits and the mailbox; first come, first served across the ring
# and the list, no lost wake-up, exact time-outs, nothing stranded, and the
# Stop's gate rules.
model=overflow.pml
expect_pass "overflow list, 3 clients x 2 rounds (safety)" safety
expect_pass "overflow list, 3 clients, timeouts (safety)" safety -DTIMEOUTS \
  -DROUNDS=1
expect_pass "overflow list, 2 slots, 4 clients (safety)" safety -DN=2 \
  -DHELD=2 -DCLIENTS=4 -DROUNDS=1
expect_pass "overflow list + Stop, timeouts (safety)" safety -DWITH_STOP \
  -DTIMEOUTS -DROUNDS=1
expect_pass "overflow list + Stop, 2 slots, 3 clients x 2 rounds (safety)" \
  safety -DN=2 -DHELD=2 -DCLIENTS=3 -DROUNDS=2 -DWITH_STOP
expect_pass "overflow list, 2 slots, 3 clients x 2 rounds, timeouts (safety)" \
  safety -DN=2 -DHELD=2 -DCLIENTS=3 -DROUNDS=2 -DTIMEOUTS
expect_caught "mutant MUTANT_END_IGNORES_V" safety -DMUTANT_END_IGNORES_V
expect_caught_by "arrof" "mutant MUTANT_NEWCOMER_IGNORES_V" safety \
  -DMUTANT_NEWCOMER_IGNORES_V
expect_caught "mutant MUTANT_PUSH_WITHOUT_G" safety -DMUTANT_PUSH_WITHOUT_G
expect_caught "mutant MUTANT_CLEAR_G_ON_EMPTY (2 slots, 5 clients)" safety \
  -DN=2 -DHELD=2 -DCLIENTS=5 -DROUNDS=1 -DMUTANT_CLEAR_G_ON_EMPTY
expect_caught_by "bmade" "mutant MUTANT_PUSH_UNGATED" safety -DWITH_STOP \
  -DMUTANT_PUSH_UNGATED
expect_caught_by "owner[k]==255" "mutant MUTANT_FLAG_LEAVE_IGNORES_MAILBOX" safety \
  -DWITH_STOP -DMUTANT_FLAG_LEAVE_IGNORES_MAILBOX
expect_caught_by "owed" "mutant MUTANT_HEAD_TAKES_TOP (2 slots)" safety \
  -DN=2 -DHELD=2 -DCLIENTS=3 -DROUNDS=2 -DWITH_STOP -DMUTANT_HEAD_TAKES_TOP
expect_caught_by "mailed" "mutant MUTANT_LEAVER_IGNORES_MAIL (2 slots, timeouts)" \
  safety -DN=2 -DHELD=2 -DCLIENTS=3 -DROUNDS=2 -DTIMEOUTS \
  -DMUTANT_LEAVER_IGNORES_MAIL
expect_caught_by "mailed" "mutant MUTANT_LEAVER_IGNORES_MAIL (2 slots, Stop)" \
  safety -DN=2 -DHELD=2 -DCLIENTS=3 -DROUNDS=2 -DWITH_STOP \
  -DMUTANT_LEAVER_IGNORES_MAIL
expect_caught_by "mailed" "mutant MUTANT_MAIL_PAST_CALLERS (2 slots)" \
  safety -DN=2 -DHELD=2 -DCLIENTS=4 -DROUNDS=1 -DMUTANT_MAIL_PAST_CALLERS
model=full_flag.pml
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "model, 3 clients x 2 rounds (progress)" progress $fix
  expect_pass "lifecycle, 3 clients, 1 -> 2 words (progress)" progress $fix \
    -DLIFECYCLE
  expect_caught "mutant: no pre-CAS pending filter, livelock (lifecycle)" \
    livelock -DLIFECYCLE
  model=wait_queue.pml expect_pass "wait queue + Stop, 3 clients (safety)" \
    safety -DWITH_STOP -DCLIENTS=3 -DROUNDS=1
fi
if [[ ${SPIN_WEAK:-0} == 1 ]]; then
  expect_pass "MUTANT_RESET_STORE, sequentially consistent (harmless)" \
    safety $fix -DLIFECYCLE -DMUTANT_RESET_STORE
  expect_caught "mutant MUTANT_RESET_STORE + WEAK_RESET_LOAD (4 clients)" \
    search $fix -DLIFECYCLE -DCLIENTS=4 -DFIXED_HINT -DMUTANT_RESET_STORE \
    -DWEAK_RESET_LOAD
fi
# A lock-free resize, designed and not built (SPIN_PART=design only; see
# the two models' headers). shrink_records.pml: the shrink half (hints, the
# debt in G, marks settled by one CAS of G, Ends that pay), with the
# resizer running on or stopping for good after its linearization point
# (STALL); grow_units.pml: the grow half (units handed in order to the
# oldest ticket or the pool through records in G), and the flaws a
# fresh-eyes review found in it, each an "open" row that must fail beside
# its fix that must pass; grow_claims.pml: a variant of the grow whose
# room stays in G until a claim takes it (no listed slots, no pool units).
one=-DROUNDS=1
model=shrink_records.pml
expect_pass "shrink 3 -> 2, two sessions held" big $one
expect_pass "shrink 3 -> 2, two held, the resizer stops" big $one -DSTALL
# (Two claimers with no session held and a resizer that runs on, or three
# clients, go past 16 GB: incomplete at 3 * 10^8 states.)
expect_pass "shrink 3 -> 1, none held, the resizer stops" big $one -DHELD=0 \
  -DK1=2 -DSTALL
expect_pass "shrink 3 -> 2 -> 1, two sessions held" big $one -DK2=1
expect_pass "shrink 3 -> 2, two held, 2 rounds, the resizer stops" big -DSTALL
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "shrink 3 -> 2, two sessions held, 2 rounds" big -DROUNDS=2
fi
expect_caught_by "open<cap" "mutant MUTANT_PLAIN_IN_NEXT" big $one -DHELD=0 \
  -DK1=2 -DMUTANT_PLAIN_IN_NEXT
expect_caught_by "open<cap" "mutant MUTANT_HINTLESS_SHRINK" big $one \
  -DHELD=0 -DK1=2 -DMUTANT_HINTLESS_SHRINK
expect_caught_by "open<cap" "mutant MUTANT_SETTLE_ANY" big $one -DHELD=0 \
  -DK1=2 -DMUTANT_SETTLE_ANY
expect_caught_by "open>=cap" "mutant MUTANT_MARK_BLOCKS" big $one \
  -DCLIENTS=3 -DHELD=0 -DK1=2 -DMUTANT_MARK_BLOCKS
# grow_claims.pml: the grow's room kept in G as units, taken by claims
# with no record, handed to tickets through a record (see its header).
model=grow_claims.pml
expect_pass "units in G: grow 1 -> 2, holder, waiter, newcomer" big
expect_pass "units in G, the grower stops after its linearization point" \
  big -DSTALL
expect_pass "units in G, the grower stops at any step" big -DSTALL_ANY
expect_pass "units in G: grow 1 -> 3" big -DCAP1=3
expect_pass "units in G: grow 1 -> 3, the grower stops at any step" big \
  -DCAP1=3 -DSTALL_ANY
expect_caught_by "cancelled" "mutant MUTANT_TAKE_PAST_TICKETS" big \
  -DMUTANT_TAKE_PAST_TICKETS
expect_caught_by "open>=cap" "mutant MUTANT_PROVER_IGNORES_RECORD" big \
  -DMUTANT_PROVER_IGNORES_RECORD
expect_caught_by "free+units" "mutant MUTANT_DROP_LOSES_UNIT" big \
  -DMUTANT_DROP_LOSES_UNIT
expect_caught_by "invalid end state" "mutant MUTANT_DECIDER_DELIVERS" big \
  -DSTALL_ANY -DMUTANT_DECIDER_DELIVERS
expect_caught_by "open>=cap" "mutant MUTANT_LEAVE_IGNORES_UNITS" big \
  -DMUTANT_LEAVE_IGNORES_UNITS
# resize_claims.pml: grow_claims.pml's grow beside src/'s shrink on one
# pair (the amount a debt or units, payers' records and grant records, one
# at a time; see its header).
model=resize_claims.pml
expect_pass "shrink 2 -> 1, grow 1 -> 2: holder, waiter, newcomer" big
# The mutant of the grant's bit (src/'s kGrantSkipsBit: the finisher that
# opens the slot sets the bit a payer left free only after its open, and
# another finisher publishes the slot in between) runs in the resize part
# too, as a model of src/: a bitstate search finds it in about 20 s and
# 0.2 GB (the exhaustive search, 1 minute and 5 GB, in the design part).
as_part=resize
expect_caught_by "bits[got]==1" "mutant MUTANT_GRANT_SKIPS_BIT (search)" \
  search -DMUTANT_GRANT_SKIPS_BIT
as_part=
expect_caught_by "bits[got]==1" "mutant MUTANT_GRANT_SKIPS_BIT" big \
  -DMUTANT_GRANT_SKIPS_BIT
expect_pass "shrink, grow, the resizer stops after the grow" big -DSTALL
# (-O0: gcc -O1 takes minutes over this pan.c)
opt=-O0 expect_pass \
  "shrink 2 -> 1, grow, the resizer stops at any step, two clients" big \
  -DSTALL_ANY -DCLIENTS=2
expect_pass "shrink 2 -> 0, grow 0 -> 1, holder and waiter" big -DKS=2 \
  -DCLIENTS=2
expect_pass "grow 1 -> 2, shrink 2 -> 1" big -DGROW_FIRST -DCAP0=1
expect_pass "grow 1 -> 2, shrink 2 -> 1, the resizer does not help" big \
  -DGROW_FIRST -DCAP0=1 -DNOHELP
# The rule the model found: a shrink beside a pending grant record lets
# the record's commit begin a session at the capacity.
expect_caught_by "open<cap" "a shrink beside a pending grant record" big \
  -DGROW_FIRST -DCAP0=1 -DNOHELP -DSHRINK_BESIDE_GRANT
expect_caught_by "cancelled" "mutant MUTANT_TAKE_PAST_TICKETS" big \
  -DMUTANT_TAKE_PAST_TICKETS
expect_caught_by "open>=cap" "mutant MUTANT_PROVER_IGNORES_RECORD" big \
  -DMUTANT_PROVER_IGNORES_RECORD
expect_caught_by "free+" "mutant MUTANT_DROP_LOSES_UNIT" big \
  -DMUTANT_DROP_LOSES_UNIT
expect_caught_by "invalid end state" "mutant MUTANT_DECIDER_DELIVERS" big \
  -DSTALL_ANY -DMUTANT_DECIDER_DELIVERS
expect_caught_by "open>=cap" "mutant MUTANT_LEAVE_IGNORES_UNITS" big \
  -DMUTANT_LEAVE_IGNORES_UNITS
expect_caught_by "open<cap" "mutant MUTANT_GROW_KEEPS_DEBT" big -DKS=2 \
  -DCLIENTS=2 -DWAITERS=0 -DMUTANT_GROW_KEEPS_DEBT
expect_caught_by "opened==open" "mutant MUTANT_TAKE_MARKED" big -DCLIENTS=2 \
  -DWAITERS=0 -DMUTANT_TAKE_MARKED
expect_caught_by "bits[i]==1" "mutant MUTANT_TAKER_SKIPS_BIT" big \
  -DMUTANT_TAKER_SKIPS_BIT
expect_caught_by "free+" "mutant MUTANT_SHRINK_IGNORES_UNITS" big \
  -DGROW_FIRST -DCAP0=1 -DMUTANT_SHRINK_IGNORES_UNITS
model=grow_units.pml
expect_pass "grow 1 -> 2, holder, waiter, newcomer" big $one
expect_pass "grow, the grower stops" big $one -DSTALL
expect_pass "grow, deadlines" big $one -DTIMEOUTS
expect_pass "grow, deadlines, the grower stops" big $one -DTIMEOUTS -DSTALL
expect_pass "grow 1 -> 3 (two units)" big $one -DCAP1=3
expect_pass "grow 1 -> 3, the grower stops, deadlines" big $one -DCAP1=3 \
  -DSTALL -DTIMEOUTS
expect_pass "grow, two waiters" big $one -DWAITERS=2
expect_pass "grow 1 -> 3, two waiters, deadlines, the grower stops" big $one \
  -DCAP1=3 -DWAITERS=2 -DTIMEOUTS -DSTALL
expect_pass "grow, a long-held session (HOLDER)" big $one -DHOLDER
expect_pass "grow, HOLDER, the grower stops, deadlines" big $one -DHOLDER \
  -DSTALL -DTIMEOUTS
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "grow, two waiters, deadlines" big $one -DWAITERS=2 -DTIMEOUTS
fi
# The documented limit: a waiter with no deadline that nobody helps sleeps
# beside the room of a grower that stopped.
expect_caught_by "invalid end state" \
  "grow, HOLDER, the grower stops, no deadline (the limit)" big $one \
  -DHOLDER -DSTALL
expect_caught_by "open>=cap" "mutant MUTANT_PROVER_IGNORES_UNITS" big $one \
  -DSTALL -DMUTANT_PROVER_IGNORES_UNITS
expect_caught_by "cancelled" "mutant MUTANT_UNIT_SKIPS_QUEUE" big $one \
  -DMUTANT_UNIT_SKIPS_QUEUE
expect_caught "mutant MUTANT_NO_RECORD" big $one -DMUTANT_NO_RECORD
expect_caught "mutant MUTANT_CANCEL_USES_UNIT" big $one -DTIMEOUTS \
  -DMUTANT_CANCEL_USES_UNIT
expect_caught_by "i>=c0" "mutant MUTANT_LEAVE_IGNORES_UNITS" big $one \
  -DTIMEOUTS -DSTALL -DMUTANT_LEAVE_IGNORES_UNITS
expect_caught "open 1: a verified flag beside a claimable slot" bfs $one \
  -DMONITOR
expect_caught_by "open>=cap" "open 1: src/'s flag paths answer full beside it" \
  bfs $one -DSRC_FLAG
expect_pass "fixed 1: the pool's decide clears the flag" big $one \
  -DSRC_FLAG -DMONITOR -DFIX_POOLCLEAR
expect_caught_by "open<cap" "open 2: a stale helper across two grows" bfs \
  $one -DWAITERS=0 -DTWO_GROWS -DCAP2=3
expect_caught_by "open>=cap" "open 2: the pair comes back (grow, shrink, grow)" \
  bfs $one -DWAITERS=0 -DABA -DLSEQ_ONLY
expect_pass "fixed 2: a grow number in G and in listed slots" big $one \
  -DWAITERS=0 -DABA -DGROWSEQ
expect_caught_by "open>=cap" \
  "open 3: a cancelled cell readied before the record ends" bfs $one \
  -DRING=1 -DTIMEOUTS -DREADY_BEFORE_END
expect_pass "fixed 3: the decision from the slot" big $one -DRING=1 \
  -DTIMEOUTS -DREADY_BEFORE_END -DFIX_CTLDECIDE
expect_caught_by "seen" "open 4: a proof in steps misses a grow" bfs $one \
  -DWAITERS=0 -DPROOF_SPLIT
expect_pass "fixed 4: the pair read again after the collects" big $one \
  -DWAITERS=0 -DPROOF_SPLIT -DPROOF_FIX
expect_caught_by "listedat" \
  "open 5: a unit to the pool past a listed caller" bfs $one \
  -DLISTGHOST -DLISTED_CLIENT=1
# The list's units through mail records in G: client 1 waits in the
# overflow list (never a ticket), with the list, its lock, the flag's
# listed and mailed bits and the Ends' mailbox modelled.
list="-DLISTGHOST -DLISTED_CLIENT=1 -DFIX_MAIL"
expect_pass "fixed 5: a mail record for the list, its grant in G" big $one \
  $list
expect_pass "fixed 5, deadlines" big $one $list -DTIMEOUTS
expect_pass "fixed 5, deadlines, the grower stops" big $one $list -DTIMEOUTS \
  -DSTALL
expect_pass "fixed 5, two waiters (two listed)" big $one $list -DWAITERS=2
expect_pass "fixed 5, two waiters, the grower stops" big $one $list \
  -DWAITERS=2 -DSTALL
expect_pass "fixed 5, 1 -> 3 (two units)" big $one $list -DCAP1=3
expect_pass "fixed 5, 1 -> 3, deadlines, the grower stops" big $one $list \
  -DCAP1=3 -DTIMEOUTS -DSTALL
expect_pass "fixed 5, HOLDER, the grower stops, deadlines" big $one $list \
  -DHOLDER -DSTALL -DTIMEOUTS
expect_pass "fixed 5, two grows (a grow number)" big $one $list -DTWO_GROWS \
  -DCAP2=3 -DGROWSEQ
expect_pass "fixed 5, a ring of one cell, two waiters, deadlines, stops" big \
  $one -DLISTGHOST -DFIX_MAIL -DRING=1 -DWAITERS=2 -DTIMEOUTS -DSTALL \
  -DFIX_CTLDECIDE
expect_pass "fixed 1 and 5 together" big $one $list -DSRC_FLAG -DMONITOR \
  -DFIX_POOLCLEAR
if [[ ${SPIN_LARGE:-0} == 1 ]]; then
  expect_pass "fixed 5, two waiters, deadlines" big $one $list -DWAITERS=2 \
    -DTIMEOUTS
fi
# The limit, for a listed caller too: with no deadline it sleeps beside a
# unit that nobody decides.
expect_caught_by "invalid end state" \
  "fixed 5, HOLDER, the grower stops, no deadline (the limit)" big $one \
  $list -DHOLDER -DSTALL
expect_caught_by "listedat" "mutant MUTANT_MAIL_SKIPS_LIST" big $one $list \
  -DMUTANT_MAIL_SKIPS_LIST
expect_caught_by "cancelled" "mutant MUTANT_MAIL_BEFORE_TICKETS" big $one \
  $list -DWAITERS=2 -DMUTANT_MAIL_BEFORE_TICKETS
expect_caught_by "mb==0" "mutant MUTANT_CLOSE_IGNORES_MAILREC (stranded)" big \
  $one $list -DMUTANT_CLOSE_IGNORES_MAILREC
expect_caught_by "mb==0" "mutant MUTANT_SETTLE_IGNORES_G (stranded)" big \
  $one $list -DWAITERS=2 -DMUTANT_SETTLE_IGNORES_G
expect_caught_by "open>=cap" "mutant MUTANT_LISTED_LEAVE_IGNORES_UNITS" big \
  $one $list -DTIMEOUTS -DSTALL -DMUTANT_LISTED_LEAVE_IGNORES_UNITS
# resize_pair.pml: the two halves on one pair. With its steps atomic as
# the halves have them, then with SRC_SPLIT (a claim is a CAS of the pool
# word alone, a mark of the control word alone, a settle of G alone, as
# src/ can do them): four flaws a fresh-eyes review found that way, each
# an "open" row that must fail, and the four fixes together, which pass
# with two clients (three clients go past 16 GB: not run here).
model=resize_pair.pml
expect_pass "pair: shrink 1, grow 1, one held" big $one
expect_pass "pair: the resizer stops after the shrink" big $one -DSTALL1
expect_pass "pair: the resizer stops after the grow" big $one -DSTALL2
expect_pass "pair: grow 1, shrink 1 (a claimable slot left)" big $one \
  -DOP1=2 -DOP2=1 -DCAP0=1
expect_pass "pair: grow 2, the resizer stops" big $one -DOP1=2 -DOP2=0 \
  -DCAP0=1 -DK1=2 -DSTALL1
expect_pass "pair: two held, a debt that the grow cancels" big $one \
  -DHELD=2 -DK2=2
expect_pass "pair: a holder and a waiter, shrink 1, grow 2" big $one \
  -DWAITERS=1 -DK2=2
expect_pass "pair: the same, deadlines" big $one -DWAITERS=1 -DK2=2 -DTIMEOUTS
expect_pass "pair: the same, deadlines, the resizer stops" big $one \
  -DWAITERS=1 -DK2=2 -DTIMEOUTS -DSTALL2
expect_caught_by "r-D" "mutant MUTANT_GROW_KEEPS_DEBT" bfs $one -DHELD=2 \
  -DMUTANT_GROW_KEEPS_DEBT
expect_caught_by "r-D" "mutant MUTANT_GROW_STALE_DEBT" bfs $one -DHELD=2 \
  -DMUTANT_GROW_STALE_DEBT
expect_caught_by "open<cap" "mutant MUTANT_CLAIMABLE_PLAIN" bfs $one \
  -DOP1=2 -DOP2=1 -DCAP0=1 -DMUTANT_CLAIMABLE_PLAIN
expect_caught_by "r-D" "mutant MUTANT_UNIT_PAST_RECORD" bfs $one \
  -DMUTANT_UNIT_PAST_RECORD
split="-DSRC_SPLIT -DCLIENTS=3"
expect_caught_by "ctl[mine]==0" \
  "open (pair) 1: the hint's set and clear leave the word as it was" bfs \
  $one $split
expect_caught_by "ctl[mine]==0" \
  "open (pair) 2: a payment between the peek and the read of G" bfs $one \
  $split -DFIX_HINTVER
expect_caught_by "open<cap" \
  "open (pair) 3: a mark's tag from G at the mark, not at the read" bfs \
  $one $split -DFIX_HINTVER -DFIX_OPENCAS
expect_caught_by "bits[s]==1" \
  "open (pair) 4: a listed slot's bit held for a moment by a claim" big \
  $one $split -DFIX_HINTVER -DFIX_OPENCAS -DFIX_MARKTAG
fixes="-DSRC_SPLIT -DFIX_HINTVER -DFIX_OPENCAS -DFIX_MARKTAG -DFIX_PEEKAFTER"
fixes="$fixes -DFIX_GROWSEQ"
expect_pass "fixed (pair): shrink 1, grow 1, two clients" big $one $fixes
expect_pass "fixed (pair): grow 1, shrink 1" big $one $fixes -DOP1=2 \
  -DOP2=1 -DCAP0=1
expect_pass "fixed (pair): the resizer stops after the grow" big $one \
  $fixes -DSTALL2
# Gating (GATES=1: a Stop's gate; GATES=2: Unavailable's end gate, which
# refuses End and gates no End's grant): a claim record settled only
# before the gate, a unit decided after it goes to the pool, a waiter
# leaves on the flag (the gate set, then its place read), a gated grant
# ended again. The open row: a waiter whose deadline's state read found no
# flag cancels with OutOfSessions beside a unit that went to the pool after
# the gate; fixed by FIX_LEAVEGATE (the flag read that finds the gate takes
# the flag's path).
gw="-DOP1=2 -DOP2=0 -DCAP0=1 -DWAITERS=1"
expect_pass "gates (pair): shrink 1, grow 1, one held, a Stop" big $one -DGATES
expect_pass "gates (pair): two held, a debt the grow cancels, a Stop" big \
  $one -DHELD=2 -DK2=2 -DGATES
expect_pass "gates (pair): a holder, a waiter, shrink 1, a Stop" big $one \
  -DOP2=0 -DWAITERS=1 -DGATES
expect_pass "gates (pair): a holder, a waiter, shrink 1, Unavailable" big \
  $one -DOP2=0 -DWAITERS=1 -DGATES=2
expect_pass "gates (pair): a holder, a waiter, grow 1, a Stop" big $one $gw \
  -DGATES
expect_pass "gates (pair): the same, Unavailable" big $one $gw -DGATES=2
expect_pass "gates (pair): the same, a Stop, the resizer stops" big $one $gw \
  -DGATES -DSTALL1
expect_pass "gates (pair): the same, a Stop, fixes" big $one $gw -DGATES \
  $fixes
expect_pass "gates (pair): the same, Unavailable, fixes" big $one $gw \
  -DGATES=2 $fixes
expect_caught_by "fullat" \
  "open (gates) 1: a deadline's OutOfSessions beside a unit pooled after the gate" \
  bfs $one $gw -DGATES -DTIMEOUTS
expect_pass "fixed (gates) 1: the gate at the flag read, a Stop" big $one \
  $gw -DGATES -DTIMEOUTS -DFIX_LEAVEGATE
expect_pass "fixed (gates) 1: the gate at the flag read, Unavailable" big \
  $one $gw -DGATES=2 -DTIMEOUTS -DFIX_LEAVEGATE
expect_caught_by "dafter" "mutant MUTANT_UNIT_UNGATED (a Stop)" bfs $one \
  $gw -DGATES -DMUTANT_UNIT_UNGATED
expect_caught_by "dafter" "mutant MUTANT_UNIT_UNGATED (Unavailable)" bfs \
  $one $gw -DGATES=2 -DMUTANT_UNIT_UNGATED
expect_caught_by "lpafter" "mutant MUTANT_SETTLE_UNGATED" bfs $one -DOP1=2 \
  -DOP2=0 -DCAP0=1 -DGATES -DMUTANT_SETTLE_UNGATED
expect_caught_by "dafter" "mutant MUTANT_HANDOFF_UNGATED" bfs $one $gw \
  -DGATES -DMUTANT_HANDOFF_UNGATED
expect_caught_by "skipped" "mutant MUTANT_END_GRANT_GATED (Unavailable)" \
  bfs $one $gw -DGATES=2 -DMUTANT_END_GRANT_GATED
expect_caught_by "skipped" "mutant MUTANT_NO_AWAIT_ENDS (Unavailable)" bfs \
  $one $gw -DGATES=2 -DMUTANT_NO_AWAIT_ENDS
# The overflow list on the pair (LIST, grow_units.pml's FIX_MAIL): a
# holder, a caller that waits in the list (client 1) and a newcomer.
pl="-DOP1=2 -DOP2=0 -DCAP0=1 -DWAITERS=1 -DLIST"
expect_pass "list (pair): a holder, a listed caller, grow 1" big $one $pl
expect_pass "list (pair): the same, deadlines" big $one $pl -DTIMEOUTS
expect_pass "list (pair): the same, deadlines, the resizer stops" big $one \
  $pl -DTIMEOUTS -DSTALL1
expect_pass "list (pair): the same, fixes" big $one $pl $fixes
# (A newcomer beside them, three clients: past 1.28 x 10^8 states and 6 GB,
# not run to the end.)
expect_caught_by "listedat" "mutant MUTANT_MAIL_SKIPS_LIST (a newcomer)" bfs \
  $one $pl -DCLIENTS=3 -DMUTANT_MAIL_SKIPS_LIST
expect_caught_by "mb==0" "mutant MUTANT_CLOSE_IGNORES_MAILREC (stranded)" \
  bfs $one $pl -DMUTANT_CLOSE_IGNORES_MAILREC
expect_caught_by "open>=cap" "mutant MUTANT_LISTED_LEAVE_IGNORES_UNITS" bfs \
  $one $pl -DTIMEOUTS -DSTALL1 -DMUTANT_LISTED_LEAVE_IGNORES_UNITS
case ${SPIN_PART:-all} in
  design)
    echo "spin (shrink_records.pml, grow_claims.pml, resize_claims.pml," \
      "grow_units.pml, resize_pair.pml: a" \
      "design): shrinks and grows verified apart and on one pair (exact," \
      "the debt, first come first served, nobody waits for a stopped" \
      "resizer but a waiter with no deadline; on the pair, gated by a Stop" \
      "or Unavailable, and with the overflow list), the reviews' flaws shown" \
      "and fixed, $caught of $caught error runs as expected"
    exit 0
    ;;
  resize)
    echo "spin (resize.pml, grow_wakeup.pml, shrink_records.pml as src/'s" \
      "shrink, resize_claims.pml's grant mutant): resizes verified (exact," \
      "the debt and the reserved slots, the count, the payer record against" \
      "JetExtGetSessionSlot, nobody waits for a stopped shrink, no waiter" \
      "sleeps beside a stopped grower's room), a grant that leaves a" \
      "payer's bit caught, $caught of $caught error runs as expected"
    exit 0
    ;;
  base)
    echo "spin (full_flag.pml, wait_queue.pml, overflow.pml): model" \
      "verified with the pre-CAS pending filter, the wait queue and its" \
      "overflow list, $caught of $caught mutant runs caught"
    exit 0
    ;;
esac
echo "spin: model verified with the pre-CAS pending filter (safety and" \
  "progress, one incarnation, the lifecycle and a version wrap), the wait" \
  "queue (no lost wake-up, no verified flag beside a free slot, first come" \
  "first served, Stop wakes every waiter), resizes (exact, the debt and" \
  "the reserved slots, the count, the payer record against" \
  "JetExtGetSessionSlot), $caught of $caught mutant runs caught"
