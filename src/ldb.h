/* ldb.h: the Lua scripts debugger (ldb.c) as eval.c and script_lua.c use
 * it. */
#ifndef LDB_H
#define LDB_H

#include "script_lua.h"

/* Registers the debugger's shutdown hook (kills YES sessions' children). */
void ldbInit(void);

/* 1 while this process runs a debugging session. */
int ldbIsActive(void);

/* Runs the script of an EVAL for <c>, which asked for SCRIPT DEBUG YES or
 * SYNC, under the debugger: <run>(<c>, <arg>) runs it (through
 * scriptRunFunction) once the session is set up; <body> is its source.
 * YES: forks; the parent frees <c> without writing to it and returns at
 * once; the child talks to the client and exits. SYNC: the session runs
 * here, blocking the server; <c> is closed after its reply. */
void ldbRunScript(client *c, lua_State *L, sds body,
                  void (*run)(client *c, void *arg), void *arg);

/* Installs the debugger's line hook on <L> (instead of the busy-script
 * count hook) for the script about to run. */
void ldbSetHook(lua_State *L);

/* redis.debug() and redis.breakpoint() inside a session. */
int ldbDebug(lua_State *L);
int ldbBreakpoint(lua_State *L);

/* What redis.call/pcall log in a session: the command, its RESP reply, or
 * the error that kept it from running. */
void ldbLogRedisCall(robj **argv, int argc);
void ldbLogRedisReply(const char *reply, size_t len);
void ldbLogError(const char *msg);

/* SCRIPT DEBUG YES|SYNC|NO */
void ldbScriptDebugCommand(client *c);

#endif
