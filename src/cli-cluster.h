/* cli-cluster: the cluster manager of redis-cli (redis-cli --cluster ...).
 *
 * redis-cli parses the options and hands them over in one cliClusterOptions;
 * this module owns everything after that: loading the cluster's layout from
 * CLUSTER NODES, the checks, and the commands that build and reshape a
 * cluster (create, check, info, fix, reshard, rebalance, add-node,
 * del-node, call, set-timeout, import, backup). */
#ifndef CLI_CLUSTER_H
#define CLI_CLUSTER_H

#include "cliclient.h"

typedef struct cliClusterOptions {
    cliConnOptions co;      /* TLS settings and deadline for every node */
    const char *user;       /* AUTH for every node (NULL: none) */
    const char *auth;
    int argc;               /* the subcommand and its arguments */
    char **argv;
    int replicas;           /* --cluster-replicas */
    int yes;                /* --cluster-yes or REDISCLI_CLUSTER_YES */
    const char *from;       /* --cluster-from */
    const char *to;         /* --cluster-to */
    int slots;              /* --cluster-slots (0: ask) */
    char **weights;         /* --cluster-weight node=w ... */
    int weights_count;
    int use_empty_masters;  /* --cluster-use-empty-masters */
    double threshold;       /* --cluster-threshold (percent) */
    int simulate;           /* --cluster-simulate */
    long timeout;           /* --cluster-timeout (ms, MIGRATE) */
    long pipeline;          /* --cluster-pipeline (keys per MIGRATE) */
    int search_multiple_owners;
    int fix_with_unreachable_masters;
    int copy;               /* --cluster-copy (import) */
    int replace;            /* --cluster-replace */
    int slave;              /* --cluster-slave (add-node) */
    const char *master_id;  /* --cluster-master-id */
    int only_masters;       /* --cluster-only-masters (call) */
    int only_replicas;      /* --cluster-only-replicas (call) */
    const char *from_user;  /* --cluster-from-user (import source) */
    const char *from_pass;  /* --cluster-from-pass / --cluster-from-askpass */
    /* Saves the RDB of the server behind <c> into <filename>; supplied by
     * redis-cli (its --rdb code). Returns 0 on success. */
    int (*get_rdb)(cliClient *c, const char *filename);
} cliClusterOptions;

/* Runs the cluster manager subcommand in <o>; returns the exit status. */
int cliClusterManager(const cliClusterOptions *o);

/* The hash slot (0..16383) of the <len> bytes of <key>. */
int cliClusterKeySlot(const char *key, size_t len);

/* Prints the --cluster help text to stdout. */
void cliClusterHelp(void);

#endif
