/* crc64.c: the RDB checksum (see crc64.h for the parameters).
 *
 * Owns: a 8x256 lookup table built once (slicing by eight bytes). Touches
 * no other state. */
#include "crc64.h"

#include <pthread.h>

#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc64Table[8][256];
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
        for (int k = 1; k < 8; k++) {
            c = crc64Table[0][c & 0xff] ^ (c >> 8);
            crc64Table[k][n] = c;
        }
    }
}

/* See crc64.h. */
uint64_t crc64(uint64_t crc, const unsigned char *p, size_t len) {
    pthread_once(&crc64Once, crc64BuildTable);
    while (len >= 8) {
        uint64_t v = crc ^ ((uint64_t)p[0] | (uint64_t)p[1] << 8 |
                            (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
                            (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                            (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56);
        crc = crc64Table[7][v & 0xff] ^ crc64Table[6][(v >> 8) & 0xff] ^
              crc64Table[5][(v >> 16) & 0xff] ^ crc64Table[4][(v >> 24) & 0xff] ^
              crc64Table[3][(v >> 32) & 0xff] ^ crc64Table[2][(v >> 40) & 0xff] ^
              crc64Table[1][(v >> 48) & 0xff] ^ crc64Table[0][v >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = crc64Table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
