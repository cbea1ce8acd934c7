/* test_sha256.c: unit tests of sha256.c: the FIPS 180-4 example messages
 * ("abc", the two-block message, one million 'a'), the empty message, the
 * padding edges (55, 56 and 64 bytes) and incremental updates.
 *
 * Build: make unit/test_sha256 */
#include <stdlib.h>
#include <string.h>

#include "../sha256.h"
#include "test_help.h"

static void hexOf(char out[65], const char *msg, size_t len) {
    sha256Hex(out, msg, len);
}

TEST_CASE(testFipsExamples) {
    char h[65];
    hexOf(h, "abc", 3);
    ASSERT_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223"
                     "b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hexOf(h, two, strlen(two));
    ASSERT_EQ_STR(h, "248d6a61d20638b8e5c026930c3e6039"
                     "a33ce45964ff2167f6ecedd419db06c1");
    hexOf(h, "", 0);
    ASSERT_EQ_STR(h, "e3b0c44298fc1c149afbf4c8996fb924"
                     "27ae41e4649b934ca495991b7852b855");
}

TEST_CASE(testMillionA) {
    char *m = malloc(1000000);
    ASSERT(m != NULL);
    memset(m, 'a', 1000000);
    char h[65];
    hexOf(h, m, 1000000);
    free(m);
    ASSERT_EQ_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67"
                     "f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE(testPaddingEdges) {
    char m[64], h[65];
    memset(m, 'x', sizeof(m));
    hexOf(h, m, 55);
    ASSERT_EQ_STR(h, "d5e285683cd4efc02d021a5c62014694"
                     "958901005d6f71e89e0989fac77e4072");
    hexOf(h, m, 56);
    ASSERT_EQ_STR(h, "04c26261370ee7541549d16dee320c72"
                     "3e3fd14671e66a099afe0a377c16888e");
    hexOf(h, m, 64);
    ASSERT_EQ_STR(h, "7ce100971f64e7001e8fe5a51973ecdf"
                     "e1ced42befe7ee8d5fd6219506b5393c");
}

TEST_CASE(testIncremental) {
    unsigned char buf[300];
    srand(7);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)rand();
    unsigned char whole[SHA256_DIGEST_LEN], part[SHA256_DIGEST_LEN];
    sha256Ctx ctx;
    sha256Init(&ctx);
    sha256Update(&ctx, buf, sizeof(buf));
    sha256Final(&ctx, whole);
    for (size_t cut = 0; cut <= sizeof(buf); cut += 13) {
        sha256Init(&ctx);
        sha256Update(&ctx, buf, cut);
        sha256Update(&ctx, buf + cut, sizeof(buf) - cut);
        sha256Final(&ctx, part);
        ASSERT(memcmp(whole, part, sizeof(whole)) == 0);
    }
}

int main(void) {
    RUN_TEST(testFipsExamples);
    RUN_TEST(testMillionA);
    RUN_TEST(testPaddingEdges);
    RUN_TEST(testIncremental);
    return TEST_REPORT();
}
