/* listpack.c: the listpack encoding (see listpack.h for the API conventions).
 *
 * Owns: the byte layout of listpack blobs. These bytes are written verbatim
 * into RDB files (Redis 7.0, RDB version 10: quicklist nodes, hashes and
 * sorted sets), so the layout below is a compatibility contract, not an
 * implementation detail. Must not touch: anything above the platform layer
 * (no server globals, no logging module, no sds).
 *
 * Layout, after the public "Listpack specification" v1.2:
 *
 *   <tot-bytes:u32 LE> <num-elements:u16 LE> <entry> ... <entry> <0xFF>
 *
 * tot-bytes counts everything, header and terminator included; num-elements
 * is the element count, or 65535 meaning "unknown, scan to count" (used once
 * the count no longer fits; lpLength writes it back when it fits again).
 * Each entry is <encoding+data> <backlen>:
 *
 *   0xxxxxxx                      7-bit unsigned integer 0..127
 *   10xxxxxx <data>               string of 0..63 bytes
 *   110xxxxx yyyyyyyy             13-bit signed integer -4096..4095, the
 *                                 high 5 bits in the first byte
 *   1110xxxx yyyyyyyy <data>      string of 0..4095 bytes, high 4 bits first
 *   11110000 <len:u32 LE> <data>  string of up to 2^32-1 bytes
 *   11110001 <i16 LE>             16-bit signed integer
 *   11110010 <i24 LE>             24-bit signed integer
 *   11110011 <i32 LE>             32-bit signed integer
 *   11110100 <i64 LE>             64-bit signed integer
 *   11110101 .. 11111110          unused (rejected by validation)
 *   11111111                      terminator, never an entry
 *
 * <backlen> holds the size of <encoding+data> in 1 to 5 bytes of 7 bits, so
 * that the entry can be skipped from its right end: the rightmost byte holds
 * the lowest 7 bits, and every byte but the leftmost has its high bit set
 * ("more bytes to the left"). 500 is stored as 0x03 0xF4.
 *
 * Exactness notes (checked black-box against redis-server 7.0.15 DUMP):
 * - The writer picks the smallest integer encoding that holds the value and
 *   the smallest string encoding that holds the length.
 * - A string is stored as an integer iff it is a strict canonical decimal
 *   that fits in int64 (util.h string2ll): "10" -> 10, but "010", "-0",
 *   "+1", " 1" and "9223372036854775808" stay strings.
 * - The backlen width follows Redis 7.0 exactly: 1 byte up to 127, 2 bytes
 *   below 16383, 3 below 2097151, 4 below 268435455, 5 otherwise. Note that
 *   16383 and 2097151 themselves take one byte more than 7 bits per byte
 *   would need. Forward walks derive the width from the entry size with the
 *   same rule, so validation insists on exactly this width.
 *
 * Invariants kept by every mutating function: tot-bytes equals the real
 * size, the last byte is 0xFF, num-elements is exact or 65535. Entries
 * handed in by callers are trusted (they come from this module); blobs from
 * outside must go through lpValidateIntegrity first. Walking functions
 * still abort with a message rather than read outside the blob. */
#include "listpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zmalloc.h"

/* Entry encodings: masks and type bits of the first byte. */
#define LP_ENC_7BIT_UINT_MASK 0x80
#define LP_ENC_7BIT_UINT 0x00
#define LP_ENC_6BIT_STR_MASK 0xC0
#define LP_ENC_6BIT_STR 0x80
#define LP_ENC_13BIT_INT_MASK 0xE0
#define LP_ENC_13BIT_INT 0xC0
#define LP_ENC_12BIT_STR_MASK 0xF0
#define LP_ENC_12BIT_STR 0xE0
#define LP_ENC_32BIT_STR 0xF0
#define LP_ENC_16BIT_INT 0xF1
#define LP_ENC_24BIT_INT 0xF2
#define LP_ENC_32BIT_INT 0xF3
#define LP_ENC_64BIT_INT 0xF4

/* Largest encoding+data of an integer entry (0xF4 + 8 bytes). */
#define LP_MAX_INT_ENCODING_LEN 9
/* Largest string header (0xF0 + 4 length bytes). */
#define LP_MAX_STR_HEADER_LEN 5
/* Largest backlen. */
#define LP_MAX_BACKLEN_SIZE 5

#define lpAssert(cond)                         \
    do {                                       \
        if (!(cond)) lpPanic(#cond, __LINE__); \
    } while (0)

/* Aborts on a broken invariant: a corrupt blob that skipped validation or
 * a caller bug. Continuing would read or write outside the allocation. */
static void lpPanic(const char *what, int line) {
    fprintf(stderr, "listpack.c:%d: integrity check failed: %s\n", line, what);
    abort();
}

/* ---------------------------------------------------------------------------
 * Little-endian field helpers (explicit so the blob is LE on any host).
 * ------------------------------------------------------------------------- */

static uint64_t lpReadLE(const unsigned char *p, int nbytes) {
    uint64_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void lpWriteLE(unsigned char *p, uint64_t v, int nbytes) {
    for (int i = 0; i < nbytes; i++) {
        p[i] = (unsigned char)(v & 0xFF);
        v >>= 8;
    }
}

static uint32_t lpGetTotalBytes(const unsigned char *lp) {
    return (uint32_t)lpReadLE(lp, 4);
}

static void lpSetTotalBytes(unsigned char *lp, uint32_t v) {
    lpWriteLE(lp, v, 4);
}

static uint16_t lpGetNumElements(const unsigned char *lp) {
    return (uint16_t)lpReadLE(lp + 4, 2);
}

static void lpSetNumElements(unsigned char *lp, uint16_t v) {
    lpWriteLE(lp + 4, v, 2);
}

/* Applies a change of <delta> elements to the header count, switching to
 * "unknown" when the new count no longer fits below 65535. */
static void lpAdjustNumElements(unsigned char *lp, long delta) {
    uint16_t n = lpGetNumElements(lp);
    if (n == LP_HDR_NUMELE_UNKNOWN) return;
    long nn = (long)n + delta;
    lpAssert(nn >= 0);
    lpSetNumElements(lp, nn >= LP_HDR_NUMELE_UNKNOWN ? LP_HDR_NUMELE_UNKNOWN
                                                     : (uint16_t)nn);
}

/* ---------------------------------------------------------------------------
 * Entry encoding and decoding.
 * ------------------------------------------------------------------------- */

/* Writes the backlen for an entry whose encoding+data is <l> bytes into
 * <buf> (when not NULL); returns its width. Widths match Redis 7.0. */
static unsigned int lpEncodeBacklen(unsigned char *buf, uint64_t l) {
    unsigned int n;
    if (l <= 127)
        n = 1;
    else if (l < 16383)
        n = 2;
    else if (l < 2097151)
        n = 3;
    else if (l < 268435455)
        n = 4;
    else
        n = 5;
    if (buf) {
        /* Rightmost byte: lowest 7 bits; leftmost byte: no continuation. */
        for (unsigned int i = 0; i < n; i++) {
            unsigned char b = (unsigned char)(l & 127);
            if (i != n - 1) b |= 128;
            buf[n - 1 - i] = b;
            l >>= 7;
        }
    }
    return n;
}

/* Encodes integer <v> as encoding+data into <buf> (at least
 * LP_MAX_INT_ENCODING_LEN bytes) using the smallest encoding; returns the
 * number of bytes written. */
static unsigned int lpEncodeInteger(long long v, unsigned char *buf) {
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    } else if (v >= -4096 && v <= 4095) {
        uint64_t u = (uint64_t)v & 0x1FFF;
        buf[0] = (unsigned char)(LP_ENC_13BIT_INT | (u >> 8));
        buf[1] = (unsigned char)(u & 0xFF);
        return 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = LP_ENC_16BIT_INT;
        lpWriteLE(buf + 1, (uint64_t)v, 2);
        return 3;
    } else if (v >= -8388608 && v <= 8388607) {
        buf[0] = LP_ENC_24BIT_INT;
        lpWriteLE(buf + 1, (uint64_t)v, 3);
        return 4;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = LP_ENC_32BIT_INT;
        lpWriteLE(buf + 1, (uint64_t)v, 4);
        return 5;
    }
    buf[0] = LP_ENC_64BIT_INT;
    lpWriteLE(buf + 1, (uint64_t)v, 8);
    return 9;
}

/* Writes the header of a string entry of <len> bytes into <buf> (at least
 * LP_MAX_STR_HEADER_LEN bytes); returns the header length. */
static unsigned int lpEncodeStringHeader(uint32_t len, unsigned char *buf) {
    if (len < 64) {
        buf[0] = (unsigned char)(LP_ENC_6BIT_STR | len);
        return 1;
    } else if (len < 4096) {
        buf[0] = (unsigned char)(LP_ENC_12BIT_STR | (len >> 8));
        buf[1] = (unsigned char)(len & 0xFF);
        return 2;
    }
    buf[0] = LP_ENC_32BIT_STR;
    lpWriteLE(buf + 1, len, 4);
    return 5;
}

/* Number of leading bytes of an entry needed to know its size: 1, 2 or 5,
 * or 0 for a first byte that is not a valid entry encoding. */
static unsigned int lpEncodingHeaderNeeded(unsigned char b) {
    if ((b & LP_ENC_7BIT_UINT_MASK) == LP_ENC_7BIT_UINT) return 1;
    if ((b & LP_ENC_6BIT_STR_MASK) == LP_ENC_6BIT_STR) return 1;
    if ((b & LP_ENC_13BIT_INT_MASK) == LP_ENC_13BIT_INT) return 2;
    if ((b & LP_ENC_12BIT_STR_MASK) == LP_ENC_12BIT_STR) return 2;
    if (b == LP_ENC_32BIT_STR) return 5;
    if (b >= LP_ENC_16BIT_INT && b <= LP_ENC_64BIT_INT) return 1;
    return 0;
}

/* Size of the encoding+data of the entry at <p>, whose first
 * lpEncodingHeaderNeeded bytes must be readable; 0 for an invalid first
 * byte (including the terminator). */
static uint64_t lpEncodedSize(const unsigned char *p) {
    unsigned char b = p[0];
    if ((b & LP_ENC_7BIT_UINT_MASK) == LP_ENC_7BIT_UINT) return 1;
    if ((b & LP_ENC_6BIT_STR_MASK) == LP_ENC_6BIT_STR)
        return 1 + (uint64_t)(b & 0x3F);
    if ((b & LP_ENC_13BIT_INT_MASK) == LP_ENC_13BIT_INT) return 2;
    if ((b & LP_ENC_12BIT_STR_MASK) == LP_ENC_12BIT_STR)
        return 2 + (((uint64_t)(b & 0x0F) << 8) | p[1]);
    switch (b) {
    case LP_ENC_32BIT_STR: return 5 + lpReadLE(p + 1, 4);
    case LP_ENC_16BIT_INT: return 3;
    case LP_ENC_24BIT_INT: return 4;
    case LP_ENC_32BIT_INT: return 5;
    case LP_ENC_64BIT_INT: return 9;
    default: return 0;
    }
}

/* Whole size (encoding+data+backlen) of the trusted entry at <p>. */
static uint64_t lpEntrySize(const unsigned char *p) {
    uint64_t enc = lpEncodedSize(p);
    lpAssert(enc != 0);
    return enc + lpEncodeBacklen(NULL, enc);
}

/* Reads a backlen whose rightmost byte is at <last>, never looking left of
 * <floor>. Stores its width in *<width> and returns the value, or returns
 * UINT64_MAX when the bytes do not form a backlen of at most 5 bytes. */
static uint64_t lpDecodeBacklen(const unsigned char *last,
                                const unsigned char *floor,
                                unsigned int *width) {
    uint64_t v = 0;
    unsigned int shift = 0, n = 0;
    const unsigned char *q = last;
    for (;;) {
        if (q < floor || n == LP_MAX_BACKLEN_SIZE) return UINT64_MAX;
        v |= (uint64_t)(*q & 127) << shift;
        n++;
        shift += 7;
        if (!(*q & 128)) break;
        q--;
    }
    *width = n;
    return v;
}

/* Decodes the trusted entry at <p>. For a string, returns a pointer to its
 * bytes and sets *<slen>; for an integer, returns NULL and sets *<lval>. */
static unsigned char *lpDecode(unsigned char *p, uint64_t *slen,
                               long long *lval) {
    unsigned char b = p[0];
    uint64_t u;
    if ((b & LP_ENC_7BIT_UINT_MASK) == LP_ENC_7BIT_UINT) {
        *lval = b & 0x7F;
        return NULL;
    }
    if ((b & LP_ENC_6BIT_STR_MASK) == LP_ENC_6BIT_STR) {
        *slen = b & 0x3F;
        return p + 1;
    }
    if ((b & LP_ENC_13BIT_INT_MASK) == LP_ENC_13BIT_INT) {
        u = ((uint64_t)(b & 0x1F) << 8) | p[1];
        *lval = (u & 0x1000) ? (long long)u - 0x2000 : (long long)u;
        return NULL;
    }
    if ((b & LP_ENC_12BIT_STR_MASK) == LP_ENC_12BIT_STR) {
        *slen = ((uint64_t)(b & 0x0F) << 8) | p[1];
        return p + 2;
    }
    switch (b) {
    case LP_ENC_32BIT_STR: *slen = lpReadLE(p + 1, 4); return p + 5;
    case LP_ENC_16BIT_INT:
        *lval = (int16_t)(uint16_t)lpReadLE(p + 1, 2);
        return NULL;
    case LP_ENC_24BIT_INT:
        u = lpReadLE(p + 1, 3);
        *lval = (u & 0x800000) ? (long long)u - 0x1000000 : (long long)u;
        return NULL;
    case LP_ENC_32BIT_INT:
        *lval = (int32_t)(uint32_t)lpReadLE(p + 1, 4);
        return NULL;
    case LP_ENC_64BIT_INT: *lval = (long long)lpReadLE(p + 1, 8); return NULL;
    default: lpPanic("unknown entry encoding", __LINE__); return NULL;
    }
}

/* ---------------------------------------------------------------------------
 * Creation.
 * ------------------------------------------------------------------------- */

/* Creates an empty listpack, reserving <capacity> bytes of allocation (at
 * least the 7 bytes of an empty listpack) so the first appends do not
 * reallocate. Returns memory the caller owns (lpFree). */
unsigned char *lpNew(size_t capacity) {
    size_t alloc = capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1;
    unsigned char *lp = zmalloc(alloc);
    lpSetTotalBytes(lp, LP_HDR_SIZE + 1);
    lpSetNumElements(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

/* Frees the listpack <lp> (NULL is allowed). */
void lpFree(unsigned char *lp) {
    zfree(lp);
}

/* Returns a copy of <lp> (exactly lpBytes long) that the caller owns. */
unsigned char *lpDup(unsigned char *lp) {
    size_t n = lpBytes(lp);
    unsigned char *copy = zmalloc(n);
    memcpy(copy, lp, n);
    return copy;
}

/* Gives back the spare allocation lpNew's capacity may have left; returns
 * the (possibly moved) listpack. */
unsigned char *lpShrinkToFit(unsigned char *lp) {
    size_t n = lpBytes(lp);
    if (zmallocSize(lp) > n) lp = zrealloc(lp, n);
    return lp;
}

/* ---------------------------------------------------------------------------
 * Size and navigation.
 * ------------------------------------------------------------------------- */

/* Returns the size in bytes of <lp>, header and terminator included (the
 * number of bytes an RDB file stores for it). */
size_t lpBytes(unsigned char *lp) {
    return lpGetTotalBytes(lp);
}

/* Returns the first entry of <lp>, or NULL when it is empty. */
unsigned char *lpFirst(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

/* Returns the position following the trusted entry at <p> (the next entry
 * or the terminator), aborting if that would leave the blob. */
static unsigned char *lpSkip(unsigned char *lp, unsigned char *p) {
    uint64_t off = (uint64_t)(p - lp);
    uint64_t size = lpEntrySize(p);
    lpAssert(off + size < lpGetTotalBytes(lp));
    return p + size;
}

/* Returns the entry after <p> in <lp>, or NULL when <p> is the last one. */
unsigned char *lpNext(unsigned char *lp, unsigned char *p) {
    lpAssert(p && p[0] != LP_EOF);
    p = lpSkip(lp, p);
    return p[0] == LP_EOF ? NULL : p;
}

/* Returns the entry before <p> in <lp>, or NULL when <p> is the first one.
 * <p> may also point at the terminator, giving the last entry. */
unsigned char *lpPrev(unsigned char *lp, unsigned char *p) {
    lpAssert(p >= lp + LP_HDR_SIZE);
    if (p == lp + LP_HDR_SIZE) return NULL;
    unsigned int width = 0;
    uint64_t enc = lpDecodeBacklen(p - 1, lp + LP_HDR_SIZE, &width);
    lpAssert(enc != UINT64_MAX);
    uint64_t back = enc + width;
    lpAssert(back <= (uint64_t)(p - (lp + LP_HDR_SIZE)));
    return p - back;
}

/* Returns the last entry of <lp>, or NULL when it is empty. */
unsigned char *lpLast(unsigned char *lp) {
    return lpPrev(lp, lp + lpGetTotalBytes(lp) - 1);
}

/* Returns the number of elements in <lp>. When the header says "unknown"
 * this scans, and stores the count back in the header if it fits. */
unsigned long lpLength(unsigned char *lp) {
    uint16_t n = lpGetNumElements(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) return n;
    unsigned long count = 0;
    unsigned char *p = lpFirst(lp);
    while (p) {
        count++;
        p = lpNext(lp, p);
    }
    if (count < LP_HDR_NUMELE_UNKNOWN) lpSetNumElements(lp, (uint16_t)count);
    return count;
}

/* Returns the entry at zero-based <index> of <lp>, counting from the end
 * when negative (-1 is the last), or NULL when out of range. Walks from the
 * nearer end. */
unsigned char *lpSeek(unsigned char *lp, long index) {
    unsigned long len = lpLength(lp);
    if (index < 0) {
        if ((unsigned long)(-(index + 1)) >= len) return NULL;
        index = (long)len + index;
    } else if ((unsigned long)index >= len) {
        return NULL;
    }
    unsigned char *p;
    if ((unsigned long)index < len / 2) {
        p = lpFirst(lp);
        for (long i = 0; i < index; i++) p = lpNext(lp, p);
    } else {
        p = lpLast(lp);
        for (unsigned long i = len - 1; i > (unsigned long)index; i--)
            p = lpPrev(lp, p);
    }
    return p;
}

/* ---------------------------------------------------------------------------
 * Reading.
 * ------------------------------------------------------------------------- */

/* Reads the entry <p>. A string entry: returns a pointer to its bytes
 * (inside the listpack) and sets *<count> to its length. An integer entry:
 * with <intbuf> (LP_INTBUF_SIZE bytes) the decimal text is written there,
 * NUL-terminated, *<count> is its length and <intbuf> is returned; without
 * it, NULL is returned and *<count> is the value itself. */
unsigned char *lpGet(unsigned char *p, int64_t *count, unsigned char *intbuf) {
    uint64_t slen = 0;
    long long v = 0;
    unsigned char *s = lpDecode(p, &slen, &v);
    if (s) {
        *count = (int64_t)slen;
        return s;
    }
    if (intbuf) {
        *count = ll2string((char *)intbuf, LP_INTBUF_SIZE, v);
        return intbuf;
    }
    *count = v;
    return NULL;
}

/* Reads the entry <p> without formatting integers. A string entry returns
 * a pointer to its bytes (never NULL, even when empty) and sets *<slen>; an
 * integer entry returns NULL and sets *<lval>. The usual pattern is
 *     vstr = lpGetValue(p, &vlen, &vll); if (vstr) string else integer. */
unsigned char *lpGetValue(unsigned char *p, unsigned int *slen,
                          long long *lval) {
    uint64_t len = 0;
    unsigned char *s = lpDecode(p, &len, lval);
    if (s) *slen = (unsigned int)len;
    return s;
}

/* Stores in *<lval> the integer value of entry <p>: an integer entry, or a
 * string entry whose bytes are a strict decimal (util.h string2ll). Returns
 * 1 on success, 0 when the entry is not an integer. */
int lpGetIntegerValue(unsigned char *p, long long *lval) {
    uint64_t len = 0;
    long long v = 0;
    unsigned char *s = lpDecode(p, &len, &v);
    if (!s) {
        *lval = v;
        return 1;
    }
    return string2ll((char *)s, len, lval);
}

/* Returns 1 when entry <p> equals the <slen> bytes at <s> (an integer entry
 * compares as its decimal text), 0 otherwise. */
int lpCompare(unsigned char *p, unsigned char *s, uint32_t slen) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    unsigned char *v = lpGet(p, &len, buf);
    return (uint64_t)len == slen && memcmp(v, s, slen) == 0;
}

/* Looks for an entry equal to the <slen> bytes at <s>, starting at entry
 * <p> of <lp> and comparing one entry out of every <skip>+1 (the first
 * compared is <p> itself): skip=1 visits the fields of a field/value
 * listpack. Returns the matching entry or NULL. <s> is parsed as an integer
 * once, so integer entries compare by value. */
unsigned char *lpFind(unsigned char *lp, unsigned char *p, unsigned char *s,
                      uint32_t slen, unsigned int skip) {
    long long sval = 0;
    int s_is_int = string2ll((char *)s, slen, &sval);
    unsigned int skipcnt = 0;
    uint32_t total = lpGetTotalBytes(lp);

    while (p && p[0] != LP_EOF) {
        if (skipcnt == 0) {
            uint64_t len = 0;
            long long v = 0;
            unsigned char *str = lpDecode(p, &len, &v);
            if (str) {
                /* The string must lie inside the blob before memcmp. */
                lpAssert((uint64_t)(str - lp) + len < total);
                if (len == slen && memcmp(str, s, slen) == 0) return p;
            } else if (s_is_int && v == sval) {
                return p;
            }
            skipcnt = skip;
        } else {
            skipcnt--;
        }
        p = lpSkip(lp, p);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Insertion, replacement and deletion.
 * ------------------------------------------------------------------------- */

/* The one place that resizes a listpack for a single element. Puts the
 * entry made of <hdr> (<hdrlen> bytes) followed by <data> (<datalen>
 * bytes) before <p>, after <p>, or in place of <p> (<where>); with hdr ==
 * NULL and LP_REPLACE the entry <p> is deleted. *<newp> (when not NULL)
 * gets the new entry, or after a deletion the entry that followed (NULL if
 * none). Returns the new listpack, or NULL when it would exceed the 32-bit
 * size field (the old one is then untouched). */
static unsigned char *lpInsertEncoded(unsigned char *lp,
                                      const unsigned char *hdr, size_t hdrlen,
                                      const unsigned char *data, size_t datalen,
                                      unsigned char *p, int where,
                                      unsigned char **newp) {
    uint64_t old_bytes = lpGetTotalBytes(lp);
    lpAssert(p >= lp + LP_HDR_SIZE && (uint64_t)(p - lp) < old_bytes);
    lpAssert(where == LP_BEFORE || where == LP_AFTER || where == LP_REPLACE);
    if (where == LP_AFTER) {
        p = lpSkip(lp, p);
        where = LP_BEFORE;
    }
    lpAssert(hdr || where == LP_REPLACE);
    lpAssert(where == LP_BEFORE || p[0] != LP_EOF);

    uint64_t poff = (uint64_t)(p - lp);
    uint64_t replaced = where == LP_REPLACE ? lpEntrySize(p) : 0;
    uint64_t enclen = hdr ? hdrlen + datalen : 0;
    unsigned char backlen[LP_MAX_BACKLEN_SIZE];
    unsigned int blen = hdr ? lpEncodeBacklen(backlen, enclen) : 0;
    uint64_t newlen = enclen + blen;
    uint64_t new_bytes = old_bytes - replaced + newlen;
    if (new_bytes > UINT32_MAX) return NULL;

    /* <data> may point into this very listpack (a value read from it):
     * copy it out before memmove/realloc can move or overwrite it. */
    unsigned char *dcopy = NULL;
    if (datalen && data >= lp && data < lp + old_bytes) {
        dcopy = zmalloc(datalen);
        memcpy(dcopy, data, datalen);
        data = dcopy;
    }

    uint64_t tail_off = poff + replaced;
    uint64_t tail_len = old_bytes - tail_off;
    if (new_bytes > old_bytes) {
        lp = zrealloc(lp, new_bytes);
        memmove(lp + poff + newlen, lp + tail_off, tail_len);
    } else {
        memmove(lp + poff + newlen, lp + tail_off, tail_len);
        if (new_bytes < old_bytes) lp = zrealloc(lp, new_bytes);
    }

    unsigned char *dst = lp + poff;
    if (hdr) {
        memcpy(dst, hdr, hdrlen);
        if (datalen) memcpy(dst + hdrlen, data, datalen);
        memcpy(dst + hdrlen + datalen, backlen, blen);
    }
    zfree(dcopy);

    lpSetTotalBytes(lp, (uint32_t)new_bytes);
    if (!hdr)
        lpAdjustNumElements(lp, -1);
    else if (replaced == 0)
        lpAdjustNumElements(lp, 1);

    if (newp) *newp = (hdr || dst[0] != LP_EOF) ? dst : NULL;
    return lp;
}

/* Inserts the <slen> bytes at <s> before entry <p>, after it, or in its
 * place (<where> = LP_BEFORE / LP_AFTER / LP_REPLACE). <p> may point at the
 * terminator with LP_BEFORE, which appends. A canonical decimal string is
 * stored as an integer. <s> may point into <lp> itself. *<newp> (when not
 * NULL) gets the new entry. Returns the new listpack (the old pointer is
 * dead), or NULL if the result would exceed 4 GiB; callers keep below
 * that with lpSafeToAdd. */
unsigned char *lpInsertString(unsigned char *lp, unsigned char *s,
                              uint32_t slen, unsigned char *p, int where,
                              unsigned char **newp) {
    long long v;
    if (string2ll((char *)s, slen, &v))
        return lpInsertInteger(lp, v, p, where, newp);
    unsigned char hdr[LP_MAX_STR_HEADER_LEN];
    unsigned int hlen = lpEncodeStringHeader(slen, hdr);
    return lpInsertEncoded(lp, hdr, hlen, s, slen, p, where, newp);
}

/* Like lpInsertString, with the integer <lval> as the new element. */
unsigned char *lpInsertInteger(unsigned char *lp, long long lval,
                               unsigned char *p, int where,
                               unsigned char **newp) {
    unsigned char enc[LP_MAX_INT_ENCODING_LEN];
    unsigned int elen = lpEncodeInteger(lval, enc);
    return lpInsertEncoded(lp, enc, elen, NULL, 0, p, where, newp);
}

/* Appends the <slen> bytes at <s> as the last element; returns the new
 * listpack (NULL only past 4 GiB, as lpInsertString). */
unsigned char *lpAppend(unsigned char *lp, unsigned char *s, uint32_t slen) {
    return lpInsertString(lp, s, slen, lp + lpGetTotalBytes(lp) - 1, LP_BEFORE,
                          NULL);
}

/* Inserts the <slen> bytes at <s> as the first element; returns the new
 * listpack. */
unsigned char *lpPrepend(unsigned char *lp, unsigned char *s, uint32_t slen) {
    return lpInsertString(lp, s, slen, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

/* Appends the integer <lval>; returns the new listpack. */
unsigned char *lpAppendInteger(unsigned char *lp, long long lval) {
    return lpInsertInteger(lp, lval, lp + lpGetTotalBytes(lp) - 1, LP_BEFORE,
                           NULL);
}

/* Prepends the integer <lval>; returns the new listpack. */
unsigned char *lpPrependInteger(unsigned char *lp, long long lval) {
    return lpInsertInteger(lp, lval, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

/* Replaces entry *<p> with the <slen> bytes at <s>; *<p> is updated to the
 * new entry. Returns the new listpack. */
unsigned char *lpReplace(unsigned char *lp, unsigned char **p, unsigned char *s,
                         uint32_t slen) {
    return lpInsertString(lp, s, slen, *p, LP_REPLACE, p);
}

/* Replaces entry *<p> with the integer <lval>; *<p> is updated to the new
 * entry. Returns the new listpack. */
unsigned char *lpReplaceInteger(unsigned char *lp, unsigned char **p,
                                long long lval) {
    return lpInsertInteger(lp, lval, *p, LP_REPLACE, p);
}

/* Deletes entry <p>. *<newp> (when not NULL) gets the entry that followed
 * it, or NULL when <p> was the last. Returns the new listpack. */
unsigned char *lpDelete(unsigned char *lp, unsigned char *p,
                        unsigned char **newp) {
    return lpInsertEncoded(lp, NULL, 0, NULL, 0, p, LP_REPLACE, newp);
}

/* Deletes up to <num> entries starting at *<p> (fewer when the end comes
 * first). *<p> becomes the entry that followed the deleted ones, or NULL at
 * the end. Returns the new listpack. */
unsigned char *lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p,
                                      unsigned long num) {
    unsigned char *start = *p;
    if (num == 0 || start == NULL || start[0] == LP_EOF) return lp;
    uint64_t old_bytes = lpGetTotalBytes(lp);
    uint64_t poff = (uint64_t)(start - lp);
    unsigned char *end = start;
    unsigned long deleted = 0;
    while (deleted < num && end[0] != LP_EOF) {
        end = lpSkip(lp, end);
        deleted++;
    }
    uint64_t gap = (uint64_t)(end - start);
    memmove(start, end, old_bytes - (poff + gap));
    lp = zrealloc(lp, old_bytes - gap);
    lpSetTotalBytes(lp, (uint32_t)(old_bytes - gap));
    lpAdjustNumElements(lp, -(long)deleted);
    *p = lp[poff] == LP_EOF ? NULL : lp + poff;
    return lp;
}

/* Deletes up to <num> entries starting at <index> (negative counts from
 * the end). An out-of-range <index> changes nothing. Returns the new
 * listpack. */
unsigned char *lpDeleteRange(unsigned char *lp, long index, unsigned long num) {
    unsigned char *p = lpSeek(lp, index);
    if (!p) return lp;
    return lpDeleteRangeWithEntry(lp, &p, num);
}

/* Deletes the <count> entries of <ps> in one pass. <ps> must list distinct
 * entries of <lp> in increasing position order. Returns the new listpack;
 * all entry pointers into <lp> are dead afterwards. */
unsigned char *lpBatchDelete(unsigned char *lp, unsigned char **ps,
                             unsigned long count) {
    if (count == 0) return lp;
    uint64_t old_bytes = lpGetTotalBytes(lp);
    unsigned char *end = lp + old_bytes;
    unsigned char *dst = ps[0];
    for (unsigned long i = 0; i < count; i++) {
        unsigned char *del = ps[i];
        lpAssert(del >= lp + LP_HDR_SIZE && del < end - 1 && del[0] != LP_EOF);
        unsigned char *keep = lpSkip(lp, del);
        unsigned char *keep_end = i + 1 < count ? ps[i + 1] : end;
        lpAssert(keep <= keep_end);
        size_t n = (size_t)(keep_end - keep);
        memmove(dst, keep, n);
        dst += n;
    }
    uint64_t new_bytes = (uint64_t)(dst - lp);
    lp = zrealloc(lp, new_bytes);
    lpSetTotalBytes(lp, (uint32_t)new_bytes);
    lpAdjustNumElements(lp, -(long)count);
    return lp;
}

/* Concatenates two listpacks: the elements of *<first> then those of
 * *<second>. The larger one is grown in place (less copying), the other
 * freed. On return *<first> is the merged listpack (also returned) and
 * *<second> is NULL. Returns NULL, changing nothing, when either is NULL,
 * both are the same, or the result would pass 4 GiB. */
unsigned char *lpMerge(unsigned char **first, unsigned char **second) {
    if (!first || !second || !*first || !*second || *first == *second)
        return NULL;
    unsigned char *a = *first, *b = *second;
    uint64_t abytes = lpGetTotalBytes(a), bbytes = lpGetTotalBytes(b);
    uint64_t abody = abytes - LP_HDR_SIZE - 1, bbody = bbytes - LP_HDR_SIZE - 1;
    uint64_t new_bytes = abytes + bbody;
    if (new_bytes > UINT32_MAX) return NULL;
    uint16_t an = lpGetNumElements(a), bn = lpGetNumElements(b);
    uint16_t n;
    if (an == LP_HDR_NUMELE_UNKNOWN || bn == LP_HDR_NUMELE_UNKNOWN ||
        (unsigned long)an + bn >= LP_HDR_NUMELE_UNKNOWN)
        n = LP_HDR_NUMELE_UNKNOWN;
    else
        n = (uint16_t)(an + bn);

    unsigned char *m;
    if (abytes >= bbytes) {
        m = zrealloc(a, new_bytes);
        memcpy(m + LP_HDR_SIZE + abody, b + LP_HDR_SIZE, bbody);
        zfree(b);
    } else {
        m = zrealloc(b, new_bytes);
        memmove(m + LP_HDR_SIZE + abody, m + LP_HDR_SIZE, bbody);
        memcpy(m + LP_HDR_SIZE, a + LP_HDR_SIZE, abody);
        zfree(a);
    }
    m[new_bytes - 1] = LP_EOF;
    lpSetTotalBytes(m, (uint32_t)new_bytes);
    lpSetNumElements(m, n);
    *first = m;
    *second = NULL;
    return m;
}

/* Returns 1 when <lp> (NULL counts as empty) may grow by <add> bytes and
 * stay within LP_SAFETY_SIZE (1 GiB), 0 otherwise. */
int lpSafeToAdd(unsigned char *lp, size_t add) {
    size_t len = lp ? lpBytes(lp) : 0;
    return len + add <= LP_SAFETY_SIZE;
}

/* ---------------------------------------------------------------------------
 * Validation of untrusted blobs.
 * ------------------------------------------------------------------------- */

/* Returns the first entry of the (at least header-checked) blob <lp> or
 * NULL when it starts with the terminator; reads only the first byte after
 * the header. Pair with lpValidateNext to walk an unvalidated blob. */
unsigned char *lpValidateFirst(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

/* Checks, touching no byte outside the <lpbytes> bytes at <lp>, that the
 * entry at <p> has a valid encoding, lies wholly before the last byte and
 * ends with a backlen that matches its size (the exact width Redis writes).
 * On success stores in *<next> the position after it (the terminator is
 * accepted as an entry of size 0: *<next> = <p>) and returns 1; 0 on any
 * defect. */
static int lpValidateEntryAt(unsigned char *lp, unsigned char *p,
                             size_t lpbytes, unsigned char **next) {
    if (!p || lpbytes < LP_HDR_SIZE + 1 || p < lp + LP_HDR_SIZE) return 0;
    uint64_t off = (uint64_t)(p - lp);
    if (off >= lpbytes) return 0;
    if (p[0] == LP_EOF) {
        *next = p;
        return 1;
    }
    /* Room for the entry: everything up to, not including, the last byte. */
    uint64_t avail = lpbytes - 1 - off;
    unsigned int need = lpEncodingHeaderNeeded(p[0]);
    if (need == 0 || need > avail) return 0;
    uint64_t enc = lpEncodedSize(p);
    if (enc == 0 || enc > avail) return 0;
    unsigned int blen = lpEncodeBacklen(NULL, enc);
    if (enc + blen > avail) return 0;
    unsigned int width = 0;
    uint64_t back = lpDecodeBacklen(p + enc + blen - 1, p + enc, &width);
    if (back != enc || width != blen) return 0;
    *next = p + enc + blen;
    return 1;
}

/* Checks, touching no byte outside the <lpbytes> bytes at <lp>, that the
 * entry at *<pp> has a valid encoding, lies wholly before the terminator
 * and ends with a backlen that matches its size. On success advances *<pp>
 * to the next entry (NULL when the terminator follows) and returns 1;
 * returns 0 on any defect. *<pp> at the terminator gives NULL and 1. */
int lpValidateNext(unsigned char *lp, unsigned char **pp, size_t lpbytes) {
    unsigned char *next;
    if (!lpValidateEntryAt(lp, *pp, lpbytes, &next)) return 0;
    *pp = next[0] == LP_EOF ? NULL : next;
    return 1;
}

/* Validates a listpack blob of <size> bytes read from outside (RDB file,
 * RESTORE payload) before any other function may touch it. Always checks
 * that the header is readable, its byte count equals <size>, and the last
 * byte is the terminator. With <deep> it also checks every entry as
 * lpValidateNext does, checks that the walk ends exactly at the terminator and
 * that a known header count equals the real count, and calls <entry_cb>
 * (when not NULL) with each entry, the header count and <cb_userdata>; a
 * zero return from it fails validation. Returns 1 valid, 0 corrupt. Never
 * reads outside [<lp>, <lp>+<size>). */
int lpValidateIntegrity(unsigned char *lp, size_t size, int deep,
                        listpackValidateEntryCB entry_cb, void *cb_userdata) {
    if (!lp || size < LP_HDR_SIZE + 1) return 0;
    if ((uint64_t)lpGetTotalBytes(lp) != (uint64_t)size) return 0;
    if (lp[size - 1] != LP_EOF) return 0;
    if (!deep) return 1;

    uint16_t head_count = lpGetNumElements(lp);
    unsigned long count = 0;
    unsigned char *p = lp + LP_HDR_SIZE;
    while (p[0] != LP_EOF) {
        unsigned char *next;
        if (!lpValidateEntryAt(lp, p, size, &next)) return 0;
        if (entry_cb && !entry_cb(p, head_count, cb_userdata)) return 0;
        count++;
        p = next;
    }
    /* The walk stopped at a 0xFF: it must be the final byte, or the data
     * after it would be invisible to readers walking forward. */
    if (p != lp + size - 1) return 0;
    if (head_count != LP_HDR_NUMELE_UNKNOWN && head_count != count) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Random picks (HRANDFIELD, ZRANDMEMBER). <lp> holds key,value pairs.
 * ------------------------------------------------------------------------- */

/* Fills <e> from the entry <p>. */
static void lpFillEntry(unsigned char *p, listpackEntry *e) {
    unsigned int slen = 0;
    long long v = 0;
    e->sval = lpGetValue(p, &slen, &v);
    e->slen = e->sval ? slen : 0;
    e->lval = e->sval ? 0 : v;
}

/* Picks one pair uniformly among the <total_count> pairs of <lp> (which
 * must be lpLength(lp)/2, at least 1) into *<key> and, when <val> is not
 * NULL, *<val>. String values point into <lp>. */
void lpRandomPair(unsigned char *lp, unsigned long total_count,
                  listpackEntry *key, listpackEntry *val) {
    lpAssert(total_count > 0);
    unsigned long r = (unsigned long)random() % total_count;
    unsigned char *p = lpSeek(lp, (long)(2 * r));
    lpAssert(p);
    lpFillEntry(p, key);
    if (val) {
        p = lpNext(lp, p);
        lpAssert(p);
        lpFillEntry(p, val);
    }
}

typedef struct {
    unsigned long index; /* pair index in the listpack */
    unsigned int slot;   /* where the caller wants it */
} lpPick;

static int lpPickCompare(const void *a, const void *b) {
    const lpPick *x = a, *y = b;
    if (x->index != y->index) return x->index < y->index ? -1 : 1;
    return 0;
}

/* Picks <count> pairs of <lp> uniformly with repetition into <keys>[i]
 * and, when <vals> is not NULL, <vals>[i] (arrays of <count>). <lp> must
 * hold at least one pair. Walks the listpack once. */
void lpRandomPairs(unsigned char *lp, unsigned int count, listpackEntry *keys,
                   listpackEntry *vals) {
    if (count == 0) return;
    unsigned long total = lpLength(lp) / 2;
    lpAssert(total > 0);
    lpPick *picks = zmalloc(sizeof(*picks) * count);
    for (unsigned int i = 0; i < count; i++) {
        picks[i].index = (unsigned long)random() % total;
        picks[i].slot = i;
    }
    qsort(picks, count, sizeof(*picks), lpPickCompare);
    unsigned char *p = lpFirst(lp);
    unsigned long pair = 0;
    for (unsigned int i = 0; i < count; i++) {
        while (pair < picks[i].index) {
            p = lpNext(lp, lpNext(lp, p));
            pair++;
        }
        lpFillEntry(p, &keys[picks[i].slot]);
        if (vals) lpFillEntry(lpNext(lp, p), &vals[picks[i].slot]);
    }
    zfree(picks);
}

/* Picks min(<count>, pairs in <lp>) distinct pairs, each subset equally
 * likely (selection sampling), into <keys> and, when not NULL, <vals>, in
 * listpack order. Returns how many were picked. */
unsigned int lpRandomPairsUnique(unsigned char *lp, unsigned int count,
                                 listpackEntry *keys, listpackEntry *vals) {
    unsigned long total = lpLength(lp) / 2;
    if (count > total) count = (unsigned int)total;
    unsigned int picked = 0;
    unsigned char *p = lpFirst(lp);
    for (unsigned long i = 0; i < total && picked < count; i++) {
        unsigned long remaining = total - i;
        unsigned long needed = count - picked;
        /* random() gives 31 bits; combine two for large listpacks. */
        unsigned long r =
            (((unsigned long)random() << 31) | (unsigned long)random()) %
            remaining;
        unsigned char *v = lpNext(lp, p);
        lpAssert(v);
        if (r < needed) {
            lpFillEntry(p, &keys[picked]);
            if (vals) lpFillEntry(v, &vals[picked]);
            picked++;
        }
        p = lpNext(lp, v);
    }
    return picked;
}
