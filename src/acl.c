/* acl.c: access control lists, as Redis 7.0 defines them
 * (https://redis.io/docs/management/security/acl/).
 *
 * Owns: the users (a dict name -> user), each user's passwords (SHA-256
 * hex hashes, never the clear text), its selectors (the root selector
 * first, then the "(...)" ones), the ACL LOG, the ACL file, and the ACL
 * command. It reads the command table and a command's key specs (through
 * cmdinfo.c) to decide, and changes a client only to authenticate it, to
 * point it at its user, or to close it when its user goes away.
 *
 * Invariants: a user name has no spaces or NULs; DefaultUser is never
 * freed (ACL LOAD copies the new definition into it); a selector's command
 * bitmap has one bit per command id (subcommands included); a command
 * whose bit is set has no first-argument rules. */
#include "acl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

#include "sha256.h"

extern struct redisCommand redisCommandTable[];

#define ACL_MAX_COMMANDS 1024
#define ACL_WORDS (ACL_MAX_COMMANDS / 64)
#define ACL_PASSWORD_HEX_LEN 64

/* User flags. */
#define USER_ON (1 << 0)
#define USER_NOPASS (1 << 1)
#define USER_SANITIZE (1 << 2)
#define USER_SKIP_SANITIZE (1 << 3)

/* Selector flags. */
#define SEL_ROOT (1 << 0)
#define SEL_ALLKEYS (1 << 1)
#define SEL_ALLCHANNELS (1 << 2)
#define SEL_FUTURE_COMMANDS (1 << 3) /* +@all: commands added later too */

/* Key pattern permissions (%R~, %W~, ~ is both). */
#define KEY_READ (1 << 0)
#define KEY_WRITE (1 << 1)
#define KEY_ALL (KEY_READ | KEY_WRITE)

typedef struct keyPattern {
    int perm;    /* KEY_* */
    sds pattern;
} keyPattern;

typedef struct aclSelector {
    int flags;                    /* SEL_* */
    uint64_t allowed[ACL_WORDS];  /* bit per command id */
    list **firstargs;             /* per command id: list of sds, or NULL;
                                   * the array itself NULL until needed */
    list *keys;                   /* keyPattern* */
    list *channels;               /* sds */
} aclSelector;

struct user {
    sds name;
    int flags;          /* USER_* */
    list *passwords;    /* sds, 64 hex chars each */
    list *selectors;    /* aclSelector*, the root one first */
};

typedef struct aclLogEntry {
    long long count;
    int reason;         /* ACL_DENIED_* */
    int context;        /* ACL_LOG_CTX_* */
    sds object;
    sds username;
    long long ctime;    /* ms */
    sds cinfo;
} aclLogEntry;

user *DefaultUser;
static dict *Users;           /* sds name -> user* */
static list *AclLog;          /* aclLogEntry*, newest first */
static list *UsersToLoad;     /* sds* argv (NULL-terminated) of 'user' lines */
static int aclInitialised;

static const struct {
    const char *name;
    uint64_t flag;
} aclCategories[] = {
    {"keyspace", ACL_CATEGORY_KEYSPACE},
    {"read", ACL_CATEGORY_READ},
    {"write", ACL_CATEGORY_WRITE},
    {"set", ACL_CATEGORY_SET},
    {"sortedset", ACL_CATEGORY_SORTEDSET},
    {"list", ACL_CATEGORY_LIST},
    {"hash", ACL_CATEGORY_HASH},
    {"string", ACL_CATEGORY_STRING},
    {"bitmap", ACL_CATEGORY_BITMAP},
    {"hyperloglog", ACL_CATEGORY_HYPERLOGLOG},
    {"geo", ACL_CATEGORY_GEO},
    {"stream", ACL_CATEGORY_STREAM},
    {"pubsub", ACL_CATEGORY_PUBSUB},
    {"admin", ACL_CATEGORY_ADMIN},
    {"fast", ACL_CATEGORY_FAST},
    {"slow", ACL_CATEGORY_SLOW},
    {"blocking", ACL_CATEGORY_BLOCKING},
    {"dangerous", ACL_CATEGORY_DANGEROUS},
    {"connection", ACL_CATEGORY_CONNECTION},
    {"transaction", ACL_CATEGORY_TRANSACTION},
    {"scripting", ACL_CATEGORY_SCRIPTING},
    {NULL, 0}};

/* The reason of the last failed rule, for the error texts. */
typedef enum {
    ACL_ERR_SYNTAX = 1,
    ACL_ERR_UNKNOWN_CMD,
    ACL_ERR_NO_PASSWORD,
    ACL_ERR_BAD_HASH,
    ACL_ERR_KEY_AFTER_ALL,
    ACL_ERR_CHANNEL_AFTER_ALL,
    ACL_ERR_SUBCMD_FIRSTARG,
} aclError;

static const char *aclErrorText(aclError e) {
    switch (e) {
    case ACL_ERR_UNKNOWN_CMD:
        return "Unknown command or category name in ACL";
    case ACL_ERR_NO_PASSWORD:
        return "The password you are trying to remove from the user does "
               "not exist";
    case ACL_ERR_BAD_HASH:
        return "The password hash must be exactly 64 characters and contain "
               "only lowercase hexadecimal characters";
    case ACL_ERR_KEY_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) "
               "is not valid and does not have any effect. Try 'resetkeys' to "
               "start with an empty list of patterns";
    case ACL_ERR_CHANNEL_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allchannels' "
               "flag) is not valid and does not have any effect. Try "
               "'resetchannels' to start with an empty list of channels";
    case ACL_ERR_SUBCMD_FIRSTARG:
        return "Allowing first-arg of a subcommand is not supported";
    default:
        return "Syntax error";
    }
}

/* ---------------------------------------------------------------------
 * Command table walks
 * ------------------------------------------------------------------ */

/* Calls <fn> on every command of the table, subcommands after their
 * parent, in table order (the order of the static table, so that
 * descriptions are the same on every run). */
static void aclForEachCommand(void (*fn)(struct redisCommand *, void *),
                              void *arg) {
    for (struct redisCommand *cmd = redisCommandTable; cmd->declared_name;
         cmd++) {
        if (cmd->id < 0 || !cmd->fullname) continue;
        fn(cmd, arg);
        if (cmd->subcommands)
            for (struct redisCommand *sub = cmd->subcommands;
                 sub->declared_name; sub++)
                fn(sub, arg);
    }
}

static uint64_t aclCategoryFlag(const char *name) {
    for (int j = 0; aclCategories[j].name; j++)
        if (!strcasecmp(name, aclCategories[j].name))
            return aclCategories[j].flag;
    return 0;
}

/* ---------------------------------------------------------------------
 * Selectors
 * ------------------------------------------------------------------ */

static int selBit(const aclSelector *s, int id) {
    if (id < 0 || id >= ACL_MAX_COMMANDS) return 0;
    return (s->allowed[id / 64] >> (id % 64)) & 1;
}

static void selFreeFirstArgs(aclSelector *s, int id) {
    if (!s->firstargs || !s->firstargs[id]) return;
    listSetFreeMethod(s->firstargs[id], (void (*)(void *))sdsFree);
    listRelease(s->firstargs[id]);
    s->firstargs[id] = NULL;
}

static void selSetBit(aclSelector *s, int id, int on) {
    if (id < 0 || id >= ACL_MAX_COMMANDS) return;
    if (on)
        s->allowed[id / 64] |= 1ULL << (id % 64);
    else
        s->allowed[id / 64] &= ~(1ULL << (id % 64));
    selFreeFirstArgs(s, id);
}

static void selResetAllFirstArgs(aclSelector *s) {
    if (!s->firstargs) return;
    for (int j = 0; j < ACL_MAX_COMMANDS; j++) selFreeFirstArgs(s, j);
    zfree(s->firstargs);
    s->firstargs = NULL;
}

static aclSelector *selCreate(int flags) {
    aclSelector *s = zcalloc(sizeof(*s));
    s->flags = flags;
    if (server.acl_pubsub_default) s->flags |= SEL_ALLCHANNELS;
    s->keys = listCreate();
    s->channels = listCreate();
    return s;
}

static void selClearKeys(aclSelector *s) {
    listIter li;
    listNode *ln;
    listGetIterator(s->keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln);
        sdsFree(kp->pattern);
        zfree(kp);
        listDelNode(s->keys, ln);
    }
}

static void selClearChannels(aclSelector *s) {
    listIter li;
    listNode *ln;
    listGetIterator(s->channels, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        sdsFree(listNodeValue(ln));
        listDelNode(s->channels, ln);
    }
}

static void selFree(aclSelector *s) {
    selClearKeys(s);
    selClearChannels(s);
    listRelease(s->keys);
    listRelease(s->channels);
    selResetAllFirstArgs(s);
    zfree(s);
}

static aclSelector *selDup(const aclSelector *src) {
    aclSelector *s = zcalloc(sizeof(*s));
    s->flags = src->flags;
    memcpy(s->allowed, src->allowed, sizeof(s->allowed));
    s->keys = listCreate();
    s->channels = listCreate();
    listIter li;
    listNode *ln;
    listGetIterator(src->keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln), *n = zmalloc(sizeof(*n));
        n->perm = kp->perm;
        n->pattern = sdsDup(kp->pattern);
        listAddNodeTail(s->keys, n);
    }
    listGetIterator(src->channels, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        listAddNodeTail(s->channels, sdsDup(listNodeValue(ln)));
    if (src->firstargs) {
        s->firstargs = zcalloc(sizeof(list *) * ACL_MAX_COMMANDS);
        for (int j = 0; j < ACL_MAX_COMMANDS; j++) {
            if (!src->firstargs[j]) continue;
            s->firstargs[j] = listCreate();
            listGetIterator(src->firstargs[j], &li, AL_START_HEAD);
            while ((ln = listNext(&li)))
                listAddNodeTail(s->firstargs[j], sdsDup(listNodeValue(ln)));
        }
    }
    return s;
}

/* Allows or denies <cmd>; a container command takes all its subcommands
 * along. */
static void selChangeCommand(aclSelector *s, struct redisCommand *cmd,
                             int on) {
    selSetBit(s, cmd->id, on);
    if (cmd->subcommands)
        for (struct redisCommand *sub = cmd->subcommands; sub->declared_name;
             sub++)
            selSetBit(s, sub->id, on);
}

typedef struct {
    aclSelector *s;
    uint64_t flag;
    int on;
} catChange;

static void selCategoryVisit(struct redisCommand *cmd, void *arg) {
    catChange *cc = arg;
    if (cmd->acl_categories & cc->flag) selSetBit(cc->s, cmd->id, cc->on);
}

static void selChangeCategory(aclSelector *s, uint64_t flag, int on) {
    catChange cc = {s, flag, on};
    aclForEachCommand(selCategoryVisit, &cc);
}

static void selAll(aclSelector *s, int on) {
    memset(s->allowed, on ? 0xff : 0, sizeof(s->allowed));
    selResetAllFirstArgs(s);
    if (on)
        s->flags |= SEL_FUTURE_COMMANDS;
    else
        s->flags &= ~SEL_FUTURE_COMMANDS;
}

static void selAddFirstArg(aclSelector *s, int id, const char *arg) {
    if (!s->firstargs)
        s->firstargs = zcalloc(sizeof(list *) * ACL_MAX_COMMANDS);
    if (!s->firstargs[id]) s->firstargs[id] = listCreate();
    listIter li;
    listNode *ln;
    listGetIterator(s->firstargs[id], &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        if (!strcasecmp(listNodeValue(ln), arg)) return;
    sds a = sdsNew(arg);
    sdsToLower(a);
    listAddNodeTail(s->firstargs[id], a);
}

/* +name, -name, +name|sub, +name|firstarg. */
static aclError selCommandRule(aclSelector *s, const char *op, size_t len) {
    int on = op[0] == '+';
    sds name = sdsNewLen(op + 1, len - 1);
    aclError err = 0;
    char *bar = strchr(name, '|');
    if (!bar) {
        struct redisCommand *cmd = dictFetchValue(server.commands, name);
        if (!cmd)
            err = ACL_ERR_UNKNOWN_CMD;
        else
            selChangeCommand(s, cmd, on);
        sdsFree(name);
        return err;
    }
    *bar = '\0';
    sds parent_name = sdsNew(name);
    const char *rest = bar + 1;
    struct redisCommand *parent = dictFetchValue(server.commands, parent_name);
    sdsFree(parent_name);
    if (!parent || strchr(rest, '|') == rest) {
        err = ACL_ERR_UNKNOWN_CMD;
    } else if (rest[0] == '\0') {
        err = ACL_ERR_SYNTAX;
    } else if (parent->subcommands_dict) {
        if (strchr(rest, '|')) {
            err = ACL_ERR_SUBCMD_FIRSTARG;
        } else {
            sds subname = sdsNew(rest);
            struct redisCommand *sub =
                dictFetchValue(parent->subcommands_dict, subname);
            sdsFree(subname);
            if (!sub)
                err = ACL_ERR_UNKNOWN_CMD;
            else
                selSetBit(s, sub->id, on);
        }
    } else {
        /* A first-argument rule: only additive, and only while the whole
         * command is not already allowed. */
        if (!on || strchr(rest, '|') || rest[0] == '\0')
            err = on ? ACL_ERR_SYNTAX : ACL_ERR_UNKNOWN_CMD;
        else if (!selBit(s, parent->id))
            selAddFirstArg(s, parent->id, rest);
    }
    sdsFree(name);
    return err;
}

static int keyPatternAdd(aclSelector *s, const char *pat, size_t len,
                         int perm) {
    listIter li;
    listNode *ln;
    listGetIterator(s->keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln);
        if (sdsLen(kp->pattern) == len && !memcmp(kp->pattern, pat, len)) {
            kp->perm |= perm;
            return C_OK;
        }
    }
    keyPattern *kp = zmalloc(sizeof(*kp));
    kp->perm = perm;
    kp->pattern = sdsNewLen(pat, len);
    listAddNodeTail(s->keys, kp);
    return C_OK;
}

/* Applies one rule to a selector; 0 or the reason it is refused. */
static aclError selApply(aclSelector *s, const char *op, size_t len) {
    if (len == 0) return ACL_ERR_SYNTAX;
    if (!strcasecmp(op, "allkeys") || (len == 2 && !memcmp(op, "~*", 2))) {
        s->flags |= SEL_ALLKEYS;
        selClearKeys(s);
    } else if (!strcasecmp(op, "resetkeys")) {
        s->flags &= ~SEL_ALLKEYS;
        selClearKeys(s);
    } else if (!strcasecmp(op, "allchannels") ||
               (len == 2 && !memcmp(op, "&*", 2))) {
        s->flags |= SEL_ALLCHANNELS;
        selClearChannels(s);
    } else if (!strcasecmp(op, "resetchannels")) {
        s->flags &= ~SEL_ALLCHANNELS;
        selClearChannels(s);
    } else if (!strcasecmp(op, "allcommands") || !strcasecmp(op, "+@all")) {
        selAll(s, 1);
    } else if (!strcasecmp(op, "nocommands") || !strcasecmp(op, "-@all")) {
        selAll(s, 0);
    } else if (op[0] == '~' || op[0] == '%') {
        int perm = KEY_ALL;
        size_t start = 1;
        if (op[0] == '%') {
            perm = 0;
            size_t j = 1;
            for (; j < len && op[j] != '~'; j++) {
                if (op[j] == 'R' || op[j] == 'r')
                    perm |= KEY_READ;
                else if (op[j] == 'W' || op[j] == 'w')
                    perm |= KEY_WRITE;
                else
                    return ACL_ERR_SYNTAX;
            }
            if (j >= len || perm == 0) return ACL_ERR_SYNTAX;
            start = j + 1;
        }
        if (s->flags & SEL_ALLKEYS) return ACL_ERR_KEY_AFTER_ALL;
        keyPatternAdd(s, op + start, len - start, perm);
    } else if (op[0] == '&') {
        if (s->flags & SEL_ALLCHANNELS) return ACL_ERR_CHANNEL_AFTER_ALL;
        sds ch = sdsNewLen(op + 1, len - 1);
        listIter li;
        listNode *ln;
        listGetIterator(s->channels, &li, AL_START_HEAD);
        while ((ln = listNext(&li)))
            if (!strcmp(listNodeValue(ln), ch)) break;
        if (ln)
            sdsFree(ch);
        else
            listAddNodeTail(s->channels, ch);
    } else if ((op[0] == '+' || op[0] == '-') && len > 1 && op[1] == '@') {
        uint64_t flag = aclCategoryFlag(op + 2);
        if (!flag) return ACL_ERR_UNKNOWN_CMD;
        selChangeCategory(s, flag, op[0] == '+');
    } else if (op[0] == '+' || op[0] == '-') {
        if (len == 1) return ACL_ERR_UNKNOWN_CMD;
        return selCommandRule(s, op, len);
    } else {
        return ACL_ERR_SYNTAX;
    }
    return 0;
}

/* Applies the space-separated rules of "(...)" text <body> (without the
 * parentheses) to a new selector; NULL with the reason in *<err>. */
static aclSelector *selCreateFromText(const char *body, size_t len,
                                      aclError *err) {
    aclSelector *s = selCreate(0);
    int argc = 0;
    sds *argv = sdsSplitLen(body, len, " ", 1, &argc);
    for (int j = 0; j < argc; j++) {
        if (sdsLen(argv[j]) == 0) continue;
        aclError e = selApply(s, argv[j], sdsLen(argv[j]));
        if (e) {
            *err = e;
            sdsFreeSplitRes(argv, argc);
            selFree(s);
            return NULL;
        }
    }
    sdsFreeSplitRes(argv, argc);
    return s;
}

/* ---------------------------------------------------------------------
 * Users
 * ------------------------------------------------------------------ */

static aclSelector *userRoot(const user *u) {
    return listNodeValue(listFirst(u->selectors));
}

static user *userCreateDetached(const char *name, size_t len) {
    user *u = zcalloc(sizeof(*u));
    u->name = sdsNewLen(name, len);
    u->passwords = listCreate();
    listSetFreeMethod(u->passwords, (void (*)(void *))sdsFree);
    u->selectors = listCreate();
    listAddNodeTail(u->selectors, selCreate(SEL_ROOT));
    return u;
}

static void userClearSelectors(user *u, int keep_root) {
    listIter li;
    listNode *ln;
    listGetIterator(u->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        if (keep_root && (s->flags & SEL_ROOT)) continue;
        selFree(s);
        listDelNode(u->selectors, ln);
    }
}

static void userFree(user *u) {
    sdsFree(u->name);
    listRelease(u->passwords);
    userClearSelectors(u, 0);
    listRelease(u->selectors);
    zfree(u);
}

/* Copies everything but the name of <src> into <dst>. */
static void userCopy(user *dst, const user *src) {
    listEmpty(dst->passwords);
    userClearSelectors(dst, 0);
    dst->flags = src->flags;
    listIter li;
    listNode *ln;
    listGetIterator(src->passwords, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        listAddNodeTail(dst->passwords, sdsDup(listNodeValue(ln)));
    listGetIterator(src->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        listAddNodeTail(dst->selectors, selDup(listNodeValue(ln)));
}

static user *userDup(const user *src) {
    user *u = userCreateDetached(src->name, sdsLen(src->name));
    userCopy(u, src);
    return u;
}

static int isLowerHex(const char *p, size_t len) {
    if (len != ACL_PASSWORD_HEX_LEN) return 0;
    for (size_t j = 0; j < len; j++)
        if (!((p[j] >= '0' && p[j] <= '9') || (p[j] >= 'a' && p[j] <= 'f')))
            return 0;
    return 1;
}

static listNode *userFindPassword(user *u, const char *hash) {
    listIter li;
    listNode *ln;
    listGetIterator(u->passwords, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        if (!strcmp(listNodeValue(ln), hash)) return ln;
    return NULL;
}

static void userAddHash(user *u, const char *hash) {
    u->flags &= ~USER_NOPASS;
    if (!userFindPassword(u, hash)) listAddNodeTail(u->passwords, sdsNew(hash));
}

/* Applies one user-level rule <op> (<len> bytes; a "(...)" selector
 * included). 0, or the reason it is refused. */
static aclError userApply(user *u, const char *op, size_t len) {
    if (len == 0) return 0; /* Redis 7.0 accepts and ignores it */
    if (!strcasecmp(op, "on")) {
        u->flags |= USER_ON;
    } else if (!strcasecmp(op, "off")) {
        u->flags &= ~USER_ON;
    } else if (!strcasecmp(op, "skip-sanitize-payload")) {
        u->flags = (u->flags & ~USER_SANITIZE) | USER_SKIP_SANITIZE;
    } else if (!strcasecmp(op, "sanitize-payload")) {
        u->flags = (u->flags & ~USER_SKIP_SANITIZE) | USER_SANITIZE;
    } else if (!strcasecmp(op, "nopass")) {
        u->flags |= USER_NOPASS;
        listEmpty(u->passwords);
    } else if (!strcasecmp(op, "resetpass")) {
        u->flags &= ~USER_NOPASS;
        listEmpty(u->passwords);
    } else if (op[0] == '>' || op[0] == '<') {
        char hex[65];
        sha256Hex(hex, op + 1, len - 1);
        if (op[0] == '>') {
            userAddHash(u, hex);
        } else {
            listNode *ln = userFindPassword(u, hex);
            if (!ln) return ACL_ERR_NO_PASSWORD;
            listDelNode(u->passwords, ln);
        }
    } else if (op[0] == '#' || op[0] == '!') {
        if (!isLowerHex(op + 1, len - 1)) return ACL_ERR_BAD_HASH;
        if (op[0] == '#') {
            userAddHash(u, op + 1);
        } else {
            listNode *ln = userFindPassword(u, op + 1);
            if (!ln) return ACL_ERR_NO_PASSWORD;
            listDelNode(u->passwords, ln);
        }
    } else if (op[0] == '(' && op[len - 1] == ')') {
        aclError err = 0;
        aclSelector *s = selCreateFromText(op + 1, len - 2, &err);
        if (!s) return err;
        listAddNodeTail(u->selectors, s);
    } else if (!strcasecmp(op, "clearselectors")) {
        userClearSelectors(u, 1);
    } else if (!strcasecmp(op, "reset")) {
        const char *steps[] = {"resetpass", "resetkeys", "resetchannels",
                               "off", "clearselectors", "-@all",
                               "sanitize-payload"};
        for (size_t j = 0; j < sizeof(steps) / sizeof(steps[0]); j++)
            userApply(u, steps[j], strlen(steps[j]));
        if (server.acl_pubsub_default) userApply(u, "allchannels", 11);
    } else {
        return selApply(userRoot(u), op, len);
    }
    return 0;
}

/* Joins rule arguments so that a selector split over several arguments
 * ("(~x", "+get)") becomes one "(~x +get)". Returns a new array of new
 * sds (sdsFreeSplitRes), or NULL with the error text in *<err> (new sds). */
static sds *aclMergeSelectorArgs(sds *argv, int argc, int *outc, sds *err) {
    sds *out = zmalloc(sizeof(sds) * (argc ? argc : 1));
    int n = 0;
    sds acc = NULL;
    for (int j = 0; j < argc; j++) {
        size_t len = sdsLen(argv[j]);
        if (acc) {
            acc = sdsCatLen(sdsCatLen(acc, " ", 1), argv[j], len);
            if (len && argv[j][len - 1] == ')') {
                out[n++] = acc;
                acc = NULL;
            }
        } else if (len && argv[j][0] == '(' && argv[j][len - 1] != ')') {
            acc = sdsDup(argv[j]);
        } else if (len == 1 && argv[j][0] == '(') {
            acc = sdsDup(argv[j]);
        } else {
            out[n++] = sdsDup(argv[j]);
        }
    }
    if (acc) {
        *err = sdsCatPrintf(sdsEmpty(), "Unmatched parenthesis in acl "
                                        "selector starting at '%s'.", acc);
        sdsFree(acc);
        sdsFreeSplitRes(out, n);
        return NULL;
    }
    *outc = n;
    return out;
}

static int validUserName(const char *name, size_t len) {
    for (size_t j = 0; j < len; j++)
        if (name[j] == ' ' || name[j] == '\0') return 0;
    return 1;
}

/* Looks up <name> (<len> bytes) in the users dict; the user is borrowed. */
user *aclGetUserByName(const char *name, size_t len) {
    sds n = sdsNewLen(name, len);
    user *u = dictFetchValue(Users, n);
    sdsFree(n);
    return u;
}

/* The name of <u>, or "(superuser)" for the server's own clients (NULL). */
const char *aclUserName(const user *u) {
    return u ? u->name : "(superuser)";
}

static user *aclCreateUser(const char *name, size_t len) {
    user *u = userCreateDetached(name, len);
    dictAdd(Users, sdsNewLen(name, len), u);
    return u;
}

/* ---------------------------------------------------------------------
 * Descriptions (ACL LIST, ACL GETUSER, ACL SAVE, CONFIG REWRITE)
 * ------------------------------------------------------------------ */

/* How well applying one category to the description built so far
 * (<fake>) would move it towards <s>: <good> commands of the category
 * (containers and subcommands alike, as ACL CAT lists them) would become
 * right; the <bad> others are wrong for <s> or already right. */
typedef struct {
    const aclSelector *s;
    const aclSelector *fake;
    uint64_t flag;
    int additive;
    long good, bad;
} catCount;

static void catCountVisit(struct redisCommand *cmd, void *arg) {
    catCount *cc = arg;
    if (!(cmd->acl_categories & cc->flag)) return;
    int want = selBit(cc->s, cmd->id), have = selBit(cc->fake, cmd->id);
    if (want == cc->additive && have != cc->additive)
        cc->good++;
    else
        cc->bad++;
}

typedef struct {
    aclSelector *s, *fake;
    sds out;
    int subpass; /* 0: commands and whole containers; 1: subcommands */
} singleDiff;

static void singlesVisit(struct redisCommand *cmd, void *arg) {
    singleDiff *sd = arg;
    if (cmd->parent) return; /* handled with the parent */
    if (!cmd->subcommands) {
        if (sd->subpass) return;
        int want = selBit(sd->s, cmd->id);
        if (want != selBit(sd->fake, cmd->id)) {
            sd->out = sdsCatPrintf(sd->out, "%c%s ", want ? '+' : '-',
                                   cmd->fullname);
            selSetBit(sd->fake, cmd->id, want);
        }
        if (!want && sd->s->firstargs && sd->s->firstargs[cmd->id]) {
            listIter li;
            listNode *ln;
            listGetIterator(sd->s->firstargs[cmd->id], &li, AL_START_HEAD);
            while ((ln = listNext(&li)))
                sd->out = sdsCatPrintf(sd->out, "+%s|%s ", cmd->fullname,
                                       (char *)listNodeValue(ln));
        }
        return;
    }
    if (sd->subpass) goto subcommands;
    /* A container's own bit (set by +name, -name and its categories)
     * decides whether it is named whole; its subcommands follow. */
    int want = selBit(sd->s, cmd->id);
    if (want != selBit(sd->fake, cmd->id)) {
        sd->out = sdsCatPrintf(sd->out, "%c%s ", want ? '+' : '-',
                               cmd->fullname);
        selChangeCommand(sd->fake, cmd, want);
    }
    return;
subcommands:
    for (struct redisCommand *sub = cmd->subcommands; sub->declared_name;
         sub++) {
        int want = selBit(sd->s, sub->id);
        if (want != selBit(sd->fake, sub->id)) {
            sd->out = sdsCatPrintf(sd->out, "%c%s ", want ? '+' : '-',
                                   sub->fullname);
            selSetBit(sd->fake, sub->id, want);
        }
    }
}

/* The command rules of <s> as a rule string: +@all or -@all, then the
 * categories that fit best, then single commands (table order). */
static sds selDescribeCommands(aclSelector *s) {
    int additive = !(s->flags & SEL_FUTURE_COMMANDS);
    sds out = sdsNew(additive ? "-@all " : "+@all ");
    aclSelector *fake = selCreate(0);
    selAll(fake, !additive);
    /* Greedy, as Redis 7.0 chooses (checked against its descriptions):
     * among the categories that would fix more commands than not, the one
     * with the fewest others, then the most fixed, then table order. */
    for (;;) {
        int best = -1;
        long best_good = 0, best_bad = 0;
        for (int j = 0; aclCategories[j].name; j++) {
            catCount cc = {s, fake, aclCategories[j].flag, additive, 0, 0};
            aclForEachCommand(catCountVisit, &cc);
            if (cc.good <= cc.bad) continue;
            if (best < 0 || cc.bad < best_bad ||
                (cc.bad == best_bad && cc.good > best_good)) {
                best = j;
                best_good = cc.good;
                best_bad = cc.bad;
            }
        }
        if (best < 0) break;
        out = sdsCatPrintf(out, "%c@%s ", additive ? '+' : '-',
                           aclCategories[best].name);
        selChangeCategory(fake, aclCategories[best].flag, additive);
    }
    singleDiff sd = {s, fake, out, 0};
    aclForEachCommand(singlesVisit, &sd);
    sd.subpass = 1;
    aclForEachCommand(singlesVisit, &sd);
    out = sd.out;
    selFree(fake);
    sdsRange(out, 0, -2);
    return out;
}

static sds selDescribeKeys(const aclSelector *s) {
    sds out = sdsEmpty();
    if (s->flags & SEL_ALLKEYS) return sdsCat(out, "~*");
    listIter li;
    listNode *ln;
    listGetIterator(s->keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln);
        if (sdsLen(out)) out = sdsCat(out, " ");
        out = sdsCat(out, kp->perm == KEY_ALL    ? "~"
                          : kp->perm == KEY_READ ? "%R~"
                                                 : "%W~");
        out = sdsCatSds(out, kp->pattern);
    }
    return out;
}

/* <with_reset>: ACL LIST's form ("resetchannels &a"); GETUSER's is "&a". */
static sds selDescribeChannels(const aclSelector *s, int with_reset) {
    sds out = sdsEmpty();
    if (s->flags & SEL_ALLCHANNELS) return sdsCat(out, "&*");
    if (with_reset) out = sdsCat(out, "resetchannels");
    listIter li;
    listNode *ln;
    listGetIterator(s->channels, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        if (sdsLen(out)) out = sdsCat(out, " ");
        out = sdsCat(out, "&");
        out = sdsCatSds(out, listNodeValue(ln));
    }
    return out;
}

static sds selDescribe(aclSelector *s) {
    sds parts[3] = {selDescribeKeys(s), selDescribeChannels(s, 1),
                    selDescribeCommands(s)};
    sds out = sdsEmpty();
    for (int j = 0; j < 3; j++) {
        if (sdsLen(parts[j])) {
            if (sdsLen(out)) out = sdsCat(out, " ");
            out = sdsCatSds(out, parts[j]);
        }
        sdsFree(parts[j]);
    }
    return out;
}

static void userAddFlagNames(const user *u, const char **names, int *n) {
    names[(*n)++] = (u->flags & USER_ON) ? "on" : "off";
    if (u->flags & USER_NOPASS) names[(*n)++] = "nopass";
    if (u->flags & USER_SKIP_SANITIZE) names[(*n)++] = "skip-sanitize-payload";
    if (u->flags & USER_SANITIZE) names[(*n)++] = "sanitize-payload";
}

/* "user <name> <rules>" as ACL LIST prints it. */
static sds userDescribe(user *u) {
    sds out = sdsCatPrintf(sdsEmpty(), "user %s", u->name);
    const char *flags[4];
    int nf = 0;
    userAddFlagNames(u, flags, &nf);
    for (int j = 0; j < nf; j++) out = sdsCatPrintf(out, " %s", flags[j]);
    listIter li;
    listNode *ln;
    listGetIterator(u->passwords, &li, AL_START_HEAD);
    while ((ln = listNext(&li)))
        out = sdsCatPrintf(out, " #%s", (char *)listNodeValue(ln));
    listGetIterator(u->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        sds d = selDescribe(s);
        if (s->flags & SEL_ROOT)
            out = sdsCatPrintf(out, " %s", d);
        else
            out = sdsCatPrintf(out, " (%s)", d);
        sdsFree(d);
    }
    return out;
}

static int sdsPtrCompare(const void *a, const void *b) {
    return strcmp(*(const sds *)a, *(const sds *)b);
}

/* The user names, sorted (Redis lists them in name order). */
static sds *aclSortedNames(int *count) {
    int n = 0;
    sds *names = zmalloc(sizeof(sds) * (dictSize(Users) + 1));
    dictIterator *di = dictGetIterator(Users);
    dictEntry *de;
    while ((de = dictNext(di))) names[n++] = dictGetKey(de);
    dictReleaseIterator(di);
    qsort(names, n, sizeof(sds), sdsPtrCompare);
    *count = n;
    return names;
}

/* ACL LIST's lines in name order, for CONFIG REWRITE (see acl.h). */
sds *aclDescribeAllUsers(int *count) {
    int n;
    sds *names = aclSortedNames(&n);
    sds *lines = zmalloc(sizeof(sds) * (n + 1));
    for (int j = 0; j < n; j++) {
        user *u = dictFetchValue(Users, names[j]);
        lines[j] = userDescribe(u);
    }
    zfree(names);
    *count = n;
    return lines;
}

/* ---------------------------------------------------------------------
 * Permission checks
 * ------------------------------------------------------------------ */

static int keyAllowed(const aclSelector *s, const char *key, size_t len,
                      uint64_t ksflags) {
    if (s->flags & SEL_ALLKEYS) return 1;
    int need = 0;
    if (ksflags & CMD_KEY_ACCESS) need |= KEY_READ;
    if (ksflags & (CMD_KEY_INSERT | CMD_KEY_DELETE | CMD_KEY_UPDATE))
        need |= KEY_WRITE;
    listIter li;
    listNode *ln;
    listGetIterator(s->keys, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln);
        if ((kp->perm & need) != need) continue;
        if (stringmatchlen(kp->pattern, (int)sdsLen(kp->pattern), key,
                           (int)len, 0))
            return 1;
    }
    return 0;
}

/* <is_pattern>: PSUBSCRIBE's argument, which must equal a pattern of the
 * selector literally (a pattern may match more than the user may see). */
static int channelAllowed(const aclSelector *s, const char *ch, size_t len,
                          int is_pattern) {
    if (s->flags & SEL_ALLCHANNELS) return 1;
    listIter li;
    listNode *ln;
    listGetIterator(s->channels, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        sds p = listNodeValue(ln);
        if (is_pattern) {
            if (sdsLen(p) == len && !memcmp(p, ch, len)) return 1;
        } else if (stringmatchlen(p, (int)sdsLen(p), ch, (int)len, 0)) {
            return 1;
        }
    }
    return 0;
}

/* Where the channels of a pub/sub command are: first argv index, and
 * whether every later argument is one (1) or just the first (0); -1 when
 * the command names no channel. */
static int commandChannels(struct redisCommand *cmd, int *all,
                           int *is_pattern) {
    const char *n = cmd->fullname;
    *is_pattern = 0;
    *all = 1;
    if (!strcmp(n, "subscribe") || !strcmp(n, "ssubscribe")) return 1;
    if (!strcmp(n, "psubscribe")) {
        *is_pattern = 1;
        return 1;
    }
    if (!strcmp(n, "publish") || !strcmp(n, "spublish")) {
        *all = 0;
        return 1;
    }
    return -1;
}

static int selCheck(aclSelector *s, struct redisCommand *cmd, robj **argv,
                    int argc, int *argpos) {
    if (!(cmd->flags & CMD_NO_AUTH) && !selBit(s, cmd->id)) {
        int ok = 0;
        if (argc > 1 && s->firstargs && s->firstargs[cmd->id] &&
            (argv[1]->encoding == OBJ_ENCODING_RAW ||
             argv[1]->encoding == OBJ_ENCODING_EMBSTR)) {
            listIter li;
            listNode *ln;
            listGetIterator(s->firstargs[cmd->id], &li, AL_START_HEAD);
            while ((ln = listNext(&li)))
                if (!strcasecmp(listNodeValue(ln), argv[1]->ptr)) ok = 1;
        }
        if (!ok) {
            *argpos = 0;
            return ACL_DENIED_CMD;
        }
    }
    if (!(s->flags & SEL_ALLKEYS) &&
        (cmd->firstkey || cmd->getkeys_proc ||
         cmd->key_specs[0].bs_type != KEYSPEC_BS_INVALID)) {
        /* Most command lines are short: no allocation for them. */
        int keys_buf[16];
        uint64_t flags_buf[16];
        int small = argc < 16;
        int *keys = small ? keys_buf : zmalloc(sizeof(int) * (argc + 1));
        uint64_t *flags =
            small ? flags_buf : zmalloc(sizeof(uint64_t) * (argc + 1));
        int n = commandGetKeysAndFlags(cmd, argv, argc, keys, flags, argc);
        int res = ACL_OK;
        for (int j = 0; j < n; j++) {
            robj *k = getDecodedObject(argv[keys[j]]);
            int ok = keyAllowed(s, k->ptr, sdsLen(k->ptr), flags[j]);
            decrRefCount(k);
            if (!ok) {
                *argpos = keys[j];
                res = ACL_DENIED_KEY;
                break;
            }
        }
        if (!small) {
            zfree(keys);
            zfree(flags);
        }
        if (res != ACL_OK) return res;
    }
    if (s->flags & SEL_ALLCHANNELS) return ACL_OK;
    int all, is_pattern;
    int first = commandChannels(cmd, &all, &is_pattern);
    if (first > 0) {
        int last = all ? argc - 1 : first;
        for (int j = first; j <= last && j < argc; j++) {
            robj *ch = getDecodedObject(argv[j]);
            int ok = channelAllowed(s, ch->ptr, sdsLen(ch->ptr), is_pattern);
            decrRefCount(ch);
            if (!ok) {
                *argpos = j;
                return ACL_DENIED_CHANNEL;
            }
        }
    }
    return ACL_OK;
}

/* A command passes when any selector of <u> allows it; otherwise the
 * highest-ranked denial (channel > auth > key > command) is reported, as
 * Redis 7.0 reports it, with the argv index at fault in *<argpos>. */
int aclCheckUserCommand(user *u, struct redisCommand *cmd, robj **argv,
                        int argc, int *argpos) {
    if (!u) return ACL_OK;
    int worst = ACL_OK, worst_pos = 0;
    listIter li;
    listNode *ln;
    listGetIterator(u->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        int pos = 0;
        int r = selCheck(listNodeValue(ln), cmd, argv, argc, &pos);
        if (r == ACL_OK) return ACL_OK;
        if (r > worst) {
            worst = r;
            worst_pos = pos;
        }
    }
    *argpos = worst_pos;
    return worst;
}

/* The check of processCommand: clients that must obey (a master's
 * stream) and the server's own clients are never refused. */
int aclCheckClientCommand(client *c, int *argpos) {
    if (!c->user || mustObeyClient(c) || !c->cmd) return ACL_OK;
    return aclCheckUserCommand(c->user, c->cmd, c->argv, c->argc, argpos);
}

/* SORT BY/GET read keys named by patterns: only users who may read
 * any key may use them (see acl.h). */
int aclUserHasFullKeyAccess(user *u, struct redisCommand *cmd) {
    if (!u) return 1;
    listIter li;
    listNode *ln;
    listGetIterator(u->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        if (cmd && !selBit(s, cmd->id)) continue;
        if (s->flags & SEL_ALLKEYS) return 1;
        listIter ki;
        listNode *kn;
        listGetIterator(s->keys, &ki, AL_START_HEAD);
        while ((kn = listNext(&ki))) {
            keyPattern *kp = listNodeValue(kn);
            if ((kp->perm & KEY_READ) && !strcmp(kp->pattern, "*")) return 1;
        }
    }
    return 0;
}

/* Checks, logs and words a refusal for processCommand (see acl.h). */
sds aclDenyClientCommand(client *c, int context) {
    int pos = 0;
    int r = aclCheckClientCommand(c, &pos);
    if (r == ACL_OK) return NULL;
    robj *obj = r == ACL_DENIED_CMD ? NULL : getDecodedObject(c->argv[pos]);
    aclAddLogEntry(c, r, context, obj ? (char *)obj->ptr : c->cmd->fullname,
                   NULL);
    if (obj) decrRefCount(obj);
    sds text = aclDeniedText(r, c->cmd);
    sds line = sdsCatSds(sdsNew("-NOPERM "), text);
    sdsFree(text);
    return line;
}

/* EXEC's re-check of a queued command (see acl.h). */
sds aclDenyQueuedCommand(client *c) {
    int pos = 0;
    int r = aclCheckClientCommand(c, &pos);
    if (r == ACL_OK) return NULL;
    robj *obj = r == ACL_DENIED_CMD ? NULL : getDecodedObject(c->argv[pos]);
    aclAddLogEntry(c, r, ACL_LOG_CTX_MULTI,
                   obj ? (char *)obj->ptr : c->cmd->fullname, NULL);
    if (obj) decrRefCount(obj);
    const char *why = r == ACL_DENIED_KEY
                          ? "no permission to touch the specified keys"
                      : r == ACL_DENIED_CHANNEL
                          ? "no permission to access one of the channels used "
                            "as arguments"
                          : "no permission to execute the command or "
                            "subcommand";
    return sdsCatPrintf(sdsEmpty(), "-NOPERM ACLs rules changed between the "
                                    "moment the transaction was accumulated "
                                    "and the EXEC call. This command is no "
                                    "longer allowed for the following "
                                    "reason: %s", why);
}

/* The text after "-NOPERM " for a refusal <code> of <cmd> (new sds). */
sds aclDeniedText(int code, struct redisCommand *cmd) {
    switch (code) {
    case ACL_DENIED_KEY:
        return sdsNew("this user has no permissions to access one of the "
                      "keys used as arguments");
    case ACL_DENIED_CHANNEL:
        return sdsNew("this user has no permissions to access one of the "
                      "channels used as arguments");
    default:
        return sdsCatPrintf(sdsEmpty(), "this user has no permissions to "
                                        "run the '%s' command",
                            cmd->fullname);
    }
}

/* ---------------------------------------------------------------------
 * Authentication
 * ------------------------------------------------------------------ */

static int userCheckPassword(user *u, const char *pass, size_t len) {
    if (!(u->flags & USER_ON)) return 0;
    if (u->flags & USER_NOPASS) return 1;
    char hex[65];
    sha256Hex(hex, pass, len);
    int found = 0;
    listIter li;
    listNode *ln;
    listGetIterator(u->passwords, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        /* Compared in full whatever differs, to leak no timing. */
        const char *h = listNodeValue(ln);
        unsigned char diff = 0;
        for (int j = 0; j < ACL_PASSWORD_HEX_LEN; j++)
            diff |= (unsigned char)(h[j] ^ hex[j]);
        if (!diff) found = 1;
    }
    return found;
}

/* New connections start authenticated when the default user is on and
 * needs no password. */
int aclDefaultUserAutoAuth(void) {
    return DefaultUser && (DefaultUser->flags & USER_ON) &&
           (DefaultUser->flags & USER_NOPASS);
}

/* Protected mode and AUTH <password> ask whether the default user has
 * no password; before aclInit there are no users, hence nopass. */
int aclDefaultUserHasNoPass(void) {
    return !DefaultUser || (DefaultUser->flags & USER_NOPASS);
}

/* AUTH and HELLO AUTH (see acl.h): a failure is logged with the command
 * name as the client typed it, which is what Redis 7.0 shows. */
int aclAuthenticateClient(client *c, robj *username, robj *password) {
    robj *un = getDecodedObject(username);
    robj *pw = getDecodedObject(password);
    user *u = aclGetUserByName(un->ptr, sdsLen(un->ptr));
    int ok = u && userCheckPassword(u, pw->ptr, sdsLen(pw->ptr));
    if (ok) {
        c->user = u;
        c->authenticated = 1;
    } else {
        /* Redis names the object by the command as the client typed it. */
        const char *obj = "AUTH";
        if (c->argc > 0 && c->argv && sdsEncodedObject(c->argv[0]))
            obj = c->argv[0]->ptr;
        aclAddLogEntry(c, ACL_DENIED_AUTH, ACL_LOG_CTX_TOPLEVEL, obj, un->ptr);
    }
    decrRefCount(un);
    decrRefCount(pw);
    return ok ? C_OK : C_ERR;
}

/* requirepass: "resetpass" then ">pass", or "nopass" for no password. */
void aclUpdateDefaultUserPassword(const char *pass) {
    if (!DefaultUser) return;
    userApply(DefaultUser, "resetpass", 9);
    if (pass && pass[0]) {
        sds op = sdsCat(sdsNew(">"), pass);
        userApply(DefaultUser, op, sdsLen(op));
        sdsFree(op);
    } else {
        userApply(DefaultUser, "nopass", 6);
    }
}

/* Closes the connections authenticated as <u> (the caller's own after its
 * reply), and points clients of scripts and the like away from it. */
static void aclKillClientsOfUser(user *u) {
    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->user != u) continue;
        c->user = DefaultUser;
        c->authenticated = 0;
        if (c == server.current_client)
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else
            freeClientAsync(c);
    }
}

/* After <u>'s channel rules changed: closes its clients subscribed to a
 * channel or pattern that it may no longer use, as Redis 7.0 does. */
static void aclKillPubsubClientsIfNeeded(user *u) {
    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->user != u) continue;
        dict *dicts[3] = {c->pubsub_channels, c->pubsub_shard_channels,
                          c->pubsub_patterns};
        int bad = 0;
        for (int d = 0; d < 3 && !bad; d++) {
            if (!dicts[d]) continue;
            dictIterator *di = dictGetIterator(dicts[d]);
            dictEntry *de;
            while (!bad && (de = dictNext(di))) {
                robj *ch = getDecodedObject(dictGetKey(de));
                int ok = 0;
                listIter si;
                listNode *sn;
                listGetIterator(u->selectors, &si, AL_START_HEAD);
                while (!ok && (sn = listNext(&si)))
                    ok = channelAllowed(listNodeValue(sn), ch->ptr,
                                        sdsLen(ch->ptr), d == 2);
                decrRefCount(ch);
                if (!ok) bad = 1;
            }
            dictReleaseIterator(di);
        }
        if (!bad) continue;
        if (c == server.current_client)
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else
            freeClientAsync(c);
    }
}

/* ---------------------------------------------------------------------
 * ACL LOG
 * ------------------------------------------------------------------ */

static void aclLogEntryFree(aclLogEntry *e) {
    sdsFree(e->object);
    sdsFree(e->username);
    sdsFree(e->cinfo);
    zfree(e);
}

static void aclLogTrim(void) {
    while (AclLog && listLength(AclLog) > (unsigned long)server.acllog_max_len) {
        listNode *ln = listLast(AclLog);
        aclLogEntryFree(listNodeValue(ln));
        listDelNode(AclLog, ln);
    }
}

/* Adds or merges an ACL LOG entry (see acl.h); the log keeps at most
 * acllog-max-len entries, newest first. */
void aclAddLogEntry(client *c, int reason, int context, const char *object,
                    const char *username) {
    if (!AclLog) AclLog = listCreate();
    if (!username) username = aclUserName(c->user);
    /* A client running a script is the one the script runs for. */
    client *real = c;
    if (real->flags & CLIENT_SCRIPT && server.executing_client &&
        server.current_client)
        real = server.current_client;
    sds cinfo = catClientInfoString(sdsEmpty(), real);
    long long now = mstime();
    /* The same denial within 60 seconds bumps the count of its entry. */
    listIter li;
    listNode *ln;
    listGetIterator(AclLog, &li, AL_START_HEAD);
    int scanned = 0;
    while ((ln = listNext(&li)) && scanned++ < 10) {
        aclLogEntry *e = listNodeValue(ln);
        if (e->reason == reason && e->context == context &&
            !strcmp(e->object, object) && !strcmp(e->username, username) &&
            now - e->ctime < 60000) {
            e->count++;
            e->ctime = now;
            sdsFree(e->cinfo);
            e->cinfo = cinfo;
            listDelNode(AclLog, ln);
            listAddNodeHead(AclLog, e);
            return;
        }
    }
    aclLogEntry *e = zmalloc(sizeof(*e));
    e->count = 1;
    e->reason = reason;
    e->context = context;
    e->object = sdsNew(object);
    e->username = sdsNew(username);
    e->ctime = now;
    e->cinfo = cinfo;
    listAddNodeHead(AclLog, e);
    aclLogTrim();
}

static void aclLogReply(client *c, long long count) {
    static const char *reasons[] = {"", "command", "key", "auth", "channel"};
    static const char *contexts[] = {"toplevel", "lua", "multi"};
    long long n = AclLog ? (long long)listLength(AclLog) : 0;
    if (count < 0) count = 0;
    if (count > n) count = n;
    addReplyArrayLen(c, count);
    if (!count) return;
    long long now = mstime();
    listIter li;
    listNode *ln;
    listGetIterator(AclLog, &li, AL_START_HEAD);
    while (count-- && (ln = listNext(&li))) {
        aclLogEntry *e = listNodeValue(ln);
        addReplyMapLen(c, 7);
        addReplyBulkCString(c, "count");
        addReplyLongLong(c, e->count);
        addReplyBulkCString(c, "reason");
        addReplyBulkCString(c, reasons[e->reason]);
        addReplyBulkCString(c, "context");
        addReplyBulkCString(c, contexts[e->context]);
        addReplyBulkCString(c, "object");
        addReplyBulkCString(c, e->object);
        addReplyBulkCString(c, "username");
        addReplyBulkCString(c, e->username);
        addReplyBulkCString(c, "age-seconds");
        addReplyDouble(c, (double)(now - e->ctime) / 1000.0);
        addReplyBulkCString(c, "client-info");
        addReplyBulkCString(c, e->cinfo);
    }
}

/* ---------------------------------------------------------------------
 * Loading: redis.conf 'user' lines and the ACL file
 * ------------------------------------------------------------------ */

/* Applies the rules <argv>[0..<argc>) to <u>; on error appends the
 * reason to *<errs> (prefixed by <where>, the file position or "") and
 * returns C_ERR. */
static int userApplyArgs(user *u, sds *argv, int argc, sds *errs,
                         const char *where) {
    sds merr = NULL;
    int mc;
    sds *merged = aclMergeSelectorArgs(argv, argc, &mc, &merr);
    if (!merged) {
        *errs = sdsCatPrintf(*errs, "%sUnmatched parenthesis in selector "
                                    "definition.", where);
        sdsFree(merr);
        return C_ERR;
    }
    for (int j = 0; j < mc; j++) {
        aclError e = userApply(u, merged[j], sdsLen(merged[j]));
        if (e) {
            if (e == ACL_ERR_SYNTAX)
                *errs = sdsCatPrintf(*errs, "%s%s. ", where, aclErrorText(e));
            else
                *errs = sdsCatPrintf(*errs, "%sError in applying operation "
                                            "'%s': %s. ",
                                     where, merged[j], aclErrorText(e));
            sdsFreeSplitRes(merged, mc);
            return C_ERR;
        }
    }
    sdsFreeSplitRes(merged, mc);
    return C_OK;
}

/* Validates the shape of a redis.conf 'user' line (name, parentheses)
 * and keeps it for aclLoadUsersAtStartup, when commands exist to check
 * the rules against. */
int aclAppendUserForLoading(sds *argv, int argc, char *err, size_t errlen) {
    if (argc < 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return C_ERR;
    }
    if (!validUserName(argv[0], sdsLen(argv[0]))) {
        snprintf(err, errlen, "Spaces not allowed in ACL usernames");
        return C_ERR;
    }
    sds merr = NULL;
    int mc;
    sds *merged = aclMergeSelectorArgs(argv + 1, argc - 1, &mc, &merr);
    if (!merged) {
        snprintf(err, errlen, "Error in user declaration '%s': %s", argv[0],
                 merr);
        sdsFree(merr);
        return C_ERR;
    }
    sdsFreeSplitRes(merged, mc);
    if (!UsersToLoad) UsersToLoad = listCreate();
    sds *copy = zmalloc(sizeof(sds) * (argc + 1));
    for (int j = 0; j < argc; j++) copy[j] = sdsDup(argv[j]);
    copy[argc] = NULL;
    listAddNodeTail(UsersToLoad, copy);
    return C_OK;
}

static int argvCount(sds *argv) {
    int n = 0;
    while (argv[n]) n++;
    return n;
}

extern dictType aclUsersDictType;

#define ACL_OPEN_ERROR "Error loading ACLs, opening file"

/* The text Redis 7.0 gives for failed ACL file errors <errs>: a file that
 * cannot be opened is reported alone, other errors get the warning that
 * nothing changed. Returns a new sds. */
static sds aclFileErrorText(const char *errs) {
    if (!strncmp(errs, ACL_OPEN_ERROR, strlen(ACL_OPEN_ERROR)))
        return sdsNew(errs);
    return sdsCatPrintf(sdsEmpty(), "%sWARNING: ACL errors detected, no "
                                    "change to the previously active ACL "
                                    "rules was performed", errs);
}

/* The rules of a fresh default user: everything, no password. */
static void aclMakeDefaultRules(user *u) {
    const char *rules[] = {"+@all", "~*", "&*", "on", "nopass"};
    for (size_t j = 0; j < sizeof(rules) / sizeof(rules[0]); j++)
        userApply(u, rules[j], strlen(rules[j]));
}

/* Parses the ACL file into a new users dict (the default user included,
 * created as at start-up if the file does not name it). NULL with the
 * errors in *<errs> (new sds). */
static dict *aclParseFile(const char *path, sds *errs) {
    *errs = sdsEmpty();
    FILE *fp = fopen(path, "r");
    if (!fp) {
        *errs = sdsCatPrintf(*errs, ACL_OPEN_ERROR " '%s': %s", path,
                             strerror(errno));
        return NULL;
    }
    dict *users = dictCreate(&aclUsersDictType);
    char buf[16384];
    int linenum = 0;
    while (fgets(buf, sizeof(buf), fp)) {
        linenum++;
        sds line = sdsTrim(sdsNew(buf), " \t\r\n");
        if (sdsLen(line) == 0) {
            sdsFree(line);
            continue;
        }
        int argc = 0;
        sds *argv = sdsSplitLen(line, sdsLen(line), " ", 1, &argc);
        /* Empty fields come from repeated spaces: drop them. */
        int n = 0;
        for (int j = 0; j < argc; j++) {
            if (sdsLen(argv[j]))
                argv[n++] = argv[j];
            else
                sdsFree(argv[j]);
        }
        argc = n;
        sdsFree(line);
        if (argc < 2 || strcmp(argv[0], "user")) {
            *errs = sdsCatPrintf(*errs, "%s:%d should start with user "
                                        "keyword followed by the username. ",
                                 path, linenum);
            sdsFreeSplitRes(argv, argc);
            continue;
        }
        if (dictFetchValue(users, argv[1])) {
            *errs = sdsCatPrintf(*errs, "WARNING: Duplicate user '%s' found "
                                        "on line %d. ", argv[1], linenum);
            sdsFreeSplitRes(argv, argc);
            continue;
        }
        user *u = userCreateDetached(argv[1], sdsLen(argv[1]));
        sds where = sdsCatPrintf(sdsEmpty(), "%s:%d: ", path, linenum);
        if (userApplyArgs(u, argv + 2, argc - 2, errs, where) != C_OK) {
            userFree(u);
        } else {
            dictAdd(users, sdsDup(u->name), u);
        }
        sdsFree(where);
        sdsFreeSplitRes(argv, argc);
    }
    fclose(fp);
    if (sdsLen(*errs)) {
        dictRelease(users);
        return NULL;
    }
    return users;
}

static void aclUserDictDestructor(dict *d, void *val) {
    UNUSED(d);
    if (val != DefaultUser) userFree(val);
}

static void aclKeyDestructor(dict *d, void *key) {
    UNUSED(d);
    sdsFree(key);
}

static uint64_t aclKeyHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int aclKeyCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return sdsLen((sds)a) == sdsLen((sds)b) && !memcmp(a, b, sdsLen((sds)a));
}

dictType aclUsersDictType = {aclKeyHash, NULL, NULL, aclKeyCompare,
                             aclKeyDestructor, aclUserDictDestructor, NULL};

/* Replaces the users by those of <users> (consumed): the default user's
 * definition is copied into the existing DefaultUser (so that pointers to
 * it stay valid); the clients of every other old user are closed. */
static void aclReplaceUsers(dict *users) {
    sds defname = sdsNew("default");
    user *newdef = dictFetchValue(users, defname);
    if (newdef) {
        userCopy(DefaultUser, newdef);
        dictDelete(users, defname);
    } else {
        user *fresh = userCreateDetached("default", 7);
        aclMakeDefaultRules(fresh);
        userCopy(DefaultUser, fresh);
        userFree(fresh);
    }
    dictIterator *di = dictGetIterator(Users);
    dictEntry *de;
    while ((de = dictNext(di))) {
        user *u = dictGetVal(de);
        if (u != DefaultUser) aclKillClientsOfUser(u);
    }
    dictReleaseIterator(di);
    dictRelease(Users); /* the destructor spares DefaultUser */
    Users = users;
    dictAdd(Users, defname, DefaultUser);
    aclKillPubsubClientsIfNeeded(DefaultUser);
}

/* Applies the kept 'user' lines, or loads the aclfile; refuses both
 * together, as Redis 7.0 does (see acl.h). */
int aclLoadUsersAtStartup(void) {
    int have_lines = UsersToLoad && listLength(UsersToLoad);
    if (server.aclfile && have_lines) {
        serverLog(LL_WARNING, "Configuring Redis with users defined in "
                              "redis.conf and at the same setting an ACL "
                              "file path is invalid. This setup is very "
                              "likely to lead to configuration errors and "
                              "security holes, please define either an ACL "
                              "file or declare users directly in your "
                              "redis.conf, but not both.");
        return C_ERR;
    }
    if (have_lines) {
        listIter li;
        listNode *ln;
        listGetIterator(UsersToLoad, &li, AL_START_HEAD);
        while ((ln = listNext(&li))) {
            sds *argv = listNodeValue(ln);
            int argc = argvCount(argv);
            user *u = aclGetUserByName(argv[0], sdsLen(argv[0]));
            if (!u) u = aclCreateUser(argv[0], sdsLen(argv[0]));
            sds merr = NULL;
            int mc;
            sds *merged = aclMergeSelectorArgs(argv + 1, argc - 1, &mc, &merr);
            if (!merged) {
                serverLog(LL_WARNING, "Error in user declaration '%s': %s",
                          argv[0], merr);
                sdsFree(merr);
                return C_ERR;
            }
            for (int j = 0; j < mc; j++) {
                aclError e = userApply(u, merged[j], sdsLen(merged[j]));
                if (e) {
                    serverLog(LL_WARNING, "Error loading ACL rule '%s' for "
                                          "the user named '%s': %s",
                              merged[j], argv[0], aclErrorText(e));
                    serverLog(LL_WARNING, "Critical error while loading "
                                          "ACLs. Exiting.");
                    sdsFreeSplitRes(merged, mc);
                    return C_ERR;
                }
            }
            sdsFreeSplitRes(merged, mc);
        }
    }
    if (server.aclfile) {
        sds errs;
        dict *users = aclParseFile(server.aclfile, &errs);
        if (!users) {
            sds text = aclFileErrorText(errs);
            serverLog(LL_WARNING, "Aborting Redis startup because of ACL "
                                  "errors: %s", text);
            sdsFree(text);
            sdsFree(errs);
            return C_ERR;
        }
        sdsFree(errs);
        aclReplaceUsers(users);
    }
    return C_OK;
}

/* Writes every user to the ACL file (a temporary file renamed over it).
 * C_ERR with the reason logged. */
static int aclSaveToFile(const char *path) {
    sds tmp = sdsCatPrintf(sdsEmpty(), "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        serverLog(LL_WARNING, "Opening temp ACL file for ACL SAVE: %s",
                  strerror(errno));
        sdsFree(tmp);
        return C_ERR;
    }
    int n;
    sds *lines = aclDescribeAllUsers(&n);
    sds all = sdsEmpty();
    for (int j = 0; j < n; j++) all = sdsCat(sdsCatSds(all, lines[j]), "\n");
    sdsFreeSplitRes(lines, n);
    size_t off = 0;
    int ok = 1;
    while (off < sdsLen(all)) {
        ssize_t w = write(fd, all + off, sdsLen(all) - off);
        if (w <= 0) {
            ok = 0;
            break;
        }
        off += (size_t)w;
    }
    if (ok && fsync(fd) != 0) ok = 0;
    close(fd);
    sdsFree(all);
    if (!ok || rename(tmp, path) != 0) {
        serverLog(LL_WARNING, "Writing ACL file for ACL SAVE: %s",
                  strerror(errno));
        unlink(tmp);
        sdsFree(tmp);
        return C_ERR;
    }
    sdsFree(tmp);
    return C_OK;
}

/* ---------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------ */

static void aclCheckIdVisit(struct redisCommand *cmd, void *arg) {
    UNUSED(arg);
    serverAssert(cmd->id < ACL_MAX_COMMANDS);
}

/* Creates the users dict, the log and the default user (+@all ~* &*,
 * on, its password from requirepass). */
void aclInit(void) {
    if (aclInitialised) return;
    aclInitialised = 1;
    /* Every command id must have its bit in a selector's bitmap. */
    aclForEachCommand(aclCheckIdVisit, NULL);
    Users = dictCreate(&aclUsersDictType);
    AclLog = listCreate();
    DefaultUser = aclCreateUser("default", 7);
    aclMakeDefaultRules(DefaultUser);
    aclUpdateDefaultUserPassword(server.requirepass);
}

/* ---------------------------------------------------------------------
 * The ACL command
 * ------------------------------------------------------------------ */

static void aclReplyUser(client *c, user *u) {
    addReplyMapLen(c, 6);
    addReplyBulkCString(c, "flags");
    const char *flags[4];
    int nf = 0;
    userAddFlagNames(u, flags, &nf);
    addReplySetLen(c, nf);
    for (int j = 0; j < nf; j++) addReplyBulkCString(c, flags[j]);
    addReplyBulkCString(c, "passwords");
    addReplyArrayLen(c, listLength(u->passwords));
    listIter li;
    listNode *ln;
    listGetIterator(u->passwords, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) addReplyBulkCString(c, listNodeValue(ln));
    aclSelector *root = userRoot(u);
    addReplyBulkCString(c, "commands");
    addReplyBulkSds(c, selDescribeCommands(root));
    addReplyBulkCString(c, "keys");
    addReplyBulkSds(c, selDescribeKeys(root));
    addReplyBulkCString(c, "channels");
    addReplyBulkSds(c, selDescribeChannels(root, 0));
    addReplyBulkCString(c, "selectors");
    addReplyArrayLen(c, listLength(u->selectors) - 1);
    listGetIterator(u->selectors, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        if (s->flags & SEL_ROOT) continue;
        addReplyMapLen(c, 3);
        addReplyBulkCString(c, "commands");
        addReplyBulkSds(c, selDescribeCommands(s));
        addReplyBulkCString(c, "keys");
        addReplyBulkSds(c, selDescribeKeys(s));
        addReplyBulkCString(c, "channels");
        addReplyBulkSds(c, selDescribeChannels(s, 0));
    }
}

static void aclSetUser(client *c) {
    robj *name = c->argv[2];
    if (!validUserName(name->ptr, sdsLen(name->ptr))) {
        addReplyError(c, "Usernames can't contain spaces or null characters");
        return;
    }
    int argc = c->argc - 3;
    sds *argv = zmalloc(sizeof(sds) * (argc ? argc : 1));
    for (int j = 0; j < argc; j++) argv[j] = c->argv[j + 3]->ptr;
    sds merr = NULL;
    int mc;
    sds *merged = aclMergeSelectorArgs(argv, argc, &mc, &merr);
    zfree(argv);
    if (!merged) {
        addReplyErrorSds(c, merr);
        return;
    }
    user *existing = aclGetUserByName(name->ptr, sdsLen(name->ptr));
    /* Work on a copy so that a bad rule changes nothing. */
    user *work = existing ? userDup(existing)
                          : userCreateDetached(name->ptr, sdsLen(name->ptr));
    for (int j = 0; j < mc; j++) {
        aclError e = userApply(work, merged[j], sdsLen(merged[j]));
        if (e) {
            addReplyErrorFormat(c, "Error in ACL SETUSER modifier '%s': %s",
                                merged[j], aclErrorText(e));
            sdsFreeSplitRes(merged, mc);
            userFree(work);
            return;
        }
    }
    sdsFreeSplitRes(merged, mc);
    if (existing) {
        userCopy(existing, work);
        userFree(work);
        aclKillPubsubClientsIfNeeded(existing);
    } else {
        dictAdd(Users, sdsDup(work->name), work);
    }
    addReply(c, shared.ok);
}

static void aclDelUser(client *c) {
    long long deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        if (!strcmp(c->argv[j]->ptr, "default")) {
            addReplyError(c, "The 'default' user cannot be removed");
            return;
        }
    }
    for (int j = 2; j < c->argc; j++) {
        user *u = aclGetUserByName(c->argv[j]->ptr, sdsLen(c->argv[j]->ptr));
        if (!u) continue;
        aclKillClientsOfUser(u);
        dictDelete(Users, c->argv[j]->ptr);
        deleted++;
    }
    addReplyLongLong(c, deleted);
}

static void aclDryRun(client *c) {
    user *u = aclGetUserByName(c->argv[2]->ptr, sdsLen(c->argv[2]->ptr));
    if (!u) {
        addReplyErrorFormat(c, "User '%s' not found", (char *)c->argv[2]->ptr);
        return;
    }
    struct redisCommand *cmd = lookupCommand(c->argv + 3, c->argc - 3);
    if (!cmd) {
        addReplyErrorFormat(c, "Command '%s' not found",
                            (char *)c->argv[3]->ptr);
        return;
    }
    int argc = c->argc - 3;
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        addReplyErrorFormat(c, "wrong number of arguments for '%s' command",
                            cmd->fullname);
        return;
    }
    int pos = 0;
    int r = aclCheckUserCommand(u, cmd, c->argv + 3, argc, &pos);
    if (r == ACL_OK) {
        addReply(c, shared.ok);
        return;
    }
    sds msg;
    if (r == ACL_DENIED_CMD)
        msg = sdsCatPrintf(sdsEmpty(), "This user has no permissions to run "
                                       "the '%s' command", cmd->fullname);
    else
        msg = sdsCatPrintf(sdsEmpty(), "This user has no permissions to "
                                       "access the '%s' %s",
                           (char *)c->argv[3 + pos]->ptr,
                           r == ACL_DENIED_KEY ? "key" : "channel");
    addReplyBulkSds(c, msg);
}

typedef struct {
    client *c;
    uint64_t flag;
    long n;
} catList;

static void catListVisit(struct redisCommand *cmd, void *arg) {
    catList *cl = arg;
    if (!(cmd->acl_categories & cl->flag)) return;
    addReplyBulkCString(cl->c, cmd->fullname);
    cl->n++;
}

static void aclCat(client *c) {
    if (c->argc == 2) {
        int n = 0;
        while (aclCategories[n].name) n++;
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++)
            addReplyBulkCString(c, aclCategories[j].name);
        return;
    }
    if (c->argc != 3) {
        addReplySubcommandSyntaxError(c);
        return;
    }
    uint64_t flag = aclCategoryFlag(c->argv[2]->ptr);
    if (!flag) {
        addReplyErrorFormat(c, "Unknown category '%.128s'",
                            (char *)c->argv[2]->ptr);
        return;
    }
    void *len = addReplyDeferredLen(c);
    catList cl = {c, flag, 0};
    aclForEachCommand(catListVisit, &cl);
    setDeferredArrayLen(c, len, cl.n);
}

static void aclGenPass(client *c) {
    long long bits = 256;
    if (c->argc == 3 &&
        getLongLongFromObjectOrReply(c, c->argv[2], &bits, NULL) != C_OK)
        return;
    if (bits <= 0 || bits > 4096) {
        addReplyError(c, "ACL GENPASS argument must be the number of bits "
                         "for the output password, a positive number up to "
                         "4096");
        return;
    }
    size_t chars = (size_t)((bits + 3) / 4);
    char buf[1025];
    getRandomHexChars(buf, chars);
    addReplyBulkCBuffer(c, buf, chars);
}

static const char *aclNoFileError =
    "This Redis instance is not configured to use an ACL file. You may want "
    "to specify users via the ACL SETUSER command and then issue a CONFIG "
    "REWRITE (assuming you have a Redis configuration file set) in order to "
    "store users in the Redis configuration.";

static void aclLoad(client *c) {
    if (!server.aclfile) {
        addReplyError(c, aclNoFileError);
        return;
    }
    sds errs;
    dict *users = aclParseFile(server.aclfile, &errs);
    if (!users) {
        addReplyErrorSds(c, aclFileErrorText(errs));
        sdsFree(errs);
        return;
    }
    sdsFree(errs);
    aclReplaceUsers(users);
    addReply(c, shared.ok);
}

static void aclSave(client *c) {
    if (!server.aclfile) {
        addReplyError(c, aclNoFileError);
        return;
    }
    if (aclSaveToFile(server.aclfile) != C_OK) {
        addReplyError(c, "There was an error trying to save the ACLs. Please "
                         "check the server logs for more information");
        return;
    }
    addReply(c, shared.ok);
}

static void aclLogCommand(client *c) {
    long long count = 10;
    if (c->argc == 3) {
        if (!strcasecmp(c->argv[2]->ptr, "reset")) {
            if (AclLog) {
                listSetFreeMethod(AclLog, (void (*)(void *))aclLogEntryFree);
                listEmpty(AclLog);
                listSetFreeMethod(AclLog, NULL);
            }
            addReply(c, shared.ok);
            return;
        }
        if (getLongLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK)
            return;
    } else if (c->argc > 3) {
        addReplySubcommandSyntaxError(c);
        return;
    }
    aclLogReply(c, count);
}

/* ACL <subcommand> ...: see the help text below. */
void aclCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (!strcasecmp(sub, "setuser") && c->argc >= 3) {
        redactClientArgsFrom(c, 2); /* rules hold passwords */
        aclSetUser(c);
    } else if (!strcasecmp(sub, "deluser") && c->argc >= 3) {
        aclDelUser(c);
    } else if (!strcasecmp(sub, "getuser") && c->argc == 3) {
        user *u = aclGetUserByName(c->argv[2]->ptr, sdsLen(c->argv[2]->ptr));
        if (u)
            aclReplyUser(c, u);
        else
            addReplyNull(c);
    } else if ((!strcasecmp(sub, "list") || !strcasecmp(sub, "users")) &&
               c->argc == 2) {
        int list = !strcasecmp(sub, "list");
        int n;
        sds *names = aclSortedNames(&n);
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++) {
            if (list)
                addReplyBulkSds(c,
                                userDescribe(dictFetchValue(Users, names[j])));
            else
                addReplyBulkCBuffer(c, names[j], sdsLen(names[j]));
        }
        zfree(names);
    } else if (!strcasecmp(sub, "whoami") && c->argc == 2) {
        addReplyBulkCString(c, aclUserName(c->user));
    } else if (!strcasecmp(sub, "cat")) {
        aclCat(c);
    } else if (!strcasecmp(sub, "genpass") && c->argc <= 3) {
        aclGenPass(c);
    } else if (!strcasecmp(sub, "log") && c->argc <= 3) {
        aclLogCommand(c);
    } else if (!strcasecmp(sub, "load") && c->argc == 2) {
        aclLoad(c);
    } else if (!strcasecmp(sub, "save") && c->argc == 2) {
        aclSave(c);
    } else if (!strcasecmp(sub, "dryrun") && c->argc >= 4) {
        aclDryRun(c);
    } else if (!strcasecmp(sub, "help") && c->argc == 2) {
        static const char *help[] = {
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command "
            "categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command "
            "without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` "
            "argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
            NULL};
        addReplyHelp(c, help);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
