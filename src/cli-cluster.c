/* cli-cluster: redis-cli's cluster manager (redis-cli --cluster <cmd>).
 *
 * Owns: the cluster layout as read from the nodes (CLUSTER NODES of the
 * entry node, then each node's own view of itself), the consistency
 * checks, and the commands that change a cluster: create, fix, reshard,
 * rebalance, add-node, del-node, set-timeout, import, backup; plus check,
 * info and call. Output lines follow Redis 7.0's tool (">>> ..." steps,
 * "[OK]", "[WARNING]", "[ERR]" with the same colours), so scripts and
 * operators that read them keep working.
 * Must not touch: sockets or OpenSSL; every node is a cliClient, plain or
 * TLS through the connection layer.
 * Invariants: cm.nodes[0] is the node the user named; a node's slots,
 * open slots and signature are what that node says about itself. Slots
 * move only through IMPORTING/MIGRATING, MIGRATE and SETSLOT NODE, in that
 * order, so a failure leaves an open slot that "fix" can close. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-cluster.h"
#include "util.h"
#include "zmalloc.h"

#define CM_SLOTS 16384
#define CM_COLOR_INFO "29;1"
#define CM_COLOR_OK "32;1"
#define CM_COLOR_WARN "33;1"
#define CM_COLOR_ERR "31;1"
#define CM_JOIN_TIMEOUT_MS 60000
#define CM_INFO_INDENT "    "

typedef struct cmNode {
    cliClient *c;
    sds ip;
    int port;
    int cport;             /* bus port, 0 when unknown */
    sds name;              /* node id, NULL until loaded */
    int flags_known;       /* flags came from CLUSTER NODES */
    int replica;           /* "slave" flag, or set by create */
    int failed;            /* fail, noaddr or disconnected */
    sds replicate;         /* master id, or NULL */
    unsigned char slots[CM_SLOTS];
    int slots_count;
    int replicas_count;
    int *migrating;        /* open slots: slot numbers and peer ids */
    sds *migrating_to;
    int migrating_count;
    int *importing;
    sds *importing_from;
    int importing_count;
    sds signature;         /* this node's view of who serves which slots */
    double weight;
    int balance;
    long long config_epoch;
    struct cmNode *master; /* create: the master it is assigned to */
} cmNode;

static struct {
    cmNode **nodes;
    int count;
    cliClusterOptions o;
    int unreachable_masters; /* masters skipped as failed or unreachable */
} cm;

/* ------------------------------------------------------------------------
 * Output.
 * --------------------------------------------------------------------- */

static void cmLogColor(const char *color, const char *fmt, va_list ap) {
    printf("\033[%sm", color);
    vprintf(fmt, ap);
    printf("\033[0m");
    fflush(stdout);
}

static void cmInfo(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cmInfo(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cmLogColor(CM_COLOR_INFO, fmt, ap);
    va_end(ap);
}

static void cmOk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cmOk(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cmLogColor(CM_COLOR_OK, fmt, ap);
    va_end(ap);
}

static void cmWarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cmWarn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cmLogColor(CM_COLOR_WARN, fmt, ap);
    va_end(ap);
}

static void cmErr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cmErr(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cmLogColor(CM_COLOR_ERR, fmt, ap);
    va_end(ap);
}

/* Asks <question> on stdout and returns 1 when the answer is "yes". With
 * --cluster-yes the answer is yes without asking. */
static int cmConfirm(const char *question) {
    char buf[64];
    if (cm.o.yes) return 1;
    printf("%s", question);
    fflush(stdout);
    if (fgets(buf, sizeof(buf), stdin) == NULL) return 0;
    buf[strcspn(buf, "\r\n")] = '\0';
    return !strcmp(buf, "yes");
}

/* Reads one line from stdin (without the newline) after <prompt>; the
 * caller frees it. NULL at end of input. */
static sds cmAsk(const char *prompt) {
    char buf[1024];
    printf("%s", prompt);
    fflush(stdout);
    if (fgets(buf, sizeof(buf), stdin) == NULL) return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return sdsNew(buf);
}

static void cmSleepMs(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static long long cmMstime(void) {
    return monotonicUs() / 1000;
}

/* ------------------------------------------------------------------------
 * Nodes and their connections.
 * --------------------------------------------------------------------- */

static cmNode *cmNodeCreate(const char *ip, int port) {
    cmNode *n = zcalloc(sizeof(*n));
    n->ip = sdsNew(ip);
    n->port = port;
    n->weight = 1.0;
    return n;
}

static void cmNodeResetSlots(cmNode *n) {
    memset(n->slots, 0, sizeof(n->slots));
    n->slots_count = 0;
    for (int i = 0; i < n->migrating_count; i++) sdsFree(n->migrating_to[i]);
    for (int i = 0; i < n->importing_count; i++) sdsFree(n->importing_from[i]);
    zfree(n->migrating);
    zfree(n->migrating_to);
    zfree(n->importing);
    zfree(n->importing_from);
    n->migrating = n->importing = NULL;
    n->migrating_to = n->importing_from = NULL;
    n->migrating_count = n->importing_count = 0;
}

static void cmNodeFree(cmNode *n) {
    if (n == NULL) return;
    cliClientFree(n->c);
    cmNodeResetSlots(n);
    sdsFree(n->ip);
    sdsFree(n->name);
    sdsFree(n->replicate);
    sdsFree(n->signature);
    zfree(n);
}

static void cmFreeNodes(void) {
    for (int i = 0; i < cm.count; i++) cmNodeFree(cm.nodes[i]);
    zfree(cm.nodes);
    cm.nodes = NULL;
    cm.count = 0;
    cm.unreachable_masters = 0;
}

static void cmAddNode(cmNode *n) {
    cm.nodes = zrealloc(cm.nodes, sizeof(cmNode *) * (size_t)(cm.count + 1));
    cm.nodes[cm.count++] = n;
}

/* Splits "host:port" (the last colon, so IPv6 works) into <ip> and <port>.
 * Returns 0 when <addr> has no valid port. */
static int cmParseAddress(const char *addr, sds *ip, int *port) {
    const char *colon = strrchr(addr, ':');
    char *end;
    long p;
    if (colon == NULL) return 0;
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p <= 0 || p > 65535) return 0;
    *ip = sdsNewLen(addr, (size_t)(colon - addr));
    if (sdsLen(*ip) > 2 && (*ip)[0] == '[' && (*ip)[sdsLen(*ip) - 1] == ']')
        sdsRange(*ip, 1, -2);
    *port = (int)p;
    return 1;
}

static int cmCheckReply(cmNode *n, cliReply *r);

/* Connects <n> (once) and authenticates. Prints Redis's one-line error and
 * returns 0 on failure. */
static int cmNodeConnect(cmNode *n) {
    cliConnOptions co = cm.o.co;
    char err[512];

    if (n->c) return 1;
    co.host = n->ip;
    co.port = n->port;
    co.unixsocket = NULL;
    n->c = cliConnect(&co, err, sizeof(err));
    if (n->c == NULL) {
        fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", n->ip,
                n->port, err);
        return 0;
    }
    if (cm.o.auth) {
        cliReply *r = cm.o.user
            ? cliCommand(n->c, "AUTH", cm.o.user, cm.o.auth, NULL)
            : cliCommand(n->c, "AUTH", cm.o.auth, NULL);
        if (r == NULL || r->type == CLI_REPLY_ERROR) {
            if (r) cmCheckReply(n, r);
            else fprintf(stderr, "AUTH failed: %s\n", n->c->err);
            cliClientFree(n->c);
            n->c = NULL;
            return 0;
        }
        cliReplyFree(r);
    }
    return 1;
}

/* Sends <argv> to <n>. Returns the reply (caller frees) or NULL when the
 * link broke, after printing why. */
static cliReply *cmCallArgv(cmNode *n, int argc, char **argv) {
    cliReply *r;
    if (!cmNodeConnect(n)) return NULL;
    r = cliCommandArgv(n->c, argc, argv, NULL);
    if (r == NULL) {
        cmErr("[ERR] Node %s:%d: %s\n", n->ip, n->port, n->c->err);
        cliClientFree(n->c);
        n->c = NULL;
    }
    return r;
}

static cliReply *cmCall(cmNode *n, const char *first, ...)
    __attribute__((sentinel));
static cliReply *cmCall(cmNode *n, const char *first, ...) {
    char *argv[32];
    va_list ap;
    va_start(ap, first);
    int argc = cliArgvFromList(argv, 32, first, ap);
    va_end(ap);
    return cmCallArgv(n, argc, argv);
}

/* 1 when <r> is a reply and not an error; otherwise prints Redis's
 * "Node ... replied with error" and returns 0. Frees <r> either way. */
static int cmCheckReply(cmNode *n, cliReply *r) {
    int ok = r != NULL && r->type != CLI_REPLY_ERROR;
    if (r && r->type == CLI_REPLY_ERROR)
        cmErr("Node %s:%d replied with error:\n%s\n", n->ip, n->port, r->str);
    cliReplyFree(r);
    return ok;
}

static cmNode *cmNodeByName(const char *name) {
    for (int i = 0; i < cm.count; i++)
        if (cm.nodes[i]->name && !strcasecmp(cm.nodes[i]->name, name))
            return cm.nodes[i];
    return NULL;
}

/* The node whose id is <name> or starts with it (unique prefix). */
static cmNode *cmNodeByAbbrev(const char *name) {
    cmNode *found = NULL;
    size_t len = strlen(name);
    for (int i = 0; i < cm.count; i++) {
        if (cm.nodes[i]->name && !strncasecmp(cm.nodes[i]->name, name, len)) {
            if (found) return NULL;
            found = cm.nodes[i];
        }
    }
    return found;
}

/* ------------------------------------------------------------------------
 * Reading CLUSTER NODES.
 * --------------------------------------------------------------------- */

static void cmAddOpenSlot(int **slots, sds **peers, int *count, int slot,
                          const char *peer) {
    *slots = zrealloc(*slots, sizeof(int) * (size_t)(*count + 1));
    *peers = zrealloc(*peers, sizeof(sds) * (size_t)(*count + 1));
    (*slots)[*count] = slot;
    (*peers)[*count] = sdsNew(peer);
    (*count)++;
}

/* Applies the slot fields <tok>[0..<ntok>) of a CLUSTER NODES line to <n>:
 * "a", "a-b", "[a->-id]" (migrating) and "[a-<-id]" (importing). */
static void cmParseSlots(cmNode *n, sds *tok, int ntok) {
    for (int i = 0; i < ntok; i++) {
        const char *t = tok[i];
        if (t[0] == '[') {
            int slot = atoi(t + 1);
            const char *arrow = strstr(t, "->-");
            const char *back = strstr(t, "-<-");
            sds peer;
            if (arrow == NULL && back == NULL) continue;
            peer = sdsNew((arrow ? arrow : back) + 3);
            sdsTrim(peer, "]");
            if (arrow)
                cmAddOpenSlot(&n->migrating, &n->migrating_to,
                              &n->migrating_count, slot, peer);
            else
                cmAddOpenSlot(&n->importing, &n->importing_from,
                              &n->importing_count, slot, peer);
            sdsFree(peer);
        } else {
            const char *dash = strchr(t, '-');
            int a = atoi(t), b = dash ? atoi(dash + 1) : a;
            if (a < 0 || b >= CM_SLOTS || a > b) continue;
            for (int s = a; s <= b; s++) {
                if (!n->slots[s]) n->slots_count++;
                n->slots[s] = 1;
            }
        }
    }
}

/* Fills <n>'s address, id, flags and master from the fields of one CLUSTER
 * NODES line. <keep_ip> keeps the address the user gave. */
static void cmParseNodeFields(cmNode *n, sds *tok, int keep_ip) {
    sds addr = sdsNew(tok[1]);
    char *comma = strchr(addr, ','), *at, *colon;
    if (comma) sdsRange(addr, 0, comma - addr - 1);
    at = strchr(addr, '@');
    if (at) {
        n->cport = atoi(at + 1);
        sdsRange(addr, 0, at - addr - 1);
    }
    colon = strrchr(addr, ':');
    if (colon && !keep_ip) {
        if (colon > addr) {
            sdsFree(n->ip);
            n->ip = sdsNewLen(addr, (size_t)(colon - addr));
        }
        n->port = atoi(colon + 1);
    }
    sdsFree(addr);
    sdsFree(n->name);
    n->name = sdsNew(tok[0]);
    n->flags_known = 1;
    n->replica = strstr(tok[2], "slave") != NULL;
    n->failed = strstr(tok[2], "fail") != NULL && strstr(tok[2], "fail?") == NULL;
    if (strstr(tok[2], "noaddr") || strstr(tok[2], "handshake")) n->failed = 1;
    if (!strcmp(tok[7], "disconnected") && !strstr(tok[2], "myself")) n->failed = 1;
    sdsFree(n->replicate);
    n->replicate = strcmp(tok[3], "-") ? sdsNew(tok[3]) : NULL;
    n->config_epoch = atoll(tok[6]);
}

static int cmCompareSds(const void *a, const void *b) {
    return strcmp(*(const sds *)a, *(const sds *)b);
}

/* The signature of a CLUSTER NODES text: "id:slots" of every line that
 * serves slots, sorted and joined, so that two nodes agree when their
 * signatures are equal. */
static sds cmSignature(const char *text) {
    int nlines;
    sds *lines = sdsSplitLen(text, (ssize_t)strlen(text), "\n", 1, &nlines);
    sds *parts = zmalloc(sizeof(sds) * (size_t)(nlines + 1));
    int nparts = 0;
    sds sig;

    for (int i = 0; i < nlines; i++) {
        int ntok;
        sds *tok;
        sds part = NULL;
        sdsTrim(lines[i], "\r ");
        if (sdsLen(lines[i]) == 0) continue;
        tok = sdsSplitLen(lines[i], (ssize_t)sdsLen(lines[i]), " ", 1, &ntok);
        for (int t = 8; t < ntok; t++) {
            if (tok[t][0] == '[') continue;
            if (part == NULL) part = sdsCatPrintf(sdsEmpty(), "%s:", tok[0]);
            else part = sdsCat(part, ",");
            part = sdsCat(part, tok[t]);
        }
        if (part) parts[nparts++] = part;
        sdsFreeSplitRes(tok, ntok);
    }
    qsort(parts, (size_t)nparts, sizeof(sds), cmCompareSds);
    sig = sdsJoin(parts, nparts, "|");
    for (int i = 0; i < nparts; i++) sdsFree(parts[i]);
    zfree(parts);
    sdsFreeSplitRes(lines, nlines);
    return sig;
}

/* Reads CLUSTER NODES from <n>: its own line fills <n>; with <friends>
 * the other lines become new nodes appended to cm.nodes. Returns 0 after
 * printing why it failed. */
static int cmLoadNode(cmNode *n, int friends) {
    cliReply *r = cmCall(n, "CLUSTER", "NODES", NULL);
    int nlines;
    sds *lines;

    if (r == NULL) return 0;
    if (r->type == CLI_REPLY_ERROR) {
        cmCheckReply(n, r);
        return 0;
    }
    if (r->type != CLI_REPLY_STRING) {
        cliReplyFree(r);
        return 0;
    }
    sdsFree(n->signature);
    n->signature = cmSignature(r->str);
    lines = sdsSplitLen(r->str, (ssize_t)sdsLen(r->str), "\n", 1, &nlines);
    for (int i = 0; i < nlines; i++) {
        int ntok;
        sds *tok;
        sdsTrim(lines[i], "\r ");
        if (sdsLen(lines[i]) == 0) continue;
        tok = sdsSplitLen(lines[i], (ssize_t)sdsLen(lines[i]), " ", 1, &ntok);
        if (ntok < 8) {
            sdsFreeSplitRes(tok, ntok);
            continue;
        }
        if (strstr(tok[2], "myself")) {
            cmParseNodeFields(n, tok, 1);
            cmNodeResetSlots(n);
            cmParseSlots(n, tok + 8, ntok - 8);
        } else if (friends) {
            cmNode *f = cmNodeCreate("", 0);
            cmParseNodeFields(f, tok, 0);
            cmParseSlots(f, tok + 8, ntok - 8);
            cmAddNode(f);
        }
        sdsFreeSplitRes(tok, ntok);
    }
    sdsFreeSplitRes(lines, nlines);
    cliReplyFree(r);
    return 1;
}

static void cmCountReplicas(void) {
    for (int i = 0; i < cm.count; i++) cm.nodes[i]->replicas_count = 0;
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i], *m;
        if (!n->replica || n->replicate == NULL) continue;
        m = cmNodeByName(n->replicate);
        if (m) m->replicas_count++;
    }
}

/* Loads the whole cluster through the node at <ip>:<port>: that node
 * first, then every node it knows, each read from its own point of view.
 * Prints why and returns 0 when a node cannot be read. */
static int cmLoadCluster(const char *ip, int port) {
    cmNode *entry = cmNodeCreate(ip, port);
    cliReply *r;

    cmFreeNodes();
    cmAddNode(entry);
    if (!cmNodeConnect(entry)) return 0;
    r = cmCall(entry, "INFO", "cluster", NULL);
    if (r == NULL) return 0;
    if (r->type == CLI_REPLY_ERROR) {
        cmErr("[ERR] Node %s:%d %s\n", ip, port, r->str);
        cliReplyFree(r);
        return 0;
    }
    if (r->type != CLI_REPLY_STRING || strstr(r->str, "cluster_enabled:1") == NULL) {
        cliReplyFree(r);
        cmErr("[ERR] Node %s:%d is not configured as a cluster node.\n", ip, port);
        return 0;
    }
    cliReplyFree(r);
    if (!cmLoadNode(entry, 1)) return 0;
    /* As Redis's tool: every other node is tried (a failed connection is
     * printed), and one that cannot be reached or read, or that the
     * entry node flags as failed, is left out; a master left out counts
     * as unreachable (see fix --cluster-fix-with-unreachable-masters). */
    for (int i = 1; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        int failed = n->failed;
        if (!cmNodeConnect(n) || failed || !cmLoadNode(n, 0)) {
            if (!n->replica) cm.unreachable_masters++;
            cmNodeFree(n);
            memmove(&cm.nodes[i], &cm.nodes[i + 1],
                    sizeof(cmNode *) * (size_t)(cm.count - i - 1));
            cm.count--;
            i--;
        }
    }
    cmCountReplicas();
    return 1;
}

/* ------------------------------------------------------------------------
 * Printing nodes.
 * --------------------------------------------------------------------- */

/* "[0-5460],[10923]" for the slots of <n>. */
static sds cmSlotsString(const unsigned char *slots) {
    sds s = sdsEmpty();
    int start = -1;
    for (int i = 0; i <= CM_SLOTS; i++) {
        int on = i < CM_SLOTS && slots[i];
        if (on && start < 0) start = i;
        if (!on && start >= 0) {
            if (sdsLen(s)) s = sdsCat(s, ",");
            if (start == i - 1) s = sdsCatPrintf(s, "[%d]", start);
            else s = sdsCatPrintf(s, "[%d-%d]", start, i - 1);
            start = -1;
        }
    }
    return s;
}

static void cmPrintNode(cmNode *n, const char *indent) {
    printf("%s%s: %s %s:%d\n", indent, n->replica ? "S" : "M",
           n->name ? n->name : "", n->ip, n->port);
    if (n->flags_known || n->slots_count > 0) {
        sds s = cmSlotsString(n->slots);
        printf("%s   slots:%s (%d slots) %s\n", indent, s, n->slots_count,
               n->replica ? "slave" : "master");
        sdsFree(s);
    }
    if (n->replicate) printf("%s   replicates %s\n", indent, n->replicate);
    if (n->replicas_count > 0)
        printf("%s   %d additional replica(s)\n", indent, n->replicas_count);
}

static long long cmNodeKeys(cmNode *n) {
    cliReply *r = cmCall(n, "DBSIZE", NULL);
    long long k = r && r->type == CLI_REPLY_INTEGER ? r->integer : 0;
    cliReplyFree(r);
    return k;
}

static void cmShowInfo(void) {
    long long keys = 0;
    int masters = 0;
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        long long k;
        if (n->replica) continue;
        k = cmNodeKeys(n);
        keys += k;
        masters++;
        printf("%s:%d (%.8s...) -> %lld keys | %d slots | %d slaves.\n", n->ip,
               n->port, n->name, k, n->slots_count, n->replicas_count);
    }
    cmOk("[OK] %lld keys in %d masters.\n", keys, masters);
    printf("%.2f keys per slot on average.\n", (double)keys / CM_SLOTS);
}

/* ------------------------------------------------------------------------
 * Moving slots.
 * --------------------------------------------------------------------- */

#define CM_MOVE_DOTS 1   /* print a dot per key moved */
#define CM_MOVE_FIX 2    /* overwrite keys the target already has */
#define CM_MOVE_COLD 4   /* keys only: no SETSLOT */

static sds cmFmtLong(long long v) {
    return sdsFromLongLong(v);
}

/* Moves every key of <slot> from <src> to <dst> with MIGRATE, <pipeline>
 * keys at a time. Returns 0 after printing the error. */
static int cmMigrateKeys(cmNode *src, cmNode *dst, int slot, int flags) {
    sds sslot = cmFmtLong(slot), spipe = cmFmtLong(cm.o.pipeline);
    sds sport = cmFmtLong(dst->port), stimeout = cmFmtLong(cm.o.timeout);
    int ok = 1;

    for (;;) {
        cliReply *keys = cmCall(src, "CLUSTER", "GETKEYSINSLOT", sslot, spipe, NULL);
        char **argv;
        int argc = 0, replace = cm.o.replace;
        cliReply *r;

        if (keys == NULL || keys->type != CLI_REPLY_ARRAY) {
            if (keys && keys->type == CLI_REPLY_ERROR) cmCheckReply(src, keys);
            else cliReplyFree(keys);
            ok = 0;
            break;
        }
        if (keys->elements == 0) {
            cliReplyFree(keys);
            break;
        }
        argv = zmalloc(sizeof(char *) * (keys->elements + 16));
    again:
        argc = 0;
        argv[argc++] = "MIGRATE";
        argv[argc++] = dst->ip;
        argv[argc++] = sport;
        argv[argc++] = "";
        argv[argc++] = "0";
        argv[argc++] = stimeout;
        if (replace) argv[argc++] = "REPLACE";
        if (cm.o.auth) {
            if (cm.o.user) {
                argv[argc++] = "AUTH2";
                argv[argc++] = (char *)cm.o.user;
            } else {
                argv[argc++] = "AUTH";
            }
            argv[argc++] = (char *)cm.o.auth;
        }
        argv[argc++] = "KEYS";
        for (size_t i = 0; i < keys->elements; i++)
            argv[argc++] = keys->element[i]->str;
        r = cmCallArgv(src, argc, argv);
        if (r && r->type == CLI_REPLY_ERROR && strstr(r->str, "BUSYKEY") &&
            !replace && (flags & CM_MOVE_FIX)) {
            cliReplyFree(r);
            replace = 1;
            goto again;
        }
        if (r == NULL || r->type == CLI_REPLY_ERROR) {
            printf("\n");
            cmErr("[ERR] Calling MIGRATE: %s\n", r ? r->str : "link broken");
            cliReplyFree(r);
            zfree(argv);
            cliReplyFree(keys);
            ok = 0;
            break;
        }
        cliReplyFree(r);
        zfree(argv);
        if (flags & CM_MOVE_DOTS) {
            /* One dot per key moved, as Redis's tool prints. */
            for (size_t i = 0; i < keys->elements; i++) printf(".");
            fflush(stdout);
        }
        cliReplyFree(keys);
    }
    sdsFree(sslot);
    sdsFree(spipe);
    sdsFree(sport);
    sdsFree(stimeout);
    return ok;
}

/* Moves <slot> from <src> to <dst>: IMPORTING on <dst>, MIGRATING on
 * <src>, the keys, then SETSLOT NODE on <dst>, <src> and every other
 * master (written to all of them first, then the replies read, to save
 * round trips). Returns 0 after printing the error. */
static int cmMoveSlot(cmNode *src, cmNode *dst, int slot, int flags) {
    sds sslot = cmFmtLong(slot);
    int ok = 0;

    if (!(flags & CM_MOVE_COLD)) {
        if (!cmCheckReply(dst, cmCall(dst, "CLUSTER", "SETSLOT", sslot,
                                      "IMPORTING", src->name, NULL)))
            goto done;
        if (!cmCheckReply(src, cmCall(src, "CLUSTER", "SETSLOT", sslot,
                                      "MIGRATING", dst->name, NULL)))
            goto done;
    }
    if (!cmMigrateKeys(src, dst, slot, flags)) goto done;
    if (!(flags & CM_MOVE_COLD)) {
        char *argv[5] = {"CLUSTER", "SETSLOT", sslot, "NODE", dst->name};
        sds req = cliFormatCommandArgv(sdsEmpty(), 5, argv, NULL);
        /* The target first, so the slot is never served by nobody. */
        if (!cmCheckReply(dst, cmCallArgv(dst, 5, argv))) {
            sdsFree(req);
            goto done;
        }
        unsigned char *sent = zcalloc((size_t)cm.count);
        for (int i = 0; i < cm.count; i++) {
            cmNode *n = cm.nodes[i];
            if (n == dst || n->replica || !cmNodeConnect(n)) continue;
            sent[i] = cliWriteAll(n->c, req, sdsLen(req)) == C_OK;
            if (!sent[i] && n == src) ok = -1;
        }
        ok = ok == -1 ? 0 : 1;
        for (int i = 0; i < cm.count; i++) {
            cmNode *n = cm.nodes[i];
            cliReply *r = NULL;
            if (!sent[i]) continue;
            if (cliReadReply(n->c, -1, &r) != C_OK) {
                cmErr("[ERR] Node %s:%d: %s\n", n->ip, n->port, n->c->err);
                if (n == src) ok = 0;
                continue;
            }
            /* Only the source must accept; another master may not know
             * the target yet, and learns the owner from gossip. */
            if (n == src && r->type == CLI_REPLY_ERROR) {
                cmCheckReply(n, r);
                ok = 0;
                continue;
            }
            cliReplyFree(r);
        }
        zfree(sent);
        sdsFree(req);
        if (!ok) goto done;
    }
    ok = 1;
    if (src->slots[slot]) src->slots_count--;
    src->slots[slot] = 0;
    if (!dst->slots[slot]) dst->slots_count++;
    dst->slots[slot] = 1;
done:
    sdsFree(sslot);
    return ok;
}

/* ------------------------------------------------------------------------
 * Checks and fixes.
 * --------------------------------------------------------------------- */

static int cmConfigConsistent(void) {
    for (int i = 1; i < cm.count; i++) {
        if (cm.nodes[0]->signature == NULL || cm.nodes[i]->signature == NULL)
            return 0;
        if (strcmp(cm.nodes[0]->signature, cm.nodes[i]->signature)) return 0;
    }
    return 1;
}

static long long cmCountKeysInSlot(cmNode *n, int slot) {
    sds s = cmFmtLong(slot);
    cliReply *r = cmCall(n, "CLUSTER", "COUNTKEYSINSLOT", s, NULL);
    long long k = r && r->type == CLI_REPLY_INTEGER ? r->integer : 0;
    sdsFree(s);
    cliReplyFree(r);
    return k;
}

static int cmSetSlot(cmNode *n, int slot, const char *how, const char *id) {
    sds s = cmFmtLong(slot);
    cliReply *r = id ? cmCall(n, "CLUSTER", "SETSLOT", s, how, id, NULL)
                     : cmCall(n, "CLUSTER", "SETSLOT", s, how, NULL);
    sdsFree(s);
    return cmCheckReply(n, r);
}

static int cmAddSlot(cmNode *n, int slot) {
    sds s = cmFmtLong(slot);
    int ok = cmCheckReply(n, cmCall(n, "CLUSTER", "ADDSLOTS", s, NULL));
    sdsFree(s);
    if (ok && !n->slots[slot]) {
        n->slots[slot] = 1;
        n->slots_count++;
    }
    return ok;
}

static int cmIsOpen(cmNode *n, int slot, int importing) {
    int cnt = importing ? n->importing_count : n->migrating_count;
    int *v = importing ? n->importing : n->migrating;
    for (int i = 0; i < cnt; i++)
        if (v[i] == slot) return 1;
    return 0;
}

/* Closes one open slot, in the cases Redis's tool handles: a single owner
 * with a migrating and an importing node (finish the move), importing
 * nodes only (move their keys to the owner), or a stale mark. */
static int cmFixOpenSlot(int slot) {
    cmNode *owner = NULL, **migrating, **importing;
    int nmig = 0, nimp = 0, ok = 1;
    long long best = -1;

    cmInfo(">>> Fixing open slot %d\n", slot);
    migrating = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
    importing = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        if (n->replica) continue;
        if (n->slots[slot] && owner == NULL) owner = n;
        if (cmIsOpen(n, slot, 0)) migrating[nmig++] = n;
        else if (cmIsOpen(n, slot, 1)) importing[nimp++] = n;
        else if (!n->slots[slot] && cmCountKeysInSlot(n, slot) > 0) {
            cmWarn("*** Found keys about slot %d in non-owner node %s:%d!\n",
                   slot, n->ip, n->port);
            importing[nimp++] = n;
        }
    }
    for (int i = 0; i < nmig; i++)
        printf("Set as migrating in: %s:%d\n", migrating[i]->ip, migrating[i]->port);
    for (int i = 0; i < nimp; i++)
        printf("Set as importing in: %s:%d\n", importing[i]->ip, importing[i]->port);
    if (owner == NULL) {
        /* Nobody serves it: the node with the most keys takes it. */
        printf(">>> No single clear owner for the slot, selecting an owner by # of keys...\n");
        for (int i = 0; i < cm.count; i++) {
            long long k;
            if (cm.nodes[i]->replica) continue;
            k = cmCountKeysInSlot(cm.nodes[i], slot);
            if (k > best) {
                best = k;
                owner = cm.nodes[i];
            }
        }
        if (owner == NULL) {
            cmErr("[ERR] Can't select a slot owner. Impossible to fix.\n");
            ok = 0;
            goto done;
        }
        printf("*** Configuring %s:%d as the slot owner\n", owner->ip, owner->port);
        ok = cmSetSlot(owner, slot, "STABLE", NULL) && cmAddSlot(owner, slot);
        if (!ok) goto done;
        for (int i = 0; i < nmig; i++)
            if (migrating[i] == owner) migrating[i] = migrating[--nmig];
        for (int i = 0; i < nimp; i++)
            if (importing[i] == owner) importing[i] = importing[--nimp];
    }
    if (nmig == 1 && nimp == 1 && migrating[0] == owner) {
        cmInfo(">>> Case 1: Moving slot %d from %s:%d to %s:%d\n", slot,
               owner->ip, owner->port, importing[0]->ip, importing[0]->port);
        printf("Moving slot %d from %s:%d to %s:%d: ", slot, owner->ip,
               owner->port, importing[0]->ip, importing[0]->port);
        ok = cmMoveSlot(owner, importing[0], slot, CM_MOVE_DOTS | CM_MOVE_FIX);
        if (ok) printf("\n");
    } else if (nmig == 0 && nimp > 0) {
        cmInfo(">>> Case 2: Moving all the %d slot keys to its owner %s:%d\n",
               slot, owner->ip, owner->port);
        for (int i = 0; i < nimp && ok; i++) {
            cmNode *n = importing[i];
            if (n == owner) continue;
            printf("Moving slot %d from %s:%d to %s:%d: ", slot, n->ip, n->port,
                   owner->ip, owner->port);
            ok = cmMigrateKeys(n, owner, slot, CM_MOVE_DOTS | CM_MOVE_FIX);
            if (!ok) break;
            printf("\n");
            cmInfo(">>> Setting %d as STABLE in %s:%d\n", slot, n->ip, n->port);
            ok = cmSetSlot(n, slot, "STABLE", NULL);
        }
        if (ok) ok = cmSetSlot(owner, slot, "STABLE", NULL);
    } else if (nmig == 1 && nimp == 0 && migrating[0] == owner) {
        cmInfo(">>> Case 3: Closing slot %d on %s:%d\n", slot, owner->ip, owner->port);
        ok = cmSetSlot(owner, slot, "STABLE", NULL);
    } else if (nmig == 1 && nimp > 1 && migrating[0] == owner) {
        cmInfo(">>> Case 4: Moving slot %d to %s:%d, closing it elsewhere\n",
               slot, importing[0]->ip, importing[0]->port);
        for (int i = 1; i < nimp && ok; i++)
            ok = cmMigrateKeys(importing[i], importing[0], slot, CM_MOVE_FIX) &&
                 cmSetSlot(importing[i], slot, "STABLE", NULL);
        if (ok) ok = cmMoveSlot(owner, importing[0], slot, CM_MOVE_DOTS | CM_MOVE_FIX);
        if (ok) printf("\n");
    } else {
        /* Several migrating nodes, or migrating away from a node that does
         * not own it: close every mark and keep the keys on the owner. */
        cmInfo(">>> Closing slot %d on every node, keys to %s:%d\n", slot,
               owner->ip, owner->port);
        for (int i = 0; i < cm.count && ok; i++) {
            cmNode *n = cm.nodes[i];
            if (n->replica) continue;
            if (n != owner && cmCountKeysInSlot(n, slot) > 0)
                ok = cmMigrateKeys(n, owner, slot, CM_MOVE_FIX);
            if (ok) ok = cmSetSlot(n, slot, "STABLE", NULL);
        }
        if (ok) {
            for (int i = 0; i < cm.count && ok; i++)
                if (!cm.nodes[i]->replica)
                    ok = cmSetSlot(cm.nodes[i], slot, "NODE", owner->name);
        }
    }
done:
    zfree(migrating);
    zfree(importing);
    return ok;
}

/* Covers uncovered slot <s> with <n>, moving to it the keys that other
 * masters hold in that slot. */
static int cmCoverSlot(cmNode **masters, int nmasters, cmNode *n, int s) {
    int ok;
    cmInfo(">>> Covering slot %d with %s:%d\n", s, n->ip, n->port);
    {
        /* A slot of an unreachable master is still "busy" in <n>'s view:
         * forget that owner first (an unassigned slot just errors). */
        sds ss = cmFmtLong(s);
        cliReplyFree(cmCall(n, "CLUSTER", "DELSLOTS", ss, NULL));
        sdsFree(ss);
    }
    ok = cmSetSlot(n, s, "STABLE", NULL) && cmAddSlot(n, s);
    /* A newer epoch makes this claim win over the old owner's. */
    if (ok) cliReplyFree(cmCall(n, "CLUSTER", "BUMPEPOCH", NULL));
    for (int i = 0; i < nmasters && ok; i++) {
        if (masters[i] == n || cmCountKeysInSlot(masters[i], s) == 0) continue;
        ok = cmMigrateKeys(masters[i], n, s, CM_MOVE_FIX) &&
             cmSetSlot(masters[i], s, "STABLE", NULL);
    }
    return ok;
}

/* Gives every uncovered slot an owner: a random master when no node has
 * keys in it, else the node with the most keys (the others' keys move to
 * it). Each group is confirmed separately, as Redis's tool does. */
static int cmFixCoverage(const unsigned char *covered) {
    static const char *titles[3] = {
        "The following uncovered slots have no keys across the cluster:",
        "The following uncovered slots have keys in just one node:",
        "The following uncovered slots have keys in multiple nodes:"};
    static const char *questions[3] = {
        "Fix these slots by covering with a random node? (type 'yes' to accept): ",
        "Fix these slots by covering with those nodes? (type 'yes' to accept): ",
        "Fix these slots by moving keys into a single node? (type 'yes' to accept): "};
    sds all = sdsEmpty(), lists[3];
    int *owner_of = zmalloc(sizeof(int) * CM_SLOTS);
    unsigned char *group = zmalloc(CM_SLOTS);
    int nmasters = 0, ok = 1;
    cmNode **masters = zmalloc(sizeof(cmNode *) * (size_t)cm.count);

    for (int g = 0; g < 3; g++) lists[g] = sdsEmpty();
    for (int i = 0; i < cm.count; i++)
        if (!cm.nodes[i]->replica) masters[nmasters++] = cm.nodes[i];
    cmInfo(">>> Fixing slots coverage...\n");
    for (int s = 0; s < CM_SLOTS; s++) {
        int holders = 0;
        long long best = 0;
        if (covered[s]) continue;
        all = sdsCatPrintf(all, "%s%d", sdsLen(all) ? "," : "", s);
        owner_of[s] = -1;
        for (int i = 0; i < nmasters; i++) {
            long long k = cmCountKeysInSlot(masters[i], s);
            if (k > 0) holders++;
            if (k > best) {
                best = k;
                owner_of[s] = i;
            }
        }
        group[s] = (unsigned char)(holders > 2 ? 2 : holders);
        lists[group[s]] = sdsCatPrintf(lists[group[s]], "%s%d",
                                       sdsLen(lists[group[s]]) ? "," : "", s);
    }
    printf("List of not covered slots: \n%s\n", all);
    for (int g = 0; g < 3 && ok && nmasters > 0; g++) {
        if (sdsLen(lists[g]) == 0) continue;
        printf("%s\n%s\n", titles[g], lists[g]);
        if (!cmConfirm(questions[g])) continue;
        for (int s = 0; s < CM_SLOTS && ok; s++) {
            if (covered[s] || group[s] != g) continue;
            ok = cmCoverSlot(masters, nmasters,
                             g == 0 ? masters[rand() % nmasters] : masters[owner_of[s]], s);
        }
    }
    for (int g = 0; g < 3; g++) sdsFree(lists[g]);
    sdsFree(all);
    zfree(owner_of);
    zfree(group);
    zfree(masters);
    return ok;
}

/* Redis's cluster check: agreement, open slots, coverage and, when asked,
 * slots claimed by more than one master. With <fix> problems found are
 * repaired. <quiet> leaves out the node listing. Returns 1 when the
 * cluster looked healthy. */
static int cmCheckCluster(int quiet, int fix) {
    unsigned char *covered = zcalloc(CM_SLOTS);
    int ok = 1, open = 0;
    sds open_list = sdsEmpty();
    unsigned char *listed = zcalloc(CM_SLOTS);

    cmInfo(">>> Performing Cluster Check (using node %s:%d)\n",
           cm.nodes[0]->ip, cm.nodes[0]->port);
    if (!quiet)
        for (int i = 0; i < cm.count; i++) cmPrintNode(cm.nodes[i], "");
    if (cmConfigConsistent()) {
        cmOk("[OK] All nodes agree about slots configuration.\n");
    } else {
        cmErr("[ERR] Nodes don't agree about configuration!\n");
        ok = 0;
    }
    cmInfo(">>> Check for open slots...\n");
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        for (int pass = 0; pass < 2; pass++) {
            int cnt = pass ? n->importing_count : n->migrating_count;
            int *v = pass ? n->importing : n->migrating;
            sds list = sdsEmpty();
            if (cnt == 0) {
                sdsFree(list);
                continue;
            }
            for (int j = 0; j < cnt; j++) {
                list = sdsCatPrintf(list, "%s%d", j ? "," : "", v[j]);
                if (!listed[v[j]]) {
                    listed[v[j]] = 1;
                    open_list = sdsCatPrintf(open_list, "%s%d",
                                             open ? "," : "", v[j]);
                    open++;
                }
            }
            cmErr("[WARNING] Node %s:%d has slots in %s state %s.\n", n->ip,
                   n->port, pass ? "importing" : "migrating", list);
            sdsFree(list);
        }
    }
    if (open) {
        cmErr("[WARNING] The following slots are open: %s.\n", open_list);
        /* "fix" succeeds when it closed them all. */
        if (!fix) ok = 0;
        for (int s = 0; fix && s < CM_SLOTS; s++) {
            if (listed[s] && !cmFixOpenSlot(s)) {
                ok = 0;
                break;
            }
        }
    }
    cmInfo(">>> Check slots coverage...\n");
    for (int i = 0; i < cm.count; i++)
        for (int s = 0; s < CM_SLOTS; s++)
            if (cm.nodes[i]->slots[s]) covered[s] = 1;
    {
        int n = 0;
        for (int s = 0; s < CM_SLOTS; s++) n += covered[s];
        if (n == CM_SLOTS) {
            cmOk("[OK] All %d slots covered.\n", CM_SLOTS);
        } else {
            cmErr("[ERR] Not all %d slots are covered by nodes.\n\n", CM_SLOTS);
            if (!fix) {
                ok = 0;
            } else if (!cm.unreachable_masters || cm.o.fix_with_unreachable_masters) {
                if (!cmFixCoverage(covered)) ok = 0;
            } else {
                ok = 0;
                cmWarn("*** Fixing slots coverage with %d unreachable masters is dangerous: "
                       "redis-cli will assume that slots about masters that are not "
                       "reachable are not covered, and will try to reassign them to the "
                       "reachable nodes. This can cause data loss and is rarely what you "
                       "want to do. If you really want to proceed use the "
                       "--cluster-fix-with-unreachable-masters option.\n",
                       cm.unreachable_masters);
            }
        }
    }
    if (cm.o.search_multiple_owners) {
        int found = 0;
        cmInfo(">>> Check for multiple slot owners...\n");
        for (int s = 0; s < CM_SLOTS; s++) {
            int owners = 0;
            for (int i = 0; i < cm.count; i++)
                if (!cm.nodes[i]->replica && cm.nodes[i]->slots[s]) owners++;
            if (owners <= 1) continue;
            found++;
            ok = 0;
            cmWarn("[WARNING] Slot %d has %d owners:\n", s, owners);
            for (int i = 0; i < cm.count; i++)
                if (!cm.nodes[i]->replica && cm.nodes[i]->slots[s])
                    printf("    %s:%d\n", cm.nodes[i]->ip, cm.nodes[i]->port);
            if (fix) {
                /* The owner with the most keys keeps the slot. */
                cmNode *keep = NULL;
                long long best = -1;
                for (int i = 0; i < cm.count; i++) {
                    cmNode *n = cm.nodes[i];
                    long long k;
                    if (n->replica || !n->slots[s]) continue;
                    k = cmCountKeysInSlot(n, s);
                    if (k > best) {
                        best = k;
                        keep = n;
                    }
                }
                if (keep == NULL) continue;
                printf(">>> Fixing multiple owners for slot %d (keeping %s:%d)\n",
                       s, keep->ip, keep->port);
                for (int i = 0; i < cm.count; i++) {
                    cmNode *n = cm.nodes[i];
                    if (n->replica || !n->slots[s] || n == keep) continue;
                    if (!cmMigrateKeys(n, keep, s, CM_MOVE_FIX)) break;
                    cmSetSlot(n, s, "NODE", keep->name);
                    n->slots[s] = 0;
                    n->slots_count--;
                }
                cmSetSlot(keep, s, "NODE", keep->name);
            }
        }
        if (!found) cmOk("[OK] No multiple owners found.\n");
    }
    sdsFree(open_list);
    zfree(listed);
    zfree(covered);
    return ok;
}

/* ------------------------------------------------------------------------
 * Subcommands.
 * --------------------------------------------------------------------- */

/* Takes "host:port" or "host port" from <argv> at *<i>. */
static int cmTakeAddress(int argc, char **argv, int *i, sds *ip, int *port) {
    if (*i >= argc) return 0;
    if (cmParseAddress(argv[*i], ip, port)) {
        (*i)++;
        return 1;
    }
    if (*i + 1 < argc) {
        char *end;
        long p = strtol(argv[*i + 1], &end, 10);
        if (*end == '\0' && p > 0 && p <= 65535) {
            *ip = sdsNew(argv[*i]);
            *port = (int)p;
            *i += 2;
            return 1;
        }
    }
    return 0;
}

static int cmInvalidAddress(const char *a) {
    (void)a;
    fprintf(stderr, "[ERR] Invalid arguments: you need to pass either a valid "
                    "address (ie. 120.0.0.1:7000) or space separated IP and "
                    "port (ie. 120.0.0.1 7000)\n");
    return 1;
}

static int cmCmdCheck(int argc, char **argv, int fix) {
    sds ip = NULL;
    int port, i = 0, ok;
    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    ok = cmLoadCluster(ip, port);
    sdsFree(ip);
    if (!ok) return 1;
    cmShowInfo();
    ok = cmCheckCluster(0, fix);
    return ok ? 0 : 1;
}

static int cmCmdInfo(int argc, char **argv) {
    sds ip = NULL;
    int port, i = 0, ok;
    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    ok = cmLoadCluster(ip, port);
    sdsFree(ip);
    if (!ok) return 1;
    cmShowInfo();
    return 0;
}

/* Checks a node that is to join a cluster: cluster mode on, no keys and
 * no other known node. */
static int cmCheckEmptyClusterNode(cmNode *n) {
    cliReply *r = cmCall(n, "INFO", "cluster", NULL);
    int ok;
    if (r == NULL) return 0;
    ok = r->type == CLI_REPLY_STRING && strstr(r->str, "cluster_enabled:1");
    cliReplyFree(r);
    if (!ok) {
        cmErr("[ERR] Node %s:%d is not configured as a cluster node.\n", n->ip, n->port);
        return 0;
    }
    if (!cmLoadNode(n, 0)) return 0;
    r = cmCall(n, "INFO", "keyspace", NULL);
    if (r == NULL) return 0;
    ok = r->type == CLI_REPLY_STRING && strstr(r->str, "db0:") == NULL;
    cliReplyFree(r);
    if (ok) {
        r = cmCall(n, "CLUSTER", "INFO", NULL);
        if (r == NULL) return 0;
        ok = r->type == CLI_REPLY_STRING &&
             strstr(r->str, "cluster_known_nodes:1\r") != NULL;
        cliReplyFree(r);
    }
    if (!ok) {
        cmErr("[ERR] Node %s:%d is not empty. Either the node already knows other "
              "nodes (check with CLUSTER NODES) or contains some key in database 0.\n",
              n->ip, n->port);
        return 0;
    }
    return 1;
}

static int cmNodeCompareHost(const void *a, const void *b) {
    return strcmp((*(cmNode *const *)a)->ip, (*(cmNode *const *)b)->ip);
}

/* Replicas on the same host as their master, for the anti-affinity pass. */
static int cmSameHostReplicas(cmNode **nodes, int count) {
    int n = 0;
    for (int i = 0; i < count; i++)
        if (nodes[i]->master && !strcmp(nodes[i]->ip, nodes[i]->master->ip)) n++;
    return n;
}

/* Swaps masters between replicas while that lowers the number of replicas
 * on their master's host; a bounded number of random tries. */
static void cmOptimizeAntiAffinity(cmNode **nodes, int count) {
    int score = cmSameHostReplicas(nodes, count);
    for (int iter = 0; iter < 500 && score > 0; iter++) {
        int a = rand() % count, b = rand() % count, nscore;
        cmNode *t;
        if (!nodes[a]->master || !nodes[b]->master || a == b) continue;
        if (nodes[a]->master == nodes[b]->master) continue;
        t = nodes[a]->master;
        nodes[a]->master = nodes[b]->master;
        nodes[b]->master = t;
        nscore = cmSameHostReplicas(nodes, count);
        if (nscore > score) {
            t = nodes[a]->master;
            nodes[a]->master = nodes[b]->master;
            nodes[b]->master = t;
        } else {
            score = nscore;
        }
    }
}

/* Waits until every node reports the same slots layout, printing a dot a
 * second as Redis's tool does. Returns 0 after the deadline. */
static int cmWaitConsistent(void) {
    long long start = cmMstime(), last_dot = start;
    for (;;) {
        int loaded = 1;
        for (int i = 0; i < cm.count; i++)
            if (!cmLoadNode(cm.nodes[i], 0)) loaded = 0;
        if (loaded && cmConfigConsistent()) return 1;
        if (cmMstime() - start > CM_JOIN_TIMEOUT_MS) return 0;
        if (cmMstime() - last_dot >= 1000) {
            printf(".");
            fflush(stdout);
            last_dot = cmMstime();
        }
        cmSleepMs(50);
    }
}

/* Asks <n> to MEET <target> (with its bus port when known). */
static int cmMeet(cmNode *n, cmNode *target) {
    sds port = cmFmtLong(target->port), cport = cmFmtLong(target->cport);
    cliReply *r = target->cport
        ? cmCall(n, "CLUSTER", "MEET", target->ip, port, cport, NULL)
        : cmCall(n, "CLUSTER", "MEET", target->ip, port, NULL);
    sdsFree(port);
    sdsFree(cport);
    return cmCheckReply(n, r);
}

static int cmCmdCreate(int argc, char **argv) {
    int masters_count, replicas = cm.o.replicas, ok = 1;
    cmNode **order;
    int first = 0;
    double per_node, cursor = 0;

    cmFreeNodes();
    for (int i = 0; i < argc; i++) {
        sds ip = NULL;
        int port;
        cmNode *n;
        if (!cmParseAddress(argv[i], &ip, &port)) return cmInvalidAddress(argv[i]);
        n = cmNodeCreate(ip, port);
        sdsFree(ip);
        cmAddNode(n);
        if (!cmNodeConnect(n) || !cmCheckEmptyClusterNode(n)) return 1;
        /* Create lists nodes by what the user set, not what they say. */
        n->flags_known = 0;
        n->replica = 0;
        sdsFree(n->replicate);
        n->replicate = NULL;
        cmNodeResetSlots(n);
    }
    masters_count = cm.count / (replicas + 1);
    if (masters_count < 3) {
        cmErr("*** ERROR: Invalid configuration for cluster creation.\n"
              "*** Redis Cluster requires at least 3 master nodes.\n"
              "*** This is not possible with %d nodes and %d replicas per node.",
              cm.count, replicas);
        cmErr("\n*** At least %d nodes are required.\n", 3 * (replicas + 1));
        return 1;
    }
    cmInfo(">>> Performing hash slots allocation on %d nodes...\n", cm.count);
    /* Interleave the hosts so that masters spread over machines. */
    {
        cmNode **byhost = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
        int *taken = zcalloc(sizeof(int) * (size_t)cm.count), nord = 0;
        memcpy(byhost, cm.nodes, sizeof(cmNode *) * (size_t)cm.count);
        /* Stable grouping by host: insertion sort keeps input order. */
        for (int i = 1; i < cm.count; i++) {
            cmNode *k = byhost[i];
            int j = i - 1;
            while (j >= 0 && cmNodeCompareHost(&byhost[j], &k) > 0) {
                byhost[j + 1] = byhost[j];
                j--;
            }
            byhost[j + 1] = k;
        }
        order = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
        while (nord < cm.count) {
            const char *last_host = NULL;
            for (int i = 0; i < cm.count; i++) {
                if (taken[i]) continue;
                if (last_host && !strcmp(last_host, byhost[i]->ip)) continue;
                taken[i] = 1;
                order[nord++] = byhost[i];
                last_host = byhost[i]->ip;
                /* Skip the rest of this host in this round. */
                while (i + 1 < cm.count && !strcmp(byhost[i + 1]->ip, last_host)) i++;
            }
        }
        zfree(taken);
        zfree(byhost);
    }
    per_node = (double)CM_SLOTS / masters_count;
    for (int m = 0; m < masters_count; m++) {
        long last = lround(cursor + per_node - 1);
        if (last > CM_SLOTS - 1 || m == masters_count - 1) last = CM_SLOTS - 1;
        if (last < first) last = first;
        printf("Master[%d] -> Slots %d - %ld\n", m, first, last);
        for (long s = first; s <= last; s++) order[m]->slots[s] = 1;
        order[m]->slots_count = (int)(last - first + 1);
        first = (int)last + 1;
        cursor += per_node;
    }
    /* Replicas: the others, the first one moved to the end (a rotation
     * that often gives a better start to the anti-affinity pass); each
     * master takes its replicas in turn, on another host when there is
     * one. */
    {
        int nrest = cm.count - masters_count, *used;
        cmNode **rest = zmalloc(sizeof(cmNode *) * (size_t)(nrest + 1));
        for (int i = 0; i < nrest; i++) rest[i] = order[masters_count + (i + 1) % nrest];
        used = zcalloc(sizeof(int) * (size_t)(nrest + 1));
        for (int m = 0; m < masters_count; m++) {
            for (int round = 0; round < replicas; round++) {
                int pick = -1;
                for (int i = 0; i < nrest && pick < 0; i++)
                    if (!used[i] && strcmp(rest[i]->ip, order[m]->ip)) pick = i;
                for (int i = 0; i < nrest && pick < 0; i++)
                    if (!used[i]) pick = i;
                if (pick < 0) break;
                used[pick] = 1;
                rest[pick]->master = order[m];
                printf("Adding replica %s:%d to %s:%d\n", rest[pick]->ip,
                       rest[pick]->port, order[m]->ip, order[m]->port);
            }
        }
        /* Nodes left over go to the masters with fewest replicas. */
        for (int i = 0; i < nrest; i++) {
            cmNode *best = NULL;
            int bestn = 0;
            if (used[i]) continue;
            for (int m = 0; m < masters_count; m++) {
                int cnt = 0;
                for (int j = 0; j < nrest; j++)
                    if (rest[j]->master == order[m]) cnt++;
                if (best == NULL || cnt < bestn) {
                    best = order[m];
                    bestn = cnt;
                }
            }
            used[i] = 1;
            rest[i]->master = best;
            printf("Adding extra replicas...\nAdding replica %s:%d to %s:%d\n",
                   rest[i]->ip, rest[i]->port, best->ip, best->port);
        }
        zfree(used);
        zfree(rest);
    }
    if (replicas > 0) {
        cmInfo(">>> Trying to optimize slaves allocation for anti-affinity\n");
        cmOptimizeAntiAffinity(cm.nodes, cm.count);
        if (cmSameHostReplicas(cm.nodes, cm.count) > 0)
            cmWarn("[WARNING] Some slaves are in the same host as their master\n");
    }
    zfree(order);
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        if (n->master) {
            n->replica = 1;
            n->replicate = sdsDup(n->master->name);
        }
        cmPrintNode(n, "");
    }
    if (!cmConfirm("Can I set the above configuration? (type 'yes' to accept): "))
        return 1;
    /* Slots with ADDSLOTSRANGE, one call per master. */
    for (int i = 0; i < cm.count && ok; i++) {
        cmNode *n = cm.nodes[i];
        int a = -1;
        if (n->replica) continue;
        for (int s = 0; s <= CM_SLOTS && ok; s++) {
            int on = s < CM_SLOTS && n->slots[s];
            if (on && a < 0) a = s;
            if (!on && a >= 0) {
                sds sa = cmFmtLong(a), sb = cmFmtLong(s - 1);
                ok = cmCheckReply(n, cmCall(n, "CLUSTER", "ADDSLOTSRANGE", sa, sb, NULL));
                sdsFree(sa);
                sdsFree(sb);
                a = -1;
            }
        }
    }
    if (!ok) return 1;
    cmInfo(">>> Nodes configuration updated\n");
    cmInfo(">>> Assign a different config epoch to each node\n");
    for (int i = 0; i < cm.count; i++) {
        sds e = cmFmtLong(i + 1);
        cliReplyFree(cmCall(cm.nodes[i], "CLUSTER", "SET-CONFIG-EPOCH", e, NULL));
        sdsFree(e);
    }
    cmInfo(">>> Sending CLUSTER MEET messages to join the cluster\n");
    for (int i = 1; i < cm.count; i++)
        if (!cmMeet(cm.nodes[0], cm.nodes[i])) return 1;
    printf("Waiting for the cluster to join\n");
    fflush(stdout);
    if (!cmWaitConsistent()) {
        printf("\n");
        cmErr("[ERR] The cluster did not agree on its configuration in time.\n");
        return 1;
    }
    printf("\n");
    /* Replicas now that they know their masters. */
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        long long deadline = cmMstime() + CM_JOIN_TIMEOUT_MS;
        if (!n->master) continue;
        for (;;) {
            cliReply *r = cmCall(n, "CLUSTER", "REPLICATE", n->master->name, NULL);
            if (r && r->type != CLI_REPLY_ERROR) {
                cliReplyFree(r);
                break;
            }
            if (r == NULL || cmMstime() > deadline) {
                cmCheckReply(n, r);
                return 1;
            }
            cliReplyFree(r);
            cmSleepMs(50);
        }
    }
    /* Wait until the first node has heard of every replica's role. */
    {
        long long deadline = cmMstime() + CM_JOIN_TIMEOUT_MS;
        cmNode *entry = cm.nodes[0];
        sds ip = sdsDup(entry->ip);
        int port = entry->port;
        for (;;) {
            int seen = 0, want = 0;
            cliReply *r = cmCall(entry, "CLUSTER", "NODES", NULL);
            if (r == NULL || r->type != CLI_REPLY_STRING) {
                cliReplyFree(r);
                break;
            }
            for (int i = 0; i < cm.count; i++) {
                cmNode *n = cm.nodes[i];
                sds needle;
                if (!n->master) continue;
                want++;
                needle = sdsCatPrintf(sdsEmpty(), "%s ", n->name);
                {
                    const char *line = strstr(r->str, needle);
                    sds m = sdsCatPrintf(sdsEmpty(), " slave %s ", n->master->name);
                    if (line) {
                        const char *eol = strchr(line, '\n');
                        sds l = eol ? sdsNewLen(line, (size_t)(eol - line)) : sdsNew(line);
                        if (strstr(l, m)) seen++;
                        sdsFree(l);
                    }
                    sdsFree(m);
                }
                sdsFree(needle);
            }
            cliReplyFree(r);
            if (seen == want || cmMstime() > deadline) break;
            cmSleepMs(50);
        }
        if (!cmLoadCluster(ip, port)) {
            sdsFree(ip);
            return 1;
        }
        sdsFree(ip);
    }
    return cmCheckCluster(0, 0) ? 0 : 1;
}

/* Orders nodes by how many slots they hold, most first (qsort). */
static int cmCompareSlotsDesc(const void *a, const void *b) {
    const cmNode *x = *(cmNode *const *)a, *y = *(cmNode *const *)b;
    return y->slots_count - x->slots_count;
}

static int cmCmdReshard(int argc, char **argv) {
    sds ip = NULL, answer = NULL;
    int port, i = 0, nslots = cm.o.slots, nsrc = 0, total = 0;
    cmNode *dst = NULL, **src = NULL;
    int *plan_slot = NULL, nplan = 0, ret = 1;
    cmNode **plan_src = NULL;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (!cmLoadCluster(ip, port)) {
        sdsFree(ip);
        return 1;
    }
    sdsFree(ip);
    if (!cmCheckCluster(0, 0)) {
        cmErr("*** Please fix your cluster problems before resharding\n");
        return 1;
    }
    while (nslots <= 0 || nslots > CM_SLOTS) {
        answer = cmAsk("How many slots do you want to move (from 1 to 16384)? ");
        if (answer == NULL) return 1;
        nslots = atoi(answer);
        sdsFree(answer);
    }
    while (dst == NULL) {
        const char *id = cm.o.to;
        if (id == NULL) {
            answer = cmAsk("What is the receiving node ID? ");
            if (answer == NULL) return 1;
            id = answer;
        }
        dst = cmNodeByAbbrev(id);
        if (dst == NULL || dst->replica) {
            cmErr("*** The specified node (%s) is not known or not a master, "
                  "please retry.\n", id);
            dst = NULL;
            if (cm.o.to) {
                sdsFree(answer);
                return 1;
            }
        }
        sdsFree(answer);
        answer = NULL;
    }
    src = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
    {
        sds from = cm.o.from ? sdsNew(cm.o.from) : NULL;
        int all = 0;
        if (from == NULL) {
            printf("Please enter all the source node IDs.\n"
                   "  Type 'all' to use all the nodes as source nodes for the hash slots.\n"
                   "  Type 'done' once you entered all the source nodes IDs.\n");
            for (;;) {
                char prompt[64];
                cmNode *n;
                snprintf(prompt, sizeof(prompt), "Source node #%d: ", nsrc + 1);
                answer = cmAsk(prompt);
                if (answer == NULL || !strcmp(answer, "done")) break;
                if (!strcmp(answer, "all")) {
                    all = 1;
                    break;
                }
                n = cmNodeByAbbrev(answer);
                if (n == NULL || n->replica)
                    cmErr("*** The specified node (%s) is not known or is not a master, please retry.\n", answer);
                else if (n == dst)
                    cmErr("*** It is not possible to use the target node as source node.\n");
                else
                    src[nsrc++] = n;
                sdsFree(answer);
            }
            sdsFree(answer);
            answer = NULL;
        } else if (!strcmp(from, "all")) {
            all = 1;
        } else {
            int cnt;
            sds *ids = sdsSplitLen(from, (ssize_t)sdsLen(from), ",", 1, &cnt);
            for (int k = 0; k < cnt; k++) {
                cmNode *n = cmNodeByAbbrev(ids[k]);
                if (n == NULL || n->replica) {
                    cmErr("*** The specified node (%s) is not known or is not a master, please retry.\n", ids[k]);
                    sdsFreeSplitRes(ids, cnt);
                    sdsFree(from);
                    goto done;
                }
                if (n == dst) {
                    cmErr("*** It is not possible to use the target node as source node.\n");
                    sdsFreeSplitRes(ids, cnt);
                    sdsFree(from);
                    goto done;
                }
                src[nsrc++] = n;
            }
            sdsFreeSplitRes(ids, cnt);
        }
        sdsFree(from);
        if (all)
            for (int k = 0; k < cm.count; k++)
                if (!cm.nodes[k]->replica && cm.nodes[k] != dst &&
                    cm.nodes[k]->slots_count > 0)
                    src[nsrc++] = cm.nodes[k];
    }
    if (nsrc == 0) {
        cmErr("*** No source nodes given, operation aborted.\n");
        goto done;
    }
    printf("\nReady to move %d slots.\n", nslots);
    printf("  Source nodes:\n");
    for (int k = 0; k < nsrc; k++) cmPrintNode(src[k], CM_INFO_INDENT);
    printf("  Destination node:\n");
    cmPrintNode(dst, CM_INFO_INDENT);
    /* The plan: each source gives its share of <nslots>, rounded up for
     * the biggest source and down for the others, lowest slots first. */
    qsort(src, (size_t)nsrc, sizeof(cmNode *), cmCompareSlotsDesc);
    for (int k = 0; k < nsrc; k++) total += src[k]->slots_count;
    plan_slot = zmalloc(sizeof(int) * CM_SLOTS);
    plan_src = zmalloc(sizeof(cmNode *) * CM_SLOTS);
    for (int k = 0; k < nsrc; k++) {
        double share = total ? (double)nslots / total * src[k]->slots_count : 0;
        int take = k == 0 ? (int)ceil(share) : (int)floor(share), taken = 0;
        for (int s = 0; s < CM_SLOTS && taken < take && nplan < nslots; s++) {
            if (!src[k]->slots[s]) continue;
            plan_slot[nplan] = s;
            plan_src[nplan++] = src[k];
            taken++;
        }
    }
    printf("  Resharding plan:\n");
    for (int k = 0; k < nplan; k++)
        printf("    Moving slot %d from %s\n", plan_slot[k], plan_src[k]->name);
    if (!cmConfirm("Do you want to proceed with the proposed reshard plan (yes/no)? "))
        goto done;
    for (int k = 0; k < nplan; k++) {
        printf("Moving slot %d from %s:%d to %s:%d: ", plan_slot[k],
               plan_src[k]->ip, plan_src[k]->port, dst->ip, dst->port);
        fflush(stdout);
        if (!cmMoveSlot(plan_src[k], dst, plan_slot[k], CM_MOVE_DOTS)) goto done;
        printf("\n");
    }
    ret = 0;
done:
    zfree(src);
    zfree(plan_slot);
    zfree(plan_src);
    return ret;
}

static int cmCompareBalance(const void *a, const void *b) {
    const cmNode *x = *(cmNode *const *)a, *y = *(cmNode *const *)b;
    return x->balance - y->balance;
}

static int cmCmdRebalance(int argc, char **argv) {
    sds ip = NULL;
    int port, i = 0, nused = 0, over = 0, ret = 1;
    double total_weight = 0;
    int total_balance = 0;
    cmNode **used;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (!cmLoadCluster(ip, port)) {
        sdsFree(ip);
        return 1;
    }
    sdsFree(ip);
    for (int k = 0; k < cm.o.weights_count; k++) {
        const char *w = cm.o.weights[k], *eq = strchr(w, '=');
        sds id;
        cmNode *n;
        if (eq == NULL) {
            fprintf(stderr, "Invalid weight: %s (expected <node>=<weight>)\n", w);
            return 1;
        }
        id = sdsNewLen(w, (size_t)(eq - w));
        n = cmNodeByAbbrev(id);
        if (n == NULL) {
            cmErr("*** No such master node %s\n", id);
            sdsFree(id);
            return 1;
        }
        sdsFree(id);
        n->weight = atof(eq + 1);
    }
    if (!cmCheckCluster(1, 0)) {
        cmErr("*** Please fix your cluster problems before rebalancing\n");
        return 1;
    }
    used = zmalloc(sizeof(cmNode *) * (size_t)cm.count);
    for (int k = 0; k < cm.count; k++) {
        cmNode *n = cm.nodes[k];
        if (n->replica || n->weight == 0) continue;
        if (!cm.o.use_empty_masters && n->slots_count == 0) continue;
        used[nused++] = n;
        total_weight += n->weight;
    }
    if (nused < 2 || total_weight == 0) {
        cmWarn("*** No rebalancing needed! All nodes are within the %.2f%% threshold.\n",
               cm.o.threshold);
        ret = 0;
        goto done;
    }
    for (int k = 0; k < nused; k++) {
        cmNode *n = used[k];
        int expected = (int)((double)CM_SLOTS / total_weight * n->weight);
        n->balance = n->slots_count - expected;
        total_balance += n->balance;
        if (cm.o.threshold > 0) {
            if (n->slots_count == 0) {
                if (expected > 0) over = 1;
            } else {
                double err = fabs(100.0 - 100.0 * expected / n->slots_count);
                if (err > cm.o.threshold) over = 1;
            }
        } else {
            over = 1;
        }
    }
    if (!over) {
        cmWarn("*** No rebalancing needed! All nodes are within the %.2f%% threshold.\n",
               cm.o.threshold);
        ret = 0;
        goto done;
    }
    /* Rounding leaves a surplus: nodes at or under their share give it
     * up one slot each, so senders and receivers match. */
    for (int k = 0; k < nused && total_balance > 0; k++) {
        if (used[k]->balance <= 0) {
            used[k]->balance--;
            total_balance--;
        }
    }
    cmInfo(">>> Rebalancing across %d nodes. Total weight = %.2f\n", nused, total_weight);
    qsort(used, (size_t)nused, sizeof(cmNode *), cmCompareBalance);
    {
        int d = 0, s = nused - 1;
        while (d < s) {
            cmNode *dst = used[d], *srcn = used[s];
            int n = -dst->balance < srcn->balance ? -dst->balance : srcn->balance;
            if (n > 0) {
                int moved = 0;
                printf("Moving %d slots from %s:%d to %s:%d\n", n, srcn->ip,
                       srcn->port, dst->ip, dst->port);
                for (int slot = 0; slot < CM_SLOTS && moved < n; slot++) {
                    if (!srcn->slots[slot]) continue;
                    if (cm.o.simulate) {
                        srcn->slots[slot] = 0;
                        moved++;
                        printf("#");
                        continue;
                    }
                    if (!cmMoveSlot(srcn, dst, slot, 0)) goto done;
                    moved++;
                    printf("#");
                    fflush(stdout);
                }
                printf("\n");
            }
            dst->balance += n;
            srcn->balance -= n;
            if (dst->balance == 0) d++;
            if (srcn->balance == 0) s--;
        }
    }
    ret = 0;
done:
    zfree(used);
    return ret;
}

static cmNode *cmMasterWithFewestReplicas(void) {
    cmNode *best = NULL;
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        if (n->replica) continue;
        if (best == NULL || n->replicas_count < best->replicas_count) best = n;
    }
    return best;
}

static int cmCmdAddNode(int argc, char **argv) {
    sds nip = NULL, eip = NULL;
    int nport, eport, i = 0;
    cmNode *entry, *master = NULL, *n;
    cliReply *r;
    sds dump = NULL;

    if (!cmTakeAddress(argc, argv, &i, &nip, &nport)) return cmInvalidAddress(argv[0]);
    if (!cmTakeAddress(argc, argv, &i, &eip, &eport)) {
        sdsFree(nip);
        return cmInvalidAddress(argv[i < argc ? i : argc - 1]);
    }
    cmInfo(">>> Adding node %s:%d to cluster %s:%d\n", nip, nport, eip, eport);
    if (!cmLoadCluster(eip, eport) || !cmCheckCluster(0, 0)) {
        sdsFree(nip);
        sdsFree(eip);
        return 1;
    }
    sdsFree(eip);
    entry = cm.nodes[0];
    if (cm.o.slave) {
        if (cm.o.master_id) {
            master = cmNodeByName(cm.o.master_id);
            if (master == NULL || master->replica) {
                cmErr("[ERR] No such master ID %s\n", cm.o.master_id);
                sdsFree(nip);
                return 1;
            }
        } else {
            master = cmMasterWithFewestReplicas();
            printf("Automatically selected master %s:%d\n", master->ip, master->port);
        }
    }
    n = cmNodeCreate(nip, nport);
    sdsFree(nip);
    if (!cmNodeConnect(n) || !cmCheckEmptyClusterNode(n)) {
        cmNodeFree(n);
        return 1;
    }
    cmInfo(">>> Getting functions from cluster\n");
    r = cmCall(entry, "FUNCTION", "DUMP", NULL);
    if (r && r->type == CLI_REPLY_STRING) dump = sdsDup(r->str);
    else if (r && r->type == CLI_REPLY_ERROR) cmCheckReply(entry, r), r = NULL;
    cliReplyFree(r);
    if (dump) {
        cmInfo(">>> Send FUNCTION LIST to %s:%d to verify there is no functions in it\n",
               n->ip, n->port);
        r = cmCall(n, "FUNCTION", "LIST", NULL);
        if (r == NULL || r->type != CLI_REPLY_ARRAY || r->elements != 0) {
            if (r && r->type == CLI_REPLY_ERROR) cmCheckReply(n, r), r = NULL;
            else cmErr("[ERR] Node %s:%d already has functions: use FUNCTION FLUSH first\n",
                       n->ip, n->port);
            cliReplyFree(r);
            sdsFree(dump);
            cmNodeFree(n);
            return 1;
        }
        cliReplyFree(r);
        cmInfo(">>> Send FUNCTION RESTORE to %s:%d\n", n->ip, n->port);
        {
            char *av[3] = {"FUNCTION", "RESTORE", dump};
            size_t lens[3] = {8, 7, sdsLen(dump)};
            r = cliCommandArgv(n->c, 3, av, lens);
        }
        sdsFree(dump);
        if (!cmCheckReply(n, r)) {
            cmNodeFree(n);
            return 1;
        }
    }
    cmInfo(">>> Send CLUSTER MEET to node %s:%d to make it join the cluster.\n",
           n->ip, n->port);
    if (!cmMeet(n, entry)) {
        cmNodeFree(n);
        return 1;
    }
    if (master) {
        long long deadline = cmMstime() + CM_JOIN_TIMEOUT_MS;
        printf("Waiting for the cluster to join\n");
        for (;;) {
            r = cmCall(n, "CLUSTER", "NODES", NULL);
            if (r && r->type == CLI_REPLY_STRING && strstr(r->str, master->name) &&
                !strstr(r->str, "handshake")) {
                cliReplyFree(r);
                break;
            }
            cliReplyFree(r);
            if (cmMstime() > deadline) {
                printf("\n");
                cmErr("[ERR] The new node did not learn the master %s in time.\n",
                      master->name);
                cmNodeFree(n);
                return 1;
            }
            cmSleepMs(50);
        }
        printf("\n");
        cmInfo(">>> Configure node as replica of %s:%d.\n", master->ip, master->port);
        if (!cmCheckReply(n, cmCall(n, "CLUSTER", "REPLICATE", master->name, NULL))) {
            cmNodeFree(n);
            return 1;
        }
    }
    cmOk("[OK] New node added correctly.\n");
    cmNodeFree(n);
    return 0;
}

static int cmCmdDelNode(int argc, char **argv) {
    sds ip = NULL;
    int port, i = 0;
    cmNode *del;
    const char *id;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (i >= argc) {
        sdsFree(ip);
        cmErr("[ERR] Wrong number of arguments for specified --cluster sub command\n");
        return 1;
    }
    id = argv[i];
    cmInfo(">>> Removing node %s from cluster %s:%d\n", id, ip, port);
    if (!cmLoadCluster(ip, port)) {
        sdsFree(ip);
        return 1;
    }
    sdsFree(ip);
    del = cmNodeByName(id);
    if (del == NULL) {
        cmErr("[ERR] No such node ID %s\n", id);
        return 1;
    }
    if (del->slots_count > 0) {
        cmErr("[ERR] Node %s:%d is not empty! Reshard data away and try again.\n",
              del->ip, del->port);
        return 1;
    }
    cmInfo(">>> Sending CLUSTER FORGET messages to the cluster...\n");
    for (int k = 0; k < cm.count; k++) {
        cmNode *n = cm.nodes[k];
        if (n == del) continue;
        if (n->replica && n->replicate && !strcasecmp(n->replicate, del->name)) {
            cmNode *m = NULL;
            for (int j = 0; j < cm.count; j++) {
                cmNode *c = cm.nodes[j];
                if (c->replica || c == del) continue;
                if (m == NULL || c->replicas_count < m->replicas_count) m = c;
            }
            if (m) {
                cmInfo(">>> %s:%d as replica of %s:%d\n", n->ip, n->port, m->ip, m->port);
                if (!cmCheckReply(n, cmCall(n, "CLUSTER", "REPLICATE", m->name, NULL)))
                    return 1;
                m->replicas_count++;
            }
        }
        if (!cmCheckReply(n, cmCall(n, "CLUSTER", "FORGET", del->name, NULL))) return 1;
    }
    cmInfo(">>> Sending CLUSTER RESET SOFT to the deleted node.\n");
    if (!cmCheckReply(del, cmCall(del, "CLUSTER", "RESET", "SOFT", NULL))) return 1;
    return 0;
}

/* A reply as Redis's tool prints it after "host:port: ". */
static sds cmFormatReply(sds out, cliReply *r) {
    switch (r->type) {
    case CLI_REPLY_INTEGER:
    case CLI_REPLY_BOOL:
        return sdsCatPrintf(out, "%lld", r->integer);
    case CLI_REPLY_NIL:
        return out;
    case CLI_REPLY_ARRAY:
    case CLI_REPLY_SET:
    case CLI_REPLY_PUSH:
    case CLI_REPLY_MAP:
        for (size_t i = 0; i < r->elements; i++) {
            if (i) out = sdsCat(out, "\n");
            out = cmFormatReply(out, r->element[i]);
        }
        return out;
    default:
        return sdsCatLen(out, r->str ? r->str : "", r->str ? sdsLen(r->str) : 0);
    }
}

static int cmCmdCall(int argc, char **argv) {
    sds ip = NULL;
    int port, i = 0;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (i >= argc) {
        sdsFree(ip);
        cmErr("[ERR] Wrong number of arguments for specified --cluster sub command\n");
        return 1;
    }
    if (!cmLoadCluster(ip, port)) {
        sdsFree(ip);
        return 1;
    }
    sdsFree(ip);
    cmInfo(">>> Calling");
    for (int k = i; k < argc; k++) printf(" %s", argv[k]);
    printf("\n");
    for (int k = 0; k < cm.count; k++) {
        cmNode *n = cm.nodes[k];
        cliReply *r;
        sds out;
        if (cm.o.only_masters && n->replica) continue;
        if (cm.o.only_replicas && !n->replica) continue;
        r = cmCallArgv(n, argc - i, argv + i);
        if (r == NULL) continue;
        out = cmFormatReply(sdsEmpty(), r);
        printf("%s:%d: %s\n", n->ip, n->port, out);
        sdsFree(out);
        cliReplyFree(r);
    }
    return 0;
}

static int cmCmdSetTimeout(int argc, char **argv) {
    sds ip = NULL;
    int port, i = 0, ok = 0, err = 0;
    long timeout;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (i >= argc) {
        sdsFree(ip);
        cmErr("[ERR] Wrong number of arguments for specified --cluster sub command\n");
        return 1;
    }
    timeout = atol(argv[i]);
    if (timeout < 100) {
        fprintf(stderr, "Setting a node timeout of less than 100 milliseconds is a bad idea.\n");
        sdsFree(ip);
        return 1;
    }
    if (!cmLoadCluster(ip, port)) {
        sdsFree(ip);
        return 1;
    }
    sdsFree(ip);
    cmInfo(">>> Reconfiguring node timeout in every cluster node...\n");
    for (int k = 0; k < cm.count; k++) {
        cmNode *n = cm.nodes[k];
        if (cmCheckReply(n, cmCall(n, "CONFIG", "SET", "cluster-node-timeout",
                                   argv[i], NULL)) &&
            cmCheckReply(n, cmCall(n, "CONFIG", "REWRITE", NULL))) {
            printf("*** New timeout set for %s:%d\n", n->ip, n->port);
            ok++;
        } else {
            cmWarn("ERR setting node-timeout for %s:%d\n", n->ip, n->port);
            err++;
        }
    }
    cmInfo(">>> New node timeout set. %d OK, %d ERR.\n", ok, err);
    return 0;
}

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the key hash
 * of the Redis Cluster specification, computed bit by bit. */
static unsigned cmCrc16(const char *buf, size_t len) {
    unsigned crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (unsigned)(unsigned char)buf[i] << 8;
        for (int b = 0; b < 8; b++)
            crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
}

/* The hash slot of <key> (<len> bytes), honouring a non-empty {hash tag},
 * as the Redis Cluster specification defines it. */
int cliClusterKeySlot(const char *key, size_t len) {
    size_t s, e;
    for (s = 0; s < len && key[s] != '{'; s++) {
    }
    if (s < len) {
        for (e = s + 1; e < len && key[e] != '}'; e++) {
        }
        if (e < len && e != s + 1) return (int)(cmCrc16(key + s + 1, e - s - 1) & 16383);
    }
    return (int)(cmCrc16(key, len) & 16383);
}

static int cmCmdImport(int argc, char **argv) {
    sds ip = NULL, sip = NULL;
    int port, sport, i = 0, j = 0, ret = 1;
    cmNode *source = NULL, **owner = zcalloc(sizeof(cmNode *) * CM_SLOTS);
    cliReply *r;
    sds cursor = sdsNew("0");
    cliClusterOptions saved = cm.o;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (cm.o.from == NULL || !cmTakeAddress(1, (char **)&cm.o.from, &j, &sip, &sport)) {
        cmErr("[ERR] Option '--cluster-from' is required for subcommand 'import'.\n");
        sdsFree(ip);
        sdsFree(cursor);
        zfree(owner);
        return 1;
    }
    cmInfo(">>> Importing data from %s:%d to cluster %s:%d\n", sip, sport, ip, port);
    if (!cmLoadCluster(ip, port)) goto done;
    if (!cmCheckCluster(0, 0)) goto done;
    for (int k = 0; k < cm.count; k++)
        if (!cm.nodes[k]->replica)
            for (int s = 0; s < CM_SLOTS; s++)
                if (cm.nodes[k]->slots[s]) owner[s] = cm.nodes[k];
    source = cmNodeCreate(sip, sport);
    cm.o.user = cm.o.from_user;
    cm.o.auth = cm.o.from_pass;
    if (!cmNodeConnect(source)) {
        cm.o = saved;
        goto done;
    }
    cm.o = saved;
    r = cmCall(source, "INFO", "cluster", NULL);
    if (r == NULL) goto done;
    if (r->type == CLI_REPLY_STRING && strstr(r->str, "cluster_enabled:1")) {
        cliReplyFree(r);
        cmErr("[ERR] The source node should not be a cluster node.\n");
        goto done;
    }
    cliReplyFree(r);
    printf("*** Importing %lld keys from DB 0\n", cmNodeKeys(source));
    do {
        cliReply *keys;
        r = cmCall(source, "SCAN", cursor, "COUNT", "1000", NULL);
        if (r == NULL || r->type != CLI_REPLY_ARRAY || r->elements != 2) {
            if (r && r->type == CLI_REPLY_ERROR) cmCheckReply(source, r), r = NULL;
            cliReplyFree(r);
            goto done;
        }
        sdsFree(cursor);
        cursor = sdsDup(r->element[0]->str);
        keys = r->element[1];
        for (size_t k = 0; k < keys->elements; k++) {
            const char *key = keys->element[k]->str;
            size_t klen = sdsLen(keys->element[k]->str);
            cmNode *t = owner[cliClusterKeySlot(key, klen)];
            char *av[16];
            size_t lens[16];
            int ac = 0;
            sds tport, tmo;
            cliReply *mr;
            if (t == NULL) continue;
            tport = cmFmtLong(t->port);
            tmo = cmFmtLong(cm.o.timeout);
            av[ac++] = "MIGRATE";
            av[ac++] = t->ip;
            av[ac++] = tport;
            av[ac++] = (char *)key;
            av[ac++] = "0";
            av[ac++] = tmo;
            if (cm.o.copy) av[ac++] = "COPY";
            if (cm.o.replace) av[ac++] = "REPLACE";
            if (cm.o.auth) {
                if (cm.o.user) {
                    av[ac++] = "AUTH2";
                    av[ac++] = (char *)cm.o.user;
                } else {
                    av[ac++] = "AUTH";
                }
                av[ac++] = (char *)cm.o.auth;
            }
            for (int a = 0; a < ac; a++) lens[a] = strlen(av[a]);
            lens[3] = klen;
            mr = cliCommandArgv(source->c, ac, av, lens);
            printf("Migrating ");
            fwrite(key, 1, klen, stdout);
            printf(" to %s:%d: %s\n", t->ip, t->port,
                   mr == NULL ? source->c->err
                   : mr->type == CLI_REPLY_ERROR ? mr->str : "OK");
            sdsFree(tport);
            sdsFree(tmo);
            if (mr == NULL) {
                cliReplyFree(r);
                goto done;
            }
            cliReplyFree(mr);
        }
        cliReplyFree(r);
    } while (strcmp(cursor, "0"));
    ret = 0;
done:
    cmNodeFree(source);
    sdsFree(ip);
    sdsFree(sip);
    sdsFree(cursor);
    zfree(owner);
    return ret;
}

static sds cmJsonString(sds out, const char *s) {
    out = sdsCat(out, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') out = sdsCatPrintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) out = sdsCatPrintf(out, "\\u%04x", *s);
        else out = sdsCatLen(out, s, 1);
    }
    return sdsCat(out, "\"");
}

/* nodes.json: the layout of the cluster, one object per node. */
static sds cmClusterJson(void) {
    sds j = sdsNew("[\n");
    for (int i = 0; i < cm.count; i++) {
        cmNode *n = cm.nodes[i];
        int start = -1, first = 1;
        j = sdsCat(j, "  {\n    \"name\": ");
        j = cmJsonString(j, n->name);
        j = sdsCat(j, ",\n    \"host\": ");
        j = cmJsonString(j, n->ip);
        j = sdsCatPrintf(j, ",\n    \"port\": %d,\n    \"replicate\": ", n->port);
        if (n->replicate) j = cmJsonString(j, n->replicate);
        else j = sdsCat(j, "null");
        j = sdsCat(j, ",\n    \"slots\": [");
        for (int s = 0; s <= CM_SLOTS; s++) {
            int on = s < CM_SLOTS && n->slots[s];
            if (on && start < 0) start = s;
            if (!on && start >= 0) {
                if (start == s - 1) j = sdsCatPrintf(j, "%s[%d]", first ? "" : ",", start);
                else j = sdsCatPrintf(j, "%s[%d,%d]", first ? "" : ",", start, s - 1);
                first = 0;
                start = -1;
            }
        }
        j = sdsCatPrintf(j, "],\n    \"slots_count\": %d,\n    \"flags\": \"%s\","
                            "\n    \"current_epoch\": %lld\n  }%s\n",
                         n->slots_count, n->replica ? "slave" : "master",
                         n->config_epoch, i + 1 < cm.count ? "," : "");
    }
    return sdsCat(j, "]\n");
}

static int cmCmdBackup(int argc, char **argv) {
    sds ip = NULL, json, path;
    int port, i = 0, ok;
    const char *dir;
    FILE *f;

    if (!cmTakeAddress(argc, argv, &i, &ip, &port)) return cmInvalidAddress(argv[0]);
    if (i >= argc) {
        sdsFree(ip);
        cmErr("[ERR] Wrong number of arguments for specified --cluster sub command\n");
        return 1;
    }
    dir = argv[i];
    ok = cmLoadCluster(ip, port);
    sdsFree(ip);
    if (!ok) return 1;
    ok = cmCheckCluster(0, 0);
    if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
        cmErr("[ERR] Can't create directory %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int k = 0; k < cm.count; k++) {
        cmNode *n = cm.nodes[k];
        if (n->replica) continue;
        path = sdsCatPrintf(sdsEmpty(), "%s/redis-node-%s-%d-%s.rdb", dir, n->ip,
                            n->port, n->name);
        cmInfo(">>> Node %s:%d -> Saving RDB...\n", n->ip, n->port);
        fflush(stdout);
        if (!cmNodeConnect(n) || cm.o.get_rdb == NULL || cm.o.get_rdb(n->c, path) != 0) {
            cmErr("[ERR] Could not save the RDB of %s:%d\n", n->ip, n->port);
            sdsFree(path);
            return 1;
        }
        /* The SYNC link cannot carry commands any more. */
        cliClientFree(n->c);
        n->c = NULL;
        sdsFree(path);
    }
    path = sdsCatPrintf(sdsEmpty(), "%s/nodes.json", dir);
    json = cmClusterJson();
    f = fopen(path, "w");
    if (f == NULL || fwrite(json, 1, sdsLen(json), f) != sdsLen(json)) {
        cmErr("[ERR] Can't write %s: %s\n", path, strerror(errno));
        if (f) fclose(f);
        sdsFree(path);
        sdsFree(json);
        return 1;
    }
    fclose(f);
    cmInfo("Saving cluster configuration to: %s\n", path);
    sdsFree(path);
    sdsFree(json);
    cmOk("[OK] Backup created into: %s\n", dir);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * Entry points.
 * --------------------------------------------------------------------- */

typedef struct cmCommand {
    const char *name;
    int arity;   /* exact count, or -N: at least N */
    const char *args;
    const char *opts;
} cmCommand;

static const cmCommand cmCommands[] = {
    {"create", -2, "host1:port1 ... hostN:portN", "--cluster-replicas <arg>"},
    {"check", -1, "<host:port> or <host> <port> - separated by either colon or space",
     "--cluster-search-multiple-owners"},
    {"info", -1, "<host:port> or <host> <port> - separated by either colon or space", NULL},
    {"fix", -1, "<host:port> or <host> <port> - separated by either colon or space",
     "--cluster-search-multiple-owners,--cluster-fix-with-unreachable-masters"},
    {"reshard", -1, "<host:port> or <host> <port> - separated by either colon or space",
     "--cluster-from <arg>,--cluster-to <arg>,--cluster-slots <arg>,--cluster-yes,"
     "--cluster-timeout <arg>,--cluster-pipeline <arg>,--cluster-replace"},
    {"rebalance", -1, "<host:port> or <host> <port> - separated by either colon or space",
     "--cluster-weight <node1=w1...nodeN=wN>,--cluster-use-empty-masters,"
     "--cluster-timeout <arg>,--cluster-simulate,--cluster-pipeline <arg>,"
     "--cluster-threshold <arg>,--cluster-replace"},
    {"add-node", -2, "new_host:new_port existing_host:existing_port",
     "--cluster-slave,--cluster-master-id <arg>"},
    {"del-node", -2, "host:port node_id", NULL},
    {"call", -2, "host:port command arg arg .. arg",
     "--cluster-only-masters,--cluster-only-replicas"},
    {"set-timeout", -2, "host:port milliseconds", NULL},
    {"import", -1, "host:port",
     "--cluster-from <arg>,--cluster-from-user <arg>,--cluster-from-pass <arg>,"
     "--cluster-from-askpass,--cluster-copy,--cluster-replace"},
    {"backup", -2, "host:port backup_directory", NULL},
    {"help", 0, NULL, NULL},
};

void cliClusterHelp(void) {
    fprintf(stdout, "Cluster Manager Commands:\n");
    for (size_t i = 0; i < sizeof(cmCommands) / sizeof(cmCommands[0]); i++) {
        const cmCommand *c = &cmCommands[i];
        fprintf(stdout, "  %-15s", c->name);
        if (c->args) fprintf(stdout, "%s", c->args);
        fprintf(stdout, "\n");
        if (c->opts) {
            int n;
            sds *o = sdsSplitLen(c->opts, (ssize_t)strlen(c->opts), ",", 1, &n);
            for (int k = 0; k < n; k++) fprintf(stdout, "                 %s\n", o[k]);
            sdsFreeSplitRes(o, n);
        }
    }
    fprintf(stdout,
            "\nFor check, fix, reshard, del-node, set-timeout, info, rebalance, call,"
            " import, backup you can specify the host and port of any working node"
            " in the cluster.\n\n"
            "Cluster Manager Options:\n"
            "  --cluster-yes  Automatic yes to cluster commands prompts\n\n");
}

int cliClusterManager(const cliClusterOptions *o) {
    const cmCommand *cmd = NULL;
    int argc, ret;
    char **argv;

    cm.o = *o;
    if (cm.o.timeout <= 0) cm.o.timeout = 60000;
    if (cm.o.pipeline <= 0) cm.o.pipeline = 10;
    if (o->argc < 1) {
        cliClusterHelp();
        return 1;
    }
    for (size_t i = 0; i < sizeof(cmCommands) / sizeof(cmCommands[0]); i++)
        if (!strcasecmp(o->argv[0], cmCommands[i].name)) cmd = &cmCommands[i];
    if (cmd == NULL) {
        fprintf(stderr, "Unknown --cluster subcommand\n");
        return 1;
    }
    argc = o->argc - 1;
    argv = o->argv + 1;
    if ((cmd->arity >= 0 && argc != cmd->arity && !(argc == cmd->arity + 1)) ||
        (cmd->arity < 0 && argc < -cmd->arity)) {
        fprintf(stderr, "[ERR] Wrong number of arguments for specified --cluster sub command\n");
        return 1;
    }
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    if (!strcmp(cmd->name, "help")) {
        /* Redis 7.0's tool exits with 1 after the help, too. */
        cliClusterHelp();
        return 1;
    }
    if (!strcmp(cmd->name, "create")) ret = cmCmdCreate(argc, argv);
    else if (!strcmp(cmd->name, "check")) ret = cmCmdCheck(argc, argv, 0);
    else if (!strcmp(cmd->name, "fix")) ret = cmCmdCheck(argc, argv, 1);
    else if (!strcmp(cmd->name, "info")) ret = cmCmdInfo(argc, argv);
    else if (!strcmp(cmd->name, "reshard")) ret = cmCmdReshard(argc, argv);
    else if (!strcmp(cmd->name, "rebalance")) ret = cmCmdRebalance(argc, argv);
    else if (!strcmp(cmd->name, "add-node")) ret = cmCmdAddNode(argc, argv);
    else if (!strcmp(cmd->name, "del-node")) ret = cmCmdDelNode(argc, argv);
    else if (!strcmp(cmd->name, "call")) ret = cmCmdCall(argc, argv);
    else if (!strcmp(cmd->name, "set-timeout")) ret = cmCmdSetTimeout(argc, argv);
    else if (!strcmp(cmd->name, "import")) ret = cmCmdImport(argc, argv);
    else ret = cmCmdBackup(argc, argv);
    cmFreeNodes();
    return ret;
}
