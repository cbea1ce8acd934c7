/* sha256.h: SHA-256 (FIPS 180-4, section 6.2) for ACL password hashes.
 * A leaf module: no server state, no allocation. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

typedef struct sha256Ctx {
    uint32_t h[8];      /* intermediate hash value H(i) */
    uint64_t bits;      /* message length so far, in bits */
    unsigned char block[64];
    size_t used;        /* bytes of <block> filled */
} sha256Ctx;

/* Starts a digest in <ctx> with the initial hash value of FIPS 180-4 5.3.3. */
void sha256Init(sha256Ctx *ctx);

/* Adds <len> bytes at <data> to the message of <ctx>. */
void sha256Update(sha256Ctx *ctx, const void *data, size_t len);

/* Pads the message (FIPS 180-4 5.1.1), writes the 32-byte digest to <out>;
 * <ctx> must be initialised again before reuse. */
void sha256Final(sha256Ctx *ctx, unsigned char out[SHA256_DIGEST_LEN]);

/* Writes the 64 lower-case hex digits of the SHA-256 of <len> bytes at
 * <data> to <out> followed by a NUL (65 bytes). */
void sha256Hex(char out[65], const void *data, size_t len);

#endif
