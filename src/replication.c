/* replication.c: both roles of Redis 7.0's master/replica protocol.
 *
 * Master side: REPLCONF, PSYNC and SYNC, the replication backlog (a ring
 * of the last repl-backlog-size bytes of the command stream), full syncs
 * from an RDB written by a BGSAVE child and streamed here by the parent,
 * partial resyncs from the backlog, pings, acknowledgements, WAIT and
 * min-replicas-to-write, INFO replication and ROLE.
 * Replica side: REPLICAOF, and the link to the master as a state machine
 * driven by the connection's events: connect (TLS when tls-replication is
 * on), PING, AUTH, REPLCONF, PSYNC, the RDB transfer into a file, loading
 * it, then the command stream applied through an ordinary client flagged
 * CLIENT_MASTER, acknowledged every second.
 *
 * Must not touch: sockets (everything goes through conn* calls), OpenSSL
 * (the connection type hides it), the RDB encoding (rdb.c). The forked
 * child only writes a file; it never sees a connection.
 *
 * Invariants:
 * - The server never blocks on the network: every read and write on a
 *   link is one connRead/connWrite from an event handler; a write that
 *   returned -1 with the state still CONNECTED is retried later with the
 *   same bytes (the buffers below do not move until written).
 * - server.master_repl_offset is the offset of the last byte of the
 *   stream this server produced (master) or applied (replica); the
 *   backlog's bytes are [backlogFirstByte(), master_repl_offset].
 * - The stream is kept once, in rs.blocks, whatever the number of
 *   replicas: each replica holds a place in it (networking writes from
 *   there once the replica is online), the backlog its newest bytes.
 * - A replica client before SLAVE_STATE_ONLINE holds its place from the
 *   start of its snapshot on; its pre-online bytes (+FULLRESYNC,
 *   keepalive newlines, "$<len>", the RDB) go out through this file's
 *   write handler, in that order, first.
 *
 * Protocol notes: Redis's public documentation of replication ("Redis
 * replication", the PSYNC and REPLCONF command pages) and the behaviour
 * of Redis 7.0 observed on the wire. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "aof.h"
#include "crc64.h"
#include "rdb.h"
#include "server.h"

#define REPL_BACKLOG_MIN_SIZE (16 * 1024)
#define REPL_TRANSFER_CHUNK (16 * 1024)
#define REPL_LINE_MAX (64 * 1024)
#define REPL_EOF_MARK_SIZE 40
#define REPL_RETRY_DELAY_MS 1000
#define REPL_PIPE_CHUNK (64 * 1024)
#define REPL_PIPE_TURN_US 250 /* longest read of the child's pipe per turn */
#define REPL_WRITEBACK_BYTES (8 * 1024 * 1024) /* received, then flushed */
/* server.child_type of the diskless sync child (rdb.h has 0..2). */
#define CHILD_TYPE_REPL 3

/* The replica's link to its master. */
typedef enum {
    LINK_NONE = 0,      /* not a replica */
    LINK_CONNECT,       /* must (re)connect */
    LINK_CONNECTING,    /* connConnect runs */
    LINK_RECEIVE_PONG,  /* PING sent */
    LINK_RECEIVE_AUTH,  /* AUTH, REPLCONF sent; reading their replies */
    LINK_RECEIVE_PORT,
    LINK_RECEIVE_IP,
    LINK_RECEIVE_CAPA,
    LINK_RECEIVE_PSYNC, /* PSYNC sent */
    LINK_TRANSFER,      /* receiving the RDB */
    LINK_CONNECTED      /* the stream flows through rs.master */
} replLinkState;

/* Per replica client (master side): what goes out before it is online. */
typedef struct replicaPriv {
    sds pre;          /* +FULLRESYNC, newlines, "$<len>\r\n" */
    size_t prepos;    /* bytes of <pre> already sent */
    int rdbfd;        /* the RDB being sent, -1 */
    long long rdbsize, rdbsent;
    size_t buflen, bufpos;
    long long last_progress; /* ms of the last byte sent while syncing */
    int rdb_only;     /* REPLCONF rdb-only 1: close after the RDB */
    int rdb_filter;   /* REPLCONF rdb-filter-only: RDB_FILTER_* */
    int diskless;     /* gets the RDB from the child's pipe */
    int await_ack;    /* diskless RDB sent: online at its first ACK */
    int pipe_pending; /* has not yet sent all of rs.pipebuf */
    size_t pipepos;   /* bytes of rs.pipebuf sent */
    long long wait_start_ms; /* when it started waiting for a BGSAVE */
    char buf[REPL_TRANSFER_CHUNK];
} replicaPriv;

/* A client blocked in WAIT. */
typedef struct waitEntry {
    client *c;
    long long offset;
    long numreplicas;
    long long deadline; /* ms, 0 = none */
} waitEntry;

static struct {
    /* Master side. */
    /* The stream: one list of replBufBlock shared by the backlog (its
     * newest repl-backlog-size bytes) and every replica (from its place
     * on, c->repl_ref). A block goes when neither needs it. */
    int backlog;             /* 1 while the backlog exists */
    list *blocks;
    size_t blocks_mem;       /* bytes allocated for the blocks */
    time_t no_slaves_since;
    int seldb;               /* database of the stream, -1 = send SELECT */
    pid_t bgsave_pid;        /* BGSAVE replicas wait on, -1 */
    int del_sync_file;       /* rdb-del-sync-files: remove the RDB written
                              * for replicas once they all have it */
    long long last_ping_ms;
    long long last_newline_ms;
    list *waiting;           /* of waitEntry */
    int getack_pending;      /* send REPLCONF GETACK before sleeping */
    /* Diskless sync: the child writes the RDB into a pipe; the parent
     * sends each chunk to every replica before reading the next. */
    pid_t dl_pid;            /* the child, -1 */
    int pipefd;              /* read end, -1 once at end of file */
    size_t pipelen;          /* bytes in pipebuf */
    int pipe_eof;            /* the child closed its end */
    int mark_sent;           /* pipebuf holds the final EOF mark */
    int writers;             /* replicas still sending pipebuf */
    int dispatching;         /* inside disklessDispatch */
    /* repl-diskless-sync-fork no: no child; a thread writes the RDB
     * (rdb.h, rdbSnap*) and the loop sends it from pipebuf. */
    int forkless;            /* such a transfer runs */
    long long fl_timer;      /* the timer of the next chunk, -1 */
    int fl_producing;        /* inside disklessProduce */
    char dl_mark[REPL_EOF_MARK_SIZE];
    /* FAILOVER (master side): writes are paused while the target catches
     * up, then this server becomes its replica with PSYNC ... FAILOVER. */
    int fo_state;            /* FO_* */
    sds fo_host;             /* target, or NULL for any caught-up replica */
    int fo_port;
    long long fo_deadline;   /* ms, 0 = none */
    int fo_force;
    int psync_failover;      /* the next PSYNC carries FAILOVER */
    /* Replica side. */
    replLinkState state;
    connection *conn;        /* the link while no master client owns it */
    client *master;
    sds inbuf, outbuf;
    long long last_io_ms;    /* of the link while handshaking/transferring */
    long long retry_after_ms;
    time_t down_since;
    time_t master_last_io;
    char pending_replid[CONFIG_RUN_ID_SIZE + 1];
    long long pending_offset;
    int master_dbid;         /* database the master's stream was in */
    int transfer_fd;
    char transfer_tmp[256];
    int transfer_header_seen;
    long long transfer_size; /* -1 with an EOF mark */
    long long transfer_read;
    char eofmark[REPL_EOF_MARK_SIZE];
    char lastbytes[REPL_EOF_MARK_SIZE];
    long long last_ack_ms;
    int ack_pending; /* our master sent GETACK: ACK before sleeping */
    /* Diskless load (repl-diskless-load): the payload is parsed as it
     * arrives, a slice at a time, into temporary databases (swapdb) or
     * into the server's empty ones (on-empty-db). */
    rdbLoadStream *ld;
    redisDb *ld_dbs;    /* the temporary databases, NULL = server.db */
    int ld_async;       /* the old dataset is served meanwhile */
    int ld_mark_wait;   /* the RDB is parsed; its EOF mark comes next */
    size_t ld_scanned;  /* bytes at the start of inbuf searched for the
                         * EOF mark */
    int ld_paused;      /* reading stopped: the parser is behind */
    long long ld_timer; /* continues a slice that ran out of time, -1 */
    /* A payload received to disk (repl-diskless-load disabled) is checked
     * as it arrives (magic, CRC-64) and then parsed from the file by the
     * same slices, so that a large load never stops the event loop. */
    rdbFileLoad *ld_file;  /* the received file being parsed, or NULL */
    struct bgStep *bgstep; /* background work the sync waits for, or NULL */
    int flush_wait;        /* that work frees the old dataset (loading) */
    uint64_t rx_crc;       /* of the payload bytes received but rx_tail */
    unsigned char rx_tail[REPL_EOF_MARK_SIZE + 8]; /* held back from rx_crc */
    size_t rx_taillen;
    unsigned char rx_head[5];
    long long rx_total, rx_synced;
} rs = {.seldb = -1, .bgsave_pid = -1, .transfer_fd = -1, .master_dbid = 0,
        .dl_pid = -1, .pipefd = -1, .fl_timer = -1, .ld_timer = -1};

static char pipebuf[REPL_PIPE_CHUNK];

#define FO_NONE 0
#define FO_WAIT_FOR_SYNC 1
#define FO_IN_PROGRESS 2

static robj *readonlyErr, *masterdownErr;

static void linkFail(const char *why);
static void replicaSendPreOnline(connection *conn);
static void sendAck(void);
static void replicationUnsetMaster(void);
static void failoverAbort(const char *why);
static void failoverReset(void);
static void replicationSetMaster(const char *host, int port);
static void disklessSendChunk(client *c);
static void replicaBulkDone(client *c);

/* ===================================================================
 * Replication IDs and the backlog
 * ================================================================ */

static void changeReplicationId(void) {
    getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
}

static void clearReplicationId2(void) {
    memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
    server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
    server.second_replid_offset = -1;
}

/* The current ID becomes the secondary one, valid up to the current
 * offset, so replicas of the old history can continue partially. */
static void shiftReplicationId(void) {
    memcpy(server.replid2, server.replid, sizeof(server.replid));
    server.second_replid_offset = server.master_repl_offset + 1;
    changeReplicationId();
    serverLog(LL_NOTICE, "Setting secondary replication ID to %s, valid up "
              "to offset: %lld. New replication ID is %s", server.replid2,
              server.second_replid_offset, server.replid);
}

static long long backlogWantedSize(void) {
    return server.repl_backlog_size < REPL_BACKLOG_MIN_SIZE
               ? REPL_BACKLOG_MIN_SIZE
               : server.repl_backlog_size;
}

static void backlogCreate(void) {
    serverAssert(listLength(rs.blocks) == 0);
    rs.backlog = 1;
}

/* Drops every block no replica is sending from, oldest first, as long as
 * the backlog keeps its newest repl-backlog-size bytes. */
static void streamTrim(void) {
    long long keep_from = rs.backlog ? server.master_repl_offset + 1 -
                                           backlogWantedSize()
                                     : LLONG_MAX;
    listNode *ln;
    while ((ln = listFirst(rs.blocks))) {
        replBufBlock *b = listNodeValue(ln);
        if (b->refs || b->off + (long long)b->used > keep_from) break;
        rs.blocks_mem -= zmallocSize(b);
        zfree(b);
        listDelNode(rs.blocks, ln);
    }
}

/* Ends the backlog and the stream: replicas still in it (being dropped)
 * lose their place. */
static void backlogFree(void) {
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) clientDetachStream(listNodeValue(ln));
    rs.backlog = 0;
    streamTrim();
    serverAssert(listLength(rs.blocks) == 0);
}

/* Offset of the oldest byte a partial resync can start from. */
static long long backlogFirstByte(void) {
    long long end = server.master_repl_offset + 1;
    long long first = end - backlogWantedSize();
    listNode *ln = listFirst(rs.blocks);
    long long held = ln ? ((replBufBlock *)listNodeValue(ln))->off : end;
    return first > held ? first : held;
}

/* Appends <len> bytes to the stream; *<node>/<pos> tell where the first
 * one went. A block is at least 16 KB, larger for a larger write. */
static void streamAppend(const char *p, size_t len, listNode **node,
                         size_t *pos) {
    listNode *ln = listLast(rs.blocks);
    replBufBlock *b = ln ? listNodeValue(ln) : NULL;
    *node = NULL;
    if (b && b->used < b->size) {
        size_t n = len < b->size - b->used ? len : b->size - b->used;
        *node = ln;
        *pos = b->used;
        memcpy(b->buf + b->used, p, n);
        b->used += n;
        p += n;
        len -= n;
        server.master_repl_offset += (long long)n;
    }
    if (len) {
        size_t size = len < PROTO_REPLY_CHUNK_BYTES ? PROTO_REPLY_CHUNK_BYTES
                                                    : len;
        b = zmalloc(sizeof(*b) + size);
        rs.blocks_mem += zmallocSize(b);
        b->size = zmallocSize(b) - sizeof(*b);
        b->off = server.master_repl_offset + 1;
        b->refs = 0;
        memcpy(b->buf, p, len);
        b->used = len;
        listAddNodeTail(rs.blocks, b);
        server.master_repl_offset += (long long)len;
        if (!*node) {
            *node = listLast(rs.blocks);
            *pos = 0;
        }
    }
}

/* Places <c> in the stream at offset <from> (held by the backlog). A
 * replica at the end of an empty stream is placed by the next write. */
static void replicaAttachAt(client *c, long long from) {
    listNode *ln = listLast(rs.blocks);
    while (ln && ((replBufBlock *)listNodeValue(ln))->off > from)
        ln = listPrevNode(ln);
    if (!ln) return;
    replBufBlock *b = listNodeValue(ln);
    serverAssert(from - b->off <= (long long)b->used);
    clientAttachStream(c, ln, (size_t)(from - b->off));
}

/* ===================================================================
 * Feeding the stream
 * ================================================================ */

/* Appends "<prefix><n>\r\n" to <s>. */
static sds catHeader(sds s, char prefix, long long n) {
    char buf[LONG_STR_SIZE + 3];
    buf[0] = prefix;
    size_t l = 1 + (size_t)ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[l++] = '\r';
    buf[l++] = '\n';
    return sdsCatLen(s, buf, l);
}

/* Appends <argv>/<argc> as a RESP array of bulk strings to <s> (every
 * write a master propagates goes through here: no printf, no decoded
 * copy of integer-encoded arguments). */
static sds catCommand(sds s, robj **argv, int argc) {
    s = catHeader(s, '*', argc);
    for (int j = 0; j < argc; j++) {
        robj *o = argv[j];
        if (sdsEncodedObject(o)) {
            s = catHeader(s, '$', (long long)sdsLen(o->ptr));
            s = sdsCatLen(s, o->ptr, sdsLen(o->ptr));
        } else {
            char nbuf[LONG_STR_SIZE];
            size_t nl = (size_t)ll2string(nbuf, sizeof(nbuf), (long)o->ptr);
            s = catHeader(s, '$', (long long)nl);
            s = sdsCatLen(s, nbuf, nl);
        }
        s = sdsCatLen(s, "\r\n", 2);
    }
    return s;
}

/* Appends <len> bytes of <buf> to the stream, for the backlog and every
 * replica that is past the start of its snapshot. */
static void feedStream(const char *buf, size_t len) {
    if (!rs.backlog || !len) return;
    size_t mem = rs.blocks_mem, pos = 0;
    listNode *first;
    streamAppend(buf, len, &first, &pos);
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        if (slave->replstate == SLAVE_STATE_WAIT_BGSAVE_START ||
            (slave->flags & CLIENT_CLOSE_ASAP))
            continue;
        if (!slave->repl_ref) clientAttachStream(slave, first, pos);
        /* A replica whose socket is full waits for its write handler. */
        if (slave->replstate == SLAVE_STATE_ONLINE &&
            !connHasWriteHandler(slave->conn))
            clientQueueForWrite(slave);
        /* What a replica holds only grows by whole blocks. */
        if (rs.blocks_mem != mem) closeClientOnOutputBufferLimitReached(slave, 1);
    }
    streamTrim();
}

static int isTxnMarker(robj **argv, int argc) {
    if (argc != 1 || !sdsEncodedObject(argv[0])) return 0;
    return !strcasecmp(argv[0]->ptr, "multi") ||
           !strcasecmp(argv[0]->ptr, "exec");
}

/* The propagation sink: a master's writes become the stream, with a
 * SELECT whenever the database changes. A replica forwards its master's
 * stream as it applies it instead (replicationMasterApplied). */
/* Whether replicationSink would keep a command for <target> now. */
static int replicationWanted(int target) {
    return (target & PROPAGATE_REPL) && !server.masterhost && rs.backlog;
}

static void replicationSink(int dbid, robj **argv, int argc, int target) {
    /* One buffer, reused: most commands encode without any allocation. */
    static sds s;
    if (!(target & PROPAGATE_REPL) || server.masterhost) return;
    if (!rs.backlog) return;
    if (!s) s = sdsEmpty();
    sdsClear(s);
    if (dbid >= 0 && dbid != rs.seldb && !isTxnMarker(argv, argc)) {
        char nbuf[LONG_STR_SIZE];
        size_t nl = (size_t)ll2string(nbuf, sizeof(nbuf), dbid);
        s = sdsCatPrintf(s, "*2\r\n$6\r\nSELECT\r\n$%zu\r\n%s\r\n", nl, nbuf);
        rs.seldb = dbid;
    }
    s = catCommand(s, argv, argc);
    feedStream(s, sdsLen(s));
    /* A large value's encoding is not kept. */
    if (sdsAllocSize(s) > PROTO_REPLY_CHUNK_BYTES) {
        sdsFree(s);
        s = NULL;
    }
}

/* See server.h. */
void replicationMasterApplied(client *c, const char *raw, size_t len) {
    UNUSED(c);
    if (!rs.backlog) backlogCreate();
    feedStream(raw, len);
    if (rs.master) rs.master->reploff = server.master_repl_offset;
}

/* ===================================================================
 * Master side: replicas
 * ================================================================ */

static replicaPriv *replicaPrivGet(client *c) {
    if (!c->repl_priv) {
        replicaPriv *p = zcalloc(sizeof(*p));
        p->rdbfd = -1;
        p->pre = sdsEmpty();
        c->repl_priv = p;
    }
    return c->repl_priv;
}

static const char *replicaName(client *c) {
    static char buf[NET_IP_STR_LEN + 32];
    char ip[NET_IP_STR_LEN];
    int port;
    if (c->slave_addr) {
        snprintf(ip, sizeof(ip), "%s", c->slave_addr);
    } else if (!c->conn ||
               connAddrPeerName(c->conn, ip, sizeof(ip), &port) == -1) {
        snprintf(ip, sizeof(ip), "?");
    }
    snprintf(buf, sizeof(buf), "%s:%d", ip, c->slave_listening_port);
    return buf;
}

/* Queues <bytes> to go out before <c>'s stream, and makes sure the write
 * handler runs. */
static void replicaAddPre(client *c, const char *bytes, size_t len) {
    replicaPriv *p = replicaPrivGet(c);
    p->pre = sdsCatLen(p->pre, bytes, len);
    if (c->conn && !connHasWriteHandler(c->conn) &&
        connSetWriteHandler(c->conn, replicaSendPreOnline) == -1)
        freeClientAsync(c);
}

/* The RDB is out: the replica is online and its buffered stream flows. */
static void replicaBulkDone(client *c) {
    replicaPriv *p = c->repl_priv;
    if (p->rdbfd != -1) close(p->rdbfd);
    p->rdbfd = -1;
    connClearWriteHandler(c->conn);
    if (p->rdb_only) {
        serverLog(LL_NOTICE, "Synchronization with replica %s succeeded "
                  "(rdb-only)", replicaName(c));
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        freeClientAsync(c);
        return;
    }
    c->replstate = SLAVE_STATE_ONLINE;
    c->repl_ack_time = server.unixtime;
    serverLog(LL_NOTICE, "Synchronization with replica %s succeeded",
              replicaName(c));
    if (clientHasPendingReplies(c)) clientQueueForWrite(c);
}

/* Write handler of a replica before it is online: the pre-online bytes,
 * then the RDB file, one chunk per event. */
static void replicaSendPreOnline(connection *conn) {
    client *c = connGetPrivateData(conn);
    replicaPriv *p = replicaPrivGet(c);
    while (p->prepos < sdsLen(p->pre)) {
        ssize_t n = connWrite(conn, p->pre + p->prepos,
                              sdsLen(p->pre) - p->prepos);
        if (n <= 0) {
            if (connGetState(conn) != CONN_STATE_CONNECTED) {
                serverLog(LL_WARNING, "Write error sending to replica %s: %s",
                          replicaName(c), connGetLastError(conn));
                freeClientAsync(c);
            }
            return;
        }
        p->prepos += (size_t)n;
        server.stat_net_output_bytes += n;
        p->last_progress = server.mstime;
    }
    sdsClear(p->pre);
    p->prepos = 0;
    if (c->replstate == SLAVE_STATE_SEND_BULK && p->diskless) {
        disklessSendChunk(c);
        return;
    }
    if (c->replstate != SLAVE_STATE_SEND_BULK || p->rdbfd == -1) {
        connClearWriteHandler(conn);
        return;
    }
    for (int round = 0; round < 4; round++) {
        if (p->bufpos == p->buflen) {
            if (p->rdbsent == p->rdbsize) {
                replicaBulkDone(c);
                return;
            }
            size_t want = sizeof(p->buf);
            if ((long long)want > p->rdbsize - p->rdbsent)
                want = (size_t)(p->rdbsize - p->rdbsent);
            ssize_t r = read(p->rdbfd, p->buf, want);
            if (r <= 0) {
                serverLog(LL_WARNING, "Read error sending DB to replica: %s",
                          r == 0 ? "unexpected end of file" : strerror(errno));
                freeClientAsync(c);
                return;
            }
            p->buflen = (size_t)r;
            p->bufpos = 0;
        }
        ssize_t n = connWrite(conn, p->buf + p->bufpos, p->buflen - p->bufpos);
        if (n <= 0) {
            if (connGetState(conn) != CONN_STATE_CONNECTED) {
                serverLog(LL_WARNING, "Write error sending DB to replica: %s",
                          connGetLastError(conn));
                freeClientAsync(c);
            }
            return; /* the same bytes go again when writable */
        }
        p->bufpos += (size_t)n;
        p->rdbsent += n;
        server.stat_net_output_bytes += n;
        p->last_progress = server.mstime;
        if (p->bufpos < p->buflen) return;
    }
    if (p->rdbsent == p->rdbsize && p->bufpos == p->buflen) replicaBulkDone(c);
}

/* ---- Diskless sync ---- */

static void disklessReadPipe(aeEventLoop *el, int fd, void *privdata, int mask);
static void disklessChunkDone(void);
static void disklessScheduleProduce(void);

/* 1 while <c> is one of the replicas of the running diskless transfer. */
static int isDisklessReplica(client *c) {
    replicaPriv *p = c->repl_priv;
    return p && p->diskless && c->replstate == SLAVE_STATE_SEND_BULK;
}

/* Ends the diskless transfer: closes the pipe, kills a child still
 * running (when every replica left; 2 at shutdown also waits for the
 * fork-less snapshot's thread), and forgets the state. */
static void disklessCleanup(int kill_child) {
    if (rs.pipefd != -1) {
        aeDeleteFileEvent(server.el, rs.pipefd, AE_READABLE);
        close(rs.pipefd);
        rs.pipefd = -1;
    }
    if (kill_child && rs.dl_pid != -1) {
        kill(rs.dl_pid, SIGUSR1);
        int status;
        while (waitpid(rs.dl_pid, &status, 0) == -1 && errno == EINTR) {
        }
        if (server.child_pid == rs.dl_pid) {
            server.child_pid = -1;
            server.child_type = 0;
        }
        rs.dl_pid = -1;
    }
    if (rs.forkless) {
        if (rs.fl_timer != -1) aeDeleteTimeEvent(server.el, rs.fl_timer);
        rs.fl_timer = -1;
        /* At shutdown (2) the thread is waited for. */
        rdbSnapEnd(kill_child == 2);
        rs.forkless = 0;
    }
    rs.pipelen = 0;
    rs.pipe_eof = 0;
    rs.mark_sent = 0;
    rs.writers = 0;
}

/* Hands pipebuf to every diskless replica; the pipe is not read again
 * until all of them sent it. */
static void disklessDispatch(void) {
    rs.writers = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (!isDisklessReplica(s) || (s->flags & CLIENT_CLOSE_ASAP)) continue;
        replicaPriv *p = s->repl_priv;
        p->pipepos = 0;
        p->pipe_pending = 1;
        rs.writers++;
    }
    if (rs.pipefd != -1)
        aeDeleteFileEvent(server.el, rs.pipefd, AE_READABLE);
    if (rs.writers == 0) {
        /* Every replica left: nobody needs the rest. */
        serverLog(LL_WARNING, "Diskless rdb transfer, last replica dropped, "
                  "killing fork child.");
        disklessCleanup(1);
        return;
    }
    /* Write at once where the connection takes it; a write handler only
     * for the replicas that are behind (or still have their preamble). */
    rs.dispatching = 1;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        replicaPriv *p = s->repl_priv;
        if (!isDisklessReplica(s) || !p->pipe_pending) continue;
        if (p->prepos == sdsLen(p->pre)) disklessSendChunk(s);
        if (p->pipe_pending && !connHasWriteHandler(s->conn) &&
            connSetWriteHandler(s->conn, replicaSendPreOnline) == -1)
            freeClientAsync(s);
    }
    rs.dispatching = 0;
    if (rs.writers == 0) disklessChunkDone();
}

/* Every replica sent pipebuf: read more, or finish after the mark. */
static void disklessChunkDone(void) {
    if (rs.mark_sent) {
        listIter li;
        listNode *ln;
        listGetIterator(server.slaves, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            client *s = listNodeValue(ln);
            if (!isDisklessReplica(s)) continue;
            replicaPriv *p = s->repl_priv;
            p->diskless = 0;
            /* The replica loads what it got before it reads any stream:
             * the stream waits for its first ACK, so that it never arrives
             * glued to the EOF mark of a replica that cannot split them. */
            connClearWriteHandler(s->conn);
            if (p->rdb_only) {
                replicaBulkDone(s);
                continue;
            }
            p->await_ack = 1;
            p->last_progress = server.mstime;
        }
        disklessCleanup(0);
        return;
    }
    if (rs.pipefd != -1)
        aeCreateFileEvent(server.el, rs.pipefd, AE_READABLE, disklessReadPipe,
                          NULL);
    else if (rs.forkless && !rs.fl_producing)
        disklessScheduleProduce();
}

/* Write step of a diskless replica: the rest of pipebuf. */
static void disklessSendChunk(client *c) {
    replicaPriv *p = c->repl_priv;
    if (!p->pipe_pending) {
        connClearWriteHandler(c->conn);
        return;
    }
    while (p->pipepos < rs.pipelen) {
        ssize_t n = connWrite(c->conn, pipebuf + p->pipepos,
                              rs.pipelen - p->pipepos);
        if (n <= 0) {
            if (connGetState(c->conn) != CONN_STATE_CONNECTED) {
                serverLog(LL_WARNING, "Diskless rdb transfer, write error "
                          "sending to replica %s: %s", replicaName(c),
                          connGetLastError(c->conn));
                freeClientAsync(c);
            }
            return; /* the same bytes go again when writable */
        }
        p->pipepos += (size_t)n;
        p->rdbsent += n;
        p->last_progress = server.mstime;
        server.stat_net_output_bytes += n;
    }
    p->pipe_pending = 0;
    connClearWriteHandler(c->conn);
    if (--rs.writers == 0 && !rs.dispatching) disklessChunkDone();
}

/* The child finished (reaped with <ok>): send the mark, or give up. */
static void disklessChildDone(int ok) {
    rs.dl_pid = -1;
    if (!ok) {
        serverLog(LL_WARNING, "Diskless rdb transfer failed: the child "
                  "returned an error");
        listIter li;
        listNode *ln;
        listGetIterator(server.slaves, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            client *s = listNodeValue(ln);
            if (isDisklessReplica(s)) freeClientAsync(s);
        }
        disklessCleanup(0);
        return;
    }
    serverLog(LL_NOTICE, "Background RDB transfer terminated with success");
    memcpy(pipebuf, rs.dl_mark, REPL_EOF_MARK_SIZE);
    rs.pipelen = REPL_EOF_MARK_SIZE;
    rs.mark_sent = 1;
    disklessDispatch();
}

/* Reaps the diskless child once its pipe reached end of file. */
static void disklessTryReap(void) {
    if (rs.dl_pid == -1 || !rs.pipe_eof || rs.mark_sent) return;
    int status;
    pid_t pid = waitpid(rs.dl_pid, &status, WNOHANG);
    if (pid == 0 || (pid == -1 && errno == EINTR)) return;
    if (server.child_pid == rs.dl_pid) {
        server.child_pid = -1;
        server.child_type = 0;
    }
    disklessChildDone(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void disklessReadPipe(aeEventLoop *el, int fd, void *privdata,
                             int mask) {
    UNUSED(el);
    UNUSED(privdata);
    UNUSED(mask);
    /* While every replica takes each chunk at once, keep reading for up to
     * REPL_PIPE_TURN_US: clients waiting in the same turn see that much
     * latency, while one chunk per turn would add a loop turn per 64 KB. */
    long long start = ustime();
    for (;;) {
        /* The child's pipe, not a network descriptor. */
        ssize_t n = read(fd, pipebuf, sizeof(pipebuf)); /* lint:not-socket */
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            serverLog(LL_WARNING, "Diskless rdb transfer, error reading from the "
                      "child's pipe: %s", strerror(errno));
            disklessChildDone(0);
            disklessCleanup(1);
            return;
        }
        if (n == 0) {
            aeDeleteFileEvent(server.el, fd, AE_READABLE);
            close(fd);
            rs.pipefd = -1;
            rs.pipe_eof = 1;
            disklessTryReap();
            return;
        }
        rs.pipelen = (size_t)n;
        disklessDispatch();
        if (rs.writers || rs.pipefd != fd ||
            ustime() - start > REPL_PIPE_TURN_US)
            return;
    }
}

/* Fork-less transfer: what the snapshot thread wrote goes out 64 KB at a
 * time, each chunk to every replica before the next, as the pipe's chunks
 * do, for at most REPL_PIPE_TURN_US per turn. */
static int disklessProduce(aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    rs.fl_timer = -1;
    rs.fl_producing = 1;
    long long start = ustime();
    for (;;) {
        int eof;
        size_t n = rdbSnapRead(pipebuf, sizeof(pipebuf), &eof);
        if (n == 0 && eof) {
            rs.fl_producing = 0;
            disklessChildDone(1);
            return AE_NOMORE;
        }
        /* Nothing written yet: the thread's next batch calls us back. */
        if (n == 0) break;
        rs.pipelen = n;
        disklessDispatch();
        /* Every replica left (the transfer ended), or one is slow: its
         * write handler resumes us (disklessChunkDone). */
        if (!rs.forkless || rs.writers) break;
        if (ustime() - start >= REPL_PIPE_TURN_US) {
            disklessScheduleProduce();
            break;
        }
    }
    rs.fl_producing = 0;
    return AE_NOMORE;
}

/* The next chunk of a fork-less transfer, at the next turn. */
static void disklessScheduleProduce(void) {
    if (rs.fl_timer != -1) return;
    rs.fl_timer = aeCreateTimeEvent(server.el, 0, disklessProduce, NULL, NULL);
}

/* The snapshot thread wrote more. */
static void disklessSnapReady(void) {
    if (rs.forkless && !rs.fl_producing && rs.writers == 0)
        disklessScheduleProduce();
}

/* Starts a fork-less transfer (repl-diskless-sync-fork no). */
static int startForklessSync(int filter) {
    if (rdbSnapStart(filter, disklessSnapReady) != C_OK) return C_ERR;
    serverLog(LL_NOTICE, "Fork-less RDB transfer started (a thread writes "
              "the snapshot)");
    rs.forkless = 1;
    rs.pipelen = 0;
    rs.pipe_eof = 0;
    rs.mark_sent = 0;
    rs.writers = 0;
    getRandomHexChars(rs.dl_mark, REPL_EOF_MARK_SIZE);
    disklessScheduleProduce();
    return C_OK;
}

/* Forks a child that writes the RDB into a pipe for the waiting
 * replicas (or starts a fork-less transfer). Returns C_OK when the
 * transfer started. */
static int startDisklessSync(int filter) {
    if (!server.repl_diskless_sync_fork) return startForklessSync(filter);
    int fds[2];
    if (pipe(fds) == -1) {
        serverLog(LL_WARNING, "Can't create the pipe for a diskless sync: %s",
                  strerror(errno));
        return C_ERR;
    }
    pid_t pid = serverFork(FORK_RDB_TO_REPLICAS);
    if (pid == 0) {
        close(fds[0]);
        FILE *fp = fdopen(fds[1], "w");
        /* stdio would write the pipe 4 KB at a time: each write wakes the
         * parent for a small chunk, which it then encrypts as small TLS
         * records, once per replica. */
        static char iobuf[REPL_PIPE_CHUNK];
        if (fp) setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
        int ok = fp && rdbSaveToFpFiltered(fp, filter) == C_OK &&
                 fflush(fp) == 0;
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't fork for a diskless sync: %s",
                  strerror(errno));
        close(fds[0]);
        return C_ERR;
    }
    /* A larger pipe lets the child run ahead of the slowest replica. */
    if (fcntl(fds[0], F_SETPIPE_SZ, 1024 * 1024) == -1) {
        /* the default size works too */
    }
    int fl = fcntl(fds[0], F_GETFL);
    if (fl != -1) fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
    serverLog(LL_NOTICE, "Background RDB transfer started by pid %d",
              (int)pid);
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_REPL;
    rs.dl_pid = pid;
    rs.pipefd = fds[0];
    rs.pipelen = 0;
    rs.pipe_eof = 0;
    rs.mark_sent = 0;
    rs.writers = 0;
    getRandomHexChars(rs.dl_mark, REPL_EOF_MARK_SIZE);
    if (aeCreateFileEvent(server.el, fds[0], AE_READABLE, disklessReadPipe,
                          NULL) == AE_ERR) {
        disklessCleanup(1);
        return C_ERR;
    }
    return C_OK;
}

/* Shutdown hook: a diskless child must not outlive us. */
static int replicationShutdown(int flags) {
    UNUSED(flags);
    if (rs.dl_pid != -1 || rs.forkless) disklessCleanup(2);
    return C_OK;
}

/* Client free hook: forgets the replica, the master link or a WAIT. */
static void replicationClientFreed(client *c) {
    if (c->flags & CLIENT_SLAVE && !(c->flags & CLIENT_MONITOR)) {
        listNode *ln = listSearchKey(server.slaves, c);
        if (ln) {
            listDelNode(server.slaves, ln);
            serverLog(LL_NOTICE, "Connection with replica %s lost.",
                      replicaName(c));
        }
        if (listLength(server.slaves) == 0)
            rs.no_slaves_since = server.unixtime;
    }
    if (c->repl_priv) {
        replicaPriv *p = c->repl_priv;
        if (isDisklessReplica(c) && p->pipe_pending && rs.writers > 0) {
            p->pipe_pending = 0;
            if (--rs.writers == 0 && !rs.dispatching) disklessChunkDone();
        }
        if (p->rdbfd != -1) close(p->rdbfd);
        sdsFree(p->pre);
        zfree(p);
        c->repl_priv = NULL;
    }
    zfree(c->slave_addr);
    c->slave_addr = NULL;
    if (c == rs.master) {
        serverLog(LL_NOTICE, "Connection with master lost.");
        rs.master_dbid = c->db ? c->db->id : 0;
        rs.master = NULL;
        rs.conn = NULL;
        rs.down_since = server.unixtime;
        if (server.masterhost) rs.state = LINK_CONNECT;
    }
    if (rs.waiting) {
        listIter li;
        listNode *ln;
        listGetIterator(rs.waiting, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            waitEntry *w = listNodeValue(ln);
            if (w->c != c) continue;
            zfree(w);
            listDelNode(rs.waiting, ln);
        }
    }
}

static void disconnectSlaves(void) {
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) freeClientAsync(listNodeValue(ln));
    /* A fork-less snapshot reads the databases, which may be replaced
     * right after this: it ends now. */
    if (rs.forkless) disklessCleanup(0);
}

/* Partial resync for <c> from <offset> if <replid> is in our history and
 * the backlog still has the bytes. Returns C_OK when it was accepted. */
static int tryPartialResync(client *c, const char *replid, long long offset) {
    if (strcasecmp(replid, server.replid) &&
        (strcasecmp(replid, server.replid2) ||
         offset > server.second_replid_offset)) {
        if (replid[0] != '?') {
            if (strcasecmp(replid, server.replid) &&
                strcasecmp(replid, server.replid2))
                serverLog(LL_NOTICE, "Partial resynchronization not accepted: "
                          "Replication ID mismatch (Replica asked for '%s', my "
                          "replication IDs are '%s' and '%s')", replid,
                          server.replid, server.replid2);
            else
                serverLog(LL_NOTICE, "Partial resynchronization not accepted: "
                          "Requested offset for second ID was %lld, but I can "
                          "reply up to %lld", offset,
                          server.second_replid_offset);
        } else {
            serverLog(LL_NOTICE, "Full resync requested by replica %s",
                      replicaName(c));
        }
        return C_ERR;
    }
    if (!rs.backlog || offset < backlogFirstByte() ||
        offset > server.master_repl_offset + 1) {
        serverLog(LL_NOTICE, "Unable to partial resync with replica %s for lack "
                  "of backlog (Replica request was: %lld).", replicaName(c),
                  offset);
        return C_ERR;
    }
    c->flags |= CLIENT_SLAVE;
    c->replstate = SLAVE_STATE_ONLINE;
    c->repl_ack_time = server.unixtime;
    listAddNodeTail(server.slaves, c);
    char line[128];
    int n = (c->slave_capa & 2)
                ? snprintf(line, sizeof(line), "+CONTINUE %s\r\n", server.replid)
                : snprintf(line, sizeof(line), "+CONTINUE\r\n");
    addReplyProto(c, line, (size_t)n);
    long long sent = server.master_repl_offset + 1 - offset;
    replicaAttachAt(c, offset);
    serverLog(LL_NOTICE, "Partial resynchronization request from %s accepted. "
              "Sending %lld bytes of backlog starting from offset %lld.",
              replicaName(c), sent, offset);
    return C_OK;
}

/* Starts a BGSAVE for the replicas waiting for one, if none runs. */
static void startBgsaveForReplication(void) {
    if (rs.bgsave_pid != -1 || server.child_pid > 0 || rs.forkless ||
        rdbSnapActive())
        return;
    /* One snapshot serves the waiting replicas that asked for the same
     * parts (REPLCONF rdb-filter-only): those of the first one now, the
     * others at the next turn of the cron. */
    int waiting = 0, filter = -1;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate != SLAVE_STATE_WAIT_BGSAVE_START) continue;
        int f = replicaPrivGet(s)->rdb_filter;
        if (filter == -1) filter = f;
        if (f == filter) waiting++;
    }
    if (!waiting) return;
    /* Diskless when configured and every waiting replica can read the
     * EOF-marked format; after repl-diskless-sync-delay so that more
     * replicas can share the transfer. */
    /* A filtered snapshot never replaces the RDB file: it goes through
     * the pipe, whatever the capabilities. */
    int diskless = server.repl_diskless_sync || filter;
    long long oldest = LLONG_MAX;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate != SLAVE_STATE_WAIT_BGSAVE_START) continue;
        replicaPriv *p = replicaPrivGet(s);
        if (p->rdb_filter != filter) continue;
        if (!(s->slave_capa & 1) && !filter) diskless = 0;
        if (p->wait_start_ms < oldest) oldest = p->wait_start_ms;
    }
    if (diskless && server.repl_diskless_sync_delay &&
        mstime() - oldest < (long long)server.repl_diskless_sync_delay * 1000 &&
        (server.repl_diskless_sync_max_replicas == 0 ||
         waiting < server.repl_diskless_sync_max_replicas))
        return;
    serverLog(LL_NOTICE, "Starting BGSAVE for SYNC with target: %s",
              diskless ? "replicas sockets" : "disk");
    if (diskless ? startDisklessSync(filter) != C_OK
                 : rdbSaveBackground() != C_OK) {
        serverLog(LL_WARNING, "BGSAVE for replication failed");
        listGetIterator(server.slaves, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            client *s = listNodeValue(ln);
            if (s->replstate != SLAVE_STATE_WAIT_BGSAVE_START ||
                replicaPrivGet(s)->rdb_filter != filter)
                continue;
            addReplyError(s, "BGSAVE failed, replication can't continue");
            s->flags |= CLIENT_CLOSE_AFTER_REPLY;
            s->replstate = SLAVE_STATE_ONLINE; /* let the error out */
            clientQueueForWrite(s);
        }
        return;
    }
    if (!diskless) rs.bgsave_pid = server.child_pid;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate != SLAVE_STATE_WAIT_BGSAVE_START ||
            replicaPrivGet(s)->rdb_filter != filter)
            continue;
        s->replstate = diskless ? SLAVE_STATE_SEND_BULK
                                : SLAVE_STATE_WAIT_BGSAVE_END;
        s->psync_initial_offset = server.master_repl_offset;
        replicaPriv *p = replicaPrivGet(s);
        p->last_progress = server.mstime;
        p->rdbsent = 0;
        p->diskless = diskless;
        if (!(s->flags & CLIENT_PRE_PSYNC)) {
            char line[128];
            int n = snprintf(line, sizeof(line), "+FULLRESYNC %s %lld\r\n",
                             server.replid, server.master_repl_offset);
            replicaAddPre(s, line, (size_t)n);
        }
        if (diskless) {
            replicaAddPre(s, "$EOF:", 5);
            replicaAddPre(s, rs.dl_mark, REPL_EOF_MARK_SIZE);
            replicaAddPre(s, "\r\n", 2);
        }
    }
    /* The snapshot holds the selected database implicitly: say it again. */
    rs.seldb = -1;
}

/* The BGSAVE replicas waited on ended (<ok> or not): send the file. */
static void bgsaveDoneForReplication(int ok) {
    listIter li;
    listNode *ln;
    /* Without persistence the file only exists for the replicas. */
    if (ok && server.rdb_del_sync_files && server.saveparamslen == 0 &&
        !server.aof_enabled)
        rs.del_sync_file = 1;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate != SLAVE_STATE_WAIT_BGSAVE_END) continue;
        if (!ok) {
            serverLog(LL_WARNING, "SYNC failed. BGSAVE child returned an error");
            freeClientAsync(s);
            continue;
        }
        replicaPriv *p = replicaPrivGet(s);
        int fd = open(server.rdb_filename, O_RDONLY);
        struct stat st;
        if (fd == -1 || fstat(fd, &st) == -1) {
            serverLog(LL_WARNING, "SYNC failed. Can't open/stat DB after "
                      "BGSAVE: %s", strerror(errno));
            if (fd != -1) close(fd);
            freeClientAsync(s);
            continue;
        }
        p->rdbfd = fd;
        p->rdbsize = (long long)st.st_size;
        p->rdbsent = 0;
        p->buflen = p->bufpos = 0;
        p->last_progress = server.mstime;
        s->replstate = SLAVE_STATE_SEND_BULK;
        char line[64];
        int n = snprintf(line, sizeof(line), "$%lld\r\n", p->rdbsize);
        replicaAddPre(s, line, (size_t)n);
    }
}

/* rdb-del-sync-files on a master without persistence: the RDB file that
 * fed replicas goes once none of them reads it, as in Redis 7.0. */
static void removeSyncRdbFile(void) {
    if (!rs.del_sync_file || rs.bgsave_pid != -1 || server.child_pid > 0)
        return;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        replicaPriv *p = s->repl_priv;
        if (s->replstate == SLAVE_STATE_WAIT_BGSAVE_END ||
            (p && p->rdbfd != -1))
            return;
    }
    rs.del_sync_file = 0;
    if (!server.rdb_del_sync_files || server.saveparamslen || server.aof_enabled)
        return;
    serverLog(LL_NOTICE, "Removing the RDB file used to feed replicas in a "
              "persistence-less instance");
    if (unlink(server.rdb_filename) == -1 && errno != ENOENT)
        serverLog(LL_WARNING, "Can't remove %s: %s", server.rdb_filename,
                  strerror(errno));
}

/* SYNC and PSYNC <replid> <offset>. */
void syncCommand(client *c) {
    if (c->flags & CLIENT_SLAVE) return;
    /* PSYNC <replid> <offset> FAILOVER: our master hands over to us. */
    if (c->argc > 3 && !strcasecmp(c->argv[0]->ptr, "psync") &&
        !strcasecmp(c->argv[3]->ptr, "failover")) {
        if (strcasecmp(c->argv[1]->ptr, server.replid)) {
            addReplyError(c, "PSYNC FAILOVER replid must match my replid.");
            return;
        }
        if (server.masterhost) {
            replicationUnsetMaster();
            sds ci = catClientInfoString(sdsEmpty(), c);
            serverLog(LL_NOTICE, "MASTER MODE enabled (failover request from "
                      "'%s')", ci);
            sdsFree(ci);
        }
    }
    if (server.masterhost && rs.state != LINK_CONNECTED) {
        addReplyError(c, "-NOMASTERLINK Can't SYNC while not connected with "
                         "my master");
        return;
    }
    if (clientHasPendingReplies(c)) {
        addReplyError(c, "SYNC and PSYNC are invalid with pending output");
        return;
    }
    serverLog(LL_NOTICE, "Replica %s asks for synchronization", replicaName(c));
    /* repl-disable-tcp-nodelay: Nagle's algorithm on the link to this
     * replica (fewer packets, more delay), as Redis 7.0 sets it here. A
     * unix socket has no such option. */
    if (server.repl_disable_tcp_nodelay && c->conn &&
        connDisableTcpNoDelay(c->conn) == -1 &&
        c->conn->type != connTypeOfUnix())
        serverLog(LL_WARNING, "Can't disable TCP_NODELAY for replica %s",
                  replicaName(c));
    int is_psync = !strcasecmp(c->argv[0]->ptr, "psync");
    if (is_psync) {
        if (c->argc > 4) {
            addReplyErrorArity(c);
            return;
        }
        long long offset;
        sds off = c->argv[2]->ptr;
        if (!sdsEncodedObject(c->argv[2]) ||
            !string2ll(off, sdsLen(off), &offset)) {
            addReplyError(c, "value is not an integer or out of range");
            return;
        }
        if (tryPartialResync(c, c->argv[1]->ptr, offset) == C_OK) {
            server.stat_sync_partial_ok++;
            return;
        }
        if (strcmp(c->argv[1]->ptr, "?")) server.stat_sync_partial_err++;
    } else {
        c->flags |= CLIENT_PRE_PSYNC;
    }
    server.stat_sync_full++;
    c->replstate = SLAVE_STATE_WAIT_BGSAVE_START;
    c->flags |= CLIENT_SLAVE;
    c->repl_ack_time = server.unixtime; /* INFO's lag counts from here */
    replicaPrivGet(c)->wait_start_ms = mstime();
    listAddNodeTail(server.slaves, c);
    if (!rs.backlog) {
        if (listLength(server.slaves) == 1 && !server.masterhost) {
            changeReplicationId();
            clearReplicationId2();
        }
        backlogCreate();
        serverLog(LL_NOTICE, "Replication backlog created, my new replication "
                  "IDs are '%s' and '%s'", server.replid, server.replid2);
    }
    startBgsaveForReplication();
}

/* REPLCONF <option> <value> ... */
void replconfCommand(client *c) {
    if ((c->argc % 2) == 0) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        char *opt = c->argv[j]->ptr;
        robj *val = c->argv[j + 1];
        if (!strcasecmp(opt, "listening-port")) {
            long port;
            if (getLongFromObject(val, &port) != C_OK || port < 0 ||
                port > 65535) {
                addReplyError(c, "value is not an integer or out of range");
                return;
            }
            c->slave_listening_port = (int)port;
        } else if (!strcasecmp(opt, "ip-address")) {
            sds addr = val->ptr;
            if (!sdsEncodedObject(val) || sdsLen(addr) >= NET_IP_STR_LEN) {
                addReplyErrorFormat(c, "REPLCONF ip-address provided by replica "
                                    "instance is too long: %zd bytes",
                                    sdsEncodedObject(val) ? (ssize_t)sdsLen(addr)
                                                          : (ssize_t)0);
                return;
            }
            zfree(c->slave_addr);
            c->slave_addr = zstrdup(addr);
        } else if (!strcasecmp(opt, "capa")) {
            if (sdsEncodedObject(val) && !strcasecmp(val->ptr, "eof"))
                c->slave_capa |= 1;
            else if (sdsEncodedObject(val) && !strcasecmp(val->ptr, "psync2"))
                c->slave_capa |= 2;
        } else if (!strcasecmp(opt, "ack")) {
            /* From an online replica: no reply. */
            if (!(c->flags & CLIENT_SLAVE)) return;
            long long off;
            if (getLongLongFromObject(val, &off) != C_OK) return;
            if (off > c->repl_ack_off) c->repl_ack_off = off;
            c->repl_ack_time = server.unixtime;
            replicaPriv *p = c->repl_priv;
            if (p && p->await_ack && c->replstate == SLAVE_STATE_SEND_BULK) {
                p->await_ack = 0;
                replicaBulkDone(c);
            }
            return;
        } else if (!strcasecmp(opt, "getack")) {
            /* From our master: acknowledge before the event loop sleeps,
             * once every command read with it is applied, so that a WAIT
             * on the master returns without waiting for the cron. */
            if (c == rs.master) rs.ack_pending = 1;
            return;
        } else if (!strcasecmp(opt, "rdb-filter-only")) {
            /* The parts of the RDB to include, as Redis 7.0: the keys
             * never, the function libraries when "functions" is listed
             * ("" asks for an empty RDB). redis-cli --functions-rdb. */
            int count = 0;
            sds *parts = sdsSplitArgs(sdsEncodedObject(val) ? val->ptr : "",
                                      &count);
            if (!parts) {
                addReplyError(c, "Missing rdb-filter-only values");
                return;
            }
            int filter = RDB_FILTER_NO_DATA | RDB_FILTER_NO_FUNCTIONS;
            for (int i = 0; i < count; i++) {
                if (!strcasecmp(parts[i], "functions")) {
                    filter &= ~RDB_FILTER_NO_FUNCTIONS;
                    continue;
                }
                addReplyErrorFormat(c, "Unsupported rdb-filter-only option: %s",
                                    parts[i]);
                sdsFreeSplitRes(parts, count);
                return;
            }
            sdsFreeSplitRes(parts, count);
            replicaPrivGet(c)->rdb_filter = filter;
        } else if (!strcasecmp(opt, "rdb-only")) {
            long v;
            if (getLongFromObject(val, &v) != C_OK || (v != 0 && v != 1)) {
                addReplyError(c, "value is not an integer or out of range");
                return;
            }
            replicaPrivGet(c)->rdb_only = (int)v;
        } else {
            addReplyErrorFormat(c, "Unrecognized REPLCONF option: %s", opt);
            return;
        }
    }
    addReply(c, shared.ok);
}

/* Number of online replicas that acknowledged within min-replicas-max-lag. */
static int goodReplicasCount(void) {
    int good = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate == SLAVE_STATE_ONLINE &&
            server.unixtime - s->repl_ack_time <= server.repl_min_slaves_max_lag)
            good++;
    }
    return good;
}

static int replicasAckedOffset(long long offset) {
    int n = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate == SLAVE_STATE_ONLINE && s->repl_ack_off >= offset) n++;
    }
    return n;
}

/* WAIT numreplicas timeout */
void waitCommand(client *c) {
    if (server.masterhost) {
        addReplyError(c, "WAIT cannot be used with replica instances. Please "
                         "also note that since Redis 4.0 if a replica is "
                         "configured to be writable (which is not the default) "
                         "writes to replicas are just local and are not "
                         "propagated.");
        return;
    }
    long long numreplicas, timeout;
    if (getLongLongFromObject(c->argv[1], &numreplicas) != C_OK) {
        addReplyError(c, "value is not an integer or out of range");
        return;
    }
    if (getLongLongFromObject(c->argv[2], &timeout) != C_OK) {
        addReplyError(c, "timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        addReplyError(c, "timeout is negative");
        return;
    }
    long long offset = server.master_repl_offset;
    int acked = replicasAckedOffset(offset);
    if (acked >= numreplicas || (c->flags & CLIENT_MULTI) ||
        clientDeniesBlocking(c)) {
        addReplyLongLong(c, acked);
        return;
    }
    waitEntry *w = zmalloc(sizeof(*w));
    w->c = c;
    w->offset = offset;
    w->numreplicas = (long)numreplicas;
    w->deadline = timeout ? mstime() + timeout : 0;
    if (!rs.waiting) rs.waiting = listCreate();
    listAddNodeTail(rs.waiting, w);
    blockForKeys(c, BLOCKED_WAIT, NULL, 0, 0);
    rs.getack_pending = 1;
}

/* Answers the WAITs that are satisfied or timed out. */
static void processWaitingClients(void) {
    if (!rs.waiting || listLength(rs.waiting) == 0) return;
    long long now = mstime();
    listIter li;
    listNode *ln;
    listGetIterator(rs.waiting, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        waitEntry *w = listNodeValue(ln);
        int acked = replicasAckedOffset(w->offset);
        if (acked < w->numreplicas && (w->deadline == 0 || now < w->deadline))
            continue;
        client *c = w->c;
        listDelNode(rs.waiting, ln);
        zfree(w);
        addReplyLongLong(c, acked);
        unblockClient(c);
    }
}

/* ===================================================================
 * Replica side: the link to the master
 * ================================================================ */

/* The one place that picks the connection type of the link to the
 * master: TLS when tls-replication is on. */
static connection *createMasterLinkConnection(void) {
    ConnectionType *ct =
        server.tls_replication ? connTypeOfTls() : connTypeOfSocket();
    return ct ? connCreate(ct) : NULL;
}

static void disklessLoadDiscard(void);

static void transferCleanup(void) {
    disklessLoadDiscard();
    /* Background work in progress finishes alone (its poll frees it). */
    rs.bgstep = NULL;
    if (rs.flush_wait) {
        rs.flush_wait = 0;
        server.loading = 0;
    }
    if (rs.transfer_fd == -2) rs.transfer_fd = -1;
    if (rs.transfer_fd != -1) {
        close(rs.transfer_fd);
        rs.transfer_fd = -1;
        unlink(rs.transfer_tmp);
    }
    rs.transfer_header_seen = 0;
    rs.transfer_read = 0;
    rs.transfer_size = 0;
}

/* Drops the link without a master client (handshake or transfer) and
 * schedules a new attempt. */
static void linkCancel(void) {
    transferCleanup();
    if (rs.conn) {
        connClose(rs.conn);
        rs.conn = NULL;
    }
    sdsClear(rs.inbuf);
    sdsClear(rs.outbuf);
    if (server.masterhost) rs.state = LINK_CONNECT;
    rs.retry_after_ms = mstime() + REPL_RETRY_DELAY_MS;
}

static void linkFail(const char *why) {
    serverLog(LL_WARNING, "%s", why);
    linkCancel();
    if (rs.fo_state == FO_IN_PROGRESS)
        failoverAbort("the target did not accept the handover");
}

static void linkWriteHandler(connection *conn);

/* Sends what is queued in rs.outbuf; the rest goes when writable. */
static int linkFlush(void) {
    while (sdsLen(rs.outbuf)) {
        ssize_t n = connWrite(rs.conn, rs.outbuf, sdsLen(rs.outbuf));
        if (n <= 0) {
            if (connGetState(rs.conn) != CONN_STATE_CONNECTED) {
                char buf[256];
                snprintf(buf, sizeof(buf), "Error writing to MASTER: %s",
                         connGetLastError(rs.conn));
                linkFail(buf);
                return C_ERR;
            }
            if (!connHasWriteHandler(rs.conn) &&
                connSetWriteHandler(rs.conn, linkWriteHandler) == -1) {
                linkFail("Unable to wait for the MASTER link to drain");
                return C_ERR;
            }
            return C_OK;
        }
        sdsRange(rs.outbuf, n, -1);
    }
    connClearWriteHandler(rs.conn);
    return C_OK;
}

static void linkWriteHandler(connection *conn) {
    UNUSED(conn);
    if (linkFlush() == C_OK) rs.last_io_ms = mstime();
}

static void linkSendCommand(int argc, const char **argv) {
    rs.outbuf = sdsCatPrintf(rs.outbuf, "*%d\r\n", argc);
    for (int j = 0; j < argc; j++)
        rs.outbuf = sdsCatPrintf(rs.outbuf, "$%zu\r\n%s\r\n", strlen(argv[j]),
                                 argv[j]);
}

/* After PING: AUTH, REPLCONF listening-port, ip-address and capa go
 * together; their replies are read one by one. */
static void linkSendHandshake(void) {
    if (server.masterauth) {
        if (server.masteruser) {
            const char *a[] = {"AUTH", server.masteruser, server.masterauth};
            linkSendCommand(3, a);
        } else {
            const char *a[] = {"AUTH", server.masterauth};
            linkSendCommand(2, a);
        }
    }
    char port[16];
    int p = server.slave_announce_port ? server.slave_announce_port
                                       : (server.tls_replication
                                              ? server.tls_port
                                              : server.port);
    snprintf(port, sizeof(port), "%d", p);
    const char *lp[] = {"REPLCONF", "listening-port", port};
    linkSendCommand(3, lp);
    if (server.slave_announce_ip) {
        const char *ip[] = {"REPLCONF", "ip-address", server.slave_announce_ip};
        linkSendCommand(3, ip);
    }
    const char *capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    linkSendCommand(5, capa);
    rs.state = server.masterauth ? LINK_RECEIVE_AUTH : LINK_RECEIVE_PORT;
}

static void linkSendPsync(void) {
    char off[LONG_STR_SIZE];
    snprintf(off, sizeof(off), "%lld", server.master_repl_offset + 1);
    const char *a[] = {"PSYNC", server.replid, off, "FAILOVER"};
    serverLog(LL_NOTICE, "Trying a partial resynchronization (request %s:%s).",
              server.replid, off);
    linkSendCommand(rs.psync_failover ? 4 : 3, a);
    rs.state = LINK_RECEIVE_PSYNC;
}

/* The master accepted a partial resync: the link becomes the master
 * client. <newid> is the master's replication ID when it changed. */
static void createMasterClient(void);

static void linkPartialAccepted(const char *newid) {
    if (newid && strlen(newid) == CONFIG_RUN_ID_SIZE &&
        strcmp(newid, server.replid)) {
        memcpy(server.replid2, server.replid, sizeof(server.replid));
        server.second_replid_offset = server.master_repl_offset + 1;
        memcpy(server.replid, newid, CONFIG_RUN_ID_SIZE);
        server.replid[CONFIG_RUN_ID_SIZE] = '\0';
        serverLog(LL_NOTICE, "Master replication ID changed to %s",
                  server.replid);
        disconnectSlaves();
    }
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial "
              "Resynchronization.");
    if (!rs.backlog) backlogCreate();
    createMasterClient();
}

/* Tracks <len> bytes of the payload as they are written to the file
 * (with an EOF mark, the mark too): its first 5 bytes, and the CRC-64 of
 * everything but the last bytes, held back until the end tells which of
 * them are the checksum (and the mark). */
static void rxTrack(const char *p, size_t len) {
    for (size_t i = 0; i < len && rs.rx_total + (long long)i < 5; i++)
        rs.rx_head[rs.rx_total + (long long)i] = (unsigned char)p[i];
    rs.rx_total += (long long)len;
    const size_t hold = sizeof(rs.rx_tail);
    if (len >= hold) {
        rs.rx_crc = crc64(rs.rx_crc, rs.rx_tail, rs.rx_taillen);
        rs.rx_crc = crc64(rs.rx_crc, (const unsigned char *)p, len - hold);
        memcpy(rs.rx_tail, p + len - hold, hold);
        rs.rx_taillen = hold;
        return;
    }
    if (rs.rx_taillen + len > hold) {
        size_t out = rs.rx_taillen + len - hold;
        rs.rx_crc = crc64(rs.rx_crc, rs.rx_tail, out);
        memmove(rs.rx_tail, rs.rx_tail + out, rs.rx_taillen - out);
        rs.rx_taillen -= out;
    }
    memcpy(rs.rx_tail + rs.rx_taillen, p, len);
    rs.rx_taillen += len;
}

/* The whole payload is in the file: checks its magic and, unless zero,
 * the CRC-64 it ends with, so that a bad payload never replaces the
 * dataset. */
static int rxCheck(char *err, size_t errlen) {
    size_t mark = rs.transfer_size < 0 ? REPL_EOF_MARK_SIZE : 0;
    long long payload = rs.rx_total - (long long)mark;
    if (payload < 9 + 8 || memcmp(rs.rx_head, "REDIS", 5) ||
        rs.rx_taillen < mark + 8) {
        snprintf(err, errlen, "the payload is not an RDB file");
        return C_ERR;
    }
    size_t t = rs.rx_taillen - mark; /* payload bytes in the tail */
    uint64_t crc = crc64(rs.rx_crc, rs.rx_tail, t - 8);
    uint64_t expected = 0;
    for (int i = 7; i >= 0; i--)
        expected = (expected << 8) | rs.rx_tail[t - 8 + (size_t)i];
    if (expected != 0 && expected != crc) {
        snprintf(err, errlen, "wrong RDB checksum");
        return C_ERR;
    }
    return C_OK;
}

static void linkSyncLoaded(void);
static void diskLoadStart(void);

/* Work of a replica's sync that the event loop hands to the background
 * thread (lazyfree.c's backgroundRun) and waits for without blocking:
 * the received file's fsync and rename over the RDB file (hundreds of ms
 * on a busy disk; the rename also frees the old file's blocks, here at
 * the close of the old file), and the freeing of the old dataset. A timer
 * polls for the end and then continues the sync, unless the sync was
 * cancelled meanwhile (rs.bgstep is then no longer this step). */
typedef struct bgStep {
    void (*work)(struct bgStep *); /* on the thread; NULL: only wait for
                                    * the jobs queued before */
    void (*then)(struct bgStep *); /* on the loop, if still current */
    int fd;
    char tmp[256];
    char *dst;
    int rc, err;
    int done; /* atomic: set last by the thread */
} bgStep;

static void bgStepJob(void *arg) {
    bgStep *st = arg;
    if (st->work) st->work(st);
    __atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
}

static int bgStepPoll(struct aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    bgStep *st = data;
    if (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
        if (st == rs.bgstep) rs.last_io_ms = mstime();
        return 10; /* an fsync or a large free: no need to look often */
    }
    if (st == rs.bgstep) {
        rs.bgstep = NULL;
        st->then(st);
    }
    zfree(st->dst);
    zfree(st);
    return AE_NOMORE;
}

static void bgStepStart(bgStep *st) {
    rs.bgstep = st;
    rs.last_io_ms = mstime();
    backgroundRun(bgStepJob, st);
    if (aeCreateTimeEvent(server.el, 1, bgStepPoll, st, NULL) == AE_ERR)
        serverPanic("cannot create the timer of a replica's sync step");
}

static void transferFinishWork(bgStep *st) {
    if (fsync(st->fd) == -1) {
        /* not fatal: the file is loaded from the page cache */
    }
    close(st->fd);
    int old = open(st->dst, O_RDONLY);
    st->rc = rename(st->tmp, st->dst);
    st->err = errno;
    if (st->rc == -1) unlink(st->tmp);
    if (old != -1) close(old);
}

static void linkTransferLoad(void);

static void transferFinished(bgStep *st) {
    if (st->rc == -1) {
        char why[400];
        snprintf(why, sizeof(why), "Failed trying to rename the temp DB into "
                 "%s in MASTER <-> REPLICA synchronization: %s",
                 server.rdb_filename, strerror(st->err));
        linkFail(why);
        return;
    }
    linkTransferLoad();
}

/* The whole RDB is in the temporary file: check it, put it in place
 * (background thread), then load it and go online. */
static void linkTransferDone(void) {
    char err[256];
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from "
              "master to disk", rs.transfer_read);
    if (rxCheck(err, sizeof(err)) != C_OK) {
        close(rs.transfer_fd);
        rs.transfer_fd = -1;
        unlink(rs.transfer_tmp);
        char why[400];
        snprintf(why, sizeof(why), "Failed trying to load the MASTER "
                 "synchronization DB from disk, check server logs. (%s)", err);
        linkFail(why);
        return;
    }
    bgStep *st = zcalloc(sizeof(*st));
    st->work = transferFinishWork;
    st->then = transferFinished;
    st->fd = rs.transfer_fd;
    rs.transfer_fd = -1;
    memcpy(st->tmp, rs.transfer_tmp, sizeof(st->tmp));
    st->dst = zstrdup(server.rdb_filename);
    /* What the master sends next waits until the load is over. */
    if (rs.conn) (void)!connSetReadHandler(rs.conn, NULL); /* cannot fail */
    bgStepStart(st);
}

static void flushFinished(bgStep *st) {
    UNUSED(st);
    rs.flush_wait = 0;
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    diskLoadStart();
}

/* The received file is the RDB file now: replace the dataset with it. */
static void linkTransferLoad(void) {
    /* Replicas of ours follow a history that is about to be replaced. */
    disconnectSlaves();
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    /* The background thread frees the old dataset. With
     * replica-lazy-flush no the load waits until it is gone, so that the
     * two datasets are never in memory together (what that setting is
     * for), and clients get -LOADING meanwhile instead of a stalled
     * server. */
    /* (Nothing to wait for when there was nothing.) */
    long long old_keys = emptyData(-1, EMPTYDB_ASYNC, NULL);
    if (server.repl_slave_lazy_flush || old_keys == 0) {
        serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
        diskLoadStart();
        return;
    }
    server.loading = 1;
    rs.flush_wait = 1;
    bgStep *st = zcalloc(sizeof(*st));
    st->then = flushFinished;
    bgStepStart(st);
}

/* The master's dataset is loaded (from the file or the socket): adopt its
 * history and start applying its stream. */
static void linkSyncLoaded(void) {
    /* The AOF must describe the new dataset: a rewrite starts from it. */
    if (server.aof_enabled && aofRewriteBackground() != C_OK)
        serverLog(LL_WARNING, "Failed to start an AOF rewrite after the sync "
                  "with the master; it will be retried by the AOF cron");
    memcpy(server.replid, rs.pending_replid, sizeof(server.replid));
    server.master_repl_offset = rs.pending_offset;
    clearReplicationId2();
    backlogFree();
    backlogCreate();
    rs.master_dbid = 0;
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    createMasterClient();
    /* A master that streamed the RDB (EOF mark) waits for this first ACK
     * before it sends the stream. */
    if (rs.master) sendAck();
}

/* Appends <len> bytes of the RDB payload to the temporary file; with an
 * EOF mark, watches the last 40 bytes for it. Returns 1 when the payload
 * is complete, 0 for more, -1 on error (link failed). */
static int linkTransferWrite(const char *p, size_t len) {
    if (len == 0) return 0;
    ssize_t w = write(rs.transfer_fd, p, len);
    if (w != (ssize_t)len) {
        char why[256];
        snprintf(why, sizeof(why), "Write error or short write writing to the "
                 "DB dump file needed for MASTER <-> REPLICA synchronization: "
                 "%s", w < 0 ? strerror(errno) : "short write");
        linkFail(why);
        return -1;
    }
    rs.transfer_read += (long long)len;
    rxTrack(p, len);
    /* Start the write-back as the file grows, so that the fsync at the
     * end does not wait for the whole payload. */
    if (rs.rx_total - rs.rx_synced >= REPL_WRITEBACK_BYTES) {
        if (sync_file_range(rs.transfer_fd, rs.rx_synced,
                            rs.rx_total - rs.rx_synced,
                            SYNC_FILE_RANGE_WRITE) == -1) {
            /* not fatal: the final fsync writes it */
        }
        rs.rx_synced = rs.rx_total;
    }
    if (rs.transfer_size >= 0) return rs.transfer_read == rs.transfer_size;
    /* Keep the last 40 bytes seen. */
    if (len >= REPL_EOF_MARK_SIZE) {
        memcpy(rs.lastbytes, p + len - REPL_EOF_MARK_SIZE, REPL_EOF_MARK_SIZE);
    } else {
        memmove(rs.lastbytes, rs.lastbytes + len, REPL_EOF_MARK_SIZE - len);
        memcpy(rs.lastbytes + REPL_EOF_MARK_SIZE - len, p, len);
    }
    if (rs.transfer_read >= REPL_EOF_MARK_SIZE &&
        !memcmp(rs.lastbytes, rs.eofmark, REPL_EOF_MARK_SIZE)) {
        if (ftruncate(rs.transfer_fd, rs.transfer_read - REPL_EOF_MARK_SIZE) ==
            -1) {
            linkFail("Error truncating the RDB file received from the master");
            return -1;
        }
        rs.transfer_read -= REPL_EOF_MARK_SIZE;
        return 1;
    }
    return 0;
}

/* With an EOF mark: how many of the <len> bytes at <p> belong to the
 * payload (mark included), so that bytes after the mark (the stream) stay
 * in the input buffer. The mark may straddle two reads. */
static size_t linkMarkEnd(const char *p, size_t len) {
    char window[REPL_EOF_MARK_SIZE * 2];
    size_t prev = rs.transfer_read < REPL_EOF_MARK_SIZE
                      ? (size_t)rs.transfer_read
                      : REPL_EOF_MARK_SIZE - 1;
    if (prev > REPL_EOF_MARK_SIZE - 1) prev = REPL_EOF_MARK_SIZE - 1;
    /* Across the boundary: the last <prev> bytes seen, then the first
     * bytes of this chunk. */
    size_t head = len < REPL_EOF_MARK_SIZE ? len : REPL_EOF_MARK_SIZE;
    memcpy(window, rs.lastbytes + REPL_EOF_MARK_SIZE - prev, prev);
    memcpy(window + prev, p, head);
    char *m = memmem(window, prev + head, rs.eofmark, REPL_EOF_MARK_SIZE);
    if (m) return (size_t)(m - window) + REPL_EOF_MARK_SIZE - prev;
    m = memmem(p, len, rs.eofmark, REPL_EOF_MARK_SIZE);
    if (m) return (size_t)(m - p) + REPL_EOF_MARK_SIZE;
    return len;
}

/* Consumes a reply line from rs.inbuf into <line> (without CRLF).
 * Returns 1 with a line, 0 when more bytes are needed, -1 on garbage. */
static int linkGetLine(char *line, size_t linelen) {
    char *nl = memchr(rs.inbuf, '\n', sdsLen(rs.inbuf));
    if (!nl) return sdsLen(rs.inbuf) > REPL_LINE_MAX ? -1 : 0;
    size_t len = (size_t)(nl - rs.inbuf);
    size_t copy = len;
    if (copy && rs.inbuf[copy - 1] == '\r') copy--;
    if (copy >= linelen) copy = linelen - 1;
    memcpy(line, rs.inbuf, copy);
    line[copy] = '\0';
    sdsRange(rs.inbuf, (ssize_t)len + 1, -1);
    return 1;
}

/* ---- Diskless load ---- */

#define REPL_LOAD_SLICE_US 2000              /* parser time per slice */
#define REPL_LOAD_MAX_BUFFER (16 * 1024 * 1024) /* unparsed bytes held */

static void linkReadHandler(connection *conn);
static int linkReadOnce(connection *conn);
static void disklessLoadStep(void);
static void diskLoadStep(void);

/* 1 when the payload announced now is to be parsed from the socket:
 * always with swapdb, with on-empty-db only into an empty dataset (as
 * Redis 7.0 decides). */
static int useDisklessLoad(void) {
    if (server.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB) return 1;
    return server.repl_diskless_load == REPL_DISKLESS_LOAD_WHEN_DB_EMPTY &&
           dbTotalServerKeyCount() == 0;
}

/* Databases that left service (the old dataset after a swap, or a
 * half-loaded one) are freed a slice at a time, so that a large dataset
 * does not stop the event loop while it goes. */
#define REPL_FREE_SLICE_US 1000
static struct {
    redisDb *dbs;      /* being freed, NULL = nothing */
    int j;             /* current database */
    int expires_done;  /* its expires are gone; now the keys */
    dictIterator *it;
    long long timer;   /* -1 = none */
} graveyard = {.timer = -1};

/* Frees graveyard entries for about <budget_us> (forever with 0).
 * Returns 1 while some remain. */
static int graveyardWork(long long budget_us) {
    long long start = ustime();
    int n = 0;
    while (graveyard.dbs) {
        redisDb *db = &graveyard.dbs[graveyard.j];
        /* Expires first: they borrow the keys of the main dict. */
        dict *d = graveyard.expires_done ? db->dict : db->expires;
        if (!graveyard.it) graveyard.it = dictGetSafeIterator(d);
        dictEntry *de;
        while ((de = dictNext(graveyard.it)) != NULL) {
            dictDelete(d, dictGetKey(de));
            if (budget_us && ++n % 64 == 0 && ustime() - start >= budget_us)
                return 1;
        }
        dictReleaseIterator(graveyard.it);
        graveyard.it = NULL;
        if (!graveyard.expires_done) {
            graveyard.expires_done = 1;
            continue;
        }
        dictRelease(db->expires);
        dictRelease(db->dict);
        graveyard.expires_done = 0;
        if (++graveyard.j == server.dbnum) {
            zfree(graveyard.dbs);
            graveyard.dbs = NULL;
        }
    }
    return 0;
}

static int graveyardTimer(aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    if (graveyardWork(REPL_FREE_SLICE_US)) return 0; /* next turn */
    graveyard.timer = -1;
    return AE_NOMORE;
}

/* Hands temporary databases <dbs> and everything in them to the
 * graveyard (a previous batch still there is finished first). */
static void tempDbsFree(redisDb *dbs) {
    if (graveyard.dbs) (void)graveyardWork(0);
    graveyard.dbs = dbs;
    graveyard.j = 0;
    graveyard.expires_done = 0;
    if (graveyard.timer == -1)
        graveyard.timer = aeCreateTimeEvent(server.el, 0, graveyardTimer,
                                            NULL, NULL);
    if (graveyard.timer == -1) (void)graveyardWork(0); /* cannot wait */
}

static void disklessLoadStopTimer(void) {
    if (rs.ld_timer != -1) aeDeleteTimeEvent(server.el, rs.ld_timer);
    rs.ld_timer = -1;
}

static int disklessLoadTimer(aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    rs.ld_timer = -1;
    if (rs.ld && rs.state == LINK_TRANSFER) {
        if (rs.ld_file)
            diskLoadStep();
        else
            disklessLoadStep();
    }
    return AE_NOMORE;
}

/* Reads from the master again after a pause (the parser caught up). */
static void disklessLoadResumeReading(void) {
    if (!rs.ld_paused) return;
    rs.ld_paused = 0;
    if (rs.conn && connSetReadHandler(rs.conn, linkReadHandler) == -1)
        linkFail("Unable to read from MASTER: the read handler could not "
                 "be registered");
}

/* Starts parsing the payload announced by the bulk header: into
 * temporary databases with swapdb (the old dataset stays, served when
 * the master's history is ours: async loading, as in Redis 7.0), into
 * the empty server databases otherwise. */
static void disklessLoadStart(void) {
    if (server.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB) {
        rs.ld_dbs = zcalloc(sizeof(redisDb) * (size_t)server.dbnum);
        for (int j = 0; j < server.dbnum; j++) {
            rs.ld_dbs[j].dict = dictCreate(server.db[j].dict->type);
            rs.ld_dbs[j].expires = dictCreate(server.db[j].expires->type);
            rs.ld_dbs[j].id = j;
        }
        rs.ld_async = !memcmp(server.replid, rs.pending_replid,
                              CONFIG_RUN_ID_SIZE);
    } else {
        rs.ld_dbs = NULL;
        rs.ld_async = 0;
        disconnectSlaves();
        emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    }
    rs.ld = rdbLoadStreamCreate(rs.ld_dbs ? rs.ld_dbs : server.db,
                                rs.ld_dbs == NULL);
    rdbLoadStreamSetTotal(rs.ld, rs.transfer_size);
    rs.ld_mark_wait = 0;
    rs.ld_scanned = 0;
    rs.ld_paused = 0;
    if (rs.ld_async)
        server.async_loading = 1;
    else
        server.loading = 1;
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory%s",
              rs.ld_dbs ? (rs.ld_async ? " (asynchronously: the old dataset "
                                         "is served until it is complete)"
                                       : " (the old dataset is kept until "
                                         "it is complete)")
                        : "");
}

/* The file of a load from disk is no longer read. */
static void diskLoadClose(void) {
    rdbFileLoadClose(rs.ld_file);
    rs.ld_file = NULL;
}

/* Forgets a diskless load that did not complete: the half-loaded
 * databases go, the old dataset (swapdb) stays as it was. */
static void disklessLoadDiscard(void) {
    if (!rs.ld) return;
    rdbLoadStreamFree(rs.ld);
    rs.ld = NULL;
    diskLoadClose();
    if (rs.ld_dbs) {
        serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding the "
                  "half-loaded data; the old dataset stays");
        tempDbsFree(rs.ld_dbs);
        rs.ld_dbs = NULL;
    } else {
        serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding the "
                  "half-loaded data");
        emptyData(-1, EMPTYDB_ASYNC, NULL); /* freed by the thread */
    }
    server.loading = 0;
    server.async_loading = 0;
    rs.ld_async = 0;
    rs.ld_mark_wait = 0;
    rs.ld_paused = 0;
    disklessLoadStopTimer();
}

/* Puts the loaded temporary databases in place of the server's: clients
 * keep their database numbers, WATCHed keys that change are touched,
 * clients blocked on keys that now exist are woken. */
static void disklessLoadSwap(void) {
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j], *tmp = &rs.ld_dbs[j];
        touchAllWatchedKeysInDb(db, tmp);
        dict *d = db->dict, *e = db->expires;
        db->dict = tmp->dict;
        db->expires = tmp->expires;
        tmp->dict = d;
        tmp->expires = e;
        db->avg_ttl = 0;
        db->expires_cursor = 0;
        if (dictSize(db->blocking_keys) == 0) continue;
        dictIterator *di = dictGetSafeIterator(db->blocking_keys);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            robj *key = dictGetKey(de);
            robj *val = lookupKeyReadWithFlags(db, key, LOOKUP_NOTOUCH);
            signalKeyAsReady(db, key, val ? val->type : OBJ_STREAM);
        }
        dictReleaseIterator(di);
    }
}

/* The end of a parsed payload (read from <source>): the libraries it
 * held are loaded and the parser goes. C_ERR when that failed (the link
 * failed too). */
static int loadStreamEnd(const char *source) {
    char err[256], why[400];
    disklessLoadStopTimer();
    if (rdbLoadStreamFinish(rs.ld, err, sizeof(err)) != C_OK) {
        snprintf(why, sizeof(why), "Failed trying to load the MASTER "
                 "synchronization DB from %s: %s", source, err);
        linkFail(why);
        return C_ERR;
    }
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: %lld keys loaded from "
              "%s", rdbLoadStreamKeys(rs.ld), source);
    rdbLoadStreamFree(rs.ld);
    rs.ld = NULL;
    return C_OK;
}

/* The payload is parsed and its end checked: the new dataset goes live. */
static void disklessLoadDone(void) {
    if (loadStreamEnd("socket") != C_OK) return;
    /* Replicas of ours follow a history that is replaced now. */
    disconnectSlaves();
    if (rs.ld_dbs) {
        serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Swapping active DB "
                  "with loaded DB");
        disklessLoadSwap();
        serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding the old "
                  "data");
        tempDbsFree(rs.ld_dbs);
        rs.ld_dbs = NULL;
    }
    server.loading = 0;
    server.async_loading = 0;
    rs.ld_async = 0;
    rs.ld_mark_wait = 0;
    disklessLoadResumeReading();
    linkSyncLoaded();
}

/* Feeds the first <avail> bytes of *<buf> to the load for about
 * <budget_us> and drops the bytes it used (*<used>). A malformed payload
 * fails the link, its reason between <pre> and <post>. Returns the
 * rdbLoadStreamFeed result, or -1 once the link failed. */
static int loadFeed(sds *buf, size_t avail, int final, long long budget_us,
                    const char *pre, const char *post, size_t *used) {
    int rc = rdbLoadStreamFeed(rs.ld, (unsigned char *)*buf, avail, final,
                               budget_us, used);
    if (*used) {
        sdsRange(*buf, (ssize_t)*used, -1);
        rs.last_io_ms = mstime();
    }
    if (rc != RDB_STREAM_ERR) return rc;
    char why[400];
    snprintf(why, sizeof(why), "Failed trying to load the MASTER "
             "synchronization DB from %s%s%s", pre, rdbLoadStreamError(rs.ld),
             post);
    linkFail(why);
    return -1;
}

/* Parses what rs.inbuf holds of the payload for one slice: the rest
 * waits for more bytes, or for a timer when the slice ran out of time
 * (reading pauses while too many unparsed bytes wait). */
static void disklessLoadStep(void) {
    for (;;) {
        if (rs.ld_mark_wait) {
            if (sdsLen(rs.inbuf) < REPL_EOF_MARK_SIZE) {
                disklessLoadResumeReading();
                return;
            }
            if (memcmp(rs.inbuf, rs.eofmark, REPL_EOF_MARK_SIZE)) {
                linkFail("Failed trying to load the MASTER synchronization "
                         "DB from socket: the RDB payload is not followed "
                         "by its EOF mark");
                return;
            }
            sdsRange(rs.inbuf, REPL_EOF_MARK_SIZE, -1);
            disklessLoadDone();
            return;
        }
        size_t avail = sdsLen(rs.inbuf), used;
        int final = 0;
        if (rs.transfer_size >= 0 &&
            (long long)avail >= rs.transfer_size - rs.transfer_read) {
            avail = (size_t)(rs.transfer_size - rs.transfer_read);
            final = 1;
        } else if (rs.transfer_size < 0) {
            /* Once the EOF mark is in, what precedes it is the whole rest
             * of the payload: the parser must not wait for bytes that will
             * not come (it waits for the buffer to double after a record
             * that did not fit). Only bytes not searched yet are searched;
             * the mark stays for ld_mark_wait. */
            size_t from = rs.ld_scanned >= REPL_EOF_MARK_SIZE
                              ? rs.ld_scanned - REPL_EOF_MARK_SIZE + 1 : 0;
            char *m = avail > from
                          ? memmem(rs.inbuf + from, avail - from, rs.eofmark,
                                   REPL_EOF_MARK_SIZE)
                          : NULL;
            if (m) {
                avail = (size_t)(m - rs.inbuf);
                final = 1;
            }
            rs.ld_scanned = avail;
        }
        int rc = loadFeed(&rs.inbuf, avail, final, REPL_LOAD_SLICE_US,
                          "socket: ", "", &used);
        rs.transfer_read += (long long)used;
        rs.ld_scanned = rs.ld_scanned > used ? rs.ld_scanned - used : 0;
        if (rc == -1) return;
        if (rc == RDB_STREAM_DONE) {
            if (rs.transfer_size >= 0) {
                if (rs.transfer_read != rs.transfer_size) {
                    linkFail("Failed trying to load the MASTER "
                             "synchronization DB from socket: bytes follow "
                             "the end of the RDB inside the payload");
                    return;
                }
                disklessLoadDone();
                return;
            }
            rs.ld_mark_wait = 1;
            continue;
        }
        if (rc == RDB_STREAM_AGAIN) {
            if (rs.ld_timer == -1)
                rs.ld_timer = aeCreateTimeEvent(server.el, 0,
                                                disklessLoadTimer, NULL, NULL);
            if (!rs.ld_paused && rs.conn &&
                sdsLen(rs.inbuf) > REPL_LOAD_MAX_BUFFER) {
                rs.ld_paused = 1;
                (void)!connSetReadHandler(rs.conn, NULL); /* cannot fail */
            }
            return;
        }
        disklessLoadResumeReading(); /* RDB_STREAM_NEED */
        return;
    }
}

/* Starts parsing the received file (now server.rdb_filename) into the
 * emptied databases, a slice per turn; clients get -LOADING meanwhile,
 * as during Redis 7.0's load, and the link is not read until the end
 * (the master keeps the stream for us). */
static void diskLoadStart(void) {
    char err[300], why[400];
    rs.ld = rdbLoadStreamCreate(server.db, 1);
    rs.ld_file = rdbFileLoadOpen(server.rdb_filename, rs.ld, err, sizeof(err));
    if (!rs.ld_file) {
        rdbLoadStreamFree(rs.ld);
        rs.ld = NULL;
        snprintf(why, sizeof(why), "Failed trying to load the MASTER "
                 "synchronization DB from disk, check server logs. (%s)", err);
        linkFail(why);
        return;
    }
    rs.ld_dbs = NULL;
    rs.ld_async = 0;
    rs.ld_mark_wait = 0;
    rdbLoadStreamChecksumVerified(rs.ld); /* rxCheck did */
    server.loading = 1;
    rs.ld_paused = 1;
    if (rs.conn) (void)!connSetReadHandler(rs.conn, NULL); /* cannot fail */
    rs.last_io_ms = mstime();
    diskLoadStep();
}

/* The received file is parsed: the dataset is live. */
static void diskLoadDone(void) {
    if (loadStreamEnd("disk") != C_OK) return;
    diskLoadClose();
    server.loading = 0;
    if (server.rdb_del_sync_files && server.saveparamslen == 0 &&
        !server.aof_enabled) {
        serverLog(LL_NOTICE, "Removing the RDB file obtained from the master. "
                  "This replica has persistence disabled");
        unlink(server.rdb_filename);
    }
    disklessLoadResumeReading();
    linkSyncLoaded();
}

/* Parses the received file for one slice, and continues from a timer. */
static void diskLoadStep(void) {
    char err[300], why[400];
    int rc = rdbFileLoadStep(rs.ld_file, REPL_LOAD_SLICE_US, err, sizeof(err));
    rs.last_io_ms = mstime();
    if (rc == RDB_STREAM_ERR) {
        snprintf(why, sizeof(why), "Failed trying to load the MASTER "
                 "synchronization DB from disk, check server logs. (%s)", err);
        linkFail(why);
        return;
    }
    if (rc == RDB_STREAM_DONE) {
        diskLoadDone();
        return;
    }
    if (rs.ld_timer == -1)
        rs.ld_timer = aeCreateTimeEvent(server.el, 0, disklessLoadTimer, NULL,
                                        NULL);
}

/* Runs the handshake and transfer steps on the bytes in rs.inbuf. */
static void linkProcessInput(void) {
    char line[1024], why[1200];
    while (rs.conn && rs.state >= LINK_RECEIVE_PONG &&
           rs.state <= LINK_TRANSFER) {
        /* Putting the received file in place or loading it: what follows
         * waits for the end. */
        if (rs.ld_file || rs.bgstep) return;
        if (rs.state == LINK_TRANSFER && rs.transfer_header_seen && rs.ld) {
            disklessLoadStep();
            return;
        }
        if (rs.state == LINK_TRANSFER && rs.transfer_header_seen) {
            size_t avail = sdsLen(rs.inbuf);
            if (avail == 0) return;
            size_t take = avail;
            if (rs.transfer_size >= 0 &&
                (long long)take > rs.transfer_size - rs.transfer_read)
                take = (size_t)(rs.transfer_size - rs.transfer_read);
            if (rs.transfer_size < 0) take = linkMarkEnd(rs.inbuf, take);
            int done = linkTransferWrite(rs.inbuf, take);
            if (done == -1) return;
            sdsRange(rs.inbuf, (ssize_t)take, -1);
            if (done) {
                linkTransferDone();
                return;
            }
            continue;
        }
        if (rs.state == LINK_TRANSFER) {
            /* Keepalive newlines come before the header. */
            while (sdsLen(rs.inbuf) && rs.inbuf[0] == '\n')
                sdsRange(rs.inbuf, 1, -1);
        }
        int got = linkGetLine(line, sizeof(line));
        if (got == 0) return;
        if (got == -1) {
            linkFail("Bad protocol from MASTER: reply line too long");
            return;
        }
        switch (rs.state) {
        case LINK_RECEIVE_PONG:
            /* -NOAUTH and -NOPERM are fine: AUTH comes next. */
            if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) &&
                strncmp(line, "-NOPERM", 7) &&
                strncmp(line, "-ERR operation not permitted", 28)) {
                snprintf(why, sizeof(why), "Error reply to PING from master: "
                         "'%s'", line);
                linkFail(why);
                return;
            }
            serverLog(LL_NOTICE, "Master replied to PING, replication can "
                      "continue...");
            linkSendHandshake();
            if (linkFlush() != C_OK) return;
            break;
        case LINK_RECEIVE_AUTH:
            if (line[0] == '-') {
                snprintf(why, sizeof(why), "Unable to AUTH to MASTER: %s", line);
                linkFail(why);
                return;
            }
            rs.state = LINK_RECEIVE_PORT;
            break;
        case LINK_RECEIVE_PORT:
            if (line[0] == '-')
                serverLog(LL_NOTICE, "(Non critical) Master does not "
                          "understand REPLCONF listening-port: %s", line);
            rs.state = server.slave_announce_ip ? LINK_RECEIVE_IP
                                                : LINK_RECEIVE_CAPA;
            break;
        case LINK_RECEIVE_IP:
            if (line[0] == '-')
                serverLog(LL_NOTICE, "(Non critical) Master does not "
                          "understand REPLCONF ip-address: %s", line);
            rs.state = LINK_RECEIVE_CAPA;
            break;
        case LINK_RECEIVE_CAPA:
            if (line[0] == '-')
                serverLog(LL_NOTICE, "(Non critical) Master does not "
                          "understand REPLCONF capa: %s", line);
            linkSendPsync();
            if (linkFlush() != C_OK) return;
            break;
        case LINK_RECEIVE_PSYNC:
            if (line[0] == '\0') break; /* keepalive newline */
            if (!strncmp(line, "+FULLRESYNC", 11)) {
                char id[CONFIG_RUN_ID_SIZE + 1];
                long long off;
                if (sscanf(line + 11, " %40s %lld", id, &off) != 2 ||
                    strlen(id) != CONFIG_RUN_ID_SIZE) {
                    snprintf(why, sizeof(why), "Bad protocol from MASTER, the "
                             "first byte is not '$' (we received '%s'), are you "
                             "sure the host and port are right?", line);
                    linkFail(why);
                    return;
                }
                memcpy(rs.pending_replid, id, sizeof(id));
                rs.pending_offset = off;
                serverLog(LL_NOTICE, "Full resync from master: %s:%lld", id, off);
                snprintf(rs.transfer_tmp, sizeof(rs.transfer_tmp),
                         "temp-%d.%ld.rdb", (int)getpid(), (long)mstime());
                rs.transfer_fd = useDisklessLoad()
                                     ? -2 /* no file: parsed from the socket */
                                     : open(rs.transfer_tmp,
                                            O_CREAT | O_WRONLY | O_EXCL |
                                                O_TRUNC,
                                            0644);
                rs.rx_crc = 0;
                rs.rx_taillen = 0;
                rs.rx_total = rs.rx_synced = 0;
                if (rs.transfer_fd == -1) {
                    snprintf(why, sizeof(why), "Opening the temp file needed "
                             "for MASTER <-> REPLICA synchronization: %s",
                             strerror(errno));
                    linkFail(why);
                    return;
                }
                rs.transfer_header_seen = 0;
                rs.transfer_read = 0;
                rs.state = LINK_TRANSFER;
            } else if (!strncmp(line, "+CONTINUE", 9)) {
                const char *id = line + 9;
                while (*id == ' ') id++;
                linkPartialAccepted(*id ? id : NULL);
                return;
            } else if (!strncmp(line, "-NOMASTERLINK", 13) ||
                       !strncmp(line, "-LOADING", 8)) {
                serverLog(LL_NOTICE, "Master is currently unable to PSYNC but "
                          "should be in the future: %s", line);
                linkCancel();
                return;
            } else {
                snprintf(why, sizeof(why), "Unexpected reply to PSYNC from "
                         "master: %s", line);
                linkFail(why);
                return;
            }
            break;
        case LINK_TRANSFER:
            if (line[0] == '-') {
                snprintf(why, sizeof(why), "MASTER aborted replication with an "
                         "error: %s", line);
                linkFail(why);
                return;
            }
            if (line[0] != '$') {
                snprintf(why, sizeof(why), "Bad protocol from MASTER, the first "
                         "byte is not '$' (we received '%.100s'), are you sure "
                         "the host and port are right?", line);
                linkFail(why);
                return;
            }
            if (!strncmp(line + 1, "EOF:", 4) &&
                strlen(line + 5) == REPL_EOF_MARK_SIZE) {
                memcpy(rs.eofmark, line + 5, REPL_EOF_MARK_SIZE);
                memset(rs.lastbytes, 0, sizeof(rs.lastbytes));
                rs.transfer_size = -1;
                serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: receiving "
                          "streamed RDB from master with EOF to %s",
                          rs.transfer_fd == -2 ? "parser" : "disk");
            } else {
                long long size;
                if (!string2ll(line + 1, strlen(line + 1), &size) || size < 0) {
                    snprintf(why, sizeof(why), "Bad protocol from MASTER: "
                             "invalid bulk length '%.100s'", line);
                    linkFail(why);
                    return;
                }
                rs.transfer_size = size;
                if (size == 0 && rs.transfer_fd != -2) {
                    rs.transfer_header_seen = 1;
                    linkTransferDone();
                    return;
                }
                if (rs.transfer_fd == -2)
                    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: receiving "
                              "%lld bytes from master to parser", size);
            }
            rs.transfer_header_seen = 1;
            if (rs.transfer_fd == -2) {
                rs.transfer_fd = -1;
                disklessLoadStart();
            }
            break;
        default:
            return;
        }
    }
}

/* Read handler of the link during the handshake and the transfer. */
static void linkReadHandler(connection *conn) {
    long long start = ustime();
    /* During a diskless load that keeps up with the socket (no slice
     * waiting for a timer, reading not paused), the handler reads again,
     * for up to one slice of time: 64 KB per turn would make the transfer
     * crawl on a busy machine. */
    for (int round = 0; round < 16; round++) {
        if (round && !(rs.ld && rs.conn == conn && rs.state == LINK_TRANSFER &&
                       !rs.ld_paused && rs.ld_timer == -1 &&
                       ustime() - start < REPL_LOAD_SLICE_US))
            return;
        if (!linkReadOnce(conn)) return;
    }
}

/* One read of the link; returns 0 when nothing more is to be read now
 * (no bytes, or the link failed). */
static int linkReadOnce(connection *conn) {
    static char buf[REPL_TRANSFER_CHUNK * 4];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n == -1) {
        if (connGetState(conn) == CONN_STATE_CONNECTED) return 0;
        char why[512];
        snprintf(why, sizeof(why), "%s: %s",
                 rs.state == LINK_TRANSFER
                     ? "I/O error trying to sync with MASTER"
                     : "Error reading from MASTER",
                 connGetLastError(conn));
        linkFail(why);
        return 0;
    }
    if (n == 0) {
        linkFail(rs.state == LINK_TRANSFER
                     ? "I/O error trying to sync with MASTER: connection lost"
                     : "Master closed the connection during the handshake");
        return 0;
    }
    server.stat_net_input_bytes += n;
    rs.last_io_ms = mstime();
    rs.inbuf = sdsCatLen(rs.inbuf, buf, (size_t)n);
    linkProcessInput();
    return 1;
}

/* Connect callback: the link is up (for TLS, after the handshake). */
static void linkConnected(connection *conn) {
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        char why[512];
        snprintf(why, sizeof(why), "Error condition on socket for SYNC: %s",
                 connGetLastError(conn));
        linkFail(why);
        return;
    }
    serverLog(LL_NOTICE, "Non blocking connect for SYNC fired the event.");
    rs.last_io_ms = mstime();
    if (connSetReadHandler(conn, linkReadHandler) == -1) {
        linkFail("Unable to read from MASTER: the read handler could not "
                 "be registered");
        return;
    }
    const char *ping[] = {"PING"};
    linkSendCommand(1, ping);
    rs.state = LINK_RECEIVE_PONG;
    linkFlush();
}

static void connectWithMaster(void) {
    rs.conn = createMasterLinkConnection();
    if (!rs.conn) {
        linkFail("Unable to connect to MASTER: TLS is not available in this "
                 "build");
        return;
    }
    if (!rs.inbuf) rs.inbuf = sdsEmpty();
    if (!rs.outbuf) rs.outbuf = sdsEmpty();
    sdsClear(rs.inbuf);
    sdsClear(rs.outbuf);
    connConnectOptions opts = {
        .host = server.masterhost,
        .port = server.masterport,
        .src_addr = server.bind_source_addr,
        .peer_name = NULL,
        .timeout_ms = (long long)server.repl_timeout * 1000,
        .verify_peer_name = -1,
    };
    serverLog(LL_NOTICE, "Connecting to MASTER %s:%d", server.masterhost,
              server.masterport);
    rs.state = LINK_CONNECTING;
    rs.last_io_ms = mstime();
    if (connConnect(rs.conn, &opts, linkConnected) == -1) {
        char why[512];
        snprintf(why, sizeof(why), "Unable to connect to MASTER: %s",
                 connGetLastError(rs.conn));
        linkFail(why);
        return;
    }
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync started");
}

/* The link becomes an ordinary client flagged CLIENT_MASTER; bytes that
 * followed the RDB or +CONTINUE are its first input. */
static void createMasterClient(void) {
    connection *conn = rs.conn;
    rs.conn = NULL;
    connClearWriteHandler(conn);
    client *c = createClient(conn);
    c->flags |= CLIENT_MASTER;
    c->authenticated = 1;
    c->user = NULL; /* the master's stream is never refused by ACLs */
    c->reploff = c->read_reploff = server.master_repl_offset;
    memcpy(c->replid, server.replid, sizeof(c->replid));
    if (rs.master_dbid >= 0 && rs.master_dbid < server.dbnum)
        c->db = &server.db[rs.master_dbid];
    rs.master = c;
    rs.state = LINK_CONNECTED;
    if (rs.fo_state == FO_IN_PROGRESS) {
        serverLog(LL_NOTICE, "Failover request to %s:%d succeeded.",
                  rs.fo_host, rs.fo_port);
        failoverReset();
    }
    rs.last_ack_ms = 0;
    sds left = rs.inbuf;
    rs.inbuf = sdsEmpty();
    sdsClear(rs.outbuf);
    if (sdsLen(left)) {
        c->querybuf = left;
        processInputBuffer(c);
    } else {
        sdsFree(left);
    }
}

/* Sends REPLCONF ACK <offset> to the master. */
static void sendAck(void) {
    client *c = rs.master;
    if (!c) return;
    char off[LONG_STR_SIZE];
    int n = ll2string(off, sizeof(off), c->reploff);
    sds s = sdsCatPrintf(sdsEmpty(), "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n"
                         "$%d\r\n%s\r\n", n, off);
    c->flags |= CLIENT_MASTER_FORCE_REPLY;
    addReplyProto(c, s, sdsLen(s));
    c->flags &= ~CLIENT_MASTER_FORCE_REPLY;
    sdsFree(s);
    rs.last_ack_ms = mstime();
}

/* Stops following the master (REPLICAOF NO ONE). */
static void replicationUnsetMaster(void) {
    if (!server.masterhost) return;
    sdsFree(server.masterhost);
    server.masterhost = NULL;
    if (rs.master) freeClient(rs.master);
    linkCancel();
    rs.state = LINK_NONE;
    shiftReplicationId();
    /* Replicas must learn the new ID; they continue partially. */
    disconnectSlaves();
    if (!rs.backlog) backlogCreate();
    rs.seldb = -1;
    rs.no_slaves_since = server.unixtime;
    /* The role changed: so does the oom-score-adj value. */
    if (setOomScoreAdj(-1) != C_OK)
        serverLog(LL_WARNING, "The OOM score keeps the replica's value.");
}

/* Follows <host>:<port> from now on. */
static void replicationSetMaster(const char *host, int port) {
    int was_master = server.masterhost == NULL;
    if (rs.master) freeClient(rs.master);
    linkCancel();
    sdsFree(server.masterhost);
    server.masterhost = sdsNew(host);
    server.masterport = port;
    if (was_master) rs.master_dbid = 0;
    rs.state = LINK_CONNECT;
    rs.retry_after_ms = 0;
    rs.down_since = 0;
    if (setOomScoreAdj(-1) != C_OK) /* a replica's value now */
        serverLog(LL_WARNING, "The OOM score keeps the master's value.");
    connectWithMaster();
}

/* See server.h. */
void replicationFollowMaster(const char *host, int port) {
    if (server.masterhost && !strcasecmp(server.masterhost, host) &&
        server.masterport == port)
        return;
    replicationSetMaster(host, port);
}

/* See server.h. */
void replicationBecomeMaster(void) {
    replicationUnsetMaster();
}

/* See server.h. */
long long replicationMasterDataAgeMs(void) {
    if (!server.masterhost) return 0;
    if (rs.master) return mstime() - rs.master->last_io_ms;
    if (rs.down_since) return (long long)(server.unixtime - rs.down_since) * 1000;
    return LLONG_MAX / 4; /* never synchronized */
}

/* See server.h. */
int replicationLinkIsUp(void) {
    return server.masterhost && rs.master && rs.state == LINK_CONNECTED;
}

/* REPLICAOF host port | REPLICAOF NO ONE (also SLAVEOF). */
void replicaofCommand(client *c) {
    if (server.cluster_enabled) {
        addReplyError(c, "REPLICAOF not allowed in cluster mode.");
        return;
    }
    if (rs.fo_state != FO_NONE) {
        addReplyError(c, "REPLICAOF not allowed while failing over.");
        return;
    }
    if (!strcasecmp(c->argv[1]->ptr, "no") &&
        !strcasecmp(c->argv[2]->ptr, "one")) {
        if (server.masterhost) {
            replicationUnsetMaster();
            sds ci = catClientInfoString(sdsEmpty(), c);
            serverLog(LL_NOTICE, "MASTER MODE enabled (user request from '%s')",
                      ci);
            sdsFree(ci);
        }
        addReply(c, shared.ok);
        return;
    }
    if (c->flags & CLIENT_SLAVE) {
        addReplyError(c, "Command is not valid when client is a replica.");
        return;
    }
    long port;
    if (getLongFromObject(c->argv[2], &port) != C_OK) {
        addReplyError(c, "value is not an integer or out of range");
        return;
    }
    if (port < 0 || port > 65535) {
        addReplyError(c, "Invalid master port");
        return;
    }
    if (server.masterhost && !strcasecmp(server.masterhost, c->argv[1]->ptr) &&
        server.masterport == port) {
        serverLog(LL_NOTICE, "REPLICAOF would result into synchronization with "
                  "the master we are already connected with. No operation "
                  "performed.");
        addReplyStatus(c, "OK Already connected to specified master");
        return;
    }
    replicationSetMaster(c->argv[1]->ptr, (int)port);
    sds ci = catClientInfoString(sdsEmpty(), c);
    serverLog(LL_NOTICE, "REPLICAOF %s:%d enabled (user request from '%s')",
              server.masterhost, server.masterport, ci);
    sdsFree(ci);
    addReply(c, shared.ok);
}

static const char *linkStateName(void) {
    switch (rs.state) {
    case LINK_NONE: return "none";
    case LINK_CONNECT: return "connect";
    case LINK_CONNECTING: return "connecting";
    case LINK_TRANSFER: return "sync";
    case LINK_CONNECTED: return "connected";
    default: return "handshake";
    }
}

/* ROLE */
void roleCommand(client *c) {
    if (server.masterhost) {
        addReplyArrayLen(c, 5);
        addReplyBulkCString(c, "slave");
        addReplyBulkCString(c, server.masterhost);
        addReplyLongLong(c, server.masterport);
        addReplyBulkCString(c, linkStateName());
        addReplyLongLong(c, rs.master ? rs.master->reploff : -1);
        return;
    }
    addReplyArrayLen(c, 3);
    addReplyBulkCString(c, "master");
    addReplyLongLong(c, server.master_repl_offset);
    void *len = addReplyDeferredLen(c);
    long n = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        char ip[NET_IP_STR_LEN];
        int port;
        if (s->slave_addr)
            snprintf(ip, sizeof(ip), "%s", s->slave_addr);
        else if (connAddrPeerName(s->conn, ip, sizeof(ip), &port) == -1)
            continue;
        if (s->replstate != SLAVE_STATE_ONLINE) continue;
        addReplyArrayLen(c, 3);
        addReplyBulkCString(c, ip);
        addReplyBulkLongLong(c, s->slave_listening_port);
        addReplyBulkLongLong(c, s->repl_ack_off);
        n++;
    }
    setDeferredArrayLen(c, len, n);
}

static const char *failoverStateName(void) {
    switch (rs.fo_state) {
    case FO_WAIT_FOR_SYNC: return "waiting-for-sync";
    case FO_IN_PROGRESS: return "failover-in-progress";
    default: return "no-failover";
    }
}

static void failoverReset(void) {
    sdsFree(rs.fo_host);
    rs.fo_host = NULL;
    rs.fo_port = 0;
    rs.fo_deadline = 0;
    rs.fo_force = 0;
    rs.fo_state = FO_NONE;
    rs.psync_failover = 0;
    unpauseClients();
}

/* Gives up a failover: a master that started demoting itself becomes a
 * master again. */
static void failoverAbort(const char *why) {
    serverLog(LL_NOTICE, "FAILOVER to %s:%d aborted: %s",
              rs.fo_host ? rs.fo_host : "any", rs.fo_port, why);
    if (rs.fo_state == FO_IN_PROGRESS && server.masterhost)
        replicationUnsetMaster();
    failoverReset();
}

/* The online replica at <host>:<port> (its announced address), or NULL. */
static client *findReplica(const char *host, int port) {
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        char ip[NET_IP_STR_LEN];
        int p;
        if (s->slave_addr)
            snprintf(ip, sizeof(ip), "%s", s->slave_addr);
        else if (connAddrPeerName(s->conn, ip, sizeof(ip), &p) == -1)
            continue;
        if (!strcasecmp(ip, host) && s->slave_listening_port == port) return s;
    }
    return NULL;
}

/* Cron step: once the target has every byte (or the time is up with
 * FORCE), demote ourselves with PSYNC ... FAILOVER. */
static void failoverCron(void) {
    if (rs.fo_state != FO_WAIT_FOR_SYNC) return;
    client *target = NULL;
    if (rs.fo_host) {
        target = findReplica(rs.fo_host, rs.fo_port);
        if (target && (target->replstate != SLAVE_STATE_ONLINE ||
                       target->repl_ack_off != server.master_repl_offset))
            target = NULL;
    } else {
        listIter li;
        listNode *ln;
        listGetIterator(server.slaves, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            client *s = listNodeValue(ln);
            if (s->replstate == SLAVE_STATE_ONLINE &&
                s->repl_ack_off == server.master_repl_offset) {
                target = s;
                break;
            }
        }
    }
    int timed_out = rs.fo_deadline && mstime() >= rs.fo_deadline;
    if (!target && !(timed_out && rs.fo_force)) {
        if (timed_out) failoverAbort("the replica did not catch up in time");
        else rs.getack_pending = 1;
        return;
    }
    if (target && !rs.fo_host) {
        char ip[NET_IP_STR_LEN];
        int p;
        if (target->slave_addr)
            snprintf(ip, sizeof(ip), "%s", target->slave_addr);
        else if (connAddrPeerName(target->conn, ip, sizeof(ip), &p) == -1)
            return;
        rs.fo_host = sdsNew(ip);
        rs.fo_port = target->slave_listening_port;
    }
    serverLog(LL_NOTICE, "Failover target %s:%d is synced, failing over.",
              rs.fo_host, rs.fo_port);
    rs.fo_state = FO_IN_PROGRESS;
    rs.psync_failover = 1;
    char *host = sdsDup(rs.fo_host);
    replicationSetMaster(host, rs.fo_port);
    sdsFree(host);
}

/* FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] */
void failoverCommand(client *c) {
    if (server.cluster_enabled) {
        addReplyError(c, "FAILOVER not allowed in cluster mode.");
        return;
    }
    const char *host = NULL;
    long port = 0;
    long long timeout = 0;
    int force = 0, abort_req = 0;
    for (int j = 1; j < c->argc; j++) {
        char *a = c->argv[j]->ptr;
        if (!strcasecmp(a, "to") && j + 2 < c->argc && !host) {
            host = c->argv[j + 1]->ptr;
            if (getLongFromObject(c->argv[j + 2], &port) != C_OK || port < 0 ||
                port > 65535) {
                addReplyError(c, "value is not an integer or out of range");
                return;
            }
            j += 2;
        } else if (!strcasecmp(a, "timeout") && j + 1 < c->argc && !timeout) {
            if (getLongLongFromObject(c->argv[j + 1], &timeout) != C_OK ||
                timeout <= 0) {
                addReplyError(c, "FAILOVER timeout must be greater than 0");
                return;
            }
            j++;
        } else if (!strcasecmp(a, "force") && !force) {
            force = 1;
        } else if (!strcasecmp(a, "abort") && !abort_req) {
            abort_req = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (abort_req) {
        if (host || force || timeout) {
            addReplyError(c, "FAILOVER abort is not allowed with other "
                             "arguments.");
            return;
        }
        if (rs.fo_state == FO_NONE) {
            addReplyError(c, "No failover in progress.");
            return;
        }
        failoverAbort("failover aborted by the user");
        addReply(c, shared.ok);
        return;
    }
    if (force && (!timeout || !host)) {
        addReplyError(c, "FAILOVER with force option requires both a timeout "
                         "and target HOST and IP.");
        return;
    }
    if (server.masterhost) {
        addReplyError(c, "FAILOVER is not valid when server is a replica.");
        return;
    }
    if (listLength(server.slaves) == 0) {
        addReplyError(c, "FAILOVER requires connected replicas.");
        return;
    }
    if (rs.fo_state != FO_NONE) {
        addReplyError(c, "FAILOVER already in progress.");
        return;
    }
    if (host) {
        client *t = findReplica(host, (int)port);
        if (!t) {
            addReplyError(c, "FAILOVER target HOST and PORT is not a replica.");
            return;
        }
        if (t->replstate != SLAVE_STATE_ONLINE) {
            addReplyError(c, "FAILOVER target replica is not online.");
            return;
        }
        rs.fo_host = sdsNew(host);
        rs.fo_port = (int)port;
    }
    rs.fo_deadline = timeout ? mstime() + timeout : 0;
    rs.fo_force = force;
    rs.fo_state = FO_WAIT_FOR_SYNC;
    pauseClients(LLONG_MAX, 1);
    rs.getack_pending = 1;
    serverLog(LL_NOTICE, "FAILOVER requested to %s:%d.", host ? host : "any",
              host ? (int)port : 0);
    addReply(c, shared.ok);
}

/* shutdown-timeout: 1 when every online replica acknowledged the whole
 * replication stream (or there is none); otherwise asks the replicas for
 * acknowledgements and returns 0, logging each lagging one when
 * <log_lagging>. */
int replicationReplicasCaughtUp(int log_lagging) {
    int caught_up = 1;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        if (s->replstate != SLAVE_STATE_ONLINE ||
            s->repl_ack_off == server.master_repl_offset)
            continue;
        caught_up = 0;
        if (log_lagging)
            serverLog(LL_WARNING, "Lagging replica %s:%d is %lld bytes behind "
                      "the master.", s->slave_addr ? s->slave_addr : "?",
                      s->slave_listening_port,
                      server.master_repl_offset - s->repl_ack_off);
    }
    if (!caught_up) rs.getack_pending = 1;
    return caught_up;
}

/* See server.h. */
size_t replicationNotCountedMemory(void) {
    size_t backlog, replicas;
    replicationBufferMemory(&backlog, &replicas);
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        replicas += ((client *)listNodeValue(ln))->reply_bytes;
    return replicas;
}

/* See server.h. */
void replicationBufferMemory(size_t *backlog, size_t *replicas) {
    size_t want = rs.backlog ? (size_t)backlogWantedSize() : 0;
    *backlog = rs.blocks_mem < want ? rs.blocks_mem : want;
    *replicas = rs.blocks_mem - *backlog;
}

/* See server.h. */
robj *replicationDenyCommand(client *c) {
    if (mustObeyClient(c) || !c->cmd) return NULL;
    /* An EXEC answers for the commands it queued (as in Redis 7.0: things
     * may have changed since they were queued). */
    int is_write = commandHasFlags(c, CMD_WRITE);
    int deny_stale = !(c->cmd->flags & CMD_STALE) ||
                     (c->cmd->proc == execCommand &&
                      (c->mstate.cmd_inv_flags & CMD_STALE));
    if (server.masterhost) {
        if (server.repl_slave_ro && is_write) return readonlyErr;
        if (rs.state != LINK_CONNECTED && !server.repl_serve_stale_data &&
            deny_stale)
            return masterdownErr;
    } else if (is_write && server.repl_min_slaves_to_write &&
               server.repl_min_slaves_max_lag &&
               goodReplicasCount() < server.repl_min_slaves_to_write) {
        return shared.noreplicaserr;
    }
    return NULL;
}

/* See server.h. As Redis 7.0: logged as critical; with "panic" the server
 * stops on any such error, with "panic-on-replicas" only on one from the
 * master's stream. */
void replicationPropagatedError(client *c, const char *s, size_t len) {
    int from_master = (c->flags & CLIENT_MASTER) != 0;
    const char *cmd = c->cmd && c->cmd->fullname ? c->cmd->fullname
                                                 : "<unknown>";
    const char *from = from_master ? "replica" : "server";
    const char *to = from_master ? "master" : "AOF-loading-client";
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    char text[129];
    if (len > sizeof(text) - 1) len = sizeof(text) - 1;
    memcpy(text, s, len);
    text[len] = '\0';
    sanitizeForLog(text, len);
    server.stat_unexpected_error_replies++;
    serverLog(LL_WARNING, "== CRITICAL == This %s is sending an error to its "
              "%s: '%s' after processing the command '%s'", from, to, text,
              cmd);
    int behavior = server.propagation_error_behavior;
    if (behavior == PROPAGATION_ERR_BEHAVIOR_PANIC ||
        (behavior == PROPAGATION_ERR_BEHAVIOR_PANIC_ON_REPLICAS && from_master))
        serverPanic("This %s panicked sending an error to its %s after "
                    "processing the command '%s'", from, to, cmd);
}

/* ===================================================================
 * Cron, before-sleep, INFO
 * ================================================================ */

static void replicationCron(void) {
    long long now = mstime();
    /* Replica side: connect, time out a stuck link, acknowledge. */
    if (server.masterhost) {
        if (rs.state == LINK_CONNECT && now >= rs.retry_after_ms)
            connectWithMaster();
        else if (rs.state >= LINK_CONNECTING && rs.state <= LINK_TRANSFER &&
                 now - rs.last_io_ms > (long long)server.repl_timeout * 1000)
            linkFail(rs.state == LINK_TRANSFER
                         ? "Timeout receiving bulk data from MASTER... If the "
                           "problem persists try to set the 'repl-timeout' "
                           "parameter in redis.conf to a larger value."
                         : "Timeout connecting to the MASTER...");
        else if (rs.state == LINK_CONNECTED && rs.master &&
                 server.unixtime - rs.master->lastinteraction >
                     server.repl_timeout) {
            serverLog(LL_WARNING, "MASTER timeout: no data nor PING received...");
            freeClient(rs.master);
        } else if (rs.state == LINK_CONNECTED && now - rs.last_ack_ms >= 1000) {
            sendAck();
        }
    }
    /* Master side: reap the BGSAVE replicas wait on, start one if needed. */
    if (rs.bgsave_pid != -1 && server.child_pid != rs.bgsave_pid) {
        rs.bgsave_pid = -1;
        bgsaveDoneForReplication(server.lastbgsave_status == C_OK);
    }
    disklessTryReap();
    removeSyncRdbFile();
    startBgsaveForReplication();
    /* Pings through the stream, newlines to replicas waiting for the RDB. */
    if (listLength(server.slaves) && !server.masterhost &&
        now - rs.last_ping_ms >= (long long)server.repl_ping_slave_period * 1000) {
        rs.last_ping_ms = now;
        robj *ping = shared.ping;
        replicationSink(-1, &ping, 1, PROPAGATE_REPL);
    }
    int newline = now - rs.last_newline_ms >= 1000;
    if (newline) rs.last_newline_ms = now;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        replicaPriv *p = s->repl_priv;
        if (newline && (s->replstate == SLAVE_STATE_WAIT_BGSAVE_START ||
                        s->replstate == SLAVE_STATE_WAIT_BGSAVE_END) &&
            !(s->flags & CLIENT_PRE_PSYNC))
            replicaAddPre(s, "\n", 1);
        if (s->replstate == SLAVE_STATE_ONLINE && !(s->flags & CLIENT_PRE_PSYNC) &&
            server.unixtime - s->repl_ack_time > server.repl_timeout) {
            serverLog(LL_WARNING, "Disconnecting timedout replica (streaming "
                      "sync): %s", replicaName(s));
            freeClientAsync(s);
        } else if (s->replstate == SLAVE_STATE_SEND_BULK && p &&
                   now - p->last_progress > (long long)server.repl_timeout * 1000) {
            serverLog(LL_WARNING, "Disconnecting timedout replica (full sync): "
                      "%s", replicaName(s));
            freeClientAsync(s);
        }
    }
    /* A master without replicas frees its backlog after repl-backlog-ttl. */
    if (rs.backlog && !server.masterhost && listLength(server.slaves) == 0 &&
        server.repl_backlog_ttl && rs.no_slaves_since &&
        server.unixtime - rs.no_slaves_since > server.repl_backlog_ttl) {
        changeReplicationId();
        clearReplicationId2();
        backlogFree();
        serverLog(LL_NOTICE, "Replication backlog freed after %d seconds "
                  "without connected replicas.", server.repl_backlog_ttl);
    }
    /* Blocks that replicas left behind, or beyond a backlog made smaller
     * by CONFIG SET repl-backlog-size. */
    streamTrim();
    processWaitingClients();
    failoverCron();
}

static void replicationBeforeSleep(void) {
    if (rs.ack_pending) {
        rs.ack_pending = 0;
        if (rs.state == LINK_CONNECTED && rs.master) sendAck();
    }
    if (rs.getack_pending) {
        rs.getack_pending = 0;
        if (!server.masterhost && listLength(server.slaves)) {
            robj *argv[3] = {shared.replconf, shared.getack,
                             shared.special_asterick};
            replicationSink(-1, argv, 3, PROPAGATE_REPL);
        }
    }
    processWaitingClients();
    streamTrim();
}

static const char *replicaStateName(client *s) {
    switch (s->replstate) {
    case SLAVE_STATE_WAIT_BGSAVE_START:
    case SLAVE_STATE_WAIT_BGSAVE_END: return "wait_bgsave";
    case SLAVE_STATE_SEND_BULK: return "send_bulk";
    case SLAVE_STATE_ONLINE: return "online";
    default: return "";
    }
}

static sds replicationInfoSection(sds info) {
    info = sdsCatPrintf(info, "# Replication\r\nrole:%s\r\n",
                        server.masterhost ? "slave" : "master");
    if (server.masterhost) {
        long long io = rs.master
                           ? (long long)(server.unixtime -
                                         rs.master->lastinteraction)
                           : -1;
        info = sdsCatPrintf(info,
            "master_host:%s\r\n"
            "master_port:%d\r\n"
            "master_link_status:%s\r\n"
            "master_last_io_seconds_ago:%lld\r\n"
            "master_sync_in_progress:%d\r\n"
            "slave_read_repl_offset:%lld\r\n"
            "slave_repl_offset:%lld\r\n",
            server.masterhost, server.masterport,
            rs.state == LINK_CONNECTED ? "up" : "down", io,
            rs.state == LINK_TRANSFER,
            rs.master ? rs.master->reploff : server.master_repl_offset,
            rs.master ? rs.master->reploff : server.master_repl_offset);
        if (rs.state == LINK_TRANSFER) {
            long long total = rs.transfer_size;
            info = sdsCatPrintf(info,
                "master_sync_total_bytes:%lld\r\n"
                "master_sync_read_bytes:%lld\r\n"
                "master_sync_left_bytes:%lld\r\n"
                "master_sync_perc:%.2f\r\n"
                "master_sync_last_io_seconds_ago:%d\r\n",
                total, rs.transfer_read,
                total >= 0 ? total - rs.transfer_read : -1,
                total > 0 ? (double)rs.transfer_read * 100 / (double)total : 0.0,
                (int)((mstime() - rs.last_io_ms) / 1000));
        }
        if (rs.state != LINK_CONNECTED)
            info = sdsCatPrintf(info, "master_link_down_since_seconds:%lld\r\n",
                                rs.down_since ? (long long)(server.unixtime -
                                                            rs.down_since)
                                              : -1LL);
        info = sdsCatPrintf(info,
            "slave_priority:%d\r\n"
            "slave_read_only:%d\r\n"
            "replica_announced:%d\r\n",
            server.slave_priority, server.repl_slave_ro,
            server.replica_announced);
    }
    info = sdsCatPrintf(info, "connected_slaves:%lu\r\n",
                        listLength(server.slaves));
    if (server.repl_min_slaves_to_write && server.repl_min_slaves_max_lag)
        info = sdsCatPrintf(info, "min_slaves_good_slaves:%d\r\n",
                            goodReplicasCount());
    int j = 0;
    listIter li;
    listNode *ln;
    listGetIterator(server.slaves, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *s = listNodeValue(ln);
        char ip[NET_IP_STR_LEN];
        int port;
        if (s->slave_addr)
            snprintf(ip, sizeof(ip), "%s", s->slave_addr);
        else if (connAddrPeerName(s->conn, ip, sizeof(ip), &port) == -1)
            continue;
        info = sdsCatPrintf(info,
            "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%ld\r\n", j++, ip,
            s->slave_listening_port, replicaStateName(s), s->repl_ack_off,
            (long)(server.unixtime - s->repl_ack_time));
    }
    info = sdsCatPrintf(info,
        "master_failover_state:%s\r\n"
        "master_replid:%s\r\n"
        "master_replid2:%s\r\n"
        "master_repl_offset:%lld\r\n"
        "second_repl_offset:%lld\r\n"
        "repl_backlog_active:%d\r\n"
        "repl_backlog_size:%lld\r\n"
        "repl_backlog_first_byte_offset:%lld\r\n"
        "repl_backlog_histlen:%lld\r\n",
        failoverStateName(), server.replid, server.replid2,
        server.master_repl_offset, server.second_replid_offset,
        rs.backlog,
        server.repl_backlog_size, rs.backlog ? backlogFirstByte() : 0,
        rs.backlog ? server.master_repl_offset + 1 - backlogFirstByte() : 0);
    return info;
}

/* See server.h. */
int replicationSaveInfo(char *replid, long long *offset, int *dbid) {
    if (server.loading || !rs.backlog) return 0;
    if (!server.masterhost) {
        *dbid = rs.seldb == -1 ? 0 : rs.seldb;
    } else if (rs.master) {
        /* Commands queued by the master's MULTI count in the offset but
         * are not in the dataset until EXEC. */
        if (rs.master->flags & CLIENT_MULTI) return 0;
        *dbid = rs.master->db ? rs.master->db->id : 0;
    } else {
        *dbid = rs.master_dbid; /* the link is down: where it stopped */
    }
    memcpy(replid, server.replid, CONFIG_RUN_ID_SIZE + 1);
    *offset = server.master_repl_offset;
    return 1;
}

/* The dataset loaded at start-up came with its replication position: a
 * replica asks its master to continue from there; a master keeps it as
 * its secondary ID, so that replicas that had everything continue after
 * the restart (both as Redis 7.0 does). */
static void restoreReplicationPosition(void) {
    rdbReplInfo ri;
    if (!rdbStartupReplInfo(&ri)) return;
    if (server.masterhost) {
        memcpy(server.replid, ri.replid, sizeof(server.replid));
        clearReplicationId2();
        rs.master_dbid = ri.dbid < server.dbnum ? ri.dbid : 0;
    } else {
        memcpy(server.replid2, ri.replid, sizeof(server.replid2));
        server.second_replid_offset = ri.offset + 1;
    }
    server.master_repl_offset = ri.offset;
    backlogFree();
    backlogCreate();
    rs.no_slaves_since = time(NULL);
    serverLog(LL_NOTICE, "The loaded dataset is at replication ID %s, offset "
              "%lld: kept for a partial resynchronization", ri.replid,
              ri.offset);
}

static void replicationStartup(void) {
    restoreReplicationPosition();
    if (server.masterhost) {
        rs.state = LINK_CONNECT;
        rs.retry_after_ms = 0;
        connectWithMaster();
    }
}

/* See server.h. */
void replicationInit(void) {
    readonlyErr = createObject(
        OBJ_STRING,
        sdsNew("-READONLY You can't write against a read only replica.\r\n"));
    masterdownErr = createObject(
        OBJ_STRING,
        sdsNew("-MASTERDOWN Link with MASTER is down and "
               "replica-serve-stale-data is set to 'no'.\r\n"));
    rs.inbuf = sdsEmpty();
    rs.outbuf = sdsEmpty();
    rs.blocks = listCreate();
    rs.no_slaves_since = time(NULL);
    registerPropagationSink(replicationSink);
    registerPropagationWanted(replicationWanted);
    registerClientFreeHook(replicationClientFreed);
    registerCronHook(replicationCron);
    registerBeforeSleepHook(replicationBeforeSleep);
    registerStartupHook(replicationStartup);
    registerShutdownHook(replicationShutdown);
    registerInfoSection("replication", 1, replicationInfoSection);
}
