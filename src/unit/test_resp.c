/* test_resp.c: unit tests of the RESP request parser (resp.c).
 *
 * Owns nothing but its own helpers. The expected behaviour, including every
 * error text and the quirks checked below, was taken from Debian's
 * redis-server 7.0.15 fed the same bytes over a socket. Each input is fed
 * through a small model of the caller (respFeed): chunks copied into
 * buffers of exactly their size, so that AddressSanitizer sees any read past
 * <len>; the outcomes are written into a transcript, and transcripts of the
 * same bytes split differently must be identical.
 *
 * Build (from src/): gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror
 *   -D_GNU_SOURCE -fsanitize=address,undefined -o unit/test_resp
 *   unit/test_resp.c resp.c sds.c zmalloc.c util.c */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../resp.h"
#include "../sds.h"
#include "../zmalloc.h"
#include "test_help.h"

#define KB 1024
#define MB (1024 * 1024)

static const respLimits redisLimits = {512LL * MB, 2147483647LL, 64 * KB};

/* Appends a readable form of one parsed command to <t>. */
static sds respCatCommand(sds t, int argc, sds *argv) {
    t = sdsCatPrintf(t, "OK %d", argc);
    for (int j = 0; j < argc; j++) {
        t = sdsCat(t, " ");
        t = sdsCatRepr(t, argv[j], sdsLen(argv[j]));
    }
    return sdsCat(t, "\n");
}

/* Feeds <data>/<len> to a fresh parser with <lim>, cut before each of the
 * <ncuts> increasing offsets in <cuts>, as a caller would: each chunk is
 * parsed in a loop until RESP_NEED_MORE, which must consume it whole.
 * Returns the transcript (commands, then an error or the final state);
 * the caller frees it. Sets *<contract_ok> to 0 if the parser broke the
 * consumed contract. */
static sds respFeed(const respLimits *lim, const char *data, size_t len,
                    const size_t *cuts, size_t ncuts, int *contract_ok) {
    respParser p;
    sds t = sdsEmpty();
    size_t start = 0;
    int failed = 0;

    respParserInit(&p, lim);
    for (size_t c = 0; c <= ncuts && !failed; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        size_t clen = end - start;
        char *chunk = zmalloc(clen ? clen : 1);
        memcpy(chunk, data + start, clen);
        size_t off = 0;
        for (;;) {
            size_t used = 12345;
            respStatus st = respParse(&p, chunk + off, clen - off, &used);
            if (st == RESP_ERROR) {
                t = sdsCatPrintf(t, "ERR %s\n", p.err);
                failed = 1;
                break;
            }
            if (used > clen - off) {
                *contract_ok = 0;
                break;
            }
            off += used;
            if (st == RESP_NEED_MORE) {
                if (off != clen) *contract_ok = 0;
                break;
            }
            if (used == 0) { /* RESP_OK must make progress */
                *contract_ok = 0;
                break;
            }
            sds *argv;
            int argc = respTakeArgs(&p, &argv);
            t = respCatCommand(t, argc, argv);
            for (int j = 0; j < argc; j++) sdsFree(argv[j]);
            zfree(argv);
        }
        zfree(chunk);
        start = end;
    }
    if (!failed) {
        t = sdsCatPrintf(t, "STATE type=%d mb=%lld bulk=%lld argc=%d", p.reqtype,
                         p.multibulklen, p.bulklen, p.argc);
        if (p.bulklen != -1)
            t = sdsCatPrintf(t, " partial=%zu", sdsLen(p.argv[p.argc]));
        if (p.pending != NULL) {
            t = sdsCat(t, " pending=");
            t = sdsCatRepr(t, p.pending, sdsLen(p.pending));
        }
        t = sdsCat(t, "\n");
    }
    respParserReset(&p);
    return t;
}

/* Transcript of <data> fed in one go. */
static sds respFeedWhole(const respLimits *lim, const char *data, size_t len) {
    int ok = 1;
    sds t = respFeed(lim, data, len, NULL, 0, &ok);
    if (!ok) t = sdsCat(t, "CONTRACT BROKEN\n");
    return t;
}

/* Transcript of <data> fed <step> bytes at a time. */
static sds respFeedSteps(const respLimits *lim, const char *data, size_t len,
                         size_t step) {
    size_t n = len ? (len - 1) / step : 0;
    size_t *cuts = zmalloc(sizeof(size_t) * (n ? n : 1));
    for (size_t j = 0; j < n; j++) cuts[j] = (j + 1) * step;
    int ok = 1;
    sds t = respFeed(lim, data, len, cuts, n, &ok);
    if (!ok) t = sdsCat(t, "CONTRACT BROKEN\n");
    zfree(cuts);
    return t;
}

/* 1 if <data> gives the transcript <want> fed whole and byte by byte;
 * prints the difference otherwise. */
static int respCheck(const respLimits *lim, const char *data, size_t len,
                     const char *want) {
    sds whole = respFeedWhole(lim, data, len);
    sds bytes = respFeedSteps(lim, data, len, 1);
    int ok = strcmp(whole, want) == 0 && strcmp(bytes, want) == 0;
    if (!ok) {
        fprintf(stderr, "  input %.60s...\n  want:  %s  whole: %.300s\n"
                "  bytes: %.300s\n", data, want, whole, bytes);
    }
    /* Every cut in two, which also sends a kept line plus a large read. */
    for (size_t a = 1; ok && a < len; a++) {
        int contract = 1;
        sds two = respFeed(lim, data, len, &a, 1, &contract);
        if (!contract || strcmp(two, want) != 0) {
            fprintf(stderr, "  cut at %zu: %.300s\n", a, two);
            ok = 0;
        }
        sdsFree(two);
    }
    sdsFree(whole);
    sdsFree(bytes);
    return ok;
}

#define CHECK(data, want) ASSERT(respCheck(&redisLimits, data, sizeof(data) - 1, want))
#define IDLE "STATE type=0 mb=0 bulk=-1 argc=0\n"

/* An sds of the <plen> bytes of <prefix>, <n> copies of <c>, then the C
 * string <suffix>. */
static sds respMakeLen(const char *prefix, size_t plen, char c, size_t n,
                       const char *suffix) {
    sds s = sdsNewLen(prefix, plen);
    size_t l = sdsLen(s);
    s = sdsGrowZero(s, l + n);
    memset(s + l, c, n);
    return sdsCat(s, suffix);
}
#define respMake(prefix, c, n, suffix)                                     \
    respMakeLen(prefix, sizeof(prefix) - 1, c, n, suffix)

/* 1 if <s> ends in the error <err>, fed whole and in 1000-byte steps. */
static int respCheckErr(const respLimits *lim, sds s, const char *err) {
    sds want = sdsCatPrintf(sdsEmpty(), "ERR %s\n", err);
    sds whole = respFeedWhole(lim, s, sdsLen(s));
    sds steps = respFeedSteps(lim, s, sdsLen(s), 1000);
    int ok = strcmp(whole, want) == 0 && strcmp(steps, want) == 0;
    if (!ok)
        fprintf(stderr, "  want %s  whole %.200s\n  steps %.200s\n", want,
                whole, steps);
    sdsFree(want);
    sdsFree(whole);
    sdsFree(steps);
    sdsFree(s);
    return ok;
}

TEST_CASE(test_error_texts) {
    CHECK("set a \"b\r\n", "ERR unbalanced quotes in request\n");
    CHECK("set a 'b'c\r\n", "ERR unbalanced quotes in request\n");
    CHECK("PING\r\nset a \"b\n", "OK 1 \"PING\"\nERR unbalanced quotes in request\n");
    CHECK("*\r\n", "ERR invalid multibulk length\n");
    CHECK("*-0\r\n", "ERR invalid multibulk length\n");
    CHECK("*+1\r\n", "ERR invalid multibulk length\n");
    CHECK("*01\r\n", "ERR invalid multibulk length\n");
    CHECK("*1x\r\n", "ERR invalid multibulk length\n");
    CHECK("* 1\r\n", "ERR invalid multibulk length\n");
    CHECK("*1\n$4\r\n", "ERR invalid multibulk length\n");
    CHECK("*2147483648\r\n", "ERR invalid multibulk length\n");
    CHECK("*99999999999999999999999\r\n", "ERR invalid multibulk length\n");
    CHECK("*1\r\nx4\r\n", "ERR expected '$', got 'x'\n");
    CHECK("*1\r\n\n4\r\n", "ERR expected '$', got ' '\n");
    CHECK("*1\r\n\r4\r\n", "ERR expected '$', got ' '\n");
    CHECK("*1\r\n\xff\r\n", "ERR expected '$', got '\xff'\n");
    CHECK("*2\r\n$1\r\na\r\n*1\r\n", "ERR expected '$', got '*'\n");
    CHECK("*1\r\n$-1\r\n", "ERR invalid bulk length\n");
    CHECK("*1\r\n$\r\n", "ERR invalid bulk length\n");
    CHECK("*1\r\n$4 \r\n", "ERR invalid bulk length\n");
    CHECK("*1\r\n$04\r\n", "ERR invalid bulk length\n");
    CHECK("*1\r\n$536870913\r\n", "ERR invalid bulk length\n");
    CHECK("*1\r\n$9223372036854775808\r\n", "ERR invalid bulk length\n");
    ASSERT(respCheckErr(&redisLimits, respMake("", 'x', 64 * KB + 1, ""),
                        "too big inline request"));
    ASSERT(respCheckErr(&redisLimits, respMake("*", '1', 64 * KB, ""),
                        "too big mbulk count string"));
    ASSERT(respCheckErr(&redisLimits, respMake("*1\r\n$", '1', 64 * KB, ""),
                        "too big bulk count string"));
}

/* Redis searches lines as C strings: a NUL before the end of a line hides
 * the end, and the request waits until it is too big. */
TEST_CASE(test_nul_hides_line_end) {
    CHECK("PING\0x\nPING\r\n", "STATE type=0 mb=0 bulk=-1 argc=0 pending="
                               "\"PING\\x00x\\nPING\\r\\n\"\n");
    CHECK("\0PING\r\n", "STATE type=0 mb=0 bulk=-1 argc=0 pending="
                        "\"\\x00PING\\r\\n\"\n");
    CHECK("*1\0\r\n$4\r\nPING\r\n", "STATE type=0 mb=0 bulk=-1 argc=0 pending="
                                    "\"*1\\x00\\r\\n$4\\r\\nPING\\r\\n\"\n");
    ASSERT(respCheckErr(&redisLimits, respMake("PING\0", 'x', 64 * KB, ""),
                        "too big inline request"));
    ASSERT(respCheckErr(&redisLimits, respMake("*1\0", '\n', 64 * KB, "\r\n"),
                        "too big mbulk count string"));
    ASSERT(respCheckErr(&redisLimits, respMake("*1\r\n$4\0", '\r', 64 * KB, ""),
                        "too big bulk count string"));
}

/* The byte after the '\r' of a count line and the two bytes after a bulk
 * are skipped unchecked, as Redis 7.0 does. */
TEST_CASE(test_skipped_bytes) {
    CHECK("*1\rX$4\r\nPING\r\n", "OK 1 \"PING\"\n" IDLE);
    CHECK("*1\r\n$4\rXPINGab*1\r\n$4\r\nPING\r\n",
          "OK 1 \"PING\"\nOK 1 \"PING\"\n" IDLE);
    CHECK("*1\r\n$4\r\nPING", "STATE type=2 mb=1 bulk=4 argc=0 partial=4\n");
    CHECK("*1\r\n$4\r\nPING\r", "STATE type=2 mb=1 bulk=4 argc=0 partial=4 "
                                "pending=\"\\r\"\n");
    CHECK("*1\r\n$4\r", "STATE type=2 mb=1 bulk=-1 argc=0 pending=\"$4\\r\"\n");
}

TEST_CASE(test_inline) {
    CHECK("PING\r\n", "OK 1 \"PING\"\n" IDLE);
    CHECK("PING\n", "OK 1 \"PING\"\n" IDLE);
    CHECK("PING\r\r\n", "OK 1 \"PING\"\n" IDLE);
    CHECK("  set  a\tb \r\n", "OK 3 \"set\" \"a\" \"b\"\n" IDLE);
    CHECK("echo \"a\\x00b\\r\\n\" 'it\\'s'\n",
          "OK 3 \"echo\" \"a\\x00b\\r\\n\" \"it's\"\n" IDLE);
    CHECK("PING", "STATE type=0 mb=0 bulk=-1 argc=0 pending=\"PING\"\n");
    CHECK("PING\r", "STATE type=0 mb=0 bulk=-1 argc=0 pending=\"PING\\r\"\n");
}

TEST_CASE(test_empty_commands) {
    CHECK("\r\n", "OK 0\n" IDLE);
    CHECK("\n", "OK 0\n" IDLE);
    CHECK(" \t \r\n", "OK 0\n" IDLE);
    CHECK("\r\n\nPING\n", "OK 0\nOK 0\nOK 1 \"PING\"\n" IDLE);
    CHECK("*0\r\n", "OK 0\n" IDLE);
    CHECK("*-1\r\n", "OK 0\n" IDLE);
    CHECK("*-7\r\nPING\r\n", "OK 0\nOK 1 \"PING\"\n" IDLE);
    CHECK("*0\r\n*1\r\n$4\r\nPING\r\n", "OK 0\nOK 1 \"PING\"\n" IDLE);

    respParser p;
    size_t used;
    respParserInit(&p, NULL);
    ASSERT_EQ_INT(respParse(&p, "*0\r\nPING\r\n", 10, &used), RESP_OK);
    ASSERT_EQ_INT(used, 4);
    ASSERT_EQ_INT(p.argc, 0);
    ASSERT_EQ_INT(respParse(&p, "", 0, &used), RESP_NEED_MORE);
    ASSERT_EQ_INT(used, 0);
    respParserReset(&p);
}

TEST_CASE(test_nul_in_arguments) {
    static const char in[] = "*3\r\n$3\r\na\0b\r\n$0\r\n\r\n$2\r\n\0\0\r\n";
    respParser p;
    size_t used;
    sds *argv;
    respParserInit(&p, &redisLimits);
    ASSERT_EQ_INT(respParse(&p, in, sizeof(in) - 1, &used), RESP_OK);
    ASSERT_EQ_INT(used, sizeof(in) - 1);
    int argc = respTakeArgs(&p, &argv);
    ASSERT_EQ_INT(argc, 3);
    ASSERT_EQ_INT(sdsLen(argv[0]), 3);
    ASSERT(memcmp(argv[0], "a\0b", 3) == 0);
    ASSERT_EQ_INT(sdsLen(argv[1]), 0);
    ASSERT_EQ_INT(sdsLen(argv[2]), 2);
    ASSERT(argv[2][0] == '\0' && argv[2][1] == '\0');
    for (int j = 0; j < argc; j++) sdsFree(argv[j]);
    zfree(argv);
    respParserReset(&p);
    CHECK("*3\r\n$3\r\na\0b\r\n$0\r\n\r\n$2\r\n\0\0\r\n",
          "OK 3 \"a\\x00b\" \"\" \"\\x00\\x00\"\n" IDLE);
}

/* Every way of cutting a few pipelines in two or three must give the
 * transcript of the bytes fed whole, and so must byte-by-byte feeding. */
TEST_CASE(test_split_points) {
#define P(x) {x, sizeof(x) - 1}
    static const struct {
        const char *s;
        size_t len;
    } pipes[] = {
        P("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\0\r\nz\r\nGET k\r\n\r\n"
        "*0\r\n*-1\r\n*1\rX$4\rxPINGab echo \"q\\x41\" 'r'\n*1\r\n$0\r\n\r\n"),
        P("PING\r\nPING\nPING\r\r\n*2\r\n$4\r\necho\r\n$10\r\n0123456789\r\n"
          "*1\r\n$4\r\nPI"),
        P("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\nx4\r\n"),
        P("PING\r\nset a \"b\r\nPING\r\n"),
        P("*1\r\n$4\r\nPING\r\n*3\r\n$-1\r\n"),
        P("*1\r\n$3\r\nabc\r\nPING\0\r\nPING\r\n"),
    };
#undef P
    for (size_t i = 0; i < sizeof(pipes) / sizeof(pipes[0]); i++) {
        const char *in = pipes[i].s;
        size_t len = pipes[i].len;
        int ok = 1;
        sds want = respFeedWhole(&redisLimits, in, len);
        sds got = respFeedSteps(&redisLimits, in, len, 1);
        ASSERT(strstr(want, "CONTRACT") == NULL);
        ASSERT_EQ_STR(got, want);
        sdsFree(got);
        for (size_t a = 1; a < len; a++) {
            size_t cut1[1] = {a};
            got = respFeed(&redisLimits, in, len, cut1, 1, &ok);
            ASSERT(ok);
            ASSERT_EQ_STR(got, want);
            sdsFree(got);
            for (size_t b = a + 1; b < len && i >= 2; b++) {
                size_t cut2[2] = {a, b};
                got = respFeed(&redisLimits, in, len, cut2, 2, &ok);
                ASSERT(ok);
                ASSERT_EQ_STR(got, want);
                sdsFree(got);
            }
        }
        sdsFree(want);
    }
    /* The expected transcript of the first pipeline, spelled out. */
    static const char first[] =
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\0\r\nz\r\nGET k\r\n\r\n"
        "*0\r\n*-1\r\n*1\rX$4\rxPINGab echo \"q\\x41\" 'r'\n*1\r\n$0\r\n\r\n";
    CHECK(first, "OK 3 \"SET\" \"k\" \"v\\x00\\r\\nz\"\nOK 2 \"GET\" \"k\"\n"
                 "OK 0\nOK 0\nOK 0\nOK 1 \"PING\"\n"
                 "OK 3 \"echo\" \"qA\" \"r\"\nOK 1 \"\"\n" IDLE);
}

TEST_CASE(test_pipeline_10000) {
    sds in = sdsEmpty();
    for (int i = 0; i < 10000; i++) {
        if (i % 2 == 0) {
            char key[32], val[32];
            int kl = snprintf(key, sizeof(key), "key:%d", i);
            int vl = snprintf(val, sizeof(val), "value:%d", i);
            in = sdsCatPrintf(in, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
                              kl, key, vl, val);
        } else {
            in = sdsCatPrintf(in, "GET key:%d\r\n", i);
        }
    }
    respParser p;
    respParserInit(&p, &redisLimits);
    size_t off = 0, used;
    int n = 0;
    while (off < sdsLen(in)) {
        respStatus st = respParse(&p, in + off, sdsLen(in) - off, &used);
        ASSERT_EQ_INT(st, RESP_OK);
        off += used;
        sds *argv;
        int argc = respTakeArgs(&p, &argv);
        char want[32];
        snprintf(want, sizeof(want), "key:%d", n);
        ASSERT_EQ_INT(argc, n % 2 == 0 ? 3 : 2);
        ASSERT_EQ_STR(argv[0], n % 2 == 0 ? "SET" : "GET");
        ASSERT_EQ_STR(argv[1], want);
        for (int j = 0; j < argc; j++) sdsFree(argv[j]);
        zfree(argv);
        n++;
    }
    ASSERT_EQ_INT(n, 10000);
    ASSERT_EQ_INT(respParse(&p, in + off, 0, &used), RESP_NEED_MORE);
    respParserReset(&p);

    /* The same bytes in reads of 4 KiB give the same commands. */
    sds whole = respFeedWhole(&redisLimits, in, sdsLen(in));
    sds steps = respFeedSteps(&redisLimits, in, sdsLen(in), 4096);
    sds odd = respFeedSteps(&redisLimits, in, sdsLen(in), 7);
    ASSERT(strstr(whole, "ERR") == NULL && strstr(whole, "CONTRACT") == NULL);
    ASSERT_EQ_STR(steps, whole);
    ASSERT_EQ_STR(odd, whole);
    sdsFree(whole);
    sdsFree(steps);
    sdsFree(odd);
    sdsFree(in);
}

static double respNow(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A 10 MB bulk in 16 KB reads: every read is consumed whole and appended
 * once (nothing goes to the pending line buffer), the argument grows in a
 * few geometric steps (so the time is linear in the size), and its
 * capacity never runs far ahead of the bytes received. */
TEST_CASE(test_big_bulk_chunks) {
    const size_t size = 10 * 1000 * 1000, chunk = 16 * KB;
    sds in = sdsCatPrintf(sdsEmpty(), "*2\r\n$3\r\nSET\r\n$%zu\r\n", size);
    size_t hdr = sdsLen(in);
    in = sdsGrowZero(in, hdr + size);
    for (size_t j = 0; j < size; j++) in[hdr + j] = (char)('a' + j % 23);
    in = sdsCat(in, "\r\n");

    respParser p;
    respParserInit(&p, &redisLimits);
    size_t off = 0, used;
    int moves = 0, done = 0;
    char *last = NULL;
    double t0 = respNow();
    while (off < sdsLen(in)) {
        size_t n = sdsLen(in) - off < chunk ? sdsLen(in) - off : chunk;
        respStatus st = respParse(&p, in + off, n, &used);
        ASSERT(st != RESP_ERROR);
        ASSERT_EQ_INT(used, n);
        off += n;
        if (st == RESP_OK) {
            done = 1;
            break;
        }
        ASSERT(p.pending == NULL);
        if (p.bulklen != -1 && p.argc == 1) {
            sds arg = p.argv[1];
            size_t got = sdsLen(arg);
            size_t bound = got + MB > got + got / 2 ? got + MB : got + got / 2;
            /* jemalloc rounds large sizes up by as much as a quarter. */
            ASSERT(sdsAllocSize(arg) <= bound + bound / 4 + 4096);
            if (arg != last) moves++;
            last = arg;
        }
    }
    double secs = respNow() - t0;
    ASSERT(done);
    ASSERT_EQ_INT(off, sdsLen(in));
    ASSERT(moves <= 10);
    sds *argv;
    int argc = respTakeArgs(&p, &argv);
    ASSERT_EQ_INT(argc, 2);
    ASSERT_EQ_INT(sdsLen(argv[1]), size);
    ASSERT(memcmp(argv[1], in + hdr, size) == 0);
    printf("  10 MB bulk in 16 KB reads: %.1f ms, %d placements\n",
           secs * 1000, moves);
    for (int j = 0; j < argc; j++) sdsFree(argv[j]);
    zfree(argv);
    respParserReset(&p);
    sdsFree(in);
}

/* Sizes announced by the client cost nothing until their bytes arrive. */
TEST_CASE(test_announced_sizes) {
    respLimits big = {4LL * 1000 * MB, 2147483647LL, 64 * KB};
    respParser p;
    size_t used;
    size_t before = zmallocUsedMemory();
    respParserInit(&p, &big);
    static const char hdr[] = "*2147483647\r\n$1000000000\r\nabc";
    ASSERT_EQ_INT(respParse(&p, hdr, sizeof(hdr) - 1, &used), RESP_NEED_MORE);
    ASSERT_EQ_INT(used, sizeof(hdr) - 1);
    ASSERT_EQ_INT(p.bulklen, 1000000000);
    /* At most about 1 MiB, plus the allocator's size-class rounding. */
    ASSERT(zmallocUsedMemory() - before < (MB + 64 * KB) * 5 / 4);
    respParserReset(&p);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);

    /* Many arguments: the argument array grows as they arrive. */
    sds in = sdsNew("*3000\r\n");
    for (int i = 0; i < 3000; i++) {
        char num[16];
        int nl = snprintf(num, sizeof(num), "%d", i);
        in = sdsCatPrintf(in, "$%d\r\n%s\r\n", nl, num);
    }
    respParserInit(&p, &redisLimits);
    ASSERT_EQ_INT(respParse(&p, in, sdsLen(in), &used), RESP_OK);
    ASSERT_EQ_INT(used, sdsLen(in));
    sds *argv;
    int argc = respTakeArgs(&p, &argv);
    ASSERT_EQ_INT(argc, 3000);
    ASSERT_EQ_STR(argv[2999], "2999");
    for (int j = 0; j < argc; j++) sdsFree(argv[j]);
    zfree(argv);
    respParserReset(&p);
    sdsFree(in);
}

TEST_CASE(test_limits) {
    respLimits small = {10, 3, 16};
#define CHECKL(data, want) ASSERT(respCheck(&small, data, sizeof(data) - 1, want))
    /* Inline: the '\n' may be at index 16 at most ('\r' counts). */
    CHECKL("0123456789abcdef\n", "OK 1 \"0123456789abcdef\"\n" IDLE);
    CHECKL("0123456789abcde\r\n", "OK 1 \"0123456789abcde\"\n" IDLE);
    CHECKL("0123456789abcdef\r\n", "ERR too big inline request\n");
    CHECKL("0123456789abcdefg", "ERR too big inline request\n");
    CHECKL("0123456789abcdef", "STATE type=0 mb=0 bulk=-1 argc=0 "
                               "pending=\"0123456789abcdef\"\n");
    /* Count lines: the '\r' may be at index 16 at most. */
    CHECKL("*111111111111111\r\n", "ERR invalid multibulk length\n");
    CHECKL("*1111111111111111\r\n", "ERR too big mbulk count string\n");
    CHECKL("*1\r\n$111111111111111\r\n", "ERR invalid bulk length\n");
    CHECKL("*1\r\n$1111111111111111\r\n", "ERR too big bulk count string\n");
    CHECKL("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
           "OK 3 \"a\" \"b\" \"c\"\n" IDLE);
    CHECKL("*4\r\n", "ERR invalid multibulk length\n");
    CHECKL("*1\r\n$10\r\n0123456789\r\n", "OK 1 \"0123456789\"\n" IDLE);
    CHECKL("*1\r\n$11\r\n", "ERR invalid bulk length\n");
#undef CHECKL
    /* Redis's own limits at their edges. */
    CHECK("*2147483647\r\n", "STATE type=2 mb=2147483647 bulk=-1 argc=0\n");
    CHECK("*1\r\n$536870912\r\n",
          "STATE type=2 mb=1 bulk=536870912 argc=0 partial=0\n");
    sds ok = respMake("", 'x', 64 * KB - 1, "\r\n");
    sds got = respFeedSteps(&redisLimits, ok, sdsLen(ok), 5000);
    int fine = strncmp(got, "OK 1 \"xxxx", 10) == 0 &&
               strstr(got, "ERR") == NULL && strstr(got, IDLE) != NULL;
    sdsFree(got);
    sdsFree(ok);
    ASSERT(fine);

    /* A kept line finished by one large read: the view of the kept bytes
     * grows in steps until the line is decided. */
    size_t cut = 1;
    int contract = 1;
    sds line = respMake("GET ", 'k', 64 * KB - 6, "\r\nPING\r\n");
    got = respFeed(&redisLimits, line, sdsLen(line), &cut, 1, &contract);
    fine = contract && strncmp(got, "OK 2 \"GET\" \"kkk", 15) == 0 &&
           strstr(got, "\"\nOK 1 \"PING\"\n" IDLE) != NULL;
    sdsFree(got);
    sdsFree(line);
    ASSERT(fine);
    sds count = respMake("*", '1', 64 * KB, "\r\n");
    got = respFeed(&redisLimits, count, sdsLen(count), &cut, 1, &contract);
    fine = contract && strcmp(got, "ERR too big mbulk count string\n") == 0;
    sdsFree(got);
    sdsFree(count);
    ASSERT(fine);
}

/* Arguments never taken, and a command left half done, are freed
 * (AddressSanitizer's leak check watches this test). */
/* respForgetArgs: the caller takes the strings, the parser keeps (and
 * reuses) its array, across multibulk and inline commands, with nothing
 * leaked or freed twice. */
TEST_CASE(test_forget_args) {
    static const char in[] = "*2\r\n$4\r\nECHO\r\n$1\r\na\r\n"
                             "*1\r\n$4\r\nPING\r\n"
                             "ECHO inline\r\n"
                             "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    static const char *want[] = {"ECHO a", "PING", "ECHO inline", "SET k v"};
    size_t before = zmallocUsedMemory();
    respParser p;
    respParserInit(&p, NULL);
    size_t off = 0, used;
    for (int cmd = 0; cmd < 4; cmd++) {
        ASSERT_EQ_INT(respParse(&p, in + off, sizeof(in) - 1 - off, &used),
                      RESP_OK);
        off += used;
        sds joined = sdsEmpty();
        for (int j = 0; j < p.argc; j++) {
            if (j) joined = sdsCat(joined, " ");
            joined = sdsCatSds(joined, p.argv[j]);
            sdsFree(p.argv[j]); /* the caller owns them now */
        }
        respForgetArgs(&p);
        ASSERT_EQ_STR(joined, want[cmd]);
        sdsFree(joined);
    }
    ASSERT_EQ_INT(off, sizeof(in) - 1);
    respParserReset(&p);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
}

TEST_CASE(test_reset_and_skip) {
    respParser p;
    size_t used;
    size_t before = zmallocUsedMemory();
    respParserInit(&p, &redisLimits);
    ASSERT_EQ_INT(respParse(&p, "GET a\r\nGET b\r\n", 14, &used), RESP_OK);
    ASSERT_EQ_INT(used, 7);
    /* The caller skips the first command: the next call frees it. */
    ASSERT_EQ_INT(respParse(&p, "GET b\r\n", 7, &used), RESP_OK);
    ASSERT_EQ_INT(p.argc, 2);
    ASSERT_EQ_STR(p.argv[1], "b");
    static const char half[] = "*2\r\n$3\r\nGET\r\n$5\r\nab";
    ASSERT_EQ_INT(respParse(&p, half, sizeof(half) - 1, &used),
                  RESP_NEED_MORE);
    respParserReset(&p);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
    ASSERT_EQ_INT(respParse(&p, "*1\r\n$4\r\nPI", 10, &used), RESP_NEED_MORE);
    ASSERT_EQ_INT(respParse(&p, "NG\r", 3, &used), RESP_NEED_MORE);
    ASSERT(p.pending != NULL);
    respParserReset(&p);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
    /* After an error, a reset parser starts a new stream. */
    ASSERT_EQ_INT(respParse(&p, "*x\r\n", 4, &used), RESP_ERROR);
    ASSERT_EQ_STR(p.err, "invalid multibulk length");
    respParserReset(&p);
    ASSERT_EQ_INT(respParse(&p, "PING\n", 5, &used), RESP_OK);
    ASSERT_EQ_INT(p.argc, 1);
    respParserReset(&p);
    ASSERT_EQ_INT(zmallocUsedMemory(), before);
}

/* ---- Reply parser (respReplyParse) ---- */

/* Limits of the tests below: bulks of at most 100 bytes. */
static const respReplyLimits small = {100, RESP_REPLY_MAX_ELEMENTS,
                                      RESP_REPLY_MAX_DEPTH};

/* Parses <s> fed one more byte at a time: every proper prefix must give
 * RESP_NEED_MORE, the whole text RESP_OK consuming all of it. */
static respReply *replyParseTrickle(const char *s, size_t len) {
    size_t consumed;
    respReply *r = NULL;
    const char *err = NULL;
    for (size_t n = 0; n < len; n++) {
        char *copy = zmalloc(n + 1);
        memcpy(copy, s, n);
        respStatus st = respReplyParse(copy, n, NULL, &consumed, &r, &err);
        zfree(copy);
        if (st != RESP_NEED_MORE) return NULL;
    }
    char *copy = zmalloc(len);
    memcpy(copy, s, len);
    respStatus st = respReplyParse(copy, len, NULL, &consumed, &r, &err);
    zfree(copy);
    if (st != RESP_OK || consumed != len) {
        respReplyFree(r);
        return NULL;
    }
    return r;
}

TEST_CASE(test_reply_types) {
    respReply *r = replyParseTrickle("+OK\r\n", 5);
    ASSERT(r && r->type == RESP_REPLY_STATUS && !strcmp(r->str, "OK"));
    respReplyFree(r);
    r = replyParseTrickle("-ERR no\r\n", 9);
    ASSERT(r && r->type == RESP_REPLY_ERROR && !strcmp(r->str, "ERR no"));
    respReplyFree(r);
    r = replyParseTrickle(":-42\r\n", 6);
    ASSERT(r && r->type == RESP_REPLY_INTEGER && r->integer == -42);
    respReplyFree(r);
    r = replyParseTrickle("$-1\r\n", 5);
    ASSERT(r && r->type == RESP_REPLY_NIL);
    respReplyFree(r);
    r = replyParseTrickle("$5\r\na\r\nbc\r\n", 11);
    ASSERT(r && r->type == RESP_REPLY_STRING && sdsLen(r->str) == 5 &&
           !memcmp(r->str, "a\r\nbc", 5));
    respReplyFree(r);
    const char *arr = "*3\r\n$7\r\nmessage\r\n*2\r\n:1\r\n_\r\n%1\r\n+k\r\n#t\r\n";
    r = replyParseTrickle(arr, strlen(arr));
    ASSERT(r && r->type == RESP_REPLY_ARRAY && r->elements == 3);
    ASSERT(!strcmp(r->element[0]->str, "message"));
    ASSERT(r->element[1]->elements == 2 &&
           r->element[1]->element[1]->type == RESP_REPLY_NIL);
    ASSERT(r->element[2]->type == RESP_REPLY_MAP &&
           r->element[2]->agg == '%' && r->element[2]->elements == 2 &&
           r->element[2]->element[1]->type == RESP_REPLY_BOOL &&
           r->element[2]->element[1]->integer == 1);
    respReplyFree(r);
    r = replyParseTrickle("=8\r\ntxt:abcd\r\n", 14);
    ASSERT(r && r->type == RESP_REPLY_VERB && !strcmp(r->str, "abcd"));
    respReplyFree(r);
    r = replyParseTrickle("*0\r\n", 4);
    ASSERT(r && r->type == RESP_REPLY_ARRAY && r->elements == 0);
    respReplyFree(r);
    /* An attribute inside an aggregate is dropped and does not count as
     * an element; the reply after it takes its place. */
    const char *attr = "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n~1\r\n,2.5\r\n";
    r = replyParseTrickle(attr, strlen(attr));
    ASSERT(r && r->type == RESP_REPLY_ARRAY && r->elements == 2);
    ASSERT(r->element[0]->type == RESP_REPLY_INTEGER &&
           r->element[0]->integer == 1);
    ASSERT(r->element[1]->type == RESP_REPLY_SET &&
           r->element[1]->element[0]->dval == 2.5);
    respReplyFree(r);
    const char *push = ">2\r\n=8\r\nmkd:abcd\r\n#f\r\n";
    r = replyParseTrickle(push, strlen(push));
    ASSERT(r && r->type == RESP_REPLY_PUSH && r->elements == 2);
    ASSERT(r->element[0]->type == RESP_REPLY_VERB &&
           !strcmp(r->element[0]->vtype, "mkd") &&
           !strcmp(r->element[0]->str, "abcd"));
    respReplyFree(r);
}

TEST_CASE(test_reply_pipeline) {
    const char *s = "+PONG\r\n:1\r\n$3\r\nfoo\r\n";
    size_t len = strlen(s), off = 0, consumed;
    int n = 0;
    const char *err;
    respReply *r;
    while (off < len) {
        ASSERT_EQ_INT(respReplyParse(s + off, len - off, &small, &consumed, &r,
                                     &err), RESP_OK);
        respReplyFree(r);
        off += consumed;
        n++;
    }
    ASSERT_EQ_INT(n, 3);
    ASSERT_EQ_INT(off, len);
}

TEST_CASE(test_reply_errors) {
    static const char *bad[] = {"?x\r\n", ":abc\r\n", "$-2\r\n",
                                "$3\r\nfooXY", "*-5\r\n", "#x\r\n",
                                "+OK\rX", "$200\r\n", "*2\r\n:1\r\n?\r\n",
                                NULL};
    for (int i = 0; bad[i]; i++) {
        size_t consumed;
        respReply *r = NULL;
        const char *err = NULL;
        respStatus st = respReplyParse(bad[i], strlen(bad[i]), &small, &consumed,
                                       &r, &err);
        ASSERT_EQ_INT(st, RESP_ERROR);
        ASSERT(r == NULL && err != NULL);
    }
    /* Too deep. */
    sds deep = sdsEmpty();
    for (int i = 0; i < RESP_REPLY_MAX_DEPTH + 2; i++) deep = sdsCat(deep, "*1\r\n");
    deep = sdsCat(deep, ":1\r\n");
    size_t consumed;
    respReply *r = NULL;
    const char *err = NULL;
    ASSERT_EQ_INT(respReplyParse(deep, sdsLen(deep), &small, &consumed, &r, &err),
                  RESP_ERROR);
    sdsFree(deep);
    /* A chain of attributes is bounded like nesting (no deep recursion). */
    deep = sdsEmpty();
    for (int i = 0; i < 100000; i++) deep = sdsCat(deep, "|0\r\n");
    deep = sdsCat(deep, ":1\r\n");
    ASSERT_EQ_INT(respReplyParse(deep, sdsLen(deep), &small, &consumed, &r, &err),
                  RESP_ERROR);
    sdsFree(deep);
    /* A line that never ends is refused once it is absurdly long. */
    sds longline = sdsCat(sdsEmpty(), "+");
    for (int i = 0; i < 70000; i++) longline = sdsCat(longline, "a");
    ASSERT_EQ_INT(respReplyParse(longline, sdsLen(longline), &small, &consumed,
                                 &r, &err), RESP_ERROR);
    sdsFree(longline);
}

int main(void) {
    RUN_TEST(test_error_texts);
    RUN_TEST(test_nul_hides_line_end);
    RUN_TEST(test_skipped_bytes);
    RUN_TEST(test_inline);
    RUN_TEST(test_empty_commands);
    RUN_TEST(test_nul_in_arguments);
    RUN_TEST(test_split_points);
    RUN_TEST(test_pipeline_10000);
    RUN_TEST(test_big_bulk_chunks);
    RUN_TEST(test_announced_sizes);
    RUN_TEST(test_limits);
    RUN_TEST(test_reset_and_skip);
    RUN_TEST(test_forget_args);
    RUN_TEST(test_reply_types);
    RUN_TEST(test_reply_pipeline);
    RUN_TEST(test_reply_errors);
    return TEST_REPORT();
}
