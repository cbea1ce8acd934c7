/* crc64.c: the RDB checksum (see crc64.h for the parameters).
 *
 * Owns: a 16x256 lookup table built once (slicing by sixteen bytes: table
 * k advances a byte's contribution by k more bytes). Touches no other
 * state. */
#include "crc64.h"

#include <pthread.h>

#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

#define CRC64_SLICES 16

static uint64_t crc64Table[CRC64_SLICES][256];
static pthread_once_t crc64Once = PTHREAD_ONCE_INIT;

static void crc64BuildTable(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t c = (uint64_t)n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc64Table[0][n] = c;
    }
    for (int n = 0; n < 256; n++) {
        uint64_t c = crc64Table[0][n];
        for (int k = 1; k < CRC64_SLICES; k++) {
            c = crc64Table[0][c & 0xff] ^ (c >> 8);
            crc64Table[k][n] = c;
        }
    }
}

/* The 8 bytes at <p> as a little-endian number. */
static inline uint64_t crc64Load(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* The contribution of the 8 bytes of <v>, followed by <after> more bytes
 * (0 or 8), to the CRC. */
static inline uint64_t crc64Word(uint64_t v, int after) {
    const uint64_t(*t)[256] = crc64Table + after;
    return t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
           t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^
           t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
}

/* See crc64.h. */
uint64_t crc64(uint64_t crc, const unsigned char *p, size_t len) {
    pthread_once(&crc64Once, crc64BuildTable);
    while (len >= 16) {
        crc = crc64Word(crc ^ crc64Load(p), 8) ^ crc64Word(crc64Load(p + 8), 0);
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        crc = crc64Word(crc ^ crc64Load(p), 0);
        p += 8;
        len -= 8;
    }
    while (len--) crc = crc64Table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
