/* zmalloc.c: the one allocator wrapper of the code base.
 *
 * Owns: the process-wide count of bytes handed out (zmallocUsedMemory) and
 * the out-of-memory policy. The count is the allocator's usable size of each
 * block (malloc_usable_size, which glibc and Debian's jemalloc both export),
 * so it matches what the allocator really reserved, not what was asked for.
 * Invariant: every block returned here was counted exactly once, and is
 * uncounted exactly once when it goes back through zfree/zrealloc.
 * Must not touch: anything above the platform layer (no logging module, no
 * server globals); the default OOM handler writes straight to stderr. */
#include "zmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

static size_t zmallocUsed = 0;

static void zmallocDefaultOom(size_t size) {
    fprintf(stderr, "zmalloc: Out of memory trying to allocate %zu bytes\n",
            size);
    fflush(stderr);
    abort();
}

static void (*zmallocOomHandler)(size_t) = zmallocDefaultOom;

static inline void zmallocCountAdd(void *ptr) {
    __atomic_add_fetch(&zmallocUsed, malloc_usable_size(ptr), __ATOMIC_RELAXED);
}

static inline void zmallocCountSub(void *ptr) {
    __atomic_sub_fetch(&zmallocUsed, malloc_usable_size(ptr), __ATOMIC_RELAXED);
}

/* The handler is expected not to return; if it does, we still must not hand
 * NULL to a caller that was promised otherwise. */
static void zmallocOom(size_t size) {
    zmallocOomHandler(size);
    abort();
}

/* Allocates <size> bytes (at least one) and returns them, or NULL when the
 * allocator fails. The caller owns the block and frees it with zfree. */
void *ztrymalloc(size_t size) {
    void *ptr = malloc(size ? size : 1);
    if (ptr == NULL) return NULL;
    zmallocCountAdd(ptr);
    return ptr;
}

/* Allocates <size> bytes; never returns NULL (runs the OOM handler instead).
 * The caller owns the block. */
void *zmalloc(size_t size) {
    void *ptr = ztrymalloc(size);
    if (ptr == NULL) zmallocOom(size);
    return ptr;
}

/* Allocates <size> zeroed bytes, or returns NULL. Large blocks come from
 * pages the kernel zeroes when first touched, not written up front. */
void *ztrycalloc(size_t size) {
    void *ptr = calloc(1, size ? size : 1);
    if (ptr == NULL) return NULL;
    zmallocCountAdd(ptr);
    return ptr;
}

/* Allocates <size> zeroed bytes; never returns NULL. The caller owns it. */
void *zcalloc(size_t size) {
    void *ptr = ztrycalloc(size);
    if (ptr == NULL) zmallocOom(size);
    return ptr;
}

/* Resizes <ptr> (which may be NULL, acting as zmalloc) to <size> bytes and
 * returns the possibly moved block; <size> 0 frees <ptr> and returns NULL.
 * Never fails: on OOM the handler runs and <ptr> is left untouched. */
void *zrealloc(void *ptr, size_t size) {
    if (ptr == NULL) return zmalloc(size);
    if (size == 0) {
        zfree(ptr);
        return NULL;
    }
    size_t oldsize = malloc_usable_size(ptr);
    void *newptr = realloc(ptr, size);
    if (newptr == NULL) zmallocOom(size);
    __atomic_sub_fetch(&zmallocUsed, oldsize, __ATOMIC_RELAXED);
    zmallocCountAdd(newptr);
    return newptr;
}

/* Frees <ptr>, which must come from this module; NULL is a no-op. */
void zfree(void *ptr) {
    if (ptr == NULL) return;
    zmallocCountSub(ptr);
    free(ptr);
}

/* Returns a zmalloc'ed copy of the NUL-terminated <s>; the caller owns it. */
char *zstrdup(const char *s) {
    size_t l = strlen(s) + 1;
    char *p = zmalloc(l);
    memcpy(p, s, l);
    return p;
}

/* Returns the bytes currently allocated through this module. */
size_t zmallocUsedMemory(void) {
    return __atomic_load_n(&zmallocUsed, __ATOMIC_RELAXED);
}

/* Returns the usable size of the block <ptr> (at least what was asked). */
size_t zmallocSize(void *ptr) {
    return malloc_usable_size(ptr);
}

/* See zmalloc.h. */
size_t zmallocGoodSize(size_t size) {
#ifdef USE_JEMALLOC
    size_t good = nallocx(size ? size : 1, 0);
    return good ? good : size;
#else
    return size;
#endif
}

/* Returns the resident set size of this process in bytes, read from field 24
 * of /proc/self/stat (see proc(5)), or 0 if it cannot be read. */
size_t zmallocGetRss(void) {
    char buf[4096];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd == -1) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';

    /* The command name (field 2) is in parentheses and may hold spaces, so
     * count fields from the last ')'. It ends field 2; rss is field 24. */
    char *p = strrchr(buf, ')');
    if (p == NULL) return 0;
    p++;
    int field = 2;
    while (*p && field < 24) {
        if (*p == ' ') field++;
        p++;
    }
    if (field != 24) return 0;
    long long pages = strtoll(p, NULL, 10);
    long pagesize = sysconf(_SC_PAGESIZE);
    if (pages < 0 || pagesize <= 0) return 0;
    return (size_t)pages * (size_t)pagesize;
}

/* Installs <handler> to be called with the failed size when memory runs out;
 * NULL restores the default (one line on stderr, then abort). The handler
 * should not return; if it does, the process aborts anyway. */
void zmallocSetOomHandler(void (*handler)(size_t)) {
    zmallocOomHandler = handler ? handler : zmallocDefaultOom;
}
