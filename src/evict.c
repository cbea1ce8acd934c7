/* evict: maxmemory enforcement. When used memory is over the limit, keys
 * are evicted by the configured policy, approximated by sampling as Redis
 * documents (maxmemory-samples keys per database and round). */
#include "server.h"

#include <math.h>

/* Memory that does not count against maxmemory (replica and AOF buffers
 * once they exist). */
size_t freeMemoryGetNotCountedMemory(void) {
    /* Replicas' output buffers: evicting keys to make room for them would
     * only grow them further (the DELs go to the replicas too). */
    return replicationNotCountedMemory();
}

/* Higher is a better eviction candidate. */
static double evictionScore(redisDb *db, dictEntry *de, int policy) {
    robj *key_val;
    if (policy == MAXMEMORY_VOLATILE_TTL) {
        long long when = dictGetSignedIntegerVal(de);
        return -(double)when;
    }
    if (policy & MAXMEMORY_FLAG_ALLKEYS)
        key_val = dictGetVal(de);
    else
        key_val = dictFetchValue(db->dict, dictGetKey(de));
    if (!key_val) return -1;
    if (policy & MAXMEMORY_FLAG_LFU)
        return 255.0 - (double)LFUDecrAndReturn(key_val);
    return (double)estimateObjectIdleTime(key_val);
}

static int evictOneKey(void) {
    int policy = server.maxmemory_policy;
    int allkeys = policy & MAXMEMORY_FLAG_ALLKEYS;
    int random_policy = policy == MAXMEMORY_ALLKEYS_RANDOM ||
                        policy == MAXMEMORY_VOLATILE_RANDOM;
    redisDb *best_db = NULL;
    sds best_key = NULL;
    double best_score = -1;
    int samples = server.maxmemory_samples > 0 ? server.maxmemory_samples : 5;
    dictEntry **found = zmalloc(sizeof(dictEntry *) * samples);

    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        dict *d = allkeys ? db->dict : db->expires;
        if (dictSize(d) == 0) continue;
        if (random_policy) {
            dictEntry *de = dictGetRandomKey(d);
            best_db = db;
            best_key = dictGetKey(de);
            break;
        }
        unsigned int n = dictGetSomeKeys(d, found, samples);
        for (unsigned int k = 0; k < n; k++) {
            double score = evictionScore(db, found[k], policy);
            if (score > best_score) {
                best_score = score;
                best_db = db;
                best_key = dictGetKey(found[k]);
            }
        }
    }
    zfree(found);
    if (!best_key) return 0;
    robj *keyobj = createStringObject(best_key, sdsLen(best_key));
    propagateDeletion(best_db, keyobj, server.lazyfree_lazy_eviction);
    if (server.lazyfree_lazy_eviction)
        dbAsyncDelete(best_db, keyobj);
    else
        dbSyncDelete(best_db, keyobj);
    signalModifiedKey(NULL, best_db, keyobj);
    notifyKeyspaceEvent(NOTIFY_EVICTED, "evicted", keyobj, best_db->id);
    decrRefCount(keyobj);
    server.stat_evictedkeys++;
    return 1;
}

/* Whether the memory that counts against maxmemory is within it. */
static int evictMemoryIsOk(void) {
    size_t used = zmallocUsedMemory();
    size_t ignored = freeMemoryGetNotCountedMemory();
    used = used > ignored ? used - ignored : 0;
    return used <= server.maxmemory;
}

/* The time one call of performEvictions may spend evicting, from
 * maxmemory-eviction-tenacity as redis.conf documents it: 0..10 grows
 * linearly to 500 microseconds (the default, 10), then by 15% per step,
 * and 100 means no limit. */
static unsigned long long evictTimeLimitUs(void) {
    int t = server.maxmemory_eviction_tenacity;
    if (t <= 10) return 50ULL * (unsigned long long)(t < 0 ? 0 : t);
    if (t < 100) return (unsigned long long)(500.0 * pow(1.15, t - 10.0));
    return ULLONG_MAX;
}

static long long evictTimerId = -1;

/* Keeps evicting between commands while memory is over the limit: the
 * work a call left when its time ran out goes on from this timer. */
static int evictTimeProc(struct aeEventLoop *el, long long id,
                               void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    if (performEvictions() == EVICT_RUNNING) return 0; /* again at once */
    evictTimerId = -1;
    return AE_NOMORE;
}

/* Schedules eviction from the event loop (see evictTimeProc); used when a
 * pass runs out of time and when CONFIG SET lowers maxmemory. */
void evictStartTimeProc(void) {
    if (evictTimerId != -1 || server.el == NULL) return;
    evictTimerId = aeCreateTimeEvent(server.el, 0, evictTimeProc, NULL, NULL);
}

static int evictPass(void);

/* Since when (monotonic us, 0: not now) memory has been over maxmemory,
 * and the time over it before that, for INFO's *_eviction_exceeded_time. */
static long long evictOverSince = 0;
static long long evictOverTotal = 0;

/* Evicts keys until memory is under maxmemory, for at most the time that
 * maxmemory-eviction-tenacity allows; when that runs out a timer carries
 * on between commands. Returns EVICT_OK when under the limit (or no
 * limit), EVICT_RUNNING when the timer goes on with the work, EVICT_FAIL
 * when nothing more can be evicted (including the noeviction policy). */
int performEvictions(void) {
    int result;
    if (!server.maxmemory)
        result = EVICT_OK;
    else if (server.masterhost && server.repl_slave_ignore_maxmemory)
        result = EVICT_OK; /* a replica follows its master's dataset */
    else
        result = evictPass();
    if (result == EVICT_OK) {
        if (evictOverSince) {
            evictOverTotal += monotonicUs() - evictOverSince;
            evictOverSince = 0;
        }
    } else if (evictOverSince == 0) {
        evictOverSince = monotonicUs();
    }
    return result;
}

/* INFO stats: milliseconds spent over maxmemory in all (*<total>, the
 * current stretch included) and in the current stretch (*<current>, 0
 * when under the limit). */
void evictGetExceededTime(long long *total, long long *current) {
    /* Without a limit no command runs an eviction pass to end the
     * stretch: end it here. */
    if (!server.maxmemory && evictOverSince) {
        evictOverTotal += monotonicUs() - evictOverSince;
        evictOverSince = 0;
    }
    long long cur = evictOverSince ? monotonicUs() - evictOverSince : 0;
    *current = cur / 1000;
    *total = (evictOverTotal + cur) / 1000;
}

/* CONFIG RESETSTAT: forgets the time spent over maxmemory so far. */
void evictResetStats(void) {
    evictOverTotal = 0;
    if (evictOverSince) evictOverSince = monotonicUs();
}

/* One eviction pass of performEvictions, with the memory over the limit
 * (or not) as the caller found it. */
static int evictPass(void) {
    if (evictMemoryIsOk()) return EVICT_OK;
    if (server.maxmemory_policy == MAXMEMORY_NO_EVICTION) return EVICT_FAIL;
    unsigned long long limit = evictTimeLimitUs();
    long long start = monotonicUs();
    unsigned long evicted = 0;
    int result = EVICT_OK;
    for (;;) {
        if (!evictOneKey()) {
            result = EVICT_FAIL;
            break;
        }
        evicted++;
        if (evictMemoryIsOk()) break;
        /* The clock is read every 16 keys, as often as is useful. */
        if (evicted % 16 == 0 &&
            (unsigned long long)(monotonicUs() - start) > limit) {
            evictStartTimeProc();
            result = EVICT_RUNNING;
            break;
        }
    }
    if (result == EVICT_FAIL) {
        /* Nothing left to evict, but the free thread may still be giving
         * memory back: wait for it a little (within the same budget). */
        long long wait_start = monotonicUs();
        while (lazyfreeGetPendingObjectsCount() > 0 &&
               (unsigned long long)(monotonicUs() - wait_start) < limit) {
            if (evictMemoryIsOk()) {
                result = EVICT_OK;
                break;
            }
            usleep(limit < 1000 ? (useconds_t)limit : 1000);
        }
        if (result == EVICT_FAIL && evictMemoryIsOk()) result = EVICT_OK;
    }
    return result;
}

/* ---------------------------- client eviction ---------------------------- */

/* The memory all evictable clients together may use: maxmemory-clients in
 * bytes, or as a percentage of maxmemory; 0 when client eviction is off.
 * Never below 128 KB, so that a slip of the configuration cannot cut every
 * client off, Redis 7.0's floor too. */
size_t clientEvictionLimit(void) {
    unsigned long long limit;
    if (server.maxmemory_clients < 0) {
        if (server.maxmemory == 0) return 0;
        limit = (unsigned long long)((double)server.maxmemory *
                                     (double)-server.maxmemory_clients / 100);
    } else if (server.maxmemory_clients > 0) {
        limit = (unsigned long long)server.maxmemory_clients;
    } else {
        return 0;
    }
    if (limit < 128 * 1024) limit = 128 * 1024;
    return limit > SIZE_MAX ? SIZE_MAX : (size_t)limit;
}

/* Whether <c> may be disconnected to save memory: not the master link,
 * replicas, clients that asked for CLIENT NO-EVICT, or ones already
 * closing. */
static int clientEvictionAllowed(client *c) {
    if (c->flags & (CLIENT_NO_EVICT | CLIENT_CLOSE_ASAP | CLIENT_MASTER))
        return 0;
    int type = getClientType(c);
    return type != CLIENT_TYPE_SLAVE && type != CLIENT_TYPE_MASTER;
}

/* Disconnects the clients that use the most memory, largest first, until
 * the evictable clients together are within maxmemory-clients. Runs before
 * the event loop sleeps: one pass over the clients, then one more per
 * client evicted (in practice very few). */
static void evictClientsBeforeSleep(void) {
    size_t limit = clientEvictionLimit();
    if (limit == 0 || listLength(server.clients) == 0) return;
    size_t total = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (clientEvictionAllowed(c)) total += getClientMemoryUsage(c, NULL);
    }
    while (total > limit) {
        client *worst = NULL;
        size_t worst_mem = 0;
        listGetIterator(server.clients, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            client *c = listNodeValue(ln);
            if (!clientEvictionAllowed(c)) continue;
            size_t mem = getClientMemoryUsage(c, NULL);
            if (worst == NULL || mem > worst_mem) {
                worst = c;
                worst_mem = mem;
            }
        }
        if (worst == NULL) break;
        sds ci = catClientInfoString(sdsEmpty(), worst);
        serverLog(LL_VERBOSE, "Evicting client: %s", ci);
        sdsFree(ci);
        server.stat_evictedclients++;
        freeClientAsync(worst);
        total = worst_mem >= total ? 0 : total - worst_mem;
    }
}

/* Hooks client eviction into the event loop; called once from
 * initServer. */
void evictInit(void) {
    registerBeforeSleepHook(evictClientsBeforeSleep);
}
