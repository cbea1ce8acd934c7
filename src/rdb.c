/* rdb.c: RDB snapshots (version 10, as Redis 7.0 writes them), loading of
 * the encodings Redis 6.x and 7.0 write, the BGSAVE child, save rules,
 * SAVE / BGSAVE / DUMP / RESTORE, DEBUG RELOAD and INFO persistence.
 *
 * Owns: the snapshot file and its temporary files, the forked saving
 * child (server.child_pid / child_type while it runs), server.dirty
 * bookkeeping after saves, server.loading while loading.
 * Must not touch: client sockets (the child never does network I/O and
 * leaves with _exit), the AOF (aof.c), encodings' internals beyond the
 * blobs the format stores (listpack, intset, quicklist nodes).
 *
 * Format notes (public "RDB file format" descriptions):
 *   "REDIS0010", then opcodes / typed key-value pairs, then 0xFF and the
 *   CRC-64 (Jones, little endian) of everything before it.
 *   Lengths: 00xxxxxx (6 bit), 01xxxxxx xxxxxxxx (14 bit, big endian),
 *   0x80 + 4 bytes BE, 0x81 + 8 bytes BE; 11xxxxxx is a special string
 *   encoding: 0 int8, 1 int16, 2 int32 (little endian), 3 LZF (compressed
 *   length, plain length, data).
 * Invariants of the loader: every length read from the input is checked
 * against the bytes that remain before anything is allocated; every blob
 * (listpack, intset, ziplist, zipmap) is validated before use; the first
 * error stops loading and is reported with the offset where it happened. */
#include "rdb.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "aof.h"
#include "crc64.h"
#include "intset.h"
#include "listpack.h"
#include "lazyfree.h"
#include "lzf.h"
#include "quicklist.h"
#include "stream.h"

#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3
#define RDB_LEN_6BIT 0
#define RDB_LEN_14BIT 1
#define RDB_LEN_32BIT 0x80
#define RDB_LEN_64BIT 0x81
#define RDB_LEN_ENCVAL 3

/* Persistence state kept here rather than in struct redisServer. */
static struct {
    long long dirty_before_bgsave;
    time_t bgsave_start;          /* -1 when no child */
    long long last_bgsave_time;   /* seconds, -1 never */
    long long saves;              /* successful saves since start */
    int bgsave_scheduled;
    long long keys_loaded, keys_expired;
    long long part_slices; /* load slices that ended inside a value */
    long long slices;      /* load slices that ended before the payload */
    rdbReplInfo startup_repl; /* of the dataset loaded at start-up ... */
    int startup_repl_ok;      /* ... from the RDB file, valid */
} rdbState = {.bgsave_start = -1, .last_bgsave_time = -1};

/* ===================================================================
 * Writing
 * ================================================================ */

typedef struct rdbWriter {
    FILE *fp;      /* file target, or NULL */
    sds buf;       /* memory target (DUMP), when fp is NULL */
    uint64_t crc;
    int failed;
    int nocrc;     /* the checksum is computed elsewhere */
} rdbWriter;

static void wBytes(rdbWriter *w, const void *p, size_t len) {
    if (w->failed || len == 0) return;
    if (!w->nocrc) w->crc = crc64(w->crc, p, len);
    if (w->fp) {
        if (fwrite(p, 1, len, w->fp) != len) w->failed = 1;
    } else {
        w->buf = sdsCatLen(w->buf, p, len);
    }
}

static void wByte(rdbWriter *w, unsigned char b) { wBytes(w, &b, 1); }

static void wLen(rdbWriter *w, uint64_t len) {
    unsigned char b[9];
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        wBytes(w, b, 1);
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)((RDB_LEN_14BIT << 6) | (len >> 8));
        b[1] = (unsigned char)(len & 0xff);
        wBytes(w, b, 2);
    } else if (len <= UINT32_MAX) {
        b[0] = RDB_LEN_32BIT;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        wBytes(w, b, 5);
    } else {
        b[0] = RDB_LEN_64BIT;
        for (int i = 0; i < 8; i++) b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        wBytes(w, b, 9);
    }
}

static void wLittle(rdbWriter *w, uint64_t v, int bytes) {
    unsigned char b[8];
    for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
    wBytes(w, b, (size_t)bytes);
}

/* Writes <v> in the shortest integer string encoding; 0 if it does not
 * fit in 32 bits. */
static int wIntEncoded(rdbWriter *w, long long v) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
        wByte(w, (RDB_LEN_ENCVAL << 6) | RDB_ENC_INT8);
        wLittle(w, (uint64_t)v, 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        wByte(w, (RDB_LEN_ENCVAL << 6) | RDB_ENC_INT16);
        wLittle(w, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        wByte(w, (RDB_LEN_ENCVAL << 6) | RDB_ENC_INT32);
        wLittle(w, (uint64_t)v, 4);
    } else {
        return 0;
    }
    return 1;
}

/* Writes a string: as an integer when it is the canonical form of one
 * that fits 32 bits, LZF-compressed when rdbcompression is on, the string
 * is longer than 20 bytes and compression saves at least 4 bytes, plain
 * otherwise (the same choices Redis makes). */
static void wString(rdbWriter *w, const void *s, size_t len) {
    long long v;
    if (len > 0 && len <= 11 && string2ll(s, len, &v) && wIntEncoded(w, v))
        return;
    if (server.rdb_compression && len > 20) {
        size_t outlen = len - 4;
        unsigned char *out = zmalloc(outlen);
        size_t clen = lzfCompress(s, len, out, outlen);
        if (clen > 0) {
            wByte(w, (RDB_LEN_ENCVAL << 6) | RDB_ENC_LZF);
            wLen(w, clen);
            wLen(w, len);
            wBytes(w, out, clen);
            zfree(out);
            return;
        }
        zfree(out);
    }
    wLen(w, len);
    wBytes(w, s, len);
}

static void wLongLongAsString(rdbWriter *w, long long v) {
    if (wIntEncoded(w, v)) return;
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    wLen(w, (uint64_t)n);
    wBytes(w, buf, (size_t)n);
}

static int rdbObjectType(robj *o) {
    switch (o->type) {
    case OBJ_STRING: return RDB_TYPE_STRING;
    case OBJ_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET:
        return o->encoding == OBJ_ENCODING_INTSET ? RDB_TYPE_SET_INTSET
                                                  : RDB_TYPE_SET;
    case OBJ_HASH:
        return o->encoding == OBJ_ENCODING_LISTPACK ? RDB_TYPE_HASH_LISTPACK
                                                    : RDB_TYPE_HASH;
    case OBJ_ZSET:
        return o->encoding == OBJ_ENCODING_LISTPACK ? RDB_TYPE_ZSET_LISTPACK
                                                    : RDB_TYPE_ZSET_2;
    case OBJ_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    default: return -1;
    }
}

static void wStreamID(rdbWriter *w, const streamID *id) {
    wLen(w, id->ms);
    wLen(w, id->seq);
}

/* A stream as RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0): the nodes (ID key,
 * listpack), length, last ID, first ID, max deleted ID, entries added,
 * then each group with its PEL (raw IDs, delivery time, count) and its
 * consumers (name, seen time, raw IDs of their pending entries). */
static void wStream(rdbWriter *w, stream *s) {
    raxIter it, pi;
    raxIterInit(&it, s->nodes);
    raxIterInit(&pi, NULL);
    wLen(w, raxSize(s->nodes));
    for (int ok = raxIterFirst(&it); ok; ok = raxIterNext(&it)) {
        wString(w, it.key, it.key_len);
        wString(w, it.val, lpBytes(it.val));
    }
    wLen(w, s->length);
    wStreamID(w, &s->last_id);
    wStreamID(w, &s->first_id);
    wStreamID(w, &s->max_deleted_entry_id);
    wLen(w, s->entries_added);
    size_t ng = s->cgroups ? raxSize(s->cgroups) : 0;
    wLen(w, ng);
    for (int gok = ng ? raxIterFirst(raxIterRetarget(&it, s->cgroups)) : 0;
         gok; gok = raxIterNext(&it)) {
        streamCG *cg = it.val;
        wString(w, it.key, it.key_len);
        wStreamID(w, &cg->last_id);
        wLen(w, (uint64_t)cg->entries_read);
        wLen(w, raxSize(cg->pel));
        raxIterRetarget(&pi, cg->pel);
        for (int ok = raxIterFirst(&pi); ok; ok = raxIterNext(&pi)) {
            streamNACK *nack = pi.val;
            wBytes(w, pi.key, STREAM_ID_LEN);
            wLittle(w, (uint64_t)nack->delivery_time, 8);
            wLen(w, nack->delivery_count);
        }
        wLen(w, raxSize(cg->consumers));
        raxIter ci;
        raxIterInit(&ci, cg->consumers);
        for (int cok = raxIterFirst(&ci); cok; cok = raxIterNext(&ci)) {
            streamConsumer *sc = ci.val;
            wString(w, sc->name, sdsLen(sc->name));
            wLittle(w, (uint64_t)sc->seen_time, 8);
            wLen(w, raxSize(sc->pel));
            raxIterRetarget(&pi, sc->pel);
            for (int ok = raxIterFirst(&pi); ok; ok = raxIterNext(&pi))
                wBytes(w, pi.key, STREAM_ID_LEN);
        }
        raxIterRelease(&ci);
    }
    raxIterRelease(&it);
    raxIterRelease(&pi);
}

/* Writes the value of <o> (without its type byte). */
static void wObject(rdbWriter *w, robj *o) {
    if (o->type == OBJ_STREAM) {
        wStream(w, o->ptr);
        return;
    }
    if (o->type == OBJ_STRING) {
        if (o->encoding == OBJ_ENCODING_INT)
            wLongLongAsString(w, (long)o->ptr);
        else
            wString(w, o->ptr, sdsLen(o->ptr));
    } else if (o->type == OBJ_LIST) {
        quicklist *ql = o->ptr;
        wLen(w, ql->len);
        for (quicklistNode *n = ql->head; n; n = n->next) {
            wLen(w, n->container);
            wString(w, n->entry, n->sz);
        }
    } else if (o->type == OBJ_SET) {
        if (o->encoding == OBJ_ENCODING_INTSET) {
            wString(w, o->ptr, intsetBlobLen(o->ptr));
        } else {
            dict *d = o->ptr;
            wLen(w, dictSize(d));
            dictIterator *di = dictGetIterator(d);
            dictEntry *de;
            while ((de = dictNext(di)) != NULL) {
                sds m = dictGetKey(de);
                wString(w, m, sdsLen(m));
            }
            dictReleaseIterator(di);
        }
    } else if (o->type == OBJ_HASH) {
        if (o->encoding == OBJ_ENCODING_LISTPACK) {
            wString(w, o->ptr, lpBytes(o->ptr));
        } else {
            dict *d = o->ptr;
            wLen(w, dictSize(d));
            dictIterator *di = dictGetIterator(d);
            dictEntry *de;
            while ((de = dictNext(di)) != NULL) {
                sds f = dictGetKey(de), v = dictGetVal(de);
                wString(w, f, sdsLen(f));
                wString(w, v, sdsLen(v));
            }
            dictReleaseIterator(di);
        }
    } else if (o->type == OBJ_ZSET) {
        if (o->encoding == OBJ_ENCODING_LISTPACK) {
            wString(w, o->ptr, lpBytes(o->ptr));
        } else {
            /* Highest score first, as Redis writes them, so that loading
             * inserts at the head of the skiplist. */
            wLen(w, zsetLength(o));
            zsetTypeIterator *it = zsetTypeInitIterator(o, 1);
            unsigned char *vstr;
            unsigned int vlen;
            long long vll;
            double score;
            while (zsetTypeNext(it, &vstr, &vlen, &vll, &score) == C_OK) {
                if (vstr)
                    wString(w, vstr, vlen);
                else
                    wLongLongAsString(w, vll);
                uint64_t bits;
                memcpy(&bits, &score, sizeof(bits));
                wLittle(w, bits, 8);
            }
            zsetTypeReleaseIterator(it);
        }
    } else {
        serverPanic("rdb: no RDB encoding for object type %d", o->type);
    }
}

static void wAux(rdbWriter *w, const char *k, const char *v) {
    wByte(w, RDB_OPCODE_AUX);
    wString(w, k, strlen(k));
    wString(w, v, strlen(v));
}

static void wAuxInt(rdbWriter *w, const char *k, long long v) {
    char buf[LONG_STR_SIZE];
    ll2string(buf, sizeof(buf), v);
    wAux(w, k, buf);
}

static void (*fnEach)(rdbFunctionVisitor *visit, void *ctx);
static int (*fnLoad)(sds code, sds *err);

/* See rdb.h. */
void rdbRegisterFunctionHooks(void (*each)(rdbFunctionVisitor *visit,
                                           void *ctx),
                              int (*load)(sds code, sds *err)) {
    fnEach = each;
    fnLoad = load;
}

/* See rdb.h. */
void rdbForEachFunctionLibrary(rdbFunctionVisitor *visit, void *ctx) {
    if (fnEach) fnEach(visit, ctx);
}

static void wFunctionLibrary(void *ctx, sds code) {
    rdbWriter *w = ctx;
    wByte(w, RDB_OPCODE_FUNCTION2);
    wString(w, code, sdsLen(code));
}

/* The testing delays rdb-key-save-delay and key-load-delay, per key, as
 * Redis 7.0 takes them: a positive value sleeps that many microseconds; a
 * negative value -N sleeps one microsecond once in N keys on average. */
static void rdbKeyDelay(int usec) {
    if (usec < 0) usec = (rand() % -usec) == 0 ? 1 : 0;
    if (usec > 0) usleep((useconds_t)usec);
}

/* What a key's record carries besides its name and value: its expire
 * time and its access time or frequency, taken when the key is read. */
typedef struct rdbKeyMeta {
    long long when;  /* absolute ms, -1 none */
    int lru_kind;    /* RDB_OPCODE_IDLE, RDB_OPCODE_FREQ or 0 */
    long long lru;   /* idle seconds or the decayed LFU counter */
} rdbKeyMeta;

/* The metadata of <key> (holding <o>) with its expire time in <expires>:
 * the access time or frequency only under the policy that tracks it
 * (Redis 7.0 writes them the same way). */
static rdbKeyMeta rdbGetKeyMeta(dict *expires, sds key, robj *o) {
    rdbKeyMeta m = {.when = -1};
    dictEntry *ee = dictSize(expires) ? dictFind(expires, key) : NULL;
    if (ee) m.when = dictGetSignedIntegerVal(ee);
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LRU) {
        m.lru_kind = RDB_OPCODE_IDLE;
        m.lru = (long long)(estimateObjectIdleTime(o) / 1000);
    } else if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
        m.lru_kind = RDB_OPCODE_FREQ;
        m.lru = LFUDecrAndReturn(o);
    }
    return m;
}

/* Writes what precedes the value of <key> (holding <o>): <m>, the type
 * and the key. Returns 0 (writing nothing) for a type this writer cannot
 * store. Reads nothing but its arguments (the snapshot thread calls it). */
static int wKeyHeadMeta(rdbWriter *w, sds key, robj *o, const rdbKeyMeta *m) {
    int type = rdbObjectType(o);
    if (type < 0) return 0;
    if (m->when != -1) {
        wByte(w, RDB_OPCODE_EXPIRETIME_MS);
        wLittle(w, (uint64_t)m->when, 8);
    }
    if (m->lru_kind == RDB_OPCODE_IDLE) {
        wByte(w, RDB_OPCODE_IDLE);
        wLen(w, (uint64_t)m->lru);
    } else if (m->lru_kind == RDB_OPCODE_FREQ) {
        wByte(w, RDB_OPCODE_FREQ);
        wByte(w, (unsigned char)m->lru);
    }
    wByte(w, (unsigned char)type);
    wString(w, key, sdsLen(key));
    return 1;
}

/* wKeyHeadMeta with the metadata of <key> read now. */
static int wKeyHead(rdbWriter *w, dict *expires, sds key, robj *o) {
    rdbKeyMeta m = rdbGetKeyMeta(expires, key, o);
    return wKeyHeadMeta(w, key, o, &m);
}

/* The header of an RDB stream: magic, AUX fields, function libraries
 * unless <filter> leaves them out. */
static void wPreamble(rdbWriter *w, int filter) {
    char magic[16];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    wBytes(w, magic, 9);
    wAux(w, "redis-ver", REDIS_VERSION);
    wAuxInt(w, "redis-bits", (long long)sizeof(void *) * 8);
    wAuxInt(w, "ctime", (long long)time(NULL));
    wAuxInt(w, "used-mem", (long long)zmallocUsedMemory());
    /* Where the dataset stands in the replication stream, so that a
     * restarted server continues with a partial resync (Redis 7.0 writes
     * the same three fields; an AOF base has none). */
    char replid[CONFIG_RUN_ID_SIZE + 1];
    long long reploff;
    int repldb;
    if (!(filter & RDB_FILTER_NO_REPL_INFO) &&
        replicationSaveInfo(replid, &reploff, &repldb)) {
        wAuxInt(w, "repl-stream-db", repldb);
        wAux(w, "repl-id", replid);
        wAuxInt(w, "repl-offset", reploff);
    }
    wAuxInt(w, "aof-base", 0);
    if (!(filter & RDB_FILTER_NO_FUNCTIONS))
        rdbForEachFunctionLibrary(wFunctionLibrary, w);
}

/* The end of an RDB stream: EOF opcode and checksum (zero with
 * rdbchecksum no). */
static void wTrailer(rdbWriter *w) {
    wByte(w, RDB_OPCODE_EOF);
    uint64_t crc = server.rdb_checksum ? w->crc : 0;
    wLittle(w, crc, 8);
}

/* Writes a whole RDB stream, without the keys / the function libraries
 * as <filter> (RDB_FILTER_*) says; the checksum is zero with rdbchecksum
 * no. */
static void wDatasetFiltered(rdbWriter *w, int filter) {
    wPreamble(w, filter);
    for (int j = 0; j < server.dbnum && !w->failed; j++) {
        if (filter & RDB_FILTER_NO_DATA) break;
        redisDb *db = &server.db[j];
        if (dictSize(db->dict) == 0) continue;
        wByte(w, RDB_OPCODE_SELECTDB);
        wLen(w, (uint64_t)j);
        wByte(w, RDB_OPCODE_RESIZEDB);
        wLen(w, dictSize(db->dict));
        wLen(w, dictSize(db->expires));
        dictIterator *di = dictGetIterator(db->dict);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL && !w->failed) {
            sds key = dictGetKey(de);
            robj *o = dictGetVal(de);
            if (!wKeyHead(w, db->expires, key, o)) continue;
            wObject(w, o);
            /* rdb-key-save-delay: slows a save down so tests can watch a
             * sync or BGSAVE in progress (microseconds per key). */
            if (server.rdb_key_save_delay)
                rdbKeyDelay(server.rdb_key_save_delay);
        }
        dictReleaseIterator(di);
    }
    wTrailer(w);
}

/* See rdb.h. */
int rdbSaveToFp(FILE *fp) {
    return rdbSaveToFpFiltered(fp, 0);
}

/* See rdb.h. */
int rdbSaveToFpFiltered(FILE *fp, int filter) {
    rdbWriter w = {.fp = fp};
    wDatasetFiltered(&w, filter);
    return w.failed ? C_ERR : C_OK;
}

/* ===================================================================
 * Fork-less snapshot (repl-diskless-sync-fork no)
 *
 * The RDB stream of a diskless sync without a forked child: fork() of a
 * large dataset stops the event loop for one long turn while the kernel
 * copies the page tables (~20 ms per GB here), and the child's
 * copy-on-write pages can double the memory under writes. Here the event
 * loop picks the keys and a thread of ours (the "snapshot thread") writes
 * them; the stream is still the dataset as it was at the start:
 * - the loop walks each database with dictScan and hands the keys of the
 *   buckets it scanned to the thread in batches: the key's name (copied),
 *   a reference to its value, its expire time and access metadata. The
 *   scan cursor counts with reversed bits, so a key is behind the cursor
 *   (walked) when the reverse of its hash is below the reverse of the
 *   cursor; tables may grow during the walk (buckets split behind or
 *   ahead of the cursor, never across it) but must not shrink (the cron
 *   leaves them alone while rdbSnapActive());
 * - the thread only reads what a batch names. The loop keeps the values
 *   of a batch in flight still: the rehashing of their hash tables is
 *   paused, and db.c calls in before any change to a key
 *   (rdbSnapBeforeWrite): a value of a batch in flight that is about to
 *   change in place is first replaced in the database by a copy (small
 *   values); a write command that names a large one is postponed until
 *   its batch is written (rdbSnapWouldWait; the loop waits only when a
 *   script or the master's stream changes a key it did not declare); a key
 *   not yet walked is written at once by the loop, as it is, into a side
 *   buffer, and remembered in its database's <settled> set so that the
 *   walk skips it; keys created after the start (rdbSnapNewKey) are
 *   settled the same way;
 * - a flushed database hands its dicts over (rdbSnapAdopt): nothing
 *   changes them any more, the walk finishes them, and they are freed in
 *   the background at the end.
 * Batches are written in order; the side buffer joins the stream between
 * two batches, each batch and each side record behind a SELECTDB of its
 * own (RDB loaders take SELECTDB anywhere). The checksum covers the bytes
 * in stream order, computed as they are taken.
 * ================================================================ */

#define SNAP_BATCH_KEYS 256      /* keys per batch at most */
#define SNAP_BATCH_COST 4096     /* ... and members (lazyfree's effort) */
#define SNAP_MAX_BATCHES 4       /* batches handed over, not yet joined */
#define SNAP_OUT_MAX (4 << 20)   /* stream bytes waiting: no new batch */
#define SNAP_CHUNK (64 * 1024)   /* small appends fill chunks this big */
#define SNAP_SMALL_COPY 64       /* values up to this effort are copied */

typedef struct snapItem {
    sds key;
    robj *o;             /* a reference held until the batch is joined */
    rdbKeyMeta meta;
    int paused;          /* the rehashing of o's hash table is paused */
} snapItem;

typedef enum { SB_QUEUED, SB_WRITING, SB_DONE } snapBatchState;

typedef struct snapBatch {
    int db;              /* the snapshot database of every item */
    int resize;          /* begins with RESIZEDB rs_keys rs_expires */
    unsigned long rs_keys, rs_expires;
    unsigned long cstart, cend; /* the scan cursors around it; cend 0: to
                                 * the end of the database */
    snapItem *items;
    int n, cap;
    long cost;
    int delay;           /* rdb-key-save-delay when it was made */
    sds out;             /* written by the thread */
    snapBatchState state; /* under snap.lock */
    struct snapBatch *next;
} snapBatch;

typedef struct snapDb {
    dict *keys, *expires; /* the database's dicts at the start */
    dict *settled;        /* keys written out of order or created since */
    int adopted;          /* handed over by a flush: freed at the end */
} snapDb;

static struct {
    int active, finished;
    int stopping;         /* ended early: the thread finishes its batch */
    list *out;            /* the stream: sds chunks, in order */
    size_t outpos;        /* bytes of the first chunk already taken */
    size_t outlen;        /* bytes not yet taken */
    uint64_t crc;         /* of the bytes taken */
    int crc_written;      /* the checksum followed the EOF opcode */
    rdbWriter side;       /* keys written by the loop, not yet joined */
    int side_db;          /* database of its last SELECTDB, -1 */
    snapDb *dbs;
    int ndb;
    int db;               /* database being walked */
    unsigned long cursor; /* its dictScan cursor */
    int scan_done;        /* the cursor came back to 0 */
    int resized;          /* its RESIZEDB went into a batch */
    snapBatch *head, *tail; /* handed over, oldest first */
    int nbatches;
    snapBatch *filling;   /* being filled by the scan callback */
    void (*ready)(void);  /* told when a batch joined the stream */
    long long n_thread, n_early, n_copied, n_waits; /* for the log */
    long long n_postponed;
    int postponed;        /* clients wait for a batch to be written */
    long long turn_us;    /* the loop's CPU time in snapshot work, this
                           * turn */
    /* The thread and what it shares with the loop. */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int quit;             /* set under lock, read atomically */
    int notify[2];        /* pipe: the thread wrote a batch */
} snap = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .cond = PTHREAD_COND_INITIALIZER,
          .notify = {-1, -1}};

/* The calling thread's CPU time (us): the loop's snapshot work is counted
 * without the time another process had the core. */
static long long snapCpuUs(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1) return 0;
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- The thread ---- */

/* Writes the batch <b> into b->out. Reads only what <b> names. */
static void snapWriteBatch(snapBatch *b) {
    rdbWriter w = {.buf = sdsEmpty(), .nocrc = 1};
    wByte(&w, RDB_OPCODE_SELECTDB);
    wLen(&w, (uint64_t)b->db);
    if (b->resize) {
        wByte(&w, RDB_OPCODE_RESIZEDB);
        wLen(&w, b->rs_keys);
        wLen(&w, b->rs_expires);
    }
    unsigned int seed = (unsigned int)b->cstart;
    for (int i = 0; i < b->n; i++) {
        snapItem *it = &b->items[i];
        if (wKeyHeadMeta(&w, it->key, it->o, &it->meta)) wObject(&w, it->o);
        /* rdb-key-save-delay (tests): here it slows the thread only. */
        int d = b->delay;
        if (d < 0) d = (rand_r(&seed) % -d) == 0 ? 1 : 0;
        if (d > 0) usleep((useconds_t)d);
        if (__atomic_load_n(&snap.quit, __ATOMIC_RELAXED)) break;
    }
    b->out = w.buf;
}

#define SNAP_NICE_INCREMENT 5 /* as a forked child's: clients come first */

static void *snapThreadMain(void *arg) {
    UNUSED(arg);
    /* Linux keeps a nice value per thread: this one only. */
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 &&
        setpriority(PRIO_PROCESS, 0, prio + SNAP_NICE_INCREMENT) == -1) {
        /* the thread keeps the server's priority */
    }
    pthread_mutex_lock(&snap.lock);
    for (;;) {
        snapBatch *b = snap.head;
        while (b && b->state != SB_QUEUED) b = b->next;
        if (snap.quit) break;
        if (!b) {
            pthread_cond_wait(&snap.cond, &snap.lock);
            continue;
        }
        b->state = SB_WRITING;
        pthread_mutex_unlock(&snap.lock);
        snapWriteBatch(b);
        pthread_mutex_lock(&snap.lock);
        b->state = SB_DONE;
        pthread_cond_broadcast(&snap.cond);
        /* Not under the lock: at nice +5 this thread may wait for a core,
         * and the loop must not wait behind it. The pipe stays open until
         * this thread was joined. */
        pthread_mutex_unlock(&snap.lock);
        char c = 1;
        /* A pipe to our own loop, not a network descriptor. */
        if (write(snap.notify[1], &c, 1) == -1) { /* lint:not-socket */
            /* full: the loop has a wake-up pending already */
        }
        pthread_mutex_lock(&snap.lock);
    }
    pthread_mutex_unlock(&snap.lock);
    return NULL;
}

/* ---- The loop's side ---- */

/* Gives back what batch <b> held and frees it. */
static void snapReleaseBatch(snapBatch *b) {
    for (int i = 0; i < b->n; i++) {
        snapItem *it = &b->items[i];
        if (it->paused) dictResumeRehashing((dict *)it->o->ptr);
        freeObjAsync(it->o);
        sdsFree(it->key);
    }
    zfree(b->items);
    sdsFree(b->out);
    zfree(b);
}

/* Writes SELECTDB <j> into the side buffer unless its last one was <j>. */
static void snapSideSelect(int j) {
    if (snap.side_db == j) return;
    wByte(&snap.side, RDB_OPCODE_SELECTDB);
    wLen(&snap.side, (uint64_t)j);
    snap.side_db = j;
}

static void snapChunkFree(void *chunk) {
    sdsFree(chunk);
}

/* Appends <s> to the stream, which takes it over: large chunks are
 * linked, not copied. */
static void snapAppendSds(sds s) {
    size_t len = sdsLen(s);
    listNode *ln = listLast(snap.out);
    if (len == 0 || (ln && len < SNAP_CHUNK &&
                     sdsLen(listNodeValue(ln)) + len <= SNAP_CHUNK &&
                     (listLength(snap.out) > 1 || snap.outpos == 0))) {
        if (len) ln->value = sdsCatLen(listNodeValue(ln), s, len);
        sdsFree(s);
    } else {
        listAddNodeTail(snap.out, s);
    }
    snap.outlen += len;
}

/* Moves the side buffer into the stream (between two batches). */
static void snapJoinSide(void) {
    if (sdsLen(snap.side.buf) == 0) return;
    snapAppendSds(snap.side.buf);
    snap.side.buf = sdsEmpty();
    snap.side_db = -1;
}

/* Commands postponed while a batch held their value run again. */
static void snapWakePostponed(void) {
    if (!snap.postponed) return;
    snap.postponed = 0;
    unblockPostponedClients();
}

/* Joins the written batches at the head of the queue to the stream.
 * Returns how many. */
static int snapJoinDone(void) {
    int joined = 0;
    for (;;) {
        pthread_mutex_lock(&snap.lock);
        snapBatch *b = snap.head;
        if (!b || b->state != SB_DONE) {
            pthread_mutex_unlock(&snap.lock);
            break;
        }
        snap.head = b->next;
        if (!snap.head) snap.tail = NULL;
        snap.nbatches--;
        pthread_mutex_unlock(&snap.lock);
        snapJoinSide();
        snapAppendSds(b->out);
        b->out = NULL;
        snapReleaseBatch(b);
        joined++;
    }
    if (joined) snapWakePostponed();
    return joined;
}

/* Waits until the thread wrote batch <b> (and those before it), then
 * joins them. */
static void snapWaitFor(snapBatch *b) {
    pthread_mutex_lock(&snap.lock);
    while (b->state != SB_DONE) pthread_cond_wait(&snap.cond, &snap.lock);
    pthread_mutex_unlock(&snap.lock);
    snapJoinDone();
}

static void snapCleanup(void);
static int snapThreadBusy(void);

/* The pipe's read handler: batches were written. */
static void snapNotified(aeEventLoop *el, int fd, void *privdata, int mask) {
    UNUSED(el);
    UNUSED(privdata);
    UNUSED(mask);
    char buf[64];
    /* Our own pipe, not a network descriptor. */
    while (read(fd, buf, sizeof(buf)) > 0) { /* lint:not-socket */
    }
    if (snap.stopping) {
        if (!snapThreadBusy()) snapCleanup();
        return;
    }
    long long start = snapCpuUs();
    int joined = snapJoinDone();
    snap.turn_us += snapCpuUs() - start;
    if (joined && snap.ready) snap.ready();
}

/* The snapshot database whose live main dict is <keys>, or -1. */
static int snapIndex(dict *keys) {
    for (int j = 0; j < snap.ndb; j++)
        if (snap.dbs[j].keys == keys && !snap.dbs[j].adopted) return j;
    return -1;
}

/* The batch in flight that holds the key with hash <h> of snapshot
 * database <j>, or NULL. While stopping, only the one the thread is
 * writing counts: it will not read the others. */
static snapBatch *snapInFlight(int j, unsigned long h) {
    for (snapBatch *b = snap.head; b; b = b->next) {
        if (b->db != j || dictScanPassed(b->cstart, h)) continue;
        if (b->cend != 0 && !dictScanPassed(b->cend, h)) continue;
        if (!snap.stopping) return b;
        pthread_mutex_lock(&snap.lock);
        int writing = b->state == SB_WRITING;
        pthread_mutex_unlock(&snap.lock);
        return writing ? b : NULL;
    }
    return NULL;
}

/* 1 while a batch holds values of snapshot database <j>. */
static int snapHoldsDb(int j) {
    for (snapBatch *b = snap.head; b; b = b->next)
        if (b->db == j) return 1;
    return 0;
}

/* 1 while the thread is writing a batch; under snap.lock. */
static int snapThreadBusyLocked(void) {
    for (snapBatch *b = snap.head; b; b = b->next)
        if (b->state == SB_WRITING) return 1;
    return 0;
}

static int snapThreadBusy(void) {
    pthread_mutex_lock(&snap.lock);
    int busy = snapThreadBusyLocked();
    pthread_mutex_unlock(&snap.lock);
    return busy;
}

/* 1 when the walk is past the key with hash <h> of database <j>. */
static int snapWalked(int j, unsigned long h) {
    if (j != snap.db) return j < snap.db;
    if (snap.scan_done) return 1;
    if (snap.cursor == 0) return 0; /* the scan has not begun */
    return dictScanPassed(snap.cursor, h);
}

/* See rdb.h. */
int rdbSnapActive(void) {
    return snap.active;
}

/* See rdb.h. */
void rdbSnapBeforeWrite(dict *keys, sds key, int how) {
    if (!snap.active || snap.finished) return;
    int j = snapIndex(keys);
    if (j < 0) return;
    snapDb *sd = &snap.dbs[j];
    if (dictSize(sd->settled) && dictFind(sd->settled, key)) return;
    unsigned long h = dictHashKey(keys, key);
    long long start;
    if (!snap.stopping && !snapWalked(j, h)) {
        start = snapCpuUs();
        /* Written now, as it is, and skipped by the walk. */
        dictEntry *de = dictFind(keys, key);
        if (de) {
            robj *o = dictGetVal(de);
            snapSideSelect(j);
            if (wKeyHead(&snap.side, sd->expires, key, o))
                wObject(&snap.side, o);
            snap.n_early++;
        }
        dictAdd(sd->settled, sdsDup(key), NULL);
        snap.turn_us += snapCpuUs() - start;
        return;
    }
    snapBatch *b = snapInFlight(j, h);
    if (!b || how == RDB_SNAP_META) return;
    start = snapCpuUs();
    if (how == RDB_SNAP_VALUE) {
        /* The thread may be reading the value: the database gets a copy
         * to change, or the loop waits for the batch. */
        dictEntry *de = dictFind(keys, key);
        robj *o = de ? dictGetVal(de) : NULL;
        if (o && o->refcount != OBJ_SHARED_REFCOUNT) {
            if (lazyfreeGetFreeEffort(o) <= SNAP_SMALL_COPY) {
                robj *copy = dupObjectOfType(o);
                copy->lru = o->lru;
                de->v.val = copy;
                decrRefCount(o); /* the batch still holds it */
                snap.n_copied++;
            } else {
                snap.n_waits++;
                snapWaitFor(b);
                if (snap.ready) snap.ready();
            }
        }
    }
    /* Replaced, deleted or copied: the batch's value is out of reach. */
    if (!dictFind(sd->settled, key)) dictAdd(sd->settled, sdsDup(key), NULL);
    snap.turn_us += snapCpuUs() - start;
}

/* See rdb.h. */
int rdbSnapWouldWait(dict *keys, sds key) {
    if (!snap.active || snap.finished || snap.stopping) return 0;
    int j = snapIndex(keys);
    if (j < 0) return 0;
    snapDb *sd = &snap.dbs[j];
    if (dictSize(sd->settled) && dictFind(sd->settled, key)) return 0;
    unsigned long h = dictHashKey(keys, key);
    if (!snapWalked(j, h) || !snapInFlight(j, h)) return 0;
    dictEntry *de = dictFind(keys, key);
    robj *o = de ? dictGetVal(de) : NULL;
    if (!o || o->refcount == OBJ_SHARED_REFCOUNT ||
        lazyfreeGetFreeEffort(o) <= SNAP_SMALL_COPY)
        return 0;
    snap.n_postponed++;
    snap.postponed = 1;
    return 1;
}

/* See rdb.h. */
long long rdbSnapTakeTurnUs(void) {
    long long us = snap.turn_us;
    snap.turn_us = 0;
    return us;
}

/* See rdb.h. */
void rdbSnapNewKey(dict *keys, sds key) {
    if (!snap.active || snap.finished || snap.stopping) return;
    int j = snapIndex(keys);
    if (j < 0) return;
    snapDb *sd = &snap.dbs[j];
    if (snapWalked(j, dictHashKey(keys, key))) return;
    if (dictSize(sd->settled) && dictFind(sd->settled, key)) return;
    dictAdd(sd->settled, sdsDup(key), NULL);
}

/* See rdb.h. */
int rdbSnapAdopt(dict *keys) {
    if (!snap.active || snap.finished) return 0;
    int j = snapIndex(keys);
    if (j < 0) return 0;
    /* Still to walk, or values of it in flight: the values a batch holds
     * must not be freed by the free thread while the loop holds them. */
    if ((snap.stopping || j < snap.db) && !snapHoldsDb(j)) return 0;
    snap.dbs[j].adopted = 1;
    return 1;
}

/* dictScan callback: the key goes into the batch being filled. */
static void snapCollect(void *privdata, const dictEntry *de) {
    UNUSED(privdata);
    snapBatch *b = snap.filling;
    snapDb *sd = &snap.dbs[b->db];
    sds key = dictGetKey(de);
    if (dictSize(sd->settled) && dictFind(sd->settled, key)) return;
    robj *o = dictGetVal(de);
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->items = zrealloc(b->items, sizeof(snapItem) * (size_t)b->cap);
    }
    snapItem *it = &b->items[b->n++];
    it->key = sdsDup(key);
    it->o = o;
    incrRefCount(o);
    it->meta = rdbGetKeyMeta(sd->expires, key, o);
    it->paused = (o->type == OBJ_SET || o->type == OBJ_HASH) &&
                 o->encoding == OBJ_ENCODING_HT;
    if (it->paused) dictPauseRehashing((dict *)o->ptr);
    b->cost += 1 + (long)lazyfreeGetFreeEffort(o);
    snap.n_thread++;
}

/* Makes the next batch of the walk and hands it to the thread. Returns 0
 * when the walk is over. */
static int snapNextBatch(void) {
    while (snap.db < snap.ndb) {
        snapDb *sd = &snap.dbs[snap.db];
        if (snap.scan_done || dictSize(sd->keys) == 0) {
            snap.db++;
            snap.cursor = 0;
            snap.scan_done = 0;
            snap.resized = 0;
            continue;
        }
        snapBatch *b = zcalloc(sizeof(*b));
        b->db = snap.db;
        b->delay = server.rdb_key_save_delay;
        if (!snap.resized) {
            b->resize = 1;
            b->rs_keys = dictSize(sd->keys);
            b->rs_expires = dictSize(sd->expires);
            snap.resized = 1;
        }
        b->cstart = snap.cursor;
        snap.filling = b;
        do {
            snap.cursor = dictScan(sd->keys, snap.cursor, snapCollect, NULL);
        } while (snap.cursor && b->n < SNAP_BATCH_KEYS &&
                 b->cost < SNAP_BATCH_COST);
        snap.filling = NULL;
        b->cend = snap.cursor;
        if (snap.cursor == 0) snap.scan_done = 1;
        pthread_mutex_lock(&snap.lock);
        b->state = SB_QUEUED;
        if (snap.tail)
            snap.tail->next = b;
        else
            snap.head = b;
        snap.tail = b;
        snap.nbatches++;
        pthread_cond_broadcast(&snap.cond);
        pthread_mutex_unlock(&snap.lock);
        return 1;
    }
    return 0;
}

/* See rdb.h. */
int rdbSnapStart(int filter, void (*ready)(void)) {
    serverAssert(!snap.active);
    snap.stopping = 0;
    int fds[2];
    if (pipe(fds) == -1) {
        serverLog(LL_WARNING, "Fork-less snapshot: can't create a pipe: %s",
                  strerror(errno));
        return C_ERR;
    }
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(fds[i], F_GETFL);
        if (fl != -1) fcntl(fds[i], F_SETFL, fl | O_NONBLOCK);
    }
    snap.notify[0] = fds[0];
    snap.notify[1] = fds[1];
    snap.quit = 0;
    int rc = pthread_create(&snap.thread, NULL, snapThreadMain, NULL);
    if (rc != 0) {
        serverLog(LL_WARNING, "Fork-less snapshot: can't start the thread: "
                  "%s", strerror(rc));
        close(fds[0]);
        close(fds[1]);
        snap.notify[0] = snap.notify[1] = -1;
        return C_ERR;
    }
    pthread_setname_np(snap.thread, "snapshot");
    /* bgsave_cpulist: where a BGSAVE child would run. */
    cpu_set_t cpus;
    if (server.bgsave_cpulist &&
        parseCpuList(server.bgsave_cpulist, &cpus) == 0 &&
        (rc = pthread_setaffinity_np(snap.thread, sizeof(cpus), &cpus)) != 0)
        serverLog(LL_WARNING, "Could not bind the snapshot thread to CPUs "
                  "%s: %s", server.bgsave_cpulist, strerror(rc));
    if (aeCreateFileEvent(server.el, fds[0], AE_READABLE, snapNotified,
                          NULL) == AE_ERR)
        serverPanic("Fork-less snapshot: can't watch the thread's pipe");
    snap.active = 1;
    snap.finished = 0;
    snap.n_thread = snap.n_early = snap.n_copied = snap.n_waits = 0;
    snap.n_postponed = 0;
    snap.ready = ready;
    snap.out = listCreate();
    listSetFreeMethod(snap.out, snapChunkFree);
    snap.outpos = 0;
    snap.outlen = 0;
    snap.crc = 0;
    snap.crc_written = 0;
    snap.side = (rdbWriter){.buf = sdsEmpty(), .nocrc = 1};
    snap.side_db = -1;
    snap.db = 0;
    snap.cursor = 0;
    snap.scan_done = 0;
    snap.resized = 0;
    rdbWriter pre = {.buf = sdsEmpty(), .nocrc = 1};
    wPreamble(&pre, filter);
    snapAppendSds(pre.buf);
    snap.ndb = (filter & RDB_FILTER_NO_DATA) ? 0 : server.dbnum;
    snap.dbs = zcalloc(sizeof(snapDb) * (size_t)(server.dbnum ? server.dbnum : 1));
    for (int j = 0; j < snap.ndb; j++) {
        snap.dbs[j].keys = server.db[j].dict;
        snap.dbs[j].expires = server.db[j].expires;
        snap.dbs[j].settled = dictCreateKeysOnly(&setDictType);
    }
    return C_OK;
}

/* See rdb.h. */
size_t rdbSnapRead(char *dst, size_t cap, int *eof) {
    serverAssert(snap.active);
    long long start = snapCpuUs();
    snapJoinDone();
    /* One batch per call: making one costs the loop a few cache misses
     * per key. */
    if (!snap.finished && snap.nbatches < SNAP_MAX_BATCHES &&
        snap.outlen < SNAP_OUT_MAX && !snapNextBatch() &&
        snap.nbatches == 0) {
        /* Every batch joined: the end. The checksum follows once every
         * byte before it was taken. */
        snapJoinSide();
        snapAppendSds(sdsNewLen((char[]){RDB_OPCODE_EOF}, 1));
        snap.finished = 1;
    }
    if (snap.outlen == 0 && snap.finished && !snap.crc_written) {
        uint64_t crc = server.rdb_checksum ? snap.crc : 0;
        unsigned char b[8];
        for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
        snapAppendSds(sdsNewLen(b, 8));
        snap.crc_written = 1;
    }
    size_t n = 0;
    listNode *ln;
    while (n < cap && (ln = listFirst(snap.out))) {
        sds chunk = listNodeValue(ln);
        size_t left = sdsLen(chunk) - snap.outpos;
        size_t take = left < cap - n ? left : cap - n;
        memcpy(dst + n, chunk + snap.outpos, take);
        n += take;
        snap.outpos += take;
        if (snap.outpos == sdsLen(chunk)) {
            listDelNode(snap.out, ln);
            snap.outpos = 0;
        }
    }
    snap.outlen -= n;
    snap.crc = crc64(snap.crc, (unsigned char *)dst, n);
    *eof = snap.crc_written && snap.outlen == 0;
    snap.turn_us += snapCpuUs() - start;
    return n;
}

/* The end of a snapshot once the thread writes nothing: the thread
 * leaves, the batches give their values back, what was adopted goes to
 * the free thread. */
static void snapCleanup(void) {
    pthread_join(snap.thread, NULL);
    aeDeleteFileEvent(server.el, snap.notify[0], AE_READABLE);
    close(snap.notify[0]);
    close(snap.notify[1]);
    snap.notify[0] = snap.notify[1] = -1;
    while (snap.head) {
        snapBatch *b = snap.head;
        snap.head = b->next;
        snapReleaseBatch(b);
    }
    snap.tail = NULL;
    snap.nbatches = 0;
    for (int j = 0; j < snap.ndb; j++) {
        snapDb *sd = &snap.dbs[j];
        /* The settled keys of a large sync may be many: freed in the
         * background too. */
        freeDictsAsync(sd->settled, NULL);
        if (sd->adopted) freeDictsAsync(sd->keys, sd->expires);
    }
    zfree(snap.dbs);
    snap.dbs = NULL;
    listRelease(snap.out);
    sdsFree(snap.side.buf);
    snap.out = NULL;
    snap.side.buf = NULL;
    snap.active = 0;
    snap.finished = 0;
    snap.stopping = 0;
    snap.ndb = 0;
}

/* See rdb.h. */
void rdbSnapEnd(int wait) {
    if (!snap.active) return;
    if (!snap.stopping)
        serverLog(LL_NOTICE, "Fork-less snapshot %s: %lld keys written by "
                  "the thread, %lld by the event loop before a change, %lld "
                  "values copied before a change, %lld waits for the thread, "
                  "%lld commands postponed",
                  snap.crc_written ? "done" : "stopped", snap.n_thread,
                  snap.n_early, snap.n_copied, snap.n_waits,
                  snap.n_postponed);
    snapWakePostponed();
    pthread_mutex_lock(&snap.lock);
    __atomic_store_n(&snap.quit, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&snap.cond);
    pthread_mutex_unlock(&snap.lock);
    snap.stopping = 1;
    snap.ready = NULL;
    /* A batch being written may hold a large value the thread is in the
     * middle of: unless told to wait, the loop goes on and the pipe's
     * handler finishes the end. */
    if (wait) {
        pthread_mutex_lock(&snap.lock);
        while (snapThreadBusyLocked())
            pthread_cond_wait(&snap.cond, &snap.lock);
        pthread_mutex_unlock(&snap.lock);
    }
    if (!snapThreadBusy()) snapCleanup();
}

/* Writes the dataset to <tmpfile>, fsyncs it and renames it over
 * <filename>. Logs failures. */
static int rdbSaveFile(const char *filename, const char *tmpfile) {
    FILE *fp = fopen(tmpfile, "w");
    if (!fp) {
        char cwd[1024];
        if (!getcwd(cwd, sizeof(cwd))) snprintf(cwd, sizeof(cwd), "unknown");
        serverLog(LL_WARNING, "Failed opening the temp RDB file %s (in server "
                  "root dir %s) for saving: %s", tmpfile, cwd, strerror(errno));
        return C_ERR;
    }
    static char iobuf[1 << 16];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
    int ok = rdbSaveToFp(fp) == C_OK && fflush(fp) == 0 &&
             fsync(fileno(fp)) == 0;
    int saved_errno = errno;
    if (fclose(fp) != 0) ok = 0;
    if (!ok) {
        serverLog(LL_WARNING, "Write error saving DB on disk: %s",
                  strerror(saved_errno));
        unlink(tmpfile);
        return C_ERR;
    }
    if (rename(tmpfile, filename) == -1) {
        serverLog(LL_WARNING, "Error moving temp DB file %s on the final "
                  "destination %s (in server root dir): %s", tmpfile, filename,
                  strerror(errno));
        unlink(tmpfile);
        return C_ERR;
    }
    return C_OK;
}

/* See rdb.h. */
int rdbSave(const char *filename) {
    char tmpfile[256];
    snprintf(tmpfile, sizeof(tmpfile), "temp-%d.rdb", (int)getpid());
    if (rdbSaveFile(filename, tmpfile) != C_OK) return C_ERR;
    serverLog(LL_NOTICE, "DB saved on disk");
    server.dirty = 0;
    server.lastsave = time(NULL);
    server.lastbgsave_status = C_OK;
    rdbState.saves++;
    return C_OK;
}

/* See rdb.h. */
int rdbSaveBackground(void) {
    if (server.child_pid > 0) return C_ERR;
    rdbState.dirty_before_bgsave = server.dirty;
    server.lastbgsave_try = time(NULL);
    pid_t pid = serverFork(FORK_RDB_BGSAVE);
    if (pid == 0) {
        /* The child: writes the snapshot and leaves. */
        char tmpfile[256];
        snprintf(tmpfile, sizeof(tmpfile), "temp-%d.rdb", (int)getpid());
        int rc = rdbSaveFile(server.rdb_filename, tmpfile);
        if (rc == C_OK) serverLog(LL_NOTICE, "DB saved on disk");
        _exit(rc == C_OK ? 0 : 1);
    }
    if (pid == -1) {
        server.lastbgsave_status = C_ERR;
        serverLog(LL_WARNING, "Can't save in background: fork: %s",
                  strerror(errno));
        return C_ERR;
    }
    serverLog(LL_NOTICE, "Background saving started by pid %d", (int)pid);
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_RDB;
    rdbState.bgsave_start = time(NULL);
    rdbState.bgsave_scheduled = 0;
    return C_OK;
}

static void rdbRemoveChildTempFile(pid_t pid) {
    char tmpfile[256];
    snprintf(tmpfile, sizeof(tmpfile), "temp-%d.rdb", (int)pid);
    unlink(tmpfile);
}

/* See rdb.h. */
void rdbKillChild(void) {
    if (server.child_pid <= 0 || server.child_type != CHILD_TYPE_RDB) return;
    pid_t pid = server.child_pid;
    kill(pid, SIGUSR1);
    int status;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    rdbRemoveChildTempFile(pid);
    server.child_pid = -1;
    server.child_type = CHILD_TYPE_NONE;
    rdbState.bgsave_start = -1;
}

/* Reaps a finished BGSAVE child (cron). */
static void rdbCheckChildDone(void) {
    if (server.child_pid <= 0 || server.child_type != CHILD_TYPE_RDB) return;
    int status;
    pid_t pid = waitpid(server.child_pid, &status, WNOHANG);
    if (pid == 0) return;
    if (pid == -1 && errno == EINTR) return;
    int ok = 0;
    if (pid == -1) {
        serverLog(LL_WARNING, "waitpid() returned an error: %s. child_pid = "
                  "%d", strerror(errno), (int)server.child_pid);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ok = 1;
        serverLog(LL_NOTICE, "Background saving terminated with success");
    } else if (WIFSIGNALED(status)) {
        serverLog(LL_WARNING, "Background saving terminated by signal %d",
                  WTERMSIG(status));
    } else {
        serverLog(LL_WARNING, "Background saving error");
    }
    if (ok) {
        server.dirty -= rdbState.dirty_before_bgsave;
        if (server.dirty < 0) server.dirty = 0;
        server.lastsave = time(NULL);
        server.lastbgsave_status = C_OK;
        rdbState.saves++;
    } else {
        server.lastbgsave_status = C_ERR;
        rdbRemoveChildTempFile(server.child_pid);
    }
    rdbState.last_bgsave_time = (long long)(time(NULL) - rdbState.bgsave_start);
    server.child_pid = -1;
    server.child_type = CHILD_TYPE_NONE;
    rdbState.bgsave_start = -1;
}

/* Cron: reaps the child, runs a scheduled BGSAVE, applies save rules. */
static void rdbCron(void) {
    rdbCheckChildDone();
    /* A half-loaded dataset is never saved. */
    if (server.child_pid > 0 || server.loading) return;
    time_t now = time(NULL);
    if (rdbState.bgsave_scheduled) {
        if (rdbSaveBackground() != C_OK) rdbState.bgsave_scheduled = 0;
        return;
    }
    for (int j = 0; j < server.saveparamslen; j++) {
        struct saveparam *sp = &server.saveparams[j];
        /* After a failed BGSAVE wait a little before trying again. */
        if (server.dirty >= sp->changes && now - server.lastsave > sp->seconds &&
            (now - server.lastbgsave_try > 5 ||
             server.lastbgsave_status == C_OK)) {
            serverLog(LL_NOTICE, "%d changes in %d seconds. Saving...",
                      sp->changes, (int)sp->seconds);
            if (rdbSaveBackground() != C_OK)
                serverLog(LL_VERBOSE, "Save rule BGSAVE could not start");
            break;
        }
    }
}

/* See rdb.h. */
int writeCommandsDeniedByDiskError(void) {
    return server.stop_writes_on_bgsave_err && server.saveparamslen > 0 &&
           server.lastbgsave_status == C_ERR;
}

/* See rdb.h. */
int rdbStartupReplInfo(rdbReplInfo *ri) {
    if (!rdbState.startup_repl_ok) return 0;
    *ri = rdbState.startup_repl;
    return 1;
}

/* See rdb.h. */
void rdbSaveAfterFlushall(void) {
    rdbKillChild();
    /* A failure is logged by rdbSave; FLUSHALL itself succeeded. */
    if (server.saveparamslen > 0 && rdbSave(server.rdb_filename) != C_OK)
        serverLog(LL_WARNING, "FLUSHALL could not rewrite the RDB file");
}

/* ===================================================================
 * Reading
 * ================================================================ */

typedef struct rdbReader {
    FILE *fp;                 /* file source, or NULL */
    const unsigned char *mem; /* memory source */
    size_t pos;               /* bytes consumed */
    size_t size;              /* bytes available in all */
    uint64_t crc;
    char err[256];            /* first error, with its offset */
    size_t base;              /* stream offset of mem[0] (messages) */
    int partial;              /* more bytes may follow <size> */
    int starved;              /* the first error was running out of bytes */
    int nocrc;                /* the checksum was verified before the load */
    long long deadline;       /* ustime() after which a large value stops
                               * between two members (0: never) */
    size_t payload_size;      /* a partial reader's whole payload when
                               * known (0: unknown) */
} rdbReader;

static void rFail(rdbReader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rFail(rdbReader *r, const char *fmt, ...) {
    if (r->err[0]) return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof(r->err), "offset %zu: %s", r->base + r->pos,
             msg);
}

/* Notes that the input ran out: with more bytes to come (a transfer in
 * progress) the caller retries once they arrived instead of failing. */
static void rStarved(rdbReader *r) {
    if (r->partial && !r->err[0]) r->starved = 1;
}

static size_t rLeft(rdbReader *r) { return r->size - r->pos; }

/* Bytes the whole payload may still hold, beyond those at hand: what a
 * size hint (RESIZEDB) is weighed against. */
static size_t rPayloadLeft(rdbReader *r) {
    if (!r->partial) return rLeft(r);
    /* Unknown (a stream that ends with a mark): hints up to 16M keys. */
    if (!r->payload_size) return (size_t)3 << 24;
    size_t at = r->base + r->pos;
    return r->payload_size > at ? r->payload_size - at : 0;
}

static int rBytes(rdbReader *r, void *buf, size_t len) {
    if (r->err[0]) return C_ERR;
    if (len > rLeft(r)) {
        rStarved(r);
        rFail(r, "unexpected end of file (wanted %zu bytes, %zu left)", len,
              rLeft(r));
        return C_ERR;
    }
    if (len == 0) return C_OK;
    if (r->fp) {
        if (fread(buf, 1, len, r->fp) != len) {
            rFail(r, "short read: %s", ferror(r->fp) ? strerror(errno)
                                                      : "end of file");
            return C_ERR;
        }
    } else {
        memcpy(buf, r->mem + r->pos, len);
    }
    if (!r->nocrc) r->crc = crc64(r->crc, buf, len);
    r->pos += len;
    return C_OK;
}

static int rByte(rdbReader *r, int *b) {
    unsigned char c;
    if (rBytes(r, &c, 1) != C_OK) return C_ERR;
    *b = c;
    return C_OK;
}

static int rLittle(rdbReader *r, uint64_t *v, int bytes) {
    unsigned char b[8];
    if (rBytes(r, b, (size_t)bytes) != C_OK) return C_ERR;
    *v = 0;
    for (int i = 0; i < bytes; i++) *v |= (uint64_t)b[i] << (8 * i);
    return C_OK;
}

/* Reads a length; *encoded is set (with the encoding in *len) for the
 * special string encodings when <encoded> is not NULL. */
static int rLenEnc(rdbReader *r, uint64_t *len, int *encoded) {
    int b;
    unsigned char buf[8];
    if (encoded) *encoded = 0;
    if (rByte(r, &b) != C_OK) return C_ERR;
    int kind = (b & 0xc0) >> 6;
    if (kind == RDB_LEN_ENCVAL) {
        if (!encoded) {
            rFail(r, "string encoding where a length was expected");
            return C_ERR;
        }
        *encoded = 1;
        *len = (uint64_t)(b & 0x3f);
    } else if (kind == RDB_LEN_6BIT) {
        *len = (uint64_t)(b & 0x3f);
    } else if (kind == RDB_LEN_14BIT) {
        int b2;
        if (rByte(r, &b2) != C_OK) return C_ERR;
        *len = ((uint64_t)(b & 0x3f) << 8) | (uint64_t)b2;
    } else if (b == RDB_LEN_32BIT) {
        if (rBytes(r, buf, 4) != C_OK) return C_ERR;
        *len = ((uint64_t)buf[0] << 24) | ((uint64_t)buf[1] << 16) |
               ((uint64_t)buf[2] << 8) | buf[3];
    } else if (b == RDB_LEN_64BIT) {
        if (rBytes(r, buf, 8) != C_OK) return C_ERR;
        *len = 0;
        for (int i = 0; i < 8; i++) *len = (*len << 8) | buf[i];
    } else {
        rFail(r, "unknown length encoding 0x%02x", b);
        return C_ERR;
    }
    return C_OK;
}

static int rLen(rdbReader *r, uint64_t *len) { return rLenEnc(r, len, NULL); }

/* Reads an element count and checks it is plausible: every element takes
 * at least <minbytes> bytes of the rest of the input. */
static int rCount(rdbReader *r, uint64_t *count, size_t minbytes) {
    if (rLen(r, count) != C_OK) return C_ERR;
    if (*count > rLeft(r) / minbytes) {
        rStarved(r);
        rFail(r, "element count %llu larger than the rest of the file allows",
              (unsigned long long)*count);
        return C_ERR;
    }
    return C_OK;
}

/* Reads a string in any encoding into a new sds (integers as decimal
 * text). *isint / *ival (when not NULL) tell an integer encoding. NULL on
 * error. */
static sds rStringEx(rdbReader *r, int *isint, long long *ival) {
    uint64_t len;
    int encoded;
    if (isint) *isint = 0;
    if (rLenEnc(r, &len, &encoded) != C_OK) return NULL;
    if (encoded) {
        uint64_t u;
        long long v;
        switch (len) {
        case RDB_ENC_INT8:
            if (rLittle(r, &u, 1) != C_OK) return NULL;
            v = (int8_t)u;
            break;
        case RDB_ENC_INT16:
            if (rLittle(r, &u, 2) != C_OK) return NULL;
            v = (int16_t)u;
            break;
        case RDB_ENC_INT32:
            if (rLittle(r, &u, 4) != C_OK) return NULL;
            v = (int32_t)u;
            break;
        case RDB_ENC_LZF: {
            uint64_t clen, ulen;
            if (rLen(r, &clen) != C_OK || rLen(r, &ulen) != C_OK) return NULL;
            if (clen > rLeft(r)) {
                rStarved(r);
                rFail(r, "compressed string of %llu bytes past the end "
                         "of the file",
                      (unsigned long long)clen);
                return NULL;
            }
            /* LZF expands at most ~88 times (3 bytes -> 264). */
            if (ulen == 0 || ulen > clen * 90 + 64 ||
                ulen > (uint64_t)server.proto_max_bulk_len + 64) {
                rFail(r, "implausible LZF lengths (%llu -> %llu)",
                      (unsigned long long)clen, (unsigned long long)ulen);
                return NULL;
            }
            unsigned char *c = zmalloc(clen ? clen : 1);
            if (rBytes(r, c, clen) != C_OK) {
                zfree(c);
                return NULL;
            }
            sds s = sdsNewLenNoInit(ulen);
            size_t got = lzfDecompress(c, clen, s, ulen);
            zfree(c);
            if (got != ulen) {
                sdsFree(s);
                rFail(r, "invalid LZF compressed string");
                return NULL;
            }
            return s;
        }
        default:
            rFail(r, "unknown string encoding %llu", (unsigned long long)len);
            return NULL;
        }
        if (isint) *isint = 1;
        if (ival) *ival = v;
        char buf[LONG_STR_SIZE];
        int n = ll2string(buf, sizeof(buf), v);
        return sdsNewLen(buf, (size_t)n);
    }
    if (len > rLeft(r)) {
        rStarved(r);
        rFail(r, "string of %llu bytes past the end of the file",
              (unsigned long long)len);
        return NULL;
    }
    sds s = sdsNewLenNoInit(len);
    if (rBytes(r, s, len) != C_OK) {
        sdsFree(s);
        return NULL;
    }
    return s;
}

static sds rString(rdbReader *r) { return rStringEx(r, NULL, NULL); }

/* Reads a string blob into a zmalloc'ed buffer of exactly its length
 * (*len). NULL on error. */
static unsigned char *rBlob(rdbReader *r, size_t *len) {
    sds s = rString(r);
    if (!s) return NULL;
    *len = sdsLen(s);
    unsigned char *p = zmalloc(*len ? *len : 1);
    memcpy(p, s, *len);
    sdsFree(s);
    return p;
}

/* ---- Legacy blobs: ziplists and zipmaps ---- */

/* Converts the ziplist <zl> of <len> bytes (public "ziplist" layout:
 * uint32 zlbytes, uint32 zltail, uint16 zllen, entries, 0xFF; each entry:
 * prevlen (1 byte, or 0xFE + uint32), encoding, data) into a new listpack
 * with the same elements. Returns NULL (and *why) when malformed. */
static unsigned char *ziplistToListpack(const unsigned char *zl, size_t len,
                                        const char **why) {
    *why = "malformed ziplist";
    if (len < 11) return NULL;
    uint32_t zlbytes = zl[0] | zl[1] << 8 | zl[2] << 16 | (uint32_t)zl[3] << 24;
    uint32_t zltail = zl[4] | zl[5] << 8 | zl[6] << 16 | (uint32_t)zl[7] << 24;
    unsigned int zllen = zl[8] | zl[9] << 8;
    if (zlbytes != len || zl[len - 1] != 0xff || zltail >= len) {
        *why = "ziplist header does not match its size";
        return NULL;
    }
    unsigned char *lp = lpNew(0);
    size_t p = 10, prev_size = 0, last_start = 10;
    unsigned long count = 0;
    while (p < len - 1) {
        size_t start = p;
        size_t prevlen;
        if (zl[p] < 254) {
            prevlen = zl[p];
            p += 1;
        } else if (zl[p] == 254) {
            if (len - 1 - p < 5) goto bad;
            prevlen = zl[p + 1] | zl[p + 2] << 8 | zl[p + 3] << 16 |
                      (size_t)zl[p + 4] << 24;
            p += 5;
        } else {
            goto bad;
        }
        if (prevlen != prev_size) goto bad;
        if (p >= len - 1) goto bad;
        unsigned char enc = zl[p];
        size_t avail = len - 1 - p;
        if ((enc >> 6) != 3) {
            size_t slen, hdr;
            if ((enc >> 6) == 0) {
                slen = enc & 0x3f;
                hdr = 1;
            } else if ((enc >> 6) == 1) {
                if (avail < 2) goto bad;
                slen = ((size_t)(enc & 0x3f) << 8) | zl[p + 1];
                hdr = 2;
            } else {
                if (enc != 0x80 || avail < 5) goto bad;
                slen = (size_t)zl[p + 1] << 24 | (size_t)zl[p + 2] << 16 |
                       (size_t)zl[p + 3] << 8 | zl[p + 4];
                hdr = 5;
            }
            if (avail - hdr < slen) goto bad;
            if (!lpSafeToAdd(lp, slen)) goto bad;
            lp = lpAppend(lp, (unsigned char *)zl + p + hdr, (uint32_t)slen);
            p += hdr + slen;
        } else {
            long long v;
            size_t n;
            const unsigned char *d = zl + p + 1;
            switch (enc) {
            case 0xc0: n = 2; break;
            case 0xd0: n = 4; break;
            case 0xe0: n = 8; break;
            case 0xf0: n = 3; break;
            case 0xfe: n = 1; break;
            default:
                if (enc >= 0xf1 && enc <= 0xfd) {
                    n = 0;
                    break;
                }
                goto bad;
            }
            if (avail - 1 < n) goto bad;
            uint64_t u = 0;
            for (size_t i = 0; i < n; i++) u |= (uint64_t)d[i] << (8 * i);
            switch (enc) {
            case 0xc0: v = (int16_t)u; break;
            case 0xd0: v = (int32_t)u; break;
            case 0xe0: v = (int64_t)u; break;
            case 0xf0: v = ((int32_t)(u << 8)) >> 8; break;
            case 0xfe: v = (int8_t)u; break;
            default: v = (enc & 0x0f) - 1; break;
            }
            lp = lpAppendInteger(lp, v);
            p += 1 + n;
        }
        prev_size = p - start;
        last_start = start;
        count++;
    }
    if (p != len - 1) goto bad;
    if (count > 0 && last_start != zltail) goto bad;
    if (zllen != 0xffff && zllen != count) goto bad;
    *why = NULL;
    return lp;
bad:
    lpFree(lp);
    return NULL;
}

/* Converts the zipmap <zm> of <len> bytes (<zmlen><len>key<len><free>value
 * ...0xFF; lengths of one byte below 254, or 254 + uint32) into a listpack
 * of field,value pairs. NULL when malformed. */
static unsigned char *zipmapToListpack(const unsigned char *zm, size_t len) {
    if (len < 2 || zm[len - 1] != 0xff) return NULL;
    unsigned char *lp = lpNew(0);
    size_t p = 1;
    int field = 1;
    while (p < len && zm[p] != 0xff) {
        size_t l;
        if (zm[p] < 254) {
            l = zm[p];
            p += 1;
        } else if (zm[p] == 254) {
            if (len - p < 5) goto bad;
            l = zm[p + 1] | zm[p + 2] << 8 | zm[p + 3] << 16 |
                (size_t)zm[p + 4] << 24;
            p += 5;
        } else {
            goto bad;
        }
        size_t freeb = 0;
        if (!field) {
            if (p >= len) goto bad;
            freeb = zm[p++];
        }
        if (len - p < l || len - p - l < freeb) goto bad;
        if (!lpSafeToAdd(lp, l)) goto bad;
        lp = lpAppend(lp, (unsigned char *)zm + p, (uint32_t)l);
        p += l + freeb;
        field = !field;
    }
    if (p != len - 1 || !field) goto bad;
    return lp;
bad:
    lpFree(lp);
    return NULL;
}

/* ---- Building objects ---- */

/* Makes a hash from the validated listpack <lp> of field,value pairs
 * (taken over). Checks the pair count and unique fields; converts to a
 * dict past the listpack limits. NULL when malformed (lp freed). */
static robj *hashFromListpack(rdbReader *r, unsigned char *lp) {
    unsigned long n = lpLength(lp);
    if (n % 2) {
        lpFree(lp);
        rFail(r, "hash listpack with an odd number of elements");
        return NULL;
    }
    dict *seen = dictCreate(&setDictType);
    int toobig = n / 2 > server.hash_max_listpack_entries;
    int i = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), i++) {
        unsigned int slen;
        long long lv;
        unsigned char *s = lpGetValue(p, &slen, &lv);
        sds e = s ? sdsNewLen(s, slen) : sdsFromLongLong(lv);
        if (sdsLen(e) > server.hash_max_listpack_value) toobig = 1;
        if (i % 2 == 0 && dictAdd(seen, e, NULL) != DICT_OK) {
            sdsFree(e);
            dictRelease(seen);
            lpFree(lp);
            rFail(r, "duplicate hash fields detected");
            return NULL;
        }
        if (i % 2) sdsFree(e);
    }
    dictRelease(seen);
    robj *o = hashTypeCreateFromListpack(lp);
    if (toobig) hashTypeConvert(o, OBJ_ENCODING_HT);
    return o;
}

/* Makes a list from listpack nodes; <ql> is taken over. NULL if empty. */
static robj *listFromQuicklist(quicklist *ql) {
    if (ql->count == 0) {
        quicklistRelease(ql);
        return NULL;
    }
    robj *o = createObject(OBJ_LIST, ql);
    o->encoding = OBJ_ENCODING_QUICKLIST;
    return o;
}

static int lpIsValid(unsigned char *lp, size_t len) {
    return len >= LP_HDR_SIZE + 1 && lpValidateIntegrity(lp, len, 1, NULL, NULL);
}

/* Turns <blob> (<len> bytes read from the file) into a listpack: validated
 * as it is when <is_listpack>, converted from the ziplist format otherwise.
 * Consumes <blob>. On bad input returns NULL after rFail, naming <what>
 * ("a list node", "a hash", "a sorted set"). */
static unsigned char *rdbPackedBlobToListpack(rdbReader *r, unsigned char *blob,
                                              size_t len, int is_listpack,
                                              const char *what) {
    if (is_listpack) {
        if (lpIsValid(blob, len)) return blob;
        zfree(blob);
        rFail(r, "invalid listpack in %s", what);
        return NULL;
    }
    const char *why;
    unsigned char *lp = ziplistToListpack(blob, len, &why);
    zfree(blob);
    if (!lp) rFail(r, "%s in %s", why, what);
    return lp;
}

/* Reads the score of a member of a sorted set of RDB type <type>: 8 bytes
 * of binary double (ZSET_2), or a one-byte length and text, with 253 NaN,
 * 254 +inf and 255 -inf (ZSET). NaN is refused. */
static int rZsetScore(rdbReader *r, int type, double *score) {
    if (type == RDB_TYPE_ZSET_2) {
        uint64_t bits;
        if (rLittle(r, &bits, 8) != C_OK) return C_ERR;
        memcpy(score, &bits, sizeof(*score));
    } else {
        int len;
        char buf[256];
        if (rByte(r, &len) != C_OK) return C_ERR;
        if (len == 253) {
            *score = NAN;
        } else if (len == 254) {
            *score = INFINITY;
        } else if (len == 255) {
            *score = -INFINITY;
        } else {
            if (rBytes(r, buf, (size_t)len) != C_OK) return C_ERR;
            buf[len] = '\0';
            char *end;
            *score = strtod(buf, &end);
            if (len == 0 || *end != '\0') {
                rFail(r, "invalid sorted set score");
                return C_ERR;
            }
        }
    }
    if (isnan(*score)) {
        rFail(r, "sorted set score is NaN");
        return C_ERR;
    }
    return C_OK;
}

/* Adds <m> (copied) with <score> to the sorted set <o>; a repeated member
 * is an error. */
static int zsetAddUnique(rdbReader *r, robj *o, sds m, double score) {
    int out = 0;
    if (!zsetAdd(o, score, m, ZADD_IN_NX, &out, NULL) ||
        !(out & ZADD_OUT_ADDED)) {
        rFail(r, "duplicate sorted set members detected");
        return C_ERR;
    }
    return C_OK;
}

/* Builds a sorted set from the validated listpack <lp> of member,score
 * pairs (not taken over): every pair is re-added, so the result keeps the
 * type's invariants whatever order the blob had. NULL with *empty when
 * there are no pairs, or with the reader's error set. */
static robj *zsetFromPairs(rdbReader *r, unsigned char *lp, int *empty) {
    unsigned long n = lpLength(lp);
    if (n == 0) {
        *empty = 1;
        return NULL;
    }
    if (n % 2) {
        rFail(r, "sorted set listpack with an odd number of elements");
        return NULL;
    }
    robj *o = zsetTypeCreate(n / 2, 0);
    unsigned char *p = lpFirst(lp);
    while (p) {
        unsigned int mlen, slen;
        long long mll, sll;
        unsigned char *ms = lpGetValue(p, &mlen, &mll);
        sds m = ms ? sdsNewLen(ms, mlen) : sdsFromLongLong(mll);
        p = lpNext(lp, p);
        unsigned char *ss = lpGetValue(p, &slen, &sll);
        double score = (double)sll;
        if (ss) {
            if (!string2d((char *)ss, slen, &score) || isnan(score)) {
                sdsFree(m);
                decrRefCount(o);
                rFail(r, "invalid sorted set score");
                return NULL;
            }
        }
        int rc = zsetAddUnique(r, o, m, score);
        sdsFree(m);
        if (rc != C_OK) {
            decrRefCount(o);
            return NULL;
        }
        p = lpNext(lp, p);
    }
    return o;
}

/* A collection value read one member at a time (a node for the
 * quicklist encodings), so that a load can stop between two members and
 * go on in a later slice. */
typedef struct rdbColl {
    int type;
    uint64_t count;    /* members announced */
    uint64_t left;     /* members still to read */
    quicklist *ql;     /* lists */
    robj *o;           /* sets and sorted sets */
    dict *d;           /* a hash too large for a listpack */
    unsigned char *lp; /* a small hash */
    streamID prev;     /* streams: the last entry ID seen in the nodes */
    int has_prev;
    uint64_t live;     /* streams: live entries in the nodes */
    int tail_done;     /* streams: rStreamTail already read the tail */
} rdbColl;

static int rStreamNode(rdbReader *r, rdbColl *c);
static int rStreamTail(rdbReader *r, rdbColl *c);

static int rdbIsStreamType(int type) {
    return type == RDB_TYPE_STREAM_LISTPACKS ||
           type == RDB_TYPE_STREAM_LISTPACKS_2;
}

/* 1 for the value types read through rCollBegin/rCollMember/rCollEnd. */
static int rdbIsCollType(int type) {
    return type == RDB_TYPE_LIST || type == RDB_TYPE_LIST_QUICKLIST ||
           type == RDB_TYPE_LIST_QUICKLIST_2 ||
           type == RDB_TYPE_LIST_ZIPLIST || type == RDB_TYPE_SET ||
           type == RDB_TYPE_HASH || type == RDB_TYPE_ZSET ||
           type == RDB_TYPE_ZSET_2 || rdbIsStreamType(type);
}

/* Reads the member count of a value of <type> and makes its empty
 * container in <c>. C_ERR (nothing held) on error. */
static int rCollBegin(rdbReader *r, int type, rdbColl *c) {
    memset(c, 0, sizeof(*c));
    c->type = type;
    uint64_t n = 1; /* a ziplist list is one node */
    size_t minbytes = type == RDB_TYPE_ZSET_2 ? 9
                      : type == RDB_TYPE_HASH || type == RDB_TYPE_ZSET ||
                              type == RDB_TYPE_LIST_QUICKLIST ||
                              type == RDB_TYPE_LIST_QUICKLIST_2 ||
                              rdbIsStreamType(type)
                          ? 2 : 1;
    if (type != RDB_TYPE_LIST_ZIPLIST && rCount(r, &n, minbytes) != C_OK)
        return C_ERR;
    c->count = c->left = n;
    switch (type) {
    case RDB_TYPE_SET:
        if (n > server.set_max_intset_entries) {
            c->o = createSetObject();
            /* n is bounded by the bytes left, so the hint is safe. */
            (void)dictTryExpand(c->o->ptr, (unsigned long)n);
        } else {
            c->o = createIntsetObject();
        }
        break;
    case RDB_TYPE_HASH:
        if (n <= server.hash_max_listpack_entries) c->lp = lpNew(0);
        else c->d = dictCreate(&hashDictType);
        break;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        c->o = zsetTypeCreate((size_t)n, 0);
        break;
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        c->o = createStreamObject();
        break;
    default: /* the lists */
        c->ql = quicklistCreate(server.list_max_listpack_size,
                                server.list_compress_depth);
    }
    return C_OK;
}

/* Frees what <c> holds. */
static void rCollFree(rdbColl *c) {
    if (c->ql) quicklistRelease(c->ql);
    if (c->o) decrRefCount(c->o);
    if (c->d) dictRelease(c->d);
    if (c->lp) lpFree(c->lp);
    memset(c, 0, sizeof(*c));
}

/* Reads a node of a quicklist-encoded list into c->ql. */
static int rCollListNode(rdbReader *r, rdbColl *c) {
    uint64_t container = QUICKLIST_NODE_CONTAINER_PACKED;
    if (c->type == RDB_TYPE_LIST_QUICKLIST_2) {
        if (rLen(r, &container) != C_OK) return C_ERR;
        if (container != QUICKLIST_NODE_CONTAINER_PACKED &&
            container != QUICKLIST_NODE_CONTAINER_PLAIN) {
            rFail(r, "unknown quicklist node container %llu",
                  (unsigned long long)container);
            return C_ERR;
        }
    }
    size_t len;
    unsigned char *blob = rBlob(r, &len);
    if (!blob) return C_ERR;
    if (container == QUICKLIST_NODE_CONTAINER_PLAIN) {
        quicklistAppendPlainNode(c->ql, blob, len);
        return C_OK;
    }
    unsigned char *lp = rdbPackedBlobToListpack(
        r, blob, len, c->type == RDB_TYPE_LIST_QUICKLIST_2, "a list node");
    if (!lp) return C_ERR;
    if (lpLength(lp) == 0) lpFree(lp);
    else quicklistAppendListpack(c->ql, lp);
    return C_OK;
}

/* Reads the next member of <c> (a field and its value for a hash, a
 * member and its score for a sorted set) and adds it. On error nothing of
 * the member is kept and <c> is still whole (rCollFree frees it). */
static int rCollMember(rdbReader *r, rdbColl *c) {
    if (rdbIsStreamType(c->type)) {
        if (rStreamNode(r, c) != C_OK) return C_ERR;
        c->left--;
        return C_OK;
    }
    if (c->ql && c->type != RDB_TYPE_LIST) {
        if (rCollListNode(r, c) != C_OK) return C_ERR;
        c->left--;
        return C_OK;
    }
    sds a = rString(r);
    if (!a) return C_ERR;
    if (c->ql) { /* a list of plain strings */
        quicklistPushTail(c->ql, a, sdsLen(a));
        sdsFree(a);
    } else if (c->type == RDB_TYPE_SET) {
        int added;
        if (c->o->encoding == OBJ_ENCODING_HT) {
            added = dictAdd(c->o->ptr, a, NULL) == DICT_OK;
            if (!added) sdsFree(a);
        } else {
            added = setTypeAdd(c->o, a);
            sdsFree(a);
        }
        if (!added) {
            rFail(r, "duplicate set members detected");
            return C_ERR;
        }
    } else if (c->type == RDB_TYPE_HASH) {
        sds v = rString(r);
        if (!v) {
            sdsFree(a);
            return C_ERR;
        }
        if (c->lp) {
            if (!lpSafeToAdd(c->lp, sdsLen(a) + sdsLen(v))) {
                sdsFree(a);
                sdsFree(v);
                rFail(r, "hash too large for a listpack");
                return C_ERR;
            }
            c->lp = lpAppend(c->lp, (unsigned char *)a, (uint32_t)sdsLen(a));
            c->lp = lpAppend(c->lp, (unsigned char *)v, (uint32_t)sdsLen(v));
            sdsFree(a);
            sdsFree(v);
        } else if (dictAdd(c->d, a, v) != DICT_OK) {
            sdsFree(a);
            sdsFree(v);
            rFail(r, "duplicate hash fields detected");
            return C_ERR;
        }
    } else { /* sorted sets */
        double score;
        int rc = rZsetScore(r, c->type, &score) == C_OK
                     ? zsetAddUnique(r, c->o, a, score) : C_ERR;
        sdsFree(a);
        if (rc != C_OK) return C_ERR;
    }
    c->left--;
    return C_OK;
}

/* Every member of <c> was read: the value, taken out of <c>. NULL with
 * *empty when it has no member, or with the reader's error set. */
static robj *rCollEnd(rdbReader *r, rdbColl *c, int *empty) {
    robj *o = NULL;
    *empty = 0;
    if (rdbIsStreamType(c->type)) {
        /* A stream is never empty: groups may exist without entries. */
        if (!c->tail_done && rStreamTail(r, c) != C_OK) {
            rCollFree(c);
            return NULL;
        }
        o = c->o;
        c->o = NULL;
        rCollFree(c);
        return o;
    }
    if (c->ql) {
        o = listFromQuicklist(c->ql); /* takes the quicklist over */
        c->ql = NULL;
    } else if (c->count == 0) {
        o = NULL;
    } else if (c->lp) {
        o = hashFromListpack(r, c->lp); /* takes the listpack over */
        c->lp = NULL;
        if (!o) {
            rCollFree(c);
            return NULL;
        }
    } else if (c->d) {
        o = hashTypeCreateFromDict(c->d);
        c->d = NULL;
    } else {
        o = c->o;
        c->o = NULL;
    }
    rCollFree(c);
    if (!o) *empty = 1;
    return o;
}

static int rStreamID(rdbReader *r, streamID *id) {
    if (rLen(r, &id->ms) != C_OK || rLen(r, &id->seq) != C_OK) return C_ERR;
    return C_OK;
}

/* A stream of RDB type STREAM_LISTPACKS (Redis 5-6) or STREAM_LISTPACKS_2
 * (Redis 7.0), laid out as wStream writes it, is read as a collection of
 * listpack nodes (rStreamNode) followed by a tail (rStreamTail). Every
 * node and every PEL link is checked (RESTORE payloads are untrusted):
 * nodes well formed with increasing IDs below the last ID, the length
 * matching the live entries, each pending entry owned by exactly one
 * consumer. */

/* Reads one listpack node of a stream value into <c> (validated, its IDs
 * above the previous node's). */
static int rStreamNode(rdbReader *r, rdbColl *c) {
    stream *s = c->o->ptr;
    sds key = rString(r);
    if (!key) return C_ERR;
    if (sdsLen(key) != STREAM_ID_LEN) {
        rFail(r, "stream node key of %zu bytes", sdsLen(key));
        sdsFree(key);
        return C_ERR;
    }
    size_t len;
    unsigned char *lp = rBlob(r, &len);
    if (!lp) {
        sdsFree(key);
        return C_ERR;
    }
    streamID master;
    streamDecodeID(key, &master);
    if (!lpIsValid(lp, len) || lpFirst(lp) == NULL ||
        !streamValidateNode(lp, &master, &c->prev, &c->has_prev, &c->live)) {
        sdsFree(key);
        zfree(lp);
        rFail(r, "invalid listpack node in a stream");
        return C_ERR;
    }
    if (!raxInsert(s->nodes, key, STREAM_ID_LEN, lp)) {
        sdsFree(key);
        zfree(lp);
        rFail(r, "duplicate stream node");
        return C_ERR;
    }
    sdsFree(key);
    return C_OK;
}

/* Reads what follows a stream's nodes (length, IDs, consumer groups with
 * their pending entries and consumers) into <c>'s stream. On error the
 * groups read so far stay (streamFreeGroups undoes them). */
static int rStreamTail(rdbReader *r, rdbColl *c) {
    stream *s = c->o->ptr;
    int type = c->type;
    if (rLen(r, &s->length) != C_OK || rStreamID(r, &s->last_id) != C_OK)
        return C_ERR;
    if (type == RDB_TYPE_STREAM_LISTPACKS_2) {
        if (rStreamID(r, &s->first_id) != C_OK ||
            rStreamID(r, &s->max_deleted_entry_id) != C_OK ||
            rLen(r, &s->entries_added) != C_OK)
            return C_ERR;
    }
    if (s->length != c->live) {
        rFail(r, "stream length %llu but %llu live entries",
              (unsigned long long)s->length, (unsigned long long)c->live);
        return C_ERR;
    }
    if (c->has_prev && streamCompareID(&c->prev, &s->last_id) > 0) {
        rFail(r, "stream entry above the stream's last ID");
        return C_ERR;
    }
    if (type == RDB_TYPE_STREAM_LISTPACKS) {
        s->entries_added = s->length;
        streamGetEdgeID(s, 0, &s->first_id);
    }
    if (s->entries_added < s->length) {
        rFail(r, "stream entries-added below its length");
        return C_ERR;
    }
    uint64_t ngroups;
    if (rCount(r, &ngroups, 4) != C_OK) return C_ERR;
    for (uint64_t g = 0; g < ngroups; g++) {
        sds name = rString(r);
        if (!name) return C_ERR;
        streamID gid;
        uint64_t er = (uint64_t)SCG_INVALID_ENTRIES_READ;
        if (rStreamID(r, &gid) != C_OK ||
            (type == RDB_TYPE_STREAM_LISTPACKS_2 && rLen(r, &er) != C_OK)) {
            sdsFree(name);
            return C_ERR;
        }
        long long entries_read = (long long)er;
        if (type == RDB_TYPE_STREAM_LISTPACKS)
            entries_read = streamEstimateDistance(s, &gid);
        if (entries_read < SCG_INVALID_ENTRIES_READ) {
            sdsFree(name);
            rFail(r, "invalid entries-read of a stream group");
            return C_ERR;
        }
        streamCG *cg = streamCreateCG(s, name, sdsLen(name), &gid,
                                      entries_read);
        sdsFree(name);
        if (!cg) {
            rFail(r, "duplicate stream consumer group");
            return C_ERR;
        }
        uint64_t npel;
        if (rCount(r, &npel, STREAM_ID_LEN + 9) != C_OK) return C_ERR;
        for (uint64_t k = 0; k < npel; k++) {
            unsigned char raw[STREAM_ID_LEN];
            uint64_t dtime, dcount;
            if (rBytes(r, raw, STREAM_ID_LEN) != C_OK ||
                rLittle(r, &dtime, 8) != C_OK || rLen(r, &dcount) != C_OK)
                return C_ERR;
            streamNACK *nack = streamCreateNACK(NULL);
            nack->delivery_time = (long long)dtime;
            nack->delivery_count = dcount;
            if (!raxInsert(cg->pel, raw, STREAM_ID_LEN, nack)) {
                streamFreeNACK(nack);
                rFail(r, "duplicate pending entry in a stream group");
                return C_ERR;
            }
        }
        uint64_t ncons;
        if (rCount(r, &ncons, 10) != C_OK) return C_ERR;
        for (uint64_t k = 0; k < ncons; k++) {
            sds cname = rString(r);
            if (!cname) return C_ERR;
            uint64_t seen;
            if (rLittle(r, &seen, 8) != C_OK) {
                sdsFree(cname);
                return C_ERR;
            }
            streamConsumer *sc =
                streamAddConsumer(cg, cname, sdsLen(cname), (long long)seen);
            sdsFree(cname);
            if (!sc) {
                rFail(r, "duplicate stream consumer");
                return C_ERR;
            }
            uint64_t cpel;
            if (rCount(r, &cpel, STREAM_ID_LEN) != C_OK) return C_ERR;
            for (uint64_t m = 0; m < cpel; m++) {
                unsigned char raw[STREAM_ID_LEN];
                if (rBytes(r, raw, STREAM_ID_LEN) != C_OK) return C_ERR;
                void *v = NULL;
                if (!raxFind(cg->pel, raw, STREAM_ID_LEN, &v) ||
                    ((streamNACK *)v)->consumer != NULL) {
                    rFail(r, "consumer pending entry not in its group's PEL "
                             "or owned twice");
                    return C_ERR;
                }
                ((streamNACK *)v)->consumer = sc;
                raxInsert(sc->pel, raw, STREAM_ID_LEN, v);
            }
        }
        raxIter pi;
        raxIterInit(&pi, cg->pel);
        int orphan = 0;
        for (int ok = raxIterFirst(&pi); ok && !orphan; ok = raxIterNext(&pi))
            orphan = ((streamNACK *)pi.val)->consumer == NULL;
        raxIterRelease(&pi);
        if (orphan) {
            rFail(r, "stream group pending entry without a consumer");
            return C_ERR;
        }
    }
    return C_OK;
}

/* Reads a value of RDB type <type>. Returns the object, or NULL with
 * *empty set (a valid but empty collection, skipped as Redis does) or with
 * the reader's error set. */
static robj *rObject(rdbReader *r, int type, int *empty) {
    *empty = 0;
    if (type == RDB_TYPE_STRING) {
        int isint;
        long long v;
        sds s = rStringEx(r, &isint, &v);
        if (!s) return NULL;
        if (isint) {
            sdsFree(s);
            return createStringObjectFromLongLongForValue(v);
        }
        return tryObjectEncoding(createObject(OBJ_STRING, s));
    }
    if (rdbIsCollType(type)) {
        rdbColl c;
        if (rCollBegin(r, type, &c) != C_OK) return NULL;
        while (c.left)
            if (rCollMember(r, &c) != C_OK) {
                rCollFree(&c);
                return NULL;
            }
        return rCollEnd(r, &c, empty);
    }
    if (type == RDB_TYPE_SET_INTSET) {
        size_t len;
        unsigned char *blob = rBlob(r, &len);
        if (!blob) return NULL;
        if (!intsetValidateIntegrity(blob, len, 1)) {
            zfree(blob);
            rFail(r, "invalid intset");
            return NULL;
        }
        robj *o = setTypeCreateFromIntset((intset *)blob);
        if (intsetLen((intset *)blob) == 0) {
            decrRefCount(o);
            *empty = 1;
            return NULL;
        }
        if (intsetLen((intset *)blob) > server.set_max_intset_entries)
            setTypeConvert(o, OBJ_ENCODING_HT);
        return o;
    }
    if (type == RDB_TYPE_HASH_LISTPACK || type == RDB_TYPE_HASH_ZIPLIST ||
        type == RDB_TYPE_HASH_ZIPMAP) {
        size_t len;
        unsigned char *blob = rBlob(r, &len);
        if (!blob) return NULL;
        unsigned char *lp;
        if (type != RDB_TYPE_HASH_ZIPMAP) {
            lp = rdbPackedBlobToListpack(r, blob, len,
                                         type == RDB_TYPE_HASH_LISTPACK, "a hash");
            if (!lp) return NULL;
        } else {
            lp = zipmapToListpack(blob, len);
            zfree(blob);
            if (!lp) {
                rFail(r, "malformed zipmap");
                return NULL;
            }
        }
        if (lpLength(lp) == 0) {
            lpFree(lp);
            *empty = 1;
            return NULL;
        }
        return hashFromListpack(r, lp);
    }
    if (type == RDB_TYPE_ZSET_ZIPLIST || type == RDB_TYPE_ZSET_LISTPACK) {
        size_t len;
        unsigned char *blob = rBlob(r, &len);
        if (!blob) return NULL;
        unsigned char *lp = rdbPackedBlobToListpack(
            r, blob, len, type == RDB_TYPE_ZSET_LISTPACK, "a sorted set");
        if (!lp) return NULL;
        robj *o = zsetFromPairs(r, lp, empty);
        lpFree(lp);
        return o;
    }
    if (type == RDB_TYPE_MODULE || type == RDB_TYPE_MODULE_2) {
        rFail(r, "module value found but modules are not supported");
        return NULL;
    }
    rFail(r, "unknown RDB value type %d", type);
    return NULL;
}

static int rdbIsValueType(int t) {
    return (t >= RDB_TYPE_STRING && t <= RDB_TYPE_MODULE_2) ||
           (t >= RDB_TYPE_HASH_ZIPMAP && t <= RDB_TYPE_STREAM_LISTPACKS_2);
}

/* Where the records of one RDB stream go, and what the records before the
 * current one said (database, expire time). */
typedef struct rdbLoadTarget {
    redisDb *dbs;         /* server.dbnum databases */
    redisDb *db;          /* the selected one */
    long long expire;     /* of the next key, -1 */
    long long lru_idle;   /* IDLE opcode of the next key (seconds), -1 */
    long long lfu_freq;   /* FREQ opcode of the next key, -1 */
    long long lru_clock;  /* LRU clock when the load started */
    long long now;        /* ms when the load started */
    int version;
    int direct;           /* insert with dictAdd: the databases are not
                           * live (no notifications, no blocked clients) */
    int defer_functions;  /* collect libraries, rdbLoadStreamFinish loads */
    sds *functions;
    int nfunctions;
    long long keys_loaded, keys_expired;
    sds part_key;         /* the key of a value read over several calls */
    rdbColl part;         /* its members so far */
    int part_starved;     /* its next member is not complete yet */
    rdbReplInfo repl;     /* the AUX repl-* fields */
    int repl_fields;      /* which of them were seen (bits 1, 2, 4) */
} rdbLoadTarget;

/* Reads the 9-byte signature and checks the version into <t>. */
static int rdbLoadHeader(rdbReader *r, rdbLoadTarget *t) {
    char magic[10];
    if (rBytes(r, magic, 9) != C_OK) return C_ERR;
    magic[9] = '\0';
    if (memcmp(magic, "REDIS", 5) != 0) {
        rFail(r, "wrong signature trying to load DB from file");
        return C_ERR;
    }
    t->version = atoi(magic + 5);
    if (t->version < 1 || t->version > RDB_VERSION) {
        rFail(r, "can't handle RDB format version %d", t->version);
        return C_ERR;
    }
    return C_OK;
}

/* Adds the value <val> read for <key> (both taken over) to <t>, or
 * drops it when empty or expired. Returns 1, or -1 on error. */
static int rdbAddValue(rdbReader *r, rdbLoadTarget *t, sds key, robj *val,
                       int empty) {
    if (!val) {
        if (!empty) {
            sdsFree(key);
            return -1;
        }
        sanitizeForLog(key, sdsLen(key));
        serverLog(LL_WARNING, "rdbLoad skipping empty key: %s", key);
        sdsFree(key);
        t->expire = t->lru_idle = t->lfu_freq = -1;
        return 1;
    }
    if (t->expire != -1 && t->expire < t->now && !server.masterhost) {
        /* Expired keys are dropped by a master. */
        t->keys_expired++;
        decrRefCount(val);
        sdsFree(key);
        t->expire = t->lru_idle = t->lfu_freq = -1;
        return 1;
    }
    /* One lookup per key, and the key read is the one the dict keeps (a
     * load is mostly cache misses in a large table). */
    dictEntry *existing;
    dictEntry *de = dictAddRaw(t->db->dict, key, &existing);
    if (!de) {
        sanitizeForLog(key, sdsLen(key));
        rFail(r, "duplicate key '%.64s' found in RDB file", key);
        sdsFree(key);
        decrRefCount(val);
        return -1;
    }
    dictSetVal(t->db->dict, de, val);
    if (!t->direct) {
        /* Live databases: what dbAdd does for a new key. */
        rdbSnapNewKey(t->db->dict, key);
        if (dictSize(t->db->blocking_keys) || server.notify_keyspace_events) {
            robj *keyobj = createStringObject(key, sdsLen(key));
            signalKeyAsReady(t->db, keyobj, val->type);
            notifyKeyspaceEvent(NOTIFY_NEW, "new", keyobj, t->db->id);
            decrRefCount(keyobj);
        }
    }
    if (t->expire != -1) {
        /* The expires dict borrows the key sds of the main dict. */
        dictEntry *e = dictAddOrFind(t->db->expires, key);
        dictSetSignedIntegerVal(e, t->expire);
    }
    objectSetLRUOrLFU(val, t->lfu_freq, t->lru_idle, t->lru_clock, 1000);
    t->keys_loaded++;
    /* key-load-delay: microseconds per key, for tests of loading. */
    if (server.key_load_delay) rdbKeyDelay(server.key_load_delay);
    t->expire = t->lru_idle = t->lfu_freq = -1;
    return 1;
}


/* Frees the value being read over several calls. */
static void rdbPartFree(rdbLoadTarget *t) {
    if (!t->part_key) return;
    sdsFree(t->part_key);
    t->part_key = NULL;
    rCollFree(&t->part);
}

/* The value in progress could not be read on from <pos0>/<crc0>: when
 * the bytes ran out, the reader goes back there and 2 says "more bytes"
 * (t->part_starved); otherwise the value is dropped and -1 returned. */
static int rdbPartStop(rdbReader *r, rdbLoadTarget *t, size_t pos0,
                       uint64_t crc0) {
    if (!(r->starved && r->partial)) {
        rdbPartFree(t);
        return -1;
    }
    r->pos = pos0;
    r->crc = crc0;
    r->err[0] = '\0';
    r->starved = 0;
    t->part_starved = 1;
    return 2;
}

/* Reads members of the value in progress (t->part) until it is whole,
 * then adds it. Returns 2 while members are left: the deadline passed, or
 * the next member is not complete yet (t->part_starved; the reader is
 * back at its start). 1 once added, -1 on error. */
static int rdbLoadPartValue(rdbReader *r, rdbLoadTarget *t) {
    unsigned n = 0;
    while (t->part.left) {
        size_t pos0 = r->pos;
        uint64_t crc0 = r->crc;
        if (rCollMember(r, &t->part) != C_OK)
            return rdbPartStop(r, t, pos0, crc0);
        if (++n % 16 == 0 && t->part.left && ustime() >= r->deadline)
            return 2;
    }
    if (rdbIsStreamType(t->part.type) && !t->part.tail_done) {
        /* The tail is read whole: cut short, it is read again later, its
         * groups read so far undone. */
        size_t pos0 = r->pos;
        uint64_t crc0 = r->crc;
        if (rStreamTail(r, &t->part) != C_OK) {
            streamFreeGroups(t->part.o->ptr);
            return rdbPartStop(r, t, pos0, crc0);
        }
        t->part.tail_done = 1;
    }
    sds key = t->part_key;
    t->part_key = NULL;
    int empty;
    robj *val = rCollEnd(r, &t->part, &empty);
    return rdbAddValue(r, t, key, val, empty);
}

/* Reads one record (an opcode with its operands, or a key with its value)
 * and applies it to <t>. Nothing is applied unless the whole record was
 * read, so that a reader that ran out of bytes (r->starved) can be run
 * again on the same record. Returns 1 after a record, 0 at the EOF
 * opcode, -1 on error (r->err). With a deadline in the reader a large
 * collection is read over several calls, which return 2 until it is
 * whole (rdbLoadPartValue); the bytes they consumed stay consumed. */
static int rdbLoadRecord(rdbReader *r, rdbLoadTarget *t) {
    if (t->part_key) return rdbLoadPartValue(r, t);
    int type;
    if (rByte(r, &type) != C_OK) return -1;
    if (type == RDB_OPCODE_EXPIRETIME_MS) {
        uint64_t v;
        if (rLittle(r, &v, 8) != C_OK) return -1;
        t->expire = (long long)v;
        return 1;
    }
    if (type == RDB_OPCODE_EXPIRETIME) {
        uint64_t v;
        if (rLittle(r, &v, 4) != C_OK) return -1;
        t->expire = (long long)(int32_t)v * 1000;
        return 1;
    }
    if (type == RDB_OPCODE_FREQ) {
        int f;
        if (rByte(r, &f) != C_OK) return -1;
        t->lfu_freq = f;
        return 1;
    }
    if (type == RDB_OPCODE_IDLE) {
        uint64_t idle;
        if (rLen(r, &idle) != C_OK) return -1;
        /* Seconds; anything beyond the clock's range is "very idle". */
        t->lru_idle = idle > (uint64_t)LLONG_MAX / 1000 ? LLONG_MAX / 1000
                                                        : (long long)idle;
        return 1;
    }
    if (type == RDB_OPCODE_EOF) return 0;
    if (type == RDB_OPCODE_SELECTDB) {
        uint64_t id;
        if (rLen(r, &id) != C_OK) return -1;
        if (id >= (uint64_t)server.dbnum) {
            rFail(r, "data file was created with a Redis server "
                     "configured to handle more than %d databases",
                  server.dbnum);
            return -1;
        }
        t->db = &t->dbs[id];
        return 1;
    }
    if (type == RDB_OPCODE_RESIZEDB) {
        uint64_t dsize, esize;
        if (rLen(r, &dsize) != C_OK || rLen(r, &esize) != C_OK) return -1;
        /* Only a hint: never trust it beyond what the file can hold. */
        if (dsize <= rPayloadLeft(r) / 3 && dsize < (1UL << 30))
            (void)dictTryExpand(t->db->dict, (unsigned long)dsize);
        if (esize <= dsize && esize <= rPayloadLeft(r) / 12)
            (void)dictTryExpand(t->db->expires, (unsigned long)esize);
        return 1;
    }
    if (type == RDB_OPCODE_AUX) {
        sds k = rString(r);
        sds v = k ? rString(r) : NULL;
        if (!v) {
            sdsFree(k);
            return -1;
        }
        if (!strcasecmp(k, "redis-ver")) {
            sanitizeForLog(v, sdsLen(v));
            serverLog(LL_NOTICE, "Loading RDB produced by version %s", v);
        } else if (!strcasecmp(k, "ctime")) {
            long long ct = strtoll(v, NULL, 10);
            long long age = (long long)time(NULL) - ct;
            if (age < 0) age = 0;
            serverLog(LL_NOTICE, "RDB age %lld seconds", age);
        } else if (!strcasecmp(k, "repl-id")) {
            if (sdsLen(v) == CONFIG_RUN_ID_SIZE) {
                memcpy(t->repl.replid, v, CONFIG_RUN_ID_SIZE + 1);
                t->repl_fields |= 1;
            }
        } else if (!strcasecmp(k, "repl-offset")) {
            if (string2ll(v, sdsLen(v), &t->repl.offset) &&
                t->repl.offset >= 0)
                t->repl_fields |= 2;
        } else if (!strcasecmp(k, "repl-stream-db")) {
            long long db;
            if (string2ll(v, sdsLen(v), &db) && db >= 0 && db < INT_MAX) {
                t->repl.dbid = (int)db;
                t->repl_fields |= 4;
            }
        } else if (!strcasecmp(k, "used-mem")) {
            long long um = strtoll(v, NULL, 10);
            serverLog(LL_NOTICE, "RDB memory usage when created %.2f Mb",
                      (double)um / (1024 * 1024));
        }
        sdsFree(k);
        sdsFree(v);
        return 1;
    }
    if (type == RDB_OPCODE_MODULE_AUX) {
        rFail(r, "module auxiliary data found but modules are not "
                 "supported");
        return -1;
    }
    if (type == RDB_OPCODE_FUNCTION2) {
        sds code = rString(r);
        if (!code) return -1;
        if (t->defer_functions) {
            t->functions = zrealloc(t->functions, sizeof(sds) *
                                    (size_t)(t->nfunctions + 1));
            t->functions[t->nfunctions++] = code;
            return 1;
        }
        sds err = NULL;
        if (fnLoad && fnLoad(code, &err) != C_OK) {
            rFail(r, "failed loading a function library: %s",
                  err ? err : "unknown error");
            sdsFree(err);
            sdsFree(code);
            return -1;
        }
        if (!fnLoad)
            serverLog(LL_WARNING, "Skipping a function library found in "
                                  "the RDB file");
        sdsFree(code);
        return 1;
    }
    if (type == RDB_OPCODE_FUNCTION) {
        rFail(r, "pre-release function format is not supported");
        return -1;
    }
    if (!rdbIsValueType(type)) {
        rFail(r, "unknown RDB type or opcode %d", type);
        return -1;
    }
    sds key = rString(r);
    if (!key) return -1;
    if (r->deadline && rdbIsCollType(type)) {
        /* Large collections would make one long slice: read them a few
         * members at a time. */
        if (rCollBegin(r, type, &t->part) != C_OK) {
            sdsFree(key);
            return -1;
        }
        t->part_key = key;
        return rdbLoadPartValue(r, t);
    }
    int empty;
    robj *val = rObject(r, type, &empty);
    return rdbAddValue(r, t, key, val, empty);
}

/* Reads the CRC-64 that follows the EOF opcode (version 5 on) and checks
 * it against <computed>. */
static int rdbLoadChecksum(rdbReader *r, int version, uint64_t computed) {
    if (version < 5) return C_OK;
    uint64_t stored;
    if (rLittle(r, &stored, 8) != C_OK) return C_ERR;
    if (!server.rdb_checksum) return C_OK;
    if (stored == 0) {
        serverLog(LL_WARNING, "RDB file was saved with checksum "
                              "disabled: no check performed.");
    } else if (!r->nocrc && stored != computed) {
        rFail(r, "Wrong RDB checksum expected: (%016llx) got "
                 "(%016llx)", (unsigned long long)stored,
              (unsigned long long)computed);
        return C_ERR;
    }
    return C_OK;
}

/* Loads a whole RDB stream into the databases. */
static int rdbLoadReader(rdbReader *r) {
    rdbLoadTarget t = {.dbs = server.db, .db = &server.db[0], .expire = -1,
                       .lru_idle = -1, .lfu_freq = -1,
                       .lru_clock = LRU_CLOCK(), .now = mstime()};
    if (rdbLoadHeader(r, &t) != C_OK) return C_ERR;
    rdbState.keys_loaded = rdbState.keys_expired = 0;
    /* A whole dataset replaces the libraries too. */
    if (fnLoad) {
        sds err = NULL;
        (void)fnLoad(NULL, &err);
        sdsFree(err);
    }
    int rc;
    while ((rc = rdbLoadRecord(r, &t)) == 1) {
    }
    rdbState.keys_loaded = t.keys_loaded;
    rdbState.keys_expired = t.keys_expired;
    if (rc != 0) return C_ERR;
    return rdbLoadChecksum(r, t.version, r->crc);
}

/* See rdb.h. */
int rdbLoadFromFp(FILE *fp, size_t size, char *err, size_t errlen) {
    rdbReader r = {.fp = fp, .size = size};
    server.loading = 1;
    int rc = rdbLoadReader(&r);
    server.loading = 0;
    if (rc != C_OK && err) snprintf(err, errlen, "%s", r.err);
    return rc;
}

/* See rdb.h. */
int rdbLoad(const char *filename, char *err, size_t errlen) {
    FILE *fp = fopen(filename, "r");
    if (!fp) {
        int saved = errno;
        snprintf(err, errlen, "can't open %s: %s", filename, strerror(errno));
        errno = saved;
        return C_ERR;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == -1) {
        snprintf(err, errlen, "can't stat %s: %s", filename, strerror(errno));
        fclose(fp);
        errno = EIO;
        return C_ERR;
    }
    int rc = rdbLoadFromFp(fp, (size_t)st.st_size, err, errlen);
    fclose(fp);
    if (rc != C_OK) errno = EINVAL;
    return rc;
}

/* ===================================================================
 * DUMP payloads
 * ================================================================ */

/* See rdb.h. */
sds rdbDumpPayloadCreate(robj *o) {
    rdbWriter w = {.buf = sdsEmpty()};
    wByte(&w, (unsigned char)rdbObjectType(o));
    wObject(&w, o);
    wLittle(&w, RDB_VERSION, 2);
    uint64_t crc = w.crc;
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
    w.buf = sdsCatLen(w.buf, b, 8);
    return w.buf;
}

/* See rdb.h. */
sds rdbFunctionsDumpPayload(void) {
    rdbWriter w = {.buf = sdsEmpty()};
    rdbForEachFunctionLibrary(wFunctionLibrary, &w);
    wLittle(&w, RDB_VERSION, 2);
    uint64_t crc = w.crc;
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
    w.buf = sdsCatLen(w.buf, b, 8);
    return w.buf;
}

/* See rdb.h. */
int rdbFunctionsPayloadParse(const unsigned char *p, size_t len, sds **codes,
                             int *count, sds *err) {
    *codes = NULL;
    *count = 0;
    if (len < 10) {
        *err = sdsNew("payload version or checksum are wrong");
        return C_ERR;
    }
    const unsigned char *footer = p + len - 10;
    unsigned int ver = footer[0] | footer[1] << 8;
    uint64_t stored = 0;
    for (int i = 0; i < 8; i++) stored |= (uint64_t)footer[2 + i] << (8 * i);
    if (ver > RDB_VERSION || crc64(0, p, len - 8) != stored) {
        *err = sdsNew("payload version or checksum are wrong");
        return C_ERR;
    }
    rdbReader r = {.mem = p, .size = len - 10};
    while (r.pos < r.size) {
        int type;
        if (rByte(&r, &type) != C_OK) break;
        if (type != RDB_OPCODE_FUNCTION2) {
            *err = sdsNew("given type is not a function");
            goto fail;
        }
        sds code = rString(&r);
        if (!code) break;
        *codes = zrealloc(*codes, sizeof(sds) * (*count + 1));
        (*codes)[(*count)++] = code;
    }
    if (r.pos == r.size && !r.err[0]) return C_OK;
    *err = sdsNew("payload is malformed");
fail:
    for (int i = 0; i < *count; i++) sdsFree((*codes)[i]);
    zfree(*codes);
    *codes = NULL;
    *count = 0;
    return C_ERR;
}

/* See rdb.h. */
robj *rdbDumpPayloadLoad(const unsigned char *p, size_t len, int *badversion) {
    *badversion = 0;
    if (len < 10) {
        *badversion = 1;
        return NULL;
    }
    const unsigned char *footer = p + len - 10;
    unsigned int ver = footer[0] | footer[1] << 8;
    uint64_t stored = 0;
    for (int i = 0; i < 8; i++) stored |= (uint64_t)footer[2 + i] << (8 * i);
    if (ver > RDB_VERSION || (!server.skip_checksum_validation &&
                              crc64(0, p, len - 8) != stored)) {
        *badversion = 1;
        return NULL;
    }
    rdbReader r = {.mem = p, .size = len - 10};
    int type, empty;
    if (rByte(&r, &type) != C_OK || !rdbIsValueType(type)) return NULL;
    robj *o = rObject(&r, type, &empty);
    if (o && r.pos != r.size) {
        decrRefCount(o);
        return NULL;
    }
    return o;
}

/* ===================================================================
 * Commands and hooks
 * ================================================================ */

/* SAVE */
void saveCommand(client *c) {
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_RDB) {
        addReplyError(c, "Background save already in progress");
        return;
    }
    if (rdbSave(server.rdb_filename) == C_OK)
        addReply(c, shared.ok);
    else
        addReplyErrorObject(c, shared.err);
}

/* BGSAVE [SCHEDULE] */
void bgsaveCommand(client *c) {
    int schedule = 0;
    if (c->argc > 1) {
        if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "schedule")) {
            schedule = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_RDB) {
        addReplyError(c, "Background save already in progress");
    } else if (server.child_pid > 0) {
        if (schedule) {
            rdbState.bgsave_scheduled = 1;
            addReplyStatus(c, "Background saving scheduled");
        } else {
            addReplyError(c, "Another child process is active (AOF?): can't "
                             "BGSAVE right now. Use BGSAVE SCHEDULE in order "
                             "to schedule a BGSAVE whenever possible.");
        }
    } else if (rdbSaveBackground() == C_OK) {
        addReplyStatus(c, "Background saving started");
    } else {
        addReplyErrorObject(c, shared.err);
    }
}

/* DUMP key */
void dumpCommand(client *c) {
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (!o) {
        addReplyNull(c);
        return;
    }
    if (rdbObjectType(o) < 0) {
        addReplyError(c, "DUMP of this type is not supported yet");
        return;
    }
    addReplyBulkSds(c, rdbDumpPayloadCreate(o));
}

/* RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
 * [FREQ frequency] */
void restoreCommand(client *c) {
    long long ttl, lfu_freq = -1, lru_idle = -1;
    int replace = 0, absttl = 0;
    for (int j = 4; j < c->argc; j++) {
        int more = c->argc - j - 1;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "replace")) {
            replace = 1;
        } else if (!strcasecmp(opt, "absttl")) {
            absttl = 1;
        } else if (!strcasecmp(opt, "idletime") && more && lfu_freq == -1) {
            if (getLongLongFromObjectOrReply(c, c->argv[++j], &lru_idle,
                                             NULL) != C_OK)
                return;
            if (lru_idle < 0) {
                addReplyError(c, "Invalid IDLETIME value, must be >= 0");
                return;
            }
        } else if (!strcasecmp(opt, "freq") && more && lru_idle == -1) {
            if (getLongLongFromObjectOrReply(c, c->argv[++j], &lfu_freq,
                                             NULL) != C_OK)
                return;
            if (lfu_freq < 0 || lfu_freq > 255) {
                addReplyError(c, "Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (!replace && lookupKeyWrite(c->db, c->argv[1]) != NULL) {
        addReplyErrorObject(c, shared.busykeyerr);
        return;
    }
    if (getLongLongFromObjectOrReply(c, c->argv[2], &ttl, NULL) != C_OK) return;
    if (ttl < 0) {
        addReplyError(c, "Invalid TTL value, must be >= 0");
        return;
    }
    sds payload = c->argv[3]->ptr;
    if (!sdsEncodedObject(c->argv[3])) {
        addReplyError(c, "DUMP payload version or checksum are wrong");
        return;
    }
    int badversion;
    robj *obj = rdbDumpPayloadLoad((unsigned char *)payload, sdsLen(payload),
                                   &badversion);
    if (!obj) {
        addReplyError(c, badversion ? "DUMP payload version or checksum are "
                                      "wrong"
                                    : "Bad data format");
        return;
    }
    int deleted = 0;
    if (replace) deleted = dbDelete(c->db, c->argv[1]);
    if (ttl && !absttl) ttl += commandTimeSnapshot();
    if (ttl && checkAlreadyExpired(ttl)) {
        if (deleted) {
            robj *aux = server.lazyfree_lazy_server_del ? shared.unlink
                                                        : shared.del;
            rewriteClientCommandVector(c, 2, aux, c->argv[1]);
            signalModifiedKey(c, c->db, c->argv[1]);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
            server.dirty++;
        }
        decrRefCount(obj);
        addReply(c, shared.ok);
        return;
    }
    dbAdd(c->db, c->argv[1], obj);
    if (ttl) setExpire(c, c->db, c->argv[1], ttl);
    objectSetLRUOrLFU(obj, lfu_freq, lru_idle, LRU_CLOCK(), 1000);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "restore", c->argv[1], c->db->id);
    addReply(c, shared.ok);
    server.dirty++;
}

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] */
static void rdbDebugReload(client *c) {
    int flush = 1, save = 1;
    for (int j = 2; j < c->argc; j++) {
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "nosave")) {
            save = 0;
        } else if (!strcasecmp(opt, "noflush")) {
            flush = 0;
        } else if (!strcasecmp(opt, "merge")) {
            flush = 0;
        } else {
            addReplyError(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH "
                             "and NOSAVE options.");
            return;
        }
    }
    if (save) {
        if (server.child_pid > 0 && server.child_type == CHILD_TYPE_RDB)
            rdbKillChild();
        if (rdbSave(server.rdb_filename) != C_OK) {
            addReplyErrorObject(c, shared.err);
            return;
        }
    }
    if (flush) emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    char err[300];
    if (rdbLoad(server.rdb_filename, err, sizeof(err)) != C_OK) {
        serverLog(LL_WARNING, "Error loading the RDB on DEBUG RELOAD: %s", err);
        addReplyError(c, "Error trying to load the RDB dump, check server "
                         "logs.");
        return;
    }
    serverLog(LL_NOTICE, "DB reloaded by DEBUG RELOAD");
    addReply(c, shared.ok);
}

/* Shutdown: kill a BGSAVE child, save when rules exist or SAVE was given
 * (never with NOSAVE). */
static int rdbShutdownHook(int flags) {
    if (server.sentinel_mode) return C_OK; /* Sentinel has no dataset */
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_RDB) {
        serverLog(LL_WARNING, "There is a child saving an .rdb. Killing it!");
        rdbKillChild();
    }
    /* While loading, the dataset is not whole: Redis 7.0 skips the save
     * then too, even with SAVE. */
    if (server.loading) {
        serverLog(LL_NOTICE, "The dataset is still loading: not saving it.");
        return C_OK;
    }
    if ((server.saveparamslen > 0 && !(flags & SHUTDOWN_NOSAVE)) ||
        (flags & SHUTDOWN_SAVE)) {
        serverLog(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
        if (rdbSave(server.rdb_filename) != C_OK) {
            serverLog(LL_WARNING, "Error trying to save the DB, can't exit.");
            return C_ERR;
        }
    }
    return C_OK;
}

/* The start-up load in progress. */
static struct {
    rdbLoadStream *ls;
    rdbFileLoad *fl;
    long long start_us;
} startupLoad;

static int rdbStartupLoadTimer(aeEventLoop *el, long long id, void *data);
static void rdbStartupLoadFailed(const char *why, int err);

/* Start-up: load the snapshot if there is one, in the event loop. */
static void rdbStartupLoad(void) {
    /* With appendonly yes the AOF (aof.c's start-up hook) is the dataset. */
    if (server.sentinel_mode || server.aof_enabled) return;
    char err[300];
    startupLoad.ls = rdbLoadStreamCreate(server.db, 1);
    startupLoad.fl = rdbFileLoadOpen(server.rdb_filename, startupLoad.ls,
                                     err, sizeof(err));
    if (!startupLoad.fl) {
        int saved = errno;
        rdbLoadStreamFree(startupLoad.ls);
        startupLoad.ls = NULL;
        if (saved == ENOENT) return;
        rdbStartupLoadFailed(err, saved);
    }
    startupLoad.start_us = ustime();
    server.loading = 1;
    if (aeCreateTimeEvent(server.el, 0, rdbStartupLoadTimer, NULL, NULL) ==
        AE_ERR) {
        serverLog(LL_WARNING, "Can't create the loading timer. Exiting.");
        exit(1);
    }
    startupHookPending();
}

static sds rdbLoadStreamInfo(sds info);

static sds rdbInfoSection(sds info) {
    time_t now = time(NULL);
    int inprog = server.child_pid > 0 && server.child_type == CHILD_TYPE_RDB;
    info = sdsCatPrintf(info,
        "# Persistence\r\n"
        "loading:%d\r\n"
        "async_loading:%d\r\n"
        "current_cow_peak:0\r\n"
        "current_cow_size:0\r\n"
        "current_cow_size_age:0\r\n"
        "current_fork_perc:0.00\r\n"
        "current_save_keys_processed:0\r\n"
        "current_save_keys_total:0\r\n"
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%lld\r\n"
        "rdb_last_cow_size:0\r\n"
        "rdb_last_load_keys_expired:%lld\r\n"
        "rdb_last_load_keys_loaded:%lld\r\n",
        server.loading, server.async_loading, server.dirty, inprog,
        (long long)server.lastsave,
        server.lastbgsave_status == C_OK ? "ok" : "err",
        rdbState.last_bgsave_time,
        inprog ? (long long)(now - rdbState.bgsave_start) : -1LL,
        rdbState.saves, rdbState.keys_expired, rdbState.keys_loaded);
    info = aofCatInfoFields(info);
    info = sdsCat(info, "module_fork_in_progress:0\r\n"
                        "module_fork_last_cow_size:0\r\n");
    info = aofCatInfoSizeFields(info);
    return rdbLoadStreamInfo(info);
}

/* INFO rdbload (hidden, for tests): how often a sliced load stopped
 * inside a large value, and in all. */
static sds rdbLoadSection(sds info) {
    return sdsCatPrintf(info, "# Rdbload\r\nrdbload_value_slices:%lld\r\n"
                        "rdbload_slices:%lld\r\n",
                        rdbState.part_slices, rdbState.slices);
}

/* See rdb.h. */
void rdbInit(void) {
    /* First, so that the AOF's start-up hook loads before ours. */
    aofInit();
    registerCronHook(rdbCron);
    registerShutdownHook(rdbShutdownHook);
    registerStartupHook(rdbStartupLoad);
    registerInfoSection("persistence", 1, rdbInfoSection);
    registerInfoSection("rdbload", -1, rdbLoadSection);
    debugReloadHook = rdbDebugReload;
}

/* See server.h. */
void rdbResetStats(void) {
    rdbState.saves = 0;
}

/* ===================================================================
 * Loading an RDB stream as its bytes arrive (diskless replica load)
 * ================================================================ */

struct rdbLoadStream {
    rdbLoadTarget t;
    uint64_t crc;        /* of every byte consumed */
    uint64_t crc_at_eof; /* what the trailing checksum must match */
    size_t offset;       /* bytes consumed */
    int header_done, eof_seen, done, failed;
    size_t short_len;    /* bytes that did not hold the next record */
    int crc_checked;     /* the payload's checksum is known to be right */
    long long total;     /* the payload's size, 0 when unknown */
    size_t yield_at;     /* offset where the slice ends at the latest */
    char err[256];
};

/* The load in progress, for INFO persistence. */
static struct {
    rdbLoadStream *ls;
    long long start;  /* unix time */
    long long total;  /* bytes, 0 when unknown (EOF-marked payload) */
} loadInfo;

/* The loading_* fields of INFO persistence while a stream loads. */
static sds rdbLoadStreamInfo(sds info) {
    rdbLoadStream *ls = loadInfo.ls;
    if (!ls || (!server.loading && !server.async_loading)) return info;
    long long loaded = (long long)ls->offset;
    long long elapsed = (long long)time(NULL) - loadInfo.start;
    double perc = loadInfo.total
                      ? (double)loaded * 100 / (double)loadInfo.total : 0.0;
    long long eta = 1;
    if (loadInfo.total && elapsed > 0 && loaded > 0)
        eta = (loadInfo.total - loaded) / (loaded / elapsed + 1);
    return sdsCatPrintf(info,
        "loading_start_time:%lld\r\n"
        "loading_total_bytes:%lld\r\n"
        "loading_rdb_used_mem:0\r\n"
        "loading_loaded_bytes:%lld\r\n"
        "loading_loaded_perc:%.2f\r\n"
        "loading_eta_seconds:%lld\r\n",
        loadInfo.start, loadInfo.total, loaded, perc, eta);
}

/* See rdb.h. */
void rdbLoadStreamSetTotal(rdbLoadStream *ls, long long total) {
    ls->total = total > 0 ? total : 0;
    if (loadInfo.ls == ls) loadInfo.total = ls->total;
}

/* See rdb.h. */
void rdbLoadStreamChecksumVerified(rdbLoadStream *ls) {
    ls->crc_checked = 1;
}

/* See rdb.h. */
rdbLoadStream *rdbLoadStreamCreate(redisDb *dbs, int live) {
    rdbLoadStream *ls = zcalloc(sizeof(*ls));
    loadInfo.ls = ls;
    loadInfo.start = (long long)time(NULL);
    loadInfo.total = 0;
    ls->t.dbs = dbs;
    ls->t.db = &dbs[0];
    ls->t.expire = ls->t.lru_idle = ls->t.lfu_freq = -1;
    ls->t.lru_clock = LRU_CLOCK();
    ls->t.now = mstime();
    ls->t.direct = !live;
    ls->t.defer_functions = 1;
    ls->yield_at = (size_t)server.loading_process_events_interval_bytes;
    return ls;
}

/* A slice of the load ends here: the event loop runs before the next. */
static int rdbLoadSliceEnd(rdbLoadStream *ls) {
    rdbState.slices++;
    ls->yield_at = ls->offset +
                   (size_t)server.loading_process_events_interval_bytes;
    return RDB_STREAM_AGAIN;
}

/* See rdb.h. */
int rdbLoadStreamFeed(rdbLoadStream *ls, const unsigned char *p, size_t len,
                      int final, long long budget_us, size_t *used) {
    *used = 0;
    if (ls->failed) return RDB_STREAM_ERR;
    if (ls->done) return RDB_STREAM_DONE;
    /* A record that did not fit is parsed again once the bytes doubled:
     * a large value costs a few re-reads, not one per network read. */
    if (!final && ls->short_len > 64 * 1024 && len < 2 * ls->short_len)
        return RDB_STREAM_NEED;
    long long start = ustime();
    rdbReader r = {.mem = p, .size = len, .crc = ls->crc, .base = ls->offset,
                   .partial = !final, .nocrc = ls->crc_checked,
                   .deadline = start + budget_us,
                   .payload_size = (size_t)ls->total};
    for (;;) {
        size_t pos0 = r.pos;
        uint64_t crc0 = r.crc;
        int rc;
        if (!ls->header_done) {
            rc = rdbLoadHeader(&r, &ls->t) == C_OK ? 1 : -1;
            if (rc == 1) ls->header_done = 1;
        } else if (ls->eof_seen) {
            rc = rdbLoadChecksum(&r, ls->t.version, ls->crc_at_eof) == C_OK
                     ? 0 : -1;
        } else {
            rc = rdbLoadRecord(&r, &ls->t);
            if (rc == 0) {
                ls->eof_seen = 1;
                ls->crc_at_eof = r.crc;
                rc = 1;
            }
        }
        if (rc == -1) {
            if (r.starved) {
                ls->short_len = len - pos0;
                r.pos = pos0;
                r.crc = crc0;
                break;
            }
            snprintf(ls->err, sizeof(ls->err), "%s", r.err);
            ls->failed = 1;
            *used = pos0;
            return RDB_STREAM_ERR;
        }
        ls->short_len = 0;
        ls->crc = r.crc;
        ls->offset = r.base + r.pos;
        *used = r.pos;
        if (rc == 2) { /* a value read in part */
            rdbState.part_slices++;
            if (!ls->t.part_starved) return rdbLoadSliceEnd(ls);
            ls->t.part_starved = 0;
            ls->short_len = len - r.pos;
            break;
        }
        if (rc == 0) {
            ls->done = 1;
            return RDB_STREAM_DONE;
        }
        if (r.pos == len) break;
        /* loading-process-events-interval-bytes: the event loop runs at
         * least once per that many bytes, however fast they parse. */
        if (ls->offset >= ls->yield_at || ustime() - start >= budget_us)
            return rdbLoadSliceEnd(ls);
    }
    *used = r.pos;
    if (final) {
        snprintf(ls->err, sizeof(ls->err), "offset %zu: unexpected end of "
                 "the RDB payload", ls->offset);
        ls->failed = 1;
        return RDB_STREAM_ERR;
    }
    return RDB_STREAM_NEED;
}

/* See rdb.h. */
const char *rdbLoadStreamError(rdbLoadStream *ls) {
    return ls->err[0] ? ls->err : "unknown error";
}

/* See rdb.h. */
long long rdbLoadStreamKeys(rdbLoadStream *ls) {
    return ls->t.keys_loaded;
}

/* See rdb.h. */
size_t rdbLoadStreamOffset(rdbLoadStream *ls) {
    return ls->offset;
}

/* See rdb.h. */
int rdbLoadStreamFinish(rdbLoadStream *ls, char *err, size_t errlen) {
    rdbState.keys_loaded = ls->t.keys_loaded;
    rdbState.keys_expired = ls->t.keys_expired;
    if (!fnLoad) {
        if (ls->t.nfunctions)
            serverLog(LL_WARNING, "Skipping %d function libraries found in "
                      "the RDB payload", ls->t.nfunctions);
        return C_OK;
    }
    sds e = NULL;
    (void)fnLoad(NULL, &e);
    sdsFree(e);
    for (int i = 0; i < ls->t.nfunctions; i++) {
        e = NULL;
        if (fnLoad(ls->t.functions[i], &e) != C_OK) {
            snprintf(err, errlen, "failed loading a function library: %s",
                     e ? e : "unknown error");
            sdsFree(e);
            return C_ERR;
        }
    }
    return C_OK;
}

/* See rdb.h. */
void rdbLoadStreamFree(rdbLoadStream *ls) {
    if (!ls) return;
    if (loadInfo.ls == ls) loadInfo.ls = NULL;
    rdbPartFree(&ls->t);
    for (int i = 0; i < ls->t.nfunctions; i++) sdsFree(ls->t.functions[i]);
    zfree(ls->t.functions);
    zfree(ls);
}

/* ===================================================================
 * Loading a file a slice at a time (start-up, a replica's received file)
 * ================================================================ */

#define RDB_FILE_READ_CHUNK (1024 * 1024) /* file bytes per read */

struct rdbFileLoad {
    int fd;
    long long left; /* bytes not read yet */
    sds buf;        /* read; bytes from <pos> on are not parsed yet */
    size_t pos;
    rdbLoadStream *ls;
    int tail_ok;    /* bytes may follow the RDB stream */
};

/* See rdb.h. */
rdbFileLoad *rdbFileLoadOpen(const char *path, rdbLoadStream *ls, char *err,
                             size_t errlen) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd == -1 || fstat(fd, &st) == -1) {
        int saved = errno;
        snprintf(err, errlen, "can't open %s: %s", path, strerror(errno));
        if (fd != -1) close(fd);
        errno = saved;
        return NULL;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    rdbFileLoad *fl = zmalloc(sizeof(*fl));
    fl->fd = fd;
    fl->left = (long long)st.st_size;
    fl->buf = sdsEmpty();
    fl->pos = 0;
    fl->ls = ls;
    fl->tail_ok = 0;
    rdbLoadStreamSetTotal(ls, (long long)st.st_size);
    return fl;
}

/* See rdb.h. */
void rdbFileLoadAllowTail(rdbFileLoad *fl) {
    fl->tail_ok = 1;
}

/* See rdb.h. */
int rdbFileLoadStep(rdbFileLoad *fl, long long budget_us, char *err,
                    size_t errlen) {
    long long start = ustime();
    int more = sdsLen(fl->buf) == fl->pos;
    for (;;) {
        if (more && fl->left > 0) {
            size_t want = RDB_FILE_READ_CHUNK;
            if ((long long)want > fl->left) want = (size_t)fl->left;
            /* The parsed bytes go only now, once per read. */
            sdsRange(fl->buf, (ssize_t)fl->pos, -1);
            fl->pos = 0;
            fl->buf = sdsMakeRoomFor(fl->buf, want);
            ssize_t n = read(fl->fd, fl->buf + sdsLen(fl->buf), /* lint:not-socket */
                             want);
            if (n <= 0) {
                snprintf(err, errlen, "read error: %s",
                         n == 0 ? "unexpected end of file" : strerror(errno));
                return RDB_STREAM_ERR;
            }
            sdsIncrLen(fl->buf, n);
            fl->left -= n;
        }
        int final = fl->left == 0;
        long long budget = budget_us - (ustime() - start);
        size_t used;
        int rc = rdbLoadStreamFeed(fl->ls, (unsigned char *)fl->buf + fl->pos,
                                   sdsLen(fl->buf) - fl->pos, final,
                                   budget > 100 ? budget : 100, &used);
        fl->pos += used;
        if (rc == RDB_STREAM_ERR) {
            snprintf(err, errlen, "%s", rdbLoadStreamError(fl->ls));
            return RDB_STREAM_ERR;
        }
        if (rc == RDB_STREAM_DONE) {
            if (!fl->tail_ok && (!final || sdsLen(fl->buf) > fl->pos)) {
                snprintf(err, errlen, "bytes follow the end of the RDB");
                return RDB_STREAM_ERR;
            }
            return RDB_STREAM_DONE;
        }
        more = rc == RDB_STREAM_NEED;
        if (rc == RDB_STREAM_AGAIN || ustime() - start >= budget_us)
            return RDB_STREAM_AGAIN;
    }
}

/* See rdb.h. */
void rdbFileLoadClose(rdbFileLoad *fl) {
    if (!fl) return;
    close(fl->fd);
    sdsFree(fl->buf);
    zfree(fl);
}

/* The start-up load: a slice per event-loop turn, clients get -LOADING
 * meanwhile (as during Redis 7.0's load), the hooks after ours (the link
 * to a master) wait for the end. */
#define RDB_STARTUP_SLICE_US 2000

static void rdbStartupLoadFailed(const char *why, int err) {
    serverLog(LL_WARNING, "Internal error in RDB reading %s", why);
    serverLog(LL_WARNING, "Fatal error loading the DB: %s. Exiting.",
              strerror(err));
    exit(1);
}

static int rdbStartupLoadTimer(aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    char err[300];
    int rc = rdbFileLoadStep(startupLoad.fl, RDB_STARTUP_SLICE_US, err,
                             sizeof(err));
    if (rc == RDB_STREAM_AGAIN) return 0; /* again at the next turn */
    if (rc != RDB_STREAM_DONE ||
        rdbLoadStreamFinish(startupLoad.ls, err, sizeof(err)) != C_OK)
        rdbStartupLoadFailed(err, EINVAL);
    rdbState.startup_repl = startupLoad.ls->t.repl;
    rdbState.startup_repl_ok = startupLoad.ls->t.repl_fields == 7;
    rdbFileLoadClose(startupLoad.fl);
    rdbLoadStreamFree(startupLoad.ls);
    startupLoad.fl = NULL;
    startupLoad.ls = NULL;
    server.loading = 0;
    serverLog(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys "
              "expired: %lld.", rdbState.keys_loaded, rdbState.keys_expired);
    serverLog(LL_NOTICE, "DB loaded from disk: %.3f seconds",
              (double)(ustime() - startupLoad.start_us) / 1000000);
    startupHookDone();
    return AE_NOMORE;
}
