/* db.c: the keyspace.
 *
 * Owns: the numbered databases (server.db[]), each a dict from sds keys to
 * robj values plus a dict of expire times that shares the very same key sds;
 * key lookup with lazy expiry and access statistics; adding, overwriting and
 * deleting keys; the generic keyspace commands (DEL, EXISTS, RENAME, MOVE,
 * COPY, KEYS, SCAN, ...) and the database commands (SELECT, FLUSHDB,
 * FLUSHALL, SWAPDB, DBSIZE, LASTSAVE); key extraction from a command line.
 * Invariants: every key of db->expires is also a key of db->dict and is the
 * same sds pointer, so an expire entry is removed before its key is freed;
 * a key robj handed to these functions is a string (its sds is copied when
 * stored).
 * Must not touch: client buffers (replies go through addReply*), the
 * propagation machinery beyond alsoPropagate/forceCommandPropagation, the
 * internals of non-string types. */
#include "server.h"
#include "rdb.h"
#include "tracking.h"

#include <ctype.h>
#include <errno.h>
#include <strings.h>

/* ------------------------------ dict types ------------------------------- */

static uint64_t dbSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int dbSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    size_t la = sdsLen((sds)a), lb = sdsLen((sds)b);
    return la == lb && memcmp(a, b, la) == 0;
}

static void dbSdsFree(dict *d, void *key) {
    UNUSED(d);
    sdsFree(key);
}

static void dbObjFree(dict *d, void *val) {
    UNUSED(d);
    if (val) decrRefCount(val);
}

/* Hash of a string robj key (RAW, EMBSTR or INT encoded). */
static uint64_t dbObjHash(const void *key) {
    const robj *o = key;
    if (sdsEncodedObject(o)) return dictGenHashFunction(o->ptr, sdsLen(o->ptr));
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), (long)o->ptr);
    return dictGenHashFunction(buf, (size_t)n);
}

static int dbObjCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return equalStringObjects((robj *)a, (robj *)b);
}

static void dbObjKeyFree(dict *d, void *key) {
    UNUSED(d);
    decrRefCount(key);
}

static void dbListFree(dict *d, void *val) {
    UNUSED(d);
    if (val) listRelease(val);
}

/* Main keyspace: sds key (owned) -> robj value (one reference owned). */
dictType dbDictType = {dbSdsHash, NULL, NULL, dbSdsCompare, dbSdsFree, dbObjFree,
                       NULL};

/* Expire times: the key sds borrowed from the main dict -> s64 ms. */
dictType dbExpiresDictType = {dbSdsHash, NULL, NULL, dbSdsCompare, NULL, NULL,
                              NULL};

/* robj key (one reference owned) -> list (owned; its values are not freed
 * by the list): blocking_keys and watched_keys. */
static dictType dbKeyListDictType = {dbObjHash, NULL, NULL, dbObjCompare,
                                     dbObjKeyFree, dbListFree, NULL};

/* robj key (one reference owned) -> nothing: ready_keys. */
static dictType dbKeySetDictType = {dbObjHash, NULL, NULL, dbObjCompare,
                                    dbObjKeyFree, NULL, NULL};

/* Allocates server.db[0 .. server.dbnum-1] with empty dicts. Called once by
 * server.c at start-up, after the configuration is loaded. */
void initDbs(void) {
    server.db = zcalloc(sizeof(redisDb) * (size_t)server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        db->dict = dictCreate(&dbDictType);
        db->expires = dictCreate(&dbExpiresDictType);
        db->blocking_keys = dictCreate(&dbKeyListDictType);
        db->ready_keys = dictCreate(&dbKeySetDictType);
        db->watched_keys = dictCreate(&dbKeyListDictType);
        db->id = j;
        db->avg_ttl = 0;
        db->expires_cursor = 0;
    }
}

/* ------------------------------- lookups --------------------------------- */

/* Returns the sds to look <key> up with; sets *<tofree> when it had to be
 * made (INT-encoded keys), which the caller frees with sdsFree. */
static sds dbKeySds(robj *key, sds *tofree) {
    if (sdsEncodedObject(key)) {
        *tofree = NULL;
        return key->ptr;
    }
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), (long)key->ptr);
    *tofree = sdsNewLen(buf, (size_t)n);
    return *tofree;
}

/* Returns the entry of <key> in the main dict of <db>, or NULL. */
static dictEntry *dbFindEntry(redisDb *db, robj *key) {
    sds tofree;
    sds k = dbKeySds(key, &tofree);
    dictEntry *de = dictFind(db->dict, k);
    sdsFree(tofree);
    return de;
}

/* The client whose command is running, if any. */
static client *dbCurrentClient(void) {
    return server.executing_client ? server.executing_client
                                   : server.current_client;
}

/* The common lookup: expires <key> lazily when due, updates the access time
 * or frequency and the hit/miss counters according to <flags>. Returns the
 * value (borrowed) or NULL. */
static robj *dbLookupKey(redisDb *db, robj *key, int flags) {
    dictEntry *de = dbFindEntry(db, key);
    robj *val = NULL;

    if (de) {
        val = dictGetVal(de);
        if (!(flags & LOOKUP_NOEXPIRE)) {
            int force = (flags & LOOKUP_WRITE) != 0;
            client *cc = dbCurrentClient();
            /* A replica deletes expired keys only when its master says so;
             * commands of the master itself see them as present. */
            if (force && cc && (cc->flags & CLIENT_MASTER)) force = 0;
            if (expireIfNeeded(db, key, force)) val = NULL;
        }
    }
    /* A write follows: a snapshot in progress keeps the value as it is
     * (it may put a copy in its place). */
    if (val && (flags & LOOKUP_WRITE)) {
        rdbSnapBeforeWrite(db->dict, dictGetKey(de), RDB_SNAP_VALUE);
        val = dictGetVal(de);
    }
    if (val) {
        client *cc = dbCurrentClient();
        /* Not while a child shares the pages, nor while the snapshot
         * thread reads objects (the access time shares a word with the
         * type). */
        int notouch = (flags & LOOKUP_NOTOUCH) || server.child_pid > 0 ||
                      rdbSnapActive();
        if (!notouch && cc && (cc->flags & CLIENT_NO_TOUCH) &&
            (cc->cmd == NULL || cc->cmd->proc != touchCommand))
            notouch = 1;
        if (!notouch) {
            if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU)
                updateLFU(val);
            else
                val->lru = LRU_CLOCK();
        }
        if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)))
            server.stat_keyspace_hits++;
    } else {
        if (!(flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE)))
            notifyKeyspaceEvent(NOTIFY_KEY_MISS, "keymiss", key, db->id);
        if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)))
            server.stat_keyspace_misses++;
    }
    return val;
}

/* Looks <key> up for reading with LOOKUP_* <flags>: a logically expired key
 * reads as missing (and is deleted unless this is a replica). Returns the
 * borrowed value or NULL; counts a hit or a miss. */
robj *lookupKeyReadWithFlags(redisDb *db, robj *key, int flags) {
    return dbLookupKey(db, key, flags & ~LOOKUP_WRITE);
}

/* lookupKeyReadWithFlags with no flags. */
robj *lookupKeyRead(redisDb *db, robj *key) {
    return lookupKeyReadWithFlags(db, key, LOOKUP_NONE);
}

/* Looks <key> up before a write: expired keys are deleted first (also on a
 * replica), and no statistics are counted. Returns the borrowed value or
 * NULL. */
robj *lookupKeyWriteWithFlags(redisDb *db, robj *key, int flags) {
    return dbLookupKey(db, key, flags | LOOKUP_WRITE);
}

/* lookupKeyWriteWithFlags with no flags. */
robj *lookupKeyWrite(redisDb *db, robj *key) {
    return lookupKeyWriteWithFlags(db, key, LOOKUP_NONE);
}

/* Replies the shared <reply> to <c>, counted as an error when it is one. */
static void dbReplyMissing(client *c, robj *reply) {
    if (reply == NULL) return;
    if (sdsEncodedObject(reply) && ((char *)reply->ptr)[0] == '-')
        addReplyErrorObject(c, reply);
    else
        addReply(c, reply);
}

/* lookupKeyRead that replies <reply> to <c> when the key is missing. */
robj *lookupKeyReadOrReply(client *c, robj *key, robj *reply) {
    robj *o = lookupKeyRead(c->db, key);
    if (!o) dbReplyMissing(c, reply);
    return o;
}

/* lookupKeyWrite that replies <reply> to <c> when the key is missing. */
robj *lookupKeyWriteOrReply(client *c, robj *key, robj *reply) {
    robj *o = lookupKeyWrite(c->db, key);
    if (!o) dbReplyMissing(c, reply);
    return o;
}

/* ---------------------------- adding, deleting --------------------------- */

/* Adds <key> with <val> to <db>; the key must not exist. The db takes over
 * the caller's reference to <val>; the key's bytes are copied. Fires the
 * "new" event and wakes clients blocked on the key. */
void dbAdd(redisDb *db, robj *key, robj *val) {
    sds tofree;
    sds k = dbKeySds(key, &tofree);
    sds copy = tofree ? tofree : sdsDup(k);
    rdbSnapNewKey(db->dict, copy);
    int r = dictAdd(db->dict, copy, val);
    serverAssert(r == DICT_OK);
    signalKeyAsReady(db, key, val->type);
    notifyKeyspaceEvent(NOTIFY_NEW, "new", key, db->id);
}

/* Replaces the value of the existing <key> in <db> with <val> (taking over
 * the caller's reference) and frees the old value. The expire time is
 * kept; under an LFU policy the access counter carries over. */
void dbOverwrite(redisDb *db, robj *key, robj *val) {
    dictEntry *de = dbFindEntry(db, key);
    serverAssert(de != NULL);
    rdbSnapBeforeWrite(db->dict, dictGetKey(de), RDB_SNAP_REPLACE);
    robj *old = dictGetVal(de);
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) val->lru = old->lru;
    de->v.val = val;
    /* The caller's reference moved into the db: drop the old one, even
     * when it is the same object (then it is not the last reference). */
    if (server.lazyfree_lazy_server_del && old != val)
        freeObjAsync(old);
    else
        decrRefCount(old);
    /* Clients blocked on the key see the new value (or learn that their
     * stream is gone). */
    signalKeyAsReady(db, key, val->type);
}

/* High-level set of <key> to <val> in <db> for client <c> (may be NULL):
 * adds or overwrites, drops the expire time unless SETKEY_KEEPTTL, and
 * signals the change unless SETKEY_NO_SIGNAL. SETKEY_ALREADY_EXIST /
 * SETKEY_DOESNT_EXIST spare the lookup when the caller knows. The caller
 * keeps its own reference to <val>. */
void setKey(client *c, redisDb *db, robj *key, robj *val, int flags) {
    int exists;
    if (flags & SETKEY_ALREADY_EXIST)
        exists = 1;
    else if (flags & SETKEY_DOESNT_EXIST)
        exists = 0;
    else
        exists = lookupKeyWrite(db, key) != NULL;
    incrRefCount(val);
    if (exists)
        dbOverwrite(db, key, val);
    else
        dbAdd(db, key, val);
    if (!(flags & SETKEY_KEEPTTL)) removeExpire(db, key);
    if (!(flags & SETKEY_NO_SIGNAL)) signalModifiedKey(c, db, key);
}

/* Returns 1 if <key> is in <db>, expired or not, without side effects. */
int dbExists(redisDb *db, robj *key) {
    return dbFindEntry(db, key) != NULL;
}

/* Removes <key> with its value and expire time from <db>. With <async> a
 * large value is freed by the background thread (lazyfree.c). Returns 1
 * if the key existed. */
static int dbGenericDelete(redisDb *db, robj *key, int async) {
    sds tofree;
    sds k = dbKeySds(key, &tofree);
    rdbSnapBeforeWrite(db->dict, k, RDB_SNAP_REPLACE);
    dictEntry *de = dictUnlink(db->dict, k);
    if (de) {
        /* The expire entry borrows the key sds: drop it first. */
        if (dictSize(db->expires) > 0) dictDelete(db->expires, k);
        if (async) {
            /* The entry's own free then sees no value (dbObjFree). */
            freeObjAsync(dictGetVal(de));
            dictSetVal(db->dict, de, NULL);
        }
        dictFreeUnlinkedEntry(db->dict, de);
        /* Blocked XREADGROUP clients are told their stream is gone. */
        signalKeyAsReady(db, key, OBJ_STREAM);
    }
    sdsFree(tofree);
    return de != NULL;
}

/* Deletes <key> from <db> now. Returns 1 if it existed. */
int dbSyncDelete(redisDb *db, robj *key) {
    return dbGenericDelete(db, key, 0);
}

/* Deletes <key> from <db> (UNLINK semantics). Returns 1 if it existed. */
int dbAsyncDelete(redisDb *db, robj *key) {
    return dbGenericDelete(db, key, 1);
}

/* Deletes <key> from <db> as lazyfree-lazy-server-del says. Returns 1 if
 * it existed. */
int dbDelete(redisDb *db, robj *key) {
    return dbGenericDelete(db, key, server.lazyfree_lazy_server_del);
}

/* Makes the string value <o> of <key> safe to modify in place: when it is
 * shared, EMBSTR or INT, replaces it in <db> with a private RAW copy.
 * Returns the value now stored (borrowed). */
robj *dbUnshareStringValue(redisDb *db, robj *key, robj *o) {
    serverAssert(o->type == OBJ_STRING);
    if (o->refcount != 1 || o->encoding != OBJ_ENCODING_RAW) {
        robj *dec = getDecodedObject(o);
        o = createRawStringObject(dec->ptr, sdsLen(dec->ptr));
        decrRefCount(dec);
        dbOverwrite(db, key, o);
    }
    return o;
}

/* Empties database <dbnum> (or all of them for -1). With EMPTYDB_ASYNC in
 * <flags> the keys are freed by the background thread. <callback> is
 * called now and then during long synchronous frees. Returns the number
 * of keys removed, or -1 for a bad <dbnum>. */
long long emptyData(int dbnum, int flags, void(callback)(dict *)) {
    long long removed = 0;
    int start, end;

    if (dbnum < -1 || dbnum >= server.dbnum) {
        errno = EINVAL;
        return -1;
    }
    signalFlushedDb(dbnum, (flags & EMPTYDB_ASYNC) != 0);
    start = dbnum == -1 ? 0 : dbnum;
    end = dbnum == -1 ? server.dbnum - 1 : dbnum;
    for (int j = start; j <= end; j++) {
        redisDb *db = &server.db[j];
        removed += (long long)dictSize(db->dict);
        /* Keys that clients wait on are about to go. */
        if (dictSize(db->blocking_keys)) {
            dictIterator *bi = dictGetSafeIterator(db->blocking_keys);
            dictEntry *be;
            while ((be = dictNext(bi)) != NULL)
                signalKeyAsReady(db, dictGetKey(be), OBJ_STREAM);
            dictReleaseIterator(bi);
        }
        if (rdbSnapAdopt(db->dict)) {
            /* A snapshot in progress still needs the keys: it frees them
             * once done. */
            db->dict = dictCreate(db->dict->type);
            db->expires = dictCreate(db->expires->type);
        } else if ((flags & EMPTYDB_ASYNC) && dictSize(db->dict) > 0) {
            emptyDbAsync(db);
        } else {
            /* Expires first: they borrow the keys of the main dict. */
            dictEmpty(db->expires, callback);
            dictEmpty(db->dict, callback);
        }
        db->avg_ttl = 0;
        db->expires_cursor = 0;
    }
    return removed;
}

/* Returns the number of keys in all databases. */
long long dbTotalServerKeyCount(void) {
    long long total = 0;
    for (int j = 0; j < server.dbnum; j++)
        total += (long long)dictSize(server.db[j].dict);
    return total;
}

/* Makes <c> use database <id>. Returns C_ERR when out of range. */
int selectDb(client *c, int id) {
    if (id < 0 || id >= server.dbnum) return C_ERR;
    c->db = &server.db[id];
    return C_OK;
}

/* Returns a new string object with a random non-expired key of <db>, or
 * NULL when it is empty. Expired keys met on the way are deleted (on a
 * replica, which cannot delete, it gives up after some tries and returns
 * an expired key). */
robj *dbRandomKey(redisDb *db) {
    int maxtries = 100;
    int allvolatile = dictSize(db->dict) == dictSize(db->expires);

    for (;;) {
        dictEntry *de = dictGetFairRandomKey(db->dict);
        if (de == NULL) return NULL;
        sds k = dictGetKey(de);
        robj *keyobj = createStringObject(k, sdsLen(k));
        if (dictFind(db->expires, k)) {
            if (allvolatile && server.masterhost && --maxtries == 0)
                return keyobj;
            if (expireIfNeeded(db, keyobj, 0)) {
                decrRefCount(keyobj);
                continue;
            }
        }
        return keyobj;
    }
}

/* Hook called on every change of <key> in <db> by client <c> (NULL for the
 * server itself): invalidates WATCHes of the key and the copies that
 * tracking clients cache. */
void signalModifiedKey(client *c, redisDb *db, robj *key) {
    touchWatchedKey(db, key);
    trackingInvalidateKey(c, key, 1);
}

/* Hook called before database <dbid> (-1: all) is flushed: invalidates
 * WATCHes of keys that exist there, and every tracking client's cache. */
void signalFlushedDb(int dbid, int async) {
    int start = dbid == -1 ? 0 : dbid;
    int end = dbid == -1 ? server.dbnum - 1 : dbid;
    for (int j = start; j <= end; j++) touchAllWatchedKeysInDb(&server.db[j], NULL);
    trackingInvalidateKeysOnFlush(async);
}

/* ------------------------------ key extraction --------------------------- */

/* Fills <keys> (room for <max>) with the argv indexes of the keys in the
 * command line <argv>/<argc> of <cmd>, from its getkeys_proc or its legacy
 * first/last/step spec (a negative last key counts from the end). Returns
 * how many were found. */
int getKeysFromCommand(struct redisCommand *cmd, robj **argv, int argc,
                       int *keys, int max) {
    if (cmd->getkeys_proc) return cmd->getkeys_proc(cmd, argv, argc, keys, max);
    if (cmd->firstkey <= 0) return 0;
    int last = cmd->lastkey < 0 ? argc + cmd->lastkey : cmd->lastkey;
    int step = cmd->keystep > 0 ? cmd->keystep : 1;
    int n = 0;
    for (int j = cmd->firstkey; j <= last && j < argc && n < max; j += step)
        keys[n++] = j;
    return n;
}

/* See server.h. */
void dbSnapBeforeCommand(client *c) {
    if (!rdbSnapActive() || !(c->cmd->flags & CMD_WRITE)) return;
    int keys[256];
    int n = getKeysFromCommand(c->cmd, c->argv, c->argc, keys, 256);
    for (int i = 0; i < n; i++) {
        sds tofree;
        sds k = dbKeySds(c->argv[keys[i]], &tofree);
        rdbSnapBeforeWrite(c->db->dict, k, RDB_SNAP_VALUE);
        sdsFree(tofree);
    }
}

/* 1 when the write <cmd> of <argv> names a key of <db> the snapshot
 * would make the loop wait for. */
static int dbSnapKeysWouldWait(redisDb *db, struct redisCommand *cmd,
                               robj **argv, int argc) {
    /* Writes, and scripts by the keys they declare. */
    if (!(cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE))) return 0;
    int keys[256];
    int n = getKeysFromCommand(cmd, argv, argc, keys, 256);
    for (int i = 0; i < n; i++) {
        sds tofree;
        sds k = dbKeySds(argv[keys[i]], &tofree);
        int wait = rdbSnapWouldWait(db->dict, k);
        sdsFree(tofree);
        if (wait) return 1;
    }
    return 0;
}

/* See server.h. */
int dbSnapWouldWait(client *c) {
    if (!rdbSnapActive()) return 0;
    if (c->cmd->proc == execCommand) {
        for (int i = 0; i < c->mstate.count; i++) {
            multiCmd *mc = &c->mstate.commands[i];
            if (dbSnapKeysWouldWait(c->db, mc->cmd, mc->argv, mc->argc))
                return 1;
        }
        return 0;
    }
    if (c->flags & CLIENT_MULTI) return 0; /* queued, not run */
    return dbSnapKeysWouldWait(c->db, c->cmd, c->argv, c->argc);
}

/* ------------------------------ generic commands ------------------------- */

static void dbDelGeneric(client *c, int lazy) {
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        expireIfNeeded(c->db, c->argv[j], 0);
        int gone = lazy ? dbAsyncDelete(c->db, c->argv[j])
                        : dbSyncDelete(c->db, c->argv[j]);
        if (gone) {
            signalModifiedKey(c, c->db, c->argv[j]);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[j], c->db->id);
            server.dirty++;
            deleted++;
        }
    }
    addReplyLongLong(c, deleted);
}

/* DEL key [key ...] */
void delCommand(client *c) {
    dbDelGeneric(c, server.lazyfree_lazy_user_del);
}

/* UNLINK key [key ...] */
void unlinkCommand(client *c) {
    dbDelGeneric(c, 1);
}

/* EXISTS key [key ...]: counts repeated keys each time. */
void existsCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupKeyReadWithFlags(c->db, c->argv[j], LOOKUP_NOTOUCH)) count++;
    addReplyLongLong(c, count);
}

/* Returns TYPE's name for the value <o> (NULL: "none"). */
static const char *dbTypeName(robj *o) {
    if (o == NULL) return "none";
    switch (o->type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    case OBJ_MODULE: return "module";
    default: return "unknown";
    }
}

/* TYPE key */
void typeCommand(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH);
    addReplyStatus(c, dbTypeName(o));
}

static int dbKeysEqual(robj *a, robj *b) {
    return equalStringObjects(a, b);
}

static void dbRenameGeneric(client *c, int nx) {
    robj *src = c->argv[1], *dst = c->argv[2];
    int samekey = dbKeysEqual(src, dst);
    robj *o = lookupKeyWriteOrReply(c, src, shared.nokeyerr);
    if (o == NULL) return;
    if (samekey) {
        addReply(c, nx ? shared.czero : shared.ok);
        return;
    }
    incrRefCount(o);
    long long expire = getExpire(c->db, src);
    if (lookupKeyWrite(c->db, dst) != NULL) {
        if (nx) {
            decrRefCount(o);
            addReply(c, shared.czero);
            return;
        }
        dbDelete(c->db, dst);
    }
    dbAdd(c->db, dst, o);
    if (expire != -1) setExpire(c, c->db, dst, expire);
    dbDelete(c->db, src);
    signalModifiedKey(c, c->db, src);
    signalModifiedKey(c, c->db, dst);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_from", src, c->db->id);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_to", dst, c->db->id);
    server.dirty++;
    addReply(c, nx ? shared.cone : shared.ok);
}

/* RENAME key newkey */
void renameCommand(client *c) {
    dbRenameGeneric(c, 0);
}

/* RENAMENX key newkey */
void renamenxCommand(client *c) {
    dbRenameGeneric(c, 1);
}

/* MOVE key db */
void moveCommand(client *c) {
    int dbid;
    if (server.cluster_enabled) {
        addReplyError(c, "MOVE is not allowed in cluster mode");
        return;
    }
    if (getIntFromObjectOrReply(c, c->argv[2], &dbid, NULL) != C_OK) return;
    if (dbid < 0 || dbid >= server.dbnum) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    redisDb *src = c->db, *dst = &server.db[dbid];
    if (src == dst) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }
    robj *key = c->argv[1];
    robj *o = lookupKeyWrite(src, key);
    if (o == NULL) {
        addReply(c, shared.czero);
        return;
    }
    long long expire = getExpire(src, key);
    if (lookupKeyWrite(dst, key) != NULL) {
        addReply(c, shared.czero);
        return;
    }
    incrRefCount(o);
    dbAdd(dst, key, o);
    if (expire != -1) setExpire(c, dst, key, expire);
    dbDelete(src, key);
    server.dirty++;
    signalModifiedKey(c, src, key);
    signalModifiedKey(c, dst, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_from", key, src->id);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_to", key, dst->id);
    addReply(c, shared.cone);
}

/* COPY source destination [DB destination-db] [REPLACE] */
void copyCommand(client *c) {
    robj *key = c->argv[1], *newkey = c->argv[2];
    int dbid = c->db->id, replace = 0;

    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (!strcasecmp(c->argv[j]->ptr, "replace")) {
            replace = 1;
        } else if (!strcasecmp(c->argv[j]->ptr, "db") && more >= 1) {
            if (getIntFromObjectOrReply(c, c->argv[j + 1], &dbid, NULL) != C_OK)
                return;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (server.cluster_enabled && dbid != c->db->id) {
        addReplyError(c, "Copying to another database is not allowed in "
                         "cluster mode");
        return;
    }
    if (dbid < 0 || dbid >= server.dbnum) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    redisDb *src = c->db, *dst = &server.db[dbid];
    if (src == dst && dbKeysEqual(key, newkey)) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }
    robj *o = lookupKeyRead(src, key);
    if (o == NULL) {
        addReply(c, shared.czero);
        return;
    }
    long long expire = getExpire(src, key);
    int del = 0;
    if (lookupKeyWrite(dst, newkey) != NULL) {
        if (!replace) {
            addReply(c, shared.czero);
            return;
        }
        del = 1;
    }
    robj *copy = dupObjectOfType(o);
    if (del) dbDelete(dst, newkey);
    dbAdd(dst, newkey, copy);
    if (expire != -1) setExpire(c, dst, newkey, expire);
    signalModifiedKey(c, dst, newkey);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "copy_to", newkey, dst->id);
    server.dirty++;
    addReply(c, shared.cone);
}

/* KEYS pattern */
void keysCommand(client *c) {
    sds pattern = c->argv[1]->ptr;
    int plen = (int)sdsLen(pattern);
    int allkeys = plen == 1 && pattern[0] == '*';
    long count = 0;
    void *replylen = addReplyDeferredLen(c);
    dictIterator *di = dictGetSafeIterator(c->db->dict);
    dictEntry *de;

    while ((de = dictNext(di)) != NULL) {
        sds k = dictGetKey(de);
        if (!allkeys && !stringmatchlen(pattern, plen, k, (int)sdsLen(k), 0))
            continue;
        robj *keyobj = createStringObject(k, sdsLen(k));
        if (!keyIsExpired(c->db, keyobj)) {
            addReplyBulkCBuffer(c, k, sdsLen(k));
            count++;
        }
        decrRefCount(keyobj);
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, replylen, count);
}

/* ---------------------------------- SCAN --------------------------------- */

static scanObjectProc *dbScanProcs[OBJ_STREAM + 1];

/* Lets the module of data type <type> (OBJ_*) serve HSCAN/SSCAN/ZSCAN for
 * the encodings scanGenericCommand does not walk itself. */
void scanRegisterType(int type, scanObjectProc *proc) {
    serverAssert(type >= 0 && type <= OBJ_STREAM);
    dbScanProcs[type] = proc;
}

typedef struct dbScanState {
    list *elements; /* of robj */
    int values;     /* also collect the values (hash: sds) */
} dbScanState;

static void dbScanCallback(void *privdata, const dictEntry *de) {
    dbScanState *st = privdata;
    sds k = dictGetKey(de);
    listAddNodeTail(st->elements, createStringObject(k, sdsLen(k)));
    if (st->values) {
        sds v = dictGetVal(de);
        listAddNodeTail(st->elements, createStringObject(v, sdsLen(v)));
    }
}

/* Parses the SCAN cursor <o> into *<cursor> (strtoul syntax, so "-1" is
 * ULONG_MAX as in Redis). Replies "invalid cursor" and returns C_ERR when
 * it is not a number. */
int parseScanCursorOrReply(client *c, robj *o, unsigned long *cursor) {
    robj *dec = getDecodedObject(o);
    const char *s = dec->ptr;
    char *eptr;
    int ok = !isspace((unsigned char)s[0]);
    errno = 0;
    unsigned long v = strtoul(s, &eptr, 10);
    if (eptr[0] != '\0' || errno == ERANGE) ok = 0;
    decrRefCount(dec);
    if (!ok) {
        addReplyError(c, "invalid cursor");
        return C_ERR;
    }
    *cursor = v;
    return C_OK;
}

/* SCAN, and the body of HSCAN/SSCAN/ZSCAN: walks the keyspace of <c>'s db
 * (<o> NULL) or the value <o> from <cursor>, with the COUNT/MATCH (and for
 * the keyspace TYPE) options that follow in argv, and replies
 * [next-cursor, [elements]]. Hashtable sets and hashes are walked here;
 * other encodings go through the proc their module registered with
 * scanRegisterType. */
void scanGenericCommand(client *c, robj *o, unsigned long cursor) {
    long count = 10;
    sds pat = NULL, typename = NULL;
    int patlen = 0, use_pattern = 0, pairs = 0;
    int i = (o == NULL) ? 2 : 3;

    while (i < c->argc) {
        int left = c->argc - i;
        if (!strcasecmp(c->argv[i]->ptr, "count") && left >= 2) {
            if (getLongFromObjectOrReply(c, c->argv[i + 1], &count, NULL) != C_OK)
                return;
            if (count < 1) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            i += 2;
        } else if (!strcasecmp(c->argv[i]->ptr, "match") && left >= 2) {
            pat = c->argv[i + 1]->ptr;
            patlen = (int)sdsLen(pat);
            use_pattern = !(patlen == 1 && pat[0] == '*');
            i += 2;
        } else if (!strcasecmp(c->argv[i]->ptr, "type") && o == NULL && left >= 2) {
            typename = c->argv[i + 1]->ptr;
            i += 2;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }

    list *elements = listCreate();
    if (o == NULL || (o->encoding == OBJ_ENCODING_HT &&
                      (o->type == OBJ_SET || o->type == OBJ_HASH))) {
        dict *d = o == NULL ? c->db->dict : o->ptr;
        dbScanState st = {elements, o != NULL && o->type == OBJ_HASH};
        long maxiterations = count * 10;
        pairs = st.values;
        do {
            cursor = dictScan(d, cursor, dbScanCallback, &st);
        } while (cursor && maxiterations-- && (long)listLength(elements) < count);
    } else {
        scanObjectProc *proc = o->type <= OBJ_STREAM ? dbScanProcs[o->type] : NULL;
        if (proc == NULL) serverPanic("Not handled encoding in SCAN.");
        pairs = o->type == OBJ_HASH || o->type == OBJ_ZSET;
        cursor = proc(o, cursor, count, elements);
    }

    /* Filter: pattern, type, and keys that are logically expired. */
    listNode *ln = listFirst(elements);
    while (ln) {
        robj *kobj = listNodeValue(ln);
        listNode *next = listNextNode(ln);
        int drop = 0;
        if (use_pattern) {
            robj *dec = getDecodedObject(kobj);
            if (!stringmatchlen(pat, patlen, dec->ptr, (int)sdsLen(dec->ptr), 0))
                drop = 1;
            decrRefCount(dec);
        }
        if (!drop && o == NULL && typename) {
            robj *v = lookupKeyReadWithFlags(c->db, kobj, LOOKUP_NOTOUCH);
            if (strcasecmp(typename, dbTypeName(v))) drop = 1;
        }
        if (!drop && o == NULL && expireIfNeeded(c->db, kobj, 0)) drop = 1;
        if (drop) {
            decrRefCount(kobj);
            listDelNode(elements, ln);
        }
        if (pairs) {
            /* The value follows its field and shares its fate. */
            ln = next;
            next = listNextNode(ln);
            if (drop) {
                decrRefCount(listNodeValue(ln));
                listDelNode(elements, ln);
            }
        }
        ln = next;
    }

    addReplyArrayLen(c, 2);
    char buf[LONG_STR_SIZE];
    int n = ull2string(buf, sizeof(buf), cursor);
    addReplyBulkCBuffer(c, buf, (size_t)n);
    addReplyArrayLen(c, (long)listLength(elements));
    while ((ln = listFirst(elements)) != NULL) {
        robj *e = listNodeValue(ln);
        addReplyBulk(c, e);
        decrRefCount(e);
        listDelNode(elements, ln);
    }
    listRelease(elements);
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
void scanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[1], &cursor) == C_ERR) return;
    scanGenericCommand(c, NULL, cursor);
}

/* RANDOMKEY */
void randomkeyCommand(client *c) {
    robj *key = dbRandomKey(c->db);
    if (key == NULL) {
        addReplyNull(c);
        return;
    }
    addReplyBulk(c, key);
    decrRefCount(key);
}

/* TOUCH key [key ...] */
void touchCommand(client *c) {
    long long touched = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupKeyRead(c->db, c->argv[j]) != NULL) touched++;
    addReplyLongLong(c, touched);
}

/* ------------------------------ db commands ------------------------------ */

/* DBSIZE */
void dbsizeCommand(client *c) {
    addReplyLongLong(c, (long long)dictSize(c->db->dict));
}

/* LASTSAVE */
void lastsaveCommand(client *c) {
    addReplyLongLong(c, (long long)server.lastsave);
}

/* SELECT index */
void selectCommand(client *c) {
    int id;
    if (getIntFromObjectOrReply(c, c->argv[1], &id, NULL) != C_OK) return;
    if (server.cluster_enabled && id != 0) {
        addReplyError(c, "SELECT is not allowed in cluster mode");
        return;
    }
    if (selectDb(c, id) == C_ERR) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    addReply(c, shared.ok);
}

/* Parses the optional ASYNC|SYNC of FLUSHDB/FLUSHALL into *<flags>. */
static int dbFlushFlagsOrReply(client *c, int *flags) {
    if (c->argc > 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    if (c->argc == 1) {
        *flags = server.lazyfree_lazy_user_flush ? EMPTYDB_ASYNC : 0;
    } else if (!strcasecmp(c->argv[1]->ptr, "sync")) {
        *flags = 0;
    } else if (!strcasecmp(c->argv[1]->ptr, "async")) {
        *flags = EMPTYDB_ASYNC;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    return C_OK;
}

/* FLUSHDB [ASYNC|SYNC] */
void flushdbCommand(client *c) {
    int flags;
    if (dbFlushFlagsOrReply(c, &flags) != C_OK) return;
    server.dirty += emptyData(c->db->id, flags, NULL);
    /* Replicated and logged even when the db was already empty. */
    forceCommandPropagation(c, PROPAGATE_REPL | PROPAGATE_AOF);
    addReply(c, shared.ok);
}

/* FLUSHALL [ASYNC|SYNC] */
void flushallCommand(client *c) {
    int flags;
    if (dbFlushFlagsOrReply(c, &flags) != C_OK) return;
    server.dirty += emptyData(-1, flags, NULL);
    /* With save points configured Redis writes the (now empty) snapshot
     * here, which leaves no unsaved change behind. */
    rdbSaveAfterFlushall();
    forceCommandPropagation(c, PROPAGATE_REPL | PROPAGATE_AOF);
    addReply(c, shared.ok);
}

/* Wakes clients blocked on keys of <db> after SWAPDB: keys that now exist
 * may serve them, and stream readers in a group whose key is gone are
 * told so. */
static void dbSignalReadyKeys(redisDb *db) {
    if (dictSize(db->blocking_keys) == 0) return;
    dictIterator *di = dictGetSafeIterator(db->blocking_keys);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        robj *key = dictGetKey(de);
        dictEntry *ke = dbFindEntry(db, key);
        signalKeyAsReady(db, key,
                         ke ? ((robj *)dictGetVal(ke))->type : OBJ_STREAM);
    }
    dictReleaseIterator(di);
}

/* Swaps the contents of databases <id1> and <id2>; clients stay connected
 * to the same numbers. Returns C_ERR when an id is out of range. */
static int dbSwapDatabases(int id1, int id2) {
    if (id1 < 0 || id1 >= server.dbnum || id2 < 0 || id2 >= server.dbnum)
        return C_ERR;
    if (id1 == id2) return C_OK;
    redisDb *a = &server.db[id1], *b = &server.db[id2];
    touchAllWatchedKeysInDb(a, b);
    touchAllWatchedKeysInDb(b, a);
    dict *d = a->dict, *e = a->expires;
    long long ttl = a->avg_ttl;
    unsigned long cur = a->expires_cursor;
    a->dict = b->dict;
    a->expires = b->expires;
    a->avg_ttl = b->avg_ttl;
    a->expires_cursor = b->expires_cursor;
    b->dict = d;
    b->expires = e;
    b->avg_ttl = ttl;
    b->expires_cursor = cur;
    dbSignalReadyKeys(a);
    dbSignalReadyKeys(b);
    return C_OK;
}

/* SWAPDB index1 index2 */
void swapdbCommand(client *c) {
    int id1, id2;
    if (server.cluster_enabled) {
        addReplyError(c, "SWAPDB is not allowed in cluster mode");
        return;
    }
    if (getIntFromObjectOrReply(c, c->argv[1], &id1, "invalid first DB index") != C_OK)
        return;
    if (getIntFromObjectOrReply(c, c->argv[2], &id2, "invalid second DB index") != C_OK)
        return;
    if (dbSwapDatabases(id1, id2) == C_ERR) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    server.dirty++;
    addReply(c, shared.ok);
}
