/* tls: the TLS connection type ("tls"), built on OpenSSL 3.
 *
 * Owns: every OpenSSL object of the process (the server and client SSL_CTX,
 * each connection's SSL), OpenSSL's error queue, the list of connections
 * with decrypted bytes pending, the list of handshaking connections and the
 * TLS counters. The error queue is cleared before every OpenSSL call
 * sequence and drained whole after every failure, so one failure's text
 * never leaks into the next.
 * Must not touch: RESP, clients, server globals. Settings come in as a
 * tlsSettings structure; the few log lines that belong to no connection
 * go out through connLog(). A connection's failure is counted here and
 * reported to its owner (state ERROR, connGetLastError), who logs it once.
 *
 * Outgoing connections use the connector of socket.c (options, deadline,
 * name resolution, TCP connect) and then run the client handshake: the
 * chain is always verified against tls-ca-cert-file/-dir (never the
 * system store unless the operator points tls-ca-cert-dir at it), the
 * name too when tls-verify-peer-name (or the caller) asks, with SNI for
 * host names and a cached session per peer for resumption.
 *
 * Renegotiation is refused outright (SSL_OP_NO_RENEGOTIATION, both
 * directions): OpenSSL 3 already refuses client-initiated renegotiation
 * by default, and saying it here keeps a peer from ever making a read
 * need a write (RFC 5746's handshake inside the connection) beyond TLS 1.3
 * KeyUpdate, which the event logic below handles.
 *
 * Invariants: a connection's fd is registered with the event loop for
 * exactly the events tlsWantedEvents() computes (kept by tlsUpdateEvents);
 * a connection is on the handshake list iff it is ACCEPTING after
 * connAccept() with a handshake timeout set; a node on the pending list
 * belongs to a connection with a read handler. Without USE_OPENSSL only the
 * tls.h functions exist, as stubs. */
#include "tls.h"

#ifdef USE_OPENSSL

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "adlist.h"
#include "ae.h"
#include "anet.h"
#include "zmalloc.h"

#define TLS_RECORD_SIZE 16384          /* largest TLS plaintext record */
#define TLS_HANDSHAKE_CHECK_MS 100     /* period of the handshake timer */
#define TLS_DEFAULT_CACHE_SIZE 20480
#define TLS_DEFAULT_CACHE_TIMEOUT 300
#define TLS_ERR_LEN 512
#define TLS_CLIENT_SESSIONS 64         /* peers whose session we keep */
#define TLS_SESSION_KEY_LEN 300

/* tlsConnection.flags */
#define TLS_FLAG_READ_WANT_WRITE (1 << 0)  /* SSL_read needs the socket writable */
#define TLS_FLAG_WRITE_WANT_READ (1 << 1)  /* SSL_write needs it readable */
#define TLS_FLAG_HS_WANT_WRITE (1 << 2)    /* handshake waits for writable */
#define TLS_FLAG_TCP_CONNECTED (1 << 3)    /* outgoing TCP connect finished */
#define TLS_FLAG_HS_STARTED (1 << 4)       /* connAccept() was called */
#define TLS_FLAG_READ_DRAINED (1 << 5)     /* last SSL_read found the socket
                                            * empty: OpenSSL holds at most a
                                            * partial record */

/* Why a handshake failed, for the counters. */
typedef enum {
    TLS_FAIL_OTHER = 0,
    TLS_FAIL_NO_CERT,
    TLS_FAIL_VERIFY,
    TLS_FAIL_PROTOCOL,
    TLS_FAIL_NOT_TLS
} tlsFailure;

typedef struct tlsConnection {
    connection c;                 /* first: a tlsConnection is a connection */
    int flags;                    /* TLS_FLAG_* */
    int events;                   /* AE_* mask registered for c.fd */
    SSL *ssl;
    listNode *pending_node;       /* on tls_pending, or NULL */
    listNode *handshake_node;     /* on tls_handshaking, or NULL */
    long long handshake_deadline; /* monotonic ms */
    char peer[NET_ADDR_STR_LEN];  /* "ip:port" of the other end */
    char *session_key;            /* outgoing: "host:port/name" of the peer,
                                   * for the session cache */
} tlsConnection;

/* Sessions of outgoing connections, one per peer, for resumption on the
 * next connect to the same peer (a replica reconnecting to its master, a
 * Sentinel to the instances it watches). */
typedef struct tlsCachedSession {
    char key[TLS_SESSION_KEY_LEN];
    SSL_SESSION *session;
    unsigned long long used; /* tls_session_clock when last stored/used */
} tlsCachedSession;

static SSL_CTX *tls_server_ctx;
static SSL_CTX *tls_client_ctx;
static long long tls_handshake_timeout; /* ms, from the installed settings */
static list *tls_pending;               /* tlsConnection* with buffered bytes */
static list *tls_handshaking;           /* tlsConnection* being accepted */
static long long tls_timer_id = -1;     /* the handshake timer, if running */
static aeEventLoop *tls_timer_loop;     /* the loop that holds it */
static tlsStats tls_stats;
static int tls_initialized;
static int tls_verify_peer_name;        /* tls-verify-peer-name */
static int tls_client_has_ca;           /* a CA file/dir was configured */
static int tls_client_skip_verify;      /* tools' --insecure */
static int tls_client_no_resume;        /* never resume outgoing sessions */
static int tls_conn_index = -1;         /* SSL ex_data slot: the connection */
static tlsCachedSession tls_sessions[TLS_CLIENT_SESSIONS];
static unsigned long long tls_session_clock;
static ConnectionType tls_type;
/* writev gathers small buffers here so that one SSL_write makes one full
 * record; the process is single-threaded and OpenSSL keeps its own copy of
 * a record it could not send, so one buffer serves every connection. */
static unsigned char tls_scratch[TLS_RECORD_SIZE];

static void tlsReadableProc(aeEventLoop *el, int fd, void *data, int mask);
static int tlsSessionNew(SSL *ssl, SSL_SESSION *session);
static void tlsWritableProc(aeEventLoop *el, int fd, void *data, int mask);

/* ------------------------------------------------------------------------
 * Small helpers: time, logging, OpenSSL's error queue.
 * --------------------------------------------------------------------- */

static long long tlsMonotonicMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends <text> to the NUL-terminated <buf> of <len> bytes, truncating. */
static void tlsAppend(char *buf, size_t len, const char *text) {
    size_t used = strlen(buf);
    if (used + 1 >= len) return;
    snprintf(buf + used, len - used, "%s", text);
}

/* Maps one queued OpenSSL error to a handshake failure category. */
static tlsFailure tlsClassifyError(unsigned long e) {
    if (ERR_GET_LIB(e) != ERR_LIB_SSL) return TLS_FAIL_OTHER;
    switch (ERR_GET_REASON(e)) {
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return TLS_FAIL_NO_CERT;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        return TLS_FAIL_VERIFY;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return TLS_FAIL_PROTOCOL;
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        return TLS_FAIL_NOT_TLS;
    default:
        return TLS_FAIL_OTHER;
    }
}

/* Empties OpenSSL's error queue into <buf> (all errors, "; "-separated,
 * each as its reason plus any detail OpenSSL attached). Returns the number
 * of errors; <fail>, if not NULL, gets the first classifiable category. */
static int tlsDrainErrors(char *buf, size_t len, tlsFailure *fail) {
    unsigned long e;
    const char *data;
    int eflags, count = 0;

    if (len) buf[0] = '\0';
    if (fail) *fail = TLS_FAIL_OTHER;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &eflags)) != 0) {
        char one[256];
        const char *reason = ERR_reason_error_string(e);

        if (reason) {
            snprintf(one, sizeof(one), "%s", reason);
        } else {
            ERR_error_string_n(e, one, sizeof(one));
        }
        if (count) tlsAppend(buf, len, "; ");
        tlsAppend(buf, len, one);
        if ((eflags & ERR_TXT_STRING) && data && data[0]) {
            tlsAppend(buf, len, " (");
            tlsAppend(buf, len, data);
            tlsAppend(buf, len, ")");
        }
        if (fail && *fail == TLS_FAIL_OTHER) *fail = tlsClassifyError(e);
        count++;
    }
    return count;
}

static void tlsSetError(tlsConnection *conn, const char *text) {
    connSetLastError(&conn->c, conn->c.last_errno, text);
}

/* ------------------------------------------------------------------------
 * Contexts.
 * --------------------------------------------------------------------- */

/* OpenSSL asks for a key's passphrase here; <u> is the configured
 * passphrase or NULL. Returning 0 (no passphrase) instead of OpenSSL's
 * default, which would prompt on the terminal, makes an encrypted key
 * without a configured passphrase fail to load. */
static int tlsPasswordCallback(char *buf, int size, int rwflag, void *u) {
    const char *pass = u;
    size_t len;

    (void)rwflag;
    if (!pass || size <= 0) return 0;
    len = strlen(pass);
    if (len > (size_t)size) len = (size_t)size;
    memcpy(buf, pass, len);
    return (int)len;
}

static int tlsIsSet(const char *s) {
    return s && s[0];
}

/* Writes "<directive>: <file>: <drained OpenSSL errors>" into <err>. */
static void tlsConfigError(char *err, size_t errlen, const char *directive,
                           const char *file) {
    char reasons[TLS_ERR_LEN];

    if (!tlsDrainErrors(reasons, sizeof(reasons), NULL))
        snprintf(reasons, sizeof(reasons), "unknown error");
    if (file) {
        snprintf(err, errlen, "%s: %s: %s", directive, file, reasons);
    } else {
        snprintf(err, errlen, "%s: %s", directive, reasons);
    }
}

/* Parses the space-separated <protocols> into a version range and the
 * SSL_OP_NO_* options for holes inside it (e.g. "TLSv1 TLSv1.2"). */
static int tlsParseProtocols(const char *protocols, int *minv, int *maxv,
                             uint64_t *holes, char *err, size_t errlen) {
    static const struct {
        const char *name;
        int version;
        uint64_t no_option;
    } known[] = {
        {"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
        {"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
        {"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
        {"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
    };
    int nknown = (int)(sizeof(known) / sizeof(known[0]));
    int enabled[4] = {0, 0, 0, 0};
    int any = 0, i;
    const char *p = protocols ? protocols : "";

    while (*p) {
        size_t toklen;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        toklen = strcspn(p, " \t");
        for (i = 0; i < nknown; i++) {
            if (strlen(known[i].name) == toklen &&
                strncasecmp(p, known[i].name, toklen) == 0)
                break;
        }
        if (i == nknown) {
            snprintf(err, errlen, "tls-protocols: unknown protocol '%.*s'",
                     (int)(toklen > 64 ? 64 : toklen), p);
            return -1;
        }
        enabled[i] = 1;
        any = 1;
        p += toklen;
    }
    if (!any) enabled[2] = enabled[3] = 1; /* TLSv1.2 and TLSv1.3 */

    *minv = 0;
    *maxv = 0;
    *holes = 0;
    for (i = 0; i < nknown; i++) {
        if (!enabled[i]) continue;
        if (!*minv) *minv = known[i].version;
        *maxv = known[i].version;
    }
    for (i = 0; i < nknown; i++) {
        if (!enabled[i] && known[i].version > *minv && known[i].version < *maxv)
            *holes |= known[i].no_option;
    }
    return 0;
}

/* Settings shared by the server and client contexts: protocols, ciphers,
 * CA locations, modes. <is_server> picks the verification defaults. */
static int tlsSetupCommon(SSL_CTX *ctx, const tlsSettings *s, int is_server,
                          char *err, size_t errlen) {
    int minv, maxv;
    uint64_t holes;

    if (tlsParseProtocols(s->protocols, &minv, &maxv, &holes, err, errlen) < 0)
        return -1;
    ERR_clear_error();
    if (!SSL_CTX_set_min_proto_version(ctx, minv) ||
        !SSL_CTX_set_max_proto_version(ctx, maxv)) {
        tlsConfigError(err, errlen, "tls-protocols", NULL);
        return -1;
    }
    SSL_CTX_set_options(ctx, holes | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_NO_RENEGOTIATION);
    /* SSL_CTX_set_mode(3): partial writes let connWrite report progress
     * record by record; a moving buffer lets a retried write come from a
     * reallocated reply buffer; released buffers keep idle connections
     * small. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);

    if (tlsIsSet(s->ciphers)) {
        ERR_clear_error();
        if (!SSL_CTX_set_cipher_list(ctx, s->ciphers)) {
            tlsConfigError(err, errlen, "tls-ciphers", s->ciphers);
            return -1;
        }
    }
    if (tlsIsSet(s->ciphersuites)) {
        ERR_clear_error();
        if (!SSL_CTX_set_ciphersuites(ctx, s->ciphersuites)) {
            tlsConfigError(err, errlen, "tls-ciphersuites", s->ciphersuites);
            return -1;
        }
    }

    if (tlsIsSet(s->ca_cert_file) || tlsIsSet(s->ca_cert_dir)) {
        ERR_clear_error();
        if (!SSL_CTX_load_verify_locations(
                ctx, tlsIsSet(s->ca_cert_file) ? s->ca_cert_file : NULL,
                tlsIsSet(s->ca_cert_dir) ? s->ca_cert_dir : NULL)) {
            if (tlsIsSet(s->ca_cert_file)) {
                tlsConfigError(err, errlen, "tls-ca-cert-file", s->ca_cert_file);
            } else {
                tlsConfigError(err, errlen, "tls-ca-cert-dir", s->ca_cert_dir);
            }
            return -1;
        }
    } else if (is_server && s->auth_clients != TLS_CLIENT_AUTH_NO) {
        snprintf(err, errlen,
                 "tls-ca-cert-file: tls-ca-cert-file or tls-ca-cert-dir is "
                 "required to authenticate clients");
        return -1;
    }
    /* Without a CA the client context trusts nothing: outgoing connections
     * then fail with a clear reason (tlsConnect) instead of silently
     * trusting the system's store. */
    return 0;
}

/* Loads a certificate chain and its private key into <ctx> and checks that
 * they match. The directive names go into the error text. */
static int tlsLoadKeyPair(SSL_CTX *ctx, const char *cert, const char *key,
                          const char *pass, const char *cert_directive,
                          const char *key_directive, char *err, size_t errlen) {
    int ok = 1;

    if (!tlsIsSet(cert) || !tlsIsSet(key)) {
        snprintf(err, errlen, "%s: not set (%s and %s go together)",
                 tlsIsSet(cert) ? key_directive : cert_directive,
                 cert_directive, key_directive);
        return -1;
    }
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0) {
        tlsConfigError(err, errlen, cert_directive, cert);
        return -1;
    }
    SSL_CTX_set_default_passwd_cb(ctx, tlsPasswordCallback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
    ERR_clear_error();
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0 ||
        !SSL_CTX_check_private_key(ctx)) {
        tlsConfigError(err, errlen, key_directive, key);
        ok = 0;
    }
    /* The passphrase belongs to the caller's settings: forget it. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return ok ? 0 : -1;
}

static int tlsLoadDhParams(SSL_CTX *ctx, const char *file, char *err,
                           size_t errlen) {
    BIO *bio;
    EVP_PKEY *pkey;

    ERR_clear_error();
    bio = BIO_new_file(file, "r");
    if (!bio) {
        tlsConfigError(err, errlen, "tls-dh-params-file", file);
        return -1;
    }
    pkey = PEM_read_bio_Parameters(bio, NULL);
    BIO_free(bio);
    if (!pkey) {
        tlsConfigError(err, errlen, "tls-dh-params-file", file);
        return -1;
    }
    if (!EVP_PKEY_is_a(pkey, "DH") && !EVP_PKEY_is_a(pkey, "DHX")) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        snprintf(err, errlen, "tls-dh-params-file: %s: not DH parameters", file);
        return -1;
    }
    /* SSL_CTX_set0_tmp_dh_pkey(3) takes the key only on success. */
    if (!SSL_CTX_set0_tmp_dh_pkey(ctx, pkey)) {
        EVP_PKEY_free(pkey);
        tlsConfigError(err, errlen, "tls-dh-params-file", file);
        return -1;
    }
    return 0;
}

static SSL_CTX *tlsCreateServerContext(const tlsSettings *s, char *err,
                                       size_t errlen) {
    static const unsigned char sid_ctx[] = "redis-tls";
    SSL_CTX *ctx;
    int mode;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        tlsConfigError(err, errlen, "tls", NULL);
        return NULL;
    }
    if (tlsSetupCommon(ctx, s, 1, err, errlen) < 0) goto fail;
    if (tlsLoadKeyPair(ctx, s->cert_file, s->key_file, s->key_file_pass,
                       "tls-cert-file", "tls-key-file", err, errlen) < 0)
        goto fail;

    if (tlsIsSet(s->dh_params_file)) {
        if (tlsLoadDhParams(ctx, s->dh_params_file, err, errlen) < 0) goto fail;
    } else {
        SSL_CTX_set_dh_auto(ctx, 1);
    }

    if (s->prefer_server_ciphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);

    /* Read ahead (SSL_CTX_set_read_ahead(3)): without it OpenSSL reads a
     * record's 5-byte header and then its body, two syscalls per request.
     * Only accepted connections do it: their owner runs in the event loop,
     * which asks tlsHasBuffered() before sleeping, while a tool waiting in
     * poll() on an outgoing connection would not see the buffered bytes. */
    SSL_CTX_set_read_ahead(ctx, 1);

    if (s->session_caching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, s->session_cache_size > 0
                                             ? s->session_cache_size
                                             : TLS_DEFAULT_CACHE_SIZE);
        SSL_CTX_set_timeout(ctx, s->session_cache_timeout > 0
                                     ? s->session_cache_timeout
                                     : TLS_DEFAULT_CACHE_TIMEOUT);
        /* Resumption with client verification needs a session id context
         * (SSL_CTX_set_session_id_context(3)). */
        ERR_clear_error();
        if (!SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1)) {
            tlsConfigError(err, errlen, "tls-session-caching", NULL);
            goto fail;
        }
        /* A TLS 1.3 client resumes with one ticket; OpenSSL's default of
         * two costs a second encrypted ticket per full handshake. */
        SSL_CTX_set_num_tickets(ctx, 1);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        /* Without caching a TLS 1.3 ticket could never be used: send none
         * (SSL_CTX_set_num_tickets(3)). */
        SSL_CTX_set_num_tickets(ctx, 0);
    }

    switch (s->auth_clients) {
    case TLS_CLIENT_AUTH_YES:
        mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        break;
    case TLS_CLIENT_AUTH_OPTIONAL:
        mode = SSL_VERIFY_PEER;
        break;
    default:
        mode = SSL_VERIFY_NONE;
        break;
    }
    SSL_CTX_set_verify(ctx, mode, NULL);
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static SSL_CTX *tlsCreateClientContext(const tlsSettings *s, char *err,
                                       size_t errlen) {
    SSL_CTX *ctx;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        tlsConfigError(err, errlen, "tls", NULL);
        return NULL;
    }
    if (tlsSetupCommon(ctx, s, 0, err, errlen) < 0) goto fail;
    if (tlsIsSet(s->client_cert_file) || tlsIsSet(s->client_key_file)) {
        if (tlsLoadKeyPair(ctx, s->client_cert_file, s->client_key_file,
                           s->client_key_file_pass, "tls-client-cert-file",
                           "tls-client-key-file", err, errlen) < 0)
            goto fail;
    } else if (tlsIsSet(s->cert_file) || tlsIsSet(s->key_file)) {
        if (tlsLoadKeyPair(ctx, s->cert_file, s->key_file, s->key_file_pass,
                           "tls-cert-file", "tls-key-file", err, errlen) < 0)
            goto fail;
    }
    SSL_CTX_set_verify(ctx, s->client_skip_verify ? SSL_VERIFY_NONE
                                                  : SSL_VERIFY_PEER,
                       NULL);
    if (s->client_no_resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        return ctx;
    }
    /* Client-side sessions are kept per peer by tlsSessionNew, not in
     * OpenSSL's internal (server-style) store. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
                                            SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, tlsSessionNew);
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* Builds both contexts from <s>. The server context exists only when a
 * certificate or key is set (a tool that only connects out sets neither). */
static int tlsCreateContexts(const tlsSettings *s, SSL_CTX **server,
                             SSL_CTX **client, char *err, size_t errlen) {
    *server = *client = NULL;
    if (tlsIsSet(s->cert_file) || tlsIsSet(s->key_file)) {
        *server = tlsCreateServerContext(s, err, errlen);
        if (!*server) return -1;
    }
    *client = tlsCreateClientContext(s, err, errlen);
    if (!*client) {
        SSL_CTX_free(*server);
        *server = NULL;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Event registration, lists, handshake timer.
 * --------------------------------------------------------------------- */

/* The events <conn> needs now, from its state, flags and handlers. */
static int tlsWantedEvents(tlsConnection *conn) {
    int mask = 0;

    switch (conn->c.state) {
    case CONN_STATE_CONNECTING:
        /* Until the TCP connect completes, wait for writable; after it,
         * the TLS handshake runs as for an accepted connection. */
        if (!(conn->flags & TLS_FLAG_TCP_CONNECTED)) return AE_WRITABLE;
        /* fall through */
    case CONN_STATE_ACCEPTING:
        if (!conn->ssl) return 0;
        if (conn->c.state == CONN_STATE_ACCEPTING &&
            !(conn->flags & TLS_FLAG_HS_STARTED))
            return 0;
        return (conn->flags & TLS_FLAG_HS_WANT_WRITE) ? AE_WRITABLE : AE_READABLE;
    case CONN_STATE_NONE:
        return 0;
    default:
        /* Each side waits for one event only: a read that needs the
         * socket writable must not also wait for readable (a peer that
         * keeps sending would wake us for a handler that cannot run, and
         * level-triggered epoll would spin), and the same for a write
         * that needs readable. */
        if (conn->flags & TLS_FLAG_READ_WANT_WRITE)
            mask |= AE_WRITABLE;
        else if (conn->c.read_handler)
            mask |= AE_READABLE;
        if (conn->flags & TLS_FLAG_WRITE_WANT_READ)
            mask |= AE_READABLE;
        else if (conn->c.write_handler)
            mask |= AE_WRITABLE;
        if ((mask & AE_WRITABLE) && (conn->c.flags & CONN_FLAG_WRITE_BARRIER))
            mask |= AE_BARRIER;
        return mask;
    }
}

/* Makes the event loop registration of <conn>'s fd match what it needs.
 * Returns 0, or -1 if an event could not be registered (the descriptor
 * does not fit the loop): then it is left unregistered. */
static int tlsUpdateEvents(tlsConnection *conn) {
    aeEventLoop *el = connGetEventLoop();
    int want, have = conn->events, ret = 0;
    int fd = conn->c.fd;

    if (fd < 0 || !el) return 0;
    want = tlsWantedEvents(conn);
    if (want == have) return 0;

    if ((have & AE_READABLE) && !(want & AE_READABLE)) {
        aeDeleteFileEvent(el, fd, AE_READABLE);
        have &= ~AE_READABLE;
    }
    /* A change of barrier needs the writable event registered again. */
    if ((have & AE_WRITABLE) &&
        (!(want & AE_WRITABLE) || (want & AE_BARRIER) != (have & AE_BARRIER))) {
        aeDeleteFileEvent(el, fd, AE_WRITABLE | AE_BARRIER);
        have &= ~(AE_WRITABLE | AE_BARRIER);
    }

    if ((want & AE_READABLE) && !(have & AE_READABLE)) {
        if (aeCreateFileEvent(el, fd, AE_READABLE, tlsReadableProc, conn) ==
            AE_ERR) {
            want &= ~AE_READABLE;
            ret = -1;
        }
    }
    if ((want & AE_WRITABLE) && !(have & AE_WRITABLE)) {
        if (aeCreateFileEvent(el, fd, AE_WRITABLE | (want & AE_BARRIER),
                              tlsWritableProc, conn) == AE_ERR) {
            want &= ~(AE_WRITABLE | AE_BARRIER);
            ret = -1;
        }
    }
    conn->events = want;
    return ret;
}

/* Does OpenSSL hold bytes of <conn> that the socket will not signal again?
 * Decrypted bytes always count. Server connections read ahead (one read
 * syscall takes a record's header and body, and often the next records),
 * so raw bytes of whole records may wait in OpenSSL's buffer too
 * (SSL_has_pending(3)); but once SSL_read reported "wants read", what is
 * left is an incomplete record whose rest the socket will announce, and
 * running the handler for it would only spin. */
static int tlsHasBuffered(tlsConnection *conn) {
    if (SSL_pending(conn->ssl) > 0) return 1;
    if (conn->flags & TLS_FLAG_READ_DRAINED) return 0;
    return SSL_has_pending(conn->ssl);
}

static void tlsPendingRemove(tlsConnection *conn) {
    if (!conn->pending_node) return;
    listDelNode(tls_pending, conn->pending_node);
    conn->pending_node = NULL;
}

/* Puts <conn> on the pending list if OpenSSL holds decrypted bytes for it
 * that its read handler has not taken: the socket will not signal them. */
static void tlsPendingCheck(tlsConnection *conn) {
    if (conn->pending_node || !conn->ssl || !conn->c.read_handler ||
        conn->c.state != CONN_STATE_CONNECTED)
        return;
    if (tlsHasBuffered(conn)) {
        listAddNodeTail(tls_pending, conn);
        conn->pending_node = listLast(tls_pending);
    }
}

static void tlsHandshakeRemove(tlsConnection *conn) {
    if (!conn->handshake_node) return;
    listDelNode(tls_handshaking, conn->handshake_node);
    conn->handshake_node = NULL;
}

/* Ends a handshake that failed: counts it, stops its events and runs the
 * accept/connect callback, which sees CONN_STATE_ERROR and logs the
 * reason once, with its own context. Returns 0 if the callback closed
 * (and freed) the connection. */
static int tlsHandshakeFailed(tlsConnection *conn, tlsFailure why,
                              const char *reason) {
    ConnectionCallbackFunc handler = conn->c.conn_handler;

    tls_stats.handshakes_failed++;
    switch (why) {
    case TLS_FAIL_NO_CERT: tls_stats.failed_no_cert++; break;
    case TLS_FAIL_VERIFY: tls_stats.failed_verify++; break;
    case TLS_FAIL_PROTOCOL: tls_stats.failed_protocol++; break;
    case TLS_FAIL_NOT_TLS: tls_stats.failed_not_tls++; break;
    default: tls_stats.failed_other++; break;
    }
    tlsSetError(conn, reason);
    conn->c.state = CONN_STATE_ERROR;
    conn->c.conn_handler = NULL;
    tlsHandshakeRemove(conn);
    connSocketStopConnect(&conn->c);
    tlsUpdateEvents(conn);
    if (!handler) return 1;
    return connCallHandler(&conn->c, handler);
}

static void tlsTimeoutHandshake(tlsConnection *conn) {
    tls_stats.failed_timeout++;
    tls_stats.handshakes_failed++;
    tlsSetError(conn, "TLS handshake timed out");
    conn->c.state = CONN_STATE_ERROR;
    tlsUpdateEvents(conn);
    if (conn->c.conn_handler) {
        ConnectionCallbackFunc handler = conn->c.conn_handler;
        conn->c.conn_handler = NULL;
        connCallHandler(&conn->c, handler);
    }
}

/* Every TLS_HANDSHAKE_CHECK_MS while connections handshake: fails those
 * past their deadline. Stops itself when none is left. */
static int tlsHandshakeTimer(aeEventLoop *el, long long id, void *data) {
    long long now = tlsMonotonicMs();
    list *expired;
    listNode *ln, *next;

    (void)el;
    (void)id;
    (void)data;
    /* Move expired ones aside first: their callbacks may close others. */
    expired = listCreate();
    for (ln = listFirst(tls_handshaking); ln; ln = next) {
        tlsConnection *conn = listNodeValue(ln);
        next = listNextNode(ln);
        if (conn->handshake_deadline <= now) {
            listDelNode(tls_handshaking, ln);
            conn->handshake_node = NULL;
            listAddNodeTail(expired, conn);
        }
    }
    while ((ln = listFirst(expired)) != NULL) {
        tlsConnection *conn = listNodeValue(ln);
        listDelNode(expired, ln);
        tlsTimeoutHandshake(conn);
    }
    listRelease(expired);

    if (listLength(tls_handshaking) == 0) {
        tls_timer_id = -1;
        tls_timer_loop = NULL;
        return AE_NOMORE;
    }
    return TLS_HANDSHAKE_CHECK_MS;
}

static void tlsHandshakeAdd(tlsConnection *conn) {
    aeEventLoop *el = connGetEventLoop();

    if (tls_handshake_timeout <= 0 || conn->handshake_node || !el) return;
    conn->handshake_deadline = tlsMonotonicMs() + tls_handshake_timeout;
    listAddNodeTail(tls_handshaking, conn);
    conn->handshake_node = listLast(tls_handshaking);
    if (tls_timer_id == -1) {
        tls_timer_id = aeCreateTimeEvent(el, TLS_HANDSHAKE_CHECK_MS,
                                         tlsHandshakeTimer, NULL, NULL);
        tls_timer_loop = tls_timer_id == AE_ERR ? NULL : el;
        if (tls_timer_id == AE_ERR) tls_timer_id = -1;
    }
}

/* ------------------------------------------------------------------------
 * Handshake and I/O.
 * --------------------------------------------------------------------- */

static tlsConnection *tlsConnectionNew(void) {
    tlsConnection *conn = zcalloc(sizeof(*conn));
    conn->c.type = &tls_type;
    conn->c.fd = -1;
    conn->c.state = CONN_STATE_NONE;
    return conn;
}

/* After a failed client handshake: if the peer's certificate is what
 * failed, writes the reason into <buf> ("certificate does not match
 * <name>" for a name mismatch, else "certificate verify failed: <why>",
 * X509_verify_cert_error_string(3)) and returns 1; else returns 0. */
static int tlsVerifyFailure(tlsConnection *conn, char *buf, size_t len) {
    long res = SSL_get_verify_result(conn->ssl);
    const char *name = connConnectorPeerName(&conn->c);

    if (res == X509_V_OK) return 0;
    if (res == X509_V_ERR_HOSTNAME_MISMATCH ||
        res == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        snprintf(buf, len, "certificate does not match %s", name ? name : "?");
    } else {
        snprintf(buf, len, "certificate verify failed: %s",
                 X509_verify_cert_error_string(res));
    }
    return 1;
}

/* Runs one step of SSL_accept/SSL_connect. On completion or failure runs
 * the callback; otherwise waits for the event OpenSSL asked for. */
static void tlsHandshakeStep(tlsConnection *conn) {
    ConnectionCallbackFunc handler;
    int accepting = conn->c.state == CONN_STATE_ACCEPTING;
    int ret, err;

    ERR_clear_error();
    errno = 0;
    ret = accepting ? SSL_accept(conn->ssl) : SSL_connect(conn->ssl);
    if (ret <= 0) {
        char reason[TLS_ERR_LEN];
        tlsFailure why = TLS_FAIL_OTHER;

        err = SSL_get_error(conn->ssl, ret);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            if (err == SSL_ERROR_WANT_WRITE) {
                conn->flags |= TLS_FLAG_HS_WANT_WRITE;
            } else {
                conn->flags &= ~TLS_FLAG_HS_WANT_WRITE;
            }
            if (tlsUpdateEvents(conn) == 0) return;
            /* A handshake nobody would ever wake up must not hang. */
            tlsHandshakeFailed(conn, TLS_FAIL_OTHER,
                               "descriptor out of the event loop's range");
            return;
        }
        if (!accepting && tlsVerifyFailure(conn, reason, sizeof(reason))) {
            ERR_clear_error();
            why = TLS_FAIL_VERIFY;
        } else if (!tlsDrainErrors(reason, sizeof(reason), &why)) {
            if (err == SSL_ERROR_SYSCALL && errno) {
                snprintf(reason, sizeof(reason), "%s", strerror(errno));
                conn->c.last_errno = errno;
            } else {
                snprintf(reason, sizeof(reason),
                         "connection closed by peer during handshake");
            }
        }
        tlsHandshakeFailed(conn, why, reason);
        return;
    }

    conn->c.state = CONN_STATE_CONNECTED;
    conn->flags &= ~TLS_FLAG_HS_WANT_WRITE;
    tls_stats.handshakes++;
    if (SSL_session_reused(conn->ssl)) tls_stats.resumed++;
    tlsHandshakeRemove(conn);
    connSocketStopConnect(&conn->c);
    handler = conn->c.conn_handler;
    conn->c.conn_handler = NULL;
    tlsUpdateEvents(conn);
    if (handler && !connCallHandler(&conn->c, handler)) return;
    tlsPendingCheck(conn);
}

/* The outgoing TCP connect finished (the socket became writable). */
static void tlsTcpConnected(tlsConnection *conn) {
    int soerr = anetGetSocketError(conn->c.fd);
    ConnectionCallbackFunc handler;

    if (soerr == 0) {
        conn->flags |= TLS_FLAG_TCP_CONNECTED;
        tlsHandshakeStep(conn);
        return;
    }
    connSocketStopConnect(&conn->c);
    connSetLastError(&conn->c, soerr, NULL);
    conn->c.state = CONN_STATE_ERROR;
    tlsUpdateEvents(conn);
    handler = conn->c.conn_handler;
    conn->c.conn_handler = NULL;
    if (handler) connCallHandler(&conn->c, handler);
}

/* Handles a failed SSL_read/SSL_write (<ret> <= 0). A "want" result
 * becomes a flag and an event change, and -1 in state CONNECTED; an end of
 * stream closes the connection; anything else is an error. Returns what
 * read (<is_write> 0) or write should return. */
static ssize_t tlsIoFailed(tlsConnection *conn, int ret, int is_write) {
    int err = SSL_get_error(conn->ssl, ret);
    int saved_errno = errno;
    char reason[TLS_ERR_LEN];
    tlsFailure why;

    switch (err) {
    case SSL_ERROR_WANT_READ:
        if (is_write) {
            conn->flags |= TLS_FLAG_WRITE_WANT_READ;
            tlsUpdateEvents(conn);
        }
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        if (!is_write) {
            conn->flags |= TLS_FLAG_READ_WANT_WRITE;
            tlsUpdateEvents(conn);
        }
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN: /* the peer sent close_notify */
        ERR_clear_error();
        conn->c.state = CONN_STATE_CLOSED;
        return is_write ? -1 : 0;
    case SSL_ERROR_SYSCALL:
        if (!tlsDrainErrors(reason, sizeof(reason), NULL)) {
            if (saved_errno == 0 || ret == 0) {
                /* EOF without close_notify: a plain disconnect. */
                conn->c.state = CONN_STATE_CLOSED;
                return is_write ? -1 : 0;
            }
            snprintf(reason, sizeof(reason), "%s", strerror(saved_errno));
        }
        conn->c.last_errno = saved_errno;
        tlsSetError(conn, reason);
        conn->c.state = CONN_STATE_ERROR;
        return -1;
    default:
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING &&
            ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL) {
            ERR_clear_error();
            conn->c.state = CONN_STATE_CLOSED;
            return is_write ? -1 : 0;
        }
        if (!tlsDrainErrors(reason, sizeof(reason), &why))
            snprintf(reason, sizeof(reason), "TLS error %d", err);
        tlsSetError(conn, reason);
        conn->c.state = CONN_STATE_ERROR;
        return -1;
    }
}

/* Reads up to <len> bytes of plaintext into <buf>: > 0 bytes, 0 at end of
 * stream (state CLOSED), -1 to try again (state CONNECTED) or on error. */
static ssize_t tlsRead(connection *c, void *buf, size_t len) {
    tlsConnection *conn = (tlsConnection *)c;
    int ret, had;

    if (c->state == CONN_STATE_CLOSED) return 0;
    if (c->state != CONN_STATE_CONNECTED || !conn->ssl) return -1;
    if (len == 0) return 0;
    had = conn->flags & TLS_FLAG_READ_WANT_WRITE;
    conn->flags &= ~TLS_FLAG_READ_WANT_WRITE;
    ERR_clear_error();
    errno = 0;
    ret = SSL_read(conn->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (ret > 0) {
        conn->flags &= ~TLS_FLAG_READ_DRAINED;
        if (had) tlsUpdateEvents(conn);
        /* Called from a write handler or a timer, this read may leave
         * decrypted bytes in OpenSSL that the socket will never announce:
         * queue the connection so the loop runs its read handler. */
        tlsPendingCheck(conn);
        return ret;
    }
    if (SSL_get_error(conn->ssl, ret) == SSL_ERROR_WANT_READ)
        conn->flags |= TLS_FLAG_READ_DRAINED;
    ret = (int)tlsIoFailed(conn, ret, 0);
    if (had && !(conn->flags & TLS_FLAG_READ_WANT_WRITE)) tlsUpdateEvents(conn);
    return ret;
}

/* One SSL_write of <len> bytes at <data>, with the flag bookkeeping. */
static ssize_t tlsWriteOnce(tlsConnection *conn, const void *data, size_t len) {
    int ret, had = conn->flags & TLS_FLAG_WRITE_WANT_READ;
    ssize_t res;

    conn->flags &= ~TLS_FLAG_WRITE_WANT_READ;
    ERR_clear_error();
    errno = 0;
    ret = SSL_write(conn->ssl, data, len > INT_MAX ? INT_MAX : (int)len);
    if (ret > 0) {
        if (had) tlsUpdateEvents(conn);
        return ret;
    }
    res = tlsIoFailed(conn, ret, 1);
    if (had && !(conn->flags & TLS_FLAG_WRITE_WANT_READ)) tlsUpdateEvents(conn);
    return res;
}

/* Writes up to <len> bytes of <data>; returns bytes taken or -1 (state
 * CONNECTED: retry later with the same bytes). */
static ssize_t tlsWrite(connection *c, const void *data, size_t len) {
    tlsConnection *conn = (tlsConnection *)c;

    if (c->state != CONN_STATE_CONNECTED || !conn->ssl) return -1;
    if (len == 0) return 0;
    return tlsWriteOnce(conn, data, len);
}

/* Writes the <iovcnt> buffers of <iov> in order, gathering small ones into
 * full records. Returns bytes taken (possibly fewer than offered) or -1.
 * A retry after -1 rebuilds the same first record from the same bytes,
 * at least as long, which is what OpenSSL requires. */
static ssize_t tlsWritev(connection *c, const struct iovec *iov, int iovcnt) {
    tlsConnection *conn = (tlsConnection *)c;
    ssize_t total = 0;
    int i = 0;
    size_t off = 0; /* bytes of iov[i] already written */

    if (c->state != CONN_STATE_CONNECTED || !conn->ssl) return -1;
    while (i < iovcnt) {
        const void *chunk;
        size_t chunk_len;
        ssize_t n;

        if (iov[i].iov_len - off == 0) {
            i++;
            off = 0;
            continue;
        }
        if (iov[i].iov_len - off >= TLS_RECORD_SIZE) {
            /* Big enough for a full record on its own: no copy. */
            chunk = (const char *)iov[i].iov_base + off;
            chunk_len = iov[i].iov_len - off;
        } else {
            int j = i;
            size_t joff = off;
            chunk_len = 0;
            while (j < iovcnt && chunk_len < TLS_RECORD_SIZE) {
                size_t take = iov[j].iov_len - joff;
                if (take > TLS_RECORD_SIZE - chunk_len)
                    take = TLS_RECORD_SIZE - chunk_len;
                memcpy(tls_scratch + chunk_len,
                       (const char *)iov[j].iov_base + joff, take);
                chunk_len += take;
                j++;
                joff = 0;
            }
            chunk = tls_scratch;
        }
        n = tlsWriteOnce(conn, chunk, chunk_len);
        if (n <= 0) return total ? total : n;
        total += n;
        /* Advance over <n> bytes. */
        while (n > 0) {
            size_t left = iov[i].iov_len - off;
            if ((size_t)n < left) {
                off += (size_t)n;
                n = 0;
            } else {
                n -= (ssize_t)left;
                i++;
                off = 0;
            }
        }
    }
    return total;
}

/* Runs <conn>'s read handler under a reference, then notes pending bytes.
 * Returns 0 if the connection is gone. */
static int tlsCallReadHandler(tlsConnection *conn) {
    if (!connCallHandler(&conn->c, conn->c.read_handler)) return 0;
    tlsPendingCheck(conn);
    return 1;
}

/* The fd is readable: continue a handshake, retry a write that wanted to
 * read, or run the read handler. */
static void tlsReadableProc(aeEventLoop *el, int fd, void *data, int mask) {
    tlsConnection *conn = data;

    (void)el;
    (void)fd;
    (void)mask;
    switch (conn->c.state) {
    case CONN_STATE_ACCEPTING:
        tlsHandshakeStep(conn);
        return;
    case CONN_STATE_CONNECTING:
        if (conn->flags & TLS_FLAG_TCP_CONNECTED) tlsHandshakeStep(conn);
        return;
    default:
        break;
    }
    if (conn->flags & TLS_FLAG_WRITE_WANT_READ) {
        conn->flags &= ~TLS_FLAG_WRITE_WANT_READ;
        tlsUpdateEvents(conn);
        if (conn->c.write_handler &&
            !connCallHandler(&conn->c, conn->c.write_handler))
            return;
    }
    if (conn->c.read_handler && !(conn->flags & TLS_FLAG_READ_WANT_WRITE))
        tlsCallReadHandler(conn);
}

/* The fd is writable: finish a connect, continue a handshake, retry a read
 * that wanted to write, or run the write handler. */
static void tlsWritableProc(aeEventLoop *el, int fd, void *data, int mask) {
    tlsConnection *conn = data;

    (void)el;
    (void)fd;
    (void)mask;
    switch (conn->c.state) {
    case CONN_STATE_CONNECTING:
        if (!(conn->flags & TLS_FLAG_TCP_CONNECTED)) {
            tlsTcpConnected(conn);
        } else {
            tlsHandshakeStep(conn);
        }
        return;
    case CONN_STATE_ACCEPTING:
        tlsHandshakeStep(conn);
        return;
    default:
        break;
    }
    if (conn->flags & TLS_FLAG_READ_WANT_WRITE) {
        conn->flags &= ~TLS_FLAG_READ_WANT_WRITE;
        tlsUpdateEvents(conn);
        if (conn->c.read_handler && !tlsCallReadHandler(conn)) return;
    }
    if (conn->c.write_handler && !(conn->flags & TLS_FLAG_WRITE_WANT_READ))
        connCallHandler(&conn->c, conn->c.write_handler);
}

/* ------------------------------------------------------------------------
 * The ConnectionType operations.
 * --------------------------------------------------------------------- */

static connection *tlsCreate(void) {
    return &tlsConnectionNew()->c;
}

static void tlsClose(connection *c) {
    tlsConnection *conn = (tlsConnection *)c;
    aeEventLoop *el = connGetEventLoop();

    if (connHasRefs(c)) {
        c->flags |= CONN_FLAG_CLOSE_SCHEDULED;
        return;
    }
    if (conn->ssl) {
        if (c->state == CONN_STATE_CONNECTED) {
            /* Send close_notify once; do not wait for the peer's
             * (SSL_shutdown(3)). */
            ERR_clear_error();
            SSL_shutdown(conn->ssl);
            ERR_clear_error();
        }
        SSL_free(conn->ssl);
        conn->ssl = NULL;
    }
    if (c->fd != -1) {
        if (el && conn->events)
            aeDeleteFileEvent(el, c->fd, AE_READABLE | AE_WRITABLE | AE_BARRIER);
        close(c->fd);
        c->fd = -1;
    }
    tlsPendingRemove(conn);
    tlsHandshakeRemove(conn);
    connReleaseCommon(c);
    zfree(conn->session_key);
    zfree(conn);
}

/* Starts the server-side handshake of <c> (state ACCEPTING, from the
 * listener); <handler> runs once from the event loop when it finished or
 * failed (never from inside this call). Returns 0, or -1 if <c> is not
 * waiting to be accepted or its descriptor cannot be watched by the event
 * loop (the handler will not run; the caller closes <c>). */
static int tlsAccept(connection *c, ConnectionCallbackFunc handler) {
    tlsConnection *conn = (tlsConnection *)c;

    if (c->state != CONN_STATE_ACCEPTING || !conn->ssl ||
        (conn->flags & TLS_FLAG_HS_STARTED))
        return -1;
    conn->flags &= ~TLS_FLAG_HS_WANT_WRITE;
    conn->flags |= TLS_FLAG_HS_STARTED;
    /* The ClientHello makes the fd readable. */
    if (tlsUpdateEvents(conn) != 0) {
        conn->flags &= ~TLS_FLAG_HS_STARTED;
        c->last_errno = ERANGE;
        tlsSetError(conn, "descriptor out of the event loop's range");
        return -1;
    }
    c->conn_handler = handler;
    tlsHandshakeAdd(conn);
    return 0;
}

/* ------------------------------------------------------------------------
 * Sessions of outgoing connections.
 * --------------------------------------------------------------------- */

static void tlsSessionsFlush(void) {
    for (int i = 0; i < TLS_CLIENT_SESSIONS; i++) {
        if (tls_sessions[i].session) SSL_SESSION_free(tls_sessions[i].session);
        tls_sessions[i].session = NULL;
        tls_sessions[i].key[0] = '\0';
    }
}

static tlsCachedSession *tlsSessionFind(const char *key) {
    for (int i = 0; i < TLS_CLIENT_SESSIONS; i++)
        if (tls_sessions[i].session && !strcmp(tls_sessions[i].key, key))
            return &tls_sessions[i];
    return NULL;
}

/* OpenSSL hands over a new resumable session of an outgoing connection
 * (after the handshake in TLS 1.2, with a ticket in TLS 1.3):
 * SSL_CTX_sess_set_new_cb(3). Returning 1 keeps the reference. */
static int tlsSessionNew(SSL *ssl, SSL_SESSION *session) {
    tlsConnection *conn =
        tls_conn_index >= 0 ? SSL_get_ex_data(ssl, tls_conn_index) : NULL;
    tlsCachedSession *slot;

    if (!conn || !conn->session_key) return 0;
    slot = tlsSessionFind(conn->session_key);
    if (!slot) { /* the least recently used slot */
        slot = &tls_sessions[0];
        for (int i = 1; i < TLS_CLIENT_SESSIONS; i++)
            if (tls_sessions[i].used < slot->used) slot = &tls_sessions[i];
        snprintf(slot->key, sizeof(slot->key), "%s", conn->session_key);
    }
    if (slot->session) SSL_SESSION_free(slot->session);
    slot->session = session;
    slot->used = ++tls_session_clock;
    return 1;
}

/* ------------------------------------------------------------------------
 * Outgoing connections.
 * --------------------------------------------------------------------- */

/* The connector has the TCP connect of <c> under way on c->fd: bind the
 * SSL object to it and wait for writable (tlsWritableProc). */
static int tlsConnectReady(connection *c) {
    tlsConnection *conn = (tlsConnection *)c;
    char err[TLS_ERR_LEN];

    anetFormatAddr(conn->peer, sizeof(conn->peer), connConnectorHost(c),
                   connConnectorPort(c));
    ERR_clear_error();
    if (!SSL_set_fd(conn->ssl, c->fd)) {
        tlsDrainErrors(err, sizeof(err), NULL);
        tlsSetError(conn, err);
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    if (tlsUpdateEvents(conn) != 0) {
        c->last_errno = ERANGE;
        tlsSetError(conn, "descriptor out of the event loop's range");
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    return 0;
}

/* Resolution failed or the deadline passed (connector): the connect
 * fails, and the owner's callback runs. */
static void tlsConnectFail(connection *c, int err, const char *reason) {
    tlsConnection *conn = (tlsConnection *)c;
    ConnectionCallbackFunc handler = c->conn_handler;
    int handshaking = (conn->flags & TLS_FLAG_TCP_CONNECTED) != 0;

    connSocketStopConnect(c);
    if (err == ETIMEDOUT && !reason)
        reason = handshaking ? "TLS handshake timed out" : "Connection timed out";
    if (handshaking) {
        tls_stats.handshakes_failed++;
        if (err == ETIMEDOUT)
            tls_stats.failed_timeout++;
        else
            tls_stats.failed_other++;
    }
    connSetLastError(c, err, reason);
    c->state = CONN_STATE_ERROR;
    c->conn_handler = NULL;
    tlsUpdateEvents(conn);
    if (handler) connCallHandler(c, handler);
}

/* Connects <c> as <opts> says (connection.h) and runs the client
 * handshake with the installed client context: chain verified against the
 * configured CA, the name too when asked, SNI for host names, a cached
 * session of the same peer offered for resumption. <handler> runs once,
 * from the event loop, when done or failed. Returns -1 (handler not kept,
 * state ERROR, reason in the last error) if it could not even start. */
static int tlsConnect(connection *c, const connConnectOptions *opts,
                      ConnectionCallbackFunc handler) {
    tlsConnection *conn = (tlsConnection *)c;
    char err[TLS_ERR_LEN], key[TLS_SESSION_KEY_LEN];
    const char *name;
    int verify_name;
    tlsCachedSession *cached;

    if (c->state != CONN_STATE_NONE || !opts || !opts->host) return -1;
    if (!tls_client_ctx) {
        tlsSetError(conn, "TLS is not configured");
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    if (!tls_client_has_ca && !tls_client_skip_verify) {
        tlsSetError(conn, "no CA to verify the peer: set tls-ca-cert-file or "
                          "tls-ca-cert-dir (the system's certificate folder "
                          "to trust the system store)");
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    ERR_clear_error();
    conn->ssl = SSL_new(tls_client_ctx);
    if (!conn->ssl) {
        tlsDrainErrors(err, sizeof(err), NULL);
        tlsSetError(conn, err);
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    SSL_set_ex_data(conn->ssl, tls_conn_index, conn);
    /* The peer's expected name (or the host) goes out as SNI when it is a
     * name, never for a literal address (RFC 6066, 3). */
    name = opts->peer_name ? opts->peer_name : opts->host;
    if (!connIsIpLiteral(name)) SSL_set_tlsext_host_name(conn->ssl, name);
    verify_name = opts->verify_peer_name >= 0 ? opts->verify_peer_name
                                              : tls_verify_peer_name;
    if (tls_client_skip_verify) verify_name = 0;
    if (verify_name) {
        /* X509_check_host(3) rules through SSL_set1_host: DNS SANs, the CN
         * only when the certificate has no DNS SAN; an IP literal is
         * checked against the IP SANs. */
        int ok = connIsIpLiteral(name)
                     ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(conn->ssl),
                                                     name)
                     : SSL_set1_host(conn->ssl, name);
        if (!ok) {
            ERR_clear_error();
            snprintf(err, sizeof(err), "invalid peer name '%s'", name);
            tlsSetError(conn, err);
            c->state = CONN_STATE_ERROR;
            return -1;
        }
    }
    /* Tools waiting in poll() cannot see bytes read ahead into OpenSSL's
     * buffer; the event loop can (tlsHasBuffered). */
    if (!opts->waits_in_poll) SSL_set_read_ahead(conn->ssl, 1);
    snprintf(key, sizeof(key), "%s:%d/%s/%d", opts->host, opts->port, name,
             verify_name);
    conn->session_key = zstrdup(key);
    if (!tls_client_no_resume && (cached = tlsSessionFind(key)) != NULL) {
        SSL_set_session(conn->ssl, cached->session);
        cached->used = ++tls_session_clock;
    }
    SSL_set_connect_state(conn->ssl);

    c->state = CONN_STATE_CONNECTING;
    c->conn_handler = handler;
    if (connSocketStartConnect(c, opts, tlsConnectReady, tlsConnectFail, err,
                               sizeof(err)) != 0) {
        if (!c->last_error) tlsSetError(conn, err);
        c->conn_handler = NULL;
        c->state = CONN_STATE_ERROR;
        return -1;
    }
    return 0;
}

static int tlsSetWriteHandler(connection *c, ConnectionCallbackFunc handler,
                              int barrier) {
    c->write_handler = handler;
    if (barrier) {
        c->flags |= CONN_FLAG_WRITE_BARRIER;
    } else {
        c->flags &= ~CONN_FLAG_WRITE_BARRIER;
    }
    if (tlsUpdateEvents((tlsConnection *)c) != 0 && handler) {
        c->write_handler = NULL;
        return -1;
    }
    return 0;
}

static int tlsSetReadHandler(connection *c, ConnectionCallbackFunc handler) {
    tlsConnection *conn = (tlsConnection *)c;

    c->read_handler = handler;
    if (!handler) {
        tlsPendingRemove(conn);
    } else {
        /* Bytes decrypted while nobody was reading will not wake us. */
        tlsPendingCheck(conn);
    }
    if (tlsUpdateEvents(conn) != 0 && handler) {
        c->read_handler = NULL;
        tlsPendingRemove(conn);
        return -1;
    }
    return 0;
}

static int tlsHasPendingData(void) {
    return tls_pending && listLength(tls_pending) > 0;
}

static int tlsProcessPendingData(void) {
    unsigned long n;
    int processed = 0;

    if (!tls_pending) return 0;
    /* One pass: connections put back by their handler wait for the next. */
    n = listLength(tls_pending);
    while (n-- > 0) {
        listNode *ln = listFirst(tls_pending);
        tlsConnection *conn;

        if (!ln) break;
        conn = listNodeValue(ln);
        listDelNode(tls_pending, ln);
        conn->pending_node = NULL;
        if (!conn->c.read_handler || conn->c.state != CONN_STATE_CONNECTED ||
            !tlsHasBuffered(conn))
            continue;
        processed++;
        tlsCallReadHandler(conn);
    }
    return processed;
}

static sds tlsGetPeerCertSubject(connection *c) {
    tlsConnection *conn = (tlsConnection *)c;
    X509 *cert;
    BIO *bio;
    BUF_MEM *mem;
    sds subject;

    if (!conn->ssl || c->state != CONN_STATE_CONNECTED) return NULL;
    cert = SSL_get0_peer_certificate(conn->ssl);
    if (!cert) return NULL;
    ERR_clear_error();
    bio = BIO_new(BIO_s_mem());
    if (!bio) return NULL;
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    BIO_get_mem_ptr(bio, &mem);
    subject = sdsNewLen(mem->data, mem->length);
    BIO_free(bio);
    return subject;
}

static const char *tlsGetProtocol(connection *c) {
    tlsConnection *conn = (tlsConnection *)c;
    if (!conn->ssl || c->state != CONN_STATE_CONNECTED) return NULL;
    return SSL_get_version(conn->ssl);
}

static const char *tlsGetCipher(connection *c) {
    tlsConnection *conn = (tlsConnection *)c;
    if (!conn->ssl || c->state != CONN_STATE_CONNECTED) return NULL;
    return SSL_CIPHER_get_name(SSL_get_current_cipher(conn->ssl));
}

/* Peer certificate's subject alternative names (connection.h). */
static sds *tlsGetPeerCertSANs(connection *c, int *count) {
    tlsConnection *conn = (tlsConnection *)c;
    GENERAL_NAMES *names;
    sds *out;
    int n, used = 0;

    *count = 0;
    if (!conn->ssl || c->state != CONN_STATE_CONNECTED) return NULL;
    X509 *cert = SSL_get0_peer_certificate(conn->ssl);
    if (!cert) return NULL;
    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    ERR_clear_error();
    if (!names) return NULL;
    n = sk_GENERAL_NAME_num(names);
    out = zmalloc(sizeof(sds) * (n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        const unsigned char *data;
        int len;
        char ip[INET6_ADDRSTRLEN];

        switch (gn->type) {
        case GEN_DNS:
        case GEN_URI:
        case GEN_EMAIL:
            data = ASN1_STRING_get0_data(gn->d.ia5);
            len = ASN1_STRING_length(gn->d.ia5);
            out[used] = sdsNew(gn->type == GEN_DNS   ? "DNS:"
                               : gn->type == GEN_URI ? "URI:"
                                                     : "email:");
            out[used] = sdsCatLen(out[used], data, (size_t)len);
            used++;
            break;
        case GEN_IPADD:
            data = ASN1_STRING_get0_data(gn->d.ip);
            len = ASN1_STRING_length(gn->d.ip);
            if ((len == 4 && inet_ntop(AF_INET, data, ip, sizeof(ip))) ||
                (len == 16 && inet_ntop(AF_INET6, data, ip, sizeof(ip)))) {
                out[used] = sdsNew("IP:");
                out[used] = sdsCat(out[used], ip);
                used++;
            }
            break;
        default:
            break;
        }
    }
    GENERAL_NAMES_free(names);
    if (used == 0) {
        zfree(out);
        return NULL;
    }
    *count = used;
    return out;
}

/* Wraps descriptor <fd>, just accepted from <ip>:<port> by the shared
 * accept loop, into a connection waiting for connAccept(). NULL (the loop
 * closes <fd>) when no server context is installed or OpenSSL fails. */
static connection *tlsCreateAccepted(int fd, const char *ip, int port) {
    char err[TLS_ERR_LEN];
    tlsConnection *conn;

    if (!tls_server_ctx) {
        connLog(CONN_LL_WARNING,
                "TLS connection from %s:%d refused: TLS is not configured",
                ip, port);
        return NULL;
    }
    conn = tlsConnectionNew();
    conn->c.state = CONN_STATE_ACCEPTING;
    anetFormatAddr(conn->peer, sizeof(conn->peer), ip, port);
    ERR_clear_error();
    conn->ssl = SSL_new(tls_server_ctx);
    if (!conn->ssl || !SSL_set_fd(conn->ssl, fd)) {
        tlsDrainErrors(err, sizeof(err), NULL);
        connLog(CONN_LL_WARNING, "TLS connection from %s: %s", conn->peer, err);
        tlsClose(&conn->c);
        return NULL;
    }
    conn->c.fd = fd;
    SSL_set_accept_state(conn->ssl);
    return &conn->c;
}

static ConnectionType tls_type = {
    .name = CONN_TYPE_TLS,
    .is_tls = 1,
    .listen = connSocketListenTcp,
    .closeListener = connSocketCloseListener,
    .create = tlsCreate,
    .createAccepted = tlsCreateAccepted,
    .connect = tlsConnect,
    .accept = tlsAccept,
    .write = tlsWrite,
    .writev = tlsWritev,
    .read = tlsRead,
    .close = tlsClose,
    .setWriteHandler = tlsSetWriteHandler,
    .setReadHandler = tlsSetReadHandler,
    .getLastError = connGetLastErrorDefault,
    .hasPendingData = tlsHasPendingData,
    .processPendingData = tlsProcessPendingData,
    .getPeerCertSubject = tlsGetPeerCertSubject,
    .getPeerCertSANs = tlsGetPeerCertSANs,
    .getProtocol = tlsGetProtocol,
    .getCipher = tlsGetCipher,
};

/* ------------------------------------------------------------------------
 * Public functions (tls.h).
 * --------------------------------------------------------------------- */

/* Returns 1: this build has TLS. */
int tlsIsBuilt(void) {
    return 1;
}

/* Initialises OpenSSL, creates the type's lists and registers the "tls"
 * connection type. Safe to call more than once. */
void tlsInit(void) {
    if (tls_initialized) return;
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
                         OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
                     NULL);
    tls_pending = listCreate();
    tls_handshaking = listCreate();
    tls_conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (connTypeRegister(&tls_type) != 0)
        connLog(CONN_LL_WARNING, "Could not register the TLS connection type");
    tls_initialized = 1;
}

/* Builds a new server and client context from <s> (which is only read,
 * and not kept) and installs them if both built; the previous contexts are
 * released, open connections keep using the ones they started with.
 * Returns 0, or -1 with "<directive>: <file>: <reason>" in <err> of
 * <errlen> bytes and nothing changed. */
int tlsConfigure(const tlsSettings *s, char *err, size_t errlen) {
    SSL_CTX *server, *client;

    if (!tls_initialized) tlsInit();
    if (tlsCreateContexts(s, &server, &client, err, errlen) < 0) return -1;
    SSL_CTX_free(tls_server_ctx);
    SSL_CTX_free(tls_client_ctx);
    tls_server_ctx = server;
    tls_client_ctx = client;
    tls_handshake_timeout = s->handshake_timeout;
    tls_verify_peer_name = s->verify_peer_name;
    tls_client_has_ca = tlsIsSet(s->ca_cert_file) || tlsIsSet(s->ca_cert_dir);
    tls_client_skip_verify = s->client_skip_verify;
    tls_client_no_resume = s->client_no_resume;
    /* Sessions of the old settings may not fit the new ones. */
    tlsSessionsFlush();
    return 0;
}

/* Checks that <s> would load, as tlsConfigure does, without installing
 * anything. Returns 0, or -1 with the reason in <err>. */
int tlsValidate(const tlsSettings *s, char *err, size_t errlen) {
    SSL_CTX *server, *client;

    if (!tls_initialized) tlsInit();
    if (tlsCreateContexts(s, &server, &client, err, errlen) < 0) return -1;
    SSL_CTX_free(server);
    SSL_CTX_free(client);
    return 0;
}

/* Returns 1 once tlsConfigure() installed contexts. */
int tlsIsConfigured(void) {
    return tls_client_ctx != NULL || tls_server_ctx != NULL;
}

/* Copies the counters into <out>. */
void tlsGetStats(tlsStats *out) {
    *out = tls_stats;
}

/* Zeroes the counters (CONFIG RESETSTAT). */
void tlsResetStats(void) {
    memset(&tls_stats, 0, sizeof(tls_stats));
}

/* Fills <out> with the installed server certificate's subject and issuer
 * (RFC 2253), serial (hex) and expiry (unix time). Returns 0, or -1 when
 * no server certificate is installed. */
int tlsGetCertInfo(tlsCertInfo *out) {
    X509 *cert;
    BIO *bio;
    BUF_MEM *mem;
    BIGNUM *bn;
    struct tm tm;
    char *hex;
    const X509_NAME *names[2];
    char *dest[2];
    int i;

    memset(out, 0, sizeof(*out));
    if (!tls_server_ctx) return -1;
    cert = SSL_CTX_get0_certificate(tls_server_ctx);
    if (!cert) return -1;
    ERR_clear_error();

    names[0] = X509_get_subject_name(cert);
    names[1] = X509_get_issuer_name(cert);
    dest[0] = out->subject;
    dest[1] = out->issuer;
    for (i = 0; i < 2; i++) {
        bio = BIO_new(BIO_s_mem());
        if (!bio) continue;
        X509_NAME_print_ex(bio, names[i], 0, XN_FLAG_RFC2253);
        BIO_get_mem_ptr(bio, &mem);
        snprintf(dest[i], sizeof(out->subject), "%.*s",
                 (int)(mem->length > 255 ? 255 : mem->length), mem->data);
        BIO_free(bio);
    }

    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (bn) {
        hex = BN_bn2hex(bn);
        if (hex) {
            snprintf(out->serial, sizeof(out->serial), "%s", hex);
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm))
        out->not_after = (long long)timegm(&tm);
    ERR_clear_error();
    return 0;
}

/* Releases the contexts, the handshake timer and the type's lists. Open
 * connections must be closed first. OpenSSL's own global state is freed by
 * the exit handler OpenSSL installs. */
void tlsCleanup(void) {
    tlsSessionsFlush();
    SSL_CTX_free(tls_server_ctx);
    SSL_CTX_free(tls_client_ctx);
    tls_server_ctx = tls_client_ctx = NULL;
    if (tls_timer_id != -1 && tls_timer_loop)
        aeDeleteTimeEvent(tls_timer_loop, tls_timer_id);
    tls_timer_id = -1;
    tls_timer_loop = NULL;
    if (tls_pending && listLength(tls_pending) == 0) {
        listRelease(tls_pending);
        tls_pending = NULL;
    }
    if (tls_handshaking && listLength(tls_handshaking) == 0) {
        listRelease(tls_handshaking);
        tls_handshaking = NULL;
    }
}

#else /* !USE_OPENSSL */

#define TLS_NOT_BUILT "TLS support was not compiled in; rebuild with BUILD_TLS=yes"

#include <stdio.h>
#include <string.h>

/* Returns 0: this build has no TLS. */
int tlsIsBuilt(void) {
    return 0;
}

/* Does nothing: no "tls" type is registered, so connTypeOfTls() is NULL. */
void tlsInit(void) {
}

/* Fails: writes the reason into <err>. <s> is not read. */
int tlsConfigure(const tlsSettings *s, char *err, size_t errlen) {
    (void)s;
    if (errlen) snprintf(err, errlen, "%s", TLS_NOT_BUILT);
    return -1;
}

/* Fails like tlsConfigure. */
int tlsValidate(const tlsSettings *s, char *err, size_t errlen) {
    return tlsConfigure(s, err, errlen);
}

/* Returns 0. */
int tlsIsConfigured(void) {
    return 0;
}

/* Fills <out> with zeroes. */
void tlsGetStats(tlsStats *out) {
    memset(out, 0, sizeof(*out));
}

/* Does nothing. */
void tlsResetStats(void) {
}

/* Returns -1: there is no certificate. <out> is zeroed. */
int tlsGetCertInfo(tlsCertInfo *out) {
    memset(out, 0, sizeof(*out));
    return -1;
}

/* Does nothing. */
void tlsCleanup(void) {
}

#endif /* USE_OPENSSL */
