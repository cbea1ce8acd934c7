/* test_config.c: unit tests of config.c: value parsing, config text
 * parsing (include, accumulation, error lines), CONFIG GET / SET (atomic
 * restore, one TLS apply), CONFIG REWRITE's text transformation, and the
 * atomic file write.
 *
 * config.c is compiled into this file so its static helpers can be tested;
 * everything it needs from the rest of the server is a stub below, which
 * records replies and lets each test make listeners or TLS fail.
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_config unit/test_config.c
 *        sds.c zmalloc.c util.c dict.c */
#include "../config.c"

#include <sys/wait.h>

#include "test_help.h"

/* ---- Stubs of the server functions config.c calls ---- */

struct redisServer server;
struct sharedObjectsStruct shared;

static sds replies;          /* one line per reply element */
static int fail_port = -1;   /* changeListener fails for this port */
static int listener_changes; /* changeListener calls */
static int tls_built = 1;    /* what tlsIsBuilt() says */
static int tls_configures;   /* tlsConfigure calls */
static sds tls_last_cert;    /* cert file of the last tlsConfigure */
static int tls_resets;

void serverLog(int level, const char *fmt, ...) {
    UNUSED(level);
    UNUSED(fmt);
}

void _serverPanic(const char *file, int line, const char *msg, ...) {
    fprintf(stderr, "panic at %s:%d: %s\n", file, line, msg);
    abort();
}

/* appendonly's apply function (aof.c): nothing to start or stop here. */
int aofApplyAppendonly(char *err, size_t errlen) {
    UNUSED(err);
    UNUSED(errlen);
    return C_OK;
}

int changeListener(connListener *l) {
    listener_changes++;
    if (l->port == fail_port) {
        snprintf(server.neterr, sizeof(server.neterr), "port in use");
        return C_ERR;
    }
    return C_OK;
}

int aeResizeSetSize(aeEventLoop *eventLoop, int setsize) {
    UNUSED(eventLoop);
    return setsize > 100000 ? AE_ERR : AE_OK;
}

int tlsIsBuilt(void) {
    return tls_built;
}

int tlsConfigure(const tlsSettings *s, char *err, size_t errlen) {
    tls_configures++;
    sdsFree(tls_last_cert);
    tls_last_cert = sdsNew(s->cert_file ? s->cert_file : "");
    if (s->cert_file == NULL || !strcmp(s->cert_file, "bad.crt")) {
        snprintf(err, errlen, "tls-cert-file: cannot load certificate");
        return -1;
    }
    return 0;
}

void tlsResetStats(void) {
    tls_resets++;
}

/* Eviction and the free thread (evict.c, lazyfree.c): CONFIG RESETSTAT
 * and maxmemory's apply reach them; nothing to evict or free here. */
void lazyfreeResetStats(void) {}
void evictResetStats(void) {}
int memoryApplyBackgroundThread(void) {
    return C_OK;
}
void evictStartTimeProc(void) {}
size_t freeMemoryGetNotCountedMemory(void) {
    return 0;
}

/* The notify.c pair, reduced to a few classes. */
/* Sentinel's directives (sentinel.c): refused outside sentinel mode. */
void latencyResetCommandHistograms(void) {
}

void metricsReset(void) {
}

void rdbResetStats(void) {
}

int sentinelHandleDirective(sds *argv, int argc, char *err, size_t errlen) {
    (void)argv;
    (void)argc;
    snprintf(err, errlen, "sentinel directive while not in sentinel mode");
    return -1;
}
sds *sentinelRewriteLines(int *count) {
    *count = 0;
    return zmalloc(sizeof(sds));
}

/* ACL (acl.c): 'user' lines are handed over; requirepass is recorded. */
static int stubUserLines;
static sds stubUserName;
int aclAppendUserForLoading(sds *argv, int argc, char *err, size_t errlen) {
    if (argc < 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    stubUserLines++;
    sdsFree(stubUserName);
    stubUserName = sdsDup(argv[0]);
    return 0;
}
void aclUpdateDefaultUserPassword(const char *pass) {
    (void)pass;
}
sds *aclDescribeAllUsers(int *count) {
    sds *lines = zmalloc(sizeof(sds));
    lines[0] = sdsNew("user default on nopass ~* &* +@all");
    *count = 1;
    return lines;
}

/* proc-title-template's apply (server.c): no title to show here. */
int serverUpdateProcTitle(void) {
    return C_OK;
}

/* oom-score-adj's apply (server.c): nothing to write here. */
int setOomScoreAdj(int process_class) {
    UNUSED(process_class);
    return C_OK;
}

/* rename-command's table change (server.c): only "get" exists here. */
static sds renamed_to; /* what "get" was renamed to; NULL if untouched */
int commandTableRename(const char *oldname, const char *newname, char *err,
                       size_t errlen) {
    if (strcasecmp(oldname, renamed_to ? renamed_to : "get") != 0) {
        snprintf(err, errlen, "No such command in rename-command");
        return C_ERR;
    }
    sdsFree(renamed_to);
    renamed_to = sdsNew(newname);
    return C_OK;
}

int keyspaceEventsStringToFlags(char *classes) {
    int flags = 0;
    for (char *p = classes; *p; p++) {
        switch (*p) {
        case 'K': flags |= NOTIFY_KEYSPACE; break;
        case 'E': flags |= NOTIFY_KEYEVENT; break;
        case 'g': flags |= NOTIFY_GENERIC; break;
        case 'x': flags |= NOTIFY_EXPIRED; break;
        default: return -1;
        }
    }
    return flags;
}

sds keyspaceEventsFlagsToString(int flags) {
    sds s = sdsEmpty();
    if (flags & NOTIFY_GENERIC) s = sdsCat(s, "g");
    if (flags & NOTIFY_EXPIRED) s = sdsCat(s, "x");
    if (flags & NOTIFY_KEYSPACE) s = sdsCat(s, "K");
    if (flags & NOTIFY_KEYEVENT) s = sdsCat(s, "E");
    return s;
}

int connAddrPeerName(connection *conn, char *ip, size_t ip_len, int *port) {
    UNUSED(conn);
    snprintf(ip, ip_len, "10.0.0.1");
    *port = 1;
    return 0;
}

/* The slow log's redaction (networking.c): runConfig keeps the marks of
 * the last command. */
static uint64_t lastRedactMask;
void redactClientArg(client *c, int j) {
    c->redact_mask |= 1ULL << j;
}

static void recordReply(const char *s) {
    replies = sdsCat(replies, s);
    replies = sdsCat(replies, "\n");
}

void addReply(client *c, robj *obj) {
    UNUSED(c);
    recordReply(obj == shared.ok ? "+OK" : "?");
}

void addReplyError(client *c, const char *err) {
    UNUSED(c);
    sds s = sdsCatPrintf(sdsEmpty(), "-ERR %s", err);
    recordReply(s);
    sdsFree(s);
}

void addReplyErrorFormat(client *c, const char *fmt, ...) {
    UNUSED(c);
    va_list ap;
    va_start(ap, fmt);
    sds s = sdsCatVPrintf(sdsNew("-ERR "), fmt, ap);
    va_end(ap);
    recordReply(s);
    sdsFree(s);
}

void addReplyBulkCString(client *c, const char *s) {
    UNUSED(c);
    recordReply(s);
}

void addReplyBulkSds(client *c, sds s) {
    UNUSED(c);
    recordReply(s);
    sdsFree(s);
}

void *addReplyDeferredLen(client *c) {
    UNUSED(c);
    return &replies;
}

void setDeferredMapLen(client *c, void *node, long length) {
    UNUSED(c);
    UNUSED(node);
    sds s = sdsCatPrintf(sdsEmpty(), "%%%ld", length);
    recordReply(s);
    sdsFree(s);
}

void addReplyHelp(client *c, const char **help) {
    UNUSED(c);
    for (int j = 0; help[j]; j++) recordReply(help[j]);
}

/* ---- Helpers ---- */

static robj ok_obj;

/* Resets the server fields and the stubs' state to a fresh start-up. */
static void freshServer(void) {
    static int first = 1;
    if (first) {
        memset(&server, 0, sizeof(server));
        shared.ok = &ok_obj;
        first = 0;
    }
    initConfigValues();
    server.listeners[LISTENER_TCP].port = server.port;
    server.listeners[LISTENER_TLS].port = 0;
    sdsFree(replies);
    replies = sdsEmpty();
    fail_port = -1;
    listener_changes = 0;
    tls_built = 1;
    tls_configures = 0;
}

/* Runs a CONFIG subcommand proc with the space-separated words of <line>
 * ("CONFIG SET port 1"); returns the recorded replies (borrowed). */
static const char *runConfig(void (*proc)(client *), const char *line) {
    int argc;
    sds *words = sdsSplitArgs(line, &argc);
    robj *objs = zcalloc(sizeof(robj) * (size_t)argc);
    robj **argv = zcalloc(sizeof(robj *) * (size_t)argc);
    for (int j = 0; j < argc; j++) {
        objs[j].type = OBJ_STRING;
        objs[j].ptr = words[j];
        argv[j] = &objs[j];
    }
    client c;
    memset(&c, 0, sizeof(c));
    c.argc = argc;
    c.argv = argv;
    sdsClear(replies);
    proc(&c);
    lastRedactMask = c.redact_mask;
    zfree(argv);
    zfree(objs);
    sdsFreeSplitRes(words, argc);
    return replies;
}

/* Parses <text>; on error copies "line N: reason" into the static buffer
 * returned, "" on success. */
static const char *parse(const char *text) {
    static char out[1024];
    configLoadError e = {0, NULL, {0}};
    config_load_save_seen = 0;
    if (configParseText(text, &e) == C_OK) return "";
    snprintf(out, sizeof(out), "line %d: '%s' %s", e.linenum, e.line, e.reason);
    sdsFree(e.line);
    return out;
}

static const char *getValue(const char *name) {
    static char out[1024];
    sds v = configGetValue(configLookup(name, NULL));
    snprintf(out, sizeof(out), "%s", v);
    sdsFree(v);
    return out;
}

/* ---- Tests ---- */

TEST_CASE(testDefaults) {
    freshServer();
    ASSERT_EQ_INT(server.port, 6379);
    ASSERT_EQ_INT(server.config_hz, 10);
    ASSERT_EQ_INT(server.hz, 10);
    ASSERT_EQ_INT(server.dbnum, 16);
    ASSERT_EQ_INT(server.maxclients, 10000);
    ASSERT_EQ_INT(server.tcp_backlog, 511);
    ASSERT_EQ_INT(server.verbosity, LL_NOTICE);
    ASSERT_EQ_INT(server.maxmemory_policy, MAXMEMORY_NO_EVICTION);
    ASSERT_EQ_INT(server.proto_max_bulk_len, 512LL * 1024 * 1024);
    ASSERT_EQ_INT(server.client_max_querybuf_len, 1024LL * 1024 * 1024);
    ASSERT_EQ_INT(server.list_max_listpack_size, -2);
    ASSERT_EQ_INT(server.tls_auth_clients, TLS_CLIENT_AUTH_YES);
    ASSERT_EQ_INT(server.tls_handshake_timeout, 10000);
    ASSERT_EQ_INT(server.tls_session_cache_size, 20480);
    ASSERT(server.requirepass == NULL);
    ASSERT(server.tls_cert_file == NULL);
    ASSERT_EQ_STR(server.rdb_filename, "dump.rdb");
    ASSERT_EQ_STR(server.syslog_ident, "redis");
    ASSERT_EQ_STR(server.logfile, "");
    ASSERT_EQ_INT(server.syslog_facility, LOG_LOCAL0);
    ASSERT_EQ_INT(server.bindaddr_count, 0);
    ASSERT_EQ_STR(getValue("bind"), "* -::*");
    ASSERT_EQ_STR(getValue("save"), "3600 1 300 100 60 10000");
    ASSERT_EQ_STR(getValue("client-output-buffer-limit"),
                  "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 "
                  "8388608 60");
    ASSERT_EQ_STR(getValue("appendfsync"), "everysec");
    ASSERT_EQ_STR(getValue("repl-diskless-load"), "disabled");
    ASSERT_EQ_STR(getValue("enable-debug-command"), "no");
    ASSERT_EQ_STR(getValue("unixsocketperm"), "0");
    ASSERT_EQ_STR(getValue("replicaof"), "");
    ASSERT_EQ_STR(getValue("auto-aof-rewrite-min-size"), "67108864");
    ASSERT_EQ_STR(evictPolicyToString(), "noeviction");
    /* Every directive but dir is at its default; names are unique. */
    for (int j = 0; j < NUM_CONFIGS; j++) {
        if (configs[j].set != dirSet) ASSERT(configIsDefault(&configs[j]));
        for (int k = j + 1; k < NUM_CONFIGS; k++) {
            ASSERT(strcasecmp(configs[j].name, configs[k].name) != 0);
        }
    }
    sds dbg = getConfigDebugInfo();
    ASSERT_EQ_INT(sdsLen(dbg), 0);
    sdsFree(dbg);
}

TEST_CASE(testValueParsers) {
    char err[CONFIG_ERR_LEN];
    long long v;
    int e;
    ASSERT_EQ_INT(configParseBool("yes"), 1);
    ASSERT_EQ_INT(configParseBool("NO"), 0);
    ASSERT_EQ_INT(configParseBool("maybe"), -1);
    ASSERT_EQ_INT(configParseBool(""), -1);

    ASSERT_EQ_INT(
        configParseNumber("1gb", 1, 0, LLONG_MAX, &v, err, sizeof(err)), C_OK);
    ASSERT_EQ_INT(v, 1024LL * 1024 * 1024);
    ASSERT_EQ_INT(
        configParseNumber("10k", 1, 0, LLONG_MAX, &v, err, sizeof(err)), C_OK);
    ASSERT_EQ_INT(v, 10000);
    ASSERT_EQ_INT(
        configParseNumber("1.5gb", 1, 0, LLONG_MAX, &v, err, sizeof(err)),
        C_ERR);
    ASSERT_EQ_STR(err, "argument must be a memory value");
    ASSERT_EQ_INT(
        configParseNumber("-1", 1, 0, LLONG_MAX, &v, err, sizeof(err)), C_ERR);
    ASSERT_EQ_STR(err, "argument must be a memory value");
    ASSERT_EQ_INT(configParseNumber("", 1, 0, LLONG_MAX, &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_INT(configParseNumber("99999999999999999999gb", 1, 0, LLONG_MAX,
                                    &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_INT(
        configParseNumber("10", 1, 1048576, LLONG_MAX, &v, err, sizeof(err)),
        C_ERR);
    ASSERT_EQ_STR(err, "argument must be between 1048576 and "
                       "9223372036854775807 inclusive");
    ASSERT_EQ_INT(configParseNumber("abc", 0, 0, 10, &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_STR(err, "argument couldn't be parsed into an integer");
    ASSERT_EQ_INT(configParseNumber("1k", 0, 0, 10000, &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_INT(configParseNumber(" 1", 0, 0, 10, &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_INT(configParseNumber("-2", 0, -2, 10, &v, err, sizeof(err)),
                  C_OK);
    ASSERT_EQ_INT(v, -2);
    ASSERT_EQ_INT(configParseNumber("11", 0, 0, 10, &v, err, sizeof(err)),
                  C_ERR);
    ASSERT_EQ_STR(err, "argument must be between 0 and 10 inclusive");

    ASSERT_EQ_INT(
        configParseEnum(loglevelEnum, "WARNING", &e, err, sizeof(err)), C_OK);
    ASSERT_EQ_INT(e, LL_WARNING);
    ASSERT_EQ_INT(
        configParseEnum(maxmemoryPolicyEnum, "bogus", &e, err, sizeof(err)),
        C_ERR);
    ASSERT_EQ_STR(err,
                  "argument(s) must be one of the following: volatile-lru, "
                  "volatile-lfu, volatile-random, volatile-ttl, "
                  "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    /* A too small buffer truncates, never overflows. */
    char small[16];
    ASSERT_EQ_INT(
        configParseEnum(maxmemoryPolicyEnum, "x", &e, small, sizeof(small)),
        C_ERR);
    ASSERT_EQ_INT(strlen(small), 15);

    sds m = catMemory(sdsEmpty(), 0);
    ASSERT_EQ_STR(m, "0");
    sdsFree(m);
    m = catMemory(sdsEmpty(), 3ULL << 30);
    ASSERT_EQ_STR(m, "3gb");
    sdsFree(m);
    m = catMemory(sdsEmpty(), 64ULL << 20);
    ASSERT_EQ_STR(m, "64mb");
    sdsFree(m);
    m = catMemory(sdsEmpty(), 2048);
    ASSERT_EQ_STR(m, "2kb");
    sdsFree(m);
    m = catMemory(sdsEmpty(), 1000);
    ASSERT_EQ_STR(m, "1000");
    sdsFree(m);
}

TEST_CASE(testSaveParsing) {
    struct saveparam *sp;
    int n, argc;
    sds *argv = sdsSplitArgs("900 1 300 10", &argc);
    ASSERT_EQ_INT(configParseSaveParams(argv, argc, &sp, &n), C_OK);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(sp[0].seconds, 900);
    ASSERT_EQ_INT(sp[1].changes, 10);
    zfree(sp);
    sdsFreeSplitRes(argv, argc);
    const char *bad[] = {"10", "abc 1", "10 1 20", "0 1", "10 -1", "10 1x"};
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        argv = sdsSplitArgs(bad[j], &argc);
        ASSERT_EQ_INT(configParseSaveParams(argv, argc, &sp, &n), C_ERR);
        sdsFreeSplitRes(argv, argc);
    }

    freshServer();
    /* The first save line replaces the defaults, later ones add. */
    ASSERT_EQ_STR(parse("save 100 1\nsave 200 2\n"), "");
    ASSERT_EQ_STR(getValue("save"), "100 1 200 2");
    ASSERT_EQ_STR(parse("save 100 1\nsave \"\"\nsave 5 5"), "");
    ASSERT_EQ_STR(getValue("save"), "5 5");
    ASSERT_EQ_STR(parse("save ''"), "");
    ASSERT_EQ_STR(getValue("save"), "");
    /* A bare save, as Redis 7.0 takes it: first, it drops the defaults;
     * later, it changes nothing. */
    freshServer();
    ASSERT_EQ_STR(parse("save\n"), "");
    ASSERT_EQ_STR(getValue("save"), "");
    freshServer();
    ASSERT_EQ_STR(parse("save 100 1\nsave\n"), "");
    ASSERT_EQ_STR(getValue("save"), "100 1");
    ASSERT_EQ_STR(parse("save\nsave 100 1\n"), "");
    ASSERT_EQ_STR(getValue("save"), "100 1");
    ASSERT_EQ_STR(parse("save 100 1\nsave \"\"\nsave 200 2\nsave\n"), "");
    ASSERT_EQ_STR(getValue("save"), "200 2");
    ASSERT_EQ_STR(parse("port 1\nsave 10"),
                  "line 2: 'save 10' Invalid save parameters");
    /* CONFIG SET replaces the list. */
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set save \"7 7 8 8\""),
                  "+OK\n");
    ASSERT_EQ_STR(getValue("save"), "7 7 8 8");
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set save \"\""), "+OK\n");
    ASSERT_EQ_INT(server.saveparamslen, 0);
    ASSERT_EQ_STR(
        runConfig(configSetCommand, "config set save x"),
        "-ERR CONFIG SET failed (possibly related to argument 'save') "
        "- Invalid save parameters\n");
}

TEST_CASE(testObufParsing) {
    char err[CONFIG_ERR_LEN];
    clientBufferLimitsConfig l[CLIENT_TYPE_OBUF_COUNT];
    memset(l, 0, sizeof(l));
    int argc;
    sds *argv = sdsSplitArgs("replica 256mb 64mb 60 pubsub 1 2 3", &argc);
    ASSERT_EQ_INT(configParseObufLimits(argv, argc, l, err, sizeof(err)), C_OK);
    sdsFreeSplitRes(argv, argc);
    ASSERT_EQ_INT(l[CLIENT_TYPE_SLAVE].hard_limit_bytes, 256LL << 20);
    ASSERT_EQ_INT(l[CLIENT_TYPE_SLAVE].soft_limit_bytes, 64LL << 20);
    ASSERT_EQ_INT(l[CLIENT_TYPE_SLAVE].soft_limit_seconds, 60);
    ASSERT_EQ_INT(l[CLIENT_TYPE_PUBSUB].soft_limit_seconds, 3);
    ASSERT_EQ_INT(l[CLIENT_TYPE_NORMAL].hard_limit_bytes, 0);

    struct {
        const char *in, *err;
    } bad[] = {
        {"foo 1 2 3", "Invalid client class specified in buffer limit "
                      "configuration."},
        {"master 1 2 3", "Invalid client class specified in buffer limit "
                         "configuration."},
        {"normal 1 2", "Wrong number of arguments in buffer limit "
                       "configuration."},
        {"normal 1x 2 3", "Error in hard, soft or soft_seconds setting in "
                          "buffer limit configuration."},
        {"normal 1 2 -3", "Error in hard, soft or soft_seconds setting in "
                          "buffer limit configuration."},
    };
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        argv = sdsSplitArgs(bad[j].in, &argc);
        ASSERT_EQ_INT(configParseObufLimits(argv, argc, l, err, sizeof(err)),
                      C_ERR);
        ASSERT_EQ_STR(err, bad[j].err);
        sdsFreeSplitRes(argv, argc);
    }
    /* A failed line changes nothing, even classes before the bad one. */
    argv = sdsSplitArgs("normal 5 5 5 pubsub x 1 1", &argc);
    ASSERT_EQ_INT(configParseObufLimits(argv, argc, l, err, sizeof(err)),
                  C_ERR);
    sdsFreeSplitRes(argv, argc);
    ASSERT_EQ_INT(l[CLIENT_TYPE_NORMAL].hard_limit_bytes, 0);

    /* File lines accumulate per class. */
    freshServer();
    ASSERT_EQ_STR(parse("client-output-buffer-limit normal 1 2 3\n"
                        "client-output-buffer-limit pubsub 1mb 2mb 4\n"),
                  "");
    ASSERT_EQ_STR(getValue("client-output-buffer-limit"),
                  "normal 1 2 3 slave 268435456 67108864 60 pubsub 1048576 "
                  "2097152 4");
}

TEST_CASE(testParseText) {
    freshServer();
    ASSERT_EQ_STR(parse("# comment\n\n  PORT 7000  \r\nmaxmemory 1gb\n"
                        "slave-read-only no\nhash-max-ziplist-entries 7\n"
                        "requirepass \"a b\\x41\"\nloglevel warning\n"
                        "port 7001\nbind 127.0.0.1 ::1\nhz 1000\n"
                        "notify-keyspace-events Kx\nunixsocketperm 700\n"
                        "replicaof 10.0.0.2 6380\ntls-auth-clients optional\n"),
                  "");
    ASSERT_EQ_INT(server.port, 7001);
    ASSERT_EQ_INT(server.maxmemory, 1024LL * 1024 * 1024);
    ASSERT_EQ_INT(server.repl_slave_ro, 0);
    ASSERT_EQ_INT(server.hash_max_listpack_entries, 7);
    ASSERT_EQ_STR(server.requirepass, "a bA");
    ASSERT_EQ_INT(server.verbosity, LL_WARNING);
    ASSERT_EQ_INT(server.bindaddr_count, 2);
    ASSERT_EQ_STR(server.bindaddr[1], "::1");
    ASSERT_EQ_INT(server.config_hz, 500);
    ASSERT_EQ_INT(server.hz, 500);
    ASSERT_EQ_INT(server.notify_keyspace_events,
                  NOTIFY_KEYSPACE | NOTIFY_EXPIRED);
    ASSERT_EQ_INT(server.unixsocketperm, 0700);
    ASSERT_EQ_STR(server.masterhost, "10.0.0.2");
    ASSERT_EQ_INT(server.masterport, 6380);
    ASSERT_EQ_INT(server.tls_auth_clients, TLS_CLIENT_AUTH_OPTIONAL);
    ASSERT_EQ_STR(parse("replicaof no one\nbind \"*\" -::*\nrequirepass \"\""),
                  "");
    ASSERT(server.masterhost == NULL);
    ASSERT_EQ_INT(server.bindaddr_count, 0);
    ASSERT(server.requirepass == NULL);

    /* Errors, with the line counted as Redis counts it: a command-line
     * option string comes after the file and one empty line. */
    ASSERT_EQ_STR(parse("\nport \"abc\""),
                  "line 2: 'port \"abc\"' argument couldn't be parsed into an "
                  "integer");
    ASSERT_EQ_STR(parse("port 1\n\nfoo \"bar\""),
                  "line 3: 'foo \"bar\"' Bad directive or wrong number of "
                  "arguments");
    ASSERT_EQ_STR(parse("port 1 2"),
                  "line 1: 'port 1 2' wrong number of arguments");
    ASSERT_EQ_STR(parse("hz"), "line 1: 'hz' wrong number of arguments");
    ASSERT_EQ_STR(
        parse("port \"7701"),
        "line 1: 'port \"7701' Unbalanced quotes in configuration line");
    ASSERT_EQ_STR(parse("appendonly maybe"),
                  "line 1: 'appendonly maybe' argument must be 'yes' or 'no'");
    ASSERT_EQ_STR(parse("databases 0"),
                  "line 1: 'databases 0' argument must be between 1 and "
                  "2147483647 inclusive");
    ASSERT_EQ_STR(parse("port 70000"),
                  "line 1: 'port 70000' argument must be between 0 and 65535 "
                  "inclusive");
    ASSERT_EQ_STR(
        parse("syslog-facility foo"),
        "line 1: 'syslog-facility foo' argument(s) must be one of the "
        "following: user, local0, local1, local2, local3, local4, "
        "local5, local6, local7");
    ASSERT_EQ_STR(parse("dbfilename a/b"),
                  "line 1: 'dbfilename a/b' dbfilename can't be a path, just a "
                  "filename");
    ASSERT_EQ_STR(parse("unixsocketperm 999"),
                  "line 1: 'unixsocketperm 999' argument couldn't be parsed as "
                  "an octal number");
    ASSERT_EQ_STR(parse("replicaof host abc"),
                  "line 1: 'replicaof host abc' Invalid master port");
    ASSERT_EQ_STR(parse("slaveof a"),
                  "line 1: 'slaveof a' wrong number of arguments");
    ASSERT_EQ_STR(parse("notify-keyspace-events Q"),
                  "line 1: 'notify-keyspace-events Q' Invalid event class "
                  "character. Use 'Ag$lshzxeKEtmdn'.");
    ASSERT_EQ_STR(
        parse("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
        "line 1: 'bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17' Too "
        "many bind addresses specified.");
    ASSERT_EQ_STR(parse("dir /nonexistent-dir-for-test"),
                  "line 1: 'dir /nonexistent-dir-for-test' No such file or "
                  "directory");
    /* Secrets never appear in the error. */
    ASSERT_EQ_STR(parse("requirepass a b"),
                  "line 1: 'requirepass (redacted)' wrong number of arguments");
    /* Parsing stops at the first error: later lines are not applied. */
    freshServer();
    ASSERT(parse("port 1\nbogus\nport 2")[0] != '\0');
    ASSERT_EQ_INT(server.port, 1);
}

TEST_CASE(testTlsNotBuilt) {
    freshServer();
    tls_built = 0;
    ASSERT_EQ_STR(
        parse("port 1\ntls-port 0"),
        "line 2: 'tls-port 0' TLS support was not compiled in; rebuild "
        "with BUILD_TLS=yes");
    ASSERT_EQ_STR(parse("tls-key-file-pass x"),
                  "line 1: 'tls-key-file-pass (redacted)' TLS support was not "
                  "compiled in; rebuild with BUILD_TLS=yes");
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set tls-cert-file a.crt"),
                  "-ERR CONFIG SET failed (possibly related to argument "
                  "'tls-cert-file') - TLS support was not compiled in; rebuild "
                  "with BUILD_TLS=yes\n");
    char err[CONFIG_ERR_LEN];
    ASSERT_EQ_INT(configApplyTls(err, sizeof(err)), C_OK); /* TLS unused */
    server.tls_replication = 1;
    ASSERT_EQ_INT(configApplyTls(err, sizeof(err)), C_ERR);
    ASSERT_EQ_STR(err, CONFIG_TLS_NOT_BUILT);
    server.tls_replication = 0;
}

/* Writes <text> to <dir>/<name>; returns the path (caller frees). */
static sds writeFile(const char *dir, const char *name, const char *text) {
    sds path = sdsCatPrintf(sdsEmpty(), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    return path;
}

TEST_CASE(testInclude) {
    char dir[] = "/tmp/test_config_XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    freshServer();
    sds b = writeFile(dir, "b.conf", "maxmemory 2mb\nport 7002\n");
    sds a = writeFile(dir, "a.conf", "");
    sds text =
        sdsCatPrintf(sdsEmpty(), "port 7001\ninclude %s\ntimeout 5\n", b);
    sdsFree(a);
    a = writeFile(dir, "a.conf", text);
    sdsFree(text);
    text = sdsCatPrintf(sdsEmpty(), "include %s\nport 7003", a);
    ASSERT_EQ_STR(parse(text), "");
    sdsFree(text);
    ASSERT_EQ_INT(server.port, 7003);
    ASSERT_EQ_INT(server.maxmemory, 2 * 1024 * 1024);
    ASSERT_EQ_INT(server.maxidletime, 5);

    /* An error inside an included file names that file's line. */
    sds bad = writeFile(dir, "bad.conf", "port 1\n\nmaxmemory lots\n");
    text = sdsCatPrintf(sdsEmpty(), "port 2\ninclude %s\n", bad);
    ASSERT_EQ_STR(parse(text), "line 3: 'maxmemory lots' argument must be a "
                               "memory value");
    sdsFree(text);

    /* Loops are refused instead of recursing forever. */
    sds loop = sdsCatPrintf(sdsEmpty(), "%s/loop.conf", dir);
    text = sdsCatPrintf(sdsEmpty(), "port 1\ninclude %s\n", loop);
    sdsFree(writeFile(dir, "loop.conf", text));
    const char *r = parse(text);
    ASSERT(strstr(r, "Include loop") != NULL);
    sdsFree(text);

    ASSERT(strstr(parse("include /nonexistent/x.conf"), "Can't open included "
                                                        "file") != NULL);
    ASSERT_EQ_STR(parse("include"), "line 1: 'include' Bad directive or wrong "
                                    "number of arguments");

    /* A glob includes every match in sorted order; no match, nothing. */
    char sub[PATH_MAX];
    snprintf(sub, sizeof(sub), "%s/d", dir);
    ASSERT(mkdir(sub, 0700) == 0);
    sds g1 = writeFile(sub, "10-a.conf", "port 7010\ntimeout 10\n");
    sds g2 = writeFile(sub, "20-b.conf", "port 7020\n");
    text = sdsCatPrintf(sdsEmpty(), "include %s/*.conf\n", sub);
    ASSERT_EQ_STR(parse(text), "");
    sdsFree(text);
    ASSERT_EQ_INT(server.port, 7020);
    ASSERT_EQ_INT(server.maxidletime, 10);
    text = sdsCatPrintf(sdsEmpty(), "port 5\ninclude %s/*.none\n", sub);
    ASSERT_EQ_STR(parse(text), "");
    sdsFree(text);
    ASSERT_EQ_INT(server.port, 5);
    unlink(g1);
    unlink(g2);
    sdsFree(g1);
    sdsFree(g2);
    rmdir(sub);

    unlink(a);
    unlink(b);
    unlink(bad);
    unlink(loop);
    rmdir(dir);
    sdsFree(a);
    sdsFree(b);
    sdsFree(bad);
    sdsFree(loop);
}

TEST_CASE(testConfigGet) {
    freshServer();
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get port"),
                  "port\n6379\n%1\n");
    /* An exact name is answered as typed; duplicates are dropped. */
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get Port port p*t"),
                  "Port\n6379\n%1\n");
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get slaveof replicaof"),
                  "slaveof\n\nreplicaof\n\n%2\n");
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get *ziplist-size"),
                  "list-max-ziplist-size\n-2\n%1\n");
    ASSERT_EQ_STR(runConfig(configGetCommand,
                            "config get list-max-*-size maxmemory nosuch"),
                  "list-max-listpack-size\n-2\nlist-max-ziplist-size\n-2\n"
                  "maxmemory\n0\n%3\n");
    server.requirepass = sdsNew("secret");
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get requirepass"),
                  "requirepass\nsecret\n%1\n");
    /* * lists every name and alias once. */
    runConfig(configGetCommand, "config get *");
    int lines = 0;
    for (char *p = replies; *p; p++) lines += (*p == '\n');
    int names = 0;
    for (int j = 0; j < NUM_CONFIGS; j++) {
        if (configs[j].flags & CF_HIDDEN) continue; /* "sentinel" lines */
        names += 1 + (configs[j].alias != NULL);
    }
    ASSERT_EQ_INT(lines, names * 2 + 1);
    /* The "sentinel" directive is a config-file line only. */
    ASSERT(strstr(replies, "\nsentinel\n") == NULL);
    char dir[4096];
    ASSERT(getcwd(dir, sizeof(dir)) != NULL);
    sds want = sdsCatPrintf(sdsEmpty(), "dir\n%s\n%%1\n", dir);
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get dir"), want);
    sdsFree(want);
}

TEST_CASE(testConfigSetErrors) {
    freshServer();
    struct {
        const char *cmd, *reply;
    } cases[] = {
        {"config set foo bar",
         "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
        {"config set port 1 port", "-ERR syntax error"},
        {"config set daemonize yes",
         "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
         "can't set immutable config"},
        {"config set slaveof \"a 1\"",
         "-ERR CONFIG SET failed (possibly related to argument 'slaveof') - "
         "can't set immutable config"},
        {"config set dir /tmp",
         "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't "
         "set protected config"},
        {"config set maxmemory abc",
         "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
         "argument must be a memory value"},
        {"config set maxmemory 1mb MAXMEMORY 2mb",
         "-ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - "
         "duplicate parameter"},
        {"config set hz -1", "-ERR CONFIG SET failed (possibly related to "
                             "argument 'hz') - argument "
                             "must be between 0 and 2147483647 inclusive"},
        {"config set maxclients 0",
         "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
         "argument must be between 1 and 4294967295 inclusive"},
        {"config set appendonly maybe",
         "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - "
         "argument must be 'yes' or 'no'"},
        {"config set loglevel x",
         "-ERR CONFIG SET failed (possibly related to argument 'loglevel') - "
         "argument(s) must be one of the following: debug, verbose, notice, "
         "warning"},
        {"config set notify-keyspace-events Q",
         "-ERR CONFIG SET failed (possibly related to argument "
         "'notify-keyspace-events') - Invalid event class character. Use "
         "'Ag$lshzxeKEtmdn'."},
        {"config set client-output-buffer-limit \"normal 1 2\"",
         "-ERR CONFIG SET failed (possibly related to argument "
         "'client-output-buffer-limit') - Wrong number of arguments in buffer "
         "limit configuration."},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        sds want = sdsCatPrintf(sdsEmpty(), "%s\n", cases[j].reply);
        const char *got = runConfig(configSetCommand, cases[j].cmd);
        if (strcmp(got, want) != 0) fprintf(stderr, "  got: %s", got);
        ASSERT_EQ_STR(got, want);
        sdsFree(want);
    }
    /* Nothing changed by any of them. */
    ASSERT_EQ_INT(server.maxmemory, 0);
    ASSERT_EQ_INT(server.config_hz, 10);

    /* A bad later value leaves earlier ones untouched. */
    ASSERT_EQ_STR(
        runConfig(configSetCommand,
                  "config set maxmemory 5mb timeout 9 hz abc"),
        "-ERR CONFIG SET failed (possibly related to argument 'hz') - "
        "argument couldn't be parsed into an integer\n");
    ASSERT_EQ_INT(server.maxmemory, 0);
    ASSERT_EQ_INT(server.maxidletime, 0);

    /* enable-protected-configs local lets loopback clients through. */
    server.enable_protected_configs = 2;
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set dbfilename x.rdb"),
                  "+OK\n");
    ASSERT_EQ_STR(server.rdb_filename, "x.rdb");
}

TEST_CASE(testConfigSetApply) {
    freshServer();
    ASSERT_EQ_STR(
        runConfig(configSetCommand,
                  "config set maxmemory 1gb hz 1000 slave-read-only no "
                  "list-max-ziplist-size 5 requirepass pw"),
        "+OK\n");
    ASSERT_EQ_INT(server.maxmemory, 1024LL * 1024 * 1024);
    ASSERT_EQ_INT(server.config_hz, 500);
    ASSERT_EQ_INT(server.repl_slave_ro, 0);
    ASSERT_EQ_INT(server.list_max_listpack_size, 5);
    ASSERT_EQ_STR(server.requirepass, "pw");
    ASSERT_EQ_STR(runConfig(configGetCommand, "config get hz"),
                  "hz\n500\n%1\n");

    /* port: the listener moves; a failing listener restores everything. */
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set port 7000"), "+OK\n");
    ASSERT_EQ_INT(server.listeners[LISTENER_TCP].port, 7000);
    fail_port = 7001;
    listener_changes = 0;
    ASSERT_EQ_STR(
        runConfig(configSetCommand,
                  "config set maxmemory 2mb port 7001 timeout 30"),
        "-ERR CONFIG SET failed (possibly related to argument 'port') "
        "- Unable to listen on this port. Check server logs.\n");
    ASSERT_EQ_INT(server.port, 7000);
    ASSERT_EQ_INT(server.listeners[LISTENER_TCP].port, 7000);
    ASSERT_EQ_INT(server.maxmemory, 1024LL * 1024 * 1024);
    ASSERT_EQ_INT(server.maxidletime, 0);
    ASSERT_EQ_INT(listener_changes, 2); /* the failed move and the move back */

    /* bind moves the TCP listener (the TLS one is not listening). */
    listener_changes = 0;
    ASSERT_EQ_STR(
        runConfig(configSetCommand, "config set bind \"127.0.0.1 ::1\""),
        "+OK\n");
    ASSERT_EQ_INT(listener_changes, 1);
    ASSERT_EQ_INT(server.listeners[LISTENER_TCP].bindaddr_count, 2);
    ASSERT_EQ_STR(getValue("bind"), "127.0.0.1 ::1");

    /* maxclients resizes the event loop only when it can. */
    server.el = (aeEventLoop *)&server; /* any non-NULL loop for the stub */
    ASSERT_EQ_STR(
        runConfig(configSetCommand, "config set maxclients 200000"),
        "-ERR CONFIG SET failed (possibly related to argument "
        "'maxclients') - The event loop API used by Redis is not able "
        "to handle the specified number of clients\n");
    ASSERT_EQ_INT(server.maxclients, 10000);
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set maxclients 500"),
                  "+OK\n");
    ASSERT_EQ_INT(server.maxclients, 500);
    server.el = NULL;

    /* obuf: classes not named keep their limits. */
    ASSERT_EQ_STR(runConfig(configSetCommand,
                            "config set client-output-buffer-limit "
                            "\"normal 1 2 3 replica 1mb 1kb 10\""),
                  "+OK\n");
    ASSERT_EQ_STR(
        getValue("client-output-buffer-limit"),
        "normal 1 2 3 slave 1048576 1024 10 pubsub 33554432 8388608 60");

    ASSERT_EQ_STR(
        runConfig(configSetCommand, "config set notify-keyspace-events KEx"),
        "+OK\n");
    ASSERT_EQ_STR(getValue("notify-keyspace-events"), "xKE");
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set requirepass \"\""),
                  "+OK\n");
    ASSERT(server.requirepass == NULL);
    /* Secrets are marked for the slow log and MONITOR, even when the
     * command fails on another option first. */
    ASSERT(lastRedactMask == 1ULL << 3);
    runConfig(configSetCommand, "config set bogus 1 masterauth x");
    ASSERT(lastRedactMask == 1ULL << 5);
    runConfig(configSetCommand, "config set maxclients 500");
    ASSERT(lastRedactMask == 0);
}

TEST_CASE(testConfigSetTls) {
    freshServer();
    /* TLS not in use: files change without loading anything. */
    ASSERT_EQ_STR(
        runConfig(configSetCommand, "config set tls-cert-file bad.crt"),
        "+OK\n");
    ASSERT_EQ_INT(tls_configures, 0);
    /* Enabling the port with a bad certificate fails and changes nothing. */
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set tls-port 6380"),
                  "-ERR CONFIG SET failed (possibly related to argument "
                  "'tls-port') - tls-cert-file: cannot load certificate\n");
    ASSERT_EQ_INT(server.tls_port, 0);
    ASSERT_EQ_INT(server.listeners[LISTENER_TLS].port, 0);
    /* Cert, key and port together: one context, one listener change. */
    tls_configures = 0;
    listener_changes = 0;
    ASSERT_EQ_STR(runConfig(configSetCommand,
                            "config set tls-cert-file a.crt tls-key-file a.key "
                            "tls-port 6380 tls-auth-clients optional"),
                  "+OK\n");
    ASSERT_EQ_INT(tls_configures, 1);
    ASSERT_EQ_INT(listener_changes, 1);
    ASSERT_EQ_INT(server.listeners[LISTENER_TLS].port, 6380);
    ASSERT_EQ_INT(server.tls_auth_clients, TLS_CLIENT_AUTH_OPTIONAL);
    /* A failed swap restores both files and re-installs the old context. */
    tls_configures = 0;
    ASSERT_EQ_STR(
        runConfig(configSetCommand,
                  "config set tls-key-file b.key tls-cert-file bad.crt"),
        "-ERR CONFIG SET failed (possibly related to argument "
        "'tls-key-file') - tls-cert-file: cannot load certificate\n");
    ASSERT_EQ_STR(server.tls_cert_file, "a.crt");
    ASSERT_EQ_STR(server.tls_key_file, "a.key");
    ASSERT_EQ_INT(tls_configures, 2);
    ASSERT_EQ_STR(tls_last_cert, "a.crt");
    /* Bind now moves both listeners. */
    listener_changes = 0;
    ASSERT_EQ_STR(runConfig(configSetCommand, "config set bind 127.0.0.1"),
                  "+OK\n");
    ASSERT_EQ_INT(listener_changes, 2);
    ASSERT_EQ_INT(server.listeners[LISTENER_TLS].bindaddr_count, 1);
}

TEST_CASE(testRewriteText) {
    freshServer();
    const char *old = "# my comment\n"
                      "port 7712\n"
                      "\n"
                      "bind 127.0.0.1\n"
                      "save 100 1\n"
                      "save 200 2\n"
                      "maxmemory 1gb\n"
                      "# another\n"
                      "slave-read-only yes\n"
                      "hash-max-ziplist-entries 100\n"
                      "client-output-buffer-limit pubsub 1mb 2mb 3\n"
                      "client-output-buffer-limit normal 1 2 3\n"
                      "unknown-directive stays\n"
                      "daemonize no\n";
    ASSERT_EQ_STR(parse(old),
                  "line 13: 'unknown-directive stays' Bad directive "
                  "or wrong number of arguments");
    server.config_hz = 20;
    server.repl_slave_ro = 0;
    server.maxmemory = 0;
    stringStore(&server.requirepass, "se\"cret", 1);
    server.saveparamslen = 0;
    server.tls_session_cache_size = 100;
    sds out = configRewriteText(old);
    char dir[4096];
    ASSERT(getcwd(dir, sizeof(dir)) != NULL);
    sds want = sdsCatPrintf(sdsEmpty(),
                            "# my comment\n"
                            "port 7712\n"
                            "\n"
                            "bind 127.0.0.1\n"
                            "save \"\"\n"
                            "maxmemory 0\n"
                            "# another\n"
                            "replica-read-only no\n"
                            "hash-max-listpack-entries 100\n"
                            "client-output-buffer-limit normal 1 2 3\n"
                            "client-output-buffer-limit replica 256mb 64mb 60\n"
                            "unknown-directive stays\n"
                            "daemonize no\n"
                            "\n"
                            "# Generated by CONFIG REWRITE\n"
                            "requirepass \"se\\\"cret\"\n"
                            "hz 20\n"
                            "dir \"%s\"\n"
                            "client-output-buffer-limit pubsub 1mb 2mb 3\n"
                            "tls-session-cache-size 100\n"
                            "user default on nopass ~* &* +@all\n",
                            dir);
    if (strcmp(out, want) != 0) fprintf(stderr, "%s", out);
    ASSERT_EQ_STR(out, want);

    /* A second rewrite is stable: same text, one signature. */
    sds again = configRewriteText(out);
    ASSERT_EQ_STR(again, out);
    sdsFree(again);
    sdsFree(out);
    sdsFree(want);

    /* New save pairs take the old save lines, then append. */
    freshServer();
    int argc;
    sds *argv = sdsSplitArgs("1 1 2 2 3 3", &argc);
    char err[CONFIG_ERR_LEN];
    ASSERT_EQ_INT(saveSet(argv, argc, SRC_SET, err, sizeof(err)), C_OK);
    sdsFreeSplitRes(argv, argc);
    out = configRewriteText("save 9 9\n# x\n");
    ASSERT(strncmp(out, "save 1 1\n# x\n\n# Generated by CONFIG REWRITE\n",
                   44) == 0);
    ASSERT(strstr(out, "\nsave 2 2\nsave 3 3\n") != NULL);
    sdsFree(out);

    /* An empty file only gets the forced and non-default directives. */
    freshServer();
    server.masterhost = sdsNew("h");
    server.masterport = 1;
    server.maxmemory = 3000;
    out = configRewriteText("");
    ASSERT(strncmp(out, "# Generated by CONFIG REWRITE\n", 30) == 0);
    ASSERT(strstr(out, "\nmaxmemory 3000\n") != NULL);
    ASSERT(strstr(out, "\nreplicaof h 1\n") != NULL);
    ASSERT(strstr(out, "\nport ") == NULL);
    sdsFree(out);
    /* replicaof lines go when there is no master any more. */
    sdsFree(server.masterhost);
    server.masterhost = NULL;
    out = configRewriteText("slaveof a 1\nport 6379\n");
    ASSERT(strncmp(out, "port 6379\n", 10) == 0);
    sdsFree(out);
}

TEST_CASE(testRewriteFile) {
    char dir[] = "/tmp/test_config_XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    freshServer();
    sds path = writeFile(dir, "r.conf", "# keep\nport 7000\n");
    chmod(path, 0600);
    server.port = 7005;
    ASSERT_EQ_INT(rewriteConfig(path, 0), 0);
    sds text = configReadFile(path);
    ASSERT(text != NULL && strncmp(text, "# keep\nport 7005\n", 17) == 0);
    struct stat sb;
    ASSERT_EQ_INT(stat(path, &sb), 0);
    ASSERT_EQ_INT(sb.st_mode & 0777, 0600);
    sdsFree(text);

    /* CONFIG REWRITE without a config file, then with one. */
    server.configfile = NULL;
    ASSERT_EQ_STR(runConfig(configRewriteCommand, "config rewrite"),
                  "-ERR The server is running without a config file\n");
    server.configfile = path;
    ASSERT_EQ_STR(runConfig(configRewriteCommand, "config rewrite"), "+OK\n");
    server.configfile = NULL;

    /* A directory we cannot write into fails cleanly. */
    ASSERT_EQ_INT(rewriteConfig("/proc/nonexistent/x.conf", 1), -1);
    unlink(path);
    sdsFree(path);
    rmdir(dir);
}

TEST_CASE(testMiscCommands) {
    freshServer();
    server.stat_numcommands = 5;
    server.stat_keyspace_hits = 7;
    server.stat_net_input_bytes = 9;
    tls_resets = 0;
    ASSERT_EQ_STR(runConfig(configResetStatCommand, "config resetstat"),
                  "+OK\n");
    ASSERT_EQ_INT(server.stat_numcommands, 0);
    ASSERT_EQ_INT(server.stat_keyspace_hits, 0);
    ASSERT_EQ_INT(server.stat_net_input_bytes, 0);
    ASSERT_EQ_INT(tls_resets, 1);

    const char *help = runConfig(configHelpCommand, "config help");
    ASSERT(strncmp(help, "GET <pattern>\n", 14) == 0);
    ASSERT(strstr(help, "REWRITE\n    Rewrite the configuration file.\n") !=
           NULL);

    server.maxmemory = 100;
    stringStore(&server.masterauth, "topsecret", 1);
    sds dbg = getConfigDebugInfo();
    ASSERT_EQ_STR(dbg, "maxmemory 100\r\nmasterauth (redacted)\r\n");
    sdsFree(dbg);
    server.maxmemory_policy = MAXMEMORY_ALLKEYS_LFU;
    ASSERT_EQ_STR(evictPolicyToString(), "allkeys-lfu");
}

/* Runs loadServerConfig(<file>, 0, <options>) in a child; returns what it
 * printed on stderr (caller frees) and its exit status in *status. */
static sds loadInChild(char *file, char *options, int *status) {
    int fds[2];
    if (pipe(fds) == -1) return NULL;
    fflush(stdout); /* the child exit()s: no buffered output twice */
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        loadServerConfig(file, 0, options);
        _exit(server.port == 7010 ? 0 : 3);
    }
    close(fds[1]);
    sds out = sdsEmpty();
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0)
        out = sdsCatLen(out, buf, (size_t)n);
    close(fds[0]);
    waitpid(pid, status, 0);
    return out;
}

TEST_CASE(testLoadServerConfig) {
    char dir[] = "/tmp/test_config_XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    freshServer();
    sds path = writeFile(dir, "s.conf", "port 7001\n");
    int status;
    /* Options come after the file and win over it. */
    sds out = loadInChild(path, "port 7010\n", &status);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ_STR(out, "");
    sdsFree(out);
    /* Redis's fatal block: the file's line, one empty line, the options. */
    out = loadInChild(path, "save \"\"\nmaxmemory \"abc\"", &status);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    ASSERT_EQ_STR(out, "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                       "Reading the configuration file, at line 4\n"
                       ">>> 'maxmemory \"abc\"'\n"
                       "argument must be a memory value\n");
    sdsFree(out);
    out = loadInChild(NULL, "port \"abc\"", &status);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    ASSERT(strstr(out, "at line 2\n>>> 'port \"abc\"'\nargument couldn't be "
                       "parsed into an integer\n") != NULL);
    sdsFree(out);
    /* The absolute path is kept for CONFIG REWRITE. */
    loadServerConfig(path, 0, NULL);
    ASSERT_EQ_STR(server.configfile, path);
    ASSERT_EQ_INT(server.port, 7001);
    sdsFree(server.configfile);
    server.configfile = NULL;
    unlink(path);
    sdsFree(path);
    rmdir(dir);
}


/* The directives added for Redis 7.0 parity: defaults as Redis 7.0's
 * CONFIG GET shows them, range checks and error texts, the specials. */
TEST_CASE(testParityDirectives) {
    freshServer();
    ASSERT_EQ_STR(getValue("acllog-max-len"), "128");
    ASSERT_EQ_STR(getValue("acl-pubsub-default"), "resetchannels");
    ASSERT_EQ_STR(getValue("active-defrag-ignore-bytes"), "104857600");
    ASSERT_EQ_STR(getValue("active-defrag-cycle-max"), "25");
    ASSERT_EQ_STR(getValue("latency-tracking-info-percentiles"), "50 99 99.9");
    ASSERT_EQ_STR(getValue("oom-score-adj-values"), "0 200 800");
    ASSERT_EQ_STR(getValue("proc-title-template"),
                  "{title} {listen-addr} {server-mode}");
    ASSERT_EQ_STR(getValue("shutdown-on-sigterm"), "default");
    ASSERT_EQ_STR(getValue("maxmemory-clients"), "0");
    ASSERT_EQ_STR(getValue("tracking-table-max-keys"), "1000000");
    ASSERT_EQ_STR(getValue("disable-thp"), "yes");
    ASSERT_EQ_STR(getValue("enable-module-command"), "no");

    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET active-defrag-cycle-max 100"),
                  "argument must be between 1 and 99 inclusive"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET maxmemory-eviction-tenacity 101"),
                  "argument must be between 0 and 100 inclusive"));
    ASSERT(strstr(runConfig(configSetCommand, "CONFIG SET activedefrag yes"),
                  "Active defragmentation cannot be enabled"));
    ASSERT(strstr(runConfig(configSetCommand, "CONFIG SET activedefrag no"),
                  "OK"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET enable-module-command yes"),
                  "can't set immutable config"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET oom-score-adj-values \"0 200 3000\""),
                  "elements must be between -2000 and 2000."));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET oom-score-adj-values \"1 2\""),
                  "wrong number of arguments"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET oom-score-adj-values \"-5 50 900\""),
                  "OK"));
    ASSERT_EQ_STR(getValue("oom-score-adj-values"), "-5 50 900");

    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET shutdown-on-sigint \"save nosave\""),
                  "SAVE and NOSAVE can't be used simultaneously"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET shutdown-on-sigint bad"),
                  "one of the following: default, save, nosave, now, force"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET shutdown-on-sigint \"force now "
                            "nosave\""),
                  "OK"));
    ASSERT_EQ_STR(getValue("shutdown-on-sigint"), "nosave now force");
    ASSERT_EQ_INT(server.shutdown_on_sigint,
                  SHUTDOWN_NOSAVE | SHUTDOWN_NOW | SHUTDOWN_FORCE);
    runConfig(configSetCommand, "CONFIG SET shutdown-on-sigint \"default "
                                "save\"");
    ASSERT_EQ_STR(getValue("shutdown-on-sigint"), "save");

    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET latency-tracking-info-percentiles "
                            "101"),
                  "should sit between [0.0,100.0]"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET latency-tracking-info-percentiles "
                            "\"50 abc\""),
                  "Invalid latency-tracking-info-percentiles parameters"));
    ASSERT_EQ_STR(getValue("latency-tracking-info-percentiles"), "50 99 99.9");
    runConfig(configSetCommand,
              "CONFIG SET latency-tracking-info-percentiles \"\"");
    ASSERT_EQ_STR(getValue("latency-tracking-info-percentiles"), "");
    runConfig(configSetCommand,
              "CONFIG SET latency-tracking-info-percentiles \"50 99.99 0\"");
    ASSERT_EQ_STR(getValue("latency-tracking-info-percentiles"), "50 99.99 0");

    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET maxmemory-clients 10%"),
                  "OK"));
    ASSERT_EQ_STR(getValue("maxmemory-clients"), "10%");
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET maxmemory-clients 200%"),
                  "percentage argument must be less or equal to 100"));
    ASSERT(strstr(runConfig(configSetCommand, "CONFIG SET maxmemory-clients -5"),
                  "argument must be a memory or percent value"));
    runConfig(configSetCommand, "CONFIG SET maxmemory-clients 1gb");
    ASSERT_EQ_STR(getValue("maxmemory-clients"), "1073741824");

    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET proc-title-template \"{title} "
                            "{bad}\""),
                  "template format is invalid or contains unknown "
                  "variables"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET proc-title-template \"\""),
                  "template format is invalid"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET proc-title-template "
                            "\"{title}{port}{tls-port}{unixsocket}"
                            "{config-file}{server-mode}{listen-addr}\""),
                  "OK"));
    ASSERT(strstr(runConfig(configSetCommand,
                            "CONFIG SET sanitize-dump-payload bad"),
                  "one of the following: no, yes, clients"));
    ASSERT(strstr(runConfig(configSetCommand, "CONFIG SET oom-score-adj yes"),
                  "OK"));
    ASSERT_EQ_STR(getValue("oom-score-adj"), "yes"); /* as Redis shows it */

    /* CPU lists are checked when read. */
    ASSERT_EQ_STR(parse("server_cpulist 0-1\nbgsave_cpulist 1,0\n"), "");
    ASSERT_EQ_STR(getValue("server_cpulist"), "0-1");
    ASSERT(strstr(parse("server_cpulist 0-x"), "Invalid CPU list '0-x'"));
    ASSERT(strstr(runConfig(configSetCommand, "CONFIG SET bgsave_cpulist 0"),
                  "can't set immutable config"));

    /* Hidden, config-file-only lines. */
    ASSERT(strstr(runConfig(configGetCommand, "CONFIG GET loadmodule"), "") &&
           !strstr(replies, "loadmodule"));
    ASSERT(strstr(parse("loadmodule /x/m.so"), "Modules are not supported"));
    int before = stubUserLines;
    ASSERT_EQ_STR(parse("user alice on nopass ~* +@all"), "");
    ASSERT_EQ_INT(stubUserLines, before + 1);
    ASSERT_EQ_STR(stubUserName, "alice");
    ASSERT_EQ_STR(parse("rename-command get mything"), "");
    ASSERT_EQ_STR(renamed_to, "mything");
    ASSERT(strstr(parse("rename-command get other"),
                  "No such command in rename-command"));
    ASSERT(strstr(parse("rename-command mything"),
                  "wrong number of arguments"));
    sdsFree(renamed_to);
    renamed_to = NULL;

    /* Notes are attached and refer to real directives. */
    ASSERT(configLookup("aof-disable-auto-gc", NULL)->note != NULL);
    ASSERT(configLookup("no-appendfsync-on-rewrite", NULL)->note == NULL);
    freshServer();
}

/* The old slave and ziplist names work in files and CONFIG GET/SET. */
TEST_CASE(testAliases) {
    freshServer();
    ASSERT_EQ_STR(parse("slave-read-only no\nhash-max-ziplist-entries 7\n"
                        "list-max-ziplist-size 9\nslave-priority 3\n"
                        "zset-max-ziplist-value 11\n"),
                  "");
    ASSERT_EQ_STR(getValue("replica-read-only"), "no");
    ASSERT_EQ_STR(getValue("hash-max-listpack-entries"), "7");
    ASSERT_EQ_STR(getValue("list-max-listpack-size"), "9");
    ASSERT_EQ_STR(getValue("replica-priority"), "3");
    ASSERT_EQ_STR(getValue("zset-max-listpack-value"), "11");
    /* Repeated directives: the last wins. */
    ASSERT_EQ_STR(parse("port 1\nport 2\nport 3\n"), "");
    ASSERT_EQ_INT(server.port, 3);
    freshServer();
}

int main(void) {
    RUN_TEST(testDefaults);
    RUN_TEST(testValueParsers);
    RUN_TEST(testSaveParsing);
    RUN_TEST(testObufParsing);
    RUN_TEST(testParseText);
    RUN_TEST(testTlsNotBuilt);
    RUN_TEST(testInclude);
    RUN_TEST(testConfigGet);
    RUN_TEST(testConfigSetErrors);
    RUN_TEST(testConfigSetApply);
    RUN_TEST(testConfigSetTls);
    RUN_TEST(testRewriteText);
    RUN_TEST(testRewriteFile);
    RUN_TEST(testMiscCommands);
    RUN_TEST(testLoadServerConfig);
    RUN_TEST(testParityDirectives);
    RUN_TEST(testAliases);
    return TEST_REPORT();
}
