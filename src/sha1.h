/* sha1.h: SHA-1 (FIPS 180-4) for script names (EVAL's SHA1 digests and
 * redis.sha1hex). Not used for anything security related. */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

/* Writes the 40 lower-case hex digits of the SHA-1 of <len> bytes at <data>
 * to <out> followed by a NUL (41 bytes). */
void sha1Hex(char out[41], const void *data, size_t len);

/* Writes the 20 raw bytes of the SHA-1 of <len> bytes at <data> to <out>. */
void sha1Raw(unsigned char out[20], const void *data, size_t len);

#endif
