/* blocked: the generic part of blocking commands (BLPOP and friends,
 * CLIENT PAUSE postponement): parking a client, its time-out, and waking
 * it up. What "serving" a ready key means is each data type's business: a
 * type registers a serve function for its BLOCKED_* kind.
 *
 * A blocked client keeps its command in c->argv. When a key it waits on
 * changes, signalKeyAsReady queues the key; before the loop sleeps, every
 * queued key is offered to the serve function of the clients waiting on it,
 * in the order they blocked. */
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

/* Registers <fn>, called whenever a client blocked as <btype> is unblocked
 * (served, timed out, freed) to release what the type kept in c->bpop. */
void registerBlockedCleanupProc(int btype, blockedCleanupProc *fn) {
    cleanupProcs[btype] = fn;
}

static int blockTimeoutProc(struct aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    client *c = data;
    UNUSED(id);
    c->bpop.timer_id = -1;
    if (c->flags & CLIENT_BLOCKED) {
        replyToBlockedClientTimedOut(c);
        unblockClient(c);
    }
    return AE_NOMORE;
}

/* Parks <c> as <btype> on <keys> (may be 0 keys) until served, timed out
 * (c->bpop.timeout, absolute ms, 0 = forever) or unblocked. */
void blockForKeys(client *c, int btype, robj **keys, int numkeys,
                  long long timeout) {
    if (!c->bpop.keys) c->bpop.keys = dictCreate(&objectKeyPointerDictType);
    c->bpop.timeout = timeout;
    for (int j = 0; j < numkeys; j++) {
        if (dictAdd(c->bpop.keys, keys[j], NULL) != DICT_OK) continue;
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
    }
    c->bpop.db = c->db;
    c->flags |= CLIENT_BLOCKED;
    c->btype = btype;
    server.blocked_clients++;
    server.blocked_clients_by_type[btype]++;
    c->bpop.timer_id = -1;
    if (timeout > 0) {
        long long ms = timeout - mstime();
        if (ms < 1) ms = 1;
        c->bpop.timer_id =
            aeCreateTimeEvent(server.el, ms, blockTimeoutProc, c, NULL);
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
            listNode *ln = listSearchKey(l, c);
            if (ln) listDelNode(l, ln);
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
        if (c->bpop.timer_id != -1) {
            aeDeleteTimeEvent(server.el, c->bpop.timer_id);
            c->bpop.timer_id = -1;
        }
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
                    server.current_client = c;
                    int served = serve(c, rk->db, rk->key);
                    server.current_client = NULL;
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

/* Time-outs run from their own timers; kept for the cron's call. */
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
