/* cmdinfo: COMMAND and its subcommands: the command table as clients and
 * cluster-aware libraries introspect it (Redis 7.0 reply shapes). */
#include "server.h"

static const struct {
    uint64_t flag;
    const char *name;
} commandFlagNames[] = {
    {CMD_WRITE, "write"},         {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},     {CMD_MODULE, "module"},
    {CMD_ADMIN, "admin"},         {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},   {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},     {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_ASKING, "asking"},       {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},     {CMD_MAY_REPLICATE, "may_replicate"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"}, {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"},
    {0, NULL}};

static const struct {
    uint64_t flag;
    const char *name;
} aclCategoryNames[] = {
    {ACL_CATEGORY_KEYSPACE, "keyspace"}, {ACL_CATEGORY_READ, "read"},
    {ACL_CATEGORY_WRITE, "write"},       {ACL_CATEGORY_SET, "set"},
    {ACL_CATEGORY_SORTEDSET, "sortedset"}, {ACL_CATEGORY_LIST, "list"},
    {ACL_CATEGORY_HASH, "hash"},         {ACL_CATEGORY_STRING, "string"},
    {ACL_CATEGORY_BITMAP, "bitmap"},     {ACL_CATEGORY_HYPERLOGLOG, "hyperloglog"},
    {ACL_CATEGORY_GEO, "geo"},           {ACL_CATEGORY_STREAM, "stream"},
    {ACL_CATEGORY_PUBSUB, "pubsub"},     {ACL_CATEGORY_ADMIN, "admin"},
    {ACL_CATEGORY_FAST, "fast"},         {ACL_CATEGORY_SLOW, "slow"},
    {ACL_CATEGORY_BLOCKING, "blocking"}, {ACL_CATEGORY_DANGEROUS, "dangerous"},
    {ACL_CATEGORY_CONNECTION, "connection"},
    {ACL_CATEGORY_TRANSACTION, "transaction"},
    {ACL_CATEGORY_SCRIPTING, "scripting"}, {0, NULL}};

static void addReplyFlags(client *c, struct redisCommand *cmd) {
    void *len = addReplyDeferredLen(c);
    int n = 0;
    uint64_t flags = cmd->flags;
    if (cmd->getkeys_proc) flags |= CMD_MOVABLE_KEYS;
    for (int j = 0; commandFlagNames[j].name; j++) {
        if (flags & commandFlagNames[j].flag) {
            addReplyStatus(c, commandFlagNames[j].name);
            n++;
        }
    }
    setDeferredSetLen(c, len, n);
}

/* The command's ACL categories as "@name" statuses. */
void addReplyCommandCategories(client *c, struct redisCommand *cmd) {
    void *len = addReplyDeferredLen(c);
    int n = 0;
    for (int j = 0; aclCategoryNames[j].name; j++) {
        if (cmd->acl_categories & aclCategoryNames[j].flag) {
            addReplyStatusFormat(c, "@%s", aclCategoryNames[j].name);
            n++;
        }
    }
    setDeferredSetLen(c, len, n);
}

static void addReplyKeySpecs(client *c, struct redisCommand *cmd) {
    if (cmd->firstkey == 0) {
        addReplyArrayLen(c, 0);
        return;
    }
    addReplyArrayLen(c, 1);
    addReplyMapLen(c, 3);
    addReplyBulkCString(c, "flags");
    if (cmd->flags & CMD_WRITE) {
        addReplySetLen(c, 2);
        addReplyStatus(c, "RW");
        addReplyStatus(c, "UPDATE");
    } else {
        addReplySetLen(c, 2);
        addReplyStatus(c, "RO");
        addReplyStatus(c, "ACCESS");
    }
    addReplyBulkCString(c, "begin_search");
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    addReplyBulkCString(c, "index");
    addReplyBulkCString(c, "spec");
    addReplyMapLen(c, 1);
    addReplyBulkCString(c, "index");
    addReplyLongLong(c, cmd->firstkey);
    addReplyBulkCString(c, "find_keys");
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    addReplyBulkCString(c, "range");
    addReplyBulkCString(c, "spec");
    addReplyMapLen(c, 3);
    addReplyBulkCString(c, "lastkey");
    addReplyLongLong(c, cmd->lastkey < 0 ? cmd->lastkey
                                         : cmd->lastkey - cmd->firstkey);
    addReplyBulkCString(c, "keystep");
    addReplyLongLong(c, cmd->keystep);
    addReplyBulkCString(c, "limit");
    addReplyLongLong(c, 0);
}

static void addReplyCommandInfo(client *c, struct redisCommand *cmd);

static void addReplySubcommandsInfo(client *c, struct redisCommand *cmd) {
    if (!cmd->subcommands_dict) {
        addReplySetLen(c, 0);
        return;
    }
    addReplyArrayLen(c, dictSize(cmd->subcommands_dict));
    for (struct redisCommand *sub = cmd->subcommands; sub->declared_name; sub++)
        addReplyCommandInfo(c, sub);
}

static void addReplyCommandInfo(client *c, struct redisCommand *cmd) {
    if (!cmd) {
        addReplyNull(c);
        return;
    }
    addReplyArrayLen(c, 10);
    addReplyBulkCString(c, cmd->fullname);
    addReplyLongLong(c, cmd->arity);
    addReplyFlags(c, cmd);
    addReplyLongLong(c, cmd->firstkey);
    addReplyLongLong(c, cmd->lastkey);
    addReplyLongLong(c, cmd->keystep);
    addReplyCommandCategories(c, cmd);
    addReplyArrayLen(c, 0); /* tips */
    addReplyKeySpecs(c, cmd);
    addReplySubcommandsInfo(c, cmd);
}

static void addReplyCommandDocs(client *c, struct redisCommand *cmd) {
    int fields = 3 + (cmd->complexity != NULL) + (cmd->subcommands_dict != NULL);
    addReplyMapLen(c, fields);
    addReplyBulkCString(c, "summary");
    addReplyBulkCString(c, cmd->summary ? cmd->summary : "");
    addReplyBulkCString(c, "since");
    addReplyBulkCString(c, cmd->since ? cmd->since : "1.0.0");
    addReplyBulkCString(c, "group");
    addReplyBulkCString(c, cmd->group ? cmd->group : "generic");
    if (cmd->complexity) {
        addReplyBulkCString(c, "complexity");
        addReplyBulkCString(c, cmd->complexity);
    }
    if (cmd->subcommands_dict) {
        addReplyBulkCString(c, "subcommands");
        addReplyMapLen(c, dictSize(cmd->subcommands_dict));
        for (struct redisCommand *sub = cmd->subcommands; sub->declared_name;
             sub++) {
            addReplyBulkCString(c, sub->fullname);
            addReplyCommandDocs(c, sub);
        }
    }
}

void commandCommand(client *c) {
    addReplyArrayLen(c, dictSize(server.commands));
    dictIterator *di = dictGetIterator(server.commands);
    dictEntry *de;
    while ((de = dictNext(di))) addReplyCommandInfo(c, dictGetVal(de));
    dictReleaseIterator(di);
}

void commandCountCommand(client *c) {
    addReplyLongLong(c, dictSize(server.commands));
}

static int commandMatchesFilter(struct redisCommand *cmd, int type,
                                const char *arg) {
    if (type == 0) return 1;
    if (type == 1) { /* MODULE: none of ours are */
        return 0;
    } else if (type == 2) { /* ACLCAT */
        for (int j = 0; aclCategoryNames[j].name; j++)
            if (!strcasecmp(arg, aclCategoryNames[j].name))
                return (cmd->acl_categories & aclCategoryNames[j].flag) != 0;
        return 0;
    }
    return stringmatch(arg, cmd->fullname, 1);
}

void commandListCommand(client *c) {
    int type = 0;
    const char *arg = NULL;
    if (c->argc == 5 && !strcasecmp(c->argv[2]->ptr, "filterby")) {
        arg = c->argv[4]->ptr;
        if (!strcasecmp(c->argv[3]->ptr, "module"))
            type = 1;
        else if (!strcasecmp(c->argv[3]->ptr, "aclcat"))
            type = 2;
        else if (!strcasecmp(c->argv[3]->ptr, "pattern"))
            type = 3;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    } else if (c->argc != 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    dictIterator *di = dictGetIterator(server.commands);
    dictEntry *de;
    while ((de = dictNext(di))) {
        struct redisCommand *cmd = dictGetVal(de);
        if (commandMatchesFilter(cmd, type, arg)) {
            addReplyBulkCString(c, cmd->fullname);
            n++;
        }
        if (cmd->subcommands_dict) {
            for (struct redisCommand *sub = cmd->subcommands;
                 sub->declared_name; sub++) {
                if (commandMatchesFilter(sub, type, arg)) {
                    addReplyBulkCString(c, sub->fullname);
                    n++;
                }
            }
        }
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, len, n);
}

void commandInfoCommand(client *c) {
    if (c->argc == 2) {
        commandCommand(c);
        return;
    }
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        addReplyCommandInfo(c, lookupCommandBySds(c->argv[j]->ptr));
}

void commandDocsCommand(client *c) {
    if (c->argc == 2) {
        addReplyMapLen(c, dictSize(server.commands));
        dictIterator *di = dictGetIterator(server.commands);
        dictEntry *de;
        while ((de = dictNext(di))) {
            struct redisCommand *cmd = dictGetVal(de);
            addReplyBulkCString(c, cmd->fullname);
            addReplyCommandDocs(c, cmd);
        }
        dictReleaseIterator(di);
        return;
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    for (int j = 2; j < c->argc; j++) {
        struct redisCommand *cmd = lookupCommandBySds(c->argv[j]->ptr);
        if (!cmd) continue;
        addReplyBulkCString(c, cmd->fullname);
        addReplyCommandDocs(c, cmd);
        n++;
    }
    setDeferredMapLen(c, len, n);
}

static void getKeysSubcommandImpl(client *c, int with_flags) {
    struct redisCommand *cmd = lookupCommand(c->argv + 2, c->argc - 2);
    if (!cmd) {
        addReplyError(c, "Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != c->argc - 2) ||
        (c->argc - 2 < -cmd->arity)) {
        addReplyError(c, "Invalid number of arguments specified for command");
        return;
    }
    int max = c->argc;
    int *keys = zmalloc(sizeof(int) * max);
    int n = getKeysFromCommand(cmd, c->argv + 2, c->argc - 2, keys, max);
    if (n <= 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            addReplyArrayLen(c, 0);
        else
            addReplyError(c, "The command has no key arguments");
    } else {
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++) {
            if (with_flags) {
                addReplyArrayLen(c, 2);
                addReplyBulk(c, c->argv[keys[j] + 2]);
                addReplySetLen(c, 2);
                addReplyStatus(c, (cmd->flags & CMD_WRITE) ? "RW" : "RO");
                addReplyStatus(c, (cmd->flags & CMD_WRITE) ? "update" : "access");
            } else {
                addReplyBulk(c, c->argv[keys[j] + 2]);
            }
        }
    }
    zfree(keys);
}

void commandGetKeysCommand(client *c) {
    getKeysSubcommandImpl(c, 0);
}

void commandGetKeysAndFlagsCommand(client *c) {
    getKeysSubcommandImpl(c, 1);
}

void commandHelpCommand(client *c) {
    const char *help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};
    addReplyHelp(c, help);
}
