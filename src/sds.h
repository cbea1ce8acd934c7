/* sds: binary-safe dynamic strings.
 *
 * An sds is a char* that points at NUL-terminated bytes, preceded in the same
 * allocation by a header with its length and allocated size, so it can be
 * passed to printf-like functions and still hold NUL bytes. Functions that
 * may grow a string return the (possibly moved) string: always use the
 * returned value. Must not touch: anything above the platform layer. */
#ifndef SDS_H
#define SDS_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

typedef char *sds;

sds sdsNewLen(const void *init, size_t initlen); /* init may be NULL: zeroed */
sds sdsNewLenNoInit(size_t initlen);
sds sdsTryNewLen(const void *init, size_t initlen); /* NULL on OOM */
sds sdsNew(const char *init);                   /* init may be NULL */
sds sdsEmpty(void);
sds sdsDup(const sds s);
void sdsFree(sds s);                            /* NULL is a no-op */
size_t sdsLen(const sds s);
size_t sdsAvail(const sds s);
size_t sdsAllocSize(const sds s);               /* header + buffer + NUL */
void sdsSetLen(sds s, size_t newlen);
sds sdsGrowZero(sds s, size_t len);             /* extend with zero bytes */
sds sdsCatLen(sds s, const void *t, size_t len);
sds sdsCat(sds s, const char *t);
sds sdsCatSds(sds s, const sds t);
sds sdsCpyLen(sds s, const char *t, size_t len);
sds sdsCpy(sds s, const char *t);
sds sdsCatVPrintf(sds s, const char *fmt, va_list ap);
sds sdsCatPrintf(sds s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
sds sdsTrim(sds s, const char *cset);           /* strip chars of cset at both ends */
void sdsRange(sds s, ssize_t start, ssize_t end); /* inclusive, negatives from end */
void sdsClear(sds s);                           /* length 0, keeps the buffer */
int sdsCmp(const sds s1, const sds s2);
sds *sdsSplitLen(const char *s, ssize_t len, const char *sep, int seplen,
                 int *count);
void sdsFreeSplitRes(sds *tokens, int count);
void sdsToLower(sds s);
void sdsToUpper(sds s);
sds sdsFromLongLong(long long value);
sds sdsCatRepr(sds s, const char *p, size_t len); /* quoted, escaped */
/* Splits a config/inline line into arguments with shell-like quoting:
 * "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes'
 * with only \' escaped. Returns NULL on unbalanced quotes. */
sds *sdsSplitArgs(const char *line, int *argc);
sds sdsMapChars(sds s, const char *from, const char *to, size_t setlen);
sds sdsJoin(char **argv, int argc, const char *sep);
sds sdsMakeRoomFor(sds s, size_t addlen);       /* greedy: may over-allocate */
sds sdsMakeRoomForNonGreedy(sds s, size_t addlen);
void sdsIncrLen(sds s, ssize_t incr);           /* after writing into the tail */
sds sdsRemoveFreeSpace(sds s);
void sdsUpdateLen(sds s);                       /* length := strlen */

#endif
