/* fuzz_resp.c: libFuzzer target for the RESP request parser (src/resp.c).
 *
 * Owns nothing but this harness. Each input is parsed twice by fresh
 * parsers with the same limits: once in one go, and once in chunks whose
 * sizes come from a generator seeded with a hash of the input. Both runs
 * must give the same sequence of outcomes (each command's arguments, then
 * the error text or the final parser state), and every call must keep the
 * consumed contract of resp.h. Chunks are copied into buffers of exactly
 * their size so AddressSanitizer sees any read past <len>. The hash also
 * picks the limits: mostly tiny ones, so that every "too big" and
 * "invalid length" path is reachable with short inputs.
 *
 * Build and run: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "sds.h"
#include "zmalloc.h"

typedef struct fuzzRng {
    uint64_t state;
} fuzzRng;

static uint64_t fuzzNext(fuzzRng *r) {
    /* xorshift64*: small, deterministic, good enough to pick sizes. */
    uint64_t x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t fuzzHash(const uint8_t *data, size_t size) {
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < size; i++) {
        h ^= data[i];
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;
}

static void fuzzFail(const char *what, sds a, sds b) {
    fprintf(stderr, "fuzz_resp: %s\n", what);
    if (a != NULL) fprintf(stderr, "whole:   %s\n", a);
    if (b != NULL) fprintf(stderr, "chunked: %s\n", b);
    abort();
}

/* Appends the command held by <p> (after RESP_OK) to <t>, binary-safe. */
static sds fuzzCatCommand(sds t, const respParser *p) {
    if (p->argc < 0 || (p->argc > 0 && p->argv == NULL))
        fuzzFail("RESP_OK without arguments", NULL, NULL);
    t = sdsCatPrintf(t, "OK %d", p->argc);
    for (int j = 0; j < p->argc; j++) {
        t = sdsCat(t, " ");
        t = sdsCatRepr(t, p->argv[j], sdsLen(p->argv[j]));
    }
    return sdsCat(t, "\n");
}

/* Runs <data>/<size> through a parser with <lim>. With <rng> NULL the
 * input goes in one call; otherwise in chunks sized by <rng>, and the
 * arguments of some commands are left for the next call to free. Returns
 * the transcript, which the caller frees. */
static sds fuzzRun(const respLimits *lim, const uint8_t *data, size_t size,
                   fuzzRng *rng) {
    respParser p;
    sds t = sdsEmpty();
    size_t start = 0;
    int failed = 0;

    respParserInit(&p, lim);
    while (!failed && (start < size || start == 0)) {
        size_t clen = size - start;
        if (rng != NULL) {
            uint64_t r = fuzzNext(rng);
            size_t want = (r & 7) == 0 ? (size_t)(r >> 8) % 512
                                       : 1 + (size_t)(r >> 8) % 16;
            if (want < clen) clen = want;
        }
        char *chunk = malloc(clen ? clen : 1);
        if (clen) memcpy(chunk, data + start, clen);
        size_t off = 0;
        for (;;) {
            size_t used = (size_t)-1;
            respStatus st = respParse(&p, chunk + off, clen - off, &used);
            if (st == RESP_ERROR) {
                if (p.err == NULL) fuzzFail("RESP_ERROR without text", t, NULL);
                t = sdsCatPrintf(t, "ERR %s\n", p.err);
                failed = 1;
                break;
            }
            if (st == RESP_NEED_MORE) {
                if (used != clen - off)
                    fuzzFail("RESP_NEED_MORE left bytes unconsumed", t, NULL);
                break;
            }
            if (st != RESP_OK) fuzzFail("unknown status", t, NULL);
            if (used == 0 || used > clen - off)
                fuzzFail("RESP_OK with a bad consumed count", t, NULL);
            off += used;
            t = fuzzCatCommand(t, &p);
            if (rng == NULL || (fuzzNext(rng) & 3) != 0) {
                sds *argv;
                int argc = respTakeArgs(&p, &argv);
                for (int j = 0; j < argc; j++) sdsFree(argv[j]);
                zfree(argv);
                if (p.argv != NULL || p.argc != 0)
                    fuzzFail("respTakeArgs left arguments", t, NULL);
            }
        }
        free(chunk);
        start += clen;
        if (size == 0) break;
    }
    if (!failed) {
        /* A command that was parsed but not taken is not part of the
         * state: only arguments of an unfinished command count. */
        t = sdsCatPrintf(t, "STATE %d %lld %lld %d", p.reqtype, p.multibulklen,
                         p.bulklen, p.reqtype != 0 ? p.argc : 0);
        if (p.bulklen != -1)
            t = sdsCatPrintf(t, " partial=%zu", sdsLen(p.argv[p.argc]));
        if (p.pending != NULL) {
            if (sdsLen(p.pending) > p.limits.max_inline_len + 1)
                fuzzFail("pending line longer than the limit", t, NULL);
            t = sdsCat(t, " pending=");
            t = sdsCatRepr(t, p.pending, sdsLen(p.pending));
        }
    }
    respParserReset(&p);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t h = fuzzHash(data, size);
    respLimits lim;
    if ((h & 3) == 0) {
        lim.max_bulk_len = 512LL * 1024 * 1024;
        lim.max_multibulk_len = 2147483647LL;
        lim.max_inline_len = 64 * 1024;
    } else {
        lim.max_bulk_len = (long long)((h >> 8) % 200);
        lim.max_multibulk_len = (long long)((h >> 16) % 24);
        lim.max_inline_len = (size_t)((h >> 24) % 48);
    }

    sds whole = fuzzRun(&lim, data, size, NULL);
    fuzzRng rng = {h};
    sds chunked = fuzzRun(&lim, data, size, &rng);
    if (strcmp(whole, chunked) != 0 || sdsLen(whole) != sdsLen(chunked))
        fuzzFail("one go and chunks disagree", whole, chunked);
    sdsFree(whole);
    sdsFree(chunked);
    return 0;
}
