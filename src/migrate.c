/* migrate.c: the MIGRATE command, without blocking the event loop.
 *
 * Owns: the cache of outbound connections to MIGRATE targets (one per
 * "host:port", closed after MIGRATE_CACHE_TTL seconds unused, at most
 * MIGRATE_CACHE_MAX), and the operations in flight.
 * Must not touch: sockets or TLS directly (connCreate/connConnect only; the
 * type is TLS when tls-cluster or tls-replication is on), the keyspace
 * beyond db.c's functions.
 * How one MIGRATE runs: the command serialises every key (DUMP payloads,
 * remaining TTLs) at once, parks its client (BLOCKED_MIGRATE), and sends
 * AUTH, SELECT and one RESTORE (RESTORE-ASKING in cluster mode) per key in
 * one pipeline. Each reply is counted as it arrives; when all are in, the
 * keys the target accepted are deleted here (unless COPY) and the client
 * gets +OK, or the target's first error. While keys are in flight, cluster
 * routing answers -TRYAGAIN to writes on them, so no write can be lost
 * between the snapshot and the delete. Redis 7.0 does the same exchange
 * with blocking I/O; the replies and errors are the same. */
#include "server.h"
#include "cluster.h"
#include "rdb.h"

#include <strings.h>

#define MIGRATE_CACHE_TTL 10 /* seconds */
#define MIGRATE_CACHE_MAX 64

typedef struct migrateConn {
    sds name;           /* "host:port" */
    connection *conn;
    int last_dbid;      /* SELECTed on the target, -1 unknown */
    time_t last_use;
    int busy;           /* an operation is using it */
    int cached;         /* in the cache (else closed after its operation) */
} migrateConn;

typedef struct migrateOp {
    client *c;          /* NULL once the client went away */
    migrateConn *mc;
    sds host;
    int port;
    int srcdb;          /* where the keys are here */
    int dstdb;          /* SELECTed on the target */
    int copy, replace;
    sds auth_user, auth_pass;
    robj **keys;        /* the keys sent, in order */
    int numkeys;
    sds out;            /* the pipeline */
    size_t outpos;
    sds in;             /* replies not yet parsed */
    int pre_replies;    /* AUTH and SELECT replies before the RESTOREs */
    int replies;        /* replies parsed so far */
    int *restored;      /* per key: 1 if the target said OK */
    sds error;          /* first error reply, or NULL */
    long long timeout;  /* idle time allowed, ms */
    long long last_activity;
    long long timer_id;
    int retried;
    int got_any;        /* a byte came back on this connection */
} migrateOp;

static list *migrateCache;    /* migrateConn* */
static list *migrateOps;      /* migrateOp* in flight */
static dict *migrateKeysBusy; /* key sds -> count of operations */

static void migrateStart(migrateOp *op);

/* ------------------------------------------------------------------ */

static uint64_t busyHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int busyCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return sdsLen((sds)a) == sdsLen((sds)b) &&
           memcmp(a, b, sdsLen((sds)a)) == 0;
}

static void busyFree(dict *d, void *key) {
    UNUSED(d);
    sdsFree(key);
}

static dictType busyDictType = {busyHash, NULL, NULL, busyCompare, busyFree,
                                NULL, NULL};

static void busyAdd(robj *key) {
    sds k = sdsDup(key->ptr);
    dictEntry *de = dictFind(migrateKeysBusy, k);
    if (de) {
        de->v.val = (void *)((intptr_t)dictGetVal(de) + 1);
        sdsFree(k);
    } else {
        dictAdd(migrateKeysBusy, k, (void *)(intptr_t)1);
    }
}

static void busyDel(robj *key) {
    dictEntry *de = dictFind(migrateKeysBusy, key->ptr);
    if (!de) return;
    intptr_t n = (intptr_t)dictGetVal(de) - 1;
    if (n <= 0)
        dictDelete(migrateKeysBusy, key->ptr);
    else
        de->v.val = (void *)n;
}

/* 1 if <key> is being moved by a MIGRATE in flight: cluster routing then
 * holds writes on it back with -TRYAGAIN. */
int migrateKeyIsBusy(robj *key) {
    if (!migrateKeysBusy || dictSize(migrateKeysBusy) == 0) return 0;
    return dictFind(migrateKeysBusy, key->ptr) != NULL;
}

/* ------------------------------------------------------------------ */

static ConnectionType *migrateConnType(void) {
    return (server.tls_cluster || server.tls_replication) ? connTypeOfTls()
                                                          : connTypeOfSocket();
}

static void migrateConnFree(migrateConn *mc) {
    if (mc->cached) {
        listNode *ln = listSearchKey(migrateCache, mc);
        if (ln) listDelNode(migrateCache, ln);
    }
    if (mc->conn) {
        connSetPrivateData(mc->conn, NULL);
        connClose(mc->conn);
    }
    sdsFree(mc->name);
    zfree(mc);
}

/* Closes cached connections unused for MIGRATE_CACHE_TTL seconds. */
static void migrateCron(void) {
    listIter li;
    listNode *ln;
    listGetIterator(migrateCache, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        migrateConn *mc = listNodeValue(ln);
        if (mc->busy || server.unixtime - mc->last_use <= MIGRATE_CACHE_TTL)
            continue;
        migrateConnFree(mc);
    }
}

static void migrateOpFree(migrateOp *op) {
    listNode *ln = listSearchKey(migrateOps, op);
    if (ln) listDelNode(migrateOps, ln);
    if (op->timer_id != -1) aeDeleteTimeEvent(server.el, op->timer_id);
    for (int j = 0; j < op->numkeys; j++) {
        busyDel(op->keys[j]);
        decrRefCount(op->keys[j]);
    }
    zfree(op->keys);
    zfree(op->restored);
    sdsFree(op->host);
    sdsFree(op->auth_user);
    sdsFree(op->auth_pass);
    sdsFree(op->out);
    sdsFree(op->in);
    sdsFree(op->error);
    zfree(op);
}

/* Ends <op>: deletes what the target accepted (unless COPY), answers and
 * wakes the client. <ioerr> is an -IOERR text or NULL. The connection goes
 * back to the cache, or is closed after an I/O error. */
static void migrateFinish(migrateOp *op, const char *ioerr) {
    migrateConn *mc = op->mc;
    op->mc = NULL;
    if (mc) {
        mc->busy = 0;
        if (mc->conn) {
            connSetPrivateData(mc->conn, NULL);
            connClearReadHandler(mc->conn);
            connClearWriteHandler(mc->conn);
        }
        if (ioerr || !mc->cached) {
            migrateConnFree(mc);
        } else {
            mc->last_use = server.unixtime;
            connSetPrivateData(mc->conn, mc);
        }
    }
    if (!op->copy && !ioerr) {
        int deleted = 0;
        for (int j = 0; j < op->numkeys; j++) {
            if (!op->restored[j]) continue;
            if (dbDelete(&server.db[op->srcdb], op->keys[j])) {
                robj *argv[2] = {shared.del, op->keys[j]};
                signalModifiedKey(NULL, &server.db[op->srcdb], op->keys[j]);
                alsoPropagate(op->srcdb, argv, 2,
                              PROPAGATE_AOF | PROPAGATE_REPL);
                server.dirty++;
                deleted++;
            }
        }
        if (deleted) propagatePendingCommands();
    }
    client *c = op->c;
    if (c) {
        if (ioerr)
            addReplyErrorSds(c, sdsCatPrintf(sdsEmpty(), "-%s", ioerr));
        else if (op->error)
            addReplyErrorFormat(c, "Target instance replied with error: %s",
                                op->error);
        else
            addReply(c, shared.ok);
        unblockClient(c);
    }
    migrateOpFree(op);
}

/* An I/O failure: a cached connection that failed before any reply was
 * probably closed by the target while idle, so the operation is tried
 * once more on a new connection, as Redis does. */
static void migrateIOError(migrateOp *op, const char *what) {
    if (op->mc && op->mc->cached && !op->got_any && !op->retried &&
        op->replies == 0) {
        migrateConn *mc = op->mc;
        op->mc = NULL;
        migrateConnFree(mc);
        op->retried = 1;
        op->outpos = 0;
        sdsClear(op->in);
        migrateStart(op);
        return;
    }
    migrateFinish(op, what);
}

static int migrateTimerProc(struct aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    migrateOp *op = data;
    if (mstime() - op->last_activity < op->timeout) return 100;
    op->timer_id = -1;
    migrateFinish(op, op->outpos < sdsLen(op->out)
                          ? "IOERR error or timeout writing to target instance"
                          : "IOERR error or timeout reading to target "
                            "instance");
    return AE_NOMORE;
}

/* Parses complete reply lines in op->in. Returns 1 when every reply is in. */
static int migrateParseReplies(migrateOp *op) {
    int total = op->pre_replies + op->numkeys;
    char *nl;
    while (op->replies < total && (nl = strstr(op->in, "\r\n")) != NULL) {
        size_t linelen = (size_t)(nl - op->in);
        int idx = op->replies - op->pre_replies;
        if (op->in[0] == '-') {
            if (!op->error) op->error = sdsNewLen(op->in + 1, linelen - 1);
        } else if (idx >= 0) {
            op->restored[idx] = 1;
        }
        op->replies++;
        sdsRange(op->in, (ssize_t)linelen + 2, -1);
        /* AUTH or SELECT refused: nothing after it counts. */
        if (op->error && idx < 0) return 2;
    }
    return op->replies == total;
}

static void migrateReadHandler(connection *conn) {
    migrateConn *mc = connGetPrivateData(conn);
    if (!mc) return;
    migrateOp *op = NULL;
    listIter li;
    listNode *ln;
    listGetIterator(migrateOps, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        if (((migrateOp *)listNodeValue(ln))->mc == mc) op = listNodeValue(ln);
    if (!op) return;
    char buf[4096];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n == -1 && connGetState(conn) == CONN_STATE_CONNECTED) return;
    if (n <= 0) {
        migrateIOError(op, "IOERR error or timeout reading to target instance");
        return;
    }
    op->got_any = 1;
    op->last_activity = mstime();
    op->in = sdsCatLen(op->in, buf, (size_t)n);
    if (sdsLen(op->in) > 1024 * 1024) {
        migrateFinish(op, "IOERR error or timeout reading to target instance");
        return;
    }
    int r = migrateParseReplies(op);
    if (r == 2) {
        /* AUTH/SELECT error: nothing restored, report it. */
        memset(op->restored, 0, sizeof(int) * (size_t)op->numkeys);
        migrateFinish(op, NULL);
    } else if (r == 1) {
        migrateFinish(op, NULL);
    }
}

static void migrateWriteHandler(connection *conn) {
    migrateConn *mc = connGetPrivateData(conn);
    if (!mc) return;
    migrateOp *op = NULL;
    listIter li;
    listNode *ln;
    listGetIterator(migrateOps, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        if (((migrateOp *)listNodeValue(ln))->mc == mc) op = listNodeValue(ln);
    if (!op) {
        connClearWriteHandler(conn);
        return;
    }
    while (op->outpos < sdsLen(op->out)) {
        ssize_t w = connWrite(conn, op->out + op->outpos,
                              sdsLen(op->out) - op->outpos);
        if (w == -1 && connGetState(conn) == CONN_STATE_CONNECTED) return;
        if (w <= 0) {
            migrateIOError(op,
                           "IOERR error or timeout writing to target instance");
            return;
        }
        op->outpos += (size_t)w;
        op->last_activity = mstime();
    }
    connClearWriteHandler(conn);
}

static void migrateSendPipeline(migrateOp *op) {
    connection *conn = op->mc->conn;
    connSetPrivateData(conn, op->mc);
    if (connSetReadHandler(conn, migrateReadHandler) != 0 ||
        connSetWriteHandler(conn, migrateWriteHandler) != 0) {
        migrateFinish(op, "IOERR error or timeout writing to target instance");
    }
}

static void migrateConnectHandler(connection *conn) {
    migrateConn *mc = connGetPrivateData(conn);
    if (!mc) return;
    migrateOp *op = NULL;
    listIter li;
    listNode *ln;
    listGetIterator(migrateOps, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        if (((migrateOp *)listNodeValue(ln))->mc == mc) op = listNodeValue(ln);
    if (!op) {
        migrateConnFree(mc);
        return;
    }
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_VERBOSE, "MIGRATE to %s failed: %s", mc->name,
                  connGetLastError(conn));
        op->retried = 1; /* a new connection: no second try */
        migrateFinish(op, "IOERR error or timeout connecting to the client");
        return;
    }
    op->last_activity = mstime();
    migrateSendPipeline(op);
}

/* Builds the pipeline for <op> on its connection (SELECT only when the
 * target's current db is not already the right one) and starts it. */
static void migrateStart(migrateOp *op) {
    sds name = sdsCatPrintf(sdsEmpty(), "%s:%d", op->host, op->port);
    migrateConn *mc = NULL;
    listIter li;
    listNode *ln;
    listGetIterator(migrateCache, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        migrateConn *m = listNodeValue(ln);
        if (!m->busy && !strcmp(m->name, name) && !op->retried) mc = m;
    }
    int fresh = mc == NULL;
    if (fresh) {
        mc = zcalloc(sizeof(*mc));
        mc->name = name;
        mc->last_dbid = -1;
        mc->conn = connCreate(migrateConnType());
        if (listLength(migrateCache) < MIGRATE_CACHE_MAX) {
            mc->cached = 1;
            listAddNodeTail(migrateCache, mc);
        }
    } else {
        sdsFree(name);
    }
    mc->busy = 1;
    mc->last_use = server.unixtime;
    op->mc = mc;

    /* The pipeline. */
    sdsFree(op->out);
    op->out = sdsEmpty();
    op->outpos = 0;
    op->pre_replies = 0;
    if (op->auth_pass) {
        if (op->auth_user)
            op->out = sdsCatPrintf(op->out, "*3\r\n$4\r\nAUTH\r\n$%zu\r\n%s\r\n"
                                   "$%zu\r\n", sdsLen(op->auth_user),
                                   op->auth_user, sdsLen(op->auth_pass));
        else
            op->out = sdsCatPrintf(op->out, "*2\r\n$4\r\nAUTH\r\n$%zu\r\n",
                                   sdsLen(op->auth_pass));
        op->out = sdsCatLen(op->out, op->auth_pass, sdsLen(op->auth_pass));
        op->out = sdsCat(op->out, "\r\n");
        op->pre_replies++;
    }
    if (mc->last_dbid != op->dstdb) {
        char dbbuf[32];
        int dblen = ll2string(dbbuf, sizeof(dbbuf), op->dstdb);
        op->out = sdsCatPrintf(op->out, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n",
                               dblen, dbbuf);
        op->pre_replies++;
        mc->last_dbid = op->dstdb;
    }
    const char *cmd = server.cluster_enabled ? "RESTORE-ASKING" : "RESTORE";
    for (int j = 0; j < op->numkeys; j++) {
        robj *key = op->keys[j];
        robj *val = lookupKeyReadWithFlags(&server.db[op->srcdb], key,
                                           LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
        long long ttl = 0, expireat = getExpire(&server.db[op->srcdb], key);
        if (expireat != -1) {
            ttl = expireat - mstime();
            if (ttl < 1) ttl = 1;
        }
        sds payload = val ? rdbDumpPayloadCreate(val) : sdsEmpty();
        char ttlbuf[32];
        int ttllen = ll2string(ttlbuf, sizeof(ttlbuf), ttl);
        op->out = sdsCatPrintf(op->out, "*%d\r\n$%zu\r\n%s\r\n$%zu\r\n",
                               op->replace ? 5 : 4, strlen(cmd), cmd,
                               sdsLen(key->ptr));
        op->out = sdsCatLen(op->out, key->ptr, sdsLen(key->ptr));
        op->out = sdsCatPrintf(op->out, "\r\n$%d\r\n%s\r\n$%zu\r\n", ttllen,
                               ttlbuf, sdsLen(payload));
        op->out = sdsCatLen(op->out, payload, sdsLen(payload));
        op->out = sdsCat(op->out, "\r\n");
        if (op->replace) op->out = sdsCat(op->out, "$7\r\nREPLACE\r\n");
        sdsFree(payload);
    }
    op->last_activity = mstime();
    if (fresh) {
        connSetPrivateData(mc->conn, mc);
        connConnectOptions opts = {0};
        opts.host = op->host;
        opts.port = op->port;
        opts.timeout_ms = op->timeout;
        opts.verify_peer_name = -1;
        if (connConnect(mc->conn, &opts, migrateConnectHandler) != 0) {
            serverLog(LL_VERBOSE, "MIGRATE to %s failed: %s", mc->name,
                      connGetLastError(mc->conn));
            op->retried = 1;
            migrateFinish(op, "IOERR error or timeout connecting to the "
                              "client");
        }
        return;
    }
    migrateSendPipeline(op);
}

/* The client of an operation went away: the operation goes on (the keys
 * are already on their way) but nobody is answered. */
static void migrateClientFreeHook(client *c) {
    listIter li;
    listNode *ln;
    listGetIterator(migrateOps, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        migrateOp *op = listNodeValue(ln);
        if (op->c == c) op->c = NULL;
    }
}

/* MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *         [AUTH password] [AUTH2 username password] [KEYS key ...] */
void migrateCommand(client *c) {
    int copy = 0, replace = 0, first_key = 3, num_keys = 1;
    char *user = NULL, *pass = NULL;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - j - 1;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "copy")) {
            copy = 1;
        } else if (!strcasecmp(opt, "replace")) {
            replace = 1;
        } else if (!strcasecmp(opt, "auth")) {
            if (!more) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            j++;
            redactClientArg(c, j);
            pass = c->argv[j]->ptr;
        } else if (!strcasecmp(opt, "auth2")) {
            if (more < 2) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            redactClientArg(c, j + 1);
            redactClientArg(c, j + 2);
            user = c->argv[++j]->ptr;
            pass = c->argv[++j]->ptr;
        } else if (!strcasecmp(opt, "keys")) {
            if (sdsLen(c->argv[3]->ptr) != 0) {
                addReplyError(c, "When using MIGRATE KEYS option, the key "
                                 "argument must be set to the empty string");
                return;
            }
            first_key = j + 1;
            num_keys = c->argc - j - 1;
            break;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    long long port, timeout, dbid;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &port, NULL) != C_OK ||
        getLongLongFromObjectOrReply(c, c->argv[5], &timeout, NULL) != C_OK ||
        getLongLongFromObjectOrReply(c, c->argv[4], &dbid, NULL) != C_OK)
        return;
    if (timeout <= 0) timeout = 1000;
    if (dbid < 0 || dbid >= server.dbnum || port <= 0 || port > 65535) {
        addReplyError(c, dbid < 0 || dbid >= server.dbnum
                             ? "DB index is out of range"
                             : "Invalid TCP port");
        return;
    }
    if (clientDeniesBlocking(c)) {
        addReplyError(c, "MIGRATE is not allowed inside MULTI or scripts in "
                         "this server");
        return;
    }
    /* Keys that exist (and have not expired). */
    robj **keys = zmalloc(sizeof(robj *) * (size_t)(num_keys ? num_keys : 1));
    int n = 0;
    for (int j = 0; j < num_keys; j++) {
        robj *k = c->argv[first_key + j];
        if (lookupKeyRead(c->db, k) == NULL) continue;
        int dup = 0;
        for (int i = 0; i < n; i++)
            if (sdsLen(keys[i]->ptr) == sdsLen(k->ptr) &&
                !memcmp(keys[i]->ptr, k->ptr, sdsLen(k->ptr)))
                dup = 1;
        if (dup) continue;
        incrRefCount(k);
        keys[n++] = k;
    }
    if (n == 0) {
        zfree(keys);
        addReplyStatus(c, "NOKEY");
        return;
    }
    migrateOp *op = zcalloc(sizeof(*op));
    op->c = c;
    op->host = sdsNew(c->argv[1]->ptr);
    op->port = (int)port;
    op->srcdb = c->db->id;
    op->dstdb = (int)dbid;
    op->copy = copy;
    op->replace = replace;
    op->auth_user = user ? sdsNew(user) : NULL;
    op->auth_pass = pass ? sdsNew(pass) : NULL;
    op->keys = keys;
    op->numkeys = n;
    op->restored = zcalloc(sizeof(int) * (size_t)n);
    op->in = sdsEmpty();
    op->out = sdsEmpty();
    op->timeout = timeout;
    op->timer_id = -1;
    for (int j = 0; j < n; j++) busyAdd(keys[j]);
    listAddNodeTail(migrateOps, op);
    blockForKeys(c, BLOCKED_MIGRATE, NULL, 0, 0);
    op->timer_id = aeCreateTimeEvent(server.el, 100, migrateTimerProc, op, NULL);
    op->last_activity = mstime();
    migrateStart(op);
}

/* Sets up the MIGRATE machinery; called from initServer. */
void migrateInit(void) {
    migrateCache = listCreate();
    migrateOps = listCreate();
    migrateKeysBusy = dictCreate(&busyDictType);
    registerCronHook(migrateCron);
    registerClientFreeHook(migrateClientFreeHook);
}

/* Key positions of MIGRATE for <argv>/<argc>: the key argument when it is
 * not empty, and every argument after KEYS. Writes up to <max> indexes to
 * <keys> and returns how many. */
int migrateGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                   int max) {
    UNUSED(cmd);
    int n = 0, first = 3, last = 3;
    if (argc > 3 && sdsLen(argv[3]->ptr) == 0) first = last = -1;
    for (int j = 6; j < argc; j++) {
        if (!strcasecmp(argv[j]->ptr, "keys") && first == -1) {
            first = j + 1;
            last = argc - 1;
            break;
        }
        if (!strcasecmp(argv[j]->ptr, "auth")) j++;
        else if (!strcasecmp(argv[j]->ptr, "auth2")) j += 2;
    }
    if (first == -1 || argc <= 3) return 0;
    for (int j = first; j <= last && n < max; j++) keys[n++] = j;
    return n;
}

/* Connections kept in the MIGRATE cache (INFO migrate_cached_sockets). */
unsigned long migrateCachedSockets(void) {
    return migrateCache ? listLength(migrateCache) : 0;
}
