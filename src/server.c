/* server: process lifecycle, the event-loop hooks and cron, the command
 * table at run time, and dispatch of commands (processCommand and call).
 *
 * Owns: struct redisServer, the shared objects, logging, start-up and
 * shutdown, listeners, INFO, COMMAND, SLOWLOG, DEBUG, SHUTDOWN and the
 * few server commands that belong nowhere else.
 * Must not touch: socket calls (the connection types do them) or OpenSSL
 * (tls.c does). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>

#include "server.h"
#include "acl.h"
#include "stream.h"
#include "cluster.h"
#include "sentinel.h"
#include "tls.h"
#include "proctitle.h"
#include "tracking.h"
#include "rdb.h"

struct redisServer server;
struct sharedObjectsStruct shared;
extern struct redisCommand redisCommandTable[];

/* ---------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------ */

static const int syslogLevelMap[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE,
                                     LOG_WARNING};

/* Writes <msg> as one log line: "pid:role dd Mon yyyy hh:mm:ss.mmm L msg",
 * the format scripts written for Redis parse. LL_RAW writes <msg> alone. */
void serverLogRaw(int level, const char *msg) {
    const char *marks = ".-*#";
    int rawmode = level & LL_RAW;
    level &= 0xff;
    if (level < server.verbosity) return;

    int to_stdout = server.logfile == NULL || server.logfile[0] == '\0';
    FILE *fp = to_stdout ? stdout : fopen(server.logfile, "a");
    if (!fp) return;
    if (rawmode) {
        fprintf(fp, "%s", msg);
    } else {
        char buf[64];
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        localtime_r(&tv.tv_sec, &tm);
        int off = strftime(buf, sizeof(buf), "%d %b %Y %H:%M:%S.", &tm);
        snprintf(buf + off, sizeof(buf) - off, "%03d", (int)tv.tv_usec / 1000);
        char role;
        if (server.sentinel_mode)
            role = 'X';
        else if (server.pid != getpid())
            role = 'C';
        else
            role = server.masterhost ? 'S' : 'M';
        fprintf(fp, "%d:%c %s %c %s\n", (int)getpid(), role, buf, marks[level],
                msg);
    }
    fflush(fp);
    if (!to_stdout) fclose(fp);
    if (server.syslog_enabled) syslog(syslogLevelMap[level], "%s", msg);
}

/* printf-style logging at <level>; lines longer than LOG_MAX_LEN are cut. */
void serverLog(int level, const char *fmt, ...) {
    if ((level & 0xff) < server.verbosity) return;
    char msg[LOG_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    serverLogRaw(level, msg);
}

/* Logs a fatal internal error with its place and aborts. */
void _serverPanic(const char *file, int line, const char *msg, ...) {
    char buf[LOG_MAX_LEN];
    va_list ap;
    va_start(ap, msg);
    vsnprintf(buf, sizeof(buf), msg, ap);
    va_end(ap);
    serverLog(LL_WARNING, "------------------------------------------------");
    serverLog(LL_WARNING, "!!! Software Failure. Guru Meditation: %s #%s:%d",
              buf, file, line);
    serverLog(LL_WARNING, "------------------------------------------------");
    abort();
}

static void logTlsMessage(int level, const char *fmt, ...) {
    if (level < server.verbosity) return;
    char msg[LOG_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    serverLogRaw(level, msg);
}

/* ---------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------ */

/* Refreshes the cached clocks used by commands and expiry. */
void updateCachedTime(int update_daylight_info) {
    UNUSED(update_daylight_info);
    server.ustime = ustime();
    server.mstime = server.ustime / 1000;
    server.unixtime = server.mstime / 1000;
    server.lruclock = getLRUClock();
}

/* The time a command sees for expiry decisions: fixed for a whole command
 * (and a whole transaction) so that keys do not expire half-way. */
long long commandTimeSnapshot(void) {
    return server.mstime;
}

/* ---------------------------------------------------------------------
 * Shared objects
 * ------------------------------------------------------------------ */

static robj *makeSharedString(const char *s) {
    return makeObjectShared(createStringObject(s, strlen(s)));
}

static void createSharedObjects(void) {
    shared.crlf = makeSharedString("\r\n");
    shared.ok = makeSharedString("+OK\r\n");
    shared.emptybulk = makeSharedString("$0\r\n\r\n");
    shared.czero = makeSharedString(":0\r\n");
    shared.cone = makeSharedString(":1\r\n");
    shared.emptyarray = makeSharedString("*0\r\n");
    shared.pong = makeSharedString("+PONG\r\n");
    shared.queued = makeSharedString("+QUEUED\r\n");
    shared.emptyscan = makeSharedString("*2\r\n$1\r\n0\r\n*0\r\n");
    shared.space = makeSharedString(" ");
    shared.plus = makeSharedString("+");
    shared.wrongtypeerr = makeSharedString(
        "-WRONGTYPE Operation against a key holding the wrong kind of "
        "value\r\n");
    shared.err = makeSharedString("-ERR\r\n");
    shared.nokeyerr = makeSharedString("-ERR no such key\r\n");
    shared.syntaxerr = makeSharedString("-ERR syntax error\r\n");
    shared.sameobjecterr = makeSharedString(
        "-ERR source and destination objects are the same\r\n");
    shared.outofrangeerr = makeSharedString("-ERR index out of range\r\n");
    shared.noscripterr = makeSharedString(
        "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    shared.loadingerr = makeSharedString(
        "-LOADING Redis is loading the dataset in memory\r\n");
    shared.slowevalerr = makeSharedString(
        "-BUSY Redis is busy running a script. You can only call "
        "SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
    shared.slowscripterr = shared.slowevalerr;
    shared.bgsaveerr = makeSharedString(
        "-MISCONF Redis is configured to save RDB snapshots, but it's "
        "currently unable to persist to disk. Commands that may modify the "
        "data set are disabled, because this instance is configured to report "
        "errors during writes if RDB snapshotting fails "
        "(stop-writes-on-bgsave-error option). Please check the Redis logs "
        "for details about the RDB error.\r\n");
    shared.execaborterr = makeSharedString(
        "-EXECABORT Transaction discarded because of previous errors.\r\n");
    shared.noautherr = makeSharedString("-NOAUTH Authentication required.\r\n");
    shared.noreplicaserr = makeSharedString(
        "-NOREPLICAS Not enough good replicas to write.\r\n");
    shared.busykeyerr = makeSharedString(
        "-BUSYKEY Target key name already exists.\r\n");
    shared.oomerr = makeSharedString(
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    for (int j = 0; j < 4; j++) {
        shared.null[j] = makeSharedString(j == 3 ? "_\r\n" : "$-1\r\n");
        shared.nullarray[j] = makeSharedString(j == 3 ? "_\r\n" : "*-1\r\n");
        shared.emptymap[j] = makeSharedString(j == 3 ? "%0\r\n" : "*0\r\n");
        shared.emptyset[j] = makeSharedString(j == 3 ? "~0\r\n" : "*0\r\n");
    }
    for (int j = 0; j < PROTO_SHARED_SELECT_CMDS; j++) {
        char dictid_str[64];
        int dictid_len = ll2string(dictid_str, sizeof(dictid_str), j);
        shared.select[j] = makeObjectShared(createObject(
            OBJ_STRING, sdsCatPrintf(sdsEmpty(),
                                     "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n",
                                     dictid_len, dictid_str)));
    }
    shared.messagebulk = makeSharedString("$7\r\nmessage\r\n");
    shared.pmessagebulk = makeSharedString("$8\r\npmessage\r\n");
    shared.subscribebulk = makeSharedString("$9\r\nsubscribe\r\n");
    shared.unsubscribebulk = makeSharedString("$11\r\nunsubscribe\r\n");
    shared.ssubscribebulk = makeSharedString("$10\r\nssubscribe\r\n");
    shared.sunsubscribebulk = makeSharedString("$12\r\nsunsubscribe\r\n");
    shared.smessagebulk = makeSharedString("$8\r\nsmessage\r\n");
    shared.psubscribebulk = makeSharedString("$10\r\npsubscribe\r\n");
    shared.punsubscribebulk = makeSharedString("$12\r\npunsubscribe\r\n");
    shared.del = makeSharedString("DEL");
    shared.unlink = makeSharedString("UNLINK");
    shared.rpop = makeSharedString("RPOP");
    shared.lpop = makeSharedString("LPOP");
    shared.lpush = makeSharedString("LPUSH");
    shared.rpoplpush = makeSharedString("RPOPLPUSH");
    shared.lmove = makeSharedString("LMOVE");
    shared.blmove = makeSharedString("BLMOVE");
    shared.zpopmin = makeSharedString("ZPOPMIN");
    shared.zpopmax = makeSharedString("ZPOPMAX");
    shared.multi = makeSharedString("MULTI");
    shared.exec = makeSharedString("EXEC");
    shared.hset = makeSharedString("HSET");
    shared.srem = makeSharedString("SREM");
    shared.xgroup = makeSharedString("XGROUP");
    shared.xclaim = makeSharedString("XCLAIM");
    shared.script = makeSharedString("SCRIPT");
    shared.replconf = makeSharedString("REPLCONF");
    shared.eval = makeSharedString("EVAL");
    shared.persist = makeSharedString("PERSIST");
    shared.set = makeSharedString("SET");
    shared.pexpireat = makeSharedString("PEXPIREAT");
    shared.pexpire = makeSharedString("PEXPIRE");
    shared.time = makeSharedString("TIME");
    shared.pxat = makeSharedString("PXAT");
    shared.absttl = makeSharedString("ABSTTL");
    shared.retrycount = makeSharedString("RETRYCOUNT");
    shared.force = makeSharedString("FORCE");
    shared.justid = makeSharedString("JUSTID");
    shared.entriesread = makeSharedString("ENTRIESREAD");
    shared.lastid = makeSharedString("LASTID");
    shared.ping = makeSharedString("ping");
    shared.setid = makeSharedString("SETID");
    shared.keepttl = makeSharedString("KEEPTTL");
    shared.load = makeSharedString("LOAD");
    shared.createconsumer = makeSharedString("CREATECONSUMER");
    shared.getack = makeSharedString("GETACK");
    shared.special_asterick = makeSharedString("*");
    shared.special_equals = makeSharedString("=");
    shared.default_username = makeSharedString("default");
    shared.redacted = makeSharedString("(redacted)");
    shared.ssubscribe = makeSharedString("ssubscribe");
    shared.sunsubscribe = makeSharedString("sunsubscribe");
    shared.left = makeSharedString("left");
    shared.right = makeSharedString("right");
    for (int j = 0; j < OBJ_SHARED_INTEGERS; j++) {
        shared.integers[j] =
            makeObjectShared(createObject(OBJ_STRING, (void *)(long)j));
        shared.integers[j]->encoding = OBJ_ENCODING_INT;
    }
    for (int j = 0; j < OBJ_SHARED_BULKHDR_LEN; j++) {
        shared.mbulkhdr[j] = makeObjectShared(
            createObject(OBJ_STRING, sdsCatPrintf(sdsEmpty(), "*%d\r\n", j)));
        shared.bulkhdr[j] = makeObjectShared(
            createObject(OBJ_STRING, sdsCatPrintf(sdsEmpty(), "$%d\r\n", j)));
        shared.maphdr[j] = makeObjectShared(
            createObject(OBJ_STRING, sdsCatPrintf(sdsEmpty(), "%%%d\r\n", j)));
        shared.sethdr[j] = makeObjectShared(
            createObject(OBJ_STRING, sdsCatPrintf(sdsEmpty(), "~%d\r\n", j)));
    }
    shared.maxstring = createStringObject("maxstring", 9);
}

/* ---------------------------------------------------------------------
 * Command table
 * ------------------------------------------------------------------ */

static uint64_t dictSdsCaseHash(const void *key) {
    return dictGenCaseHashFunction((const unsigned char *)key,
                                   sdsLen((sds)key));
}

static int dictSdsKeyCaseCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return strcasecmp(a, b) == 0;
}

static void dictSdsDestructor(dict *d, void *val) {
    UNUSED(d);
    sdsFree(val);
}

/* Command names (sds, case-insensitive) -> struct redisCommand*. */
dictType commandTableDictType = {dictSdsCaseHash, NULL, NULL,
                                 dictSdsKeyCaseCompare, dictSdsDestructor,
                                 NULL, NULL};

static int nextCommandId;

static void registerCommand(dict *table, struct redisCommand *cmd,
                            struct redisCommand *parent) {
    cmd->parent = parent;
    cmd->id = nextCommandId++;
    if (parent)
        cmd->fullname = sdsCatPrintf(sdsEmpty(), "%s|%s",
                                     parent->declared_name, cmd->declared_name);
    else
        cmd->fullname = sdsNew(cmd->declared_name);
    if (cmd->subcommands) {
        cmd->subcommands_dict = dictCreate(&commandTableDictType);
        for (struct redisCommand *sub = cmd->subcommands; sub->declared_name;
             sub++)
            registerCommand(cmd->subcommands_dict, sub, cmd);
    }
    int rc = dictAdd(table, sdsNew(cmd->declared_name), cmd);
    serverAssert(rc == DICT_OK);
}

/* Fills server.commands from the static table. */
static void populateCommandTable(void) {
    for (struct redisCommand *cmd = redisCommandTable; cmd->declared_name;
         cmd++)
        registerCommand(server.commands, cmd, NULL);
}

/* rename-command: gives the top-level command <oldname> the name
 * <newname>, or removes it when <newname> is empty. Returns C_OK, or C_ERR
 * with Redis's reason in <err> (<errlen> bytes) when <oldname> is unknown
 * or <newname> is taken; nothing changes then. */
int commandTableRename(const char *oldname, const char *newname, char *err,
                  size_t errlen) {
    sds old = sdsNew(oldname);
    struct redisCommand *cmd = dictFetchValue(server.commands, old);
    if (cmd == NULL) {
        snprintf(err, errlen, "No such command in rename-command");
        sdsFree(old);
        return C_ERR;
    }
    sds new = sdsNew(newname);
    if (sdsLen(new) > 0 && dictFetchValue(server.commands, new) != NULL) {
        snprintf(err, errlen, "Target command name already exists");
        sdsFree(old);
        sdsFree(new);
        return C_ERR;
    }
    serverAssert(dictDelete(server.commands, old) == DICT_OK);
    if (sdsLen(new) > 0)
        serverAssert(dictAdd(server.commands, new, cmd) == DICT_OK);
    else
        sdsFree(new);
    sdsFree(old);
    return C_OK;
}

void registerExtraCommand(struct redisCommand *cmd) {
    registerCommand(server.commands, cmd, NULL);
}

/* Finds the command (or subcommand) named by <argv>; NULL if none. A
 * container command with no subcommand argument is returned itself. */
struct redisCommand *lookupCommand(robj **argv, int argc) {
    struct redisCommand *base = dictFetchValue(server.commands, argv[0]->ptr);
    if (!base || !base->subcommands_dict || argc < 2) return base;
    if (argv[1]->encoding != OBJ_ENCODING_RAW &&
        argv[1]->encoding != OBJ_ENCODING_EMBSTR)
        return NULL;
    return dictFetchValue(base->subcommands_dict, argv[1]->ptr);
}

/* Finds a top-level command by name, or a subcommand as "parent|sub". */
struct redisCommand *lookupCommandBySds(sds s) {
    int count;
    sds *parts = sdsSplitLen(s, sdsLen(s), "|", 1, &count);
    struct redisCommand *cmd = NULL;
    if (count >= 1 && count <= 2) {
        cmd = dictFetchValue(server.commands, parts[0]);
        if (cmd && count == 2)
            cmd = cmd->subcommands_dict
                      ? dictFetchValue(cmd->subcommands_dict, parts[1])
                      : NULL;
    }
    sdsFreeSplitRes(parts, count);
    return cmd;
}

struct redisCommand *lookupCommandByCString(const char *s) {
    sds name = sdsNew(s);
    struct redisCommand *cmd = lookupCommandBySds(name);
    sdsFree(name);
    return cmd;
}

/* ---------------------------------------------------------------------
 * Propagation
 * ------------------------------------------------------------------ */

/* Writes reach the AOF and replicas through sinks that those modules
 * register; until then a write is executed and propagated nowhere. */
#define MAX_PROPAGATION_SINKS 4
static propagationSink *propagationSinks[MAX_PROPAGATION_SINKS];
static int propagationSinkCount;

typedef struct pendingPropagation {
    int dbid, argc, target;
    robj **argv;
} pendingPropagation;

static pendingPropagation *pendingProps;
static int pendingPropsCount, pendingPropsCap;
/* A queue grown past this many entries (a script or MULTI with many writes)
 * is freed once propagated instead of being kept at its peak size. */
#define PENDING_PROPS_KEEP 1024

static propagationWanted *propagationWantedFns[MAX_PROPAGATION_SINKS];
static int propagationWantedCount;

/* Registers <wanted>; see server.h. */
void registerPropagationWanted(propagationWanted *wanted) {
    serverAssert(propagationWantedCount < MAX_PROPAGATION_SINKS);
    propagationWantedFns[propagationWantedCount++] = wanted;
}

/* Whether any sink may keep a command for <target>. A sink that registered
 * no predicate counts as always wanting. */
static int propagationIsWanted(int target) {
    if (propagationWantedCount < propagationSinkCount) return 1;
    for (int i = 0; i < propagationWantedCount; i++)
        if (propagationWantedFns[i](target)) return 1;
    return 0;
}

/* Registers <sink> to receive every propagated command. */
void registerPropagationSink(propagationSink *sink) {
    serverAssert(propagationSinkCount < MAX_PROPAGATION_SINKS);
    propagationSinks[propagationSinkCount++] = sink;
}

/* Queues <argv>/<argc> in <dbid> for propagation to <target> when the
 * current command finishes (references are taken). */
void alsoPropagate(int dbid, robj **argv, int argc, int target) {
    if (target == PROPAGATE_NONE || propagationSinkCount == 0) return;
    if (!propagationIsWanted(target)) return;
    if (pendingPropsCount == pendingPropsCap) {
        pendingPropsCap = pendingPropsCap ? pendingPropsCap * 2 : 8;
        pendingProps = zrealloc(pendingProps, sizeof(*pendingProps) *
                                                  pendingPropsCap);
    }
    pendingPropagation *p = &pendingProps[pendingPropsCount++];
    p->dbid = dbid;
    p->argc = argc;
    p->target = target;
    p->argv = zmalloc(sizeof(robj *) * argc);
    for (int j = 0; j < argc; j++) {
        p->argv[j] = argv[j];
        incrRefCount(argv[j]);
    }
}

/* Hands the queued commands to the sinks, wrapped in MULTI/EXEC when more
 * than one was queued by a single command or transaction. */
void propagatePendingCommands(void) {
    if (pendingPropsCount == 0) return;
    int wrap = pendingPropsCount > 1;
    if (wrap) {
        robj *multi = shared.multi;
        for (int s = 0; s < propagationSinkCount; s++)
            propagationSinks[s](pendingProps[0].dbid, &multi, 1,
                                PROPAGATE_AOF | PROPAGATE_REPL);
    }
    for (int i = 0; i < pendingPropsCount; i++) {
        pendingPropagation *p = &pendingProps[i];
        for (int s = 0; s < propagationSinkCount; s++)
            propagationSinks[s](p->dbid, p->argv, p->argc, p->target);
        for (int j = 0; j < p->argc; j++) decrRefCount(p->argv[j]);
        zfree(p->argv);
    }
    if (wrap) {
        robj *exec = shared.exec;
        for (int s = 0; s < propagationSinkCount; s++)
            propagationSinks[s](pendingProps[0].dbid, &exec, 1,
                                PROPAGATE_AOF | PROPAGATE_REPL);
    }
    pendingPropsCount = 0;
    if (pendingPropsCap > PENDING_PROPS_KEEP) {
        zfree(pendingProps);
        pendingProps = NULL;
        pendingPropsCap = 0;
    }
}

/* Forces the current command to be propagated even if it changed nothing. */
void forceCommandPropagation(client *c, int flags) {
    if (flags & PROPAGATE_REPL) c->flags |= CLIENT_FORCE_REPL;
    if (flags & PROPAGATE_AOF) c->flags |= CLIENT_FORCE_AOF;
}

/* Stops the current command from being propagated as received (it has
 * queued another form with alsoPropagate). */
void preventCommandPropagation(client *c) {
    c->flags |= CLIENT_PREVENT_AOF_PROP | CLIENT_PREVENT_REPL_PROP;
}

/* 1 for the clients whose commands are applied whatever the state (our
 * master's link, AOF loading). */
int mustObeyClient(client *c) {
    return (c->flags & CLIENT_MASTER) || c->conn == NULL;
}

/* ---------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------ */

/* See server.h. */
void feedMonitorsBeforeRun(client *c) {
    if (listLength(server.monitors) && !server.loading)
        replicationFeedMonitors(c, server.monitors, c->db->id, c->argv,
                                c->argc);
}

/* Runs the command of <c>: times it, counts it, feeds the slow log and
 * monitors, and propagates what it wrote. */
void call(client *c, int flags) {
    struct redisCommand *real_cmd = c->cmd;
    long long dirty = server.dirty;
    client *prev_client = server.executing_client;
    /* Client-side caching keeps its table under tracking-table-max-keys. */
    if (!prev_client) trackingLimitUsedSlots();
    server.executing_client = c;
    c->flags &= ~(CLIENT_FORCE_AOF | CLIENT_FORCE_REPL |
                  CLIENT_PREVENT_AOF_PROP | CLIENT_PREVENT_REPL_PROP);
    /* A command of EXEC or of a script runs inside the outer call(). */
    robj **outer_argv = c->original_argv;
    int outer_argc = c->original_argc;
    uint64_t outer_mask = c->redact_mask;
    int outer_from = c->redact_from;
    c->original_argv = NULL;
    c->redact_mask = 0;
    c->redact_from = 0;

    c->lastcmd = real_cmd;
    /* One clock, read twice: the slow log's microseconds and the latency
     * histograms' nanoseconds come from the same interval. */
    struct timespec start_ts, end_ts;
    clock_gettime(CLOCK_MONOTONIC, &start_ts);
    dbSnapBeforeCommand(c);
    c->cmd->proc(c);
    clock_gettime(CLOCK_MONOTONIC, &end_ts);
    long long duration_ns = (end_ts.tv_sec - start_ts.tv_sec) * 1000000000LL +
                            (end_ts.tv_nsec - start_ts.tv_nsec);
    long long duration = duration_ns / 1000;
    trackingCommandDone(c, prev_client);
    dirty = server.dirty - dirty;
    if (dirty < 0) dirty = 0;

    /* The slow log and MONITOR show the command as received (before any
     * rewrite for propagation), secrets redacted, in the database it left
     * the client in (as Redis 7.0 does). */
    robj **shown = c->original_argv ? c->original_argv : c->argv;
    int shown_argc = c->original_argv ? c->original_argc : c->argc;
    if (c->redact_mask || c->redact_from) {
        for (int j = 0; j < shown_argc; j++) {
            if ((j < 64 && (c->redact_mask & (1ULL << j))) ||
                (c->redact_from && j >= c->redact_from)) {
                decrRefCount(shown[j]);
                shown[j] = shared.redacted;
                incrRefCount(shared.redacted);
            }
        }
    }
    /* A command that blocked is logged once served (blocked.c). */
    if (flags & CMD_CALL_SLOWLOG && !(real_cmd->flags & CMD_SKIP_SLOWLOG) &&
        !(c->flags & CLIENT_BLOCKED))
        slowlogPushEntryIfNeeded(c, shown, shown_argc, duration);
    if (listLength(server.monitors) && !server.loading &&
        !(real_cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        replicationFeedMonitors(c, server.monitors, c->db->id, shown,
                                shown_argc);
    clientReleaseOriginalArgv(c);
    c->original_argv = outer_argv;
    c->original_argc = outer_argc;
    c->redact_mask = outer_mask;
    c->redact_from = outer_from;
    if (flags & CMD_CALL_SLOWLOG)
        latencyAddSampleIfNeeded(real_cmd->flags & CMD_FAST ? "fast-command"
                                                            : "command",
                                 duration / 1000);
    if (flags & CMD_CALL_STATS) {
        real_cmd->microseconds += duration;
        real_cmd->calls++;
        latencyTrackCommand(real_cmd, duration_ns);
    }
    if (flags & CMD_CALL_PROPAGATE && !(c->flags & CLIENT_PREVENT_REPL_PROP &&
                                        c->flags & CLIENT_PREVENT_AOF_PROP)) {
        int target = PROPAGATE_NONE;
        if (dirty) target = PROPAGATE_AOF | PROPAGATE_REPL;
        if (c->flags & CLIENT_FORCE_REPL) target |= PROPAGATE_REPL;
        if (c->flags & CLIENT_FORCE_AOF) target |= PROPAGATE_AOF;
        if (c->flags & CLIENT_PREVENT_REPL_PROP) target &= ~PROPAGATE_REPL;
        if (c->flags & CLIENT_PREVENT_AOF_PROP) target &= ~PROPAGATE_AOF;
        /* A caller may propagate to one target only (redis.set_repl). */
        if (!(flags & CMD_CALL_PROPAGATE_REPL)) target &= ~PROPAGATE_REPL;
        if (!(flags & CMD_CALL_PROPAGATE_AOF)) target &= ~PROPAGATE_AOF;
        if (target && !(c->cmd->flags & CMD_MODULE))
            alsoPropagate(c->db->id, c->argv, c->argc, target);
    }
    c->lastcmd = real_cmd;
    c->commands_processed++;
    server.stat_numcommands++;
    server.executing_client = prev_client;
    /* Propagate once the outermost command is over (EXEC runs others). */
    if (!server.executing_client && !server.in_exec) propagatePendingCommands();
    /* Invalidations for this client follow its reply. */
    if (!server.executing_client && !server.in_exec)
        trackingHandlePendingInvalidations();
}

/* The expire and eviction cycles, timed for the latency monitor
 * ("expire-cycle", "eviction-cycle") and expire_cycle_cpu_milliseconds. */
static void timedActiveExpireCycle(int type) {
    long long start = ustime();
    activeExpireCycle(type);
    long long us = ustime() - start;
    server.stat_expire_cycle_time_used += us;
    latencyAddSampleIfNeeded("expire-cycle", us / 1000);
}

static int timedPerformEvictions(void) {
    long long start = ustime();
    int rc = performEvictions();
    latencyAddSampleIfNeeded("eviction-cycle", (ustime() - start) / 1000);
    return rc;
}

/* An EXEC refused as a whole (-LOADING, -OOM, ...) ends the transaction,
 * as Redis 7.0 does: "-EXECABORT Transaction discarded because of: " and
 * the reason. Returns 1 when that was the case. */
static int rejectExec(client *c, const char *err, size_t len) {
    if (!c->cmd || c->cmd->proc != execCommand || !(c->flags & CLIENT_MULTI))
        return 0;
    discardTransaction(c);
    if (len && err[0] == '-') err++, len--;
    while (len && (err[len - 1] == '\r' || err[len - 1] == '\n')) len--;
    addReplyErrorFormat(c, "-EXECABORT Transaction discarded because of: "
                        "%.*s", (int)len, err);
    return 1;
}

static void rejectCommand(client *c, robj *reply) {
    if (c->cmd) c->cmd->rejected_calls++;
    if (c->flags & CLIENT_MULTI) flagTransaction(c);
    if (rejectExec(c, reply->ptr, sdsLen(reply->ptr))) return;
    addReplyErrorObject(c, reply);
}

static void rejectCommandFormat(client *c, const char *fmt, ...) {
    if (c->cmd) c->cmd->rejected_calls++;
    if (c->flags & CLIENT_MULTI) flagTransaction(c);
    va_list ap;
    va_start(ap, fmt);
    sds s = sdsCatVPrintf(sdsEmpty(), fmt, ap);
    va_end(ap);
    if (!rejectExec(c, s, sdsLen(s))) addReplyError(c, s);
    sdsFree(s);
}

static int shutdownHasNosave(client *c) {
    for (int j = 1; j < c->argc; j++)
        if (!strcasecmp(c->argv[j]->ptr, "nosave")) return 1;
    return 0;
}

/* See server.h. */
int commandHasFlags(client *c, uint64_t flags) {
    return (c->cmd->flags & flags) ||
           (c->cmd->proc == execCommand && (c->mstate.cmd_flags & flags));
}

/* Checks and runs the command in c->argv. Returns C_OK if the client can
 * go on with its next command, C_ERR if it is being closed. */
int processCommand(client *c) {
    if (!server.sentinel_mode && !strcasecmp(c->argv[0]->ptr, "quit") &&
        c->argc == 1) {
        /* Whatever the state (unauthenticated, loading, paused, in MULTI):
         * through call(), so that MONITOR and the slow log see it. */
        c->cmd = lookupCommand(c->argv, c->argc);
        call(c, CMD_CALL_FULL);
        return C_ERR;
    }
    c->cmd = lookupCommand(c->argv, c->argc);
    if (!c->cmd) {
        if (c->argc >= 2 &&
            (c->cmd = dictFetchValue(server.commands, c->argv[0]->ptr)) &&
            c->cmd->subcommands_dict) {
            sds cmd = sdsNew(c->argv[0]->ptr);
            sdsToUpper(cmd);
            c->cmd = NULL;
            rejectCommandFormat(c, "unknown subcommand '%.128s'. Try %s HELP.",
                                (char *)c->argv[1]->ptr, cmd);
            sdsFree(cmd);
            return C_OK;
        }
        c->cmd = NULL;
        sds args = sdsEmpty();
        for (int i = 1; i < c->argc && sdsLen(args) < 128; i++)
            args = sdsCatPrintf(args, "'%.*s' ",
                                128 - (int)sdsLen(args),
                                (char *)c->argv[i]->ptr);
        rejectCommandFormat(c, "unknown command '%.128s', with args beginning "
                            "with: %s", (char *)c->argv[0]->ptr, args);
        sdsFree(args);
        return C_OK;
    }
    c->lastcmd = c->cmd;
    if (c->cmd->subcommands_dict && c->argc < 2 && !c->cmd->proc) {
        rejectCommandFormat(c, "wrong number of arguments for '%s' command",
                            c->cmd->fullname);
        return C_OK;
    }
    if ((c->cmd->arity > 0 && c->cmd->arity != c->argc) ||
        (c->argc < -c->cmd->arity)) {
        rejectCommandFormat(c, "wrong number of arguments for '%s' command",
                            c->cmd->fullname);
        return C_OK;
    }
    if (!c->authenticated && !(c->cmd->flags & CMD_NO_AUTH)) {
        rejectCommand(c, shared.noautherr);
        return C_OK;
    }
    /* ACL: the user's selectors must allow the command, keys, channels. */
    sds acl_err = aclDenyClientCommand(c, (c->flags & CLIENT_MULTI)
                                              ? ACL_LOG_CTX_MULTI
                                              : ACL_LOG_CTX_TOPLEVEL);
    if (acl_err) {
        rejectCommandFormat(c, "%s", acl_err);
        sdsFree(acl_err);
        return C_OK;
    }
    /* A busy script: only the commands flagged allow-busy run, and
     * SHUTDOWN only with NOSAVE. */
    if (scriptIsTimedout() && (!(c->cmd->flags & CMD_ALLOW_BUSY) ||
                               (c->cmd->proc == shutdownCommand &&
                                !shutdownHasNosave(c)))) {
        rejectCommand(c, scriptBusyError());
        return C_OK;
    }
    /* Cluster mode: -MOVED, -ASK, -CROSSSLOT... for keys served elsewhere. */
    if (server.cluster_enabled && clusterRedirectIfNeeded(c)) return C_OK;
    /* A replica that does not ignore maxmemory (replica-ignore-maxmemory
     * no) evicts as its master's writes arrive, as Redis 7.0 does before
     * every command; it never refuses them. */
    if (server.maxmemory && (c->flags & CLIENT_MASTER) &&
        performEvictions() == EVICT_FAIL)
        serverLog(LL_DEBUG, "Nothing left to evict on this replica");
    /* Over maxmemory: every command gets an eviction pass first, as in
     * Redis; those that may grow the dataset are refused, and so is any
     * command a transaction would queue (the queue grows too) and an
     * EXEC whose queue holds one. */
    if (server.maxmemory && !mustObeyClient(c) && !server.loading) {
        int reject = commandHasFlags(c, CMD_DENYOOM) ||
                     ((c->flags & CLIENT_MULTI) &&
                      c->cmd->proc != execCommand &&
                      c->cmd->proc != discardCommand &&
                      c->cmd->proc != quitCommand &&
                      c->cmd->proc != resetCommand);
        if (timedPerformEvictions() == EVICT_FAIL && reject) {
            rejectCommand(c, shared.oomerr);
            return C_OK;
        }
    }
    /* A failed background save refuses writes (stop-writes-on-bgsave-error). */
    if (writeCommandsDeniedByDiskError() && !mustObeyClient(c) &&
        (commandHasFlags(c, CMD_WRITE) || c->cmd->proc == pingCommand)) {
        rejectCommand(c, shared.bgsaveerr);
        return C_OK;
    }
    /* Replication: read-only replica, stale data, min-replicas. */
    robj *repl_err = replicationDenyCommand(c);
    if (repl_err) {
        rejectCommand(c, repl_err);
        return C_OK;
    }
    /* A dataset being loaded (start-up, a replica's sync into the live
     * databases): only the commands flagged "loading" run. */
    if (server.loading && !server.async_loading && !mustObeyClient(c) &&
        !(c->cmd->flags & CMD_LOADING)) {
        rejectCommand(c, shared.loadingerr);
        return C_OK;
    }
    /* While the old dataset is served during a replica's load, what would
     * act on the server as a whole (SAVE, BGSAVE, SYNC, some of CLUSTER)
     * waits for the end, as in Redis 7.0; a transaction queueing one is
     * refused at EXEC. */
    if (server.async_loading && !mustObeyClient(c) &&
        commandHasFlags(c, CMD_NO_ASYNC_LOADING)) {
        rejectCommand(c, shared.loadingerr);
        return C_OK;
    }
    /* Pause: everything, or what may reach the replication stream (a
     * write, a script, PUBLISH, PFCOUNT, an EXEC whose queue holds one;
     * also when queued in MULTI), waits until the pause ends, as in Redis
     * 7.0. Replicas' own commands (acknowledgements) go on. */
    if (areClientsPaused() && !mustObeyClient(c) &&
        !(c->flags & CLIENT_SLAVE)) {
        if (server.client_pause_type == 2 ||
            commandHasFlags(c, CMD_WRITE | CMD_MAY_REPLICATE)) {
            blockPostponeClient(c, BLOCKED_PAUSE);
            return C_OK;
        }
    }
    /* A fork-less snapshot's thread is writing a large value the command
     * would change: the command waits for that batch, not the loop. */
    if (!mustObeyClient(c) && dbSnapWouldWait(c)) {
        blockPostponeClient(c, BLOCKED_POSTPONE);
        return C_OK;
    }
    if (c->flags & CLIENT_PUBSUB && c->resp == 2 &&
        c->cmd->proc != pingCommand && c->cmd->proc != quitCommand &&
        c->cmd->proc != resetCommand && !isSubscribeCommand(c->cmd)) {
        rejectCommandFormat(c, "Can't execute '%s': only (P|S)SUBSCRIBE / "
                            "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                            "allowed in this context", c->cmd->fullname);
        return C_OK;
    }
    if (c->flags & CLIENT_MULTI && c->cmd->proc != execCommand &&
        c->cmd->proc != discardCommand && c->cmd->proc != multiCommand &&
        c->cmd->proc != watchCommand && c->cmd->proc != quitCommand &&
        c->cmd->proc != resetCommand) {
        queueMultiCommand(c);
        addReply(c, shared.queued);
        return C_OK;
    }
    call(c, CMD_CALL_FULL);
    /* ASKING lasts for one command (or one transaction). */
    if (c->cmd && c->cmd->proc != askingCommand && !(c->flags & CLIENT_MULTI))
        c->flags &= ~CLIENT_ASKING;
    return C_OK;
}

/* 1 for the commands a RESP2 subscriber may still send. */
int isSubscribeCommand(struct redisCommand *cmd) {
    static const char *names[] = {"subscribe",   "psubscribe",
                                  "ssubscribe",  "unsubscribe",
                                  "punsubscribe", "sunsubscribe", NULL};
    for (int j = 0; names[j]; j++)
        if (!strcmp(cmd->declared_name, names[j])) return 1;
    return 0;
}

/* ---------------------------------------------------------------------
 * Cron and event-loop hooks
 * ------------------------------------------------------------------ */

static void clientsCron(void) {
    /* Visit a slice of the clients each tick so that every client is seen
     * about once a second, however many there are. */
    int numclients = listLength(server.clients);
    int iterations = numclients / server.hz;
    if (iterations < 50) iterations = numclients < 50 ? numclients : 50;
    while (listLength(server.clients) && iterations--) {
        listRotateTailToHead(server.clients);
        client *c = listNodeValue(listFirst(server.clients));
        c->client_list_node = listFirst(server.clients);
        if (server.maxidletime && !(c->flags & (CLIENT_SLAVE | CLIENT_MASTER |
                                                CLIENT_BLOCKED | CLIENT_PUBSUB)) &&
            server.unixtime - c->lastinteraction > server.maxidletime) {
            serverLog(LL_VERBOSE, "Closing idle client");
            freeClientAsync(c);
            continue;
        }
        releaseIdleClientBuffers(c, server.mstime);
        if (clientHasPendingReplies(c)) closeClientOnOutputBufferLimitReached(c, 1);
    }
}

static void databasesCron(void) {
    if (server.active_expire_enabled && !server.masterhost)
        timedActiveExpireCycle(ACTIVE_EXPIRE_CYCLE_SLOW);
    /* A fork child shares the pages; a fork-less snapshot's scan cursors
     * survive growth but not shrinking. */
    if (server.child_pid > 0 || rdbSnapActive()) return;
    /* Shrink sparse tables and keep incremental rehashing moving. Not
     * while a load fills tables it sized from the RDB's hints: shrinking
     * them would cost a rehash per doubling. */
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        if (!server.loading && dictSlots(db->dict) > 4 &&
            dictSize(db->dict) * 10 < dictSlots(db->dict))
            dictResize(db->dict);
        if (!server.loading && dictSlots(db->expires) > 4 &&
            dictSize(db->expires) * 10 < dictSlots(db->expires))
            dictResize(db->expires);
        if (server.activerehashing) {
            if (dictIsRehashing(db->dict)) dictRehashMilliseconds(db->dict, 1);
            if (dictIsRehashing(db->expires))
                dictRehashMilliseconds(db->expires, 1);
        }
    }
}

#define MAX_CRON_HOOKS 8
static void (*cronHooks[MAX_CRON_HOOKS])(void);
static int cronHookCount;

/* Registers <fn> to run from serverCron every tick (persistence,
 * replication and the like). */
void registerCronHook(void (*fn)(void)) {
    serverAssert(cronHookCount < MAX_CRON_HOOKS);
    cronHooks[cronHookCount++] = fn;
}

static void shutdownWaitCron(void);

/* Wall time of the cron in the current event-loop turn (INFO eventloop). */
static long long cronTurnUs;

/* The timer behind everything periodic; runs server.hz times a second. */
int serverCron(struct aeEventLoop *eventLoop, long long id, void *clientData) {
    UNUSED(eventLoop);
    UNUSED(id);
    UNUSED(clientData);
    long long cron_start = ustime();
    updateCachedTime(1);
    if (server.pause_cron) return 1000 / server.hz; /* DEBUG PAUSE-CRON */
    ldbReapChildren();
    server.hz = server.config_hz;
    if (server.dynamic_hz) {
        while (listLength(server.clients) / server.hz > 200 &&
               server.hz < CONFIG_MAX_HZ)
            server.hz *= 2;
    }
    size_t used = zmallocUsedMemory();
    if ((long long)used > server.stat_peak_memory)
        server.stat_peak_memory = used;
    if (server.shutdown_asap && !isShutdownWaiting()) {
        /* shutdown-on-sigint / shutdown-on-sigterm choose the flags. */
        int flags = server.last_sig_received == SIGINT
                        ? server.shutdown_on_sigint
                        : server.shutdown_on_sigterm;
        int rc = startShutdown(flags);
        if (rc == C_OK) exit(0);
        if (rc == C_ERR) {
            serverLog(LL_WARNING, "SIGTERM received but errors trying to "
                                  "shut down the server, check the logs for "
                                  "more information");
            server.shutdown_asap = 0;
        }
    }
    shutdownWaitCron();
    clientsCron();
    databasesCron();
    for (int i = 0; i < cronHookCount; i++) cronHooks[i]();
    /* Deletions by active expiry and eviction happen outside commands. */
    propagatePendingCommands();
    checkClientPauseTimeoutAndReturnIfPaused();
    metricsCron();
    server.cronloops++;
    cronTurnUs += ustime() - cron_start;
    return 1000 / server.hz;
}

#define MAX_BEFORE_SLEEP_HOOKS 8
static void (*beforeSleepHooks[MAX_BEFORE_SLEEP_HOOKS])(void);
static int beforeSleepHookCount;

/* Registers <fn> to run before the event loop sleeps (e.g. the AOF flush,
 * replica acknowledgements). */
void registerBeforeSleepHook(void (*fn)(void)) {
    serverAssert(beforeSleepHookCount < MAX_BEFORE_SLEEP_HOOKS);
    beforeSleepHooks[beforeSleepHookCount++] = fn;
}

/* The longest event-loop turn, from waking up to going back to sleep, for
 * the measurements in utils/ (the hidden section INFO eventloop: asked by
 * name only, never part of INFO all). */
static struct {
    long long start_us;     /* when the current turn woke up, 0 before */
    long long start_cpu_us; /* this thread's CPU time then */
    long long turns, max_us, window_max_us, window_max_cpu_us;
    long long window_max_snap_us; /* of the turn's fork-less snapshot work */
    long long last_fork_us; /* the parent's time in the last fork() */
    long long last_fork_cpu_us; /* ... and the CPU time it used */
    /* Where the window's longest turn (by CPU) went, wall time: the
     * events (reads and commands), the cron, beforeSleep's writes to
     * clients and replicas, and the rest of beforeSleep. */
    long long before_sleep_us, writes_us, writes_clients, writes_bytes;
    long long window_events_us, window_cron_us, window_writes_us,
        window_before_sleep_us, window_writes_clients, window_writes_bytes;
    /* What that turn did: commands run, bytes read from clients, the
     * snapshot's share; a turn of one GET that took 10 ms was not our
     * work (on a VM, the host's stalls count as the thread's CPU time). */
    long long start_cmds, start_read_bytes;
    long long window_cmds, window_read_bytes, window_turn_snap_us;
} loopTurns;

/* CPU time of the main thread: a turn's wall time on a busy machine
 * includes the time other processes had the core. */
static long long loopThreadCpuUs(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1) return 0;
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void loopTurnEnd(void) {
    if (!loopTurns.start_us) return;
    long long d = ustime() - loopTurns.start_us;
    long long cpu = loopThreadCpuUs() - loopTurns.start_cpu_us;
    long long snap = rdbSnapTakeTurnUs();
    loopTurns.turns++;
    if (d > loopTurns.max_us) loopTurns.max_us = d;
    if (d > loopTurns.window_max_us) loopTurns.window_max_us = d;
    if (cpu > loopTurns.window_max_cpu_us) {
        long long end = loopTurns.start_us + d;
        loopTurns.window_max_cpu_us = cpu;
        loopTurns.window_cron_us = cronTurnUs;
        loopTurns.window_events_us =
            loopTurns.before_sleep_us - loopTurns.start_us - cronTurnUs;
        loopTurns.window_writes_us = loopTurns.writes_us;
        loopTurns.window_writes_clients = loopTurns.writes_clients;
        loopTurns.window_writes_bytes = loopTurns.writes_bytes;
        loopTurns.window_before_sleep_us =
            end - loopTurns.before_sleep_us - loopTurns.writes_us;
        loopTurns.window_cmds = server.stat_numcommands - loopTurns.start_cmds;
        loopTurns.window_read_bytes =
            server.stat_net_input_bytes - loopTurns.start_read_bytes;
        loopTurns.window_turn_snap_us = snap;
    }
    cronTurnUs = 0;
    if (snap > loopTurns.window_max_snap_us) loopTurns.window_max_snap_us = snap;
}

/* INFO eventloop: eventloop_window_max_turn_usec covers the turns since
 * the previous INFO eventloop (each call starts a new window). */
static sds genEventloopSection(sds info) {
    info = sdsCatPrintf(info,
        "# Eventloop\r\n"
        "eventloop_turns:%lld\r\n"
        "eventloop_max_turn_usec:%lld\r\n"
        "eventloop_window_max_turn_usec:%lld\r\n"
        "eventloop_window_max_turn_cpu_usec:%lld\r\n"
        "eventloop_window_max_snapshot_usec:%lld\r\n"
        "eventloop_window_max_turn_events_usec:%lld\r\n"
        "eventloop_window_max_turn_cron_usec:%lld\r\n"
        "eventloop_window_max_turn_writes_usec:%lld\r\n"
        "eventloop_window_max_turn_before_sleep_usec:%lld\r\n"
        "eventloop_window_max_turn_writes_clients:%lld\r\n"
        "eventloop_window_max_turn_writes_bytes:%lld\r\n"
        "eventloop_window_max_turn_commands:%lld\r\n"
        "eventloop_window_max_turn_read_bytes:%lld\r\n"
        "eventloop_window_max_turn_snapshot_usec:%lld\r\n"
        "eventloop_last_fork_usec:%lld\r\n"
        "eventloop_last_fork_cpu_usec:%lld\r\n",
        loopTurns.turns, loopTurns.max_us, loopTurns.window_max_us,
        loopTurns.window_max_cpu_us, loopTurns.window_max_snap_us,
        loopTurns.window_events_us, loopTurns.window_cron_us,
        loopTurns.window_writes_us, loopTurns.window_before_sleep_us,
        loopTurns.window_writes_clients, loopTurns.window_writes_bytes,
        loopTurns.window_cmds, loopTurns.window_read_bytes,
        loopTurns.window_turn_snap_us, loopTurns.last_fork_us,
        loopTurns.last_fork_cpu_us);
    loopTurns.window_max_us = 0;
    loopTurns.window_max_cpu_us = 0;
    loopTurns.window_max_snap_us = 0;
    return info;
}

static void beforeSleep(struct aeEventLoop *eventLoop) {
    UNUSED(eventLoop);
    updateCachedTime(0);
    loopTurns.before_sleep_us = server.ustime;
    /* Decrypted bytes the socket will not signal again. */
    if (connTypeHasPendingData()) connTypeProcessPendingData();
    handleBlockedClientsTimeout();
    blockedBeforeSleep();
    if (listLength(server.unblocked_clients)) processUnblockedClients();
    if (server.active_expire_enabled && !server.masterhost)
        timedActiveExpireCycle(ACTIVE_EXPIRE_CYCLE_FAST);
    propagatePendingCommands();
    for (int i = 0; i < beforeSleepHookCount; i++) beforeSleepHooks[i]();
    long long writes_start = ustime();
    long long out_before = server.stat_net_output_bytes;
    loopTurns.writes_clients = handleClientsWithPendingWrites();
    loopTurns.writes_bytes = server.stat_net_output_bytes - out_before;
    loopTurns.writes_us = ustime() - writes_start;
    freeClientsInAsyncFreeQueue();
    /* Handlers above may have left more decrypted data behind. */
    aeSetDontWait(server.el, connTypeHasPendingData() ||
                                 listLength(server.unblocked_clients) > 0);
    loopTurnEnd();
}

static void afterSleep(struct aeEventLoop *eventLoop) {
    UNUSED(eventLoop);
    updateCachedTime(0);
    loopTurns.start_us = ustime();
    loopTurns.start_cpu_us = loopThreadCpuUs();
    loopTurns.start_cmds = server.stat_numcommands;
    loopTurns.start_read_bytes = server.stat_net_input_bytes;
}

/* ---------------------------------------------------------------------
 * Listeners
 * ------------------------------------------------------------------ */

/* Opens the sockets of <l>; on failure logs and returns C_ERR with the
 * reason in server.neterr. */
int listenToPort(connListener *l) {
    if (connListen(l, server.neterr, sizeof(server.neterr)) != 0) {
        serverLog(LL_WARNING, "Failed listening on port %d (%s), aborting.",
                  l->port, server.neterr);
        return C_ERR;
    }
    return C_OK;
}

/* Closes the sockets of <l>. */
void closeListener(connListener *l) {
    if (l->count) connCloseListener(l);
    l->count = 0;
}

static void setupListener(connListener *l) {
    l->bindaddr = server.bindaddr;
    l->bindaddr_count = server.bindaddr_count;
    l->backlog = server.tcp_backlog;
    l->accepted = acceptConnection;
}

/* Re-opens <l> after its port or addresses changed (CONFIG SET). The old
 * sockets are kept until the new ones are open. Returns C_ERR with
 * server.neterr set if the new sockets cannot be opened. */
int changeListener(connListener *l) {
    /* Close first: the new sockets may need the same port (a new bind
     * address). On failure the listener stays closed; CONFIG SET's rollback
     * calls this again with the old settings. The sockets register <l>
     * itself with the event loop, so <l> must stay where it is. */
    closeListener(l);
    setupListener(l);
    if (l->ct == connTypeOfSocket()) l->port = server.port;
    if (l->ct == connTypeOfTls()) l->port = server.tls_port;
    if (l->port == 0 && !l->unixpath) return C_OK;
    if (connListen(l, server.neterr, sizeof(server.neterr)) != 0) {
        l->count = 0;
        return C_ERR;
    }
    return C_OK;
}

/* ---------------------------------------------------------------------
 * Start-up and shutdown
 * ------------------------------------------------------------------ */

static void sigShutdownHandler(int sig) {
    if (server.shutdown_asap && sig == SIGINT) {
        /* A second Ctrl-C: exit at once. */
        serverLogRaw(LL_WARNING, "You insist... exiting now.");
        _exit(1);
    }
    server.last_sig_received = sig;
    server.shutdown_asap = 1;
}

static void setupSignalHandlers(void) {
    struct sigaction act;
    sigemptyset(&act.sa_mask);
    act.sa_flags = 0;
    act.sa_handler = sigShutdownHandler;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    setupCrashHandlers();
}

static void initServerDefaults(void) {
    server.pid = getpid();
    server.lruclock = getLRUClock();
    server.next_client_id = 1;
    server.stat_starttime = mstime();
    updateCachedTime(1);
    getRandomHexChars(server.runid, CONFIG_RUN_ID_SIZE);
    server.runid[CONFIG_RUN_ID_SIZE] = '\0';
    getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
    memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
    server.second_replid_offset = -1;
    server.commands = dictCreate(&commandTableDictType);
    server.lastsave = time(NULL);
    server.lastbgsave_status = C_OK;
    server.child_pid = -1;
    server.active_expire_enabled = 1;
    populateCommandTable();
    initConfigValues();
}

static void adjustOpenFilesLimit(void) {
    rlim_t maxfiles = server.maxclients + CONFIG_MIN_RESERVED_FDS;
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == -1) return;
    if (limit.rlim_cur >= maxfiles) return;
    rlim_t want = maxfiles;
    while (want > limit.rlim_cur) {
        limit.rlim_cur = want;
        if (limit.rlim_max < want) limit.rlim_max = want;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) break;
        want -= 16;
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < maxfiles) {
        unsigned int old = server.maxclients;
        server.maxclients = limit.rlim_cur > CONFIG_MIN_RESERVED_FDS
                                ? limit.rlim_cur - CONFIG_MIN_RESERVED_FDS : 1;
        serverLog(LL_WARNING, "You requested maxclients of %u requiring at "
                  "least %llu max file descriptors. Server can't set maximum "
                  "open files to %llu; maxclients is now %u.", old,
                  (unsigned long long)maxfiles, (unsigned long long)maxfiles,
                  server.maxclients);
    }
}

static dictType errorsDictType = {dictSdsCaseHash, NULL, NULL,
                                  dictSdsKeyCaseCompare, dictSdsDestructor,
                                  NULL, NULL};

static void initServer(void) {
    setupSignalHandlers();
    if (server.syslog_enabled)
        openlog(server.syslog_ident, LOG_PID | LOG_NDELAY | LOG_NOWAIT,
                server.syslog_facility);
    server.clients = listCreate();
    server.clients_to_close = listCreate();
    server.clients_pending_write = listCreate();
    server.unblocked_clients = listCreate();
    server.paused_clients = listCreate();
    server.slaves = listCreate();
    server.monitors = listCreate();
    server.clients_by_id = dictCreate(&clientIdDictType);
    server.errors = dictCreate(&errorsDictType);
    createSharedObjects();
    adjustOpenFilesLimit();
    server.el = aeCreateEventLoop(server.maxclients + CONFIG_FDSET_INCR);
    if (!server.el) {
        serverLog(LL_WARNING, "Failed creating the event loop. Error "
                  "message: '%s'", strerror(errno));
        exit(1);
    }
    connInit(server.el);
    connSocketInit();
    tlsInit();
    connSetLogger(logTlsMessage);
    initDbs();
    aclInit();
    if (aclLoadUsersAtStartup() != C_OK) exit(1); /* logged by acl.c */
    slowlogInit();
    blockedInit();
    pubsubInit();
    listTypeInit();
    hashTypeInit();
    setTypeInit();
    zsetTypeInit();
    streamTypeInit();
    rdbInit();
    scriptingInit();
    lazyfreeInit();
    evictInit();
    replicationInit();
    migrateInit();
    trackingInit();
    registerInfoSection("eventloop", -1, genEventloopSection);

    server.listeners[0].ct = connTypeOfSocket();
    server.listeners[1].ct = connTypeOfTls();
    server.listeners[2].ct = connTypeOfUnix();
    for (int i = 0; i < 3; i++) setupListener(&server.listeners[i]);
    server.listeners[0].port = server.port;
    server.listeners[1].port = server.tls_port;
    server.listeners[2].unixpath = server.unixsocket;
    server.listeners[2].unixperm = server.unixsocketperm;
    server.listeners[0].max_accepts = server.max_new_conns_per_cycle;
    server.listeners[1].max_accepts = server.max_new_tls_conns_per_cycle;
    server.listeners[2].max_accepts = server.max_new_conns_per_cycle;

    if (server.tls_port || server.tls_replication || server.tls_cluster) {
        char err[1024];
        if (configApplyTls(err, sizeof(err)) != C_OK) {
            serverLog(LL_WARNING, "Failed to configure TLS. Check logs for "
                      "more info. %s", err);
            exit(1);
        }
    }
    if (server.port != 0 && listenToPort(&server.listeners[0]) == C_ERR) exit(1);
    if (server.tls_port != 0 && listenToPort(&server.listeners[1]) == C_ERR)
        exit(1);
    if (server.unixsocket != NULL) {
        unlink(server.unixsocket);
        if (connListen(&server.listeners[2], server.neterr,
                       sizeof(server.neterr)) != 0) {
            serverLog(LL_WARNING, "Failed opening Unix socket: %s",
                      server.neterr);
            exit(1);
        }
    }
    if (server.port == 0 && server.tls_port == 0 && !server.unixsocket) {
        serverLog(LL_WARNING, "Configured to not listen anywhere, exiting.");
        exit(1);
    }
    if (aeCreateTimeEvent(server.el, 1, serverCron, NULL, NULL) == AE_ERR)
        serverPanic("Can't create event loop timers.");
    aeSetBeforeSleepProc(server.el, beforeSleep);
    aeSetAfterSleepProc(server.el, afterSleep);
    if (server.cluster_enabled) clusterInit();
}

/* oom-score-adj: writes the kernel's OOM score adjustment of this process
 * for <process_class> (OOM_CLASS_MASTER, _REPLICA, _CHILD; -1 picks master
 * or replica from the role): one of oom-score-adj-values, added to the
 * score the server started with when "relative", clamped to [-1000, 1000].
 * With oom-score-adj "no" a score changed earlier is put back. Returns
 * C_OK (also where the kernel has no such file), or C_ERR after logging
 * why the write failed (lowering the score needs CAP_SYS_RESOURCE). */
int setOomScoreAdj(int process_class) {
    static int base, base_known, changed;
    const char *path = "/proc/self/oom_score_adj";
    if (process_class == -1)
        process_class = server.masterhost ? OOM_CLASS_REPLICA : OOM_CLASS_MASTER;
    if (!base_known) {
        FILE *fp = fopen(path, "r");
        if (fp == NULL) return C_OK;
        int ok = fscanf(fp, "%d", &base) == 1;
        fclose(fp);
        if (!ok) return C_OK;
        base_known = 1;
    }
    int val;
    if (server.oom_score_adj == OOM_SCORE_ADJ_NO) {
        if (!changed) return C_OK;
        val = base;
    } else {
        val = server.oom_score_adj_values[process_class];
        if (server.oom_score_adj == OOM_SCORE_RELATIVE) val += base;
        if (val > 1000) val = 1000;
        if (val < -1000) val = -1000;
    }
    int fd = open(path, O_WRONLY);
    char buf[16];
    int len = snprintf(buf, sizeof(buf), "%d", val);
    if (fd == -1 || write(fd, buf, (size_t)len) != len) {
        serverLog(LL_WARNING, "Unable to write oom_score_adj: %s",
                  strerror(errno));
        if (fd != -1) close(fd);
        return C_ERR;
    }
    close(fd);
    changed = server.oom_score_adj != OOM_SCORE_ADJ_NO;
    return C_OK;
}

/* Binds the calling thread (or process) to the CPUs of <list> (a
 * *_cpulist value, NULL for none; config.c checked its syntax). A refusal
 * by the kernel is logged, never fatal. */
static void applyCpuList(const char *list, const char *what) {
    cpu_set_t set;
    if (list == NULL || parseCpuList(list, &set) != 0) return;
    if (sched_setaffinity(0, sizeof(set), &set) == -1)
        serverLog(LL_WARNING, "Could not bind the %s to CPUs %s: %s", what,
                  list, strerror(errno));
}

#define CHILD_NICE_INCREMENT 5 /* a forked child's nice over ours */

/* Forks a child for background work (RDB snapshot, AOF rewrite). In the
 * child, signals get their default actions and the inherited listening
 * sockets are closed, so that a server restarted after the parent died can
 * bind its ports while the child still runs. They are closed directly: the
 * epoll instance is shared with the parent and must not be changed. The
 * child must not touch client connections and must leave with _exit.
 * <purpose> (FORK_*) gives the child Redis's process title for it and its
 * CPU list (bgsave_cpulist, aof_rewrite_cpulist); it runs at a lower CPU
 * priority than ours. Returns fork's result. */
pid_t serverFork(int purpose) {
    fflush(NULL);
    long long start = ustime(), fork_cpu = loopThreadCpuUs();
    pid_t pid = fork();
    if (pid > 0) {
        server.stat_fork_time = ustime() - start;
        server.stat_total_forks++;
        latencyAddSampleIfNeeded("fork", server.stat_fork_time / 1000);
    }
    if (pid != 0) {
        loopTurns.last_fork_us = ustime() - start;
        loopTurns.last_fork_cpu_us = loopThreadCpuUs() - fork_cpu;
        return pid;
    }
    static const char *titles[] = {"redis-rdb-bgsave", "redis-aof-rewrite",
                                   "redis-rdb-to-slaves", "redis-ldb"};
    if (server.set_proc_title) {
        sds t = expandProcTitleTemplate(server.proc_title_template,
                                        titles[purpose]);
        if (t) procTitleSet(t);
        sdsFree(t);
    }
    applyCpuList(purpose == FORK_AOF_REWRITE ? server.aof_rewrite_cpulist
                                             : server.bgsave_cpulist,
                 "background child");
    /* The child's work can wait, clients cannot: where both compete for
     * a core (a small VM, a container's CPU quota) the serving process
     * wins, at the cost of a slower snapshot. */
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 &&
        setpriority(PRIO_PROCESS, 0, prio + CHILD_NICE_INCREMENT) == -1) {
        /* the child keeps the parent's priority */
    }
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    /* A child is the first the kernel should kill under memory pressure;
     * failing to say so (logged) must not stop the child's work. */
    if (setOomScoreAdj(OOM_CLASS_CHILD) != C_OK)
        serverLog(LL_WARNING, "The child keeps the parent's OOM score.");
    for (int i = 0; i < 3; i++) {
        connListener *l = &server.listeners[i];
        for (int j = 0; j < l->count; j++)
            if (l->fd[j] != -1) close(l->fd[j]);
        l->count = 0;
    }
    return 0;
}

/* shutdown-timeout: a shutdown waiting for the replicas to acknowledge
 * the whole replication stream, with writes paused meanwhile. */
static struct {
    int active;
    int flags;          /* SHUTDOWN_* of the shutdown that waits */
    long long deadline; /* ms */
} shutdownWait;

/* 1 while a shutdown waits for replicas. */
int isShutdownWaiting(void) {
    return shutdownWait.active;
}

/* Ends a waiting shutdown: writes resume, and each SHUTDOWN caller still
 * blocked gets Redis's error. */
static void shutdownWaitEnd(void) {
    shutdownWait.active = 0;
    server.shutdown_asap = 0;
    unpauseClients();
    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (!(c->flags & CLIENT_BLOCKED) || c->btype != BLOCKED_SHUTDOWN)
            continue;
        addReplyError(c, "Errors trying to SHUTDOWN. Check logs.");
        unblockClient(c);
    }
}

/* Starts a shutdown with <flags> (SHUTDOWN_*). Unless SHUTDOWN_NOW is set
 * or shutdown-timeout is 0, a master whose replicas have not acknowledged
 * everything pauses writes and waits up to shutdown-timeout seconds for
 * them (shutdownWaitCron finishes it). Returns C_OK when the caller may
 * exit, C_ERR when shutting down failed, SHUTDOWN_WAITING when waiting. */
int startShutdown(int flags) {
    if (shutdownWait.active) return SHUTDOWN_WAITING;
    if (!(flags & SHUTDOWN_NOW) && server.shutdown_timeout != 0 &&
        !server.sentinel_mode && !replicationReplicasCaughtUp(0)) {
        shutdownWait.active = 1;
        shutdownWait.flags = flags;
        shutdownWait.deadline =
            mstime() + (long long)server.shutdown_timeout * 1000;
        pauseClients(LLONG_MAX, 1);
        serverLog(LL_NOTICE, "Waiting for replicas before shutting down.");
        return SHUTDOWN_WAITING;
    }
    return prepareForShutdown(flags);
}

/* SHUTDOWN ABORT: stops a waiting shutdown. */
void abortShutdown(void) {
    if (!shutdownWait.active) return;
    serverLog(LL_WARNING, "Shutdown manually aborted.");
    shutdownWaitEnd();
}

/* Cron step: a waiting shutdown finishes once the replicas caught up or
 * shutdown-timeout passed; if the shutdown then fails, the server goes on
 * and the SHUTDOWN callers get an error. */
static void shutdownWaitCron(void) {
    if (!shutdownWait.active) return;
    int ready = replicationReplicasCaughtUp(0);
    if (!ready && mstime() < shutdownWait.deadline) return;
    if (!ready) (void)replicationReplicasCaughtUp(1); /* logs the laggards */
    if (prepareForShutdown(shutdownWait.flags) == C_OK) exit(0);
    shutdownWaitEnd();
}

#define MAX_SHUTDOWN_HOOKS 8
static int (*shutdownHooks[MAX_SHUTDOWN_HOOKS])(int flags);
static int shutdownHookCount;

/* Registers <fn> to run at shutdown (saving, flushing the AOF); a hook
 * returning C_ERR stops the shutdown unless SHUTDOWN_FORCE is set. */
void registerShutdownHook(int (*fn)(int flags)) {
    serverAssert(shutdownHookCount < MAX_SHUTDOWN_HOOKS);
    shutdownHooks[shutdownHookCount++] = fn;
}

/* Gets ready to exit: runs the shutdown hooks, removes the pid file and
 * the unix socket, closes the listeners. C_ERR if a hook refused. */
int prepareForShutdown(int flags) {
    serverLog(LL_NOTICE, "User requested shutdown...");
    for (int i = 0; i < shutdownHookCount; i++) {
        if (shutdownHooks[i](flags) != C_OK && !(flags & SHUTDOWN_FORCE)) {
            serverLog(LL_WARNING, "Errors trying to shut down the server. "
                                  "Check the logs for more information.");
            return C_ERR;
        }
    }
    if (server.pidfile) unlink(server.pidfile);
    for (int i = 0; i < 3; i++) closeListener(&server.listeners[i]);
    if (server.unixsocket) unlink(server.unixsocket);
    /* Tell connected clients nothing; flush what was queued for them. */
    handleClientsWithPendingWrites();
    serverLog(LL_WARNING, "%s is now ready to exit, bye bye...",
              server.sentinel_mode ? "Sentinel" : "Redis");
    return C_OK;
}

static void createPidFile(void) {
    if (!server.pidfile) server.pidfile = zstrdup("/var/run/redis.pid");
    FILE *fp = fopen(server.pidfile, "w");
    if (fp) {
        fprintf(fp, "%d\n", (int)getpid());
        fclose(fp);
    } else {
        serverLog(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
    }
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR, 0);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

static void version(void) {
    printf("Redis server v=%s sha=00000000:0 malloc=%s bits=%d build=0\n",
           REDIS_VERSION, ZMALLOC_LIB, (int)sizeof(long) * 8);
    exit(0);
}

static void usage(void) {
    fprintf(stderr,
            "Usage: ./redis-server [/path/to/redis.conf] [options] [-]\n"
            "       ./redis-server - (read config from stdin)\n"
            "       ./redis-server -v or --version\n"
            "       ./redis-server -h or --help\n\n"
            "Examples:\n"
            "       ./redis-server (run the server with default conf)\n"
            "       ./redis-server /etc/redis/6379.conf\n"
            "       ./redis-server --port 7777\n"
            "       ./redis-server --port 7777 --replicaof 127.0.0.1 8888\n"
            "       ./redis-server /etc/myredis.conf --loglevel verbose -\n"
            "       ./redis-server /etc/myredis.conf --loglevel verbose\n\n"
            "TLS:\n"
            "       ./redis-server --port 0 --tls-port 6380 --tls-cert-file "
            "server.crt \\\n"
            "              --tls-key-file server.key --tls-ca-cert-file "
            "ca.crt\n");
    exit(1);
}

/* Expands proc-title-template <tmpl> for this server: {title} (<title>,
 * or the executable as started when NULL), {listen-addr}, {server-mode},
 * {port}, {tls-port}, {unixsocket}, {config-file}; trailing blanks
 * dropped. Returns a new sds, or NULL when <tmpl> has an unknown variable
 * or an unbalanced brace (config.c refuses such templates first). */
sds expandProcTitleTemplate(const char *tmpl, const char *title) {
    sds out = sdsEmpty();
    for (const char *p = tmpl; *p; p++) {
        if (*p == '}') goto bad;
        if (*p != '{') {
            out = sdsCatLen(out, p, 1);
            continue;
        }
        const char *close = strchr(p, '}');
        if (close == NULL) goto bad;
        sds var = sdsNewLen(p + 1, (size_t)(close - p - 1));
        int port = server.port ? server.port : server.tls_port;
        if (!strcmp(var, "title")) {
            out = sdsCat(out, title ? title : server.exec_argv[0]);
        } else if (!strcmp(var, "listen-addr")) {
            out = sdsCatPrintf(out, "%s:%d",
                               server.bindaddr_count ? server.bindaddr[0] : "*",
                               port);
        } else if (!strcmp(var, "server-mode")) {
            out = sdsCat(out, server.sentinel_mode     ? "[sentinel]"
                              : server.cluster_enabled ? "[cluster]"
                                                       : "");
        } else if (!strcmp(var, "port")) {
            out = sdsCatPrintf(out, "%d", server.port);
        } else if (!strcmp(var, "tls-port")) {
            out = sdsCatPrintf(out, "%d", server.tls_port);
        } else if (!strcmp(var, "unixsocket")) {
            out = sdsCat(out, server.unixsocket ? server.unixsocket : "");
        } else if (!strcmp(var, "config-file")) {
            out = sdsCat(out, server.configfile ? server.configfile : "");
        } else {
            sdsFree(var);
            goto bad;
        }
        sdsFree(var);
        p = close;
    }
    return sdsTrim(out, " ");
bad:
    sdsFree(out);
    return NULL;
}

/* set-proc-title: shows the expanded proc-title-template as the process
 * title (ps, /proc/<pid>/cmdline). Returns C_ERR for a bad template. */
int serverUpdateProcTitle(void) {
    if (!server.set_proc_title) return C_OK;
    sds title = expandProcTitleTemplate(server.proc_title_template, NULL);
    if (title == NULL) return C_ERR;
    procTitleSet(title);
    sdsFree(title);
    return C_OK;
}

/* disable-thp: when the kernel's transparent huge pages are "always",
 * turn them off for this process (prctl(2), PR_SET_THP_DISABLE), since
 * they make fork's copy-on-write costly and latency spiky. */
static void disableThpIfAlways(void) {
    if (!server.disable_thp) return;
    FILE *fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (fp == NULL) return;
    char buf[128];
    int always = fgets(buf, sizeof(buf), fp) && strstr(buf, "[always]");
    fclose(fp);
    if (!always) return;
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0)
        serverLog(LL_NOTICE, "Transparent huge pages disabled for this "
                             "process (disable-thp yes).");
    else
        serverLog(LL_WARNING, "Could not disable transparent huge pages: "
                              "%s", strerror(errno));
}

static void logStartupBanner(void) {
    serverLog(LL_NOTICE, "Running mode=%s, port=%d, tls-port=%d.",
              server.sentinel_mode ? "sentinel"
              : server.cluster_enabled ? "cluster" : "standalone",
              server.port, server.tls_port);
    if (server.logfile == NULL || server.logfile[0] == '\0' ||
        server.always_show_logo) {
        /* Scripts written for Redis look for these on standard output;
         * always-show-logo puts them in the log file too. */
        char buf[512];
        snprintf(buf, sizeof(buf),
                 "\n    Redis-compatible server %s (native TLS) %d bit\n"
                 "    Running in %s mode\n"
                 "    Port: %d\n"
                 "    TLS port: %d\n"
                 "    PID: %ld\n\n",
                 REDIS_VERSION, (int)sizeof(long) * 8,
                 server.sentinel_mode ? "sentinel"
                 : server.cluster_enabled ? "cluster" : "standalone",
                 server.port, server.tls_port, (long)getpid());
        serverLogRaw(LL_NOTICE | LL_RAW, buf);
    }
}

/* Joins the command-line options after the config file into directive
 * lines: "--port 7777 --bind a b" becomes "port 7777\nbind a b\n". */
static sds joinCommandLineOptions(int argc, char **argv, int j) {
    sds options = sdsEmpty();
    int first = 1;
    for (; j < argc; j++) {
        if (argv[j][0] == '-' && argv[j][1] == '-' && argv[j][2] != '\0') {
            if (!first) options = sdsCat(options, "\n");
            options = sdsCat(options, argv[j] + 2);
            options = sdsCat(options, " ");
            first = 0;
        } else {
            options = sdsCatRepr(options, argv[j], strlen(argv[j]));
            options = sdsCat(options, " ");
        }
    }
    return options;
}

#define MAX_STARTUP_HOOKS 8
static void (*startupHooks[MAX_STARTUP_HOOKS])(void);
static int startupHookCount;
static int startupHookNext;    /* the next hook to run */
static int startupHookWaiting; /* the last one run finishes later */

/* Registers <fn> to run once the server is initialised and before it
 * accepts commands (loading the dataset, connecting to a master). */
void registerStartupHook(void (*fn)(void)) {
    serverAssert(startupHookCount < MAX_STARTUP_HOOKS);
    startupHooks[startupHookCount++] = fn;
}

/* Runs the start-up hooks not run yet, in order, until one says it
 * finishes later; after the last, the server is ready. */
static void runStartupHooks(void) {
    while (!startupHookWaiting && startupHookNext < startupHookCount)
        startupHooks[startupHookNext++]();
    if (!startupHookWaiting)
        serverLog(LL_NOTICE, "Ready to accept connections");
}

/* See server.h. */
void startupHookPending(void) {
    startupHookWaiting = 1;
}

/* See server.h. */
void startupHookDone(void) {
    serverAssert(startupHookWaiting);
    startupHookWaiting = 0;
    runStartupHooks();
}

int main(int argc, char **argv) {
    procTitleInit(argc, argv); /* before anything keeps a pointer in argv */
    setlocale(LC_COLLATE, "");
    tzset();
    srand(time(NULL) ^ getpid());
    unsigned char seed[16];
    getRandomBytes(seed, sizeof(seed));
    dictSetHashFunctionSeed(seed);

    char *exe = strrchr(argv[0], '/');
    exe = exe ? exe + 1 : argv[0];
    server.sentinel_mode = strstr(exe, "redis-sentinel") != NULL;
    for (int j = 1; j < argc; j++)
        if (!strcmp(argv[j], "--sentinel")) server.sentinel_mode = 1;
    server.executable = getAbsolutePath(argv[0]);
    server.exec_argv = argv;
    initServerDefaults();
    if (server.sentinel_mode) sentinelInit();

    char *configfile = NULL;
    int config_from_stdin = 0;
    if (argc >= 2) {
        int j = 1;
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) version();
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) usage();
        if (argv[1][0] != '-') {
            configfile = argv[1];
            j = 2;
        }
        /* A lone "-" means: also read directives from standard input. */
        int n = 0;
        char **rest = zmalloc(sizeof(char *) * (argc + 1));
        for (int k = j; k < argc; k++) {
            if (!strcmp(argv[k], "--sentinel")) continue; /* the mode, not
                                                           * a directive */
            if (!strcmp(argv[k], "-"))
                config_from_stdin = 1;
            else
                rest[n++] = argv[k];
        }
        sds options = joinCommandLineOptions(n, rest, 0);
        zfree(rest);
        char *path = configfile ? getAbsolutePath(configfile) : NULL;
        loadServerConfig(path, config_from_stdin, options);
        sdsFree(path);
        sdsFree(options);
    }
    if (server.sentinel_mode) sentinelCheckConfigFile();
    if (server.daemonize) daemonize();
    serverLog(LL_WARNING, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    serverLog(LL_WARNING, "Redis version=%s, bits=%d, commit=00000000, "
              "modified=0, pid=%d, just started", REDIS_VERSION,
              (int)sizeof(long) * 8, (int)getpid());
    if (argc == 1)
        serverLog(LL_WARNING, "Warning: no config file specified, using the "
                              "default config. In order to specify a config "
                              "file use %s /path/to/redis.conf", argv[0]);
    else
        serverLog(LL_WARNING, "Configuration loaded");
    server.pid = getpid();
    disableThpIfAlways();
    applyCpuList(server.server_cpulist, "server");
    if (setOomScoreAdj(-1) != C_OK)
        serverLog(LL_WARNING, "Continuing with the OOM score unchanged.");
    initServer();
    memoryInit();
    if (server.daemonize || server.pidfile) createPidFile();
    logStartupBanner();
    serverLog(LL_NOTICE, "Server initialized");
    if (serverUpdateProcTitle() != C_OK)
        serverLog(LL_WARNING, "proc-title-template is not valid; the "
                              "process title is unchanged.");
    if (server.sentinel_mode) sentinelStart();
    runStartupHooks();
    aeMain(server.el);
    aeDeleteEventLoop(server.el);
    return 0;
}
