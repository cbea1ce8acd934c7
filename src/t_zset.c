/* t_zset.c: the sorted set type and its commands.
 *
 * Owns: the two sorted set encodings and the conversions between them, the
 * skiplist, the iteration API used by persistence, and the Z* commands
 * (ZADD ... ZSCAN, the blocking BZPOPMIN/BZPOPMAX/BZMPOP and their serving).
 * Encodings, as Redis 7.0 keeps them (RDB stores the listpack as it is):
 *   OBJ_ENCODING_LISTPACK  member,score,member,score... ordered by score
 *                          then by member bytes; a score that is an integer
 *                          within +-LLONG_MAX/2 is an integer entry,
 *                          otherwise its %.17g text ("inf", "-inf");
 *   OBJ_ENCODING_SKIPLIST  a zsetValue: a dict (member sds -> skiplist
 *                          node) plus a skiplist ordered the same way, the
 *                          member sds shared by both and owned by the node.
 * A listpack is used while a set holds at most zset-max-listpack-entries
 * members of at most zset-max-listpack-value bytes.
 * Invariants: no NaN score is ever stored; an empty sorted set is never left
 * in the keyspace; only the STORE commands turn a skiplist into a listpack.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API, the reply buffers beyond the addReply* API. */
#include "server.h"

#include "listpack.h"

#include <math.h>
#include <strings.h>

#define ZSL_MAXLEVEL 32
#define ZSL_P 0.25

#define ZSET_MIN 0
#define ZSET_MAX 1

#define ZOP_UNION 0
#define ZOP_INTER 1
#define ZOP_DIFF 2

#define ZAGG_SUM 0
#define ZAGG_MIN 1
#define ZAGG_MAX 2

/* ------------------------------------------------------------------------
 * Skiplist
 * --------------------------------------------------------------------- */

typedef struct zslNode zslNode;
struct zslLevel {
    zslNode *forward;
    unsigned long span; /* nodes skipped by following forward */
};
struct zslNode {
    sds ele;
    double score;
    zslNode *backward;
    struct zslLevel level[];
};

typedef struct zskiplist {
    zslNode *header, *tail;
    unsigned long length;
    int level;
} zskiplist;

typedef struct zsetValue {
    dict *dict; /* member -> zslNode (the node owns the member) */
    zskiplist *zsl;
} zsetValue;

/* A score interval: min/max with exclusive flags. */
typedef struct {
    double min, max;
    int minex, maxex;
} zrangespec;

/* A lexicographic interval; a bound of kind -1 is "-", +1 is "+". */
typedef struct {
    sds min, max;
    int minkind, maxkind;
    int minex, maxex;
} zlexrangespec;

static zslNode *zslCreateNode(int level, double score, sds ele) {
    zslNode *n = zmalloc(sizeof(*n) + (size_t)level * sizeof(struct zslLevel));
    n->score = score;
    n->ele = ele;
    n->backward = NULL;
    for (int i = 0; i < level; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    return n;
}

static zskiplist *zslCreate(void) {
    zskiplist *zsl = zmalloc(sizeof(*zsl));
    zsl->level = 1;
    zsl->length = 0;
    zsl->header = zslCreateNode(ZSL_MAXLEVEL, 0, NULL);
    zsl->tail = NULL;
    return zsl;
}

static void zslFreeNode(zslNode *n) {
    sdsFree(n->ele);
    zfree(n);
}

static void zslFree(zskiplist *zsl) {
    zslNode *n = zsl->header->level[0].forward;
    zfree(zsl->header);
    while (n) {
        zslNode *next = n->level[0].forward;
        zslFreeNode(n);
        n = next;
    }
    zfree(zsl);
}

static int zslRandomLevel(void) {
    int level = 1;
    while (level < ZSL_MAXLEVEL && (random() & 0xFFFF) < (long)(ZSL_P * 0xFFFF))
        level++;
    return level;
}

/* Orders (<s1>,<e1>) before (<s2>,<e2>): negative, zero or positive. */
static int zslCmp(double s1, sds e1, double s2, sds e2) {
    if (s1 < s2) return -1;
    if (s1 > s2) return 1;
    size_t l1 = sdsLen(e1), l2 = sdsLen(e2);
    int c = memcmp(e1, e2, l1 < l2 ? l1 : l2);
    if (c) return c;
    return l1 < l2 ? -1 : (l1 > l2 ? 1 : 0);
}

/* Inserts (<score>,<ele>); the node takes ownership of <ele>, which must
 * not be present. */
static zslNode *zslInsert(zskiplist *zsl, double score, sds ele) {
    zslNode *update[ZSL_MAXLEVEL], *x = zsl->header;
    unsigned long rank[ZSL_MAXLEVEL];
    for (int i = zsl->level - 1; i >= 0; i--) {
        rank[i] = i == zsl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward &&
               zslCmp(x->level[i].forward->score, x->level[i].forward->ele,
                      score, ele) < 0) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    int level = zslRandomLevel();
    if (level > zsl->level) {
        for (int i = zsl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = zsl->header;
            update[i]->level[i].span = zsl->length;
        }
        zsl->level = level;
    }
    x = zslCreateNode(level, score, ele);
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < zsl->level; i++) update[i]->level[i].span++;
    x->backward = update[0] == zsl->header ? NULL : update[0];
    if (x->level[0].forward)
        x->level[0].forward->backward = x;
    else
        zsl->tail = x;
    zsl->length++;
    return x;
}

static void zslUnlink(zskiplist *zsl, zslNode *x, zslNode **update) {
    for (int i = 0; i < zsl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward)
        x->level[0].forward->backward = x->backward;
    else
        zsl->tail = x->backward;
    while (zsl->level > 1 && zsl->header->level[zsl->level - 1].forward == NULL)
        zsl->level--;
    zsl->length--;
}

/* Unlinks the node (<score>,<ele>) and returns it (the caller frees it),
 * or NULL when absent. */
static zslNode *zslRemove(zskiplist *zsl, double score, sds ele) {
    zslNode *update[ZSL_MAXLEVEL], *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               zslCmp(x->level[i].forward->score, x->level[i].forward->ele,
                      score, ele) < 0)
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    if (x && zslCmp(x->score, x->ele, score, ele) == 0) {
        zslUnlink(zsl, x, update);
        return x;
    }
    return NULL;
}

/* Returns the 1-based rank of (<score>,<ele>), 0 when absent. */
static unsigned long zslGetRank(zskiplist *zsl, double score, sds ele) {
    unsigned long rank = 0;
    zslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               zslCmp(x->level[i].forward->score, x->level[i].forward->ele,
                      score, ele) <= 0) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x->ele && sdsLen(x->ele) == sdsLen(ele) &&
            memcmp(x->ele, ele, sdsLen(ele)) == 0 && x->score == score)
            return rank;
    }
    return 0;
}

/* Returns the node of 1-based <rank>, or NULL. */
static zslNode *zslNodeByRank(zskiplist *zsl, unsigned long rank) {
    unsigned long traversed = 0;
    zslNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank) return x;
    }
    return NULL;
}

/* Deletes the nodes of 1-based ranks [<start>, <end>], also from <d>.
 * Returns how many were deleted. */
static unsigned long zslDeleteRangeByRank(zskiplist *zsl, unsigned long start,
                                          unsigned long end, dict *d) {
    zslNode *update[ZSL_MAXLEVEL], *x = zsl->header;
    unsigned long traversed = 0, removed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    traversed++;
    x = x->level[0].forward;
    while (x && traversed <= end) {
        zslNode *next = x->level[0].forward;
        zslUnlink(zsl, x, update);
        dictDelete(d, x->ele);
        zslFreeNode(x);
        removed++;
        traversed++;
        x = next;
    }
    return removed;
}

/* ------------------------------------------------------------------------
 * Ranges
 * --------------------------------------------------------------------- */

static int zslValueGteMin(double v, const zrangespec *r) {
    return r->minex ? v > r->min : v >= r->min;
}

static int zslValueLteMax(double v, const zrangespec *r) {
    return r->maxex ? v < r->max : v <= r->max;
}

static int zslRangeEmpty(const zrangespec *r) {
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

/* Parses one score bound: "(x" exclusive, "x", "-inf", "+inf". */
static int zslParseBound(robj *o, double *v, int *ex) {
    *ex = 0;
    if (o->encoding == OBJ_ENCODING_INT) {
        *v = (double)(long)o->ptr;
        return C_OK;
    }
    char *p = o->ptr, *end;
    if (p[0] == '(') {
        *ex = 1;
        p++;
    }
    *v = strtod(p, &end);
    if (*end != '\0' || isnan(*v)) return C_ERR;
    return C_OK;
}

static int zslParseRange(robj *min, robj *max, zrangespec *r) {
    if (zslParseBound(min, &r->min, &r->minex) != C_OK) return C_ERR;
    if (zslParseBound(max, &r->max, &r->maxex) != C_OK) return C_ERR;
    return C_OK;
}

/* Compares the <len> bytes at <s> with a lex bound of <kind>/<b>. */
static int zslLexCmp(const unsigned char *s, size_t len, int kind, sds b) {
    if (kind < 0) return 1;
    if (kind > 0) return -1;
    size_t bl = sdsLen(b);
    int c = memcmp(s, b, len < bl ? len : bl);
    if (c) return c;
    return len < bl ? -1 : (len > bl ? 1 : 0);
}

static int zslLexGteMin(const unsigned char *s, size_t len,
                        const zlexrangespec *r) {
    int c = zslLexCmp(s, len, r->minkind, r->min);
    return r->minex ? c > 0 : c >= 0;
}

static int zslLexLteMax(const unsigned char *s, size_t len,
                        const zlexrangespec *r) {
    int c = zslLexCmp(s, len, r->maxkind, r->max);
    return r->maxex ? c < 0 : c <= 0;
}

static int zslLexRangeEmpty(const zlexrangespec *r) {
    int c;
    if (r->minkind == 0 && r->maxkind == 0)
        c = zslLexCmp((unsigned char *)r->min, sdsLen(r->min), 0, r->max);
    else if (r->minkind == r->maxkind)
        c = 0;
    else if (r->minkind < 0 || r->maxkind > 0)
        c = -1;
    else
        c = 1;
    return c > 0 || (c == 0 && (r->minex || r->maxex));
}

static int zslParseLexBound(robj *o, sds *b, int *kind, int *ex) {
    robj *d = getDecodedObject(o);
    sds s = d->ptr;
    int rc = C_OK;
    *b = NULL;
    *kind = 0;
    *ex = 0;
    if (sdsLen(s) == 1 && s[0] == '+') {
        *kind = 1;
    } else if (sdsLen(s) == 1 && s[0] == '-') {
        *kind = -1;
    } else if (sdsLen(s) >= 1 && (s[0] == '(' || s[0] == '[')) {
        *ex = s[0] == '(';
        *b = sdsNewLen(s + 1, sdsLen(s) - 1);
    } else {
        rc = C_ERR;
    }
    decrRefCount(d);
    return rc;
}

static void zslFreeLexRange(zlexrangespec *r) {
    if (r->min) sdsFree(r->min);
    if (r->max) sdsFree(r->max);
    r->min = r->max = NULL;
}

static int zslParseLexRange(robj *min, robj *max, zlexrangespec *r) {
    r->min = r->max = NULL;
    if (zslParseLexBound(min, &r->min, &r->minkind, &r->minex) != C_OK ||
        zslParseLexBound(max, &r->max, &r->maxkind, &r->maxex) != C_OK) {
        zslFreeLexRange(r);
        return C_ERR;
    }
    return C_OK;
}

/* ------------------------------------------------------------------------
 * Listpack helpers
 * --------------------------------------------------------------------- */

/* Reads the score entry <sptr>. */
static double zzlGetScore(unsigned char *sptr) {
    unsigned int len;
    long long ll;
    unsigned char *s = lpGetValue(sptr, &len, &ll);
    if (s == NULL) return (double)ll;
    char buf[128];
    if (len >= sizeof(buf)) len = sizeof(buf) - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

/* Compares entry <p> (integers as decimal text) with <len> bytes at <s>. */
static int zzlCmpEle(unsigned char *p, const unsigned char *s, size_t len) {
    unsigned char ibuf[LP_INTBUF_SIZE];
    int64_t plen;
    unsigned char *ps = lpGet(p, &plen, ibuf);
    size_t pl = (size_t)plen;
    int c = memcmp(ps, s, pl < len ? pl : len);
    if (c) return c;
    return pl < len ? -1 : (pl > len ? 1 : 0);
}

/* Returns the element entry of <ele> in <lp> and its score, or NULL. */
static unsigned char *zzlFind(unsigned char *lp, sds ele, double *score) {
    unsigned char *eptr = lpFirst(lp);
    while (eptr) {
        unsigned char *sptr = lpNext(lp, eptr);
        if (lpCompare(eptr, (unsigned char *)ele, (uint32_t)sdsLen(ele))) {
            if (score) *score = zzlGetScore(sptr);
            return eptr;
        }
        eptr = lpNext(lp, sptr);
    }
    return NULL;
}

/* Stores <score> after <p> / before <p> as Redis 7.0 does: an integer
 * entry when the score is integral within +-LLONG_MAX/2, else text. */
static unsigned char *zzlInsertScore(unsigned char *lp, double score,
                                     unsigned char *p, int where,
                                     unsigned char **newp) {
    if (isfinite(score) && score >= -(double)(LLONG_MAX / 2) &&
        score <= (double)(LLONG_MAX / 2) && score == (double)(long long)score)
        return lpInsertInteger(lp, (long long)score, p, where, newp);
    char buf[64];
    int len = snprintf(buf, sizeof(buf), "%.17g", score);
    return lpInsertString(lp, (unsigned char *)buf, (uint32_t)len, p, where,
                          newp);
}

/* Inserts the pair (<ele>,<score>) before element <eptr> (NULL: at the
 * end). */
static unsigned char *zzlInsertAt(unsigned char *lp, unsigned char *eptr,
                                  sds ele, double score) {
    unsigned char *np;
    if (eptr == NULL) {
        lp = lpAppend(lp, (unsigned char *)ele, (uint32_t)sdsLen(ele));
        lp = zzlInsertScore(lp, score, lpLast(lp), LP_AFTER, &np);
    } else {
        lp = lpInsertString(lp, (unsigned char *)ele, (uint32_t)sdsLen(ele),
                            eptr, LP_BEFORE, &np);
        lp = zzlInsertScore(lp, score, np, LP_AFTER, &np);
    }
    return lp;
}

/* Inserts (<ele>,<score>) at its place in order; <ele> must be absent. */
static unsigned char *zzlInsert(unsigned char *lp, sds ele, double score) {
    unsigned char *eptr = lpFirst(lp);
    while (eptr) {
        unsigned char *sptr = lpNext(lp, eptr);
        double s = zzlGetScore(sptr);
        if (s > score ||
            (s == score &&
             zzlCmpEle(eptr, (unsigned char *)ele, sdsLen(ele)) > 0))
            return zzlInsertAt(lp, eptr, ele, score);
        eptr = lpNext(lp, sptr);
    }
    return zzlInsertAt(lp, NULL, ele, score);
}

/* ------------------------------------------------------------------------
 * Objects, conversion, low-level access
 * --------------------------------------------------------------------- */

static uint64_t zsetSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int zsetSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    size_t la = sdsLen((sds)a), lb = sdsLen((sds)b);
    return la == lb && memcmp(a, b, la) == 0;
}

static void zsetSdsFree(dict *d, void *p) {
    UNUSED(d);
    sdsFree(p);
}

/* Member -> node; the node owns the member, so the dict frees nothing. */
static dictType zsetDictType = {zsetSdsHash, NULL, NULL, zsetSdsCompare,
                                NULL, NULL, NULL};
/* Member -> double accumulator of ZUNION (owns its keys). */
static dictType zsetAccDictType = {zsetSdsHash, NULL, NULL, zsetSdsCompare,
                                   zsetSdsFree, NULL, NULL};

static robj *zsetCreateSkiplistObject(size_t hint) {
    zsetValue *zs = zmalloc(sizeof(*zs));
    zs->dict = dictCreate(&zsetDictType);
    if (hint) dictExpand(zs->dict, hint);
    zs->zsl = zslCreate();
    robj *o = createObject(OBJ_ZSET, zs);
    o->encoding = OBJ_ENCODING_SKIPLIST;
    return o;
}

/* Returns a new empty sorted set, refcount 1: a listpack when <size_hint>
 * members of up to <val_len_hint> bytes fit the listpack limits, else a
 * skiplist pre-sized for <size_hint>. */
robj *zsetTypeCreate(size_t size_hint, size_t val_len_hint) {
    if (size_hint <= server.zset_max_listpack_entries &&
        val_len_hint <= server.zset_max_listpack_value) {
        robj *o = createObject(OBJ_ZSET, lpNew(0));
        o->encoding = OBJ_ENCODING_LISTPACK;
        return o;
    }
    return zsetCreateSkiplistObject(size_hint);
}

/* Returns a sorted set object wrapping the listpack <lp> (as stored by
 * RDB_TYPE_ZSET_LISTPACK); the object takes ownership. The caller has
 * validated the blob (ordered pairs) and converts with zsetConvert when it
 * exceeds the limits. */
robj *zsetTypeCreateFromListpack(unsigned char *lp) {
    robj *o = createObject(OBJ_ZSET, lp);
    o->encoding = OBJ_ENCODING_LISTPACK;
    return o;
}

/* Returns the number of members of the sorted set <o>. */
unsigned long zsetLength(const robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return lpLength(o->ptr) / 2;
    if (o->encoding == OBJ_ENCODING_SKIPLIST)
        return ((zsetValue *)o->ptr)->zsl->length;
    serverPanic("Unknown sorted set encoding");
}

/* Converts the sorted set <o> to <enc> (OBJ_ENCODING_LISTPACK or
 * OBJ_ENCODING_SKIPLIST); a no-op when it already has it. The caller makes
 * sure a listpack target can hold the members. */
void zsetConvert(robj *o, int enc) {
    if ((int)o->encoding == enc) return;
    if (o->encoding == OBJ_ENCODING_LISTPACK && enc == OBJ_ENCODING_SKIPLIST) {
        unsigned char *lp = o->ptr;
        zsetValue *zs = zmalloc(sizeof(*zs));
        zs->dict = dictCreate(&zsetDictType);
        dictExpand(zs->dict, lpLength(lp) / 2);
        zs->zsl = zslCreate();
        unsigned char *eptr = lpFirst(lp);
        while (eptr) {
            unsigned char *sptr = lpNext(lp, eptr);
            unsigned int len;
            long long ll;
            unsigned char *s = lpGetValue(eptr, &len, &ll);
            sds ele = s ? sdsNewLen(s, len) : sdsFromLongLong(ll);
            zslNode *n = zslInsert(zs->zsl, zzlGetScore(sptr), ele);
            serverAssert(dictAdd(zs->dict, ele, n) == DICT_OK);
            eptr = lpNext(lp, sptr);
        }
        lpFree(lp);
        o->ptr = zs;
        o->encoding = OBJ_ENCODING_SKIPLIST;
    } else if (o->encoding == OBJ_ENCODING_SKIPLIST &&
               enc == OBJ_ENCODING_LISTPACK) {
        zsetValue *zs = o->ptr;
        unsigned char *lp = lpNew(0);
        for (zslNode *n = zs->zsl->header->level[0].forward; n;
             n = n->level[0].forward)
            lp = zzlInsertAt(lp, NULL, n->ele, n->score);
        dictRelease(zs->dict);
        zslFree(zs->zsl);
        zfree(zs);
        o->ptr = lp;
        o->encoding = OBJ_ENCODING_LISTPACK;
    } else {
        serverPanic("Unsupported sorted set conversion");
    }
}

/* Turns the skiplist <o> into a listpack when its members (the longest
 * <maxelelen> bytes, <totelelen> in all) fit the listpack limits. */
static void zsetConvertToListpackIfNeeded(robj *o, size_t maxelelen,
                                          size_t totelelen) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return;
    if (zsetLength(o) <= server.zset_max_listpack_entries &&
        maxelelen <= server.zset_max_listpack_value &&
        lpSafeToAdd(NULL, totelelen))
        zsetConvert(o, OBJ_ENCODING_LISTPACK);
}

/* Looks <ele> up in <o>: C_OK with *<score> set, or C_ERR when absent. */
static int zsetScore(robj *o, sds ele, double *score) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        return zzlFind(o->ptr, ele, score) ? C_OK : C_ERR;
    dictEntry *de = dictFind(((zsetValue *)o->ptr)->dict, ele);
    if (de == NULL) return C_ERR;
    *score = ((zslNode *)dictGetVal(de))->score;
    return C_OK;
}

/* Adds or updates <ele> (copied) with <score> in <o>, following <in_flags>
 * (ZADD_IN_*); *<out_flags> gets ZADD_OUT_* and *<newscore> the resulting
 * score when not NULL. Returns 1, or 0 when an increment gives NaN (then
 * nothing changed and ZADD_OUT_NAN is set). */
int zsetAdd(robj *o, double score, sds ele, int in_flags, int *out_flags,
            double *newscore) {
    int incr = in_flags & ZADD_IN_INCR, nx = in_flags & ZADD_IN_NX;
    int xx = in_flags & ZADD_IN_XX, gt = in_flags & ZADD_IN_GT;
    int lt = in_flags & ZADD_IN_LT;
    *out_flags = 0;
    if (isnan(score)) {
        *out_flags = ZADD_OUT_NAN;
        return 0;
    }
    double cur;
    if (zsetScore(o, ele, &cur) == C_OK) {
        if (nx) {
            *out_flags |= ZADD_OUT_NOP;
            return 1;
        }
        if (incr) {
            score += cur;
            if (isnan(score)) {
                *out_flags |= ZADD_OUT_NAN;
                return 0;
            }
        }
        if ((gt && score <= cur) || (lt && score >= cur)) {
            *out_flags |= ZADD_OUT_NOP;
            return 1;
        }
        if (newscore) *newscore = score;
        if (score != cur) {
            if (o->encoding == OBJ_ENCODING_LISTPACK) {
                unsigned char *lp = o->ptr;
                unsigned char *eptr = zzlFind(lp, ele, NULL);
                lp = lpDeleteRangeWithEntry(lp, &eptr, 2);
                o->ptr = zzlInsert(lp, ele, score);
            } else {
                zsetValue *zs = o->ptr;
                dictEntry *de = dictFind(zs->dict, ele);
                zslNode *n = dictGetVal(de);
                zslNode *old = zslRemove(zs->zsl, cur, n->ele);
                serverAssert(old == n);
                zslNode *nn = zslInsert(zs->zsl, score, n->ele);
                n->ele = NULL;
                zfree(n);
                dictSetVal(zs->dict, de, nn);
            }
            *out_flags |= ZADD_OUT_UPDATED;
        }
        return 1;
    }
    if (xx) {
        *out_flags |= ZADD_OUT_NOP;
        return 1;
    }
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        if (zsetLength(o) + 1 > server.zset_max_listpack_entries ||
            sdsLen(ele) > server.zset_max_listpack_value ||
            !lpSafeToAdd(o->ptr, sdsLen(ele)))
            zsetConvert(o, OBJ_ENCODING_SKIPLIST);
        else
            o->ptr = zzlInsert(o->ptr, ele, score);
    }
    if (o->encoding == OBJ_ENCODING_SKIPLIST) {
        zsetValue *zs = o->ptr;
        sds copy = sdsDup(ele);
        zslNode *n = zslInsert(zs->zsl, score, copy);
        serverAssert(dictAdd(zs->dict, copy, n) == DICT_OK);
    }
    if (newscore) *newscore = score;
    *out_flags |= ZADD_OUT_ADDED;
    return 1;
}

/* Removes <ele> from <o>; returns 1 if it was a member. */
static int zsetDel(robj *o, sds ele) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *eptr = zzlFind(o->ptr, ele, NULL);
        if (eptr == NULL) return 0;
        o->ptr = lpDeleteRangeWithEntry(o->ptr, &eptr, 2);
        return 1;
    }
    zsetValue *zs = o->ptr;
    dictEntry *de = dictFind(zs->dict, ele);
    if (de == NULL) return 0;
    zslNode *n = dictGetVal(de);
    dictDelete(zs->dict, ele);
    zslNode *x = zslRemove(zs->zsl, n->score, n->ele);
    serverAssert(x == n);
    zslFreeNode(n);
    if (dictSlots(zs->dict) > DICTHT_SIZE(DICT_HT_INITIAL_EXP) &&
        dictSize(zs->dict) * 10 < dictSlots(zs->dict))
        dictResize(zs->dict);
    return 1;
}

/* Deletes 0-based ranks [<start>, <end>] of <o>; returns how many. */
static unsigned long zsetDeleteRankRange(robj *o, long start, long end) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned long n = (unsigned long)(end - start + 1);
        o->ptr = lpDeleteRange(o->ptr, 2 * start, 2 * n);
        return n;
    }
    zsetValue *zs = o->ptr;
    unsigned long n = zslDeleteRangeByRank(zs->zsl, (unsigned long)start + 1,
                                           (unsigned long)end + 1, zs->dict);
    if (dictSlots(zs->dict) > DICTHT_SIZE(DICT_HT_INITIAL_EXP) &&
        dictSize(zs->dict) * 10 < dictSlots(zs->dict))
        dictResize(zs->dict);
    return n;
}

/* ------------------------------------------------------------------------
 * Cursor: a position in either encoding, with its 0-based rank
 * --------------------------------------------------------------------- */

typedef struct zsetCursor {
    robj *o;
    unsigned char *eptr, *sptr; /* listpack */
    zslNode *node;              /* skiplist */
    long rank;
    int valid;
} zsetCursor;

static void zcurInit(zsetCursor *zc, robj *o) {
    memset(zc, 0, sizeof(*zc));
    zc->o = o;
}

static int zcurIsLp(zsetCursor *zc) {
    return zc->o->encoding == OBJ_ENCODING_LISTPACK;
}

/* Positions <zc> at 0-based <rank>; returns validity. */
static int zcurSeekRank(zsetCursor *zc, long rank) {
    zc->valid = 0;
    if (rank < 0 || (unsigned long)rank >= zsetLength(zc->o)) return 0;
    if (zcurIsLp(zc)) {
        zc->eptr = lpSeek(zc->o->ptr, 2 * rank);
        zc->sptr = lpNext(zc->o->ptr, zc->eptr);
    } else {
        zc->node = zslNodeByRank(((zsetValue *)zc->o->ptr)->zsl,
                                 (unsigned long)rank + 1);
    }
    zc->rank = rank;
    zc->valid = 1;
    return 1;
}

static void zcurNext(zsetCursor *zc, int reverse) {
    if (!zc->valid) return;
    if (zcurIsLp(zc)) {
        unsigned char *lp = zc->o->ptr;
        if (reverse) {
            unsigned char *p = lpPrev(lp, zc->eptr);
            if (p == NULL) {
                zc->valid = 0;
                return;
            }
            zc->sptr = p;
            zc->eptr = lpPrev(lp, p);
        } else {
            zc->eptr = lpNext(lp, zc->sptr);
            if (zc->eptr == NULL) {
                zc->valid = 0;
                return;
            }
            zc->sptr = lpNext(lp, zc->eptr);
        }
    } else {
        zc->node = reverse ? zc->node->backward : zc->node->level[0].forward;
        if (zc->node == NULL) {
            zc->valid = 0;
            return;
        }
    }
    zc->rank += reverse ? -1 : 1;
}

static double zcurScore(zsetCursor *zc) {
    return zcurIsLp(zc) ? zzlGetScore(zc->sptr) : zc->node->score;
}

/* The member: bytes in *<s>/<len> (borrowed), or NULL and *<ll>. */
static unsigned char *zcurEle(zsetCursor *zc, unsigned int *len,
                              long long *ll) {
    if (zcurIsLp(zc)) return lpGetValue(zc->eptr, len, ll);
    *len = (unsigned int)sdsLen(zc->node->ele);
    return (unsigned char *)zc->node->ele;
}

/* The member as text: <ibuf> holds integers. */
static unsigned char *zcurEleText(zsetCursor *zc, unsigned char *ibuf,
                                  size_t *len) {
    unsigned int l;
    long long ll;
    unsigned char *s = zcurEle(zc, &l, &ll);
    if (s) {
        *len = l;
        return s;
    }
    *len = (size_t)ll2string((char *)ibuf, LP_INTBUF_SIZE, ll);
    return ibuf;
}

static sds zcurEleNewSds(zsetCursor *zc) {
    unsigned int l;
    long long ll;
    unsigned char *s = zcurEle(zc, &l, &ll);
    return s ? sdsNewLen(s, l) : sdsFromLongLong(ll);
}

/* Positions <zc> at the first (last when <reverse>) member in <r>. */
static int zcurSeekScore(zsetCursor *zc, const zrangespec *r, int reverse) {
    zc->valid = 0;
    if (zslRangeEmpty(r)) return 0;
    long len = (long)zsetLength(zc->o);
    if (!zcurIsLp(zc)) {
        zskiplist *zsl = ((zsetValue *)zc->o->ptr)->zsl;
        zslNode *x = zsl->header;
        for (int i = zsl->level - 1; i >= 0; i--) {
            if (!reverse)
                while (x->level[i].forward &&
                       !zslValueGteMin(x->level[i].forward->score, r))
                    x = x->level[i].forward;
            else
                while (x->level[i].forward &&
                       zslValueLteMax(x->level[i].forward->score, r))
                    x = x->level[i].forward;
        }
        if (!reverse) x = x->level[0].forward;
        if (x == NULL || x == zsl->header) return 0;
        if (!zslValueGteMin(x->score, r) || !zslValueLteMax(x->score, r))
            return 0;
        zc->node = x;
        zc->rank = (long)zslGetRank(zsl, x->score, x->ele) - 1;
        zc->valid = 1;
        return 1;
    }
    if (!reverse) {
        for (zcurSeekRank(zc, 0); zc->valid; zcurNext(zc, 0)) {
            double s = zcurScore(zc);
            if (zslValueGteMin(s, r)) {
                if (!zslValueLteMax(s, r)) zc->valid = 0;
                return zc->valid;
            }
        }
    } else {
        for (zcurSeekRank(zc, len - 1); zc->valid; zcurNext(zc, 1)) {
            double s = zcurScore(zc);
            if (zslValueLteMax(s, r)) {
                if (!zslValueGteMin(s, r)) zc->valid = 0;
                return zc->valid;
            }
        }
    }
    return 0;
}

static int zcurInLexMin(zsetCursor *zc, const zlexrangespec *r) {
    unsigned char ibuf[LP_INTBUF_SIZE];
    size_t len;
    unsigned char *s = zcurEleText(zc, ibuf, &len);
    return zslLexGteMin(s, len, r);
}

static int zcurInLexMax(zsetCursor *zc, const zlexrangespec *r) {
    unsigned char ibuf[LP_INTBUF_SIZE];
    size_t len;
    unsigned char *s = zcurEleText(zc, ibuf, &len);
    return zslLexLteMax(s, len, r);
}

/* Positions <zc> at the first (last when <reverse>) member in the lex
 * range <r> (meaningful when all scores are equal). */
static int zcurSeekLex(zsetCursor *zc, const zlexrangespec *r, int reverse) {
    zc->valid = 0;
    if (zslLexRangeEmpty(r)) return 0;
    long len = (long)zsetLength(zc->o);
    /* Like Redis: nothing when the last member is below min or the first
     * above max, whatever lies between. */
    if (!zcurSeekRank(zc, len - 1) || !zcurInLexMin(zc, r) ||
        !zcurSeekRank(zc, 0) || !zcurInLexMax(zc, r)) {
        zc->valid = 0;
        return 0;
    }
    zc->valid = 0;
    if (!zcurIsLp(zc)) {
        zskiplist *zsl = ((zsetValue *)zc->o->ptr)->zsl;
        zslNode *x = zsl->header;
        for (int i = zsl->level - 1; i >= 0; i--) {
            zslNode *f;
            if (!reverse)
                while ((f = x->level[i].forward) &&
                       !zslLexGteMin((unsigned char *)f->ele, sdsLen(f->ele), r))
                    x = f;
            else
                while ((f = x->level[i].forward) &&
                       zslLexLteMax((unsigned char *)f->ele, sdsLen(f->ele), r))
                    x = f;
        }
        if (!reverse) x = x->level[0].forward;
        if (x == NULL || x == zsl->header) return 0;
        if (!zslLexGteMin((unsigned char *)x->ele, sdsLen(x->ele), r) ||
            !zslLexLteMax((unsigned char *)x->ele, sdsLen(x->ele), r))
            return 0;
        zc->node = x;
        zc->rank = (long)zslGetRank(zsl, x->score, x->ele) - 1;
        zc->valid = 1;
        return 1;
    }
    if (!reverse) {
        for (zcurSeekRank(zc, 0); zc->valid; zcurNext(zc, 0)) {
            if (zcurInLexMin(zc, r)) {
                if (!zcurInLexMax(zc, r)) zc->valid = 0;
                return zc->valid;
            }
        }
    } else {
        for (zcurSeekRank(zc, len - 1); zc->valid; zcurNext(zc, 1)) {
            if (zcurInLexMax(zc, r)) {
                if (!zcurInLexMin(zc, r)) zc->valid = 0;
                return zc->valid;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Public iteration (persistence, SORT)
 * --------------------------------------------------------------------- */

struct zsetTypeIterator {
    zsetCursor cur;
    int reverse;
    int started;
};

/* Returns an iterator over the members of <o> in score order (from the
 * highest when <reverse>); <o> must not change until it is released. */
zsetTypeIterator *zsetTypeInitIterator(robj *o, int reverse) {
    zsetTypeIterator *it = zmalloc(sizeof(*it));
    zcurInit(&it->cur, o);
    it->reverse = reverse;
    it->started = 0;
    return it;
}

/* Frees the iterator <it>. */
void zsetTypeReleaseIterator(zsetTypeIterator *it) { zfree(it); }

/* Moves <it> to the next member: its bytes go to *<vstr> and *<vlen>
 * (borrowed), or *<vstr> is NULL and the integer is in *<vll>; the score
 * goes to *<score>. Returns C_OK, or C_ERR past the last member. */
int zsetTypeNext(zsetTypeIterator *it, unsigned char **vstr,
                 unsigned int *vlen, long long *vll, double *score) {
    if (!it->started) {
        it->started = 1;
        long n = (long)zsetLength(it->cur.o);
        zcurSeekRank(&it->cur, it->reverse ? n - 1 : 0);
    } else {
        zcurNext(&it->cur, it->reverse);
    }
    if (!it->cur.valid) return C_ERR;
    *vstr = zcurEle(&it->cur, vlen, vll);
    *score = zcurScore(&it->cur);
    return C_OK;
}

/* ------------------------------------------------------------------------
 * Object methods and registration
 * --------------------------------------------------------------------- */

/* Releases the value of the sorted set <o> (not the robj itself). */
void freeZsetObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        lpFree(o->ptr);
    } else if (o->encoding == OBJ_ENCODING_SKIPLIST) {
        zsetValue *zs = o->ptr;
        dictRelease(zs->dict);
        zslFree(zs->zsl);
        zfree(zs);
    } else {
        serverPanic("Unknown sorted set encoding");
    }
}

/* Returns a deep copy of the sorted set <o> in the same encoding (COPY). */
robj *zsetTypeDup(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        return zsetTypeCreateFromListpack(lpDup(o->ptr));
    zsetValue *src = o->ptr;
    robj *copy = zsetCreateSkiplistObject(dictSize(src->dict));
    zsetValue *zs = copy->ptr;
    for (zslNode *n = src->zsl->tail; n; n = n->backward) {
        sds ele = sdsDup(n->ele);
        zslNode *nn = zslInsert(zs->zsl, n->score, ele);
        dictAdd(zs->dict, ele, nn);
    }
    return copy;
}

static size_t zsetTypeComputeSize(robj *o, size_t samples) {
    size_t size = sizeof(robj);
    if (o->encoding == OBJ_ENCODING_LISTPACK) return size + lpBytes(o->ptr);
    zsetValue *zs = o->ptr;
    size += sizeof(zsetValue) + sizeof(zskiplist) + sizeof(dict) +
            sizeof(dictEntry *) * dictSlots(zs->dict) + sizeof(zslNode) +
            ZSL_MAXLEVEL * sizeof(struct zslLevel);
    size_t n = 0, elesize = 0;
    for (zslNode *x = zs->zsl->header->level[0].forward;
         x && (samples == 0 || n < samples); x = x->level[0].forward) {
        elesize += sizeof(dictEntry) + sdsAllocSize(x->ele) + sizeof(zslNode) +
                   sizeof(struct zslLevel) * 2;
        n++;
    }
    if (n) size += (size_t)((double)elesize / n * zs->zsl->length);
    return size;
}

static robj *zsetScoreObject(double score) {
    char buf[MAX_D2STRING_CHARS];
    int len = d2string(buf, sizeof(buf), score);
    return createStringObject(buf, (size_t)len);
}

typedef struct {
    list *elements;
} zsetScanState;

static void zsetScanCallback(void *privdata, const dictEntry *de) {
    zsetScanState *st = privdata;
    sds ele = dictGetKey(de);
    zslNode *n = dictGetVal(de);
    listAddNodeTail(st->elements, createStringObject(ele, sdsLen(ele)));
    listAddNodeTail(st->elements, zsetScoreObject(n->score));
}

/* ZSCAN walker: a listpack in one reply (scores as stored), a skiplist
 * through its dict's cursor. */
static unsigned long zsetScan(robj *o, unsigned long cursor, long count,
                              list *elements) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = o->ptr, ibuf[LP_INTBUF_SIZE];
        for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
            int64_t len;
            unsigned char *s = lpGet(p, &len, ibuf);
            listAddNodeTail(elements, createStringObject((char *)s, (size_t)len));
        }
        return 0;
    }
    zsetValue *zs = o->ptr;
    zsetScanState st = {elements};
    long maxiterations = count * 10;
    do {
        cursor = dictScan(zs->dict, cursor, zsetScanCallback, &st);
    } while (cursor && maxiterations-- &&
             (long)listLength(elements) < count * 2);
    return cursor;
}

static int zsetServeBlockedClient(client *c, redisDb *db, robj *key);

static const objectTypeMethods zsetMethods = {freeZsetObject, zsetTypeDup,
                                              zsetTypeComputeSize};

/* Registers the sorted set type's object methods, its ZSCAN walker and
 * its blocking serve function; called once from initServer. */
void zsetTypeInit(void) {
    registerObjectType(OBJ_ZSET, &zsetMethods);
    scanRegisterType(OBJ_ZSET, zsetScan);
    registerBlockedServeProc(BLOCKED_ZSET, zsetServeBlockedClient);
}

/* ------------------------------------------------------------------------
 * Reply and store helpers
 * --------------------------------------------------------------------- */

static void zsetReplyCursorEle(client *c, zsetCursor *zc) {
    unsigned int len;
    long long ll;
    unsigned char *s = zcurEle(zc, &len, &ll);
    if (s)
        addReplyBulkCBuffer(c, s, len);
    else
        addReplyBulkLongLong(c, ll);
}

/* Emits range results to a client or into a new sorted set (STORE). */
typedef struct {
    client *c;
    int withscores;
    robj *dst;       /* ZRANGESTORE target object, or NULL for a reply */
    void *deferred;  /* reply length placeholder, when the length is open */
    long count;
} zrangeResult;

static void zrBegin(zrangeResult *h, long length) {
    h->count = 0;
    h->deferred = NULL;
    if (h->dst) return;
    if (length < 0) {
        h->deferred = addReplyDeferredLen(h->c);
    } else {
        long n = length;
        if (h->withscores && h->c->resp == 2) n *= 2;
        addReplyArrayLen(h->c, n);
    }
}

static void zrEmit(zrangeResult *h, zsetCursor *zc) {
    h->count++;
    if (h->dst) {
        sds ele = zcurEleNewSds(zc);
        int out;
        zsetAdd(h->dst, zcurScore(zc), ele, 0, &out, NULL);
        sdsFree(ele);
        return;
    }
    if (h->withscores && h->c->resp > 2) addReplyArrayLen(h->c, 2);
    zsetReplyCursorEle(h->c, zc);
    if (h->withscores) addReplyDouble(h->c, zcurScore(zc));
}

static void zrEnd(zrangeResult *h, robj *dstkey) {
    if (h->dst) {
        client *c = h->c;
        if (h->count) {
            setKey(c, c->db, dstkey, h->dst, 0);
            addReplyLongLong(c, h->count);
            notifyKeyspaceEvent(NOTIFY_ZSET, "zrangestore", dstkey, c->db->id);
            server.dirty++;
        } else {
            addReply(c, shared.czero);
            if (dbDelete(c->db, dstkey)) {
                signalModifiedKey(c, c->db, dstkey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
                server.dirty++;
            }
        }
        decrRefCount(h->dst);
        h->dst = NULL;
        return;
    }
    if (h->deferred) {
        long n = h->count;
        if (h->withscores && h->c->resp == 2) n *= 2;
        setDeferredArrayLen(h->c, h->deferred, n);
    }
}

/* Deletes <key> when <o> became empty, with the "del" event. Returns 1 if
 * it was deleted. */
static int zsetDeleteIfEmpty(client *c, redisDb *db, robj *key, robj *o) {
    if (zsetLength(o) != 0) return 0;
    dbDelete(db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, db->id);
    UNUSED(c);
    return 1;
}

/* ------------------------------------------------------------------------
 * ZADD, ZINCRBY, ZREM
 * --------------------------------------------------------------------- */

static void zaddGenericCommand(client *c, int flags) {
    static const char *nanerr = "resulting score is not a number (NaN)";
    robj *key = c->argv[1];
    int scoreidx = 2, ch = 0;
    while (scoreidx < c->argc) {
        char *opt = c->argv[scoreidx]->ptr;
        if (!strcasecmp(opt, "nx"))
            flags |= ZADD_IN_NX;
        else if (!strcasecmp(opt, "xx"))
            flags |= ZADD_IN_XX;
        else if (!strcasecmp(opt, "ch"))
            ch = 1;
        else if (!strcasecmp(opt, "incr"))
            flags |= ZADD_IN_INCR;
        else if (!strcasecmp(opt, "gt"))
            flags |= ZADD_IN_GT;
        else if (!strcasecmp(opt, "lt"))
            flags |= ZADD_IN_LT;
        else
            break;
        scoreidx++;
    }
    int incr = (flags & ZADD_IN_INCR) != 0, nx = (flags & ZADD_IN_NX) != 0;
    int xx = (flags & ZADD_IN_XX) != 0, gt = (flags & ZADD_IN_GT) != 0;
    int lt = (flags & ZADD_IN_LT) != 0;
    int elements = c->argc - scoreidx;
    if (elements % 2 || elements == 0) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        addReplyError(c, "XX and NX options at the same time are not "
                         "compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        addReplyError(c, "GT, LT, and/or NX options at the same time are not "
                         "compatible");
        return;
    }
    if (incr && elements > 1) {
        addReplyError(c, "INCR option supports a single increment-element "
                         "pair");
        return;
    }
    double *scores = zmalloc(sizeof(double) * (size_t)elements);
    for (int j = 0; j < elements; j++) {
        if (getDoubleFromObjectOrReply(c, c->argv[scoreidx + j * 2],
                                       &scores[j], "value is not a valid float")
            != C_OK) {
            zfree(scores);
            return;
        }
    }
    robj *zobj = lookupKeyWrite(c->db, key);
    if (checkType(c, zobj, OBJ_ZSET)) {
        zfree(scores);
        return;
    }
    long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (zobj == NULL) {
        if (xx) goto reply;
        zobj = zsetTypeCreate(0, stringObjectLen(c->argv[scoreidx + 1]));
        dbAdd(c->db, key, zobj);
    }
    for (int j = 0; j < elements; j++) {
        double newscore;
        int out;
        robj *eo = getDecodedObject(c->argv[scoreidx + j * 2 + 1]);
        int ok = zsetAdd(zobj, scores[j], eo->ptr, flags, &out, &newscore);
        decrRefCount(eo);
        if (!ok) {
            addReplyError(c, nanerr);
            goto cleanup;
        }
        if (out & ZADD_OUT_ADDED) added++;
        if (out & ZADD_OUT_UPDATED) updated++;
        if (!(out & ZADD_OUT_NOP)) processed++;
        score = newscore;
    }
    server.dirty += added + updated;
reply:
    if (incr) {
        if (processed)
            addReplyDouble(c, score);
        else
            addReplyNull(c);
    } else {
        addReplyLongLong(c, ch ? added + updated : added);
    }
cleanup:
    zfree(scores);
    if (added || updated) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_ZSET, incr ? "zincr" : "zadd", key,
                            c->db->id);
    }
}

/* ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
void zaddCommand(client *c) { zaddGenericCommand(c, 0); }

/* ZINCRBY key increment member */
void zincrbyCommand(client *c) { zaddGenericCommand(c, ZADD_IN_INCR); }

/* ZREM key member [member ...] */
void zremCommand(client *c) {
    robj *key = c->argv[1];
    robj *zobj = lookupKeyWriteOrReply(c, key, shared.czero);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) return;
    long deleted = 0;
    int keyremoved = 0;
    for (int j = 2; j < c->argc; j++) {
        robj *eo = getDecodedObject(c->argv[j]);
        deleted += zsetDel(zobj, eo->ptr);
        decrRefCount(eo);
        if (zsetLength(zobj) == 0) {
            dbDelete(c->db, key);
            keyremoved = 1;
            break;
        }
    }
    if (deleted) {
        notifyKeyspaceEvent(NOTIFY_ZSET, "zrem", key, c->db->id);
        if (keyremoved)
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        signalModifiedKey(c, c->db, key);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

/* ------------------------------------------------------------------------
 * Range removal and counting
 * --------------------------------------------------------------------- */

#define ZRANGE_RANK 0
#define ZRANGE_SCORE 1
#define ZRANGE_LEX 2

/* Finds the 0-based ranks [*<start>, *<end>] of the members of <o> in the
 * score or lex range; returns 0 when none. */
static int zsetRangeRanks(robj *o, int type, zrangespec *r,
                          zlexrangespec *lr, long *start, long *end) {
    zsetCursor a;
    zcurInit(&a, o);
    if (type == ZRANGE_SCORE) {
        if (!zcurSeekScore(&a, r, 0)) return 0;
    } else {
        if (!zcurSeekLex(&a, lr, 0)) return 0;
    }
    *start = *end = a.rank;
    /* Walk forward while the members stay below max, as Redis does. */
    for (zcurNext(&a, 0); a.valid; zcurNext(&a, 0)) {
        int in = type == ZRANGE_SCORE ? zslValueLteMax(zcurScore(&a), r)
                                      : zcurInLexMax(&a, lr);
        if (!in) break;
        *end = a.rank;
    }
    return 1;
}

static void zremrangeGenericCommand(client *c, int type) {
    robj *key = c->argv[1];
    zrangespec r;
    zlexrangespec lr = {0};
    long start = 0, end = 0;
    if (type == ZRANGE_RANK) {
        if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
            getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK)
            return;
    } else if (type == ZRANGE_SCORE) {
        if (zslParseRange(c->argv[2], c->argv[3], &r) != C_OK) {
            addReplyError(c, "min or max is not a float");
            return;
        }
    } else if (zslParseLexRange(c->argv[2], c->argv[3], &lr) != C_OK) {
        addReplyError(c, "min or max not valid string range item");
        return;
    }
    robj *zobj = lookupKeyWriteOrReply(c, key, shared.czero);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) goto cleanup;
    long llen = (long)zsetLength(zobj);
    if (type == ZRANGE_RANK) {
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        if (start > end || start >= llen) {
            addReply(c, shared.czero);
            goto cleanup;
        }
        if (end >= llen) end = llen - 1;
    } else if (!zsetRangeRanks(zobj, type, &r, &lr, &start, &end)) {
        addReply(c, shared.czero);
        goto cleanup;
    }
    unsigned long deleted = zsetDeleteRankRange(zobj, start, end);
    static const char *events[] = {"zremrangebyrank", "zremrangebyscore",
                                   "zremrangebylex"};
    if (deleted) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_ZSET, (char *)events[type], key, c->db->id);
        zsetDeleteIfEmpty(c, c->db, key, zobj);
    }
    server.dirty += (long long)deleted;
    addReplyLongLong(c, (long long)deleted);
cleanup:
    zslFreeLexRange(&lr);
}

/* ZREMRANGEBYRANK key start stop */
void zremrangebyrankCommand(client *c) {
    zremrangeGenericCommand(c, ZRANGE_RANK);
}

/* ZREMRANGEBYSCORE key min max */
void zremrangebyscoreCommand(client *c) {
    zremrangeGenericCommand(c, ZRANGE_SCORE);
}

/* ZREMRANGEBYLEX key min max */
void zremrangebylexCommand(client *c) {
    zremrangeGenericCommand(c, ZRANGE_LEX);
}

static void zcountGeneric(client *c, int type) {
    zrangespec r;
    zlexrangespec lr = {0};
    if (type == ZRANGE_SCORE) {
        if (zslParseRange(c->argv[2], c->argv[3], &r) != C_OK) {
            addReplyError(c, "min or max is not a float");
            return;
        }
    } else if (zslParseLexRange(c->argv[2], c->argv[3], &lr) != C_OK) {
        addReplyError(c, "min or max not valid string range item");
        return;
    }
    robj *zobj = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (zobj && !checkType(c, zobj, OBJ_ZSET)) {
        long start, end;
        long n = zsetRangeRanks(zobj, type, &r, &lr, &start, &end)
                     ? end - start + 1
                     : 0;
        addReplyLongLong(c, n);
    }
    zslFreeLexRange(&lr);
}

/* ZCOUNT key min max */
void zcountCommand(client *c) { zcountGeneric(c, ZRANGE_SCORE); }

/* ZLEXCOUNT key min max */
void zlexcountCommand(client *c) { zcountGeneric(c, ZRANGE_LEX); }

/* ------------------------------------------------------------------------
 * ZRANGE and its family
 * --------------------------------------------------------------------- */

#define ZDIR_AUTO 0
#define ZDIR_FORWARD 1
#define ZDIR_REVERSE 2

/* The body of every ZRANGE form. Arguments start at argv[<argc_start>]
 * (key, or dst then key for ZRANGESTORE); <rangetype> and <direction> are
 * fixed by the legacy commands or ZRANGE_AUTO/ZDIR_AUTO for the options. */
static void zrangeGenericCommand(client *c, int argc_start, int store,
                                 int rangetype, int direction) {
    robj *dstkey = store ? c->argv[argc_start] : NULL;
    int keyidx = argc_start + (store ? 1 : 0);
    robj *key = c->argv[keyidx];
    int minidx = keyidx + 1, maxidx = keyidx + 2;
    long offset = 0, limit = -1;
    int withscores = 0, type = rangetype;
    for (int j = keyidx + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        char *opt = c->argv[j]->ptr;
        if (!store && !strcasecmp(opt, "withscores")) {
            withscores = 1;
        } else if (!strcasecmp(opt, "limit") && left >= 2) {
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &offset, NULL) !=
                    C_OK ||
                getLongFromObjectOrReply(c, c->argv[j + 2], &limit, NULL) !=
                    C_OK)
                return;
            j += 2;
        } else if (direction == ZDIR_AUTO && !strcasecmp(opt, "rev")) {
            direction = ZDIR_REVERSE;
        } else if (type == -1 && !strcasecmp(opt, "bylex")) {
            type = ZRANGE_LEX;
        } else if (type == -1 && !strcasecmp(opt, "byscore")) {
            type = ZRANGE_SCORE;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (direction == ZDIR_AUTO) direction = ZDIR_FORWARD;
    if (type == -1) type = ZRANGE_RANK;
    if (limit != -1 && type == ZRANGE_RANK) {
        addReplyError(c, "syntax error, LIMIT is only supported in "
                         "combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && type == ZRANGE_LEX) {
        addReplyError(c, "syntax error, WITHSCORES not supported in "
                         "combination with BYLEX");
        return;
    }
    int reverse = direction == ZDIR_REVERSE;
    if (reverse && type != ZRANGE_RANK) {
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    long start = 0, end = 0;
    zrangespec r;
    zlexrangespec lr = {0};
    if (type == ZRANGE_RANK) {
        if (getLongFromObjectOrReply(c, c->argv[minidx], &start, NULL) !=
                C_OK ||
            getLongFromObjectOrReply(c, c->argv[maxidx], &end, NULL) != C_OK)
            return;
    } else if (type == ZRANGE_SCORE) {
        if (zslParseRange(c->argv[minidx], c->argv[maxidx], &r) != C_OK) {
            addReplyError(c, "min or max is not a float");
            return;
        }
    } else if (zslParseLexRange(c->argv[minidx], c->argv[maxidx], &lr) !=
               C_OK) {
        addReplyError(c, "min or max not valid string range item");
        return;
    }
    zrangeResult h = {c, withscores, NULL, NULL, 0};
    robj *zobj = lookupKeyRead(c->db, key);
    if (zobj == NULL) {
        if (store) {
            h.dst = zsetTypeCreate(0, 0);
            zrBegin(&h, 0);
            zrEnd(&h, dstkey);
        } else {
            addReply(c, shared.emptyarray);
        }
        goto cleanup;
    }
    if (checkType(c, zobj, OBJ_ZSET)) goto cleanup;
    zsetCursor zc;
    zcurInit(&zc, zobj);
    if (type == ZRANGE_RANK) {
        long llen = (long)zsetLength(zobj);
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        long rangelen = 0;
        if (start <= end && start < llen) {
            if (end >= llen) end = llen - 1;
            rangelen = end - start + 1;
        }
        if (store) h.dst = zsetTypeCreate((size_t)rangelen, 0);
        zrBegin(&h, rangelen);
        if (rangelen) {
            zcurSeekRank(&zc, reverse ? llen - 1 - start : start);
            for (long i = 0; i < rangelen && zc.valid; i++) {
                zrEmit(&h, &zc);
                zcurNext(&zc, reverse);
            }
        }
    } else {
        if (store) h.dst = zsetTypeCreate(0, 0);
        zrBegin(&h, -1);
        int found = type == ZRANGE_SCORE ? zcurSeekScore(&zc, &r, reverse)
                                         : zcurSeekLex(&zc, &lr, reverse);
        if (found) {
            long skip = offset;
            while (zc.valid && skip--) zcurNext(&zc, reverse);
            while (zc.valid && limit--) {
                int in;
                if (type == ZRANGE_SCORE) {
                    double s = zcurScore(&zc);
                    in = reverse ? zslValueGteMin(s, &r) : zslValueLteMax(s, &r);
                } else {
                    in = reverse ? zcurInLexMin(&zc, &lr)
                                 : zcurInLexMax(&zc, &lr);
                }
                if (!in) break;
                zrEmit(&h, &zc);
                zcurNext(&zc, reverse);
            }
        }
    }
    zrEnd(&h, dstkey);
cleanup:
    zslFreeLexRange(&lr);
}

/* ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]
 * [WITHSCORES] */
void zrangeCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, -1, ZDIR_AUTO);
}

/* ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] */
void zrangestoreCommand(client *c) {
    zrangeGenericCommand(c, 1, 1, -1, ZDIR_AUTO);
}

/* ZREVRANGE key start stop [WITHSCORES] */
void zrevrangeCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, ZRANGE_RANK, ZDIR_REVERSE);
}

/* ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] */
void zrangebyscoreCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, ZRANGE_SCORE, ZDIR_FORWARD);
}

/* ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count] */
void zrevrangebyscoreCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, ZRANGE_SCORE, ZDIR_REVERSE);
}

/* ZRANGEBYLEX key min max [LIMIT offset count] */
void zrangebylexCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, ZRANGE_LEX, ZDIR_FORWARD);
}

/* ZREVRANGEBYLEX key max min [LIMIT offset count] */
void zrevrangebylexCommand(client *c) {
    zrangeGenericCommand(c, 1, 0, ZRANGE_LEX, ZDIR_REVERSE);
}

/* ------------------------------------------------------------------------
 * Point lookups
 * --------------------------------------------------------------------- */

/* ZCARD key */
void zcardCommand(client *c) {
    robj *zobj = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) return;
    addReplyLongLong(c, (long long)zsetLength(zobj));
}

/* ZSCORE key member */
void zscoreCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    double score;
    robj *eo = getDecodedObject(c->argv[2]);
    if (zobj == NULL || zsetScore(zobj, eo->ptr, &score) != C_OK)
        addReplyNull(c);
    else
        addReplyDouble(c, score);
    decrRefCount(eo);
}

/* ZMSCORE key member [member ...] */
void zmscoreCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        robj *eo = getDecodedObject(c->argv[j]);
        if (zobj == NULL || zsetScore(zobj, eo->ptr, &score) != C_OK)
            addReplyNull(c);
        else
            addReplyDouble(c, score);
        decrRefCount(eo);
    }
}

static void zrankGeneric(client *c, int reverse) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    if (zobj == NULL) {
        addReplyNull(c);
        return;
    }
    robj *eo = getDecodedObject(c->argv[2]);
    sds ele = eo->ptr;
    long rank = -1, llen = (long)zsetLength(zobj);
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
        zsetCursor zc;
        zcurInit(&zc, zobj);
        for (zcurSeekRank(&zc, 0); zc.valid; zcurNext(&zc, 0)) {
            if (lpCompare(zc.eptr, (unsigned char *)ele, (uint32_t)sdsLen(ele))) {
                rank = zc.rank;
                break;
            }
        }
    } else {
        zsetValue *zs = zobj->ptr;
        dictEntry *de = dictFind(zs->dict, ele);
        if (de) {
            zslNode *n = dictGetVal(de);
            rank = (long)zslGetRank(zs->zsl, n->score, n->ele) - 1;
        }
    }
    decrRefCount(eo);
    if (rank < 0)
        addReplyNull(c);
    else
        addReplyLongLong(c, reverse ? llen - 1 - rank : rank);
}

/* ZRANK key member */
void zrankCommand(client *c) { zrankGeneric(c, 0); }

/* ZREVRANK key member */
void zrevrankCommand(client *c) { zrankGeneric(c, 1); }

/* ZSCAN key cursor [MATCH pattern] [COUNT count] */
void zscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) == C_ERR) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (o == NULL || checkType(c, o, OBJ_ZSET)) return;
    scanGenericCommand(c, o, cursor);
}

/* ------------------------------------------------------------------------
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD
 * --------------------------------------------------------------------- */

typedef struct {
    robj *o;       /* set or sorted set, or NULL for a missing key */
    double weight;
} zsetOpSrc;

static unsigned long zuiLength(zsetOpSrc *s) {
    if (s->o == NULL) return 0;
    return s->o->type == OBJ_SET ? setTypeSize(s->o) : zsetLength(s->o);
}

/* Looks <ele> up in the input <s>: C_OK with its score (1 for a set). */
static int zuiFind(zsetOpSrc *s, sds ele, double *score) {
    if (s->o == NULL) return C_ERR;
    if (s->o->type == OBJ_SET) {
        if (!setTypeIsMember(s->o, ele)) return C_ERR;
        *score = 1.0;
        return C_OK;
    }
    return zsetScore(s->o, ele, score);
}

/* Calls <fn> for every member of the input <s> with its score. */
typedef void zuiVisitFn(void *priv, sds ele, double score);
static void zuiForEach(zsetOpSrc *s, zuiVisitFn *fn, void *priv) {
    if (s->o == NULL) return;
    if (s->o->type == OBJ_SET) {
        setTypeIterator *si = setTypeInitIterator(s->o);
        sds ele;
        while ((ele = setTypeNextObject(si)) != NULL) {
            fn(priv, ele, 1.0);
            sdsFree(ele);
        }
        setTypeReleaseIterator(si);
        return;
    }
    zsetCursor zc;
    zcurInit(&zc, s->o);
    for (zcurSeekRank(&zc, 0); zc.valid; zcurNext(&zc, 0)) {
        sds ele = zcurEleNewSds(&zc);
        fn(priv, ele, zcurScore(&zc));
        sdsFree(ele);
    }
}

static void zuiAggregate(double *target, double val, int agg) {
    if (agg == ZAGG_SUM) {
        *target += val;
        if (isnan(*target)) *target = 0.0;
    } else if (agg == ZAGG_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

typedef struct {
    zsetOpSrc *src;
    long setnum;
    int op, agg;
    robj *dst;        /* skiplist result (NULL when counting) */
    dict *acc;        /* union accumulator */
    long count, limit;
    size_t maxelelen, totelelen;
} zsetOpState;

static void zsetOpAddResult(zsetOpState *st, sds ele, double score) {
    zsetValue *zs = st->dst->ptr;
    sds copy = sdsDup(ele);
    zslNode *n = zslInsert(zs->zsl, score, copy);
    dictAdd(zs->dict, copy, n);
    if (sdsLen(ele) > st->maxelelen) st->maxelelen = sdsLen(ele);
    st->totelelen += sdsLen(ele);
}

static void zsetOpInterVisit(void *priv, sds ele, double score) {
    zsetOpState *st = priv;
    if (st->limit && st->count >= st->limit) return;
    double acc = st->src[0].weight * score;
    if (isnan(acc)) acc = 0;
    for (long j = 1; j < st->setnum; j++) {
        double v;
        if (st->src[j].o == st->src[0].o)
            v = score;
        else if (zuiFind(&st->src[j], ele, &v) != C_OK)
            return;
        v *= st->src[j].weight;
        if (isnan(v)) v = 0;
        zuiAggregate(&acc, v, st->agg);
    }
    st->count++;
    if (st->dst) zsetOpAddResult(st, ele, acc);
}

static void zsetOpUnionVisit(void *priv, sds ele, double score) {
    zsetOpState *st = priv;
    double w = st->src[st->count].weight * score;
    if (isnan(w)) w = 0;
    dictEntry *existing;
    dictEntry *de = dictAddRaw(st->acc, ele, &existing);
    if (de) {
        de->key = sdsDup(ele);
        dictSetDoubleVal(de, w);
    } else {
        double cur = dictGetDoubleVal(existing);
        zuiAggregate(&cur, w, st->agg);
        dictSetDoubleVal(existing, cur);
    }
}

static void zsetOpDiffVisit(void *priv, sds ele, double score) {
    zsetOpState *st = priv;
    for (long j = 1; j < st->setnum; j++) {
        double v;
        if (zuiFind(&st->src[j], ele, &v) == C_OK) return;
    }
    zsetOpAddResult(st, ele, score);
}

/* Sorts <src> by increasing cardinality, stable (the order of the
 * aggregation follows Redis's). */
static void zsetOpSortSources(zsetOpSrc *src, long n) {
    for (long i = 1; i < n; i++) {
        zsetOpSrc t = src[i];
        long j = i - 1;
        while (j >= 0 && zuiLength(&src[j]) > zuiLength(&t)) {
            src[j + 1] = src[j];
            j--;
        }
        src[j + 1] = t;
    }
}

static void zsetOpGenericCommand(client *c, robj *dstkey, int numkeysidx,
                                 int op, int cardinality_only) {
    long setnum;
    if (getLongFromObjectOrReply(c, c->argv[numkeysidx], &setnum, NULL) !=
        C_OK)
        return;
    if (setnum < 1) {
        addReplyErrorFormat(c, "at least 1 input key is needed for '%s' "
                               "command", c->cmd->declared_name);
        return;
    }
    if (setnum > c->argc - numkeysidx - 1) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    zsetOpSrc *src = zcalloc(sizeof(zsetOpSrc) * (size_t)setnum);
    int j = numkeysidx + 1;
    for (long i = 0; i < setnum; i++, j++) {
        robj *o = dstkey ? lookupKeyWrite(c->db, c->argv[j])
                         : lookupKeyRead(c->db, c->argv[j]);
        if (o && o->type != OBJ_ZSET && o->type != OBJ_SET) {
            zfree(src);
            addReplyErrorObject(c, shared.wrongtypeerr);
            return;
        }
        src[i].o = o;
        src[i].weight = 1.0;
    }
    int agg = ZAGG_SUM, withscores = 0;
    long limit = 0;
    while (j < c->argc) {
        int remaining = c->argc - j;
        char *opt = c->argv[j]->ptr;
        if (op != ZOP_DIFF && !cardinality_only && remaining >= setnum + 1 &&
            !strcasecmp(opt, "weights")) {
            j++;
            for (long i = 0; i < setnum; i++, j++) {
                if (getDoubleFromObjectOrReply(c, c->argv[j], &src[i].weight,
                                               "weight value is not a float") !=
                    C_OK) {
                    zfree(src);
                    return;
                }
            }
        } else if (op != ZOP_DIFF && !cardinality_only && remaining >= 2 &&
                   !strcasecmp(opt, "aggregate")) {
            char *a = c->argv[j + 1]->ptr;
            if (!strcasecmp(a, "sum"))
                agg = ZAGG_SUM;
            else if (!strcasecmp(a, "min"))
                agg = ZAGG_MIN;
            else if (!strcasecmp(a, "max"))
                agg = ZAGG_MAX;
            else {
                zfree(src);
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            j += 2;
        } else if (!dstkey && !cardinality_only && !strcasecmp(opt, "withscores")) {
            withscores = 1;
            j++;
        } else if (cardinality_only && remaining >= 2 &&
                   !strcasecmp(opt, "limit")) {
            if (getPositiveLongFromObjectOrReply(c, c->argv[j + 1], &limit,
                                                 "LIMIT can't be negative") !=
                C_OK) {
                zfree(src);
                return;
            }
            j += 2;
        } else {
            zfree(src);
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (op != ZOP_DIFF) zsetOpSortSources(src, setnum);
    zsetOpState st = {src, setnum, op, agg, NULL, NULL, 0, limit, 0, 0};
    if (!cardinality_only) st.dst = zsetCreateSkiplistObject(0);
    if (op == ZOP_INTER) {
        if (zuiLength(&src[0]) > 0) zuiForEach(&src[0], zsetOpInterVisit, &st);
    } else if (op == ZOP_UNION) {
        st.acc = dictCreate(&zsetAccDictType);
        for (long i = 0; i < setnum; i++) {
            st.count = i;
            zuiForEach(&src[i], zsetOpUnionVisit, &st);
        }
        dictIterator *di = dictGetIterator(st.acc);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL)
            zsetOpAddResult(&st, dictGetKey(de), dictGetDoubleVal(de));
        dictReleaseIterator(di);
        dictRelease(st.acc);
    } else {
        zuiForEach(&src[0], zsetOpDiffVisit, &st);
    }
    zfree(src);
    if (cardinality_only) {
        addReplyLongLong(c, st.count);
        return;
    }
    robj *dst = st.dst;
    long length = (long)zsetLength(dst);
    if (dstkey) {
        static const char *events[] = {"zunionstore", "zinterstore",
                                       "zdiffstore"};
        if (length) {
            zsetConvertToListpackIfNeeded(dst, st.maxelelen, st.totelelen);
            setKey(c, c->db, dstkey, dst, 0);
            addReplyLongLong(c, length);
            notifyKeyspaceEvent(NOTIFY_ZSET, (char *)events[op], dstkey,
                                c->db->id);
            server.dirty++;
        } else {
            addReply(c, shared.czero);
            if (dbDelete(c->db, dstkey)) {
                signalModifiedKey(c, c->db, dstkey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
                server.dirty++;
            }
        }
    } else {
        zrangeResult h = {c, withscores, NULL, NULL, 0};
        zrBegin(&h, length);
        zsetCursor zc;
        zcurInit(&zc, dst);
        for (zcurSeekRank(&zc, 0); zc.valid; zcurNext(&zc, 0)) zrEmit(&h, &zc);
        zrEnd(&h, NULL);
    }
    decrRefCount(dst);
}

/* ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...]
 * [AGGREGATE SUM|MIN|MAX] */
void zunionstoreCommand(client *c) {
    zsetOpGenericCommand(c, c->argv[1], 2, ZOP_UNION, 0);
}

/* ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...]
 * [AGGREGATE SUM|MIN|MAX] */
void zinterstoreCommand(client *c) {
    zsetOpGenericCommand(c, c->argv[1], 2, ZOP_INTER, 0);
}

/* ZDIFFSTORE destination numkeys key [key ...] */
void zdiffstoreCommand(client *c) {
    zsetOpGenericCommand(c, c->argv[1], 2, ZOP_DIFF, 0);
}

/* ZUNION numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES] */
void zunionCommand(client *c) { zsetOpGenericCommand(c, NULL, 1, ZOP_UNION, 0); }

/* ZINTER numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES] */
void zinterCommand(client *c) { zsetOpGenericCommand(c, NULL, 1, ZOP_INTER, 0); }

/* ZDIFF numkeys key [key ...] [WITHSCORES] */
void zdiffCommand(client *c) { zsetOpGenericCommand(c, NULL, 1, ZOP_DIFF, 0); }

/* ZINTERCARD numkeys key [key ...] [LIMIT limit] */
void zintercardCommand(client *c) {
    zsetOpGenericCommand(c, NULL, 1, ZOP_INTER, 1);
}

/* Fills <keys> (room for <max>) with the key positions of a command whose
 * numkeys is argv[<idx>], plus argv[1] first when <withdst>. */
static int zsetKeysFrom(robj **argv, int argc, int idx, int withdst,
                        int *keys, int max) {
    long long numkeys;
    if (idx >= argc || getLongLongFromObject(argv[idx], &numkeys) != C_OK ||
        numkeys < 1 || numkeys > argc - idx - 1)
        return 0;
    int n = 0;
    if (withdst && n < max) keys[n++] = 1;
    for (long long j = 0; j < numkeys && n < max; j++)
        keys[n++] = idx + 1 + (int)j;
    return n;
}

/* getkeys_proc of ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: the destination
 * then the numkeys source keys; fills <keys> (room for <max>) from
 * <argv>/<argc> and returns how many. */
int zunionInterDiffStoreGetKeys(struct redisCommand *cmd, robj **argv,
                                int argc, int *keys, int max) {
    UNUSED(cmd);
    return zsetKeysFrom(argv, argc, 2, 1, keys, max);
}

/* getkeys_proc of ZUNION, ZINTER, ZDIFF, ZINTERCARD and ZMPOP (numkeys at
 * argv[1]); fills <keys> (room for <max>) and returns how many. */
int zunionInterDiffGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                           int *keys, int max) {
    UNUSED(cmd);
    return zsetKeysFrom(argv, argc, 1, 0, keys, max);
}

/* getkeys_proc of BZMPOP (numkeys at argv[2]); fills <keys> (room for
 * <max>) and returns how many. */
int bzmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                  int max) {
    UNUSED(cmd);
    return zsetKeysFrom(argv, argc, 2, 0, keys, max);
}

/* ------------------------------------------------------------------------
 * Pops: ZPOPMIN, ZPOPMAX, ZMPOP and the blocking forms
 * --------------------------------------------------------------------- */

/* Pops up to <count> members of <o> (at <key> of <db>) from the <where>
 * end, replying each as [member, score] when <pairs> or as member, score.
 * Notifies, deletes the key when empty. Returns how many were popped; the
 * caller has sent the reply header. */
static long zsetPopReply(client *c, redisDb *db, robj *key, robj *o,
                         int where, long count, int pairs) {
    long llen = (long)zsetLength(o);
    if (count > llen) count = llen;
    zsetCursor zc;
    zcurInit(&zc, o);
    zcurSeekRank(&zc, where == ZSET_MIN ? 0 : llen - 1);
    for (long i = 0; i < count && zc.valid; i++) {
        if (pairs) addReplyArrayLen(c, 2);
        zsetReplyCursorEle(c, &zc);
        addReplyDouble(c, zcurScore(&zc));
        zcurNext(&zc, where == ZSET_MAX);
    }
    if (count == 0) return 0;
    if (where == ZSET_MIN)
        zsetDeleteRankRange(o, 0, count - 1);
    else
        zsetDeleteRankRange(o, llen - count, llen - 1);
    notifyKeyspaceEvent(NOTIFY_ZSET, where == ZSET_MIN ? "zpopmin" : "zpopmax",
                        key, db->id);
    zsetDeleteIfEmpty(c, db, key, o);
    signalModifiedKey(c, db, key);
    server.dirty += count;
    return count;
}

static void zpopGenericCommand(client *c, int where) {
    long count = -1;
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc == 3 &&
        getPositiveLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK)
        return;
    robj *key = c->argv[1];
    robj *zobj = lookupKeyWrite(c->db, key);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    if (zobj == NULL || count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    long n = count == -1 ? 1 : count;
    long llen = (long)zsetLength(zobj);
    if (n > llen) n = llen;
    int pairs = c->resp > 2 && count != -1;
    addReplyArrayLen(c, pairs ? n : 2 * n);
    zsetPopReply(c, c->db, key, zobj, where, n, pairs);
}

/* ZPOPMIN key [count] */
void zpopminCommand(client *c) { zpopGenericCommand(c, ZSET_MIN); }

/* ZPOPMAX key [count] */
void zpopmaxCommand(client *c) { zpopGenericCommand(c, ZSET_MAX); }

/* Pops from the first non-empty key of <keys> with the ZMPOP reply, or
 * blocks (when <timeout> >= 0), or replies null. */
static void zmpopKeys(client *c, robj **keys, long numkeys, int where,
                      long count, long long timeout) {
    for (long j = 0; j < numkeys; j++) {
        robj *key = keys[j];
        robj *o = lookupKeyWrite(c->db, key);
        if (o == NULL) continue;
        if (checkType(c, o, OBJ_ZSET)) return;
        long llen = (long)zsetLength(o);
        long n = count > llen ? llen : count;
        incrRefCount(key);
        addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        addReplyArrayLen(c, n);
        zsetPopReply(c, c->db, key, o, where, n, 1);
        robj *cnt = createStringObjectFromLongLong(count);
        rewriteClientCommandVector(c, 3,
                                   where == ZSET_MIN ? shared.zpopmin
                                                     : shared.zpopmax,
                                   key, cnt);
        decrRefCount(cnt);
        decrRefCount(key);
        return;
    }
    if (timeout < 0 || clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, BLOCKED_ZSET, keys, (int)numkeys, timeout);
    c->bpop.blocktype_arg = where;
    c->bpop.priv = (void *)(intptr_t)count;
}

static void zmpopGenericCommand(client *c, int idx, int blocking) {
    long numkeys, count = -1;
    if (getRangeLongFromObjectOrReply(c, c->argv[idx], 1, LONG_MAX, &numkeys,
                                      "numkeys should be greater than 0") !=
        C_OK)
        return;
    if (numkeys > (long)(c->argc - idx - 2)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    int where_idx = idx + (int)numkeys + 1, where;
    char *w = c->argv[where_idx]->ptr;
    if (!strcasecmp(w, "min")) {
        where = ZSET_MIN;
    } else if (!strcasecmp(w, "max")) {
        where = ZSET_MAX;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (count == -1 && j + 1 < c->argc &&
            !strcasecmp(c->argv[j]->ptr, "count")) {
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
    zmpopKeys(c, c->argv + idx + 1, numkeys, where, count, timeout);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void zmpopCommand(client *c) { zmpopGenericCommand(c, 1, 0); }

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void bzmpopCommand(client *c) { zmpopGenericCommand(c, 2, 1); }

static void bzpopGenericCommand(client *c, int where) {
    long long timeout;
    if (getBlockingTimeoutOrReply(c, c->argv[c->argc - 1], &timeout) != C_OK)
        return;
    for (int j = 1; j < c->argc - 1; j++) {
        robj *key = c->argv[j];
        robj *o = lookupKeyWrite(c->db, key);
        if (o == NULL) continue;
        if (checkType(c, o, OBJ_ZSET)) return;
        incrRefCount(key);
        addReplyArrayLen(c, 3);
        addReplyBulk(c, key);
        zsetPopReply(c, c->db, key, o, where, 1, 0);
        rewriteClientCommandVector(c, 2,
                                   where == ZSET_MIN ? shared.zpopmin
                                                     : shared.zpopmax,
                                   key);
        decrRefCount(key);
        return;
    }
    if (clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, BLOCKED_ZSET, c->argv + 1, c->argc - 2, timeout);
    c->bpop.blocktype_arg = where;
    c->bpop.priv = (void *)(intptr_t)-1;
}

/* BZPOPMIN key [key ...] timeout */
void bzpopminCommand(client *c) { bzpopGenericCommand(c, ZSET_MIN); }

/* BZPOPMAX key [key ...] timeout */
void bzpopmaxCommand(client *c) { bzpopGenericCommand(c, ZSET_MAX); }

/* Serves <c>, blocked by BZPOPMIN/BZPOPMAX/BZMPOP, from <key> of <db>.
 * Returns 0 when the key holds no sorted set (the client keeps waiting),
 * 1 once <c> got its reply. Propagated as ZPOPMIN/ZPOPMAX. */
static int zsetServeBlockedClient(client *c, redisDb *db, robj *key) {
    robj *o = lookupKeyWrite(db, key);
    if (o == NULL || o->type != OBJ_ZSET || zsetLength(o) == 0) return 0;
    int where = c->bpop.blocktype_arg;
    long count = (long)(intptr_t)c->bpop.priv;
    robj *argv[3];
    int argc = 2;
    incrRefCount(key);
    argv[0] = where == ZSET_MIN ? shared.zpopmin : shared.zpopmax;
    argv[1] = key;
    addReplyArrayLen(c, count == -1 ? 3 : 2);
    addReplyBulk(c, key);
    if (count == -1) {
        zsetPopReply(c, db, key, o, where, 1, 0);
    } else {
        long llen = (long)zsetLength(o);
        addReplyArrayLen(c, count > llen ? llen : count);
        zsetPopReply(c, db, key, o, where, count, 1);
        argv[2] = createStringObjectFromLongLong(count);
        argc = 3;
    }
    alsoPropagate(db->id, argv, argc, PROPAGATE_AOF | PROPAGATE_REPL);
    if (argc == 3) decrRefCount(argv[2]);
    decrRefCount(key);
    return 1;
}

/* ------------------------------------------------------------------------
 * ZRANDMEMBER
 * --------------------------------------------------------------------- */

static void zrandReplyRank(client *c, zsetCursor *zc, long rank,
                           int withscores) {
    zcurSeekRank(zc, rank);
    if (withscores && c->resp > 2) addReplyArrayLen(c, 2);
    zsetReplyCursorEle(c, zc);
    if (withscores) addReplyDouble(c, zcurScore(zc));
}

/* ZRANDMEMBER key [count [WITHSCORES]] */
void zrandmemberCommand(client *c) {
    long l = 0;
    int withscores = 0, hascount = c->argc >= 3;
    if (hascount) {
        if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX,
                                          &l, NULL) != C_OK)
            return;
        if (c->argc > 4 ||
            (c->argc == 4 && strcasecmp(c->argv[3]->ptr, "withscores"))) {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
        withscores = c->argc == 4;
        if (withscores && l < -LONG_MAX / 2) {
            addReplyError(c, "value is out of range");
            return;
        }
    }
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    if (zobj == NULL) {
        if (hascount)
            addReply(c, shared.emptyarray);
        else
            addReplyNull(c);
        return;
    }
    long size = (long)zsetLength(zobj);
    zsetCursor zc;
    zcurInit(&zc, zobj);
    if (!hascount) {
        zrandReplyRank(c, &zc, random() % size, 0);
        return;
    }
    if (l == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    if (l < 0) {
        long n = -l;
        addReplyArrayLen(c, withscores && c->resp == 2 ? 2 * n : n);
        for (long i = 0; i < n; i++)
            zrandReplyRank(c, &zc, random() % size, withscores);
        return;
    }
    if (l >= size) {
        addReplyArrayLen(c, withscores && c->resp == 2 ? 2 * size : size);
        for (zcurSeekRank(&zc, 0); zc.valid; zcurNext(&zc, 0)) {
            if (withscores && c->resp > 2) addReplyArrayLen(c, 2);
            zsetReplyCursorEle(c, &zc);
            if (withscores) addReplyDouble(c, zcurScore(&zc));
        }
        return;
    }
    /* Distinct picks: a partial Fisher-Yates shuffle of the ranks. */
    long *ranks = zmalloc(sizeof(long) * (size_t)size);
    for (long i = 0; i < size; i++) ranks[i] = i;
    addReplyArrayLen(c, withscores && c->resp == 2 ? 2 * l : l);
    for (long i = 0; i < l; i++) {
        long k = i + random() % (size - i);
        long t = ranks[i];
        ranks[i] = ranks[k];
        ranks[k] = t;
        zrandReplyRank(c, &zc, ranks[i], withscores);
    }
    zfree(ranks);
}

/* ------------------------------------------------------------------------
 * Helpers for geo.c, which keeps its points in sorted sets
 * --------------------------------------------------------------------- */

/* Looks <ele> up in the sorted set <o>: C_OK with *<score> set, C_ERR when
 * it is not a member. */
int zsetGetScore(robj *o, sds ele, double *score) {
    return zsetScore(o, ele, score);
}

/* Calls <fn>(<ctx>, member, score) for the members of <o> with <min> <=
 * score < <max>, in the set's order, until <fn> returns non-zero. The
 * member is a new sds that <fn> owns. Returns how many calls were made. */
unsigned long zsetVisitScoreRange(robj *o, double min, double max,
                                  zsetRangeVisitor *fn, void *ctx) {
    zrangespec r = {.min = min, .max = max, .minex = 0, .maxex = 1};
    zsetCursor zc;
    unsigned long n = 0;
    zcurInit(&zc, o);
    for (zcurSeekScore(&zc, &r, 0); zc.valid; zcurNext(&zc, 0)) {
        double s = zcurScore(&zc);
        if (!zslValueLteMax(s, &r)) break;
        n++;
        if (fn(ctx, zcurEleNewSds(&zc), s)) break;
    }
    return n;
}

/* The member dict of a skiplist-encoded sorted set <o> (DEBUG HTSTATS-KEY),
 * borrowed; NULL for other encodings. */
dict *zsetGetDict(robj *o) {
    if (o->type != OBJ_ZSET || o->encoding != OBJ_ENCODING_SKIPLIST) return NULL;
    return ((zsetValue *)o->ptr)->dict;
}
