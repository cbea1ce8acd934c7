/* omap: a sorted array of (binary key, pointer) pairs; see omap.h for the
 * contract. It owns the key copies and the array, never the values. The
 * array is kept sorted by omapCompare at all times, with no duplicates. */
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
    m->size = m->cap = 0;
    return m;
}

/* Frees <m> and its keys; each value goes to <freeval> unless NULL. */
void omapFree(omap *m, void (*freeval)(void *)) {
    if (!m) return;
    for (size_t i = 0; i < m->size; i++) {
        zfree(m->e[i].key);
        if (freeval) freeval(m->e[i].val);
    }
    zfree(m->e);
    zfree(m);
}

/* Number of entries of <m>. */
size_t omapSize(const omap *m) { return m->size; }

/* See omap.h: bisection over the sorted array. */
size_t omapLowerBound(const omap *m, const void *key, size_t len, int strict) {
    size_t lo = 0, hi = m->size;
    /* Fast path for appends: the key is past the last one. */
    if (hi && omapCompare(m->e[hi - 1].key, m->e[hi - 1].len, key, len) < 0)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = omapCompare(m->e[mid].key, m->e[mid].len, key, len);
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
    if (i < m->size && omapCompare(m->e[i].key, m->e[i].len, key, len) == 0)
        return 0;
    if (m->size == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->e = zrealloc(m->e, m->cap * sizeof(omapEntry));
    }
    memmove(m->e + i + 1, m->e + i, (m->size - i) * sizeof(omapEntry));
    m->e[i].key = zmalloc(len ? len : 1);
    if (len) memcpy(m->e[i].key, key, len);
    m->e[i].len = len;
    m->e[i].val = val;
    m->size++;
    return 1;
}

/* Looks <key> up; 1 and *<val> when present. */
int omapFind(const omap *m, const void *key, size_t len, void **val) {
    size_t i = omapLowerBound(m, key, len, 0);
    if (i < m->size && omapCompare(m->e[i].key, m->e[i].len, key, len) == 0) {
        if (val) *val = m->e[i].val;
        return 1;
    }
    return 0;
}

/* Removes the entry at <idx>, freeing its key copy. */
void omapRemoveAt(omap *m, size_t idx) {
    zfree(m->e[idx].key);
    memmove(m->e + idx, m->e + idx + 1,
            (m->size - idx - 1) * sizeof(omapEntry));
    m->size--;
    if (m->cap > 16 && m->size < m->cap / 4) {
        m->cap /= 2;
        m->e = zrealloc(m->e, m->cap * sizeof(omapEntry));
    }
}

/* Removes <key>; 1 (old value in *<old>) when it was present. */
int omapRemove(omap *m, const void *key, size_t len, void **old) {
    size_t i = omapLowerBound(m, key, len, 0);
    if (i < m->size && omapCompare(m->e[i].key, m->e[i].len, key, len) == 0) {
        if (old) *old = m->e[i].val;
        omapRemoveAt(m, i);
        return 1;
    }
    return 0;
}

/* Borrowed pointer to the entry at <idx>. */
omapEntry *omapAt(const omap *m, size_t idx) { return &m->e[idx]; }
