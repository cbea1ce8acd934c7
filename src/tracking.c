/* tracking.c: server-assisted client-side caching, as Redis 7.0 offers it
 * (CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO).
 *
 * Owns: the tracking table (key name -> ids of the clients that read it),
 * the prefix table of the broadcast mode (prefix -> keys changed since the
 * last broadcast and the clients registered for it), the invalidations held
 * back until the current command's reply is written, the CLIENT_TRACKING*
 * and CLIENT_PUSHING flags and each client's client_tracking_redirection
 * and client_tracking_prefixes.
 * Must not touch: the keyspace (only key names are seen), or a client's
 * state beyond the fields above and its reply buffers (written only through
 * the networking reply API).
 *
 * The protocol (documented in Redis's "client-side caching" reference):
 * - default mode: every key read by a read-only command of a tracking client
 *   is remembered; when the key is modified each client that read it gets
 *   one invalidation, and forgets it until it reads the key again. As in
 *   Redis the table ignores the database number.
 * - BCAST mode: nothing is remembered; a client registered for prefixes gets,
 *   once per event loop turn, the keys changed under its prefixes.
 * - an invalidation is a RESP3 push [invalidate, [key ...]] (a null instead
 *   of the array for FLUSHALL/FLUSHDB); with REDIRECT it goes to another
 *   client, and a RESP2 target in Pub/Sub mode gets it as a message of the
 *   channel __redis__:invalidate.
 *
 * Invariants:
 * - TrackingItems is the number of (key, client id) pairs in the table;
 * - a table value is either one id, stored as (id << 1) | 1, or a pointer to
 *   a trkIdSet holding at least two ids in ascending order;
 * - a client is in the clients dict of a prefix exactly when the prefix is
 *   a key of its client_tracking_prefixes; a prefix with no client left is
 *   removed from the prefix table;
 * - TrackingClients counts the clients with CLIENT_TRACKING set.
 *
 * A key name is stored as a trkKey (a 32-bit length and the bytes) to keep
 * the table small: 1M tracked keys cost about 57 bytes each against Redis
 * 7.0's 98 (see utils/tracking-memory.py and docs/client-side-caching.md).
 * A name of 4 GB or more (possible with a large proto-max-bulk-len) has the
 * length TRK_LONG_KEY and its real length in the first 8 bytes of buf. */
#include "server.h"
#include "tracking.h"

#include <string.h>

/* ------------------------------------------------------------------------
 * The tracking table
 * --------------------------------------------------------------------- */

typedef struct trkKey {
    uint32_t len; /* or TRK_LONG_KEY */
    char buf[];
} trkKey;

#define TRK_LONG_KEY UINT32_MAX

/* Bytes a trkKey holding a name of <len> bytes needs. */
static size_t trkKeySize(size_t len) {
    return sizeof(trkKey) + len + (len >= TRK_LONG_KEY ? sizeof(uint64_t) : 0);
}

/* Writes the name <p>/<len> into <k> (of trkKeySize(len) bytes). */
static void trkKeyFill(trkKey *k, const char *p, size_t len) {
    if (len >= TRK_LONG_KEY) {
        uint64_t l = len;
        k->len = TRK_LONG_KEY;
        memcpy(k->buf, &l, sizeof(l));
        memcpy(k->buf + sizeof(l), p, len);
    } else {
        k->len = (uint32_t)len;
        memcpy(k->buf, p, len);
    }
}

/* The name held by <k>: sets *p and *len. */
static void trkKeyBytes(const trkKey *k, const char **p, size_t *len) {
    if (k->len == TRK_LONG_KEY) {
        uint64_t l;
        memcpy(&l, k->buf, sizeof(l));
        *len = (size_t)l;
        *p = k->buf + sizeof(l);
    } else {
        *len = k->len;
        *p = k->buf;
    }
}

typedef struct trkIdSet {
    uint32_t n, cap;
    uint64_t ids[];
} trkIdSet;

/* What a prefix of the broadcast mode holds. */
typedef struct bcastState {
    dict *keys;    /* key (sds) -> id of the client that changed it last
                    * (u64, 0 for the server itself) */
    dict *clients; /* client * -> NULL */
} bcastState;

static dict *TrackingTable;  /* trkKey * -> ids (see the invariants) */
static unsigned long long TrackingItems;
static dict *PrefixTable;    /* prefix (sds) -> bcastState * */
static list *PendingKeys;    /* robj * key, or NULL for a flush */
static unsigned long TrackingClients;

#define TRK_SINGLE(v) ((v) & 1)
#define TRK_ID_TO_VAL(id) (((uint64_t)(id) << 1) | 1)
#define TRK_VAL_TO_ID(v) ((v) >> 1)

static uint64_t trkKeyHash(const void *key) {
    const char *p;
    size_t len;
    trkKeyBytes(key, &p, &len);
    return dictGenHashFunction(p, len);
}

static int trkKeyCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    const char *pa, *pb;
    size_t la, lb;
    trkKeyBytes(a, &pa, &la);
    trkKeyBytes(b, &pb, &lb);
    return la == lb && memcmp(pa, pb, la) == 0;
}

static void trkKeyFree(dict *d, void *key) {
    UNUSED(d);
    zfree(key);
}

static void trkIdsFree(dict *d, void *val) {
    UNUSED(d);
    if (!TRK_SINGLE((uint64_t)(uintptr_t)val)) zfree(val);
}

static dictType trackingTableType = {trkKeyHash, NULL, NULL, trkKeyCompare,
                                     trkKeyFree, trkIdsFree, NULL};

static uint64_t trkSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int trkSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    size_t la = sdsLen((sds)a), lb = sdsLen((sds)b);
    return la == lb && memcmp(a, b, la) == 0;
}

static void trkSdsFree(dict *d, void *key) {
    UNUSED(d);
    sdsFree(key);
}

/* sds -> NULL or u64: client prefixes, the keys of a bcastState. */
static dictType trkSdsSetType = {trkSdsHash, NULL, NULL, trkSdsCompare,
                                 trkSdsFree, NULL, NULL};
/* prefix -> bcastState *, freed by the caller. */
static dictType trkPrefixType = {trkSdsHash, NULL, NULL, trkSdsCompare,
                                 trkSdsFree, NULL, NULL};

static uint64_t trkPtrHash(const void *key) {
    uintptr_t p = (uintptr_t)key;
    return dictGenHashFunction(&p, sizeof(p));
}

static int trkPtrCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return a == b;
}

static dictType trkPtrSetType = {trkPtrHash, NULL, NULL, trkPtrCompare,
                                 NULL, NULL, NULL};

/* A lookup key for <p>/<len>: built in <stack> (room for <room> bytes,
 * header included) when it fits, else allocated; free with trkTmpFree. */
static trkKey *trkTmpKey(void *stack, size_t room, const char *p, size_t len) {
    size_t need = trkKeySize(len);
    trkKey *k = need <= room ? stack : zmalloc(need);
    trkKeyFill(k, p, len);
    return k;
}

static void trkTmpFree(trkKey *k, void *stack) {
    if ((void *)k != stack) zfree(k);
}

#define TRK_STACK_KEY 128

/* The bytes of the string object <o>: sets *p and *len. <buf> (at least
 * LONG_STR_SIZE bytes) holds an integer-encoded value. */
static void trkObjectBytes(robj *o, char *buf, const char **p, size_t *len) {
    if (sdsEncodedObject(o)) {
        *p = o->ptr;
        *len = sdsLen(o->ptr);
    } else {
        *len = (size_t)ll2string(buf, 32, (long)o->ptr);
        *p = buf;
    }
}

/* Adds <id> to the ids of table entry <de>; returns 1 if it was new. */
static int trkIdsAdd(dictEntry *de, uint64_t id) {
    uint64_t v = de->v.u64;
    if (TRK_SINGLE(v)) {
        uint64_t old = TRK_VAL_TO_ID(v);
        if (old == id) return 0;
        trkIdSet *s = zmalloc(sizeof(*s) + 4 * sizeof(uint64_t));
        s->n = 2;
        s->cap = 4;
        s->ids[0] = old < id ? old : id;
        s->ids[1] = old < id ? id : old;
        de->v.val = s;
        return 1;
    }
    trkIdSet *s = de->v.val;
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->ids[mid] == id) return 0;
        if (s->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (s->n == s->cap) {
        s->cap *= 2;
        s = zrealloc(s, sizeof(*s) + (size_t)s->cap * sizeof(uint64_t));
        de->v.val = s;
    }
    memmove(s->ids + lo + 1, s->ids + lo, (s->n - lo) * sizeof(uint64_t));
    s->ids[lo] = id;
    s->n++;
    return 1;
}

/* Remembers that client <id> read the key <p>/<len>. */
static void trkRememberKey(const char *p, size_t len, uint64_t id) {
    uint64_t stack[TRK_STACK_KEY / 8];
    trkKey *tmp = trkTmpKey(stack, sizeof(stack), p, len);
    dictEntry *de = dictFind(TrackingTable, tmp);
    if (de) {
        if (trkIdsAdd(de, id)) TrackingItems++;
    } else {
        trkKey *k = zmalloc(trkKeySize(len));
        trkKeyFill(k, p, len);
        dictAdd(TrackingTable, k, (void *)(uintptr_t)TRK_ID_TO_VAL(id));
        TrackingItems++;
    }
    trkTmpFree(tmp, stack);
}

/* ------------------------------------------------------------------------
 * Sending invalidations
 * --------------------------------------------------------------------- */

static client *trkLookupClient(uint64_t id) {
    return dictFetchValue(server.clients_by_id, (void *)(uintptr_t)id);
}

/* Sends to <c> (or to its redirection target) one invalidation: the key
 * <payload>/<len>, or when <raw> the protocol bytes of the whole value (an
 * array of keys, or a null). A client whose target is gone gets the
 * tracking-redir-broken push instead (RESP3 only) and is flagged. */
static void trkSend(client *c, const char *payload, size_t len, int raw) {
    client *to = c;
    int redirected = 0;
    if (c->client_tracking_redirection) {
        to = trkLookupClient(c->client_tracking_redirection);
        if (to == NULL) {
            c->flags |= CLIENT_TRACKING_BROKEN_REDIR;
            if (c->resp > 2) {
                uint64_t was = c->flags & CLIENT_PUSHING;
                c->flags |= CLIENT_PUSHING;
                addReplyPushLen(c, 2);
                addReplyBulkCBuffer(c, "tracking-redir-broken", 21);
                addReplyLongLong(c, (long long)c->client_tracking_redirection);
                if (!was) c->flags &= ~CLIENT_PUSHING;
            }
            return;
        }
        redirected = 1;
    }
    uint64_t was = to->flags & CLIENT_PUSHING;
    to->flags |= CLIENT_PUSHING;
    if (to->resp > 2) {
        addReplyPushLen(to, 2);
        addReplyBulkCBuffer(to, "invalidate", 10);
    } else if (redirected && (to->flags & CLIENT_PUBSUB)) {
        /* RESP2 has no push type: a Pub/Sub message stands in for it. */
        addReplyArrayLen(to, 3);
        addReply(to, shared.messagebulk);
        addReplyBulkCBuffer(to, "__redis__:invalidate", 20);
    } else {
        /* A RESP2 connection cannot take pushes among its replies. */
        if (!was) to->flags &= ~CLIENT_PUSHING;
        return;
    }
    if (raw) {
        addReplyProto(to, payload, len);
    } else {
        addReplyArrayLen(to, 1);
        addReplyBulkCBuffer(to, payload, len);
    }
    if (!was) to->flags &= ~CLIENT_PUSHING;
}

/* Queues the key <p>/<len> changed by <c> (NULL: the server) for the
 * broadcast to every prefix it falls under. */
static void trkRememberKeyToBroadcast(client *c, const char *p, size_t len) {
    dictIterator *di = dictGetIterator(PrefixTable);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds prefix = dictGetKey(de);
        size_t plen = sdsLen(prefix);
        if (plen > len || memcmp(prefix, p, plen) != 0) continue;
        bcastState *bs = dictGetVal(de);
        sds k = sdsNewLen(p, len);
        dictEntry *existing = NULL;
        dictEntry *ke = dictAddRaw(bs->keys, k, &existing);
        if (ke == NULL) {
            sdsFree(k);
            ke = existing;
        }
        ke->v.u64 = c ? c->id : 0;
    }
    dictReleaseIterator(di);
}

/* See tracking.h. */
void trackingInvalidateKey(client *c, robj *keyobj, int bcast) {
    if (TrackingTable == NULL) return;
    int want_bcast = bcast && dictSize(PrefixTable) > 0;
    if (dictSize(TrackingTable) == 0 && !want_bcast) return;
    char nbuf[32];
    const char *p;
    size_t len;
    trkObjectBytes(keyobj, nbuf, &p, &len);
    if (want_bcast) trkRememberKeyToBroadcast(c, p, len);
    if (dictSize(TrackingTable) == 0) return;

    uint64_t stack[TRK_STACK_KEY / 8];
    trkKey *tmp = trkTmpKey(stack, sizeof(stack), p, len);
    dictEntry *de = dictUnlink(TrackingTable, tmp);
    trkTmpFree(tmp, stack);
    if (de == NULL) return;

    uint64_t v = de->v.u64, single;
    const uint64_t *ids;
    uint32_t n;
    if (TRK_SINGLE(v)) {
        single = TRK_VAL_TO_ID(v);
        ids = &single;
        n = 1;
    } else {
        trkIdSet *s = de->v.val;
        ids = s->ids;
        n = s->n;
    }
    for (uint32_t j = 0; j < n; j++) {
        client *target = trkLookupClient(ids[j]);
        /* A client that switched to BCAST since it read the key is no
         * longer interested in its own reads. */
        if (target == NULL || !(target->flags & CLIENT_TRACKING) ||
            (target->flags & CLIENT_TRACKING_BCAST))
            continue;
        if ((target->flags & CLIENT_TRACKING_NOLOOP) &&
            target == server.current_client)
            continue;
        if (target == server.current_client && server.executing_client) {
            /* Its command is still running: the invalidation must follow
             * the reply, not land in the middle of it. */
            listAddNodeTail(PendingKeys, createStringObject(p, len));
        } else {
            trkSend(target, p, len, 0);
        }
    }
    TrackingItems -= n;
    dictFreeUnlinkedEntry(TrackingTable, de);
}

/* See tracking.h. */
void trackingInvalidateKeysOnFlush(int async) {
    UNUSED(async); /* the table is freed at once either way */
    if (TrackingClients) {
        listIter li;
        listNode *ln;
        listGetIterator(server.clients, &li, AL_START_HEAD);
        while ((ln = listNext(&li)) != NULL) {
            client *c = listNodeValue(ln);
            if (!(c->flags & CLIENT_TRACKING)) continue;
            if (c == server.current_client && server.executing_client) {
                listAddNodeTail(PendingKeys, NULL);
            } else {
                robj *null = shared.null[c->resp];
                trkSend(c, null->ptr, sdsLen(null->ptr), 1);
            }
        }
    }
    if (TrackingTable && dictSize(TrackingTable)) {
        dictEmpty(TrackingTable, NULL);
        TrackingItems = 0;
    }
}

/* See tracking.h. */
void trackingHandlePendingInvalidations(void) {
    if (PendingKeys == NULL || listLength(PendingKeys) == 0) return;
    listNode *ln;
    while ((ln = listFirst(PendingKeys)) != NULL) {
        robj *key = listNodeValue(ln);
        listDelNode(PendingKeys, ln);
        client *c = server.current_client;
        if (c) {
            if (key) {
                trkSend(c, key->ptr, sdsLen(key->ptr), 0);
            } else {
                robj *null = shared.null[c->resp];
                trkSend(c, null->ptr, sdsLen(null->ptr), 1);
            }
        }
        if (key) decrRefCount(key);
    }
}

/* ------------------------------------------------------------------------
 * Broadcast mode
 * --------------------------------------------------------------------- */

typedef struct trkBcastKey {
    sds key;
    uint64_t by; /* id of the client that changed it last */
} trkBcastKey;

/* Order of Redis's radix tree: bytes compared, a prefix sorts first. */
static int trkSdsOrder(const char *a, size_t la, const char *b, size_t lb) {
    int r = memcmp(a, b, la < lb ? la : lb);
    if (r) return r;
    return la < lb ? -1 : la > lb;
}

static int trkBcastKeyCmp(const void *x, const void *y) {
    const trkBcastKey *a = x, *b = y;
    return trkSdsOrder(a->key, sdsLen(a->key), b->key, sdsLen(b->key));
}

static int trkSdsPtrCmp(const void *x, const void *y) {
    sds a = *(sds const *)x, b = *(sds const *)y;
    return trkSdsOrder(a, sdsLen(a), b, sdsLen(b));
}

/* The array of the <n> keys of <keys> as protocol bytes, leaving out those
 * last changed by client <skip> (0: none); NULL when none is left. */
static sds trkBuildKeyArray(trkBcastKey *keys, size_t n, uint64_t skip) {
    size_t count = 0;
    for (size_t j = 0; j < n; j++)
        if (!skip || keys[j].by != skip) count++;
    if (count == 0) return NULL;
    sds proto = sdsCatPrintf(sdsEmpty(), "*%zu\r\n", count);
    for (size_t j = 0; j < n; j++) {
        if (skip && keys[j].by == skip) continue;
        proto = sdsCatPrintf(proto, "$%zu\r\n", sdsLen(keys[j].key));
        proto = sdsCatLen(proto, keys[j].key, sdsLen(keys[j].key));
        proto = sdsCatLen(proto, "\r\n", 2);
    }
    return proto;
}

static int trkPrefixEntryCmp(const void *x, const void *y) {
    sds a = dictGetKey(*(dictEntry *const *)x);
    sds b = dictGetKey(*(dictEntry *const *)y);
    return trkSdsOrder(a, sdsLen(a), b, sdsLen(b));
}

/* Before the event loop sleeps: each prefix, in Redis's (sorted) order,
 * sends the keys changed under it since the last turn to its clients. */
static void trkBroadcastInvalidations(void) {
    if (PrefixTable == NULL || dictSize(PrefixTable) == 0) return;
    size_t np = 0, cap = dictSize(PrefixTable);
    dictEntry **prefixes = zmalloc(sizeof(*prefixes) * cap);
    dictIterator *di = dictGetIterator(PrefixTable);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        bcastState *bs = dictGetVal(de);
        if (dictSize(bs->keys)) prefixes[np++] = de;
    }
    dictReleaseIterator(di);
    if (np > 1) qsort(prefixes, np, sizeof(*prefixes), trkPrefixEntryCmp);
    /* Sending touches no table, so the entries stay valid. */
    for (size_t p = 0; p < np; p++) {
        bcastState *bs = dictGetVal(prefixes[p]);
        size_t n = dictSize(bs->keys);
        trkBcastKey *keys = zmalloc(sizeof(*keys) * n);
        size_t k = 0;
        dictIterator *ki = dictGetIterator(bs->keys);
        dictEntry *ke;
        while ((ke = dictNext(ki)) != NULL) {
            keys[k].key = dictGetKey(ke);
            keys[k].by = dictGetUnsignedIntegerVal(ke);
            k++;
        }
        dictReleaseIterator(ki);
        qsort(keys, n, sizeof(*keys), trkBcastKeyCmp);
        sds proto = trkBuildKeyArray(keys, n, 0);
        dictIterator *ci = dictGetIterator(bs->clients);
        dictEntry *ce;
        while ((ce = dictNext(ci)) != NULL) {
            client *c = dictGetKey(ce);
            if (c->flags & CLIENT_TRACKING_NOLOOP) {
                sds own = trkBuildKeyArray(keys, n, c->id);
                if (own) trkSend(c, own, sdsLen(own), 1);
                sdsFree(own);
            } else {
                trkSend(c, proto, sdsLen(proto), 1);
            }
        }
        dictReleaseIterator(ci);
        sdsFree(proto);
        zfree(keys);
        dictEmpty(bs->keys, NULL);
    }
    zfree(prefixes);
}

/* Registers <c> for the keys starting with <p>/<len>. */
static void trkEnableBcastPrefix(client *c, const char *p, size_t len) {
    sds prefix = sdsNewLen(p, len);
    bcastState *bs = dictFetchValue(PrefixTable, prefix);
    if (bs == NULL) {
        bs = zmalloc(sizeof(*bs));
        bs->keys = dictCreate(&trkSdsSetType);
        bs->clients = dictCreate(&trkPtrSetType);
        dictAdd(PrefixTable, sdsDup(prefix), bs);
    }
    if (dictAdd(bs->clients, c, NULL) == DICT_OK) {
        if (c->client_tracking_prefixes == NULL)
            c->client_tracking_prefixes = dictCreate(&trkSdsSetType);
        if (dictAdd(c->client_tracking_prefixes, prefix, NULL) == DICT_OK)
            prefix = NULL;
    }
    sdsFree(prefix);
}

/* ------------------------------------------------------------------------
 * Enabling and disabling
 * --------------------------------------------------------------------- */

static void trkEnable(client *c, uint64_t redirect, uint64_t options,
                      robj **prefixes, int numprefix) {
    if (!(c->flags & CLIENT_TRACKING)) TrackingClients++;
    c->flags |= CLIENT_TRACKING;
    c->flags &= ~(CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST |
                  CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT |
                  CLIENT_TRACKING_NOLOOP);
    c->client_tracking_redirection = redirect;
    if (options & CLIENT_TRACKING_BCAST) {
        c->flags |= CLIENT_TRACKING_BCAST;
        if (numprefix == 0) trkEnableBcastPrefix(c, "", 0);
        for (int j = 0; j < numprefix; j++)
            trkEnableBcastPrefix(c, prefixes[j]->ptr,
                                 sdsLen(prefixes[j]->ptr));
    }
    c->flags |= options & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT |
                           CLIENT_TRACKING_NOLOOP);
}

/* Turns tracking off for <c>. The keys it read stay in the table until
 * they change (their invalidation then skips it), as in Redis. */
static void trkDisable(client *c) {
    if (c->client_tracking_prefixes) {
        dictIterator *di = dictGetIterator(c->client_tracking_prefixes);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            sds prefix = dictGetKey(de);
            dictEntry *pe = dictFind(PrefixTable, prefix);
            if (pe == NULL) continue;
            bcastState *bs = dictGetVal(pe);
            dictDelete(bs->clients, c);
            if (dictSize(bs->clients) == 0) {
                dictRelease(bs->keys);
                dictRelease(bs->clients);
                zfree(bs);
                dictDelete(PrefixTable, prefix);
            }
        }
        dictReleaseIterator(di);
        dictRelease(c->client_tracking_prefixes);
        c->client_tracking_prefixes = NULL;
    }
    if (c->flags & CLIENT_TRACKING) {
        TrackingClients--;
        c->flags &= ~(CLIENT_TRACKING | CLIENT_TRACKING_BROKEN_REDIR |
                      CLIENT_TRACKING_BCAST | CLIENT_TRACKING_OPTIN |
                      CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_CACHING |
                      CLIENT_TRACKING_NOLOOP);
    }
}

static void trkClientGone(client *c) {
    trkDisable(c);
}

/* 1 if one of <a>/<la> and <b>/<lb> is a prefix of the other. */
static int trkPrefixesOverlap(const char *a, size_t la, const char *b,
                              size_t lb) {
    return memcmp(a, b, la < lb ? la : lb) == 0;
}

/* Replies an error and returns C_ERR if a prefix of <prefixes> overlaps
 * one that <c> already has or another of the list. */
static int trkCheckPrefixCollisions(client *c, robj **prefixes, int n) {
    sds *mine = NULL;
    size_t nmine = 0;
    if (c->client_tracking_prefixes) {
        nmine = dictSize(c->client_tracking_prefixes);
        mine = zmalloc(sizeof(sds) * (nmine ? nmine : 1));
        size_t k = 0;
        dictIterator *di = dictGetIterator(c->client_tracking_prefixes);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) mine[k++] = dictGetKey(de);
        dictReleaseIterator(di);
        qsort(mine, nmine, sizeof(sds), trkSdsPtrCmp);
    }
    int rc = C_OK;
    for (int i = 0; i < n && rc == C_OK; i++) {
        sds p = prefixes[i]->ptr;
        for (size_t k = 0; k < nmine; k++) {
            if (trkPrefixesOverlap(mine[k], sdsLen(mine[k]), p, sdsLen(p))) {
                addReplyErrorFormat(c, "Prefix '%s' overlaps with an existing "
                                       "prefix '%s'. Prefixes for a single "
                                       "client must not overlap.",
                                    p, mine[k]);
                rc = C_ERR;
                break;
            }
        }
        for (int j = i + 1; j < n && rc == C_OK; j++) {
            sds q = prefixes[j]->ptr;
            if (trkPrefixesOverlap(p, sdsLen(p), q, sdsLen(q))) {
                addReplyErrorFormat(c, "Prefix '%s' overlaps with another "
                                       "provided prefix '%s'. Prefixes for "
                                       "a single client must not overlap.",
                                    p, q);
                rc = C_ERR;
            }
        }
    }
    zfree(mine);
    return rc;
}

/* ------------------------------------------------------------------------
 * Hooks
 * --------------------------------------------------------------------- */

/* See tracking.h. */
void trackingCommandDone(client *c, client *outer) {
    if (!TrackingClients) return;
    struct redisCommand *cmd = c->cmd;
    if (cmd == NULL || !(cmd->flags & CMD_READONLY)) return;
    /* A read-only script is tracked through the commands it runs. */
    if (cmd->proc == evalRoCommand || cmd->proc == evalShaRoCommand ||
        cmd->proc == fcallroCommand)
        return;
    client *caller = (c->flags & CLIENT_SCRIPT) ? outer : c;
    if (caller == NULL || !(caller->flags & CLIENT_TRACKING) ||
        (caller->flags & CLIENT_TRACKING_BCAST))
        return;
    uint64_t optin = caller->flags & CLIENT_TRACKING_OPTIN;
    uint64_t optout = caller->flags & CLIENT_TRACKING_OPTOUT;
    uint64_t given = caller->flags & CLIENT_TRACKING_CACHING;
    if ((optin && !given) || (optout && given)) return;
    /* Shard channels look like keys to COMMAND but are not cached data. */
    if (cmd->flags & CMD_PUBSUB) return;

    int stack[32];
    int *keys = c->argc <= 32 ? stack : zmalloc(sizeof(int) * c->argc);
    int n = getKeysFromCommand(cmd, c->argv, c->argc, keys, c->argc);
    for (int j = 0; j < n; j++) {
        char nbuf[32];
        const char *p;
        size_t len;
        trkObjectBytes(c->argv[keys[j]], nbuf, &p, &len);
        trkRememberKey(p, len, caller->id);
    }
    if (keys != stack) zfree(keys);
}

/* See tracking.h. */
void trackingClientCommandReset(client *c) {
    if (!(c->flags & CLIENT_TRACKING_CACHING)) return;
    if (c->flags & CLIENT_MULTI) return;
    /* Like Redis, any CLIENT subcommand leaves the flag for the next one. */
    struct redisCommand *cmd = c->cmd;
    if (cmd && cmd->parent && !strcmp(cmd->parent->declared_name, "client"))
        return;
    c->flags &= ~CLIENT_TRACKING_CACHING;
}

/* See tracking.h. */
void trackingLimitUsedSlots(void) {
    static unsigned int over_runs; /* calls in a row that ended over */
    if (TrackingTable == NULL || server.tracking_table_max_keys <= 0) return;
    size_t max = (size_t)server.tracking_table_max_keys;
    if (dictSize(TrackingTable) <= max) {
        over_runs = 0;
        return;
    }
    /* The effort grows while the table stays over the limit. */
    long effort = 100L * (over_runs + 1);
    while (effort-- > 0) {
        dictEntry *de = dictGetRandomKey(TrackingTable);
        if (de == NULL) break;
        const char *p;
        size_t len;
        trkKeyBytes(dictGetKey(de), &p, &len);
        robj *key = createStringObject(p, len);
        trackingInvalidateKey(NULL, key, 0);
        decrRefCount(key);
        if (dictSize(TrackingTable) <= max) {
            over_runs = 0;
            return;
        }
    }
    over_runs++;
}

static void trkCron(void) {
    if (TrackingClients) trackingLimitUsedSlots();
    /* Give back the buckets of a table that shrank a lot. */
    if (TrackingTable && dictSlots(TrackingTable) > 1024 &&
        dictSize(TrackingTable) * 10 < dictSlots(TrackingTable) &&
        !dictIsRehashing(TrackingTable))
        dictResize(TrackingTable);
}

static void trkBeforeSleep(void) {
    trkBroadcastInvalidations();
    /* Held-back invalidations are sent at the end of their command; none
     * should be left here, but never keep them past a loop turn. */
    if (PendingKeys && listLength(PendingKeys)) {
        listNode *ln;
        while ((ln = listFirst(PendingKeys)) != NULL) {
            robj *key = listNodeValue(ln);
            if (key) decrRefCount(key);
            listDelNode(PendingKeys, ln);
        }
    }
}

/* See tracking.h. */
void trackingInit(void) {
    TrackingTable = dictCreate(&trackingTableType);
    PrefixTable = dictCreate(&trkPrefixType);
    PendingKeys = listCreate();
    registerClientFreeHook(trkClientGone);
    registerClientResetHook(trkClientGone);
    registerBeforeSleepHook(trkBeforeSleep);
    registerCronHook(trkCron);
}

unsigned long trackingClientCount(void) {
    return TrackingClients;
}

unsigned long long trackingTotalKeys(void) {
    return TrackingTable ? dictSize(TrackingTable) : 0;
}

unsigned long long trackingTotalItems(void) {
    return TrackingItems;
}

unsigned long long trackingTotalPrefixes(void) {
    return PrefixTable ? dictSize(PrefixTable) : 0;
}

/* ------------------------------------------------------------------------
 * Commands
 * --------------------------------------------------------------------- */

/* CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
 * [OPTOUT] [NOLOOP] */
void clientTrackingCommand(client *c) {
    long long redir = 0;
    uint64_t options = 0;
    robj **prefixes = NULL;
    int numprefix = 0;

    for (int j = 3; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "redirect") && moreargs) {
            j++;
            if (redir != 0) {
                addReplyError(c, "A client can only redirect to a single "
                                 "other client");
                zfree(prefixes);
                return;
            }
            if (getLongLongFromObjectOrReply(c, c->argv[j], &redir, NULL) !=
                C_OK) {
                zfree(prefixes);
                return;
            }
            if (trkLookupClient((uint64_t)redir) == NULL) {
                addReplyError(c, "The client ID you want redirect to does "
                                 "not exist");
                zfree(prefixes);
                return;
            }
        } else if (!strcasecmp(opt, "bcast")) {
            options |= CLIENT_TRACKING_BCAST;
        } else if (!strcasecmp(opt, "optin")) {
            options |= CLIENT_TRACKING_OPTIN;
        } else if (!strcasecmp(opt, "optout")) {
            options |= CLIENT_TRACKING_OPTOUT;
        } else if (!strcasecmp(opt, "noloop")) {
            options |= CLIENT_TRACKING_NOLOOP;
        } else if (!strcasecmp(opt, "prefix") && moreargs) {
            j++;
            prefixes = zrealloc(prefixes, sizeof(robj *) * (numprefix + 1));
            prefixes[numprefix++] = c->argv[j];
        } else {
            zfree(prefixes);
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }

    const char *onoff = c->argv[2]->ptr;
    if (!strcasecmp(onoff, "on")) {
        const char *err = NULL;
        if (!(options & CLIENT_TRACKING_BCAST) && numprefix) {
            err = "PREFIX option requires BCAST mode to be enabled";
        } else if ((c->flags & CLIENT_TRACKING) &&
                   !!(c->flags & CLIENT_TRACKING_BCAST) !=
                       !!(options & CLIENT_TRACKING_BCAST)) {
            err = "You can't switch BCAST mode on/off before disabling "
                  "tracking for this client, and then re-enabling it with "
                  "a different mode.";
        } else if ((options & CLIENT_TRACKING_BCAST) &&
                   (options & (CLIENT_TRACKING_OPTIN |
                               CLIENT_TRACKING_OPTOUT))) {
            err = "OPTIN and OPTOUT are not compatible with BCAST";
        } else if ((options & CLIENT_TRACKING_OPTIN) &&
                   (options & CLIENT_TRACKING_OPTOUT)) {
            err = "You can't specify both OPTIN mode and OPTOUT mode";
        } else if (((options & CLIENT_TRACKING_OPTIN) &&
                    (c->flags & CLIENT_TRACKING_OPTOUT)) ||
                   ((options & CLIENT_TRACKING_OPTOUT) &&
                    (c->flags & CLIENT_TRACKING_OPTIN))) {
            err = "You can't switch OPTIN/OPTOUT mode before disabling "
                  "tracking for this client, and then re-enabling it with "
                  "a different mode.";
        }
        if (err) {
            addReplyError(c, err);
            zfree(prefixes);
            return;
        }
        if ((options & CLIENT_TRACKING_BCAST) &&
            trkCheckPrefixCollisions(c, prefixes, numprefix) != C_OK) {
            zfree(prefixes);
            return;
        }
        trkEnable(c, (uint64_t)redir, options, prefixes, numprefix);
    } else if (!strcasecmp(onoff, "off")) {
        trkDisable(c);
    } else {
        zfree(prefixes);
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    zfree(prefixes);
    addReply(c, shared.ok);
}

/* CLIENT CACHING YES|NO */
void clientCachingCommand(client *c) {
    if (!(c->flags & CLIENT_TRACKING)) {
        addReplyError(c, "CLIENT CACHING can be called only when the client "
                         "is in tracking mode with OPTIN or OPTOUT mode "
                         "enabled");
        return;
    }
    const char *opt = c->argv[2]->ptr;
    if (!strcasecmp(opt, "yes")) {
        if (!(c->flags & CLIENT_TRACKING_OPTIN)) {
            addReplyError(c, "CLIENT CACHING YES is only valid when tracking "
                             "is enabled in OPTIN mode.");
            return;
        }
    } else if (!strcasecmp(opt, "no")) {
        if (!(c->flags & CLIENT_TRACKING_OPTOUT)) {
            addReplyError(c, "CLIENT CACHING NO is only valid when tracking "
                             "is enabled in OPTOUT mode.");
            return;
        }
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    c->flags |= CLIENT_TRACKING_CACHING;
    addReply(c, shared.ok);
}

/* CLIENT GETREDIR */
void clientGetredirCommand(client *c) {
    if (c->flags & CLIENT_TRACKING)
        addReplyLongLong(c, (long long)c->client_tracking_redirection);
    else
        addReplyLongLong(c, -1);
}

/* CLIENT TRACKINGINFO */
void clientTrackingInfoCommand(client *c) {
    addReplyMapLen(c, 3);
    addReplyBulkCString(c, "flags");
    const char *flags[8];
    int n = 0;
    flags[n++] = (c->flags & CLIENT_TRACKING) ? "on" : "off";
    if (c->flags & CLIENT_TRACKING_BCAST) flags[n++] = "bcast";
    if (c->flags & CLIENT_TRACKING_OPTIN) {
        flags[n++] = "optin";
        if (c->flags & CLIENT_TRACKING_CACHING) flags[n++] = "caching-yes";
    }
    if (c->flags & CLIENT_TRACKING_OPTOUT) {
        flags[n++] = "optout";
        if (c->flags & CLIENT_TRACKING_CACHING) flags[n++] = "caching-no";
    }
    if (c->flags & CLIENT_TRACKING_NOLOOP) flags[n++] = "noloop";
    if (c->flags & CLIENT_TRACKING_BROKEN_REDIR) flags[n++] = "broken_redirect";
    addReplySetLen(c, n);
    for (int j = 0; j < n; j++) addReplyBulkCString(c, flags[j]);

    addReplyBulkCString(c, "redirect");
    if (c->flags & CLIENT_TRACKING)
        addReplyLongLong(c, (long long)c->client_tracking_redirection);
    else
        addReplyLongLong(c, -1);

    addReplyBulkCString(c, "prefixes");
    if (c->client_tracking_prefixes) {
        size_t np = dictSize(c->client_tracking_prefixes), k = 0;
        sds *list = zmalloc(sizeof(sds) * (np ? np : 1));
        dictIterator *di = dictGetIterator(c->client_tracking_prefixes);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) list[k++] = dictGetKey(de);
        dictReleaseIterator(di);
        qsort(list, np, sizeof(sds), trkSdsPtrCmp);
        addReplyArrayLen(c, (long)np);
        for (size_t j = 0; j < np; j++)
            addReplyBulkCBuffer(c, list[j], sdsLen(list[j]));
        zfree(list);
    } else {
        addReplyArrayLen(c, 0);
    }
}
