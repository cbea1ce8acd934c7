/* socket.c: the plain connection types, "tcp" and "unix".
 *
 * Owns: the connection structs it creates, their descriptors and their
 * event registrations, and the listening sockets of "tcp"/"unix"
 * listeners. Together with tls.c and anet.c the only code that reads or
 * writes a network descriptor.
 * Must not touch: the owner's data behind conn->private_data, or TLS.
 *
 * Also the code every TCP-based type shares (TLS uses it too): listening
 * sockets and the one accept loop, and the outgoing side (the connector:
 * a copy of the connect options, the deadline timer, name resolution
 * through resolve.c, the non-blocking TCP connect).
 *
 * Invariants:
 * - A connection's fd is registered for AE_READABLE exactly while it has a
 *   read handler, and for AE_WRITABLE while it has a write handler or is
 *   still connecting; the ae clientData of the fd is the connection.
 * - Handlers run through connCallHandler; a connClose inside one only
 *   schedules the close, which the outermost handler's return carries out
 *   (the same rule as TLS: connection.h).
 * - conn->connector exists from connConnect until the connection is
 *   connected, failed or closed; its deadline timer and resolver request
 *   go with it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ae.h"
#include "anet.h"
#include "connection.h"
#include "resolve.h"
#include "zmalloc.h"

#define SOCK_OK 0
#define SOCK_ERR -1
/* After EMFILE/ENFILE a listener sleeps this long instead of being woken
 * on every turn for a connection it cannot take. */
#define SOCK_ACCEPT_PAUSE_MS 100
/* At most one "cannot accept" warning per this many ms. */
#define SOCK_ACCEPT_WARN_MS 1000

struct connConnector {
    char *host;
    int port;
    char *src_addr;
    char *peer_name;
    int verify_name;
    int waits_in_poll;
    long long timer_id; /* the deadline, -1 if none */
    connResolveReq *req;
    connReadyProc *ready;
    connFailProc *fail;
};

static ConnectionType connTcpType;
static ConnectionType connUnixType;

static connection *sockCreateOfType(ConnectionType *ct) {
    connection *conn = zcalloc(sizeof(*conn));
    conn->type = ct;
    conn->fd = -1;
    conn->state = CONN_STATE_NONE;
    return conn;
}

static connection *sockCreateTcp(void) {
    return sockCreateOfType(&connTcpType);
}

static connection *sockCreateUnix(void) {
    return sockCreateOfType(&connUnixType);
}

/* The one ae callback of a connection's fd. ae calls it once per ready
 * bit; it still copes with both bits at once, ordering them as the write
 * barrier asks and stopping as soon as a handler closed the connection. */
static void sockEventHandler(struct aeEventLoop *el, int fd, void *clientData,
                             int mask) {
    connection *conn = clientData;

    if (conn->state == CONN_STATE_CONNECTING && (mask & AE_WRITABLE)) {
        int sockerr = anetGetSocketError(fd);
        connSocketStopConnect(conn);
        if (sockerr) {
            connSetLastError(conn, sockerr, NULL);
            conn->state = CONN_STATE_ERROR;
        } else {
            conn->state = CONN_STATE_CONNECTED;
        }
        /* The writable event was ours; keep it only for a write handler
         * the owner installed while connecting. */
        if (!conn->write_handler) aeDeleteFileEvent(el, fd, AE_WRITABLE);
        ConnectionCallbackFunc handler = conn->conn_handler;
        conn->conn_handler = NULL;
        if (!connCallHandler(conn, handler)) return;
        /* This readiness belonged to the connect; a write handler set in
         * the callback waits for the next one. */
        mask &= ~AE_WRITABLE;
    }

    int invert = conn->flags & CONN_FLAG_WRITE_BARRIER;
    if (!invert && (mask & AE_READABLE) && conn->read_handler) {
        if (!connCallHandler(conn, conn->read_handler)) return;
    }
    if ((mask & AE_WRITABLE) && conn->write_handler) {
        if (!connCallHandler(conn, conn->write_handler)) return;
    }
    if (invert && (mask & AE_READABLE) && conn->read_handler) {
        if (!connCallHandler(conn, conn->read_handler)) return;
    }
}

/* The TCP (or unix) connect of <conn> is under way on conn->fd: wait for
 * writable, which sockEventHandler reads as the connect's outcome. */
static int sockConnectReady(connection *conn) {
    struct aeEventLoop *el = connGetEventLoop();
    if (aeCreateFileEvent(el, conn->fd, AE_WRITABLE, sockEventHandler, conn) ==
        AE_ERR) {
        connSetLastError(conn, errno ? errno : ERANGE,
                         "descriptor out of the event loop's range");
        close(conn->fd);
        conn->fd = -1;
        conn->state = CONN_STATE_ERROR;
        return SOCK_ERR;
    }
    return SOCK_OK;
}

/* Resolution failed or the deadline passed: the connect fails. */
static void sockConnectFail(connection *conn, int err, const char *reason) {
    struct aeEventLoop *el = connGetEventLoop();
    connSocketStopConnect(conn);
    if (conn->fd != -1) {
        aeDeleteFileEvent(el, conn->fd, AE_READABLE | AE_WRITABLE);
        close(conn->fd);
        conn->fd = -1;
    }
    connSetLastError(conn, err,
                     reason ? reason
                            : (err == ETIMEDOUT ? "Connection timed out" : NULL));
    conn->state = CONN_STATE_ERROR;
    ConnectionCallbackFunc handler = conn->conn_handler;
    conn->conn_handler = NULL;
    connCallHandler(conn, handler);
}

static int sockConnect(connection *conn, const connConnectOptions *opts,
                       ConnectionCallbackFunc connect_handler) {
    char err[ANET_ERR_LEN];
    if (conn->state != CONN_STATE_NONE || conn->fd != -1) return SOCK_ERR;
    conn->conn_handler = connect_handler;
    conn->state = CONN_STATE_CONNECTING;
    if (connSocketStartConnect(conn, opts, sockConnectReady, sockConnectFail,
                               err, sizeof(err)) != 0) {
        if (!conn->last_error) connSetLastError(conn, conn->last_errno, err);
        conn->conn_handler = NULL;
        conn->state = CONN_STATE_ERROR;
        return SOCK_ERR;
    }
    return SOCK_OK;
}

/* A plain socket has no handshake: the connection is ready at once and
 * <accept_handler> runs now, before this returns. */
static int sockAccept(connection *conn, ConnectionCallbackFunc accept_handler) {
    if (conn->state != CONN_STATE_ACCEPTING) return SOCK_ERR;
    conn->state = CONN_STATE_CONNECTED;
    /* The handler ran (and may have closed the connection): success for
     * the caller, who must not clean up after it. */
    connCallHandler(conn, accept_handler);
    return SOCK_OK;
}

/* Shared result handling of read/write/writev: end of stream and hard
 * errors change the state; "try again" (EAGAIN, EINTR) keeps it. */
static ssize_t sockIoResult(connection *conn, ssize_t ret, int is_read) {
    if (ret > 0) return ret;
    if (ret == 0) {
        if (is_read) conn->state = CONN_STATE_CLOSED;
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -1;
    conn->last_errno = errno;
    conn->state = CONN_STATE_ERROR;
    return -1;
}

static ssize_t sockRead(connection *conn, void *buf, size_t len) {
    if (len == 0) return 0;
    return sockIoResult(conn, read(conn->fd, buf, len), 1);
}

/* MSG_NOSIGNAL: a peer that went away is an EPIPE error on this
 * connection, not a SIGPIPE for the process (send(2)). */
static ssize_t sockWrite(connection *conn, const void *data, size_t len) {
    return sockIoResult(conn, send(conn->fd, data, len, MSG_NOSIGNAL), 0);
}

static ssize_t sockWritev(connection *conn, const struct iovec *iov,
                          int iovcnt) {
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = (struct iovec *)iov;
    msg.msg_iovlen = (size_t)iovcnt;
    return sockIoResult(conn, sendmsg(conn->fd, &msg, MSG_NOSIGNAL), 0);
}

/* Closes <conn>; inside one of its handlers only schedules it (the
 * outermost connCallHandler comes back here once it returns). */
static void sockClose(connection *conn) {
    struct aeEventLoop *el = connGetEventLoop();
    if (connHasRefs(conn)) {
        conn->flags |= CONN_FLAG_CLOSE_SCHEDULED;
        return;
    }
    if (conn->fd != -1) {
        if (el) aeDeleteFileEvent(el, conn->fd, AE_READABLE | AE_WRITABLE);
        close(conn->fd);
        conn->fd = -1;
    }
    connReleaseCommon(conn);
    zfree(conn);
}

static int sockSetWriteHandler(connection *conn, ConnectionCallbackFunc func,
                               int barrier) {
    struct aeEventLoop *el = connGetEventLoop();
    if (el == NULL || conn->fd == -1) return SOCK_ERR;
    conn->write_handler = func;
    if (barrier)
        conn->flags |= CONN_FLAG_WRITE_BARRIER;
    else
        conn->flags &= ~CONN_FLAG_WRITE_BARRIER;
    if (func == NULL) {
        /* While connecting the writable event reports the connect. */
        if (conn->state == CONN_STATE_CONNECTING)
            aeDeleteFileEvent(el, conn->fd, AE_BARRIER);
        else
            aeDeleteFileEvent(el, conn->fd, AE_WRITABLE);
        return SOCK_OK;
    }
    if (!barrier) aeDeleteFileEvent(el, conn->fd, AE_BARRIER);
    int mask = AE_WRITABLE | (barrier ? AE_BARRIER : 0);
    if (aeCreateFileEvent(el, conn->fd, mask, sockEventHandler, conn) ==
        AE_ERR) {
        conn->write_handler = NULL;
        return SOCK_ERR;
    }
    return SOCK_OK;
}

static int sockSetReadHandler(connection *conn, ConnectionCallbackFunc func) {
    struct aeEventLoop *el = connGetEventLoop();
    if (el == NULL || conn->fd == -1) return SOCK_ERR;
    conn->read_handler = func;
    if (func == NULL) {
        aeDeleteFileEvent(el, conn->fd, AE_READABLE);
        return SOCK_OK;
    }
    if (aeCreateFileEvent(el, conn->fd, AE_READABLE, sockEventHandler, conn) ==
        AE_ERR) {
        conn->read_handler = NULL;
        return SOCK_ERR;
    }
    return SOCK_OK;
}

static connection *sockCreateAccepted(ConnectionType *ct, int fd) {
    connection *conn = sockCreateOfType(ct);
    conn->fd = fd;
    conn->state = CONN_STATE_ACCEPTING;
    return conn;
}

static connection *sockCreateAcceptedTcp(int fd, const char *ip, int port) {
    (void)ip;
    (void)port;
    return sockCreateAccepted(&connTcpType, fd);
}

static connection *sockCreateAcceptedUnix(int fd, const char *ip, int port) {
    (void)ip;
    (void)port;
    return sockCreateAccepted(&connUnixType, fd);
}

static void sockAcceptHandler(struct aeEventLoop *el, int fd, void *clientData,
                              int mask);

/* Registers every socket of <l> for accepting again after a pause. */
static int sockResumeListener(struct aeEventLoop *el, long long id,
                              void *clientData) {
    connListener *l = clientData;
    (void)id;
    l->paused = 0;
    for (int i = 0; i < l->count; i++)
        if (l->fd[i] != -1 &&
            aeCreateFileEvent(el, l->fd[i], AE_READABLE, sockAcceptHandler, l) ==
                AE_ERR)
            connLog(CONN_LL_WARNING, "Cannot watch listening socket again: %s",
                    strerror(errno));
    return AE_NOMORE;
}

/* The process is out of descriptors (EMFILE/ENFILE): a level-triggered
 * listener would wake every turn for a connection nobody can take, so its
 * sockets stop being watched for SOCK_ACCEPT_PAUSE_MS. The waiting peers
 * stay in the kernel's backlog meanwhile. */
static void sockPauseListener(struct aeEventLoop *el, connListener *l) {
    if (l->paused) return;
    for (int i = 0; i < l->count; i++)
        if (l->fd[i] != -1) aeDeleteFileEvent(el, l->fd[i], AE_READABLE);
    l->paused = 1;
    l->resume_timer = aeCreateTimeEvent(el, SOCK_ACCEPT_PAUSE_MS,
                                        sockResumeListener, l, NULL);
    if (l->resume_timer == AE_ERR) sockResumeListener(el, -1, l);
}

/* A failed accept(2) that is not "try again": logged at most once per
 * SOCK_ACCEPT_WARN_MS, whatever the listener. */
static void sockLogAcceptError(connListener *l, int err) {
    static long long last_ms;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (last_ms && now - last_ms < SOCK_ACCEPT_WARN_MS) return;
    last_ms = now;
    connLog(CONN_LL_WARNING, "Accepting %s connection on port %d: %s",
            l->ct->name, l->port, strerror(err));
}

/* The one accept loop of every TCP-based type: takes up to the listener's
 * max_accepts connections from listening socket <fd>, wraps each with the
 * type's createAccepted and hands it, in state ACCEPTING, to the owner.
 * EAGAIN ends the round (the level-triggered event fires again when more
 * arrive); a connection aborted before it was taken is skipped; running
 * out of descriptors pauses the listener (sockPauseListener). */
static void sockAcceptHandler(struct aeEventLoop *el, int fd, void *clientData,
                              int mask) {
    connListener *l = clientData;
    int is_unix = (l->ct == &connUnixType);
    int max = l->max_accepts > 0 ? l->max_accepts : CONN_DEFAULT_MAX_ACCEPTS;
    (void)mask;
    while (max-- > 0) {
        char ip[NET_IP_STR_LEN];
        int port = 0;
        int cfd;
        if (is_unix)
            cfd = anetUnixAccept(NULL, fd);
        else
            cfd = anetTcpAccept(NULL, fd, ip, sizeof(ip), &port);
        if (cfd == ANET_ERR) {
            int err = errno;
            if (err == ECONNABORTED || err == EINTR) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) return;
            sockLogAcceptError(l, err);
            if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
                err == ENOMEM)
                sockPauseListener(el, l);
            return;
        }
        /* Writers gather replies into full buffers; Nagle would only hold
         * small replies back for the peer's delayed ACK. */
        if (!is_unix) anetEnableTcpNoDelay(NULL, cfd);
        connection *conn = l->ct->createAccepted(cfd, is_unix ? l->unixpath : ip,
                                                 port);
        if (conn == NULL) {
            close(cfd);
            continue;
        }
        if (l->accepted)
            l->accepted(conn, is_unix ? l->unixpath : ip, port);
        else
            connClose(conn);
    }
}

/* Unregisters and closes the sockets of <l>. A unix socket file stays
 * where it is: a forked child closes its copies of the listeners, and that
 * must not remove the parent's file. */
void connSocketCloseListener(connListener *l) {
    struct aeEventLoop *el = connGetEventLoop();
    for (int i = 0; i < l->count; i++) {
        if (l->fd[i] == -1) continue;
        if (el) aeDeleteFileEvent(el, l->fd[i], AE_READABLE);
        close(l->fd[i]);
        l->fd[i] = -1;
    }
    l->count = 0;
    if (el && l->paused) aeDeleteTimeEvent(el, l->resume_timer);
    l->paused = 0;
}

/* Registers listening socket <fd> as the next one of <l>; closes it and
 * returns SOCK_ERR if it cannot. */
static int sockAddListenFd(connListener *l, int fd, char *err, size_t errlen) {
    struct aeEventLoop *el = connGetEventLoop();
    if (l->count >= CONN_MAX_LISTEN_FDS) {
        snprintf(err, errlen, "too many listening sockets (max %d)",
                 CONN_MAX_LISTEN_FDS);
        close(fd);
        return SOCK_ERR;
    }
    if (aeCreateFileEvent(el, fd, AE_READABLE, sockAcceptHandler, l) ==
        AE_ERR) {
        snprintf(err, errlen, "cannot watch listening socket: %s",
                 strerror(errno));
        close(fd);
        return SOCK_ERR;
    }
    l->fd[l->count++] = fd;
    return SOCK_OK;
}

/* Errors that mean "this address cannot exist here", which an optional
 * ("-" prefixed) bind address is allowed to hit. */
static int sockIsUnavailableAddrError(int e) {
    return e == EADDRNOTAVAIL || e == EAFNOSUPPORT || e == EPROTONOSUPPORT ||
           e == ENOPROTOOPT || e == ESOCKTNOSUPPORT || e == EPFNOSUPPORT;
}

/* See connection.h. */
int connSocketListenTcp(connListener *l, char *err, size_t errlen) {
    static char *defaultAddrs[] = {"*", "-::*"};
    char **addrs = l->bindaddr_count ? l->bindaddr : defaultAddrs;
    int naddrs = l->bindaddr_count ? l->bindaddr_count : 2;

    if (connGetEventLoop() == NULL) {
        snprintf(err, errlen, "connInit was not called");
        return SOCK_ERR;
    }
    if (l->count != 0) {
        snprintf(err, errlen, "listener already open");
        return SOCK_ERR;
    }
    if (l->port == 0) return SOCK_OK;
    for (int i = 0; i < naddrs; i++) {
        char aerr[ANET_ERR_LEN];
        const char *addr = addrs[i];
        int optional = (addr[0] == '-');
        if (optional) addr++;
        int fd;
        if (strchr(addr, ':'))
            fd = anetTcp6Server(aerr, l->port, addr, l->backlog);
        else
            fd = anetTcpServer(aerr, l->port, addr, l->backlog);
        if (fd == ANET_ERR) {
            if (optional && sockIsUnavailableAddrError(errno)) continue;
            snprintf(err, errlen,
                     "Could not create server TCP listening socket %s:%d: %s",
                     addr, l->port, aerr);
            connSocketCloseListener(l);
            return SOCK_ERR;
        }
        if (sockAddListenFd(l, fd, err, errlen) == SOCK_ERR) {
            connSocketCloseListener(l);
            return SOCK_ERR;
        }
    }
    return SOCK_OK;
}


/* Opens l->unixpath (replacing a stale socket file) with l->unixperm.
 * A NULL path means no unix listener. */
static int sockListenUnix(connListener *l, char *err, size_t errlen) {
    char aerr[ANET_ERR_LEN];
    if (connGetEventLoop() == NULL) {
        snprintf(err, errlen, "connInit was not called");
        return SOCK_ERR;
    }
    if (l->count != 0) {
        snprintf(err, errlen, "listener already open");
        return SOCK_ERR;
    }
    if (l->unixpath == NULL) return SOCK_OK;
    unlink(l->unixpath); /* a leftover of an earlier run; ENOENT is fine */
    int fd = anetUnixServer(aerr, l->unixpath, l->unixperm, l->backlog);
    if (fd == ANET_ERR) {
        snprintf(err, errlen, "Failed opening Unix socket: %s", aerr);
        return SOCK_ERR;
    }
    return sockAddListenFd(l, fd, err, errlen);
}

/* ------------------------------------------------------------------------
 * The connector: the outgoing side shared by the TCP-based types.
 * --------------------------------------------------------------------- */

/* See connection.h. */
int connIsIpLiteral(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return host && (inet_pton(AF_INET, host, buf) == 1 ||
                    inet_pton(AF_INET6, host, buf) == 1);
}

/* The deadline of an outgoing connection passed. */
static int connectorTimeout(struct aeEventLoop *el, long long id, void *data) {
    connection *conn = data;
    (void)el;
    (void)id;
    conn->connector->timer_id = -1; /* this timer ends with AE_NOMORE */
    conn->connector->fail(conn, ETIMEDOUT, NULL);
    return AE_NOMORE;
}

/* Starts the TCP connect to numeric <ip> and hands the socket to the
 * type. Returns 0, or -1 with the reason recorded in <conn>. */
static int connectorStartTcp(connection *conn, const char *ip) {
    connConnector *cc = conn->connector;
    char err[ANET_ERR_LEN];
    int fd;

    if (conn->type == &connUnixType)
        fd = anetUnixNonBlockConnect(err, ip);
    else
        fd = anetTcpNonBlockBindConnect(err, ip, cc->port, cc->src_addr);
    if (fd == ANET_ERR) {
        /* The errno says it all when there is one (ENOENT, ECONNREFUSED);
         * anet's text covers the rest (an unparsable address). */
        connSetLastError(conn, errno, errno ? NULL : err);
        return SOCK_ERR;
    }
    if (conn->type != &connUnixType) anetEnableTcpNoDelay(NULL, fd);
    conn->fd = fd;
    return cc->ready(conn);
}

/* The resolver answered for <privdata> (a connection). */
static void connectorResolved(void *privdata, int ok, const char *text) {
    connection *conn = privdata;
    connConnector *cc = conn->connector;
    char reason[512];

    cc->req = NULL;
    if (!ok) {
        snprintf(reason, sizeof(reason), "Cannot resolve '%s': %s", cc->host,
                 text);
        cc->fail(conn, EHOSTUNREACH, reason);
        return;
    }
    if (connectorStartTcp(conn, text) != SOCK_OK)
        cc->fail(conn, conn->last_errno, conn->last_error);
}

/* See connection.h. */
int connSocketStartConnect(connection *conn, const connConnectOptions *opts,
                           connReadyProc *ready, connFailProc *fail,
                           char *err, size_t errlen) {
    struct aeEventLoop *el = connGetEventLoop();
    connConnector *cc;

    if (el == NULL || opts == NULL || opts->host == NULL || conn->connector) {
        snprintf(err, errlen, "invalid connect request");
        connSetLastError(conn, EINVAL, err);
        return SOCK_ERR;
    }
    cc = zcalloc(sizeof(*cc));
    cc->host = zstrdup(opts->host);
    cc->port = opts->port;
    cc->src_addr = opts->src_addr ? zstrdup(opts->src_addr) : NULL;
    cc->peer_name = zstrdup(opts->peer_name ? opts->peer_name : opts->host);
    cc->verify_name = opts->verify_peer_name;
    cc->waits_in_poll = opts->waits_in_poll;
    cc->timer_id = -1;
    cc->ready = ready;
    cc->fail = fail;
    conn->connector = cc;

    if (conn->type == &connUnixType || connIsIpLiteral(opts->host)) {
        if (connectorStartTcp(conn, opts->host) != SOCK_OK) {
            snprintf(err, errlen, "%s", connGetLastErrorDefault(conn));
            connSocketStopConnect(conn);
            return SOCK_ERR;
        }
    } else {
        cc->req = connResolveStart(el, opts->host, connectorResolved, conn);
        if (cc->req == NULL) {
            snprintf(err, errlen, "Cannot resolve '%s': %s", opts->host,
                     strerror(errno));
            connSetLastError(conn, errno, err);
            connSocketStopConnect(conn);
            return SOCK_ERR;
        }
    }
    if (opts->timeout_ms > 0) {
        cc->timer_id = aeCreateTimeEvent(el, opts->timeout_ms, connectorTimeout,
                                         conn, NULL);
        if (cc->timer_id == AE_ERR) cc->timer_id = -1;
    }
    return SOCK_OK;
}

/* See connection.h. */
void connSocketStopConnect(connection *conn) {
    connConnector *cc = conn->connector;
    if (!cc) return;
    if (cc->timer_id != -1 && connGetEventLoop())
        aeDeleteTimeEvent(connGetEventLoop(), cc->timer_id);
    connResolveCancel(cc->req);
    zfree(cc->host);
    zfree(cc->src_addr);
    zfree(cc->peer_name);
    zfree(cc);
    conn->connector = NULL;
}

/* See connection.h. */
const char *connConnectorHost(connection *conn) {
    return conn->connector ? conn->connector->host : NULL;
}

/* See connection.h. */
int connConnectorPort(connection *conn) {
    return conn->connector ? conn->connector->port : 0;
}

/* See connection.h. */
const char *connConnectorPeerName(connection *conn) {
    return conn->connector ? conn->connector->peer_name : NULL;
}

/* See connection.h. */
int connConnectorVerifyName(connection *conn) {
    return conn->connector ? conn->connector->verify_name : -1;
}

/* See connection.h. */
int connConnectorWaitsInPoll(connection *conn) {
    return conn->connector ? conn->connector->waits_in_poll : 0;
}

static ConnectionType connTcpType = {
    .name = CONN_TYPE_SOCKET,
    .is_tls = 0,
    .listen = connSocketListenTcp,
    .closeListener = connSocketCloseListener,
    .create = sockCreateTcp,
    .createAccepted = sockCreateAcceptedTcp,
    .connect = sockConnect,
    .accept = sockAccept,
    .write = sockWrite,
    .writev = sockWritev,
    .read = sockRead,
    .close = sockClose,
    .setWriteHandler = sockSetWriteHandler,
    .setReadHandler = sockSetReadHandler,
    .getLastError = connGetLastErrorDefault,
    .hasPendingData = NULL,
    .processPendingData = NULL,
    .getPeerCertSubject = NULL,
    .getPeerCertSANs = NULL,
    .getProtocol = NULL,
    .getCipher = NULL,
};

static ConnectionType connUnixType = {
    .name = CONN_TYPE_UNIX,
    .is_tls = 0,
    .listen = sockListenUnix,
    .closeListener = connSocketCloseListener,
    .create = sockCreateUnix,
    .createAccepted = sockCreateAcceptedUnix,
    .connect = sockConnect,
    .accept = sockAccept,
    .write = sockWrite,
    .writev = sockWritev,
    .read = sockRead,
    .close = sockClose,
    .setWriteHandler = sockSetWriteHandler,
    .setReadHandler = sockSetReadHandler,
    .getLastError = connGetLastErrorDefault,
    .hasPendingData = NULL,
    .processPendingData = NULL,
    .getPeerCertSubject = NULL,
    .getPeerCertSANs = NULL,
    .getProtocol = NULL,
    .getCipher = NULL,
};

/* Registers the "tcp" and "unix" connection types. Calling it again does
 * nothing. The types are static; the registry only points at them. */
void connSocketInit(void) {
    if (connTypeByName(CONN_TYPE_SOCKET) == NULL)
        connTypeRegister(&connTcpType);
    if (connTypeByName(CONN_TYPE_UNIX) == NULL) connTypeRegister(&connUnixType);
}
