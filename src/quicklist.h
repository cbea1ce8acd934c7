/* quicklist: the list value of Redis 7.0 (OBJ_ENCODING_QUICKLIST): a
 * doubly linked list of nodes, each holding either a listpack of several
 * elements (container PACKED) or one large element as raw bytes (container
 * PLAIN, for elements of at least the packed threshold).
 *
 * The node layout is what an RDB file of type 18 (RDB_TYPE_LIST_QUICKLIST_2)
 * stores: for every node its container kind (1 = plain, 2 = packed) and its
 * bytes (the listpack blob, or the element). So the persistence module can:
 *
 *   saving:   for (quicklistNode *n = ql->head; n; n = n->next)
 *                 write n->container, then the n->sz bytes at n->entry;
 *   loading:  ql = quicklistCreate(server.list_max_listpack_size,
 *                                  server.list_compress_depth);
 *             quicklistAppendListpack(ql, lp);         (packed node)
 *             quicklistAppendPlainNode(ql, data, len); (plain node)
 *             (empty listpacks must be skipped by the loader, as Redis does).
 *
 * Node fill (how big a packed node may grow) comes from
 * list-max-listpack-size: a positive value caps the element count, a
 * negative one the listpack's bytes (-1: 4 KiB, -2: 8 KiB, -3: 16 KiB,
 * -4: 32 KiB, -5: 64 KiB). list-compress-depth is accepted and kept in
 * ql->compress, but nodes are never compressed in memory (issue 4): the
 * RDB writer may still LZF-compress node blobs as it sees fit, since the
 * file format compresses strings independently of the in-memory form.
 *
 * Ownership: a quicklist owns its nodes and their bytes. Strings handed to
 * push/insert/replace are copied. Entry pointers (quicklistEntry.value)
 * point inside a node and are valid until the list changes. */
#ifndef QUICKLIST_H
#define QUICKLIST_H

#include <stddef.h>

#define QUICKLIST_NODE_CONTAINER_PLAIN 1
#define QUICKLIST_NODE_CONTAINER_PACKED 2

#define QUICKLIST_HEAD 0
#define QUICKLIST_TAIL -1

#define AL_START_HEAD_QL 0 /* iterator direction: head to tail */
#define AL_START_TAIL_QL 1 /* iterator direction: tail to head */

/* Elements at least this long go into their own plain node (Redis 7.0's
 * default packed threshold, 1 GiB). */
#define QUICKLIST_DEFAULT_PACKED_THRESHOLD (1UL << 30)

typedef struct quicklistNode {
    struct quicklistNode *prev;
    struct quicklistNode *next;
    unsigned char *entry;   /* listpack (PACKED) or the element (PLAIN) */
    size_t sz;              /* bytes at entry */
    unsigned int count;     /* elements in the node (1 when PLAIN) */
    unsigned int container; /* QUICKLIST_NODE_CONTAINER_* */
} quicklistNode;

typedef struct quicklist {
    quicklistNode *head;
    quicklistNode *tail;
    unsigned long count;    /* elements in all nodes */
    unsigned long len;      /* nodes */
    int fill;               /* list-max-listpack-size at creation */
    unsigned int compress;  /* list-compress-depth at creation (kept only) */
} quicklist;

/* One element as read from a list. value != NULL: a string of sz bytes
 * (inside the node); value == NULL: the integer longval. node/lpe/offset
 * locate it for the iterator functions. */
typedef struct quicklistEntry {
    quicklist *ql;
    quicklistNode *node;
    unsigned char *lpe;     /* the listpack entry (PACKED), NULL for PLAIN */
    unsigned char *value;
    size_t sz;
    long long longval;
    long offset;            /* index inside the node */
} quicklistEntry;

typedef struct quicklistIter {
    quicklist *ql;
    quicklistNode *node;    /* node of the next element, NULL at the end */
    unsigned char *lpe;     /* last returned (or pending) entry in node */
    long offset;            /* index of lpe inside node */
    int direction;          /* AL_START_HEAD_QL / AL_START_TAIL_QL */
    int pending;            /* 1: the next call returns lpe/offset as is */
} quicklistIter;

/* Creation, copy, destruction. */
quicklist *quicklistCreate(int fill, int compress);
quicklist *quicklistDup(quicklist *ql);
void quicklistRelease(quicklist *ql);
unsigned long quicklistCount(const quicklist *ql);
size_t quicklistAllocSize(const quicklist *ql);

/* Threshold of plain nodes (DEBUG and tests). Returns the old value. */
size_t quicklistSetPackedThreshold(size_t sz);

/* Adding and removing at the ends. */
void quicklistPushHead(quicklist *ql, const void *s, size_t sz);
void quicklistPushTail(quicklist *ql, const void *s, size_t sz);
void quicklistPush(quicklist *ql, const void *s, size_t sz, int where);
int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *sz,
                 long long *lval);

/* Building from RDB parts (ownership of the bytes moves to <ql>). */
void quicklistAppendListpack(quicklist *ql, unsigned char *lp);
void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t sz);

/* Random access. */
int quicklistGetEntryAtIndex(quicklist *ql, long index, quicklistEntry *e);
int quicklistReplaceAtIndex(quicklist *ql, long index, const void *s,
                            size_t sz);
unsigned long quicklistDelRange(quicklist *ql, long start, long count);

/* Iteration. */
void quicklistInitIterator(quicklistIter *it, quicklist *ql, int direction);
int quicklistInitIteratorAtIdx(quicklistIter *it, quicklist *ql,
                               int direction, long index);
int quicklistNext(quicklistIter *it, quicklistEntry *e);
void quicklistDelEntry(quicklistIter *it, quicklistEntry *e);
/* After an insert the iterator must not be used again. */
void quicklistInsertBefore(quicklistIter *it, quicklistEntry *e,
                           const void *s, size_t sz);
void quicklistInsertAfter(quicklistIter *it, quicklistEntry *e,
                          const void *s, size_t sz);
int quicklistCompare(const quicklistEntry *e, const void *s, size_t sz);

#endif
