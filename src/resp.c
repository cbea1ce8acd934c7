/* resp.c: the pure RESP request parser declared in resp.h.
 *
 * Owns: the progress of a respParser between calls and the arguments it
 * holds until respTakeArgs hands them out. Must not touch: sockets,
 * clients, server globals, logging. It reads only buf[0..len-1] and keeps no
 * pointer into the caller's buffer after returning.
 *
 * How bytes flow:
 * - On RESP_NEED_MORE every byte given is consumed. The payload of a bulk
 *   is appended to the argument's sds as it arrives, so each payload byte
 *   is copied once and never re-parsed. The start of a line that is not
 *   complete yet (an inline request, a "*<n>" or "$<len>" line, or the two
 *   bytes that end a bulk) is copied into p->pending, which keeps at most
 *   max_inline_len + 1 bytes between calls since a longer line is an error.
 * - The next call first completes that element from p->pending plus new
 *   bytes, taken in geometrically growing steps and never more than it
 *   takes to decide the element, then parses the caller's buffer in
 *   place.
 *
 * Compatibility with Redis 7.0 (checked byte for byte against Debian's
 * redis-server 7.0.15), including its quirks:
 * - a request starting with '*' is multibulk, anything else inline;
 * - lines are searched like a C string: a NUL byte before the end of a line
 *   hides the end, so the line can only end in a "too big" error once more
 *   than max_inline_len bytes are waiting;
 * - a "*<n>" or "$<len>" line ends at its first '\r', and the byte after
 *   that '\r' is skipped whatever it is, as are the two bytes after a bulk;
 * - the verdict on a line longer than max_inline_len does not depend on how
 *   the bytes were split into reads: it is the verdict Redis gives when the
 *   bytes trickle in one at a time (its most conservative case).
 * Invariants: p->argv[p->argc .. p->argv_len-1] are NULL, except
 * p->argv[p->argc] while a bulk is partly received (p->bulklen != -1). */
#include "resp.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zmalloc.h"

#define RESP_REQ_NONE 0
#define RESP_REQ_INLINE 1
#define RESP_REQ_MULTIBULK 2

/* Argument slots allocated up front for a multibulk: a client announcing
 * a million arguments does not get a million slots before sending them. */
#define RESP_ARGV_PREALLOC 1024
/* Bytes reserved up front for a bulk whose payload has not arrived: enough
 * to take most values in one allocation, small enough that a bare
 * "$1000000000" header costs little. */
#define RESP_BULK_PREALLOC (1024 * 1024)

/* Redis 7.0's defaults, used when respParserInit gets no limits. */
#define RESP_DEFAULT_MAX_BULK_LEN (512LL * 1024 * 1024)
#define RESP_DEFAULT_MAX_MULTIBULK_LEN ((long long)INT_MAX)
#define RESP_DEFAULT_MAX_INLINE_LEN (64 * 1024)

/* Frees every argument the parser holds, including a partial bulk, and the
 * array itself. */
static void respFreeArgs(respParser *p) {
    if (p->argv != NULL) {
        for (int j = 0; j < p->argv_len; j++) sdsFree(p->argv[j]);
        zfree(p->argv);
    }
    p->argv = NULL;
    p->argc = 0;
    p->argv_len = 0;
}

/* Initialises <p> with a copy of <limits> (NULL selects Redis 7.0's
 * defaults: 512 MiB bulks, INT_MAX arguments, 64 KiB inline lines). <p> owns
 * nothing yet; release it with respParserReset. */
void respParserInit(respParser *p, const respLimits *limits) {
    memset(p, 0, sizeof(*p));
    if (limits != NULL) {
        p->limits = *limits;
    } else {
        p->limits.max_bulk_len = RESP_DEFAULT_MAX_BULK_LEN;
        p->limits.max_multibulk_len = RESP_DEFAULT_MAX_MULTIBULK_LEN;
        p->limits.max_inline_len = RESP_DEFAULT_MAX_INLINE_LEN;
    }
    p->reqtype = RESP_REQ_NONE;
    p->bulklen = -1;
    p->err = NULL;
}

/* Frees every argument <p> holds (a parsed command not taken, or a command
 * half received) and forgets the progress, keeping the limits, so <p> is
 * ready for a new stream. Safe after RESP_ERROR and on a reset parser. */
void respParserReset(respParser *p) {
    respFreeArgs(p);
    sdsFree(p->pending);
    p->pending = NULL;
    p->reqtype = RESP_REQ_NONE;
    p->multibulklen = 0;
    p->bulklen = -1;
    p->err = NULL;
}

/* Hands the arguments of the command just parsed to the caller: *<argv>
 * receives the array (possibly NULL when there are none), which the
 * caller frees with sdsFree on each of the returned count of elements and
 * zfree on the array. Call it only after RESP_OK. */
int respTakeArgs(respParser *p, sds **argv) {
    int argc = p->argc;
    *argv = p->argv;
    p->argv = NULL;
    p->argc = 0;
    p->argv_len = 0;
    return argc;
}

/* See resp.h. */
void respForgetArgs(respParser *p) {
    /* Keep the invariant: unused slots are NULL. */
    if (p->argc) memset(p->argv, 0, sizeof(sds) * (size_t)p->argc);
    p->argc = 0;
}

/* Returns the index of the first <c> in <buf>/<len>, looking at no more
 * than <limit>+1 bytes, or -1 if there is none or a NUL byte comes first
 * (Redis searches its query buffer as a C string). */
static long long respFindLineEnd(const char *buf, size_t len, char c,
                                 size_t limit) {
    size_t n = len;
    if (limit < SIZE_MAX && n > limit + 1) n = limit + 1;
    const char *hit = memchr(buf, c, n);
    if (hit == NULL) return -1;
    if (memchr(buf, '\0', (size_t)(hit - buf)) != NULL) return -1;
    return (long long)(hit - buf);
}

static respStatus respFail(respParser *p, const char *msg) {
    p->err = msg;
    return RESP_ERROR;
}

/* Inline form: one line of words, ended by "\n" with an optional "\r"
 * before it. Nothing is consumed until the line is complete. */
static respStatus respParseInline(respParser *p, const char *buf, size_t len,
                                  size_t *consumed) {
    long long nl = respFindLineEnd(buf, len, '\n', p->limits.max_inline_len);
    if (nl < 0) {
        p->reqtype = RESP_REQ_NONE;
        if (len > p->limits.max_inline_len)
            return respFail(p, "too big inline request");
        return RESP_NEED_MORE;
    }

    size_t linelen = (size_t)nl;
    if (linelen > 0 && buf[linelen - 1] == '\r') linelen--;
    /* sdsSplitArgs reads a C string; the line holds no NUL (see above). */
    char *line = zmalloc(linelen + 1);
    memcpy(line, buf, linelen);
    line[linelen] = '\0';
    int argc = 0;
    sds *argv = sdsSplitArgs(line, &argc);
    zfree(line);
    p->reqtype = RESP_REQ_NONE;
    if (argv == NULL) return respFail(p, "unbalanced quotes in request");

    zfree(p->argv); /* a kept array: its slots are all NULL */
    p->argv = argv;
    p->argc = argc;
    p->argv_len = argc;
    *consumed = (size_t)nl + 1;
    return RESP_OK;
}

/* Finds the "*<n>" or "$<len>" line at <buf>/<len>. Returns 1 with the
 * index of its '\r' in *<cr> once the line and the byte after the '\r' are
 * there, 0 if more bytes are needed, -1 if the line is too long. */
static int respFindCountLine(const respParser *p, const char *buf,
                             size_t len, size_t *cr) {
    long long i = respFindLineEnd(buf, len, '\r', p->limits.max_inline_len);
    if (i < 0) return len > p->limits.max_inline_len ? -1 : 0;
    if ((size_t)i + 2 > len) return 0;
    *cr = (size_t)i;
    return 1;
}

/* Makes room in p->argv for one more argument, growing geometrically but
 * never past the number of arguments the header announced. */
static void respGrowArgv(respParser *p) {
    if (p->argc < p->argv_len) return;
    long long want = (long long)p->argv_len * 2;
    long long total = (long long)p->argc + p->multibulklen;
    if (want > total) want = total;
    if (want < p->argc + 1) want = p->argc + 1;
    p->argv = zrealloc(p->argv, sizeof(sds) * (size_t)want);
    memset(p->argv + p->argv_len, 0,
           sizeof(sds) * (size_t)(want - p->argv_len));
    p->argv_len = (int)want;
}

/* Appends up to the rest of the current bulk from <buf>/<len> to
 * p->argv[p->argc]. Returns the bytes used. The capacity grows to what has
 * arrived plus max(1 MiB, half of it) at most, and never past the declared
 * length: memory follows the bytes received, not the header, and the
 * growth is geometric so a large bulk costs linear time. */
static size_t respAppendBulk(respParser *p, const char *buf, size_t len) {
    sds s = p->argv[p->argc];
    size_t have = sdsLen(s);
    size_t need = (size_t)p->bulklen - have;
    size_t take = len < need ? len : need;
    if (take == 0) return 0;
    if (sdsAvail(s) < take) {
        size_t grow = RESP_BULK_PREALLOC;
        if (have / 2 > grow) grow = have / 2;
        if (take > grow) grow = take;
        if (grow > need) grow = need;
        s = sdsMakeRoomForNonGreedy(s, grow);
    }
    s = sdsCatLen(s, buf, take);
    p->argv[p->argc] = s;
    return take;
}

/* Multibulk form: "*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n". */
static respStatus respParseMultibulk(respParser *p, const char *buf,
                                     size_t len, size_t *consumed) {
    size_t pos = 0, cr;
    long long ll;

    if (p->reqtype == RESP_REQ_NONE) {
        int found = respFindCountLine(p, buf, len, &cr);
        if (found < 0) return respFail(p, "too big mbulk count string");
        if (found == 0) return RESP_NEED_MORE;
        if (!string2ll(buf + 1, cr - 1, &ll) ||
            ll > p->limits.max_multibulk_len || ll > INT_MAX)
            return respFail(p, "invalid multibulk length");
        pos = cr + 2;
        if (ll <= 0) {
            *consumed = pos;
            return RESP_OK;
        }
        p->reqtype = RESP_REQ_MULTIBULK;
        p->multibulklen = ll;
        p->bulklen = -1;
        int want = ll < RESP_ARGV_PREALLOC ? (int)ll : RESP_ARGV_PREALLOC;
        /* An array kept by respForgetArgs (all slots NULL) is reused. */
        if (p->argv == NULL || p->argv_len < want) {
            zfree(p->argv);
            p->argv_len = want;
            p->argv = zcalloc(sizeof(sds) * (size_t)p->argv_len);
        }
        p->argc = 0;
    }

    while (p->multibulklen > 0) {
        if (p->bulklen == -1) {
            int found = respFindCountLine(p, buf + pos, len - pos, &cr);
            if (found < 0) return respFail(p, "too big bulk count string");
            if (found == 0) break;
            char first = buf[pos];
            if (first != '$') {
                /* Redis turns CR and LF into spaces in error replies. */
                if (first == '\r' || first == '\n') first = ' ';
                snprintf(p->errbuf, sizeof(p->errbuf),
                         "expected '$', got '%c'", first);
                *consumed = pos;
                return respFail(p, p->errbuf);
            }
            if (!string2ll(buf + pos + 1, cr - 1, &ll) || ll < 0 ||
                ll > p->limits.max_bulk_len) {
                *consumed = pos;
                return respFail(p, "invalid bulk length");
            }
            pos += cr + 2;
            respGrowArgv(p);
            size_t avail = len - pos;
            if ((unsigned long long)ll <= avail) {
                /* The common case: the whole payload is here already. */
                p->argv[p->argc] = sdsNewLen(buf + pos, (size_t)ll);
                pos += (size_t)ll;
            } else {
                sds s = sdsEmpty();
                size_t pre = (unsigned long long)ll < RESP_BULK_PREALLOC
                                 ? (size_t)ll
                                 : RESP_BULK_PREALLOC;
                p->argv[p->argc] = sdsMakeRoomForNonGreedy(s, pre);
            }
            p->bulklen = ll;
        }

        pos += respAppendBulk(p, buf + pos, len - pos);
        if (sdsLen(p->argv[p->argc]) < (size_t)p->bulklen) break;
        /* The two bytes after the payload are skipped unchecked (Redis 7.0
         * does the same), but they must have arrived. */
        if (len - pos < 2) break;
        pos += 2;
        p->argc++;
        p->bulklen = -1;
        p->multibulklen--;
    }

    *consumed = pos;
    if (p->multibulklen > 0) return RESP_NEED_MORE;
    p->reqtype = RESP_REQ_NONE;
    return RESP_OK;
}

/* Parses in place from <buf>/<len>, which is not empty. On return
 * *<used> bytes are consumed; on RESP_NEED_MORE the rest (at most
 * max_inline_len + 1 bytes: an unfinished line) is left to respParse. */
static respStatus respParseDirect(respParser *p, const char *buf, size_t len,
                                  size_t *used) {
    *used = 0;
    if (p->reqtype == RESP_REQ_NONE) {
        /* Arguments of a previous command that the caller skipped. */
        respFreeArgs(p);
        if (buf[0] != '*') {
            p->reqtype = RESP_REQ_INLINE;
            return respParseInline(p, buf, len, used);
        }
    }
    return respParseMultibulk(p, buf, len, used);
}

/* Continues the unfinished element kept in p->pending with bytes from
 * <buf>/<len>. Returns RESP_OK or RESP_ERROR with *<used> set to the bytes
 * of <buf> that went into the outcome, or RESP_NEED_MORE once p->pending is
 * empty (the caller goes on in place from *<used>) or every byte of <buf>
 * is consumed. */
static respStatus respParsePending(respParser *p, const char *buf, size_t len,
                                   size_t *used) {
    size_t off = 0;
    /* Enough to decide any line: its end is at index max_inline_len at
     * most, and one more byte follows a '\r'. */
    size_t cap = p->limits.max_inline_len < SIZE_MAX - 2
                     ? p->limits.max_inline_len + 2
                     : SIZE_MAX;

    while (p->pending != NULL && off < len) {
        size_t k = sdsLen(p->pending);
        size_t add = len - off;
        /* Lines are short: copy a little first, double the view while the
         * element stays undecided. */
        size_t step = k < 256 ? 256 : k;
        if (add > step) add = step;
        if (k < cap && add > cap - k) add = cap - k;
        p->pending = sdsCatLen(p->pending, buf + off, add);
        off += add;

        size_t viewlen = k + add, got;
        respStatus st = respParseDirect(p, p->pending, viewlen, &got);
        size_t unused = viewlen - got;
        if (st != RESP_NEED_MORE || got == viewlen) {
            sdsFree(p->pending);
            p->pending = NULL;
        }
        if (st != RESP_NEED_MORE) {
            /* Bytes past <got> go back to the caller, who offers them
             * again in the next call. */
            *used = off > unused ? off - unused : 0;
            return st;
        }
        if (p->pending != NULL) sdsRange(p->pending, (ssize_t)got, -1);
    }
    *used = off;
    return RESP_NEED_MORE;
}

/* Parses the next command from <buf>/<len> (see resp.h for the outcomes).
 * *<consumed> is always set; on RESP_NEED_MORE it is <len>, and bytes of an
 * unfinished element are kept in the parser. On RESP_OK the caller takes
 * the arguments with respTakeArgs (or the next call frees them) and calls
 * again with the bytes past *<consumed>. After RESP_ERROR the stream is
 * unusable: p->err (static, or in p->errbuf) stays valid until the next
 * call, and the parser must be reset before another stream. */
respStatus respParse(respParser *p, const char *buf, size_t len,
                     size_t *consumed) {
    size_t off = 0, used;
    respStatus st;

    *consumed = 0;
    p->err = NULL;
    if (len == 0) return RESP_NEED_MORE;
    if (p->pending != NULL) {
        st = respParsePending(p, buf, len, &used);
        if (st != RESP_NEED_MORE) {
            *consumed = used;
            return st;
        }
        off = used;
        if (off == len) {
            *consumed = len;
            return RESP_NEED_MORE;
        }
    }

    st = respParseDirect(p, buf + off, len - off, &used);
    off += used;
    if (st == RESP_NEED_MORE && off < len) {
        /* An unfinished line: keep it until its end arrives. */
        p->pending = sdsNewLen(buf + off, len - off);
        off = len;
    }
    *consumed = off;
    return st;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

/* Finds the "\r\n" ending the line at <buf>+<pos>; returns the offset of
 * the '\r' or -1 when the line is not complete. */
static long long respReplyLineEnd(const char *buf, size_t len, size_t pos) {
    const char *cr = memchr(buf + pos, '\r', len - pos);
    if (cr == NULL) return -1;
    size_t at = (size_t)(cr - buf);
    if (at + 1 >= len) return -1;
    return (long long)at;
}

/* Walks one reply starting at *<pos>; with <build> it also makes the tree
 * in *<out>. The first pass runs without <build> so an incomplete reply
 * costs no allocation. An attribute is walked without building and the
 * reply after it takes its place. */
static respStatus respReplyWalk(const char *buf, size_t len, size_t *pos,
                                int depth, const respReplyLimits *lim,
                                int build, respReply **out, const char **err) {
    if (*pos >= len) return RESP_NEED_MORE;
    if (depth > lim->max_depth) {
        *err = "reply nested too deeply";
        return RESP_ERROR;
    }
    char t = buf[*pos];
    long long eol = respReplyLineEnd(buf, len, *pos + 1);
    if (eol < 0) {
        if (len - *pos > 65536) {
            *err = "reply line too long";
            return RESP_ERROR;
        }
        return RESP_NEED_MORE;
    }
    if (buf[eol + 1] != '\n') {
        *err = "line not ended by CRLF";
        return RESP_ERROR;
    }
    const char *line = buf + *pos + 1;
    size_t linelen = (size_t)eol - (*pos + 1);
    size_t next = (size_t)eol + 2;
    respReply *r = NULL;
    if (build && t != '|') {
        r = zcalloc(sizeof(*r));
    }
    long long n = 0;
    switch (t) {
    case '+':
    case '-':
    case ',':
    case '(':
        if (r) {
            r->type = t == '+'   ? RESP_REPLY_STATUS
                      : t == '-' ? RESP_REPLY_ERROR
                      : t == ',' ? RESP_REPLY_DOUBLE
                                 : RESP_REPLY_BIGNUM;
            r->str = sdsNewLen(line, linelen);
            if (t == ',') r->dval = strtod(r->str, NULL);
        }
        *pos = next;
        break;
    case ':':
    case '#':
        if (t == ':' && !string2ll(line, linelen, &n)) {
            *err = "invalid integer";
            goto fail;
        }
        if (t == '#') {
            if (linelen != 1 || (line[0] != 't' && line[0] != 'f')) {
                *err = "invalid boolean";
                goto fail;
            }
            n = line[0] == 't';
        }
        if (r) {
            r->type = t == ':' ? RESP_REPLY_INTEGER : RESP_REPLY_BOOL;
            r->integer = n;
        }
        *pos = next;
        break;
    case '_':
        if (r) r->type = RESP_REPLY_NIL;
        *pos = next;
        break;
    case '$':
    case '=':
    case '!':
        if (!string2ll(line, linelen, &n) || n < -1 ||
            (n == -1 && t != '$')) {
            *err = "invalid bulk length";
            goto fail;
        }
        if (n > lim->max_bulk) {
            *err = "bulk too long";
            goto fail;
        }
        if (n == -1) {
            if (r) r->type = RESP_REPLY_NIL;
            *pos = next;
            break;
        }
        if (len - next < (size_t)n + 2) {
            if (r) respReplyFree(r);
            return RESP_NEED_MORE;
        }
        if (buf[next + n] != '\r' || buf[next + n + 1] != '\n') {
            *err = "bulk not ended by CRLF";
            goto fail;
        }
        if (r) {
            r->type = t == '$'   ? RESP_REPLY_STRING
                      : t == '!' ? RESP_REPLY_ERROR
                                 : RESP_REPLY_VERB;
            if (t == '=' && n >= 4 && buf[next + 3] == ':') {
                memcpy(r->vtype, buf + next, 3);
                r->str = sdsNewLen(buf + next + 4, (size_t)n - 4);
            } else {
                r->str = sdsNewLen(buf + next, (size_t)n);
            }
        }
        *pos = next + (size_t)n + 2;
        break;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
        if (!string2ll(line, linelen, &n) || n < -1 ||
            (n == -1 && t != '*') || n > lim->max_elements) {
            *err = "invalid aggregate length";
            goto fail;
        }
        if (n == -1) {
            if (r) r->type = RESP_REPLY_NIL;
            *pos = next;
            break;
        }
        long long count = (t == '%' || t == '|') ? n * 2 : n;
        if (r) {
            r->type = t == '*'   ? RESP_REPLY_ARRAY
                      : t == '~' ? RESP_REPLY_SET
                      : t == '>' ? RESP_REPLY_PUSH
                                 : RESP_REPLY_MAP;
            r->agg = t;
            if (count > 0) {
                r->element = zcalloc((size_t)count * sizeof(respReply *));
            }
        }
        size_t p = next;
        for (long long i = 0; i < count; i++) {
            respReply *child = NULL;
            respStatus st = respReplyWalk(buf, len, &p, depth + 1, lim,
                                          r != NULL, r ? &child : NULL, err);
            if (st != RESP_OK) {
                if (r) respReplyFree(r);
                return st;
            }
            if (r) r->element[r->elements++] = child;
        }
        *pos = p;
        /* The reply the attribute annotates; one level deeper, so that a
         * chain of attributes is bounded like nesting. */
        if (t == '|')
            return respReplyWalk(buf, len, pos, depth + 1, lim, build, out,
                                 err);
        break;
    }
    default:
        *err = "unknown reply type";
        goto fail;
    }
    if (out) *out = r;
    return RESP_OK;

fail:
    if (r) respReplyFree(r);
    return RESP_ERROR;
}

/* Parses one reply from <buf>/<len> (see resp.h): two walks, the first
 * only checks that the reply is whole so that a reply still arriving
 * costs no allocation. */
respStatus respReplyParse(const char *buf, size_t len,
                          const respReplyLimits *lim, size_t *consumed,
                          respReply **out, const char **err) {
    static const respReplyLimits defaults = {
        RESP_REPLY_MAX_BULK, RESP_REPLY_MAX_ELEMENTS, RESP_REPLY_MAX_DEPTH};
    size_t pos = 0;
    if (lim == NULL) lim = &defaults;
    *out = NULL;
    *consumed = 0;
    respStatus st = respReplyWalk(buf, len, &pos, 0, lim, 0, NULL, err);
    if (st != RESP_OK) return st;
    pos = 0;
    st = respReplyWalk(buf, len, &pos, 0, lim, 1, out, err);
    if (st == RESP_OK) *consumed = pos;
    return st;
}

/* Frees the reply tree <r> (NULL is fine). */
void respReplyFree(respReply *r) {
    if (r == NULL) return;
    for (size_t i = 0; i < r->elements; i++) respReplyFree(r->element[i]);
    zfree(r->element);
    sdsFree(r->str);
    zfree(r);
}
