/* functions.c: Redis 7.0 functions: FUNCTION LOAD | DELETE | LIST | DUMP |
 * RESTORE | FLUSH | STATS | KILL | HELP, FCALL and FCALL_RO.
 *
 * Owns: the Lua state of libraries (separate from EVAL's), the libraries
 * (name -> code and functions) and the function table (name -> function).
 * A library is loaded by running its code once with
 * redis.register_function available; the registered callbacks stay in the
 * Lua registry. Libraries reach RDB files (opcode FUNCTION2) and the AOF
 * rewrite through rdb.c's function hooks; FUNCTION LOAD/DELETE/FLUSH/
 * RESTORE are write commands, so they are propagated like any other.
 * Must not touch: running a function (script_lua.c does it).
 *
 * Behaviour follows Redis 7.0's documentation of functions and its
 * replies. */
#include <ctype.h>

#include "rdb.h"
#include "script_lua.h"

void scriptProtectGlobalTable(lua_State *L, const char *name);
void scriptPushReadonlyProxy(lua_State *L, int idx, int strict);

#define FN_REG_LOAD_GLOBALS "__redis_fn_load_globals"
#define FN_REG_ENV "__redis_fn_env"

typedef struct functionLib functionLib;

typedef struct functionInfo {
    sds name;
    sds desc;          /* or NULL */
    uint64_t flags;    /* SCRIPT_FLAG_* */
    int ref;           /* the callback in the Lua registry */
    functionLib *lib;
} functionInfo;

struct functionLib {
    sds name;
    sds code;
    dict *functions;   /* name -> functionInfo (owned) */
};

static lua_State *fnLua;
static dict *fnLibraries; /* name -> functionLib */
static dict *fnFunctions; /* name -> functionInfo (borrowed from libs) */

/* While a library's code runs: the library being built. */
static functionLib *fnLoading;

static uint64_t fnSdsHash(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int fnSdsCompare(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return sdsLen((sds)a) == sdsLen((sds)b) &&
           memcmp(a, b, sdsLen((sds)a)) == 0;
}

static void fnFunctionFree(dict *d, void *p) {
    UNUSED(d);
    functionInfo *fi = p;
    luaL_unref(fnLua, LUA_REGISTRYINDEX, fi->ref);
    sdsFree(fi->name);
    sdsFree(fi->desc);
    zfree(fi);
}

/* Library dict: keys are the library's own name (freed with it). */
static dictType fnLibFunctionsType = {fnSdsHash, NULL, NULL, fnSdsCompare,
                                      NULL,      fnFunctionFree, NULL};
static dictType fnBorrowedType = {fnSdsHash, NULL, NULL, fnSdsCompare,
                                  NULL,      NULL, NULL};

static functionLib *fnLibCreate(sds name, sds code) {
    functionLib *lib = zmalloc(sizeof(*lib));
    lib->name = name;
    lib->code = code;
    lib->functions = dictCreate(&fnLibFunctionsType);
    return lib;
}

static void fnLibFree(functionLib *lib) {
    dictRelease(lib->functions);
    sdsFree(lib->name);
    sdsFree(lib->code);
    zfree(lib);
}

/* Unlinks <lib> from the tables and frees it. */
static void fnLibDelete(functionLib *lib) {
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) dictDelete(fnFunctions, dictGetKey(de));
    dictReleaseIterator(di);
    dictDelete(fnLibraries, lib->name);
    fnLibFree(lib);
}

/* A library's function table handed to the free thread: the registry
 * references die with the retired Lua state, so nothing is unreferenced. */
static void fnFunctionFreeDetached(dict *d, void *p) {
    UNUSED(d);
    functionInfo *fi = p;
    sdsFree(fi->name);
    sdsFree(fi->desc);
    zfree(fi);
}
static dictType fnDetachedFunctionsType = {fnSdsHash, NULL, NULL,
                                           fnSdsCompare, NULL,
                                           fnFunctionFreeDetached, NULL};

static void fnLibFreeDetached(dict *d, void *p) {
    UNUSED(d);
    fnLibFree(p);
}
static dictType fnDetachedLibrariesType = {fnSdsHash, NULL, NULL,
                                           fnSdsCompare, NULL,
                                           fnLibFreeDetached, NULL};

static void fnCreateState(void);

/* FUNCTION FLUSH ASYNC: the libraries, the function table and the Lua
 * state move to the free thread whole; a new empty state takes over. */
static void fnFlushAllAsync(void) {
    dictIterator *di = dictGetIterator(fnLibraries);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionLib *lib = dictGetVal(de);
        lib->functions->type = &fnDetachedFunctionsType;
    }
    dictReleaseIterator(di);
    fnLibraries->type = &fnDetachedLibrariesType;
    /* The function table borrows from the libraries: released first. */
    freeLuaStateAsync(fnLua, fnFunctions, fnLibraries);
    fnCreateState();
}

static void fnFlushAll(void) {
    dictIterator *di = dictGetSafeIterator(fnLibraries);
    dictEntry *de;
    while ((de = dictNext(di))) fnLibDelete(dictGetVal(de));
    dictReleaseIterator(di);
}

static int fnValidName(const char *s, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

/* ---- redis.register_function ---- */

/* Raises {err = "ERR <msg>"}: no position, as Redis 7.0 reports these. */
static int fnRegisterError(lua_State *L, const char *msg) {
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushfstring(L, "ERR %s", msg);
    lua_settable(L, -3);
    return lua_error(L);
}

/* Reads the flags array at the top into *flags; C_ERR on an unknown one. */
static int fnParseFlags(lua_State *L, uint64_t *flags) {
    *flags = 0;
    if (!lua_istable(L, -1)) return C_ERR;
    for (int j = 1;; j++) {
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            return C_ERR;
        }
        const char *name = lua_tostring(L, -1);
        int found = 0;
        for (int f = 0; scriptFlagNames[f].name; f++) {
            if (!strcmp(name, scriptFlagNames[f].name)) {
                *flags |= scriptFlagNames[f].flag;
                found = 1;
            }
        }
        lua_pop(L, 1);
        if (!found) return C_ERR;
    }
    return C_OK;
}

static int luaRegisterFunction(lua_State *L) {
    if (!fnLoading)
        return fnRegisterError(L, "redis.register_function can only be "
                                  "called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    uint64_t flags = 0;
    sds desc = NULL;
    if (argc == 1 && lua_istable(L, 1)) {
        /* {function_name=..., callback=..., flags={...}, description=...} */
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (!lua_isstring(L, -2) || lua_type(L, -2) != LUA_TSTRING) {
                sdsFree(desc);
                return fnRegisterError(L, "named argument key given to "
                                          "redis.register_function is not "
                                          "a string");
            }
            const char *key = lua_tostring(L, -2);
            if (!strcmp(key, "function_name")) {
                lua_pushvalue(L, -1);
                lua_setfield(L, LUA_REGISTRYINDEX, "__fn_reg_name");
            } else if (!strcmp(key, "callback")) {
                lua_pushvalue(L, -1);
                lua_setfield(L, LUA_REGISTRYINDEX, "__fn_reg_cb");
            } else if (!strcmp(key, "flags")) {
                if (fnParseFlags(L, &flags) != C_OK) {
                    sdsFree(desc);
                    return fnRegisterError(L, "unknown flag given");
                }
            } else if (!strcmp(key, "description")) {
                if (!lua_isstring(L, -1)) {
                    sdsFree(desc);
                    return fnRegisterError(L, "description argument given "
                                              "to redis.register_function "
                                              "must be a string");
                }
                sdsFree(desc);
                desc = sdsNew(lua_tostring(L, -1));
            } else {
                sdsFree(desc);
                return fnRegisterError(L, "unknown argument given to "
                                          "redis.register_function");
            }
            lua_pop(L, 1);
        }
        lua_settop(L, 0);
        lua_getfield(L, LUA_REGISTRYINDEX, "__fn_reg_name");
        lua_getfield(L, LUA_REGISTRYINDEX, "__fn_reg_cb");
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__fn_reg_name");
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__fn_reg_cb");
        if (lua_isnil(L, 1)) {
            sdsFree(desc);
            return fnRegisterError(L, "redis.register_function must get a "
                                      "function name argument");
        }
        if (lua_isnil(L, 2)) {
            sdsFree(desc);
            return fnRegisterError(L, "redis.register_function must get a "
                                      "callback argument");
        }
    } else if (argc == 1) {
        return fnRegisterError(L, "calling redis.register_function with a "
                                  "single argument is only applicable to Lua "
                                  "table (representing named arguments).");
    } else if (argc != 2) {
        return fnRegisterError(L, "wrong number of arguments to "
                                  "redis.register_function");
    }
    if (lua_type(L, 1) != LUA_TSTRING) {
        sdsFree(desc);
        return fnRegisterError(L, "function_name argument given to "
                                  "redis.register_function must be a "
                                  "string");
    }
    if (!lua_isfunction(L, 2)) {
        sdsFree(desc);
        return fnRegisterError(L, argc == 2
                                      ? "second argument to "
                                        "redis.register_function must be a "
                                        "function"
                                      : "callback argument given to "
                                        "redis.register_function must be "
                                        "a function");
    }
    size_t nlen;
    const char *name = lua_tolstring(L, 1, &nlen);
    if (!fnValidName(name, nlen)) {
        sdsFree(desc);
        /* Redis 7.0 words this with "Library names". */
        return fnRegisterError(L, "Library names can only contain letters, "
                                  "numbers, or underscores(_) and must be at "
                                  "least one character long");
    }
    sds sname = sdsNewLen(name, nlen);
    if (dictFetchValue(fnLoading->functions, sname)) {
        sdsFree(sname);
        sdsFree(desc);
        return fnRegisterError(L, "Function already exists in the library");
    }
    functionInfo *fi = zcalloc(sizeof(*fi));
    fi->name = sname;
    fi->desc = desc;
    fi->flags = flags;
    fi->lib = fnLoading;
    lua_pushvalue(L, 2);
    fi->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    dictAdd(fnLoading->functions, fi->name, fi);
    return 0;
}

/* ---- loading a library ---- */

/* Parses "#!lua name=<lib>" of <code>: the library name (new sds) and the
 * shebang's length; C_ERR with *err. */
static int fnExtractMetadata(sds code, sds *name, size_t *skip, sds *err) {
    *name = NULL;
    if (sdsLen(code) < 2 || code[0] != '#' || code[1] != '!') {
        *err = sdsNew("Missing library metadata");
        return C_ERR;
    }
    const char *nl = memchr(code, '\n', sdsLen(code));
    size_t len = nl ? (size_t)(nl - code) : sdsLen(code);
    *skip = len;
    sds line = sdsNewLen(code, len);
    int count;
    sds *parts = sdsSplitArgs(line, &count);
    sdsFree(line);
    if (!parts || count == 0) {
        if (parts) sdsFreeSplitRes(parts, count);
        *err = sdsNew("Invalid library metadata");
        return C_ERR;
    }
    int rc = C_OK;
    if (strcmp(parts[0], "#!lua") != 0) {
        *err = sdsCatPrintf(sdsEmpty(), "Engine '%s' not found",
                            parts[0] + 2);
        rc = C_ERR;
    }
    for (int j = 1; j < count && rc == C_OK; j++) {
        if (!strncmp(parts[j], "name=", 5)) {
            sdsFree(*name);
            *name = sdsNew(parts[j] + 5);
        } else {
            *err = sdsCatPrintf(sdsEmpty(), "Invalid metadata value given: "
                                "%s", parts[j]);
            rc = C_ERR;
        }
    }
    sdsFreeSplitRes(parts, count);
    if (rc == C_OK && !*name) {
        *err = sdsNew("Library name was not given");
        rc = C_ERR;
    }
    if (rc == C_OK && !fnValidName(*name, sdsLen(*name))) {
        *err = sdsNew("Library names can only contain letters, numbers, or "
                      "underscores(_) and must be at least one character "
                      "long");
        rc = C_ERR;
    }
    if (rc != C_OK) {
        sdsFree(*name);
        *name = NULL;
    }
    return rc;
}

/* Time limit of running a library's code at load. */
static long long fnLoadStart;
static void fnLoadHook(lua_State *L, lua_Debug *ar) {
    UNUSED(ar);
    if (mstime() - fnLoadStart > 500)
        luaL_error(L, "FUNCTION LOAD timeout");
}

/* Loads library <code>; <replace> allows replacing a library of the same
 * name. Returns the library's name (new sds) or NULL with *err. */
static sds fnLoadLibrary(sds code, int replace, sds *err) {
    sds name;
    size_t skip;
    if (fnExtractMetadata(code, &name, &skip, err) != C_OK) return NULL;
    functionLib *old = dictFetchValue(fnLibraries, name);
    if (old && !replace) {
        *err = sdsCatPrintf(sdsEmpty(), "Library '%s' already exists", name);
        sdsFree(name);
        return NULL;
    }
    if (sdsLen(code) > skip && code[skip] == LUA_SIGNATURE[0]) {
        *err = sdsNew("Error compiling function: user_function:1: "
                      "unexpected symbol near 'char(27)'");
        sdsFree(name);
        return NULL;
    }
    if (luaL_loadbuffer(fnLua, code + skip, sdsLen(code) - skip,
                        "@user_function")) {
        *err = sdsCatPrintf(sdsEmpty(), "Error compiling function: %s",
                            lua_tostring(fnLua, -1));
        lua_pop(fnLua, 1);
        sdsFree(name);
        return NULL;
    }
    /* The library's code (and so its functions) sees the library
     * environment: while loading only redis.register_function, redis.log
     * and the constants; when called, the real globals. */
    lua_getfield(fnLua, LUA_REGISTRYINDEX, FN_REG_ENV);
    lua_setfenv(fnLua, -2);
    functionLib *lib = fnLibCreate(sdsDup(name), sdsDup(code));
    fnLoading = lib;
    fnLoadStart = mstime();
    lua_sethook(fnLua, fnLoadHook, LUA_MASKCOUNT, 100000);
    int rc = lua_pcall(fnLua, 0, 0, 0);
    lua_sethook(fnLua, NULL, 0, 0);
    fnLoading = NULL;
    if (rc) {
        const char *e = "ERR unknown error";
        int is_table = lua_istable(fnLua, -1);
        if (is_table) {
            lua_getfield(fnLua, -1, "err");
            if (lua_isstring(fnLua, -1)) e = lua_tostring(fnLua, -1);
        }
        if (!is_table && lua_isstring(fnLua, -1))
            *err = sdsCatPrintf(sdsEmpty(), "Error registering functions: "
                                "ERR %s", lua_tostring(fnLua, -1));
        else
            *err = sdsCatPrintf(sdsEmpty(), "Error registering functions: "
                                "%s", e);
        lua_pop(fnLua, is_table ? 2 : 1);
        fnLibFree(lib);
        sdsFree(name);
        return NULL;
    }
    if (dictSize(lib->functions) == 0) {
        *err = sdsNew("No functions registered");
        fnLibFree(lib);
        sdsFree(name);
        return NULL;
    }
    /* A function name must not belong to another library. */
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionInfo *other = dictFetchValue(fnFunctions, dictGetKey(de));
        if (other && other->lib != old) {
            *err = sdsCatPrintf(sdsEmpty(), "Function %s already exists",
                                (sds)dictGetKey(de));
            dictReleaseIterator(di);
            fnLibFree(lib);
            sdsFree(name);
            return NULL;
        }
    }
    dictReleaseIterator(di);
    if (old) fnLibDelete(old);
    dictAdd(fnLibraries, lib->name, lib);
    di = dictGetIterator(lib->functions);
    while ((de = dictNext(di))) dictAdd(fnFunctions, dictGetKey(de), dictGetVal(de));
    dictReleaseIterator(di);
    return name;
}

/* ---- RDB hooks ---- */

static void fnEachLibrary(rdbFunctionVisitor *visit, void *ctx) {
    dictIterator *di = dictGetIterator(fnLibraries);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionLib *lib = dictGetVal(de);
        visit(ctx, lib->code);
    }
    dictReleaseIterator(di);
}

static int fnRdbLoad(sds code, sds *err) {
    if (!code) {
        fnFlushAll();
        return C_OK;
    }
    sds name = fnLoadLibrary(code, 1, err);
    if (!name) return C_ERR;
    sdsFree(name);
    return C_OK;
}

/* __index of the libraries' environment: the load-time globals while a
 * library loads, the real globals when its functions run. */
static int fnEnvIndex(lua_State *L) {
    if (fnLoading)
        lua_getfield(L, LUA_REGISTRYINDEX, FN_REG_LOAD_GLOBALS);
    else
        lua_getfield(L, LUA_REGISTRYINDEX, "__redis_real_globals");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) return 1;
    const char *name = lua_isstring(L, 2) ? lua_tostring(L, 2) : "?";
    return luaL_error(L, "Script attempted to access nonexistent global "
                         "variable '%s'", name);
}

static int fnEnvNewIndex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

static void fnSetTableFromGlobalRedis(lua_State *L, const char *field) {
    /* stack: ..., real redis table, load redis table */
    lua_getfield(L, -2, field);
    lua_setfield(L, -2, field);
}

/* Creates the functions state; called once from initServer. */
static void fnCreateState(void) {
    fnLua = scriptCreateLuaState(SCRIPT_STATE_FUNCTIONS);
    lua_State *L = fnLua;
    /* The load-time globals: a redis table with only what loading may
     * use (register_function exists only there). */
    lua_getglobal(L, "redis");
    lua_newtable(L);
    lua_pushcfunction(L, luaRegisterFunction);
    lua_setfield(L, -2, "register_function");
    static const char *load_fields[] = {
        "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE",
        "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    for (int j = 0; load_fields[j]; j++)
        fnSetTableFromGlobalRedis(L, load_fields[j]);
    lua_newtable(L); /* load globals */
    scriptPushReadonlyProxy(L, -2, 1);
    lua_setfield(L, -2, "redis");
    lua_setfield(L, LUA_REGISTRYINDEX, FN_REG_LOAD_GLOBALS);
    lua_pop(L, 1); /* load redis table */
    scriptProtectGlobalTable(L, "redis");
    /* The environment of every library chunk. */
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, fnEnvIndex);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, fnEnvNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, FN_REG_ENV);
    fnLibraries = dictCreate(&fnBorrowedType);
    fnFunctions = dictCreate(&fnBorrowedType);
}

/* Creates the functions' Lua state and tables and hooks them into RDB
 * saving and loading; called once from scriptingInit. */
void functionsInit(void) {
    fnCreateState();
    rdbRegisterFunctionHooks(fnEachLibrary, fnRdbLoad);
}

/* ---- commands ---- */

/* FUNCTION LOAD [REPLACE] function-code */
void functionLoadCommand(client *c) {
    int replace = 0;
    int argc_pos = 2;
    if (c->argc == 4) {
        if (strcasecmp(c->argv[2]->ptr, "replace")) {
            addReplyError(c, "Unknown option given: ");
            return;
        }
        replace = 1;
        argc_pos = 3;
    } else if (c->argc != 3) {
        addReplyErrorArity(c);
        return;
    }
    robj *o = getDecodedObject(c->argv[argc_pos]);
    sds err = NULL;
    sds name = fnLoadLibrary(o->ptr, replace, &err);
    decrRefCount(o);
    if (!name) {
        addReplyErrorSds(c, err);
        return;
    }
    server.dirty++;
    addReplyBulkSds(c, name);
}

/* FUNCTION DELETE library-name */
void functionDeleteCommand(client *c) {
    robj *o = getDecodedObject(c->argv[2]);
    functionLib *lib = dictFetchValue(fnLibraries, o->ptr);
    decrRefCount(o);
    if (!lib) {
        addReplyError(c, "Library not found");
        return;
    }
    fnLibDelete(lib);
    server.dirty++;
    addReply(c, shared.ok);
}

/* FUNCTION FLUSH [ASYNC|SYNC] */
void functionFlushCommand(client *c) {
    if (c->argc > 3 ||
        (c->argc == 3 && strcasecmp(c->argv[2]->ptr, "sync") &&
         strcasecmp(c->argv[2]->ptr, "async"))) {
        addReplyError(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    int async = c->argc == 3 ? !strcasecmp(c->argv[2]->ptr, "async")
                             : server.lazyfree_lazy_user_flush;
    if (async)
        fnFlushAllAsync();
    else
        fnFlushAll();
    server.dirty++;
    addReply(c, shared.ok);
}

/* FUNCTION KILL */
void functionKillCommand(client *c) {
    scriptKill(c, 1);
}

static void fnReplyFlags(client *c, uint64_t flags) {
    int n = 0;
    for (int f = 0; scriptFlagNames[f].name; f++)
        if (flags & scriptFlagNames[f].flag) n++;
    addReplySetLen(c, n);
    for (int f = 0; scriptFlagNames[f].name; f++)
        if (flags & scriptFlagNames[f].flag)
            addReplyStatus(c, scriptFlagNames[f].name);
}

/* FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE] */
void functionListCommand(client *c) {
    int withcode = 0;
    robj *pattern = NULL;
    for (int j = 2; j < c->argc; j++) {
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "withcode")) {
            if (withcode) {
                addReplyError(c, "Unknown argument withcode");
                return;
            }
            withcode = 1;
        } else if (!strcasecmp(opt, "libraryname")) {
            if (pattern) {
                addReplyError(c, "Unknown argument libraryname");
                return;
            }
            if (j == c->argc - 1) {
                addReplyError(c, "library name argument was not given");
                return;
            }
            pattern = c->argv[++j];
        } else {
            addReplyErrorFormat(c, "Unknown argument %s", opt);
            return;
        }
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    dictIterator *di = dictGetIterator(fnLibraries);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionLib *lib = dictGetVal(de);
        if (pattern && !stringmatchlen(pattern->ptr, sdsLen(pattern->ptr),
                                       lib->name, sdsLen(lib->name), 0))
            continue;
        n++;
        addReplyMapLen(c, withcode ? 4 : 3);
        addReplyBulkCString(c, "library_name");
        addReplyBulkCBuffer(c, lib->name, sdsLen(lib->name));
        addReplyBulkCString(c, "engine");
        addReplyBulkCString(c, "LUA");
        addReplyBulkCString(c, "functions");
        addReplyArrayLen(c, (long)dictSize(lib->functions));
        dictIterator *fi_it = dictGetIterator(lib->functions);
        dictEntry *fe;
        while ((fe = dictNext(fi_it))) {
            functionInfo *fi = dictGetVal(fe);
            addReplyMapLen(c, 3);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, fi->name, sdsLen(fi->name));
            addReplyBulkCString(c, "description");
            if (fi->desc)
                addReplyBulkCBuffer(c, fi->desc, sdsLen(fi->desc));
            else
                addReplyNull(c);
            addReplyBulkCString(c, "flags");
            fnReplyFlags(c, fi->flags);
        }
        dictReleaseIterator(fi_it);
        if (withcode) {
            addReplyBulkCString(c, "library_code");
            addReplyBulkCBuffer(c, lib->code, sdsLen(lib->code));
        }
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, len, n);
}

/* FUNCTION DUMP */
void functionDumpCommand(client *c) {
    addReplyBulkSds(c, rdbFunctionsDumpPayload());
}

/* FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE] */
void functionRestoreCommand(client *c) {
    int policy = 0; /* 0 append, 1 replace, 2 flush */
    if (c->argc > 4) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc == 4) {
        char *p = c->argv[3]->ptr;
        if (!strcasecmp(p, "append")) policy = 0;
        else if (!strcasecmp(p, "replace")) policy = 1;
        else if (!strcasecmp(p, "flush")) policy = 2;
        else {
            addReplyError(c, "Wrong restore policy given, value should be "
                             "either FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    robj *o = getDecodedObject(c->argv[2]);
    sds *codes;
    int count;
    sds err = NULL;
    int rc = rdbFunctionsPayloadParse((unsigned char *)o->ptr,
                                      sdsLen(o->ptr), &codes, &count, &err);
    decrRefCount(o);
    if (rc != C_OK) {
        sdsFree(err);
        addReplyError(c, "DUMP payload version or checksum are wrong");
        return;
    }
    /* Check every library first so that a failure changes nothing; then
     * apply. The check loads into the live tables and undoes on error by
     * restoring the previous libraries from their code. */
    sds *saved_codes = NULL;
    int nsaved = 0;
    {
        dictIterator *di = dictGetIterator(fnLibraries);
        dictEntry *de;
        while ((de = dictNext(di))) {
            functionLib *lib = dictGetVal(de);
            saved_codes = zrealloc(saved_codes, sizeof(sds) * (nsaved + 1));
            saved_codes[nsaved++] = sdsDup(lib->code);
        }
        dictReleaseIterator(di);
    }
    if (policy == 2) fnFlushAll();
    for (int i = 0; i < count && !err; i++) {
        sds name = fnLoadLibrary(codes[i], policy != 0, &err);
        sdsFree(name);
    }
    if (err) {
        fnFlushAll();
        for (int i = 0; i < nsaved; i++) {
            sds e = NULL;
            sds name = fnLoadLibrary(saved_codes[i], 1, &e);
            sdsFree(name);
            sdsFree(e);
        }
        addReplyErrorSds(c, err);
    } else {
        server.dirty++;
        addReply(c, shared.ok);
    }
    for (int i = 0; i < nsaved; i++) sdsFree(saved_codes[i]);
    zfree(saved_codes);
    for (int i = 0; i < count; i++) sdsFree(codes[i]);
    zfree(codes);
}

/* FUNCTION STATS */
void functionStatsCommand(client *c) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "running_script");
    scriptReplyRunning(c);
    addReplyBulkCString(c, "engines");
    addReplyMapLen(c, 1);
    addReplyBulkCString(c, "LUA");
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "libraries_count");
    addReplyLongLong(c, (long long)dictSize(fnLibraries));
    addReplyBulkCString(c, "functions_count");
    addReplyLongLong(c, (long long)dictSize(fnFunctions));
}

/* FUNCTION HELP */
void functionHelpCommand(client *c) {
    static const char *help[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern "
        "using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is "
        "determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes "
        "are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, "
        "can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is "
        "possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing "
        "libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing "
        "libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this "
        "option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    addReplyHelp(c, help);
}

static void fcallGenericCommand(client *c, int ro) {
    feedMonitorsBeforeRun(c);
    robj *o = getDecodedObject(c->argv[1]);
    functionInfo *fi = dictFetchValue(fnFunctions, o->ptr);
    decrRefCount(o);
    if (!fi) {
        addReplyError(c, "Function not found");
        return;
    }
    long long numkeys;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &numkeys, NULL) != C_OK)
        return;
    if (numkeys > c->argc - 3) {
        addReplyError(c, "Number of keys can't be greater than number of "
                         "args");
        return;
    }
    if (numkeys < 0) {
        addReplyError(c, "Number of keys can't be negative");
        return;
    }
    if (!(fi->flags & SCRIPT_FLAG_NO_WRITES)) {
        if (ro) {
            addReplyError(c, "Can not execute a script with write flag using "
                             "*_ro command.");
            return;
        }
        if (!(fi->flags & SCRIPT_FLAG_ALLOW_OOM) && server.maxmemory &&
            !mustObeyClient(c) && performEvictions() == EVICT_FAIL) {
            addReplyErrorObject(c, shared.oomerr);
            return;
        }
        if (writeCommandsDeniedByDiskError() && !mustObeyClient(c)) {
            addReplyErrorObject(c, shared.bgsaveerr);
            return;
        }
    }
    lua_rawgeti(fnLua, LUA_REGISTRYINDEX, fi->ref);
    scriptRunFunction(c, fnLua, c->argv + 3, (int)numkeys,
                      c->argv + 3 + numkeys, c->argc - 3 - (int)numkeys,
                      fi->name, fi->flags, ro, 1);
}

/* FCALL function numkeys [key ...] [arg ...] */
void fcallCommand(client *c) {
    fcallGenericCommand(c, 0);
}

/* FCALL_RO function numkeys [key ...] [arg ...] */
void fcallroCommand(client *c) {
    fcallGenericCommand(c, 1);
}

/* For INFO memory: the bytes of the functions' Lua state, and how many
 * libraries and functions are loaded. */
void functionsGetStats(long long *vm_bytes, unsigned long *libraries,
                       unsigned long *functions) {
    *vm_bytes = fnLua ? (long long)lua_gc(fnLua, LUA_GCCOUNT, 0) * 1024LL +
                            lua_gc(fnLua, LUA_GCCOUNTB, 0)
                      : 0;
    *libraries = fnLibraries ? dictSize(fnLibraries) : 0;
    *functions = fnFunctions ? dictSize(fnFunctions) : 0;
}
