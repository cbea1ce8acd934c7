/* cmddocs: the "arguments" of COMMAND DOCS (Redis 7.0 reply shape). Each
 * documented command has one compact syntax string, written from the public
 * command syntax; it is parsed once, on first use, into a tree of arguments
 * that addReplyCommandArgs() sends.
 *
 * Notation (arguments separated by spaces):
 *   name            a string argument
 *   name:T          typed (a ':' not followed by exactly one character
 *                   is part of the name, e.g. "ip:port"): T is i integer, d double, k key, p pattern,
 *                   t unix-time, s string, - pure-token
 *   TOKEN/name:T    the argument is preceded by the token TOKEN
 *                   (an empty TOKEN, "/name", is the empty string token)
 *   UPPER           shorthand for UPPER/upper:- (a pure token named after
 *                   itself in lower case)
 *   name(a b c)     a block of arguments; name(a|b|c) one of them
 *   TOKEN/name(...) a block or oneof preceded by a token
 *   @N              after a key: its key_spec_index (default 0)
 *   ?               prefix: optional
 *   * / **          suffix: multiple / multiple with the token repeated
 *   {x.y.z}         suffix: the version the argument appeared in
 *   {-x.y.z}        suffix: the version that deprecated it
 * The table holds no prose; summaries are not given per argument. */
#include "server.h"
#include <ctype.h>

typedef struct cmdArg {
    char *name, *token, *since, *deprecated_since;
    const char *type;
    int ksidx; /* -1 unless a key */
    int optional, multiple, multiple_token;
    struct cmdArg *args; /* for block / oneof */
    int nargs;
} cmdArg;

typedef struct {
    const char *name; /* full name: "set", "config|get" */
    const char *syntax;
} cmdSyntax;

static const cmdSyntax cmdSyntaxTable[] = {
#include "cmddocs_table.h"
    {NULL, NULL}};

static dict *cmdArgsDict = NULL; /* fullname -> cmdArgList */

typedef struct {
    cmdArg *args;
    int nargs;
} cmdArgList;

static const char *typeName(char t) {
    switch (t) {
    case 'i': return "integer";
    case 'd': return "double";
    case 'k': return "key";
    case 'p': return "pattern";
    case 't': return "unix-time";
    case '-': return "pure-token";
    case 's': return "string";
    default: return NULL;
    }
}

static char *dupRange(const char *s, size_t len) {
    char *p = zmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* Parses a list of arguments from *pp until <end> ('\0', ')'); oneof lists
 * separate alternatives with '|'. Returns 0 on a syntax error. */
static int parseArgList(const char **pp, char end, cmdArgList *out,
                        int *is_oneof);

static int parseArg(const char **pp, cmdArg *a) {
    const char *p = *pp;
    memset(a, 0, sizeof(*a));
    a->ksidx = -1;
    if (*p == '?') {
        a->optional = 1;
        p++;
    }
    /* The word up to '(' or a delimiter. */
    const char *w = p;
    while (*p && *p != ' ' && *p != '|' && *p != ')' && *p != '(' &&
           !(*p == '*' && p > w && p[-1] != '/') && *p != '{' &&
           !(*p == '@' && p > w))
        p++;
    size_t wl = (size_t)(p - w);
    if (wl == 0) return 0;
    const char *slash = memchr(w, '/', wl);
    const char *nm = w;
    size_t nl = wl;
    if (slash) {
        a->token = dupRange(w, (size_t)(slash - w));
        nm = slash + 1;
        nl = wl - (size_t)(slash - w) - 1;
    }
    const char *colon = memrchr(nm, ':', nl);
    char t = 's';
    if (colon && colon + 2 != nm + nl) colon = NULL; /* e.g. "ip:port" */
    if (colon) {
        t = colon[1];
        nl = (size_t)(colon - nm);
    }
    if (!slash && !colon && *p != '(') {
        /* A bare upper-case word is a pure token. */
        int upper = 1;
        for (size_t i = 0; i < wl; i++)
            if (islower((unsigned char)w[i])) upper = 0;
        if (upper) {
            a->token = dupRange(w, wl);
            t = '-';
        }
    }
    if (!slash && !colon && a->token == NULL && *p != '(') t = 's';
    a->name = dupRange(nm, nl);
    for (char *c = a->name; *c; c++) *c = (char)tolower((unsigned char)*c);
    a->type = typeName(t);
    if (!a->type || nl == 0) return 0;
    if (t == 'k') a->ksidx = 0;
    if (*p == '(') {
        p++;
        cmdArgList sub;
        int oneof = 0;
        if (!parseArgList(&p, ')', &sub, &oneof)) return 0;
        if (*p != ')') return 0;
        p++;
        a->args = sub.args;
        a->nargs = sub.nargs;
        a->type = oneof ? "oneof" : "block";
    }
    if (*p == '@') {
        p++;
        if (!isdigit((unsigned char)*p)) return 0;
        a->ksidx = 0;
        while (isdigit((unsigned char)*p)) a->ksidx = a->ksidx * 10 + (*p++ - '0');
    }
    if (*p == '*') {
        a->multiple = 1;
        p++;
        if (*p == '*') {
            a->multiple_token = 1;
            p++;
        }
    }
    if (*p == '{') {
        const char *s = ++p;
        while (*p && *p != '}') p++;
        if (*p != '}') return 0;
        if (*s == '-') {
            s++;
            a->deprecated_since = dupRange(s, (size_t)(p - s));
        } else {
            a->since = dupRange(s, (size_t)(p - s));
        }
        p++;
    }
    *pp = p;
    return 1;
}

static int parseArgList(const char **pp, char end, cmdArgList *out,
                        int *is_oneof) {
    const char *p = *pp;
    out->args = NULL;
    out->nargs = 0;
    *is_oneof = 0;
    while (1) {
        while (*p == ' ') p++;
        if (*p == end) break;
        if (*p == '\0') return 0;
        out->args = zrealloc(out->args, sizeof(cmdArg) * (out->nargs + 1));
        if (!parseArg(&p, &out->args[out->nargs])) return 0;
        out->nargs++;
        if (*p == '|') {
            *is_oneof = 1;
            p++;
        } else if (*p != ' ' && *p != end) {
            return 0;
        }
    }
    *pp = p;
    return 1;
}

static void buildArgsDict(void) {
    cmdArgsDict = dictCreate(&commandTableDictType);
    for (const cmdSyntax *s = cmdSyntaxTable; s->name; s++) {
        cmdArgList *l = zmalloc(sizeof(*l));
        const char *p = s->syntax;
        int oneof;
        if (!parseArgList(&p, '\0', l, &oneof) || oneof) {
            serverLog(LL_WARNING, "cmddocs: bad syntax for %s", s->name);
            zfree(l);
            continue;
        }
        dictAdd(cmdArgsDict, sdsNew(s->name), l);
    }
}

static cmdArgList *argsOf(struct redisCommand *cmd) {
    if (!cmdArgsDict) buildArgsDict();
    return dictFetchValue(cmdArgsDict, cmd->fullname);
}

/* Whether COMMAND DOCS has "arguments" for <cmd>. */
int commandHasDocArgs(struct redisCommand *cmd) {
    cmdArgList *l = argsOf(cmd);
    return l && l->nargs > 0;
}

static void addReplyArgs(client *c, cmdArg *args, int n) {
    addReplyArrayLen(c, n);
    for (int i = 0; i < n; i++) {
        cmdArg *a = &args[i];
        int flags = a->optional + a->multiple + a->multiple_token;
        addReplyMapLen(c, 2 + (a->ksidx >= 0) + (a->token != NULL) +
                              (a->since != NULL) + (flags > 0) + (a->args != NULL) +
                              (a->deprecated_since != NULL));
        addReplyBulkCString(c, "name");
        addReplyBulkCString(c, a->name);
        addReplyBulkCString(c, "type");
        addReplyBulkCString(c, a->type);
        if (a->ksidx >= 0) {
            addReplyBulkCString(c, "key_spec_index");
            addReplyLongLong(c, a->ksidx);
        }
        if (a->token) {
            addReplyBulkCString(c, "token");
            addReplyBulkCString(c, a->token);
        }
        if (a->since) {
            addReplyBulkCString(c, "since");
            addReplyBulkCString(c, a->since);
        }
        if (a->deprecated_since) {
            addReplyBulkCString(c, "deprecated_since");
            addReplyBulkCString(c, a->deprecated_since);
        }
        if (flags) {
            addReplyBulkCString(c, "flags");
            addReplySetLen(c, flags);
            if (a->optional) addReplyStatus(c, "optional");
            if (a->multiple) addReplyStatus(c, "multiple");
            if (a->multiple_token) addReplyStatus(c, "multiple_token");
        }
        if (a->args) {
            addReplyBulkCString(c, "arguments");
            addReplyArgs(c, a->args, a->nargs);
        }
    }
}

/* Sends the value of the "arguments" field of <cmd>'s docs. */
void addReplyCommandArgs(client *c, struct redisCommand *cmd) {
    cmdArgList *l = argsOf(cmd);
    addReplyArgs(c, l->args, l->nargs);
}
