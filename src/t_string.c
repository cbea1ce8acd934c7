/* t_string.c: the string commands.
 *
 * Owns: SET and its variants, GET and its variants, MGET/MSET, APPEND,
 * SETRANGE/GETRANGE, the INCR family and LCS. Writes propagate in a form
 * that replays identically: relative expire times become absolute (SET ...
 * PXAT, PEXPIREAT), INCRBYFLOAT becomes SET ... KEEPTTL of the result.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API. */
#include "server.h"

#include <math.h>
#include <strings.h>

#define STR_SET_NX (1 << 0)
#define STR_SET_XX (1 << 1)
#define STR_SET_EX (1 << 2)
#define STR_SET_PX (1 << 3)
#define STR_SET_KEEPTTL (1 << 4)
#define STR_SET_GET (1 << 5)
#define STR_SET_EXAT (1 << 6)
#define STR_SET_PXAT (1 << 7)
#define STR_PERSIST (1 << 8)

#define STR_UNIT_SECONDS 0
#define STR_UNIT_MS 1

#define STR_CMD_SET 0
#define STR_CMD_GETEX 1

#define STR_ANY_EXPIRE (STR_SET_EX | STR_SET_PX | STR_SET_EXAT | STR_SET_PXAT)

/* Replies an error and returns C_ERR when a string of <size> bytes grown by
 * <append> bytes would exceed proto-max-bulk-len (our master is obeyed). */
static int strCheckLength(client *c, long long size, long long append) {
    if (mustObeyClient(c)) return C_OK;
    long long total = size + append;
    if (total > server.proto_max_bulk_len || total < size || total < append) {
        addReplyError(c, "string exceeds maximum allowed size "
                         "(proto-max-bulk-len)");
        return C_ERR;
    }
    return C_OK;
}

/* Case-insensitive comparison of argument <o> with <name>. */
static int strArgIs(robj *o, const char *name) {
    return sdsEncodedObject(o) && !strcasecmp(o->ptr, name);
}

/* Parses the SET (<cmdtype> STR_CMD_SET, from argv[3]) or GETEX (from
 * argv[2]) options into *<flags>, *<unit> and *<expire> (the argument
 * holding the time, or NULL). Replies "syntax error" on conflicts. */
static int strParseOptionsOrReply(client *c, int *flags, int *unit, robj **expire,
                                  int cmdtype) {
    int j = cmdtype == STR_CMD_GETEX ? 2 : 3;
    for (; j < c->argc; j++) {
        robj *opt = c->argv[j];
        robj *next = (j == c->argc - 1) ? NULL : c->argv[j + 1];
        int f = *flags;
        if (strArgIs(opt, "nx") && !(f & STR_SET_XX) && cmdtype == STR_CMD_SET) {
            *flags |= STR_SET_NX;
        } else if (strArgIs(opt, "xx") && !(f & STR_SET_NX) && cmdtype == STR_CMD_SET) {
            *flags |= STR_SET_XX;
        } else if (strArgIs(opt, "get") && cmdtype == STR_CMD_SET) {
            *flags |= STR_SET_GET;
        } else if (strArgIs(opt, "keepttl") && !(f & (STR_PERSIST | STR_ANY_EXPIRE)) &&
                   cmdtype == STR_CMD_SET) {
            *flags |= STR_SET_KEEPTTL;
        } else if (strArgIs(opt, "persist") && cmdtype == STR_CMD_GETEX &&
                   !(f & (STR_ANY_EXPIRE | STR_SET_KEEPTTL))) {
            *flags |= STR_PERSIST;
        } else if (next && strArgIs(opt, "ex") &&
                   !(f & (STR_SET_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_SET_EX)))) {
            *flags |= STR_SET_EX;
            *unit = STR_UNIT_SECONDS;
            *expire = next;
            j++;
        } else if (next && strArgIs(opt, "px") &&
                   !(f & (STR_SET_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_SET_PX)))) {
            *flags |= STR_SET_PX;
            *unit = STR_UNIT_MS;
            *expire = next;
            j++;
        } else if (next && strArgIs(opt, "exat") &&
                   !(f & (STR_SET_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_SET_EXAT)))) {
            *flags |= STR_SET_EXAT;
            *unit = STR_UNIT_SECONDS;
            *expire = next;
            j++;
        } else if (next && strArgIs(opt, "pxat") &&
                   !(f & (STR_SET_KEEPTTL | STR_PERSIST | (STR_ANY_EXPIRE & ~STR_SET_PXAT)))) {
            *flags |= STR_SET_PXAT;
            *unit = STR_UNIT_MS;
            *expire = next;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Converts the expire argument <expire> (in <unit>, relative for EX/PX)
 * into absolute milliseconds in *<ms>. Replies "invalid expire time" for
 * values <= 0 or overflowing ones. */
static int strExpireMsOrReply(client *c, robj *expire, int flags, int unit,
                              long long *ms) {
    long long v;
    if (getLongLongFromObjectOrReply(c, expire, &v, NULL) != C_OK) return C_ERR;
    if (v <= 0 || (unit == STR_UNIT_SECONDS && v > LLONG_MAX / 1000)) {
        addReplyErrorExpireTime(c);
        return C_ERR;
    }
    if (unit == STR_UNIT_SECONDS) v *= 1000;
    if (flags & (STR_SET_EX | STR_SET_PX)) {
        long long now = commandTimeSnapshot();
        if (v > LLONG_MAX - now) {
            addReplyErrorExpireTime(c);
            return C_ERR;
        }
        v += now;
    }
    *ms = v;
    return C_OK;
}

/* GET's body: replies the value of argv[1] or null; C_ERR (after replying
 * WRONGTYPE) when it is not a string. */
static int strGetGeneric(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL) return C_OK;
    if (checkType(c, o, OBJ_STRING)) return C_ERR;
    addReplyBulk(c, o);
    return C_OK;
}

/* The common SET: honours NX/XX/GET/KEEPTTL and an expire time, replies
 * <ok_reply> (default +OK) or, when NX/XX refuse, <abort_reply> (default
 * null). Propagated as SET key value PXAT <ms> when an expire time is given,
 * and without GET otherwise. */
static void strSetGeneric(client *c, int flags, robj *key, robj *val, robj *expire,
                          int unit, robj *ok_reply, robj *abort_reply) {
    long long ms = 0;
    if (expire && strExpireMsOrReply(c, expire, flags, unit, &ms) != C_OK) return;
    if ((flags & STR_SET_GET) && strGetGeneric(c) == C_ERR) return;

    int found = lookupKeyWrite(c->db, key) != NULL;
    if (((flags & STR_SET_NX) && found) || ((flags & STR_SET_XX) && !found)) {
        if (!(flags & STR_SET_GET))
            addReply(c, abort_reply ? abort_reply : shared.null[c->resp]);
        return;
    }
    int setflags = (flags & STR_SET_KEEPTTL) ? SETKEY_KEEPTTL : 0;
    setflags |= found ? SETKEY_ALREADY_EXIST : SETKEY_DOESNT_EXIST;
    setKey(c, c->db, key, val, setflags);
    server.dirty++;
    notifyKeyspaceEvent(NOTIFY_STRING, "set", key, c->db->id);

    if (expire) {
        setExpire(c, c->db, key, ms);
        robj *msobj = createStringObjectFromLongLong(ms);
        incrRefCount(key);
        incrRefCount(val);
        rewriteClientCommandVector(c, 5, shared.set, key, val, shared.pxat, msobj);
        decrRefCount(msobj);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
        decrRefCount(key);
        decrRefCount(val);
    }
    if (!(flags & STR_SET_GET)) addReply(c, ok_reply ? ok_reply : shared.ok);

    if ((flags & STR_SET_GET) && !expire) {
        /* Replicas do not need the old value: drop every GET. */
        robj **argv = zmalloc(sizeof(robj *) * (size_t)c->argc);
        int argc = 0;
        for (int j = 0; j < c->argc; j++) {
            if (j >= 3 && strArgIs(c->argv[j], "get")) continue;
            argv[argc++] = c->argv[j];
            incrRefCount(c->argv[j]);
        }
        replaceClientCommandVector(c, argc, argv);
    }
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
void setCommand(client *c) {
    int flags = 0, unit = STR_UNIT_SECONDS;
    robj *expire = NULL;
    if (strParseOptionsOrReply(c, &flags, &unit, &expire, STR_CMD_SET) != C_OK)
        return;
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    strSetGeneric(c, flags, c->argv[1], c->argv[2], expire, unit, NULL, NULL);
}

/* SETNX key value */
void setnxCommand(client *c) {
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    strSetGeneric(c, STR_SET_NX, c->argv[1], c->argv[2], NULL, 0, shared.cone,
                  shared.czero);
}

/* SETEX key seconds value */
void setexCommand(client *c) {
    c->argv[3] = tryObjectEncoding(c->argv[3]);
    strSetGeneric(c, STR_SET_EX, c->argv[1], c->argv[3], c->argv[2],
                  STR_UNIT_SECONDS, NULL, NULL);
}

/* PSETEX key milliseconds value */
void psetexCommand(client *c) {
    c->argv[3] = tryObjectEncoding(c->argv[3]);
    strSetGeneric(c, STR_SET_PX, c->argv[1], c->argv[3], c->argv[2], STR_UNIT_MS,
                  NULL, NULL);
}

/* GET key */
void getCommand(client *c) {
    strGetGeneric(c);
}

/* Deletes argv[1] after GETDEL / GETEX with a past time and rewrites the
 * command as DEL (or UNLINK) for propagation. */
static void strDeleteAndPropagate(client *c, int lazy) {
    robj *key = c->argv[1];
    int deleted = lazy ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
    if (!deleted) return;
    incrRefCount(key);
    rewriteClientCommandVector(c, 2, lazy ? shared.unlink : shared.del, key);
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
    server.dirty++;
    decrRefCount(key);
}

/* GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST] */
void getexCommand(client *c) {
    int flags = 0, unit = STR_UNIT_SECONDS;
    robj *expire = NULL;
    long long ms = 0;

    if (strParseOptionsOrReply(c, &flags, &unit, &expire, STR_CMD_GETEX) != C_OK)
        return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL) return;
    if (checkType(c, o, OBJ_STRING)) return;
    if (expire && strExpireMsOrReply(c, expire, flags, unit, &ms) != C_OK) return;

    addReplyBulk(c, o);
    robj *key = c->argv[1];
    if ((flags & (STR_SET_EXAT | STR_SET_PXAT)) && checkAlreadyExpired(ms)) {
        strDeleteAndPropagate(c, server.lazyfree_lazy_expire);
    } else if (expire) {
        setExpire(c, c->db, key, ms);
        robj *msobj = createStringObjectFromLongLong(ms);
        incrRefCount(key);
        rewriteClientCommandVector(c, 3, shared.pexpireat, key, msobj);
        decrRefCount(msobj);
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
        server.dirty++;
        decrRefCount(key);
    } else if ((flags & STR_PERSIST) && removeExpire(c->db, key)) {
        incrRefCount(key);
        signalModifiedKey(c, c->db, key);
        rewriteClientCommandVector(c, 2, shared.persist, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "persist", key, c->db->id);
        server.dirty++;
        decrRefCount(key);
    }
}

/* GETDEL key */
void getdelCommand(client *c) {
    if (strGetGeneric(c) == C_ERR) return;
    strDeleteAndPropagate(c, server.lazyfree_lazy_user_del);
}

/* GETSET key value: propagated as SET. */
void getsetCommand(client *c) {
    if (strGetGeneric(c) == C_ERR) return;
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    setKey(c, c->db, c->argv[1], c->argv[2], 0);
    notifyKeyspaceEvent(NOTIFY_STRING, "set", c->argv[1], c->db->id);
    server.dirty++;
    rewriteClientCommandArgument(c, 0, shared.set);
}

/* MGET key [key ...]: null for missing keys and non-strings. */
void mgetCommand(client *c) {
    addReplyArrayLen(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j]);
        if (o == NULL || o->type != OBJ_STRING)
            addReplyNull(c);
        else
            addReplyBulk(c, o);
    }
}

static void strMsetGeneric(client *c, int nx) {
    if (c->argc % 2 == 0) {
        addReplyErrorArity(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (lookupKeyWrite(c->db, c->argv[j]) != NULL) {
                addReply(c, shared.czero);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        c->argv[j + 1] = tryObjectEncoding(c->argv[j + 1]);
        setKey(c, c->db, c->argv[j], c->argv[j + 1], 0);
        notifyKeyspaceEvent(NOTIFY_STRING, "set", c->argv[j], c->db->id);
    }
    server.dirty += (c->argc - 1) / 2;
    addReply(c, nx ? shared.cone : shared.ok);
}

/* MSET key value [key value ...] */
void msetCommand(client *c) {
    strMsetGeneric(c, 0);
}

/* MSETNX key value [key value ...]: all or nothing. */
void msetnxCommand(client *c) {
    strMsetGeneric(c, 1);
}

/* Adds <incr> to the integer at argv[1] (missing: 0) and replies the
 * result. An unshared INT value outside the shared range is updated in
 * place. */
static void strIncrDecr(client *c, long long incr) {
    long long value;
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_STRING)) return;
    if (getLongLongFromObjectOrReply(c, o, &value, NULL) != C_OK) return;
    if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) ||
        (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
        addReplyError(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    if (o && o->refcount == 1 && o->encoding == OBJ_ENCODING_INT &&
        (value < 0 || value >= OBJ_SHARED_INTEGERS) && value >= LONG_MIN &&
        value <= LONG_MAX) {
        o->ptr = (void *)((long)value);
    } else {
        robj *n = createStringObjectFromLongLongForValue(value);
        if (o)
            dbOverwrite(c->db, c->argv[1], n);
        else
            dbAdd(c->db, c->argv[1], n);
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "incrby", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, value);
}

/* INCR key */
void incrCommand(client *c) {
    strIncrDecr(c, 1);
}

/* DECR key */
void decrCommand(client *c) {
    strIncrDecr(c, -1);
}

/* INCRBY key increment */
void incrbyCommand(client *c) {
    long long incr;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &incr, NULL) != C_OK) return;
    strIncrDecr(c, incr);
}

/* DECRBY key decrement */
void decrbyCommand(client *c) {
    long long incr;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &incr, NULL) != C_OK) return;
    if (incr == LLONG_MIN) {
        addReplyError(c, "decrement would overflow");
        return;
    }
    strIncrDecr(c, -incr);
}

/* INCRBYFLOAT key increment: propagated as SET key <result> KEEPTTL so
 * that replicas do not redo the floating point arithmetic. */
void incrbyfloatCommand(client *c) {
    long double value, incr;
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_STRING)) return;
    if (getLongDoubleFromObjectOrReply(c, o, &value, NULL) != C_OK ||
        getLongDoubleFromObjectOrReply(c, c->argv[2], &incr, NULL) != C_OK)
        return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "increment would produce NaN or Infinity");
        return;
    }
    robj *n = createStringObjectFromLongDouble(value, 1);
    if (o)
        dbOverwrite(c->db, c->argv[1], n);
    else
        dbAdd(c->db, c->argv[1], n);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "incrbyfloat", c->argv[1], c->db->id);
    server.dirty++;
    addReplyBulk(c, n);
    robj *key = c->argv[1];
    incrRefCount(key);
    rewriteClientCommandVector(c, 4, shared.set, key, n, shared.keepttl);
    decrRefCount(key);
}

/* APPEND key value */
void appendCommand(client *c) {
    size_t total;
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (o == NULL) {
        c->argv[2] = tryObjectEncoding(c->argv[2]);
        dbAdd(c->db, c->argv[1], c->argv[2]);
        incrRefCount(c->argv[2]);
        total = stringObjectLen(c->argv[2]);
    } else {
        if (checkType(c, o, OBJ_STRING)) return;
        robj *add = getDecodedObject(c->argv[2]);
        if (strCheckLength(c, (long long)stringObjectLen(o),
                           (long long)sdsLen(add->ptr)) != C_OK) {
            decrRefCount(add);
            return;
        }
        o = dbUnshareStringValue(c->db, c->argv[1], o);
        o->ptr = sdsCatLen(o->ptr, add->ptr, sdsLen(add->ptr));
        total = sdsLen(o->ptr);
        decrRefCount(add);
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "append", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, (long long)total);
}

/* STRLEN key */
void strlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    addReplyLongLong(c, (long long)stringObjectLen(o));
}

/* SETRANGE key offset value */
void setrangeCommand(client *c) {
    long offset;
    robj *valobj = getDecodedObject(c->argv[3]);
    sds value = valobj->ptr;
    size_t vlen = sdsLen(value);

    if (getLongFromObjectOrReply(c, c->argv[2], &offset, NULL) != C_OK) goto done;
    if (offset < 0) {
        addReplyError(c, "offset is out of range");
        goto done;
    }
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (o == NULL) {
        if (vlen == 0) {
            addReply(c, shared.czero);
            goto done;
        }
        if (strCheckLength(c, offset, (long long)vlen) != C_OK) goto done;
        o = createObject(OBJ_STRING, sdsNewLen(NULL, (size_t)offset + vlen));
        dbAdd(c->db, c->argv[1], o);
    } else {
        if (checkType(c, o, OBJ_STRING)) goto done;
        size_t olen = stringObjectLen(o);
        if (vlen == 0) {
            addReplyLongLong(c, (long long)olen);
            goto done;
        }
        if (strCheckLength(c, offset, (long long)vlen) != C_OK) goto done;
        o = dbUnshareStringValue(c->db, c->argv[1], o);
    }
    o->ptr = sdsGrowZero(o->ptr, (size_t)offset + vlen);
    memcpy((char *)o->ptr + offset, value, vlen);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "setrange", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, (long long)sdsLen(o->ptr));
done:
    decrRefCount(valobj);
}

/* GETRANGE key start end (and SUBSTR): inclusive, negative from the end. */
void getrangeCommand(client *c) {
    long long start, end;
    char buf[LONG_STR_SIZE];
    const char *str;
    long long len;

    if (getLongLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK) return;
    if (getLongLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptybulk);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    if (o->encoding == OBJ_ENCODING_INT) {
        len = ll2string(buf, sizeof(buf), (long)o->ptr);
        str = buf;
    } else {
        str = o->ptr;
        len = (long long)sdsLen(o->ptr);
    }
    if (start < 0 && end < 0 && start > end) {
        addReply(c, shared.emptybulk);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
        addReply(c, shared.emptybulk);
        return;
    }
    addReplyBulkCBuffer(c, str + start, (size_t)(end - start + 1));
}

/* ----------------------------------- LCS --------------------------------- */

/* Appends one IDX match to the reply: [[a0,a1],[b0,b1](,len)]. */
static void strLcsReplyRange(client *c, long long a0, long long a1, long long b0,
                             long long b1, int withlen) {
    addReplyArrayLen(c, 2 + withlen);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, a0);
    addReplyLongLong(c, a1);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, b0);
    addReplyLongLong(c, b1);
    if (withlen) addReplyLongLong(c, a1 - a0 + 1);
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
 * common subsequence by the classic dynamic programming table, walked back
 * from the end (diagonal on equal bytes, else towards the larger
 * neighbour, preferring to drop a byte of key2 on ties). */
void lcsCommand(client *c) {
    int getlen = 0, getidx = 0, withlen = 0;
    long long minlen = 0;
    robj *oa = lookupKeyRead(c->db, c->argv[1]);
    robj *ob = lookupKeyRead(c->db, c->argv[2]);

    if ((oa && oa->type != OBJ_STRING) || (ob && ob->type != OBJ_STRING)) {
        addReplyError(c, "The specified keys must contain string values");
        return;
    }
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (strArgIs(c->argv[j], "idx")) {
            getidx = 1;
        } else if (strArgIs(c->argv[j], "len")) {
            getlen = 1;
        } else if (strArgIs(c->argv[j], "withmatchlen")) {
            withlen = 1;
        } else if (strArgIs(c->argv[j], "minmatchlen") && more) {
            if (getLongLongFromObjectOrReply(c, c->argv[j + 1], &minlen, NULL) != C_OK)
                return;
            if (minlen < 0) minlen = 0;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (getidx && getlen) {
        addReplyError(c, "If you want both the length and indexes, please just "
                         "use IDX.");
        return;
    }

    robj *da = oa ? getDecodedObject(oa) : createStringObject("", 0);
    robj *db = ob ? getDecodedObject(ob) : createStringObject("", 0);
    sds a = da->ptr, b = db->ptr;
    char *result = NULL;
    uint32_t *dp = NULL;

    if (sdsLen(a) >= UINT32_MAX - 1 || sdsLen(b) >= UINT32_MAX - 1) {
        addReplyError(c, "String too long for LCS");
        goto cleanup;
    }
    uint32_t alen = (uint32_t)sdsLen(a), blen = (uint32_t)sdsLen(b);
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    if (bytes / sizeof(uint32_t) == cells && bytes < SIZE_MAX) {
        if (bytes > (unsigned long long)server.proto_max_bulk_len) {
            addReplyError(c, "Insufficient memory, transient memory for LCS "
                             "exceeds proto-max-bulk-len");
            goto cleanup;
        }
        dp = ztrymalloc((size_t)bytes);
    }
    if (dp == NULL) {
        addReplyError(c, "Insufficient memory, failed allocating transient "
                         "memory for LCS");
        goto cleanup;
    }
#define STR_LCS(i, j) dp[(size_t)(i) * (blen + 1) + (j)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0) {
                STR_LCS(i, j) = 0;
            } else if (a[i - 1] == b[j - 1]) {
                STR_LCS(i, j) = STR_LCS(i - 1, j - 1) + 1;
            } else {
                uint32_t up = STR_LCS(i - 1, j), left = STR_LCS(i, j - 1);
                STR_LCS(i, j) = up > left ? up : left;
            }
        }
    }
    uint32_t total = STR_LCS(alen, blen);

    if (getlen) {
        addReplyLongLong(c, total);
        goto cleanup;
    }
    if (!getidx) result = zmalloc((size_t)total + 1);

    void *matches_len = NULL;
    long nmatches = 0;
    if (getidx) {
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "matches");
        matches_len = addReplyDeferredLen(c);
    }
    /* Current range being built, in backward order; open when in_range. */
    int in_range = 0;
    long long ra0 = 0, ra1 = 0, rb0 = 0, rb1 = 0;
    uint32_t i = alen, j = blen, pos = total;
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            if (result) result[--pos] = a[i - 1];
            if (getidx) {
                if (in_range && ra0 == i && rb0 == j) {
                    ra0--;
                    rb0--;
                } else {
                    if (in_range && ra1 - ra0 + 1 >= minlen) {
                        strLcsReplyRange(c, ra0, ra1, rb0, rb1, withlen);
                        nmatches++;
                    }
                    in_range = 1;
                    ra0 = ra1 = i - 1;
                    rb0 = rb1 = j - 1;
                }
            }
            i--;
            j--;
        } else if (STR_LCS(i - 1, j) > STR_LCS(i, j - 1)) {
            i--;
        } else {
            j--;
        }
    }
#undef STR_LCS
    if (getidx) {
        if (in_range && ra1 - ra0 + 1 >= minlen) {
            strLcsReplyRange(c, ra0, ra1, rb0, rb1, withlen);
            nmatches++;
        }
        setDeferredArrayLen(c, matches_len, nmatches);
        addReplyBulkCString(c, "len");
        addReplyLongLong(c, total);
    } else {
        addReplyBulkCBuffer(c, result, total);
    }

cleanup:
    zfree(result);
    zfree(dp);
    decrRefCount(da);
    decrRefCount(db);
}
