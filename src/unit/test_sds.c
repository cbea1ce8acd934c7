/* test_sds.c: unit tests of sds.c (and the zmalloc accounting it relies on).
 *
 * Build: gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
 *        -fsanitize=address,undefined -o unit/test_sds unit/test_sds.c sds.c
 *        zmalloc.c util.c */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include "../sds.h"
#include "../zmalloc.h"
#include "test_help.h"

/* Under ASan, let impossible allocations return NULL as libc's malloc does,
 * so the out-of-memory paths can be tested. Unused without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}

#define HUGE_SIZE ((size_t)1 << 62)

/* Compares an sds with <len> expected bytes, NULs included. */
static int sdsEquals(sds s, const char *bytes, size_t len) {
    return sdsLen(s) == len && memcmp(s, bytes, len) == 0 && s[len] == '\0';
}

TEST_CASE(testCreate) {
    sds s = sdsNew("foo");
    ASSERT(sdsEquals(s, "foo", 3));
    sdsFree(s);

    s = sdsNewLen("foo", 2);
    ASSERT(sdsEquals(s, "fo", 2));
    sdsFree(s);

    s = sdsNewLen(NULL, 5);
    ASSERT(sdsEquals(s, "\0\0\0\0\0", 5));
    sdsFree(s);

    s = sdsNew(NULL);
    ASSERT(sdsEquals(s, "", 0));
    sdsFree(s);

    s = sdsEmpty();
    ASSERT_EQ_INT(sdsLen(s), 0);
    ASSERT(s[0] == '\0');
    sdsFree(s);

    s = sdsTryNewLen("abc", 3);
    ASSERT(s != NULL && sdsEquals(s, "abc", 3));
    sdsFree(s);
    ASSERT(sdsTryNewLen(NULL, SIZE_MAX - 4) == NULL);
    sdsFree(NULL);
}

TEST_CASE(testBinarySafe) {
    sds s = sdsNewLen("a\0b", 3);
    ASSERT(sdsEquals(s, "a\0b", 3));
    s = sdsCatLen(s, "\0\0c", 3);
    ASSERT(sdsEquals(s, "a\0b\0\0c", 6));
    sds d = sdsDup(s);
    ASSERT(d != s && sdsEquals(d, "a\0b\0\0c", 6));
    ASSERT_EQ_INT(sdsCmp(s, d), 0);
    d = sdsCatSds(d, s);
    ASSERT(sdsEquals(d, "a\0b\0\0ca\0b\0\0c", 12));
    sdsUpdateLen(d);
    ASSERT_EQ_INT(sdsLen(d), 1);
    sdsFree(s);
    sdsFree(d);
}

TEST_CASE(testCatAndCopy) {
    sds s = sdsNew("fo");
    s = sdsCat(s, "bar");
    ASSERT(sdsEquals(s, "fobar", 5));
    s = sdsCpy(s, "a");
    ASSERT(sdsEquals(s, "a", 1));
    s = sdsCpy(s, "xyzxxxxxxxxxxyyyyyyyyyykkkkkkkkkk");
    ASSERT(sdsEquals(s, "xyzxxxxxxxxxxyyyyyyyyyykkkkkkkkkk", 33));
    s = sdsCpyLen(s, "a\0b", 3);
    ASSERT(sdsEquals(s, "a\0b", 3));
    /* Copy from inside itself (overlapping). */
    s = sdsCpy(s, "hello world");
    s = sdsCpyLen(s, s + 6, 5);
    ASSERT(sdsEquals(s, "world", 5));
    sdsFree(s);
}

TEST_CASE(testPrintf) {
    sds s = sdsCatPrintf(sdsEmpty(), "%d", 123);
    ASSERT(sdsEquals(s, "123", 3));
    sdsFree(s);

    s = sdsCatPrintf(sdsNew("--"), "Hello %s World %d,%lld--", "Hi!", INT_MIN,
                     LLONG_MAX);
    ASSERT_EQ_STR(s, "--Hello Hi! World -2147483648,9223372036854775807--");
    ASSERT_EQ_INT(sdsLen(s), strlen(s));
    sdsFree(s);

    /* Longer than any internal stack buffer. */
    char big[3000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = sdsCatPrintf(sdsNew("<"), "%s>%d", big, 7);
    ASSERT_EQ_INT(sdsLen(s), 1 + 2999 + 2);
    ASSERT(s[0] == '<' && s[3000] == '>' && s[3001] == '7' && s[3002] == '\0');
    sdsFree(s);

    /* %s with an embedded-NUL-free empty string. */
    s = sdsCatPrintf(sdsEmpty(), "%s", "");
    ASSERT_EQ_INT(sdsLen(s), 0);
    sdsFree(s);
}

TEST_CASE(testTrim) {
    sds s = sdsNew(" x ");
    s = sdsTrim(s, " x");
    ASSERT_EQ_INT(sdsLen(s), 0);
    sdsFree(s);

    s = sdsNew(" x ");
    s = sdsTrim(s, " ");
    ASSERT(sdsEquals(s, "x", 1));
    sdsFree(s);

    s = sdsNew("xxciaoyyy");
    s = sdsTrim(s, "xy");
    ASSERT(sdsEquals(s, "ciao", 4));
    sdsFree(s);

    /* A NUL inside the string is not part of any cset. */
    s = sdsNewLen(" \0a ", 4);
    s = sdsTrim(s, " ");
    ASSERT(sdsEquals(s, "\0a", 2));
    sdsFree(s);

    s = sdsEmpty();
    s = sdsTrim(s, " ");
    ASSERT_EQ_INT(sdsLen(s), 0);
    sdsFree(s);
}

TEST_CASE(testRange) {
    struct {
        ssize_t start, end;
        const char *want;
    } cases[] = {
        {1, 1, "i"},   {1, -1, "iao"}, {-2, -1, "ao"}, {2, 1, ""},
        {1, 100, "iao"}, {100, 100, ""}, {0, 0, "c"},  {-100, -1, "ciao"},
        {-100, -100, "c"}, {4, 6, ""}, {3, 3, "o"},    {0, -5, "c"},
        {-1, -2, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sds s = sdsNew("ciao");
        sdsRange(s, cases[i].start, cases[i].end);
        int ok = strcmp(s, cases[i].want) == 0 && sdsLen(s) == strlen(cases[i].want);
        if (!ok)
            fprintf(stderr, "  range(%zd,%zd) gave '%s' want '%s'\n",
                    cases[i].start, cases[i].end, s, cases[i].want);
        sdsFree(s);
        ASSERT(ok);
    }
    sds e = sdsEmpty();
    sdsRange(e, 0, 10);
    ASSERT_EQ_INT(sdsLen(e), 0);
    sdsFree(e);
}

TEST_CASE(testCompare) {
    sds a = sdsNew("foo"), b = sdsNew("foa");
    ASSERT(sdsCmp(a, b) > 0);
    sdsFree(a);
    sdsFree(b);

    a = sdsNew("bar");
    b = sdsNew("bar");
    ASSERT(sdsCmp(a, b) == 0);
    sdsFree(a);
    sdsFree(b);

    a = sdsNew("aar");
    b = sdsNew("bar");
    ASSERT(sdsCmp(a, b) < 0);
    sdsFree(a);
    sdsFree(b);

    /* Prefix is smaller; bytes compare unsigned. */
    a = sdsNew("ab");
    b = sdsNew("abc");
    ASSERT(sdsCmp(a, b) < 0 && sdsCmp(b, a) > 0);
    sdsFree(a);
    sdsFree(b);
    a = sdsNewLen("\x80", 1);
    b = sdsNewLen("\x01", 1);
    ASSERT(sdsCmp(a, b) > 0);
    sdsFree(a);
    sdsFree(b);
    a = sdsEmpty();
    b = sdsEmpty();
    ASSERT(sdsCmp(a, b) == 0);
    sdsFree(a);
    sdsFree(b);
}

TEST_CASE(testCatRepr) {
    sds x = sdsNewLen("\a\n\0foo\r", 7);
    sds y = sdsCatRepr(sdsEmpty(), x, sdsLen(x));
    ASSERT_EQ_STR(y, "\"\\a\\n\\x00foo\\r\"");
    sdsFree(x);
    sdsFree(y);

    y = sdsCatRepr(sdsNew("k="), "\"q\"\\\t\b\x7f\xff ok", 11);
    ASSERT_EQ_STR(y, "k=\"\\\"q\\\"\\\\\\t\\b\\x7f\\xff ok\"");
    sdsFree(y);

    y = sdsCatRepr(sdsEmpty(), "", 0);
    ASSERT_EQ_STR(y, "\"\"");
    sdsFree(y);
}

/* The size of the block the allocator gives for a request of <n> bytes. */
static size_t blockFor(size_t n) {
    void *p = zmalloc(n);
    size_t size = zmallocSize(p);
    zfree(p);
    return size;
}

TEST_CASE(testGrowthAndRoom) {
    sds s = sdsNew("0");
    ASSERT_EQ_INT(sdsLen(s), 1);
    ASSERT(sdsAllocSize(s) >= sdsLen(s) + 1 + sdsAvail(s));
    /* A one-byte string copied from existing bytes gets the one-byte
     * header: 1 + 1 + NUL fits jemalloc's smallest class. */
    ASSERT_EQ_INT(sdsAllocSize(s), blockFor(1 + 1 + 1));

    /* Many appends; the content must survive each reallocation. */
    size_t step = 10;
    for (int i = 0; i < 10; i++) {
        size_t oldlen = sdsLen(s);
        s = sdsMakeRoomFor(s, step);
        ASSERT(sdsAvail(s) >= step);
        ASSERT_EQ_INT(sdsLen(s), oldlen);
        for (size_t j = 0; j < step; j++) s[oldlen + j] = (char)('A' + j);
        sdsIncrLen(s, (ssize_t)step);
        ASSERT(s[sdsLen(s)] == '\0');
    }
    ASSERT(s[0] == '0');
    for (size_t j = 1; j < sdsLen(s); j++) ASSERT(s[j] == (char)('A' + (j - 1) % 10));
    ASSERT_EQ_INT(sdsLen(s), 101);

    /* Greedy growth doubles small strings. */
    sds g = sdsEmpty();
    g = sdsMakeRoomFor(g, 1000);
    ASSERT(sdsAvail(g) >= 2000);
    sdsFree(g);

    /* Above 1 MiB, the slack is capped at 1 MiB, plus the allocator's size
     * class rounding (jemalloc rounds up to 25% at this size). */
    g = sdsEmpty();
    g = sdsMakeRoomFor(g, 3 * 1024 * 1024);
    ASSERT(sdsAvail(g) >= 4 * 1024 * 1024);
    ASSERT(sdsAvail(g) <= 5 * 1024 * 1024);
    sdsFree(g);

    /* Non-greedy: about exactly what was asked. */
    g = sdsEmpty();
    g = sdsMakeRoomForNonGreedy(g, 1000);
    ASSERT(sdsAvail(g) >= 1000 && sdsAvail(g) < 1100);
    sdsFree(g);

    /* Negative increments shrink. */
    sdsIncrLen(s, -100);
    ASSERT(sdsEquals(s, "0", 1));

    s = sdsRemoveFreeSpace(s);
    ASSERT_EQ_INT(sdsAvail(s), 0);
    ASSERT(sdsEquals(s, "0", 1));
    s = sdsCat(s, "12");
    ASSERT(sdsEquals(s, "012", 3));
    sdsFree(s);
}

TEST_CASE(testSetLenClearGrowZero) {
    sds s = sdsNew("hello");
    s = sdsMakeRoomFor(s, 10);
    sdsSetLen(s, 2);
    ASSERT(sdsEquals(s, "he", 2));
    sdsClear(s);
    ASSERT_EQ_INT(sdsLen(s), 0);
    ASSERT(sdsAvail(s) >= 15);
    s = sdsCat(s, "ab");
    s = sdsGrowZero(s, 6);
    ASSERT(sdsEquals(s, "ab\0\0\0\0", 6));
    s = sdsGrowZero(s, 3); /* shorter: no-op */
    ASSERT_EQ_INT(sdsLen(s), 6);
    sdsFree(s);
}

TEST_CASE(testSplitLen) {
    int count;
    sds *t = sdsSplitLen("a,b,,c", 6, ",", 1, &count);
    ASSERT_EQ_INT(count, 4);
    ASSERT_EQ_STR(t[0], "a");
    ASSERT_EQ_STR(t[1], "b");
    ASSERT_EQ_STR(t[2], "");
    ASSERT_EQ_STR(t[3], "c");
    sdsFreeSplitRes(t, count);

    t = sdsSplitLen("foo--bar--", 10, "--", 2, &count);
    ASSERT_EQ_INT(count, 3);
    ASSERT_EQ_STR(t[0], "foo");
    ASSERT_EQ_STR(t[1], "bar");
    ASSERT_EQ_STR(t[2], "");
    sdsFreeSplitRes(t, count);

    t = sdsSplitLen("nosep", 5, ",", 1, &count);
    ASSERT_EQ_INT(count, 1);
    ASSERT_EQ_STR(t[0], "nosep");
    sdsFreeSplitRes(t, count);

    t = sdsSplitLen("", 0, ",", 1, &count);
    ASSERT(t != NULL);
    ASSERT_EQ_INT(count, 0);
    sdsFreeSplitRes(t, count);

    ASSERT(sdsSplitLen("abc", 3, "", 0, &count) == NULL);
    ASSERT_EQ_INT(count, 0);
    ASSERT(sdsSplitLen("abc", -1, ",", 1, &count) == NULL);

    /* Binary input and many tokens (forces the array to grow). */
    t = sdsSplitLen("a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k", 21, "\0", 1, &count);
    ASSERT_EQ_INT(count, 11);
    ASSERT_EQ_STR(t[10], "k");
    sdsFreeSplitRes(t, count);

    /* "aaa" split on "aa": non-overlapping from the left. */
    t = sdsSplitLen("aaa", 3, "aa", 2, &count);
    ASSERT_EQ_INT(count, 2);
    ASSERT_EQ_STR(t[0], "");
    ASSERT_EQ_STR(t[1], "a");
    sdsFreeSplitRes(t, count);
    sdsFreeSplitRes(NULL, 0);
}

/* Splits <line> and checks it gives the <n> expected arguments. */
static int splitIs(const char *line, int n, const char **want, const size_t *lens) {
    int argc;
    sds *argv = sdsSplitArgs(line, &argc);
    if (argv == NULL) return 0;
    int ok = argc == n;
    for (int i = 0; ok && i < n; i++) {
        size_t l = lens ? lens[i] : strlen(want[i]);
        ok = sdsEquals(argv[i], want[i], l);
    }
    if (!ok) {
        fprintf(stderr, "  split of '%s' gave %d args:", line, argc);
        for (int i = 0; i < argc; i++) fprintf(stderr, " [%s]", argv[i]);
        fprintf(stderr, "\n");
    }
    sdsFreeSplitRes(argv, argc);
    return ok;
}

static int splitFails(const char *line) {
    int argc = 123;
    sds *argv = sdsSplitArgs(line, &argc);
    if (argv != NULL) {
        sdsFreeSplitRes(argv, argc);
        return 0;
    }
    return argc == 0;
}

TEST_CASE(testSplitArgs) {
    {
        const char *w[] = {"set", "key", "value"};
        ASSERT(splitIs("set key value", 3, w, NULL));
        ASSERT(splitIs("  set\tkey \r\n value  \n", 3, w, NULL));
    }
    {
        const char *w[] = {"a b", "c'd", "e"};
        ASSERT(splitIs("\"a b\" \"c'd\" e", 3, w, NULL));
    }
    {
        const char *w[] = {"\n\r\t\b\a\\\"q", "x"};
        ASSERT(splitIs("\"\\n\\r\\t\\b\\a\\\\\\\"\\q\" x", 2, w, NULL));
    }
    {
        /* \xHH gives raw bytes, NUL included; bad hex stays literal. */
        const char *w[] = {"A\0\xff", "xg1"};
        size_t l[] = {3, 3};
        ASSERT(splitIs("\"\\x41\\x00\\xFF\" \"\\xg1\"", 2, w, l));
    }
    {
        /* Single quotes: only \' is an escape. */
        const char *w[] = {"it's", "a\\nb", "\"x\""};
        ASSERT(splitIs("'it\\'s' 'a\\nb' '\"x\"'", 3, w, NULL));
    }
    {
        const char *w[] = {"", ""};
        ASSERT(splitIs("\"\" ''", 2, w, NULL));
    }
    {
        /* A quote inside a bare word opens a quoted part of that word. */
        const char *w[] = {"foobar baz"};
        ASSERT(splitIs("foo\"bar baz\"", 1, w, NULL));
    }
    {
        const char *w[] = {"x"};
        ASSERT(splitIs("\"x\"", 1, w, NULL));
        ASSERT(splitIs("'x'\t", 1, w, NULL));
    }
    ASSERT(splitIs("", 0, NULL, NULL));
    ASSERT(splitIs("   \t\n", 0, NULL, NULL));

    ASSERT(splitFails("\"unterminated"));
    ASSERT(splitFails("'unterminated"));
    ASSERT(splitFails("\"foo\"bar"));
    ASSERT(splitFails("'foo'bar"));
    ASSERT(splitFails("ok \"trailing backslash\\"));
    ASSERT(splitFails("'esc \\'"));
    ASSERT(splitFails("a \"b\"\"c\""));
}

TEST_CASE(testCaseMapJoin) {
    sds s = sdsNew("Hello, World! 123");
    sdsToLower(s);
    ASSERT_EQ_STR(s, "hello, world! 123");
    sdsToUpper(s);
    ASSERT_EQ_STR(s, "HELLO, WORLD! 123");
    sdsFree(s);

    s = sdsNew("hello");
    s = sdsMapChars(s, "ho", "01", 2);
    ASSERT_EQ_STR(s, "0ell1");
    sdsFree(s);

    char *argv[] = {"a", "bb", "", "c"};
    s = sdsJoin(argv, 4, ", ");
    ASSERT_EQ_STR(s, "a, bb, , c");
    sdsFree(s);
    s = sdsJoin(argv, 0, ",");
    ASSERT_EQ_INT(sdsLen(s), 0);
    sdsFree(s);
    s = sdsJoin(argv, 1, ",");
    ASSERT_EQ_STR(s, "a");
    sdsFree(s);
}

TEST_CASE(testFromLongLong) {
    struct {
        long long v;
        const char *s;
    } cases[] = {{0, "0"}, {-1, "-1"}, {1234567890, "1234567890"},
                 {LLONG_MAX, "9223372036854775807"},
                 {LLONG_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sds s = sdsFromLongLong(cases[i].v);
        int ok = strcmp(s, cases[i].s) == 0 && sdsLen(s) == strlen(cases[i].s);
        sdsFree(s);
        ASSERT(ok);
    }
}

TEST_CASE(testZmallocAccounting) {
    size_t before = zmallocUsedMemory();
    sds s = sdsNewLen(NULL, 1000);
    ASSERT(zmallocUsedMemory() >= before + 1000);
    ASSERT_EQ_INT(zmallocUsedMemory(), before + sdsAllocSize(s));
    s = sdsMakeRoomFor(s, 100000);
    ASSERT_EQ_INT(zmallocUsedMemory(), before + sdsAllocSize(s));
    sdsFree(s);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);

    char *d = zstrdup("dup me");
    ASSERT_EQ_STR(d, "dup me");
    d = zrealloc(d, 4096);
    ASSERT_EQ_STR(d, "dup me");
    ASSERT(zmallocSize(d) >= 4096);
    ASSERT_EQ_INT(zmallocUsedMemory(), before + zmallocSize(d));
    ASSERT(zrealloc(d, 0) == NULL);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);

    unsigned char *z = zcalloc(64);
    for (int i = 0; i < 64; i++) ASSERT(z[i] == 0);
    zfree(z);
    zfree(NULL);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
    /* RSS agrees with the resident count of /proc/self/statm (proc(5)). */
    size_t rss = zmallocGetRss();
    FILE *fp = fopen("/proc/self/statm", "r");
    ASSERT(fp != NULL);
    unsigned long sizePages = 0, residentPages = 0;
    int fields = fscanf(fp, "%lu %lu", &sizePages, &residentPages);
    fclose(fp);
    ASSERT_EQ_INT(fields, 2);
    size_t statmRss = residentPages * (size_t)sysconf(_SC_PAGESIZE);
    ASSERT(rss > 0);
    ASSERT(rss <= statmRss + 1024 * 1024 && statmRss <= rss + 1024 * 1024);
}

static void exitOnOom(size_t size) {
    _exit(size == HUGE_SIZE ? 42 : 43);
}

/* Runs <fn> in a child with stderr sent to a pipe; returns its wait status
 * and copies what it wrote to stderr into <err>. */
static int runChild(void (*fn)(void), char *err, size_t errlen) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == -1) return -1;
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < errlen && (n = read(fds[0], err + got, errlen - 1 - got)) > 0)
        got += (size_t)n;
    err[got] = '\0';
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return status;
}

static void oomWithHandler(void) {
    zmallocSetOomHandler(exitOnOom);
    zmalloc(HUGE_SIZE);
}

static void oomDefault(void) {
    zmallocSetOomHandler(exitOnOom);
    zmallocSetOomHandler(NULL); /* back to the default */
    zcalloc(HUGE_SIZE);
}

static void oomRealloc(void) {
    zmallocSetOomHandler(exitOnOom);
    void *p = zmalloc(16);
    zrealloc(p, HUGE_SIZE);
}

/* Exits 7 if the "try" allocators report failure instead of aborting. */
static void oomTry(void) {
    zmallocSetOomHandler(exitOnOom);
    int ok = ztrymalloc(HUGE_SIZE) == NULL && sdsTryNewLen(NULL, HUGE_SIZE) == NULL;
    _exit(ok ? 7 : 8);
}

TEST_CASE(testOutOfMemory) {
    /* Each case runs in a child, which also keeps the sanitizer's warnings
     * about the failed allocations out of the test output. */
    char err[512];
    int status = runChild(oomTry, err, sizeof(err));
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    status = runChild(oomWithHandler, err, sizeof(err));
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    status = runChild(oomRealloc, err, sizeof(err));
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 42);

    status = runChild(oomDefault, err, sizeof(err));
    ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    ASSERT(strstr(err, "zmalloc: Out of memory trying to allocate 4611686018427387904 bytes\n") != NULL);
}

/* The header grows with the string (1, 3, 5, 9 bytes) and shrinks back on
 * sdsRemoveFreeSpace; the content survives every change of header, and the
 * capacity never exceeds what a smaller header could record. */
TEST_CASE(testHeaderTypes) {
    static char big[70000 + 1];
    for (size_t i = 0; i < sizeof(big) - 1; i++) big[i] = (char)('a' + i % 26);

    /* Short copies cost 1 header byte: "123456" is 8 bytes in all (an
     * 8-byte jemalloc block). */
    sds s = sdsNewLen("123456", 6);
    ASSERT_EQ_INT(sdsAllocSize(s), blockFor(1 + 6 + 1));
    ASSERT_EQ_INT(sdsAvail(s), 0);
    sdsSetLen(s, 3); /* shrinking a one-byte header works */
    ASSERT(sdsEquals(s, "123", 3));
    sdsIncrLen(s, -1);
    ASSERT(sdsEquals(s, "12", 2));
    s = sdsCatLen(s, "34", 2); /* growth moves to a bigger header */
    ASSERT(sdsEquals(s, "1234", 4));
    ASSERT(sdsAvail(s) > 0);
    sdsFree(s);

    /* 31 bytes is the most a one-byte header holds; 32 gets a 3-byte one. */
    s = sdsNewLen(big, 31);
    ASSERT_EQ_INT(sdsLen(s), 31);
    ASSERT_EQ_INT(sdsAllocSize(s), blockFor(1 + 31 + 1));
    sdsFree(s);
    s = sdsNewLen(big, 32);
    ASSERT_EQ_INT(sdsLen(s), 32);
    ASSERT(memcmp(s, big, 32) == 0);
    sdsFree(s);

    /* Appending across 255 and 65535 changes the header each time. */
    s = sdsEmpty();
    size_t sizes[] = {1, 254, 255, 256, 65534, 65535, 65536, 70000};
    size_t have = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        s = sdsCatLen(s, big + have, sizes[i] - have);
        have = sizes[i];
        ASSERT_EQ_INT(sdsLen(s), have);
        ASSERT(memcmp(s, big, have) == 0);
        ASSERT(s[have] == '\0');
        ASSERT(sdsAllocSize(s) >= have + 1 + sdsAvail(s));
    }
    /* Back to a small length: sdsRemoveFreeSpace picks a small header. */
    sdsRange(s, 0, 9);
    s = sdsRemoveFreeSpace(s);
    ASSERT_EQ_INT(sdsAvail(s), 0);
    ASSERT(memcmp(s, big, 10) == 0);
    ASSERT_EQ_INT(sdsAllocSize(s), blockFor(3 + 10 + 1));
    s = sdsCat(s, "!");
    ASSERT_EQ_INT(sdsLen(s), 11);
    ASSERT(s[10] == '!');
    sdsFree(s);

    /* A 255-byte capacity is the most a 3-byte header records, however
     * much slack the allocator gave. */
    s = sdsNewLen(NULL, 250);
    ASSERT(sdsLen(s) + sdsAvail(s) <= 255);
    s = sdsMakeRoomFor(s, 5);
    ASSERT(sdsAvail(s) >= 5);
    sdsFree(s);
}

int main(void) {
    RUN_TEST(testCreate);
    RUN_TEST(testBinarySafe);
    RUN_TEST(testCatAndCopy);
    RUN_TEST(testPrintf);
    RUN_TEST(testTrim);
    RUN_TEST(testRange);
    RUN_TEST(testCompare);
    RUN_TEST(testCatRepr);
    RUN_TEST(testGrowthAndRoom);
    RUN_TEST(testSetLenClearGrowZero);
    RUN_TEST(testSplitLen);
    RUN_TEST(testSplitArgs);
    RUN_TEST(testCaseMapJoin);
    RUN_TEST(testFromLongLong);
    RUN_TEST(testZmallocAccounting);
    RUN_TEST(testOutOfMemory);
    RUN_TEST(testHeaderTypes);
    return TEST_REPORT();
}
