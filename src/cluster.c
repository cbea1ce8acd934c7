/* cluster.c: cluster mode -- hash slots, the node table, nodes.conf, the
 * cluster bus and the CLUSTER, READONLY, READWRITE and ASKING commands.
 *
 * Owns: the table of known nodes (myself included), which node serves each
 * of the 16384 slots, the slots being migrated or imported, the epochs, the
 * bus links (one outbound link per peer that we opened, plus the inbound
 * links peers opened to us), and cluster-config-file.
 * Must not touch: sockets or TLS directly (every link goes through
 * connCreate/connConnect/connListen, with the type chosen in one place,
 * clusterConnType), client buffers beyond addReply*, the keyspace beyond
 * db.c's functions.
 * Invariants: the server never blocks on the bus -- a link's bytes are read
 * into its receive buffer and a message is processed only once complete;
 * writes go to its send buffer and a write handler flushes them, retrying
 * unsent bytes unchanged. A message is checked (signature, length, type,
 * counts) before any field is trusted; a bad one drops the link with a log
 * line. Every change of the configuration is saved (temporary file, fsync,
 * rename) before the next event-loop sleep; slot changes made by
 * ADDSLOTS/DELSLOTS/SETSLOT alone skip the fsync (clusterSaveConfig).
 *
 * The bus speaks the binary format described in Redis's public cluster
 * specification (header "RCmb", version 1, big-endian integers), so that
 * Redis 7.0 nodes and ours can exchange PING/PONG/MEET, gossip, FAIL,
 * UPDATE, PUBLISH, FAILOVER_AUTH_REQUEST/ACK and MFSTART messages. A
 * replica follows its master through replication.c (replicationFollowMaster
 * and replicationBecomeMaster are the only calls into it); elections,
 * manual failover and replica migration live here. */
#include "server.h"
#include "cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * Constants of the bus format and of the protocol
 * ------------------------------------------------------------------ */

#define CLUSTER_NAMELEN 40
#define NET_IP_STR_LEN 46
#define CLUSTER_PORT_INCR 10000

#define CLUSTERMSG_TYPE_PING 0
#define CLUSTERMSG_TYPE_PONG 1
#define CLUSTERMSG_TYPE_MEET 2
#define CLUSTERMSG_TYPE_FAIL 3
#define CLUSTERMSG_TYPE_PUBLISH 4
#define CLUSTERMSG_TYPE_FAILOVER_AUTH_REQUEST 5
#define CLUSTERMSG_TYPE_FAILOVER_AUTH_ACK 6
#define CLUSTERMSG_TYPE_UPDATE 7
#define CLUSTERMSG_TYPE_MFSTART 8
#define CLUSTERMSG_TYPE_MODULE 9
#define CLUSTERMSG_TYPE_PUBLISHSHARD 10
#define CLUSTERMSG_TYPE_COUNT 11

/* Node flags, as carried in the header and in gossip entries. */
#define NODE_MASTER 1
#define NODE_SLAVE 2
#define NODE_PFAIL 4
#define NODE_FAIL 8
#define NODE_MYSELF 16
#define NODE_HANDSHAKE 32
#define NODE_NOADDR 64
#define NODE_MEET 128
#define NODE_MIGRATE_TO 256
#define NODE_NOFAILOVER 512

#define CLUSTERMSG_FLAG0_PAUSED (1 << 0)
#define CLUSTERMSG_FLAG0_FORCEACK (1 << 1)
#define CLUSTERMSG_FLAG0_EXT_DATA (1 << 2)

#define CLUSTERMSG_EXT_TYPE_HOSTNAME 0

/* Byte offsets of the message header (2256 bytes, all integers big
 * endian), then the per-type bodies. */
#define HDR_SIG 0
#define HDR_TOTLEN 4
#define HDR_VER 8
#define HDR_PORT 10
#define HDR_TYPE 12
#define HDR_COUNT 14
#define HDR_CURRENT_EPOCH 16
#define HDR_CONFIG_EPOCH 24
#define HDR_OFFSET 32
#define HDR_SENDER 40
#define HDR_MYSLOTS 80
#define HDR_SLAVEOF 2128
#define HDR_MYIP 2168
#define HDR_EXTENSIONS 2214
#define HDR_PPORT 2246
#define HDR_CPORT 2248
#define HDR_FLAGS 2250
#define HDR_STATE 2252
#define HDR_MFLAGS 2253
#define HDR_LEN 2256

#define GOSSIP_LEN 104 /* name, ping_sent, pong_received, ip, port, cport,
                        * flags, pport, unused */
#define UPDATE_LEN (8 + CLUSTER_NAMELEN + CLUSTER_SLOTS / 8)
#define FAIL_LEN CLUSTER_NAMELEN
#define PUBLISH_HDR_LEN 8
/* The largest message we accept: a PUBLISH of a maximal bulk string. */
#define CLUSTER_MAX_MSG_LEN (HDR_LEN + PUBLISH_HDR_LEN + 1024LL * 1024 * 1024)

#define FAIL_REPORT_VALIDITY_MULT 2
#define FAIL_UNDO_TIME_MULT 2
#define CLUSTER_BLACKLIST_TTL 60
#define CLUSTER_SLAVE_MIGRATION_DELAY 5000 /* ms an orphan waits */
#define CLUSTER_MF_TIMEOUT 5000    /* ms a manual failover may take */
#define CLUSTER_MF_PAUSE_MULT 2    /* the master pauses writes this long */

#define CLUSTER_OK 0
#define CLUSTER_FAIL 1

/* ---------------------------------------------------------------------
 * Data structures
 * ------------------------------------------------------------------ */

struct clusterNode;

typedef struct clusterLink {
    long long ctime;            /* when the link was created (ms) */
    connection *conn;
    sds sndbuf;                 /* bytes not yet written... */
    size_t sndpos;              /* ...from this offset */
    sds rcvbuf;                 /* bytes of the message being received */
    struct clusterNode *node;   /* the peer, NULL for an unknown inbound peer */
    int inbound;                /* accepted (1) or opened by us (0) */
} clusterLink;

typedef struct failReport {
    struct clusterNode *node;   /* the master that reported the failure */
    long long time;
} failReport;

typedef struct clusterNode {
    long long ctime;
    char name[CLUSTER_NAMELEN];
    int flags;
    uint64_t configEpoch;
    unsigned char slots[CLUSTER_SLOTS / 8];
    int numslots;
    struct clusterNode *slaveof;
    struct clusterNode **slaves;
    int numslaves;
    long long ping_sent, pong_received, data_received, fail_time;
    long long repl_offset;
    long long voted_time;       /* when we last voted for a replica of it */
    long long orphaned_time;    /* since when a master lacks working replicas */
    char ip[NET_IP_STR_LEN];
    sds hostname;
    int port;                   /* clients' port (TLS when tls-cluster) */
    int pport;                  /* the other clients' port, 0 if none */
    int cport;                  /* bus port */
    clusterLink *link;          /* outbound */
    clusterLink *inbound_link;
    list *fail_reports;         /* failReport* */
} clusterNode;

typedef struct clusterState {
    clusterNode *myself;
    uint64_t currentEpoch;
    uint64_t lastVoteEpoch;
    int state;
    int size;                   /* masters serving at least one slot */
    clusterNode **nodes;
    int numnodes;
    clusterNode *slots[CLUSTER_SLOTS];
    clusterNode *migrating_slots_to[CLUSTER_SLOTS];
    clusterNode *importing_slots_from[CLUSTER_SLOTS];
    list *inbound;              /* inbound links not yet bound to a node */
    dict *blacklist;            /* forgotten names -> expire time */
    int todo_save, todo_update_state, todo_handle_failover;
    int todo_save_lazy; /* a save without fsync will do (see clusterSaveConfig) */
    long long stats_sent[CLUSTERMSG_TYPE_COUNT];
    long long stats_received[CLUSTERMSG_TYPE_COUNT];
    long long stats_pfail_nodes;
    long long links_buffer_limit_exceeded;
    long long cron_iteration;
    connListener listener;
    /* Replica election (this node a replica of a failed master). */
    long long failover_auth_time; /* when the election may start / started */
    int failover_auth_count;    /* votes received */
    int failover_auth_sent;     /* the request went out */
    int failover_auth_rank;
    uint64_t failover_auth_epoch;
    /* Manual failover (CLUSTER FAILOVER): on the master, the replica that
     * asked and the pause's end; on the replica, the master's offset to
     * reach and whether the election may start. mf_end 0: none. */
    long long mf_end;
    clusterNode *mf_slave;
    long long mf_master_offset;
    int mf_can_start;
} clusterState;

static clusterState *cluster;
#define myself (cluster->myself)

static const unsigned char nullName[CLUSTER_NAMELEN];
static const char *msgTypeNames[CLUSTERMSG_TYPE_COUNT] = {
    "ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack",
    "update", "mfstart", "module", "publishshard"};

static void clusterSaveConfigOrDie(void);
static void clusterFreeLink(clusterLink *link);
static void clusterSendPing(clusterLink *link, int type);
static void clusterUpdateState(void);
static void clusterSetMaster(clusterNode *n);
static void clusterSendFailoverAuthIfNeeded(clusterNode *node,
                                            const unsigned char *msg);
static void clusterResetManualFailover(void);
static void clusterBroadcastPong(void);

/* ---------------------------------------------------------------------
 * CRC16 and key slots
 * ------------------------------------------------------------------ */

static uint16_t crc16tab[256];
static int crc16ready;

static void crc16Init(void) {
    /* The table for polynomial x^16 + x^12 + x^5 + 1, computed once. */
    for (int i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++)
            c = (c & 0x8000) ? (uint16_t)((c << 1) ^ 0x1021) : (uint16_t)(c << 1);
        crc16tab[i] = c;
    }
    crc16ready = 1;
}

/* See cluster.h. */
uint16_t crc16xmodem(const char *buf, int len) {
    if (!crc16ready) crc16Init();
    uint16_t crc = 0;
    for (int i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^
                         crc16tab[((crc >> 8) ^ (unsigned char)buf[i]) & 0xff]);
    return crc;
}

/* See cluster.h. The tag rule is the one of the cluster specification:
 * only the first '{' counts, and an empty tag "{}" hashes the whole key. */
unsigned int keyHashSlot(const char *key, int keylen) {
    int s, e;
    for (s = 0; s < keylen; s++)
        if (key[s] == '{') break;
    if (s == keylen) return crc16xmodem(key, keylen) & 0x3FFF;
    for (e = s + 1; e < keylen; e++)
        if (key[e] == '}') break;
    if (e == keylen || e == s + 1) return crc16xmodem(key, keylen) & 0x3FFF;
    return crc16xmodem(key + s + 1, e - s - 1) & 0x3FFF;
}

/* ---------------------------------------------------------------------
 * Big-endian field access
 * ------------------------------------------------------------------ */

static uint16_t get16(const unsigned char *p) {
    return (uint16_t)((p[0] << 8) | p[1]);
}
static uint32_t get32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}
static uint64_t get64(const unsigned char *p) {
    return ((uint64_t)get32(p) << 32) | get32(p + 4);
}
static void put16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}
static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}
static void put64(unsigned char *p, uint64_t v) {
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* ---------------------------------------------------------------------
 * Slot bitmaps
 * ------------------------------------------------------------------ */

static int bitmapTest(const unsigned char *b, int pos) {
    return (b[pos >> 3] >> (pos & 7)) & 1;
}
static void bitmapSet(unsigned char *b, int pos) {
    b[pos >> 3] |= (unsigned char)(1 << (pos & 7));
}
static void bitmapClear(unsigned char *b, int pos) {
    b[pos >> 3] &= (unsigned char)~(1 << (pos & 7));
}

static int nodeIsMaster(clusterNode *n) { return n->flags & NODE_MASTER; }
static int nodeIsSlave(clusterNode *n) { return n->flags & NODE_SLAVE; }
static int nodeInHandshake(clusterNode *n) { return n->flags & NODE_HANDSHAKE; }
static int nodeFailed(clusterNode *n) { return n->flags & NODE_FAIL; }
static int nodeTimedOut(clusterNode *n) { return n->flags & NODE_PFAIL; }

/* ---------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------ */

static void randomName(char *name) {
    getRandomHexChars(name, CLUSTER_NAMELEN);
}

static clusterNode *createClusterNode(const char *name, int flags) {
    clusterNode *n = zcalloc(sizeof(*n));
    if (name)
        memcpy(n->name, name, CLUSTER_NAMELEN);
    else
        randomName(n->name);
    n->ctime = mstime();
    n->flags = flags;
    n->hostname = sdsEmpty();
    n->fail_reports = listCreate();
    return n;
}

static clusterNode *clusterLookupNode(const char *name, size_t len) {
    if (len != CLUSTER_NAMELEN) return NULL;
    for (int j = 0; j < cluster->numnodes; j++)
        if (!memcmp(cluster->nodes[j]->name, name, CLUSTER_NAMELEN))
            return cluster->nodes[j];
    return NULL;
}

static void clusterAddNode(clusterNode *n) {
    cluster->nodes = zrealloc(cluster->nodes,
                              sizeof(clusterNode *) * (cluster->numnodes + 1));
    cluster->nodes[cluster->numnodes++] = n;
}

static int clusterNodeRemoveSlave(clusterNode *master, clusterNode *slave) {
    for (int j = 0; j < master->numslaves; j++) {
        if (master->slaves[j] != slave) continue;
        memmove(master->slaves + j, master->slaves + j + 1,
                sizeof(clusterNode *) * (master->numslaves - j - 1));
        master->numslaves--;
        return C_OK;
    }
    return C_ERR;
}

static void clusterNodeAddSlave(clusterNode *master, clusterNode *slave) {
    for (int j = 0; j < master->numslaves; j++)
        if (master->slaves[j] == slave) return;
    master->slaves = zrealloc(master->slaves,
                              sizeof(clusterNode *) * (master->numslaves + 1));
    master->slaves[master->numslaves++] = slave;
    /* A master that had replicas is a target of replica migration once it
     * has none left that work. */
    master->flags |= NODE_MIGRATE_TO;
}

static int clusterNodeDelFailureReport(clusterNode *n, clusterNode *sender) {
    listIter li;
    listNode *ln;
    listGetIterator(n->fail_reports, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        failReport *fr = listNodeValue(ln);
        if (fr->node != sender) continue;
        zfree(fr);
        listDelNode(n->fail_reports, ln);
        return 1;
    }
    return 0;
}

static int clusterNodeAddFailureReport(clusterNode *n, clusterNode *sender) {
    listIter li;
    listNode *ln;
    listGetIterator(n->fail_reports, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        failReport *fr = listNodeValue(ln);
        if (fr->node == sender) {
            fr->time = mstime();
            return 0;
        }
    }
    failReport *fr = zmalloc(sizeof(*fr));
    fr->node = sender;
    fr->time = mstime();
    listAddNodeTail(n->fail_reports, fr);
    return 1;
}

/* Drops reports older than the validity window; returns how many remain. */
static int clusterNodeFailureReportsCount(clusterNode *n) {
    long long maxtime = server.cluster_node_timeout * FAIL_REPORT_VALIDITY_MULT;
    long long now = mstime();
    listIter li;
    listNode *ln;
    listGetIterator(n->fail_reports, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        failReport *fr = listNodeValue(ln);
        if (now - fr->time > maxtime) {
            zfree(fr);
            listDelNode(n->fail_reports, ln);
        }
    }
    return (int)listLength(n->fail_reports);
}

static int clusterDelSlot(int slot);

static void freeClusterNode(clusterNode *n) {
    if (cluster->mf_slave == n) clusterResetManualFailover();
    for (int j = 0; j < n->numslaves; j++) n->slaves[j]->slaveof = NULL;
    if (nodeIsSlave(n) && n->slaveof) clusterNodeRemoveSlave(n->slaveof, n);
    if (n->link) clusterFreeLink(n->link);
    if (n->inbound_link) clusterFreeLink(n->inbound_link);
    listIter li;
    listNode *ln;
    listGetIterator(n->fail_reports, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) zfree(listNodeValue(ln));
    listRelease(n->fail_reports);
    zfree(n->slaves);
    sdsFree(n->hostname);
    zfree(n);
}

/* Removes <del> from the table: its slots become unassigned, its failure
 * reports about others are dropped, and it is freed. */
static void clusterDelNode(clusterNode *del) {
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (cluster->importing_slots_from[j] == del)
            cluster->importing_slots_from[j] = NULL;
        if (cluster->migrating_slots_to[j] == del)
            cluster->migrating_slots_to[j] = NULL;
        if (cluster->slots[j] == del) clusterDelSlot(j);
    }
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n == del) {
            memmove(cluster->nodes + j, cluster->nodes + j + 1,
                    sizeof(clusterNode *) * (cluster->numnodes - j - 1));
            cluster->numnodes--;
            j--;
            continue;
        }
        clusterNodeDelFailureReport(n, del);
    }
    freeClusterNode(del);
}

static void clusterRenameNode(clusterNode *n, const char *newname) {
    serverLog(LL_DEBUG, "Renaming node %.40s into %.40s", n->name, newname);
    memcpy(n->name, newname, CLUSTER_NAMELEN);
}

static void clusterSetNodeAsMaster(clusterNode *n) {
    if (nodeIsMaster(n)) return;
    if (n->slaveof) clusterNodeRemoveSlave(n->slaveof, n);
    n->flags &= ~NODE_SLAVE;
    n->flags |= NODE_MASTER;
    n->slaveof = NULL;
    cluster->todo_save = cluster->todo_update_state = 1;
}

static int clusterAddSlot(clusterNode *n, int slot) {
    if (cluster->slots[slot]) return C_ERR;
    bitmapSet(n->slots, slot);
    n->numslots++;
    cluster->slots[slot] = n;
    return C_OK;
}

static int clusterDelSlot(int slot) {
    clusterNode *n = cluster->slots[slot];
    if (!n) return C_ERR;
    bitmapClear(n->slots, slot);
    n->numslots--;
    cluster->slots[slot] = NULL;
    return C_OK;
}

static void clusterDelNodeSlots(clusterNode *n) {
    for (int j = 0; j < CLUSTER_SLOTS; j++)
        if (bitmapTest(n->slots, j)) clusterDelSlot(j);
}

static uint64_t blacklistHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int blacklistCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return sdsLen((sds)a) == sdsLen((sds)b) &&
           memcmp(a, b, sdsLen((sds)a)) == 0;
}

static void blacklistFree(dict *d, void *key) {
    UNUSED(d);
    sdsFree(key);
}

static dictType clusterBlacklistDictType = {
    blacklistHash, NULL, NULL, blacklistCompare, blacklistFree, NULL, NULL};

/* Blacklist of forgotten nodes: gossip does not bring them back for a
 * minute, so that CLUSTER FORGET sent to every node sticks. */
static void clusterBlacklistCleanup(void) {
    dictIterator *di = dictGetSafeIterator(cluster->blacklist);
    dictEntry *de;
    long long now = time(NULL);
    while ((de = dictNext(di)))
        if ((long long)(intptr_t)dictGetVal(de) < now)
            dictDelete(cluster->blacklist, dictGetKey(de));
    dictReleaseIterator(di);
}

static void clusterBlacklistAdd(clusterNode *n) {
    sds id = sdsNewLen(n->name, CLUSTER_NAMELEN);
    long long expire = time(NULL) + CLUSTER_BLACKLIST_TTL;
    dictEntry *de = dictFind(cluster->blacklist, id);
    if (de) {
        de->v.val = (void *)(intptr_t)expire;
        sdsFree(id);
    } else {
        dictAdd(cluster->blacklist, id, (void *)(intptr_t)expire);
    }
}

static int clusterBlacklistExists(const char *name) {
    clusterBlacklistCleanup();
    sds id = sdsNewLen(name, CLUSTER_NAMELEN);
    int found = dictFind(cluster->blacklist, id) != NULL;
    sdsFree(id);
    return found;
}

/* ---------------------------------------------------------------------
 * Ports and endpoints
 * ------------------------------------------------------------------ */

/* The port clients should use, as myself announces it: with tls-cluster
 * the TLS port (Redis 7.0 does the same), else the plain one. */
static void clusterUpdateMyselfAnnouncedPorts(void) {
    if (!myself) return;
    int port = server.tls_cluster ? server.tls_port : server.port;
    int pport = server.tls_cluster ? server.port : server.tls_port;
    if (server.tls_cluster && server.cluster_announce_tls_port)
        port = server.cluster_announce_tls_port;
    else if (!server.tls_cluster && server.cluster_announce_port)
        port = server.cluster_announce_port;
    if (server.tls_cluster && server.cluster_announce_port)
        pport = server.cluster_announce_port;
    else if (!server.tls_cluster && server.cluster_announce_tls_port)
        pport = server.cluster_announce_tls_port;
    myself->port = port;
    myself->pport = pport;
    myself->cport = server.cluster_announce_bus_port
                        ? server.cluster_announce_bus_port
                        : (server.cluster_port ? server.cluster_port
                                               : port + CLUSTER_PORT_INCR);
    if (server.cluster_announce_ip && server.cluster_announce_ip[0]) {
        snprintf(myself->ip, sizeof(myself->ip), "%s",
                 server.cluster_announce_ip);
    }
    const char *h = server.cluster_announce_hostname
                        ? server.cluster_announce_hostname
                        : "";
    if (strcmp(myself->hostname, h)) {
        sdsFree(myself->hostname);
        myself->hostname = sdsNew(h);
        cluster->todo_save = 1;
    }
}

/* The port of <n> for client <c>: a plain-text client of a tls-cluster node
 * gets the plain port (Redis 7.0's rule), everyone else the announced one. */
static int clusterNodeClientPort(clusterNode *n, client *c) {
    int use_pport = server.tls_cluster && c && c->conn && !connIsTLS(c->conn);
    return (use_pport && n->pport) ? n->pport : n->port;
}

/* The endpoint clients are sent to, as cluster-preferred-endpoint-type
 * says. */
static const char *clusterNodePreferredEndpoint(clusterNode *n) {
    switch (server.cluster_preferred_endpoint_type) {
    case CLUSTER_ENDPOINT_TYPE_IP: return n->ip;
    case CLUSTER_ENDPOINT_TYPE_HOSTNAME:
        return sdsLen(n->hostname) ? n->hostname : "?";
    default: return "";
    }
}

/* ---------------------------------------------------------------------
 * nodes.conf
 * ------------------------------------------------------------------ */

static sds clusterGenNodeFlags(sds s, clusterNode *n) {
    size_t start = sdsLen(s);
    if (n->flags & NODE_MYSELF) s = sdsCat(s, "myself,");
    if (n->flags & NODE_MASTER) s = sdsCat(s, "master,");
    if (n->flags & NODE_SLAVE) s = sdsCat(s, "slave,");
    if (n->flags & NODE_PFAIL) s = sdsCat(s, "fail?,");
    if (n->flags & NODE_FAIL) s = sdsCat(s, "fail,");
    if (n->flags & NODE_HANDSHAKE) s = sdsCat(s, "handshake,");
    if (n->flags & NODE_NOADDR) s = sdsCat(s, "noaddr,");
    if (n->flags & NODE_NOFAILOVER) s = sdsCat(s, "nofailover,");
    if (sdsLen(s) == start) s = sdsCat(s, "noflags,");
    sdsSetLen(s, sdsLen(s) - 1);
    return s;
}

/* One CLUSTER NODES line of <n> (no newline) for client <c> (NULL: for
 * nodes.conf). */
static sds clusterGenNodeDescription(client *c, clusterNode *n) {
    sds s = sdsCatPrintf(sdsEmpty(), "%.40s %s:%d@%d", n->name, n->ip,
                         clusterNodeClientPort(n, c), n->cport);
    if (sdsLen(n->hostname)) s = sdsCatPrintf(s, ",%s", n->hostname);
    s = sdsCat(s, " ");
    s = clusterGenNodeFlags(s, n);
    if (n->slaveof)
        s = sdsCatPrintf(s, " %.40s ", n->slaveof->name);
    else
        s = sdsCat(s, " - ");
    int connected = n->link || (n->flags & NODE_MYSELF);
    s = sdsCatPrintf(s, "%lld %lld %llu %s", n->ping_sent, n->pong_received,
                     (unsigned long long)(nodeIsSlave(n) && n->slaveof
                                              ? n->slaveof->configEpoch
                                              : n->configEpoch),
                     connected ? "connected" : "disconnected");
    int start = -1;
    for (int j = 0; j <= CLUSTER_SLOTS; j++) {
        int bit = j < CLUSTER_SLOTS && bitmapTest(n->slots, j);
        if (bit && start == -1) start = j;
        if (!bit && start != -1) {
            if (start == j - 1)
                s = sdsCatPrintf(s, " %d", start);
            else
                s = sdsCatPrintf(s, " %d-%d", start, j - 1);
            start = -1;
        }
    }
    if (n->flags & NODE_MYSELF) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (cluster->migrating_slots_to[j])
                s = sdsCatPrintf(s, " [%d->-%.40s]", j,
                                 cluster->migrating_slots_to[j]->name);
            else if (cluster->importing_slots_from[j])
                s = sdsCatPrintf(s, " [%d-<-%.40s]", j,
                                 cluster->importing_slots_from[j]->name);
        }
    }
    return s;
}

static sds clusterGenNodesDescription(client *c, int filter) {
    sds ci = sdsEmpty();
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->flags & filter) continue;
        sds line = clusterGenNodeDescription(c, n);
        ci = sdsCatSds(ci, line);
        ci = sdsCat(ci, "\n");
        sdsFree(line);
    }
    return ci;
}

/* Writes the node table to cluster-config-file: a temporary file in the
 * same directory, fsync (when <do_fsync>), rename over the old one, fsync
 * of the directory (when <do_fsync>). The rename keeps every version of
 * the file whole. Changes made by ADDSLOTS, DELSLOTS and SETSLOT alone
 * are saved without fsync, as Redis 7.0 does (a tool moving thousands of
 * slots would otherwise wait for the disk on every one); epochs, votes,
 * nodes and slot changes learnt from the bus are always fsynced.
 * Returns C_OK, or C_ERR with errno set and the old file untouched. */
static int clusterSaveConfig(int do_fsync) {
    cluster->todo_save = 0;
    cluster->todo_save_lazy = 0;
    sds content = clusterGenNodesDescription(NULL, NODE_HANDSHAKE);
    content = sdsCatPrintf(content, "vars currentEpoch %llu lastVoteEpoch %llu\n",
                           (unsigned long long)cluster->currentEpoch,
                           (unsigned long long)cluster->lastVoteEpoch);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", server.cluster_configfile,
             (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        sdsFree(content);
        return C_ERR;
    }
    size_t off = 0, len = sdsLen(content);
    while (off < len) {
        ssize_t w = write(fd, content + off, len - off); /* lint:not-socket */
        if (w <= 0) {
            if (w == -1 && errno == EINTR) continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (do_fsync && fsync(fd) == -1) goto fail;
    if (close(fd) == -1) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, server.cluster_configfile) == -1) goto fail;
    sdsFree(content);
    if (do_fsync) {
        char dirbuf[PATH_MAX];
        snprintf(dirbuf, sizeof(dirbuf), "%s", server.cluster_configfile);
        int dfd = open(dirname(dirbuf), O_RDONLY);
        if (dfd != -1) {
            if (fsync(dfd) == -1) {
                /* Not fatal: the rename happened. */
            }
            close(dfd);
        }
    }
    return C_OK;
fail: {
    int saved = errno;
    if (fd != -1) close(fd);
    unlink(tmp);
    sdsFree(content);
    errno = saved;
    return C_ERR;
}
}

/* Saves with fsync, or exits: the node must not go on with a state that
 * is not on disk. <do_fsync> 0 only for the pending lazy save. */
static void clusterSaveConfigOrDieWith(int do_fsync) {
    if (clusterSaveConfig(do_fsync) == C_ERR) {
        serverLog(LL_WARNING, "Fatal: can't update cluster config file: %s",
                  strerror(errno));
        exit(1);
    }
}

static void clusterSaveConfigOrDie(void) {
    clusterSaveConfigOrDieWith(1);
}

/* Parses "ip:port@cport[,hostname]" into <n>. Returns C_OK or C_ERR. */
static int clusterParseAddress(clusterNode *n, const char *addr) {
    const char *at = strchr(addr, '@');
    const char *colon = at ? memrchr(addr, ':', (size_t)(at - addr)) : NULL;
    if (!at || !colon || colon - addr >= NET_IP_STR_LEN) return C_ERR;
    memcpy(n->ip, addr, (size_t)(colon - addr));
    n->ip[colon - addr] = '\0';
    n->port = atoi(colon + 1);
    n->cport = atoi(at + 1);
    const char *comma = strchr(at, ',');
    sdsFree(n->hostname);
    n->hostname = sdsNew(comma ? comma + 1 : "");
    return C_OK;
}

static clusterNode *clusterLookupOrCreate(const char *name) {
    clusterNode *n = clusterLookupNode(name, strlen(name));
    if (!n) {
        n = createClusterNode(name, 0);
        clusterAddNode(n);
    }
    return n;
}

/* Loads cluster-config-file. Returns C_ERR if it does not exist or is
 * empty (then myself is created); exits on a corrupt file, as Redis does,
 * rather than running with a half-read configuration. */
static int clusterLoadConfig(const char *filename) {
    FILE *fp = fopen(filename, "r");
    if (!fp) {
        if (errno == ENOENT) return C_ERR;
        serverLog(LL_WARNING, "Loading the cluster node config from %s: %s",
                  filename, strerror(errno));
        exit(1);
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != -1 && sb.st_size == 0) {
        fclose(fp);
        return C_ERR;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0;
    while ((got = getline(&line, &cap, fp)) != -1) {
        lineno++;
        int argc;
        sds *argv = sdsSplitArgs(line, &argc);
        if (!argv) goto fmterr;
        if (argc == 0) {
            sdsFreeSplitRes(argv, argc);
            continue;
        }
        if (!strcasecmp(argv[0], "vars")) {
            if (!(argc % 2)) {
                sdsFreeSplitRes(argv, argc);
                goto fmterr;
            }
            for (int j = 1; j < argc; j += 2) {
                if (!strcasecmp(argv[j], "currentEpoch"))
                    cluster->currentEpoch = strtoull(argv[j + 1], NULL, 10);
                else if (!strcasecmp(argv[j], "lastVoteEpoch"))
                    cluster->lastVoteEpoch = strtoull(argv[j + 1], NULL, 10);
                else
                    serverLog(LL_NOTICE, "Skipping unknown cluster config "
                              "variable '%s'", argv[j]);
            }
            sdsFreeSplitRes(argv, argc);
            continue;
        }
        if (argc < 8 || sdsLen(argv[0]) != CLUSTER_NAMELEN) {
            sdsFreeSplitRes(argv, argc);
            goto fmterr;
        }
        clusterNode *n = clusterLookupOrCreate(argv[0]);
        if (clusterParseAddress(n, argv[1]) != C_OK) {
            sdsFreeSplitRes(argv, argc);
            goto fmterr;
        }
        int fc;
        sds *fl = sdsSplitLen(argv[2], (ssize_t)sdsLen(argv[2]), ",", 1, &fc);
        for (int j = 0; j < fc; j++) {
            if (!strcmp(fl[j], "myself")) {
                myself = n;
                n->flags |= NODE_MYSELF;
            } else if (!strcmp(fl[j], "master")) {
                n->flags |= NODE_MASTER;
            } else if (!strcmp(fl[j], "slave")) {
                n->flags |= NODE_SLAVE;
            } else if (!strcmp(fl[j], "fail?")) {
                n->flags |= NODE_PFAIL;
            } else if (!strcmp(fl[j], "fail")) {
                n->flags |= NODE_FAIL;
                n->fail_time = mstime();
            } else if (!strcmp(fl[j], "handshake")) {
                n->flags |= NODE_HANDSHAKE;
            } else if (!strcmp(fl[j], "noaddr")) {
                n->flags |= NODE_NOADDR;
            } else if (!strcmp(fl[j], "nofailover")) {
                n->flags |= NODE_NOFAILOVER;
            }
        }
        sdsFreeSplitRes(fl, fc);
        if (strcmp(argv[3], "-")) {
            clusterNode *m = clusterLookupOrCreate(argv[3]);
            n->slaveof = m;
            clusterNodeAddSlave(m, n);
        }
        n->ping_sent = atoll(argv[4]) ? mstime() : 0;
        n->pong_received = atoll(argv[5]) ? mstime() : 0;
        n->configEpoch = strtoull(argv[6], NULL, 10);
        for (int j = 8; j < argc; j++) {
            char *a = argv[j];
            if (a[0] == '[') {
                /* [slot->-node] migrating, [slot-<-node] importing */
                char *p = strchr(a, '-');
                if (!p || (p[1] != '>' && p[1] != '<') || p[2] != '-') {
                    sdsFreeSplitRes(argv, argc);
                    goto fmterr;
                }
                int slot = atoi(a + 1);
                if (slot < 0 || slot >= CLUSTER_SLOTS ||
                    strlen(p + 3) < CLUSTER_NAMELEN + 1) {
                    sdsFreeSplitRes(argv, argc);
                    goto fmterr;
                }
                char name[CLUSTER_NAMELEN + 1];
                memcpy(name, p + 3, CLUSTER_NAMELEN);
                name[CLUSTER_NAMELEN] = '\0';
                clusterNode *o = clusterLookupOrCreate(name);
                if (p[1] == '>')
                    cluster->migrating_slots_to[slot] = o;
                else
                    cluster->importing_slots_from[slot] = o;
                continue;
            }
            char *dash = strchr(a, '-');
            long start, stop;
            if (dash) {
                *dash = '\0';
                start = atol(a);
                stop = atol(dash + 1);
            } else {
                start = stop = atol(a);
            }
            if (start < 0 || stop >= CLUSTER_SLOTS || start > stop) {
                sdsFreeSplitRes(argv, argc);
                goto fmterr;
            }
            for (long s = start; s <= stop; s++) {
                if (cluster->slots[s]) clusterDelSlot((int)s);
                clusterAddSlot(n, (int)s);
            }
        }
        sdsFreeSplitRes(argv, argc);
    }
    free(line);
    fclose(fp);
    if (!myself) {
        serverLog(LL_WARNING, "Unrecoverable error: the cluster config file "
                  "%s has no line with the myself flag.", filename);
        exit(1);
    }
    serverLog(LL_NOTICE, "Node configuration loaded, I'm %.40s", myself->name);
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->configEpoch > cluster->currentEpoch)
            cluster->currentEpoch = n->configEpoch;
    }
    return C_OK;
fmterr:
    serverLog(LL_WARNING, "Unrecoverable error: corrupted cluster config file "
              "%s (line %d).", filename, lineno);
    free(line);
    fclose(fp);
    exit(1);
}

/* ---------------------------------------------------------------------
 * Links
 * ------------------------------------------------------------------ */

/* The one place that picks the bus's connection type: TLS with
 * tls-cluster, plain TCP otherwise. */
static ConnectionType *clusterConnType(void) {
    return server.tls_cluster ? connTypeOfTls() : connTypeOfSocket();
}

static clusterLink *createClusterLink(clusterNode *node, connection *conn,
                                      int inbound) {
    clusterLink *link = zcalloc(sizeof(*link));
    link->ctime = mstime();
    link->sndbuf = sdsEmpty();
    link->rcvbuf = sdsEmpty();
    link->node = node;
    link->conn = conn;
    link->inbound = inbound;
    if (conn) connSetPrivateData(conn, link);
    return link;
}

static void clusterFreeLink(clusterLink *link) {
    if (link->conn) {
        connSetPrivateData(link->conn, NULL);
        connClose(link->conn);
    }
    sdsFree(link->sndbuf);
    sdsFree(link->rcvbuf);
    if (link->node) {
        if (link->node->link == link) link->node->link = NULL;
        if (link->node->inbound_link == link) link->node->inbound_link = NULL;
    } else {
        listNode *ln = listSearchKey(cluster->inbound, link);
        if (ln) listDelNode(cluster->inbound, ln);
    }
    zfree(link);
}

static void clusterWriteHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    if (!link) return;
    while (link->sndpos < sdsLen(link->sndbuf)) {
        ssize_t w = connWrite(conn, link->sndbuf + link->sndpos,
                              sdsLen(link->sndbuf) - link->sndpos);
        if (w <= 0) {
            if (w == -1 && connGetState(conn) == CONN_STATE_CONNECTED)
                return; /* the same bytes again when writable */
            serverLog(LL_DEBUG, "I/O error writing to node link: %s",
                      connGetLastError(conn));
            clusterFreeLink(link);
            return;
        }
        link->sndpos += (size_t)w;
    }
    sdsClear(link->sndbuf);
    link->sndpos = 0;
    connClearWriteHandler(conn);
}

/* Queues <len> bytes of <msg> on <link> and makes sure the write handler
 * will flush them. */
static void clusterSendMessage(clusterLink *link, const unsigned char *msg,
                               size_t len) {
    if (!link || !link->conn) return;
    if (sdsLen(link->sndbuf) == 0 &&
        connGetState(link->conn) == CONN_STATE_CONNECTED &&
        connSetWriteHandlerWithBarrier(link->conn, clusterWriteHandler, 1) != 0) {
        serverLog(LL_WARNING, "Can't install the cluster bus write handler");
        return;
    }
    if (link->sndpos > 1024 * 1024 && link->sndpos * 2 > sdsLen(link->sndbuf)) {
        /* Compact only bytes already written. */
        sdsRange(link->sndbuf, (ssize_t)link->sndpos, -1);
        link->sndpos = 0;
    }
    link->sndbuf = sdsCatLen(link->sndbuf, msg, len);
    uint16_t type = get16(msg + HDR_TYPE);
    if (type < CLUSTERMSG_TYPE_COUNT) cluster->stats_sent[type]++;
}

static void clusterBroadcastMessage(const unsigned char *msg, size_t len) {
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->flags & (NODE_MYSELF | NODE_HANDSHAKE)) continue;
        clusterSendMessage(n->link, msg, len);
    }
}

/* ---------------------------------------------------------------------
 * Building messages
 * ------------------------------------------------------------------ */

/* Writes the common header of a <type> message of <totlen> bytes into
 * <buf>, as myself (or, for a replica, its master's slots and epoch). */
static void clusterBuildHeader(unsigned char *buf, int type, size_t totlen) {
    clusterNode *master = (nodeIsSlave(myself) && myself->slaveof)
                              ? myself->slaveof
                              : myself;
    memset(buf, 0, HDR_LEN);
    memcpy(buf + HDR_SIG, "RCmb", 4);
    put32(buf + HDR_TOTLEN, (uint32_t)totlen);
    put16(buf + HDR_VER, 1);
    put16(buf + HDR_PORT, (uint16_t)myself->port);
    put16(buf + HDR_TYPE, (uint16_t)type);
    put64(buf + HDR_CURRENT_EPOCH, cluster->currentEpoch);
    put64(buf + HDR_CONFIG_EPOCH, master->configEpoch);
    put64(buf + HDR_OFFSET, (uint64_t)server.master_repl_offset);
    memcpy(buf + HDR_SENDER, myself->name, CLUSTER_NAMELEN);
    memcpy(buf + HDR_MYSLOTS, master->slots, sizeof(master->slots));
    if (myself->slaveof)
        memcpy(buf + HDR_SLAVEOF, myself->slaveof->name, CLUSTER_NAMELEN);
    if (server.cluster_announce_ip && server.cluster_announce_ip[0])
        snprintf((char *)buf + HDR_MYIP, NET_IP_STR_LEN, "%s",
                 server.cluster_announce_ip);
    put16(buf + HDR_PPORT, (uint16_t)myself->pport);
    put16(buf + HDR_CPORT, (uint16_t)myself->cport);
    put16(buf + HDR_FLAGS, (uint16_t)myself->flags);
    buf[HDR_STATE] = (unsigned char)cluster->state;
    /* A master paused for a manual failover says so: its offset in this
     * header is the one its replica must reach. */
    if (nodeIsMaster(myself) && cluster->mf_end)
        buf[HDR_MFLAGS] |= CLUSTERMSG_FLAG0_PAUSED;
}

static void clusterSetGossipEntry(unsigned char *g, clusterNode *n) {
    memset(g, 0, GOSSIP_LEN);
    memcpy(g, n->name, CLUSTER_NAMELEN);
    put32(g + 40, (uint32_t)(n->ping_sent / 1000));
    put32(g + 44, (uint32_t)(n->pong_received / 1000));
    memcpy(g + 48, n->ip, strlen(n->ip));
    put16(g + 94, (uint16_t)n->port);
    put16(g + 96, (uint16_t)n->cport);
    put16(g + 98, (uint16_t)n->flags);
    put16(g + 100, (uint16_t)n->pport);
}

/* Sends a PING, PONG or MEET on <link> with gossip about a few random
 * nodes and every node we think is failing, plus the hostname extension. */
static void clusterSendPing(clusterLink *link, int type) {
    if (!link) return;
    int freshnodes = cluster->numnodes - 2;
    int wanted = cluster->numnodes / 10;
    if (wanted < 3) wanted = 3;
    if (wanted > freshnodes) wanted = freshnodes;
    if (wanted < 0) wanted = 0;
    int pfail = 0;
    for (int j = 0; j < cluster->numnodes; j++)
        if (nodeTimedOut(cluster->nodes[j])) pfail++;
    size_t hostlen = sdsLen(myself->hostname);
    size_t extlen = 0;
    if (hostlen) extlen = 8 + ((hostlen + 1 + 7) / 8) * 8;
    size_t maxlen = HDR_LEN + (size_t)(wanted + pfail) * GOSSIP_LEN + extlen;
    unsigned char *buf = zcalloc(maxlen);
    if (link->node && type == CLUSTERMSG_TYPE_PING)
        link->node->ping_sent = mstime();

    int gossipcount = 0;
    unsigned char *chosen = zcalloc((size_t)cluster->numnodes + 1);
    int maxiter = wanted * 3;
    while (freshnodes > 0 && gossipcount < wanted && maxiter--) {
        int idx = rand() % cluster->numnodes;
        clusterNode *n = cluster->nodes[idx];
        if (n == myself || chosen[idx]) continue;
        if (n->flags & NODE_PFAIL) continue;
        if (n->flags & (NODE_HANDSHAKE | NODE_NOADDR) ||
            (n->link == NULL && n->numslots == 0))
            continue;
        chosen[idx] = 1;
        clusterSetGossipEntry(buf + HDR_LEN + gossipcount * GOSSIP_LEN, n);
        gossipcount++;
    }
    for (int j = 0; j < cluster->numnodes && pfail > 0; j++) {
        clusterNode *n = cluster->nodes[j];
        if (!nodeTimedOut(n) || (n->flags & (NODE_HANDSHAKE | NODE_NOADDR)))
            continue;
        clusterSetGossipEntry(buf + HDR_LEN + gossipcount * GOSSIP_LEN, n);
        gossipcount++;
        pfail--;
    }
    zfree(chosen);
    size_t totlen = HDR_LEN + (size_t)gossipcount * GOSSIP_LEN;
    int extensions = 0;
    if (hostlen) {
        unsigned char *e = buf + totlen;
        put32(e, (uint32_t)extlen);
        put16(e + 4, CLUSTERMSG_EXT_TYPE_HOSTNAME);
        memcpy(e + 8, myself->hostname, hostlen);
        totlen += extlen;
        extensions = 1;
    }
    unsigned char hdr[HDR_LEN];
    clusterBuildHeader(hdr, type, totlen);
    memcpy(buf, hdr, HDR_LEN);
    put16(buf + HDR_COUNT, (uint16_t)gossipcount);
    put16(buf + HDR_EXTENSIONS, (uint16_t)extensions);
    buf[HDR_MFLAGS] |= CLUSTERMSG_FLAG0_EXT_DATA;
    clusterSendMessage(link, buf, totlen);
    zfree(buf);
}

static void clusterBroadcastPong(void) {
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (!n->link || (n->flags & (NODE_MYSELF | NODE_HANDSHAKE))) continue;
        clusterSendPing(n->link, CLUSTERMSG_TYPE_PONG);
    }
}

static void clusterSendFail(const char *nodename) {
    unsigned char buf[HDR_LEN + FAIL_LEN];
    clusterBuildHeader(buf, CLUSTERMSG_TYPE_FAIL, sizeof(buf));
    memcpy(buf + HDR_LEN, nodename, CLUSTER_NAMELEN);
    clusterBroadcastMessage(buf, sizeof(buf));
}

static void clusterSendUpdate(clusterLink *link, clusterNode *n) {
    if (!link) return;
    unsigned char buf[HDR_LEN + UPDATE_LEN];
    clusterBuildHeader(buf, CLUSTERMSG_TYPE_UPDATE, sizeof(buf));
    put64(buf + HDR_LEN, n->configEpoch);
    memcpy(buf + HDR_LEN + 8, n->name, CLUSTER_NAMELEN);
    memcpy(buf + HDR_LEN + 8 + CLUSTER_NAMELEN, n->slots, sizeof(n->slots));
    clusterSendMessage(link, buf, sizeof(buf));
}

/* See cluster.h. */
void clusterPropagatePublish(robj *channel, robj *message, int sharded) {
    if (!server.cluster_enabled || !cluster) return;
    size_t clen = sdsLen(channel->ptr), mlen = sdsLen(message->ptr);
    size_t totlen = HDR_LEN + PUBLISH_HDR_LEN + clen + mlen;
    unsigned char *buf = zmalloc(totlen);
    clusterBuildHeader(buf, sharded ? CLUSTERMSG_TYPE_PUBLISHSHARD
                                    : CLUSTERMSG_TYPE_PUBLISH, totlen);
    put32(buf + HDR_LEN, (uint32_t)clen);
    put32(buf + HDR_LEN + 4, (uint32_t)mlen);
    memcpy(buf + HDR_LEN + 8, channel->ptr, clen);
    memcpy(buf + HDR_LEN + 8 + clen, message->ptr, mlen);
    if (!sharded) {
        clusterBroadcastMessage(buf, totlen);
    } else {
        /* The shard: our master (if any) and its replicas, or ours. */
        clusterNode *m = nodeIsSlave(myself) && myself->slaveof
                             ? myself->slaveof
                             : myself;
        if (m != myself) clusterSendMessage(m->link, buf, totlen);
        for (int j = 0; j < m->numslaves; j++)
            if (m->slaves[j] != myself)
                clusterSendMessage(m->slaves[j]->link, buf, totlen);
    }
    zfree(buf);
}

/* ---------------------------------------------------------------------
 * Handshakes, failure detection, slot updates
 * ------------------------------------------------------------------ */

static int clusterHandshakeInProgress(const char *ip, int port, int cport) {
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (!nodeInHandshake(n)) continue;
        if (!strcasecmp(n->ip, ip) && n->port == port && n->cport == cport)
            return 1;
    }
    return 0;
}

/* Starts a handshake with the node at <ip>:<port> (bus port <cport>):
 * adds a node with a random name in the handshake state; the cron connects
 * to it and sends MEET. Returns 0 with errno EINVAL for a bad address or
 * port, 0 with errno EAGAIN when a handshake with it is already under way,
 * 1 when started. */
static int clusterStartHandshake(const char *ip, int port, int cport) {
    unsigned char addr[sizeof(struct in6_addr)];
    char norm[NET_IP_STR_LEN];
    if (inet_pton(AF_INET, ip, addr) == 1) {
        inet_ntop(AF_INET, addr, norm, sizeof(norm));
    } else if (inet_pton(AF_INET6, ip, addr) == 1) {
        inet_ntop(AF_INET6, addr, norm, sizeof(norm));
    } else {
        errno = EINVAL;
        return 0;
    }
    if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
        errno = EINVAL;
        return 0;
    }
    if (clusterHandshakeInProgress(norm, port, cport)) {
        errno = EAGAIN;
        return 0;
    }
    clusterNode *n = createClusterNode(NULL, NODE_HANDSHAKE | NODE_MEET);
    memcpy(n->ip, norm, sizeof(norm));
    n->port = port;
    n->cport = cport;
    clusterAddNode(n);
    return 1;
}

static void clusterSetNodeFailIfNeeded(clusterNode *n) {
    int quorum = cluster->size / 2 + 1;
    if (!nodeTimedOut(n) || nodeFailed(n)) return;
    int failures = clusterNodeFailureReportsCount(n);
    if (nodeIsMaster(myself)) failures++;
    if (failures < quorum) return;
    serverLog(LL_NOTICE, "Marking node %.40s as failing (quorum reached).",
              n->name);
    n->flags &= ~NODE_PFAIL;
    n->flags |= NODE_FAIL;
    n->fail_time = mstime();
    clusterSendFail(n->name);
    cluster->todo_save = cluster->todo_update_state = 1;
}

/* Clears FAIL of <n> once it answers: at once for a replica or a master
 * without slots, after FAIL_UNDO_TIME_MULT node timeouts for a master that
 * still has slots (nobody took them over). */
static void clearNodeFailureIfNeeded(clusterNode *n) {
    long long now = mstime();
    if (nodeIsSlave(n) || n->numslots == 0) {
        serverLog(LL_NOTICE, "Clear FAIL state for node %.40s: %s is reachable "
                  "again.", n->name, nodeIsSlave(n) ? "replica" : "master "
                  "without slots");
        n->flags &= ~NODE_FAIL;
        cluster->todo_save = cluster->todo_update_state = 1;
    }
    if (nodeIsMaster(n) && n->numslots > 0 &&
        now - n->fail_time > server.cluster_node_timeout * FAIL_UNDO_TIME_MULT) {
        serverLog(LL_NOTICE, "Clear FAIL state for node %.40s: is reachable "
                  "again and nobody is serving its slots after some time.",
                  n->name);
        n->flags &= ~NODE_FAIL;
        cluster->todo_save = cluster->todo_update_state = 1;
    }
}

/* Deletes every key of db 0 in <slot> (a slot we lost to another node). */
static unsigned int delKeysInSlot(int slot) {
    unsigned int deleted = 0;
    dictIterator *di = dictGetSafeIterator(server.db[0].dict);
    dictEntry *de;
    while ((de = dictNext(di))) {
        sds k = dictGetKey(de);
        if ((int)keyHashSlot(k, (int)sdsLen(k)) != slot) continue;
        robj *key = createStringObject(k, sdsLen(k));
        dbDelete(&server.db[0], key);
        decrRefCount(key);
        deleted++;
    }
    dictReleaseIterator(di);
    return deleted;
}

static unsigned int countKeysInSlot(int slot) {
    unsigned int count = 0;
    dictIterator *di = dictGetIterator(server.db[0].dict);
    dictEntry *de;
    while ((de = dictNext(di))) {
        sds k = dictGetKey(de);
        if ((int)keyHashSlot(k, (int)sdsLen(k)) == slot) count++;
    }
    dictReleaseIterator(di);
    return count;
}

/* <sender> claims <slots> with <epoch>: it takes every slot whose owner
 * has a smaller config epoch (or none), except slots we are importing.
 * Keys we held in a slot taken from us are deleted. */
static void clusterUpdateSlotsConfigWith(clusterNode *sender, uint64_t epoch,
                                         const unsigned char *slots) {
    if (sender == myself) return;
    int dirtycount = 0;
    int changed = 0;
    int sender_slots = 0, migrated_our_slots = 0;
    static int dirty_slots[CLUSTER_SLOTS];
    clusterNode *curmaster = nodeIsMaster(myself) ? myself : myself->slaveof;
    clusterNode *newmaster = NULL;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!bitmapTest(slots, j)) continue;
        sender_slots++;
        if (cluster->slots[j] == sender) continue;
        if (cluster->importing_slots_from[j]) continue;
        clusterNode *owner = cluster->slots[j];
        if (owner && owner->configEpoch >= epoch) continue;
        if (owner == myself && countKeysInSlot(j)) dirty_slots[dirtycount++] = j;
        if (owner && owner == curmaster) {
            newmaster = sender;
            migrated_our_slots++;
        }
        if (owner) clusterDelSlot(j);
        clusterAddSlot(sender, j);
        if (cluster->migrating_slots_to[j] == sender)
            cluster->migrating_slots_to[j] = NULL;
        changed = 1;
    }
    if (!changed) return;
    cluster->todo_save = cluster->todo_update_state = 1;
    /* Our master (or we) lost its last slot to <sender>: a failover
     * happened, so we follow the new master -- the old master rejoins as a
     * replica and its keys come from the new master. */
    if (newmaster && curmaster && curmaster->numslots == 0 &&
        (server.cluster_allow_replica_migration ||
         sender_slots == migrated_our_slots)) {
        serverLog(LL_NOTICE, "Configuration change detected. Reconfiguring "
                  "myself as a replica of %.40s", sender->name);
        clusterSetMaster(sender);
        return;
    }
    for (int j = 0; j < dirtycount; j++) {
        unsigned int n = delKeysInSlot(dirty_slots[j]);
        serverLog(LL_NOTICE, "Deleted %u keys of slot %d, now served by "
                  "%.40s", n, dirty_slots[j], sender->name);
    }
}

/* Two masters with the same config epoch: the one with the smaller name
 * takes a new epoch, so that every slot has one winner. */
static void clusterHandleConfigEpochCollision(clusterNode *sender) {
    if (sender->configEpoch != myself->configEpoch || !nodeIsMaster(sender) ||
        !nodeIsMaster(myself))
        return;
    if (memcmp(sender->name, myself->name, CLUSTER_NAMELEN) <= 0) return;
    cluster->currentEpoch++;
    myself->configEpoch = cluster->currentEpoch;
    clusterSaveConfigOrDie();
    serverLog(LL_VERBOSE, "WARNING: configEpoch collision with node %.40s. "
              "configEpoch set to %llu", sender->name,
              (unsigned long long)cluster->currentEpoch);
}

static void nodeIp2String(char *buf, clusterLink *link, const unsigned char *announced) {
    if (announced[0]) {
        memcpy(buf, announced, NET_IP_STR_LEN);
        buf[NET_IP_STR_LEN - 1] = '\0';
        return;
    }
    int port;
    if (connAddrPeerName(link->conn, buf, NET_IP_STR_LEN, &port) == -1) {
        buf[0] = '?';
        buf[1] = '\0';
    }
}

/* Updates the address of <n> from a message that came on <link>; returns
 * 1 if it changed (the link is then dropped to reconnect there). */
static int nodeUpdateAddressIfNeeded(clusterNode *n, clusterLink *link,
                                     const unsigned char *hdr) {
    char ip[NET_IP_STR_LEN];
    int port = get16(hdr + HDR_PORT), cport = get16(hdr + HDR_CPORT),
        pport = get16(hdr + HDR_PPORT);
    if (link == n->link || n == myself) return 0;
    nodeIp2String(ip, link, hdr + HDR_MYIP);
    if (n->port == port && n->cport == cport && n->pport == pport &&
        !strcmp(ip, n->ip))
        return 0;
    memcpy(n->ip, ip, sizeof(ip));
    n->port = port;
    n->cport = cport;
    n->pport = pport;
    if (n->link) clusterFreeLink(n->link);
    n->flags &= ~NODE_NOADDR;
    serverLog(LL_NOTICE, "Address updated for node %.40s, now %s:%d", n->name,
              n->ip, n->port);
    return 1;
}

static void clusterProcessGossip(clusterNode *sender, const unsigned char *hdr) {
    int count = get16(hdr + HDR_COUNT);
    for (int i = 0; i < count; i++) {
        const unsigned char *g = hdr + HDR_LEN + i * GOSSIP_LEN;
        int flags = get16(g + 98);
        char ip[NET_IP_STR_LEN];
        memcpy(ip, g + 48, NET_IP_STR_LEN);
        ip[NET_IP_STR_LEN - 1] = '\0';
        int port = get16(g + 94), cport = get16(g + 96), pport = get16(g + 100);
        clusterNode *n = clusterLookupNode((const char *)g, CLUSTER_NAMELEN);
        if (n) {
            if (sender && nodeIsMaster(sender) && n != myself) {
                if (flags & (NODE_FAIL | NODE_PFAIL)) {
                    if (clusterNodeAddFailureReport(n, sender))
                        serverLog(LL_VERBOSE, "Node %.40s reported node %.40s "
                                  "as not reachable.", sender->name, n->name);
                    clusterSetNodeFailIfNeeded(n);
                } else if (clusterNodeDelFailureReport(n, sender)) {
                    serverLog(LL_VERBOSE, "Node %.40s reported node %.40s is "
                              "back online.", sender->name, n->name);
                }
            }
            /* Someone heard from it recently: no need to ping it ourselves
             * yet (keeps traffic low in large clusters). Myself included,
             * as Redis 7.0 does: CLUSTER NODES then shows when the others
             * last heard from us. */
            if (!(flags & (NODE_FAIL | NODE_PFAIL)) &&
                n->ping_sent == 0 &&
                clusterNodeFailureReportsCount(n) == 0) {
                long long pongtime = (long long)get32(g + 44) * 1000;
                if (pongtime <= mstime() + 500 && pongtime > n->pong_received)
                    n->pong_received = pongtime;
            }
            if ((n->flags & (NODE_FAIL | NODE_PFAIL)) && n->link == NULL &&
                !(flags & NODE_NOADDR) && !(flags & (NODE_FAIL | NODE_PFAIL)) &&
                (strcasecmp(n->ip, ip) || n->port != port || n->cport != cport)) {
                memcpy(n->ip, ip, sizeof(ip));
                n->port = port;
                n->pport = pport;
                n->cport = cport;
                n->flags &= ~NODE_NOADDR;
            }
        } else if (sender && !(flags & NODE_NOADDR) &&
                   !clusterBlacklistExists((const char *)g) && ip[0]) {
            if (clusterStartHandshake(ip, port, cport)) {
                clusterNode *h = cluster->nodes[cluster->numnodes - 1];
                h->flags &= ~NODE_MEET;
                memcpy(h->name, g, CLUSTER_NAMELEN);
                h->pport = pport;
                /* We know its name already: a PING (not MEET) to learn it
                 * is alive; the handshake completes on its PONG. */
                h->flags = NODE_HANDSHAKE;
                randomName(h->name);
            }
        }
    }
}

/* 1 if the <totlen> bytes at <msg> form a valid message: known version,
 * and a length that matches its type, counts and extensions exactly. */
static int clusterIsValidPacket(const unsigned char *msg, uint32_t totlen,
                                const char **why) {
    uint16_t type = get16(msg + HDR_TYPE);
    if (totlen < 16) {
        *why = "message too short";
        return 0;
    }
    if (get16(msg + HDR_VER) != 1) {
        *why = "unsupported protocol version";
        return 0;
    }
    if (totlen < HDR_LEN) {
        *why = "message shorter than its header";
        return 0;
    }
    uint64_t explen = HDR_LEN;
    if (type == CLUSTERMSG_TYPE_PING || type == CLUSTERMSG_TYPE_PONG ||
        type == CLUSTERMSG_TYPE_MEET) {
        explen += (uint64_t)get16(msg + HDR_COUNT) * GOSSIP_LEN;
        if (msg[HDR_MFLAGS] & CLUSTERMSG_FLAG0_EXT_DATA) {
            int exts = get16(msg + HDR_EXTENSIONS);
            while (exts--) {
                if (explen + 8 > totlen) {
                    *why = "truncated ping extension";
                    return 0;
                }
                uint32_t elen = get32(msg + explen);
                if (elen < 8 || elen % 8 || totlen - explen < elen) {
                    *why = "bad ping extension length";
                    return 0;
                }
                explen += elen;
            }
        }
    } else if (type == CLUSTERMSG_TYPE_FAIL) {
        explen += FAIL_LEN;
    } else if (type == CLUSTERMSG_TYPE_PUBLISH ||
               type == CLUSTERMSG_TYPE_PUBLISHSHARD) {
        if (totlen < HDR_LEN + PUBLISH_HDR_LEN) {
            *why = "truncated publish message";
            return 0;
        }
        explen += PUBLISH_HDR_LEN + (uint64_t)get32(msg + HDR_LEN) +
                  get32(msg + HDR_LEN + 4);
    } else if (type == CLUSTERMSG_TYPE_FAILOVER_AUTH_REQUEST ||
               type == CLUSTERMSG_TYPE_FAILOVER_AUTH_ACK ||
               type == CLUSTERMSG_TYPE_MFSTART) {
        /* header only */
    } else if (type == CLUSTERMSG_TYPE_UPDATE) {
        explen += UPDATE_LEN;
    } else if (type == CLUSTERMSG_TYPE_MODULE) {
        if (totlen < HDR_LEN + 8 + 1 + 4) {
            *why = "truncated module message";
            return 0;
        }
        explen += 8 + 1 + 4 + (uint64_t)get32(msg + HDR_LEN + 9);
    } else {
        return 1; /* unknown types are skipped, as newer nodes may send them */
    }
    if (explen != totlen) {
        *why = "length does not match the message type";
        return 0;
    }
    return 1;
}

static void clusterProcessPingExt(clusterNode *sender, const unsigned char *msg) {
    if (!(msg[HDR_MFLAGS] & CLUSTERMSG_FLAG0_EXT_DATA)) return;
    size_t off = HDR_LEN + (size_t)get16(msg + HDR_COUNT) * GOSSIP_LEN;
    int exts = get16(msg + HDR_EXTENSIONS);
    sds hostname = NULL;
    while (exts--) {
        uint32_t elen = get32(msg + off);
        uint16_t type = get16(msg + off + 4);
        if (type == CLUSTERMSG_EXT_TYPE_HOSTNAME)
            hostname = sdsNewLen(msg + off + 8,
                                 strnlen((const char *)msg + off + 8, elen - 8));
        off += elen;
    }
    if (!hostname) hostname = sdsEmpty();
    if (strcmp(hostname, sender->hostname)) {
        sdsFree(sender->hostname);
        sender->hostname = hostname;
        cluster->todo_save = 1;
    } else {
        sdsFree(hostname);
    }
}

/* Processes the complete message in link->rcvbuf. Returns 1 if the link
 * is still valid, 0 if it was freed. */
static int clusterProcessPacket(clusterLink *link) {
    const unsigned char *msg = (const unsigned char *)link->rcvbuf;
    uint32_t totlen = (uint32_t)sdsLen(link->rcvbuf);
    const char *why = NULL;
    char peer[NET_IP_STR_LEN + 8];
    if (!clusterIsValidPacket(msg, totlen, &why)) {
        connFormatAddr(link->conn, peer, sizeof(peer), 1);
        serverLog(LL_WARNING, "Dropping cluster bus link with %s: invalid "
                  "message (%s)", peer, why);
        clusterFreeLink(link);
        return 0;
    }
    uint16_t type = get16(msg + HDR_TYPE);
    if (type < CLUSTERMSG_TYPE_COUNT)
        cluster->stats_received[type]++;
    else
        return 1;
    if (totlen < HDR_LEN) return 1;
    long long now = mstime();
    uint16_t flags = get16(msg + HDR_FLAGS);
    uint64_t senderCurrentEpoch = get64(msg + HDR_CURRENT_EPOCH);
    uint64_t senderConfigEpoch = get64(msg + HDR_CONFIG_EPOCH);
    clusterNode *sender = clusterLookupNode((const char *)msg + HDR_SENDER,
                                            CLUSTER_NAMELEN);
    if (sender && nodeInHandshake(sender)) sender = NULL;
    if (sender && link->inbound && !sender->inbound_link &&
        !link->node) {
        /* Bind this inbound link to the node that opened it. */
        listNode *ln = listSearchKey(cluster->inbound, link);
        if (ln) listDelNode(cluster->inbound, ln);
        link->node = sender;
        sender->inbound_link = link;
    }
    if (sender) sender->data_received = now;
    if (sender && !nodeInHandshake(sender)) {
        if (senderCurrentEpoch > cluster->currentEpoch) {
            cluster->currentEpoch = senderCurrentEpoch;
            cluster->todo_save = 1;
        }
        if (senderConfigEpoch > sender->configEpoch) {
            sender->configEpoch = senderConfigEpoch;
            cluster->todo_save = cluster->todo_update_state = 1;
        }
        sender->repl_offset = (long long)get64(msg + HDR_OFFSET);
        /* Our master paused for our manual failover: its offset is the one
         * to reach before the election. */
        if (nodeIsSlave(myself) && myself->slaveof == sender &&
            (msg[HDR_MFLAGS] & CLUSTERMSG_FLAG0_PAUSED) && cluster->mf_end &&
            cluster->mf_master_offset == -1) {
            cluster->mf_master_offset = sender->repl_offset;
            serverLog(LL_NOTICE, "Received replication offset for paused "
                      "master manual failover: %lld",
                      cluster->mf_master_offset);
        }
    }

    if (type == CLUSTERMSG_TYPE_PING || type == CLUSTERMSG_TYPE_MEET) {
        /* Learn our own address from the first MEET, unless announced. */
        if ((type == CLUSTERMSG_TYPE_MEET || myself->ip[0] == '\0') &&
            !(server.cluster_announce_ip && server.cluster_announce_ip[0])) {
            char ip[NET_IP_STR_LEN];
            int port;
            if (connAddrSockName(link->conn, ip, sizeof(ip), &port) == 0 &&
                strcmp(ip, myself->ip)) {
                memcpy(myself->ip, ip, sizeof(ip));
                serverLog(LL_NOTICE, "IP address for this node updated to %s",
                          myself->ip);
                cluster->todo_save = 1;
            }
        }
        if (!sender && type == CLUSTERMSG_TYPE_MEET) {
            clusterNode *n = createClusterNode(NULL, NODE_HANDSHAKE);
            nodeIp2String(n->ip, link, msg + HDR_MYIP);
            n->port = get16(msg + HDR_PORT);
            n->pport = get16(msg + HDR_PPORT);
            n->cport = get16(msg + HDR_CPORT);
            clusterAddNode(n);
            cluster->todo_save = 1;
        }
        if (!sender && type == CLUSTERMSG_TYPE_MEET)
            clusterProcessGossip(NULL, msg);
        clusterSendPing(link, CLUSTERMSG_TYPE_PONG);
    }

    if (type == CLUSTERMSG_TYPE_PING || type == CLUSTERMSG_TYPE_PONG ||
        type == CLUSTERMSG_TYPE_MEET) {
        if (!link->inbound) {
            clusterNode *ln = link->node;
            if (ln && nodeInHandshake(ln)) {
                if (sender) {
                    /* We know it already under its real name: keep that. */
                    nodeUpdateAddressIfNeeded(sender, link, msg);
                    clusterDelNode(ln);
                    return 0;
                }
                clusterRenameNode(ln, (const char *)msg + HDR_SENDER);
                ln->flags &= ~(NODE_HANDSHAKE | NODE_MEET);
                ln->flags |= flags & (NODE_MASTER | NODE_SLAVE);
                if (!(ln->flags & (NODE_MASTER | NODE_SLAVE)))
                    ln->flags |= NODE_MASTER;
                serverLog(LL_VERBOSE, "Handshake with node %.40s completed.",
                          ln->name);
                cluster->todo_save = cluster->todo_update_state = 1;
                sender = ln;
                sender->data_received = now;
                sender->configEpoch = senderConfigEpoch;
            } else if (ln && memcmp(ln->name, msg + HDR_SENDER,
                                    CLUSTER_NAMELEN)) {
                serverLog(LL_VERBOSE, "PONG contains mismatching sender ID. "
                          "About node %.40s added %d ms ago, having flags %d",
                          ln->name, (int)(now - ln->ctime), ln->flags);
                ln->flags |= NODE_NOADDR;
                ln->ip[0] = '\0';
                ln->port = ln->cport = 0;
                clusterFreeLink(link);
                cluster->todo_save = 1;
                return 0;
            }
        }
        if (sender && type == CLUSTERMSG_TYPE_PING && !nodeInHandshake(sender))
            nodeUpdateAddressIfNeeded(sender, link, msg);

        if (!link->inbound && link->node && type == CLUSTERMSG_TYPE_PONG) {
            clusterNode *ln = link->node;
            ln->pong_received = now;
            ln->ping_sent = 0;
            if (nodeTimedOut(ln)) {
                ln->flags &= ~NODE_PFAIL;
                cluster->todo_update_state = 1;
            } else if (nodeFailed(ln)) {
                clearNodeFailureIfNeeded(ln);
            }
        }

        if (sender) {
            int nofailover = flags & NODE_NOFAILOVER;
            if ((sender->flags & NODE_NOFAILOVER) != nofailover) {
                sender->flags = (sender->flags & ~NODE_NOFAILOVER) | nofailover;
                cluster->todo_save = 1;
            }
            /* Role of the sender. */
            if (!memcmp(msg + HDR_SLAVEOF, nullName, CLUSTER_NAMELEN)) {
                clusterSetNodeAsMaster(sender);
            } else {
                clusterNode *master = clusterLookupNode(
                    (const char *)msg + HDR_SLAVEOF, CLUSTER_NAMELEN);
                if (nodeIsMaster(sender)) {
                    clusterDelNodeSlots(sender);
                    sender->flags &= ~(NODE_MASTER | NODE_MIGRATE_TO);
                    sender->flags |= NODE_SLAVE;
                    cluster->todo_save = cluster->todo_update_state = 1;
                }
                if (master && sender->slaveof != master) {
                    if (sender->slaveof)
                        clusterNodeRemoveSlave(sender->slaveof, sender);
                    clusterNodeAddSlave(master, sender);
                    sender->slaveof = master;
                    cluster->todo_save = 1;
                }
            }
            clusterProcessPingExt(sender, msg);

            /* Slots: a master claiming slots differently from what we
             * know. */
            clusterNode *sender_master =
                nodeIsMaster(sender) ? sender : sender->slaveof;
            if (sender_master &&
                memcmp(sender_master->slots, msg + HDR_MYSLOTS,
                       CLUSTER_SLOTS / 8)) {
                if (nodeIsMaster(sender))
                    clusterUpdateSlotsConfigWith(sender, senderConfigEpoch,
                                                 msg + HDR_MYSLOTS);
                /* If it claims a slot someone with a newer epoch owns, tell
                 * it (UPDATE). */
                for (int j = 0; j < CLUSTER_SLOTS; j++) {
                    if (!bitmapTest(msg + HDR_MYSLOTS, j)) continue;
                    clusterNode *owner = cluster->slots[j];
                    if (!owner || owner == sender) continue;
                    if (owner->configEpoch > senderConfigEpoch) {
                        serverLog(LL_VERBOSE, "Node %.40s has old slots "
                                  "configuration, sending an UPDATE message "
                                  "about %.40s", sender->name, owner->name);
                        clusterSendUpdate(sender->link, owner);
                        break;
                    }
                }
            }
            if (nodeIsMaster(sender)) clusterHandleConfigEpochCollision(sender);
            clusterProcessGossip(sender, msg);
        }
    } else if (type == CLUSTERMSG_TYPE_FAIL) {
        if (sender) {
            clusterNode *failing = clusterLookupNode(
                (const char *)msg + HDR_LEN, CLUSTER_NAMELEN);
            if (failing && failing != myself &&
                !(failing->flags & (NODE_FAIL | NODE_MYSELF))) {
                serverLog(LL_NOTICE, "FAIL message received from %.40s about "
                          "%.40s", sender->name, failing->name);
                failing->flags |= NODE_FAIL;
                failing->fail_time = now;
                failing->flags &= ~NODE_PFAIL;
                cluster->todo_save = cluster->todo_update_state = 1;
            }
        }
    } else if (type == CLUSTERMSG_TYPE_PUBLISH ||
               type == CLUSTERMSG_TYPE_PUBLISHSHARD) {
        if (sender) {
            uint32_t clen = get32(msg + HDR_LEN), mlen = get32(msg + HDR_LEN + 4);
            robj *ch = createStringObject((const char *)msg + HDR_LEN + 8, clen);
            robj *m = createStringObject((const char *)msg + HDR_LEN + 8 + clen,
                                         mlen);
            pubsubPublishMessage(ch, m, type == CLUSTERMSG_TYPE_PUBLISHSHARD);
            decrRefCount(ch);
            decrRefCount(m);
        }
    } else if (type == CLUSTERMSG_TYPE_UPDATE) {
        if (sender) {
            uint64_t epoch = get64(msg + HDR_LEN);
            clusterNode *n = clusterLookupNode((const char *)msg + HDR_LEN + 8,
                                               CLUSTER_NAMELEN);
            if (n && n->configEpoch < epoch) {
                if (nodeIsSlave(n)) clusterSetNodeAsMaster(n);
                n->configEpoch = epoch;
                clusterUpdateSlotsConfigWith(
                    n, epoch, msg + HDR_LEN + 8 + CLUSTER_NAMELEN);
                cluster->todo_save = 1;
            }
        }
    } else if (type == CLUSTERMSG_TYPE_FAILOVER_AUTH_REQUEST) {
        if (sender) clusterSendFailoverAuthIfNeeded(sender, msg);
    } else if (type == CLUSTERMSG_TYPE_FAILOVER_AUTH_ACK) {
        /* A vote counts if it comes from a master serving slots, for the
         * epoch of our election (or a later one). */
        if (sender && nodeIsMaster(sender) && sender->numslots > 0 &&
            senderCurrentEpoch >= cluster->failover_auth_epoch) {
            cluster->failover_auth_count++;
            cluster->todo_handle_failover = 1;
        }
    } else if (type == CLUSTERMSG_TYPE_MFSTART) {
        /* One of our replicas asks for a manual failover: pause writers
         * and tell it the offset to reach. */
        if (sender && sender->slaveof == myself && nodeIsMaster(myself)) {
            clusterResetManualFailover();
            cluster->mf_end = now + CLUSTER_MF_TIMEOUT;
            cluster->mf_slave = sender;
            pauseClients(now + CLUSTER_MF_TIMEOUT * CLUSTER_MF_PAUSE_MULT, 1);
            serverLog(LL_NOTICE, "Manual failover requested by replica "
                      "%.40s.", sender->name);
            clusterSendPing(sender->link, CLUSTERMSG_TYPE_PING);
        }
    } else {
        serverLog(LL_DEBUG, "Cluster bus message of type %s ignored",
                  msgTypeNames[type]);
    }
    return 1;
}

static void clusterReadHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    if (!link) return;
    for (;;) {
        size_t have = sdsLen(link->rcvbuf);
        size_t want;
        if (have < 8) {
            want = 8 - have;
        } else {
            uint32_t totlen = get32((unsigned char *)link->rcvbuf + HDR_TOTLEN);
            want = totlen - have;
        }
        if (want > 64 * 1024) want = 64 * 1024;
        link->rcvbuf = sdsMakeRoomFor(link->rcvbuf, want);
        ssize_t nread = connRead(conn, link->rcvbuf + have, want);
        if (nread == -1 && connGetState(conn) == CONN_STATE_CONNECTED) return;
        if (nread <= 0) {
            char peer[NET_IP_STR_LEN + 8];
            connFormatAddr(conn, peer, sizeof(peer), 1);
            serverLog(LL_DEBUG, "Cluster bus link with %s closed: %s", peer,
                      nread == 0 ? "connection closed" : connGetLastError(conn));
            clusterFreeLink(link);
            return;
        }
        sdsIncrLen(link->rcvbuf, nread);
        have = sdsLen(link->rcvbuf);
        if (have == 8) {
            const unsigned char *h = (const unsigned char *)link->rcvbuf;
            uint32_t totlen = get32(h + HDR_TOTLEN);
            const char *bad = NULL;
            if (memcmp(h, "RCmb", 4))
                bad = "bad signature";
            else if (totlen < 16 || totlen > CLUSTER_MAX_MSG_LEN)
                bad = "bad length";
            if (bad) {
                char peer[NET_IP_STR_LEN + 8];
                connFormatAddr(conn, peer, sizeof(peer), 1);
                serverLog(LL_WARNING, "Dropping cluster bus link with %s: "
                          "invalid message (%s)", peer, bad);
                clusterFreeLink(link);
                return;
            }
        }
        if (have >= 8 &&
            have == get32((unsigned char *)link->rcvbuf + HDR_TOTLEN)) {
            if (!clusterProcessPacket(link)) return;
            sdsFree(link->rcvbuf);
            link->rcvbuf = sdsEmpty();
        }
    }
}

static void clusterAcceptHandler(connection *conn) {
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        char peer[NET_IP_STR_LEN + 8];
        connFormatAddr(conn, peer, sizeof(peer), 1);
        serverLog(LL_VERBOSE, "Error accepting cluster node connection from "
                  "%s: %s", peer, connGetLastError(conn));
        connClose(conn);
        return;
    }
    clusterLink *link = createClusterLink(NULL, conn, 1);
    listAddNodeTail(cluster->inbound, link);
    if (connSetReadHandler(conn, clusterReadHandler) != 0) clusterFreeLink(link);
}

static void clusterAccepted(connection *conn, const char *ip, int port) {
    serverLog(LL_VERBOSE, "Accepting cluster node connection from %s:%d", ip,
              port);
    if (connAccept(conn, clusterAcceptHandler) != 0) connClose(conn);
}

static void clusterLinkConnectHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    if (!link) return;
    clusterNode *n = link->node;
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_VERBOSE, "Connection with Node %.40s at %s:%d failed: %s",
                  n->name, n->ip, n->cport, connGetLastError(conn));
        /* A node we cannot reach counts as pinged now: without a ping in
         * flight when it died, it would never time out otherwise. */
        if (!n->ping_sent) n->ping_sent = mstime();
        clusterFreeLink(link);
        return;
    }
    if (connSetReadHandler(conn, clusterReadHandler) != 0) {
        clusterFreeLink(link);
        return;
    }
    /* Keep the ping time of an older attempt, so a node that never answers
     * is still detected as failing. */
    long long old_ping_sent = n->ping_sent;
    clusterSendPing(link, (n->flags & NODE_MEET) ? CLUSTERMSG_TYPE_MEET
                                                 : CLUSTERMSG_TYPE_PING);
    if (old_ping_sent) n->ping_sent = old_ping_sent;
    n->flags &= ~NODE_MEET;
    serverLog(LL_DEBUG, "Connecting with Node %.40s at %s:%d", n->name, n->ip,
              n->cport);
}

static void clusterConnectNode(clusterNode *n) {
    connection *conn = connCreate(clusterConnType());
    clusterLink *link = createClusterLink(n, conn, 0);
    n->link = link;
    connConnectOptions opts = {0};
    opts.host = n->ip;
    opts.port = n->cport;
    opts.peer_name = sdsLen(n->hostname) ? n->hostname : NULL;
    opts.timeout_ms = server.cluster_node_timeout;
    opts.verify_peer_name = -1;
    if (connConnect(conn, &opts, clusterLinkConnectHandler) != 0) {
        serverLog(LL_VERBOSE, "Unable to connect to Cluster Node [%s]:%d -> %s",
                  n->ip, n->cport, connGetLastError(conn));
        clusterFreeLink(link);
        if (!n->ping_sent) n->ping_sent = mstime();
    }
}

/* ---------------------------------------------------------------------
 * Replicas and failover
 *
 * Follows the "Replica election and promotion" and "Manual failover"
 * sections of Redis's public cluster specification: a replica of a FAIL
 * master waits 500 ms + a random part + rank * 1000 ms, asks every master
 * for its vote (FAILOVER_AUTH_REQUEST) in a new current epoch, and with a
 * majority of the masters' votes takes the epoch as its config epoch and
 * the slots of its master. A master votes once per epoch and once per
 * 2 * node timeout for the replicas of one master.
 * ------------------------------------------------------------------ */


/* The port <n>'s replicas connect to: its TLS port with tls-replication
 * (as Redis 7.0 chooses), its plain one otherwise. */
static int clusterNodeReplicationPort(clusterNode *n) {
    int tlsport = server.tls_cluster ? n->port : n->pport;
    int plainport = server.tls_cluster ? n->pport : n->port;
    int p = server.tls_replication ? tlsport : plainport;
    return p ? p : n->port;
}

/* Ends a manual failover in either role; a master that paused its
 * writers for it lets them go. */
static void clusterResetManualFailover(void) {
    if (cluster->mf_slave) unpauseClients();
    cluster->mf_end = 0;
    cluster->mf_slave = NULL;
    cluster->mf_master_offset = -1;
    cluster->mf_can_start = 0;
}

/* Makes myself a replica of <n>: any slots of ours are released and
 * replication follows <n>'s address (over TLS with tls-replication). */
static void clusterSetMaster(clusterNode *n) {
    if (n == myself) return;
    clusterResetManualFailover();
    if (nodeIsMaster(myself)) {
        clusterDelNodeSlots(myself);
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            cluster->migrating_slots_to[j] = NULL;
            cluster->importing_slots_from[j] = NULL;
        }
        myself->flags &= ~(NODE_MASTER | NODE_MIGRATE_TO);
        myself->flags |= NODE_SLAVE;
    } else if (myself->slaveof) {
        clusterNodeRemoveSlave(myself->slaveof, myself);
    }
    myself->slaveof = n;
    clusterNodeAddSlave(n, myself);
    serverLog(LL_NOTICE, "Configured to replicate node %.40s (%s:%d)",
              n->name, n->ip, clusterNodeReplicationPort(n));
    if (n->ip[0] && !(n->flags & NODE_NOADDR))
        replicationFollowMaster(n->ip, clusterNodeReplicationPort(n));
    cluster->failover_auth_time = 0;
    cluster->todo_save = cluster->todo_update_state = 1;
}

/* How many other replicas of our master have a larger replication offset
 * (the best replica gets rank 0 and the shortest delay). */
static int clusterGetReplicaRank(void) {
    clusterNode *m = myself->slaveof;
    if (!m) return 0;
    int rank = 0;
    for (int j = 0; j < m->numslaves; j++) {
        clusterNode *r = m->slaves[j];
        if (r == myself || (r->flags & NODE_NOFAILOVER)) continue;
        if (r->repl_offset > server.master_repl_offset) rank++;
    }
    return rank;
}

/* Tells the other replicas of our master our offset, so that their ranks
 * are computed from fresh values. */
static void clusterBroadcastPongToShard(void) {
    clusterNode *m = myself->slaveof;
    if (!m) return;
    for (int j = 0; j < m->numslaves; j++) {
        clusterNode *r = m->slaves[j];
        if (r != myself && r->link)
            clusterSendPing(r->link, CLUSTERMSG_TYPE_PONG);
    }
}

/* The election won (or TAKEOVER): myself becomes a master serving the
 * slots of its former master, and tells everybody at once. */
static void clusterFailoverReplaceYourMaster(void) {
    clusterNode *old = myself->slaveof;
    if (nodeIsMaster(myself) || !old) return;
    clusterSetNodeAsMaster(myself);
    replicationBecomeMaster();
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!bitmapTest(old->slots, j)) continue;
        clusterDelSlot(j);
        clusterAddSlot(myself, j);
    }
    clusterResetManualFailover();
    cluster->failover_auth_time = 0;
    clusterUpdateState();
    clusterSaveConfigOrDie();
    clusterBroadcastPong();
}

static void clusterRequestFailoverAuth(void) {
    unsigned char buf[HDR_LEN];
    clusterBuildHeader(buf, CLUSTERMSG_TYPE_FAILOVER_AUTH_REQUEST, HDR_LEN);
    /* A manual failover asks for votes although the master is not FAIL. */
    if (cluster->mf_end) buf[HDR_MFLAGS] |= CLUSTERMSG_FLAG0_FORCEACK;
    clusterBroadcastMessage(buf, HDR_LEN);
}

/* On a master: <node> asks for our vote with the request at <msg>. The
 * vote is saved to cluster-config-file before the ACK goes out. */
static void clusterSendFailoverAuthIfNeeded(clusterNode *node,
                                            const unsigned char *msg) {
    clusterNode *master = node->slaveof;
    uint64_t reqCurrentEpoch = get64(msg + HDR_CURRENT_EPOCH);
    uint64_t reqConfigEpoch = get64(msg + HDR_CONFIG_EPOCH);
    const unsigned char *claimed = msg + HDR_MYSLOTS;
    int force_ack = msg[HDR_MFLAGS] & CLUSTERMSG_FLAG0_FORCEACK;
    long long now = mstime();

    if (nodeIsSlave(myself) || myself->numslots == 0) return;
    if (reqCurrentEpoch < cluster->currentEpoch) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: reqEpoch (%llu) "
                  "< curEpoch(%llu)", node->name,
                  (unsigned long long)reqCurrentEpoch,
                  (unsigned long long)cluster->currentEpoch);
        return;
    }
    if (cluster->lastVoteEpoch == cluster->currentEpoch) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: already voted "
                  "for epoch %llu", node->name,
                  (unsigned long long)cluster->currentEpoch);
        return;
    }
    if (nodeIsMaster(node) || master == NULL ||
        (!nodeFailed(master) && !force_ack)) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: %s", node->name,
                  nodeIsMaster(node) ? "it is a master node"
                  : master == NULL   ? "I don't know its master"
                                     : "its master is up");
        return;
    }
    if (now - master->voted_time < server.cluster_node_timeout * 2) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: can't vote about "
                  "this master before %lld milliseconds", node->name,
                  server.cluster_node_timeout * 2 - (now - master->voted_time));
        return;
    }
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!bitmapTest(claimed, j)) continue;
        clusterNode *owner = cluster->slots[j];
        if (!owner || owner->configEpoch <= reqConfigEpoch) continue;
        serverLog(LL_WARNING, "Failover auth denied to %.40s: slot %d epoch "
                  "(%llu) > reqEpoch (%llu)", node->name, j,
                  (unsigned long long)owner->configEpoch,
                  (unsigned long long)reqConfigEpoch);
        return;
    }
    cluster->lastVoteEpoch = cluster->currentEpoch;
    master->voted_time = now;
    clusterSaveConfigOrDie();
    unsigned char buf[HDR_LEN];
    clusterBuildHeader(buf, CLUSTERMSG_TYPE_FAILOVER_AUTH_ACK, HDR_LEN);
    clusterSendMessage(node->link, buf, HDR_LEN);
    serverLog(LL_NOTICE, "Failover auth granted to %.40s for epoch %llu",
              node->name, (unsigned long long)cluster->currentEpoch);
}

/* On a replica, from the cron and before sleeping: runs the election
 * when our master is FAIL (or a manual failover may start). */
static void clusterHandleReplicaFailover(void) {
    static long long last_refusal_log;
    clusterNode *m = myself->slaveof;
    long long now = mstime();
    int needed = cluster->size / 2 + 1;
    int manual = cluster->mf_end && cluster->mf_can_start;
    long long auth_timeout = server.cluster_node_timeout * 2;
    if (auth_timeout < 2000) auth_timeout = 2000;
    long long auth_retry = auth_timeout * 2;

    if (nodeIsMaster(myself) || m == NULL || m->numslots == 0) return;
    if (!nodeFailed(m) && !manual) return;
    if (server.cluster_slave_no_failover && !manual) return;

    long long data_age = replicationMasterDataAgeMs();
    if (data_age > server.cluster_node_timeout)
        data_age -= server.cluster_node_timeout;
    if (server.cluster_slave_validity_factor && !manual &&
        data_age > (long long)server.repl_ping_slave_period * 1000 +
                       server.cluster_node_timeout *
                           server.cluster_slave_validity_factor) {
        if (now - last_refusal_log > 10000) {
            serverLog(LL_NOTICE, "Currently unable to failover: Disconnected "
                      "from master for longer than allowed. Please check the "
                      "'cluster-replica-validity-factor' configuration "
                      "option.");
            last_refusal_log = now;
        }
        return;
    }

    if (now - cluster->failover_auth_time > auth_retry) {
        cluster->failover_auth_count = 0;
        cluster->failover_auth_sent = 0;
        cluster->failover_auth_rank = clusterGetReplicaRank();
        cluster->failover_auth_time = now + 500 + random() % 500 +
                                      cluster->failover_auth_rank * 1000LL;
        if (cluster->mf_end) {
            cluster->failover_auth_time = now;
            cluster->failover_auth_rank = 0;
        }
        serverLog(LL_NOTICE, "Start of election delayed for %lld milliseconds "
                  "(rank #%d, offset %lld).", cluster->failover_auth_time - now,
                  cluster->failover_auth_rank, server.master_repl_offset);
        clusterBroadcastPongToShard();
        return;
    }
    if (!cluster->failover_auth_sent && !cluster->mf_end) {
        int rank = clusterGetReplicaRank();
        if (rank > cluster->failover_auth_rank) {
            long long added = (rank - cluster->failover_auth_rank) * 1000LL;
            cluster->failover_auth_time += added;
            cluster->failover_auth_rank = rank;
            serverLog(LL_NOTICE, "Replica rank updated to #%d, added %lld "
                      "milliseconds of delay.", rank, added);
        }
    }
    if (now < cluster->failover_auth_time) return;
    if (now - cluster->failover_auth_time > auth_timeout) return; /* expired */
    if (!cluster->failover_auth_sent) {
        cluster->currentEpoch++;
        cluster->failover_auth_epoch = cluster->currentEpoch;
        serverLog(LL_NOTICE, "Starting a failover election for epoch %llu.",
                  (unsigned long long)cluster->currentEpoch);
        clusterSaveConfigOrDie();
        clusterRequestFailoverAuth();
        cluster->failover_auth_sent = 1;
        return;
    }
    if (cluster->failover_auth_count >= needed) {
        serverLog(LL_NOTICE, "Failover election won: I'm the new master.");
        if (myself->configEpoch < cluster->failover_auth_epoch) {
            myself->configEpoch = cluster->failover_auth_epoch;
            serverLog(LL_NOTICE, "configEpoch set to %llu after successful "
                      "failover", (unsigned long long)myself->configEpoch);
        }
        clusterFailoverReplaceYourMaster();
    }
}

/* Manual failover bookkeeping, from the cron and before sleeping: the
 * time-out in either role and, on the replica, the moment it has applied
 * everything its paused master sent. */
static void clusterHandleManualFailover(void) {
    if (!cluster->mf_end) return;
    if (cluster->mf_end < mstime()) {
        serverLog(LL_WARNING, "Manual failover timed out.");
        clusterResetManualFailover();
        return;
    }
    if (cluster->mf_can_start || nodeIsMaster(myself)) return;
    if (cluster->mf_master_offset == -1) return;
    if (cluster->mf_master_offset == server.master_repl_offset) {
        cluster->mf_can_start = 1;
        serverLog(LL_NOTICE, "All master replication stream processed, "
                  "manual failover can start.");
    }
}

static int clusterCountNonFailingSlaves(clusterNode *n) {
    int ok = 0;
    for (int j = 0; j < n->numslaves; j++)
        if (!(n->slaves[j]->flags & (NODE_FAIL | NODE_PFAIL))) ok++;
    return ok;
}

/* Replica migration ("Replica migration" in the cluster specification):
 * when a master with slots has had no working replica for a while, one
 * replica of the master with the most working replicas moves to it -- the
 * one with the smallest node ID, and only if its master keeps more than
 * cluster-migration-barrier working replicas. <max_slaves> is the largest
 * count of working replicas of a master; <target> an orphaned master. */
static void clusterHandleReplicaMigration(int max_slaves, clusterNode *target) {
    clusterNode *mymaster = myself->slaveof;
    if (cluster->state != CLUSTER_OK || !mymaster || !target) return;
    if (!server.cluster_allow_replica_migration) return;
    int okslaves = clusterCountNonFailingSlaves(mymaster);
    if (okslaves <= server.cluster_migration_barrier) return;
    if (okslaves < max_slaves) return;
    clusterNode *candidate = myself;
    for (int j = 0; j < mymaster->numslaves; j++) {
        clusterNode *r = mymaster->slaves[j];
        if (r->flags & (NODE_FAIL | NODE_PFAIL)) continue;
        if (memcmp(r->name, candidate->name, CLUSTER_NAMELEN) < 0) candidate = r;
    }
    if (candidate != myself) return;
    if (mstime() - target->orphaned_time < CLUSTER_SLAVE_MIGRATION_DELAY) return;
    serverLog(LL_NOTICE, "Migrating to orphaned master %.40s", target->name);
    clusterSetMaster(target);
}

/* Frees the links whose unsent bytes exceed cluster-link-sendbuf-limit (a
 * peer that stopped reading); the cron reconnects outbound ones. */
static void clusterFreeLinkIfOverLimit(clusterLink *link) {
    if (!link || !server.cluster_link_sendbuf_limit_bytes) return;
    size_t used = sdsLen(link->sndbuf) - link->sndpos;
    if (used <= server.cluster_link_sendbuf_limit_bytes) return;
    serverLog(LL_WARNING, "Freeing cluster link(%s node %.40s, used memory: "
              "%zu) due to exceeding send buffer memory limit.",
              link->inbound ? "from" : "to",
              link->node ? link->node->name : "unknown", used);
    cluster->links_buffer_limit_exceeded++;
    clusterFreeLink(link);
}

/* ---------------------------------------------------------------------
 * Cron and state
 * ------------------------------------------------------------------ */

static void clusterUpdateState(void) {
    cluster->todo_update_state = 0;
    int state = CLUSTER_OK;
    if (server.cluster_require_full_coverage) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (!cluster->slots[j] || (cluster->slots[j]->flags & NODE_FAIL)) {
                state = CLUSTER_FAIL;
                break;
            }
        }
    }
    int size = 0, reachable = 0;
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (nodeIsMaster(n) && n->numslots) {
            size++;
            if (!(n->flags & (NODE_FAIL | NODE_PFAIL))) reachable++;
        }
    }
    cluster->size = size;
    if (reachable < size / 2 + 1) state = CLUSTER_FAIL;
    if (state != cluster->state) {
        serverLog(LL_NOTICE, "Cluster state changed: %s",
                  state == CLUSTER_OK ? "ok" : "fail");
        cluster->state = state;
    }
}

static void clusterCron(void) {
    long long now = mstime();
    long long timeout = server.cluster_node_timeout;
    long long handshake_timeout = timeout < 1000 ? 1000 : timeout;
    cluster->cron_iteration++;
    clusterUpdateMyselfAnnouncedPorts();
    int nofailover = server.cluster_slave_no_failover ? NODE_NOFAILOVER : 0;
    if ((myself->flags & NODE_NOFAILOVER) != nofailover) {
        myself->flags = (myself->flags & ~NODE_NOFAILOVER) | nofailover;
        cluster->todo_save = 1;
    }

    cluster->stats_pfail_nodes = 0;
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->flags & (NODE_MYSELF | NODE_NOADDR)) continue;
        if (nodeTimedOut(n)) cluster->stats_pfail_nodes++;
        if (nodeInHandshake(n) && now - n->ctime > handshake_timeout) {
            clusterDelNode(n);
            j--;
            continue;
        }
        if (n->link == NULL) clusterConnectNode(n);
    }

    /* About once a second, ping one of a few random nodes, the one we heard
     * from least recently. */
    if (cluster->cron_iteration % 10 == 0 && cluster->numnodes > 1) {
        clusterNode *min = NULL;
        long long min_pong = 0;
        for (int j = 0; j < 5; j++) {
            clusterNode *n = cluster->nodes[rand() % cluster->numnodes];
            if (!n->link || n->ping_sent != 0 ||
                (n->flags & (NODE_MYSELF | NODE_HANDSHAKE)))
                continue;
            if (!min || n->pong_received < min_pong) {
                min = n;
                min_pong = n->pong_received;
            }
        }
        if (min) clusterSendPing(min->link, CLUSTERMSG_TYPE_PING);
    }

    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->flags & (NODE_MYSELF | NODE_NOADDR | NODE_HANDSHAKE)) continue;
        long long ping_delay = now - n->ping_sent;
        long long data_delay = now - n->data_received;
        /* A link that is up but silent for half the timeout is rebuilt. */
        if (n->link && now - n->link->ctime > timeout && n->ping_sent &&
            ping_delay > timeout / 2 && data_delay > timeout / 2) {
            clusterFreeLink(n->link);
        }
        if (n->link && n->ping_sent == 0 &&
            now - n->pong_received > timeout / 2) {
            clusterSendPing(n->link, CLUSTERMSG_TYPE_PING);
            continue;
        }
        if (n->ping_sent == 0) continue;
        long long delay = ping_delay < data_delay ? ping_delay : data_delay;
        if (delay > timeout && !(n->flags & (NODE_PFAIL | NODE_FAIL))) {
            serverLog(LL_DEBUG, "*** NODE %.40s possibly failing", n->name);
            n->flags |= NODE_PFAIL;
            cluster->todo_update_state = 1;
        }
    }
    for (int j = 0; j < cluster->numnodes; j++)
        clusterSetNodeFailIfNeeded(cluster->nodes[j]);

    /* A replica keeps following its master's current address (also after
     * a restart with a nodes.conf that says we are a replica). */
    if (nodeIsSlave(myself) && myself->slaveof && myself->slaveof->ip[0] &&
        !(myself->slaveof->flags & NODE_NOADDR))
        replicationFollowMaster(myself->slaveof->ip,
                                clusterNodeReplicationPort(myself->slaveof));
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        clusterFreeLinkIfOverLimit(n->link);
        clusterFreeLinkIfOverLimit(n->inbound_link);
    }
    /* Orphaned masters, for replica migration. */
    int max_slaves = 0;
    clusterNode *orphan = NULL;
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (!nodeIsMaster(n) || (n->flags & (NODE_FAIL | NODE_PFAIL |
                                             NODE_HANDSHAKE)))
            continue;
        int okslaves = clusterCountNonFailingSlaves(n);
        if (okslaves == 0 && n->numslots > 0 && (n->flags & NODE_MIGRATE_TO)) {
            if (n->orphaned_time == 0) n->orphaned_time = now;
            if (!orphan || n->orphaned_time < orphan->orphaned_time) orphan = n;
        } else {
            n->orphaned_time = 0;
        }
        if (okslaves > max_slaves) max_slaves = okslaves;
    }
    clusterHandleManualFailover();
    if (nodeIsSlave(myself)) {
        clusterHandleReplicaFailover();
        if (nodeIsSlave(myself)) clusterHandleReplicaMigration(max_slaves, orphan);
    }
    clusterUpdateState();
}

static void clusterBeforeSleep(void) {
    if (cluster->todo_handle_failover) {
        cluster->todo_handle_failover = 0;
        clusterHandleManualFailover();
        if (nodeIsSlave(myself)) clusterHandleReplicaFailover();
    } else if (cluster->mf_end) {
        clusterHandleManualFailover();
        if (cluster->mf_can_start && nodeIsSlave(myself))
            clusterHandleReplicaFailover();
    }
    if (cluster->todo_update_state) clusterUpdateState();
    if (cluster->todo_save)
        clusterSaveConfigOrDie();
    else if (cluster->todo_save_lazy)
        clusterSaveConfigOrDieWith(0);
}

/* See cluster.h. */
void clusterInit(void) {
    cluster = zcalloc(sizeof(*cluster));
    cluster->state = CLUSTER_FAIL;
    cluster->inbound = listCreate();
    cluster->blacklist = dictCreate(&clusterBlacklistDictType);
    cluster->mf_master_offset = -1;
    if (clusterLoadConfig(server.cluster_configfile) == C_ERR) {
        myself = createClusterNode(NULL, NODE_MYSELF | NODE_MASTER);
        serverLog(LL_NOTICE, "No cluster configuration found, I'm %.40s",
                  myself->name);
        clusterAddNode(myself);
    }
    clusterUpdateMyselfAnnouncedPorts();
    clusterSaveConfigOrDie();
    int port = server.tls_cluster ? server.tls_port : server.port;
    int cport = server.cluster_port ? server.cluster_port
                                    : port + CLUSTER_PORT_INCR;
    if (port == 0 || cport > 65535) {
        serverLog(LL_WARNING, "Redis port number too high. Cluster "
                  "communication port is 10,000 port numbers higher than "
                  "your Redis port. Your Redis port number must be 55535 "
                  "or less.");
        exit(1);
    }
    connListener *l = &cluster->listener;
    l->ct = clusterConnType();
    l->port = cport;
    l->bindaddr = server.bindaddr;
    l->bindaddr_count = server.bindaddr_count;
    l->backlog = server.tcp_backlog;
    l->accepted = clusterAccepted;
    if (connListen(l, server.neterr, sizeof(server.neterr)) != 0) {
        serverLog(LL_WARNING, "Failed listening on port %d (cluster), "
                  "aborting: %s", cport, server.neterr);
        exit(1);
    }
    clusterUpdateState();
    registerCronHook(clusterCron);
    registerBeforeSleepHook(clusterBeforeSleep);
}

/* ---------------------------------------------------------------------
 * Key routing
 * ------------------------------------------------------------------ */

static void clusterRejectRedirect(client *c, sds err) {
    if (c->cmd) c->cmd->rejected_calls++;
    if (c->flags & CLIENT_MULTI) flagTransaction(c);
    addReplyErrorSds(c, err);
    if (!(c->flags & CLIENT_MULTI)) c->flags &= ~CLIENT_ASKING;
}

/* See cluster.h. The decision follows the cluster specification: the node
 * that owns the slot of every key serves the command; a slot being
 * migrated sends clients that miss a key to the target with -ASK; an
 * importing slot serves clients that said ASKING. */
int clusterRedirectIfNeeded(client *c) {
    if (!server.cluster_enabled || !cluster || mustObeyClient(c)) return 0;
    struct redisCommand *cmd = c->cmd;
    if (cmd->proc == askingCommand) return 0;
    int is_exec = cmd->proc == execCommand;
    if (is_exec && !(c->flags & CLIENT_MULTI)) return 0;
    int ncmds = is_exec ? c->mstate.count : 1;
    clusterNode *n = NULL;
    int slot = -1, migrating = 0, importing = 0, missing = 0, multiple = 0;
    int is_write = 0, is_pubsubshard = 0, is_readonly = 1;
    robj *firstkey = NULL;
    for (int i = 0; i < ncmds; i++) {
        struct redisCommand *mcmd = is_exec ? c->mstate.commands[i].cmd : cmd;
        robj **argv = is_exec ? c->mstate.commands[i].argv : c->argv;
        int argc = is_exec ? c->mstate.commands[i].argc : c->argc;
        if (mcmd->flags & CMD_WRITE) is_write = 1;
        if (!(mcmd->flags & CMD_READONLY)) is_readonly = 0;
        if (mcmd->flags & CMD_PUBSUB) is_pubsubshard = 1;
        int *keys = zmalloc(sizeof(int) * (size_t)(argc + 1));
        int numkeys = getKeysFromCommand(mcmd, argv, argc, keys, argc + 1);
        for (int k = 0; k < numkeys; k++) {
            robj *key = argv[keys[k]];
            int ks = (int)keyHashSlot(key->ptr, (int)sdsLen(key->ptr));
            if (firstkey == NULL) {
                firstkey = key;
                slot = ks;
                n = cluster->slots[slot];
                if (n == NULL) {
                    zfree(keys);
                    clusterRejectRedirect(
                        c, sdsNew("-CLUSTERDOWN Hash slot not served"));
                    return 1;
                }
                if (n == myself && cluster->migrating_slots_to[slot])
                    migrating = 1;
                else if (cluster->importing_slots_from[slot])
                    importing = 1;
            } else {
                if (ks != slot) {
                    zfree(keys);
                    clusterRejectRedirect(
                        c, sdsNew("-CROSSSLOT Keys in request don't hash to "
                                  "the same slot"));
                    return 1;
                }
                if (!multiple && (sdsLen(key->ptr) != sdsLen(firstkey->ptr) ||
                                  memcmp(key->ptr, firstkey->ptr,
                                         sdsLen(key->ptr))))
                    multiple = 1;
            }
            /* A key on its way out with MIGRATE: a write now could be
             * lost when the migrated copy replaces it. */
            if ((mcmd->flags & CMD_WRITE) && migrateKeyIsBusy(key)) {
                zfree(keys);
                clusterRejectRedirect(c, sdsNew("-TRYAGAIN Multiple keys "
                                                "request during rehashing of "
                                                "slot"));
                return 1;
            }
            if ((migrating || importing) &&
                lookupKeyReadWithFlags(&server.db[0], key,
                                       LOOKUP_NOTOUCH | LOOKUP_NOSTATS |
                                           LOOKUP_NONOTIFY |
                                           LOOKUP_NOEXPIRE) == NULL)
                missing++;
        }
        zfree(keys);
    }
    if (n == NULL) return 0; /* no keys: any node serves it */
    if (cluster->state != CLUSTER_OK) {
        /* Shard channels follow their own directive only; other commands
         * cluster-allow-reads-when-down (Redis 7.0's order of checks). */
        if (is_pubsubshard) {
            if (!server.cluster_allow_pubsubshard_when_down) {
                clusterRejectRedirect(c, sdsNew("-CLUSTERDOWN The cluster is "
                                                "down"));
                return 1;
            }
        } else if (!server.cluster_allow_reads_when_down) {
            clusterRejectRedirect(c, sdsNew("-CLUSTERDOWN The cluster is down"));
            return 1;
        } else if (is_write) {
            clusterRejectRedirect(c, sdsNew("-CLUSTERDOWN The cluster is down "
                                            "and only accepts read commands"));
            return 1;
        }
    }
    if ((migrating || importing) && !strcasecmp(cmd->declared_name, "migrate"))
        return 0;
    if (migrating && missing) {
        clusterNode *t = cluster->migrating_slots_to[slot];
        clusterRejectRedirect(c, sdsCatPrintf(sdsEmpty(), "-ASK %d %s:%d", slot,
                                              clusterNodePreferredEndpoint(t),
                                              clusterNodeClientPort(t, c)));
        return 1;
    }
    if (importing && ((c->flags & CLIENT_ASKING) || (cmd->flags & CMD_ASKING))) {
        if (multiple && missing) {
            clusterRejectRedirect(c, sdsNew("-TRYAGAIN Multiple keys request "
                                            "during rehashing of slot"));
            return 1;
        }
        return 0;
    }
    if (is_readonly && !is_write && (c->flags & CLIENT_READONLY) &&
        nodeIsSlave(myself) && myself->slaveof == n)
        return 0;
    if (n == myself) return 0;
    clusterRejectRedirect(c, sdsCatPrintf(sdsEmpty(), "-MOVED %d %s:%d", slot,
                                          clusterNodePreferredEndpoint(n),
                                          clusterNodeClientPort(n, c)));
    return 1;
}

/* ---------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------ */

static int getSlotOrReply(client *c, robj *o) {
    long long slot;
    if (getLongLongFromObject(o, &slot) != C_OK || slot < 0 ||
        slot >= CLUSTER_SLOTS) {
        addReplyError(c, "Invalid or out of range slot");
        return -1;
    }
    return (int)slot;
}

static uint64_t clusterMaxEpoch(void) {
    uint64_t max = 0;
    for (int j = 0; j < cluster->numnodes; j++)
        if (cluster->nodes[j]->configEpoch > max)
            max = cluster->nodes[j]->configEpoch;
    if (cluster->currentEpoch > max) max = cluster->currentEpoch;
    return max;
}

/* Takes a new config epoch without asking the others, when ours is zero or
 * not the greatest. Returns C_OK if it changed. */
static int clusterBumpConfigEpochWithoutConsensus(void) {
    uint64_t maxEpoch = clusterMaxEpoch();
    if (myself->configEpoch == 0 || myself->configEpoch != maxEpoch) {
        cluster->currentEpoch++;
        myself->configEpoch = cluster->currentEpoch;
        cluster->todo_save = 1;
        serverLog(LL_WARNING, "New configEpoch set to %llu",
                  (unsigned long long)myself->configEpoch);
        return C_OK;
    }
    return C_ERR;
}

static void clusterReplyInfo(client *c) {
    const char *states[] = {"ok", "fail"};
    int assigned = 0, ok = 0, pfail = 0, fail = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        clusterNode *n = cluster->slots[j];
        if (!n) continue;
        assigned++;
        if (nodeFailed(n))
            fail++;
        else if (nodeTimedOut(n))
            pfail++;
        else
            ok++;
    }
    uint64_t myepoch = (nodeIsSlave(myself) && myself->slaveof)
                           ? myself->slaveof->configEpoch
                           : myself->configEpoch;
    sds info = sdsCatPrintf(sdsEmpty(),
        "cluster_state:%s\r\n"
        "cluster_slots_assigned:%d\r\n"
        "cluster_slots_ok:%d\r\n"
        "cluster_slots_pfail:%d\r\n"
        "cluster_slots_fail:%d\r\n"
        "cluster_known_nodes:%d\r\n"
        "cluster_size:%d\r\n"
        "cluster_current_epoch:%llu\r\n"
        "cluster_my_epoch:%llu\r\n",
        states[cluster->state], assigned, ok, pfail, fail, cluster->numnodes,
        cluster->size, (unsigned long long)cluster->currentEpoch,
        (unsigned long long)myepoch);
    long long tot_sent = 0, tot_recv = 0;
    for (int j = 0; j < CLUSTERMSG_TYPE_COUNT; j++) {
        if (!cluster->stats_sent[j]) continue;
        tot_sent += cluster->stats_sent[j];
        info = sdsCatPrintf(info, "cluster_stats_messages_%s_sent:%lld\r\n",
                            msgTypeNames[j], cluster->stats_sent[j]);
    }
    info = sdsCatPrintf(info, "cluster_stats_messages_sent:%lld\r\n", tot_sent);
    for (int j = 0; j < CLUSTERMSG_TYPE_COUNT; j++) {
        if (!cluster->stats_received[j]) continue;
        tot_recv += cluster->stats_received[j];
        info = sdsCatPrintf(info, "cluster_stats_messages_%s_received:%lld\r\n",
                            msgTypeNames[j], cluster->stats_received[j]);
    }
    info = sdsCatPrintf(info, "cluster_stats_messages_received:%lld\r\n"
                        "total_cluster_links_buffer_limit_exceeded:%lld\r\n",
                        tot_recv, cluster->links_buffer_limit_exceeded);
    addReplyVerbatim(c, info, sdsLen(info), "txt");
    sdsFree(info);
}

/* One node of a CLUSTER SLOTS range: endpoint, port, id and the map of
 * the other names it has. */
static void addNodeReplyForClusterSlots(client *c, clusterNode *n) {
    int extra = 0;
    addReplyArrayLen(c, 4);
    /* Redis 7.0 sends a null endpoint for unknown-endpoint here (and an
     * empty one in CLUSTER SHARDS). */
    if (server.cluster_preferred_endpoint_type ==
        CLUSTER_ENDPOINT_TYPE_UNKNOWN_ENDPOINT)
        addReplyNull(c);
    else
        addReplyBulkCString(c, clusterNodePreferredEndpoint(n));
    addReplyLongLong(c, clusterNodeClientPort(n, c));
    addReplyBulkCBuffer(c, n->name, CLUSTER_NAMELEN);
    if (server.cluster_preferred_endpoint_type != CLUSTER_ENDPOINT_TYPE_IP &&
        n->ip[0])
        extra++;
    if (server.cluster_preferred_endpoint_type !=
            CLUSTER_ENDPOINT_TYPE_HOSTNAME &&
        sdsLen(n->hostname))
        extra++;
    addReplyMapLen(c, extra);
    if (server.cluster_preferred_endpoint_type != CLUSTER_ENDPOINT_TYPE_IP &&
        n->ip[0]) {
        addReplyBulkCString(c, "ip");
        addReplyBulkCString(c, n->ip);
    }
    if (server.cluster_preferred_endpoint_type !=
            CLUSTER_ENDPOINT_TYPE_HOSTNAME &&
        sdsLen(n->hostname)) {
        addReplyBulkCString(c, "hostname");
        addReplyBulkCString(c, n->hostname);
    }
}

/* 1 if clients may be sent to <n>: not failed and, for a replica, with
 * some replicated data (a replication offset above 0), as Redis 7.0
 * decides for CLUSTER SLOTS and the health in CLUSTER SHARDS. */
static int clusterReplicaAvailable(clusterNode *n) {
    if (nodeFailed(n)) return 0;
    if (!nodeIsSlave(n)) return 1;
    long long off = n == myself ? server.master_repl_offset : n->repl_offset;
    return off != 0;
}

/* CLUSTER SLOTS: one entry per run of consecutive slots with the same
 * owner, in slot order (as Redis 7.0 replies), the owner first, then its
 * replicas that are not failed. */
static void clusterReplySlots(client *c) {
    void *lenp = addReplyDeferredLen(c);
    int ranges = 0;
    int start = -1;
    for (int s = 0; s <= CLUSTER_SLOTS; s++) {
        clusterNode *owner = s < CLUSTER_SLOTS ? cluster->slots[s] : NULL;
        if (start != -1 && owner != cluster->slots[start]) {
            clusterNode *n = cluster->slots[start];
            int nreplicas = 0;
            for (int r = 0; r < n->numslaves; r++)
                if (clusterReplicaAvailable(n->slaves[r])) nreplicas++;
            addReplyArrayLen(c, 3 + nreplicas);
            addReplyLongLong(c, start);
            addReplyLongLong(c, s - 1);
            addNodeReplyForClusterSlots(c, n);
            for (int r = 0; r < n->numslaves; r++)
                if (clusterReplicaAvailable(n->slaves[r]))
                    addNodeReplyForClusterSlots(c, n->slaves[r]);
            ranges++;
            start = -1;
        }
        if (owner && start == -1) start = s;
    }
    setDeferredArrayLen(c, lenp, ranges);
}

static void addShardNodeReply(client *c, clusterNode *n) {
    int fields = 7;
    int other_port = n->pport;
    if (other_port) fields++;
    if (sdsLen(n->hostname)) fields++;
    addReplyMapLen(c, fields);
    addReplyBulkCString(c, "id");
    addReplyBulkCBuffer(c, n->name, CLUSTER_NAMELEN);
    addReplyBulkCString(c, server.tls_cluster ? "tls-port" : "port");
    addReplyLongLong(c, n->port);
    if (other_port) {
        addReplyBulkCString(c, server.tls_cluster ? "port" : "tls-port");
        addReplyLongLong(c, other_port);
    }
    addReplyBulkCString(c, "ip");
    addReplyBulkCString(c, n->ip);
    addReplyBulkCString(c, "endpoint");
    addReplyBulkCString(c, clusterNodePreferredEndpoint(n));
    if (sdsLen(n->hostname)) {
        addReplyBulkCString(c, "hostname");
        addReplyBulkCString(c, n->hostname);
    }
    addReplyBulkCString(c, "role");
    addReplyBulkCString(c, nodeIsSlave(n) ? "replica" : "master");
    addReplyBulkCString(c, "replication-offset");
    addReplyLongLong(c, n == myself ? server.master_repl_offset : n->repl_offset);
    addReplyBulkCString(c, "health");
    addReplyBulkCString(c, nodeFailed(n)                 ? "fail"
                           : clusterReplicaAvailable(n) ? "online"
                                                        : "loading");
}

static void clusterReplyShards(client *c) {
    int shards = 0;
    for (int j = 0; j < cluster->numnodes; j++)
        if (nodeIsMaster(cluster->nodes[j])) shards++;
    addReplyArrayLen(c, shards);
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (!nodeIsMaster(n)) continue;
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "slots");
        void *lenp = addReplyDeferredLen(c);
        int items = 0, start = -1;
        for (int s = 0; s <= CLUSTER_SLOTS; s++) {
            int bit = s < CLUSTER_SLOTS && bitmapTest(n->slots, s);
            if (bit && start == -1) start = s;
            if (!bit && start != -1) {
                addReplyLongLong(c, start);
                addReplyLongLong(c, s - 1);
                items += 2;
                start = -1;
            }
        }
        setDeferredArrayLen(c, lenp, items);
        addReplyBulkCString(c, "nodes");
        addReplyArrayLen(c, 1 + n->numslaves);
        addShardNodeReply(c, n);
        for (int r = 0; r < n->numslaves; r++) addShardNodeReply(c, n->slaves[r]);
    }
}

static void addLinkReply(client *c, clusterLink *link) {
    addReplyMapLen(c, 6);
    addReplyBulkCString(c, "direction");
    addReplyBulkCString(c, link->inbound ? "from" : "to");
    addReplyBulkCString(c, "node");
    addReplyBulkCBuffer(c, link->node->name, CLUSTER_NAMELEN);
    addReplyBulkCString(c, "create-time");
    addReplyLongLong(c, link->ctime);
    addReplyBulkCString(c, "events");
    char events[3];
    int e = 0;
    if (link->conn && connHasReadHandler(link->conn)) events[e++] = 'r';
    if (link->conn && connHasWriteHandler(link->conn)) events[e++] = 'w';
    events[e] = '\0';
    addReplyBulkCString(c, events);
    addReplyBulkCString(c, "send-buffer-allocated");
    addReplyLongLong(c, (long long)sdsAllocSize(link->sndbuf));
    addReplyBulkCString(c, "send-buffer-used");
    addReplyLongLong(c, (long long)(sdsLen(link->sndbuf) - link->sndpos));
}

static void clusterReplyLinks(client *c) {
    int count = 0;
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->link) count++;
        if (n->inbound_link) count++;
    }
    addReplyArrayLen(c, count);
    for (int j = 0; j < cluster->numnodes; j++) {
        clusterNode *n = cluster->nodes[j];
        if (n->link) addLinkReply(c, n->link);
        if (n->inbound_link) addLinkReply(c, n->inbound_link);
    }
}

/* ADDSLOTS, DELSLOTS and their RANGE forms: every slot is checked before
 * any changes, so a bad argument changes nothing. */
static void clusterReplyAddDelSlots(client *c, int del, int range) {
    unsigned char *seen = zcalloc(CLUSTER_SLOTS);
    int first = 2;
    if (range && (c->argc - first) % 2) {
        addReplyErrorArity(c);
        zfree(seen);
        return;
    }
    for (int j = first; j < c->argc; j += range ? 2 : 1) {
        int start = getSlotOrReply(c, c->argv[j]);
        if (start < 0) goto done;
        int end = start;
        if (range) {
            end = getSlotOrReply(c, c->argv[j + 1]);
            if (end < 0) goto done;
            if (start > end) {
                addReplyErrorFormat(c, "start slot number %d is greater than "
                                    "end slot number %d", start, end);
                goto done;
            }
        }
        for (int s = start; s <= end; s++) {
            if (del && cluster->slots[s] == NULL) {
                addReplyErrorFormat(c, "Slot %d is already unassigned", s);
                goto done;
            }
            if (!del && cluster->slots[s]) {
                addReplyErrorFormat(c, "Slot %d is already busy", s);
                goto done;
            }
            if (seen[s]++) {
                addReplyErrorFormat(c, "Slot %d specified multiple times", s);
                goto done;
            }
        }
    }
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (!seen[s]) continue;
        if (del) {
            clusterDelSlot(s);
        } else {
            cluster->importing_slots_from[s] = NULL;
            clusterAddSlot(myself, s);
        }
    }
    cluster->todo_save_lazy = cluster->todo_update_state = 1;
    addReply(c, shared.ok);
done:
    zfree(seen);
}

static void clusterReplySetSlot(client *c) {
    int slot = getSlotOrReply(c, c->argv[2]);
    if (slot < 0) return;
    const char *action = c->argv[3]->ptr;
    if (!strcasecmp(action, "stable") && c->argc == 4) {
        cluster->migrating_slots_to[slot] = NULL;
        cluster->importing_slots_from[slot] = NULL;
        cluster->todo_save_lazy = 1;
        addReply(c, shared.ok);
        return;
    }
    if (c->argc != 5 || (strcasecmp(action, "migrating") &&
                         strcasecmp(action, "importing") &&
                         strcasecmp(action, "node"))) {
        addReplyError(c, "Invalid CLUSTER SETSLOT action or number of "
                         "arguments. Try CLUSTER HELP");
        return;
    }
    sds name = c->argv[4]->ptr;
    clusterNode *n = clusterLookupNode(name, sdsLen(name));
    if (!strcasecmp(action, "migrating")) {
        if (cluster->slots[slot] != myself) {
            addReplyErrorFormat(c, "I'm not the owner of hash slot %u", slot);
            return;
        }
        if (!n) {
            addReplyErrorFormat(c, "I don't know about node %s", name);
            return;
        }
        if (nodeIsSlave(n)) {
            addReplyError(c, "Target node is not a master");
            return;
        }
        cluster->migrating_slots_to[slot] = n;
    } else if (!strcasecmp(action, "importing")) {
        if (cluster->slots[slot] == myself) {
            addReplyErrorFormat(c, "I'm already the owner of hash slot %u",
                                slot);
            return;
        }
        if (!n) {
            addReplyErrorFormat(c, "I don't know about node %s", name);
            return;
        }
        if (nodeIsSlave(n)) {
            addReplyError(c, "Target node is not a master");
            return;
        }
        cluster->importing_slots_from[slot] = n;
    } else {
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", name);
            return;
        }
        if (nodeIsSlave(n)) {
            addReplyErrorFormat(c, "Can't assign hashslot %d to a slave node",
                                slot);
            return;
        }
        unsigned int keys = 0;
        if (cluster->slots[slot] == myself && n != myself) {
            keys = countKeysInSlot(slot);
            if (keys) {
                addReplyErrorFormat(c, "Can't assign hashslot %d to a "
                                    "different node while I still hold keys "
                                    "for this hash slot.", slot);
                return;
            }
        }
        if (keys == 0 && cluster->migrating_slots_to[slot])
            cluster->migrating_slots_to[slot] = NULL;
        int bump = 0;
        if (n == myself && cluster->importing_slots_from[slot]) {
            cluster->importing_slots_from[slot] = NULL;
            bump = 1;
        }
        clusterDelSlot(slot);
        clusterAddSlot(n, slot);
        if (bump && clusterBumpConfigEpochWithoutConsensus() == C_OK)
            serverLog(LL_WARNING, "configEpoch updated after importing slot");
        clusterBroadcastPong();
    }
    /* A config epoch bumped above has asked for an fsynced save itself. */
    cluster->todo_save_lazy = cluster->todo_update_state = 1;
    addReply(c, shared.ok);
}

/* Forgets every other node and, with <hard>, takes a new name and zero
 * epochs. Our own slots are released. */
static void clusterReset(int hard) {
    /* A replica becomes an empty master, as Redis 7.0 does: it stops
     * replicating and drops the data it had from its master. */
    if (nodeIsSlave(myself)) {
        clusterSetNodeAsMaster(myself);
        replicationBecomeMaster();
        emptyData(-1, 0, NULL);
    }
    clusterResetManualFailover();
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        cluster->migrating_slots_to[j] = NULL;
        cluster->importing_slots_from[j] = NULL;
    }
    clusterDelNodeSlots(myself);
    for (int j = cluster->numnodes - 1; j >= 0; j--) {
        clusterNode *n = cluster->nodes[j];
        if (n == myself) continue;
        clusterDelNode(n);
        j = cluster->numnodes;
    }
    if (hard) {
        cluster->currentEpoch = 0;
        cluster->lastVoteEpoch = 0;
        myself->configEpoch = 0;
        char oldname[CLUSTER_NAMELEN];
        memcpy(oldname, myself->name, CLUSTER_NAMELEN);
        randomName(myself->name);
        serverLog(LL_NOTICE, "Node hard reset, now I'm %.40s", myself->name);
    }
    cluster->todo_save = cluster->todo_update_state = 1;
    clusterSaveConfigOrDie();
    clusterUpdateState();
}

/* CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica: the default asks the
 * master to pause (MFSTART) and starts the election once every byte it
 * sent is applied; FORCE skips the master; TAKEOVER skips the election
 * too and takes a new config epoch without consensus. */
static void clusterManualFailoverCommand(client *c) {
    int force = 0, takeover = 0;
    if (c->argc == 3) {
        if (!strcasecmp(c->argv[2]->ptr, "force"))
            force = 1;
        else
            takeover = 1;
    }
    if (nodeIsMaster(myself)) {
        addReplyError(c, "You should send CLUSTER FAILOVER to a replica");
        return;
    }
    if (myself->slaveof == NULL) {
        addReplyError(c, "I'm a replica but my master is unknown to me");
        return;
    }
    if (!force && !takeover &&
        (nodeFailed(myself->slaveof) || myself->slaveof->link == NULL)) {
        addReplyError(c, "Master is down or failed, please use CLUSTER "
                         "FAILOVER FORCE");
        return;
    }
    clusterResetManualFailover();
    cluster->mf_end = mstime() + CLUSTER_MF_TIMEOUT;
    if (takeover) {
        serverLog(LL_NOTICE, "Taking over the master (user request).");
        cluster->currentEpoch++;
        myself->configEpoch = cluster->currentEpoch;
        serverLog(LL_WARNING, "New configEpoch set to %llu",
                  (unsigned long long)myself->configEpoch);
        clusterFailoverReplaceYourMaster();
    } else if (force) {
        serverLog(LL_NOTICE, "Forced failover user request accepted.");
        cluster->mf_can_start = 1;
        cluster->todo_handle_failover = 1;
    } else {
        serverLog(LL_NOTICE, "Manual failover user request accepted.");
        unsigned char buf[HDR_LEN];
        clusterBuildHeader(buf, CLUSTERMSG_TYPE_MFSTART, HDR_LEN);
        clusterSendMessage(myself->slaveof->link, buf, HDR_LEN);
    }
    addReply(c, shared.ok);
}

static void getKeysInSlotReply(client *c, int slot, long long max) {
    void *lenp = addReplyDeferredLen(c);
    long long n = 0;
    dictIterator *di = dictGetIterator(server.db[0].dict);
    dictEntry *de;
    while (n < max && (de = dictNext(di))) {
        sds k = dictGetKey(de);
        if ((int)keyHashSlot(k, (int)sdsLen(k)) != slot) continue;
        addReplyBulkCBuffer(c, k, sdsLen(k));
        n++;
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, lenp, n);
}

static const char *clusterHelp[] = {
"ADDSLOTS <slot> [<slot> ...]",
"    Assign slots to current node.",
"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
"    Assign slots which are between <start-slot> and <end-slot> to current node.",
"BUMPEPOCH",
"    Advance the cluster config epoch.",
"COUNT-FAILURE-REPORTS <node-id>",
"    Return number of failure reports for <node-id>.",
"COUNTKEYSINSLOT <slot>",
"    Return the number of keys in <slot>.",
"DELSLOTS <slot> [<slot> ...]",
"    Delete slots information from current node.",
"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
"FAILOVER [FORCE|TAKEOVER]",
"    Promote current replica node to being a master.",
"FORGET <node-id>",
"    Remove a node from the cluster.",
"GETKEYSINSLOT <slot> <count>",
"    Return key names stored by current node in a slot.",
"FLUSHSLOTS",
"    Delete current node own slots information.",
"INFO",
"    Return information about the cluster.",
"KEYSLOT <key>",
"    Return the hash slot for <key>.",
"LINKS",
"    Return information about all network links between this node and its peers.",
"    Output format is an array where each array element is a map containing attributes of a link",
"MEET <ip> <port> [<bus-port>]",
"    Connect nodes into a working cluster.",
"MYID",
"    Return the node id.",
"NODES",
"    Return cluster configuration seen by node. Output format:",
"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
"REPLICATE <node-id>",
"    Configure current node as replica to <node-id>.",
"RESET [HARD|SOFT]",
"    Reset current node (default: soft).",
"SET-CONFIG-EPOCH <epoch>",
"    Set config epoch of current node.",
"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
"    Set slot state.",
"REPLICAS <node-id>",
"    Return <node-id> replicas.",
"SAVECONFIG",
"    Force saving cluster configuration on disk.",
"SLOTS",
"    Return information about slots range mappings. Each range is made of:",
"    start, end, master and replicas IP addresses, ports and ids",
"SHARDS",
"    Return information about slot range mappings and the nodes associated with them.",
NULL
};

/* CLUSTER <subcommand> ...: every subcommand of the table in commands.c
 * lands here. */
void clusterCommand(client *c) {
    if (!server.cluster_enabled || !cluster) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    const char *sub = c->argv[1]->ptr;
    if (!strcasecmp(sub, "help")) {
        addReplyHelp(c, clusterHelp);
    } else if (!strcasecmp(sub, "meet")) {
        long long port, cport;
        if (getLongLongFromObject(c->argv[3], &port) != C_OK) {
            addReplyErrorFormat(c, "Invalid TCP base port specified: %s",
                                (char *)c->argv[3]->ptr);
            return;
        }
        if (c->argc == 5) {
            if (getLongLongFromObject(c->argv[4], &cport) != C_OK) {
                addReplyErrorFormat(c, "Invalid TCP bus port specified: %s",
                                    (char *)c->argv[4]->ptr);
                return;
            }
        } else if (c->argc == 4) {
            cport = port + CLUSTER_PORT_INCR;
        } else {
            addReplyErrorArity(c);
            return;
        }
        if (clusterStartHandshake(c->argv[2]->ptr, (int)port, (int)cport) == 0 &&
            errno == EINVAL) {
            addReplyErrorFormat(c, "Invalid node address specified: %s:%s",
                                (char *)c->argv[2]->ptr,
                                (char *)c->argv[3]->ptr);
            return;
        }
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "nodes") && c->argc == 2) {
        sds nodes = clusterGenNodesDescription(c, 0);
        addReplyVerbatim(c, nodes, sdsLen(nodes), "txt");
        sdsFree(nodes);
    } else if (!strcasecmp(sub, "myid") && c->argc == 2) {
        addReplyBulkCBuffer(c, myself->name, CLUSTER_NAMELEN);
    } else if (!strcasecmp(sub, "slots") && c->argc == 2) {
        clusterReplySlots(c);
    } else if (!strcasecmp(sub, "shards") && c->argc == 2) {
        clusterReplyShards(c);
    } else if (!strcasecmp(sub, "links") && c->argc == 2) {
        clusterReplyLinks(c);
    } else if (!strcasecmp(sub, "flushslots") && c->argc == 2) {
        if (dictSize(server.db[0].dict) != 0) {
            addReplyError(c, "DB must be empty to perform CLUSTER FLUSHSLOTS.");
            return;
        }
        clusterDelNodeSlots(myself);
        cluster->todo_save = cluster->todo_update_state = 1;
        addReply(c, shared.ok);
    } else if ((!strcasecmp(sub, "addslots") || !strcasecmp(sub, "delslots")) &&
               c->argc >= 3) {
        clusterReplyAddDelSlots(c, !strcasecmp(sub, "delslots"), 0);
    } else if ((!strcasecmp(sub, "addslotsrange") ||
                !strcasecmp(sub, "delslotsrange")) &&
               c->argc >= 4) {
        clusterReplyAddDelSlots(c, !strcasecmp(sub, "delslotsrange"), 1);
    } else if (!strcasecmp(sub, "setslot") && c->argc >= 4) {
        clusterReplySetSlot(c);
    } else if (!strcasecmp(sub, "info") && c->argc == 2) {
        clusterReplyInfo(c);
    } else if (!strcasecmp(sub, "saveconfig") && c->argc == 2) {
        if (clusterSaveConfig(1) == C_OK)
            addReply(c, shared.ok);
        else
            addReplyErrorFormat(c, "error saving the cluster node config: %s",
                                strerror(errno));
    } else if (!strcasecmp(sub, "keyslot") && c->argc == 3) {
        sds key = c->argv[2]->ptr;
        addReplyLongLong(c, keyHashSlot(key, (int)sdsLen(key)));
    } else if (!strcasecmp(sub, "countkeysinslot") && c->argc == 3) {
        long long slot;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &slot, NULL) != C_OK)
            return;
        if (slot < 0 || slot >= CLUSTER_SLOTS) {
            addReplyError(c, "Invalid slot");
            return;
        }
        addReplyLongLong(c, countKeysInSlot((int)slot));
    } else if (!strcasecmp(sub, "getkeysinslot") && c->argc == 4) {
        long long slot, max;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &max, NULL) != C_OK)
            return;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &slot, NULL) != C_OK)
            return;
        if (max < 0 || slot < 0 || slot >= CLUSTER_SLOTS) {
            addReplyError(c, "Invalid slot or number of keys");
            return;
        }
        getKeysInSlotReply(c, (int)slot, max);
    } else if (!strcasecmp(sub, "forget") && c->argc == 3) {
        sds name = c->argv[2]->ptr;
        clusterNode *n = clusterLookupNode(name, sdsLen(name));
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", name);
            return;
        }
        if (n == myself) {
            addReplyError(c, "I tried hard but I can't forget myself...");
            return;
        }
        if (nodeIsSlave(myself) && myself->slaveof == n) {
            addReplyError(c, "Can't forget my master!");
            return;
        }
        clusterBlacklistAdd(n);
        clusterDelNode(n);
        cluster->todo_save = cluster->todo_update_state = 1;
        addReply(c, shared.ok);
    } else if ((!strcasecmp(sub, "replicas") || !strcasecmp(sub, "slaves")) &&
               c->argc == 3) {
        sds name = c->argv[2]->ptr;
        clusterNode *n = clusterLookupNode(name, sdsLen(name));
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", name);
            return;
        }
        if (nodeIsSlave(n)) {
            addReplyError(c, "The specified node is not a master");
            return;
        }
        addReplyArrayLen(c, n->numslaves);
        for (int j = 0; j < n->numslaves; j++) {
            sds line = clusterGenNodeDescription(c, n->slaves[j]);
            addReplyBulkCBuffer(c, line, sdsLen(line));
            sdsFree(line);
        }
    } else if (!strcasecmp(sub, "count-failure-reports") && c->argc == 3) {
        sds name = c->argv[2]->ptr;
        clusterNode *n = clusterLookupNode(name, sdsLen(name));
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", name);
            return;
        }
        addReplyLongLong(c, clusterNodeFailureReportsCount(n));
    } else if (!strcasecmp(sub, "set-config-epoch") && c->argc == 3) {
        long long epoch;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &epoch, NULL) != C_OK)
            return;
        if (epoch < 0) {
            addReplyErrorFormat(c, "Invalid config epoch specified: %lld", epoch);
        } else if (cluster->numnodes > 1) {
            addReplyError(c, "The user can assign a config epoch only when the "
                             "node does not know any other node.");
        } else if (myself->configEpoch != 0) {
            addReplyError(c, "Node config epoch is already non-zero");
        } else {
            myself->configEpoch = (uint64_t)epoch;
            serverLog(LL_WARNING, "configEpoch set to %llu via CLUSTER "
                      "SET-CONFIG-EPOCH", (unsigned long long)epoch);
            if (cluster->currentEpoch < (uint64_t)epoch)
                cluster->currentEpoch = (uint64_t)epoch;
            cluster->todo_save = cluster->todo_update_state = 1;
            addReply(c, shared.ok);
        }
    } else if (!strcasecmp(sub, "bumpepoch") && c->argc == 2) {
        int r = clusterBumpConfigEpochWithoutConsensus();
        addReplyStatusFormat(c, "%s %llu", r == C_OK ? "BUMPED" : "STILL",
                             (unsigned long long)myself->configEpoch);
    } else if (!strcasecmp(sub, "reset") && (c->argc == 2 || c->argc == 3)) {
        int hard = 0;
        if (c->argc == 3) {
            if (!strcasecmp(c->argv[2]->ptr, "hard")) {
                hard = 1;
            } else if (strcasecmp(c->argv[2]->ptr, "soft")) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
        }
        if (nodeIsMaster(myself) && dictSize(server.db[0].dict) != 0) {
            addReplyError(c, "CLUSTER RESET can't be called with master nodes "
                             "containing keys");
            return;
        }
        clusterReset(hard);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "replicate") && c->argc == 3) {
        sds name = c->argv[2]->ptr;
        clusterNode *n = clusterLookupNode(name, sdsLen(name));
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", name);
        } else if (n == myself) {
            addReplyError(c, "Can't replicate myself");
        } else if (nodeIsSlave(n)) {
            addReplyError(c, "I can only replicate a master, not a replica.");
        } else if (nodeIsMaster(myself) &&
                   (myself->numslots != 0 || dictSize(server.db[0].dict) != 0)) {
            addReplyError(c, "To set a master the node must be empty and "
                             "without assigned slots.");
        } else {
            clusterSetMaster(n);
            clusterSaveConfigOrDie();
            clusterUpdateState();
            addReply(c, shared.ok);
        }
    } else if (!strcasecmp(sub, "failover") && (c->argc == 2 || c->argc == 3)) {
        if (c->argc == 3 && strcasecmp(c->argv[2]->ptr, "force") &&
            strcasecmp(c->argv[2]->ptr, "takeover")) {
            addReplyErrorObject(c, shared.syntaxerr);
        } else {
            clusterManualFailoverCommand(c);
        }
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* READONLY: this client may read from a replica the slots of its master. */
void readonlyCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags |= CLIENT_READONLY;
    addReply(c, shared.ok);
}

/* READWRITE: back to redirections for every slot not served here. */
void readwriteCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags &= ~CLIENT_READONLY;
    addReply(c, shared.ok);
}

/* ASKING: the next command may use a slot this node is importing. */
void askingCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags |= CLIENT_ASKING;
    addReply(c, shared.ok);
}
