/* redis-cli: the command-line client, plain or TLS.
 *
 * Owns: option parsing, the output formats of Redis 7.0's redis-cli
 * (terminal, raw, CSV, JSON), one-shot and repeated commands, the
 * interactive loop (line editing through cli-edit.c, history, completion,
 * hints and help from COMMAND DOCS) and the special modes (--pipe, --scan, --bigkeys,
 * --memkeys, --hotkeys, --latency*, --stat, --rdb, --replica, --eval).
 * Must not touch: sockets or OpenSSL directly; every byte goes through the
 * cliclient library and so through the connection layer.
 * Invariants: at most one server connection (ctx) at a time; replies are
 * printed in the order commands were sent. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ae.h"
#include "cli-cluster.h"
#include "cli-edit.h"
#include "cliclient.h"
#include "connection.h"
#include "util.h"
#include "zmalloc.h"

#define CLI_VERSION "7.0.15"
#define OUTPUT_STANDARD 0
#define OUTPUT_RAW 1
#define OUTPUT_CSV 2
#define OUTPUT_JSON 3
#define OUTPUT_QUOTED_JSON 4
#define CLI_HISTFILE_DEFAULT ".rediscli_history"
#define CLI_LATENCY_SAMPLE_MS 10

static struct config {
    cliConnOptions co;
    char *host;
    int port;
    char *unixsock;
    long repeat;
    double interval;
    int dbnum;
    int input_dbnum;
    int interactive;
    int output;
    int explicit_raw;
    sds mb_delim;
    sds cmd_delim;
    int resp;       /* 2 or 3 */
    int explicit_resp;
    char *auth;
    char *user;
    int askpass;
    int no_auth_warning;
    int stdin_lastarg;
    char *stdin_tag;
    int set_errcode;
    int last_cmd_error;
    int quoted_input;
    int cluster_mode;
    int verbose;
    int show_pushes;
    int pipe_mode;
    long pipe_timeout;
    int latency_mode;
    int latency_history;
    int latency_dist;
    int stat_mode;
    int bigkeys;
    int memkeys;
    int hotkeys;
    int scan_mode;
    sds pattern;
    long count;
    char *rdb_filename;
    int functions_rdb;
    int replica_mode;
    char *eval;
    int eval_ldb;
    int eval_ldb_sync; /* --ldb-sync-mode */
    int monitor_mode;
    int pubsub_mode;
    int interval_given;
    long memkeys_samples;    /* --memkeys-samples (-1: server default) */
    long lru_test_keys;      /* --lru-test <keys> */
    long intrinsic_latency;  /* --intrinsic-latency <seconds> */
    int cluster_manager;     /* --cluster <command> given */
    cliClusterOptions cm;    /* its arguments and --cluster-* options */
} config;

static cliClient *ctx = NULL;
static sds *cmd_names = NULL; /* command names for completion */
static int cmd_names_count = 0;

/* ------------------------------------------------------------------------
 * Small helpers.
 * --------------------------------------------------------------------- */

static void cliSleepSeconds(double s) {
    struct timespec ts;
    if (s <= 0) return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static long long cliMstime(void) {
    return monotonicUs() / 1000;
}

static void cliBytesToHuman(char *buf, size_t len, long long n) {
    double d = (double)n;
    if (n < 1024) {
        snprintf(buf, len, "%lldB", n);
    } else if (n < 1024LL * 1024) {
        snprintf(buf, len, "%.2fK", d / 1024);
    } else if (n < 1024LL * 1024 * 1024) {
        snprintf(buf, len, "%.2fM", d / (1024 * 1024));
    } else if (n < 1024LL * 1024 * 1024 * 1024) {
        snprintf(buf, len, "%.2fG", d / (1024.0 * 1024 * 1024));
    } else {
        snprintf(buf, len, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
    }
}

/* The value of <field> in an INFO text, or NULL. Caller frees. */
static sds cliInfoField(const char *info, const char *field) {
    size_t flen = strlen(field);
    const char *p = info;

    while ((p = strstr(p, field)) != NULL) {
        if ((p == info || p[-1] == '\n') && p[flen] == ':') {
            const char *v = p + flen + 1;
            size_t vlen = strcspn(v, "\r\n");
            return sdsNewLen(v, vlen);
        }
        p += flen;
    }
    return NULL;
}

static long long cliInfoLong(const char *info, const char *field) {
    sds v = cliInfoField(info, field);
    long long n = v ? strtoll(v, NULL, 10) : 0;
    sdsFree(v);
    return n;
}

/* ------------------------------------------------------------------------
 * Output formats.
 * --------------------------------------------------------------------- */

static sds cliFormatTTY(sds out, cliReply *r, const char *prefix);

/* One element of an aggregate: its index mark, then the element, with
 * continuation lines indented under the first. */
static sds cliFormatTTYAggregate(sds out, cliReply *r, const char *prefix) {
    size_t n = r->type == CLI_REPLY_MAP ? r->elements / 2 : r->elements;
    const char *empty = r->type == CLI_REPLY_MAP   ? "(empty hash)\n"
                        : r->type == CLI_REPLY_SET ? "(empty set)\n"
                                                   : "(empty array)\n";
    char mark = r->type == CLI_REPLY_MAP ? '#'
                : r->type == CLI_REPLY_SET ? '~'
                                           : ')';
    int idxlen = 0;

    if (n == 0) return sdsCat(out, empty);
    for (size_t i = n; i; i /= 10) idxlen++;
    for (size_t i = 0; i < n; i++) {
        char idx[64];
        sds sub;
        if (i > 0) out = sdsCat(out, prefix);
        snprintf(idx, sizeof(idx), "%*zu%c ", idxlen & 31, i + 1, mark);
        out = sdsCat(out, idx);
        sub = sdsNew(prefix);
        for (int k = 0; k < idxlen + 2; k++) sub = sdsCatLen(sub, " ", 1);
        if (r->type == CLI_REPLY_MAP) {
            sds key = cliFormatTTY(sdsEmpty(), r->element[i * 2], sub);
            sdsTrim(key, "\n");
            out = sdsCatSds(out, key);
            out = sdsCat(out, " => ");
            for (size_t k = 0; k < sdsLen(key) + 4; k++)
                sub = sdsCatLen(sub, " ", 1);
            out = cliFormatTTY(out, r->element[i * 2 + 1], sub);
            sdsFree(key);
        } else {
            out = cliFormatTTY(out, r->element[i], sub);
        }
        sdsFree(sub);
    }
    return out;
}

/* Appends <r> as redis-cli shows it on a terminal; ends with a newline. */
static sds cliFormatTTY(sds out, cliReply *r, const char *prefix) {
    switch (r->type) {
    case CLI_REPLY_ERROR:
        out = sdsCat(out, "(error) ");
        out = sdsCatSds(out, r->str);
        break;
    case CLI_REPLY_STATUS:
        out = sdsCatSds(out, r->str);
        break;
    case CLI_REPLY_INTEGER:
        out = sdsCatPrintf(out, "(integer) %lld", r->integer);
        break;
    case CLI_REPLY_DOUBLE:
        out = sdsCatPrintf(out, "(double) %s", r->str);
        break;
    case CLI_REPLY_BIGNUM:
        out = sdsCatPrintf(out, "(big number) %s", r->str);
        break;
    case CLI_REPLY_BOOL:
        out = sdsCat(out, r->integer ? "(true)" : "(false)");
        break;
    case CLI_REPLY_NIL:
        out = sdsCat(out, "(nil)");
        break;
    case CLI_REPLY_STRING:
        out = sdsCatRepr(out, r->str, sdsLen(r->str));
        break;
    case CLI_REPLY_VERB:
        out = sdsCatSds(out, r->str);
        break;
    default:
        return cliFormatTTYAggregate(out, r, prefix);
    }
    return sdsCat(out, "\n");
}

/* Appends <r> in raw form: strings as their bytes, aggregates as their
 * elements separated by the -d delimiter. */
static sds cliFormatRaw(sds out, cliReply *r) {
    switch (r->type) {
    case CLI_REPLY_NIL:
        break;
    case CLI_REPLY_ERROR:
        /* Redis 7.0's raw output ends an error with its own newline. */
        out = sdsCatSds(out, r->str);
        out = sdsCat(out, "\n");
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_STRING:
    case CLI_REPLY_VERB:
    case CLI_REPLY_DOUBLE:
    case CLI_REPLY_BIGNUM:
        out = sdsCatSds(out, r->str);
        break;
    case CLI_REPLY_INTEGER:
        out = sdsCatPrintf(out, "%lld", r->integer);
        break;
    case CLI_REPLY_BOOL:
        out = sdsCat(out, r->integer ? "1" : "0");
        break;
    case CLI_REPLY_MAP:
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            if (i > 0) out = sdsCatSds(out, config.mb_delim);
            out = cliFormatRaw(out, r->element[i]);
            out = sdsCat(out, " ");
            out = cliFormatRaw(out, r->element[i + 1]);
        }
        break;
    default:
        for (size_t i = 0; i < r->elements; i++) {
            if (i > 0) out = sdsCatSds(out, config.mb_delim);
            out = cliFormatRaw(out, r->element[i]);
        }
        break;
    }
    return out;
}

/* Appends <r> as one CSV line's fields (aggregates flattened). */
static sds cliFormatCSV(sds out, cliReply *r) {
    switch (r->type) {
    case CLI_REPLY_ERROR:
        out = sdsCat(out, "ERROR,");
        out = sdsCatRepr(out, r->str, sdsLen(r->str));
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_STRING:
    case CLI_REPLY_VERB:
        out = sdsCatRepr(out, r->str, sdsLen(r->str));
        break;
    case CLI_REPLY_INTEGER:
        out = sdsCatPrintf(out, "%lld", r->integer);
        break;
    case CLI_REPLY_DOUBLE:
    case CLI_REPLY_BIGNUM:
        out = sdsCatSds(out, r->str);
        break;
    case CLI_REPLY_BOOL:
        out = sdsCat(out, r->integer ? "true" : "false");
        break;
    case CLI_REPLY_NIL:
        out = sdsCat(out, "NULL");
        break;
    default:
        for (size_t i = 0; i < r->elements; i++) {
            if (i > 0) out = sdsCat(out, ",");
            out = cliFormatCSV(out, r->element[i]);
        }
        break;
    }
    return out;
}

/* Appends <s> as a JSON string (RFC 8259, section 7). With <ascii>
 * (--quoted-json) Redis 7.0's tool writes the string's quoted form (as the
 * terminal output shows it) with each backslash doubled; scripts parse
 * that, so it is kept. */
static sds cliJsonString(sds out, const char *s, size_t len, int ascii) {
    if (ascii) {
        sds q = sdsCatRepr(sdsEmpty(), s, len);
        for (size_t i = 0; i < sdsLen(q); i++) {
            if (q[i] == '\\') out = sdsCatLen(out, "\\", 1);
            out = sdsCatLen(out, q + i, 1);
        }
        sdsFree(q);
        return out;
    }
    out = sdsCatLen(out, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': out = sdsCat(out, "\\\""); break;
        case '\\': out = sdsCat(out, "\\\\"); break;
        case '\n': out = sdsCat(out, "\\n"); break;
        case '\r': out = sdsCat(out, "\\r"); break;
        case '\t': out = sdsCat(out, "\\t"); break;
        case '\b': out = sdsCat(out, "\\b"); break;
        case '\f': out = sdsCat(out, "\\f"); break;
        default:
            if (ch < 0x20 || ch == 0x7f || (ascii && ch >= 0x80))
                out = sdsCatPrintf(out, "\\u%04x", ch);
            else
                out = sdsCatLen(out, (const char *)&ch, 1);
        }
    }
    return sdsCatLen(out, "\"", 1);
}

/* Appends <r> as JSON. */
static sds cliFormatJson(sds out, cliReply *r, int ascii) {
    switch (r->type) {
    case CLI_REPLY_ERROR:
        out = sdsCat(out, "error:");
        out = cliJsonString(out, r->str, sdsLen(r->str), ascii);
        break;
    case CLI_REPLY_STATUS:
    case CLI_REPLY_STRING:
    case CLI_REPLY_VERB:
        out = cliJsonString(out, r->str, sdsLen(r->str), ascii);
        break;
    case CLI_REPLY_INTEGER:
        out = sdsCatPrintf(out, "%lld", r->integer);
        break;
    case CLI_REPLY_DOUBLE:
    case CLI_REPLY_BIGNUM:
        out = sdsCatSds(out, r->str);
        break;
    case CLI_REPLY_BOOL:
        out = sdsCat(out, r->integer ? "true" : "false");
        break;
    case CLI_REPLY_NIL:
        out = sdsCat(out, "null");
        break;
    case CLI_REPLY_MAP:
        out = sdsCat(out, "{");
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            cliReply *k = r->element[i];
            if (i > 0) out = sdsCat(out, ",");
            if (k->str && (k->type == CLI_REPLY_STRING ||
                           k->type == CLI_REPLY_STATUS)) {
                out = cliJsonString(out, k->str, sdsLen(k->str), ascii);
            } else {
                sds ks = cliFormatJson(sdsEmpty(), k, ascii);
                out = cliJsonString(out, ks, sdsLen(ks), ascii);
                sdsFree(ks);
            }
            out = sdsCat(out, ":");
            out = cliFormatJson(out, r->element[i + 1], ascii);
        }
        out = sdsCat(out, "}");
        break;
    default:
        out = sdsCat(out, "[");
        for (size_t i = 0; i < r->elements; i++) {
            if (i > 0) out = sdsCat(out, ",");
            out = cliFormatJson(out, r->element[i], ascii);
        }
        out = sdsCat(out, "]");
        break;
    }
    return out;
}

/* The whole text printed for reply <r> in the configured format. */
static sds cliFormatReply(cliReply *r) {
    sds out = sdsEmpty();

    switch (config.output) {
    case OUTPUT_STANDARD:
        out = cliFormatTTY(out, r, "");
        break;
    case OUTPUT_RAW:
        out = cliFormatRaw(out, r);
        out = sdsCatSds(out, config.cmd_delim);
        break;
    case OUTPUT_CSV:
        out = cliFormatCSV(out, r);
        out = sdsCat(out, "\n");
        break;
    default:
        out = cliFormatJson(out, r, config.output == OUTPUT_QUOTED_JSON);
        out = sdsCat(out, "\n");
        break;
    }
    return out;
}

/* ------------------------------------------------------------------------
 * Connecting.
 * --------------------------------------------------------------------- */

static void cliPrintConnectError(const char *err) {
    if (config.unixsock)
        fprintf(stderr, "Could not connect to Redis at %s: %s\n",
                config.unixsock, err);
    else
        fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n",
                config.host, config.port, err);
}

/* Sends AUTH, SELECT and HELLO as configured on a new connection. Errors
 * are printed; only a broken connection makes it fail. */
static int cliHandshake(void) {
    cliReply *r;

    if (config.auth) {
        if (config.user)
            r = cliCommand(ctx, "AUTH", config.user, config.auth, NULL);
        else
            r = cliCommand(ctx, "AUTH", config.auth, NULL);
        if (r == NULL) return C_ERR;
        if (r->type == CLI_REPLY_ERROR)
            fprintf(stderr, "AUTH failed: %s\n", r->str);
        cliReplyFree(r);
    }
    if (config.dbnum != 0) {
        char db[32];
        snprintf(db, sizeof(db), "%d", config.dbnum);
        r = cliCommand(ctx, "SELECT", db, NULL);
        if (r == NULL) return C_ERR;
        if (r->type == CLI_REPLY_ERROR) {
            fprintf(stderr, "%s\n", r->str);
            config.dbnum = 0;
        }
        cliReplyFree(r);
    }
    if (config.resp == 3) {
        r = cliCommand(ctx, "HELLO", "3", NULL);
        if (r == NULL) return C_ERR;
        if (r->type == CLI_REPLY_ERROR) {
            fprintf(stderr, "HELLO 3 failed: %s\n", r->str);
            config.resp = 2;
        }
        cliReplyFree(r);
    }
    return C_OK;
}

/* (Re)connects to the configured server. With <quiet> 0 a failure is
 * printed as Redis's tools print it. Returns C_OK or C_ERR. */
static int cliConnectServer(int quiet) {
    char err[512];

    cliClientFree(ctx);
    ctx = NULL;
    config.co.host = config.host;
    config.co.port = config.port;
    config.co.unixsocket = config.unixsock;
    if (config.co.tls && !config.unixsock &&
        cliTlsSetup(&config.co, err, sizeof(err)) != C_OK) {
        /* Redis's tool names the file that failed in these words. */
        const char *why = err;
        if (!strncmp(err, "tls-ca-cert", 11))
            why = "Invalid CA Certificate File/Directory";
        else if (!strncmp(err, "tls-client-cert-file", 20))
            why = "Invalid client certificate";
        else if (!strncmp(err, "tls-client-key-file", 19))
            why = "Invalid private key";
        if (!quiet)
            fprintf(stderr, "Could not negotiate a TLS connection: %s\n", why);
        return C_ERR;
    }
    ctx = cliConnect(&config.co, err, sizeof(err));
    if (ctx == NULL) {
        if (!quiet) cliPrintConnectError(err);
        return C_ERR;
    }
    if (cliHandshake() != C_OK) {
        if (!quiet) cliPrintConnectError(ctx->err);
        cliClientFree(ctx);
        ctx = NULL;
        return C_ERR;
    }
    return C_OK;
}

/* ------------------------------------------------------------------------
 * Running commands.
 * --------------------------------------------------------------------- */

static void cliPrintReply(cliReply *r) {
    sds out = cliFormatReply(r);
    fwrite(out, 1, sdsLen(out), stdout);
    fflush(stdout);
    sdsFree(out);
}

/* Reads and prints replies forever (MONITOR, SUBSCRIBE). Returns when the
 * connection ends. */
static int cliStreamReplies(void) {
    for (;;) {
        cliReply *r = NULL;
        if (cliReadReply(ctx, -1, &r) != C_OK) {
            fprintf(stderr, "Error: %s\n", ctx->err);
            return C_ERR;
        }
        if (config.monitor_mode && r->type == CLI_REPLY_STATUS) {
            printf("%s\n", r->str);
            fflush(stdout);
        } else {
            cliPrintReply(r);
        }
        cliReplyFree(r);
    }
}

/* Updates what the client tracks after a successful command: the selected
 * database and the protocol. */
static void cliTrackCommand(int argc, char **argv, cliReply *r) {
    if (r->type == CLI_REPLY_ERROR) return;
    if (!strcasecmp(argv[0], "select") && argc == 2) {
        config.dbnum = atoi(argv[1]);
    } else if (!strcasecmp(argv[0], "hello") && argc >= 2) {
        config.resp = atoi(argv[1]) == 3 ? 3 : 2;
    } else if (!strcasecmp(argv[0], "auth") && (argc == 2 || argc == 3)) {
        zfree(config.auth);
        zfree(config.user);
        config.auth = zstrdup(argv[argc - 1]);
        config.user = argc == 3 ? zstrdup(argv[1]) : NULL;
    }
}

/* -c: a "-MOVED <slot> <host>:<port>" or "-ASK ..." error (the cluster
 * specification's redirections) moves the session to that node; after ASK
 * the next command is preceded by ASKING. Returns 1 if the command is to
 * be sent again, 0 to show the error as it is. */
static int cliFollowRedirection(cliReply *r) {
    int ask = !strncmp(r->str, "ASK ", 4);
    char *slot_end, *colon, *addr;
    long slot;

    if (!ask && strncmp(r->str, "MOVED ", 6)) return 0;
    slot = strtol(r->str + (ask ? 4 : 6), &slot_end, 10);
    if (*slot_end != ' ') return 0;
    addr = slot_end + 1;
    colon = strrchr(addr, ':');
    if (colon == NULL) return 0;
    zfree(config.host);
    config.host = zmalloc((size_t)(colon - addr) + 1);
    memcpy(config.host, addr, (size_t)(colon - addr));
    config.host[colon - addr] = '\0';
    config.port = atoi(colon + 1);
    if (config.output == OUTPUT_STANDARD)
        printf("-> Redirected to slot [%ld] located at %s:%d\n", slot,
               config.host, config.port);
    if (cliConnectServer(0) != C_OK) return 0;
    if (ask) {
        cliReply *a = cliCommand(ctx, "ASKING", NULL);
        cliReplyFree(a);
    }
    return 1;
}

/* Sends one command <repeat> times (with the -i interval in between) and
 * prints each reply. Returns C_OK, or C_ERR if the connection broke. */
static int cliSendCommand(int argc, char **argv, size_t *lens, long repeat) {
    const char *name = argv[0];
    int is_shutdown = !strcasecmp(name, "shutdown");

    if (!strcasecmp(name, "monitor")) config.monitor_mode = 1;
    if (!strcasecmp(name, "subscribe") || !strcasecmp(name, "psubscribe") ||
        !strcasecmp(name, "ssubscribe"))
        config.pubsub_mode = 1;

    int redirects = 0;

    while (repeat < 0 || repeat-- > 0) {
        cliReply *r;
        if (ctx == NULL) return C_ERR;
        r = cliCommandArgv(ctx, argc, argv, lens);
        if (r == NULL) {
            if (is_shutdown) {
                cliClientFree(ctx);
                ctx = NULL;
                return C_OK;
            }
            return C_ERR;
        }
        if (config.cluster_mode && r->type == CLI_REPLY_ERROR &&
            redirects < 16 && cliFollowRedirection(r)) {
            redirects++;
            /* Sent again to the node the cluster named; not counted. */
            cliReplyFree(r);
            if (repeat >= 0) repeat++;
            continue;
        }
        config.last_cmd_error = r->type == CLI_REPLY_ERROR;
        cliTrackCommand(argc, argv, r);
        if (config.monitor_mode || config.pubsub_mode) {
            if (!config.monitor_mode) cliPrintReply(r);
            cliReplyFree(r);
            if (config.pubsub_mode && config.output == OUTPUT_STANDARD)
                printf("Reading messages... (press Ctrl-C to quit)\n");
            cliStreamReplies();
            exit(1);
        }
        if (config.set_errcode && r->type == CLI_REPLY_ERROR) {
            /* With -e the error is the exit status's explanation: stderr. */
            fprintf(stderr, "%s\n", r->str);
        } else {
            cliPrintReply(r);
        }
        cliReplyFree(r);
        if (config.interval > 0 && repeat != 0) cliSleepSeconds(config.interval);
    }
    return C_OK;
}

/* ------------------------------------------------------------------------
 * Help and completion from COMMAND DOCS.
 * --------------------------------------------------------------------- */

static cliReply *cliMapGet(cliReply *m, const char *key) {
    if (m == NULL || (m->type != CLI_REPLY_MAP && m->type != CLI_REPLY_ARRAY))
        return NULL;
    for (size_t i = 0; i + 1 < m->elements; i += 2) {
        cliReply *k = m->element[i];
        if (k->str && !strcasecmp(k->str, key)) return m->element[i + 1];
    }
    return NULL;
}

static sds cliDocsArgs(sds out, cliReply *args);

static int cliDocsHasFlag(cliReply *flags, const char *flag) {
    for (size_t i = 0; flags && i < flags->elements; i++)
        if (flags->element[i]->str && !strcmp(flags->element[i]->str, flag))
            return 1;
    return 0;
}

/* The syntax of one COMMAND DOCS argument description, written as Redis
 * 7.0's redis-cli writes it: blocks joined by spaces, alternatives by "|",
 * "x [x ...]" (or "x [TOKEN x ...]") for repeated arguments, the token
 * before its value and [] around optional ones. */
static sds cliDocsArg(cliReply *arg) {
    cliReply *name = cliMapGet(arg, "name");
    cliReply *type = cliMapGet(arg, "type");
    cliReply *token = cliMapGet(arg, "token");
    cliReply *flags = cliMapGet(arg, "flags");
    cliReply *sub = cliMapGet(arg, "arguments");
    const char *t = type && type->str ? type->str : "";
    sds s = sdsEmpty();

    if (!strcmp(t, "oneof") && sub) {
        for (size_t i = 0; i < sub->elements; i++) {
            sds one = cliDocsArg(sub->element[i]);
            if (i) s = sdsCat(s, "|");
            s = sdsCatSds(s, one);
            sdsFree(one);
        }
    } else if (!strcmp(t, "block") && sub) {
        s = cliDocsArgs(s, sub);
    } else if (strcmp(t, "pure-token") && name && name->str) {
        s = sdsCatSds(s, name->str);
    }
    if (cliDocsHasFlag(flags, "multiple")) {
        sds rep = sdsCatPrintf(sdsEmpty(), "%s [", s);
        if (cliDocsHasFlag(flags, "multiple_token") && token && token->str)
            rep = sdsCatPrintf(rep, "%s ", token->str);
        rep = sdsCatPrintf(rep, "%s ...]", s);
        sdsFree(s);
        s = rep;
    }
    if (token && token->str) {
        /* An empty token (MIGRATE's empty key) is shown as "". */
        sds tok = sdsNew(token->str[0] ? token->str : "\"\"");
        if (sdsLen(s)) tok = sdsCatPrintf(tok, " %s", s);
        sdsFree(s);
        s = tok;
    }
    if (cliDocsHasFlag(flags, "optional")) {
        sds opt = sdsCatPrintf(sdsEmpty(), "[%s]", s);
        sdsFree(s);
        s = opt;
    }
    return s;
}

static sds cliDocsArgs(sds out, cliReply *args) {
    for (size_t i = 0; args && i < args->elements; i++) {
        sds one = cliDocsArg(args->element[i]);
        if (i) out = sdsCat(out, " ");
        out = sdsCatSds(out, one);
        sdsFree(one);
    }
    return out;
}

/* "help <command>": prints the syntax, summary, version and group that
 * COMMAND DOCS gives for the command. */
static void cliHelpCommand(int argc, char **argv) {
    cliReply *r, *doc;
    sds name;

    if (argc < 2) {
        printf("redis-cli %s\n"
               "To get help about Redis commands type:\n"
               "      \"help @<group>\" to get a list of commands in <group>\n"
               "      \"help <command>\" for help on <command>\n"
               "      \"help <tab>\" to get a list of possible help topics\n"
               "      \"quit\" to exit\n\n"
               "To set redis-cli preferences:\n"
               "      \":set hints\" enable online hints\n"
               "      \":set nohints\" disable online hints\n"
               "Set your preferences in ~/.redisclirc\n",
               CLI_VERSION);
        return;
    }
    name = sdsNew(argv[1]);
    for (int i = 2; i < argc; i++) name = sdsCatPrintf(name, "|%s", argv[i]);
    sdsToLower(name);
    r = ctx ? cliCommand(ctx, "COMMAND", "DOCS", name, NULL) : NULL;
    doc = r && r->elements >= 2 ? r->element[1] : NULL;
    if (doc == NULL) {
        printf("No help for '%s'\n", name);
    } else {
        sds syn = sdsNew(argv[1]);
        cliReply *v;
        sdsToUpper(syn);
        for (int i = 2; i < argc; i++) {
            sds part = sdsNew(argv[i]);
            sdsToUpper(part);
            syn = sdsCatPrintf(syn, " %s", part);
            sdsFree(part);
        }
        {
            /* The name in bold, the arguments in grey. */
            sds params = cliDocsArgs(sdsEmpty(), cliMapGet(doc, "arguments"));
            printf("\r\n  \x1b[1m%s\x1b[0m \x1b[90m%s\x1b[0m\r\n", syn, params);
            sdsFree(params);
        }
        if ((v = cliMapGet(doc, "summary")) && v->str)
            printf("  \x1b[33msummary:\x1b[0m %s\r\n", v->str);
        if ((v = cliMapGet(doc, "since")) && v->str)
            printf("  \x1b[33msince:\x1b[0m %s\r\n", v->str);
        if ((v = cliMapGet(doc, "group")) && v->str)
            printf("  \x1b[33mgroup:\x1b[0m %s\r\n", v->str);
        printf("\r\n");
        sdsFree(syn);
    }
    cliReplyFree(r);
    sdsFree(name);
}

/* Hints: for every command and subcommand of COMMAND DOCS, its words
 * ("config", "get") and the syntax of its arguments. */
typedef struct {
    sds *words;
    int nwords;
    sds params;
} cliHintEntry;

static cliHintEntry *hint_entries = NULL;
static int hint_entries_count = 0;
static int hints_enabled = 1; /* ":set hints" / ":set nohints" */

static void cliHintAdd(const char *fullname, cliReply *doc) {
    cliHintEntry *e;
    hint_entries = zrealloc(hint_entries, sizeof(cliHintEntry) * (size_t)(hint_entries_count + 1));
    e = &hint_entries[hint_entries_count++];
    e->words = sdsSplitLen(fullname, (ssize_t)strlen(fullname), "|", 1, &e->nwords);
    e->params = cliDocsArgs(sdsEmpty(), cliMapGet(doc, "arguments"));
}

/* Loads the command names for completion and the hints (COMMAND DOCS);
 * without a reply there are neither. */
static void cliLoadCommandNames(void) {
    cliReply *r;

    if (ctx == NULL || cmd_names) return;
    r = cliCommand(ctx, "COMMAND", "DOCS", NULL);
    if (r == NULL) return;
    if (r->type == CLI_REPLY_ARRAY || r->type == CLI_REPLY_MAP) {
        cmd_names = zcalloc(sizeof(sds) * (r->elements / 2 + 1));
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            cliReply *subs;
            if (!r->element[i]->str) continue;
            cmd_names[cmd_names_count++] = sdsDup(r->element[i]->str);
            cliHintAdd(r->element[i]->str, r->element[i + 1]);
            subs = cliMapGet(r->element[i + 1], "subcommands");
            for (size_t j = 0; subs && j + 1 < subs->elements; j += 2)
                if (subs->element[j]->str)
                    cliHintAdd(subs->element[j]->str, subs->element[j + 1]);
        }
    }
    cliReplyFree(r);
}

/* The hint for the typed <buf>: the arguments of the longest matching
 * command (or subcommand) still to type. One leading word of the syntax
 * is dropped per argument already typed, stopping at the first optional
 * one; a space is put first when the line does not end with one. */
static sds cliHint(const char *buf) {
    int argc, best_words = 0;
    sds *argv;
    cliHintEntry *best = NULL;
    size_t len = strlen(buf);
    sds hint;
    int skip;

    if (!hints_enabled || hint_entries_count == 0) return NULL;
    argv = sdsSplitArgs(buf, &argc);
    if (argv == NULL) return NULL;
    for (int i = 0; i < hint_entries_count; i++) {
        cliHintEntry *e = &hint_entries[i];
        int j;
        if (e->nwords > argc || e->nwords <= best_words) continue;
        for (j = 0; j < e->nwords; j++)
            if (strcasecmp(e->words[j], argv[j])) break;
        if (j == e->nwords) {
            best = e;
            best_words = e->nwords;
        }
    }
    sdsFreeSplitRes(argv, argc);
    if (best == NULL) return NULL;
    hint = sdsNew(len && isspace((unsigned char)buf[len - 1]) ? "" : " ");
    {
        const char *p = best->params;
        skip = argc - best_words;
        while (skip > 0 && *p && *p != '[') {
            if (*p == ' ') skip--;
            p++;
        }
        hint = sdsCat(hint, p);
    }
    return hint;
}

/* Completion of the command name (the first word) in the case the user
 * typed. */
static sds *cliComplete(const char *buf, int *count) {
    size_t len = strlen(buf);
    int upper = len && isupper((unsigned char)buf[0]);
    sds *res;

    *count = 0;
    if (strchr(buf, ' ') || cmd_names_count == 0) return NULL;
    res = zmalloc(sizeof(sds) * (size_t)cmd_names_count);
    for (int i = 0; i < cmd_names_count; i++) {
        if (strncasecmp(cmd_names[i], buf, len)) continue;
        res[*count] = sdsDup(cmd_names[i]);
        if (upper) sdsToUpper(res[*count]);
        (*count)++;
    }
    return res;
}

/* ------------------------------------------------------------------------
 * The interactive loop.
 * --------------------------------------------------------------------- */

/* --ldb: 1 while the server holds a debugging session for us. */
static int cli_ldb_active = 0;
static int cliLdbRunLine(int argc, sds *argv);

static sds cliPrompt(void) {
    sds p;
    if (cli_ldb_active) return sdsNew("lua debugger> ");
    if (ctx == NULL) return sdsNew("not connected> ");
    if (config.unixsock)
        p = sdsCatPrintf(sdsEmpty(), "redis %s", config.unixsock);
    else
        p = sdsCatPrintf(sdsEmpty(), "%s:%d", config.host, config.port);
    if (config.dbnum) p = sdsCatPrintf(p, "[%d]", config.dbnum);
    return sdsCat(p, "> ");
}

static char *cliHistoryPath(void) {
    const char *env = getenv("REDISCLI_HISTFILE");
    const char *home;
    char *path;

    if (env) {
        if (env[0] == '\0' || !strcmp(env, "/dev/null")) return NULL;
        return zstrdup(env);
    }
    home = getenv("HOME");
    if (home == NULL || home[0] == '\0') return NULL;
    size_t len = strlen(home) + sizeof(CLI_HISTFILE_DEFAULT) + 2;
    path = zmalloc(len);
    snprintf(path, len, "%s/%s", home, CLI_HISTFILE_DEFAULT);
    return path;
}

/* History is kept in the file as Redis's tool keeps it: one command per
 * line, the last CLI_HISTORY_MAX, readable only by the user. (Formats of
 * line-editing libraries, such as libedit's header and octal escapes,
 * would not be shared with Redis's redis-cli.) */
#define CLI_HISTORY_MAX 100
static sds cli_history[CLI_HISTORY_MAX];
static int cli_history_len = 0;

static void cliHistoryRemember(const char *line) {
    if (cli_history_len == CLI_HISTORY_MAX) {
        sdsFree(cli_history[0]);
        memmove(cli_history, cli_history + 1, sizeof(sds) * (CLI_HISTORY_MAX - 1));
        cli_history_len--;
    }
    cli_history[cli_history_len++] = sdsNew(line);
}

/* Loads <path> into the editor's history and ours. */
static void cliHistoryLoad(const char *path) {
    FILE *f = fopen(path, "r");
    char buf[4096];

    if (f == NULL) return;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] == '\0') continue;
        cliEditHistoryAdd(buf);
        cliHistoryRemember(buf);
    }
    fclose(f);
}

/* Adds <line> and rewrites <path> (if not NULL) with the kept history. */
static void cliHistoryAdd(const char *line, const char *path) {
    FILE *f;
    int fd;

    if (strchr(line, '\n')) return;
    cliHistoryRemember(line);
    if (path == NULL) return;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd == -1) return;
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return;
    }
    for (int i = 0; i < cli_history_len; i++) fprintf(f, "%s\n", cli_history[i]);
    fclose(f);
}

/* Reads one line: through the line editor on a terminal, with fgets
 * otherwise. Returns a malloc'ed line (free()) or NULL at end of input. */
static char *cliReadLine(const char *prompt, int tty) {
    if (tty) return cliEditReadLine(prompt);
    {
        sds acc = sdsEmpty();
        char buf[4096];
        char *res;
        while (fgets(buf, sizeof(buf), stdin) != NULL) {
            acc = sdsCat(acc, buf);
            if (sdsLen(acc) && acc[sdsLen(acc) - 1] == '\n') break;
        }
        if (sdsLen(acc) == 0 && feof(stdin)) {
            sdsFree(acc);
            return NULL;
        }
        sdsTrim(acc, "\r\n");
        res = strdup(acc);
        sdsFree(acc);
        return res;
    }
}

/* Preferences, typed or in ~/.redisclirc: ":set hints", ":set nohints". */
static void cliPreference(int argc, sds *argv, const char *line) {
    if (argc == 2 && !strcasecmp(argv[0], ":set") && !strcasecmp(argv[1], "hints"))
        hints_enabled = 1;
    else if (argc == 2 && !strcasecmp(argv[0], ":set") && !strcasecmp(argv[1], "nohints"))
        hints_enabled = 0;
    else
        printf("Unknown redis-cli preference '%s'\n", line);
    fflush(stdout);
}

/* Applies the preference lines of $REDISCLI_RCFILE or ~/.redisclirc. */
static void cliLoadRcFile(void) {
    const char *env = getenv("REDISCLI_RCFILE");
    const char *home = getenv("HOME");
    char path[PATH_MAX], buf[1024];
    FILE *f;

    if (env)
        snprintf(path, sizeof(path), "%s", env);
    else if (home && home[0])
        snprintf(path, sizeof(path), "%s/.redisclirc", home);
    else
        return;
    if ((f = fopen(path, "r")) == NULL) return;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        int argc = 0;
        sds *argv;
        buf[strcspn(buf, "\r\n")] = '\0';
        argv = sdsSplitArgs(buf, &argc);
        if (argv && argc && argv[0][0] == ':') cliPreference(argc, argv, buf);
        sdsFreeSplitRes(argv, argc);
    }
    fclose(f);
}

/* Runs one line typed by the user (or read from stdin). Returns 1 to
 * quit. */
static int cliRunLine(const char *line, int tty, const char *histfile) {
    int argc;
    sds *argv = sdsSplitArgs(line, &argc);
    long repeat = 1;
    int skip = 0;

    if (argv == NULL) {
        printf("Invalid argument(s)\n");
        fflush(stdout);
        return 0;
    }
    if (argc == 0) {
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    if (tty) {
        cliEditHistoryAdd(line);
        cliHistoryAdd(line, histfile);
    }
    if (cli_ldb_active) {
        int quit = cliLdbRunLine(argc, argv);
        sdsFreeSplitRes(argv, argc);
        return quit;
    }
    if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit")) {
        sdsFreeSplitRes(argv, argc);
        return 1;
    }
    if (argv[0][0] == ':') {
        cliPreference(argc, argv, line);
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    if (argc == 3 && !strcasecmp(argv[0], "connect")) {
        zfree(config.host);
        config.host = zstrdup(argv[1]);
        config.port = atoi(argv[2]);
        zfree(config.unixsock);
        config.unixsock = NULL;
        cliConnectServer(0);
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    if (argc == 1 && !strcasecmp(argv[0], "clear")) {
        printf("\x1b[H\x1b[2J");
        fflush(stdout);
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    if (!strcasecmp(argv[0], "help") || !strcmp(argv[0], "?")) {
        cliHelpCommand(argc, argv);
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    /* "<n> command": run it n times. */
    if (argc > 1 && string2l(argv[0], sdsLen(argv[0]), &repeat) && repeat > 0)
        skip = 1;
    else
        repeat = 1;
    if (ctx == NULL && cliConnectServer(0) != C_OK) {
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    {
        size_t *lens = zmalloc(sizeof(size_t) * (size_t)argc);
        for (int i = 0; i < argc; i++) lens[i] = sdsLen(argv[i]);
        if (cliSendCommand(argc - skip, argv + skip, lens + skip, repeat) !=
            C_OK) {
            printf("Error: %s\n", ctx ? ctx->err : "not connected");
            fflush(stdout);
            /* "not connected>" until the next command reconnects. */
            cliClientFree(ctx);
            ctx = NULL;
        }
        zfree(lens);
    }
    sdsFreeSplitRes(argv, argc);
    return 0;
}

/* The read-eval-print loop (interactive on a terminal; plain line reading
 * when stdin is not one). Returns the exit status. */
static int cliRepl(void) {
    int tty = isatty(fileno(stdin));
    char *histfile = NULL;

    if (tty) {
        histfile = cliHistoryPath();
        if (histfile) cliHistoryLoad(histfile);
        cliLoadRcFile();
        cliLoadCommandNames();
        cliEditSetCompletion(cliComplete);
        cliEditSetHints(cliHint);
    }
    for (;;) {
        sds prompt;
        char *line;
        if (tty) cliLoadCommandNames(); /* once, when first connected */
        prompt = cliPrompt();
        line = cliReadLine(prompt, tty);
        int quit;
        sdsFree(prompt);
        if (line == NULL) break;
        quit = cliRunLine(line, tty, histfile);
        free(line);
        if (quit) break;
    }
    zfree(histfile);
    return config.set_errcode && config.last_cmd_error ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * --pipe: raw protocol from stdin, replies counted.
 * --------------------------------------------------------------------- */

static int cliPipeMode(void) {
    char marker[41], echo_cmd[128];
    sds obuf = sdsEmpty();
    size_t opos = 0;
    int eof = 0, marker_sent = 0, done = 0;
    long long errors = 0, replies = 0, last_reply_ms = 0;
    int fd = connGetFd(ctx->conn);

    getRandomHexChars(marker, 40);
    marker[40] = '\0';
    snprintf(echo_cmd, sizeof(echo_cmd),
             "*2\r\n$4\r\nECHO\r\n$40\r\n%s\r\n", marker);
    fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    while (!done) {
        int mask = AE_READABLE;
        if (opos < sdsLen(obuf)) mask |= AE_WRITABLE;
        if (!cliPendingInput(ctx) &&
            aeWait(fd, mask, marker_sent ? 1000 : 100) < 0 && errno != EINTR) {
            fprintf(stderr, "Error: %s\n", strerror(errno));
            return 1;
        }
        /* Replies. */
        for (;;) {
            cliReply *r = NULL;
            ssize_t n;
            size_t used;
            char perr[128];
            cliParseStatus st;

            if (cliPendingInput(ctx)) {
                st = cliParseReply(ctx->ibuf + ctx->ipos,
                                   sdsLen(ctx->ibuf) - ctx->ipos, &used, &r,
                                   perr, sizeof(perr));
                if (st == CLI_PARSE_ERROR) {
                    fprintf(stderr, "Error reading replies: %s\n", perr);
                    return 1;
                }
                if (st == CLI_PARSE_OK) {
                    ctx->ipos += used;
                    last_reply_ms = cliMstime();
                    if (r->type == CLI_REPLY_ERROR) {
                        fprintf(stderr, "%s\n", r->str);
                        errors++;
                    } else if (marker_sent && r->type == CLI_REPLY_STRING &&
                               sdsLen(r->str) == 40 &&
                               !memcmp(r->str, marker, 40)) {
                        done = 1;
                    } else {
                        replies++;
                    }
                    cliReplyFree(r);
                    if (done) break;
                    continue;
                }
            }
            if (ctx->ipos == sdsLen(ctx->ibuf)) {
                sdsClear(ctx->ibuf);
                ctx->ipos = 0;
            }
            ctx->ibuf = sdsMakeRoomFor(ctx->ibuf, 65536);
            n = connRead(ctx->conn, ctx->ibuf + sdsLen(ctx->ibuf), 65536);
            if (n > 0) {
                sdsIncrLen(ctx->ibuf, n);
                continue;
            }
            if (n == 0 || connGetState(ctx->conn) != CONN_STATE_CONNECTED) {
                fprintf(stderr, "Error reading from the server: %s\n",
                        n == 0 ? "Server closed the connection"
                               : connGetLastError(ctx->conn));
                return 1;
            }
            break;
        }
        if (done) break;
        /* Requests. */
        if (opos == sdsLen(obuf) && !eof) {
            char buf[16384];
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            sdsClear(obuf);
            opos = 0;
            if (n > 0) {
                obuf = sdsCatLen(obuf, buf, (size_t)n);
            } else if (n == 0) {
                eof = 1;
            } else if (errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "Error reading from stdin: %s\n",
                        strerror(errno));
                return 1;
            } else {
                aeWait(STDIN_FILENO, AE_READABLE, 10);
            }
        }
        if (eof && !marker_sent && opos == sdsLen(obuf)) {
            obuf = sdsCat(obuf, echo_cmd);
            marker_sent = 1;
            last_reply_ms = cliMstime();
            fprintf(stderr, "All data transferred. Waiting for the last reply...\n");
        }
        while (opos < sdsLen(obuf)) {
            ssize_t n = connWrite(ctx->conn, obuf + opos, sdsLen(obuf) - opos);
            if (n > 0) {
                opos += (size_t)n;
                continue;
            }
            if (connGetState(ctx->conn) != CONN_STATE_CONNECTED) {
                fprintf(stderr, "Error writing to the server: %s\n",
                        connGetLastError(ctx->conn));
                return 1;
            }
            break;
        }
        if (marker_sent && config.pipe_timeout > 0 &&
            cliMstime() - last_reply_ms > config.pipe_timeout * 1000) {
            fprintf(stderr,
                    "No replies for %ld seconds: exiting.\n", config.pipe_timeout);
            errors++;
            break;
        }
    }
    sdsFree(obuf);
    if (done) fprintf(stderr, "Last reply received from server.\n");
    printf("errors: %lld, replies: %lld\n", errors, replies);
    return errors ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * --scan, --bigkeys, --memkeys, --hotkeys.
 * --------------------------------------------------------------------- */

/* One SCAN step from <*cursor>; returns the keys array reply (element 1
 * of the reply, kept in *holder for freeing) or exits on error. */
static cliReply *cliScanStep(sds *cursor, cliReply **holder) {
    char count[32];
    cliReply *r;
    char *argv[6];
    int argc = 0;

    argv[argc++] = "SCAN";
    argv[argc++] = *cursor;
    if (config.pattern) {
        argv[argc++] = "MATCH";
        argv[argc++] = config.pattern;
    }
    if (config.count > 0) {
        snprintf(count, sizeof(count), "%ld", config.count);
        argv[argc++] = "COUNT";
        argv[argc++] = count;
    }
    r = cliCommandArgv(ctx, argc, argv, NULL);
    if (r == NULL) {
        fprintf(stderr, "I/O error\n");
        exit(1);
    }
    if (r->type == CLI_REPLY_ERROR) {
        fprintf(stderr, "SCAN error: %s\n", r->str);
        exit(1);
    }
    if (r->type != CLI_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->str == NULL || r->element[1]->type != CLI_REPLY_ARRAY) {
        fprintf(stderr, "Non ARRAY response from SCAN!\n");
        exit(1);
    }
    sdsFree(*cursor);
    *cursor = sdsDup(r->element[0]->str);
    *holder = r;
    return r->element[1];
}

static int cliScanMode(void) {
    sds cursor = sdsNew("0");
    do {
        cliReply *holder, *keys = cliScanStep(&cursor, &holder);
        for (size_t i = 0; i < keys->elements; i++) {
            cliReply *k = keys->element[i];
            if (config.output == OUTPUT_STANDARD) {
                sds q = sdsCatRepr(sdsEmpty(), k->str, sdsLen(k->str));
                printf("%s\n", q);
                sdsFree(q);
            } else {
                fwrite(k->str, 1, sdsLen(k->str), stdout);
                fputc('\n', stdout);
            }
        }
        cliReplyFree(holder);
        if (config.interval > 0) cliSleepSeconds(config.interval);
    } while (strcmp(cursor, "0") != 0);
    sdsFree(cursor);
    fflush(stdout);
    return 0;
}

typedef struct cliTypeStats {
    const char *name;      /* TYPE's answer */
    const char *sizecmd;   /* command giving its size */
    const char *unit;      /* what the size counts */
    long long count, total_size, biggest;
    sds biggest_key;
} cliTypeStats;

static long long cliKeyCount(void) {
    cliReply *r = cliCommand(ctx, "DBSIZE", NULL);
    long long n = r && r->type == CLI_REPLY_INTEGER ? r->integer : 0;
    cliReplyFree(r);
    return n;
}

/* Pipelines one command per key of <keys> and returns their replies. */
static cliReply **cliPipelineKeys(cliReply *keys, const char *cmd,
                                  const char *sub, cliTypeStats *stats,
                                  int nstats) {
    sds req = sdsEmpty();
    cliReply **out = zcalloc(sizeof(cliReply *) * (keys->elements + 1));

    for (size_t i = 0; i < keys->elements; i++) {
        char *argv[6];
        size_t lens[6];
        int argc = 0;
        const char *c = cmd;
        char samples[32];
        if (c == NULL) {
            /* The size command of the type TYPE gave (kept in integer). */
            long long t = keys->element[i]->integer;
            c = (t >= 0 && t < nstats) ? stats[t].sizecmd : "EXISTS";
        }
        argv[argc] = (char *)c;
        lens[argc++] = strlen(c);
        if (sub) {
            argv[argc] = (char *)sub;
            lens[argc++] = strlen(sub);
        }
        argv[argc] = keys->element[i]->str;
        lens[argc++] = sdsLen(keys->element[i]->str);
        /* As Redis 7.0's tool: 0 means the server's default sampling. */
        if (cmd && !strcmp(cmd, "MEMORY") && config.memkeys_samples > 0) {
            snprintf(samples, sizeof(samples), "%ld", config.memkeys_samples);
            argv[argc] = "SAMPLES";
            lens[argc++] = 7;
            argv[argc] = samples;
            lens[argc++] = strlen(samples);
        }
        req = cliFormatCommandArgv(req, argc, argv, lens);
    }
    if (cliWriteAll(ctx, req, sdsLen(req)) != C_OK) {
        fprintf(stderr, "I/O error: %s\n", ctx->err);
        exit(1);
    }
    sdsFree(req);
    for (size_t i = 0; i < keys->elements; i++) {
        if (cliReadReply(ctx, -1, &out[i]) != C_OK) {
            fprintf(stderr, "I/O error: %s\n", ctx->err);
            exit(1);
        }
    }
    return out;
}

/* --bigkeys (<memkeys> 0) and --memkeys (<memkeys> 1). */
static int cliFindBigKeys(int memkeys) {
    cliTypeStats stats[] = {
        {"string", "STRLEN", "bytes", 0, 0, 0, NULL},
        {"list", "LLEN", "items", 0, 0, 0, NULL},
        {"set", "SCARD", "members", 0, 0, 0, NULL},
        {"zset", "ZCARD", "members", 0, 0, 0, NULL},
        {"hash", "HLEN", "fields", 0, 0, 0, NULL},
        {"stream", "XLEN", "entries", 0, 0, 0, NULL},
    };
    const int nstats = 6;
    const int order[] = {1, 4, 0, 5, 2, 3}; /* list hash string stream set zset */
    long long total = cliKeyCount(), sampled = 0, totlen = 0, it = 0;
    sds cursor = sdsNew("0");

    printf("\n# Scanning the entire keyspace to find biggest keys as well as\n"
           "# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n"
           "# per 100 SCAN commands (not usually needed).\n\n");
    do {
        cliReply *holder, *keys = cliScanStep(&cursor, &holder);
        cliReply **types, **sizes;
        long long before = sampled; /* progress is shown per SCAN batch */

        types = cliPipelineKeys(keys, "TYPE", NULL, NULL, 0);
        for (size_t i = 0; i < keys->elements; i++) {
            int t = -1;
            for (int k = 0; k < nstats; k++)
                if (types[i]->str && !strcmp(types[i]->str, stats[k].name))
                    t = k;
            keys->element[i]->integer = t; /* remembered for the sizes */
        }
        if (memkeys)
            sizes = cliPipelineKeys(keys, "MEMORY", "USAGE", NULL, 0);
        else
            sizes = cliPipelineKeys(keys, NULL, NULL, stats, nstats);
        for (size_t i = 0; i < keys->elements; i++) {
            long long t = keys->element[i]->integer, size;
            if (t < 0) continue;
            if (sizes[i]->type == CLI_REPLY_ERROR) {
                fprintf(stderr, "Error: %s\n", sizes[i]->str);
                exit(1);
            }
            size = sizes[i]->type == CLI_REPLY_INTEGER ? sizes[i]->integer : 0;
            sampled++;
            totlen += (long long)sdsLen(keys->element[i]->str);
            stats[t].count++;
            stats[t].total_size += size;
            if (stats[t].biggest_key == NULL || size > stats[t].biggest) {
                sds q = sdsCatRepr(sdsEmpty(), keys->element[i]->str,
                                   sdsLen(keys->element[i]->str));
                printf("[%05.2f%%] Biggest %-6s found so far '%s' with %lld %s\n",
                       total ? 100 * (double)before / (double)total : 0.0,
                       stats[t].name, q, size,
                       memkeys ? "bytes" : stats[t].unit);
                sdsFree(stats[t].biggest_key);
                stats[t].biggest_key = q;
                stats[t].biggest = size;
            }
        }
        for (size_t i = 0; i < keys->elements; i++) {
            cliReplyFree(types[i]);
            cliReplyFree(sizes[i]);
        }
        zfree(types);
        zfree(sizes);
        cliReplyFree(holder);
        if (config.interval > 0 && ++it % 100 == 0)
            cliSleepSeconds(config.interval);
    } while (strcmp(cursor, "0") != 0);
    sdsFree(cursor);

    printf("\n-------- summary -------\n\n");
    printf("Sampled %lld keys in the keyspace!\n", sampled);
    printf("Total key length in bytes is %lld (avg len %.2f)\n\n", totlen,
           sampled ? (double)totlen / (double)sampled : 0.0);
    for (int o = 0; o < nstats; o++) {
        cliTypeStats *s = &stats[order[o]];
        if (s->biggest_key)
            printf("Biggest %6s found '%s' has %lld %s\n", s->name,
                   s->biggest_key, s->biggest, memkeys ? "bytes" : s->unit);
    }
    printf("\n");
    for (int o = 0; o < nstats; o++) {
        cliTypeStats *s = &stats[order[o]];
        printf("%lld %ss with %lld %s (%05.2f%% of keys, avg size %.2f)\n",
               s->count, s->name, s->total_size, memkeys ? "bytes" : s->unit,
               sampled ? 100 * (double)s->count / (double)sampled : 0.0,
               s->count ? (double)s->total_size / (double)s->count : 0.0);
        sdsFree(s->biggest_key);
    }
    fflush(stdout);
    return 0;
}

/* --hotkeys: OBJECT FREQ of every key (needs an LFU maxmemory-policy). */
static int cliFindHotKeys(void) {
    sds cursor = sdsNew("0");
    sds top_keys[16] = {NULL};
    long long top_freq[16] = {0};
    long long total = cliKeyCount(), sampled = 0;

    printf("\n# Scanning the entire keyspace to find hot keys as well as\n"
           "# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n"
           "# per 100 SCAN commands (not usually needed).\n\n");
    do {
        cliReply *holder, *keys = cliScanStep(&cursor, &holder);
        cliReply **freqs = cliPipelineKeys(keys, "OBJECT", "FREQ", NULL, 0);
        for (size_t i = 0; i < keys->elements; i++) {
            long long f;
            int k;
            if (freqs[i]->type == CLI_REPLY_ERROR) {
                fprintf(stderr, "Error: %s\n", freqs[i]->str);
                exit(1);
            }
            f = freqs[i]->integer;
            sampled++;
            for (k = 0; k < 16 && top_keys[k] && top_freq[k] >= f; k++) {
            }
            if (k < 16) {
                sdsFree(top_keys[15]);
                memmove(top_keys + k + 1, top_keys + k, sizeof(sds) * (size_t)(15 - k));
                memmove(top_freq + k + 1, top_freq + k,
                        sizeof(long long) * (size_t)(15 - k));
                top_keys[k] = sdsCatRepr(sdsEmpty(), keys->element[i]->str,
                                         sdsLen(keys->element[i]->str));
                top_freq[k] = f;
                printf("[%05.2f%%] Hot key '%s' found so far with counter %lld\n",
                       total ? 100 * (double)sampled / (double)total : 0.0,
                       top_keys[k], f);
            }
            cliReplyFree(freqs[i]);
        }
        zfree(freqs);
        cliReplyFree(holder);
    } while (strcmp(cursor, "0") != 0);
    sdsFree(cursor);
    printf("\n-------- summary -------\n\n");
    printf("Sampled %lld keys in the keyspace!\n", sampled);
    for (int k = 0; k < 16 && top_keys[k]; k++) {
        printf("hot key found with counter: %lld\tkeyname: %s\n", top_freq[k],
               top_keys[k]);
        sdsFree(top_keys[k]);
    }
    fflush(stdout);
    return 0;
}

/* ------------------------------------------------------------------------
 * --latency, --latency-history, --latency-dist, --stat.
 * --------------------------------------------------------------------- */

static int cliLatencyMode(void) {
    long long min = 0, max = 0, count = 0, start = cliMstime();
    double tot = 0;
    int tty = isatty(fileno(stdout)) && config.output == OUTPUT_STANDARD;
    double interval = config.interval_given ? config.interval
                      : config.latency_history ? 15.0
                                               : 1.0;

    for (;;) {
        /* Millisecond clock readings, as Redis's tool takes them: a
         * sample that crosses a millisecond boundary counts as 1. */
        long long t0 = cliMstime(), lat;
        cliReply *r = cliCommand(ctx, "PING", NULL);
        if (r == NULL) {
            fprintf(stderr, "\nI/O error: %s\n", ctx->err);
            return 1;
        }
        cliReplyFree(r);
        lat = cliMstime() - t0;
        if (count == 0 || lat < min) min = lat;
        if (count == 0 || lat > max) max = lat;
        count++;
        tot += (double)lat;
        if (tty) {
            printf("\x1b[0G\x1b[2Kmin: %lld, max: %lld, avg: %.2f (%lld samples)",
                   min, max, tot / (double)count, count);
            fflush(stdout);
        } else if (config.latency_history) {
            /* Redis 7.0's tool, not on a terminal, prints the running
             * figures after every sample in history mode. */
            if (config.output == OUTPUT_CSV)
                printf("%lld,%lld,%.2f,%lld\n", min, max, tot / (double)count, count);
            else
                printf("%lld %lld %.2f %lld\n", min, max, tot / (double)count, count);
            fflush(stdout);
        }
        if (cliMstime() - start >= (long long)(interval * 1000)) {
            if (!tty && !config.latency_history) {
                if (config.output == OUTPUT_CSV)
                    printf("%lld,%lld,%.2f,%lld\n", min, max,
                           tot / (double)count, count);
                else
                    printf("%lld %lld %.2f %lld\n", min, max,
                           tot / (double)count, count);
                fflush(stdout);
                if (!config.latency_history) return 0;
            } else if (config.latency_history) {
                printf(" -- %.2f seconds range\n", interval);
                fflush(stdout);
            }
            if (config.latency_history) {
                start = cliMstime();
                min = max = count = 0;
                tot = 0;
            }
        }
        cliSleepSeconds(CLI_LATENCY_SAMPLE_MS / 1000.0);
    }
}

/* --latency-dist: one line per interval with the share of samples in each
 * latency bucket (a text form of Redis's colour spectrum). */
static int cliLatencyDistMode(void) {
    static const long long bounds[] = {1, 2, 5, 10, 25, 50, 100, 250, 500,
                                       1000, 2000, 5000, LLONG_MAX};
    const int nb = (int)(sizeof(bounds) / sizeof(bounds[0]));
    long long hist[sizeof(bounds) / sizeof(bounds[0])];
    double interval = config.interval_given ? config.interval : 1.0;

    printf("latency buckets (usec): <1000 <2000 <5000 <10000 <25000 <50000 "
           "<100000 <250000 <500000 <1s <2s <5s more\n");
    for (;;) {
        long long start = cliMstime(), count = 0;
        memset(hist, 0, sizeof(hist));
        while (cliMstime() - start < (long long)(interval * 1000)) {
            long long t0 = monotonicUs(), lat;
            cliReply *r = cliCommand(ctx, "PING", NULL);
            if (r == NULL) {
                fprintf(stderr, "I/O error: %s\n", ctx->err);
                return 1;
            }
            cliReplyFree(r);
            lat = (monotonicUs() - t0) / 1000;
            for (int b = 0; b < nb; b++)
                if (lat < bounds[b]) {
                    hist[b]++;
                    break;
                }
            count++;
            cliSleepSeconds(CLI_LATENCY_SAMPLE_MS / 1000.0);
        }
        for (int b = 0; b < nb; b++)
            printf("%s%.1f%%", b ? " " : "", 100.0 * (double)hist[b] / (double)count);
        printf("\n");
        fflush(stdout);
    }
}

static int cliStatMode(void) {
    long long prev_requests = 0;
    int lines = 0;
    double interval = config.interval_given ? config.interval : 1.0;

    for (;;) {
        cliReply *r = cliCommand(ctx, "INFO", NULL);
        char buf[64];
        long long keys = 0, requests;
        const char *info;
        sds child;

        if (r == NULL || r->str == NULL) {
            fprintf(stderr, "ERROR: %s\n", r ? r->str : ctx->err);
            return 1;
        }
        info = r->str;
        if (lines++ % 20 == 0) {
            printf("------- data ------ --------------------- load -------------------- - child -\n"
                   "keys       mem      clients blocked requests            connections          \n");
        }
        for (int db = 0; db < 10000; db++) {
            char field[32];
            sds v;
            snprintf(field, sizeof(field), "db%d", db);
            v = cliInfoField(info, field);
            if (v == NULL) {
                if (db > 16) break;
                continue;
            }
            if (!strncmp(v, "keys=", 5)) keys += strtoll(v + 5, NULL, 10);
            sdsFree(v);
        }
        snprintf(buf, sizeof(buf), "%lld", keys);
        printf("%-11s", buf);
        cliBytesToHuman(buf, sizeof(buf), cliInfoLong(info, "used_memory"));
        printf("%-9s", buf);
        snprintf(buf, sizeof(buf), "%lld", cliInfoLong(info, "connected_clients"));
        printf("%-8s", buf);
        snprintf(buf, sizeof(buf), "%lld", cliInfoLong(info, "blocked_clients"));
        printf("%-8s", buf);
        requests = cliInfoLong(info, "total_commands_processed");
        snprintf(buf, sizeof(buf), "%lld (+%lld)", requests,
                 prev_requests ? requests - prev_requests : 0);
        printf("%-20s", buf);
        prev_requests = requests;
        snprintf(buf, sizeof(buf), "%lld",
                 cliInfoLong(info, "total_connections_received"));
        printf("%-12s", buf);
        child = sdsEmpty();
        if (cliInfoLong(info, "rdb_bgsave_in_progress")) child = sdsCat(child, "SAVE");
        if (cliInfoLong(info, "aof_rewrite_in_progress")) child = sdsCat(child, "AOF");
        printf("%s\n", child);
        sdsFree(child);
        fflush(stdout);
        cliReplyFree(r);
        cliSleepSeconds(interval);
    }
}

/* ------------------------------------------------------------------------
 * --rdb, --functions-rdb, --replica: the replica side of SYNC.
 * --------------------------------------------------------------------- */

/* Sends "REPLCONF <a> <b>", printing it as Redis's tool does; a refusal
 * is only a warning (older servers). */
static void cliReplconf(const char *a, const char *b) {
    cliReply *r;
    fprintf(stderr, "sending REPLCONF %s %s\n", a, b);
    r = cliCommand(ctx, "REPLCONF", a, b, NULL);
    if (r == NULL) {
        fprintf(stderr, "Error: %s\n", ctx->err);
        exit(1);
    }
    if (r->type == CLI_REPLY_ERROR)
        fprintf(stderr, "REPLCONF %s error: %s\n", a, r->str);
    cliReplyFree(r);
}

/* Reads one line (without CRLF) of the replication stream into <line>,
 * from what is buffered first. */
static int cliReadStreamLine(sds *line) {
    for (;;) {
        char *nl = memchr(ctx->ibuf + ctx->ipos, '\n',
                          sdsLen(ctx->ibuf) - ctx->ipos);
        if (nl) {
            size_t len = (size_t)(nl - (ctx->ibuf + ctx->ipos));
            *line = sdsNewLen(ctx->ibuf + ctx->ipos, len);
            sdsTrim(*line, "\r");
            ctx->ipos += len + 1;
            return C_OK;
        }
        ctx->ibuf = sdsMakeRoomFor(ctx->ibuf, 4096);
        ssize_t n = connRead(ctx->conn, ctx->ibuf + sdsLen(ctx->ibuf), 4096);
        if (n > 0) {
            sdsIncrLen(ctx->ibuf, n);
        } else if (n == 0 || connGetState(ctx->conn) != CONN_STATE_CONNECTED) {
            return C_ERR;
        } else {
            cliWaitReadable(ctx, -1);
        }
    }
}

/* Moves the next <want> bytes of the stream (or, when <eofmark> is set,
 * the bytes up to that 40-byte mark) to <fd> (-1: discard). Returns the
 * bytes written or -1. */
static long long cliCopyPayload(int fd, long long want, const char *eofmark) {
    long long written = 0;
    char tail[40];
    size_t tail_len = 0;

    for (;;) {
        size_t avail = sdsLen(ctx->ibuf) - ctx->ipos;
        if (avail) {
            const char *p = ctx->ibuf + ctx->ipos;
            size_t take = avail;
            if (!eofmark) {
                if ((long long)take > want - written) take = (size_t)(want - written);
                if (fd >= 0 && write(fd, p, take) != (ssize_t)take) /* lint:not-socket */
                    return -1;
                written += (long long)take;
                ctx->ipos += take;
                if (written == want) return written;
            } else {
                /* The mark may arrive split over reads, or followed by the
                 * command stream: search tail + new bytes, and keep the
                 * last 39 bytes back until they are known not to start it. */
                sds all = sdsNewLen(tail, tail_len);
                char *mark;
                size_t body;
                all = sdsCatLen(all, p, take);
                ctx->ipos += take;
                mark = memmem(all, sdsLen(all), eofmark, 40);
                if (mark) {
                    size_t after = (size_t)(mark - all) + 40;
                    body = (size_t)(mark - all);
                    if (fd >= 0 && body && write(fd, all, body) != (ssize_t)body) { /* lint:not-socket */
                        sdsFree(all);
                        return -1;
                    }
                    written += (long long)body;
                    /* What followed the mark is the command stream. */
                    sdsFree(ctx->ibuf);
                    ctx->ibuf = sdsNewLen(all + after, sdsLen(all) - after);
                    ctx->ipos = 0;
                    sdsFree(all);
                    return written;
                }
                body = sdsLen(all) > 39 ? sdsLen(all) - 39 : 0;
                if (fd >= 0 && body && write(fd, all, body) != (ssize_t)body) { /* lint:not-socket */
                    sdsFree(all);
                    return -1;
                }
                written += (long long)body;
                tail_len = sdsLen(all) - body;
                memcpy(tail, all + body, tail_len);
                sdsFree(all);
            }
        }
        sdsClear(ctx->ibuf);
        ctx->ipos = 0;
        ctx->ibuf = sdsMakeRoomFor(ctx->ibuf, 65536);
        ssize_t n = connRead(ctx->conn, ctx->ibuf, 65536);
        if (n > 0) {
            sdsIncrLen(ctx->ibuf, n);
        } else if (n == 0 || connGetState(ctx->conn) != CONN_STATE_CONNECTED) {
            return -1;
        } else {
            cliWaitReadable(ctx, -1);
        }
    }
}

/* Starts a SYNC and transfers the RDB payload to <filename> ("-" is
 * stdout; NULL discards it, for --replica). Returns 0 or exits. */
static int cliGetRdb(const char *filename) {
    sds line = NULL;
    char eofmark[41];
    long long size = 0, moved;
    int fd = -1, use_eof;
    const char *req = "*1\r\n$4\r\nSYNC\r\n";

    cliReplconf("capa", "eof");
    if (filename) cliReplconf("rdb-only", "1");
    if (config.functions_rdb) cliReplconf("rdb-filter-only", "functions");
    else if (filename == NULL) cliReplconf("rdb-filter-only", "");
    if (cliWriteAll(ctx, req, strlen(req)) != C_OK) {
        fprintf(stderr, "Error writing to master\n");
        exit(1);
    }
    /* Newlines are the master's keep-alives while it prepares the RDB. */
    do {
        sdsFree(line);
        if (cliReadStreamLine(&line) != C_OK) {
            fprintf(stderr, "Error reading bulk length while SYNCing\n");
            exit(1);
        }
    } while (sdsLen(line) == 0);
    if (line[0] == '-') {
        fprintf(stderr, "SYNC with master failed: %s\n", line + 1);
        exit(1);
    }
    if (line[0] != '$') {
        fprintf(stderr, "Bad protocol from master while SYNCing: %s\n", line);
        exit(1);
    }
    use_eof = !strncmp(line + 1, "EOF:", 4) && sdsLen(line) >= 45;
    if (use_eof) {
        memcpy(eofmark, line + 5, 40);
        eofmark[40] = '\0';
    } else {
        size = strtoll(line + 1, NULL, 10);
    }
    sdsFree(line);
    if (filename == NULL) {
        if (use_eof)
            fprintf(stderr, "SYNC with master, discarding bytes of bulk transfer until EOF marker...\n");
        else
            fprintf(stderr, "SYNC with master, discarding %lld bytes of bulk transfer...\n", size);
    } else {
        if (use_eof)
            fprintf(stderr, "SYNC sent to master, writing bytes of bulk transfer until EOF marker to '%s'\n", filename);
        else
            fprintf(stderr, "SYNC sent to master, writing %lld bytes to '%s'\n", size, filename);
        if (!strcmp(filename, "-")) {
            fd = STDOUT_FILENO;
        } else {
            fd = open(filename, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            if (fd == -1) {
                fprintf(stderr, "Error opening '%s': %s\n", filename, strerror(errno));
                exit(1);
            }
        }
    }
    moved = cliCopyPayload(fd, size, use_eof ? eofmark : NULL);
    if (moved < 0) {
        fprintf(stderr, "Error reading RDB payload while SYNCing\n");
        exit(1);
    }
    if (filename == NULL) {
        const char *ack = "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n";
        fprintf(stderr, "SYNC done after %lld bytes. Logging commands from master.\n",
                use_eof ? moved + 40 : moved);
        /* A master that streamed the RDB (diskless) starts the command
         * stream only after the replica's first ACK. */
        fprintf(stderr, "sending REPLCONF ACK 0\n");
        if (cliWriteAll(ctx, ack, strlen(ack)) != C_OK) {
            fprintf(stderr, "Error: %s\n", ctx->err);
            exit(1);
        }
        return 0;
    }
    if (fd != STDOUT_FILENO) {
        if (fsync(fd) == -1) {
            fprintf(stderr, "Fail to fsync '%s': %s\n", filename, strerror(errno));
            exit(1);
        }
        close(fd);
    }
    if (use_eof)
        fprintf(stderr, "Transfer finished with success after %lld bytes\n", moved);
    else
        fprintf(stderr, "Transfer finished with success.\n");
    return 0;
}

static int cliReplicaMode(void) {
    int saved = config.output;
    cliGetRdb(NULL);
    config.output = OUTPUT_CSV;
    for (;;) {
        cliReply *r = NULL;
        if (cliReadReply(ctx, 1000, &r) != C_OK) {
            const char *ack = "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n";
            if (!strcmp(ctx->err, CLI_ERR_TIMEOUT)) {
                /* A replica acknowledges every second; a master waiting
                 * for the first ACK after the RDB starts streaming then. */
                if (cliWriteAll(ctx, ack, strlen(ack)) == C_OK) continue;
            }
            fprintf(stderr, "Error: %s\n", ctx->err);
            config.output = saved;
            return 1;
        }
        if (r->type == CLI_REPLY_ARRAY && r->elements >= 2 &&
            r->element[0]->str && r->element[1]->str &&
            !strcasecmp(r->element[0]->str, "replconf") &&
            !strcasecmp(r->element[1]->str, "getack")) {
            /* The master asks where we are; we apply nothing. */
            const char *ack = "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n";
            fprintf(stderr, "sending REPLCONF ACK 0\n");
            if (cliWriteAll(ctx, ack, strlen(ack)) != C_OK) {
                fprintf(stderr, "Error: %s\n", ctx->err);
                return 1;
            }
        } else {
            cliPrintReply(r);
        }
        cliReplyFree(r);
    }
}

/* --ldb: the EVAL that starts (and "restart" starts again) a session. */
static int cli_ldb_argc = 0;
static char **cli_ldb_argv = NULL;

/* The colour of one line of the debugger's output, chosen by its prefix
 * as Redis's tool colours them (ANSI: 31 red, 32 green, 33 yellow, 35
 * magenta, 36 cyan, 37 white; bold 1). */
static void cliLdbPrintLine(const char *line) {
    int bold = 0, color = 37;

    if (!strncmp(line, "<error>", 7)) color = 31;
    else if (!strncmp(line, "<redis>", 7)) color = 32;
    else if (!strncmp(line, "<reply>", 7)) color = 36;
    else if (!strncmp(line, "<value>", 7) || !strncmp(line, "<retval>", 8))
        color = 35;
    else if (!strncmp(line, "<debug>", 7)) bold = 1;
    else if (!strncmp(line, "->", 2)) color = 33;
    else if (!strncmp(line, "  #", 3)) bold = 1;
    printf("\033[%d;%d;49m%s\033[0m\n", bold, color, line);
}

/* Shows reply <r> to a debugger command or to the session's EVAL: an
 * array of status lines is the debugger's output; an array holding only
 * "<endsession>" announces that the next reply is the script's result,
 * after which the server closes the connection and we reconnect for the
 * ordinary prompt. Returns C_ERR if the connection broke. */
static int cliLdbShowReply(cliReply *r) {
    if (r->type != CLI_REPLY_ARRAY) {
        cliPrintReply(r);
        return C_OK;
    }
    /* The last line of a session's output is "<endsession>": the script
     * ended (continued past its end, aborted, or the client is gone). */
    size_t n = r->elements;
    int ended = n > 0 && r->element[n - 1]->type == CLI_REPLY_STATUS &&
                !strcmp(r->element[n - 1]->str, "<endsession>");
    if (ended) n--;
    for (size_t i = 0; i < n; i++) {
        cliReply *e = r->element[i];
        if (e->str) cliLdbPrintLine(e->str);
    }
    fflush(stdout);
    if (ended) {
        cliReply *res = NULL;
        printf("\n");
        if (cliReadReply(ctx, -1, &res) != C_OK) return C_ERR;
        config.last_cmd_error = res->type == CLI_REPLY_ERROR;
        cliPrintReply(res);
        cliReplyFree(res);
        printf("\n(Lua debugging session ended%s)\n\n",
               config.eval_ldb_sync ? "" : " -- dataset changes rolled back");
        fflush(stdout);
        cli_ldb_active = 0;
        cliConnectServer(0);
    }
    return C_OK;
}

/* Sends <argc> <argv> in the session and shows the reply. The script
 * (argv[1] of the EVAL) is an sds and may hold any byte. */
static int cliLdbSend(int argc, char **argv, int eval) {
    size_t *lens = zmalloc(sizeof(size_t) * (size_t)argc);
    cliReply *r;
    int ret;

    for (int i = 0; i < argc; i++)
        lens[i] = (eval && i == 1) ? sdsLen(argv[i]) : strlen(argv[i]);
    r = ctx ? cliCommandArgv(ctx, argc, argv, lens) : NULL;
    zfree(lens);
    if (r == NULL) return C_ERR;
    ret = cliLdbShowReply(r);
    cliReplyFree(r);
    return ret;
}

/* Asks for debug mode (SCRIPT DEBUG YES, or SYNC with --ldb-sync-mode)
 * and sends the EVAL. Returns C_ERR if the server refused or the
 * connection broke (said on stderr). */
static int cliLdbStart(void) {
    cliReply *r = cliCommand(ctx, "SCRIPT", "DEBUG",
                             config.eval_ldb_sync ? "sync" : "yes", NULL);
    if (r == NULL) {
        fprintf(stderr, "Error: %s\n", ctx->err);
        return C_ERR;
    }
    if (r->type == CLI_REPLY_ERROR) {
        fprintf(stderr, "(error) %s\n", r->str);
        cliReplyFree(r);
        return C_ERR;
    }
    cliReplyFree(r);
    printf("Lua debugging session started, please use:\n"
           "quit    -- End the session.\n"
           "restart -- Restart the script in debug mode again.\n"
           "help    -- Show Lua script debugging commands.\n\n");
    fflush(stdout);
    cli_ldb_active = 1;
    if (cliLdbSend(cli_ldb_argc, cli_ldb_argv, 1) != C_OK) {
        fprintf(stderr, "Error: %s\n", ctx ? ctx->err : "not connected");
        cli_ldb_active = 0;
        return C_ERR;
    }
    return C_OK;
}

/* One line typed at the "lua debugger>" prompt: quit, restart (a new
 * connection and the EVAL again) or a debugger command for the server.
 * Returns 1 to quit. */
static int cliLdbRunLine(int argc, sds *argv) {
    if (!strcasecmp(argv[0], "quit") || !strcasecmp(argv[0], "exit"))
        return 1;
    if (!strcasecmp(argv[0], "restart")) {
        if (cliConnectServer(0) != C_OK) return 1;
        printf("\n");
        return cliLdbStart() == C_OK ? 0 : 1;
    }
    if (cliLdbSend(argc, argv, 0) != C_OK) {
        printf("Error: %s\n", ctx ? ctx->err : "not connected");
        fflush(stdout);
        cli_ldb_active = 0;
        cliConnectServer(0);
    }
    return 0;
}

/* --eval <file> key ... , arg ...: EVAL of the file's script. With --ldb
 * (or --ldb-sync-mode) the EVAL runs under the server's Lua debugger and
 * the interactive loop talks to it. */
static int cliEvalMode(int argc, char **argv) {
    FILE *fp = fopen(config.eval, "r");
    sds script = sdsEmpty();
    char buf[4096], numkeys[32];
    size_t n;
    int nkeys = argc, got_comma = 0, ac = 0;
    char **av;
    int ret;

    if (fp == NULL) {
        fprintf(stderr, "Can't open file '%s': %s\n", config.eval, strerror(errno));
        exit(1);
    }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) script = sdsCatLen(script, buf, n);
    fclose(fp);
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], ",")) {
            nkeys = i;
            got_comma = 1;
            break;
        }
    av = zmalloc(sizeof(char *) * (size_t)(argc + 3));
    av[ac++] = "EVAL";
    av[ac++] = script;
    snprintf(numkeys, sizeof(numkeys), "%d", nkeys);
    av[ac++] = numkeys;
    for (int i = 0; i < argc; i++)
        if (!(got_comma && i == nkeys)) av[ac++] = argv[i];
    if (config.eval_ldb) {
        /* The debugger's replies are always shown as on a terminal. */
        config.output = OUTPUT_STANDARD;
        cli_ldb_argc = ac;
        cli_ldb_argv = av;
        if (cliLdbStart() != C_OK) exit(1);
        exit(cliRepl());
    }
    ret = cliSendCommand(ac, av, NULL, 1);
    zfree(av);
    sdsFree(script);
    if (ret != C_OK) {
        fprintf(stderr, "Error: %s\n", ctx->err);
        return 1;
    }
    return config.set_errcode && config.last_cmd_error ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Options.
 * --------------------------------------------------------------------- */

/* --intrinsic-latency <seconds>: how long this process, running a short
 * computation again and again, is kept off the CPU (scheduler, virtual
 * machine). No server is involved. */
static volatile unsigned long cli_intrinsic_sink;

static int cliIntrinsicLatencyMode(long seconds) {
    long long start, max = 0, runs = 0, total = 0;
    long long end;

    (void)monotonicUs(); /* the first call may set up the clock */
    start = monotonicUs();
    end = start + seconds * 1000000LL;

    for (;;) {
        long long t0 = monotonicUs(), t1, lat;
        unsigned long acc = 0;
        for (unsigned long i = 0; i < 100; i++) acc = acc * 31 + i;
        cli_intrinsic_sink = acc;
        t1 = monotonicUs();
        lat = t1 - t0;
        runs++;
        total += lat;
        if (lat > max) {
            max = lat;
            printf("Max latency so far: %lld microseconds.\n", max);
            fflush(stdout);
        }
        if (t1 >= end) break;
    }
    {
        double avg = (double)(monotonicUs() - start) / (double)runs;
        (void)total;
        printf("\n%lld total runs (avg latency: %.4f microseconds / %.2f "
               "nanoseconds per run).\n", runs, avg, avg * 1000);
        printf("Worst run took %.0fx longer than the average latency.\n",
               avg > 0 ? (double)max / avg : 0.0);
    }
    return 0;
}

/* --lru-test <keys>: a cache workload on keys lru:0 .. lru:<keys-1>, 80% of
 * the reads on the first 20% of the keys; a miss is filled with a SET.
 * Prints the reads, hits and misses of every second; runs until killed. */
static int cliLruTestMode(long keys) {
    const int batch = 250;
    long long hits = 0, misses = 0, last = cliMstime();
    unsigned long long seed = (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
    long hot = keys / 5 > 0 ? keys / 5 : 1;

    for (;;) {
        sds req = sdsEmpty(), fill = sdsEmpty();
        long *picked = zmalloc(sizeof(long) * (size_t)batch);
        int nfill = 0;

        for (int i = 0; i < batch; i++) {
            char name[64];
            char *argv[2] = {"GET", name};
            unsigned long long r;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            r = seed >> 33;
            if (r % 100 < 80 || hot == keys) picked[i] = (long)((r >> 7) % (unsigned long long)hot);
            else picked[i] = hot + (long)((r >> 7) % (unsigned long long)(keys - hot));
            snprintf(name, sizeof(name), "lru:%ld", picked[i]);
            req = cliFormatCommandArgv(req, 2, argv, NULL);
        }
        if (cliWriteAll(ctx, req, sdsLen(req)) != C_OK) {
            fprintf(stderr, "I/O error: %s\n", ctx->err);
            return 1;
        }
        for (int i = 0; i < batch; i++) {
            cliReply *r;
            if (cliReadReply(ctx, -1, &r) != C_OK) {
                fprintf(stderr, "I/O error: %s\n", ctx->err);
                return 1;
            }
            if (r->type == CLI_REPLY_ERROR) {
                fprintf(stderr, "%s\n", r->str);
                cliReplyFree(r);
                return 1;
            }
            if (r->type == CLI_REPLY_NIL) {
                char name[64];
                char *argv[3] = {"SET", name, "lru-test-value"};
                misses++;
                snprintf(name, sizeof(name), "lru:%ld", picked[i]);
                fill = cliFormatCommandArgv(fill, 3, argv, NULL);
                nfill++;
            } else {
                hits++;
            }
            cliReplyFree(r);
        }
        if (nfill) {
            if (cliWriteAll(ctx, fill, sdsLen(fill)) != C_OK) {
                fprintf(stderr, "I/O error: %s\n", ctx->err);
                return 1;
            }
            for (int i = 0; i < nfill; i++) {
                cliReply *r;
                if (cliReadReply(ctx, -1, &r) != C_OK) {
                    fprintf(stderr, "I/O error: %s\n", ctx->err);
                    return 1;
                }
                cliReplyFree(r);
            }
        }
        sdsFree(req);
        sdsFree(fill);
        zfree(picked);
        if (cliMstime() - last >= 1000) {
            long long total = hits + misses;
            printf("%lld Gets/sec | Hits: %lld (%.2f%%) | Misses: %lld (%.2f%%)\n",
                   total, hits, total ? 100.0 * hits / total : 0.0, misses,
                   total ? 100.0 * misses / total : 0.0);
            fflush(stdout);
            hits = misses = 0;
            last = cliMstime();
        }
    }
}

static void cliUsage(int code) {
    FILE *f = code ? stderr : stdout;
    fprintf(f,
"redis-cli %s\n"
"\n"
"Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
"Connection:\n"
"  -h <hostname>      Host name or address of the server (127.0.0.1).\n"
"  -p <port>          Port of the server (6379).\n"
"  -s <socket>        Unix socket path, used instead of host and port.\n"
"  -u <uri>           redis://[[user]:password@]host[:port][/db], or rediss://\n"
"                     for TLS.\n"
"  -a <password>      Password for AUTH (REDISCLI_AUTH in the environment is\n"
"                     safer; this option wins over it).\n"
"  --pass <password>  Same as -a.\n"
"  --user <username>  User name for AUTH <user> <password>.\n"
"  --askpass          Read the password from the terminal without echo.\n"
"  --no-auth-warning  Do not warn about a password on the command line.\n"
"  -n <db>            Database to SELECT.\n"
"  -2, -3             Speak RESP2 (default) or RESP3 (HELLO 3).\n"
"TLS:\n"
"  --tls              Connect with TLS.\n"
"  --sni <host>       Server name to send in the handshake.\n"
"  --cacert <file>    CA certificate(s) to verify the server with.\n"
"  --cacertdir <dir>  Directory of trusted CA certificates (without either,\n"
"                     the system's trust store is used).\n"
"  --insecure         Do not verify the server's certificate.\n"
"  --cert <file>      Client certificate, for servers that require one.\n"
"  --key <file>       Private key of the client certificate.\n"
"  --tls-ciphers <list>       TLSv1.2 cipher list (see ciphers(1ssl)).\n"
"  --tls-ciphersuites <list>  TLSv1.3 cipher suites (see ciphers(1ssl)).\n"
"Commands and output:\n"
"  -r <repeat>        Run the command <repeat> times (-1: forever).\n"
"  -i <interval>      Seconds to wait between repeats (fractions allowed); also\n"
"                     the pause of --scan, --stat and per 100 SCANs of --bigkeys.\n"
"  -x                 Take the last argument from stdin.\n"
"  -X <tag>           Take the argument equal to <tag> from stdin.\n"
"  -d <delimiter>     Between the elements of a raw reply (default \\n).\n"
"  -D <delimiter>     Between raw replies (default \\n).\n"
"  -c                 Cluster mode: follow -MOVED and -ASK redirections.\n"
"  -e                 Exit with status 1 when the command fails.\n"
"  --raw              Raw output (the default when stdout is not a terminal).\n"
"  --no-raw           Terminal-style output even when stdout is not a terminal.\n"
"  --quoted-input     Arguments are quoted strings (\"...\" with escapes).\n"
"  --csv              CSV output.\n"
"  --json             JSON output (switches to RESP3 unless -2 is given).\n"
"  --quoted-json      JSON output with ASCII-only strings.\n"
"  --show-pushes <yn> Print RESP3 push messages (yes on a terminal).\n"
"  --verbose          Say more.\n"
"Modes:\n"
"  --stat             Rolling statistics: keys, memory, clients, requests.\n"
"  --latency          Sample PING latency; without a terminal print one line\n"
"                     after the interval (-i, default 1 s) and exit.\n"
"  --latency-history  Like --latency, one line per interval (default 15 s).\n"
"  --latency-dist     Latency distribution per interval (default 1 s).\n"
"  --scan             List the keys with SCAN.\n"
"  --pattern <pat>    Key pattern for --scan, --bigkeys, --hotkeys (*).\n"
"  --count <n>        COUNT hint for SCAN.\n"
"  --bigkeys          Find the biggest key of each type (by elements).\n"
"  --memkeys          Find the biggest key of each type (by MEMORY USAGE).\n"
"  --memkeys-samples <n>  Like --memkeys, MEMORY USAGE with SAMPLES <n>.\n"
"  --hotkeys          Find the hottest keys (needs an LFU maxmemory-policy).\n"
"  --lru-test <keys>  Simulate a cache workload with an 80-20 distribution.\n"
"  --intrinsic-latency <sec>  Measure this system's intrinsic latency for\n"
"                     <sec> seconds (no server needed).\n"
"  --pipe             Send raw RESP from stdin, count replies and errors.\n"
"  --pipe-timeout <n> Give up --pipe after <n> s without replies (30, 0: never).\n"
"  --rdb <filename>   Save the server's RDB (\"-\" for stdout).\n"
"  --functions-rdb <filename>  Like --rdb, with only the functions.\n"
"  --replica          Show the commands a replica would receive.\n"
"  --eval <file>      EVAL the script in <file>: keys , args.\n"
"  --ldb              Used with --eval enable the Redis Lua debugger.\n"
"  --ldb-sync-mode    Like --ldb but uses the synchronous Lua debugger, in\n"
"                     this mode the server is blocked and script changes are\n"
"                     not rolled back from the server memory.\n"
"  --cluster <command> [args...] [opts...]  Cluster manager: create, check,\n"
"                     info, fix, reshard, rebalance, add-node, del-node, call,\n"
"                     set-timeout, import, backup (--cluster help lists them\n"
"                     with their --cluster-* options).\n"
"  --help             This help.\n"
"  --version          The version.\n"
"\n"
"Without a command, redis-cli reads commands interactively (with line editing,\n"
"history in ~/.rediscli_history or $REDISCLI_HISTFILE, completion and\n"
"\"help <command>\"), or line by line from stdin when it is not a terminal.\n",
            CLI_VERSION);
    exit(code);
}

static int cliHexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes <len> bytes of <s> (RFC 3986, section 2.1). */
static char *cliPercentDecode(const char *s, size_t len) {
    char *out = zmalloc(len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && cliHexVal(s[i + 1]) >= 0 &&
            cliHexVal(s[i + 2]) >= 0) {
            *o++ = (char)(cliHexVal(s[i + 1]) * 16 + cliHexVal(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* -u redis://[[user]:password@]host[:port][/db] (rediss:// for TLS), as
 * the IANA "redis" URI scheme describes. */
static void cliParseUri(const char *uri) {
    const char *p = uri, *end, *at, *host_end, *colon;

    if (!strncmp(p, "rediss://", 9)) {
        config.co.tls = 1;
        p += 9;
    } else if (!strncmp(p, "redis://", 8)) {
        p += 8;
    } else {
        fprintf(stderr, "Invalid URI scheme\n");
        exit(1);
    }
    end = p + strcspn(p, "/?#");
    at = memrchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *c = memchr(p, ':', (size_t)(at - p));
        if (c) {
            if (c > p) {
                zfree(config.user);
                config.user = cliPercentDecode(p, (size_t)(c - p));
            }
            zfree(config.auth);
            config.auth = cliPercentDecode(c + 1, (size_t)(at - c - 1));
        } else {
            zfree(config.auth);
            config.auth = cliPercentDecode(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    if (*p == '[') {
        host_end = memchr(p, ']', (size_t)(end - p));
        if (host_end == NULL) {
            fprintf(stderr, "Invalid URI host\n");
            exit(1);
        }
        zfree(config.host);
        config.host = cliPercentDecode(p + 1, (size_t)(host_end - p - 1));
        colon = host_end + 1 < end && host_end[1] == ':' ? host_end + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        host_end = colon ? colon : end;
        if (host_end > p) {
            zfree(config.host);
            config.host = cliPercentDecode(p, (size_t)(host_end - p));
        }
    }
    if (colon) config.port = atoi(colon + 1);
    if (*end == '/' && end[1]) config.dbnum = atoi(end + 1);
}

static char *cliAskPassword(void) {
    struct termios old, noecho;
    char buf[1024];
    int tty = isatty(STDIN_FILENO);

    fprintf(stderr, "Please input password: ");
    fflush(stderr);
    if (tty) {
        tcgetattr(STDIN_FILENO, &old);
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
    }
    if (fgets(buf, sizeof(buf), stdin) == NULL) buf[0] = '\0';
    if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fprintf(stderr, "\n");
    buf[strcspn(buf, "\r\n")] = '\0';
    return zstrdup(buf);
}

static void cliNeedArg(int i, int argc, const char *opt) {
    if (i + 1 >= argc) {
        fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", opt);
        exit(1);
    }
}

static long cliNumArg(const char *s, const char *opt) {
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "Invalid value for %s: '%s'\n", opt, s);
        exit(1);
    }
    return v;
}

static void cliClusterAddArg(char *arg) {
    config.cm.argv = zrealloc(config.cm.argv,
                              sizeof(char *) * (size_t)(config.cm.argc + 1));
    config.cm.argv[config.cm.argc++] = arg;
}

/* One --cluster-* option at argv[*i] (with its value, when it takes one). */
static void cliParseClusterOption(const char *a, int argc, char **argv, int *i) {
    cliClusterOptions *o = &config.cm;
#define CNEXT() (cliNeedArg(*i, argc, a), argv[++*i])
    if (!strcmp(a, "--cluster-replicas")) {
        o->replicas = (int)cliNumArg(CNEXT(), a);
        if (o->replicas < 0) o->replicas = 0;
    } else if (!strcmp(a, "--cluster-yes")) {
        o->yes = 1;
    } else if (!strcmp(a, "--cluster-from")) {
        o->from = CNEXT();
    } else if (!strcmp(a, "--cluster-to")) {
        o->to = CNEXT();
    } else if (!strcmp(a, "--cluster-slots")) {
        o->slots = (int)cliNumArg(CNEXT(), a);
    } else if (!strcmp(a, "--cluster-weight")) {
        /* Every following word without a leading dash is a node=weight. */
        while (*i + 1 < argc && argv[*i + 1][0] != '-') {
            o->weights = zrealloc(o->weights,
                                  sizeof(char *) * (size_t)(o->weights_count + 1));
            o->weights[o->weights_count++] = argv[++*i];
        }
    } else if (!strcmp(a, "--cluster-use-empty-masters")) {
        o->use_empty_masters = 1;
    } else if (!strcmp(a, "--cluster-threshold")) {
        o->threshold = strtod(CNEXT(), NULL);
    } else if (!strcmp(a, "--cluster-simulate")) {
        o->simulate = 1;
    } else if (!strcmp(a, "--cluster-timeout")) {
        o->timeout = cliNumArg(CNEXT(), a);
    } else if (!strcmp(a, "--cluster-pipeline")) {
        o->pipeline = cliNumArg(CNEXT(), a);
    } else if (!strcmp(a, "--cluster-search-multiple-owners")) {
        o->search_multiple_owners = 1;
    } else if (!strcmp(a, "--cluster-fix-with-unreachable-masters")) {
        o->fix_with_unreachable_masters = 1;
    } else if (!strcmp(a, "--cluster-copy")) {
        o->copy = 1;
    } else if (!strcmp(a, "--cluster-replace")) {
        o->replace = 1;
    } else if (!strcmp(a, "--cluster-slave") || !strcmp(a, "--cluster-replica")) {
        o->slave = 1;
    } else if (!strcmp(a, "--cluster-master-id")) {
        o->master_id = CNEXT();
    } else if (!strcmp(a, "--cluster-only-masters")) {
        o->only_masters = 1;
    } else if (!strcmp(a, "--cluster-only-replicas")) {
        o->only_replicas = 1;
    } else if (!strcmp(a, "--cluster-from-user")) {
        o->from_user = CNEXT();
    } else if (!strcmp(a, "--cluster-from-pass")) {
        o->from_pass = CNEXT();
    } else if (!strcmp(a, "--cluster-from-askpass")) {
        o->from_pass = cliAskPassword();
    } else {
        fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", a);
        exit(1);
    }
#undef CNEXT
}

/* The --rdb code for the cluster manager's backup: saves the RDB of the
 * server behind <c> into <filename>. */
static int cliGetRdbFrom(cliClient *c, const char *filename) {
    cliClient *saved = ctx;
    int ret;
    ctx = c;
    ret = cliGetRdb(filename);
    ctx = saved;
    return ret;
}

/* Parses the options; returns the index of the first command word. */
static int cliParseOptions(int argc, char **argv) {
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
#define NEXT() (cliNeedArg(i, argc, a), argv[++i])
        if (a[0] != '-') {
            /* After --cluster <command>, words are its arguments. */
            if (!config.cluster_manager) break;
            cliClusterAddArg(argv[i]);
            continue;
        }
        if (!strcmp(a, "-h") && more) {
            zfree(config.host);
            config.host = zstrdup(NEXT());
        } else if (!strcmp(a, "-h")) {
            cliUsage(0);
        } else if (!strcmp(a, "--help")) {
            cliUsage(0);
        } else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
            printf("redis-cli %s\n", CLI_VERSION);
            exit(0);
        } else if (!strcmp(a, "-p")) {
            config.port = (int)cliNumArg(NEXT(), "-p");
            if (config.port < 0 || config.port > 65535) {
                fprintf(stderr, "Invalid server port.\n");
                exit(1);
            }
        } else if (!strcmp(a, "-s")) {
            zfree(config.unixsock);
            config.unixsock = zstrdup(NEXT());
        } else if (!strcmp(a, "-a") || !strcmp(a, "--pass")) {
            zfree(config.auth);
            config.auth = zstrdup(NEXT());
        } else if (!strcmp(a, "--user")) {
            zfree(config.user);
            config.user = zstrdup(NEXT());
        } else if (!strcmp(a, "--askpass")) {
            config.askpass = 1;
        } else if (!strcmp(a, "-u")) {
            cliParseUri(NEXT());
        } else if (!strcmp(a, "-n")) {
            config.dbnum = (int)cliNumArg(NEXT(), "-n");
            config.input_dbnum = config.dbnum;
        } else if (!strcmp(a, "-r")) {
            config.repeat = cliNumArg(NEXT(), "-r");
        } else if (!strcmp(a, "-i")) {
            config.interval = strtod(NEXT(), NULL);
            config.interval_given = 1;
            if (config.interval < 0) config.interval = 0;
        } else if (!strcmp(a, "-x")) {
            config.stdin_lastarg = 1;
        } else if (!strcmp(a, "-X")) {
            config.stdin_tag = NEXT();
        } else if (!strcmp(a, "-d")) {
            sdsFree(config.mb_delim);
            config.mb_delim = sdsNew(NEXT());
        } else if (!strcmp(a, "-D")) {
            sdsFree(config.cmd_delim);
            config.cmd_delim = sdsNew(NEXT());
        } else if (!strcmp(a, "-c")) {
            config.cluster_mode = 1;
        } else if (!strcmp(a, "-e")) {
            config.set_errcode = 1;
        } else if (!strcmp(a, "-2")) {
            config.resp = 2;
            config.explicit_resp = 1;
        } else if (!strcmp(a, "-3")) {
            config.resp = 3;
            config.explicit_resp = 1;
        } else if (!strcmp(a, "--raw")) {
            config.output = OUTPUT_RAW;
            config.explicit_raw = 1;
        } else if (!strcmp(a, "--no-raw")) {
            config.output = OUTPUT_STANDARD;
            config.explicit_raw = 1;
        } else if (!strcmp(a, "--quoted-input")) {
            config.quoted_input = 1;
        } else if (!strcmp(a, "--csv")) {
            config.output = OUTPUT_CSV;
            config.explicit_raw = 1;
        } else if (!strcmp(a, "--json")) {
            config.output = OUTPUT_JSON;
            config.explicit_raw = 1;
        } else if (!strcmp(a, "--quoted-json")) {
            config.output = OUTPUT_QUOTED_JSON;
            config.explicit_raw = 1;
        } else if (!strcmp(a, "--show-pushes")) {
            const char *v = NEXT();
            config.show_pushes = !strcasecmp(v, "yes") || !strcmp(v, "1");
        } else if (!strcmp(a, "--verbose")) {
            config.verbose = 1;
        } else if (!strcmp(a, "--no-auth-warning")) {
            config.no_auth_warning = 1;
        } else if (!strcmp(a, "--tls")) {
            config.co.tls = 1;
        } else if (!strcmp(a, "--sni")) {
            config.co.sni = NEXT();
        } else if (!strcmp(a, "--cacert")) {
            config.co.cacert = NEXT();
        } else if (!strcmp(a, "--cacertdir")) {
            config.co.cacertdir = NEXT();
        } else if (!strcmp(a, "--insecure")) {
            config.co.insecure = 1;
        } else if (!strcmp(a, "--cert")) {
            config.co.cert = NEXT();
        } else if (!strcmp(a, "--key")) {
            config.co.key = NEXT();
        } else if (!strcmp(a, "--tls-ciphers")) {
            config.co.ciphers = NEXT();
        } else if (!strcmp(a, "--tls-ciphersuites")) {
            config.co.ciphersuites = NEXT();
        } else if (!strcmp(a, "--stat")) {
            config.stat_mode = 1;
        } else if (!strcmp(a, "--latency")) {
            config.latency_mode = 1;
        } else if (!strcmp(a, "--latency-history")) {
            config.latency_mode = 1;
            config.latency_history = 1;
        } else if (!strcmp(a, "--latency-dist")) {
            config.latency_dist = 1;
        } else if (!strcmp(a, "--scan")) {
            config.scan_mode = 1;
        } else if (!strcmp(a, "--pattern")) {
            sdsFree(config.pattern);
            config.pattern = sdsNew(NEXT());
        } else if (!strcmp(a, "--quoted-pattern")) {
            int n;
            sds *parts = sdsSplitArgs(NEXT(), &n);
            if (parts == NULL || n != 1) {
                fprintf(stderr, "Invalid quoted string specified for --quoted-pattern.\n");
                exit(1);
            }
            sdsFree(config.pattern);
            config.pattern = sdsDup(parts[0]);
            sdsFreeSplitRes(parts, n);
        } else if (!strcmp(a, "--count")) {
            config.count = cliNumArg(NEXT(), "--count");
        } else if (!strcmp(a, "--bigkeys")) {
            config.bigkeys = 1;
        } else if (!strcmp(a, "--memkeys")) {
            config.memkeys = 1;
        } else if (!strcmp(a, "--memkeys-samples")) {
            config.memkeys = 1;
            config.memkeys_samples = cliNumArg(NEXT(), a);
            if (config.memkeys_samples < 0) {
                fprintf(stderr, "--memkeys-samples needs a number of at least 0\n");
                exit(1);
            }
        } else if (!strcmp(a, "--lru-test")) {
            config.lru_test_keys = cliNumArg(NEXT(), a);
            if (config.lru_test_keys <= 0) {
                fprintf(stderr, "--lru-test needs a number of keys above 0\n");
                exit(1);
            }
        } else if (!strcmp(a, "--intrinsic-latency")) {
            config.intrinsic_latency = cliNumArg(NEXT(), a);
            if (config.intrinsic_latency <= 0) {
                fprintf(stderr, "--intrinsic-latency needs a number of seconds above 0\n");
                exit(1);
            }
        } else if (!strcmp(a, "--hotkeys")) {
            config.hotkeys = 1;
        } else if (!strcmp(a, "--pipe")) {
            config.pipe_mode = 1;
        } else if (!strcmp(a, "--pipe-timeout")) {
            config.pipe_timeout = cliNumArg(NEXT(), "--pipe-timeout");
        } else if (!strcmp(a, "--rdb")) {
            config.rdb_filename = NEXT();
        } else if (!strcmp(a, "--functions-rdb")) {
            config.rdb_filename = NEXT();
            config.functions_rdb = 1;
        } else if (!strcmp(a, "--replica") || !strcmp(a, "--slave")) {
            config.replica_mode = 1;
        } else if (!strcmp(a, "--eval")) {
            config.eval = NEXT();
        } else if (!strcmp(a, "--ldb") || !strcmp(a, "--ldb-sync-mode")) {
            config.eval_ldb = 1;
            if (!strcmp(a, "--ldb-sync-mode")) config.eval_ldb_sync = 1;
        } else if (!strcmp(a, "--cluster")) {
            config.cluster_manager = 1;
            cliClusterAddArg(NEXT());
        } else if (!strncmp(a, "--cluster-", 10)) {
            cliParseClusterOption(a, argc, argv, &i);
        } else {
            fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n", a);
            exit(1);
        }
#undef NEXT
    }
    return i;
}

/* Reads all of stdin (for -x and -X). */
static sds cliReadStdin(void) {
    sds s = sdsEmpty();
    char buf[65536];
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "Error reading stdin: %s\n", strerror(errno));
            exit(1);
        }
        s = sdsCatLen(s, buf, (size_t)n);
    }
    return s;
}

/* A one-shot command from the command line. */
static int cliNonInteractive(int argc, char **argv) {
    sds *args = zmalloc(sizeof(sds) * (size_t)(argc + 1));
    size_t *lens = zmalloc(sizeof(size_t) * (size_t)(argc + 1));
    int n = 0, ret;

    for (int i = 0; i < argc; i++) {
        if (config.quoted_input) {
            int c;
            sds *parts = sdsSplitArgs(argv[i], &c);
            if (parts == NULL || c != 1) {
                fprintf(stderr, "Invalid quoted string\n");
                exit(1);
            }
            args[n++] = sdsDup(parts[0]);
            sdsFreeSplitRes(parts, c);
        } else if (config.stdin_tag && !strcmp(argv[i], config.stdin_tag)) {
            args[n++] = cliReadStdin();
        } else {
            args[n++] = sdsNew(argv[i]);
        }
    }
    if (config.stdin_lastarg) args[n++] = cliReadStdin();
    for (int i = 0; i < n; i++) lens[i] = sdsLen(args[i]);
    if (n && (!strcasecmp(args[0], "help") || !strcmp(args[0], "?"))) {
        /* As Redis 7.0's tool: help is answered by the tool. */
        cliHelpCommand(n, args);
        for (int i = 0; i < n; i++) sdsFree(args[i]);
        zfree(args);
        zfree(lens);
        return 0;
    }
    ret = cliSendCommand(n, args, lens, config.repeat);
    if (ret != C_OK) fprintf(stderr, "Error: %s\n", ctx ? ctx->err : "not connected");
    for (int i = 0; i < n; i++) sdsFree(args[i]);
    zfree(args);
    zfree(lens);
    if (ret != C_OK) return 1;
    return config.set_errcode && config.last_cmd_error ? 1 : 0;
}

/* Entry point: options, connection, then the mode or command asked for. */
int main(int argc, char **argv) {
    int first;

    memset(&config, 0, sizeof(config));
    config.host = zstrdup("127.0.0.1");
    config.port = 6379;
    config.repeat = 1;
    config.resp = 2;
    config.mb_delim = sdsNew("\n");
    config.cmd_delim = sdsNew("\n");
    config.pipe_timeout = 30;
    config.cm.threshold = 2; /* percent, Redis's default for rebalance */
    config.memkeys_samples = -1;
    config.output = isatty(fileno(stdout)) ? OUTPUT_STANDARD : OUTPUT_RAW;
    config.show_pushes = isatty(fileno(stdout));
    signal(SIGPIPE, SIG_IGN);

    first = cliParseOptions(argc, argv);
    argc -= first;
    argv += first;

    if ((config.output == OUTPUT_JSON || config.output == OUTPUT_QUOTED_JSON) &&
        !config.explicit_resp)
        config.resp = 3;
    if (config.askpass) {
        zfree(config.auth);
        config.auth = cliAskPassword();
    } else if (config.auth == NULL && getenv("REDISCLI_AUTH")) {
        config.auth = zstrdup(getenv("REDISCLI_AUTH"));
    } else if (config.auth && !config.no_auth_warning) {
        fprintf(stderr, "Warning: Using a password with '-a' or '-u' option on "
                        "the command line interface may not be safe.\n");
    }
    if (config.intrinsic_latency) exit(cliIntrinsicLatencyMode(config.intrinsic_latency));
    if (config.cluster_manager) {
        config.cm.co = config.co;
        config.cm.user = config.user;
        config.cm.auth = config.auth;
        config.cm.get_rdb = cliGetRdbFrom;
        if (getenv("REDISCLI_CLUSTER_YES")) config.cm.yes = 1;
        exit(cliClusterManager(&config.cm));
    }
    if (cliConnectServer(0) != C_OK) {
        /* The interactive loop keeps going without a connection. */
        if (argc > 0 || config.pipe_mode || config.scan_mode || config.stat_mode ||
            config.latency_mode || config.latency_dist || config.bigkeys ||
            config.memkeys || config.hotkeys || config.rdb_filename ||
            config.replica_mode || config.eval || config.lru_test_keys ||
            !isatty(fileno(stdin)))
            exit(1);
    }
    if (config.lru_test_keys) exit(cliLruTestMode(config.lru_test_keys));
    if (config.pipe_mode) exit(cliPipeMode());
    if (config.latency_dist) exit(cliLatencyDistMode());
    if (config.latency_mode) exit(cliLatencyMode());
    if (config.stat_mode) exit(cliStatMode());
    if (config.bigkeys) exit(cliFindBigKeys(0));
    if (config.memkeys) exit(cliFindBigKeys(1));
    if (config.hotkeys) exit(cliFindHotKeys());
    if (config.scan_mode) exit(cliScanMode());
    if (config.rdb_filename) exit(cliGetRdb(config.rdb_filename));
    if (config.replica_mode) exit(cliReplicaMode());
    if (config.eval) exit(cliEvalMode(argc, argv));
    if (argc == 0 && !config.stdin_lastarg) exit(cliRepl());
    if (argc == 0) {
        fprintf(stderr, "-x needs a command\n");
        exit(1);
    }
    exit(cliNonInteractive(argc, argv));
}
