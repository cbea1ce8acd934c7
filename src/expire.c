/* expire.c: key expiry.
 *
 * Owns: the expire times of keys (db->expires, keys borrowed from db->dict,
 * values absolute Unix times in ms), lazy expiry on access (expireIfNeeded),
 * the active expiry cycle run from the cron and before sleeping, and the
 * EXPIRE/TTL/PERSIST family of commands.
 * Invariants: an expired key is deleted only on a master (or when a
 * replica's master tells it to), and each deletion is propagated as an
 * explicit DEL/UNLINK so that replicas and the AOF never expire on their
 * own clocks.
 * Must not touch: the dict layout beyond dictScan, reply buffers beyond the
 * addReply* API. */
#include "server.h"
#include "rdb.h"

#include <strings.h>

#define EXPIRE_UNIT_SECONDS 0
#define EXPIRE_UNIT_MS 1

#define EXPIRE_FLAG_NX (1 << 0)
#define EXPIRE_FLAG_XX (1 << 1)
#define EXPIRE_FLAG_GT (1 << 2)
#define EXPIRE_FLAG_LT (1 << 3)

#define EXPIRE_DBS_PER_CALL 16

/* ------------------------------ expire times ----------------------------- */

/* Sets the expire time of the existing <key> in <db> to <when> (absolute
 * ms). <c> is the client doing it, or NULL. */
void setExpire(client *c, redisDb *db, robj *key, long long when) {
    UNUSED(c);
    robj *dec = getDecodedObject(key);
    dictEntry *kde = dictFind(db->dict, dec->ptr);
    decrRefCount(dec);
    serverAssert(kde != NULL);
    rdbSnapBeforeWrite(db->dict, dictGetKey(kde), RDB_SNAP_META);
    /* The expires dict borrows the key sds of the main dict. */
    dictEntry *de = dictAddOrFind(db->expires, dictGetKey(kde));
    dictSetSignedIntegerVal(de, when);
}

/* Returns the expire time (absolute ms) of <key> in <db>, or -1 when it has
 * none or does not exist. */
long long getExpire(redisDb *db, robj *key) {
    if (dictSize(db->expires) == 0) return -1;
    robj *dec = getDecodedObject(key);
    dictEntry *de = dictFind(db->expires, dec->ptr);
    decrRefCount(dec);
    return de ? dictGetSignedIntegerVal(de) : -1;
}

/* Removes the expire time of <key> in <db>. Returns 1 if there was one. */
int removeExpire(redisDb *db, robj *key) {
    if (dictSize(db->expires) == 0) return 0;
    robj *dec = getDecodedObject(key);
    rdbSnapBeforeWrite(db->dict, dec->ptr, RDB_SNAP_META);
    int r = dictDelete(db->expires, dec->ptr) == DICT_OK;
    decrRefCount(dec);
    return r;
}

/* Returns 1 if an expire time <when> (absolute ms) set by a command now
 * means immediate deletion: it is in the past and we are a master that is
 * not loading data. */
int checkAlreadyExpired(long long when) {
    return when <= commandTimeSnapshot() && !server.loading && !server.masterhost;
}

/* Returns 1 if <key> has an expire time that has passed (by the time the
 * current command started). Keys never expire while loading. */
int keyIsExpired(redisDb *db, robj *key) {
    if (server.loading) return 0;
    long long when = getExpire(db, key);
    if (when < 0) return 0;
    return commandTimeSnapshot() > when;
}

/* Propagates the deletion of <key> in <db> to the AOF and replicas as DEL
 * (or UNLINK when <lazy>). */
void propagateDeletion(redisDb *db, robj *key, int lazy) {
    robj *argv[2];
    argv[0] = lazy ? shared.unlink : shared.del;
    argv[1] = key;
    incrRefCount(argv[0]);
    incrRefCount(argv[1]);
    alsoPropagate(db->id, argv, 2, PROPAGATE_AOF | PROPAGATE_REPL);
    decrRefCount(argv[0]);
    decrRefCount(argv[1]);
}

/* Deletes the expired <key> of <db>, fires "expired", invalidates WATCHes,
 * propagates a DEL and counts it. */
static void expireDeleteKey(redisDb *db, robj *key) {
    int lazy = server.lazyfree_lazy_expire;
    if (lazy)
        dbAsyncDelete(db, key);
    else
        dbSyncDelete(db, key);
    notifyKeyspaceEvent(NOTIFY_EXPIRED, "expired", key, db->id);
    signalModifiedKey(NULL, db, key);
    propagateDeletion(db, key, lazy);
    server.stat_expiredkeys++;
}

/* Lazy expiry: returns 1 if <key> is logically expired, deleting it when
 * allowed. A replica deletes nothing (its master sends DELs) unless
 * <force_delete_expired>, and reports expired keys as expired except to
 * its master's own commands. While writes are paused keys are reported as
 * expired but kept. Returns 0 if the key is live or missing. */
int expireIfNeeded(redisDb *db, robj *key, int force_delete_expired) {
    if (!keyIsExpired(db, key)) return 0;
    if (server.masterhost != NULL) {
        client *cc = server.executing_client ? server.executing_client
                                             : server.current_client;
        if (cc && (cc->flags & CLIENT_MASTER)) return 0;
        if (!force_delete_expired) return 1;
    }
    if (checkClientPauseTimeoutAndReturnIfPaused()) return 1;
    expireDeleteKey(db, key);
    return 1;
}

/* ----------------------------- active expiry ----------------------------- */

typedef struct expireSample {
    long long now;
    sds *expired;       /* copies of the keys seen past their time */
    size_t nexpired, cap;
    long sampled;
    long long ttl_sum;
    long ttl_samples;
} expireSample;

static void expireSampleEntry(void *privdata, const dictEntry *de) {
    expireSample *s = privdata;
    long long when = dictGetSignedIntegerVal(de);
    s->sampled++;
    if (when <= s->now) {
        if (s->nexpired == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 32;
            s->expired = zrealloc(s->expired, s->cap * sizeof(sds));
        }
        s->expired[s->nexpired++] = sdsDup(dictGetKey(de));
    } else {
        s->ttl_sum += when - s->now;
        s->ttl_samples++;
    }
}

/* One step of active expiry. A SLOW cycle (from serverCron) samples, in up
 * to 16 databases per call, ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP keys with an
 * expire time at a time, deletes the expired ones and samples again while
 * more than 10% were expired, within 25% of a cron period. A FAST cycle
 * (from beforeSleep) does the same within ~1 ms, and only when the last
 * slow cycle ran out of time or many expired keys are estimated to remain.
 * active-expire-effort scales all of these. Updates
 * stat_expired_stale_perc and stat_expired_time_cap_reached_count. */
void activeExpireCycle(int type) {
    static unsigned int current_db = 0;
    static int timelimit_exit = 0;
    static long long last_fast_cycle = 0;

    if (!server.active_expire_enabled || server.masterhost != NULL) return;
    if (checkClientPauseTimeoutAndReturnIfPaused()) return;

    int effort = server.active_expire_effort - 1;
    if (effort < 0) effort = 0;
    if (effort > 9) effort = 9;
    long keys_per_loop = ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP +
                         ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP / 4 * effort;
    long long fast_duration = ACTIVE_EXPIRE_CYCLE_FAST_DURATION +
                              ACTIVE_EXPIRE_CYCLE_FAST_DURATION / 4 * effort;
    long long slow_perc = ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC + 2 * effort;
    long acceptable_stale = 10 - effort;

    long long start = ustime();
    int dbs_per_call = EXPIRE_DBS_PER_CALL;

    if (type == ACTIVE_EXPIRE_CYCLE_FAST) {
        if (!timelimit_exit && server.stat_expired_stale_perc < acceptable_stale)
            return;
        if (start < last_fast_cycle + fast_duration * 2) return;
        last_fast_cycle = start;
    }
    if (dbs_per_call > server.dbnum || timelimit_exit) dbs_per_call = server.dbnum;

    int hz = server.hz > 0 ? server.hz : CONFIG_DEFAULT_HZ;
    long long timelimit = slow_perc * 1000000 / hz / 100;
    if (timelimit <= 0) timelimit = 1;
    if (type == ACTIVE_EXPIRE_CYCLE_FAST) timelimit = fast_duration;
    timelimit_exit = 0;

    long total_sampled = 0, total_expired = 0;
    expireSample s = {0};
    long iteration = 0;

    for (int j = 0; j < dbs_per_call && !timelimit_exit; j++) {
        redisDb *db = &server.db[current_db % (unsigned)server.dbnum];
        current_db++;
        long expired, sampled;
        do {
            unsigned long num = dictSize(db->expires);
            if (num == 0) {
                db->avg_ttl = 0;
                break;
            }
            /* Too sparse a table makes sampling a waste of time. */
            unsigned long slots = dictSlots(db->expires);
            if (slots > 4 && num * 100 / slots < 1) break;
            if ((long)num > keys_per_loop) num = (unsigned long)keys_per_loop;

            s.now = mstime();
            s.nexpired = 0;
            s.sampled = 0;
            s.ttl_sum = 0;
            s.ttl_samples = 0;
            long max_buckets = (long)num * 20, buckets = 0;
            while (s.sampled < (long)num && buckets < max_buckets) {
                db->expires_cursor =
                    dictScan(db->expires, db->expires_cursor, expireSampleEntry, &s);
                buckets++;
                if (db->expires_cursor == 0 && dictSize(db->expires) == 0) break;
            }
            expired = 0;
            for (size_t k = 0; k < s.nexpired; k++) {
                /* A resize between scan steps may report a key twice. */
                if (dictFind(db->expires, s.expired[k]) != NULL) {
                    robj *key = createObject(OBJ_STRING, s.expired[k]);
                    expireDeleteKey(db, key);
                    decrRefCount(key);
                    expired++;
                } else {
                    sdsFree(s.expired[k]);
                }
            }
            sampled = s.sampled;
            total_expired += expired;
            total_sampled += sampled;
            if (s.ttl_samples) {
                long long avg = s.ttl_sum / s.ttl_samples;
                if (db->avg_ttl == 0)
                    db->avg_ttl = avg;
                else
                    db->avg_ttl = (db->avg_ttl / 50) * 49 + (avg / 50);
            }
            if ((iteration++ & 0xf) == 0 && ustime() - start > timelimit) {
                timelimit_exit = 1;
                server.stat_expired_time_cap_reached_count++;
                break;
            }
        } while (sampled == 0 || expired * 100 / sampled > acceptable_stale);
    }
    zfree(s.expired);

    double perc = total_sampled ? (double)total_expired / total_sampled : 0;
    server.stat_expired_stale_perc =
        perc * 0.05 + server.stat_expired_stale_perc * 0.95;
}

/* -------------------------------- commands ------------------------------- */

/* Parses NX/XX/GT/LT after argv[2] into *<flags>, replying on errors. */
static int expireParseFlagsOrReply(client *c, int *flags) {
    int f = 0;
    for (int j = 3; j < c->argc; j++) {
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "nx"))
            f |= EXPIRE_FLAG_NX;
        else if (!strcasecmp(opt, "xx"))
            f |= EXPIRE_FLAG_XX;
        else if (!strcasecmp(opt, "gt"))
            f |= EXPIRE_FLAG_GT;
        else if (!strcasecmp(opt, "lt"))
            f |= EXPIRE_FLAG_LT;
        else {
            addReplyErrorFormat(c, "Unsupported option %s", opt);
            return C_ERR;
        }
    }
    if ((f & EXPIRE_FLAG_NX) && (f & (EXPIRE_FLAG_XX | EXPIRE_FLAG_GT | EXPIRE_FLAG_LT))) {
        addReplyError(c, "NX and XX, GT or LT options at the same time are not "
                         "compatible");
        return C_ERR;
    }
    if ((f & EXPIRE_FLAG_GT) && (f & EXPIRE_FLAG_LT)) {
        addReplyError(c, "GT and LT options at the same time are not compatible");
        return C_ERR;
    }
    *flags = f;
    return C_OK;
}

/* EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT: argv[2] in <unit>s, relative to
 * <basetime> ms (0 for the absolute forms). Propagated as PEXPIREAT with an
 * absolute time, or as DEL when the time is already past. */
static void expireGenericCommand(client *c, long long basetime, int unit) {
    robj *key = c->argv[1];
    long long when;
    int flags;

    if (expireParseFlagsOrReply(c, &flags) != C_OK) return;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &when, NULL) != C_OK) return;
    if (unit == EXPIRE_UNIT_SECONDS) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            addReplyErrorExpireTime(c);
            return;
        }
        when *= 1000;
    }
    if ((basetime > 0 && when > LLONG_MAX - basetime) ||
        (basetime < 0 && when < LLONG_MIN - basetime)) {
        addReplyErrorExpireTime(c);
        return;
    }
    when += basetime;

    if (lookupKeyWrite(c->db, key) == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (flags) {
        long long cur = getExpire(c->db, key);
        if (((flags & EXPIRE_FLAG_NX) && cur != -1) ||
            ((flags & EXPIRE_FLAG_XX) && cur == -1) ||
            /* No expire time counts as infinite for GT and LT. */
            ((flags & EXPIRE_FLAG_GT) && (cur == -1 || when <= cur)) ||
            ((flags & EXPIRE_FLAG_LT) && cur != -1 && when >= cur)) {
            addReply(c, shared.czero);
            return;
        }
    }

    if (checkAlreadyExpired(when)) {
        int lazy = server.lazyfree_lazy_expire;
        int deleted = lazy ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
        serverAssert(deleted);
        server.dirty++;
        incrRefCount(key);
        rewriteClientCommandVector(c, 2, lazy ? shared.unlink : shared.del, key);
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        decrRefCount(key);
        addReply(c, shared.cone);
        return;
    }
    setExpire(c, c->db, key, when);
    addReply(c, shared.cone);
    if (c->cmd == NULL || c->cmd->proc != pexpireatCommand)
        rewriteClientCommandArgument(c, 0, shared.pexpireat);
    if (basetime != 0 || unit == EXPIRE_UNIT_SECONDS) {
        robj *w = createStringObjectFromLongLong(when);
        rewriteClientCommandArgument(c, 2, w);
        decrRefCount(w);
    }
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
    server.dirty++;
}

/* EXPIRE key seconds [NX|XX|GT|LT] */
void expireCommand(client *c) {
    expireGenericCommand(c, commandTimeSnapshot(), EXPIRE_UNIT_SECONDS);
}

/* EXPIREAT key unix-time-seconds [NX|XX|GT|LT] */
void expireatCommand(client *c) {
    expireGenericCommand(c, 0, EXPIRE_UNIT_SECONDS);
}

/* PEXPIRE key milliseconds [NX|XX|GT|LT] */
void pexpireCommand(client *c) {
    expireGenericCommand(c, commandTimeSnapshot(), EXPIRE_UNIT_MS);
}

/* PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] */
void pexpireatCommand(client *c) {
    expireGenericCommand(c, 0, EXPIRE_UNIT_MS);
}

/* TTL family: -2 missing, -1 no expire time, else the remaining time (or
 * the absolute time when <absolute>) in ms or rounded seconds. */
static void expireTtlGeneric(client *c, int in_ms, int absolute) {
    if (lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH) == NULL) {
        addReplyLongLong(c, -2);
        return;
    }
    long long expire = getExpire(c->db, c->argv[1]);
    if (expire == -1) {
        addReplyLongLong(c, -1);
        return;
    }
    long long ttl = absolute ? expire : expire - commandTimeSnapshot();
    if (ttl < 0) ttl = 0;
    addReplyLongLong(c, in_ms ? ttl : (ttl + 500) / 1000);
}

/* TTL key */
void ttlCommand(client *c) {
    expireTtlGeneric(c, 0, 0);
}

/* PTTL key */
void pttlCommand(client *c) {
    expireTtlGeneric(c, 1, 0);
}

/* EXPIRETIME key */
void expiretimeCommand(client *c) {
    expireTtlGeneric(c, 0, 1);
}

/* PEXPIRETIME key */
void pexpiretimeCommand(client *c) {
    expireTtlGeneric(c, 1, 1);
}

/* PERSIST key */
void persistCommand(client *c) {
    if (lookupKeyWrite(c->db, c->argv[1]) && removeExpire(c->db, c->argv[1])) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "persist", c->argv[1], c->db->id);
        server.dirty++;
        addReply(c, shared.cone);
        return;
    }
    addReply(c, shared.czero);
}
