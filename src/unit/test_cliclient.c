/* test_cliclient.c: unit tests of the tools' RESP reply parser
 * (cliParseReply: resp.c's respReplyParse with the tools' limits): every
 * RESP2 and RESP3 type, replies cut
 * at every byte (always "need more", never a crash or a wrong reply),
 * garbage and hostile lengths (an error or "need more", never a large
 * allocation), nesting limits and attributes. Inputs are copied into
 * buffers of exactly their size so AddressSanitizer sees any overread. */
#include <stdlib.h>
#include <string.h>

#include "../cliclient.h"
#include "../sds.h"
#include "../zmalloc.h"
#include "test_help.h"

/* Parses <s> (its strlen) from an exact-size copy. */
static cliParseStatus parseExact(const char *s, size_t len, size_t *used,
                                 cliReply **r) {
    char err[128];
    char *copy = zmalloc(len ? len : 1);
    cliParseStatus st;
    memcpy(copy, s, len);
    *r = NULL;
    st = cliParseReply(copy, len, used, r, err, sizeof(err));
    zfree(copy);
    return st;
}

static cliParseStatus parse(const char *s, cliReply **r) {
    size_t used;
    return parseExact(s, strlen(s), &used, r);
}

TEST_CASE(test_resp2_types) {
    cliReply *r;
    size_t used;

    ASSERT_EQ_INT(parse("+OK\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_STATUS && !strcmp(r->str, "OK"));
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("-ERR bad\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_ERROR && !strcmp(r->str, "ERR bad"));
    cliReplyFree(r);
    ASSERT_EQ_INT(parse(":-42\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_INTEGER && r->integer == -42);
    cliReplyFree(r);
    ASSERT_EQ_INT(parseExact("$5\r\na\0b\r\n\r\n", 11, &used, &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_STRING && sdsLen(r->str) == 5);
    ASSERT(!memcmp(r->str, "a\0b\r\n", 5));
    ASSERT_EQ_INT(used, 11);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("$-1\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_NIL);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("*-1\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_NIL);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("*0\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_ARRAY && r->elements == 0);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("*2\r\n*1\r\n:1\r\n$1\r\nx\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->elements == 2 && r->element[0]->type == CLI_REPLY_ARRAY);
    ASSERT(r->element[0]->element[0]->integer == 1);
    ASSERT(!strcmp(r->element[1]->str, "x"));
    cliReplyFree(r);
}

TEST_CASE(test_resp3_types) {
    cliReply *r;

    ASSERT_EQ_INT(parse("%2\r\n+a\r\n:1\r\n+b\r\n_\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_MAP && r->elements == 4);
    ASSERT(r->element[3]->type == CLI_REPLY_NIL);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("~1\r\n#t\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_SET && r->element[0]->type == CLI_REPLY_BOOL);
    ASSERT(r->element[0]->integer == 1);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse(",1.5\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_DOUBLE && r->dval == 1.5 && !strcmp(r->str, "1.5"));
    cliReplyFree(r);
    ASSERT_EQ_INT(parse(",inf\r\n", &r), CLI_PARSE_OK);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("(12345678901234567890\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_BIGNUM);
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("=9\r\ntxt:hello\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_VERB && !strcmp(r->vtype, "txt"));
    ASSERT(!strcmp(r->str, "hello"));
    cliReplyFree(r);
    ASSERT_EQ_INT(parse("!3\r\nERR\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_ERROR && !strcmp(r->str, "ERR"));
    cliReplyFree(r);
    ASSERT_EQ_INT(parse(">2\r\n+message\r\n+x\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_PUSH && r->elements == 2);
    cliReplyFree(r);
    /* An attribute annotates the reply after it and is skipped. */
    ASSERT_EQ_INT(parse("|1\r\n+key\r\n+val\r\n:7\r\n", &r), CLI_PARSE_OK);
    ASSERT(r->type == CLI_REPLY_INTEGER && r->integer == 7);
    cliReplyFree(r);
}

/* Every proper prefix of every reply is "need more" and consumes nothing. */
TEST_CASE(test_every_cut_needs_more) {
    const char *replies[] = {
        "+OK\r\n", ":12\r\n", "$3\r\nabc\r\n", "*2\r\n$1\r\na\r\n:2\r\n",
        "%1\r\n+k\r\n*1\r\n,2.5\r\n", "=7\r\ntxt:abc\r\n",
        "|1\r\n+a\r\n+b\r\n#f\r\n", "*3\r\n*0\r\n_\r\n~1\r\n(1\r\n"};
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
        size_t len = strlen(replies[i]);
        for (size_t cut = 0; cut < len; cut++) {
            cliReply *r;
            size_t used = 99;
            ASSERT_EQ_INT(parseExact(replies[i], cut, &used, &r), CLI_PARSE_MORE);
            ASSERT_EQ_INT(used, 0);
            ASSERT(r == NULL);
        }
        {
            cliReply *r;
            size_t used;
            ASSERT_EQ_INT(parseExact(replies[i], len, &used, &r), CLI_PARSE_OK);
            ASSERT_EQ_INT(used, len);
            cliReplyFree(r);
        }
    }
}

/* Two replies back to back: the first is taken, the rest is left. */
TEST_CASE(test_pipelined_replies) {
    const char *two = "+A\r\n:5\r\n";
    cliReply *r;
    size_t used;
    ASSERT_EQ_INT(parseExact(two, strlen(two), &used, &r), CLI_PARSE_OK);
    ASSERT_EQ_INT(used, 4);
    cliReplyFree(r);
    ASSERT_EQ_INT(parseExact(two + 4, strlen(two) - 4, &used, &r), CLI_PARSE_OK);
    ASSERT(r->integer == 5);
    cliReplyFree(r);
}

TEST_CASE(test_garbage_and_hostile_lengths) {
    const char *bad[] = {
        "?x\r\n", ":abc\r\n", "$abc\r\n", "$-2\r\n", "*-5\r\n", "#x\r\n",
        "+OK\rX", "$3\r\nabcXY", "$999999999999\r\n", "*99999999999\r\n",
        ":1\r\r\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cliReply *r;
        size_t used;
        ASSERT_EQ_INT(parseExact(bad[i], strlen(bad[i]), &used, &r), CLI_PARSE_ERROR);
        ASSERT(r == NULL);
    }
    /* A huge announced count with few bytes behind it waits for them
     * instead of allocating for the count. */
    {
        cliReply *r;
        size_t used;
        const char *big = "*2000000000\r\n:1\r\n";
        size_t before = zmallocUsedMemory();
        ASSERT_EQ_INT(parseExact(big, strlen(big), &used, &r), CLI_PARSE_MORE);
        ASSERT(zmallocUsedMemory() - before < 1024 * 1024);
    }
}

TEST_CASE(test_nesting_limit) {
    sds deep = sdsEmpty();
    cliReply *r;
    size_t used;
    for (int i = 0; i < CLI_MAX_NESTING + 5; i++) deep = sdsCat(deep, "*1\r\n");
    deep = sdsCat(deep, ":1\r\n");
    ASSERT_EQ_INT(parseExact(deep, sdsLen(deep), &used, &r), CLI_PARSE_ERROR);
    sdsFree(deep);
    deep = sdsEmpty();
    for (int i = 0; i < CLI_MAX_NESTING - 1; i++) deep = sdsCat(deep, "*1\r\n");
    deep = sdsCat(deep, ":1\r\n");
    ASSERT_EQ_INT(parseExact(deep, sdsLen(deep), &used, &r), CLI_PARSE_OK);
    cliReplyFree(r);
    sdsFree(deep);
}

/* Random bytes never crash the parser; what it accepts it consumed. */
TEST_CASE(test_random_bytes) {
    const char alphabet[] = "*$%~>|:+-_#,(=!\r\n0123456789-abc";
    srand(12345);
    for (int round = 0; round < 20000; round++) {
        char buf[64];
        size_t len = (size_t)(rand() % (int)sizeof(buf));
        cliReply *r;
        size_t used;
        cliParseStatus st;
        for (size_t i = 0; i < len; i++)
            buf[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        st = parseExact(buf, len, &used, &r);
        if (st == CLI_PARSE_OK) {
            ASSERT(used <= len && used > 0);
            cliReplyFree(r);
        } else {
            ASSERT(r == NULL);
        }
    }
}

TEST_CASE(test_format_command) {
    char *argv[] = {"SET", "k", "a b"};
    sds out = cliFormatCommandArgv(sdsEmpty(), 3, argv, NULL);
    ASSERT_EQ_STR(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n");
    sdsFree(out);
}

int main(void) {
    RUN_TEST(test_resp2_types);
    RUN_TEST(test_resp3_types);
    RUN_TEST(test_every_cut_needs_more);
    RUN_TEST(test_pipelined_replies);
    RUN_TEST(test_garbage_and_hostile_lengths);
    RUN_TEST(test_nesting_limit);
    RUN_TEST(test_random_bytes);
    RUN_TEST(test_format_command);
    return TEST_REPORT();
}
