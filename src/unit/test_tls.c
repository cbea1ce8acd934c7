/* test_tls: the TLS connection type end to end, over loopback, in one
 * event loop: a TLS listener with an echo server and TLS clients of the
 * same type, plus raw TCP peers for the negative cases.
 *
 * Certificates come from utils/gen-test-certs.sh in a temporary folder
 * that is removed at the end. Every wait is on a condition with a
 * deadline; the loop is kept awake by a 10 ms tick timer. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ae.h"
#include "../anet.h"
#include "../connection.h"
#include "../tls.h"
#include "../zmalloc.h"
#include "test_conn_help.h"
#include "test_help.h"


#define ECHO_TOTAL (1024 * 1024)
#define MAX_SERVER_CONNS 64
#define WAIT_MS 10000

static aeEventLoop *el;
static ConnectionType *tls;
static connListener listener;
static int port;
static char certdir[256];
static long long pending_runs; /* read handlers run from the pending list */
static char last_log[1024];

/* ---- helpers ---------------------------------------------------------- */

static long long nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tick(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    return 10;
}

/* One turn of the loop, as the server's beforeSleep would drive it. */
static void loopOnce(void) {
    pending_runs += connTypeProcessPendingData();
    aeProcessEvents(el, AE_ALL_EVENTS |
                            (connTypeHasPendingData() ? AE_DONT_WAIT : 0));
}

#define WAIT_FOR(cond, ms)                                                 \
    do {                                                                   \
        long long _deadline = nowMs() + (ms);                              \
        while (!(cond) && nowMs() < _deadline) loopOnce();                 \
    } while (0)

static void testLogger(int level, const char *fmt, ...) {
    va_list ap;
    int n = snprintf(last_log, sizeof(last_log), "[%d] ", level);
    va_start(ap, fmt);
    vsnprintf(last_log + n, sizeof(last_log) - n, fmt, ap);
    va_end(ap);
}

static char *certPath(char *buf, const char *name) {
    snprintf(buf, 512, "%s/%s", certdir, name);
    return buf;
}

static char p_ca[512], p_cert[512], p_key[512], p_cert2[512], p_key2[512],
    p_passkey[512], p_client_cert[512], p_client_key[512], p_other_ca[512],
    p_other_cert[512], p_other_key[512], p_dh[512], p_expired_cert[512],
    p_expired_key[512], p_cn_cert[512], p_cn_key[512];

/* Server settings: server.crt, CA ca.crt, no client authentication. */
static void baseSettings(tlsSettings *s) {
    memset(s, 0, sizeof(*s));
    s->cert_file = p_cert;
    s->key_file = p_key;
    s->ca_cert_file = p_ca;
    s->dh_params_file = p_dh;
    s->session_caching = 1;
    s->auth_clients = TLS_CLIENT_AUTH_NO;
    s->handshake_timeout = 10000;
}

/* Settings that only make a client context (no certificate). */
static void clientOnlySettings(tlsSettings *s, char *ca) {
    memset(s, 0, sizeof(*s));
    s->ca_cert_file = ca;
}

static int configure(const tlsSettings *s) {
    char err[512];
    int ret = tlsConfigure(s, err, sizeof(err));
    if (ret != 0) fprintf(stderr, "  tlsConfigure: %s\n", err);
    return ret;
}

static unsigned char pattern(size_t i) {
    return (unsigned char)((i * 7) ^ (i >> 9) ^ 0x5a);
}

/* ---- echo server ------------------------------------------------------ */

typedef struct server {
    connection *conn;
    char *out;        /* bytes to echo back, from outpos to outlen */
    size_t outlen, outpos, cap;
    int handshake;    /* 0 waiting, 1 ok, -1 failed */
    int write_retries;
    char err[512];
    char subject[256];
} server;

static server *servers[MAX_SERVER_CONNS];
static int nservers;
static int srv_ok, srv_failed;
static char srv_last_err[512];

static void serverRead(connection *conn);

static void serverFree(server *s) {
    int i;
    for (i = 0; i < nservers; i++) {
        if (servers[i] == s) {
            servers[i] = servers[--nservers];
            break;
        }
    }
    zfree(s->out);
    zfree(s);
}

static void serverClose(server *s) {
    connClose(s->conn);
    serverFree(s);
}

static void serverWrite(connection *conn);

/* Writes what it can; returns 0 if the connection was closed. */
static int serverFlush(server *s) {
    while (s->outpos < s->outlen) {
        ssize_t n = connWrite(s->conn, s->out + s->outpos, s->outlen - s->outpos);
        if (n > 0) {
            s->outpos += (size_t)n;
            continue;
        }
        if (connGetState(s->conn) != CONN_STATE_CONNECTED) {
            serverClose(s);
            return 0;
        }
        s->write_retries++;
        break;
    }
    if (s->outpos == s->outlen) {
        s->outpos = s->outlen = 0;
        connClearWriteHandler(s->conn);
    } else {
        MUST_OK(connSetWriteHandler(s->conn, serverWrite));
    }
    /* Back-pressure: stop reading while much is unsent. */
    if (s->outlen - s->outpos > 256 * 1024) {
        connClearReadHandler(s->conn);
    } else if (!connHasReadHandler(s->conn)) {
        MUST_OK(connSetReadHandler(s->conn, serverRead));
    }
    return 1;
}

static void serverWrite(connection *conn) {
    serverFlush(connGetPrivateData(conn));
}

/* Reads one small piece per call, as a server reads once per event: TLS
 * records are larger, so the rest waits on the pending list. */
static void serverRead(connection *conn) {
    server *s = connGetPrivateData(conn);
    char buf[1000];
    ssize_t n = connRead(conn, buf, sizeof(buf));

    if (n <= 0) {
        if (n == 0 || connGetState(conn) != CONN_STATE_CONNECTED) serverClose(s);
        return;
    }
    if (s->outpos > 0 && s->outpos == s->outlen) s->outpos = s->outlen = 0;
    if (s->outlen + (size_t)n > s->cap) {
        /* Moving the unsent bytes is allowed: the TLS type asks OpenSSL
         * to accept a moving write buffer. */
        s->cap = (s->outlen + (size_t)n) * 2;
        s->out = zrealloc(s->out, s->cap);
    }
    memcpy(s->out + s->outlen, buf, (size_t)n);
    s->outlen += (size_t)n;
    serverFlush(s);
}

static void serverHandshake(connection *conn) {
    server *s = connGetPrivateData(conn);
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        srv_failed++;
        s->handshake = -1;
        snprintf(srv_last_err, sizeof(srv_last_err), "%s",
                 connGetLastError(conn));
        serverClose(s);
        return;
    }
    srv_ok++;
    s->handshake = 1;
    sds subject = connGetPeerCertSubject(conn);
    if (subject) {
        snprintf(s->subject, sizeof(s->subject), "%s", subject);
        sdsFree(subject);
    }
    MUST_OK(connSetReadHandler(conn, serverRead));
}

static void serverAccepted(connection *conn, const char *ip, int cport) {
    server *s;
    (void)ip;
    (void)cport;
    if (nservers == MAX_SERVER_CONNS) {
        connClose(conn);
        return;
    }
    int sndbuf = 4096;
    setsockopt(connGetFd(conn), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    s = zcalloc(sizeof(*s));
    s->conn = conn;
    servers[nservers++] = s;
    connSetPrivateData(conn, s);
    if (connAccept(conn, serverHandshake) != 0) serverClose(s);
}

static void closeAllServers(void) {
    while (nservers) serverClose(servers[nservers - 1]);
}

/* ---- client ----------------------------------------------------------- */

typedef struct client {
    connection *conn;
    size_t total, sent, received, mismatches;
    int handshake;     /* 0 waiting, 1 ok, -1 failed */
    int closed;        /* read saw end of stream or error */
    int write_retries;
    char err[512];
    char subject[256];
    char protocol[32];
} client;

static void clientWrite(connection *conn);

static void clientRead(connection *conn) {
    client *c = connGetPrivateData(conn);
    unsigned char buf[777];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    ssize_t i;

    if (n <= 0) {
        if (n == 0 || connGetState(conn) != CONN_STATE_CONNECTED) {
            c->closed = 1;
            snprintf(c->err, sizeof(c->err), "%s",
                     n == 0 ? "closed" : connGetLastError(conn));
            connClearReadHandler(conn);
            connClearWriteHandler(conn);
        }
        return;
    }
    for (i = 0; i < n; i++)
        if (buf[i] != pattern(c->received + (size_t)i)) c->mismatches++;
    c->received += (size_t)n;
}

/* Sends the pattern in small pieces whose sizes depend only on the offset,
 * so a retry offers exactly the same bytes; every third piece goes out as
 * a writev of three buffers. */
static void clientWrite(connection *conn) {
    client *c = connGetPrivateData(conn);
    unsigned char buf[1600];
    int round;

    for (round = 0; round < 64 && c->sent < c->total; round++) {
        size_t len = 1 + (c->sent * 13 + 101) % 1500, i;
        ssize_t n;

        if (len > c->total - c->sent) len = c->total - c->sent;
        for (i = 0; i < len; i++) buf[i] = pattern(c->sent + i);
        if ((c->sent / 7) % 3 == 0 && len >= 3) {
            struct iovec iov[3];
            size_t a = len / 3, b = len / 2;
            iov[0].iov_base = buf;
            iov[0].iov_len = a;
            iov[1].iov_base = buf + a;
            iov[1].iov_len = b - a;
            iov[2].iov_base = buf + b;
            iov[2].iov_len = len - b;
            n = connWritev(conn, iov, 3);
        } else {
            n = connWrite(conn, buf, len);
        }
        if (n <= 0) {
            if (connGetState(conn) != CONN_STATE_CONNECTED) {
                c->closed = 1;
                connClearWriteHandler(conn);
            } else {
                c->write_retries++;
            }
            return;
        }
        c->sent += (size_t)n;
    }
    if (c->sent == c->total) connClearWriteHandler(conn);
}

static void clientConnected(connection *conn) {
    client *c = connGetPrivateData(conn);
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        c->handshake = -1;
        snprintf(c->err, sizeof(c->err), "%s", connGetLastError(conn));
        return;
    }
    c->handshake = 1;
    sds subject = connGetPeerCertSubject(conn);
    if (subject) {
        snprintf(c->subject, sizeof(c->subject), "%s", subject);
        sdsFree(subject);
    }
    snprintf(c->protocol, sizeof(c->protocol), "%s",
             tls->getProtocol(conn) ? tls->getProtocol(conn) : "?");
    MUST_OK(connSetReadHandler(conn, clientRead));
    if (c->total) MUST_OK(connSetWriteHandler(conn, clientWrite));
}

static client *clientStart(size_t total) {
    client *c = zcalloc(sizeof(*c));
    c->total = total;
    c->conn = connCreate(tls);
    connSetPrivateData(c->conn, c);
    if (testConnect(c->conn, "127.0.0.1", port, clientConnected) != 0) {
        c->handshake = -1;
        snprintf(c->err, sizeof(c->err), "%s", connGetLastError(c->conn));
    }
    return c;
}

static void clientFree(client *c) {
    if (!c) return;
    connClose(c->conn);
    zfree(c);
}

/* Sends <total> more pattern bytes on <c> and waits for their echo. */
static int clientEcho(client *c, size_t total) {
    c->total += total;
    MUST_OK(connSetWriteHandler(c->conn, clientWrite));
    WAIT_FOR(c->received >= c->total || c->closed, WAIT_MS * 3);
    return c->received == c->total && c->mismatches == 0 && !c->closed;
}

/* A raw TCP connection to the TLS port, blocking, for the negative cases. */
static int rawConnect(void) {
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(0x7f000001);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* 1 once the server closed raw <fd> (EOF or reset seen without waiting). */
static int rawClosed(int fd) {
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void fileSerial(const char *file, char *out, size_t len) {
    char cmd[700], line[256];
    FILE *fp;
    out[0] = '\0';
    snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -serial", file);
    fp = popen(cmd, "r");
    if (!fp) return;
    if (fgets(line, sizeof(line), fp) && strncmp(line, "serial=", 7) == 0) {
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(out, len, "%.100s", line + 7);
    }
    pclose(fp);
}

/* ---- tests ------------------------------------------------------------ */

TEST_CASE(test_config_errors) {
    tlsSettings s;
    char err[512];

    baseSettings(&s);
    s.protocols = "TLSv1.2 TLSv9";
    ASSERT_EQ_INT(tlsConfigure(&s, err, sizeof(err)), -1);
    ASSERT(strstr(err, "tls-protocols") && strstr(err, "TLSv9"));

    baseSettings(&s);
    s.cert_file = "/nonexistent/cert.pem";
    ASSERT_EQ_INT(tlsValidate(&s, err, sizeof(err)), -1);
    ASSERT(strstr(err, "tls-cert-file: /nonexistent/cert.pem: "));

    baseSettings(&s);
    s.ciphers = "NO-SUCH-CIPHER";
    ASSERT_EQ_INT(tlsValidate(&s, err, sizeof(err)), -1);
    ASSERT(strstr(err, "tls-ciphers"));

    baseSettings(&s);
    s.ca_cert_file = NULL;
    s.auth_clients = TLS_CLIENT_AUTH_YES;
    ASSERT_EQ_INT(tlsValidate(&s, err, sizeof(err)), -1);
    ASSERT(strstr(err, "tls-ca-cert-file"));

    baseSettings(&s);
    s.dh_params_file = p_ca;
    ASSERT_EQ_INT(tlsValidate(&s, err, sizeof(err)), -1);
    ASSERT(strstr(err, "tls-dh-params-file"));

    baseSettings(&s);
    ASSERT_EQ_INT(tlsValidate(&s, err, sizeof(err)), 0);
    ASSERT(!tlsIsConfigured()); /* validate installs nothing */
}

TEST_CASE(test_handshake_and_echo) {
    tlsSettings s;
    tlsStats before, after;
    tlsCertInfo info;
    client *c;
    long long start, ms;
    int sndbuf = 4096;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    ASSERT(tlsIsConfigured());
    ASSERT_EQ_INT(tlsGetCertInfo(&info), 0);
    ASSERT(strstr(info.subject, "CN=Server") != NULL);
    ASSERT(strstr(info.issuer, "CN=Certificate Authority") != NULL);
    ASSERT(info.serial[0] != '\0');
    ASSERT(info.not_after > (long long)time(NULL));

    tlsGetStats(&before);
    c = clientStart(0);
    ASSERT(c->handshake == 0);
    WAIT_FOR(c->handshake != 0 && srv_ok > 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT_EQ_INT(nservers, 1);
    ASSERT_EQ_STR(c->protocol, "TLSv1.3");
    ASSERT(tls->getCipher(c->conn) != NULL);
    ASSERT(strstr(c->subject, "CN=Server") != NULL);
    ASSERT(servers[0]->subject[0] == '\0'); /* no client cert asked */
    tlsGetStats(&after);
    ASSERT_EQ_INT(after.handshakes - before.handshakes, 2);

    /* Small send buffers (the server's is set on accept) make OpenSSL
     * hit "want write" on both sides. */
    setsockopt(connGetFd(c->conn), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    pending_runs = 0;
    start = nowMs();
    ASSERT(clientEcho(c, ECHO_TOTAL));
    ms = nowMs() - start;
    printf("  echo: %d bytes in %lld ms, %lld pending-data runs, "
           "%d client / %d server write retries\n",
           ECHO_TOTAL, ms, pending_runs, c->write_retries,
           servers[0]->write_retries);
    ASSERT(pending_runs > 0);
    ASSERT(c->write_retries > 0 && servers[0]->write_retries > 0);
    ASSERT_EQ_INT(c->mismatches, 0);

    /* A clean close on one side is a clean end of stream on the other. */
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_mutual_tls) {
    tlsSettings s, cs;
    tlsStats before, after;
    client *c;

    /* With a client certificate. */
    baseSettings(&s);
    s.auth_clients = TLS_CLIENT_AUTH_YES;
    s.client_cert_file = p_client_cert;
    s.client_key_file = p_client_key;
    ASSERT_EQ_INT(configure(&s), 0);
    srv_ok = 0;
    c = clientStart(0);
    WAIT_FOR(c->handshake != 0 && srv_ok > 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT_EQ_INT(nservers, 1);
    ASSERT_EQ_STR(servers[0]->subject, "CN=Client,O=Redis Test");
    ASSERT(clientEcho(c, 10000));
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);

    /* Without one: the client's SSL is made from a context with no
     * certificate, then the server context requiring one is installed. */
    clientOnlySettings(&cs, p_ca);
    ASSERT_EQ_INT(configure(&cs), 0);
    tlsGetStats(&before);
    srv_failed = 0;
    last_log[0] = '\0';
    c = clientStart(0);
    ASSERT_EQ_INT(configure(&s), 0);
    WAIT_FOR(srv_failed > 0 && (c->handshake == -1 || c->closed), WAIT_MS);
    ASSERT_EQ_INT(srv_failed, 1);
    tlsGetStats(&after);
    ASSERT(after.failed_no_cert - before.failed_no_cert >= 1);
    ASSERT_EQ_INT(after.failed_verify, before.failed_verify);
    ASSERT(strstr(srv_last_err, "certificate") != NULL);
    /* The layer reports a connection's failure to its owner, who logs it
     * once with its own context: the layer itself stays silent. */
    ASSERT_EQ_STR(last_log, "");
    printf("  no cert: server error \"%s\"\n", srv_last_err);
    clientFree(c);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_wrong_ca) {
    tlsSettings s, cs;
    tlsStats before, after;
    client *c;

    /* The client presents a certificate of an unrelated CA. */
    baseSettings(&s);
    s.auth_clients = TLS_CLIENT_AUTH_YES;
    s.client_cert_file = p_other_cert;
    s.client_key_file = p_other_key;
    ASSERT_EQ_INT(configure(&s), 0);
    tlsGetStats(&before);
    srv_failed = 0;
    c = clientStart(0);
    WAIT_FOR(srv_failed > 0 && (c->handshake == -1 || c->closed), WAIT_MS);
    ASSERT_EQ_INT(srv_failed, 1);
    tlsGetStats(&after);
    ASSERT(after.failed_verify - before.failed_verify >= 1);
    ASSERT(strstr(srv_last_err, "certificate verify failed") != NULL);
    printf("  wrong CA (server side): \"%s\"\n", srv_last_err);
    clientFree(c);

    /* The client trusts only the other CA: it rejects the server. */
    clientOnlySettings(&cs, p_other_ca);
    ASSERT_EQ_INT(configure(&cs), 0);
    tlsGetStats(&before);
    c = clientStart(0);
    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    WAIT_FOR(c->handshake != 0 && nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, -1);
    ASSERT(strstr(c->err, "certificate verify failed") != NULL);
    tlsGetStats(&after);
    ASSERT(after.failed_verify - before.failed_verify >= 1);
    printf("  wrong CA (client side): \"%s\"\n", c->err);
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_protocol_mismatch) {
    tlsSettings s;
    tlsStats before, after;
    client *c;

    baseSettings(&s);
    s.protocols = "TLSv1.2";
    ASSERT_EQ_INT(configure(&s), 0);
    tlsGetStats(&before);
    srv_failed = 0;
    c = clientStart(0);
    s.protocols = "TLSv1.3";
    ASSERT_EQ_INT(configure(&s), 0);
    WAIT_FOR(srv_failed > 0 && c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(srv_failed, 1);
    ASSERT_EQ_INT(c->handshake, -1);
    tlsGetStats(&after);
    ASSERT_EQ_INT(after.failed_protocol - before.failed_protocol, 2);
    printf("  protocol mismatch: server \"%s\", client \"%s\"\n",
           srv_last_err, c->err);
    clientFree(c);

    /* TLSv1.2 on both sides works and is what gets negotiated. */
    s.protocols = "TLSv1.2";
    ASSERT_EQ_INT(configure(&s), 0);
    c = clientStart(0);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT_EQ_STR(c->protocol, "TLSv1.2");
    ASSERT(clientEcho(c, 50000));
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_plain_text) {
    static const char *probes[] = {"PING\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                                   "*1\r\n$4\r\nPING\r\n"};
    tlsSettings s;
    tlsStats before, after;
    int fds[3], i;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    tlsGetStats(&before);
    srv_failed = 0;
    for (i = 0; i < 3; i++) {
        fds[i] = rawConnect();
        ASSERT(fds[i] >= 0);
        ASSERT(write(fds[i], probes[i], strlen(probes[i])) ==
               (ssize_t)strlen(probes[i]));
    }
    WAIT_FOR(srv_failed == 3, WAIT_MS);
    ASSERT_EQ_INT(srv_failed, 3);
    tlsGetStats(&after);
    ASSERT_EQ_INT(after.failed_not_tls - before.failed_not_tls, 3);
    ASSERT_EQ_INT(after.handshakes_failed - before.handshakes_failed, 3);
    printf("  plain text: \"%s\"\n", srv_last_err);
    for (i = 0; i < 3; i++) {
        WAIT_FOR(rawClosed(fds[i]), WAIT_MS);
        ASSERT(rawClosed(fds[i]));
        close(fds[i]);
    }
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_handshake_timeout) {
    tlsSettings s;
    tlsStats before, after;
    long long start, ms;
    int fd;

    baseSettings(&s);
    s.handshake_timeout = 300;
    ASSERT_EQ_INT(configure(&s), 0);
    tlsGetStats(&before);
    srv_failed = 0;
    start = nowMs();
    fd = rawConnect();
    ASSERT(fd >= 0);
    WAIT_FOR(srv_failed > 0, WAIT_MS);
    ms = nowMs() - start;
    tlsGetStats(&after);
    ASSERT_EQ_INT(after.failed_timeout - before.failed_timeout, 1);
    ASSERT(strstr(srv_last_err, "timed out") != NULL);
    ASSERT(ms >= 250);
    WAIT_FOR(rawClosed(fd), WAIT_MS);
    ASSERT(rawClosed(fd));
    close(fd);
    printf("  handshake timeout 300 ms: dropped after %lld ms\n", ms);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_reload) {
    tlsSettings s;
    tlsCertInfo info1, info2, info3;
    char serial2[128], err[512];
    client *a, *b, *c;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    ASSERT_EQ_INT(tlsGetCertInfo(&info1), 0);
    a = clientStart(0);
    WAIT_FOR(a->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(a->handshake, 1);
    ASSERT(clientEcho(a, 20000));
    ASSERT(strstr(a->subject, "CN=Server,") == a->subject);

    /* Rotate to server-2: open connections keep theirs. */
    s.cert_file = p_cert2;
    s.key_file = p_key2;
    ASSERT_EQ_INT(configure(&s), 0);
    ASSERT_EQ_INT(tlsGetCertInfo(&info2), 0);
    fileSerial(p_cert2, serial2, sizeof(serial2));
    ASSERT(strcmp(info1.serial, info2.serial) != 0);
    ASSERT_EQ_STR(info2.serial, serial2);
    ASSERT(clientEcho(a, 20000));

    b = clientStart(0);
    WAIT_FOR(b->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(b->handshake, 1);
    ASSERT(strstr(b->subject, "CN=Server 2") == b->subject);
    ASSERT(clientEcho(b, 5000));
    printf("  reload: serial %s -> %s\n", info1.serial, info2.serial);

    /* A mismatched key is refused and changes nothing. */
    s.cert_file = p_cert;
    s.key_file = p_key2;
    ASSERT_EQ_INT(tlsConfigure(&s, err, sizeof(err)), -1);
    ASSERT(strncmp(err, "tls-key-file: ", 14) == 0);
    ASSERT(strstr(err, "key values mismatch") != NULL);
    printf("  mismatched key: \"%s\"\n", err);
    ASSERT_EQ_INT(tlsGetCertInfo(&info3), 0);
    ASSERT_EQ_STR(info3.serial, info2.serial);
    c = clientStart(0);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT(strstr(c->subject, "CN=Server 2") == c->subject);
    ASSERT(clientEcho(c, 5000));
    ASSERT(clientEcho(a, 5000));

    clientFree(a);
    clientFree(b);
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

TEST_CASE(test_passphrase) {
    tlsSettings s;
    char err[512];
    client *c;

    baseSettings(&s);
    s.key_file = p_passkey;
    s.key_file_pass = "wrong";
    ASSERT_EQ_INT(tlsConfigure(&s, err, sizeof(err)), -1);
    ASSERT(strncmp(err, "tls-key-file: ", 14) == 0);
    printf("  wrong passphrase: \"%s\"\n", err);
    s.key_file_pass = NULL; /* must fail, never prompt */
    ASSERT_EQ_INT(tlsConfigure(&s, err, sizeof(err)), -1);
    ASSERT(strncmp(err, "tls-key-file: ", 14) == 0);

    s.key_file_pass = "secret";
    ASSERT_EQ_INT(configure(&s), 0);
    c = clientStart(0);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT(clientEcho(c, 3000));
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

/* openssl s_client -reconnect against our listener: sessions resume.
 * TLS 1.2, because OpenSSL 3.0's s_client reconnects before a TLS 1.3
 * ticket arrives (against its own s_server too). */
TEST_CASE(test_session_resumption) {
    tlsSettings s;
    tlsStats before, after;
    char cmd[1024], out[65536];
    size_t used = 0;
    int reused = 0, done = 0;
    const char *p;
    FILE *fp;
    int fd;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    tlsGetStats(&before);
    snprintf(cmd, sizeof(cmd),
             "timeout 20 openssl s_client -tls1_2 -connect 127.0.0.1:%d "
             "-reconnect -CAfile '%s' </dev/null 2>&1",
             port, p_ca);
    fp = popen(cmd, "r");
    ASSERT(fp != NULL);
    fd = fileno(fp);
    {
        long long deadline = nowMs() + 25000;
        while (!done && nowMs() < deadline) {
            struct pollfd pfd = {fd, POLLIN, 0};
            loopOnce();
            if (poll(&pfd, 1, 0) > 0) {
                ssize_t n = read(fd, out + used, sizeof(out) - 1 - used);
                if (n <= 0) {
                    done = 1;
                } else {
                    used += (size_t)n;
                    if (used == sizeof(out) - 1) done = 1;
                }
            }
        }
    }
    out[used] = '\0';
    pclose(fp);
    for (p = out; (p = strstr(p, "Reused,")) != NULL; p++) reused++;
    tlsGetStats(&after);
    printf("  s_client -reconnect: %d \"Reused\" lines, %llu resumed\n", reused,
           after.resumed - before.resumed);
    ASSERT(reused >= 1);
    ASSERT(after.resumed - before.resumed >= 1);
    WAIT_FOR(nservers == 0, WAIT_MS);
    closeAllServers();
}

/* ---- main ------------------------------------------------------------- */

/* ---- outgoing connections ---------------------------------------------- */

/* Starts a client as <opts> says (host, name checks, deadline); the port
 * defaults to the test listener's. */
static client *clientStartOpts(connConnectOptions *opts) {
    client *c = zcalloc(sizeof(*c));
    c->conn = connCreate(tls);
    connSetPrivateData(c->conn, c);
    if (!opts->port) opts->port = port;
    if (connConnect(c->conn, opts, clientConnected) != 0) {
        c->handshake = -1;
        snprintf(c->err, sizeof(c->err), "%s", connGetLastError(c->conn));
    }
    return c;
}

/* Connects to the test listener as <opts> says and waits for the outcome:
 * 1 connected, -1 failed (reason in <err>). */
static int outboundTry(connConnectOptions *opts, char *err, size_t errlen) {
    client *c = clientStartOpts(opts);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    int res = c->handshake;
    snprintf(err, errlen, "%s", c->err);
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    return res;
}

TEST_CASE(test_outbound_verification) {
    tlsSettings s;
    char err[512];
    connConnectOptions o;

    /* A good peer, checked by IP SAN and by DNS name (resolved through
     * getaddrinfo on the resolver thread: localhost is in /etc/hosts). */
    baseSettings(&s);
    s.verify_peer_name = 1;
    ASSERT_EQ_INT(configure(&s), 0);
    o = (connConnectOptions){.host = "127.0.0.1", .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);
    o = (connConnectOptions){.host = "localhost", .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);

    /* The expected name may differ from the host connected to. */
    o = (connConnectOptions){.host = "127.0.0.1", .peer_name = "localhost",
                             .verify_peer_name = 1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);
    o = (connConnectOptions){.host = "127.0.0.1", .peer_name = "db.example",
                             .verify_peer_name = 1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ASSERT_EQ_STR(err, "certificate does not match db.example");
    printf("  wrong name: \"%s\"\n", err);
    /* The same with name checks off: the chain alone decides. */
    o = (connConnectOptions){.host = "127.0.0.1", .peer_name = "db.example",
                             .verify_peer_name = 0};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);
    /* tls-verify-peer-name no (the default) applies when not overridden. */
    s.verify_peer_name = 0;
    ASSERT_EQ_INT(configure(&s), 0);
    o = (connConnectOptions){.host = "127.0.0.1", .peer_name = "db.example",
                             .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);

    /* A certificate without SANs: the CN is checked instead. */
    s.cert_file = p_cn_cert;
    s.key_file = p_cn_key;
    ASSERT_EQ_INT(configure(&s), 0);
    o = (connConnectOptions){.host = "127.0.0.1", .peer_name = "localhost",
                             .verify_peer_name = 1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);
    o = (connConnectOptions){.host = "127.0.0.1", .verify_peer_name = 1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ASSERT_EQ_STR(err, "certificate does not match 127.0.0.1");

    /* A peer whose certificate the CA did not sign. */
    baseSettings(&s);
    s.ca_cert_file = p_other_ca;
    ASSERT_EQ_INT(configure(&s), 0);
    o = (connConnectOptions){.host = "127.0.0.1", .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ASSERT(strstr(err, "certificate verify failed") == err);
    printf("  wrong CA: \"%s\"\n", err);

    /* An expired certificate. */
    baseSettings(&s);
    s.cert_file = p_expired_cert;
    s.key_file = p_expired_key;
    ASSERT_EQ_INT(configure(&s), 0);
    o = (connConnectOptions){.host = "127.0.0.1", .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ASSERT_EQ_STR(err, "certificate verify failed: certificate has expired");

    /* No CA at all: refused at once, the system store is never trusted
     * silently. */
    baseSettings(&s);
    s.ca_cert_file = NULL;
    ASSERT_EQ_INT(configure(&s), 0);
    client *c = clientStartOpts(
        &(connConnectOptions){.host = "127.0.0.1", .verify_peer_name = -1});
    ASSERT_EQ_INT(c->handshake, -1);
    ASSERT(strstr(c->err, "tls-ca-cert-file") != NULL);
    printf("  no CA: \"%s\"\n", c->err);
    clientFree(c);
}

TEST_CASE(test_outbound_sans_and_resumption) {
    tlsSettings s;
    tlsStats before, after;
    connConnectOptions o = {.host = "127.0.0.1", .verify_peer_name = 1};
    client *c;
    sds *sans;
    int n;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    c = clientStartOpts(&o);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    sans = connGetPeerCertSANs(c->conn, &n);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_STR(sans[0], "DNS:localhost");
    ASSERT_EQ_STR(sans[1], "IP:127.0.0.1");
    sdsFreeSplitRes(sans, n);
    /* Reading lets the client take the server's session ticket. */
    ASSERT(clientEcho(c, 1000));
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);

    tlsGetStats(&before);
    c = clientStartOpts(&o);
    WAIT_FOR(c->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    ASSERT(clientEcho(c, 1000));
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
    tlsGetStats(&after);
    /* Both ends count the resumed handshake. */
    ASSERT_EQ_INT(after.resumed - before.resumed, 2);
}

/* Accepts TCP connections in the kernel and never answers: a peer that
 * never finishes a handshake. Returns the listening fd; *<p> its port. */
static int silentListener(int *p) {
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *p = ntohs(sa.sin_port);
    return fd;
}

static int resolveCalls;
static int lateCallbacks;

static void countLateCallback(connection *conn) {
    (void)conn;
    lateCallbacks++;
}

/* A resolver for the tests: "slow.test" answers 127.0.0.1 after 500 ms,
 * anything else is unknown. Runs on the resolver thread. */
static int testResolver(const char *host, char *ip, size_t iplen, char *err,
                        size_t errlen) {
    __atomic_add_fetch(&resolveCalls, 1, __ATOMIC_RELAXED);
    if (!strcmp(host, "slow.test")) {
        struct timespec ts = {0, 500 * 1000000L};
        nanosleep(&ts, NULL);
        snprintf(ip, iplen, "127.0.0.1");
        return 0;
    }
    snprintf(err, errlen, "Name or service not known");
    return -1;
}

/* The expected peer name goes out as SNI. openssl s_server with
 * -servername_fatal refuses a handshake whose SNI names another host and
 * accepts one without SNI (an IP literal sends none). */
TEST_CASE(test_outbound_sni) {
    tlsSettings s;
    char cmd[4096], line[512], err[512];
    int sport, sfd, ready = 0;
    FILE *fp;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    sfd = silentListener(&sport); /* a free port for s_server */
    ASSERT(sfd >= 0);
    close(sfd);
    snprintf(cmd, sizeof(cmd),
             "exec timeout 30 openssl s_server -accept 127.0.0.1:%d "
             "-cert '%s' -key '%s' -cert2 '%s' -key2 '%s' "
             "-servername db.example -servername_fatal -naccept 3 -www "
             "</dev/null 2>&1",
             sport, p_cert, p_key, p_cert, p_key);
    fp = popen(cmd, "r");
    ASSERT(fp != NULL);
    while (!ready && fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, "ACCEPT") != NULL) ready = 1;
    ASSERT(ready);

    connConnectOptions o = {.host = "127.0.0.1", .port = sport,
                            .peer_name = "db.example", .verify_peer_name = 0};
    int res = outboundTry(&o, err, sizeof(err));
    if (res != 1) printf("  SNI db.example: \"%s\"\n", err);
    ASSERT_EQ_INT(res, 1);
    o = (connConnectOptions){.host = "127.0.0.1", .port = sport,
                             .peer_name = "other.example",
                             .verify_peer_name = 0};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    printf("  SNI other.example: \"%s\"\n", err);
    o = (connConnectOptions){.host = "127.0.0.1", .port = sport,
                             .verify_peer_name = 0};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), 1);
    while (fgets(line, sizeof(line), fp) != NULL) {
    }
    pclose(fp);
}

TEST_CASE(test_outbound_deadline_and_resolution) {
    tlsSettings s;
    tlsStats before, after;
    char err[512];
    int sport, sfd;
    long long start, ms;
    client *c, *slow;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);

    /* A peer that accepts TCP but never answers the handshake. */
    sfd = silentListener(&sport);
    ASSERT(sfd >= 0);
    tlsGetStats(&before);
    start = nowMs();
    connConnectOptions o = {.host = "127.0.0.1", .port = sport,
                            .timeout_ms = 300, .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ms = nowMs() - start;
    ASSERT_EQ_STR(err, "TLS handshake timed out");
    ASSERT(ms >= 250 && ms < 5000);
    tlsGetStats(&after);
    ASSERT_EQ_INT(after.failed_timeout - before.failed_timeout, 1);
    close(sfd);
    printf("  silent peer: failed after %lld ms: \"%s\"\n", ms, err);

    /* A name that does not resolve is an ordinary connect error. */
    connSetResolver(testResolver);
    o = (connConnectOptions){.host = "nowhere.test", .verify_peer_name = -1};
    ASSERT_EQ_INT(outboundTry(&o, err, sizeof(err)), -1);
    ASSERT_EQ_STR(err, "Cannot resolve 'nowhere.test': Name or service not known");

    /* A name that resolves slowly: others are served meanwhile. */
    o = (connConnectOptions){.host = "slow.test", .peer_name = "localhost",
                             .verify_peer_name = 1};
    start = nowMs();
    slow = clientStartOpts(&o);
    ASSERT_EQ_INT(slow->handshake, 0);
    c = clientStart(0);
    ASSERT(clientEcho(c, 64 * 1024));
    ms = nowMs() - start;
    ASSERT_EQ_INT(slow->handshake, 0); /* still resolving */
    WAIT_FOR(slow->handshake != 0, WAIT_MS);
    ASSERT_EQ_INT(slow->handshake, 1);
    printf("  slow name: another client echoed 64 KB in %lld ms, the slow "
           "one connected after %lld ms\n", ms, nowMs() - start);
    clientFree(c);
    clientFree(slow);

    /* Closing a connection while its name resolves: its callback never
     * runs, even once the resolver answers. */
    int calls = __atomic_load_n(&resolveCalls, __ATOMIC_RELAXED);
    connection *gone = connCreate(tls);
    lateCallbacks = 0;
    ASSERT_EQ_INT(connConnect(gone, &o, countLateCallback), 0);
    connClose(gone);
    WAIT_FOR(__atomic_load_n(&resolveCalls, __ATOMIC_RELAXED) > calls, WAIT_MS);
    start = nowMs();
    WAIT_FOR(nowMs() - start > 700, WAIT_MS); /* the answer comes at 500 ms */
    ASSERT_EQ_INT(lateCallbacks, 0);
    connSetResolver(NULL);
    WAIT_FOR(nservers == 0, WAIT_MS);
    ASSERT_EQ_INT(nservers, 0);
}

/* A write handler that reads: bytes OpenSSL decrypted beyond what it took
 * must reach the read handler without another socket event. */
static size_t wr_taken, rd_taken;
static void strandedRead(connection *conn) {
    char buf[4096];
    ssize_t n;
    while ((n = connRead(conn, buf, sizeof(buf))) > 0) rd_taken += (size_t)n;
}
static void strandedWrite(connection *conn) {
    char b;
    connClearWriteHandler(conn);
    /* The read handler is in place, but the socket will not signal: this
     * read takes the whole record out of it and decrypts it. */
    MUST_OK(connSetReadHandler(conn, strandedRead));
    if (connRead(conn, &b, 1) == 1) wr_taken++;
}

TEST_CASE(test_read_from_write_handler) {
    tlsSettings s;
    client *c;

    baseSettings(&s);
    ASSERT_EQ_INT(configure(&s), 0);
    c = clientStart(0);
    WAIT_FOR(c->handshake != 0 && nservers == 1 && servers[0]->handshake,
             WAIT_MS);
    ASSERT_EQ_INT(c->handshake, 1);
    connection *sc = servers[0]->conn;
    connClearReadHandler(sc);
    /* 3000 bytes arrive in one record while nobody reads. */
    c->total = 3000;
    MUST_OK(connSetWriteHandler(c->conn, clientWrite));
    WAIT_FOR(c->sent == 3000, WAIT_MS);
    /* Let the record land in the server's socket buffer. */
    long long until = nowMs() + 200;
    WAIT_FOR(nowMs() > until, 1000);
    wr_taken = rd_taken = 0;
    MUST_OK(connSetWriteHandler(sc, strandedWrite));
    WAIT_FOR(rd_taken == 2999, 2000);
    ASSERT_EQ_INT(wr_taken, 1);
    ASSERT_EQ_INT(rd_taken, 2999);
    clientFree(c);
    WAIT_FOR(nservers == 0, WAIT_MS);
}

static int setUp(void) {
    char cmd[1024], errbuf[512];
    const char *script = getenv("TLS_CERT_SCRIPT");
    int tries;

    if (!script) script = "../utils/gen-test-certs.sh";
    snprintf(certdir, sizeof(certdir), "/tmp/test_tls.XXXXXX");
    if (!mkdtemp(certdir)) return -1;
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >/dev/null", script, certdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot run %s\n", script);
        return -1;
    }
    certPath(p_ca, "ca.crt");
    certPath(p_cert, "server.crt");
    certPath(p_key, "server.key");
    certPath(p_cert2, "server-2.crt");
    certPath(p_key2, "server-2.key");
    certPath(p_passkey, "server-pass.key");
    certPath(p_client_cert, "client.crt");
    certPath(p_client_key, "client.key");
    certPath(p_other_ca, "other-ca.crt");
    certPath(p_other_cert, "other-client.crt");
    certPath(p_other_key, "other-client.key");
    certPath(p_dh, "redis.dh");
    certPath(p_expired_cert, "server-expired.crt");
    certPath(p_expired_key, "server-expired.key");
    certPath(p_cn_cert, "server-cn.crt");
    certPath(p_cn_key, "server-cn.key");

    el = aeCreateEventLoop(1024);
    connInit(el);
    connSocketInit();
    tlsInit();
    tlsInit(); /* idempotent */
    connSetLogger(testLogger);
    tls = connTypeOfTls();
    if (!tls || !tls->is_tls) return -1;
    aeCreateTimeEvent(el, 10, tick, NULL, NULL);

    static char *bind[] = {"127.0.0.1"};
    srand((unsigned)getpid());
    for (tries = 0; tries < 50; tries++) {
        memset(&listener, 0, sizeof(listener));
        listener.ct = tls;
        listener.port = 20000 + rand() % 40000;
        listener.bindaddr = bind;
        listener.bindaddr_count = 1;
        listener.backlog = 128;
        listener.accepted = serverAccepted;
        if (connListen(&listener, errbuf, sizeof(errbuf)) == 0) break;
    }
    if (tries == 50) {
        fprintf(stderr, "listen: %s\n", errbuf);
        return -1;
    }
    port = listener.port;
    return 0;
}

static void tearDown(void) {
    char cmd[600];
    closeAllServers();
    connCloseListener(&listener);
    tlsCleanup();
    aeDeleteEventLoop(el);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", certdir);
}

int main(void) {
    int ret;

    signal(SIGPIPE, SIG_IGN);
    if (setUp() != 0) {
        fprintf(stderr, "set-up failed\n");
        return 1;
    }
    RUN_TEST(test_config_errors);
    RUN_TEST(test_handshake_and_echo);
    RUN_TEST(test_mutual_tls);
    RUN_TEST(test_wrong_ca);
    RUN_TEST(test_protocol_mismatch);
    RUN_TEST(test_plain_text);
    RUN_TEST(test_handshake_timeout);
    RUN_TEST(test_reload);
    RUN_TEST(test_passphrase);
    RUN_TEST(test_session_resumption);
    RUN_TEST(test_outbound_verification);
    RUN_TEST(test_outbound_sans_and_resumption);
    RUN_TEST(test_outbound_deadline_and_resolution);
    RUN_TEST(test_outbound_sni);
    RUN_TEST(test_read_from_write_handler);
    ret = TEST_REPORT();
    tearDown();
    return ret;
}
