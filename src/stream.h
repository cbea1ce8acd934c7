/* stream: the stream data type (XADD and friends, consumer groups).
 *
 * A stream value (OBJ_STREAM, encoding OBJ_ENCODING_STREAM) is a stream*:
 * entries live in listpack nodes kept in a radix tree (rax.h) keyed by
 * the 16-byte big-endian ID of each node's master entry. The node layout is
 * the one Redis 7.0 writes in RDB files (type STREAM_LISTPACKS_2), so nodes
 * travel unchanged through RDB and DUMP/RESTORE:
 *
 *   master entry: count | deleted | num-fields | field... | 0
 *   each entry:   flags | ms-diff | seq-diff | [num-fields | field value...
 *                 or, with the SAMEFIELDS flag, value...] | lp-count
 *
 * where count and deleted count live and tombstoned entries, the ID
 * differences are relative to the node's master ID, and lp-count is the
 * number of elements of the entry before it (so a reader can walk back).
 *
 * Consumer groups (name -> streamCG), their consumers (name ->
 * streamConsumer) and pending entries lists (ID -> streamNACK) are radix
 * trees too; a NACK is owned by its group's PEL and shared with the owning
 * consumer's PEL. */
#ifndef STREAM_H
#define STREAM_H

#include <stdint.h>

#include "rax.h"
#include "server.h"

#define STREAM_ITEM_FLAG_NONE 0
#define STREAM_ITEM_FLAG_DELETED (1 << 0)
#define STREAM_ITEM_FLAG_SAMEFIELDS (1 << 1)
/* entries_read of a group when it cannot be known. */
#define SCG_INVALID_ENTRIES_READ -1
#define STREAM_ID_LEN 16

typedef struct streamID {
    uint64_t ms;
    uint64_t seq;
} streamID;

typedef struct stream {
    rax *nodes;                   /* master ID (16 bytes BE) -> listpack */
    uint64_t length;              /* live entries */
    streamID last_id;             /* last ID ever added (or XSETID) */
    streamID first_id;            /* first live entry, 0-0 when empty */
    streamID max_deleted_entry_id;
    uint64_t entries_added;       /* entries ever added */
    rax *cgroups;                 /* name -> streamCG, NULL when none */
} stream;

typedef struct streamConsumer {
    long long seen_time;          /* ms, last time it read or claimed */
    sds name;
    rax *pel;                     /* ID -> streamNACK (owned by the group) */
} streamConsumer;

typedef struct streamNACK {
    long long delivery_time;      /* ms */
    uint64_t delivery_count;
    streamConsumer *consumer;
} streamNACK;

typedef struct streamCG {
    streamID last_id;             /* last delivered ID */
    long long entries_read;       /* or SCG_INVALID_ENTRIES_READ */
    rax *pel;                     /* ID -> streamNACK (owned) */
    rax *consumers;               /* name -> streamConsumer (owned) */
} streamCG;

/* Registers the type's object methods and blocking serve function;
 * called from initServer. */
void streamTypeInit(void);

/* Creates an empty stream object (refcount 1). */
robj *createStreamObject(void);

/* IDs as 16 big-endian bytes (rax keys, RDB PEL entries). */
void streamEncodeID(void *buf, const streamID *id);
void streamDecodeID(const void *buf, streamID *id);
int streamCompareID(const streamID *a, const streamID *b);

/* Checks the listpack node <lp> (already validated as a listpack) whose
 * master ID is <master>: every entry well formed, live entries' IDs
 * increasing and above <*prev> (updated to the node's last live ID),
 * counters consistent. Adds the node's live entries to *<live>. Returns
 * 1 valid, 0 corrupt. */
int streamValidateNode(unsigned char *lp, const streamID *master,
                       streamID *prev, int *has_prev, uint64_t *live);

/* Consumer group building blocks for the RDB loader. Each returns NULL
 * when the name already exists. */
streamCG *streamCreateCG(stream *s, const char *name, size_t len,
                         const streamID *id, long long entries_read);
streamConsumer *streamAddConsumer(streamCG *cg, const char *name, size_t len,
                                  long long seen_time);
streamNACK *streamCreateNACK(streamConsumer *consumer);
void streamFreeNACK(void *nack);
/* Frees every consumer group of <s> (the RDB loader undoing a cut read). */
void streamFreeGroups(stream *s);

/* Appends to <s> the commands that rebuild the stream <o> at <key>
 * (<klen> bytes) as Redis 7.0's AOF rewrite emits them: XADD per entry
 * (XADD MAXLEN 0 for an empty stream), XSETID, then per group XGROUP
 * CREATE, one XCLAIM per pending entry and XGROUP CREATECONSUMER for
 * consumers without pending entries. Returns the grown sds. */
sds streamCatRewriteCommands(sds s, const char *key, size_t klen, robj *o);

/* The first (or with <last>, the last) live entry's ID in *<id>; 0 and
 * 0-0 when <s> is empty. */
int streamGetEdgeID(stream *s, int last, streamID *id);
/* The logical read counter of <id> (entries from the first ever added), or
 * SCG_INVALID_ENTRIES_READ when it cannot be known (Redis 7.0's rules). */
long long streamEstimateDistance(stream *s, const streamID *id);

/* Key positions of XREAD / XREADGROUP (the keys after STREAMS, half of
 * the remaining arguments); fills <keys> up to <max>, returns the count
 * (0 on a malformed command line). */
int xreadGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                 int max);

#endif
