/* cluster.h: cluster mode (cluster.c) as the rest of the server sees it.
 *
 * The server calls clusterInit() at start-up when cluster-enabled is on,
 * asks clusterRedirectIfNeeded() before running a command, and hands
 * PUBLISH/SPUBLISH to clusterPropagatePublish(). Everything else (nodes,
 * slots, the bus, nodes.conf) stays inside cluster.c. */
#ifndef CLUSTER_H
#define CLUSTER_H

#include <stdint.h>

#define CLUSTER_SLOTS 16384

struct client;
struct redisObject;

/* cluster-preferred-endpoint-type values. */
#define CLUSTER_ENDPOINT_TYPE_IP 0
#define CLUSTER_ENDPOINT_TYPE_HOSTNAME 1
#define CLUSTER_ENDPOINT_TYPE_UNKNOWN_ENDPOINT 2

/* Sets cluster mode up: loads or creates cluster-config-file, opens the
 * bus listener and registers the cron and before-sleep hooks. Exits the
 * process with a log line when the configuration cannot be used. */
void clusterInit(void);

/* The hash slot of <key> (<keylen> bytes): CRC16-XMODEM of the key, or of
 * the part between the first '{' and the next '}' when that part is not
 * empty, modulo 16384. */
unsigned int keyHashSlot(const char *key, int keylen);

/* CRC16 with polynomial 0x1021, initial value 0 (XMODEM), over <len>
 * bytes of <buf>. */
uint16_t crc16xmodem(const char *buf, int len);

/* In cluster mode, checks that this node serves every key of the command
 * in c->argv (or of the queued transaction when it is EXEC). Returns 0 when
 * the command may run here; otherwise replies -MOVED, -ASK, -CROSSSLOT,
 * -TRYAGAIN or -CLUSTERDOWN (flagging a transaction) and returns 1. */
int clusterRedirectIfNeeded(struct client *c);

/* Sends a PUBLISH (<sharded> 0) to every node of the bus, or an
 * SPUBLISH (<sharded> 1) to the nodes of this node's shard. */
void clusterPropagatePublish(struct redisObject *channel,
                             struct redisObject *message, int sharded);

#endif
