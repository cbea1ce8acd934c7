/* omap: an ordered map from binary keys (compared as unsigned bytes, a
 * shorter key before its extensions) to pointers, kept as one sorted array
 * searched by bisection. Streams use it for their listpack nodes (keyed by
 * 16-byte big-endian IDs, so byte order is ID order), their consumer
 * groups, consumers and pending entries lists.
 *
 * Appending a key greater than every other one and removing the first
 * key (the common cases for stream IDs: XADD, trimming, acknowledging in
 * order) are amortised O(1); other inserts and removals move the tail of
 * the array. Positions (size_t indexes) are valid until the next insert
 * or removal. The map owns copies of its keys; values belong to the
 * caller (omapFree may release them through a callback). */
#ifndef OMAP_H
#define OMAP_H

#include <stddef.h>

typedef struct omapEntry {
    unsigned char *key;
    size_t len;
    void *val;
} omapEntry;

typedef struct omap {
    omapEntry *e;    /* entries are e[off] .. e[off + size - 1] */
    size_t off, size, cap;
} omap;

omap *omapNew(void);
void omapFree(omap *m, void (*freeval)(void *));
size_t omapSize(const omap *m);
/* Inserts <key>/<len> -> <val>. Returns 1 when added, 0 (map unchanged)
 * when the key was present. */
int omapInsert(omap *m, const void *key, size_t len, void *val);
/* Returns 1 and sets *<val> (if not NULL) when <key> is present. */
int omapFind(const omap *m, const void *key, size_t len, void **val);
/* Removes <key>; returns 1 (old value in *<old> if not NULL) or 0. */
int omapRemove(omap *m, const void *key, size_t len, void **old);
/* Removes the entry at position <idx> (< size). */
void omapRemoveAt(omap *m, size_t idx);
/* Position of the first key >= <key> (or > <key> when <strict>); size when
 * there is none. */
size_t omapLowerBound(const omap *m, const void *key, size_t len, int strict);
/* The entry at position <idx> (< size), borrowed. */
omapEntry *omapAt(const omap *m, size_t idx);

#endif
