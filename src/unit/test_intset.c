/* test_intset.c: unit tests of intset.c.
 *
 * The golden bytes were derived from the layout in intset.h and checked
 * against redis-server 7.0.15 (`sadd s 1 2 3` then DUMP: type 11).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_intset
 *        unit/test_intset.c intset.c zmalloc.c */
#include <stdint.h>
#include <stdlib.h>

#include "../intset.h"
#include "../zmalloc.h"
#include "test_help.h"

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

static int isEqualsHex(intset *is, const char *hex) {
    unsigned char buf[256];
    size_t n = hexToBytes(hex, buf);
    return intsetBlobLen(is) == n && memcmp(is, buf, n) == 0;
}

static uint64_t rngState = 0x2545F4914F6CDD1DULL;
static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

TEST_CASE(testGolden) {
    intset *is = intsetNew();
    ASSERT(isEqualsHex(is, "02000000 00000000"));
    uint8_t ok;
    is = intsetAdd(is, 3, &ok);
    ASSERT(ok);
    is = intsetAdd(is, 1, &ok);
    is = intsetAdd(is, 2, &ok);
    is = intsetAdd(is, 2, &ok);
    ASSERT(!ok);
    /* Exactly what redis-server 7.0 DUMPs for `sadd s 1 2 3`. */
    ASSERT(isEqualsHex(is, "02000000 03000000 0100 0200 0300"));
    ASSERT(intsetValidateIntegrity((unsigned char *)is, intsetBlobLen(is), 1));
    zfree(is);
}

TEST_CASE(testUpgrades) {
    uint8_t ok;
    intset *is = intsetNew();
    is = intsetAdd(is, 32767, &ok);
    is = intsetAdd(is, -32768, &ok);
    ASSERT(isEqualsHex(is, "02000000 02000000 0080 ff7f"));
    /* Append upgrade to int32. */
    is = intsetAdd(is, 32768, &ok);
    ASSERT(ok);
    ASSERT(isEqualsHex(is, "04000000 03000000 0080ffff ff7f0000 00800000"));
    /* Prepend upgrade to int64. */
    is = intsetAdd(is, (int64_t)INT32_MIN - 1, &ok);
    ASSERT(ok);
    ASSERT(isEqualsHex(is,
                       "08000000 04000000 ffffff7fffffffff 0080ffffffffffff "
                       "ff7f000000000000 0080000000000000"));
    ASSERT_EQ_INT(intsetMin(is), (int64_t)INT32_MIN - 1);
    ASSERT_EQ_INT(intsetMax(is), 32768);
    /* Removing never downgrades. */
    int removed;
    is = intsetRemove(is, (int64_t)INT32_MIN - 1, &removed);
    ASSERT(removed);
    ASSERT(isEqualsHex(is,
                       "08000000 03000000 0080ffffffffffff ff7f000000000000 "
                       "0080000000000000"));
    zfree(is);

    /* Every boundary value, both directions of upgrade. */
    static const int64_t vals[] = {INT16_MIN,
                                   INT16_MAX,
                                   (int64_t)INT16_MIN - 1,
                                   (int64_t)INT16_MAX + 1,
                                   INT32_MIN,
                                   INT32_MAX,
                                   (int64_t)INT32_MIN - 1,
                                   (int64_t)INT32_MAX + 1,
                                   INT64_MIN,
                                   INT64_MAX,
                                   0,
                                   -1,
                                   1};
    static const uint32_t encs[] = {2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 2, 2, 2};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        is = intsetNew();
        is = intsetAdd(is, vals[i], &ok);
        ASSERT(ok);
        ASSERT_EQ_INT(is->encoding, encs[i]); /* LE host: field readable */
        int64_t got;
        ASSERT(intsetGet(is, 0, &got) && got == vals[i]);
        ASSERT(!intsetGet(is, 1, &got));
        ASSERT(intsetFind(is, vals[i]));
        zfree(is);
    }
    /* Searching or removing a value wider than the encoding. */
    is = intsetAdd(intsetNew(), 5, &ok);
    ASSERT(!intsetFind(is, INT64_MAX));
    is = intsetRemove(is, INT64_MIN, &removed);
    ASSERT(!removed);
    ASSERT_EQ_INT(intsetLen(is), 1);
    zfree(is);
}

static int cmpI64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Random adds and removes against a sorted model array. */
TEST_CASE(testRandomAgainstModel) {
    enum { MAXN = 3000 };
    int64_t *model = zmalloc(sizeof(int64_t) * MAXN);
    uint32_t n = 0;
    intset *is = intsetNew();
    for (int op = 0; op < 20000; op++) {
        int64_t v;
        switch (rng() % 4) {
        case 0: v = (int64_t)(rng() % 200) - 100; break;
        case 1: v = (int64_t)(rng() % 100000) - 50000; break;
        case 2: v = (int64_t)(int32_t)rng(); break;
        default: v = (int64_t)rng(); break;
        }
        /* Stay in the small ranges for a while, then widen. */
        if (op < 5000) v = (int64_t)(int16_t)v;
        int found = bsearch(&v, model, n, sizeof(int64_t), cmpI64) != NULL;
        ASSERT(intsetFind(is, v) == found);
        if (rng() % 3 != 0 && n < MAXN) {
            uint8_t ok;
            is = intsetAdd(is, v, &ok);
            ASSERT(ok == !found);
            if (!found) {
                model[n++] = v;
                qsort(model, n, sizeof(int64_t), cmpI64);
            }
        } else if (n > 0) {
            int64_t victim = rng() % 2 ? v : model[rng() % n];
            int was =
                bsearch(&victim, model, n, sizeof(int64_t), cmpI64) != NULL;
            int removed;
            is = intsetRemove(is, victim, &removed);
            ASSERT(removed == was);
            if (was) {
                int64_t *at =
                    bsearch(&victim, model, n, sizeof(int64_t), cmpI64);
                memmove(at, at + 1,
                        (size_t)(model + n - at - 1) * sizeof(int64_t));
                n--;
            }
        }
        if (op % 500 == 0) {
            ASSERT_EQ_INT(intsetLen(is), n);
            ASSERT(intsetValidateIntegrity((unsigned char *)is,
                                           intsetBlobLen(is), 1));
            for (uint32_t i = 0; i < n; i++) {
                int64_t got;
                ASSERT(intsetGet(is, i, &got));
                ASSERT_EQ_INT(got, model[i]);
            }
            if (n) {
                ASSERT_EQ_INT(intsetMin(is), model[0]);
                ASSERT_EQ_INT(intsetMax(is), model[n - 1]);
                int64_t r = intsetRandom(is);
                ASSERT(bsearch(&r, model, n, sizeof(int64_t), cmpI64) != NULL);
            }
            ASSERT_EQ_INT(intsetBlobLen(is), 8 + (size_t)n * is->encoding);
        }
    }
    intset *d = intsetDup(is);
    ASSERT(memcmp(d, is, intsetBlobLen(is)) == 0);
    zfree(d);
    zfree(is);
    zfree(model);
}

TEST_CASE(testRandomCoversAll) {
    uint8_t ok;
    intset *is = intsetNew();
    for (int i = 0; i < 10; i++) is = intsetAdd(is, i * 7, &ok);
    int seen[10] = {0};
    for (int k = 0; k < 1000; k++) {
        int64_t r = intsetRandom(is);
        ASSERT(r % 7 == 0 && r >= 0 && r < 70);
        seen[r / 7]++;
    }
    for (int i = 0; i < 10; i++) ASSERT(seen[i] > 0);
    zfree(is);
}

TEST_CASE(testValidate) {
    unsigned char b[64];
    size_t n = hexToBytes("02000000 03000000 0100 0200 0300", b);
    ASSERT(intsetValidateIntegrity(b, n, 0));
    ASSERT(intsetValidateIntegrity(b, n, 1));
    ASSERT(!intsetValidateIntegrity(NULL, 0, 1));
    /* Every truncation. */
    for (size_t cut = 0; cut < n; cut++) {
        unsigned char *t = zmalloc(cut ? cut : 1);
        memcpy(t, b, cut);
        ASSERT(!intsetValidateIntegrity(t, cut, 1));
        zfree(t);
    }
    /* Bad encodings. */
    static const uint8_t badEnc[] = {0, 1, 3, 5, 6, 7, 9, 16, 255};
    for (size_t i = 0; i < sizeof(badEnc); i++) {
        unsigned char c[64];
        memcpy(c, b, n);
        c[0] = badEnc[i];
        ASSERT(!intsetValidateIntegrity(c, n, 0));
    }
    /* Length disagreeing with the size, including one that overflows. */
    unsigned char c[64];
    memcpy(c, b, n);
    c[4] = 4;
    ASSERT(!intsetValidateIntegrity(c, n, 0));
    memcpy(c, b, n);
    c[4] = c[5] = c[6] = c[7] = 0xFF;
    ASSERT(!intsetValidateIntegrity(c, n, 0));
    /* Unsorted and duplicate elements: only deep validation sees them. */
    memcpy(c, b, n);
    c[8] = 3;
    ASSERT(intsetValidateIntegrity(c, n, 0));
    ASSERT(!intsetValidateIntegrity(c, n, 1));
    memcpy(c, b, n);
    c[10] = 1;
    ASSERT(!intsetValidateIntegrity(c, n, 1));
    /* Signedness: -1 (ffff) must sort before 1. */
    n = hexToBytes("02000000 02000000 ffff 0100", c);
    ASSERT(intsetValidateIntegrity(c, n, 1));
    n = hexToBytes("02000000 02000000 0100 ffff", c);
    ASSERT(!intsetValidateIntegrity(c, n, 1));
    /* Empty set: structurally valid. */
    n = hexToBytes("04000000 00000000", c);
    ASSERT(intsetValidateIntegrity(c, n, 1));

    /* Random corruption: never crashes; what passes deep is usable. */
    uint8_t ok;
    intset *is = intsetNew();
    for (int i = 0; i < 20; i++)
        is = intsetAdd(is, (int64_t)(rng() % 100000), &ok);
    size_t size = intsetBlobLen(is);
    for (int k = 0; k < 5000; k++) {
        unsigned char *copy = zmalloc(size);
        memcpy(copy, is, size);
        copy[rng() % size] ^= (unsigned char)(1u << (rng() % 8));
        if (intsetValidateIntegrity(copy, size, 1)) {
            intset *cs = (intset *)copy;
            int64_t prev = 0, v;
            for (uint32_t i = 0; i < intsetLen(cs); i++) {
                ASSERT(intsetGet(cs, i, &v));
                ASSERT(i == 0 || v > prev);
                ASSERT(intsetFind(cs, v));
                prev = v;
            }
        }
        zfree(copy);
    }
    zfree(is);
}

int main(void) {
    RUN_TEST(testGolden);
    RUN_TEST(testUpgrades);
    RUN_TEST(testRandomAgainstModel);
    RUN_TEST(testRandomCoversAll);
    RUN_TEST(testValidate);
    return TEST_REPORT();
}
