/* test_ae.c: unit tests of the event loop's timers (ae.c): the min-heap on
 * (deadline, id), the id -> event table, and the semantics callers rely on
 * (AE_NOMORE, deletion from inside procs, finalizers, timers created by a
 * proc waiting for the next pass, earliest deadline first, the sleep time
 * taken from the earliest timer).
 *
 * White-box where it helps: the heap invariant and each event's slot are
 * checked after every batch of operations, and random sequences of
 * insertions, deletions and firings are compared with a plain reference
 * model (sort by deadline, then id). Nothing sleeps: waits spin on the
 * monotonic clock until a condition holds. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../ae.h"
#include "../dict.h"
#include "../zmalloc.h"
#include "test_help.h"

static long long nowUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Spins until the monotonic clock reaches <us>. */
static void waitUntilUs(long long us) {
    while (nowUs() < us) {
    }
}

static aeTimeEvent *eventById(aeEventLoop *loop, long long id) {
    return dictFetchValue(loop->timeEventsById, (void *)(intptr_t)id);
}

/* 1 if the heap is ordered, every event knows its slot, and every event in
 * it is reachable by id. */
static int heapIsValid(aeEventLoop *loop) {
    for (long i = 0; i < loop->timeHeapLen; i++) {
        aeTimeEvent *te = loop->timeHeap[i];
        if (te->heapIndex != i || te->deleted || te->running) return 0;
        if (eventById(loop, te->id) != te) return 0;
        if (i > 0) {
            aeTimeEvent *p = loop->timeHeap[(i - 1) / 2];
            if (p->when > te->when) return 0;
            if (p->when == te->when && p->id > te->id) return 0;
        }
    }
    return loop->timeHeapLen <= loop->timeHeapCap;
}

/* ---------------------------------------------------------------------
 * The reference model of a random run */

typedef struct refTimer {
    long long id;
    long long when;
    int deleted;   /* deleted before it fired */
    int fired;
    long victim;   /* index of the timer its proc deletes, -1 if none */
    int finalized;
} refTimer;

static refTimer *refs;
static long refCount;
static long *fireLog; /* indexes, in firing order */
static long fireLen;
static int victimDeleteResults[2]; /* [0] AE_ERR count, [1] AE_OK count */
static aeEventLoop *randLoop;

static int refCompare(const void *a, const void *b) {
    const refTimer *x = *(refTimer *const *)a, *y = *(refTimer *const *)b;
    if (x->when != y->when) return x->when < y->when ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int randomProc(aeEventLoop *loop, long long id, void *data) {
    long idx = (long)(intptr_t)data;
    (void)id;
    refs[idx].fired = 1;
    fireLog[fireLen++] = idx;
    if (refs[idx].victim >= 0) {
        int rc = aeDeleteTimeEvent(loop, refs[refs[idx].victim].id);
        victimDeleteResults[rc == AE_OK]++;
    }
    return AE_NOMORE;
}

static void randomFinalizer(aeEventLoop *loop, void *data) {
    (void)loop;
    refs[(long)(intptr_t)data].finalized++;
}

/* One random run with <n> timers: random delays (0..<spreadMs>), some
 * deleted before the pass, some procs deleting another timer. Every due
 * timer fires in one pass; the order and the deletions must match the
 * model, and every event is finalized exactly once. */
static int runRandom(unsigned seed, long n, int spreadMs) {
    srand(seed);
    aeEventLoop *loop = aeCreateEventLoop(16);
    randLoop = loop;
    refs = zcalloc(sizeof(refTimer) * n);
    fireLog = zmalloc(sizeof(long) * n);
    refCount = n;
    fireLen = 0;
    victimDeleteResults[0] = victimDeleteResults[1] = 0;
    long long latest = 0;
    for (long i = 0; i < n; i++) {
        long long ms = rand() % (spreadMs + 1);
        refs[i].id = aeCreateTimeEvent(loop, ms, randomProc, (void *)(intptr_t)i,
                                       randomFinalizer);
        if (i > 0 && refs[i].id <= refs[i - 1].id) return 0;
        refs[i].when = eventById(loop, refs[i].id)->when;
        if (refs[i].when > latest) latest = refs[i].when;
        refs[i].victim = rand() % 4 == 0 ? rand() % n : -1;
    }
    if (!heapIsValid(loop) || loop->timeHeapLen != n) return 0;
    /* Delete about a fifth from outside, in random order. */
    for (long k = 0; k < n / 5; k++) {
        long i = rand() % n;
        int rc = aeDeleteTimeEvent(loop, refs[i].id);
        if (rc != (refs[i].deleted ? AE_ERR : AE_OK)) return 0;
        refs[i].deleted = 1;
    }
    if (!heapIsValid(loop)) return 0;
    /* Deleted events wait for the next pass to be finalized. */
    for (long i = 0; i < n; i++)
        if (refs[i].finalized) return 0;

    /* The model: walk the live timers by (when, id). */
    refTimer **order = zmalloc(sizeof(refTimer *) * n);
    for (long i = 0; i < n; i++) order[i] = &refs[i];
    qsort(order, n, sizeof(refTimer *), refCompare);
    char *gone = zcalloc(n);
    long *expected = zmalloc(sizeof(long) * n);
    long expectedLen = 0, expectedOk = 0, expectedErr = 0;
    for (long i = 0; i < n; i++) gone[i] = (char)refs[i].deleted;
    for (long k = 0; k < n; k++) {
        long i = order[k] - refs;
        if (gone[i]) continue;
        gone[i] = 1; /* fired, hence gone */
        expected[expectedLen++] = i;
        if (refs[i].victim >= 0) {
            if (gone[refs[i].victim]) {
                expectedErr++;
            } else {
                expectedOk++;
                gone[refs[i].victim] = 1;
            }
        }
    }

    waitUntilUs(latest + 1);
    int processed = aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    int ok = processed == expectedLen && fireLen == expectedLen &&
             victimDeleteResults[0] == expectedErr &&
             victimDeleteResults[1] == expectedOk;
    for (long k = 0; ok && k < expectedLen; k++)
        if (fireLog[k] != expected[k]) ok = 0;
    if (ok && (loop->timeHeapLen != 0 || !heapIsValid(loop))) ok = 0;
    /* Victims deleted inside a proc are finalized by the next pass. */
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    for (long i = 0; ok && i < n; i++)
        if (refs[i].finalized != 1) ok = 0;
    if (ok && aeGetTimeEventCount(loop) != 0) ok = 0;
    aeDeleteEventLoop(loop);
    zfree(order);
    zfree(gone);
    zfree(expected);
    zfree(refs);
    zfree(fireLog);
    return ok;
}

TEST_CASE(test_random_against_reference) {
    for (unsigned seed = 1; seed <= 20; seed++)
        ASSERT(runRandom(seed, 1 + seed * 37, (int)(seed % 4) * 3));
    /* Everything with the same deadline: creation (id) order decides. */
    ASSERT(runRandom(99, 500, 0));
}

/* ---------------------------------------------------------------------
 * Many timers: random insertions and deletions keep the heap valid */

static int nopProc(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    return AE_NOMORE;
}

TEST_CASE(test_many_timers) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    long n = 100000;
    long long *ids = zmalloc(sizeof(long long) * n);
    srand(7);
    for (long i = 0; i < n; i++)
        ids[i] = aeCreateTimeEvent(loop, 1000 + rand() % 100000, nopProc, NULL,
                                   NULL);
    ASSERT(heapIsValid(loop));
    ASSERT_EQ_INT(loop->timeHeapLen, n);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), n);
    /* Delete all but 100 in random order; the array shrinks again. */
    for (long i = n - 1; i > 0; i--) {
        long j = rand() % (i + 1);
        long long t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
    }
    for (long i = 0; i < n - 100; i++)
        ASSERT_EQ_INT(aeDeleteTimeEvent(loop, ids[i]), AE_OK);
    ASSERT(heapIsValid(loop));
    ASSERT_EQ_INT(loop->timeHeapLen, 100);
    ASSERT(loop->timeHeapCap < 1024);
    /* Already deleted: refused. */
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, ids[0]), AE_ERR);
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 100);
    aeDeleteEventLoop(loop);
    zfree(ids);
}

/* ---------------------------------------------------------------------
 * Ids */

TEST_CASE(test_ids) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    long long a = aeCreateTimeEvent(loop, 0, nopProc, NULL, NULL);
    long long b = aeCreateTimeEvent(loop, 0, nopProc, NULL, NULL);
    ASSERT(a >= 0 && b > a);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, -1), AE_ERR);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, AE_DELETED_EVENT_ID), AE_ERR);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, b + 1000), AE_ERR);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, a), AE_OK);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, a), AE_ERR);
    /* A timer that fired and returned AE_NOMORE is gone too. */
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, b), AE_ERR);
    /* Ids are never reused. */
    long long c = aeCreateTimeEvent(loop, 0, nopProc, NULL, NULL);
    ASSERT(c > b);
    /* Huge and negative delays are clamped, not overflowed. */
    long long far = aeCreateTimeEvent(loop, LLONG_MAX, nopProc, NULL, NULL);
    long long neg = aeCreateTimeEvent(loop, -5, nopProc, NULL, NULL);
    ASSERT(eventById(loop, far)->when > nowUs());
    ASSERT(eventById(loop, neg)->when <= nowUs());
    ASSERT(heapIsValid(loop));
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 2);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 1);
    aeDeleteEventLoop(loop);
}

/* ---------------------------------------------------------------------
 * Procs that delete, create, reschedule and recurse */

static int finalized;
static int calls[8];
static long long otherId;

static void countFinalizer(aeEventLoop *loop, void *data) {
    (void)loop;
    (void)data;
    finalized++;
}

/* Deletes its own event and another one, then asks to run again (which
 * must be ignored). */
static int deleterProc(aeEventLoop *loop, long long id, void *data) {
    (void)data;
    calls[0]++;
    if (aeDeleteTimeEvent(loop, id) != AE_OK) calls[7]++;
    if (aeDeleteTimeEvent(loop, id) != AE_ERR) calls[7]++;
    if (aeDeleteTimeEvent(loop, otherId) != AE_OK) calls[7]++;
    return 0;
}

static int victimProc(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    calls[1]++;
    return AE_NOMORE;
}

TEST_CASE(test_delete_inside_procs) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    finalized = 0;
    memset(calls, 0, sizeof(calls));
    aeCreateTimeEvent(loop, 0, deleterProc, NULL, countFinalizer);
    /* Due in the same pass, but after the deleter (larger id). */
    otherId = aeCreateTimeEvent(loop, 0, victimProc, NULL, countFinalizer);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(calls[0], 1);
    ASSERT_EQ_INT(calls[1], 0);
    ASSERT_EQ_INT(calls[7], 0);
    /* The deleter was freed when its proc returned; the victim waits. */
    ASSERT_EQ_INT(finalized, 1);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 1);
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(finalized, 2);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 0);
    ASSERT_EQ_INT(calls[0], 1);
    aeDeleteEventLoop(loop);
}

/* A finalizer that deletes another timer: that one is finalized in the
 * same clean-up. */
static void chainFinalizer(aeEventLoop *loop, void *data) {
    (void)data;
    finalized++;
    aeDeleteTimeEvent(loop, otherId);
}

TEST_CASE(test_finalizer_deletes_timer) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    finalized = 0;
    long long first = aeCreateTimeEvent(loop, 60000, nopProc, NULL,
                                        chainFinalizer);
    otherId = aeCreateTimeEvent(loop, 60000, nopProc, NULL, countFinalizer);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, first), AE_OK);
    ASSERT_EQ_INT(finalized, 0);
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(finalized, 2);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 0);
    aeDeleteEventLoop(loop);
}

static int spawnedRan;
static int spawnedProc(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    spawnedRan++;
    return AE_NOMORE;
}

/* Creates 50 zero-delay timers each run, and reschedules itself with 0. */
static int spawnerProc(aeEventLoop *loop, long long id, void *data) {
    (void)id;
    (void)data;
    calls[2]++;
    for (int i = 0; i < 50; i++)
        aeCreateTimeEvent(loop, 0, spawnedProc, NULL, NULL);
    return calls[2] < 3 ? 0 : AE_NOMORE;
}

TEST_CASE(test_created_in_pass_waits) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    memset(calls, 0, sizeof(calls));
    spawnedRan = 0;
    aeCreateTimeEvent(loop, 0, spawnerProc, NULL, NULL);
    /* Pass 1: only the spawner, once (its 0 delay means the next pass). */
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(calls[2], 1);
    ASSERT_EQ_INT(spawnedRan, 0);
    ASSERT(heapIsValid(loop));
    /* Pass 2: the 50 spawned (older ids, earlier deadlines) and the
     * spawner; not the 50 it creates now. */
    waitUntilUs(nowUs() + 2);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 51);
    ASSERT_EQ_INT(spawnedRan, 50);
    ASSERT_EQ_INT(calls[2], 2);
    waitUntilUs(nowUs() + 2);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 51);
    waitUntilUs(nowUs() + 2);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 50);
    ASSERT_EQ_INT(spawnedRan, 150);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 0);
    aeDeleteEventLoop(loop);
}

/* Runs the loop recursively (as the server does while loading): the outer
 * timer is not re-entered, other due timers run inside. */
static int recursiveProc(aeEventLoop *loop, long long id, void *data) {
    (void)id;
    (void)data;
    calls[3]++;
    calls[4] += aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    return calls[3] < 2 ? 0 : AE_NOMORE;
}

TEST_CASE(test_recursive_pass) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    memset(calls, 0, sizeof(calls));
    aeCreateTimeEvent(loop, 0, recursiveProc, NULL, NULL);
    long long v = aeCreateTimeEvent(loop, 0, victimProc, NULL, NULL);
    waitUntilUs(eventById(loop, v)->when + 1);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(calls[3], 1);
    ASSERT_EQ_INT(calls[1], 1); /* ran in the nested pass */
    ASSERT_EQ_INT(calls[4], 1);
    ASSERT(heapIsValid(loop));
    waitUntilUs(nowUs() + 2);
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(calls[3], 2);
    ASSERT_EQ_INT(aeGetTimeEventCount(loop), 0);
    aeDeleteEventLoop(loop);
}

/* Periodic timers with different periods keep firing in deadline order
 * and come back to the heap each time. */
static int periodicProc(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    int which = (int)(intptr_t)data;
    calls[which]++;
    return which == 5 ? 1 : 3;
}

TEST_CASE(test_periodic) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    memset(calls, 0, sizeof(calls));
    finalized = 0;
    long long fast = aeCreateTimeEvent(loop, 1, periodicProc, (void *)5,
                                       countFinalizer);
    long long slow = aeCreateTimeEvent(loop, 3, periodicProc, (void *)6,
                                       countFinalizer);
    /* Without AE_DONT_WAIT each call sleeps until the earliest timer, so
     * every call runs at least one timer. */
    for (int i = 0; i < 20; i++) {
        ASSERT(aeProcessEvents(loop, AE_TIME_EVENTS) >= 1);
        ASSERT(heapIsValid(loop));
        ASSERT_EQ_INT(loop->timeHeapLen, 2);
    }
    ASSERT(calls[5] > calls[6]);
    ASSERT(calls[6] >= 1);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, fast), AE_OK);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, slow), AE_OK);
    aeDeleteEventLoop(loop);
    ASSERT_EQ_INT(finalized, 2);
}

/* The sleep comes from the earliest timer: one blocking call with no file
 * events runs the 20 ms timer, not the 60 s one, and not early. */
TEST_CASE(test_sleep_until_earliest) {
    aeEventLoop *loop = aeCreateEventLoop(16);
    memset(calls, 0, sizeof(calls));
    aeCreateTimeEvent(loop, 60000, victimProc, NULL, NULL);
    long long t0 = nowUs();
    long long near = aeCreateTimeEvent(loop, 20, spawnedProc, NULL, NULL);
    long long nearWhen = eventById(loop, near)->when;
    spawnedRan = 0;
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS), 1);
    ASSERT_EQ_INT(spawnedRan, 1);
    ASSERT_EQ_INT(calls[1], 0);
    ASSERT(nowUs() >= nearWhen);
    ASSERT(nearWhen >= t0 + 20000);
    aeDeleteEventLoop(loop);
}

int main(void) {
    RUN_TEST(test_random_against_reference);
    RUN_TEST(test_many_timers);
    RUN_TEST(test_ids);
    RUN_TEST(test_delete_inside_procs);
    RUN_TEST(test_finalizer_deletes_timer);
    RUN_TEST(test_created_in_pass_waits);
    RUN_TEST(test_recursive_pass);
    RUN_TEST(test_periodic);
    RUN_TEST(test_sleep_until_earliest);
    return TEST_REPORT();
}
