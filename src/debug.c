/* debug: the DEBUG command, the dataset digest and the crash report.
 *
 * Owns: DEBUG's subcommands (tests and operators poke the server's
 * internals through them), the dataset digest (DEBUG DIGEST and
 * DIGEST-VALUE) and, further down, the handlers of fatal signals that
 * write a crash report to the log.
 * Must not touch: the encodings' internals beyond the iterators the type
 * modules export; persistence is reached through rdb.h and aof.h only.
 *
 * The digest is our own: it does not reproduce Redis's bytes, only its
 * behaviour. An empty dataset digests to forty zeros; the same keys, values
 * and expiry times give the same digest whatever the encodings, the order
 * of insertion or a save and reload in between; any change of a key, a
 * value, an element's order (lists), a score or an expiry time changes it. */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <ucontext.h>

#include "server.h"
#include "aof.h"
#include "intset.h"
#include "listpack.h"
#include "quicklist.h"
#include "rdb.h"
#include "sha1.h"
#include "stream.h"

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* ---------------------------------------------------------------------
 * Digest
 * ------------------------------------------------------------------ */

#define DIGEST_LEN 20

/* Unordered combination: XOR of the element digests. */
static void digestXor(unsigned char *acc, const unsigned char *d) {
    for (int i = 0; i < DIGEST_LEN; i++) acc[i] ^= d[i];
}

/* Appends a length-prefixed field so that ("ab","c") and ("a","bc")
 * serialize differently. */
static sds digestCatField(sds s, const void *p, size_t len) {
    char hdr[24];
    int n = snprintf(hdr, sizeof(hdr), "%zu:", len);
    s = sdsCatLen(s, hdr, n);
    return sdsCatLen(s, p, len);
}

static sds digestCatLongLong(sds s, long long v) {
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    return digestCatField(s, buf, n);
}

/* A string element given as bytes or as an integer (vstr NULL), in the
 * canonical form: integers as their decimal text, so that an intset and a
 * hash table holding "12" digest alike. */
static sds digestCatElement(sds s, const unsigned char *vstr, size_t vlen,
                            long long vll) {
    if (vstr) return digestCatField(s, vstr, vlen);
    return digestCatLongLong(s, vll);
}

static sds digestCatStringObject(sds s, robj *o) {
    if (o->encoding == OBJ_ENCODING_INT) return digestCatLongLong(s, (long)o->ptr);
    return digestCatField(s, o->ptr, sdsLen(o->ptr));
}

static sds digestCatScore(sds s, double score) {
    char buf[128];
    int n = d2string(buf, sizeof(buf), score);
    return digestCatField(s, buf, n);
}

/* Writes the digest of the value <o> to <out>. Ordered types chain their
 * elements into one serialization; sets and hashes XOR one digest per
 * element so that their internal order does not matter. */
static void digestValue(robj *o, unsigned char *out) {
    sds s = sdsEmpty();
    unsigned char d[DIGEST_LEN];
    memset(out, 0, DIGEST_LEN);
    char tag = '0' + o->type;
    s = sdsCatLen(s, &tag, 1);
    switch (o->type) {
    case OBJ_STRING:
        s = digestCatStringObject(s, o);
        break;
    case OBJ_LIST: {
        quicklistIter it;
        quicklistEntry e;
        quicklistInitIterator(&it, o->ptr, 0);
        while (quicklistNext(&it, &e))
            s = digestCatElement(s, e.value, e.sz, e.longval);
        break;
    }
    case OBJ_SET: {
        setTypeIterator *si = setTypeInitIterator(o);
        sds ele;
        int64_t ll;
        int enc;
        while ((enc = setTypeNext(si, &ele, &ll)) != -1) {
            sds es = enc == OBJ_ENCODING_INTSET
                         ? digestCatLongLong(sdsEmpty(), ll)
                         : digestCatField(sdsEmpty(), ele, sdsLen(ele));
            sha1Raw(d, es, sdsLen(es));
            digestXor(out, d);
            sdsFree(es);
        }
        setTypeReleaseIterator(si);
        break;
    }
    case OBJ_ZSET: {
        zsetTypeIterator *zi = zsetTypeInitIterator(o, 0);
        unsigned char *vstr;
        unsigned int vlen;
        long long vll;
        double score;
        while (zsetTypeNext(zi, &vstr, &vlen, &vll, &score) == C_OK) {
            s = digestCatElement(s, vstr, vlen, vll);
            s = digestCatScore(s, score);
        }
        zsetTypeReleaseIterator(zi);
        break;
    }
    case OBJ_HASH: {
        hashTypeIterator *hi = hashTypeInitIterator(o);
        while (hashTypeNext(hi) == C_OK) {
            unsigned char *vstr;
            unsigned int vlen;
            long long vll;
            sds es = sdsEmpty();
            hashTypeCurrent(hi, OBJ_HASH_KEY, &vstr, &vlen, &vll);
            es = digestCatElement(es, vstr, vlen, vll);
            hashTypeCurrent(hi, OBJ_HASH_VALUE, &vstr, &vlen, &vll);
            es = digestCatElement(es, vstr, vlen, vll);
            sha1Raw(d, es, sdsLen(es));
            digestXor(out, d);
            sdsFree(es);
        }
        hashTypeReleaseIterator(hi);
        break;
    }
    case OBJ_STREAM: {
        /* The commands an AOF rewrite writes for the stream (entries,
         * last ID, groups, consumers, pending entries) describe its
         * content whatever the node layout. */
        sds cmds = streamCatRewriteCommands(sdsEmpty(), "", 0, o);
        s = digestCatField(s, cmds, sdsLen(cmds));
        sdsFree(cmds);
        break;
    }
    default: {
        sds payload = rdbDumpPayloadCreate(o);
        s = digestCatField(s, payload, sdsLen(payload));
        sdsFree(payload);
        break;
    }
    }
    /* The ordered part, then the unordered part, into one digest. */
    s = sdsCatLen(s, out, DIGEST_LEN);
    sha1Raw(out, s, sdsLen(s));
    sdsFree(s);
}

/* Digest of one key of <db>: its name, value and expiry time. */
static void digestKey(redisDb *db, sds key, robj *val, unsigned char *out) {
    unsigned char vd[DIGEST_LEN];
    digestValue(val, vd);
    robj *keyobj = createStringObject(key, sdsLen(key));
    long long expire = getExpire(db, keyobj);
    decrRefCount(keyobj);
    sds s = digestCatLongLong(sdsEmpty(), db->id);
    s = digestCatField(s, key, sdsLen(key));
    s = sdsCatLen(s, vd, DIGEST_LEN);
    s = digestCatLongLong(s, expire);
    sha1Raw(out, s, sdsLen(s));
    sdsFree(s);
}

/* Digest of the whole dataset into <out> (all zeros when empty). */
static void digestDataset(unsigned char *out) {
    memset(out, 0, DIGEST_LEN);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        if (dictSize(db->dict) == 0) continue;
        dictIterator *di = dictGetSafeIterator(db->dict);
        dictEntry *de;
        while ((de = dictNext(di))) {
            unsigned char kd[DIGEST_LEN];
            digestKey(db, dictGetKey(de), dictGetVal(de), kd);
            digestXor(out, kd);
        }
        dictReleaseIterator(di);
    }
}

static void addReplyDigest(client *c, const unsigned char *d) {
    char hex[DIGEST_LEN * 2 + 1];
    for (int i = 0; i < DIGEST_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    addReplyStatus(c, hex);
}

/* ---------------------------------------------------------------------
 * DEBUG subcommands
 * ------------------------------------------------------------------ */

/* Bytes the value <o> takes in an RDB file (DEBUG OBJECT's
 * serializedlength): the DUMP payload less its type byte and footer. */
static size_t debugSerializedLength(robj *o) {
    sds payload = rdbDumpPayloadCreate(o);
    size_t len = sdsLen(payload);
    sdsFree(payload);
    return len > 11 ? len - 11 : 0;
}

static void debugObject(client *c) {
    robj *val = lookupKeyReadWithFlags(c->db, c->argv[2],
                                       LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!val) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    sds extra = sdsEmpty();
    if (val->type == OBJ_LIST && val->encoding == OBJ_ENCODING_QUICKLIST) {
        quicklist *ql = val->ptr;
        size_t usize = 0;
        for (quicklistNode *n = ql->head; n; n = n->next) usize += n->sz;
        extra = sdsCatPrintf(extra, " ql_nodes:%lu ql_avg_node:%.2f "
                             "ql_listpack_max:%d ql_compressed:%d "
                             "ql_uncompressed_size:%zu",
                             ql->len, ql->len ? (double)ql->count / ql->len : 0,
                             ql->fill, ql->compress != 0, usize);
    }
    addReplyStatusFormat(c, "Value at:%p refcount:%d encoding:%s "
                         "serializedlength:%zu lru:%d lru_seconds_idle:%llu%s",
                         (void *)val, val->refcount, strEncoding(val->encoding),
                         debugSerializedLength(val), val->lru,
                         estimateObjectIdleTime(val) / 1000, extra);
    sdsFree(extra);
}

/* DEBUG POPULATE <count> [<prefix>] [<size>]: keys "<prefix>:<n>" for n in
 * [0, count) holding "value:<n>" (cut or zero-padded to <size> bytes when
 * given); keys that exist are left alone. */
static void debugPopulate(client *c) {
    long count, size = -1;
    if (getLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK) return;
    if (count < 0) {
        addReplyError(c, "value is out of range, must be positive");
        return;
    }
    const char *prefix = c->argc > 3 ? c->argv[3]->ptr : "key";
    if (c->argc > 4 &&
        getRangeLongFromObjectOrReply(c, c->argv[4], 0,
                                      server.proto_max_bulk_len, &size,
                                      "value is out of range, must be "
                                      "positive") != C_OK)
        return;
    if (dictSize(c->db->dict) + count > dictSize(c->db->dict))
        dictExpand(c->db->dict, dictSize(c->db->dict) + count);
    for (long j = 0; j < count; j++) {
        sds key = sdsCatPrintf(sdsEmpty(), "%s:%ld", prefix, j);
        robj *keyobj = createObject(OBJ_STRING, key);
        if (lookupKeyWriteWithFlags(c->db, keyobj, LOOKUP_NOTOUCH |
                                    LOOKUP_NONOTIFY) != NULL) {
            decrRefCount(keyobj);
            continue;
        }
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "value:%ld", j);
        robj *val;
        if (size < 0) {
            val = createStringObject(buf, n);
        } else {
            sds v = sdsNewLen(NULL, size); /* zero-filled */
            memcpy(v, buf, (size_t)n < (size_t)size ? (size_t)n : (size_t)size);
            val = createObject(OBJ_STRING, v);
        }
        dbAdd(c->db, keyobj, val);
        signalModifiedKey(c, c->db, keyobj);
        decrRefCount(keyobj);
    }
    addReply(c, shared.ok);
}

static void debugDigestValue(client *c) {
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        unsigned char d[DIGEST_LEN];
        memset(d, 0, sizeof(d));
        robj *o = lookupKeyReadWithFlags(c->db, c->argv[j],
                                         LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
        if (o) digestValue(o, d);
        addReplyDigest(c, d);
    }
}

/* Logs the entries of the listpack <lp> (DEBUG LISTPACK). */
static void debugLogListpack(unsigned char *lp) {
    serverLog(LL_WARNING, "listpack: %zu bytes, %lu entries", lpBytes(lp),
              lpLength(lp));
    long idx = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), idx++) {
        int64_t len;
        unsigned char buf[LP_INTBUF_SIZE];
        unsigned char *v = lpGet(p, &len, buf);
        sds s = sdsCatRepr(sdsEmpty(), (char *)v, len > 64 ? 64 : len);
        serverLog(LL_WARNING, "  [%ld] offset %ld: %s%s", idx,
                  (long)(p - lp), s, len > 64 ? "..." : "");
        sdsFree(s);
    }
}

static void debugListpack(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[2],
                                     LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    if (o->encoding != OBJ_ENCODING_LISTPACK) {
        addReplyError(c, "Not a listpack encoded object.");
        return;
    }
    debugLogListpack(o->ptr);
    addReplyStatus(c, "Listpack structure printed on the server log");
}

static void debugQuicklist(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[2],
                                     LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    if (o->encoding != OBJ_ENCODING_QUICKLIST) {
        addReplyError(c, "Not a quicklist encoded object.");
        return;
    }
    int full = c->argc > 3 && !strcmp(c->argv[3]->ptr, "1");
    quicklist *ql = o->ptr;
    serverLog(LL_WARNING, "quicklist: %lu elements in %lu nodes, fill %d",
              ql->count, ql->len, ql->fill);
    long idx = 0;
    for (quicklistNode *n = ql->head; n; n = n->next, idx++) {
        serverLog(LL_WARNING, "  node %ld: %s, %u elements, %zu bytes", idx,
                  n->container == QUICKLIST_NODE_CONTAINER_PLAIN ? "plain"
                                                                 : "packed",
                  n->count, n->sz);
        if (full && n->container != QUICKLIST_NODE_CONTAINER_PLAIN)
            debugLogListpack(n->entry);
    }
    addReplyStatus(c, "Quicklist structure printed on the server log");
}

/* Appends the chain statistics of <d> (Redis 7.0 prints them in full;
 * the optional "full" argument of later versions is accepted). */
static sds debugHtStats(sds s, dict *d) {
    if (dictSize(d) == 0) return sdsCat(s, "No stats available for empty "
                                           "dictionaries\n");
    char buf[4096];
    dictGetStats(buf, sizeof(buf), d);
    return sdsCat(s, buf);
}

static void debugHtstats(client *c) {
    long dbid;
    if (getLongFromObjectOrReply(c, c->argv[2], &dbid, NULL) != C_OK) return;
    if (dbid < 0 || dbid >= server.dbnum) {
        addReplyError(c, "Out of range database");
        return;
    }
    redisDb *db = &server.db[dbid];
    sds s = sdsCat(sdsEmpty(), "[Dictionary HT]\n");
    s = debugHtStats(s, db->dict);
    s = sdsCat(s, "[Expires HT]\n");
    s = debugHtStats(s, db->expires);
    addReplyVerbatim(c, s, sdsLen(s), "txt");
    sdsFree(s);
}

static void debugHtstatsKey(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[2],
                                     LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    dict *d = NULL;
    if ((o->type == OBJ_SET || o->type == OBJ_HASH) &&
        o->encoding == OBJ_ENCODING_HT)
        d = o->ptr;
    else if (o->type == OBJ_ZSET)
        d = zsetGetDict(o);
    if (!d) {
        addReplyError(c, "The value stored at the specified key is not "
                         "represented using an hash table");
        return;
    }
    sds s = debugHtStats(sdsEmpty(), d);
    addReplyVerbatim(c, s, sdsLen(s), "txt");
    sdsFree(s);
}

static void debugProtocol(client *c) {
    const char *name = c->argv[2]->ptr;
    if (!strcasecmp(name, "string")) {
        addReplyBulkCString(c, "Hello World");
    } else if (!strcasecmp(name, "integer")) {
        addReplyLongLong(c, 12345);
    } else if (!strcasecmp(name, "double")) {
        addReplyDouble(c, 3.141);
    } else if (!strcasecmp(name, "bignum")) {
        addReplyBigNum(c, "1234567999999999999999999999999999999", 37);
    } else if (!strcasecmp(name, "null")) {
        addReplyNull(c);
    } else if (!strcasecmp(name, "array")) {
        addReplyArrayLen(c, 3);
        for (int j = 0; j < 3; j++) addReplyLongLong(c, j);
    } else if (!strcasecmp(name, "set")) {
        addReplySetLen(c, 3);
        for (int j = 0; j < 3; j++) addReplyLongLong(c, j);
    } else if (!strcasecmp(name, "map")) {
        addReplyMapLen(c, 3);
        for (int j = 0; j < 3; j++) {
            addReplyLongLong(c, j);
            addReplyBool(c, j == 1);
        }
    } else if (!strcasecmp(name, "attrib")) {
        if (c->resp >= 3) {
            addReplyAttributeLen(c, 1);
            addReplyBulkCString(c, "key-popularity");
            addReplyArrayLen(c, 2);
            addReplyBulkCString(c, "key:123");
            addReplyLongLong(c, 90);
        }
        addReplyBulkCString(c, "Some real reply following the attribute");
    } else if (!strcasecmp(name, "push")) {
        if (c->resp < 3) {
            addReplyError(c, "RESP2 is not supported by this command");
            return;
        }
        addReplyPushLen(c, 2);
        addReplyBulkCString(c, "server-cpu-usage");
        addReplyLongLong(c, 42);
        addReplyBulkCString(c, "Some real reply following the push reply");
    } else if (!strcasecmp(name, "true")) {
        addReplyBool(c, 1);
    } else if (!strcasecmp(name, "false")) {
        addReplyBool(c, 0);
    } else if (!strcasecmp(name, "verbatim")) {
        addReplyVerbatim(c, "This is a verbatim\nstring", 25, "txt");
    } else {
        addReplyError(c, "Wrong protocol type name. Please use one of the "
                         "following: string|integer|double|bignum|null|"
                         "array|set|map|attrib|push|verbatim|true|false");
    }
}

static void debugReplyBuffer(client *c) {
    const char *what = c->argv[2]->ptr;
    if (!strcasecmp(what, "peak-reset-time")) {
        const char *v = c->argv[3]->ptr;
        if (!strcasecmp(v, "never")) {
            server.reply_buffer_peak_reset_time = -1;
        } else if (!strcasecmp(v, "reset")) {
            server.reply_buffer_peak_reset_time = 5000;
        } else {
            long long t;
            if (getLongLongFromObjectOrReply(c, c->argv[3], &t, NULL) != C_OK)
                return;
            server.reply_buffer_peak_reset_time = t;
        }
    } else if (!strcasecmp(what, "resizing")) {
        long v;
        if (getRangeLongFromObjectOrReply(c, c->argv[3], 0, 1, &v, NULL) != C_OK)
            return;
        server.reply_buffer_resizing = (int)v;
    } else {
        addReplyError(c, "Wrong argument, expected PEAK-RESET-TIME or "
                         "RESIZING");
        return;
    }
    addReply(c, shared.ok);
}

/* Reads argv[2] as 0 or 1 into *<v>; replies an error and returns C_ERR
 * otherwise. */
static int debugGetFlag(client *c, int *v) {
    long l;
    if (getRangeLongFromObjectOrReply(c, c->argv[2], 0, 1, &l,
                                      "argument must be 0 or 1") != C_OK)
        return C_ERR;
    *v = (int)l;
    return C_OK;
}

static void debugHelp(client *c) {
    const char *help[] = {
        "AOF-FLUSH-SLEEP <microsec>",
        "    Sleep this long before each write to the AOF (slow disk tests).",
        "CHANGE-REPL-ID",
        "    Give this server new replication IDs (the second one cleared).",
        "DIGEST",
        "    A digest of the whole dataset (forty zeros when it is empty).",
        "DIGEST-VALUE <key> [<key> ...]",
        "    One digest per key of its value alone.",
        "ERROR <string>",
        "    Reply with the error <string> as given.",
        "HTSTATS <dbid> [full]",
        "    Hash table statistics of a database's keys and expiry times.",
        "HTSTATS-KEY <key> [full]",
        "    Hash table statistics of a value held in a hash table.",
        "JMAP",
        "    Accepted for compatibility; does nothing.",
        "LISTPACK <key>",
        "    Write the listpack of a value to the server log.",
        "LOADAOF",
        "    Flush the AOF, empty the dataset and load the AOF back.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Internal details of the value at <key>.",
        "PANIC",
        "    Stop the server with a fatal internal error and a crash report.",
        "PAUSE-CRON <0|1>",
        "    Stop (1) or resume (0) the periodic server tasks.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys <prefix>:<n> (prefix 'key').",
        "PROTOCOL <type>",
        "    Reply with a sample of the given RESP type.",
        "QUICKLIST <key> [<0|1>]",
        "    Write the nodes of a list (1: with their entries) to the log.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    List elements of at least <size> bytes get a node of their own.",
        "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
        "    Save the RDB file and load it back.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|<ms>>",
        "REPLYBUFFER RESIZING <0|1>",
        "    Reply buffer tuning (kept; this server has no resizing buffer).",
        "SEGFAULT",
        "    Crash the server on an invalid memory access (crash report).",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the active expiry of keys off (0) or back on (1).",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Skip (1) the checksum check of DUMP payloads given to RESTORE.",
        "SLEEP <seconds>",
        "    Block the server for <seconds> (decimals allowed).",
        "STRINGMATCH-LEN <pattern> <string>",
        "    1 if <string> matches the glob <pattern>, else 0.",
        "STRINGMATCH-TEST",
        "    Run the glob matcher on a pattern built to be slow.",
        "STRUCTSIZE",
        "    Sizes of the main internal structures, in bytes.",
        NULL};
    addReplyHelp(c, help);
}

/* Writes through an address that no mapping covers (DEBUG SEGFAULT).
 * The address comes through a volatile so the compiler cannot prove it
 * bad. */
static void debugSegfault(void) {
    static volatile uintptr_t where = 8;
    volatile int *bad = (volatile int *)where;
    *bad = 1;
}

/* Whether the DEBUG command (enable-debug-command) is open to <c>. */
static int debugAllowed(client *c) {
    if (server.enable_debug_cmd == 1) return 1;
    if (server.enable_debug_cmd == 0) return 0;
    if (!c->conn || (c->flags & CLIENT_UNIX_SOCKET)) return 1;
    const char *peer = getClientPeerId(c);
    return strncmp(peer, "127.0.0.1:", 10) == 0 || strncmp(peer, "[::1]:", 6) == 0;
}

void debugCommand(client *c) {
    if (!debugAllowed(c)) {
        addReplyError(c, "DEBUG command not allowed. If the "
                         "enable-debug-command option is set to \"local\", "
                         "you can run it from a local connection, otherwise "
                         "you need to set this option in the configuration "
                         "file, and then restart the server.");
        return;
    }
    const char *sub = c->argv[1]->ptr;
    int argc = c->argc;
    if (!strcasecmp(sub, "help") && argc == 2) {
        debugHelp(c);
    } else if (!strcasecmp(sub, "segfault") && argc == 2) {
        /* A write through an address no mapping covers: SIGSEGV. */
        serverLog(LL_WARNING, "DEBUG SEGFAULT called");
        debugSegfault();
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "panic") && argc == 2) {
        serverPanic("DEBUG PANIC called at Unix time %lld",
                    (long long)time(NULL));
    } else if (!strcasecmp(sub, "assert") && argc == 2) {
        serverAssert(argc == 1);
    } else if (!strcasecmp(sub, "log") && argc == 3) {
        sds msg = sdsDup(c->argv[2]->ptr);
        sanitizeForLog(msg, sdsLen(msg));
        serverLog(LL_WARNING, "DEBUG LOG: %s", msg);
        sdsFree(msg);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "sleep") && argc == 3) {
        double dtime;
        if (getDoubleFromObjectOrReply(c, c->argv[2], &dtime, NULL) != C_OK)
            return;
        if (dtime < 0) dtime = 0;
        long long utime = (long long)(dtime * 1000000);
        struct timespec tv = {utime / 1000000, (utime % 1000000) * 1000};
        nanosleep(&tv, NULL);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "set-active-expire") && argc == 3) {
        int v;
        if (debugGetFlag(c, &v) != C_OK) return;
        server.active_expire_enabled = v;
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "pause-cron") && argc == 3) {
        int v;
        if (debugGetFlag(c, &v) != C_OK) return;
        server.pause_cron = v;
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "set-skip-checksum-validation") && argc == 3) {
        int v;
        if (debugGetFlag(c, &v) != C_OK) return;
        server.skip_checksum_validation = v;
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "object") && argc == 3) {
        debugObject(c);
    } else if (!strcasecmp(sub, "change-repl-id") && argc == 2) {
        serverLog(LL_WARNING, "Changing replication IDs after receiving "
                              "DEBUG change-repl-id");
        getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
        server.replid[CONFIG_RUN_ID_SIZE] = '\0';
        memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
        server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
        server.second_replid_offset = -1;
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "protocol") && argc == 3) {
        debugProtocol(c);
    } else if (!strcasecmp(sub, "jmap") && argc == 2) {
        addReply(c, shared.ok);
    } else if ((!strcasecmp(sub, "reload") || !strcasecmp(sub, "loadaof")) &&
               server.loading) {
        addReplyErrorObject(c, shared.loadingerr); /* one load at a time */
    } else if (!strcasecmp(sub, "reload") && debugReloadHook) {
        debugReloadHook(c);
    } else if (!strcasecmp(sub, "loadaof") && argc == 2) {
        if (aofDebugReload() != C_OK) {
            addReplyError(c, "The AOF is not enabled (or its first rewrite "
                             "is not done yet)");
            return;
        }
        serverLog(LL_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "populate") && argc >= 3 && argc <= 5) {
        debugPopulate(c);
    } else if (!strcasecmp(sub, "digest") && argc == 2) {
        unsigned char d[DIGEST_LEN];
        digestDataset(d);
        addReplyDigest(c, d);
    } else if (!strcasecmp(sub, "digest-value") && argc >= 2) {
        debugDigestValue(c);
    } else if (!strcasecmp(sub, "listpack") && argc == 3) {
        debugListpack(c);
    } else if (!strcasecmp(sub, "quicklist") && (argc == 3 || argc == 4)) {
        debugQuicklist(c);
    } else if (!strcasecmp(sub, "quicklist-packed-threshold") && argc == 3) {
        int err = 0;
        long long sz = memtoull(c->argv[2]->ptr, &err);
        if (err || sz < 1 || sz > (1LL << 32)) {
            addReplyError(c, "argument must be a memory value bigger than 1 "
                             "and smaller than 4gb");
            return;
        }
        quicklistSetPackedThreshold((size_t)sz);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "stringmatch-len") && argc == 4) {
        sds pat = c->argv[2]->ptr, str = c->argv[3]->ptr;
        addReplyLongLong(c, stringmatchlen(pat, sdsLen(pat), str, sdsLen(str),
                                           0));
    } else if (!strcasecmp(sub, "stringmatch-test") && argc == 2) {
        /* Nested stars against a long non-matching subject: a matcher
         * without a limit on backtracking would run for ages. */
        char pat[64], str[4096];
        memset(pat, '*', sizeof(pat) - 2);
        pat[sizeof(pat) - 2] = 'b';
        pat[sizeof(pat) - 1] = '\0';
        memset(str, 'a', sizeof(str) - 1);
        str[sizeof(str) - 1] = '\0';
        int m = stringmatchlen(pat, strlen(pat), str, strlen(str), 0);
        addReplyStatus(c, m ? "Unexpected match" : "Pattern matching test "
                                                   "passed");
    } else if (!strcasecmp(sub, "htstats") && (argc == 3 || argc == 4)) {
        debugHtstats(c);
    } else if (!strcasecmp(sub, "htstats-key") && (argc == 3 || argc == 4)) {
        debugHtstatsKey(c);
    } else if (!strcasecmp(sub, "error") && argc == 3) {
        sds err = sdsCatLen(sdsNew("-"), c->argv[2]->ptr,
                            sdsLen(c->argv[2]->ptr));
        addReplyErrorSds(c, err);
    } else if (!strcasecmp(sub, "structsize") && argc == 2) {
        addReplyStatusFormat(c, "bits:%d robj:%zu dictentry:%zu client:%zu "
                             "quicklist:%zu quicklistnode:%zu",
                             (int)sizeof(void *) * 8, sizeof(robj),
                             sizeof(dictEntry), sizeof(client),
                             sizeof(quicklist), sizeof(quicklistNode));
    } else if (!strcasecmp(sub, "aof-flush-sleep") && argc == 3) {
        long us;
        if (getRangeLongFromObjectOrReply(c, c->argv[2], 0, 10000000, &us,
                                          NULL) != C_OK)
            return;
        server.aof_flush_sleep = (int)us;
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "replybuffer") && argc == 4) {
        debugReplyBuffer(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
void (*debugReloadHook)(client *c);

/* ---------------------------------------------------------------------
 * Crash report
 *
 * On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (serverPanic and
 * serverAssert end in abort()) the handler writes, to the log file or
 * stdout: the signal and faulting address, the stack trace (backtrace(3);
 * the server is linked with -rdynamic so that frames carry function
 * names), the registers, INFO, the client list and the client whose
 * command was running; then it restores the default action and raises the
 * signal again so that the process dies as it would have (core dump
 * included). The handler runs on its own stack so that a stack overflow
 * is reported too. Allocating in a signal handler is not safe in general;
 * the report is written after the point of no return, and each part that
 * allocates comes after the stack trace, which does not.
 * ------------------------------------------------------------------ */

#define CRASH_STACK_DEPTH 100

static int crashLogFd(void) {
    if (server.logfile && server.logfile[0]) {
        int fd = open(server.logfile, O_APPEND | O_CREAT | O_WRONLY, 0644);
        if (fd != -1) return fd;
    }
    return STDOUT_FILENO;
}

/* Writes <s> to <fd> with write(2) only (async-signal-safe). */
static void crashWrite(int fd, const char *s) {
    size_t len = strlen(s);
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n <= 0) return;
        s += n;
        len -= (size_t)n;
    }
}

static void crashLogStackTrace(int fd, void *pc) {
    void *frames[CRASH_STACK_DEPTH];
    crashWrite(fd, "\n------ STACK TRACE ------\n");
    if (pc) {
        char line[128];
        snprintf(line, sizeof(line), "EIP:\n");
        crashWrite(fd, line);
        backtrace_symbols_fd(&pc, 1, fd);
        crashWrite(fd, "\nBacktrace:\n");
    }
    int n = backtrace(frames, CRASH_STACK_DEPTH);
    backtrace_symbols_fd(frames, n, fd);
}

static void *crashFaultingPc(void *uctx) {
    if (!uctx) return NULL;
#if defined(__x86_64__)
    return (void *)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (void *)((ucontext_t *)uctx)->uc_mcontext.pc;
#else
    return NULL;
#endif
}

static void crashLogRegisters(int fd, void *uctx) {
    crashWrite(fd, "\n------ REGISTERS ------\n");
#if defined(__x86_64__)
    if (!uctx) return;
    greg_t *g = ((ucontext_t *)uctx)->uc_mcontext.gregs;
    char buf[512];
    snprintf(buf, sizeof(buf),
             "RAX:%016llx RBX:%016llx RCX:%016llx RDX:%016llx\n"
             "RDI:%016llx RSI:%016llx RBP:%016llx RSP:%016llx\n"
             "R8 :%016llx R9 :%016llx R10:%016llx R11:%016llx\n"
             "R12:%016llx R13:%016llx R14:%016llx R15:%016llx\n"
             "RIP:%016llx EFL:%016llx\n",
             (unsigned long long)g[REG_RAX], (unsigned long long)g[REG_RBX],
             (unsigned long long)g[REG_RCX], (unsigned long long)g[REG_RDX],
             (unsigned long long)g[REG_RDI], (unsigned long long)g[REG_RSI],
             (unsigned long long)g[REG_RBP], (unsigned long long)g[REG_RSP],
             (unsigned long long)g[REG_R8], (unsigned long long)g[REG_R9],
             (unsigned long long)g[REG_R10], (unsigned long long)g[REG_R11],
             (unsigned long long)g[REG_R12], (unsigned long long)g[REG_R13],
             (unsigned long long)g[REG_R14], (unsigned long long)g[REG_R15],
             (unsigned long long)g[REG_RIP], (unsigned long long)g[REG_EFL]);
    crashWrite(fd, buf);
#else
    UNUSED(uctx);
    crashWrite(fd, "(not available on this architecture)\n");
#endif
}

/* The parts of the report that need the server's state (and allocate). */
static void crashLogServerState(int fd) {
    crashWrite(fd, "\n------ INFO OUTPUT ------\n");
    sds name = sdsNew("all");
    sds info = genInfoString(&name, 1);
    sdsFree(name);
    for (size_t j = 0; j < sdsLen(info); j++)
        if (info[j] == '\r') info[j] = ' ';
    crashWrite(fd, info);
    sdsFree(info);
    crashWrite(fd, "\n------ CLIENT LIST OUTPUT ------\n");
    sds list = getAllClientsInfoString(-1);
    crashWrite(fd, list);
    sdsFree(list);
    client *cc = server.executing_client ? server.executing_client
                                         : server.current_client;
    if (cc) {
        crashWrite(fd, "\n------ CURRENT CLIENT INFO ------\n");
        sds s = catClientInfoString(sdsEmpty(), cc);
        s = sdsCat(s, "\n");
        for (int j = 0; j < cc->argc && j < 16; j++) {
            robj *a = cc->argv[j];
            if (sdsEncodedObject(a)) {
                size_t len = sdsLen(a->ptr) > 128 ? 128 : sdsLen(a->ptr);
                s = sdsCatPrintf(s, "argv[%d]: ", j);
                s = sdsCatRepr(s, a->ptr, len);
                s = sdsCat(s, "\n");
            } else {
                s = sdsCatPrintf(s, "argv[%d]: %ld\n", j, (long)a->ptr);
            }
        }
        crashWrite(fd, s);
        sdsFree(s);
    }
}

static volatile sig_atomic_t crashInProgress;

static void crashHandler(int sig, siginfo_t *info, void *uctx) {
    if (crashInProgress) {
        /* A fault while reporting: die now. */
        signal(sig, SIG_DFL);
        raise(sig);
        _exit(1);
    }
    crashInProgress = 1;
    if (!server.crashlog_enabled) {
        /* crash-log-enabled no: a clean core dump, no report. */
        signal(sig, SIG_DFL);
        raise(sig);
        _exit(1);
    }
    int fd = crashLogFd();
    char buf[256];
    snprintf(buf, sizeof(buf), "\n\n=== REDIS-COMPATIBLE SERVER CRASH REPORT "
             "START ===\n%d:M Redis %s crashed by signal: %d, si_code: %d\n",
             (int)getpid(), REDIS_VERSION, sig, info ? info->si_code : 0);
    crashWrite(fd, buf);
    if (info && (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
                 sig == SIGILL)) {
        snprintf(buf, sizeof(buf), "Accessing address: %p\n", info->si_addr);
        crashWrite(fd, buf);
    }
    if (info && info->si_pid > 0 && info->si_code <= 0) {
        snprintf(buf, sizeof(buf), "Killed by PID: %d, UID: %d\n",
                 (int)info->si_pid, (int)info->si_uid);
        crashWrite(fd, buf);
    }
    void *pc = crashFaultingPc(uctx);
    if (pc) {
        snprintf(buf, sizeof(buf), "Crashed running the instruction at: %p\n",
                 pc);
        crashWrite(fd, buf);
    }
    crashLogStackTrace(fd, pc);
    crashLogRegisters(fd, uctx);
    crashLogServerState(fd);
    crashWrite(fd, server.crash_memcheck_enabled
                       ? "\n------ FAST MEMORY TEST ------\n"
                         "Skipped: this server has no memory test "
                         "(crash-memcheck-enabled is accepted for "
                         "compatibility).\n"
                       : "");
    crashWrite(fd, "\n------ END OF CRASH REPORT ------\n"
                   "Please report the crash with this whole report, from "
                   "its START line to here.\n\n");
    if (fd != STDOUT_FILENO) close(fd);
    if (server.pidfile && server.pid == getpid()) unlink(server.pidfile);
    /* Die of the same signal, with its default action (core dump). */
    struct sigaction act;
    sigemptyset(&act.sa_mask);
    act.sa_flags = 0;
    act.sa_handler = SIG_DFL;
    sigaction(sig, &act, NULL);
    raise(sig);
    _exit(1);
}

/* See server.h. */
void setupCrashHandlers(void) {
    static char *altstack;
    if (!altstack) {
        size_t sz = SIGSTKSZ > 65536 ? SIGSTKSZ : 65536;
        altstack = zmalloc(sz);
        stack_t ss = {.ss_sp = altstack, .ss_size = sz, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0)
            serverLog(LL_WARNING, "No alternate signal stack: a stack "
                                  "overflow will not get a crash report.");
    }
    struct sigaction act;
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_NODEFER | SA_RESETHAND | SA_SIGINFO | SA_ONSTACK;
    act.sa_sigaction = crashHandler;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t j = 0; j < sizeof(sigs) / sizeof(sigs[0]); j++)
        sigaction(sigs[j], &act, NULL);
}
