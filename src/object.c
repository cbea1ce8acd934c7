/* object.c: the robj value container and the string encodings.
 *
 * Owns: creation, reference counting and freeing of objects; the string
 * encodings (RAW: a private sds; EMBSTR: a short immutable sds, <= 44 bytes;
 * INT: a long stored in ptr); conversions of objects to numbers with Redis's
 * error texts; the LRU clock and the LFU counter kept in robj.lru; the
 * OBJECT command.
 * Invariants: an object with refcount OBJ_SHARED_REFCOUNT is never freed nor
 * changed; an EMBSTR or shared object is never modified in place (callers
 * unshare first, see dbUnshareStringValue).
 * Must not touch: the keyspace (db.c) or the reply buffers beyond the
 * addReply* API, the encodings of other types: their modules free, copy and
 * measure their values through registerObjectType. */
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#define OBJ_LFU_INIT_VAL 5

/* ---------------------------- LRU / LFU clocks ---------------------------- */

/* Returns the LRU clock computed from the wall clock, in
 * LRU_CLOCK_RESOLUTION units, wrapped to LRU_BITS. */
unsigned int getLRUClock(void) {
    return (unsigned int)((mstime() / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX);
}

/* Returns the LRU clock: the value cached by serverCron in server.lruclock
 * when the cron runs often enough for its resolution, else a fresh one. */
unsigned int LRU_CLOCK(void) {
    if (server.hz > 0 && 1000 / server.hz <= LRU_CLOCK_RESOLUTION)
        return server.lruclock;
    return getLRUClock();
}

/* Returns the approximate number of milliseconds since <o> was last
 * touched, from its LRU field (meaningless under an LFU policy). */
unsigned long long estimateObjectIdleTime(robj *o) {
    unsigned long long now = LRU_CLOCK();
    if (now >= o->lru) return (now - o->lru) * LRU_CLOCK_RESOLUTION;
    return (now + (LRU_CLOCK_MAX - o->lru)) * LRU_CLOCK_RESOLUTION;
}

/* Minutes clock on 16 bits kept in the upper part of an LFU field. */
static unsigned long objLfuMinutes(void) {
    return (unsigned long)(server.unixtime / 60) & 65535;
}

/* Minutes elapsed since the 16-bit minutes stamp <ldt>, across wraps. */
static unsigned long objLfuElapsed(unsigned long ldt) {
    unsigned long now = objLfuMinutes();
    if (now >= ldt) return now - ldt;
    return 65535 - ldt + now;
}

/* Bumps the 8-bit logarithmic counter: the higher it is, the less likely
 * an access increments it (scaled by lfu-log-factor). */
static unsigned long objLfuLogIncr(unsigned long counter) {
    if (counter >= 255) return 255;
    double r = (double)rand() / RAND_MAX;
    double base = (double)counter - OBJ_LFU_INIT_VAL;
    if (base < 0) base = 0;
    double p = 1.0 / (base * server.lfu_log_factor + 1);
    if (r < p) counter++;
    return counter;
}

/* Returns the LFU counter of <o> after the decay that lfu-decay-time asks
 * for since its last access; does not store it back. */
unsigned long LFUDecrAndReturn(robj *o) {
    unsigned long ldt = o->lru >> 8;
    unsigned long counter = o->lru & 255;
    unsigned long periods =
        server.lfu_decay_time ? objLfuElapsed(ldt) / server.lfu_decay_time : 0;
    if (periods) counter = (periods > counter) ? 0 : counter - periods;
    return counter;
}

/* Records one access to <val> in its LFU field: decay, then increment. */
void updateLFU(robj *val) {
    unsigned long counter = LFUDecrAndReturn(val);
    counter = objLfuLogIncr(counter);
    val->lru = (unsigned)((objLfuMinutes() << 8) | counter);
}

/* Sets the access data of <val> from what a dump or RESTORE carried:
 * under an LFU policy the counter <lfu_freq> (0..255, -1: none) stamped
 * with the current minute; under any other policy the idle time <lru_idle>
 * (in units of <lru_multiplier> ms, -1: none) counted back from the LRU
 * clock <lru_clock>. Returns 1 if <val> was changed. */
int objectSetLRUOrLFU(robj *val, long long lfu_freq, long long lru_idle,
                      long long lru_clock, int lru_multiplier) {
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
        if (lfu_freq < 0) return 0;
        if (lfu_freq > 255) lfu_freq = 255;
        val->lru = (unsigned)((objLfuMinutes() << 8) | (unsigned long)lfu_freq);
        return 1;
    }
    if (lru_idle < 0) return 0;
    /* An idle time past the clock's whole range reads as the oldest. */
    long long max_idle = (long long)LRU_CLOCK_MAX;
    long long ticks = lru_idle > max_idle * LRU_CLOCK_RESOLUTION / lru_multiplier
                          ? max_idle
                          : lru_idle * lru_multiplier / LRU_CLOCK_RESOLUTION;
    long long abs = lru_clock - ticks;
    if (abs < 0) abs += (long long)LRU_CLOCK_MAX;
    val->lru = (unsigned)(abs & LRU_CLOCK_MAX);
    return 1;
}

/* ------------------------------- creation -------------------------------- */

/* Returns a new object of <type> owning <ptr>, refcount 1, RAW encoding.
 * The caller owns the reference. */
robj *createObject(int type, void *ptr) {
    robj *o = zmalloc(sizeof(*o));
    o->type = (unsigned)type;
    o->encoding = OBJ_ENCODING_RAW;
    o->ptr = ptr;
    o->refcount = 1;
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU)
        o->lru = (unsigned)((objLfuMinutes() << 8) | OBJ_LFU_INIT_VAL);
    else
        o->lru = LRU_CLOCK();
    return o;
}

/* Returns a RAW string object with a copy of <len> bytes at <ptr> (zeroed
 * bytes when <ptr> is NULL). */
robj *createRawStringObject(const char *ptr, size_t len) {
    return createObject(OBJ_STRING, sdsNewLen(ptr, len));
}

/* Returns an EMBSTR string object with a copy of <len> bytes at <ptr>. Such
 * an object is immutable: writers turn it into RAW first. */
robj *createEmbeddedStringObject(const char *ptr, size_t len) {
    robj *o = createObject(OBJ_STRING, sdsNewLen(ptr, len));
    o->encoding = OBJ_ENCODING_EMBSTR;
    return o;
}

/* Returns a string object holding a copy of <len> bytes at <ptr>: EMBSTR
 * when short, RAW otherwise, as Redis picks. */
robj *createStringObject(const char *ptr, size_t len) {
    if (len <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT)
        return createEmbeddedStringObject(ptr, len);
    return createRawStringObject(ptr, len);
}

/* Whether small integers may be served from shared.integers: not when an
 * LRU/LFU policy needs a private access time in each value. */
static int objSharedIntegersAllowed(void) {
    return server.maxmemory == 0 ||
           !(server.maxmemory_policy & (MAXMEMORY_FLAG_LRU | MAXMEMORY_FLAG_LFU));
}

static robj *objFromLongLong(long long value, int for_value) {
    if (value >= 0 && value < OBJ_SHARED_INTEGERS &&
        (!for_value || objSharedIntegersAllowed()) &&
        shared.integers[value] != NULL) {
        incrRefCount(shared.integers[value]);
        return shared.integers[value];
    }
    if (value >= LONG_MIN && value <= LONG_MAX) {
        robj *o = createObject(OBJ_STRING, NULL);
        o->encoding = OBJ_ENCODING_INT;
        o->ptr = (void *)(long)value;
        return o;
    }
    return createObject(OBJ_STRING, sdsFromLongLong(value));
}

/* Returns a string object holding <value> (a shared integer when small).
 * The caller owns one reference. */
robj *createStringObjectFromLongLong(long long value) {
    return objFromLongLong(value, 0);
}

/* Like createStringObjectFromLongLong, for values stored in the keyspace:
 * shared integers are avoided under LRU/LFU maxmemory policies. */
robj *createStringObjectFromLongLongForValue(long long value) {
    return objFromLongLong(value, 1);
}

/* Returns a string object with <value> formatted as INCRBYFLOAT does
 * (<humanfriendly>: plain decimal without trailing zeros) or with enough
 * digits to read back exactly. */
robj *createStringObjectFromLongDouble(long double value, int humanfriendly) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    int len = ld2string(buf, sizeof(buf), value,
                        humanfriendly ? LD_STR_HUMAN : LD_STR_AUTO);
    return createStringObject(buf, (size_t)len);
}

/* Returns a new, unshared string object with the same value and encoding
 * as the string <o>. */
robj *dupStringObject(const robj *o) {
    robj *d;
    switch (o->encoding) {
    case OBJ_ENCODING_RAW:
        return createRawStringObject(o->ptr, sdsLen(o->ptr));
    case OBJ_ENCODING_EMBSTR:
        return createEmbeddedStringObject(o->ptr, sdsLen(o->ptr));
    case OBJ_ENCODING_INT:
        d = createObject(OBJ_STRING, NULL);
        d->encoding = OBJ_ENCODING_INT;
        d->ptr = o->ptr;
        return d;
    default:
        serverPanic("Wrong encoding.");
    }
}

/* ------------------------- per-type value methods ------------------------ */

/* How the values of each non-string type are freed, copied and measured,
 * registered by the type modules at start-up. */
static const objectTypeMethods *objTypeMethods[OBJ_STREAM + 1];

/* Registers the methods <m> (static storage, borrowed forever) of the
 * values of <type> (OBJ_*); called once by each data type module. */
void registerObjectType(int type, const objectTypeMethods *m) {
    serverAssert(type >= 0 && type <= OBJ_STREAM && type != OBJ_STRING);
    objTypeMethods[type] = m;
}

/* Returns the registered methods of <o>'s type, or panics: a value of a
 * type whose module is not linked cannot exist. */
static const objectTypeMethods *objMethodsOf(const robj *o) {
    const objectTypeMethods *m =
        o->type <= OBJ_STREAM ? objTypeMethods[o->type] : NULL;
    if (m == NULL) serverPanic("Unknown object type");
    return m;
}

/* Returns a deep copy of <o> (refcount 1) for COPY. */
robj *dupObjectOfType(robj *o) {
    if (o->type == OBJ_STRING) return dupStringObject(o);
    return objMethodsOf(o)->dup(o);
}

/* ---------------------------- reference counts --------------------------- */

/* Adds a reference to <o>; shared objects are left alone. */
void incrRefCount(robj *o) {
    if (o->refcount < OBJ_STATIC_REFCOUNT) {
        o->refcount++;
    } else if (o->refcount == OBJ_STATIC_REFCOUNT) {
        serverPanic("You tried to retain an object allocated in the stack");
    }
}

/* Frees the sds of a RAW or EMBSTR string <o> (not the robj itself). */
void freeStringObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_RAW || o->encoding == OBJ_ENCODING_EMBSTR)
        sdsFree(o->ptr);
}

/* Drops one reference to <o>, freeing it with its value on the last one.
 * Shared objects are never freed. */
void decrRefCount(robj *o) {
    if (o->refcount == OBJ_SHARED_REFCOUNT) return;
    if (o->refcount <= 0) serverPanic("decrRefCount against refcount <= 0");
    if (o->refcount > 1) {
        o->refcount--;
        return;
    }
    if (o->type == OBJ_STRING)
        freeStringObject(o);
    else
        objMethodsOf(o)->free(o);
    zfree(o);
}

/* decrRefCount for containers that store objects as void pointers. */
void decrRefCountVoid(void *o) {
    decrRefCount(o);
}

/* Marks <o> as shared (never freed, never changed) and returns it. */
robj *makeObjectShared(robj *o) {
    serverAssert(o->refcount == 1);
    o->refcount = OBJ_SHARED_REFCOUNT;
    return o;
}

/* ------------------------------- encodings ------------------------------- */

/* Returns <o> or a replacement that stores the same string in less memory:
 * INT (or a shared integer) for integers, EMBSTR for short strings, a
 * trimmed sds otherwise. The caller's reference moves to the result. Shared
 * or multiply referenced objects are returned unchanged. */
robj *tryObjectEncoding(robj *o) {
    long value;
    sds s = o->ptr;
    size_t len;

    serverAssert(o->type == OBJ_STRING);
    if (!sdsEncodedObject(o)) return o;
    if (o->refcount > 1) return o;
    len = sdsLen(s);
    if (len <= 20 && string2l(s, len, &value)) {
        if (value >= 0 && value < OBJ_SHARED_INTEGERS &&
            objSharedIntegersAllowed() && shared.integers[value] != NULL) {
            decrRefCount(o);
            incrRefCount(shared.integers[value]);
            return shared.integers[value];
        }
        sdsFree(s);
        o->encoding = OBJ_ENCODING_INT;
        o->ptr = (void *)value;
        return o;
    }
    if (len <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT) {
        if (o->encoding == OBJ_ENCODING_EMBSTR) return o;
        robj *e = createEmbeddedStringObject(s, len);
        e->lru = o->lru;
        decrRefCount(o);
        return e;
    }
    if (o->encoding == OBJ_ENCODING_RAW && sdsAvail(s) > len / 10)
        o->ptr = sdsRemoveFreeSpace(s);
    return o;
}

/* Returns a new reference to a RAW/EMBSTR version of the string <o>:
 * <o> itself when it already holds an sds. */
robj *getDecodedObject(robj *o) {
    if (sdsEncodedObject(o)) {
        incrRefCount(o);
        return o;
    }
    if (o->type == OBJ_STRING && o->encoding == OBJ_ENCODING_INT) {
        char buf[LONG_STR_SIZE];
        int n = ll2string(buf, sizeof(buf), (long)o->ptr);
        return createStringObject(buf, (size_t)n);
    }
    serverPanic("Unknown encoding type");
}

/* Returns the length of the string value of <o> in bytes. */
size_t stringObjectLen(robj *o) {
    serverAssert(o->type == OBJ_STRING);
    if (sdsEncodedObject(o)) return sdsLen(o->ptr);
    char buf[LONG_STR_SIZE];
    return (size_t)ll2string(buf, sizeof(buf), (long)o->ptr);
}

/* Returns C_OK and sets *<llval> when the sds <s> is a canonical integer. */
int isSdsRepresentableAsLongLong(sds s, long long *llval) {
    return string2ll(s, sdsLen(s), llval) ? C_OK : C_ERR;
}

/* Returns C_OK and sets *<llval> (may be NULL) when the string <o> holds a
 * canonical integer. */
int isObjectRepresentableAsLongLong(robj *o, long long *llval) {
    serverAssert(o->type == OBJ_STRING);
    if (o->encoding == OBJ_ENCODING_INT) {
        if (llval) *llval = (long)o->ptr;
        return C_OK;
    }
    long long v;
    int r = isSdsRepresentableAsLongLong(o->ptr, &v);
    if (r == C_OK && llval) *llval = v;
    return r;
}

/* ------------------------------ numbers ---------------------------------- */

/* Parses the string <o> (NULL reads as 0) as a long long into *<target>.
 * Returns C_OK or C_ERR; no reply. */
int getLongLongFromObject(robj *o, long long *target) {
    long long v;
    if (o == NULL) {
        v = 0;
    } else {
        serverAssert(o->type == OBJ_STRING);
        if (sdsEncodedObject(o)) {
            if (!string2ll(o->ptr, sdsLen(o->ptr), &v)) return C_ERR;
        } else if (o->encoding == OBJ_ENCODING_INT) {
            v = (long)o->ptr;
        } else {
            serverPanic("Unknown string encoding");
        }
    }
    if (target) *target = v;
    return C_OK;
}

/* Like getLongLongFromObject for a long. */
int getLongFromObject(robj *o, long *target) {
    long long v;
    if (getLongLongFromObject(o, &v) != C_OK) return C_ERR;
    if (v < LONG_MIN || v > LONG_MAX) return C_ERR;
    if (target) *target = (long)v;
    return C_OK;
}

/* Parses the string <o> (NULL reads as 0) as a double; NaN refused. */
int getDoubleFromObject(const robj *o, double *target) {
    double v;
    if (o == NULL) {
        v = 0;
    } else {
        serverAssert(o->type == OBJ_STRING);
        if (sdsEncodedObject(o)) {
            if (!string2d(o->ptr, sdsLen(o->ptr), &v)) return C_ERR;
        } else if (o->encoding == OBJ_ENCODING_INT) {
            v = (double)(long)o->ptr;
        } else {
            serverPanic("Unknown string encoding");
        }
    }
    *target = v;
    return C_OK;
}

/* Parses the string <o> (NULL reads as 0) as a long double; NaN refused. */
int getLongDoubleFromObject(robj *o, long double *target) {
    long double v;
    if (o == NULL) {
        v = 0;
    } else {
        serverAssert(o->type == OBJ_STRING);
        if (sdsEncodedObject(o)) {
            if (!string2ld(o->ptr, sdsLen(o->ptr), &v)) return C_ERR;
        } else if (o->encoding == OBJ_ENCODING_INT) {
            v = (long double)(long)o->ptr;
        } else {
            serverPanic("Unknown string encoding");
        }
    }
    *target = v;
    return C_OK;
}

/* Replies <msg> if given, else <deftext>, as an error to <c>. */
static void objReplyNumberError(client *c, const char *msg, const char *deftext) {
    addReplyError(c, msg ? msg : deftext);
}

/* Parses <o> as a long long into *<target>; on failure replies <msg> (or
 * "value is not an integer or out of range") and returns C_ERR. */
int getLongLongFromObjectOrReply(client *c, robj *o, long long *target,
                                 const char *msg) {
    long long v;
    if (getLongLongFromObject(o, &v) != C_OK) {
        objReplyNumberError(c, msg, "value is not an integer or out of range");
        return C_ERR;
    }
    *target = v;
    return C_OK;
}

/* Parses <o> as a long into *<target>, replying on failure like
 * getLongLongFromObjectOrReply. */
int getLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg) {
    long long v;
    if (getLongLongFromObjectOrReply(c, o, &v, msg) != C_OK) return C_ERR;
    if (v < LONG_MIN || v > LONG_MAX) {
        objReplyNumberError(c, msg, "value is out of range");
        return C_ERR;
    }
    *target = (long)v;
    return C_OK;
}

/* Parses <o> as a long in [<min>, <max>] into *<target>; replies <msg> or
 * Redis's range text and returns C_ERR otherwise. */
int getRangeLongFromObjectOrReply(client *c, robj *o, long min, long max,
                                  long *target, const char *msg) {
    if (getLongFromObjectOrReply(c, o, target, msg) != C_OK) return C_ERR;
    if (*target < min || *target > max) {
        if (msg)
            addReplyError(c, msg);
        else
            addReplyErrorFormat(c, "value is out of range, value must between "
                                   "%ld and %ld", min, max);
        return C_ERR;
    }
    return C_OK;
}

/* Parses <o> as a long >= 0 into *<target>; replies <msg> or "value is out
 * of range, must be positive" and returns C_ERR otherwise. */
int getPositiveLongFromObjectOrReply(client *c, robj *o, long *target,
                                     const char *msg) {
    if (msg) return getRangeLongFromObjectOrReply(c, o, 0, LONG_MAX, target, msg);
    if (getLongFromObjectOrReply(c, o, target, NULL) != C_OK) return C_ERR;
    if (*target < 0) {
        addReplyError(c, "value is out of range, must be positive");
        return C_ERR;
    }
    return C_OK;
}

/* Parses <o> as an int into *<target>; replies and returns C_ERR when it is
 * not an integer or does not fit an int. */
int getIntFromObjectOrReply(client *c, robj *o, int *target, const char *msg) {
    long v;
    if (getRangeLongFromObjectOrReply(c, o, INT_MIN, INT_MAX, &v, msg) != C_OK)
        return C_ERR;
    *target = (int)v;
    return C_OK;
}

/* Parses <o> as a double into *<target>; replies <msg> or "value is not a
 * valid float" and returns C_ERR on failure. */
int getDoubleFromObjectOrReply(client *c, robj *o, double *target,
                               const char *msg) {
    double v;
    if (getDoubleFromObject(o, &v) != C_OK) {
        objReplyNumberError(c, msg, "value is not a valid float");
        return C_ERR;
    }
    *target = v;
    return C_OK;
}

/* Parses <o> as a long double, replying like getDoubleFromObjectOrReply. */
int getLongDoubleFromObjectOrReply(client *c, robj *o, long double *target,
                                   const char *msg) {
    long double v;
    if (getLongDoubleFromObject(o, &v) != C_OK) {
        objReplyNumberError(c, msg, "value is not a valid float");
        return C_ERR;
    }
    *target = v;
    return C_OK;
}

/* ----------------------------- comparisons ------------------------------- */

#define OBJ_CMP_BINARY 0
#define OBJ_CMP_COLL 1

/* Fills <buf> with the bytes of string <o> (decoding INT) and returns a
 * pointer to them and their length in *<len>. */
static const char *objStringBytes(robj *o, char *buf, size_t buflen, size_t *len) {
    if (sdsEncodedObject(o)) {
        *len = sdsLen(o->ptr);
        return o->ptr;
    }
    *len = (size_t)ll2string(buf, buflen, (long)o->ptr);
    return buf;
}

static int objCompare(robj *a, robj *b, int how) {
    char abuf[LONG_STR_SIZE], bbuf[LONG_STR_SIZE];
    size_t alen, blen;
    if (a == b) return 0;
    const char *ap = objStringBytes(a, abuf, sizeof(abuf), &alen);
    const char *bp = objStringBytes(b, bbuf, sizeof(bbuf), &blen);
    if (how == OBJ_CMP_COLL) return strcoll(ap, bp);
    size_t minlen = alen < blen ? alen : blen;
    int cmp = memcmp(ap, bp, minlen);
    if (cmp == 0) return alen < blen ? -1 : (alen > blen ? 1 : 0);
    return cmp;
}

/* Binary comparison of two string objects: <0, 0 or >0 like memcmp, the
 * shorter string first on a common prefix. */
int compareStringObjects(robj *a, robj *b) {
    return objCompare(a, b, OBJ_CMP_BINARY);
}

/* Locale-aware comparison (strcoll) of two string objects. */
int collateStringObjects(robj *a, robj *b) {
    return objCompare(a, b, OBJ_CMP_COLL);
}

/* Returns 1 if the two string objects hold the same bytes. */
int equalStringObjects(robj *a, robj *b) {
    if (a->encoding == OBJ_ENCODING_INT && b->encoding == OBJ_ENCODING_INT)
        return a->ptr == b->ptr;
    return compareStringObjects(a, b) == 0;
}

/* Returns OBJECT ENCODING's name of <encoding> (static storage). */
char *strEncoding(int encoding) {
    switch (encoding) {
    case OBJ_ENCODING_RAW: return "raw";
    case OBJ_ENCODING_INT: return "int";
    case OBJ_ENCODING_HT: return "hashtable";
    case OBJ_ENCODING_ZIPMAP: return "zipmap";
    case OBJ_ENCODING_LINKEDLIST: return "linkedlist";
    case OBJ_ENCODING_ZIPLIST: return "ziplist";
    case OBJ_ENCODING_INTSET: return "intset";
    case OBJ_ENCODING_SKIPLIST: return "skiplist";
    case OBJ_ENCODING_EMBSTR: return "embstr";
    case OBJ_ENCODING_QUICKLIST: return "quicklist";
    case OBJ_ENCODING_STREAM: return "stream";
    case OBJ_ENCODING_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

/* Returns 1 and replies WRONGTYPE to <c> if <o> exists and is not of
 * <type>; returns 0 otherwise. */
int checkType(client *c, robj *o, int type) {
    if (o && o->type != (unsigned)type) {
        addReplyErrorObject(c, shared.wrongtypeerr);
        return 1;
    }
    return 0;
}

/* Returns the approximate bytes used by the value <o> of <key> (MEMORY
 * USAGE), robj included; aggregates are estimated from <sample_size>
 * elements (0: all) by their type module. */
size_t objectComputeSize(robj *key, robj *o, size_t sample_size, int dbid) {
    UNUSED(key);
    UNUSED(dbid);
    if (o->type == OBJ_STRING) {
        if (o->encoding == OBJ_ENCODING_INT) return sizeof(*o);
        return sizeof(*o) + sdsAllocSize(o->ptr);
    }
    return objMethodsOf(o)->computeSize(o, sample_size);
}

/* ----------------------------- OBJECT command ---------------------------- */

/* Returns the value of argv[2] without touching it, or replies null and
 * returns NULL. */
static robj *objLookupForObjectCommand(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[2],
                                     LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (o == NULL) addReplyNull(c);
    return o;
}

/* OBJECT ENCODING <key> */
void objectEncodingCommand(client *c) {
    robj *o = objLookupForObjectCommand(c);
    if (o) addReplyBulkCString(c, strEncoding(o->encoding));
}

/* OBJECT REFCOUNT <key> */
void objectRefcountCommand(client *c) {
    robj *o = objLookupForObjectCommand(c);
    if (o) addReplyLongLong(c, o->refcount);
}

/* OBJECT IDLETIME <key>: seconds since the last access (LRU policies). */
void objectIdletimeCommand(client *c) {
    robj *o = objLookupForObjectCommand(c);
    if (o == NULL) return;
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
        addReplyError(c, "An LFU maxmemory policy is selected, idle time not "
                         "tracked. Please note that when switching between "
                         "policies at runtime LRU and LFU data will take some "
                         "time to adjust.");
        return;
    }
    addReplyLongLong(c, (long long)(estimateObjectIdleTime(o) / 1000));
}

/* OBJECT FREQ <key>: the decayed LFU counter (LFU policies only). */
void objectFreqCommand(client *c) {
    robj *o = objLookupForObjectCommand(c);
    if (o == NULL) return;
    if (!(server.maxmemory_policy & MAXMEMORY_FLAG_LFU)) {
        addReplyError(c, "An LFU maxmemory policy is not selected, access "
                         "frequency not tracked. Please note that when "
                         "switching between policies at runtime LRU and LFU "
                         "data will take some time to adjust.");
        return;
    }
    addReplyLongLong(c, (long long)LFUDecrAndReturn(o));
}

/* OBJECT HELP */
void objectHelpCommand(client *c) {
    const char *help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    addReplyHelp(c, help);
}
