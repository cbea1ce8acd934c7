/* ae.c: the event loop (epoll, level-triggered; timers; sleep hooks).
 *
 * Owns: the epoll descriptor, the per-fd table of registered file events,
 * the timers (a binary min-heap keyed by deadline plus an id -> event
 * table), and the "fired" scratch table of one iteration.
 * Must not touch: the contents of any descriptor (it never reads or writes
 * them) nor anything above the platform layer.
 *
 * Invariants:
 * - events[fd].mask is AE_NONE for every fd not registered; maxfd is the
 *   highest fd whose mask is not AE_NONE, or -1.
 * - The epoll interest set of an fd is exactly the READABLE/WRITABLE bits of
 *   events[fd].mask (AE_BARRIER is a dispatch hint only).
 * - timeHeap[0 .. timeHeapLen-1] is a min-heap on (when, id), and each
 *   event in it knows its slot (heapIndex), so insertion, deletion by id and
 *   finding the earliest deadline cost O(log n), O(log n) and O(1). An
 *   event is in timeEventsById exactly while it can still be deleted by id.
 * - While its proc runs, an event is out of the heap (heapIndex == -1,
 *   running == 1): a recursive pass cannot re-enter it, and deleting it
 *   only marks it; it is freed when its proc returns.
 * - A deleted event that was not running waits on timeEventsToFree and its
 *   finalizer runs at the start of the next timer pass, never inside
 *   aeDeleteTimeEvent (the caller may still be using its clientData).
 * - Timers created during a pass (timePassNow != -1) get a deadline after
 *   that pass's "now", so they never run in the pass that created them.
 * - Time is CLOCK_MONOTONIC in microseconds; timer delays are milliseconds. */
#include "ae.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "dict.h"
#include "zmalloc.h"

typedef struct aeApiState {
    int epfd;
    struct epoll_event *events; /* setsize entries, filled by epoll_wait */
} aeApiState;

/* Longest timer delay (about 30 years): keeps "now + delay" in range. */
#define AE_MAX_DELAY_MS (1000LL * 3600 * 24 * 365 * 30)

static long long aeMonotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int aeApiCreate(aeEventLoop *eventLoop) {
    aeApiState *state = zmalloc(sizeof(*state));
    state->events = zmalloc(sizeof(struct epoll_event) * eventLoop->setsize);
    state->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (state->epfd == -1) {
        zfree(state->events);
        zfree(state);
        return -1;
    }
    eventLoop->apidata = state;
    return 0;
}

static void aeApiResize(aeEventLoop *eventLoop, int setsize) {
    aeApiState *state = eventLoop->apidata;
    state->events =
        zrealloc(state->events, sizeof(struct epoll_event) * setsize);
}

static void aeApiFree(aeEventLoop *eventLoop) {
    aeApiState *state = eventLoop->apidata;
    close(state->epfd);
    zfree(state->events);
    zfree(state);
}

/* Makes the epoll interest set of <fd> match <oldmask> | <addmask>. */
static int aeApiAddEvent(aeEventLoop *eventLoop, int fd, int oldmask,
                         int addmask) {
    aeApiState *state = eventLoop->apidata;
    struct epoll_event ee;
    int oldio = oldmask & (AE_READABLE | AE_WRITABLE);
    int newio = (oldmask | addmask) & (AE_READABLE | AE_WRITABLE);
    if (oldio == newio) return 0;
    memset(&ee, 0, sizeof(ee));
    ee.events = 0;
    if (newio & AE_READABLE) ee.events |= EPOLLIN;
    if (newio & AE_WRITABLE) ee.events |= EPOLLOUT;
    ee.data.fd = fd;
    return epoll_ctl(state->epfd,
                     oldio == AE_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ee);
}

/* Makes the epoll interest set of <fd> match <newmask> (was <oldmask>). */
static void aeApiDelEvent(aeEventLoop *eventLoop, int fd, int oldmask,
                          int newmask) {
    aeApiState *state = eventLoop->apidata;
    struct epoll_event ee;
    int oldio = oldmask & (AE_READABLE | AE_WRITABLE);
    int newio = newmask & (AE_READABLE | AE_WRITABLE);
    if (oldio == newio) return;
    memset(&ee, 0, sizeof(ee));
    if (newio & AE_READABLE) ee.events |= EPOLLIN;
    if (newio & AE_WRITABLE) ee.events |= EPOLLOUT;
    ee.data.fd = fd;
    /* A failure here means the fd was already closed, which removed it
     * from the interest set anyway. */
    if (newio != AE_NONE)
        (void)epoll_ctl(state->epfd, EPOLL_CTL_MOD, fd, &ee);
    else
        (void)epoll_ctl(state->epfd, EPOLL_CTL_DEL, fd, &ee);
}

/* Waits up to <timeout_ms> (-1: forever) and fills eventLoop->fired.
 * Errors and hang-ups are reported as both readable and writable, so the
 * owner's read or write sees the error; only registered bits are kept. */
static int aeApiPoll(aeEventLoop *eventLoop, int timeout_ms) {
    aeApiState *state = eventLoop->apidata;
    int n =
        epoll_wait(state->epfd, state->events, eventLoop->setsize, timeout_ms);
    int count = 0;
    if (n <= 0) return 0; /* time-out, or EINTR: nothing fired */
    for (int j = 0; j < n; j++) {
        struct epoll_event *e = state->events + j;
        int mask = 0;
        if (e->events & EPOLLIN) mask |= AE_READABLE;
        if (e->events & EPOLLOUT) mask |= AE_WRITABLE;
        if (e->events & (EPOLLERR | EPOLLHUP))
            mask |= AE_READABLE | AE_WRITABLE;
        eventLoop->fired[count].fd = e->data.fd;
        eventLoop->fired[count].mask = mask;
        count++;
    }
    return count;
}

/* ---------------------------------------------------------------------
 * The timer heap and the id table
 * ------------------------------------------------------------------ */

/* Ids are non-negative and unique, so the id itself is the key. */
static void *aeIdToKey(long long id) {
    return (void *)(intptr_t)id;
}

static uint64_t aeIdHash(const void *key) {
    uint64_t x = (uint64_t)(uintptr_t)key;
    /* A 64-bit mix (splitmix64's finalizer): consecutive ids spread out. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int aeIdCompare(dict *d, const void *a, const void *b) {
    (void)d;
    return a == b;
}

/* id -> aeTimeEvent*; the table owns neither. */
static dictType aeTimeEventIdDictType = {aeIdHash, NULL, NULL, aeIdCompare,
                                         NULL, NULL, NULL};

/* 1 if <a> must fire before <b>: earlier deadline, then older id. */
static int aeTimeEventBefore(const aeTimeEvent *a, const aeTimeEvent *b) {
    if (a->when != b->when) return a->when < b->when;
    return a->id < b->id;
}

static void aeHeapPlace(aeEventLoop *eventLoop, long i, aeTimeEvent *te) {
    eventLoop->timeHeap[i] = te;
    te->heapIndex = i;
}

/* Moves the event in slot <i> towards the root while it fires before its
 * parent. */
static void aeHeapSiftUp(aeEventLoop *eventLoop, long i) {
    aeTimeEvent *te = eventLoop->timeHeap[i];
    while (i > 0) {
        long parent = (i - 1) / 2;
        aeTimeEvent *p = eventLoop->timeHeap[parent];
        if (!aeTimeEventBefore(te, p)) break;
        aeHeapPlace(eventLoop, i, p);
        i = parent;
    }
    aeHeapPlace(eventLoop, i, te);
}

/* Moves the event in slot <i> towards the leaves while a child fires
 * before it. */
static void aeHeapSiftDown(aeEventLoop *eventLoop, long i) {
    aeTimeEvent *te = eventLoop->timeHeap[i];
    long len = eventLoop->timeHeapLen;
    for (;;) {
        long child = 2 * i + 1;
        if (child >= len) break;
        if (child + 1 < len && aeTimeEventBefore(eventLoop->timeHeap[child + 1],
                                                 eventLoop->timeHeap[child]))
            child++;
        if (!aeTimeEventBefore(eventLoop->timeHeap[child], te)) break;
        aeHeapPlace(eventLoop, i, eventLoop->timeHeap[child]);
        i = child;
    }
    aeHeapPlace(eventLoop, i, te);
}

static void aeHeapInsert(aeEventLoop *eventLoop, aeTimeEvent *te) {
    if (eventLoop->timeHeapLen == eventLoop->timeHeapCap) {
        long cap = eventLoop->timeHeapCap ? eventLoop->timeHeapCap * 2 : 16;
        eventLoop->timeHeap =
            zrealloc(eventLoop->timeHeap, sizeof(aeTimeEvent *) * cap);
        eventLoop->timeHeapCap = cap;
    }
    long i = eventLoop->timeHeapLen++;
    aeHeapPlace(eventLoop, i, te);
    aeHeapSiftUp(eventLoop, i);
}

/* Takes <te> out of the heap (it must be in it): the last event fills its
 * slot and moves up or down to where it belongs. The array shrinks when
 * mostly empty, so a burst of timers does not pin memory. */
static void aeHeapRemove(aeEventLoop *eventLoop, aeTimeEvent *te) {
    long i = te->heapIndex;
    long last = --eventLoop->timeHeapLen;
    te->heapIndex = -1;
    if (i != last) {
        aeTimeEvent *moved = eventLoop->timeHeap[last];
        aeHeapPlace(eventLoop, i, moved);
        if (i > 0 && aeTimeEventBefore(moved, eventLoop->timeHeap[(i - 1) / 2]))
            aeHeapSiftUp(eventLoop, i);
        else
            aeHeapSiftDown(eventLoop, i);
    }
    if (eventLoop->timeHeapCap > 64 &&
        eventLoop->timeHeapLen < eventLoop->timeHeapCap / 4) {
        long cap = eventLoop->timeHeapCap / 2;
        eventLoop->timeHeap =
            zrealloc(eventLoop->timeHeap, sizeof(aeTimeEvent *) * cap);
        eventLoop->timeHeapCap = cap;
    }
}

static void aeFreeTimeEvent(aeEventLoop *eventLoop, aeTimeEvent *te) {
    if (te->finalizerProc) te->finalizerProc(eventLoop, te->clientData);
    zfree(te);
}

/* Runs the finalizers of the events deleted since the last pass. A
 * finalizer may delete more timers; they are taken in the same loop. */
static void aeFreeDeletedTimeEvents(aeEventLoop *eventLoop) {
    while (eventLoop->timeEventsToFree) {
        aeTimeEvent *te = eventLoop->timeEventsToFree;
        eventLoop->timeEventsToFree = te->nextToFree;
        aeFreeTimeEvent(eventLoop, te);
    }
}

/* Creates an event loop able to track descriptors 0 .. <setsize>-1.
 * Returns NULL if epoll cannot be created; the caller owns the loop and
 * frees it with aeDeleteEventLoop. */
aeEventLoop *aeCreateEventLoop(int setsize) {
    aeEventLoop *eventLoop;
    if (setsize <= 0) return NULL;
    eventLoop = zcalloc(sizeof(*eventLoop));
    eventLoop->events = zmalloc(sizeof(aeFileEvent) * setsize);
    eventLoop->fired = zmalloc(sizeof(aeFiredEvent) * setsize);
    eventLoop->setsize = setsize;
    eventLoop->timeHeap = NULL;
    eventLoop->timeHeapLen = 0;
    eventLoop->timeHeapCap = 0;
    eventLoop->timeEventsById = dictCreate(&aeTimeEventIdDictType);
    eventLoop->timeEventsToFree = NULL;
    eventLoop->timePassNow = -1;
    eventLoop->timeEventNextId = 0;
    eventLoop->stop = 0;
    eventLoop->maxfd = -1;
    eventLoop->beforesleep = NULL;
    eventLoop->aftersleep = NULL;
    eventLoop->flags = 0;
    if (aeApiCreate(eventLoop) == -1) {
        dictRelease(eventLoop->timeEventsById);
        zfree(eventLoop->events);
        zfree(eventLoop->fired);
        zfree(eventLoop);
        return NULL;
    }
    for (int i = 0; i < setsize; i++) {
        eventLoop->events[i].mask = AE_NONE;
        eventLoop->events[i].rfileProc = NULL;
        eventLoop->events[i].wfileProc = NULL;
        eventLoop->events[i].clientData = NULL;
    }
    return eventLoop;
}

/* Returns the number of descriptors <eventLoop> can track. */
int aeGetSetSize(aeEventLoop *eventLoop) {
    return eventLoop->setsize;
}

/* Sets (<noWait> != 0) or clears the loop's AE_DONT_WAIT flag: while set,
 * aeProcessEvents polls without sleeping. Used when data is buffered where
 * epoll cannot see it (TLS records already decrypted). */
void aeSetDontWait(aeEventLoop *eventLoop, int noWait) {
    if (noWait)
        eventLoop->flags |= AE_DONT_WAIT;
    else
        eventLoop->flags &= ~AE_DONT_WAIT;
}

/* Changes the number of trackable descriptors to <setsize>. Returns AE_ERR
 * (and changes nothing) if a registered fd would not fit, AE_OK otherwise.
 * Registrations are kept. */
int aeResizeSetSize(aeEventLoop *eventLoop, int setsize) {
    if (setsize <= 0) return AE_ERR;
    if (setsize == eventLoop->setsize) return AE_OK;
    if (eventLoop->maxfd >= setsize) return AE_ERR;
    aeApiResize(eventLoop, setsize);
    eventLoop->events =
        zrealloc(eventLoop->events, sizeof(aeFileEvent) * setsize);
    eventLoop->fired =
        zrealloc(eventLoop->fired, sizeof(aeFiredEvent) * setsize);
    for (int i = eventLoop->setsize; i < setsize; i++) {
        eventLoop->events[i].mask = AE_NONE;
        eventLoop->events[i].rfileProc = NULL;
        eventLoop->events[i].wfileProc = NULL;
        eventLoop->events[i].clientData = NULL;
    }
    eventLoop->setsize = setsize;
    return AE_OK;
}

/* Frees <eventLoop>: the epoll descriptor, the tables and every remaining
 * time event (running its finalizer). Registered descriptors are not
 * closed; they belong to their owners. */
void aeDeleteEventLoop(aeEventLoop *eventLoop) {
    if (eventLoop == NULL) return;
    aeFreeDeletedTimeEvents(eventLoop);
    for (long j = 0; j < eventLoop->timeHeapLen; j++) {
        aeTimeEvent *te = eventLoop->timeHeap[j];
        if (te->finalizerProc) te->finalizerProc(eventLoop, te->clientData);
        zfree(te);
    }
    zfree(eventLoop->timeHeap);
    dictRelease(eventLoop->timeEventsById);
    aeApiFree(eventLoop);
    zfree(eventLoop->events);
    zfree(eventLoop->fired);
    zfree(eventLoop);
}

/* Makes aeMain return after the current iteration. */
void aeStop(aeEventLoop *eventLoop) {
    eventLoop->stop = 1;
}

/* Registers <proc> with <clientData> for the events of <mask> on <fd>
 * (AE_READABLE and/or AE_WRITABLE, optionally AE_BARRIER). Bits already
 * registered stay; the given bits take <proc>, and <clientData> replaces
 * the fd's previous one. Returns AE_OK, or AE_ERR with errno set (ERANGE if
 * <fd> is outside the set size, or epoll's error). */
int aeCreateFileEvent(aeEventLoop *eventLoop, int fd, int mask,
                      aeFileProc *proc, void *clientData) {
    aeFileEvent *fe;
    if (fd < 0 || fd >= eventLoop->setsize) {
        errno = ERANGE;
        return AE_ERR;
    }
    fe = &eventLoop->events[fd];
    if (aeApiAddEvent(eventLoop, fd, fe->mask, mask) == -1) return AE_ERR;
    fe->mask |= mask;
    if (mask & AE_READABLE) fe->rfileProc = proc;
    if (mask & AE_WRITABLE) fe->wfileProc = proc;
    fe->clientData = clientData;
    if (fd > eventLoop->maxfd) eventLoop->maxfd = fd;
    return AE_OK;
}

/* Unregisters the events of <mask> on <fd>. Removing AE_WRITABLE also
 * removes AE_BARRIER; <mask> may be AE_BARRIER alone to drop just the
 * ordering hint. Unknown fds are ignored. */
void aeDeleteFileEvent(aeEventLoop *eventLoop, int fd, int mask) {
    aeFileEvent *fe;
    int oldmask;
    if (fd < 0 || fd >= eventLoop->setsize) return;
    fe = &eventLoop->events[fd];
    if (fe->mask == AE_NONE) return;
    if (mask & AE_WRITABLE) mask |= AE_BARRIER;
    oldmask = fe->mask;
    fe->mask &= ~mask;
    /* A barrier without a writable event means nothing. */
    if (!(fe->mask & AE_WRITABLE)) fe->mask &= ~AE_BARRIER;
    aeApiDelEvent(eventLoop, fd, oldmask, fe->mask);
    if (fe->mask == AE_NONE) {
        fe->rfileProc = NULL;
        fe->wfileProc = NULL;
        fe->clientData = NULL;
        if (fd == eventLoop->maxfd) {
            int j;
            for (j = eventLoop->maxfd - 1; j >= 0; j--)
                if (eventLoop->events[j].mask != AE_NONE) break;
            eventLoop->maxfd = j;
        }
    }
}

/* Returns the registered mask of <fd> (AE_NONE if none or out of range). */
int aeGetFileEvents(aeEventLoop *eventLoop, int fd) {
    if (fd < 0 || fd >= eventLoop->setsize) return AE_NONE;
    return eventLoop->events[fd].mask;
}

/* ---------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------ */

/* Schedules <proc> to run once <milliseconds> from now; it then returns the
 * delay of its next run, or AE_NOMORE to be deleted. <finalizerProc>, if
 * not NULL, runs with <clientData> when the event is freed. Returns the
 * event's id (never negative). The loop owns the event. O(log n). */
long long aeCreateTimeEvent(aeEventLoop *eventLoop, long long milliseconds,
                            aeTimeProc *proc, void *clientData,
                            aeEventFinalizerProc *finalizerProc) {
    aeTimeEvent *te = zmalloc(sizeof(*te));
    if (milliseconds < 0) milliseconds = 0;
    if (milliseconds > AE_MAX_DELAY_MS) milliseconds = AE_MAX_DELAY_MS;
    te->id = eventLoop->timeEventNextId++;
    te->when = aeMonotonicUs() + milliseconds * 1000;
    /* Created by a proc: not before the next pass. */
    if (eventLoop->timePassNow != -1 && te->when <= eventLoop->timePassNow)
        te->when = eventLoop->timePassNow + 1;
    te->timeProc = proc;
    te->finalizerProc = finalizerProc;
    te->clientData = clientData;
    te->heapIndex = -1;
    te->running = 0;
    te->deleted = 0;
    te->nextToFree = NULL;
    aeHeapInsert(eventLoop, te);
    dictAdd(eventLoop->timeEventsById, aeIdToKey(te->id), te);
    return te->id;
}

/* Deletes the time event <id>: it never runs again. It leaves the heap at
 * once; its finalizer runs at the start of the next timer pass or, if its
 * proc is running, when that proc returns. O(log n). Returns AE_OK, or
 * AE_ERR if no such live event exists. */
int aeDeleteTimeEvent(aeEventLoop *eventLoop, long long id) {
    if (id < 0) return AE_ERR;
    dictEntry *de = dictUnlink(eventLoop->timeEventsById, aeIdToKey(id));
    if (de == NULL) return AE_ERR;
    aeTimeEvent *te = dictGetVal(de);
    dictFreeUnlinkedEntry(eventLoop->timeEventsById, de);
    te->deleted = 1;
    if (te->heapIndex != -1) aeHeapRemove(eventLoop, te);
    if (!te->running) {
        te->nextToFree = eventLoop->timeEventsToFree;
        eventLoop->timeEventsToFree = te;
    }
    return AE_OK;
}

/* Returns how many time events <eventLoop> holds: live ones, running ones
 * and deleted ones whose finalizer has not run yet. */
long aeGetTimeEventCount(aeEventLoop *eventLoop) {
    long n = (long)dictSize(eventLoop->timeEventsById);
    for (aeTimeEvent *te = eventLoop->timeEventsToFree; te; te = te->nextToFree)
        n++;
    return n;
}

/* Microseconds until the nearest live timer (0 if due), or -1 if none. */
static long long aeUsUntilEarliestTimer(aeEventLoop *eventLoop) {
    if (eventLoop->timeHeapLen == 0) return -1;
    long long earliest = eventLoop->timeHeap[0]->when;
    long long now = aeMonotonicUs();
    return earliest > now ? earliest - now : 0;
}

/* Runs every timer that is due, earliest deadline first (equal deadlines
 * in creation order). Timers created by a proc during this pass, and
 * timers rescheduled by it, wait for the next pass. A running event is
 * out of the heap, so procs may create or delete any timer (their own
 * included) or run the loop recursively. */
static int aeProcessTimeEvents(aeEventLoop *eventLoop) {
    int processed = 0;
    long long now = aeMonotonicUs();
    long long outerPassNow = eventLoop->timePassNow;

    aeFreeDeletedTimeEvents(eventLoop);
    eventLoop->timePassNow = now;
    while (eventLoop->timeHeapLen > 0 && eventLoop->timeHeap[0]->when <= now) {
        aeTimeEvent *te = eventLoop->timeHeap[0];
        aeHeapRemove(eventLoop, te);
        te->running = 1;
        int retval = te->timeProc(eventLoop, te->id, te->clientData);
        processed++;
        /* Still marked running, so the deletion leaves the freeing here. */
        if (!te->deleted && retval == AE_NOMORE)
            (void)aeDeleteTimeEvent(eventLoop, te->id);
        te->running = 0;
        if (te->deleted) {
            aeFreeTimeEvent(eventLoop, te);
            continue;
        }
        long long delay = retval < 0 ? 0 : retval;
        te->when = aeMonotonicUs() + delay * 1000;
        /* Never again in this pass, even with a zero delay. */
        if (te->when <= now) te->when = now + 1;
        aeHeapInsert(eventLoop, te);
    }
    eventLoop->timePassNow = outerPassNow;
    return processed;
}

/* Dispatches one fired fd. The readable proc runs before the writable one
 * unless the fd carries AE_BARRIER. Each registered proc is called once,
 * with the single bit it was registered for; before the second call the
 * registration is read again, so a first handler that unregistered (or
 * closed) the fd stops the second one. */
static int aeDispatchFired(aeEventLoop *eventLoop, int fd, int mask) {
    int calls = 0;
    aeFileEvent *fe = &eventLoop->events[fd];
    int invert = fe->mask & AE_BARRIER;

    if (!invert && (fe->mask & mask & AE_READABLE)) {
        fe->rfileProc(eventLoop, fd, fe->clientData, AE_READABLE);
        calls++;
        fe = &eventLoop->events[fd]; /* the proc may have resized the loop */
    }
    if (fe->mask & mask & AE_WRITABLE) {
        fe->wfileProc(eventLoop, fd, fe->clientData, AE_WRITABLE);
        calls++;
        fe = &eventLoop->events[fd];
    }
    if (invert && (fe->mask & mask & AE_READABLE)) {
        fe->rfileProc(eventLoop, fd, fe->clientData, AE_READABLE);
        calls++;
    }
    return calls ? 1 : 0;
}

/* Runs one iteration of the loop according to <flags>: AE_FILE_EVENTS,
 * AE_TIME_EVENTS, AE_DONT_WAIT (do not sleep), AE_CALL_BEFORE_SLEEP and
 * AE_CALL_AFTER_SLEEP (run the hooks around the poll). Without
 * AE_DONT_WAIT (in <flags> or set by aeSetDontWait) it sleeps until the
 * nearest timer, or until an fd fires when there is none. Returns the
 * number of file and time events processed. */
int aeProcessEvents(aeEventLoop *eventLoop, int flags) {
    int processed = 0;
    if (!(flags & AE_TIME_EVENTS) && !(flags & AE_FILE_EVENTS)) return 0;

    if (eventLoop->maxfd != -1 ||
        ((flags & AE_TIME_EVENTS) && !(flags & AE_DONT_WAIT))) {
        int timeout_ms = -1;
        /* The hook may ask for no sleep (aeSetDontWait), so it runs first. */
        if ((flags & AE_CALL_BEFORE_SLEEP) && eventLoop->beforesleep)
            eventLoop->beforesleep(eventLoop);

        if ((flags & AE_DONT_WAIT) || (eventLoop->flags & AE_DONT_WAIT)) {
            timeout_ms = 0;
        } else if (flags & AE_TIME_EVENTS) {
            long long us = aeUsUntilEarliestTimer(eventLoop);
            if (us >= 0) {
                long long ms = (us + 999) / 1000;
                timeout_ms = ms > INT32_MAX ? INT32_MAX : (int)ms;
            }
        }

        int numevents = aeApiPoll(eventLoop, timeout_ms);

        if ((flags & AE_CALL_AFTER_SLEEP) && eventLoop->aftersleep)
            eventLoop->aftersleep(eventLoop);

        if (flags & AE_FILE_EVENTS) {
            /* A proc may shrink the set size; what no longer fits is
             * reported again by the next (level-triggered) poll. */
            for (int j = 0; j < numevents && j < eventLoop->setsize; j++) {
                int fd = eventLoop->fired[j].fd;
                if (fd >= eventLoop->setsize) continue;
                processed +=
                    aeDispatchFired(eventLoop, fd, eventLoop->fired[j].mask);
            }
        }
    }
    if (flags & AE_TIME_EVENTS) processed += aeProcessTimeEvents(eventLoop);
    return processed;
}

/* Waits up to <milliseconds> (-1: forever) for <fd> to become readable or
 * writable as asked in <mask>, with poll(2). Returns the mask that is
 * ready (an error or hang-up counts as every asked bit, so the caller's
 * read or write reports it), 0 on time-out, -1 on error. */
int aeWait(int fd, int mask, long long milliseconds) {
    struct pollfd pfd;
    int timeout = milliseconds < 0           ? -1
                  : milliseconds > INT32_MAX ? INT32_MAX
                                             : (int)milliseconds;
    memset(&pfd, 0, sizeof(pfd));
    pfd.fd = fd;
    if (mask & AE_READABLE) pfd.events |= POLLIN;
    if (mask & AE_WRITABLE) pfd.events |= POLLOUT;
    int rv = poll(&pfd, 1, timeout);
    if (rv < 0) return -1;
    if (rv == 0) return 0;
    int retmask = 0;
    if (pfd.revents & POLLIN) retmask |= AE_READABLE;
    if (pfd.revents & POLLOUT) retmask |= AE_WRITABLE;
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
        retmask |= mask & (AE_READABLE | AE_WRITABLE);
    return retmask;
}

/* Runs iterations, with both sleep hooks, until aeStop is called. */
void aeMain(aeEventLoop *eventLoop) {
    eventLoop->stop = 0;
    while (!eventLoop->stop) {
        aeProcessEvents(eventLoop, AE_ALL_EVENTS | AE_CALL_BEFORE_SLEEP |
                                       AE_CALL_AFTER_SLEEP);
    }
}

/* Returns the name of the polling API, for INFO. */
const char *aeGetApiName(void) {
    return "epoll";
}

/* Sets the hook run before each sleep (NULL: none). */
void aeSetBeforeSleepProc(aeEventLoop *eventLoop,
                          aeBeforeSleepProc *beforesleep) {
    eventLoop->beforesleep = beforesleep;
}

/* Sets the hook run after each wake-up (NULL: none). */
void aeSetAfterSleepProc(aeEventLoop *eventLoop,
                         aeBeforeSleepProc *aftersleep) {
    eventLoop->aftersleep = aftersleep;
}
