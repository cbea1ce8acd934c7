/* sentinel.c: Sentinel mode.
 *
 * Owns: the monitored masters, their replicas and the other sentinels
 * (sentinelInstance), the two outbound links of each instance (a command
 * link and, for masters and replicas, a pub/sub link on
 * __sentinel__:hello), the failure detection (SDOWN, ODOWN), the votes and
 * the failover state machine, Sentinel's command table, its "sentinel ..."
 * directives and the INFO sentinel section.
 *
 * Must not touch: sockets or OpenSSL (every link is a connection made with
 * connCreate/connConnect; the type is chosen in sentinelConnType only),
 * the keyspace.
 *
 * Invariants:
 * - Every link is asynchronous: a write queue (link->wbuf from wpos on)
 *   flushed by a write handler, retried with the same bytes while the
 *   connection stays CONNECTED; replies parsed with respReplyParse from a
 *   read buffer. A reply is matched with the oldest pending callback; on the
 *   pub/sub link, "message" pushes go to the hello handler.
 * - An instance is never freed from inside one of its links' handlers:
 *   sentinelReleaseInstance closes the links and moves the instance to a
 *   garbage list that the timer frees. Handlers stop reading once their
 *   link is closed.
 * - Every change of the state that Sentinel writes back (epochs, votes,
 *   known replicas and sentinels, masters) is followed by a flush of the
 *   config file (rewriteConfig: temporary file, fsync, rename).
 *
 * The wire protocol (hello message format, SENTINEL IS-MASTER-DOWN-BY-ADDR,
 * events on the channels) follows Redis 7.0's documentation at
 * https://redis.io/docs/management/sentinel/ so that mixed groups work. */
#include "sentinel.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include "anet.h"
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "resolve.h"
#include "server.h"

#define SENTINEL_DEFAULT_PORT 26379
#define SENTINEL_HELLO_CHANNEL "__sentinel__:hello"
/* The time parameters SENTINEL DEBUG shows and changes (milliseconds),
 * with Redis 7.0's names and defaults; the code reads them through the
 * macros below. */
static struct sentinelTiming {
    const char *name;
    long long value;
} sentinelTimings[] = {
    {"INFO-PERIOD", 10000},
    {"PING-PERIOD", 1000},
    {"ASK-PERIOD", 1000},
    {"PUBLISH-PERIOD", 2000},
    {"DEFAULT-DOWN-AFTER", 30000},
    {"DEFAULT-FAILOVER-TIMEOUT", 60 * 3 * 1000},
    {"TILT-TRIGGER", 2000},
    {"TILT-PERIOD", 1000 * 30},
    {"SLAVE-RECONF-TIMEOUT", 10000},
    {"MIN-LINK-RECONNECT-PERIOD", 15000},
    {"ELECTION-TIMEOUT", 10000},
    {"SCRIPT-MAX-RUNTIME", 60000},
    {"SCRIPT-RETRY-DELAY", 30000},
    {NULL, 0}};

#define SENTINEL_INFO_PERIOD (sentinelTimings[0].value)
#define SENTINEL_PING_PERIOD (sentinelTimings[1].value)
#define SENTINEL_ASK_PERIOD (sentinelTimings[2].value)
#define SENTINEL_PUBLISH_PERIOD (sentinelTimings[3].value)
#define SENTINEL_DEFAULT_DOWN_AFTER (sentinelTimings[4].value)
#define SENTINEL_DEFAULT_FAILOVER_TIMEOUT (sentinelTimings[5].value)
#define SENTINEL_TILT_TRIGGER (sentinelTimings[6].value)
#define SENTINEL_TILT_PERIOD (sentinelTimings[7].value)
#define SENTINEL_SLAVE_RECONF_TIMEOUT (sentinelTimings[8].value)
#define SENTINEL_MIN_LINK_RECONNECT_PERIOD (sentinelTimings[9].value)
#define SENTINEL_ELECTION_TIMEOUT (sentinelTimings[10].value)
#define SENTINEL_SCRIPT_MAX_RUNTIME (sentinelTimings[11].value)
#define SENTINEL_SCRIPT_RETRY_DELAY (sentinelTimings[12].value)
#define SENTINEL_DEFAULT_PARALLEL_SYNCS 1
#define SENTINEL_MAX_PENDING_COMMANDS 100
#define SENTINEL_MAX_DESYNC 1000
#define SENTINEL_DEFAULT_SLAVE_PRIORITY 100
#define SENTINEL_SCRIPT_MAX_QUEUE 256
#define SENTINEL_SCRIPT_MAX_RUNNING 16
#define SENTINEL_SCRIPT_MAX_RETRY 10
#define SENTINEL_LEADER_LEN 40

/* Instance flags, as SENTINEL MASTERS shows them (names below). */
#define SRI_MASTER (1 << 0)
#define SRI_SLAVE (1 << 1)
#define SRI_SENTINEL (1 << 2)
#define SRI_S_DOWN (1 << 3)
#define SRI_O_DOWN (1 << 4)
#define SRI_MASTER_DOWN (1 << 5) /* a sentinel said our master is down */
#define SRI_FAILOVER_IN_PROGRESS (1 << 6)
#define SRI_PROMOTED (1 << 7)
#define SRI_RECONF_SENT (1 << 8)
#define SRI_RECONF_INPROG (1 << 9)
#define SRI_RECONF_DONE (1 << 10)
#define SRI_FORCE_FAILOVER (1 << 11)
#define SRI_SCRIPT_KILL_SENT (1 << 12)
#define SRI_MASTER_REBOOT (1 << 13)

/* Failover states. */
enum {
    SENTINEL_FAILOVER_STATE_NONE = 0,
    SENTINEL_FAILOVER_STATE_WAIT_START,
    SENTINEL_FAILOVER_STATE_SELECT_SLAVE,
    SENTINEL_FAILOVER_STATE_SEND_SLAVEOF_NOONE,
    SENTINEL_FAILOVER_STATE_WAIT_PROMOTION,
    SENTINEL_FAILOVER_STATE_RECONF_SLAVES,
    SENTINEL_FAILOVER_STATE_UPDATE_CONFIG
};

#define SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION (1 << 0)
#define SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION (1 << 1)

typedef long long mstime_t;
struct sentinelInstance;
struct sentinelLink;

typedef void sentinelReplyFn(struct sentinelInstance *ri, respReply *r);

/* One outbound link: a connection, its write queue and read buffer, and
 * the callbacks waiting for replies, oldest first. */
typedef struct sentinelLink {
    struct sentinelInstance *ri;
    connection *conn;
    int connected;          /* handshake done, I/O possible */
    int pubsub;             /* 1 for the hello subscription link */
    sds wbuf;
    size_t wpos;            /* bytes of wbuf already written */
    sds rbuf;
    sentinelReplyFn **pending;
    int npending, pending_cap;
    mstime_t conn_time;     /* when the current connection was started */
    sds last_error;         /* last failure logged, to log each once */
} sentinelLink;

typedef struct sentinelInstance {
    int flags;
    sds name;               /* master name; "ip:port" for the others */
    sds runid;
    uint64_t config_epoch;
    sds host;               /* as configured or announced */
    sds ip;                 /* resolved address, or host */
    int port;
    sentinelLink cc;        /* command link */
    sentinelLink pc;        /* pub/sub link (masters and replicas) */
    mstime_t last_pub_time;
    mstime_t last_hello_time;
    mstime_t last_master_down_reply_time;
    mstime_t s_down_since_time;
    mstime_t o_down_since_time;
    mstime_t down_after_period;
    mstime_t master_reboot_down_after_period;
    mstime_t master_reboot_since_time;
    mstime_t info_refresh;
    mstime_t act_ping_time;  /* pending PING sent at, 0 if none */
    mstime_t last_ping_time;
    mstime_t last_pong_time;
    mstime_t last_avail_time;
    mstime_t role_reported_time;
    mstime_t slave_conf_change_time;
    mstime_t replicaof_sent_time; /* our last REPLICAOF to it, 0 if none */
    int role_reported;       /* SRI_MASTER or SRI_SLAVE */
    list *sentinels;         /* masters: other sentinels */
    list *slaves;            /* masters: replicas */
    unsigned int quorum;
    int parallel_syncs;
    char *auth_pass;
    char *auth_user;
    /* Replicas */
    mstime_t master_link_down_time;
    int slave_priority;
    int replica_announced;
    mstime_t slave_reconf_sent_time;
    struct sentinelInstance *master;
    sds slave_master_host;
    int slave_master_port;
    int slave_master_link_status; /* 1 up */
    unsigned long long slave_repl_offset;
    /* Votes */
    sds leader;
    uint64_t leader_epoch;
    uint64_t failover_epoch;
    int failover_state;
    mstime_t failover_state_change_time;
    mstime_t failover_start_time;
    mstime_t failover_timeout;
    mstime_t failover_delay_logged;
    struct sentinelInstance *promoted_slave;
    char *notification_script;
    char *client_reconfig_script;
    sds info;
} sentinelInstance;

typedef struct sentinelScriptJob {
    int flags;
    int retry_num;
    char **argv;
    mstime_t start_time;
    pid_t pid;
} sentinelScriptJob;

extern char **environ;

static struct sentinelState {
    char myid[CONFIG_RUN_ID_SIZE + 1];
    uint64_t current_epoch;
    list *masters;
    list *garbage;            /* released instances, freed by the timer */
    int tilt;
    mstime_t tilt_start_time;
    mstime_t previous_time;
    list *scripts_queue;
    int running_scripts;
    char *announce_ip;
    int announce_port;
    int announce_hostnames;
    int resolve_hostnames;
    int deny_scripts_reconfig;
    char *sentinel_auth_user;
    char *sentinel_auth_pass;
    unsigned long simfailure_flags;
    int started;
    int loading;              /* reading the config file */
    list *resolved;           /* sentinelResolved, the name cache */
    list *monitor_ops;        /* sentinelMonitorOp, blocked MONITORs */
} sentinel;

static void sentinelEvent(int level, const char *type, sentinelInstance *ri,
                          const char *fmt, ...);
static void sentinelFlushConfig(void);
static void sentinelReleaseInstance(sentinelInstance *ri);
static void sentinelLinkClose(sentinelLink *l);
static void sentinelResetMaster(sentinelInstance *ri, int keep_sentinels);
static void sentinelScheduleScriptExecution(char *path, ...);
static int sentinelSendReplicaOf(sentinelInstance *ri, const char *host,
                                 int port);

/* ------------------------------------------------------------------ */
/* Addresses and instances                                             */
/* ------------------------------------------------------------------ */

/* Host names are resolved on the connection layer's resolver threads
 * (resolve.c), never in the event loop; answers are kept for
 * SENTINEL_RESOLVE_TTL ms (failures for SENTINEL_RESOLVE_NEG_TTL ms), and a
 * stale answer is still used while its refresh runs. Only reading the
 * config file at start-up, before the loop runs, resolves in place. */
#define SENTINEL_RESOLVE_TTL 30000
#define SENTINEL_RESOLVE_NEG_TTL 1000
#define SENTINEL_RESOLVE_MAX 1024

#define SENTINEL_RESOLVE_OK 0
#define SENTINEL_RESOLVE_FAIL -1
#define SENTINEL_RESOLVE_PENDING 1

typedef struct sentinelResolved {
    sds host;
    char ip[NET_IP_STR_LEN];
    int ok;               /* ip holds an answer */
    mstime_t when;        /* time of the last answer, 0 before the first */
    connResolveReq *req;  /* lookup in flight, NULL if none */
} sentinelResolved;

/* A SENTINEL MONITOR whose host name is being resolved; its client is
 * blocked (BLOCKED_RESOLVE) until the answer comes. */
typedef struct sentinelMonitorOp {
    client *c;
    sds name;
    sds host;
    int port;
    unsigned int quorum;
} sentinelMonitorOp;

static void sentinelMonitorResolved(const char *host);

static sentinelResolved *resolvedFind(const char *host) {
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.resolved, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelResolved *e = listNodeValue(ln);
        if (!strcasecmp(e->host, host)) return e;
    }
    return NULL;
}

/* Drops the oldest answers with no lookup in flight while the cache is
 * over its size. */
static void resolvedTrim(void) {
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.resolved, &it, AL_START_HEAD);
    while (listLength(sentinel.resolved) > SENTINEL_RESOLVE_MAX &&
           (ln = listNext(&it))) {
        sentinelResolved *e = listNodeValue(ln);
        if (e->req) continue;
        sdsFree(e->host);
        zfree(e);
        listDelNode(sentinel.resolved, ln);
    }
}

/* A resolver thread answered for <privdata> (a sentinelResolved). */
static void sentinelResolveDone(void *privdata, int ok, const char *text) {
    sentinelResolved *e = privdata;
    e->req = NULL;
    e->when = mstime();
    if (ok && strlen(text) < sizeof(e->ip)) {
        e->ok = 1;
        snprintf(e->ip, sizeof(e->ip), "%s", text);
    } else {
        e->ok = 0;
        serverLog(LL_NOTICE, "Can't resolve instance hostname %s: %s",
                  e->host, text);
    }
    sentinelMonitorResolved(e->host);
}

/* Looks <host> up in place (anet's getaddrinfo wrapper): for the config
 * file only, read before the event loop runs. */
static int sentinelResolveNow(const char *host, char *ip, size_t len) {
    char err[ANET_ERR_LEN];
    return anetResolve(err, (char *)host, ip, len) == ANET_OK ? 0 : -1;
}

/* Resolves <host> to a numeric address in <ip> (<len> bytes). Returns
 * SENTINEL_RESOLVE_OK, SENTINEL_RESOLVE_FAIL (not resolvable, or host names
 * not allowed), or SENTINEL_RESOLVE_PENDING: a lookup runs and the caller
 * tries again later (the next INFO or hello) or waits for
 * sentinelMonitorResolved. */
static int sentinelResolve(const char *host, char *ip, size_t len) {
    if (connIsIpLiteral(host)) {
        snprintf(ip, len, "%s", host);
        return SENTINEL_RESOLVE_OK;
    }
    if (!sentinel.resolve_hostnames) return SENTINEL_RESOLVE_FAIL;
    sentinelResolved *e = resolvedFind(host);
    if (!e) {
        e = zcalloc(sizeof(*e));
        e->host = sdsNew(host);
        resolvedTrim();
        listAddNodeTail(sentinel.resolved, e);
    }
    mstime_t now = mstime();
    if (sentinel.loading) {
        e->ok = sentinelResolveNow(host, e->ip, sizeof(e->ip)) == 0;
        e->when = now;
    }
    int fresh = e->when &&
                now - e->when < (e->ok ? SENTINEL_RESOLVE_TTL
                                       : SENTINEL_RESOLVE_NEG_TTL);
    if (!fresh && !e->req) {
        e->req = connResolveStart(server.el, host, sentinelResolveDone, e);
        if (!e->req && !e->ok) return SENTINEL_RESOLVE_FAIL;
    }
    if (e->ok) {
        snprintf(ip, len, "%s", e->ip);
        return SENTINEL_RESOLVE_OK;
    }
    return fresh ? SENTINEL_RESOLVE_FAIL : SENTINEL_RESOLVE_PENDING;
}

/* The address Sentinel reports for <ri>: the name it was given when
 * announce-hostnames is on, else the numeric address. */
static const char *announceAddr(sentinelInstance *ri) {
    return sentinel.announce_hostnames ? ri->host : ri->ip;
}

static const char *instanceTypeName(sentinelInstance *ri) {
    if (ri->flags & SRI_MASTER) return "master";
    if (ri->flags & SRI_SLAVE) return "slave";
    return "sentinel";
}

static void sentinelLinkInit(sentinelLink *l, sentinelInstance *ri,
                             int pubsub) {
    memset(l, 0, sizeof(*l));
    l->ri = ri;
    l->pubsub = pubsub;
    l->wbuf = sdsEmpty();
    l->rbuf = sdsEmpty();
}

/* Makes an instance of type <flags> at <host>:<port>; <master> for
 * replicas and sentinels. Returns NULL with errno EINVAL (bad port),
 * ENOENT (unresolvable), EAGAIN (being resolved: try again later) or
 * EBUSY (duplicate). */
static sentinelInstance *sentinelCreateInstance(const char *name, int flags,
                                                const char *host, int port,
                                                unsigned int quorum,
                                                sentinelInstance *master) {
    char ip[NET_IP_STR_LEN];
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    int rc = sentinelResolve(host, ip, sizeof(ip));
    if (rc != SENTINEL_RESOLVE_OK) {
        errno = rc == SENTINEL_RESOLVE_PENDING ? EAGAIN : ENOENT;
        return NULL;
    }
    sds myname = name ? sdsNew(name) : NULL;
    if (!myname) {
        myname = sdsCatPrintf(sdsEmpty(), strchr(ip, ':') ? "[%s]:%d" : "%s:%d",
                              sentinel.announce_hostnames ? host : ip, port);
    }
    list *table = (flags & SRI_MASTER) ? sentinel.masters
                  : (flags & SRI_SLAVE) ? master->slaves
                                        : master->sentinels;
    listIter it;
    listNode *ln;
    listGetIterator(table, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *o = listNodeValue(ln);
        if (!strcasecmp(o->name, myname)) {
            sdsFree(myname);
            errno = EBUSY;
            return NULL;
        }
    }
    sentinelInstance *ri = zcalloc(sizeof(*ri));
    ri->flags = flags;
    ri->name = myname;
    ri->host = sdsNew(host);
    ri->ip = sdsNew(ip);
    ri->port = port;
    sentinelLinkInit(&ri->cc, ri, 0);
    sentinelLinkInit(&ri->pc, ri, 1);
    mstime_t now = mstime();
    ri->last_pong_time = now;
    ri->last_avail_time = now;
    ri->last_pub_time = now;
    ri->last_hello_time = now;
    ri->role_reported = ri->flags & (SRI_MASTER | SRI_SLAVE);
    ri->role_reported_time = now;
    ri->slave_conf_change_time = now;
    ri->down_after_period =
        master ? master->down_after_period : SENTINEL_DEFAULT_DOWN_AFTER;
    ri->master_reboot_down_after_period = 0;
    ri->quorum = quorum;
    ri->parallel_syncs = SENTINEL_DEFAULT_PARALLEL_SYNCS;
    ri->failover_timeout = SENTINEL_DEFAULT_FAILOVER_TIMEOUT;
    ri->slave_priority = SENTINEL_DEFAULT_SLAVE_PRIORITY;
    ri->replica_announced = 1;
    ri->master = master;
    ri->sentinels = listCreate();
    ri->slaves = listCreate();
    listAddNodeTail(table, ri);
    return ri;
}

static void sentinelLinkFree(sentinelLink *l) {
    sentinelLinkClose(l);
    sdsFree(l->wbuf);
    sdsFree(l->rbuf);
    sdsFree(l->last_error);
    zfree(l->pending);
}

static void sentinelFreeInstance(sentinelInstance *ri) {
    while (listLength(ri->slaves)) {
        sentinelFreeInstance(listNodeValue(listFirst(ri->slaves)));
        listDelNode(ri->slaves, listFirst(ri->slaves));
    }
    while (listLength(ri->sentinels)) {
        sentinelFreeInstance(listNodeValue(listFirst(ri->sentinels)));
        listDelNode(ri->sentinels, listFirst(ri->sentinels));
    }
    listRelease(ri->slaves);
    listRelease(ri->sentinels);
    sentinelLinkFree(&ri->cc);
    sentinelLinkFree(&ri->pc);
    sdsFree(ri->name);
    sdsFree(ri->runid);
    sdsFree(ri->host);
    sdsFree(ri->ip);
    sdsFree(ri->slave_master_host);
    sdsFree(ri->leader);
    sdsFree(ri->info);
    zfree(ri->auth_pass);
    zfree(ri->auth_user);
    zfree(ri->notification_script);
    zfree(ri->client_reconfig_script);
    zfree(ri);
}

/* Closes the links of <ri> and of everything it holds and queues it for
 * freeing by the timer (never inside a link handler). The caller has
 * already removed it from its table. */
static void sentinelReleaseInstance(sentinelInstance *ri) {
    sentinelLinkClose(&ri->cc);
    sentinelLinkClose(&ri->pc);
    listIter it;
    listNode *ln;
    listGetIterator(ri->slaves, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        sentinelLinkClose(&s->cc);
        sentinelLinkClose(&s->pc);
    }
    listGetIterator(ri->sentinels, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) sentinelLinkClose(&((sentinelInstance *)listNodeValue(ln))->cc);
    listAddNodeTail(sentinel.garbage, ri);
}

static void sentinelCollectGarbage(void) {
    while (listLength(sentinel.garbage)) {
        listNode *ln = listFirst(sentinel.garbage);
        sentinelFreeInstance(listNodeValue(ln));
        listDelNode(sentinel.garbage, ln);
    }
}

static sentinelInstance *sentinelGetMasterByName(const char *name) {
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.masters, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *ri = listNodeValue(ln);
        if (!strcmp(ri->name, name)) return ri;
    }
    return NULL;
}

/* The instance of <table> at <host>:<port> (compared with both the given
 * and the resolved address), NULL if none. */
static sentinelInstance *sentinelLookupByAddr(list *table, const char *host,
                                              int port) {
    listIter it;
    listNode *ln;
    listGetIterator(table, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *ri = listNodeValue(ln);
        if (ri->port == port &&
            (!strcasecmp(ri->ip, host) || !strcasecmp(ri->host, host)))
            return ri;
    }
    return NULL;
}

static void sentinelRemoveFromList(list *l, sentinelInstance *ri) {
    listNode *ln = listSearchKey(l, ri);
    if (ln) listDelNode(l, ln);
}

/* ------------------------------------------------------------------ */
/* Events and scripts                                                  */
/* ------------------------------------------------------------------ */

/* Logs and publishes the event <type> about <ri>. When <fmt> starts with
 * "%@" the instance is described first: "master <name> <ip> <port>" or
 * "<type> <name> <ip> <port> @ <master> <ip> <port>", as Redis 7.0 does. */
static void sentinelEvent(int level, const char *type, sentinelInstance *ri,
                          const char *fmt, ...) {
    char msg[LOG_MAX_LEN];
    msg[0] = '\0';
    if (ri && fmt[0] == '%' && fmt[1] == '@') {
        sentinelInstance *master = (ri->flags & SRI_MASTER) ? NULL : ri->master;
        if (master)
            snprintf(msg, sizeof(msg), "%s %s %s %d @ %s %s %d",
                     instanceTypeName(ri), ri->name, announceAddr(ri), ri->port,
                     master->name, announceAddr(master), master->port);
        else
            snprintf(msg, sizeof(msg), "%s %s %s %d", instanceTypeName(ri),
                     ri->name, announceAddr(ri), ri->port);
        fmt += 2;
    }
    if (fmt[0] != '\0') {
        va_list ap;
        va_start(ap, fmt);
        size_t used = strlen(msg);
        vsnprintf(msg + used, sizeof(msg) - used, fmt, ap);
        va_end(ap);
    }
    serverLog(level, "%s %s", type, msg);
    if (level != LL_DEBUG && sentinel.started) {
        robj *channel = createStringObject(type, strlen(type));
        robj *payload = createStringObject(msg, strlen(msg));
        pubsubPublishMessage(channel, payload, 0);
        decrRefCount(channel);
        decrRefCount(payload);
    }
    if (level == LL_WARNING && ri) {
        sentinelInstance *master = (ri->flags & SRI_MASTER) ? ri : ri->master;
        if (master && master->notification_script)
            sentinelScheduleScriptExecution(master->notification_script,
                                            type, msg, NULL);
    }
}

/* Queues <path> with up to 16 arguments (NULL-terminated) to run later,
 * without blocking; the oldest queued job is dropped when the queue is
 * full. */
static void sentinelScheduleScriptExecution(char *path, ...) {
    va_list ap;
    char *argv[18];
    int argc = 1;
    argv[0] = path;
    va_start(ap, path);
    while (argc < 17) {
        argv[argc] = va_arg(ap, char *);
        if (!argv[argc]) break;
        argc++;
    }
    va_end(ap);
    sentinelScriptJob *sj = zcalloc(sizeof(*sj));
    sj->argv = zmalloc(sizeof(char *) * (size_t)(argc + 1));
    for (int j = 0; j < argc; j++) sj->argv[j] = zstrdup(argv[j]);
    sj->argv[argc] = NULL;
    listAddNodeTail(sentinel.scripts_queue, sj);
    if (listLength(sentinel.scripts_queue) > SENTINEL_SCRIPT_MAX_QUEUE) {
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.scripts_queue, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelScriptJob *old = listNodeValue(ln);
            if (old->pid != 0) continue;
            sentinelEvent(LL_WARNING, "-script-error", NULL,
                          "%s %d %d", old->argv[0], 99, 0);
            for (int j = 0; old->argv[j]; j++) zfree(old->argv[j]);
            zfree(old->argv);
            zfree(old);
            listDelNode(sentinel.scripts_queue, ln);
            break;
        }
    }
}

static void sentinelReleaseScriptJob(sentinelScriptJob *sj) {
    for (int j = 0; sj->argv[j]; j++) zfree(sj->argv[j]);
    zfree(sj->argv);
    zfree(sj);
}

/* Starts queued scripts (up to SENTINEL_SCRIPT_MAX_RUNNING at a time)
 * whose retry time has come. */
static void sentinelRunPendingScripts(void) {
    listIter it;
    listNode *ln;
    mstime_t now = mstime();
    listGetIterator(sentinel.scripts_queue, &it, AL_START_HEAD);
    while (sentinel.running_scripts < SENTINEL_SCRIPT_MAX_RUNNING &&
           (ln = listNext(&it))) {
        sentinelScriptJob *sj = listNodeValue(ln);
        if (sj->pid != 0 || sj->start_time > now) continue;
        sj->start_time = now;
        sj->retry_num++;
        pid_t pid = fork();
        if (pid == -1) {
            sentinelEvent(LL_WARNING, "-script-error", NULL, "%s %d %d",
                          sj->argv[0], 99, 0);
            sj->start_time = 0;
            sj->pid = 0;
        } else if (pid == 0) {
            /* Own process group, so a timeout kills what it started. */
            setpgid(0, 0);
            for (int fd = 3; fd < 1024; fd++) close(fd);
            execve(sj->argv[0], sj->argv, environ);
            _exit(2);
        } else {
            sentinel.running_scripts++;
            sj->pid = pid;
            sentinelEvent(LL_DEBUG, "+script-child", NULL, "%ld", (long)pid);
        }
    }
}

/* Collects finished scripts: exit code 1 (or a signal) retries later, up
 * to SENTINEL_SCRIPT_MAX_RETRY times, as Redis does. */
static void sentinelCollectTerminatedScripts(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        int bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        sentinelEvent(LL_DEBUG, "-script-child", NULL, "%ld %d %d", (long)pid,
                      exitcode, bysignal);
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.scripts_queue, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelScriptJob *sj = listNodeValue(ln);
            if (sj->pid != pid) continue;
            sentinel.running_scripts--;
            if ((bysignal || exitcode == 1) &&
                sj->retry_num != SENTINEL_SCRIPT_MAX_RETRY) {
                sj->flags &= ~SRI_SCRIPT_KILL_SENT;
                sj->pid = 0;
                sj->start_time = mstime() + SENTINEL_SCRIPT_RETRY_DELAY;
            } else {
                if (bysignal || exitcode != 0)
                    sentinelEvent(LL_WARNING, "-script-error", NULL,
                                  "%s %d %d", sj->argv[0], bysignal, exitcode);
                listDelNode(sentinel.scripts_queue, ln);
                sentinelReleaseScriptJob(sj);
            }
            break;
        }
    }
}

/* Kills scripts running longer than SENTINEL_SCRIPT_MAX_RUNTIME. */
static void sentinelKillTimedoutScripts(void) {
    listIter it;
    listNode *ln;
    mstime_t now = mstime();
    listGetIterator(sentinel.scripts_queue, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelScriptJob *sj = listNodeValue(ln);
        if (sj->pid && !(sj->flags & SRI_SCRIPT_KILL_SENT) &&
            now - sj->start_time > SENTINEL_SCRIPT_MAX_RUNTIME) {
            sentinelEvent(LL_WARNING, "-script-timeout", NULL, "%s %ld",
                          sj->argv[0], (long)sj->pid);
            kill(-sj->pid, SIGKILL);
            kill(sj->pid, SIGKILL);
            sj->flags |= SRI_SCRIPT_KILL_SENT;
        }
    }
}

static void sentinelCallClientReconfScript(sentinelInstance *master, int role,
                                           const char *state,
                                           sentinelInstance *from,
                                           sentinelInstance *to) {
    if (!master->client_reconfig_script) return;
    char fromport[32], toport[32];
    ll2string(fromport, sizeof(fromport), from->port);
    ll2string(toport, sizeof(toport), to->port);
    sentinelScheduleScriptExecution(master->client_reconfig_script,
                                    master->name,
                                    role == SRI_MASTER ? "leader" : "observer",
                                    (char *)state, (char *)announceAddr(from),
                                    fromport, (char *)announceAddr(to), toport,
                                    NULL);
}

/* ------------------------------------------------------------------ */
/* Links                                                               */
/* ------------------------------------------------------------------ */

/* The connection type of every Sentinel link: TLS when tls-replication
 * is on (Sentinel's switch for TLS links, as in Redis), else plain TCP. */
static ConnectionType *sentinelConnType(void) {
    if (server.tls_replication && connTypeOfTls()) return connTypeOfTls();
    return connTypeOfSocket();
}

static void sentinelLinkClose(sentinelLink *l) {
    if (l->conn) {
        connSetPrivateData(l->conn, NULL);
        connClose(l->conn);
        l->conn = NULL;
    }
    l->connected = 0;
    sdsClear(l->wbuf);
    l->wpos = 0;
    sdsClear(l->rbuf);
    l->npending = 0;
}

/* Drops the link after an error, logging <why> once per distinct reason. */
static void sentinelLinkFailed(sentinelLink *l, const char *why) {
    sentinelInstance *ri = l->ri;
    if (!l->last_error || strcmp(l->last_error, why) != 0) {
        serverLog(LL_NOTICE, "%s link to %s %s (%s:%d) failed: %s",
                  l->pubsub ? "Pub/sub" : "Command", instanceTypeName(ri),
                  ri->name, ri->host, ri->port, why);
        sdsFree(l->last_error);
        l->last_error = sdsNew(why);
    }
    sentinelLinkClose(l);
    sentinelEvent(LL_DEBUG, l->pubsub ? "-pubsub-link" : "-cmd-link", ri,
                  "%%@ #%s", why);
}

static void sentinelLinkWriteHandler(connection *conn);

/* Writes what is queued; installs the write handler while bytes remain.
 * Returns 0, or -1 when the link failed (and was closed). */
static int sentinelLinkFlush(sentinelLink *l) {
    while (l->wpos < sdsLen(l->wbuf)) {
        ssize_t n = connWrite(l->conn, l->wbuf + l->wpos,
                              sdsLen(l->wbuf) - l->wpos);
        if (n <= 0) {
            if (n == -1 && connGetState(l->conn) == CONN_STATE_CONNECTED) {
                if (!connHasWriteHandler(l->conn) &&
                    connSetWriteHandler(l->conn, sentinelLinkWriteHandler) !=
                        0) {
                    sentinelLinkFailed(l, "can't install write handler");
                    return -1;
                }
                return 0;
            }
            sentinelLinkFailed(l, connGetLastError(l->conn));
            return -1;
        }
        l->wpos += (size_t)n;
    }
    sdsClear(l->wbuf);
    l->wpos = 0;
    if (connHasWriteHandler(l->conn)) connClearWriteHandler(l->conn);
    return 0;
}

static void sentinelLinkWriteHandler(connection *conn) {
    sentinelLink *l = connGetPrivateData(conn);
    if (l) (void)sentinelLinkFlush(l);
}

/* Queues the command <argv>/<argc> on <l>, with <fn> (may be NULL) to run
 * with its reply. Returns 0, or -1 when the link is not connected, has
 * too many commands pending, or failed while writing. */
static int sentinelSendArgv(sentinelLink *l, sentinelReplyFn *fn, int argc,
                            const char **argv) {
    if (!l->conn || !l->connected) return -1;
    if (l->npending >= SENTINEL_MAX_PENDING_COMMANDS) return -1;
    l->wbuf = sdsCatPrintf(l->wbuf, "*%d\r\n", argc);
    for (int j = 0; j < argc; j++)
        l->wbuf = sdsCatPrintf(l->wbuf, "$%zu\r\n%s\r\n", strlen(argv[j]),
                               argv[j]);
    if (l->npending == l->pending_cap) {
        l->pending_cap = l->pending_cap ? l->pending_cap * 2 : 8;
        l->pending = zrealloc(l->pending,
                              sizeof(*l->pending) * (size_t)l->pending_cap);
    }
    l->pending[l->npending++] = fn;
    if (connHasWriteHandler(l->conn)) return 0;
    return sentinelLinkFlush(l);
}

/* sentinelSendArgv with the arguments as a NULL-terminated list. */
static int sentinelSend(sentinelLink *l, sentinelReplyFn *fn, ...) {
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, fn);
    while (argc < 16 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    return sentinelSendArgv(l, fn, argc, argv);
}

static void sentinelProcessHelloMessage(const char *hello, size_t len);

/* A reply or push arrived on <l>. */
static void sentinelLinkDispatch(sentinelLink *l, respReply *r) {
    if (l->pubsub && r->type == RESP_REPLY_ARRAY && r->elements == 3 &&
        r->element[0]->type == RESP_REPLY_STRING &&
        !strcmp(r->element[0]->str, "message")) {
        l->ri->pc.conn_time = l->conn_time;
        l->ri->last_hello_time = mstime();
        if (r->element[2]->type == RESP_REPLY_STRING)
            sentinelProcessHelloMessage(r->element[2]->str,
                                        sdsLen(r->element[2]->str));
        return;
    }
    if (l->pubsub && r->type == RESP_REPLY_ARRAY && r->elements == 3 &&
        r->element[0]->type == RESP_REPLY_STRING &&
        !strcmp(r->element[0]->str, "subscribe")) {
        return; /* the confirmation; AUTH and SETNAME had callbacks */
    }
    if (l->npending == 0) return;
    sentinelReplyFn *fn = l->pending[0];
    l->npending--;
    memmove(l->pending, l->pending + 1, sizeof(*l->pending) * (size_t)l->npending);
    if (fn) fn(l->ri, r);
}

static void sentinelLinkReadHandler(connection *conn) {
    sentinelLink *l = connGetPrivateData(conn);
    if (!l) return;
    char buf[PROTO_IOBUF_LEN];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n == 0) {
        sentinelLinkFailed(l, "connection closed by peer");
        return;
    }
    if (n < 0) {
        if (connGetState(conn) == CONN_STATE_CONNECTED) return;
        sentinelLinkFailed(l, connGetLastError(conn));
        return;
    }
    l->rbuf = sdsCatLen(l->rbuf, buf, (size_t)n);
    size_t off = 0;
    while (l->conn == conn && off < sdsLen(l->rbuf)) {
        respReply *r;
        size_t consumed;
        const char *err = NULL;
        static const respReplyLimits lim = {64LL * 1024 * 1024,
                                            RESP_REPLY_MAX_ELEMENTS,
                                            RESP_REPLY_MAX_DEPTH};
        respStatus st = respReplyParse(l->rbuf + off, sdsLen(l->rbuf) - off,
                                       &lim, &consumed, &r, &err);
        if (st == RESP_NEED_MORE) break;
        if (st == RESP_ERROR) {
            char why[128];
            snprintf(why, sizeof(why), "protocol error in reply: %s", err);
            sentinelLinkFailed(l, why);
            return;
        }
        off += consumed;
        sentinelLinkDispatch(l, r);
        respReplyFree(r);
    }
    if (l->conn == conn) sdsRange(l->rbuf, (ssize_t)off, -1);
}

static void sentinelInfoReplyCallback(sentinelInstance *ri, respReply *r);
static void sentinelPingReplyCallback(sentinelInstance *ri, respReply *r);

/* Replies that only need checking: an error is logged at debug level. */
static void sentinelDiscardReplyCallback(sentinelInstance *ri, respReply *r) {
    if (r->type == RESP_REPLY_ERROR)
        serverLog(LL_DEBUG, "Reply from %s %s: %s", instanceTypeName(ri),
                  ri->name, r->str);
}

static void sentinelAuthLink(sentinelLink *l) {
    sentinelInstance *ri = l->ri;
    const char *user = NULL, *pass = NULL;
    if (ri->flags & SRI_SENTINEL) {
        user = sentinel.sentinel_auth_user;
        pass = sentinel.sentinel_auth_pass;
        if (!pass && !user) pass = server.requirepass;
    } else {
        sentinelInstance *m = (ri->flags & SRI_MASTER) ? ri : ri->master;
        user = m->auth_user;
        pass = m->auth_pass;
    }
    if (pass && pass[0]) {
        if (user && user[0])
            (void)sentinelSend(l, sentinelDiscardReplyCallback, "AUTH", user,
                               pass, NULL);
        else
            (void)sentinelSend(l, sentinelDiscardReplyCallback, "AUTH", pass,
                               NULL);
    }
}

static void sentinelLinkConnected(connection *conn) {
    sentinelLink *l = connGetPrivateData(conn);
    if (!l) return;
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        sentinelLinkFailed(l, connGetLastError(conn));
        return;
    }
    if (connSetReadHandler(conn, sentinelLinkReadHandler) != 0) {
        sentinelLinkFailed(l, "can't install read handler");
        return;
    }
    l->connected = 1;
    if (l->last_error) {
        serverLog(LL_NOTICE, "%s link to %s %s (%s:%d) established",
                  l->pubsub ? "Pub/sub" : "Command", instanceTypeName(l->ri),
                  l->ri->name, l->ri->host, l->ri->port);
        sdsFree(l->last_error);
        l->last_error = NULL;
    }
    sentinelInstance *ri = l->ri;
    sentinelAuthLink(l);
    char name[64];
    snprintf(name, sizeof(name), "sentinel-%.8s-%s", sentinel.myid,
             l->pubsub ? "pubsub" : "cmd");
    if (!(ri->flags & SRI_SENTINEL))
        (void)sentinelSend(l, sentinelDiscardReplyCallback, "CLIENT",
                           "SETNAME", name, NULL);
    if (l->pubsub) {
        (void)sentinelSend(l, NULL, "SUBSCRIBE", SENTINEL_HELLO_CHANNEL, NULL);
    } else {
        ri->act_ping_time = 0;
        if (sentinelSend(l, sentinelPingReplyCallback, "PING", NULL) == 0) {
            ri->act_ping_time = mstime();
            ri->last_ping_time = ri->act_ping_time;
        }
        if (!(ri->flags & SRI_SENTINEL))
            (void)sentinelSend(l, sentinelInfoReplyCallback, "INFO", NULL);
    }
}

/* Starts connecting <l> when it is down; at most one attempt per ping
 * period. */
static void sentinelLinkReconnect(sentinelLink *l) {
    sentinelInstance *ri = l->ri;
    if (l->conn) return;
    mstime_t now = mstime();
    if (now - l->conn_time < SENTINEL_PING_PERIOD) return;
    l->conn_time = now;
    connection *conn = connCreate(sentinelConnType());
    connConnectOptions opts;
    memset(&opts, 0, sizeof(opts));
    opts.host = ri->host;
    opts.port = ri->port;
    opts.src_addr = server.bind_source_addr;
    opts.peer_name = NULL;
    mstime_t timeout = ri->down_after_period;
    if (timeout < SENTINEL_PING_PERIOD) timeout = SENTINEL_PING_PERIOD;
    opts.timeout_ms = timeout;
    opts.verify_peer_name = -1;
    connSetPrivateData(conn, l);
    l->conn = conn;
    l->connected = 0;
    if (connConnect(conn, &opts, sentinelLinkConnected) != 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", connGetLastError(conn));
        l->conn = NULL;
        connClose(conn);
        if (!l->last_error || strcmp(l->last_error, why) != 0) {
            serverLog(LL_NOTICE, "%s link to %s %s (%s:%d) failed: %s",
                      l->pubsub ? "Pub/sub" : "Command", instanceTypeName(ri),
                      ri->name, ri->host, ri->port, why);
            sdsFree(l->last_error);
            l->last_error = sdsNew(why);
        }
    }
}

static int linkDisconnected(sentinelInstance *ri) {
    if (!ri->cc.connected) return 1;
    if (!(ri->flags & SRI_SENTINEL) && !ri->pc.connected) return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Replies: PING, INFO                                                 */
/* ------------------------------------------------------------------ */

static void sentinelPingReplyCallback(sentinelInstance *ri, respReply *r) {
    if (r->type == RESP_REPLY_STATUS || r->type == RESP_REPLY_ERROR) {
        if (r->type == RESP_REPLY_STATUS || !strncmp(r->str, "LOADING", 7) ||
            !strncmp(r->str, "MASTERDOWN", 10)) {
            ri->last_avail_time = mstime();
            ri->act_ping_time = 0;
        } else if (!strncmp(r->str, "BUSY", 4) && (ri->flags & SRI_S_DOWN) &&
                   !(ri->flags & SRI_SCRIPT_KILL_SENT)) {
            (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "SCRIPT",
                               "KILL", NULL);
            ri->flags |= SRI_SCRIPT_KILL_SENT;
        }
    }
    ri->last_pong_time = mstime();
}

static void sentinelSetRunId(sentinelInstance *ri, const char *id) {
    if (ri->runid && !strcmp(ri->runid, id)) return;
    if (ri->runid) {
        sentinelEvent(LL_NOTICE, "+reboot", ri, "%@");
        if ((ri->flags & SRI_MASTER) && ri->master_reboot_down_after_period) {
            ri->flags |= SRI_MASTER_REBOOT;
            ri->master_reboot_since_time = mstime();
        }
    }
    sdsFree(ri->runid);
    ri->runid = sdsNew(id);
}

static sentinelInstance *sentinelFindSlave(sentinelInstance *master,
                                           const char *ip, int port) {
    return sentinelLookupByAddr(master->slaves, ip, port);
}

static int sentinelMasterLooksSane(sentinelInstance *master) {
    return (master->flags & SRI_MASTER) && master->role_reported == SRI_MASTER &&
           !(master->flags & (SRI_S_DOWN | SRI_O_DOWN)) &&
           mstime() - master->info_refresh < SENTINEL_INFO_PERIOD * 2;
}

/* Parses the INFO text <info> of <ri> and reacts to what it says: new
 * replicas, role changes, promotion of the selected replica, progress of
 * replicas being reconfigured. */
static void sentinelRefreshInstanceInfo(sentinelInstance *ri, const char *info) {
    int count;
    sds *lines = sdsSplitLen(info, (ssize_t)strlen(info), "\r\n", 2, &count);
    int role = 0;
    ri->master_link_down_time = 0;
    for (int j = 0; j < count; j++) {
        sds l = lines[j];
        if (sdsLen(l) >= 47 && !strncmp(l, "run_id:", 7)) {
            sds id = sdsNewLen(l + 7, 40);
            sentinelSetRunId(ri, id);
            sdsFree(id);
        }
        if ((ri->flags & SRI_MASTER) && !strncmp(l, "slave", 5) &&
            isdigit((unsigned char)l[5])) {
            char *p = strchr(l, ':');
            if (!p) continue;
            p++;
            char ip[NET_IP_STR_LEN] = "";
            int port = 0;
            if (strstr(p, "ip=")) {
                int n;
                sds *kv = sdsSplitLen(p, (ssize_t)strlen(p), ",", 1, &n);
                for (int k = 0; k < n; k++) {
                    if (!strncmp(kv[k], "ip=", 3))
                        snprintf(ip, sizeof(ip), "%s", kv[k] + 3);
                    else if (!strncmp(kv[k], "port=", 5))
                        port = atoi(kv[k] + 5);
                }
                sdsFreeSplitRes(kv, n);
            } else {
                /* Old "slave0:<ip>,<port>,<state>" form. */
                char *c = strchr(p, ',');
                if (!c) continue;
                snprintf(ip, sizeof(ip), "%.*s", (int)(c - p), p);
                port = atoi(c + 1);
            }
            if (ip[0] && port > 0 && !sentinelFindSlave(ri, ip, port)) {
                sentinelInstance *s = sentinelCreateInstance(
                    NULL, SRI_SLAVE, ip, port, ri->quorum, ri);
                if (s) {
                    sentinelEvent(LL_NOTICE, "+slave", s, "%@");
                    sentinelFlushConfig();
                }
            }
        }
        if (!strncmp(l, "master_link_down_since_seconds:", 31))
            ri->master_link_down_time = strtoll(l + 31, NULL, 10) * 1000;
        if (!strncmp(l, "role:master", 11)) role = SRI_MASTER;
        else if (!strncmp(l, "role:slave", 10)) role = SRI_SLAVE;
        if (role == SRI_SLAVE) {
            if (!strncmp(l, "master_host:", 12)) {
                if (!ri->slave_master_host ||
                    strcasecmp(l + 12, ri->slave_master_host)) {
                    sdsFree(ri->slave_master_host);
                    ri->slave_master_host = sdsNew(l + 12);
                    ri->slave_conf_change_time = mstime();
                }
            }
            if (!strncmp(l, "master_port:", 12)) {
                int p = atoi(l + 12);
                if (ri->slave_master_port != p) {
                    ri->slave_master_port = p;
                    ri->slave_conf_change_time = mstime();
                }
            }
            if (!strncmp(l, "master_link_status:", 19))
                ri->slave_master_link_status = !strcasecmp(l + 19, "up");
            if (!strncmp(l, "slave_priority:", 15))
                ri->slave_priority = atoi(l + 15);
            if (!strncmp(l, "slave_repl_offset:", 18))
                ri->slave_repl_offset = strtoull(l + 18, NULL, 10);
            if (!strncmp(l, "replica_announced:", 18))
                ri->replica_announced = atoi(l + 18);
        }
    }
    sdsFreeSplitRes(lines, count);
    ri->info_refresh = mstime();
    if (role != ri->role_reported) {
        ri->role_reported_time = mstime();
        ri->role_reported = role;
        if (role == SRI_SLAVE) ri->slave_conf_change_time = mstime();
        sentinelEvent(LL_VERBOSE,
                      (ri->flags & (SRI_MASTER | SRI_SLAVE)) == role
                          ? "+role-change"
                          : "-role-change",
                      ri, "%@ new reported role is %s",
                      role == SRI_MASTER ? "master" : "slave");
    }
    if (sentinel.tilt) return;

    /* A master reporting itself a replica: wait (SDOWN handles it). */
    /* A replica that became master. */
    if ((ri->flags & SRI_SLAVE) && role == SRI_MASTER) {
        sentinelInstance *m = ri->master;
        if ((m->flags & SRI_FAILOVER_IN_PROGRESS) &&
            (ri->flags & SRI_PROMOTED) &&
            m->failover_state == SENTINEL_FAILOVER_STATE_WAIT_PROMOTION) {
            m->config_epoch = m->failover_epoch;
            m->failover_state = SENTINEL_FAILOVER_STATE_RECONF_SLAVES;
            m->failover_state_change_time = mstime();
            sentinelFlushConfig();
            sentinelEvent(LL_WARNING, "+promoted-slave", ri, "%@");
            if (sentinel.simfailure_flags &
                SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION) {
                serverLog(LL_WARNING, "Simulated failure: crash after "
                                      "promotion");
                exit(99);
            }
            sentinelEvent(LL_WARNING, "+failover-state-reconf-slaves", m, "%@");
            sentinelCallClientReconfScript(m, SRI_MASTER, "start", m, ri);
        } else {
            /* Promoted by someone else, or by hand: turn it back into a
             * replica of the master we know, unless things are moving.
             * Not again within wait_time of our own REPLICAOF to it: the
             * role it reports may be older than the order, or a new
             * failover's (whose CLIENT KILL dropped our links, so the
             * first INFO on the new link would be our only view). */
            mstime_t wait_time = m->failover_timeout;
            if (!(m->flags & SRI_FAILOVER_IN_PROGRESS) &&
                sentinelMasterLooksSane(m) &&
                mstime() - ri->role_reported_time > wait_time &&
                mstime() - ri->replicaof_sent_time > wait_time) {
                if (sentinelSendReplicaOf(ri, announceAddr(m), m->port) == 0)
                    sentinelEvent(LL_NOTICE, "+convert-to-slave", ri, "%@");
            }
        }
    }
    /* A replica following the wrong master. */
    if ((ri->flags & SRI_SLAVE) && role == SRI_SLAVE &&
        ri->slave_master_host &&
        (strcasecmp(ri->slave_master_host, announceAddr(ri->master)) &&
         strcasecmp(ri->slave_master_host, ri->master->host) &&
         strcasecmp(ri->slave_master_host, ri->master->ip)
         ? 1 : ri->slave_master_port != ri->master->port)) {
        sentinelInstance *m = ri->master;
        mstime_t wait_time = m->failover_timeout;
        if (!(ri->flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG)) &&
            !(m->flags & SRI_FAILOVER_IN_PROGRESS) &&
            sentinelMasterLooksSane(m) &&
            mstime() - ri->slave_conf_change_time > wait_time &&
            mstime() - ri->replicaof_sent_time > wait_time) {
            if (sentinelSendReplicaOf(ri, announceAddr(m), m->port) == 0)
                sentinelEvent(LL_NOTICE, "+fix-slave-config", ri, "%@");
        }
    }
    /* Progress of replicas reconfigured by our failover. */
    if ((ri->flags & SRI_SLAVE) && role == SRI_SLAVE &&
        (ri->flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG))) {
        sentinelInstance *m = ri->master;
        sentinelInstance *p = m->promoted_slave;
        int follows = p && ri->slave_master_host &&
                      (!strcasecmp(ri->slave_master_host, p->ip) ||
                       !strcasecmp(ri->slave_master_host, p->host)) &&
                      ri->slave_master_port == p->port;
        if ((ri->flags & SRI_RECONF_SENT) && follows) {
            ri->flags &= ~SRI_RECONF_SENT;
            ri->flags |= SRI_RECONF_INPROG;
            sentinelEvent(LL_NOTICE, "+slave-reconf-inprog", ri, "%@");
        }
        if ((ri->flags & SRI_RECONF_INPROG) && follows &&
            ri->slave_master_link_status) {
            ri->flags &= ~SRI_RECONF_INPROG;
            ri->flags |= SRI_RECONF_DONE;
            sentinelEvent(LL_NOTICE, "+slave-reconf-done", ri, "%@");
        }
    }
}

static void sentinelInfoReplyCallback(sentinelInstance *ri, respReply *r) {
    if (r->type != RESP_REPLY_STRING && r->type != RESP_REPLY_VERB) return;
    sdsFree(ri->info);
    ri->info = sdsDup(r->str);
    sentinelRefreshInstanceInfo(ri, r->str);
}

/* ------------------------------------------------------------------ */
/* Hello messages                                                      */
/* ------------------------------------------------------------------ */

/* The address clients and other sentinels must use for <master>: once
 * our failover promoted a replica (config epoch already bumped), that
 * replica's, so that the hello messages never pair the new epoch with the
 * old address. */
static sentinelInstance *sentinelCurrentMasterAddr(sentinelInstance *master) {
    if ((master->flags & SRI_FAILOVER_IN_PROGRESS) && master->promoted_slave &&
        master->failover_state >= SENTINEL_FAILOVER_STATE_RECONF_SLAVES)
        return master->promoted_slave;
    return master;
}

/* This sentinel's address as others must use it: announce-ip, else the
 * local address of <l>'s connection; the port is announce-port, else the
 * TLS port when links are TLS, else the plain port. */
static int sentinelAnnounceSelf(sentinelLink *l, char *ip, size_t iplen,
                                int *port) {
    if (sentinel.announce_ip) {
        snprintf(ip, iplen, "%s", sentinel.announce_ip);
    } else if (connAddrSockName(l->conn, ip, iplen, NULL) == -1) {
        return -1;
    }
    if (sentinel.announce_port)
        *port = sentinel.announce_port;
    else if (server.tls_replication && server.tls_port)
        *port = server.tls_port;
    else
        *port = server.port;
    return 0;
}

/* Publishes our hello for the master of <ri> through <ri>'s command link:
 * "ip,port,runid,current_epoch,master_name,master_ip,master_port,
 * master_config_epoch". */
static int sentinelSendHello(sentinelInstance *ri) {
    if (!ri->cc.connected) return -1;
    sentinelInstance *m = (ri->flags & SRI_MASTER) ? ri : ri->master;
    char ip[NET_IP_STR_LEN];
    int port;
    if (sentinelAnnounceSelf(&ri->cc, ip, sizeof(ip), &port) != 0) return -1;
    char payload[NET_IP_STR_LEN * 2 + 512];
    sentinelInstance *addr = sentinelCurrentMasterAddr(m);
    snprintf(payload, sizeof(payload), "%s,%d,%s,%llu,%s,%s,%d,%llu", ip, port,
             sentinel.myid, (unsigned long long)sentinel.current_epoch, m->name,
             announceAddr(addr), addr->port,
             (unsigned long long)m->config_epoch);
    if (sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "PUBLISH",
                     SENTINEL_HELLO_CHANNEL, payload, NULL) != 0)
        return -1;
    ri->last_pub_time = mstime();
    return 0;
}

/* Makes <master> point at <host>:<port> (a failover happened): the old
 * master and the replicas become the new master's replicas. */
static void sentinelResetMasterAndChangeAddress(sentinelInstance *master,
                                                const char *host, int port) {
    char ip[NET_IP_STR_LEN];
    if (sentinelResolve(host, ip, sizeof(ip)) != 0) return;
    /* Remember the replicas (other than the new master) and the old master. */
    int n = 0;
    char **hosts = zmalloc(sizeof(char *) * (listLength(master->slaves) + 1));
    int *ports = zmalloc(sizeof(int) * (listLength(master->slaves) + 1));
    listIter it;
    listNode *ln;
    listGetIterator(master->slaves, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->port == port && (!strcasecmp(s->ip, ip) ||
                                !strcasecmp(s->host, host)))
            continue;
        hosts[n] = zstrdup(s->host);
        ports[n++] = s->port;
    }
    if (!(master->port == port && (!strcasecmp(master->ip, ip) ||
                                   !strcasecmp(master->host, host)))) {
        hosts[n] = zstrdup(master->host);
        ports[n++] = master->port;
    }
    /* The other sentinels stay: they watch the same master name. */
    sentinelResetMaster(master, 1);
    sdsFree(master->host);
    sdsFree(master->ip);
    master->host = sdsNew(host);
    master->ip = sdsNew(ip);
    master->port = port;
    for (int j = 0; j < n; j++) {
        sentinelInstance *s = sentinelCreateInstance(NULL, SRI_SLAVE, hosts[j],
                                                     ports[j], master->quorum,
                                                     master);
        if (s) sentinelEvent(LL_NOTICE, "+slave", s, "%@");
        zfree(hosts[j]);
    }
    zfree(hosts);
    zfree(ports);
    sentinelFlushConfig();
}

/* Logs that the hello message <hello> (<len> bytes) was ignored and why;
 * the message is quoted, cut at 128 bytes, so that a peer's bytes never
 * reach the log raw. */
static void sentinelLogBadHello(const char *hello, size_t len,
                                const char *why) {
    sds q = sdsCatRepr(sdsEmpty(), hello, len > 128 ? 128 : len);
    serverLog(LL_NOTICE, "Malformed hello message ignored (%s): %s%s", why, q,
              len > 128 ? "..." : "");
    sdsFree(q);
}

/* Handles one hello message (from a pub/sub link or a PUBLISH sent to us):
 * learns or updates the sender, the epoch, and a newer master address. */
static void sentinelProcessHelloMessage(const char *hello, size_t len) {
    int n;
    sds *tok = sdsSplitLen(hello, (ssize_t)len, ",", 1, &n);
    if (n != 8) {
        sentinelLogBadHello(hello, len, "8 comma-separated fields expected");
        sdsFreeSplitRes(tok, n);
        return;
    }
    long long port, mport, cur_epoch, cfg_epoch;
    if (!string2ll(tok[1], sdsLen(tok[1]), &port) || port <= 0 ||
        port > 65535 || !string2ll(tok[6], sdsLen(tok[6]), &mport) ||
        mport <= 0 || mport > 65535 ||
        !string2ll(tok[3], sdsLen(tok[3]), &cur_epoch) || cur_epoch < 0 ||
        !string2ll(tok[7], sdsLen(tok[7]), &cfg_epoch) || cfg_epoch < 0 ||
        sdsLen(tok[2]) != CONFIG_RUN_ID_SIZE) {
        sentinelLogBadHello(hello, len, "bad port, epoch or run id");
        sdsFreeSplitRes(tok, n);
        return;
    }
    sentinelInstance *master = sentinelGetMasterByName(tok[4]);
    if (!master || !strcmp(tok[2], sentinel.myid)) {
        sdsFreeSplitRes(tok, n);
        return;
    }
    sentinelInstance *si = sentinelLookupByAddr(master->sentinels, tok[0],
                                                (int)port);
    if (si && si->runid && strcmp(si->runid, tok[2]) != 0) {
        /* Another sentinel now lives at this address. */
        sentinelEvent(LL_NOTICE, "-dup-sentinel", si,
                      "%@ #duplicate of %s:%lld or %s", tok[0], port, tok[2]);
        sentinelRemoveFromList(master->sentinels, si);
        sentinelReleaseInstance(si);
        si = NULL;
    }
    if (!si) {
        /* The same sentinel at a new address: drop the old entries. */
        listIter mit;
        listNode *mln;
        listGetIterator(sentinel.masters, &mit, AL_START_HEAD);
        while ((mln = listNext(&mit))) {
            sentinelInstance *m = listNodeValue(mln);
            listIter it;
            listNode *ln;
            listGetIterator(m->sentinels, &it, AL_START_HEAD);
            while ((ln = listNext(&it))) {
                sentinelInstance *o = listNodeValue(ln);
                if (o->runid && !strcmp(o->runid, tok[2])) {
                    sentinelEvent(LL_NOTICE, "+sentinel-address-switch", m,
                                  "%@ ip %s port %lld for %s", tok[0], port,
                                  tok[2]);
                    listDelNode(m->sentinels, ln);
                    sentinelReleaseInstance(o);
                }
            }
        }
        si = sentinelCreateInstance(tok[2], SRI_SENTINEL, tok[0], (int)port,
                                    master->quorum, master);
        if (si) {
            sdsFree(si->name);
            si->name = sdsCatPrintf(sdsEmpty(), "%s", tok[2]);
            si->runid = sdsNew(tok[2]);
            sentinelEvent(LL_NOTICE, "+sentinel", si, "%@");
            sentinelFlushConfig();
        }
    }
    if ((uint64_t)cur_epoch > sentinel.current_epoch) {
        sentinel.current_epoch = (uint64_t)cur_epoch;
        sentinelFlushConfig();
        sentinelEvent(LL_WARNING, "+new-epoch", master, "%llu",
                      (unsigned long long)sentinel.current_epoch);
    }
    if ((uint64_t)cfg_epoch > master->config_epoch) {
        int moved = (int)mport != master->port ||
                    (strcasecmp(tok[5], master->ip) &&
                     strcasecmp(tok[5], master->host));
        char mip[NET_IP_STR_LEN];
        if (moved && sentinelResolve(tok[5], mip, sizeof(mip)) ==
                         SENTINEL_RESOLVE_PENDING) {
            /* Learn the new epoch with the address, from a later hello. */
            if (si) si->last_hello_time = mstime();
            sdsFreeSplitRes(tok, n);
            return;
        }
        master->config_epoch = (uint64_t)cfg_epoch;
        if (moved) {
            sentinelEvent(LL_WARNING, "+config-update-from", si ? si : master,
                          "%@");
            sentinelEvent(LL_WARNING, "+switch-master", master,
                          "%s %s %d %s %lld", master->name,
                          announceAddr(master), master->port, tok[5], mport);
            sentinelInstance fake;
            memset(&fake, 0, sizeof(fake));
            fake.host = tok[5];
            fake.ip = tok[5];
            fake.port = (int)mport;
            sentinelCallClientReconfScript(master, SRI_SLAVE, "start", master,
                                           &fake);
            sentinelResetMasterAndChangeAddress(master, tok[5], (int)mport);
        } else {
            sentinelFlushConfig();
        }
    }
    if (si) si->last_hello_time = mstime();
    sdsFreeSplitRes(tok, n);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static int setErr(char *err, size_t errlen, const char *msg) {
    snprintf(err, errlen, "%s", msg);
    return -1;
}

static void stringSet(char **slot, const char *v) {
    zfree(*slot);
    *slot = (v && v[0]) ? zstrdup(v) : NULL;
}

static int parseYesNo(const char *s) {
    if (!strcasecmp(s, "yes")) return 1;
    if (!strcasecmp(s, "no")) return 0;
    return -1;
}

int sentinelHandleDirective(sds *argv, int argc, char *err, size_t errlen) {
    if (!server.sentinel_mode)
        return setErr(err, errlen,
                      "sentinel directive while not in sentinel mode");
    if (argc < 1) return setErr(err, errlen, "wrong number of arguments");
    const char *opt = argv[0];
    sentinelInstance *ri = NULL;
    if (!strcasecmp(opt, "monitor") && argc != 5)
        return setErr(err, errlen, "Unrecognized sentinel configuration "
                                   "statement.");
    if (!strcasecmp(opt, "monitor") && argc == 5) {
        int quorum = atoi(argv[4]);
        if (quorum <= 0) return setErr(err, errlen, "Quorum must be 1 or greater.");
        if (sentinelCreateInstance(argv[1], SRI_MASTER, argv[2], atoi(argv[3]),
                                   (unsigned)quorum, NULL) == NULL) {
            return setErr(err, errlen,
                          errno == EBUSY ? "Duplicated master name."
                          : errno == ENOENT
                              ? "Can't resolve instance hostname."
                              : "Invalid port number");
        }
        return 0;
    }
    if (!strcasecmp(opt, "myid") && argc == 2) {
        if (strlen(argv[1]) != CONFIG_RUN_ID_SIZE)
            return setErr(err, errlen, "Malformed Sentinel id in myid option.");
        memcpy(sentinel.myid, argv[1], CONFIG_RUN_ID_SIZE + 1);
        return 0;
    }
    if (!strcasecmp(opt, "current-epoch") && argc == 2) {
        unsigned long long e = strtoull(argv[1], NULL, 10);
        if (e > sentinel.current_epoch) sentinel.current_epoch = e;
        return 0;
    }
    if (!strcasecmp(opt, "announce-ip") && argc == 2) {
        stringSet(&sentinel.announce_ip, argv[1]);
        return 0;
    }
    if (!strcasecmp(opt, "announce-port") && argc == 2) {
        sentinel.announce_port = atoi(argv[1]);
        return 0;
    }
    if ((!strcasecmp(opt, "announce-hostnames") ||
         !strcasecmp(opt, "resolve-hostnames") ||
         !strcasecmp(opt, "deny-scripts-reconfig")) && argc == 2) {
        int v = parseYesNo(argv[1]);
        if (v == -1)
            return setErr(err, errlen, "Please specify yes or no for the "
                                       "option.");
        if (!strcasecmp(opt, "announce-hostnames")) sentinel.announce_hostnames = v;
        else if (!strcasecmp(opt, "resolve-hostnames")) sentinel.resolve_hostnames = v;
        else sentinel.deny_scripts_reconfig = v;
        return 0;
    }
    if (!strcasecmp(opt, "sentinel-user") && argc == 2) {
        stringSet(&sentinel.sentinel_auth_user, argv[1]);
        return 0;
    }
    if (!strcasecmp(opt, "sentinel-pass") && argc == 2) {
        stringSet(&sentinel.sentinel_auth_pass, argv[1]);
        return 0;
    }
    if (argc < 3) return setErr(err, errlen, "Unrecognized sentinel configuration statement.");
    ri = sentinelGetMasterByName(argv[1]);
    if (!ri) return setErr(err, errlen, "No such master with specified name.");
    if (!strcasecmp(opt, "down-after-milliseconds") && argc == 3) {
        ri->down_after_period = atoll(argv[2]);
        if (ri->down_after_period <= 0)
            return setErr(err, errlen, "negative or zero time parameter.");
        listIter it;
        listNode *ln;
        listGetIterator(ri->slaves, &it, AL_START_HEAD);
        while ((ln = listNext(&it)))
            ((sentinelInstance *)listNodeValue(ln))->down_after_period =
                ri->down_after_period;
        listGetIterator(ri->sentinels, &it, AL_START_HEAD);
        while ((ln = listNext(&it)))
            ((sentinelInstance *)listNodeValue(ln))->down_after_period =
                ri->down_after_period;
    } else if (!strcasecmp(opt, "failover-timeout") && argc == 3) {
        ri->failover_timeout = atoll(argv[2]);
        if (ri->failover_timeout <= 0)
            return setErr(err, errlen, "negative or zero time parameter.");
    } else if (!strcasecmp(opt, "parallel-syncs") && argc == 3) {
        ri->parallel_syncs = atoi(argv[2]);
    } else if (!strcasecmp(opt, "notification-script") && argc == 3) {
        if (access(argv[2], X_OK) == -1)
            return setErr(err, errlen, "Notification script seems non existing "
                                       "or non executable.");
        stringSet(&ri->notification_script, argv[2]);
    } else if (!strcasecmp(opt, "client-reconfig-script") && argc == 3) {
        if (access(argv[2], X_OK) == -1)
            return setErr(err, errlen, "Client reconfiguration script seems "
                                       "non existing or non executable.");
        stringSet(&ri->client_reconfig_script, argv[2]);
    } else if (!strcasecmp(opt, "auth-pass") && argc == 3) {
        stringSet(&ri->auth_pass, argv[2]);
    } else if (!strcasecmp(opt, "auth-user") && argc == 3) {
        stringSet(&ri->auth_user, argv[2]);
    } else if (!strcasecmp(opt, "master-reboot-down-after-period") &&
               argc == 3) {
        ri->master_reboot_down_after_period = atoll(argv[2]);
        if (ri->master_reboot_down_after_period < 0)
            return setErr(err, errlen, "negative time parameter.");
    } else if (!strcasecmp(opt, "config-epoch") && argc == 3) {
        ri->config_epoch = strtoull(argv[2], NULL, 10);
        if (ri->config_epoch > sentinel.current_epoch)
            sentinel.current_epoch = ri->config_epoch;
    } else if (!strcasecmp(opt, "leader-epoch") && argc == 3) {
        ri->leader_epoch = strtoull(argv[2], NULL, 10);
    } else if ((!strcasecmp(opt, "known-slave") ||
                !strcasecmp(opt, "known-replica")) && argc == 4) {
        if (!sentinelCreateInstance(NULL, SRI_SLAVE, argv[2], atoi(argv[3]),
                                    ri->quorum, ri))
            return setErr(err, errlen, "Wrong hostname or port for replica.");
    } else if (!strcasecmp(opt, "known-sentinel") && (argc == 4 || argc == 5)) {
        if (argc == 5) {
            if (strlen(argv[4]) != CONFIG_RUN_ID_SIZE)
                return setErr(err, errlen, "Malformed Sentinel id in "
                                           "known-sentinel option.");
            sentinelInstance *si = sentinelCreateInstance(
                argv[4], SRI_SENTINEL, argv[2], atoi(argv[3]), ri->quorum, ri);
            if (!si)
                return setErr(err, errlen, "Wrong hostname or port for "
                                           "sentinel.");
            si->runid = sdsNew(argv[4]);
        }
    } else if (!strcasecmp(opt, "rename-command") && argc == 4) {
        /* Accepted for compatibility; commands are sent by their names. */
    } else {
        return setErr(err, errlen, "Unrecognized sentinel configuration "
                                   "statement.");
    }
    return 0;
}

static sds catQuoted(sds s, const char *v) {
    return sdsCatRepr(s, v, strlen(v));
}

sds *sentinelRewriteLines(int *count) {
    int n = 0, cap = 16;
    sds *lines = zmalloc(sizeof(sds) * (size_t)cap);
#define ADDLINE(l)                                                      \
    do {                                                                \
        if (n == cap) {                                                 \
            cap *= 2;                                                   \
            lines = zrealloc(lines, sizeof(sds) * (size_t)cap);         \
        }                                                               \
        lines[n++] = (l);                                               \
    } while (0)
    ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel myid %s", sentinel.myid));
    if (sentinel.deny_scripts_reconfig != 1)
        ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel deny-scripts-reconfig %s",
                             sentinel.deny_scripts_reconfig ? "yes" : "no"));
    if (sentinel.resolve_hostnames)
        ADDLINE(sdsNew("sentinel resolve-hostnames yes"));
    if (sentinel.announce_hostnames)
        ADDLINE(sdsNew("sentinel announce-hostnames yes"));
    if (sentinel.announce_ip)
        ADDLINE(catQuoted(sdsNew("sentinel announce-ip "), sentinel.announce_ip));
    if (sentinel.announce_port)
        ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel announce-port %d",
                             sentinel.announce_port));
    if (sentinel.sentinel_auth_user)
        ADDLINE(catQuoted(sdsNew("sentinel sentinel-user "),
                          sentinel.sentinel_auth_user));
    if (sentinel.sentinel_auth_pass)
        ADDLINE(catQuoted(sdsNew("sentinel sentinel-pass "),
                          sentinel.sentinel_auth_pass));
    listIter mit;
    listNode *mln;
    listGetIterator(sentinel.masters, &mit, AL_START_HEAD);
    while ((mln = listNext(&mit))) {
        sentinelInstance *m = listNodeValue(mln);
        const char *nm = m->name;
        ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel monitor %s %s %d %u", nm,
                             announceAddr(m), m->port, m->quorum));
        if (m->down_after_period != SENTINEL_DEFAULT_DOWN_AFTER)
            ADDLINE(sdsCatPrintf(sdsEmpty(),
                                 "sentinel down-after-milliseconds %s %lld", nm,
                                 m->down_after_period));
        if (m->failover_timeout != SENTINEL_DEFAULT_FAILOVER_TIMEOUT)
            ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel failover-timeout %s %lld",
                                 nm, m->failover_timeout));
        if (m->parallel_syncs != SENTINEL_DEFAULT_PARALLEL_SYNCS)
            ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel parallel-syncs %s %d", nm,
                                 m->parallel_syncs));
        if (m->notification_script)
            ADDLINE(catQuoted(sdsCatPrintf(sdsEmpty(),
                                           "sentinel notification-script %s ",
                                           nm),
                              m->notification_script));
        if (m->client_reconfig_script)
            ADDLINE(catQuoted(
                sdsCatPrintf(sdsEmpty(), "sentinel client-reconfig-script %s ",
                             nm),
                m->client_reconfig_script));
        if (m->auth_pass)
            ADDLINE(catQuoted(sdsCatPrintf(sdsEmpty(), "sentinel auth-pass %s ",
                                           nm),
                              m->auth_pass));
        if (m->auth_user)
            ADDLINE(catQuoted(sdsCatPrintf(sdsEmpty(), "sentinel auth-user %s ",
                                           nm),
                              m->auth_user));
        if (m->master_reboot_down_after_period)
            ADDLINE(sdsCatPrintf(sdsEmpty(),
                                 "sentinel master-reboot-down-after-period %s "
                                 "%lld",
                                 nm, m->master_reboot_down_after_period));
        ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel config-epoch %s %llu", nm,
                             (unsigned long long)m->config_epoch));
        ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel leader-epoch %s %llu", nm,
                             (unsigned long long)m->leader_epoch));
        listIter it;
        listNode *ln;
        listGetIterator(m->slaves, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *s = listNodeValue(ln);
            /* During a failover the promoted replica is still listed;
             * write the old master's address instead, as Redis does. */
            const char *h = announceAddr(s);
            int p = s->port;
            if (s == m->promoted_slave &&
                m->failover_state >= SENTINEL_FAILOVER_STATE_RECONF_SLAVES) {
                h = announceAddr(m);
                p = m->port;
            }
            ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel known-replica %s %s %d",
                                 nm, h, p));
        }
        listGetIterator(m->sentinels, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *s = listNodeValue(ln);
            if (!s->runid) continue;
            ADDLINE(sdsCatPrintf(sdsEmpty(),
                                 "sentinel known-sentinel %s %s %d %s", nm,
                                 announceAddr(s), s->port, s->runid));
        }
    }
    ADDLINE(sdsCatPrintf(sdsEmpty(), "sentinel current-epoch %llu",
                         (unsigned long long)sentinel.current_epoch));
#undef ADDLINE
    *count = n;
    return lines;
}

/* Writes the state to the config file (atomically: see rewriteConfig). A
 * failure is logged; Sentinel keeps running with what it knows. */
static void sentinelFlushConfig(void) {
    if (sentinel.loading || !server.configfile) return;
    if (rewriteConfig(server.configfile, 0) == -1)
        serverLog(LL_WARNING, "WARNING: Sentinel was not able to save the new "
                  "configuration on disk!!!: %s", strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Failure detection and votes                                         */
/* ------------------------------------------------------------------ */

static void sentinelCheckSubjectivelyDown(sentinelInstance *ri) {
    mstime_t now = mstime();
    mstime_t elapsed = ri->act_ping_time ? now - ri->act_ping_time
                       : ri->cc.connected ? 0
                                          : now - ri->last_avail_time;
    /* A link with a PING pending for half the period is stale: reconnect. */
    if (ri->cc.connected && now - ri->cc.conn_time >= SENTINEL_MIN_LINK_RECONNECT_PERIOD &&
        ri->act_ping_time != 0 && now - ri->act_ping_time > ri->down_after_period / 2 &&
        now - ri->last_pong_time > ri->down_after_period / 2)
        sentinelLinkFailed(&ri->cc, "no reply to PING");
    if (ri->pc.connected &&
        now - ri->pc.conn_time >= SENTINEL_MIN_LINK_RECONNECT_PERIOD &&
        now - ri->last_hello_time > SENTINEL_PUBLISH_PERIOD * 3)
        sentinelLinkFailed(&ri->pc, "no activity");
    int down = elapsed > ri->down_after_period;
    if ((ri->flags & SRI_MASTER) && ri->role_reported == SRI_SLAVE &&
        now - ri->role_reported_time >
            ri->down_after_period + SENTINEL_INFO_PERIOD * 2)
        down = 1;
    if ((ri->flags & SRI_MASTER_REBOOT) &&
        now - ri->master_reboot_since_time > ri->master_reboot_down_after_period)
        down = 1;
    if (ri->master_reboot_down_after_period == 0 ||
        now - ri->master_reboot_since_time > ri->master_reboot_down_after_period)
        ri->flags &= ~SRI_MASTER_REBOOT;
    if (down) {
        if (!(ri->flags & SRI_S_DOWN)) {
            sentinelEvent(LL_WARNING, "+sdown", ri, "%@");
            ri->s_down_since_time = now;
            ri->flags |= SRI_S_DOWN;
        }
    } else if (ri->flags & SRI_S_DOWN) {
        sentinelEvent(LL_WARNING, "-sdown", ri, "%@");
        ri->flags &= ~(SRI_S_DOWN | SRI_SCRIPT_KILL_SENT);
    }
}

static void sentinelCheckObjectivelyDown(sentinelInstance *master) {
    unsigned int quorum = 0;
    int odown = 0;
    if (master->flags & SRI_S_DOWN) {
        quorum = 1;
        listIter it;
        listNode *ln;
        listGetIterator(master->sentinels, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *s = listNodeValue(ln);
            if (s->flags & SRI_MASTER_DOWN) quorum++;
        }
        if (quorum >= master->quorum) odown = 1;
    }
    if (odown) {
        if (!(master->flags & SRI_O_DOWN)) {
            sentinelEvent(LL_WARNING, "+odown", master, "%@ #quorum %u/%u",
                          quorum, master->quorum);
            master->flags |= SRI_O_DOWN;
            master->o_down_since_time = mstime();
        }
    } else if (master->flags & SRI_O_DOWN) {
        sentinelEvent(LL_WARNING, "-odown", master, "%@");
        master->flags &= ~SRI_O_DOWN;
    }
}

/* The reply to IS-MASTER-DOWN-BY-ADDR: [down, leader runid, leader epoch]. */
static void sentinelReceiveIsMasterDownReply(sentinelInstance *ri,
                                             respReply *r) {
    if (r->type != RESP_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != RESP_REPLY_INTEGER ||
        r->element[1]->type != RESP_REPLY_STRING ||
        r->element[2]->type != RESP_REPLY_INTEGER)
        return;
    ri->last_master_down_reply_time = mstime();
    if (r->element[0]->integer == 1)
        ri->flags |= SRI_MASTER_DOWN;
    else
        ri->flags &= ~SRI_MASTER_DOWN;
    if (strcmp(r->element[1]->str, "*") != 0) {
        if (!ri->leader || strcmp(ri->leader, r->element[1]->str) != 0 ||
            ri->leader_epoch != (uint64_t)r->element[2]->integer)
            serverLog(LL_NOTICE, "%s voted for %s %llu", ri->name,
                      r->element[1]->str,
                      (unsigned long long)r->element[2]->integer);
        sdsFree(ri->leader);
        ri->leader = sdsNew(r->element[1]->str);
        ri->leader_epoch = (uint64_t)r->element[2]->integer;
    }
}

/* Asks the other sentinels whether <master> is down (and, once our
 * failover started, for their vote). */
static void sentinelAskMasterStateToOtherSentinels(sentinelInstance *master,
                                                   int force) {
    listIter it;
    listNode *ln;
    listGetIterator(master->sentinels, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *ri = listNodeValue(ln);
        mstime_t elapsed = mstime() - ri->last_master_down_reply_time;
        if (elapsed > SENTINEL_ASK_PERIOD * 5) {
            ri->flags &= ~SRI_MASTER_DOWN;
            sdsFree(ri->leader);
            ri->leader = NULL;
        }
        if (!(master->flags & SRI_S_DOWN)) continue;
        if (!ri->cc.connected) continue;
        if (!force && elapsed < SENTINEL_ASK_PERIOD) continue;
        char port[32], epoch[32];
        ll2string(port, sizeof(port), master->port);
        ll2string(epoch, sizeof(epoch), (long long)sentinel.current_epoch);
        (void)sentinelSend(&ri->cc, sentinelReceiveIsMasterDownReply,
                           "SENTINEL", "is-master-down-by-addr",
                           announceAddr(master), port, epoch,
                           (master->failover_state > SENTINEL_FAILOVER_STATE_NONE)
                               ? sentinel.myid
                               : "*",
                           NULL);
    }
}

/* Votes for <req_runid> as the leader of <master>'s failover in epoch
 * <req_epoch> unless we already voted in that epoch; returns the leader
 * we voted for (borrowed) and sets *<leader_epoch>. */
static const char *sentinelVoteLeader(sentinelInstance *master,
                                      uint64_t req_epoch, const char *req_runid,
                                      uint64_t *leader_epoch) {
    if (req_epoch > sentinel.current_epoch) {
        sentinel.current_epoch = req_epoch;
        sentinelFlushConfig();
        sentinelEvent(LL_WARNING, "+new-epoch", master, "%llu",
                      (unsigned long long)sentinel.current_epoch);
    }
    if (master->leader_epoch < req_epoch &&
        sentinel.current_epoch <= req_epoch) {
        sdsFree(master->leader);
        master->leader = sdsNew(req_runid);
        master->leader_epoch = sentinel.current_epoch;
        sentinelFlushConfig();
        sentinelEvent(LL_WARNING, "+vote-for-leader", master, "%s %llu",
                      master->leader, (unsigned long long)master->leader_epoch);
        /* Voting for someone else delays our own attempt. */
        if (strcasecmp(master->leader, sentinel.myid))
            master->failover_start_time =
                mstime() + rand() % SENTINEL_MAX_DESYNC;
    }
    *leader_epoch = master->leader_epoch;
    return master->leader;
}

/* The winner of <master>'s election in <epoch>, or NULL: the run id with
 * the most votes if it has a majority of the known sentinels and at least
 * the quorum. Returns a new sds. */
static sds sentinelGetLeader(sentinelInstance *master, uint64_t epoch) {
    typedef struct {
        const char *id;
        unsigned int votes;
    } tally;
    size_t voters = listLength(master->sentinels) + 1;
    tally *t = zcalloc(sizeof(tally) * (voters + 1));
    int nt = 0;
    listIter it;
    listNode *ln;
    listGetIterator(master->sentinels, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *ri = listNodeValue(ln);
        if (!ri->leader || ri->leader_epoch != epoch) continue;
        int k;
        for (k = 0; k < nt; k++)
            if (!strcmp(t[k].id, ri->leader)) break;
        if (k == nt) t[nt++].id = ri->leader;
        t[k].votes++;
    }
    const char *winner = NULL;
    unsigned int max = 0;
    for (int k = 0; k < nt; k++) {
        if (t[k].votes > max) {
            max = t[k].votes;
            winner = t[k].id;
        }
    }
    /* Our own vote goes to the winner, or to us if there is none. */
    uint64_t leader_epoch;
    sds w = winner ? sdsNew(winner) : NULL;
    const char *myvote = sentinelVoteLeader(master, epoch,
                                            w ? w : sentinel.myid,
                                            &leader_epoch);
    sds result = NULL;
    if (myvote && leader_epoch == epoch) {
        int k;
        for (k = 0; k < nt; k++)
            if (!strcmp(t[k].id, myvote)) break;
        unsigned int votes = (k < nt ? t[k].votes : 0) + 1;
        if (votes > max) {
            max = votes;
            sdsFree(w);
            w = sdsNew(myvote);
        }
    }
    unsigned int needed = (unsigned int)(voters / 2 + 1);
    if (w && max >= needed && max >= master->quorum) result = sdsDup(w);
    sdsFree(w);
    zfree(t);
    return result;
}

/* ------------------------------------------------------------------ */
/* Failover                                                            */
/* ------------------------------------------------------------------ */

/* Sends REPLICAOF <host> <port> (NO ONE when <host> is NULL) in a
 * transaction with CONFIG REWRITE and a kill of the normal and pub/sub
 * clients, so that clients reconnect and learn the new topology. */
static int sentinelSendReplicaOf(sentinelInstance *ri, const char *host,
                                 int port) {
    char portstr[32];
    ll2string(portstr, sizeof(portstr), port);
    const char *h = host ? host : "NO";
    const char *p = host ? portstr : "ONE";
    if (sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "MULTI", NULL) != 0)
        return -1;
    (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "SLAVEOF", h, p,
                       NULL);
    (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "CONFIG",
                       "REWRITE", NULL);
    (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "CLIENT", "KILL",
                       "TYPE", "normal", NULL);
    (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "CLIENT", "KILL",
                       "TYPE", "pubsub", NULL);
    if (sentinelSend(&ri->cc, sentinelDiscardReplyCallback, "EXEC", NULL) != 0)
        return -1;
    ri->replicaof_sent_time = mstime();
    return 0;
}

static int sentinelStartFailoverIfNeeded(sentinelInstance *master) {
    if (!(master->flags & SRI_O_DOWN)) return 0;
    if (master->flags & SRI_FAILOVER_IN_PROGRESS) return 0;
    if (mstime() - master->failover_start_time < master->failover_timeout * 2) {
        if (master->failover_delay_logged != master->failover_start_time) {
            master->failover_delay_logged = master->failover_start_time;
            serverLog(LL_NOTICE, "Next failover delay: I will not start a "
                      "failover before %lld ms from now",
                      master->failover_timeout * 2 -
                          (mstime() - master->failover_start_time));
        }
        return 0;
    }
    master->failover_state = SENTINEL_FAILOVER_STATE_WAIT_START;
    master->flags |= SRI_FAILOVER_IN_PROGRESS;
    master->failover_epoch = ++sentinel.current_epoch;
    sentinelEvent(LL_WARNING, "+new-epoch", master, "%llu",
                  (unsigned long long)sentinel.current_epoch);
    sentinelEvent(LL_WARNING, "+try-failover", master, "%@");
    master->failover_start_time = mstime() + rand() % SENTINEL_MAX_DESYNC;
    master->failover_state_change_time = mstime();
    sentinelFlushConfig();
    return 1;
}

static int compareSlavesForPromotion(const void *a, const void *b) {
    sentinelInstance *sa = *(sentinelInstance **)a, *sb = *(sentinelInstance **)b;
    if (sa->slave_priority != sb->slave_priority)
        return sa->slave_priority - sb->slave_priority;
    if (sa->slave_repl_offset > sb->slave_repl_offset) return -1;
    if (sa->slave_repl_offset < sb->slave_repl_offset) return 1;
    const char *ra = sa->runid ? sa->runid : NULL;
    const char *rb = sb->runid ? sb->runid : NULL;
    if (!ra && !rb) return 0;
    if (!ra) return 1;
    if (!rb) return -1;
    return strcasecmp(ra, rb);
}

/* The best replica to promote, or NULL: reachable, recently refreshed,
 * priority not 0, not disconnected from its master for too long; then by
 * priority, offset and run id. */
static sentinelInstance *sentinelSelectSlave(sentinelInstance *master) {
    size_t n = listLength(master->slaves);
    if (n == 0) return NULL;
    sentinelInstance **cands = zmalloc(sizeof(*cands) * n);
    int nc = 0;
    mstime_t now = mstime();
    mstime_t max_master_down = master->down_after_period * 10;
    if (master->flags & SRI_S_DOWN) max_master_down += now - master->s_down_since_time;
    mstime_t info_validity = (master->flags & SRI_S_DOWN)
                                 ? SENTINEL_PING_PERIOD * 5
                                 : SENTINEL_INFO_PERIOD * 3;
    listIter it;
    listNode *ln;
    listGetIterator(master->slaves, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->flags & (SRI_S_DOWN | SRI_O_DOWN)) continue;
        if (!s->cc.connected) continue;
        if (now - s->last_avail_time > SENTINEL_PING_PERIOD * 5) continue;
        if (s->slave_priority == 0) continue;
        if (now - s->info_refresh > info_validity) continue;
        if (s->master_link_down_time > max_master_down) continue;
        cands[nc++] = s;
    }
    sentinelInstance *best = NULL;
    if (nc) {
        qsort(cands, (size_t)nc, sizeof(*cands), compareSlavesForPromotion);
        best = cands[0];
    }
    zfree(cands);
    return best;
}

static void sentinelAbortFailover(sentinelInstance *ri) {
    ri->flags &= ~(SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER);
    ri->failover_state = SENTINEL_FAILOVER_STATE_NONE;
    ri->failover_state_change_time = mstime();
    if (ri->promoted_slave) {
        ri->promoted_slave->flags &= ~SRI_PROMOTED;
        ri->promoted_slave = NULL;
    }
}

static void sentinelFailoverWaitStart(sentinelInstance *ri) {
    sds leader = sentinelGetLeader(ri, ri->failover_epoch);
    int isleader = leader && !strcasecmp(leader, sentinel.myid);
    sdsFree(leader);
    if (!isleader && !(ri->flags & SRI_FORCE_FAILOVER)) {
        mstime_t election_timeout = SENTINEL_ELECTION_TIMEOUT;
        if (election_timeout > ri->failover_timeout)
            election_timeout = ri->failover_timeout;
        if (mstime() - ri->failover_start_time > election_timeout) {
            sentinelEvent(LL_WARNING, "-failover-abort-not-elected", ri, "%@");
            sentinelAbortFailover(ri);
        }
        return;
    }
    sentinelEvent(LL_WARNING, "+elected-leader", ri, "%@");
    if (sentinel.simfailure_flags & SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION) {
        serverLog(LL_WARNING, "Simulated failure: crash after election");
        exit(99);
    }
    ri->failover_state = SENTINEL_FAILOVER_STATE_SELECT_SLAVE;
    ri->failover_state_change_time = mstime();
    sentinelEvent(LL_WARNING, "+failover-state-select-slave", ri, "%@");
}

static void sentinelFailoverSelectSlave(sentinelInstance *ri) {
    sentinelInstance *s = sentinelSelectSlave(ri);
    if (!s) {
        sentinelEvent(LL_WARNING, "-failover-abort-no-good-slave", ri, "%@");
        sentinelAbortFailover(ri);
        return;
    }
    sentinelEvent(LL_WARNING, "+selected-slave", s, "%@");
    s->flags |= SRI_PROMOTED;
    ri->promoted_slave = s;
    ri->failover_state = SENTINEL_FAILOVER_STATE_SEND_SLAVEOF_NOONE;
    ri->failover_state_change_time = mstime();
    sentinelEvent(LL_NOTICE, "+failover-state-send-slaveof-noone", s, "%@");
}

static void sentinelFailoverSendSlaveOfNoOne(sentinelInstance *ri) {
    sentinelInstance *p = ri->promoted_slave;
    if (!p->cc.connected) {
        if (mstime() - ri->failover_state_change_time > ri->failover_timeout) {
            sentinelEvent(LL_WARNING, "-failover-abort-slave-timeout", ri, "%@");
            sentinelAbortFailover(ri);
        }
        return;
    }
    if (sentinelSendReplicaOf(p, NULL, 0) != 0) return;
    sentinelEvent(LL_NOTICE, "+failover-state-wait-promotion", p, "%@");
    ri->failover_state = SENTINEL_FAILOVER_STATE_WAIT_PROMOTION;
    ri->failover_state_change_time = mstime();
}

static void sentinelFailoverWaitPromotion(sentinelInstance *ri) {
    if (mstime() - ri->failover_state_change_time > ri->failover_timeout) {
        sentinelEvent(LL_WARNING, "-failover-abort-slave-timeout", ri, "%@");
        sentinelAbortFailover(ri);
    }
}

static void sentinelFailoverDetectEnd(sentinelInstance *master) {
    int not_reconfigured = 0, timeout = 0;
    if (!master->promoted_slave ||
        (master->promoted_slave->flags & SRI_S_DOWN))
        return;
    listIter it;
    listNode *ln;
    listGetIterator(master->slaves, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->flags & (SRI_PROMOTED | SRI_RECONF_DONE)) continue;
        if (s->flags & SRI_S_DOWN) continue;
        not_reconfigured++;
    }
    if (mstime() - master->failover_state_change_time >
        master->failover_timeout) {
        not_reconfigured = 0;
        timeout = 1;
        sentinelEvent(LL_WARNING, "+failover-end-for-timeout", master, "%@");
    }
    if (not_reconfigured) return;
    sentinelEvent(LL_WARNING, "+failover-end", master, "%@");
    master->failover_state = SENTINEL_FAILOVER_STATE_UPDATE_CONFIG;
    master->failover_state_change_time = mstime();
    if (timeout) {
        /* Best effort for the replicas left behind. */
        listGetIterator(master->slaves, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *s = listNodeValue(ln);
            if (s->flags & (SRI_PROMOTED | SRI_RECONF_DONE | SRI_RECONF_SENT))
                continue;
            if (!s->cc.connected) continue;
            if (sentinelSendReplicaOf(s, announceAddr(master->promoted_slave),
                                      master->promoted_slave->port) == 0) {
                sentinelEvent(LL_NOTICE, "+slave-reconf-sent-be", s, "%@");
                s->flags |= SRI_RECONF_SENT;
            }
        }
    }
}

static void sentinelFailoverReconfNextSlave(sentinelInstance *master) {
    int in_progress = 0;
    listIter it;
    listNode *ln;
    listGetIterator(master->slaves, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG)) in_progress++;
    }
    listGetIterator(master->slaves, &it, AL_START_HEAD);
    while (in_progress < master->parallel_syncs && (ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->flags & (SRI_PROMOTED | SRI_RECONF_DONE)) continue;
        if ((s->flags & SRI_RECONF_SENT) &&
            mstime() - s->slave_reconf_sent_time > SENTINEL_SLAVE_RECONF_TIMEOUT) {
            sentinelEvent(LL_NOTICE, "-slave-reconf-sent-timeout", s, "%@");
            s->flags &= ~SRI_RECONF_SENT;
            s->flags |= SRI_RECONF_DONE;
        }
        if (s->flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG)) continue;
        if (!s->cc.connected) continue;
        if (sentinelSendReplicaOf(s, announceAddr(master->promoted_slave),
                                  master->promoted_slave->port) == 0) {
            s->flags |= SRI_RECONF_SENT;
            s->slave_reconf_sent_time = mstime();
            sentinelEvent(LL_NOTICE, "+slave-reconf-sent", s, "%@");
            in_progress++;
        }
    }
    sentinelFailoverDetectEnd(master);
}

/* The failover ended: the promoted replica becomes the master we
 * monitor. */
static void sentinelFailoverSwitchToPromotedSlave(sentinelInstance *master) {
    sentinelInstance *ref = master->promoted_slave;
    sentinelEvent(LL_WARNING, "+switch-master", master, "%s %s %d %s %d",
                  master->name, announceAddr(master), master->port,
                  announceAddr(ref), ref->port);
    sds host = sdsNew(ref->host);
    int port = ref->port;
    sentinelResetMasterAndChangeAddress(master, host, port);
    sdsFree(host);
}

static void sentinelFailoverStateMachine(sentinelInstance *ri) {
    if (!(ri->flags & SRI_FAILOVER_IN_PROGRESS)) return;
    switch (ri->failover_state) {
    case SENTINEL_FAILOVER_STATE_WAIT_START: sentinelFailoverWaitStart(ri); break;
    case SENTINEL_FAILOVER_STATE_SELECT_SLAVE:
        sentinelFailoverSelectSlave(ri);
        break;
    case SENTINEL_FAILOVER_STATE_SEND_SLAVEOF_NOONE:
        sentinelFailoverSendSlaveOfNoOne(ri);
        break;
    case SENTINEL_FAILOVER_STATE_WAIT_PROMOTION:
        sentinelFailoverWaitPromotion(ri);
        break;
    case SENTINEL_FAILOVER_STATE_RECONF_SLAVES:
        sentinelFailoverReconfNextSlave(ri);
        break;
    }
}

/* Forgets the replicas, the other sentinels and the failover state of
 * <ri> (SENTINEL RESET, a new master address). */
static void sentinelResetMaster(sentinelInstance *ri, int keep_sentinels) {
    while (listLength(ri->slaves)) {
        listNode *ln = listFirst(ri->slaves);
        sentinelInstance *s = listNodeValue(ln);
        listDelNode(ri->slaves, ln);
        sentinelReleaseInstance(s);
    }
    /* Kept sentinels must not carry opinions about the old address. */
    listIter kit;
    listNode *kln;
    listGetIterator(ri->sentinels, &kit, AL_START_HEAD);
    while ((kln = listNext(&kit))) {
        sentinelInstance *o = listNodeValue(kln);
        o->flags &= ~SRI_MASTER_DOWN;
        o->last_master_down_reply_time = 0;
    }
    while (!keep_sentinels && listLength(ri->sentinels)) {
        listNode *ln = listFirst(ri->sentinels);
        sentinelInstance *s = listNodeValue(ln);
        listDelNode(ri->sentinels, ln);
        sentinelReleaseInstance(s);
    }
    sentinelLinkClose(&ri->cc);
    sentinelLinkClose(&ri->pc);
    ri->cc.conn_time = 0;
    ri->pc.conn_time = 0;
    ri->flags &= SRI_MASTER;
    sdsFree(ri->leader);
    ri->leader = NULL;
    ri->failover_state = SENTINEL_FAILOVER_STATE_NONE;
    ri->failover_state_change_time = 0;
    ri->failover_start_time = 0;
    ri->promoted_slave = NULL;
    sdsFree(ri->runid);
    ri->runid = NULL;
    sdsFree(ri->slave_master_host);
    ri->slave_master_host = NULL;
    ri->act_ping_time = 0;
    ri->last_ping_time = 0;
    mstime_t now = mstime();
    ri->last_avail_time = now;
    ri->last_pong_time = now;
    ri->role_reported = SRI_MASTER;
    ri->role_reported_time = now;
    sdsFree(ri->info);
    ri->info = NULL;
}

/* ------------------------------------------------------------------ */
/* Timer                                                               */
/* ------------------------------------------------------------------ */

static void sentinelSendPeriodicCommands(sentinelInstance *ri) {
    mstime_t now = mstime();
    if (!ri->cc.connected) return;
    if ((ri->flags & SRI_SENTINEL) == 0 && ri->cc.npending >= SENTINEL_MAX_PENDING_COMMANDS)
        return;
    mstime_t info_period = SENTINEL_INFO_PERIOD;
    if ((ri->flags & SRI_SLAVE) &&
        ((ri->master->flags & (SRI_O_DOWN | SRI_FAILOVER_IN_PROGRESS)) ||
         ri->master_link_down_time != 0))
        info_period = 1000;
    mstime_t ping_period = ri->down_after_period < SENTINEL_PING_PERIOD
                               ? ri->down_after_period
                               : SENTINEL_PING_PERIOD;
    if (!(ri->flags & SRI_SENTINEL) &&
        (ri->info_refresh == 0 || now - ri->info_refresh > info_period))
        (void)sentinelSend(&ri->cc, sentinelInfoReplyCallback, "INFO", NULL);
    if (now - ri->last_pong_time > ping_period &&
        now - ri->last_ping_time > ping_period / 2) {
        if (sentinelSend(&ri->cc, sentinelPingReplyCallback, "PING", NULL) == 0) {
            ri->last_ping_time = now;
            if (ri->act_ping_time == 0) ri->act_ping_time = now;
        }
    }
    if (now - ri->last_pub_time > SENTINEL_PUBLISH_PERIOD) {
        if (ri->flags & SRI_SENTINEL) {
            /* Tell the sentinel about every master we share with it. */
            listIter mit;
            listNode *mln;
            listGetIterator(sentinel.masters, &mit, AL_START_HEAD);
            while ((mln = listNext(&mit))) {
                sentinelInstance *m = listNodeValue(mln);
                if (m == ri->master) {
                    char ip[NET_IP_STR_LEN];
                    int port;
                    if (sentinelAnnounceSelf(&ri->cc, ip, sizeof(ip), &port) != 0)
                        continue;
                    char payload[NET_IP_STR_LEN * 2 + 512];
                    snprintf(payload, sizeof(payload),
                             "%s,%d,%s,%llu,%s,%s,%d,%llu", ip, port,
                             sentinel.myid,
                             (unsigned long long)sentinel.current_epoch,
                             m->name,
                             announceAddr(sentinelCurrentMasterAddr(m)),
                             sentinelCurrentMasterAddr(m)->port,
                             (unsigned long long)m->config_epoch);
                    (void)sentinelSend(&ri->cc, sentinelDiscardReplyCallback,
                                       "PUBLISH", SENTINEL_HELLO_CHANNEL,
                                       payload, NULL);
                }
            }
            ri->last_pub_time = now;
        } else {
            (void)sentinelSendHello(ri);
        }
    }
}

static void sentinelHandleInstance(sentinelInstance *ri) {
    sentinelLinkReconnect(&ri->cc);
    if (!(ri->flags & SRI_SENTINEL)) sentinelLinkReconnect(&ri->pc);
    sentinelSendPeriodicCommands(ri);
    if (sentinel.tilt) {
        if (mstime() - sentinel.tilt_start_time < SENTINEL_TILT_PERIOD) return;
        sentinel.tilt = 0;
        sentinelEvent(LL_WARNING, "-tilt", NULL, "#tilt mode exited");
    }
    sentinelCheckSubjectivelyDown(ri);
    if (ri->flags & SRI_MASTER) {
        sentinelCheckObjectivelyDown(ri);
        if (sentinelStartFailoverIfNeeded(ri))
            sentinelAskMasterStateToOtherSentinels(ri, 1);
        sentinelFailoverStateMachine(ri);
        sentinelAskMasterStateToOtherSentinels(ri, 0);
    }
}

static void sentinelCheckTiltCondition(void) {
    mstime_t now = mstime();
    mstime_t delta = now - sentinel.previous_time;
    if (sentinel.previous_time && (delta < 0 || delta > SENTINEL_TILT_TRIGGER)) {
        sentinel.tilt = 1;
        sentinel.tilt_start_time = now;
        sentinelEvent(LL_WARNING, "+tilt", NULL, "#tilt mode entered");
    }
    sentinel.previous_time = now;
}

/* Runs every cron tick: links, periodic commands, detection, failovers,
 * scripts. */
static void sentinelTimer(void) {
    sentinelCollectGarbage();
    sentinelCheckTiltCondition();
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.masters, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *m = listNodeValue(ln);
        sentinelHandleInstance(m);
        listIter sit;
        listNode *sln;
        listGetIterator(m->slaves, &sit, AL_START_HEAD);
        while ((sln = listNext(&sit))) sentinelHandleInstance(listNodeValue(sln));
        listGetIterator(m->sentinels, &sit, AL_START_HEAD);
        while ((sln = listNext(&sit))) sentinelHandleInstance(listNodeValue(sln));
        if (m->failover_state == SENTINEL_FAILOVER_STATE_UPDATE_CONFIG)
            sentinelFailoverSwitchToPromotedSlave(m);
    }
    sentinelRunPendingScripts();
    sentinelCollectTerminatedScripts();
    sentinelKillTimedoutScripts();
    /* Desynchronise the sentinels a little, as Redis does. */
    server.hz = CONFIG_DEFAULT_HZ + rand() % CONFIG_DEFAULT_HZ;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static sds instanceFlagsString(sentinelInstance *ri) {
    static const struct {
        int flag;
        const char *name;
    } names[] = {{SRI_S_DOWN, "s_down"},
                 {SRI_O_DOWN, "o_down"},
                 {SRI_MASTER, "master"},
                 {SRI_SLAVE, "slave"},
                 {SRI_SENTINEL, "sentinel"},
                 {0, "disconnected"},
                 {SRI_MASTER_DOWN, "master_down"},
                 {SRI_FAILOVER_IN_PROGRESS, "failover_in_progress"},
                 {SRI_PROMOTED, "promoted"},
                 {SRI_RECONF_SENT, "reconf_sent"},
                 {SRI_RECONF_INPROG, "reconf_inprog"},
                 {SRI_RECONF_DONE, "reconf_done"},
                 {SRI_FORCE_FAILOVER, "force_failover"},
                 {SRI_SCRIPT_KILL_SENT, "script_kill_sent"}};
    sds s = sdsEmpty();
    for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
        int on = names[j].flag ? (ri->flags & names[j].flag) != 0
                               : linkDisconnected(ri);
        if (on) s = sdsCatPrintf(s, "%s,", names[j].name);
    }
    if (sdsLen(s)) sdsRange(s, 0, -2);
    return s;
}

static void addReplyField(client *c, const char *k, const char *v) {
    addReplyBulkCString(c, k);
    addReplyBulkCString(c, v);
}

static void addReplyFieldLL(client *c, const char *k, long long v) {
    addReplyBulkCString(c, k);
    addReplyBulkLongLong(c, v);
}

static void addReplySentinelInstance(client *c, sentinelInstance *ri) {
    mstime_t now = mstime();
    void *len = addReplyDeferredLen(c);
    long fields = 0;
    addReplyField(c, "name", ri->name);
    addReplyField(c, "ip", announceAddr(ri));
    addReplyFieldLL(c, "port", ri->port);
    addReplyField(c, "runid", ri->runid ? ri->runid : "");
    sds flags = instanceFlagsString(ri);
    addReplyField(c, "flags", flags);
    sdsFree(flags);
    addReplyFieldLL(c, "link-pending-commands", ri->cc.npending);
    addReplyFieldLL(c, "link-refcount", 1);
    /* As Redis 7.0: with no link, the wait for a reply counts from the
     * last time the instance answered. */
    addReplyFieldLL(c, "last-ping-sent",
                    ri->act_ping_time ? now - ri->act_ping_time
                    : ri->cc.connected ? 0
                                       : now - ri->last_avail_time);
    addReplyFieldLL(c, "last-ok-ping-reply", now - ri->last_avail_time);
    addReplyFieldLL(c, "last-ping-reply", now - ri->last_pong_time);
    fields += 10;
    if (ri->flags & SRI_S_DOWN) {
        addReplyFieldLL(c, "s-down-time", now - ri->s_down_since_time);
        fields++;
    }
    if (ri->flags & SRI_O_DOWN) {
        addReplyFieldLL(c, "o-down-time", now - ri->o_down_since_time);
        fields++;
    }
    addReplyFieldLL(c, "down-after-milliseconds", ri->down_after_period);
    fields++;
    if (ri->flags & (SRI_MASTER | SRI_SLAVE)) {
        addReplyFieldLL(c, "info-refresh",
                        ri->info_refresh ? now - ri->info_refresh : 0);
        addReplyField(c, "role-reported",
                      ri->role_reported == SRI_MASTER ? "master" : "slave");
        addReplyFieldLL(c, "role-reported-time", now - ri->role_reported_time);
        fields += 3;
    }
    if (ri->flags & SRI_MASTER) {
        addReplyFieldLL(c, "config-epoch", (long long)ri->config_epoch);
        addReplyFieldLL(c, "num-slaves", (long long)listLength(ri->slaves));
        addReplyFieldLL(c, "num-other-sentinels",
                        (long long)listLength(ri->sentinels));
        addReplyFieldLL(c, "quorum", ri->quorum);
        addReplyFieldLL(c, "failover-timeout", ri->failover_timeout);
        addReplyFieldLL(c, "parallel-syncs", ri->parallel_syncs);
        fields += 6;
        if (ri->notification_script) {
            addReplyField(c, "notification-script", ri->notification_script);
            fields++;
        }
        if (ri->client_reconfig_script) {
            addReplyField(c, "client-reconfig-script",
                          ri->client_reconfig_script);
            fields++;
        }
    }
    if (ri->flags & SRI_SLAVE) {
        addReplyFieldLL(c, "master-link-down-time", ri->master_link_down_time);
        addReplyField(c, "master-link-status",
                      ri->slave_master_link_status ? "ok" : "err");
        addReplyField(c, "master-host",
                      ri->slave_master_host ? ri->slave_master_host : "?");
        addReplyFieldLL(c, "master-port", ri->slave_master_port);
        addReplyFieldLL(c, "slave-priority", ri->slave_priority);
        addReplyFieldLL(c, "slave-repl-offset", (long long)ri->slave_repl_offset);
        addReplyFieldLL(c, "replica-announced", ri->replica_announced);
        fields += 7;
    }
    if (ri->flags & SRI_SENTINEL) {
        addReplyFieldLL(c, "last-hello-message", now - ri->last_hello_time);
        addReplyField(c, "voted-leader", ri->leader ? ri->leader : "?");
        addReplyFieldLL(c, "voted-leader-epoch", (long long)ri->leader_epoch);
        fields += 3;
    }
    setDeferredMapLen(c, len, fields);
}

static void addReplyInstanceList(client *c, list *l, int only_announced) {
    void *len = addReplyDeferredLen(c);
    long n = 0;
    listIter it;
    listNode *ln;
    listGetIterator(l, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *ri = listNodeValue(ln);
        if (only_announced && !ri->replica_announced) continue;
        addReplySentinelInstance(c, ri);
        n++;
    }
    setDeferredArrayLen(c, len, n);
}

static sentinelInstance *masterOrReply(client *c, robj *name) {
    sentinelInstance *ri = sentinelGetMasterByName(name->ptr);
    if (!ri) addReplyError(c, "No such master with that name");
    return ri;
}

/* Counts usable sentinels for <master>; 1 if the quorum and a majority
 * are reachable. Fills <reply> with the text CKQUORUM returns. */
static int sentinelIsQuorumReachable(sentinelInstance *master, int *usable) {
    int voters = (int)listLength(master->sentinels) + 1;
    *usable = 1;
    listIter it;
    listNode *ln;
    listGetIterator(master->sentinels, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *s = listNodeValue(ln);
        if (s->flags & (SRI_S_DOWN | SRI_O_DOWN)) continue;
        (*usable)++;
    }
    int result = 0;
    if ((unsigned)*usable < master->quorum) result |= 1;
    if (*usable < voters / 2 + 1) result |= 2;
    return result;
}

static const char *sentinelHelp[] = {
    "CKQUORUM <master-name>",
    "    Check if the current Sentinel configuration is able to reach the quorum",
    "    needed to failover a master and the majority needed to authorize the",
    "    failover.",
    "CONFIG SET <param> <value>",
    "    Set a global Sentinel configuration parameter (and tls-* directives).",
    "CONFIG GET <param>",
    "    Get global Sentinel configuration parameter.",
    "DEBUG [<param> <value> ...]",
    "    Show a list of configurable time parameters and their values (milliseconds).",
    "    Or update current configurable parameters values (one or more).",
    "GET-MASTER-ADDR-BY-NAME <master-name>",
    "    Return the ip and port number of the master with that name.",
    "FAILOVER <master-name>",
    "    Manually failover a master node without asking for agreement from other",
    "    Sentinels",
    "FLUSHCONFIG",
    "    Force Sentinel to rewrite its configuration on disk, including the current",
    "    Sentinel state.",
    "INFO-CACHE <master-name>",
    "    Return last cached INFO output from masters and all its replicas.",
    "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
    "    Check if the master specified by ip:port is down from current Sentinel's",
    "    point of view.",
    "MASTER <master-name>",
    "    Show the state and info of the specified master.",
    "MASTERS",
    "    Show a list of monitored masters and their state.",
    "MONITOR <name> <ip> <port> <quorum>",
    "    Start monitoring a new master with the specified name, ip, port and quorum.",
    "MYID",
    "    Return the ID of the Sentinel instance.",
    "PENDING-SCRIPTS",
    "    Get pending scripts information.",
    "REMOVE <master-name>",
    "    Remove master from Sentinel's monitor list.",
    "REPLICAS <master-name>",
    "    Show a list of replicas for this master and their state.",
    "RESET <pattern>",
    "    Reset masters for specific master name matching this pattern.",
    "SENTINELS <master-name>",
    "    Show a list of Sentinel instances for this master and their state.",
    "SET <master-name> <option> <value> [<option> <value> ...]",
    "    Set configuration parameters for certain masters.",
    "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
    "    Simulate a Sentinel crash.",
    NULL};

static void sentinelSetCommand(client *c) {
    sentinelInstance *ri = masterOrReply(c, c->argv[2]);
    if (!ri) return;
    if ((c->argc - 3) % 2 != 0 || c->argc < 5) {
        addReplyErrorArity(c);
        return;
    }
    int changes = 0;
    for (int j = 3; j < c->argc; j += 2) {
        const char *opt = c->argv[j]->ptr;
        const char *val = c->argv[j + 1]->ptr;
        long long ll;
        if (!strcasecmp(opt, "quorum")) {
            if (!string2ll(val, strlen(val), &ll) || ll <= 0) goto badfmt;
            ri->quorum = (unsigned)ll;
        } else if (!strcasecmp(opt, "down-after-milliseconds") ||
                   !strcasecmp(opt, "failover-timeout") ||
                   !strcasecmp(opt, "master-reboot-down-after-period")) {
            if (!string2ll(val, strlen(val), &ll) || ll < 0 ||
                (ll == 0 && strcasecmp(opt, "master-reboot-down-after-period")))
                goto badfmt;
            if (!strcasecmp(opt, "down-after-milliseconds")) {
                ri->down_after_period = ll;
                listIter it;
                listNode *ln;
                listGetIterator(ri->slaves, &it, AL_START_HEAD);
                while ((ln = listNext(&it)))
                    ((sentinelInstance *)listNodeValue(ln))->down_after_period = ll;
                listGetIterator(ri->sentinels, &it, AL_START_HEAD);
                while ((ln = listNext(&it)))
                    ((sentinelInstance *)listNodeValue(ln))->down_after_period = ll;
            } else if (!strcasecmp(opt, "failover-timeout")) {
                ri->failover_timeout = ll;
            } else {
                ri->master_reboot_down_after_period = ll;
            }
        } else if (!strcasecmp(opt, "parallel-syncs")) {
            if (!string2ll(val, strlen(val), &ll) || ll <= 0) goto badfmt;
            ri->parallel_syncs = (int)ll;
        } else if (!strcasecmp(opt, "notification-script") ||
                   !strcasecmp(opt, "client-reconfig-script")) {
            if (sentinel.deny_scripts_reconfig) {
                addReplyError(c, "Reconfiguration of scripts path is denied "
                                 "for security reasons. Check the "
                                 "deny-scripts-reconfig configuration "
                                 "directive in your Sentinel configuration");
                goto seterr;
            }
            if (strlen(val) && access(val, X_OK) == -1) {
                addReplyError(c, "Notification script seems non existing or "
                                 "non executable");
                goto seterr;
            }
            stringSet(!strcasecmp(opt, "notification-script")
                          ? &ri->notification_script
                          : &ri->client_reconfig_script,
                      val);
        } else if (!strcasecmp(opt, "auth-pass")) {
            redactClientArg(c, j + 1);
            stringSet(&ri->auth_pass, val);
        } else if (!strcasecmp(opt, "auth-user")) {
            stringSet(&ri->auth_user, val);
        } else if (!strcasecmp(opt, "rename-command")) {
            addReplyError(c, "rename-command is not supported by this "
                             "Sentinel");
            goto seterr;
        } else {
            addReplyErrorFormat(c, "Unknown option or number of arguments for "
                                   "SENTINEL SET '%s'", opt);
            goto seterr;
        }
        changes++;
        sentinelEvent(LL_WARNING, "+set", ri, "%@ %s %s", opt,
                      (!strcasecmp(opt, "auth-pass")) ? "******" : val);
    }
    sentinelFlushConfig();
    addReply(c, shared.ok);
    return;
badfmt:
    addReplyErrorFormat(c, "Invalid argument '%s' for SENTINEL SET '%s'",
                        (char *)c->argv[c->argc > 4 ? 4 : 3]->ptr,
                        (char *)c->argv[3]->ptr);
seterr:
    if (changes) sentinelFlushConfig();
}

#define SENTINEL_CONFIG_USAGE \
    "Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported."

static void sentinelConfigCommand(client *c) {
    if (c->argc < 4) {
        addReplyError(c, SENTINEL_CONFIG_USAGE);
        return;
    }
    const char *sub = c->argv[2]->ptr;
    if (!strcasecmp(sub, "get") && c->argc == 4) {
        const char *pat = c->argv[3]->ptr;
        if (!strncasecmp(pat, "tls-", 4)) {
            /* CONFIG GET's own table answers for the tls-* directives;
             * argv[2] is the pattern position it expects. */
            robj *saved = c->argv[2];
            c->argv[2] = c->argv[3];
            c->argc = 3;
            configGetCommand(c);
            c->argv[2] = saved;
            c->argc = 4;
            return;
        }
        void *len = addReplyDeferredLen(c);
        long n = 0;
#define CFGSTR(name, val)                                        \
    if (stringmatch(pat, name, 1)) {                             \
        addReplyField(c, name, val);                             \
        n++;                                                     \
    }
        CFGSTR("resolve-hostnames", sentinel.resolve_hostnames ? "yes" : "no");
        CFGSTR("announce-hostnames", sentinel.announce_hostnames ? "yes" : "no");
        CFGSTR("announce-ip", sentinel.announce_ip ? sentinel.announce_ip : "");
        if (stringmatch(pat, "announce-port", 1)) {
            addReplyFieldLL(c, "announce-port", sentinel.announce_port);
            n++;
        }
        CFGSTR("sentinel-user",
               sentinel.sentinel_auth_user ? sentinel.sentinel_auth_user : "");
        CFGSTR("sentinel-pass",
               sentinel.sentinel_auth_pass ? sentinel.sentinel_auth_pass : "");
#undef CFGSTR
        setDeferredMapLen(c, len, n);
        return;
    }
    if (!strcasecmp(sub, "set") && c->argc >= 5 && (c->argc - 3) % 2 == 0) {
        const char *name = c->argv[3]->ptr;
        const char *val = c->argv[4]->ptr;
        if (!strncasecmp(name, "tls-", 4)) {
            /* SENTINEL CONFIG SET tls-x v ... has CONFIG SET's layout:
             * pairs from argv[3]; CONFIG SET reads them from argv[2]. */
            robj **saved = c->argv;
            c->argv = saved + 1;
            c->argc--;
            configSetCommand(c);
            c->argv = saved;
            c->argc++;
            sentinelFlushConfig();
            return;
        }
        if (c->argc != 5) {
            addReplyError(c, SENTINEL_CONFIG_USAGE);
            return;
        }
        int yn = parseYesNo(val);
        int yesno = !strcasecmp(name, "resolve-hostnames") ||
                    !strcasecmp(name, "announce-hostnames");
        if (yesno && yn == -1) {
            addReplyErrorFormat(c, "Invalid value '%s' to SENTINEL CONFIG SET "
                                   "'%s'", val, name);
            return;
        }
        if (!strcasecmp(name, "resolve-hostnames") && yn != -1) {
            sentinel.resolve_hostnames = yn;
        } else if (!strcasecmp(name, "announce-hostnames") && yn != -1) {
            sentinel.announce_hostnames = yn;
        } else if (!strcasecmp(name, "announce-ip")) {
            stringSet(&sentinel.announce_ip, val);
        } else if (!strcasecmp(name, "announce-port")) {
            long long p;
            if (!string2ll(val, strlen(val), &p) || p < 0 || p > 65535) {
                addReplyErrorFormat(c, "Invalid value '%s' to SENTINEL CONFIG "
                                       "SET '%s'", val, name);
                return;
            }
            sentinel.announce_port = (int)p;
        } else if (!strcasecmp(name, "sentinel-user")) {
            stringSet(&sentinel.sentinel_auth_user, val);
        } else if (!strcasecmp(name, "sentinel-pass")) {
            stringSet(&sentinel.sentinel_auth_pass, val);
        } else {
            addReplyErrorFormat(c, "Invalid argument '%s' to SENTINEL CONFIG "
                                   "SET", name);
            return;
        }
        sentinelFlushConfig();
        addReply(c, shared.ok);
        return;
    }
    addReplyError(c, SENTINEL_CONFIG_USAGE);
}

/* Adds master <name> at <host>:<port> with <quorum> for SENTINEL MONITOR
 * and replies to <c>; <host> is resolved or known not to resolve. */
static void sentinelMonitorFinish(client *c, const char *name,
                                  const char *host, int port,
                                  unsigned int quorum) {
    sentinelInstance *ri =
        sentinelCreateInstance(name, SRI_MASTER, host, port, quorum, NULL);
    if (!ri) {
        addReplyError(c, errno == EBUSY ? "Duplicate master name."
                         : errno == EINVAL ? "Invalid port number."
                                           : "Invalid IP address or "
                                             "hostname specified");
        return;
    }
    sentinelFlushConfig();
    sentinelEvent(LL_WARNING, "+monitor", ri, "%@ quorum %u", ri->quorum);
    addReply(c, shared.ok);
}

static void sentinelMonitorOpFree(sentinelMonitorOp *op) {
    sdsFree(op->name);
    sdsFree(op->host);
    zfree(op);
}

/* The lookup of <host> ended: every MONITOR waiting for it is answered and
 * its client unblocked. */
static void sentinelMonitorResolved(const char *host) {
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.monitor_ops, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelMonitorOp *op = listNodeValue(ln);
        if (strcasecmp(op->host, host) != 0) continue;
        listDelNode(sentinel.monitor_ops, ln);
        char ip[NET_IP_STR_LEN];
        if (sentinelResolve(op->host, ip, sizeof(ip)) ==
            SENTINEL_RESOLVE_PENDING) {
            /* Cannot be: the answer was just stored. Fail rather than wait. */
            addReplyError(op->c, "Invalid IP address or hostname specified");
        } else {
            sentinelMonitorFinish(op->c, op->name, op->host, op->port,
                                  op->quorum);
        }
        client *c = op->c;
        sentinelMonitorOpFree(op);
        unblockClient(c);
    }
}

/* A client blocked in SENTINEL MONITOR is unblocked or freed: forget its
 * pending operation (the lookup itself goes on and feeds the cache). */
static void sentinelMonitorCleanup(client *c) {
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.monitor_ops, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelMonitorOp *op = listNodeValue(ln);
        if (op->c != c) continue;
        listDelNode(sentinel.monitor_ops, ln);
        sentinelMonitorOpFree(op);
    }
}

/* SENTINEL DEBUG: with no argument, the time parameters and their values
 * (a map of bulk strings, as Redis 7.0 replies); with <name> <ms> pairs,
 * sets each in turn (names in any case, values > 0). As in Redis, the
 * pairs before a bad one stay applied. The values are not persisted. */
static void sentinelDebugCommand(client *c) {
    if (c->argc == 2) {
        int n = 0;
        while (sentinelTimings[n].name) n++;
        addReplyMapLen(c, n);
        for (int j = 0; j < n; j++) {
            addReplyBulkCString(c, sentinelTimings[j].name);
            char buf[32];
            snprintf(buf, sizeof(buf), "%lld", sentinelTimings[j].value);
            addReplyBulkCString(c, buf);
        }
        return;
    }
    for (int j = 2; j < c->argc; j += 2) {
        const char *name = c->argv[j]->ptr;
        struct sentinelTiming *t = NULL;
        for (int k = 0; sentinelTimings[k].name; k++)
            if (!strcasecmp(sentinelTimings[k].name, name))
                t = &sentinelTimings[k];
        if (!t || j + 1 >= c->argc) {
            addReplyErrorFormat(c, "Unknown option or number of arguments for "
                                   "SENTINEL DEBUG '%s'", name);
            return;
        }
        const char *val = c->argv[j + 1]->ptr;
        long long ll;
        if (!string2ll(val, strlen(val), &ll) || ll <= 0) {
            addReplyErrorFormat(c, "Invalid argument '%s' for SENTINEL DEBUG "
                                   "'%s'", val, name);
            return;
        }
        t->value = ll;
    }
    addReply(c, shared.ok);
}

/* SENTINEL <subcommand> ...: every subcommand of Redis 7.0's Sentinel. */
void sentinelCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (!strcasecmp(sub, "help")) {
        addReplyHelp(c, sentinelHelp);
    } else if (!strcasecmp(sub, "masters")) {
        addReplyInstanceList(c, sentinel.masters, 0);
    } else if (!strcasecmp(sub, "master")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (ri) addReplySentinelInstance(c, ri);
    } else if (!strcasecmp(sub, "slaves") || !strcasecmp(sub, "replicas")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (ri) addReplyInstanceList(c, ri->slaves, 1);
    } else if (!strcasecmp(sub, "sentinels")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (ri) addReplyInstanceList(c, ri->sentinels, 0);
    } else if (!strcasecmp(sub, "myid")) {
        addReplyBulkCString(c, sentinel.myid);
    } else if (!strcasecmp(sub, "get-master-addr-by-name")) {
        sentinelInstance *ri = sentinelGetMasterByName(c->argv[2]->ptr);
        if (!ri) {
            addReplyNullArray(c);
            return;
        }
        sentinelInstance *addr = sentinelCurrentMasterAddr(ri);
        addReplyArrayLen(c, 2);
        addReplyBulkCString(c, announceAddr(addr));
        addReplyBulkLongLong(c, addr->port);
    } else if (!strcasecmp(sub, "is-master-down-by-addr")) {
        long long port, epoch;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &port, NULL) != C_OK ||
            getLongLongFromObjectOrReply(c, c->argv[4], &epoch, NULL) != C_OK)
            return;
        sentinelInstance *ri = NULL;
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.masters, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *m = listNodeValue(ln);
            if (m->port == port && (!strcasecmp(m->ip, c->argv[2]->ptr) ||
                                    !strcasecmp(m->host, c->argv[2]->ptr))) {
                ri = m;
                break;
            }
        }
        int down = !sentinel.tilt && ri && (ri->flags & SRI_S_DOWN);
        const char *leader = NULL;
        uint64_t leader_epoch = 0;
        if (ri && strcmp(c->argv[5]->ptr, "*") != 0)
            leader = sentinelVoteLeader(ri, (uint64_t)epoch, c->argv[5]->ptr,
                                        &leader_epoch);
        addReplyArrayLen(c, 3);
        addReply(c, down ? shared.cone : shared.czero);
        addReplyBulkCString(c, leader ? leader : "*");
        addReplyLongLong(c, (long long)leader_epoch);
    } else if (!strcasecmp(sub, "reset")) {
        int n = 0;
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.masters, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *m = listNodeValue(ln);
            if (stringmatch(c->argv[2]->ptr, m->name, 0)) {
                sentinelResetMaster(m, 0);
                sentinelEvent(LL_WARNING, "+reset-master", m, "%@");
                n++;
            }
        }
        if (n) sentinelFlushConfig();
        addReplyLongLong(c, n);
    } else if (!strcasecmp(sub, "failover")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (!ri) return;
        if (ri->flags & SRI_FAILOVER_IN_PROGRESS) {
            addReplyError(c, "-INPROG Failover already in progress");
            return;
        }
        if (sentinelSelectSlave(ri) == NULL) {
            addReplyError(c, "-NOGOODSLAVE No suitable replica to promote");
            return;
        }
        serverLog(LL_NOTICE, "Executing user requested FAILOVER of '%s'",
                  ri->name);
        ri->failover_state = SENTINEL_FAILOVER_STATE_WAIT_START;
        ri->flags |= SRI_FAILOVER_IN_PROGRESS | SRI_FORCE_FAILOVER;
        ri->failover_epoch = ++sentinel.current_epoch;
        sentinelEvent(LL_WARNING, "+new-epoch", ri, "%llu",
                      (unsigned long long)sentinel.current_epoch);
        sentinelEvent(LL_WARNING, "+try-failover", ri, "%@");
        ri->failover_start_time = mstime();
        ri->failover_state_change_time = mstime();
        sentinelFlushConfig();
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "ckquorum")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (!ri) return;
        int usable;
        int res = sentinelIsQuorumReachable(ri, &usable);
        if (res == 0) {
            addReplyStatusFormat(c, "OK %d usable Sentinels. Quorum and "
                                    "failover authorization can be reached",
                                 usable);
        } else {
            sds e = sdsCatPrintf(sdsEmpty(), "-NOQUORUM %d usable Sentinels. ",
                                 usable);
            if (res & 1) e = sdsCat(e, "Not enough available Sentinels to "
                                       "reach the specified quorum for this "
                                       "master");
            if (res & 2)
                e = sdsCat(e, (res & 1) ? ". Not enough available Sentinels to "
                                          "reach the majority and authorize a "
                                          "failover"
                                        : "Not enough available Sentinels to "
                                          "reach the majority and authorize a "
                                          "failover");
            addReplyErrorSds(c, e);
        }
    } else if (!strcasecmp(sub, "flushconfig")) {
        if (rewriteConfig(server.configfile, 1) == -1) {
            addReplyErrorFormat(c, "Failed to save config file: %s",
                                strerror(errno));
            return;
        }
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "monitor")) {
        long long quorum, port;
        if (getLongLongFromObjectOrReply(c, c->argv[5], &quorum,
                                         "Invalid quorum") != C_OK ||
            getLongLongFromObjectOrReply(c, c->argv[4], &port,
                                         "Invalid port") != C_OK)
            return;
        if (quorum <= 0) {
            addReplyError(c, "Quorum must be 1 or greater.");
            return;
        }
        if (!sentinel.resolve_hostnames && !connIsIpLiteral(c->argv[3]->ptr)) {
            addReplyError(c, "Invalid IP address or hostname specified");
            return;
        }
        /* Checked now rather than after a lookup, with the same texts. */
        if (sentinelGetMasterByName(c->argv[2]->ptr)) {
            addReplyError(c, "Duplicate master name.");
            return;
        }
        if (port < 0 || port > 65535) {
            addReplyError(c, "Invalid port number.");
            return;
        }
        char ip[NET_IP_STR_LEN];
        if (sentinelResolve(c->argv[3]->ptr, ip, sizeof(ip)) ==
            SENTINEL_RESOLVE_PENDING) {
            sentinelMonitorOp *op = zcalloc(sizeof(*op));
            op->c = c;
            op->name = sdsNew(c->argv[2]->ptr);
            op->host = sdsNew(c->argv[3]->ptr);
            op->port = (int)port;
            op->quorum = (unsigned)quorum;
            listAddNodeTail(sentinel.monitor_ops, op);
            blockForKeys(c, BLOCKED_RESOLVE, NULL, 0, 0);
            return;
        }
        sentinelMonitorFinish(c, c->argv[2]->ptr, c->argv[3]->ptr, (int)port,
                              (unsigned)quorum);
    } else if (!strcasecmp(sub, "remove")) {
        sentinelInstance *ri = masterOrReply(c, c->argv[2]);
        if (!ri) return;
        sentinelEvent(LL_WARNING, "-monitor", ri, "%@");
        sentinelRemoveFromList(sentinel.masters, ri);
        sentinelReleaseInstance(ri);
        sentinelFlushConfig();
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "set")) {
        sentinelSetCommand(c);
    } else if (!strcasecmp(sub, "config")) {
        sentinelConfigCommand(c);
    } else if (!strcasecmp(sub, "info-cache")) {
        void *len = addReplyDeferredLen(c);
        long n = 0;
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.masters, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelInstance *m = listNodeValue(ln);
            int want = c->argc == 2;
            for (int j = 2; j < c->argc && !want; j++)
                if (!strcmp(c->argv[j]->ptr, m->name)) want = 1;
            if (!want) continue;
            addReplyBulkCString(c, m->name);
            addReplyArrayLen(c, (long)listLength(m->slaves) + 1);
            addReplyArrayLen(c, 2);
            addReplyLongLong(c, m->info_refresh ? mstime() - m->info_refresh : 0);
            if (m->info) addReplyBulkCString(c, m->info);
            else addReplyNull(c);
            listIter sit;
            listNode *sln;
            listGetIterator(m->slaves, &sit, AL_START_HEAD);
            while ((sln = listNext(&sit))) {
                sentinelInstance *s = listNodeValue(sln);
                addReplyArrayLen(c, 2);
                addReplyLongLong(c, s->info_refresh ? mstime() - s->info_refresh : 0);
                if (s->info) addReplyBulkCString(c, s->info);
                else addReplyNull(c);
            }
            n++;
        }
        setDeferredMapLen(c, len, n);
    } else if (!strcasecmp(sub, "simulate-failure")) {
        sentinel.simfailure_flags = 0;
        for (int j = 2; j < c->argc; j++) {
            if (!strcasecmp(c->argv[j]->ptr, "crash-after-election")) {
                sentinel.simfailure_flags |= SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION;
                serverLog(LL_WARNING, "Failure simulation: this Sentinel will "
                          "crash after being successfully elected as failover "
                          "leader");
            } else if (!strcasecmp(c->argv[j]->ptr, "crash-after-promotion")) {
                sentinel.simfailure_flags |= SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION;
                serverLog(LL_WARNING, "Failure simulation: this Sentinel will "
                          "crash after promoting the selected replica to "
                          "master");
            } else if (!strcasecmp(c->argv[j]->ptr, "help")) {
                addReplyArrayLen(c, 2);
                addReplyBulkCString(c, "crash-after-election");
                addReplyBulkCString(c, "crash-after-promotion");
                return;
            } else {
                addReplyError(c, "Unknown failure simulation specified");
                return;
            }
        }
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "pending-scripts")) {
        addReplyArrayLen(c, (long)listLength(sentinel.scripts_queue));
        listIter it;
        listNode *ln;
        listGetIterator(sentinel.scripts_queue, &it, AL_START_HEAD);
        while ((ln = listNext(&it))) {
            sentinelScriptJob *sj = listNodeValue(ln);
            addReplyMapLen(c, 5);
            addReplyBulkCString(c, "argv");
            int argc = 0;
            while (sj->argv[argc]) argc++;
            addReplyArrayLen(c, argc);
            for (int j = 0; j < argc; j++) addReplyBulkCString(c, sj->argv[j]);
            addReplyField(c, "flags", sj->pid ? "running" : "scheduled");
            addReplyFieldLL(c, "pid", sj->pid);
            if (sj->pid) {
                addReplyFieldLL(c, "run-time", mstime() - sj->start_time);
            } else {
                mstime_t delay = sj->start_time ? sj->start_time - mstime() : 0;
                addReplyFieldLL(c, "run-delay", delay < 0 ? 0 : delay);
            }
            addReplyFieldLL(c, "retry-num", sj->retry_num);
        }
    } else if (!strcasecmp(sub, "debug")) {
        sentinelDebugCommand(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* INFO in sentinel mode: server, clients, cpu, stats and sentinel. */
void sentinelInfoCommand(client *c) {
    static const char *allowed[] = {"server", "clients", "cpu", "stats",
                                    "sentinel", NULL};
    sds names[8];
    int n = 0;
    int dflt = c->argc == 1;
    for (int j = 1; j < c->argc; j++) {
        const char *s = c->argv[j]->ptr;
        if (!strcasecmp(s, "all") || !strcasecmp(s, "default") ||
            !strcasecmp(s, "everything"))
            dflt = 1;
    }
    for (int k = 0; allowed[k] && n < 8; k++) {
        int want = dflt;
        for (int j = 1; j < c->argc && !want; j++)
            if (!strcasecmp(c->argv[j]->ptr, allowed[k])) want = 1;
        if (want) names[n++] = sdsNew(allowed[k]);
    }
    sds info = n ? genInfoString(names, n) : sdsEmpty();
    for (int j = 0; j < n; j++) sdsFree(names[j]);
    addReplyVerbatim(c, info, sdsLen(info), "txt");
    sdsFree(info);
}

static sds genSentinelSection(sds info) {
    info = sdsCatPrintf(info,
                        "# Sentinel\r\n"
                        "sentinel_masters:%lu\r\n"
                        "sentinel_tilt:%d\r\n"
                        "sentinel_tilt_since_seconds:%lld\r\n"
                        "sentinel_running_scripts:%d\r\n"
                        "sentinel_scripts_queue_length:%lu\r\n"
                        "sentinel_simulate_failure_flags:%lu\r\n",
                        listLength(sentinel.masters), sentinel.tilt,
                        sentinel.tilt
                            ? (mstime() - sentinel.tilt_start_time) / 1000
                            : -1LL,
                        sentinel.running_scripts,
                        listLength(sentinel.scripts_queue),
                        sentinel.simfailure_flags);
    int j = 0;
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.masters, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *m = listNodeValue(ln);
        const char *status = (m->flags & SRI_O_DOWN)   ? "odown"
                             : (m->flags & SRI_S_DOWN) ? "sdown"
                                                       : "ok";
        info = sdsCatPrintf(info,
                            "master%d:name=%s,status=%s,address=%s:%d,"
                            "slaves=%lu,sentinels=%lu\r\n",
                            j++, m->name, status, announceAddr(m), m->port,
                            listLength(m->slaves),
                            listLength(m->sentinels) + 1);
    }
    return info;
}

/* ROLE in sentinel mode: "sentinel" and the names of the masters. */
void sentinelRoleCommand(client *c) {
    addReplyArrayLen(c, 2);
    addReplyBulkCString(c, "sentinel");
    addReplyArrayLen(c, (long)listLength(sentinel.masters));
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.masters, &it, AL_START_HEAD);
    while ((ln = listNext(&it)))
        addReplyBulkCString(c, ((sentinelInstance *)listNodeValue(ln))->name);
}

/* PUBLISH in sentinel mode: only the hello channel, whose messages are
 * processed as if received from a pub/sub link. */
void sentinelPublishCommand(client *c) {
    if (strcmp(c->argv[1]->ptr, SENTINEL_HELLO_CHANNEL) != 0) {
        addReplyError(c, "Only HELLO messages are accepted by Sentinel "
                         "instances.");
        return;
    }
    sentinelProcessHelloMessage(c->argv[2]->ptr, sdsLen(c->argv[2]->ptr));
    addReplyLongLong(c, 1);
}

/* ------------------------------------------------------------------ */
/* Start-up                                                            */
/* ------------------------------------------------------------------ */

#define SCMD(n, ar, fl)                                                      \
    {.declared_name = n, .proc = sentinelCommand, .arity = ar,               \
     .flags = CMD_ADMIN | CMD_SENTINEL | CMD_ONLY_SENTINEL | (fl),           \
     .acl_categories = ACL_CATEGORY_ADMIN | ACL_CATEGORY_SLOW |              \
                       ACL_CATEGORY_DANGEROUS,                               \
     .group = "sentinel", .since = "2.8.4", .summary = "Sentinel subcommand"}

static struct redisCommand sentinelSubcommands[] = {
    SCMD("ckquorum", 3, 0),
    SCMD("config", -3, 0),
    SCMD("debug", -2, 0),
    SCMD("failover", 3, 0),
    SCMD("flushconfig", 2, 0),
    SCMD("get-master-addr-by-name", 3, 0),
    SCMD("help", 2, CMD_LOADING | CMD_STALE),
    SCMD("info-cache", -3, 0),
    SCMD("is-master-down-by-addr", 6, 0),
    SCMD("master", 3, 0),
    SCMD("masters", 2, 0),
    SCMD("monitor", 6, 0),
    SCMD("myid", 2, 0),
    SCMD("pending-scripts", 2, 0),
    SCMD("remove", 3, 0),
    SCMD("replicas", 3, 0),
    SCMD("reset", 3, 0),
    SCMD("sentinels", 3, 0),
    SCMD("set", -3, 0),
    SCMD("simulate-failure", -3, 0),
    SCMD("slaves", 3, 0),
    {.declared_name = NULL}};

static struct redisCommand sentinelOwnCommands[] = {
    {.declared_name = "sentinel", .proc = NULL, .arity = -2,
     .flags = CMD_ADMIN | CMD_SENTINEL | CMD_ONLY_SENTINEL,
     .acl_categories = ACL_CATEGORY_ADMIN | ACL_CATEGORY_SLOW |
                       ACL_CATEGORY_DANGEROUS,
     .group = "sentinel", .since = "2.8.4",
     .summary = "A container for Redis Sentinel commands",
     .subcommands = sentinelSubcommands},
    {.declared_name = "role", .proc = sentinelRoleCommand, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST |
              CMD_SENTINEL,
     .acl_categories = ACL_CATEGORY_ADMIN | ACL_CATEGORY_FAST |
                       ACL_CATEGORY_DANGEROUS,
     .group = "server", .since = "2.8.12",
     .summary = "Returns the replication role."},
    {.declared_name = NULL}};

void sentinelInit(void) {
    memset(&sentinel, 0, sizeof(sentinel));
    sentinel.masters = listCreate();
    sentinel.garbage = listCreate();
    sentinel.scripts_queue = listCreate();
    sentinel.resolved = listCreate();
    sentinel.monitor_ops = listCreate();
    registerBlockedCleanupProc(BLOCKED_RESOLVE, sentinelMonitorCleanup);
    sentinel.deny_scripts_reconfig = 1;
    sentinel.loading = 1;
    server.port = SENTINEL_DEFAULT_PORT;
    server.protected_mode = 0;
    /* Only the commands Sentinel serves stay; INFO and PUBLISH change. */
    static const char *keep[] = {"ping",        "auth",    "hello",
                                 "client",      "command", "info",
                                 "subscribe",   "unsubscribe",
                                 "psubscribe",  "punsubscribe", "publish",
                                 "shutdown",    "acl",     NULL};
    dictIterator *di = dictGetSafeIterator(server.commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *cmd = dictGetVal(de);
        int k;
        for (k = 0; keep[k]; k++)
            if (!strcasecmp(cmd->declared_name, keep[k])) break;
        if (!keep[k]) {
            dictDelete(server.commands, dictGetKey(de));
            continue;
        }
        if (!strcasecmp(cmd->declared_name, "info"))
            cmd->proc = sentinelInfoCommand;
        if (!strcasecmp(cmd->declared_name, "publish"))
            cmd->proc = sentinelPublishCommand;
        cmd->flags |= CMD_SENTINEL;
    }
    dictReleaseIterator(di);
    for (struct redisCommand *cmd = sentinelOwnCommands; cmd->declared_name;
         cmd++)
        registerExtraCommand(cmd);
}

void sentinelCheckConfigFile(void) {
    sentinel.loading = 0;
    if (server.configfile == NULL) {
        serverLog(LL_WARNING, "Sentinel needs config file on disk to save "
                              "state. Exiting...");
        exit(1);
    }
    if (access(server.configfile, W_OK) == -1) {
        serverLog(LL_WARNING, "Sentinel config file %s is not writable: %s. "
                  "Exiting...", server.configfile, strerror(errno));
        exit(1);
    }
}

void sentinelStart(void) {
    int fresh = 0;
    for (int j = 0; j < CONFIG_RUN_ID_SIZE; j++)
        if (sentinel.myid[j] != 0) {
            fresh = -1;
            break;
        }
    if (fresh == 0) {
        getRandomHexChars(sentinel.myid, CONFIG_RUN_ID_SIZE);
        sentinel.myid[CONFIG_RUN_ID_SIZE] = '\0';
    }
    sentinel.started = 1;
    sentinelFlushConfig();
    serverLog(LL_WARNING, "Sentinel ID is %s", sentinel.myid);
    listIter it;
    listNode *ln;
    listGetIterator(sentinel.masters, &it, AL_START_HEAD);
    while ((ln = listNext(&it))) {
        sentinelInstance *m = listNodeValue(ln);
        sentinelEvent(LL_WARNING, "+monitor", m, "%@ quorum %u", m->quorum);
    }
    registerInfoSection("sentinel", 1, genSentinelSection);
    registerCronHook(sentinelTimer);
}
