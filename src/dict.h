/* dict: a chained hash table with incremental rehashing.
 *
 * Two tables; while rehashing, each lookup/insert moves a few buckets from the
 * old one to the new one, so no single operation pays for a whole resize.
 * Rehashing is paused while a safe iterator exists. The key/value behaviour
 * (hashing, comparing, duplicating, freeing) comes from a dictType.
 * Must not touch: anything above the platform layer. */
#ifndef DICT_H
#define DICT_H

#include <stdint.h>
#include <stddef.h>

#define DICT_OK 0
#define DICT_ERR 1

typedef struct dictEntry {
    void *key;
    union {
        void *val;
        uint64_t u64;
        int64_t s64;
        double d;
    } v;
    struct dictEntry *next;
} dictEntry;

/* The entry of a dict whose type has no_value: the key and the chain link
 * only. It shares dictEntry's first field, so dictGetKey works on both. */
typedef struct dictEntryNoValue {
    void *key;
    struct dictEntry *next;
} dictEntryNoValue;

typedef struct dict dict;

typedef struct dictType {
    uint64_t (*hashFunction)(const void *key);
    void *(*keyDup)(dict *d, const void *key);
    void *(*valDup)(dict *d, const void *obj);
    int (*keyCompare)(dict *d, const void *key1, const void *key2); /* 1 = equal */
    void (*keyDestructor)(dict *d, void *key);
    void (*valDestructor)(dict *d, void *obj);
    /* Optional: return 0 to refuse a growth (e.g. under memory pressure). */
    int (*expandAllowed)(size_t moreMem, double usedRatio);
} dictType;

struct dict {
    dictType *type;
    dictEntry **ht_table[2];
    unsigned long ht_used[2];
    signed char ht_size_exp[2]; /* -1 = no table */
    long rehashidx;             /* -1 = not rehashing */
    long pauserehash;           /* >0: rehashing paused */
    void *privdata;             /* free for the owner's use */
    /* Keys only (dictCreateKeysOnly, for sets): entries are
     * dictEntryNoValue, 16 bytes instead of 24 (a 16-byte jemalloc block
     * instead of 32). dictGetVal must not be used on them; dictAdd and
     * dictSetVal accept only a NULL value. */
    int no_value;
};

typedef struct dictIterator {
    dict *d;
    long index;
    int table, safe;
    dictEntry *entry, *nextEntry;
    unsigned long long fingerprint; /* unsafe iterators assert no change */
} dictIterator;

typedef void dictScanFunction(void *privdata, const dictEntry *de);

#define DICT_HT_INITIAL_EXP 2
#define DICTHT_SIZE(exp) ((exp) == -1 ? 0 : (unsigned long)1 << (exp))

#define dictGetKey(he) ((he)->key)
#define dictGetVal(he) ((he)->v.val)
#define dictGetSignedIntegerVal(he) ((he)->v.s64)
#define dictGetUnsignedIntegerVal(he) ((he)->v.u64)
#define dictGetDoubleVal(he) ((he)->v.d)
#define dictSetSignedIntegerVal(he, x) ((he)->v.s64 = (x))
#define dictSetDoubleVal(he, x) ((he)->v.d = (x))
#define dictSize(d) ((d)->ht_used[0] + (d)->ht_used[1])
#define dictSlots(d) (DICTHT_SIZE((d)->ht_size_exp[0]) + DICTHT_SIZE((d)->ht_size_exp[1]))
#define dictIsRehashing(d) ((d)->rehashidx != -1)
#define dictHashKey(d, key) ((d)->type->hashFunction(key))

dict *dictCreate(dictType *type);
dict *dictCreateKeysOnly(dictType *type);
int dictExpand(dict *d, unsigned long size);
int dictTryExpand(dict *d, unsigned long size);
int dictAdd(dict *d, void *key, void *val);          /* DICT_ERR if key exists */
/* Adds <key> with no value and returns its entry; if the key exists returns
 * NULL and sets *existing (when not NULL) to the existing entry. */
dictEntry *dictAddRaw(dict *d, void *key, dictEntry **existing);
dictEntry *dictAddOrFind(dict *d, void *key);
int dictReplace(dict *d, void *key, void *val);      /* 1 if added, 0 if replaced */
int dictDelete(dict *d, const void *key);            /* DICT_OK or DICT_ERR */
dictEntry *dictUnlink(dict *d, const void *key);     /* remove without freeing */
void dictFreeUnlinkedEntry(dict *d, dictEntry *he);
void dictRelease(dict *d);
void dictEmpty(dict *d, void(callback)(dict *));
dictEntry *dictFind(dict *d, const void *key);
void *dictFetchValue(dict *d, const void *key);
void dictSetVal(dict *d, dictEntry *de, void *val);  /* uses valDup if set */
void dictSetKey(dict *d, dictEntry *de, void *key);  /* uses keyDup if set */
int dictResize(dict *d);                             /* shrink to fit */
dictIterator *dictGetIterator(dict *d);
dictIterator *dictGetSafeIterator(dict *d);
dictEntry *dictNext(dictIterator *iter);
void dictReleaseIterator(dictIterator *iter);
dictEntry *dictGetRandomKey(dict *d);
dictEntry *dictGetFairRandomKey(dict *d);
unsigned int dictGetSomeKeys(dict *d, dictEntry **des, unsigned int count);
int dictRehash(dict *d, int n);
int dictRehashMilliseconds(dict *d, int ms);
/* Stops incremental rehash steps on <d> (lookups then leave it as it is,
 * e.g. while another thread reads it) until as many resumes. */
void dictPauseRehashing(dict *d);
void dictResumeRehashing(dict *d);
/* Reverse-binary cursor scan: every element present for the whole scan is
 * returned at least once, even across resizes. Returns the next cursor, 0
 * when done. */
unsigned long dictScan(dict *d, unsigned long v, dictScanFunction *fn,
                       void *privdata);
/* 1 when a scan that was handed back <cursor> (not 0) has visited the
 * bucket of an entry with hash <hash>, whatever the table's size then and
 * since, as long as it only grew: cursors count with reversed bits, so
 * the visited entries are those whose reversed hash is below the reversed
 * cursor. */
int dictScanPassed(unsigned long cursor, uint64_t hash);
uint64_t dictGenHashFunction(const void *key, size_t len);     /* SipHash-1-2 */
uint64_t dictGenCaseHashFunction(const unsigned char *buf, size_t len);
void dictSetHashFunctionSeed(const uint8_t *seed);             /* 16 bytes */
void dictEnableResize(void);
void dictDisableResize(void);                        /* e.g. while a child runs */
void dictGetStats(char *buf, size_t bufsize, dict *d);

#endif
