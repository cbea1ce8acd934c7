/* test_rax.c: unit tests of rax.c, the radix tree behind streams.
 *
 * Checks the order (unsigned bytes, a prefix before its extensions),
 * refusal of duplicate inserts, seeks in both directions, removal with
 * node merging, iteration with value replacement, long keys (deep paths),
 * and a long random run against a naive sorted-array model with a small
 * alphabet so that labels split and merge often. */
#include <stdint.h>
#include <stdlib.h>

#include "../rax.h"
#include "../zmalloc.h"
#include "test_help.h"

/* Collects the keys in order into one string "k1,k2,..." for checks. */
static void joinKeys(rax *r, char *out, size_t cap, int reverse) {
    raxIter it;
    raxIterInit(&it, r);
    size_t o = 0;
    out[0] = '\0';
    int ok = reverse ? raxIterLast(&it) : raxIterFirst(&it);
    while (ok) {
        if (o + it.key_len + 2 >= cap) break;
        memcpy(out + o, it.key, it.key_len);
        o += it.key_len;
        out[o++] = ',';
        out[o] = '\0';
        ok = reverse ? raxIterPrev(&it) : raxIterNext(&it);
    }
    raxIterRelease(&it);
}

TEST_CASE(testOrderAndFind) {
    rax *r = raxNew();
    const char *keys[] = {"b", "a", "ab", "abc", "abd", "", "ba", "zz"};
    for (size_t i = 0; i < 8; i++)
        ASSERT(raxInsert(r, keys[i], strlen(keys[i]), (void *)(i + 1)));
    ASSERT(!raxInsert(r, "ab", 2, (void *)99));
    ASSERT_EQ_INT(raxSize(r), 8);
    char buf[256];
    joinKeys(r, buf, sizeof(buf), 0);
    ASSERT_EQ_STR(buf, ",a,ab,abc,abd,b,ba,zz,");
    joinKeys(r, buf, sizeof(buf), 1);
    ASSERT_EQ_STR(buf, "zz,ba,b,abd,abc,ab,a,,");
    void *v = NULL;
    ASSERT(raxFind(r, "ab", 2, &v));
    ASSERT(v == (void *)3);
    ASSERT(raxFind(r, "", 0, &v));
    ASSERT(v == (void *)6);
    ASSERT(!raxFind(r, "z", 1, NULL));
    ASSERT(!raxFind(r, "abcd", 4, NULL));
    ASSERT(!raxFind(r, "zzz", 3, NULL));
    raxFree(r, NULL);
}

TEST_CASE(testSeek) {
    rax *r = raxNew();
    const char *keys[] = {"a", "ab", "abc", "b", "ba", "bb", "\xff"};
    for (size_t i = 0; i < 7; i++)
        ASSERT(raxInsert(r, keys[i], strlen(keys[i]), NULL));
    raxIter it;
    raxIterInit(&it, r);
#define SEEK(fn, k, strict, want)                                          \
    do {                                                                   \
        const char *_w = (want);                                           \
        int _ok = fn(&it, k, strlen(k), strict);                           \
        if (_w == NULL) {                                                  \
            ASSERT(!_ok);                                                  \
        } else {                                                           \
            ASSERT(_ok);                                                   \
            ASSERT_EQ_INT(it.key_len, strlen(_w));                         \
            ASSERT(memcmp(it.key, _w, it.key_len) == 0);                   \
        }                                                                  \
    } while (0)
    SEEK(raxIterSeekGE, "", 0, "a");
    SEEK(raxIterSeekGE, "a", 0, "a");
    SEEK(raxIterSeekGE, "a", 1, "ab");
    SEEK(raxIterSeekGE, "aa", 0, "ab");
    SEEK(raxIterSeekGE, "abb", 0, "abc");
    SEEK(raxIterSeekGE, "abc", 1, "b");
    SEEK(raxIterSeekGE, "abcd", 0, "b");
    SEEK(raxIterSeekGE, "bab", 0, "bb");
    SEEK(raxIterSeekGE, "c", 0, "\xff");
    SEEK(raxIterSeekGE, "\xff", 1, NULL);
    SEEK(raxIterSeekLE, "\xff\xff", 0, "\xff");
    SEEK(raxIterSeekLE, "\xff", 1, "bb");
    SEEK(raxIterSeekLE, "b", 1, "abc");
    SEEK(raxIterSeekLE, "b", 0, "b");
    SEEK(raxIterSeekLE, "aba", 0, "ab");
    SEEK(raxIterSeekLE, "abd", 0, "abc");
    SEEK(raxIterSeekLE, "a", 1, NULL);
    SEEK(raxIterSeekLE, "", 0, NULL);
    SEEK(raxIterSeekLE, "0", 0, NULL);
    /* Walking on from a seek. */
    SEEK(raxIterSeekGE, "ab", 0, "ab");
    ASSERT(raxIterNext(&it));
    ASSERT_EQ_INT(it.key_len, 3);
    ASSERT(raxIterPrev(&it) && raxIterPrev(&it));
    ASSERT_EQ_INT(it.key_len, 1);
    ASSERT(!raxIterPrev(&it));
    ASSERT(!raxIterPrev(&it));
#undef SEEK
    raxIterRelease(&it);
    raxFree(r, NULL);
}

TEST_CASE(testRemoveMerges) {
    rax *r = raxNew();
    size_t empty = raxAllocSize(r);
    ASSERT(raxInsert(r, "abc", 3, (void *)1));
    ASSERT(raxInsert(r, "abd", 3, (void *)2));
    ASSERT(raxInsert(r, "ab", 2, (void *)3));
    /* root, "ab", "c", "d" */
    ASSERT_EQ_INT(raxNodeCount(r), 4);
    void *v = NULL;
    ASSERT(raxRemove(r, "ab", 2, &v));
    ASSERT(v == (void *)3);
    ASSERT_EQ_INT(raxNodeCount(r), 4); /* "ab" still branches */
    ASSERT(raxRemove(r, "abc", 3, NULL));
    ASSERT_EQ_INT(raxNodeCount(r), 2); /* root, "abd" merged */
    ASSERT(!raxRemove(r, "abc", 3, NULL));
    ASSERT(!raxRemove(r, "ab", 2, NULL));
    ASSERT(raxFind(r, "abd", 3, &v));
    ASSERT(v == (void *)2);
    ASSERT(raxRemove(r, "abd", 3, NULL));
    ASSERT_EQ_INT(raxSize(r), 0);
    ASSERT_EQ_INT(raxNodeCount(r), 1);
    ASSERT_EQ_INT(raxAllocSize(r), empty);
    raxIter it;
    raxIterInit(&it, r);
    ASSERT(!raxIterFirst(&it));
    ASSERT(!raxIterLast(&it));
    ASSERT(!raxIterSeekGE(&it, "", 0, 0));
    raxIterRelease(&it);
    raxFree(r, NULL);
}

static int freed;
static void countFree(void *p) {
    freed++;
    zfree(p);
}

TEST_CASE(testLongKeysAndFree) {
    rax *r = raxNew();
    /* Keys "x", "xx", ... make a path one node per key. */
    size_t n = 300;
    char *k = zmalloc(n);
    memset(k, 'x', n);
    for (size_t i = 1; i <= n; i++) ASSERT(raxInsert(r, k, i, zmalloc(8)));
    raxIter it;
    raxIterInit(&it, r);
    ASSERT(raxIterLast(&it));
    ASSERT_EQ_INT(it.key_len, n);
    ASSERT(raxIterSeekLE(&it, k, n, 1));
    ASSERT_EQ_INT(it.key_len, n - 1);
    size_t seen = 1;
    while (raxIterPrev(&it)) seen++;
    ASSERT_EQ_INT(seen, n - 1);
    raxIterRelease(&it);
    void *v;
    ASSERT(raxRemove(r, k, 150, &v));
    zfree(v);
    ASSERT(!raxFind(r, k, 150, NULL));
    ASSERT(raxFind(r, k, 151, NULL));
    freed = 0;
    raxFree(r, countFree);
    ASSERT_EQ_INT(freed, n - 1);
    zfree(k);
}

/* Keys longer than a node's label may be (4 MB) become chains. */
TEST_CASE(testHugeKeys) {
    rax *r = raxNew();
    size_t empty = raxAllocSize(r);
    size_t n = 9000000;
    unsigned char *k = zmalloc(n + 1);
    memset(k, 'a', n + 1);
    ASSERT(raxInsert(r, k, n, (void *)1));
    k[n - 1] = 'b';
    ASSERT(raxInsert(r, k, n, (void *)2));
    ASSERT(raxInsert(r, k, n + 1, (void *)3));
    ASSERT(raxInsert(r, k, 5, (void *)4));
    void *v = NULL;
    ASSERT(raxFind(r, k, n, &v) && v == (void *)2);
    k[n - 1] = 'a';
    ASSERT(raxFind(r, k, n, &v) && v == (void *)1);
    ASSERT(!raxFind(r, k, n - 1, NULL));
    raxIter it;
    raxIterInit(&it, r);
    long want[] = {4, 1, 2, 3}, i = 0;
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it), i++)
        ASSERT_EQ_INT((long)it.val, want[i]);
    ASSERT_EQ_INT(i, 4);
    ASSERT(raxIterSeekGE(&it, k, n, 1));
    ASSERT_EQ_INT((long)it.val, 2);
    ASSERT(raxIterSeekLE(&it, k, n - 1, 0));
    ASSERT_EQ_INT((long)it.val, 4);
    raxIterRelease(&it);
    ASSERT(raxRemove(r, k, n, NULL));
    k[n - 1] = 'b';
    ASSERT(raxRemove(r, k, n + 1, NULL));
    ASSERT(raxRemove(r, k, n, NULL));
    ASSERT(raxRemove(r, k, 5, NULL));
    ASSERT_EQ_INT(raxSize(r), 0);
    ASSERT_EQ_INT(raxAllocSize(r), empty);
    zfree(k);
    raxFree(r, NULL);
}

/* A leaf with a one-byte label and a value is 16 bytes. */
TEST_CASE(testLeafSize) {
    rax *r = raxNew();
    unsigned char key[16] = {0};
    ASSERT(raxInsert(r, key, 16, NULL));
    size_t one = raxAllocSize(r);
    key[15] = 1;
    ASSERT(raxInsert(r, key, 16, NULL));
    /* a split: the 15-byte shared prefix node plus two 16-byte leaves */
    size_t two = raxAllocSize(r);
    key[15] = 2;
    ASSERT(raxInsert(r, key, 16, NULL));
    /* the prefix node grows by one child (first byte + pointer) */
    ASSERT(raxAllocSize(r) - two <= 16 + 16);
    ASSERT(two > one);
    raxFree(r, NULL);
}

TEST_CASE(testSetValue) {
    rax *r = raxNew();
    for (long i = 0; i < 100; i++) {
        unsigned char key[2] = {(unsigned char)(i / 10), (unsigned char)i};
        ASSERT(raxInsert(r, key, 2, (void *)i));
    }
    raxIter it;
    raxIterInit(&it, r);
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it))
        raxIterSetValue(&it, (void *)((long)it.val + 1000));
    long want = 0;
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it), want++)
        ASSERT_EQ_INT((long)it.val, want + 1000);
    ASSERT_EQ_INT(want, 100);
    raxIterRelease(&it);
    raxFree(r, NULL);
}

/* The model: a sorted array of distinct short keys. */
typedef struct mkey {
    unsigned char k[6];
    size_t len;
} mkey;

static int mcmp(const unsigned char *a, size_t alen, const unsigned char *b,
                size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static mkey model[4096];
static size_t msize;

static size_t mlower(const unsigned char *k, size_t len, int strict) {
    size_t i = 0;
    while (i < msize) {
        int c = mcmp(model[i].k, model[i].len, k, len);
        if (c > 0 || (c == 0 && !strict)) break;
        i++;
    }
    return i;
}

TEST_CASE(testRandomAgainstModel) {
    static const unsigned char alpha[] = {0, 1, 'a', 'b', 0x80, 0xff};
    rax *r = raxNew();
    size_t empty = raxAllocSize(r);
    raxIter it;
    raxIterInit(&it, r);
    srand(12345);
    for (int step = 0; step < 60000; step++) {
        unsigned char k[6];
        size_t len = (size_t)(rand() % 6);
        for (size_t i = 0; i < len; i++) k[i] = alpha[rand() % 6];
        size_t at = mlower(k, len, 0);
        int present = at < msize && mcmp(model[at].k, model[at].len, k, len) == 0;
        int op = rand() % 8;
        if (op < 3) {
            int added = raxInsert(r, k, len, (void *)(uintptr_t)(step + 1));
            ASSERT_EQ_INT(added, !present);
            if (added) {
                memmove(model + at + 1, model + at, (msize - at) * sizeof(mkey));
                memcpy(model[at].k, k, len);
                model[at].len = len;
                msize++;
            }
        } else if (op < 6) {
            int removed = raxRemove(r, k, len, NULL);
            ASSERT_EQ_INT(removed, present);
            if (removed) {
                memmove(model + at, model + at + 1, (msize - at - 1) * sizeof(mkey));
                msize--;
            }
        } else {
            int strict = rand() % 2;
            ASSERT_EQ_INT(raxFind(r, k, len, NULL), present);
            size_t ge = mlower(k, len, strict);
            int ok = raxIterSeekGE(&it, k, len, strict);
            ASSERT_EQ_INT(ok, ge < msize);
            if (ok) {
                ASSERT(mcmp(it.key, it.key_len, model[ge].k, model[ge].len) == 0);
                int more = raxIterNext(&it);
                ASSERT_EQ_INT(more, ge + 1 < msize);
                if (more)
                    ASSERT(mcmp(it.key, it.key_len, model[ge + 1].k,
                                model[ge + 1].len) == 0);
            }
            /* largest <= (or <): one before the first > (or >=). */
            size_t le = mlower(k, len, !strict);
            ok = raxIterSeekLE(&it, k, len, strict);
            ASSERT_EQ_INT(ok, le > 0);
            if (ok) {
                ASSERT(mcmp(it.key, it.key_len, model[le - 1].k,
                            model[le - 1].len) == 0);
                int more = raxIterPrev(&it);
                ASSERT_EQ_INT(more, le > 1);
                if (more)
                    ASSERT(mcmp(it.key, it.key_len, model[le - 2].k,
                                model[le - 2].len) == 0);
            }
        }
        ASSERT_EQ_INT(raxSize(r), msize);
        ASSERT(raxNodeCount(r) <= 2 * msize + 1);
        if (step % 5000 == 0) {
            size_t i = 0;
            for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it), i++)
                ASSERT(mcmp(it.key, it.key_len, model[i].k, model[i].len) == 0);
            ASSERT_EQ_INT(i, msize);
            for (int ok = raxIterLast(&it); ok; ok = raxIterPrev(&it), i--)
                ASSERT(mcmp(it.key, it.key_len, model[i - 1].k,
                            model[i - 1].len) == 0);
            ASSERT_EQ_INT(i, 0);
        }
    }
    for (size_t i = 0; i < msize; i++)
        ASSERT(raxRemove(r, model[i].k, model[i].len, NULL));
    ASSERT_EQ_INT(raxSize(r), 0);
    ASSERT_EQ_INT(raxNodeCount(r), 1);
    ASSERT_EQ_INT(raxAllocSize(r), empty);
    raxIterRelease(&it);
    raxFree(r, NULL);
}

/* Stream-shaped keys: 16-byte big-endian IDs appended in order and
 * trimmed from the front. */
TEST_CASE(testStreamIDs) {
    rax *r = raxNew();
    unsigned char key[16];
    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t ms = 1700000000000ULL + i / 3, seq = i % 3;
        for (int b = 0; b < 8; b++) {
            key[b] = (unsigned char)(ms >> (56 - 8 * b));
            key[8 + b] = (unsigned char)(seq >> (56 - 8 * b));
        }
        ASSERT(raxInsert(r, key, 16, (void *)(uintptr_t)(i + 1)));
    }
    raxIter it;
    raxIterInit(&it, r);
    uint64_t want = 1;
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it), want++) {
        ASSERT_EQ_INT(it.key_len, 16);
        ASSERT_EQ_INT((uintptr_t)it.val, want);
    }
    ASSERT_EQ_INT(want, 20001);
    while (raxIterFirst(&it) && (uintptr_t)it.val <= 10000) {
        unsigned char k[16];
        memcpy(k, it.key, 16);
        ASSERT(raxRemove(r, k, 16, NULL));
    }
    ASSERT_EQ_INT(raxSize(r), 10000);
    ASSERT(raxIterFirst(&it));
    ASSERT_EQ_INT((uintptr_t)it.val, 10001);
    raxIterRelease(&it);
    raxFree(r, NULL);
}

int main(void) {
    RUN_TEST(testOrderAndFind);
    RUN_TEST(testSeek);
    RUN_TEST(testRemoveMerges);
    RUN_TEST(testLongKeysAndFree);
    RUN_TEST(testHugeKeys);
    RUN_TEST(testLeafSize);
    RUN_TEST(testSetValue);
    RUN_TEST(testRandomAgainstModel);
    RUN_TEST(testStreamIDs);
    return TEST_REPORT();
}
