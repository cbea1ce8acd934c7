/* admin: small server commands: PING, ECHO, TIME, SHUTDOWN and SLOWLOG.
 * DEBUG lives in debug.c. */
#include <sys/time.h>

#include "server.h"

void pingCommand(client *c) {
    if (c->argc > 2) {
        addReplyErrorArity(c);
        return;
    }
    if (c->flags & CLIENT_PUBSUB && c->resp == 2) {
        addReplyArrayLen(c, 2);
        addReplyBulkCBuffer(c, "pong", 4);
        if (c->argc == 1)
            addReplyBulkCBuffer(c, "", 0);
        else
            addReplyBulk(c, c->argv[1]);
    } else if (c->argc == 1) {
        addReply(c, shared.pong);
    } else {
        addReplyBulk(c, c->argv[1]);
    }
}

void echoCommand(client *c) {
    addReplyBulk(c, c->argv[1]);
}

void timeCommand(client *c) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    addReplyArrayLen(c, 2);
    addReplyBulkLongLong(c, tv.tv_sec);
    addReplyBulkLongLong(c, tv.tv_usec);
}

void shutdownCommand(client *c) {
    int flags = SHUTDOWN_NOFLAGS, abort_shutdown = 0;
    for (int i = 1; i < c->argc; i++) {
        char *opt = c->argv[i]->ptr;
        if (!strcasecmp(opt, "nosave"))
            flags |= SHUTDOWN_NOSAVE;
        else if (!strcasecmp(opt, "save"))
            flags |= SHUTDOWN_SAVE;
        else if (!strcasecmp(opt, "now"))
            flags |= SHUTDOWN_NOW;
        else if (!strcasecmp(opt, "force"))
            flags |= SHUTDOWN_FORCE;
        else if (!strcasecmp(opt, "abort"))
            abort_shutdown = 1;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if ((abort_shutdown && flags) ||
        ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (abort_shutdown) {
        if (!isShutdownWaiting()) {
            addReplyError(c, "No shutdown in progress.");
            return;
        }
        abortShutdown();
        addReply(c, shared.ok);
        return;
    }
    /* A caller that cannot block does not wait for replicas. */
    if (clientDeniesBlocking(c)) flags |= SHUTDOWN_NOW;
    int rc = startShutdown(flags);
    if (rc == C_OK) exit(0);
    if (rc == SHUTDOWN_WAITING) {
        blockForKeys(c, BLOCKED_SHUTDOWN, NULL, 0, 0);
        return;
    }
    addReplyError(c, "Errors trying to SHUTDOWN. Check logs.");
}

/* ---- Slow log ---- */

#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128

static void slowlogFreeEntry(void *p) {
    slowlogEntry *se = p;
    for (int j = 0; j < se->argc; j++) decrRefCount(se->argv[j]);
    zfree(se->argv);
    sdsFree(se->peerid);
    sdsFree(se->cname);
    zfree(se);
}

/* Creates the (empty) slow log. */
void slowlogInit(void) {
    server.slowlog = listCreate();
    server.slowlog_entry_id = 0;
    listSetFreeMethod(server.slowlog, slowlogFreeEntry);
}

static slowlogEntry *slowlogCreateEntry(client *c, robj **argv, int argc,
                                        long long duration) {
    slowlogEntry *se = zmalloc(sizeof(*se));
    int slargc = argc < SLOWLOG_ENTRY_MAX_ARGC ? argc : SLOWLOG_ENTRY_MAX_ARGC;
    se->argc = slargc;
    se->argv = zmalloc(sizeof(robj *) * slargc);
    for (int j = 0; j < slargc; j++) {
        if (slargc != argc && j == slargc - 1) {
            se->argv[j] = createObject(OBJ_STRING,
                sdsCatPrintf(sdsEmpty(), "... (%d more arguments)",
                             argc - slargc + 1));
        } else if (sdsEncodedObject(argv[j]) &&
                   sdsLen(argv[j]->ptr) > SLOWLOG_ENTRY_MAX_STRING) {
            sds s = sdsNewLen(argv[j]->ptr, SLOWLOG_ENTRY_MAX_STRING);
            s = sdsCatPrintf(s, "... (%lu more bytes)",
                             (unsigned long)sdsLen(argv[j]->ptr) -
                                 SLOWLOG_ENTRY_MAX_STRING);
            se->argv[j] = createObject(OBJ_STRING, s);
        } else {
            se->argv[j] = argv[j]->refcount == OBJ_SHARED_REFCOUNT
                              ? argv[j] : dupStringObject(argv[j]);
        }
    }
    se->time = time(NULL);
    se->duration = duration;
    se->id = server.slowlog_entry_id++;
    se->peerid = sdsNew(getClientPeerId(c));
    se->cname = c->name ? sdsNew(c->name->ptr) : sdsEmpty();
    return se;
}

/* Records the command if it took at least slowlog-log-slower-than us. */
void slowlogPushEntryIfNeeded(client *c, robj **argv, int argc,
                              long long duration) {
    if (server.slowlog_log_slower_than < 0) return;
    if (duration < server.slowlog_log_slower_than) return;
    listAddNodeHead(server.slowlog, slowlogCreateEntry(c, argv, argc, duration));
    while (listLength(server.slowlog) > server.slowlog_max_len)
        listDelNode(server.slowlog, listLast(server.slowlog));
}

void slowlogGetCommand(client *c) {
    long count = 10;
    if (c->argc == 3) {
        if (getRangeLongFromObjectOrReply(c, c->argv[2], -1, LONG_MAX, &count,
                                          "count should be greater than or "
                                          "equal to -1") != C_OK)
            return;
        if (count == -1) count = listLength(server.slowlog);
    } else if (c->argc > 3) {
        addReplyErrorArity(c);
        return;
    }
    if ((unsigned long)count > listLength(server.slowlog))
        count = listLength(server.slowlog);
    addReplyArrayLen(c, count);
    listIter li;
    listNode *ln;
    listGetIterator(server.slowlog, &li, AL_START_HEAD);
    while (count-- && (ln = listNext(&li))) {
        slowlogEntry *se = listNodeValue(ln);
        addReplyArrayLen(c, 6);
        addReplyLongLong(c, se->id);
        addReplyLongLong(c, se->time);
        addReplyLongLong(c, se->duration);
        addReplyArrayLen(c, se->argc);
        for (int j = 0; j < se->argc; j++) addReplyBulk(c, se->argv[j]);
        addReplyBulkCBuffer(c, se->peerid, sdsLen(se->peerid));
        addReplyBulkCBuffer(c, se->cname, sdsLen(se->cname));
    }
}

void slowlogLenCommand(client *c) {
    addReplyLongLong(c, listLength(server.slowlog));
}

void slowlogResetCommand(client *c) {
    while (listLength(server.slowlog) > 0)
        listDelNode(server.slowlog, listLast(server.slowlog));
    addReply(c, shared.ok);
}

void slowlogHelpCommand(client *c) {
    const char *help[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL};
    addReplyHelp(c, help);
}
