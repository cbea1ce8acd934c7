/* test_util.c: unit tests of util.c. Expected values for ambiguous number
 * formats were taken from Debian's Redis 7.0 server (INCR, INCRBYFLOAT,
 * ZSCORE and CONFIG SET maxmemory replies).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_util unit/test_util.c
 *        util.c sds.c zmalloc.c */
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sds.h"
#include "../util.h"
#include "../zmalloc.h"
#include "test_help.h"

TEST_CASE(testString2ll) {
    struct {
        const char *s;
        int ok;
        long long v;
    } cases[] = {
        {"0", 1, 0},
        {"1", 1, 1},
        {"-1", 1, -1},
        {"123", 1, 123},
        {"9223372036854775807", 1, LLONG_MAX},
        {"-9223372036854775808", 1, LLONG_MIN},
        {"", 0, 0},
        {"-", 0, 0},
        {"+1", 0, 0},
        {" 1", 0, 0},
        {"1 ", 0, 0},
        {"01", 0, 0},
        {"00", 0, 0},
        {"-0", 0, 0},
        {"-01", 0, 0},
        {"9223372036854775808", 0, 0},
        {"-9223372036854775809", 0, 0},
        {"18446744073709551616", 0, 0},
        {"99999999999999999999", 0, 0},
        {"100000000000000000000", 0, 0},
        {"1a", 0, 0},
        {"a", 0, 0},
        {"1.0", 0, 0},
        {"--1", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long v = 777;
        int ok = string2ll(cases[i].s, strlen(cases[i].s), &v);
        if (ok != cases[i].ok || (ok && v != cases[i].v))
            fprintf(stderr, "  string2ll(\"%s\") = %d, %lld\n", cases[i].s, ok, v);
        ASSERT_EQ_INT(ok, cases[i].ok);
        if (ok) {
            ASSERT_EQ_INT(v, cases[i].v);
        } else {
            ASSERT_EQ_INT(v, 777); /* untouched on failure */
        }
    }
    long long v;
    ASSERT_EQ_INT(string2ll("12\0", 3, &v), 0); /* embedded NUL */
    ASSERT_EQ_INT(string2ll("123", 2, &v), 1);  /* length, not NUL, ends it */
    ASSERT_EQ_INT(v, 12);
    ASSERT_EQ_INT(string2ll("5", 1, NULL), 1);

    long l;
    ASSERT_EQ_INT(string2l("-42", 3, &l), 1);
    ASSERT_EQ_INT(l, -42);
    ASSERT_EQ_INT(string2l("x", 1, &l), 0);
    ASSERT_EQ_INT(string2l("9223372036854775807", 19, &l), 1);
    ASSERT(l == LONG_MAX);
}

TEST_CASE(testString2ull) {
    unsigned long long v;
    ASSERT_EQ_INT(string2ull("0", &v), 1);
    ASSERT(v == 0);
    ASSERT_EQ_INT(string2ull("18446744073709551615", &v), 1);
    ASSERT(v == ULLONG_MAX);
    ASSERT_EQ_INT(string2ull("9223372036854775808", &v), 1);
    ASSERT(v == 9223372036854775808ULL);
    ASSERT_EQ_INT(string2ull("18446744073709551616", &v), 0);
    ASSERT_EQ_INT(string2ull("99999999999999999999", &v), 0);
    ASSERT_EQ_INT(string2ull("-1", &v), 0);
    ASSERT_EQ_INT(string2ull("+1", &v), 0);
    ASSERT_EQ_INT(string2ull("01", &v), 0);
    ASSERT_EQ_INT(string2ull("", &v), 0);
    ASSERT_EQ_INT(string2ull("1x", &v), 0);
}

TEST_CASE(testString2d) {
    struct {
        const char *s;
        int ok;
        double v;
    } cases[] = {
        {"1.5", 1, 1.5},   {"-1.5", 1, -1.5}, {".5", 1, 0.5},
        {"5.", 1, 5.0},    {"+1.5", 1, 1.5},  {"1e3", 1, 1000.0},
        {"0x10", 1, 16.0}, {"inf", 1, INFINITY}, {"-inf", 1, -INFINITY},
        {"-0", 1, 0.0},    {"", 0, 0},        {"nan", 0, 0},
        {" 1", 0, 0},      {"1 ", 0, 0},      {"1e400", 0, 0},
        {"1e-400", 0, 0},  {"1.5x", 0, 0},    {"1_0", 0, 0},
        {"abc", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = 0;
        int ok = string2d(cases[i].s, strlen(cases[i].s), &v);
        if (ok != cases[i].ok) fprintf(stderr, "  string2d(\"%s\") = %d\n", cases[i].s, ok);
        ASSERT_EQ_INT(ok, cases[i].ok);
        if (ok) ASSERT(v == cases[i].v);
    }
    double d;
    ASSERT_EQ_INT(string2d("1\0", 2, &d), 0);
    ASSERT_EQ_INT(string2d("2.5junk", 3, &d), 1);
    ASSERT(d == 2.5);

    long double ld;
    ASSERT_EQ_INT(string2ld("10.5", 4, &ld), 1);
    ASSERT(ld == 10.5L);
    ASSERT_EQ_INT(string2ld("1e400", 5, &ld), 1); /* fits a long double */
    ASSERT_EQ_INT(string2ld("1e5000", 6, &ld), 0);
    ASSERT_EQ_INT(string2ld("1e-5000", 7, &ld), 0);
    ASSERT_EQ_INT(string2ld("nan", 3, &ld), 0);
    ASSERT_EQ_INT(string2ld(" 1", 2, &ld), 0);
    ASSERT_EQ_INT(string2ld("1 ", 2, &ld), 0);
    ASSERT_EQ_INT(string2ld("", 0, &ld), 0);
    ASSERT_EQ_INT(string2ld("0x1p3", 5, &ld), 1);
    ASSERT(ld == 8.0L);
    char big[MAX_LONG_DOUBLE_CHARS + 10];
    memset(big, '1', sizeof(big));
    ASSERT_EQ_INT(string2ld(big, sizeof(big), &ld), 0);
    ASSERT_EQ_INT(string2d(big, sizeof(big), &d), 0);
}

TEST_CASE(testIntegerToString) {
    char buf[LONG_STR_SIZE];
    ASSERT_EQ_INT(ll2string(buf, sizeof(buf), 0), 1);
    ASSERT_EQ_STR(buf, "0");
    ASSERT_EQ_INT(ll2string(buf, sizeof(buf), -1), 2);
    ASSERT_EQ_STR(buf, "-1");
    ASSERT_EQ_INT(ll2string(buf, sizeof(buf), LLONG_MIN), 20);
    ASSERT_EQ_STR(buf, "-9223372036854775808");
    ASSERT_EQ_INT(ll2string(buf, sizeof(buf), LLONG_MAX), 19);
    ASSERT_EQ_STR(buf, "9223372036854775807");
    ASSERT_EQ_INT(ull2string(buf, sizeof(buf), ULLONG_MAX), 20);
    ASSERT_EQ_STR(buf, "18446744073709551615");

    /* Exactly fitting and one byte short. */
    ASSERT_EQ_INT(ll2string(buf, 4, 123), 3);
    ASSERT_EQ_STR(buf, "123");
    ASSERT_EQ_INT(ll2string(buf, 3, 123), 0);
    ASSERT_EQ_INT(ll2string(buf, 4, -123), 0);
    ASSERT_EQ_INT(ll2string(buf, 5, -123), 4);
    ASSERT_EQ_STR(buf, "-123");
    ASSERT_EQ_INT(ll2string(buf, 1, -1), 0);
    ASSERT_EQ_INT(ull2string(buf, 0, 1), 0);

    /* Round trip through string2ll for boundary values. */
    long long samples[] = {1, 9, 10, 99, 100, -10, -99, 1000000007LL,
                           LLONG_MAX - 1, LLONG_MIN + 1};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        long long back;
        int len = ll2string(buf, sizeof(buf), samples[i]);
        ASSERT(len > 0);
        ASSERT(string2ll(buf, (size_t)len, &back) && back == samples[i]);
    }

    ASSERT_EQ_INT(digits10(0), 1);
    ASSERT_EQ_INT(digits10(9), 1);
    ASSERT_EQ_INT(digits10(10), 2);
    ASSERT_EQ_INT(digits10(999999), 6);
    ASSERT_EQ_INT(digits10(1000000), 7);
    ASSERT_EQ_INT(digits10(UINT64_MAX), 20);
}

TEST_CASE(testD2string) {
    struct {
        double v;
        const char *s;
    } cases[] = {
        {1.5, "1.5"},
        {3.0, "3"},
        {-3.0, "-3"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {0.0, "0"},
        {-0.0, "-0"},
        {1.1, "1.1000000000000001"},
        {0.1, "0.10000000000000001"},
        {1e20, "1e+20"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {4503599627370495.0, "4503599627370495"},
        {4503599627370496.0, "4503599627370496"},
        {1e-300, "1e-300"},
        {5e-324, "4.9406564584124654e-324"},
        {NAN, "nan"},
    };
    char buf[MAX_D2STRING_CHARS];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int len = d2string(buf, sizeof(buf), cases[i].v);
        if (strcmp(buf, cases[i].s) != 0)
            fprintf(stderr, "  d2string gave '%s' want '%s'\n", buf, cases[i].s);
        ASSERT_EQ_STR(buf, cases[i].s);
        ASSERT_EQ_INT(len, strlen(cases[i].s));
    }
    ASSERT_EQ_INT(d2string(buf, 3, 1.5), 0);
    ASSERT_EQ_INT(d2string(buf, 4, 1.5), 3);
    ASSERT_EQ_INT(d2string(buf, 3, 123.0), 0);
    ASSERT_EQ_INT(d2string(buf, 3, INFINITY), 0);

    /* Every formatted value reads back to the same double. */
    srandom(7);
    for (int i = 0; i < 2000; i++) {
        double v = ((double)random() - 1073741824.0) / (double)(random() + 1);
        for (int e = (int)(random() % 40) - 20; e != 0; e += e > 0 ? -1 : 1)
            v = e > 0 ? v * 10 : v / 10;
        double back;
        int len = d2string(buf, sizeof(buf), v);
        ASSERT(len > 0);
        ASSERT(string2d(buf, (size_t)len, &back) && back == v);
    }
}

TEST_CASE(testLd2string) {
    struct {
        long double v;
        ld2string_mode mode;
        const char *s;
    } cases[] = {
        {10.5L, LD_STR_HUMAN, "10.5"},
        {3.0L, LD_STR_HUMAN, "3"},
        {-0.0L, LD_STR_HUMAN, "0"},
        {0.0L, LD_STR_HUMAN, "0"},
        {1e20L, LD_STR_HUMAN, "100000000000000000000"},
        {1.1L, LD_STR_HUMAN, "1.1"},
        {-1.5L, LD_STR_HUMAN, "-1.5"},
        {0.0001L, LD_STR_HUMAN, "0.0001"},
        {100.0L, LD_STR_HUMAN, "100"},
        {INFINITY, LD_STR_HUMAN, "inf"},
        {-INFINITY, LD_STR_HUMAN, "-inf"},
        {1.5L, LD_STR_AUTO, "1.5"},
        {1e20L, LD_STR_AUTO, "1e+20"},
        {-INFINITY, LD_STR_AUTO, "-inf"},
        {100.0L, LD_STR_AUTO, "100"},
    };
    char buf[MAX_LONG_DOUBLE_CHARS];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int len = ld2string(buf, sizeof(buf), cases[i].v, cases[i].mode);
        if (strcmp(buf, cases[i].s) != 0)
            fprintf(stderr, "  ld2string gave '%s' want '%s'\n", buf, cases[i].s);
        ASSERT_EQ_STR(buf, cases[i].s);
        ASSERT_EQ_INT(len, strlen(cases[i].s));
    }
    int len = ld2string(buf, sizeof(buf), 1.0L, LD_STR_HEX);
    ASSERT(len > 2 && strncmp(buf, "0x", 2) == 0);
    long double back;
    ASSERT(string2ld(buf, (size_t)len, &back) && back == 1.0L);

    /* A huge value is printed in full, as INCRBYFLOAT does. */
    len = ld2string(buf, sizeof(buf), 1e200L * 1e200L, LD_STR_HUMAN);
    ASSERT(len > 400 && strchr(buf, '.') == NULL);
    ASSERT(strncmp(buf, "10000000000000000000281880", 26) == 0);

    ASSERT_EQ_INT(ld2string(buf, 4, 10.5L, LD_STR_HUMAN), 0);
    ASSERT_EQ_INT(ld2string(buf, 3, INFINITY, LD_STR_HUMAN), 0);
    ASSERT_EQ_INT(ld2string(buf, 4, INFINITY, LD_STR_HUMAN), 3);
    ASSERT_EQ_INT(ld2string(buf, 4, -INFINITY, LD_STR_AUTO), 0);
    ASSERT_EQ_INT(ld2string(buf, 4, 1e20L, LD_STR_AUTO), 0);
    ASSERT_EQ_INT(ld2string(buf, sizeof(buf), NAN, LD_STR_AUTO), 0);
}

TEST_CASE(testMemtoull) {
    struct {
        const char *s;
        int err;
        long long v;
    } cases[] = {
        {"0", 0, 0},
        {"", 0, 0},
        {"100", 0, 100},
        {"10b", 0, 10},
        {"10B", 0, 10},
        {"10k", 0, 10000},
        {"10K", 0, 10000},
        {"10kb", 0, 10240},
        {"10kB", 0, 10240},
        {"1m", 0, 1000000},
        {"1mb", 0, 1048576},
        {"1g", 0, 1000000000},
        {"1gb", 0, 1073741824},
        {"1GB", 0, 1073741824},
        {"18446744073709551615", 0, (long long)ULLONG_MAX},
        {"k", 1, 0},
        {"-1", 1, 0},
        {"+1", 1, 0},
        {" 1", 1, 0},
        {"1 ", 1, 0},
        {"1t", 1, 0},
        {"1kbb", 1, 0},
        {"1.5gb", 1, 0},
        {"18446744073709551616", 1, 0},
        {"20000000000gb", 1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int err = 5;
        long long v = memtoull(cases[i].s, &err);
        if (err != cases[i].err || v != cases[i].v)
            fprintf(stderr, "  memtoull(\"%s\") = %lld err %d\n", cases[i].s, v, err);
        ASSERT_EQ_INT(err, cases[i].err);
        ASSERT(v == cases[i].v);
    }
    ASSERT(memtoull("5mb", NULL) == 5 * 1024 * 1024);
}

/* ---------------------------------- glob ---------------------------------- */

static int m(const char *pattern, const char *string) {
    return stringmatch(pattern, string, 0);
}

TEST_CASE(testGlobBasics) {
    ASSERT(m("", ""));
    ASSERT(!m("", "a"));
    ASSERT(m("*", ""));
    ASSERT(m("*", "anything"));
    ASSERT(m("**", "x"));
    ASSERT(!m("?", ""));
    ASSERT(m("?", "a"));
    ASSERT(!m("?", "ab"));
    ASSERT(m("h?llo", "hello"));
    ASSERT(m("h*llo", "hllo"));
    ASSERT(m("h*llo", "heeeello"));
    ASSERT(!m("h*llo", "hellox"));
    ASSERT(m("*llo", "hello"));
    ASSERT(m("he*", "hello"));
    ASSERT(m("*l*", "hello"));
    ASSERT(!m("a*", ""));
    ASSERT(m("a*b*c", "abc"));
    ASSERT(m("a*b*c", "aXXbYYc"));
    ASSERT(!m("a*b*c", "aXXbYYcd"));
    ASSERT(m("*a*b", "xaab"));
    ASSERT(m("user:*:name", "user:1000:name"));
    ASSERT(!m("user:*:name", "user:1000:names"));
}

TEST_CASE(testGlobClasses) {
    ASSERT(m("h[ae]llo", "hello"));
    ASSERT(m("h[ae]llo", "hallo"));
    ASSERT(!m("h[ae]llo", "hillo"));
    ASSERT(m("h[^e]llo", "hallo"));
    ASSERT(!m("h[^e]llo", "hello"));
    ASSERT(m("h[a-b]llo", "hbllo"));
    ASSERT(!m("h[a-b]llo", "hcllo"));
    ASSERT(m("[z-a]", "m"));  /* reversed range */
    ASSERT(m("[0-9][0-9]", "42"));
    ASSERT(!m("[0-9]", "a"));
    /* As in Redis, "x-y" is a range whenever three bytes remain, so in
     * "[a-]" the ']' ends a range (']'..'a') and the class is unterminated. */
    ASSERT(!m("[a-]", "-"));
    ASSERT(m("[a-]", "_"));
    ASSERT(m("[-a]", "-"));   /* a leading '-' is literal */
    ASSERT(m("[\\]]", "]"));  /* escaped ']' inside a class */
    ASSERT(m("[\\-]", "-"));
    ASSERT(!m("[\\-]", "\\"));
    ASSERT(m("[^a-c]x", "dx"));
    ASSERT(!m("[^a-c]x", "bx"));
    ASSERT(!m("[]", "a"));    /* empty class matches nothing */
    ASSERT(m("[^]", "a"));    /* negated empty class matches anything */
    ASSERT(m("[abc", "b"));   /* unterminated class runs to the end */
    ASSERT(!m("[abc", "d"));
    ASSERT(m("a[*]b", "a*b"));
    ASSERT(!m("a[*]b", "axb"));
    ASSERT(m("[?]", "?"));
    ASSERT(!m("[?]", "a"));
}

TEST_CASE(testGlobEscapesAndCase) {
    ASSERT(m("\\*", "*"));
    ASSERT(!m("\\*", "a"));
    ASSERT(m("a\\?b", "a?b"));
    ASSERT(!m("a\\?b", "axb"));
    ASSERT(m("\\[a]", "[a]"));
    ASSERT(m("a\\", "a\\"));  /* trailing backslash is literal */
    ASSERT(m("\\\\", "\\"));

    ASSERT(stringmatch("HeLLo", "hello", 1));
    ASSERT(!stringmatch("HeLLo", "hello", 0));
    ASSERT(stringmatch("h[A-C]llo", "hbllo", 1));
    ASSERT(stringmatch("h[a-c]llo", "HBLLO", 1));
    ASSERT(!stringmatch("h[^B]llo", "hbllo", 1));
    ASSERT(stringmatch("*O", "hello", 1));

    /* Lengths, not NULs, bound both sides. */
    ASSERT(stringmatchlen("a?c", 3, "a\0c", 3, 0));
    ASSERT(stringmatchlen("a*", 2, "a\0\0\0", 4, 0));
    ASSERT(!stringmatchlen("abc", 2, "abc", 3, 0));
    ASSERT(stringmatchlen("abc", 2, "abc", 2, 0));
    ASSERT(stringmatchlen("a\0", 2, "a\0", 2, 0));
    ASSERT(!stringmatchlen("a\0", 2, "ab", 2, 0));
}

TEST_CASE(testGlobNoBlowUp) {
    /* Backtracking matchers explode on these; ours is O(n*m). */
    static char subject[20001];
    memset(subject, 'a', sizeof(subject) - 1);
    subject[sizeof(subject) - 1] = '\0';
    char pattern[256] = "";
    for (int i = 0; i < 30; i++) strcat(pattern, "*a");
    strcat(pattern, "*b");
    long long start = monotonicUs();
    ASSERT(!m(pattern, subject));
    ASSERT(!m("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b", subject));
    ASSERT(!m("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*[^a]", subject));
    subject[sizeof(subject) - 2] = 'b';
    ASSERT(m(pattern, subject));
    /* A hang guard, not a benchmark: exponential behaviour takes years. */
    ASSERT(monotonicUs() - start < 30 * 1000000LL);
}

/* Cross-checks random patterns against glibc's fnmatch(3), restricted to
 * the syntax both agree on. */
TEST_CASE(testGlobAgainstFnmatch) {
    static const char *ptoks[] = {"a", "b", "*", "?", "[ab]", "[^a]", "[a-b]", "\\*", "**"};
    static const char stoks[] = "ab*";
    srandom(12345);
    for (int iter = 0; iter < 20000; iter++) {
        char pattern[64] = "", string[16];
        int np = (int)(random() % 7);
        for (int i = 0; i < np; i++) strcat(pattern, ptoks[random() % 9]);
        int ns = (int)(random() % 9);
        for (int i = 0; i < ns; i++) string[i] = stoks[random() % 3];
        string[ns] = '\0';
        int want = fnmatch(pattern, string, 0) == 0;
        int got = m(pattern, string);
        if (want != got)
            fprintf(stderr, "  pattern '%s' string '%s': fnmatch %d, ours %d\n",
                    pattern, string, want, got);
        ASSERT_EQ_INT(got, want);
    }
}

/* ------------------------------- randomness ------------------------------- */

TEST_CASE(testRandomBytes) {
    unsigned char a[100], b[100];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    getRandomBytes(a, sizeof(a));
    getRandomBytes(b, sizeof(b));
    ASSERT(memcmp(a, b, sizeof(a)) != 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof(a); i++) nonzero += a[i] != 0;
    ASSERT(nonzero > 50);

    /* Large and odd sizes, and zero. */
    unsigned char *big = zmalloc(100003);
    getRandomBytes(big, 100003);
    unsigned counts[256] = {0};
    for (size_t i = 0; i < 100003; i++) counts[big[i]]++;
    for (int i = 0; i < 256; i++) ASSERT(counts[i] > 250 && counts[i] < 550);
    zfree(big);
    getRandomBytes(a, 0);

    char hex[41];
    getRandomHexChars(hex, 40);
    hex[40] = '\0';
    for (int i = 0; i < 40; i++) ASSERT(strchr("0123456789abcdef", hex[i]) != NULL);

    /* A forked child must not repeat the parent's stream. */
    int fds[2];
    ASSERT(pipe(fds) == 0);
    fflush(stdout);
    pid_t pid = fork();
    ASSERT(pid != -1);
    if (pid == 0) {
        unsigned char c[32];
        getRandomBytes(c, sizeof(c));
        ssize_t w = write(fds[1], c, sizeof(c));
        _exit(w == (ssize_t)sizeof(c) ? 0 : 1);
    }
    unsigned char mine[32], theirs[32];
    getRandomBytes(mine, sizeof(mine));
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof(theirs)) {
        ssize_t r = read(fds[0], theirs + got, sizeof(theirs) - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    ASSERT_EQ_INT(got, sizeof(theirs));
    ASSERT(memcmp(mine, theirs, sizeof(mine)) != 0);
}

TEST_CASE(testTime) {
    long long us = ustime(), ms = mstime();
    ASSERT(us > 1600000000LL * 1000000);
    ASSERT(ms >= us / 1000 && ms - us / 1000 < 10000);
    long long t0 = monotonicUs(), t1 = monotonicUs();
    ASSERT(t1 >= t0);
}

/* --------------------------------- paths ---------------------------------- */

TEST_CASE(testAbsolutePath) {
    char saved[4096];
    ASSERT(getcwd(saved, sizeof(saved)) != NULL);
    ASSERT(chdir("/tmp") == 0);

    struct {
        const char *in, *out;
    } cases[] = {
        {"foo", "/tmp/foo"},
        {"  foo.rdb  ", "/tmp/foo.rdb"},
        {"./a/b", "/tmp/a/b"},
        {"../etc/x", "/etc/x"},
        {"../../../..", "/"},
        {"..", "/"},
        {".", "/tmp"},
        {"/", "/"},
        {"/abs/./b//c/../d", "/abs/b/d"},
        {"/abs/dir/", "/abs/dir"},
        {"a/../../b", "/b"},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && ok; i++) {
        char *p = getAbsolutePath((char *)cases[i].in);
        ok = p != NULL && strcmp(p, cases[i].out) == 0 &&
             sdsLen(p) == strlen(cases[i].out);
        if (!ok) fprintf(stderr, "  getAbsolutePath('%s') = '%s'\n", cases[i].in, p ? p : "(null)");
        sdsFree(p);
    }
    ASSERT(chdir(saved) == 0);
    ASSERT(ok);
}

TEST_CASE(testPathIsBaseName) {
    ASSERT(pathIsBaseName("dump.rdb"));
    ASSERT(pathIsBaseName(".hidden"));
    ASSERT(!pathIsBaseName("dir/dump.rdb"));
    ASSERT(!pathIsBaseName("/dump.rdb"));
    ASSERT(!pathIsBaseName("..\\x"));
    ASSERT(!pathIsBaseName(".."));
    ASSERT(!pathIsBaseName("."));
    ASSERT(!pathIsBaseName(""));
}

TEST_CASE(testSanitizeForLog) {
    char s[] = "ok\r\nline\x01\x7f\xff end";
    sanitizeForLog(s, sizeof(s) - 1);
    ASSERT_EQ_STR(s, "ok??line??? end");
    char t[] = "a\0b";
    sanitizeForLog(t, 3);
    ASSERT(memcmp(t, "a?b", 3) == 0);
}

TEST_CASE(testParseCpuList) {
    cpu_set_t set;
    ASSERT_EQ_INT(parseCpuList("0", &set), 0);
    ASSERT_EQ_INT(CPU_COUNT(&set), 1);
    ASSERT(CPU_ISSET(0, &set));
    ASSERT_EQ_INT(parseCpuList("0-3,8,10-14:2", &set), 0);
    ASSERT_EQ_INT(CPU_COUNT(&set), 8);
    ASSERT(CPU_ISSET(3, &set) && CPU_ISSET(8, &set) && CPU_ISSET(12, &set));
    ASSERT(!CPU_ISSET(11, &set) && !CPU_ISSET(4, &set));
    const char *bad[] = {"", "a", "1-", "3-1", "1-4:0", "1-4:", "1,,2",
                         "-1", "1 2", "99999", "0-99999", "1,"};
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        if (!strcmp(bad[j], "1,")) {
            /* A trailing comma is tolerated, as taskset does. */
            ASSERT_EQ_INT(parseCpuList(bad[j], &set), 0);
            continue;
        }
        ASSERT_EQ_INT(parseCpuList(bad[j], &set), -1);
    }
}

int main(void) {
    RUN_TEST(testString2ll);
    RUN_TEST(testString2ull);
    RUN_TEST(testString2d);
    RUN_TEST(testIntegerToString);
    RUN_TEST(testD2string);
    RUN_TEST(testLd2string);
    RUN_TEST(testMemtoull);
    RUN_TEST(testGlobBasics);
    RUN_TEST(testGlobClasses);
    RUN_TEST(testGlobEscapesAndCase);
    RUN_TEST(testGlobNoBlowUp);
    RUN_TEST(testGlobAgainstFnmatch);
    RUN_TEST(testRandomBytes);
    RUN_TEST(testTime);
    RUN_TEST(testAbsolutePath);
    RUN_TEST(testPathIsBaseName);
    RUN_TEST(testSanitizeForLog);
    RUN_TEST(testParseCpuList);
    return TEST_REPORT();
}
