/* test_lzf.c: unit tests of lzf.c: round trips of many shapes of data,
 * a block compressed by Debian's Redis 7.0 (taken from a DUMP payload),
 * and malformed input that must be refused without touching memory
 * outside the buffers (run under ASan).
 *
 * Build: make unit/test_lzf (or gcc ... unit/test_lzf.c lzf.c) */
#include <stdint.h>
#include <stdlib.h>

#include "../lzf.h"
#include "test_help.h"

static unsigned char inbuf[70000], cbuf[80000], dbuf[70000];

static int roundTrip(size_t len) {
    size_t c = lzfCompress(inbuf, len, cbuf, sizeof(cbuf));
    if (c == 0) return 0;
    size_t d = lzfDecompress(cbuf, c, dbuf, len);
    return d == len && memcmp(inbuf, dbuf, len) == 0;
}

TEST_CASE(testRoundTripShapes) {
    /* Zeros, text, random bytes, and short inputs. */
    memset(inbuf, 0, sizeof(inbuf));
    ASSERT(roundTrip(1));
    ASSERT(roundTrip(3));
    ASSERT(roundTrip(65536));
    for (size_t i = 0; i < sizeof(inbuf); i++) inbuf[i] = "abcdefgh"[i % 8];
    ASSERT(roundTrip(60000));
    srand(1);
    for (size_t i = 0; i < sizeof(inbuf); i++) inbuf[i] = (unsigned char)rand();
    ASSERT(roundTrip(33));
    ASSERT(roundTrip(50000));
    for (int t = 0; t < 300; t++) {
        size_t len = 1 + (size_t)rand() % 20000;
        int alpha = 1 + rand() % 40;
        for (size_t i = 0; i < len; i++)
            inbuf[i] = (unsigned char)('a' + rand() % alpha);
        ASSERT(roundTrip(len));
    }
    /* The hash table's size follows the input's: lengths around each of
     * its steps, with a longer input compressed just before each one (its
     * table entries must not leak into the shorter one's). */
    static const size_t steps[] = {127, 128, 129, 255, 256, 257, 1023, 1024,
                                   1025, 4095, 4096, 4097, 8191, 8192, 8193,
                                   16384, 16385};
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        for (size_t i = 0; i < sizeof(inbuf); i++)
            inbuf[i] = (unsigned char)("xyz"[rand() % 3]);
        ASSERT(roundTrip(20000));
        for (size_t i = 0; i < steps[k]; i++)
            inbuf[i] = (unsigned char)("abcdefghij"[rand() % 10]);
        ASSERT(roundTrip(steps[k]));
    }
}

TEST_CASE(testCompressesRepetition) {
    memset(inbuf, 'x', 10000);
    size_t c = lzfCompress(inbuf, 10000, cbuf, sizeof(cbuf));
    ASSERT(c > 0 && c < 200);
    /* A 1 KB value of one byte (redis-benchmark's): a handful of bytes. */
    c = lzfCompress(inbuf, 1024, cbuf, sizeof(cbuf));
    ASSERT(c > 0 && c < 24);
    /* Too small an output buffer: 0, never an overflow. */
    ASSERT_EQ_INT(lzfCompress(inbuf, 10000, cbuf, 10), 0);
    for (size_t i = 0; i < 100; i++) inbuf[i] = (unsigned char)(i * 37 + 11);
    ASSERT_EQ_INT(lzfCompress(inbuf, 100, cbuf, 100), 0);
    ASSERT_EQ_INT(lzfCompress(inbuf, 0, cbuf, 100), 0);
}

TEST_CASE(testDecompressRedisBlock) {
    /* SET k "hello hello ... abcabc..." then DUMP k in Redis 7.0: the
     * payload holds 0xC3, clen 41, len 83 and these 41 bytes. */
    static const unsigned char block[] = {
        0x06, 'h', 'e', 'l', 'l', 'o', ' ', 'h', 0xe0, 0x0e, 0x05, 0x04, 'w',
        'o', 'r', 'l', 'd', 0xe0, 0x0a, 0x05, 0x0d, '1', '2', '3', '4', '5',
        '6', '7', '8', '9', '0', ' ', 'a', 'b', 'c', 0xe0, 0x04, 0x02, 0x01,
        'b', 'c'};
    const char *want = "hello hello hello hello hello world world world world "
                       "1234567890 abcabcabcabcabcabc";
    ASSERT_EQ_INT(sizeof(block), 41);
    size_t d = lzfDecompress(block, sizeof(block), dbuf, 83);
    ASSERT_EQ_INT(d, 83);
    ASSERT(memcmp(dbuf, want, 83) == 0);
    /* One byte short of room: refused. */
    ASSERT_EQ_INT(lzfDecompress(block, sizeof(block), dbuf, 82), 0);
}

TEST_CASE(testDecompressMalformed) {
    unsigned char *out = malloc(16);
    /* Reference before the start of the output. */
    static const unsigned char badref[] = {0x00, 'a', 0x20, 0x05};
    ASSERT_EQ_INT(lzfDecompress(badref, sizeof(badref), out, 16), 0);
    /* Literal run longer than the input. */
    static const unsigned char shortlit[] = {0x05, 'a', 'b'};
    ASSERT_EQ_INT(lzfDecompress(shortlit, sizeof(shortlit), out, 16), 0);
    /* Reference missing its offset byte, and its length byte. */
    static const unsigned char cut1[] = {0x00, 'a', 0x20};
    ASSERT_EQ_INT(lzfDecompress(cut1, sizeof(cut1), out, 16), 0);
    static const unsigned char cut2[] = {0x00, 'a', 0xe0};
    ASSERT_EQ_INT(lzfDecompress(cut2, sizeof(cut2), out, 16), 0);
    /* A valid overlapping reference that overflows the output. */
    static const unsigned char big[] = {0x00, 'a', 0xe0, 0xff, 0x00};
    ASSERT_EQ_INT(lzfDecompress(big, sizeof(big), out, 16), 0);
    ASSERT_EQ_INT(lzfDecompress(big, 2, out, 16), 1);
    free(out);
    /* Random garbage never crashes (ASan checks the bounds). */
    srand(7);
    unsigned char *g = malloc(64), *o = malloc(256);
    for (int t = 0; t < 200000; t++) {
        size_t n = 1 + (size_t)rand() % 64;
        for (size_t i = 0; i < n; i++) g[i] = (unsigned char)rand();
        (void)lzfDecompress(g, n, o, 1 + (size_t)rand() % 256);
    }
    free(g);
    free(o);
}

int main(void) {
    RUN_TEST(testRoundTripShapes);
    RUN_TEST(testCompressesRepetition);
    RUN_TEST(testDecompressRedisBlock);
    RUN_TEST(testDecompressMalformed);
    return TEST_REPORT();
}
