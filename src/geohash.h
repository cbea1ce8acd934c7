/* geohash.h: the 52-bit interleaved geohash of Redis's geo commands and the
 * distance and search-area arithmetic around it. A leaf module: no server
 * state, no allocation. */
#ifndef GEOHASH_H
#define GEOHASH_H

#include <stdint.h>

#define GEO_STEP_MAX 26 /* 26 bits per coordinate: 52-bit scores */
#define GEO_LAT_MIN -85.05112878
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN -180.0
#define GEO_LONG_MAX 180.0

/* A cell: <step> bits per coordinate, interleaved in <bits> (latitude in
 * the even bits, longitude in the odd bits). step 0 and bits 0 mark an
 * excluded cell. */
typedef struct geoHashBits {
    uint64_t bits;
    int step;
} geoHashBits;

typedef struct geoRange {
    double min, max;
} geoRange;

/* The rectangle a cell covers. */
typedef struct geoArea {
    geoRange lon, lat;
} geoArea;

#define GEO_SHAPE_RADIUS 1
#define GEO_SHAPE_BOX 2

/* A search: centre (xy[0] longitude, xy[1] latitude), the radius or the
 * box's width and height in the user's unit, and that unit in meters. */
typedef struct geoShape {
    int type;
    double xy[2];
    double conversion;
    double radius;
    double width, height;
} geoShape;

/* The cells to scan for a search, in Redis's scan order: the centre's
 * cell, then north, south, east, west, north-east, north-west, south-east,
 * south-west (some possibly excluded). */
typedef struct geoSearchCells {
    geoHashBits cells[9];
} geoSearchCells;

/* Encodes <lon>,<lat> at <step> bits over the ranges <lonr> and <latr>
 * into *<hash>. Returns 0 when a coordinate is outside the Web Mercator
 * limits or the ranges, 1 otherwise. */
int geohashEncode(const geoRange *lonr, const geoRange *latr, double lon,
                  double lat, int step, geoHashBits *hash);
/* The same over the WGS84 / Web Mercator ranges Redis stores. */
int geohashEncodeWGS84(double lon, double lat, int step, geoHashBits *hash);
/* The 52-bit score of a cell (shifted up when step < 26). */
uint64_t geohashAlign52(geoHashBits hash);
/* The centre of the cell a stored <score> names: xy[0] longitude, xy[1]
 * latitude, clamped to the valid ranges. Returns 1. */
int geohashDecodeScore(double score, double *xy);
/* Great-circle distance in meters (haversine on Redis's earth radius). */
double geohashDistance(double lon1, double lat1, double lon2, double lat2);
/* Distance from the search centre to <lon>,<lat> in *<dist> (meters);
 * returns 1 when the point is inside <shape>. */
int geohashInShape(const geoShape *shape, double lon, double lat,
                   double *dist);
/* The cells covering <shape> (Redis's step estimate and exclusions). */
void geohashSearchCells(const geoShape *shape, geoSearchCells *out);

#endif
