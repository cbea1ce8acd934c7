/* redis-benchmark: load generator with Redis 7.0's tests and report
 * formats, plain or TLS.
 *
 * Owns: N concurrent clients on the tools' event loop (cliEventLoop), each
 * sending its pipeline of requests and timing the replies; the latency
 * record of one test and its reports (full, -q, --csv).
 * Must not touch: sockets or OpenSSL (connections come from the
 * connection layer; replies are parsed by cliclient's pure parser).
 * Invariants: a client has either requests in flight or is idle; the
 * number of requests issued never exceeds -n; every reply received is
 * counted exactly once. With -k 0 every request batch opens a new
 * connection, so over TLS the test measures full handshakes. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae.h"
#include "cli-cluster.h"
#include "cliclient.h"
#include "connection.h"
#include "util.h"
#include "zmalloc.h"

#define BENCH_VERSION "7.0.15"
#define RAND_TAG "__rand_int__"
#define RAND_TAG_LEN 12

static struct benchConfig {
    cliConnOptions co;
    const char *host;
    int port;
    const char *unixsock;
    const char *auth;
    const char *user;
    int dbnum;
    int resp3;
    int enable_tracking; /* --enable-tracking: CLIENT TRACKING on first */
    int numclients;
    long long requests;
    int datasize;
    int keepalive;
    long long randomkeys_keyspacelen;
    int randomkeys;
    int pipeline;
    int quiet;
    int csv;
    int loop;
    int idlemode;
    int precision;
    int threads;
    int tls_resume;
    int stdin_lastarg;
    sds tests;          /* ",ping,set," for -t; NULL = all */
    const char *title;
    /* The running test: its request, sent -P times per batch. */
    const char *cmd;
    size_t cmdlen;
    aeEventLoop *el;
    long long requests_issued;
    long long requests_finished;
    long long *latency;  /* microseconds, one per reply */
    int liveclients;
    long long start;     /* us */
    long long totlatency;
    int errors_shown;
    sds save_conf;
    sds appendonly_conf;
    /* --cluster: the masters, and the hash tag of one slot of each. */
    int cluster_mode;
    int nmasters;
    sds *master_host;
    int *master_port;
    sds *master_tag;
    sds *master_id;
    int next_master;
} config;

typedef struct benchClient {
    connection *conn;
    sds obuf;             /* the pipeline of requests (template) */
    size_t written;
    size_t *randptr;      /* offsets of RAND_TAG in obuf */
    int randlen;
    sds ibuf;
    int prefix_pending;   /* replies to AUTH/SELECT/HELLO still to skip */
    size_t prefix_len;    /* bytes of obuf taken by those commands */
    int pending;          /* replies of the pipeline still to come */
    int in_batch;         /* requests claimed, replies not all read */
    long long start;      /* us, when the batch was first written */
} benchClient;

static benchClient *benchCreateClient(void);
static void benchWriteHandler(connection *conn);

/* <s> with every "{tag}" replaced by <tag>; frees <s>. */
static sds benchReplaceTag(sds s, const char *tag) {
    sds out = sdsEmpty();
    const char *p = s, *hit;
    size_t len = sdsLen(s);
    /* <tag> is 5 bytes too, so RESP lengths in <s> stay right. */
    while ((hit = memmem(p, len - (size_t)(p - s), "{tag}", 5)) != NULL) {
        out = sdsCatLen(out, p, (size_t)(hit - p));
        out = sdsCat(out, tag);
        p = hit + 5;
    }
    out = sdsCatLen(out, p, len - (size_t)(p - s));
    sdsFree(s);
    return out;
}

/* A hash tag "{xyz}" (always 5 bytes, the length of the "{tag}" it
 * replaces inside encoded requests) whose slot is one of <owned>: the
 * first three-character base-62 word that hashes there. */
static sds benchTagForSlots(const unsigned char *owned) {
    static const char digits[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (unsigned long n = 0; n < 62UL * 62 * 62; n++) {
        char w[5] = {'{', digits[n % 62], digits[(n / 62) % 62],
                     digits[n / (62 * 62)], '}'};
        if (owned[cliClusterKeySlot(w + 1, 3)]) return sdsNewLen(w, 5);
    }
    return NULL;
}

/* --cluster: reads CLUSTER NODES from the entry node and keeps every
 * master that serves slots, with a tag that hashes to one of its slots.
 * Prints the masters as Redis 7.0's benchmark does. */
static void benchLoadCluster(void) {
    char err[512];
    cliClient *c = cliConnect(&config.co, err, sizeof(err));
    cliReply *r;
    int nlines;
    sds *lines;

    if (c == NULL) {
        fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", config.host,
                config.port, err);
        exit(1);
    }
    if (config.auth) {
        r = config.user ? cliCommand(c, "AUTH", config.user, config.auth, NULL)
                        : cliCommand(c, "AUTH", config.auth, NULL);
        cliReplyFree(r);
    }
    r = cliCommand(c, "CLUSTER", "NODES", NULL);
    if (r == NULL || r->type != CLI_REPLY_STRING) {
        fprintf(stderr, "Failed to fetch cluster configuration from %s:%d: %s\n",
                config.host, config.port,
                r && r->type == CLI_REPLY_ERROR ? r->str : c->err);
        exit(1);
    }
    lines = sdsSplitLen(r->str, (ssize_t)sdsLen(r->str), "\n", 1, &nlines);
    for (int i = 0; i < nlines; i++) {
        int ntok, slots = 0;
        sds *tok = sdsSplitLen(lines[i], (ssize_t)sdsLen(lines[i]), " ", 1, &ntok);
        unsigned char *owned = zcalloc(16384);
        if (ntok >= 9 && strstr(tok[2], "master") && !strstr(tok[2], "fail") &&
            !strstr(tok[2], "noaddr")) {
            for (int t = 8; t < ntok; t++) {
                const char *dash = strchr(tok[t], '-');
                int a = atoi(tok[t]), b = dash ? atoi(dash + 1) : a;
                if (tok[t][0] == '[' || a < 0 || b > 16383) continue;
                for (int sl = a; sl <= b; sl++, slots++) owned[sl] = 1;
            }
        }
        if (slots > 0) {
            sds addr = sdsNew(tok[1]);
            char *cut = strpbrk(addr, "@,"), *colon;
            int n = config.nmasters++;
            if (cut) sdsRange(addr, 0, cut - addr - 1);
            colon = strrchr(addr, ':');
            config.master_host = zrealloc(config.master_host, sizeof(sds) * (size_t)(n + 1));
            config.master_port = zrealloc(config.master_port, sizeof(int) * (size_t)(n + 1));
            config.master_tag = zrealloc(config.master_tag, sizeof(sds) * (size_t)(n + 1));
            config.master_host[n] = colon && colon > addr
                                        ? sdsNewLen(addr, (size_t)(colon - addr))
                                        : sdsNew(config.host);
            config.master_port[n] = colon ? atoi(colon + 1) : config.port;
            config.master_tag[n] = benchTagForSlots(owned);
            if (config.master_tag[n] == NULL) {
                fprintf(stderr, "No hash tag found for the slots of %s\n", tok[0]);
                exit(1);
            }
            sdsFree(addr);
            config.master_id = zrealloc(config.master_id, sizeof(sds) * (size_t)(n + 1));
            config.master_id[n] = sdsNew(tok[0]);
        }
        zfree(owned);
        sdsFreeSplitRes(tok, ntok);
    }
    sdsFreeSplitRes(lines, nlines);
    cliReplyFree(r);
    cliClientFree(c);
    if (config.nmasters == 0) {
        fprintf(stderr, "Invalid cluster: no master node serves slots\n");
        exit(1);
    }
    printf("Cluster has %d master nodes:\n\n", config.nmasters);
    for (int i = 0; i < config.nmasters; i++)
        printf("Master %d: %s %s:%d\n", i, config.master_id[i],
               config.master_host[i], config.master_port[i]);
    printf("\n");
}

/* ------------------------------------------------------------------------
 * Clients.
 * --------------------------------------------------------------------- */

static void benchFreeClient(benchClient *c) {
    if (c->conn) {
        connSetPrivateData(c->conn, NULL);
        connClose(c->conn);
    }
    sdsFree(c->obuf);
    sdsFree(c->ibuf);
    zfree(c->randptr);
    zfree(c);
    config.liveclients--;
}

/* Overwrites every RAND_TAG of the request with a fresh 12-digit number
 * below the -r keyspace length. */
static void benchRandomizeKeys(benchClient *c) {
    for (int i = 0; i < c->randlen; i++) {
        char buf[32];
        unsigned long long r =
            (unsigned long long)random() * (unsigned long long)RAND_MAX + (unsigned long long)random();
        r %= (unsigned long long)config.randomkeys_keyspacelen;
        r %= 1000000000000ULL; /* 12 digits */
        snprintf(buf, sizeof(buf), "%012llu", r);
        memcpy(c->obuf + c->randptr[i], buf, RAND_TAG_LEN);
    }
}

static void benchDone(void) {
    aeStop(config.el);
}

static void benchResetClient(benchClient *c) {
    if (connSetWriteHandler(c->conn, benchWriteHandler) == -1) {
        fprintf(stderr, "Error setting the write handler\n");
        exit(1);
    }
}

/* A batch finished on <c>: start the next one, reconnect first with
 * -k 0, or retire the client when every request was issued. */
static void benchClientDone(benchClient *c) {
    if (config.requests_finished >= config.requests) {
        benchFreeClient(c);
        if (config.liveclients == 0) benchDone();
        return;
    }
    if (config.requests_issued >= config.requests) {
        benchFreeClient(c);
        if (config.liveclients == 0) benchDone();
        return;
    }
    if (!config.keepalive) {
        benchCreateClient();
        benchFreeClient(c);
        return;
    }
    benchResetClient(c);
}

static void benchReadHandler(connection *conn) {
    benchClient *c = connGetPrivateData(conn);
    size_t pos = 0;
    ssize_t n;

    if (c == NULL) return;
    c->ibuf = sdsMakeRoomFor(c->ibuf, 16384);
    n = connRead(conn, c->ibuf + sdsLen(c->ibuf), 16384);
    if (n == 0 || (n < 0 && connGetState(conn) != CONN_STATE_CONNECTED)) {
        fprintf(stderr, "Error: %s\n",
                n == 0 ? "Server closed the connection" : connGetLastError(conn));
        exit(1);
    }
    if (n < 0) return;
    sdsIncrLen(c->ibuf, n);
    while (pos < sdsLen(c->ibuf) && c->pending > 0) {
        cliReply *r = NULL;
        size_t used;
        char err[128];
        cliParseStatus st = cliParseReply(c->ibuf + pos, sdsLen(c->ibuf) - pos,
                                          &used, &r, err, sizeof(err));
        if (st == CLI_PARSE_MORE) break;
        if (st == CLI_PARSE_ERROR) {
            fprintf(stderr, "Protocol error: %s\n", err);
            exit(1);
        }
        pos += used;
        if (r->type == CLI_REPLY_PUSH) {
            /* An invalidation (--enable-tracking with -3): not a reply. */
            cliReplyFree(r);
            continue;
        }
        if (r->type == CLI_REPLY_ERROR) {
            /* As Redis 7.0's tool: an error reply ends the run, so that
             * errors are never measured as fast successes. */
            fprintf(stderr, "Error from server: %s\n", r->str);
            exit(1);
        }
        cliReplyFree(r);
        if (c->prefix_pending) {
            c->prefix_pending--;
            continue;
        }
        if (config.requests_finished < config.requests)
            config.latency[config.requests_finished++] = ustime() - c->start;
        c->pending--;
    }
    sdsRange(c->ibuf, (ssize_t)pos, -1);
    if (c->pending == 0 && c->prefix_pending == 0) {
        sdsClear(c->ibuf);
        c->in_batch = 0;
        benchClientDone(c);
    }
}

static void benchWriteHandler(connection *conn) {
    benchClient *c = connGetPrivateData(conn);

    if (c == NULL) return;
    if (!c->in_batch) {
        /* A new batch: claim its requests, or retire the client. */
        if (config.requests_issued >= config.requests) {
            connClearWriteHandler(conn);
            benchFreeClient(c);
            if (config.liveclients == 0) benchDone();
            return;
        }
        config.requests_issued += config.pipeline;
        if (config.randomkeys) benchRandomizeKeys(c);
        c->start = ustime();
        c->pending = config.pipeline;
        c->in_batch = 1;
        /* AUTH/SELECT/HELLO go out with the first batch only. */
        c->written = c->prefix_pending ? 0 : c->prefix_len;
    }
    while (c->written < sdsLen(c->obuf)) {
        ssize_t n = connWrite(conn, c->obuf + c->written,
                              sdsLen(c->obuf) - c->written);
        if (n > 0) {
            c->written += (size_t)n;
            continue;
        }
        if (connGetState(conn) != CONN_STATE_CONNECTED) {
            fprintf(stderr, "Error writing to the server: %s\n",
                    connGetLastError(conn));
            exit(1);
        }
        return;
    }
    connClearWriteHandler(conn);
    if (connSetReadHandler(conn, benchReadHandler) == -1) {
        fprintf(stderr, "Error setting the read handler: %s\n",
                connGetLastError(conn));
        exit(1);
    }
}

static void benchConnected(connection *conn) {
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        char where[300];
        if (config.unixsock)
            snprintf(where, sizeof(where), "%s", config.unixsock);
        else
            snprintf(where, sizeof(where), "%s:%d", config.host, config.port);
        fprintf(stderr, "Could not connect to Redis at %s: %s%s\n", where,
                connIsTLS(conn) && !conn->last_errno ? "SSL_connect failed: " : "",
                connGetLastError(conn));
        exit(1);
    }
    if (config.idlemode) return;
    if (connSetWriteHandler(conn, benchWriteHandler) == -1) {
        fprintf(stderr, "Error setting the write handler\n");
        exit(1);
    }
}

/* A client whose pipeline is -P copies of the running test's request,
 * preceded once by AUTH/SELECT/HELLO as configured. It connects at once
 * and starts sending when connected. */
static benchClient *benchCreateClient(void) {
    benchClient *c = zcalloc(sizeof(*c));
    ConnectionType *ct;
    connConnectOptions co;
    int node = -1;

    c->obuf = sdsEmpty();
    c->ibuf = sdsEmpty();
    if (config.auth) {
        char *argv[3];
        int argc = 0;
        argv[argc++] = "AUTH";
        if (config.user) argv[argc++] = (char *)config.user;
        argv[argc++] = (char *)config.auth;
        c->obuf = cliFormatCommandArgv(c->obuf, argc, argv, NULL);
        c->prefix_pending++;
    }
    if (config.dbnum) {
        char db[32], *argv[2] = {"SELECT", db};
        snprintf(db, sizeof(db), "%d", config.dbnum);
        c->obuf = cliFormatCommandArgv(c->obuf, 2, argv, NULL);
        c->prefix_pending++;
    }
    if (config.resp3) {
        char *argv[2] = {"HELLO", "3"};
        c->obuf = cliFormatCommandArgv(c->obuf, 2, argv, NULL);
        c->prefix_pending++;
    }
    if (config.enable_tracking) {
        char *argv[3] = {"CLIENT", "TRACKING", "on"};
        c->obuf = cliFormatCommandArgv(c->obuf, 3, argv, NULL);
        c->prefix_pending++;
    }
    c->prefix_len = sdsLen(c->obuf);
    for (int i = 0; i < config.pipeline; i++)
        c->obuf = sdsCatLen(c->obuf, config.cmd, config.cmdlen);
    if (config.cluster_mode) {
        /* Clients take the masters in turn; "{tag}" becomes a hash tag of
         * the client's master, so every key it sends is served there. */
        node = config.next_master++ % config.nmasters;
        c->obuf = benchReplaceTag(c->obuf, config.master_tag[node]);
    }
    if (config.randomkeys) {
        const char *p = c->obuf + c->prefix_len;
        int cap = 0;
        while ((p = memmem(p, sdsLen(c->obuf) - (size_t)(p - c->obuf), RAND_TAG,
                           RAND_TAG_LEN)) != NULL) {
            if (c->randlen == cap) {
                cap = cap ? cap * 2 : 8;
                c->randptr = zrealloc(c->randptr, sizeof(size_t) * (size_t)cap);
            }
            c->randptr[c->randlen++] = (size_t)(p - c->obuf);
            p += RAND_TAG_LEN;
        }
    }
    if (config.unixsock) {
        ct = connTypeOfUnix();
    } else if (config.co.tls) {
        ct = connTypeOfTls();
    } else {
        ct = connTypeOfSocket();
    }
    memset(&co, 0, sizeof(co));
    co.host = config.unixsock ? config.unixsock : config.host;
    co.port = config.port;
    if (node >= 0) {
        co.host = config.master_host[node];
        co.port = config.master_port[node];
    }
    co.peer_name = config.co.sni;
    co.verify_peer_name = -1;
    c->conn = connCreate(ct);
    connSetPrivateData(c->conn, c);
    config.liveclients++;
    if (connConnect(c->conn, &co, benchConnected) != 0) {
        fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", config.host,
                config.port, connGetLastError(c->conn));
        exit(1);
    }
    return c;
}

/* ------------------------------------------------------------------------
 * Reports.
 * --------------------------------------------------------------------- */

static int benchCmpLatency(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The latency (us) below which <pct> percent of the <n> sorted samples
 * fall. */
static long long benchPercentile(const long long *lat, long long n, double pct) {
    long long idx = (long long)ceil(pct / 100.0 * (double)n) - 1;
    if (idx < 0) idx = 0;
    if (idx >= n) idx = n - 1;
    return lat[idx];
}

/* Samples <= <v> in the sorted array. */
static long long benchCountUpTo(const long long *lat, long long n, long long v) {
    long long lo = 0, hi = n;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        if (lat[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void benchShowReport(const char *title, long long elapsed_us) {
    long long n = config.requests_finished, *lat = config.latency;
    double rps = elapsed_us > 0 ? (double)n / ((double)elapsed_us / 1e6) : 0;
    double avg = 0;
    long long p50, p95, p99;

    qsort(lat, (size_t)n, sizeof(long long), benchCmpLatency);
    for (long long i = 0; i < n; i++) avg += (double)lat[i];
    avg = n ? avg / (double)n / 1000.0 : 0;
    p50 = n ? benchPercentile(lat, n, 50) : 0;
    p95 = n ? benchPercentile(lat, n, 95) : 0;
    p99 = n ? benchPercentile(lat, n, 99) : 0;

    if (config.csv) {
        printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n",
               title, rps, avg, n ? lat[0] / 1000.0 : 0, p50 / 1000.0, p95 / 1000.0,
               p99 / 1000.0, n ? lat[n - 1] / 1000.0 : 0);
    } else if (config.quiet) {
        printf("%s: %.2f requests per second, p50=%.3f msec\n", title, rps,
               p50 / 1000.0);
    } else {
        printf("====== %s ======\n", title);
        printf("  %lld requests completed in %.2f seconds\n", n,
               (double)elapsed_us / 1e6);
        printf("  %d parallel clients\n", config.numclients);
        printf("  %d bytes payload\n", config.datasize);
        printf("  keep alive: %d\n", config.keepalive);
        printf("  host configuration \"save\": %s\n",
               config.save_conf ? config.save_conf : "");
        printf("  host configuration \"appendonly\": %s\n",
               config.appendonly_conf ? config.appendonly_conf : "");
        printf("  multi-thread: %s\n", config.threads > 1 ? "yes" : "no");
        if (config.threads > 1) printf("  threads: %d\n", config.threads);
        if (n > 0) {
            double pct = 0;
            printf("\nLatency by percentile distribution:\n");
            for (int k = 0;; k++) {
                long long v = k == 0 ? lat[0] : benchPercentile(lat, n, pct);
                long long cnt = benchCountUpTo(lat, n, v);
                printf("%.3f%% <= %.3f milliseconds (cumulative count %lld)\n", pct,
                       v / 1000.0, cnt);
                if (cnt >= n) break;
                pct = 100.0 - 100.0 / pow(2, k + 1);
            }
            printf("%.3f%% <= %.3f milliseconds (cumulative count %lld)\n", 100.0,
                   lat[n - 1] / 1000.0, n);
            printf("\nCumulative distribution of latencies:\n");
            long long prev = -1;
            for (long long t = 100;; t += t < 2000 ? 100 : 1000) {
                long long cnt = benchCountUpTo(lat, n, t);
                if (cnt != prev || t == 100)
                    printf("%.3f%% <= %.3f milliseconds (cumulative count %lld)\n",
                           100.0 * (double)cnt / (double)n, t / 1000.0, cnt);
                prev = cnt;
                if (cnt >= n) break;
            }
        }
        printf("\nSummary:\n");
        printf("  throughput summary: %.2f requests per second\n", rps);
        printf("  latency summary (msec):\n");
        printf("    %9s %9s %9s %9s %9s %9s\n", "avg", "min", "p50", "p95", "p99",
               "max");
        printf("    %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", avg,
               n ? lat[0] / 1000.0 : 0, p50 / 1000.0, p95 / 1000.0, p99 / 1000.0,
               n ? lat[n - 1] / 1000.0 : 0);
        printf("\n");
    }
    fflush(stdout);
}

/* Every 250 ms on a terminal: the running rate, as Redis's tool shows it. */
static int benchShowThroughput(struct aeEventLoop *el, long long id, void *data) {
    double dt = (double)(ustime() - config.start) / 1e6;
    (void)el;
    (void)id;
    (void)data;
    if (!config.csv && isatty(fileno(stdout))) {
        printf("%s: rps=%.1f (overall: %.1f) avg_msec=%.3f (overall: %.3f)\r",
               config.title, dt > 0 ? (double)config.requests_finished / dt : 0.0,
               dt > 0 ? (double)config.requests_finished / dt : 0.0, 0.0, 0.0);
        fflush(stdout);
    }
    return 250;
}

/* Runs one test: <title>, the request <cmd> of <len> bytes. */
static void benchmark(const char *title, const char *cmd, size_t len) {
    long long timer;

    config.title = title;
    config.cmd = cmd;
    config.cmdlen = len;
    config.requests_issued = config.requests_finished = 0;
    config.errors_shown = 0;
    config.latency = zrealloc(config.latency,
                              sizeof(long long) * (size_t)(config.requests + 1));
    config.start = ustime();
    for (int i = 0; i < config.numclients; i++) benchCreateClient();
    timer = aeCreateTimeEvent(config.el, 250, benchShowThroughput, NULL, NULL);
    aeMain(config.el);
    aeDeleteTimeEvent(config.el, timer);
    if (!config.csv && isatty(fileno(stdout))) printf("%*s\r", 120, "");
    benchShowReport(title, ustime() - config.start);
}

/* ------------------------------------------------------------------------
 * Options and tests.
 * --------------------------------------------------------------------- */

static void benchUsage(int code) {
    FILE *f = code ? stderr : stdout;
    fprintf(f,
"redis-benchmark %s\n\n"
"Usage: redis-benchmark [OPTIONS] [COMMAND ARGS...]\n\n"
"Options:\n"
" -h <hostname>      Host of the server (127.0.0.1).\n"
" -p <port>          Port of the server (6379).\n"
" -s <socket>        Unix socket path, instead of host and port.\n"
" -a <password>      Password for AUTH.\n"
" --user <username>  User for AUTH <user> <password> (with -a).\n"
" -u <uri>           redis:// or rediss:// URI (user, password, host, port, db).\n"
" -c <clients>       Concurrent connections (50).\n"
" -n <requests>      Requests per test (100000).\n"
" -d <size>          Value size of SET/GET and friends, in bytes (3).\n"
" --dbnum <db>       Database to SELECT (0).\n"
" -3                 Speak RESP3.\n"
" --enable-tracking  Send CLIENT TRACKING on before the benchmark (with -3\n"
"                    the invalidation pushes are read and not counted).\n"
" --threads <num>    Threads (accepted; one event loop runs all clients).\n"
" --cluster          Cluster mode: the clients take the masters in turn; in a\n"
"                    command given on the command line, \"{tag}\" in a key\n"
"                    becomes a hash tag of the client's master.\n"
" -k <boolean>       1 = keep connections alive, 0 = a new connection per\n"
"                    request batch (over TLS: a full handshake each) (1).\n"
" -r <keyspacelen>   Replace __rand_int__ in arguments with a random 12-digit\n"
"                    number below <keyspacelen>.\n"
" -P <numreq>        Requests per pipeline (1).\n"
" -q                 Quiet: one line per test.\n"
" --precision        Decimal places of latencies (accepted; 3 are shown).\n"
" --csv              CSV output.\n"
" -l                 Loop: run the tests forever.\n"
" -t <tests>         Comma-separated tests to run (names as in the output).\n"
" -I                 Idle mode: open the connections and wait.\n"
" -e                 No effect (as in Redis 7.0): an error reply ends the run.\n"
" -x                 Take the last argument of the command from stdin.\n"
" --tls              Connect with TLS.\n"
" --sni <host>       Server name for the handshake.\n"
" --cacert <file>    CA certificate(s) to verify the server with.\n"
" --cacertdir <dir>  Directory of trusted CA certificates.\n"
" --insecure         Do not verify the server's certificate.\n"
" --cert <file>      Client certificate.\n"
" --key <file>       Private key of the client certificate.\n"
" --tls-ciphers <list>       TLSv1.2 cipher list.\n"
" --tls-ciphersuites <list>  TLSv1.3 cipher suites.\n"
" --tls-resume       With -k 0: resume TLS sessions instead of full handshakes.\n"
" --help             This help.\n"
" --version          The version.\n",
            BENCH_VERSION);
    exit(code);
}

static const char *benchNext(int *i, int argc, char **argv) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "Invalid option \"%s\" or option argument missing\n\n",
                argv[*i]);
        benchUsage(1);
    }
    return argv[++*i];
}

static void benchParseUri(const char *uri) {
    const char *p = uri, *end, *at, *colon;
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
            if (c > p) config.user = sdsNewLen(p, (size_t)(c - p));
            config.auth = sdsNewLen(c + 1, (size_t)(at - c - 1));
        } else {
            config.auth = sdsNewLen(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    colon = memchr(p, ':', (size_t)(end - p));
    if ((colon ? colon : end) > p) config.host = sdsNewLen(p, (size_t)((colon ? colon : end) - p));
    if (colon) config.port = atoi(colon + 1);
    if (*end == '/' && end[1]) config.dbnum = atoi(end + 1);
}

static int benchParseOptions(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') break;
        if (!strcmp(a, "-c")) config.numclients = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-n")) config.requests = atoll(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-k")) config.keepalive = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-h")) config.host = benchNext(&i, argc, argv);
        else if (!strcmp(a, "-p")) config.port = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-s")) config.unixsock = benchNext(&i, argc, argv);
        else if (!strcmp(a, "-x")) config.stdin_lastarg = 1;
        else if (!strcmp(a, "-a")) config.auth = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--user")) config.user = benchNext(&i, argc, argv);
        else if (!strcmp(a, "-u")) benchParseUri(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-3")) config.resp3 = 1;
        else if (!strcmp(a, "-d")) config.datasize = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-P")) config.pipeline = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "-r")) {
            config.randomkeys_keyspacelen = atoll(benchNext(&i, argc, argv));
            config.randomkeys = 1;
        } else if (!strcmp(a, "-q")) config.quiet = 1;
        else if (!strcmp(a, "--csv")) config.csv = 1;
        else if (!strcmp(a, "-l")) config.loop = 1;
        else if (!strcmp(a, "-I")) config.idlemode = 1;
        else if (!strcmp(a, "-e")) {
            fprintf(stderr, "WARNING: -e option has no effect. We now immediately "
                            "exit on error to avoid false results.\n");
        } else if (!strcmp(a, "-t")) {
            const char *t = benchNext(&i, argc, argv);
            config.tests = sdsCatPrintf(sdsEmpty(), ",%s,", t);
            sdsToLower(config.tests);
        } else if (!strcmp(a, "--dbnum")) config.dbnum = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "--precision")) config.precision = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "--threads")) config.threads = atoi(benchNext(&i, argc, argv));
        else if (!strcmp(a, "--cluster")) config.cluster_mode = 1;
        else if (!strcmp(a, "--enable-tracking")) {
            config.enable_tracking = 1;
        } else if (!strcmp(a, "--tls")) config.co.tls = 1;
        else if (!strcmp(a, "--sni")) config.co.sni = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--cacert")) config.co.cacert = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--cacertdir")) config.co.cacertdir = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--insecure")) config.co.insecure = 1;
        else if (!strcmp(a, "--cert")) config.co.cert = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--key")) config.co.key = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--tls-ciphers")) config.co.ciphers = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--tls-ciphersuites")) config.co.ciphersuites = benchNext(&i, argc, argv);
        else if (!strcmp(a, "--tls-resume")) config.tls_resume = 1;
        else if (!strcmp(a, "--help")) benchUsage(0);
        else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
            printf("redis-benchmark %s\n", BENCH_VERSION);
            exit(0);
        } else {
            fprintf(stderr, "Invalid option \"%s\" or option argument missing\n\n", a);
            benchUsage(1);
        }
    }
    if (config.numclients < 1) config.numclients = 1;
    if (config.pipeline < 1) config.pipeline = 1;
    if (config.datasize < 1) config.datasize = 1;
    if (config.datasize > 1024 * 1024 * 1024) config.datasize = 1024 * 1024 * 1024;
    if (config.requests < 1) config.requests = 1;
    if (config.randomkeys && config.randomkeys_keyspacelen < 1)
        config.randomkeys_keyspacelen = 1;
    return i;
}

static int benchSelected(const char *name) {
    char buf[64];
    if (config.tests == NULL) return 1;
    snprintf(buf, sizeof(buf), ",%s,", name);
    return strstr(config.tests, buf) != NULL;
}

/* Runs <title> with the command given as NULL-terminated words. */
static void benchArgs(const char *title, ...) {
    char *argv[32];
    int argc = 0;
    va_list ap;
    const char *w;
    sds cmd;

    va_start(ap, title);
    while ((w = va_arg(ap, const char *)) != NULL && argc < 32) argv[argc++] = (char *)w;
    va_end(ap);
    cmd = cliFormatCommandArgv(sdsEmpty(), argc, argv, NULL);
    benchmark(title, cmd, sdsLen(cmd));
    sdsFree(cmd);
}

/* Reads "save" and "appendonly" for the report header. */
static void benchFetchConfig(void) {
    char err[512];
    cliClient *c = cliConnect(&config.co, err, sizeof(err));
    const char *names[2] = {"save", "appendonly"};

    if (c == NULL) {
        if (config.unixsock)
            fprintf(stderr, "Could not connect to Redis at %s: %s\n",
                    config.unixsock, err);
        else
            fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n",
                    config.host, config.port, err);
        exit(1);
    }
    if (config.auth) {
        cliReply *r = config.user
                          ? cliCommand(c, "AUTH", config.user, config.auth, NULL)
                          : cliCommand(c, "AUTH", config.auth, NULL);
        cliReplyFree(r);
    }
    for (int i = 0; i < 2; i++) {
        cliReply *r = cliCommand(c, "CONFIG", "GET", names[i], NULL);
        if (r && r->type == CLI_REPLY_ARRAY && r->elements == 2 &&
            r->element[1]->str) {
            if (i == 0) config.save_conf = sdsDup(r->element[1]->str);
            else config.appendonly_conf = sdsDup(r->element[1]->str);
        }
        cliReplyFree(r);
    }
    cliClientFree(c);
}

/* Entry point: options, then the tests (or the command line's command). */
int main(int argc, char **argv) {
    int first;
    char err[512];
    sds data;

    memset(&config, 0, sizeof(config));
    config.host = "127.0.0.1";
    config.port = 6379;
    config.numclients = 50;
    config.requests = 100000;
    config.datasize = 3;
    config.keepalive = 1;
    config.pipeline = 1;
    signal(SIGPIPE, SIG_IGN);
    srandom((unsigned)(time(NULL) ^ getpid()));

    first = benchParseOptions(argc, argv);
    argc -= first;
    argv += first;
    config.el = cliEventLoop();
    config.co.host = config.host;
    config.co.port = config.port;
    config.co.unixsocket = config.unixsock;
    if (config.co.tls && !config.unixsock) {
        /* Like Redis 7.0's benchmark, each new connection makes a full
         * handshake unless --tls-resume asks for session resumption. */
        config.co.no_resume = !config.tls_resume;
        if (cliTlsSetup(&config.co, err, sizeof(err)) != C_OK) {
            fprintf(stderr, "Could not negotiate a TLS connection: %s\n", err);
            exit(1);
        }
    }
    if (config.cluster_mode) benchLoadCluster();
    benchFetchConfig();
    if (!config.keepalive)
        fprintf(stderr, "WARNING: Keepalive disabled. You probably need 'echo 1 > "
                        "/proc/sys/net/ipv4/tcp_tw_reuse' for Linux in order to use "
                        "a lot of clients/requests\n");

    if (config.idlemode) {
        printf("Creating %d idle connections and waiting forever (Ctrl+C when done)\n",
               config.numclients);
        config.cmd = "";
        for (int i = 0; i < config.numclients; i++) benchCreateClient();
        aeMain(config.el);
        return 0;
    }
    if (config.csv)
        printf("\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
               "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n");

    if (argc > 0) {
        sds *args = zmalloc(sizeof(sds) * (size_t)(argc + 1));
        size_t *lens = zmalloc(sizeof(size_t) * (size_t)(argc + 1));
        int n = 0;
        sds cmd, title;
        for (int i = 0; i < argc; i++) args[n++] = sdsNew(argv[i]);
        if (config.stdin_lastarg) {
            char buf[65536];
            ssize_t r;
            args[n] = sdsEmpty();
            while ((r = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                args[n] = sdsCatLen(args[n], buf, (size_t)r);
            n++;
        }
        for (int i = 0; i < n; i++) lens[i] = sdsLen(args[i]);
        cmd = cliFormatCommandArgv(sdsEmpty(), n, args, lens);
        title = sdsJoin(args, n, " ");
        if (sdsLen(title) > 64) sdsRange(title, 0, 63);
        do {
            benchmark(title, cmd, sdsLen(cmd));
        } while (config.loop);
        for (int i = 0; i < n; i++) sdsFree(args[i]);
        zfree(args);
        zfree(lens);
        sdsFree(cmd);
        sdsFree(title);
        zfree(config.latency);
        return 0;
    }

    /* In cluster mode the keys carry "{tag}", which every client turns
     * into a hash tag of its own master. */
    const char *tag = config.cluster_mode ? "{tag}" : "";
    sds key_rand = sdsCatPrintf(sdsEmpty(), "key%s:__rand_int__", tag);
    sds counter_rand = sdsCatPrintf(sdsEmpty(), "counter%s:__rand_int__", tag);
    sds list_key = sdsCatPrintf(sdsEmpty(), "mylist%s", tag);
    sds set_key = sdsCatPrintf(sdsEmpty(), "myset%s", tag);
    sds hash_key = sdsCatPrintf(sdsEmpty(), "myhash%s", tag);
    sds zset_key = sdsCatPrintf(sdsEmpty(), "myzset%s", tag);
#define Zset_key zset_key
    data = sdsGrowZero(sdsEmpty(), (size_t)config.datasize);
    memset(data, 'x', (size_t)config.datasize);
    do {
        if (benchSelected("ping_inline") || benchSelected("ping"))
            benchmark("PING_INLINE", "PING\r\n", 6);
        if (benchSelected("ping_mbulk") || benchSelected("ping"))
            benchArgs("PING_MBULK", "PING", NULL);
        if (benchSelected("set")) benchArgs("SET", "SET", key_rand, data, NULL);
        if (benchSelected("get")) benchArgs("GET", "GET", key_rand, NULL);
        if (benchSelected("incr")) benchArgs("INCR", "INCR", counter_rand, NULL);
        if (benchSelected("lpush")) benchArgs("LPUSH", "LPUSH", list_key, data, NULL);
        if (benchSelected("rpush")) benchArgs("RPUSH", "RPUSH", list_key, data, NULL);
        if (benchSelected("lpop")) benchArgs("LPOP", "LPOP", list_key, NULL);
        if (benchSelected("rpop")) benchArgs("RPOP", "RPOP", list_key, NULL);
        if (benchSelected("sadd"))
            benchArgs("SADD", "SADD", set_key, "element:__rand_int__", NULL);
        if (benchSelected("hset"))
            benchArgs("HSET", "HSET", hash_key, "element:__rand_int__", data, NULL);
        if (benchSelected("spop")) benchArgs("SPOP", "SPOP", set_key, NULL);
        if (benchSelected("zadd"))
            benchArgs("ZADD", "ZADD", Zset_key, "0", "element:__rand_int__", NULL);
        if (benchSelected("zpopmin")) benchArgs("ZPOPMIN", "ZPOPMIN", Zset_key, NULL);
        if (benchSelected("lrange") || benchSelected("lrange_100") ||
            benchSelected("lrange_300") || benchSelected("lrange_500") ||
            benchSelected("lrange_600"))
            benchArgs("LPUSH (needed to benchmark LRANGE)", "LPUSH", list_key, data, NULL);
        if (benchSelected("lrange") || benchSelected("lrange_100"))
            benchArgs("LRANGE_100 (first 100 elements)", "LRANGE", list_key, "0", "99", NULL);
        if (benchSelected("lrange") || benchSelected("lrange_300"))
            benchArgs("LRANGE_300 (first 300 elements)", "LRANGE", list_key, "0", "299", NULL);
        if (benchSelected("lrange") || benchSelected("lrange_500"))
            benchArgs("LRANGE_500 (first 500 elements)", "LRANGE", list_key, "0", "499", NULL);
        if (benchSelected("lrange") || benchSelected("lrange_600"))
            benchArgs("LRANGE_600 (first 600 elements)", "LRANGE", list_key, "0", "599", NULL);
        if (benchSelected("mset")) {
            char *mset[21];
            sds cmd;
            mset[0] = "MSET";
            for (int i = 1; i < 21; i += 2) {
                mset[i] = key_rand;
                mset[i + 1] = data;
            }
            cmd = cliFormatCommandArgv(sdsEmpty(), 21, mset, NULL);
            benchmark("MSET (10 keys)", cmd, sdsLen(cmd));
            sdsFree(cmd);
        }
    } while (config.loop);
#undef Zset_key
    sdsFree(key_rand);
    sdsFree(counter_rand);
    sdsFree(list_key);
    sdsFree(set_key);
    sdsFree(hash_key);
    sdsFree(zset_key);
    sdsFree(data);
    zfree(config.latency);
    return 0;
}
