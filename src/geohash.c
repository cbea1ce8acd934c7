/* geohash.c: the geohash arithmetic behind GEOADD and the geo searches.
 *
 * Owns: encoding a longitude/latitude pair into the 52-bit integer that
 * Redis stores as a sorted set score, decoding it back to the centre of its
 * cell, the haversine distance on Redis's earth radius, and the choice of
 * the (up to) nine cells a search scans. Coordinates are scaled to
 * [0, 2^step) over the Web Mercator ranges (longitude -180..180, latitude
 * -85.05112878..85.05112878) and interleaved bit by bit, latitude in the
 * even bits and longitude in the odd ones. Every formula is evaluated in
 * the same order of floating-point operations as Redis 7.0, because the
 * scores, the distances printed to four decimals and the order of results
 * must match it exactly.
 * A leaf module: no server state, no allocation, no I/O. */
#include "geohash.h"

#include <math.h>

#define GEO_EARTH_RADIUS 6372797.560856 /* meters */
#define GEO_MERCATOR_MAX 20037726.37
#define GEO_D_R (M_PI / 180.0)

static double geoDegToRad(double d) { return d * GEO_D_R; }
static double geoRadToDeg(double r) { return r / GEO_D_R; }

/* Spreads the 32 bits of <v> over the even bits of the result. */
static uint64_t geoSpread(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gathers the even bits of <x> into a 32-bit value. */
static uint32_t geoSqueeze(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

static uint64_t geoInterleave(uint32_t lat, uint32_t lon) {
    return geoSpread(lat) | (geoSpread(lon) << 1);
}

static const geoRange geoLonRange = {GEO_LONG_MIN, GEO_LONG_MAX};
static const geoRange geoLatRange = {GEO_LAT_MIN, GEO_LAT_MAX};

int geohashEncode(const geoRange *lonr, const geoRange *latr, double lon,
                  double lat, int step, geoHashBits *hash) {
    if (step > 32 || step == 0) return 0;
    if (lonr->max == lonr->min || latr->max == latr->min) return 0;
    if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX ||
        lat < GEO_LAT_MIN)
        return 0;
    hash->bits = 0;
    hash->step = step;
    if (lat < latr->min || lat > latr->max || lon < lonr->min ||
        lon > lonr->max)
        return 0;
    double lat_off = (lat - latr->min) / (latr->max - latr->min);
    double lon_off = (lon - lonr->min) / (lonr->max - lonr->min);
    lat_off *= (double)(1ULL << step);
    lon_off *= (double)(1ULL << step);
    hash->bits = geoInterleave((uint32_t)lat_off, (uint32_t)lon_off);
    return 1;
}

int geohashEncodeWGS84(double lon, double lat, int step, geoHashBits *hash) {
    return geohashEncode(&geoLonRange, &geoLatRange, lon, lat, step, hash);
}

uint64_t geohashAlign52(geoHashBits hash) {
    return hash.bits << (52 - hash.step * 2);
}

/* The rectangle of cell <hash> over the standard ranges. */
static void geoDecodeArea(geoHashBits hash, geoArea *a) {
    uint32_t ilat = geoSqueeze(hash.bits);
    uint32_t ilon = geoSqueeze(hash.bits >> 1);
    double latscale = geoLatRange.max - geoLatRange.min;
    double lonscale = geoLonRange.max - geoLonRange.min;
    double cells = (double)(1ULL << hash.step);
    uint32_t ilat1 = ilat + 1, ilon1 = ilon + 1; /* wraps like Redis's */
    a->lat.min = geoLatRange.min + (ilat * 1.0 / cells) * latscale;
    a->lat.max = geoLatRange.min + (ilat1 * 1.0 / cells) * latscale;
    a->lon.min = geoLonRange.min + (ilon * 1.0 / cells) * lonscale;
    a->lon.max = geoLonRange.min + (ilon1 * 1.0 / cells) * lonscale;
}

/* The integer a stored score names, converted as the x86-64 conversion
 * Redis relies on does for values out of range (no undefined behaviour
 * here). */
static uint64_t geoScoreToBits(double score) {
    if (score >= 0 && score < 18446744073709551616.0) return (uint64_t)score;
    if (score < 0 && score > -9223372036854775808.0)
        return (uint64_t)(int64_t)score;
    if (score <= -9223372036854775808.0) return 0x8000000000000000ULL;
    return 0;
}

int geohashDecodeScore(double score, double *xy) {
    geoHashBits hash = {.bits = geoScoreToBits(score), .step = GEO_STEP_MAX};
    geoArea a;
    geoDecodeArea(hash, &a);
    xy[0] = (a.lon.min + a.lon.max) / 2;
    if (xy[0] > GEO_LONG_MAX) xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN) xy[0] = GEO_LONG_MIN;
    xy[1] = (a.lat.min + a.lat.max) / 2;
    if (xy[1] > GEO_LAT_MAX) xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN) xy[1] = GEO_LAT_MIN;
    return 1;
}

/* Meters between two latitudes along a meridian. */
static double geoLatDistance(double lat1, double lat2) {
    return GEO_EARTH_RADIUS * fabs(geoDegToRad(lat2) - geoDegToRad(lat1));
}

double geohashDistance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = geoDegToRad(lon1), lon2r = geoDegToRad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* Same meridian: the cheap formula, as Redis takes it. */
    if (v == 0.0) return geoLatDistance(lat1, lat2);
    double lat1r = geoDegToRad(lat1), lat2r = geoDegToRad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * GEO_EARTH_RADIUS * asin(sqrt(a));
}

int geohashInShape(const geoShape *shape, double lon, double lat,
                   double *dist) {
    double cx = shape->xy[0], cy = shape->xy[1];
    if (shape->type == GEO_SHAPE_RADIUS) {
        *dist = geohashDistance(cx, cy, lon, lat);
        return *dist <= shape->radius * shape->conversion;
    }
    double w = shape->width * shape->conversion;
    double h = shape->height * shape->conversion;
    if (geoLatDistance(lat, cy) > h / 2) return 0;
    if (geohashDistance(lon, lat, cx, lat) > w / 2) return 0;
    *dist = geohashDistance(cx, cy, lon, lat);
    return 1;
}

/* The step (bits per coordinate) whose cells are about as large as a
 * search of <meters> around latitude <lat>. */
static int geoStepsForRadius(double meters, double lat) {
    if (meters == 0) return GEO_STEP_MAX;
    int step = 1;
    while (meters < GEO_MERCATOR_MAX) {
        meters *= 2;
        step++;
    }
    step -= 2;
    /* Cells get narrower towards the poles. */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > GEO_STEP_MAX) step = GEO_STEP_MAX;
    return step;
}

/* The search's bounding box: min lon, min lat, max lon, max lat. */
static void geoBoundingBox(const geoShape *shape, double *b) {
    double lon = shape->xy[0], lat = shape->xy[1];
    int circle = shape->type == GEO_SHAPE_RADIUS;
    double h = shape->conversion * (circle ? shape->radius : shape->height / 2);
    double w = shape->conversion * (circle ? shape->radius : shape->width / 2);
    double dlat = geoRadToDeg(h / GEO_EARTH_RADIUS);
    double dlon_top =
        geoRadToDeg(w / GEO_EARTH_RADIUS / cos(geoDegToRad(lat + dlat)));
    double dlon_bottom =
        geoRadToDeg(w / GEO_EARTH_RADIUS / cos(geoDegToRad(lat - dlat)));
    /* The widest edge is the one nearer the pole. */
    int south = lat < 0;
    b[0] = south ? lon - dlon_bottom : lon - dlon_top;
    b[2] = south ? lon + dlon_bottom : lon + dlon_top;
    b[1] = lat - dlat;
    b[3] = lat + dlat;
}

/* Cell <h> moved by <dlon> and <dlat> cells (each -1, 0 or 1), wrapping
 * around at the edges of the 2^step grid; an axis not moved keeps its
 * bits untouched. */
static geoHashBits geoMove(geoHashBits h, int dlon, int dlat) {
    uint32_t lat = geoSqueeze(h.bits), lon = geoSqueeze(h.bits >> 1);
    uint32_t mask = (uint32_t)((1ULL << h.step) - 1);
    if (dlon) lon = (uint32_t)(lon + (uint32_t)dlon) & mask;
    if (dlat) lat = (uint32_t)(lat + (uint32_t)dlat) & mask;
    h.bits = geoInterleave(lat, lon);
    return h;
}

/* The centre cell and its eight neighbours at <step> around the centre of
 * <shape>, in the scan order of geoSearchCells; *<area> gets the centre
 * cell's rectangle. */
static void geoCellsAt(const geoShape *shape, int step, geoSearchCells *out,
                       geoArea *area) {
    static const int moves[9][2] = {{0, 0},  {0, 1},  {0, -1},
                                    {1, 0},  {-1, 0}, {1, 1},
                                    {-1, 1}, {1, -1}, {-1, -1}};
    geoHashBits c;
    geohashEncodeWGS84(shape->xy[0], shape->xy[1], step, &c);
    for (int i = 0; i < 9; i++)
        out->cells[i] = geoMove(c, moves[i][0], moves[i][1]);
    geoDecodeArea(c, area);
}

#define GEO_N 1
#define GEO_S 2
#define GEO_E 3
#define GEO_W 4
#define GEO_NE 5
#define GEO_NW 6
#define GEO_SE 7
#define GEO_SW 8

void geohashSearchCells(const geoShape *shape, geoSearchCells *out) {
    double b[4];
    geoBoundingBox(shape, b);
    double minlon = b[0], minlat = b[1], maxlon = b[2], maxlat = b[3];
    double meters =
        shape->type == GEO_SHAPE_RADIUS
            ? shape->radius
            : sqrt((shape->width / 2) * (shape->width / 2) +
                   (shape->height / 2) * (shape->height / 2));
    meters *= shape->conversion;
    int step = geoStepsForRadius(meters, shape->xy[1]);
    geoArea area, n, s, e, w;
    geoCellsAt(shape, step, out, &area);

    /* Near a cell edge the estimated step can leave part of the box
     * outside the nine cells: then use cells twice as large. */
    geoDecodeArea(out->cells[GEO_N], &n);
    geoDecodeArea(out->cells[GEO_S], &s);
    geoDecodeArea(out->cells[GEO_E], &e);
    geoDecodeArea(out->cells[GEO_W], &w);
    int coarser = n.lat.max < maxlat || s.lat.min > minlat ||
                  e.lon.max < maxlon || w.lon.min > minlon;
    if (step > 1 && coarser) {
        step--;
        geoCellsAt(shape, step, out, &area);
    }

    /* Drop the neighbours on a side the box does not reach. */
    if (step >= 2) {
        static const geoHashBits none = {0, 0};
        if (area.lat.min < minlat)
            out->cells[GEO_S] = out->cells[GEO_SW] = out->cells[GEO_SE] = none;
        if (area.lat.max > maxlat)
            out->cells[GEO_N] = out->cells[GEO_NE] = out->cells[GEO_NW] = none;
        if (area.lon.min < minlon)
            out->cells[GEO_W] = out->cells[GEO_SW] = out->cells[GEO_NW] = none;
        if (area.lon.max > maxlon)
            out->cells[GEO_E] = out->cells[GEO_SE] = out->cells[GEO_NE] = none;
    }
}
