/* lazyfree: freeing large values, whole databases and retired script
 * states in one background thread, so that UNLINK, FLUSHALL ASYNC and the
 * lazyfree-lazy-* directives do not stall the event loop.
 *
 * Owns: the free thread, its job queue (a mutex-protected FIFO with a
 * condition variable; backgroundRun queues other slow work there too,
 * such as a replica's fsync of a received RDB) and the two counters INFO
 * shows:
 * lazyfree_pending_objects (objects handed over, not yet freed) and
 * lazyfreed_objects (freed by the thread since start or CONFIG RESETSTAT).
 * Must not touch: anything the main thread may still reach. A job owns
 * what it frees outright: a value already unlinked from its database, a
 * dict no database points to any more, a Lua state no script can run in.
 * Invariants: the thread calls only zmalloc/zfree-level code (their
 * used-memory counter is updated atomically) and the free methods of the
 * values, which touch no server globals; small values (effort at most
 * LAZYFREE_THRESHOLD) are freed at once by the caller, because queueing
 * them costs more than freeing them. */
#include "server.h"
#include "quicklist.h"
#include "stream.h"

#include "script_lua.h"
#include <pthread.h>

/* Above this many allocations to release, a value goes to the thread. */
#define LAZYFREE_THRESHOLD 64

typedef void (*lazyfreeJobFn)(void *a, void *b, void *c);

typedef struct lazyfreeJob {
    lazyfreeJobFn fn;
    void *a, *b, *c;
    struct lazyfreeJob *next;
} lazyfreeJob;

static pthread_t lazyfreeThread;
static int lazyfreeStarted = 0;
static pthread_mutex_t lazyfreeMutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lazyfreeCond = PTHREAD_COND_INITIALIZER;
static lazyfreeJob *lazyfreeHead = NULL, *lazyfreeTail = NULL;

static size_t lazyfreePending = 0; /* atomic */
static size_t lazyfreeFreed = 0;   /* atomic */

/* Counts <n> objects as freed by the thread: freed first, so that a
 * reader who sees nothing pending also sees everything counted. */
static void lazyfreeDone(size_t n) {
    __atomic_add_fetch(&lazyfreeFreed, n, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&lazyfreePending, n, __ATOMIC_SEQ_CST);
}

static void *lazyfreeMain(void *arg) {
    UNUSED(arg);
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the main thread */
    for (;;) {
        pthread_mutex_lock(&lazyfreeMutex);
        while (lazyfreeHead == NULL)
            pthread_cond_wait(&lazyfreeCond, &lazyfreeMutex);
        lazyfreeJob *job = lazyfreeHead;
        lazyfreeHead = job->next;
        if (lazyfreeHead == NULL) lazyfreeTail = NULL;
        pthread_mutex_unlock(&lazyfreeMutex);

        job->fn(job->a, job->b, job->c);
        zfree(job);
    }
    return NULL;
}

/* Starts the free thread; called once from initServer. Exits the process
 * with a log line if the thread cannot be created. */
void lazyfreeInit(void) {
    if (lazyfreeStarted) return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    size_t stack = 0;
    pthread_attr_getstacksize(&attr, &stack);
    if (stack < 4 * 1024 * 1024) pthread_attr_setstacksize(&attr, 4 * 1024 * 1024);
    int rc = pthread_create(&lazyfreeThread, &attr, lazyfreeMain, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        serverLog(LL_WARNING, "Fatal: can't initialize the lazy free thread: "
                              "%s", strerror(rc));
        exit(1);
    }
    /* Named and bound from here, so both hold before start-up goes on:
     * Redis's name for its free thread (ps -T, top -H), and bio_cpulist. */
    pthread_setname_np(lazyfreeThread, "bio_lazy_free");
    cpu_set_t cpus;
    if (server.bio_cpulist && parseCpuList(server.bio_cpulist, &cpus) == 0 &&
        (rc = pthread_setaffinity_np(lazyfreeThread, sizeof(cpus), &cpus)) != 0)
        serverLog(LL_WARNING, "Could not bind the lazy free thread to CPUs "
                              "%s: %s", server.bio_cpulist, strerror(rc));
    lazyfreeStarted = 1;
}

/* Queues <fn>(<a>, <b>, <c>) for the thread; <objects> is what it counts
 * as pending until the job is done. Runs the job in the caller's thread
 * when the free thread was never started (tools, unit tests). */
static void lazyfreeSubmit(lazyfreeJobFn fn, void *a, void *b, void *c,
                           size_t objects) {
    __atomic_add_fetch(&lazyfreePending, objects, __ATOMIC_RELAXED);
    if (!lazyfreeStarted) {
        fn(a, b, c);
        return;
    }
    lazyfreeJob *job = zmalloc(sizeof(*job));
    job->fn = fn;
    job->a = a;
    job->b = b;
    job->c = c;
    job->next = NULL;
    pthread_mutex_lock(&lazyfreeMutex);
    if (lazyfreeTail) lazyfreeTail->next = job;
    else lazyfreeHead = job;
    lazyfreeTail = job;
    pthread_cond_signal(&lazyfreeCond);
    pthread_mutex_unlock(&lazyfreeMutex);
}

static void backgroundRunJob(void *a, void *b, void *c) {
    UNUSED(c);
    void (*fn)(void *) = (void (*)(void *))(uintptr_t)a;
    fn(b);
}

/* See lazyfree.h. */
void backgroundRun(void (*fn)(void *arg), void *arg) {
    lazyfreeSubmit(backgroundRunJob, (void *)(uintptr_t)fn, arg, NULL, 0);
}

/* Objects handed to the thread and not yet freed (INFO memory). */
size_t lazyfreeGetPendingObjectsCount(void) {
    return __atomic_load_n(&lazyfreePending, __ATOMIC_SEQ_CST);
}

/* Objects the thread has freed since start or the last reset. */
size_t lazyfreeGetFreedObjectsCount(void) {
    return __atomic_load_n(&lazyfreeFreed, __ATOMIC_SEQ_CST);
}

/* CONFIG RESETSTAT: zeroes lazyfreed_objects. */
void lazyfreeResetStats(void) {
    __atomic_store_n(&lazyfreeFreed, 0, __ATOMIC_RELAXED);
}

/* Returns roughly how many allocations freeing <o> releases: the nodes of
 * a quicklist, the entries of a hash table or skiplist, the listpacks and
 * group entries of a stream; 1 for the single-allocation encodings
 * (strings, listpacks, intsets), whatever their size. */
size_t lazyfreeGetFreeEffort(robj *o) {
    switch (o->type) {
    case OBJ_LIST:
        if (o->encoding == OBJ_ENCODING_QUICKLIST)
            return ((quicklist *)o->ptr)->len;
        return 1;
    case OBJ_SET:
    case OBJ_HASH:
        if (o->encoding == OBJ_ENCODING_HT) return dictSize((dict *)o->ptr);
        return 1;
    case OBJ_ZSET:
        if (o->encoding == OBJ_ENCODING_SKIPLIST) return zsetLength(o);
        return 1;
    case OBJ_STREAM: {
        stream *s = o->ptr;
        size_t effort = s->nodes ? (size_t)raxSize(s->nodes) : 0;
        if (s->cgroups) {
            raxIter it;
            raxIterInit(&it, s->cgroups);
            for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it)) {
                streamCG *cg = it.val;
                effort += 1 + (size_t)raxSize(cg->pel) +
                          (size_t)raxSize(cg->consumers);
            }
            raxIterRelease(&it);
        }
        return effort;
    }
    default:
        return 1;
    }
}

static void lazyfreeObjectJob(void *a, void *b, void *c) {
    UNUSED(b);
    UNUSED(c);
    decrRefCount(a);
    lazyfreeDone(1);
}

/* Drops the caller's reference to <o>, a value already removed from the
 * keyspace: in the free thread when it is large and nobody else holds it,
 * at once otherwise. */
void freeObjAsync(robj *o) {
    if (o->refcount == 1 && lazyfreeGetFreeEffort(o) > LAZYFREE_THRESHOLD) {
        lazyfreeSubmit(lazyfreeObjectJob, o, NULL, NULL, 1);
    } else {
        decrRefCount(o);
    }
}

static void lazyfreeDictsJob(void *a, void *b, void *c) {
    size_t n = (size_t)c;
    /* The expires dict borrows its keys from the main one: it goes first. */
    if (b) dictRelease(b);
    dictRelease(a);
    lazyfreeDone(n);
}

/* Gives the keys of <db> to the free thread and leaves the database with
 * new empty dicts of the same types. The caller has already signalled the
 * flush (WATCH, blocked clients). */
void emptyDbAsync(redisDb *db) {
    dict *oldDict = db->dict, *oldExpires = db->expires;
    db->dict = dictCreate(oldDict->type);
    db->expires = dictCreate(oldExpires->type);
    freeDictsAsync(oldDict, oldExpires);
}

/* See lazyfree.h. */
void freeDictsAsync(dict *keys, dict *expires) {
    size_t n = dictSize(keys);
    lazyfreeSubmit(lazyfreeDictsJob, keys, expires, (void *)n, n);
}

typedef struct lazyfreeLua {
    lua_State *lua;
    dict *first, *second;
} lazyfreeLua;

static void lazyfreeLuaJob(void *a, void *b, void *c) {
    UNUSED(c);
    lazyfreeLua *job = a;
    size_t n = (size_t)b;
    if (job->first) dictRelease(job->first);
    if (job->second) dictRelease(job->second);
    lua_close(job->lua);
    zfree(job);
    lazyfreeDone(n);
}

/* Releases the dicts <first> then <second> (either may be NULL), whose
 * free methods must touch no Lua state, and closes the retired Lua state
 * <lua>, in the free thread. All three must be unreachable from the
 * server already: the caller has made a new state and new tables. */
void freeLuaStateAsync(lua_State *lua, dict *first, dict *second) {
    lazyfreeLua *job = zmalloc(sizeof(*job));
    job->lua = lua;
    job->first = first;
    job->second = second;
    size_t n = (first ? dictSize(first) : 0) + (second ? dictSize(second) : 0);
    if (n == 0) n = 1;
    lazyfreeSubmit(lazyfreeLuaJob, job, (void *)n, NULL, n);
}
