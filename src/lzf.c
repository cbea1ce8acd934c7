/* lzf.c: LZF block compression, as used for strings in RDB files.
 *
 * Owns: nothing but the two pure functions declared in lzf.h. It must not
 * allocate, log or touch any global state, so it can be fuzzed alone.
 *
 * The format (public LZF description) is a sequence of chunks, each opened
 * by a control byte:
 *   000LLLLL                  a literal run: the next L+1 bytes (1..32) are
 *                             copied as they are;
 *   LLLooooo oooooooo         a back reference, L in 1..6: copy L+2 bytes
 *                             starting (o + 1) bytes back in the output;
 *   111ooooo LLLLLLLL oooooooo a back reference with an extra length byte:
 *                             copy 7 + L + 2 bytes.
 * So matches are 3..264 bytes long and reach 1..8192 bytes back. Copies may
 * overlap their own output (a run of one repeated byte is a reference one
 * byte back), so they go byte by byte. */
#include "lzf.h"

#include <stdint.h>
#include <string.h>

#define LZF_MAX_LIT 32              /* bytes in one literal run */
#define LZF_MAX_OFF 8192            /* farthest reach of a reference */
#define LZF_MAX_REF (7 + 255 + 2)   /* longest reference */
#define LZF_HASH_LOG 14
#define LZF_HASH_SIZE (1u << LZF_HASH_LOG)

#define LZF_HASH_LOG_MIN 8

/* The slot of the three bytes at <p> in a table of 2^<hlog> slots. */
static inline uint32_t lzfHash(const unsigned char *p, unsigned hlog) {
    uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    return (v * 2654435761u) >> (32 - hlog);
}

/* See lzf.h. Greedy matching through a table of the last position seen for
 * each hash of three bytes; literals are gathered into runs of up to 32. */
size_t lzfCompress(const void *in, size_t inlen, void *out, size_t outlen) {
    const unsigned char *ip = in, *iend = ip + inlen;
    unsigned char *op = out, *oend = op + outlen;
    /* Positions + 1, so that 0 means "never seen". */
    uint32_t table[LZF_HASH_SIZE];
    size_t litstart, i = 0;

    if (inlen == 0) return 0;
    /* The table only needs about two slots per input byte: zeroing all of
     * it (64 KB) for a 1 KB string would cost more than compressing it. */
    unsigned hlog = LZF_HASH_LOG_MIN;
    while (hlog < LZF_HASH_LOG && ((size_t)1 << hlog) < 2 * inlen) hlog++;
    memset(table, 0, sizeof(table[0]) << hlog);
    litstart = 0;

    /* Writes the pending literal run [litstart, i) in runs of <= 32. */
#define LZF_FLUSH_LITERALS()                                              \
    do {                                                                  \
        while (litstart < i) {                                            \
            size_t n = i - litstart;                                      \
            if (n > LZF_MAX_LIT) n = LZF_MAX_LIT;                         \
            if ((size_t)(oend - op) < n + 1) return 0;                    \
            *op++ = (unsigned char)(n - 1);                               \
            memcpy(op, ip + litstart, n);                                 \
            op += n;                                                      \
            litstart += n;                                                \
        }                                                                 \
    } while (0)

    while (i + 2 < inlen) {
        uint32_t h = lzfHash(ip + i, hlog);
        size_t cand = table[h];
        table[h] = (uint32_t)(i + 1);
        if (cand != 0) {
            size_t ref = cand - 1;
            size_t off = i - ref;
            if (off >= 1 && off <= LZF_MAX_OFF && ip[ref] == ip[i] &&
                ip[ref + 1] == ip[i + 1] && ip[ref + 2] == ip[i + 2]) {
                size_t len = 3, maxlen = (size_t)(iend - (ip + i));
                if (maxlen > LZF_MAX_REF) maxlen = LZF_MAX_REF;
                while (len < maxlen && ip[ref + len] == ip[i + len]) len++;
                LZF_FLUSH_LITERALS();
                size_t l = len - 2, o = off - 1;
                if (l < 7) {
                    if (oend - op < 2) return 0;
                    *op++ = (unsigned char)((l << 5) | (o >> 8));
                } else {
                    if (oend - op < 3) return 0;
                    *op++ = (unsigned char)((7 << 5) | (o >> 8));
                    *op++ = (unsigned char)(l - 7);
                }
                *op++ = (unsigned char)(o & 0xff);
                /* Remember the positions inside the match too, so that
                 * later data can refer to them. */
                for (size_t k = i + 1; k < i + len && k + 2 < inlen; k++)
                    table[lzfHash(ip + k, hlog)] = (uint32_t)(k + 1);
                i += len;
                litstart = i;
                continue;
            }
        }
        i++;
    }
    i = inlen;
    LZF_FLUSH_LITERALS();
#undef LZF_FLUSH_LITERALS
    return (size_t)(op - (unsigned char *)out);
}

/* See lzf.h. */
size_t lzfDecompress(const void *in, size_t inlen, void *out, size_t outlen) {
    const unsigned char *ip = in, *iend = ip + inlen;
    unsigned char *op = out, *ostart = out, *oend = op + outlen;

    while (ip < iend) {
        unsigned int ctrl = *ip++;
        if (ctrl < 32) {
            size_t n = ctrl + 1;
            if ((size_t)(iend - ip) < n || (size_t)(oend - op) < n) return 0;
            memcpy(op, ip, n);
            ip += n;
            op += n;
        } else {
            size_t len = ctrl >> 5;
            if (len == 7) {
                if (ip >= iend) return 0;
                len += *ip++;
            }
            len += 2;
            if (ip >= iend) return 0;
            size_t off = (((size_t)(ctrl & 0x1f)) << 8) + *ip++ + 1;
            if (off > (size_t)(op - ostart)) return 0;
            if ((size_t)(oend - op) < len) return 0;
            const unsigned char *ref = op - off;
            for (size_t k = 0; k < len; k++) *op++ = *ref++;
        }
    }
    return (size_t)(op - ostart);
}
