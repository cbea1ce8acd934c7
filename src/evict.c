/* evict: maxmemory enforcement. When used memory is over the limit, keys
 * are evicted by the configured policy, approximated by sampling as Redis
 * documents (maxmemory-samples keys per database and round). */
#include "server.h"

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
    dbDelete(best_db, keyobj);
    signalModifiedKey(NULL, best_db, keyobj);
    notifyKeyspaceEvent(NOTIFY_EVICTED, "evicted", keyobj, best_db->id);
    decrRefCount(keyobj);
    server.stat_evictedkeys++;
    return 1;
}

/* Evicts keys until memory is under maxmemory. Returns EVICT_OK when under
 * the limit (or no limit), EVICT_FAIL when nothing more can be evicted
 * (including the noeviction policy). */
int performEvictions(void) {
    if (!server.maxmemory) return EVICT_OK;
    /* A replica follows its master's dataset (replica-ignore-maxmemory). */
    if (server.masterhost && server.repl_slave_ignore_maxmemory) return EVICT_OK;
    size_t guard = 0;
    for (;;) {
        size_t used = zmallocUsedMemory();
        size_t ignored = freeMemoryGetNotCountedMemory();
        used = used > ignored ? used - ignored : 0;
        if (used <= server.maxmemory) return EVICT_OK;
        if (server.maxmemory_policy == MAXMEMORY_NO_EVICTION) return EVICT_FAIL;
        if (!evictOneKey()) return EVICT_FAIL;
        /* Stay responsive: the next command continues the work. */
        if (++guard >= 1000) return EVICT_RUNNING;
    }
}
