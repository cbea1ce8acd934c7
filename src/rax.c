/* rax: the compressed prefix tree of rax.h.
 *
 * A node is one allocation: a 32-bit header (label length, child count,
 * has-key bit), its edge label, the first byte of each child's label
 * (sorted, so a child is found by a search of that short array without
 * touching the children), padding to pointer alignment, the value
 * pointer when the node holds a key, then the child pointers in the same
 * order. A leaf with a one-byte label (the common case of pending
 * entries lists keyed by consecutive IDs) takes 16 bytes. Adding or
 * removing a child or the key, or changing a label, builds the node anew
 * and the caller stores it in the parent's slot; no node points to its
 * parent.
 *
 * Invariants (checked by the unit test through the public API):
 *   - the root has an empty label; every other node a non-empty one of at
 *     most RAX_MAX_LABEL bytes (longer edges are chains of full nodes);
 *   - the first bytes of a node's children are distinct and increasing;
 *   - every node but the root holds a key or has at least two children,
 *     or is a keyless link with one child on the path of a key longer
 *     than RAX_MAX_LABEL (two such links are merged only while the joined
 *     label fits);
 *   - numele, numnodes and bytes count keys, nodes and node allocations.
 * It never looks at values; it does not depend on anything but zmalloc. */
#include "rax.h"

#include <string.h>

#include "zmalloc.h"

#define RAX_PLEN_BITS 22
#define RAX_MAX_LABEL ((1u << RAX_PLEN_BITS) - 1)

struct raxNode {
    uint32_t hdr;         /* plen (22 bits) | nchild (9 bits) | haskey */
    unsigned char data[]; /* label, first bytes, pad, [value], children */
};

#define RAX_ALIGN(n) (((n) + sizeof(void *) - 1) & ~(sizeof(void *) - 1))

static size_t nodePlen(const raxNode *n) { return n->hdr & RAX_MAX_LABEL; }
static int nodeNchild(const raxNode *n) {
    return (int)((n->hdr >> RAX_PLEN_BITS) & 0x1ff);
}
static int nodeHasKey(const raxNode *n) { return (int)(n->hdr >> 31); }

/* Offset of the pointer area (value, then children) from the node. */
static size_t nodePtrOffset(size_t plen, size_t nchild) {
    return RAX_ALIGN(sizeof(raxNode) + plen + nchild);
}

static size_t nodeAllocSize(size_t plen, size_t nchild, int haskey) {
    return nodePtrOffset(plen, nchild) +
           ((size_t)(haskey ? 1 : 0) + nchild) * sizeof(void *);
}

static size_t nodeSize(const raxNode *n) {
    return nodeAllocSize(nodePlen(n), (size_t)nodeNchild(n), nodeHasKey(n));
}

static unsigned char *nodeFirst(raxNode *n) { return n->data + nodePlen(n); }

static void **nodeValSlot(raxNode *n) {
    return (void **)(void *)((char *)n +
                             nodePtrOffset(nodePlen(n), (size_t)nodeNchild(n)));
}

static void *nodeVal(raxNode *n) { return nodeHasKey(n) ? *nodeValSlot(n) : NULL; }

static raxNode **nodeKids(raxNode *n) {
    return (raxNode **)(void *)(nodeValSlot(n) + (nodeHasKey(n) ? 1 : 0));
}

/* A node with <label>/<plen> (<= RAX_MAX_LABEL), the key and <val> when
 * <haskey>, and room for <nchild> children whose first bytes and
 * pointers the caller fills. */
static raxNode *nodeCreate(rax *r, const unsigned char *label, size_t plen,
                           size_t nchild, int haskey, void *val) {
    size_t sz = nodeAllocSize(plen, nchild, haskey);
    raxNode *n = zmalloc(sz);
    n->hdr = (uint32_t)plen | ((uint32_t)nchild << RAX_PLEN_BITS) |
             ((uint32_t)(haskey ? 1 : 0) << 31);
    if (plen && label) memcpy(n->data, label, plen);
    if (haskey) *nodeValSlot(n) = val;
    r->bytes += sz;
    return n;
}

static void nodeDestroy(rax *r, raxNode *n) {
    r->bytes -= nodeSize(n);
    zfree(n);
}

/* Index of the child whose label starts with <c> (returns 1), or where
 * such a child would go (returns 0). */
static int nodeFindChild(raxNode *n, unsigned char c, int *idx) {
    const unsigned char *f = nodeFirst(n);
    int lo = 0, hi = nodeNchild(n);
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (f[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    *idx = lo;
    return lo < nodeNchild(n) && f[lo] == c;
}

/* A copy of <n> with <label>/<plen> as its label (may point inside <n>'s
 * own label), <haskey>/<val> as its key, and <n>'s children; <n> is
 * freed. */
static raxNode *nodeRebuild(rax *r, raxNode *n, const unsigned char *label,
                            size_t plen, int haskey, void *val) {
    size_t nc = (size_t)nodeNchild(n);
    raxNode *m = nodeCreate(r, label, plen, nc, haskey, val);
    memcpy(nodeFirst(m), nodeFirst(n), nc);
    memcpy(nodeKids(m), nodeKids(n), nc * sizeof(raxNode *));
    nodeDestroy(r, n);
    return m;
}

/* <n> with <child> added at position <idx>, grown in place when the
 * allocator can (the node may move: use the returned pointer). The
 * pointer area moves right first, since the first-byte array grows into
 * its place. */
static raxNode *nodeAddChild(rax *r, raxNode *n, int idx, raxNode *child) {
    size_t plen = nodePlen(n), nc = (size_t)nodeNchild(n);
    size_t hk = (size_t)(nodeHasKey(n) ? 1 : 0), i = (size_t)idx;
    size_t old_off = nodePtrOffset(plen, nc), new_off = nodePtrOffset(plen, nc + 1);
    size_t old_sz = nodeSize(n), new_sz = nodeAllocSize(plen, nc + 1, (int)hk);
    n = zrealloc(n, new_sz);
    r->bytes += new_sz - old_sz;
    char *base = (char *)n;
    size_t ps = sizeof(void *);
    memmove(base + new_off + (hk + i + 1) * ps, base + old_off + (hk + i) * ps,
            (nc - i) * ps);
    memmove(base + new_off, base + old_off, (hk + i) * ps);
    unsigned char *f = n->data + plen;
    memmove(f + i + 1, f + i, nc - i);
    f[i] = child->data[0];
    n->hdr += 1u << RAX_PLEN_BITS;
    nodeKids(n)[i] = child;
    return n;
}

/* <n> without its child at <idx> (the child is not freed), shrunk in
 * place when the allocator can (use the returned pointer). */
static raxNode *nodeDropChild(rax *r, raxNode *n, int idx) {
    size_t plen = nodePlen(n), nc = (size_t)nodeNchild(n);
    size_t hk = (size_t)(nodeHasKey(n) ? 1 : 0), i = (size_t)idx;
    size_t old_off = nodePtrOffset(plen, nc), new_off = nodePtrOffset(plen, nc - 1);
    size_t old_sz = nodeSize(n), new_sz = nodeAllocSize(plen, nc - 1, (int)hk);
    char *base = (char *)n;
    size_t ps = sizeof(void *);
    unsigned char *f = n->data + plen;
    memmove(f + i, f + i + 1, nc - i - 1);
    memmove(base + new_off, base + old_off, (hk + i) * ps);
    memmove(base + new_off + (hk + i) * ps, base + old_off + (hk + i + 1) * ps,
            (nc - i - 1) * ps);
    n->hdr -= 1u << RAX_PLEN_BITS;
    r->bytes -= old_sz - new_sz;
    return zrealloc(n, new_sz);
}

/* Replaces the keyless single-child node in *<slot> by one node with the
 * two labels joined, unless the joined label would be too long. */
static void nodeMergeWithChild(rax *r, raxNode **slot) {
    raxNode *n = *slot, *c = nodeKids(n)[0];
    size_t plen = nodePlen(n) + nodePlen(c);
    if (plen > RAX_MAX_LABEL) return;
    size_t nc = (size_t)nodeNchild(c);
    raxNode *m = nodeCreate(r, NULL, plen, nc, nodeHasKey(c), nodeVal(c));
    memcpy(m->data, n->data, nodePlen(n));
    memcpy(m->data + nodePlen(n), c->data, nodePlen(c));
    memcpy(nodeFirst(m), nodeFirst(c), nc);
    memcpy(nodeKids(m), nodeKids(c), nc * sizeof(raxNode *));
    nodeDestroy(r, n);
    nodeDestroy(r, c);
    r->numnodes--;
    *slot = m;
}

/* A new branch holding <key>/<len> (len >= 1) -> <val>: one leaf, or a
 * chain of full-label nodes ending in one when the key is longer than a
 * label may be. */
static raxNode *nodeCreateBranch(rax *r, const unsigned char *key, size_t len,
                                 void *val) {
    if (len <= RAX_MAX_LABEL) {
        r->numnodes++;
        return nodeCreate(r, key, len, 0, 1, val);
    }
    raxNode *rest = nodeCreateBranch(r, key + RAX_MAX_LABEL,
                                     len - RAX_MAX_LABEL, val);
    raxNode *n = nodeCreate(r, key, RAX_MAX_LABEL, 1, 0, NULL);
    nodeFirst(n)[0] = rest->data[0];
    nodeKids(n)[0] = rest;
    r->numnodes++;
    return n;
}

static size_t commonPrefix(const unsigned char *a, size_t alen,
                           const unsigned char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* See rax.h. */
rax *raxNew(void) {
    rax *r = zmalloc(sizeof(*r));
    r->numele = 0;
    r->numnodes = 1;
    r->bytes = 0;
    r->head = nodeCreate(r, NULL, 0, 0, 0, NULL);
    return r;
}

/* See rax.h: walks the tree with an explicit stack, since a path can be
 * as deep as the longest key is long. */
void raxFree(rax *r, void (*freeval)(void *)) {
    if (!r) return;
    size_t cap = 64, top = 0;
    raxNode **st = zmalloc(cap * sizeof(*st));
    st[top++] = r->head;
    while (top) {
        raxNode *n = st[--top];
        size_t nc = (size_t)nodeNchild(n);
        if (top + nc > cap) {
            while (top + nc > cap) cap *= 2;
            st = zrealloc(st, cap * sizeof(*st));
        }
        memcpy(st + top, nodeKids(n), nc * sizeof(raxNode *));
        top += nc;
        if (nodeHasKey(n) && freeval) freeval(nodeVal(n));
        zfree(n);
    }
    zfree(st);
    zfree(r);
}

uint64_t raxSize(const rax *r) { return r->numele; }
uint64_t raxNodeCount(const rax *r) { return r->numnodes; }
size_t raxAllocSize(const rax *r) { return r->bytes + sizeof(*r); }

/* See rax.h. */
int raxInsert(rax *r, const void *keyp, size_t len, void *val) {
    const unsigned char *key = keyp;
    raxNode **slot = &r->head;
    size_t pos = 0;
    for (;;) {
        raxNode *n = *slot;
        if (pos == len) {
            if (nodeHasKey(n)) return 0;
            *slot = nodeRebuild(r, n, n->data, nodePlen(n), 1, val);
            r->numele++;
            return 1;
        }
        int idx;
        if (!nodeFindChild(n, key[pos], &idx)) {
            raxNode *leaf = nodeCreateBranch(r, key + pos, len - pos, val);
            *slot = nodeAddChild(r, n, idx, leaf);
            r->numele++;
            return 1;
        }
        raxNode **cslot = &nodeKids(n)[idx];
        raxNode *c = *cslot;
        size_t cplen = nodePlen(c);
        size_t m = commonPrefix(c->data, cplen, key + pos, len - pos);
        if (m == cplen) {
            slot = cslot;
            pos += m;
            continue;
        }
        /* The key leaves (or ends inside) the child's label after <m>
         * bytes (m >= 1: the first byte matched): split the label. */
        int ends = pos + m == len;
        raxNode *mid = nodeCreate(r, c->data, m, 0, ends, val);
        raxNode *rest = nodeRebuild(r, c, c->data + m, cplen - m,
                                    nodeHasKey(c), nodeVal(c));
        r->numnodes++;
        mid = nodeAddChild(r, mid, 0, rest);
        if (!ends) {
            raxNode *leaf =
                nodeCreateBranch(r, key + pos + m, len - pos - m, val);
            mid = nodeAddChild(r, mid, leaf->data[0] < rest->data[0] ? 0 : 1,
                               leaf);
        }
        *cslot = mid;
        r->numele++;
        return 1;
    }
}

/* The node that holds <key> exactly (key or not), or NULL. When <path>
 * is not NULL it receives the slots from the root's down to the node's
 * (*<depth> of them). */
static raxNode *raxWalk(const rax *r, const unsigned char *key, size_t len,
                        raxNode ***path, size_t *depth) {
    raxNode **slot = (raxNode **)&r->head;
    size_t pos = 0, d = 0;
    for (;;) {
        if (path) path[d++] = slot;
        raxNode *n = *slot;
        if (pos == len) {
            if (depth) *depth = d;
            return n;
        }
        int idx;
        if (!nodeFindChild(n, key[pos], &idx)) return NULL;
        raxNode *c = nodeKids(n)[idx];
        size_t cplen = nodePlen(c);
        if (len - pos < cplen || memcmp(c->data, key + pos, cplen) != 0)
            return NULL;
        slot = &nodeKids(n)[idx];
        pos += cplen;
    }
}

/* See rax.h. */
int raxFind(const rax *r, const void *key, size_t len, void **val) {
    raxNode *n = raxWalk(r, key, len, NULL, NULL);
    if (!n || !nodeHasKey(n)) return 0;
    if (val) *val = nodeVal(n);
    return 1;
}

/* See rax.h. */
int raxReplace(rax *r, const void *key, size_t len, void *val) {
    raxNode *n = raxWalk(r, key, len, NULL, NULL);
    if (!n || !nodeHasKey(n)) return 0;
    *nodeValSlot(n) = val;
    return 1;
}

/* See rax.h. A path is at most one node per key byte plus the root. */
int raxRemove(rax *r, const void *key, size_t len, void **old) {
    raxNode **local[66];
    raxNode ***path = len + 2 <= 66 ? local : zmalloc((len + 2) * sizeof(*path));
    size_t d = 0;
    raxNode *n = raxWalk(r, key, len, path, &d);
    int found = n && nodeHasKey(n);
    if (found) {
        if (old) *old = nodeVal(n);
        r->numele--;
        if (d > 1 && nodeNchild(n) == 0) {
            /* Drop the leaf, and the links of a long key's chain that it
             * leaves empty; the parent left may be keyless with a single
             * child, and then absorbs it. */
            size_t lvl = d - 1; /* path[lvl] holds n */
            raxNode *p;
            for (;;) {
                raxNode **pslot = path[lvl - 1];
                p = *pslot;
                int idx;
                nodeFindChild(p, n->data[0], &idx);
                nodeDestroy(r, n);
                r->numnodes--;
                p = nodeDropChild(r, p, idx);
                *pslot = p;
                lvl--;
                if (lvl == 0 || nodeHasKey(p) || nodeNchild(p) != 0) break;
                n = p;
            }
            if (lvl > 0 && !nodeHasKey(p) && nodeNchild(p) == 1)
                nodeMergeWithChild(r, path[lvl]);
        } else {
            n = nodeRebuild(r, n, n->data, nodePlen(n), 0, NULL);
            *path[d - 1] = n;
            if (d > 1 && nodeNchild(n) == 1) nodeMergeWithChild(r, path[d - 1]);
        }
    }
    if (path != local) zfree(path);
    return found;
}

/* ------------------------------------------------------------------------
 * Iterators
 * --------------------------------------------------------------------- */

/* See rax.h. */
void raxIterInit(raxIter *it, rax *r) {
    it->tree = r;
    it->key = it->inline_key;
    it->key_len = 0;
    it->key_cap = RAX_ITER_INLINE_KEY;
    it->val = NULL;
    it->valid = 0;
    it->stack = it->inline_stack;
    it->depth = 0;
    it->stack_cap = RAX_ITER_INLINE_DEPTH;
}

static int iterEnd(raxIter *it) {
    it->valid = 0;
    it->key_len = 0;
    it->val = NULL;
    return 0;
}

/* See rax.h. */
raxIter *raxIterRetarget(raxIter *it, rax *r) {
    it->tree = r;
    it->depth = 0;
    iterEnd(it);
    return it;
}

/* See rax.h. */
void raxIterRelease(raxIter *it) {
    if (it->key != it->inline_key) zfree(it->key);
    if (it->stack != it->inline_stack) zfree(it->stack);
    it->key = it->inline_key;
    it->stack = it->inline_stack;
    it->valid = 0;
}

static raxFrame *iterTop(raxIter *it) { return &it->stack[it->depth - 1]; }

/* Goes down into <n>: appends its label to the key and stacks it. */
static void iterPush(raxIter *it, raxNode *n) {
    size_t base = it->depth ? iterTop(it)->keylen : 0;
    size_t need = base + nodePlen(n);
    if (need > it->key_cap) {
        size_t cap = it->key_cap * 2;
        if (cap < need) cap = need;
        if (it->key == it->inline_key) {
            unsigned char *k = zmalloc(cap);
            memcpy(k, it->key, base);
            it->key = k;
        } else {
            it->key = zrealloc(it->key, cap);
        }
        it->key_cap = cap;
    }
    memcpy(it->key + base, n->data, nodePlen(n));
    if (it->depth == it->stack_cap) {
        size_t cap = it->stack_cap * 2;
        if (it->stack == it->inline_stack) {
            raxFrame *s = zmalloc(cap * sizeof(*s));
            memcpy(s, it->stack, it->depth * sizeof(*s));
            it->stack = s;
        } else {
            it->stack = zrealloc(it->stack, cap * sizeof(*it->stack));
        }
        it->stack_cap = cap;
    }
    raxFrame *f = &it->stack[it->depth++];
    f->node = n;
    f->keylen = need;
    f->child = -1;
}

/* Makes the node on top of the stack (which holds a key) current. */
static int iterLand(raxIter *it) {
    raxFrame *f = iterTop(it);
    f->child = -1;
    it->key_len = f->keylen;
    it->val = nodeVal(f->node);
    it->valid = 1;
    return 1;
}

static void iterReset(raxIter *it) {
    it->depth = 0;
    iterPush(it, it->tree->head);
}

/* The smallest key of the subtree on top of the stack. */
static int iterDescendFirst(raxIter *it) {
    for (;;) {
        raxFrame *f = iterTop(it);
        raxNode *n = f->node;
        if (nodeHasKey(n)) return iterLand(it);
        if (nodeNchild(n) == 0) return iterEnd(it); /* the empty root */
        f->child = 0;
        iterPush(it, nodeKids(n)[0]);
    }
}

/* The largest key of the subtree on top of the stack. */
static int iterDescendLast(raxIter *it) {
    for (;;) {
        raxFrame *f = iterTop(it);
        raxNode *n = f->node;
        int nc = nodeNchild(n);
        if (nc == 0) return nodeHasKey(n) ? iterLand(it) : iterEnd(it);
        f->child = nc - 1;
        iterPush(it, nodeKids(n)[nc - 1]);
    }
}

/* The smallest key after the whole subtree on top of the stack. */
static int iterClimbNext(raxIter *it) {
    while (it->depth > 1) {
        it->depth--;
        raxFrame *f = iterTop(it);
        if (f->child + 1 < nodeNchild(f->node)) {
            f->child++;
            iterPush(it, nodeKids(f->node)[f->child]);
            return iterDescendFirst(it);
        }
    }
    return iterEnd(it);
}

/* The largest key before the node on top of the stack (whose own key,
 * if any, is the smallest of its subtree). */
static int iterClimbPrev(raxIter *it) {
    while (it->depth > 1) {
        it->depth--;
        raxFrame *f = iterTop(it);
        if (f->child > 0) {
            f->child--;
            iterPush(it, nodeKids(f->node)[f->child]);
            return iterDescendLast(it);
        }
        if (nodeHasKey(f->node)) return iterLand(it);
    }
    return iterEnd(it);
}

/* See rax.h. */
int raxIterFirst(raxIter *it) {
    iterReset(it);
    return iterDescendFirst(it);
}

/* See rax.h. */
int raxIterLast(raxIter *it) {
    iterReset(it);
    return iterDescendLast(it);
}

/* See rax.h. */
int raxIterNext(raxIter *it) {
    if (!it->valid) return 0;
    raxFrame *f = iterTop(it);
    if (nodeNchild(f->node)) {
        f->child = 0;
        iterPush(it, nodeKids(f->node)[0]);
        return iterDescendFirst(it);
    }
    return iterClimbNext(it);
}

/* See rax.h. */
int raxIterPrev(raxIter *it) {
    if (!it->valid) return 0;
    return iterClimbPrev(it);
}

/* See rax.h. */
void raxIterSetValue(raxIter *it, void *val) {
    *nodeValSlot(iterTop(it)->node) = val;
    it->val = val;
}

/* See rax.h: descends while the key matches whole labels; where it
 * leaves the tree, the answer is the first key of the subtree entered
 * (all greater) or the first one after it (all smaller). */
int raxIterSeekGE(raxIter *it, const void *keyp, size_t len, int strict) {
    const unsigned char *key = keyp;
    size_t pos = 0;
    iterReset(it);
    for (;;) {
        raxFrame *f = iterTop(it);
        raxNode *n = f->node;
        if (pos == len) {
            if (nodeHasKey(n) && !strict) return iterLand(it);
            if (nodeNchild(n)) {
                f->child = 0;
                iterPush(it, nodeKids(n)[0]);
                return iterDescendFirst(it);
            }
            return iterClimbNext(it);
        }
        int idx;
        int exact = nodeFindChild(n, key[pos], &idx);
        if (idx == nodeNchild(n)) return iterClimbNext(it);
        raxNode *c = nodeKids(n)[idx];
        f->child = idx;
        iterPush(it, c);
        if (!exact) return iterDescendFirst(it);
        size_t cplen = nodePlen(c);
        size_t m = commonPrefix(c->data, cplen, key + pos, len - pos);
        if (m == cplen) {
            pos += m;
            continue;
        }
        if (pos + m == len || c->data[m] > key[pos + m])
            return iterDescendFirst(it);
        return iterClimbNext(it);
    }
}

/* See rax.h: the mirror image of raxIterSeekGE. */
int raxIterSeekLE(raxIter *it, const void *keyp, size_t len, int strict) {
    const unsigned char *key = keyp;
    size_t pos = 0;
    iterReset(it);
    for (;;) {
        raxFrame *f = iterTop(it);
        raxNode *n = f->node;
        if (pos == len) {
            if (nodeHasKey(n) && !strict) return iterLand(it);
            return iterClimbPrev(it);
        }
        int idx;
        int exact = nodeFindChild(n, key[pos], &idx);
        /* idx: the first child >= key[pos]; the candidate is the last
         * child <= key[pos]. */
        if (!exact) idx--;
        if (idx < 0) {
            /* Every child is greater; the node's own key is a proper
             * prefix of <key>, hence smaller. */
            if (nodeHasKey(n)) return iterLand(it);
            return iterClimbPrev(it);
        }
        raxNode *c = nodeKids(n)[idx];
        f->child = idx;
        iterPush(it, c);
        if (!exact) return iterDescendLast(it);
        size_t cplen = nodePlen(c);
        size_t m = commonPrefix(c->data, cplen, key + pos, len - pos);
        if (m == cplen) {
            pos += m;
            continue;
        }
        if (pos + m < len && c->data[m] < key[pos + m])
            return iterDescendLast(it);
        return iterClimbPrev(it);
    }
}
