/* eval.c: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
 *
 * Owns: the Lua state of EVAL scripts and the script cache (SHA1 of the
 * body -> body and shebang flags; the compiled function sits in the Lua
 * registry under "f_<sha1>"). SCRIPT FLUSH drops both by building a new
 * state. Must not touch: the running of scripts and the conversions
 * (script_lua.c).
 *
 * Behaviour follows Redis 7.0's EVAL documentation and its replies. */
#include <ctype.h>

#include "ldb.h"
#include "script_lua.h"
#include "sha1.h"

typedef struct evalScript {
    sds body;
    uint64_t flags; /* SCRIPT_FLAG_* */
} evalScript;

static lua_State *evalLua;
static dict *evalScripts; /* sha1 (sds, lower case) -> evalScript */

static uint64_t dictSdsHashFn(const void *key) {
    return dictGenHashFunction(key, sdsLen((sds)key));
}

static int dictSdsCompareFn(dict *d, const void *a, const void *b) {
    UNUSED(d);
    return sdsLen((sds)a) == sdsLen((sds)b) &&
           memcmp(a, b, sdsLen((sds)a)) == 0;
}

static void dictSdsFreeFn(dict *d, void *p) {
    UNUSED(d);
    sdsFree(p);
}

static void evalScriptFree(dict *d, void *p) {
    UNUSED(d);
    evalScript *s = p;
    sdsFree(s->body);
    zfree(s);
}

static dictType evalScriptsDictType = {dictSdsHashFn,    NULL, NULL,
                                       dictSdsCompareFn, dictSdsFreeFn,
                                       evalScriptFree,   NULL};

static void evalCreateState(void) {
    evalLua = scriptCreateLuaState(SCRIPT_STATE_EVAL);
    evalScripts = dictCreate(&evalScriptsDictType);
}

/* Sets up the EVAL state; called once from initServer. */
void scriptingInit(void) {
    evalCreateState();
    ldbInit();
    functionsInit();
}

static void evalRelease(void) {
    lua_close(evalLua);
    dictRelease(evalScripts);
}

/* Compiles <body> (not yet cached) into the registry as f_<sha>. Returns
 * the cache entry, or NULL after replying the error to <c> (if not NULL)
 * or storing it in *<err>. */
static evalScript *evalCreateScript(client *c, sds body, const char *sha,
                                    sds *err) {
    uint64_t flags = SCRIPT_FLAG_EVAL_COMPAT_MODE;
    size_t skip = 0;
    if (sdsLen(body) >= 2 && body[0] == '#' && body[1] == '!') {
        sds e = NULL;
        if (evalExtractShebangFlags(body, &flags, &skip, &e) != C_OK) {
            if (c) addReplyErrorSds(c, e);
            else *err = e;
            return NULL;
        }
    }
    /* A shebang line is left out but its newline kept, so that errors
     * carry the user's line numbers. Bytecode is refused: Lua 5.1 trusts
     * it blindly. */
    const char *code = body + skip;
    size_t len = sdsLen(body) - skip;
    sds e = NULL;
    if (len && code[0] == LUA_SIGNATURE[0]) {
        e = sdsNew("Error compiling script (new function): user_script:1: "
                   "unexpected symbol near 'char(27)'");
    } else if (luaL_loadbuffer(evalLua, code, len, "@user_script")) {
        e = sdsCatPrintf(sdsEmpty(), "Error compiling script (new function): "
                         "%s", lua_tostring(evalLua, -1));
        lua_pop(evalLua, 1);
    }
    if (e) {
        if (c) addReplyErrorSds(c, e);
        else *err = e;
        return NULL;
    }
    char fname[43];
    snprintf(fname, sizeof(fname), "f_%s", sha);
    lua_setfield(evalLua, LUA_REGISTRYINDEX, fname);
    evalScript *s = zmalloc(sizeof(*s));
    s->body = sdsDup(body);
    s->flags = flags;
    dictAdd(evalScripts, sdsNew(sha), s);
    return s;
}

typedef struct evalRunArgs {
    const char *sha;
    uint64_t flags;
    int numkeys;
    int ro;
} evalRunArgs;

/* Runs the cached script <arg> (an evalRunArgs) for <c>'s EVAL. */
static void evalRun(client *c, void *arg) {
    evalRunArgs *a = arg;
    char fname[43];
    snprintf(fname, sizeof(fname), "f_%s", a->sha);
    lua_getfield(evalLua, LUA_REGISTRYINDEX, fname);
    serverAssert(lua_isfunction(evalLua, -1));
    scriptRunFunction(c, evalLua, c->argv + 3, a->numkeys,
                      c->argv + 3 + a->numkeys, c->argc - 3 - a->numkeys,
                      a->sha, a->flags, a->ro, 0);
}

static void evalGenericCommand(client *c, int evalsha, int ro) {
    long long numkeys;
    char sha[41];
    feedMonitorsBeforeRun(c);
    if (evalsha && (c->flags & CLIENT_LUA_DEBUG)) {
        /* The debugger shows the source, which the client sends. */
        addReplyError(c, "Please use EVAL instead of EVALSHA for debugging");
        return;
    }
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
    robj *bodyobj = getDecodedObject(c->argv[1]);
    sds body = bodyobj->ptr;
    if (evalsha) {
        if (sdsLen(body) != 40) {
            decrRefCount(bodyobj);
            addReplyErrorObject(c, shared.noscripterr);
            return;
        }
        for (int j = 0; j < 40; j++) sha[j] = (char)tolower((unsigned char)body[j]);
        sha[40] = '\0';
    } else {
        sha1Hex(sha, body, sdsLen(body));
    }
    sds key = sdsNew(sha);
    evalScript *s = dictFetchValue(evalScripts, key);
    sdsFree(key);
    if (!s) {
        if (evalsha) {
            decrRefCount(bodyobj);
            addReplyErrorObject(c, shared.noscripterr);
            return;
        }
        s = evalCreateScript(c, body, sha, NULL);
        if (!s) {
            decrRefCount(bodyobj);
            return;
        }
    }
    decrRefCount(bodyobj);

    /* Scripts with a shebang declare what they do: check before running. */
    if (!(s->flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) &&
        !(s->flags & SCRIPT_FLAG_NO_WRITES)) {
        if (ro) {
            addReplyError(c, "Can not execute a script with write flag "
                             "using *_ro command.");
            return;
        }
        if (!(s->flags & SCRIPT_FLAG_ALLOW_OOM) && server.maxmemory &&
            !mustObeyClient(c) && performEvictions() == EVICT_FAIL) {
            addReplyErrorObject(c, shared.oomerr);
            return;
        }
        if (writeCommandsDeniedByDiskError() && !mustObeyClient(c)) {
            addReplyErrorObject(c, shared.bgsaveerr);
            return;
        }
    }
    evalRunArgs a = {sha, s->flags, (int)numkeys, ro};
    if (c->flags & CLIENT_LUA_DEBUG)
        ldbRunScript(c, evalLua, s->body, evalRun, &a);
    else
        evalRun(c, &a);
}

/* EVAL script numkeys [key ...] [arg ...] */
void evalCommand(client *c) {
    evalGenericCommand(c, 0, 0);
}

/* EVAL_RO script numkeys [key ...] [arg ...] */
void evalRoCommand(client *c) {
    evalGenericCommand(c, 0, 1);
}

/* EVALSHA sha1 numkeys [key ...] [arg ...] */
void evalShaCommand(client *c) {
    evalGenericCommand(c, 1, 0);
}

/* EVALSHA_RO sha1 numkeys [key ...] [arg ...] */
void evalShaRoCommand(client *c) {
    evalGenericCommand(c, 1, 1);
}

/* Key positions of EVAL-like commands and FCALL: argv[2] is the count. */
int evalGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                int max) {
    UNUSED(cmd);
    long long n;
    if (argc < 3 || getLongLongFromObject(argv[2], &n) != C_OK || n < 0 ||
        n > argc - 3)
        return 0;
    int count = 0;
    for (long long j = 0; j < n && count < max; j++) keys[count++] = 3 + (int)j;
    return count;
}

/* SCRIPT LOAD script */
void scriptLoadCommand(client *c) {
    robj *o = getDecodedObject(c->argv[2]);
    char sha[41];
    sha1Hex(sha, o->ptr, sdsLen(o->ptr));
    sds key = sdsNew(sha);
    int known = dictFetchValue(evalScripts, key) != NULL;
    sdsFree(key);
    if (!known && !evalCreateScript(c, o->ptr, sha, NULL)) {
        decrRefCount(o);
        return;
    }
    decrRefCount(o);
    addReplyBulkCBuffer(c, sha, 40);
}

/* SCRIPT EXISTS sha1 [sha1 ...] */
void scriptExistsCommand(client *c) {
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        robj *o = getDecodedObject(c->argv[j]);
        sds key = sdsDup(o->ptr);
        sdsToLower(key);
        addReply(c, dictFetchValue(evalScripts, key) ? shared.cone
                                                     : shared.czero);
        sdsFree(key);
        decrRefCount(o);
    }
}

/* SCRIPT FLUSH [ASYNC|SYNC]: a new Lua state and an empty cache. With
 * ASYNC (or lazyfree-lazy-user-flush and no argument) the old state and
 * cache are freed by the background thread. */
void scriptFlushCommand(client *c) {
    if (c->argc > 3 ||
        (c->argc == 3 && strcasecmp(c->argv[2]->ptr, "sync") &&
         strcasecmp(c->argv[2]->ptr, "async"))) {
        addReplyError(c, "SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    int async = c->argc == 3 ? !strcasecmp(c->argv[2]->ptr, "async")
                             : server.lazyfree_lazy_user_flush;
    if (async)
        freeLuaStateAsync(evalLua, evalScripts, NULL);
    else
        evalRelease();
    evalCreateState();
    addReply(c, shared.ok);
}

/* SCRIPT KILL */
void scriptKillCommand(client *c) {
    scriptKill(c, 0);
}

/* SCRIPT DEBUG YES|SYNC|NO: see ldb.c. */
void scriptDebugCommand(client *c) {
    ldbScriptDebugCommand(c);
}

/* SCRIPT HELP */
void scriptHelpCommand(client *c) {
    static const char *help[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the "
        "script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is "
        "determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes "
        "are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    addReplyHelp(c, help);
}

/* Bytes used by the EVAL Lua state, for INFO. */
long long evalMemory(void) {
    return (long long)lua_gc(evalLua, LUA_GCCOUNT, 0) * 1024LL +
           lua_gc(evalLua, LUA_GCCOUNTB, 0);
}

/* Number of cached scripts, for INFO. */
unsigned long evalScriptsCount(void) {
    return dictSize(evalScripts);
}
