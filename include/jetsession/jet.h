/*
 * jetsession/jet.h: the C API of jetsession, the session calls of the
 * Extensible Storage Engine (ESE, esent.h) with ESE's names, signatures and
 * error values.
 *
 * Compiles as C99 and as C++17 or later. Every function is extern "C", never
 * throws, never aborts on any input and returns a JET_ERR. The behaviour of
 * every call is the one written in docs/api.md and in the session contract;
 * the comment above each function lists its results in check order (first
 * failure wins).
 *
 * Thread safety: every function may be called from any number of threads at
 * once, on the same or different instances and sessions; every call is
 * linearizable. JetBeginSession, JetDupSession and JetEndSession are
 * lock-free, also while JetExtSetMaxSessions runs on their instance;
 * JetInit, JetTerm, JetTerm2 and the parameter calls may block.
 */
#ifndef JETSESSION_JET_H_
#define JETSESSION_JET_H_

/* A C99 header: typedef and <stdint.h>, not using and <cstdint>. */
/* NOLINTBEGIN(modernize-use-using,modernize-deprecated-headers) */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define JET_NOEXCEPT_ noexcept
#else
#define JET_NOEXCEPT_
#endif

typedef int32_t JET_ERR;
typedef uintptr_t JET_API_PTR;
typedef JET_API_PTR JET_INSTANCE;
typedef JET_API_PTR JET_SESID;
typedef uint32_t JET_GRBIT;
/* NOLINTEND(modernize-use-using,modernize-deprecated-headers) */

#define JET_API /* empty on this platform */

#define JET_instanceNil (~(JET_INSTANCE)0)
#define JET_sesidNil (~(JET_SESID)0)

#define JET_paramMaxSessions 5
#define JET_paramMaxInstances 104
/*
 * Extensions (ids outside ESE's range). JET_paramExtSessionTracking: 0 (the
 * default) or 1; with 1, each session records when and on which OS thread
 * it began (JetExtGetOpenSessions). Set as JET_paramMaxSessions is: per
 * instance before JetInit, or the process-wide default with a NULL
 * instance; on a Running instance only its own value is accepted
 * (AlreadyInitialized otherwise); other values -> InvalidParameter. It costs
 * Begin and Dup a clock read and a store; without it they cost nothing.
 */
#define JET_paramExtSessionTracking 10002
/*
 * JET_paramExtMaxSessionsCeiling: the largest capacity the instance may be
 * given while it runs, 0..30000 (else InvalidParameter); JetInit allocates
 * room for it. Default: MaxSessions as set at JetInit; a ceiling below
 * MaxSessions counts as MaxSessions, and reading it gives the effective
 * ceiling, max(ceiling, MaxSessions at JetInit). Set as JET_paramMaxSessions
 * (on a Running instance only its effective value is accepted). On a
 * Running instance, JET_paramMaxSessions reads the capacity in force
 * (JetExtSetMaxSessions).
 */
#define JET_paramExtMaxSessionsCeiling 10001

#define JET_bitTermComplete 0x00000001
#define JET_bitTermAbrupt 0x00000002
#define JET_bitTermStopBackup 0x00000004
#define JET_bitTermDirty 0x00000008

#define JET_errSuccess 0
#define JET_errInvalidGrbit (-900)
#define JET_errRestoreInProgress (-506)
#define JET_errTermInProgress (-1000)
#define JET_errInvalidParameter (-1003)
#define JET_errOutOfMemory (-1011)
#define JET_errNotInitialized (-1029)
#define JET_errAlreadyInitialized (-1030)
#define JET_errInitInProgress (-1031)
#define JET_errTooManyActiveUsers (-1059)
#define JET_errRunningInOneInstanceMode (-1080)
#define JET_errRunningInMultiInstanceMode (-1081)
#define JET_errSystemParamsAlreadySet (-1082)
#define JET_errInstanceNameInUse (-1086)
#define JET_errInstanceUnavailable (-1090)
#define JET_errInvalidSesparamId (-1093)
#define JET_errOutOfSessions (-1101)
#define JET_errInvalidSesid (-1104)
#define JET_errInvalidInstance (-1115)
#define JET_errDirtyShutdown (-1116)
#define JET_errTooManyInstances (-1214)
#define JET_errClientRequestToStopJetService (-1329)
#define JET_errSessionSharingViolation (-1910)
#define JET_errSessionContextAlreadySet (-1912)
#define JET_errSessionContextNotSetByThisThread (-1913)
#define JET_errSessionInUse (-1914)

/*
 * Creates an instance in state Created and enters multi-instance mode.
 * Results: pinstance NULL -> InvalidParameter; one-instance mode ->
 * RunningInOneInstanceMode; JET_paramMaxInstances instances live ->
 * TooManyInstances; szInstanceName equals a live instance's name (NULL and ""
 * are the same, unnamed, name) -> InstanceNameInUse; no memory ->
 * OutOfMemory; else Success and *pinstance holds the new handle (never 0,
 * never JET_instanceNil). On failure *pinstance is left as it was.
 */
JET_ERR JET_API JetCreateInstance(JET_INSTANCE* pinstance,
                                  const char* szInstanceName) JET_NOEXCEPT_;

/*
 * Sets JET_paramMaxSessions (0..30000, per instance or process default) or
 * JET_paramMaxInstances (1..10240, process-wide). Results: sesid neither 0
 * nor JET_sesidNil and not an open session -> InvalidSesid; its instance
 * terminating -> TermInProgress; a call on that session in flight on
 * another thread -> SessionSharingViolation (before TermInProgress when
 * that call is an End); without a sesid, *pinstance not 0/nil and not live
 * -> InvalidInstance; instance terminating -> TermInProgress; paramid
 * unknown -> InvalidParameter; then the parameter's rules
 * (AlreadyInitialized before the range check). szParam is ignored.
 */
JET_ERR JET_API JetSetSystemParameter(JET_INSTANCE* pinstance, JET_SESID sesid,
                                      unsigned long paramid, JET_API_PTR lParam,
                                      const char* szParam) JET_NOEXCEPT_;

/*
 * Reads a parameter into *plParam. Results: plParam NULL ->
 * InvalidParameter; then the handle checks of JetSetSystemParameter; paramid
 * unknown -> InvalidParameter. szParam and cbMax are ignored.
 */
JET_ERR JET_API JetGetSystemParameter(JET_INSTANCE instance, JET_SESID sesid,
                                      unsigned long paramid,
                                      JET_API_PTR* plParam, char* szParam,
                                      unsigned long cbMax) JET_NOEXCEPT_;

/*
 * Allocates the session pool of a Created instance and moves it to Running.
 * *pinstance 0 or JET_instanceNil (or pinstance NULL) creates a new unnamed
 * instance first (see docs/api.md for the run modes). Results: stale or
 * garbage handle -> InvalidInstance; terminating -> TermInProgress; Running
 * -> AlreadyInitialized; Restoring -> RestoreInProgress. With 0, nil or
 * NULL: one-instance mode -> AlreadyInitialized; pinstance NULL in
 * multi-instance mode -> RunningInMultiInstanceMode; then the checks of
 * JetCreateInstance (TooManyInstances, InstanceNameInUse). No memory ->
 * OutOfMemory, the instance is freed and *pinstance set to 0.
 */
JET_ERR JET_API JetInit(JET_INSTANCE* pinstance) JET_NOEXCEPT_;

/*
 * Opens a session on a Running instance; szUserName and szPassword are
 * ignored. Lock-free. Results in order: psesid NULL -> InvalidParameter;
 * instance not 0/nil and not live -> InvalidInstance; 0/nil outside
 * one-instance mode -> InvalidParameter; stopped ->
 * ClientRequestToStopJetService; unavailable -> InstanceUnavailable;
 * terminating -> TermInProgress; Restoring -> RestoreInProgress; Created ->
 * NotInitialized; MaxSessions open -> OutOfSessions (exact); else Success.
 * On failure *psesid is set to JET_sesidNil.
 */
JET_ERR JET_API JetBeginSession(JET_INSTANCE instance, JET_SESID* psesid,
                                const char* szUserName,
                                const char* szPassword) JET_NOEXCEPT_;

/*
 * Opens a new session on the instance that owns sesid, as JetBeginSession
 * does; copies no state. Lock-free. Results in order: psesid NULL ->
 * InvalidParameter; sesid not open -> InvalidSesid; the state results of
 * JetBeginSession; a call on sesid in flight on another thread ->
 * SessionSharingViolation (before the state results while an End holds
 * sesid across a flag, as JetEndSession says); OutOfSessions; else Success.
 */
JET_ERR JET_API JetDupSession(JET_SESID sesid, JET_SESID* psesid) JET_NOEXCEPT_;

/*
 * Ends a session and frees its slot at once; grbit is ignored. Lock-free.
 * Results in order: sesid not open -> InvalidSesid; instance unavailable ->
 * InstanceUnavailable; terminating -> TermInProgress; a call on sesid in
 * flight on another thread -> SessionSharingViolation; a session context set
 * -> SessionInUse; else Success. Works after the service was stopped. An
 * End that finds the instance terminating answers without taking the
 * session, so threads that keep calling it do not hold JetTerm up. One
 * exception to the order, while JetExtSetInstanceUnavailable or JetTerm2
 * runs: another End on sesid that took it before their flag may still end
 * it, ordered before the flag, so until that End has let go (they wait for
 * it before they go on) a call on sesid answers SessionSharingViolation
 * before the state results, unless a session context is set (then no End
 * can end it). Once they have gone on, the order above holds.
 */
JET_ERR JET_API JetEndSession(JET_SESID sesid, JET_GRBIT grbit) JET_NOEXCEPT_;

/*
 * Records ulContext and the calling thread on the session. Lock-free.
 * Results in order: sesid not open -> InvalidSesid; instance terminating
 * -> TermInProgress (without taking the session: it never holds JetTerm
 * up); ulContext 0 or ~0 -> InvalidParameter; a call on sesid in flight on
 * another thread -> SessionSharingViolation; a context already set ->
 * SessionContextAlreadySet. The exception of JetEndSession applies: while
 * an End holds sesid across Term's flag, the sharing violation comes
 * first.
 */
JET_ERR JET_API JetSetSessionContext(JET_SESID sesid,
                                     JET_API_PTR ulContext) JET_NOEXCEPT_;

/*
 * Clears the session context. Lock-free. Results in order: sesid not open ->
 * InvalidSesid; instance terminating -> TermInProgress (without taking the
 * session: it never holds JetTerm up); sharing -> SessionSharingViolation;
 * no context set, or set by another thread ->
 * SessionContextNotSetByThisThread.
 */
JET_ERR JET_API JetResetSessionContext(JET_SESID sesid) JET_NOEXCEPT_;

/*
 * Stops the default instance (one-instance mode only). Results: no instance
 * -> InvalidParameter; multi-instance mode -> RunningInMultiInstanceMode;
 * else as JetStopServiceInstance on the default instance.
 */
JET_ERR JET_API JetStopService(void) JET_NOEXCEPT_;

/*
 * From its return on, Begin and Dup on the instance return
 * ClientRequestToStopJetService; open sessions stay valid and can be ended.
 * Permanent and idempotent. Results: stale or garbage handle ->
 * InvalidInstance; 0 or JET_instanceNil outside one-instance mode ->
 * InvalidParameter; terminating -> TermInProgress; else Success.
 */
JET_ERR JET_API JetStopServiceInstance(JET_INSTANCE instance) JET_NOEXCEPT_;

/* JetTerm2(instance, JET_bitTermAbrupt). */
JET_ERR JET_API JetTerm(JET_INSTANCE instance) JET_NOEXCEPT_;

/*
 * Moves the instance to terminating, waits for the calls in flight on it,
 * force-ends its open sessions and frees it. Blocks. Results: stale or
 * garbage handle -> InvalidInstance; 0 or JET_instanceNil outside
 * one-instance mode -> InvalidParameter; terminating (a Term in flight) ->
 * TermInProgress; grbit outside the four
 * JET_bitTerm* bits -> InvalidGrbit; JET_bitTermDirty -> DirtyShutdown after
 * terminating; else Success. Afterwards every handle of the instance and of
 * its sessions is invalid.
 */
JET_ERR JET_API JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit) JET_NOEXCEPT_;

/*
 * Engine-side controls (extensions). Created -> Restoring; Running ->
 * AlreadyInitialized; Restoring -> RestoreInProgress.
 */
JET_ERR JET_API JetExtBeginRestore(JET_INSTANCE instance) JET_NOEXCEPT_;

/* Restoring -> Created; any other state -> InvalidParameter. */
JET_ERR JET_API JetExtEndRestore(JET_INSTANCE instance) JET_NOEXCEPT_;

/*
 * Marks the instance as hit by a fatal error, permanently: Begin, Dup and End
 * return InstanceUnavailable from its return on. Returns once the Ends that
 * held a session when it set the flag have let go (a few steps each; it
 * sleeps while the scheduler keeps such an End off the processor). An End
 * of a session with a context set is not waited for: it cannot end it.
 */
JET_ERR JET_API JetExtSetInstanceUnavailable(JET_INSTANCE instance)
    JET_NOEXCEPT_;

/*
 * Writes the number of open sessions to *pcSessions; exact whenever no
 * Begin/Dup/End on the instance is in flight. Lock-free, except that it
 * waits while a call that pays a shrink's debt, or opens a slot of a
 * grow's room, is between the two steps of a change it makes (a few
 * instructions: a reserved slot's bit and its count, or a generation's
 * high part moved aside). Results in
 * order:
 * pcSessions NULL -> InvalidParameter; the handle results of
 * JetBeginSession (a handle of an ended instance -> InvalidInstance, never
 * the count of a later instance); terminating -> TermInProgress.
 */
JET_ERR JET_API JetExtGetSessionCount(JET_INSTANCE instance,
                                      unsigned long* pcSessions) JET_NOEXCEPT_;

/* A timeout of JET_cmsecExtWaitForever or more: the wait has no limit. */
#define JET_cmsecExtWaitForever 0xFFFFFFFFUL

/*
 * JetBeginSession that waits for a session where JetBeginSession would
 * return OutOfSessions, at most cmsecTimeout milliseconds (0: no wait,
 * exactly JetBeginSession; JET_cmsecExtWaitForever or more: no limit). The
 * checks and their order are JetBeginSession's. Results of the wait:
 * Success (a session freed by an End was handed to the caller); OutOfSessions
 * (the time ran out while the pool was full); ClientRequestToStopJetService,
 * InstanceUnavailable or TermInProgress (the instance was stopped, made
 * unavailable or terminated meanwhile: every waiter wakes within
 * milliseconds, but one to which an End handed its session before, which
 * returns it once that End has run; JetTerm2 returns only after every
 * waiter has returned).
 * Never OutOfMemory: when the waiters' queue (128 KiB, allocated by the
 * first waiter of an instance) cannot be allocated, callers wait in the
 * overflow list below, in order.
 *
 * First come, first served: while callers wait, a freed slot goes to the one
 * that has waited longest, and no caller that starts later (waiting or not)
 * gets a session before it; JetBeginSession at full still returns
 * OutOfSessions at once. Nothing is lost: while a caller waits no slot stays
 * free, and a waiter whose time runs out as a session is handed to it
 * returns Success with that session or leaves it to the next waiter; one
 * whose time runs out after an End has taken its place in the queue takes
 * that End's session (it waits for the End's next few steps, past its
 * deadline if the scheduler keeps the End's thread off the processor; so
 * does one woken by a Stop, Unavailable or Term then, which returns as
 * soon as that End has run those steps). An End that returns Success
 * while JetExtSetInstanceUnavailable or JetTerm2 runs is ordered before
 * it, and its session goes to the caller that waited longest: a waiter
 * woken by Unavailable or Term first waits for the few steps of the Ends
 * then in flight, as above, and answers the state's error only if none
 * of them took its place. The
 * order holds however many callers wait: the queue is a ring of 16384
 * tickets (a ticket is a caller that waits now, or one that left behind a
 * caller that still waits, until an End has passed over it), and a caller
 * that finds no ticket free joins an overflow list behind it; while a
 * caller in that list has no session on its way, every later caller joins
 * it too, and its head takes the next ticket, or is handed an End's
 * session directly (several can be on their way at once, at most one for
 * each listed caller, in order: one whose time runs out, or that a flag
 * wakes, takes the one meant for it before it returns). Callers in the
 * list wait under a lock that only they take (Begin, Dup and End never
 * do). Past 4095 listed callers with no session on their way, a later
 * caller waits outside the list, in no order, looking again every 50 ms.
 * Across JetStopServiceInstance the order holds: a session handed to a
 * caller is decided before or after the Stop in the callers' order, so no
 * caller answers the Stop's error while one that came later keeps a
 * session. Waiting
 * blocks the
 * thread (a futex), with no lock below the ring's limit; the only spin is
 * a short one, then
 * yields, while an End in flight finishes opening its slot.
 */
JET_ERR JET_API JetExtBeginSessionWait(JET_INSTANCE instance, JET_SESID* psesid,
                                       unsigned long cmsecTimeout)
    JET_NOEXCEPT_;

/*
 * JetDupSession that waits as JetExtBeginSessionWait where JetDupSession
 * would return OutOfSessions. It holds sesid meanwhile: another call on it
 * returns SessionSharingViolation.
 */
JET_ERR JET_API JetExtDupSessionWait(JET_SESID sesid, JET_SESID* psesid,
                                     unsigned long cmsecTimeout) JET_NOEXCEPT_;

/* The contract's parameter name (ESE's Hungarian style): */
/* NOLINTBEGIN(readability-identifier-naming) */
/*
 * Sets the capacity (MaxSessions) of a Running instance, stopped or not, to
 * cSessions, between 0 and its ceiling (JET_paramExtMaxSessionsCeiling): the
 * pool was allocated for the ceiling at JetInit, so nothing is allocated and
 * every handle stays valid. Results in order: instance not 0/nil and not
 * live -> InvalidInstance; 0/nil outside one-instance mode ->
 * InvalidParameter; unavailable -> InstanceUnavailable; terminating ->
 * TermInProgress; Restoring -> RestoreInProgress; Created -> NotInitialized;
 * cSessions above the ceiling -> InvalidParameter; else Success.
 * Calls ordered after it see capacity cSessions: JetGetSystemParameter
 * (JET_paramMaxSessions) and cMaxSessions return it, and a Begin or Dup
 * answers OutOfSessions only if at least cSessions sessions are open.
 * Growing hands the new room to the callers that wait (oldest first) before
 * anyone else. Shrinking below the number of open sessions ends nothing:
 * Begin and Dup answer OutOfSessions (or wait) until fewer than cSessions
 * are open, as the sessions that end, and the Begins that find a free slot
 * meanwhile, pay off the difference. A resize holds nobody up, even if the
 * resizing thread never runs again (but for the waits of
 * JetExtGetSessionCount and JetExtGetSessionStats, which wait for any call
 * between the two steps of opening a slot): a Begin that finds it under way
 * (its words marked, the step after its wake-up) makes it take effect
 * itself; a Begin or Dup that finds no free slot takes a slot of the grown
 * room itself when nobody waits, and otherwise hands that room to the
 * waiting callers first; a waiting call whose deadline passes does the same
 * before it answers. Before its room takes effect, a grow wakes the waiting
 * calls it would serve, and each of them, as it wakes and again as it
 * returns (served by an End meanwhile, say), makes the grow take effect and
 * hands its room to the waiting callers, oldest first, if the resizing
 * thread has not: once it has woken one, no waiting call waits for the
 * resizing thread alone (stopped before its first wake-up, it has made no
 * room). (The resizing thread wakes them one by one: if it is kept off the
 * processor after the first wakes, and that one too before it has served the
 * others, the others sleep on until either runs again or another Begin, Dup,
 * End or timed-out wait comes.) Neither End nor the resize itself waits.
 * The resize runs outside the lock of the instance registry: JetInit,
 * JetStopServiceInstance, JetExtSetInstanceUnavailable and the parameter
 * calls go on beside it. Resizes of one instance run one at a time, and
 * JetTerm of the instance waits for the resize under way: a resizing thread
 * that the scheduler keeps off the processor holds those two up. Like the
 * calls named above, it takes the registry's lock for a few steps: to check
 * the instance's state, and to record the value for the next JetInit.
 */
JET_ERR JET_API JetExtSetMaxSessions(JET_INSTANCE instance,
                                     unsigned long cSessions) JET_NOEXCEPT_;
/* NOLINTEND(readability-identifier-naming) */

/*
 * Writes the slot of the open session sesid to *piSlot: a number in
 * 0..ceiling-1 (JET_paramExtMaxSessionsCeiling; 0..MaxSessions-1 without a
 * ceiling), the same for the whole life of the session, and
 * different from the slot of every other session open on the same instance
 * at the same time; an engine keeps its per-session resources in an array
 * indexed by it. Not a call on the session for the sharing rule (it takes
 * no busy flag); wait-free. Results in order: piSlot NULL ->
 * InvalidParameter (as for every call on a session, a NULL output pointer
 * comes first); sesid not an open session (never issued, ended, force-ended
 * by JetTerm) -> InvalidSesid.
 */
JET_ERR JET_API JetExtGetSessionSlot(JET_SESID sesid,
                                     unsigned long* piSlot) JET_NOEXCEPT_;

/*
 * The figures of JetExtGetSessionStats. Each count is exact whenever no
 * call on the instance is in flight, and never goes below a value reported
 * before; while calls run, cSessionsBegun may trail the true count by at
 * most the callers waiting and the Ends handing a session to a waiter, and
 * cWaiters counts a caller from its place in the queue until its wait
 * returns (one handed a session counts until its thread has run to take
 * it). No report shows more cWaitTimeouts than cWaits or cOutOfSessions.
 */
/* ESE-style names: */
/* NOLINTBEGIN(modernize-use-using,readability-identifier-naming) */
typedef struct {
  unsigned long cbStruct;            /* in: sizeof(JET_EXTSESSIONSTATS) */
  unsigned long cMaxSessions;        /* the capacity in force */
  unsigned long cMaxSessionsCeiling; /* the largest capacity it can be given */
  unsigned long cSessionsOpen;       /* as JetExtGetSessionCount */
  unsigned long cWaiters; /* callers queued now (holding their place in the
                             queue), not yet handed a session */
  unsigned long long cSessionsBegun; /* Begin + Dup successes since JetInit */
  unsigned long long cSessionsEnded; /* End successes since JetInit */
  unsigned long long cOutOfSessions; /* OutOfSessions answers, wait timeouts
                                        included */
  unsigned long long cWaits;         /* calls that had to wait (see below) */
  unsigned long long cWaitTimeouts;  /* waits that answered OutOfSessions */
  unsigned long long cmsecWaitTotal; /* time spent waiting, all calls */
} JET_EXTSESSIONSTATS;
/*
 * A wait is a JetExtBeginSessionWait / JetExtDupSessionWait (or a C++
 * BeginSession with a timeout) that found the instance full before its
 * deadline; a C++ call whose stop was requested before it would wait does
 * not wait and is not counted. One whose deadline had
 * already passed
 * when it found the instance full (its thread was preempted) answers as
 * the plain call does: it counts
 * in cOutOfSessions only, not in cWaits, cWaitTimeouts or cmsecWaitTotal.
 */
/* NOLINTEND(modernize-use-using,readability-identifier-naming) */

/*
 * Writes the instance's session figures to *pstats (see
 * JET_EXTSESSIONSTATS). Begin, Dup and End keep no counter for it: the
 * sessions begun and ended are read from the slots (one pass over them),
 * the other counts are kept by the calls that answer OutOfSessions or wait.
 * Before JetInit every count is 0 and cMaxSessions is the MaxSessions set.
 * Lock-free, but for the waits of JetExtGetSessionCount; one pass over
 * the instance's slots. Results in order: pstats
 * NULL, or pstats->cbStruct smaller than sizeof(JET_EXTSESSIONSTATS) ->
 * InvalidParameter; the handle results of JetBeginSession (a handle of an
 * ended instance -> InvalidInstance, never the figures of a later
 * instance); terminating -> TermInProgress.
 */
JET_ERR JET_API JetExtGetSessionStats(
    JET_INSTANCE instance, JET_EXTSESSIONSTATS* pstats) JET_NOEXCEPT_;

/* One entry of JetExtGetOpenSessions. */
/* ESE-style names: */
/* NOLINTBEGIN(modernize-use-using,readability-identifier-naming) */
typedef struct {
  JET_SESID sesid;
  unsigned long long cmsecOpen; /* how long it has been open (tracking) */
  unsigned long long tidBegin;  /* OS thread id of the thread that began it
                                   (tracking) */
  JET_API_PTR context;          /* its session context, 0 if none */
  int fInCall;                  /* a call on it is in flight */
} JET_EXTSESSIONINFO;
/* NOLINTEND(modernize-use-using,readability-identifier-naming) */

/*
 * Lists the sessions open on the instance for at least cmsecMinAge
 * milliseconds, oldest first, into rgInfo (at most cInfoMax of them), and
 * writes the number of such sessions (all of them, not only those written)
 * to *pcInfo. Each entry is a session that was open, with those values, at
 * one instant during the call. With JET_paramExtSessionTracking 1, a
 * session began when its Begin or Dup claimed it, or, handed to a waiter,
 * at the hand-off on the waiter's thread; ages are exact for sessions
 * younger than 2^35 ms (397 days), to the kernel's coarse clock (1 to 4
 * ms). Without tracking, cmsecOpen and tidBegin are 0, so only cmsecMinAge
 * 0 selects sessions, in no particular order. Lock-free; one pass over the
 * instance's slots, no allocation. Results in order: pcInfo NULL, or rgInfo
 * NULL with cInfoMax > 0 -> InvalidParameter; the handle results of
 * JetBeginSession (a handle of an ended instance -> InvalidInstance, never
 * the sessions of a later instance); terminating -> TermInProgress.
 */
JET_ERR JET_API JetExtGetOpenSessions(JET_INSTANCE instance,
                                      unsigned long cmsecMinAge,
                                      JET_EXTSESSIONINFO* rgInfo,
                                      unsigned long cInfoMax,
                                      unsigned long* pcInfo) JET_NOEXCEPT_;

#ifdef __cplusplus
} /* extern "C" */
#endif

#undef JET_NOEXCEPT_

#endif /* JETSESSION_JET_H_ */
