/* multi.c: transactions (MULTI/EXEC/DISCARD) and optimistic locking
 * (WATCH/UNWATCH).
 *
 * Owns: each client's queue of commands (c->mstate) and its watched keys.
 * A watched key is one multiWatchedKey record linked from two places: the
 * client's c->watched_keys list and, in its database, the list of
 * db->watched_keys under that key (the dict owns the key reference and the
 * list, this file owns the records). Any change of a watched key (write,
 * deletion, expiry, flush, SWAPDB) sets CLIENT_DIRTY_CAS on the watching
 * clients, and their EXEC then replies a null array.
 * Must not touch: command dispatch (processCommand queues commands here and
 * replies +QUEUED itself), the propagation queue (call() does it). */
#include "server.h"
#include "acl.h"

typedef struct multiWatchedKey {
    robj *key;       /* one reference owned */
    redisDb *db;
    client *client;
    int expired;     /* the key was already logically expired at WATCH */
} multiWatchedKey;

/* --------------------------------- queue --------------------------------- */

/* Sets <c>'s transaction state to empty (no queued command). */
void initClientMultiState(client *c) {
    c->mstate.commands = NULL;
    c->mstate.count = 0;
    c->mstate.cmd_flags = 0;
    c->mstate.cmd_inv_flags = 0;
    c->mstate.argv_len_sums = 0;
}

/* Frees the commands queued by <c> (not the state itself). */
void freeClientMultiState(client *c) {
    for (int j = 0; j < c->mstate.count; j++) {
        multiCmd *mc = &c->mstate.commands[j];
        for (int i = 0; i < mc->argc; i++) decrRefCount(mc->argv[i]);
        zfree(mc->argv);
    }
    zfree(c->mstate.commands);
    c->mstate.commands = NULL;
    c->mstate.count = 0;
}

/* Appends <c>'s current command (c->cmd, c->argv) to its transaction. The
 * arguments are shared (their references counted), so the client may
 * reset its argv as usual. Does not reply: the caller sends +QUEUED. */
void queueMultiCommand(client *c) {
    /* A transaction that will abort anyway needs no more memory. */
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) return;
    c->mstate.commands = zrealloc(c->mstate.commands,
                                  sizeof(multiCmd) * (size_t)(c->mstate.count + 1));
    multiCmd *mc = &c->mstate.commands[c->mstate.count++];
    mc->cmd = c->cmd;
    mc->argc = c->argc;
    mc->argv = zmalloc(sizeof(robj *) * (size_t)(c->argc > 0 ? c->argc : 1));
    for (int j = 0; j < c->argc; j++) {
        mc->argv[j] = c->argv[j];
        incrRefCount(mc->argv[j]);
    }
    c->mstate.cmd_flags |= (int)c->cmd->flags;
    c->mstate.cmd_inv_flags |= (int)~c->cmd->flags;
    c->mstate.argv_len_sums += c->argv_len_sum + sizeof(robj *) * (size_t)c->argc;
}

/* Ends <c>'s transaction without running it: frees the queue, clears the
 * MULTI and dirty flags and unwatches every key. */
void discardTransaction(client *c) {
    freeClientMultiState(c);
    initClientMultiState(c);
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
    unwatchAllKeys(c);
}

/* Marks the transaction of <c>, if one is open, as failed because a
 * command could not be queued: its EXEC will reply EXECABORT. */
void flagTransaction(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

/* MULTI */
void multiCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    addReply(c, shared.ok);
}

/* DISCARD */
void discardCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "DISCARD without MULTI");
        return;
    }
    discardTransaction(c);
    addReply(c, shared.ok);
}

/* EXEC: runs the queued commands through call(), one reply each in an
 * array; a null array when a watched key changed; EXECABORT when a command
 * failed to queue. The commands run reach replicas and the AOF through
 * call(), wrapped in MULTI/EXEC when there are several writes; EXEC itself
 * is not propagated. */
void execCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "EXEC without MULTI");
        return;
    }
    /* A watched key that expired since WATCH counts as changed. */
    if (isWatchedKeyExpired(c)) c->flags |= CLIENT_DIRTY_CAS;
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
        if (c->flags & CLIENT_DIRTY_EXEC)
            addReplyErrorObject(c, shared.execaborterr);
        else
            addReplyNullArray(c);
        discardTransaction(c);
        return;
    }

    unwatchAllKeys(c);
    int prev_in_exec = server.in_exec;
    server.in_exec = 1;
    robj **orig_argv = c->argv;
    int orig_argc = c->argc, orig_argv_len = c->argv_len;
    struct redisCommand *orig_cmd = c->cmd;

    addReplyArrayLen(c, c->mstate.count);
    for (int j = 0; j < c->mstate.count; j++) {
        multiCmd *mc = &c->mstate.commands[j];
        c->argc = mc->argc;
        c->argv = mc->argv;
        c->argv_len = mc->argc;
        c->cmd = mc->cmd;
        /* ACL rules may have changed since the command was queued. */
        sds acl_err = aclDenyQueuedCommand(c);
        if (acl_err) {
            addReplyErrorSds(c, acl_err);
            continue;
        }
        call(c, CMD_CALL_FULL);
        /* The command may have rewritten its argv (for propagation). */
        mc->argc = c->argc;
        mc->argv = c->argv;
        mc->cmd = c->cmd;
    }
    c->argv = orig_argv;
    c->argc = orig_argc;
    c->argv_len = orig_argv_len;
    c->cmd = orig_cmd;
    discardTransaction(c);
    server.in_exec = prev_in_exec;
    /* The commands inside were propagated one by one. */
    preventCommandPropagation(c);
}

/* --------------------------------- WATCH --------------------------------- */

/* Adds <key> of <c>'s current db to its watched keys (once). */
static void multiWatchKey(client *c, robj *key) {
    listIter li;
    listNode *ln;
    listGetIterator(c->watched_keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li)) != NULL) {
        multiWatchedKey *wk = listNodeValue(ln);
        if (wk->db == c->db && equalStringObjects(wk->key, key)) return;
    }
    list *clients = dictFetchValue(c->db->watched_keys, key);
    if (clients == NULL) {
        clients = listCreate();
        incrRefCount(key);
        dictAdd(c->db->watched_keys, key, clients);
    }
    multiWatchedKey *wk = zmalloc(sizeof(*wk));
    wk->key = key;
    incrRefCount(key);
    wk->db = c->db;
    wk->client = c;
    wk->expired = keyIsExpired(c->db, key);
    listAddNodeTail(clients, wk);
    if (listLength(c->watched_keys) == 0) server.watching_clients++;
    listAddNodeTail(c->watched_keys, wk);
}

/* Forgets every key <c> watches (its CLIENT_DIRTY_CAS flag is kept). */
void unwatchAllKeys(client *c) {
    if (c->watched_keys == NULL || listLength(c->watched_keys) == 0) return;
    listNode *ln;
    while ((ln = listFirst(c->watched_keys)) != NULL) {
        multiWatchedKey *wk = listNodeValue(ln);
        list *clients = dictFetchValue(wk->db->watched_keys, wk->key);
        serverAssert(clients != NULL);
        listNode *mine = listSearchKey(clients, wk);
        serverAssert(mine != NULL);
        listDelNode(clients, mine);
        if (listLength(clients) == 0) dictDelete(wk->db->watched_keys, wk->key);
        decrRefCount(wk->key);
        zfree(wk);
        listDelNode(c->watched_keys, ln);
    }
    server.watching_clients--;
}

/* Returns 1 if one of the keys <c> watches has expired since WATCH (and
 * was not deleted yet, which would have flagged the client already). */
int isWatchedKeyExpired(client *c) {
    if (c->watched_keys == NULL) return 0;
    listIter li;
    listNode *ln;
    listGetIterator(c->watched_keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li)) != NULL) {
        multiWatchedKey *wk = listNodeValue(ln);
        if (wk->expired) continue;
        if (keyIsExpired(wk->db, wk->key)) return 1;
    }
    return 0;
}

/* Flags the clients watching <key> in <db> after a change of the key. A
 * key that was already expired when watched and is now gone (its lazy or
 * active deletion) did not logically change. */
void touchWatchedKey(redisDb *db, robj *key) {
    if (dictSize(db->watched_keys) == 0) return;
    list *clients = dictFetchValue(db->watched_keys, key);
    if (clients == NULL) return;
    listIter li;
    listNode *ln;
    listGetIterator(clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li)) != NULL) {
        multiWatchedKey *wk = listNodeValue(ln);
        if (wk->expired) {
            if (!dbExists(db, key)) {
                wk->expired = 0;
                continue;
            }
        }
        wk->client->flags |= CLIENT_DIRTY_CAS;
    }
}

/* Flags the clients watching keys of <emptied> that are about to change
 * because the db is flushed (<replaced_with> NULL) or swapped with
 * <replaced_with>. A watched key changes when it exists on either side,
 * except a key already expired at WATCH that disappears or stays expired,
 * and a missing key replaced by an already expired one. */
void touchAllWatchedKeysInDb(redisDb *emptied, redisDb *replaced_with) {
    if (dictSize(emptied->watched_keys) == 0) return;
    dictIterator *di = dictGetSafeIterator(emptied->watched_keys);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        robj *key = dictGetKey(de);
        list *clients = dictGetVal(de);
        int in_emptied = dbExists(emptied, key);
        int in_replacement = replaced_with && dbExists(replaced_with, key);
        if (!in_emptied && !in_replacement) continue;
        listIter li;
        listNode *ln;
        listGetIterator(clients, &li, AL_START_HEAD);
        while ((ln = listNext(&li)) != NULL) {
            multiWatchedKey *wk = listNodeValue(ln);
            if (wk->expired) {
                if (!in_replacement) {
                    wk->expired = 0; /* gone: no logical change */
                    continue;
                }
                if (keyIsExpired(replaced_with, key)) continue;
            } else if (!in_emptied && keyIsExpired(replaced_with, key)) {
                wk->expired = 1; /* still logically missing */
                continue;
            }
            wk->client->flags |= CLIENT_DIRTY_CAS;
        }
    }
    dictReleaseIterator(di);
}

/* WATCH key [key ...] */
void watchCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "WATCH inside MULTI is not allowed");
        return;
    }
    /* Already doomed: watching more changes nothing. */
    if (c->flags & CLIENT_DIRTY_CAS) {
        addReply(c, shared.ok);
        return;
    }
    if (c->watched_keys == NULL) c->watched_keys = listCreate();
    for (int j = 1; j < c->argc; j++) multiWatchKey(c, c->argv[j]);
    addReply(c, shared.ok);
}

/* UNWATCH */
void unwatchCommand(client *c) {
    unwatchAllKeys(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    addReply(c, shared.ok);
}
