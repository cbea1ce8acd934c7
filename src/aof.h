/* aof: the append-only file in the multi-part layout of Redis 7.0.
 *
 * Inside the directory <appenddirname> live one base file (an RDB stream
 * "<appendfilename>.<seq>.base.rdb", or commands "....base.aof"), any number
 * of incremental files of commands "<appendfilename>.<seq>.incr.aof", and
 * the manifest "<appendfilename>.manifest" that lists them in load order,
 * one line each: "file <name> seq <n> type <b|h|i>" (base, history,
 * incremental). Format notes: the Redis persistence documentation
 * (redis.io, "Redis persistence", section "Append-only file"). */
#ifndef AOF_H
#define AOF_H

#include "server.h"

/* Registers the propagation sink and the cron, before-sleep, shutdown and
 * start-up hooks; called once from rdbInit (so that the AOF's start-up
 * hook runs before the RDB's). */
void aofInit(void);

/* Start-up loading: when appendonly is yes, loads the files the manifest
 * lists (or creates an empty base when there is none) and opens the last
 * incremental file for appending. Exits the process, with the file and
 * the offset in the log, when a file is corrupt. Does nothing when the
 * AOF is disabled. */
void aofLoadAtStartup(void);

/* Apply function of CONFIG SET appendonly: starts the AOF (a background
 * rewrite creates the base) or stops it, according to server.aof_enabled.
 * Returns C_OK, or C_ERR with a reason in <err> (<errlen> bytes). */
int aofApplyAppendonly(char *err, size_t errlen);

/* Starts a background rewrite: opens a new incremental file for the
 * writes that follow, then forks a child that writes the new base.
 * Returns C_OK when the child started, C_ERR when a child already runs or
 * the fork or a file operation failed (logged). */
int aofRewriteBackground(void) WARN_UNUSED;

/* Appends the aof_* fields of INFO persistence that come before the
 * module_fork_* ones to <info>; returns the grown sds. */
sds aofCatInfoFields(sds info);

/* Appends the aof_* fields that Redis shows only while the AOF is on
 * (sizes, buffer, pending fsync); returns the grown sds. */
sds aofCatInfoSizeFields(sds info);

/* DEBUG LOADAOF: flushes and fsyncs the AOF, empties the dataset and
 * replays the AOF files. Returns C_ERR (nothing done) unless the AOF is on
 * and its first rewrite is done; a broken file exits as at start-up. */
int aofDebugReload(void) WARN_UNUSED;

#endif
