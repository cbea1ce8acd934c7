/* bitops.c: the bitmap commands on string values.
 *
 * Owns: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD(_RO). A string
 * is read as a bit array whose bit 0 is the most significant bit of byte 0
 * (the order Redis documents for SETBIT); bytes past the end of a string
 * read as zero. Offsets are limited by proto-max-bulk-len (512 MB by
 * default, Redis 7.0's rule and error text); a client we must obey (a
 * master, the AOF) is not limited.
 * Must not touch: other value types (WRONGTYPE is replied), the keyspace
 * beyond the db.c API. Integer-encoded strings are read through their
 * decimal text and turned into raw strings before any write. */
#include "server.h"

#include <strings.h>

static const char *bitOffsetErr =
    "bit offset is not an integer or out of range";

/* The bytes of string object <o>: a pointer into the sds, or for an
 * integer-encoded value its decimal text written into <buf> (at least
 * LONG_STR_SIZE bytes). *<len> gets the length. */
static const unsigned char *bitStringBytes(robj *o, char *buf, size_t *len) {
    if (o->encoding == OBJ_ENCODING_INT) {
        *len = (size_t)ll2string(buf, LONG_STR_SIZE, (long)o->ptr);
        return (const unsigned char *)buf;
    }
    *len = sdsLen(o->ptr);
    return (const unsigned char *)o->ptr;
}

/* Parses the bit offset <o> into *<offset>. With <hash> set, "#N" means N
 * times <bits> (BITFIELD's typed offsets). Replies Redis's error and
 * returns C_ERR when the text is no integer, negative, or past the string
 * size limit. */
static int bitParseOffsetOrReply(client *c, robj *o, uint64_t *offset,
                                 int hash, int bits) {
    robj *d = getDecodedObject(o);
    const char *p = d->ptr;
    size_t plen = sdsLen(d->ptr);
    int usehash = hash && plen > 0 && p[0] == '#';
    long long v;
    int ok = string2ll(p + usehash, plen - usehash, &v);
    decrRefCount(d);
    if (ok && usehash && __builtin_mul_overflow(v, (long long)bits, &v))
        ok = 0;
    if (!ok || v < 0 ||
        (!mustObeyClient(c) && (v >> 3) >= server.proto_max_bulk_len)) {
        addReplyError(c, bitOffsetErr);
        return C_ERR;
    }
    *offset = (uint64_t)v;
    return C_OK;
}

/* The string at <key> made writable and at least (<maxbit> / 8) + 1 bytes
 * long (zero-filled), created when missing. Replies WRONGTYPE and returns
 * NULL for another type. */
static robj *bitLookupForWrite(client *c, robj *key, uint64_t maxbit) {
    size_t need = (size_t)(maxbit >> 3) + 1;
    robj *o = lookupKeyWrite(c->db, key);
    if (o == NULL) {
        o = createObject(OBJ_STRING, sdsNewLen(NULL, need));
        dbAdd(c->db, key, o);
        return o;
    }
    if (checkType(c, o, OBJ_STRING)) return NULL;
    o = dbUnshareStringValue(c->db, key, o);
    o->ptr = sdsGrowZero(o->ptr, need);
    return o;
}

/* SETBIT key offset value */
void setbitCommand(client *c) {
    const char *err = "bit is not an integer or out of range";
    uint64_t offset;
    long on;
    if (bitParseOffsetOrReply(c, c->argv[2], &offset, 0, 0) != C_OK) return;
    if (getLongFromObjectOrReply(c, c->argv[3], &on, err) != C_OK) return;
    if (on & ~1L) {
        addReplyError(c, err);
        return;
    }
    robj *o = bitLookupForWrite(c, c->argv[1], offset);
    if (o == NULL) return;
    unsigned char *p = (unsigned char *)o->ptr + (offset >> 3);
    unsigned char mask = (unsigned char)(1 << (7 - (offset & 7)));
    int old = (*p & mask) != 0;
    if (on)
        *p |= mask;
    else
        *p &= (unsigned char)~mask;
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "setbit", c->argv[1], c->db->id);
    server.dirty++;
    addReply(c, old ? shared.cone : shared.czero);
}

/* GETBIT key offset */
void getbitCommand(client *c) {
    uint64_t offset;
    char buf[LONG_STR_SIZE];
    size_t len;
    if (bitParseOffsetOrReply(c, c->argv[2], &offset, 0, 0) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    const unsigned char *s = bitStringBytes(o, buf, &len);
    uint64_t byte = offset >> 3;
    int bit = byte < len && (s[byte] & (1 << (7 - (offset & 7))));
    addReply(c, bit ? shared.cone : shared.czero);
}

/* Number of set bits in <len> bytes at <s>. */
static long long bitPopCount(const unsigned char *s, size_t len) {
    long long n = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        n += __builtin_popcountll(w);
    }
    for (; i < len; i++) n += __builtin_popcount(s[i]);
    return n;
}

/* The value of bit <pos> of <s> (<len> bytes; zero past the end). */
static int bitGet(const unsigned char *s, size_t len, uint64_t pos) {
    uint64_t byte = pos >> 3;
    return byte < len && (s[byte] >> (7 - (pos & 7))) & 1;
}

/* Turns the user range [*<start>, *<end>] over <total> units into
 * non-negative indexes as Redis does: negatives count from the end, then
 * both are clamped into [0, total - 1]. */
static void bitNormaliseRange(long long *start, long long *end,
                              long long total) {
    if (*start < 0) *start += total;
    if (*end < 0) *end += total;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= total) *end = total - 1;
}

/* Parses the optional BYTE|BIT unit argument <o>: 1 for BIT, 0 for BYTE,
 * -1 (after a syntax error reply) otherwise. */
static int bitParseUnitOrReply(client *c, robj *o) {
    if (!strcasecmp(o->ptr, "bit")) return 1;
    if (!strcasecmp(o->ptr, "byte")) return 0;
    addReplyErrorObject(c, shared.syntaxerr);
    return -1;
}

/* BITCOUNT key [start end [BYTE|BIT]] */
void bitcountCommand(client *c) {
    char buf[LONG_STR_SIZE];
    size_t len;
    long long start, end;
    int isbit = 0;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    const unsigned char *s = bitStringBytes(o, buf, &len);
    if (c->argc == 4 || c->argc == 5) {
        if (getLongLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK)
            return;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK)
            return;
        if (c->argc == 5 && (isbit = bitParseUnitOrReply(c, c->argv[4])) < 0)
            return;
        bitNormaliseRange(&start, &end, isbit ? (long long)len * 8
                                              : (long long)len);
    } else if (c->argc == 2) {
        start = 0;
        end = (long long)len - 1;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (start > end) {
        addReply(c, shared.czero);
        return;
    }
    if (!isbit) {
        addReplyLongLong(c, bitPopCount(s + start, (size_t)(end - start + 1)));
        return;
    }
    /* Whole bytes in the middle, single bits at the two edges. */
    long long n = 0, b = start;
    for (; b <= end && (b & 7); b++) n += bitGet(s, len, (uint64_t)b);
    long long firstfull = b >> 3, lastfull = ((end + 1) >> 3) - 1;
    if (b <= end && lastfull >= firstfull) {
        n += bitPopCount(s + firstfull, (size_t)(lastfull - firstfull + 1));
        b = (lastfull + 1) * 8;
    }
    for (; b <= end; b++) n += bitGet(s, len, (uint64_t)b);
    addReplyLongLong(c, n);
}

/* BITPOS key bit [start [end [BYTE|BIT]]] */
void bitposCommand(client *c) {
    char buf[LONG_STR_SIZE];
    size_t len;
    long bit;
    long long start, end;
    int isbit = 0, end_given = 0;
    if (getLongFromObjectOrReply(c, c->argv[2], &bit, NULL) != C_OK) return;
    if (bit != 0 && bit != 1) {
        addReplyError(c, "The bit argument must be 1 or 0.");
        return;
    }
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (o == NULL) {
        addReplyLongLong(c, bit ? -1 : 0);
        return;
    }
    if (checkType(c, o, OBJ_STRING)) return;
    const unsigned char *s = bitStringBytes(o, buf, &len);
    if (c->argc >= 4 && c->argc <= 6) {
        if (getLongLongFromObjectOrReply(c, c->argv[3], &start, NULL) != C_OK)
            return;
        if (c->argc == 6 && (isbit = bitParseUnitOrReply(c, c->argv[5])) < 0)
            return;
        long long total = isbit ? (long long)len * 8 : (long long)len;
        if (c->argc >= 5) {
            if (getLongLongFromObjectOrReply(c, c->argv[4], &end, NULL) !=
                C_OK)
                return;
            end_given = 1;
        } else {
            end = total - 1;
        }
        bitNormaliseRange(&start, &end, total);
    } else if (c->argc == 3) {
        start = 0;
        end = (long long)len - 1;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (start > end) {
        addReplyLongLong(c, -1);
        return;
    }
    /* The search runs over bits [bs, be]. */
    long long bs = isbit ? start : start * 8;
    long long be = isbit ? end : end * 8 + 7;
    unsigned char skip = bit ? 0x00 : 0xff; /* a byte holding no match */
    long long b = bs;
    while (b <= be) {
        if ((b & 7) == 0 && b + 7 <= be && s[b >> 3] == skip) {
            b += 8;
            continue;
        }
        if (bitGet(s, len, (uint64_t)b) == bit) {
            addReplyLongLong(c, b);
            return;
        }
        b++;
    }
    /* No match. Looking for a clear bit without an explicit end, the
     * string is taken as followed by zeros, so the answer is the first
     * bit past the range. */
    addReplyLongLong(c, (bit == 0 && !end_given) ? be + 1 : -1);
}

#define BITOP_AND 0
#define BITOP_OR 1
#define BITOP_XOR 2
#define BITOP_NOT 3

/* BITOP AND|OR|XOR|NOT destkey key [key ...] */
void bitopCommand(client *c) {
    const char *opname = c->argv[1]->ptr;
    int op;
    if (!strcasecmp(opname, "and"))
        op = BITOP_AND;
    else if (!strcasecmp(opname, "or"))
        op = BITOP_OR;
    else if (!strcasecmp(opname, "xor"))
        op = BITOP_XOR;
    else if (!strcasecmp(opname, "not"))
        op = BITOP_NOT;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        addReplyError(c, "BITOP NOT must be called with a single source key.");
        return;
    }
    int nsrc = c->argc - 3;
    robj **srcs = zcalloc(sizeof(robj *) * nsrc);
    size_t maxlen = 0;
    for (int j = 0; j < nsrc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j + 3]);
        if (o == NULL) continue;
        if (o->type != OBJ_STRING) {
            for (int k = 0; k < j; k++)
                if (srcs[k]) decrRefCount(srcs[k]);
            zfree(srcs);
            addReplyErrorObject(c, shared.wrongtypeerr);
            return;
        }
        srcs[j] = getDecodedObject(o);
        if (sdsLen(srcs[j]->ptr) > maxlen) maxlen = sdsLen(srcs[j]->ptr);
    }
    sds res = NULL;
    if (maxlen > 0) {
        res = sdsNewLen(NULL, maxlen);
        unsigned char *r = (unsigned char *)res;
        for (size_t i = 0; i < maxlen; i++) {
            unsigned char acc = 0;
            for (int j = 0; j < nsrc; j++) {
                unsigned char v = 0;
                if (srcs[j] && i < sdsLen(srcs[j]->ptr))
                    v = ((unsigned char *)srcs[j]->ptr)[i];
                if (j == 0)
                    acc = op == BITOP_NOT ? (unsigned char)~v : v;
                else if (op == BITOP_AND)
                    acc &= v;
                else if (op == BITOP_OR)
                    acc |= v;
                else
                    acc ^= v;
            }
            r[i] = acc;
        }
    }
    for (int j = 0; j < nsrc; j++)
        if (srcs[j]) decrRefCount(srcs[j]);
    zfree(srcs);
    robj *dest = c->argv[2];
    if (res) {
        robj *o = createObject(OBJ_STRING, res);
        setKey(c, c->db, dest, o, 0);
        decrRefCount(o);
        notifyKeyspaceEvent(NOTIFY_STRING, "set", dest, c->db->id);
        server.dirty++;
    } else if (dbDelete(c->db, dest)) {
        signalModifiedKey(c, c->db, dest);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dest, c->db->id);
        server.dirty++;
    }
    addReplyLongLong(c, (long long)maxlen);
}

/* ------------------------------------------------------------ BITFIELD */

#define BFOP_GET 0
#define BFOP_SET 1
#define BFOP_INCRBY 2
#define BFOV_WRAP 0
#define BFOV_SAT 1
#define BFOV_FAIL 2

typedef struct bitfieldOp {
    uint64_t offset;
    int64_t arg;   /* SET value or INCRBY increment */
    int opcode;
    int overflow;  /* BFOV_*, the OVERFLOW in force at this operation */
    int sign;
    int bits;
} bitfieldOp;

/* Reads the <bits>-bit unsigned field at bit <offset> of <s> (<len>
 * bytes; zeros past the end), most significant bit first. */
static uint64_t bfGetUnsigned(const unsigned char *s, size_t len,
                              uint64_t offset, int bits) {
    uint64_t v = 0;
    for (int i = 0; i < bits; i++)
        v = (v << 1) | (uint64_t)bitGet(s, len, offset + (uint64_t)i);
    return v;
}

/* The same field read as a two's complement signed integer. */
static int64_t bfGetSigned(const unsigned char *s, size_t len,
                           uint64_t offset, int bits) {
    uint64_t v = bfGetUnsigned(s, len, offset, bits);
    if (bits < 64 && (v & (1ULL << (bits - 1)))) v |= ~0ULL << bits;
    return (int64_t)v;
}

/* Writes the low <bits> bits of <v> at bit <offset> of <s>, which the
 * caller has made long enough. */
static void bfSet(unsigned char *s, uint64_t offset, int bits, uint64_t v) {
    for (int i = 0; i < bits; i++) {
        uint64_t pos = offset + (uint64_t)i;
        unsigned char mask = (unsigned char)(1 << (7 - (pos & 7)));
        if ((v >> (bits - 1 - i)) & 1)
            s[pos >> 3] |= mask;
        else
            s[pos >> 3] &= (unsigned char)~mask;
    }
}

/* value + incr for an unsigned field of <bits> bits under <overflow>:
 * returns 0 when it fits, else 1 (above) or -1 (below), and *<res> gets
 * the stored value for WRAP and SAT. A <value> above the field's maximum
 * (a SET of a negative or too large number) counts as overflowing. */
static int bfUnsignedOverflow(uint64_t value, int64_t incr, int bits,
                              int overflow, uint64_t *res) {
    uint64_t max = (1ULL << bits) - 1; /* bits <= 63 */
    __int128 sum = (__int128)value + incr;
    int dir = 0;
    if (value > max || sum > (__int128)max)
        dir = 1;
    else if (sum < 0)
        dir = -1;
    if (dir == 0) {
        *res = (uint64_t)sum;
        return 0;
    }
    if (overflow == BFOV_WRAP)
        *res = (value + (uint64_t)incr) & max;
    else if (overflow == BFOV_SAT)
        *res = dir > 0 ? max : 0;
    return dir;
}

/* The signed counterpart of bfUnsignedOverflow; WRAP keeps the low <bits>
 * bits of the two's complement sum, sign-extended. */
static int bfSignedOverflow(int64_t value, int64_t incr, int bits,
                            int overflow, int64_t *res) {
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ULL << (bits - 1)) - 1);
    int64_t min = -max - 1;
    __int128 sum = (__int128)value + incr;
    int dir = 0;
    if (sum > max)
        dir = 1;
    else if (sum < min)
        dir = -1;
    if (dir == 0) {
        *res = (int64_t)sum;
        return 0;
    }
    if (overflow == BFOV_WRAP) {
        uint64_t w = (uint64_t)value + (uint64_t)incr;
        if (bits < 64) {
            if (w & (1ULL << (bits - 1)))
                w |= ~0ULL << bits;
            else
                w &= ~(~0ULL << bits);
        }
        *res = (int64_t)w;
    } else if (overflow == BFOV_SAT) {
        *res = dir > 0 ? max : min;
    }
    return dir;
}

/* Parses a BITFIELD type (i1..i64, u1..u63) from <o>. */
static int bfParseTypeOrReply(client *c, robj *o, int *sign, int *bits) {
    const char *p = o->ptr;
    long long v;
    int ok = sdsEncodedObject(o) && (p[0] == 'i' || p[0] == 'u') &&
             string2ll(p + 1, sdsLen(o->ptr) - 1, &v);
    if (ok) {
        *sign = p[0] == 'i';
        ok = v >= 1 && v <= (*sign ? 64 : 63);
    }
    if (!ok) {
        addReplyError(c, "Invalid bitfield type. Use something like i16 u8. "
                         "Note that u64 is not supported but i64 is.");
        return C_ERR;
    }
    *bits = (int)v;
    return C_OK;
}

/* BITFIELD and BITFIELD_RO (<readonly_cmd>). Every operation is parsed
 * before any is run, so a bad argument leaves the value untouched. */
static void bitfieldGeneric(client *c, int readonly_cmd) {
    bitfieldOp *ops = NULL;
    int numops = 0, overflow = BFOV_WRAP, writes = 0;
    uint64_t maxbit = 0;
    for (int j = 2; j < c->argc; j++) {
        int remargs = c->argc - j - 1;
        const char *sub = c->argv[j]->ptr;
        int opcode;
        if (!strcasecmp(sub, "get") && remargs >= 2)
            opcode = BFOP_GET;
        else if (!strcasecmp(sub, "set") && remargs >= 3)
            opcode = BFOP_SET;
        else if (!strcasecmp(sub, "incrby") && remargs >= 3)
            opcode = BFOP_INCRBY;
        else if (!strcasecmp(sub, "overflow") && remargs >= 1) {
            const char *ov = c->argv[++j]->ptr;
            if (!strcasecmp(ov, "wrap"))
                overflow = BFOV_WRAP;
            else if (!strcasecmp(ov, "sat"))
                overflow = BFOV_SAT;
            else if (!strcasecmp(ov, "fail"))
                overflow = BFOV_FAIL;
            else {
                addReplyError(c, "Invalid OVERFLOW type specified");
                zfree(ops);
                return;
            }
            continue;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            zfree(ops);
            return;
        }
        bitfieldOp op = {.opcode = opcode, .overflow = overflow};
        if (bfParseTypeOrReply(c, c->argv[j + 1], &op.sign, &op.bits) !=
                C_OK ||
            bitParseOffsetOrReply(c, c->argv[j + 2], &op.offset, 1, op.bits) !=
                C_OK) {
            zfree(ops);
            return;
        }
        if (opcode != BFOP_GET) {
            long long v;
            if (getLongLongFromObjectOrReply(c, c->argv[j + 3], &v, NULL) !=
                C_OK) {
                zfree(ops);
                return;
            }
            op.arg = v;
            writes = 1;
            uint64_t last = op.offset + (uint64_t)op.bits - 1;
            if (last > maxbit) maxbit = last;
        }
        ops = zrealloc(ops, sizeof(bitfieldOp) * (numops + 1));
        ops[numops++] = op;
        j += opcode == BFOP_GET ? 2 : 3;
    }

    robj *o;
    if (!writes) {
        o = lookupKeyRead(c->db, c->argv[1]);
        if (o != NULL && checkType(c, o, OBJ_STRING)) {
            zfree(ops);
            return;
        }
    } else {
        if (readonly_cmd) {
            addReplyError(c, "BITFIELD_RO only supports the GET subcommand");
            zfree(ops);
            return;
        }
        o = bitLookupForWrite(c, c->argv[1], maxbit);
        if (o == NULL) {
            zfree(ops);
            return;
        }
    }

    addReplyArrayLen(c, numops);
    int changes = 0;
    for (int i = 0; i < numops; i++) {
        bitfieldOp *op = &ops[i];
        char buf[LONG_STR_SIZE];
        size_t len = 0;
        const unsigned char *s =
            o ? bitStringBytes(o, buf, &len) : (const unsigned char *)"";
        if (op->opcode == BFOP_GET) {
            if (op->sign)
                addReplyLongLong(c, bfGetSigned(s, len, op->offset, op->bits));
            else
                addReplyLongLong(
                    c, (long long)bfGetUnsigned(s, len, op->offset, op->bits));
            continue;
        }
        int ovf;
        uint64_t store;
        long long reply;
        if (op->sign) {
            int64_t old = bfGetSigned(s, len, op->offset, op->bits), nv = 0;
            if (op->opcode == BFOP_INCRBY) {
                ovf = bfSignedOverflow(old, op->arg, op->bits, op->overflow,
                                       &nv);
                reply = nv;
            } else {
                ovf = bfSignedOverflow(op->arg, 0, op->bits, op->overflow, &nv);
                reply = old;
            }
            store = (uint64_t)nv;
        } else {
            uint64_t old = bfGetUnsigned(s, len, op->offset, op->bits), nv = 0;
            if (op->opcode == BFOP_INCRBY) {
                ovf = bfUnsignedOverflow(old, op->arg, op->bits, op->overflow,
                                         &nv);
                reply = (long long)nv;
            } else {
                ovf = bfUnsignedOverflow((uint64_t)op->arg, 0, op->bits,
                                         op->overflow, &nv);
                reply = (long long)old;
            }
            store = nv;
        }
        if (ovf && op->overflow == BFOV_FAIL) {
            addReplyNull(c);
        } else {
            bfSet((unsigned char *)o->ptr, op->offset, op->bits, store);
            addReplyLongLong(c, reply);
        }
        changes++;
    }
    if (changes) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_STRING, "setbit", c->argv[1], c->db->id);
        server.dirty += changes;
    }
    zfree(ops);
}

/* BITFIELD key [GET type offset] [SET type offset value]
 *              [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] */
void bitfieldCommand(client *c) { bitfieldGeneric(c, 0); }

/* BITFIELD_RO key [GET type offset ...] */
void bitfieldroCommand(client *c) { bitfieldGeneric(c, 1); }
