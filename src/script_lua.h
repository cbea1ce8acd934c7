/* script_lua.h: what EVAL (eval.c) and FUNCTION/FCALL (functions.c) share
 * of the Lua engine (script_lua.c): creating a sandboxed Lua state, running
 * one Lua function for a client, and the state of the script running now
 * (busy scripts, SCRIPT KILL / FUNCTION KILL). */
#ifndef SCRIPT_LUA_H
#define SCRIPT_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "server.h"

/* Script flags: the shebang's flags=... of an EVAL script, or the flags of
 * redis.register_function. */
#define SCRIPT_FLAG_NO_WRITES (1ULL << 0)
#define SCRIPT_FLAG_ALLOW_OOM (1ULL << 1)
#define SCRIPT_FLAG_ALLOW_STALE (1ULL << 2)
#define SCRIPT_FLAG_NO_CLUSTER (1ULL << 3)
#define SCRIPT_FLAG_EVAL_COMPAT_MODE (1ULL << 4) /* EVAL without shebang */
#define SCRIPT_FLAG_ALLOW_CROSS_SLOT (1ULL << 5)

/* The flag names as shebangs and register_function spell them; ends with
 * a NULL name. */
typedef struct scriptFlagName {
    uint64_t flag;
    const char *name;
} scriptFlagName;
extern const scriptFlagName scriptFlagNames[];

/* Kind of Lua state: the one of EVAL scripts or the one of libraries. */
#define SCRIPT_STATE_EVAL 0
#define SCRIPT_STATE_FUNCTIONS 1

/* Creates a Lua state with the sandbox of <kind>: the libraries scripts may
 * use, the redis.* API, protected globals. The caller owns it (lua_close).
 * For SCRIPT_STATE_FUNCTIONS the redis table lacks register_function: the
 * loader (functions.c) adds it while a library's code runs. */
lua_State *scriptCreateLuaState(int kind);

/* Runs the Lua function on top of <L>'s stack (popped) for <c>: <keys> and
 * <args> (borrowed) become KEYS/ARGV (EVAL) or the function's two table
 * arguments (FCALL, <is_function>). <name> is what error messages call the
 * script (its SHA1 or the function's name). <flags> are SCRIPT_FLAG_*;
 * <ro> is set for EVAL_RO/EVALSHA_RO/FCALL_RO. Replies to <c> with the
 * converted result or the error. */
void scriptRunFunction(client *c, lua_State *L, robj **keys, int numkeys,
                       robj **args, int numargs, const char *name,
                       uint64_t flags, int ro, int is_function);

/* 1 while a script runs (nested event loop turns included). */
int scriptIsRunning(void);
/* 1 once the running script passed busy-reply-threshold: other clients get
 * -BUSY (scriptBusyError). */
int scriptIsTimedout(void);
/* The -BUSY reply for the running script (EVAL or FCALL flavour). */
robj *scriptBusyError(void);
/* FUNCTION STATS' running_script: null, or the running script's name,
 * command and duration. */
void scriptReplyRunning(client *c);
/* SCRIPT KILL (<is_function> 0) or FUNCTION KILL (1): replies to <c>. */
void scriptKill(client *c, int is_function);

/* The permission check of redis.call/pcall: may the user of <caller> run
 * <cmd> with <argv>/<argc>? C_OK, or C_ERR with the error text (without
 * code) in *<err> (new sds, caller frees). ACL (issue 12) fills this in;
 * today there is only the "default" user, who may run everything. */
int scriptCheckPermission(client *caller, struct redisCommand *cmd,
                          robj **argv, int argc, sds *err);

/* Parses the shebang flags of <body> (which starts with "#!"): sets
 * *<flags> and *<shebang_len> (bytes up to, not including, the first
 * newline). C_ERR with a new sds error text in *<err>. */
int evalExtractShebangFlags(sds body, uint64_t *flags, size_t *shebang_len,
                            sds *err);

/* Registers the EVAL/FUNCTION modules' state; called from initServer. */
void scriptingInit(void);
void functionsInit(void);

#endif
