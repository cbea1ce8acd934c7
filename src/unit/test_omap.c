/* test_omap.c: unit tests of omap.c, the ordered map behind streams.
 *
 * Checks the order (unsigned bytes, shorter prefix first), insert refusal
 * of duplicates, lower bounds, removal, and a random run against a naive
 * model. */
#include <stdint.h>
#include <stdlib.h>

#include "../omap.h"
#include "../zmalloc.h"
#include "test_help.h"

TEST_CASE(testOrder) {
    omap *m = omapNew();
    ASSERT(omapInsert(m, "b", 1, (void *)1));
    ASSERT(omapInsert(m, "a", 1, (void *)2));
    ASSERT(omapInsert(m, "ab", 2, (void *)3));
    ASSERT(omapInsert(m, "\xff", 1, (void *)4));
    ASSERT(omapInsert(m, "", 0, (void *)5));
    ASSERT(!omapInsert(m, "ab", 2, (void *)9));
    ASSERT_EQ_INT(omapSize(m), 5);
    const char *want[] = {"", "a", "ab", "b", "\xff"};
    for (size_t i = 0; i < 5; i++) {
        omapEntry *e = omapAt(m, i);
        ASSERT_EQ_INT(e->len, strlen(want[i]));
        ASSERT(memcmp(e->key, want[i], e->len) == 0);
    }
    void *v = NULL;
    ASSERT(omapFind(m, "ab", 2, &v));
    ASSERT(v == (void *)3);
    ASSERT(!omapFind(m, "abc", 3, NULL));
    ASSERT_EQ_INT(omapLowerBound(m, "aa", 2, 0), 2);
    ASSERT_EQ_INT(omapLowerBound(m, "ab", 2, 0), 2);
    ASSERT_EQ_INT(omapLowerBound(m, "ab", 2, 1), 3);
    ASSERT_EQ_INT(omapLowerBound(m, "z", 1, 0), 4);
    ASSERT_EQ_INT(omapLowerBound(m, "\xff\xff", 2, 0), 5);
    ASSERT(omapRemove(m, "a", 1, &v));
    ASSERT(v == (void *)2);
    ASSERT(!omapRemove(m, "a", 1, NULL));
    ASSERT_EQ_INT(omapSize(m), 4);
    omapFree(m, NULL);
}

static int freed;
static void countFree(void *p) {
    (void)p;
    freed++;
}

TEST_CASE(testRandomAgainstModel) {
    /* Model: presence bitmap over 16-bit big-endian keys. */
    static unsigned char present[65536];
    memset(present, 0, sizeof(present));
    omap *m = omapNew();
    srand(1234);
    for (int i = 0; i < 200000; i++) {
        unsigned k = (unsigned)rand() & 0xffff;
        unsigned char key[2] = {(unsigned char)(k >> 8), (unsigned char)k};
        if (rand() % 3) {
            ASSERT_EQ_INT(omapInsert(m, key, 2, (void *)(uintptr_t)k),
                          !present[k]);
            present[k] = 1;
        } else {
            ASSERT_EQ_INT(omapRemove(m, key, 2, NULL), present[k]);
            present[k] = 0;
        }
    }
    size_t n = 0;
    for (unsigned k = 0; k < 65536; k++) {
        if (!present[k]) continue;
        omapEntry *e = omapAt(m, n++);
        ASSERT_EQ_INT((e->key[0] << 8) | e->key[1], k);
        ASSERT_EQ_INT((uintptr_t)e->val, k);
    }
    ASSERT_EQ_INT(n, omapSize(m));
    freed = 0;
    omapFree(m, countFree);
    ASSERT_EQ_INT(freed, n);
}

TEST_CASE(testQueueUse) {
    /* Append at the end, remove from the front: the stream pattern. */
    omap *m = omapNew();
    unsigned char key[4];
    uint32_t head = 0, tail = 0;
    for (int round = 0; round < 100000; round++) {
        int adds = rand() % 3;
        for (int a = 0; a < adds; a++, tail++) {
            key[0] = (unsigned char)(tail >> 24);
            key[1] = (unsigned char)(tail >> 16);
            key[2] = (unsigned char)(tail >> 8);
            key[3] = (unsigned char)tail;
            ASSERT(omapInsert(m, key, 4, NULL));
        }
        if (head < tail && rand() % 2) {
            omapEntry *e = omapAt(m, 0);
            uint32_t k = (uint32_t)e->key[0] << 24 | e->key[1] << 16 |
                         e->key[2] << 8 | e->key[3];
            ASSERT_EQ_INT(k, head);
            omapRemoveAt(m, 0);
            head++;
        }
        ASSERT_EQ_INT(omapSize(m), tail - head);
    }
    ASSERT(m->cap <= 4 * (omapSize(m) + 16));
    omapFree(m, NULL);
}

int main(void) {
    RUN_TEST(testOrder);
    RUN_TEST(testQueueUse);
    RUN_TEST(testRandomAgainstModel);
    return TEST_REPORT();
}
