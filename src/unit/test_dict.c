/* test_dict.c: unit tests of dict.c, and of adlist.c (the other container
 * of the platform layer).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_dict unit/test_dict.c
 *        dict.c adlist.c sds.c zmalloc.c util.c */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../adlist.h"
#include "../dict.h"
#include "../sds.h"
#include "../zmalloc.h"
#include "test_help.h"

/* ------------------------------ dict types ------------------------------ */

static int keysFreed, valsFreed, valsDuped;

static uint64_t sdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static uint64_t sdsCaseHash(const void *key) {
    return dictGenCaseHashFunction((const unsigned char *)key, sdsLen((sds)key));
}

static int sdsKeyCompare(dict *d, const void *a, const void *b) {
    (void)d;
    return sdsLen((sds)a) == sdsLen((sds)b) &&
           memcmp(a, b, sdsLen((sds)a)) == 0;
}

static int sdsKeyCaseCompare(dict *d, const void *a, const void *b) {
    (void)d;
    return strcasecmp(a, b) == 0;
}

static void sdsKeyFree(dict *d, void *key) {
    (void)d;
    keysFreed++;
    sdsFree(key);
}

static void sdsValFree(dict *d, void *val) {
    (void)d;
    valsFreed++;
    sdsFree(val);
}

static void *sdsValDup(dict *d, const void *val) {
    (void)d;
    valsDuped++;
    return sdsNew(val);
}

/* sds keys and values, both owned by the dict. */
static dictType sdsDictType = {sdsHash, NULL, NULL, sdsKeyCompare,
                               sdsKeyFree, sdsValFree, NULL};
/* Case-insensitive sds keys; values are C strings duplicated into sds. */
static dictType caseDictType = {sdsCaseHash, NULL, sdsValDup, sdsKeyCaseCompare,
                                sdsKeyFree, sdsValFree, NULL};

static uint64_t intHash(const void *key) {
    uintptr_t k = (uintptr_t)key;
    return dictGenHashFunction(&k, sizeof(k));
}

/* Integer keys stored in the pointer; compared by identity. */
static dictType intDictType = {intHash, NULL, NULL, NULL, NULL, NULL, NULL};

/* Keys start at 1 so none is the NULL pointer. */
#define IK(i) ((void *)(uintptr_t)((i) + 1))
#define KI(p) ((long)((uintptr_t)(p)-1))

static int refuseExpand;
static int noExpand(size_t moreMem, double usedRatio) {
    (void)moreMem;
    (void)usedRatio;
    return !refuseExpand;
}
static dictType guardedDictType = {intHash, NULL, NULL, NULL, NULL, NULL, noExpand};

static sds keyOf(long i) {
    return sdsCatPrintf(sdsEmpty(), "key:%ld", i);
}

/* -------------------------------- tests --------------------------------- */

TEST_CASE(testAddFindReplaceDelete) {
    keysFreed = valsFreed = 0;
    dict *d = dictCreate(&sdsDictType);
    sds x = sdsNew("x");
    ASSERT_EQ_INT(dictSize(d), 0);
    ASSERT(dictFind(d, x) == NULL);
    ASSERT_EQ_INT(dictDelete(d, x), DICT_ERR);
    sdsFree(x);
    ASSERT(dictGetRandomKey(d) == NULL);

    ASSERT_EQ_INT(dictAdd(d, sdsNew("a"), sdsNew("1")), DICT_OK);
    sds dupkey = sdsNew("a"), dupval = sdsNew("2");
    ASSERT_EQ_INT(dictAdd(d, dupkey, dupval), DICT_ERR);
    sdsFree(dupkey);
    sdsFree(dupval);
    ASSERT_EQ_INT(dictSize(d), 1);

    sds k = sdsNew("a");
    ASSERT_EQ_STR(dictFetchValue(d, k), "1");

    /* Replace keeps the stored key, frees the old value and the new key is
     * still the caller's. */
    ASSERT_EQ_INT(dictReplace(d, k, sdsNew("3")), 0);
    ASSERT_EQ_INT(valsFreed, 1);
    ASSERT_EQ_STR(dictFetchValue(d, k), "3");
    ASSERT_EQ_INT(dictReplace(d, sdsNew("b"), sdsNew("4")), 1);
    ASSERT_EQ_INT(dictSize(d), 2);

    /* Binary keys with NULs are distinct from their prefixes. */
    ASSERT_EQ_INT(dictAdd(d, sdsNewLen("a\0z", 3), sdsNew("5")), DICT_OK);
    sds bk = sdsNewLen("a\0z", 3);
    ASSERT_EQ_STR(dictFetchValue(d, bk), "5");
    ASSERT_EQ_STR(dictFetchValue(d, k), "3");

    ASSERT_EQ_INT(dictDelete(d, bk), DICT_OK);
    ASSERT_EQ_INT(dictDelete(d, bk), DICT_ERR);
    ASSERT_EQ_INT(keysFreed, 1);
    ASSERT_EQ_INT(valsFreed, 2);
    ASSERT_EQ_INT(dictSize(d), 2);

    /* AddRaw / AddOrFind. */
    dictEntry *existing = NULL;
    ASSERT(dictAddRaw(d, k, &existing) == NULL);
    ASSERT(existing != NULL && sdsCmp(dictGetKey(existing), k) == 0);
    dictEntry *e = dictAddOrFind(d, k);
    ASSERT(e == existing);
    e = dictAddOrFind(d, sdsNew("c"));
    ASSERT(e != NULL && dictGetVal(e) == NULL);
    dictSetVal(d, e, sdsNew("6"));
    sds c = sdsNew("c");
    ASSERT_EQ_STR(dictFetchValue(d, c), "6");
    sdsFree(c);

    /* Unlink then free. */
    dictEntry *u = dictUnlink(d, k);
    ASSERT(u != NULL);
    ASSERT_EQ_STR(dictGetVal(u), "3");
    ASSERT(dictFind(d, k) == NULL);
    ASSERT_EQ_INT(dictSize(d), 2);
    int before = keysFreed;
    dictFreeUnlinkedEntry(d, u);
    ASSERT_EQ_INT(keysFreed, before + 1);
    ASSERT(dictUnlink(d, k) == NULL);
    dictFreeUnlinkedEntry(d, NULL);

    sdsFree(k);
    sdsFree(bk);
    keysFreed = valsFreed = 0;
    dictRelease(d);
    ASSERT_EQ_INT(keysFreed, 2);
    ASSERT_EQ_INT(valsFreed, 2);
}

TEST_CASE(testCaseInsensitive) {
    dict *d = dictCreate(&caseDictType);
    valsDuped = 0;
    ASSERT_EQ_INT(dictAdd(d, sdsNew("Hello"), "v"), DICT_OK);
    ASSERT_EQ_INT(valsDuped, 1);
    sds k = sdsNew("hELLO");
    ASSERT_EQ_STR(dictFetchValue(d, k), "v");
    ASSERT_EQ_INT(dictAdd(d, k, "w"), DICT_ERR);
    sdsFree(k);
    dictRelease(d);

    const unsigned char a[] = "SomeMixedCase_Key-123", b[] = "somemixedcase_key-123";
    ASSERT(dictGenCaseHashFunction(a, sizeof(a) - 1) ==
           dictGenCaseHashFunction(b, sizeof(b) - 1));
    ASSERT(dictGenHashFunction(a, sizeof(a) - 1) !=
           dictGenHashFunction(b, sizeof(b) - 1));
}

TEST_CASE(testHashFunction) {
    uint8_t seed[16] = {0};
    dictSetHashFunctionSeed(seed);
    uint64_t h0 = dictGenHashFunction("hello", 5);
    ASSERT(h0 == dictGenHashFunction("hello", 5));
    ASSERT(h0 != dictGenHashFunction("hellp", 5));
    ASSERT(h0 != dictGenHashFunction("hello", 4));
    /* Every length up to two blocks hashes differently (tail handling). */
    const char zeros[17] = {0};
    uint64_t hs[17];
    for (int i = 0; i <= 16; i++) {
        hs[i] = dictGenHashFunction(zeros, (size_t)i);
        for (int j = 0; j < i; j++) ASSERT(hs[i] != hs[j]);
    }
    /* The seed matters. */
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)(i * 7 + 1);
    dictSetHashFunctionSeed(seed);
    ASSERT(h0 != dictGenHashFunction("hello", 5));
}

TEST_CASE(testGrowAndRehash) {
    dict *d = dictCreate(&intDictType);
    const long n = 20000;
    int sawRehashing = 0;
    for (long i = 0; i < n; i++) {
        ASSERT_EQ_INT(dictAdd(d, IK(i), (void *)(uintptr_t)(i * 3)), DICT_OK);
        if (dictIsRehashing(d)) sawRehashing = 1;
    }
    ASSERT(sawRehashing);
    ASSERT_EQ_INT(dictSize(d), n);
    while (dictIsRehashing(d)) dictRehash(d, 100);
    ASSERT_EQ_INT(dictSlots(d), 32768);
    for (long i = 0; i < n; i++) {
        dictEntry *e = dictFind(d, IK(i));
        ASSERT(e != NULL);
        ASSERT_EQ_INT((uintptr_t)dictGetVal(e), i * 3);
    }
    ASSERT(dictFind(d, IK(n)) == NULL);

    /* Delete most, then shrink; lookups keep working mid-rehash. */
    for (long i = 0; i < n - 100; i++) ASSERT_EQ_INT(dictDelete(d, IK(i)), DICT_OK);
    ASSERT_EQ_INT(dictSize(d), 100);
    ASSERT_EQ_INT(dictResize(d), DICT_OK);
    ASSERT(dictIsRehashing(d));
    ASSERT_EQ_INT(dictResize(d), DICT_ERR); /* already rehashing */
    for (long i = n - 100; i < n; i++) ASSERT(dictFind(d, IK(i)) != NULL);
    while (dictRehash(d, 1)) {
    }
    ASSERT_EQ_INT(dictSlots(d), 128);
    ASSERT_EQ_INT(dictResize(d), DICT_ERR); /* already minimal */

    /* Explicit expand rules. */
    ASSERT_EQ_INT(dictExpand(d, 10), DICT_ERR); /* below the element count */
    ASSERT_EQ_INT(dictExpand(d, 1000), DICT_OK);
    ASSERT_EQ_INT(dictSlots(d), 128 + 1024);
    ASSERT_EQ_INT(dictRehashMilliseconds(d, 100) >= 0, 1);
    while (dictIsRehashing(d)) dictRehashMilliseconds(d, 10);
    ASSERT_EQ_INT(dictSlots(d), 1024);
    ASSERT_EQ_INT(dictTryExpand(d, 4096), DICT_OK);
    while (dictIsRehashing(d)) dictRehash(d, 1000);
    ASSERT_EQ_INT(dictExpand(d, ~0UL), DICT_ERR);
    ASSERT_EQ_INT(dictTryExpand(d, ~0UL), DICT_ERR);
    ASSERT_EQ_INT(dictSize(d), 100);

    char stats[4096];
    dictGetStats(stats, sizeof(stats), d);
    ASSERT(strstr(stats, "table size: 4096") != NULL);
    ASSERT(strstr(stats, "number of elements: 100") != NULL);
    dictGetStats(stats, 8, d); /* truncation stays terminated */
    ASSERT_EQ_INT(strlen(stats), 7);
    dictRelease(d);

    d = dictCreate(&intDictType);
    dictGetStats(stats, sizeof(stats), d);
    ASSERT(strstr(stats, "No stats") != NULL);
    ASSERT_EQ_INT(dictResize(d), DICT_OK); /* creates the initial table */
    dictRelease(d);
}

TEST_CASE(testDisableResize) {
    dict *d = dictCreate(&intDictType);
    dictDisableResize();
    long i;
    for (i = 0; i < 24; i++) dictAdd(d, IK(i), NULL);
    /* Up to 6 per bucket the table must not grow... */
    int grew = dictSlots(d) != 4 || dictIsRehashing(d);
    ASSERT_EQ_INT(dictResize(d), DICT_ERR);
    dictAdd(d, IK(i), NULL);
    /* ...but beyond the forced ratio it must. */
    int grewAfter = dictIsRehashing(d) || dictSlots(d) > 4;
    dictEnableResize();
    dictRelease(d);
    ASSERT(!grew);
    ASSERT(grewAfter);

    /* expandAllowed can veto growth; the dict just gets crowded. */
    d = dictCreate(&guardedDictType);
    refuseExpand = 1;
    for (i = 0; i < 50; i++) ASSERT_EQ_INT(dictAdd(d, IK(i), NULL), DICT_OK);
    grew = dictSlots(d) != 4;
    refuseExpand = 0;
    dictAdd(d, IK(i), NULL);
    grewAfter = dictSlots(d) > 4;
    for (i = 0; i <= 50; i++) ASSERT(dictFind(d, IK(i)) != NULL);
    dictRelease(d);
    ASSERT(!grew);
    ASSERT(grewAfter);
}

/* Puts <d> in the middle of growing from 2^k buckets. */
static void startRehash(dict *d) {
    ASSERT(!dictIsRehashing(d));
    dictExpand(d, dictSize(d) * 4);
}

TEST_CASE(testIterators) {
    dict *d = dictCreate(&intDictType);
    const long n = 3000;
    for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
    while (dictIsRehashing(d)) dictRehash(d, 100);

    /* Empty dict and never-started iterators. */
    dict *e = dictCreate(&intDictType);
    dictIterator *it = dictGetIterator(e);
    ASSERT(dictNext(it) == NULL);
    dictReleaseIterator(it);
    dictReleaseIterator(dictGetSafeIterator(d));
    dictRelease(e);

    /* Unsafe iteration in the middle of a rehash sees each key once. */
    startRehash(d);
    dictRehash(d, 50);
    ASSERT(dictIsRehashing(d));
    unsigned char *seen = zcalloc((size_t)n);
    it = dictGetIterator(d);
    dictEntry *de;
    long count = 0;
    while ((de = dictNext(it)) != NULL) {
        long k = KI(dictGetKey(de));
        ASSERT(k >= 0 && k < n);
        seen[k]++;
        count++;
    }
    dictReleaseIterator(it);
    ASSERT_EQ_INT(count, n);
    for (long i = 0; i < n; i++) ASSERT_EQ_INT(seen[i], 1);

    /* Safe iteration may delete the current entry and look keys up; the
     * rehash is paused while it runs. */
    memset(seen, 0, (size_t)n);
    long rehashidx = d->rehashidx;
    it = dictGetSafeIterator(d);
    count = 0;
    while ((de = dictNext(it)) != NULL) {
        long k = KI(dictGetKey(de));
        seen[k]++;
        count++;
        if (k % 2 == 0) ASSERT_EQ_INT(dictDelete(d, IK(k)), DICT_OK);
        ASSERT(dictFind(d, IK((k + 1) % n)) != NULL || (k + 1) % n % 2 == 0);
    }
    ASSERT_EQ_INT(d->rehashidx, rehashidx);
    dictReleaseIterator(it);
    ASSERT_EQ_INT(count, n);
    for (long i = 0; i < n; i++) ASSERT_EQ_INT(seen[i], 1);
    ASSERT_EQ_INT(dictSize(d), n / 2);
    zfree(seen);

    dictFind(d, IK(1)); /* rehashing resumes after release */
    ASSERT(!dictIsRehashing(d) || d->rehashidx != rehashidx);
    dictRelease(d);
}

/* An unsafe iterator whose dict changes must trip its assertion. */
TEST_CASE(testUnsafeIteratorFingerprint) {
    fflush(stdout);
    pid_t pid = fork();
    ASSERT(pid != -1);
    if (pid == 0) {
        /* Keep the expected assertion message out of the test output. */
        if (freopen("/dev/null", "w", stderr) == NULL) _exit(2);
        dict *d = dictCreate(&intDictType);
        for (long i = 0; i < 10; i++) dictAdd(d, IK(i), NULL);
        dictIterator *it = dictGetIterator(d);
        dictNext(it);
        dictAdd(d, IK(100), NULL);
        dictReleaseIterator(it);
        _exit(0);
    }
    int status;
    ASSERT(waitpid(pid, &status, 0) == pid);
    ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void scanCount(void *privdata, const dictEntry *de) {
    unsigned *seen = privdata;
    long k = KI(dictGetKey(de));
    if (k < 100000) seen[k]++;
}

TEST_CASE(testScanStable) {
    dict *d = dictCreate(&intDictType);
    const long n = 1000;
    unsigned *seen = zcalloc(sizeof(unsigned) * 100000);
    ASSERT_EQ_INT(dictScan(d, 0, scanCount, seen), 0); /* empty */
    for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
    while (dictIsRehashing(d)) dictRehash(d, 100);
    unsigned long cursor = 0;
    long calls = 0;
    do {
        cursor = dictScan(d, cursor, scanCount, seen);
        calls++;
    } while (cursor != 0);
    /* Without resizes every element comes exactly once, one bucket a call. */
    for (long i = 0; i < n; i++) ASSERT_EQ_INT(seen[i], 1);
    ASSERT_EQ_INT(calls, (long)dictSlots(d));
    zfree(seen);
    dictRelease(d);
}

/* Scans a dict of stable keys 0..n-1 while, between calls, extra keys are
 * added and removed and the table grows, shrinks and rehashes. Every stable
 * key must come back at least once. */
static int scanRunsGrew, scanRunsShrank, scanRunsRehashing;
static int scanUnderResize(unsigned seed, long n) {
    srandom(seed);
    dict *d = dictCreate(&intDictType);
    unsigned *seen = zcalloc(sizeof(unsigned) * 100000);
    for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
    long nextExtra = 100000, firstExtra = 100000;
    unsigned long cursor = 0;
    long steps = 0;
    int ok = 1, grew = 0, shrank = 0, rehashing = 0;

    do {
        if (dictIsRehashing(d)) rehashing = 1;
        cursor = dictScan(d, cursor, scanCount, seen);
        steps++;
        switch (random() % 6) {
        case 0: /* a burst of inserts: grow */
            for (long j = random() % (2 * n); j > 0; j--) dictAdd(d, IK(nextExtra++), NULL);
            if (dictIsRehashing(d)) grew = 1;
            break;
        case 1: /* drop every extra key and shrink */
            for (long k = firstExtra; k < nextExtra; k++) dictDelete(d, IK(k));
            firstExtra = nextExtra;
            if (dictResize(d) == DICT_OK) shrank = 1;
            break;
        case 2:
            dictRehash(d, (int)(random() % 8));
            break;
        case 3:
            while (dictIsRehashing(d)) dictRehash(d, 100);
            break;
        case 4:
            if (!dictIsRehashing(d) && dictExpand(d, dictSize(d) * 8) == DICT_OK)
                grew = 1;
            break;
        default:
            break;
        }
    } while (cursor != 0 && steps < 10000000);

    for (long i = 0; i < n; i++) {
        if (seen[i] == 0) {
            fprintf(stderr, "  seed %u: key %ld never returned\n", seed, i);
            ok = 0;
            break;
        }
    }
    scanRunsGrew += grew;
    scanRunsShrank += shrank;
    scanRunsRehashing += rehashing;
    zfree(seen);
    dictRelease(d);
    return ok;
}

TEST_CASE(testScanWithResize) {
    scanRunsGrew = scanRunsShrank = scanRunsRehashing = 0;
    for (unsigned seed = 1; seed <= 60; seed++) {
        ASSERT(scanUnderResize(seed, 1 + (long)(seed * 37 % 300)));
    }
    /* The runs must really have resized mid-scan, or this proves nothing. */
    ASSERT(scanRunsGrew > 30);
    ASSERT(scanRunsShrank > 30);
    ASSERT(scanRunsRehashing > 30);
}

/* The cursor also survives a resize that happens between every call. */
/* dictScanPassed: while a table only grows (inserts, rehash steps, an
 * explicit expand), after every scan call a stable key has been returned
 * exactly when dictScanPassed says its bucket is behind the cursor, and
 * never twice (the fork-less snapshot relies on both). */
TEST_CASE(testScanPassedWhileGrowing) {
    for (unsigned seed = 1; seed <= 20; seed++) {
        srandom(seed);
        dict *d = dictCreate(&intDictType);
        const long n = 200 + (long)(seed * 53 % 500);
        unsigned *seen = zcalloc(sizeof(unsigned) * 100000);
        for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
        long nextExtra = 100000 - 1;
        unsigned long cursor = 0;
        do {
            cursor = dictScan(d, cursor, scanCount, seen);
            for (long i = 0; i < n; i++) {
                int passed = cursor == 0 || dictScanPassed(cursor, intHash(IK(i)));
                ASSERT_EQ_INT(seen[i], (unsigned)passed);
            }
            switch (random() % 4) {
            case 0: /* extra keys (not counted: beyond seen[]) grow it */
                if (dictSize(d) < 8 * (unsigned long)n)
                    for (long j = random() % n; j > 0; j--)
                        dictAdd(d, IK(nextExtra++), NULL);
                break;
            case 1:
                dictRehash(d, (int)(random() % 8));
                break;
            case 2:
                if (!dictIsRehashing(d) && dictSlots(d) < 16 * (unsigned long)n)
                    dictExpand(d, dictSlots(d) * 2);
                break;
            default:
                break;
            }
        } while (cursor != 0);
        zfree(seen);
        dictRelease(d);
    }
}

TEST_CASE(testScanAlternatingSizes) {
    dict *d = dictCreate(&intDictType);
    const long n = 500;
    unsigned *seen = zcalloc(sizeof(unsigned) * 100000);
    for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
    unsigned long cursor = 0;
    long extra = 100000, round = 0;
    do {
        cursor = dictScan(d, cursor, scanCount, seen);
        while (dictIsRehashing(d)) dictRehash(d, 100);
        if (round++ % 2 == 0) {
            for (long j = 0; j < 2000; j++) dictAdd(d, IK(extra + j), NULL);
        } else {
            for (long j = 0; j < 2000; j++) dictDelete(d, IK(extra + j));
            dictResize(d);
        }
        while (dictIsRehashing(d)) dictRehash(d, 100);
    } while (cursor != 0);
    for (long i = 0; i < n; i++) ASSERT(seen[i] >= 1);
    zfree(seen);
    dictRelease(d);
}

TEST_CASE(testRandomKeys) {
    srandom(42);
    dict *d = dictCreate(&intDictType);
    const long n = 64;
    for (long i = 0; i < n; i++) dictAdd(d, IK(i), NULL);
    while (dictIsRehashing(d)) dictRehash(d, 100);

    unsigned seen[64] = {0};
    for (int r = 0; r < 20000; r++) {
        dictEntry *de = dictGetRandomKey(d);
        ASSERT(de != NULL);
        seen[KI(dictGetKey(de))]++;
    }
    for (long i = 0; i < n; i++) ASSERT(seen[i] > 0);

    /* Also while rehashing. */
    startRehash(d);
    ASSERT(dictIsRehashing(d));
    memset(seen, 0, sizeof(seen));
    for (int r = 0; r < 20000; r++) {
        dictEntry *de = dictGetFairRandomKey(d);
        ASSERT(de != NULL);
        seen[KI(dictGetKey(de))]++;
    }
    for (long i = 0; i < n; i++) ASSERT(seen[i] > 0);

    dictEntry *des[100];
    for (int r = 0; r < 200; r++) {
        if (r == 100) startRehash(d);
        unsigned int got = dictGetSomeKeys(d, des, 10);
        ASSERT(got > 0 && got <= 10);
        for (unsigned int j = 0; j < got; j++) {
            long k = KI(dictGetKey(des[j]));
            ASSERT(k >= 0 && k < n);
        }
        while (r < 100 && dictIsRehashing(d)) dictRehash(d, 100);
    }
    /* Asking for more than there is returns at most all of them. */
    ASSERT(dictGetSomeKeys(d, des, 100) <= (unsigned)n);
    dictRelease(d);

    d = dictCreate(&intDictType);
    ASSERT_EQ_INT(dictGetSomeKeys(d, des, 10), 0);
    ASSERT(dictGetFairRandomKey(d) == NULL);
    dictAdd(d, IK(7), NULL);
    ASSERT_EQ_INT(dictGetSomeKeys(d, des, 10), 1);
    ASSERT_EQ_INT(KI(dictGetKey(des[0])), 7);
    ASSERT_EQ_INT(KI(dictGetKey(dictGetRandomKey(d))), 7);
    dictRelease(d);
}

static int emptyCallbacks;
static void onEmpty(dict *d) {
    (void)d;
    emptyCallbacks++;
}

TEST_CASE(testEmpty) {
    dict *d = dictCreate(&sdsDictType);
    for (long i = 0; i < 100; i++) dictAdd(d, keyOf(i), sdsNew("v"));
    keysFreed = valsFreed = 0;
    dictEmpty(d, NULL);
    ASSERT_EQ_INT(keysFreed, 100);
    ASSERT_EQ_INT(valsFreed, 100);
    ASSERT_EQ_INT(dictSize(d), 0);
    ASSERT_EQ_INT(dictSlots(d), 0);
    ASSERT(!dictIsRehashing(d));
    /* Usable again afterwards. */
    ASSERT_EQ_INT(dictAdd(d, keyOf(1), sdsNew("w")), DICT_OK);
    sds k = keyOf(1);
    ASSERT_EQ_STR(dictFetchValue(d, k), "w");
    sdsFree(k);
    dictRelease(d);

    d = dictCreate(&intDictType);
    for (long i = 0; i < 70000; i++) dictAdd(d, IK(i), NULL);
    while (dictIsRehashing(d)) dictRehash(d, 1000);
    ASSERT_EQ_INT(dictSlots(d), 131072);
    emptyCallbacks = 0;
    dictEmpty(d, onEmpty);
    ASSERT_EQ_INT(emptyCallbacks, 2);
    dictRelease(d);
}

/* -------------------------------- adlist -------------------------------- */

static int listFreed;
static void countFree(void *p) {
    (void)p;
    listFreed++;
}
static int matchInt(void *ptr, void *key) {
    return *(int *)ptr == *(int *)key;
}

/* Checks links both ways against the expected values <want>. */
static int listIs(list *l, const int *want, unsigned long n) {
    if (listLength(l) != n) return 0;
    listIter it;
    listNode *node;
    unsigned long i = 0;
    listGetIterator(l, &it, AL_START_HEAD);
    while ((node = listNext(&it)) != NULL) {
        if (i >= n || *(int *)listNodeValue(node) != want[i]) return 0;
        i++;
    }
    if (i != n) return 0;
    listGetIterator(l, &it, AL_START_TAIL);
    while ((node = listNext(&it)) != NULL) {
        if (i == 0 || *(int *)listNodeValue(node) != want[--i]) return 0;
    }
    return i == 0 && (n == 0 ? l->head == NULL && l->tail == NULL
                             : l->head->prev == NULL && l->tail->next == NULL);
}

TEST_CASE(testList) {
    int v[10];
    for (int i = 0; i < 10; i++) v[i] = i;
    list *l = listCreate();
    ASSERT(listIs(l, NULL, 0));
    listAddNodeTail(l, &v[1]);
    listAddNodeTail(l, &v[2]);
    listAddNodeHead(l, &v[0]);
    ASSERT(listIs(l, (int[]){0, 1, 2}, 3));

    listInsertNode(l, listFirst(l), &v[5], 1);
    listInsertNode(l, listFirst(l), &v[6], 0);
    listInsertNode(l, listLast(l), &v[7], 1);
    ASSERT(listIs(l, (int[]){6, 0, 5, 1, 2, 7}, 6));

    ASSERT(*(int *)listNodeValue(listIndex(l, 0)) == 6);
    ASSERT(*(int *)listNodeValue(listIndex(l, -1)) == 7);
    ASSERT(*(int *)listNodeValue(listIndex(l, -6)) == 6);
    ASSERT(*(int *)listNodeValue(listIndex(l, 2)) == 5);
    ASSERT(listIndex(l, 6) == NULL);
    ASSERT(listIndex(l, -7) == NULL);

    ASSERT(listSearchKey(l, &v[5]) == listIndex(l, 2));
    int key = 1;
    ASSERT(listSearchKey(l, &key) == NULL); /* identity without a matcher */
    listSetMatchMethod(l, matchInt);
    ASSERT(listSearchKey(l, &key) == listIndex(l, 3));
    key = 9;
    ASSERT(listSearchKey(l, &key) == NULL);

    listRotateTailToHead(l);
    ASSERT(listIs(l, (int[]){7, 6, 0, 5, 1, 2}, 6));
    listRotateHeadToTail(l);
    ASSERT(listIs(l, (int[]){6, 0, 5, 1, 2, 7}, 6));
    listMoveNodeToTail(l, listIndex(l, 1));
    ASSERT(listIs(l, (int[]){6, 5, 1, 2, 7, 0}, 6));
    listMoveNodeToTail(l, listFirst(l));
    ASSERT(listIs(l, (int[]){5, 1, 2, 7, 0, 6}, 6));
    listMoveNodeToTail(l, listLast(l));
    ASSERT(listIs(l, (int[]){5, 1, 2, 7, 0, 6}, 6));

    /* Delete while iterating: the current node may go. */
    listSetFreeMethod(l, countFree);
    listFreed = 0;
    listIter it;
    listNode *node;
    listGetIterator(l, &it, AL_START_HEAD);
    while ((node = listNext(&it)) != NULL) {
        if (*(int *)listNodeValue(node) % 2 == 1) listDelNode(l, node);
    }
    ASSERT_EQ_INT(listFreed, 3);
    ASSERT(listIs(l, (int[]){2, 0, 6}, 3));

    list *o = listCreate();
    listAddNodeTail(o, &v[8]);
    listAddNodeTail(o, &v[9]);
    listJoin(l, o);
    ASSERT(listIs(l, (int[]){2, 0, 6, 8, 9}, 5));
    ASSERT(listIs(o, NULL, 0));
    listJoin(o, l); /* into an empty list */
    ASSERT(listIs(o, (int[]){2, 0, 6, 8, 9}, 5));
    ASSERT(listIs(l, NULL, 0));
    listJoin(o, l); /* joining an empty list is a no-op */
    ASSERT(listIs(o, (int[]){2, 0, 6, 8, 9}, 5));

    /* Single-element rotations and deletions. */
    listRelease(l);
    l = listCreate();
    listAddNodeHead(l, &v[3]);
    listRotateHeadToTail(l);
    listRotateTailToHead(l);
    ASSERT(listIs(l, (int[]){3}, 1));
    listDelNode(l, listFirst(l));
    ASSERT(listIs(l, NULL, 0));
    listRelease(l);

    listSetFreeMethod(o, countFree);
    listFreed = 0;
    listEmpty(o);
    ASSERT_EQ_INT(listFreed, 5);
    ASSERT(listIs(o, NULL, 0));
    listAddNodeTail(o, &v[1]);
    listRelease(o);
    ASSERT_EQ_INT(listFreed, 6);
}

static void scanCountAny(void *privdata, const dictEntry *de) {
    (void)de;
    (*(long *)privdata)++;
}

/* A keys-only dict (sets): entries are 16-byte blocks, and adding,
 * finding, deleting, rehashing, iterating, scanning and random picks work
 * through the shorter entry. */
TEST_CASE(testKeysOnly) {
    size_t before = zmallocUsedMemory();
    dict *d = dictCreateKeysOnly(&sdsDictType);
    const long n = 5000;
    for (long i = 0; i < n; i++) ASSERT_EQ_INT(dictAdd(d, keyOf(i), NULL), DICT_OK);
    while (dictIsRehashing(d)) dictRehash(d, 100);
    ASSERT_EQ_INT(dictSize(d), n);
    /* The entries cost 16 bytes each, not 32 (plus keys and the table). */
    size_t keys = 0;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    long seen = 0;
    while ((de = dictNext(di)) != NULL) {
        keys += sdsAllocSize(dictGetKey(de));
        seen++;
    }
    dictReleaseIterator(di);
    ASSERT_EQ_INT(seen, n);
    size_t entries = zmallocUsedMemory() - before - zmallocSize(d) - keys -
                     dictSlots(d) * sizeof(dictEntry *);
    void *probe = zmalloc(sizeof(dictEntryNoValue));
    size_t block = zmallocSize(probe);
    zfree(probe);
    ASSERT_EQ_INT(sizeof(dictEntryNoValue), 16);
    ASSERT_EQ_INT(entries, (size_t)n * block);

    sds k = keyOf(1234);
    ASSERT(dictFind(d, k) != NULL);
    dictEntry *existing = NULL;
    ASSERT(dictAddRaw(d, k, &existing) == NULL);
    ASSERT(existing != NULL && sdsCmp(dictGetKey(existing), k) == 0);
    ASSERT_EQ_INT(dictDelete(d, k), DICT_OK);
    ASSERT(dictFind(d, k) == NULL);
    sdsFree(k);

    /* Delete most while rehashing to a smaller table: the chains stay
     * intact. */
    for (long i = 0; i < n; i++) {
        if (i % 10 == 0 || i == 1234) continue;
        k = keyOf(i);
        ASSERT_EQ_INT(dictDelete(d, k), DICT_OK);
        sdsFree(k);
    }
    dictResize(d);
    while (dictIsRehashing(d)) dictRehash(d, 1);
    ASSERT_EQ_INT(dictSize(d), n / 10);
    for (long i = 0; i < n; i += 10) {
        k = keyOf(i);
        ASSERT(dictFind(d, k) != NULL);
        sdsFree(k);
    }
    for (int i = 0; i < 100; i++) {
        ASSERT(dictGetRandomKey(d) != NULL);
        ASSERT(dictGetFairRandomKey(d) != NULL);
    }
    unsigned long cursor = 0;
    long scanned = 0;
    do {
        cursor = dictScan(d, cursor, scanCountAny, &scanned);
    } while (cursor != 0);
    ASSERT(scanned >= n / 10);
    dictRelease(d);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
}

int main(void) {
    RUN_TEST(testAddFindReplaceDelete);
    RUN_TEST(testCaseInsensitive);
    RUN_TEST(testHashFunction);
    RUN_TEST(testGrowAndRehash);
    RUN_TEST(testDisableResize);
    RUN_TEST(testIterators);
    RUN_TEST(testUnsafeIteratorFingerprint);
    RUN_TEST(testScanStable);
    RUN_TEST(testScanWithResize);
    RUN_TEST(testScanAlternatingSizes);
    RUN_TEST(testScanPassedWhileGrowing);
    RUN_TEST(testRandomKeys);
    RUN_TEST(testEmpty);
    RUN_TEST(testList);
    RUN_TEST(testKeysOnly);
    return TEST_REPORT();
}
