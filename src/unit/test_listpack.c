/* test_listpack.c: unit tests of listpack.c.
 *
 * The golden byte strings below were derived by hand from the public
 * Listpack specification and checked against what redis-server 7.0.15
 * returns from DUMP (rpush / hset with --rdbcompression no).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_listpack
 *        unit/test_listpack.c listpack.c zmalloc.c util.c sds.c */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "../listpack.h"
#include "../util.h"
#include "../zmalloc.h"
#include "test_help.h"

/* ---------------------------------------------------------------------------
 * Helpers.
 * ------------------------------------------------------------------------- */

/* Parses a hex string (spaces allowed) into <out>; returns the byte count. */
static size_t hexToBytes(const char *hex, unsigned char *out) {
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        if (*hex >= '0' && *hex <= '9')
            v = *hex - '0';
        else if (*hex >= 'a' && *hex <= 'f')
            v = *hex - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

/* 1 when the listpack bytes equal the hex string. */
static int lpEqualsHex(unsigned char *lp, const char *hex) {
    unsigned char buf[512];
    size_t n = hexToBytes(hex, buf);
    return lpBytes(lp) == n && memcmp(lp, buf, n) == 0;
}

/* The element at <p> as text in <buf> (LP_INTBUF_SIZE or more); returns
 * the text pointer and its length in *<len>. */
static unsigned char *entryText(unsigned char *p, int64_t *len,
                                unsigned char *buf) {
    return lpGet(p, len, buf);
}

/* 1 when entry <p> reads back as the C string <s>. */
static int entryIs(unsigned char *p, const char *s) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    unsigned char *v = entryText(p, &len, buf);
    return p && (size_t)len == strlen(s) && memcmp(v, s, (size_t)len) == 0;
}

static unsigned char *lpAppendStr(unsigned char *lp, const char *s) {
    return lpAppend(lp, (unsigned char *)s, (uint32_t)strlen(s));
}

/* Deterministic PRNG for the tests (xorshift). */
static uint64_t rngState = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

/* A model element: text of up to 300 bytes. */
typedef struct {
    char s[320];
    uint32_t len;
} modelElem;

/* Builds a random element text: integers of all widths, canonical and not,
 * and strings of several sizes (binary bytes included). */
static void randomElem(modelElem *e) {
    switch (rng() % 6) {
    case 0:
        e->len = (uint32_t)snprintf(e->s, sizeof(e->s), "%lld",
                                    (long long)(rng() % 200) - 100);
        break;
    case 1:
        e->len =
            (uint32_t)snprintf(e->s, sizeof(e->s), "%lld", (long long)rng());
        break;
    case 2:
        e->len = (uint32_t)snprintf(e->s, sizeof(e->s), "%lld",
                                    (long long)(rng() % 20000000) - 10000000);
        break;
    case 3:
        e->len = (uint32_t)snprintf(e->s, sizeof(e->s), "0%u",
                                    (unsigned)(rng() % 100));
        break;
    default: {
        uint32_t len = (uint32_t)(rng() % (rng() % 2 ? 10 : 300));
        for (uint32_t i = 0; i < len; i++) e->s[i] = (char)(rng() & 0xFF);
        e->len = len;
    }
    }
}

/* Checks that <lp> holds exactly the <n> model elements, forward and
 * backward, and passes deep validation. */
static int lpMatchesModel(unsigned char *lp, modelElem *m, unsigned long n) {
    if (lpLength(lp) != n) return 0;
    if (!lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL)) return 0;
    unsigned char *p = lpFirst(lp);
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned long i = 0; i < n; i++) {
        int64_t len;
        if (!p) return 0;
        unsigned char *v = lpGet(p, &len, buf);
        if ((uint64_t)len != m[i].len || memcmp(v, m[i].s, m[i].len) != 0)
            return 0;
        p = lpNext(lp, p);
    }
    if (p) return 0;
    p = lpLast(lp);
    for (unsigned long i = n; i-- > 0;) {
        if (!p || !lpCompare(p, (unsigned char *)m[i].s, m[i].len)) return 0;
        p = lpPrev(lp, p);
    }
    return p == NULL;
}

/* Builds a listpack of the integers [<from>, <from>+<n>) quickly: chunks
 * of 1000 appends joined with lpMerge (ASan's realloc always copies, so
 * 65536 single appends would copy gigabytes). */
static unsigned char *lpRangeOfInts(long from, long n) {
    unsigned char *lp = lpNew(0);
    for (long done = 0; done < n;) {
        unsigned char *chunk = lpNew(0);
        for (long i = 0; i < 1000 && done < n; i++, done++)
            chunk = lpAppendInteger(chunk, from + done);
        lpMerge(&lp, &chunk);
    }
    return lp;
}

/* ---------------------------------------------------------------------------
 * Golden bytes.
 * ------------------------------------------------------------------------- */

/* Derived by hand from the spec:
 *   header: total 0x19 = 25 bytes (u32 LE), 5 elements (u16 LE)
 *   "a"     -> 81 61 | backlen 02   (6-bit string, length 1)
 *   1       -> 01    | 01           (7-bit uint)
 *   -1      -> df ff | 02           (13-bit: 0x1fff = 110 11111 11111111)
 *   300     -> c1 2c | 02           (13-bit: 0x012c)
 *   "hello" -> 85 68 65 6c 6c 6f | 06
 *   end     -> ff
 * redis-server 7.0.15 DUMP of `rpush l a 1 -1 300 hello` contains exactly
 * these 25 bytes as its single quicklist node. */
#define GOLDEN_LIST \
    "19000000 0500 8161 02 01 01 dfff 02 c12c 02 8568656c6c6f 06 ff"
/* `hset h f v`: 13 bytes, 2 elements, "f" and "v". */
#define GOLDEN_HASH "0d000000 0200 8166 02 8176 02 ff"

TEST_CASE(testGoldenList) {
    unsigned char *lp = lpNew(0);
    lp = lpAppendStr(lp, "a");
    lp = lpAppendStr(lp, "1");
    lp = lpAppendStr(lp, "-1");
    lp = lpAppendStr(lp, "300");
    lp = lpAppendStr(lp, "hello");
    ASSERT(lpEqualsHex(lp, GOLDEN_LIST));
    lpFree(lp);

    /* The same through the integer API and through prepends. */
    lp = lpNew(64);
    lp = lpPrepend(lp, (unsigned char *)"hello", 5);
    lp = lpPrependInteger(lp, 300);
    lp = lpPrependInteger(lp, -1);
    lp = lpPrependInteger(lp, 1);
    lp = lpPrepend(lp, (unsigned char *)"a", 1);
    ASSERT(lpEqualsHex(lp, GOLDEN_LIST));
    lp = lpShrinkToFit(lp);
    ASSERT(lpEqualsHex(lp, GOLDEN_LIST));
    lpFree(lp);

    lp = lpNew(0);
    lp = lpAppendStr(lp, "f");
    lp = lpAppendStr(lp, "v");
    ASSERT(lpEqualsHex(lp, GOLDEN_HASH));
    lpFree(lp);

    /* Reading the golden blob back. */
    unsigned char blob[64];
    size_t n = hexToBytes(GOLDEN_LIST, blob);
    ASSERT(lpValidateIntegrity(blob, n, 1, NULL, NULL));
    ASSERT_EQ_INT(lpLength(blob), 5);
    int64_t v;
    unsigned char *p = lpFirst(blob);
    ASSERT(entryIs(p, "a"));
    p = lpNext(blob, p);
    ASSERT(lpGet(p, &v, NULL) == NULL);
    ASSERT_EQ_INT(v, 1);
    p = lpNext(blob, p);
    ASSERT(lpGet(p, &v, NULL) == NULL);
    ASSERT_EQ_INT(v, -1);
    p = lpNext(blob, p);
    ASSERT(lpGet(p, &v, NULL) == NULL);
    ASSERT_EQ_INT(v, 300);
    p = lpNext(blob, p);
    ASSERT(entryIs(p, "hello"));
    ASSERT(lpNext(blob, p) == NULL);
    ASSERT(entryIs(lpLast(blob), "hello"));
}

/* Each value with the exact entry bytes (encoding+data+backlen) that
 * redis-server 7.0.15 stored for it. */
static const struct {
    const char *text;
    const char *hex;
} encodingTable[] = {
    {"0", "0001"},
    {"127", "7f01"},
    {"128", "c08002"},
    {"-1", "dfff02"},
    {"-4096", "d00002"},
    {"4095", "cfff02"},
    {"4096", "f1001003"},
    {"-4097", "f1ffef03"},
    {"32767", "f1ff7f03"},
    {"-32768", "f1008003"},
    {"32768", "f200800004"},
    {"-32769", "f2ff7fff04"},
    {"8388607", "f2ffff7f04"},
    {"-8388608", "f200008004"},
    {"8388608", "f30000800005"},
    {"2147483647", "f3ffffff7f05"},
    {"-2147483648", "f30000008005"},
    {"2147483648", "f4000000800000000009"},
    {"-2147483649", "f4ffffff7fffffffff09"},
    {"9223372036854775807", "f4ffffffffffffff7f09"},
    {"-9223372036854775808", "f4000000000000008009"},
    /* Not canonical or out of range: stay strings. */
    {"-0", "822d3003"},
    {"007", "8330303704"},
    {"+5", "822b3503"},
    {" 5", "82203503"},
    {"", "8001"},
    {"9223372036854775808", "933932323333373230333638353437373538303814"},
    {"-9223372036854775809", "942d3932323333373230333638353437373538303915"},
};

TEST_CASE(testEncodingTable) {
    for (size_t i = 0; i < sizeof(encodingTable) / sizeof(encodingTable[0]);
         i++) {
        const char *text = encodingTable[i].text;
        unsigned char want[64];
        size_t wn = hexToBytes(encodingTable[i].hex, want);
        unsigned char *lp = lpNew(0);
        lp = lpAppendStr(lp, text);
        ASSERT_EQ_INT(lpBytes(lp), LP_HDR_SIZE + wn + 1);
        if (memcmp(lp + LP_HDR_SIZE, want, wn) != 0) {
            fprintf(stderr, "  wrong bytes for \"%s\"\n", text);
            ASSERT(0);
        }
        ASSERT(entryIs(lpFirst(lp), text));
        ASSERT(lpCompare(lpFirst(lp), (unsigned char *)text,
                         (uint32_t)strlen(text)));
        ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
        long long v;
        if (string2ll(text, strlen(text), &v)) {
            /* The integer API gives the same bytes. */
            unsigned char *lp2 = lpAppendInteger(lpNew(0), v);
            ASSERT(lpBytes(lp2) == lpBytes(lp) &&
                   memcmp(lp, lp2, lpBytes(lp)) == 0);
            int64_t got;
            ASSERT(lpGet(lpFirst(lp2), &got, NULL) == NULL);
            ASSERT_EQ_INT(got, v);
            unsigned int slen;
            long long lv;
            ASSERT(lpGetValue(lpFirst(lp2), &slen, &lv) == NULL);
            ASSERT_EQ_INT(lv, v);
            ASSERT(lpGetIntegerValue(lpFirst(lp2), &lv) == 1);
            ASSERT_EQ_INT(lv, v);
            lpFree(lp2);
        } else {
            unsigned int slen = 99;
            long long lv;
            unsigned char *s = lpGetValue(lpFirst(lp), &slen, &lv);
            ASSERT(s != NULL);
            ASSERT_EQ_INT(slen, strlen(text));
            ASSERT(lpGetIntegerValue(lpFirst(lp), &lv) == 0);
        }
        lpFree(lp);
    }
}

/* Every integer around every encoding boundary round-trips and takes the
 * expected number of bytes. */
TEST_CASE(testIntegerBoundaries) {
    static const struct {
        long long lo, hi;
        unsigned size; /* encoding+data+backlen */
    } ranges[] = {
        {0, 127, 2},
        {-4096, -1, 3},
        {128, 4095, 3},
        {-32768, -4097, 4},
        {4096, 32767, 4},
        {-8388608, -32769, 5},
        {32768, 8388607, 5},
        {INT32_MIN, -8388609, 6},
        {8388608, INT32_MAX, 6},
        {LLONG_MIN, (long long)INT32_MIN - 1, 10},
        {(long long)INT32_MAX + 1, LLONG_MAX, 10},
    };
    for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
        long long probes[6] = {ranges[r].lo,
                               ranges[r].lo + 1,
                               ranges[r].hi - 1,
                               ranges[r].hi,
                               ranges[r].lo / 2 + ranges[r].hi / 2,
                               0};
        for (int i = 0; i < 5; i++) {
            long long v = probes[i];
            unsigned char *lp = lpAppendInteger(lpNew(0), v);
            ASSERT_EQ_INT(lpBytes(lp), LP_HDR_SIZE + 1 + ranges[r].size);
            int64_t got;
            ASSERT(lpGet(lpFirst(lp), &got, NULL) == NULL);
            ASSERT_EQ_INT(got, v);
            unsigned char buf[LP_INTBUF_SIZE];
            char want[32];
            snprintf(want, sizeof(want), "%lld", v);
            ASSERT(lpGet(lpFirst(lp), &got, buf) == buf);
            ASSERT_EQ_INT(got, strlen(want));
            ASSERT(memcmp(buf, want, strlen(want)) == 0);
            /* Backward too. */
            ASSERT(lpLast(lp) == lpFirst(lp));
            lpFree(lp);
        }
    }
}

/* String headers at the 6-bit / 12-bit / 32-bit length boundaries. */
TEST_CASE(testStringLengths) {
    static const struct {
        uint32_t len;
        const char *hdr; /* expected header bytes */
    } cases[] = {
        {0, "80"},
        {1, "81"},
        {63, "bf"},
        {64, "e040"},
        {4095, "efff"},
        {4096, "f000100000"},
        {70000, "f070110100"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t len = cases[i].len;
        unsigned char *s = zmalloc(len + 1);
        for (uint32_t j = 0; j < len; j++) s[j] = (unsigned char)('a' + j % 26);
        unsigned char want[8];
        size_t hn = hexToBytes(cases[i].hdr, want);
        unsigned char *lp = lpNew(0);
        lp = lpAppendInteger(lp, 7);
        lp = lpAppend(lp, s, len);
        lp = lpAppendInteger(lp, 8);
        unsigned char *p = lpSeek(lp, 1);
        ASSERT(memcmp(p, want, hn) == 0);
        int64_t got;
        unsigned char *v = lpGet(p, &got, NULL);
        ASSERT(v == p + hn);
        ASSERT_EQ_INT(got, len);
        ASSERT(memcmp(v, s, len) == 0);
        ASSERT(lpPrev(lp, lpLast(lp)) == p);
        ASSERT(lpNext(lp, p) == lpLast(lp));
        ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
        lpFree(lp);
        zfree(s);
    }
}

/* Backlen widths and bytes at every boundary, as Redis 7.0 writes them
 * (checked with DUMP: 16383 -> 00 ff ff, 2097151 -> 00 ff ff ff). The
 * entries are strings of 32-bit length (5-byte header) or 12-bit length. */
TEST_CASE(testBacklenSizes) {
    static const struct {
        uint32_t enclen; /* encoding+data */
        const char *backlen;
    } cases[] = {
        {127, "7f"},         {128, "0180"},         {500, "03f4"},
        {16382, "7ffe"},     {16383, "00ffff"},     {16384, "018080"},
        {2097150, "7ffffe"}, {2097151, "00ffffff"}, {2097152, "01808080"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t enclen = cases[i].enclen;
        uint32_t hdr = enclen - 2 < 4096 ? 2 : 5;
        uint32_t len = enclen - hdr;
        unsigned char *s = zmalloc(len);
        memset(s, 'x', len);
        unsigned char want[8];
        size_t bn = hexToBytes(cases[i].backlen, want);
        unsigned char *lp = lpNew(0);
        lp = lpAppend(lp, (unsigned char *)"head", 4);
        lp = lpAppend(lp, s, len);
        lp = lpAppend(lp, (unsigned char *)"tail", 4);
        ASSERT_EQ_INT(lpBytes(lp), LP_HDR_SIZE + 6 + enclen + bn + 6 + 1);
        unsigned char *p = lpSeek(lp, 1);
        ASSERT(memcmp(p + enclen, want, bn) == 0);
        /* Walk both ways across the big entry. */
        ASSERT(lpPrev(lp, lpLast(lp)) == p);
        ASSERT(lpNext(lp, lpFirst(lp)) == p);
        ASSERT(entryIs(lpLast(lp), "tail"));
        ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
        /* A non-Redis backlen width is refused by validation. */
        if (bn == 3) {
            unsigned char *bad = lpDup(lp);
            unsigned char *bp = bad + (p - lp) + enclen;
            ASSERT(lpValidateIntegrity(bad, lpBytes(bad), 1, NULL, NULL));
            bp[0] ^= 0x40;
            ASSERT(!lpValidateIntegrity(bad, lpBytes(bad), 1, NULL, NULL));
            lpFree(bad);
        }
        lpFree(lp);
        zfree(s);
    }
}

/* ---------------------------------------------------------------------------
 * Navigation.
 * ------------------------------------------------------------------------- */

TEST_CASE(testEmpty) {
    unsigned char *lp = lpNew(0);
    ASSERT(lpEqualsHex(lp, "07000000 0000 ff"));
    ASSERT_EQ_INT(lpLength(lp), 0);
    ASSERT(lpFirst(lp) == NULL);
    ASSERT(lpLast(lp) == NULL);
    ASSERT(lpSeek(lp, 0) == NULL);
    ASSERT(lpSeek(lp, -1) == NULL);
    ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"x", 1, 0) == NULL);
    ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    lp = lpDeleteRange(lp, 0, 5);
    ASSERT_EQ_INT(lpLength(lp), 0);
    lpFree(lp);
}

TEST_CASE(testIterateAndSeek) {
    enum { N = 1000 };
    modelElem *m = zmalloc(sizeof(*m) * N);
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < N; i++) {
        randomElem(&m[i]);
        lp = lpAppend(lp, (unsigned char *)m[i].s, m[i].len);
    }
    ASSERT(lpMatchesModel(lp, m, N));
    for (long i = 0; i < N; i++) {
        unsigned char *p = lpSeek(lp, i);
        ASSERT(p && lpCompare(p, (unsigned char *)m[i].s, m[i].len));
        unsigned char *q = lpSeek(lp, i - N);
        ASSERT(q == p);
    }
    ASSERT(lpSeek(lp, N) == NULL);
    ASSERT(lpSeek(lp, -N - 1) == NULL);
    ASSERT(lpSeek(lp, LONG_MAX) == NULL);
    ASSERT(lpSeek(lp, LONG_MIN) == NULL);
    ASSERT(lpSeek(lp, -1) == lpLast(lp));
    ASSERT(lpSeek(lp, 0) == lpFirst(lp));
    lpFree(lp);
    zfree(m);
}

/* More than 65534 elements: the header count becomes "unknown" and is
 * restored by lpLength once it fits again. */
TEST_CASE(testUnknownCount) {
    unsigned char *lp = lpRangeOfInts(0, 65534);
    ASSERT_EQ_INT(lp[4] | lp[5] << 8, 65534);
    lp = lpAppendInteger(lp, 65534);
    ASSERT_EQ_INT(lp[4] | lp[5] << 8, 65535);
    lp = lpAppendInteger(lp, 65535);
    ASSERT_EQ_INT(lpLength(lp), 65536);
    ASSERT_EQ_INT(lp[4] | lp[5] << 8, 65535);
    ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    int64_t v;
    lpGet(lpSeek(lp, -1), &v, NULL);
    ASSERT_EQ_INT(v, 65535);
    lpGet(lpSeek(lp, 40000), &v, NULL);
    ASSERT_EQ_INT(v, 40000);
    lp = lpDeleteRange(lp, 0, 1);
    ASSERT_EQ_INT(lp[4] | lp[5] << 8, 65535);
    ASSERT_EQ_INT(lpLength(lp), 65535);
    lp = lpDeleteRange(lp, -1, 1);
    ASSERT_EQ_INT(lpLength(lp), 65534);
    ASSERT_EQ_INT(lp[4] | lp[5] << 8, 65534);
    lpGet(lpFirst(lp), &v, NULL);
    ASSERT_EQ_INT(v, 1);
    lpFree(lp);
}

/* ---------------------------------------------------------------------------
 * Modification.
 * ------------------------------------------------------------------------- */

TEST_CASE(testInsertMiddle) {
    unsigned char *lp = lpNew(0);
    lp = lpAppendStr(lp, "a");
    lp = lpAppendStr(lp, "c");
    unsigned char *p = lpFirst(lp), *np = NULL;
    lp = lpInsertString(lp, (unsigned char *)"b", 1, p, LP_AFTER, &np);
    ASSERT(entryIs(np, "b"));
    ASSERT(np == lpSeek(lp, 1));
    lp = lpInsertInteger(lp, 12345, lpSeek(lp, 0), LP_BEFORE, &np);
    ASSERT(entryIs(np, "12345"));
    ASSERT(np == lpFirst(lp));
    lp = lpInsertString(lp, (unsigned char *)"z", 1, lpLast(lp), LP_AFTER, &np);
    ASSERT(np == lpLast(lp));
    /* 12345 a b c z */
    p = lpSeek(lp, 2);
    lp = lpReplace(lp, &p,
                   (unsigned char *)"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
                                    "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                   76);
    ASSERT(p == lpSeek(lp, 2));
    ASSERT(lpGet(p, &(int64_t){0}, NULL) != NULL);
    lp = lpReplaceInteger(lp, &p, -7);
    ASSERT(entryIs(p, "-7"));
    lp = lpReplace(lp, &p, (unsigned char *)"42", 2);
    int64_t v;
    ASSERT(lpGet(p, &v, NULL) == NULL && v == 42);
    ASSERT_EQ_INT(lpLength(lp), 5);
    const char *want[] = {"12345", "a", "42", "c", "z"};
    p = lpFirst(lp);
    for (int i = 0; i < 5; i++, p = lpNext(lp, p)) ASSERT(entryIs(p, want[i]));
    ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));

    /* Inserting a value read from the listpack itself. */
    int64_t len;
    unsigned char *self = lpGet(lpSeek(lp, 4), &len, NULL);
    lp = lpInsertString(lp, self, (uint32_t)len, lpFirst(lp), LP_BEFORE, NULL);
    ASSERT(entryIs(lpFirst(lp), "z"));
    lpFree(lp);
}

TEST_CASE(testDelete) {
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < 10; i++) lp = lpAppendInteger(lp, i);
    unsigned char *np;
    lp = lpDelete(lp, lpSeek(lp, 3), &np);
    ASSERT(entryIs(np, "4"));
    lp = lpDelete(lp, lpLast(lp), &np);
    ASSERT(np == NULL);
    lp = lpDelete(lp, lpFirst(lp), &np);
    ASSERT(entryIs(np, "1"));
    /* 1 2 4 5 6 7 8 */
    ASSERT_EQ_INT(lpLength(lp), 7);
    lp = lpDeleteRange(lp, -3, 2); /* drop 6 7 */
    ASSERT_EQ_INT(lpLength(lp), 5);
    ASSERT(entryIs(lpSeek(lp, -1), "8"));
    ASSERT(entryIs(lpSeek(lp, -2), "5"));
    lp = lpDeleteRange(lp, 99, 1);
    ASSERT_EQ_INT(lpLength(lp), 5);
    unsigned char *p = lpSeek(lp, 1);
    lp = lpDeleteRangeWithEntry(lp, &p, 2); /* drop 2 4 */
    ASSERT(entryIs(p, "5"));
    lp = lpDeleteRangeWithEntry(lp, &p, 100); /* drop to the end */
    ASSERT(p == NULL);
    ASSERT_EQ_INT(lpLength(lp), 1);
    ASSERT(entryIs(lpFirst(lp), "1"));
    lp = lpDeleteRange(lp, 0, 0);
    ASSERT_EQ_INT(lpLength(lp), 1);
    lp = lpDeleteRange(lp, 0, 1);
    ASSERT_EQ_INT(lpLength(lp), 0);
    ASSERT(lpEqualsHex(lp, "07000000 0000 ff"));
    lpFree(lp);

    /* Batch delete of every third entry. */
    lp = lpNew(0);
    for (int i = 0; i < 30; i++) lp = lpAppendInteger(lp, i * 1000);
    unsigned char *ps[10];
    p = lpFirst(lp);
    for (int i = 0, k = 0; i < 30; i++, p = lpNext(lp, p))
        if (i % 3 == 0) ps[k++] = p;
    lp = lpBatchDelete(lp, ps, 10);
    ASSERT_EQ_INT(lpLength(lp), 20);
    p = lpFirst(lp);
    for (int i = 0; i < 30; i++) {
        if (i % 3 == 0) continue;
        int64_t v;
        lpGet(p, &v, NULL);
        ASSERT_EQ_INT(v, i * 1000);
        p = lpNext(lp, p);
    }
    ASSERT(p == NULL);
    ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    /* Batch delete of the last entry and of everything. */
    ps[0] = lpLast(lp);
    lp = lpBatchDelete(lp, ps, 1);
    ASSERT_EQ_INT(lpLength(lp), 19);
    ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    unsigned char *all[19];
    p = lpFirst(lp);
    for (int i = 0; i < 19; i++, p = lpNext(lp, p)) all[i] = p;
    lp = lpBatchDelete(lp, all, 19);
    ASSERT(lpEqualsHex(lp, "07000000 0000 ff"));
    lpFree(lp);
}

/* Random operations against a model array. */
TEST_CASE(testRandomOpsAgainstModel) {
    enum { MAXN = 400 };
    modelElem *m = zmalloc(sizeof(*m) * (MAXN + 1));
    unsigned long n = 0;
    unsigned char *lp = lpNew(0);
    for (int op = 0; op < 4000; op++) {
        unsigned long r = (unsigned long)(rng() % 10);
        modelElem e;
        randomElem(&e);
        if (n == 0 || (r < 5 && n < MAXN)) {
            unsigned long at = n ? (unsigned long)(rng() % (n + 1)) : 0;
            unsigned char *np = NULL;
            if (at == n) {
                if (rng() % 2 && n > 0)
                    lp = lpInsertString(lp, (unsigned char *)e.s, e.len,
                                        lpLast(lp), LP_AFTER, &np);
                else
                    lp = lpInsertString(lp, (unsigned char *)e.s, e.len,
                                        lp + lpBytes(lp) - 1, LP_BEFORE, &np);
            } else {
                lp = lpInsertString(lp, (unsigned char *)e.s, e.len,
                                    lpSeek(lp, (long)at), LP_BEFORE, &np);
            }
            ASSERT(np == lpSeek(lp, (long)at));
            memmove(&m[at + 1], &m[at], (n - at) * sizeof(*m));
            m[at] = e;
            n++;
        } else if (r < 7) {
            unsigned long at = (unsigned long)(rng() % n);
            unsigned char *p = lpSeek(lp, (long)at);
            lp = lpReplace(lp, &p, (unsigned char *)e.s, e.len);
            ASSERT(p == lpSeek(lp, (long)at));
            m[at] = e;
        } else if (r < 9) {
            unsigned long at = (unsigned long)(rng() % n);
            unsigned char *np;
            lp = lpDelete(lp, lpSeek(lp, (long)at), &np);
            memmove(&m[at], &m[at + 1], (n - at - 1) * sizeof(*m));
            n--;
            ASSERT(np == (at < n ? lpSeek(lp, (long)at) : NULL));
        } else {
            unsigned long at = (unsigned long)(rng() % n);
            unsigned long cnt = (unsigned long)(rng() % 4);
            lp = lpDeleteRange(lp, (long)at - (long)n, cnt);
            if (cnt > n - at) cnt = n - at;
            memmove(&m[at], &m[at + cnt], (n - at - cnt) * sizeof(*m));
            n -= cnt;
        }
        if (op % 50 == 0 || op == 3999) ASSERT(lpMatchesModel(lp, m, n));
    }
    lpFree(lp);
    zfree(m);
}

TEST_CASE(testMerge) {
    for (int big = 0; big < 2; big++) {
        unsigned char *a = lpNew(0), *b = lpNew(0);
        for (int i = 0; i < 3; i++) a = lpAppendInteger(a, i);
        for (int i = 3; i < 8; i++) b = lpAppendInteger(b, i);
        /* Make one side larger so both growth paths run. */
        if (big)
            a = lpAppendStr(a, "a long string in the first listpack......");
        else
            b = lpAppendStr(b, "a long string in the second listpack.....");
        unsigned long total = lpLength(a) + lpLength(b);
        unsigned char *m = lpMerge(&a, &b);
        ASSERT(m && a == m && b == NULL);
        ASSERT_EQ_INT(lpLength(m), total);
        ASSERT(lpValidateIntegrity(m, lpBytes(m), 1, NULL, NULL));
        int64_t v;
        unsigned char *p = lpFirst(m);
        for (int i = 0; i < 3; i++, p = lpNext(m, p)) {
            ASSERT(lpGet(p, &v, NULL) == NULL);
            ASSERT_EQ_INT(v, i);
        }
        if (big) p = lpNext(m, p);
        for (int i = 3; i < 8; i++, p = lpNext(m, p)) {
            ASSERT(lpGet(p, &v, NULL) == NULL);
            ASSERT_EQ_INT(v, i);
        }
        lpFree(m);
    }
    /* Empty sides and refusals. */
    unsigned char *a = lpNew(0), *b = lpAppendStr(lpNew(0), "x");
    ASSERT(lpMerge(&a, &a) == NULL);
    unsigned char *nul = NULL;
    ASSERT(lpMerge(&a, &nul) == NULL);
    unsigned char *m = lpMerge(&a, &b);
    ASSERT(m && b == NULL && lpLength(m) == 1 && entryIs(lpFirst(m), "x"));
    ASSERT(lpValidateIntegrity(m, lpBytes(m), 1, NULL, NULL));
    lpFree(m);
    /* Counts that no longer fit become unknown. */
    a = lpRangeOfInts(0, 40000);
    b = lpRangeOfInts(40000, 30000);
    m = lpMerge(&a, &b);
    ASSERT_EQ_INT(m[4] | m[5] << 8, 65535);
    ASSERT_EQ_INT(lpLength(m), 70000);
    int64_t v;
    lpGet(lpSeek(m, 39999), &v, NULL);
    ASSERT_EQ_INT(v, 39999);
    lpGet(lpNext(m, lpSeek(m, 39999)), &v, NULL);
    ASSERT_EQ_INT(v, 40000);
    ASSERT(lpValidateIntegrity(m, lpBytes(m), 1, NULL, NULL));
    lpFree(m);
}

/* ---------------------------------------------------------------------------
 * Reading helpers.
 * ------------------------------------------------------------------------- */

TEST_CASE(testFind) {
    /* field,value pairs where some values equal other fields. */
    unsigned char *lp = lpNew(0);
    const char *kv[] = {"name", "alice", "age",  "30", "alice",
                        "x",    "30",    "name", "n",  "-5"};
    for (int i = 0; i < 10; i++) lp = lpAppendStr(lp, kv[i]);
    unsigned char *first = lpFirst(lp);
    unsigned char *p = lpFind(lp, first, (unsigned char *)"alice", 5, 1);
    ASSERT(p == lpSeek(lp, 4)); /* the field, not the value at index 1 */
    ASSERT(entryIs(lpNext(lp, p), "x"));
    p = lpFind(lp, first, (unsigned char *)"30", 2, 1);
    ASSERT(p == lpSeek(lp, 6)); /* integer entry matched by value */
    p = lpFind(lp, first, (unsigned char *)"30", 2, 0);
    ASSERT(p == lpSeek(lp, 3));
    ASSERT(lpFind(lp, first, (unsigned char *)"x", 1, 1) == NULL);
    ASSERT(lpFind(lp, lpSeek(lp, 1), (unsigned char *)"x", 1, 1) ==
           lpSeek(lp, 5));
    ASSERT(lpFind(lp, first, (unsigned char *)"030", 3, 0) == NULL);
    ASSERT(lpFind(lp, first, (unsigned char *)"-5", 2, 1) == NULL);
    ASSERT(lpFind(lp, lpSeek(lp, 1), (unsigned char *)"-5", 2, 1) ==
           lpLast(lp));
    ASSERT(lpFind(lp, first, (unsigned char *)"nam", 3, 0) == NULL);
    ASSERT(lpFind(lp, first, (unsigned char *)"", 0, 0) == NULL);
    ASSERT(lpFind(lp, first, (unsigned char *)"n", 1, 3) == lpSeek(lp, 8));
    ASSERT(lpFind(lp, first, (unsigned char *)"n", 1, 2) == NULL);
    lpFree(lp);
}

TEST_CASE(testCompareAndGet) {
    unsigned char *lp = lpNew(0);
    lp = lpAppendInteger(lp, -123456789012LL);
    lp = lpAppendStr(lp, "abc");
    unsigned char *p = lpFirst(lp);
    ASSERT(lpCompare(p, (unsigned char *)"-123456789012", 13));
    ASSERT(!lpCompare(p, (unsigned char *)"-123456789013", 13));
    ASSERT(!lpCompare(p, (unsigned char *)"-12345678901", 12));
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    ASSERT(lpGet(p, &len, buf) == buf);
    ASSERT_EQ_INT(len, 13);
    ASSERT(memcmp(buf, "-123456789012", 14) == 0);
    p = lpNext(lp, p);
    ASSERT(lpCompare(p, (unsigned char *)"abc", 3));
    ASSERT(!lpCompare(p, (unsigned char *)"abd", 3));
    ASSERT(!lpCompare(p, (unsigned char *)"ab", 2));
    ASSERT(lpGet(p, &len, buf) == p + 1 && len == 3);
    /* INT64_MIN fits the 21-byte buffer. */
    unsigned char *lp2 = lpAppendInteger(lpNew(0), LLONG_MIN);
    ASSERT(lpGet(lpFirst(lp2), &len, buf) == buf && len == 20);
    ASSERT(memcmp(buf, "-9223372036854775808", 21) == 0);
    lpFree(lp2);
    lpFree(lp);
}

TEST_CASE(testDupAndSafeToAdd) {
    unsigned char *lp = lpAppendStr(lpNew(0), "hello");
    unsigned char *d = lpDup(lp);
    ASSERT(d != lp && lpBytes(d) == lpBytes(lp) &&
           memcmp(d, lp, lpBytes(lp)) == 0);
    ASSERT(lpSafeToAdd(NULL, LP_SAFETY_SIZE));
    ASSERT(!lpSafeToAdd(NULL, LP_SAFETY_SIZE + 1));
    ASSERT(lpSafeToAdd(lp, LP_SAFETY_SIZE - lpBytes(lp)));
    ASSERT(!lpSafeToAdd(lp, LP_SAFETY_SIZE - lpBytes(lp) + 1));
    lpFree(d);
    lpFree(lp);
}

TEST_CASE(testRandomPairs) {
    enum { PAIRS = 50 };
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < PAIRS; i++) {
        char f[16];
        snprintf(f, sizeof(f), "f%d", i);
        lp = lpAppendStr(lp, f);
        lp = lpAppendInteger(lp, i);
    }
    int seen[PAIRS] = {0};
    for (int k = 0; k < 2000; k++) {
        listpackEntry key, val;
        lpRandomPair(lp, PAIRS, &key, &val);
        ASSERT(key.sval && val.sval == NULL);
        ASSERT(val.lval >= 0 && val.lval < PAIRS);
        char f[16];
        int n = snprintf(f, sizeof(f), "f%lld", val.lval);
        ASSERT(key.slen == (uint32_t)n && memcmp(key.sval, f, (size_t)n) == 0);
        seen[val.lval]++;
    }
    for (int i = 0; i < PAIRS; i++) ASSERT(seen[i] > 0);
    listpackEntry key;
    lpRandomPair(lp, PAIRS, &key, NULL);
    ASSERT(key.sval && key.sval[0] == 'f');

    listpackEntry keys[300], vals[300];
    lpRandomPairs(lp, 300, keys, vals);
    for (int i = 0; i < 300; i++) {
        char f[16];
        int n = snprintf(f, sizeof(f), "f%lld", vals[i].lval);
        ASSERT(vals[i].sval == NULL);
        ASSERT(keys[i].slen == (uint32_t)n &&
               memcmp(keys[i].sval, f, (size_t)n) == 0);
    }
    lpRandomPairs(lp, 10, keys, NULL);
    for (int i = 0; i < 10; i++) ASSERT(keys[i].sval && keys[i].sval[0] == 'f');

    for (unsigned int want = 0; want <= PAIRS + 5; want += 7) {
        unsigned int got = lpRandomPairsUnique(lp, want, keys, vals);
        ASSERT_EQ_INT(got, want < PAIRS ? want : PAIRS);
        for (unsigned int i = 1; i < got; i++)
            ASSERT(vals[i - 1].lval < vals[i].lval);
        for (unsigned int i = 0; i < got; i++) {
            char f[16];
            int n = snprintf(f, sizeof(f), "f%lld", vals[i].lval);
            ASSERT(keys[i].slen == (uint32_t)n &&
                   memcmp(keys[i].sval, f, (size_t)n) == 0);
        }
    }
    ASSERT_EQ_INT(lpRandomPairsUnique(lp, 5, keys, NULL), 5);
    lpFree(lp);
}

/* ---------------------------------------------------------------------------
 * Validation of untrusted blobs.
 * ------------------------------------------------------------------------- */

static int countCb(unsigned char *p, unsigned int head_count, void *userdata) {
    (void)p;
    (void)head_count;
    (*(int *)userdata)++;
    return 1;
}

static int rejectThirdCb(unsigned char *p, unsigned int head_count,
                         void *userdata) {
    (void)p;
    (void)head_count;
    return ++(*(int *)userdata) < 3;
}

/* Walks a listpack accepted by deep validation every way a reader would;
 * under ASan this proves accepted blobs are safe to use. */
static void exerciseAccepted(unsigned char *lp) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    unsigned long n = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), n++)
        lpGet(p, &len, buf);
    for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p))
        lpGet(p, &len, NULL);
    (void)lpLength(lp);
    (void)lpSeek(lp, -1);
    (void)lpFind(lp, lpFirst(lp), (unsigned char *)"zz", 2, 1);
    (void)n;
}

TEST_CASE(testValidateRejects) {
    unsigned char blob[64];
    size_t n = hexToBytes(GOLDEN_LIST, blob);
    int calls = 0;
    ASSERT(lpValidateIntegrity(blob, n, 1, countCb, &calls));
    ASSERT_EQ_INT(calls, 5);
    calls = 0;
    ASSERT(!lpValidateIntegrity(blob, n, 1, rejectThirdCb, &calls));
    ASSERT(!lpValidateIntegrity(NULL, 0, 0, NULL, NULL));

    /* Walking by hand with lpValidateFirst / lpValidateNext. */
    unsigned char *w = lpValidateFirst(blob);
    ASSERT(w == blob + LP_HDR_SIZE);
    int steps = 0;
    while (w) {
        ASSERT(lpValidateNext(blob, &w, n));
        steps++;
    }
    ASSERT_EQ_INT(steps, 5);
    w = blob + n - 1; /* the terminator itself */
    ASSERT(lpValidateNext(blob, &w, n) && w == NULL);
    w = blob + 2; /* inside the header */
    ASSERT(!lpValidateNext(blob, &w, n));
    w = blob + n; /* past the end */
    ASSERT(!lpValidateNext(blob, &w, n));
    w = lpSeek(blob, -1); /* "hello" cut short by a smaller size */
    ASSERT(!lpValidateNext(blob, &w, n - 2));
    unsigned char empty[] = {7, 0, 0, 0, 0, 0, 0xFF};
    ASSERT(lpValidateFirst(empty) == NULL);

    /* Every truncation, with the header patched to the shorter size (the
     * hard case) and without. */
    for (size_t cut = 0; cut < n; cut++) {
        unsigned char *t = zmalloc(cut ? cut : 1);
        memcpy(t, blob, cut);
        ASSERT(!lpValidateIntegrity(t, cut, 0, NULL, NULL));
        ASSERT(!lpValidateIntegrity(t, cut, 1, NULL, NULL));
        if (cut >= 7) {
            t[0] = (unsigned char)cut;
            t[cut - 1] = 0xFF;
            ASSERT(!lpValidateIntegrity(t, cut, 1, NULL, NULL));
        }
        zfree(t);
    }
    unsigned char c[64];
    /* Header size disagreeing with the buffer size. */
    memcpy(c, blob, n);
    c[0]++;
    ASSERT(!lpValidateIntegrity(c, n, 0, NULL, NULL));
    /* Missing terminator. */
    memcpy(c, blob, n);
    c[n - 1] = 0xFE;
    ASSERT(!lpValidateIntegrity(c, n, 0, NULL, NULL));
    /* Wrong element count (shallow passes, deep fails). */
    memcpy(c, blob, n);
    c[4] = 4;
    ASSERT(lpValidateIntegrity(c, n, 0, NULL, NULL));
    ASSERT(!lpValidateIntegrity(c, n, 1, NULL, NULL));
    /* Unknown count is accepted. */
    c[4] = 0xFF;
    c[5] = 0xFF;
    ASSERT(lpValidateIntegrity(c, n, 1, NULL, NULL));
    ASSERT_EQ_INT(lpLength(c), 5);
    /* Unused encoding byte. */
    memcpy(c, blob, n);
    c[6] = 0xF5;
    ASSERT(!lpValidateIntegrity(c, n, 1, NULL, NULL));
    /* A terminator in the middle. */
    memcpy(c, blob, n);
    c[9] = 0xFF;
    ASSERT(!lpValidateIntegrity(c, n, 1, NULL, NULL));
    /* Wrong backlen. */
    memcpy(c, blob, n);
    c[8] = 0x03;
    ASSERT(!lpValidateIntegrity(c, n, 1, NULL, NULL));
    /* A 32-bit string length pointing far past the end. */
    unsigned char big[] = {0x0c, 0,    0,    0,    1,    0,
                           0xF0, 0xff, 0xff, 0xff, 0x7f, 0xff};
    ASSERT(!lpValidateIntegrity(big, sizeof(big), 1, NULL, NULL));
    /* A string whose length overlaps the terminator. */
    unsigned char over[] = {0x0a, 0, 0, 0, 1, 0, 0x82, 'a', 0x03, 0xff};
    ASSERT(!lpValidateIntegrity(over, sizeof(over), 1, NULL, NULL));
}

/* Random corruption of many listpacks: validation must never crash (ASan
 * watches every read), and whatever it accepts must be safe to walk. */
TEST_CASE(testValidateFuzz) {
    unsigned long accepted = 0, rejected = 0;
    for (int round = 0; round < 300; round++) {
        unsigned char *lp = lpNew(0);
        int n = (int)(rng() % 12);
        for (int i = 0; i < n; i++) {
            modelElem e;
            randomElem(&e);
            lp = lpAppend(lp, (unsigned char *)e.s, e.len);
        }
        size_t size = lpBytes(lp);
        ASSERT(lpValidateIntegrity(lp, size, 1, NULL, NULL));
        for (int k = 0; k < 60; k++) {
            /* Exact-size heap copy so ASan catches any overread. */
            unsigned char *c = zmalloc(size);
            memcpy(c, lp, size);
            int flips = 1 + (int)(rng() % 3);
            for (int f = 0; f < flips; f++) {
                size_t at = (size_t)(rng() % size);
                if (rng() % 2)
                    c[at] ^= (unsigned char)(1u << (rng() % 8));
                else
                    c[at] = (unsigned char)rng();
            }
            /* Sometimes keep the header consistent so the walk is tested. */
            if (rng() % 2) {
                c[0] = (unsigned char)size;
                c[1] = (unsigned char)(size >> 8);
                c[2] = c[3] = 0;
                c[size - 1] = 0xFF;
            }
            if (lpValidateIntegrity(c, size, 1, NULL, NULL)) {
                accepted++;
                exerciseAccepted(c);
            } else {
                rejected++;
            }
            zfree(c);
        }
        /* Truncated copies with a patched header. */
        for (size_t cut = 7; cut < size; cut++) {
            unsigned char *c = zmalloc(cut);
            memcpy(c, lp, cut);
            c[0] = (unsigned char)cut;
            c[1] = (unsigned char)(cut >> 8);
            c[2] = c[3] = 0;
            c[cut - 1] = 0xFF;
            if (lpValidateIntegrity(c, cut, 1, NULL, NULL)) exerciseAccepted(c);
            zfree(c);
        }
        lpFree(lp);
    }
    ASSERT(rejected > 0);
    printf("  fuzz: %lu corrupted copies accepted, %lu rejected\n", accepted,
           rejected);
}

int main(void) {
    RUN_TEST(testGoldenList);
    RUN_TEST(testEncodingTable);
    RUN_TEST(testIntegerBoundaries);
    RUN_TEST(testStringLengths);
    RUN_TEST(testBacklenSizes);
    RUN_TEST(testEmpty);
    RUN_TEST(testIterateAndSeek);
    RUN_TEST(testUnknownCount);
    RUN_TEST(testInsertMiddle);
    RUN_TEST(testDelete);
    RUN_TEST(testRandomOpsAgainstModel);
    RUN_TEST(testMerge);
    RUN_TEST(testFind);
    RUN_TEST(testCompareAndGet);
    RUN_TEST(testDupAndSafeToAdd);
    RUN_TEST(testRandomPairs);
    RUN_TEST(testValidateRejects);
    RUN_TEST(testValidateFuzz);
    return TEST_REPORT();
}
