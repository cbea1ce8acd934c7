/* rax: an ordered map from binary keys to pointers, kept as a compressed
 * prefix tree (a radix tree, "Patricia trie" with byte-labelled edges).
 *
 * Keys compare as unsigned bytes, a key before its extensions ("" < "a" <
 * "ab" < "b"). Each node carries the label of the edge that leads into
 * it (one or more bytes; the root's is empty), may hold a key (the bytes
 * from the root down to the end of its label) with its value, and has up
 * to 256 children sorted by the first byte of their labels. Every node
 * but the root either holds a key or has two children or more (or carries
 * a full 4 MB label: longer edges are chains), so a map of N keys of up
 * to 4 MB has fewer than 2N + 1 nodes, and a lookup reads each byte of
 * the key once.
 *
 * Streams keep their listpack nodes here keyed by 16-byte big-endian IDs
 * (byte order is ID order), and their consumer groups, consumers and
 * pending entries lists.
 *
 * Ownership: the tree owns its nodes (keys are stored in them), never the
 * values (raxFree may hand each to a callback). Iterators borrow the tree:
 * any insert or removal invalidates every iterator of the tree (seek again
 * from a saved key); raxIterSetValue does not. */
#ifndef RAX_H
#define RAX_H

#include <stddef.h>
#include <stdint.h>

typedef struct raxNode raxNode;

typedef struct rax {
    raxNode *head;   /* the root: empty label, never freed before raxFree */
    uint64_t numele; /* keys */
    uint64_t numnodes;
    size_t bytes;    /* allocated by the nodes */
} rax;

/* One level of an iterator's path: the node, the length of the key once
 * its label is appended, and the child being visited (-1: the node). */
typedef struct raxFrame {
    raxNode *node;
    size_t keylen;
    int child;
} raxFrame;

#define RAX_ITER_INLINE_DEPTH 24
#define RAX_ITER_INLINE_KEY 48

/* An ordered cursor. After a positioning call that returned 1, <key>
 * (<key_len> bytes, borrowed until the next call) and <val> describe the
 * current entry. */
typedef struct raxIter {
    rax *tree;
    unsigned char *key;
    size_t key_len, key_cap;
    void *val;
    int valid;
    raxFrame *stack;
    size_t depth, stack_cap;
    raxFrame inline_stack[RAX_ITER_INLINE_DEPTH];
    unsigned char inline_key[RAX_ITER_INLINE_KEY];
} raxIter;

/* Creates an empty tree owned by the caller (release with raxFree). */
rax *raxNew(void);
/* Frees <r> and its nodes; each value goes to <freeval> unless NULL. */
void raxFree(rax *r, void (*freeval)(void *));
/* Number of keys / of nodes (the root included) / bytes of nodes. */
uint64_t raxSize(const rax *r);
uint64_t raxNodeCount(const rax *r);
size_t raxAllocSize(const rax *r);

/* Adds <key>/<len> -> <val>. Returns 1 when added, 0 (tree unchanged)
 * when the key was already present. */
int raxInsert(rax *r, const void *key, size_t len, void *val);
/* Sets the value of <key> when present (returns 1; the tree's shape is
 * unchanged, so iterators stay valid); 0 when absent. */
int raxReplace(rax *r, const void *key, size_t len, void *val);
/* Returns 1 and sets *<val> (when not NULL) if <key> is present. */
int raxFind(const rax *r, const void *key, size_t len, void **val);
/* Removes <key>; returns 1 (old value in *<old> when not NULL) or 0. */
int raxRemove(rax *r, const void *key, size_t len, void **old);

/* Prepares <it> over <r>; it points nowhere until positioned. */
void raxIterInit(raxIter *it, rax *r);
/* Points <it> at the tree <r> (positioned nowhere), keeping its buffers;
 * returns <it>. */
raxIter *raxIterRetarget(raxIter *it, rax *r);
/* Releases what <it> allocated (the iterator itself is the caller's). */
void raxIterRelease(raxIter *it);
/* Positions on the smallest / largest key; 0 when the tree is empty. */
int raxIterFirst(raxIter *it);
int raxIterLast(raxIter *it);
/* Positions on the smallest key >= <key> (> with <strict>); 0 if none. */
int raxIterSeekGE(raxIter *it, const void *key, size_t len, int strict);
/* Positions on the largest key <= <key> (< with <strict>); 0 if none. */
int raxIterSeekLE(raxIter *it, const void *key, size_t len, int strict);
/* Moves to the following / preceding key; 0 (and not valid) past the
 * end. Only after a positioning call that returned 1. */
int raxIterNext(raxIter *it);
int raxIterPrev(raxIter *it);
/* Replaces the value of the current key (the tree's shape is unchanged,
 * so the iterator stays valid). */
void raxIterSetValue(raxIter *it, void *val);

#endif
