/* util: small pure helpers on strings and numbers shared by every layer. */
#ifndef UTIL_H
#define UTIL_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#define LONG_STR_SIZE 21
#define MAX_LONG_DOUBLE_CHARS 5 * 1024
#define MAX_D2STRING_CHARS 128

/* Glob-style match (*, ?, [a-z], [^a], \x escapes) of <string> against <pattern>. */
int stringmatchlen(const char *pattern, int patternLen, const char *string,
                   int stringLen, int nocase);
int stringmatch(const char *pattern, const char *string, int nocase);
/* Parses a size with optional unit (b, k, kb, m, mb, g, gb; case-insensitive).
 * Sets *err to 1 on a bad value. */
long long memtoull(const char *p, int *err);
/* Strict decimal parsing: no spaces, no leading '+', no leading zeros except
 * "0", whole string consumed, in range. Return 1 on success, 0 otherwise. */
int string2ll(const char *s, size_t slen, long long *value);
int string2ull(const char *s, unsigned long long *value);
int string2l(const char *s, size_t slen, long *value);
/* Strict double / long double parsing: no spaces, not NaN. 1 ok, 0 bad. */
int string2d(const char *s, size_t slen, double *dp);
int string2ld(const char *s, size_t slen, long double *dp);
/* Writes <value> in decimal into <dst> (with NUL); returns its length or 0
 * if <dstlen> is too small. */
int ll2string(char *dst, size_t dstlen, long long value);
int ull2string(char *dst, size_t dstlen, unsigned long long value);
uint32_t digits10(uint64_t v);
/* Formats a double as Redis does in replies: "inf", "-inf", integers without
 * a fraction when exactly representable, otherwise %.17g. */
int d2string(char *buf, size_t len, double value);
typedef enum { LD_STR_AUTO, LD_STR_HUMAN, LD_STR_HEX } ld2string_mode;
/* Long double formatting as INCRBYFLOAT replies: %.17Lf with trailing zeros
 * (and a trailing dot) removed in LD_STR_HUMAN mode. */
int ld2string(char *buf, size_t len, long double value, ld2string_mode mode);
void getRandomBytes(unsigned char *p, size_t len);
void getRandomHexChars(char *p, size_t len);
long long ustime(void);    /* wall clock, microseconds */
long long mstime(void);    /* wall clock, milliseconds */
long long monotonicUs(void);
/* Returns an absolute path for <filename> (relative to the cwd), as an sds. */
char *getAbsolutePath(char *filename);
int pathIsBaseName(char *path);
/* Replaces characters that are not printable with '?' in place (for logs). */
void sanitizeForLog(char *s, size_t len);
/* Parses a CPU list ("0-3,8,10-14:2") into <set>; 0, or -1 if malformed. */
int parseCpuList(const char *list, cpu_set_t *set)
    __attribute__((warn_unused_result));

#endif
