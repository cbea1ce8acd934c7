/* t_stream: the stream type and its commands (XADD, XRANGE, XREAD,
 * consumer groups, XINFO...), with Redis 7.0's replies and error texts.
 *
 * It owns every stream value: the listpack nodes (layout in stream.h), the
 * counters (length, last/first/max-deleted IDs, entries added) and the
 * consumer groups. It never touches RDB bytes (rdb.c reads and writes the
 * fields declared in stream.h) nor blocking machinery beyond the
 * BLOCKED_STREAM serve and cleanup functions it registers with blocked.c.
 *
 * Invariants: every node holds at least one live entry; entry IDs increase
 * strictly across the whole stream and never exceed last_id; a NACK is in
 * its group's PEL and in exactly one consumer's PEL. Writes that depend on
 * the clock or on approximations are propagated in a deterministic form
 * (XADD with the generated ID, "=" trims, XCLAIM and XGROUP SETID for
 * deliveries), as Redis 7.0 propagates them. */
#include <errno.h>
#include <math.h>

#include "listpack.h"
#include "stream.h"

#define STREAM_LISTPACK_MAX_SIZE (1 << 30)
#define STREAM_TRIM_STRATEGY_NONE 0
#define STREAM_TRIM_STRATEGY_MAXLEN 1
#define STREAM_TRIM_STRATEGY_MINID 2
#define STREAM_RWR_NOACK (1 << 0)
#define STREAM_RWR_RAWENTRIES (1 << 1)
#define STREAM_RWR_HISTORY (1 << 2)

static const char *streamBadIDErr =
    "Invalid stream ID specified as stream command argument";

/* ------------------------------------------------------------------------
 * IDs
 * --------------------------------------------------------------------- */

/* Writes <id> as 16 big-endian bytes at <buf>, so that byte order is ID
 * order. */
void streamEncodeID(void *buf, const streamID *id) {
    unsigned char *b = buf;
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        b[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

/* Reads the 16 big-endian bytes at <buf> into *<id>. */
void streamDecodeID(const void *buf, streamID *id) {
    const unsigned char *b = buf;
    id->ms = id->seq = 0;
    for (int i = 0; i < 8; i++) {
        id->ms = (id->ms << 8) | b[i];
        id->seq = (id->seq << 8) | b[8 + i];
    }
}

/* -1, 0 or 1 as <a> is before, equal to or after <b>. */
int streamCompareID(const streamID *a, const streamID *b) {
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

static int streamIDIsZero(const streamID *id) { return !id->ms && !id->seq; }

static int streamIncrID(streamID *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) return C_ERR;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return C_OK;
}

static int streamDecrID(streamID *id) {
    if (id->seq == 0) {
        if (id->ms == 0) return C_ERR;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return C_OK;
}

static sds streamIDToSds(const streamID *id) {
    char buf[2 * LONG_STR_SIZE + 1];
    int n = ull2string(buf, LONG_STR_SIZE, (unsigned long long)id->ms);
    buf[n++] = '-';
    n += ull2string(buf + n, LONG_STR_SIZE, (unsigned long long)id->seq);
    return sdsNewLen(buf, (size_t)n);
}

static robj *createObjectFromStreamID(const streamID *id) {
    return createObject(OBJ_STRING, streamIDToSds(id));
}

static void addReplyStreamID(client *c, const streamID *id) {
    addReplyBulkSds(c, streamIDToSds(id));
}

/* Parses one ID part the way Redis's string2ull does: a strict decimal,
 * or anything strtoull takes whole. */
static int streamParseU64(const char *s, uint64_t *v) {
    long long ll;
    if (string2ll(s, strlen(s), &ll)) {
        if (ll < 0) return 0;
        *v = (uint64_t)ll;
        return 1;
    }
    if (*s == '\0') return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long u = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || *end != '\0') return 0;
    *v = u;
    return 1;
}

/* Parses <o> as an ID: "ms-seq", "ms" (seq = <missing_seq>), "-" / "+"
 * unless <strict>, and "ms-*" when <seq_given> is not NULL (then
 * *seq_given tells whether the sequence was explicit). Replies the error
 * (when <c>) and returns C_ERR on bad input. */
static int streamGenericParseIDOrReply(client *c, robj *o, streamID *id,
                                       uint64_t missing_seq, int strict,
                                       int *seq_given) {
    char buf[128];
    if (seq_given) *seq_given = 1;
    if (!sdsEncodedObject(o)) {
        if (o->encoding != OBJ_ENCODING_INT || (long)o->ptr < 0) goto invalid;
        id->ms = (uint64_t)(long)o->ptr;
        id->seq = missing_seq;
        return C_OK;
    }
    size_t len = sdsLen(o->ptr);
    if (len > sizeof(buf) - 1) goto invalid;
    memcpy(buf, o->ptr, len);
    buf[len] = '\0';
    if (strict && (!strcmp(buf, "-") || !strcmp(buf, "+"))) goto invalid;
    if (seq_given) *seq_given = 1;
    if (!strcmp(buf, "-")) {
        id->ms = id->seq = 0;
        return C_OK;
    }
    if (!strcmp(buf, "+")) {
        id->ms = id->seq = UINT64_MAX;
        return C_OK;
    }
    char *dot = strchr(buf, '-');
    if (dot) *dot = '\0';
    uint64_t ms, seq;
    if (!streamParseU64(buf, &ms)) goto invalid;
    if (dot) {
        if (seq_given && dot[1] == '*' && dot[2] == '\0') {
            seq = 0;
            *seq_given = 0;
        } else if (!streamParseU64(dot + 1, &seq)) {
            goto invalid;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return C_OK;
invalid:
    if (c) addReplyError(c, streamBadIDErr);
    return C_ERR;
}

static int streamParseIDOrReply(client *c, robj *o, streamID *id,
                                uint64_t missing_seq) {
    return streamGenericParseIDOrReply(c, o, id, missing_seq, 0, NULL);
}

static int streamParseStrictIDOrReply(client *c, robj *o, streamID *id,
                                      uint64_t missing_seq, int *seq_given) {
    return streamGenericParseIDOrReply(c, o, id, missing_seq, 1, seq_given);
}

/* An interval end: an ID, or "(" and a strict ID (exclusive). */
static int streamParseIntervalIDOrReply(client *c, robj *o, streamID *id,
                                        int *exclude, uint64_t missing_seq) {
    *exclude = 0;
    if (sdsEncodedObject(o) && sdsLen(o->ptr) > 1 &&
        ((char *)o->ptr)[0] == '(') {
        robj *t = createStringObject((char *)o->ptr + 1, sdsLen(o->ptr) - 1);
        int rc = streamParseStrictIDOrReply(c, t, id, missing_seq, NULL);
        decrRefCount(t);
        *exclude = 1;
        return rc;
    }
    return streamParseIDOrReply(c, o, id, missing_seq);
}

/* ------------------------------------------------------------------------
 * Nodes: reading and checking the listpack layout
 * --------------------------------------------------------------------- */

typedef struct nodeEntry {
    streamID id;
    int flags;
    size_t off;       /* offset of the flags element */
    uint64_t nfields;
} nodeEntry;

typedef struct nodeView {
    unsigned char *lp;
    streamID master;
    int64_t count, deleted, mfields;
    size_t mfields_off; /* offset of the first master field */
    nodeEntry *ents;    /* every entry, tombstones included */
    size_t n;
} nodeView;

/* The integer stored in element <p>, or 0 if it is not an integer. */
static int lpInt(unsigned char *p, int64_t *v) {
    unsigned int slen;
    long long ll;
    if (!p || lpGetValue(p, &slen, &ll) != NULL) return 0;
    *v = ll;
    return 1;
}

/* Reads node <lp> (master ID <master>) into <v>, checking its structure.
 * Returns C_OK, or C_ERR (nothing allocated) when it is malformed. */
static int nodeParse(unsigned char *lp, const streamID *master, nodeView *v) {
    memset(v, 0, sizeof(*v));
    v->lp = lp;
    v->master = *master;
    unsigned char *p = lpFirst(lp);
    if (!lpInt(p, &v->count) || v->count < 0) return C_ERR;
    p = lpNext(lp, p);
    if (!lpInt(p, &v->deleted) || v->deleted < 0) return C_ERR;
    p = lpNext(lp, p);
    if (!lpInt(p, &v->mfields) || v->mfields <= 0) return C_ERR;
    p = lpNext(lp, p);
    if (!p) return C_ERR;
    v->mfields_off = (size_t)(p - lp);
    for (int64_t i = 0; i < v->mfields; i++) {
        if (!p) return C_ERR;
        p = lpNext(lp, p);
    }
    int64_t zero;
    if (!lpInt(p, &zero) || zero != 0) return C_ERR;
    p = lpNext(lp, p);
    size_t cap = (size_t)(v->count + v->deleted);
    if (cap > lpBytes(lp)) return C_ERR;
    v->ents = zmalloc(sizeof(nodeEntry) * (cap ? cap : 1));
    int64_t live = 0, dead = 0;
    streamID last_live = {0, 0};
    while (p) {
        if (v->n == cap) goto bad;
        nodeEntry *e = &v->ents[v->n];
        int64_t flags, msd, seqd, nf;
        e->off = (size_t)(p - lp);
        if (!lpInt(p, &flags) || flags < 0 || flags > 3) goto bad;
        p = lpNext(lp, p);
        if (!lpInt(p, &msd)) goto bad;
        p = lpNext(lp, p);
        if (!lpInt(p, &seqd)) goto bad;
        p = lpNext(lp, p);
        e->flags = (int)flags;
        e->id.ms = master->ms + (uint64_t)msd;
        e->id.seq = master->seq + (uint64_t)seqd;
        int64_t elements;
        if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
            nf = v->mfields;
            elements = nf;
        } else {
            if (!lpInt(p, &nf) || nf <= 0 || nf > (int64_t)lpBytes(lp)) goto bad;
            p = lpNext(lp, p);
            elements = nf * 2;
        }
        for (int64_t i = 0; i < elements; i++) {
            if (!p) goto bad;
            p = lpNext(lp, p);
        }
        int64_t lpcount;
        int64_t expect = (flags & STREAM_ITEM_FLAG_SAMEFIELDS) ? nf + 3
                                                               : nf * 2 + 4;
        if (!lpInt(p, &lpcount) || lpcount != expect) goto bad;
        p = lpNext(lp, p);
        e->nfields = (uint64_t)nf;
        /* Live entries are in increasing ID order. Tombstones need not
         * be: XSETID may go below a deleted entry's ID (Redis 7.0 only
         * checks the last live one), and the next XADD then lands after
         * the tombstone in the same node. */
        if (flags & STREAM_ITEM_FLAG_DELETED) {
            dead++;
        } else {
            if (live && streamCompareID(&e->id, &last_live) <= 0) goto bad;
            last_live = e->id;
            live++;
        }
        v->n++;
    }
    if (live != v->count || dead != v->deleted) goto bad;
    return C_OK;
bad:
    zfree(v->ents);
    v->ents = NULL;
    return C_ERR;
}

static void nodeRelease(nodeView *v) {
    zfree(v->ents);
    v->ents = NULL;
}

/* Reads a node that this module wrote (or the loader checked). */
static void nodeLoad(const raxIter *ni, nodeView *v) {
    streamID master;
    streamDecodeID(ni->key, &master);
    int rc = nodeParse(ni->val, &master, v);
    serverAssert(rc == C_OK);
}

/* See stream.h. */
int streamValidateNode(unsigned char *lp, const streamID *master,
                       streamID *prev, int *has_prev, uint64_t *live) {
    nodeView v;
    if (nodeParse(lp, master, &v) != C_OK) return 0;
    /* A node may hold only tombstones: an exact MINID trim marks the live
     * entries of a node whose last entry is a tombstone above the
     * threshold, and Redis 7.0 keeps, dumps and loads such a node. */
    int ok = v.n > 0;
    for (size_t k = 0; ok && k < v.n; k++) {
        if (v.ents[k].flags & STREAM_ITEM_FLAG_DELETED) continue;
        if (*has_prev && streamCompareID(&v.ents[k].id, prev) <= 0) ok = 0;
        *prev = v.ents[k].id;
        *has_prev = 1;
    }
    if (ok) *live += (uint64_t)v.count;
    nodeRelease(&v);
    return ok;
}

/* Field/value walker over one entry of a node. */
typedef struct entryCursor {
    unsigned char *lp, *fp, *vp; /* fp: next master field (SAMEFIELDS) */
    int same;
    uint64_t left;
} entryCursor;

static void entryCursorInit(nodeView *v, nodeEntry *e, entryCursor *ec) {
    ec->lp = v->lp;
    ec->same = (e->flags & STREAM_ITEM_FLAG_SAMEFIELDS) != 0;
    ec->left = e->nfields;
    unsigned char *p = v->lp + e->off;
    p = lpNext(v->lp, p); /* ms */
    p = lpNext(v->lp, p); /* seq */
    p = lpNext(v->lp, p); /* num-fields or first value/field */
    if (!ec->same) p = lpNext(v->lp, p);
    ec->vp = p;
    ec->fp = ec->same ? v->lp + v->mfields_off : NULL;
}

/* Next field and value of the entry as elements of the listpack. */
static int entryCursorNext(entryCursor *ec, unsigned char **f,
                           unsigned char **val) {
    if (ec->left == 0) return 0;
    if (ec->same) {
        *f = ec->fp;
        *val = ec->vp;
        ec->fp = lpNext(ec->lp, ec->fp);
        ec->vp = lpNext(ec->lp, ec->vp);
    } else {
        *f = ec->vp;
        *val = lpNext(ec->lp, ec->vp);
        ec->vp = lpNext(ec->lp, *val);
    }
    ec->left--;
    return 1;
}

static void addReplyLpElement(client *c, unsigned char *p) {
    unsigned int slen;
    long long ll;
    unsigned char *s = lpGetValue(p, &slen, &ll);
    if (s)
        addReplyBulkCBuffer(c, s, slen);
    else
        addReplyBulkLongLong(c, ll);
}

/* Replies one entry as [id, [field, value, ...]]. */
static void addReplyNodeEntry(client *c, nodeView *v, nodeEntry *e) {
    addReplyArrayLen(c, 2);
    addReplyStreamID(c, &e->id);
    addReplyArrayLen(c, (long)(e->nfields * 2));
    entryCursor ec;
    unsigned char *f, *val;
    entryCursorInit(v, e, &ec);
    while (entryCursorNext(&ec, &f, &val)) {
        addReplyLpElement(c, f);
        addReplyLpElement(c, val);
    }
}

/* ------------------------------------------------------------------------
 * Range walks
 * --------------------------------------------------------------------- */

/* Calls <fn> for each live entry with start <= ID <= end, in ID order (or
 * reverse), until it returns 0. The stream must not change meanwhile. */
typedef int streamEntryFn(nodeView *v, nodeEntry *e, void *priv);

static void streamWalk(stream *s, const streamID *start, const streamID *end,
                       int rev, streamEntryFn *fn, void *priv) {
    if (streamCompareID(start, end) > 0 || raxSize(s->nodes) == 0) return;
    unsigned char key[STREAM_ID_LEN];
    raxIter ni;
    raxIterInit(&ni, s->nodes);
    if (!rev) {
        /* The node holding <start> is the last one whose master <= start. */
        streamEncodeID(key, start);
        int ok = raxIterSeekLE(&ni, key, STREAM_ID_LEN, 0);
        if (!ok) ok = raxIterFirst(&ni);
        for (; ok; ok = raxIterNext(&ni)) {
            nodeView v;
            nodeLoad(&ni, &v);
            if (streamCompareID(&v.master, end) > 0) {
                nodeRelease(&v);
                goto done;
            }
            for (size_t k = 0; k < v.n; k++) {
                nodeEntry *e = &v.ents[k];
                if (e->flags & STREAM_ITEM_FLAG_DELETED) continue;
                if (streamCompareID(&e->id, start) < 0) continue;
                if (streamCompareID(&e->id, end) > 0 || !fn(&v, e, priv)) {
                    nodeRelease(&v);
                    goto done;
                }
            }
            nodeRelease(&v);
        }
    } else {
        streamEncodeID(key, end);
        for (int ok = raxIterSeekLE(&ni, key, STREAM_ID_LEN, 0); ok;
             ok = raxIterPrev(&ni)) {
            nodeView v;
            nodeLoad(&ni, &v);
            for (size_t k = v.n; k > 0; k--) {
                nodeEntry *e = &v.ents[k - 1];
                if (e->flags & STREAM_ITEM_FLAG_DELETED) continue;
                if (streamCompareID(&e->id, end) > 0) continue;
                if (streamCompareID(&e->id, start) < 0 || !fn(&v, e, priv)) {
                    nodeRelease(&v);
                    goto done;
                }
            }
            nodeRelease(&v);
        }
    }
done:
    raxIterRelease(&ni);
}

static int streamFindFn(nodeView *v, nodeEntry *e, void *priv) {
    UNUSED(v);
    *(streamID *)priv = e->id;
    return 0;
}

/* The first (or with <last>, the last) live entry's ID into *<id>;
 * returns 0 (and 0-0) when the stream is empty. */
static int streamEdgeID(stream *s, int last, streamID *id) {
    streamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    id->ms = id->seq = 0;
    if (!s->length) return 0;
    streamWalk(s, &lo, &hi, last, streamFindFn, id);
    return 1;
}

/* The last live entry's ID, or 0-0 for an empty stream. */
static void streamLastValidID(stream *s, streamID *id) {
    streamEdgeID(s, 1, id);
}

static int streamExistsFn(nodeView *v, nodeEntry *e, void *priv) {
    UNUSED(v);
    UNUSED(e);
    *(int *)priv = 1;
    return 0;
}

static int streamEntryExists(stream *s, const streamID *id) {
    int found = 0;
    streamWalk(s, id, id, 0, streamExistsFn, &found);
    return found;
}

/* ------------------------------------------------------------------------
 * The value: creation, free, copy, size
 * --------------------------------------------------------------------- */

static stream *streamNew(void) {
    stream *s = zcalloc(sizeof(*s));
    s->nodes = raxNew();
    return s;
}

/* Creates an empty stream object. */
robj *createStreamObject(void) {
    robj *o = createObject(OBJ_STREAM, streamNew());
    o->encoding = OBJ_ENCODING_STREAM;
    return o;
}

/* Frees a NACK (the rax value callback of group PELs). */
void streamFreeNACK(void *nack) { zfree(nack); }

static void streamFreeConsumer(void *p) {
    streamConsumer *sc = p;
    raxFree(sc->pel, NULL); /* NACKs belong to the group */
    sdsFree(sc->name);
    zfree(sc);
}

static void streamFreeCG(void *p) {
    streamCG *cg = p;
    raxFree(cg->pel, streamFreeNACK);
    raxFree(cg->consumers, streamFreeConsumer);
    zfree(cg);
}

static void streamFreeNode(void *lp) { lpFree(lp); }

static void streamFree(stream *s) {
    raxFree(s->nodes, streamFreeNode);
    if (s->cgroups) raxFree(s->cgroups, streamFreeCG);
    zfree(s);
}

/* The free method of stream objects. */
void freeStreamObject(robj *o) { streamFree(o->ptr); }

/* See server.h. */
void streamFreeGroups(stream *s) {
    if (s->cgroups) raxFree(s->cgroups, streamFreeCG);
    s->cgroups = NULL;
}

/* Creates a NACK owned by <consumer> (may be NULL for XCLAIM FORCE), with
 * a delivery time of now and one delivery. */
streamNACK *streamCreateNACK(streamConsumer *consumer) {
    streamNACK *nack = zmalloc(sizeof(*nack));
    nack->delivery_time = commandTimeSnapshot();
    nack->delivery_count = 1;
    nack->consumer = consumer;
    return nack;
}

/* Adds group <name> to <s> with <id> as last delivered ID; NULL when it
 * exists already. */
streamCG *streamCreateCG(stream *s, const char *name, size_t len,
                         const streamID *id, long long entries_read) {
    if (!s->cgroups) s->cgroups = raxNew();
    if (raxFind(s->cgroups, name, len, NULL)) return NULL;
    streamCG *cg = zmalloc(sizeof(*cg));
    cg->pel = raxNew();
    cg->consumers = raxNew();
    cg->last_id = *id;
    cg->entries_read = entries_read;
    raxInsert(s->cgroups, name, len, cg);
    return cg;
}

/* Adds consumer <name> to <cg>; NULL when it exists already. */
streamConsumer *streamAddConsumer(streamCG *cg, const char *name, size_t len,
                                  long long seen_time) {
    if (raxFind(cg->consumers, name, len, NULL)) return NULL;
    streamConsumer *sc = zmalloc(sizeof(*sc));
    sc->name = sdsNewLen(name, len);
    sc->pel = raxNew();
    sc->seen_time = seen_time;
    raxInsert(cg->consumers, name, len, sc);
    return sc;
}

static streamCG *streamLookupCG(stream *s, sds name) {
    void *v;
    if (!s || !s->cgroups) return NULL;
    return raxFind(s->cgroups, name, sdsLen(name), &v) ? v : NULL;
}

static streamConsumer *streamLookupConsumer(streamCG *cg, sds name) {
    void *v;
    return raxFind(cg->consumers, name, sdsLen(name), &v) ? v : NULL;
}

static robj *streamDup(robj *o) {
    stream *s = o->ptr;
    robj *no = createStreamObject();
    stream *d = no->ptr;
    raxIter it;
    raxIterInit(&it, s->nodes);
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it))
        raxInsert(d->nodes, it.key, it.key_len, lpDup(it.val));
    d->length = s->length;
    d->last_id = s->last_id;
    d->first_id = s->first_id;
    d->max_deleted_entry_id = s->max_deleted_entry_id;
    d->entries_added = s->entries_added;
    if (!s->cgroups) {
        raxIterRelease(&it);
        return no;
    }
    raxIter pi;
    raxIterInit(&pi, NULL);
    for (int ok = raxIterFirst(raxIterRetarget(&it, s->cgroups)); ok;
         ok = raxIterNext(&it)) {
        streamCG *cg = it.val;
        streamCG *ncg = streamCreateCG(d, (char *)it.key, it.key_len,
                                       &cg->last_id, cg->entries_read);
        raxIterRetarget(&pi, cg->pel);
        for (int pk = raxIterFirst(&pi); pk; pk = raxIterNext(&pi)) {
            streamNACK *nack = pi.val, *nn = streamCreateNACK(NULL);
            nn->delivery_time = nack->delivery_time;
            nn->delivery_count = nack->delivery_count;
            raxInsert(ncg->pel, pi.key, pi.key_len, nn);
        }
        raxIter ci;
        raxIterInit(&ci, cg->consumers);
        for (int ck = raxIterFirst(&ci); ck; ck = raxIterNext(&ci)) {
            streamConsumer *sc = ci.val;
            streamConsumer *nc = streamAddConsumer(
                ncg, sc->name, sdsLen(sc->name), sc->seen_time);
            raxIterRetarget(&pi, sc->pel);
            for (int pk = raxIterFirst(&pi); pk; pk = raxIterNext(&pi)) {
                void *nn = NULL;
                raxFind(ncg->pel, pi.key, pi.key_len, &nn);
                ((streamNACK *)nn)->consumer = nc;
                raxInsert(nc->pel, pi.key, pi.key_len, nn);
            }
        }
        raxIterRelease(&ci);
    }
    raxIterRelease(&pi);
    raxIterRelease(&it);
    return no;
}

static size_t streamComputeSize(robj *o, size_t samples) {
    UNUSED(samples);
    stream *s = o->ptr;
    size_t size = sizeof(*o) + sizeof(*s) + raxAllocSize(s->nodes);
    raxIter it;
    raxIterInit(&it, s->nodes);
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it))
        size += lpBytes(it.val);
    if (s->cgroups) {
        size += raxAllocSize(s->cgroups);
        raxIterRetarget(&it, s->cgroups);
        for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it)) {
            streamCG *cg = it.val;
            size += sizeof(*cg) + raxAllocSize(cg->pel) +
                    raxSize(cg->pel) * sizeof(streamNACK) +
                    raxAllocSize(cg->consumers);
            raxIter ci;
            raxIterInit(&ci, cg->consumers);
            for (int ck = raxIterFirst(&ci); ck; ck = raxIterNext(&ci)) {
                streamConsumer *sc = ci.val;
                size += sizeof(*sc) + sdsAllocSize(sc->name) +
                        raxAllocSize(sc->pel);
            }
            raxIterRelease(&ci);
        }
    }
    raxIterRelease(&it);
    return size;
}

static const objectTypeMethods streamMethods = {freeStreamObject, streamDup,
                                                streamComputeSize};

/* ------------------------------------------------------------------------
 * Appending, deleting, trimming
 * --------------------------------------------------------------------- */

static unsigned char *lpAppendObject(unsigned char *lp, robj *o) {
    if (o->encoding == OBJ_ENCODING_INT)
        return lpAppendInteger(lp, (long)o->ptr);
    return lpAppend(lp, (unsigned char *)o->ptr, (uint32_t)sdsLen(o->ptr));
}

static size_t objLen(robj *o) {
    return o->encoding == OBJ_ENCODING_INT ? 20 : sdsLen(o->ptr);
}

/* 1 when <o> equals the listpack element <p> byte for byte. */
static int lpEqualsObject(unsigned char *p, robj *o) {
    robj *d = getDecodedObject(o);
    int eq = lpCompare(p, (unsigned char *)d->ptr, (uint32_t)sdsLen(d->ptr));
    decrRefCount(d);
    return eq;
}

/* Appends an entry of <numfields> field/value pairs (<argv>) to <s>.
 * The ID is <use_id> (complete, or "ms-*" when !seq_given) or generated
 * from the clock. On success stores the ID in *<added> and returns C_OK;
 * C_ERR with errno EDOM when the ID is not above the top one, ERANGE when
 * the elements are too large. */
static int streamAppendItem(stream *s, robj **argv, int64_t numfields,
                            streamID *added, streamID *use_id,
                            int seq_given) {
    streamID id;
    if (use_id) {
        if (seq_given) {
            id = *use_id;
        } else {
            if (s->last_id.ms == use_id->ms) {
                if (s->last_id.seq == UINT64_MAX) {
                    errno = EDOM;
                    return C_ERR;
                }
                id = s->last_id;
                id.seq++;
            } else {
                id.ms = use_id->ms;
                id.seq = 0;
            }
        }
    } else {
        uint64_t ms = (uint64_t)commandTimeSnapshot();
        if (ms > s->last_id.ms) {
            id.ms = ms;
            id.seq = 0;
        } else {
            id = s->last_id;
            if (streamIncrID(&id) != C_OK) {
                errno = EDOM;
                return C_ERR;
            }
        }
    }
    if (streamCompareID(&id, &s->last_id) <= 0) {
        errno = EDOM;
        return C_ERR;
    }
    size_t totlen = 0;
    for (int64_t i = 0; i < numfields * 2; i++) totlen += objLen(argv[i]);
    if (totlen > STREAM_LISTPACK_MAX_SIZE) {
        errno = ERANGE;
        return C_ERR;
    }

    /* The last node, if it has room. */
    unsigned char *lp = NULL;
    streamID master = {0, 0};
    unsigned char nkey[STREAM_ID_LEN];
    raxIter ni;
    raxIterInit(&ni, s->nodes);
    if (raxIterLast(&ni)) {
        lp = ni.val;
        memcpy(nkey, ni.key, STREAM_ID_LEN);
        streamDecodeID(ni.key, &master);
        size_t max_bytes = server.stream_node_max_bytes;
        if (max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE)
            max_bytes = STREAM_LISTPACK_MAX_SIZE;
        int64_t cnt = 0, del = 0;
        unsigned char *p = lpFirst(lp);
        lpInt(p, &cnt);
        lpInt(lpNext(lp, p), &del);
        if (lpBytes(lp) + totlen >= max_bytes)
            lp = NULL;
        else if (server.stream_node_max_entries &&
                 cnt + del >= server.stream_node_max_entries)
            lp = NULL;
    }

    int flags = STREAM_ITEM_FLAG_NONE;
    if (lp == NULL) {
        master = id;
        lp = lpNew(0);
        lp = lpAppendInteger(lp, 1); /* count */
        lp = lpAppendInteger(lp, 0); /* deleted */
        lp = lpAppendInteger(lp, numfields);
        for (int64_t i = 0; i < numfields; i++)
            lp = lpAppendObject(lp, argv[i * 2]);
        lp = lpAppendInteger(lp, 0); /* master entry terminator */
        streamEncodeID(nkey, &id);
        if (!raxInsert(s->nodes, nkey, STREAM_ID_LEN, lp)) {
            /* A node keyed by this very ID exists: it holds tombstones
             * only (an exact MINID trim kept it, and XSETID then went
             * below it). The new node takes its key, as in Redis 7.0;
             * its listpack is freed rather than leaked. */
            void *old = NULL;
            raxFind(s->nodes, nkey, STREAM_ID_LEN, &old);
            int64_t live = 0;
            lpInt(lpFirst(old), &live);
            s->length -= (uint64_t)live;
            lpFree(old);
            raxReplace(s->nodes, nkey, STREAM_ID_LEN, lp);
        }
        flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
    } else {
        unsigned char *p = lpFirst(lp);
        int64_t cnt = 0, mf = 0;
        lpInt(p, &cnt);
        lp = lpReplaceInteger(lp, &p, cnt + 1);
        p = lpNext(lp, p); /* deleted */
        p = lpNext(lp, p); /* master field count */
        lpInt(p, &mf);
        if (mf == numfields) {
            int same = 1;
            p = lpNext(lp, p);
            for (int64_t i = 0; i < numfields; i++) {
                if (!lpEqualsObject(p, argv[i * 2])) {
                    same = 0;
                    break;
                }
                p = lpNext(lp, p);
            }
            if (same) flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
        }
    }
    lp = lpAppendInteger(lp, flags);
    lp = lpAppendInteger(lp, (long long)(id.ms - master.ms));
    lp = lpAppendInteger(lp, (long long)(id.seq - master.seq));
    if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS))
        lp = lpAppendInteger(lp, numfields);
    for (int64_t i = 0; i < numfields; i++) {
        if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS))
            lp = lpAppendObject(lp, argv[i * 2]);
        lp = lpAppendObject(lp, argv[i * 2 + 1]);
    }
    lp = lpAppendInteger(lp, (flags & STREAM_ITEM_FLAG_SAMEFIELDS)
                                 ? numfields + 3
                                 : numfields * 2 + 4);
    raxReplace(s->nodes, nkey, STREAM_ID_LEN, lp);
    raxIterRelease(&ni);
    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    if (added) *added = id;
    return C_OK;
}

/* Marks entry <e> of the node of view <v> deleted, dropping the node
 * when it was its last live entry. <v> is stale afterwards, and so are
 * the iterators of the stream's nodes. */
static void streamNodeDeleteEntry(stream *s, nodeView *v, nodeEntry *e) {
    unsigned char *lp = v->lp;
    unsigned char key[STREAM_ID_LEN];
    streamEncodeID(key, &v->master);
    if (v->count == 1) {
        lpFree(lp);
        raxRemove(s->nodes, key, STREAM_ID_LEN, NULL);
    } else {
        unsigned char *p = lp + e->off;
        lp = lpReplaceInteger(lp, &p, e->flags | STREAM_ITEM_FLAG_DELETED);
        p = lpFirst(lp);
        lp = lpReplaceInteger(lp, &p, v->count - 1);
        p = lpNext(lp, p);
        lp = lpReplaceInteger(lp, &p, v->deleted + 1);
        raxReplace(s->nodes, key, STREAM_ID_LEN, lp);
    }
    s->length--;
}

/* Deletes entry <id>; 1 if it existed. */
static int streamDeleteItem(stream *s, const streamID *id) {
    unsigned char key[STREAM_ID_LEN];
    streamEncodeID(key, id);
    raxIter ni;
    raxIterInit(&ni, s->nodes);
    int ok = raxIterSeekLE(&ni, key, STREAM_ID_LEN, 0);
    if (!ok) {
        raxIterRelease(&ni);
        return 0;
    }
    nodeView v;
    nodeLoad(&ni, &v);
    raxIterRelease(&ni);
    int found = 0;
    for (size_t k = 0; k < v.n; k++) {
        nodeEntry *e = &v.ents[k];
        if (streamCompareID(&e->id, id) != 0) continue;
        if (!(e->flags & STREAM_ITEM_FLAG_DELETED)) {
            streamNodeDeleteEntry(s, &v, e);
            found = 1;
        }
        break;
    }
    nodeRelease(&v);
    return found;
}

typedef struct streamTrimArgs {
    int strategy;        /* STREAM_TRIM_STRATEGY_* */
    int arg_idx;         /* argv index of the threshold */
    long long maxlen;
    streamID minid;
    int approx;
    long long limit;     /* 0: none */
    int id_given, seq_given, no_mkstream;
    streamID id;
} streamTrimArgs;

/* Trims <s> as <args> says, whole nodes first; an approximate trim stops
 * at the first node it cannot drop whole. Returns the entries removed. */
static long long streamTrim(stream *s, streamTrimArgs *args) {
    if (args->strategy == STREAM_TRIM_STRATEGY_NONE) return 0;
    long long deleted = 0;
    raxIter ni;
    raxIterInit(&ni, s->nodes);
    while (raxIterFirst(&ni)) {
        if (args->strategy == STREAM_TRIM_STRATEGY_MAXLEN &&
            s->length <= (uint64_t)args->maxlen)
            break;
        nodeView v;
        nodeLoad(&ni, &v);
        int64_t entries = v.count;
        if (args->limit && deleted + entries > args->limit) {
            nodeRelease(&v);
            break;
        }
        int remove_node;
        if (args->strategy == STREAM_TRIM_STRATEGY_MAXLEN)
            remove_node = s->length - (uint64_t)entries >= (uint64_t)args->maxlen;
        else
            remove_node = streamCompareID(&v.ents[v.n - 1].id, &args->minid) < 0;
        if (remove_node) {
            unsigned char key[STREAM_ID_LEN];
            memcpy(key, ni.key, STREAM_ID_LEN);
            lpFree(v.lp);
            nodeRelease(&v);
            raxRemove(s->nodes, key, STREAM_ID_LEN, NULL);
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (args->approx) {
            nodeRelease(&v);
            break;
        }
        /* Tombstone entries of this node one by one. */
        unsigned char *lp = v.lp;
        int64_t marked = 0;
        for (size_t k = 0; k < v.n; k++) {
            nodeEntry *e = &v.ents[k];
            int stop = args->strategy == STREAM_TRIM_STRATEGY_MAXLEN
                           ? s->length <= (uint64_t)args->maxlen
                           : streamCompareID(&e->id, &args->minid) >= 0;
            if (stop) break;
            if (e->flags & STREAM_ITEM_FLAG_DELETED) continue;
            unsigned char *p = lp + e->off;
            lp = lpReplaceInteger(lp, &p, e->flags | STREAM_ITEM_FLAG_DELETED);
            marked++;
            s->length--;
        }
        unsigned char *p = lpFirst(lp);
        lp = lpReplaceInteger(lp, &p, v.count - marked);
        p = lpNext(lp, p);
        lp = lpReplaceInteger(lp, &p, v.deleted + marked);
        raxIterSetValue(&ni, lp);
        deleted += marked;
        nodeRelease(&v);
        break;
    }
    raxIterRelease(&ni);
    if (s->length == 0)
        s->first_id.ms = s->first_id.seq = 0;
    else
        streamEdgeID(s, 0, &s->first_id);
    return deleted;
}

/* ------------------------------------------------------------------------
 * Lag and entries-read (Redis 7.0's rules)
 * --------------------------------------------------------------------- */

/* 1 when a tombstone may lie in [start, +inf). */
static int streamRangeHasTombstones(stream *s, const streamID *start) {
    if (!s->length || streamIDIsZero(&s->max_deleted_entry_id)) return 0;
    if (streamCompareID(&s->first_id, &s->max_deleted_entry_id) > 0) return 0;
    streamID st = start ? *start : (streamID){0, 0};
    return streamCompareID(&st, &s->max_deleted_entry_id) <= 0;
}

/* The logical read counter of <id> (its distance from the first entry
 * ever added), or SCG_INVALID_ENTRIES_READ when it cannot be known. */
static long long streamEstimateDistanceFromFirstEverEntry(stream *s,
                                                          const streamID *id) {
    if (!s->entries_added) return 0;
    if (!s->length && streamCompareID(id, &s->last_id) < 1)
        return (long long)s->entries_added;
    int cmp_last = streamCompareID(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return SCG_INVALID_ENTRIES_READ;
    int cmp_first = streamCompareID(id, &s->first_id);
    if (streamIDIsZero(&s->max_deleted_entry_id) ||
        streamCompareID(&s->max_deleted_entry_id, &s->first_id) < 0) {
        if (cmp_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_first == 0)
            return (long long)(s->entries_added - s->length + 1);
    }
    return SCG_INVALID_ENTRIES_READ;
}

static void addReplyGroupLag(client *c, stream *s, streamCG *cg) {
    long long lag = 0;
    int valid = 0;
    if (!s->entries_added) {
        valid = 1;
    } else if (cg->entries_read != SCG_INVALID_ENTRIES_READ &&
               !streamRangeHasTombstones(s, &cg->last_id)) {
        lag = (long long)s->entries_added - cg->entries_read;
        valid = 1;
    } else {
        long long er = streamEstimateDistanceFromFirstEverEntry(s, &cg->last_id);
        if (er != SCG_INVALID_ENTRIES_READ) {
            lag = (long long)s->entries_added - er;
            valid = 1;
        }
    }
    if (valid)
        addReplyLongLong(c, lag);
    else
        addReplyNull(c);
}

/* See stream.h. */
int streamGetEdgeID(stream *s, int last, streamID *id) {
    return streamEdgeID(s, last, id);
}

/* See stream.h. */
long long streamEstimateDistance(stream *s, const streamID *id) {
    return streamEstimateDistanceFromFirstEverEntry(s, id);
}

/* ------------------------------------------------------------------------
 * Propagation helpers
 * --------------------------------------------------------------------- */

/* XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE
 * JUSTID LASTID <group last id>: how a delivery or claim replays. */
static void streamPropagateXCLAIM(int dbid, robj *key, streamCG *group,
                                  robj *groupname, robj *id, streamNACK *nack) {
    robj *argv[14];
    argv[0] = shared.xclaim;
    argv[1] = key;
    argv[2] = groupname;
    argv[3] = createStringObject(nack->consumer->name,
                                 sdsLen(nack->consumer->name));
    argv[4] = shared.integers[0];
    argv[5] = id;
    argv[6] = shared.time;
    argv[7] = createStringObjectFromLongLong(nack->delivery_time);
    argv[8] = shared.retrycount;
    argv[9] = createStringObjectFromLongLong((long long)nack->delivery_count);
    argv[10] = shared.force;
    argv[11] = shared.justid;
    argv[12] = shared.lastid;
    argv[13] = createObjectFromStreamID(&group->last_id);
    alsoPropagate(dbid, argv, 14, PROPAGATE_AOF | PROPAGATE_REPL);
    decrRefCount(argv[3]);
    decrRefCount(argv[7]);
    decrRefCount(argv[9]);
    decrRefCount(argv[13]);
}

/* XGROUP SETID <key> <group> <last id> ENTRIESREAD <n>. */
static void streamPropagateGroupID(int dbid, robj *key, streamCG *group,
                                   robj *groupname) {
    robj *argv[7];
    argv[0] = shared.xgroup;
    argv[1] = shared.setid;
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = createObjectFromStreamID(&group->last_id);
    argv[5] = shared.entriesread;
    argv[6] = createStringObjectFromLongLong(group->entries_read);
    alsoPropagate(dbid, argv, 7, PROPAGATE_AOF | PROPAGATE_REPL);
    decrRefCount(argv[4]);
    decrRefCount(argv[6]);
}

/* XGROUP CREATECONSUMER <key> <group> <consumer>. */
static void streamPropagateConsumerCreation(int dbid, robj *key,
                                            robj *groupname, sds name) {
    robj *argv[5];
    argv[0] = shared.xgroup;
    argv[1] = shared.createconsumer;
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = createStringObject(name, sdsLen(name));
    alsoPropagate(dbid, argv, 5, PROPAGATE_AOF | PROPAGATE_REPL);
    decrRefCount(argv[4]);
}

/* Looks up consumer <name> of <cg>, creating it (with the keyspace event
 * and a dirty bump) when missing; *created tells which. */
static streamConsumer *streamLookupOrCreateConsumer(streamCG *cg, sds name,
                                                    robj *key, int dbid,
                                                    int *created) {
    streamConsumer *sc = streamLookupConsumer(cg, name);
    if (created) *created = 0;
    if (sc) return sc;
    sc = streamAddConsumer(cg, name, sdsLen(name), commandTimeSnapshot());
    notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-createconsumer", key, dbid);
    server.dirty++;
    if (created) *created = 1;
    return sc;
}

/* ------------------------------------------------------------------------
 * Replying ranges (XRANGE, XREAD, XREADGROUP, XCLAIM)
 * --------------------------------------------------------------------- */

typedef struct rangeCtx {
    client *c;
    stream *s;
    long long count;    /* 0: no limit */
    long long emitted;
    streamCG *group;
    streamConsumer *consumer;
    int flags;
    robj *key, *groupname; /* for propagation, when group */
    int dbid;
} rangeCtx;

static int rangeReplyFn(nodeView *v, nodeEntry *e, void *priv) {
    rangeCtx *rc = priv;
    addReplyNodeEntry(rc->c, v, e);
    rc->emitted++;
    streamCG *group = rc->group;
    if (group && streamCompareID(&e->id, &group->last_id) > 0) {
        if (group->entries_read != SCG_INVALID_ENTRIES_READ &&
            !streamRangeHasTombstones(rc->s, &e->id))
            group->entries_read++;
        else if (rc->s->entries_added)
            group->entries_read =
                streamEstimateDistanceFromFirstEverEntry(rc->s, &e->id);
        group->last_id = e->id;
    }
    if (group && !(rc->flags & STREAM_RWR_NOACK)) {
        unsigned char buf[STREAM_ID_LEN];
        streamEncodeID(buf, &e->id);
        void *old = NULL;
        streamNACK *nack;
        if (raxFind(group->pel, buf, STREAM_ID_LEN, &old)) {
            nack = old;
            if (nack->consumer)
                raxRemove(nack->consumer->pel, buf, STREAM_ID_LEN, NULL);
            nack->consumer = rc->consumer;
            nack->delivery_time = commandTimeSnapshot();
            nack->delivery_count = 1;
            raxInsert(rc->consumer->pel, buf, STREAM_ID_LEN, nack);
        } else {
            nack = streamCreateNACK(rc->consumer);
            raxInsert(group->pel, buf, STREAM_ID_LEN, nack);
            raxInsert(rc->consumer->pel, buf, STREAM_ID_LEN, nack);
        }
        robj *idarg = createObjectFromStreamID(&e->id);
        streamPropagateXCLAIM(rc->dbid, rc->key, group, rc->groupname, idarg,
                              nack);
        decrRefCount(idarg);
    }
    return !(rc->count && rc->emitted == rc->count);
}

/* Replies the live entries of <s> in [start, end] (end NULL: to the top),
 * at most <count> (0: all), newest first with <rev>. With a group, entries
 * become pending for <consumer> (unless NOACK) and the group's last ID and
 * read counter advance; each delivery propagates as XCLAIM and the group
 * ID as XGROUP SETID. With STREAM_RWR_RAWENTRIES no array header is
 * emitted. Returns the number of entries replied. */
static long long streamReplyWithRange(client *c, stream *s, streamID *start,
                                      streamID *end, long long count, int rev,
                                      streamCG *group, streamConsumer *consumer,
                                      int flags, robj *key, robj *groupname,
                                      int dbid) {
    streamID top = {UINT64_MAX, UINT64_MAX};
    void *deferred = NULL;
    if (!(flags & STREAM_RWR_RAWENTRIES)) deferred = addReplyDeferredLen(c);
    rangeCtx rc = {c, s, count, 0, group, consumer, flags, key, groupname, dbid};
    streamID last_before = group ? group->last_id : top;
    streamWalk(s, start, end ? end : &top, rev, rangeReplyFn, &rc);
    /* Deliveries replay as XCLAIM (which moves the group's last ID); only
     * NOACK reads, which claim nothing, propagate the group position, as
     * in Redis 7.0. */
    if (group && (flags & STREAM_RWR_NOACK) &&
        streamCompareID(&group->last_id, &last_before) != 0)
        streamPropagateGroupID(dbid, key, group, groupname);
    if (deferred) setDeferredArrayLen(c, deferred, rc.emitted);
    return rc.emitted;
}

static int rawEntryFn(nodeView *v, nodeEntry *e, void *priv) {
    addReplyNodeEntry(priv, v, e);
    return 0;
}

/* Replies entry <id> as [id, fields]; 0 when it does not exist. */
static int addReplyEntryByID(client *c, stream *s, const streamID *id) {
    if (!streamEntryExists(s, id)) return 0;
    streamWalk(s, id, id, 0, rawEntryFn, c);
    return 1;
}

/* XREADGROUP with an explicit ID: the consumer's own pending entries
 * above <start>, deleted ones as [id, nil]. Each re-delivery counts. */
static void streamReplyFromConsumerPEL(client *c, stream *s, streamID *start,
                                       long long count,
                                       streamConsumer *consumer) {
    unsigned char buf[STREAM_ID_LEN];
    streamEncodeID(buf, start);
    raxIter pi;
    raxIterInit(&pi, consumer->pel);
    long long emitted = 0;
    void *deferred = addReplyDeferredLen(c);
    for (int ok = raxIterSeekGE(&pi, buf, STREAM_ID_LEN, 0);
         ok && (!count || emitted < count); ok = raxIterNext(&pi)) {
        streamID id;
        streamDecodeID(pi.key, &id);
        if (!addReplyEntryByID(c, s, &id)) {
            addReplyArrayLen(c, 2);
            addReplyStreamID(c, &id);
            addReplyNullArray(c);
        } else {
            streamNACK *nack = pi.val;
            nack->delivery_time = commandTimeSnapshot();
            nack->delivery_count++;
        }
        emitted++;
    }
    raxIterRelease(&pi);
    setDeferredArrayLen(c, deferred, emitted);
}

/* ------------------------------------------------------------------------
 * XADD / XTRIM argument parsing
 * --------------------------------------------------------------------- */

/* Parses the options of XADD (<xadd>) or XTRIM from argv[2]. Returns the
 * argv index of the ID (XADD) or of the end, or -1 after replying. */
static int streamParseAddOrTrimArgsOrReply(client *c, streamTrimArgs *args,
                                           int xadd) {
    int i = 2, limit_given = 0;
    memset(args, 0, sizeof(*args));
    for (; i < c->argc; i++) {
        int moreargs = (c->argc - 1) - i;
        char *opt = c->argv[i]->ptr;
        if (xadd && opt[0] == '*' && opt[1] == '\0') {
            break;
        } else if (!strcasecmp(opt, "maxlen") && moreargs) {
            if (args->strategy != STREAM_TRIM_STRATEGY_NONE) {
                addReplyError(c, "syntax error, MAXLEN and MINID options at "
                                 "the same time are not compatible");
                return -1;
            }
            args->approx = 0;
            char *next = c->argv[i + 1]->ptr;
            if (moreargs >= 2 && next[0] == '~' && next[1] == '\0') {
                args->approx = 1;
                i++;
            } else if (moreargs >= 2 && next[0] == '=' && next[1] == '\0') {
                i++;
            }
            if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &args->maxlen,
                                             NULL) != C_OK)
                return -1;
            if (args->maxlen < 0) {
                addReplyError(c, "The MAXLEN argument must be >= 0.");
                return -1;
            }
            i++;
            args->strategy = STREAM_TRIM_STRATEGY_MAXLEN;
            args->arg_idx = i;
        } else if (!strcasecmp(opt, "minid") && moreargs) {
            if (args->strategy != STREAM_TRIM_STRATEGY_NONE) {
                addReplyError(c, "syntax error, MAXLEN and MINID options at "
                                 "the same time are not compatible");
                return -1;
            }
            args->approx = 0;
            char *next = c->argv[i + 1]->ptr;
            if (moreargs >= 2 && next[0] == '~' && next[1] == '\0') {
                args->approx = 1;
                i++;
            } else if (moreargs >= 2 && next[0] == '=' && next[1] == '\0') {
                i++;
            }
            if (streamParseStrictIDOrReply(c, c->argv[i + 1], &args->minid, 0,
                                           NULL) != C_OK)
                return -1;
            i++;
            args->strategy = STREAM_TRIM_STRATEGY_MINID;
            args->arg_idx = i;
        } else if (!strcasecmp(opt, "limit") && moreargs) {
            if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &args->limit,
                                             NULL) != C_OK)
                return -1;
            if (args->limit < 0) {
                addReplyError(c, "The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = 1;
            i++;
        } else if (xadd && !strcasecmp(opt, "nomkstream")) {
            args->no_mkstream = 1;
        } else if (xadd) {
            if (streamParseStrictIDOrReply(c, c->argv[i], &args->id, 0,
                                           &args->seq_given) != C_OK)
                return -1;
            args->id_given = 1;
            break;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return -1;
        }
    }
    if (args->limit && args->strategy == STREAM_TRIM_STRATEGY_NONE) {
        addReplyError(c, "syntax error, LIMIT cannot be used without "
                         "specifying a trimming strategy");
        return -1;
    }
    if (!xadd && args->strategy == STREAM_TRIM_STRATEGY_NONE) {
        addReplyError(c, "syntax error, XTRIM must be called with a trimming "
                         "strategy");
        return -1;
    }
    if (mustObeyClient(c)) {
        args->limit = 0;
    } else if (limit_given) {
        if (!args->approx) {
            addReplyError(c, "syntax error, LIMIT cannot be used without the "
                             "special ~ option");
            return -1;
        }
    } else if (args->approx) {
        args->limit = 100 * server.stream_node_max_entries;
        if (args->limit <= 0 || args->limit > 1000000) args->limit = 10000;
    } else {
        args->limit = 0;
    }
    return i;
}

/* After an approximate trim, argv says "=" and the resulting threshold so
 * that AOF replay and replicas trim exactly the same entries. */
static void streamRewriteTrim(client *c, stream *s, streamTrimArgs *args) {
    rewriteClientCommandArgument(c, args->arg_idx - 1, shared.special_equals);
    robj *arg;
    if (args->strategy == STREAM_TRIM_STRATEGY_MAXLEN)
        arg = createStringObjectFromLongLong((long long)s->length);
    else
        arg = createObjectFromStreamID(&s->first_id);
    rewriteClientCommandArgument(c, args->arg_idx, arg);
    decrRefCount(arg);
}

/* ------------------------------------------------------------------------
 * XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID
 * --------------------------------------------------------------------- */

/* XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]]
 *      *|id field value [field value ...] */
void xaddCommand(client *c) {
    streamTrimArgs args;
    int field_pos = streamParseAddOrTrimArgsOrReply(c, &args, 1);
    if (field_pos < 0) return;
    field_pos++;
    if (c->argc - field_pos < 2 || (c->argc - field_pos) % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    if (args.id_given && args.seq_given && args.id.ms == 0 &&
        args.id.seq == 0) {
        addReplyError(c, "The ID specified in XADD must be greater than 0-0");
        return;
    }
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_STREAM)) return;
    if (!o) {
        if (args.no_mkstream) {
            addReplyNull(c);
            return;
        }
        o = createStreamObject();
        dbAdd(c->db, c->argv[1], o);
    }
    stream *s = o->ptr;
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        addReplyError(c, "The stream has exhausted the last possible ID, "
                         "unable to add more items");
        return;
    }
    streamID id;
    if (streamAppendItem(s, c->argv + field_pos, (c->argc - field_pos) / 2,
                         &id, args.id_given ? &args.id : NULL,
                         args.seq_given) != C_OK) {
        if (errno == EDOM)
            addReplyError(c, "The ID specified in XADD is equal or smaller "
                             "than the target stream top item");
        else
            addReplyError(c, "Elements are too large to be stored");
        return;
    }
    addReplyStreamID(c, &id);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STREAM, "xadd", c->argv[1], c->db->id);
    server.dirty++;
    if (args.strategy != STREAM_TRIM_STRATEGY_NONE) {
        if (streamTrim(s, &args))
            notifyKeyspaceEvent(NOTIFY_STREAM, "xtrim", c->argv[1], c->db->id);
        if (args.approx) streamRewriteTrim(c, s, &args);
    }
    if (!args.id_given || !args.seq_given) {
        robj *idarg = createObjectFromStreamID(&id);
        rewriteClientCommandArgument(c, field_pos - 1, idarg);
        decrRefCount(idarg);
    }
    signalKeyAsReady(c->db, c->argv[1], OBJ_STREAM);
}

static void xrangeGenericCommand(client *c, int rev) {
    robj *startarg = rev ? c->argv[3] : c->argv[2];
    robj *endarg = rev ? c->argv[2] : c->argv[3];
    streamID startid, endid;
    int startex, endex;
    long long count = -1;
    if (streamParseIntervalIDOrReply(c, startarg, &startid, &startex, 0) !=
        C_OK)
        return;
    if (startex && streamIncrID(&startid) != C_OK) {
        addReplyError(c, "invalid start ID for the interval");
        return;
    }
    if (streamParseIntervalIDOrReply(c, endarg, &endid, &endex, UINT64_MAX) !=
        C_OK)
        return;
    if (endex && streamDecrID(&endid) != C_OK) {
        addReplyError(c, "invalid end ID for the interval");
        return;
    }
    for (int j = 4; j < c->argc; j++) {
        int additional = c->argc - j - 1;
        if (!strcasecmp(c->argv[j]->ptr, "COUNT") && additional >= 1) {
            if (getLongLongFromObjectOrReply(c, c->argv[j + 1], &count, NULL) !=
                C_OK)
                return;
            if (count < 0) count = 0;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    if (count == 0) {
        addReplyNullArray(c);
        return;
    }
    if (count == -1) count = 0;
    streamReplyWithRange(c, o->ptr, &startid, &endid, count, rev, NULL, NULL,
                         0, NULL, NULL, c->db->id);
}

/* XRANGE key start end [COUNT count] */
void xrangeCommand(client *c) { xrangeGenericCommand(c, 0); }

/* XREVRANGE key end start [COUNT count] */
void xrevrangeCommand(client *c) { xrangeGenericCommand(c, 1); }

/* XLEN key */
void xlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    addReplyLongLong(c, (long long)((stream *)o->ptr)->length);
}

/* XDEL key id [id ...] */
void xdelCommand(client *c) {
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    streamID *ids = zmalloc(sizeof(streamID) * (size_t)(c->argc - 2));
    for (int j = 2; j < c->argc; j++) {
        if (streamParseStrictIDOrReply(c, c->argv[j], &ids[j - 2], 0, NULL) !=
            C_OK) {
            zfree(ids);
            return;
        }
    }
    long long deleted = 0;
    int first_entry = 0;
    for (int j = 2; j < c->argc; j++) {
        streamID *id = &ids[j - 2];
        if (streamDeleteItem(s, id)) {
            if (streamCompareID(id, &s->first_id) == 0) first_entry = 1;
            if (streamCompareID(id, &s->max_deleted_entry_id) > 0)
                s->max_deleted_entry_id = *id;
            deleted++;
        }
    }
    zfree(ids);
    if (deleted) {
        if (s->length == 0)
            s->first_id.ms = s->first_id.seq = 0;
        else if (first_entry)
            streamEdgeID(s, 0, &s->first_id);
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_STREAM, "xdel", c->argv[1], c->db->id);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

/* XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
void xtrimCommand(client *c) {
    streamTrimArgs args;
    if (streamParseAddOrTrimArgsOrReply(c, &args, 0) < 0) return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    long long deleted = streamTrim(s, &args);
    if (deleted) {
        notifyKeyspaceEvent(NOTIFY_STREAM, "xtrim", c->argv[1], c->db->id);
        if (args.approx) streamRewriteTrim(c, s, &args);
        signalModifiedKey(c, c->db, c->argv[1]);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

/* XSETID key last-id [ENTRIESADDED entries-added]
 *        [MAXDELETEDID max-deleted-id] */
void xsetidCommand(client *c) {
    streamID id, max_xdel_id = {0, 0};
    long long entries_added = -1;
    if (streamParseStrictIDOrReply(c, c->argv[2], &id, 0, NULL) != C_OK)
        return;
    int i = 3;
    while (i < c->argc) {
        int moreargs = (c->argc - 1) - i;
        char *opt = c->argv[i]->ptr;
        if (!strcasecmp(opt, "ENTRIESADDED") && moreargs) {
            if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &entries_added,
                                             NULL) != C_OK)
                return;
            if (entries_added < 0) {
                addReplyError(c, "entries_added must be positive");
                return;
            }
            i += 2;
        } else if (!strcasecmp(opt, "MAXDELETEDID") && moreargs) {
            if (streamParseStrictIDOrReply(c, c->argv[i + 1], &max_xdel_id, 0,
                                           NULL) != C_OK)
                return;
            if (streamCompareID(&id, &max_xdel_id) < 0) {
                addReplyError(c, "The ID specified in XSETID is smaller than "
                                 "the provided max_deleted_entry_id");
                return;
            }
            i += 2;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.nokeyerr);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    if (s->length > 0) {
        streamID maxid;
        streamLastValidID(s, &maxid);
        if (streamCompareID(&id, &maxid) < 0) {
            addReplyError(c, "The ID specified in XSETID is smaller than the "
                             "target stream top item");
            return;
        }
        if (entries_added != -1 && s->length > (uint64_t)entries_added) {
            addReplyError(c, "The entries_added specified in XSETID is "
                             "smaller than the target stream length");
            return;
        }
    }
    s->last_id = id;
    if (entries_added != -1) s->entries_added = (uint64_t)entries_added;
    if (!streamIDIsZero(&max_xdel_id)) s->max_deleted_entry_id = max_xdel_id;
    addReply(c, shared.ok);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STREAM, "xsetid", c->argv[1], c->db->id);
    server.dirty++;
}

/* ------------------------------------------------------------------------
 * XREAD / XREADGROUP and blocking
 * --------------------------------------------------------------------- */

/* What a client blocked in XREAD/XREADGROUP waits for (c->bpop.priv). */
typedef struct streamBlock {
    int numkeys;
    robj **keys;
    streamID *ids;      /* serve entries above these (XREAD) */
    long long count;
    robj *group, *consumer; /* XREADGROUP */
    int noack;
} streamBlock;

static void streamBlockFree(client *c) {
    streamBlock *sb = c->bpop.priv;
    if (!sb) return;
    for (int i = 0; i < sb->numkeys; i++) decrRefCount(sb->keys[i]);
    zfree(sb->keys);
    zfree(sb->ids);
    if (sb->group) decrRefCount(sb->group);
    if (sb->consumer) decrRefCount(sb->consumer);
    zfree(sb);
    c->bpop.priv = NULL;
}

/* Parses a BLOCK argument (milliseconds) into an absolute ms deadline (0
 * forever), with Redis's error texts. */
static int streamGetTimeoutOrReply(client *c, robj *arg, long long *timeout) {
    long long tval;
    if (getLongLongFromObjectOrReply(c, arg, &tval,
                                     "timeout is not an integer or out of "
                                     "range") != C_OK)
        return C_ERR;
    if (tval < 0) {
        addReplyError(c, "timeout is negative");
        return C_ERR;
    }
    if (tval > 0) {
        long long now = mstime();
        tval = tval > LLONG_MAX - now ? 0 : tval + now;
    }
    *timeout = tval;
    return C_OK;
}

static void xreadGenericCommand(client *c, int xreadgroup) {
    long long timeout = -1, count = 0;
    int streams_arg = 0, streams_count = 0, noack = 0;
    robj *groupname = NULL, *consumername = NULL;
    for (int i = 1; i < c->argc; i++) {
        int moreargs = c->argc - i - 1;
        char *o = c->argv[i]->ptr;
        if (!strcasecmp(o, "BLOCK") && moreargs) {
            i++;
            if (streamGetTimeoutOrReply(c, c->argv[i], &timeout) != C_OK)
                return;
        } else if (!strcasecmp(o, "COUNT") && moreargs) {
            i++;
            if (getLongLongFromObjectOrReply(c, c->argv[i], &count, NULL) !=
                C_OK)
                return;
            if (count < 0) count = 0;
        } else if (!strcasecmp(o, "STREAMS") && moreargs) {
            streams_arg = i + 1;
            streams_count = c->argc - streams_arg;
            if (streams_count % 2 != 0) {
                /* Redis 7.0 names XREAD here for both commands. */
                addReplyError(c, "Unbalanced XREAD list of streams: for each "
                                 "stream key an ID or '$' must be "
                                 "specified.");
                return;
            }
            streams_count /= 2;
            break;
        } else if (!strcasecmp(o, "GROUP") && moreargs >= 2) {
            if (!xreadgroup) {
                addReplyError(c, "The GROUP option is only supported by "
                                 "XREADGROUP. You called XREAD instead.");
                return;
            }
            groupname = c->argv[i + 1];
            consumername = c->argv[i + 2];
            i += 2;
        } else if (!strcasecmp(o, "NOACK")) {
            if (!xreadgroup) {
                addReplyError(c, "The NOACK option is only supported by "
                                 "XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (streams_arg == 0) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (xreadgroup && groupname == NULL) {
        addReplyError(c, "Missing GROUP option for XREADGROUP");
        return;
    }

    streamID *ids = zmalloc(sizeof(streamID) * (size_t)streams_count);
    streamCG **groups = NULL;
    if (groupname) groups = zcalloc(sizeof(streamCG *) * (size_t)streams_count);
    for (int i = streams_arg + streams_count; i < c->argc; i++) {
        int idx = i - streams_arg - streams_count;
        robj *key = c->argv[i - streams_count];
        robj *o = lookupKeyRead(c->db, key);
        if (checkType(c, o, OBJ_STREAM)) goto cleanup;
        if (groupname) {
            streamCG *g = o ? streamLookupCG(o->ptr, groupname->ptr) : NULL;
            if (!g) {
                addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer "
                                       "group '%s' in XREADGROUP with GROUP "
                                       "option",
                                    (char *)key->ptr, (char *)groupname->ptr);
                goto cleanup;
            }
            groups[idx] = g;
        }
        char *arg = c->argv[i]->ptr;
        if (sdsEncodedObject(c->argv[i]) && !strcmp(arg, "$")) {
            if (xreadgroup) {
                addReplyError(c, "The $ ID is meaningless in the context of "
                                 "XREADGROUP: you want to read the history of "
                                 "this consumer by specifying a proper ID, or "
                                 "use the > ID to get new messages. The $ ID "
                                 "would just return an empty result set.");
                goto cleanup;
            }
            if (o)
                ids[idx] = ((stream *)o->ptr)->last_id;
            else
                ids[idx].ms = ids[idx].seq = 0;
            continue;
        } else if (sdsEncodedObject(c->argv[i]) && !strcmp(arg, ">")) {
            if (!xreadgroup) {
                addReplyError(c, "The > ID can be specified only when calling "
                                 "XREADGROUP using the GROUP <group> "
                                 "<consumer> option.");
                goto cleanup;
            }
            ids[idx].ms = ids[idx].seq = UINT64_MAX;
            continue;
        }
        if (streamParseStrictIDOrReply(c, c->argv[i], &ids[idx], 0, NULL) !=
            C_OK)
            goto cleanup;
    }

    long arraylen = 0;
    void *arraylen_ptr = NULL;
    for (int i = 0; i < streams_count; i++) {
        robj *key = c->argv[streams_arg + i];
        robj *o = lookupKeyRead(c->db, key);
        if (!o) continue;
        stream *s = o->ptr;
        streamID *gt = &ids[i];
        int serve = 0, history = 0;
        streamConsumer *consumer = NULL;
        if (groups) {
            if (gt->ms != UINT64_MAX || gt->seq != UINT64_MAX) {
                serve = history = 1;
            } else if (s->length) {
                streamID maxid;
                streamLastValidID(s, &maxid);
                if (streamCompareID(&maxid, &groups[i]->last_id) > 0) {
                    serve = 1;
                    *gt = groups[i]->last_id;
                }
            }
        } else if (s->length) {
            streamID maxid;
            streamLastValidID(s, &maxid);
            if (streamCompareID(&maxid, gt) > 0) serve = 1;
        }
        if (!serve) continue;
        if (groups) {
            /* The consumer comes to exist only when it is served (Redis
             * 7.0 creates none for a read that returns nothing). */
            int created;
            consumer = streamLookupOrCreateConsumer(
                groups[i], consumername->ptr, key, c->db->id, &created);
            /* With NOACK no XCLAIM will create the consumer on replay. */
            if (created && noack)
                streamPropagateConsumerCreation(c->db->id, key, groupname,
                                                consumer->name);
            consumer->seen_time = commandTimeSnapshot();
        }
        arraylen++;
        if (arraylen == 1) arraylen_ptr = addReplyDeferredLen(c);
        streamID start = *gt;
        streamIncrID(&start);
        if (c->resp == 2) addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        if (history) {
            streamReplyFromConsumerPEL(c, s, &start, count, consumer);
        } else {
            streamReplyWithRange(c, s, &start, NULL, count, 0,
                                 groups ? groups[i] : NULL, consumer,
                                 noack ? STREAM_RWR_NOACK : 0, key, groupname,
                                 c->db->id);
        }
        if (groups) server.dirty++;
    }
    if (arraylen) {
        if (c->resp == 2)
            setDeferredArrayLen(c, arraylen_ptr, arraylen);
        else
            setDeferredMapLen(c, arraylen_ptr, arraylen);
        goto cleanup;
    }
    if (timeout != -1) {
        if (clientDeniesBlocking(c)) {
            addReplyNullArray(c);
            goto cleanup;
        }
        streamBlock *sb = zcalloc(sizeof(*sb));
        sb->numkeys = streams_count;
        sb->keys = zmalloc(sizeof(robj *) * (size_t)streams_count);
        sb->ids = ids;
        ids = NULL;
        for (int i = 0; i < streams_count; i++) {
            sb->keys[i] = c->argv[streams_arg + i];
            incrRefCount(sb->keys[i]);
        }
        sb->count = count;
        sb->noack = noack;
        if (groupname) {
            sb->group = groupname;
            sb->consumer = consumername;
            incrRefCount(groupname);
            incrRefCount(consumername);
        }
        blockForKeys(c, BLOCKED_STREAM, c->argv + streams_arg, streams_count,
                     timeout);
        c->bpop.priv = sb;
        goto cleanup;
    }
    addReplyNullArray(c);
cleanup:
    preventCommandPropagation(c);
    zfree(ids);
    zfree(groups);
}

/* See stream.h. */
int xreadGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                 int max) {
    UNUSED(cmd);
    int streams_pos = -1;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i]->ptr;
        if (!strcasecmp(arg, "block") || !strcasecmp(arg, "count")) {
            i++;
        } else if (!strcasecmp(arg, "group")) {
            i += 2;
        } else if (!strcasecmp(arg, "noack")) {
            continue;
        } else if (!strcasecmp(arg, "streams")) {
            streams_pos = i;
            break;
        } else {
            break;
        }
    }
    if (streams_pos < 0) return 0;
    int num = argc - streams_pos - 1;
    if (num == 0 || num % 2 != 0) return 0;
    num /= 2;
    int n = 0;
    for (int i = streams_pos + 1; i < streams_pos + 1 + num && n < max; i++)
        keys[n++] = i;
    return n;
}

/* XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...] */
void xreadCommand(client *c) { xreadGenericCommand(c, 0); }

/* XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK]
 *            STREAMS key [key ...] id [id ...] */
void xreadgroupCommand(client *c) { xreadGenericCommand(c, 1); }

/* Serves <c>, blocked in XREAD/XREADGROUP, from <key> of <db>. Returns 1
 * once <c> got its reply (entries, or -NOGROUP when its group is gone), -1
 * when this key has nothing for it yet (others waiting on the key may
 * still be served). */
static int streamServeBlockedClient(client *c, redisDb *db, robj *key) {
    streamBlock *sb = c->bpop.priv;
    if (!sb) return -1;
    robj *o = lookupKeyWrite(db, key);
    if (!o || o->type != OBJ_STREAM) {
        /* A group reader learns that its stream is gone (Redis 7.0);
         * a plain XREAD keeps waiting. */
        if (sb->group) {
            addReplyError(c, "-UNBLOCKED the stream key no longer exists");
            return 1;
        }
        return -1;
    }
    stream *s = o->ptr;
    int idx = -1;
    for (int i = 0; i < sb->numkeys; i++) {
        if (equalStringObjects(sb->keys[i], key)) {
            idx = i;
            break;
        }
    }
    if (idx < 0) return -1;
    streamID gt = sb->ids[idx];
    streamCG *group = NULL;
    if (sb->group) {
        group = streamLookupCG(s, sb->group->ptr);
        if (!group) {
            addReplyError(c, "-NOGROUP the consumer group this client was "
                             "blocked on no longer exists");
            return 1;
        }
        gt = group->last_id;
    }
    if (streamCompareID(&s->last_id, &gt) <= 0) return -1;
    streamID start = gt;
    streamIncrID(&start);
    streamConsumer *consumer = NULL;
    if (group) {
        int created;
        consumer = streamLookupOrCreateConsumer(group, sb->consumer->ptr, key,
                                                db->id, &created);
        if (created && sb->noack)
            streamPropagateConsumerCreation(db->id, key, sb->group,
                                            consumer->name);
        consumer->seen_time = commandTimeSnapshot();
    }
    if (c->resp == 2) {
        addReplyArrayLen(c, 1);
        addReplyArrayLen(c, 2);
    } else {
        addReplyMapLen(c, 1);
    }
    addReplyBulk(c, key);
    streamReplyWithRange(c, s, &start, NULL, sb->count, 0, group, consumer,
                         sb->noack ? STREAM_RWR_NOACK : 0, key, sb->group,
                         db->id);
    if (group) server.dirty++;
    return 1;
}

/* ------------------------------------------------------------------------
 * Consumer groups: XGROUP XACK XPENDING XCLAIM XAUTOCLAIM
 * --------------------------------------------------------------------- */

static void xgroupGeneric(client *c) {
    char *opt = c->argv[1]->ptr;
    int mkstream = 0;
    long long entries_read = SCG_INVALID_ENTRIES_READ;
    stream *s = NULL;
    robj *o;
    int create = !strcasecmp(opt, "CREATE");
    if (create || !strcasecmp(opt, "SETID")) {
        int i = 5;
        while (i < c->argc) {
            if (create && !strcasecmp(c->argv[i]->ptr, "MKSTREAM")) {
                mkstream = 1;
                i++;
            } else if (!strcasecmp(c->argv[i]->ptr, "ENTRIESREAD") &&
                       i + 1 < c->argc) {
                if (getLongLongFromObjectOrReply(c, c->argv[i + 1],
                                                 &entries_read, NULL) != C_OK)
                    return;
                if (entries_read < 0 &&
                    entries_read != SCG_INVALID_ENTRIES_READ) {
                    addReplyError(c, "value for ENTRIESREAD must be positive "
                                     "or -1");
                    return;
                }
                i += 2;
            } else {
                addReplySubcommandSyntaxError(c);
                return;
            }
        }
    }
    o = lookupKeyWrite(c->db, c->argv[2]);
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return;
        s = o->ptr;
    }
    sds grpname = c->argv[3]->ptr;
    if (s == NULL && !mkstream) {
        addReplyError(c, "The XGROUP subcommand requires the key to exist. "
                         "Note that for CREATE you may want to use the "
                         "MKSTREAM option to create an empty stream "
                         "automatically.");
        return;
    }
    streamCG *cg = streamLookupCG(s, grpname);
    if (!cg && (!strcasecmp(opt, "SETID") ||
                !strcasecmp(opt, "CREATECONSUMER") ||
                !strcasecmp(opt, "DELCONSUMER"))) {
        addReplyErrorFormat(c, "-NOGROUP No such consumer group '%s' for key "
                               "name '%s'",
                            grpname, (char *)c->argv[2]->ptr);
        return;
    }
    if (create) {
        streamID id;
        if (sdsEncodedObject(c->argv[4]) && !strcmp(c->argv[4]->ptr, "$")) {
            if (s)
                id = s->last_id;
            else
                id.ms = id.seq = 0;
        } else if (streamParseStrictIDOrReply(c, c->argv[4], &id, 0, NULL) !=
                   C_OK) {
            return;
        }
        if (s == NULL) {
            o = createStreamObject();
            dbAdd(c->db, c->argv[2], o);
            s = o->ptr;
            signalModifiedKey(c, c->db, c->argv[2]);
        }
        if (streamCreateCG(s, grpname, sdsLen(grpname), &id, entries_read)) {
            addReply(c, shared.ok);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-create", c->argv[2],
                                c->db->id);
        } else {
            addReplyError(c, "-BUSYGROUP Consumer Group name already exists");
        }
    } else if (!strcasecmp(opt, "SETID")) {
        if (c->argc != 5 && c->argc != 7) {
            addReplySubcommandSyntaxError(c);
            return;
        }
        streamID id;
        if (sdsEncodedObject(c->argv[4]) && !strcmp(c->argv[4]->ptr, "$")) {
            id = s->last_id;
        } else if (streamParseIDOrReply(c, c->argv[4], &id, 0) != C_OK) {
            return;
        }
        cg->last_id = id;
        cg->entries_read = entries_read;
        addReply(c, shared.ok);
        server.dirty++;
        notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-setid", c->argv[2],
                            c->db->id);
    } else if (!strcasecmp(opt, "DESTROY")) {
        if (cg) {
            raxRemove(s->cgroups, grpname, sdsLen(grpname), NULL);
            streamFreeCG(cg);
            addReply(c, shared.cone);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-destroy", c->argv[2],
                                c->db->id);
            signalKeyAsReady(c->db, c->argv[2], OBJ_STREAM);
        } else {
            addReply(c, shared.czero);
        }
    } else if (!strcasecmp(opt, "CREATECONSUMER")) {
        int created;
        streamLookupOrCreateConsumer(cg, c->argv[4]->ptr, c->argv[2],
                                     c->db->id, &created);
        addReplyLongLong(c, created);
    } else if (!strcasecmp(opt, "DELCONSUMER")) {
        sds name = c->argv[4]->ptr;
        streamConsumer *sc = streamLookupConsumer(cg, name);
        long long pending = 0;
        if (sc) {
            pending = (long long)raxSize(sc->pel);
            raxIter pi;
            raxIterInit(&pi, sc->pel);
            for (int ok = raxIterFirst(&pi); ok; ok = raxIterNext(&pi)) {
                raxRemove(cg->pel, pi.key, pi.key_len, NULL);
                streamFreeNACK(pi.val);
            }
            raxIterRelease(&pi);
            raxRemove(cg->consumers, name, sdsLen(name), NULL);
            streamFreeConsumer(sc);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-delconsumer",
                                c->argv[2], c->db->id);
        }
        addReplyLongLong(c, pending);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read] */
void xgroupCreateCommand(client *c) { xgroupGeneric(c); }
/* XGROUP SETID key group id|$ [ENTRIESREAD entries-read] */
void xgroupSetidCommand(client *c) { xgroupGeneric(c); }
/* XGROUP DESTROY key group */
void xgroupDestroyCommand(client *c) { xgroupGeneric(c); }
/* XGROUP CREATECONSUMER key group consumer */
void xgroupCreateconsumerCommand(client *c) { xgroupGeneric(c); }
/* XGROUP DELCONSUMER key group consumer */
void xgroupDelconsumerCommand(client *c) { xgroupGeneric(c); }

/* XGROUP HELP */
void xgroupHelpCommand(client *c) {
    const char *help[] = {
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        NULL};
    addReplyHelp(c, help);
}

/* XACK key group id [id ...] */
void xackCommand(client *c) {
    streamCG *group = NULL;
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return;
        group = streamLookupCG(o->ptr, c->argv[2]->ptr);
    }
    if (!group) {
        addReply(c, shared.czero);
        return;
    }
    streamID *ids = zmalloc(sizeof(streamID) * (size_t)(c->argc - 3));
    for (int j = 3; j < c->argc; j++) {
        if (streamParseStrictIDOrReply(c, c->argv[j], &ids[j - 3], 0, NULL) !=
            C_OK) {
            zfree(ids);
            return;
        }
    }
    long long acked = 0;
    for (int j = 3; j < c->argc; j++) {
        unsigned char buf[STREAM_ID_LEN];
        streamEncodeID(buf, &ids[j - 3]);
        void *v;
        if (raxFind(group->pel, buf, STREAM_ID_LEN, &v)) {
            streamNACK *nack = v;
            raxRemove(group->pel, buf, STREAM_ID_LEN, NULL);
            raxRemove(nack->consumer->pel, buf, STREAM_ID_LEN, NULL);
            streamFreeNACK(nack);
            acked++;
            server.dirty++;
        }
    }
    zfree(ids);
    addReplyLongLong(c, acked);
}

/* XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */
void xpendingCommand(client *c) {
    int justinfo = c->argc == 3;
    robj *key = c->argv[1], *groupname = c->argv[2], *consumername = NULL;
    streamID startid, endid;
    long long count = 0, minidle = 0;
    int startex = 0, endex = 0;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc >= 6) {
        int startidx = 3;
        if (!strcasecmp(c->argv[3]->ptr, "IDLE")) {
            if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle, NULL) !=
                C_OK)
                return;
            if (c->argc < 8) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            startidx += 2;
        }
        if (getLongLongFromObjectOrReply(c, c->argv[startidx + 2], &count,
                                         NULL) != C_OK)
            return;
        if (count < 0) count = 0;
        if (streamParseIntervalIDOrReply(c, c->argv[startidx], &startid,
                                         &startex, 0) != C_OK)
            return;
        if (startex && streamIncrID(&startid) != C_OK) {
            addReplyError(c, "invalid start ID for the interval");
            return;
        }
        if (streamParseIntervalIDOrReply(c, c->argv[startidx + 1], &endid,
                                         &endex, UINT64_MAX) != C_OK)
            return;
        if (endex && streamDecrID(&endid) != C_OK) {
            addReplyError(c, "invalid end ID for the interval");
            return;
        }
        if (startidx + 3 < c->argc) consumername = c->argv[startidx + 3];
    }
    robj *o = lookupKeyRead(c->db, key);
    streamCG *group = NULL;
    if (checkType(c, o, OBJ_STREAM)) return;
    if (o) group = streamLookupCG(o->ptr, groupname->ptr);
    if (!group) {
        addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group "
                               "'%s'",
                            (char *)key->ptr, (char *)groupname->ptr);
        return;
    }
    if (justinfo) {
        size_t n = raxSize(group->pel);
        addReplyArrayLen(c, 4);
        addReplyLongLong(c, (long long)n);
        if (n == 0) {
            addReplyNull(c);
            addReplyNull(c);
            addReplyNullArray(c);
            return;
        }
        streamID first, last;
        raxIter pi;
        raxIterInit(&pi, group->pel);
        raxIterFirst(&pi);
        streamDecodeID(pi.key, &first);
        raxIterLast(&pi);
        streamDecodeID(pi.key, &last);
        addReplyStreamID(c, &first);
        addReplyStreamID(c, &last);
        void *deferred = addReplyDeferredLen(c);
        long len = 0;
        raxIterRetarget(&pi, group->consumers);
        for (int ok = raxIterFirst(&pi); ok; ok = raxIterNext(&pi)) {
            streamConsumer *sc = pi.val;
            if (raxSize(sc->pel) == 0) continue;
            addReplyArrayLen(c, 2);
            addReplyBulkCBuffer(c, sc->name, sdsLen(sc->name));
            addReplyBulkLongLong(c, (long long)raxSize(sc->pel));
            len++;
        }
        raxIterRelease(&pi);
        setDeferredArrayLen(c, deferred, len);
        return;
    }
    rax *pel = group->pel;
    if (consumername) {
        streamConsumer *sc = streamLookupConsumer(group, consumername->ptr);
        if (!sc) {
            addReplyArrayLen(c, 0);
            return;
        }
        pel = sc->pel;
    }
    unsigned char sk[STREAM_ID_LEN], ek[STREAM_ID_LEN];
    streamEncodeID(sk, &startid);
    streamEncodeID(ek, &endid);
    long long now = commandTimeSnapshot();
    void *deferred = addReplyDeferredLen(c);
    long len = 0;
    raxIter pi;
    raxIterInit(&pi, pel);
    for (int ok = raxIterSeekGE(&pi, sk, STREAM_ID_LEN, 0); count && ok;
         ok = raxIterNext(&pi)) {
        if (memcmp(pi.key, ek, STREAM_ID_LEN) > 0) break;
        streamNACK *nack = pi.val;
        if (minidle && now - nack->delivery_time < minidle) continue;
        len++;
        count--;
        streamID id;
        streamDecodeID(pi.key, &id);
        addReplyArrayLen(c, 4);
        addReplyStreamID(c, &id);
        addReplyBulkCBuffer(c, nack->consumer->name,
                            sdsLen(nack->consumer->name));
        long long elapsed = now - nack->delivery_time;
        addReplyLongLong(c, elapsed < 0 ? 0 : elapsed);
        addReplyLongLong(c, (long long)nack->delivery_count);
    }
    raxIterRelease(&pi);
    setDeferredArrayLen(c, deferred, len);
}

/* Moves <nack> (pending ID <buf>) to <consumer> with the given time and
 * count rules shared by XCLAIM and XAUTOCLAIM. */
static void streamClaimNACK(streamNACK *nack, const unsigned char *buf,
                            streamConsumer *consumer) {
    if (nack->consumer != consumer) {
        if (nack->consumer)
            raxRemove(nack->consumer->pel, buf, STREAM_ID_LEN, NULL);
        raxInsert(consumer->pel, buf, STREAM_ID_LEN, nack);
        nack->consumer = consumer;
    }
}

/* XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms]
 *        [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE]
 *        [JUSTID] [LASTID lastid] */
void xclaimCommand(client *c) {
    streamCG *group = NULL;
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    long long minidle, retrycount = -1, deliverytime = -1;
    int force = 0, justid = 0;
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return;
        group = streamLookupCG(o->ptr, c->argv[2]->ptr);
    }
    if (!group) {
        addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group "
                               "'%s'",
                            (char *)c->argv[1]->ptr, (char *)c->argv[2]->ptr);
        return;
    }
    if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle,
                                     "Invalid min-idle-time argument for "
                                     "XCLAIM") != C_OK)
        return;
    if (minidle < 0) minidle = 0;
    int j;
    for (j = 5; j < c->argc; j++) {
        streamID tmp;
        if (streamParseStrictIDOrReply(NULL, c->argv[j], &tmp, 0, NULL) !=
            C_OK)
            break;
    }
    int last_id_arg = j - 1;
    long long now = commandTimeSnapshot();
    streamID last_id = {0, 0};
    int propagate_last_id = 0;
    for (; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "FORCE")) {
            force = 1;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else if (!strcasecmp(opt, "IDLE") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &deliverytime,
                                             "Invalid IDLE option argument "
                                             "for XCLAIM") != C_OK)
                return;
            deliverytime = now - deliverytime;
        } else if (!strcasecmp(opt, "TIME") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &deliverytime,
                                             "Invalid TIME option argument "
                                             "for XCLAIM") != C_OK)
                return;
        } else if (!strcasecmp(opt, "RETRYCOUNT") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &retrycount,
                                             "Invalid RETRYCOUNT option "
                                             "argument for XCLAIM") != C_OK)
                return;
        } else if (!strcasecmp(opt, "LASTID") && moreargs) {
            j++;
            if (streamParseStrictIDOrReply(c, c->argv[j], &last_id, 0, NULL) !=
                C_OK)
                return;
        } else {
            addReplyErrorFormat(c, "Unrecognized XCLAIM option '%s'", opt);
            return;
        }
    }
    if (streamCompareID(&last_id, &group->last_id) > 0) {
        group->last_id = last_id;
        propagate_last_id = 1;
    }
    if (deliverytime != -1) {
        if (deliverytime < 0 || deliverytime > now) deliverytime = now;
    } else {
        deliverytime = now;
    }
    stream *s = o->ptr;
    streamConsumer *consumer = NULL;
    void *deferred = addReplyDeferredLen(c);
    long arraylen = 0;
    for (j = 5; j <= last_id_arg; j++) {
        streamID id;
        if (streamParseStrictIDOrReply(NULL, c->argv[j], &id, 0, NULL) != C_OK)
            continue;
        unsigned char buf[STREAM_ID_LEN];
        streamEncodeID(buf, &id);
        void *v = NULL;
        streamNACK *nack =
            raxFind(group->pel, buf, STREAM_ID_LEN, &v) ? v : NULL;
        if (!streamEntryExists(s, &id)) {
            if (nack) {
                if (!nack->consumer)
                    nack->consumer = streamLookupOrCreateConsumer(
                        group, c->argv[3]->ptr, c->argv[1], c->db->id, NULL);
                streamPropagateXCLAIM(c->db->id, c->argv[1], group, c->argv[2],
                                      c->argv[j], nack);
                propagate_last_id = 0;
                server.dirty++;
                raxRemove(group->pel, buf, STREAM_ID_LEN, NULL);
                raxRemove(nack->consumer->pel, buf, STREAM_ID_LEN, NULL);
                streamFreeNACK(nack);
            }
            continue;
        }
        if (force && !nack) {
            nack = streamCreateNACK(NULL);
            raxInsert(group->pel, buf, STREAM_ID_LEN, nack);
        }
        if (!nack) continue;
        if (nack->consumer && minidle) {
            if (now - nack->delivery_time < minidle) continue;
        }
        if (!consumer) {
            consumer = streamLookupOrCreateConsumer(group, c->argv[3]->ptr,
                                                    c->argv[1], c->db->id, NULL);
            consumer->seen_time = commandTimeSnapshot();
        }
        nack->delivery_time = deliverytime;
        if (retrycount >= 0)
            nack->delivery_count = (uint64_t)retrycount;
        else if (!justid)
            nack->delivery_count++;
        streamClaimNACK(nack, buf, consumer);
        if (justid) {
            addReplyStreamID(c, &id);
        } else if (!addReplyEntryByID(c, s, &id)) {
            addReplyNull(c);
        }
        arraylen++;
        streamPropagateXCLAIM(c->db->id, c->argv[1], group, c->argv[2],
                              c->argv[j], nack);
        propagate_last_id = 0;
        server.dirty++;
    }
    if (propagate_last_id) {
        streamPropagateGroupID(c->db->id, c->argv[1], group, c->argv[2]);
        server.dirty++;
    }
    setDeferredArrayLen(c, deferred, arraylen);
    preventCommandPropagation(c);
}

/* XAUTOCLAIM key group consumer min-idle-time start [COUNT count]
 *            [JUSTID] */
void xautoclaimCommand(client *c) {
    long long minidle;
    long count = 100;
    const long attempts_factor = 10;
    streamID startid;
    int startex, justid = 0;
    if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle,
                                     "Invalid min-idle-time argument for "
                                     "XAUTOCLAIM") != C_OK)
        return;
    if (minidle < 0) minidle = 0;
    if (streamParseIntervalIDOrReply(c, c->argv[5], &startid, &startex, 0) !=
        C_OK)
        return;
    if (startex && streamIncrID(&startid) != C_OK) {
        addReplyError(c, "invalid start ID for the interval");
        return;
    }
    for (int j = 6; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "COUNT") && moreargs) {
            long max_count = LONG_MAX / (long)sizeof(streamID);
            if (getRangeLongFromObjectOrReply(c, c->argv[j + 1], 1, max_count,
                                              &count, "COUNT must be > 0") !=
                C_OK)
                return;
            j++;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    streamCG *group = NULL;
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return;
        group = streamLookupCG(o->ptr, c->argv[2]->ptr);
    }
    if (!group) {
        addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group "
                               "'%s'",
                            (char *)c->argv[1]->ptr, (char *)c->argv[2]->ptr);
        return;
    }
    stream *s = o->ptr;
    long long attempts = (long long)count * attempts_factor;
    long long now = commandTimeSnapshot();
    streamConsumer *consumer = NULL;
    /* Claim first, reply after: the cursor comes first in the reply. */
    streamID *claimed = zmalloc(sizeof(streamID) * (size_t)count);
    streamID *deleted = zmalloc(sizeof(streamID) * (size_t)count);
    long nclaimed = 0, ndeleted = 0;
    unsigned char buf[STREAM_ID_LEN];
    streamEncodeID(buf, &startid);
    raxIter pi;
    raxIterInit(&pi, group->pel);
    int ok = raxIterSeekGE(&pi, buf, STREAM_ID_LEN, 0);
    while (attempts-- && count && ok) {
        streamNACK *nack = pi.val;
        streamID id;
        unsigned char key[STREAM_ID_LEN];
        memcpy(key, pi.key, STREAM_ID_LEN);
        streamDecodeID(key, &id);
        if (!streamEntryExists(s, &id)) {
            robj *idstr = createObjectFromStreamID(&id);
            streamPropagateXCLAIM(c->db->id, c->argv[1], group, c->argv[2],
                                  idstr, nack);
            decrRefCount(idstr);
            server.dirty++;
            raxRemove(group->pel, key, STREAM_ID_LEN, NULL);
            raxRemove(nack->consumer->pel, key, STREAM_ID_LEN, NULL);
            streamFreeNACK(nack);
            deleted[ndeleted++] = id;
            count--;
            ok = raxIterSeekGE(&pi, key, STREAM_ID_LEN, 1);
            continue;
        }
        ok = raxIterNext(&pi);
        if (minidle && now - nack->delivery_time < minidle) continue;
        if (!consumer) {
            consumer = streamLookupOrCreateConsumer(group, c->argv[3]->ptr,
                                                    c->argv[1], c->db->id, NULL);
            consumer->seen_time = commandTimeSnapshot();
        }
        nack->delivery_time = now;
        if (!justid) nack->delivery_count++;
        streamClaimNACK(nack, key, consumer);
        claimed[nclaimed++] = id;
        count--;
        robj *idstr = createObjectFromStreamID(&id);
        streamPropagateXCLAIM(c->db->id, c->argv[1], group, c->argv[2], idstr,
                              nack);
        decrRefCount(idstr);
        server.dirty++;
    }
    streamID endid = {0, 0};
    if (ok) streamDecodeID(pi.key, &endid);
    raxIterRelease(&pi);
    addReplyArrayLen(c, 3);
    addReplyStreamID(c, &endid);
    addReplyArrayLen(c, nclaimed);
    for (long d = 0; d < nclaimed; d++) {
        if (justid)
            addReplyStreamID(c, &claimed[d]);
        else if (!addReplyEntryByID(c, s, &claimed[d]))
            addReplyNull(c);
    }
    addReplyArrayLen(c, ndeleted);
    for (long d = 0; d < ndeleted; d++) addReplyStreamID(c, &deleted[d]);
    zfree(claimed);
    zfree(deleted);
    preventCommandPropagation(c);
}

/* ------------------------------------------------------------------------
 * XINFO
 * --------------------------------------------------------------------- */

static void addReplyStreamEntryOrNull(client *c, stream *s, int last) {
    streamID id;
    if (s->length && streamEdgeID(s, last, &id))
        addReplyEntryByID(c, s, &id);
    else
        addReplyNull(c);
}

/* The node count of a compressed radix tree (Redis's rax) holding the
 * sorted 16-byte keys [lo, hi) of <m> from byte <d> on: a leaf ends each
 * key, a lone suffix is one compressed node, a shared prefix is one
 * compressed node, and a fork is one node plus its children. XINFO STREAM
 * reports it as radix-tree-nodes, where Redis reports its tree's size
 * (our tree, which keeps fewer nodes, is counted by raxNodeCount). */
static long long radixNodeCount(unsigned char (*m)[STREAM_ID_LEN], size_t lo,
                                size_t hi, int d) {
    if (d == STREAM_ID_LEN) return 1;
    if (hi - lo == 1) return 2;
    const unsigned char *first = m[lo];
    const unsigned char *last = m[hi - 1];
    int p = d;
    while (p < STREAM_ID_LEN && first[p] == last[p]) p++;
    if (p > d) return 1 + radixNodeCount(m, lo, hi, p);
    long long n = 1;
    size_t i = lo;
    while (i < hi) {
        size_t j = i;
        unsigned char b0 = m[i][d];
        while (j < hi && m[j][d] == b0) j++;
        n += radixNodeCount(m, i, j, d + 1);
        i = j;
    }
    return n;
}

static long long streamRadixNodesEstimate(stream *s) {
    size_t n = (size_t)raxSize(s->nodes), i = 0;
    if (n == 0) return 1;
    unsigned char (*keys)[STREAM_ID_LEN] = zmalloc(n * STREAM_ID_LEN);
    raxIter ni;
    raxIterInit(&ni, s->nodes);
    for (int ok = raxIterFirst(&ni); ok; ok = raxIterNext(&ni))
        memcpy(keys[i++], ni.key, STREAM_ID_LEN);
    raxIterRelease(&ni);
    long long count = radixNodeCount(keys, 0, n, 0);
    zfree(keys);
    return count;
}

static void xinfoStreamFull(client *c, stream *s, long long count) {
    addReplyMapLen(c, 9);
    addReplyBulkCString(c, "length");
    addReplyLongLong(c, (long long)s->length);
    addReplyBulkCString(c, "radix-tree-keys");
    addReplyLongLong(c, (long long)raxSize(s->nodes));
    addReplyBulkCString(c, "radix-tree-nodes");
    addReplyLongLong(c, streamRadixNodesEstimate(s));
    addReplyBulkCString(c, "last-generated-id");
    addReplyStreamID(c, &s->last_id);
    addReplyBulkCString(c, "max-deleted-entry-id");
    addReplyStreamID(c, &s->max_deleted_entry_id);
    addReplyBulkCString(c, "entries-added");
    addReplyLongLong(c, (long long)s->entries_added);
    addReplyBulkCString(c, "recorded-first-entry-id");
    addReplyStreamID(c, &s->first_id);
    addReplyBulkCString(c, "entries");
    streamID lo = {0, 0};
    streamReplyWithRange(c, s, &lo, NULL, count, 0, NULL, NULL, 0, NULL, NULL,
                         c->db->id);
    addReplyBulkCString(c, "groups");
    size_t ng = s->cgroups ? raxSize(s->cgroups) : 0;
    addReplyArrayLen(c, (long)ng);
    long long now = commandTimeSnapshot();
    raxIter gi, pi, ci;
    raxIterInit(&gi, s->cgroups);
    raxIterInit(&pi, NULL);
    raxIterInit(&ci, NULL);
    for (int gok = ng ? raxIterFirst(&gi) : 0; gok; gok = raxIterNext(&gi)) {
        streamCG *cg = gi.val;
        addReplyMapLen(c, 7);
        addReplyBulkCString(c, "name");
        addReplyBulkCBuffer(c, gi.key, gi.key_len);
        addReplyBulkCString(c, "last-delivered-id");
        addReplyStreamID(c, &cg->last_id);
        addReplyBulkCString(c, "entries-read");
        if (cg->entries_read != SCG_INVALID_ENTRIES_READ)
            addReplyLongLong(c, cg->entries_read);
        else
            addReplyNull(c);
        addReplyBulkCString(c, "lag");
        addReplyGroupLag(c, s, cg);
        addReplyBulkCString(c, "pel-count");
        addReplyLongLong(c, (long long)raxSize(cg->pel));
        addReplyBulkCString(c, "pending");
        size_t np = raxSize(cg->pel);
        if (count && (size_t)count < np) np = (size_t)count;
        addReplyArrayLen(c, (long)np);
        raxIterRetarget(&pi, cg->pel);
        raxIterFirst(&pi);
        for (size_t k = 0; k < np; k++, raxIterNext(&pi)) {
            streamNACK *nack = pi.val;
            streamID id;
            streamDecodeID(pi.key, &id);
            addReplyArrayLen(c, 4);
            addReplyStreamID(c, &id);
            addReplyBulkCBuffer(c, nack->consumer->name,
                                sdsLen(nack->consumer->name));
            addReplyLongLong(c, nack->delivery_time);
            addReplyLongLong(c, (long long)nack->delivery_count);
        }
        addReplyBulkCString(c, "consumers");
        addReplyArrayLen(c, (long)raxSize(cg->consumers));
        raxIterRetarget(&ci, cg->consumers);
        for (int cok = raxIterFirst(&ci); cok; cok = raxIterNext(&ci)) {
            streamConsumer *sc = ci.val;
            addReplyMapLen(c, 4);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, sc->name, sdsLen(sc->name));
            addReplyBulkCString(c, "seen-time");
            addReplyLongLong(c, sc->seen_time);
            addReplyBulkCString(c, "pel-count");
            addReplyLongLong(c, (long long)raxSize(sc->pel));
            addReplyBulkCString(c, "pending");
            size_t cp = raxSize(sc->pel);
            if (count && (size_t)count < cp) cp = (size_t)count;
            addReplyArrayLen(c, (long)cp);
            raxIterRetarget(&pi, sc->pel);
            raxIterFirst(&pi);
            for (size_t m = 0; m < cp; m++, raxIterNext(&pi)) {
                streamNACK *nack = pi.val;
                streamID id;
                streamDecodeID(pi.key, &id);
                addReplyArrayLen(c, 3);
                addReplyStreamID(c, &id);
                addReplyLongLong(c, nack->delivery_time);
                addReplyLongLong(c, (long long)nack->delivery_count);
            }
        }
    }
    raxIterRelease(&gi);
    raxIterRelease(&pi);
    raxIterRelease(&ci);
    UNUSED(now);
}

/* XINFO STREAM key [FULL [COUNT count]] */
void xinfoStreamCommand(client *c) {
    int full = 0;
    long long count = 10;
    if (c->argc > 3) {
        if (strcasecmp(c->argv[3]->ptr, "FULL")) {
            addReplySubcommandSyntaxError(c);
            return;
        }
        full = 1;
        if (c->argc == 6 && !strcasecmp(c->argv[4]->ptr, "COUNT")) {
            if (getLongLongFromObjectOrReply(c, c->argv[5], &count, NULL) !=
                C_OK)
                return;
            if (count < 0) count = 10;
        } else if (c->argc != 4) {
            addReplySubcommandSyntaxError(c);
            return;
        }
    }
    robj *o = lookupKeyReadOrReply(c, c->argv[2], shared.nokeyerr);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    if (full) {
        xinfoStreamFull(c, s, count);
        return;
    }
    addReplyMapLen(c, 10);
    addReplyBulkCString(c, "length");
    addReplyLongLong(c, (long long)s->length);
    addReplyBulkCString(c, "radix-tree-keys");
    addReplyLongLong(c, (long long)raxSize(s->nodes));
    addReplyBulkCString(c, "radix-tree-nodes");
    addReplyLongLong(c, streamRadixNodesEstimate(s));
    addReplyBulkCString(c, "last-generated-id");
    addReplyStreamID(c, &s->last_id);
    addReplyBulkCString(c, "max-deleted-entry-id");
    addReplyStreamID(c, &s->max_deleted_entry_id);
    addReplyBulkCString(c, "entries-added");
    addReplyLongLong(c, (long long)s->entries_added);
    addReplyBulkCString(c, "recorded-first-entry-id");
    addReplyStreamID(c, &s->first_id);
    addReplyBulkCString(c, "groups");
    addReplyLongLong(c, s->cgroups ? (long long)raxSize(s->cgroups) : 0);
    addReplyBulkCString(c, "first-entry");
    addReplyStreamEntryOrNull(c, s, 0);
    addReplyBulkCString(c, "last-entry");
    addReplyStreamEntryOrNull(c, s, 1);
}

/* XINFO GROUPS key */
void xinfoGroupsCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[2], shared.nokeyerr);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    size_t ng = s->cgroups ? raxSize(s->cgroups) : 0;
    addReplyArrayLen(c, (long)ng);
    raxIter gi;
    raxIterInit(&gi, s->cgroups);
    for (int ok = ng ? raxIterFirst(&gi) : 0; ok; ok = raxIterNext(&gi)) {
        streamCG *cg = gi.val;
        addReplyMapLen(c, 6);
        addReplyBulkCString(c, "name");
        addReplyBulkCBuffer(c, gi.key, gi.key_len);
        addReplyBulkCString(c, "consumers");
        addReplyLongLong(c, (long long)raxSize(cg->consumers));
        addReplyBulkCString(c, "pending");
        addReplyLongLong(c, (long long)raxSize(cg->pel));
        addReplyBulkCString(c, "last-delivered-id");
        addReplyStreamID(c, &cg->last_id);
        addReplyBulkCString(c, "entries-read");
        if (cg->entries_read != SCG_INVALID_ENTRIES_READ)
            addReplyLongLong(c, cg->entries_read);
        else
            addReplyNull(c);
        addReplyBulkCString(c, "lag");
        addReplyGroupLag(c, s, cg);
    }
    raxIterRelease(&gi);
}

/* XINFO CONSUMERS key group */
void xinfoConsumersCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[2], shared.nokeyerr);
    if (!o || checkType(c, o, OBJ_STREAM)) return;
    streamCG *cg = streamLookupCG(o->ptr, c->argv[3]->ptr);
    if (!cg) {
        addReplyErrorFormat(c, "-NOGROUP No such consumer group '%s' for key "
                               "name '%s'",
                            (char *)c->argv[3]->ptr, (char *)c->argv[2]->ptr);
        return;
    }
    long long now = commandTimeSnapshot();
    addReplyArrayLen(c, (long)raxSize(cg->consumers));
    raxIter ci;
    raxIterInit(&ci, cg->consumers);
    for (int ok = raxIterFirst(&ci); ok; ok = raxIterNext(&ci)) {
        streamConsumer *sc = ci.val;
        addReplyMapLen(c, 3);
        addReplyBulkCString(c, "name");
        addReplyBulkCBuffer(c, sc->name, sdsLen(sc->name));
        addReplyBulkCString(c, "pending");
        addReplyLongLong(c, (long long)raxSize(sc->pel));
        addReplyBulkCString(c, "idle");
        long long idle = now - sc->seen_time;
        addReplyLongLong(c, idle < 0 ? 0 : idle);
    }
    raxIterRelease(&ci);
}

/* XINFO HELP */
void xinfoHelpCommand(client *c) {
    const char *help[] = {
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        NULL};
    addReplyHelp(c, help);
}

/* ------------------------------------------------------------------------
 * AOF rewrite
 * --------------------------------------------------------------------- */

static sds catBulk(sds s, const void *p, size_t len) {
    s = sdsCatPrintf(s, "$%zu\r\n", len);
    s = sdsCatLen(s, p, len);
    return sdsCatLen(s, "\r\n", 2);
}

static sds catBulkLL(sds s, long long v) {
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    return catBulk(s, buf, (size_t)n);
}

static sds catBulkID(sds s, const streamID *id) {
    sds t = streamIDToSds(id);
    s = catBulk(s, t, sdsLen(t));
    sdsFree(t);
    return s;
}

static sds catBulkLp(sds s, unsigned char *p) {
    unsigned int slen;
    long long ll;
    unsigned char *str = lpGetValue(p, &slen, &ll);
    return str ? catBulk(s, str, slen) : catBulkLL(s, ll);
}

typedef struct rewriteCtx {
    sds s;
    const char *key;
    size_t klen;
} rewriteCtx;

static int rewriteEntryFn(nodeView *v, nodeEntry *e, void *priv) {
    rewriteCtx *rc = priv;
    rc->s = sdsCatPrintf(rc->s, "*%llu\r\n",
                         (unsigned long long)(3 + e->nfields * 2));
    rc->s = catBulk(rc->s, "XADD", 4);
    rc->s = catBulk(rc->s, rc->key, rc->klen);
    rc->s = catBulkID(rc->s, &e->id);
    entryCursor ec;
    unsigned char *f, *val;
    entryCursorInit(v, e, &ec);
    while (entryCursorNext(&ec, &f, &val)) {
        rc->s = catBulkLp(rc->s, f);
        rc->s = catBulkLp(rc->s, val);
    }
    return 1;
}

/* See stream.h. */
sds streamCatRewriteCommands(sds s, const char *key, size_t klen, robj *o) {
    stream *st = o->ptr;
    rewriteCtx rc = {s, key, klen};
    if (st->length) {
        streamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
        streamWalk(st, &lo, &hi, 0, rewriteEntryFn, &rc);
    } else {
        rc.s = sdsCat(rc.s, "*7\r\n");
        rc.s = catBulk(rc.s, "XADD", 4);
        rc.s = catBulk(rc.s, key, klen);
        rc.s = catBulk(rc.s, "MAXLEN", 6);
        rc.s = catBulk(rc.s, "0", 1);
        rc.s = catBulkID(rc.s, &st->last_id);
        rc.s = catBulk(rc.s, "x", 1);
        rc.s = catBulk(rc.s, "y", 1);
    }
    rc.s = sdsCat(rc.s, "*7\r\n");
    rc.s = catBulk(rc.s, "XSETID", 6);
    rc.s = catBulk(rc.s, key, klen);
    rc.s = catBulkID(rc.s, &st->last_id);
    rc.s = catBulk(rc.s, "ENTRIESADDED", 12);
    rc.s = catBulkLL(rc.s, (long long)st->entries_added);
    rc.s = catBulk(rc.s, "MAXDELETEDID", 12);
    rc.s = catBulkID(rc.s, &st->max_deleted_entry_id);
    size_t ng = st->cgroups ? raxSize(st->cgroups) : 0;
    raxIter gi, ei;
    raxIterInit(&gi, st->cgroups);
    raxIterInit(&ei, NULL);
    for (int gok = ng ? raxIterFirst(&gi) : 0; gok; gok = raxIterNext(&gi)) {
        streamCG *cg = gi.val;
        const unsigned char *gname = gi.key;
        size_t glen = gi.key_len;
        rc.s = sdsCat(rc.s, "*7\r\n");
        rc.s = catBulk(rc.s, "XGROUP", 6);
        rc.s = catBulk(rc.s, "CREATE", 6);
        rc.s = catBulk(rc.s, key, klen);
        rc.s = catBulk(rc.s, gname, glen);
        rc.s = catBulkID(rc.s, &cg->last_id);
        rc.s = catBulk(rc.s, "ENTRIESREAD", 11);
        rc.s = catBulkLL(rc.s, cg->entries_read);
        raxIterRetarget(&ei, cg->pel);
        for (int ok = raxIterFirst(&ei); ok; ok = raxIterNext(&ei)) {
            streamNACK *nack = ei.val;
            streamID id;
            streamDecodeID(ei.key, &id);
            rc.s = sdsCat(rc.s, "*12\r\n");
            rc.s = catBulk(rc.s, "XCLAIM", 6);
            rc.s = catBulk(rc.s, key, klen);
            rc.s = catBulk(rc.s, gname, glen);
            rc.s = catBulk(rc.s, nack->consumer->name,
                           sdsLen(nack->consumer->name));
            rc.s = catBulk(rc.s, "0", 1);
            rc.s = catBulkID(rc.s, &id);
            rc.s = catBulk(rc.s, "TIME", 4);
            rc.s = catBulkLL(rc.s, nack->delivery_time);
            rc.s = catBulk(rc.s, "RETRYCOUNT", 10);
            rc.s = catBulkLL(rc.s, (long long)nack->delivery_count);
            rc.s = catBulk(rc.s, "JUSTID", 6);
            rc.s = catBulk(rc.s, "FORCE", 5);
        }
        raxIterRetarget(&ei, cg->consumers);
        for (int ok = raxIterFirst(&ei); ok; ok = raxIterNext(&ei)) {
            streamConsumer *sc = ei.val;
            if (raxSize(sc->pel)) continue;
            rc.s = sdsCat(rc.s, "*5\r\n");
            rc.s = catBulk(rc.s, "XGROUP", 6);
            rc.s = catBulk(rc.s, "CREATECONSUMER", 14);
            rc.s = catBulk(rc.s, key, klen);
            rc.s = catBulk(rc.s, gname, glen);
            rc.s = catBulk(rc.s, sc->name, sdsLen(sc->name));
        }
    }
    raxIterRelease(&gi);
    raxIterRelease(&ei);
    return rc.s;
}

/* ------------------------------------------------------------------------
 * Registration
 * --------------------------------------------------------------------- */

/* See stream.h. */
void streamTypeInit(void) {
    registerObjectType(OBJ_STREAM, &streamMethods);
    registerBlockedServeProc(BLOCKED_STREAM, streamServeBlockedClient);
    registerBlockedCleanupProc(BLOCKED_STREAM, streamBlockFree);
}
