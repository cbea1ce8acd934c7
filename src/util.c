/* util.c: small helpers on strings, numbers, time and randomness.
 *
 * Owns: the process's random byte generator (a ChaCha20 keystream keyed
 * from /dev/urandom, re-keyed after fork) and nothing else; every other
 * function is pure or only reads the clock or the working directory.
 * Number parsing is strict on purpose: a value that would not survive a
 * round trip through its printed form is refused, as Redis does.
 * Must not touch: anything above the platform layer. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "sds.h"

/* --------------------------------- glob ---------------------------------- */

static inline unsigned char utilFold(unsigned char c, int nocase) {
    return nocase ? (unsigned char)tolower(c) : c;
}

/* Matches one non-'*' pattern element starting at <pattern>[*<pos>] against
 * the byte <c>. Advances *<pos> past the element and returns 1 on a match,
 * 0 otherwise. An unterminated '[' class runs to the end of the pattern. */
static int utilMatchElement(const char *pattern, int patternLen, int *pos,
                            unsigned char c, int nocase) {
    int p = *pos;
    unsigned char fc = utilFold(c, nocase);

    if (pattern[p] == '?') {
        *pos = p + 1;
        return 1;
    }
    if (pattern[p] == '[') {
        int negate = 0, match = 0;
        p++;
        if (p < patternLen && pattern[p] == '^') {
            negate = 1;
            p++;
        }
        while (p < patternLen && pattern[p] != ']') {
            if (pattern[p] == '\\' && p + 1 < patternLen) {
                if (utilFold((unsigned char)pattern[p + 1], nocase) == fc) match = 1;
                p += 2;
            } else if (p + 2 < patternLen && pattern[p + 1] == '-') {
                unsigned char lo = utilFold((unsigned char)pattern[p], nocase);
                unsigned char hi = utilFold((unsigned char)pattern[p + 2], nocase);
                if (lo > hi) {
                    unsigned char t = lo;
                    lo = hi;
                    hi = t;
                }
                if (fc >= lo && fc <= hi) match = 1;
                p += 3;
            } else {
                if (utilFold((unsigned char)pattern[p], nocase) == fc) match = 1;
                p++;
            }
        }
        if (p < patternLen) p++; /* the closing ']' */
        *pos = p;
        return negate ? !match : match;
    }
    if (pattern[p] == '\\' && p + 1 < patternLen) p++;
    *pos = p + 1;
    return utilFold((unsigned char)pattern[p], nocase) == fc;
}

/* Returns 1 if the <stringLen> bytes of <string> match the glob <pattern>
 * of <patternLen> bytes ('*' any run, '?' any byte, [abc] [a-z] [^...]
 * classes, '\' quoting the next byte), 0 otherwise; <nocase> folds ASCII
 * case. Runs in O(patternLen * stringLen) at worst: since every element but
 * '*' consumes exactly one byte, only the last '*' ever needs to be retried,
 * so hostile patterns such as "*a*a*a*b" cannot explode. */
int stringmatchlen(const char *pattern, int patternLen, const char *string,
                   int stringLen, int nocase) {
    int p = 0, s = 0;
    int starP = -1, starS = 0;

    while (s < stringLen) {
        if (p < patternLen && pattern[p] == '*') {
            while (p < patternLen && pattern[p] == '*') p++;
            if (p == patternLen) return 1;
            starP = p;
            starS = s;
            continue;
        }
        if (p < patternLen) {
            int np = p;
            if (utilMatchElement(pattern, patternLen, &np,
                                 (unsigned char)string[s], nocase)) {
                p = np;
                s++;
                continue;
            }
        }
        if (starP < 0) return 0;
        /* Let the last '*' swallow one more byte and retry from there. */
        starS++;
        s = starS;
        p = starP;
    }
    while (p < patternLen && pattern[p] == '*') p++;
    return p == patternLen;
}

/* stringmatchlen on the C strings <pattern> and <string>. */
int stringmatch(const char *pattern, const char *string, int nocase) {
    return stringmatchlen(pattern, (int)strlen(pattern), string,
                          (int)strlen(string), nocase);
}

/* -------------------------------- numbers -------------------------------- */

/* Parses a memory size such as "100", "1gb" or "512K" from the C string
 * <p>: digits, then an optional unit b, k (1000), kb (1024), m, mb, g, gb,
 * in any case. An empty string is 0 (as redis.conf accepts). On a sign,
 * junk, a unit without digits or overflow, sets *<err> to 1 (when not NULL)
 * and returns 0; otherwise sets *<err> to 0 and returns the byte count. */
long long memtoull(const char *p, int *err) {
    unsigned long long mul, val = 0;
    const char *u = p;

    if (err) *err = 0;
    while (*u >= '0' && *u <= '9') u++;
    if (*u == '\0' || !strcasecmp(u, "b")) {
        mul = 1;
    } else if (!strcasecmp(u, "k")) {
        mul = 1000;
    } else if (!strcasecmp(u, "kb")) {
        mul = 1024;
    } else if (!strcasecmp(u, "m")) {
        mul = 1000ULL * 1000;
    } else if (!strcasecmp(u, "mb")) {
        mul = 1024ULL * 1024;
    } else if (!strcasecmp(u, "g")) {
        mul = 1000ULL * 1000 * 1000;
    } else if (!strcasecmp(u, "gb")) {
        mul = 1024ULL * 1024 * 1024;
    } else {
        goto bad;
    }
    if (u == p && *u != '\0') goto bad; /* a unit alone */

    for (const char *d = p; d < u; d++) {
        unsigned digit = (unsigned)(*d - '0');
        if (val > (ULLONG_MAX - digit) / 10) goto bad;
        val = val * 10 + digit;
    }
    if (mul != 1 && val > ULLONG_MAX / mul) goto bad;
    return (long long)(val * mul);

bad:
    if (err) *err = 1;
    return 0;
}

/* Parses the <slen> bytes at <s> as a strict decimal long long into
 * *<value> (when not NULL): an optional '-', then "0" or digits without a
 * leading zero, nothing else; "-0", "+1", " 1", "01" and "" are refused.
 * Returns 1 on success, 0 otherwise (then *<value> is untouched). */
int string2ll(const char *s, size_t slen, long long *value) {
    size_t i = 0;
    int negative = 0;
    unsigned long long v;

    if (slen == 0 || slen > 20) return 0;
    if (slen == 1 && s[0] == '0') {
        if (value) *value = 0;
        return 1;
    }
    if (s[0] == '-') {
        negative = 1;
        i++;
        if (i == slen) return 0;
    }
    if (s[i] < '1' || s[i] > '9') return 0;
    v = (unsigned long long)(s[i] - '0');
    for (i++; i < slen; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - digit) / 10) return 0;
        v = v * 10 + digit;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
        if (value) *value = (long long)(0ULL - v);
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        if (value) *value = (long long)v;
    }
    return 1;
}

/* Parses the C string <s> as a strict unsigned decimal (same rules as
 * string2ll, no sign at all) into *<value>. Returns 1 on success, else 0. */
int string2ull(const char *s, unsigned long long *value) {
    size_t slen = strlen(s);
    unsigned long long v = 0;

    if (slen == 0 || slen > 20) return 0;
    if (slen > 1 && s[0] == '0') return 0;
    for (size_t i = 0; i < slen; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - digit) / 10) return 0;
        v = v * 10 + digit;
    }
    if (value) *value = v;
    return 1;
}

/* string2ll into a long: 1 on success, 0 if invalid or out of range. */
int string2l(const char *s, size_t slen, long *value) {
    long long ll;
    if (!string2ll(s, slen, &ll)) return 0;
    if (ll < LONG_MIN || ll > LONG_MAX) return 0;
    if (value) *value = (long)ll;
    return 1;
}

/* Parses the <slen> bytes at <s> as a double (strtod syntax, so also "inf"
 * and hex floats) into *<dp>. The whole input must be consumed; leading
 * spaces, NaN, overflow and underflow to zero are refused. 1 ok, 0 bad. */
int string2d(const char *s, size_t slen, double *dp) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    char *eptr;

    if (slen == 0 || slen >= sizeof(buf) || isspace((unsigned char)s[0]))
        return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    errno = 0;
    double v = strtod(buf, &eptr);
    if ((size_t)(eptr - buf) != slen) return 0;
    if (isnan(v)) return 0;
    if (errno == ERANGE && (isinf(v) || v == 0)) return 0;
    if (dp) *dp = v;
    return 1;
}

/* Like string2d for a long double (as INCRBYFLOAT parses). 1 ok, 0 bad. */
int string2ld(const char *s, size_t slen, long double *dp) {
    char buf[MAX_LONG_DOUBLE_CHARS];
    char *eptr;

    if (slen == 0 || slen >= sizeof(buf) || isspace((unsigned char)s[0]))
        return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    errno = 0;
    long double v = strtold(buf, &eptr);
    if ((size_t)(eptr - buf) != slen) return 0;
    if (isnan(v)) return 0;
    if (errno == ERANGE && (isinf(v) || v == 0)) return 0;
    if (dp) *dp = v;
    return 1;
}

/* Returns the number of decimal digits of <v> (1 for 0). */
uint32_t digits10(uint64_t v) {
    uint32_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Writes <value> in decimal with a NUL into <dst> of <dstlen> bytes.
 * Returns the length written, or 0 if it does not fit. */
int ull2string(char *dst, size_t dstlen, unsigned long long value) {
    uint32_t len = digits10(value);
    if (dstlen < (size_t)len + 1) {
        if (dstlen) dst[0] = '\0';
        return 0;
    }
    dst[len] = '\0';
    for (uint32_t i = len; i > 0; i--) {
        dst[i - 1] = (char)('0' + value % 10);
        value /= 10;
    }
    return (int)len;
}

/* Writes the signed <value> in decimal with a NUL into <dst>. Returns the
 * length written, or 0 if <dstlen> is too small. */
int ll2string(char *dst, size_t dstlen, long long value) {
    if (value >= 0) return ull2string(dst, dstlen, (unsigned long long)value);
    if (dstlen < 2) {
        if (dstlen) dst[0] = '\0';
        return 0;
    }
    dst[0] = '-';
    int len = ull2string(dst + 1, dstlen - 1, 0ULL - (unsigned long long)value);
    if (len == 0) {
        dst[0] = '\0';
        return 0;
    }
    return len + 1;
}

/* Formats <value> into <buf> of <len> bytes the way Redis 7.0 replies with
 * doubles: "nan", "inf", "-inf", "0"/"-0", integers below 2^52 in plain
 * decimal, everything else with %.17g (so it reads back exactly). Returns
 * the length, or 0 if it does not fit. */
int d2string(char *buf, size_t len, double value) {
    int n;
    if (isnan(value)) {
        n = snprintf(buf, len, "nan");
    } else if (isinf(value)) {
        n = snprintf(buf, len, value > 0 ? "inf" : "-inf");
    } else if (value == 0) {
        n = snprintf(buf, len, signbit(value) ? "-0" : "0");
    } else if (value > -4503599627370496.0 && value < 4503599627370496.0 &&
               value == (double)(long long)value) {
        return ll2string(buf, len, (long long)value);
    } else {
        n = snprintf(buf, len, "%.17g", value);
    }
    if (n < 0 || (size_t)n >= len) return 0;
    return n;
}

/* Formats the long double <value> into <buf> of <len> bytes. AUTO uses
 * %.17Lg (exact round trip, may use an exponent); HUMAN uses %.17Lf with
 * trailing zeros and dot removed and "-0" shown as "0" (INCRBYFLOAT's reply
 * format); HEX uses %La. Infinities print as "inf"/"-inf"; NaN is refused.
 * Returns the length, or 0 if it does not fit. */
int ld2string(char *buf, size_t len, long double value, ld2string_mode mode) {
    int n;

    if (isnan(value)) return 0;
    if (isinf(value)) {
        n = snprintf(buf, len, value > 0 ? "inf" : "-inf");
        return (n < 0 || (size_t)n >= len) ? 0 : n;
    }
    switch (mode) {
    case LD_STR_AUTO:
        n = snprintf(buf, len, "%.17Lg", value);
        break;
    case LD_STR_HEX:
        n = snprintf(buf, len, "%La", value);
        break;
    case LD_STR_HUMAN:
        n = snprintf(buf, len, "%.17Lf", value);
        if (n < 0 || (size_t)n >= len) return 0;
        if (strchr(buf, '.') != NULL) {
            while (n > 0 && buf[n - 1] == '0') n--;
            if (n > 0 && buf[n - 1] == '.') n--;
            buf[n] = '\0';
        }
        if (n == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            buf[1] = '\0';
            n = 1;
        }
        break;
    default:
        return 0;
    }
    if (n < 0 || (size_t)n >= len) return 0;
    return n;
}

/* ------------------------------- randomness ------------------------------- */

/* ChaCha20 block function, RFC 8439 section 2.3. */
#define UTIL_ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define UTIL_QROUND(a, b, c, d)                         \
    do {                                                \
        a += b; d ^= a; d = UTIL_ROTL32(d, 16);          \
        c += d; b ^= c; b = UTIL_ROTL32(b, 12);          \
        a += b; d ^= a; d = UTIL_ROTL32(d, 8);           \
        c += d; b ^= c; b = UTIL_ROTL32(b, 7);           \
    } while (0)

static void utilChaChaBlock(const uint32_t in[16], uint8_t out[64]) {
    uint32_t x[16];
    memcpy(x, in, sizeof(x));
    for (int i = 0; i < 10; i++) {
        UTIL_QROUND(x[0], x[4], x[8], x[12]);
        UTIL_QROUND(x[1], x[5], x[9], x[13]);
        UTIL_QROUND(x[2], x[6], x[10], x[14]);
        UTIL_QROUND(x[3], x[7], x[11], x[15]);
        UTIL_QROUND(x[0], x[5], x[10], x[15]);
        UTIL_QROUND(x[1], x[6], x[11], x[12]);
        UTIL_QROUND(x[2], x[7], x[8], x[13]);
        UTIL_QROUND(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + in[i];
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

static pthread_mutex_t utilRandLock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t utilRandState[16];
static pid_t utilRandPid = 0; /* 0: not keyed yet */

static void utilRandKey(void) {
    uint8_t seed[44];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd != -1) {
        while (got < sizeof(seed)) {
            ssize_t n = read(fd, seed + got, sizeof(seed) - got);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                break;
            }
            got += (size_t)n;
        }
        close(fd);
    }
    if (got < sizeof(seed)) {
        /* No urandom (chroot?): weak but unique-per-process fallback. */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        uint64_t mix[3] = {(uint64_t)tv.tv_sec, (uint64_t)tv.tv_usec,
                           (uint64_t)getpid() ^ ((uint64_t)(uintptr_t)&tv << 16)};
        memset(seed, 0x5c, sizeof(seed));
        memcpy(seed, mix, sizeof(mix));
    }
    utilRandState[0] = 0x61707865;
    utilRandState[1] = 0x3320646e;
    utilRandState[2] = 0x79622d32;
    utilRandState[3] = 0x6b206574;
    memcpy(&utilRandState[4], seed, 32);  /* key */
    utilRandState[12] = 0;                /* block counter */
    memcpy(&utilRandState[13], seed + 32, 12); /* nonce */
    utilRandPid = getpid();
}

/* Fills <p> with <len> unpredictable bytes (run ids, seeds, nonces). The
 * stream is keyed from /dev/urandom on first use and again in a forked
 * child, so parent and child never share output. Thread-safe. */
void getRandomBytes(unsigned char *p, size_t len) {
    uint8_t block[64];

    pthread_mutex_lock(&utilRandLock);
    if (utilRandPid != getpid()) utilRandKey();
    while (len) {
        utilChaChaBlock(utilRandState, block);
        /* 2^32 blocks of 64 bytes per key, then re-key. */
        if (++utilRandState[12] == 0) utilRandKey();
        size_t n = len < sizeof(block) ? len : sizeof(block);
        memcpy(p, block, n);
        p += n;
        len -= n;
    }
    memset(block, 0, sizeof(block));
    pthread_mutex_unlock(&utilRandLock);
}

/* Fills <p> with <len> random lower-case hexadecimal characters (no NUL). */
void getRandomHexChars(char *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    getRandomBytes((unsigned char *)p, len);
    for (size_t j = 0; j < len; j++) p[j] = hex[(unsigned char)p[j] & 0x0f];
}

/* ---------------------------------- time ---------------------------------- */

/* Returns the wall-clock time in microseconds since the epoch. */
long long ustime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Returns the wall-clock time in milliseconds since the epoch. */
long long mstime(void) {
    return ustime() / 1000;
}

/* Returns a monotonic clock in microseconds (for timeouts and durations;
 * unaffected by changes of the wall clock). */
long long monotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------- paths --------------------------------- */

/* Returns a new sds with the absolute form of <filename> (spaces trimmed at
 * both ends; relative to the current directory). "." and ".." components
 * and repeated slashes are resolved lexically (symlinks are not followed).
 * Returns NULL if the current directory cannot be read. The caller frees
 * the result with sdsFree. */
char *getAbsolutePath(char *filename) {
    sds rel = sdsNew(filename);
    rel = sdsTrim(rel, " \r\n\t");

    sds path;
    if (rel[0] == '/') {
        path = rel;
    } else {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            sdsFree(rel);
            return NULL;
        }
        path = sdsNew(cwd);
        path = sdsCat(path, "/");
        path = sdsCatSds(path, rel);
        sdsFree(rel);
    }

    /* Normalise in place: out never runs ahead of in. */
    size_t len = sdsLen(path), in = 0, out = 0;
    while (in < len) {
        while (in < len && path[in] == '/') in++;
        if (in == len) break;
        size_t start = in;
        while (in < len && path[in] != '/') in++;
        size_t clen = in - start;
        if (clen == 1 && path[start] == '.') continue;
        if (clen == 2 && path[start] == '.' && path[start + 1] == '.') {
            while (out > 0 && path[out - 1] != '/') out--;
            if (out > 0) out--; /* the slash before the dropped component */
            continue;
        }
        path[out++] = '/';
        memmove(path + out, path + start, clen);
        out += clen;
    }
    if (out == 0) path[out++] = '/';
    sdsSetLen(path, out);
    return path;
}

/* Returns 1 if <path> is a plain file name (no '/' or '\', not "." or ".."
 * and not empty), 0 if it names or could escape into a directory. */
int pathIsBaseName(char *path) {
    if (path[0] == '\0') return 0;
    if (strchr(path, '/') != NULL || strchr(path, '\\') != NULL) return 0;
    if (!strcmp(path, ".") || !strcmp(path, "..")) return 0;
    return 1;
}

/* Replaces, in place, each of the <len> bytes of <s> that is not printable
 * ASCII with '?', so client-supplied bytes cannot forge log lines. */
void sanitizeForLog(char *s, size_t len) {
    for (size_t j = 0; j < len; j++) {
        if (!isprint((unsigned char)s[j])) s[j] = '?';
    }
}

/* Parses a CPU list as the *_cpulist directives take it: comma-separated
 * items "N", "N-M" or "N-M:step" (taskset(1)'s list format). Fills <set>;
 * returns 0, or -1 on anything else or a CPU past CPU_SETSIZE. */
int parseCpuList(const char *list, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = list;
    if (*p == '\0') return -1;
    while (*p) {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10), b, step = 1;
        if (end == p || errno || a < 0) return -1;
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || errno || b < a) return -1;
            p = end;
            if (*p == ':') {
                step = strtol(p + 1, &end, 10);
                if (end == p + 1 || errno || step < 1) return -1;
                p = end;
            }
        }
        if (b >= CPU_SETSIZE) return -1;
        for (long cpu = a; cpu <= b; cpu += step) CPU_SET((int)cpu, set);
        if (*p == ',') p++;
        else if (*p != '\0') return -1;
    }
    return 0;
}
