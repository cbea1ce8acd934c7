/* acl.h: access control lists as Redis 7.0 has them: users, their
 * passwords (SHA-256 hashes), selectors of commands, key patterns and
 * channel patterns, the ACL command, the ACL LOG and the ACL file. */
#ifndef ACL_H
#define ACL_H

#include "server.h"

/* Outcomes of a permission check, in the order Redis ranks them when no
 * selector allows a command (the highest one is reported). */
#define ACL_OK 0
#define ACL_DENIED_CMD 1
#define ACL_DENIED_KEY 2
#define ACL_DENIED_AUTH 3
#define ACL_DENIED_CHANNEL 4

/* Where a denial happened, as ACL LOG's "context" names it. */
#define ACL_LOG_CTX_TOPLEVEL 0
#define ACL_LOG_CTX_LUA 1
#define ACL_LOG_CTX_MULTI 2

typedef struct user user;

/* The "default" user: always exists, used by new connections. */
extern user *DefaultUser;

/* Creates the default user from requirepass and acl-pubsub-default; called
 * once the command table exists. */
void aclInit(void);

/* Applies the 'user' lines of redis.conf, or else loads the aclfile.
 * On an error logs it as Redis 7.0 does and returns C_ERR (start-up must
 * stop). */
int aclLoadUsersAtStartup(void) WARN_UNUSED;

/* Remembers a 'user' line of redis.conf (<argv>/<argc>: name and rules)
 * for aclLoadUsersAtStartup; C_ERR with a reason in <err> if malformed. */
int aclAppendUserForLoading(sds *argv, int argc, char *err, size_t errlen);

/* The user's name (borrowed). */
const char *aclUserName(const user *u);

/* Looks a user up by name; NULL if none. */
user *aclGetUserByName(const char *name, size_t len);

/* 1 when a new connection starts authenticated (default user on, nopass). */
int aclDefaultUserAutoAuth(void);

/* 1 when the default user needs no password (protected mode, AUTH). */
int aclDefaultUserHasNoPass(void);

/* Checks <username>/<password>: on success <c> becomes authenticated as
 * that user and C_OK is returned; on failure an "auth" entry is added to
 * the ACL LOG and C_ERR returned. Replies nothing. */
int aclAuthenticateClient(client *c, robj *username, robj *password);

/* Sets the default user's passwords to just <pass> (NULL or "" means
 * nopass): what requirepass does. */
void aclUpdateDefaultUserPassword(const char *pass);

/* Checks that <c>'s user may run c->cmd with c->argv. Returns ACL_OK or
 * an ACL_DENIED_* code, with the argv index at fault in *<argpos>. */
int aclCheckClientCommand(client *c, int *argpos);

/* Checks c->cmd of <c> as aclCheckClientCommand does; when denied, adds
 * the ACL LOG entry (<context>: ACL_LOG_CTX_*) and returns the error line
 * "-NOPERM ..." (new sds, caller frees); NULL when allowed. */
sds aclDenyClientCommand(client *c, int context);

/* The same check at EXEC time, for a command queued when the rules were
 * different: Redis 7.0's "ACLs rules changed ..." error line, or NULL. */
sds aclDenyQueuedCommand(client *c);

/* Checks that <u> may run <cmd> with <argv>/<argc>; same results. A NULL
 * <u> (a client of the server itself) may run everything. */
int aclCheckUserCommand(user *u, struct redisCommand *cmd, robj **argv,
                        int argc, int *argpos);

/* 1 when <u> (NULL: the server itself) may read every key with <cmd>:
 * a selector allowing the command has allkeys or a "*" pattern with read
 * permission. SORT's BY and GET patterns need it. */
int aclUserHasFullKeyAccess(user *u, struct redisCommand *cmd);

/* The -NOPERM text (without code) for <code> (an ACL_DENIED_*) about
 * <cmd>. Returns a new sds. */
sds aclDeniedText(int code, struct redisCommand *cmd);

/* Adds (or merges into) an ACL LOG entry for <c>: <reason> an
 * ACL_DENIED_* code, <context> ACL_LOG_CTX_*, <object> what was denied
 * (borrowed), <username> whose (borrowed; NULL: <c>'s user). */
void aclAddLogEntry(client *c, int reason, int context, const char *object,
                    const char *username);

/* Describes every user as 'user' lines (a new sds each, in <*lines>,
 * <*count> of them, freed by the caller with sdsFreeSplitRes); used by
 * CONFIG REWRITE. */
sds *aclDescribeAllUsers(int *count);

#endif
