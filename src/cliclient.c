/* cliclient.c: the RESP client library shared by redis-cli and
 * redis-benchmark.
 *
 * Owns: one event loop for the tools (cliEventLoop), the reply parser and
 * the blocking helpers of a cliClient (write everything, read one reply),
 * which wait in poll on the client's own descriptor.
 * Must not touch: OpenSSL (the TLS type in tls.c does the TLS work; this
 * file only hands it a tlsSettings structure) or any server global.
 * Invariants: a cliClient's ibuf holds unparsed reply bytes from ipos on;
 * a reply handed out is owned by the caller (cliReplyFree). */
#include "cliclient.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae.h"
#include "connection.h"
#include "tls.h"
#include "util.h"
#include "zmalloc.h"

#define CLI_READ_CHUNK (64 * 1024)

static aeEventLoop *cli_el = NULL;
static int cli_tls_ready = 0;

/* ------------------------------------------------------------------------
 * Replies: resp.c's parser with the tools' limits.
 * --------------------------------------------------------------------- */

/* Frees <r> and everything below it; NULL is a no-op. */
void cliReplyFree(cliReply *r) {
    respReplyFree(r);
}

/* Parses one reply from the <len> bytes of <buf>. On CLI_PARSE_OK *out
 * gets the reply (the caller frees it) and *consumed the bytes it used;
 * attribute replies (RESP3 '|') are skipped, as they annotate the reply
 * after them. On CLI_PARSE_MORE nothing is consumed; on CLI_PARSE_ERROR
 * <err> (<errlen> bytes) says why. */
cliParseStatus cliParseReply(const char *buf, size_t len, size_t *consumed,
                             cliReply **out, char *err, size_t errlen) {
    static const respReplyLimits lim = {CLI_MAX_BULK, CLI_MAX_ELEMENTS,
                                        CLI_MAX_NESTING};
    const char *why = NULL;

    switch (respReplyParse(buf, len, &lim, consumed, out, &why)) {
    case RESP_OK:
        return CLI_PARSE_OK;
    case RESP_NEED_MORE:
        return CLI_PARSE_MORE;
    default:
        if (errlen) snprintf(err, errlen, "%s", why ? why : "protocol error");
        return CLI_PARSE_ERROR;
    }
}

/* ------------------------------------------------------------------------
 * Connections.
 * --------------------------------------------------------------------- */

/* The tools' event loop, created with the plain connection types on first
 * use. Every connection of the process runs on it. */
struct aeEventLoop *cliEventLoop(void) {
    if (cli_el == NULL) {
        cli_el = aeCreateEventLoop(16384);
        connInit(cli_el);
        connSocketInit();
    }
    return cli_el;
}

/* Builds the TLS type's client context from the TLS fields of <o> (CA
 * file or directory, client certificate and key, ciphers). Returns C_OK,
 * or C_ERR with a one-line reason in <err>. Called once per process; later
 * calls are no-ops. */
int cliTlsSetup(const cliConnOptions *o, char *err, size_t errlen) {
    tlsSettings s;

    if (cli_tls_ready) return C_OK;
    if (!tlsIsBuilt()) {
        snprintf(err, errlen, "TLS support was not built in (BUILD_TLS=yes)");
        return C_ERR;
    }
    cliEventLoop();
    tlsInit();
    memset(&s, 0, sizeof(s));
    s.ca_cert_file = (char *)o->cacert;
    s.ca_cert_dir = (char *)o->cacertdir;
    s.client_cert_file = (char *)o->cert;
    s.client_key_file = (char *)o->key;
    s.ciphers = (char *)o->ciphers;
    s.ciphersuites = (char *)o->ciphersuites;
    s.session_caching = 1;
    s.client_skip_verify = o->insecure;
    s.client_no_resume = o->no_resume;
    if ((o->cert == NULL) != (o->key == NULL)) {
        snprintf(err, errlen, "--cert and --key must be given together");
        return C_ERR;
    }
    if (tlsConfigure(&s, err, errlen) != 0) return C_ERR;
    cli_tls_ready = 1;
    return C_OK;
}

static void cliConnectDone(connection *conn) {
    int *done = connGetPrivateData(conn);
    *done = 1;
}

static int cliDeadlineProc(struct aeEventLoop *el, long long id, void *data) {
    (void)el;
    (void)id;
    *(int *)data = 1;
    return AE_NOMORE;
}

/* Writes the reason a connection failed into <err>: TCP-level failures
 * as the system's text, TLS handshake failures in the form Redis's tools
 * use ("SSL_connect failed: <reason>"). */
static void cliConnectError(connection *conn, char *err, size_t errlen) {
    const char *why = connGetLastError(conn);

    if (why == NULL || why[0] == '\0') why = "Connection failed";
    /* The layer adds the verification failure's reason; Redis 7.0's tools
     * print OpenSSL's short form, and so do ours. */
    if (!strncmp(why, "certificate verify failed:", 26))
        why = "certificate verify failed";
    if (connIsTLS(conn) &&
        !(conn->last_errno && !strcmp(why, strerror(conn->last_errno))))
        snprintf(err, errlen, "SSL_connect failed: %s", why);
    else
        snprintf(err, errlen, "%s", why);
}

/* Opens a connection as <o> says and waits (in the tools' event loop) until
 * it is ready, including the TLS handshake. Returns a client the caller
 * frees with cliClientFree, or NULL with a one-line reason in <err>. */
cliClient *cliConnect(const cliConnOptions *o, char *err, size_t errlen) {
    aeEventLoop *el = cliEventLoop();
    ConnectionType *ct;
    connConnectOptions co;
    connection *conn;
    int done = 0, timed_out = 0;
    long long timer = -1;
    cliClient *c;

    if (o->unixsocket) {
        ct = connTypeOfUnix();
    } else if (o->tls) {
        if (cliTlsSetup(o, err, errlen) != C_OK) return NULL;
        ct = connTypeOfTls();
    } else {
        ct = connTypeOfSocket();
    }
    if (ct == NULL) {
        snprintf(err, errlen, "connection type not available");
        return NULL;
    }
    memset(&co, 0, sizeof(co));
    co.host = o->unixsocket ? o->unixsocket : (o->host ? o->host : "127.0.0.1");
    co.port = o->port ? o->port : 6379;
    co.peer_name = o->sni;
    co.timeout_ms = o->timeout_ms;
    co.verify_peer_name = -1;
    conn = connCreate(ct);
    connSetPrivateData(conn, &done);
    if (connConnect(conn, &co, cliConnectDone) != 0) {
        cliConnectError(conn, err, errlen);
        connClose(conn);
        return NULL;
    }
    if (o->timeout_ms > 0)
        timer = aeCreateTimeEvent(el, o->timeout_ms, cliDeadlineProc,
                                  &timed_out, NULL);
    while (!done && !timed_out)
        aeProcessEvents(el, AE_FILE_EVENTS | AE_TIME_EVENTS);
    if (timer != -1 && !timed_out) aeDeleteTimeEvent(el, timer);
    connSetPrivateData(conn, NULL);
    if (!done) {
        snprintf(err, errlen, "Connection timed out");
        connClose(conn);
        return NULL;
    }
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        cliConnectError(conn, err, errlen);
        connClose(conn);
        return NULL;
    }
    if (!o->unixsocket) connEnableTcpNoDelay(conn);
    c = zcalloc(sizeof(*c));
    c->conn = conn;
    c->ibuf = sdsEmpty();
    return c;
}

/* Closes <c>'s connection and frees it; NULL is a no-op. */
void cliClientFree(cliClient *c) {
    if (c == NULL) return;
    if (c->conn) connClose(c->conn);
    sdsFree(c->ibuf);
    zfree(c);
}

/* Waits up to <timeout_ms> (negative: forever) for <c>'s socket to become
 * readable. Returns 1 if readable, 0 on time-out, -1 on error. */
int cliWaitReadable(cliClient *c, long long timeout_ms) {
    int m = aeWait(connGetFd(c->conn), AE_READABLE, timeout_ms);
    if (m < 0) return errno == EINTR ? 0 : -1;
    return m ? 1 : 0;
}

/* Writes all <len> bytes of <buf> to <c>, waiting for the socket as
 * needed. Returns C_OK, or C_ERR with the reason in c->err. */
int cliWriteAll(cliClient *c, const char *buf, size_t len) {
    size_t off = 0;

    while (off < len) {
        ssize_t n = connWrite(c->conn, buf + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (connGetState(c->conn) != CONN_STATE_CONNECTED) {
            snprintf(c->err, sizeof(c->err), "%s",
                     connGetState(c->conn) == CONN_STATE_CLOSED
                         ? "Server closed the connection"
                         : connGetLastError(c->conn));
            return C_ERR;
        }
        if (aeWait(connGetFd(c->conn), AE_WRITABLE | AE_READABLE, -1) < 0 &&
            errno != EINTR) {
            snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
            return C_ERR;
        }
    }
    return C_OK;
}

/* Reads what the connection has now into c->ibuf. Returns bytes read
 * (> 0), 0 if nothing is there yet, or -1 on end of stream or error
 * (reason in c->err). */
static ssize_t cliReadSome(cliClient *c) {
    ssize_t n;

    if (c->ipos > 0 && c->ipos == sdsLen(c->ibuf)) {
        sdsClear(c->ibuf);
        c->ipos = 0;
    } else if (c->ipos > 1024 * 1024) {
        sdsRange(c->ibuf, (ssize_t)c->ipos, -1);
        c->ipos = 0;
    }
    c->ibuf = sdsMakeRoomFor(c->ibuf, CLI_READ_CHUNK);
    n = connRead(c->conn, c->ibuf + sdsLen(c->ibuf), CLI_READ_CHUNK);
    if (n > 0) {
        sdsIncrLen(c->ibuf, n);
        return n;
    }
    if (n == 0 || connGetState(c->conn) == CONN_STATE_CLOSED) {
        snprintf(c->err, sizeof(c->err), "Server closed the connection");
        return -1;
    }
    if (connGetState(c->conn) != CONN_STATE_CONNECTED) {
        snprintf(c->err, sizeof(c->err), "%s", connGetLastError(c->conn));
        return -1;
    }
    return 0;
}

/* 1 if bytes of a reply are already buffered in <c> (so a read would not
 * need to wait), else 0. */
int cliPendingInput(cliClient *c) {
    return sdsLen(c->ibuf) > c->ipos;
}

/* Reads one reply from <c>, waiting up to <timeout_ms> between arriving
 * bytes (negative: forever). Returns C_OK with *out set (caller frees), or
 * C_ERR with c->err set (closed, protocol error, time-out). */
int cliReadReply(cliClient *c, long long timeout_ms, cliReply **out) {
    for (;;) {
        size_t used;
        ssize_t n;
        char perr[128];
        cliParseStatus st;

        if (sdsLen(c->ibuf) > c->ipos) {
            st = cliParseReply(c->ibuf + c->ipos, sdsLen(c->ibuf) - c->ipos,
                               &used, out, perr, sizeof(perr));
            if (st == CLI_PARSE_OK) {
                c->ipos += used;
                return C_OK;
            }
            if (st == CLI_PARSE_ERROR) {
                snprintf(c->err, sizeof(c->err), "Protocol error: %s", perr);
                return C_ERR;
            }
        }
        /* Drain what the socket holds before parsing again, so a big reply
         * is not re-parsed once per small read. */
        while ((n = cliReadSome(c)) > 0) {
        }
        /* What arrived before an end of stream is still parsed: a server
         * that sent garbage and closed gets a protocol error. */
        if (sdsLen(c->ibuf) > c->ipos) {
            st = cliParseReply(c->ibuf + c->ipos, sdsLen(c->ibuf) - c->ipos,
                               &used, out, perr, sizeof(perr));
            if (st == CLI_PARSE_OK) {
                c->ipos += used;
                return C_OK;
            }
            if (st == CLI_PARSE_ERROR) {
                snprintf(c->err, sizeof(c->err), "Protocol error: %s", perr);
                return C_ERR;
            }
        }
        if (n < 0) return C_ERR;
        int w = cliWaitReadable(c, timeout_ms);
        if (w < 0) {
            snprintf(c->err, sizeof(c->err), "%s", strerror(errno));
            return C_ERR;
        }
        if (w == 0 && timeout_ms >= 0) {
            snprintf(c->err, sizeof(c->err), "%s", CLI_ERR_TIMEOUT);
            return C_ERR;
        }
    }
}

/* Appends to <out> the RESP multibulk request of <argc> arguments <argv>
 * (lengths in <lens>, or strlen when <lens> is NULL). Returns <out>. */
sds cliFormatCommandArgv(sds out, int argc, char **argv, const size_t *lens) {
    out = sdsCatPrintf(out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t l = lens ? lens[i] : strlen(argv[i]);
        out = sdsCatPrintf(out, "$%zu\r\n", l);
        out = sdsCatLen(out, argv[i], l);
        out = sdsCatLen(out, "\r\n", 2);
    }
    return out;
}

/* Sends one command and waits for its reply. Returns the reply (caller
 * frees) or NULL with c->err set. */
cliReply *cliCommandArgv(cliClient *c, int argc, char **argv,
                         const size_t *lens) {
    sds req = cliFormatCommandArgv(sdsEmpty(), argc, argv, lens);
    cliReply *r = NULL;
    int ok = cliWriteAll(c, req, sdsLen(req));

    sdsFree(req);
    if (ok != C_OK) return NULL;
    if (cliReadReply(c, -1, &r) != C_OK) return NULL;
    return r;
}

int cliArgvFromList(char **argv, int max, const char *first, va_list ap) {
    int argc = 0;
    const char *a = first;

    while (a != NULL && argc < max) {
        argv[argc++] = (char *)a;
        a = va_arg(ap, const char *);
    }
    return argc;
}

/* Like cliCommandArgv with NUL-terminated arguments given as a NULL-ended
 * list, e.g. cliCommand(c, "SCAN", "0", NULL). */
cliReply *cliCommand(cliClient *c, const char *first, ...) {
    char *argv[32];
    va_list ap;

    va_start(ap, first);
    int argc = cliArgvFromList(argv, 32, first, ap);
    va_end(ap);
    return cliCommandArgv(c, argc, argv, NULL);
}
