/* t_hash.c: the hash type and its commands.
 *
 * Owns: the two hash encodings and the conversion between them, the hash
 * iterator used by persistence and COPY, and the H* commands (HSET, HGET,
 * HINCRBY..., HRANDFIELD, HSCAN).
 * Encodings, as Redis 7.0 keeps them (RDB stores them as they are):
 *   OBJ_ENCODING_LISTPACK  a listpack of field,value,field,value... in
 *                          insertion order;
 *   OBJ_ENCODING_HT        a dict of sds field -> sds value.
 * Invariants: a listpack hash never holds more than hash-max-listpack-entries
 * pairs after a command returns, nor (when created by a command) a field or
 * value longer than hash-max-listpack-value; a hash never goes back from a
 * dict to a listpack; an empty hash is never left in the keyspace.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API, the reply buffers beyond the addReply* API. */
#include "server.h"

#include "listpack.h"

#include <math.h>
#include <strings.h>

/* HRANDFIELD strategies (see hrandfieldWithCount). */
#define HASH_RANDFIELD_SUB_STRATEGY_MUL 3
#define HASH_RANDFIELD_SAMPLE_LIMIT 1000

/* ------------------------------------------------------------------------
 * The dict encoding: sds field -> sds value, both owned by the dict.
 * --------------------------------------------------------------------- */

static uint64_t hashSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int hashSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    size_t la = sdsLen((sds)a), lb = sdsLen((sds)b);
    return la == lb && memcmp(a, b, la) == 0;
}

static void hashSdsFree(dict *d, void *p) {
    UNUSED(d);
    sdsFree(p);
}

/* The dict type of hashtable-encoded hashes (fields and values are sds the
 * dict owns); the RDB loader may build such dicts directly. */
dictType hashDictType = {hashSdsHash, NULL, NULL, hashSdsCompare,
                         hashSdsFree, hashSdsFree, NULL};

/* Shrinks the dict of <o> when it became mostly empty (as after HDEL). */
static void hashShrinkIfNeeded(robj *o) {
    dict *d = o->ptr;
    unsigned long slots = dictSlots(d);
    if (slots > DICTHT_SIZE(DICT_HT_INITIAL_EXP) && dictSize(d) * 10 < slots)
        dictResize(d);
}

/* ------------------------------------------------------------------------
 * Creation and low-level access
 * --------------------------------------------------------------------- */

/* Returns a new empty hash (listpack encoded) with refcount 1. */
robj *createHashObject(void) {
    robj *o = createObject(OBJ_HASH, lpNew(0));
    o->encoding = OBJ_ENCODING_LISTPACK;
    return o;
}

/* Returns a hash object wrapping the listpack <lp> (field,value pairs, as
 * stored by RDB_TYPE_HASH_LISTPACK); the object takes ownership of <lp>.
 * The caller has validated <lp> (even count, unique fields) and converts
 * it afterwards with hashTypeConvert if it exceeds the limits. */
robj *hashTypeCreateFromListpack(unsigned char *lp) {
    robj *o = createObject(OBJ_HASH, lp);
    o->encoding = OBJ_ENCODING_LISTPACK;
    return o;
}

/* Returns a hashtable-encoded hash wrapping <d> (created with hashDictType;
 * the object takes ownership). */
robj *hashTypeCreateFromDict(dict *d) {
    robj *o = createObject(OBJ_HASH, d);
    o->encoding = OBJ_ENCODING_HT;
    return o;
}

/* Returns the number of field,value pairs of the hash <o>. */
unsigned long hashTypeLength(const robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return lpLength(o->ptr) / 2;
    if (o->encoding == OBJ_ENCODING_HT) return dictSize((dict *)o->ptr);
    serverPanic("Unknown hash encoding");
}

/* Converts the listpack hash <o> to the encoding <enc> (only
 * OBJ_ENCODING_HT is a valid target; converting a dict is a no-op). Panics
 * on a listpack with a repeated field, which a validated blob never has. */
void hashTypeConvert(robj *o, int enc) {
    if (o->encoding == OBJ_ENCODING_HT && enc == OBJ_ENCODING_HT) return;
    if (o->encoding != OBJ_ENCODING_LISTPACK || enc != OBJ_ENCODING_HT)
        serverPanic("Unsupported hash conversion");
    unsigned char *lp = o->ptr;
    dict *d = dictCreate(&hashDictType);
    dictExpand(d, lpLength(lp) / 2);
    unsigned char *p = lpFirst(lp);
    unsigned char buf[LP_INTBUF_SIZE];
    while (p) {
        int64_t flen, vlen;
        unsigned char *f = lpGet(p, &flen, buf);
        sds field = sdsNewLen(f, (size_t)flen);
        p = lpNext(lp, p);
        serverAssert(p != NULL);
        unsigned char *v = lpGet(p, &vlen, buf);
        sds value = sdsNewLen(v, (size_t)vlen);
        if (dictAdd(d, field, value) != DICT_OK)
            serverPanic("Listpack corruption detected: repeated hash field");
        p = lpNext(lp, p);
    }
    lpFree(lp);
    o->ptr = d;
    o->encoding = OBJ_ENCODING_HT;
}

/* Converts the listpack hash <o> to a dict when one of argv[<start>..<end>]
 * is longer than hash-max-listpack-value or the listpack would grow past
 * its safety limit: done before the arguments are written into it. */
static void hashTypeTryConversion(robj *o, robj **argv, int start, int end) {
    if (o->encoding != OBJ_ENCODING_LISTPACK) return;
    size_t sum = 0;
    for (int i = start; i <= end; i++) {
        if (!sdsEncodedObject(argv[i])) continue;
        size_t len = sdsLen(argv[i]->ptr);
        if (len > server.hash_max_listpack_value) {
            hashTypeConvert(o, OBJ_ENCODING_HT);
            return;
        }
        sum += len;
    }
    if (!lpSafeToAdd(o->ptr, sum)) hashTypeConvert(o, OBJ_ENCODING_HT);
}

/* Finds <field> in the listpack <lp>; returns its value entry or NULL. */
static unsigned char *hashLpFindValue(unsigned char *lp, sds field) {
    unsigned char *p = lpFirst(lp);
    if (p == NULL) return NULL;
    p = lpFind(lp, p, (unsigned char *)field, (uint32_t)sdsLen(field), 1);
    return p ? lpNext(lp, p) : NULL;
}

/* Looks <field> up in the hash <o>. On success returns C_OK with the value
 * either as bytes (*<vstr>, *<vlen>; borrowed, valid until <o> changes) or,
 * when *<vstr> is NULL, as the integer *<vll>. Returns C_ERR if absent. */
int hashTypeGetValue(robj *o, sds field, unsigned char **vstr,
                     unsigned int *vlen, long long *vll) {
    *vstr = NULL;
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *v = hashLpFindValue(o->ptr, field);
        if (v == NULL) return C_ERR;
        *vstr = lpGetValue(v, vlen, vll);
        return C_OK;
    }
    if (o->encoding == OBJ_ENCODING_HT) {
        sds value = dictFetchValue(o->ptr, field);
        if (value == NULL) return C_ERR;
        *vstr = (unsigned char *)value;
        *vlen = (unsigned int)sdsLen(value);
        return C_OK;
    }
    serverPanic("Unknown hash encoding");
}

/* Returns 1 if <field> is in the hash <o>. */
int hashTypeExists(robj *o, sds field) {
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    return hashTypeGetValue(o, field, &vstr, &vlen, &vll) == C_OK;
}

/* Returns the length of the value of <field> in <o>, 0 if absent. */
static size_t hashTypeGetValueLength(robj *o, sds field) {
    unsigned char *vstr;
    unsigned int vlen = 0;
    long long vll;
    if (hashTypeGetValue(o, field, &vstr, &vlen, &vll) == C_ERR) return 0;
    if (vstr) return vlen;
    char buf[LONG_STR_SIZE];
    return (size_t)ll2string(buf, sizeof(buf), vll);
}

/* Sets <field> of the hash <o> to <value> (both copied; the caller keeps
 * its strings). A listpack hash that now holds more pairs than
 * hash-max-listpack-entries becomes a dict. Returns 1 when the field was
 * added, 0 when an existing field was updated. */
int hashTypeSet(robj *o, sds field, sds value) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = o->ptr;
        unsigned char *v = hashLpFindValue(lp, field);
        int added = 0;
        if (v) {
            lp = lpReplace(lp, &v, (unsigned char *)value,
                           (uint32_t)sdsLen(value));
        } else {
            lp = lpAppend(lp, (unsigned char *)field, (uint32_t)sdsLen(field));
            lp = lpAppend(lp, (unsigned char *)value, (uint32_t)sdsLen(value));
            added = 1;
        }
        o->ptr = lp;
        if (hashTypeLength(o) > server.hash_max_listpack_entries)
            hashTypeConvert(o, OBJ_ENCODING_HT);
        return added;
    }
    if (o->encoding == OBJ_ENCODING_HT) {
        dict *d = o->ptr;
        dictEntry *existing;
        dictEntry *de = dictAddRaw(d, field, &existing);
        if (de) {
            /* dictAddRaw stored our pointer: give the dict its own copy. */
            de->key = sdsDup(field);
            de->v.val = sdsDup(value);
            return 1;
        }
        sdsFree(dictGetVal(existing));
        existing->v.val = sdsDup(value);
        return 0;
    }
    serverPanic("Unknown hash encoding");
}

/* Removes <field> from the hash <o>. Returns 1 if it was there. The caller
 * deletes the key when the hash becomes empty. */
int hashTypeDelete(robj *o, sds field) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = o->ptr;
        unsigned char *p = lpFirst(lp);
        if (p == NULL) return 0;
        p = lpFind(lp, p, (unsigned char *)field, (uint32_t)sdsLen(field), 1);
        if (p == NULL) return 0;
        o->ptr = lpDeleteRangeWithEntry(lp, &p, 2);
        return 1;
    }
    if (o->encoding == OBJ_ENCODING_HT) {
        if (dictDelete(o->ptr, field) != DICT_OK) return 0;
        hashShrinkIfNeeded(o);
        return 1;
    }
    serverPanic("Unknown hash encoding");
}

/* ------------------------------------------------------------------------
 * Iterator
 * --------------------------------------------------------------------- */

/* Returns an iterator over the pairs of the hash <o>, positioned before
 * the first pair; <o> must not change until hashTypeReleaseIterator. */
hashTypeIterator *hashTypeInitIterator(robj *o) {
    hashTypeIterator *hi = zmalloc(sizeof(*hi));
    hi->subject = o;
    hi->encoding = o->encoding;
    hi->fptr = hi->vptr = NULL;
    hi->di = NULL;
    hi->de = NULL;
    if (o->encoding == OBJ_ENCODING_HT)
        hi->di = dictGetIterator(o->ptr);
    else if (o->encoding != OBJ_ENCODING_LISTPACK)
        serverPanic("Unknown hash encoding");
    return hi;
}

/* Frees the iterator <hi>. */
void hashTypeReleaseIterator(hashTypeIterator *hi) {
    if (hi->di) dictReleaseIterator(hi->di);
    zfree(hi);
}

/* Moves <hi> to the next pair. Returns C_OK, or C_ERR past the last one. */
int hashTypeNext(hashTypeIterator *hi) {
    if (hi->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = hi->subject->ptr;
        unsigned char *f = hi->fptr ? lpNext(lp, hi->vptr) : lpFirst(lp);
        if (f == NULL) return C_ERR;
        hi->fptr = f;
        hi->vptr = lpNext(lp, f);
        serverAssert(hi->vptr != NULL);
        return C_OK;
    }
    hi->de = dictNext(hi->di);
    return hi->de ? C_OK : C_ERR;
}

/* Reads the field (<what> OBJ_HASH_KEY) or value (OBJ_HASH_VALUE) of the
 * current pair of <hi> as bytes (*<vstr>, *<vlen>, borrowed) or, when
 * *<vstr> is NULL, as the integer *<vll> (listpack integers only). */
void hashTypeCurrent(hashTypeIterator *hi, int what, unsigned char **vstr,
                     unsigned int *vlen, long long *vll) {
    if (hi->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p = (what & OBJ_HASH_KEY) ? hi->fptr : hi->vptr;
        *vstr = lpGetValue(p, vlen, vll);
        return;
    }
    sds s = (what & OBJ_HASH_KEY) ? dictGetKey(hi->de) : dictGetVal(hi->de);
    *vstr = (unsigned char *)s;
    *vlen = (unsigned int)sdsLen(s);
}

/* Returns a new sds (owned by the caller) with the field or value (<what>)
 * of the current pair of <hi>. */
sds hashTypeCurrentObjectNewSds(hashTypeIterator *hi, int what) {
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    hashTypeCurrent(hi, what, &vstr, &vlen, &vll);
    if (vstr) return sdsNewLen(vstr, vlen);
    return sdsFromLongLong(vll);
}

/* ------------------------------------------------------------------------
 * Object methods: free, dup, size
 * --------------------------------------------------------------------- */

/* Releases the value of the hash <o> (not the robj itself). */
void freeHashObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        lpFree(o->ptr);
    else if (o->encoding == OBJ_ENCODING_HT)
        dictRelease(o->ptr);
    else
        serverPanic("Unknown hash encoding");
}

/* Returns a deep copy of the hash <o> in the same encoding (COPY). */
robj *hashTypeDup(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        return hashTypeCreateFromListpack(lpDup(o->ptr));
    dict *src = o->ptr;
    dict *d = dictCreate(&hashDictType);
    dictExpand(d, dictSize(src));
    dictIterator *di = dictGetIterator(src);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL)
        dictAdd(d, sdsDup(dictGetKey(de)), sdsDup(dictGetVal(de)));
    dictReleaseIterator(di);
    return hashTypeCreateFromDict(d);
}

/* Estimates the bytes used by the hash <o>, averaging up to <samples>
 * pairs of a dict (0: all of them). */
static size_t hashTypeComputeSize(robj *o, size_t samples) {
    size_t size = sizeof(robj);
    if (o->encoding == OBJ_ENCODING_LISTPACK) return size + lpBytes(o->ptr);
    dict *d = o->ptr;
    size += sizeof(dict) + sizeof(dictEntry *) * dictSlots(d);
    size_t n = 0, elesize = 0;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL && (samples == 0 || n < samples)) {
        elesize += sizeof(dictEntry) + sdsAllocSize(dictGetKey(de)) +
                   sdsAllocSize(dictGetVal(de));
        n++;
    }
    dictReleaseIterator(di);
    if (n) size += (size_t)((double)elesize / n * dictSize(d));
    return size;
}

/* HSCAN of a listpack hash: the whole hash in one reply, cursor 0. */
static unsigned long hashScanListpack(robj *o, unsigned long cursor, long count,
                                      list *elements) {
    UNUSED(cursor);
    UNUSED(count);
    hashTypeIterator *hi = hashTypeInitIterator(o);
    while (hashTypeNext(hi) == C_OK) {
        sds f = hashTypeCurrentObjectNewSds(hi, OBJ_HASH_KEY);
        sds v = hashTypeCurrentObjectNewSds(hi, OBJ_HASH_VALUE);
        listAddNodeTail(elements, createObject(OBJ_STRING, f));
        listAddNodeTail(elements, createObject(OBJ_STRING, v));
    }
    hashTypeReleaseIterator(hi);
    return 0;
}

static const objectTypeMethods hashMethods = {freeHashObject, hashTypeDup,
                                              hashTypeComputeSize};

/* Registers the hash type's object methods and its SCAN walker; called
 * once from initServer. */
void hashTypeInit(void) {
    registerObjectType(OBJ_HASH, &hashMethods);
    scanRegisterType(OBJ_HASH, hashScanListpack);
}

/* ------------------------------------------------------------------------
 * Command helpers
 * --------------------------------------------------------------------- */

/* Returns the hash at argv[1] for writing, creating an empty one in the
 * keyspace when absent; NULL (after replying WRONGTYPE) for another type. */
static robj *hashLookupWriteOrCreate(client *c, robj *key) {
    robj *o = lookupKeyWrite(c->db, key);
    if (checkType(c, o, OBJ_HASH)) return NULL;
    if (o == NULL) {
        o = createHashObject();
        dbAdd(c->db, key, o);
    }
    return o;
}

/* Replies the bytes or integer <vstr>/<vlen>/<vll> as a bulk string. */
static void hashReplyValue(client *c, unsigned char *vstr, unsigned int vlen,
                           long long vll) {
    if (vstr)
        addReplyBulkCBuffer(c, vstr, vlen);
    else
        addReplyBulkLongLong(c, vll);
}

/* Replies the value of <field> in <o> (which may be NULL) or null. */
static void hashReplyField(client *c, robj *o, sds field) {
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    if (o == NULL || hashTypeGetValue(o, field, &vstr, &vlen, &vll) == C_ERR) {
        addReplyNull(c);
        return;
    }
    hashReplyValue(c, vstr, vlen, vll);
}

/* Replies one element handed out by the listpack random helpers. */
static void hashReplyListpackEntry(client *c, listpackEntry *e) {
    if (e->sval)
        addReplyBulkCBuffer(c, e->sval, e->slen);
    else
        addReplyBulkLongLong(c, e->lval);
}

/* ------------------------------------------------------------------------
 * Commands
 * --------------------------------------------------------------------- */

/* HSETNX key field value */
void hsetnxCommand(client *c) {
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    /* An existing field leaves the hash untouched, encoding included. */
    if (hashTypeExists(o, c->argv[2]->ptr)) {
        addReply(c, shared.czero);
        return;
    }
    hashTypeTryConversion(o, c->argv, 2, 3);
    hashTypeSet(o, c->argv[2]->ptr, c->argv[3]->ptr);
    addReply(c, shared.cone);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_HASH, "hset", c->argv[1], c->db->id);
    server.dirty++;
}

/* HSET (<is_hmset> 0: replies the number of fields added) and HMSET
 * (replies OK): key field value [field value ...]. */
static void hashSetGeneric(client *c, int is_hmset) {
    if (c->argc % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    hashTypeTryConversion(o, c->argv, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        created += hashTypeSet(o, c->argv[i]->ptr, c->argv[i + 1]->ptr);
    if (is_hmset)
        addReply(c, shared.ok);
    else
        addReplyLongLong(c, created);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_HASH, "hset", c->argv[1], c->db->id);
    server.dirty += (c->argc - 2) / 2;
}

/* HSET key field value [field value ...] */
void hsetCommand(client *c) {
    hashSetGeneric(c, 0);
}

/* HMSET key field value [field value ...] */
void hmsetCommand(client *c) {
    hashSetGeneric(c, 1);
}

/* HINCRBY key field increment */
void hincrbyCommand(client *c) {
    long long incr, value = 0;
    if (getLongLongFromObjectOrReply(c, c->argv[3], &incr, NULL) != C_OK) return;
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    hashTypeTryConversion(o, c->argv, 2, 3);
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    if (hashTypeGetValue(o, c->argv[2]->ptr, &vstr, &vlen, &vll) == C_OK) {
        if (vstr) {
            if (!string2ll((char *)vstr, vlen, &value)) {
                addReplyError(c, "hash value is not an integer");
                return;
            }
        } else {
            value = vll;
        }
    }
    if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) ||
        (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
        addReplyError(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    sds nv = sdsFromLongLong(value);
    hashTypeSet(o, c->argv[2]->ptr, nv);
    sdsFree(nv);
    addReplyLongLong(c, value);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_HASH, "hincrby", c->argv[1], c->db->id);
    server.dirty++;
}

/* HINCRBYFLOAT key field increment; propagated as HSET of the result so
 * that replicas and the AOF do not depend on float formatting. */
void hincrbyfloatCommand(client *c) {
    long double incr, value = 0;
    if (getLongDoubleFromObjectOrReply(c, c->argv[3], &incr, NULL) != C_OK)
        return;
    if (isnan(incr) || isinf(incr)) {
        addReplyError(c, "value is NaN or Infinity");
        return;
    }
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    hashTypeTryConversion(o, c->argv, 2, 3);
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    if (hashTypeGetValue(o, c->argv[2]->ptr, &vstr, &vlen, &vll) == C_OK) {
        if (vstr) {
            if (!string2ld((char *)vstr, vlen, &value)) {
                addReplyError(c, "hash value is not a float");
                return;
            }
        } else {
            value = (long double)vll;
        }
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "increment would produce NaN or Infinity");
        return;
    }
    char buf[MAX_LONG_DOUBLE_CHARS];
    int len = ld2string(buf, sizeof(buf), value, LD_STR_HUMAN);
    sds nv = sdsNewLen(buf, (size_t)len);
    hashTypeSet(o, c->argv[2]->ptr, nv);
    sdsFree(nv);
    addReplyBulkCBuffer(c, buf, (size_t)len);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_HASH, "hincrbyfloat", c->argv[1], c->db->id);
    server.dirty++;

    robj *newobj = createRawStringObject(buf, (size_t)len);
    rewriteClientCommandArgument(c, 0, shared.hset);
    rewriteClientCommandArgument(c, 3, newobj);
    decrRefCount(newobj);
}

/* HGET key field */
void hgetCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    hashReplyField(c, o, c->argv[2]->ptr);
}

/* HMGET key field [field ...]: a missing key reads as an empty hash. */
void hmgetCommand(client *c) {
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_HASH)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) hashReplyField(c, o, c->argv[i]->ptr);
}

/* HDEL key field [field ...] */
void hdelCommand(client *c) {
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    long long deleted = 0;
    int keyremoved = 0;
    for (int i = 2; i < c->argc; i++) {
        if (hashTypeDelete(o, c->argv[i]->ptr)) {
            deleted++;
            if (hashTypeLength(o) == 0) {
                dbDelete(c->db, c->argv[1]);
                keyremoved = 1;
                break;
            }
        }
    }
    if (deleted) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_HASH, "hdel", c->argv[1], c->db->id);
        if (keyremoved)
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

/* HLEN key */
void hlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    addReplyLongLong(c, (long long)hashTypeLength(o));
}

/* HSTRLEN key field */
void hstrlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    addReplyLongLong(c, (long long)hashTypeGetValueLength(o, c->argv[2]->ptr));
}

/* HEXISTS key field */
void hexistsCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    addReply(c, hashTypeExists(o, c->argv[2]->ptr) ? shared.cone : shared.czero);
}

/* HKEYS / HVALS / HGETALL: replies the fields and/or values (<flags>,
 * OBJ_HASH_KEY|OBJ_HASH_VALUE); HGETALL is a map in RESP3. */
static void hashGetAllGeneric(client *c, int flags) {
    int both = (flags & OBJ_HASH_KEY) && (flags & OBJ_HASH_VALUE);
    robj *empty = both ? shared.emptymap[c->resp] : shared.emptyarray;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], empty);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    long length = (long)hashTypeLength(o);
    if (both)
        addReplyMapLen(c, length);
    else
        addReplyArrayLen(c, length);
    hashTypeIterator *hi = hashTypeInitIterator(o);
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    while (hashTypeNext(hi) == C_OK) {
        if (flags & OBJ_HASH_KEY) {
            hashTypeCurrent(hi, OBJ_HASH_KEY, &vstr, &vlen, &vll);
            hashReplyValue(c, vstr, vlen, vll);
        }
        if (flags & OBJ_HASH_VALUE) {
            hashTypeCurrent(hi, OBJ_HASH_VALUE, &vstr, &vlen, &vll);
            hashReplyValue(c, vstr, vlen, vll);
        }
    }
    hashTypeReleaseIterator(hi);
}

/* HKEYS key */
void hkeysCommand(client *c) {
    hashGetAllGeneric(c, OBJ_HASH_KEY);
}

/* HVALS key */
void hvalsCommand(client *c) {
    hashGetAllGeneric(c, OBJ_HASH_VALUE);
}

/* HGETALL key */
void hgetallCommand(client *c) {
    hashGetAllGeneric(c, OBJ_HASH_KEY | OBJ_HASH_VALUE);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] */
void hscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) == C_ERR) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    scanGenericCommand(c, o, cursor);
}

/* Replies one field (and its value with <withvalues>) of the dict entry
 * <de>, as a pair array in RESP3. */
static void hashReplyDictPair(client *c, dictEntry *de, int withvalues) {
    sds f = dictGetKey(de);
    if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulkCBuffer(c, f, sdsLen(f));
    if (withvalues) {
        sds v = dictGetVal(de);
        addReplyBulkCBuffer(c, v, sdsLen(v));
    }
}

/* A dict type for HRANDFIELD's scratch sets: keys are sds borrowed from
 * the hash (not freed), values unused. */
static dictType hashBorrowedDictType = {hashSdsHash, NULL, NULL,
                                        hashSdsCompare, NULL, NULL, NULL};

/* HRANDFIELD with a count <l>: distinct fields for l > 0 (at most the hash
 * size), |l| fields with repetitions for l < 0. */
static void hrandfieldWithCount(client *c, long l, int withvalues) {
    unsigned long count, size;
    int uniq = 1;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    size = hashTypeLength(o);
    if (l >= 0) {
        count = (unsigned long)l;
    } else {
        count = (unsigned long)-l;
        uniq = 0;
    }
    if (count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }

    /* Repetitions allowed (or a single field): independent picks. */
    if (!uniq || count == 1) {
        addReplyArrayLen(c, (long)(withvalues && c->resp == 2 ? count * 2 : count));
        if (o->encoding == OBJ_ENCODING_HT) {
            while (count--) {
                hashReplyDictPair(c, dictGetFairRandomKey(o->ptr), withvalues);
                if (c->flags & CLIENT_CLOSE_ASAP) break;
            }
            return;
        }
        unsigned long limit = count > HASH_RANDFIELD_SAMPLE_LIMIT
                                  ? HASH_RANDFIELD_SAMPLE_LIMIT : count;
        listpackEntry *keys = zmalloc(sizeof(listpackEntry) * limit);
        listpackEntry *vals = withvalues ? zmalloc(sizeof(listpackEntry) * limit)
                                         : NULL;
        while (count) {
            unsigned long n = count > limit ? limit : count;
            count -= n;
            lpRandomPairs(o->ptr, (unsigned int)n, keys, vals);
            for (unsigned long i = 0; i < n; i++) {
                if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
                hashReplyListpackEntry(c, &keys[i]);
                if (withvalues) hashReplyListpackEntry(c, &vals[i]);
            }
            if (c->flags & CLIENT_CLOSE_ASAP) break;
        }
        zfree(keys);
        zfree(vals);
        return;
    }

    unsigned long reply_size = count < size ? count : size;
    addReplyArrayLen(c, (long)(withvalues && c->resp == 2 ? reply_size * 2
                                                          : reply_size));

    /* The whole hash. */
    if (count >= size) {
        hashTypeIterator *hi = hashTypeInitIterator(o);
        unsigned char *vstr;
        unsigned int vlen;
        long long vll;
        while (hashTypeNext(hi) == C_OK) {
            if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
            hashTypeCurrent(hi, OBJ_HASH_KEY, &vstr, &vlen, &vll);
            hashReplyValue(c, vstr, vlen, vll);
            if (withvalues) {
                hashTypeCurrent(hi, OBJ_HASH_VALUE, &vstr, &vlen, &vll);
                hashReplyValue(c, vstr, vlen, vll);
            }
        }
        hashTypeReleaseIterator(hi);
        return;
    }

    /* A listpack: one pass of selection sampling. */
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        listpackEntry *keys = zmalloc(sizeof(listpackEntry) * count);
        listpackEntry *vals = withvalues ? zmalloc(sizeof(listpackEntry) * count)
                                         : NULL;
        unsigned int n = lpRandomPairsUnique(o->ptr, (unsigned int)count, keys,
                                             vals);
        serverAssert(n == count);
        for (unsigned int i = 0; i < n; i++) {
            if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
            hashReplyListpackEntry(c, &keys[i]);
            if (withvalues) hashReplyListpackEntry(c, &vals[i]);
        }
        zfree(keys);
        zfree(vals);
        return;
    }

    dict *src = o->ptr;
    dict *d = dictCreate(&hashBorrowedDictType);
    if (count * HASH_RANDFIELD_SUB_STRATEGY_MUL > size) {
        /* Most of the hash: copy every field, drop random ones. */
        dictExpand(d, size);
        dictIterator *di = dictGetIterator(src);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL)
            dictAdd(d, dictGetKey(de), dictGetVal(de));
        dictReleaseIterator(di);
        while (size > count) {
            dictEntry *r = dictGetFairRandomKey(d);
            dictDelete(d, dictGetKey(r));
            size--;
        }
        di = dictGetIterator(d);
        while ((de = dictNext(di)) != NULL) hashReplyDictPair(c, de, withvalues);
        dictReleaseIterator(di);
    } else {
        /* A small part: pick until enough distinct fields were seen. */
        unsigned long added = 0;
        dictExpand(d, count);
        while (added < count) {
            dictEntry *r = dictGetFairRandomKey(src);
            if (dictAdd(d, dictGetKey(r), NULL) != DICT_OK) continue;
            hashReplyDictPair(c, r, withvalues);
            added++;
        }
    }
    dictRelease(d);
}

/* HRANDFIELD key [count [WITHVALUES]] */
void hrandfieldCommand(client *c) {
    if (c->argc >= 3) {
        long l;
        int withvalues = 0;
        if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX,
                                          &l, NULL) != C_OK)
            return;
        if (c->argc > 4 ||
            (c->argc == 4 && strcasecmp(c->argv[3]->ptr, "withvalues"))) {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            /* The RESP2 reply has two elements per pick. */
            if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
                addReplyError(c, "value is out of range");
                return;
            }
        }
        hrandfieldWithCount(c, l, withvalues);
        return;
    }
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    if (o->encoding == OBJ_ENCODING_HT) {
        sds f = dictGetKey(dictGetFairRandomKey(o->ptr));
        addReplyBulkCBuffer(c, f, sdsLen(f));
        return;
    }
    listpackEntry key;
    lpRandomPair(o->ptr, hashTypeLength(o), &key, NULL);
    hashReplyListpackEntry(c, &key);
}
