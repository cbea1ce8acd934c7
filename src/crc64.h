/* crc64: the CRC-64 that RDB files and DUMP payloads end with: the Jones
 * polynomial (0xad93d23594c935a9, reflected 0x95ac9329ac4bc9b5), input and
 * output reflected, initial value 0, no final xor. Check value:
 * crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca. */
#ifndef CRC64_H
#define CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC of <len> bytes at <p> continued from the running value
 * <crc> (0 to start). Thread-safe; the table is built on first use. */
uint64_t crc64(uint64_t crc, const unsigned char *p, size_t len);

#endif
