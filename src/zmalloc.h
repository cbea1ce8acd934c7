/* zmalloc: every heap allocation of the server goes through here.
 *
 * Owns: the count of bytes in use (used_memory in INFO) and the policy on
 * out-of-memory, which is to log one clear line and abort. Callers never see
 * NULL from zmalloc/zcalloc/zrealloc/zstrdup.
 * Must not touch: anything above the platform layer. */
#ifndef ZMALLOC_H
#define ZMALLOC_H

#include <stddef.h>

#ifdef USE_JEMALLOC
#define ZMALLOC_LIB "jemalloc"
#else
#define ZMALLOC_LIB "libc"
#endif

void *zmalloc(size_t size);
void *zcalloc(size_t size);
void *zrealloc(void *ptr, size_t size);
void *ztrymalloc(size_t size);          /* NULL on failure instead of abort */
void *ztrycalloc(size_t size);          /* zeroed, NULL on failure */
void zfree(void *ptr);
char *zstrdup(const char *s);
size_t zmallocUsedMemory(void);         /* bytes currently allocated */
size_t zmallocSize(void *ptr);          /* usable size of one allocation */
/* The usable size a request of <size> bytes would get (jemalloc's size
 * classes; <size> itself with another allocator). */
size_t zmallocGoodSize(size_t size);
size_t zmallocGetRss(void);             /* resident set size from /proc */
void zmallocSetOomHandler(void (*handler)(size_t));

#endif
