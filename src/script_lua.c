/* script_lua.c: the Lua 5.1 engine shared by EVAL scripts and functions.
 *
 * Owns: the sandbox (which libraries a script sees, protected globals and
 * library tables, math.random), the redis.* API, the conversions between
 * Lua values and RESP2/RESP3 replies in both directions, running one Lua
 * function for a client, and the state of the running script (time limit,
 * nested event loop turns while it is busy, SCRIPT/FUNCTION KILL).
 * Must not touch: the script cache (eval.c) or the libraries (functions.c);
 * the network (other clients are served through processEventsWhileBlocked).
 *
 * Invariants: one script runs at a time (a busy script makes every other
 * command but the CMD_ALLOW_BUSY ones fail with -BUSY, so no script starts
 * while another runs); the commands a script calls run through call() with
 * one fake client, so their writes reach the AOF (and replicas) as effects
 * through the usual propagation path, wrapped in MULTI/EXEC when there are
 * several, and EVAL itself is never propagated.
 *
 * Behaviour follows Redis 7.0 (its documentation of EVAL, "Scripting with
 * Lua", "Lua API", and replies read from a running Redis 7.0). */
#include "script_lua.h"

#include <ctype.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <math.h>

#include "acl.h"
#include "ldb.h"
#include "sha1.h"

int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);

const scriptFlagName scriptFlagNames[] = {
    {SCRIPT_FLAG_NO_WRITES, "no-writes"},
    {SCRIPT_FLAG_ALLOW_OOM, "allow-oom"},
    {SCRIPT_FLAG_ALLOW_STALE, "allow-stale"},
    {SCRIPT_FLAG_NO_CLUSTER, "no-cluster"},
    {SCRIPT_FLAG_ALLOW_CROSS_SLOT, "allow-cross-slot-keys"},
    {0, NULL}};

/* ---------------------------------------------------------------------
 * The running script
 * ------------------------------------------------------------------ */

#define RUN_WRITE_DIRTY (1 << 0) /* a write command ran: not killable */
#define RUN_TIMEDOUT (1 << 1)    /* past busy-reply-threshold */
#define RUN_KILLED (1 << 2)      /* SCRIPT/FUNCTION KILL asked to stop */
#define RUN_READ_ONLY (1 << 3)   /* writes are refused */
#define RUN_ALLOW_OOM (1 << 4)
#define RUN_FUNCTION (1 << 5)    /* FCALL rather than EVAL */
#define RUN_OOM (1 << 6)         /* over maxmemory when the script started */

typedef struct scriptRunCtx {
    client *caller;
    client *fake;        /* runs the commands of redis.call */
    const char *name;    /* SHA1 or function name, for error texts */
    int flags;           /* RUN_* */
    int repl_flags;      /* PROPAGATE_* set by redis.set_repl */
    long long start_ms;
    lua_State *L;
} scriptRunCtx;

static scriptRunCtx *curRun;
static client *scriptFakeClient;

/* 1 while a script runs. */
int scriptIsRunning(void) {
    return curRun != NULL;
}

/* 1 once the running script has passed busy-reply-threshold. */
int scriptIsTimedout(void) {
    return curRun && (curRun->flags & RUN_TIMEDOUT);
}

/* The -BUSY reply for the running script. */
robj *scriptBusyError(void) {
    static robj *fn_busy;
    if (curRun && (curRun->flags & RUN_FUNCTION)) {
        if (!fn_busy)
            fn_busy = makeObjectShared(createObject(
                OBJ_STRING,
                sdsNew("-BUSY Redis is busy running a script. You can only "
                       "call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n")));
        return fn_busy;
    }
    return shared.slowevalerr;
}

/* FUNCTION STATS' running_script (see script_lua.h). */
void scriptReplyRunning(client *c) {
    if (!curRun) {
        addReplyNull(c);
        return;
    }
    client *caller = curRun->caller;
    addReplyMapLen(c, 3);
    addReplyBulkCString(c, "name");
    addReplyBulkCString(c, curRun->name);
    addReplyBulkCString(c, "command");
    addReplyArrayLen(c, caller->argc);
    for (int j = 0; j < caller->argc; j++) addReplyBulk(c, caller->argv[j]);
    addReplyBulkCString(c, "duration_ms");
    addReplyLongLong(c, mstime() - curRun->start_ms);
}

/* SCRIPT KILL / FUNCTION KILL: stops the running script of that kind
 * unless it already wrote. */
void scriptKill(client *c, int is_function) {
    if (!curRun) {
        addReplyError(c, "-NOTBUSY No scripts in execution right now.");
        return;
    }
    /* The other kind's KILL gets the running script's -BUSY, as in 7.0. */
    if (!!(curRun->flags & RUN_FUNCTION) != !!is_function) {
        addReplyErrorObject(c, scriptBusyError());
        return;
    }
    if (curRun->caller->flags & CLIENT_MASTER) {
        addReplyError(c, "-UNKILLABLE The busy script was sent by a master "
                         "instance in the context of replication and cannot "
                         "be killed.");
        return;
    }
    if (curRun->flags & RUN_WRITE_DIRTY) {
        addReplyError(c, "-UNKILLABLE Sorry the script already executed write "
                         "commands against the dataset. You can either wait "
                         "the script termination or kill the server in a hard "
                         "way using the SHUTDOWN NOSAVE command.");
        return;
    }
    curRun->flags |= RUN_KILLED;
    addReply(c, shared.ok);
}

/* The ACL hook of redis.call: the caller's user must be allowed the
 * command, its keys and channels (acl.c); a denial is logged with the
 * "lua" context and described with Redis 7.0's texts. */
int scriptCheckPermission(client *caller, struct redisCommand *cmd,
                          robj **argv, int argc, sds *err) {
    *err = NULL;
    int pos = 0;
    int r = aclCheckUserCommand(caller->user, cmd, argv, argc, &pos);
    if (r == ACL_OK) return C_OK;
    const char *object = cmd->fullname;
    if (r != ACL_DENIED_CMD) object = argv[pos]->ptr;
    robj *o = r != ACL_DENIED_CMD ? getDecodedObject(argv[pos]) : NULL;
    aclAddLogEntry(caller, r, ACL_LOG_CTX_LUA, o ? o->ptr : object, NULL);
    if (o) decrRefCount(o);
    if (r == ACL_DENIED_KEY)
        *err = sdsNew("The user executing the script can't access at least "
                      "one of the keys mentioned in the command arguments");
    else if (r == ACL_DENIED_CHANNEL)
        *err = sdsNew("The user executing the script can't publish to the "
                      "channel mentioned in the command");
    else
        *err = sdsNew("The user executing the script can't run this command "
                      "or subcommand");
    return C_ERR;
}

/* ---------------------------------------------------------------------
 * math.random: the POSIX drand48 generator (a 48-bit linear congruential
 * generator, X' = (0x5DEECE66D * X + 0xB) mod 2^48, default state
 * 0x1234ABCD330E, srand48 seeding with (seed << 16) | 0x330E), one for the
 * life of the process and never reseeded by the server, as in Redis 7.0.
 * ------------------------------------------------------------------ */

static uint64_t randState = 0x1234ABCD330EULL;

static int32_t scriptLrand48(void) {
    randState = (0x5DEECE66DULL * randState + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(randState >> 17);
}

static int luaMathRandom(lua_State *L) {
    /* Same range as C's lrand48, scaled the way Lua's math.random scales. */
    lua_Number r = (lua_Number)(scriptLrand48() % INT32_MAX) /
                   (lua_Number)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int luaMathRandomSeed(lua_State *L) {
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    randState = ((uint64_t)(uint32_t)seed << 16) | 0x330E;
    return 0;
}

/* ---------------------------------------------------------------------
 * Read-only tables. Debian's Lua 5.1 has no read-only tables, so the
 * globals and every library table are replaced by empty proxies whose
 * metatable reads through to the real table and refuses writes. rawset
 * refuses the proxies too.
 * ------------------------------------------------------------------ */

#define REG_PROXIES "__redis_readonly_proxies"
#define REG_REAL_GLOBALS "__redis_real_globals"

static int luaReadonlyNewIndex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

/* __index of the globals: a missing global is an error, as in Redis. */
static int luaGlobalsIndex(lua_State *L) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (!lua_isnil(L, -1)) return 1;
    const char *name = lua_isstring(L, 2) ? lua_tostring(L, 2) : "?";
    return luaL_error(L, "Script attempted to access nonexistent global "
                         "variable '%s'", name);
}

/* Replaces the table at <idx> by a read-only proxy (left on the stack). */
static void luaPushReadonlyProxy(lua_State *L, int idx, int is_globals) {
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    lua_newtable(L); /* proxy */
    lua_newtable(L); /* its metatable */
    if (is_globals) {
        lua_pushvalue(L, idx);
        lua_pushcclosure(L, luaGlobalsIndex, 1);
    } else {
        lua_pushvalue(L, idx);
    }
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, luaReadonlyNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static int luaIsReadonlyProxy(lua_State *L, int idx) {
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROXIES);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    int is = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return is;
}

static int luaSafeRawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (luaIsReadonlyProxy(L, 1)) {
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* setmetatable refuses the read-only tables the way Redis 7.0 does. */
static int luaSafeSetmetatable(lua_State *L) {
    if (lua_type(L, 1) == LUA_TTABLE && luaIsReadonlyProxy(L, 1)) {
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* loadstring without binary chunks: Lua 5.1 does not verify bytecode. */
static int luaSafeLoadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *chunkname = luaL_optstring(L, 2, s);
    if (len && s[0] == LUA_SIGNATURE[0]) {
        lua_pushnil(L);
        lua_pushstring(L, "bytecode loading is not allowed");
        return 2;
    }
    if (luaL_loadbuffer(L, s, len, chunkname) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* ---------------------------------------------------------------------
 * RESP reply -> Lua value (the reply of a command a script called)
 * ------------------------------------------------------------------ */

/* Reads the line at <p> (up to "\r\n" before <end>): its length in *len.
 * Returns the byte after the CRLF or NULL if malformed. */
static const char *respLine(const char *p, const char *end, size_t *len) {
    const char *cr = memchr(p, '\r', end - p);
    if (!cr || cr + 1 >= end || cr[1] != '\n') return NULL;
    *len = cr - p;
    return cr + 2;
}

static long long respLineNum(const char *p, size_t len) {
    char buf[32];
    if (len >= sizeof(buf)) len = sizeof(buf) - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return strtoll(buf, NULL, 10);
}

static const char *luaPushReply(lua_State *L, const char *p, const char *end,
                                int depth);

/* Pushes a table {<field> = <string of len>}. */
static void luaPushFieldTable(lua_State *L, const char *field, const char *s,
                              size_t len) {
    lua_newtable(L);
    lua_pushstring(L, field);
    lua_pushlstring(L, s, len);
    lua_settable(L, -3);
}

static const char *luaPushAggregate(lua_State *L, const char *p,
                                    const char *end, long long n, int kind,
                                    int depth) {
    /* kind: '*' array, '%' map, '~' set */
    lua_newtable(L);
    for (long long j = 0; j < n && p; j++) {
        if (kind == '*') {
            lua_pushnumber(L, (lua_Number)(j + 1));
            p = luaPushReply(L, p, end, depth + 1);
            if (!p) return NULL;
            lua_settable(L, -3);
        } else if (kind == '%') {
            p = luaPushReply(L, p, end, depth + 1);
            if (!p) return NULL;
            p = luaPushReply(L, p, end, depth + 1);
            if (!p) return NULL;
            lua_settable(L, -3);
        } else {
            p = luaPushReply(L, p, end, depth + 1);
            if (!p) return NULL;
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        }
    }
    if (kind != '*') {
        lua_newtable(L);
        lua_pushstring(L, kind == '%' ? "map" : "set");
        lua_pushvalue(L, -3);
        lua_settable(L, -3);
        lua_remove(L, -2);
    }
    return p;
}

/* Pushes the Lua form of the reply at <p> (Redis 7.0's rules: integers to
 * numbers, bulk strings to strings, nulls to false in RESP2 and nil in
 * RESP3, status and error replies to {ok=...} and {err=...}, RESP3 maps,
 * sets, doubles, big numbers and verbatim strings to tagged tables).
 * Returns the byte after it, NULL if malformed (nothing pushed then). */
static const char *luaPushReply(lua_State *L, const char *p, const char *end,
                                int depth) {
    size_t len;
    if (p >= end || !lua_checkstack(L, 8) || depth > 1000) return NULL;
    char type = *p;
    const char *body = p + 1;
    const char *next = respLine(body, end, &len);
    if (!next) return NULL;
    switch (type) {
    case '+':
        luaPushFieldTable(L, "ok", body, len);
        return next;
    case '-':
        luaPushFieldTable(L, "err", body, len);
        return next;
    case ':':
        lua_pushnumber(L, (lua_Number)respLineNum(body, len));
        return next;
    case '_':
        lua_pushnil(L);
        return next;
    case '#':
        lua_pushboolean(L, len && body[0] == 't');
        return next;
    case ',': {
        char buf[64];
        if (len >= sizeof(buf)) return NULL;
        memcpy(buf, body, len);
        buf[len] = '\0';
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, strtod(buf, NULL));
        lua_settable(L, -3);
        return next;
    }
    case '(':
        luaPushFieldTable(L, "big_number", body, len);
        return next;
    case '$':
    case '=': {
        long long blen = respLineNum(body, len);
        if (blen < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        if ((long long)(end - next) < blen + 2) return NULL;
        if (type == '$') {
            lua_pushlstring(L, next, (size_t)blen);
        } else {
            /* "txt:..." : {verbatim_string={format="txt", string="..."}} */
            lua_newtable(L);
            lua_pushstring(L, "verbatim_string");
            lua_newtable(L);
            lua_pushstring(L, "format");
            lua_pushlstring(L, next, blen >= 3 ? 3 : (size_t)blen);
            lua_settable(L, -3);
            lua_pushstring(L, "string");
            if (blen >= 4)
                lua_pushlstring(L, next + 4, (size_t)blen - 4);
            else
                lua_pushstring(L, "");
            lua_settable(L, -3);
            lua_settable(L, -3);
        }
        return next + blen + 2;
    }
    case '*':
    case '>':
    case '%':
    case '~': {
        long long n = respLineNum(body, len);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        int kind = (type == '>') ? '*' : type;
        int top = lua_gettop(L);
        const char *r = luaPushAggregate(L, next, end, n, kind, depth);
        if (!r) lua_settop(L, top);
        return r;
    }
    case '|': {
        /* Attributes are dropped: parse and discard, then the real reply. */
        long long n = respLineNum(body, len);
        int top = lua_gettop(L);
        const char *r = luaPushAggregate(L, next, end, n, '%', depth);
        lua_settop(L, top);
        if (!r) return NULL;
        return luaPushReply(L, r, end, depth);
    }
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------------
 * Lua value -> reply (what a script returns)
 * ------------------------------------------------------------------ */

/* Pushes t[<field>] of the table at the top and returns its type. */
static int luaGetField(lua_State *L, const char *field) {
    lua_pushstring(L, field);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static void addReplyLuaString(client *c, lua_State *L, int status) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (!status) {
        addReplyBulkCBuffer(c, s, len);
        return;
    }
    sds line = sdsNewLen(s, len);
    for (size_t j = 0; j < sdsLen(line); j++)
        if (line[j] == '\r' || line[j] == '\n') line[j] = ' ';
    addReplyStatusLength(c, line, sdsLen(line));
    sdsFree(line);
}

/* Replies to <c> with the value at the top of <L>'s stack (popped),
 * converted as Redis 7.0 does; <resp> is the protocol the script chose
 * with redis.setresp (booleans differ). */
static void luaReplyToRedisReply(client *c, lua_State *L, int resp,
                                 int depth) {
    int t = lua_type(L, -1);
    if (depth > 500 || !lua_checkstack(L, 4)) {
        addReplyError(c, "reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (t) {
    case LUA_TSTRING:
        addReplyLuaString(c, L, 0);
        break;
    case LUA_TBOOLEAN:
        if (resp == 2)
            addReply(c, lua_toboolean(L, -1) ? shared.cone
                                             : shared.null[c->resp]);
        else
            addReplyBool(c, lua_toboolean(L, -1));
        break;
    case LUA_TNUMBER:
        addReplyLongLong(c, (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE: {
        if (luaGetField(L, "err") == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            sds err = sdsCatLen(sdsNew("-"), s, len);
            addReplyErrorSds(c, err);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (luaGetField(L, "ok") == LUA_TSTRING) {
            addReplyLuaString(c, L, 1);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (luaGetField(L, "double") == LUA_TNUMBER) {
            addReplyDouble(c, lua_tonumber(L, -1));
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        if (luaGetField(L, "big_number") == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            sds num = sdsNewLen(s, len);
            for (size_t j = 0; j < sdsLen(num); j++)
                if (num[j] == '\r' || num[j] == '\n') num[j] = ' ';
            addReplyBigNum(c, num, sdsLen(num));
            sdsFree(num);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        int mt = luaGetField(L, "map");
        if (mt != LUA_TTABLE) {
            lua_pop(L, 1);
            mt = luaGetField(L, "set");
            if (mt == LUA_TTABLE) mt = -1; /* set */
        }
        if (mt == LUA_TTABLE || mt == -1) {
            int is_map = mt == LUA_TTABLE;
            void *len = addReplyDeferredLen(c);
            long n = 0;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                /* key at -2, value at -1 */
                if (is_map) {
                    lua_pushvalue(L, -2);
                    luaReplyToRedisReply(c, L, resp, depth + 1);
                    luaReplyToRedisReply(c, L, resp, depth + 1);
                } else {
                    lua_pop(L, 1);
                    lua_pushvalue(L, -1);
                    luaReplyToRedisReply(c, L, resp, depth + 1);
                }
                n++;
            }
            if (is_map)
                setDeferredMapLen(c, len, n);
            else
                setDeferredSetLen(c, len, n);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);
        /* An array: elements 1..n up to the first nil. */
        void *len = addReplyDeferredLen(c);
        long j = 1;
        for (;; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            if (lua_type(L, -1) == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            luaReplyToRedisReply(c, L, resp, depth + 1);
        }
        setDeferredArrayLen(c, len, j - 1);
        break;
    }
    default:
        addReplyNull(c);
        break;
    }
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------ */

/* Raises the error table {err = <msg>} (msg carries its code). */
static int luaRaiseErrorTable(lua_State *L, const char *msg) {
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushstring(L, msg);
    lua_settable(L, -3);
    return lua_error(L);
}

/* Pushes {err = "ERR <msg>"} (for redis.pcall) or raises it. */
static int luaCallError(lua_State *L, int raise, const char *msg) {
    if (ldbIsActive() && curRun) ldbLogError(msg);
    if (raise) return luaRaiseErrorTable(L, msg);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushstring(L, msg);
    lua_settable(L, -3);
    return 1;
}

/* Error handler of every script run: turns the error value into a table
 * {err=..., source=..., line=...}, the position being the innermost Lua
 * function's current line. A string error gets the "ERR " code. */
static int luaErrorHandler(lua_State *L) {
    lua_Debug ar;
    const char *source = NULL;
    int line = -1;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.currentline >= 0 && ar.what && strcmp(ar.what, "C") != 0) {
            source = ar.source;
            line = ar.currentline;
            break;
        }
    }
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_pushvalue(L, 1);
        if (luaGetField(L, "err") != LUA_TSTRING) {
            lua_pop(L, 2);
            lua_newtable(L);
            lua_pushstring(L, "err");
            lua_pushstring(L, "ERR unknown error");
            lua_settable(L, -3);
        } else {
            lua_pop(L, 1);
        }
    } else {
        const char *msg = lua_isstring(L, 1) ? lua_tostring(L, 1)
                                             : "unknown error";
        lua_newtable(L);
        lua_pushstring(L, "err");
        lua_pushfstring(L, "ERR %s", msg);
        lua_settable(L, -3);
    }
    if (source) {
        if (luaGetField(L, "source") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushstring(L, "source");
            lua_pushstring(L, source);
            lua_settable(L, -3);
            lua_pushstring(L, "line");
            lua_pushnumber(L, line);
            lua_settable(L, -3);
        } else {
            lua_pop(L, 1);
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------
 * The redis.* API
 * ------------------------------------------------------------------ */

/* Formats a Lua number argument as Redis 7.0 does (%.17g). */
static robj *luaNumberToObject(lua_Number n) {
    char buf[64];
    int len = snprintf(buf, sizeof(buf), "%.17g", (double)n);
    return createStringObject(buf, len);
}

/* Collects the fake client's reply bytes and frees its reply blocks. */
static sds takeFakeClientReply(client *c) {
    sds out = sdsEmpty();
    listNode *ln;
    while ((ln = listFirst(c->reply))) {
        clientReplyBlock *b = listNodeValue(ln);
        out = sdsCatLen(out, b->buf, b->used);
        zfree(b);
        listDelNode(c->reply, ln);
    }
    c->reply_bytes = 0;
    c->sentlen = 0;
    return out;
}

#define LUA_BAD_ARGS_ERR \
    "ERR Lua redis lib command arguments must be strings or integers"

/* The <argc> arguments on the Lua stack as a new argv of string objects;
 * NULL (nothing allocated) when one is neither a string nor a number. */
static robj **luaArgsToArgv(lua_State *L, int argc) {
    robj **argv = zmalloc(sizeof(robj *) * argc);
    for (int j = 0; j < argc; j++) {
        int t = lua_type(L, j + 1);
        if (t == LUA_TNUMBER) {
            argv[j] = luaNumberToObject(lua_tonumber(L, j + 1));
        } else if (t == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, j + 1, &len);
            argv[j] = createStringObject(s, len);
        } else {
            for (int k = 0; k < j; k++) decrRefCount(argv[k]);
            zfree(argv);
            return NULL;
        }
    }
    return argv;
}

static int luaRedisGenericCommand(lua_State *L, int raise) {
    scriptRunCtx *run = curRun;
    int argc = lua_gettop(L);
    if (!run)
        return luaCallError(L, raise, "ERR redis.call can only be called "
                                      "inside a script invocation");
    if (argc == 0)
        return luaCallError(L, raise, "ERR Please specify at least one "
                                      "argument for this redis lib call");
    robj **argv = luaArgsToArgv(L, argc);
    if (!argv)
        return luaCallError(L, raise, LUA_BAD_ARGS_ERR);
    const char *err = NULL;
    sds dynerr = NULL;
    if (ldbIsActive()) ldbLogRedisCall(argv, argc);
    struct redisCommand *cmd = lookupCommand(argv, argc);
    if (!cmd || (cmd->subcommands_dict && !cmd->proc)) {
        err = cmd ? "ERR Wrong number of args calling Redis command from "
                    "script"
                  : "ERR Unknown Redis command called from script";
    } else if ((cmd->arity > 0 && cmd->arity != argc) ||
               argc < -cmd->arity) {
        err = "ERR Wrong number of args calling Redis command from script";
    } else if (cmd->flags & CMD_NOSCRIPT) {
        err = "ERR This Redis command is not allowed from script";
    } else if (scriptCheckPermission(run->caller, cmd, argv, argc, &dynerr) !=
               C_OK) {
        sds e = sdsCatPrintf(sdsNew("ERR "), "%s",
                             dynerr ? dynerr : "no permission");
        sdsFree(dynerr);
        dynerr = e;
    } else if (cmd->flags & CMD_WRITE) {
        if (run->flags & RUN_READ_ONLY) {
            err = "ERR Write commands are not allowed from read-only "
                  "scripts.";
        } else if (writeCommandsDeniedByDiskError()) {
            sds s = shared.bgsaveerr->ptr;
            dynerr = sdsNewLen(s + 1, sdsLen(s) - 3);
        } else if ((cmd->flags & CMD_DENYOOM) && (run->flags & RUN_OOM) &&
                   !(run->flags & (RUN_ALLOW_OOM | RUN_WRITE_DIRTY))) {
            sds s = shared.oomerr->ptr;
            dynerr = sdsNewLen(s + 1, sdsLen(s) - 3);
        }
    }
    if (err || dynerr) {
        for (int k = 0; k < argc; k++) decrRefCount(argv[k]);
        zfree(argv);
        if (dynerr) {
            lua_pushstring(L, dynerr);
            sdsFree(dynerr);
            const char *msg = lua_tostring(L, -1);
            if (raise && ldbIsActive()) ldbLogError(msg);
            if (raise) {
                lua_newtable(L);
                lua_pushstring(L, "err");
                lua_pushvalue(L, -3);
                lua_settable(L, -3);
                return lua_error(L);
            }
            return luaCallError(L, 0, msg);
        }
        return luaCallError(L, raise, err);
    }
    if (cmd->flags & CMD_WRITE) run->flags |= RUN_WRITE_DIRTY;

    client *c = run->fake;
    c->argv = argv;
    c->argc = argc;
    c->argv_len = argc;
    c->cmd = c->lastcmd = cmd;
    int call_flags = CMD_CALL_SLOWLOG | CMD_CALL_STATS;
    if (run->repl_flags & PROPAGATE_AOF) call_flags |= CMD_CALL_PROPAGATE_AOF;
    if (run->repl_flags & PROPAGATE_REPL)
        call_flags |= CMD_CALL_PROPAGATE_REPL;
    call(c, call_flags);
    /* call() may have replaced the vector (rewriteClientCommandVector). */
    for (int k = 0; k < c->argc; k++) decrRefCount(c->argv[k]);
    zfree(c->argv);
    c->argv = NULL;
    c->argc = 0;
    c->argv_len = 0;
    c->cmd = NULL;

    sds reply = takeFakeClientReply(c);
    if (ldbIsActive()) ldbLogRedisReply(reply, sdsLen(reply));
    int top = lua_gettop(L);
    const char *end = luaPushReply(L, reply, reply + sdsLen(reply), 0);
    int is_err = sdsLen(reply) && reply[0] == '-';
    sdsFree(reply);
    if (!end) {
        lua_settop(L, top);
        return luaCallError(L, raise, "ERR reply of the command could not "
                                      "be converted");
    }
    if (is_err && raise) return lua_error(L);
    return 1;
}

static int luaRedisCall(lua_State *L) {
    return luaRedisGenericCommand(L, 1);
}

static int luaRedisPcall(lua_State *L) {
    return luaRedisGenericCommand(L, 0);
}

static int luaRedisSha1hex(lua_State *L) {
    if (lua_gettop(L) != 1)
        return luaRaiseErrorTable(L, "ERR wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    char hex[41];
    sha1Hex(hex, s ? s : "", s ? len : 0);
    lua_pushstring(L, hex);
    return 1;
}

/* redis.error_reply / redis.status_reply: tagged tables. */
static int luaRedisReplyTable(lua_State *L, const char *field) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING)
        return luaCallError(L, 0, "ERR wrong number or type of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    if (field[0] == 'e' && len && s[0] == '-') {
        s++;
        len--;
    }
    luaPushFieldTable(L, field, s, len);
    return 1;
}

static int luaRedisErrorReply(lua_State *L) {
    return luaRedisReplyTable(L, "err");
}

static int luaRedisStatusReply(lua_State *L) {
    return luaRedisReplyTable(L, "ok");
}

static int luaRedisLog(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2)
        return luaRaiseErrorTable(L, "ERR redis.log() requires two arguments "
                                     "or more.");
    if (!lua_isnumber(L, 1))
        return luaRaiseErrorTable(L, "ERR First argument must be a number "
                                     "(log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < LL_DEBUG || level > LL_WARNING)
        return luaRaiseErrorTable(L, "ERR Invalid debug level.");
    if (level < server.verbosity) return 0;
    sds msg = sdsEmpty();
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (!s) continue;
        if (j != 2) msg = sdsCatLen(msg, " ", 1);
        msg = sdsCatLen(msg, s, len);
    }
    serverLogRaw(level, msg);
    sdsFree(msg);
    return 0;
}

/* redis.acl_check_cmd(command, args...): true when the script's user
 * may run that command line (acl.c), as Redis 7.0's Lua API has it. */
static int luaRedisAclCheckCmd(lua_State *L) {
    if (!curRun)
        return luaRaiseErrorTable(L, "ERR redis.acl_check_cmd can only be "
                                     "called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0)
        return luaRaiseErrorTable(L, "ERR Please specify at least one "
                                     "argument for this redis lib call");
    robj **argv = luaArgsToArgv(L, argc);
    if (!argv) return luaRaiseErrorTable(L, LUA_BAD_ARGS_ERR);
    struct redisCommand *cmd = lookupCommand(argv, argc);
    int pos = 0, ok = 0;
    if (cmd)
        ok = aclCheckUserCommand(curRun->caller->user, cmd, argv, argc,
                                 &pos) == ACL_OK;
    for (int k = 0; k < argc; k++) decrRefCount(argv[k]);
    zfree(argv);
    if (!cmd)
        return luaRaiseErrorTable(L, "ERR Invalid command passed to "
                                     "redis.acl_check_cmd()");
    lua_pushboolean(L, ok);
    return 1;
}

static int luaRedisSetResp(lua_State *L) {
    if (lua_gettop(L) != 1)
        return luaRaiseErrorTable(L, "ERR redis.setresp() requires one "
                                     "argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3)
        return luaRaiseErrorTable(L, "ERR RESP version must be 2 or 3.");
    if (curRun) curRun->fake->resp = resp;
    return 0;
}

static int luaRedisSetRepl(lua_State *L) {
    if (!curRun)
        return luaRaiseErrorTable(L, "ERR redis.set_repl can only be called "
                                     "inside a script invocation");
    if (lua_gettop(L) != 1)
        return luaRaiseErrorTable(L, "ERR redis.set_repl() requires two "
                                     "arguments.");
    int flags = (int)lua_tonumber(L, 1);
    if ((flags & ~(PROPAGATE_AOF | PROPAGATE_REPL)) != 0)
        return luaRaiseErrorTable(L, "ERR Invalid replication flags. Use "
                                     "REPL_AOF, REPL_REPLICA, REPL_ALL or "
                                     "REPL_NONE.");
    curRun->repl_flags = flags;
    return 0;
}

static int luaRedisReplicateCommands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int luaRedisBreakpoint(lua_State *L) {
    if (ldbIsActive()) return ldbBreakpoint(L);
    lua_pushboolean(L, 0);
    return 1;
}

static int luaRedisDebug(lua_State *L) {
    if (ldbIsActive()) return ldbDebug(L);
    return 0;
}

/* ---------------------------------------------------------------------
 * The sandbox
 * ------------------------------------------------------------------ */

static void luaLoadLib(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    /* Some openers set the global themselves, some only return it. */
    if (lua_istable(L, -1)) lua_setglobal(L, name);
    else lua_pop(L, 1);
}

static void luaSetTableFn(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushstring(L, name);
    lua_pushcfunction(L, fn);
    lua_settable(L, -3);
}

static void luaSetTableNum(lua_State *L, const char *name, lua_Number n) {
    lua_pushstring(L, name);
    lua_pushnumber(L, n);
    lua_settable(L, -3);
}

/* The libraries whose tables become read-only proxies. */
static const char *protectedLibs[] = {"string", "table", "math",
                                      "cjson",  "bit",   "struct", "cmsgpack",
                                      "redis",  "coroutine", NULL};

/* Creates the Lua state of <kind> (see script_lua.h). */
lua_State *scriptCreateLuaState(int kind) {
    lua_State *L = luaL_newstate();
    if (!L) serverPanic("Lua: out of memory creating a state");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PROXIES);

    luaLoadLib(L, "", luaopen_base);
    luaLoadLib(L, LUA_TABLIBNAME, luaopen_table);
    luaLoadLib(L, LUA_STRLIBNAME, luaopen_string);
    luaLoadLib(L, LUA_MATHLIBNAME, luaopen_math);
    luaLoadLib(L, "cjson", luaopen_cjson);
    luaLoadLib(L, "bit", luaopen_bit);
    luaLoadLib(L, "struct", luaopen_struct);
    luaLoadLib(L, "cmsgpack", luaopen_cmsgpack);

    /* What scripts must not have. */
    static const char *removed[] = {"loadfile", "dofile",  "require",
                                    "module",   "print",   "getfenv",
                                    "setfenv",  "newproxy", NULL};
    for (int j = 0; removed[j]; j++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[j]);
    }
    lua_pushcfunction(L, luaSafeRawset);
    lua_setglobal(L, "rawset");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, luaSafeSetmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, luaSafeLoadstring);
    lua_setglobal(L, "loadstring");

    lua_getglobal(L, "math");
    luaSetTableFn(L, "random", luaMathRandom);
    luaSetTableFn(L, "randomseed", luaMathRandomSeed);
    lua_pop(L, 1);

    /* The redis table. */
    lua_newtable(L);
    luaSetTableFn(L, "call", luaRedisCall);
    luaSetTableFn(L, "pcall", luaRedisPcall);
    luaSetTableFn(L, "log", luaRedisLog);
    luaSetTableFn(L, "setresp", luaRedisSetResp);
    luaSetTableFn(L, "acl_check_cmd", luaRedisAclCheckCmd);
    luaSetTableFn(L, "set_repl", luaRedisSetRepl);
    luaSetTableFn(L, "replicate_commands", luaRedisReplicateCommands);
    luaSetTableFn(L, "sha1hex", luaRedisSha1hex);
    luaSetTableFn(L, "error_reply", luaRedisErrorReply);
    luaSetTableFn(L, "status_reply", luaRedisStatusReply);
    if (kind == SCRIPT_STATE_EVAL) {
        luaSetTableFn(L, "breakpoint", luaRedisBreakpoint);
        luaSetTableFn(L, "debug", luaRedisDebug);
    }
    luaSetTableNum(L, "LOG_DEBUG", LL_DEBUG);
    luaSetTableNum(L, "LOG_VERBOSE", LL_VERBOSE);
    luaSetTableNum(L, "LOG_NOTICE", LL_NOTICE);
    luaSetTableNum(L, "LOG_WARNING", LL_WARNING);
    luaSetTableNum(L, "REPL_NONE", 0);
    luaSetTableNum(L, "REPL_AOF", PROPAGATE_AOF);
    luaSetTableNum(L, "REPL_SLAVE", PROPAGATE_REPL);
    luaSetTableNum(L, "REPL_REPLICA", PROPAGATE_REPL);
    luaSetTableNum(L, "REPL_ALL", PROPAGATE_AOF | PROPAGATE_REPL);
    lua_pushstring(L, "REDIS_VERSION");
    lua_pushstring(L, REDIS_VERSION);
    lua_settable(L, -3);
    luaSetTableNum(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM);
    lua_setglobal(L, "redis");

    /* Library tables become read-only proxies in the real globals. The
     * string metatable's __index keeps the real string table. For the
     * functions state, "redis" stays writable until functions.c adds
     * register_function and protects it itself. */
    for (int j = 0; protectedLibs[j]; j++) {
        if (kind == SCRIPT_STATE_FUNCTIONS && !strcmp(protectedLibs[j], "redis"))
            continue;
        lua_getglobal(L, protectedLibs[j]);
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        luaPushReadonlyProxy(L, -1, 0);
        lua_setglobal(L, protectedLibs[j]);
        lua_pop(L, 1);
    }
    /* _G itself: a proxy that errors on missing names. */
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    luaPushReadonlyProxy(L, -1, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "_G"); /* real._G = proxy */
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_pop(L, 1);
    return L;
}

/* Pushes a read-only proxy of the table at <idx> (functions.c); reading
 * a missing field is an error when <strict>. */
void scriptPushReadonlyProxy(lua_State *L, int idx, int strict) {
    luaPushReadonlyProxy(L, idx, strict);
}

/* Makes the table at the top of <L> (popped) a read-only proxy stored as
 * the global <name> (functions.c protects its redis table this way). */
void scriptProtectGlobalTable(lua_State *L, const char *name) {
    luaPushReadonlyProxy(L, -1, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 3);
}

/* Sets the real global <name> to the value at the top (popped). */
static void luaSetRealGlobal(lua_State *L, const char *name) {
    lua_getfield(L, LUA_REGISTRYINDEX, REG_REAL_GLOBALS);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------ */

/* Count hook: every 100000 instructions checks the time limit, serves the
 * other clients while the script is busy, and stops a killed script. */
static void luaMaskCountHook(lua_State *L, lua_Debug *ar) {
    UNUSED(ar);
    scriptRunCtx *run = curRun;
    if (!run) return;
    long long elapsed = mstime() - run->start_ms;
    if (!(run->flags & RUN_TIMEDOUT) &&
        elapsed >= server.busy_reply_threshold) {
        serverLog(LL_WARNING, "Slow script detected: still in execution "
                  "after %lld milliseconds. You can try killing the script "
                  "using the %s command. Script name is: %s.", elapsed,
                  (run->flags & RUN_FUNCTION) ? "FUNCTION KILL"
                                              : "SCRIPT KILL",
                  run->name);
        run->flags |= RUN_TIMEDOUT;
        /* The caller neither runs commands nor gets freed meanwhile; its
         * unread bytes wait in the socket (or TLS buffer). */
        protectClient(run->caller);
        if (run->caller->conn) connClearReadHandler(run->caller->conn);
    }
    if (run->flags & RUN_TIMEDOUT) processEventsWhileBlocked();
    if (run->flags & RUN_KILLED) {
        serverLog(LL_WARNING, "Lua script killed by user with %s.",
                  (run->flags & RUN_FUNCTION) ? "FUNCTION KILL"
                                              : "SCRIPT KILL");
        /* Hook every line so that a pcall catching this cannot go on. */
        lua_sethook(L, luaMaskCountHook, LUA_MASKLINE, 0);
        luaRaiseErrorTable(L, "ERR Script killed by user with SCRIPT KILL...");
    }
}

static void luaPushStringTable(lua_State *L, robj **elev, int elec) {
    lua_createtable(L, elec, 0);
    for (int j = 0; j < elec; j++) {
        robj *o = getDecodedObject(elev[j]);
        lua_pushlstring(L, o->ptr, sdsLen(o->ptr));
        lua_rawseti(L, -2, j + 1);
        decrRefCount(o);
    }
}

/* Runs the function on top of <L> for <c>; see script_lua.h. */
void scriptRunFunction(client *c, lua_State *L, robj **keys, int numkeys,
                       robj **args, int numargs, const char *name,
                       uint64_t flags, int ro, int is_function) {
    if (!scriptFakeClient) {
        scriptFakeClient = createClient(NULL);
        scriptFakeClient->flags |= CLIENT_SCRIPT;
        scriptFakeClient->authenticated = 1;
    }
    scriptRunCtx run = {0};
    run.caller = c;
    run.fake = scriptFakeClient;
    run.name = name;
    run.L = L;
    run.repl_flags = PROPAGATE_AOF | PROPAGATE_REPL;
    run.start_ms = mstime();
    if (ro || (flags & SCRIPT_FLAG_NO_WRITES)) run.flags |= RUN_READ_ONLY;
    if (flags & SCRIPT_FLAG_ALLOW_OOM) run.flags |= RUN_ALLOW_OOM;
    if (is_function) run.flags |= RUN_FUNCTION;
    if (server.maxmemory && !(run.flags & RUN_READ_ONLY) &&
        performEvictions() == EVICT_FAIL)
        run.flags |= RUN_OOM;
    run.fake->db = c->db;
    run.fake->resp = 2;
    run.fake->user = c->user;

    /* Stack: ..., function -> ..., handler, function, arguments. */
    lua_pushcfunction(L, luaErrorHandler);
    lua_insert(L, -2);
    int nargs = 0;
    if (is_function) {
        luaPushStringTable(L, keys, numkeys);
        luaPushStringTable(L, args, numargs);
        nargs = 2;
    } else {
        luaPushStringTable(L, keys, numkeys);
        luaSetRealGlobal(L, "KEYS");
        luaPushStringTable(L, args, numargs);
        luaSetRealGlobal(L, "ARGV");
    }

    curRun = &run;
    if (ldbIsActive())
        ldbSetHook(L);
    else
        lua_sethook(L, luaMaskCountHook, LUA_MASKCOUNT, 100000);
    int err = lua_pcall(L, nargs, 1, -2 - nargs);
    lua_sethook(L, NULL, 0, 0);
    curRun = NULL;

    if (run.flags & RUN_TIMEDOUT) {
        unprotectClient(c);
        if (c->conn && !(c->flags & CLIENT_CLOSE_ASAP) &&
            connSetReadHandler(c->conn, readQueryFromClient) == -1)
            freeClientAsync(c); /* it could never be read again */
    }

    if (err) {
        /* The handler made {err=, source=, line=}; anything else is a Lua
         * failure outside it (out of memory). */
        sds msg;
        if (lua_istable(L, -1)) {
            luaGetField(L, "err");
            const char *e = lua_isstring(L, -1) ? lua_tostring(L, -1)
                                                : "ERR unknown error";
            msg = sdsNew(e);
            lua_pop(L, 1);
            if (luaGetField(L, "source") == LUA_TSTRING) {
                const char *src = lua_tostring(L, -1);
                lua_pop(L, 1);
                luaGetField(L, "line");
                int line = (int)lua_tonumber(L, -1);
                lua_pop(L, 1);
                msg = sdsCatPrintf(msg, " script: %s, on %s:%d.", name, src,
                                   line);
            } else {
                lua_pop(L, 1);
            }
        } else {
            msg = sdsCatPrintf(sdsEmpty(), "ERR Error running script: %s",
                               lua_isstring(L, -1) ? lua_tostring(L, -1)
                                                   : "unknown error");
        }
        lua_pop(L, 2); /* error, handler */
        sds e = sdsCatSds(sdsNew("-"), msg);
        sdsFree(msg);
        addReplyErrorSds(c, e);
    } else {
        luaReplyToRedisReply(c, L, run.fake->resp, 0);
        lua_pop(L, 1); /* handler */
    }
    if (!is_function) {
        lua_pushnil(L);
        luaSetRealGlobal(L, "KEYS");
        lua_pushnil(L);
        luaSetRealGlobal(L, "ARGV");
    }
    /* A full collection now and then keeps the state small. */
    lua_gc(L, LUA_GCSTEP, 1);
    /* The script's effects were propagated as commands; EVAL or FCALL
     * itself must not be. */
    preventCommandPropagation(c);
}

/* Parses "#!lua [flags=a,b]" at the start of <body>; see script_lua.h. */
int evalExtractShebangFlags(sds body, uint64_t *flags, size_t *shebang_len,
                            sds *err) {
    const char *nl = memchr(body, '\n', sdsLen(body));
    *flags = 0;
    if (!nl) {
        *err = sdsNew("Invalid script shebang");
        return C_ERR;
    }
    size_t len = (size_t)(nl - body);
    *shebang_len = len;
    int count;
    sds line = sdsNewLen(body, len);
    sds *parts = sdsSplitArgs(line, &count);
    sdsFree(line);
    if (!parts || count == 0) {
        if (parts) sdsFreeSplitRes(parts, count);
        *err = sdsNew("Invalid script shebang");
        return C_ERR;
    }
    int rc = C_OK;
    if (strcmp(parts[0], "#!lua") != 0) {
        *err = sdsCatPrintf(sdsEmpty(), "Unexpected engine in script "
                            "shebang: %s", parts[0]);
        rc = C_ERR;
    }
    for (int j = 1; j < count && rc == C_OK; j++) {
        if (strncmp(parts[j], "flags=", 6) != 0) {
            *err = sdsCatPrintf(sdsEmpty(), "Unknown lua shebang option: %s",
                                parts[j]);
            rc = C_ERR;
            break;
        }
        int nflags;
        sds *names = sdsSplitLen(parts[j] + 6, strlen(parts[j] + 6), ",", 1,
                                 &nflags);
        for (int k = 0; k < nflags && rc == C_OK; k++) {
            if (sdsLen(names[k]) == 0) continue;
            int found = 0;
            for (int f = 0; scriptFlagNames[f].name; f++) {
                if (!strcmp(names[k], scriptFlagNames[f].name)) {
                    *flags |= scriptFlagNames[f].flag;
                    found = 1;
                }
            }
            if (!found) {
                *err = sdsCatPrintf(sdsEmpty(), "Unexpected flag in script "
                                    "shebang: %s", names[k]);
                rc = C_ERR;
            }
        }
        sdsFreeSplitRes(names, nflags);
    }
    sdsFreeSplitRes(parts, count);
    return rc;
}
