/* intset: a sorted set of integers in one allocation, byte-compatible with
 * the intset blobs Redis 7.0 stores in RDB files (object type 11,
 * RDB_TYPE_SET_INTSET, and inside DUMP payloads).
 *
 * Layout (all fields little-endian, whatever the host):
 *   uint32 encoding   bytes per element: 2 (int16), 4 (int32) or 8 (int64)
 *   uint32 length     number of elements
 *   contents          <length> signed integers of <encoding> bytes each,
 *                     strictly increasing
 * The encoding is the smallest that holds every element ever added; adding
 * a wider value upgrades the whole set, removing never downgrades it. The
 * blob is the struct itself: intsetBlobLen(is) bytes starting at <is>.
 *
 * Like listpacks, every function that may resize the set returns the
 * (possibly moved) new pointer; the old one must not be used afterwards.
 * Memory comes from zmalloc and is released with zfree. */
#ifndef INTSET_H
#define INTSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct intset {
    uint32_t encoding;
    uint32_t length;
    int8_t contents[];
} intset;

/* Functions returning the (possibly moved) intset: dropping the result
 * leaves the caller with a freed pointer, so the compiler must complain. */
#define INTSET_MUST_USE __attribute__((warn_unused_result))

/* Values of the encoding field. */
#define INTSET_ENC_INT16 ((uint32_t)sizeof(int16_t))
#define INTSET_ENC_INT32 ((uint32_t)sizeof(int32_t))
#define INTSET_ENC_INT64 ((uint32_t)sizeof(int64_t))

INTSET_MUST_USE intset *intsetNew(void);
INTSET_MUST_USE intset *intsetDup(intset *is);
INTSET_MUST_USE intset *intsetAdd(intset *is, int64_t value, uint8_t *success);
INTSET_MUST_USE intset *intsetRemove(intset *is, int64_t value, int *success);
uint8_t intsetFind(intset *is, int64_t value);
int64_t intsetRandom(intset *is);
int64_t intsetMax(intset *is);
int64_t intsetMin(intset *is);
uint8_t intsetGet(intset *is, uint32_t pos, int64_t *value);
uint32_t intsetLen(const intset *is);
size_t intsetBlobLen(intset *is);
int intsetValidateIntegrity(const unsigned char *is, size_t size, int deep);

#endif
