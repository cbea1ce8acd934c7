/* lzf: a compressor and decompressor for the LZF block format, the one
 * RDB files use for compressed strings (type byte 0xC3). Written from the
 * format's public description; see lzf.c for the layout.
 *
 * Pure functions: no allocation, no globals, no I/O. */
#ifndef LZF_H
#define LZF_H

#include <stddef.h>

/* Compresses the <inlen> bytes at <in> into at most <outlen> bytes at <out>.
 * Returns the compressed size, or 0 when the result would not fit in
 * <outlen> bytes (callers then store the data uncompressed) or <inlen> is
 * 0. The buffers must not overlap. */
size_t lzfCompress(const void *in, size_t inlen, void *out, size_t outlen);

/* Decompresses the <inlen> bytes at <in> into at most <outlen> bytes at
 * <out>. Returns the decompressed size, or 0 when the input is malformed
 * (a back reference before the start of the output, a run past the end of
 * the input) or the output does not fit in <outlen> bytes. Never reads or
 * writes outside the given buffers, whatever the input. */
size_t lzfDecompress(const void *in, size_t inlen, void *out, size_t outlen);

#endif
