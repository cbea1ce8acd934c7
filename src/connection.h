/* connection: the one interface through which every network byte flows.
 *
 * A connection has a type (a table of operations: plain TCP/unix in
 * socket.c, TLS in tls.c), a state, a file descriptor, the last error and a
 * read and a write handler. Upper layers (networking, replication, Sentinel,
 * cluster) only use the conn* functions below and never learn which type
 * they hold.
 *
 * Ownership and handler rules, which every type keeps:
 * - Handlers run "under a reference": while a handler runs, connClose() only
 *   marks the connection (CONN_FLAG_CLOSE_SCHEDULED); the type frees it when
 *   the outermost handler returns. So a handler may close its own
 *   connection, but must not touch it after closing.
 * - connRead/connWrite/connWritev return bytes moved (> 0), 0 at end of
 *   stream (read) , or -1. After -1 the caller looks at connGetState():
 *   still CONN_STATE_CONNECTED means "try again later" (nothing is lost; a
 *   write must then be retried with the same bytes), CONN_STATE_ERROR means
 *   the connection failed and connGetLastError() says why. Callers never
 *   look at errno.
 * - The accept and connect callbacks run once, when the connection is
 *   ready for I/O (for TLS: after the handshake) or has failed; the callback
 *   checks connGetState(). connAccept/connConnect return -1 only when the
 *   callback was not run and never will be (the caller cleans up); once the
 *   callback has run, even if it closed the connection, they return 0.
 *
 * - connClose is the same for every type: inside a handler it only
 *   schedules the close (descriptor, registrations and memory go when the
 *   outermost handler returns); outside, it releases everything at once.
 * - Setting a handler can fail (the descriptor does not fit the event
 *   loop): connSetReadHandler/connSetWriteHandler then return -1 and leave
 *   no handler installed; callers must check (the results are marked
 *   warn_unused_result). Clearing a handler cannot fail.
 * - The layer logs only what no owner can (listener trouble such as
 *   running out of descriptors, rate-limited); a connection's failure is
 *   reported to its owner through the state and connGetLastError(), and
 *   the owner logs it once, with its own context (client id, role).
 *
 * Listeners: connListen() opens a connListener's sockets for a type and,
 * for every accepted connection, calls the listener's <accepted> callback
 * with a new connection in CONN_STATE_ACCEPTING; the owner then calls
 * connAccept() to run the type's handshake. Every TCP-based type shares
 * one accept loop (socket.c), taking at most <max_accepts> connections
 * per listening socket per event-loop turn. */
#ifndef CONNECTION_H
#define CONNECTION_H

#include <sys/types.h>
#include <sys/uio.h>

#include "sds.h"

struct aeEventLoop;
typedef struct connection connection;
typedef struct connListener connListener;
typedef struct ConnectionType ConnectionType;

typedef enum {
    CONN_STATE_NONE = 0,
    CONN_STATE_CONNECTING,
    CONN_STATE_ACCEPTING,
    CONN_STATE_CONNECTED,
    CONN_STATE_CLOSED,
    CONN_STATE_ERROR
} ConnectionState;

#define CONN_FLAG_CLOSE_SCHEDULED (1 << 0) /* close when handlers return */
#define CONN_FLAG_WRITE_BARRIER (1 << 1)   /* write handler before read */

#define CONN_TYPE_SOCKET "tcp"
#define CONN_TYPE_UNIX "unix"
#define CONN_TYPE_TLS "tls"

#define CONN_MAX_LISTEN_FDS 16
/* Accepts per listening socket per event-loop turn when the owner did not
 * set connListener.max_accepts. */
#define CONN_DEFAULT_MAX_ACCEPTS 1000

#define CONN_MUST_CHECK __attribute__((warn_unused_result))

/* Log levels of connLog: the server's LL_DEBUG .. LL_WARNING. */
#define CONN_LL_DEBUG 0
#define CONN_LL_VERBOSE 1
#define CONN_LL_NOTICE 2
#define CONN_LL_WARNING 3

typedef void (*ConnectionCallbackFunc)(connection *conn);

/* Where and how an outgoing connection goes (connConnect). Every link the
 * server opens (replication, Sentinel, the cluster bus, MIGRATE) fills one
 * of these; the strings are only read during the call (the connection keeps
 * its own copies). */
typedef struct connConnectOptions {
    const char *host;      /* as the user gave it: an IP literal, a DNS name
                            * (resolved without blocking the loop), or the
                            * socket path for the unix type */
    int port;
    const char *src_addr;  /* local address to bind first, or NULL */
    const char *peer_name; /* TLS: the name sent as SNI (unless it is an
                            * IP literal) and the one the peer's certificate
                            * must carry when names are verified; NULL =
                            * host */
    long long timeout_ms;  /* deadline for resolve + connect + handshake;
                            * 0 = none */
    int verify_peer_name;  /* TLS: -1 = as configured (tls-verify-peer-name),
                            * 0 = chain only, 1 = chain and name */
    int waits_in_poll;     /* the caller waits in poll() on this connection
                            * and never runs connTypeProcessPendingData
                            * (the tools): TLS then reads no further ahead
                            * than asked */
} connConnectOptions;

/* State of an outgoing connection until it is connected (socket.c). */
typedef struct connConnector connConnector;

struct ConnectionType {
    const char *name;
    int is_tls;

    /* Listener side. listen() opens every socket of <l> (l->fds) and
     * registers them with the event loop; closeListener() undoes that. */
    int (*listen)(connListener *l, char *err, size_t errlen);
    void (*closeListener)(connListener *l);

    /* An outgoing connection, not yet connected. */
    connection *(*create)(void);
    /* Wraps descriptor <fd> just accepted from <ip>:<port> into a
     * connection in CONN_STATE_ACCEPTING; NULL (and <fd> left to the
     * caller) if it cannot. Used by the shared accept loop. */
    connection *(*createAccepted)(int fd, const char *ip, int port);
    int (*connect)(connection *conn, const connConnectOptions *opts,
                   ConnectionCallbackFunc connect_handler);
    int (*accept)(connection *conn, ConnectionCallbackFunc accept_handler);

    ssize_t (*write)(connection *conn, const void *data, size_t len);
    ssize_t (*writev)(connection *conn, const struct iovec *iov, int iovcnt);
    ssize_t (*read)(connection *conn, void *buf, size_t len);
    void (*close)(connection *conn);
    int (*setWriteHandler)(connection *conn, ConnectionCallbackFunc handler,
                           int barrier);
    int (*setReadHandler)(connection *conn, ConnectionCallbackFunc handler);
    const char *(*getLastError)(connection *conn);

    /* Bytes already received and decrypted that the socket will not signal
     * again. hasPendingData() says if any connection of this type has them;
     * processPendingData() runs their read handlers and returns how many. */
    int (*hasPendingData)(void);
    int (*processPendingData)(void);

    /* TLS only (NULL elsewhere): the verified peer certificate's subject as
     * an sds in RFC 2253 form, NULL if none. Caller frees. */
    sds (*getPeerCertSubject)(connection *conn);
    /* TLS only: the peer certificate's subject alternative names, each as
     * "DNS:<name>", "IP:<address>", "URI:<uri>" or "email:<address>";
     * sets *<count>; NULL when there is no certificate or no SAN. Free
     * with sdsFreeSplitRes(). */
    sds *(*getPeerCertSANs)(connection *conn, int *count);
    /* TLS only: the negotiated protocol and cipher ("TLSv1.3", ...). */
    const char *(*getProtocol)(connection *conn);
    const char *(*getCipher)(connection *conn);
};

struct connection {
    ConnectionType *type;
    ConnectionState state;
    short int flags;
    short int refs;           /* handlers running on this connection */
    int last_errno;
    char *last_error;         /* zmalloc'ed reason, or NULL: see
                               * connSetLastError */
    int fd;
    void *private_data;       /* the owner's (e.g. its client) */
    ConnectionCallbackFunc conn_handler;
    ConnectionCallbackFunc write_handler;
    ConnectionCallbackFunc read_handler;
    connConnector *connector; /* while an outgoing connect is under way */
};

/* A set of listening sockets of one type on one port (or unix path). */
struct connListener {
    ConnectionType *ct;
    int port;                 /* TCP port; 0 = unused */
    char **bindaddr;          /* addresses to bind; NULL/0 = all ("* -::*") */
    int bindaddr_count;
    const char *unixpath;     /* unix socket path for CONN_TYPE_UNIX */
    mode_t unixperm;
    int backlog;
    int max_accepts;          /* per socket per loop turn; 0 = default */
    int fd[CONN_MAX_LISTEN_FDS];
    int count;
    int paused;               /* sockets unwatched after EMFILE... */
    long long resume_timer;   /* ...until this timer fires (if paused) */
    /* Called with each accepted connection (state CONN_STATE_ACCEPTING) and
     * the peer's address text; the callee owns the connection. */
    void (*accepted)(connection *conn, const char *ip, int port);
};

/* Registry and event loop binding. */
void connInit(struct aeEventLoop *el);
/* Where the layer's own log lines go (level: the server's LL_* values);
 * NULL makes it silent. */
void connSetLogger(void (*logfn)(int level, const char *fmt, ...));
__attribute__((format(printf, 2, 3))) void connLog(int level, const char *fmt,
                                                   ...);
/* Registers the plain "tcp" and "unix" types (socket.c). Idempotent. */
void connSocketInit(void);
struct aeEventLoop *connGetEventLoop(void);
int connTypeRegister(ConnectionType *ct);
ConnectionType *connTypeByName(const char *name);
ConnectionType *connTypeOfSocket(void);
ConnectionType *connTypeOfUnix(void);
ConnectionType *connTypeOfTls(void);   /* NULL when built without TLS */
/* Asks every registered type whether it has pending data. */
int connTypeHasPendingData(void);
/* Runs pending data handlers for every type; returns how many ran. */
int connTypeProcessPendingData(void);

/* The listening side shared by the TCP-based types (socket.c): binds every
 * address of <l> (default "*" and optional "-::*"; a '-' prefix makes an
 * address optional when it does not exist here) on l->port and registers
 * the shared accept loop for each socket with <l> as its clientData, so
 * <l> must not move while it listens. A port of 0 opens nothing. 0, or -1
 * with <err> set and nothing left open. connSocketCloseListener undoes
 * it. */
int connSocketListenTcp(connListener *l, char *err, size_t errlen);
void connSocketCloseListener(connListener *l);

/* The outgoing side shared by the TCP-based types (socket.c). A type's
 * connect operation calls connSocketStartConnect: it keeps a copy of
 * <opts> in conn->connector, arms the deadline, resolves a host name on
 * the resolver thread (an IP literal skips it) and starts a non-blocking
 * TCP connect. <ready> then runs with conn->fd set and the connect in
 * progress (wait for writable), from inside this call for an IP literal
 * or from the event loop after resolution; it returns 0, or -1 after
 * failing the connection itself. <fail> runs from the event loop when
 * resolution fails or the deadline passes: it must put the connection in
 * CONN_STATE_ERROR with <reason> and run the owner's callback. Returns 0,
 * or -1 (reason in connGetLastError via <fail>'s type: see the callers)
 * when nothing could start; then neither hook runs. */
typedef int connReadyProc(connection *conn);
typedef void connFailProc(connection *conn, int err, const char *reason);
int connSocketStartConnect(connection *conn, const connConnectOptions *opts,
                           connReadyProc *ready, connFailProc *fail,
                           char *err, size_t errlen);
/* Ends what connSocketStartConnect started (deadline, resolution, copies);
 * types call it once connected, failed or closed. Safe to repeat. */
void connSocketStopConnect(connection *conn);
/* The host, expected peer name and name-verification wish of a connection
 * being connected (NULL / -1 once connected). */
const char *connConnectorHost(connection *conn);
int connConnectorPort(connection *conn);
const char *connConnectorPeerName(connection *conn);
int connConnectorVerifyName(connection *conn);
int connConnectorWaitsInPoll(connection *conn);
/* 1 if <host> is an IPv4 or IPv6 literal. */
int connIsIpLiteral(const char *host);
/* Replaces name resolution (getaddrinfo on the resolver thread) with
 * <fn>, which writes one numeric address of <host> into <ip> (<iplen>
 * bytes) and returns 0, or returns -1 with a reason in <err>. For tests
 * (a slow or failing resolver); NULL restores getaddrinfo. <fn> runs on
 * the resolver thread. */
typedef int connResolveFunc(const char *host, char *ip, size_t iplen,
                            char *err, size_t errlen);
void connSetResolver(connResolveFunc *fn);

/* Listener helpers (dispatch on l->ct). */
CONN_MUST_CHECK int connListen(connListener *l, char *err, size_t errlen);
void connCloseListener(connListener *l);

/* Records why <conn> failed: <err> (an errno value, or 0) and <text> (copied;
 * NULL: strerror(<err>) will do). */
void connSetLastError(connection *conn, int err, const char *text);
/* The reason kept by connSetLastError: the text, else strerror(last_errno).
 * Types without more to say use it as their getLastError. */
const char *connGetLastErrorDefault(connection *conn);
/* Releases what the shared helpers keep in <conn> (the error text, the
 * connector); every type's close calls it before freeing <conn>. */
void connReleaseCommon(connection *conn);

/* Shared connection-level helpers used by the types (see connhelpers). */
int connIncrRefs(connection *conn);
int connDecrRefs(connection *conn);
int connHasRefs(connection *conn);
/* Calls <handler> under a reference; returns 0 if the connection was
 * closed (and freed) by the handler, 1 otherwise. */
int connCallHandler(connection *conn, ConnectionCallbackFunc handler);

/* The addresses of a connection, "ip:port" (or the unix path). */
int connFormatAddr(connection *conn, char *buf, size_t buf_len, int remote);
int connAddrPeerName(connection *conn, char *ip, size_t ip_len, int *port);
int connAddrSockName(connection *conn, char *ip, size_t ip_len, int *port);
int connBlock(connection *conn);
void connForget(connection *conn);
int connNonBlock(connection *conn);
int connEnableTcpNoDelay(connection *conn);
int connDisableTcpNoDelay(connection *conn);
int connKeepAlive(connection *conn, int interval);
int connSendTimeout(connection *conn, long long ms);
int connRecvTimeout(connection *conn, long long ms);

static inline connection *connCreate(ConnectionType *ct) {
    return ct->create();
}
/* Starts connecting <conn> as <opts> says; <connect_handler> runs exactly
 * once, from the event loop, when the connection is ready (state
 * CONNECTED; for TLS after the handshake) or failed (state ERROR,
 * connGetLastError() says why, including a missed deadline). Returns 0, or
 * -1 when the attempt could not even start: then the handler never runs
 * and the reason is in connGetLastError(). */
__attribute__((warn_unused_result)) static inline int
connConnect(connection *conn, const connConnectOptions *opts,
            ConnectionCallbackFunc connect_handler) {
    return conn->type->connect(conn, opts, connect_handler);
}
/* Runs the type's handshake on <conn> (state ACCEPTING); <h> runs once
 * when it finished or failed. Returns 0, or -1 when it could not start
 * (the handler never runs; the caller closes <conn>). */
CONN_MUST_CHECK static inline int connAccept(connection *conn,
                                             ConnectionCallbackFunc h) {
    return conn->type->accept(conn, h);
}
static inline ssize_t connWrite(connection *conn, const void *data, size_t len) {
    return conn->type->write(conn, data, len);
}
static inline ssize_t connWritev(connection *conn, const struct iovec *iov,
                                 int iovcnt) {
    return conn->type->writev(conn, iov, iovcnt);
}
static inline ssize_t connRead(connection *conn, void *buf, size_t len) {
    return conn->type->read(conn, buf, len);
}
CONN_MUST_CHECK static inline int
connSetWriteHandler(connection *conn, ConnectionCallbackFunc func) {
    return conn->type->setWriteHandler(conn, func, 0);
}
CONN_MUST_CHECK static inline int
connSetWriteHandlerWithBarrier(connection *conn, ConnectionCallbackFunc func,
                               int barrier) {
    return conn->type->setWriteHandler(conn, func, barrier);
}
CONN_MUST_CHECK static inline int connSetReadHandler(connection *conn,
                                                     ConnectionCallbackFunc f) {
    return conn->type->setReadHandler(conn, f);
}
/* Removes the read (write) handler; never fails. */
static inline void connClearReadHandler(connection *conn) {
    if (conn->type->setReadHandler(conn, NULL) != 0) conn->read_handler = NULL;
}
static inline void connClearWriteHandler(connection *conn) {
    if (conn->type->setWriteHandler(conn, NULL, 0) != 0)
        conn->write_handler = NULL;
}
static inline void connClose(connection *conn) {
    conn->type->close(conn);
}
static inline const char *connGetLastError(connection *conn) {
    return conn->type->getLastError(conn);
}
static inline ConnectionState connGetState(connection *conn) {
    return conn->state;
}
static inline int connHasWriteHandler(connection *conn) {
    return conn->write_handler != NULL;
}
static inline int connHasReadHandler(connection *conn) {
    return conn->read_handler != NULL;
}
static inline void connSetPrivateData(connection *conn, void *data) {
    conn->private_data = data;
}
static inline void *connGetPrivateData(connection *conn) {
    return conn->private_data;
}
static inline int connGetFd(connection *conn) {
    return conn->fd;
}
static inline const char *connGetTypeName(connection *conn) {
    return conn->type->name;
}
static inline int connIsTLS(connection *conn) {
    return conn && conn->type->is_tls;
}
static inline sds connGetPeerCertSubject(connection *conn) {
    return conn->type->getPeerCertSubject ? conn->type->getPeerCertSubject(conn)
                                          : NULL;
}
static inline sds *connGetPeerCertSANs(connection *conn, int *count) {
    *count = 0;
    return conn->type->getPeerCertSANs ? conn->type->getPeerCertSANs(conn, count)
                                       : NULL;
}

#endif
