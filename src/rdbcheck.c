/* rdbcheck: the RDB walker behind redis-check-rdb and the RDB preamble
 * check of redis-check-aof. It checks an RDB image (versions up to 10,
 * Redis 7.0) and reports as Redis 7.0's tool does: each AUX field and SELECTDB with its
 * offset, the checksum, and the counts of keys, expires and keys already
 * expired; on damage, the offset, what was being read and which key.
 *
 * Owns: a reader over the file loaded in memory (the RDB layout as the
 * public "RDB file format" notes describe it: length encodings, string
 * encodings with LZF, the value types and opcodes).
 * Must not touch: the server's keyspace; it builds no objects, it only
 * walks the bytes and validates the encoded blobs (listpack, intset,
 * ziplist headers) with the same validators the loader uses.
 * Invariants: no read past the end of the buffer; every length is checked
 * against the bytes left before anything is allocated. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crc64.h"
#include "intset.h"
#include "listpack.h"
#include "lzf.h"
#include "rdbcheck.h"
#include "sds.h"
#include "util.h"
#include "zmalloc.h"

#define RDB_MAX_VERSION 10

/* Names of the value types as Redis's tool prints them. */
static const char *rdb_type_names[] = {
    "string", "list-linked", "set-hashtable", "zset-v1", "hash-hashtable",
    "zset-v2", "module-pre-release", "module-value", "", "hash-zipmap",
    "list-ziplist", "set-intset", "zset-ziplist", "hash-ziplist", "quicklist",
    "stream", "hash-listpack", "zset-listpack", "quicklist-v2", "stream-v2"};
#define RDB_TYPE_COUNT (int)(sizeof(rdb_type_names) / sizeof(rdb_type_names[0]))

static struct {
    const unsigned char *buf;
    size_t len, pos;
    const char *doing;      /* "While doing" */
    sds key;                /* key being read, if any */
    int type;               /* type being read, -1 if none */
    long long keys, expires, already_expired;
    long long now_ms;
} rdb;

static jmp_buf rdb_fail;

/* Reports the damage found at the current offset and stops the walk. */
static void rdbCheckError(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static void rdbCheckError(const char *fmt, ...) {
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printf("--- RDB ERROR DETECTED ---\n");
    printf("[offset %zu] %s\n", rdb.pos, msg);
    printf("[additional info] While doing: %s\n", rdb.doing);
    if (rdb.key) {
        sds k = sdsCatRepr(sdsEmpty(), rdb.key, sdsLen(rdb.key));
        /* Redis prints the key between quotes without escaping. */
        sdsRange(k, 1, -2);
        printf("[additional info] Reading key '%s'\n", k);
        sdsFree(k);
    }
    if (rdb.type >= 0)
        printf("[additional info] Reading type %d (%s)\n", rdb.type,
               rdb.type < RDB_TYPE_COUNT ? rdb_type_names[rdb.type] : "unknown");
    longjmp(rdb_fail, 1);
}

static void rdbNeed(size_t n) {
    if (rdb.len - rdb.pos < n) {
        /* The offset reported is where the short read began. */
        rdbCheckError("Unexpected EOF reading RDB file");
    }
}

static unsigned rdbByte(void) {
    rdbNeed(1);
    return rdb.buf[rdb.pos++];
}

static uint64_t rdbRawLE(int n) {
    uint64_t v = 0;
    rdbNeed((size_t)n);
    for (int i = 0; i < n; i++) v |= (uint64_t)rdb.buf[rdb.pos + i] << (8 * i);
    rdb.pos += (size_t)n;
    return v;
}

/* A length; *encoded is set for the special string encodings (11xxxxxx),
 * whose kind is then returned. */
static uint64_t rdbLen(int *encoded) {
    unsigned b = rdbByte();
    if (encoded) *encoded = 0;
    switch (b >> 6) {
    case 0:
        return b & 0x3f;
    case 1:
        return ((uint64_t)(b & 0x3f) << 8) | rdbByte();
    case 2:
        if (b == 0x80) {
            uint64_t v = 0;
            rdbNeed(4);
            for (int i = 0; i < 4; i++) v = (v << 8) | rdb.buf[rdb.pos++];
            return v;
        }
        if (b == 0x81) {
            uint64_t v = 0;
            rdbNeed(8);
            for (int i = 0; i < 8; i++) v = (v << 8) | rdb.buf[rdb.pos++];
            return v;
        }
        rdbCheckError("Unknown length encoding %u in rdbLoadLen()", b);
        return 0;
    default:
        if (encoded == NULL) rdbCheckError("Unexpected encoded length");
        *encoded = 1;
        return b & 0x3f;
    }
}

/* A string, or NULL when <keep> is 0 (skipped after validation). */
static sds rdbString(int keep) {
    int enc;
    uint64_t len = rdbLen(&enc);

    if (enc) {
        switch (len) {
        case 0:
        case 1:
        case 2: {
            int n = len == 0 ? 1 : len == 1 ? 2 : 4;
            int64_t v = (int64_t)rdbRawLE(n);
            if (n == 1) v = (int8_t)v;
            if (n == 2) v = (int16_t)v;
            if (n == 4) v = (int32_t)v;
            return keep ? sdsFromLongLong(v) : NULL;
        }
        case 3: {
            uint64_t clen = rdbLen(NULL), ulen = rdbLen(NULL);
            sds out;
            rdbNeed(clen);
            /* LZF expands at most about 1:132 (a 3-byte back reference
             * gives 264 bytes): a claimed size beyond that is damage, and
             * is refused before anything is allocated for it. */
            if (ulen == 0 || ulen > clen * 132 + 64)
                rdbCheckError("Invalid LZF compressed string");
            out = sdsNewLen(NULL, ulen);
            if (lzfDecompress(rdb.buf + rdb.pos, clen, out, ulen) != ulen) {
                sdsFree(out);
                rdbCheckError("Invalid LZF compressed string");
            }
            rdb.pos += clen;
            if (!keep) {
                sdsFree(out);
                return NULL;
            }
            return out;
        }
        default:
            rdbCheckError("Unknown RDB string encoding type %llu",
                          (unsigned long long)len);
        }
    }
    rdbNeed(len);
    if (!keep) {
        rdb.pos += len;
        return NULL;
    }
    {
        sds s = sdsNewLen(rdb.buf + rdb.pos, len);
        rdb.pos += len;
        return s;
    }
}

static void rdbListpack(void) {
    sds blob = rdbString(1);
    if (!lpValidateIntegrity((unsigned char *)blob, sdsLen(blob), 1, NULL, NULL)) {
        sdsFree(blob);
        rdbCheckError("Listpack integrity check failed.");
    }
    sdsFree(blob);
}

/* Checks the header of a ziplist or zipmap blob (legacy encodings). */
static void rdbZiplist(int zipmap) {
    sds blob = rdbString(1);
    size_t len = sdsLen(blob);
    int bad;
    if (zipmap) {
        bad = len < 2 || (unsigned char)blob[len - 1] != 0xff;
    } else {
        uint32_t zlbytes = 0;
        if (len >= 4) memcpy(&zlbytes, blob, 4);
        bad = len < 11 || zlbytes != len || (unsigned char)blob[len - 1] != 0xff;
    }
    sdsFree(blob);
    if (bad) rdbCheckError(zipmap ? "Zipmap integrity check failed."
                                  : "Ziplist integrity check failed.");
}

static void rdbOldDouble(void) {
    unsigned n = rdbByte();
    if (n < 253) {
        rdbNeed(n);
        rdb.pos += n;
    }
}

/* Module values of version 2 describe themselves with opcodes. */
static void rdbModuleOpcodes(void) {
    for (;;) {
        uint64_t op = rdbLen(NULL);
        switch (op) {
        case 0: return;                          /* EOF */
        case 1: case 2: (void)rdbLen(NULL); break; /* signed, unsigned */
        case 3: rdbNeed(4); rdb.pos += 4; break;   /* float */
        case 4: rdbNeed(8); rdb.pos += 8; break;   /* double */
        case 5: (void)rdbString(0); break;         /* string */
        default: rdbCheckError("Unknown module opcode %llu", (unsigned long long)op);
        }
    }
}

static void rdbStream(int v2) {
    uint64_t n = rdbLen(NULL);
    for (uint64_t i = 0; i < n; i++) {
        sds master = rdbString(1);
        size_t ml = sdsLen(master);
        sdsFree(master);
        if (ml != 16) rdbCheckError("Stream node key entry is not the size of a stream ID");
        rdbListpack();
    }
    (void)rdbLen(NULL); /* length */
    (void)rdbLen(NULL); /* last id */
    (void)rdbLen(NULL);
    if (v2) {
        (void)rdbLen(NULL); /* first id */
        (void)rdbLen(NULL);
        (void)rdbLen(NULL); /* max deleted id */
        (void)rdbLen(NULL);
        (void)rdbLen(NULL); /* entries added */
    }
    n = rdbLen(NULL); /* consumer groups */
    for (uint64_t g = 0; g < n; g++) {
        uint64_t pel, consumers;
        (void)rdbString(0);
        (void)rdbLen(NULL);
        (void)rdbLen(NULL);
        if (v2) (void)rdbLen(NULL); /* entries read */
        pel = rdbLen(NULL);
        for (uint64_t p = 0; p < pel; p++) {
            rdbNeed(16 + 8);
            rdb.pos += 16 + 8;
            (void)rdbLen(NULL);
        }
        consumers = rdbLen(NULL);
        for (uint64_t c = 0; c < consumers; c++) {
            uint64_t cpel;
            (void)rdbString(0);
            rdbNeed(8);
            rdb.pos += 8;
            cpel = rdbLen(NULL);
            for (uint64_t p = 0; p < cpel; p++) {
                rdbNeed(16);
                rdb.pos += 16;
            }
        }
    }
}

/* Walks one value of type <type>. */
static void rdbValue(int type) {
    uint64_t n;

    switch (type) {
    case 0:
        (void)rdbString(0);
        break;
    case 1:
    case 2:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) (void)rdbString(0);
        break;
    case 3:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) {
            (void)rdbString(0);
            rdbOldDouble();
        }
        break;
    case 4:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) {
            (void)rdbString(0);
            (void)rdbString(0);
        }
        break;
    case 5:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) {
            (void)rdbString(0);
            rdbNeed(8);
            rdb.pos += 8;
        }
        break;
    case 7:
        (void)rdbLen(NULL); /* module id */
        rdbModuleOpcodes();
        break;
    case 9:
        rdbZiplist(1);
        break;
    case 10:
    case 12:
    case 13:
        rdbZiplist(0);
        break;
    case 11: {
        sds blob = rdbString(1);
        int ok = intsetValidateIntegrity((unsigned char *)blob, sdsLen(blob), 1);
        sdsFree(blob);
        if (!ok) rdbCheckError("Intset integrity check failed.");
        break;
    }
    case 14:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) rdbZiplist(0);
        break;
    case 15:
    case 19:
        rdbStream(type == 19);
        break;
    case 16:
    case 17:
        rdbListpack();
        break;
    case 18:
        n = rdbLen(NULL);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t container = rdbLen(NULL);
            if (container == 1) {
                (void)rdbString(0); /* a plain node */
            } else if (container == 2) {
                rdbListpack();
            } else {
                rdbCheckError("Quicklist integrity check failed.");
            }
        }
        break;
    default:
        rdbCheckError("Unknown RDB encoding type %d", type);
    }
}

static void rdbCheckInfo(void) {
    printf("[info] %lld keys read\n", rdb.keys);
    printf("[info] %lld expires\n", rdb.expires);
    printf("[info] %lld already expired\n", rdb.already_expired);
}

/* Walks the whole image. Returns 0 if it is sound, 1 otherwise. */
static int rdbCheck(const char *path) {
    volatile long long expire = -1;
    int version;
    char magic[10];

    printf("[offset 0] Checking RDB file %s\n", path);
    if (setjmp(rdb_fail)) {
        rdbCheckInfo();
        return 1;
    }
    rdb.doing = "start";
    rdb.type = 0; /* shown as the type being read until a key's is known */
    rdbNeed(9);
    memcpy(magic, rdb.buf, 9);
    magic[9] = '\0';
    if (memcmp(magic, "REDIS", 5) != 0) {
        rdbCheckError("Wrong signature trying to load DB from file");
    }
    version = atoi(magic + 5);
    if (version < 1 || version > RDB_MAX_VERSION)
        rdbCheckError("Can't handle RDB format version %d", version);
    rdb.pos = 9;
    for (;;) {
        int type;
        rdb.doing = "read-type";
        type = (int)rdbByte();
        switch (type) {
        case 252: /* EXPIRETIME_MS */
            rdb.doing = "read-expire";
            expire = (long long)rdbRawLE(8);
            continue;
        case 253: /* EXPIRETIME (seconds) */
            rdb.doing = "read-expire";
            expire = (long long)rdbRawLE(4) * 1000;
            continue;
        case 248: /* IDLE */
            (void)rdbLen(NULL);
            continue;
        case 249: /* FREQ */
            (void)rdbByte();
            continue;
        case 254: /* SELECTDB */
            rdb.doing = "read-len";
            {
                uint64_t db = rdbLen(NULL);
                printf("[offset %zu] Selecting DB ID %llu\n", rdb.pos,
                       (unsigned long long)db);
            }
            continue;
        case 251: /* RESIZEDB */
            rdb.doing = "read-len";
            (void)rdbLen(NULL);
            (void)rdbLen(NULL);
            continue;
        case 250: { /* AUX */
            sds k, v;
            rdb.doing = "read-aux";
            k = rdbString(1);
            v = rdbString(1);
            printf("[offset %zu] AUX FIELD %s = '%s'\n", rdb.pos, k, v);
            sdsFree(k);
            sdsFree(v);
            continue;
        }
        case 247: /* MODULE_AUX */
            rdb.doing = "read-module-aux";
            (void)rdbLen(NULL); /* module id */
            (void)rdbLen(NULL); /* when opcode */
            (void)rdbLen(NULL); /* when */
            rdbModuleOpcodes();
            continue;
        case 245: /* FUNCTION2 */
            rdb.doing = "read-functions";
            (void)rdbString(0);
            continue;
        case 246:
            rdb.doing = "read-functions";
            rdbCheckError("Pre-release function format not supported.");
            continue;
        case 255: /* EOF */
            break;
        default:
            if (type >= RDB_TYPE_COUNT || type == 6 || type == 8) {
                rdb.type = type;
                rdbCheckError("Unknown object type %d in RDB file", type);
            }
            rdb.doing = "read-key";
            rdb.type = type;
            sdsFree(rdb.key);
            rdb.key = NULL;
            rdb.key = rdbString(1);
            /* Counted once the key is read, as Redis's tool counts; its
             * expire only once the value is read too. */
            rdb.keys++;
            rdb.doing = "read-object-value";
            rdbValue(type);
            if (expire != -1) {
                rdb.expires++;
                if (expire < rdb.now_ms) rdb.already_expired++;
            }
            expire = -1;
            sdsFree(rdb.key);
            rdb.key = NULL;
            rdb.type = -1; /* after a whole key no type is named */
            continue;
        }
        break;
    }
    rdb.doing = "check-sum";
    rdb.type = -1; /* no type is named for the checksum */
    if (version >= 5) {
        size_t end = rdb.pos;
        uint64_t stored = rdbRawLE(8);
        if (stored == 0) {
            printf("[offset %zu] RDB file was saved with checksum disabled: no check performed.\n",
                   rdb.pos);
        } else if (crc64(0, rdb.buf, end) != stored) {
            rdbCheckError("RDB CRC error");
        } else {
            printf("[offset %zu] Checksum OK\n", rdb.pos);
        }
    }
    printf("[offset %zu] \\o/ RDB looks OK! \\o/\n", rdb.pos);
    rdbCheckInfo();
    return 0;
}

/* Checks the RDB image of <len> bytes at <buf>, reporting under the name
 * <name> on stdout. Returns 0 if it is sound (then *end, if not NULL, is
 * the offset just past it: where an AOF tail would start), 1 otherwise.
 * <buf> stays the caller's. */
int rdbCheckMemory(const char *name, const unsigned char *buf, size_t len,
                   size_t *end) {
    int ret;

    memset(&rdb, 0, sizeof(rdb));
    rdb.buf = buf;
    rdb.len = len;
    rdb.now_ms = mstime();
    ret = rdbCheck(name);
    sdsFree(rdb.key);
    rdb.key = NULL;
    if (end) *end = rdb.pos;
    return ret;
}
