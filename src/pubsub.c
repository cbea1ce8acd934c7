/* pubsub.c: publish/subscribe (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their
 * UNSUBSCRIBE counterparts, PUBLISH, SPUBLISH, PUBSUB) and the delivery of
 * messages, keyspace notifications included (pubsubPublishMessage).
 *
 * Owns: server.pubsub_channels, server.pubsub_patterns and
 * server.pubsub_shard_channels (name -> list of subscribed clients), each
 * client's pubsub_channels / pubsub_patterns / pubsub_shard_channels (name ->
 * NULL), the CLIENT_PUBSUB flag and server.pubsub_clients.
 * Must not touch: the keyspace, or a client's state beyond the fields above
 * and its reply buffers (written only through the networking reply API).
 *
 * Invariants:
 * - a client is in the server list of a name exactly when the name is a key
 *   of the client's dict of the same kind; both dicts own a reference to
 *   their robj key;
 * - a server dict never holds a name whose list of clients is empty;
 * - CLIENT_PUBSUB is set, and the client is counted in
 *   server.pubsub_clients, exactly while the client has at least one
 *   subscription of any kind.
 *
 * Shard channels: without cluster mode, Redis 7.0 treats them as plain
 * channels in a namespace of their own, and so do we. Their confirmation
 * counts only count shard channels, whereas channel and pattern
 * confirmations count channels plus patterns (observed on Redis 7.0.15). */
#include "server.h"
#include "cluster.h"

/* One namespace of subscriptions: which dicts hold it and which words its
 * replies use. The shared objects are reached through their address since
 * they are created at start-up. */
typedef struct pubsubKind {
    int shard;            /* 1 for shard channels */
    size_t client_offset; /* offset of the client's dict in struct client */
    dict **server_dict;   /* the server's dict of this namespace */
    robj **subscribe_msg;
    robj **unsubscribe_msg;
} pubsubKind;

static pubsubKind kindChannel = {0, offsetof(client, pubsub_channels),
                                 &server.pubsub_channels,
                                 &shared.subscribebulk,
                                 &shared.unsubscribebulk};
static pubsubKind kindPattern = {0, offsetof(client, pubsub_patterns),
                                 &server.pubsub_patterns,
                                 &shared.psubscribebulk,
                                 &shared.punsubscribebulk};
static pubsubKind kindShard = {1, offsetof(client, pubsub_shard_channels),
                               &server.pubsub_shard_channels,
                               &shared.ssubscribebulk,
                               &shared.sunsubscribebulk};

/* The client's dict of <kind> (a slot inside <c>, the dict may be NULL). */
static dict **clientKindDict(client *c, pubsubKind *kind) {
    return (dict **)((char *)c + kind->client_offset);
}

static unsigned long dictSizeOrZero(dict *d) {
    return d ? dictSize(d) : 0;
}

/* Channels plus patterns: the count of SUBSCRIBE/PSUBSCRIBE replies. */
static unsigned long clientChannelPatternCount(client *c) {
    return dictSizeOrZero(c->pubsub_channels) +
           dictSizeOrZero(c->pubsub_patterns);
}

static unsigned long clientShardCount(client *c) {
    return dictSizeOrZero(c->pubsub_shard_channels);
}

static unsigned long clientKindCount(client *c, pubsubKind *kind) {
    return kind->shard ? clientShardCount(c) : clientChannelPatternCount(c);
}

static unsigned long clientTotalCount(client *c) {
    return clientChannelPatternCount(c) + clientShardCount(c);
}

/* Keeps CLIENT_PUBSUB and server.pubsub_clients in step with the number of
 * subscriptions of <c>. */
static void pubsubUpdateClientFlag(client *c) {
    int subscribed = clientTotalCount(c) > 0;
    if (subscribed && !(c->flags & CLIENT_PUBSUB)) {
        c->flags |= CLIENT_PUBSUB;
        server.pubsub_clients++;
    } else if (!subscribed && (c->flags & CLIENT_PUBSUB)) {
        c->flags &= ~CLIENT_PUBSUB;
        server.pubsub_clients--;
    }
}

/* [kind-word, name, count], as an array in RESP2 and a push in RESP3. A
 * NULL <name> is the "subscribed to nothing" form of UNSUBSCRIBE. */
static void addReplyPubsubConfirm(client *c, robj *word, robj *name,
                                  unsigned long count) {
    addReplyPushLen(c, 3);
    addReply(c, word);
    if (name)
        addReplyBulk(c, name);
    else
        addReplyNull(c);
    addReplyLongLong(c, (long long)count);
}

/* Subscribes <c> to <name> in <kind> and confirms it. Subscribing twice to
 * the same name is not an error: the confirmation repeats the count. */
static void pubsubSubscribe(client *c, robj *name, pubsubKind *kind) {
    dict **cd = clientKindDict(c, kind);
    if (*cd == NULL) *cd = dictCreate(&objectKeyPointerDictType);
    if (dictAdd(*cd, name, NULL) == DICT_OK) {
        incrRefCount(name);
        dictEntry *de = dictFind(*kind->server_dict, name);
        list *clients;
        if (de == NULL) {
            clients = listCreate();
            incrRefCount(name);
            dictAdd(*kind->server_dict, name, clients);
        } else {
            clients = dictGetVal(de);
        }
        listAddNodeTail(clients, c);
    }
    pubsubUpdateClientFlag(c);
    addReplyPubsubConfirm(c, *kind->subscribe_msg, name,
                          clientKindCount(c, kind));
}

/* Unsubscribes <c> from <name> in <kind>; confirms it when <notify> (also
 * when <c> was not subscribed to <name>). Returns 1 if a subscription was
 * removed. <name> is borrowed. */
static int pubsubUnsubscribe(client *c, robj *name, pubsubKind *kind,
                             int notify) {
    dict **cd = clientKindDict(c, kind);
    int removed = 0;
    /* The dicts below may hold the only references to <name>. */
    incrRefCount(name);
    if (*cd && dictDelete(*cd, name) == DICT_OK) {
        removed = 1;
        dictEntry *de = dictFind(*kind->server_dict, name);
        serverAssert(de != NULL);
        list *clients = dictGetVal(de);
        listNode *ln = listSearchKey(clients, c);
        serverAssert(ln != NULL);
        listDelNode(clients, ln);
        if (listLength(clients) == 0) dictDelete(*kind->server_dict, name);
    }
    pubsubUpdateClientFlag(c);
    if (notify)
        addReplyPubsubConfirm(c, *kind->unsubscribe_msg, name,
                              clientKindCount(c, kind));
    decrRefCount(name);
    return removed;
}

/* Drops every subscription of <c> in <kind>, confirming each one when
 * <notify>; with nothing to drop and <notify>, sends the single
 * [word, nil, count] confirmation. Returns how many were dropped. */
static int pubsubUnsubscribeAll(client *c, pubsubKind *kind, int notify) {
    dict **cd = clientKindDict(c, kind);
    int count = 0;
    if (*cd && dictSize(*cd) > 0) {
        dictIterator *di = dictGetSafeIterator(*cd);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            count += pubsubUnsubscribe(c, dictGetKey(de), kind, notify);
        }
        dictReleaseIterator(di);
    }
    if (notify && count == 0)
        addReplyPubsubConfirm(c, *kind->unsubscribe_msg, NULL,
                              clientKindCount(c, kind));
    return count;
}

/* Drops every subscription of <c> silently (RESET, client free). */
static void pubsubUnsubscribeEverything(client *c) {
    pubsubUnsubscribeAll(c, &kindChannel, 0);
    pubsubUnsubscribeAll(c, &kindPattern, 0);
    pubsubUnsubscribeAll(c, &kindShard, 0);
}

static void pubsubClientFreeHook(client *c) {
    pubsubUnsubscribeEverything(c);
    dict **slots[3] = {&c->pubsub_channels, &c->pubsub_patterns,
                       &c->pubsub_shard_channels};
    for (int j = 0; j < 3; j++) {
        if (*slots[j]) {
            dictRelease(*slots[j]);
            *slots[j] = NULL;
        }
    }
}

static void pubsubClientResetHook(client *c) {
    pubsubUnsubscribeEverything(c);
}

/* Creates the server's subscription dicts and registers the client free
 * and RESET hooks that drop a client's subscriptions. Called once from
 * initServer, before any client exists. */
void pubsubInit(void) {
    server.pubsub_channels = dictCreate(&keylistDictType);
    server.pubsub_patterns = dictCreate(&keylistDictType);
    server.pubsub_shard_channels = dictCreate(&keylistDictType);
    server.pubsub_clients = 0;
    registerClientFreeHook(pubsubClientFreeHook);
    registerClientResetHook(pubsubClientResetHook);
}

/* [word, channel, message] to every client of <clients>; returns how many. */
static int pubsubDeliverToList(list *clients, robj *word, robj *channel,
                               robj *message) {
    listIter li;
    listNode *ln;
    int receivers = 0;
    listGetIterator(clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        addReplyPushLen(c, 3);
        addReply(c, word);
        addReplyBulk(c, channel);
        addReplyBulk(c, message);
        receivers++;
    }
    return receivers;
}

/* Sends <message> on <channel>: to the channel's subscribers, then (plain
 * channels only) to the subscribers of every pattern that matches it; with
 * <sharded>, to the shard channel's subscribers instead. Both objects are
 * borrowed. Returns the number of deliveries (a client subscribed to the
 * channel and to a matching pattern counts twice, as in Redis). Does not
 * propagate anything. */
int pubsubPublishMessage(robj *channel, robj *message, int sharded) {
    int receivers = 0;
    dict *channels = sharded ? server.pubsub_shard_channels
                             : server.pubsub_channels;
    if (channels == NULL) return 0;

    dictEntry *de = dictFind(channels, channel);
    if (de) {
        receivers += pubsubDeliverToList(
            dictGetVal(de), sharded ? shared.smessagebulk : shared.messagebulk,
            channel, message);
    }
    if (sharded || dictSize(server.pubsub_patterns) == 0) return receivers;

    robj *chdec = getDecodedObject(channel);
    dictIterator *di = dictGetSafeIterator(server.pubsub_patterns);
    while ((de = dictNext(di)) != NULL) {
        robj *pattern = getDecodedObject(dictGetKey(de));
        if (stringmatchlen(pattern->ptr, (int)sdsLen(pattern->ptr),
                           chdec->ptr, (int)sdsLen(chdec->ptr), 0)) {
            listIter li;
            listNode *ln;
            listGetIterator(dictGetVal(de), &li, AL_START_HEAD);
            while ((ln = listNext(&li)) != NULL) {
                client *c = listNodeValue(ln);
                addReplyPushLen(c, 4);
                addReply(c, shared.pmessagebulk);
                addReplyBulk(c, pattern);
                addReplyBulk(c, channel);
                addReplyBulk(c, message);
                receivers++;
            }
        }
        decrRefCount(pattern);
    }
    dictReleaseIterator(di);
    decrRefCount(chdec);
    return receivers;
}

/* ---------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------ */

/* SUBSCRIBE channel [channel ...]: one confirmation per channel. */
void subscribeCommand(client *c) {
    for (int j = 1; j < c->argc; j++)
        pubsubSubscribe(c, c->argv[j], &kindChannel);
}

/* UNSUBSCRIBE [channel ...]: the given channels, or all of them. */
void unsubscribeCommand(client *c) {
    if (c->argc == 1) {
        pubsubUnsubscribeAll(c, &kindChannel, 1);
        return;
    }
    for (int j = 1; j < c->argc; j++)
        pubsubUnsubscribe(c, c->argv[j], &kindChannel, 1);
}

/* PSUBSCRIBE pattern [pattern ...]: glob patterns as stringmatchlen reads
 * them (case sensitive). */
void psubscribeCommand(client *c) {
    for (int j = 1; j < c->argc; j++)
        pubsubSubscribe(c, c->argv[j], &kindPattern);
}

/* PUNSUBSCRIBE [pattern ...]: the given patterns (compared as strings, not
 * matched), or all of them. */
void punsubscribeCommand(client *c) {
    if (c->argc == 1) {
        pubsubUnsubscribeAll(c, &kindPattern, 1);
        return;
    }
    for (int j = 1; j < c->argc; j++)
        pubsubUnsubscribe(c, c->argv[j], &kindPattern, 1);
}

/* SSUBSCRIBE shardchannel [shardchannel ...]. Redis 7.0 refuses it from a
 * client that may not block, which includes the commands run by EXEC
 * (observed on 7.0.15); SUBSCRIBE and PSUBSCRIBE are allowed there. */
void ssubscribeCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    for (int j = 1; j < c->argc; j++)
        pubsubSubscribe(c, c->argv[j], &kindShard);
}

/* SUNSUBSCRIBE [shardchannel ...]: the given shard channels, or all. */
void sunsubscribeCommand(client *c) {
    if (c->argc == 1) {
        pubsubUnsubscribeAll(c, &kindShard, 1);
        return;
    }
    for (int j = 1; j < c->argc; j++)
        pubsubUnsubscribe(c, c->argv[j], &kindShard, 1);
}

/* PUBLISH channel message: replies with the number of receivers. The
 * command is sent on to replicas so that their subscribers get the message
 * too (Redis 7.0 standalone behaviour); SPUBLISH likewise. */
void publishCommand(client *c) {
    int receivers = pubsubPublishMessage(c->argv[1], c->argv[2], 0);
    if (server.cluster_enabled)
        clusterPropagatePublish(c->argv[1], c->argv[2], 0);
    else
        forceCommandPropagation(c, PROPAGATE_REPL);
    addReplyLongLong(c, receivers);
}

/* SPUBLISH shardchannel message: replies with the number of receivers. */
void spublishCommand(client *c) {
    int receivers = pubsubPublishMessage(c->argv[1], c->argv[2], 1);
    if (server.cluster_enabled)
        clusterPropagatePublish(c->argv[1], c->argv[2], 1);
    else
        forceCommandPropagation(c, PROPAGATE_REPL);
    addReplyLongLong(c, receivers);
}

/* The names of <d> matching the optional glob <pattern> (NULL = all). */
static void addReplyPubsubNames(client *c, dict *d, robj *pattern) {
    void *lenp = addReplyDeferredLen(c);
    long n = 0;
    robj *pat = pattern ? getDecodedObject(pattern) : NULL;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        robj *name = getDecodedObject(dictGetKey(de));
        if (pat == NULL ||
            stringmatchlen(pat->ptr, (int)sdsLen(pat->ptr), name->ptr,
                           (int)sdsLen(name->ptr), 0)) {
            addReplyBulk(c, name);
            n++;
        }
        decrRefCount(name);
    }
    dictReleaseIterator(di);
    if (pat) decrRefCount(pat);
    setDeferredArrayLen(c, lenp, n);
}

/* [name, subscriber count, ...] for the names given after the
 * subcommand, duplicates included. */
static void addReplyPubsubNumsub(client *c, dict *d) {
    addReplyArrayLen(c, (long)(c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        list *clients = dictFetchValue(d, c->argv[j]);
        addReplyBulk(c, c->argv[j]);
        addReplyLongLong(c, clients ? (long long)listLength(clients) : 0);
    }
}

/* PUBSUB CHANNELS [pattern]: channels with at least one subscriber. */
void pubsubChannelsCommand(client *c) {
    if (c->argc > 3) {
        addReplySubcommandSyntaxError(c);
        return;
    }
    addReplyPubsubNames(c, server.pubsub_channels,
                        c->argc == 3 ? c->argv[2] : NULL);
}

/* PUBSUB SHARDCHANNELS [pattern]: shard channels with a subscriber. */
void pubsubShardChannelsCommand(client *c) {
    if (c->argc > 3) {
        addReplySubcommandSyntaxError(c);
        return;
    }
    addReplyPubsubNames(c, server.pubsub_shard_channels,
                        c->argc == 3 ? c->argv[2] : NULL);
}

/* PUBSUB NUMSUB [channel ...]: pattern subscribers are not counted. */
void pubsubNumsubCommand(client *c) {
    addReplyPubsubNumsub(c, server.pubsub_channels);
}

/* PUBSUB SHARDNUMSUB [shardchannel ...]. */
void pubsubShardNumsubCommand(client *c) {
    addReplyPubsubNumsub(c, server.pubsub_shard_channels);
}

/* The number of distinct patterns subscribed to, by any client. */
void pubsubNumpatCommand(client *c) {
    addReplyLongLong(c, (long long)dictSize(server.pubsub_patterns));
}

/* PUBSUB HELP: the text Redis 7.0 replies, line for line. */
void pubsubHelpCommand(client *c) {
    static const char *help[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> "
        "(default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, "
        "excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a "
        "<pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level "
        "channel(s)",
        NULL};
    addReplyHelp(c, help);
}
