/* dict.c: chained hash tables with incremental rehashing.
 *
 * Owns: the two bucket arrays of every dict and the entries in them, the
 * global "may resize" switch and the hash seed. Keys and values belong to
 * the dict only through its dictType's dup/destructor callbacks.
 * Invariants: ht_table[1] is non-NULL exactly while rehashidx != -1; while
 * rehashing, buckets of table 0 below rehashidx are empty; new entries go
 * to table 1 while rehashing; a table's size is a power of two.
 * Must not touch: anything above the platform layer. */
#include "dict.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zmalloc.h"

/* While a fork child shares our pages, growing is put off (copy-on-write)
 * until a table is this many times over-full. */
#define DICT_FORCE_RESIZE_RATIO 5
/* dictEmpty calls its callback once per this many buckets. */
#define DICT_EMPTY_CALLBACK_STEP 65536
#define DICT_FAIR_SAMPLE 15

/* The chain link of <de> in <d>: its place depends on whether the type keeps
 * values (dictEntry) or keys only (dictEntryNoValue). An lvalue. */
static inline dictEntry **dictNextRef(const dict *d, dictEntry *de) {
    return d->no_value ? &((dictEntryNoValue *)de)->next : &de->next;
}
#define DE_NEXT(d, de) (*dictNextRef((d), (de)))

static int dictCanResize = 1;
static uint8_t dictHashSeed[16];

/* ----------------------------- hash functions ----------------------------- */

static inline uint64_t dictRotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t dictLoad64(const uint8_t *p) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, sizeof(v)); /* one unaligned load */
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
#endif
}

#define SIP_ROUND(v0, v1, v2, v3)                                          \
    do {                                                                   \
        v0 += v1; v1 = dictRotl(v1, 13); v1 ^= v0; v0 = dictRotl(v0, 32);  \
        v2 += v3; v3 = dictRotl(v3, 16); v3 ^= v2;                         \
        v0 += v3; v3 = dictRotl(v3, 21); v3 ^= v0;                         \
        v2 += v1; v1 = dictRotl(v1, 17); v1 ^= v2; v2 = dictRotl(v2, 32);  \
    } while (0)

/* SipHash-c-d of <len> bytes at <in> under the 16-byte <key>, as defined by
 * Aumasson and Bernstein, "SipHash: a fast short-input PRF" (2012). With
 * <nocase>, ASCII letters are folded to lower case before hashing. */
static inline __attribute__((always_inline)) uint64_t
dictSipHash(const uint8_t *in, size_t len, const uint8_t *key, int crounds,
            int drounds, int nocase) {
    uint64_t k0 = dictLoad64(key), k1 = dictLoad64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    const uint8_t *end = in + (len - (len % 8));

    for (; in != end; in += 8) {
        uint64_t m;
        if (nocase) {
            uint8_t block[8];
            for (int i = 0; i < 8; i++) block[i] = (uint8_t)tolower(in[i]);
            m = dictLoad64(block);
        } else {
            m = dictLoad64(in);
        }
        v3 ^= m;
        for (int r = 0; r < crounds; r++) SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }

    /* Last block: the remaining bytes, then the length mod 256 on top. */
    uint64_t m = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++) {
        uint8_t b = nocase ? (uint8_t)tolower(in[i]) : in[i];
        m |= (uint64_t)b << (8 * i);
    }
    v3 ^= m;
    for (int r = 0; r < crounds; r++) SIP_ROUND(v0, v1, v2, v3);
    v0 ^= m;

    v2 ^= 0xff;
    for (int r = 0; r < drounds; r++) SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Sets the 16-byte secret <seed> of dictGenHashFunction; call it once at
 * start-up, before any dict holds keys, with random bytes (hash flooding
 * resistance depends on it being unpredictable). */
void dictSetHashFunctionSeed(const uint8_t *seed) {
    memcpy(dictHashSeed, seed, sizeof(dictHashSeed));
}

/* Returns SipHash-1-2 of the <len> bytes at <key> under the seed. */
uint64_t dictGenHashFunction(const void *key, size_t len) {
    return dictSipHash(key, len, dictHashSeed, 1, 2, 0);
}

/* Like dictGenHashFunction but ASCII case-insensitive: keys that differ
 * only in letter case hash the same. */
uint64_t dictGenCaseHashFunction(const unsigned char *buf, size_t len) {
    return dictSipHash(buf, len, dictHashSeed, 1, 2, 1);
}

/* -------------------------------- basics --------------------------------- */

static void dictResetTable(dict *d, int htidx) {
    d->ht_table[htidx] = NULL;
    d->ht_size_exp[htidx] = -1;
    d->ht_used[htidx] = 0;
}

static inline unsigned long dictMask(const dict *d, int htidx) {
    return DICTHT_SIZE(d->ht_size_exp[htidx]) - 1;
}

/* See dict.h. */
void dictPauseRehashing(dict *d) {
    d->pauserehash++;
}

/* See dict.h. */
void dictResumeRehashing(dict *d) {
    assert(d->pauserehash > 0);
    d->pauserehash--;
}

/* Creates an empty dict with behaviour <type> (which must outlive it). No
 * table is allocated until the first insert. The caller owns the dict. */
dict *dictCreate(dictType *type) {
    dict *d = zmalloc(sizeof(*d));
    d->type = type;
    dictResetTable(d, 0);
    dictResetTable(d, 1);
    d->rehashidx = -1;
    d->pauserehash = 0;
    d->privdata = NULL;
    d->no_value = 0;
    return d;
}

/* Like dictCreate, but the dict keeps keys only: its entries are the
 * smaller dictEntryNoValue and dictGetVal must not be used on them. */
dict *dictCreateKeysOnly(dictType *type) {
    dict *d = dictCreate(type);
    d->no_value = 1;
    return d;
}

/* Smallest exponent e with 2^e >= <size> (at least the initial one), or -1
 * when no such table could be addressed. */
static signed char dictNextExp(unsigned long size) {
    signed char e = DICT_HT_INITIAL_EXP;
    if (size > (ULONG_MAX >> 1) + 1) return -1;
    while (((unsigned long)1 << e) < size) e++;
    return e;
}

static int dictExpandImpl(dict *d, unsigned long size, int tryAlloc,
                          int *mallocFailed) {
    if (mallocFailed) *mallocFailed = 0;
    if (dictIsRehashing(d) || d->ht_used[0] > size) return DICT_ERR;

    signed char exp = dictNextExp(size);
    if (exp < 0) return DICT_ERR;
    unsigned long newsize = (unsigned long)1 << exp;
    if (newsize > SIZE_MAX / sizeof(dictEntry *)) return DICT_ERR;
    if (exp == d->ht_size_exp[0]) return DICT_ERR;

    size_t bytes = newsize * sizeof(dictEntry *);
    dictEntry **table;
    if (tryAlloc) {
        table = ztrycalloc(bytes);
        if (table == NULL) {
            if (mallocFailed) *mallocFailed = 1;
            return DICT_ERR;
        }
    } else {
        table = zcalloc(bytes);
    }

    if (d->ht_table[0] == NULL) {
        /* First allocation: nothing to migrate. */
        d->ht_table[0] = table;
        d->ht_size_exp[0] = exp;
        d->ht_used[0] = 0;
        return DICT_OK;
    }
    d->ht_table[1] = table;
    d->ht_size_exp[1] = exp;
    d->ht_used[1] = 0;
    d->rehashidx = 0;
    return DICT_OK;
}

/* Starts resizing <d> to the smallest power of two >= <size> (the move
 * happens incrementally). Returns DICT_ERR when already rehashing, when
 * <size> is below the number of elements or gives the current size. */
int dictExpand(dict *d, unsigned long size) {
    return dictExpandImpl(d, size, 0, NULL);
}

/* Like dictExpand, but an allocation failure returns DICT_ERR instead of
 * aborting (for sizes that come from outside, such as an RDB header). */
int dictTryExpand(dict *d, unsigned long size) {
    int failed;
    int ret = dictExpandImpl(d, size, 1, &failed);
    return failed ? DICT_ERR : ret;
}

/* Moves up to <n> non-empty buckets from table 0 to table 1, visiting at
 * most 10*<n> empty buckets so one call stays short. Returns 1 if there is
 * more to move, 0 when rehashing is finished (or was not running). */
int dictRehash(dict *d, int n) {
    int emptyVisits = n * 10;
    if (!dictIsRehashing(d)) return 0;

    while (n-- && d->ht_used[0] != 0) {
        assert(DICTHT_SIZE(d->ht_size_exp[0]) > (unsigned long)d->rehashidx);
        while (d->ht_table[0][d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--emptyVisits == 0) return 1;
        }
        dictEntry *de = d->ht_table[0][d->rehashidx];
        while (de) {
            dictEntry *next = DE_NEXT(d, de);
            unsigned long idx = dictHashKey(d, de->key) & dictMask(d, 1);
            DE_NEXT(d, de) = d->ht_table[1][idx];
            d->ht_table[1][idx] = de;
            d->ht_used[0]--;
            d->ht_used[1]++;
            de = next;
        }
        d->ht_table[0][d->rehashidx] = NULL;
        d->rehashidx++;
    }

    if (d->ht_used[0] == 0) {
        zfree(d->ht_table[0]);
        d->ht_table[0] = d->ht_table[1];
        d->ht_used[0] = d->ht_used[1];
        d->ht_size_exp[0] = d->ht_size_exp[1];
        dictResetTable(d, 1);
        d->rehashidx = -1;
        return 0;
    }
    return 1;
}

static long long dictTimeMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rehashes <d> in steps of 100 buckets for about <ms> milliseconds (for the
 * server's cron). Returns the number of buckets steps done, 0 if paused. */
int dictRehashMilliseconds(dict *d, int ms) {
    if (d->pauserehash > 0) return 0;
    long long start = dictTimeMs();
    int rehashes = 0;
    while (dictRehash(d, 100)) {
        rehashes += 100;
        if (dictTimeMs() - start > ms) break;
    }
    return rehashes;
}

/* One step of rehashing, piggy-backed on ordinary operations. Skipped while
 * a safe iterator or a scan holds the dict, because moving entries under
 * them would make them see some twice or miss some. */
static void dictRehashStep(dict *d) {
    if (d->pauserehash == 0) dictRehash(d, 1);
}

/* Grows table 0 when it is full (see DICT_FORCE_RESIZE_RATIO). Afterwards
 * table 0 always exists: the first allocation cannot fail (zcalloc aborts
 * rather than return NULL). */
static void dictExpandIfNeeded(dict *d) {
    if (dictIsRehashing(d)) return;
    if (d->ht_size_exp[0] == -1) {
        (void)dictExpand(d, 1UL << DICT_HT_INITIAL_EXP);
        return;
    }

    unsigned long size = DICTHT_SIZE(d->ht_size_exp[0]);
    unsigned long used = d->ht_used[0];
    if (used < size) return;
    if (!dictCanResize && used / size <= DICT_FORCE_RESIZE_RATIO) return;
    if (d->type->expandAllowed) {
        size_t more = (size_t)DICTHT_SIZE(dictNextExp(used + 1)) * sizeof(dictEntry *);
        if (!d->type->expandAllowed(more, (double)used / (double)size)) return;
    }
    /* A failed expand (size overflow) just leaves the table crowded. */
    (void)dictExpand(d, used + 1);
}

/* Returns the bucket index where <key> (with hash <hash>) should go, or -1
 * if it is already present (then *<existing> is set, when not NULL). Grows
 * the table first if needed. */
static long dictKeyIndex(dict *d, const void *key, uint64_t hash,
                         dictEntry **existing) {
    unsigned long idx = 0;
    if (existing) *existing = NULL;
    dictExpandIfNeeded(d);
    assert(d->ht_table[0] != NULL);
    for (int table = 0; table <= 1; table++) {
        idx = hash & dictMask(d, table);
        for (dictEntry *he = d->ht_table[table][idx]; he; he = DE_NEXT(d, he)) {
            if (key == he->key ||
                (d->type->keyCompare && d->type->keyCompare(d, key, he->key))) {
                if (existing) *existing = he;
                return -1;
            }
        }
        if (!dictIsRehashing(d)) break;
    }
    return (long)idx;
}

static inline int dictKeysEqual(dict *d, const void *k1, const void *k2) {
    return k1 == k2 || (d->type->keyCompare && d->type->keyCompare(d, k1, k2));
}

/* Sets the value of <de> to <val>, through the type's valDup if it has one.
 * The old value is not freed. */
void dictSetVal(dict *d, dictEntry *de, void *val) {
    if (d->no_value) {
        assert(val == NULL); /* a key-only dict keeps no value */
        return;
    }
    de->v.val = d->type->valDup ? d->type->valDup(d, val) : val;
}

/* Sets the key of <de> to <key>, through the type's keyDup if it has one. */
void dictSetKey(dict *d, dictEntry *de, void *key) {
    de->key = d->type->keyDup ? d->type->keyDup(d, key) : key;
}

/* ------------------------------ add / find ------------------------------- */

/* Inserts <key> with no value yet and returns the new entry, or returns NULL
 * and sets *<existing> (when not NULL) if the key is already there. The key
 * goes through keyDup if the type has one. */
dictEntry *dictAddRaw(dict *d, void *key, dictEntry **existing) {
    if (dictIsRehashing(d)) dictRehashStep(d);
    long index = dictKeyIndex(d, key, dictHashKey(d, key), existing);
    if (index == -1) return NULL;

    int htidx = dictIsRehashing(d) ? 1 : 0;
    dictEntry *entry = zmalloc(d->no_value ? sizeof(dictEntryNoValue)
                                                 : sizeof(dictEntry));
    DE_NEXT(d, entry) = d->ht_table[htidx][index];
    if (!d->no_value) entry->v.val = NULL;
    d->ht_table[htidx][index] = entry;
    d->ht_used[htidx]++;
    dictSetKey(d, entry, key);
    return entry;
}

/* Adds <key> -> <val>. Returns DICT_OK, or DICT_ERR if the key exists (then
 * nothing changes and the caller still owns <key> and <val>). */
int dictAdd(dict *d, void *key, void *val) {
    dictEntry *entry = dictAddRaw(d, key, NULL);
    if (entry == NULL) return DICT_ERR;
    dictSetVal(d, entry, val);
    return DICT_OK;
}

/* Returns the entry of <key>, adding it (with no value) if missing. */
dictEntry *dictAddOrFind(dict *d, void *key) {
    dictEntry *existing;
    dictEntry *entry = dictAddRaw(d, key, &existing);
    return entry ? entry : existing;
}

/* Sets <key> to <val>, adding the key if missing. Returns 1 if it was added,
 * 0 if an existing value was replaced (the old value is freed after the new
 * one is set, so replacing a value with itself under refcounting is safe;
 * the existing key is kept and <key> is not stored). */
int dictReplace(dict *d, void *key, void *val) {
    dictEntry *existing;
    dictEntry *entry = dictAddRaw(d, key, &existing);
    if (entry) {
        dictSetVal(d, entry, val);
        return 1;
    }
    assert(existing != NULL);
    void *oldval = existing->v.val;
    dictSetVal(d, existing, val);
    if (d->type->valDestructor) d->type->valDestructor(d, oldval);
    return 0;
}

/* Returns the entry of <key>, or NULL. */
dictEntry *dictFind(dict *d, const void *key) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) dictRehashStep(d);
    uint64_t h = dictHashKey(d, key);
    for (int table = 0; table <= 1; table++) {
        unsigned long idx = h & dictMask(d, table);
        for (dictEntry *he = d->ht_table[table][idx]; he; he = DE_NEXT(d, he)) {
            if (dictKeysEqual(d, key, he->key)) return he;
        }
        if (!dictIsRehashing(d)) return NULL;
    }
    return NULL;
}

/* Returns the value stored under <key>, or NULL if missing. */
void *dictFetchValue(dict *d, const void *key) {
    dictEntry *he = dictFind(d, key);
    return he ? dictGetVal(he) : NULL;
}

/* ------------------------------- deletion -------------------------------- */

static void dictFreeKeyVal(dict *d, dictEntry *he) {
    if (d->type->keyDestructor) d->type->keyDestructor(d, he->key);
    if (d->type->valDestructor && !d->no_value)
        d->type->valDestructor(d, he->v.val);
}

static dictEntry *dictGenericDelete(dict *d, const void *key, int nofree) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) dictRehashStep(d);
    uint64_t h = dictHashKey(d, key);

    for (int table = 0; table <= 1; table++) {
        unsigned long idx = h & dictMask(d, table);
        dictEntry *prev = NULL;
        for (dictEntry *he = d->ht_table[table][idx]; he; he = DE_NEXT(d, he)) {
            if (dictKeysEqual(d, key, he->key)) {
                if (prev)
                    DE_NEXT(d, prev) = DE_NEXT(d, he);
                else
                    d->ht_table[table][idx] = DE_NEXT(d, he);
                d->ht_used[table]--;
                if (!nofree) {
                    dictFreeKeyVal(d, he);
                    zfree(he);
                }
                return he;
            }
            prev = he;
        }
        if (!dictIsRehashing(d)) break;
    }
    return NULL;
}

/* Removes <key> and frees its key and value through the type. Returns
 * DICT_OK, or DICT_ERR if it was not there. */
int dictDelete(dict *d, const void *key) {
    return dictGenericDelete(d, key, 0) ? DICT_OK : DICT_ERR;
}

/* Removes the entry of <key> from the table without freeing anything and
 * returns it (NULL if missing); the caller then owns it and must give it to
 * dictFreeUnlinkedEntry. Lets a caller use a value after deleting it
 * without a second lookup. */
dictEntry *dictUnlink(dict *d, const void *key) {
    return dictGenericDelete(d, key, 1);
}

/* Frees <he>, returned by dictUnlink, with its key and value. NULL is a
 * no-op. */
void dictFreeUnlinkedEntry(dict *d, dictEntry *he) {
    if (he == NULL) return;
    dictFreeKeyVal(d, he);
    zfree(he);
}

static void dictClearTable(dict *d, int htidx, void(callback)(dict *)) {
    unsigned long size = DICTHT_SIZE(d->ht_size_exp[htidx]);
    for (unsigned long i = 0; i < size && d->ht_used[htidx] > 0; i++) {
        if (callback && (i & (DICT_EMPTY_CALLBACK_STEP - 1)) == 0) callback(d);
        dictEntry *he = d->ht_table[htidx][i];
        while (he) {
            dictEntry *next = DE_NEXT(d, he);
            dictFreeKeyVal(d, he);
            zfree(he);
            d->ht_used[htidx]--;
            he = next;
        }
    }
    zfree(d->ht_table[htidx]);
    dictResetTable(d, htidx);
}

/* Frees every entry of <d> (keys and values through the type) and both
 * tables, leaving an empty usable dict. <callback>, if not NULL, is called
 * with <d> every 65536 buckets so a long clear can serve other work. */
void dictEmpty(dict *d, void(callback)(dict *)) {
    dictClearTable(d, 0, callback);
    dictClearTable(d, 1, callback);
    d->rehashidx = -1;
    d->pauserehash = 0;
}

/* Frees <d> with all its entries. No iterator may be live. */
void dictRelease(dict *d) {
    dictClearTable(d, 0, NULL);
    dictClearTable(d, 1, NULL);
    zfree(d);
}

/* Shrinks <d> to the smallest power of two holding its elements (at least
 * the initial size). Returns DICT_ERR while resizing is disabled, while
 * rehashing, or when the size would not change. */
int dictResize(dict *d) {
    if (!dictCanResize || dictIsRehashing(d)) return DICT_ERR;
    unsigned long minimal = d->ht_used[0];
    if (minimal < (1UL << DICT_HT_INITIAL_EXP)) minimal = 1UL << DICT_HT_INITIAL_EXP;
    return dictExpand(d, minimal);
}

/* Allows automatic growth again (after dictDisableResize). */
void dictEnableResize(void) {
    dictCanResize = 1;
}

/* Defers growth (unless a table gets 5 times over-full) and forbids
 * dictResize, e.g. while a fork child shares memory with us. */
void dictDisableResize(void) {
    dictCanResize = 0;
}

/* ------------------------------- iterators ------------------------------- */

/* A 64-bit digest of the table pointers, sizes and counts. An unsafe
 * iterator records it at start; any add, delete or rehash step in between
 * changes it, which dictReleaseIterator turns into an assertion failure. */
static unsigned long long dictFingerprint(dict *d) {
    unsigned long long parts[6] = {
        (unsigned long long)(uintptr_t)d->ht_table[0],
        (unsigned long long)d->ht_size_exp[0],
        d->ht_used[0],
        (unsigned long long)(uintptr_t)d->ht_table[1],
        (unsigned long long)d->ht_size_exp[1],
        d->ht_used[1],
    };
    unsigned long long h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 6; i++) {
        h ^= parts[i];
        /* A bijective mixer, so no two different steps cancel out. */
        h ^= h >> 31;
        h *= 0xd6e8feb86659fd93ULL;
        h ^= h >> 29;
        h *= 0xcf1bbcdcb7a56463ULL;
        h ^= h >> 32;
    }
    return h;
}

/* Returns an unsafe iterator over <d>: only dictNext may be called on the
 * dict until it is released (no add, find or delete, which could rehash).
 * The caller frees it with dictReleaseIterator. */
dictIterator *dictGetIterator(dict *d) {
    dictIterator *iter = zmalloc(sizeof(*iter));
    iter->d = d;
    iter->table = 0;
    iter->index = -1;
    iter->safe = 0;
    iter->entry = NULL;
    iter->nextEntry = NULL;
    iter->fingerprint = 0;
    return iter;
}

/* Returns a safe iterator over <d>: the caller may add, find and delete
 * (including the entry just returned) while iterating; rehashing is paused
 * until the iterator is released. Entries added meanwhile may or may not be
 * returned. */
dictIterator *dictGetSafeIterator(dict *d) {
    dictIterator *iter = dictGetIterator(d);
    iter->safe = 1;
    return iter;
}

/* Returns the next entry of <iter>, or NULL at the end. */
dictEntry *dictNext(dictIterator *iter) {
    for (;;) {
        if (iter->entry == NULL) {
            if (iter->index == -1 && iter->table == 0) {
                if (iter->safe)
                    dictPauseRehashing(iter->d);
                else
                    iter->fingerprint = dictFingerprint(iter->d);
            }
            iter->index++;
            if ((unsigned long)iter->index >=
                DICTHT_SIZE(iter->d->ht_size_exp[iter->table])) {
                if (dictIsRehashing(iter->d) && iter->table == 0) {
                    iter->table++;
                    iter->index = 0;
                } else {
                    return NULL;
                }
            }
            iter->entry = iter->d->ht_table[iter->table][iter->index];
        } else {
            iter->entry = iter->nextEntry;
        }
        if (iter->entry) {
            /* Remember the successor now: the caller may delete entry. */
            iter->nextEntry = DE_NEXT(iter->d, iter->entry);
            return iter->entry;
        }
    }
}

/* Frees <iter>. For a safe iterator this resumes rehashing; for an unsafe
 * one it asserts that the dict was not modified while iterating. */
void dictReleaseIterator(dictIterator *iter) {
    if (!(iter->index == -1 && iter->table == 0)) {
        if (iter->safe) {
            dictResumeRehashing(iter->d);
        } else {
            assert(iter->fingerprint == dictFingerprint(iter->d));
        }
    }
    zfree(iter);
}

/* ----------------------------- random keys ------------------------------ */

static unsigned long dictRandom(void) {
    /* random() gives 31 bits; two calls cover any table size we can have. */
    return ((unsigned long)random() << 31) ^ (unsigned long)random();
}

/* Returns a random entry of <d>, or NULL if empty. Entries in long chains
 * are less likely to be picked (see dictGetFairRandomKey). */
dictEntry *dictGetRandomKey(dict *d) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) dictRehashStep(d);

    dictEntry *he;
    if (dictIsRehashing(d)) {
        unsigned long s0 = DICTHT_SIZE(d->ht_size_exp[0]);
        unsigned long span = s0 + DICTHT_SIZE(d->ht_size_exp[1]) -
                             (unsigned long)d->rehashidx;
        do {
            /* Buckets of table 0 below rehashidx are known to be empty. */
            unsigned long h = (unsigned long)d->rehashidx + dictRandom() % span;
            he = h >= s0 ? d->ht_table[1][h - s0] : d->ht_table[0][h];
        } while (he == NULL);
    } else {
        unsigned long mask = dictMask(d, 0);
        do {
            he = d->ht_table[0][dictRandom() & mask];
        } while (he == NULL);
    }

    unsigned long chainlen = 0;
    for (dictEntry *e = he; e; e = DE_NEXT(d, e)) chainlen++;
    unsigned long pick = dictRandom() % chainlen;
    while (pick--) he = DE_NEXT(d, he);
    return he;
}

/* Stores in <des> up to <count> entries taken from a random region of <d>
 * and returns how many it stored. Faster than <count> calls to
 * dictGetRandomKey, but the entries are neither independent nor guaranteed
 * distinct-from-a-fair-draw; used for eviction sampling. */
unsigned int dictGetSomeKeys(dict *d, dictEntry **des, unsigned int count) {
    unsigned long size = dictSize(d);
    if (size < count) count = (unsigned int)size;
    if (count == 0) return 0;
    unsigned long maxsteps = (unsigned long)count * 10;

    /* Help the rehash along, proportionally to the work asked of us. */
    for (unsigned int j = 0; j < count && dictIsRehashing(d); j++)
        dictRehashStep(d);

    int tables = dictIsRehashing(d) ? 2 : 1;
    unsigned long maxmask = dictMask(d, 0);
    if (tables > 1 && dictMask(d, 1) > maxmask) maxmask = dictMask(d, 1);

    unsigned long i = dictRandom() & maxmask;
    unsigned long emptyRun = 0;
    unsigned int stored = 0;
    while (stored < count && maxsteps--) {
        for (int j = 0; j < tables; j++) {
            if (tables == 2 && j == 0 && i < (unsigned long)d->rehashidx) {
                /* Already moved out of table 0. If table 1 is also too small
                 * for i, skip ahead to where table 0 still has entries. */
                if (i >= DICTHT_SIZE(d->ht_size_exp[1]))
                    i = (unsigned long)d->rehashidx;
                else
                    continue;
            }
            if (i >= DICTHT_SIZE(d->ht_size_exp[j])) continue;
            dictEntry *he = d->ht_table[j][i];
            if (he == NULL) {
                /* A long empty stretch: jump somewhere else. */
                emptyRun++;
                if (emptyRun >= 5 && emptyRun > count) {
                    i = dictRandom() & maxmask;
                    emptyRun = 0;
                }
                continue;
            }
            emptyRun = 0;
            for (; he; he = DE_NEXT(d, he)) {
                des[stored++] = he;
                if (stored == count) return stored;
            }
        }
        i = (i + 1) & maxmask;
    }
    return stored;
}

/* Returns a random entry of <d> (NULL if empty), picked from a sample of
 * several buckets so that entries in long chains are not under-drawn. */
dictEntry *dictGetFairRandomKey(dict *d) {
    dictEntry *entries[DICT_FAIR_SAMPLE];
    unsigned int count = dictGetSomeKeys(d, entries, DICT_FAIR_SAMPLE);
    if (count == 0) return dictGetRandomKey(d);
    return entries[dictRandom() % count];
}

/* --------------------------------- scan ---------------------------------- */

static unsigned long dictReverseBits(unsigned long v) {
    _Static_assert(sizeof(v) == 8, "64-bit cursors");
    v = __builtin_bswap64(v);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fUL) | ((v & 0x0f0f0f0f0f0f0f0fUL) << 4);
    v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
    v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
    return v;
}

/* See dict.h. */
int dictScanPassed(unsigned long cursor, uint64_t hash) {
    return dictReverseBits((unsigned long)hash) < dictReverseBits(cursor);
}

/* Advances cursor <v> for a table with mask <m>: increment the bits of the
 * mask counted from the high end. Higher bits are set first so the carry
 * runs through the masked bits only. */
static unsigned long dictCursorNext(unsigned long v, unsigned long m) {
    v |= ~m;
    v = dictReverseBits(v);
    v++;
    return dictReverseBits(v);
}

static void dictScanBucket(dict *d, dictEntry *he, dictScanFunction *fn, void *privdata) {
    while (he) {
        dictEntry *next = DE_NEXT(d, he);
        fn(privdata, he);
        he = next;
    }
}

/* Calls <fn>(<privdata>, entry) for the entries of the bucket(s) named by
 * cursor <v> and returns the cursor to pass next; start with 0, stop when 0
 * comes back. The cursor counts with its bits reversed, so a bucket of a
 * table of size 2^k and its images in a table of size 2^(k+n) are visited
 * together: every entry present for the whole scan is returned at least
 * once, even when the dict grows or shrinks between calls (some may come
 * twice). <fn> must not add or delete entries. */
unsigned long dictScan(dict *d, unsigned long v, dictScanFunction *fn,
                       void *privdata) {
    if (dictSize(d) == 0) return 0;

    /* Rehash steps would move entries between the buckets we visit. */
    dictPauseRehashing(d);
    if (!dictIsRehashing(d)) {
        unsigned long m0 = dictMask(d, 0);
        dictScanBucket(d, d->ht_table[0][v & m0], fn, privdata);
        v = dictCursorNext(v, m0);
    } else {
        int small = 0, large = 1;
        if (DICTHT_SIZE(d->ht_size_exp[0]) > DICTHT_SIZE(d->ht_size_exp[1])) {
            small = 1;
            large = 0;
        }
        unsigned long m0 = dictMask(d, small), m1 = dictMask(d, large);
        dictScanBucket(d, d->ht_table[small][v & m0], fn, privdata);
        /* Then every bucket of the large table that the small bucket
         * expands to: the cursors sharing its low bits. */
        do {
            dictScanBucket(d, d->ht_table[large][v & m1], fn, privdata);
            v = dictCursorNext(v, m1);
        } while (v & (m0 ^ m1));
    }
    dictResumeRehashing(d);
    return v;
}

/* --------------------------------- stats --------------------------------- */

#define DICT_STATS_VECTLEN 50

static size_t dictTableStats(char *buf, size_t bufsize, dict *d, int htidx) {
    unsigned long size = DICTHT_SIZE(d->ht_size_exp[htidx]);
    unsigned long used = d->ht_used[htidx];
    const char *name = htidx == 0 ? "main hash table" : "rehashing target";
    int n;

    if (bufsize == 0) return 0;
    if (used == 0) {
        n = snprintf(buf, bufsize, "Hash table %d stats (%s):\nNo stats available for empty dictionaries\n",
                     htidx, name);
        return n < 0 ? 0 : ((size_t)n >= bufsize ? bufsize - 1 : (size_t)n);
    }

    unsigned long clvector[DICT_STATS_VECTLEN] = {0};
    unsigned long slots = 0, maxchain = 0, totchain = 0;
    for (unsigned long i = 0; i < size; i++) {
        unsigned long chainlen = 0;
        for (dictEntry *he = d->ht_table[htidx][i]; he; he = DE_NEXT(d, he)) chainlen++;
        if (chainlen == 0) {
            clvector[0]++;
            continue;
        }
        slots++;
        clvector[chainlen < DICT_STATS_VECTLEN ? chainlen : DICT_STATS_VECTLEN - 1]++;
        if (chainlen > maxchain) maxchain = chainlen;
        totchain += chainlen;
    }

    size_t l = 0;
    n = snprintf(buf, bufsize,
                 "Hash table %d stats (%s):\n"
                 " table size: %lu\n"
                 " number of elements: %lu\n"
                 " different slots: %lu\n"
                 " max chain length: %lu\n"
                 " avg chain length (counted): %.02f\n"
                 " avg chain length (computed): %.02f\n"
                 " Chain length distribution:\n",
                 htidx, name, size, used, slots, maxchain,
                 (double)totchain / (double)slots, (double)used / (double)slots);
    if (n < 0) return 0;
    l = (size_t)n;
    for (int i = 0; i < DICT_STATS_VECTLEN && l < bufsize; i++) {
        if (clvector[i] == 0) continue;
        n = snprintf(buf + l, bufsize - l, "   %s%d: %lu (%.02f%%)\n",
                     i == DICT_STATS_VECTLEN - 1 ? ">= " : "", i, clvector[i],
                     ((double)clvector[i] / (double)size) * 100);
        if (n < 0) break;
        l += (size_t)n;
    }
    return l >= bufsize ? bufsize - 1 : l;
}

/* Writes a human-readable report on the chain lengths of <d> into <buf>
 * (at most <bufsize> bytes, always NUL-terminated when <bufsize> > 0). */
void dictGetStats(char *buf, size_t bufsize, dict *d) {
    if (bufsize == 0) return;
    buf[0] = '\0';
    size_t l = dictTableStats(buf, bufsize, d, 0);
    if (dictIsRehashing(d) && l < bufsize - 1)
        dictTableStats(buf + l, bufsize - l, d, 1);
}
