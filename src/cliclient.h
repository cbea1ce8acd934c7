/* cliclient: the small RESP client library that redis-cli and
 * redis-benchmark share.
 *
 * It opens one connection (TCP, unix socket or TLS) through the connection
 * layer, writes requests and reads replies, waiting in poll on its own
 * descriptor (aeWait). The reply parser (cliParseReply) is pure: bytes in,
 * and out comes one reply tree, "need more" or a protocol error, so that
 * the benchmark's event-driven clients use it too.
 *
 * TLS stays inside the TLS connection type: this library only fills a
 * tlsSettings structure and calls tlsConfigure; it never sees OpenSSL. */
#ifndef CLICLIENT_H
#define CLICLIENT_H

#include <stdarg.h>
#include <stddef.h>

#include "resp.h"
#include "sds.h"

#ifndef C_OK
#define C_OK 0
#define C_ERR -1
#endif

/* Replies are the shared RESP reply trees of resp.h (one parser for the
 * tools and the server's own client links); the CLI_ names are the tools'
 * spelling of them. */
typedef respReply cliReply;
typedef respReplyType cliReplyType;
#define CLI_REPLY_STRING RESP_REPLY_STRING
#define CLI_REPLY_ARRAY RESP_REPLY_ARRAY
#define CLI_REPLY_INTEGER RESP_REPLY_INTEGER
#define CLI_REPLY_NIL RESP_REPLY_NIL
#define CLI_REPLY_STATUS RESP_REPLY_STATUS
#define CLI_REPLY_ERROR RESP_REPLY_ERROR
#define CLI_REPLY_DOUBLE RESP_REPLY_DOUBLE
#define CLI_REPLY_BOOL RESP_REPLY_BOOL
#define CLI_REPLY_MAP RESP_REPLY_MAP
#define CLI_REPLY_SET RESP_REPLY_SET
#define CLI_REPLY_PUSH RESP_REPLY_PUSH
#define CLI_REPLY_BIGNUM RESP_REPLY_BIGNUM
#define CLI_REPLY_VERB RESP_REPLY_VERB

typedef enum {
    CLI_PARSE_OK = 0, /* one whole reply parsed */
    CLI_PARSE_MORE,   /* the bytes end inside a reply */
    CLI_PARSE_ERROR   /* not RESP; <err> says why */
} cliParseStatus;

/* How to reach a server. Strings are borrowed for the call only. */
typedef struct cliConnOptions {
    const char *host;        /* name or address (default 127.0.0.1) */
    int port;                /* default 6379 */
    const char *unixsocket;  /* overrides host and port when set */
    int tls;                 /* 1: TLS with the fields below */
    const char *sni;         /* server name to send and check; NULL = host */
    const char *cacert;
    const char *cacertdir;
    const char *cert;
    const char *key;
    const char *ciphers;
    const char *ciphersuites;
    int insecure;            /* skip certificate verification */
    int no_resume;           /* every TLS handshake is a full one */
    long long timeout_ms;    /* connect + handshake deadline; 0 = none */
} cliConnOptions;

typedef struct cliClient {
    struct connection *conn;
    sds ibuf;        /* bytes read, not yet parsed */
    size_t ipos;     /* parsed prefix of ibuf */
    char err[512];   /* last error, one line */
} cliClient;

/* c->err after cliReadReply ran out of time. */
#define CLI_ERR_TIMEOUT "timed out reading the reply"

/* Limits of what the parser accepts from a server. */
#define CLI_MAX_NESTING 64
#define CLI_MAX_BULK (512LL * 1024 * 1024)
#define CLI_MAX_ELEMENTS 2147483647LL

cliParseStatus cliParseReply(const char *buf, size_t len, size_t *consumed,
                             cliReply **out, char *err, size_t errlen);
void cliReplyFree(cliReply *r);

/* Puts <first> and the arguments after it in <ap>, up to a NULL, into
 * <argv> (at most <max>); returns how many. */
int cliArgvFromList(char **argv, int max, const char *first, va_list ap);

/* Configures the TLS type from the TLS fields of <o> once per process. */
int cliTlsSetup(const cliConnOptions *o, char *err, size_t errlen)
    __attribute__((warn_unused_result));
cliClient *cliConnect(const cliConnOptions *o, char *err, size_t errlen);
void cliClientFree(cliClient *c);
int cliWriteAll(cliClient *c, const char *buf, size_t len)
    __attribute__((warn_unused_result));
int cliReadReply(cliClient *c, long long timeout_ms, cliReply **out)
    __attribute__((warn_unused_result));
sds cliFormatCommandArgv(sds out, int argc, char **argv, const size_t *lens);
cliReply *cliCommandArgv(cliClient *c, int argc, char **argv,
                         const size_t *lens);
cliReply *cliCommand(cliClient *c, const char *first, ...)
    __attribute__((sentinel));
int cliPendingInput(cliClient *c);
int cliWaitReadable(cliClient *c, long long timeout_ms);
struct aeEventLoop *cliEventLoop(void);

#endif
