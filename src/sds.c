/* sds.c: binary-safe dynamic strings.
 *
 * Owns: the layout of an sds. One allocation holds a header immediately
 * followed by the bytes and a NUL, and the sds pointer points just past the
 * header. The byte just before the string (s[-1]) is always the header's
 * flags byte; its low three bits name one of five header types, so a short
 * string pays a 1- or 3-byte header instead of two size_t (this is what
 * decides the jemalloc size class of most set members, hash fields and keys):
 *
 *   SDS_TYPE_5   flags only; the length (0..31) is kept in the flags' top
 *                five bits and there is no capacity field: capacity == length.
 *                Made only when a string is created from existing bytes and
 *                is shorter than 32; any growth turns it into a bigger type.
 *   SDS_TYPE_8   uint8_t len, uint8_t alloc, flags        (3 bytes)
 *   SDS_TYPE_16  uint16_t len, uint16_t alloc, flags      (5 bytes)
 *   SDS_TYPE_32  uint32_t len, uint32_t alloc, flags      (9 bytes)
 *   SDS_TYPE_64  uint64_t len, uint64_t alloc, flags      (17 bytes)
 *
 * The headers are packed, so the string itself is not aligned; nobody may
 * store anything but bytes in an sds. Invariants: len <= alloc <= the type's
 * maximum, and s[len] == '\0' after every function of this file returns
 * (sdsSetLen and sdsIncrLen keep it too). The capacity recorded is what the
 * allocator really gave us (capped at the type's maximum), so greedy growth
 * uses the slack for free.
 * Must not touch: anything above the platform layer; allocation only through
 * zmalloc. */
#include "sds.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zmalloc.h"

#define SDS_TYPE_5 0
#define SDS_TYPE_8 1
#define SDS_TYPE_16 2
#define SDS_TYPE_32 3
#define SDS_TYPE_64 4
#define SDS_TYPE_MASK 7
#define SDS_TYPE_BITS 3
#define SDS_TYPE5_MAX 31

struct __attribute__((__packed__)) sdsHdr8 {
    uint8_t len, alloc;
    unsigned char flags;
};
struct __attribute__((__packed__)) sdsHdr16 {
    uint16_t len, alloc;
    unsigned char flags;
};
struct __attribute__((__packed__)) sdsHdr32 {
    uint32_t len, alloc;
    unsigned char flags;
};
struct __attribute__((__packed__)) sdsHdr64 {
    uint64_t len, alloc;
    unsigned char flags;
};

#define SDS_HDR_OF(T, s) ((struct T *)((char *)(s) - sizeof(struct T)))
#define SDS_MAX_PREALLOC (1024 * 1024)
/* Largest content size whose allocation (header + bytes + NUL) fits size_t. */
#define SDS_MAX_CONTENT (SIZE_MAX - sizeof(struct sdsHdr64) - 1)

static inline unsigned sdsType(const sds s) {
    return (unsigned char)s[-1] & SDS_TYPE_MASK;
}

static size_t sdsHdrSize(unsigned type) {
    switch (type) {
    case SDS_TYPE_5: return 1;
    case SDS_TYPE_8: return sizeof(struct sdsHdr8);
    case SDS_TYPE_16: return sizeof(struct sdsHdr16);
    case SDS_TYPE_32: return sizeof(struct sdsHdr32);
    default: return sizeof(struct sdsHdr64);
    }
}

/* Largest capacity a header of <type> can record. */
static size_t sdsTypeMax(unsigned type) {
    switch (type) {
    case SDS_TYPE_5: return SDS_TYPE5_MAX;
    case SDS_TYPE_8: return UINT8_MAX;
    case SDS_TYPE_16: return UINT16_MAX;
    case SDS_TYPE_32: return UINT32_MAX;
    default: return SDS_MAX_CONTENT;
    }
}

/* Smallest type with a capacity field that can hold <size> bytes. */
static unsigned sdsTypeFor(size_t size) {
    if (size <= UINT8_MAX) return SDS_TYPE_8;
    if (size <= UINT16_MAX) return SDS_TYPE_16;
    if (size <= UINT32_MAX) return SDS_TYPE_32;
    return SDS_TYPE_64;
}

static void *sdsHdrStart(const sds s) {
    return (char *)s - sdsHdrSize(sdsType(s));
}

/* Current capacity of <s> (its length for SDS_TYPE_5). */
static size_t sdsGetAlloc(const sds s) {
    switch (sdsType(s)) {
    case SDS_TYPE_5: return (unsigned char)s[-1] >> SDS_TYPE_BITS;
    case SDS_TYPE_8: return SDS_HDR_OF(sdsHdr8, s)->alloc;
    case SDS_TYPE_16: return SDS_HDR_OF(sdsHdr16, s)->alloc;
    case SDS_TYPE_32: return SDS_HDR_OF(sdsHdr32, s)->alloc;
    default: return SDS_HDR_OF(sdsHdr64, s)->alloc;
    }
}

/* Records <len> as the length of <s>; the caller guarantees it fits the
 * capacity (and so the type). Does not write the NUL. */
static void sdsSetLenRaw(sds s, size_t len) {
    switch (sdsType(s)) {
    case SDS_TYPE_5:
        assert(len <= SDS_TYPE5_MAX);
        s[-1] = (char)(SDS_TYPE_5 | (len << SDS_TYPE_BITS));
        break;
    case SDS_TYPE_8: SDS_HDR_OF(sdsHdr8, s)->len = (uint8_t)len; break;
    case SDS_TYPE_16: SDS_HDR_OF(sdsHdr16, s)->len = (uint16_t)len; break;
    case SDS_TYPE_32: SDS_HDR_OF(sdsHdr32, s)->len = (uint32_t)len; break;
    default: SDS_HDR_OF(sdsHdr64, s)->len = len; break;
    }
}

static void sdsSetAllocRaw(sds s, size_t alloc) {
    switch (sdsType(s)) {
    case SDS_TYPE_5: break; /* no capacity field */
    case SDS_TYPE_8: SDS_HDR_OF(sdsHdr8, s)->alloc = (uint8_t)alloc; break;
    case SDS_TYPE_16: SDS_HDR_OF(sdsHdr16, s)->alloc = (uint16_t)alloc; break;
    case SDS_TYPE_32: SDS_HDR_OF(sdsHdr32, s)->alloc = (uint32_t)alloc; break;
    default: SDS_HDR_OF(sdsHdr64, s)->alloc = alloc; break;
    }
}

/* Records in <s> the real capacity of the block it lives in, capped at what
 * its header type can express. */
static void sdsSetAllocFromUsable(sds s) {
    unsigned type = sdsType(s);
    size_t usable = zmallocSize(sdsHdrStart(s)) - sdsHdrSize(type) - 1;
    size_t max = sdsTypeMax(type);
    sdsSetAllocRaw(s, usable > max ? max : usable);
}

/* Lays out a header of <type> at the start of the block <hdr> for a string
 * of <len> bytes, and returns the string pointer (capacity still to set). */
static sds sdsInitHdr(void *hdr, unsigned type, size_t len) {
    sds s = (char *)hdr + sdsHdrSize(type);
    s[-1] = (char)type;
    sdsSetLenRaw(s, len);
    return s;
}

/* <init> for sdsNewLenImpl: leave the content as the allocator gave it. */
static const char sdsNoInit[1];

static sds sdsNewLenImpl(const void *init, size_t initlen, int tryAlloc) {
    if (initlen > SDS_MAX_CONTENT) {
        if (!tryAlloc) abort(); /* a size no allocator can satisfy */
        return NULL;
    }
    /* SDS_TYPE_5 only for copies of existing short content: an empty or
     * zero-filled string is usually a buffer about to grow. */
    unsigned type = (init != NULL && init != sdsNoInit && initlen > 0 &&
                     initlen <= SDS_TYPE5_MAX)
                        ? SDS_TYPE_5
                        : sdsTypeFor(initlen);
    size_t total = sdsHdrSize(type) + initlen + 1;
    void *sh = tryAlloc ? ztrymalloc(total) : zmalloc(total);
    if (sh == NULL) return NULL;
    char *s = sdsInitHdr(sh, type, initlen);
    sdsSetAllocFromUsable(s);
    if (init == sdsNoInit) {
        /* the caller writes every byte */
    } else if (init != NULL && initlen) {
        memcpy(s, init, initlen);
    } else if (initlen) {
        memset(s, 0, initlen);
    }
    s[initlen] = '\0';
    return s;
}

/* Creates an sds holding the <initlen> bytes at <init>, or <initlen> zero
 * bytes when <init> is NULL. Never returns NULL; the caller owns the result
 * and frees it with sdsFree. */
sds sdsNewLen(const void *init, size_t initlen) {
    return sdsNewLenImpl(init, initlen, 0);
}

/* Like sdsNewLen(NULL, <initlen>) without zeroing the content: for a
 * caller that fills all of it at once (a read, a decompression). */
sds sdsNewLenNoInit(size_t initlen) {
    return sdsNewLenImpl(sdsNoInit, initlen, 0);
}

/* Like sdsNewLen, but returns NULL instead of aborting when memory runs out
 * (for sizes that come from outside, such as a bulk length). */
sds sdsTryNewLen(const void *init, size_t initlen) {
    return sdsNewLenImpl(init, initlen, 1);
}

/* Creates an sds from the C string <init>; NULL gives an empty string. */
sds sdsNew(const char *init) {
    return sdsNewLen(init, init ? strlen(init) : 0);
}

/* Creates an empty sds (length 0). */
sds sdsEmpty(void) {
    return sdsNewLen("", 0);
}

/* Returns a new sds with the same bytes as <s>; the caller owns it. */
sds sdsDup(const sds s) {
    return sdsNewLen(s, sdsLen(s));
}

/* Frees <s>; NULL is a no-op. */
void sdsFree(sds s) {
    if (s == NULL) return;
    zfree(sdsHdrStart(s));
}

/* Returns the number of bytes in <s> (NUL bytes included). */
size_t sdsLen(const sds s) {
    switch (sdsType(s)) {
    case SDS_TYPE_5: return (unsigned char)s[-1] >> SDS_TYPE_BITS;
    case SDS_TYPE_8: return SDS_HDR_OF(sdsHdr8, s)->len;
    case SDS_TYPE_16: return SDS_HDR_OF(sdsHdr16, s)->len;
    case SDS_TYPE_32: return SDS_HDR_OF(sdsHdr32, s)->len;
    default: return SDS_HDR_OF(sdsHdr64, s)->len;
    }
}

/* Returns how many bytes can be appended to <s> without reallocating. */
size_t sdsAvail(const sds s) {
    return sdsGetAlloc(s) - sdsLen(s);
}

/* Returns the total size of the allocation behind <s>: header, bytes, NUL
 * and any slack the allocator added. This is what it costs in used_memory. */
size_t sdsAllocSize(const sds s) {
    return zmallocSize(sdsHdrStart(s));
}

/* Sets the length of <s> to <newlen>, which must not exceed its capacity,
 * and writes the terminating NUL there. */
void sdsSetLen(sds s, size_t newlen) {
    assert(newlen <= sdsGetAlloc(s));
    sdsSetLenRaw(s, newlen);
    s[newlen] = '\0';
}

/* Moves <s> into a new block with a header of <type> and room for <cap>
 * bytes, freeing the old block. Returns the new string. */
static sds sdsRehead(sds s, unsigned type, size_t cap) {
    size_t len = sdsLen(s);
    void *sh = zmalloc(sdsHdrSize(type) + cap + 1);
    sds n = sdsInitHdr(sh, type, len);
    memcpy(n, s, len + 1);
    zfree(sdsHdrStart(s));
    return n;
}

static sds sdsMakeRoomForImpl(sds s, size_t addlen, int greedy) {
    size_t len = sdsLen(s);
    if (sdsGetAlloc(s) - len >= addlen) return s;

    if (addlen > SDS_MAX_CONTENT - len) abort(); /* length would overflow */
    size_t newlen = len + addlen;
    if (greedy) {
        /* Doubling keeps appends amortised O(1); above 1 MiB the slack is
         * capped so a large string does not waste as much as it holds. */
        if (newlen < SDS_MAX_PREALLOC) {
            newlen *= 2;
        } else if (newlen <= SDS_MAX_CONTENT - SDS_MAX_PREALLOC) {
            newlen += SDS_MAX_PREALLOC;
        }
    }
    unsigned type = sdsType(s), newtype = sdsTypeFor(newlen);
    if (newtype == type) {
        void *sh = zrealloc(sdsHdrStart(s), sdsHdrSize(type) + newlen + 1);
        s = (char *)sh + sdsHdrSize(type);
    } else {
        /* The header size changes, so the bytes must move anyway. */
        s = sdsRehead(s, newtype, newlen);
    }
    sdsSetAllocFromUsable(s);
    return s;
}

/* Makes sure <addlen> more bytes can be written after the end of <s>,
 * allocating extra room to make repeated appends cheap: the new capacity is
 * twice the needed size below 1 MiB, else the needed size plus 1 MiB. The
 * length is unchanged. Returns the possibly moved string. */
sds sdsMakeRoomFor(sds s, size_t addlen) {
    return sdsMakeRoomForImpl(s, addlen, 1);
}

/* Like sdsMakeRoomFor, but grows only to what is needed (for a string whose
 * final size is known). Returns the possibly moved string. */
sds sdsMakeRoomForNonGreedy(sds s, size_t addlen) {
    return sdsMakeRoomForImpl(s, addlen, 0);
}

/* Adjusts the length of <s> by <incr> (which may be negative) after the
 * caller wrote into, or wants to drop, the tail; re-terminates the string.
 * The new length must stay within 0..capacity. */
void sdsIncrLen(sds s, ssize_t incr) {
    size_t len = sdsLen(s);
    if (incr >= 0) {
        assert(sdsGetAlloc(s) - len >= (size_t)incr);
        len += (size_t)incr;
    } else {
        assert(len >= (size_t)(-(incr + 1)) + 1);
        len -= (size_t)(-(incr + 1)) + 1;
    }
    sdsSetLenRaw(s, len);
    s[len] = '\0';
}

/* Shrinks the allocation of <s> to its length (choosing the smallest header
 * with a capacity field that fits), so sdsAvail becomes 0. Returns the
 * possibly moved string. */
sds sdsRemoveFreeSpace(sds s) {
    size_t len = sdsLen(s);
    if (sdsGetAlloc(s) == len) return s;
    unsigned type = sdsType(s), newtype = sdsTypeFor(len);
    if (newtype == type) {
        /* A block the allocator would not make smaller stays. */
        size_t want = sdsHdrSize(type) + len + 1;
        if (zmallocGoodSize(want) >= zmallocSize(sdsHdrStart(s))) {
            sdsSetAllocRaw(s, len);
            return s;
        }
        void *sh = zrealloc(sdsHdrStart(s), want);
        s = (char *)sh + sdsHdrSize(type);
    } else {
        s = sdsRehead(s, newtype, len);
    }
    sdsSetAllocRaw(s, len);
    return s;
}

/* Sets the length of <s> to strlen(s), for after the caller wrote a C
 * string into its buffer. */
void sdsUpdateLen(sds s) {
    sdsSetLenRaw(s, strlen(s));
}

/* Grows <s> to <len> bytes, filling the new bytes with zeros; does nothing
 * if it is already that long. Returns the possibly moved string. */
sds sdsGrowZero(sds s, size_t len) {
    size_t curlen = sdsLen(s);
    if (len <= curlen) return s;
    s = sdsMakeRoomFor(s, len - curlen);
    memset(s + curlen, 0, len - curlen + 1);
    sdsSetLenRaw(s, len);
    return s;
}

/* Appends the <len> bytes at <t> to <s>. Returns the possibly moved string. */
sds sdsCatLen(sds s, const void *t, size_t len) {
    size_t curlen = sdsLen(s);
    s = sdsMakeRoomFor(s, len);
    if (len) memcpy(s + curlen, t, len);
    sdsSetLen(s, curlen + len);
    return s;
}

/* Appends the C string <t> to <s>. Returns the possibly moved string. */
sds sdsCat(sds s, const char *t) {
    return sdsCatLen(s, t, strlen(t));
}

/* Appends the sds <t> (NUL bytes included) to <s>. */
sds sdsCatSds(sds s, const sds t) {
    return sdsCatLen(s, t, sdsLen(t));
}

/* Replaces the content of <s> with the <len> bytes at <t>. Returns the
 * possibly moved string. */
sds sdsCpyLen(sds s, const char *t, size_t len) {
    if (sdsGetAlloc(s) < len) {
        s = sdsMakeRoomFor(s, len - sdsLen(s));
    }
    if (len) memmove(s, t, len);
    sdsSetLen(s, len);
    return s;
}

/* Replaces the content of <s> with the C string <t>. */
sds sdsCpy(sds s, const char *t) {
    return sdsCpyLen(s, t, strlen(t));
}

/* Appends the printf-style formatting of <fmt> with <ap> to <s>. <ap> is
 * consumed as by vprintf. Returns the possibly moved string. */
sds sdsCatVPrintf(sds s, const char *fmt, va_list ap) {
    char small[256];
    va_list cpy;

    va_copy(cpy, ap);
    int n = vsnprintf(small, sizeof(small), fmt, cpy);
    va_end(cpy);
    if (n < 0) return s;
    if ((size_t)n < sizeof(small)) return sdsCatLen(s, small, (size_t)n);

    /* Too long for the stack buffer: format straight into the string. */
    size_t curlen = sdsLen(s);
    s = sdsMakeRoomFor(s, (size_t)n);
    va_copy(cpy, ap);
    vsnprintf(s + curlen, (size_t)n + 1, fmt, cpy);
    va_end(cpy);
    sdsSetLen(s, curlen + (size_t)n);
    return s;
}

/* Appends the printf-style formatting of <fmt> and its arguments to <s>.
 * Returns the possibly moved string. */
sds sdsCatPrintf(sds s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = sdsCatVPrintf(s, fmt, ap);
    va_end(ap);
    return s;
}

/* Removes from both ends of <s> every byte found in the C string <cset>.
 * Works in place; returns <s>. */
sds sdsTrim(sds s, const char *cset) {
    size_t len = sdsLen(s);
    size_t start = 0, end = len;
    while (start < end && strchr(cset, s[start]) && s[start] != '\0') start++;
    while (end > start && strchr(cset, s[end - 1]) && s[end - 1] != '\0') end--;
    if (start && end > start) memmove(s, s + start, end - start);
    sdsSetLen(s, end - start);
    return s;
}

/* Keeps only bytes <start>..<end> (inclusive) of <s>, in place. Negative
 * indexes count from the end (-1 is the last byte); out-of-range indexes
 * are clamped, and an empty range empties the string. */
void sdsRange(sds s, ssize_t start, ssize_t end) {
    ssize_t len = (ssize_t)sdsLen(s);
    if (len == 0) return;
    if (start < 0) start = len + start < 0 ? 0 : len + start;
    if (end < 0) end = len + end < 0 ? 0 : len + end;
    if (end >= len) end = len - 1;
    size_t newlen = 0;
    if (start <= end && start < len) newlen = (size_t)(end - start + 1);
    if (newlen && start) memmove(s, s + start, newlen);
    sdsSetLen(s, newlen);
}

/* Makes <s> empty without freeing its buffer, so it can be refilled. */
void sdsClear(sds s) {
    sdsSetLen(s, 0);
}

/* Compares <s1> and <s2> bytewise (as unsigned bytes); a string that is a
 * prefix of the other is smaller. Returns <0, 0 or >0 like memcmp. */
int sdsCmp(const sds s1, const sds s2) {
    size_t l1 = sdsLen(s1), l2 = sdsLen(s2);
    size_t minlen = l1 < l2 ? l1 : l2;
    int cmp = minlen ? memcmp(s1, s2, minlen) : 0;
    if (cmp != 0) return cmp;
    if (l1 == l2) return 0;
    return l1 < l2 ? -1 : 1;
}

/* Splits the <len> bytes at <s> on every occurrence of the <seplen>-byte
 * separator <sep>. Returns an array of *<count> new sds strings, which the
 * caller frees with sdsFreeSplitRes; an empty input gives an empty array.
 * Returns NULL (count 0) when <len> is negative or <seplen> is below 1. */
sds *sdsSplitLen(const char *s, ssize_t len, const char *sep, int seplen,
                 int *count) {
    *count = 0;
    if (len < 0 || seplen < 1) return NULL;

    size_t slots = 5, n = 0;
    sds *tokens = zmalloc(sizeof(sds) * slots);
    if (len == 0) return tokens;

    size_t start = 0, ulen = (size_t)len, usep = (size_t)seplen;
    for (size_t j = 0; j + usep <= ulen; j++) {
        if (s[j] != sep[0] || memcmp(s + j, sep, usep) != 0) continue;
        if (n + 2 > slots) {
            slots *= 2;
            tokens = zrealloc(tokens, sizeof(sds) * slots);
        }
        tokens[n++] = sdsNewLen(s + start, j - start);
        start = j + usep;
        j = start - 1;
    }
    if (n + 1 > slots) tokens = zrealloc(tokens, sizeof(sds) * (n + 1));
    tokens[n++] = sdsNewLen(s + start, ulen - start);
    assert(n <= INT_MAX);
    *count = (int)n;
    return tokens;
}

/* Frees the <count> strings of <tokens> and the array itself (as returned
 * by sdsSplitLen or sdsSplitArgs). NULL is a no-op. */
void sdsFreeSplitRes(sds *tokens, int count) {
    if (tokens == NULL) return;
    for (int j = 0; j < count; j++) sdsFree(tokens[j]);
    zfree(tokens);
}

/* Converts the ASCII letters of <s> to lower case, in place. */
void sdsToLower(sds s) {
    size_t len = sdsLen(s);
    for (size_t j = 0; j < len; j++) s[j] = (char)tolower((unsigned char)s[j]);
}

/* Converts the ASCII letters of <s> to upper case, in place. */
void sdsToUpper(sds s) {
    size_t len = sdsLen(s);
    for (size_t j = 0; j < len; j++) s[j] = (char)toupper((unsigned char)s[j]);
}

/* Returns a new sds with the decimal form of <value>. */
sds sdsFromLongLong(long long value) {
    char buf[24];
    char *p = buf + sizeof(buf);
    /* Work on the magnitude as unsigned so LLONG_MIN does not overflow. */
    unsigned long long v = value < 0 ? 0ULL - (unsigned long long)value
                                     : (unsigned long long)value;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0) *--p = '-';
    return sdsNewLen(p, (size_t)(buf + sizeof(buf) - p));
}

/* Appends to <s> the <len> bytes at <p> as a double-quoted string, with
 * backslash, quote and the usual control characters escaped (\n \r \t \a
 * \b) and any other non-printable byte written as \xhh, the way redis-cli
 * and the log show binary data. Returns the possibly moved string. */
sds sdsCatRepr(sds s, const char *p, size_t len) {
    s = sdsMakeRoomFor(s, len + 2);
    s = sdsCatLen(s, "\"", 1);
    for (size_t j = 0; j < len; j++) {
        unsigned char c = (unsigned char)p[j];
        switch (c) {
        case '\\': s = sdsCatLen(s, "\\\\", 2); break;
        case '"': s = sdsCatLen(s, "\\\"", 2); break;
        case '\n': s = sdsCatLen(s, "\\n", 2); break;
        case '\r': s = sdsCatLen(s, "\\r", 2); break;
        case '\t': s = sdsCatLen(s, "\\t", 2); break;
        case '\a': s = sdsCatLen(s, "\\a", 2); break;
        case '\b': s = sdsCatLen(s, "\\b", 2); break;
        default:
            if (isprint(c)) {
                char ch = (char)c;
                s = sdsCatLen(s, &ch, 1);
            } else {
                s = sdsCatPrintf(s, "\\x%02x", c);
            }
            break;
        }
    }
    return sdsCatLen(s, "\"", 1);
}

static int sdsHexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int sdsIsArgSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' ||
           c == '\f';
}

/* Parses one argument starting at *<pp> (not at a space) into *<out>.
 * Returns 1 and advances *<pp> past the argument, or 0 on unbalanced quotes
 * or a closing quote that is not followed by a space or the end. */
static int sdsParseArg(const char **pp, sds *out) {
    const char *p = *pp;
    sds cur = sdsEmpty();
    enum { PLAIN, DOUBLE, SINGLE } mode = PLAIN;

    for (;;) {
        if (mode == DOUBLE) {
            if (*p == '\0') goto unbalanced;
            if (p[0] == '\\' && p[1] == 'x' && sdsHexValue(p[2]) >= 0 &&
                sdsHexValue(p[3]) >= 0) {
                char byte = (char)(sdsHexValue(p[2]) * 16 + sdsHexValue(p[3]));
                cur = sdsCatLen(cur, &byte, 1);
                p += 4;
                continue;
            }
            if (p[0] == '\\' && p[1] != '\0') {
                char c;
                switch (p[1]) {
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'b': c = '\b'; break;
                case 'a': c = '\a'; break;
                default: c = p[1]; break;
                }
                cur = sdsCatLen(cur, &c, 1);
                p += 2;
                continue;
            }
            if (*p == '"') {
                /* "foo"bar is ambiguous, so refuse it rather than guess. */
                if (p[1] != '\0' && !sdsIsArgSpace(p[1])) goto unbalanced;
                p++;
                break;
            }
            cur = sdsCatLen(cur, p, 1);
            p++;
        } else if (mode == SINGLE) {
            if (*p == '\0') goto unbalanced;
            if (p[0] == '\\' && p[1] == '\'') {
                cur = sdsCatLen(cur, "'", 1);
                p += 2;
                continue;
            }
            if (*p == '\'') {
                if (p[1] != '\0' && !sdsIsArgSpace(p[1])) goto unbalanced;
                p++;
                break;
            }
            cur = sdsCatLen(cur, p, 1);
            p++;
        } else {
            if (*p == '\0' || sdsIsArgSpace(*p)) break;
            if (*p == '"') {
                mode = DOUBLE;
            } else if (*p == '\'') {
                mode = SINGLE;
            } else {
                cur = sdsCatLen(cur, p, 1);
            }
            p++;
        }
    }
    *pp = p;
    *out = cur;
    return 1;

unbalanced:
    sdsFree(cur);
    return 0;
}

/* Splits the C string <line> into arguments the way a shell would (see
 * sds.h for the quoting rules). Returns an array of *<argc> new sds, freed
 * with sdsFreeSplitRes; an empty or blank line gives a non-NULL array with
 * *<argc> 0. Returns NULL (and *<argc> 0) when the quoting is unbalanced. */
sds *sdsSplitArgs(const char *line, int *argc) {
    const char *p = line;
    size_t slots = 4, n = 0;
    sds *vector = zmalloc(sizeof(sds) * slots);

    *argc = 0;
    for (;;) {
        while (*p && sdsIsArgSpace(*p)) p++;
        if (*p == '\0') break;
        sds arg;
        if (!sdsParseArg(&p, &arg)) {
            sdsFreeSplitRes(vector, (int)n);
            return NULL;
        }
        if (n == slots) {
            slots *= 2;
            vector = zrealloc(vector, sizeof(sds) * slots);
        }
        vector[n++] = arg;
        assert(n < INT_MAX);
    }
    *argc = (int)n;
    return vector;
}

/* Replaces, in place, every byte of <s> equal to <from>[i] with <to>[i],
 * for i below <setlen>; the first matching pair wins. Returns <s>. */
sds sdsMapChars(sds s, const char *from, const char *to, size_t setlen) {
    size_t len = sdsLen(s);
    for (size_t j = 0; j < len; j++) {
        for (size_t i = 0; i < setlen; i++) {
            if (s[j] == from[i]) {
                s[j] = to[i];
                break;
            }
        }
    }
    return s;
}

/* Returns a new sds with the <argc> C strings of <argv> joined by the C
 * string <sep>. */
sds sdsJoin(char **argv, int argc, const char *sep) {
    sds join = sdsEmpty();
    for (int j = 0; j < argc; j++) {
        join = sdsCat(join, argv[j]);
        if (j != argc - 1) join = sdsCat(join, sep);
    }
    return join;
}
