/* geo.c: the geo commands, on sorted sets whose scores are geohashes.
 *
 * Owns: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE,
 * GEORADIUS, GEORADIUSBYMEMBER and their _RO forms. A point is a member of
 * a sorted set whose score is the 52-bit interleaved geohash of its
 * coordinates (geohash.c), exactly as Redis stores it, so the keys are
 * ordinary sorted sets to every other command, to RDB and to AOF. GEOADD
 * is carried out (and propagated) as the ZADD it amounts to.
 * A search scans up to nine geohash cells, in Redis's order, as score
 * ranges of the set, and keeps the points whose exact distance is inside
 * the shape; without ASC/DESC the reply keeps that scan order, which is
 * why the cells and their order follow Redis 7.0 exactly.
 * Must not touch: sorted set internals (it uses the t_zset.c API). */
#include "server.h"

#include "geohash.h"

#include <strings.h>

#define GEO_SORT_NONE 0
#define GEO_SORT_ASC 1
#define GEO_SORT_DESC 2

/* Flags of the search variants. */
#define GEO_FROM_COORDS (1 << 0)  /* GEORADIUS: lon lat radius unit */
#define GEO_FROM_MEMBER (1 << 1)  /* GEORADIUSBYMEMBER: member radius unit */
#define GEO_NOSTORE (1 << 2)      /* the _RO forms */
#define GEO_SEARCH (1 << 3)       /* GEOSEARCH */
#define GEO_SEARCHSTORE (1 << 4)  /* GEOSEARCHSTORE */

/* One point found by a search. */
typedef struct geoPoint {
    double lon, lat;
    double dist;  /* meters until the reply, then the user's unit */
    double score;
    sds member;
} geoPoint;

typedef struct geoResults {
    geoPoint *pts;
    size_t used, size;
    unsigned long limit; /* stop after this many (COUNT ANY); 0 = all */
    const geoShape *shape;
} geoResults;

/* Parses two arguments at <argv> as longitude and latitude into <xy>,
 * replying Redis's error when they are not numbers or not in range. */
static int geoParseLonLatOrReply(client *c, robj **argv, double *xy) {
    for (int i = 0; i < 2; i++)
        if (getDoubleFromObjectOrReply(c, argv[i], xy + i, NULL) != C_OK)
            return C_ERR;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN ||
        xy[1] > GEO_LAT_MAX) {
        addReplyErrorFormat(c, "invalid longitude,latitude pair %f,%f", xy[0],
                            xy[1]);
        return C_ERR;
    }
    return C_OK;
}

/* Meters per unit named by <o> (m, km, ft, mi), or -1 after an error
 * reply. */
static double geoParseUnitOrReply(client *c, robj *o) {
    const char *u = o->ptr;
    if (!strcasecmp(u, "m")) return 1;
    if (!strcasecmp(u, "km")) return 1000;
    if (!strcasecmp(u, "ft")) return 0.3048;
    if (!strcasecmp(u, "mi")) return 1609.34;
    addReplyError(c, "unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

/* radius unit at <argv> into the shape. */
static int geoParseRadiusOrReply(client *c, robj **argv, geoShape *shape) {
    double r;
    if (getDoubleFromObjectOrReply(c, argv[0], &r, "need numeric radius") !=
        C_OK)
        return C_ERR;
    if (r < 0) {
        addReplyError(c, "radius cannot be negative");
        return C_ERR;
    }
    double conv = geoParseUnitOrReply(c, argv[1]);
    if (conv < 0) return C_ERR;
    shape->radius = r;
    shape->conversion = conv;
    return C_OK;
}

/* width height unit at <argv> into the shape. */
static int geoParseBoxOrReply(client *c, robj **argv, geoShape *shape) {
    double w, h;
    if (getDoubleFromObjectOrReply(c, argv[0], &w, "need numeric width") !=
            C_OK ||
        getDoubleFromObjectOrReply(c, argv[1], &h, "need numeric height") !=
            C_OK)
        return C_ERR;
    if (h < 0 || w < 0) {
        addReplyError(c, "height or width cannot be negative");
        return C_ERR;
    }
    double conv = geoParseUnitOrReply(c, argv[2]);
    if (conv < 0) return C_ERR;
    shape->width = w;
    shape->height = h;
    shape->conversion = conv;
    return C_OK;
}

/* The coordinates of <member> of <zobj> into <xy>; C_ERR if absent. */
static int geoMemberLonLat(robj *zobj, robj *member, double *xy) {
    double score;
    robj *m = getDecodedObject(member);
    int r = zsetGetScore(zobj, m->ptr, &score);
    decrRefCount(m);
    if (r != C_OK) return C_ERR;
    return geohashDecodeScore(score, xy) ? C_OK : C_ERR;
}

/* Appends a distance as a bulk string with four decimals. */
static void geoReplyDistance(client *c, double d) {
    char buf[128];
    int len = snprintf(buf, sizeof(buf), "%.4f", d);
    addReplyBulkCBuffer(c, buf, (size_t)len);
}

/* GEOADD key [NX|XX] [CH] longitude latitude member [...]: rewritten into
 * ZADD key [NX|XX] [CH] score member ... and run as such. */
void geoaddCommand(client *c) {
    int xx = 0, nx = 0, first = 2;
    for (; first < c->argc; first++) {
        const char *opt = c->argv[first]->ptr;
        if (!strcasecmp(opt, "nx"))
            nx = 1;
        else if (!strcasecmp(opt, "xx"))
            xx = 1;
        else if (strcasecmp(opt, "ch"))
            break;
    }
    if ((c->argc - first) % 3 || (xx && nx)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    int elements = (c->argc - first) / 3;
    int argc = first + elements * 2;
    robj **argv = zcalloc(sizeof(robj *) * argc);
    argv[0] = createRawStringObject("zadd", 4);
    for (int i = 1; i < first; i++) {
        argv[i] = c->argv[i];
        incrRefCount(argv[i]);
    }
    for (int i = 0; i < elements; i++) {
        double xy[2];
        if (geoParseLonLatOrReply(c, c->argv + first + i * 3, xy) != C_OK) {
            for (int j = 0; j < argc; j++)
                if (argv[j]) decrRefCount(argv[j]);
            zfree(argv);
            return;
        }
        geoHashBits h;
        geohashEncodeWGS84(xy[0], xy[1], GEO_STEP_MAX, &h);
        argv[first + i * 2] = createObject(
            OBJ_STRING, sdsFromLongLong((long long)geohashAlign52(h)));
        argv[first + i * 2 + 1] = c->argv[first + i * 3 + 2];
        incrRefCount(argv[first + i * 2 + 1]);
    }
    replaceClientCommandVector(c, argc, argv);
    zaddCommand(c);
}

/* GEODIST key member1 member2 [M|KM|FT|MI] */
void geodistCommand(client *c) {
    double conv = 1;
    if (c->argc == 5) {
        conv = geoParseUnitOrReply(c, c->argv[4]);
        if (conv < 0) return;
    } else if (c->argc > 5) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *zobj = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) return;
    double a[2], b[2];
    if (geoMemberLonLat(zobj, c->argv[2], a) != C_OK ||
        geoMemberLonLat(zobj, c->argv[3], b) != C_OK) {
        addReplyNull(c);
        return;
    }
    geoReplyDistance(c, geohashDistance(a[0], a[1], b[0], b[1]) / conv);
}

/* GEOHASH key [member ...]: the classic 11-character base32 geohash of
 * each member (latitude over -90..90 here, the last character always
 * '0' since only 52 bits exist), or nil. */
void geohashCommand(client *c) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (zobj && checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (zobj == NULL || geoMemberLonLat(zobj, c->argv[j], xy) != C_OK) {
            addReplyNull(c);
            continue;
        }
        geoRange lonr = {-180, 180}, latr = {-90, 90};
        geoHashBits h;
        geohashEncode(&lonr, &latr, xy[0], xy[1], GEO_STEP_MAX, &h);
        char buf[11];
        for (int i = 0; i < 11; i++) {
            int idx = i == 10 ? 0 : (int)((h.bits >> (52 - (i + 1) * 5)) & 31);
            buf[i] = alphabet[idx];
        }
        addReplyBulkCBuffer(c, buf, sizeof(buf));
    }
}

/* GEOPOS key [member ...] */
void geoposCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (zobj && checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (zobj == NULL || geoMemberLonLat(zobj, c->argv[j], xy) != C_OK) {
            addReplyNullArray(c);
            continue;
        }
        addReplyArrayLen(c, 2);
        addReplyHumanLongDouble(c, xy[0]);
        addReplyHumanLongDouble(c, xy[1]);
    }
}

/* zsetVisitScoreRange visitor: keeps <member> if inside the shape. */
static int geoCollect(void *ctx, sds member, double score) {
    geoResults *r = ctx;
    double xy[2], dist = 0;
    if (!geohashDecodeScore(score, xy) ||
        !geohashInShape(r->shape, xy[0], xy[1], &dist)) {
        sdsFree(member);
        return 0;
    }
    if (r->used == r->size) {
        r->size = r->size ? r->size * 2 : 32;
        r->pts = zrealloc(r->pts, sizeof(geoPoint) * r->size);
    }
    r->pts[r->used++] = (geoPoint){.lon = xy[0], .lat = xy[1], .dist = dist,
                                   .score = score, .member = member};
    return r->limit && r->used >= r->limit;
}

/* Runs the search of <shape> over <zobj> into <r>. Identical neighbour
 * cells (huge radii) are scanned once; as in Redis only a cell equal to the
 * last scanned neighbour (not the centre) is skipped. */
static void geoSearch(robj *zobj, const geoShape *shape, geoResults *r) {
    geoSearchCells cells;
    geohashSearchCells(shape, &cells);
    int last = 0;
    for (int i = 0; i < 9; i++) {
        geoHashBits h = cells.cells[i];
        if (h.bits == 0 && h.step == 0) continue;
        if (last && h.bits == cells.cells[last].bits &&
            h.step == cells.cells[last].step)
            continue;
        if (r->used && r->limit && r->used >= r->limit) break;
        uint64_t min = geohashAlign52(h);
        h.bits++;
        uint64_t max = geohashAlign52(h);
        zsetVisitScoreRange(zobj, (double)min, (double)max, geoCollect, r);
        last = i;
    }
}

static int geoCmpAsc(const void *a, const void *b) {
    double x = ((const geoPoint *)a)->dist, y = ((const geoPoint *)b)->dist;
    return x == y ? 0 : (x > y ? 1 : -1);
}

static int geoCmpDesc(const void *a, const void *b) { return -geoCmpAsc(a, b); }

/* The common body of every search command. <srcidx> is the source key's
 * argument; <flags> the GEO_* variant. Argument checks and their order
 * follow Redis 7.0, so the same bad command gets the same error. */
static void georadiusGeneric(client *c, int srcidx, int flags) {
    robj *storekey = NULL;
    int storedist = 0;
    robj *zobj = lookupKeyRead(c->db, c->argv[srcidx]);
    if (zobj && checkType(c, zobj, OBJ_ZSET)) return;

    geoShape shape = {0};
    int base;
    if (flags & GEO_FROM_COORDS) {
        base = 6;
        shape.type = GEO_SHAPE_RADIUS;
        if (geoParseLonLatOrReply(c, c->argv + 2, shape.xy) != C_OK) return;
        if (geoParseRadiusOrReply(c, c->argv + base - 2, &shape) != C_OK)
            return;
    } else if (flags & GEO_FROM_MEMBER) {
        base = 5;
        if (zobj) {
            shape.type = GEO_SHAPE_RADIUS;
            if (geoMemberLonLat(zobj, c->argv[2], shape.xy) != C_OK) {
                addReplyError(c, "could not decode requested zset member");
                return;
            }
            if (geoParseRadiusOrReply(c, c->argv + base - 2, &shape) != C_OK)
                return;
        }
    } else {
        base = 2;
        if (flags & GEO_SEARCHSTORE) {
            base = 3;
            storekey = c->argv[1];
        }
    }

    int withdist = 0, withhash = 0, withcoord = 0, any = 0;
    int frommember = 0, fromloc = 0, byradius = 0, bybox = 0;
    int sort = GEO_SORT_NONE;
    long long count = 0;
    int rem = c->argc - base;
    for (int i = 0; i < rem; i++) {
        robj **a = c->argv + base + i;
        const char *arg = a[0]->ptr;
        if (!strcasecmp(arg, "withdist")) {
            withdist = 1;
        } else if (!strcasecmp(arg, "withhash")) {
            withhash = 1;
        } else if (!strcasecmp(arg, "withcoord")) {
            withcoord = 1;
        } else if (!strcasecmp(arg, "any")) {
            any = 1;
        } else if (!strcasecmp(arg, "asc")) {
            sort = GEO_SORT_ASC;
        } else if (!strcasecmp(arg, "desc")) {
            sort = GEO_SORT_DESC;
        } else if (!strcasecmp(arg, "count") && i + 1 < rem) {
            if (getLongLongFromObjectOrReply(c, a[1], &count, NULL) != C_OK)
                return;
            if (count <= 0) {
                addReplyError(c, "COUNT must be > 0");
                return;
            }
            i++;
        } else if ((!strcasecmp(arg, "store") ||
                    !strcasecmp(arg, "storedist")) &&
                   i + 1 < rem && !(flags & GEO_NOSTORE) &&
                   !(flags & GEO_SEARCH)) {
            storekey = a[1];
            storedist = !strcasecmp(arg, "storedist");
            i++;
        } else if (!strcasecmp(arg, "storedist") && (flags & GEO_SEARCH) &&
                   (flags & GEO_SEARCHSTORE)) {
            storedist = 1;
        } else if (!strcasecmp(arg, "frommember") && i + 1 < rem &&
                   (flags & GEO_SEARCH) && !fromloc) {
            if (zobj && geoMemberLonLat(zobj, a[1], shape.xy) != C_OK) {
                addReplyError(c, "could not decode requested zset member");
                return;
            }
            frommember = 1;
            i++;
        } else if (!strcasecmp(arg, "fromlonlat") && i + 2 < rem &&
                   (flags & GEO_SEARCH) && !frommember) {
            if (geoParseLonLatOrReply(c, a + 1, shape.xy) != C_OK) return;
            fromloc = 1;
            i += 2;
        } else if (!strcasecmp(arg, "byradius") && i + 2 < rem &&
                   (flags & GEO_SEARCH) && !bybox) {
            if (geoParseRadiusOrReply(c, a + 1, &shape) != C_OK) return;
            shape.type = GEO_SHAPE_RADIUS;
            byradius = 1;
            i += 2;
        } else if (!strcasecmp(arg, "bybox") && i + 3 < rem &&
                   (flags & GEO_SEARCH) && !byradius) {
            if (geoParseBoxOrReply(c, a + 1, &shape) != C_OK) return;
            shape.type = GEO_SHAPE_BOX;
            bybox = 1;
            i += 3;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }

    if (storekey && (withdist || withhash || withcoord)) {
        addReplyErrorFormat(c, "%s is not compatible with WITHDIST, WITHHASH "
                               "and WITHCOORD options",
                            (flags & GEO_SEARCHSTORE)
                                ? "GEOSEARCHSTORE"
                                : "STORE option in GEORADIUS");
        return;
    }
    if ((flags & GEO_SEARCH) && !(frommember || fromloc)) {
        addReplyErrorFormat(c, "exactly one of FROMMEMBER or FROMLONLAT can "
                               "be specified for %s",
                            (char *)c->argv[0]->ptr);
        return;
    }
    if ((flags & GEO_SEARCH) && !(byradius || bybox)) {
        addReplyErrorFormat(c, "exactly one of BYRADIUS and BYBOX can be "
                               "specified for %s",
                            (char *)c->argv[0]->ptr);
        return;
    }
    if (any && !count) {
        addReplyError(c, "the ANY argument requires COUNT argument");
        return;
    }

    if (zobj == NULL) {
        if (storekey) {
            if (dbDelete(c->db, storekey)) {
                signalModifiedKey(c, c->db, storekey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", storekey,
                                    c->db->id);
                server.dirty++;
            }
            addReply(c, shared.czero);
        } else {
            addReply(c, shared.emptyarray);
        }
        return;
    }

    /* COUNT without ANY wants the nearest ones. */
    if (count != 0 && sort == GEO_SORT_NONE && !any) sort = GEO_SORT_ASC;

    geoResults r = {.limit = any ? (unsigned long)count : 0, .shape = &shape};
    geoSearch(zobj, &shape, &r);

    if (r.used == 0 && storekey == NULL) {
        addReply(c, shared.emptyarray);
        zfree(r.pts);
        return;
    }
    long total = (long)r.used;
    long returned = (count == 0 || total < count) ? total : (long)count;
    if (sort != GEO_SORT_NONE)
        qsort(r.pts, r.used, sizeof(geoPoint),
              sort == GEO_SORT_ASC ? geoCmpAsc : geoCmpDesc);

    if (storekey == NULL) {
        int extra = withdist + withhash + withcoord;
        addReplyArrayLen(c, returned);
        for (long i = 0; i < returned; i++) {
            geoPoint *p = &r.pts[i];
            p->dist /= shape.conversion;
            if (extra) addReplyArrayLen(c, extra + 1);
            addReplyBulkCBuffer(c, p->member, sdsLen(p->member));
            if (withdist) geoReplyDistance(c, p->dist);
            if (withhash) addReplyLongLong(c, (long long)p->score);
            if (withcoord) {
                addReplyArrayLen(c, 2);
                addReplyHumanLongDouble(c, p->lon);
                addReplyHumanLongDouble(c, p->lat);
            }
        }
    } else if (returned) {
        size_t maxlen = 0;
        for (long i = 0; i < returned; i++)
            if (sdsLen(r.pts[i].member) > maxlen)
                maxlen = sdsLen(r.pts[i].member);
        robj *dst = zsetTypeCreate((size_t)returned, maxlen);
        for (long i = 0; i < returned; i++) {
            geoPoint *p = &r.pts[i];
            p->dist /= shape.conversion;
            int out = 0;
            zsetAdd(dst, storedist ? p->dist : p->score, p->member,
                    ZADD_IN_NONE, &out, NULL);
        }
        setKey(c, c->db, storekey, dst, 0);
        decrRefCount(dst);
        notifyKeyspaceEvent(NOTIFY_ZSET,
                            (flags & GEO_SEARCH) ? "geosearchstore"
                                                 : "georadiusstore",
                            storekey, c->db->id);
        server.dirty += returned;
        addReplyLongLong(c, returned);
    } else {
        if (dbDelete(c->db, storekey)) {
            signalModifiedKey(c, c->db, storekey);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", storekey, c->db->id);
            server.dirty++;
        }
        addReplyLongLong(c, 0);
    }
    for (size_t i = 0; i < r.used; i++) sdsFree(r.pts[i].member);
    zfree(r.pts);
}

/* GEORADIUS key longitude latitude radius unit [options] */
void georadiusCommand(client *c) { georadiusGeneric(c, 1, GEO_FROM_COORDS); }

/* GEORADIUSBYMEMBER key member radius unit [options] */
void georadiusbymemberCommand(client *c) {
    georadiusGeneric(c, 1, GEO_FROM_MEMBER);
}

/* GEORADIUS_RO: GEORADIUS without STORE. */
void georadiusroCommand(client *c) {
    georadiusGeneric(c, 1, GEO_FROM_COORDS | GEO_NOSTORE);
}

/* GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE. */
void georadiusbymemberroCommand(client *c) {
    georadiusGeneric(c, 1, GEO_FROM_MEMBER | GEO_NOSTORE);
}

/* GEOSEARCH key FROMMEMBER m|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h
 * unit [ASC|DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH] */
void geosearchCommand(client *c) { georadiusGeneric(c, 1, GEO_SEARCH); }

/* GEOSEARCHSTORE dest src ... [STOREDIST] */
void geosearchstoreCommand(client *c) {
    georadiusGeneric(c, 2, GEO_SEARCH | GEO_SEARCHSTORE);
}

/* Key positions of GEORADIUS and GEORADIUSBYMEMBER: the source and, with
 * STORE or STOREDIST, the destination. */
int georadiusGetKeys(struct redisCommand *cmd, robj **argv, int argc,
                     int *keys, int max) {
    UNUSED(cmd);
    int n = 0, stored = -1;
    /* With several STORE/STOREDIST options the last one wins, as in the
     * command itself. */
    for (int i = 5; i < argc; i++) {
        const char *arg = argv[i]->ptr;
        if ((!strcasecmp(arg, "store") || !strcasecmp(arg, "storedist")) &&
            i + 1 < argc) {
            stored = i + 1;
            i++;
        }
    }
    if (max > n) keys[n++] = 1;
    if (stored != -1 && max > n) keys[n++] = stored;
    return n;
}
