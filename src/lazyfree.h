/* lazyfree.h: the background free thread (lazyfree.c). What the keyspace,
 * the flush commands and the script engines hand over to be freed away
 * from the event loop, and the counters INFO shows. */
#ifndef LAZYFREE_H
#define LAZYFREE_H

#include <stddef.h>

struct redisObject;
struct redisDb;
struct dict;
struct lua_State;

void lazyfreeInit(void);
size_t lazyfreeGetPendingObjectsCount(void);
size_t lazyfreeGetFreedObjectsCount(void);
void lazyfreeResetStats(void);
size_t lazyfreeGetFreeEffort(struct redisObject *o);
void freeObjAsync(struct redisObject *o);
void emptyDbAsync(struct redisDb *db);

/* Frees the main dict <keys> of a database that left service, with its
 * <expires> dict (or NULL), in the background. */
void freeDictsAsync(struct dict *keys, struct dict *expires);

void freeLuaStateAsync(struct lua_State *lua, struct dict *first,
                       struct dict *second);

/* Runs <fn>(<arg>) on the background thread, after the jobs queued
 * before it: slow file work (fsync, a rename that frees a large file's
 * blocks) that the event loop must not wait for. <arg> belongs to the job
 * until it says otherwise (an atomic flag the loop polls). */
void backgroundRun(void (*fn)(void *arg), void *arg);

#endif
