/* test_quicklist.c: unit tests of quicklist.c.
 *
 * Every test checks the list against a plain array model and checks the
 * structural invariants (counts, links, no empty node, fill limits).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_quicklist
 *        unit/test_quicklist.c quicklist.c listpack.c zmalloc.c util.c sds.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../listpack.h"
#include "../quicklist.h"
#include "../util.h"
#include "../zmalloc.h"
#include "test_help.h"

/* ---------------------------------------------------------------------------
 * Helpers: a model of the list as an array of C strings.
 * ------------------------------------------------------------------------- */

#define MODEL_MAX 20000

typedef struct model {
    char *v[MODEL_MAX];
    long n;
} model;

static void modelInsert(model *m, long at, const char *s) {
    for (long j = m->n; j > at; j--) m->v[j] = m->v[j - 1];
    m->v[at] = strdup(s);
    m->n++;
}

static void modelDelete(model *m, long at) {
    free(m->v[at]);
    for (long j = at; j < m->n - 1; j++) m->v[j] = m->v[j + 1];
    m->n--;
}

static void modelFree(model *m) {
    for (long j = 0; j < m->n; j++) free(m->v[j]);
    m->n = 0;
}

/* Writes the text of <e> into <buf>. */
static const char *entryText(const quicklistEntry *e, char *buf, size_t len) {
    if (e->value) {
        size_t n = e->sz < len - 1 ? e->sz : len - 1;
        memcpy(buf, e->value, n);
        buf[n] = '\0';
    } else {
        ll2string(buf, len, e->longval);
    }
    return buf;
}

/* Returns 1 when <ql> is structurally sound and equals <m> both ways. */
static int checkList(quicklist *ql, model *m) {
    unsigned long count = 0, len = 0;
    quicklistNode *prev = NULL;
    for (quicklistNode *n = ql->head; n; n = n->next) {
        if (n->prev != prev) return 0;
        if (n->count == 0) return 0;
        if (n->container == QUICKLIST_NODE_CONTAINER_PACKED) {
            if (lpLength(n->entry) != n->count) return 0;
            if (lpBytes(n->entry) != n->sz) return 0;
        } else if (n->count != 1) {
            return 0;
        }
        count += n->count;
        len++;
        prev = n;
    }
    if (ql->tail != prev || count != ql->count || len != ql->len) return 0;
    if ((long)count != m->n) return 0;
    char buf[512];
    quicklistIter it;
    quicklistEntry e;
    long j = 0;
    quicklistInitIterator(&it, ql, AL_START_HEAD_QL);
    while (quicklistNext(&it, &e)) {
        if (strcmp(entryText(&e, buf, sizeof(buf)), m->v[j]) != 0) return 0;
        j++;
    }
    if (j != m->n) return 0;
    quicklistInitIterator(&it, ql, AL_START_TAIL_QL);
    while (quicklistNext(&it, &e)) {
        j--;
        if (strcmp(entryText(&e, buf, sizeof(buf)), m->v[j]) != 0) return 0;
    }
    return j == 0;
}

static void pushStr(quicklist *ql, model *m, const char *s, int head) {
    if (head) {
        quicklistPushHead(ql, s, strlen(s));
        modelInsert(m, 0, s);
    } else {
        quicklistPushTail(ql, s, strlen(s));
        modelInsert(m, m->n, s);
    }
}

static model M;

/* ---------------------------------------------------------------------------
 * Tests.
 * ------------------------------------------------------------------------- */

TEST_CASE(testPushPopBothEnds) {
    quicklist *ql = quicklistCreate(-2, 0);
    char buf[32];
    for (int i = 0; i < 500; i++) {
        snprintf(buf, sizeof(buf), "v%d", i);
        pushStr(ql, &M, buf, i % 2);
    }
    ASSERT(checkList(ql, &M));
    unsigned char *data;
    size_t sz;
    long long lval;
    ASSERT(quicklistPop(ql, QUICKLIST_HEAD, &data, &sz, &lval));
    ASSERT(data && sz == strlen(M.v[0]) && memcmp(data, M.v[0], sz) == 0);
    zfree(data);
    modelDelete(&M, 0);
    ASSERT(quicklistPop(ql, QUICKLIST_TAIL, &data, &sz, &lval));
    ASSERT(memcmp(data, M.v[M.n - 1], sz) == 0);
    zfree(data);
    modelDelete(&M, M.n - 1);
    ASSERT(checkList(ql, &M));
    quicklistPushTail(ql, "12345", 5);
    modelInsert(&M, M.n, "12345");
    ASSERT(quicklistPop(ql, QUICKLIST_TAIL, &data, &sz, &lval));
    ASSERT(data == NULL && lval == 12345);
    modelDelete(&M, M.n - 1);
    ASSERT(checkList(ql, &M));
    quicklistRelease(ql);
    modelFree(&M);
}

TEST_CASE(testFillLimits) {
    /* Count fill: exactly 5 per node. */
    quicklist *ql = quicklistCreate(5, 0);
    for (int i = 0; i < 23; i++) pushStr(ql, &M, "x", 0);
    ASSERT(checkList(ql, &M));
    ASSERT_EQ_INT(ql->len, 5);
    for (quicklistNode *n = ql->head; n; n = n->next)
        ASSERT(n->count <= 5);
    quicklistRelease(ql);
    modelFree(&M);

    /* Size fill -1: no node over 4096 bytes. */
    ql = quicklistCreate(-1, 0);
    char big[301];
    memset(big, 'a', 300);
    big[300] = '\0';
    for (int i = 0; i < 100; i++) pushStr(ql, &M, big, i & 1);
    ASSERT(checkList(ql, &M));
    ASSERT(ql->len > 5);
    for (quicklistNode *n = ql->head; n; n = n->next) ASSERT(n->sz <= 4096);
    quicklistRelease(ql);
    modelFree(&M);
}

TEST_CASE(testPlainNodes) {
    size_t old = quicklistSetPackedThreshold(100);
    quicklist *ql = quicklistCreate(-2, 0);
    char big[201];
    memset(big, 'P', 200);
    big[200] = '\0';
    pushStr(ql, &M, "a", 0);
    pushStr(ql, &M, big, 0);
    pushStr(ql, &M, "b", 0);
    pushStr(ql, &M, big, 1);
    ASSERT(checkList(ql, &M));
    ASSERT(ql->head->container == QUICKLIST_NODE_CONTAINER_PLAIN);
    ASSERT(ql->head->next->container == QUICKLIST_NODE_CONTAINER_PACKED);
    /* Replace a packed element by a large one and back. */
    ASSERT(quicklistReplaceAtIndex(ql, 1, big, 200));
    free(M.v[1]);
    M.v[1] = strdup(big);
    ASSERT(checkList(ql, &M));
    ASSERT(quicklistReplaceAtIndex(ql, 0, "small", 5));
    free(M.v[0]);
    M.v[0] = strdup("small");
    ASSERT(checkList(ql, &M));
    /* Insert a large element in the middle of a packed node. */
    quicklistIter it;
    quicklistEntry e;
    quicklistInitIteratorAtIdx(&it, ql, AL_START_HEAD_QL, 0);
    ASSERT(quicklistNext(&it, &e));
    quicklistInsertAfter(&it, &e, big, 200);
    modelInsert(&M, 1, big);
    ASSERT(checkList(ql, &M));
    /* A copy keeps the layout and the contents. */
    quicklist *copy = quicklistDup(ql);
    ASSERT(checkList(copy, &M));
    ASSERT_EQ_INT(copy->len, ql->len);
    quicklistRelease(copy);
    quicklistRelease(ql);
    modelFree(&M);
    quicklistSetPackedThreshold(old);
}

TEST_CASE(testIndex) {
    quicklist *ql = quicklistCreate(4, 0);
    char buf[32];
    for (int i = 0; i < 50; i++) {
        snprintf(buf, sizeof(buf), "e%d", i);
        pushStr(ql, &M, buf, 0);
    }
    quicklistEntry e;
    for (long i = -50; i < 50; i++) {
        ASSERT(quicklistGetEntryAtIndex(ql, i, &e));
        long want = i < 0 ? 50 + i : i;
        ASSERT_EQ_STR(entryText(&e, buf, sizeof(buf)), M.v[want]);
    }
    ASSERT(!quicklistGetEntryAtIndex(ql, 50, &e));
    ASSERT(!quicklistGetEntryAtIndex(ql, -51, &e));
    /* Iterators starting in the middle, both ways. */
    quicklistIter it;
    ASSERT(quicklistInitIteratorAtIdx(&it, ql, AL_START_TAIL_QL, 10));
    long j = 10;
    while (quicklistNext(&it, &e)) {
        ASSERT_EQ_STR(entryText(&e, buf, sizeof(buf)), M.v[j]);
        j--;
    }
    ASSERT_EQ_INT(j, -1);
    ASSERT(quicklistInitIteratorAtIdx(&it, ql, AL_START_HEAD_QL, -3));
    j = 47;
    while (quicklistNext(&it, &e)) j++;
    ASSERT_EQ_INT(j, 50);
    quicklistRelease(ql);
    modelFree(&M);
}

TEST_CASE(testInsertMiddleSplits) {
    quicklist *ql = quicklistCreate(4, 0);
    char buf[32];
    for (int i = 0; i < 12; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        pushStr(ql, &M, buf, 0);
    }
    /* Insert before and after every position of full nodes. */
    for (int round = 0; round < 40; round++) {
        long at = (round * 7) % M.n;
        quicklistIter it;
        quicklistEntry e;
        ASSERT(quicklistInitIteratorAtIdx(&it, ql, AL_START_HEAD_QL, at));
        ASSERT(quicklistNext(&it, &e));
        snprintf(buf, sizeof(buf), "ins%d", round);
        if (round & 1) {
            quicklistInsertAfter(&it, &e, buf, strlen(buf));
            modelInsert(&M, at + 1, buf);
        } else {
            quicklistInsertBefore(&it, &e, buf, strlen(buf));
            modelInsert(&M, at, buf);
        }
        ASSERT(checkList(ql, &M));
        for (quicklistNode *n = ql->head; n; n = n->next)
            ASSERT(n->count <= 4);
    }
    quicklistRelease(ql);
    modelFree(&M);
}

TEST_CASE(testDeleteWhileIterating) {
    for (int dir = 0; dir < 2; dir++) {
        quicklist *ql = quicklistCreate(3, 0);
        char buf[32];
        for (int i = 0; i < 40; i++) {
            snprintf(buf, sizeof(buf), "%s", (i % 3 == 0) ? "del" : "keep");
            pushStr(ql, &M, buf, 0);
        }
        quicklistIter it;
        quicklistEntry e;
        quicklistInitIterator(&it, ql,
                              dir ? AL_START_TAIL_QL : AL_START_HEAD_QL);
        long seen = 0;
        while (quicklistNext(&it, &e)) {
            seen++;
            if (quicklistCompare(&e, "del", 3)) quicklistDelEntry(&it, &e);
        }
        ASSERT_EQ_INT(seen, 40);
        for (long j = M.n - 1; j >= 0; j--)
            if (strcmp(M.v[j], "del") == 0) modelDelete(&M, j);
        ASSERT(checkList(ql, &M));
        quicklistRelease(ql);
        modelFree(&M);
    }
}

TEST_CASE(testDelRange) {
    quicklist *ql = quicklistCreate(5, 0);
    char buf[32];
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        pushStr(ql, &M, buf, 0);
    }
    ASSERT_EQ_INT(quicklistDelRange(ql, 3, 12), 12);
    for (int k = 0; k < 12; k++) modelDelete(&M, 3);
    ASSERT(checkList(ql, &M));
    ASSERT_EQ_INT(quicklistDelRange(ql, -10, 100), 10);
    for (int k = 0; k < 10; k++) modelDelete(&M, M.n - 1);
    ASSERT(checkList(ql, &M));
    ASSERT_EQ_INT(quicklistDelRange(ql, 0, 1000), 78);
    modelFree(&M);
    ASSERT(checkList(ql, &M));
    ASSERT(ql->head == NULL && ql->tail == NULL);
    quicklistRelease(ql);
}

TEST_CASE(testAppendRawParts) {
    quicklist *ql = quicklistCreate(-2, 0);
    unsigned char *lp = lpNew(0);
    lp = lpAppend(lp, (unsigned char *)"a", 1);
    lp = lpAppend(lp, (unsigned char *)"17", 2);
    quicklistAppendListpack(ql, lp);
    unsigned char *plain = zmalloc(3);
    memcpy(plain, "big", 3);
    quicklistAppendPlainNode(ql, plain, 3);
    modelInsert(&M, 0, "a");
    modelInsert(&M, 1, "17");
    modelInsert(&M, 2, "big");
    ASSERT(checkList(ql, &M));
    ASSERT_EQ_INT(ql->len, 2);
    quicklistEntry e;
    ASSERT(quicklistGetEntryAtIndex(ql, 1, &e));
    ASSERT(e.value == NULL && e.longval == 17);
    ASSERT(quicklistCompare(&e, "17", 2));
    ASSERT(!quicklistCompare(&e, "017", 3));
    quicklistRelease(ql);
    modelFree(&M);
}

TEST_CASE(testLargeRandom) {
    quicklist *ql = quicklistCreate(-2, 0);
    char buf[64];
    srand(42);
    for (int i = 0; i < 10000; i++) {
        int len = rand() % 40;
        for (int k = 0; k < len; k++) buf[k] = (char)('a' + rand() % 26);
        buf[len] = '\0';
        pushStr(ql, &M, buf, rand() & 1);
    }
    ASSERT(checkList(ql, &M));
    ASSERT(ql->len > 10);
    for (int i = 0; i < 2000; i++) {
        long at = rand() % M.n;
        int op = rand() % 3;
        if (op == 0) {
            ASSERT(quicklistReplaceAtIndex(ql, at, "r", 1));
            free(M.v[at]);
            M.v[at] = strdup("r");
        } else if (op == 1) {
            ASSERT_EQ_INT(quicklistDelRange(ql, at, 1), 1);
            modelDelete(&M, at);
        } else {
            quicklistIter it;
            quicklistEntry e;
            ASSERT(quicklistInitIteratorAtIdx(&it, ql, AL_START_HEAD_QL, at));
            ASSERT(quicklistNext(&it, &e));
            quicklistInsertBefore(&it, &e, "i", 1);
            modelInsert(&M, at, "i");
        }
    }
    ASSERT(checkList(ql, &M));
    quicklistRelease(ql);
    modelFree(&M);
}

int main(void) {
    /* A failed test returns early: each test starts with an empty model. */
    modelFree(&M);
    RUN_TEST(testPushPopBothEnds);
    modelFree(&M);
    RUN_TEST(testFillLimits);
    modelFree(&M);
    RUN_TEST(testPlainNodes);
    modelFree(&M);
    RUN_TEST(testIndex);
    modelFree(&M);
    RUN_TEST(testInsertMiddleSplits);
    modelFree(&M);
    RUN_TEST(testDeleteWhileIterating);
    modelFree(&M);
    RUN_TEST(testDelRange);
    modelFree(&M);
    RUN_TEST(testAppendRawParts);
    modelFree(&M);
    RUN_TEST(testLargeRandom);
    return TEST_REPORT();
}
