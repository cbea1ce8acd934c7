/* ldb.c: the Lua scripts debugger (SCRIPT DEBUG YES|SYNC|NO).
 *
 * Owns: the one debugging session there can be at a time in a process:
 * the source lines of the script, breakpoints, the stepping state, the log
 * of lines sent to the client, and the blocking conversation with the
 * client on its connection while the script is stopped.
 * Must not touch: the script cache (eval.c), the running of scripts and the
 * conversions (script_lua.c), which call in here through ldb.h.
 *
 * Sessions: with SCRIPT DEBUG YES the next EVAL of the client runs in a
 * forked child that owns the client's connection from then on (the parent
 * drops its copy without sending anything: no TLS close_notify), so the
 * script's writes vanish with the child. With SYNC the script runs in the
 * server, which serves no one else meanwhile, and its writes stay. Either
 * way the connection is closed once the script ended.
 *
 * The protocol is the one Redis 7.0 speaks ("Debugging Lua scripts in
 * Redis"): the client sends commands as RESP arrays; every answer is an
 * array of status lines; the last one of a session is "<endsession>",
 * followed by the script's reply. */
#include "ldb.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#define LDB_MAX_BREAKPOINTS 64
#define LDB_MAXLEN_DEFAULT 256
#define LDB_MAXLEN_MIN 60
#define LDB_MAX_ARGS 1024
#define LDB_MAX_ARG_LEN (1024 * 1024)

static struct {
    int active;       /* a session runs in this process */
    int sync;         /* SCRIPT DEBUG SYNC (else: in a forked child) */
    int gone;         /* the client disconnected or broke the protocol */
    int ioerr;        /* the connection failed (else it may be closed) */
    int abort;        /* stop the script at the next line */
    int step;         /* stop at the next line */
    int luabp;        /* redis.breakpoint() was called */
    int inrepl;       /* serving a debugger command */
    client *c;
    lua_State *L;
    sds *lines;       /* the script's source, one entry per line */
    int nlines;
    int bp[LDB_MAX_BREAKPOINTS];
    int nbp;
    int currentline;
    size_t maxlen;    /* 0: unlimited */
    sds *log;         /* lines waiting to be sent */
    int nlog;
    sds inbuf;        /* bytes read from the client, not parsed yet */
} ldb;

/* The children running SCRIPT DEBUG YES sessions, reaped by serverCron. */
#define LDB_MAX_CHILDREN 1024
static pid_t ldbChildren[LDB_MAX_CHILDREN];
static int ldbNumChildren;

/* Collects the exit status of finished debugging children. */
void ldbReapChildren(void) {
    for (int j = 0; j < ldbNumChildren; j++) {
        int status;
        if (waitpid(ldbChildren[j], &status, WNOHANG) != 0) {
            ldbChildren[j--] = ldbChildren[--ldbNumChildren];
        }
    }
}

/* Shutdown hook: the sessions of SCRIPT DEBUG YES end with the server
 * (their clients see the connection close), as in Redis. */
static int ldbKillChildren(int flags) {
    UNUSED(flags);
    for (int j = 0; j < ldbNumChildren; j++) {
        serverLog(LL_WARNING, "Killing debugging session %ld", (long)ldbChildren[j]);
        kill(ldbChildren[j], SIGKILL);
    }
    ldbNumChildren = 0;
    return C_OK;
}

/* Registers the debugger's shutdown hook; called once at start-up. */
void ldbInit(void) {
    registerShutdownHook(ldbKillChildren);
}

/* 1 while this process runs a debugging session. */
int ldbIsActive(void) {
    return ldb.active;
}

static void ldbLog(sds line) {
    ldb.log = zrealloc(ldb.log, sizeof(sds) * (size_t)(ldb.nlog + 1));
    ldb.log[ldb.nlog++] = line;
}

/* Writes all of <buf> on the session's connection (blocking). A failure
 * marks the client gone. */
static void ldbWrite(const char *buf, size_t len) {
    connection *conn = ldb.c->conn;
    while (len && !ldb.gone) {
        ssize_t n = connWrite(conn, buf, len);
        if (n <= 0) {
            if (n == -1 && connGetState(conn) == CONN_STATE_CONNECTED)
                continue; /* interrupted; the socket is blocking */
            ldb.gone = 1;
            ldb.ioerr = 1;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Sends the log as one array of status lines and empties it. */
static void ldbSendLog(void) {
    sds out = sdsCatPrintf(sdsEmpty(), "*%d\r\n", ldb.nlog);
    for (int j = 0; j < ldb.nlog; j++) {
        /* A status line cannot hold CR or LF. */
        for (size_t k = 0; k < sdsLen(ldb.log[j]); k++)
            if (ldb.log[j][k] == '\r' || ldb.log[j][k] == '\n')
                ldb.log[j][k] = ' ';
        out = sdsCatPrintf(out, "+%s\r\n", ldb.log[j]);
        sdsFree(ldb.log[j]);
    }
    zfree(ldb.log);
    ldb.log = NULL;
    ldb.nlog = 0;
    ldbWrite(out, sdsLen(out));
    sdsFree(out);
}

/* Appends <s> quoted as Redis quotes bytes ("..." with escapes). */
static sds ldbCatRepr(sds out, const char *s, size_t len) {
    out = sdsCat(out, "\"");
    for (size_t j = 0; j < len; j++) {
        unsigned char ch = (unsigned char)s[j];
        switch (ch) {
        case '\\': out = sdsCat(out, "\\\\"); break;
        case '"': out = sdsCat(out, "\\\""); break;
        case '\n': out = sdsCat(out, "\\n"); break;
        case '\r': out = sdsCat(out, "\\r"); break;
        case '\t': out = sdsCat(out, "\\t"); break;
        case '\a': out = sdsCat(out, "\\a"); break;
        case '\b': out = sdsCat(out, "\\b"); break;
        default:
            if (isprint(ch)) out = sdsCatLen(out, (const char *)&ch, 1);
            else out = sdsCatPrintf(out, "\\x%02x", ch);
        }
    }
    return sdsCat(out, "\"");
}

/* Cuts the line <s> (its "<value> " prefix included, as Redis counts) to
 * maxlen bytes, saying so. Returns the line (it may have moved). */
static sds ldbTrim(sds s) {
    if (ldb.maxlen && sdsLen(s) > ldb.maxlen) {
        sdsRange(s, 0, (ssize_t)ldb.maxlen - 1);
        s = sdsCat(s, " ...");
    }
    return s;
}

/* Appends the Lua value at <idx> of <L> as the debugger shows values:
 * strings quoted, numbers as Lua prints them, tables as {a; b} when they
 * are sequences and {[k]=v; ...} otherwise. */
static sds ldbCatLuaValue(sds out, lua_State *L, int idx, int depth) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return ldbCatRepr(out, s, len);
    }
    case LUA_TNUMBER:
        return sdsCatPrintf(out, "%.14g", (double)lua_tonumber(L, idx));
    case LUA_TBOOLEAN:
        return sdsCat(out, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TNIL:
        return sdsCat(out, "nil");
    case LUA_TTABLE: {
        if (depth > 16 || sdsLen(out) > 1024 * 1024) return sdsCat(out, "{...}");
        size_t n = lua_objlen(L, idx), count = 0;
        int seq = 1;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            count++;
            if (lua_type(L, -2) != LUA_TNUMBER) seq = 0;
            lua_pop(L, 1);
        }
        if (count != n) seq = 0;
        out = sdsCat(out, "{");
        int first = 1;
        if (seq) {
            for (size_t j = 1; j <= n; j++) {
                if (!first) out = sdsCat(out, "; ");
                first = 0;
                lua_rawgeti(L, idx, (int)j);
                out = ldbCatLuaValue(out, L, -1, depth + 1);
                lua_pop(L, 1);
            }
        } else {
            lua_pushnil(L);
            while (lua_next(L, idx)) {
                if (!first) out = sdsCat(out, "; ");
                first = 0;
                out = sdsCat(out, "[");
                out = ldbCatLuaValue(out, L, -2, depth + 1);
                out = sdsCat(out, "]=");
                out = ldbCatLuaValue(out, L, -1, depth + 1);
                lua_pop(L, 1);
            }
        }
        return sdsCat(out, "}");
    }
    default: {
        /* Functions, userdata, threads: quoted "type@address". */
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "%s@%p",
                         lua_typename(L, lua_type(L, idx)), lua_topointer(L, idx));
        return ldbCatRepr(out, buf, (size_t)n);
    }
    }
}

/* Appends the RESP reply at *<p> (up to <end>) in the debugger's words;
 * advances *<p>. Returns NULL on a malformed reply. */
static sds ldbCatResp(sds out, const char **p, const char *end) {
    const char *s = *p;
    const char *nl = memchr(s, '\r', (size_t)(end - s));
    if (!nl || nl + 1 >= end) return NULL;
    long long n = 0;
    int neg = 0;
    for (const char *q = s + 1; q < nl; q++) {
        if (*q == '-') neg = 1;
        else if (isdigit((unsigned char)*q)) n = n * 10 + (*q - '0');
    }
    if (neg) n = -n;
    *p = nl + 2;
    switch (s[0]) {
    case '+': case '-':
        return ldbCatRepr(out, s, (size_t)(nl - s));
    case ':':
        return sdsCatLen(out, s + 1, (size_t)(nl - s - 1));
    case ',':
        return sdsCatLen(out, s + 1, (size_t)(nl - s - 1));
    case '_':
        return sdsCat(out, "NULL");
    case '#':
        return sdsCat(out, s[1] == 't' ? "#true" : "#false");
    case '$': case '=': case '!': case '(':
        if (n < 0) return sdsCat(out, "NULL");
        if (end - *p < n + 2) return NULL;
        out = ldbCatRepr(out, *p, (size_t)n);
        *p += n + 2;
        return out;
    case '*': case '~': case '>': case '%': {
        if (n < 0) return sdsCat(out, "NULL");
        int map = s[0] == '%';
        out = sdsCat(out, map ? "{" : (s[0] == '~' ? "~(" : "["));
        long long items = map ? n * 2 : n;
        for (long long j = 0; j < items && out; j++) {
            if (j) out = sdsCat(out, (map && (j & 1)) ? " => " : ",");
            out = ldbCatResp(out, p, end);
        }
        if (!out) return NULL;
        return sdsCat(out, map ? "}" : (s[0] == '~' ? ")" : "]"));
    }
    default:
        return NULL;
    }
}

/* Logs "<redis> cmd args" for a redis.call/pcall of the session. */
void ldbLogRedisCall(robj **argv, int argc) {
    if (!ldb.step && !ldb.inrepl) return; /* "continue" runs silently */
    sds line = sdsNew("<redis>");
    for (int j = 0; j < argc; j++) {
        robj *o = getDecodedObject(argv[j]);
        line = sdsCat(line, " ");
        line = sdsCatSds(line, o->ptr);
        decrRefCount(o);
    }
    ldbLog(line);
}

/* Logs "<reply> ..." for the RESP <reply> of a redis.call/pcall. */
void ldbLogRedisReply(const char *reply, size_t len) {
    if (!ldb.step && !ldb.inrepl) return;
    const char *p = reply;
    sds v = ldbCatResp(sdsNew("<reply> "), &p, reply + len);
    if (!v) v = sdsNew("<reply> (unreadable reply)");
    ldbLog(ldbTrim(v));
}

/* Logs "<error> <msg>" (the code "ERR " left out) for a redis.call/pcall
 * refused before the command ran. */
void ldbLogError(const char *msg) {
    if (!ldb.step && !ldb.inrepl) return;
    if (!strncmp(msg, "ERR ", 4)) msg += 4;
    ldbLog(sdsCatPrintf(sdsEmpty(), "<error> %s", msg));
}

static const char *ldbLine(int line) {
    if (line < 1 || line > ldb.nlines) return "<out of range source code line>";
    return ldb.lines[line - 1];
}

static int ldbIsBreakpoint(int line) {
    for (int j = 0; j < ldb.nbp; j++)
        if (ldb.bp[j] == line) return 1;
    return 0;
}

static void ldbLogSourceLine(int line) {
    const char *prefix = line == ldb.currentline ? "->" : "  ";
    ldbLog(sdsCatPrintf(sdsEmpty(), "%s%s%-3d %s", prefix,
                        ldbIsBreakpoint(line) ? "#" : " ", line, ldbLine(line)));
}

/* Lines <around> +/- <context> (all of them for context 0 with around 1
 * and a huge context, as "whole" asks). */
static void ldbList(int around, int context) {
    for (int j = 1; j <= ldb.nlines; j++)
        if (around == 0 || (j >= around - context && j <= around + context))
            ldbLogSourceLine(j);
}

/* redis.debug(...) inside a session: logs its arguments. */
int ldbDebug(lua_State *L) {
    lua_Debug ar;
    int line = -1;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar)) line = ar.currentline;
    sds s = sdsCatPrintf(sdsEmpty(), "<debug> line %d: ", line);
    int argc = lua_gettop(L);
    for (int j = 1; j <= argc; j++) {
        if (j > 1) s = sdsCat(s, ", ");
        s = ldbCatLuaValue(s, L, j, 0);
    }
    ldbLog(s); /* not cut: the script asked for all of it */
    return 0;
}

/* redis.breakpoint() inside a session: stop at the next line. */
int ldbBreakpoint(lua_State *L) {
    ldb.luabp = 1;
    lua_pushboolean(L, 1);
    return 1;
}

/* Reads one RESP array from the client into a new sds vector (*<argc>
 * entries). NULL when the client is gone or broke the protocol. */
static sds *ldbReadCommand(int *argc) {
    for (;;) {
        /* Try to parse what is there. */
        const char *p = ldb.inbuf, *end = ldb.inbuf + sdsLen(ldb.inbuf);
        if (p < end) {
            if (*p != '*') goto broken;
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl) {
                long long n = strtoll(p + 1, NULL, 10);
                if (n <= 0 || n > LDB_MAX_ARGS) goto broken;
                sds *argv = zcalloc(sizeof(sds) * (size_t)n);
                const char *q = nl + 1;
                int got = 0;
                for (; got < n; got++) {
                    if (q >= end) break;
                    if (*q != '$') {
                        for (int j = 0; j < got; j++) sdsFree(argv[j]);
                        zfree(argv);
                        goto broken;
                    }
                    const char *l = memchr(q, '\n', (size_t)(end - q));
                    if (!l) break;
                    long long len = strtoll(q + 1, NULL, 10);
                    if (len < 0 || len > LDB_MAX_ARG_LEN) {
                        for (int j = 0; j < got; j++) sdsFree(argv[j]);
                        zfree(argv);
                        goto broken;
                    }
                    if (end - (l + 1) < len + 2) break;
                    argv[got] = sdsNewLen(l + 1, (size_t)len);
                    q = l + 1 + len + 2;
                }
                if (got == n) {
                    sdsRange(ldb.inbuf, q - ldb.inbuf, -1);
                    *argc = (int)n;
                    return argv;
                }
                for (int j = 0; j < got; j++) sdsFree(argv[j]);
                zfree(argv);
            }
            if (sdsLen(ldb.inbuf) > LDB_MAX_ARG_LEN * 2) goto broken;
        }
        char buf[16 * 1024];
        ssize_t nread = connRead(ldb.c->conn, buf, sizeof(buf));
        if (nread <= 0) {
            if (nread == -1 && connGetState(ldb.c->conn) == CONN_STATE_CONNECTED)
                continue;
            ldb.gone = 1;
            ldb.ioerr = 1;
            return NULL;
        }
        ldb.inbuf = sdsCatLen(ldb.inbuf, buf, (size_t)nread);
    }
broken:
    ldb.gone = 1;
    return NULL;
}

static void ldbHelp(void) {
    static const char *help[] = {
        "Redis Lua debugger help:",
        "[h]elp               Show this help.",
        "[s]tep               Run current line and stop again.",
        "[n]ext               Alias for step.",
        "[c]ontinue           Run till next breakpoint.",
        "[l]ist               List source code around current line.",
        "[l]ist [line]        List source code around [line].",
        "                     line = 0 means: current position.",
        "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
        "                     to show before/after [line].",
        "[w]hole              List all source code. Alias for 'list 1 1000000'.",
        "[p]rint              Show all the local variables.",
        "[p]rint <var>        Show the value of the specified variable.",
        "                     Can also show global vars KEYS and ARGV.",
        "[b]reak              Show all breakpoints.",
        "[b]reak <line>       Add a breakpoint to the specified line.",
        "[b]reak -<line>      Remove breakpoint from the specified line.",
        "[b]reak 0            Remove all breakpoints.",
        "[t]race              Show a backtrace.",
        "[e]val <code>        Execute some Lua code (in a different callframe).",
        "[r]edis <cmd>        Execute a Redis command.",
        "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
        "                     Specifying zero as <len> means unlimited.",
        "[a]bort              Stop the execution of the script. In sync",
        "                     mode dataset changes will be retained.",
        "",
        "Debugger functions you can call from Lua scripts:",
        "redis.debug()        Produce logs in the debugger console.",
        "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
        "                     next line of code.",
        NULL};
    for (int j = 0; help[j]; j++) ldbLog(sdsNew(help[j]));
}

static int ldbGetGlobal(lua_State *L) {
    lua_getglobal(L, lua_tostring(L, 1));
    return 1;
}

/* print [var]: the locals of the stopped function, or one of them (or a
 * global such as KEYS / ARGV). */
static void ldbPrint(lua_State *L, const char *name) {
    lua_Debug ar;
    int found = 0;
    if (lua_getstack(L, 0, &ar)) {
        const char *n;
        for (int j = 1; (n = lua_getlocal(L, &ar, j)) != NULL; j++) {
            if (!strncmp(n, "(*", 2)) { /* Lua's temporaries */
                lua_pop(L, 1);
                continue;
            }
            if (name == NULL || !strcmp(name, n)) {
                sds v = name ? sdsNew("<value> ")
                             : sdsCatPrintf(sdsEmpty(), "<value> %s = ", n);
                v = ldbCatLuaValue(v, L, -1, 0);
                ldbLog(ldbTrim(v));
                found = 1;
            }
            lua_pop(L, 1);
            if (found && name) return;
        }
    }
    if (name && !found) {
        /* The globals table refuses unknown names with an error. */
        lua_pushcfunction(L, ldbGetGlobal);
        lua_pushstring(L, name);
        if (lua_pcall(L, 1, 1, 0) == 0 && !lua_isnil(L, -1)) {
            sds v = ldbCatLuaValue(sdsNew("<value> "), L, -1, 0);
            ldbLog(ldbTrim(v));
            found = 1;
        }
        lua_pop(L, 1);
        if (!found) ldbLog(sdsNew("No such variable."));
    } else if (!name && !found) {
        ldbLog(sdsNew("No local variables in the current context."));
    }
}

static void ldbBreak(int argc, sds *argv) {
    if (argc == 1) {
        if (ldb.nbp == 0) {
            ldbLog(sdsNew("No breakpoints set. Use 'b <line>' to add one."));
            return;
        }
        ldbLog(sdsCatPrintf(sdsEmpty(), "%i breakpoints set:", ldb.nbp));
        for (int j = 0; j < ldb.nbp; j++) ldbLogSourceLine(ldb.bp[j]);
        return;
    }
    for (int j = 1; j < argc; j++) {
        char *end;
        long line = strtol(argv[j], &end, 10);
        if (*end != '\0' || end == argv[j]) {
            ldbLog(sdsNew("Invalid argument:'"));
            ldb.log[ldb.nlog - 1] = sdsCatPrintf(ldb.log[ldb.nlog - 1], "%s'", argv[j]);
        } else if (line == 0) {
            ldb.nbp = 0;
            ldbLog(sdsNew("All breakpoints removed."));
        } else if (line > 0) {
            if (line > ldb.nlines) {
                ldbLog(sdsNew("Wrong line number."));
            } else if (ldbIsBreakpoint((int)line) || ldb.nbp == LDB_MAX_BREAKPOINTS) {
                ldbLog(sdsNew("Breakpoint already set or too many breakpoints."));
            } else {
                ldb.bp[ldb.nbp++] = (int)line;
                ldbList((int)line, 1);
            }
        } else {
            int removed = 0;
            for (int k = 0; k < ldb.nbp; k++)
                if (ldb.bp[k] == -line) {
                    ldb.bp[k] = ldb.bp[--ldb.nbp];
                    removed = 1;
                    break;
                }
            ldbLog(sdsNew(removed ? "Breakpoint removed."
                                  : "No breakpoint in the specified line."));
        }
    }
}

static void ldbTrace(lua_State *L) {
    lua_Debug ar;
    int level = 0, shown = 0;
    while (lua_getstack(L, level, &ar)) {
        lua_getinfo(L, "Snl", &ar);
        if (ar.source && !strcmp(ar.source, "@user_script")) {
            const char *prefix = shown ? "From" : "In";
            ldbLog(sdsCatPrintf(sdsEmpty(), "%s %s:", prefix,
                                ar.name ? ar.name : "top level"));
            int saved = ldb.currentline;
            ldb.currentline = shown ? -1 : ar.currentline;
            ldbLogSourceLine(ar.currentline);
            ldb.currentline = saved;
            shown++;
        }
        level++;
    }
    if (!shown) ldbLog(sdsNew("<error> Can't retrieve Lua stack."));
}

/* eval <code>: runs <code> as a new chunk (it sees globals, not locals). */
static void ldbEval(lua_State *L, int argc, sds *argv) {
    sds code = sdsEmpty();
    for (int j = 1; j < argc; j++) {
        if (j > 1) code = sdsCat(code, " ");
        code = sdsCatSds(code, argv[j]);
    }
    sds ret = sdsCatSds(sdsNew("return "), code);
    /* As an expression first, then as statements. */
    if (luaL_loadbuffer(L, ret, sdsLen(ret), "@ldb_eval")) {
        lua_pop(L, 1);
        if (luaL_loadbuffer(L, code, sdsLen(code), "@ldb_eval")) {
            ldbLog(sdsCatPrintf(sdsEmpty(), "<error> %s", lua_tostring(L, -1)));
            lua_pop(L, 1);
            sdsFree(ret);
            sdsFree(code);
            return;
        }
    }
    sdsFree(ret);
    sdsFree(code);
    if (lua_pcall(L, 0, 1, 0)) {
        const char *e = lua_tostring(L, -1);
        if (!e && lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            e = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        ldbLog(sdsCatPrintf(sdsEmpty(), "<error> %s", e ? e : "unknown error"));
        lua_pop(L, 1);
        return;
    }
    sds v = ldbCatLuaValue(sdsNew("<retval> "), L, -1, 0);
    ldbLog(ldbTrim(v));
    lua_pop(L, 1);
}

/* redis <cmd> ...: runs the command through redis.pcall, which logs it. */
static void ldbRedis(lua_State *L, int argc, sds *argv) {
    lua_getglobal(L, "redis");
    lua_getfield(L, -1, "pcall");
    for (int j = 1; j < argc; j++) lua_pushlstring(L, argv[j], sdsLen(argv[j]));
    if (lua_pcall(L, argc - 1, 1, 0)) {
        const char *e = lua_tostring(L, -1);
        ldbLog(sdsCatPrintf(sdsEmpty(), "<error> %s", e ? e : "unknown error"));
    }
    lua_pop(L, 2);
}

static void ldbMaxlen(int argc, sds *argv) {
    if (argc == 2) {
        long long n = strtoll(argv[1], NULL, 10);
        if (n < 0) n = 0;
        if (n && n < LDB_MAXLEN_MIN) n = LDB_MAXLEN_MIN;
        ldb.maxlen = (size_t)n;
    }
    if (ldb.maxlen)
        ldbLog(sdsCatPrintf(sdsEmpty(), "<value> replies are truncated at %d bytes.",
                            (int)ldb.maxlen));
    else
        ldbLog(sdsNew("<value> replies are unlimited."));
}

/* Stopped at ldb.currentline: sends the log and serves the client's
 * commands until one of them resumes the script. */
static void ldbRepl(lua_State *L) {
    for (;;) {
        /* A client gone lets the script run to its end, unobserved (as
         * Redis does: in SYNC mode its writes stay). */
        ldbSendLog();
        if (ldb.gone) return;
        int argc = 0;
        sds *argv = ldbReadCommand(&argc);
        if (!argv) return;
        const char *cmd = argv[0];
        int resume = 0;
#define IS(a, b) (!strcasecmp(cmd, a) || !strcasecmp(cmd, b))
        if (IS("s", "step") || IS("n", "next")) {
            ldb.step = 1;
            resume = 1;
        } else if (IS("c", "continue")) {
            resume = 1;
        } else if (IS("a", "abort")) {
            ldb.abort = 1;
            resume = 1;
        } else if (IS("h", "help")) {
            ldbHelp();
        } else if (IS("l", "list") && argc <= 3) {
            int around = ldb.currentline, ctx = 5;
            if (argc > 1) {
                int n = atoi(argv[1]);
                if (n != 0) around = n;
            }
            if (argc > 2) ctx = atoi(argv[2]);
            ldbList(around, ctx);
        } else if (IS("w", "whole")) {
            ldbList(1, 1000000);
        } else if (IS("p", "print") && argc <= 2) {
            ldbPrint(L, argc == 2 ? argv[1] : NULL);
        } else if (IS("b", "break")) {
            ldbBreak(argc, argv);
        } else if (IS("t", "trace")) {
            ldbTrace(L);
        } else if (IS("e", "eval")) {
            ldbEval(L, argc, argv);
        } else if ((IS("r", "redis")) && argc > 1) {
            ldbRedis(L, argc, argv);
        } else if (IS("m", "maxlen") && argc <= 2) {
            ldbMaxlen(argc, argv);
        } else {
            ldbLog(sdsNew("<error> Unknown Redis Lua debugger command or wrong "
                          "number of arguments."));
        }
#undef IS
        for (int j = 0; j < argc; j++) sdsFree(argv[j]);
        zfree(argv);
        if (resume) return;
    }
}

/* The line hook of a debugged script. */
static void ldbHook(lua_State *L, lua_Debug *ar) {
    if (!lua_getinfo(L, "Sl", ar)) return;
    if (ar->currentline < 0 || !ar->source || strcmp(ar->source, "@user_script"))
        return;
    ldb.currentline = ar->currentline;
    if (ldb.gone) return;
    if (ldb.abort) {
        lua_sethook(L, ldbHook, LUA_MASKLINE, 0);
        lua_newtable(L);
        lua_pushstring(L, "err");
        lua_pushstring(L, "ERR script aborted for user request");
        lua_settable(L, -3);
        lua_error(L);
        return;
    }
    const char *reason = NULL;
    if (ldb.step) reason = "step over";
    else if (ldb.luabp) reason = "redis.breakpoint() called";
    else if (ldbIsBreakpoint(ar->currentline)) reason = "break point";
    if (!reason) return;
    ldb.step = 0;
    ldb.luabp = 0;
    ldbLog(sdsCatPrintf(sdsEmpty(), "* Stopped at %d, stop reason = %s",
                        ar->currentline, reason));
    ldbLogSourceLine(ar->currentline);
    ldb.inrepl = 1;
    ldbRepl(L);
    ldb.inrepl = 0;
    if (ldb.abort && !ldb.gone) {
        lua_newtable(L);
        lua_pushstring(L, "err");
        lua_pushstring(L, "ERR script aborted for user request");
        lua_settable(L, -3);
        lua_error(L);
    }
}

/* Sets the debugger's hook on <L> for the script about to run. */
void ldbSetHook(lua_State *L) {
    lua_sethook(L, ldbHook, LUA_MASKLINE, 0);
}

static void ldbStart(client *c, lua_State *L, sds body) {
    memset(&ldb, 0, sizeof(ldb));
    ldb.active = 1;
    ldb.sync = (c->flags & CLIENT_LUA_DEBUG_SYNC) != 0;
    ldb.c = c;
    ldb.L = L;
    ldb.step = 1;
    ldb.maxlen = LDB_MAXLEN_DEFAULT;
    ldb.inbuf = sdsEmpty();
    ldb.lines = sdsSplitLen(body, (ssize_t)sdsLen(body), "\n", 1, &ldb.nlines);
    /* A trailing newline ends the last line rather than starting one. */
    if (ldb.nlines > 0 && sdsLen(ldb.lines[ldb.nlines - 1]) == 0 &&
        sdsLen(body) > 0) {
        sdsFree(ldb.lines[ldb.nlines - 1]);
        ldb.nlines--;
    }
}

static void ldbEnd(void) {
    sdsFreeSplitRes(ldb.lines, ldb.nlines + (ldb.lines ? 0 : 0));
    for (int j = 0; j < ldb.nlog; j++) sdsFree(ldb.log[j]);
    zfree(ldb.log);
    sdsFree(ldb.inbuf);
    memset(&ldb, 0, sizeof(ldb));
}

/* Writes the client's pending reply (its buffer and reply list) on the
 * blocking connection. */
static void ldbFlushClientReply(client *c, int write) {
    listNode *ln;
    while ((ln = listFirst(c->reply))) {
        clientReplyBlock *b = listNodeValue(ln);
        if (write && b->used > c->sentlen)
            ldbWrite(b->buf + c->sentlen, b->used - c->sentlen);
        c->sentlen = 0;
        zfree(b);
        listDelNode(c->reply, ln);
    }
    c->reply_bytes = 0;
}

/* Runs <run> (which runs the script through scriptRunFunction) under the
 * debugger for <c>, as SCRIPT DEBUG asked: see ldb.h. */
void ldbRunScript(client *c, lua_State *L, sds body,
                  void (*run)(client *c, void *arg), void *arg) {
    int sync = (c->flags & CLIENT_LUA_DEBUG_SYNC) != 0;
    c->flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
    if (!c->conn) {
        run(c, arg);
        return;
    }
    if (!sync) {
        /* The parent forgets the connection's events before the fork, so
         * that neither process keeps the socket in the shared epoll set. */
        if (connSetReadHandler(c->conn, NULL) == -1 ||
            connSetWriteHandler(c->conn, NULL) == -1) {
            addReplyError(c, "can't run EVAL in debugging mode: the "
                             "connection failed");
            freeClientAsync(c);
            return;
        }
        ldbReapChildren();
        if (ldbNumChildren == LDB_MAX_CHILDREN) {
            addReplyError(c, "Too many Lua debugging sessions running");
            if (connSetReadHandler(c->conn, readQueryFromClient) == -1)
                freeClientAsync(c);
            return;
        }
        pid_t pid = serverFork(FORK_LDB);
        if (pid == -1) {
            addReplyErrorFormat(c, "Fork() failed: can't run EVAL in debugging mode: %s",
                                strerror(errno));
            if (connSetReadHandler(c->conn, readQueryFromClient) == -1)
                freeClientAsync(c);
            return;
        }
        if (pid > 0) {
            ldbChildren[ldbNumChildren++] = pid;
            /* The child owns the conversation now: drop our copy of the
             * connection without a word to the peer (no TLS close_notify),
             * and the client with it. */
            connForget(c->conn);
            ldbFlushClientReply(c, 0);
            freeClientAsync(c);
            return;
        }
    }
    serverLog(LL_WARNING, sync ? "Redis synchronous debugging eval session started"
                               : "Redis forked for debugging eval");
    /* The session talks blocking. What the client was still owed (an
     * EXEC's array header) goes out after <endsession>, as in Redis. */
    if (connBlock(c->conn) == -1) {
        if (!sync) _exit(1);
    }
    ldbStart(c, L, body);
    run(c, arg);
    if (!ldb.gone) {
        ldbLog(sdsNew("<endsession>"));
        ldbSendLog();
        ldbFlushClientReply(c, 1);
    }
    int ioerr = ldb.ioerr;
    ldbEnd();
    if (!sync) {
        serverLog(LL_WARNING, "Lua debugging session child exiting");
        /* A proper end of the stream (TLS: close_notify). Its events were
         * cleared before the fork, so the shared epoll set is untouched. */
        if (!ioerr) {
            /* We are inside the connection's read handler, whose reference
             * would only schedule the close; this process never returns
             * to that handler, so the references are dropped first. */
            while (connHasRefs(c->conn)) connDecrRefs(c->conn);
            connClose(c->conn);
        }
        _exit(0);
    }
    serverLog(LL_WARNING, "Redis synchronous debugging eval session ended");
    /* SYNC: the session ends the connection, as in Redis. */
    if (connNonBlock(c->conn) == -1)
        serverLog(LL_VERBOSE, "Lua debugging session: the socket stays blocking");
    freeClientAsync(c);
}

/* SCRIPT DEBUG YES|SYNC|NO */
void ldbScriptDebugCommand(client *c) {
    char *mode = c->argv[2]->ptr;
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "SCRIPT DEBUG must be called outside a pipeline");
        return;
    }
    if (!strcasecmp(mode, "no")) {
        c->flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
        addReply(c, shared.ok);
    } else if (!strcasecmp(mode, "yes")) {
        c->flags |= CLIENT_LUA_DEBUG;
        c->flags &= ~CLIENT_LUA_DEBUG_SYNC;
        addReply(c, shared.ok);
    } else if (!strcasecmp(mode, "sync")) {
        c->flags |= CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC;
        addReply(c, shared.ok);
    } else {
        addReplyError(c, "Use SCRIPT DEBUG YES/SYNC/NO");
    }
}
