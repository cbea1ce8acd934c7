/* tracking.h: server-assisted client-side caching (CLIENT TRACKING).
 *
 * The hooks other modules call: the call path (keys read by a tracking
 * client, invalidations deferred past a command's own reply), the keyspace
 * (a key changed, a database flushed), the event loop and INFO. */
#ifndef TRACKING_H
#define TRACKING_H

#include <stdint.h>

struct client;
struct redisObject;

/* Registers the client free/reset hooks, the before-sleep broadcast and the
 * cron that keeps the table under tracking-table-max-keys; called once
 * from initServer. */
void trackingInit(void);

/* After <c> ran its command in call(): remembers the keys a read-only
 * command of a tracking client (or of the script run by <outer>, the client
 * whose command is running around <c>, or NULL) read. */
void trackingCommandDone(struct client *c, struct client *outer);

/* Before an outermost command runs: evicts keys from the table while it
 * holds more than tracking-table-max-keys (each eviction invalidates). */
void trackingLimitUsedSlots(void);

/* Once the outermost command is over (its reply written to the buffers):
 * sends the invalidations for its own client that were held back. */
void trackingHandlePendingInvalidations(void);

/* From resetClient, before the arguments are freed: CLIENT CACHING holds
 * for the next command (or transaction) only. */
void trackingClientCommandReset(struct client *c);

/* <key> was modified by <c> (NULL: the server itself): invalidates the
 * clients tracking it, and queues it for the broadcast when <bcast>. */
void trackingInvalidateKey(struct client *c, struct redisObject *key,
                           int bcast);

/* A database is about to be flushed: every tracking client gets a null
 * invalidation and the table is emptied. */
void trackingInvalidateKeysOnFlush(int async);

/* INFO fields. */
unsigned long trackingClientCount(void);
unsigned long long trackingTotalKeys(void);
unsigned long long trackingTotalItems(void);
unsigned long long trackingTotalPrefixes(void);

#endif
