/* listpack: a compact, backward-traversable list of strings and integers in
 * one contiguous allocation, byte-compatible with the listpack blobs that
 * Redis 7.0 stores in RDB files (quicklist nodes, small hashes, small sorted
 * sets). The format follows the public "Listpack specification" (Salvatore
 * Sanfilippo, Yuval Inbar, Oran Agra, version 1.2); listpack.c documents the
 * layout in full.
 *
 * Conventions of this API:
 * - A listpack is an `unsigned char *`. Every function that may grow or
 *   shrink it returns the (possibly moved) new pointer; the old one must not
 *   be used afterwards. Memory is owned by the caller and released with
 *   lpFree (it comes from zmalloc).
 * - An entry is an `unsigned char *` pointing at the entry's first byte
 *   inside the listpack. Entry pointers are invalidated by any change of the
 *   listpack, except the ones a function hands back (newp, *p).
 * - Strings that are canonical decimal integers fitting in int64 (strict
 *   string2ll, see util.h) are always stored as integers, so "10" and 10 are
 *   the same element; readers get integers back as integers (lpGet) or as
 *   decimal text (lpGet with an intbuf). */
#ifndef LISTPACK_H
#define LISTPACK_H

#include <stddef.h>
#include <stdint.h>

/* Functions returning the (possibly moved) listpack: dropping the result
 * leaves the caller with a freed pointer, so the compiler must complain. */
#define LP_MUST_USE __attribute__((warn_unused_result))

/* Where lpInsertString/lpInsertInteger put the new element relative to p. */
#define LP_BEFORE 0
#define LP_AFTER 1
#define LP_REPLACE 2

/* Size of a buffer able to hold any int64 in decimal plus a NUL. */
#define LP_INTBUF_SIZE 21

/* Fixed header: uint32 total bytes (LE) + uint16 element count (LE). */
#define LP_HDR_SIZE 6
/* Element count value meaning "unknown, count by scanning". */
#define LP_HDR_NUMELE_UNKNOWN UINT16_MAX
/* The terminator byte after the last entry. */
#define LP_EOF 0xFF
/* The largest listpack lpSafeToAdd lets callers grow to (1 GiB). */
#define LP_SAFETY_SIZE (1UL << 30)

/* One element as handed out by the random-pick helpers: a string when
 * sval != NULL (slen bytes at sval, pointing inside the listpack, valid
 * until the listpack changes), otherwise the integer lval. */
typedef struct {
    unsigned char *sval;
    uint32_t slen;
    long long lval;
} listpackEntry;

/* Called by lpValidateIntegrity (deep mode) once per entry; a zero return
 * makes validation fail. <p> is the entry, <head_count> the element count
 * from the header, <userdata> the caller's pointer. */
typedef int (*listpackValidateEntryCB)(unsigned char *p,
                                       unsigned int head_count, void *userdata);

/* Creation and destruction. */
LP_MUST_USE unsigned char *lpNew(size_t capacity);
void lpFree(unsigned char *lp);
LP_MUST_USE unsigned char *lpDup(unsigned char *lp);
LP_MUST_USE unsigned char *lpShrinkToFit(unsigned char *lp);

/* Adding elements. */
LP_MUST_USE unsigned char *lpInsertString(unsigned char *lp, unsigned char *s,
                                          uint32_t slen, unsigned char *p,
                                          int where, unsigned char **newp);
LP_MUST_USE unsigned char *lpInsertInteger(unsigned char *lp, long long lval,
                                           unsigned char *p, int where,
                                           unsigned char **newp);
LP_MUST_USE unsigned char *lpAppend(unsigned char *lp, unsigned char *s,
                                    uint32_t slen);
LP_MUST_USE unsigned char *lpPrepend(unsigned char *lp, unsigned char *s,
                                     uint32_t slen);
LP_MUST_USE unsigned char *lpAppendInteger(unsigned char *lp, long long lval);
LP_MUST_USE unsigned char *lpPrependInteger(unsigned char *lp, long long lval);
LP_MUST_USE unsigned char *lpReplace(unsigned char *lp, unsigned char **p,
                                     unsigned char *s, uint32_t slen);
LP_MUST_USE unsigned char *lpReplaceInteger(unsigned char *lp,
                                            unsigned char **p, long long lval);

/* Removing elements. */
LP_MUST_USE unsigned char *lpDelete(unsigned char *lp, unsigned char *p,
                                    unsigned char **newp);
LP_MUST_USE unsigned char *lpDeleteRange(unsigned char *lp, long index,
                                         unsigned long num);
LP_MUST_USE unsigned char *
lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p, unsigned long num);
LP_MUST_USE unsigned char *lpBatchDelete(unsigned char *lp, unsigned char **ps,
                                         unsigned long count);
unsigned char *lpMerge(unsigned char **first, unsigned char **second);

/* Size and navigation. */
unsigned long lpLength(unsigned char *lp);
size_t lpBytes(unsigned char *lp);
unsigned char *lpFirst(unsigned char *lp);
unsigned char *lpLast(unsigned char *lp);
unsigned char *lpNext(unsigned char *lp, unsigned char *p);
unsigned char *lpPrev(unsigned char *lp, unsigned char *p);
unsigned char *lpSeek(unsigned char *lp, long index);

/* Reading and comparing. */
unsigned char *lpGet(unsigned char *p, int64_t *count, unsigned char *intbuf);
unsigned char *lpGetValue(unsigned char *p, unsigned int *slen,
                          long long *lval);
int lpGetIntegerValue(unsigned char *p, long long *lval);
unsigned char *lpFind(unsigned char *lp, unsigned char *p, unsigned char *s,
                      uint32_t slen, unsigned int skip);
int lpCompare(unsigned char *p, unsigned char *s, uint32_t slen);

/* Validation of untrusted blobs (RDB loading, RESTORE). */
int lpValidateIntegrity(unsigned char *lp, size_t size, int deep,
                        listpackValidateEntryCB entry_cb, void *cb_userdata);
unsigned char *lpValidateFirst(unsigned char *lp);
int lpValidateNext(unsigned char *lp, unsigned char **pp, size_t lpbytes);

/* Limits. */
int lpSafeToAdd(unsigned char *lp, size_t add);

/* Random picks for HRANDFIELD / ZRANDMEMBER (pairs are key,value entries). */
void lpRandomPair(unsigned char *lp, unsigned long total_count,
                  listpackEntry *key, listpackEntry *val);
void lpRandomPairs(unsigned char *lp, unsigned int count, listpackEntry *keys,
                   listpackEntry *vals);
unsigned int lpRandomPairsUnique(unsigned char *lp, unsigned int count,
                                 listpackEntry *keys, listpackEntry *vals);

#endif
