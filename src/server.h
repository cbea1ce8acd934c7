/* server.h: the shared vocabulary of the protocol, data and server layers:
 * objects, databases, clients, commands, and the global server state.
 *
 * Leaf modules (ae, anet, sds, dict, adlist, util, resp, connection, socket,
 * tls) never include this file. */
#ifndef SERVER_H
#define SERVER_H

#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "adlist.h"
#include "ae.h"
#include "anet.h"
#include "connection.h"
#include "dict.h"
#include "resp.h"
#include "sds.h"
#include "util.h"
#include "zmalloc.h"

#define REDIS_VERSION "7.0.15"
#define REDIS_VERSION_NUM 0x0007000f
#define SERVER_NAME "redis"

#define C_OK 0
#define C_ERR -1
#define WARN_UNUSED __attribute__((warn_unused_result))
#define UNUSED(x) (void)(x)

/* Log levels. */
#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
#define LL_RAW (1 << 10)
#define LOG_MAX_LEN 1024

/* Defaults and limits. */
#define CONFIG_DEFAULT_HZ 10
#define CONFIG_MIN_HZ 1
#define CONFIG_MAX_HZ 500
#define CONFIG_DEFAULT_SERVER_PORT 6379
#define CONFIG_DEFAULT_MAX_CLIENTS 10000
#define CONFIG_MIN_RESERVED_FDS 32
#define CONFIG_FDSET_INCR (CONFIG_MIN_RESERVED_FDS + 96)
#define CONFIG_BINDADDR_MAX 16
#define CONFIG_RUN_ID_SIZE 40
#define PROTO_IOBUF_LEN (1024 * 16)     /* read chunk */
#define PROTO_REPLY_CHUNK_BYTES (16 * 1024)
#define PROTO_MBULK_BIG_ARG (1024 * 32)
#define PROTO_INLINE_MAX_SIZE (1024 * 64)
#define PROTO_SHARED_SELECT_CMDS 10
#define OBJ_SHARED_INTEGERS 10000
#define OBJ_SHARED_BULKHDR_LEN 32
#define LONG_STR_SIZE 21
#define NET_MAX_WRITES_PER_EVENT (1024 * 64)
#define ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP 20
#define ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC 25
#define ACTIVE_EXPIRE_CYCLE_FAST_DURATION 1000 /* us */

/* Object types (the RDB type ids differ; see rdb.h). */
#define OBJ_STRING 0
#define OBJ_LIST 1
#define OBJ_SET 2
#define OBJ_ZSET 3
#define OBJ_HASH 4
#define OBJ_MODULE 5
#define OBJ_STREAM 6

/* Object encodings, as OBJECT ENCODING names them. */
#define OBJ_ENCODING_RAW 0        /* "raw": sds */
#define OBJ_ENCODING_INT 1        /* "int": long in ptr */
#define OBJ_ENCODING_HT 2         /* "hashtable": dict */
#define OBJ_ENCODING_ZIPMAP 3
#define OBJ_ENCODING_LINKEDLIST 4
#define OBJ_ENCODING_ZIPLIST 5
#define OBJ_ENCODING_INTSET 6     /* "intset" */
#define OBJ_ENCODING_SKIPLIST 7   /* "skiplist": zset */
#define OBJ_ENCODING_EMBSTR 8     /* "embstr": sds in the object's allocation */
#define OBJ_ENCODING_QUICKLIST 9  /* "quicklist" */
#define OBJ_ENCODING_STREAM 10
#define OBJ_ENCODING_LISTPACK 11  /* "listpack" */

#define LRU_BITS 24
#define LRU_CLOCK_MAX ((1 << LRU_BITS) - 1)
#define LRU_CLOCK_RESOLUTION 1000 /* ms */
#define OBJ_SHARED_REFCOUNT INT_MAX
#define OBJ_STATIC_REFCOUNT (INT_MAX - 1)
#define OBJ_ENCODING_EMBSTR_SIZE_LIMIT 44

typedef struct redisObject {
    unsigned type : 4;
    unsigned encoding : 4;
    unsigned lru : LRU_BITS; /* LRU clock, or LFU data (minutes<<8 | counter) */
    int refcount;
    void *ptr;
} robj;

/* Databases. */
typedef struct redisDb {
    dict *dict;          /* key (sds) -> robj */
    dict *expires;       /* key (the same sds as in dict) -> ms (s64) */
    dict *blocking_keys; /* keys with clients blocked on them -> list */
    dict *ready_keys;
    dict *watched_keys;  /* key -> list of clients WATCHing it */
    int id;
    long long avg_ttl;
    unsigned long expires_cursor;
} redisDb;

/* Client flags. */
#define CLIENT_SLAVE (1 << 0)
#define CLIENT_MASTER (1 << 1)
#define CLIENT_MONITOR (1 << 2)
#define CLIENT_MULTI (1 << 3)
#define CLIENT_BLOCKED (1 << 4)
#define CLIENT_DIRTY_CAS (1 << 5)
#define CLIENT_CLOSE_AFTER_REPLY (1 << 6)
#define CLIENT_UNBLOCKED (1 << 7)
#define CLIENT_SCRIPT (1 << 8)
#define CLIENT_ASKING (1 << 9)
#define CLIENT_CLOSE_ASAP (1 << 10)
#define CLIENT_UNIX_SOCKET (1 << 11)
#define CLIENT_DIRTY_EXEC (1 << 12)
#define CLIENT_MASTER_FORCE_REPLY (1 << 13)
#define CLIENT_FORCE_AOF (1 << 14)
#define CLIENT_FORCE_REPL (1 << 15)
#define CLIENT_PRE_PSYNC (1 << 16)
#define CLIENT_READONLY (1 << 17)
#define CLIENT_PUBSUB (1 << 18)
#define CLIENT_PREVENT_AOF_PROP (1 << 19)
#define CLIENT_PREVENT_REPL_PROP (1 << 20)
#define CLIENT_PENDING_WRITE (1 << 21)
#define CLIENT_REPLY_OFF (1 << 22)
#define CLIENT_REPLY_SKIP_NEXT (1 << 23)
#define CLIENT_REPLY_SKIP (1 << 24)
#define CLIENT_LUA_DEBUG (1 << 25)
#define CLIENT_PROTECTED (1 << 26)
#define CLIENT_NO_EVICT (1 << 27)
#define CLIENT_IN_TO_TABLE (1 << 28)
#define CLIENT_NO_TOUCH (1 << 29)
#define CLIENT_PENDING_COMMAND (1 << 30)
#define CLIENT_EXECUTING_COMMAND (1ULL << 31)
#define CLIENT_AUTHENTICATED (1ULL << 32)
#define CLIENT_PROTOCOL_ERROR (1ULL << 33)
#define CLIENT_REJECT_MAXCLIENTS (1ULL << 34) /* over maxclients when accepted:
                                               * answered and closed once
                                               * its handshake is done */
/* Client-side caching (tracking.c). */
#define CLIENT_TRACKING (1ULL << 35)              /* CLIENT TRACKING on */
#define CLIENT_TRACKING_BROKEN_REDIR (1ULL << 36) /* redirect target gone */
#define CLIENT_TRACKING_BCAST (1ULL << 37)
#define CLIENT_TRACKING_OPTIN (1ULL << 38)
#define CLIENT_TRACKING_OPTOUT (1ULL << 39)
#define CLIENT_TRACKING_CACHING (1ULL << 40) /* CLIENT CACHING yes/no given */
#define CLIENT_TRACKING_NOLOOP (1ULL << 41)
#define CLIENT_PUSHING (1ULL << 42) /* a push message goes out even under
                                     * CLIENT REPLY OFF/SKIP */
#define CLIENT_LUA_DEBUG_SYNC (1ULL << 43) /* SCRIPT DEBUG SYNC (with
                                           * CLIENT_LUA_DEBUG) */

/* Client types for output buffer limits and CLIENT LIST/KILL TYPE. */
#define CLIENT_TYPE_NORMAL 0
#define CLIENT_TYPE_SLAVE 1
#define CLIENT_TYPE_PUBSUB 2
#define CLIENT_TYPE_MASTER 3
#define CLIENT_TYPE_COUNT 4
#define CLIENT_TYPE_OBUF_COUNT 3

/* Where a replica client (master side) is in its sync (c->replstate). */
#define SLAVE_STATE_WAIT_BGSAVE_START 6 /* waits for a BGSAVE to start */
#define SLAVE_STATE_WAIT_BGSAVE_END 7   /* its snapshot is being written */
#define SLAVE_STATE_SEND_BULK 8         /* the RDB is being sent */
#define SLAVE_STATE_ONLINE 9            /* the command stream flows */

/* Why a client is blocked. */
#define BLOCKED_NONE 0
#define BLOCKED_LIST 1
#define BLOCKED_WAIT 2
#define BLOCKED_MODULE 3
#define BLOCKED_STREAM 4
#define BLOCKED_ZSET 5
#define BLOCKED_POSTPONE 6
#define BLOCKED_PAUSE 7
#define BLOCKED_MIGRATE 8 /* MIGRATE waiting for its target */
#define BLOCKED_SHUTDOWN 9 /* SHUTDOWN waiting for replicas to catch up */
#define BLOCKED_RESOLVE 10 /* SENTINEL MONITOR waiting for a host name */
#define BLOCKED_NUM 11

/* A chunk of reply bytes. Bytes in [0, used) are the reply; a block being
 * written has its first sentlen bytes already on the wire. */
typedef struct clientReplyBlock {
    size_t size, used;
    char buf[];
} clientReplyBlock;

/* A block of the replication stream, shared by the backlog and every
 * replica (replication.c appends and frees them; networking.c writes them
 * to replicas). Its bytes [0, used) are the stream's bytes from offset
 * <off>; <refs> counts the replicas whose next byte to send is in it. */
typedef struct replBufBlock {
    long long off;
    size_t size, used;
    int refs;
    char buf[];
} replBufBlock;

typedef struct clientBufferLimitsConfig {
    unsigned long long hard_limit_bytes;
    unsigned long long soft_limit_bytes;
    time_t soft_limit_seconds;
} clientBufferLimitsConfig;

/* State of a client blocked on keys (filled by blocking commands). */
typedef struct blockingState {
    long long timeout;     /* absolute ms, 0 = forever */
    long timeout_slot;     /* 1 + index in blocked.c's time-out heap, 0 if
                              not in it */
    struct redisDb *db;    /* where the keys are */
    dict *keys;            /* keys the client waits on (robj -> NULL) */
    void *target;          /* destination key for BLMOVE and friends */
    int blocktype_arg;     /* command-specific data */
    void *priv;            /* command-specific data */
} blockingState;

typedef struct multiCmd {
    robj **argv;
    int argc;
    struct redisCommand *cmd;
} multiCmd;

typedef struct multiState {
    multiCmd *commands;
    int count;
    int cmd_flags;         /* union of the queued commands' flags */
    int cmd_inv_flags;
    size_t argv_len_sums;
} multiState;

struct redisCommand;

typedef struct client {
    uint64_t id;
    uint64_t flags;          /* CLIENT_* */
    connection *conn;        /* NULL for fake clients (AOF loading, scripts) */
    int resp;                /* 2 or 3 */
    redisDb *db;
    robj *name;              /* CLIENT SETNAME, or NULL */
    sds querybuf;            /* bytes read and not yet parsed; may be NULL */
    size_t qb_pos;           /* parsed up to here */
    size_t querybuf_peak;
    respParser parser;
    int argc;
    int argv_len;
    robj **argv;
    size_t argv_len_sum;
    /* The command as received, kept by call() when the command rewrites
     * its vector for propagation (the slow log and MONITOR show it). */
    robj **original_argv;
    int original_argc;
    /* A master client's bytes of a command that came in several reads,
     * gathered as parsed (forwarded to our replicas once it ran). */
    sds master_raw;
    /* Arguments that the slow log and MONITOR show as "(redacted)":
     * indexes below 64 by bit, and every index from redact_from (if not
     * 0) on. Set by the command (redactClientArg), applied by call(). */
    uint64_t redact_mask;
    int redact_from;
    struct redisCommand *cmd, *lastcmd;
    list *reply;             /* of clientReplyBlock; empty when all sent */
    unsigned long long reply_bytes; /* bytes held in reply blocks */
    size_t sentlen;          /* bytes of the first block already sent */
    time_t ctime;            /* creation, seconds */
    time_t lastinteraction;  /* seconds, for the timeout directive */
    time_t obuf_soft_limit_reached_time;
    int authenticated;
    struct user *user;       /* ACL user (acl.c); NULL: the server itself,
                              * allowed everything */
    int btype;               /* BLOCKED_* */
    blockingState bpop;
    multiState mstate;
    list *watched_keys;
    dict *pubsub_channels;   /* channel -> NULL */
    dict *pubsub_patterns;   /* pattern -> NULL */
    dict *pubsub_shard_channels;
    sds peerid;              /* "ip:port" cached, or NULL */
    sds sockname;
    listNode *client_list_node;  /* in server.clients */
    listNode *pending_write_node; /* in server.clients_pending_write */
    listNode *unblocked_node;
    long long commands_processed;
    long long last_io_ms;    /* last read or write, for releasing buffers */
    /* Replication (replica side of a master client, or master side of a
     * replica client); used by replication.c. */
    int replstate;
    int slave_listening_port;
    char *slave_addr;
    int slave_capa;
    long long reploff, read_reploff, repl_ack_off, repl_ack_time;
    long long psync_initial_offset;
    char replid[CONFIG_RUN_ID_SIZE + 1];
    void *repl_priv;         /* replication.c's per-client state */
    /* A replica's place in the shared stream: the list node of the block
     * holding its next byte, and that byte's index in the block. */
    listNode *repl_ref;
    size_t repl_ref_pos;
    /* Client-side caching (tracking.c). */
    uint64_t client_tracking_redirection; /* client id, 0 for none */
    dict *client_tracking_prefixes;       /* BCAST prefixes (sds -> NULL) */
} client;

/* Shared objects created at start-up. */
struct sharedObjectsStruct {
    robj *crlf, *ok, *err, *emptybulk, *czero, *cone, *pong, *space, *queued,
        *null[4], *nullarray[4], *emptymap[4], *emptyset[4], *emptyarray,
        *wrongtypeerr, *nokeyerr, *syntaxerr, *sameobjecterr, *outofrangeerr,
        *noscripterr, *loadingerr, *slowevalerr, *slowscripterr,
        *bgsaveerr, *execaborterr, *noautherr, *noreplicaserr, *busykeyerr,
        *oomerr, *plus, *messagebulk, *pmessagebulk, *subscribebulk,
        *unsubscribebulk, *psubscribebulk, *punsubscribebulk,
        *ssubscribebulk, *sunsubscribebulk, *smessagebulk, *del, *unlink,
        *rpop, *lpop, *lpush, *rpoplpush, *lmove, *blmove, *zpopmin, *zpopmax,
        *emptyscan, *multi, *exec, *left, *right, *hset, *srem, *xgroup,
        *xclaim, *script, *replconf, *eval, *persist, *set, *pexpireat,
        *pexpire, *time, *pxat, *absttl, *retrycount, *force, *justid,
        *entriesread, *lastid, *ping, *setid, *keepttl, *load, *createconsumer,
        *getack, *special_asterick, *special_equals, *default_username,
        *redacted, *ssubscribe, *sunsubscribe, *maxstring,
        *select[PROTO_SHARED_SELECT_CMDS],
        *integers[OBJ_SHARED_INTEGERS],
        *mbulkhdr[OBJ_SHARED_BULKHDR_LEN], /* "*<n>\r\n" */
        *bulkhdr[OBJ_SHARED_BULKHDR_LEN],  /* "$<n>\r\n" */
        *maphdr[OBJ_SHARED_BULKHDR_LEN],   /* "%<n>\r\n" */
        *sethdr[OBJ_SHARED_BULKHDR_LEN];   /* "~<n>\r\n" */
};
extern struct sharedObjectsStruct shared;

/* Command flags (COMMAND INFO shows them by name). */
#define CMD_WRITE (1ULL << 0)
#define CMD_READONLY (1ULL << 1)
#define CMD_DENYOOM (1ULL << 2)
#define CMD_MODULE (1ULL << 3)
#define CMD_ADMIN (1ULL << 4)
#define CMD_PUBSUB (1ULL << 5)
#define CMD_NOSCRIPT (1ULL << 6)
#define CMD_BLOCKING (1ULL << 8)
#define CMD_LOADING (1ULL << 9)
#define CMD_STALE (1ULL << 10)
#define CMD_SKIP_MONITOR (1ULL << 11)
#define CMD_SKIP_SLOWLOG (1ULL << 12)
#define CMD_ASKING (1ULL << 13)
#define CMD_FAST (1ULL << 14)
#define CMD_NO_AUTH (1ULL << 15)
#define CMD_MAY_REPLICATE (1ULL << 16)
#define CMD_SENTINEL (1ULL << 17)
#define CMD_ONLY_SENTINEL (1ULL << 18)
#define CMD_NO_MANDATORY_KEYS (1ULL << 19)
#define CMD_PROTECTED (1ULL << 20)
#define CMD_NO_ASYNC_LOADING (1ULL << 23)
#define CMD_NO_MULTI (1ULL << 24)
#define CMD_MOVABLE_KEYS (1ULL << 25)
#define CMD_ALLOW_BUSY (1ULL << 26)

/* ACL categories (COMMAND INFO and COMMAND DOCS show them). */
#define ACL_CATEGORY_KEYSPACE (1ULL << 0)
#define ACL_CATEGORY_READ (1ULL << 1)
#define ACL_CATEGORY_WRITE (1ULL << 2)
#define ACL_CATEGORY_SET (1ULL << 3)
#define ACL_CATEGORY_SORTEDSET (1ULL << 4)
#define ACL_CATEGORY_LIST (1ULL << 5)
#define ACL_CATEGORY_HASH (1ULL << 6)
#define ACL_CATEGORY_STRING (1ULL << 7)
#define ACL_CATEGORY_BITMAP (1ULL << 8)
#define ACL_CATEGORY_HYPERLOGLOG (1ULL << 9)
#define ACL_CATEGORY_GEO (1ULL << 10)
#define ACL_CATEGORY_STREAM (1ULL << 11)
#define ACL_CATEGORY_PUBSUB (1ULL << 12)
#define ACL_CATEGORY_ADMIN (1ULL << 13)
#define ACL_CATEGORY_FAST (1ULL << 14)
#define ACL_CATEGORY_SLOW (1ULL << 15)
#define ACL_CATEGORY_BLOCKING (1ULL << 16)
#define ACL_CATEGORY_DANGEROUS (1ULL << 17)
#define ACL_CATEGORY_CONNECTION (1ULL << 18)
#define ACL_CATEGORY_TRANSACTION (1ULL << 19)
#define ACL_CATEGORY_SCRIPTING (1ULL << 20)

typedef void redisCommandProc(client *c);
/* Returns the key positions of a command with movable keys: fills <keys>
 * (up to <max>) with argv indexes; returns how many. */
typedef int redisGetKeysProc(struct redisCommand *cmd, robj **argv, int argc,
                             int *keys, int max);

/* Key specifications, as COMMAND INFO reports them (Redis 7.0): where a
 * command's keys are (begin_search, then find_keys) and what the command
 * does to them (flags). */
#define CMD_KEY_RO (1ULL << 0)      /* reads the value */
#define CMD_KEY_RW (1ULL << 1)      /* reads and modifies the value */
#define CMD_KEY_OW (1ULL << 2)      /* overwrites the value unread */
#define CMD_KEY_RM (1ULL << 3)      /* deletes the key */
#define CMD_KEY_ACCESS (1ULL << 4)  /* returns (part of) the value */
#define CMD_KEY_UPDATE (1ULL << 5)  /* updates an existing value */
#define CMD_KEY_INSERT (1ULL << 6)  /* adds data to the value */
#define CMD_KEY_DELETE (1ULL << 7)  /* removes data from the value */
#define CMD_KEY_NOT_KEY (1ULL << 8) /* a name hashed like a key (shard channel) */
#define CMD_KEY_INCOMPLETE (1ULL << 9) /* the spec may miss some keys */
#define CMD_KEY_VARIABLE_FLAGS (1ULL << 10) /* flags depend on the arguments */

typedef enum {
    KEYSPEC_BS_INVALID = 0, /* unused slot of redisCommand.key_specs */
    KEYSPEC_BS_INDEX,       /* first key at argv[bs_index] */
    KEYSPEC_BS_KEYWORD,     /* first key after <bs_keyword>, searched from
                             * argv[bs_startfrom] (negative: from the end,
                             * backwards) */
    KEYSPEC_BS_UNKNOWN
} keySpecBeginSearchType;

typedef enum {
    KEYSPEC_FK_INVALID = 0,
    KEYSPEC_FK_RANGE,  /* keys up to <fk_lastkey> (relative to the first
                        * key; negative counts from the end), every
                        * <fk_keystep>; <fk_limit> > 1 takes 1/limit of the
                        * rest when fk_lastkey is -1 */
    KEYSPEC_FK_KEYNUM, /* argv[first + fk_keynumidx] holds the key count,
                        * keys from first + fk_firstkey every fk_keystep */
    KEYSPEC_FK_UNKNOWN
} keySpecFindKeysType;

typedef struct keySpec {
    const char *notes;  /* or NULL */
    uint64_t flags;     /* CMD_KEY_* */
    keySpecBeginSearchType bs_type;
    int bs_index;
    const char *bs_keyword;
    int bs_startfrom;
    keySpecFindKeysType fk_type;
    int fk_lastkey, fk_keystep, fk_limit;
    int fk_keynumidx, fk_firstkey;
} keySpec;

#define CMD_MAX_KEY_SPECS 4

/* For a key spec flagged CMD_KEY_VARIABLE_FLAGS: the flags that spec
 * number <spec> (whose declared flags are <flags>) has in the command line
 * <argv>/<argc>. Pure; borrows <argv>. */
typedef uint64_t redisKeyFlagsProc(robj **argv, int argc, int spec,
                                   uint64_t flags);

/* One entry of the command table. Subcommands (CONFIG GET, CLIENT LIST...)
 * are entries of their parent's <subcommands> array, ended by a NULL name. */
struct redisCommand {
    const char *declared_name; /* lower case */
    redisCommandProc *proc;
    int arity;                 /* >0 exact, <0 at least -arity */
    uint64_t flags;            /* CMD_* */
    uint64_t acl_categories;   /* ACL_CATEGORY_* */
    int firstkey, lastkey, keystep; /* legacy key spec; 0 = no keys */
    const char *group;         /* "string", "generic", "server", ... */
    const char *since;         /* "1.0.0" */
    const char *summary;
    const char *complexity;
    redisGetKeysProc *getkeys_proc;
    struct redisCommand *subcommands;
    keySpec key_specs[CMD_MAX_KEY_SPECS]; /* used slots first; the rest
                                           * have bs_type INVALID */
    const char *tips;          /* space-separated COMMAND INFO tips, or NULL */
    redisKeyFlagsProc *keyflags_proc; /* or NULL: the specs' flags hold */
    /* Filled at start-up. */
    sds fullname;              /* "config|get" */
    struct redisCommand *parent;
    dict *subcommands_dict;
    long long microseconds, calls, rejected_calls, failed_calls;
    int id;
    struct histogram *latency_histogram; /* latency-tracking (latency.c) */
};

/* Keyspace notification classes (notify-keyspace-events). */
#define NOTIFY_KEYSPACE (1 << 0)  /* K */
#define NOTIFY_KEYEVENT (1 << 1)  /* E */
#define NOTIFY_GENERIC (1 << 2)   /* g */
#define NOTIFY_STRING (1 << 3)    /* $ */
#define NOTIFY_LIST (1 << 4)      /* l */
#define NOTIFY_SET (1 << 5)       /* s */
#define NOTIFY_HASH (1 << 6)      /* h */
#define NOTIFY_ZSET (1 << 7)      /* z */
#define NOTIFY_EXPIRED (1 << 8)   /* x */
#define NOTIFY_EVICTED (1 << 9)   /* e */
#define NOTIFY_STREAM (1 << 10)   /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_LOADED (1 << 12)
#define NOTIFY_MODULE (1 << 13)   /* d */
#define NOTIFY_NEW (1 << 14)      /* n */
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | \
                    NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED |             \
                    NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* maxmemory policies. */
#define MAXMEMORY_FLAG_LRU (1 << 0)
#define MAXMEMORY_FLAG_LFU (1 << 1)
#define MAXMEMORY_FLAG_ALLKEYS (1 << 2)
#define MAXMEMORY_VOLATILE_LRU ((0 << 8) | MAXMEMORY_FLAG_LRU)
#define MAXMEMORY_VOLATILE_LFU ((1 << 8) | MAXMEMORY_FLAG_LFU)
#define MAXMEMORY_VOLATILE_TTL (2 << 8)
#define MAXMEMORY_VOLATILE_RANDOM (3 << 8)
#define MAXMEMORY_ALLKEYS_LRU ((4 << 8) | MAXMEMORY_FLAG_LRU | MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_ALLKEYS_LFU ((5 << 8) | MAXMEMORY_FLAG_LFU | MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_ALLKEYS_RANDOM ((6 << 8) | MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_NO_EVICTION (7 << 8)

/* Slow log entry. */
typedef struct slowlogEntry {
    robj **argv;
    int argc;
    long long id;
    long long duration;     /* us */
    time_t time;
    sds cname;
    sds peerid;
} slowlogEntry;

/* The server's global state. Only config.c changes the configuration
 * fields; every layer may read them. */
struct redisServer {
    pid_t pid;
    char *executable;
    char *configfile;        /* absolute path, or NULL */
    char **exec_argv;
    int hz;
    int config_hz;
    redisDb *db;
    dict *commands;          /* name (case-insensitive sds) -> redisCommand */
    dict *orig_commands;
    aeEventLoop *el;
    _Atomic unsigned int lruclock;
    volatile sig_atomic_t shutdown_asap;
    int shutdown_flags;
    long long cronloops;
    char runid[CONFIG_RUN_ID_SIZE + 1];
    int sentinel_mode;
    int cluster_enabled;
    /* Cluster (cluster.c reads these; config.c sets them) */
    char *cluster_configfile;
    long long cluster_node_timeout;
    int cluster_port;
    char *cluster_announce_ip;
    int cluster_announce_port;
    int cluster_announce_tls_port;
    int cluster_announce_bus_port;
    char *cluster_announce_hostname;
    int cluster_preferred_endpoint_type;
    int cluster_slave_validity_factor;
    int cluster_migration_barrier;
    int cluster_allow_replica_migration;
    int cluster_require_full_coverage;
    int cluster_allow_reads_when_down;
    int cluster_allow_pubsubshard_when_down;
    int cluster_slave_no_failover;
    unsigned long long cluster_link_sendbuf_limit_bytes;
    /* Networking */
    int port;
    int tls_port;
    int tcp_backlog;
    char *bindaddr[CONFIG_BINDADDR_MAX];
    int bindaddr_count;
    char *unixsocket;
    unsigned int unixsocketperm;
    connListener listeners[3];   /* tcp, tls, unix */
    list *clients;
    list *clients_to_close;
    list *clients_pending_write;
    list *unblocked_clients;
    list *slaves, *monitors;
    client *current_client;
    client *executing_client;
    dict *clients_by_id;         /* id -> client */
    uint64_t next_client_id;
    int protected_mode;
    int tcpkeepalive;
    char *bind_source_addr;      /* bind-source-addr (sds), or NULL */
    unsigned int maxclients;
    int maxidletime;             /* timeout, seconds */
    char neterr[ANET_ERR_LEN];
    /* Pause (CLIENT PAUSE) */
    int client_pause_type;       /* 0 none, 1 write, 2 all */
    long long client_pause_end_time; /* ms */
    list *paused_clients;
    /* Limits */
    long long proto_max_bulk_len;
    unsigned long long client_max_querybuf_len;
    clientBufferLimitsConfig client_obuf_limits[CLIENT_TYPE_OBUF_COUNT];
    /* Logging */
    char *logfile;
    int verbosity;
    int syslog_enabled;
    char *syslog_ident;
    int syslog_facility;
    int daemonize;
    int supervised;
    char *pidfile;
    int crashlog_enabled;
    /* Security */
    char *requirepass;           /* sds or NULL */
    /* Databases and memory */
    int dbnum;
    char *dir_unused;
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    int active_expire_enabled;
    int active_expire_effort;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    int lazyfree_lazy_expire;
    int lazyfree_lazy_eviction;
    int lazyfree_lazy_server_del;
    int notify_keyspace_events;
    long long stat_expired_stale_perc_unused;
    /* Encodings thresholds (used by the data types) */
    size_t hash_max_listpack_entries;
    size_t hash_max_listpack_value;
    size_t set_max_intset_entries;
    size_t zset_max_listpack_entries;
    size_t zset_max_listpack_value;
    int list_max_listpack_size;
    int list_compress_depth;
    size_t hll_sparse_max_bytes;
    size_t stream_node_max_bytes;
    long long stream_node_max_entries;
    /* Persistence settings (persistence issue) */
    char *rdb_filename;
    int rdb_compression;
    int rdb_checksum;
    int rdb_del_sync_files;
    int stop_writes_on_bgsave_err;
    struct saveparam *saveparams;
    int saveparamslen;
    int aof_enabled;
    char *aof_filename;
    char *aof_dirname;
    int aof_fsync;
    int aof_use_rdb_preamble;
    int aof_load_truncated;
    int aof_rewrite_perc;
    long long aof_rewrite_min_size;
    long long dirty;             /* changes since the last save */
    time_t lastsave;
    time_t lastbgsave_try;
    int lastbgsave_status;
    pid_t child_pid;
    int child_type;
    int loading;
    int async_loading; /* a replica loads its master's RDB while it serves
                        * the old dataset (repl-diskless-load swapdb) */
    /* Replication settings (replication issue) */
    char *masterhost;
    int masterport;
    char *masterauth;
    char *masteruser;
    int repl_serve_stale_data;
    int repl_slave_ro;
    int repl_diskless_sync;
    int repl_diskless_sync_delay;
    int repl_diskless_sync_fork; /* 0: the event loop writes the RDB */
    int repl_diskless_load;
    long long repl_backlog_size;
    int repl_timeout;
    int repl_ping_slave_period;
    int slave_priority;
    int replica_announced;
    char *slave_announce_ip;
    int slave_announce_port;
    int repl_min_slaves_to_write;
    int repl_min_slaves_max_lag;
    int repl_backlog_ttl;
    int repl_disable_tcp_nodelay;
    int repl_diskless_sync_max_replicas;
    int repl_slave_lazy_flush;
    int repl_slave_ignore_maxmemory;
    int propagation_error_behavior;
    int rdb_key_save_delay;      /* us per key in a saving child (tests) */
    int key_load_delay;          /* us per key while loading (tests) */
    int loading_process_events_interval_bytes; /* longest load slice */
    char replid[CONFIG_RUN_ID_SIZE + 1];
    char replid2[CONFIG_RUN_ID_SIZE + 1];
    long long master_repl_offset;
    long long second_replid_offset;
    /* Redis 7.0 directives added for parity (config.c); docs/config.md
     * says which act and which are stored pending their issue. */
    char *aclfile;                  /* sds or NULL */
    long long acllog_max_len;
    int acl_pubsub_default;         /* 0 resetchannels, 1 allchannels */
    int active_defrag_enabled;      /* only "no": no defrag-capable jemalloc */
    long long active_defrag_ignore_bytes;
    int active_defrag_threshold_lower;
    int active_defrag_threshold_upper;
    int active_defrag_cycle_min;
    int active_defrag_cycle_max;
    long long active_defrag_max_scan_fields;
    int always_show_logo;
    int aof_disable_auto_gc;
    int aof_rewrite_incremental_fsync;
    int aof_timestamp_enabled;
    int aof_no_fsync_on_rewrite;    /* no-appendfsync-on-rewrite */
    int rdb_save_incremental_fsync;
    char *server_cpulist;           /* the four *_cpulist: sds or NULL */
    char *bio_cpulist;
    char *aof_rewrite_cpulist;
    char *bgsave_cpulist;
    int crash_memcheck_enabled;
    int disable_thp;
    int enable_module_command;
    char *ignore_warnings;          /* sds or NULL */
    int io_threads_do_reads;
    int latency_tracking_enabled;
    double *latency_tracking_info_percentiles;
    int latency_tracking_info_percentiles_len;
    long long maxmemory_clients;    /* bytes; negative: -percent of maxmemory */
    int maxmemory_eviction_tenacity;
    int oom_score_adj;              /* OOM_SCORE_ADJ_* */
    int oom_score_adj_values[3];    /* master, replica, background child */
    int set_proc_title;
    char *proc_title_template;
    int replica_ignore_disk_write_errors;
    int sanitize_dump_payload;
    int shutdown_on_sigint;         /* SHUTDOWN_* flags; 0 is "default" */
    int shutdown_on_sigterm;
    int shutdown_timeout;
    unsigned int socket_mark_id;
    long long tracking_table_max_keys;
    volatile sig_atomic_t last_sig_received; /* SIGINT or SIGTERM */
    /* TLS settings (all tls-* directives; the TLS type gets a copy) */
    char *tls_cert_file;
    char *tls_key_file;
    char *tls_key_file_pass;
    char *tls_client_cert_file;
    char *tls_client_key_file;
    char *tls_client_key_file_pass;
    char *tls_dh_params_file;
    char *tls_ca_cert_file;
    char *tls_ca_cert_dir;
    char *tls_protocols;
    char *tls_ciphers;
    char *tls_ciphersuites;
    int tls_prefer_server_ciphers;
    int tls_session_caching;
    int tls_session_cache_size;
    int tls_session_cache_timeout;
    int tls_auth_clients;
    int tls_replication;
    int tls_cluster;
    long long tls_handshake_timeout;
    int tls_verify_peer_name;       /* outgoing TLS checks the peer's name */
    int max_new_conns_per_cycle;    /* accepts per listener per loop turn */
    int max_new_tls_conns_per_cycle;
    /* Slow log */
    list *slowlog;
    long long slowlog_entry_id;
    long long slowlog_log_slower_than;
    unsigned long slowlog_max_len;
    /* Latency / misc */
    long long latency_monitor_threshold;
    long long busy_reply_threshold; /* ms, busy-reply-threshold (scripts) */
    int io_threads_num;
    int enable_debug_cmd;        /* 0 no, 1 yes, 2 local */
    int enable_protected_configs;
    int jemalloc_bg_thread;
    int activerehashing;
    int dynamic_hz;
    /* Stats */
    long long stat_starttime;    /* ms */
    long long stat_numcommands;
    long long stat_numconnections;
    long long stat_rejected_conn;
    long long stat_expiredkeys;
    double stat_expired_stale_perc;
    long long stat_expired_time_cap_reached_count;
    long long stat_evictedkeys;
    long long stat_evictedclients;  /* maxmemory-clients disconnections */
    long long stat_keyspace_hits;
    long long stat_keyspace_misses;
    long long stat_net_input_bytes;
    long long stat_net_output_bytes;
    long long stat_unexpected_error_replies;
    long long stat_total_error_replies;
    long long stat_total_reads_processed;
    long long stat_total_writes_processed;
    long long stat_client_qbuf_limit_disconnections;
    long long stat_client_outbuf_limit_disconnections;
    long long stat_sync_full;
    long long stat_sync_partial_ok;
    long long stat_sync_partial_err;
    long long stat_peak_memory;
    dict *errors;                /* error code -> count, for INFO errorstats */
    unsigned long blocked_clients;
    unsigned long blocked_clients_by_type[BLOCKED_NUM];
    unsigned long watching_clients;
    unsigned long pubsub_clients;
    dict *pubsub_channels;       /* channel -> list of clients */
    dict *pubsub_patterns;       /* pattern -> list of clients */
    dict *pubsub_shard_channels;
    /* Time cache, refreshed each loop turn and around commands */
    time_t unixtime;
    long long mstime;
    long long ustime;
    int dirty_before_unused;
    int in_exec;
    int propagate_in_transaction;
    int also_propagate_unused;
    long long stat_active_expire_unused;
    /* Introspection (debug.c, latency.c, memory.c; issue 12) */
    int pause_cron;                 /* DEBUG PAUSE-CRON: serverCron idles */
    int skip_checksum_validation;   /* DEBUG SET-SKIP-CHECKSUM-VALIDATION */
    int reply_buffer_resizing;      /* DEBUG REPLYBUFFER RESIZING (kept) */
    long long reply_buffer_peak_reset_time; /* DEBUG REPLYBUFFER (kept) */
    long long stat_fork_time;       /* us of the last fork (latest_fork_usec) */
    long long stat_total_forks;
    long long stat_expire_cycle_time_used; /* us in active expiry cycles */
    long long stat_dump_payload_sanitizations;
    size_t stat_startup_allocated;  /* used_memory when start-up ended */
    int aof_flush_sleep;            /* DEBUG AOF-FLUSH-SLEEP, us per flush */
};

struct saveparam {
    time_t seconds;
    int changes;
};

extern struct redisServer server;

/* ---- Logging (server.c) ---- */
void serverLog(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void serverLogRaw(int level, const char *msg);
void _serverPanic(const char *file, int line, const char *msg, ...)
    __attribute__((format(printf, 3, 4), noreturn));
#define serverPanic(...) _serverPanic(__FILE__, __LINE__, __VA_ARGS__)
#define serverAssert(e) \
    ((e) ? (void)0 : _serverPanic(__FILE__, __LINE__, "assertion failed: %s", #e))

/* ---- Objects (object.c) ---- */
robj *createObject(int type, void *ptr);
robj *createStringObject(const char *ptr, size_t len);
robj *createRawStringObject(const char *ptr, size_t len);
robj *createEmbeddedStringObject(const char *ptr, size_t len);
robj *createStringObjectFromLongLong(long long value);
robj *createStringObjectFromLongLongForValue(long long value);
robj *createStringObjectFromLongDouble(long double value, int humanfriendly);
robj *dupStringObject(const robj *o);
robj *tryObjectEncoding(robj *o);
robj *getDecodedObject(robj *o);     /* new reference; string as sds */
void incrRefCount(robj *o);
void decrRefCount(robj *o);
void decrRefCountVoid(void *o);
robj *makeObjectShared(robj *o);
void freeStringObject(robj *o);
size_t stringObjectLen(robj *o);
int isSdsRepresentableAsLongLong(sds s, long long *llval);
int isObjectRepresentableAsLongLong(robj *o, long long *llongval);
int getLongLongFromObject(robj *o, long long *target);
int getLongFromObject(robj *o, long *target);
int getDoubleFromObject(const robj *o, double *target);
int getLongDoubleFromObject(robj *o, long double *target);
/* The ...OrReply variants reply with <msg> (or Redis's default text) on
 * failure and return C_ERR. */
int getLongLongFromObjectOrReply(client *c, robj *o, long long *target,
                                 const char *msg);
int getLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg);
int getRangeLongFromObjectOrReply(client *c, robj *o, long min, long max,
                                  long *target, const char *msg);
int getPositiveLongFromObjectOrReply(client *c, robj *o, long *target,
                                     const char *msg);
int getIntFromObjectOrReply(client *c, robj *o, int *target, const char *msg);
int getDoubleFromObjectOrReply(client *c, robj *o, double *target,
                               const char *msg);
int getLongDoubleFromObjectOrReply(client *c, robj *o, long double *target,
                                   const char *msg);
int compareStringObjects(robj *a, robj *b);
int collateStringObjects(robj *a, robj *b);
int equalStringObjects(robj *a, robj *b);
char *strEncoding(int encoding);
int checkType(client *c, robj *o, int type); /* replies WRONGTYPE, returns 1 */
size_t objectComputeSize(robj *key, robj *o, size_t sample_size, int dbid);
unsigned int getLRUClock(void);
unsigned int LRU_CLOCK(void);
unsigned long long estimateObjectIdleTime(robj *o);
unsigned long LFUDecrAndReturn(robj *o);
void updateLFU(robj *val);
int objectSetLRUOrLFU(robj *val, long long lfu_freq, long long lru_idle,
                      long long lru_clock, int lru_multiplier);
#define sdsEncodedObject(objptr) \
    ((objptr)->encoding == OBJ_ENCODING_RAW || (objptr)->encoding == OBJ_ENCODING_EMBSTR)
/* Type-specific free functions (each type module defines its own). */
void freeListObject(robj *o);
void freeSetObject(robj *o);
void freeZsetObject(robj *o);
void freeHashObject(robj *o);
void freeStreamObject(robj *o);
robj *dupObjectOfType(robj *o); /* COPY: deep copy of any type */
/* Each data type module registers how its values are freed, copied (COPY)
 * and measured (MEMORY USAGE, OBJECT, eviction), so object.c need not know
 * the encodings. Called from the type module's init function. */
typedef struct objectTypeMethods {
    void (*free)(robj *o);                 /* release o->ptr */
    robj *(*dup)(robj *o);                 /* deep copy, refcount 1 */
    size_t (*computeSize)(robj *o, size_t samples); /* bytes, estimated */
} objectTypeMethods;
void registerObjectType(int type, const objectTypeMethods *m);

/* ---- Databases (db.c) ---- */
#define LOOKUP_NONE 0
#define LOOKUP_NOTOUCH (1 << 0)
#define LOOKUP_NONOTIFY (1 << 1)
#define LOOKUP_NOSTATS (1 << 2)
#define LOOKUP_WRITE (1 << 3)
#define LOOKUP_NOEXPIRE (1 << 4)
robj *lookupKeyRead(redisDb *db, robj *key);
robj *lookupKeyWrite(redisDb *db, robj *key);
robj *lookupKeyReadOrReply(client *c, robj *key, robj *reply);
robj *lookupKeyWriteOrReply(client *c, robj *key, robj *reply);
robj *lookupKeyReadWithFlags(redisDb *db, robj *key, int flags);
robj *lookupKeyWriteWithFlags(redisDb *db, robj *key, int flags);
void dbAdd(redisDb *db, robj *key, robj *val);       /* key must not exist */
void dbOverwrite(redisDb *db, robj *key, robj *val); /* key must exist */
#define SETKEY_KEEPTTL 1
#define SETKEY_NO_SIGNAL 2
#define SETKEY_ALREADY_EXIST 4
#define SETKEY_DOESNT_EXIST 8
void setKey(client *c, redisDb *db, robj *key, robj *val, int flags);
int dbExists(redisDb *db, robj *key);
int dbDelete(redisDb *db, robj *key);
int dbSyncDelete(redisDb *db, robj *key);
int dbAsyncDelete(redisDb *db, robj *key);
robj *dbUnshareStringValue(redisDb *db, robj *key, robj *o);
long long emptyData(int dbnum, int flags, void(callback)(dict *));
long long dbTotalServerKeyCount(void);
int selectDb(client *c, int id);
robj *dbRandomKey(redisDb *db);
void signalModifiedKey(client *c, redisDb *db, robj *key);
void signalFlushedDb(int dbid, int async);
int getKeysFromCommand(struct redisCommand *cmd, robj **argv, int argc,
                       int *keys, int max);
/* Before a write command runs during a fork-less snapshot (rdb.h): the
 * keys it names are written out first if the snapshot still needs them,
 * whatever lookup the command then uses. */
void dbSnapBeforeCommand(client *c);
/* 1 when <c>'s write command (or a write queued for its EXEC) names a
 * key whose value the fork-less snapshot's thread is writing and which
 * the command could only change by waiting: the command waits instead
 * (blockPostponeClient, BLOCKED_POSTPONE). */
int dbSnapWouldWait(client *c);
void scanGenericCommand(client *c, robj *o, unsigned long cursor);
int parseScanCursorOrReply(client *c, robj *o, unsigned long *cursor);
/* Expire (expire.c / db.c) */
void setExpire(client *c, redisDb *db, robj *key, long long when);
long long getExpire(redisDb *db, robj *key);
int removeExpire(redisDb *db, robj *key);
int expireIfNeeded(redisDb *db, robj *key, int force_delete_expired);
int keyIsExpired(redisDb *db, robj *key);
void activeExpireCycle(int type);
#define ACTIVE_EXPIRE_CYCLE_SLOW 0
#define ACTIVE_EXPIRE_CYCLE_FAST 1
void propagateDeletion(redisDb *db, robj *key, int lazy);
int checkAlreadyExpired(long long when);

/* Database creation and the dict types of the keyspace (db.c). */
#define EMPTYDB_NO_FLAGS 0
#define EMPTYDB_ASYNC 1 /* emptyData() <flags> */
/* SCAN of a value whose encoding scanGenericCommand does not walk itself:
 * appends to <elements> (new robj each; for hashes and sorted sets a field
 * then its value) the elements of <o> from <cursor> on, about <count> of
 * them, and returns the next cursor (0 when done). */
typedef unsigned long scanObjectProc(robj *o, unsigned long cursor, long count,
                                     list *elements);
void scanRegisterType(int type, scanObjectProc *proc);
extern dictType dbDictType, dbExpiresDictType;
void initDbs(void);

/* Transactions (multi.c). */
void queueMultiCommand(client *c);
void discardTransaction(client *c);
void flagTransaction(client *c);
void initClientMultiState(client *c);
void freeClientMultiState(client *c);
void unwatchAllKeys(client *c);
int isWatchedKeyExpired(client *c);

/* Lists (t_list.c). listTypeInit registers the type and its blocking
 * serve function; called from initServer. The getkeys procs give the key
 * positions of LMPOP / BLMPOP (movable keys). */
void listTypeInit(void);
int lmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                 int max);
int blmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                  int max);

/* Hashes (t_hash.c). Encodings: OBJ_ENCODING_LISTPACK (field,value,...)
 * or OBJ_ENCODING_HT (dict of sds field -> sds value, hashDictType).
 * hashTypeInit registers the object methods and the HSCAN walker; called
 * from initServer. */
#define OBJ_HASH_KEY 1
#define OBJ_HASH_VALUE 2
typedef struct hashTypeIterator {
    robj *subject;
    int encoding;
    unsigned char *fptr, *vptr; /* listpack: current field and value */
    dictIterator *di;           /* dict */
    dictEntry *de;
} hashTypeIterator;
extern dictType hashDictType;
void hashTypeInit(void);
robj *createHashObject(void);
robj *hashTypeCreateFromListpack(unsigned char *lp); /* takes ownership */
robj *hashTypeCreateFromDict(dict *d);               /* takes ownership */
unsigned long hashTypeLength(const robj *o);
void hashTypeConvert(robj *o, int enc);
int hashTypeSet(robj *o, sds field, sds value); /* 1 added, 0 updated */
int hashTypeDelete(robj *o, sds field);
int hashTypeExists(robj *o, sds field);
int hashTypeGetValue(robj *o, sds field, unsigned char **vstr,
                     unsigned int *vlen, long long *vll);
robj *hashTypeDup(robj *o);
hashTypeIterator *hashTypeInitIterator(robj *o);
void hashTypeReleaseIterator(hashTypeIterator *hi);
int hashTypeNext(hashTypeIterator *hi); /* C_OK, C_ERR at the end */
void hashTypeCurrent(hashTypeIterator *hi, int what, unsigned char **vstr,
                     unsigned int *vlen, long long *vll);
sds hashTypeCurrentObjectNewSds(hashTypeIterator *hi, int what);

/* Sets (t_set.c). Encodings: OBJ_ENCODING_INTSET or OBJ_ENCODING_HT (dict
 * of sds member -> NULL, setDictType). setTypeInit registers the object
 * methods and the SSCAN walker; called from initServer. */
struct intset;
typedef struct setTypeIterator {
    robj *subject;
    int encoding;
    int ii;           /* intset position */
    dictIterator *di; /* dict */
} setTypeIterator;
extern dictType setDictType;
void setTypeInit(void);
robj *createSetObject(void);
robj *createIntsetObject(void);
robj *setTypeCreate(sds value);
robj *setTypeCreateFromIntset(struct intset *is); /* takes ownership */
unsigned long setTypeSize(const robj *o);
void setTypeConvert(robj *o, int enc);
int setTypeAdd(robj *o, sds value);
int setTypeRemove(robj *o, sds value);
int setTypeIsMember(robj *o, sds value);
int setTypeRandomElement(robj *o, sds *sdsele, int64_t *llele);
robj *setTypeDup(robj *o);
setTypeIterator *setTypeInitIterator(robj *o);
void setTypeReleaseIterator(setTypeIterator *si);
/* Returns the encoding of the member read (INTSET: *llele, HT: *sdsele,
 * borrowed) or -1 at the end. */
int setTypeNext(setTypeIterator *si, sds *sdsele, int64_t *llele);
sds setTypeNextObject(setTypeIterator *si); /* new sds, NULL at the end */
int sintercardGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                      int *keys, int max);

/* Sorted sets (t_zset.c). Encodings: OBJ_ENCODING_LISTPACK (member,score
 * pairs ordered by score then member; integral scores within +-LLONG_MAX/2
 * as integer entries, others as %.17g text) or OBJ_ENCODING_SKIPLIST (a
 * skiplist plus a dict, private to t_zset.c). zsetTypeInit registers the
 * object methods, the ZSCAN walker and the BLOCKED_ZSET serve function;
 * called from initServer. */
#define ZADD_IN_NONE 0
#define ZADD_IN_INCR (1 << 0) /* add the score to the current one */
#define ZADD_IN_NX (1 << 1)   /* only add new members */
#define ZADD_IN_XX (1 << 2)   /* only update existing members */
#define ZADD_IN_GT (1 << 3)   /* update only to a greater score */
#define ZADD_IN_LT (1 << 4)   /* update only to a lower score */
#define ZADD_OUT_NOP (1 << 0)     /* nothing done because of the flags */
#define ZADD_OUT_NAN (1 << 1)     /* the resulting score was NaN */
#define ZADD_OUT_ADDED (1 << 2)   /* a new member */
#define ZADD_OUT_UPDATED (1 << 3) /* an existing member got a new score */
typedef struct zsetTypeIterator zsetTypeIterator;
void zsetTypeInit(void);
robj *zsetTypeCreate(size_t size_hint, size_t val_len_hint);
robj *zsetTypeCreateFromListpack(unsigned char *lp); /* takes ownership */
unsigned long zsetLength(const robj *o);
void zsetConvert(robj *o, int enc);
int zsetAdd(robj *o, double score, sds ele, int in_flags, int *out_flags,
            double *newscore); /* 1 ok, 0 NaN; <ele> is copied */
robj *zsetTypeDup(robj *o);
zsetTypeIterator *zsetTypeInitIterator(robj *o, int reverse);
void zsetTypeReleaseIterator(zsetTypeIterator *it);
/* C_OK with the member (bytes in vstr and vlen, borrowed; or vstr NULL and
 * the integer in vll) and its score; C_ERR at the end. */
int zsetTypeNext(zsetTypeIterator *it, unsigned char **vstr,
                 unsigned int *vlen, long long *vll, double *score);
int zunionInterDiffStoreGetKeys(struct redisCommand *cmd, robj **argv,
                                int argc, int *keys, int max);
int zunionInterDiffGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                           int *keys, int max);
int bzmpopGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                  int max);
/* For geo.c: a member's score, and a walk of the members with min <=
 * score < max in order (the visitor owns the member sds it is given and
 * returns non-zero to stop). */
int zsetGetScore(robj *o, sds ele, double *score);
typedef int zsetRangeVisitor(void *ctx, sds ele, double score);
unsigned long zsetVisitScoreRange(robj *o, double min, double max,
                                  zsetRangeVisitor *fn, void *ctx);

/* Pub/sub delivery used by keyspace notifications (pubsub.c, issue 4). */
int pubsubPublishMessage(robj *channel, robj *message, int sharded);
void pubsubInit(void); /* called from initServer */

/* Hooks other modules call on key changes (multi.c, blocked.c, notify.c). */
void touchWatchedKey(redisDb *db, robj *key);
void touchAllWatchedKeysInDb(redisDb *emptied, redisDb *replaced_with);
void signalKeyAsReady(redisDb *db, robj *key, int type);
void notifyKeyspaceEvent(int type, char *event, robj *key, int dbid);
int keyspaceEventsStringToFlags(char *classes);
sds keyspaceEventsFlagsToString(int flags);

/* ---- Networking and replies (networking.c) ---- */
client *createClient(connection *conn);
void freeClient(client *c);
void freeClientAsync(client *c);
void registerClientFreeHook(void (*fn)(client *c));
void resetClient(client *c);
void freeClientArgv(client *c);
void clientAcceptHandler(connection *conn);
void acceptConnection(connection *conn, const char *ip, int port);
void readQueryFromClient(connection *conn);
int processInputBuffer(client *c);
int writeToClient(client *c, int handler_installed);
int handleClientsWithPendingWrites(void);
int clientHasPendingReplies(client *c);
void addReply(client *c, robj *obj);
void addReplySds(client *c, sds s);           /* consumes s */
void addReplyProto(client *c, const char *s, size_t len);
void addReplyBulk(client *c, robj *obj);
void addReplyBulkCString(client *c, const char *s);
void addReplyBulkCBuffer(client *c, const void *p, size_t len);
void addReplyBulkSds(client *c, sds s);       /* consumes s */
void addReplyBulkLongLong(client *c, long long ll);
/* "-ERR <err>\r\n", or "<err>\r\n" when <err> starts with "-CODE ". */
void addReplyError(client *c, const char *err);
void addReplyErrorSds(client *c, sds err);        /* consumes */
void addReplyErrorObject(client *c, robj *err);
void addReplyErrorFormat(client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void addReplyErrorArity(client *c);
void addReplyErrorExpireTime(client *c);
void addReplySubcommandSyntaxError(client *c);
void addReplyStatus(client *c, const char *status);
void addReplyStatusLength(client *c, const char *s, size_t len);
void addReplyStatusFormat(client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void addReplyLongLong(client *c, long long ll);
void addReplyDouble(client *c, double d);
void addReplyLongDouble(client *c, long double d);
void addReplyBigNum(client *c, const char *num, size_t len);
void addReplyHumanLongDouble(client *c, long double d);
void addReplyNull(client *c);
void addReplyNullArray(client *c);
void addReplyBool(client *c, int b);
void addReplyVerbatim(client *c, const char *s, size_t len, const char *ext);
void addReplyArrayLen(client *c, long length);
void addReplyMapLen(client *c, long length);
void addReplySetLen(client *c, long length);
void addReplyAttributeLen(client *c, long length);
void addReplyPushLen(client *c, long length);
void addReplyHelp(client *c, const char **help);
void addReplyCommandCategories(client *c, struct redisCommand *cmd);
int commandGetKeysAndFlags(struct redisCommand *cmd, robj **argv, int argc,
                           int *keys, uint64_t *flags, int max);
/* Key positions from the command's key specs (cmdinfo.c); see there. */
int commandHasDocArgs(struct redisCommand *cmd); /* cmddocs.c */
void addReplyCommandArgs(client *c, struct redisCommand *cmd);
int keySpecsGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                    int with_not_keys, int *keys, int *spec_idx, int max);
/* Deferred lengths: reserve a place for an aggregate header whose length is
 * known only after the elements are added. */
void *addReplyDeferredLen(client *c);
void setDeferredArrayLen(client *c, void *node, long length);
void setDeferredMapLen(client *c, void *node, long length);
void setDeferredSetLen(client *c, void *node, long length);
void setDeferredAttributeLen(client *c, void *node, long length);
void setDeferredPushLen(client *c, void *node, long length);
void replaceClientCommandVector(client *c, int argc, robj **argv);
/* Marks argument <j> of the running command (a secret) for the slow log
 * and MONITOR to show as "(redacted)"; ...From: <j> and all after it. */
void redactClientArg(client *c, int j);
/* Drops the command as received that a rewrite kept (c->original_argv). */
void clientReleaseOriginalArgv(client *c);
/* MONITOR sees a command once it ran; a script (a skip_monitor command)
 * calls this first, so that it shows before the commands it runs. */
void feedMonitorsBeforeRun(client *c);
void redactClientArgsFrom(client *c, int j);
void rewriteClientCommandArgument(client *c, int i, robj *newval);
void rewriteClientCommandVector(client *c, int argc, ...);
sds catClientInfoString(sds s, client *client);
sds getAllClientsInfoString(int type);
char *getClientPeerId(client *c);
char *getClientSockname(client *c);
int getClientType(client *c);
int getClientTypeByName(char *name);
char *getClientTypeName(int class);
unsigned long getClientOutputBufferMemoryUsage(client *c);
size_t getClientMemoryUsage(client *c, size_t *output_buffer_mem_usage);
int checkClientOutputBufferLimits(client *c);
int closeClientOnOutputBufferLimitReached(client *c, int async);
void freeClientsInAsyncFreeQueue(void);
void pauseClients(long long end, int type);
void unpauseClients(void);
int areClientsPaused(void);
int checkClientPauseTimeoutAndReturnIfPaused(void);
void processEventsWhileBlocked(void);
/* Parks <c> (its command in c->argv) until it runs again: BLOCKED_PAUSE
 * until the pause ends, BLOCKED_POSTPONE until unblockPostponedClients. */
void blockPostponeClient(client *c, int btype);
/* Runs again the commands parked as BLOCKED_POSTPONE. */
void unblockPostponedClients(void);
void processUnblockedClients(void);
void registerClientResetHook(void (*fn)(client *c));
void unblockClient(client *c);
void replyToBlockedClientTimedOut(client *c);
void blockedBeforeSleep(void);
void blockedInit(void);
/* MIGRATE (migrate.c): set-up, and whether a key is being moved. */
void migrateInit(void);
int migrateKeyIsBusy(robj *key);
/* A type's serve function: try to answer <c>, blocked on <key>; return 1
 * if it was answered (it will be unblocked), 0 if the key cannot serve it
 * (nor the clients after it), -1 if only <c> cannot be served yet. */
typedef int blockedServeProc(client *c, redisDb *db, robj *key);
void registerBlockedServeProc(int btype, blockedServeProc *fn);
/* Releases a type's per-client blocking state (c->bpop.priv...). */
typedef void blockedCleanupProc(client *c);
void registerBlockedCleanupProc(int btype, blockedCleanupProc *fn);
int getBlockingTimeoutOrReply(client *c, robj *arg, long long *timeout);
int clientDeniesBlocking(client *c);
void blockForKeys(client *c, int btype, robj **keys, int numkeys,
                  long long timeout);
extern dictType objectKeyPointerDictType, keylistDictType;
void handleBlockedClientsTimeout(void);
void releaseIdleClientBuffers(client *c, long long now_ms);
void protectClient(client *c);
void unprotectClient(client *c);
void clientCommand(client *c);
void helloCommand(client *c);
void securityWarningCommand(client *c);
void resetCommand(client *c);
void quitCommand(client *c);
void monitorCommand(client *c);
void replicationFeedMonitors(client *c, list *monitors, int dictid,
                             robj **argv, int argc);

/* ---- Server (server.c) ---- */
struct redisCommand *lookupCommand(robj **argv, int argc);
struct redisCommand *lookupCommandBySds(sds s);
struct redisCommand *lookupCommandByCString(const char *s);
int processCommand(client *c);
#define CMD_CALL_NONE 0
#define CMD_CALL_SLOWLOG (1 << 0)
#define CMD_CALL_STATS (1 << 1)
#define CMD_CALL_PROPAGATE_AOF (1 << 2)
#define CMD_CALL_PROPAGATE_REPL (1 << 3)
#define CMD_CALL_PROPAGATE (CMD_CALL_PROPAGATE_AOF | CMD_CALL_PROPAGATE_REPL)
#define CMD_CALL_FULL (CMD_CALL_SLOWLOG | CMD_CALL_STATS | CMD_CALL_PROPAGATE)
void call(client *c, int flags);
/* Propagation of writes to AOF and replicas (no-ops until those exist). */
#define PROPAGATE_NONE 0
#define PROPAGATE_AOF 1
#define PROPAGATE_REPL 2
void alsoPropagate(int dbid, robj **argv, int argc, int target);
/* A sink receives every command that changed the dataset (AOF, replicas). */
typedef void propagationSink(int dbid, robj **argv, int argc, int target);
void registerPropagationSink(propagationSink *sink);
/* Tells whether a sink would keep a command for <target> right now (AOF on,
 * a replication backlog exists). When every sink has registered one and none
 * wants the command, alsoPropagate queues nothing, as Redis 7.0 does not
 * propagate without AOF or replicas (a script's million writes would
 * otherwise be held until it ends). */
typedef int propagationWanted(int target);
void registerPropagationWanted(propagationWanted *wanted);
/* Hands queued propagations to the sinks (after commands, cron, expiry). */
void propagatePendingCommands(void);
int isSubscribeCommand(struct redisCommand *cmd);
/* maxmemory (evict.c) */
#define EVICT_OK 0
#define EVICT_RUNNING 1
void evictStartTimeProc(void);
void evictInit(void);
void evictGetExceededTime(long long *total, long long *current);
void evictResetStats(void);
size_t clientEvictionLimit(void);
#define EVICT_FAIL 2
int performEvictions(void);
size_t freeMemoryGetNotCountedMemory(void);
void forceCommandPropagation(client *c, int flags);
void preventCommandPropagation(client *c);
void updateCachedTime(int update_daylight_info);
long long commandTimeSnapshot(void);
int prepareForShutdown(int flags);
#define SHUTDOWN_WAITING 2 /* startShutdown: waiting for replicas */
int startShutdown(int flags);
int isShutdownWaiting(void);
void abortShutdown(void);
int replicationReplicasCaughtUp(int log_lagging);
#define SHUTDOWN_NOFLAGS 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8

/* oom-score-adj modes. */
#define OOM_SCORE_ADJ_NO 0
#define OOM_SCORE_RELATIVE 1
#define OOM_SCORE_ABSOLUTE 2
/* Which of the three oom-score-adj-values applies. */
#define OOM_CLASS_MASTER 0
#define OOM_CLASS_REPLICA 1
#define OOM_CLASS_CHILD 2
int changeListener(connListener *l);
void closeListener(connListener *l);
int listenToPort(connListener *l);
void incrementErrorCount(const char *fullerr, size_t namelen);
sds genRedisInfoString(dict *section_dict, int all_sections, int everything);
sds genInfoString(sds *names, int count);
/* Adds <cmd> (and its subcommands) to the command table (Sentinel's own
 * commands). */
void registerExtraCommand(struct redisCommand *cmd);
int commandTableRename(const char *oldname, const char *newname, char *err,
                  size_t errlen) __attribute__((warn_unused_result));
void bytesToHuman(char *s, size_t size, unsigned long long n);
void registerInfoSection(const char *name, int is_default, sds (*gen)(sds));
int serverCron(struct aeEventLoop *eventLoop, long long id, void *clientData);
/* Hooks through which later modules attach to the server's life cycle
 * without server.c knowing them; each module's init function (called from
 * initServer) registers its own. */
void registerCronHook(void (*fn)(void));
void registerBeforeSleepHook(void (*fn)(void));
void registerShutdownHook(int (*fn)(int flags));
void registerStartupHook(void (*fn)(void));
/* A start-up hook that finishes in the event loop (the dataset loaded a
 * slice per turn while clients get -LOADING) calls startupHookPending
 * before it returns and startupHookDone at its end: the hooks after it
 * wait until then. */
void startupHookPending(void);
void startupHookDone(void);
/* What a forked child does: its process title and CPU list follow. */
#define FORK_RDB_BGSAVE 0      /* "redis-rdb-bgsave", bgsave_cpulist */
#define FORK_AOF_REWRITE 1     /* "redis-aof-rewrite", aof_rewrite_cpulist */
#define FORK_RDB_TO_REPLICAS 2 /* "redis-rdb-to-slaves", bgsave_cpulist */
#define FORK_LDB 3             /* "redis-ldb": a Lua debugging session */
pid_t serverFork(int purpose);
int setOomScoreAdj(int process_class) __attribute__((warn_unused_result));
sds expandProcTitleTemplate(const char *tmpl, const char *title);
int serverUpdateProcTitle(void) __attribute__((warn_unused_result));
/* Persistence (rdb.c): registers its hooks; called from initServer. */
void rdbInit(void);
/* 1 when stop-writes-on-bgsave-error refuses writes (rdb.c). */
int writeCommandsDeniedByDiskError(void);
/* Set by the persistence module: DEBUG RELOAD. */
extern void (*debugReloadHook)(client *c);
extern dictType clientIdDictType;
extern dictType commandTableDictType;
void slowlogInit(void);
void slowlogPushEntryIfNeeded(client *c, robj **argv, int argc,
                              long long duration);
int mustObeyClient(client *c);
void tlsApplyServerSettings(void);
void commandCommand(client *c);
void commandCountCommand(client *c);
void commandListCommand(client *c);
void commandInfoCommand(client *c);
void commandGetKeysCommand(client *c);
void commandGetKeysAndFlagsCommand(client *c);
void commandDocsCommand(client *c);
void commandHelpCommand(client *c);

/* ---- Scripting (script_lua.c, eval.c, functions.c) ---- */
void scriptingInit(void);
void ldbReapChildren(void); /* ldb.c: ends the zombies of debug sessions */
int scriptIsTimedout(void); /* a busy script: others get scriptBusyError */
robj *scriptBusyError(void);
int evalGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                int max);
/* ---- Replication (replication.c) ---- */
/* Registers the propagation sink and the client-free, cron, before-sleep,
 * start-up and INFO hooks; called once from initServer. */
void replicationInit(void);
/* The error reply that refuses <c>'s command on replication grounds
 * (READONLY replica, MASTERDOWN, NOREPLICAS), or NULL. Borrowed. */
robj *replicationDenyCommand(client *c);
/* 1 when <c>'s command has one of <flags> (CMD_*), or it is an EXEC whose
 * queued commands have one: an EXEC answers for what it queued. */
int commandHasFlags(client *c, uint64_t flags);
/* Called for every error reply to the master client (<c> is our master)
 * or to the AOF loading client: counts it in unexpected_error_replies,
 * logs it, and panics as propagation-error-behavior says. <s>/<len> is
 * the error text. */
void replicationPropagatedError(client *c, const char *s, size_t len);
/* After the master client ran a command: forwards its <len> bytes <raw>,
 * as received, to the backlog and our own replicas and advances the
 * offsets. */
void replicationMasterApplied(client *c, const char *raw, size_t len);
/* The replication position of the dataset as it is now, for an RDB
 * being written: 1 with <replid> (CONFIG_RUN_ID_SIZE + 1 bytes), the
 * offset of the last byte applied and the stream's selected database;
 * 0 when there is none to keep (no history yet, a load in progress, a
 * transaction from the master only half received). */
int replicationSaveInfo(char *replid, long long *offset, int *dbid);
/* Bytes held for replicas (the stream beyond the backlog, their own
 * buffers), which maxmemory does not count. */
size_t replicationNotCountedMemory(void);
/* The stream's memory: the part the backlog needs (at most its size) and
 * the part only replicas hold; together, mem_total_replication_buffers. */
void replicationBufferMemory(size_t *backlog, size_t *replicas);
/* Cluster mode's way to make this server a replica of <host>:<port>
 * (nothing happens if it already follows that address): the link to the
 * master starts in the event loop as REPLICAOF would start it. */
void replicationFollowMaster(const char *host, int port);
/* Stops following a master (as REPLICAOF NO ONE): a new replication ID,
 * the old one kept as the second so that replicas can continue. */
void replicationBecomeMaster(void);
/* Milliseconds since this replica last heard from its master (0 for a
 * master; very large if it never synchronized). */
long long replicationMasterDataAgeMs(void);
/* 1 if this server is a replica whose master link is up and streaming. */
int replicationLinkIsUp(void);
/* Queues <c> for writing its pending replies (a replica that just went
 * online). */
void clientQueueForWrite(client *c);
/* Places replica <c> in the shared stream at byte <pos> of the block of
 * list node <node> (it sends from there once online), or takes it out. */
void clientAttachStream(client *c, listNode *node, size_t pos);
void clientDetachStream(client *c);
#define PROPAGATION_ERR_BEHAVIOR_IGNORE 0
#define PROPAGATION_ERR_BEHAVIOR_PANIC 1
#define PROPAGATION_ERR_BEHAVIOR_PANIC_ON_REPLICAS 2

/* ---- Configuration (config.c) ---- */
/* Values of the enum directives supervised, appendfsync, repl-diskless-load. */
#ifndef SUPERVISED_NONE
#define SUPERVISED_NONE 0
#define SUPERVISED_AUTODETECT 1
#define SUPERVISED_SYSTEMD 2
#define SUPERVISED_UPSTART 3
#endif
#ifndef AOF_FSYNC_NO
#define AOF_FSYNC_NO 0
#define AOF_FSYNC_ALWAYS 1
#define AOF_FSYNC_EVERYSEC 2
#endif
#ifndef REPL_DISKLESS_LOAD_DISABLED
#define REPL_DISKLESS_LOAD_DISABLED 0
#define REPL_DISKLESS_LOAD_WHEN_DB_EMPTY 1
#define REPL_DISKLESS_LOAD_SWAPDB 2
#endif
void resetServerStats(void); /* CONFIG RESETSTAT without the reply */
void initConfigValues(void);
void loadServerConfig(char *filename, char config_from_stdin, char *options);
int configApplyTls(char *err, size_t errlen); /* push tls-* into tls.c */
void configGetCommand(client *c);
void configSetCommand(client *c);
void configResetStatCommand(client *c);
void configRewriteCommand(client *c);
void configHelpCommand(client *c);
int rewriteConfig(char *path, int force_write);
const char *evictPolicyToString(void);
sds getConfigDebugInfo(void);

/* ---- Introspection (debug.c, latency.c, memory.c) ---- */
/* Installs the crash report handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL
 * and SIGABRT (debug.c; serverPanic ends in abort, so it gets the report
 * too); called from setupSignalHandlers. */
void setupCrashHandlers(void);
/* The member dict of a skiplist sorted set, or NULL (t_zset.c). */
dict *zsetGetDict(robj *o);
/* Latency monitor: records <duration> ms for <event> when it reaches
 * latency-monitor-threshold (latency.c). */
void latencyAddSampleIfNeeded(const char *event, long long duration_ms);
/* Per-command latency histograms: records <duration_us> for <cmd>. */
void latencyTrackCommand(struct redisCommand *cmd, long long duration_us);
void latencyResetCommandHistograms(void);
/* INFO's latencystats section (latency.c). */
sds latencyInfoSection(sds info);
/* Records used_memory at the end of start-up (memory.c). */
void memoryInit(void);
int memoryApplyBackgroundThread(void); /* jemalloc-bg-thread */
/* Instantaneous rates and the extra Stats/CPU fields of INFO (metrics.c):
 * metricsCron samples the counters from serverCron. */
void metricsCron(void);
void metricsReset(void);
long long metricsOpsPerSec(void);
sds metricsCatStatsFields(sds info);
sds metricsCatCpuFields(sds info);
/* Accessors for INFO (eval.c, functions.c, migrate.c). */
long long evalMemory(void);
unsigned long evalScriptsCount(void);
void functionsGetStats(long long *vm_bytes, unsigned long *libraries,
                       unsigned long *functions);
unsigned long migrateCachedSockets(void);
/* CONFIG RESETSTAT's part of the persistence counters: rdb_saves (rdb.c). */
void rdbResetStats(void);
/* Bytes of the data set's overhead as MEMORY STATS shows them (memory.c). */
size_t memoryOverheadTotal(void);
sds memoryCatInfoFields(sds info);
/* ---- Background freeing (lazyfree.c) ---- */
#include "lazyfree.h"

/* ---- Commands (one prototype per command proc) ---- */
#include "commands_decl.h"

#endif
