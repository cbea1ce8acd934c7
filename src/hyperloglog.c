/* hyperloglog.c: HyperLogLog counters stored in string values.
 *
 * Owns: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST and the two on-disk
 * representations, which are Redis's byte for byte so that DUMP payloads
 * and RDB files move between Redis 7.0 and us unchanged (format as Redis
 * documents it for its HyperLogLog strings and as DUMP/GETRANGE of Redis
 * 7.0 values show it):
 *
 *   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), three zero
 *   bytes, then the cached cardinality as 8 bytes little endian; the most
 *   significant bit of the last byte set means "cache stale".
 *
 *   dense: 16384 registers of 6 bits, register i in bits [6i, 6i+6) of the
 *   register area, counting from the least significant bit of each byte
 *   (12288 bytes).
 *
 *   sparse: a run-length sequence of opcodes over the 16384 registers:
 *     00xxxxxx           xxxxxx+1 zero registers (1..64)
 *     01xxxxxx yyyyyyyy  (xxxxxx << 8 | yyyyyyyy)+1 zero registers
 *     1vvvvvxx           xx+1 registers (1..4) of value vvvvv+1 (1..32)
 *   A sparse value turns dense when a register needs more than 32 or the
 *   value would grow past hll-sparse-max-bytes.
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
 * choose the register, the position of the lowest set bit of the rest (plus
 * one) is the candidate value. The estimate is Ertl's improved raw estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches",
 * arXiv:1702.01284), computed in the same order of operations as Redis so
 * that counts agree exactly.
 *
 * Invariant: every reader bounds its walk by the value's length and by the
 * register count, so a corrupted value (from RESTORE, SETRANGE, an RDB
 * file) is refused with "-INVALIDOBJ" and never read or written out of
 * bounds. Must not touch: other types (WRONGTYPE), the keyspace beyond the
 * db.c API. */
#include "server.h"

#include <math.h>
#include <strings.h>

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_P_MASK (HLL_REGISTERS - 1)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define HLL_RAW 255 /* one byte per register; only in memory (PFCOUNT) */
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */

#define HLL_SP_VAL_MAX_VALUE 32
#define HLL_SP_VAL_MAX_LEN 4
#define HLL_SP_ZERO_MAX_LEN 64
#define HLL_SP_XZERO_MAX_LEN 16384

static const char *hllInvalidErr = "-INVALIDOBJ Corrupted HLL object detected";
static const char *hllWrongTypeErr =
    "-WRONGTYPE Key is not a valid HyperLogLog string value.";

/* ------------------------------------------------------------ opcodes */

static int hllSpIsZero(const unsigned char *p) { return (*p & 0xc0) == 0x00; }
static int hllSpIsXZero(const unsigned char *p) { return (*p & 0xc0) == 0x40; }
static int hllSpZeroLen(const unsigned char *p) { return (*p & 0x3f) + 1; }
static int hllSpValValue(const unsigned char *p) {
    return ((*p >> 2) & 0x1f) + 1;
}
static int hllSpValLen(const unsigned char *p) { return (*p & 0x3) + 1; }

/* Length of the XZERO opcode at <p>. When the value (ending at <end>)
 * is cut after its first byte, the second is the byte just past the end:
 * the sds terminator slot, always allocated, normally zero. Redis 7.0
 * reads the same byte, so a cut value counts and decodes the same. */
static int hllSpXZeroLen(const unsigned char *p, const unsigned char *end) {
    int lo = p + 1 < end ? p[1] : *end;
    return (((*p & 0x3f) << 8) | lo) + 1;
}

/* Writes opcodes at <p>; each returns the bytes written. */
static int hllSpPutZero(unsigned char *p, int len) {
    p[0] = (unsigned char)(len - 1);
    return 1;
}
static int hllSpPutXZero(unsigned char *p, int len) {
    len--;
    p[0] = (unsigned char)(0x40 | (len >> 8));
    p[1] = (unsigned char)(len & 0xff);
    return 2;
}
static int hllSpPutVal(unsigned char *p, int val, int len) {
    p[0] = (unsigned char)(0x80 | ((val - 1) << 2) | (len - 1));
    return 1;
}
/* A run of <len> zero registers in the shortest opcode. */
static int hllSpPutZeros(unsigned char *p, int len) {
    return len > HLL_SP_ZERO_MAX_LEN ? hllSpPutXZero(p, len)
                                     : hllSpPutZero(p, len);
}

/* ------------------------------------------------------------ header */

static int hllEncoding(sds s) { return (unsigned char)s[4]; }

static void hllInvalidateCache(sds s) { s[15] = (char)(s[15] | 0x80); }

static int hllCacheValid(sds s) { return (s[15] & 0x80) == 0; }

static uint64_t hllCacheGet(sds s) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | (unsigned char)s[8 + i];
    return v;
}

static void hllCacheSet(sds s, uint64_t v) {
    for (int i = 0; i < 8; i++) s[8 + i] = (char)((v >> (8 * i)) & 0xff);
}

/* ------------------------------------------------------------ dense */

static int hllDenseGet(const unsigned char *regs, long i) {
    long bit = i * HLL_BITS;
    long b = bit >> 3;
    int fb = bit & 7;
    unsigned v = regs[b] >> fb;
    if (fb > 8 - HLL_BITS) v |= (unsigned)regs[b + 1] << (8 - fb);
    return (int)(v & HLL_REGISTER_MAX);
}

static void hllDenseSet(unsigned char *regs, long i, int val) {
    long bit = i * HLL_BITS;
    long b = bit >> 3;
    int fb = bit & 7;
    unsigned v = (unsigned)val;
    regs[b] = (unsigned char)((regs[b] & ~(HLL_REGISTER_MAX << fb)) |
                              (v << fb));
    if (fb > 8 - HLL_BITS) {
        unsigned hi = HLL_REGISTER_MAX >> (8 - fb);
        regs[b + 1] = (unsigned char)((regs[b + 1] & ~hi) | (v >> (8 - fb)));
    }
}

/* ------------------------------------------------------------ hashing */

/* MurmurHash64A by Austin Appleby (public domain), reading the input as
 * little-endian 64-bit words whatever the host order, as Redis does. */
static uint64_t hllMurmur64(const unsigned char *data, size_t len,
                            uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ (len * m);
    size_t nblocks = len / 8;
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t k = 0;
        for (int b = 7; b >= 0; b--) k = (k << 8) | data[i * 8 + b];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    const unsigned char *tail = data + nblocks * 8;
    size_t rest = len & 7;
    if (rest) {
        for (size_t b = rest; b-- > 0;) h ^= (uint64_t)tail[b] << (8 * b);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* The register of element <ele> (<len> bytes) in *<index>; returns the
 * candidate value (1..51). */
static int hllPatternLen(const unsigned char *ele, size_t len, long *index) {
    uint64_t h = hllMurmur64(ele, len, 0xadc83b19ULL);
    *index = (long)(h & HLL_P_MASK);
    h >>= HLL_P;
    h |= 1ULL << HLL_Q; /* the count stops at Q + 1 */
    return __builtin_ctzll(h) + 1;
}

/* ------------------------------------------------------------ sparse */

/* Rewrites the sparse value of <o> as dense. C_ERR (value unchanged) when
 * the opcodes do not cover exactly the 16384 registers. */
static int hllSparseToDense(robj *o) {
    sds s = o->ptr;
    if (hllEncoding(s) == HLL_DENSE) return C_OK;
    sds d = sdsNewLen(NULL, HLL_DENSE_SIZE);
    memcpy(d, s, HLL_HDR_SIZE);
    d[4] = HLL_DENSE;
    unsigned char *regs = (unsigned char *)d + HLL_HDR_SIZE;
    const unsigned char *p = (unsigned char *)s + HLL_HDR_SIZE;
    const unsigned char *end = (unsigned char *)s + sdsLen(s);
    long idx = 0;
    int overflow = 0;
    /* Any opcode reaching past the last register makes the value corrupt
     * (as Redis 7.0.15 judges it), even after exactly 16384. */
    while (p < end && !overflow) {
        if (hllSpIsZero(p)) {
            int run = hllSpZeroLen(p);
            overflow = idx + run > HLL_REGISTERS;
            idx += run;
            p++;
        } else if (hllSpIsXZero(p)) {
            int run = hllSpXZeroLen(p, end);
            overflow = idx + run > HLL_REGISTERS;
            idx += run;
            p += 2;
        } else {
            int run = hllSpValLen(p), val = hllSpValValue(p);
            overflow = idx + run > HLL_REGISTERS;
            if (overflow) break;
            while (run--) hllDenseSet(regs, idx++, val);
            p++;
        }
    }
    if (overflow || idx != HLL_REGISTERS) {
        sdsFree(d);
        return C_ERR;
    }
    sdsFree(s);
    o->ptr = d;
    return C_OK;
}

/* Raises register <index> of the sparse value of <o> to <count> if it is
 * lower, keeping Redis's exact opcode layout (so the bytes match Redis's):
 * the opcode covering the register is split into at most three (before,
 * the register, after), then adjacent equal VAL opcodes near the change
 * are merged. Turns the value dense when <count> does not fit a VAL opcode
 * or the value would outgrow hll-sparse-max-bytes. Returns 1 if a register
 * changed, 0 if not, -1 for a corrupted value. o->ptr may be replaced. */
static int hllSparseSet(robj *o, long index, int count) {
    if (count > HLL_SP_VAL_MAX_VALUE) goto promote;

    /* A change may need up to 3 more bytes; reserve them first so that
     * the pointers below stay valid. */
    o->ptr = sdsMakeRoomFor(o->ptr, 3);
    unsigned char *sparse = (unsigned char *)o->ptr + HLL_HDR_SIZE;
    unsigned char *end = (unsigned char *)o->ptr + sdsLen(o->ptr);
    unsigned char *p = sparse, *prev = NULL;
    long first = 0, span = 0;
    while (p < end) {
        int oplen;
        if (hllSpIsZero(p)) {
            span = hllSpZeroLen(p);
            oplen = 1;
        } else if (hllSpIsXZero(p)) {
            /* Cut after its first byte, an XZERO reads its second as zero
             * (the string's terminator), as Redis 7.0 does. */
            span = hllSpXZeroLen(p, end);
            oplen = 2;
        } else {
            span = hllSpValLen(p);
            oplen = 1;
        }
        if (index <= first + span - 1) break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end) return -1;

    unsigned char *next = hllSpIsXZero(p) ? p + 2 : p + 1;
    if (next >= end) next = NULL;
    int isval = !hllSpIsZero(p) && !hllSpIsXZero(p);
    long runlen = span;
    if (isval) {
        int old = hllSpValValue(p);
        if (old >= count) return 0;
        if (runlen == 1) {
            hllSpPutVal(p, count, 1);
            goto updated;
        }
    } else if (hllSpIsZero(p) && runlen == 1) {
        hllSpPutVal(p, count, 1);
        goto updated;
    }

    /* The general case: replace the opcode by the split sequence. */
    unsigned char seq[5];
    int n = 0;
    long last = first + runlen - 1;
    if (!isval) {
        if (index != first) n += hllSpPutZeros(seq + n, (int)(index - first));
        n += hllSpPutVal(seq + n, count, 1);
        if (index != last) n += hllSpPutZeros(seq + n, (int)(last - index));
    } else {
        int cur = hllSpValValue(p);
        if (index != first) n += hllSpPutVal(seq + n, cur, (int)(index - first));
        n += hllSpPutVal(seq + n, count, 1);
        if (index != last) n += hllSpPutVal(seq + n, cur, (int)(last - index));
    }
    int oldlen = hllSpIsXZero(p) ? 2 : 1;
    int delta = n - oldlen;
    if (delta > 0 &&
        sdsLen(o->ptr) + (size_t)delta > server.hll_sparse_max_bytes)
        goto promote;
    if (delta != 0 && next) memmove(next + delta, next, (size_t)(end - next));
    sdsIncrLen(o->ptr, delta);
    end += delta;
    /* For a cut XZERO the last byte of <seq> lands on the terminator
     * slot (room was reserved above) and is dropped from the value, as in
     * Redis 7.0 (which then reads it as that XZERO's second byte). */
    memcpy(p, seq, (size_t)n);

updated:
    /* Merge equal neighbouring VAL opcodes, scanning a few opcodes from
     * the one before the change, as Redis does. */
    p = prev ? prev : sparse;
    int scan = 5;
    while (p < end && scan--) {
        if (hllSpIsXZero(p)) {
            p += 2;
            continue;
        }
        if (hllSpIsZero(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && !hllSpIsZero(p + 1) && !hllSpIsXZero(p + 1) &&
            hllSpValValue(p) == hllSpValValue(p + 1)) {
            int len = hllSpValLen(p) + hllSpValLen(p + 1);
            if (len <= HLL_SP_VAL_MAX_LEN) {
                hllSpPutVal(p + 1, hllSpValValue(p), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                sdsIncrLen(o->ptr, -1);
                end--;
                continue;
            }
        }
        p++;
    }
    hllInvalidateCache(o->ptr);
    return 1;

promote:
    if (hllSparseToDense(o) == C_ERR) return -1;
    {
        unsigned char *regs = (unsigned char *)o->ptr + HLL_HDR_SIZE;
        if (hllDenseGet(regs, index) < count) hllDenseSet(regs, index, count);
    }
    hllInvalidateCache(o->ptr);
    return 1;
}

/* Adds one element to the HLL <o>: 1 when a register changed, 0 when not,
 * -1 for a corrupted value. */
static int hllAdd(robj *o, const unsigned char *ele, size_t len) {
    long index;
    int count = hllPatternLen(ele, len, &index);
    sds s = o->ptr;
    if (hllEncoding(s) == HLL_DENSE) {
        unsigned char *regs = (unsigned char *)s + HLL_HDR_SIZE;
        if (hllDenseGet(regs, index) >= count) return 0;
        hllDenseSet(regs, index, count);
        return 1;
    }
    if (hllEncoding(s) == HLL_SPARSE) return hllSparseSet(o, index, count);
    return -1;
}

/* ------------------------------------------------------------ estimate */

/* Folds the registers of HLL <s> (any encoding; <len> bytes for sparse)
 * into the histogram <histo> (64 counters). Returns C_ERR when a sparse
 * value does not cover exactly the registers. */
static int hllHistogram(const unsigned char *s, size_t len, int encoding,
                        int *histo) {
    const unsigned char *regs = s + HLL_HDR_SIZE;
    if (encoding == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) histo[hllDenseGet(regs, i)]++;
        return C_OK;
    }
    if (encoding == HLL_RAW) {
        for (long i = 0; i < HLL_REGISTERS; i++) histo[regs[i] & 63]++;
        return C_OK;
    }
    const unsigned char *p = regs, *end = s + len;
    long idx = 0;
    while (p < end) {
        int run;
        if (hllSpIsZero(p)) {
            run = hllSpZeroLen(p);
            histo[0] += run;
            p++;
        } else if (hllSpIsXZero(p)) {
            run = hllSpXZeroLen(p, end);
            histo[0] += run;
            p += 2;
        } else {
            run = hllSpValLen(p);
            if (idx + run > HLL_REGISTERS) return C_ERR;
            histo[hllSpValValue(p)] += run;
            p++;
        }
        idx += run;
        if (idx > HLL_REGISTERS) return C_ERR;
    }
    return idx == HLL_REGISTERS ? C_OK : C_ERR;
}

/* Ertl's sigma function (arXiv:1702.01284, algorithm 6). */
static double hllSigma(double x) {
    if (x == 1.) return INFINITY;
    double zprev, y = 1, z = x;
    do {
        x *= x;
        zprev = z;
        z += x * y;
        y += y;
    } while (zprev != z);
    return z;
}

/* Ertl's tau function (same paper). */
static double hllTau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double zprev, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        zprev = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (zprev != z);
    return z / 3;
}

/* The cardinality estimate from a register histogram. */
static uint64_t hllEstimate(const int *histo) {
    double m = HLL_REGISTERS;
    double z = m * hllTau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * hllSigma(histo[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

/* Raises each of the 16384 bytes of <max> to the registers of HLL <o>.
 * C_ERR for a corrupted sparse value. */
static int hllMergeInto(unsigned char *max, robj *o) {
    sds s = o->ptr;
    const unsigned char *regs = (unsigned char *)s + HLL_HDR_SIZE;
    if (hllEncoding(s) == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            int v = hllDenseGet(regs, i);
            if (v > max[i]) max[i] = (unsigned char)v;
        }
        return C_OK;
    }
    const unsigned char *p = regs, *end = (unsigned char *)s + sdsLen(s);
    long idx = 0;
    while (p < end) {
        if (hllSpIsZero(p)) {
            idx += hllSpZeroLen(p);
            p++;
        } else if (hllSpIsXZero(p)) {
            idx += hllSpXZeroLen(p, end);
            p += 2;
        } else {
            int run = hllSpValLen(p), val = hllSpValValue(p);
            if (idx + run > HLL_REGISTERS) return C_ERR;
            while (run--) {
                if (val > max[idx]) max[idx] = (unsigned char)val;
                idx++;
            }
            p++;
        }
        if (idx > HLL_REGISTERS) return C_ERR;
    }
    return idx == HLL_REGISTERS ? C_OK : C_ERR;
}

/* ------------------------------------------------------------ objects */

/* A new empty HLL: sparse, one XZERO over every register, cache valid
 * (cardinality 0). */
static robj *hllCreateObject(void) {
    sds s = sdsNewLen(NULL, HLL_HDR_SIZE + 2);
    memcpy(s, "HYLL", 4);
    s[4] = HLL_SPARSE;
    hllSpPutXZero((unsigned char *)s + HLL_HDR_SIZE, HLL_REGISTERS);
    return createObject(OBJ_STRING, s);
}

/* C_OK when <o> looks like an HLL (string, magic, known encoding, exact
 * dense size); otherwise replies WRONGTYPE (Redis's texts) and C_ERR. The
 * sparse opcodes are checked later, by whoever walks them. */
static int hllCheckOrReply(client *c, robj *o) {
    if (checkType(c, o, OBJ_STRING)) return C_ERR;
    if (!sdsEncodedObject(o) || stringObjectLen(o) < HLL_HDR_SIZE) goto bad;
    sds s = o->ptr;
    if (memcmp(s, "HYLL", 4) != 0) goto bad;
    if (hllEncoding(s) > HLL_SPARSE) goto bad;
    if (hllEncoding(s) == HLL_DENSE && sdsLen(s) != HLL_DENSE_SIZE) goto bad;
    return C_OK;
bad:
    addReplyError(c, hllWrongTypeErr);
    return C_ERR;
}

/* PFADD key [element ...] */
void pfaddCommand(client *c) {
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    int updated = 0;
    if (o == NULL) {
        o = hllCreateObject();
        dbAdd(c->db, c->argv[1], o);
        updated++;
    } else {
        if (hllCheckOrReply(c, o) != C_OK) return;
        o = dbUnshareStringValue(c->db, c->argv[1], o);
    }
    for (int j = 2; j < c->argc; j++) {
        robj *e = getDecodedObject(c->argv[j]);
        int r = hllAdd(o, (unsigned char *)e->ptr, sdsLen(e->ptr));
        decrRefCount(e);
        if (r < 0) {
            addReplyError(c, hllInvalidErr);
            return;
        }
        updated += r;
    }
    if (updated) {
        hllInvalidateCache(o->ptr);
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_STRING, "pfadd", c->argv[1], c->db->id);
        server.dirty += updated;
    }
    addReply(c, updated ? shared.cone : shared.czero);
}

/* PFCOUNT key [key ...]: one key uses (and refreshes) its cached count;
 * several are merged into a temporary one-byte-per-register HLL. */
void pfcountCommand(client *c) {
    int histo[64] = {0};
    if (c->argc > 2) {
        unsigned char *raw = zcalloc(HLL_HDR_SIZE + HLL_REGISTERS);
        for (int j = 1; j < c->argc; j++) {
            robj *o = lookupKeyRead(c->db, c->argv[j]);
            if (o == NULL) continue;
            if (hllCheckOrReply(c, o) != C_OK) {
                zfree(raw);
                return;
            }
            if (hllMergeInto(raw + HLL_HDR_SIZE, o) != C_OK) {
                addReplyError(c, hllInvalidErr);
                zfree(raw);
                return;
            }
        }
        hllHistogram(raw, HLL_HDR_SIZE + HLL_REGISTERS, HLL_RAW, histo);
        zfree(raw);
        addReplyLongLong(c, (long long)hllEstimate(histo));
        return;
    }
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (o == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (hllCheckOrReply(c, o) != C_OK) return;
    o = dbUnshareStringValue(c->db, c->argv[1], o);
    sds s = o->ptr;
    uint64_t card;
    if (hllCacheValid(s)) {
        card = hllCacheGet(s);
    } else {
        if (hllHistogram((unsigned char *)s, sdsLen(s), hllEncoding(s),
                         histo) != C_OK) {
            addReplyError(c, hllInvalidErr);
            return;
        }
        card = hllEstimate(histo);
        hllCacheSet(s, card);
        signalModifiedKey(c, c->db, c->argv[1]);
        server.dirty++;
    }
    addReplyLongLong(c, (long long)card);
}

/* PFMERGE destkey [sourcekey ...]: the destination (itself one of the
 * inputs) gets the register-wise maximum; it turns dense if any input is
 * dense. */
void pfmergeCommand(client *c) {
    unsigned char *max = zcalloc(HLL_REGISTERS);
    int use_dense = 0;
    for (int j = 1; j < c->argc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j]);
        if (o == NULL) continue;
        if (hllCheckOrReply(c, o) != C_OK) goto done;
        if (hllEncoding(o->ptr) == HLL_DENSE) use_dense = 1;
        if (hllMergeInto(max, o) != C_OK) {
            addReplyError(c, hllInvalidErr);
            goto done;
        }
    }
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (o == NULL) {
        o = hllCreateObject();
        dbAdd(c->db, c->argv[1], o);
    } else {
        o = dbUnshareStringValue(c->db, c->argv[1], o);
    }
    if (use_dense && hllSparseToDense(o) != C_OK) {
        addReplyError(c, hllInvalidErr);
        goto done;
    }
    for (long i = 0; i < HLL_REGISTERS; i++) {
        if (max[i] == 0) continue;
        sds s = o->ptr;
        if (hllEncoding(s) == HLL_DENSE) {
            unsigned char *regs = (unsigned char *)s + HLL_HDR_SIZE;
            if (hllDenseGet(regs, i) < max[i]) hllDenseSet(regs, i, max[i]);
        } else if (hllSparseSet(o, i, max[i]) < 0) {
            break; /* unreachable: the destination was merged above */
        }
    }
    hllInvalidateCache(o->ptr);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "pfadd", c->argv[1], c->db->id);
    server.dirty++;
    addReply(c, shared.ok);
done:
    zfree(max);
}

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
void pfdebugCommand(client *c) {
    const char *cmd = c->argv[1]->ptr;
    robj *o = lookupKeyWrite(c->db, c->argv[2]);
    if (o == NULL) {
        addReplyError(c, "The specified key does not exist");
        return;
    }
    if (hllCheckOrReply(c, o) != C_OK) return;
    o = dbUnshareStringValue(c->db, c->argv[2], o);
    if (c->argc != 3 &&
        (!strcasecmp(cmd, "getreg") || !strcasecmp(cmd, "decode") ||
         !strcasecmp(cmd, "encoding") || !strcasecmp(cmd, "todense"))) {
        addReplyErrorFormat(c, "Wrong number of arguments for the '%s' "
                               "subcommand", cmd);
        return;
    }
    if (!strcasecmp(cmd, "getreg")) {
        if (hllEncoding(o->ptr) == HLL_SPARSE) {
            if (hllSparseToDense(o) != C_OK) {
                addReplyError(c, hllInvalidErr);
                return;
            }
            server.dirty++; /* the encoding change propagates */
        }
        unsigned char *regs = (unsigned char *)o->ptr + HLL_HDR_SIZE;
        addReplyArrayLen(c, HLL_REGISTERS);
        for (long i = 0; i < HLL_REGISTERS; i++)
            addReplyLongLong(c, hllDenseGet(regs, i));
    } else if (!strcasecmp(cmd, "decode")) {
        sds s = o->ptr;
        if (hllEncoding(s) != HLL_SPARSE) {
            addReplyError(c, "HLL encoding is not sparse");
            return;
        }
        const unsigned char *p = (unsigned char *)s + HLL_HDR_SIZE;
        const unsigned char *end = (unsigned char *)s + sdsLen(s);
        sds out = sdsEmpty();
        while (p < end) {
            if (hllSpIsZero(p)) {
                out = sdsCatPrintf(out, "z:%d ", hllSpZeroLen(p));
                p++;
            } else if (hllSpIsXZero(p)) {
                out = sdsCatPrintf(out, "Z:%d ", hllSpXZeroLen(p, end));
                p += 2;
            } else {
                out = sdsCatPrintf(out, "v:%d,%d ", hllSpValValue(p),
                                   hllSpValLen(p));
                p++;
            }
        }
        out = sdsTrim(out, " ");
        addReplyBulkCBuffer(c, out, sdsLen(out));
        sdsFree(out);
    } else if (!strcasecmp(cmd, "encoding")) {
        addReplyStatus(c, hllEncoding(o->ptr) == HLL_DENSE ? "dense"
                                                           : "sparse");
    } else if (!strcasecmp(cmd, "todense")) {
        int conv = 0;
        if (hllEncoding(o->ptr) == HLL_SPARSE) {
            if (hllSparseToDense(o) != C_OK) {
                addReplyError(c, hllInvalidErr);
                return;
            }
            conv = 1;
            server.dirty++;
        }
        addReply(c, conv ? shared.cone : shared.czero);
    } else {
        addReplyErrorFormat(c, "Unknown PFDEBUG subcommand '%s'", cmd);
    }
}

/* PFSELFTEST: checks the dense register packing against a plain byte
 * array, then that sparse and dense counters fed the same elements agree
 * and stay within 5 standard errors of the true count. Replies +OK or a
 * -TESTFAILED error naming what broke. */
void pfselftestCommand(client *c) {
    unsigned char *regs = zcalloc(HLL_DENSE_SIZE - HLL_HDR_SIZE + 1);
    unsigned char *ref = zmalloc(HLL_REGISTERS);
    robj *sparse = NULL, *dense = NULL;
    uint64_t seed = (uint64_t)ustime();
    for (int round = 0; round < 256; round++) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            ref[i] = (unsigned char)((seed >> 33) & HLL_REGISTER_MAX);
            hllDenseSet(regs, i, ref[i]);
        }
        for (long i = 0; i < HLL_REGISTERS; i++) {
            if (hllDenseGet(regs, i) != ref[i]) {
                addReplyErrorFormat(c, "-TESTFAILED Register error at index "
                                       "%ld", i);
                goto done;
            }
        }
    }
    sparse = hllCreateObject();
    dense = hllCreateObject();
    if (hllSparseToDense(dense) != C_OK) {
        addReplyError(c, "-TESTFAILED dense conversion of an empty HLL");
        goto done;
    }
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    long long checkpoint = 1;
    for (long long j = 1; j <= 100000; j++) {
        unsigned char ele[8];
        for (int b = 0; b < 8; b++)
            ele[b] = (unsigned char)(((uint64_t)(j + (long long)seed)) >>
                                     (8 * b));
        if (hllAdd(sparse, ele, sizeof(ele)) < 0 ||
            hllAdd(dense, ele, sizeof(ele)) < 0) {
            addReplyError(c, "-TESTFAILED add failed");
            goto done;
        }
        if (j != checkpoint) continue;
        int h1[64] = {0}, h2[64] = {0};
        sds s1 = sparse->ptr, s2 = dense->ptr;
        if (hllHistogram((unsigned char *)s1, sdsLen(s1), hllEncoding(s1),
                         h1) != C_OK ||
            hllHistogram((unsigned char *)s2, sdsLen(s2), hllEncoding(s2),
                         h2) != C_OK) {
            addReplyError(c, "-TESTFAILED corrupted counter");
            goto done;
        }
        uint64_t a = hllEstimate(h1), b = hllEstimate(h2);
        if (a != b) {
            addReplyErrorFormat(c, "-TESTFAILED Sparse and dense counts "
                                   "differ at %lld: %llu vs %llu", j,
                                (unsigned long long)a, (unsigned long long)b);
            goto done;
        }
        double maxerr = ceil(relerr * 5 * (double)j);
        if (j == 10) maxerr = 1; /* small counts are exact or nearly */
        if (fabs((double)j - (double)a) > maxerr) {
            addReplyErrorFormat(c, "-TESTFAILED Too big error. card:%llu "
                                   "abserr:%f", (unsigned long long)a,
                                fabs((double)j - (double)a));
            goto done;
        }
        checkpoint *= 10;
    }
    addReply(c, shared.ok);
done:
    if (sparse) decrRefCount(sparse);
    if (dense) decrRefCount(dense);
    zfree(regs);
    zfree(ref);
}
