/* rdb: RDB version 10 snapshots, compatible with the files and DUMP
 * payloads of Redis 7.0 (format notes: the public "RDB file format"
 * descriptions, e.g. the redis-rdb-tools wiki, and the Redis docs).
 *
 * rdb.c owns the snapshot file (temp-<pid>.rdb then rename), the BGSAVE
 * child, the save rules, SAVE / BGSAVE / DUMP / RESTORE, DEBUG RELOAD, the
 * "persistence" INFO section and loading at start-up. Everything it needs
 * from the server comes through server.h. */
#ifndef RDB_H
#define RDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "server.h"

#define RDB_VERSION 10

/* Value types (the byte before each key). */
#define RDB_TYPE_STRING 0
#define RDB_TYPE_LIST 1
#define RDB_TYPE_SET 2
#define RDB_TYPE_ZSET 3
#define RDB_TYPE_HASH 4
#define RDB_TYPE_ZSET_2 5
#define RDB_TYPE_MODULE 6
#define RDB_TYPE_MODULE_2 7
#define RDB_TYPE_HASH_ZIPMAP 9
#define RDB_TYPE_LIST_ZIPLIST 10
#define RDB_TYPE_SET_INTSET 11
#define RDB_TYPE_ZSET_ZIPLIST 12
#define RDB_TYPE_HASH_ZIPLIST 13
#define RDB_TYPE_LIST_QUICKLIST 14
#define RDB_TYPE_STREAM_LISTPACKS 15
#define RDB_TYPE_HASH_LISTPACK 16
#define RDB_TYPE_ZSET_LISTPACK 17
#define RDB_TYPE_LIST_QUICKLIST_2 18
#define RDB_TYPE_STREAM_LISTPACKS_2 19

/* Opcodes. */
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION 246
#define RDB_OPCODE_MODULE_AUX 247
#define RDB_OPCODE_IDLE 248
#define RDB_OPCODE_FREQ 249
#define RDB_OPCODE_AUX 250
#define RDB_OPCODE_RESIZEDB 251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME 253
#define RDB_OPCODE_SELECTDB 254
#define RDB_OPCODE_EOF 255

/* What kind of child server.child_type names. */
#ifndef CHILD_TYPE_NONE
#define CHILD_TYPE_NONE 0
#define CHILD_TYPE_RDB 1
#define CHILD_TYPE_AOF 2
#endif

/* The replication position of a dataset (the AUX fields repl-id,
 * repl-offset and repl-stream-db of an RDB). */
typedef struct rdbReplInfo {
    char replid[CONFIG_RUN_ID_SIZE + 1];
    long long offset; /* of the last byte the dataset includes */
    int dbid;         /* the database the stream had selected */
} rdbReplInfo;

/* The position of the dataset loaded from the RDB file at start-up (not
 * from an AOF): 1 and *<ri> set when the file had it. */
int rdbStartupReplInfo(rdbReplInfo *ri);

/* Registers the hooks (cron, shutdown, start-up, INFO, DEBUG RELOAD).
 * Called once from initServer. */
void rdbInit(void);

/* Writes the whole dataset to <filename> through a temporary file that is
 * fsynced and renamed. On success resets server.dirty and lastsave.
 * Returns C_OK or C_ERR (logged). Blocks the caller. */
int rdbSave(const char *filename) WARN_UNUSED;

/* Forks a child that saves to server.rdb_filename. Returns C_OK when the
 * child started (the cron hook reaps it), C_ERR if fork failed or a child
 * already runs. */
int rdbSaveBackground(void) WARN_UNUSED;

/* Writes the dataset as an RDB stream to <fp> (not closed, not flushed to
 * disk). Returns C_OK or C_ERR. For replication's full sync. */
int rdbSaveToFp(FILE *fp) WARN_UNUSED;

/* As rdbSaveToFp, leaving out parts as <filter> says (REPLCONF
 * rdb-filter-only: redis-cli --functions-rdb asks for the libraries
 * alone). */
#define RDB_FILTER_NO_DATA 1
#define RDB_FILTER_NO_FUNCTIONS 2
#define RDB_FILTER_NO_REPL_INFO 4 /* no AUX repl-* fields (an AOF base) */
int rdbSaveToFpFiltered(FILE *fp, int filter) WARN_UNUSED;

/* The fork-less snapshot (repl-diskless-sync-fork no): the RDB stream of
 * the dataset as it is now, while clients keep changing the data, written
 * by a thread of ours from keys the event loop hands it (rdb.c explains
 * how). One at a time. rdbSnapStart begins it (<filter> as above; C_ERR
 * when the thread cannot start), <ready> is called when more bytes can be
 * read; rdbSnapRead moves up to <cap> bytes of it to <dst> (0 when none
 * are ready yet) and sets *<eof> once the whole stream was taken;
 * rdbSnapEnd ends it, finished or not: with <wait> 0 a thread in the
 * middle of a large value may finish it after the call returns
 * (rdbSnapActive stays 1 until then). */
int rdbSnapStart(int filter, void (*ready)(void)) WARN_UNUSED;
size_t rdbSnapRead(char *dst, size_t cap, int *eof);
void rdbSnapEnd(int wait);
int rdbSnapActive(void);
/* The event loop's CPU time (us) in snapshot work since the last call
 * (INFO eventloop, for utils/repl-bench.sh). */
long long rdbSnapTakeTurnUs(void);

/* The keyspace's calls into a running snapshot; <keys> is a database's
 * main dict. Before any change to <key>: rdbSnapBeforeWrite, with <how>
 * RDB_SNAP_VALUE when its value may be changed in place (the value must
 * be looked up again afterwards: it may have been replaced by a copy),
 * RDB_SNAP_REPLACE when the value is replaced or the key deleted,
 * RDB_SNAP_META when only its expire time changes. Before adding a new
 * <key>: rdbSnapNewKey. Before emptying a database: rdbSnapAdopt returns
 * 1 when the snapshot took the database's dicts over, which the caller
 * then replaces by new empty ones instead of emptying them. */
#define RDB_SNAP_VALUE 0
#define RDB_SNAP_REPLACE 1
#define RDB_SNAP_META 2
void rdbSnapBeforeWrite(struct dict *keys, sds key, int how);
/* 1 when rdbSnapBeforeWrite(<keys>, <key>, RDB_SNAP_VALUE) would make the
 * event loop wait for the thread (a large value it is writing): the
 * command is postponed instead (counted for the log), and the clients
 * postponed so are woken by unblockPostponedClients once a batch is
 * written or the snapshot ends. */
int rdbSnapWouldWait(struct dict *keys, sds key);
void rdbSnapNewKey(struct dict *keys, sds key);
int rdbSnapAdopt(struct dict *keys);

/* Loads <filename> into the (normally empty) databases. Returns C_OK,
 * C_ERR with a reason in <err> (offset included), or C_ERR with errno
 * ENOENT when the file does not exist. */
int rdbLoad(const char *filename, char *err, size_t errlen) WARN_UNUSED;

/* Loads an RDB stream of <size> bytes from <fp>; as rdbLoad. */
int rdbLoadFromFp(FILE *fp, size_t size, char *err, size_t errlen) WARN_UNUSED;

/* Kills a running BGSAVE child and removes its temporary file. */
void rdbKillChild(void);

/* Called by FLUSHALL: with save points configured the (empty) dataset is
 * written at once, as Redis does. */
void rdbSaveAfterFlushall(void);

/* 1 when writes must be refused because the last background save failed
 * (stop-writes-on-bgsave-error); processCommand replies shared.bgsaveerr. */
int writeCommandsDeniedByDiskError(void);

/* Function libraries in RDB files (opcode FUNCTION2: the library's code
 * as a string). functions.c registers how to list and load them:
 * <each> calls <visit>(<ctx>, code) for every library (code borrowed);
 * <load> loads one library (replacing one of the same name), or with NULL
 * code drops every library before a whole dataset is loaded; C_ERR with a
 * reason in *err (new sds). */
typedef void rdbFunctionVisitor(void *ctx, sds code);
void rdbRegisterFunctionHooks(void (*each)(rdbFunctionVisitor *visit,
                                           void *ctx),
                              int (*load)(sds code, sds *err));
/* Calls <visit> for every library (the AOF rewrite writes them). */
void rdbForEachFunctionLibrary(rdbFunctionVisitor *visit, void *ctx);
/* FUNCTION DUMP's payload: every library as in an RDB file, then the RDB
 * version and a CRC64, like DUMP. New sds owned by the caller. */
sds rdbFunctionsDumpPayload(void);
/* Parses a FUNCTION DUMP payload: the libraries' code in *<codes> (a new
 * array of *<count> new sds, caller frees). C_ERR with a reason in *err. */
int rdbFunctionsPayloadParse(const unsigned char *p, size_t len, sds **codes,
                             int *count, sds *err);

/* Returns the DUMP payload of <o> (type, value, RDB version, CRC64) as a
 * new sds owned by the caller. */
sds rdbDumpPayloadCreate(robj *o);

/* Parses the DUMP payload <p> of <len> bytes. Returns a new object
 * (refcount 1) or NULL: *badversion is set when the version or checksum is
 * wrong, otherwise the data is malformed. */
robj *rdbDumpPayloadLoad(const unsigned char *p, size_t len, int *badversion);

/* Loading an RDB stream while its bytes arrive (a replica's diskless
 * load), one record at a time, so that the event loop never waits for
 * the network and a slice of work has a time budget. */
typedef struct rdbLoadStream rdbLoadStream;
#define RDB_STREAM_NEED 0  /* every complete record used: feed more bytes */
#define RDB_STREAM_AGAIN 1 /* the time budget ran out: call again */
#define RDB_STREAM_DONE 2  /* the payload ended (checksum checked) */
#define RDB_STREAM_ERR 3   /* malformed: rdbLoadStreamError says why */
/* Starts a load into <dbs> (server.dbnum databases). <live> says they are
 * the server's own (keys added as by a command); otherwise they are
 * private and keys go in directly. Function libraries are collected for
 * rdbLoadStreamFinish. */
rdbLoadStream *rdbLoadStreamCreate(redisDb *dbs, int live);
/* The payload's checksum was verified as it arrived (the replica's file
 * transfer): the load does not compute it a second time. */
void rdbLoadStreamChecksumVerified(rdbLoadStream *ls);
/* The payload's size when announced (for INFO's loading_* fields). */
void rdbLoadStreamSetTotal(rdbLoadStream *ls, long long total);
/* Parses the records that are complete in the <len> bytes at <p> (the
 * payload bytes following those consumed so far), for about <budget_us>
 * microseconds. *<used> is set to the bytes consumed; the caller drops
 * them and passes the rest again with more. <final> says no byte follows
 * <p>+<len> (a record cut there is an error). */
int rdbLoadStreamFeed(rdbLoadStream *ls, const unsigned char *p, size_t len,
                      int final, long long budget_us, size_t *used)
    WARN_UNUSED;
const char *rdbLoadStreamError(rdbLoadStream *ls);
long long rdbLoadStreamKeys(rdbLoadStream *ls);
size_t rdbLoadStreamOffset(rdbLoadStream *ls);
/* After RDB_STREAM_DONE: the collected libraries replace the server's;
 * the INFO load counters are set. C_ERR with a reason in <err>. */
int rdbLoadStreamFinish(rdbLoadStream *ls, char *err, size_t errlen)
    WARN_UNUSED;
/* Frees <ls> (not the databases it filled). NULL is allowed. */
void rdbLoadStreamFree(rdbLoadStream *ls);

/* An RDB file loaded a slice at a time into <ls>: rdbFileLoadOpen opens
 * it (NULL with errno and a reason in <err> when it cannot), each
 * rdbFileLoadStep reads and parses for about <budget_us> and returns
 * RDB_STREAM_AGAIN (call again), RDB_STREAM_DONE (the stream ended with
 * the file) or RDB_STREAM_ERR (the reason in <err>); rdbFileLoadClose
 * closes it (not <ls>). */
typedef struct rdbFileLoad rdbFileLoad;
rdbFileLoad *rdbFileLoadOpen(const char *path, rdbLoadStream *ls, char *err,
                             size_t errlen);
int rdbFileLoadStep(rdbFileLoad *fl, long long budget_us, char *err,
                    size_t errlen);
void rdbFileLoadClose(rdbFileLoad *fl);
/* Bytes may follow the RDB stream in the file (an older AOF's command
 * tail): RDB_STREAM_DONE then; rdbLoadStreamOffset says where it ended. */
void rdbFileLoadAllowTail(rdbFileLoad *fl);

#endif
