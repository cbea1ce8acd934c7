/* omap: a sorted array of (binary key, pointer) pairs; see omap.h for the
 * contract. It owns the key copies and the array, never the values. The
 * live window e[off, off + size) is kept sorted by omapCompare at all
 * times, with no duplicates; removing the first entry only moves <off>. */
#include "omap.h"

#include <string.h>

#include "zmalloc.h"

static int omapCompare(const unsigned char *a, size_t alen,
                       const unsigned char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Creates an empty map owned by the caller (release with omapFree). */
omap *omapNew(void) {
    omap *m = zmalloc(sizeof(*m));
    m->e = NULL;
    m->off = m->size = m->cap = 0;
    return m;
}

/* Frees <m> and its keys; each value goes to <freeval> unless NULL. */
void omapFree(omap *m, void (*freeval)(void *)) {
    if (!m) return;
    for (size_t i = 0; i < m->size; i++) {
        zfree(m->e[m->off + i].key);
        if (freeval) freeval(m->e[m->off + i].val);
    }
    zfree(m->e);
    zfree(m);
}

/* Number of entries of <m>. */
size_t omapSize(const omap *m) { return m->size; }

/* See omap.h: bisection over the sorted array. */
size_t omapLowerBound(const omap *m, const void *key, size_t len, int strict) {
    const omapEntry *e = m->e + m->off;
    size_t lo = 0, hi = m->size;
    /* Fast path for appends: the key is past the last one. */
    if (hi && omapCompare(e[hi - 1].key, e[hi - 1].len, key, len) < 0)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = omapCompare(e[mid].key, e[mid].len, key, len);
        if (c < 0 || (strict && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds <key> -> <val> unless present; 1 when added. */
int omapInsert(omap *m, const void *key, size_t len, void *val) {
    size_t i = omapLowerBound(m, key, len, 0);
    if (i < m->size) {
        omapEntry *at = &m->e[m->off + i];
        if (omapCompare(at->key, at->len, key, len) == 0) return 0;
    }
    if (m->off + m->size == m->cap) {
        if (m->off >= m->cap / 2 && m->off > 0) {
            /* Mostly consumed from the front: slide the window back. */
            memmove(m->e, m->e + m->off, m->size * sizeof(omapEntry));
            m->off = 0;
        } else {
            m->cap = m->cap ? m->cap * 2 : 4;
            m->e = zrealloc(m->e, m->cap * sizeof(omapEntry));
        }
    }
    omapEntry *base = m->e + m->off;
    memmove(base + i + 1, base + i, (m->size - i) * sizeof(omapEntry));
    base[i].key = zmalloc(len ? len : 1);
    if (len) memcpy(base[i].key, key, len);
    base[i].len = len;
    base[i].val = val;
    m->size++;
    return 1;
}

/* Looks <key> up; 1 and *<val> when present. */
int omapFind(const omap *m, const void *key, size_t len, void **val) {
    size_t i = omapLowerBound(m, key, len, 0);
    if (i < m->size) {
        const omapEntry *at = &m->e[m->off + i];
        if (omapCompare(at->key, at->len, key, len) == 0) {
            if (val) *val = at->val;
            return 1;
        }
    }
    return 0;
}

/* Removes the entry at <idx>, freeing its key copy. */
void omapRemoveAt(omap *m, size_t idx) {
    omapEntry *base = m->e + m->off;
    zfree(base[idx].key);
    if (idx == 0) {
        m->off++;
    } else {
        memmove(base + idx, base + idx + 1,
                (m->size - idx - 1) * sizeof(omapEntry));
    }
    m->size--;
    if (m->size == 0) m->off = 0;
    if (m->cap > 16 && m->size < m->cap / 4) {
        memmove(m->e, m->e + m->off, m->size * sizeof(omapEntry));
        m->off = 0;
        m->cap /= 2;
        m->e = zrealloc(m->e, m->cap * sizeof(omapEntry));
    }
}

/* Removes <key>; 1 (old value in *<old>) when it was present. */
int omapRemove(omap *m, const void *key, size_t len, void **old) {
    size_t i = omapLowerBound(m, key, len, 0);
    if (i < m->size) {
        omapEntry *at = &m->e[m->off + i];
        if (omapCompare(at->key, at->len, key, len) == 0) {
            if (old) *old = at->val;
            omapRemoveAt(m, i);
            return 1;
        }
    }
    return 0;
}

/* Borrowed pointer to the entry at <idx>. */
omapEntry *omapAt(const omap *m, size_t idx) { return &m->e[m->off + idx]; }
