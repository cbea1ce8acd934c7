/* networking: the life of a client from accept to free, its query buffer
 * and its reply buffers.
 *
 * Owns: the client struct, reading requests (through the connection
 * interface, never a socket call), feeding the RESP parser, reply blocks and
 * writing them, output buffer limits, and the connection-level commands
 * (CLIENT, HELLO, AUTH, QUIT, RESET, MONITOR).
 * Must not touch: the bytes' transport (connection types do that) or the
 * keyspace (the data layer does that).
 *
 * Reply bytes are appended to blocks in c->reply; a client with new bytes
 * is put on server.clients_pending_write and written once per event-loop
 * turn from beforeSleep. A write handler is installed only when the socket
 * would not take everything. Bytes already offered to a write stay in place
 * until they are sent (TLS requires retries with the same bytes). */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <sys/uio.h>

#include "server.h"
#include "tracking.h"
#include "acl.h"
#include "tls.h"

static void sendReplyToClient(connection *conn);
static void freeClientReplyBlocks(client *c);

/* ---------------------------------------------------------------------
 * Client creation and destruction
 * ------------------------------------------------------------------ */

static uint64_t clientIdHash(const void *key) {
    uint64_t id = (uint64_t)(uintptr_t)key;
    return dictGenHashFunction(&id, sizeof(id));
}

static int clientIdCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return a == b;
}

dictType clientIdDictType = {clientIdHash, NULL, NULL, clientIdCompare,
                             NULL,         NULL, NULL};

static void resetParserForClient(client *c) {
    respLimits limits = {
        .max_bulk_len = server.proto_max_bulk_len,
        .max_multibulk_len = INT_MAX,
        .max_inline_len = PROTO_INLINE_MAX_SIZE,
    };
    respParserInit(&c->parser, &limits);
}

/* Creates a client for <conn> (which may be NULL for internal clients that
 * never do I/O). The client owns <conn> from now on; freeClient closes it.
 * The read handler is installed only for real connections. Returns NULL
 * if the connection cannot be watched (its descriptor does not fit the
 * event loop); <conn> then still belongs to the caller. */
client *createClient(connection *conn) {
    if (conn) {
        /* Accepted connections already have TCP_NODELAY (connection types). */
        if (connSetReadHandler(conn, readQueryFromClient) != 0) return NULL;
        if (server.tcpkeepalive) connKeepAlive(conn, server.tcpkeepalive);
    }
    client *c = zcalloc(sizeof(client));
    if (conn) connSetPrivateData(conn, c);
    c->id = server.next_client_id++;
    c->conn = conn;
    c->resp = 2;
    c->db = &server.db[0];
    c->reply = listCreate();
    c->ctime = c->lastinteraction = server.unixtime;
    c->last_io_ms = server.mstime;
    c->authenticated = aclDefaultUserAutoAuth();
    c->user = DefaultUser;
    c->watched_keys = listCreate();
    resetParserForClient(c);
    initClientMultiState(c);
    if (conn) {
        listAddNodeTail(server.clients, c);
        c->client_list_node = listLast(server.clients);
        dictAdd(server.clients_by_id, (void *)(uintptr_t)c->id, c);
    }
    return c;
}

static void unlinkClient(client *c) {
    if (c->conn) {
        if (c->client_list_node) {
            listDelNode(server.clients, c->client_list_node);
            c->client_list_node = NULL;
            dictDelete(server.clients_by_id, (void *)(uintptr_t)c->id);
        }
        connClose(c->conn);
        c->conn = NULL;
    }
    if (c->flags & CLIENT_PENDING_WRITE) {
        listDelNode(server.clients_pending_write, c->pending_write_node);
        c->pending_write_node = NULL;
        c->flags &= ~CLIENT_PENDING_WRITE;
    }
}

/* Hooks the data layer registers so that freeing a client also releases
 * its subscriptions and blocking state without this file knowing them. */
#define MAX_CLIENT_FREE_HOOKS 8
static void (*clientFreeHooks[MAX_CLIENT_FREE_HOOKS])(client *c);
static int clientFreeHookCount;

/* Registers <fn> to run on every client about to be freed (pub/sub,
 * blocking commands and replication clean up their state this way). */
void registerClientFreeHook(void (*fn)(client *c)) {
    serverAssert(clientFreeHookCount < MAX_CLIENT_FREE_HOOKS);
    clientFreeHooks[clientFreeHookCount++] = fn;
}

/* Frees <c> now: closes its connection, drops it from every list, and
 * releases its buffers. Must not be called on a client whose command is
 * still running further up the stack: use freeClientAsync there. */
void freeClient(client *c) {
    if (c->flags & CLIENT_PROTECTED) {
        freeClientAsync(c);
        return;
    }
    if (server.current_client == c) server.current_client = NULL;
    if (server.executing_client == c) server.executing_client = NULL;

    for (int i = 0; i < clientFreeHookCount; i++) clientFreeHooks[i](c);

    if (c->flags & CLIENT_MONITOR) {
        listNode *ln = listSearchKey(server.monitors, c);
        if (ln) listDelNode(server.monitors, ln);
    }
    unwatchAllKeys(c);
    listRelease(c->watched_keys);
    freeClientMultiState(c);
    unlinkClient(c);
    if (c->flags & CLIENT_CLOSE_ASAP) {
        listNode *ln = listSearchKey(server.clients_to_close, c);
        if (ln) listDelNode(server.clients_to_close, ln);
    }
    freeClientArgv(c);
    zfree(c->argv);
    respParserReset(&c->parser);
    sdsFree(c->querybuf);
    sdsFree(c->master_raw);
    clientReleaseOriginalArgv(c);
    clientDetachStream(c);
    freeClientReplyBlocks(c);
    listRelease(c->reply);
    if (c->name) decrRefCount(c->name);
    sdsFree(c->peerid);
    sdsFree(c->sockname);
    zfree(c);
}

/* Schedules <c> to be freed from beforeSleep; safe from anywhere, including
 * inside the client's own command. The client stops reading at once. */
void freeClientAsync(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    listAddNodeTail(server.clients_to_close, c);
}

/* Frees the clients scheduled by freeClientAsync, except those whose
 * command is still running. */
void freeClientsInAsyncFreeQueue(void) {
    listIter li;
    listNode *ln;
    listGetIterator(server.clients_to_close, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->flags & CLIENT_PROTECTED) continue;
        c->flags &= ~CLIENT_CLOSE_ASAP;
        listDelNode(server.clients_to_close, ln);
        freeClient(c);
    }
}

/* Marks <c> as not to be freed synchronously (e.g. while an event loop
 * runs nested inside one of its commands). */
void protectClient(client *c) {
    c->flags |= CLIENT_PROTECTED;
}

/* Undoes protectClient. */
void unprotectClient(client *c) {
    c->flags &= ~CLIENT_PROTECTED;
}

/* Frees the arguments of the last command of <c>. */
void freeClientArgv(client *c) {
    for (int j = 0; j < c->argc; j++) decrRefCount(c->argv[j]);
    c->argc = 0;
    c->cmd = NULL;
    c->argv_len_sum = 0;
}

/* Prepares <c> for its next command. */
void resetClient(client *c) {
    redisCommandProc *prev = c->cmd ? c->cmd->proc : NULL;
    trackingClientCommandReset(c);
    freeClientArgv(c);
    /* CLIENT REPLY SKIP affects exactly the command after it. */
    if (c->flags & CLIENT_REPLY_SKIP) {
        c->flags &= ~CLIENT_REPLY_SKIP;
    }
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags |= CLIENT_REPLY_SKIP;
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
    }
    UNUSED(prev);
}

/* ---------------------------------------------------------------------
 * Reply buffers
 * ------------------------------------------------------------------ */

static void freeClientReplyBlocks(client *c) {
    listNode *ln;
    while ((ln = listFirst(c->reply))) {
        zfree(listNodeValue(ln));
        listDelNode(c->reply, ln);
    }
    c->reply_bytes = 0;
    c->sentlen = 0;
}

/* 1 if <c>'s own reply blocks hold bytes not yet written. */
static int clientHasPendingOwnReplies(client *c) {
    listNode *ln = listFirst(c->reply);
    if (!ln) return 0;
    clientReplyBlock *b = listNodeValue(ln);
    if (listLength(c->reply) == 1 && b->used == c->sentlen) return 0;
    return 1;
}

/* 1 if <c> is an online replica behind the end of the shared stream. */
static int clientHasPendingStream(client *c) {
    if (!c->repl_ref || c->replstate != SLAVE_STATE_ONLINE) return 0;
    replBufBlock *b = listNodeValue(c->repl_ref);
    return c->repl_ref_pos < b->used || listNextNode(c->repl_ref) != NULL;
}

/* 1 if <c> has reply bytes not yet written. */
int clientHasPendingReplies(client *c) {
    return clientHasPendingOwnReplies(c) || clientHasPendingStream(c);
}

/* See server.h. */
void clientAttachStream(client *c, listNode *node, size_t pos) {
    clientDetachStream(c);
    ((replBufBlock *)listNodeValue(node))->refs++;
    c->repl_ref = node;
    c->repl_ref_pos = pos;
}

/* See server.h. */
void clientDetachStream(client *c) {
    if (!c->repl_ref) return;
    ((replBufBlock *)listNodeValue(c->repl_ref))->refs--;
    c->repl_ref = NULL;
    c->repl_ref_pos = 0;
}

/* Moves <c>'s place in the shared stream <n> bytes on, block by block:
 * a block behind every replica is then free for replication.c to drop. */
static void clientAdvanceStream(client *c, size_t n) {
    replBufBlock *b = listNodeValue(c->repl_ref);
    while (n) {
        size_t avail = b->used - c->repl_ref_pos;
        if (n < avail) {
            c->repl_ref_pos += n;
            return;
        }
        n -= avail;
        c->repl_ref_pos = b->used;
        listNode *next = listNextNode(c->repl_ref);
        if (!next) break;
        b->refs--;
        c->repl_ref = next;
        b = listNodeValue(next);
        b->refs++;
        c->repl_ref_pos = 0;
    }
    serverAssert(n == 0);
}

/* Decides whether bytes for <c> should be buffered at all, and queues the
 * client for writing. C_ERR means: drop the bytes. */
static int prepareClientToWrite(client *c) {
    /* Push messages (tracking invalidations) bypass CLIENT REPLY. */
    if ((c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) &&
        !(c->flags & CLIENT_PUSHING))
        return C_ERR;
    if (c->flags & CLIENT_CLOSE_ASAP) return C_ERR;
    if (c->flags & CLIENT_MASTER && !(c->flags & CLIENT_MASTER_FORCE_REPLY))
        return C_ERR;
    /* A replica in the shared stream gets nothing else: a reply could land
     * in the middle of a command of the stream. */
    if (c->repl_ref) return C_ERR;
    /* The fake client of scripts keeps its reply for the script to read. */
    if (!c->conn) return (c->flags & CLIENT_SCRIPT) ? C_OK : C_ERR;
    /* A replica that is not online yet buffers the stream; replication.c
     * sends its RDB first and queues it once online. */
    if ((c->flags & CLIENT_SLAVE) && !(c->flags & CLIENT_MONITOR) &&
        c->replstate != SLAVE_STATE_ONLINE)
        return C_OK;
    clientQueueForWrite(c);
    return C_OK;
}

/* See server.h. */
void clientQueueForWrite(client *c) {
    if (!(c->flags & CLIENT_PENDING_WRITE)) {
        c->flags |= CLIENT_PENDING_WRITE;
        listAddNodeTail(server.clients_pending_write, c);
        c->pending_write_node = listLast(server.clients_pending_write);
    }
}

/* Size of the first reply block of a client with no blocks: most replies
 * are small, and this block is kept for reuse (until the client idles), so
 * a full chunk here would pin 16 KB per connection for a "+OK". */
#define REPLY_FIRST_BLOCK_BYTES 1024

static clientReplyBlock *newReplyBlock(client *c, size_t minsize) {
    size_t floor = listLength(c->reply) ? PROTO_REPLY_CHUNK_BYTES
                                        : REPLY_FIRST_BLOCK_BYTES;
    size_t size = minsize < floor ? floor : minsize;
    clientReplyBlock *b = zmalloc(sizeof(*b) + size);
    b->size = zmallocSize(b) - sizeof(*b);
    b->used = 0;
    listAddNodeTail(c->reply, b);
    c->reply_bytes += b->size;
    return b;
}

/* Appends raw protocol bytes without any checks (the caller did them). */
static void appendReplyBytes(client *c, const char *s, size_t len) {
    listNode *ln = listLast(c->reply);
    clientReplyBlock *tail = ln ? listNodeValue(ln) : NULL;
    if (tail && tail->size > tail->used) {
        size_t avail = tail->size - tail->used;
        size_t n = len < avail ? len : avail;
        memcpy(tail->buf + tail->used, s, n);
        tail->used += n;
        s += n;
        len -= n;
    }
    if (len) {
        tail = newReplyBlock(c, len);
        memcpy(tail->buf, s, len);
        tail->used = len;
    }
}

static void addReplyRaw(client *c, const char *s, size_t len) {
    if (prepareClientToWrite(c) != C_OK) return;
    unsigned long long before = c->reply_bytes;
    appendReplyBytes(c, s, len);
    /* Limits only change when a block was added. */
    if (c->reply_bytes != before) closeClientOnOutputBufferLimitReached(c, 1);
}

/* Adds the protocol bytes of <obj> (a string object) to the reply. */
void addReply(client *c, robj *obj) {
    if (sdsEncodedObject(obj)) {
        addReplyRaw(c, obj->ptr, sdsLen(obj->ptr));
    } else if (obj->encoding == OBJ_ENCODING_INT) {
        char buf[32];
        size_t len = ll2string(buf, sizeof(buf), (long)obj->ptr);
        addReplyRaw(c, buf, len);
    } else {
        serverPanic("Wrong obj->encoding in addReply()");
    }
}

/* Adds the protocol bytes in <s> and frees it. */
void addReplySds(client *c, sds s) {
    addReplyRaw(c, s, sdsLen(s));
    sdsFree(s);
}

/* Adds <len> bytes of already-encoded protocol. */
void addReplyProto(client *c, const char *s, size_t len) {
    addReplyRaw(c, s, len);
}

/* Counts an error reply in INFO errorstats / total_error_replies. */
static void afterErrorReply(client *c, const char *s, size_t len) {
    UNUSED(c);
    server.stat_total_error_replies++;
    /* The error code is the first word when it is all capitals. */
    size_t n = 0;
    while (n < len && n < 64 && s[n] != ' ' && s[n] != '\r' && s[n] != '\n')
        n++;
    incrementErrorCount(s, n);
    if (c->cmd) c->cmd->failed_calls++;
    /* An error to our master or while loading the AOF: the datasets may
     * have diverged (propagation-error-behavior). */
    if ((c->flags & CLIENT_MASTER) || (server.loading && !c->conn))
        replicationPropagatedError(c, s, len);
}

/* Replies with the error <err>. A message starting with '-' carries its
 * own code ("-WRONGPASS ..."); any other gets "-ERR " in front. Newlines
 * in the message become spaces so the reply stays one line. */
void addReplyError(client *c, const char *err) {
    size_t len = strlen(err);
    int has_code = len && err[0] == '-';
    sds s = has_code ? sdsNewLen(err + 1, len - 1)
                     : sdsCatLen(sdsNew("ERR "), err, len);
    for (size_t j = 0; j < sdsLen(s); j++)
        if (s[j] == '\r' || s[j] == '\n') s[j] = ' ';
    addReplyRaw(c, "-", 1);
    addReplyRaw(c, s, sdsLen(s));
    addReplyRaw(c, "\r\n", 2);
    afterErrorReply(c, s, sdsLen(s));
    sdsFree(s);
}

/* Like addReplyError; consumes <err>. */
void addReplyErrorSds(client *c, sds err) {
    addReplyError(c, err);
    sdsFree(err);
}

/* Replies with a shared error object that already holds "-CODE msg\r\n". */
void addReplyErrorObject(client *c, robj *err) {
    addReply(c, err);
    sds s = err->ptr;
    afterErrorReply(c, s + 1, sdsLen(s) - 1);
}

/* printf-style addReplyError. */
void addReplyErrorFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sdsCatVPrintf(sdsEmpty(), fmt, ap);
    va_end(ap);
    addReplyError(c, s);
    sdsFree(s);
}

/* The wrong-number-of-arguments error for the current command. */
void addReplyErrorArity(client *c) {
    addReplyErrorFormat(c, "wrong number of arguments for '%s' command",
                        c->cmd ? c->cmd->fullname : (char *)c->argv[0]->ptr);
}

/* The invalid-expire-time error for the current command. */
void addReplyErrorExpireTime(client *c) {
    addReplyErrorFormat(c, "invalid expire time in '%s' command",
                        c->cmd->fullname);
}

/* The error for a subcommand with a bad syntax. */
void addReplySubcommandSyntaxError(client *c) {
    sds cmd = sdsNew(c->argv[0]->ptr);
    sdsToUpper(cmd);
    addReplyErrorFormat(c, "unknown subcommand or wrong number of arguments "
                        "for '%.128s'. Try %s HELP.",
                        (char *)c->argv[1]->ptr, cmd);
    sdsFree(cmd);
}

/* "+<status>\r\n" */
void addReplyStatusLength(client *c, const char *s, size_t len) {
    addReplyRaw(c, "+", 1);
    addReplyRaw(c, s, len);
    addReplyRaw(c, "\r\n", 2);
}

void addReplyStatus(client *c, const char *status) {
    addReplyStatusLength(c, status, strlen(status));
}

void addReplyStatusFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sdsCatVPrintf(sdsEmpty(), fmt, ap);
    va_end(ap);
    for (size_t j = 0; j < sdsLen(s); j++)
        if (s[j] == '\r' || s[j] == '\n') s[j] = ' ';
    addReplyStatusLength(c, s, sdsLen(s));
    sdsFree(s);
}

static void addReplyLongLongWithPrefix(client *c, long long ll, char prefix) {
    char buf[128];
    int len;
    /* Shared headers for small aggregate and bulk lengths. */
    if (prefix == '*' && ll >= 0 && ll < OBJ_SHARED_BULKHDR_LEN) {
        addReply(c, shared.mbulkhdr[ll]);
        return;
    } else if (prefix == '$' && ll >= 0 && ll < OBJ_SHARED_BULKHDR_LEN) {
        addReply(c, shared.bulkhdr[ll]);
        return;
    } else if (prefix == '%' && ll >= 0 && ll < OBJ_SHARED_BULKHDR_LEN) {
        addReply(c, shared.maphdr[ll]);
        return;
    } else if (prefix == '~' && ll >= 0 && ll < OBJ_SHARED_BULKHDR_LEN) {
        addReply(c, shared.sethdr[ll]);
        return;
    }
    buf[0] = prefix;
    len = ll2string(buf + 1, sizeof(buf) - 1, ll);
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    addReplyRaw(c, buf, len + 3);
}

void addReplyLongLong(client *c, long long ll) {
    if (ll == 0)
        addReply(c, shared.czero);
    else if (ll == 1)
        addReply(c, shared.cone);
    else
        addReplyLongLongWithPrefix(c, ll, ':');
}

static void addReplyAggregateLen(client *c, long length, int prefix) {
    addReplyLongLongWithPrefix(c, length, prefix);
}

void addReplyArrayLen(client *c, long length) {
    addReplyAggregateLen(c, length, '*');
}

void addReplyMapLen(client *c, long length) {
    int prefix = c->resp == 2 ? '*' : '%';
    if (c->resp == 2) length *= 2;
    addReplyAggregateLen(c, length, prefix);
}

void addReplySetLen(client *c, long length) {
    addReplyAggregateLen(c, length, c->resp == 2 ? '*' : '~');
}

void addReplyAttributeLen(client *c, long length) {
    serverAssert(c->resp >= 3);
    addReplyAggregateLen(c, length, '|');
}

void addReplyPushLen(client *c, long length) {
    addReplyAggregateLen(c, length, c->resp == 2 ? '*' : '>');
}

void addReplyNull(client *c) {
    if (c->resp == 2)
        addReplyRaw(c, "$-1\r\n", 5);
    else
        addReplyRaw(c, "_\r\n", 3);
}

void addReplyNullArray(client *c) {
    if (c->resp == 2)
        addReplyRaw(c, "*-1\r\n", 5);
    else
        addReplyRaw(c, "_\r\n", 3);
}

void addReplyBool(client *c, int b) {
    if (c->resp == 2)
        addReply(c, b ? shared.cone : shared.czero);
    else
        addReplyRaw(c, b ? "#t\r\n" : "#f\r\n", 4);
}

void addReplyDouble(client *c, double d) {
    char dbuf[MAX_D2STRING_CHARS + 8];
    if (c->resp == 2) {
        char buf[MAX_D2STRING_CHARS];
        int len = d2string(buf, sizeof(buf), d);
        addReplyBulkCBuffer(c, buf, len);
    } else {
        int len;
        if (isinf(d))
            len = snprintf(dbuf, sizeof(dbuf), ",%s\r\n", d > 0 ? "inf" : "-inf");
        else {
            char buf[MAX_D2STRING_CHARS];
            int l = d2string(buf, sizeof(buf), d);
            len = snprintf(dbuf, sizeof(dbuf), ",%.*s\r\n", l, buf);
        }
        addReplyRaw(c, dbuf, len);
    }
}

/* A long double as a bulk string in RESP2 and a double in RESP3, printed in
 * the human-friendly form (INCRBYFLOAT, HINCRBYFLOAT). */
void addReplyHumanLongDouble(client *c, long double d) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    int len = ld2string(buf, sizeof(buf), d, LD_STR_HUMAN);
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, buf, len);
    } else {
        addReplyRaw(c, ",", 1);
        addReplyRaw(c, buf, len);
        addReplyRaw(c, "\r\n", 2);
    }
}

void addReplyLongDouble(client *c, long double d) {
    addReplyHumanLongDouble(c, d);
}

void addReplyBigNum(client *c, const char *num, size_t len) {
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, num, len);
    } else {
        addReplyRaw(c, "(", 1);
        addReplyRaw(c, num, len);
        addReplyRaw(c, "\r\n", 2);
    }
}

void addReplyVerbatim(client *c, const char *s, size_t len, const char *ext) {
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, s, len);
    } else {
        char buf[32];
        size_t preflen = snprintf(buf, sizeof(buf), "=%zu\r\nxxx:", len + 4);
        memcpy(buf + preflen - 4, ext, 3);
        addReplyRaw(c, buf, preflen);
        addReplyRaw(c, s, len);
        addReplyRaw(c, "\r\n", 2);
    }
}

static void addReplyBulkLen(client *c, size_t len) {
    addReplyLongLongWithPrefix(c, (long long)len, '$');
}

/* A string object as a bulk string. */
void addReplyBulk(client *c, robj *obj) {
    if (sdsEncodedObject(obj)) {
        addReplyBulkLen(c, sdsLen(obj->ptr));
        addReplyRaw(c, obj->ptr, sdsLen(obj->ptr));
        addReplyRaw(c, "\r\n", 2);
    } else {
        char buf[32];
        int len = ll2string(buf, sizeof(buf), (long)obj->ptr);
        addReplyBulkCBuffer(c, buf, len);
    }
}

void addReplyBulkCBuffer(client *c, const void *p, size_t len) {
    addReplyBulkLen(c, len);
    addReplyRaw(c, p, len);
    addReplyRaw(c, "\r\n", 2);
}

void addReplyBulkSds(client *c, sds s) {
    addReplyBulkCBuffer(c, s, sdsLen(s));
    sdsFree(s);
}

void addReplyBulkCString(client *c, const char *s) {
    if (s == NULL)
        addReplyNull(c);
    else
        addReplyBulkCBuffer(c, s, strlen(s));
}

void addReplyBulkLongLong(client *c, long long ll) {
    char buf[64];
    int len = ll2string(buf, sizeof(buf), ll);
    addReplyBulkCBuffer(c, buf, len);
}

/* Replies with the lines of <help> (NULL-terminated) preceded by the
 * command's usage line, as every HELP subcommand does. */
void addReplyHelp(client *c, const char **help) {
    sds cmd = sdsNew((char *)c->argv[0]->ptr);
    void *blenp = addReplyDeferredLen(c);
    int blen = 0;
    sdsToUpper(cmd);
    addReplyStatusFormat(c, "%s <subcommand> [<arg> [value] [opt] ...]. "
                         "Subcommands are:", cmd);
    sdsFree(cmd);
    while (help[blen]) addReplyStatus(c, help[blen++]);
    addReplyStatus(c, "HELP");
    addReplyStatus(c, "    Prints this help.");
    blen += 1; /* usage line */
    blen += 2; /* HELP lines */
    setDeferredArrayLen(c, blenp, blen);
}

/* Deferred aggregate lengths. An empty block is placed in the reply list
 * and filled by setDeferred*Len; nothing is written before that since
 * writes happen only between commands. */
void *addReplyDeferredLen(client *c) {
    if (prepareClientToWrite(c) != C_OK) return NULL;
    clientReplyBlock *b = zmalloc(sizeof(*b));
    b->size = 0;
    b->used = 0;
    listAddNodeTail(c->reply, b);
    return listLast(c->reply);
}

static void setDeferredReply(client *c, void *node, const char *s,
                             size_t len) {
    listNode *ln = node;
    if (!ln) return;
    clientReplyBlock *placeholder = listNodeValue(ln);
    listNode *next = listNextNode(ln);
    /* Prefer moving the header into the next block when it has room, so
     * small aggregate replies stay in one block. */
    if (next) {
        clientReplyBlock *nb = listNodeValue(next);
        if (nb->size - nb->used >= len) {
            memmove(nb->buf + len, nb->buf, nb->used);
            memcpy(nb->buf, s, len);
            nb->used += len;
            zfree(placeholder);
            listDelNode(c->reply, ln);
            return;
        }
    }
    clientReplyBlock *b = zrealloc(placeholder, sizeof(*b) + len);
    b->size = len;
    b->used = len;
    memcpy(b->buf, s, len);
    listNodeValue(ln) = b;
    c->reply_bytes += len;
    /* Later appends must not go into this exact-size block: if it is the
     * tail, that is fine since it is full. */
}

static void setDeferredAggregateLen(client *c, void *node, long length,
                                    char prefix) {
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%c%ld\r\n", prefix, length);
    setDeferredReply(c, node, buf, n);
}

void setDeferredArrayLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, '*');
}

void setDeferredMapLen(client *c, void *node, long length) {
    int prefix = c->resp == 2 ? '*' : '%';
    if (c->resp == 2) length *= 2;
    setDeferredAggregateLen(c, node, length, prefix);
}

void setDeferredSetLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, c->resp == 2 ? '*' : '~');
}

void setDeferredAttributeLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, '|');
}

void setDeferredPushLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, c->resp == 2 ? '*' : '>');
}

/* ---------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------ */

#define MAX_WRITE_IOV 64

/* Adds the bytes [offset, used) of <buf> to <iov> if there are any;
 * returns the new count. */
static int iovAppend(struct iovec *iov, int iovcnt, size_t *batch, char *buf,
                     size_t used, size_t offset) {
    if (used <= offset) return iovcnt;
    iov[iovcnt].iov_base = buf + offset;
    iov[iovcnt].iov_len = used - offset;
    *batch += used - offset;
    return iovcnt + 1;
}

/* Writes as much of <c>'s pending reply as the connection takes now.
 * With <handler_installed> the write handler is removed once everything
 * is sent. Returns C_ERR if the client was freed (or scheduled to be). */
int writeToClient(client *c, int handler_installed) {
    ssize_t totwritten = 0;
    while (clientHasPendingReplies(c)) {
        struct iovec iov[MAX_WRITE_IOV];
        int iovcnt = 0;
        size_t offset = c->sentlen, batch = 0;
        listIter li;
        listNode *ln;
        listGetIterator(c->reply, &li, AL_START_HEAD);
        while ((ln = listNext(&li)) && iovcnt < MAX_WRITE_IOV &&
               batch < NET_MAX_WRITES_PER_EVENT) {
            clientReplyBlock *b = listNodeValue(ln);
            iovcnt = iovAppend(iov, iovcnt, &batch, b->buf, b->used, offset);
            offset = 0;
        }
        /* An online replica's stream follows its own bytes. */
        if (!ln && clientHasPendingStream(c)) {
            offset = c->repl_ref_pos;
            for (ln = c->repl_ref; ln && iovcnt < MAX_WRITE_IOV &&
                                   batch < NET_MAX_WRITES_PER_EVENT;
                 ln = listNextNode(ln)) {
                replBufBlock *b = listNodeValue(ln);
                iovcnt = iovAppend(iov, iovcnt, &batch, b->buf, b->used, offset);
                offset = 0;
            }
        }
        if (iovcnt == 0) break;
        ssize_t n = iovcnt == 1 ? connWrite(c->conn, iov[0].iov_base, iov[0].iov_len)
                                : connWritev(c->conn, iov, iovcnt);
        if (n <= 0) {
            if (connGetState(c->conn) != CONN_STATE_CONNECTED) {
                if (server.verbosity <= LL_VERBOSE)
                    serverLog(LL_VERBOSE,
                              "Error writing to client id=%llu addr=%s: %s",
                              (unsigned long long)c->id, getClientPeerId(c),
                              connGetLastError(c->conn));
                freeClientAsync(c);
                return C_ERR;
            }
            break; /* the socket is full: try again when writable */
        }
        totwritten += n;
        /* Drop the blocks that are now fully sent, keeping the last one
         * (emptied) for reuse by the next reply. */
        size_t left = (size_t)n;
        while (left && clientHasPendingOwnReplies(c) &&
               (ln = listFirst(c->reply))) {
            clientReplyBlock *b = listNodeValue(ln);
            size_t rem = b->used - c->sentlen;
            if (left < rem) {
                c->sentlen += left;
                left = 0;
                break;
            }
            left -= rem;
            if (listLength(c->reply) == 1) {
                b->used = 0;
                c->sentlen = 0;
            } else {
                c->reply_bytes -= b->size;
                zfree(b);
                listDelNode(c->reply, ln);
                c->sentlen = 0;
            }
        }
        /* Skip emptied placeholders (from deferred lengths) at the front. */
        while ((ln = listFirst(c->reply)) && listLength(c->reply) > 1) {
            clientReplyBlock *b = listNodeValue(ln);
            if (b->used != c->sentlen || b->used != 0) break;
            c->reply_bytes -= b->size;
            zfree(b);
            listDelNode(c->reply, ln);
        }
        if (left) clientAdvanceStream(c, left);
        if (totwritten >= NET_MAX_WRITES_PER_EVENT) break;
    }
    if (totwritten > 0) {
        server.stat_net_output_bytes += totwritten;
        server.stat_total_writes_processed++;
        c->last_io_ms = server.mstime;
        if (!(c->flags & CLIENT_MASTER)) c->lastinteraction = server.unixtime;
    }
    if (!clientHasPendingReplies(c)) {
        if (handler_installed) connClearWriteHandler(c->conn);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            freeClientAsync(c);
            return C_ERR;
        }
    }
    return C_OK;
}

static void sendReplyToClient(connection *conn) {
    client *c = connGetPrivateData(conn);
    writeToClient(c, 1);
}

/* Writes the replies of every client that got some in this event-loop
 * turn; installs a write handler only for those whose socket was full.
 * Returns how many clients were processed. */
int handleClientsWithPendingWrites(void) {
    int processed = 0;
    listNode *ln;
    while ((ln = listFirst(server.clients_pending_write))) {
        client *c = listNodeValue(ln);
        c->flags &= ~CLIENT_PENDING_WRITE;
        listDelNode(server.clients_pending_write, ln);
        c->pending_write_node = NULL;
        processed++;
        if (c->flags & CLIENT_PROTECTED && !c->conn) continue;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (writeToClient(c, 0) == C_ERR) continue;
        if (clientHasPendingReplies(c) && !connHasWriteHandler(c->conn)) {
            /* With appendfsync always a reply may only leave after its
             * write is on disk (beforeSleep): the barrier makes the write
             * handler run before the read handler in an event-loop turn, so
             * it never sends the reply of a command read in the same turn. */
            int barrier = server.aof_enabled &&
                          server.aof_fsync == AOF_FSYNC_ALWAYS;
            if (connSetWriteHandlerWithBarrier(c->conn, sendReplyToClient,
                                               barrier) == C_ERR)
                freeClientAsync(c);
        }
    }
    return processed;
}

/* ---------------------------------------------------------------------
 * Reading and command processing
 * ------------------------------------------------------------------ */

static void setProtocolError(client *c, const char *reason) {
    if (server.verbosity <= LL_VERBOSE) {
        sds info = catClientInfoString(sdsEmpty(), c);
        serverLog(LL_VERBOSE, "Protocol error (%s) from client: %s", reason,
                  info);
        sdsFree(info);
    }
    addReplyErrorFormat(c, "Protocol error: %s", reason);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY | CLIENT_PROTOCOL_ERROR;
}

/* Moves the parser's arguments into c->argv as string objects. */
static void takeParsedArguments(client *c) {
    int argc = c->parser.argc;
    if (argc > c->argv_len) {
        zfree(c->argv);
        c->argv_len = argc < 8 ? 8 : argc;
        c->argv = zmalloc(sizeof(robj *) * c->argv_len);
    }
    c->argv_len_sum = 0;
    for (int j = 0; j < argc; j++) {
        sds arg = c->parser.argv[j];
        c->argv[j] = createObject(OBJ_STRING, arg);
        c->argv_len_sum += sdsLen(arg);
    }
    c->argc = argc;
    respForgetArgs(&c->parser);
}

/* Parses and runs every complete command in <c>'s query buffer. Returns
 * C_ERR if the client must not be touched any more (it is being freed). */
int processInputBuffer(client *c) {
    while (c->querybuf && c->qb_pos < sdsLen(c->querybuf)) {
        /* A paused client's command is parked by processCommand. */
        if (c->flags & CLIENT_BLOCKED) break;
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) break;

        int master = (c->flags & CLIENT_MASTER) != 0;
        size_t start = c->qb_pos, consumed = 0;
        respStatus st = respParse(&c->parser, c->querybuf + c->qb_pos,
                                  sdsLen(c->querybuf) - c->qb_pos, &consumed);
        if (st == RESP_ERROR) {
            setProtocolError(c, c->parser.err);
            c->qb_pos = sdsLen(c->querybuf);
            break;
        }
        c->qb_pos += consumed;
        /* Our master's bytes go to our own replicas as they came, once
         * applied (the offsets stay the master's): a command read in one
         * piece straight from the query buffer, one spread over several
         * reads from the bytes gathered meanwhile. */
        if (master && (st == RESP_NEED_MORE || c->master_raw) && consumed) {
            if (!c->master_raw) c->master_raw = sdsEmpty();
            c->master_raw = sdsCatLen(c->master_raw, c->querybuf + start,
                                      consumed);
        }
        if (st == RESP_NEED_MORE) break;

        takeParsedArguments(c);
        int rc = C_OK;
        if (c->argc) {
            server.current_client = c;
            rc = processCommand(c);
            server.current_client = NULL;
        }
        if (master) {
            if (c->master_raw) {
                replicationMasterApplied(c, c->master_raw,
                                         sdsLen(c->master_raw));
                sdsFree(c->master_raw);
                c->master_raw = NULL;
            } else {
                replicationMasterApplied(c, c->querybuf + start, consumed);
            }
        }
        if (c->argc == 0) continue;
        if (rc == C_OK && !(c->flags & CLIENT_BLOCKED)) resetClient(c);
        if (c->flags & CLIENT_CLOSE_ASAP) return C_ERR;
    }
    /* Drop what was parsed; keep the unparsed tail. */
    if (c->querybuf && c->qb_pos) {
        sdsRange(c->querybuf, c->qb_pos, -1);
        c->qb_pos = 0;
    }
    return C_OK;
}

/* Read handler of every client connection: one read of up to 16 KB (64 KB
 * inside a large bulk argument), then every complete command runs.
 * A read lands straight in the query buffer when that has the room;
 * otherwise in a buffer shared by all clients (the server is single
 * threaded and nothing keeps it across calls), and only the bytes read
 * are appended to the query buffer. So a client sending small commands
 * keeps a query buffer the size of its commands instead of 16 KB, and
 * after the first few requests nothing is allocated per request. */
void readQueryFromClient(connection *conn) {
    static char shared_readbuf[PROTO_IOBUF_LEN];
    client *c = connGetPrivateData(conn);
    size_t readlen = PROTO_IOBUF_LEN;
    char *dst = shared_readbuf;
    int direct;

    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) {
        /* Nothing more will be read from this client: stop watching its
         * socket, which a peer that keeps sending (or, over TLS, bytes
         * waiting inside OpenSSL) would otherwise keep signalling, turning
         * the loop into a busy loop until the client is gone. */
        connClearReadHandler(conn);
        return;
    }
    /* A large bulk argument is read in big chunks. */
    if (c->parser.bulklen >= PROTO_MBULK_BIG_ARG) readlen = PROTO_IOBUF_LEN * 4;
    direct = readlen > sizeof(shared_readbuf) ||
             (c->querybuf && sdsAvail(c->querybuf) >= readlen);
    if (direct) {
        if (!c->querybuf) c->querybuf = sdsEmpty();
        c->querybuf = sdsMakeRoomForNonGreedy(c->querybuf, readlen);
        dst = c->querybuf + sdsLen(c->querybuf);
    }
    ssize_t nread = connRead(conn, dst, readlen);
    if (nread == -1) {
        if (connGetState(conn) == CONN_STATE_CONNECTED) return;
        if (server.verbosity <= LL_VERBOSE)
            serverLog(LL_VERBOSE, "Reading from client id=%llu addr=%s: %s",
                      (unsigned long long)c->id, getClientPeerId(c),
                      connGetLastError(conn));
        freeClient(c);
        return;
    } else if (nread == 0) {
        /* Finding the address costs two syscalls (and getpeername often
         * fails: a peer that reset the connection has no name any more),
         * so do it only when the line is logged. */
        if (server.verbosity <= LL_VERBOSE)
            serverLog(LL_VERBOSE, "Client closed connection id=%llu addr=%s",
                      (unsigned long long)c->id, getClientPeerId(c));
        freeClient(c);
        return;
    }
    if (direct) {
        sdsIncrLen(c->querybuf, nread);
    } else if (c->querybuf) {
        c->querybuf = sdsCatLen(c->querybuf, shared_readbuf, (size_t)nread);
    } else {
        c->querybuf = sdsNewLen(shared_readbuf, (size_t)nread);
    }
    /* A TLS ClientHello on a plain-text port (a record of type 22,
     * handshake, version 3.x: RFC 8446 section 5.1) would otherwise wait
     * for a newline that never comes: answer and close at once. */
    if (c->commands_processed == 0 && (size_t)nread == sdsLen(c->querybuf) &&
        nread >= 3 && !connIsTLS(conn) && c->querybuf[0] == 0x16 &&
        c->querybuf[1] == 0x03 && (unsigned char)c->querybuf[2] <= 0x04) {
        setProtocolError(c, "TLS handshake received on a plain-text port; "
                            "connect to the TLS port");
        c->qb_pos = sdsLen(c->querybuf);
        return;
    }
    if (sdsLen(c->querybuf) > c->querybuf_peak)
        c->querybuf_peak = sdsLen(c->querybuf);
    c->lastinteraction = server.unixtime;
    c->last_io_ms = server.mstime;
    server.stat_net_input_bytes += nread;
    server.stat_total_reads_processed++;

    /* The query buffer limit counts unparsed bytes plus a partly received
     * command held by the parser. */
    size_t pending = sdsLen(c->querybuf) - c->qb_pos;
    for (int j = 0; j < c->parser.argc; j++) pending += sdsLen(c->parser.argv[j]);
    if (c->parser.bulklen != -1 && c->parser.argv && c->parser.argv[c->parser.argc])
        pending += sdsLen(c->parser.argv[c->parser.argc]);
    if (c->parser.pending) pending += sdsLen(c->parser.pending);
    if (server.client_max_querybuf_len &&
        pending > server.client_max_querybuf_len) {
        sds ci = catClientInfoString(sdsEmpty(), c);
        serverLog(LL_WARNING, "Closing client that reached max query buffer "
                  "length: %s", ci);
        sdsFree(ci);
        server.stat_client_qbuf_limit_disconnections++;
        freeClient(c);
        return;
    }
    processInputBuffer(c);
}

/* Releases the query buffer and the spare reply block of a client that has
 * been idle for a while, so idle connections cost little memory. */
void releaseIdleClientBuffers(client *c, long long now_ms) {
    if (now_ms - c->last_io_ms < 2000) return;
    if (c->querybuf && c->qb_pos == 0 && sdsLen(c->querybuf) == 0 &&
        c->parser.argc == 0) {
        sdsFree(c->querybuf);
        c->querybuf = NULL;
    }
    if (!clientHasPendingReplies(c) && listLength(c->reply)) {
        freeClientReplyBlocks(c);
    }
}

/* ---------------------------------------------------------------------
 * Accepting
 * ------------------------------------------------------------------ */

static int isLoopbackClient(client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    char ip[NET_IP_STR_LEN];
    int port;
    if (connAddrPeerName(c->conn, ip, sizeof(ip), &port) == -1) return 0;
    return !strcmp(ip, "127.0.0.1") || !strcmp(ip, "::1") ||
           !strncmp(ip, "::ffff:127.", 11);
}

#define MAXCLIENTS_ERR "-ERR max number of clients reached\r\n"

/* Writes <err> to <conn> (best effort: the peer may not read it; a full
 * socket just loses it) and counts the rejection. */
static void writeRejection(connection *conn, const char *err) {
    if (connWrite(conn, err, strlen(err)) == -1) {
        /* nothing to do: we close anyway */
    }
    server.stat_rejected_conn++;
}

static void rejectClient(client *c, const char *err) {
    writeRejection(c->conn, err);
    freeClient(c);
}

/* Runs when a connection finished its handshake (immediately for plain
 * sockets, after the TLS handshake for TLS) or failed it. A failure is
 * logged here, once, with the client's id and address (the connection
 * layer only counts it). */
void clientAcceptHandler(connection *conn) {
    client *c = connGetPrivateData(conn);

    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        if (server.verbosity <= LL_VERBOSE)
            serverLog(LL_VERBOSE,
                      "Error accepting a client connection id=%llu addr=%s "
                      "(%s): %s",
                      (unsigned long long)c->id, getClientPeerId(c),
                      connGetTypeName(conn), connGetLastError(conn));
        freeClient(c);
        return;
    }
    /* The limit was checked when the connection arrived (counting those
     * still in their handshake); the answer waits for the handshake so
     * that TLS clients can read it. */
    if (c->flags & CLIENT_REJECT_MAXCLIENTS) {
        rejectClient(c, MAXCLIENTS_ERR);
        return;
    }
    if (server.protected_mode && server.bindaddr_count == 0 &&
        aclDefaultUserHasNoPass() && !isLoopbackClient(c)) {
        rejectClient(c,
            "-DENIED Redis is running in protected mode because protected "
            "mode is enabled and no password is set for the default user. "
            "In this mode connections are only accepted from the loopback "
            "interface. To accept connections from other hosts, set a "
            "password (requirepass), bind to specific addresses, or turn "
            "protected mode off with 'CONFIG SET protected-mode no' from "
            "the loopback interface or in the configuration file, then "
            "restart the server.\r\n");
        return;
    }
    server.stat_numconnections++;
}

/* Called by a listener for each new connection; <ip>/<port> is the peer.
 * Every client counts against maxclients from this moment, also while its
 * TLS handshake runs: one that arrives with maxclients reached is marked
 * and answered "-ERR max number of clients reached" once its handshake is
 * done. One that the event loop cannot even watch (its descriptor is past
 * the loop's size) gets that answer written at once and is closed. */
void acceptConnection(connection *conn, const char *ip, int port) {
    int over = listLength(server.clients) >= server.maxclients;
    client *c = createClient(conn);
    if (c == NULL) {
        serverLog(LL_VERBOSE, "Refused %s:%d (%s): descriptor %d out of the "
                  "event loop's range", ip, port, connGetTypeName(conn),
                  connGetFd(conn));
        /* A plain client can still read why; a TLS one sees the close. */
        if (!connIsTLS(conn)) writeRejection(conn, MAXCLIENTS_ERR);
        else server.stat_rejected_conn++;
        connClose(conn);
        return;
    }
    if (!strcmp(connGetTypeName(conn), CONN_TYPE_UNIX))
        c->flags |= CLIENT_UNIX_SOCKET;
    if (over) c->flags |= CLIENT_REJECT_MAXCLIENTS;
    if (server.verbosity <= LL_VERBOSE)
        serverLog(LL_VERBOSE, "Accepted %s:%d (%s) id=%llu", ip, port,
                  connGetTypeName(conn), (unsigned long long)c->id);
    if (connAccept(conn, clientAcceptHandler) != 0) {
        serverLog(LL_VERBOSE, "Error accepting a client connection id=%llu "
                  "addr=%s:%d (%s): %s", (unsigned long long)c->id, ip, port,
                  connGetTypeName(conn), connGetLastError(conn));
        server.stat_rejected_conn++;
        freeClient(c);
    }
}

/* ---------------------------------------------------------------------
 * Client introspection
 * ------------------------------------------------------------------ */

static void cacheClientAddresses(client *c) {
    char buf[NET_ADDR_STR_LEN];
    if (!c->peerid) {
        if (c->conn && connFormatAddr(c->conn, buf, sizeof(buf), 1) >= 0)
            c->peerid = sdsNew(buf);
        else
            c->peerid = sdsNew("?:0");
    }
    if (!c->sockname) {
        if (c->conn && connFormatAddr(c->conn, buf, sizeof(buf), 0) >= 0)
            c->sockname = sdsNew(buf);
        else
            c->sockname = sdsNew("?:0");
    }
}

/* "ip:port" of the peer (borrowed). */
char *getClientPeerId(client *c) {
    cacheClientAddresses(c);
    return c->peerid;
}

/* "ip:port" of our side (borrowed). */
char *getClientSockname(client *c) {
    cacheClientAddresses(c);
    return c->sockname;
}

/* Bytes of reply not yet sent, as the output buffer limits count them. */
unsigned long getClientOutputBufferMemoryUsage(client *c) {
    unsigned long used = c->reply_bytes;
    /* A replica holds the shared stream from its block on. */
    if (c->repl_ref) {
        replBufBlock *b = listNodeValue(c->repl_ref);
        used += (unsigned long)(server.master_repl_offset + 1 - b->off);
    }
    return used;
}

/* Bytes of a partly received command that the parser holds for <c> (the
 * arguments read so far, the one being read, an unfinished line). */
static size_t clientParserMemory(client *c) {
    size_t mem = 0;
    if (c->parser.argv) {
        for (int j = 0; j < c->parser.argc; j++)
            mem += sdsAllocSize(c->parser.argv[j]);
        if (c->parser.bulklen != -1 && c->parser.argc < c->parser.argv_len &&
            c->parser.argv[c->parser.argc])
            mem += sdsAllocSize(c->parser.argv[c->parser.argc]);
        mem += sizeof(sds) * (size_t)c->parser.argv_len;
    }
    if (c->parser.pending) mem += sdsAllocSize(c->parser.pending);
    return mem;
}

/* Memory attributed to <c>: struct, buffers, arguments (a partly received
 * command included). */
size_t getClientMemoryUsage(client *c, size_t *output_buffer_mem_usage) {
    /* The shared stream is replication.c's memory, not the replica's. */
    size_t mem = c->reply_bytes;
    if (output_buffer_mem_usage)
        *output_buffer_mem_usage = getClientOutputBufferMemoryUsage(c);
    mem += c->querybuf ? sdsAllocSize(c->querybuf) : 0;
    mem += clientParserMemory(c);
    mem += sizeof(client);
    mem += c->argv_len_sum + sizeof(robj *) * c->argv_len;
    mem += c->mstate.argv_len_sums;
    return mem;
}

/* CLIENT_TYPE_* of <c> for output buffer limits and CLIENT KILL TYPE. */
int getClientType(client *c) {
    if (c->flags & CLIENT_MASTER) return CLIENT_TYPE_MASTER;
    if ((c->flags & CLIENT_SLAVE) && !(c->flags & CLIENT_MONITOR))
        return CLIENT_TYPE_SLAVE;
    if (c->flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
    return CLIENT_TYPE_NORMAL;
}

/* Parses "normal", "slave"/"replica", "pubsub", "master"; -1 if unknown. */
int getClientTypeByName(char *name) {
    if (!strcasecmp(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica"))
        return CLIENT_TYPE_SLAVE;
    if (!strcasecmp(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (!strcasecmp(name, "master")) return CLIENT_TYPE_MASTER;
    return -1;
}

char *getClientTypeName(int class) {
    switch (class) {
    case CLIENT_TYPE_NORMAL: return "normal";
    case CLIENT_TYPE_SLAVE: return "slave";
    case CLIENT_TYPE_PUBSUB: return "pubsub";
    case CLIENT_TYPE_MASTER: return "master";
    default: return NULL;
    }
}

/* 1 if <c> is over its class's hard limit, or over the soft limit for
 * longer than allowed. Tracks when the soft limit was first exceeded. */
int checkClientOutputBufferLimits(client *c) {
    unsigned long used = getClientOutputBufferMemoryUsage(c);
    int class = getClientType(c);
    if (class == CLIENT_TYPE_MASTER) class = CLIENT_TYPE_NORMAL;
    clientBufferLimitsConfig *l = &server.client_obuf_limits[class];
    int hard = l->hard_limit_bytes && used >= l->hard_limit_bytes;
    int soft = l->soft_limit_bytes && used >= l->soft_limit_bytes;
    if (soft) {
        if (c->obuf_soft_limit_reached_time == 0) {
            c->obuf_soft_limit_reached_time = server.unixtime;
            soft = 0;
        } else if (server.unixtime - c->obuf_soft_limit_reached_time <=
                   l->soft_limit_seconds) {
            soft = 0;
        }
    } else {
        c->obuf_soft_limit_reached_time = 0;
    }
    return hard || soft;
}

/* Schedules <c> to be closed if it is over its output limits; returns 1 if
 * so. Only asynchronous closing is supported (<async> is kept for callers
 * that state their intent). */
int closeClientOnOutputBufferLimitReached(client *c, int async) {
    UNUSED(async);
    if (!c->conn || (c->flags & CLIENT_CLOSE_ASAP)) return 0;
    if (!checkClientOutputBufferLimits(c)) return 0;
    sds ci = catClientInfoString(sdsEmpty(), c);
    serverLog(LL_WARNING, "Client %s scheduled to be closed ASAP for "
              "overcoming of output buffer limits.", ci);
    sdsFree(ci);
    server.stat_client_outbuf_limit_disconnections++;
    freeClientAsync(c);
    return 1;
}

static sds catClientFlags(sds s, client *c) {
    char flags[32], *p = flags;
    if (c->flags & CLIENT_SLAVE) *p++ = (c->flags & CLIENT_MONITOR) ? 'O' : 'S';
    if (c->flags & CLIENT_MASTER) *p++ = 'M';
    if (c->flags & CLIENT_PUBSUB) *p++ = 'P';
    if (c->flags & CLIENT_MULTI) *p++ = 'x';
    if (c->flags & CLIENT_BLOCKED) *p++ = 'b';
    if (c->flags & CLIENT_TRACKING) *p++ = 't';
    if (c->flags & CLIENT_TRACKING_BROKEN_REDIR) *p++ = 'R';
    if (c->flags & CLIENT_TRACKING_BCAST) *p++ = 'B';
    if (c->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CLIENT_UNBLOCKED) *p++ = 'u';
    if (c->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (c->flags & CLIENT_READONLY) *p++ = 'r';
    if (c->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (p == flags) *p++ = 'N';
    *p = '\0';
    return sdsCat(s, flags);
}

/* Appends <c>'s CLIENT LIST line (without newline) to <s>. Field order is
 * Redis 7.0's; "tls" is ours and comes last so parsers keep working. */
sds catClientInfoString(sds s, client *c) {
    char events[3], *p = events;
    if (c->conn) {
        if (connHasReadHandler(c->conn)) *p++ = 'r';
        if (connHasWriteHandler(c->conn)) *p++ = 'w';
    }
    *p = '\0';
    size_t obufmem, totmem = getClientMemoryUsage(c, &obufmem);
    size_t qbuf = c->querybuf ? sdsLen(c->querybuf) : 0;
    size_t qbuf_free = c->querybuf ? sdsAvail(c->querybuf) : 0;
    size_t obl = 0, oll = 0;
    listNode *ln = listFirst(c->reply);
    if (ln) {
        clientReplyBlock *b = listNodeValue(ln);
        obl = b->used;
        oll = listLength(c->reply) - 1;
    }
    s = sdsCatPrintf(s, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld "
                     "idle=%lld flags=",
                     (unsigned long long)c->id, getClientPeerId(c),
                     getClientSockname(c), c->conn ? connGetFd(c->conn) : -1,
                     c->name ? (char *)c->name->ptr : "",
                     (long long)(server.unixtime - c->ctime),
                     (long long)(server.unixtime - c->lastinteraction));
    s = catClientFlags(s, c);
    s = sdsCatPrintf(s, " db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%zu "
                     "qbuf-free=%zu argv-mem=%zu multi-mem=%zu obl=%zu "
                     "oll=%zu omem=%zu tot-mem=%zu events=%s cmd=%s user=%s "
                     "redir=%lld resp=%d tls=%d",
                     c->db->id,
                     c->pubsub_channels ? (int)dictSize(c->pubsub_channels) : 0,
                     c->pubsub_patterns ? (int)dictSize(c->pubsub_patterns) : 0,
                     c->pubsub_shard_channels
                         ? (int)dictSize(c->pubsub_shard_channels) : 0,
                     (c->flags & CLIENT_MULTI) ? c->mstate.count : -1, qbuf,
                     qbuf_free, c->argv_len_sum, c->mstate.argv_len_sums, obl,
                     oll, obufmem, totmem, events,
                     c->lastcmd ? c->lastcmd->fullname : "NULL",
                     aclUserName(c->user),
                     (c->flags & CLIENT_TRACKING)
                         ? (long long)c->client_tracking_redirection : -1LL,
                     c->resp, c->conn ? connIsTLS(c->conn) : 0);
    return s;
}

/* Every client's CLIENT LIST line; <type> -1 for all. */
sds getAllClientsInfoString(int type) {
    listIter li;
    listNode *ln;
    sds o = sdsEmpty();
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (type != -1 && getClientType(c) != type) continue;
        o = catClientInfoString(o, c);
        o = sdsCat(o, "\n");
    }
    return o;
}

/* ---------------------------------------------------------------------
 * Pausing clients
 * ------------------------------------------------------------------ */

/* Pauses clients until <end> (ms): type 1 pauses writes, 2 everything. A
 * longer or stronger pause wins over a running one. */
void pauseClients(long long end, int type) {
    if (type > server.client_pause_type) server.client_pause_type = type;
    if (end > server.client_pause_end_time) server.client_pause_end_time = end;
}

/* Ends the pause and lets the paused clients' buffered commands run. */
void unpauseClients(void) {
    server.client_pause_type = 0;
    server.client_pause_end_time = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.paused_clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        c->flags &= ~CLIENT_BLOCKED;
        c->btype = BLOCKED_NONE;
        if (!(c->flags & CLIENT_UNBLOCKED)) {
            c->flags |= CLIENT_UNBLOCKED;
            listAddNodeTail(server.unblocked_clients, c);
        }
    }
    listEmpty(server.paused_clients);
}

int areClientsPaused(void) {
    return server.client_pause_type != 0;
}

/* Ends a pause whose time is over; returns whether clients are paused. */
int checkClientPauseTimeoutAndReturnIfPaused(void) {
    if (!areClientsPaused()) return 0;
    if (server.client_pause_end_time <= server.mstime) unpauseClients();
    return areClientsPaused();
}

/* See server.h. */
void blockPostponeClient(client *c, int btype) {
    c->flags |= CLIENT_BLOCKED;
    c->btype = btype;
    listAddNodeTail(server.paused_clients, c);
}

/* See server.h. */
void unblockPostponedClients(void) {
    listIter li;
    listNode *ln;
    listGetIterator(server.paused_clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->btype == BLOCKED_POSTPONE) unblockClient(c);
    }
}

/* Runs the commands of clients that were unblocked (pause ended, blocking
 * command served). */
void processUnblockedClients(void) {
    listNode *ln;
    while ((ln = listFirst(server.unblocked_clients))) {
        client *c = listNodeValue(ln);
        listDelNode(server.unblocked_clients, ln);
        c->flags &= ~CLIENT_UNBLOCKED;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (c->argc > 0) {
            /* A postponed command runs now. */
            server.current_client = c;
            int rc = processCommand(c);
            server.current_client = NULL;
            if (rc == C_OK && !(c->flags & CLIENT_BLOCKED)) resetClient(c);
            if (c->flags & CLIENT_CLOSE_ASAP) continue;
        }
        if (!(c->flags & CLIENT_BLOCKED)) processInputBuffer(c);
    }
}

/* ---------------------------------------------------------------------
 * Connection commands
 * ------------------------------------------------------------------ */

#define MAX_CLIENT_RESET_HOOKS 8
static void (*clientResetHooks[MAX_CLIENT_RESET_HOOKS])(client *c);
static int clientResetHookCount;

/* Registers <fn> to run when a client sends RESET (pub/sub and tracking
 * drop their state this way). */
void registerClientResetHook(void (*fn)(client *c)) {
    serverAssert(clientResetHookCount < MAX_CLIENT_RESET_HOOKS);
    clientResetHooks[clientResetHookCount++] = fn;
}

/* Checks a CLIENT SETNAME name: printable, no spaces. */
static int validateClientName(robj *name) {
    sds s = name->ptr;
    for (size_t j = 0; j < sdsLen(s); j++)
        if (s[j] < '!' || s[j] > '~') return C_ERR;
    return C_OK;
}

static int clientSetNameOrReply(client *c, robj *name) {
    if (validateClientName(name) == C_ERR) {
        addReplyError(c, "Client names cannot contain spaces, newlines or "
                         "special characters.");
        return C_ERR;
    }
    if (c->name) decrRefCount(c->name);
    c->name = NULL;
    if (sdsLen(name->ptr)) {
        c->name = name;
        incrRefCount(name);
    }
    return C_OK;
}

static client *lookupClientById(uint64_t id) {
    return dictFetchValue(server.clients_by_id, (void *)(uintptr_t)id);
}

static const char *clientHelp[] = {
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    NULL};

void clientHelpCommand(client *c) {
    addReplyHelp(c, clientHelp);
}

void clientIdCommand(client *c) {
    addReplyLongLong(c, c->id);
}

void clientInfoCommand(client *c) {
    sds o = catClientInfoString(sdsEmpty(), c);
    o = sdsCat(o, "\n");
    addReplyVerbatim(c, o, sdsLen(o), "txt");
    sdsFree(o);
}

void clientListCommand(client *c) {
    sds o = NULL;
    if (c->argc == 4 && !strcasecmp(c->argv[2]->ptr, "type")) {
        int type = getClientTypeByName(c->argv[3]->ptr);
        if (type == -1) {
            addReplyErrorFormat(c, "Unknown client type '%s'",
                                (char *)c->argv[3]->ptr);
            return;
        }
        o = getAllClientsInfoString(type);
    } else if (c->argc > 3 && !strcasecmp(c->argv[2]->ptr, "id")) {
        o = sdsEmpty();
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!string2ll(c->argv[j]->ptr, sdsLen(c->argv[j]->ptr), &id) ||
                id <= 0) {
                addReplyError(c, "Invalid client ID");
                sdsFree(o);
                return;
            }
            client *cl = lookupClientById(id);
            if (cl) {
                o = catClientInfoString(o, cl);
                o = sdsCat(o, "\n");
            }
        }
    } else if (c->argc != 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    } else {
        o = getAllClientsInfoString(-1);
    }
    addReplyVerbatim(c, o, sdsLen(o), "txt");
    sdsFree(o);
}

void clientSetNameCommand(client *c) {
    if (clientSetNameOrReply(c, c->argv[2]) == C_OK) addReply(c, shared.ok);
}

void clientGetNameCommand(client *c) {
    if (c->name)
        addReplyBulk(c, c->name);
    else
        addReplyNull(c);
}

void clientKillCommand(client *c) {
    char *addr = NULL, *laddr = NULL, *user = NULL;
    int type = -1, skipme = 1;
    uint64_t id = 0;
    int killed = 0, old_form = 0;

    if (c->argc == 3) {
        addr = c->argv[2]->ptr;
        skipme = 0;
        old_form = 1;
    } else if (c->argc > 3 && (c->argc % 2) == 0) {
        for (int i = 2; i < c->argc; i += 2) {
            char *opt = c->argv[i]->ptr, *val = c->argv[i + 1]->ptr;
            if (!strcasecmp(opt, "id")) {
                long long tmp;
                if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &tmp,
                                                 "client-id should be greater "
                                                 "than 0") != C_OK)
                    return;
                if (tmp <= 0) {
                    addReplyError(c, "client-id should be greater than 0");
                    return;
                }
                id = tmp;
            } else if (!strcasecmp(opt, "type")) {
                type = getClientTypeByName(val);
                if (type == -1) {
                    addReplyErrorFormat(c, "Unknown client type '%s'", val);
                    return;
                }
            } else if (!strcasecmp(opt, "addr")) {
                addr = val;
            } else if (!strcasecmp(opt, "laddr")) {
                laddr = val;
            } else if (!strcasecmp(opt, "user")) {
                if (!aclGetUserByName(val, strlen(val))) {
                    addReplyErrorFormat(c, "No such user '%s'", val);
                    return;
                }
                user = val;
            } else if (!strcasecmp(opt, "skipme")) {
                if (!strcasecmp(val, "yes"))
                    skipme = 1;
                else if (!strcasecmp(val, "no"))
                    skipme = 0;
                else {
                    addReplyErrorObject(c, shared.syntaxerr);
                    return;
                }
            } else {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
        }
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }

    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *cl = listNodeValue(ln);
        if (addr && strcmp(getClientPeerId(cl), addr) != 0) continue;
        if (laddr && strcmp(getClientSockname(cl), laddr) != 0) continue;
        if (type != -1 && getClientType(cl) != type) continue;
        if (id != 0 && cl->id != id) continue;
        if (user && strcmp(aclUserName(cl->user), user) != 0) continue;
        if (c == cl && skipme) continue;
        if (c == cl)
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else
            freeClientAsync(cl);
        killed++;
    }
    if (old_form) {
        if (killed == 0)
            addReplyError(c, "No such client");
        else
            addReply(c, shared.ok);
    } else {
        addReplyLongLong(c, killed);
    }
}

void clientPauseCommand(client *c) {
    long long duration;
    int type = 2;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3]->ptr, "write"))
            type = 1;
        else if (strcasecmp(c->argv[3]->ptr, "all")) {
            addReplyError(c, "CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    } else if (c->argc != 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (getLongLongFromObjectOrReply(c, c->argv[2], &duration,
                                     "timeout is not an integer or out of "
                                     "range") != C_OK)
        return;
    if (duration < 0) {
        addReplyError(c, "timeout is negative");
        return;
    }
    pauseClients(server.mstime + duration, type);
    addReply(c, shared.ok);
}

void clientUnpauseCommand(client *c) {
    unpauseClients();
    addReply(c, shared.ok);
}

void clientReplyCommand(client *c) {
    char *mode = c->argv[2]->ptr;
    if (!strcasecmp(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        addReply(c, shared.ok);
    } else if (!strcasecmp(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (!strcasecmp(mode, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
    }
}

void clientNoEvictCommand(client *c) {
    char *v = c->argv[2]->ptr;
    if (!strcasecmp(v, "on")) {
        c->flags |= CLIENT_NO_EVICT;
        addReply(c, shared.ok);
    } else if (!strcasecmp(v, "off")) {
        c->flags &= ~CLIENT_NO_EVICT;
        addReply(c, shared.ok);
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
    }
}

void clientUnblockCommand(client *c) {
    long long id;
    int unblock_error = 0;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &id, NULL) != C_OK) return;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3]->ptr, "timeout"))
            unblock_error = 0;
        else if (!strcasecmp(c->argv[3]->ptr, "error"))
            unblock_error = 1;
        else {
            addReplyError(c, "CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    } else if (c->argc > 4) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    client *target = lookupClientById(id);
    if (target && (target->flags & CLIENT_BLOCKED) &&
        target->btype != BLOCKED_PAUSE && target->btype != BLOCKED_POSTPONE) {
        if (unblock_error)
            addReplyError(target, "-UNBLOCKED client unblocked via CLIENT "
                                  "UNBLOCK");
        else
            replyToBlockedClientTimedOut(target);
        unblockClient(target);
        addReply(c, shared.cone);
    } else {
        addReply(c, shared.czero);
    }
}

/* Authenticates <c> as <user> with <pass> (acl.c); replies nothing.
 * Returns C_OK when the pair is valid. */
static int checkUserPassword(client *c, robj *user, robj *pass) {
    return aclAuthenticateClient(c, user, pass);
}

static void replyWrongPass(client *c) {
    addReplyError(c, "-WRONGPASS invalid username-password pair or user is "
                     "disabled.");
}

void authCommand(client *c) {
    redactClientArgsFrom(c, 1);
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc == 2 && aclDefaultUserHasNoPass()) {
        addReplyError(c, "AUTH <password> called without any password "
                         "configured for the default user. Are you sure "
                         "your configuration is correct?");
        return;
    }
    robj *user = c->argc == 3 ? c->argv[1] : shared.default_username;
    robj *pass = c->argc == 3 ? c->argv[2] : c->argv[1];
    if (checkUserPassword(c, user, pass) == C_OK)
        addReply(c, shared.ok);
    else
        replyWrongPass(c);
}

void helloCommand(client *c) {
    long long ver = 0;
    int next = 1;

    if (c->argc >= 2) {
        if (getLongLongFromObjectOrReply(c, c->argv[next++], &ver,
                                         "Protocol version is not an integer "
                                         "or out of range") != C_OK)
            return;
        if (ver < 2 || ver > 3) {
            addReplyError(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }
    /* Options act in their order, as in Redis 7.0: a name set before a
     * failing AUTH or a syntax error stays set. */
    for (int j = next; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "AUTH") && moreargs >= 2) {
            redactClientArg(c, j + 1);
            redactClientArg(c, j + 2);
            if (checkUserPassword(c, c->argv[j + 1], c->argv[j + 2]) != C_OK) {
                replyWrongPass(c);
                return;
            }
            j += 2;
        } else if (!strcasecmp(opt, "SETNAME") && moreargs) {
            if (clientSetNameOrReply(c, c->argv[j + 1]) == C_ERR) return;
            j++;
        } else {
            addReplyErrorFormat(c, "Syntax error in HELLO option '%s'", opt);
            return;
        }
    }
    if (!c->authenticated) {
        addReplyError(c, "-NOAUTH HELLO must be called with the client already "
                         "authenticated, otherwise the HELLO AUTH <user> "
                         "<pass> option can be used to authenticate the "
                         "client and select the RESP protocol version at the "
                         "same time");
        return;
    }
    if (ver) c->resp = (int)ver;

    /* Redis 7.0's Sentinel leaves the role out. */
    addReplyMapLen(c, server.sentinel_mode ? 6 : 7);
    addReplyBulkCString(c, "server");
    addReplyBulkCString(c, "redis");
    addReplyBulkCString(c, "version");
    addReplyBulkCString(c, REDIS_VERSION);
    addReplyBulkCString(c, "proto");
    addReplyLongLong(c, c->resp);
    addReplyBulkCString(c, "id");
    addReplyLongLong(c, c->id);
    addReplyBulkCString(c, "mode");
    addReplyBulkCString(c, server.sentinel_mode ? "sentinel"
                           : server.cluster_enabled ? "cluster" : "standalone");
    if (!server.sentinel_mode) {
        addReplyBulkCString(c, "role");
        addReplyBulkCString(c, server.masterhost ? "replica" : "master");
    }
    addReplyBulkCString(c, "modules");
    addReplyArrayLen(c, 0);
}

void quitCommand(client *c) {
    addReply(c, shared.ok);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void resetCommand(client *c) {
    if (c->flags & CLIENT_MULTI) discardTransaction(c);
    unwatchAllKeys(c);
    for (int i = 0; i < clientResetHookCount; i++) clientResetHooks[i](c);
    if (c->flags & CLIENT_MONITOR) {
        listNode *ln = listSearchKey(server.monitors, c);
        if (ln) listDelNode(server.monitors, ln);
        c->flags &= ~(CLIENT_MONITOR | CLIENT_SLAVE);
    }
    c->flags &= ~(CLIENT_ASKING | CLIENT_READONLY | CLIENT_REPLY_OFF |
                  CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_EVICT);
    c->resp = 2;
    if (c->name) {
        decrRefCount(c->name);
        c->name = NULL;
    }
    selectDb(c, 0);
    c->user = DefaultUser;
    c->authenticated = aclDefaultUserAutoAuth();
    addReplyStatus(c, "RESET");
}

void monitorCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "MONITOR isn't allowed in MULTI");
        return;
    }
    if (c->flags & CLIENT_SLAVE) return;
    c->flags |= (CLIENT_SLAVE | CLIENT_MONITOR);
    listAddNodeTail(server.monitors, c);
    addReply(c, shared.ok);
}

/* Sends one MONITOR line for the command <argv>/<argc> of <c> in <dictid>
 * to every client in <monitors>. */
void replicationFeedMonitors(client *c, list *monitors, int dictid,
                             robj **argv, int argc) {
    if (!listLength(monitors)) return;
    sds line = sdsCatPrintf(sdsEmpty(), "+%.6f ", ustime() / 1e6);
    if (c->flags & CLIENT_SCRIPT)
        line = sdsCatPrintf(line, "[%d lua] ", dictid);
    else if (c->flags & CLIENT_UNIX_SOCKET)
        line = sdsCatPrintf(line, "[%d unix:%s] ", dictid, server.unixsocket);
    else
        line = sdsCatPrintf(line, "[%d %s] ", dictid, getClientPeerId(c));
    for (int j = 0; j < argc; j++) {
        if (argv[j]->encoding == OBJ_ENCODING_INT) {
            line = sdsCatPrintf(line, "\"%ld\"", (long)argv[j]->ptr);
        } else {
            line = sdsCatRepr(line, argv[j]->ptr, sdsLen(argv[j]->ptr));
        }
        if (j != argc - 1) line = sdsCat(line, " ");
    }
    line = sdsCat(line, "\r\n");
    listIter li;
    listNode *ln;
    listGetIterator(monitors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *mon = listNodeValue(ln);
        addReplyProto(mon, line, sdsLen(line));
    }
    sdsFree(line);
}

/* Keeps the command as received before its first rewrite in a call(), or
 * while blocked.c serves the client (c is then the current client). */
static void retainOriginalArgv(client *c) {
    if (c->original_argv ||
        (server.executing_client != c && server.current_client != c))
        return;
    c->original_argv = zmalloc(sizeof(robj *) * c->argc);
    for (int j = 0; j < c->argc; j++) {
        c->original_argv[j] = c->argv[j];
        incrRefCount(c->argv[j]);
    }
    c->original_argc = c->argc;
}

/* See server.h. */
void clientReleaseOriginalArgv(client *c) {
    if (!c->original_argv) return;
    for (int j = 0; j < c->original_argc; j++)
        decrRefCount(c->original_argv[j]);
    zfree(c->original_argv);
    c->original_argv = NULL;
    c->original_argc = 0;
}

/* See server.h. */
void redactClientArg(client *c, int j) {
    if (j < 64)
        c->redact_mask |= 1ULL << j;
    else if (!c->redact_from || j < c->redact_from)
        c->redact_from = j;
}

/* See server.h. */
void redactClientArgsFrom(client *c, int j) {
    if (!c->redact_from || j < c->redact_from) c->redact_from = j;
}

/* Rewrites the command vector of <c> (for propagation of a different
 * form than the one received). Takes ownership of <argv>. */
void replaceClientCommandVector(client *c, int argc, robj **argv) {
    retainOriginalArgv(c);
    freeClientArgv(c);
    zfree(c->argv);
    c->argv = argv;
    c->argc = argc;
    c->argv_len = argc;
    c->argv_len_sum = 0;
    for (int j = 0; j < argc; j++)
        if (sdsEncodedObject(argv[j])) c->argv_len_sum += sdsLen(argv[j]->ptr);
    c->cmd = lookupCommand(c->argv, c->argc);
}

/* Replaces argument <i> with <newval> (a new reference is taken). */
void rewriteClientCommandArgument(client *c, int i, robj *newval) {
    retainOriginalArgv(c);
    if (i >= c->argv_len) {
        c->argv = zrealloc(c->argv, sizeof(robj *) * (i + 1));
        for (int j = c->argv_len; j <= i; j++) c->argv[j] = NULL;
        c->argv_len = i + 1;
    }
    if (c->argv[i]) decrRefCount(c->argv[i]);
    c->argv[i] = newval;
    incrRefCount(newval);
    if (i >= c->argc) c->argc = i + 1;
    if (i == 0) c->cmd = lookupCommand(c->argv, c->argc);
}

/* Replaces the whole command vector with <argc> robj* arguments. */
void rewriteClientCommandVector(client *c, int argc, ...) {
    va_list ap;
    robj **argv = zmalloc(sizeof(robj *) * argc);
    va_start(ap, argc);
    for (int j = 0; j < argc; j++) {
        argv[j] = va_arg(ap, robj *);
        incrRefCount(argv[j]);
    }
    va_end(ap);
    replaceClientCommandVector(c, argc, argv);
}

/* Called inside long operations (loading, DEBUG SLEEP is not one) to keep
 * serving events. */
void processEventsWhileBlocked(void) {
    for (int i = 0; i < 4; i++) {
        int events = aeProcessEvents(server.el, AE_FILE_EVENTS | AE_DONT_WAIT);
        /* Decrypted TLS bytes the socket will not signal again. */
        if (connTypeHasPendingData()) events += connTypeProcessPendingData();
        handleClientsWithPendingWrites();
        if (!events) break;
    }
}
