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

#include <stddef.h>

#include "sds.h"

#ifndef C_OK
#define C_OK 0
#define C_ERR -1
#endif

/* Reply types: RESP2's five and RESP3's additions. */
typedef enum {
    CLI_REPLY_STRING = 1, /* $ bulk string */
    CLI_REPLY_ARRAY,      /* * */
    CLI_REPLY_INTEGER,    /* : */
    CLI_REPLY_NIL,        /* $-1, *-1, _ */
    CLI_REPLY_STATUS,     /* + */
    CLI_REPLY_ERROR,      /* -, ! (blob error) */
    CLI_REPLY_DOUBLE,     /* , (text kept in str) */
    CLI_REPLY_BOOL,       /* # (integer is 0 or 1) */
    CLI_REPLY_MAP,        /* % (elements: key, value, key, value ...) */
    CLI_REPLY_SET,        /* ~ */
    CLI_REPLY_ATTR,       /* | */
    CLI_REPLY_PUSH,       /* > */
    CLI_REPLY_BIGNUM,     /* ( */
    CLI_REPLY_VERB        /* = (format in vtype, text after "xxx:") */
} cliReplyType;

typedef struct cliReply {
    cliReplyType type;
    long long integer;          /* INTEGER, BOOL */
    double dval;                /* DOUBLE */
    sds str;                    /* STRING, STATUS, ERROR, DOUBLE, BIGNUM, VERB */
    char vtype[4];              /* VERB: the three-letter format */
    size_t elements;            /* ARRAY, MAP (2 per pair), SET, PUSH, ATTR */
    struct cliReply **element;
} cliReply;

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

cliParseStatus cliParseReply(const char *buf, size_t len, size_t *consumed,
                             cliReply **out, char *err, size_t errlen);
void cliReplyFree(cliReply *r);

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
