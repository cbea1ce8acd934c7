/* test_crc64.c: unit tests of crc64.c: the standard check value, a DUMP
 * payload checksum computed by Debian's Redis 7.0, incremental use, and a
 * bit-by-bit reference for short inputs.
 *
 * Build: make unit/test_crc64 (or gcc ... unit/test_crc64.c crc64.c) */
#include <stdint.h>
#include <stdlib.h>

#include "../crc64.h"
#include "test_help.h"

TEST_CASE(testCheckValue) {
    ASSERT(crc64(0, (const unsigned char *)"123456789", 9) ==
           0xe9c6d914c4b8d9caULL);
    ASSERT(crc64(0, (const unsigned char *)"", 0) == 0);
}

TEST_CASE(testRedisDumpPayload) {
    /* DUMP of SET k "hello" in Redis 7.0: type 0, string "hello", RDB
     * version 10, then the CRC of those 9 bytes, little endian. */
    static const unsigned char p[] = {0x00, 0x05, 'h', 'e', 'l', 'l', 'o',
                                      0x0a, 0x00};
    static const unsigned char want[] = {0x63, 0x72, 0xdf, 0x76,
                                         0x65, 0x34, 0x20, 0x0a};
    uint64_t c = crc64(0, p, sizeof(p));
    for (int i = 0; i < 8; i++) ASSERT_EQ_INT((c >> (8 * i)) & 0xff, want[i]);
}

TEST_CASE(testIncremental) {
    unsigned char buf[1000];
    srand(3);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)rand();
    uint64_t whole = crc64(0, buf, sizeof(buf));
    for (size_t cut = 0; cut <= sizeof(buf); cut += 37) {
        uint64_t c = crc64(0, buf, cut);
        c = crc64(c, buf + cut, sizeof(buf) - cut);
        ASSERT(c == whole);
    }
}

/* The CRC one bit at a time, from the polynomial alone. */
static uint64_t crcBitwise(const unsigned char *p, size_t len) {
    uint64_t c = 0;
    while (len--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x95ac9329ac4bc9b5ULL : c >> 1;
    }
    return c;
}

TEST_CASE(testAgainstBitwise) {
    /* Every length up to 100 (the 16-byte, 8-byte and single-byte steps
     * and their mixes), at every alignment up to 16. */
    unsigned char buf[128];
    srand(5);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)rand();
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len + off <= 100; len++)
            ASSERT(crc64(0, buf + off, len) == crcBitwise(buf + off, len));
}

int main(void) {
    RUN_TEST(testCheckValue);
    RUN_TEST(testRedisDumpPayload);
    RUN_TEST(testIncremental);
    RUN_TEST(testAgainstBitwise);
    return TEST_REPORT();
}
