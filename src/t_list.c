/* t_list.c: the list type and its commands (Redis 7.0's list family).
 *
 * Owns: list values (always OBJ_ENCODING_QUICKLIST, as in Redis 7.0, see
 * quicklist.h), every L* / R* list command, and the blocking forms BLPOP,
 * BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP: their argument parsing, parking the
 * client through blocked.c and serving it when a key becomes ready.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API, the blocking machinery beyond blocked.c's API.
 *
 * Invariants: no empty list stays in the keyspace; every write signals the
 * key, fires Redis's keyspace events and bumps server.dirty. Commands that
 * Redis replicates in another form (BLPOP served at once -> LPOP, BLMOVE ->
 * LMOVE, LMPOP -> LPOP key count, ...) rewrite their argv for call(); a
 * client served later from a ready key propagates with alsoPropagate. */
#include "server.h"

#include <math.h>
#include <strings.h>

#include "quicklist.h"

#define LIST_HEAD 0
#define LIST_TAIL 1

/* ---------------------------------------------------------------------------
 * The list value
 * ------------------------------------------------------------------------- */

/* Returns a new empty list object following the current configuration. */
static robj *listTypeCreate(void) {
    quicklist *ql = quicklistCreate(server.list_max_listpack_size,
                                    server.list_compress_depth);
    robj *o = createObject(OBJ_LIST, ql);
    o->encoding = OBJ_ENCODING_QUICKLIST;
    return o;
}

static unsigned long listTypeLength(const robj *o) {
    return quicklistCount(o->ptr);
}

/* Points *<len> bytes at the string value of <o> (integers are formatted
 * into <buf>, LONG_STR_SIZE bytes). */
static const char *listObjBytes(robj *o, char *buf, size_t *len) {
    if (sdsEncodedObject(o)) {
        *len = sdsLen(o->ptr);
        return o->ptr;
    }
    *len = (size_t)ll2string(buf, LONG_STR_SIZE, (long)o->ptr);
    return buf;
}

static void listTypePush(robj *o, robj *value, int where) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *s = listObjBytes(value, buf, &len);
    quicklistPush(o->ptr, s, len,
                  where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL);
}

/* Removes the first or last element and returns it as a new object. */
static robj *listTypePop(robj *o, int where) {
    unsigned char *data = NULL;
    size_t sz = 0;
    long long lval = 0;
    if (!quicklistPop(o->ptr, where == LIST_HEAD ? QUICKLIST_HEAD
                                                 : QUICKLIST_TAIL,
                      &data, &sz, &lval))
        return NULL;
    if (data == NULL) return createStringObjectFromLongLong(lval);
    robj *v = createStringObject((char *)data, sz);
    zfree(data);
    return v;
}

static void listAddReplyEntry(client *c, const quicklistEntry *e) {
    if (e->value)
        addReplyBulkCBuffer(c, e->value, e->sz);
    else
        addReplyBulkLongLong(c, e->longval);
}

static int listEntryEquals(const quicklistEntry *e, robj *o) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *s = listObjBytes(o, buf, &len);
    return quicklistCompare(e, s, len);
}

/* Frees the quicklist of list object <o> (not the robj). */
void freeListObject(robj *o) {
    quicklistRelease(o->ptr);
    o->ptr = NULL;
}

static robj *listDupObject(robj *o) {
    robj *d = createObject(OBJ_LIST, quicklistDup(o->ptr));
    d->encoding = OBJ_ENCODING_QUICKLIST;
    return d;
}

static size_t listComputeSize(robj *o, size_t samples) {
    UNUSED(samples);
    return sizeof(*o) + quicklistAllocSize(o->ptr);
}

static const objectTypeMethods listObjectMethods = {
    freeListObject, listDupObject, listComputeSize};

/* Deletes <key> when its list <o> became empty, with the "del" event.
 * Returns 1 if it was deleted. */
static int listDeleteIfEmpty(redisDb *db, robj *key, robj *o) {
    if (listTypeLength(o) != 0) return 0;
    dbDelete(db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, db->id);
    return 1;
}

/* Parses LEFT / RIGHT into *<where>; replies a syntax error otherwise. */
static int listGetWhereOrReply(client *c, robj *arg, int *where) {
    if (!strcasecmp(arg->ptr, "left")) {
        *where = LIST_HEAD;
    } else if (!strcasecmp(arg->ptr, "right")) {
        *where = LIST_TAIL;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    return C_OK;
}

/* Registers the list type with object.c and its serve function with
 * blocked.c. Called once from initServer. */
static int listServeBlockedClient(client *c, redisDb *db, robj *key);
void listTypeInit(void) {
    registerObjectType(OBJ_LIST, &listObjectMethods);
    registerBlockedServeProc(BLOCKED_LIST, listServeBlockedClient);
}

/* ---------------------------------------------------------------------------
 * Push
 * ------------------------------------------------------------------------- */

static void listPushGeneric(client *c, int where, int xx) {
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_LIST)) return;
    if (o == NULL) {
        if (xx) {
            addReply(c, shared.czero);
            return;
        }
        o = listTypeCreate();
        dbAdd(c->db, c->argv[1], o);
    }
    for (int j = 2; j < c->argc; j++) listTypePush(o, c->argv[j], where);
    addReplyLongLong(c, (long long)listTypeLength(o));
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush",
                        c->argv[1], c->db->id);
    server.dirty += c->argc - 2;
}

/* LPUSH key element [element ...] */
void lpushCommand(client *c) { listPushGeneric(c, LIST_HEAD, 0); }

/* RPUSH key element [element ...] */
void rpushCommand(client *c) { listPushGeneric(c, LIST_TAIL, 0); }

/* LPUSHX key element [element ...] */
void lpushxCommand(client *c) { listPushGeneric(c, LIST_HEAD, 1); }

/* RPUSHX key element [element ...] */
void rpushxCommand(client *c) { listPushGeneric(c, LIST_TAIL, 1); }

/* LINSERT key BEFORE|AFTER pivot element */
void linsertCommand(client *c) {
    int after;
    if (!strcasecmp(c->argv[2]->ptr, "after")) {
        after = 1;
    } else if (!strcasecmp(c->argv[2]->ptr, "before")) {
        after = 0;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;

    quicklistIter it;
    quicklistEntry e;
    int inserted = 0;
    quicklistInitIterator(&it, o->ptr, AL_START_HEAD_QL);
    while (quicklistNext(&it, &e)) {
        if (listEntryEquals(&e, c->argv[3])) {
            char buf[LONG_STR_SIZE];
            size_t len;
            const char *s = listObjBytes(c->argv[4], buf, &len);
            if (after)
                quicklistInsertAfter(&it, &e, s, len);
            else
                quicklistInsertBefore(&it, &e, s, len);
            inserted = 1;
            break;
        }
    }
    if (!inserted) {
        addReplyLongLong(c, -1);
        return;
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, "linsert", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, (long long)listTypeLength(o));
}

/* ---------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------- */

/* LLEN key */
void llenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    addReplyLongLong(c, (long long)listTypeLength(o));
}

/* LINDEX key index */
void lindexCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    long index;
    if (getLongFromObjectOrReply(c, c->argv[2], &index, NULL) != C_OK) return;
    quicklistEntry e;
    if (quicklistGetEntryAtIndex(o->ptr, index, &e))
        listAddReplyEntry(c, &e);
    else
        addReplyNull(c);
}

/* Replies the elements <start>..<end> (inclusive, already clamped to the
 * list) of <o>, in reverse order when <reverse>. */
static void listAddReplyRange(client *c, robj *o, long start, long end,
                              int reverse) {
    long n = end - start + 1;
    addReplyArrayLen(c, n);
    quicklistIter it;
    quicklistEntry e;
    if (reverse)
        quicklistInitIteratorAtIdx(&it, o->ptr, AL_START_TAIL_QL, end);
    else
        quicklistInitIteratorAtIdx(&it, o->ptr, AL_START_HEAD_QL, start);
    while (n-- && quicklistNext(&it, &e)) listAddReplyEntry(c, &e);
}

/* LRANGE key start stop */
void lrangeCommand(client *c) {
    long start, end;
    if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
        getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK)
        return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    long len = (long)listTypeLength(o);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        addReply(c, shared.emptyarray);
        return;
    }
    if (end >= len) end = len - 1;
    listAddReplyRange(c, o, start, end, 0);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void lposCommand(client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    int direction = AL_START_HEAD_QL;
    for (int j = 3; j < c->argc; j++) {
        char *opt = c->argv[j]->ptr;
        int more = j + 1 < c->argc;
        if (!strcasecmp(opt, "rank") && more) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &rank, NULL) != C_OK)
                return;
            if (rank == 0) {
                addReplyError(c, "RANK can't be zero: use 1 to start from the "
                                 "first match, 2 from the second ... or use "
                                 "negative to start from the end of the list");
                return;
            }
        } else if (!strcasecmp(opt, "count") && more) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &count, NULL) != C_OK)
                return;
            if (count < 0) {
                addReplyError(c, "COUNT can't be negative");
                return;
            }
        } else if (!strcasecmp(opt, "maxlen") && more) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &maxlen, NULL) != C_OK)
                return;
            if (maxlen < 0) {
                addReplyError(c, "MAXLEN can't be negative");
                return;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (rank < 0) {
        /* Redis negates the rank in a long long: LLONG_MIN stays negative
         * and then matches from the first hit on, like -1. */
        rank = rank == LLONG_MIN ? 1 : -rank;
        direction = AL_START_TAIL_QL;
    }
    robj *o = lookupKeyReadOrReply(
        c, c->argv[1], count != -1 ? shared.emptyarray : shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;

    void *deferred = NULL;
    if (count != -1) deferred = addReplyDeferredLen(c);
    long len = (long)listTypeLength(o);
    long long index = 0, matches = 0, replied = 0;
    quicklistIter it;
    quicklistEntry e;
    quicklistInitIterator(&it, o->ptr, direction);
    while (quicklistNext(&it, &e) && (maxlen == 0 || index < maxlen)) {
        if (listEntryEquals(&e, c->argv[2])) {
            matches++;
            if (matches >= rank) {
                long long pos = direction == AL_START_HEAD_QL
                                    ? index
                                    : (long long)len - 1 - index;
                if (count == -1) {
                    addReplyLongLong(c, pos);
                    return;
                }
                addReplyLongLong(c, pos);
                replied++;
                if (count != 0 && replied == count) break;
            }
        }
        index++;
    }
    if (count != -1)
        setDeferredArrayLen(c, deferred, (long)replied);
    else
        addReplyNull(c);
}

/* ---------------------------------------------------------------------------
 * Changing elements
 * ------------------------------------------------------------------------- */

/* LSET key index element */
void lsetCommand(client *c) {
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.nokeyerr);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    long index;
    if (getLongFromObjectOrReply(c, c->argv[2], &index, NULL) != C_OK) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *s = listObjBytes(c->argv[3], buf, &len);
    if (!quicklistReplaceAtIndex(o->ptr, index, s, len)) {
        addReplyErrorObject(c, shared.outofrangeerr);
        return;
    }
    addReply(c, shared.ok);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, "lset", c->argv[1], c->db->id);
    server.dirty++;
}

/* LREM key count element */
void lremCommand(client *c) {
    long toremove;
    if (getLongFromObjectOrReply(c, c->argv[2], &toremove, NULL) != C_OK)
        return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    quicklistIter it;
    quicklistEntry e;
    quicklistInitIterator(&it, o->ptr,
                          toremove < 0 ? AL_START_TAIL_QL : AL_START_HEAD_QL);
    unsigned long limit = toremove < 0 ? (unsigned long)(-(toremove + 1)) + 1
                                       : (unsigned long)toremove;
    unsigned long removed = 0;
    while (quicklistNext(&it, &e)) {
        if (listEntryEquals(&e, c->argv[3])) {
            quicklistDelEntry(&it, &e);
            server.dirty++;
            removed++;
            if (limit && removed == limit) break;
        }
    }
    if (removed) {
        notifyKeyspaceEvent(NOTIFY_LIST, "lrem", c->argv[1], c->db->id);
        listDeleteIfEmpty(c->db, c->argv[1], o);
        signalModifiedKey(c, c->db, c->argv[1]);
    }
    addReplyLongLong(c, (long long)removed);
}

/* LTRIM key start stop */
void ltrimCommand(client *c) {
    long start, end;
    if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
        getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK)
        return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.ok);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    long len = (long)listTypeLength(o);
    long ltrim, rtrim;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        ltrim = len;
        rtrim = 0;
    } else {
        if (end >= len) end = len - 1;
        ltrim = start;
        rtrim = len - end - 1;
    }
    quicklistDelRange(o->ptr, 0, ltrim);
    quicklistDelRange(o->ptr, -rtrim, rtrim);
    notifyKeyspaceEvent(NOTIFY_LIST, "ltrim", c->argv[1], c->db->id);
    listDeleteIfEmpty(c->db, c->argv[1], o);
    signalModifiedKey(c, c->db, c->argv[1]);
    server.dirty += ltrim + rtrim;
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * Popping
 * ------------------------------------------------------------------------- */

/* After popping from <key> (list <o>) of <db>: the pop event, deletion of
 * an emptied list and the modified-key signal. */
static void listPopped(client *c, redisDb *db, robj *key, robj *o, int where) {
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", key,
                        db->id);
    listDeleteIfEmpty(db, key, o);
    signalModifiedKey(c, db, key);
}

/* Pops up to <count> elements of <o> from <where> and replies them as an
 * array. Returns how many were popped. */
static long listPopRangeAndReply(client *c, robj *o, int where, long count) {
    long len = (long)listTypeLength(o);
    long n = count < len ? count : len;
    addReplyArrayLen(c, n);
    for (long j = 0; j < n; j++) {
        robj *v = listTypePop(o, where);
        addReplyBulk(c, v);
        decrRefCount(v);
    }
    return n;
}

static void listPopGeneric(client *c, int where) {
    int hascount = c->argc == 3;
    long count = 0;
    if (c->argc > 3) {
        addReplyErrorArity(c);
        return;
    }
    if (hascount &&
        getRangeLongFromObjectOrReply(c, c->argv[2], 0, LONG_MAX, &count,
                                      "value is out of range, must be "
                                      "positive") != C_OK)
        return;
    robj *o = lookupKeyWriteOrReply(
        c, c->argv[1], hascount ? shared.nullarray[c->resp] : shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_LIST)) return;
    if (hascount && count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    if (!hascount) {
        robj *v = listTypePop(o, where);
        addReplyBulk(c, v);
        decrRefCount(v);
        server.dirty++;
    } else {
        server.dirty += listPopRangeAndReply(c, o, where, count);
    }
    listPopped(c, c->db, c->argv[1], o, where);
}

/* LPOP key [count] */
void lpopCommand(client *c) { listPopGeneric(c, LIST_HEAD); }

/* RPOP key [count] */
void rpopCommand(client *c) { listPopGeneric(c, LIST_TAIL); }

/* ---------------------------------------------------------------------------
 * Moving between lists
 * ------------------------------------------------------------------------- */

/* Pushes <value> at <where> of list <dstkey> of <db> (<dobj>, NULL when it
 * does not exist yet) and replies it to <c>. */
static void listMovePush(client *c, redisDb *db, robj *dstkey, robj *dobj,
                         robj *value, int where) {
    if (dobj == NULL) {
        dobj = listTypeCreate();
        dbAdd(db, dstkey, dobj);
    }
    signalModifiedKey(c, db, dstkey);
    listTypePush(dobj, value, where);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush",
                        dstkey, db->id);
    addReplyBulk(c, value);
}

/* Moves one element from list <sobj> at <srckey> to <dstkey> of <db>.
 * Replies WRONGTYPE (moving nothing) when the destination is not a list;
 * returns C_OK when the element moved. */
static int listMoveElement(client *c, redisDb *db, robj *srckey, robj *sobj,
                           robj *dstkey, int wherefrom, int whereto) {
    robj *dobj = lookupKeyWrite(db, dstkey);
    if (checkType(c, dobj, OBJ_LIST)) return C_ERR;
    robj *value = listTypePop(sobj, wherefrom);
    serverAssert(value != NULL);
    /* The source key may be the destination: keep it alive while pushing. */
    incrRefCount(srckey);
    listMovePush(c, db, dstkey, dobj, value, whereto);
    decrRefCount(value);
    listPopped(c, db, srckey, sobj, wherefrom);
    decrRefCount(srckey);
    server.dirty++;
    return C_OK;
}

static robj *listWhereObject(int where) {
    return where == LIST_HEAD ? shared.left : shared.right;
}

static void listMoveGeneric(client *c, int wherefrom, int whereto) {
    robj *sobj = lookupKeyWriteOrReply(c, c->argv[1], shared.null[c->resp]);
    if (sobj == NULL || checkType(c, sobj, OBJ_LIST)) return;
    robj *src = c->argv[1], *dst = c->argv[2];
    incrRefCount(src);
    incrRefCount(dst);
    if (listMoveElement(c, c->db, src, sobj, dst, wherefrom, whereto) ==
        C_OK) {
        if (c->cmd->proc == blmoveCommand) {
            rewriteClientCommandVector(c, 5, shared.lmove, src, dst,
                                       listWhereObject(wherefrom),
                                       listWhereObject(whereto));
        } else if (c->cmd->proc == brpoplpushCommand) {
            rewriteClientCommandVector(c, 3, shared.rpoplpush, src, dst);
        }
    }
    decrRefCount(src);
    decrRefCount(dst);
}

/* LMOVE source destination LEFT|RIGHT LEFT|RIGHT */
void lmoveCommand(client *c) {
    int wherefrom, whereto;
    if (listGetWhereOrReply(c, c->argv[3], &wherefrom) != C_OK ||
        listGetWhereOrReply(c, c->argv[4], &whereto) != C_OK)
        return;
    listMoveGeneric(c, wherefrom, whereto);
}

/* RPOPLPUSH source destination */
void rpoplpushCommand(client *c) { listMoveGeneric(c, LIST_TAIL, LIST_HEAD); }

/* ---------------------------------------------------------------------------
 * LMPOP
 * ------------------------------------------------------------------------- */

/* Pops from the first non-empty list among <keys> (<numkeys> of them) up to
 * <count> elements at <where>, replying [key, [elements]]; replies a null
 * array when all are empty, unless <block_timeout> is given (>= 0) and the
 * client may block. Returns 1 when the client was parked. */
static int listMpopKeys(client *c, robj **keys, long numkeys, int where,
                        long count, long long block_timeout) {
    for (long j = 0; j < numkeys; j++) {
        robj *key = keys[j];
        robj *o = lookupKeyWrite(c->db, key);
        if (o == NULL) continue;
        if (checkType(c, o, OBJ_LIST)) return 0;
        incrRefCount(key);
        long len = (long)listTypeLength(o);
        long n = count < len ? count : len;
        addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        listPopRangeAndReply(c, o, where, count);
        server.dirty += n;
        listPopped(c, c->db, key, o, where);
        robj *countobj = createStringObjectFromLongLong(n);
        rewriteClientCommandVector(c, 3, where == LIST_HEAD ? shared.lpop
                                                           : shared.rpop,
                                   key, countobj);
        decrRefCount(countobj);
        decrRefCount(key);
        return 0;
    }
    if (block_timeout < 0 || clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return 0;
    }
    blockForKeys(c, BLOCKED_LIST, keys, (int)numkeys, block_timeout);
    c->bpop.blocktype_arg = where;
    c->bpop.priv = (void *)(intptr_t)count;
    return 1;
}

/* Parses "numkeys key... LEFT|RIGHT [COUNT count]" from argv[<idx>] on and
 * pops (or blocks, for BLMPOP whose timeout is argv[1]). */
static void listMpopGeneric(client *c, int idx, int blocking) {
    long numkeys, count = -1;
    int where;
    if (getRangeLongFromObjectOrReply(c, c->argv[idx], 1, LONG_MAX, &numkeys,
                                      "numkeys should be greater than 0") !=
        C_OK)
        return;
    if (numkeys > (long)(c->argc - idx - 2)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    int where_idx = idx + (int)numkeys + 1;
    if (listGetWhereOrReply(c, c->argv[where_idx], &where) != C_OK) return;
    for (int j = where_idx + 1; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (count == -1 && more && !strcasecmp(c->argv[j]->ptr, "count")) {
            j++;
            if (getRangeLongFromObjectOrReply(c, c->argv[j], 1, LONG_MAX,
                                              &count,
                                              "count should be greater than "
                                              "0") != C_OK)
                return;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (count == -1) count = 1;
    long long timeout = -1;
    if (blocking && getBlockingTimeoutOrReply(c, c->argv[1], &timeout) != C_OK)
        return;
    listMpopKeys(c, c->argv + idx + 1, numkeys, where, count, timeout);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void lmpopCommand(client *c) { listMpopGeneric(c, 1, 0); }

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void blmpopCommand(client *c) { listMpopGeneric(c, 2, 1); }

/* Key positions of LMPOP / BLMPOP (numkeys at <idx>). */
static int listMpopKeysFrom(robj **argv, int argc, int idx, int *keys,
                            int max) {
    long long numkeys;
    if (idx >= argc || getLongLongFromObject(argv[idx], &numkeys) != C_OK ||
        numkeys <= 0 || numkeys > argc - idx - 1)
        return 0;
    int n = 0;
    for (long long j = 0; j < numkeys && n < max; j++) keys[n++] = idx + 1 + (int)j;
    return n;
}

/* getkeys_proc of LMPOP: fills <keys> (room for <max>) with the argv
 * indexes of the keys of <argv>/<argc>; returns how many. */
int lmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                 int max) {
    UNUSED(cmd);
    return listMpopKeysFrom(argv, argc, 1, keys, max);
}

/* getkeys_proc of BLMPOP, like lmpopGetKeys (numkeys is argv[2]). */
int blmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                  int max) {
    UNUSED(cmd);
    return listMpopKeysFrom(argv, argc, 2, keys, max);
}

/* ---------------------------------------------------------------------------
 * Blocking pops
 * ------------------------------------------------------------------------- */

static void listBlockingPopGeneric(client *c, int where) {
    long long timeout;
    if (getBlockingTimeoutOrReply(c, c->argv[c->argc - 1], &timeout) != C_OK)
        return;
    for (int j = 1; j < c->argc - 1; j++) {
        robj *key = c->argv[j];
        robj *o = lookupKeyWrite(c->db, key);
        if (o == NULL) continue;
        if (checkType(c, o, OBJ_LIST)) return;
        robj *v = listTypePop(o, where);
        addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        addReplyBulk(c, v);
        decrRefCount(v);
        incrRefCount(key);
        listPopped(c, c->db, key, o, where);
        server.dirty++;
        rewriteClientCommandVector(c, 2, where == LIST_HEAD ? shared.lpop
                                                           : shared.rpop,
                                   key);
        decrRefCount(key);
        return;
    }
    if (clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, BLOCKED_LIST, c->argv + 1, c->argc - 2, timeout);
    c->bpop.blocktype_arg = where;
    c->bpop.priv = (void *)(intptr_t)1;
}

/* BLPOP key [key ...] timeout */
void blpopCommand(client *c) { listBlockingPopGeneric(c, LIST_HEAD); }

/* BRPOP key [key ...] timeout */
void brpopCommand(client *c) { listBlockingPopGeneric(c, LIST_TAIL); }

static void listBlockingMoveGeneric(client *c, int wherefrom, int whereto,
                                    robj *timeout_arg) {
    long long timeout;
    if (getBlockingTimeoutOrReply(c, timeout_arg, &timeout) != C_OK) return;
    robj *sobj = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, sobj, OBJ_LIST)) return;
    if (sobj != NULL) {
        listMoveGeneric(c, wherefrom, whereto);
        return;
    }
    if (clientDeniesBlocking(c)) {
        addReplyNull(c);
        return;
    }
    blockForKeys(c, BLOCKED_LIST, c->argv + 1, 1, timeout);
    c->bpop.target = c->argv[2];
    incrRefCount(c->argv[2]);
    /* Both ends packed in one int: bit 0 from, bit 1 to. */
    c->bpop.blocktype_arg = wherefrom | (whereto << 1);
    c->bpop.priv = NULL;
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
void blmoveCommand(client *c) {
    int wherefrom, whereto;
    if (listGetWhereOrReply(c, c->argv[3], &wherefrom) != C_OK ||
        listGetWhereOrReply(c, c->argv[4], &whereto) != C_OK)
        return;
    listBlockingMoveGeneric(c, wherefrom, whereto, c->argv[5]);
}

/* BRPOPLPUSH source destination timeout */
void brpoplpushCommand(client *c) {
    listBlockingMoveGeneric(c, LIST_TAIL, LIST_HEAD, c->argv[3]);
}

/* Serves <c>, blocked by one of the commands above, from <key> of <db>
 * that became ready. Returns 0 when the key holds no list (the client
 * keeps waiting), 1 once <c> got its reply (it is then unblocked by
 * blocked.c). The served command is propagated in its non-blocking form. */
static int listServeBlockedClient(client *c, redisDb *db, robj *key) {
    robj *o = lookupKeyWrite(db, key);
    if (o == NULL || o->type != OBJ_LIST || listTypeLength(o) == 0) return 0;
    redisCommandProc *proc = c->cmd ? c->cmd->proc : NULL;
    incrRefCount(key);
    if (proc == blmoveCommand || proc == brpoplpushCommand) {
        int wherefrom = c->bpop.blocktype_arg & 1;
        int whereto = (c->bpop.blocktype_arg >> 1) & 1;
        robj *dst = c->bpop.target;
        incrRefCount(dst);
        if (listMoveElement(c, db, key, o, dst, wherefrom, whereto) == C_OK) {
            robj *argv[5];
            int argc;
            if (proc == blmoveCommand) {
                argv[0] = shared.lmove;
                argv[1] = key;
                argv[2] = dst;
                argv[3] = listWhereObject(wherefrom);
                argv[4] = listWhereObject(whereto);
                argc = 5;
            } else {
                argv[0] = shared.rpoplpush;
                argv[1] = key;
                argv[2] = dst;
                argc = 3;
            }
            alsoPropagate(db->id, argv, argc, PROPAGATE_AOF | PROPAGATE_REPL);
        }
        decrRefCount(dst);
    } else {
        int where = c->bpop.blocktype_arg;
        long count = (long)(intptr_t)c->bpop.priv;
        robj *argv[3];
        argv[0] = where == LIST_HEAD ? shared.lpop : shared.rpop;
        argv[1] = key;
        int argc = 2;
        addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        if (proc == blmpopCommand) {
            long n = listPopRangeAndReply(c, o, where, count);
            argv[2] = createStringObjectFromLongLong(n);
            argc = 3;
            server.dirty += n;
        } else {
            robj *v = listTypePop(o, where);
            addReplyBulk(c, v);
            decrRefCount(v);
            server.dirty++;
        }
        listPopped(c, db, key, o, where);
        alsoPropagate(db->id, argv, argc, PROPAGATE_AOF | PROPAGATE_REPL);
        if (argc == 3) decrRefCount(argv[2]);
    }
    decrRefCount(key);
    return 1;
}
