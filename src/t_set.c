/* t_set.c: the set type and its commands.
 *
 * Owns: the two set encodings and the conversion between them, the set
 * iterator used by persistence, SORT and the sorted-set STORE commands,
 * and the S* commands (SADD ... SINTERCARD, SSCAN).
 * Encodings, as Redis 7.0 keeps them (RDB stores them as they are; 7.0 has
 * no listpack sets):
 *   OBJ_ENCODING_INTSET  an intset, while every member is a canonical
 *                        decimal integer fitting int64 (strict string2ll)
 *                        and there are at most set-max-intset-entries;
 *   OBJ_ENCODING_HT      a dict of sds member -> NULL.
 * Invariants: a set never goes back from a dict to an intset; an empty set
 * is never left in the keyspace.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API, the reply buffers beyond the addReply* API. */
#include "server.h"

#include "intset.h"

#include <strings.h>

/* SRANDMEMBER and SPOP strategies (see their functions). */
#define SET_RANDMEMBER_SUB_STRATEGY_MUL 3
#define SET_POP_MOVE_STRATEGY_MUL 5
#define SET_POP_PROPAGATE_BATCH 1024

#define SET_OP_UNION 0
#define SET_OP_DIFF 1

/* ------------------------------------------------------------------------
 * The dict encoding: sds member -> NULL, members owned by the dict.
 * --------------------------------------------------------------------- */

static uint64_t setSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int setSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    size_t la = sdsLen((sds)a), lb = sdsLen((sds)b);
    return la == lb && memcmp(a, b, la) == 0;
}

static void setSdsFree(dict *d, void *p) {
    UNUSED(d);
    sdsFree(p);
}

/* The dict type of hashtable-encoded sets (members are sds the dict owns,
 * no values: the dicts are made with dictCreateKeysOnly); the RDB loader
 * may fill such dicts directly. */
dictType setDictType = {setSdsHash, NULL, NULL, setSdsCompare, setSdsFree,
                        NULL, NULL};

/* ------------------------------------------------------------------------
 * Creation and low-level access
 * --------------------------------------------------------------------- */

/* Returns a new empty hashtable-encoded set with refcount 1. */
robj *createSetObject(void) {
    robj *o = createObject(OBJ_SET, dictCreateKeysOnly(&setDictType));
    o->encoding = OBJ_ENCODING_HT;
    return o;
}

/* Returns a new empty intset-encoded set with refcount 1. */
robj *createIntsetObject(void) {
    robj *o = createObject(OBJ_SET, intsetNew());
    o->encoding = OBJ_ENCODING_INTSET;
    return o;
}

/* Returns a set object wrapping the intset <is> (as stored by
 * RDB_TYPE_SET_INTSET); the object takes ownership. The caller validated
 * the blob and converts with setTypeConvert if it exceeds
 * set-max-intset-entries. */
robj *setTypeCreateFromIntset(struct intset *is) {
    robj *o = createObject(OBJ_SET, is);
    o->encoding = OBJ_ENCODING_INTSET;
    return o;
}

/* Returns an empty set in the encoding fit for a first member <value>:
 * an intset when it is an integer, else a dict. */
robj *setTypeCreate(sds value) {
    if (isSdsRepresentableAsLongLong(value, NULL) == C_OK)
        return createIntsetObject();
    return createSetObject();
}

/* Returns the number of members of the set <o>. */
unsigned long setTypeSize(const robj *o) {
    if (o->encoding == OBJ_ENCODING_INTSET) return intsetLen(o->ptr);
    if (o->encoding == OBJ_ENCODING_HT) return dictSize((dict *)o->ptr);
    serverPanic("Unknown set encoding");
}

/* Converts the intset set <o> to <enc> (only OBJ_ENCODING_HT is a valid
 * target; converting a dict is a no-op). */
void setTypeConvert(robj *o, int enc) {
    if (o->encoding == OBJ_ENCODING_HT && enc == OBJ_ENCODING_HT) return;
    if (o->encoding != OBJ_ENCODING_INTSET || enc != OBJ_ENCODING_HT)
        serverPanic("Unsupported set conversion");
    intset *is = o->ptr;
    dict *d = dictCreateKeysOnly(&setDictType);
    dictExpand(d, intsetLen(is));
    int64_t v;
    for (uint32_t i = 0; intsetGet(is, i, &v); i++)
        serverAssert(dictAdd(d, sdsFromLongLong(v), NULL) == DICT_OK);
    zfree(is);
    o->ptr = d;
    o->encoding = OBJ_ENCODING_HT;
}

/* Adds <value> (copied) to the set <o>, converting it to a dict when the
 * value is not an integer or the intset grows past set-max-intset-entries.
 * Returns 1 if added, 0 if it was already a member. */
int setTypeAdd(robj *o, sds value) {
    long long ll;
    if (o->encoding == OBJ_ENCODING_INTSET) {
        if (isSdsRepresentableAsLongLong(value, &ll) == C_OK) {
            uint8_t success = 0;
            o->ptr = intsetAdd(o->ptr, ll, &success);
            if (success && intsetLen(o->ptr) > server.set_max_intset_entries)
                setTypeConvert(o, OBJ_ENCODING_HT);
            return success;
        }
        setTypeConvert(o, OBJ_ENCODING_HT);
    }
    if (o->encoding == OBJ_ENCODING_HT) {
        dict *d = o->ptr;
        dictEntry *de = dictAddRaw(d, value, NULL);
        if (de == NULL) return 0;
        /* dictAddRaw stored our pointer: give the dict its own copy. */
        de->key = sdsDup(value);
        return 1;
    }
    serverPanic("Unknown set encoding");
}

/* Removes <value> from the set <o>. Returns 1 if it was a member. The
 * caller deletes the key when the set becomes empty. */
int setTypeRemove(robj *o, sds value) {
    long long ll;
    if (o->encoding == OBJ_ENCODING_INTSET) {
        if (isSdsRepresentableAsLongLong(value, &ll) != C_OK) return 0;
        int success = 0;
        o->ptr = intsetRemove(o->ptr, ll, &success);
        return success;
    }
    if (o->encoding == OBJ_ENCODING_HT) {
        dict *d = o->ptr;
        if (dictDelete(d, value) != DICT_OK) return 0;
        unsigned long slots = dictSlots(d);
        if (slots > DICTHT_SIZE(DICT_HT_INITIAL_EXP) && dictSize(d) * 10 < slots)
            dictResize(d);
        return 1;
    }
    serverPanic("Unknown set encoding");
}

/* Returns 1 if <value> is a member of the set <o>. */
int setTypeIsMember(robj *o, sds value) {
    long long ll;
    if (o->encoding == OBJ_ENCODING_INTSET) {
        if (isSdsRepresentableAsLongLong(value, &ll) != C_OK) return 0;
        return intsetFind(o->ptr, ll);
    }
    if (o->encoding == OBJ_ENCODING_HT) return dictFind(o->ptr, value) != NULL;
    serverPanic("Unknown set encoding");
}

/* Picks a random member of the non-empty set <o>: for an intset stores it
 * in *<llele> and returns OBJ_ENCODING_INTSET; for a dict stores it in
 * *<sdsele> (borrowed) and returns OBJ_ENCODING_HT. */
int setTypeRandomElement(robj *o, sds *sdsele, int64_t *llele) {
    if (o->encoding == OBJ_ENCODING_INTSET) {
        *llele = intsetRandom(o->ptr);
        *sdsele = NULL;
    } else if (o->encoding == OBJ_ENCODING_HT) {
        *sdsele = dictGetKey(dictGetFairRandomKey(o->ptr));
        *llele = 0;
    } else {
        serverPanic("Unknown set encoding");
    }
    return o->encoding;
}

/* ------------------------------------------------------------------------
 * Iterator
 * --------------------------------------------------------------------- */

/* Returns an iterator over the members of the set <o> (intsets in
 * increasing order); <o> must not change until setTypeReleaseIterator. */
setTypeIterator *setTypeInitIterator(robj *o) {
    setTypeIterator *si = zmalloc(sizeof(*si));
    si->subject = o;
    si->encoding = o->encoding;
    si->ii = 0;
    si->di = NULL;
    if (o->encoding == OBJ_ENCODING_HT)
        si->di = dictGetIterator(o->ptr);
    else if (o->encoding != OBJ_ENCODING_INTSET)
        serverPanic("Unknown set encoding");
    return si;
}

/* Frees the iterator <si>. */
void setTypeReleaseIterator(setTypeIterator *si) {
    if (si->di) dictReleaseIterator(si->di);
    zfree(si);
}

/* Moves <si> to the next member: an intset member goes to *<llele> (and
 * OBJ_ENCODING_INTSET is returned), a dict member to *<sdsele> (borrowed;
 * OBJ_ENCODING_HT is returned). Returns -1 past the last member. */
int setTypeNext(setTypeIterator *si, sds *sdsele, int64_t *llele) {
    if (si->encoding == OBJ_ENCODING_HT) {
        dictEntry *de = dictNext(si->di);
        if (de == NULL) return -1;
        *sdsele = dictGetKey(de);
        *llele = 0;
    } else {
        if (!intsetGet(si->subject->ptr, (uint32_t)si->ii++, llele)) return -1;
        *sdsele = NULL;
    }
    return si->encoding;
}

/* Returns the next member of <si> as a new sds owned by the caller, or
 * NULL past the last member. */
sds setTypeNextObject(setTypeIterator *si) {
    sds s;
    int64_t ll;
    int enc = setTypeNext(si, &s, &ll);
    if (enc == -1) return NULL;
    if (enc == OBJ_ENCODING_INTSET) return sdsFromLongLong(ll);
    return sdsDup(s);
}

/* ------------------------------------------------------------------------
 * Object methods: free, dup, size
 * --------------------------------------------------------------------- */

/* Releases the value of the set <o> (not the robj itself). */
void freeSetObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_INTSET)
        zfree(o->ptr);
    else if (o->encoding == OBJ_ENCODING_HT)
        dictRelease(o->ptr);
    else
        serverPanic("Unknown set encoding");
}

/* Returns a deep copy of the set <o> in the same encoding (COPY). */
robj *setTypeDup(robj *o) {
    if (o->encoding == OBJ_ENCODING_INTSET)
        return setTypeCreateFromIntset(intsetDup(o->ptr));
    robj *copy = createSetObject();
    dict *d = copy->ptr;
    dictExpand(d, dictSize((dict *)o->ptr));
    dictIterator *di = dictGetIterator(o->ptr);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) dictAdd(d, sdsDup(dictGetKey(de)), NULL);
    dictReleaseIterator(di);
    return copy;
}

/* Estimates the bytes used by the set <o>, averaging up to <samples>
 * members of a dict (0: all of them). */
static size_t setTypeComputeSize(robj *o, size_t samples) {
    size_t size = sizeof(robj);
    if (o->encoding == OBJ_ENCODING_INTSET) return size + intsetBlobLen(o->ptr);
    dict *d = o->ptr;
    size += sizeof(dict) + sizeof(dictEntry *) * dictSlots(d);
    size_t n = 0, elesize = 0;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL && (samples == 0 || n < samples)) {
        elesize += sizeof(dictEntryNoValue) + sdsAllocSize(dictGetKey(de));
        n++;
    }
    dictReleaseIterator(di);
    if (n) size += (size_t)((double)elesize / n * dictSize(d));
    return size;
}

/* SSCAN of an intset: the whole set in one reply, cursor 0. */
static unsigned long setScanIntset(robj *o, unsigned long cursor, long count,
                                   list *elements) {
    UNUSED(cursor);
    UNUSED(count);
    int64_t v;
    for (uint32_t i = 0; intsetGet(o->ptr, i, &v); i++)
        listAddNodeTail(elements, createStringObjectFromLongLong(v));
    return 0;
}

static const objectTypeMethods setMethods = {freeSetObject, setTypeDup,
                                             setTypeComputeSize};

/* Registers the set type's object methods and its SCAN walker; called
 * once from initServer. */
void setTypeInit(void) {
    registerObjectType(OBJ_SET, &setMethods);
    scanRegisterType(OBJ_SET, setScanIntset);
}

/* ------------------------------------------------------------------------
 * Reply helpers
 * --------------------------------------------------------------------- */

/* Replies a member given as setTypeNext/setTypeRandomElement hand it. */
static void setReplyMember(client *c, sds s, int64_t ll) {
    if (s)
        addReplyBulkCBuffer(c, s, sdsLen(s));
    else
        addReplyBulkLongLong(c, ll);
}

/* Returns a new sds with a member given as setTypeNext hands it. */
static sds setMemberNewSds(sds s, int64_t ll) {
    return s ? sdsDup(s) : sdsFromLongLong(ll);
}

/* Replies every member of <o> (no header). */
static void setReplyAllMembers(client *c, robj *o) {
    setTypeIterator *si = setTypeInitIterator(o);
    sds s;
    int64_t ll;
    while (setTypeNext(si, &s, &ll) != -1) setReplyMember(c, s, ll);
    setTypeReleaseIterator(si);
}

/* Stores the result <dstset> of a STORE command at <dstkey> (or deletes
 * <dstkey> when the result is empty), notifies <event>, replies the size. */
static void setStoreResult(client *c, robj *dstkey, robj *dstset,
                           const char *event) {
    unsigned long size = setTypeSize(dstset);
    if (size > 0) {
        setKey(c, c->db, dstkey, dstset, 0);
        addReplyLongLong(c, (long long)size);
        notifyKeyspaceEvent(NOTIFY_SET, (char *)event, dstkey, c->db->id);
        server.dirty++;
    } else {
        addReply(c, shared.czero);
        if (dbDelete(c->db, dstkey)) {
            server.dirty++;
            signalModifiedKey(c, c->db, dstkey);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
        }
    }
}

/* ------------------------------------------------------------------------
 * Commands
 * --------------------------------------------------------------------- */

/* SADD key member [member ...] */
void saddCommand(client *c) {
    robj *set = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, set, OBJ_SET)) return;
    if (set == NULL) {
        set = setTypeCreate(c->argv[2]->ptr);
        dbAdd(c->db, c->argv[1], set);
    }
    long long added = 0;
    for (int j = 2; j < c->argc; j++) added += setTypeAdd(set, c->argv[j]->ptr);
    if (added) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_SET, "sadd", c->argv[1], c->db->id);
    }
    server.dirty += added;
    addReplyLongLong(c, added);
}

/* SREM key member [member ...] */
void sremCommand(client *c) {
    robj *set = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    long long deleted = 0;
    int keyremoved = 0;
    for (int j = 2; j < c->argc; j++) {
        if (setTypeRemove(set, c->argv[j]->ptr)) {
            deleted++;
            if (setTypeSize(set) == 0) {
                dbDelete(c->db, c->argv[1]);
                keyremoved = 1;
                break;
            }
        }
    }
    if (deleted) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_SET, "srem", c->argv[1], c->db->id);
        if (keyremoved)
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

/* SMOVE source destination member */
void smoveCommand(client *c) {
    robj *srcset = lookupKeyWrite(c->db, c->argv[1]);
    robj *dstset = lookupKeyWrite(c->db, c->argv[2]);
    sds ele = c->argv[3]->ptr;
    if (srcset == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (checkType(c, srcset, OBJ_SET) || checkType(c, dstset, OBJ_SET)) return;
    /* Same key: nothing moves; the reply says whether it is a member. */
    if (srcset == dstset) {
        addReply(c, setTypeIsMember(srcset, ele) ? shared.cone : shared.czero);
        return;
    }
    if (!setTypeRemove(srcset, ele)) {
        addReply(c, shared.czero);
        return;
    }
    notifyKeyspaceEvent(NOTIFY_SET, "srem", c->argv[1], c->db->id);
    if (setTypeSize(srcset) == 0) {
        dbDelete(c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    }
    if (dstset == NULL) {
        dstset = setTypeCreate(ele);
        dbAdd(c->db, c->argv[2], dstset);
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    server.dirty++;
    if (setTypeAdd(dstset, ele)) {
        server.dirty++;
        signalModifiedKey(c, c->db, c->argv[2]);
        notifyKeyspaceEvent(NOTIFY_SET, "sadd", c->argv[2], c->db->id);
    }
    addReply(c, shared.cone);
}

/* SISMEMBER key member */
void sismemberCommand(client *c) {
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    addReply(c, setTypeIsMember(set, c->argv[2]->ptr) ? shared.cone : shared.czero);
}

/* SMISMEMBER key member [member ...]: a missing key is an empty set. */
void smismemberCommand(client *c) {
    robj *set = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, set, OBJ_SET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        int member = set && setTypeIsMember(set, c->argv[j]->ptr);
        addReply(c, member ? shared.cone : shared.czero);
    }
}

/* SCARD key */
void scardCommand(client *c) {
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    addReplyLongLong(c, (long long)setTypeSize(set));
}

/* SPOP key count (count >= 1): the popped members are propagated as SREM
 * commands (or one DEL when the whole set goes) so that replicas and the
 * AOF remove exactly the same members. */
static void spopWithCount(client *c) {
    long l;
    if (getPositiveLongFromObjectOrReply(c, c->argv[2], &l,
                                         "value is out of range, must be "
                                         "positive") != C_OK)
        return;
    unsigned long count = (unsigned long)l;
    robj *set = lookupKeyWriteOrReply(c, c->argv[1], shared.emptyset[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    if (count == 0) {
        addReply(c, shared.emptyset[c->resp]);
        return;
    }
    unsigned long size = setTypeSize(set);
    notifyKeyspaceEvent(NOTIFY_SET, "spop", c->argv[1], c->db->id);

    /* The whole set: reply it, delete the key, propagate a deletion. */
    if (count >= size) {
        addReplySetLen(c, (long)size);
        setReplyAllMembers(c, set);
        dbDelete(c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
        robj *del = server.lazyfree_lazy_server_del ? shared.unlink : shared.del;
        rewriteClientCommandVector(c, 2, del, c->argv[1]);
        signalModifiedKey(c, c->db, c->argv[1]);
        server.dirty++;
        return;
    }

    unsigned long batchmax = count < SET_POP_PROPAGATE_BATCH
                                 ? count : SET_POP_PROPAGATE_BATCH;
    robj **propargv = zmalloc(sizeof(robj *) * (2 + batchmax));
    propargv[0] = shared.srem;
    propargv[1] = c->argv[1];
    unsigned long batch = 0;
    unsigned long remaining = size - count;
    addReplySetLen(c, (long)count);

#define SET_POP_PROPAGATE(member_sds)                                          \
    do {                                                                       \
        propargv[2 + batch++] = createObject(OBJ_STRING, (member_sds));        \
        if (batch == batchmax) {                                               \
            alsoPropagate(c->db->id, propargv, (int)(2 + batch),               \
                          PROPAGATE_AOF | PROPAGATE_REPL);                     \
            for (unsigned long k = 0; k < batch; k++)                          \
                decrRefCount(propargv[2 + k]);                                 \
            batch = 0;                                                         \
        }                                                                      \
    } while (0)

    sds s;
    int64_t ll;
    if (remaining * SET_POP_MOVE_STRATEGY_MUL > count) {
        /* Few members leave: pop them one by one. */
        while (count--) {
            setTypeRandomElement(set, &s, &ll);
            sds member = setMemberNewSds(s, ll);
            setReplyMember(c, s, ll);
            setTypeRemove(set, member);
            SET_POP_PROPAGATE(member);
        }
    } else {
        /* Most members leave: move the ones that stay to a new set and
         * hand the old one to the client. */
        robj *newset = set->encoding == OBJ_ENCODING_INTSET ? createIntsetObject()
                                                           : createSetObject();
        while (remaining--) {
            setTypeRandomElement(set, &s, &ll);
            sds member = setMemberNewSds(s, ll);
            setTypeAdd(newset, member);
            setTypeRemove(set, member);
            sdsFree(member);
        }
        setTypeIterator *si = setTypeInitIterator(set);
        while (setTypeNext(si, &s, &ll) != -1) {
            setReplyMember(c, s, ll);
            SET_POP_PROPAGATE(setMemberNewSds(s, ll));
        }
        setTypeReleaseIterator(si);
        dbOverwrite(c->db, c->argv[1], newset);
    }
#undef SET_POP_PROPAGATE

    if (batch) {
        alsoPropagate(c->db->id, propargv, (int)(2 + batch),
                      PROPAGATE_AOF | PROPAGATE_REPL);
        for (unsigned long k = 0; k < batch; k++) decrRefCount(propargv[2 + k]);
    }
    zfree(propargv);
    /* The SREMs above replace the command itself. */
    preventCommandPropagation(c);
    signalModifiedKey(c, c->db, c->argv[1]);
    server.dirty++;
}

/* SPOP key [count]; without a count propagated as SREM key member. */
void spopCommand(client *c) {
    if (c->argc == 3) {
        spopWithCount(c);
        return;
    } else if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *set = lookupKeyWriteOrReply(c, c->argv[1], shared.null[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    sds s;
    int64_t ll;
    setTypeRandomElement(set, &s, &ll);
    /* Copy first: removing frees a dict member. */
    sds member = setMemberNewSds(s, ll);
    robj *ele = createStringObject(member, sdsLen(member));
    setTypeRemove(set, member);
    sdsFree(member);
    notifyKeyspaceEvent(NOTIFY_SET, "spop", c->argv[1], c->db->id);
    rewriteClientCommandVector(c, 3, shared.srem, c->argv[1], ele);
    addReplyBulk(c, ele);
    decrRefCount(ele);
    if (setTypeSize(set) == 0) {
        dbDelete(c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    server.dirty++;
}

/* SRANDMEMBER key count: distinct members for count > 0 (at most the set
 * size), |count| members with repetitions for count < 0. */
static void srandmemberWithCount(client *c) {
    long l;
    if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX, &l,
                                      NULL) != C_OK)
        return;
    unsigned long count;
    int uniq = 1;
    if (l >= 0) {
        count = (unsigned long)l;
    } else {
        count = (unsigned long)-l;
        uniq = 0;
    }
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    unsigned long size = setTypeSize(set);
    if (count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    sds s;
    int64_t ll;

    /* Repetitions allowed (or one member): independent picks. */
    if (!uniq || count == 1) {
        addReplyArrayLen(c, (long)count);
        while (count--) {
            setTypeRandomElement(set, &s, &ll);
            setReplyMember(c, s, ll);
            if (c->flags & CLIENT_CLOSE_ASAP) break;
        }
        return;
    }

    /* The whole set. */
    if (count >= size) {
        addReplyArrayLen(c, (long)size);
        setReplyAllMembers(c, set);
        return;
    }

    dict *d = dictCreateKeysOnly(&setDictType);
    if (count * SET_RANDMEMBER_SUB_STRATEGY_MUL > size) {
        /* Most of the set: copy it, drop random members. */
        dictExpand(d, size);
        setTypeIterator *si = setTypeInitIterator(set);
        while (setTypeNext(si, &s, &ll) != -1)
            dictAdd(d, setMemberNewSds(s, ll), NULL);
        setTypeReleaseIterator(si);
        while (size > count) {
            dictEntry *de = dictGetFairRandomKey(d);
            dictDelete(d, dictGetKey(de));
            size--;
        }
    } else {
        /* A small part: pick until enough distinct members were seen. */
        unsigned long added = 0;
        dictExpand(d, count);
        while (added < count) {
            setTypeRandomElement(set, &s, &ll);
            sds member = setMemberNewSds(s, ll);
            if (dictAdd(d, member, NULL) == DICT_OK)
                added++;
            else
                sdsFree(member);
        }
    }
    addReplyArrayLen(c, (long)count);
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds m = dictGetKey(de);
        addReplyBulkCBuffer(c, m, sdsLen(m));
    }
    dictReleaseIterator(di);
    dictRelease(d);
}

/* SRANDMEMBER key [count] */
void srandmemberCommand(client *c) {
    if (c->argc == 3) {
        srandmemberWithCount(c);
        return;
    } else if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    sds s;
    int64_t ll;
    setTypeRandomElement(set, &s, &ll);
    setReplyMember(c, s, ll);
}

/* Orders sets by increasing size (SINTER walks the smallest). */
static int setCompareBySize(const void *a, const void *b) {
    unsigned long sa = setTypeSize(*(robj *const *)a);
    unsigned long sb = setTypeSize(*(robj *const *)b);
    return sa < sb ? -1 : (sa > sb ? 1 : 0);
}

/* Orders sets by decreasing size, missing ones (NULL) last. */
static int setCompareBySizeDesc(const void *a, const void *b) {
    robj *oa = *(robj *const *)a, *ob = *(robj *const *)b;
    unsigned long sa = oa ? setTypeSize(oa) : 0;
    unsigned long sb = ob ? setTypeSize(ob) : 0;
    return sa < sb ? 1 : (sa > sb ? -1 : 0);
}

/* SINTER / SMEMBERS / SINTERSTORE (<dstkey>) / SINTERCARD
 * (<cardinality_only>, stopping at <limit> when not 0) over the <setnum>
 * keys at <setkeys>. A missing key is an empty set, so the result is
 * empty; every key is still type-checked first. */
static void sinterGeneric(client *c, robj **setkeys, unsigned long setnum,
                          robj *dstkey, int cardinality_only,
                          unsigned long limit) {
    robj **sets = zmalloc(sizeof(robj *) * setnum);
    int empty = 0;
    for (unsigned long j = 0; j < setnum; j++) {
        robj *o = dstkey ? lookupKeyWrite(c->db, setkeys[j])
                         : lookupKeyRead(c->db, setkeys[j]);
        if (o == NULL) {
            empty++;
            sets[j] = NULL;
            continue;
        }
        if (checkType(c, o, OBJ_SET)) {
            zfree(sets);
            return;
        }
        sets[j] = o;
    }
    if (empty) {
        zfree(sets);
        if (dstkey) {
            if (dbDelete(c->db, dstkey)) {
                signalModifiedKey(c, c->db, dstkey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
                server.dirty++;
            }
            addReply(c, shared.czero);
        } else if (cardinality_only) {
            addReplyLongLong(c, 0);
        } else {
            addReply(c, shared.emptyset[c->resp]);
        }
        return;
    }

    qsort(sets, setnum, sizeof(robj *), setCompareBySize);
    void *replylen = NULL;
    robj *dstset = NULL;
    if (dstkey)
        dstset = createIntsetObject();
    else if (!cardinality_only)
        replylen = addReplyDeferredLen(c);

    unsigned long cardinality = 0;
    setTypeIterator *si = setTypeInitIterator(sets[0]);
    sds s;
    int64_t ll;
    while (setTypeNext(si, &s, &ll) != -1) {
        sds member = setMemberNewSds(s, ll);
        unsigned long j;
        for (j = 1; j < setnum; j++) {
            if (sets[j] == sets[0]) continue;
            if (!setTypeIsMember(sets[j], member)) break;
        }
        if (j == setnum) {
            if (cardinality_only) {
                cardinality++;
            } else if (dstkey) {
                setTypeAdd(dstset, member);
            } else {
                setReplyMember(c, s, ll);
                cardinality++;
            }
        }
        sdsFree(member);
        if (cardinality_only && limit && cardinality >= limit) break;
    }
    setTypeReleaseIterator(si);

    if (cardinality_only) {
        addReplyLongLong(c, (long long)cardinality);
    } else if (dstkey) {
        setStoreResult(c, dstkey, dstset, "sinterstore");
        decrRefCount(dstset);
    } else {
        setDeferredSetLen(c, replylen, (long)cardinality);
    }
    zfree(sets);
}

/* SMEMBERS key */
void smembersCommand(client *c) {
    sinterGeneric(c, c->argv + 1, 1, NULL, 0, 0);
}

/* SINTER key [key ...] */
void sinterCommand(client *c) {
    sinterGeneric(c, c->argv + 1, (unsigned long)(c->argc - 1), NULL, 0, 0);
}

/* SINTERSTORE destination key [key ...] */
void sinterstoreCommand(client *c) {
    sinterGeneric(c, c->argv + 2, (unsigned long)(c->argc - 2), c->argv[1], 0,
                  0);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void sintercardCommand(client *c) {
    long numkeys, limit = 0;
    if (getRangeLongFromObjectOrReply(c, c->argv[1], 1, LONG_MAX, &numkeys,
                                      "numkeys should be greater than 0") != C_OK)
        return;
    if (numkeys > c->argc - 2) {
        addReplyError(c, "Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        int moreargs = c->argc - 1 - j;
        if (!strcasecmp(c->argv[j]->ptr, "limit") && moreargs) {
            j++;
            if (getPositiveLongFromObjectOrReply(c, c->argv[j], &limit,
                                                 "LIMIT can't be negative") != C_OK)
                return;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    sinterGeneric(c, c->argv + 2, (unsigned long)numkeys, NULL, 1,
                  (unsigned long)limit);
}

/* Finds the keys of SINTERCARD numkeys key [key ...]: fills <keys> with up
 * to <max> argv indexes and returns how many (0 for a bad numkeys). */
int sintercardGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                      int *keys, int max) {
    UNUSED(cmd);
    long long numkeys;
    robj *n = argv[1];
    if (!sdsEncodedObject(n) || !string2ll(n->ptr, sdsLen(n->ptr), &numkeys) ||
        numkeys < 1 || numkeys > argc - 2)
        return 0;
    int found = 0;
    for (long long j = 0; j < numkeys && found < max; j++) keys[found++] = 2 + (int)j;
    return found;
}

/* SUNION / SDIFF (<op>) and their STORE forms (<dstkey>) over the <setnum>
 * keys at <setkeys>; missing keys are empty sets. The result is built in a
 * new set (an intset while it can be), so its order and encoding follow
 * the same rules as any set. */
static void sunionDiffGeneric(client *c, robj **setkeys, unsigned long setnum,
                              robj *dstkey, int op) {
    robj **sets = zmalloc(sizeof(robj *) * setnum);
    int sameset = 0, diff_algo = 1;
    for (unsigned long j = 0; j < setnum; j++) {
        robj *o = dstkey ? lookupKeyWrite(c->db, setkeys[j])
                         : lookupKeyRead(c->db, setkeys[j]);
        if (o == NULL) {
            sets[j] = NULL;
            continue;
        }
        if (checkType(c, o, OBJ_SET)) {
            zfree(sets);
            return;
        }
        sets[j] = o;
        if (j > 0 && sets[0] == sets[j]) sameset = 1;
    }

    /* DIFF either walks the first set probing the others (1) or copies the
     * first set and removes the others' members (2), whichever costs less. */
    if (op == SET_OP_DIFF && sets[0] && !sameset) {
        long long one = 0, two = 0;
        for (unsigned long j = 0; j < setnum; j++) {
            if (sets[j] == NULL) continue;
            one += (long long)setTypeSize(sets[0]);
            two += (long long)setTypeSize(sets[j]);
        }
        one /= 2;
        diff_algo = one <= two ? 1 : 2;
        if (diff_algo == 1 && setnum > 1)
            qsort(sets + 1, setnum - 1, sizeof(robj *), setCompareBySizeDesc);
    }

    robj *dstset = createIntsetObject();
    setTypeIterator *si;
    sds ele;
    if (op == SET_OP_UNION) {
        for (unsigned long j = 0; j < setnum; j++) {
            if (sets[j] == NULL) continue;
            si = setTypeInitIterator(sets[j]);
            while ((ele = setTypeNextObject(si)) != NULL) {
                setTypeAdd(dstset, ele);
                sdsFree(ele);
            }
            setTypeReleaseIterator(si);
        }
    } else if (op == SET_OP_DIFF && sameset) {
        /* A set minus itself is empty. */
    } else if (op == SET_OP_DIFF && sets[0] && diff_algo == 1) {
        si = setTypeInitIterator(sets[0]);
        while ((ele = setTypeNextObject(si)) != NULL) {
            unsigned long j;
            for (j = 1; j < setnum; j++) {
                if (sets[j] == NULL) continue;
                if (sets[j] == sets[0]) break;
                if (setTypeIsMember(sets[j], ele)) break;
            }
            if (j == setnum) setTypeAdd(dstset, ele);
            sdsFree(ele);
        }
        setTypeReleaseIterator(si);
    } else if (op == SET_OP_DIFF && sets[0] && diff_algo == 2) {
        for (unsigned long j = 0; j < setnum; j++) {
            if (sets[j] == NULL) continue;
            si = setTypeInitIterator(sets[j]);
            while ((ele = setTypeNextObject(si)) != NULL) {
                if (j == 0)
                    setTypeAdd(dstset, ele);
                else
                    setTypeRemove(dstset, ele);
                sdsFree(ele);
            }
            setTypeReleaseIterator(si);
            if (setTypeSize(dstset) == 0) break;
        }
    }
    zfree(sets);

    if (dstkey == NULL) {
        addReplySetLen(c, (long)setTypeSize(dstset));
        setReplyAllMembers(c, dstset);
    } else {
        setStoreResult(c, dstkey, dstset,
                       op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
    }
    decrRefCount(dstset);
}

/* SUNION key [key ...] */
void sunionCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, (unsigned long)(c->argc - 1), NULL,
                      SET_OP_UNION);
}

/* SUNIONSTORE destination key [key ...] */
void sunionstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, (unsigned long)(c->argc - 2), c->argv[1],
                      SET_OP_UNION);
}

/* SDIFF key [key ...] */
void sdiffCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 1, (unsigned long)(c->argc - 1), NULL,
                      SET_OP_DIFF);
}

/* SDIFFSTORE destination key [key ...] */
void sdiffstoreCommand(client *c) {
    sunionDiffGeneric(c, c->argv + 2, (unsigned long)(c->argc - 2), c->argv[1],
                      SET_OP_DIFF);
}

/* SSCAN key cursor [MATCH pattern] [COUNT count] */
void sscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) == C_ERR) return;
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    scanGenericCommand(c, set, cursor);
}
