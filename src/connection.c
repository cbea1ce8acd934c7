/* connection.c: the registry of connection types and the helpers every
 * type shares.
 *
 * Owns: the table of registered ConnectionTypes (at most CONN_MAX_TYPES),
 * the event loop the connections run on, and the "handler under a
 * reference" rule (connCallHandler).
 * Must not touch: the bytes of a connection (the types in socket.c and
 * tls.c move them) nor any type's private state. Address and socket-option
 * helpers work on conn->fd through anet, so they hold for every type whose
 * transport is a socket. */
#include "connection.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>

#include "ae.h"
#include "anet.h"
#include "zmalloc.h"

#define CONN_MAX_TYPES 8

static struct aeEventLoop *connEventLoop = NULL;
static ConnectionType *connTypes[CONN_MAX_TYPES];
static int connTypeCount = 0;

/* Binds every connection type to the event loop <el>; call it before any
 * listen or connect. The loop stays owned by the caller. */
void connInit(struct aeEventLoop *el) {
    connEventLoop = el;
}

static void (*connLogger)(int level, const char *fmt, ...);

/* See connection.h. */
void connSetLogger(void (*logfn)(int level, const char *fmt, ...)) {
    connLogger = logfn;
}

/* Formats one log line of the layer and hands it to the logger set with
 * connSetLogger (nothing happens without one). */
void connLog(int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;

    if (!connLogger) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    connLogger(level, "%s", msg);
}

/* See connection.h. */
void connSetLastError(connection *conn, int err, const char *text) {
    conn->last_errno = err;
    zfree(conn->last_error);
    conn->last_error = text ? zstrdup(text) : NULL;
}

/* See connection.h. */
const char *connGetLastErrorDefault(connection *conn) {
    if (conn->last_error) return conn->last_error;
    return strerror(conn->last_errno);
}

/* See connection.h. */
void connReleaseCommon(connection *conn) {
    connSocketStopConnect(conn);
    zfree(conn->last_error);
    conn->last_error = NULL;
}

/* Returns the event loop given to connInit (NULL before it). */
struct aeEventLoop *connGetEventLoop(void) {
    return connEventLoop;
}

/* Adds <ct> to the registry; <ct> must outlive the process's use of it.
 * Returns 0, or -1 if a type of the same name exists or the registry is
 * full. */
int connTypeRegister(ConnectionType *ct) {
    if (ct == NULL || ct->name == NULL) return -1;
    if (connTypeByName(ct->name) != NULL) return -1;
    if (connTypeCount >= CONN_MAX_TYPES) return -1;
    connTypes[connTypeCount++] = ct;
    return 0;
}

/* Returns the registered type called <name>, or NULL. */
ConnectionType *connTypeByName(const char *name) {
    if (name == NULL) return NULL;
    for (int i = 0; i < connTypeCount; i++)
        if (!strcmp(connTypes[i]->name, name)) return connTypes[i];
    return NULL;
}

/* The plain TCP type, or NULL if connSocketInit has not run. */
ConnectionType *connTypeOfSocket(void) {
    return connTypeByName(CONN_TYPE_SOCKET);
}

/* The unix socket type, or NULL if connSocketInit has not run. */
ConnectionType *connTypeOfUnix(void) {
    return connTypeByName(CONN_TYPE_UNIX);
}

/* The TLS type, or NULL when TLS was not built or not initialised. */
ConnectionType *connTypeOfTls(void) {
    return connTypeByName(CONN_TYPE_TLS);
}

/* Returns 1 if any registered type holds received data that its sockets
 * will not signal again (so the loop must not sleep), else 0. */
int connTypeHasPendingData(void) {
    for (int i = 0; i < connTypeCount; i++) {
        ConnectionType *ct = connTypes[i];
        if (ct->hasPendingData && ct->hasPendingData()) return 1;
    }
    return 0;
}

/* Runs the read handlers of connections with pending data, for every type
 * that has some. Returns how many handlers ran. */
int connTypeProcessPendingData(void) {
    int ret = 0;
    for (int i = 0; i < connTypeCount; i++) {
        ConnectionType *ct = connTypes[i];
        if (ct->processPendingData) ret += ct->processPendingData();
    }
    return ret;
}

/* Opens the sockets of listener <l> with its type and registers them in
 * the event loop. Returns 0, or -1 with a reason in <err> (<errlen>
 * bytes) and nothing left open. */
int connListen(connListener *l, char *err, size_t errlen) {
    if (l == NULL || l->ct == NULL || l->ct->listen == NULL) {
        if (err && errlen) {
            strncpy(err, "connection type cannot listen", errlen - 1);
            err[errlen - 1] = '\0';
        }
        return -1;
    }
    return l->ct->listen(l, err, errlen);
}

/* Unregisters and closes every socket of listener <l>. */
void connCloseListener(connListener *l) {
    if (l == NULL || l->ct == NULL || l->ct->closeListener == NULL) return;
    l->ct->closeListener(l);
}

/* Takes a reference on <conn>; returns the new count. */
int connIncrRefs(connection *conn) {
    return ++conn->refs;
}

/* Drops a reference on <conn>; returns the new count. It does not free:
 * connCallHandler carries out a close scheduled meanwhile. */
int connDecrRefs(connection *conn) {
    return --conn->refs;
}

/* Returns 1 while a handler of <conn> is running, else 0. */
int connHasRefs(connection *conn) {
    return conn->refs > 0;
}

/* Runs <handler> on <conn> under a reference, so a connClose inside it
 * only schedules the close. When the outermost reference goes away and a
 * close was scheduled, the connection is closed and freed here: the
 * function then returns 0 and <conn> must not be touched again. Returns 1
 * otherwise (also when <handler> is NULL). */
int connCallHandler(connection *conn, ConnectionCallbackFunc handler) {
    connIncrRefs(conn);
    if (handler) handler(conn);
    connDecrRefs(conn);
    if (conn->flags & CONN_FLAG_CLOSE_SCHEDULED) {
        if (!connHasRefs(conn)) conn->type->close(conn);
        return 0;
    }
    return 1;
}

/* Formats the peer (<remote> = 1) or local address of <conn> as "ip:port"
 * ("[ip]:port" for IPv6) into <buf> of <buf_len> bytes. Returns the
 * length, or -1 ("?:0" written). */
int connFormatAddr(connection *conn, char *buf, size_t buf_len, int remote) {
    if (conn->fd == -1) {
        if (buf_len) snprintf(buf, buf_len, "?:0");
        return -1;
    }
    return anetFormatFdAddr(conn->fd, buf, buf_len, remote);
}

/* Writes the peer's numeric address into <ip> (<ip_len> bytes) and its
 * port into <port>. Returns 0, or -1 ("?" and 0 written). */
int connAddrPeerName(connection *conn, char *ip, size_t ip_len, int *port) {
    if (conn->fd == -1) {
        if (ip && ip_len >= 2) memcpy(ip, "?", 2);
        if (port) *port = 0;
        return -1;
    }
    return anetFdToString(conn->fd, ip, ip_len, port, 1) == ANET_OK ? 0 : -1;
}

/* Like connAddrPeerName for the local end of <conn>. */
int connAddrSockName(connection *conn, char *ip, size_t ip_len, int *port) {
    if (conn->fd == -1) {
        if (ip && ip_len >= 2) memcpy(ip, "?", 2);
        if (port) *port = 0;
        return -1;
    }
    return anetFdToString(conn->fd, ip, ip_len, port, 0) == ANET_OK ? 0 : -1;
}

/* Makes the socket of <conn> blocking (for the command-line tools, and
 * the Lua debugger's session, which owns its client while it runs).
 * Returns 0 or -1. */
int connBlock(connection *conn) {
    if (conn->fd == -1) return -1;
    return anetBlock(NULL, conn->fd) == ANET_OK ? 0 : -1;
}

/* Makes the socket of <conn> non-blocking. Returns 0 or -1. */
int connNonBlock(connection *conn) {
    if (conn->fd == -1) return -1;
    return anetNonBlock(NULL, conn->fd) == ANET_OK ? 0 : -1;
}

/* Marks <conn> as handed over to another process (a forked child now
 * speaks on it): its close then only releases this process's copy of the
 * descriptor and of the TLS state, sending nothing to the peer (no TLS
 * close_notify, which would end the child's session). */
void connForget(connection *conn) {
    conn->state = CONN_STATE_CLOSED;
}

/* Disables Nagle's algorithm on <conn>. Returns 0 or -1. */
int connEnableTcpNoDelay(connection *conn) {
    if (conn->fd == -1) return -1;
    return anetEnableTcpNoDelay(NULL, conn->fd) == ANET_OK ? 0 : -1;
}

/* Enables Nagle's algorithm on <conn> again (repl-disable-tcp-nodelay:
 * fewer, larger packets to replicas at the cost of latency). Returns 0,
 * or -1 without a socket or on a unix socket. */
int connDisableTcpNoDelay(connection *conn) {
    if (conn->fd == -1) return -1;
    return anetDisableTcpNoDelay(NULL, conn->fd) == ANET_OK ? 0 : -1;
}

/* Enables TCP keepalive on <conn> (see anetKeepAlive). Returns 0 or -1. */
int connKeepAlive(connection *conn, int interval) {
    if (conn->fd == -1) return -1;
    return anetKeepAlive(NULL, conn->fd, interval) == ANET_OK ? 0 : -1;
}

/* Bounds blocking sends on <conn> to <ms> milliseconds. Returns 0 or -1. */
int connSendTimeout(connection *conn, long long ms) {
    if (conn->fd == -1) return -1;
    return anetSendTimeout(NULL, conn->fd, ms) == ANET_OK ? 0 : -1;
}

/* Bounds blocking receives on <conn> to <ms> milliseconds. Returns 0 or -1. */
int connRecvTimeout(connection *conn, long long ms) {
    if (conn->fd == -1) return -1;
    return anetRecvTimeout(NULL, conn->fd, ms) == ANET_OK ? 0 : -1;
}
