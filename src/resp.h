/* resp: a pure RESP request parser.
 *
 * Bytes in; out comes "consumed N bytes, here are the arguments", "need
 * more", or "protocol error: reason". No I/O, no globals, no logging, so it
 * can be unit-tested and fuzzed alone. Both request forms are parsed:
 * multibulk ("*<n>\r\n$<len>\r\n<bytes>\r\n...") and inline (words on one
 * line, split with shell-like quoting).
 *
 * The parser is incremental: a respParser keeps its progress between calls
 * (including a partly received bulk argument, appended to as bytes come) so
 * that a command whose bytes arrive in many reads is never re-parsed from
 * the start, and each argument byte is copied once. */
#ifndef RESP_H
#define RESP_H

#include <stddef.h>

#include "sds.h"

typedef enum {
    RESP_OK = 0,        /* one whole command parsed */
    RESP_NEED_MORE,     /* every byte given was consumed or kept; feed more */
    RESP_ERROR          /* protocol error; see parser->err */
} respStatus;

typedef struct respLimits {
    long long max_bulk_len;      /* proto-max-bulk-len */
    long long max_multibulk_len; /* INT_MAX in Redis 7.0 */
    size_t max_inline_len;       /* 64 KiB in Redis */
} respLimits;

typedef struct respParser {
    respLimits limits;
    int reqtype;                 /* 0 none yet, 1 inline, 2 multibulk */
    long long multibulklen;      /* arguments still to read */
    long long bulklen;           /* length of the current bulk, -1 if none */
    int argc, argv_len;
    sds *argv;                   /* owned until handed out by respTakeArgs */
    const char *err;             /* static text after RESP_ERROR */
    char errbuf[64];             /* backs err when it is formatted */
    sds pending;                 /* start of an unfinished line, kept between calls */
} respParser;

void respParserInit(respParser *p, const respLimits *limits);
/* Frees any arguments held. The parser can be reused after respParserInit. */
void respParserReset(respParser *p);
/* Parses from <buf>/<len>. Sets *consumed to the bytes used (even on
 * RESP_NEED_MORE, where partial arguments are kept inside the parser, and on
 * RESP_ERROR, where it is unspecified). On RESP_OK the command is in
 * p->argv[0..p->argc-1]. An empty inline line or "*0"/"*-1" yields RESP_OK
 * with argc 0 (the caller skips it). Error texts are Redis's, without the
 * "Protocol error: " prefix, e.g. "invalid multibulk length",
 * "invalid bulk length", "expected '$', got 'x'", "unbalanced quotes in
 * request", "too big inline request", "too big mbulk count string",
 * "too big bulk count string". */
respStatus respParse(respParser *p, const char *buf, size_t len,
                     size_t *consumed);
/* Moves the parsed arguments to the caller: *argv (array of sds, caller
 * frees each and the array with zfree) and returns argc; the parser is
 * ready for the next command. */
int respTakeArgs(respParser *p, sds **argv);
/* After RESP_OK, for a caller that moved the strings p->argv[0..argc-1]
 * elsewhere itself: the parser forgets them (without freeing them) and
 * keeps its array for the next command, saving an allocation per command. */
void respForgetArgs(respParser *p);

/* ---- Replies (the client side: Sentinel's links and the tools) ----
 *
 * respReplyParse reads one whole reply from the start of <buf>/<len>:
 * RESP_OK with *<consumed> bytes used and a new tree in *<out> (caller
 * frees it with respReplyFree), RESP_NEED_MORE when the reply is not
 * complete yet (nothing is kept: call again with the same bytes plus more;
 * the scan costs O(bytes) and allocates nothing until the reply is whole),
 * or RESP_ERROR with a static reason in *<err>. RESP2 and RESP3 types are
 * understood; a RESP3 attribute ('|') is read and dropped, and the reply
 * it annotates is returned in its place. Aggregates deeper than
 * <lim>->max_depth, bulks longer than <lim>->max_bulk and aggregates with
 * more than <lim>->max_elements elements are protocol errors (NULL <lim>:
 * the RESP_REPLY_MAX_* defaults). Pure: no I/O, no globals. */
#define RESP_REPLY_MAX_DEPTH 16
#define RESP_REPLY_MAX_ELEMENTS (1024 * 1024)
#define RESP_REPLY_MAX_BULK (512LL * 1024 * 1024)

typedef struct respReplyLimits {
    long long max_bulk;
    long long max_elements;
    int max_depth;
} respReplyLimits;

typedef enum {
    RESP_REPLY_STRING = 1, /* $ bulk string */
    RESP_REPLY_ARRAY,      /* * */
    RESP_REPLY_INTEGER,    /* : */
    RESP_REPLY_NIL,        /* $-1, *-1, _ */
    RESP_REPLY_STATUS,     /* + */
    RESP_REPLY_ERROR,      /* -, ! (blob error) */
    RESP_REPLY_DOUBLE,     /* , (text kept in str, value in dval) */
    RESP_REPLY_BOOL,       /* # (integer 0 or 1) */
    RESP_REPLY_MAP,        /* % (elements: key, value, key, value ...) */
    RESP_REPLY_SET,        /* ~ */
    RESP_REPLY_PUSH,       /* > */
    RESP_REPLY_BIGNUM,     /* ( text in str */
    RESP_REPLY_VERB        /* = verbatim: format in vtype, str holds the
                            * text after "xxx:" */
} respReplyType;

typedef struct respReply {
    respReplyType type;
    char agg;                    /* aggregate marker: '*', '~', '>', '%' */
    char vtype[4];               /* VERB: the three-letter format */
    long long integer;           /* INTEGER, BOOL */
    double dval;                 /* DOUBLE */
    sds str;                     /* strings, status, error, double... */
    size_t elements;             /* MAP: 2 per pair */
    struct respReply **element;  /* for aggregates */
} respReply;

respStatus respReplyParse(const char *buf, size_t len,
                          const respReplyLimits *lim, size_t *consumed,
                          respReply **out, const char **err);
void respReplyFree(respReply *r);

#endif
