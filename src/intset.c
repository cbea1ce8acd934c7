/* intset.c: the intset encoding (layout in intset.h).
 *
 * Owns: the byte layout of intset blobs, which RDB files store verbatim,
 * so the header fields and the elements are read and written through the
 * little-endian helpers below and never through plain loads of the struct
 * fields. Must not touch: anything above the platform layer.
 *
 * Invariants kept by every function: encoding is 2, 4 or 8; the allocation
 * is exactly intsetBlobLen bytes; elements are strictly increasing. Blobs
 * from outside go through intsetValidateIntegrity before anything else. */
#include "intset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zmalloc.h"

#define INTSET_HDR_SIZE (2 * sizeof(uint32_t))

/* Aborts on a broken invariant (a caller bug or an unvalidated blob). */
static void intsetPanic(const char *what, int line) {
    fprintf(stderr, "intset.c:%d: integrity check failed: %s\n", line, what);
    abort();
}

#define intsetAssert(cond)                         \
    do {                                           \
        if (!(cond)) intsetPanic(#cond, __LINE__); \
    } while (0)

/* ---------------------------------------------------------------------------
 * Little-endian helpers.
 * ------------------------------------------------------------------------- */

static uint64_t intsetReadLE(const void *src, unsigned int nbytes) {
    const unsigned char *p = src;
    uint64_t v = 0;
    for (int i = (int)nbytes - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void intsetWriteLE(void *dst, uint64_t v, unsigned int nbytes) {
    unsigned char *p = dst;
    for (unsigned int i = 0; i < nbytes; i++) {
        p[i] = (unsigned char)(v & 0xFF);
        v >>= 8;
    }
}

static uint32_t intsetGetEncoding(const intset *is) {
    return (uint32_t)intsetReadLE(&is->encoding, 4);
}

static void intsetSetEncoding(intset *is, uint32_t enc) {
    intsetWriteLE(&is->encoding, enc, 4);
}

static uint32_t intsetGetLength(const intset *is) {
    return (uint32_t)intsetReadLE(&is->length, 4);
}

static void intsetSetLength(intset *is, uint32_t len) {
    intsetWriteLE(&is->length, len, 4);
}

/* Reads element <pos> of a buffer of <enc>-byte elements, sign-extended. */
static int64_t intsetReadAt(const int8_t *contents, uint32_t pos,
                            uint32_t enc) {
    uint64_t u = intsetReadLE(contents + (size_t)pos * enc, enc);
    if (enc == INTSET_ENC_INT16) return (int16_t)(uint16_t)u;
    if (enc == INTSET_ENC_INT32) return (int32_t)(uint32_t)u;
    return (int64_t)u;
}

static int64_t intsetGetAt(const intset *is, uint32_t pos) {
    return intsetReadAt(is->contents, pos, intsetGetEncoding(is));
}

static void intsetSetAt(intset *is, uint32_t pos, int64_t value) {
    uint32_t enc = intsetGetEncoding(is);
    intsetWriteLE(is->contents + (size_t)pos * enc, (uint64_t)value, enc);
}

/* The smallest encoding that holds <v>. */
static uint32_t intsetValueEncoding(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return INTSET_ENC_INT64;
    if (v < INT16_MIN || v > INT16_MAX) return INTSET_ENC_INT32;
    return INTSET_ENC_INT16;
}

/* Reallocates <is> for <len> elements of its encoding. */
static intset *intsetResize(intset *is, uint32_t len) {
    size_t bytes = INTSET_HDR_SIZE + (size_t)len * intsetGetEncoding(is);
    return zrealloc(is, bytes);
}

/* Binary search for <value>. Returns 1 and its position in *<pos> when
 * found, else 0 and the position where it would be inserted. */
static uint8_t intsetSearch(const intset *is, int64_t value, uint32_t *pos) {
    uint32_t len = intsetGetLength(is);
    if (len == 0) {
        if (pos) *pos = 0;
        return 0;
    }
    /* Fast paths for appending and prepending, common for ranges. */
    if (value > intsetGetAt(is, len - 1)) {
        if (pos) *pos = len;
        return 0;
    }
    if (value < intsetGetAt(is, 0)) {
        if (pos) *pos = 0;
        return 0;
    }
    uint32_t lo = 0, hi = len; /* search in [lo, hi) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = intsetGetAt(is, mid);
        if (cur == value) {
            if (pos) *pos = mid;
            return 1;
        }
        if (cur < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos) *pos = lo;
    return 0;
}

/* Widens every element of <is> to the encoding of <value> and adds
 * <value>, which, not fitting the old encoding, is below or above all. */
static intset *intsetUpgradeAndAdd(intset *is, int64_t value) {
    uint32_t oldenc = intsetGetEncoding(is);
    uint32_t newenc = intsetValueEncoding(value);
    uint32_t len = intsetGetLength(is);
    int prepend = value < 0 ? 1 : 0;

    intsetSetEncoding(is, newenc);
    is = intsetResize(is, len + 1);
    /* Back to front, so wider writes never overwrite unread narrow ones. */
    for (uint32_t i = len; i-- > 0;) {
        int64_t v = intsetReadAt(is->contents, i, oldenc);
        intsetSetAt(is, i + (uint32_t)prepend, v);
    }
    intsetSetAt(is, prepend ? 0 : len, value);
    intsetSetLength(is, len + 1);
    return is;
}

/* Moves elements [<from>, end) to start at <to> (shifting the tail). */
static void intsetMoveTail(intset *is, uint32_t from, uint32_t to) {
    uint32_t enc = intsetGetEncoding(is);
    uint32_t len = intsetGetLength(is);
    size_t n = (size_t)(len - from) * enc;
    memmove(is->contents + (size_t)to * enc, is->contents + (size_t)from * enc,
            n);
}

/* ---------------------------------------------------------------------------
 * API.
 * ------------------------------------------------------------------------- */

/* Creates an empty intset with the int16 encoding; the caller owns it
 * (zfree). */
intset *intsetNew(void) {
    intset *is = zmalloc(INTSET_HDR_SIZE);
    intsetSetEncoding(is, INTSET_ENC_INT16);
    intsetSetLength(is, 0);
    return is;
}

/* Returns a copy of <is> that the caller owns. */
intset *intsetDup(intset *is) {
    size_t n = intsetBlobLen(is);
    intset *copy = zmalloc(n);
    memcpy(copy, is, n);
    return copy;
}

/* Adds <value> to <is>, upgrading the encoding if it does not fit. Sets
 * *<success> (when not NULL) to 1 if added, 0 if already present. Returns
 * the (possibly moved) intset. */
intset *intsetAdd(intset *is, int64_t value, uint8_t *success) {
    uint32_t pos;
    if (success) *success = 1;
    if (intsetValueEncoding(value) > intsetGetEncoding(is))
        return intsetUpgradeAndAdd(is, value);
    if (intsetSearch(is, value, &pos)) {
        if (success) *success = 0;
        return is;
    }
    uint32_t len = intsetGetLength(is);
    intsetAssert(len < UINT32_MAX);
    is = intsetResize(is, len + 1);
    if (pos < len) intsetMoveTail(is, pos, pos + 1);
    intsetSetAt(is, pos, value);
    intsetSetLength(is, len + 1);
    return is;
}

/* Removes <value> from <is>. Sets *<success> (when not NULL) to 1 if it
 * was there, 0 otherwise. The encoding never shrinks. Returns the
 * (possibly moved) intset. */
intset *intsetRemove(intset *is, int64_t value, int *success) {
    uint32_t pos;
    if (success) *success = 0;
    if (intsetValueEncoding(value) > intsetGetEncoding(is)) return is;
    if (!intsetSearch(is, value, &pos)) return is;
    uint32_t len = intsetGetLength(is);
    if (success) *success = 1;
    if (pos < len - 1) intsetMoveTail(is, pos + 1, pos);
    is = intsetResize(is, len - 1);
    intsetSetLength(is, len - 1);
    return is;
}

/* Returns 1 when <value> is in <is>, 0 otherwise (binary search). */
uint8_t intsetFind(intset *is, int64_t value) {
    if (intsetValueEncoding(value) > intsetGetEncoding(is)) return 0;
    return intsetSearch(is, value, NULL);
}

/* Returns a uniformly chosen element of <is>, which must not be empty. */
int64_t intsetRandom(intset *is) {
    uint32_t len = intsetGetLength(is);
    intsetAssert(len > 0);
    uint64_t r = (((uint64_t)random() << 31) | (uint64_t)random()) % len;
    return intsetGetAt(is, (uint32_t)r);
}

/* Returns the largest element of <is>, which must not be empty. */
int64_t intsetMax(intset *is) {
    uint32_t len = intsetGetLength(is);
    intsetAssert(len > 0);
    return intsetGetAt(is, len - 1);
}

/* Returns the smallest element of <is>, which must not be empty. */
int64_t intsetMin(intset *is) {
    intsetAssert(intsetGetLength(is) > 0);
    return intsetGetAt(is, 0);
}

/* Stores element number <pos> (0 = smallest) of <is> in *<value> and
 * returns 1, or returns 0 when <pos> is out of range. */
uint8_t intsetGet(intset *is, uint32_t pos, int64_t *value) {
    if (pos >= intsetGetLength(is)) return 0;
    *value = intsetGetAt(is, pos);
    return 1;
}

/* Returns the number of elements of <is>. */
uint32_t intsetLen(const intset *is) {
    return intsetGetLength(is);
}

/* Returns the size in bytes of the blob <is> (what an RDB file stores). */
size_t intsetBlobLen(intset *is) {
    return INTSET_HDR_SIZE +
           (size_t)intsetGetLength(is) * intsetGetEncoding(is);
}

/* Validates an intset blob of <size> bytes read from outside (RDB file,
 * RESTORE payload), touching nothing outside it: the header fits, the
 * encoding is 2, 4 or 8, and header + length * encoding == <size>. With
 * <deep>, also checks the elements are strictly increasing (sorted, no
 * duplicates). An empty set is structurally valid; rejecting empty keys is
 * the loader's decision. Returns 1 valid, 0 corrupt. */
int intsetValidateIntegrity(const unsigned char *p, size_t size, int deep) {
    if (!p || size < INTSET_HDR_SIZE) return 0;
    uint32_t enc = (uint32_t)intsetReadLE(p, 4);
    uint32_t len = (uint32_t)intsetReadLE(p + 4, 4);
    if (enc != INTSET_ENC_INT16 && enc != INTSET_ENC_INT32 &&
        enc != INTSET_ENC_INT64)
        return 0;
    if ((uint64_t)INTSET_HDR_SIZE + (uint64_t)len * enc != (uint64_t)size)
        return 0;
    if (!deep) return 1;
    const int8_t *contents = (const int8_t *)(p + INTSET_HDR_SIZE);
    for (uint32_t i = 1; i < len; i++) {
        if (intsetReadAt(contents, i - 1, enc) >=
            intsetReadAt(contents, i, enc))
            return 0;
    }
    return 1;
}
