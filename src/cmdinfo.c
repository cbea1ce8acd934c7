/* cmdinfo: COMMAND and its subcommands: the command table as clients and
 * cluster-aware libraries introspect it (Redis 7.0 reply shapes), including
 * the key specs and tips that commands.c declares, and key extraction driven
 * by those specs (keySpecsGetKeys). It only reads the table; it never
 * changes a command entry, the keyspace or a client other than the caller. */
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
    {CMD_NO_AUTH, "no_auth"},     /* may_replicate: not shown by 7.0 */
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

/* Key spec flag names in the order Redis 7.0 lists them. */
static const struct {
    uint64_t flag;
    const char *name;
} keySpecFlagNames[] = {
    {CMD_KEY_RO, "RO"},           {CMD_KEY_RW, "RW"},
    {CMD_KEY_OW, "OW"},           {CMD_KEY_RM, "RM"},
    {CMD_KEY_ACCESS, "access"},   {CMD_KEY_UPDATE, "update"},
    {CMD_KEY_INSERT, "insert"},   {CMD_KEY_DELETE, "delete"},
    {CMD_KEY_NOT_KEY, "not_key"}, {CMD_KEY_INCOMPLETE, "incomplete"},
    {CMD_KEY_VARIABLE_FLAGS, "variable_flags"}, {0, NULL}};

static int keySpecCount(const struct redisCommand *cmd) {
    int n = 0;
    while (n < CMD_MAX_KEY_SPECS &&
           cmd->key_specs[n].bs_type != KEYSPEC_BS_INVALID)
        n++;
    return n;
}

/* A set of statuses, one per CMD_KEY_* flag in <flags>. */
static void addReplyKeySpecFlags(client *c, uint64_t flags) {
    int n = 0;
    for (int j = 0; keySpecFlagNames[j].name; j++)
        if (flags & keySpecFlagNames[j].flag) n++;
    addReplySetLen(c, n);
    for (int j = 0; keySpecFlagNames[j].name; j++)
        if (flags & keySpecFlagNames[j].flag)
            addReplyStatus(c, keySpecFlagNames[j].name);
}

static void addReplyKeySpecBeginSearch(client *c, const keySpec *ks) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    switch (ks->bs_type) {
    case KEYSPEC_BS_INDEX:
        addReplyBulkCString(c, "index");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 1);
        addReplyBulkCString(c, "index");
        addReplyLongLong(c, ks->bs_index);
        break;
    case KEYSPEC_BS_KEYWORD:
        addReplyBulkCString(c, "keyword");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "keyword");
        addReplyBulkCString(c, ks->bs_keyword);
        addReplyBulkCString(c, "startfrom");
        addReplyLongLong(c, ks->bs_startfrom);
        break;
    default:
        addReplyBulkCString(c, "unknown");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 0);
        break;
    }
}

static void addReplyKeySpecFindKeys(client *c, const keySpec *ks) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    switch (ks->fk_type) {
    case KEYSPEC_FK_RANGE:
        addReplyBulkCString(c, "range");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 3);
        addReplyBulkCString(c, "lastkey");
        addReplyLongLong(c, ks->fk_lastkey);
        addReplyBulkCString(c, "keystep");
        addReplyLongLong(c, ks->fk_keystep);
        addReplyBulkCString(c, "limit");
        addReplyLongLong(c, ks->fk_limit);
        break;
    case KEYSPEC_FK_KEYNUM:
        addReplyBulkCString(c, "keynum");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 3);
        addReplyBulkCString(c, "keynumidx");
        addReplyLongLong(c, ks->fk_keynumidx);
        addReplyBulkCString(c, "firstkey");
        addReplyLongLong(c, ks->fk_firstkey);
        addReplyBulkCString(c, "keystep");
        addReplyLongLong(c, ks->fk_keystep);
        break;
    default:
        addReplyBulkCString(c, "unknown");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 0);
        break;
    }
}

/* COMMAND INFO element 9: a set of maps {notes?, flags, begin_search,
 * find_keys}, as Redis 7.0 (RESP2 flattens the maps and sets to arrays). */
static void addReplyKeySpecs(client *c, struct redisCommand *cmd) {
    int n = keySpecCount(cmd);
    addReplySetLen(c, n);
    for (int j = 0; j < n; j++) {
        const keySpec *ks = &cmd->key_specs[j];
        addReplyMapLen(c, ks->notes ? 4 : 3);
        if (ks->notes) {
            addReplyBulkCString(c, "notes");
            addReplyBulkCString(c, ks->notes);
        }
        addReplyBulkCString(c, "flags");
        addReplyKeySpecFlags(c, ks->flags);
        addReplyBulkCString(c, "begin_search");
        addReplyKeySpecBeginSearch(c, ks);
        addReplyBulkCString(c, "find_keys");
        addReplyKeySpecFindKeys(c, ks);
    }
}

/* COMMAND INFO element 8: the tips, a set of bulk strings taken from the
 * space-separated cmd->tips. */
static void addReplyCommandTips(client *c, struct redisCommand *cmd) {
    const char *t = cmd->tips;
    int n = 0;
    for (const char *p = t; p && *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        n++;
        while (*p && *p != ' ') p++;
    }
    addReplySetLen(c, n);
    for (const char *p = t; p && *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *e = p;
        while (*e && *e != ' ') e++;
        addReplyBulkCBuffer(c, p, e - p);
        p = e;
    }
}

/* The argv index where spec <ks> starts looking for keys in <argv>/<argc>,
 * or -1 when the spec finds nothing in this command line (keyword absent,
 * index past the end) or cannot be evaluated (unknown). */
static int keySpecBeginIndex(const keySpec *ks, robj **argv, int argc) {
    if (ks->bs_type == KEYSPEC_BS_INDEX)
        return ks->bs_index < argc ? ks->bs_index : -1;
    if (ks->bs_type != KEYSPEC_BS_KEYWORD) return -1;
    if (ks->bs_startfrom >= 0) {
        for (int j = ks->bs_startfrom; j < argc - 1; j++)
            if (!strcasecmp(argv[j]->ptr, ks->bs_keyword)) return j + 1;
    } else {
        int j = argc + ks->bs_startfrom;
        if (j > argc - 2) j = argc - 2; /* a key must follow the keyword */
        for (; j >= 1; j--)
            if (!strcasecmp(argv[j]->ptr, ks->bs_keyword)) return j + 1;
    }
    return -1;
}

/* Fills <keys> (room for <max>) with the argv indexes of the keys that the
 * key specs of <cmd> find in <argv>/<argc>, and, when <spec_idx> is not
 * NULL, the index of the spec that found each one. Specs flagged not_key
 * (shard channels) count only when <with_not_keys> is set. Specs of unknown
 * type are skipped: the command's getkeys_proc is the authority there.
 * Returns how many keys were stored, or -1 when a spec does not fit the
 * command line (a key count that is not a number, or more keys than there
 * are arguments). Pure: neither <argv> nor the command is touched. */
int keySpecsGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                    int with_not_keys, int *keys, int *spec_idx, int max) {
    int n = 0;
    int specs = keySpecCount(cmd);
    for (int i = 0; i < specs; i++) {
        const keySpec *ks = &cmd->key_specs[i];
        if ((ks->flags & CMD_KEY_NOT_KEY) && !with_not_keys) continue;
        int first = keySpecBeginIndex(ks, argv, argc);
        if (first < 0) continue;
        int last, step;
        if (ks->fk_type == KEYSPEC_FK_RANGE) {
            step = ks->fk_keystep;
            if (ks->fk_lastkey >= 0) {
                last = first + ks->fk_lastkey;
            } else if (ks->fk_lastkey == -1 && ks->fk_limit > 1) {
                last = first + (argc - first) / ks->fk_limit - 1;
            } else {
                last = argc + ks->fk_lastkey;
            }
        } else if (ks->fk_type == KEYSPEC_FK_KEYNUM) {
            int idx = first + ks->fk_keynumidx;
            long long numkeys;
            if (idx >= argc ||
                getLongLongFromObject(argv[idx], &numkeys) != C_OK ||
                numkeys < 0 || numkeys > argc)
                return -1;
            step = ks->fk_keystep;
            first += ks->fk_firstkey;
            last = first + (int)(numkeys - 1) * step;
        } else {
            continue;
        }
        if (step <= 0) step = 1;
        if (last >= argc) return -1;
        for (int j = first; j <= last && n < max; j += step) {
            if (spec_idx) spec_idx[n] = i;
            keys[n++] = j;
        }
    }
    return n;
}

/* True when every key of <cmd> can be found from its specs alone. */
static int keySpecsAreComplete(struct redisCommand *cmd) {
    int specs = keySpecCount(cmd);
    if (specs == 0) return 0;
    for (int i = 0; i < specs; i++) {
        const keySpec *ks = &cmd->key_specs[i];
        if (ks->bs_type == KEYSPEC_BS_UNKNOWN ||
            ks->fk_type == KEYSPEC_FK_UNKNOWN ||
            (ks->flags & CMD_KEY_INCOMPLETE))
            return 0;
    }
    return 1;
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
    addReplyCommandTips(c, cmd);
    addReplyKeySpecs(c, cmd);
    addReplySubcommandsInfo(c, cmd);
}

static void addReplyCommandDocs(client *c, struct redisCommand *cmd) {
    int fields = 3 + (cmd->complexity != NULL) + (cmd->subcommands_dict != NULL) +
                 commandHasDocArgs(cmd);
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
    if (commandHasDocArgs(cmd)) {
        addReplyBulkCString(c, "arguments");
        addReplyCommandArgs(c, cmd);
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

/* The flags of the key at argv index <pos> of a command whose keys came
 * from its getkeys_proc: those of the spec that finds <pos> (<found> holds
 * <nfound> positions and <found_spec> their specs), else those of the last
 * spec of unknown position (SORT's STORE destination), else read/write by
 * the command's flags. */
static uint64_t keyFlagsForPosition(struct redisCommand *cmd, int pos,
                                    const int *found, const int *found_spec,
                                    int nfound) {
    for (int j = 0; j < nfound; j++)
        if (found[j] == pos) return cmd->key_specs[found_spec[j]].flags;
    for (int i = keySpecCount(cmd) - 1; i >= 0; i--)
        if (cmd->key_specs[i].bs_type == KEYSPEC_BS_UNKNOWN)
            return cmd->key_specs[i].flags;
    return (cmd->flags & CMD_WRITE) ? (CMD_KEY_RW | CMD_KEY_UPDATE)
                                    : (CMD_KEY_RO | CMD_KEY_ACCESS);
}

/* Fills <keys> (room for <max>) with the argv indexes of the keys of
 * <cmd> in <argv>/<argc> and <flags> with each key's CMD_KEY_* flags (the
 * variable flags resolved for this command line). Returns how many, or -1
 * when the arguments do not fit the command's key layout. Used by COMMAND
 * GETKEYS(ANDFLAGS) and by the ACL key checks. */
int commandGetKeysAndFlags(struct redisCommand *cmd, robj **argv, int argc,
                           int *keys, uint64_t *flags, int max) {
    /* Short command lines (the ACL check runs on every command) need no
     * allocation. */
    int bufs[3][16];
    int small = max < 16;
    int *spec_of = small ? bufs[0] : zmalloc(sizeof(int) * (max + 1));
    int *found = small ? bufs[1] : zmalloc(sizeof(int) * (max + 1));
    int *found_spec = small ? bufs[2] : zmalloc(sizeof(int) * (max + 1));
    int n;
    if (keySpecsAreComplete(cmd)) {
        /* Like Redis, shard channels (not_key) are not reported as keys. */
        n = keySpecsGetKeys(cmd, argv, argc, 0, keys, spec_of, max);
        for (int j = 0; j < n; j++) {
            const keySpec *ks = &cmd->key_specs[spec_of[j]];
            flags[j] = ks->flags;
            if ((ks->flags & CMD_KEY_VARIABLE_FLAGS) && cmd->keyflags_proc)
                flags[j] = cmd->keyflags_proc(argv, argc, spec_of[j],
                                              ks->flags);
        }
    } else {
        n = getKeysFromCommand(cmd, argv, argc, keys, max);
        int nfound = keySpecsGetKeys(cmd, argv, argc, 1, found, found_spec,
                                     max);
        if (nfound < 0) nfound = 0;
        for (int j = 0; j < n; j++)
            flags[j] = keyFlagsForPosition(cmd, keys[j], found, found_spec,
                                           nfound);
    }
    if (!small) {
        zfree(spec_of);
        zfree(found);
        zfree(found_spec);
    }
    return n;
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
    robj **argv = c->argv + 2;
    int argc = c->argc - 2;
    int max = c->argc;
    int *keys = zmalloc(sizeof(int) * max);
    uint64_t *flags = zmalloc(sizeof(uint64_t) * max);
    int n = commandGetKeysAndFlags(cmd, argv, argc, keys, flags, max);
    if (n < 0) {
        addReplyError(c, "Invalid arguments specified for command");
    } else if (n == 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            addReplyArrayLen(c, 0);
        else
            addReplyError(c, "The command has no key arguments");
    } else {
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++) {
            if (with_flags) {
                addReplyArrayLen(c, 2);
                addReplyBulk(c, argv[keys[j]]);
                addReplyKeySpecFlags(c, flags[j]);
            } else {
                addReplyBulk(c, argv[keys[j]]);
            }
        }
    }
    zfree(keys);
    zfree(flags);
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
