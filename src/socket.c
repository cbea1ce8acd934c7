/* socket.c: the plain connection types, "tcp" and "unix".
 *
 * Owns: the connection structs it creates, their descriptors and their
 * event registrations, and the listening sockets of "tcp"/"unix"
 * listeners. Together with tls.c and anet.c the only code that reads or
 * writes a network descriptor.
 * Must not touch: the owner's data behind conn->private_data, or TLS.
 *
 * Invariants:
 * - A connection's fd is registered for AE_READABLE exactly while it has a
 *   read handler, and for AE_WRITABLE while it has a write handler or is
 *   still connecting; the ae clientData of the fd is the connection.
 * - Handlers run through connCallHandler; a connClose inside one closes the
 *   fd and drops the registrations at once but frees the struct only when
 *   the outermost handler returns. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ae.h"
#include "anet.h"
#include "connection.h"
#include "zmalloc.h"

#define SOCK_OK 0
#define SOCK_ERR -1
/* Connections accepted per listener event, so one busy listener cannot
 * starve the rest of the loop. */
#define SOCK_MAX_ACCEPTS_PER_CALL 1000

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
        if (sockerr) {
            conn->last_errno = sockerr;
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

static int sockConnect(connection *conn, const connConnectOptions *opts,
                       ConnectionCallbackFunc connect_handler) {
    const char *addr = opts->host;
    int port = opts->port;
    const char *src_addr = opts->src_addr;
    struct aeEventLoop *el = connGetEventLoop();
    int fd;
    if (conn->fd != -1) return SOCK_ERR;
    if (el == NULL) {
        conn->last_errno = EINVAL;
        conn->state = CONN_STATE_ERROR;
        return SOCK_ERR;
    }
    if (conn->type == &connUnixType)
        fd = anetUnixNonBlockConnect(NULL, addr);
    else
        fd = anetTcpNonBlockBindConnect(NULL, addr, port, src_addr);
    if (fd == -1) {
        conn->last_errno = errno;
        conn->state = CONN_STATE_ERROR;
        return SOCK_ERR;
    }
    conn->fd = fd;
    conn->state = CONN_STATE_CONNECTING;
    conn->conn_handler = connect_handler;
    if (aeCreateFileEvent(el, fd, AE_WRITABLE, sockEventHandler, conn) ==
        AE_ERR) {
        conn->last_errno = errno;
        conn->state = CONN_STATE_ERROR;
        conn->conn_handler = NULL;
        close(fd);
        conn->fd = -1;
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

static void sockClose(connection *conn) {
    struct aeEventLoop *el = connGetEventLoop();
    if (conn->fd != -1) {
        if (el) aeDeleteFileEvent(el, conn->fd, AE_READABLE | AE_WRITABLE);
        close(conn->fd);
        conn->fd = -1;
    }
    conn->read_handler = NULL;
    conn->write_handler = NULL;
    conn->conn_handler = NULL;
    /* Inside one of its handlers: the outermost connCallHandler frees. */
    if (connHasRefs(conn)) {
        conn->flags |= CONN_FLAG_CLOSE_SCHEDULED;
        return;
    }
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

static const char *sockGetLastError(connection *conn) {
    return strerror(conn->last_errno);
}

/* Wraps an accepted <fd> into a connection in CONN_STATE_ACCEPTING and
 * hands it to the listener's owner, who then owns it. */
static void sockDeliverAccepted(connListener *l, ConnectionType *ct, int fd,
                                const char *ip, int port) {
    if (ct == &connTcpType) anetEnableTcpNoDelay(NULL, fd);
    connection *conn = sockCreateOfType(ct);
    conn->fd = fd;
    conn->state = CONN_STATE_ACCEPTING;
    if (l->accepted)
        l->accepted(conn, ip, port);
    else
        sockClose(conn);
}

/* Accepts what is pending on a listening fd. EAGAIN ends the round; so
 * does any other failure (EMFILE, ENOBUFS...): the level-triggered event
 * fires again on the next iteration. A connection aborted before it was
 * accepted is just skipped. */
static void sockAcceptHandler(struct aeEventLoop *el, int fd, void *clientData,
                              int mask) {
    connListener *l = clientData;
    int is_unix = (l->ct == &connUnixType);
    (void)el;
    (void)mask;
    for (int n = 0; n < SOCK_MAX_ACCEPTS_PER_CALL; n++) {
        char ip[NET_IP_STR_LEN];
        int port = 0;
        int cfd;
        if (is_unix)
            cfd = anetUnixAccept(NULL, fd);
        else
            cfd = anetTcpAccept(NULL, fd, ip, sizeof(ip), &port);
        if (cfd == ANET_ERR) {
            if (errno == ECONNABORTED) continue;
            return;
        }
        sockDeliverAccepted(l, is_unix ? &connUnixType : &connTcpType, cfd,
                            is_unix ? l->unixpath : ip, port);
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
}

/* Registers listening socket <fd> as the next one of <l>; closes it and
 * returns SOCK_ERR if it cannot. */
static int sockAddListenFd(connListener *l, int fd, connAcceptProc *proc,
                           char *err, size_t errlen) {
    struct aeEventLoop *el = connGetEventLoop();
    if (l->count >= CONN_MAX_LISTEN_FDS) {
        snprintf(err, errlen, "too many listening sockets (max %d)",
                 CONN_MAX_LISTEN_FDS);
        close(fd);
        return SOCK_ERR;
    }
    if (aeCreateFileEvent(el, fd, AE_READABLE, proc, l) == AE_ERR) {
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
int connSocketListenTcp(connListener *l, connAcceptProc *proc, char *err,
                        size_t errlen) {
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
        if (sockAddListenFd(l, fd, proc, err, errlen) == SOCK_ERR) {
            connSocketCloseListener(l);
            return SOCK_ERR;
        }
    }
    return SOCK_OK;
}

static int sockListenTcp(connListener *l, char *err, size_t errlen) {
    return connSocketListenTcp(l, sockAcceptHandler, err, errlen);
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
    return sockAddListenFd(l, fd, sockAcceptHandler, err, errlen);
}

static ConnectionType connTcpType = {
    .name = CONN_TYPE_SOCKET,
    .is_tls = 0,
    .listen = sockListenTcp,
    .closeListener = connSocketCloseListener,
    .create = sockCreateTcp,
    .connect = sockConnect,
    .accept = sockAccept,
    .write = sockWrite,
    .writev = sockWritev,
    .read = sockRead,
    .close = sockClose,
    .setWriteHandler = sockSetWriteHandler,
    .setReadHandler = sockSetReadHandler,
    .getLastError = sockGetLastError,
    .hasPendingData = NULL,
    .processPendingData = NULL,
    .getPeerCertSubject = NULL,
    .getProtocol = NULL,
    .getCipher = NULL,
};

static ConnectionType connUnixType = {
    .name = CONN_TYPE_UNIX,
    .is_tls = 0,
    .listen = sockListenUnix,
    .closeListener = connSocketCloseListener,
    .create = sockCreateUnix,
    .connect = sockConnect,
    .accept = sockAccept,
    .write = sockWrite,
    .writev = sockWritev,
    .read = sockRead,
    .close = sockClose,
    .setWriteHandler = sockSetWriteHandler,
    .setReadHandler = sockSetReadHandler,
    .getLastError = sockGetLastError,
    .hasPendingData = NULL,
    .processPendingData = NULL,
    .getPeerCertSubject = NULL,
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
