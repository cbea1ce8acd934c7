/* quicklist.c: the list value (see quicklist.h for the model and the API
 * the persistence module relies on).
 *
 * Owns: quicklist nodes and the listpacks or plain element bytes inside
 * them. Must not touch: anything of the server (no server.h here, so the
 * unit test links it with the platform layer and listpack.c only).
 *
 * Invariants: no node is empty; ql->count is the sum of node->count and
 * ql->len the number of nodes; node->sz is the byte size of node->entry; a
 * PLAIN node holds exactly one element. */
#include "quicklist.h"

#include <stdint.h>
#include <string.h>

#include "listpack.h"
#include "util.h"
#include "zmalloc.h"

/* Byte limits of a packed node for fill -1 .. -5. */
static const size_t qlSizeLimits[] = {4096, 8192, 16384, 32768, 65536};
/* A node with a positive (count) fill still stops growing at this size. */
#define QL_SIZE_SAFETY_LIMIT 8192
/* The element count field of a node in Redis is 16 bits wide. */
#define QL_MAX_NODE_COUNT 65535
/* Worst-case listpack overhead of one entry (encoding header + backlen). */
#define QL_ENTRY_OVERHEAD 11

static size_t qlPackedThreshold = QUICKLIST_DEFAULT_PACKED_THRESHOLD;

/* Sets the size from which elements get a plain node to <sz>; returns the
 * previous value. */
size_t quicklistSetPackedThreshold(size_t sz) {
    size_t old = qlPackedThreshold;
    if (sz == 0) sz = 1;
    qlPackedThreshold = sz;
    return old;
}

static int qlIsLarge(size_t sz) {
    return sz >= qlPackedThreshold;
}

/* 1 when a packed node of <bytes> bytes and <count> elements is too big
 * for <fill>. */
static int qlExceedsLimit(int fill, size_t bytes, unsigned long count) {
    if (count > QL_MAX_NODE_COUNT) return 1;
    if (fill >= 0) {
        if (count > (unsigned long)(fill > 0 ? fill : 1)) return 1;
        return bytes > QL_SIZE_SAFETY_LIMIT;
    }
    int idx = -fill - 1;
    if (idx > 4) idx = 4;
    return bytes > qlSizeLimits[idx];
}

/* 1 when an element of <sz> bytes can be added to <node>. */
static int qlNodeAllowInsert(const quicklist *ql, const quicklistNode *node,
                             size_t sz) {
    if (node == NULL || node->container != QUICKLIST_NODE_CONTAINER_PACKED)
        return 0;
    if (qlIsLarge(sz)) return 0;
    return !qlExceedsLimit(ql->fill, node->sz + sz + QL_ENTRY_OVERHEAD,
                           node->count + 1UL);
}

static quicklistNode *qlNodeCreatePacked(unsigned char *lp) {
    quicklistNode *n = zmalloc(sizeof(*n));
    n->prev = n->next = NULL;
    n->entry = lp;
    n->sz = lpBytes(lp);
    n->count = (unsigned int)lpLength(lp);
    n->container = QUICKLIST_NODE_CONTAINER_PACKED;
    return n;
}

static quicklistNode *qlNodeCreatePlain(unsigned char *data, size_t sz) {
    quicklistNode *n = zmalloc(sizeof(*n));
    n->prev = n->next = NULL;
    n->entry = data;
    n->sz = sz;
    n->count = 1;
    n->container = QUICKLIST_NODE_CONTAINER_PLAIN;
    return n;
}

/* A new node holding a copy of the <sz> bytes at <s>. */
static quicklistNode *qlNodeCreateWith(const void *s, size_t sz) {
    if (qlIsLarge(sz)) {
        unsigned char *copy = zmalloc(sz ? sz : 1);
        if (sz) memcpy(copy, s, sz);
        return qlNodeCreatePlain(copy, sz);
    }
    unsigned char *lp = lpAppend(lpNew(0), (unsigned char *)s, (uint32_t)sz);
    return qlNodeCreatePacked(lp);
}

static void qlNodeUpdateSize(quicklistNode *n) {
    n->sz = lpBytes(n->entry);
}

/* Links <n> next to <old> (after it when <after>); <old> NULL means the
 * list is empty. */
static void qlLinkNode(quicklist *ql, quicklistNode *old, quicklistNode *n,
                       int after) {
    if (old == NULL) {
        ql->head = ql->tail = n;
        n->prev = n->next = NULL;
    } else if (after) {
        n->prev = old;
        n->next = old->next;
        if (old->next) old->next->prev = n;
        old->next = n;
        if (ql->tail == old) ql->tail = n;
    } else {
        n->next = old;
        n->prev = old->prev;
        if (old->prev) old->prev->next = n;
        old->prev = n;
        if (ql->head == old) ql->head = n;
    }
    ql->len++;
    ql->count += n->count;
}

/* Unlinks and frees <n>, keeping the counters right. */
static void qlDelNode(quicklist *ql, quicklistNode *n) {
    if (n->prev) n->prev->next = n->next;
    if (n->next) n->next->prev = n->prev;
    if (ql->head == n) ql->head = n->next;
    if (ql->tail == n) ql->tail = n->prev;
    ql->len--;
    ql->count -= n->count;
    zfree(n->entry);
    zfree(n);
}

/* Returns an empty list whose packed nodes follow <fill> (the
 * list-max-listpack-size value) and which records <compress> (the depth). */
quicklist *quicklistCreate(int fill, int compress) {
    quicklist *ql = zmalloc(sizeof(*ql));
    ql->head = ql->tail = NULL;
    ql->count = 0;
    ql->len = 0;
    ql->fill = fill;
    ql->compress = compress < 0 ? 0 : (unsigned int)compress;
    return ql;
}

/* Frees <ql> with all its nodes. */
void quicklistRelease(quicklist *ql) {
    quicklistNode *n = ql->head;
    while (n) {
        quicklistNode *next = n->next;
        zfree(n->entry);
        zfree(n);
        n = next;
    }
    zfree(ql);
}

/* Returns a deep copy of <ql> (same node layout); the caller owns it. */
quicklist *quicklistDup(quicklist *ql) {
    quicklist *copy = quicklistCreate(ql->fill, (int)ql->compress);
    for (quicklistNode *n = ql->head; n; n = n->next) {
        unsigned char *bytes = zmalloc(n->sz ? n->sz : 1);
        memcpy(bytes, n->entry, n->sz);
        quicklistNode *d = n->container == QUICKLIST_NODE_CONTAINER_PLAIN
                               ? qlNodeCreatePlain(bytes, n->sz)
                               : qlNodeCreatePacked(bytes);
        qlLinkNode(copy, copy->tail, d, 1);
    }
    return copy;
}

/* Returns the number of elements of <ql>. */
unsigned long quicklistCount(const quicklist *ql) {
    return ql->count;
}

/* Returns the bytes <ql> holds (structures and node contents), for
 * MEMORY USAGE. */
size_t quicklistAllocSize(const quicklist *ql) {
    size_t total = sizeof(*ql);
    for (quicklistNode *n = ql->head; n; n = n->next)
        total += sizeof(*n) + n->sz;
    return total;
}

/* Adds a copy of the <sz> bytes at <s> as the first element of <ql>. */
void quicklistPushHead(quicklist *ql, const void *s, size_t sz) {
    quicklistNode *h = ql->head;
    if (qlNodeAllowInsert(ql, h, sz)) {
        h->entry = lpPrepend(h->entry, (unsigned char *)s, (uint32_t)sz);
        h->count++;
        ql->count++;
        qlNodeUpdateSize(h);
        return;
    }
    qlLinkNode(ql, h, qlNodeCreateWith(s, sz), 0);
}

/* Adds a copy of the <sz> bytes at <s> as the last element of <ql>. */
void quicklistPushTail(quicklist *ql, const void *s, size_t sz) {
    quicklistNode *t = ql->tail;
    if (qlNodeAllowInsert(ql, t, sz)) {
        t->entry = lpAppend(t->entry, (unsigned char *)s, (uint32_t)sz);
        t->count++;
        ql->count++;
        qlNodeUpdateSize(t);
        return;
    }
    qlLinkNode(ql, t, qlNodeCreateWith(s, sz), 1);
}

/* Pushes at the head (<where> QUICKLIST_HEAD) or tail (QUICKLIST_TAIL). */
void quicklistPush(quicklist *ql, const void *s, size_t sz, int where) {
    if (where == QUICKLIST_HEAD)
        quicklistPushHead(ql, s, sz);
    else
        quicklistPushTail(ql, s, sz);
}

/* Takes ownership of the listpack <lp> and appends it as a packed node
 * (RDB loading). <lp> must hold at least one element. */
void quicklistAppendListpack(quicklist *ql, unsigned char *lp) {
    qlLinkNode(ql, ql->tail, qlNodeCreatePacked(lp), 1);
}

/* Takes ownership of the <sz> bytes at <data> (zmalloc'ed) and appends
 * them as a plain node holding one element (RDB loading). */
void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t sz) {
    qlLinkNode(ql, ql->tail, qlNodeCreatePlain(data, sz), 1);
}

/* Fills <e> from the element at <offset> (<lpe> inside a packed node) of
 * <node>. */
static void qlFillEntry(quicklist *ql, quicklistNode *node, unsigned char *lpe,
                        long offset, quicklistEntry *e) {
    e->ql = ql;
    e->node = node;
    e->lpe = lpe;
    e->offset = offset;
    e->longval = 0;
    if (node->container == QUICKLIST_NODE_CONTAINER_PLAIN) {
        e->value = node->entry;
        e->sz = node->sz;
        return;
    }
    unsigned int slen = 0;
    long long lval = 0;
    e->value = lpGetValue(lpe, &slen, &lval);
    e->sz = slen;
    if (e->value == NULL) {
        e->longval = lval;
        e->sz = 0;
    }
}

/* Finds the node and in-node offset of element <index> (negative counts
 * from the tail). Returns NULL when out of range. */
static quicklistNode *qlFindIndex(quicklist *ql, long index, long *offset) {
    unsigned long want;
    int forward = index >= 0;
    if (forward) {
        want = (unsigned long)index;
    } else {
        want = (unsigned long)(-(index + 1));
    }
    if (want >= ql->count) return NULL;
    quicklistNode *n = forward ? ql->head : ql->tail;
    unsigned long seen = 0;
    while (n && seen + n->count <= want) {
        seen += n->count;
        n = forward ? n->next : n->prev;
    }
    if (n == NULL) return NULL;
    unsigned long in = want - seen;
    *offset = forward ? (long)in : (long)(n->count - 1 - in);
    return n;
}

/* Fills <e> with element <index> of <ql> (negative: from the tail).
 * Returns 1, or 0 when the index is out of range. */
int quicklistGetEntryAtIndex(quicklist *ql, long index, quicklistEntry *e) {
    long offset;
    quicklistNode *n = qlFindIndex(ql, index, &offset);
    if (n == NULL) return 0;
    unsigned char *lpe = NULL;
    if (n->container == QUICKLIST_NODE_CONTAINER_PACKED)
        lpe = lpSeek(n->entry, offset);
    qlFillEntry(ql, n, lpe, offset, e);
    return 1;
}

/* Removes the element <lpe> of <node>; deletes the node when it empties.
 * Returns 1 when the node was deleted; otherwise *<newp> (may be NULL) is
 * the entry that followed and node->entry may have moved. */
static int qlDelIndex(quicklist *ql, quicklistNode *node, unsigned char *lpe,
                      unsigned char **newp) {
    if (node->container == QUICKLIST_NODE_CONTAINER_PLAIN ||
        node->count == 1) {
        qlDelNode(ql, node);
        return 1;
    }
    node->entry = lpDelete(node->entry, lpe, newp);
    node->count--;
    ql->count--;
    qlNodeUpdateSize(node);
    return 0;
}

/* Copies the first (<where> QUICKLIST_HEAD) or last element of <ql> out
 * and removes it. A string goes to *<data> (zmalloc'ed, caller frees) and
 * *<sz>; an integer sets *<data> to NULL and *<lval>. Returns 0 when the
 * list is empty. */
int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *sz,
                 long long *lval) {
    if (ql->count == 0) return 0;
    quicklistEntry e;
    int found = quicklistGetEntryAtIndex(
        ql, where == QUICKLIST_HEAD ? 0 : -1, &e);
    if (!found) return 0;
    if (e.value) {
        *data = zmalloc(e.sz ? e.sz : 1);
        memcpy(*data, e.value, e.sz);
        *sz = e.sz;
    } else {
        *data = NULL;
        *sz = 0;
        *lval = e.longval;
    }
    qlDelIndex(ql, e.node, e.lpe, NULL);
    return 1;
}

/* Deletes up to <count> elements from index <start> (negative: from the
 * tail) on. Returns how many were deleted. */
unsigned long quicklistDelRange(quicklist *ql, long start, long count) {
    if (count <= 0) return 0;
    long offset;
    quicklistNode *n = qlFindIndex(ql, start, &offset);
    unsigned long left = (unsigned long)count, deleted = 0;
    while (n && left) {
        quicklistNode *next = n->next;
        unsigned long avail = n->count - (unsigned long)offset;
        unsigned long del = avail < left ? avail : left;
        if (offset == 0 && del == n->count) {
            qlDelNode(ql, n);
        } else {
            n->entry = lpDeleteRange(n->entry, offset, del);
            n->count -= (unsigned int)del;
            ql->count -= del;
            qlNodeUpdateSize(n);
        }
        deleted += del;
        left -= del;
        n = next;
        offset = 0;
    }
    return deleted;
}

/* Splits <node> so that it keeps its elements [0, <at>) and a new node
 * after it gets the rest. Returns the new node. 0 < at < node->count. */
static quicklistNode *qlSplitNode(quicklist *ql, quicklistNode *node,
                                  unsigned long at) {
    unsigned long total = node->count;
    unsigned char *rest = lpDup(node->entry);
    rest = lpDeleteRange(rest, 0, at);
    node->entry = lpDeleteRange(node->entry, (long)at, total - at);
    node->count = (unsigned int)at;
    qlNodeUpdateSize(node);
    ql->count -= total - at;
    quicklistNode *nn = qlNodeCreatePacked(rest);
    qlLinkNode(ql, node, nn, 1);
    return nn;
}

/* Merges <b> into <a> (its predecessor) when both are packed and the
 * result respects the fill. Returns the surviving node. */
static quicklistNode *qlTryMerge(quicklist *ql, quicklistNode *a,
                                 quicklistNode *b) {
    if (!a || !b) return NULL;
    if (a->container != QUICKLIST_NODE_CONTAINER_PACKED ||
        b->container != QUICKLIST_NODE_CONTAINER_PACKED)
        return NULL;
    if (qlExceedsLimit(ql->fill, a->sz + b->sz, (unsigned long)a->count +
                                                    b->count))
        return NULL;
    unsigned char *first = a->entry, *second = b->entry;
    unsigned char *merged = lpMerge(&first, &second);
    if (merged == NULL) return NULL;
    unsigned int bcount = b->count;
    /* lpMerge freed one of the two blobs; the other now holds all. */
    a->entry = merged;
    b->entry = NULL;
    a->count += bcount;
    qlNodeUpdateSize(a);
    /* The elements stay in the list: b leaves with a count of zero. */
    b->count = 0;
    qlDelNode(ql, b);
    return a;
}

/* Inserts a copy of <s>/<sz> before or <after> the element at <offset>
 * (<lpe> in a packed node) of <node>. */
static void qlInsert(quicklist *ql, quicklistNode *node, unsigned char *lpe,
                     long offset, const void *s, size_t sz, int after) {
    if (node == NULL) {
        quicklistPushTail(ql, s, sz);
        return;
    }
    int at_tail = after && (unsigned long)offset == node->count - 1;
    int at_head = !after && offset == 0;
    if (qlNodeAllowInsert(ql, node, sz)) {
        node->entry = lpInsertString(node->entry, (unsigned char *)s,
                                     (uint32_t)sz, lpe,
                                     after ? LP_AFTER : LP_BEFORE, NULL);
        node->count++;
        ql->count++;
        qlNodeUpdateSize(node);
        return;
    }
    if (at_tail && qlNodeAllowInsert(ql, node->next, sz)) {
        quicklistNode *n = node->next;
        n->entry = lpPrepend(n->entry, (unsigned char *)s, (uint32_t)sz);
        n->count++;
        ql->count++;
        qlNodeUpdateSize(n);
        return;
    }
    if (at_head && qlNodeAllowInsert(ql, node->prev, sz)) {
        quicklistNode *p = node->prev;
        p->entry = lpAppend(p->entry, (unsigned char *)s, (uint32_t)sz);
        p->count++;
        ql->count++;
        qlNodeUpdateSize(p);
        return;
    }
    quicklistNode *nn = qlNodeCreateWith(s, sz);
    if (at_tail || at_head) {
        qlLinkNode(ql, node, nn, after);
        return;
    }
    /* In the middle of a full packed node: split it around the place. */
    unsigned long at = after ? (unsigned long)offset + 1 : (unsigned long)offset;
    quicklistNode *right = qlSplitNode(ql, node, at);
    qlLinkNode(ql, node, nn, 1);
    quicklistNode *m = qlTryMerge(ql, node, nn);
    if (m == NULL) m = nn;
    qlTryMerge(ql, m, right);
}

/* Inserts a copy of <s>/<sz> just before the element <e> returned by an
 * iterator (or quicklistGetEntryAtIndex) of <it>'s list. */
void quicklistInsertBefore(quicklistIter *it, quicklistEntry *e,
                           const void *s, size_t sz) {
    qlInsert(it->ql, e->node, e->lpe, e->offset, s, sz, 0);
}

/* Inserts a copy of <s>/<sz> just after the element <e>. */
void quicklistInsertAfter(quicklistIter *it, quicklistEntry *e,
                          const void *s, size_t sz) {
    qlInsert(it->ql, e->node, e->lpe, e->offset, s, sz, 1);
}

/* Replaces element <index> of <ql> by a copy of <s>/<sz>. Returns 1, or 0
 * when the index is out of range. */
int quicklistReplaceAtIndex(quicklist *ql, long index, const void *s,
                            size_t sz) {
    quicklistEntry e;
    if (!quicklistGetEntryAtIndex(ql, index, &e)) return 0;
    quicklistNode *n = e.node;
    if (n->container == QUICKLIST_NODE_CONTAINER_PLAIN && qlIsLarge(sz)) {
        zfree(n->entry);
        n->entry = zmalloc(sz ? sz : 1);
        memcpy(n->entry, s, sz);
        n->sz = sz;
        return 1;
    }
    size_t oldsz = e.value ? e.sz : 8;
    if (n->container == QUICKLIST_NODE_CONTAINER_PACKED && !qlIsLarge(sz) &&
        (n->count == 1 ||
         !qlExceedsLimit(ql->fill, n->sz - oldsz + sz, n->count))) {
        unsigned char *p = e.lpe;
        n->entry = lpReplace(n->entry, &p, (unsigned char *)s, (uint32_t)sz);
        qlNodeUpdateSize(n);
        return 1;
    }
    /* The container changes or the node would overflow: insert the new
     * value after the old one, then drop the old one. */
    long pos = index >= 0 ? index : (long)ql->count + index;
    qlInsert(ql, n, e.lpe, e.offset, s, sz, 1);
    quicklistDelRange(ql, pos, 1);
    return 1;
}

/* Starts <it> over <ql> from the head (<direction> AL_START_HEAD_QL) or
 * the tail (AL_START_TAIL_QL). Iterators own nothing; just drop them. */
void quicklistInitIterator(quicklistIter *it, quicklist *ql, int direction) {
    it->ql = ql;
    it->direction = direction;
    it->node = direction == AL_START_HEAD_QL ? ql->head : ql->tail;
    it->lpe = NULL;
    it->offset = -1;
    it->pending = 0;
}

/* Starts <it> so that its first quicklistNext returns element <index>
 * (negative: from the tail), going in <direction>. Returns 0 when the
 * index is out of range. */
int quicklistInitIteratorAtIdx(quicklistIter *it, quicklist *ql,
                               int direction, long index) {
    quicklistInitIterator(it, ql, direction);
    long offset;
    quicklistNode *n = qlFindIndex(ql, index, &offset);
    if (n == NULL) {
        it->node = NULL;
        return 0;
    }
    it->node = n;
    it->offset = offset;
    it->lpe = n->container == QUICKLIST_NODE_CONTAINER_PACKED
                  ? lpSeek(n->entry, offset)
                  : NULL;
    it->pending = 1;
    return 1;
}

static void qlIterNextNode(quicklistIter *it) {
    it->node = it->direction == AL_START_HEAD_QL ? it->node->next
                                                 : it->node->prev;
    it->lpe = NULL;
    it->offset = -1;
    it->pending = 0;
}

/* Fills <e> with the next element of <it>. Returns 0 at the end. */
int quicklistNext(quicklistIter *it, quicklistEntry *e) {
    int forward = it->direction == AL_START_HEAD_QL;
    while (it->node) {
        quicklistNode *n = it->node;
        if (it->pending) {
            it->pending = 0;
        } else if (n->container == QUICKLIST_NODE_CONTAINER_PLAIN) {
            if (it->offset != -1) {
                qlIterNextNode(it);
                continue;
            }
            it->offset = 0;
        } else if (it->offset == -1) {
            it->lpe = forward ? lpFirst(n->entry) : lpLast(n->entry);
            it->offset = forward ? 0 : (long)n->count - 1;
        } else {
            it->lpe = forward ? lpNext(n->entry, it->lpe)
                              : lpPrev(n->entry, it->lpe);
            it->offset += forward ? 1 : -1;
            if (it->lpe == NULL) {
                qlIterNextNode(it);
                continue;
            }
        }
        qlFillEntry(it->ql, n, it->lpe, it->offset, e);
        return 1;
    }
    return 0;
}

/* Deletes the element <e> just returned by quicklistNext(<it>); the
 * iteration goes on with the element that came after it (in <it>'s
 * direction). */
void quicklistDelEntry(quicklistIter *it, quicklistEntry *e) {
    quicklistNode *n = e->node;
    int forward = it->direction == AL_START_HEAD_QL;
    quicklistNode *neighbour = forward ? n->next : n->prev;
    size_t prev_off = 0;
    int has_prev = 0;
    if (!forward && n->container == QUICKLIST_NODE_CONTAINER_PACKED &&
        e->offset > 0) {
        prev_off = (size_t)(lpPrev(n->entry, e->lpe) - n->entry);
        has_prev = 1;
    }
    unsigned char *newp = NULL;
    if (qlDelIndex(it->ql, n, e->lpe, &newp)) {
        it->node = neighbour;
        it->lpe = NULL;
        it->offset = -1;
        it->pending = 0;
        return;
    }
    if (forward) {
        if (newp) {
            it->lpe = newp;
            it->offset = e->offset;
            it->pending = 1;
        } else {
            it->node = neighbour;
            it->lpe = NULL;
            it->offset = -1;
            it->pending = 0;
        }
    } else if (has_prev) {
        it->lpe = n->entry + prev_off;
        it->offset = e->offset - 1;
        it->pending = 1;
    } else {
        it->node = neighbour;
        it->lpe = NULL;
        it->offset = -1;
        it->pending = 0;
    }
}

/* Returns 1 when element <e> equals the <sz> bytes at <s> (integers are
 * compared by their decimal text). */
int quicklistCompare(const quicklistEntry *e, const void *s, size_t sz) {
    if (e->value) return e->sz == sz && (sz == 0 || memcmp(e->value, s, sz) == 0);
    char buf[LP_INTBUF_SIZE];
    int len = ll2string(buf, sizeof(buf), e->longval);
    return (size_t)len == sz && memcmp(buf, s, sz) == 0;
}
