/* blocked: the generic part of blocking commands (BLPOP and friends,
 * CLIENT PAUSE postponement): parking a client, its time-out, and waking
 * it up. What "serving" a ready key means is each data type's business: a
 * type registers a serve function for its BLOCKED_* kind.
 *
 * A blocked client keeps its command in c->argv. When a key it waits on
 * changes, signalKeyAsReady queues the key; before the loop sleeps, every
 * queued key is offered to the serve function of the clients waiting on it,
 * in the order they blocked.
 *
 * Time-outs: every blocked client with a deadline sits in one binary
 * min-heap on (deadline, client id), its slot kept in c->bpop.timeout_slot,
 * so blocking and unblocking cost O(log n). One ae timer, armed for the
 * earliest deadline, answers the expired clients in bounded batches (at
 * most BLOCKED_TIMEOUT_BATCH clients or BLOCKED_TIMEOUT_BUDGET_US per
 * event-loop turn); when more are due it fires again on the next turn
 * without sleeping, so thousands of clients timing out together do not
 * stall everyone else.
 *
 * Invariants: a client is in the heap iff it is CLIENT_BLOCKED with
 * bpop.timeout > 0 (blockForKeys); a key's entry in c->bpop.keys holds the
 * client's node in that key's list of db->blocking_keys, so unblocking
 * never scans those lists. */
#include <math.h>

#include "server.h"

static blockedServeProc *serveProcs[BLOCKED_NUM];
static blockedCleanupProc *cleanupProcs[BLOCKED_NUM];
static list *readyKeys; /* of readyKey */

typedef struct readyKey {
    redisDb *db;
    robj *key;
} readyKey;

/* Registers <fn> as the serve function for clients blocked as <btype>. */
void registerBlockedServeProc(int btype, blockedServeProc *fn) {
    serveProcs[btype] = fn;
}

/* ---------------------------------------------------------------------
 * The time-out heap
 * ------------------------------------------------------------------ */

/* Most clients answered per turn, and the time spent on it. The replies
 * are written later in the same turn and cost about as much again (a
 * syscall each), so a turn stays around a millisecond: 10,000 expired
 * clients drain in about 160 turns (~0.2 s) while a PING from anyone else
 * waits at most a turn (utils/bench-timeouts.py, docs/performance.md). */
#define BLOCKED_TIMEOUT_BATCH 64
#define BLOCKED_TIMEOUT_BUDGET_US 500

static client **timeoutHeap;
static long timeoutHeapLen, timeoutHeapCap;
static long long timeoutTimerId = -1; /* the one ae timer, -1 if none */
static long long timeoutTimerAt;      /* the deadline (ms) it is armed for */
static int timeoutTimerRunning;       /* its proc is on the stack */

/* 1 if <a> times out before <b>: earlier deadline, then older client. */
static int timeoutBefore(const client *a, const client *b) {
    if (a->bpop.timeout != b->bpop.timeout)
        return a->bpop.timeout < b->bpop.timeout;
    return a->id < b->id;
}

static void timeoutHeapPlace(long i, client *c) {
    timeoutHeap[i] = c;
    c->bpop.timeout_slot = i + 1;
}

static void timeoutHeapSiftUp(long i) {
    client *c = timeoutHeap[i];
    while (i > 0) {
        long parent = (i - 1) / 2;
        if (!timeoutBefore(c, timeoutHeap[parent])) break;
        timeoutHeapPlace(i, timeoutHeap[parent]);
        i = parent;
    }
    timeoutHeapPlace(i, c);
}

static void timeoutHeapSiftDown(long i) {
    client *c = timeoutHeap[i];
    for (;;) {
        long child = 2 * i + 1;
        if (child >= timeoutHeapLen) break;
        if (child + 1 < timeoutHeapLen &&
            timeoutBefore(timeoutHeap[child + 1], timeoutHeap[child]))
            child++;
        if (!timeoutBefore(timeoutHeap[child], c)) break;
        timeoutHeapPlace(i, timeoutHeap[child]);
        i = child;
    }
    timeoutHeapPlace(i, c);
}

static void timeoutHeapInsert(client *c) {
    if (timeoutHeapLen == timeoutHeapCap) {
        timeoutHeapCap = timeoutHeapCap ? timeoutHeapCap * 2 : 64;
        timeoutHeap =
            zrealloc(timeoutHeap, sizeof(client *) * timeoutHeapCap);
    }
    long i = timeoutHeapLen++;
    timeoutHeapPlace(i, c);
    timeoutHeapSiftUp(i);
}

static void timeoutHeapRemove(client *c) {
    long i = c->bpop.timeout_slot - 1;
    long last = --timeoutHeapLen;
    serverAssert(i >= 0 && i <= last && timeoutHeap[i] == c);
    c->bpop.timeout_slot = 0;
    if (i != last) {
        client *moved = timeoutHeap[last];
        timeoutHeapPlace(i, moved);
        if (i > 0 && timeoutBefore(moved, timeoutHeap[(i - 1) / 2]))
            timeoutHeapSiftUp(i);
        else
            timeoutHeapSiftDown(i);
    }
    if (timeoutHeapCap > 256 && timeoutHeapLen < timeoutHeapCap / 4) {
        timeoutHeapCap /= 2;
        timeoutHeap =
            zrealloc(timeoutHeap, sizeof(client *) * timeoutHeapCap);
    }
}

/* Answers and unblocks the clients whose deadline has passed, earliest
 * first, within one batch. Returns 1 if expired clients are left over for
 * the next turn, 0 otherwise. */
static int expireBlockedClients(void) {
    long long now = mstime();
    long long start = monotonicUs();
    int done = 0;
    while (timeoutHeapLen > 0 && timeoutHeap[0]->bpop.timeout <= now) {
        if (done >= BLOCKED_TIMEOUT_BATCH) return 1;
        if (done > 0 && done % 16 == 0 &&
            monotonicUs() - start >= BLOCKED_TIMEOUT_BUDGET_US)
            return 1;
        client *c = timeoutHeap[0];
        replyToBlockedClientTimedOut(c);
        unblockClient(c); /* takes it out of the heap */
        done++;
    }
    return 0;
}

static int blockedTimeoutTimerProc(struct aeEventLoop *el, long long id,
                                   void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    timeoutTimerRunning = 1;
    int more = expireBlockedClients();
    timeoutTimerRunning = 0;
    if (timeoutHeapLen == 0) {
        timeoutTimerId = -1;
        return AE_NOMORE;
    }
    timeoutTimerAt = timeoutHeap[0]->bpop.timeout;
    if (more) return 0; /* next turn, after the loop served the others */
    long long delay = timeoutTimerAt - mstime();
    if (delay < 0) delay = 0;
    return delay > INT32_MAX ? INT32_MAX : (int)delay;
}

/* Makes sure the timer fires no later than the deadline of <c>, just
 * added to the heap. */
static void armTimeoutTimer(client *c) {
    long long at = c->bpop.timeout;
    if (timeoutTimerRunning) return; /* its proc re-arms from the heap */
    if (timeoutTimerId != -1) {
        if (timeoutTimerAt <= at) return;
        aeDeleteTimeEvent(server.el, timeoutTimerId);
        timeoutTimerId = -1;
    }
    long long delay = at - mstime();
    if (delay < 0) delay = 0;
    timeoutTimerId = aeCreateTimeEvent(server.el, delay,
                                       blockedTimeoutTimerProc, NULL, NULL);
    timeoutTimerAt = at;
}

/* Takes <c> out of the time-out heap if it is in it; the timer goes away
 * with the last client. */
static void removeBlockedClientTimeout(client *c) {
    if (c->bpop.timeout_slot == 0) return;
    timeoutHeapRemove(c);
    if (timeoutHeapLen == 0 && timeoutTimerId != -1 && !timeoutTimerRunning) {
        aeDeleteTimeEvent(server.el, timeoutTimerId);
        timeoutTimerId = -1;
    }
}

/* Registers <fn>, called whenever a client blocked as <btype> is unblocked
 * (served, timed out, freed) to release what the type kept in c->bpop. */
void registerBlockedCleanupProc(int btype, blockedCleanupProc *fn) {
    cleanupProcs[btype] = fn;
}

/* Parks <c> as <btype> on <keys> (may be 0 keys) until served, timed out
 * (c->bpop.timeout, absolute ms, 0 = forever) or unblocked. */
void blockForKeys(client *c, int btype, robj **keys, int numkeys,
                  long long timeout) {
    if (!c->bpop.keys) c->bpop.keys = dictCreate(&objectKeyPointerDictType);
    c->bpop.timeout = timeout;
    for (int j = 0; j < numkeys; j++) {
        dictEntry *mine = dictAddRaw(c->bpop.keys, keys[j], NULL);
        if (mine == NULL) continue; /* the same key twice */
        incrRefCount(keys[j]);
        dictEntry *de = dictFind(c->db->blocking_keys, keys[j]);
        list *l;
        if (!de) {
            l = listCreate();
            incrRefCount(keys[j]);
            dictAdd(c->db->blocking_keys, keys[j], l);
        } else {
            l = dictGetVal(de);
        }
        listAddNodeTail(l, c);
        dictSetVal(c->bpop.keys, mine, listLast(l));
    }
    c->bpop.db = c->db;
    c->flags |= CLIENT_BLOCKED;
    c->btype = btype;
    server.blocked_clients++;
    server.blocked_clients_by_type[btype]++;
    if (timeout > 0) {
        timeoutHeapInsert(c);
        armTimeoutTimer(c);
    }
}

static void unblockClientWaitingKeys(client *c) {
    if (!c->bpop.keys) return;
    dictIterator *di = dictGetIterator(c->bpop.keys);
    dictEntry *de;
    while ((de = dictNext(di))) {
        robj *key = dictGetKey(de);
        dictEntry *bde = dictFind(c->bpop.db->blocking_keys, key);
        if (bde) {
            list *l = dictGetVal(bde);
            listNode *ln = dictGetVal(de); /* c's node in <l> */
            serverAssert(ln && listNodeValue(ln) == c);
            listDelNode(l, ln);
            if (listLength(l) == 0)
                dictDelete(c->bpop.db->blocking_keys, key);
        }
    }
    dictReleaseIterator(di);
    dictEmpty(c->bpop.keys, NULL);
    if (c->bpop.target) {
        decrRefCount(c->bpop.target);
        c->bpop.target = NULL;
    }
}

/* Wakes <c> up: it stops waiting on its keys and its time-out. A client
 * postponed by CLIENT PAUSE runs its command again; any other has been
 * answered already and goes on with its next command. */
void unblockClient(client *c) {
    if (!(c->flags & CLIENT_BLOCKED)) return;
    int btype = c->btype;
    if (btype == BLOCKED_PAUSE || btype == BLOCKED_POSTPONE) {
        listNode *ln = listSearchKey(server.paused_clients, c);
        if (ln) listDelNode(server.paused_clients, ln);
    } else {
        if (cleanupProcs[btype]) cleanupProcs[btype](c);
        unblockClientWaitingKeys(c);
        removeBlockedClientTimeout(c);
        server.blocked_clients--;
        server.blocked_clients_by_type[btype]--;
        resetClient(c);
    }
    c->flags &= ~CLIENT_BLOCKED;
    c->btype = BLOCKED_NONE;
    if (!(c->flags & CLIENT_UNBLOCKED)) {
        c->flags |= CLIENT_UNBLOCKED;
        listAddNodeTail(server.unblocked_clients, c);
    }
}

/* The reply a blocked client gets when its time-out fires. */
void replyToBlockedClientTimedOut(client *c) {
    if (c->btype == BLOCKED_LIST || c->btype == BLOCKED_ZSET ||
        c->btype == BLOCKED_STREAM)
        addReplyNullArray(c);
    else if (c->btype == BLOCKED_WAIT)
        addReplyLongLong(c, 0);
}

/* Queues <key> of <db> so that clients blocked on it get a chance to be
 * served before the loop sleeps. Cheap when nobody waits on it. */
void signalKeyAsReady(redisDb *db, robj *key, int type) {
    UNUSED(type);
    if (dictSize(db->blocking_keys) == 0) return;
    if (!dictFind(db->blocking_keys, key)) return;
    if (dictFind(db->ready_keys, key)) return;
    if (!readyKeys) readyKeys = listCreate();
    readyKey *rk = zmalloc(sizeof(*rk));
    rk->db = db;
    rk->key = key;
    incrRefCount(key);
    listAddNodeTail(readyKeys, rk);
    incrRefCount(key);
    int rc = dictAdd(db->ready_keys, key, NULL);
    serverAssert(rc == DICT_OK);
}

/* Serves the clients blocked on keys that became ready. Serving may make
 * more keys ready (BLMOVE pushes), so this loops until none are left. */
static void handleClientsBlockedOnKeys(void) {
    while (readyKeys && listLength(readyKeys)) {
        list *l = readyKeys;
        readyKeys = listCreate();
        listNode *ln;
        while ((ln = listFirst(l))) {
            readyKey *rk = listNodeValue(ln);
            dictDelete(rk->db->ready_keys, rk->key);
            dictEntry *de = dictFind(rk->db->blocking_keys, rk->key);
            if (de) {
                list *clients = dictGetVal(de);
                /* Copy: serving unblocks clients, changing the list. */
                long n = listLength(clients);
                client **queue = zmalloc(sizeof(client *) * n);
                listIter li;
                listNode *cn;
                long k = 0;
                listGetIterator(clients, &li, AL_START_HEAD);
                while ((cn = listNext(&li))) queue[k++] = listNodeValue(cn);
                for (k = 0; k < n; k++) {
                    client *c = queue[k];
                    if (!(c->flags & CLIENT_BLOCKED)) continue;
                    blockedServeProc *serve = serveProcs[c->btype];
                    if (!serve) continue;
                    /* As in Redis 7.0, the slow log gets a blocking
                     * command once it is served, as received: serving
                     * rewrites it for propagation, and the rewrite keeps
                     * the original, as in call(). */
                    server.current_client = c;
                    long long start = ustime();
                    int served = serve(c, rk->db, rk->key);
                    long long duration = ustime() - start;
                    server.current_client = NULL;
                    if (served > 0)
                        slowlogPushEntryIfNeeded(
                            c, c->original_argv ? c->original_argv : c->argv,
                            c->original_argv ? c->original_argc : c->argc,
                            duration);
                    clientReleaseOriginalArgv(c);
                    if (served > 0) unblockClient(c);
                    /* Stop at the first client that could not be served:
                     * the key is empty or gone. A negative answer means
                     * only this client cannot be served yet. */
                    if (served == 0) break;
                }
                zfree(queue);
            }
            decrRefCount(rk->key);
            zfree(rk);
            listDelNode(l, ln);
        }
        listRelease(l);
    }
}

/* Called from beforeSleep. */
void blockedBeforeSleep(void) {
    handleClientsBlockedOnKeys();
}

/* Time-outs run from the time-out heap's timer; kept for the call in
 * beforeSleep, where there is nothing left to do. */
void handleBlockedClientsTimeout(void) {}

static void blockedClientFreeHook(client *c) {
    if (c->flags & CLIENT_BLOCKED) {
        unblockClient(c);
    }
    if (c->flags & CLIENT_UNBLOCKED) {
        listNode *ln = listSearchKey(server.unblocked_clients, c);
        if (ln) listDelNode(server.unblocked_clients, ln);
    }
    if (c->bpop.keys) {
        dictRelease(c->bpop.keys);
        c->bpop.keys = NULL;
    }
}

/* Registers the client hooks of this module; called from initServer. */
void blockedInit(void) {
    registerClientFreeHook(blockedClientFreeHook);
}

static uint64_t objectKeyHash(const void *key) {
    const robj *o = key;
    if (sdsEncodedObject(o)) return dictGenHashFunction(o->ptr, sdsLen(o->ptr));
    char buf[32];
    int len = ll2string(buf, sizeof(buf), (long)o->ptr);
    return dictGenHashFunction(buf, len);
}

static int objectKeyCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return equalStringObjects((robj *)a, (robj *)b);
}

static void objectKeyDestructor(dict *d, void *key) {
    UNUSED(d);
    decrRefCount(key);
}

static void listValueDestructor(dict *d, void *val) {
    UNUSED(d);
    listRelease(val);
}

/* robj string keys (a reference is owned by the dict), no values. */
dictType objectKeyPointerDictType = {objectKeyHash, NULL, NULL,
                                     objectKeyCompare, objectKeyDestructor,
                                     NULL, NULL};

/* robj string keys -> list*, both owned by the dict (blocking_keys and
 * watched_keys of a db). */
dictType keylistDictType = {objectKeyHash, NULL, NULL, objectKeyCompare,
                            objectKeyDestructor, listValueDestructor, NULL};

/* Parses the timeout argument <arg> of a blocking command (seconds, with
 * fractions) into an absolute time in ms in *<timeout>, 0 meaning forever.
 * Replies with Redis's error texts and returns C_ERR on a bad value. */
int getBlockingTimeoutOrReply(client *c, robj *arg, long long *timeout) {
    long double secs;
    if (getLongDoubleFromObject(arg, &secs) != C_OK || isnan(secs)) {
        addReplyError(c, "timeout is not a float or out of range");
        return C_ERR;
    }
    long double ms = ceill(secs * 1000.0L);
    /* Values a long long cannot hold count as negative, as in Redis. */
    if (!(ms < 9223372036854775808.0L) || ms < 0) {
        addReplyError(c, "timeout is negative");
        return C_ERR;
    }
    long long tval = (long long)ms;
    if (tval > 0) {
        long long now = mstime();
        tval = tval > LLONG_MAX - now ? 0 : tval + now;
    }
    *timeout = tval;
    return C_OK;
}

/* 1 when <c> must not block: inside MULTI/EXEC a blocking command answers
 * at once. */
int clientDeniesBlocking(client *c) {
    return (c->flags & CLIENT_MULTI) != 0 || server.in_exec;
}
